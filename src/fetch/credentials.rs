//! Secret headers for some hosts: sent only to those hosts, archived redacted, never printed.

use url::Url;

/// A header's name and value.
pub(super) type Header = (String, String);

/// What an archived request record holds in place of a secret header's value.
pub const REDACTED: &str = "[redacted by provcheck]";

/// Secret headers for some hosts (domains, with their subdomains).
#[derive(Clone)]
pub struct HostCredentials {
    pub hosts: Vec<String>,
    pub headers: Vec<(String, String)>,
}

impl std::fmt::Debug for HostCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The values are secrets: only their names are ever shown.
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("HostCredentials")
            .field("hosts", &self.hosts)
            .field("headers", &names)
            .finish()
    }
}

impl HostCredentials {
    fn applies_to(&self, url: &Url) -> bool {
        self.hosts
            .iter()
            .any(|d| crate::normalize::in_domain(url, d))
    }
}

/// The secret headers a request to `url` carries (never those of another host a redirect leads
/// to).
pub(super) fn secret_headers<'a>(all: &'a [HostCredentials], url: &Url) -> Vec<&'a Header> {
    all.iter()
        .filter(|c| c.applies_to(url))
        .flat_map(|c| c.headers.iter())
        .collect()
}
