#!/usr/bin/env bash
# Payouts per second of `payout-batch run` on one machine: the SQLite journal (one process)
# against a PostgreSQL journal shared by 1, 2 and 4 worker processes, the mock answering every
# payout call (creation, execution, state) after 50 ms, as a real server might. Each worker keeps
# --in-flight payouts going (default 4); the SQLite journal is also run with as many in flight
# as 4 workers have together.
#
#   eval "$(bash scripts/postgres.sh start)"
#   bash scripts/bench-workers.sh            # LINES=400 IN_FLIGHT=4 by default
#
# Prints one line per set-up: lines, seconds (wall clock, start to the last worker's end) and
# payouts per second. Every run is checked: every line completed.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${INTELLECTMONEY_TEST_POSTGRES:?start a server first: eval \"\$(bash scripts/postgres.sh start)\"}"
lines="${LINES:-400}"
in_flight="${IN_FLIGHT:-4}"
cargo build -q --release -p intellectmoney-cli
bin=target/release/intellectmoney
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
{
  echo "key,preference_type,amount,currency,recipient_name,pan"
  for ((i = 0; i < lines; i++)); do
    echo "seller-$i/2026-W48,OutBankCard,$((10 + i % 90)).$(printf %02d $((i % 100))),RUB,Ivanov Ivan,4111111111111111"
  done
} >"$work/batch.csv"
cat >"$work/scenario.json" <<'JSON'
{ "payout": { "outcome": "complete", "polls": 0 },
  "methods": { "CreateOperation": { "delay_ms": 50 }, "ExecuteOperation": { "delay_ms": 50 },
               "GetOperationState": { "delay_ms": 50 } } }
JSON
port=$((20000 + RANDOM % 20000))
"$bin" --sign-secret s --user-token t mock-server --addr "127.0.0.1:$port" --scenario "$work/scenario.json" >/dev/null &
sleep 1
run() { # journal, in-flight, batch file
  "$bin" --base-url "http://127.0.0.1:$port" --user-token t --bearer-token b --sign-secret s \
    payout-batch run --hash-key bench --poll-interval 0s --in-flight "$2" --journal "$1" "$3" \
    >/dev/null 2>>"$work/err.log" || true
}
measure() { # label, workers, journal, in-flight
  local start end pids=() folder
  # A folder of its own: a journal beside the batch file from another set-up would refuse it.
  folder=$(mktemp -d -p "$work")
  cp "$work/batch.csv" "$folder/batch.csv"
  local journal="$3"
  [ "$journal" = sqlite ] && journal="$folder/payouts.db"
  start=$(date +%s.%N)
  for ((w = 0; w < $2; w++)); do
    run "$journal" "$4" "$folder/batch.csv" &
    pids+=($!)
  done
  wait "${pids[@]}"
  end=$(date +%s.%N)
  "$bin" payout-batch status --journal "$journal" 2>/dev/null | grep -q "^completed RUB: $lines payout" \
    || { echo "$1: not every line completed"; "$bin" payout-batch status --journal "$journal"; exit 1; }
  python3 -c "import sys; s=float(sys.argv[2])-float(sys.argv[1]); print(f'{sys.argv[3]:<34} {sys.argv[4]} lines  {s:7.2f} s  {int(sys.argv[4])/s:7.1f} payouts/s')" \
    "$start" "$end" "$1" "$lines"
}
base="${INTELLECTMONEY_TEST_POSTGRES%/*}"
database() { # a new database on the test server
  local name="bench_$1_$$"
  PGOPTIONS="-c client_min_messages=warning" psql -q "$INTELLECTMONEY_TEST_POSTGRES" -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name"
  echo "$base/$name"
}
measure "SQLite, 1 process, $in_flight in flight" 1 sqlite "$in_flight"
measure "SQLite, 1 process, $((in_flight * 4)) in flight" 1 sqlite "$((in_flight * 4))"
for workers in 1 2 4; do
  measure "PostgreSQL, $workers worker(s), $in_flight in flight each" "$workers" "$(database "w$workers")" "$in_flight"
done
