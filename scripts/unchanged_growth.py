"""How much an unchanged nightly sweep grows the archive, on real pages (issue 15).

Serves every real page of `../shared/corpus/` (both corpora) from a loopback server that
behaves like a common web server (gzip when asked, `ETag` and `Last-Modified`, `304 Not
Modified` on a matching conditional request), runs `provcheck sweep` twice over one article
citing them all, once per `not_modified_record` mode, and prints the archive's size (WARC files
and index apart) after each sweep and the growth of the second.

    python3 scripts/unchanged_growth.py ../shared/corpus target/release/provcheck [--limit N]
"""

import argparse
import email.utils
import gzip
import hashlib
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(__file__))
from corpus_pages import corpus_pages  # noqa: E402

LAST_MODIFIED = email.utils.formatdate(1764000000, usegmt=True)


def serve(pages):
    bodies = [(body, gzip.compress(body, 6), '"%s"' % hashlib.sha1(body).hexdigest()[:20])
              for body in pages]

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "nginx"
        sys_version = ""

        def log_message(self, *args):
            pass

        def do_GET(self):
            try:
                n = int(self.path.rsplit("/", 1)[-1])
                raw, gz, etag = bodies[n]
            except (ValueError, IndexError):
                self.send_error(404)
                return
            common = [("Last-Modified", LAST_MODIFIED), ("ETag", etag),
                      ("Cache-Control", "max-age=300, public"), ("Vary", "Accept-Encoding")]
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                for k, v in common:
                    self.send_header(k, v)
                self.end_headers()
                return
            body = raw
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            if "gzip" in (self.headers.get("Accept-Encoding") or ""):
                body = gz
                self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            for k, v in common:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def size(path, suffixes):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            if f.endswith(suffixes):
                total += os.path.getsize(os.path.join(root, f))
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("binary")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--modes", default="compact,revisit")
    args = ap.parse_args()
    pages = [body for _, body, _ in corpus_pages(args.corpus)]
    if args.limit:
        pages = pages[: args.limit]
    server = serve(pages)
    port = server.server_address[1]
    binary = os.path.abspath(args.binary)
    print(f"{len(pages)} real pages, median {sorted(len(gzip.compress(p, 6)) for p in pages)[len(pages) // 2]:,}"
          " bytes gzipped")
    print(f"{'mode':<10} {'WARC 1st':>12} {'index 1st':>11} {'WARC 2nd':>12} {'index 2nd':>11}"
          f" {'growth':>8} {'per URL':>8}")
    for mode in args.modes.split(","):
        desk = tempfile.mkdtemp(prefix="growth-")
        try:
            os.mkdir(f"{desk}/articles")
            with open(f"{desk}/articles/a.md", "w") as f:
                f.write("# Every page\n\n")
                for n in range(len(pages)):
                    f.write(f"- [page {n}](http://127.0.0.1:{port}/p/{n})\n")
            with open(f"{desk}/provcheck.toml", "w") as f:
                f.write('allow_net = ["127.0.0.0/8"]\nhost_interval = "0s"\nhost_concurrency = 8\n'
                        f'not_modified_record = "{mode}"\n')
            sizes = []
            for _ in range(2):
                subprocess.run([binary, "-q", "sweep", "articles", "--max-age", "0s",
                                "--format", "json"], cwd=desk, stdout=subprocess.DEVNULL)
                sizes.append((size(f"{desk}/archive", (".warc.gz", ".warc")),
                              size(f"{desk}/archive", (".sqlite", ".sqlite-wal", ".db"))))
            (w1, i1), (w2, i2) = sizes
            growth = (w2 + i2 - w1 - i1) / (w1 + i1) * 100
            per = (w2 + i2 - w1 - i1) / len(pages)
            print(f"{mode:<10} {w1:>12,} {i1:>11,} {w2:>12,} {i2:>11,} {growth:>7.2f}% {per:>8.0f}")
        finally:
            shutil.rmtree(desk)
    server.shutdown()


if __name__ == "__main__":
    main()
