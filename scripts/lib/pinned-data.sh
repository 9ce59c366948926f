# shellcheck shell=bash
# Sourced by the dataset scripts (scripts/*-movielens.sh): a dataset directory
# holds ratings.csv and movies.csv whose SHA-256 sums the script pins in
# RATINGS_SHA256 and MOVIES_SHA256.

# pinned_ok DIR: both files are in DIR with the pinned sums.
pinned_ok() {
  [ -f "$1/ratings.csv" ] && [ -f "$1/movies.csv" ] &&
    echo "$RATINGS_SHA256  $1/ratings.csv" | sha256sum --check --status &&
    echo "$MOVIES_SHA256  $1/movies.csv" | sha256sum --check --status
}

# pinned_install TMP DIR: checks the files written in TMP (a directory inside
# DIR) and only then moves them into DIR, so DIR never holds unchecked data.
pinned_install() {
  echo "$RATINGS_SHA256  $1/ratings.csv" | sha256sum --check --quiet
  echo "$MOVIES_SHA256  $1/movies.csv" | sha256sum --check --quiet
  mv "$1/ratings.csv" "$1/movies.csv" "$2/"
}
