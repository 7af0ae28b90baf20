//! Turning what each kind of scanner sends into codes: HID POS reports, keyboard-emulation reports,
//! serial bytes with each suffix.
#![cfg(target_arch = "wasm32")]

use frontend::scanner::hid_keys::{char_of, HidKeys};
use frontend::scanner::hid_pos::HidPos;
use frontend::scanner::serial_frames::{SerialFrames, Suffix, IDLE_MS};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A Scanned Data Report as a HID POS scanner sends it (63 bytes, report id apart).
fn pos_report(code: &[u8], more: bool) -> Vec<u8> {
    let mut r = vec![0u8; 63];
    r[0] = code.len() as u8;
    r[1..4].copy_from_slice(b"]E0");
    r[4..4 + code.len()].copy_from_slice(code);
    r[62] = u8::from(more);
    r
}

/// The reports a keyboard-emulation scanner sends for `text` then Enter: each key down, then all up.
fn key_reports(text: &str) -> Vec<[u8; 8]> {
    let mut out = Vec::new();
    for c in text.chars() {
        let (usage, shift) = (4u8..=0x38)
            .flat_map(|u| [(u, false), (u, true)])
            .find(|&(u, s)| char_of(u, s) == Some(c))
            .expect("a US key types it");
        out.push([if shift { 0x02 } else { 0 }, 0, usage, 0, 0, 0, 0, 0]);
        out.push([0; 8]);
    }
    out.push([0, 0, 0x28, 0, 0, 0, 0, 0]);
    out.push([0; 8]);
    out
}

#[wasm_bindgen_test]
fn a_hid_pos_report_gives_the_code_without_its_symbology_or_padding() {
    let mut d = HidPos::default();
    assert_eq!(d.report(&pos_report(b"0777000000017", false)), Some("0777000000017".into()));
}

#[wasm_bindgen_test]
fn a_long_hid_pos_code_over_two_reports_comes_out_whole_once() {
    let mut d = HidPos::default();
    let long: Vec<u8> = (0..70).map(|i| b'A' + (i % 26) as u8).collect();
    assert_eq!(d.report(&pos_report(&long[..56], true)), None);
    assert_eq!(d.report(&pos_report(&long[56..], false)), Some(String::from_utf8(long).unwrap()));
}

#[wasm_bindgen_test]
fn a_hid_pos_report_with_a_trailing_carriage_return_or_nothing_in_it_is_no_noise() {
    let mut d = HidPos::default();
    assert_eq!(d.report(&pos_report(b"ABC-12\r", false)), Some("ABC-12".into()));
    assert_eq!(d.report(&pos_report(b"", false)), None);
    assert_eq!(d.report(&[]), None);
}

#[wasm_bindgen_test]
fn keyboard_reports_type_the_code_with_shift_and_enter_ends_it() {
    let mut d = HidKeys::default();
    let codes: Vec<String> = key_reports("Ab-12/z").iter().filter_map(|r| d.report(r)).collect();
    assert_eq!(codes, vec!["Ab-12/z".to_string()]);
}

#[wasm_bindgen_test]
fn a_repeated_digit_counts_twice_when_the_key_is_released_between() {
    let mut d = HidKeys::default();
    let codes: Vec<String> = key_reports("0077").iter().filter_map(|r| d.report(r)).collect();
    assert_eq!(codes, vec!["0077".to_string()]);
}

#[wasm_bindgen_test]
fn tab_also_ends_a_code_and_keypad_digits_type_digits() {
    let mut d = HidKeys::default();
    for r in [[0, 0, 0x59, 0, 0, 0, 0, 0], [0; 8], [0, 0, 0x62, 0, 0, 0, 0, 0], [0; 8]] {
        assert_eq!(d.report(&r), None);
    }
    assert_eq!(d.report(&[0, 0, 0x2B, 0, 0, 0, 0, 0]), Some("10".into()));
    assert_eq!(d.report(&[0, 0, 0x28, 0, 0, 0, 0, 0]), None, "Enter with nothing typed is no code");
}

#[wasm_bindgen_test]
fn serial_bytes_split_on_cr_across_reads_and_several_codes_in_one_read() {
    let mut f = SerialFrames::new(Suffix::Cr);
    assert!(f.push(b"0777", 0.0).is_empty());
    assert_eq!(f.push(b"01\r123", 5.0), vec!["077701".to_string()]);
    assert_eq!(f.push(b"4\rXY\r", 10.0), vec!["1234".to_string(), "XY".to_string()]);
}

#[wasm_bindgen_test]
fn serial_lf_and_crlf_suffixes_leave_no_stray_characters() {
    let mut lf = SerialFrames::new(Suffix::Lf);
    assert_eq!(lf.push(b"AB\nCD\n", 0.0), vec!["AB".to_string(), "CD".to_string()]);
    let mut crlf = SerialFrames::new(Suffix::CrLf);
    assert_eq!(crlf.push(b"AB\r", 0.0), Vec::<String>::new());
    assert_eq!(crlf.push(b"\nCD\r\n", 1.0), vec!["AB".to_string(), "CD".to_string()]);
}

#[wasm_bindgen_test]
fn with_no_suffix_a_quiet_line_ends_the_code() {
    let mut f = SerialFrames::new(Suffix::None);
    assert!(f.push(b"12", 0.0).is_empty());
    assert!(f.push(b"34", 20.0).is_empty());
    assert_eq!(f.idle(20.0 + IDLE_MS / 2.0), None, "still coming");
    assert_eq!(f.idle(20.0 + IDLE_MS), Some("1234".into()));
    assert_eq!(f.idle(1000.0), None, "given once");
}

#[wasm_bindgen_test]
fn a_code_whose_suffix_never_came_is_given_when_the_next_bytes_arrive_much_later() {
    let mut f = SerialFrames::new(Suffix::Cr);
    assert!(f.push(b"AAA", 0.0).is_empty());
    assert_eq!(f.push(b"BBB\r", 5_000.0), vec!["AAA".to_string(), "BBB".to_string()]);
}
