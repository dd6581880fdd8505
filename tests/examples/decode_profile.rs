//! Decodes a large getInvoicesHistory answer many times, for a profiler (see BENCHMARKS.md):
//!
//! ```text
//! CARGO_PROFILE_RELEASE_DEBUG=true cargo build --release -p intellectmoney-tests --example decode_profile
//! perf record -e cpu-clock target/release/examples/decode_profile json 20 && perf report --no-children
//! ```
//!
//! Arguments: `xml` or `json`, then how many times to decode (default 20).

use intellectmoney::personal::GetInvoicesHistory;
use intellectmoney::runtime::{decode_json, decode_xml};
use intellectmoney_tests::big;

fn main() {
    let mut args = std::env::args().skip(1);
    let format = args.next().unwrap_or_else(|| "xml".into());
    let rounds: usize = args.next().map_or(20, |n| n.parse().expect("a number of rounds"));
    let invoices = 5_000;
    let mut decoded = 0;
    match format.as_str() {
        "xml" => {
            let body = big::invoices_xml(invoices);
            for _ in 0..rounds {
                decoded += list_len(decode_xml::<GetInvoicesHistory>(&body).expect("decodes"));
            }
        }
        "json" => {
            let body = big::invoices_json(invoices);
            for _ in 0..rounds {
                decoded += list_len(decode_json::<GetInvoicesHistory>(&body).expect("decodes"));
            }
        }
        other => panic!("unknown format `{other}`: xml or json"),
    }
    assert_eq!(decoded, invoices * rounds);
}

fn list_len(answer: intellectmoney::common::Response<intellectmoney::personal::InvoicesHistoryList>) -> usize {
    answer.result.expect("a result").invoices_history_list.len()
}
