//! Benchmarks, each against a baseline measured in the same run (see BENCHMARKS.md):
//!
//! - typed XML decode of a large getInvoicesHistory answer vs a raw quick-xml event scan (and
//!   vs a walk through quick-xml's serde layer, the ceiling of any serde decoder);
//! - typed JSON decode of the same data vs serde_json into `IgnoredAny` (and a serde walk);
//! - floors of both (the scan with every text but whitespace decoded, plus the decoded answer cloned: what any
//!   decoder into the crate's owned types does at the least);
//! - a full client call over loopback vs a hand-written reqwest call decoding the same struct;
//! - request encoding and `Sign`.
//!
//! Run: `cargo bench -p intellectmoney-tests --bench throughput`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use intellectmoney::personal::GetInvoicesHistory;
use intellectmoney::runtime::{decode_json, decode_xml, encode, EncodeContext};
use intellectmoney::{Client, RetryPolicy};
use intellectmoney_tests::server::{Answer, Server};
use intellectmoney_tests::{big, example};
use std::time::Duration;

const INVOICES: usize = 5_000;
const XML10: quick_xml::XmlVersion = quick_xml::XmlVersion::Implicit1_0;

/// The answer's `Result` walked through the format's serde layer, every element or object as a
/// map with borrowed keys and every scalar visited but not kept. It is the ceiling of any decoder
/// built on that serde layer: the typed decoder does the same walk and also builds its values.
#[derive(serde::Deserialize)]
struct Walk {
    #[serde(rename = "Result")]
    _result: Node,
}

/// Any node, visited and dropped.
struct Node;

impl<'de> serde::Deserialize<'de> for Node {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Node;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any node")
            }
            fn visit_borrowed_str<E>(self, _: &'de str) -> Result<Node, E> {
                Ok(Node)
            }
            fn visit_str<E>(self, _: &str) -> Result<Node, E> {
                Ok(Node)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Node, E> {
                Ok(Node)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Node, E> {
                Ok(Node)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Node, E> {
                Ok(Node)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Node, E> {
                Ok(Node)
            }
            fn visit_unit<E>(self) -> Result<Node, E> {
                Ok(Node)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
                while seq.next_element::<Node>()?.is_some() {}
                Ok(Node)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
                while map.next_key::<std::borrow::Cow<'de, str>>()?.is_some() {
                    map.next_value::<Node>()?;
                }
                Ok(Node)
            }
        }
        d.deserialize_any(V)
    }
}

/// XML whitespace.
fn is_blank(text: &str) -> bool {
    text.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

/// Reads every event of `xml` with quick-xml's reader, handing each to `each`.
fn scan(xml: &str, mut each: impl FnMut(quick_xml::events::Event<'_>)) {
    let mut reader = quick_xml::Reader::from_str(xml);
    loop {
        match reader.read_event().unwrap() {
            quick_xml::events::Event::Eof => break,
            event => each(event),
        }
    }
}

/// The two inputs of each format: the large answer, and one page of a list (100 invoices, the
/// size users decode most).
const SIZES: [usize; 2] = [INVOICES, 100];

fn decode(c: &mut Criterion) {
    let mut g = c.benchmark_group("xml");
    g.sample_size(10);
    for invoices in SIZES {
        xml_decode(&mut g, invoices);
    }
    g.finish();
    let mut g = c.benchmark_group("json");
    g.sample_size(10);
    for invoices in SIZES {
        json_decode(&mut g, invoices);
    }
    g.finish();
}

type Group<'a> = criterion::BenchmarkGroup<'a, criterion::measurement::WallTime>;

/// The size of an input, as the benchmarks' parameter.
fn size(invoices: usize) -> String {
    format!("{invoices} invoices")
}

fn xml_decode(g: &mut Group<'_>, invoices: usize) {
    let xml = big::invoices_xml(invoices);
    // Sanity: the typed decoder reads every invoice.
    let answer = decode_xml::<GetInvoicesHistory>(&xml).unwrap();
    assert_eq!(answer.result.as_ref().unwrap().invoices_history_list.len(), invoices);
    let id = |name: &str| BenchmarkId::new(name, size(invoices));
    g.throughput(Throughput::Bytes(xml.len() as u64));
    g.bench_function(id("raw quick-xml event scan"), |b| {
        b.iter(|| {
            let mut events = 0usize;
            scan(&xml, |_| events += 1);
            events
        })
    });
    // What any decoder into the crate's types does at the least: every event read and every
    // text that is not whitespace decoded (entities, line ends; whitespace between elements
    // needs no decoding to be passed over), and the output built (its allocations and copies,
    // measured as a clone of the decoded answer, dropped as the decoded one is). The two added
    // are a floor of the typed decode, not a goal.
    g.bench_function(id("raw scan, every non-blank text decoded"), |b| {
        b.iter(|| {
            let mut bytes = 0usize;
            scan(&xml, |e| match e {
                quick_xml::events::Event::Text(t) if is_blank(&t) => bytes += 1,
                quick_xml::events::Event::Text(t) => bytes += t.xml_content(XML10).len(),
                _ => {}
            });
            bytes
        })
    });
    g.bench_function(id("the decoded answer cloned and dropped"), |b| {
        b.iter(|| answer.clone())
    });
    g.bench_function(id("quick-xml serde walk, no output"), |b| {
        b.iter(|| quick_xml::de::from_str::<Walk>(&xml).unwrap())
    });
    g.bench_function(id("typed decode"), |b| {
        b.iter(|| decode_xml::<GetInvoicesHistory>(&xml).unwrap())
    });
    // The serde path the generated decoder replaced, kept as its reference.
    g.bench_function(id("typed decode through serde (the reference)"), |b| {
        b.iter(|| intellectmoney::runtime::xml_serde::decode_xml::<GetInvoicesHistory>(&xml).unwrap())
    });
}

fn json_decode(g: &mut Group<'_>, invoices: usize) {
    let json = big::invoices_json(invoices);
    let answer = decode_json::<GetInvoicesHistory>(&json).unwrap();
    assert_eq!(answer.result.as_ref().unwrap().invoices_history_list.len(), invoices);
    let id = |name: &str| BenchmarkId::new(name, size(invoices));
    g.throughput(Throughput::Bytes(json.len() as u64));
    g.bench_function(id("serde_json IgnoredAny"), |b| {
        b.iter(|| serde_json::from_str::<serde::de::IgnoredAny>(&json).unwrap())
    });
    g.bench_function(id("serde_json walk, no output"), |b| {
        b.iter(|| serde_json::from_str::<Walk>(&json).unwrap())
    });
    // The output built again (see the XML group): with `IgnoredAny`, a floor of the typed decode.
    g.bench_function(id("the decoded answer cloned and dropped"), |b| {
        b.iter(|| answer.clone())
    });
    g.bench_function(id("typed decode"), |b| {
        b.iter(|| decode_json::<GetInvoicesHistory>(&json).unwrap())
    });
}

fn encoding(c: &mut Criterion) {
    let request = GetInvoicesHistory::new(10)
        .eshop_id(450063)
        .owner_email("buyer@example.com")
        .include_payment_transactions(true);
    let ctx = EncodeContext {
        user_token: Some("bs/fZNe0CE+b/Ze1xvVaNdEbjxm2wkRqMBSnBXJO9nFeEM57Hg17+AS8nF0Cs7+0"),
        sign_secret: Some("s3cr3t"),
        version: None,
    };
    c.bench_function("encode and sign getInvoicesHistory", |b| {
        b.iter(|| encode(&request, &ctx).unwrap())
    });
}

fn call(c: &mut Criterion) {
    let body = example("personal/getInvoicesHistory.response.xml");
    let server = Server::always(Answer::xml(body));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = runtime.block_on(async {
        Client::builder()
            .base_url(server.url())
            .user_token("bs/fZNe0CE+b/Ze1xvVaNdEbjxm2wkRqMBSnBXJO9nFeEM57Hg17+AS8nF0Cs7+0")
            .sign_secret("s3cr3t")
            .retry(RetryPolicy::never())
            .build()
            .unwrap()
    });
    let raw = runtime.block_on(async {
        reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap()
    });
    let url = format!("{}/personal/payment/getInvoicesHistory", server.url());
    let request = GetInvoicesHistory::new(10).eshop_id(450063);
    let ctx = EncodeContext {
        user_token: Some("bs/fZNe0CE+b/Ze1xvVaNdEbjxm2wkRqMBSnBXJO9nFeEM57Hg17+AS8nF0Cs7+0"),
        sign_secret: Some("s3cr3t"),
        version: None,
    };
    let mut g = c.benchmark_group("loopback call");
    g.bench_function(
        BenchmarkId::new("hand-written reqwest + decode", "getInvoicesHistory"),
        |b| {
            b.to_async(&runtime).iter(|| async {
                // The same bytes and headers the client sends, without its machinery.
                let encoded = encode(&request, &ctx).unwrap();
                let text = raw
                    .post(&url)
                    .header("content-type", "application/x-www-form-urlencoded; charset=utf-8")
                    .header("sign", encoded.sign.unwrap())
                    .body(encoded.body)
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap();
                decode_xml::<GetInvoicesHistory>(&text).unwrap()
            })
        },
    );
    g.bench_function(BenchmarkId::new("client", "getInvoicesHistory"), |b| {
        b.to_async(&runtime)
            .iter(|| async { client.get_invoices_history(request.clone()).await.unwrap() })
    });
    g.finish();
}

criterion_group!(benches, decode, encoding, call);
criterion_main!(benches);
