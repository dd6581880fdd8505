#!/usr/bin/env bash
# The cold build of a minimal project that depends on `intellectmoney` (default features, plus
# tokio), against its floor: the same project with only reqwest (the same default TLS), serde,
# serde_json and tokio. Both are built from nothing (a fresh target directory, the registry
# already downloaded) in the same run, alternately, RUNS times each (default 3); the medians are
# compared. Then where the difference goes: the CPU time of every crate the dependent builds and
# the floor does not (cargo's --timings of the last run of each). Recorded in BENCHMARKS.md.
#   bash scripts/cold-build.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
lock="$root/Cargo.lock"

project() { # name, dependencies, main
  mkdir -p "$work/$1/src"
  printf '[package]\nname = "%s"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n%s\n' "$1" "$2" > "$work/$1/Cargo.toml"
  printf '%s\n' "$3" > "$work/$1/src/main.rs"
  cp "$lock" "$work/$1/Cargo.lock" # the workspace's versions, so both sides build the same crates
}

project dependent "intellectmoney = { path = \"$root/generated\" }
tokio = { version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }" '#[tokio::main]
async fn main() {
    let client = intellectmoney::Client::builder().user_token("t").build().unwrap();
    println!("{client:?}");
}'
project floor 'reqwest = "0.13"
serde = { version = "1", features = ["derive"] }
serde_json = "1"
tokio = { version = "1", features = ["macros", "rt-multi-thread"] }' '#[tokio::main]
async fn main() {
    let client = reqwest::Client::new();
    println!("{client:?} {}", serde_json::json!({"a": 1}));
}'

seconds() { # project
  local start end
  rm -rf "$work/$1/target"
  start=$(date +%s.%N)
  (cd "$work/$1" && CARGO_TARGET_DIR="$work/$1/target" cargo build -q --offline --timings)
  end=$(date +%s.%N)
  printf '%.1f' "$(echo "$end - $start" | bc)"
}
median() { sort -n | awk '{ a[NR] = $1 } END { printf "%.1f", a[int((NR + 1) / 2)] }'; }
runs=${RUNS:-3}
floors=() dependents=()
for _ in $(seq "$runs"); do
  floors+=("$(seconds floor)")
  dependents+=("$(seconds dependent)")
done
floor=$(printf '%s\n' "${floors[@]}" | median)
dependent=$(printf '%s\n' "${dependents[@]}" | median)
ratio=$(echo "scale=2; $dependent / $floor" | bc)
echo "| cold debug build, median of $runs | seconds |"
echo "| --- | --- |"
echo "| floor: reqwest, serde, serde_json, tokio | $floor (runs: ${floors[*]}) |"
echo "| intellectmoney (default features) and tokio | $dependent, $ratio× the floor (runs: ${dependents[*]}) |"
echo "Machine: $(nproc) cores, $(rustc --version)."

# CPU seconds per unit, from the unit table cargo writes into its timings report.
python3 - "$work/floor/target/cargo-timings/cargo-timing.html" "$work/dependent/target/cargo-timings/cargo-timing.html" <<'PY'
import json, re, sys
def units(path):
    html = open(path).read()
    data = json.loads(re.search(r"const UNIT_DATA = (\[.*?\]);\n", html, re.S).group(1))
    return {(u["name"] + (" " + u["target"].strip() if u["target"].strip() else "")): u["duration"] for u in data}
floor, dependent = units(sys.argv[1]), units(sys.argv[2])
extra = sorted(((t, n) for n, t in dependent.items() if n not in floor and not n.startswith("dependent")), reverse=True)
print(f"CPU time of every unit: floor {sum(floor.values()):.1f} s, dependent {sum(dependent.values()):.1f} s.")
print(f"Units only the dependent builds: {sum(t for t, _ in extra):.1f} s of CPU:")
print(", ".join(f"{n} {t:.1f}" for t, n in extra if t >= 0.3))
PY
