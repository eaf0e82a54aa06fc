//! robots.txt (RFC 9309), the part a citation checker needs: the group for our user agent (or
//! `*`), and `Allow` / `Disallow` rules matched by longest path prefix, with `*` and a final `$`.
//! An `Allow` wins a tie. Pure.

/// The rules that apply to provcheck in one robots.txt.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Robots {
    /// (allow, pattern)
    rules: Vec<(bool, String)>,
}

impl Robots {
    /// Parses `text` for user agent `agent` (matched case-insensitively as a product token).
    #[must_use]
    pub fn parse(text: &str, agent: &str) -> Self {
        let agent = agent.to_ascii_lowercase();
        let mut specific: Vec<(bool, String)> = Vec::new();
        let mut wildcard: Vec<(bool, String)> = Vec::new();
        let mut found_specific = false;
        let (mut in_specific, mut in_wildcard) = (false, false);
        let mut reading_agents = false;
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let (key, value) = (key.trim().to_ascii_lowercase(), value.trim());
            match key.as_str() {
                "user-agent" => {
                    if !reading_agents {
                        in_specific = false;
                        in_wildcard = false;
                    }
                    reading_agents = true;
                    let ua = value.to_ascii_lowercase();
                    if ua == "*" {
                        in_wildcard = true;
                    } else if agent.starts_with(&ua) || ua.starts_with(&agent) {
                        in_specific = true;
                        found_specific = true;
                    }
                }
                "allow" | "disallow" => {
                    reading_agents = false;
                    let allow = key == "allow";
                    if value.is_empty() {
                        continue; // "Disallow:" with no path allows everything.
                    }
                    if in_specific {
                        specific.push((allow, value.to_owned()));
                    }
                    if in_wildcard {
                        wildcard.push((allow, value.to_owned()));
                    }
                }
                _ => reading_agents = false,
            }
        }
        Self {
            rules: if found_specific { specific } else { wildcard },
        }
    }

    /// Whether `path` (with its query) may be fetched.
    #[must_use]
    pub fn allowed(&self, path: &str) -> bool {
        let mut best: Option<(usize, bool)> = None;
        for (allow, pattern) in &self.rules {
            if matches(pattern, path) {
                let len = pattern.len();
                let better = match best {
                    None => true,
                    Some((l, a)) => len > l || (len == l && *allow && !a),
                };
                if better {
                    best = Some((len, *allow));
                }
            }
        }
        best.is_none_or(|(_, allow)| allow)
    }
}

/// Whether a rule's pattern matches a path: a prefix match where `*` matches any run of
/// characters and a final `$` anchors the end.
fn matches(pattern: &str, path: &str) -> bool {
    let (pattern, anchored) = match pattern.strip_suffix('$') {
        Some(p) => (p, true),
        None => (pattern, false),
    };
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut rest = path;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 && anchored {
            return rest.ends_with(part);
        } else {
            let Some(at) = rest.find(part) else {
                return false;
            };
            rest = &rest[at + part.len()..];
        }
    }
    !anchored || rest.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TXT: &str = "User-agent: *\nDisallow: /private/\nAllow: /private/open\nDisallow: /*.pdf$\n\n\
                       User-agent: otherbot\nDisallow: /\n";

    #[test]
    fn longest_match_wins_and_allow_wins_ties() {
        let r = Robots::parse(TXT, "provcheck");
        assert!(r.allowed("/public"));
        assert!(!r.allowed("/private/page"));
        assert!(r.allowed("/private/open/doc"));
        assert!(!r.allowed("/files/report.pdf"));
        assert!(r.allowed("/files/report.pdf?x=1"));
    }

    #[test]
    fn a_group_for_our_agent_replaces_the_wildcard() {
        let r = Robots::parse(
            "User-agent: *\nDisallow: /\n\nUser-agent: provcheck\nDisallow: /x\n",
            "provcheck",
        );
        assert!(r.allowed("/y"));
        assert!(!r.allowed("/x/1"));
        let other = Robots::parse(TXT, "otherbot");
        assert!(!other.allowed("/public"));
    }

    #[test]
    fn empty_or_odd_files_allow_everything() {
        assert!(Robots::parse("", "provcheck").allowed("/anything"));
        assert!(Robots::parse("User-agent: *\nDisallow:\n", "provcheck").allowed("/a"));
        assert!(Robots::parse("garbage\n\u{0}\n", "provcheck").allowed("/a"));
    }
}
