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
