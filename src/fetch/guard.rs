//! The address guard: article text is untrusted, so by default no request may reach a loopback,
//! private, link-local, unique-local, unspecified, broadcast, multicast or documentation address.
//!
//! The guard is checked at three places, because each alone has a hole: on IP-literal hosts
//! before sending (no resolver is asked for them, and `http://2130706433/` is 127.0.0.1), in the
//! resolver on every address a name resolves to (so `localhost` or a DNS name pointing at
//! 10.0.0.1 is refused before connecting), and on every address just before connecting, as a
//! backstop. All three run on every redirect hop. IPv6 addresses that carry an IPv4 address
//! (IPv4-mapped, IPv4-compatible, IPv4-translated, NAT64, 6to4, Teredo) are refused when the
//! IPv4 address they carry would be.
//!
//! A CIDR allowlist (`allow_net`) opens specific ranges; it wins over the deny list.

use ipnet::{IpNet, Ipv6Net};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

/// The ranges refused by default, with why and an address each test tries: the IANA IPv4 and
/// IPv6 special-purpose registries' blocks that are not globally reachable, multicast, and the
/// deprecated site-local and IPv4-compatible forms. (Blocks the registries mark globally
/// reachable, such as AS112 and the PCP and TURN anycast addresses, are not refused.)
const DENIED: &[(&str, &str, &str)] = &[
    ("0.0.0.0/8", "unspecified (this network)", "0.1.2.3"),
    ("10.0.0.0/8", "private", "10.1.2.3"),
    (
        "100.64.0.0/10",
        "shared address space (carrier-grade NAT)",
        "100.64.0.1",
    ),
    ("127.0.0.0/8", "loopback", "127.1.2.3"),
    ("169.254.0.0/16", "link-local", "169.254.169.254"),
    ("172.16.0.0/12", "private", "172.31.0.1"),
    (
        "192.0.0.0/29",
        "IPv4 service continuity (DS-Lite)",
        "192.0.0.1",
    ),
    ("192.0.0.8/32", "IPv4 dummy", "192.0.0.8"),
    ("192.0.0.170/31", "NAT64/DNS64 discovery", "192.0.0.171"),
    ("192.0.0.0/24", "IETF protocol assignments", "192.0.0.100"),
    ("192.0.2.0/24", "documentation", "192.0.2.7"),
    (
        "192.88.99.0/24",
        "deprecated 6to4 relay anycast",
        "192.88.99.1",
    ),
    ("192.168.0.0/16", "private", "192.168.1.1"),
    ("198.18.0.0/15", "benchmarking", "198.19.0.1"),
    ("198.51.100.0/24", "documentation", "198.51.100.7"),
    ("203.0.113.0/24", "documentation", "203.0.113.9"),
    ("224.0.0.0/4", "multicast", "239.1.2.3"),
    ("240.0.0.0/4", "reserved (and broadcast)", "255.255.255.255"),
    ("::/128", "unspecified", "::"),
    ("::1/128", "loopback", "::1"),
    (
        "64:ff9b:1::/48",
        "local-use IPv4/IPv6 translation",
        "64:ff9b:1::a00:1",
    ),
    ("100::/64", "discard-only", "100::1"),
    ("100:0:0:1::/64", "dummy IPv6 prefix", "100:0:0:1::1"),
    ("2001:2::/48", "benchmarking", "2001:2::1"),
    ("2001:10::/28", "deprecated ORCHID", "2001:10::1"),
    ("2001:db8::/32", "documentation", "2001:db8::1"),
    ("3fff::/20", "documentation", "3fff::1"),
    ("5f00::/16", "segment routing (SRv6) SIDs", "5f00::1"),
    ("fc00::/7", "unique-local", "fd00::1"),
    ("fe80::/10", "link-local", "fe80::1"),
    ("fec0::/10", "deprecated site-local", "fec0::1"),
    ("ff00::/8", "multicast", "ff02::1"),
];

/// IPv6 forms that carry an IPv4 address, which is judged as if connected to directly: on a
/// network that routes them (NAT64, 6to4 relays, Teredo), they reach that IPv4 host. Each row:
/// the prefix, its name, and where the IPv4 address sits.
const EMBEDDING: &[(&str, &str, Embedded)] = &[
    ("::ffff:0:0/96", "IPv4-mapped", Embedded::Low32),
    ("::/96", "IPv4-compatible", Embedded::Low32),
    ("::ffff:0:0:0/96", "IPv4-translated", Embedded::Low32),
    ("64:ff9b::/96", "NAT64", Embedded::Low32),
    ("2002::/16", "6to4", Embedded::Bits16To48),
    ("2001::/32", "Teredo", Embedded::Teredo),
];

/// Where an IPv6 form keeps its IPv4 address.
#[derive(Debug, Clone, Copy)]
enum Embedded {
    /// The last 32 bits.
    Low32,
    /// Bits 16 to 48 (6to4's `2002:AABB:CCDD::`).
    Bits16To48,
    /// Teredo: the server in bits 32 to 64 and the client, inverted, in the last 32 bits;
    /// both are judged.
    Teredo,
}

static EMBEDDINGS: LazyLock<Vec<(Ipv6Net, &'static str, Embedded)>> = LazyLock::new(|| {
    EMBEDDING
        .iter()
        .map(|(net, name, how)| (net.parse().expect("static CIDR"), *name, *how))
        .collect()
});

/// The IPv4 addresses an IPv6 address carries, with the form's name.
fn embedded_ipv4(ip: Ipv6Addr) -> Option<(&'static str, Vec<Ipv4Addr>)> {
    let (_, name, how) = EMBEDDINGS.iter().find(|(net, _, _)| net.contains(&ip))?;
    let bits = u128::from(ip);
    let v4 = |shift: u32| Ipv4Addr::from((bits >> shift) as u32);
    let addresses = match how {
        Embedded::Low32 => vec![v4(0)],
        Embedded::Bits16To48 => vec![v4(80)],
        Embedded::Teredo => vec![v4(64), Ipv4Addr::from(!(bits as u32))],
    };
    Some((name, addresses))
}

static DENY_LIST: LazyLock<Vec<(IpNet, &'static str)>> = LazyLock::new(|| {
    DENIED
        .iter()
        .map(|(net, why, _)| (net.parse().expect("static CIDR"), *why))
        .collect()
});

/// A refused address, with the range that refused it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{ip} is a {why} address{}, which provcheck does not connect to (allow it with allow_net)",
    .carried_by.map(|(form, outer)| format!(" (carried by the {form} address {outer})")).unwrap_or_default())]
pub struct Forbidden {
    pub ip: IpAddr,
    pub why: &'static str,
    /// When `ip` came out of an IPv6 address that carries it: that form and that address.
    pub carried_by: Option<(&'static str, Ipv6Addr)>,
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

    /// Whether `ip` may be connected to. An IPv6 address that carries an IPv4 address is
    /// refused when that IPv4 address would be, unless the allowlist names the IPv6 address.
    pub fn check(&self, ip: IpAddr) -> Result<(), Forbidden> {
        let ip = ip.to_canonical();
        if self.allowed(ip) {
            return Ok(());
        }
        if let Some(why) = denied(ip) {
            return Err(Forbidden {
                ip,
                why,
                carried_by: None,
            });
        }
        if let IpAddr::V6(v6) = ip
            && let Some((form, carried)) = embedded_ipv4(v6)
        {
            for v4 in carried {
                let inner = IpAddr::V4(v4);
                if !self.allowed(inner)
                    && let Some(why) = denied(inner)
                {
                    return Err(Forbidden {
                        ip: inner,
                        why,
                        carried_by: Some((form, v6)),
                    });
                }
            }
        }
        Ok(())
    }

    fn allowed(&self, ip: IpAddr) -> bool {
        self.allow.iter().any(|net| net.contains(&ip))
    }
}

/// Why the deny list refuses `ip`, if it does.
fn denied(ip: IpAddr) -> Option<&'static str> {
    DENY_LIST
        .iter()
        .find(|(net, _)| net.contains(&ip))
        .map(|(_, why)| *why)
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
    fn every_row_of_the_deny_list_refuses_its_example_with_its_reason() {
        let guard = AddressGuard::default();
        for (net, why, example) in DENIED {
            let net: IpNet = net.parse().unwrap();
            let example = ip(example);
            assert!(net.contains(&example), "{example} is not in {net}");
            let err = guard.check(example).unwrap_err();
            assert_eq!(err.ip, example.to_canonical());
            // A smaller block listed first (192.0.0.0/29 in 192.0.0.0/24) gives its own reason.
            assert_eq!(err.why, *why, "{example}");
        }
    }

    #[test]
    fn every_form_that_carries_ipv4_is_judged_by_the_address_it_carries() {
        let guard = AddressGuard::default();
        // (form, carrying 127.0.0.1, carrying 169.254.169.254, carrying 8.8.8.8)
        let cases = [
            (
                "IPv4-mapped",
                "::ffff:7f00:1",
                "::ffff:a9fe:a9fe",
                "::ffff:808:808",
            ),
            ("IPv4-compatible", "::127.0.0.1", "::a9fe:a9fe", "::8.8.8.8"),
            (
                "IPv4-translated",
                "::ffff:0:7f00:1",
                "::ffff:0:a9fe:a9fe",
                "::ffff:0:808:808",
            ),
            (
                "NAT64",
                "64:ff9b::7f00:1",
                "64:ff9b::a9fe:a9fe",
                "64:ff9b::808:808",
            ),
            (
                "6to4",
                "2002:7f00:1::",
                "2002:a9fe:a9fe::1",
                "2002:808:808::1",
            ),
            // Teredo: server 65.54.227.120, client inverted in the last 32 bits.
            (
                "Teredo",
                "2001:0:4136:e378:8000:63bf:80ff:fffe",
                "2001:0:4136:e378::5601:5601",
                "2001:0:4136:e378::f7f7:f7f7",
            ),
        ];
        assert_eq!(cases.len(), EMBEDDING.len(), "a case per row");
        for (form, loopback, metadata, public) in cases {
            let err = guard.check(ip(loopback)).unwrap_err();
            assert_eq!(
                (err.ip, err.why),
                (ip("127.0.0.1"), "loopback"),
                "{form} {loopback}"
            );
            let err = guard.check(ip(metadata)).unwrap_err();
            assert_eq!(
                (err.ip, err.why),
                (ip("169.254.169.254"), "link-local"),
                "{form}"
            );
            if form != "IPv4-mapped" {
                assert_eq!(err.carried_by.map(|c| c.0), Some(form));
                assert!(err.to_string().contains(form), "{err}");
            }
            assert!(guard.check(ip(public)).is_ok(), "{form} {public}");
        }
        // A Teredo server address inside a refused range is refused too.
        assert!(guard.check(ip("2001:0:a00:1::f7f7:f7f7")).is_err());
        // The allowlist opens the carried address as it would the address itself.
        let open = AddressGuard::new(vec!["127.0.0.1/32".parse().unwrap()]);
        assert!(open.check(ip("64:ff9b::7f00:1")).is_ok());
        assert!(open.check(ip("64:ff9b::7f00:2")).is_err());
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
