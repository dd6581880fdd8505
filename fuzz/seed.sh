#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seeds from the spec and its wiki examples. Run from anywhere;
# existing corpus files are kept.
set -euo pipefail
cd "$(dirname "$0")"
examples=../spec/examples

# The decoder targets read their first byte as the method's index in `every_method!`
# (fuzz_targets/decode_all.rs): keep this list in the same order.
methods=(
  personal/getUserToken personal/getInvoicesHistory personal/getPaymentsHistory
  personal/setScheduledOperationData personal/getScheduledOperationData personal/getEshopInfo
  personal/getInvoiceInfo personal/createReceipt personal/getReceipt personal/createReceiptCorrection
  personal/withdrawMoney personal/getTransactionData personal/getAccountData
  payout/CreateOperation payout/CreateBankCardRussiaOperation payout/CreateQiwiWalletOperation
  payout/ExecuteOperation payout/GetOperationState payout/DeleteOperation
)
mkdir -p corpus/xml_decode corpus/json_decode corpus/notification corpus/spec
for i in "${!methods[@]}"; do
  m=${methods[$i]}
  for format in xml json; do
    file="$examples/$m.response.$format"
    [[ -f $file ]] || { echo "missing example $file" >&2; exit 1; }
    { printf "\\x$(printf %02x "$i")"; cat "$file"; } > "corpus/${format}_decode/seed-${m//\//-}"
  done
done

# The wiki's notification (getInvoiceInfo's example, as the shop receives it in windows-1251).
printf '%s' 'eshopId=452996&paymentId=3447364446&orderId=0.03736900+1413193002&serviceName=%cf%eb%e0%f2%e5%e6+%e2+%ef%ee%eb%fc%e7%f3+%ec%e0%e3%e0%e7%e8%ed%e0&eshopAccount=4518761044&recipientAmount=10.00&recipientOriginalAmount=10.00&recipientCurrency=RUB&paymentStatus=3&userName=&userEmail=s.suvorinov%2b20%40intellectmoney.ru&paymentData=2014-10-13+13%3a36%3a51&hash=b0facf9fbb3a94039269c4e257642ff3' \
  > corpus/notification/seed-wiki

cp ../spec/personal.yaml corpus/spec/seed-personal.yaml
for f in ../tests/fixtures/spec/*.yaml; do cp "$f" "corpus/spec/seed-fixture-$(basename "$f")"; done
echo "seeded: $(find corpus -type f | wc -l) files"
