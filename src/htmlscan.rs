//! Linear scans of HTML that never build a tree: the shape of a document (how many tags, how
//! deep they nest) and its plain text.
//!
//! A DOM parser and the algorithms over its tree are not bounded by the input's size alone:
//! html5ever checks the stack of open elements on every start tag (time quadratic in the
//! nesting depth), Readability and text collection recurse (a stack overflow on 50,000 nested
//! `<div>`s), and each element costs a few hundred bytes. So every HTML document a page or an
//! article controls is measured here first, in one pass and constant memory, and one beyond
//! [`Limits`] is read as plain text by [`plain_text`], also in one pass.

/// Bounds on what is handed to a DOM parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of HTML.
    pub bytes: usize,
    /// Start tags.
    pub tags: usize,
    /// Nesting depth of elements that need an end tag.
    pub depth: usize,
}

impl Limits {
    /// For fetched pages: real news pages stay far below (a heavy page: 1 to 3 MB, 5,000 to
    /// 20,000 tags, 30 to 60 levels deep).
    pub const PAGE: Limits = Limits {
        bytes: 8 << 20,
        tags: 150_000,
        depth: 400,
    };
}

/// What [`shape`] measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Shape {
    pub tags: usize,
    /// The deepest nesting of elements that need an end tag; elements whose end tag is optional
    /// (`p`, `li`, `td`...) and void elements (`br`, `img`...) do not count, so that unclosed
    /// paragraphs and list items do not look deep.
    pub depth: usize,
}

impl Shape {
    /// Whether a document of this shape and `len` bytes may be parsed into a tree.
    #[must_use]
    pub fn within(self, len: usize, limits: Limits) -> bool {
        len <= limits.bytes && self.tags <= limits.tags && self.depth <= limits.depth
    }
}

/// Elements without content.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "keygen", "frame", "basefont", "bgsound", "image", "isindex",
];

/// Elements whose end tag may be left out (and the document's own frame).
const OPTIONAL_END: &[&str] = &[
    "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "rb", "rt", "rp", "rtc",
    "thead", "tbody", "tfoot", "colgroup", "caption", "html", "head", "body",
];

/// Elements whose content is text to the tokenizer: tags inside are not tags.
const RAW_TEXT: &[&str] = &[
    "script",
    "style",
    "textarea",
    "title",
    "xmp",
    "iframe",
    "noembed",
    "noframes",
    "plaintext",
];

/// Elements whose text is never read as the page's text.
const HIDDEN: &[&str] = &["script", "style", "template", "noscript", "svg", "head"];

/// Elements that break a line of text.
const BLOCK: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "section",
    "article",
    "blockquote",
    "pre",
    "table",
    "ul",
    "ol",
    "header",
    "footer",
    "main",
    "figure",
    "figcaption",
];

/// One token of the scan.
enum Token<'a> {
    Text(&'a str),
    Start {
        name: String,
        self_closing: bool,
        /// Where the tag's attributes are: from the end of its name to its `>`.
        attributes: std::ops::Range<usize>,
    },
    End {
        name: String,
    },
}

/// Calls `each` for every text run and tag of `html`, in order, in one pass. The content of
/// raw-text elements is one text run; comments, doctypes and processing instructions are
/// skipped. Never fails: a `<` that starts no tag is text.
fn scan<'a>(html: &'a str, mut each: impl FnMut(Token<'a>)) {
    let bytes = html.as_bytes();
    let mut i = 0;
    let mut text_from = 0;
    while let Some(step) = memchr_lt(bytes, i) {
        i = step;
        let next = bytes.get(i + 1).copied();
        let emit_text = |each: &mut dyn FnMut(Token<'a>), to: usize| {
            if to > text_from {
                each(Token::Text(&html[text_from..to]));
            }
        };
        match next {
            Some(b'!' | b'?') => {
                emit_text(&mut each, i);
                let end = if html[i..].starts_with("<!--") {
                    find_from(html, i + 4, "-->").map_or(html.len(), |e| e + 3)
                } else {
                    find_byte(bytes, i + 2, b'>').map_or(html.len(), |e| e + 1)
                };
                i = end;
                text_from = end;
            }
            Some(b'/') if bytes.get(i + 2).is_some_and(u8::is_ascii_alphabetic) => {
                emit_text(&mut each, i);
                let (name, _) = tag_name(bytes, i + 2);
                let end = find_byte(bytes, i + 2, b'>').map_or(html.len(), |e| e + 1);
                each(Token::End { name });
                i = end;
                text_from = end;
            }
            Some(c) if c.is_ascii_alphabetic() => {
                emit_text(&mut each, i);
                let (name, after) = tag_name(bytes, i + 1);
                let close = tag_end(bytes, after);
                let end = close.map_or(html.len(), |e| e + 1);
                let self_closing = close.is_some_and(|e| e > after && bytes[e - 1] == b'/');
                let raw = RAW_TEXT.contains(&name.as_str());
                each(Token::Start {
                    name: name.clone(),
                    self_closing,
                    attributes: after..close.unwrap_or(html.len()),
                });
                i = end;
                text_from = end;
                if raw && !self_closing {
                    // The element's content runs to its end tag, whatever it holds.
                    let closing = format!("</{name}");
                    let stop = find_ascii_ci(html, end, &closing).unwrap_or(html.len());
                    if stop > end {
                        each(Token::Text(&html[end..stop]));
                    }
                    i = stop;
                    text_from = stop;
                }
            }
            _ => i += 1,
        }
    }
    if text_from < html.len() {
        each(Token::Text(&html[text_from..]));
    }
}

/// The `>` that ends a start tag whose attributes begin at `from`: the first one outside a
/// quoted attribute value (`<a title="a>b" href=...>` ends after the href).
fn tag_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    let mut quote: Option<u8> = None;
    let mut after_equals = false;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None => match b {
                b'>' => return Some(i),
                b'"' | b'\'' if after_equals => quote = Some(b),
                b'=' => {
                    after_equals = true;
                    i += 1;
                    continue;
                }
                b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' if after_equals => {
                    i += 1;
                    continue;
                }
                _ => {}
            },
        }
        after_equals = false;
        i += 1;
    }
    None
}

/// A start tag that carries a link, found in the source: its element (`a`, `area`,
/// `blockquote`, `q`), where the value of its `href` (or `cite`) starts, and that value with
/// its character references decoded and its line breaks normalized, as the parser reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkTag {
    pub element: String,
    pub offset: usize,
    pub value: String,
}

/// Every link-bearing start tag of `html`, in source order, in one pass (tags inside comments
/// and raw-text elements such as `<title>` or `<script>` are not tags).
#[must_use]
pub fn link_tags(html: &str) -> Vec<LinkTag> {
    let mut tags = Vec::new();
    scan(html, |token| {
        if let Token::Start {
            name, attributes, ..
        } = token
        {
            let attribute = match name.as_str() {
                "a" | "area" => "href",
                "blockquote" | "q" => "cite",
                _ => return,
            };
            if let Some((offset, raw)) = attribute_value(html, attributes, attribute) {
                let value = decode_references(raw)
                    .replace("\r\n", "\n")
                    .replace('\r', "\n");
                tags.push(LinkTag {
                    element: name,
                    offset,
                    value,
                });
            }
        }
    });
    tags
}

/// The first value of the attribute `name` among a start tag's `attributes` (the HTML spec
/// keeps the first of duplicates): where it starts and its text as written.
fn attribute_value<'h>(
    html: &'h str,
    attributes: std::ops::Range<usize>,
    name: &str,
) -> Option<(usize, &'h str)> {
    let bytes = html.as_bytes();
    let end = attributes.end.min(bytes.len());
    let mut i = attributes.start;
    let space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c');
    while i < end {
        while i < end && (space(bytes[i]) || bytes[i] == b'/') {
            i += 1;
        }
        let name_start = i;
        while i < end && !space(bytes[i]) && !matches!(bytes[i], b'/' | b'=' | b'>') {
            i += 1;
        }
        if i == name_start {
            i += 1;
            continue;
        }
        let attribute = &bytes[name_start..i];
        while i < end && space(bytes[i]) {
            i += 1;
        }
        if i >= end || bytes[i] != b'=' {
            if attribute.eq_ignore_ascii_case(name.as_bytes()) {
                return Some((i, ""));
            }
            continue;
        }
        i += 1;
        while i < end && space(bytes[i]) {
            i += 1;
        }
        let (start, stop) = if let Some(&q @ (b'"' | b'\'')) = bytes.get(i) {
            let stop = find_byte(bytes, i + 1, q).map_or(end, |e| e.min(end));
            (i + 1, stop)
        } else {
            let mut stop = i;
            while stop < end && !space(bytes[stop]) && bytes[stop] != b'>' {
                stop += 1;
            }
            (i, stop)
        };
        if attribute.eq_ignore_ascii_case(name.as_bytes()) {
            return html.get(start..stop).map(|v| (start, v));
        }
        i = stop + 1;
    }
    None
}

fn memchr_lt(bytes: &[u8], from: usize) -> Option<usize> {
    find_byte(bytes, from, b'<')
}

fn find_byte(bytes: &[u8], from: usize, b: u8) -> Option<usize> {
    bytes
        .get(from..)?
        .iter()
        .position(|&c| c == b)
        .map(|p| p + from)
}

fn find_from(html: &str, from: usize, needle: &str) -> Option<usize> {
    html.get(from..)?.find(needle).map(|p| p + from)
}

/// The first case-insensitive occurrence of the ASCII `needle` at or after `from`.
fn find_ascii_ci(html: &str, from: usize, needle: &str) -> Option<usize> {
    let bytes = html.as_bytes();
    let n = needle.as_bytes();
    let first = n[0].to_ascii_lowercase();
    let mut at = from;
    while let Some(p) = find_byte(bytes, at, first) {
        if bytes.len() - p >= n.len() && bytes[p..p + n.len()].eq_ignore_ascii_case(n) {
            return Some(p);
        }
        at = p + 1;
    }
    None
}

/// A tag name starting at `from` (lower-cased, at most 32 bytes kept), and where it ends.
fn tag_name(bytes: &[u8], from: usize) -> (String, usize) {
    let mut end = from;
    while end < bytes.len()
        && !matches!(
            bytes[end],
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/' | b'>'
        )
    {
        end += 1;
    }
    let name = &bytes[from..end.min(from + 32)];
    (String::from_utf8_lossy(name).to_ascii_lowercase(), end)
}

/// Counts the tags of `html` and the deepest nesting of elements that need an end tag.
#[must_use]
pub fn shape(html: &str) -> Shape {
    let mut shape = Shape::default();
    let mut depth = 0usize;
    scan(html, |token| match token {
        Token::Start {
            name, self_closing, ..
        } => {
            shape.tags += 1;
            let name = name.as_str();
            if !self_closing && !VOID.contains(&name) && !OPTIONAL_END.contains(&name) {
                depth += 1;
                shape.depth = shape.depth.max(depth);
            }
        }
        Token::End { name } => {
            let name = name.as_str();
            if !VOID.contains(&name) && !OPTIONAL_END.contains(&name) {
                depth = depth.saturating_sub(1);
            }
        }
        Token::Text(_) => {}
    });
    shape
}

/// The text of `html` without a tree: tags dropped, the content of scripts, styles, templates
/// and the head skipped, block elements as line breaks, the common character references
/// decoded. Linear in the input.
#[must_use]
pub fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len().min(1 << 20));
    // Open hidden elements; nesting is counted, not kept.
    let mut hidden = 0usize;
    scan(html, |token| match token {
        Token::Start {
            name, self_closing, ..
        } => {
            if HIDDEN.contains(&name.as_str()) && !self_closing {
                hidden += 1;
            } else if BLOCK.contains(&name.as_str()) {
                out.push('\n');
            }
        }
        Token::End { name } => {
            if HIDDEN.contains(&name.as_str()) {
                hidden = hidden.saturating_sub(1);
            } else if BLOCK.contains(&name.as_str()) {
                out.push('\n');
            }
        }
        Token::Text(text) if hidden == 0 => decode_entities(text, &mut out),
        Token::Text(_) => {}
    });
    out
}

/// `text` with its common character references decoded (see [`decode_entities`]).
#[must_use]
pub fn decode_references(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    decode_entities(text, &mut out);
    out
}

/// Appends `text` with `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;`, `&nbsp;`, typographic
/// quotes and dashes, and numeric references decoded; others are kept as written.
fn decode_entities(text: &str, out: &mut String) {
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest[1..]
            .find(|c: char| !c.is_ascii_alphanumeric() && c != '#')
            .map_or(rest.len(), |e| e + 1);
        let name = &rest[1..end];
        let decoded = match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some('\u{a0}'),
            "rsquo" => Some('\u{2019}'),
            "lsquo" => Some('\u{2018}'),
            "rdquo" => Some('\u{201d}'),
            "ldquo" => Some('\u{201c}'),
            "ndash" => Some('\u{2013}'),
            "mdash" => Some('\u{2014}'),
            "hellip" => Some('\u{2026}'),
            "middot" => Some('\u{b7}'),
            "laquo" => Some('\u{ab}'),
            "raquo" => Some('\u{bb}'),
            n if n.starts_with("#x") || n.starts_with("#X") => u32::from_str_radix(&n[2..], 16)
                .ok()
                .and_then(char::from_u32),
            n if n.starts_with('#') => n[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        if let Some(c) = decoded {
            out.push(c);
            rest = &rest[end..];
            if rest.starts_with(';') {
                rest = &rest[1..];
            }
        } else {
            out.push('&');
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_counts_tags_and_nesting_of_elements_that_need_closing() {
        let s = shape("<html><body><div><p>a<p>b<br><img src=x><div><span>c</span></div></div>");
        assert_eq!(s.tags, 9);
        // div > div > span: p, br, img, html and body do not nest.
        assert_eq!(s.depth, 3);
        let deep = "<div>".repeat(50_000);
        assert_eq!(shape(&deep).depth, 50_000);
        // Closing an optional-end element pops nothing, so it cannot hide depth.
        let hidden = "<div></p>".repeat(1000);
        assert_eq!(shape(&hidden).depth, 1000);
    }

    #[test]
    fn link_tags_are_found_in_the_source_with_their_values_decoded() {
        let html = "<html><head><title>a <a href=x> in a title</title></head><body>\n\
                    <!-- <a href=\"commented\"> -->\n\
                    <a title=\"1>2\" HREF = 'https://a.test/?x=1&amp;y=2' href=\"second\">one</a>\n\
                    <area href=https://b.test/map alt=m><q cite=\"https://c.test/\">q</q>\n\
                    <a/><a href>empty</a><script>var s='<a href=\"no\">';</script></body></html>";
        let tags = link_tags(html);
        let seen: Vec<(&str, &str)> = tags
            .iter()
            .map(|t| (t.element.as_str(), t.value.as_str()))
            .collect();
        assert_eq!(
            seen,
            [
                ("a", "https://a.test/?x=1&y=2"),
                ("area", "https://b.test/map"),
                ("q", "https://c.test/"),
                ("a", ""),
            ]
        );
        assert!(html[tags[0].offset..].starts_with("https://a.test/?x=1&amp;y=2'"));
        assert!(html[tags[1].offset..].starts_with("https://b.test/map alt"));
    }

    #[test]
    fn scripts_comments_and_stray_angles_are_not_tags() {
        let s = shape(
            "<script>if (a<b) { x = '<div><div>'; }</script><!-- <div> --> 1 < 2 <div></div>",
        );
        assert_eq!((s.tags, s.depth), (2, 1));
    }

    #[test]
    fn plain_text_drops_tags_hidden_content_and_decodes_references() {
        let t = plain_text(
            "<html><head><title>T</title><style>p{}</style></head><body><p>Fish &amp; chips&#33;\
             <script>var x = '<p>no</p>';</script><div>&lt;b&gt; &eacute; &#x41;</div></body>",
        );
        assert_eq!(
            t.split_whitespace().collect::<Vec<_>>(),
            ["Fish", "&", "chips!", "<b>", "&eacute;", "A"]
        );
    }

    #[test]
    fn scans_are_linear_on_hostile_input() {
        // A page of NUL bytes, an unterminated tag and a run of `<`: each one pass.
        let nul = "\0".repeat(1 << 20);
        assert_eq!(shape(&nul).tags, 0);
        assert_eq!(plain_text(&nul).len(), 1 << 20);
        assert_eq!(shape(&format!("<div{}", "a".repeat(1 << 20))).tags, 1);
        assert_eq!(shape(&"<".repeat(1 << 20)).tags, 0);
        assert_eq!(shape(&"<script>".repeat(1 << 16)).tags, 1);
    }
}
