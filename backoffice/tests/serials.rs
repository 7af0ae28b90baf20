//! The serial numbers page's product picker: what a search offers, whatever the catalog's size.
#![cfg(target_arch = "wasm32")]

use backoffice::pages::serials::picker::product_matches;
use shared::catalog::Product;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn product(id: &str, name: &str, sku: &str, barcode: Option<&str>, tracks_serials: bool) -> Product {
    Product { id: id.into(), name: name.into(), sku: sku.into(), barcode: barcode.map(str::to_owned), tracks_serials, ..Default::default() }
}

#[wasm_bindgen_test]
fn matches_part_of_the_name_in_any_case_the_start_of_the_sku_or_the_whole_barcode() {
    let all = [
        product("a", "Perceuse à percussion", "PER-2", None, false),
        product("b", "Perceuse sans fil", "PER-1", Some("0123456789012"), true),
        product("c", "Scie", "SC-1", None, false),
        product("d", "Vis", "VIS-PER", None, false),
    ];
    let ids = |q: &str, n: usize| product_matches(all.iter(), q, n).iter().map(|p| p.id.as_str()).collect::<Vec<_>>();
    assert_eq!(ids(" PERCEUSE ", 8), ["b", "a"], "products with serial numbers first");
    assert_eq!(ids("per-", 8), ["b", "a"], "the SKU's start, not VIS-PER");
    assert_eq!(ids("0123456789012", 8), ["b"]);
    assert!(ids("012345", 8).is_empty(), "a barcode is whole");
    assert_eq!(ids("e", 2), ["b", "a"], "the first two only");
    assert!(ids("   ", 8).is_empty());
}

#[wasm_bindgen_test]
fn a_search_over_100_000_products_offers_a_few_in_order() {
    let all: Vec<Product> = (0..100_000).map(|i| product(&format!("p{i:06}"), &format!("Article {i:06}"), &format!("SKU-{i}"), None, i % 1000 == 7)).collect();
    let found = product_matches(all.iter(), "article", 8);
    let ids: Vec<&str> = found.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["p000007", "p001007", "p002007", "p003007", "p004007", "p005007", "p006007", "p007007"]);
}
