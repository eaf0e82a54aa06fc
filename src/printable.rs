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
}
