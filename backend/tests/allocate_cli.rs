//! `comptoir allocate REQUEST.json`, end to end: the built binary on request files.

use serde_json::{json, Value};
use std::io::Write;
use std::process::{Command, Output};

/// Seed 002's stock table, outlets in priority order.
fn seed_outlets() -> Value {
    json!([
        {"id": "montreal", "stock": {"SHIRT": 10, "HAT": 3, "SHOES": 5}},
        {"id": "sherbrooke", "stock": {"SHIRT": 0, "HAT": 10, "SHOES": 10}},
        {"id": "laval", "stock": {"SHIRT": 15, "HAT": 10, "SHOES": 10}},
    ])
}

fn run_on(contents: &str) -> Output {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(contents.as_bytes()).unwrap();
    Command::new(env!("CARGO_BIN_EXE_comptoir")).arg("allocate").arg(file.path()).output().unwrap()
}

fn plan_for(lines: Value) -> Value {
    let out = run_on(&json!({"outlets": seed_outlets(), "lines": lines}).to_string());
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("the answer is JSON")
}

fn lines(items: &[(&str, u32)]) -> Value {
    Value::Array(items.iter().map(|(sku, qty)| json!({"sku": sku, "qty": qty})).collect())
}

#[test]
fn the_seed_table_is_reproduced_with_its_second_example_corrected() {
    let cases: [(&[(&str, u32)], Value); 5] = [
        (
            &[("SHIRT", 2), ("HAT", 1), ("SHOES", 1)],
            json!([{"outlet": "montreal", "lines": lines(&[("SHIRT", 2), ("HAT", 1), ("SHOES", 1)])}]),
        ),
        // The seed says Montréal and Sherbrooke; its first rule says Laval alone, which holds both.
        (&[("SHIRT", 1), ("HAT", 5)], json!([{"outlet": "laval", "lines": lines(&[("SHIRT", 1), ("HAT", 5)])}])),
        (&[("HAT", 5), ("SHOES", 2)], json!([{"outlet": "sherbrooke", "lines": lines(&[("HAT", 5), ("SHOES", 2)])}])),
        (
            &[("SHIRT", 1), ("HAT", 12), ("SHOES", 2)],
            json!([
                {"outlet": "montreal", "lines": lines(&[("SHIRT", 1), ("HAT", 3), ("SHOES", 2)])},
                {"outlet": "sherbrooke", "lines": lines(&[("HAT", 9)])},
            ]),
        ),
        (
            &[("SHIRT", 17), ("HAT", 6), ("SHOES", 6)],
            json!([
                {"outlet": "laval", "lines": lines(&[("SHIRT", 15), ("HAT", 6), ("SHOES", 6)])},
                {"outlet": "montreal", "lines": lines(&[("SHIRT", 2)])},
            ]),
        ),
    ];
    for (order, expected) in cases {
        let plan = plan_for(lines(order));
        assert_eq!(plan["assignments"], expected, "order {order:?}");
        assert_eq!(plan["backordered"], json!([]));
        assert_eq!(plan["optimal"], true);
    }
}

#[test]
fn the_answer_explains_why_each_outlet() {
    let plan = plan_for(lines(&[("SHIRT", 1), ("HAT", 12), ("SHOES", 2)]));
    let why: Vec<&str> = plan["explanation"].as_array().unwrap().iter().map(|e| e.as_str().unwrap()).collect();
    assert!(why.iter().any(|e| e.starts_with("montreal is the main outlet")), "{why:#?}");
    assert!(why.iter().any(|e| e.starts_with("sherbrooke (priority 2 of 3) takes what remains")), "{why:#?}");
}

#[test]
fn what_nobody_holds_is_reported_as_backordered() {
    let plan = plan_for(lines(&[("SHIRT", 26), ("SCARF", 1)]));
    assert_eq!(
        plan["backordered"],
        json!([{"sku": "SHIRT", "qty": 1, "outlet": "montreal"}, {"sku": "SCARF", "qty": 1, "outlet": "montreal"}])
    );
}

#[test]
fn a_file_that_is_not_json_is_refused_on_stderr_with_a_non_zero_exit() {
    let out = run_on("{ not json");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is not an allocation request"), "{err}");
}

#[test]
fn a_wrong_field_is_named_in_the_error() {
    let out = run_on(r#"{"outlets":[{"id":"montreal","stock":{"HAT":3}}],"lines":[{"sku":"HAT","qty":-2}]}"#);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("lines[0].qty"), "{err}");
}

#[test]
fn a_request_breaking_a_rule_is_refused_with_the_reason() {
    let out = run_on(r#"{"outlets":[{"id":"a"},{"id":"a"}],"lines":[{"sku":"HAT","qty":1}]}"#);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("outlet 'a' is listed twice"));
}

#[test]
fn a_missing_file_or_argument_is_refused() {
    let out =
        Command::new(env!("CARGO_BIN_EXE_comptoir")).args(["allocate", "/nonexistent/order.json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read /nonexistent/order.json"));
    let out = Command::new(env!("CARGO_BIN_EXE_comptoir")).arg("allocate").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage: comptoir allocate REQUEST.json"));
}
