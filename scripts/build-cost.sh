#!/usr/bin/env bash
# Build cost, recorded in BENCHMARKS.md: the `intellectmoney` crate's own debug build and
# `cargo check` once its dependencies are built, and a full regeneration from the spec.
# Each figure is the median of RUNS runs (default 3). Run from anywhere: bash scripts/build-cost.sh
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}

now() { date +%s.%N; }

# The median, in seconds, of `runs` timings of "$prepare; $measure".
median_of() {
  local prepare=$1 measure=$2 times=()
  for _ in $(seq "$runs"); do
    eval "$prepare"
    local start end
    start=$(now)
    eval "$measure" >/dev/null 2>&1
    end=$(now)
    times+=("$(echo "$end - $start" | bc)")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "%.2f", a[int((NR + 1) / 2)] }'
}

# Dependencies first, outside the measurement.
cargo build -q -p intellectmoney
cargo check -q -p intellectmoney
cargo build -q --release -p intellectmoney-codegen

touch_crate='touch generated/src/lib.rs'
build=$(median_of "$touch_crate" 'cargo build -q -p intellectmoney')
check=$(median_of "$touch_crate" 'cargo check -q -p intellectmoney')
# The generator as the README runs it, already built: reading, checking and rendering the spec,
# formatting and writing every file (unchanged files are rewritten with the same bytes).
regen=$(median_of ':' 'cargo run -q -p intellectmoney-codegen')
regen_release=$(median_of ':' 'target/release/intellectmoney-codegen')

lines=$(cat generated/src/api/*/*.rs | wc -l)
cat <<TABLE
| what | median of $runs (s) |
| --- | --- |
| \`intellectmoney\` debug build, its own code only (dependencies built) | $build |
| \`cargo check -p intellectmoney\`, its own code only | $check |
| full regeneration, \`cargo run -p intellectmoney-codegen\` (built, debug) | $regen |
| full regeneration, release build of the generator | $regen_release |

Generated code: $lines lines in generated/src/api/. Machine: $(nproc) cores, $(rustc --version).
TABLE
