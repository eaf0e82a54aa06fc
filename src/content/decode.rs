//! From a payload as delivered to text: undo the `Content-Encoding` (with an output bound, so a
//! decompression bomb stops there) and the charset (BOM, then the `Content-Type` header, then a
//! `<meta>` tag, else UTF-8), via encoding_rs.

use std::io::Read;

/// Why a payload could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("content-encoding {0:?} is not supported")]
    Unsupported(String),
    #[error("cannot decode {encoding}: {detail}")]
    Corrupt { encoding: String, detail: String },
}

/// The payload decoded from `content_encoding` (gzip, x-gzip, deflate, identity), at most `limit`
/// bytes of output. The second value is true when the output was cut at the limit.
pub fn decode_content(
    content_encoding: Option<&str>,
    payload: &[u8],
    limit: u64,
) -> Result<(Vec<u8>, bool), DecodeError> {
    let encoding = content_encoding.unwrap_or("").trim().to_ascii_lowercase();
    let mut out = Vec::new();
    // One byte past the limit tells whether there was more.
    let take = limit.saturating_add(1);
    let result = match encoding.as_str() {
        "" | "identity" => {
            let cut = payload.len() as u64 > limit;
            let keep = usize::try_from(limit)
                .unwrap_or(usize::MAX)
                .min(payload.len());
            return Ok((payload[..keep].to_vec(), cut));
        }
        "gzip" | "x-gzip" => flate2::read::MultiGzDecoder::new(payload)
            .take(take)
            .read_to_end(&mut out),
        "deflate" => flate2::read::ZlibDecoder::new(payload)
            .take(take)
            .read_to_end(&mut out)
            .or_else(|_| {
                out.clear();
                flate2::read::DeflateDecoder::new(payload)
                    .take(take)
                    .read_to_end(&mut out)
            }),
        other => return Err(DecodeError::Unsupported(other.to_owned())),
    };
    if let Err(e) = result {
        // A body cut at the size cap ends mid-stream: keep what decoded.
        if out.is_empty() {
            return Err(DecodeError::Corrupt {
                encoding,
                detail: e.to_string(),
            });
        }
    }
    let cut = out.len() as u64 > limit;
    out.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok((out, cut))
}

/// Text from bytes: a BOM wins, then the `charset` of `content_type`, then a `<meta charset>`
/// or `<meta http-equiv=content-type>` in the first 2 KB (for HTML), else UTF-8. Undecodable
/// bytes become U+FFFD.
#[must_use]
pub fn to_text(bytes: &[u8], content_type: Option<&str>) -> String {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        return encoding
            .decode_without_bom_handling(&bytes[bom..])
            .0
            .into_owned();
    }
    let declared = content_type
        .and_then(charset_param)
        .or_else(|| meta_charset(&bytes[..bytes.len().min(4096)]));
    let encoding = declared
        .and_then(|label| encoding_rs::Encoding::for_label(label.as_bytes()))
        .unwrap_or(encoding_rs::UTF_8);
    encoding.decode_without_bom_handling(bytes).0.into_owned()
}

fn charset_param(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches(['"', '\'']).to_owned())
    })
}

/// The charset a `<meta>` tag declares (`<meta charset=...>` or `<meta http-equiv=...
/// content="text/html; charset=...">`), looking only inside `<meta>` tags: a `<script
/// charset="utf-8">` before them (a Wayback Machine banner has one) says nothing of the page.
fn meta_charset(head: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("<meta") {
        let tag = &rest[at..];
        let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
        if let Some(c) = tag.find("charset=") {
            let value: String = tag[c + "charset=".len()..]
                .trim_start_matches(['"', '\'', ' '])
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
                .collect();
            if !value.is_empty() {
                return Some(value);
            }
        }
        rest = &rest[at + "<meta".len()..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_meta_tag_declares_the_charset() {
        let page = "<html><head><script src=\"/banner.js\" charset=\"utf-8\"></script>\
                    <meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\">";
        assert_eq!(meta_charset(page.as_bytes()).as_deref(), Some("gb2312"));
        assert_eq!(
            meta_charset(b"<meta charset='windows-1252'><title>x</title>").as_deref(),
            Some("windows-1252")
        );
        assert_eq!(meta_charset(b"<p>charset=utf-8 is text</p>"), None);
        let gbk = encoding_rs::GBK
            .encode("\u{4e00}\u{4e2a}\u{7ea6}\u{5b9a}")
            .0;
        let mut bytes = page.as_bytes().to_vec();
        bytes.extend_from_slice(&gbk);
        assert!(to_text(&bytes, Some("text/html")).ends_with("\u{4e00}\u{4e2a}\u{7ea6}\u{5b9a}"));
    }

    #[test]
    fn a_gzip_bomb_stops_at_the_limit() {
        // 64 MiB of zeros compresses to about 64 KiB.
        let bomb = crate::warc::gzip_member(&vec![0u8; 64 << 20], 9);
        assert!(bomb.len() < 200_000);
        let (out, cut) = decode_content(Some("gzip"), &bomb, 1 << 20).unwrap();
        assert_eq!(out.len(), 1 << 20);
        assert!(cut);
    }

    #[test]
    fn identity_deflate_and_unknown_encodings() {
        assert_eq!(
            decode_content(None, b"abc", 10).unwrap(),
            (b"abc".to_vec(), false)
        );
        assert_eq!(
            decode_content(Some("identity"), b"abcdef", 3).unwrap(),
            (b"abc".to_vec(), true)
        );
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut z, b"hello").unwrap();
        assert_eq!(
            decode_content(Some("deflate"), &z.finish().unwrap(), 10)
                .unwrap()
                .0,
            b"hello"
        );
        assert!(matches!(
            decode_content(Some("br"), b"x", 10),
            Err(DecodeError::Unsupported(_))
        ));
    }

    #[test]
    fn charsets_come_from_bom_header_or_meta() {
        assert_eq!(
            to_text(b"caf\xe9", Some("text/html; charset=ISO-8859-1")),
            "café"
        );
        assert_eq!(
            to_text(b"<meta charset=\"windows-1252\"><p>\x93hi\x94", None),
            "<meta charset=\"windows-1252\"><p>\u{201c}hi\u{201d}"
        );
        assert_eq!(
            to_text(
                b"\xef\xbb\xbfcaf\xc3\xa9",
                Some("text/html; charset=latin1")
            ),
            "café"
        );
        assert_eq!(to_text("café".as_bytes(), None), "café");
    }
}
