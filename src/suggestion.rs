//! What to cite instead of a problem source, shared by `check` and the audit report: the kinds
//! of suggestion, their one-line text, and the command that prints our own copy (pure).

use crate::time::{display_time, wayback_time};
use serde::Serialize;

/// Something to cite instead.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Suggestion {
    /// Our own capture of what the source said (the reference, else the last fine capture).
    ArchivedCopy {
        captured_at: String,
        sha256: String,
        show: String,
        /// A link to it in the desk's replay tool (config `replay_url`), when one is set.
        #[serde(skip_serializing_if = "Option::is_none")]
        replay: Option<String>,
    },
    /// The closest Wayback Machine capture to the citation date.
    Wayback {
        url: String,
        timestamp: String,
        /// The capture is later than the citation date (the API had none before).
        after_citation: bool,
    },
    /// The Wayback Machine has no capture of the URL.
    WaybackNone,
    /// The lookup failed (never fatal); the report says why.
    WaybackFailed { detail: String },
    /// The URL the source moved to for good.
    NewUrl { url: String },
}

/// A shell word: the text in single quotes when it needs quoting.
#[must_use]
pub fn shell_quote(text: &str) -> String {
    if !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c))
    {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// The command that prints the capture of `url` made at `captured_at`.
#[must_use]
pub fn show_command(url: &str, captured_at: &str, archive_arg: Option<&str>) -> String {
    let mut command = format!("provcheck show {} --at {captured_at}", shell_quote(url));
    if let Some(archive) = archive_arg {
        command.push_str(" --archive ");
        command.push_str(&shell_quote(archive));
    }
    command
}

/// The link to a capture in a replay tool: `template` with `{timestamp}` (14 digits, as pywb and
/// ReplayWeb.page take it) and `{url}` filled in
/// (`https://replay.example/evidence/{timestamp}/{url}`).
#[must_use]
pub fn replay_link(template: &str, url: &str, captured_at: &str) -> String {
    let stamp: String = captured_at
        .chars()
        .filter(char::is_ascii_digit)
        .take(14)
        .collect();
    template
        .replace("{timestamp}", &stamp)
        .replace("{url}", url)
}

/// A suggestion in one line of plain text.
#[must_use]
pub fn suggestion_text(s: &Suggestion) -> String {
    match s {
        Suggestion::ArchivedCopy {
            captured_at,
            show,
            replay,
            ..
        } => match replay {
            Some(link) => format!(
                "our archived copy of {}: {link} ({show})",
                display_time(captured_at)
            ),
            None => format!(
                "our archived copy of {} ({show})",
                display_time(captured_at)
            ),
        },
        Suggestion::Wayback {
            url,
            timestamp,
            after_citation,
        } => format!(
            "Wayback Machine capture of {}{}: {url}",
            wayback_time(timestamp),
            if *after_citation {
                " (after the citation date)"
            } else {
                ""
            }
        ),
        Suggestion::WaybackNone => "no Wayback Machine capture".to_owned(),
        Suggestion::WaybackFailed { detail } => detail.clone(),
        Suggestion::NewUrl { url } => format!("the new URL: {url}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_are_quoted_when_they_need_it() {
        assert_eq!(
            shell_quote("https://example.com/a?b=1"),
            "'https://example.com/a?b=1'"
        );
        assert_eq!(
            shell_quote("https://example.com/a"),
            "https://example.com/a"
        );
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }
}
