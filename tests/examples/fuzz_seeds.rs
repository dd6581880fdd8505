//! Writes the seeds of the decoder fuzz targets: every method's wiki example (XML and JSON),
//! prefixed with the byte that picks the method in `intellectmoney::for_each_method!`'s order,
//! the order the targets use. `fuzz/seed.sh` runs it:
//!
//!     cargo run -q -p intellectmoney-tests --example fuzz_seeds -- fuzz/corpus
#![allow(deprecated)]

use intellectmoney::runtime::ApiRequest;
use intellectmoney_tests::example;
use std::path::PathBuf;

fn main() {
    let corpus = PathBuf::from(std::env::args().nth(1).expect("usage: fuzz_seeds CORPUS_DIR"));
    macro_rules! methods {
        ($($method:path),*) => { [$(<$method as ApiRequest>::METHOD),*] };
    }
    let methods = intellectmoney::for_each_method!(methods);
    assert!(methods.len() <= 256, "one byte picks the method");
    let mut written = 0;
    for (index, m) in methods.iter().enumerate() {
        for (format, targets) in [
            ("xml", &["xml_decode", "xml_serde"][..]),
            ("json", &["json_decode"][..]),
        ] {
            let mut seed = vec![index as u8];
            seed.extend(example(&format!("{}/{}.response.{format}", m.api, m.name)).into_bytes());
            for target in targets {
                let dir = corpus.join(target);
                std::fs::create_dir_all(&dir).expect("the corpus folder can be made");
                std::fs::write(dir.join(format!("seed-{}-{}", m.api, m.name)), &seed).expect("a seed can be written");
                written += 1;
            }
        }
    }
    println!("decoder seeds: {written} files for {} methods", methods.len());
}
