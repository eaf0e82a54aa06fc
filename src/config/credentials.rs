//! `[[credentials]]`: headers sent to some hosts, whose values are read from secrets kept out
//! of the configuration (an environment variable or an owner-only file).

use super::{ConfigError, FileConfig};
use serde::Deserialize;

/// `[[credentials]]`: headers for some hosts, whose values are references to secrets kept out
/// of the configuration: `"env:NAME"` (an environment variable) or `"file:PATH"` (a file only
/// its owner can read).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialsConfig {
    /// Domains, with their subdomains.
    pub hosts: Vec<String>,
    /// Header name to secret reference (`Authorization`, `Cookie`, `X-Api-Key`...).
    #[serde(default)]
    pub headers: std::collections::BTreeMap<String, String>,
    /// HTTP basic authentication: `user` and a secret reference for `password`.
    pub basic_auth: Option<BasicAuthConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasicAuthConfig {
    pub user: String,
    pub password: String,
}

/// The value a secret reference names: `env:NAME` or `file:PATH` (a file no one but its owner
/// can read). A literal value is refused: secrets are never written in the configuration.
fn secret(reference: &str) -> Result<String, String> {
    if let Some(name) = reference.strip_prefix("env:") {
        return std::env::var(name)
            .map_err(|_| format!("the environment variable {name} is not set"));
    }
    if let Some(path) = reference.strip_prefix("file:") {
        use std::os::unix::fs::MetadataExt as _;
        let meta = std::fs::metadata(path).map_err(|e| format!("cannot read {path}: {e}"))?;
        if meta.mode() & 0o077 != 0 {
            return Err(format!(
                "{path} can be read by others than its owner: chmod 600 {path}"
            ));
        }
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
        return Ok(text.trim_end_matches(['\r', '\n']).to_owned());
    }
    Err("write a secret as \"env:NAME\" or \"file:PATH\", never in the configuration".to_owned())
}

/// The `[[credentials]]` of the configuration, their secrets read.
pub(super) fn credentials(
    file: &FileConfig,
    origin: &str,
) -> Result<Vec<crate::fetch::HostCredentials>, ConfigError> {
    let invalid = |key: &'static str, message: String| ConfigError::Invalid {
        origin: origin.to_owned(),
        key,
        value: String::new(),
        message,
    };
    let mut all = Vec::new();
    for entry in file.credentials.iter().flatten() {
        let mut headers = Vec::new();
        for (name, reference) in &entry.headers {
            let value = secret(reference)
                .map_err(|m| invalid("credentials.headers", format!("{name}: {m}")))?;
            headers.push((name.clone(), value));
        }
        if let Some(basic) = &entry.basic_auth {
            let password = secret(&basic.password)
                .map_err(|m| invalid("credentials.basic_auth.password", m))?;
            let token =
                data_encoding::BASE64.encode(format!("{}:{password}", basic.user).as_bytes());
            headers.push(("Authorization".to_owned(), format!("Basic {token}")));
        }
        all.push(crate::fetch::HostCredentials {
            hosts: entry.hosts.clone(),
            headers,
        });
    }
    Ok(all)
}

/// The `proxy` of the configuration, with `proxy_auth`'s password read from its secret.
pub(super) fn proxy(
    file: &FileConfig,
    origin: &str,
) -> Result<Option<crate::fetch::proxy::Proxy>, ConfigError> {
    let invalid = |key: &'static str, value: String, message: String| ConfigError::Invalid {
        origin: origin.to_owned(),
        key,
        value,
        message,
    };
    let Some(text) = &file.proxy else {
        if file.proxy_auth.is_some() {
            return Err(invalid(
                "proxy_auth",
                String::new(),
                "is set without a proxy".to_owned(),
            ));
        }
        return Ok(None);
    };
    let mut proxy = crate::fetch::proxy::Proxy::parse(text)
        .map_err(|message| invalid("proxy", text.clone(), message))?;
    if let Some(auth) = &file.proxy_auth {
        let password = secret(&auth.password)
            .map_err(|message| invalid("proxy_auth.password", String::new(), message))?;
        proxy.auth = Some((auth.user.clone(), password));
    }
    Ok(Some(proxy))
}
