//! What is not a citation: links a desk never wants fetched or judged. Each is listed as
//! `skipped`, with the reason, and never fails the gate. And what a desk accepts from a host:
//! statuses that count as fine there (a known bot wall's 403), `accepted` with the reason.
//!
//! By default the schemes of contact links (`mailto:`, `tel:`, `sms:`) and `javascript:` are
//! skipped; the config's `[exclude]` table adds schemes, domains (a domain and its subdomains)
//! and URL regular expressions.

use crate::citation::Target;

/// Schemes that are never sources.
pub const DEFAULT_SCHEMES: &[&str] = &["mailto", "tel", "sms", "javascript"];

/// The exclusions of a run.
#[derive(Debug, Clone)]
pub struct Exclusions {
    schemes: Vec<String>,
    domains: Vec<String>,
    urls: Vec<regex::Regex>,
}

impl Default for Exclusions {
    fn default() -> Self {
        Self {
            schemes: DEFAULT_SCHEMES.iter().map(|s| (*s).to_owned()).collect(),
            domains: Vec::new(),
            urls: Vec::new(),
        }
    }
}

impl Exclusions {
    /// The defaults plus `schemes`, `domains` and `urls` (regular expressions; an invalid one
    /// is an error naming it).
    pub fn new(schemes: &[String], domains: &[String], urls: &[String]) -> Result<Self, String> {
        let mut exclusions = Self::default();
        exclusions.schemes.extend(
            schemes
                .iter()
                .map(|s| s.trim_end_matches(':').to_ascii_lowercase()),
        );
        exclusions.domains = domains
            .iter()
            .map(|d| d.trim_start_matches('.').to_ascii_lowercase())
            .filter(|d| !d.is_empty())
            .collect();
        exclusions.urls = urls
            .iter()
            .map(|u| {
                regex::Regex::new(u).map_err(|e| format!("{u:?} is not a regular expression: {e}"))
            })
            .collect::<Result<_, _>>()?;
        Ok(exclusions)
    }

    /// Why `target` is not a citation to check, when it is not.
    #[must_use]
    pub fn reason(&self, target: &Target) -> Option<String> {
        match target {
            Target::UnsupportedScheme { scheme } => {
                let scheme = scheme.to_ascii_lowercase();
                self.schemes
                    .contains(&scheme)
                    .then(|| format!("{scheme}: links are not sources (exclude)"))
            }
            Target::Fetchable(url) => {
                if self.schemes.iter().any(|s| s == url.scheme()) {
                    return Some(format!("{}: URLs are excluded", url.scheme()));
                }
                if let Some(domain) = self
                    .domains
                    .iter()
                    .find(|d| crate::normalize::in_domain(url, d))
                {
                    return Some(format!("domain {domain} is excluded"));
                }
                self.urls
                    .iter()
                    .find(|r| r.is_match(url.as_str()))
                    .map(|r| format!("matches the excluded pattern {:?}", r.as_str()))
            }
            Target::Invalid { .. } => None,
        }
    }
}

/// One `[[accept]]` rule: statuses that are fine from some hosts, and why.
#[derive(Debug, Clone)]
pub struct Accept {
    /// Domains, with their subdomains.
    pub hosts: Vec<String>,
    pub statuses: Vec<u16>,
    pub reason: String,
}

/// The `[[accept]]` rules of a run.
#[derive(Debug, Clone, Default)]
pub struct Acceptances(pub Vec<Accept>);

impl Acceptances {
    /// Why `status` from `url`'s host counts as fine, when a rule says it does.
    #[must_use]
    pub fn reason(&self, url: &url::Url, status: u16) -> Option<String> {
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        self.0
            .iter()
            .find(|rule| {
                rule.statuses.contains(&status)
                    && rule
                        .hosts
                        .iter()
                        .any(|d| crate::normalize::in_domain(url, d))
            })
            .map(|rule| format!("HTTP {status} accepted from {host}: {}", rule.reason))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::normalize;

    #[test]
    fn contact_links_are_skipped_by_default_and_the_config_adds_more() {
        let default = Exclusions::default();
        for link in [
            "mailto:desk@example.com",
            "tel:+15555550100",
            "sms:+1555",
            "javascript:void(0)",
        ] {
            assert!(default.reason(&normalize(link, None)).is_some(), "{link}");
        }
        assert_eq!(default.reason(&normalize("ftp://a.test/f", None)), None);
        assert_eq!(default.reason(&normalize("https://a.test/", None)), None);

        let config = Exclusions::new(
            &["FTP:".to_owned()],
            &["social.example".to_owned()],
            &[r"^https://news\.example/private/".to_owned()],
        )
        .unwrap();
        assert!(config.reason(&normalize("ftp://a.test/f", None)).is_some());
        for excluded in [
            "https://social.example/post/1",
            "https://m.social.example/post/1",
            "https://news.example/private/x",
        ] {
            assert!(
                config.reason(&normalize(excluded, None)).is_some(),
                "{excluded}"
            );
        }
        for kept in [
            "https://notsocial.example/",
            "https://news.example/public/x",
        ] {
            assert_eq!(config.reason(&normalize(kept, None)), None, "{kept}");
        }
        assert!(Exclusions::new(&[], &[], &["(".to_owned()]).is_err());
    }

    #[test]
    fn an_accepted_status_is_fine_only_from_its_hosts() {
        let rules = Acceptances(vec![Accept {
            hosts: vec!["wall.example".to_owned()],
            statuses: vec![403],
            reason: "a bot wall".to_owned(),
        }]);
        let u = |s: &str| url::Url::parse(s).unwrap();
        assert!(
            rules
                .reason(&u("https://www.wall.example/a"), 403)
                .is_some()
        );
        assert!(rules.reason(&u("https://wall.example/a"), 404).is_none());
        assert!(rules.reason(&u("https://other.example/a"), 403).is_none());
    }
}
