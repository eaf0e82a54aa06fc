//! robots.txt parsing and matching.
#![no_main]

use libfuzzer_sys::fuzz_target;
use provcheck::robots::Robots;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let robots = Robots::parse(&text, "provcheck");
    for path in ["/", "/a/b.pdf", "/private/x?y=1", "/*$", ""] {
        let _ = robots.allowed(path);
    }
    // Paths from the input itself: each line as a path.
    for line in text.lines().take(16) {
        let _ = robots.allowed(line);
    }
});
