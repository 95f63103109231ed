#!/usr/bin/env bash
# The package as a user installs it: `npm pack`, then `npm install -g --prefix`
# into an empty folder, then that install's `ner` trains, evaluates and tags the
# sample data. Run by .ci/run after the tests; needs the npm registry.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tarball="$(npm pack --silent --pack-destination "$work" | tail -1)"
echo "packed $tarball ($(du -h "$work/$tarball" | cut -f1))"
npm install -g --prefix "$work/prefix" --no-audit --no-fund --loglevel=error "$work/$tarball" > "$work/install.log" 2>&1 \
  || { cat "$work/install.log"; exit 1; }
ner="$work/prefix/bin/ner"
# Error messages point to docs/formats.md: the pages ship with the package.
test -f "$work/prefix/lib/node_modules/ner-bilstm-crf/docs/formats.md"
"$ner" --version
"$ner" train --data data/sample/train.conll --dev data/sample/dev.conll --out "$work/model" --epochs 1 --optimizer adam --lr 0.003 --quiet
"$ner" eval --model "$work/model" --data data/sample/test.conll --quiet | grep '^accuracy:'
head -2 data/sample/sentences.txt | "$ner" predict --model "$work/model" --output-format json --quiet | wc -l | grep -qx 2
echo "the packed ner installs into an empty prefix, trains, evaluates and tags"
