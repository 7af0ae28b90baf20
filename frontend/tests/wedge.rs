//! Telling a scanner's burst from a person typing.
#![cfg(target_arch = "wasm32")]

use frontend::scanner::wedge::{Action, Wedge};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn feed(w: &mut Wedge, keys: &[&str], start: f64, step: f64) -> Vec<Action> {
    keys.iter().enumerate().map(|(i, k)| w.key(k, start + i as f64 * step)).collect()
}

#[wasm_bindgen_test]
fn a_fast_burst_ending_with_enter_is_a_scan_and_its_keys_after_the_first_are_swallowed() {
    let mut w = Wedge::default();
    let actions = feed(&mut w, &["0", "7", "7", "0", "1", "Enter"], 1000.0, 8.0);
    assert_eq!(actions[0], Action::Start);
    assert!(actions[1..5].iter().all(|a| *a == Action::Swallow));
    assert_eq!(actions[5], Action::Scan("07701".into()));
}

#[wasm_bindgen_test]
fn a_person_typing_is_never_a_scan() {
    let mut w = Wedge::default();
    let actions = feed(&mut w, &["1", "2", "3", "4", "5", "Enter"], 1000.0, 120.0);
    assert!(actions[..5].iter().all(|a| *a == Action::Start));
    assert_eq!(actions[5], Action::Pass);
}

#[wasm_bindgen_test]
fn a_short_burst_is_not_a_scan() {
    let mut w = Wedge::default();
    let actions = feed(&mut w, &["a", "b", "Enter"], 1000.0, 5.0);
    assert_eq!(actions[2], Action::Pass);
}

#[wasm_bindgen_test]
fn a_pause_inside_a_burst_starts_over() {
    let mut w = Wedge::default();
    feed(&mut w, &["1", "2", "3"], 1000.0, 5.0);
    let actions = feed(&mut w, &["4", "5", "6", "7", "Enter"], 2000.0, 5.0);
    assert_eq!(actions[4], Action::Scan("4567".into()));
}

#[wasm_bindgen_test]
fn a_code_with_capitals_typed_with_shift_is_one_scan() {
    let mut w = Wedge::default();
    let actions = feed(&mut w, &["Shift", "H", "Shift", "A", "-", "0", "1", "Enter"], 1000.0, 4.0);
    assert_eq!(actions[7], Action::Scan("HA-01".into()));
}

#[wasm_bindgen_test]
fn two_scans_back_to_back_are_two_codes() {
    let mut w = Wedge::default();
    let actions = feed(&mut w, &["1", "2", "3", "4", "Enter", "5", "6", "7", "8", "Enter"], 1000.0, 3.0);
    assert_eq!(actions[4], Action::Scan("1234".into()));
    assert_eq!(actions[5], Action::Start);
    assert_eq!(actions[9], Action::Scan("5678".into()));
}
