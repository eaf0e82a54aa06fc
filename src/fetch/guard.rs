//! The address guard: article text is untrusted, so by default no request may reach a loopback,
//! private, link-local, unique-local, unspecified, broadcast, multicast or documentation address.
//!
//! The guard is checked at three places, because each alone has a hole: on IP-literal hosts
//! before sending (reqwest never calls the resolver for them, and `http://2130706433/` is
//! 127.0.0.1), in the resolver on every address a name resolves to (so `localhost` or a DNS name
//! pointing at 10.0.0.1 is refused before connecting), and on the peer address of every response
//! as a backstop. All three run on every redirect hop. IPv4-mapped IPv6 addresses
//! (`::ffff:127.0.0.1`) are judged as the IPv4 address they carry.
//!
//! A CIDR allowlist (`allow_net`) opens specific ranges; it wins over the deny list.

use ipnet::IpNet;
use std::net::IpAddr;
use std::sync::LazyLock;

/// The ranges refused by default, with why.
const DENIED: &[(&str, &str)] = &[
    ("0.0.0.0/8", "unspecified (this network)"),
    ("10.0.0.0/8", "private"),
    ("100.64.0.0/10", "shared address space (carrier-grade NAT)"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local"),
    ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "IETF protocol assignments"),
    ("192.0.2.0/24", "documentation"),
    ("192.168.0.0/16", "private"),
    ("198.18.0.0/15", "benchmarking"),
    ("198.51.100.0/24", "documentation"),
    ("203.0.113.0/24", "documentation"),
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved (and broadcast)"),
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("64:ff9b:1::/48", "local-use IPv4/IPv6 translation"),
    ("100::/64", "discard-only"),
    ("2001:db8::/32", "documentation"),
    ("fc00::/7", "unique-local"),
    ("fe80::/10", "link-local"),
    ("ff00::/8", "multicast"),
];

static DENY_LIST: LazyLock<Vec<(IpNet, &'static str)>> = LazyLock::new(|| {
    DENIED
        .iter()
        .map(|(net, why)| (net.parse().expect("static CIDR"), *why))
        .collect()
});

/// A refused address, with the range that refused it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{ip} is a {why} address, which provcheck does not connect to (allow it with allow_net)")]
pub struct Forbidden {
    pub ip: IpAddr,
    pub why: &'static str,
}

/// Decides which addresses may be connected to.
#[derive(Debug, Clone, Default)]
pub struct AddressGuard {
    allow: Vec<IpNet>,
}

impl AddressGuard {
    #[must_use]
    pub fn new(allow: Vec<IpNet>) -> Self {
        Self { allow }
    }

    /// Whether `ip` may be connected to.
    pub fn check(&self, ip: IpAddr) -> Result<(), Forbidden> {
        let ip = ip.to_canonical();
        if self.allow.iter().any(|net| net.contains(&ip)) {
            return Ok(());
        }
        match DENY_LIST.iter().find(|(net, _)| net.contains(&ip)) {
            Some((_, why)) => Err(Forbidden { ip, why }),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn refuses_special_ranges_by_default() {
        let guard = AddressGuard::default();
        for addr in [
            "127.0.0.1",
            "127.1.2.3",
            "10.1.2.3",
            "172.31.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "255.255.255.255",
            "100.64.0.1",
            "198.51.100.7",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(guard.check(ip(addr)).is_err(), "{addr} should be refused");
        }
        for addr in ["93.184.216.34", "2606:4700::1111", "8.8.8.8"] {
            assert!(guard.check(ip(addr)).is_ok(), "{addr} should be allowed");
        }
    }

    #[test]
    fn the_allowlist_opens_exactly_its_ranges() {
        let guard = AddressGuard::new(vec!["127.0.0.1/32".parse().unwrap()]);
        assert!(guard.check(ip("127.0.0.1")).is_ok());
        assert!(guard.check(ip("::ffff:127.0.0.1")).is_ok());
        assert!(guard.check(ip("127.0.0.2")).is_err());
        assert!(guard.check(ip("::1")).is_err());
    }

    #[test]
    fn the_refusal_says_why() {
        let err = AddressGuard::default().check(ip("10.0.0.1")).unwrap_err();
        assert_eq!(err.why, "private");
        assert!(err.to_string().contains("10.0.0.1"));
    }
}
