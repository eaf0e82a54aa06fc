"""Helpers shared by the scripts that build labelled sets from `../shared/corpus/`
(`soft404_set.py`, `grade_pairs.py`): reading its pages, finding a page's article container,
and removing what is left of an article."""

import glob
import gzip
import json
import os
import re

LONG_BLOCK_WORDS = 25


def words(text):
    return len((text or "").split())


def corpus_pages(corpus):
    """(path relative to the corpus, bytes, URL) of every real page of both corpora."""
    pages = []
    for d in sorted(glob.glob(f"{corpus}/readability-pages/*/")):
        src = os.path.join(d, "source.html")
        if os.path.exists(src):
            meta = os.path.join(d, "expected-metadata.json")
            url = None
            if os.path.exists(meta):
                url = json.load(open(meta, encoding="utf-8")).get("url")
            fallback = "https://" + os.path.basename(d.rstrip("/")) + ".readability.test/"
            pages.append((os.path.relpath(src, corpus), open(src, "rb").read(), url or fallback))
    data = json.load(open(f"{corpus}/trafilatura-eval/evaldata.json", encoding="utf-8"))
    for url, entry in sorted(data.items()):
        for sub in ("eval", "cache"):
            f = f"{corpus}/trafilatura-eval/{sub}/{entry['file']}.gz"
            if os.path.exists(f):
                try:
                    pages.append((os.path.relpath(f, corpus), gzip.open(f).read(), url))
                except OSError:
                    pass
                break
    return pages


def alternate_corpora(items, limit):
    """Up to `limit` of `items` (tuples whose first field is the path in the corpus), taken in
    turn from readability-pages and trafilatura-eval, so that both corpora are in a set."""
    readability = [x for x in items if x[0].startswith("readability")]
    trafilatura = [x for x in items if not x[0].startswith("readability")]
    chosen = []
    for i in range(max(len(readability), len(trafilatura))):
        for group in (readability, trafilatura):
            if i < len(group) and len(chosen) < limit:
                chosen.append(group[i])
    return chosen


def page_lang(raw):
    """The two-letter language a page declares on <html lang>, or None."""
    m = re.search(rb"<html[^>]*\blang=[\"']?([A-Za-z]{2})", raw[:4096], re.I)
    return m.group(1).decode().lower() if m else None


def main_container(doc):
    """The element holding the article: the one whose <p> children hold the most words."""
    best, most = None, 0
    for el in doc.iter():
        if not isinstance(el.tag, str) or el.tag in ("html", "body"):
            continue
        n = sum(words(c.text_content()) for c in el if c.tag == "p")
        if n > most:
            best, most = el, n
    if best is None:
        for xp in ("//article", "//main", '//*[@role="main"]'):
            found = doc.xpath(xp)
            if found:
                return found[0]
    return best


def drop_long_blocks(doc, keep):
    """Removes every element outside the elements `keep` whose own text (or, for a paragraph or
    list item, whose text) runs past LONG_BLOCK_WORDS words: what is left of the article
    outside its container (lists, captions, other containers)."""
    kept = set()
    for k in keep:
        kept.add(k)
        kept.update(k.iterancestors())
        kept.update(k.iterdescendants())
    for node in list(doc.iter()):
        if not isinstance(node.tag, str) or node in kept:
            continue
        if node.tag in ("html", "body", "head", "script", "style", "title"):
            continue
        own = (node.text or "") + " ".join((c.tail or "") for c in node)
        long_item = node.tag in ("p", "li") and words(node.text_content()) > LONG_BLOCK_WORDS
        if words(own) > LONG_BLOCK_WORDS or long_item:
            parent = node.getparent()
            if parent is not None:
                parent.remove(node)
