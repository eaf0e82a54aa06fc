//! URL normalization: one spelling per URL, and normalizing twice changes nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use provcheck::citation::Target;
use provcheck::normalize::normalize;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let base = url::Url::parse("https://desk.example/2026/story").ok();
    for base in [None, base.as_ref()] {
        if let Target::Fetchable(url) = normalize(&text, base) {
            match normalize(url.as_str(), None) {
                Target::Fetchable(again) => assert_eq!(url, again, "normalizing twice moved it"),
                other => panic!("{url} normalized to {other:?}"),
            }
        }
    }
});
