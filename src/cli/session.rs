//! An archiving run's two ends, shared by `check` and `sweep`: opening the archive (recovering
//! what a crashed run left) and closing it with the run's status recorded.

use anyhow::{Context, Result};
use provcheck::archive::writer::ArchiveWriter;
use provcheck::archive::{Archive, ArchiveOptions};

/// Opens (or creates) the archive for writing; what recovery cut from a dead writer's WARC file
/// is said on stderr.
pub fn open_archive(options: ArchiveOptions) -> Result<Archive> {
    let dir = options.dir.clone();
    let (archive, recovered) = Archive::open(options)?;
    for note in recovered {
        tracing::warn!(
            "recovered {} in {} after an interrupted run: cut {} bytes of torn tail",
            note.warc_file,
            dir.display(),
            note.cut_bytes
        );
    }
    Ok(archive)
}

/// Waits for the writer to drain, records how the run ended and closes the WARC file; a failed
/// archive is an error (exit 2).
pub fn finish_archive(writer: ArchiveWriter, run_id: i64) -> Result<Archive> {
    let (mut archive, failure) = writer.finish();
    let status = if failure.is_some() {
        "failed"
    } else {
        "finished"
    };
    archive
        .finish_run(run_id, status, jiff::Timestamp::now())
        .context("cannot close the archive")?;
    if let Some(error) = failure {
        anyhow::bail!("archiving failed, the run was stopped: {error}");
    }
    Ok(archive)
}

/// Has the run's manifest time-stamped by `tsa` (config `tsa_url`, RFC 3161) and keeps the
/// reply. A run that cannot be time-stamped is said; it stays sealed by its manifest.
pub fn timestamp_run(
    runtime: &tokio::runtime::Runtime,
    fetcher: &provcheck::fetch::Fetcher,
    archive: &mut Archive,
    run_id: i64,
    tsa: Option<&url::Url>,
) {
    let Some(tsa) = tsa else {
        return;
    };
    let result = (|| -> Result<String, String> {
        let hash = archive
            .manifest_sha256(run_id)
            .map_err(|e| e.to_string())?
            .ok_or("the run has no manifest")?;
        let request = provcheck::tsa::request(&hash, fastrand::u64(..));
        let reply = runtime.block_on(fetcher.post(tsa, "application/timestamp-query", request))?;
        let stamp = provcheck::tsa::read_reply(&reply, &hash)?;
        archive
            .store_timestamp(run_id, &reply, &stamp.time)
            .map_err(|e| e.to_string())?;
        Ok(stamp.time)
    })();
    match result {
        Ok(time) => tracing::info!("run {run_id}: manifest time-stamped by {tsa} at {time}"),
        Err(why) => tracing::warn!("run {run_id}: its manifest is not time-stamped: {why}"),
    }
}
