#!/usr/bin/env bash
# Every judgement figure in one run: main-text extraction on both corpora beside Python
# trafilatura, soft-404 precision and recall on the labelled set, the grade confusion matrix on
# the labelled pairs, and the quotation checks. Builds what is missing first: a virtualenv in
# target/refvenv with lxml and trafilatura 2.3.1 (and lxml_html_clean, which its justext needs
# since lxml 5.2), the labelled sets and the reference texts under target/ (the soft-404 set
# downloads CMS and theme packages from the registries once).
#
#   scripts/calibrate.sh [CORPUS_DIR]      # default ../shared/corpus
#
# Delete a set's folder under target/ to build it again.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-../shared/corpus}
[ -d "$corpus/trafilatura-eval" ] && [ -d "$corpus/readability-pages" ] || {
    echo "calibrate.sh: $corpus holds no trafilatura-eval/ and readability-pages/" >&2
    exit 2
}
venv=target/refvenv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c 'import lxml, trafilatura' 2>/dev/null \
    || "$venv/bin/pip" install -q lxml lxml_html_clean 'trafilatura==2.3.1'
build() { # NAME SCRIPT
    [ -d "target/$1" ] || "$venv/bin/python" "scripts/$2" --corpus "$corpus" --out "target/$1"
}
build soft404-set soft404_set.py
build grade-pairs grade_pairs.py
build quote-pairs quote_pairs.py
[ -f target/reference-trafilatura.json ] \
    || "$venv/bin/python" scripts/reference_extract.py --corpus "$corpus" \
        --out target/reference-trafilatura.json
cargo run --quiet --release --example calibrate -- --all "$corpus"
