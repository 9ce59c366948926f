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
# license forbids redistribution). Needs pip (only to download the archive;
# nothing is installed). The archive and the output are checked against
# SHA-256 sums, so every run measures the same data.
set -euo pipefail
out="${1:?usage: scripts/skfusion-movielens.sh DIR}"

ARCHIVE=scikit-fusion-0.2.1.tar.gz
ARCHIVE_SHA256=a1cafbc6d76c5beee35cb7614d27adb7dc5b2876fac85389c310185e8cd384d0
RATINGS_SHA256=916eeee296f82fab131a60794b7e967a86ea9a22ed293580d39ba5326ff37a14
MOVIES_SHA256=0df22d5456edb50237a6ff32c01526629e09ddeba60d7a2c5062ed889d585874

check() {
  [ -f "$out/ratings.csv" ] && [ -f "$out/movies.csv" ] &&
    echo "$RATINGS_SHA256  $out/ratings.csv" | sha256sum --check --status &&
    echo "$MOVIES_SHA256  $out/movies.csv" | sha256sum --check --status
}
if check; then
  echo "skfusion-movielens.sh: $out is up to date"
  exit 0
fi

mkdir -p "$out"
tmp=$(mktemp -d "$out/.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps --no-binary :all: --no-build-isolation \
  --dest "$tmp" scikit-fusion==0.2.1 2>/dev/null ||
  python3 -m pip download --quiet --no-deps --dest "$tmp" scikit-fusion==0.2.1
echo "$ARCHIVE_SHA256  $tmp/$ARCHIVE" | sha256sum --check --quiet
src=scikit-fusion-0.2.1/skfusion/datasets/data/movielens
tar -xzf "$tmp/$ARCHIVE" -C "$tmp" "$src/ratings.csv.gz" "$src/movies.csv.gz"
gzip -dc "$tmp/$src/ratings.csv.gz" >"$tmp/ratings.csv"
gzip -dc "$tmp/$src/movies.csv.gz" >"$tmp/movies.csv"
echo "$RATINGS_SHA256  $tmp/ratings.csv" | sha256sum --check --quiet
echo "$MOVIES_SHA256  $tmp/movies.csv" | sha256sum --check --quiet
mv "$tmp/ratings.csv" "$tmp/movies.csv" "$out/"
echo "skfusion-movielens.sh: wrote $out (ml-latest-small 2015: $(($(wc -l <"$out/ratings.csv") - 1)) ratings)"
