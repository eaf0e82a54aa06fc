//! The archive commands of the binary: verify, history, show, export. Glue over
//! `provcheck::archive`.

use crate::cli::{ExtractFormat, write_output};
use anyhow::{Context, Result};
use provcheck::archive::Archive;
use provcheck::archive::query::{self, find_capture};
use provcheck::archive::verify::verify as verify_archive;
use provcheck::citation::Target;
use provcheck::content::{self, decode};
use provcheck::normalize::normalize;
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

/// The largest decoded body `show` will write (a decompression bomb stops here).
const DECODE_LIMIT: u64 = 64 * 1024 * 1024;

/// Which part of a capture `show` writes.
#[derive(Debug, Clone, Copy)]
pub enum Part {
    Summary,
    Headers,
    Body,
    Text,
}

fn normalized(url: &str) -> Result<String> {
    match normalize(url, None) {
        Target::Fetchable(u) => Ok(u.to_string()),
        Target::UnsupportedScheme { scheme } => {
            anyhow::bail!("{url}: {scheme}: URLs are never archived")
        }
        Target::Invalid { reason } => anyhow::bail!("{url} is not a valid URL: {reason}"),
    }
}

pub fn verify(dir: &Path, format: ExtractFormat, quiet: bool) -> Result<ExitCode> {
    let index = Archive::open_existing(dir)?;
    let started = Instant::now();
    let progress = if quiet || !std::io::stderr().is_terminal() {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new_spinner()
    };
    let report = verify_archive(dir, &index, |n| {
        if n % 256 == 0 {
            progress.set_message(format!("{n} records"));
        }
    })
    .with_context(|| format!("cannot read the index of {}", dir.display()))?;
    progress.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    let megabytes = report.bytes as f64 / 1e6;
    write_output(None, |out| match format {
        ExtractFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &report)?;
            writeln!(out)
        }
        ExtractFormat::Text => {
            for p in &report.problems {
                writeln!(
                    out,
                    "{}: {} offset {} ({} {}): {}",
                    serde_json::to_value(p.kind)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    p.warc_file,
                    p.offset,
                    p.record_type,
                    p.target_uri.as_deref().unwrap_or("-"),
                    p.detail
                )?;
            }
            writeln!(
                out,
                "{}: {} records in {} WARC files, {megabytes:.1} MB verified in {seconds:.2} s ({:.0} MB/s), {} problem{}",
                if report.problems.is_empty() {
                    "OK"
                } else {
                    "FAIL"
                },
                report.records,
                report.files,
                megabytes / seconds.max(1e-9),
                report.problems.len(),
                if report.problems.len() == 1 { "" } else { "s" },
            )
        }
    })?;
    Ok(if report.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

pub fn history(dir: &Path, url: &str, format: ExtractFormat) -> Result<ExitCode> {
    let url = normalized(url)?;
    let index = Archive::open_existing(dir)?;
    let entries = query::history(&index, &url)
        .with_context(|| format!("cannot read the index of {}", dir.display()))?;
    write_output(None, |out| match format {
        ExtractFormat::Json => {
            serde_json::to_writer_pretty(
                &mut *out,
                &serde_json::json!({"schema_version": 1, "url": url, "history": entries}),
            )?;
            writeln!(out)
        }
        ExtractFormat::Text => {
            for e in &entries {
                let status = e
                    .http_status
                    .map_or_else(|| "---".to_owned(), |s| s.to_string());
                let mut line = format!("{}  {:<8} {:<18} {status:>3}", e.at, e.kind, e.what);
                if let Some(f) = e.final_url.as_deref().filter(|f| *f != url) {
                    let _ = write!(line, "  -> {f}");
                }
                if let (Some(sha), Some(file), Some(offset)) =
                    (&e.payload_sha256, &e.warc_file, e.offset)
                {
                    let _ = write!(line, "  sha256:{}  {file}@{offset}", &sha[..16]);
                }
                if let Some(via) = &e.via {
                    let _ = write!(line, "  (redirect hop of {via})");
                }
                writeln!(out, "{line}")?;
            }
            Ok(())
        }
    })?;
    if entries.is_empty() {
        eprintln!("provcheck: no history for {url} in {}", dir.display());
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

pub fn show(
    dir: &Path,
    url: &str,
    at: Option<&str>,
    part: Part,
    output: Option<&Path>,
) -> Result<ExitCode> {
    let url = normalized(url)?;
    let before = at
        .map(provcheck::time::parse_user_time)
        .transpose()
        .map_err(|e| anyhow::anyhow!("invalid --at: {e}"))?
        .map(provcheck::time::db_time);
    let index = Archive::open_existing(dir)?;
    let capture = match find_capture(dir, &index, &url, before.as_deref()) {
        Ok(c) => c,
        Err(query::ShowError::NotFound { .. }) => {
            eprintln!(
                "provcheck: no capture of {url}{} in {}",
                at.map(|a| format!(" at or before {a}")).unwrap_or_default(),
                dir.display()
            );
            return Ok(ExitCode::from(1));
        }
        Err(e) => return Err(e.into()),
    };
    let (head, _) = capture.record.http_parts().unwrap_or((&[], &[]));
    let (_, payload) = capture.payload_record.http_parts().unwrap_or((&[], &[]));
    let head_text = String::from_utf8_lossy(head);
    let header = |name: &str| provcheck::archive::judge::header_value(&head_text, name);
    let bytes: Vec<u8> = match part {
        Part::Headers => head.to_vec(),
        Part::Body => {
            decode::decode_content(header("content-encoding").as_deref(), payload, DECODE_LIMIT)
                .map_err(|e| anyhow::anyhow!("{url}: {e}"))?
                .0
        }
        Part::Text => {
            let extracted = content::extract(
                header("content-type").as_deref(),
                header("content-encoding").as_deref(),
                payload,
                Some(&url),
            )
            .map_err(|e| anyhow::anyhow!("{url}: {e}"))?;
            let Some(text) = extracted.text else {
                anyhow::bail!("{url}: the payload is binary; use --body");
            };
            match extracted.title {
                Some(title) => format!("{title}\n\n{text}\n").into_bytes(),
                None => format!("{text}\n").into_bytes(),
            }
        }
        Part::Summary => {
            let mut s = format!(
                "url: {url}\ncaptured: {}\nrecord: {} in {} at offset {}\nstatus: {}\npayload sha256: {}\n",
                capture.captured_at,
                capture.record_type,
                capture.warc_file,
                capture.offset,
                capture.http_status,
                capture.payload_sha256
            );
            if let Some(refers) = capture.record.field("warc-refers-to") {
                let _ = writeln!(s, "payload stored with: {refers}");
            }
            s.push('\n');
            let mut bytes = s.into_bytes();
            bytes.extend_from_slice(head);
            bytes
        }
    };
    write_output(output, |out| out.write_all(&bytes))?;
    Ok(ExitCode::SUCCESS)
}

pub fn export_cdxj(dir: &Path, output: Option<&Path>) -> Result<ExitCode> {
    let index = Archive::open_existing(dir)?;
    let lines = query::cdxj(&index)
        .with_context(|| format!("cannot read the index of {}", dir.display()))?;
    write_output(output, |out| {
        for line in &lines {
            writeln!(out, "{line}")?;
        }
        Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

pub fn diff(
    options: &provcheck::archive::ArchiveOptions,
    url: &str,
    article: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<ExitCode> {
    use provcheck::archive::diff::{DiffError, Pick};
    let url = normalized(url)?;
    let time = |t: Option<&str>, flag: &str| -> Result<Option<String>> {
        t.map(provcheck::time::parse_user_time)
            .transpose()
            .map_err(|e| anyhow::anyhow!("invalid {flag}: {e}"))
            .map(|t| t.map(provcheck::time::db_time))
    };
    let from = match time(from, "--from")? {
        Some(t) => Pick::AtOrBefore(Some(t)),
        None => Pick::Reference {
            article: article.map(str::to_owned),
        },
    };
    let to = Pick::AtOrBefore(time(to, "--to")?);
    let mut index = Archive::open_existing(&options.dir)?;
    match provcheck::archive::diff::diff(
        &options.dir,
        &mut index,
        &url,
        &from,
        &to,
        options.thresholds,
    ) {
        Ok(text) => {
            write_output(None, |out| out.write_all(text.as_bytes()))?;
            Ok(ExitCode::SUCCESS)
        }
        Err(DiffError::NotFound(message)) => {
            eprintln!("provcheck: {message} in {}", options.dir.display());
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(e.into()),
    }
}
