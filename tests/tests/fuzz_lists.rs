//! The fuzz targets and their seeds cover every method without a list of their own: they take
//! the methods from `intellectmoney::for_each_method!` (the decoder targets, and
//! `tests/examples/fuzz_seeds.rs`, which prefixes each seed with its method's index in that
//! order). This checks that the macro names every spec method once, in the spec's order, and
//! that no target or seed script keeps a hand-written list.

use intellectmoney::runtime::ApiRequest;
use intellectmoney_tests::root;

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
#[allow(deprecated)]
fn for_each_method_names_every_spec_method_in_the_spec_order() {
    macro_rules! names {
        ($($method:path),*) => {
            vec![$({
                let m = <$method as ApiRequest>::METHOD;
                (m.api.to_owned(), m.name.to_owned())
            }),*]
        };
    }
    let listed: Vec<(String, String)> = intellectmoney::for_each_method!(names);
    let spec: Vec<(String, String)> = intellectmoney_tests::spec_ir()
        .apis
        .iter()
        .flat_map(|a| a.methods.iter().map(|m| (a.module.clone(), m.wire.clone())))
        .collect();
    assert!(!spec.is_empty());
    assert_eq!(listed, spec);
}

#[test]
fn the_decoder_targets_and_their_seeds_take_the_methods_from_the_macro() {
    for target in ["xml_decode", "json_decode", "xml_serde"] {
        let text = read(&format!("fuzz/fuzz_targets/{target}.rs"));
        assert!(text.contains("intellectmoney::for_each_method!("), "{target}");
        assert!(
            !text.contains("personal::") && !text.contains("payout::"),
            "{target} names a method by hand"
        );
    }
    let shared = read("fuzz/fuzz_targets/decode_all.rs");
    assert!(!shared.contains("personal::") && !shared.contains("payout::"));
    assert!(read("fuzz/seed.sh").contains("--example fuzz_seeds"));
    assert!(read("tests/examples/fuzz_seeds.rs").contains("intellectmoney::for_each_method!("));
}
