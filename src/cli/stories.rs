//! Published stories read by URL (`provcheck check https://news.example/story`): each fetched
//! through the address guard like any source, its article body (not navigation, footers or
//! sidebars) read as an HTML article with the page as base, and the page archived.

use provcheck::citation::ArticleId;
use provcheck::content::{self, decode};
use provcheck::extract::ArticleFormat;
use provcheck::fetch::{Fetched, Fetcher};
use provcheck::input::Article;
use std::path::PathBuf;
use url::Url;

/// A story read by URL: its article, and the fetch that read it (to archive).
pub struct Story {
    pub article: Article,
    pub url: Url,
    pub fetched: Fetched,
}

/// The operands that are files, and those that are story URLs (`http://` or `https://`).
pub fn split_operands(operands: &[PathBuf]) -> (Vec<PathBuf>, Vec<Url>) {
    let mut files = Vec::new();
    let mut urls = Vec::new();
    for operand in operands {
        let text = operand.to_string_lossy();
        if (text.starts_with("http://") || text.starts_with("https://"))
            && let Ok(url) = Url::parse(&text)
        {
            urls.push(url);
        } else {
            files.push(operand.clone());
        }
    }
    (files, urls)
}

/// The article id of a story: its host and path, as a file stem would be.
fn story_id(url: &Url) -> ArticleId {
    let raw = format!("{}{}", url.host_str().unwrap_or_default(), url.path());
    let id: String = raw
        .trim_end_matches('/')
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    ArticleId::new(id)
}

/// Fetches the stories (several at once, within the fetcher's host limits); one that cannot be
/// read is said on stderr (and counted), the rest read.
pub fn fetch(
    runtime: &tokio::runtime::Runtime,
    fetcher: &Fetcher,
    urls: &[Url],
) -> (Vec<Story>, usize) {
    use futures_util::stream::{self, StreamExt as _};
    // Several at once, in order: the fetcher keeps each host's limits (a newsroom's stories are
    // mostly on its own host, at host_concurrency and host_interval).
    let pages: Vec<Fetched> = runtime.block_on(
        stream::iter(urls)
            .map(|url| fetcher.fetch(url, None))
            .buffered(fetcher.options().concurrency.max(1))
            .collect(),
    );
    let mut stories = Vec::new();
    let mut failed = 0;
    for (url, page) in urls.iter().zip(pages) {
        match article_of(url, &page) {
            Ok(article) => stories.push(Story {
                article,
                url: url.clone(),
                fetched: page,
            }),
            Err(why) => {
                eprintln!(
                    "provcheck: error: cannot read the story {url}: {why}; the other articles are read"
                );
                failed += 1;
            }
        }
    }
    (stories, failed)
}

/// Archives each story page like any capture: the evidence of what was read.
pub fn archive(
    runtime: &tokio::runtime::Runtime,
    sink: &provcheck::check::ArchiveSink,
    stories: Vec<Story>,
) -> anyhow::Result<()> {
    for story in stories {
        runtime
            .block_on(provcheck::check::store_page(
                sink,
                &story.url,
                story.fetched,
            ))
            .map_err(|error| anyhow::anyhow!("archiving failed: {error}"))?;
    }
    Ok(())
}

/// The article body of a fetched story page.
fn article_of(url: &Url, fetched: &Fetched) -> Result<Article, String> {
    if !fetched.outcome.kind.is_fine() {
        return Err(fetched
            .outcome
            .detail
            .clone()
            .unwrap_or_else(|| fetched.outcome.kind.as_str().to_owned()));
    }
    let exchange = fetched.final_exchange().ok_or("no answer")?;
    let header = |name: &str| exchange.headers.get(name).and_then(|v| v.to_str().ok());
    let (bytes, _) = decode::decode_content(
        header("content-encoding"),
        &exchange.body,
        content::DECODE_LIMIT,
    )
    .map_err(|e| e.to_string())?;
    if content::ContentKind::of(header("content-type"), &bytes) != content::ContentKind::Html {
        return Err("not an HTML page".to_owned());
    }
    let html = decode::to_text(&bytes, header("content-type"));
    let body = content::text::main_html(&html, exchange.url.as_str())
        .ok_or("no article found in the page")?;
    Ok(Article {
        id: story_id(url),
        source: PathBuf::from(url.as_str()),
        format: ArticleFormat::Html,
        text: body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_stories_and_the_rest_are_files() {
        let (files, urls) = split_operands(&[
            PathBuf::from("desk/a.md"),
            PathBuf::from("https://news.example/world/story/"),
            PathBuf::from("http:not-a-story"),
        ]);
        assert_eq!(
            files,
            [
                PathBuf::from("desk/a.md"),
                PathBuf::from("http:not-a-story")
            ]
        );
        assert_eq!(urls.len(), 1);
        assert_eq!(story_id(&urls[0]).as_str(), "news.example-world-story");
    }
}
