//! Where a WARC file lives: a path under the archive directory, or an object in an
//! S3-compatible bucket (`warc_url = "s3://bucket/prefix/"`).
//!
//! The index names each file by its path: relative for a local file, `s3://bucket/key` for an
//! object, so every reader (show, report, verify, export) finds the bytes from the index alone,
//! and an archive may hold both. The endpoint, region and credentials come from the standard
//! AWS variables (`AWS_ENDPOINT_URL`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`; `AWS_CA_BUNDLE` for an endpoint behind an
//! internal CA). Requests are signed (SigV4, `rusty-s3`) and
//! sent blocking (`ureq`): the archive writer and the readers are plain threads.
//!
//! An object is written once, whole, and never rewritten: the upload carries `Content-MD5`
//! (the server refuses a body that arrived damaged: S3 answers BadDigest) and
//! `If-None-Match: *` (a server that knows it refuses to replace an object). The answer's
//! `ETag` is not relied on: under SSE-KMS it is not the MD5.
//! Reads are ranged, straight to a record.

use rusty_s3::S3Action as _;
use std::io;
use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

/// How long a signed request stays valid: long enough for a slow upload to start.
const SIGNED_FOR: Duration = Duration::from_secs(15 * 60);

/// An S3-compatible bucket and the key prefix provcheck writes under.
#[derive(Debug, Clone)]
pub struct Bucket {
    s3: rusty_s3::Bucket,
    credentials: Option<rusty_s3::Credentials>,
    name: String,
    /// Ends with `/` unless empty.
    prefix: String,
}

/// A bad `warc_url`, or an AWS variable that cannot be used.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct BucketError(String);

impl Bucket {
    /// The bucket of `s3://bucket/prefix/`, reached through the endpoint of the AWS variables
    /// (`AWS_CA_BUNDLE` read here once, so that a bad one is a configuration error).
    pub fn from_url(url: &str) -> Result<Self, BucketError> {
        let bucket = Self::at(url)?;
        ca_bundle().map_err(BucketError)?;
        Ok(bucket)
    }

    /// [`Self::from_url`] without reading `AWS_CA_BUNDLE` (the client reads it when it is made).
    fn at(url: &str) -> Result<Self, BucketError> {
        let rest = url.strip_prefix("s3://").ok_or_else(|| {
            BucketError(format!(
                "{url}: not an s3:// URL (write s3://bucket/prefix/)"
            ))
        })?;
        let (name, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if name.is_empty() {
            return Err(BucketError(format!("{url}: no bucket name")));
        }
        let prefix = prefix.trim_matches('/');
        let prefix = if prefix.is_empty() {
            String::new()
        } else {
            format!("{prefix}/")
        };
        let var = |name: &str| {
            std::env::var(name)
                .ok()
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let region = var("AWS_REGION")
            .or_else(|| var("AWS_DEFAULT_REGION"))
            .unwrap_or_else(|| "us-east-1".to_owned());
        // A named endpoint (MinIO, SeaweedFS, Ceph, R2, ...) is addressed by path; AWS itself
        // by virtual host.
        let (endpoint, style) = match var("AWS_ENDPOINT_URL_S3").or_else(|| var("AWS_ENDPOINT_URL"))
        {
            Some(endpoint) => (endpoint, rusty_s3::UrlStyle::Path),
            None => (
                format!("https://s3.{region}.amazonaws.com"),
                rusty_s3::UrlStyle::VirtualHost,
            ),
        };
        let endpoint: url::Url = endpoint
            .parse()
            .map_err(|e| BucketError(format!("AWS_ENDPOINT_URL {endpoint}: {e}")))?;
        let bucket = rusty_s3::Bucket::new(endpoint.clone(), style, name.to_owned(), region)
            .map_err(|e| BucketError(format!("{url} at {endpoint}: {e}")))?;
        Ok(Self {
            s3: bucket,
            credentials: rusty_s3::Credentials::from_env(),
            name: name.to_owned(),
            prefix,
        })
    }

    /// The URL the index keeps for the object of `rel` (a path like the local ones).
    #[must_use]
    pub fn url_of(&self, rel: &str) -> String {
        format!("s3://{}/{}", self.name, self.key_of(rel))
    }

    fn key_of(&self, rel: &str) -> String {
        format!("{}{}", self.prefix, rel.trim_start_matches("warc/"))
    }

    /// Uploads the first `size` bytes of the local file `path` as the new object of `rel`, and
    /// returns its URL once the server has acknowledged it whole. An object already there is
    /// never replaced. The file is read twice (its MD5 first), never held in memory.
    pub fn put_new(&self, rel: &str, path: &Path, size: u64) -> io::Result<String> {
        use io::Read as _;
        use md5::Digest as _;
        let url = self.url_of(rel);
        let key = self.key_of(rel);
        let mut hasher = md5::Md5::new();
        let copied = io::copy(
            &mut std::fs::File::open(path)?.take(size),
            &mut DigestWriter(&mut hasher),
        )?;
        if copied != size {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("{} ends at byte {copied}, not {size}", path.display()),
            ));
        }
        let md5 = hasher.finalize();
        let md5_b64 = data_encoding::BASE64.encode(&md5);
        // Only a server that knows `If-None-Match` on PUT refuses to replace an object; one
        // that answers it with 501 gets the upload again without it (the key is the writer's
        // own: its time, pid and serial).
        let mut conditional = true;
        loop {
            let mut action = self.s3.put_object(self.credentials.as_ref(), &key);
            action.headers_mut().insert("content-md5", md5_b64.clone());
            if conditional {
                action.headers_mut().insert("if-none-match", "*");
            }
            let signed = action.sign(SIGNED_FOR);
            let mut request = agent()?
                .put(signed.as_str())
                .header("content-md5", &md5_b64)
                .header("content-length", &size.to_string());
            if conditional {
                request = request.header("if-none-match", "*");
            }
            let mut body = std::fs::File::open(path)?.take(size);
            let response = request
                .send(ureq::SendBody::from_reader(&mut body))
                .map_err(|e| failed(&url, "upload", &e))?;
            let status = response.status().as_u16();
            if status == 501 && conditional {
                conditional = false;
                continue;
            }
            if !(200..300).contains(&status) {
                return Err(refused(&url, "upload", response));
            }
            break;
        }
        Ok(url)
    }
}

/// Feeds what is written to a digest.
struct DigestWriter<'a, D>(&'a mut D);

impl<D: md5::Digest> io::Write for DigestWriter<'_, D> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The certificates of `AWS_CA_BUNDLE` (a PEM file, as the AWS tools read it): the only roots
/// an HTTPS endpoint is checked against when it is set (an object store behind an internal CA).
fn ca_bundle() -> Result<Option<Vec<ureq::tls::Certificate<'static>>>, String> {
    let Some(path) = std::env::var_os("AWS_CA_BUNDLE").filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let shown = Path::new(&path).display().to_string();
    let pem = std::fs::read(&path).map_err(|e| format!("AWS_CA_BUNDLE {shown}: {e}"))?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(ureq::tls::PemItem::Certificate(cert)) => certs.push(cert),
            Ok(_) => {}
            Err(e) => return Err(format!("AWS_CA_BUNDLE {shown}: {e}")),
        }
    }
    if certs.is_empty() {
        return Err(format!("AWS_CA_BUNDLE {shown}: no PEM certificate in it"));
    }
    Ok(Some(certs))
}

/// The HTTP client of every object request: one per process, its connections reused.
fn agent() -> io::Result<&'static ureq::Agent> {
    static AGENT: OnceLock<Result<ureq::Agent, String>> = OnceLock::new();
    AGENT
        .get_or_init(|| {
            let roots = match ca_bundle()? {
                Some(certs) => ureq::tls::RootCerts::new_with_certs(&certs),
                None => ureq::tls::RootCerts::PlatformVerifier,
            };
            Ok(ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_connect(Some(Duration::from_secs(10)))
                .timeout_recv_response(Some(Duration::from_secs(120)))
                .timeout_per_read(Some(Duration::from_secs(60)))
                .tls_config(ureq::tls::TlsConfig::builder().root_certs(roots).build())
                .user_agent(format!("provcheck/{}", env!("CARGO_PKG_VERSION")))
                .build()
                .new_agent())
        })
        .as_ref()
        .map_err(|e| io::Error::other(e.clone()))
}

fn failed(url: &str, what: &str, error: &ureq::Error) -> io::Error {
    io::Error::other(format!("{url}: {what} failed: {error}"))
}

/// An error answer, with the start of the server's message (S3 explains in XML).
fn refused(url: &str, what: &str, mut response: ureq::http::Response<ureq::Body>) -> io::Error {
    let status = response.status();
    let body = response
        .body_mut()
        .with_config()
        .limit(4096)
        .read_to_string()
        .unwrap_or_default();
    let code = body
        .split_once("<Code>")
        .and_then(|(_, rest)| rest.split_once("</Code>"))
        .map(|(code, _)| format!(" ({code})"))
        .unwrap_or_default();
    let kind = if status.as_u16() == 404 {
        io::ErrorKind::NotFound
    } else {
        io::ErrorKind::Other
    };
    io::Error::new(kind, format!("{url}: {what} refused: HTTP {status}{code}"))
}

/// An object named by the index (`s3://bucket/key`).
#[derive(Debug, Clone)]
pub struct Object {
    bucket: Bucket,
    key: String,
    url: String,
}

impl Object {
    /// The object of `url`, in the bucket the AWS variables reach.
    pub fn of(url: &str) -> io::Result<Self> {
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| io::Error::other(format!("{url}: not an s3:// URL")))?;
        let (name, key) = rest
            .split_once('/')
            .ok_or_else(|| io::Error::other(format!("{url}: no key")))?;
        // Once per file a reader opens: the CA bundle is the client's business, read once.
        let bucket =
            Bucket::at(&format!("s3://{name}/")).map_err(|e| io::Error::other(e.to_string()))?;
        Ok(Self {
            bucket,
            key: key.to_owned(),
            url: url.to_owned(),
        })
    }

    /// The object's size (a `HEAD` request).
    pub fn size(&self) -> io::Result<u64> {
        let signed = self
            .bucket
            .s3
            .head_object(self.bucket.credentials.as_ref(), &self.key)
            .sign(SIGNED_FOR);
        let response = agent()?
            .head(signed.as_str())
            .call()
            .map_err(|e| failed(&self.url, "HEAD", &e))?;
        if response.status().as_u16() != 200 {
            return Err(refused(&self.url, "HEAD", response));
        }
        response
            .headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| io::Error::other(format!("{}: no Content-Length", self.url)))
    }

    /// Reads `buf.len()` bytes at `offset` (a ranged `GET`).
    pub fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        if buf.is_empty() {
            return Ok(());
        }
        let signed = self
            .bucket
            .s3
            .get_object(self.bucket.credentials.as_ref(), &self.key)
            .sign(SIGNED_FOR);
        let last = offset + buf.len() as u64 - 1;
        let mut response = agent()?
            .get(signed.as_str())
            .header("range", &format!("bytes={offset}-{last}"))
            .call()
            .map_err(|e| failed(&self.url, "read", &e))?;
        if response.status().as_u16() != 206 {
            return Err(refused(&self.url, "ranged read", response));
        }
        let mut reader = response.body_mut().as_reader();
        io::Read::read_exact(&mut reader, buf).map_err(|e| {
            io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("{}: bytes {offset}-{last}: {e}", self.url),
            )
        })
    }
}

/// A WARC file as the index names it, open for reading records at their offsets.
pub enum WarcSource {
    Local(std::fs::File),
    Object { object: Box<Object>, len: u64 },
}

impl WarcSource {
    /// Opens `path`: an `s3://` URL, or a path relative to the archive directory `root`.
    pub fn open(root: &Path, path: &str) -> io::Result<Self> {
        if path.starts_with("s3://") {
            let object = Object::of(path)?;
            let len = object.size()?;
            Ok(Self::Object {
                object: Box::new(object),
                len,
            })
        } else {
            std::fs::File::open(root.join(path)).map(Self::Local)
        }
    }

    /// The file's size in bytes.
    #[must_use]
    pub fn len(&self) -> u64 {
        match self {
            Self::Local(file) => file.metadata().map_or(0, |m| m.len()),
            Self::Object { len, .. } => *len,
        }
    }

    /// Whether the file holds nothing.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reads `buf.len()` bytes at `offset`.
    pub fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        match self {
            Self::Local(file) => std::os::unix::fs::FileExt::read_exact_at(file, buf, offset),
            Self::Object { object, .. } => object.read_exact_at(buf, offset),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_warc_url_names_a_bucket_and_a_prefix() {
        let bucket = Bucket::from_url("s3://evidence/provcheck").unwrap();
        assert_eq!(
            bucket.url_of("warc/2026/11/a.warc.gz"),
            "s3://evidence/provcheck/2026/11/a.warc.gz"
        );
        let bare = Bucket::from_url("s3://evidence").unwrap();
        assert_eq!(bare.url_of("warc/x.warc.gz"), "s3://evidence/x.warc.gz");
        for bad in ["s3://", "s3:///prefix", "http://evidence/", "evidence"] {
            assert!(Bucket::from_url(bad).is_err(), "{bad}");
        }
        let object = Object::of("s3://evidence/provcheck/2026/11/a.warc.gz").unwrap();
        assert_eq!(object.key, "provcheck/2026/11/a.warc.gz");
    }
}
