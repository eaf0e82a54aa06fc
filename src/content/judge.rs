//! Judging a capture against each citation's reference and the previous capture.
//!
//! This module decides; the archive stores. The archive's writer calls [`judge`] inside its
//! transaction with a [`JudgeStore`] it implements over its index and WARC files
//! (`archive::judging`), so the same judgement runs on a fresh capture, a 304 and a reader's
//! request without this module knowing SQL. Texts are extracted only when a comparison needs
//! them (the payload digests differ) and kept in the store's text cache; a reference's text is
//! read back from its record.

use super::similarity::{Change, Thresholds, grade};
use super::soft404::Evidence;
use super::{ContentKind, Extracted};

/// How one check of a URL compares, for one citation of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Judgement {
    pub article: String,
    /// Against the citation's reference: `None` when this capture became the reference, or when
    /// there is nothing to compare (no successful answer).
    pub change_vs_reference: Option<Change>,
    pub similarity_reference: Option<f64>,
    pub change_vs_previous: Option<Change>,
    pub similarity_previous: Option<f64>,
    /// When the reference was captured.
    pub reference_at: Option<String>,
    /// Whether the payloads could only be compared by digest (PDFs, images...).
    pub digest_only: bool,
    /// The headline (the page's first `<h1>`) of the reference and of this capture, when it
    /// was rewritten: the text may be the same, the headline is compared on its own.
    pub headline_vs_reference: Option<Headline>,
    /// A correction, clarification or editor's note the source added since the reference.
    pub correction_vs_reference: Option<String>,
    /// The citation's quotations, checked against this capture (and, when not found here,
    /// against its reference).
    pub quotes: Vec<crate::quote::QuoteResult>,
    /// A quotation found in the reference and the previous capture that this one lacks: the
    /// paragraph it was in (news).
    pub quote_removed: Option<String>,
}

/// A rewritten headline: what the reference said and what the page says now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Headline {
    pub before: String,
    pub after: String,
}

/// The capture being judged.
pub struct Judged<'a> {
    pub url_id: i64,
    pub check_id: i64,
    pub snapshot_id: i64,
    pub payload_sha256: &'a str,
    /// A 304 to a conditional request: judged as the capture it validated.
    pub not_modified: bool,
    /// The check was fine (ok or redirected) and its body complete (not cut at the size cap,
    /// the deadline or a dropped connection): only such a capture may become a reference.
    pub fine_and_complete: bool,
    /// The payload as delivered, with its `Content-Type` and `Content-Encoding`.
    pub payload: &'a [u8],
    pub content_type: Option<&'a str>,
    pub content_encoding: Option<&'a str>,
    pub url: &'a str,
}

/// A citation of the judged URL, as the store has it.
#[derive(Debug, Clone)]
pub struct CitationRef {
    pub id: i64,
    pub article: String,
    pub reference: Option<i64>,
    /// The passages the article quotes from the source.
    pub quotes: Vec<String>,
}

/// One judgement row, as the store writes it.
#[derive(Debug, Clone, Copy)]
pub struct JudgementRow<'a> {
    pub citation_id: i64,
    pub check_id: i64,
    pub reference: Option<i64>,
    pub vs_reference: Option<(&'a str, f64)>,
    pub previous: Option<i64>,
    pub vs_previous: Option<(&'a str, f64)>,
    /// A correction this capture has and the previous one did not (news).
    pub correction: Option<&'a str>,
    /// The quotations checked against this capture (JSON), when the citation has any.
    pub quotes: Option<&'a str>,
    /// A quotation this capture lost (news): the paragraph it was in.
    pub quote_removed: Option<&'a str>,
}

/// A snapshot's identity: its payload digest and its URL.
#[derive(Debug, Clone)]
pub struct SnapshotId {
    pub payload_sha256: String,
    pub url: String,
}

/// What judgement reads from and writes to the archive. Snapshots, checks and citations are
/// named by their index ids.
pub trait JudgeStore {
    type Error;
    /// The citations of the URL still in their articles.
    fn citations_of(&mut self, url_id: i64) -> Result<Vec<CitationRef>, Self::Error>;
    /// The snapshot of the URL's latest successful check (2xx or 304) before `check_id`.
    fn previous_success(&mut self, url_id: i64, check_id: i64) -> Result<Option<i64>, Self::Error>;
    /// Makes `snapshot` the citation's reference (`None`: it has none).
    fn set_reference(&mut self, citation_id: i64, snapshot: Option<i64>)
    -> Result<(), Self::Error>;
    fn snapshot(&mut self, snapshot: i64) -> Result<SnapshotId, Self::Error>;
    fn captured_at(&mut self, snapshot: i64) -> Result<String, Self::Error>;
    /// The reference and the grade against it of the citation's latest judgement.
    #[allow(clippy::type_complexity)] // (reference, grade): a pair read back as written
    fn last_judgement(
        &mut self,
        citation_id: i64,
    ) -> Result<Option<(Option<i64>, Option<String>)>, Self::Error>;
    fn insert_judgement(&mut self, row: &JudgementRow<'_>) -> Result<(), Self::Error>;
    /// The text cache, by payload digest.
    fn cached_text(&mut self, payload_sha256: &str) -> Result<Option<Extracted>, Self::Error>;
    /// The cached title: `Some(None)` when the cached text has none, `None` when not cached.
    fn cached_title(&mut self, payload_sha256: &str)
    -> Result<Option<Option<String>>, Self::Error>;
    fn store_text(&mut self, payload_sha256: &str, text: &Extracted) -> Result<(), Self::Error>;
    /// The HTTP head (as text) and payload of the record holding a snapshot's payload (the
    /// original of a revisit); `None` when the record cannot be read.
    fn http_parts(&mut self, snapshot: i64) -> Result<Option<(String, Vec<u8>)>, Self::Error>;
}

/// What judging a capture found: a judgement per citation, and, when the page turned from the
/// cited article into a short not-found page, that evidence (the capture is then a soft-404).
#[derive(Debug, Clone, Default)]
pub struct Judging {
    pub judgements: Vec<Judgement>,
    pub missing: Option<Evidence>,
}

/// Grades the capture for every citation of its URL, makes it the reference of those that have
/// none, and writes a judgement row where it says something new.
pub fn judge<S: JudgeStore>(
    store: &mut S,
    judged: &Judged<'_>,
    thresholds: Thresholds,
) -> Result<Judging, S::Error> {
    let mut missing = None;
    let mut newly_referenced = Vec::new();
    let citations = store.citations_of(judged.url_id)?;
    let previous = store.previous_success(judged.url_id, judged.check_id)?;
    let mut own_text = OwnText::Unread;
    let mut out = Vec::with_capacity(citations.len());
    for CitationRef {
        id: citation_id,
        article,
        reference,
        quotes,
    } in citations
    {
        if reference.is_none() && judged.fine_and_complete {
            // The first fine and complete capture for this citation becomes its reference.
            store.set_reference(citation_id, Some(judged.snapshot_id))?;
            newly_referenced.push(citation_id);
        }
        let (vs_reference, headline, correction_vs_reference) = match reference {
            Some(r) => {
                let c = compare(store, judged, &mut own_text, r, thresholds)?;
                if missing.is_none() {
                    missing = c.missing;
                }
                (
                    Some((c.change, c.similarity, c.digest_only)),
                    c.headline,
                    c.correction,
                )
            }
            None => (None, None, None),
        };
        let (vs_previous, correction) = match previous {
            Some(p) => {
                let c = compare(store, judged, &mut own_text, p, thresholds)?;
                (Some((c.change, c.similarity, c.digest_only)), c.correction)
            }
            None => (None, None),
        };
        let reference_at = match reference {
            Some(r) => Some(store.captured_at(r)?),
            None => None,
        };
        let (quotes, quote_removed) = if quotes.is_empty() {
            (Vec::new(), None)
        } else {
            check_quotes(store, judged, &mut own_text, reference, previous, &quotes)?
        };
        let quotes_json = (!quotes.is_empty())
            .then(|| serde_json::to_string(&quotes).ok())
            .flatten();
        // A 304 says the same as the citation's last judgement unless the reference moved (a
        // rebaseline) or the grade did: readers carry the last one forward (see
        // `CarryForward`), so the unchanged nightly re-check writes nothing here.
        let repeats = judged.not_modified
            && quote_removed.is_none()
            && vs_previous.is_none_or(|v| v.0 == Change::Unchanged)
            && store
                .last_judgement(citation_id)?
                .is_some_and(|(r, change)| {
                    let now = vs_reference.map(|v| v.0.as_str());
                    (r == reference && change.as_deref() == now)
                    // The last one was the citation's first capture (no reference yet): a
                    // 304 since is unchanged against it, and read so.
                    || (r.is_none() && change.is_none() && now == Some("unchanged"))
                });
        if !repeats {
            store.insert_judgement(&JudgementRow {
                citation_id,
                check_id: judged.check_id,
                reference,
                vs_reference: vs_reference.map(|v| (v.0.as_str(), v.1)),
                previous,
                vs_previous: vs_previous.map(|v| (v.0.as_str(), v.1)),
                correction: correction.as_deref(),
                quotes: quotes_json.as_deref(),
                quote_removed: quote_removed.as_deref(),
            })?;
        }
        out.push(Judgement {
            article,
            change_vs_reference: vs_reference.map(|v| v.0),
            similarity_reference: vs_reference.map(|v| v.1),
            change_vs_previous: vs_previous.map(|v| v.0),
            similarity_previous: vs_previous.map(|v| v.1),
            reference_at,
            digest_only: vs_reference.is_some_and(|v| v.2) || vs_previous.is_some_and(|v| v.2),
            headline_vs_reference: headline,
            correction_vs_reference,
            quotes,
            quote_removed,
        });
    }
    if missing.is_some() {
        // A not-found page is never a reference, for a citation that had none either.
        for citation_id in newly_referenced {
            store.set_reference(citation_id, None)?;
        }
    }
    Ok(Judging {
        judgements: out,
        missing,
    })
}

/// The citation's quotations against the judged capture; those not found verbatim against
/// its reference too; and a quotation the reference and the previous capture had that this one
/// lacks (the paragraph it was in). Nothing for a capture without text (a PDF, an image).
fn check_quotes<S: JudgeStore>(
    store: &mut S,
    judged: &Judged<'_>,
    own_text: &mut OwnText,
    reference: Option<i64>,
    previous: Option<i64>,
    quotes: &[String],
) -> Result<(Vec<crate::quote::QuoteResult>, Option<String>), S::Error> {
    use crate::quote::{QuoteStatus, check, check_all};
    read_own(store, judged, own_text)?;
    let Some(ours) = own_text.text() else {
        return Ok((Vec::new(), None));
    };
    let mut results = check_all(quotes, ours);
    let mut removed = None;
    let other = |store: &mut S, snapshot: Option<i64>| -> Result<Option<String>, S::Error> {
        match snapshot {
            Some(s) if s != judged.snapshot_id => {
                Ok(text_of_snapshot(store, s)?.and_then(|e| e.text))
            }
            _ => Ok(None),
        }
    };
    if results.iter().all(|r| r.status == QuoteStatus::Found) {
        return Ok((results, None));
    }
    let reference_text = other(store, reference)?;
    let previous_text = if previous == reference {
        reference_text.clone()
    } else {
        other(store, previous)?
    };
    for result in &mut results {
        if result.status == QuoteStatus::Found {
            continue;
        }
        if let Some(text) = &reference_text {
            result.in_reference = Some(check(&result.quote, text).status);
        }
        if removed.is_none()
            && result.status == QuoteStatus::NotFound
            && result.in_reference == Some(QuoteStatus::Found)
            && let Some(text) = &previous_text
        {
            let before = check(&result.quote, text);
            if before.status == QuoteStatus::Found {
                removed = before.paragraph.or(before.passage);
            }
        }
    }
    Ok((results, removed))
}

/// Reads the judged capture's own text, once.
fn read_own<S: JudgeStore>(
    store: &mut S,
    judged: &Judged<'_>,
    own_text: &mut OwnText,
) -> Result<(), S::Error> {
    if matches!(own_text, OwnText::Unread) {
        // A 304 has no payload of its own: it is judged as the capture it validated.
        *own_text = OwnText::Read(if judged.not_modified {
            text_of_snapshot(store, judged.snapshot_id)?
        } else {
            own_extract(store, judged)?
        });
    }
    Ok(())
}

/// The judged capture's own text: not read yet, or read (`None`: it has none).
enum OwnText {
    Unread,
    Read(Option<Extracted>),
}

impl OwnText {
    fn text(&self) -> Option<&str> {
        match self {
            Self::Read(Some(e)) => e.text.as_deref(),
            _ => None,
        }
    }
}

/// One capture's extract against another's.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub change: Change,
    pub similarity: f64,
    /// Only the digests could be compared (binary payloads).
    pub digest_only: bool,
    /// The headlines, when the headline was rewritten (which makes at least an edit).
    pub headline: Option<Headline>,
    /// The other was an article and this is a short not-found page in its place.
    pub missing: Option<Evidence>,
    /// A correction this one added to the other's text.
    pub correction: Option<String>,
}

/// The judged capture against snapshot `other`. Its own text is extracted once, on first need.
fn compare<S: JudgeStore>(
    store: &mut S,
    judged: &Judged<'_>,
    own_text: &mut OwnText,
    other: i64,
    thresholds: Thresholds,
) -> Result<Comparison, S::Error> {
    if store.snapshot(other)?.payload_sha256 == judged.payload_sha256 {
        return Ok(Comparison {
            change: Change::Unchanged,
            similarity: 1.0,
            digest_only: false,
            headline: None,
            missing: None,
            correction: None,
        });
    }
    let theirs = text_of_snapshot(store, other)?;
    read_own(store, judged, own_text)?;
    let ours = match own_text {
        OwnText::Read(text) => text.as_ref(),
        OwnText::Unread => None,
    };
    Ok(compare_extracts(
        theirs.as_ref(),
        ours,
        judged.fine_and_complete,
        thresholds,
    ))
}

/// `ours` (the newer extract) against `theirs`, as the judge grades them when their payloads
/// differ. `fine_and_complete`: the newer capture was a fine, complete response (only such a
/// capture can be a transition to a not-found page).
#[must_use]
pub fn compare_extracts(
    theirs: Option<&Extracted>,
    ours: Option<&Extracted>,
    fine_and_complete: bool,
    thresholds: Thresholds,
) -> Comparison {
    let digest_only = [theirs, ours]
        .iter()
        .any(|e| e.is_none_or(|e| e.kind == ContentKind::Binary));
    let (mut change, similarity) = grade(
        false,
        theirs.and_then(|e| e.text.as_deref()),
        ours.and_then(|e| e.text.as_deref()),
        thresholds,
    );
    let headline = rewritten_headline(
        theirs.and_then(|e| e.heading.as_deref()),
        ours.and_then(|e| e.heading.as_deref()),
    );
    if headline.is_some() && change == Change::Cosmetic {
        change = Change::Edited;
    }
    let texts = (
        theirs.and_then(|e| e.text.as_deref()),
        ours.and_then(|e| e.text.as_deref()),
    );
    // The article behind a subscription or login wall: there, not replaced, and not an edit
    // when the wall kept its first paragraphs.
    if matches!(change, Change::Replaced | Change::Edited)
        && let (Some(before), Some(after)) = texts
        && super::soft404::paywall(before, after).is_some()
    {
        change = Change::Paywalled;
    }
    let missing = match texts {
        (Some(before), Some(after)) if change == Change::Replaced && fine_and_complete => {
            super::soft404::transition(before, after)
        }
        _ => None,
    };
    let correction = match texts {
        (Some(before), Some(after)) => super::correction::added_correction(before, after),
        _ => None,
    };
    Comparison {
        change,
        similarity,
        digest_only,
        headline,
        missing,
        correction,
    }
}

/// The two headlines when both pages have one and they differ in more than case, spacing and
/// typography.
#[must_use]
pub fn rewritten_headline(before: Option<&str>, after: Option<&str>) -> Option<Headline> {
    let (before, after) = (before?, after?);
    let plain = |h: &str| super::text::normalize(h).to_lowercase();
    (plain(before) != plain(after)).then(|| Headline {
        before: before.to_owned(),
        after: after.to_owned(),
    })
}

/// The new capture's text, from the payload in memory, cached.
fn own_extract<S: JudgeStore>(
    store: &mut S,
    judged: &Judged<'_>,
) -> Result<Option<Extracted>, S::Error> {
    if let Some(cached) = store.cached_text(judged.payload_sha256)? {
        return Ok(Some(cached));
    }
    let Ok(extracted) = super::extract(
        judged.content_type,
        judged.content_encoding,
        judged.payload,
        Some(judged.url),
    ) else {
        return Ok(None);
    };
    store.store_text(judged.payload_sha256, &extracted)?;
    Ok(Some(extracted))
}

/// The text of an archived capture: from the cache, else extracted from its record (and cached).
pub fn text_of_snapshot<S: JudgeStore>(
    store: &mut S,
    snapshot: i64,
) -> Result<Option<Extracted>, S::Error> {
    let SnapshotId {
        payload_sha256,
        url,
    } = store.snapshot(snapshot)?;
    if let Some(cached) = store.cached_text(&payload_sha256)? {
        return Ok(Some(cached));
    }
    let Some((head, payload)) = store.http_parts(snapshot)? else {
        return Ok(None);
    };
    let header = |name: &str| crate::warc::http::header_value(&head, name);
    let Ok(extracted) = super::extract(
        header("content-type").as_deref(),
        header("content-encoding").as_deref(),
        &payload,
        Some(&url),
    ) else {
        return Ok(None);
    };
    store.store_text(&payload_sha256, &extracted)?;
    Ok(Some(extracted))
}

/// The title of a capture's page, cheaply: the cached one when its text was extracted before,
/// else only the `<title>` of the decoded payload (no main-text extraction, nothing cached).
/// `None` for a payload that is not HTML or has no title.
pub fn title_of_snapshot<S: JudgeStore>(
    store: &mut S,
    snapshot: i64,
) -> Result<Option<String>, S::Error> {
    let sha = store.snapshot(snapshot)?.payload_sha256;
    if let Some(title) = store.cached_title(&sha)? {
        return Ok(title);
    }
    let Some((head, payload)) = store.http_parts(snapshot)? else {
        return Ok(None);
    };
    let content_type = crate::warc::http::header_value(&head, "content-type");
    let Ok((bytes, _)) = super::decode::decode_content(
        crate::warc::http::header_value(&head, "content-encoding").as_deref(),
        &payload,
        4 << 20,
    ) else {
        return Ok(None);
    };
    if ContentKind::of(content_type.as_deref(), &bytes) != ContentKind::Html {
        return Ok(None);
    }
    let html = super::decode::to_text(&bytes, content_type.as_deref());
    Ok(super::cues::title_and_heading(&html).0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(text: &str) -> Extracted {
        Extracted {
            kind: ContentKind::Html,
            text: Some(text.to_owned()),
            title: None,
            heading: Some("Talks resume".to_owned()),
        }
    }

    #[test]
    fn a_wall_that_keeps_the_first_paragraphs_is_paywalled_not_edited() {
        let paragraphs: Vec<String> = (0..10)
            .map(|i| format!("Paragraph {i} of the report says the council met on day {i} and approved item {i} of the budget after debate."))
            .collect();
        let article = paragraphs.join("\n");
        let walled = format!(
            "{}\n{}\nSubscribe to continue reading. Already a subscriber? Log in.",
            paragraphs[0], paragraphs[1]
        );
        let c = compare_extracts(
            Some(&page(&article)),
            Some(&page(&walled)),
            true,
            Thresholds::default(),
        );
        assert_eq!(c.change, Change::Paywalled, "similarity {}", c.similarity);
        // The same cut without a wall is an edit or a replacement, never a paywall; a wall
        // phrase the article already had proves nothing.
        let cut = format!("{}\n{}", paragraphs[0], paragraphs[1]);
        let c = compare_extracts(
            Some(&page(&article)),
            Some(&page(&cut)),
            true,
            Thresholds::default(),
        );
        assert_ne!(c.change, Change::Paywalled);
        let had =
            format!("{article}\nSubscribe to continue reading. Already a subscriber? Log in.");
        let c = compare_extracts(
            Some(&page(&had)),
            Some(&page(&walled)),
            true,
            Thresholds::default(),
        );
        assert_ne!(c.change, Change::Paywalled);
    }
}
