//! Shutdown as a parameter: SIGINT and SIGTERM set a flag that the run reads.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A flag set on SIGINT or SIGTERM: the run then starts no new request, lets those in flight
/// finish, closes the archive at a record boundary and reports what it has.
pub fn stop_on_signal(runtime: &tokio::runtime::Runtime) -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let set = Arc::clone(&flag);
    runtime.spawn(async move {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        let terminated = async {
            match term.as_mut() {
                Some(t) => {
                    t.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            () = terminated => {}
        }
        tracing::warn!("stopping: no new requests; finishing those in flight");
        set.store(true, Ordering::SeqCst);
    });
    flag
}
