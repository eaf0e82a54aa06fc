//! Name resolution behind the address guard.
//!
//! Every host a request connects to, redirect hops included, is resolved by [`resolve_guarded`].
//! Addresses the guard refuses are dropped; when none is left the connection fails with
//! [`Forbidden`], which the fetcher turns into the `forbidden-address` outcome. The lookup
//! itself is a trait so that tests (and embedders) can resolve names without DNS.

use super::guard::{AddressGuard, Forbidden};
use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;

/// A way to turn a host name into addresses.
pub trait Lookup: Send + Sync + 'static {
    fn lookup(
        &self,
        host: String,
    ) -> Pin<Box<dyn Future<Output = std::io::Result<Vec<IpAddr>>> + Send>>;
}

/// The operating system's resolver.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemLookup;

impl Lookup for SystemLookup {
    fn lookup(
        &self,
        host: String,
    ) -> Pin<Box<dyn Future<Output = std::io::Result<Vec<IpAddr>>> + Send>> {
        Box::pin(async move {
            let addrs = tokio::net::lookup_host((host.as_str(), 0)).await?;
            Ok(addrs.map(|a| a.ip()).collect())
        })
    }
}

/// A fixed table of names: anything else fails to resolve. For tests and sealed environments.
#[derive(Debug, Default, Clone)]
pub struct StaticLookup(pub HashMap<String, Vec<IpAddr>>);

impl Lookup for StaticLookup {
    fn lookup(
        &self,
        host: String,
    ) -> Pin<Box<dyn Future<Output = std::io::Result<Vec<IpAddr>>> + Send>> {
        let found = self.0.get(&host.to_ascii_lowercase()).cloned();
        Box::pin(async move {
            found.ok_or_else(|| {
                std::io::Error::new(std::io::ErrorKind::NotFound, "name not in the static table")
            })
        })
    }
}

/// A name that did not resolve.
#[derive(Debug, thiserror::Error)]
#[error("cannot resolve {host}: {source}")]
pub struct DnsError {
    pub host: String,
    #[source]
    pub source: std::io::Error,
}

/// Why a name gave no address to connect to.
#[derive(Debug)]
pub(super) enum Unresolved {
    Dns(DnsError),
    /// Every address it resolved to is refused by the guard.
    Forbidden(Forbidden),
}

/// The addresses `host` resolves to that the guard allows. Refused addresses are dropped; when
/// none is left, the first refusal is the answer.
pub(super) async fn resolve_guarded(
    lookup: &dyn Lookup,
    guard: &AddressGuard,
    host: &str,
) -> Result<Vec<IpAddr>, Unresolved> {
    let dns = |source| {
        Unresolved::Dns(DnsError {
            host: host.to_owned(),
            source,
        })
    };
    let ips = lookup.lookup(host.to_owned()).await.map_err(dns)?;
    if ips.is_empty() {
        return Err(dns(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "no addresses",
        )));
    }
    let mut refused: Option<Forbidden> = None;
    let allowed: Vec<IpAddr> = ips
        .into_iter()
        .filter(|ip| match guard.check(*ip) {
            Ok(()) => true,
            Err(f) => {
                refused.get_or_insert(f);
                false
            }
        })
        .collect();
    match refused {
        Some(forbidden) if allowed.is_empty() => Err(Unresolved::Forbidden(forbidden)),
        _ => Ok(allowed),
    }
}
