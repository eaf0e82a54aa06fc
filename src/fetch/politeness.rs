//! Per-host limits, in one place: at most `per_host` requests in flight to one host, and request
//! starts to one host at least `interval` apart.
//!
//! A [`HostPermit`] is a slot in a host's semaphore. The scheduler takes the first one for a URL
//! without waiting ([`Hosts::try_acquire`]), so that a global concurrency slot is never spent
//! waiting for a busy host; a fetch that follows a redirect to another host, or waits out a
//! retry, gives its permit back and waits for one again ([`Hosts::acquire`]). Every release wakes
//! the scheduler. Hosts are keyed by host name without the port: politeness is owed to the
//! machine, whatever port it serves on.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use url::Url;

/// The politeness identity of a URL: its lower-cased host.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HostKey(String);

impl HostKey {
    #[must_use]
    pub fn of(url: &Url) -> Self {
        Self(url.host_str().unwrap_or_default().to_ascii_lowercase())
    }
}

struct HostState {
    semaphore: Arc<Semaphore>,
    // A std mutex: it guards one `Instant`, is never held across an await, and is cheaper than
    // tokio's.
    next_start: Mutex<Instant>,
}

/// The limits of every host seen in a run.
pub struct Hosts {
    per_host: usize,
    interval: Duration,
    table: Mutex<HashMap<HostKey, Arc<HostState>>>,
    released: Arc<Notify>,
}

impl Hosts {
    #[must_use]
    pub fn new(per_host: usize, interval: Duration) -> Self {
        Self {
            per_host: per_host.max(1),
            interval,
            table: Mutex::new(HashMap::new()),
            released: Arc::new(Notify::new()),
        }
    }

    fn state(&self, host: &HostKey) -> Arc<HostState> {
        let mut table = self.table.lock().expect("host table lock");
        Arc::clone(table.entry(host.clone()).or_insert_with(|| {
            Arc::new(HostState {
                semaphore: Arc::new(Semaphore::new(self.per_host)),
                next_start: Mutex::new(Instant::now()),
            })
        }))
    }

    /// A permit for `host` if one is free now.
    #[must_use]
    pub fn try_acquire(&self, host: &HostKey) -> Option<HostPermit> {
        let state = self.state(host);
        let permit = Arc::clone(&state.semaphore).try_acquire_owned().ok()?;
        Some(self.permit(host, state, permit))
    }

    /// A permit for `host`, waiting for one to be free.
    pub async fn acquire(&self, host: &HostKey) -> HostPermit {
        let state = self.state(host);
        let permit = Arc::clone(&state.semaphore)
            .acquire_owned()
            .await
            .expect("host semaphores are never closed");
        self.permit(host, state, permit)
    }

    fn permit(
        &self,
        host: &HostKey,
        state: Arc<HostState>,
        permit: OwnedSemaphorePermit,
    ) -> HostPermit {
        HostPermit {
            host: host.clone(),
            state,
            permit: Some(permit),
            interval: self.interval,
            released: Arc::clone(&self.released),
        }
    }

    /// Resolves after some permit has been released since the last call.
    pub async fn released(&self) {
        self.released.notified().await;
    }
}

/// The right to send requests to one host.
pub struct HostPermit {
    host: HostKey,
    state: Arc<HostState>,
    permit: Option<OwnedSemaphorePermit>,
    interval: Duration,
    released: Arc<Notify>,
}

impl HostPermit {
    #[must_use]
    pub fn host(&self) -> &HostKey {
        &self.host
    }

    /// Waits until this host may be sent the next request, and books the slot after it.
    pub async fn wait_turn(&self) {
        if self.interval.is_zero() {
            return;
        }
        let start = {
            let mut next = self.state.next_start.lock().expect("host slot lock");
            let start = (*next).max(Instant::now());
            *next = start + self.interval;
            start
        };
        tokio::time::sleep_until(start).await;
    }
}

impl Drop for HostPermit {
    fn drop(&mut self) {
        // Release the slot before waking the scheduler, or it could wake, find the host still
        // full, and sleep through the release.
        drop(self.permit.take());
        self.released.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> HostKey {
        HostKey::of(&Url::parse(s).unwrap())
    }

    #[test]
    fn hosts_are_keyed_without_port_or_case() {
        assert_eq!(
            key("http://Example.com:8080/a"),
            key("https://example.com/b")
        );
        assert_ne!(key("http://a.example/"), key("http://b.example/"));
    }

    #[tokio::test]
    async fn at_most_per_host_permits_per_host() {
        let hosts = Hosts::new(2, Duration::ZERO);
        let a = key("http://a.test/");
        let first = hosts.try_acquire(&a).unwrap();
        let _second = hosts.try_acquire(&a).unwrap();
        assert!(hosts.try_acquire(&a).is_none());
        assert!(hosts.try_acquire(&key("http://b.test/")).is_some());
        drop(first);
        assert!(hosts.try_acquire(&a).is_some());
    }

    #[tokio::test(start_paused = true)]
    async fn request_starts_are_spaced_by_the_interval() {
        let hosts = Hosts::new(4, Duration::from_millis(100));
        let a = key("http://a.test/");
        let begin = Instant::now();
        let permits: Vec<_> = (0..3).map(|_| hosts.try_acquire(&a).unwrap()).collect();
        let mut starts = Vec::new();
        for permit in &permits {
            permit.wait_turn().await;
            starts.push(Instant::now() - begin);
        }
        assert_eq!(starts, [0, 100, 200].map(Duration::from_millis).to_vec());
    }
}
