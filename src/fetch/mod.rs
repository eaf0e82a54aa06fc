//! Fetching: one URL in, one [`Fetched`] out, politely and safely.
//!
//! The fetcher follows redirects itself, hop by hop, so that every hop is recorded and passes the
//! address guard and the host limits; each request goes on a connection of its own
//! (`wire`), whose bytes an HTTP/1.x exchange keeps. Each request has a connect timeout and a
//! total deadline that covers reading the body; the body is streamed and cut at a size cap. Transient failures are retried by the pure policy in [`retry`]. Nothing a
//! server sends makes this return an error: every failure is an [`Outcome`].

mod body;
mod credentials;
mod exchange;
mod failure;
pub mod guard;
pub mod politeness;
pub mod proxy;
mod redirect;
pub mod resolve;
pub mod retry;
mod schedule;
mod wire;

pub use credentials::{HostCredentials, REDACTED};
pub use exchange::{Exchange, Fetched, Truncation, Validators, WireBytes};
pub use schedule::fetch_all;

use crate::outcome::{FinalResponse, Hop, Outcome, OutcomeKind, classify_response};
use body::ReadResponse;
use credentials::Header;
use failure::{classify_error, timed_out};
use guard::AddressGuard;
use politeness::{HostKey, HostPermit, Hosts};
use redirect::next_hop;
use resolve::Lookup;
use retry::{Decision, RetryPolicy, Transient};
use std::collections::HashSet;
use std::sync::{Arc, Once};
use std::time::{Duration, SystemTime};
use tokio::time::Instant;
use url::Url;
use wire::Wire;

/// The most a body's buffer is sized up front from its `Content-Length`; beyond it, it grows
/// as the bytes arrive.
const PRESIZE_LIMIT: usize = 2 << 20;

/// Everything that shapes how URLs are fetched.
#[derive(Clone)]
pub struct FetchOptions {
    /// Requests in flight at once, over all hosts.
    pub concurrency: usize,
    /// Requests in flight at once to one host.
    pub host_concurrency: usize,
    /// Minimum time between the starts of two requests to one host.
    pub host_interval: Duration,
    pub connect_timeout: Duration,
    /// Deadline for one request, from connecting to the last byte of the body.
    pub timeout: Duration,
    pub retry: RetryPolicy,
    pub max_redirects: u32,
    /// Bodies longer than this are cut, and the outcome is `too-large`.
    pub max_body: u64,
    pub user_agent: String,
    pub guard: AddressGuard,
    pub lookup: Arc<dyn Lookup>,
    /// Headers sent to some hosts only (a wire service's token, a paywall's cookie): sent, never
    /// printed, and archived as [`REDACTED`].
    pub credentials: Arc<Vec<HostCredentials>>,
    /// Root certificates trusted besides the system's (config `ca_file`).
    pub extra_roots: Arc<Vec<rustls::pki_types::CertificateDer<'static>>>,
    /// Every request goes through this proxy (config `proxy`).
    pub proxy: Option<proxy::Proxy>,
}

impl std::fmt::Debug for FetchOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FetchOptions")
            .field("concurrency", &self.concurrency)
            .field("host_concurrency", &self.host_concurrency)
            .field("host_interval", &self.host_interval)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("max_redirects", &self.max_redirects)
            .field("max_body", &self.max_body)
            .field("user_agent", &self.user_agent)
            .field("guard", &self.guard)
            .field("credentials", &self.credentials)
            .field("proxy", &self.proxy)
            .finish_non_exhaustive()
    }
}

impl FetchOptions {
    /// The `User-Agent` provcheck sends: its name, version and a contact address.
    #[must_use]
    pub fn user_agent_for(contact: &str) -> String {
        let version = env!("CARGO_PKG_VERSION");
        let contact = contact.trim();
        if contact.is_empty() {
            format!("provcheck/{version} (source checker for news desks)")
        } else {
            format!("provcheck/{version} (source checker for news desks; {contact})")
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FetchSetupError {
    #[error("cannot set up TLS with the system's certificate verifier: {0}")]
    Tls(#[from] rustls::Error),
}

/// Fetches URLs. Cheap to share behind an `Arc`.
pub struct Fetcher {
    wire: Wire,
    options: FetchOptions,
    hosts: Hosts,
    /// The global concurrency: a slot per URL being fetched or processed ([`fetch_all`] holds
    /// one per task). A fetch waiting out a retry (`Retry-After`, backoff) lends its slot back and
    /// waits for one again, so a few throttled URLs cannot starve the rest of the list.
    slots: Arc<tokio::sync::Semaphore>,
}

static TLS_PROVIDER: Once = Once::new();

impl Fetcher {
    pub fn new(options: FetchOptions) -> Result<Self, FetchSetupError> {
        TLS_PROVIDER.call_once(|| {
            // Fails only if another provider was installed first, which is just as good.
            let _ = rustls::crypto::ring::default_provider().install_default();
        });
        let wire = Wire::new(
            Arc::new(options.guard.clone()),
            Arc::clone(&options.lookup),
            options.connect_timeout,
            options.max_body,
            &options.extra_roots,
            options.proxy.clone(),
        )?;
        let hosts = Hosts::new(options.host_concurrency, options.host_interval);
        let slots = Arc::new(tokio::sync::Semaphore::new(options.concurrency.max(1)));
        Ok(Self {
            wire,
            options,
            hosts,
            slots,
        })
    }

    #[must_use]
    pub fn options(&self) -> &FetchOptions {
        &self.options
    }

    pub(crate) fn hosts(&self) -> &Hosts {
        &self.hosts
    }

    /// Shares every host's politeness budget with other processes (sweep workers on one
    /// archive): `host_concurrency` and `host_interval` then hold for all of them together.
    #[must_use]
    pub fn sharing_hosts(mut self, shared: Arc<dyn politeness::SharedHosts>) -> Self {
        self.hosts.share(shared);
        self
    }

    /// Fetches `url`, following redirects. `permit`, when given, is a permit for the URL's host
    /// that the caller already holds.
    pub async fn fetch(&self, url: &Url, permit: Option<HostPermit>) -> Fetched {
        self.fetch_conditional(url, permit, None).await
    }

    /// Fetches `url`, sending `validators` (`If-None-Match`, `If-Modified-Since`) with the first
    /// request: a `304` then answers `ok`.
    pub async fn fetch_conditional(
        &self,
        url: &Url,
        permit: Option<HostPermit>,
        validators: Option<&Validators>,
    ) -> Fetched {
        let started = Instant::now();
        let mut run = Run {
            conditional: validators.cloned(),
            chain: Vec::new(),
            exchanges: Vec::new(),
            attempts: 0,
            retry_after: None,
        };
        let mut seen = HashSet::new();
        let mut permit = permit;
        let mut current = url.clone();
        loop {
            if !seen.insert(current.clone()) {
                let detail = format!("redirect loop: {current} was already visited");
                return run.finish(OutcomeKind::TooManyRedirects, None, Some(detail), started);
            }
            if run.chain.len() > self.options.max_redirects as usize {
                let detail = format!("more than {} redirects", self.options.max_redirects);
                return run.finish(OutcomeKind::TooManyRedirects, None, Some(detail), started);
            }
            if let Some(forbidden) = self.literal_forbidden(&current) {
                run.chain.push(Hop {
                    url: current,
                    status: None,
                });
                return run.finish(
                    OutcomeKind::ForbiddenAddress,
                    None,
                    Some(forbidden),
                    started,
                );
            }
            let host = HostKey::of(&current);
            let held = match permit.take() {
                Some(p) if p.host() == &host => p,
                other => {
                    drop(other);
                    self.hosts.acquire(&host).await
                }
            };
            match self.request(&current, held, &mut run).await {
                Step::Redirect(next, held) => {
                    permit = Some(held);
                    match next {
                        Ok(next) => current = next,
                        Err((kind, detail)) => {
                            return run.finish(kind, None, Some(detail), started);
                        }
                    }
                }
                Step::Done(mut fetched) => {
                    fetched.outcome.elapsed = started.elapsed();
                    return fetched;
                }
            }
        }
    }

    /// Whether an IP-literal host is refused (no resolver is asked for these).
    fn literal_forbidden(&self, url: &Url) -> Option<String> {
        let ip = match url.host()? {
            url::Host::Ipv4(ip) => std::net::IpAddr::V4(ip),
            url::Host::Ipv6(ip) => std::net::IpAddr::V6(ip),
            url::Host::Domain(_) => return None,
        };
        self.options.guard.check(ip).err().map(|f| f.to_string())
    }

    /// Requests one URL of the chain, with retries, and either reads the final response or
    /// returns where it redirects to.
    async fn request(&self, url: &Url, mut permit: HostPermit, run: &mut Run) -> Step {
        run.attempts = 0;
        // Only the cited URL is asked conditionally; redirect hops are fetched whole.
        let conditional = run.conditional.as_ref().filter(|_| run.chain.is_empty());
        let (request_headers, secrets) = self.headers_for(url, conditional);
        // What goes on the wire: the archived list with the secrets' real values (last, in the
        // same order).
        let sent: Vec<Header> = request_headers
            .iter()
            .filter(|(_, v)| v != REDACTED)
            .cloned()
            .chain(secrets.iter().map(|&h| h.clone()))
            .collect();
        // The proxy's credentials, sent with plain HTTP through an HTTP proxy, are a secret too.
        let secret_names: Vec<&str> = secrets
            .iter()
            .map(|(n, _)| n.as_str())
            .chain(std::iter::once("Proxy-Authorization"))
            .collect();
        loop {
            permit.wait_turn().await;
            run.attempts += 1;
            let deadline = Instant::now() + self.options.timeout;
            let result = match tokio::time::timeout_at(deadline, self.wire.get(url, &sent)).await {
                Ok(Ok(answer)) => Ok(answer),
                Ok(Err(error)) => Err(classify_error(&error)),
                Err(_) => Err(timed_out(self.options.timeout)),
            };
            let answer = match result {
                Ok(answer) => answer,
                Err(failure) => {
                    if let Some(transient) = failure.transient
                        && let Some(wait) = self.should_retry(run.attempts, transient)
                    {
                        permit = self.pause(permit, wait).await;
                        continue;
                    }
                    run.chain.push(Hop {
                        url: url.clone(),
                        status: None,
                    });
                    return Step::Done(run.fetched(failure.kind, None, Some(failure.detail)));
                }
            };
            let status = answer.head.status.as_u16();
            if retry::is_transient_status(status) {
                let retry_after = answer
                    .head
                    .headers
                    .get(http::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| retry::parse_retry_after(v, SystemTime::now()));
                run.retry_after = retry_after;
                let transient = Transient::Status {
                    status,
                    retry_after,
                };
                if let Some(wait) = self.should_retry(run.attempts, transient) {
                    drop(answer);
                    permit = self.pause(permit, wait).await;
                    continue;
                }
            }
            run.chain.push(Hop {
                url: url.clone(),
                status: Some(status),
            });
            let location = answer
                .head
                .headers
                .get(http::header::LOCATION)
                .filter(|_| matches!(status, 301 | 302 | 303 | 307 | 308))
                .map(|l| l.as_bytes().to_vec());
            let read = self
                .read_body(
                    url,
                    request_headers.clone(),
                    &secret_names,
                    answer,
                    deadline,
                )
                .await;
            if let Some(location) = location {
                run.exchanges.push(read.exchange);
                return Step::Redirect(next_hop(url, &location), permit);
            }
            let mut fetched = run.finish_response(read);
            if let Some(wait) = run
                .retry_after
                .filter(|w| *w > self.options.retry.retry_after_cap)
                && fetched.outcome.detail.is_none()
            {
                fetched.outcome.detail = Some(format!(
                    "the server asked to retry after {}s, longer than retry_after_cap ({}s)",
                    wait.as_secs(),
                    self.options.retry.retry_after_cap.as_secs()
                ));
            }
            return Step::Done(fetched);
        }
    }

    /// The headers of a request to `url`, as archived (validators for a conditional request; a
    /// secret header's value [`REDACTED`]), and the secret headers to send as they are.
    fn headers_for(
        &self,
        url: &Url,
        conditional: Option<&Validators>,
    ) -> (Vec<Header>, Vec<&Header>) {
        let mut headers = self.request_headers(url);
        if let Some(v) = conditional {
            if let Some(etag) = &v.etag {
                headers.push(("If-None-Match".to_owned(), etag.clone()));
            }
            if let Some(date) = &v.last_modified {
                headers.push(("If-Modified-Since".to_owned(), date.clone()));
            }
        }
        // Secret headers for this host (never for another host a redirect leads to): sent, and
        // archived redacted.
        let secrets = credentials::secret_headers(&self.options.credentials, url);
        for (name, _) in &secrets {
            headers.push((name.clone(), REDACTED.to_owned()));
        }
        (headers, secrets)
    }

    /// The headers provcheck sends, in the order they are archived.
    fn request_headers(&self, url: &Url) -> Vec<(String, String)> {
        let host = match (url.host_str(), url.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_owned(),
            _ => String::new(),
        };
        vec![
            ("Host".to_owned(), host),
            ("User-Agent".to_owned(), self.options.user_agent.clone()),
            (
                "Accept".to_owned(),
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8".to_owned(),
            ),
            ("Accept-Encoding".to_owned(), "gzip".to_owned()),
        ]
    }

    fn should_retry(&self, attempts: u32, transient: Transient) -> Option<Duration> {
        match retry::decide(&self.options.retry, attempts, transient, fastrand::f64()) {
            Decision::RetryAfter(wait) => Some(wait),
            Decision::GiveUp => None,
        }
    }

    /// Waits before a retry without holding the host or a global slot: other URLs go on
    /// meanwhile.
    async fn pause(&self, permit: HostPermit, wait: Duration) -> HostPermit {
        let host = permit.host().clone();
        // Lend the task's global slot back before the host permit goes: its release wakes the
        // scheduler, which must then find the slot free.
        self.slots.add_permits(1);
        drop(permit);
        tokio::time::sleep(wait).await;
        // Take a slot out of circulation again, waiting for one: the limit holds after the wait.
        self.slots
            .acquire()
            .await
            .expect("the slot semaphore is never closed")
            .forget();
        self.hosts.acquire(&host).await
    }

    /// POSTs `body` to an operator's own service (a time-stamp authority, config `tsa_url`):
    /// not through the address guard or the proxy, within the request timeout. The body of a
    /// 2xx answer, else why not.
    pub async fn post(
        &self,
        url: &Url,
        content_type: &str,
        body: Vec<u8>,
    ) -> Result<Vec<u8>, String> {
        match tokio::time::timeout(
            self.options.timeout,
            self.wire.post(url, content_type, body),
        )
        .await
        {
            Ok(Ok((status, answer))) if (200..300).contains(&status) => Ok(answer),
            Ok(Ok((status, _))) => Err(format!("{url} answered HTTP {status}")),
            Ok(Err(e)) => Err(format!("{url}: {e}")),
            Err(_) => Err(format!("{url}: no answer within the timeout")),
        }
    }

    /// A global slot for one more URL, if one is free.
    pub(crate) fn try_slot(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        Arc::clone(&self.slots).try_acquire_owned().ok()
    }
}

/// The state of one fetch as it walks the chain.
struct Run {
    /// The validators sent with the first request, if any.
    conditional: Option<Validators>,
    chain: Vec<Hop>,
    exchanges: Vec<Exchange>,
    attempts: u32,
    retry_after: Option<Duration>,
}

impl Run {
    fn fetched(
        &mut self,
        kind: OutcomeKind,
        http_status: Option<u16>,
        detail: Option<String>,
    ) -> Fetched {
        let permanent = (self.chain.len() > 1).then(|| {
            self.chain[..self.chain.len() - 1]
                .iter()
                .all(|hop| matches!(hop.status, Some(301 | 308)))
        });
        // Kept in the report for the whole run: one hop, not the four a Vec first makes room for.
        self.chain.shrink_to_fit();
        Fetched {
            outcome: Outcome {
                kind,
                http_status,
                chain: std::mem::take(&mut self.chain),
                permanent,
                detail,
                retry_after: self.retry_after,
                attempts: self.attempts,
                elapsed: Duration::ZERO,
            },
            exchanges: std::mem::take(&mut self.exchanges),
        }
    }

    /// The outcome of a final response (no redirect to follow), keeping its exchange.
    fn finish_response(&mut self, read: ReadResponse) -> Fetched {
        let ReadResponse { exchange, failure } = read;
        let status = exchange.status;
        let bot_challenge = exchange
            .headers
            .get("cf-mitigated")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"challenge"));
        let not_modified = status == 304 && self.conditional.is_some() && self.chain.len() == 1;
        let (kind, detail) = if not_modified {
            (OutcomeKind::Ok, None)
        } else if exchange.truncated == Some(Truncation::Length) {
            (
                OutcomeKind::TooLarge,
                Some("the body is larger than max_body".to_owned()),
            )
        } else if let Some(failure) = failure {
            (
                failure.kind,
                Some(format!("while reading the body: {}", failure.detail)),
            )
        } else {
            classify_response(FinalResponse {
                status,
                bot_challenge,
                redirected: self.chain.len() > 1,
            })
        };
        self.exchanges.push(exchange);
        self.fetched(kind, Some(status), detail)
    }

    fn finish(
        &mut self,
        kind: OutcomeKind,
        status: Option<u16>,
        detail: Option<String>,
        started: Instant,
    ) -> Fetched {
        let mut fetched = self.fetched(kind, status, detail);
        fetched.outcome.elapsed = started.elapsed();
        fetched
    }
}

enum Step {
    /// The response redirects: the next URL (or why it cannot be followed), and the permit held.
    Redirect(Result<Url, (OutcomeKind, String)>, HostPermit),
    Done(Fetched),
}
