//! Content-encoding and charset decoding: bounded output whatever the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use provcheck::content::decode::{decode_content, to_text};

const LIMIT: u64 = 1 << 20;

fuzz_target!(|data: &[u8]| {
    let Some((&which, payload)) = data.split_first() else {
        return;
    };
    let encoding = [
        "gzip",
        "x-gzip",
        "deflate",
        "identity",
        "br",
        "gzip, deflate",
        "",
    ][usize::from(which) % 7];
    if let Ok((bytes, _)) = decode_content(Some(encoding), payload, LIMIT) {
        assert!(bytes.len() as u64 <= LIMIT);
        let content_type = [
            "text/html; charset=shift_jis",
            "text/html",
            "text/plain; charset=utf-16",
        ][usize::from(which >> 4) % 3];
        let _ = to_text(&bytes, Some(content_type));
    }
});
