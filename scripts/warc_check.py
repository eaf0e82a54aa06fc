#!/usr/bin/env python3
"""`warcio check`, with the WARC standard's payload digest for chunked responses.

usage: warc_check.py FILE.warc.gz...  (run with the Python that has warcio installed)

Runs warcio's own digest checks on every record (as `warcio check` does) and fails on any
problem, with one exception that it verifies instead of ignoring: warcio digests a response's
message body as stored, chunk framing included, while WARC 1.1 section 6.3.2 defines the payload
of an HTTP response as its entity-body "with any transfer-encoding removed" (warcio issues 74
and 75; iipc/warc-specifications issue 22). provcheck stores chunked responses as they crossed the
wire and digests their entity, so for those records this script de-chunks the body as RFC 9112
section 7.1 defines (chunk extensions and a trailer section allowed: warcio's ChunkedDataReader
stops at a trailer) and checks WARC-Payload-Digest against that. Exit status 1 on any problem.
"""

import base64
import hashlib
import io
import sys

from warcio.archiveiterator import ArchiveIterator


def digest_matches(label, data):
    algo, _, value = label.partition(":")
    digest = hashlib.new(algo.lower().replace("-", ""), data).digest()
    return base64.b32encode(digest).decode() == value.strip().upper()


def dechunk(framed, truncated):
    """The entity of a chunked message body (RFC 9112 section 7.1); None if the framing is bad.
    A truncated record's framing may stop anywhere: its entity is what came before the cut."""
    stream = io.BytesIO(framed)
    entity = bytearray()
    while True:
        line = stream.readline()
        if not line.endswith(b"\n"):
            return bytes(entity) if truncated else None
        try:
            size = int(line.split(b";")[0].strip(), 16)
        except ValueError:
            return None
        if size == 0:
            while True:  # the trailer section, up to an empty line
                line = stream.readline()
                if not line.endswith(b"\n"):
                    return bytes(entity) if truncated else None
                if not line.strip():
                    return bytes(entity)
        data = stream.read(size)
        entity += data
        if len(data) != size:
            return bytes(entity) if truncated else None
        if stream.readline().strip():
            return None


def read_all(stream):
    out = bytearray()
    while True:
        piece = stream.read(1 << 20)
        if not piece:
            return bytes(out)
        out += piece


def check(path):
    problems = 0
    records = 0
    chunked = 0
    with open(path, "rb") as fh:
        it = ArchiveIterator(fh, check_digests=True)
        for record in it:
            records += 1
            # Read before asking the offset: warcio finishes a record when asked where it began.
            body = read_all(record.raw_stream)
            offset = it.get_record_offset()
            found = list(record.digest_checker.problems)
            te = record.http_headers.get_header("transfer-encoding") if record.http_headers else None
            label = record.rec_headers.get_header("WARC-Payload-Digest")
            if record.rec_type == "response" and te and te.strip().lower().endswith("chunked") and label:
                chunked += 1
                entity = dechunk(body, record.rec_headers.get_header("WARC-Truncated") is not None)
                found = [p for p in found if not p.startswith("payload digest failed")]
                if entity is None:
                    found.append("bad chunked framing")
                elif not digest_matches(label, entity):
                    found.append("payload digest of the de-chunked entity failed: " + label)
            for problem in found:
                problems += 1
                print(f"{path}: offset {offset} ({record.rec_type}): {problem}")
    print(f"{path}: {records} records, {chunked} chunked responses, {problems} problems")
    return problems


def main(paths):
    if not paths:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    return 1 if sum(check(p) for p in paths) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
