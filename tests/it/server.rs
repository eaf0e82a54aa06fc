//! A scriptable HTTP/1.1 server on 127.0.0.1:0, run on its own thread so that both async and
//! blocking tests can use it. It counts requests per path and the most requests in flight.

use bytes::Bytes;
use futures_util::stream;
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::body::Frame;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the handler sees of a request.
#[derive(Debug, Clone)]
pub struct Req {
    /// Path and query.
    pub target: String,
    pub headers: HashMap<String, String>,
    /// How many times this target was requested before, this one not included.
    pub previous: usize,
}

/// What the handler wants answered.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Wait this long before answering.
    pub delay: Duration,
    /// Send the body in chunks of this size without a Content-Length.
    pub chunked: Option<usize>,
}

impl Resp {
    pub fn status(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: format!("<html><body><p>status {status}</p></body></html>").into_bytes(),
            delay: Duration::ZERO,
            chunked: None,
        }
    }

    pub fn ok(body: &str) -> Self {
        Self {
            body: body.as_bytes().to_vec(),
            ..Self::status(200)
        }
    }

    pub fn redirect(status: u16, location: &str) -> Self {
        Self::status(status).header("location", location)
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

type Handler = dyn Fn(&Req) -> Resp + Send + Sync;

#[derive(Default)]
pub struct Stats {
    hits: Mutex<HashMap<String, usize>>,
    starts: Mutex<Vec<Instant>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

pub struct TestServer {
    pub addr: SocketAddr,
    stats: Arc<Stats>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestServer {
    pub fn start(handler: impl Fn(&Req) -> Resp + Send + Sync + 'static) -> Self {
        let handler: Arc<Handler> = Arc::new(handler);
        let stats = Arc::new(Stats::default());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
        let thread_stats = Arc::clone(&stats);
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                loop {
                    tokio::select! {
                        _ = &mut rx => break,
                        accepted = listener.accept() => {
                            let Ok((stream, _)) = accepted else { continue };
                            let handler = Arc::clone(&handler);
                            let stats = Arc::clone(&thread_stats);
                            tokio::spawn(async move {
                                let service = service_fn(move |req| {
                                    serve(Arc::clone(&handler), Arc::clone(&stats), req)
                                });
                                let _ = hyper::server::conn::http1::Builder::new()
                                    .serve_connection(TokioIo::new(stream), service)
                                    .await;
                            });
                        }
                    }
                }
            });
            runtime.shutdown_timeout(Duration::from_millis(100));
        });
        Self {
            addr,
            stats,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT/path`
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn hits(&self, target: &str) -> usize {
        self.stats
            .hits
            .lock()
            .unwrap()
            .get(target)
            .copied()
            .unwrap_or(0)
    }

    /// Every target asked for, with its count (for assertion messages).
    pub fn all_hits(&self) -> std::collections::BTreeMap<String, usize> {
        self.stats
            .hits
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect()
    }

    pub fn total_hits(&self) -> usize {
        self.stats.hits.lock().unwrap().values().sum()
    }

    pub fn max_in_flight(&self) -> usize {
        self.stats.max_in_flight.load(Ordering::SeqCst)
    }

    /// When each request arrived, in order.
    pub fn starts(&self) -> Vec<Instant> {
        self.stats.starts.lock().unwrap().clone()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn serve(
    handler: Arc<Handler>,
    stats: Arc<Stats>,
    req: Request<hyper::body::Incoming>,
) -> Result<Response<BoxBody<Bytes, Infallible>>, Infallible> {
    let target = req
        .uri()
        .path_and_query()
        .map_or_else(|| "/".to_owned(), ToString::to_string);
    let previous = {
        let mut hits = stats.hits.lock().unwrap();
        let count = hits.entry(target.clone()).or_insert(0);
        *count += 1;
        *count - 1
    };
    stats.starts.lock().unwrap().push(Instant::now());
    let now = stats.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    stats.max_in_flight.fetch_max(now, Ordering::SeqCst);
    let headers = req
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let resp = handler(&Req {
        target,
        headers,
        previous,
    });
    if !resp.delay.is_zero() {
        tokio::time::sleep(resp.delay).await;
    }
    stats.in_flight.fetch_sub(1, Ordering::SeqCst);
    let body = match resp.chunked {
        None => Full::new(Bytes::from(resp.body)).boxed(),
        Some(size) => {
            let chunks: Vec<Result<Frame<Bytes>, Infallible>> = resp
                .body
                .chunks(size.max(1))
                .map(|c| Ok(Frame::data(Bytes::copy_from_slice(c))))
                .collect();
            StreamBody::new(stream::iter(chunks)).boxed()
        }
    };
    let mut builder = Response::builder().status(resp.status);
    for (name, value) in &resp.headers {
        builder = builder.header(name, value);
    }
    Ok(builder.body(body).unwrap())
}

/// A server that accepts connections and closes them at once, without answering.
pub struct ResettingServer {
    pub addr: SocketAddr,
    pub accepted: Arc<AtomicUsize>,
}

impl ResettingServer {
    pub fn start() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&accepted);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                match stream {
                    Ok(s) => {
                        count.fetch_add(1, Ordering::SeqCst);
                        drop(s);
                    }
                    Err(_) => break,
                }
            }
        });
        Self { addr, accepted }
    }
}

/// `i` when `target` is `prefix` followed by `i` written plainly (no leading zero), `i < n`:
/// a numbered site that, like a real one, answers 404 for the pages it does not have (a
/// soft-404 probe's random id among them).
pub fn numbered(target: &str, prefix: &str, n: usize) -> Option<usize> {
    let rest = target.strip_prefix(prefix)?;
    let i: usize = rest.parse().ok()?;
    (i < n && i.to_string() == rest).then_some(i)
}
