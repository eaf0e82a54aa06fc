#!/usr/bin/env python3
"""Builds the labelled (article, source) pairs that `examples/calibrate --quotes` measures:
articles quoting real corpus pages, exactly, with elisions, across paragraphs, not at all
(paraphrases), and with the quotation altered.

    python3 -m venv target/refvenv && target/refvenv/bin/pip install lxml
    target/refvenv/bin/python scripts/quote_pairs.py --corpus ../shared/corpus --out target/quote-pairs

For each page of `../shared/corpus/` (both corpora, alternating) whose article container holds at
least three paragraphs of twenty words without quotation marks of their own (a quotation inside
the quotation would end it), up to --pages of them, the source is the page itself and
each article is a short HTML page citing it with one paragraph:

- exact: a run of 8 to 16 words of one paragraph, quoted;
- elided: the first six words of a paragraph and six words from its second half, joined by an
  elision (`...`, `…` or `[…]`, in turn);
- across: the last six words of a paragraph and the first six of the next (next to it on the
  page), quoted as one;
- paraphrase: a sentence of the paragraph reported without quotation marks ("X said that ...");
- altered-word: an exact quotation with one word (four letters or more, not the first or last)
  replaced by another word of the page;
- altered-negation: an exact quotation with the language's negation word inserted after its
  third word, or an existing negation word removed;
- altered-number: an exact quotation holding a number, the number changed (pages without one
  in their paragraphs give none).

Quotation marks follow the page's language (“…” en, „…“ de, « … » fr, «…» es/it/pt, "…"
otherwise). `pairs.json` lists {"kind", "article", "source", "url", "lang", "quote"} per pair;
the measure is: every altered quotation flagged (not `found`), no exact, elided or across
quotation flagged, and no quotation extracted from a paraphrase.
"""

import argparse
import json
import os
import random
import re
import sys

import lxml.html

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpus_pages import alternate_corpora, corpus_pages, main_container, page_lang, words  # noqa: E402

KINDS = ["exact", "elided", "across", "paraphrase", "altered-word", "altered-negation", "altered-number"]
MARKS = {"en": ("\u201c", "\u201d"), "de": ("\u201e", "\u201c"), "fr": ("\u00ab\u00a0", "\u00a0\u00bb"),
         "es": ("\u00ab", "\u00bb"), "it": ("\u00ab", "\u00bb"), "pt": ("\u00ab", "\u00bb")}
NEGATION = {"en": "not", "de": "nicht", "fr": "pas", "es": "no", "it": "non", "pt": "não", "nl": "niet",
            "pl": "nie"}
SAID = {"en": "The source said that", "de": "Die Quelle sagte, dass", "fr": "La source a dit que",
        "es": "La fuente dijo que"}
ELISIONS = ["...", "\u2026", "[\u2026]"]


QUOTE_CHARS = "\"\u201c\u201d\u201e\u201f\u00ab\u00bb\u2018\u2019\u201a\u2039\u203a"


def paragraphs(container):
    """The container's paragraphs of twenty words or more without quotation marks of their own
    (a quotation inside a quotation would end it), and which of them are next to each other on
    the page (no other element between them)."""
    out, adjacent, previous = [], set(), None
    for i, p in enumerate(container):
        if not isinstance(p.tag, str):
            continue
        text = re.sub(r"\s+", " ", p.text_content()).strip()
        if p.tag == "p" and words(text) >= 20 and not any(c in text for c in QUOTE_CHARS):
            if previous == i - 1:
                adjacent.add(len(out) - 1)
            out.append(text)
            previous = i
    return out, adjacent


def article(url, quote, lang, quoted=True):
    left, right = MARKS.get(lang, ('"', '"'))
    said = SAID.get(lang, SAID["en"])
    body = f"{left}{quote}{right}" if quoted else f"{said} {quote}"
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>Story</title></head>'
            f'<body><h1>Story</h1><p>{html_escape(body)}, according to <a href="{html_escape(url)}">'
            f'the source</a>.</p></body></html>\n')


def html_escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def span(tokens, rng, low=8, high=16):
    n = rng.randint(low, min(high, len(tokens)))
    start = rng.randint(0, len(tokens) - n)
    return tokens[start:start + n]


def build(kind, paras, adjacent, lang, rng, page_words):
    p = rng.randrange(len(paras))
    tokens = paras[p].split()
    if kind == "exact":
        return " ".join(span(tokens, rng)), True
    if kind == "elided":
        half = len(tokens) // 2
        tail = tokens[half:]
        if len(tail) < 8:
            return None
        start = rng.randint(0, len(tail) - 6)
        return " ".join(tokens[:6]) + f" {ELISIONS[rng.randrange(3)]} " + " ".join(tail[start:start + 6]), True
    if kind == "across":
        if not adjacent:
            return None
        p = rng.choice(sorted(adjacent))
        return " ".join(paras[p].split()[-6:] + paras[p + 1].split()[:6]), True
    if kind == "paraphrase":
        sentence = re.split(r"(?<=[.!?])\s+", paras[p])[0]
        return sentence.rstrip(".!?"), False
    if kind == "altered-word":
        quote = span(tokens, rng, 10, 16)
        inner = [i for i in range(1, len(quote) - 1) if len(re.sub(r"\W", "", quote[i])) >= 4
                 and not any(c.isdigit() for c in quote[i])]
        if not inner:
            return None
        i = rng.choice(inner)
        choices = [w for w in page_words if w.lower() != re.sub(r"\W", "", quote[i]).lower()]
        quote[i] = rng.choice(choices)
        return " ".join(quote), True
    if kind == "altered-negation":
        quote = span(tokens, rng, 10, 16)
        neg = NEGATION.get(lang, "not")
        present = [i for i, w in enumerate(quote) if re.sub(r"\W", "", w).lower() == neg]
        if present and 0 < present[0] < len(quote) - 1:
            del quote[present[0]]
        else:
            quote.insert(3, neg)
        return " ".join(quote), True
    if kind == "altered-number":
        for q in rng.sample(range(len(paras)), len(paras)):
            t = paras[q].split()
            numbered = [i for i, w in enumerate(t) if re.search(r"\d", w)]
            if not numbered:
                continue
            i = rng.choice(numbered)
            start = max(0, i - rng.randint(3, 7))
            quote = t[start:start + 12]
            j = i - start
            quote[j] = re.sub(r"\d+", lambda m: str(int(m.group()) + rng.randint(1, 9)) if len(m.group()) < 10
                              else m.group()[:-1] + str((int(m.group()[-1]) + 1) % 10), quote[j], count=1)
            return " ".join(quote), True
        return None
    raise ValueError(kind)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--pages", type=int, default=60)
    a = p.parse_args()
    os.makedirs(os.path.join(a.out, "articles"), exist_ok=True)
    rng = random.Random(17)
    pages = []
    for rel, raw, url in corpus_pages(a.corpus):
        try:
            # Read as UTF-8 when it is (most pages are, and lxml guesses Latin-1 without a
            # <meta charset>), else as lxml reads the bytes.
            try:
                doc = lxml.html.fromstring(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                doc = lxml.html.fromstring(raw)
        except (ValueError, lxml.etree.ParserError):
            continue
        c = main_container(doc)
        if c is None:
            continue
        paras, adjacent = paragraphs(c)
        if len(paras) >= 3:
            pages.append((rel, url, raw, paras, adjacent))
    chosen = alternate_corpora(pages, a.pages)
    pairs = []
    for n, (rel, url, raw, paras, adjacent) in enumerate(chosen):
        lang = page_lang(raw) or "en"
        page_words = sorted({re.sub(r"\W", "", w) for para in paras for w in para.split()
                             if len(re.sub(r"\W", "", w)) >= 5 and not any(c.isdigit() for c in w)})
        for kind in KINDS:
            built = build(kind, paras, adjacent, lang, rng, page_words)
            if built is None:
                continue
            quote, quoted = built
            name = f"articles/{n:03}-{kind}.html"
            with open(os.path.join(a.out, name), "w", encoding="utf-8") as f:
                f.write(article(url, quote, lang, quoted))
            pairs.append(dict(kind=kind, article=name, source=rel, url=url, lang=lang, quote=quote))
    json.dump(pairs, open(os.path.join(a.out, "pairs.json"), "w"), indent=1, ensure_ascii=False)
    counts = {k: sum(1 for x in pairs if x["kind"] == k) for k in KINDS}
    print(f"{len(pairs)} pairs from {len(chosen)} pages: {counts}", file=sys.stderr)


if __name__ == "__main__":
    main()
