//! A fetched page's judgement input: decoding, main text, title and heading.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = provcheck::content::extract(
        Some("text/html; charset=utf-8"),
        None,
        data,
        Some("https://news.example/a"),
    );
    let text = String::from_utf8_lossy(data);
    let _ = provcheck::content::cues::title_and_heading(&text);
    let _ = provcheck::content::cues::og_title(&text);
});
