//! The connection under one request: guarded name resolution, TCP, TLS with ALPN, and HTTP/1.1
//! or HTTP/2 over it — one exchange per connection.
//!
//! For HTTP/1.x a recorder sits between the TLS (or TCP) stream and hyper and keeps every byte
//! sent and received, so the archive stores the exchange as it crossed the wire: the status line
//! as the server wrote it, header names in their case and order, chunk framing. Because the
//! connection carries nothing else, the recorded bytes are exactly that exchange. HTTP/2 frames
//! are binary and compressed; for them nothing is recorded and the archive writes a transcription.
//!
//! hyper is used directly (it is reqwest's own engine): reqwest offers no way to reach the bytes
//! of a connection.

use super::guard::{AddressGuard, Forbidden};
use super::proxy::{Proxy, ProxyScheme, http_connect, socks5_connect};
use super::resolve::{DnsError, Lookup, Unresolved, resolve_guarded};
use bytes::Bytes;
use http_body_util::Empty;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use url::Url;

/// The bytes one connection carried each way; what was received is kept up to `limit`.
#[derive(Debug, Default)]
pub(super) struct Tape {
    pub(super) sent: Vec<u8>,
    pub(super) received: Vec<u8>,
    /// More was received than `limit`: the rest was read but not kept.
    pub(super) overflow: bool,
    limit: usize,
}

/// A shared handle on a connection's [`Tape`].
#[derive(Debug, Clone)]
pub(super) struct TapeHandle(Arc<Mutex<Tape>>);

impl TapeHandle {
    fn new(limit: usize) -> Self {
        Self(Arc::new(Mutex::new(Tape {
            limit,
            ..Tape::default()
        })))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Tape> {
        // A panic while holding the lock cannot leave a tape half-written in a way that
        // matters: the bytes appended so far are still the bytes that came.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn overflowed(&self) -> bool {
        self.lock().overflow
    }

    /// Takes the bytes sent and received so far.
    pub(super) fn take(&self) -> (Vec<u8>, Vec<u8>) {
        let mut tape = self.lock();
        (
            std::mem::take(&mut tape.sent),
            std::mem::take(&mut tape.received),
        )
    }
}

/// A stream that copies what it reads and writes onto a tape.
struct Recorder<S> {
    inner: S,
    tape: TapeHandle,
}

impl<S: AsyncRead + Unpin> AsyncRead for Recorder<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            let new = &buf.filled()[before..];
            let mut tape = self.tape.lock();
            let room = tape.limit.saturating_sub(tape.received.len());
            if new.len() > room {
                tape.overflow = true;
            }
            tape.received.extend_from_slice(&new[..new.len().min(room)]);
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Recorder<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, data);
        if let Poll::Ready(Ok(n)) = polled {
            self.tape.lock().sent.extend_from_slice(&data[..n]);
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Why a request got no response.
#[derive(Debug, thiserror::Error)]
pub(super) enum WireError {
    #[error(transparent)]
    Dns(DnsError),
    #[error(transparent)]
    Forbidden(Forbidden),
    #[error("connecting to {addr} timed out")]
    ConnectTimeout { addr: SocketAddr },
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        addr: SocketAddr,
        #[source]
        source: io::Error,
    },
    #[error("TLS handshake failed: {source}")]
    Tls {
        #[source]
        source: io::Error,
    },
    #[error("cannot build the request: {0}")]
    Request(String),
    #[error("{message}")]
    Proxy { message: String, transient: bool },
    #[error(transparent)]
    Http(#[from] hyper::Error),
}

/// A response whose head has arrived; its body is read from `body`.
pub(super) struct Answer {
    pub(super) head: http::response::Parts,
    pub(super) body: Incoming,
    /// The connection's bytes, for HTTP/1.x.
    pub(super) tape: Option<TapeHandle>,
    pub(super) remote_addr: SocketAddr,
    /// Drives the connection; stopped when the answer is dropped.
    _driver: AbortOnDrop,
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Opens a connection per request and speaks HTTP over it.
pub(super) struct Wire {
    tls: tokio_rustls::TlsConnector,
    guard: Arc<AddressGuard>,
    lookup: Arc<dyn Lookup>,
    connect_timeout: Duration,
    /// The most of a response kept on tape (the body cap, room for a head and framing).
    tape_limit: usize,
    proxy: Option<Proxy>,
    /// TLS to an `https://` proxy: HTTP/1.1 only, since `CONNECT` is spoken over it.
    proxy_tls: tokio_rustls::TlsConnector,
}

trait Stream: AsyncRead + AsyncWrite + Unpin + Send + 'static {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> Stream for T {}

impl Wire {
    pub(super) fn new(
        guard: Arc<AddressGuard>,
        lookup: Arc<dyn Lookup>,
        connect_timeout: Duration,
        max_body: u64,
        extra_roots: &[rustls::pki_types::CertificateDer<'static>],
        proxy: Option<Proxy>,
    ) -> Result<Self, rustls::Error> {
        let builder = rustls::ClientConfig::builder();
        let verifier = rustls_platform_verifier::Verifier::new_with_extra_roots(
            extra_roots.iter().cloned(),
            Arc::clone(builder.crypto_provider()),
        )?;
        let mut config = builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        let mut proxy_config = config.clone();
        proxy_config.alpn_protocols = vec![b"http/1.1".to_vec()];
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let max_body = usize::try_from(max_body).unwrap_or(usize::MAX);
        // Chunk framing can make the bytes on the wire several times the entity (one-byte
        // chunks take six); beyond twice the cap plus a head, the rest is not kept and the
        // fetch stops as too large.
        let tape_limit = max_body.saturating_mul(2).saturating_add(1 << 20);
        Ok(Self {
            tls: tokio_rustls::TlsConnector::from(Arc::new(config)),
            guard,
            lookup,
            connect_timeout,
            tape_limit,
            proxy,
            proxy_tls: tokio_rustls::TlsConnector::from(Arc::new(proxy_config)),
        })
    }

    /// Sends `GET url` with `headers` (`Host` first, as sent over HTTP/1.1) on a new connection.
    pub(super) async fn get(
        &self,
        url: &Url,
        headers: &[(String, String)],
    ) -> Result<Answer, WireError> {
        let host = url
            .host()
            .ok_or_else(|| WireError::Request(format!("{url} has no host")))?;
        let port = url.port_or_known_default().unwrap_or(80);
        let https = url.scheme() == "https";
        let (stream, remote_addr, absolute): (Box<dyn Stream>, SocketAddr, bool) =
            if let Some(proxy) = &self.proxy {
                self.through_proxy(proxy, &host, port, https).await?
            } else {
                let ips: Vec<IpAddr> = match &host {
                    url::Host::Ipv4(ip) => vec![IpAddr::V4(*ip)],
                    url::Host::Ipv6(ip) => vec![IpAddr::V6(*ip)],
                    url::Host::Domain(name) => {
                        resolve_guarded(self.lookup.as_ref(), &self.guard, name)
                            .await
                            .map_err(|e| match e {
                                Unresolved::Dns(dns) => WireError::Dns(dns),
                                Unresolved::Forbidden(forbidden) => WireError::Forbidden(forbidden),
                            })?
                    }
                };
                let (tcp, addr) =
                    connect(&ips, port, self.connect_timeout, Some(&self.guard)).await?;
                (Box::new(tcp), addr, false)
            };
        if !https {
            // Plain HTTP through an HTTP proxy: the request in absolute form, with the proxy's
            // credentials (redacted in the archive like any secret header).
            let mut sent = headers.to_vec();
            if absolute
                && let Some(authorization) = self.proxy.as_ref().and_then(Proxy::authorization)
            {
                sent.push(authorization);
            }
            return send_http1(url, &sent, stream, remote_addr, self.tape_limit, absolute).await;
        }
        let name = match host {
            url::Host::Domain(name) => rustls::pki_types::ServerName::try_from(name.to_owned())
                .map_err(|e| WireError::Request(format!("{name} is not a TLS name: {e}")))?,
            url::Host::Ipv4(ip) => rustls::pki_types::ServerName::IpAddress(IpAddr::V4(ip).into()),
            url::Host::Ipv6(ip) => rustls::pki_types::ServerName::IpAddress(IpAddr::V6(ip).into()),
        };
        let tls = tokio::time::timeout(self.connect_timeout, self.tls.connect(name, stream))
            .await
            .map_err(|_| WireError::ConnectTimeout { addr: remote_addr })?
            .map_err(|source| WireError::Tls { source })?;
        if tls.get_ref().1.alpn_protocol() == Some(b"h2") {
            send_http2(url, headers, tls, remote_addr).await
        } else {
            send_http1(url, headers, tls, remote_addr, self.tape_limit, false).await
        }
    }

    /// POSTs `body` to `url` — an operator's own service (a time-stamp authority), so neither
    /// the address guard nor the proxy applies — and returns the status and at most 1 MiB of
    /// the answer's body.
    pub(super) async fn post(
        &self,
        url: &Url,
        content_type: &str,
        body: Vec<u8>,
    ) -> Result<(u16, Vec<u8>), WireError> {
        use http_body_util::{BodyExt as _, Full};
        let host = url
            .host_str()
            .ok_or_else(|| WireError::Request(format!("{url} has no host")))?;
        let port = url.port_or_known_default().unwrap_or(80);
        let ips = match url.host() {
            Some(url::Host::Ipv4(ip)) => vec![IpAddr::V4(ip)],
            Some(url::Host::Ipv6(ip)) => vec![IpAddr::V6(ip)],
            _ => self
                .lookup
                .lookup(host.to_owned())
                .await
                .map_err(|source| {
                    WireError::Dns(DnsError {
                        host: host.to_owned(),
                        source,
                    })
                })?,
        };
        let (tcp, _) = connect(&ips, port, self.connect_timeout, None).await?;
        let stream: Box<dyn Stream> = if url.scheme() == "https" {
            let name = rustls::pki_types::ServerName::try_from(host.to_owned())
                .map_err(|e| WireError::Request(format!("{host} is not a TLS name: {e}")))?;
            Box::new(
                self.proxy_tls
                    .connect(name, tcp)
                    .await
                    .map_err(|source| WireError::Tls { source })?,
            )
        } else {
            Box::new(tcp)
        };
        let (mut sender, conn) = hyper::client::conn::http1::Builder::new()
            .title_case_headers(true)
            .handshake::<_, Full<Bytes>>(TokioIo::new(stream))
            .await?;
        let _driver = AbortOnDrop(tokio::spawn(async move {
            let _ = conn.await;
        }));
        let target = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        };
        let authority = match url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.to_owned(),
        };
        let request = http::Request::post(target)
            .header("Host", authority)
            .header("Content-Type", content_type)
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| WireError::Request(e.to_string()))?;
        let response = sender.send_request(request).await?;
        let status = response.status().as_u16();
        let mut body = response.into_body();
        let mut out = Vec::new();
        while let Some(frame) = body.frame().await {
            if let Ok(data) = frame?.into_data() {
                out.extend_from_slice(&data);
                if out.len() > 1 << 20 {
                    return Err(WireError::Request(
                        "the answer is larger than 1 MiB".to_owned(),
                    ));
                }
            }
        }
        Ok((status, out))
    }

    /// A stream to `host:port` through `proxy`: a tunnel (`CONNECT`, or SOCKS5), or for plain
    /// HTTP through an HTTP proxy the proxy connection itself (`true`: requests go in absolute
    /// form). The guard checks what it can see from here first (see [`super::proxy`]).
    async fn through_proxy(
        &self,
        proxy: &Proxy,
        host: &url::Host<&str>,
        port: u16,
        https: bool,
    ) -> Result<(Box<dyn Stream>, SocketAddr, bool), WireError> {
        let target = match host {
            url::Host::Ipv4(ip) => {
                self.guard
                    .check(IpAddr::V4(*ip))
                    .map_err(WireError::Forbidden)?;
                ip.to_string()
            }
            url::Host::Ipv6(ip) => {
                self.guard
                    .check(IpAddr::V6(*ip))
                    .map_err(WireError::Forbidden)?;
                ip.to_string()
            }
            url::Host::Domain(name) => {
                // A name that does not resolve here is left to the proxy.
                if let Err(Unresolved::Forbidden(forbidden)) =
                    resolve_guarded(self.lookup.as_ref(), &self.guard, name).await
                {
                    return Err(WireError::Forbidden(forbidden));
                }
                (*name).to_owned()
            }
        };
        let failed = |what: String, transient: bool| WireError::Proxy {
            message: format!("proxy {}:{}: {what}", proxy.host, proxy.port),
            transient,
        };
        let ips = match proxy.host.parse::<IpAddr>() {
            Ok(ip) => vec![ip],
            Err(_) => self
                .lookup
                .lookup(proxy.host.clone())
                .await
                .map_err(|e| failed(format!("cannot resolve it: {e}"), false))?,
        };
        let (tcp, addr) = connect(&ips, proxy.port, self.connect_timeout, None)
            .await
            .map_err(|e| failed(format!("cannot connect: {e}"), true))?;
        let mut stream: Box<dyn Stream> = if proxy.scheme == ProxyScheme::Https {
            let name = rustls::pki_types::ServerName::try_from(proxy.host.clone())
                .map_err(|e| failed(format!("not a TLS name: {e}"), false))?;
            let tls = tokio::time::timeout(self.connect_timeout, self.proxy_tls.connect(name, tcp))
                .await
                .map_err(|_| failed("the TLS handshake timed out".to_owned(), true))?
                .map_err(|e| failed(format!("TLS handshake failed: {e}"), false))?;
            Box::new(tls)
        } else {
            Box::new(tcp)
        };
        let handshake = match proxy.scheme {
            ProxyScheme::Socks5 => {
                tokio::time::timeout(
                    self.connect_timeout,
                    socks5_connect(proxy, &mut stream, &target, port),
                )
                .await
            }
            _ if https => {
                tokio::time::timeout(
                    self.connect_timeout,
                    http_connect(proxy, &mut stream, &target, port),
                )
                .await
            }
            _ => return Ok((stream, addr, true)),
        };
        match handshake {
            Ok(Ok(())) => Ok((stream, addr, false)),
            Ok(Err(e)) => Err(failed(
                e.to_string(),
                e.kind() != std::io::ErrorKind::ConnectionRefused,
            )),
            Err(_) => Err(failed(
                "no answer within the connect timeout".to_owned(),
                true,
            )),
        }
    }
}

/// Connects to the first of `ips` that answers on `port`, each tried within `timeout`; `guard`,
/// when given, is checked on each address first (the resolver checked names; this checks
/// literals and is the backstop for both).
async fn connect(
    ips: &[IpAddr],
    port: u16,
    timeout: Duration,
    guard: Option<&AddressGuard>,
) -> Result<(TcpStream, SocketAddr), WireError> {
    let mut last = None;
    for ip in ips {
        let addr = SocketAddr::new(*ip, port);
        if let Some(Err(forbidden)) = guard.map(|g| g.check(*ip)) {
            last = Some(WireError::Forbidden(forbidden));
            continue;
        }
        match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => {
                let _ = stream.set_nodelay(true);
                return Ok((stream, addr));
            }
            Ok(Err(source)) => last = Some(WireError::Connect { addr, source }),
            Err(_) => last = Some(WireError::ConnectTimeout { addr }),
        }
    }
    Err(last.unwrap_or_else(|| WireError::Request("no address to connect to".to_owned())))
}

/// The request, with the headers in the order given. HTTP/2 takes the absolute URL and no
/// `Host` (its `:authority` says it); so does a request to an HTTP proxy (`absolute`), with it.
fn request(
    url: &Url,
    headers: &[(String, String)],
    h2: bool,
    absolute: bool,
) -> Result<http::Request<Empty<Bytes>>, WireError> {
    let target = if h2 || absolute {
        url.as_str().to_owned()
    } else {
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    };
    let mut builder = http::Request::get(target).version(if h2 {
        http::Version::HTTP_2
    } else {
        http::Version::HTTP_11
    });
    for (name, value) in headers {
        if h2 && name.eq_ignore_ascii_case("host") {
            continue;
        }
        builder = builder.header(name.as_str(), value.as_bytes());
    }
    builder
        .body(Empty::new())
        .map_err(|e| WireError::Request(e.to_string()))
}

async fn send_http1<S: Stream>(
    url: &Url,
    headers: &[(String, String)],
    stream: S,
    remote_addr: SocketAddr,
    tape_limit: usize,
    absolute: bool,
) -> Result<Answer, WireError> {
    let tape = TapeHandle::new(tape_limit);
    let io = TokioIo::new(Recorder {
        inner: stream,
        tape: tape.clone(),
    });
    let (mut sender, conn) = hyper::client::conn::http1::Builder::new()
        .title_case_headers(true)
        .handshake(io)
        .await?;
    let driver = AbortOnDrop(tokio::spawn(async move {
        let _ = conn.await;
    }));
    let response = sender
        .send_request(request(url, headers, false, absolute)?)
        .await?;
    let (head, body) = response.into_parts();
    Ok(Answer {
        head,
        body,
        tape: Some(tape),
        remote_addr,
        _driver: driver,
    })
}

async fn send_http2<S: Stream>(
    url: &Url,
    headers: &[(String, String)],
    stream: S,
    remote_addr: SocketAddr,
) -> Result<Answer, WireError> {
    let (mut sender, conn) = hyper::client::conn::http2::Builder::new(TokioExecutor::new())
        .handshake(TokioIo::new(stream))
        .await?;
    let driver = AbortOnDrop(tokio::spawn(async move {
        let _ = conn.await;
    }));
    let response = sender
        .send_request(request(url, headers, true, false)?)
        .await?;
    let (head, body) = response.into_parts();
    Ok(Answer {
        head,
        body,
        tape: None,
        remote_addr,
        _driver: driver,
    })
}
