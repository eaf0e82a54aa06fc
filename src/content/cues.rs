//! Page cues of a missing page: a title or main heading that says so, in English, Spanish,
//! French, German, Portuguese, Italian, Dutch and Polish, including the stock texts of common
//! CMSs and themes (WordPress's "Oops! That page can't be found.", Squarespace's "We couldn't
//! find the page you were looking for", Wix's "This page isn't available", Blogger's "the page
//! you were looking for in this blog does not exist"). Only the title and the first `h1` are read, never the body: an
//! article that mentions "404" is not a missing page.

/// Phrases that say a page is missing wherever they appear in a title, heading or line (lower
/// case, after typographic normalization): they name the page, the URL or the request.
const SPECIFIC: &[&str] = &[
    // English
    "page not found",
    "page cannot be found",
    "page could not be found",
    "page can't be found",
    "page doesn't exist",
    "page does not exist",
    "page no longer exists",
    "page isn't available",
    "page is not available",
    "page unavailable",
    "we can't find",
    "we couldn't find",
    "we could not find",
    "we cannot find",
    "can't find that page",
    "can't find the page",
    "nothing was found",
    "page you requested",
    "page you are looking for",
    "page you were looking for",
    "page you're looking for",
    "page you were trying",
    "url was not found",
    "resource was not found",
    "requested page could not be found",
    "file not found",
    "article not found",
    "story not found",
    "content not found",
    "site not found",
    "there isn't a github pages site here",
    "page has moved or no longer exists",
    "link to a topic that doesn't exist",
    "route that doesn't exist",
    // Spanish
    "página no encontrada",
    "pagina no encontrada",
    "página no existe",
    "página no disponible",
    "página que buscas",
    "página que busca",
    "página solicitada",
    // French
    "page introuvable",
    "page non trouvée",
    "page non trouvee",
    "page inexistante",
    "page demandée",
    "page que vous recherchez",
    "page n'existe pas",
    "url demandée n'a pas pu être trouvée",
    // German
    "seite nicht gefunden",
    "seite existiert nicht",
    "seite wurde nicht gefunden",
    "seite konnte nicht gefunden werden",
    "seite nicht verfügbar",
    "angeforderte seite",
    "gesuchte seite",
    "angeforderte url",
    // Portuguese
    "página não encontrada",
    "pagina nao encontrada",
    "página não existe",
    "página solicitada",
    "página que procura",
    // Italian
    "pagina non trovata",
    "pagina non esiste",
    "pagina inesistente",
    "pagina richiesta",
    "pagina che stai cercando",
    // Dutch
    "pagina niet gevonden",
    "pagina bestaat niet",
    "pagina kon niet worden gevonden",
    "pagina die je zoekt",
    // Polish
    "strona nie istnieje",
    "strona nie została znaleziona",
    "nie znaleziono strony",
    "strona niedostępna",
];

/// Phrases that say something is missing, but could head an article too ("Missing sailor not
/// found after three days"): in a title or heading they count only in a short part (at most
/// [`SHORT_PART_WORDS`] words between separators: "Nicht gefunden | Site"); in the lines of a
/// short page, anywhere.
const GENERIC: &[&str] = &[
    "not found",
    "does not exist",
    "doesn't exist",
    "no longer exists",
    "no longer available",
    "can't be found",
    "cannot be found",
    "could not be found",
    "couldn't be found",
    "no encontrada",
    "no encontrado",
    "no se encontró",
    "no se ha encontrado",
    "no existe",
    "no localizado",
    "introuvable",
    "non trouvé",
    "non trouvée",
    "n'existe pas",
    "n'existe plus",
    "nicht gefunden",
    "existiert nicht",
    "existiert noch nicht",
    "nicht mehr verfügbar",
    "não encontrada",
    "não encontrado",
    "não existe",
    "não foi encontrad",
    "non è stata trovata",
    "non trovata",
    "non trovato",
    "non esiste",
    "niet gevonden",
    "bestaat niet",
    "niet meer beschikbaar",
    "kon niet worden gevonden",
    "nie znaleziono",
    "nie została znaleziona",
    "nie istnieje",
    // Beyond the eight: the not-found words of the languages the packages carry.
    "nenalezen",
    "nebyla nalezena",
    "neexistuje",
    "не найден",
    "не существует",
    "не знайдено",
    "見つかりません",
    "找不到",
    "未找到",
    "不存在",
    "찾을 수 없습니다",
    "غير موجود",
    "لم يتم العثور",
    "bulunamadı",
    "nem található",
    "ei löytynyt",
    "ei löydy",
    "hittades inte",
    "finns inte",
    "ikke funnet",
    "finnes ikke",
    "ikke fundet",
    "findes ikke",
    "δεν βρέθηκε",
    "nu a fost găsit",
    "nenájden",
    "לא נמצא",
    "không tìm thấy",
    "tidak ditemukan",
];

/// The most words a part of a title or heading may have for a [`GENERIC`] phrase in it to count.
const SHORT_PART_WORDS: usize = 6;

/// Whether `text` is at most `words` words and 40 characters: a line of Chinese or Japanese
/// has no spaces between its words, and is short only by its characters.
#[must_use]
pub fn is_short(text: &str, words: usize) -> bool {
    text.split_whitespace().count() <= words && text.chars().count() <= 40
}

/// Error words that make a "404" in a short part of a title a cue ("Error 404", "Fehler 404").
/// "Page" is not one of them: "Page 404" may be a page number.
const ERROR_WORDS: &[&str] = &[
    "error", "erro", "erreur", "fehler", "fout", "errore", "błąd", "blad", "oops",
];

/// Whether a title or heading says the page is missing; returns the phrase that matched.
#[must_use]
pub fn missing_cue(text: &str) -> Option<String> {
    let t = super::text::normalize(text.trim()).to_lowercase();
    if t.is_empty() {
        return None;
    }
    if let Some(phrase) = SPECIFIC.iter().find(|p| t.contains(*p)) {
        return Some((*phrase).to_owned());
    }
    let parts = || t.split(['|', '–', '—', ':', '·', '»', '«', '!', '?', '-', '(', ')']);
    let short = |part: &&str| is_short(part, SHORT_PART_WORDS);
    if let Some(phrase) = parts()
        .filter(short)
        .find_map(|part| GENERIC.iter().find(|p| part.contains(*p)))
    {
        return Some((*phrase).to_owned());
    }
    // "404" alone, or with an error word, in a short part of the title ("Error 404 | Site",
    // "Site - 404"); a headline about 404 errors is longer than that.
    let is_404_part = |part: &str| {
        let words: Vec<&str> = part
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        words.contains(&"404")
            && (words.len() == 1
                || (words.len() <= 4 && ERROR_WORDS.iter().any(|e| words.contains(e))))
    };
    if parts().any(is_404_part) {
        return Some("404".to_owned());
    }
    None
}

/// One automaton over every phrase (and "404"), to tell in one pass whether a page's text says
/// anything of a missing page at all.
static ANY_PHRASE: std::sync::LazyLock<aho_corasick::AhoCorasick> =
    std::sync::LazyLock::new(|| {
        // A DFA: built once, it reads a page's text at memory speed (the default NFA took a
        // quarter of a check's CPU on pages without any phrase).
        aho_corasick::AhoCorasick::builder()
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(SPECIFIC.iter().chain(GENERIC).chain(&["404"]))
            .expect("the phrases build an automaton")
    });

/// Whether a page's plain text holds any not-found phrase or a "404": when it does not, no
/// line of it can be a cue. One pass folds it as [`super::text::normalize`] would for the
/// search (lower case, typographic apostrophes, whitespace runs as one space), then the
/// automaton reads it.
#[must_use]
pub fn mentions_missing(text: &str) -> bool {
    // Byte by byte for ASCII (most of any page), a character at a time for the rest.
    let bytes = text.as_bytes();
    let mut folded: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut space = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            i += 1;
            if b.is_ascii_whitespace() {
                space = true;
                continue;
            }
            if space && !folded.is_empty() {
                folded.push(b' ');
            }
            space = false;
            folded.push(b.to_ascii_lowercase());
            continue;
        }
        let c = text[i..].chars().next().unwrap_or(' ');
        i += c.len_utf8();
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !folded.is_empty() {
            folded.push(b' ');
        }
        space = false;
        let mut buf = [0u8; 4];
        match c {
            '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}' | '\u{2032}' => folded.push(b'\''),
            c => {
                for lower in c.to_lowercase() {
                    folded.extend_from_slice(lower.encode_utf8(&mut buf).as_bytes());
                }
            }
        }
    }
    ANY_PHRASE.is_match(&folded)
}

/// Whether a line names a missing page in so many words: a [`SPECIFIC`] phrase.
#[must_use]
pub fn specific_phrase(line: &str) -> Option<&'static str> {
    let t = super::text::normalize(line.trim()).to_lowercase();
    SPECIFIC.iter().find(|p| t.contains(*p)).copied()
}

/// Whether a line of a short page says it is missing: any [`SPECIFIC`] or [`GENERIC`] phrase,
/// anywhere in it, or a title-like cue ([`missing_cue`]).
#[must_use]
pub fn missing_phrase(line: &str) -> Option<String> {
    let t = super::text::normalize(line.trim()).to_lowercase();
    SPECIFIC
        .iter()
        .chain(GENERIC)
        .find(|p| t.contains(*p))
        .map(|p| (*p).to_owned())
        .or_else(|| missing_cue(line))
}

/// The text of the `<title>` and of the first `<h1>`, found by scanning rather than parsing
/// (this runs on every page).
#[must_use]
pub fn title_and_heading(html: &str) -> (Option<String>, Option<String>) {
    (element_text(html, "title"), element_text(html, "h1"))
}

/// The head of a page, where meta and link tags sit: its first 512 KiB, not a whole (up to
/// 32 MiB) page, on every page checked.
fn head(html: &str) -> &str {
    let mut cut = html.len().min(512 << 10);
    while !html.is_char_boundary(cut) {
        cut -= 1;
    }
    &html[..cut]
}

/// The value of `attr` in the tag of `html` (already cut to its head, `lower` its lower-case)
/// around the byte `at`, when that tag is a `<name`: its start at most 1 KiB before `at`.
fn attribute_of_tag_around(
    html: &str,
    lower: &str,
    at: usize,
    name: &str,
    attr: &str,
) -> Option<String> {
    let mut floor = at.saturating_sub(1024);
    while !lower.is_char_boundary(floor) {
        floor += 1;
    }
    let start = floor + lower[floor..at].rfind(name)?;
    let end = at + lower[at..].find('>')?;
    // The tag must not close between its start and `at`.
    if lower[start..at].contains('>') {
        return None;
    }
    let tag = &html[start..end];
    let tag_lower = &lower[start..end];
    let mut from = 0;
    let value_at = loop {
        let found = from + tag_lower[from..].find(attr)?;
        let before = tag_lower.as_bytes()[found.saturating_sub(1)];
        if found > 0 && before.is_ascii_whitespace() {
            break found + attr.len();
        }
        from = found + attr.len();
    };
    let rest = tag[value_at..].trim_start();
    let value = match rest.chars().next()? {
        quote @ ('"' | '\'') => rest[1..].split(quote).next()?,
        _ => rest
            .split(|c: char| c.is_ascii_whitespace())
            .next()?
            .trim_end_matches('/'),
    };
    Some(crate::htmlscan::decode_references(value))
}

/// The `og:title` (or `twitter:title`) a page declares in a `<meta>` tag of its first 512 KiB,
/// found by scanning.
/// Platforms that keep the site's chrome on a not-found page often say it there.
#[must_use]
pub fn og_title(html: &str) -> Option<String> {
    let html = head(html);
    let lower = html.to_ascii_lowercase();
    let at = lower
        .find("\"og:title\"")
        .or_else(|| lower.find("\"twitter:title\""))?;
    let value = attribute_of_tag_around(html, &lower, at, "<meta", "content=")?;
    let text = super::text::normalize(&value).replace('\n', " ");
    (!text.is_empty()).then_some(text)
}

/// The URL a page declares canonical in a `<link rel="canonical">` of its first 512 KiB,
/// resolved against `base`.
#[must_use]
pub fn canonical(html: &str, base: &url::Url) -> Option<url::Url> {
    let html = head(html);
    let lower = html.to_ascii_lowercase();
    let mut from = 0;
    while let Some(found) = lower[from..].find("canonical") {
        let at = from + found;
        from = at + "canonical".len();
        let rel = attribute_of_tag_around(html, &lower, at, "<link", "rel=");
        if rel.is_some_and(|r| r.eq_ignore_ascii_case("canonical")) {
            let href = attribute_of_tag_around(html, &lower, at, "<link", "href=")?;
            return base.join(href.trim()).ok();
        }
    }
    None
}

fn element_text(html: &str, tag: &str) -> Option<String> {
    element_texts(html, &html.to_ascii_lowercase(), tag, 1)
        .into_iter()
        .next()
}

/// The texts of the first `max` non-empty `tag` elements of `html` (`lower` is its ASCII lower
/// case), found by scanning.
fn element_texts(html: &str, lower: &str, tag: &str, max: usize) -> Vec<String> {
    let open = format!("<{tag}");
    let close = format!("</{tag}");
    let mut texts = Vec::new();
    let mut from = 0;
    while texts.len() < max {
        let Some(found) = lower[from..].find(&open) else {
            break;
        };
        let at = from + found;
        from = at + open.len();
        let after = lower.as_bytes().get(from).copied();
        if !matches!(after, Some(b'>' | b' ' | b'\t' | b'\n' | b'\r')) {
            continue;
        }
        let Some(content_start) = lower[at..].find('>').map(|i| at + i + 1) else {
            break;
        };
        let Some(end) = lower[content_start..]
            .find(&close)
            .map(|i| content_start + i)
        else {
            break;
        };
        from = end;
        if let Some(text) = inner_text(&html[content_start..end]) {
            texts.push(text);
        }
    }
    texts
}

/// The text of an element's inner HTML: nested tags dropped, references decoded, normalized.
fn inner_text(inner: &str) -> Option<String> {
    let mut text = String::new();
    // A `<` starts a tag only before a letter, `/` or `!`, as in HTML; other `<` and `>` are text.
    let mut in_tag = false;
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '<' if !in_tag
                && chars
                    .peek()
                    .is_some_and(|n| n.is_ascii_alphabetic() || matches!(n, '/' | '!')) =>
            {
                in_tag = true;
            }
            '>' if in_tag => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    // Named and numeric references: WordPress writes "can&#8217;t" in its titles.
    let text = crate::htmlscan::decode_references(&text);
    let text = super::text::normalize(&text).replace('\n', " ");
    (!text.is_empty()).then_some(text)
}

/// The texts of the page's first three `<h1>` elements: a site's logo may be its first.
#[must_use]
pub fn main_headings(html: &str) -> Vec<String> {
    element_texts(html, &html.to_ascii_lowercase(), "h1", 3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_mentions_a_missing_page_across_case_lines_and_typography() {
        assert!(mentions_missing(
            "Home\nSorry, we couldn\u{2019}t   find\n that page."
        ));
        assert!(mentions_missing("PÁGINA NO ENCONTRADA"));
        assert!(mentions_missing("Seite\u{a0}nicht gefunden"));
        assert!(mentions_missing("Error 404"));
        assert!(!mentions_missing(
            "Talks resume after the summit, officials said."
        ));
    }

    #[test]
    fn the_canonical_link_is_read_in_either_attribute_order_and_resolved() {
        let base = url::Url::parse("https://a.test/section/x").unwrap();
        let c = |html: &str| canonical(html, &base).map(String::from);
        assert_eq!(
            c("<link rel=\"canonical\" href=\"https://a.test/section/\">").as_deref(),
            Some("https://a.test/section/")
        );
        assert_eq!(
            c("<link href='/story-1' data-x=1 rel=Canonical />").as_deref(),
            Some("https://a.test/story-1")
        );
        assert_eq!(
            c("<link rel=canonical href=/a/b/>").as_deref(),
            Some("https://a.test/a/b")
        );
        // Not a canonical link: the word elsewhere, an alternate, a link that closed before it.
        assert_eq!(c("<p>canonical</p>"), None);
        assert_eq!(
            c("<link rel=alternate href=/amp data-note=canonical>"),
            None
        );
        assert_eq!(c("<link rel=icon href=/i>canonical"), None);
    }

    #[test]
    fn stock_not_found_texts_of_common_platforms_are_cues() {
        // As the platforms write them, references and all.
        for html in [
            "<title>Page not found &#8211; Example</title><h1 class=\"page-title\">Oops! That page can&rsquo;t be found.</h1>",
            "<title>Example</title><h1>Oops! That page can&#8217;t be found.</h1>",
            "<title>Example</title><h1>Oops! That page can&rsquo;t be found.</h1>",
            "<title>Example</title><h1>We couldn&#x27;t find the page you were looking for</h1>",
            "<title>This page isn&#39;t available</title>",
            "<title>Example: Sorry, the page you were looking for in this blog does not exist.</title>",
            "<title>Site not found &middot; GitHub Pages</title><h1>There isn't a GitHub Pages site here.</h1>",
            "<title>Pagina non trovata - Esempio</title>",
            "<title>Pagina niet gevonden | Voorbeeld</title>",
            "<title>Nie znaleziono strony - Przykład</title>",
            "<title>Błąd 404 - Przykład</title>",
            "<title>Errore 404 | Esempio</title>",
        ] {
            let (title, heading) = title_and_heading(html);
            assert!(
                title.as_deref().and_then(missing_cue).is_some()
                    || heading.as_deref().and_then(missing_cue).is_some(),
                "{html}: {title:?} / {heading:?}"
            );
        }
        for title in [
            "Talks resume after summit",
            "Page 404 of the minutes",
            "The day the river found its way back",
        ] {
            assert_eq!(missing_cue(title), None, "{title}");
        }
    }

    #[test]
    fn angle_brackets_that_are_not_tags_stay_in_the_text() {
        let (title, heading) = title_and_heading(
            "<title>a < b > c &lt;script&gt;x&lt;/script&gt;</title><h1>One <em>two</em></h1>",
        );
        assert_eq!(title.as_deref(), Some("a < b > c <script>x</script>"));
        assert_eq!(heading.as_deref(), Some("One two"));
    }

    #[test]
    fn missing_page_titles_in_five_languages() {
        for title in [
            "Page Not Found | Example News",
            "404",
            "Error 404 - Example",
            "Página no encontrada",
            "Page introuvable - Le Monde",
            "Seite nicht gefunden",
            "Página não encontrada",
            "Sorry, we can't find that page",
        ] {
            assert!(missing_cue(title).is_some(), "{title}");
        }
    }

    #[test]
    fn ordinary_titles_are_not_cues() {
        for title in [
            "Talks resume after summit",
            "The 404 bus route is changing",
            "How a 404 error page is built",
            "Page 404",
            "Top 10 stories of 2026",
            "",
        ] {
            assert_eq!(missing_cue(title), None, "{title}");
        }
    }

    #[test]
    fn title_and_first_heading_are_found_without_parsing() {
        let html = "<HTML><head><title>Not &amp; found</title></head><body><header><h1 class=x>Site <b>name</b></h1></header><h1>Second</h1>";
        assert_eq!(
            title_and_heading(html),
            (Some("Not & found".to_owned()), Some("Site name".to_owned()))
        );
        assert_eq!(title_and_heading("<p>no title</p>"), (None, None));
        assert_eq!(
            element_text("<h1x>no</h1x><h1>yes</h1>", "h1"),
            Some("yes".to_owned())
        );
    }
}
