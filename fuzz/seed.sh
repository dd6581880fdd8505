#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seeds from the spec and its wiki examples. Run from anywhere;
# existing corpus files are kept.
set -euo pipefail
cd "$(dirname "$0")"
examples=../spec/examples

# The decoder targets read their first byte as the method's index in the spec's order
# (`intellectmoney::for_each_method!`): the seeds come from a program that uses the same list.
mkdir -p corpus/xml_decode corpus/xml_serde corpus/json_decode corpus/notification corpus/spec
(cd .. && cargo run -q -p intellectmoney-tests --example fuzz_seeds -- fuzz/corpus)

# The wiki's notifications (getInvoiceInfo's example lists them, as the shop received them in
# windows-1251), unescaped from the XML.
n=0
while IFS= read -r body; do
  n=$((n + 1))
  printf '%s' "$body" > "corpus/notification/seed-wiki-$n"
done < <(grep -o '<NotificationParams>[^<]*</NotificationParams>' "$examples/personal/getInvoiceInfo.response.xml" |
  sed -e 's/<[^>]*>//g' -e 's/&amp;/\&/g')
[[ $n -gt 0 ]] || { echo "no notification in the getInvoiceInfo example" >&2; exit 1; }

cp ../spec/personal.yaml corpus/spec/seed-personal.yaml
for f in ../tests/fixtures/spec/*.yaml; do cp "$f" "corpus/spec/seed-fixture-$(basename "$f")"; done
echo "seeded: $(find corpus -type f | wc -l) files"
