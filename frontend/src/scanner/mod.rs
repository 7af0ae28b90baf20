//! Scanner input: three sources (a keyboard-wedge scanner, a WebHID scanner in HID POS or keyboard
//! emulation mode, a Web Serial scanner) feed one router, and the router gives each code to the screen
//! or dialog that claims scans now.
//!
//! - Pure decoding, no browser: [`wedge`] (keystroke timing), [`hid_pos`], [`hid_keys`],
//!   [`serial_frames`], and the routing rules [`routing`] (tested in `frontend/tests/scan_*.rs`).
//! - Browser adapters: [`wedge_source`], [`hid`], [`serial`], with per-scanner [`settings`].
//! - [`router`]: the one router and the claims (`use_scan_claim`, `use_scan_hold`, [`hold::ScanHold`]).
//!
//! A screen that expects scans calls [`use_scan_claim`] in its component: while it lives, the latest
//! claim takes every scan, whatever the scanner. Scanner mode (orders) keeps calling
//! [`use_wedge_scanner`], which is that claim under its old name, so it gets HID and serial scanners too.

pub mod hid;
pub mod hid_keys;
pub mod hid_pos;
pub mod hold;
pub mod router;
pub mod routing;
pub mod serial;
pub mod serial_frames;
pub mod settings;
pub mod texts;
pub mod wedge;
pub mod wedge_source;

pub use router::{use_scan_claim, use_scan_hold, ScanRouter};

/// Calls `on_scan` with each scanned code (from any scanner) for as long as the owner lives: the old
/// name of [`use_scan_claim`], kept so scanner mode needs no change.
pub fn use_wedge_scanner(on_scan: impl Fn(String) + 'static) {
    use_scan_claim(on_scan);
}
