//! The scheduler: many URLs, fetched with at most `concurrency` in flight, interleaving hosts.
//!
//! URLs wait in one queue per host; hosts take turns (round robin). A URL is started only when
//! its host has a free permit, so a global slot is never spent waiting on a busy host, and one
//! host with thousands of URLs neither starves the others nor gets more than its share. Memory
//! is proportional to the URLs in flight, not to the list: results are handed to the caller as
//! they arrive.

use super::politeness::HostKey;
use super::{Fetched, Fetcher, Validators};
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::task::JoinSet;
use url::Url;

/// Fetches every URL once. Each result goes through `process` inside the fetch's own task (so
/// CPU work there, such as preparing archive records, runs in parallel and counts against the
/// concurrency limit), and `on_done` receives what `process` returns, in completion order.
///
/// A URL in `validators` is requested conditionally. Once `stop` is set, no new URL is started;
/// those in flight finish.
// The map is built by provcheck with the default hasher; generality buys nothing here.
#[allow(clippy::implicit_hasher)]
pub async fn fetch_all<P, Fut, T, F>(
    fetcher: Arc<Fetcher>,
    urls: Vec<Url>,
    validators: Arc<HashMap<Url, Validators>>,
    stop: Arc<AtomicBool>,
    process: P,
    mut on_done: F,
) where
    P: Fn(Url, Fetched) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = T> + Send + 'static,
    T: Send + 'static,
    F: FnMut(T),
{
    let mut queues: HashMap<HostKey, VecDeque<Url>> = HashMap::new();
    let mut turns: VecDeque<HostKey> = VecDeque::new();
    for url in urls {
        let host = HostKey::of(&url);
        let queue = queues.entry(host.clone()).or_default();
        if queue.is_empty() {
            turns.push_back(host);
        }
        queue.push_back(url);
    }
    let mut running: JoinSet<T> = JoinSet::new();
    loop {
        if stop.load(Ordering::SeqCst) {
            turns.clear();
        }
        start_ready(
            &fetcher,
            &mut queues,
            &mut turns,
            &mut running,
            &process,
            &validators,
        );
        if running.is_empty() && turns.is_empty() {
            return;
        }
        tokio::select! {
            joined = running.join_next(), if !running.is_empty() => {
                match joined {
                    Some(Ok(result)) => on_done(result),
                    Some(Err(e)) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                    Some(Err(_)) | None => {}
                }
            }
            () = fetcher.hosts().released() => {}
        }
    }
}

/// Starts URLs, host by host in turn, while there are global slots and hosts with free permits.
fn start_ready<P, Fut, T>(
    fetcher: &Arc<Fetcher>,
    queues: &mut HashMap<HostKey, VecDeque<Url>>,
    turns: &mut VecDeque<HostKey>,
    running: &mut JoinSet<T>,
    process: &P,
    validators: &Arc<HashMap<Url, Validators>>,
) where
    P: Fn(Url, Fetched) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    // A URL holds a global slot from its start to the end of `process`, except while it waits
    // out a retry (see `Fetcher::pause`): a handful of throttled URLs (429, Retry-After) or 5xx
    // retried with backoff must not stall the rest of the list.
    let mut idle_hosts = 0;
    while idle_hosts < turns.len() {
        let Some(slot) = fetcher.try_slot() else {
            break;
        };
        let host = turns.pop_front().expect("turns is not empty");
        let Some(permit) = fetcher.hosts().try_acquire(&host) else {
            turns.push_back(host);
            idle_hosts += 1;
            drop(slot);
            continue;
        };
        idle_hosts = 0;
        let queue = queues
            .get_mut(&host)
            .expect("every host in turns has a queue");
        let url = queue.pop_front().expect("hosts in turns have queued URLs");
        if queue.is_empty() {
            queues.remove(&host);
        } else {
            turns.push_back(host);
        }
        let fetcher = Arc::clone(fetcher);
        let process = process.clone();
        let validators = Arc::clone(validators);
        running.spawn(async move {
            let result = fetcher
                .fetch_conditional(&url, Some(permit), validators.get(&url))
                .await;
            let done = process(url, result).await;
            drop(slot);
            done
        });
    }
}
