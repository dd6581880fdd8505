#!/usr/bin/env bash
# The typed decoders against their floors, both formats, both inputs (the large answer and one
# page of 100 invoices), from one criterion run: the floor is what any decoder into the crate's
# owned types spends at the least (XML: every event read and every non-blank text decoded;
# JSON: the document parsed into `IgnoredAny`; both: the decoded answer cloned and dropped).
# Prints the raw baselines, the floors and typed / floor. Recorded in BENCHMARKS.md.
#   bash scripts/decode-ratios.sh            # runs the benchmark (about 3 minutes), then the table
#   NO_RUN=1 bash scripts/decode-ratios.sh   # the table of the last run
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [ -z "${NO_RUN:-}" ]; then
  cargo bench -q -p intellectmoney-tests --bench throughput -- "^(xml|json)/" >&2
fi
python3 - "$root/target/criterion" <<'PY'
import json, os, sys
base = sys.argv[1]
def time(group, name, size):
    for d in os.listdir(os.path.join(base, group)):
        path = os.path.join(base, group, d)
        try:
            bench = json.load(open(os.path.join(path, size, "new", "benchmark.json")))
        except FileNotFoundError:
            continue
        if bench["function_id"] != name:
            continue
        est = json.load(open(os.path.join(path, size, "new", "estimates.json")))
        typical = est.get("slope") or est["mean"]
        return typical["point_estimate"] / 1e6
    sys.exit(f"no result for {group}/{name}/{size}: run the benchmark first")
rows = []
for size in ["5000 invoices", "100 invoices"]:
    scan = time("xml", "raw quick-xml event scan", size)
    texts = time("xml", "raw scan, every non-blank text decoded", size)
    clone = time("xml", "the decoded answer cloned and dropped", size)
    typed = time("xml", "typed decode", size)
    rows.append(("XML", size, f"scan {scan:.3f}", texts + clone, f"{texts:.3f} + {clone:.3f}", typed))
    ignored = time("json", "serde_json IgnoredAny", size)
    clone = time("json", "the decoded answer cloned and dropped", size)
    typed = time("json", "typed decode", size)
    rows.append(("JSON", size, f"IgnoredAny {ignored:.3f}", ignored + clone, f"{ignored:.3f} + {clone:.3f}", typed))
print("| format, input | raw baseline (ms) | floor (ms) | typed decode (ms) | typed / floor (goal: at most 1.25) |")
print("| --- | --- | --- | --- | --- |")
for fmt, size, raw, floor, parts, typed in rows:
    print(f"| {fmt}, {size} | {raw} | {parts} = {floor:.3f} | {typed:.3f} | **{typed / floor:.2f}×** |")
PY
