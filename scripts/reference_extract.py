#!/usr/bin/env python3
"""Main text of every corpus page by Python trafilatura, for `examples/calibrate --reference`.

    python3 -m venv target/refvenv && target/refvenv/bin/pip install trafilatura
    target/refvenv/bin/python scripts/reference_extract.py --corpus ../shared/corpus \\
        --out target/reference-trafilatura.json

Writes {"readability-pages/NAME": text, "trafilatura-eval/FILE": text, "_meta": {...}} with
trafilatura's default settings (as its own evaluation runs it), and the time it took.
"""

import argparse
import glob
import gzip
import json
import os
import sys
import time

import trafilatura


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", required=True)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    out = {}
    started = time.perf_counter()
    pages = 0
    for d in sorted(glob.glob(os.path.join(a.corpus, "readability-pages", "*", ""))):
        src = os.path.join(d, "source.html")
        if not os.path.exists(src):
            continue
        html = open(src, "rb").read()
        out["readability-pages/" + os.path.basename(d.rstrip("/"))] = trafilatura.extract(
            html, url="http://fakehost/test/page.html") or ""
        pages += 1
    data = json.load(open(os.path.join(a.corpus, "trafilatura-eval", "evaldata.json"), encoding="utf-8"))
    for url, entry in sorted(data.items()):
        for sub in ("eval", "cache"):
            f = os.path.join(a.corpus, "trafilatura-eval", sub, entry["file"] + ".gz")
            if os.path.exists(f):
                try:
                    html = gzip.open(f).read()
                except OSError:
                    break
                out["trafilatura-eval/" + entry["file"]] = trafilatura.extract(html, url=url) or ""
                pages += 1
                break
    elapsed = time.perf_counter() - started
    out["_meta"] = {"extractor": f"trafilatura {trafilatura.__version__} (Python, defaults)",
                    "pages": pages, "seconds": round(elapsed, 1)}
    json.dump(out, open(a.out, "w", encoding="utf-8"), ensure_ascii=False)
    print(f"{pages} pages in {elapsed:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
