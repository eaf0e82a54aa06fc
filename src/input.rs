//! Reading articles from the command line's operands: files, directories and standard input.
//!
//! This is the I/O edge in front of [`crate::extract`]: everything that can go wrong with an
//! input (missing, unreadable, binary, not UTF-8) is an [`InputError`] naming the path, and the
//! command stops before fetching anything.

use crate::citation::ArticleId;
use crate::extract::ArticleFormat;
use std::io::Read;
use std::path::{Path, PathBuf};

/// One article, read and ready for extraction.
#[derive(Debug, Clone)]
pub struct Article {
    pub id: ArticleId,
    /// Where it was read from (`-` for standard input).
    pub source: PathBuf,
    pub format: ArticleFormat,
    pub text: String,
}

#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read standard input: {0}")]
    Stdin(#[source] std::io::Error),
    #[error("cannot walk directory {path}: {source}")]
    Walk {
        path: PathBuf,
        #[source]
        source: walkdir::Error,
    },
    #[error("{path} looks like a binary file, not an article (it contains NUL bytes)")]
    Binary { path: PathBuf },
    #[error("{path} is not valid UTF-8 text (first bad byte at offset {offset})")]
    NotUtf8 { path: PathBuf, offset: usize },
    #[error("no articles under {path} (looked for .txt, .md, .markdown, .html and .htm files)")]
    EmptyDirectory { path: PathBuf },
    #[error(
        "{path}: article id {id:?} is also the id of {other}; article ids come from file stems and must be unique"
    )]
    DuplicateId {
        path: PathBuf,
        id: String,
        other: PathBuf,
    },
}

/// Options that apply to every operand.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOptions {
    /// Overrides the format implied by the extension (and the guess made for standard input).
    pub format: Option<ArticleFormat>,
}

/// Reads every operand. A directory is walked (sorted, hidden entries skipped) for article
/// extensions; a file named explicitly is read whatever its extension (plain text unless its
/// extension says otherwise); `-` is standard input.
pub fn read_articles(
    operands: &[PathBuf],
    options: ReadOptions,
) -> Result<Vec<Article>, InputError> {
    let mut articles: Vec<Article> = Vec::new();
    for operand in operands {
        if operand.as_os_str() == "-" {
            articles.push(read_stdin(options)?);
        } else if operand.is_dir() {
            let before = articles.len();
            for path in walk(operand)? {
                articles.push(read_file(&path, options)?);
            }
            if articles.len() == before {
                return Err(InputError::EmptyDirectory {
                    path: operand.clone(),
                });
            }
        } else {
            articles.push(read_file(operand, options)?);
        }
    }
    check_unique_ids(&articles)?;
    Ok(articles)
}

/// Reads every operand as [`read_articles`] does, but one bad file does not stop the batch: a
/// file that cannot be read, is not UTF-8 text, or whose id another article already has is
/// an error in the list, and the rest are read. Fails only when nothing could be read, or on
/// standard input.
pub fn read_articles_lenient(
    operands: &[PathBuf],
    options: ReadOptions,
) -> Result<(Vec<Article>, Vec<InputError>), InputError> {
    let mut articles: Vec<Article> = Vec::new();
    let mut errors = Vec::new();
    let mut keep = |read: Result<Article, InputError>, articles: &mut Vec<Article>| match read {
        Ok(article) => match articles.iter().find(|a| a.id == article.id) {
            Some(other) => errors.push(InputError::DuplicateId {
                path: article.source.clone(),
                id: article.id.to_string(),
                other: other.source.clone(),
            }),
            None => articles.push(article),
        },
        Err(error) => errors.push(error),
    };
    for operand in operands {
        if operand.as_os_str() == "-" {
            articles.push(read_stdin(options)?);
        } else if operand.is_dir() {
            match walk(operand) {
                Ok(paths) if paths.is_empty() => keep(
                    Err(InputError::EmptyDirectory {
                        path: operand.clone(),
                    }),
                    &mut articles,
                ),
                Ok(paths) => {
                    for path in paths {
                        keep(read_file(&path, options), &mut articles);
                    }
                }
                Err(error) => keep(Err(error), &mut articles),
            }
        } else {
            keep(read_file(operand, options), &mut articles);
        }
    }
    if articles.is_empty() && !errors.is_empty() {
        return Err(errors.swap_remove(0));
    }
    Ok((articles, errors))
}

fn walk(dir: &Path) -> Result<Vec<PathBuf>, InputError> {
    let mut paths = Vec::new();
    let entries = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in entries {
        let entry = entry.map_err(|source| InputError::Walk {
            path: dir.to_path_buf(),
            source,
        })?;
        let is_article = entry.file_type().is_file()
            && entry
                .path()
                .extension()
                .and_then(|e| e.to_str())
                .and_then(ArticleFormat::from_extension)
                .is_some();
        if is_article {
            paths.push(entry.into_path());
        }
    }
    Ok(paths)
}

fn read_file(path: &Path, options: ReadOptions) -> Result<Article, InputError> {
    let bytes = std::fs::read(path).map_err(|source| InputError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let text = decode(bytes, path)?;
    let format = options.format.unwrap_or_else(|| {
        path.extension()
            .and_then(|e| e.to_str())
            .and_then(ArticleFormat::from_extension)
            .unwrap_or(ArticleFormat::Text)
    });
    let stem = path
        .file_stem()
        .map_or_else(|| path.to_string_lossy(), |s| s.to_string_lossy());
    Ok(Article {
        id: ArticleId::new(stem),
        source: path.to_path_buf(),
        format,
        text,
    })
}

fn read_stdin(options: ReadOptions) -> Result<Article, InputError> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(InputError::Stdin)?;
    let path = PathBuf::from("-");
    let text = decode(bytes, &path)?;
    let format = options
        .format
        .unwrap_or_else(|| ArticleFormat::sniff(&text));
    Ok(Article {
        id: ArticleId::new("stdin"),
        source: path,
        format,
        text,
    })
}

/// Articles are UTF-8 text. A byte-order mark is dropped.
fn decode(bytes: Vec<u8>, path: &Path) -> Result<String, InputError> {
    if bytes.iter().take(8192).any(|&b| b == 0) {
        return Err(InputError::Binary {
            path: path.to_path_buf(),
        });
    }
    let mut text = String::from_utf8(bytes).map_err(|e| InputError::NotUtf8 {
        path: path.to_path_buf(),
        offset: e.utf8_error().valid_up_to(),
    })?;
    if text.starts_with('\u{feff}') {
        text.drain(..3);
    }
    Ok(text)
}

fn check_unique_ids(articles: &[Article]) -> Result<(), InputError> {
    let mut seen: std::collections::HashMap<&ArticleId, &Path> = std::collections::HashMap::new();
    for article in articles {
        if let Some(other) = seen.insert(&article.id, &article.source) {
            return Err(InputError::DuplicateId {
                path: article.source.clone(),
                id: article.id.to_string(),
                other: other.to_path_buf(),
            });
        }
    }
    Ok(())
}
