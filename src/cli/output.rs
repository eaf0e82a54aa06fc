//! Where a command's output goes: a file written whole or not at all, or stdout (a closed pipe
//! is not an error); and the progress bar, shown only on a terminal.

use anyhow::{Context, Result};
use std::io::{IsTerminal, Write};
use std::path::Path;

/// Writes to `path` (through a temporary file renamed into place, so a failed write never leaves
/// half a report) or to stdout. A closed stdout (`provcheck ... | head`) is not an error.
pub fn write_output(
    path: Option<&Path>,
    render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    if let Some(path) = path {
        // A device, FIFO or socket (`-o /dev/null`, `-o /dev/stdout`, a pipe) is written in
        // place: writing a temporary file and renaming it over the path would replace the device
        // with a regular file (run as root, that once turned /dev/null into a file here).
        if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
            let written = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .and_then(|file| {
                    let mut out = std::io::BufWriter::new(file);
                    render(&mut out)?;
                    out.flush()
                });
            return written.with_context(|| format!("cannot write {}", path.display()));
        }
        // A symbolic link is followed, so that the rename replaces the file it points at.
        let resolved = std::fs::canonicalize(path).ok();
        let path = resolved.as_deref().unwrap_or(path);
        let tmp = path.with_extension("provcheck-tmp");
        let written = std::fs::File::create(&tmp).and_then(|file| {
            let mut out = std::io::BufWriter::new(file);
            render(&mut out)?;
            out.into_inner()
                .map_err(std::io::IntoInnerError::into_error)?
                .sync_all()?;
            std::fs::rename(&tmp, path)
        });
        return written
            .inspect_err(|_| {
                let _ = std::fs::remove_file(&tmp);
            })
            .with_context(|| format!("cannot write {}", path.display()));
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match render(&mut out).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to stdout"),
    }
}

/// Fails now, before any work, when `path` cannot be written: its directory is missing or not
/// writable (a probe file is created there and removed). A device or pipe is opened for
/// writing. A run would otherwise fetch and archive everything, then fail to print its report.
pub fn check_writable(path: Option<&Path>) -> Result<()> {
    let Some(path) = path else {
        return Ok(());
    };
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        return Ok(());
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        anyhow::bail!(
            "cannot write {}: the directory {} does not exist",
            path.display(),
            dir.display()
        );
    }
    let probe = path.with_extension("provcheck-probe");
    std::fs::File::create(&probe)
        .and_then(|_| std::fs::remove_file(&probe))
        .with_context(|| format!("cannot write {}", path.display()))
}

/// A progress bar on stderr when it is a terminal and not `--quiet`; hidden otherwise.
pub fn progress_bar(quiet: bool, template: &str) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(indicatif::ProgressStyle::with_template(template).expect("static template"));
    bar
}
