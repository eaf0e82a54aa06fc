//! The archive's settings: where it is (`archive`, `index_url`, `warc_url`, each with its flag),
//! how its WARC files are written, and how long a sweep worker's lease runs.

use super::{ConfigError, FileConfig, Size, parse_duration, user_agent};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a sweep worker's claims outlive its last heartbeat (`worker_lease`, default 2m).
pub fn worker_lease(file: &FileConfig, file_path: Option<&Path>) -> Result<Duration, ConfigError> {
    match &file.worker_lease {
        None => Ok(Duration::from_secs(120)),
        Some(text) => parse_duration(text)
            .ok()
            .filter(|d| *d >= Duration::from_secs(1))
            .ok_or_else(|| ConfigError::Invalid {
                origin: file_path.map_or_else(|| "config".to_owned(), |p| p.display().to_string()),
                key: "worker_lease",
                value: text.clone(),
                message: "must be a duration of at least 1s".to_owned(),
            }),
    }
}

/// Validated archive settings: `--archive DIR` wins over the `archive` key, `--warc-url` over
/// `warc_url`, `--index-url` over `index_url`.
pub fn archive_options<'a>(
    file: &'a FileConfig,
    file_path: Option<&Path>,
    dir: Option<&Path>,
    warc_url: Option<&'a str>,
    index_url: Option<&'a str>,
) -> Result<crate::archive::ArchiveOptions, ConfigError> {
    let origin = file_path.map_or_else(|| "config".to_owned(), |p| p.display().to_string());
    let rotate_at = match &file.warc_max_size {
        None => 1_000_000_000,
        Some(Size::Bytes(n)) => *n,
        Some(Size::Text(t)) => parse_size(t).map_err(|message| ConfigError::Invalid {
            origin: origin.clone(),
            key: "warc_max_size",
            value: t.clone(),
            message,
        })?,
    };
    let gzip_level = file.warc_gzip_level.unwrap_or(3);
    if gzip_level > 9 {
        return Err(ConfigError::Invalid {
            origin,
            key: "warc_gzip_level",
            value: gzip_level.to_string(),
            message: "must be 0 to 9".to_owned(),
        });
    }
    let not_modified = match file.not_modified_record.as_deref() {
        Some("compact") => crate::archive::NotModifiedRecord::Compact,
        None | Some("revisit") => crate::archive::NotModifiedRecord::Revisit,
        Some("revisit-and-request") => crate::archive::NotModifiedRecord::RevisitAndRequest,
        Some(other) => {
            return Err(ConfigError::Invalid {
                origin,
                key: "not_modified_record",
                value: other.to_owned(),
                message: "must be \"revisit\", \"revisit-and-request\" or \"compact\"".to_owned(),
            });
        }
    };
    let dir = dir
        .map(Path::to_path_buf)
        .or_else(|| file.archive.clone())
        .unwrap_or_else(|| PathBuf::from("archive"));
    // A flag wins over the config key; each error names where its value came from.
    let flag_or_key = |flag: Option<&'a str>, key: &'a Option<String>| match (flag, key) {
        (Some(url), _) => Some((url, "command line".to_owned())),
        (None, Some(url)) => Some((url.as_str(), origin.clone())),
        (None, None) => None,
    };
    let bucket = flag_or_key(warc_url, &file.warc_url)
        .map(|(url, origin)| {
            crate::archive::objects::Bucket::from_url(url).map_err(|e| ConfigError::Invalid {
                origin,
                key: "warc_url",
                value: url.to_owned(),
                message: e.to_string(),
            })
        })
        .transpose()?;
    let index = flag_or_key(index_url, &file.index_url)
        .map(|(url, origin)| {
            crate::archive::index::IndexAt::from_url(url).map_err(|message| ConfigError::Invalid {
                origin,
                key: "index_url",
                value: url.to_owned(),
                message,
            })
        })
        .transpose()?
        .unwrap_or_else(|| crate::archive::index::IndexAt::File(dir.join("index.sqlite")));
    let edited = file.edited_threshold.unwrap_or(0.30);
    if !(0.0..=1.0).contains(&edited) {
        return Err(ConfigError::Invalid {
            origin: file_path.map_or_else(|| "config".to_owned(), |p| p.display().to_string()),
            key: "edited_threshold",
            value: edited.to_string(),
            message: "must be between 0 and 1".to_owned(),
        });
    }
    Ok(crate::archive::ArchiveOptions {
        dir,
        index,
        rotate_at,
        gzip_level,
        not_modified,
        thresholds: crate::content::similarity::Thresholds { edited },
        warcinfo: crate::archive::WarcinfoFields {
            operator: file.operator.clone().filter(|o| !o.trim().is_empty()),
            user_agent: user_agent(file),
            robots: String::new(),
        },
        bucket,
    })
}

/// Reads a byte size: `"1048576"`, `"512KB"`, `"20 MiB"`. KB/MB/GB are powers of 1000,
/// KiB/MiB/GiB powers of 1024.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().map_err(|_| {
        "expected a number of bytes, optionally with a unit (KB, MiB...)".to_owned()
    })?;
    let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" | "k" => 1_000,
        "kib" => 1 << 10,
        "mb" | "m" => 1_000_000,
        "mib" => 1 << 20,
        "gb" | "g" => 1_000_000_000,
        "gib" => 1 << 30,
        other => {
            return Err(format!(
                "unknown unit {other:?} (use B, KB, KiB, MB, MiB, GB or GiB)"
            ));
        }
    };
    number
        .checked_mul(multiplier)
        .ok_or_else(|| "too large".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_decimal_and_binary_units() {
        assert_eq!(parse_size("1024"), Ok(1024));
        assert_eq!(parse_size("20MiB"), Ok(20 * 1024 * 1024));
        assert_eq!(parse_size("512 KB"), Ok(512_000));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("5 parsecs").is_err());
    }
}
