//! The linear HTML scans that guard the DOM parsers.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let html = String::from_utf8_lossy(data);
    let shape = provcheck::htmlscan::shape(&html);
    assert!(shape.depth <= shape.tags);
    let text = provcheck::htmlscan::plain_text(&html);
    // Tags only disappear and references only shrink: the text is never longer than the page
    // (line breaks for block elements stand in for at least a `<p>`).
    assert!(
        text.len() <= html.len() + 1,
        "{} > {}",
        text.len(),
        html.len()
    );
    // Every link tag's value starts inside the page, in source order.
    let tags = provcheck::htmlscan::link_tags(&html);
    assert!(tags.windows(2).all(|w| w[0].offset < w[1].offset));
    assert!(tags.iter().all(|t| t.offset <= html.len() && html.is_char_boundary(t.offset)));
});
