//! Text from the world made safe to print on a terminal (pure).

use std::borrow::Cow;
use std::fmt::Write as _;

/// Text from the world (a file name, link text, a page's title or text, a server's message)
/// made safe for a terminal: C0 and C1 control characters and DEL (escape sequences that set
/// the window title, make hyperlinks or clear the screen; backspace and a lone carriage return
/// that overwrite a line) are shown as `\u{1b}`; line feeds, tabs and CR LF are kept.
#[must_use]
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    let unsafe_char = |(i, c): (usize, char)| {
        (c.is_control() && c != '\n' && c != '\t')
            && !(c == '\r' && text.as_bytes().get(i + 1) == Some(&b'\n'))
    };
    if !text.char_indices().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for (i, c) in text.char_indices() {
        if unsafe_char((i, c)) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `text` cut to `max` characters by an ellipsis in the middle: the start (scheme, host, the
/// path's beginning) and the end (the slug) of a URL are what identify it.
#[must_use]
pub fn elide_middle(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max || max < 5 {
        return text.to_owned();
    }
    let head = (max - 1) * 3 / 5;
    let tail = max - 1 - head;
    let start: String = text.chars().take(head).collect();
    let end: String = text.chars().skip(count - tail).collect();
    format!("{start}\u{2026}{end}")
}

/// Words of `text` in lines of at most `width` characters; a word longer than that (a URL, which
/// must stay whole to be copied) has a line of its own.
#[must_use]
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_shown_and_text_is_kept() {
        assert!(matches!(
            escape_controls("plain\ttext\r\n"),
            Cow::Borrowed(_)
        ));
        assert_eq!(
            escape_controls("\u{1b}]0;owned\u{7}title\u{9b}2J\rover\u{8}"),
            "\\u{1b}]0;owned\\u{7}title\\u{9b}2J\\u{d}over\\u{8}"
        );
        assert_eq!(escape_controls("é – ✓\n"), "é – ✓\n");
    }

    #[test]
    fn long_urls_keep_their_start_and_their_slug() {
        let url = "https://www.example-news.com/world/europe/2026/11/30/summit-talks-resume-after-a-night";
        let short = elide_middle(url, 50);
        assert_eq!(short.chars().count(), 50);
        assert!(
            short.starts_with("https://www.example-news.com/"),
            "{short}"
        );
        assert!(short.ends_with("after-a-night"), "{short}");
        assert_eq!(elide_middle("https://a.example/", 50), "https://a.example/");
    }

    #[test]
    fn wrapping_keeps_long_words_whole() {
        assert_eq!(wrap("one two three", 7), ["one two", "three"]);
        let url = "https://web.archive.org/web/20261130/https://example.com/a/very/long/path";
        assert_eq!(wrap(&format!("instead: {url}"), 20), ["instead:", url]);
        assert_eq!(wrap("", 10), [""]);
    }
}
