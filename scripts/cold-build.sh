#!/usr/bin/env bash
# The cold build of a minimal project that depends on `intellectmoney`, against its floor: the
# same project with only reqwest (the same default TLS), serde, serde_json and tokio. Three
# dependents: default features (both APIs), payout only and personal only (`default-features =
# false, features = ["payout" | "personal", "rustls"]`). Every project is built from nothing (a
# fresh target directory, the registry already downloaded) in the same run, in turn, RUNS times
# each (default 3); the medians are compared. Then where the difference goes: the CPU time of
# every crate the default dependent builds and the floor does not (cargo's --timings of the last
# run of each). Recorded in BENCHMARKS.md.
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

main='#[tokio::main]
async fn main() {
    let client = intellectmoney::Client::builder().user_token("t").build().unwrap();
    println!("{client:?}");
}'
tokio='tokio = { version = "1", features = ["macros", "rt-multi-thread"] }'
project dependent "intellectmoney = { path = \"$root/generated\" }
$tokio" "$main"
for api in payout personal; do
  project "$api-only" "intellectmoney = { path = \"$root/generated\", default-features = false, features = [\"$api\", \"rustls\"] }
$tokio" "$main"
done
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
names=(floor dependent payout-only personal-only)
declare -A times
for _ in $(seq "$runs"); do
  for name in "${names[@]}"; do
    times[$name]="${times[$name]:-} $(seconds "$name")"
  done
done
median_of() { printf '%s\n' ${times[$1]} | median; }
floor=$(median_of floor)
row() { # label, project
  local m
  m=$(median_of "$2")
  echo "| $1 | $m, **$(echo "scale=2; $m / $floor" | bc)×** the floor (runs:${times[$2]}) |"
}
echo "| cold debug build, median of $runs | seconds |"
echo "| --- | --- |"
echo "| floor: reqwest, serde, serde_json, tokio | $floor (runs:${times[floor]}) |"
row "intellectmoney (default features: both APIs) and tokio" dependent
row "intellectmoney, payout only, and tokio" payout-only
row "intellectmoney, personal only, and tokio" personal-only
echo "Machine: $(nproc) cores, $(rustc --version)."

# CPU seconds per unit, from the unit table cargo writes into its timings report.
timing() { echo "$work/$1/target/cargo-timings/cargo-timing.html"; }
python3 - "$(timing floor)" "$(timing dependent)" "$(timing payout-only)" <<'PY'
import json, re, sys
def units(path):
    html = open(path).read()
    data = json.loads(re.search(r"const UNIT_DATA = (\[.*?\]);\n", html, re.S).group(1))
    return {(u["name"] + (" " + u["target"].strip() if u["target"].strip() else "")): u["duration"] for u in data}
floor = units(sys.argv[1])
print(f"CPU time of every unit of the floor: {sum(floor.values()):.1f} s.")
for label, path in [("default", sys.argv[2]), ("payout only", sys.argv[3])]:
    dependent = units(path)
    extra = sorted(((t, n) for n, t in dependent.items() if n not in floor and not n.startswith(("dependent", "payout-only"))), reverse=True)
    print(f"{label}: every unit {sum(dependent.values()):.1f} s; units only the dependent builds {sum(t for t, _ in extra):.1f} s of CPU:")
    print("  " + ", ".join(f"{n} {t:.1f}" for t, n in extra if t >= 0.3))
PY
