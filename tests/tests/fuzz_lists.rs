//! The fuzz targets name every method by hand: `fuzz/fuzz_targets/decode_all.rs` lists the request
//! types, `fuzz/seed.sh` the example files in the same order (a seed's first byte is its method's
//! index). This keeps both lists whole and in step with the spec, as `generated/API.md` lists it.

use intellectmoney_tests::root;

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// (`api::Type`, `api/specName`) of every method, from the headings of `generated/API.md`
/// (`` ### `getUserToken` → `personal::GetUserToken` ``).
fn spec_methods() -> Vec<(String, String)> {
    read("generated/API.md")
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("### `")?;
            let (name, rest) = rest.split_once("` → `")?;
            let ty = rest.strip_suffix('`')?;
            let api = ty.split_once("::")?.0;
            Some((ty.to_owned(), format!("{api}/{name}")))
        })
        .collect()
}

/// The request types of `every_method!`, in order.
fn fuzz_types() -> Vec<String> {
    read("fuzz/fuzz_targets/decode_all.rs")
        .lines()
        .filter_map(|line| {
            let rest = line.trim().strip_prefix("$f::<")?;
            Some(rest.split('>').next()?.to_owned())
        })
        .collect()
}

/// The `methods=( … )` array of `seed.sh`, in order.
fn seed_methods() -> Vec<String> {
    let text = read("fuzz/seed.sh");
    let start = text.find("methods=(").expect("seed.sh has a methods array") + "methods=(".len();
    let end = start + text[start..].find(')').expect("the array is closed");
    text[start..end].split_whitespace().map(str::to_owned).collect()
}

#[test]
fn the_fuzz_targets_list_every_method_of_the_spec_in_one_order() {
    let spec = spec_methods();
    let count: usize = intellectmoney_tests::spec_ir()
        .apis
        .iter()
        .map(|a| a.methods.len())
        .sum();
    assert_eq!(spec.len(), count, "API.md's method headings: {spec:?}");
    let types = fuzz_types();
    let mut sorted_types = types.clone();
    sorted_types.sort();
    let mut spec_types: Vec<String> = spec.iter().map(|(t, _)| t.clone()).collect();
    spec_types.sort();
    assert_eq!(sorted_types, spec_types, "decode_all.rs must list every method once");

    let by_type: std::collections::HashMap<&str, &str> = spec.iter().map(|(t, n)| (t.as_str(), n.as_str())).collect();
    let expected_seeds: Vec<&str> = types.iter().map(|t| by_type[t.as_str()]).collect();
    assert_eq!(
        seed_methods(),
        expected_seeds,
        "seed.sh must list the same methods in the same order"
    );
}
