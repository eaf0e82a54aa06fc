//! WARC record parsing (what verify and show read back): never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(record) = provcheck::warc::parse_record(data) {
        let _ = record.http_parts();
        let _ = record.field("warc-target-uri");
    }
});
