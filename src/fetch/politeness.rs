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

/// How often a scheduler sharing its hosts with other processes looks again for a free slot.
pub const SHARED_POLL: Duration = Duration::from_millis(20);

/// A politeness budget shared with other processes. Implementations keep it in a database the
/// processes share; a failure to reach it is answered as "no slot yet" (or, for a start, as
/// "now"), never as an error that would end a fetch.
pub trait SharedHosts: Send + Sync {
    /// Takes one of `host`'s `per_host` slots, if fewer are held by all the processes
    /// together; the slot's id.
    fn try_take(&self, host: &str, per_host: usize) -> Option<i64>;
    /// Gives a slot back.
    fn give_back(&self, slot: i64);
    /// Books `host`'s next request start, at least `interval` after the last one any process
    /// booked: when this one may start, in Unix milliseconds.
    fn book_start(&self, host: &str, interval: Duration) -> Option<i64>;
}

/// A slot held in a budget shared with other processes, and where to give it back.
type SharedSlot = (Arc<dyn SharedHosts>, i64);

/// Every slot of a shared host budget is held by some process.
struct Busy;

struct HostState {
    semaphore: Arc<Semaphore>,
    // A std mutex: it guards one `Instant`, is never held across an await, and is cheaper than
    // tokio's.
    next_start: Mutex<Instant>,
    /// When the shared budget last said every slot was held: until then it is not asked again.
    shared_busy_until: Mutex<Option<Instant>>,
}

impl HostState {
    fn shared_busy(&self, now: Instant) -> bool {
        self.shared_busy_until
            .lock()
            .expect("host busy lock")
            .is_some_and(|until| until > now)
    }
}

/// The limits of every host seen in a run.
pub struct Hosts {
    per_host: usize,
    interval: Duration,
    table: Mutex<HashMap<HostKey, Arc<HostState>>>,
    released: Arc<Notify>,
    shared: Option<Arc<dyn SharedHosts>>,
}

impl Hosts {
    #[must_use]
    pub fn new(per_host: usize, interval: Duration) -> Self {
        Self {
            per_host: per_host.max(1),
            interval,
            table: Mutex::new(HashMap::new()),
            released: Arc::new(Notify::new()),
            shared: None,
        }
    }

    /// Shares every host's budget with other processes through `shared`.
    pub fn share(&mut self, shared: Arc<dyn SharedHosts>) {
        self.shared = Some(shared);
    }

    /// One of the host's shared slots when the budget is shared (`Ok(None)`: it is not).
    fn shared_slot(&self, host: &HostKey) -> Result<Option<SharedSlot>, Busy> {
        match &self.shared {
            None => Ok(None),
            Some(shared) => shared
                .try_take(&host.0, self.per_host)
                .map(|slot| Some((Arc::clone(shared), slot)))
                .ok_or(Busy),
        }
    }

    fn state(&self, host: &HostKey) -> Arc<HostState> {
        let mut table = self.table.lock().expect("host table lock");
        Arc::clone(table.entry(host.clone()).or_insert_with(|| {
            Arc::new(HostState {
                semaphore: Arc::new(Semaphore::new(self.per_host)),
                next_start: Mutex::new(Instant::now()),
                shared_busy_until: Mutex::new(None),
            })
        }))
    }

    /// How long a host whose shared slots are all held is left alone before asking again. Every
    /// question is a transaction on the shared index, and the scheduler asks each waiting host
    /// on every wake: polled every time, three workers on 10 hosts asked 15 times per request.
    /// A host's starts are `interval` apart, so a slot asked for again one interval later has
    /// lost no start (the slots held have their turns booked).
    fn busy_backoff(&self) -> Duration {
        self.interval.max(SHARED_POLL)
    }

    /// One of the host's shared slots, unless the shared budget said it was full less than
    /// [`Self::busy_backoff`] ago (then `Err(Busy)` without asking).
    fn shared_slot_for(
        &self,
        host: &HostKey,
        state: &HostState,
    ) -> Result<Option<SharedSlot>, Busy> {
        if self.shared.is_none() {
            return Ok(None);
        }
        let now = Instant::now();
        if state.shared_busy(now) {
            return Err(Busy);
        }
        let slot = self.shared_slot(host);
        if slot.is_err() {
            *state.shared_busy_until.lock().expect("host busy lock") =
                Some(now + self.busy_backoff());
        }
        slot
    }

    /// A permit for `host` if one is free now.
    #[must_use]
    pub fn try_acquire(&self, host: &HostKey) -> Option<HostPermit> {
        let state = self.state(host);
        if self.shared.is_some() && state.shared_busy(Instant::now()) {
            return None;
        }
        let permit = Arc::clone(&state.semaphore).try_acquire_owned().ok()?;
        let slot = self.shared_slot_for(host, &state).ok()?;
        Some(self.permit(host, state, permit, slot))
    }

    /// A permit for `host`, waiting for one to be free.
    pub async fn acquire(&self, host: &HostKey) -> HostPermit {
        let state = self.state(host);
        loop {
            let permit = Arc::clone(&state.semaphore)
                .acquire_owned()
                .await
                .expect("host semaphores are never closed");
            if let Ok(slot) = self.shared_slot_for(host, &state) {
                return self.permit(host, Arc::clone(&state), permit, slot);
            }
            drop(permit);
            tokio::time::sleep(SHARED_POLL).await;
        }
    }

    fn permit(
        &self,
        host: &HostKey,
        state: Arc<HostState>,
        permit: OwnedSemaphorePermit,
        shared: Option<SharedSlot>,
    ) -> HostPermit {
        HostPermit {
            host: host.clone(),
            state,
            permit: Some(permit),
            interval: self.interval,
            released: Arc::clone(&self.released),
            shared,
        }
    }

    /// Resolves after some permit has been released since the last call (or, when the budget
    /// is shared, after [`SHARED_POLL`] at most: another process may have released one).
    pub async fn released(&self) {
        if self.shared.is_some() {
            let _ = tokio::time::timeout(SHARED_POLL, self.released.notified()).await;
        } else {
            self.released.notified().await;
        }
    }
}

/// The right to send requests to one host.
pub struct HostPermit {
    host: HostKey,
    state: Arc<HostState>,
    permit: Option<OwnedSemaphorePermit>,
    interval: Duration,
    released: Arc<Notify>,
    /// The slot held in the budget shared with other processes.
    shared: Option<SharedSlot>,
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
        // Booked off the runtime's threads: the shared budget is a database that can keep a
        // caller waiting, and the other requests' tasks must not wait with it.
        let booked = match &self.shared {
            Some((shared, _)) => {
                let (shared, host, interval) =
                    (Arc::clone(shared), self.host.0.clone(), self.interval);
                tokio::task::spawn_blocking(move || shared.book_start(&host, interval))
                    .await
                    .ok()
                    .flatten()
            }
            None => None,
        };
        if let Some(at) = booked {
            let now = jiff::Timestamp::now().as_millisecond();
            let wait = u64::try_from(at.saturating_sub(now)).unwrap_or(0);
            tokio::time::sleep(Duration::from_millis(wait)).await;
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
        if let Some((shared, slot)) = self.shared.take() {
            shared.give_back(slot);
        }
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

    /// A shared budget of one slot per host that counts how often it is asked.
    #[derive(Default)]
    struct CountingShared {
        held: Mutex<HashMap<String, usize>>,
        asked: std::sync::atomic::AtomicUsize,
    }

    impl SharedHosts for CountingShared {
        fn try_take(&self, host: &str, per_host: usize) -> Option<i64> {
            self.asked.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut held = self.held.lock().unwrap();
            let n = held.entry(host.to_owned()).or_default();
            (*n < per_host).then(|| {
                *n += 1;
                1
            })
        }
        fn give_back(&self, _slot: i64) {}
        fn book_start(&self, _host: &str, _interval: Duration) -> Option<i64> {
            None
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_shared_host_is_not_asked_again_within_an_interval() {
        let shared = Arc::new(CountingShared::default());
        // Another process holds the host's one shared slot.
        shared.held.lock().unwrap().insert("a.test".into(), 1);
        let mut hosts = Hosts::new(1, Duration::from_millis(100));
        hosts.share(Arc::clone(&shared) as Arc<dyn SharedHosts>);
        let a = key("http://a.test/");
        let asked = || shared.asked.load(std::sync::atomic::Ordering::SeqCst);
        assert!(hosts.try_acquire(&a).is_none());
        assert_eq!(asked(), 1);
        // The scheduler wakes many times within the interval: the budget is not asked again.
        for _ in 0..50 {
            assert!(hosts.try_acquire(&a).is_none());
        }
        assert_eq!(asked(), 1);
        // Another host is asked at once.
        assert!(hosts.try_acquire(&key("http://b.test/")).is_some());
        assert_eq!(asked(), 2);
        // The other process gives the slot back; an interval later the host is asked again.
        shared.held.lock().unwrap().insert("a.test".into(), 0);
        tokio::time::advance(Duration::from_millis(99)).await;
        assert!(hosts.try_acquire(&a).is_none());
        assert_eq!(asked(), 2);
        tokio::time::advance(Duration::from_millis(2)).await;
        assert!(hosts.try_acquire(&a).is_some());
        assert_eq!(asked(), 3);
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
