//! Where a scan goes: the latest claim takes it, a dialog that does not expect scans holds it until it
//! closes, and the same scan seen through two scanners counts once.
#![cfg(target_arch = "wasm32")]

use frontend::scanner::routing::{Kind, Route, Routing, Source, ECHO_MS};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn the_sell_screen_takes_scans_and_the_serial_prompt_over_it_takes_them_while_open() {
    let mut r = Routing::default();
    let sell = r.claim(Kind::Take);
    assert_eq!(r.route("A", Source::Wedge, 0.0), Route::To(sell));
    let prompt = r.claim(Kind::Take);
    assert_eq!(r.route("SN-1", Source::Hid, 1_000.0), Route::To(prompt));
    assert_eq!(r.release(prompt), None);
    assert_eq!(r.route("B", Source::Serial, 2_000.0), Route::To(sell));
}

#[wasm_bindgen_test]
fn scans_during_the_pay_dialog_are_held_then_given_to_the_sell_screen_in_order_when_it_closes() {
    let mut r = Routing::default();
    let sell = r.claim(Kind::Take);
    let pay = r.claim(Kind::Hold);
    assert_eq!(r.route("A", Source::Wedge, 0.0), Route::Held);
    assert_eq!(r.route("B", Source::Hid, 1_000.0), Route::Held);
    assert_eq!(r.held(), ["A".to_string(), "B".to_string()]);
    assert_eq!(r.release(pay), Some((sell, vec!["A".to_string(), "B".to_string()])));
    assert!(r.held().is_empty());
}

#[wasm_bindgen_test]
fn a_held_scan_waits_while_another_holding_dialog_is_still_open() {
    let mut r = Routing::default();
    let sell = r.claim(Kind::Take);
    let discount = r.claim(Kind::Hold);
    let price = r.claim(Kind::Hold);
    assert_eq!(r.route("A", Source::Wedge, 0.0), Route::Held);
    assert_eq!(r.release(price), None);
    assert_eq!(r.release(discount), Some((sell, vec!["A".to_string()])));
}

#[wasm_bindgen_test]
fn with_no_screen_expecting_scans_a_scan_is_dropped_and_nothing_is_held() {
    let mut r = Routing::default();
    assert!(!r.claimed());
    assert_eq!(r.route("A", Source::Wedge, 0.0), Route::Dropped);
    let hold = r.claim(Kind::Hold);
    assert_eq!(r.route("B", Source::Wedge, 1_000.0), Route::Held);
    assert_eq!(r.release(hold), None);
    assert!(r.held().is_empty());
}

#[wasm_bindgen_test]
fn the_same_code_through_a_second_scanner_at_once_is_one_scan_but_a_rescan_counts() {
    let mut r = Routing::default();
    let sell = r.claim(Kind::Take);
    assert_eq!(r.route("A", Source::Hid, 0.0), Route::To(sell));
    assert_eq!(r.route("A", Source::Wedge, 30.0), Route::Echo);
    assert_eq!(r.route("A", Source::Hid, 100.0), Route::To(sell), "the same scanner twice is two units");
    assert_eq!(r.route("A", Source::Wedge, 100.0 + ECHO_MS), Route::To(sell));
}
