//! The single archive writer: a thread that owns the [`Archive`] (its WARC file and index
//! connection) and takes prepared captures through a bounded channel.
//!
//! It writes in groups: whatever captures are waiting (up to [`BATCH`]) are appended, the file
//! synced once, and the index rows committed in one transaction, so the cost of `fsync` and of a
//! commit is shared. After a failure (disk full, index locked for too long) it answers every
//! capture with the error and the run ends with exit 2; what was committed before stays valid.

use super::{Archive, ArchiveError, PreparedCapture, Stored};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Most captures written per sync and commit.
pub const BATCH: usize = 64;

type Reply = oneshot::Sender<Result<Stored, Arc<ArchiveError>>>;

/// Sends captures to the writer thread. Cheap to clone.
#[derive(Clone)]
pub struct WriterHandle {
    tx: mpsc::Sender<(PreparedCapture, Reply)>,
}

impl WriterHandle {
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

/// The writer thread.
pub struct ArchiveWriter {
    handle: WriterHandle,
    thread: std::thread::JoinHandle<(Archive, Option<Arc<ArchiveError>>)>,
}

impl ArchiveWriter {
    /// Starts the writer for `run_id`.
    #[must_use]
    pub fn spawn(mut archive: Archive, run_id: i64) -> Self {
        let (tx, mut rx) = mpsc::channel::<(PreparedCapture, Reply)>(BATCH * 2);
        let thread = std::thread::Builder::new()
            .name("archive-writer".to_owned())
            .spawn(move || {
                let mut failure: Option<Arc<ArchiveError>> = None;
                while let Some(first) = rx.blocking_recv() {
                    let mut jobs = vec![first];
                    while jobs.len() < BATCH {
                        match rx.try_recv() {
                            Ok(job) => jobs.push(job),
                            Err(_) => break,
                        }
                    }
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
            handle: WriterHandle { tx },
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
