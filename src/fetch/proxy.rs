//! Reaching sources through a proxy (config `proxy`): an HTTP proxy (`http://`, or `https://`
//! spoken over TLS), which tunnels HTTPS with `CONNECT` and takes plain HTTP requests in absolute
//! form, or a SOCKS5 proxy (`socks5://`), which tunnels both and resolves names itself.
//!
//! What the address guard can check through a proxy: IP-literal hosts, and what a name resolves
//! to here (a name that resolves here to a refused address is refused before the proxy is
//! asked). It cannot see where the proxy connects: a name this machine cannot resolve is left to
//! the proxy, and a proxy that resolves names differently is trusted. The proxy's own address is
//! the operator's choice and is never refused.

use std::io;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// How to speak to the proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyScheme {
    Http,
    /// An HTTP proxy reached over TLS.
    Https,
    Socks5,
}

/// A proxy every request goes through.
#[derive(Clone, PartialEq, Eq)]
pub struct Proxy {
    pub scheme: ProxyScheme,
    pub host: String,
    pub port: u16,
    /// User and password (basic authentication for an HTTP proxy, RFC 1929 for SOCKS5).
    pub auth: Option<(String, String)>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy")
            .field("scheme", &self.scheme)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.auth.as_ref().map(|(user, _)| user))
            .finish_non_exhaustive()
    }
}

impl Proxy {
    /// Reads `http://host:port`, `https://host:port` or `socks5://host:port` (`socks5h` too).
    pub fn parse(text: &str) -> Result<Self, String> {
        let url = url::Url::parse(text).map_err(|e| format!("not a URL: {e}"))?;
        let scheme = match url.scheme() {
            "http" => ProxyScheme::Http,
            "https" => ProxyScheme::Https,
            "socks5" | "socks5h" => ProxyScheme::Socks5,
            other => {
                return Err(format!(
                    "a proxy is http://, https:// or socks5://, not {other}://"
                ));
            }
        };
        if !url.username().is_empty() || url.password().is_some() {
            return Err(
                "no user or password in the URL: write them in proxy_auth, the password as \
                 \"env:NAME\" or \"file:PATH\""
                    .to_owned(),
            );
        }
        let host = match url.host() {
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            Some(host) => host.to_string(),
            None => return Err("the proxy URL has no host".to_owned()),
        };
        let port = url.port().unwrap_or(match scheme {
            ProxyScheme::Http => 8080,
            ProxyScheme::Https => 443,
            ProxyScheme::Socks5 => 1080,
        });
        Ok(Self {
            scheme,
            host,
            port,
            auth: None,
        })
    }

    /// The `Proxy-Authorization` header of an HTTP proxy with a user.
    #[must_use]
    pub fn authorization(&self) -> Option<(String, String)> {
        let (user, password) = self.auth.as_ref()?;
        let token = data_encoding::BASE64.encode(format!("{user}:{password}").as_bytes());
        Some(("Proxy-Authorization".to_owned(), format!("Basic {token}")))
    }
}

/// Asks an HTTP proxy on `stream` for a tunnel to `host:port` with `CONNECT`.
pub(super) async fn http_connect<S: AsyncRead + AsyncWrite + Unpin>(
    proxy: &Proxy,
    stream: &mut S,
    host: &str,
    port: u16,
) -> io::Result<()> {
    let authority = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let mut request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some((name, value)) = proxy.authorization() {
        request = format!("{request}{name}: {value}\r\n");
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await?;
    stream.flush().await?;
    // The answer's head, read a byte at a time: nothing of the tunnel may be read past it.
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") && !head.ends_with(b"\n\n") {
        if head.len() > 16 * 1024 {
            return Err(refused(
                "the proxy's answer to CONNECT has no end".to_owned(),
            ));
        }
        let byte = stream.read_u8().await?;
        head.push(byte);
    }
    let line = String::from_utf8_lossy(&head);
    let status = line.lines().next().unwrap_or_default().trim().to_owned();
    let code: u16 = status
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    if (200..300).contains(&code) {
        Ok(())
    } else {
        Err(refused(format!(
            "the proxy refused the tunnel to {authority}: {status}"
        )))
    }
}

/// Asks a SOCKS5 proxy on `stream` (RFC 1928; user and password by RFC 1929) to connect to
/// `host:port`; the proxy resolves a name itself.
pub(super) async fn socks5_connect<S: AsyncRead + AsyncWrite + Unpin>(
    proxy: &Proxy,
    stream: &mut S,
    host: &str,
    port: u16,
) -> io::Result<()> {
    let methods: &[u8] = if proxy.auth.is_some() {
        &[0x00, 0x02]
    } else {
        &[0x00]
    };
    let mut hello = vec![5, u8::try_from(methods.len()).unwrap_or(1)];
    hello.extend_from_slice(methods);
    stream.write_all(&hello).await?;
    let mut chosen = [0u8; 2];
    stream.read_exact(&mut chosen).await?;
    match (chosen, &proxy.auth) {
        ([5, 0x00], _) => {}
        ([5, 0x02], Some((user, password))) => {
            let field = |s: &str| {
                u8::try_from(s.len()).map_err(|_| {
                    refused("a SOCKS5 user or password is at most 255 bytes".to_owned())
                })
            };
            let mut auth = vec![1, field(user)?];
            auth.extend_from_slice(user.as_bytes());
            auth.push(field(password)?);
            auth.extend_from_slice(password.as_bytes());
            stream.write_all(&auth).await?;
            let mut status = [0u8; 2];
            stream.read_exact(&mut status).await?;
            if status[1] != 0 {
                return Err(refused(
                    "the SOCKS5 proxy refused the user and password".to_owned(),
                ));
            }
        }
        ([5, 0xff], _) => {
            return Err(refused(
                "the SOCKS5 proxy accepts none of our authentication methods (set proxy_auth?)"
                    .to_owned(),
            ));
        }
        (other, _) => {
            return Err(refused(format!(
                "not a SOCKS5 proxy (it answered {other:02x?})"
            )));
        }
    }
    let mut request = vec![5, 1, 0];
    match host.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) => {
            request.push(1);
            request.extend_from_slice(&ip.octets());
        }
        Ok(std::net::IpAddr::V6(ip)) => {
            request.push(4);
            request.extend_from_slice(&ip.octets());
        }
        Err(_) => {
            let len = u8::try_from(host.len())
                .map_err(|_| refused(format!("{host} is too long a name for SOCKS5")))?;
            request.push(3);
            request.push(len);
            request.extend_from_slice(host.as_bytes());
        }
    }
    request.extend_from_slice(&port.to_be_bytes());
    stream.write_all(&request).await?;
    let mut reply = [0u8; 4];
    stream.read_exact(&mut reply).await?;
    if reply[1] != 0 {
        let why = match reply[1] {
            1 => "general failure",
            2 => "not allowed by its rules",
            3 => "network unreachable",
            4 => "host unreachable",
            5 => "connection refused",
            6 => "TTL expired",
            7 => "command not supported",
            8 => "address type not supported",
            _ => "an unknown error",
        };
        return Err(refused(format!(
            "the SOCKS5 proxy could not connect to {host}:{port}: {why}"
        )));
    }
    // The address the proxy bound, which says nothing we need.
    let skip = match reply[3] {
        1 => 4,
        4 => 16,
        3 => usize::from(stream.read_u8().await?),
        _ => {
            return Err(refused(
                "a SOCKS5 reply of an unknown address type".to_owned(),
            ));
        }
    };
    let mut rest = vec![0u8; skip + 2];
    stream.read_exact(&mut rest).await?;
    Ok(())
}

fn refused(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionRefused, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_urls_parse_and_keep_no_secret() {
        let p = Proxy::parse("http://proxy.internal:3128").unwrap();
        assert_eq!(
            (p.scheme, p.host.as_str(), p.port),
            (ProxyScheme::Http, "proxy.internal", 3128)
        );
        assert_eq!(Proxy::parse("socks5://10.0.0.5").unwrap().port, 1080);
        assert_eq!(
            Proxy::parse("https://proxy.example").unwrap().scheme,
            ProxyScheme::Https
        );
        assert!(
            Proxy::parse("ftp://proxy.example")
                .unwrap_err()
                .contains("http://")
        );
        assert!(
            Proxy::parse("http://desk:hunter2@proxy.example")
                .unwrap_err()
                .contains("proxy_auth")
        );
        let mut p = Proxy::parse("http://proxy.example").unwrap();
        p.auth = Some(("desk".to_owned(), "hunter2".to_owned()));
        assert!(!format!("{p:?}").contains("hunter2"));
        assert_eq!(
            p.authorization().unwrap().1,
            format!("Basic {}", data_encoding::BASE64.encode(b"desk:hunter2"))
        );
    }
}
