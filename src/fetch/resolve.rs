//! Name resolution behind the address guard.
//!
//! reqwest asks [`GuardedResolver`] for the addresses of every host it connects to, redirect
//! hops included. Addresses the guard refuses are dropped; when none is left the connection fails
//! with [`Forbidden`], which the fetcher turns into the `forbidden-address` outcome. The lookup
//! itself is a trait so that tests (and embedders) can resolve names without DNS.

use super::guard::{AddressGuard, Forbidden};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;

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

pub(super) struct GuardedResolver {
    pub(super) guard: Arc<AddressGuard>,
    pub(super) lookup: Arc<dyn Lookup>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        let guard = Arc::clone(&self.guard);
        let lookup = self.lookup.lookup(host.clone());
        Box::pin(async move {
            let ips = lookup.await.map_err(|source| DnsError {
                host: host.clone(),
                source,
            })?;
            if ips.is_empty() {
                return Err(DnsError {
                    host,
                    source: std::io::Error::new(std::io::ErrorKind::NotFound, "no addresses"),
                }
                .into());
            }
            let mut refused: Option<Forbidden> = None;
            let allowed: Vec<SocketAddr> = ips
                .into_iter()
                .filter(|ip| match guard.check(*ip) {
                    Ok(()) => true,
                    Err(f) => {
                        refused.get_or_insert(f);
                        false
                    }
                })
                .map(|ip| SocketAddr::new(ip, 0))
                .collect();
            match refused {
                Some(forbidden) if allowed.is_empty() => Err(forbidden.into()),
                _ => Ok(Box::new(allowed.into_iter()) as Addrs),
            }
        })
    }
}
