//! Citation extraction from an article in each format: never a panic, positions in range.
#![no_main]

use libfuzzer_sys::fuzz_target;
use provcheck::citation::ArticleId;
use provcheck::extract::{ArticleFormat, extract};

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let format = match which % 3 {
        0 => ArticleFormat::Text,
        1 => ArticleFormat::Markdown,
        _ => ArticleFormat::Html,
    };
    let text = String::from_utf8_lossy(rest);
    let base = url::Url::parse("https://desk.example/2026/story").ok();
    let extraction = extract(&ArticleId::new("fuzz"), format, &text, base.as_ref());
    let lines = u32::try_from(text.lines().count() + 1).unwrap_or(u32::MAX);
    for c in &extraction.citations {
        assert!(c.line >= 1 && c.line <= lines, "line {} of {lines}", c.line);
        assert!(c.column >= 1);
    }
});
