//! RFC 3161 time-stamps of the chain of run manifests (pure): the request a time-stamp authority
//! (config `tsa_url`) is sent for a manifest's SHA-256, and what is read back from its reply.
//!
//! The reply is kept whole in the index (a DER `TimeStampResp`); `verify --chain` checks that
//! it was granted and that its token is for that very hash, and reads its time. The TSA's
//! signature is checked by the standard tool: `openssl ts -verify -in TOKEN -digest HASH -CAfile
//! TSA.pem` (README, "verify").

/// A `TimeStampReq` (RFC 3161 §2.4.1) for a SHA-256 `hash`, with `nonce`, asking for the TSA's
/// certificate in the token.
#[must_use]
pub fn request(hash: &[u8; 32], nonce: u64) -> Vec<u8> {
    // The nonce as a positive DER INTEGER: its top bit cleared, and never a leading zero byte.
    let mut nonce_bytes = nonce.to_be_bytes();
    nonce_bytes[0] = (nonce_bytes[0] & 0x7f) | 0x01;
    let mut body = vec![0x02, 0x01, 0x01]; // version 1
    // messageImprint: SEQUENCE { AlgorithmIdentifier { sha256, NULL }, OCTET STRING hash }
    body.extend_from_slice(&[
        0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
        0x05, 0x00, 0x04, 0x20,
    ]);
    body.extend_from_slice(hash);
    body.extend_from_slice(&[0x02, 0x08]);
    body.extend_from_slice(&nonce_bytes);
    body.extend_from_slice(&[0x01, 0x01, 0xff]); // certReq TRUE
    let mut out = vec![0x30, u8::try_from(body.len()).unwrap_or(0x7f)];
    out.extend_from_slice(&body);
    out
}

/// What a granted reply says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    /// The TSA's time (`genTime`), as written: `YYYYMMDDHHMMSS[.f]Z`.
    pub time: String,
}

/// Reads a `TimeStampResp` (RFC 3161 §2.4.2): its status must be granted (0) or granted with
/// modifications (1), and its token must carry `hash` as the message imprint; the time is the
/// token's `genTime` (the first GeneralizedTime after the imprint).
pub fn read_reply(der: &[u8], hash: &[u8; 32]) -> Result<Stamp, String> {
    // SEQUENCE { PKIStatusInfo SEQUENCE { status INTEGER, ... }, token ContentInfo }
    let (_, outer) = tlv(der, 0, 0x30).ok_or("not a time-stamp reply")?;
    let (_, status_info) = tlv(der, outer.start, 0x30).ok_or("no status in the reply")?;
    let (_, status) = tlv(der, status_info.start, 0x02).ok_or("no status in the reply")?;
    match &der[status] {
        [0 | 1] => {}
        other => {
            return Err(format!(
                "the time-stamp authority refused: status {other:?}"
            ));
        }
    }
    let mut imprint = vec![0x04, 0x20];
    imprint.extend_from_slice(hash);
    let at = der
        .windows(imprint.len())
        .position(|w| w == imprint.as_slice())
        .ok_or("the token is not for this manifest's hash")?;
    let after = at + imprint.len();
    let time_at = der[after..]
        .iter()
        .position(|&b| b == 0x18)
        .map(|p| after + p)
        .ok_or("no time in the token")?;
    let (_, time) = tlv(der, time_at, 0x18).ok_or("no time in the token")?;
    let time = std::str::from_utf8(&der[time])
        .ok()
        .filter(|t| {
            t.len() >= 15 && t.ends_with('Z') && t[..14].bytes().all(|b| b.is_ascii_digit())
        })
        .ok_or("a malformed time in the token")?;
    Ok(Stamp {
        time: time.to_owned(),
    })
}

/// The DER element with `tag` at `at`: (its whole range, its content's range).
fn tlv(der: &[u8], at: usize, tag: u8) -> Option<(std::ops::Range<usize>, std::ops::Range<usize>)> {
    if *der.get(at)? != tag {
        return None;
    }
    let first = *der.get(at + 1)?;
    let (len, header) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | usize::from(*der.get(at + 2 + i)?);
        }
        (len, 2 + n)
    };
    let start = at + header;
    let end = start.checked_add(len)?;
    (end <= der.len()).then_some((at..end, start..end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_is_the_der_openssl_writes() {
        let hash = [7u8; 32];
        let req = request(&hash, 0xAC3C_9008_E8A1_7D9E);
        assert_eq!(req.len(), 2 + 0x43);
        assert_eq!(&req[..5], &[0x30, 0x43, 0x02, 0x01, 0x01]);
        assert_eq!(&req[24..56], &hash);
        assert_eq!(&req[56..58], &[0x02, 0x08]);
        assert!(req[58] & 0x80 == 0 && req[58] != 0, "a positive nonce");
        assert_eq!(&req[req.len() - 3..], &[0x01, 0x01, 0xff]);
    }

    #[test]
    fn replies_are_read_and_checked() {
        let hash = [9u8; 32];
        // A minimal granted reply: status 0, then a "token" holding the imprint and a time.
        let mut token = vec![0x04, 0x20];
        token.extend_from_slice(&hash);
        token.extend_from_slice(&[0x02, 0x01, 0x05, 0x18, 0x0f]);
        token.extend_from_slice(b"20261130074503Z");
        let mut inner = vec![
            0x30,
            0x03,
            0x02,
            0x01,
            0x00,
            0x30,
            u8::try_from(token.len()).unwrap(),
        ];
        inner.extend_from_slice(&token);
        let mut reply = vec![0x30, u8::try_from(inner.len()).unwrap()];
        reply.extend_from_slice(&inner);
        assert_eq!(read_reply(&reply, &hash).unwrap().time, "20261130074503Z");
        assert!(
            read_reply(&reply, &[1u8; 32])
                .unwrap_err()
                .contains("not for this")
        );
        let mut refused = reply.clone();
        refused[6] = 2;
        assert!(read_reply(&refused, &hash).unwrap_err().contains("refused"));
        assert!(read_reply(b"\x30\x05garbage", &hash).is_err());
        assert!(read_reply(b"", &hash).is_err());
    }
}
