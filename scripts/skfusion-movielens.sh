#!/usr/bin/env bash
# Builds a third real MovieLens dataset for the trainer's generality check:
# ml-latest-small as GroupLens published it in April 2015 (706 users, 8,570
# movies, 100,023 ratings, 1996–2015), taken unchanged from the PyPI source
# archive of scikit-fusion 0.2.1 (skfusion/datasets/data/movielens/, the
# files its `load_movielens` reads; byte-identical copies ship in
# Orange3-DataFusion 0.1.11). Its users are a different random sample from
# the 2016 release's (scripts/dslabs-movielens.sh).
#
#   scripts/skfusion-movielens.sh DIR    # → DIR/ratings.csv, DIR/movies.csv
#   reelgraph train --data DIR ...
#   cargo bench --workspace --bench generality
#
# The files are MovieLens data: they stay outside the repository (MovieLens'
# license forbids redistribution). Needs python3 (to download the archive from
# PyPI; nothing is installed). The archive and the output are checked against
# SHA-256 sums, so every run measures the same data.
set -euo pipefail
out="${1:?usage: scripts/skfusion-movielens.sh DIR}"
# shellcheck source=scripts/lib/pinned-data.sh
. "$(dirname "$0")/lib/pinned-data.sh"

ARCHIVE=scikit-fusion-0.2.1.tar.gz
ARCHIVE_SHA256=a1cafbc6d76c5beee35cb7614d27adb7dc5b2876fac85389c310185e8cd384d0
RATINGS_SHA256=916eeee296f82fab131a60794b7e967a86ea9a22ed293580d39ba5326ff37a14
MOVIES_SHA256=0df22d5456edb50237a6ff32c01526629e09ddeba60d7a2c5062ed889d585874

if pinned_ok "$out"; then
  echo "skfusion-movielens.sh: $out is up to date"
  exit 0
fi

mkdir -p "$out"
tmp=$(mktemp -d "$out/.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# The archive's address from PyPI's simple index (PEP 691 JSON); `pip
# download` would first build the 2015 package's metadata, which fails
# without the setuptools of its time.
DEST="$tmp/$ARCHIVE" python3 - <<'EOF'
import json, os, shutil, urllib.request
index = urllib.request.Request(
    "https://pypi.org/simple/scikit-fusion/",
    headers={"Accept": "application/vnd.pypi.simple.v1+json"},
)
files = json.load(urllib.request.urlopen(index))["files"]
url = next(f["url"] for f in files if f["filename"] == "scikit-fusion-0.2.1.tar.gz")
with urllib.request.urlopen(url) as r, open(os.environ["DEST"], "wb") as f:
    shutil.copyfileobj(r, f)
EOF
echo "$ARCHIVE_SHA256  $tmp/$ARCHIVE" | sha256sum --check --quiet
src=scikit-fusion-0.2.1/skfusion/datasets/data/movielens
tar -xzf "$tmp/$ARCHIVE" -C "$tmp" "$src/ratings.csv.gz" "$src/movies.csv.gz"
gzip -dc "$tmp/$src/ratings.csv.gz" >"$tmp/ratings.csv"
gzip -dc "$tmp/$src/movies.csv.gz" >"$tmp/movies.csv"
pinned_install "$tmp" "$out"
echo "skfusion-movielens.sh: wrote $out (ml-latest-small 2015: $(($(wc -l <"$out/ratings.csv") - 1)) ratings)"
