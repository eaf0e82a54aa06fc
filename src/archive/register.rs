//! A run's articles and their citations in the index. Every run registers every citation of
//! the articles it read (`last_run_id`, which retirement reads), so a desk of a million
//! citations writes a million rows a night: they go in many rows per statement, since each
//! statement is a round trip on PostgreSQL (two per citation took 2.4 s for 10,000).

use super::index::Index;
use super::{Archive, ArchiveError, References};
use crate::citation::Target;
use crate::db::{Connection, params};
use crate::extract::Extraction;
use crate::input::Article;
use crate::warc::Sha256;
use std::collections::HashMap;
use url::Url;

/// Citations per statement: 10 parameters a row, well under SQLite's 32,766 and PostgreSQL's
/// 65,535.
const ROWS: usize = 500;

/// One `citations` row to upsert.
struct CitationRow<'a> {
    article_id: &'a str,
    url_key: &'a str,
    url: Option<&'a Url>,
    url_as_written: &'a str,
    line: u32,
    col: u32,
    section: &'static str,
    anchor: Option<&'a str>,
    quotes: Option<String>,
}

impl Archive {
    /// Records the articles of a run and their citations. With [`References::Rebaseline`], the
    /// citations' references are dropped, so this run's captures become the new references.
    /// `last_run_id` only grows: sweep workers register the same desk at once, and a run that
    /// registers after a later one must not make that one retire what both saw.
    pub fn register_articles(
        &mut self,
        run_id: i64,
        articles: &[(&Article, &Extraction)],
        references: References,
    ) -> Result<(), ArchiveError> {
        let path = self.index.path().to_path_buf();
        let tx = self
            .index
            .conn
            .transaction_with_behavior(crate::db::TransactionBehavior::Immediate)
            .map_err(|e| super::wrap(&path, e))?;
        let result = (|| {
            let mut rows = Vec::new();
            // An article citing a URL twice has one row: the first citation's place, the last
            // one's quotes (what upserting them one by one gave).
            let mut seen: HashMap<(&str, &str), usize> = HashMap::new();
            for (article, extraction) in articles {
                let hash = Sha256::of(&[article.text.as_bytes()]).hex();
                tx.prepare_cached("INSERT INTO articles (id, path, content_sha256, first_run_id, last_run_id)
                     VALUES (?1, ?2, ?3, ?4, ?4)
                     ON CONFLICT (id) DO UPDATE SET path = ?2, content_sha256 = ?3, last_run_id = CASE WHEN articles.last_run_id > ?4 THEN articles.last_run_id ELSE ?4 END")?.execute(
                    params![article.id.as_str(), article.source.display().to_string(), hash, run_id],
                )?;
                if references == References::Rebaseline {
                    tx.execute(
                        "UPDATE citations SET reference_snapshot_id = NULL WHERE article_id = ?1",
                        [article.id.as_str()],
                    )?;
                }
                for c in &extraction.citations {
                    let quotes = (!c.quotes.is_empty())
                        .then(|| serde_json::to_string(&c.quotes).ok())
                        .flatten();
                    let key = (article.id.as_str(), c.display_url());
                    if let Some(&at) = seen.get(&key) {
                        let row: &mut CitationRow<'_> = &mut rows[at];
                        row.quotes = quotes;
                        continue;
                    }
                    seen.insert(key, rows.len());
                    rows.push(CitationRow {
                        article_id: key.0,
                        url_key: key.1,
                        url: match &c.target {
                            Target::Fetchable(url) => Some(url),
                            _ => None,
                        },
                        url_as_written: &c.url_as_written,
                        line: c.line,
                        col: c.column,
                        section: c.section.as_str(),
                        anchor: c.anchor.as_deref(),
                        quotes,
                    });
                }
            }
            for chunk in rows.chunks(ROWS) {
                upsert_citations(&tx, run_id, chunk)?;
            }
            Ok(())
        })();
        result
            .and_then(|()| tx.commit())
            .map_err(|e| super::wrap(&path, e))
    }
}

/// Upserts `rows` (no two with the same article and URL key) in one statement, after their
/// URLs' ids.
fn upsert_citations(
    conn: &Connection,
    run_id: i64,
    rows: &[CitationRow<'_>],
) -> crate::db::Result<()> {
    let urls: Vec<&Url> = rows.iter().filter_map(|r| r.url).collect();
    let ids = Index::url_ids(conn, &urls)?;
    let mut values = Vec::with_capacity(rows.len());
    let mut args = Vec::with_capacity(rows.len() * 10 + 1);
    args.push(crate::db::Value::Integer(run_id));
    for row in rows {
        let n = args.len();
        values.push(format!(
            "(?{}, ?{}, ?{}, ?{}, ?{}, ?{}, ?{}, ?{}, ?1, ?1, ?{})",
            n + 1,
            n + 2,
            n + 3,
            n + 4,
            n + 5,
            n + 6,
            n + 7,
            n + 8,
            n + 9
        ));
        let url_id = row.url.and_then(|u| ids.get(u.as_str()).copied());
        args.extend(crate::db::params_from_iter([
            &row.article_id as &dyn crate::db::ToSql,
            &row.url_key,
            &url_id,
            &row.url_as_written,
            &row.line,
            &row.col,
            &row.section,
            &row.anchor,
            &row.quotes,
        ]));
    }
    conn.prepare_cached(&format!(
        "INSERT INTO citations (article_id, url_key, url_id, url_as_written, line, col,
                                section, anchor, first_run_id, last_run_id, quotes)
         VALUES {}
         ON CONFLICT (article_id, url_key) DO UPDATE SET
             last_run_id = CASE WHEN citations.last_run_id > excluded.last_run_id
                                THEN citations.last_run_id ELSE excluded.last_run_id END,
             quotes = excluded.quotes",
        values.join(", ")
    ))?
    .execute(args)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::index::URL_ROWS;

    #[test]
    fn url_ids_inserts_the_new_and_finds_the_known_across_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let index = Index::open(&dir.path().join("index.sqlite")).unwrap();
        let urls: Vec<Url> = (0..(URL_ROWS + 7))
            .map(|i| Url::parse(&format!("https://example.test/{i}")).unwrap())
            .collect();
        let refs: Vec<&Url> = urls.iter().chain(urls.iter().take(3)).collect();
        let first = Index::url_ids(&index.conn, &refs[..10]).unwrap();
        assert_eq!(first.len(), 10);
        let all = Index::url_ids(&index.conn, &refs).unwrap();
        assert_eq!(all.len(), URL_ROWS + 7);
        for (url, id) in &first {
            assert_eq!(all[url], *id, "{url} kept its id");
        }
        let distinct: std::collections::HashSet<_> = all.values().collect();
        assert_eq!(distinct.len(), URL_ROWS + 7);
        let count: i64 = index
            .conn
            .query_row("SELECT COUNT(*) FROM urls", (), |r| r.get(0))
            .unwrap();
        assert_eq!(count, i64::try_from(URL_ROWS + 7).unwrap());
    }

    #[test]
    fn a_url_cited_twice_is_one_row_with_the_first_place_and_the_last_quotes() {
        let dir = tempfile::tempdir().unwrap();
        let options = crate::archive::ArchiveOptions::embedded(dir.path());
        let (mut archive, _) = Archive::open(options).unwrap();
        let id = crate::citation::ArticleId::new("story");
        let text = "<p>The minister said \u{201c}we will not resume the talks before the spring \
                    session of parliament\u{201d} (<a href=\"https://a.test/one\">source</a>).</p>\n\
                    <p>Then <a href=\"https://a.test/two\">two</a>.</p>\n\
                    <p>Later she added \u{201c}the delegation will return to the capital on \
                    Tuesday night\u{201d} (<a href=\"https://a.test/one\">again</a>).</p>\n";
        let article = crate::input::Article {
            id: id.clone(),
            source: "story.html".into(),
            format: crate::extract::ArticleFormat::Html,
            text: text.to_owned(),
        };
        let extraction = crate::extract::extract(&id, article.format, &article.text, None);
        let one: Vec<_> = extraction
            .citations
            .iter()
            .filter(|c| c.display_url() == "https://a.test/one")
            .collect();
        assert_eq!(one.len(), 2, "{:?}", extraction.citations);
        let run = archive.begin_run("check", jiff::Timestamp::now()).unwrap();
        for _ in 0..2 {
            archive
                .register_articles(run, &[(&article, &extraction)], References::Keep)
                .unwrap();
        }
        let rows: Vec<(String, i64, Option<String>)> = archive
            .index()
            .conn
            .prepare("SELECT url_key, line, quotes FROM citations ORDER BY url_key")
            .unwrap()
            .query_map((), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<crate::db::Result<_>>()
            .unwrap();
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert_eq!(rows[0].0, "https://a.test/one");
        assert_eq!(rows[0].1, i64::from(one[0].line));
        let expected =
            (!one[1].quotes.is_empty()).then(|| serde_json::to_string(&one[1].quotes).unwrap());
        assert!(expected.is_some(), "the second citation carries a quote");
        assert_ne!(one[0].quotes, one[1].quotes);
        assert_eq!(rows[0].2, expected);
        let urls: i64 = archive
            .index()
            .conn
            .query_row("SELECT COUNT(*) FROM urls", (), |r| r.get(0))
            .unwrap();
        assert_eq!(urls, 2);
    }
}
