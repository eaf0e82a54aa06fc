//! The single archive writer: a thread that owns the [`Archive`] (its WARC file and index
//! connection) and takes prepared captures through a bounded channel.
//!
//! It writes in groups: after the first capture arrives it gathers more for up to
//! [`GROUP_WINDOW`] (or until [`BATCH`] are waiting), appends them all, syncs the file once and
//! commits the index rows in one transaction, so the cost of `fsync` and of a commit is shared.
//! Without the window a fast writer would sync once per capture (measured: 600 captures/s
//! against 10,000/s for the fetches). After a failure (disk full, index locked for too long) it answers every
//! capture with the error and the run ends with exit 2; what was committed before stays valid.

use super::{Archive, ArchiveError, PreparedCapture, Stored};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Most captures written per sync and commit.
pub const BATCH: usize = 256;

/// How long the writer gathers captures before writing a group.
pub const GROUP_WINDOW: std::time::Duration = std::time::Duration::from_millis(20);

type Reply = oneshot::Sender<Result<Stored, Arc<ArchiveError>>>;

/// Sends captures to the writer thread. Cheap to clone.
#[derive(Clone)]
pub struct WriterHandle {
    tx: mpsc::Sender<(PreparedCapture, Reply)>,
    warcinfo_id: Arc<str>,
}

impl WriterHandle {
    /// The `WARC-Warcinfo-ID` every record sent here must carry.
    #[must_use]
    pub fn warcinfo_id(&self) -> &str {
        &self.warcinfo_id
    }

    /// Archives `capture`; resolves once its index rows are committed.
    pub async fn store(&self, capture: PreparedCapture) -> Result<Stored, Arc<ArchiveError>> {
        let (reply, answer) = oneshot::channel();
        if self.tx.send((capture, reply)).await.is_err() {
            return Err(Arc::new(ArchiveError::Write {
                path: "archive".into(),
                source: std::io::Error::other("the archive writer has stopped"),
            }));
        }
        answer.await.unwrap_or_else(|_| {
            Err(Arc::new(ArchiveError::Write {
                path: "archive".into(),
                source: std::io::Error::other("the archive writer has stopped"),
            }))
        })
    }
}

/// Waits for a capture, then gathers more until the window closes or the batch is full. `None`
/// when every sender is gone and nothing is left.
async fn gather(
    rx: &mut mpsc::Receiver<(PreparedCapture, Reply)>,
) -> Option<Vec<(PreparedCapture, Reply)>> {
    let first = rx.recv().await?;
    let deadline = tokio::time::Instant::now() + GROUP_WINDOW;
    let mut jobs = vec![first];
    while jobs.len() < BATCH {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(job)) => jobs.push(job),
            Ok(None) | Err(_) => break,
        }
    }
    Some(jobs)
}

/// The writer thread.
pub struct ArchiveWriter {
    handle: WriterHandle,
    thread: std::thread::JoinHandle<(Archive, Option<Arc<ArchiveError>>)>,
}

impl ArchiveWriter {
    /// Starts the writer for `run_id`.
    #[must_use]
    pub fn spawn(mut archive: Archive, run_id: i64) -> Self {
        let (tx, mut rx) = mpsc::channel::<(PreparedCapture, Reply)>(BATCH);
        let warcinfo_id: Arc<str> = archive.warcinfo_id().into();
        let thread = std::thread::Builder::new()
            .name("archive-writer".to_owned())
            .spawn(move || {
                // A runtime of this thread's own, only to wait on the channel with a deadline;
                // the writing itself is blocking and runs right here.
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_time()
                    .build()
                    .expect("a current-thread runtime");
                let mut failure: Option<Arc<ArchiveError>> = None;
                while let Some(jobs) = runtime.block_on(gather(&mut rx)) {
                    if let Some(error) = &failure {
                        for (_, reply) in jobs {
                            let _ = reply.send(Err(Arc::clone(error)));
                        }
                        continue;
                    }
                    let (captures, replies): (Vec<_>, Vec<_>) = jobs.into_iter().unzip();
                    match archive.store(run_id, &captures) {
                        Ok(stored) => {
                            for (reply, stored) in replies.into_iter().zip(stored) {
                                let _ = reply.send(Ok(stored));
                            }
                        }
                        Err(error) => {
                            let error = Arc::new(error);
                            for reply in replies {
                                let _ = reply.send(Err(Arc::clone(&error)));
                            }
                            failure = Some(error);
                        }
                    }
                }
                (archive, failure)
            })
            .expect("spawning the archive writer thread");
        Self {
            handle: WriterHandle { tx, warcinfo_id },
            thread,
        }
    }

    #[must_use]
    pub fn handle(&self) -> WriterHandle {
        self.handle.clone()
    }

    /// Waits for every capture sent to be written; returns the archive and the first failure.
    #[must_use]
    pub fn finish(self) -> (Archive, Option<Arc<ArchiveError>>) {
        drop(self.handle);
        self.thread
            .join()
            .expect("the archive writer thread panicked")
    }
}
