//! The archive's side of the nightly sweep: retiring citations articles no longer have, choosing
//! the citations due for a check, and reading each citation's history back for its verdict.

use super::index::Index;
use super::{Archive, ArchiveError};
use crate::citation::{ArticleId, Citation, Section, Target};
use crate::content::similarity::Change;
use crate::db::params;
use crate::extract::{ArticleFormat, Extraction};
use crate::input::Article;
use crate::outcome::OutcomeKind;
use std::collections::{BTreeMap, HashMap};
use url::Url;

/// One check of a citation, as the verdict state machine reads it.
#[derive(Debug, Clone)]
pub struct CheckRow {
    pub run_id: i64,
    pub at: jiff::Timestamp,
    pub outcome: OutcomeKind,
    pub change_vs_reference: Option<Change>,
    pub change_vs_previous: Option<Change>,
    /// A correction the capture added to the previous one's text.
    pub correction: Option<String>,
    /// A quotation the capture lost: the paragraph it was in.
    pub quote_removed: Option<String>,
}

/// Carries a citation's last judgement over the 304s that did not write one (a compact 304
/// writes a judgement only when it differs from the last, see `judge`): such a check is
/// unchanged since the capture before it and graded against the reference as that one was.
/// Feed it a citation's checks oldest first.
#[derive(Debug, Default)]
pub(crate) struct CarryForward {
    /// The last judgement's grade against the reference and its similarity; `None` inside
    /// when that was the citation's first capture (which is its reference).
    last: Option<(Option<Change>, Option<f64>)>,
}

impl CarryForward {
    /// `judged`: the check has a judgement row for the citation; `revalidated`: it is a 304 to
    /// a conditional request.
    pub(crate) fn apply(
        &mut self,
        judged: bool,
        revalidated: bool,
        vs_reference: &mut Option<Change>,
        similarity: &mut Option<f64>,
        vs_previous: &mut Option<Change>,
    ) {
        if judged {
            self.last = Some((*vs_reference, *similarity));
        } else if revalidated && let Some((change, similar)) = self.last {
            (*vs_reference, *similarity) = match change {
                Some(change) => (Some(change), similar),
                None => (Some(Change::Unchanged), Some(1.0)),
            };
            *vs_previous = Some(Change::Unchanged);
        }
    }
}

impl Archive {
    /// Retires the citations of `articles` that were not seen in `run_id`: their history stays,
    /// but they are no longer checked.
    pub fn retire_missing(
        &mut self,
        run_id: i64,
        articles: &[ArticleId],
    ) -> Result<usize, ArchiveError> {
        let mut retired = 0;
        for id in articles {
            retired += self
                .index
                .conn
                .execute(
                    "UPDATE citations SET retired_run_id = ?1
                     WHERE article_id = ?2 AND last_run_id < ?1 AND retired_run_id IS NULL",
                    params![run_id, id.as_str()],
                )
                .map_err(|e| self.index.wrap(e))?;
        }
        Ok(retired)
    }
}

/// The URLs whose active citations are due for a check (last checked before `cutoff`, or
/// never), least recently checked first: their ids only, so that a sweep of millions of
/// citations holds eight bytes per URL until it reaches them.
pub fn due_url_ids(index: &Index, cutoff: jiff::Timestamp) -> Result<Vec<i64>, ArchiveError> {
    let cutoff = crate::time::db_time(cutoff);
    Ok(index
        .conn
        .prepare(
            "SELECT id FROM (
                 SELECT u.id, (SELECT MAX(checked_at) FROM checks k WHERE k.url_id = u.id) AS last
                 FROM urls u
                 WHERE EXISTS (SELECT 1 FROM citations c
                               WHERE c.url_id = u.id AND c.retired_run_id IS NULL)) due
             WHERE last IS NULL OR last < ?1
             ORDER BY last IS NOT NULL, last, id",
        )
        .and_then(|mut stmt| {
            stmt.query_map([cutoff], |r| r.get::<_, i64>(0))?
                .collect::<crate::db::Result<Vec<_>>>()
        })
        .map_err(|e| index.wrap(e))?)
}

/// Rows per statement filling the batch table (well under SQLite's 32,766 and PostgreSQL's
/// 65,535 parameters).
const SET_BATCH_ROWS: usize = 500;

/// Makes `url_ids` the batch the next reads are about (a temporary table of the connection).
pub fn set_batch(index: &Index, url_ids: &[i64]) -> Result<(), ArchiveError> {
    let run = || -> crate::db::Result<()> {
        index.conn.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS sweep_batch (url_id BIGINT PRIMARY KEY);
             DELETE FROM sweep_batch;",
        )?;
        // Many rows per statement (a round trip each on PostgreSQL): a batch of 2,000 took
        // 2,000 statements.
        for chunk in url_ids.chunks(SET_BATCH_ROWS) {
            let values: Vec<String> = (1..=chunk.len()).map(|i| format!("(?{i})")).collect();
            index
                .conn
                .prepare_cached(&format!(
                    "INSERT OR IGNORE INTO sweep_batch (url_id) VALUES {}",
                    values.join(", ")
                ))?
                .execute(crate::db::params_from_iter(chunk.iter()))?;
        }
        Ok(())
    };
    Ok(run().map_err(|e| index.wrap(e))?)
}

/// The validators of the latest successful capture of each of the batch's URLs that is in
/// `urls` (as [`super::validators_of`] gives them), read in one statement for the whole batch.
pub fn batch_validators(
    index: &Index,
    urls: &[Url],
) -> Result<HashMap<Url, (crate::fetch::Validators, i64)>, ArchiveError> {
    let wanted: std::collections::HashSet<&str> = urls.iter().map(Url::as_str).collect();
    let mut out = HashMap::new();
    let run = |out: &mut HashMap<Url, (crate::fetch::Validators, i64)>| -> crate::db::Result<()> {
        let mut stmt = index.conn.prepare(
            "SELECT u.url, c.etag, c.last_modified, c.snapshot_id
             FROM sweep_batch b JOIN urls u ON u.id = b.url_id
             JOIN checks c ON c.id = (
                 SELECT c2.id FROM checks c2 JOIN snapshots s ON s.id = c2.snapshot_id
                 WHERE c2.url_id = b.url_id AND (s.http_status = 200 OR s.http_status = 304)
                   AND (c2.etag IS NOT NULL OR c2.last_modified IS NOT NULL)
                 ORDER BY c2.id DESC LIMIT 1)",
        )?;
        let rows = stmt.query_map((), |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })?;
        for row in rows {
            let (url, etag, last_modified, snapshot) = row?;
            if !wanted.contains(url.as_str()) {
                continue;
            }
            if let Ok(url) = Url::parse(&url) {
                let validators = crate::fetch::Validators {
                    etag,
                    last_modified,
                };
                out.insert(url, (validators, snapshot));
            }
        }
        Ok(())
    };
    run(&mut out).map_err(|e| index.wrap(e))?;
    Ok(out)
}

/// The active citations of the batch's URLs, grouped by article as the check machinery takes
/// them.
pub fn batch_citations(index: &Index) -> Result<Vec<(Article, Extraction)>, ArchiveError> {
    let mut stmt = index
        .conn
        .prepare(
            "SELECT c.article_id, a.path, c.line, c.col, c.section, c.anchor, c.url_as_written, u.url
             FROM citations c JOIN articles a ON a.id = c.article_id JOIN urls u ON u.id = c.url_id
             WHERE c.retired_run_id IS NULL AND c.url_id IN (SELECT url_id FROM sweep_batch)
             ORDER BY c.article_id, c.line",
        )
        .map_err(|e| index.wrap(e))?;
    let rows = stmt
        .query_map((), |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, u32>(2)?,
                r.get::<_, u32>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
            ))
        })
        .and_then(Iterator::collect::<crate::db::Result<Vec<_>>>)
        .map_err(|e| index.wrap(e))?;
    let mut by_article: BTreeMap<String, (Article, Extraction)> = BTreeMap::new();
    for (article, path, line, column, section, anchor, written, url) in rows {
        let Ok(url) = url::Url::parse(&url) else {
            continue;
        };
        let id = ArticleId::new(article.clone());
        let entry = by_article.entry(article).or_insert_with(|| {
            (
                Article {
                    id: id.clone(),
                    source: path.into(),
                    format: ArticleFormat::Text,
                    text: String::new(),
                },
                Extraction::default(),
            )
        });
        entry.1.citations.push(Citation {
            article: id,
            line,
            column,
            section: if section == "provenance" {
                Section::Provenance
            } else {
                Section::Body
            },
            anchor,
            url_as_written: written,
            target: Target::Fetchable(url),
            quotes: Vec::new(),
        });
    }
    Ok(by_article.into_values().collect())
}

/// Every check, oldest first, of the batch's URLs, for each of their citations, with how it
/// was judged for that citation; keyed by article and URL. One query per batch, not one per
/// citation (10,000 of those took 0.8 s at the end of a sweep).
pub fn batch_histories(
    index: &Index,
) -> Result<std::collections::HashMap<(String, String), Vec<CheckRow>>, ArchiveError> {
    let mut stmt = index
        .conn
        .prepare(
            "SELECT c.article_id, u.url, k.run_id, k.checked_at, k.outcome,
                    j.change_vs_reference, j.change_vs_previous, j.id IS NOT NULL,
                    k.conditional <> 0 AND k.http_status = 304, j.correction, j.quote_removed
             FROM citations c JOIN urls u ON u.id = c.url_id JOIN checks k ON k.url_id = c.url_id
             LEFT JOIN judgements j ON j.check_id = k.id AND j.citation_id = c.id
             WHERE c.url_id IN (SELECT url_id FROM sweep_batch)
             ORDER BY c.id, k.id",
        )
        .map_err(|e| index.wrap(e))?;
    let mut histories: std::collections::HashMap<(String, String), Vec<CheckRow>> =
        std::collections::HashMap::new();
    let mut rows = stmt.query(()).map_err(|e| index.wrap(e))?;
    let mut carried: Option<((String, String), CarryForward)> = None;
    while let Some(r) = rows.next().map_err(|e| index.wrap(e))? {
        let read = || -> crate::db::Result<_> {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, bool>(7)?,
                r.get::<_, bool>(8)?,
                r.get::<_, Option<String>>(9)?,
                r.get::<_, Option<String>>(10)?,
            ))
        };
        let (
            article,
            url,
            run,
            at,
            outcome,
            vs_ref,
            vs_prev,
            judged,
            revalidated,
            correction,
            quote_removed,
        ) = read().map_err(|e| index.wrap(e))?;
        let key = (article, url);
        if carried.as_ref().is_none_or(|(k, _)| *k != key) {
            carried = Some((key.clone(), CarryForward::default()));
        }
        let mut change_vs_reference = vs_ref.as_deref().and_then(Change::parse);
        let mut change_vs_previous = vs_prev.as_deref().and_then(Change::parse);
        if let Some((_, carry)) = &mut carried {
            carry.apply(
                judged,
                revalidated,
                &mut change_vs_reference,
                &mut None,
                &mut change_vs_previous,
            );
        }
        let (Ok(at), Some(outcome)) = (at.parse(), OutcomeKind::parse(&outcome)) else {
            continue;
        };
        histories.entry(key).or_default().push(CheckRow {
            run_id: run,
            at,
            outcome,
            change_vs_reference,
            change_vs_previous,
            correction,
            quote_removed,
        });
    }
    Ok(histories)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (judged, revalidated, vs reference) in, (vs reference, vs previous) out.
    fn carried(rows: &[(bool, bool, Option<Change>)]) -> Vec<(Option<Change>, Option<Change>)> {
        let mut carry = CarryForward::default();
        rows.iter()
            .map(|&(judged, revalidated, mut vs_reference)| {
                let mut vs_previous = judged.then_some(Change::Edited);
                carry.apply(
                    judged,
                    revalidated,
                    &mut vs_reference,
                    &mut None,
                    &mut vs_previous,
                );
                (vs_reference, vs_previous)
            })
            .collect()
    }

    #[test]
    fn a_304_without_a_judgement_repeats_the_last_one() {
        use Change::{Edited, Unchanged};
        assert_eq!(
            carried(&[
                (true, false, None), // first capture: the reference
                (false, true, None), // 304: unchanged against it
                (true, false, Some(Edited)),
                (false, false, None), // a 404: nothing to carry
                (false, true, None),  // 304: still edited
            ]),
            [
                (None, Some(Edited)),
                (Some(Unchanged), Some(Unchanged)),
                (Some(Edited), Some(Edited)),
                (None, None),
                (Some(Edited), Some(Unchanged)),
            ]
        );
        // Nothing judged before: nothing to say.
        assert_eq!(carried(&[(false, true, None)]), [(None, None)]);
    }

    #[test]
    fn a_run_registering_after_a_later_one_retires_nothing_the_later_one_saw() {
        // Two sweep workers register the same desk: the later run's registration lands first.
        let dir = tempfile::tempdir().unwrap();
        let options = crate::archive::ArchiveOptions::embedded(dir.path());
        let (mut archive, _) = crate::archive::Archive::open(options).unwrap();
        let id = crate::citation::ArticleId::new("story");
        let article = crate::input::Article {
            id: id.clone(),
            source: "story.txt".into(),
            format: crate::extract::ArticleFormat::Text,
            text: "Story\n\n- https://a.test/one\n- https://a.test/two\n".to_owned(),
        };
        let extraction = crate::extract::extract(&id, article.format, &article.text, None);
        let now = jiff::Timestamp::now();
        let earlier = archive.begin_run("sweep", now).unwrap();
        let later = archive.begin_run("sweep", now).unwrap();
        for run in [later, earlier] {
            archive
                .register_articles(
                    run,
                    &[(&article, &extraction)],
                    crate::archive::References::Keep,
                )
                .unwrap();
        }
        for run in [later, earlier] {
            assert_eq!(
                archive
                    .retire_missing(run, std::slice::from_ref(&id))
                    .unwrap(),
                0
            );
        }
    }
}
