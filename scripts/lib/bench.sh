# shellcheck shell=bash
# Sourced by the serving benchmarks (scripts/bench-serve.sh, bench-swap.sh,
# bench-services.sh), after infra/lib.sh: the binary, the dataset, wrk, and
# reading wrk's output.

# bench_setup NAME [BIN]: BIN is the given reelgraph binary, else the workspace
# is built and its debug binary used; DATA defaults to ../shared/data/ml-100k;
# wrk and the dataset must be there.
bench_setup() {
  local name=$1
  BIN=${2:-}
  if [ -z "$BIN" ]; then
    cargo build --quiet --workspace
    BIN="$CARGO_TARGET_DIR/debug/reelgraph"
  fi
  DATA=${DATA:-../shared/data/ml-100k}
  command -v wrk >/dev/null || die "$name: wrk is not installed (apt-get install wrk)"
  [ -d "$DATA" ] || die "$name: no dataset at $DATA"
}

# ms PERCENTILE: that latency of wrk --latency's output (stdin), in ms.
ms() { awk -v p="$1" '$1 == p { v=$2; if (v ~ /us$/) { sub(/us$/,"",v); v/=1000 } else if (v ~ /ms$/) { sub(/ms$/,"",v) } else if (v ~ /s$/) { sub(/s$/,"",v); v*=1000 } printf "%.3f", v }'; }
# rps: requests per second of wrk's output (stdin).
rps() { awk '/Requests\/sec/ { printf "%.0f", $2 }'; }
# errors: non-2xx answers and socket errors of wrk's output (stdin).
errors() { awk '/Non-2xx/ { n += $NF } /Socket errors/ { gsub(",", ""); n += $4 + $6 + $8 + $10 } END { print n + 0 }'; }
