//! `provcheck show`: what was archived for a URL (the capture nearest before `--at`, by default
//! the latest): a summary, the headers, the decoded body or the main text.

use crate::cli::args::{ArchiveArg, Global, normalized_url, time_arg};
use crate::cli::output::write_output;
use anyhow::Result;
use clap::Args;
use provcheck::archive::Archive;
use provcheck::archive::index::IndexAt;
use provcheck::archive::query::{self, find_capture};
use provcheck::content::{self, decode};
use provcheck::printable::escape_controls;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The largest decoded body `show` will write (a decompression bomb stops here).
const DECODE_LIMIT: u64 = 64 * 1024 * 1024;

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("part").multiple(false))]
pub struct ShowArgs {
    /// The URL, as cited (it is normalized)
    url: String,
    /// The capture nearest at or before this time: RFC 3339, or a date meaning the end of that day (UTC)
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
    /// Only the HTTP response headers
    #[arg(long, group = "part")]
    headers: bool,
    /// Only the body, decoded from its Content-Encoding
    #[arg(long, group = "part")]
    body: bool,
    /// Only the title and main text of the body (as compared by change grading)
    #[arg(long, group = "part")]
    text: bool,
    #[command(flatten)]
    archive: ArchiveArg,
    /// Write to FILE instead of stdout
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Which part of a capture `show` writes.
#[derive(Debug, Clone, Copy)]
enum Part {
    Summary,
    Headers,
    Body,
    Text,
}

pub fn exec(args: &ShowArgs, global: Global<'_>) -> Result<ExitCode> {
    let part = if args.headers {
        Part::Headers
    } else if args.body {
        Part::Body
    } else if args.text {
        Part::Text
    } else {
        Part::Summary
    };
    let (dir, index_at) = args.archive.at(global.config)?;
    show(
        &dir,
        &index_at,
        &args.url,
        args.at.as_deref(),
        part,
        args.output.as_deref(),
    )
}

fn show(
    dir: &Path,
    index_at: &IndexAt,
    url: &str,
    at: Option<&str>,
    part: Part,
    output: Option<&Path>,
) -> Result<ExitCode> {
    let url = normalized_url(url)?;
    let before = time_arg(at, "--at")?;
    let index = Archive::open_existing(dir, index_at)?;
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
    let (head, _) = capture.record.http_parts().unwrap_or_default();
    let (_, payload) = capture.payload_record.http_parts().unwrap_or_default();
    let head_text = String::from_utf8_lossy(head);
    let header = |name: &str| provcheck::warc::http::header_value(&head_text, name);
    let bytes: Vec<u8> = match part {
        Part::Headers => head.to_vec(),
        Part::Body => {
            decode::decode_content(
                header("content-encoding").as_deref(),
                &payload,
                DECODE_LIMIT,
            )
            .map_err(|e| anyhow::anyhow!("{url}: {e}"))?
            .0
        }
        Part::Text => {
            let extracted = content::extract(
                header("content-type").as_deref(),
                header("content-encoding").as_deref(),
                &payload,
                Some(&url),
            )
            .map_err(|e| anyhow::anyhow!("{url}: {e}"))?;
            let Some(text) = extracted.text else {
                anyhow::bail!("{url}: the payload is binary; use --body");
            };
            // The page's words, never its control characters: a title can carry escape
            // sequences a terminal would obey.
            let text = escape_controls(&text);
            match extracted.title {
                Some(title) => format!("{}\n\n{text}\n", escape_controls(&title)).into_bytes(),
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
            // The head as text for a reader; `--headers` writes its bytes as stored.
            s.push_str(&escape_controls(&String::from_utf8_lossy(head)));
            s.into_bytes()
        }
    };
    write_output(output, |out| out.write_all(&bytes))?;
    Ok(ExitCode::SUCCESS)
}
