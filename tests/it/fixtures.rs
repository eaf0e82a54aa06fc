//! Pages for the tests that need sources with real text: the sweep's and the reports'.

/// Four paragraphs of a wire story: enough words for change grading to tell edits from rewrites.
pub const TEXT: [&str; 4] = [
    "The minister said on Tuesday that talks with regional partners would resume after the summit, officials confirmed.",
    "A delegation arrived in the capital, where negotiations over trade, tariffs and energy supplies continued late into the night.",
    "Analysts cautioned that any agreement would depend on parliament approving the budget before the end of the month.",
    "Opposition leaders demanded an inquiry into the handling of the crisis and called for the minister to testify.",
];

/// The paragraph an edit puts in place of `TEXT[2]`: same story, one claim changed.
pub const EDIT: &str = "Economists warned that the deal could still collapse without a parliamentary vote on spending.";

/// `TEXT` with its third paragraph edited.
pub fn edited() -> [&'static str; 4] {
    let mut t = TEXT;
    t[2] = EDIT;
    t
}

/// An article page: `title` in `<title>`, the paragraphs in `<article>`; a `<` in either is
/// escaped, so hostile text arrives as text.
pub fn page(title: &str, paragraphs: &[&str]) -> String {
    let body: String = paragraphs
        .iter()
        .map(|p| format!("<p>{}</p>", p.replace('<', "&lt;")))
        .collect();
    format!(
        "<html><head><title>{}</title></head><body><main><article><h1>Story</h1>{body}</article></main></body></html>",
        title.replace('<', "&lt;")
    )
}

/// A page titled "Story".
pub fn article(paragraphs: &[&str]) -> String {
    page("Story", paragraphs)
}
