#!/usr/bin/env bash
# Builds a second real MovieLens dataset for the trainer's generality check:
# ml-latest-small as GroupLens published it in 2016 (671 users, 9,066 movies,
# 100,004 ratings, 1995–2016), taken from Debian's `r-cran-dslabs` package
# (its `movielens` data set is that release's ratings.csv joined with
# movies.csv), written in the ml-latest format the trainer reads:
#
#   scripts/dslabs-movielens.sh DIR      # → DIR/ratings.csv, DIR/movies.csv
#   reelgraph train --data DIR ...
#   cargo bench --workspace --bench generality
#
# The files are MovieLens data: they stay outside the repository (MovieLens'
# license forbids redistribution). Needs Debian's R (r-base-core) and
# r-cran-dslabs, installed with apt-get when missing. The output is checked
# against SHA-256 sums, so every run measures the same data.
set -euo pipefail
out="${1:?usage: scripts/dslabs-movielens.sh DIR}"
# shellcheck source=infra/lib.sh
. "$(dirname "$0")/../infra/lib.sh"
# shellcheck source=scripts/lib/pinned-data.sh
. "$(dirname "$0")/lib/pinned-data.sh"

RATINGS_SHA256=4648bcd05e40e0654697daac07fc98221ebe0dfa57c93f8fe89bbf720d90c8ab
MOVIES_SHA256=c9489bc48dc2b4087aae317b9c4f9d041d6f8bc51b2b16ed5e70e49453274de1

if pinned_ok "$out"; then
  echo "dslabs-movielens.sh: $out is up to date"
  exit 0
fi

if ! command -v Rscript >/dev/null 2>&1 || ! Rscript -e 'library(dslabs)' >/dev/null 2>&1; then
  echo "dslabs-movielens.sh: installing Debian's r-base-core and r-cran-dslabs"
  apt_install --no-install-recommends r-base-core r-cran-dslabs
fi

mkdir -p "$out"
tmp=$(mktemp -d "$out/.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# dslabs split the title into title and year, and kept only rated movies;
# the year goes back into the title as "Title (YYYY)", as in movies.csv.
OUT="$tmp" Rscript --vanilla - <<'EOF'
suppressMessages(library(dslabs))
data(movielens)
m <- movielens
out <- Sys.getenv("OUT")
r <- data.frame(userId = m$userId, movieId = m$movieId, rating = m$rating,
                timestamp = m$timestamp)
write.csv(r, file.path(out, "ratings.csv"), row.names = FALSE, quote = FALSE)
t <- unique(m[, c("movieId", "title", "year", "genres")])
t <- t[order(t$movieId), ]
title <- ifelse(is.na(t$year), t$title, paste0(t$title, " (", t$year, ")"))
mv <- data.frame(movieId = t$movieId, title = title, genres = as.character(t$genres))
write.csv(mv, file.path(out, "movies.csv"), row.names = FALSE)
EOF
pinned_install "$tmp" "$out"
echo "dslabs-movielens.sh: wrote $out (ml-latest-small 2016: $(($(wc -l <"$out/ratings.csv") - 1)) ratings)"
