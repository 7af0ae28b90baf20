//! Each scanner's settings, kept in `localStorage` under one key, per scanner (by its USB vendor and
//! product ids). `localStorage` rather than IndexedDB: a few bytes that must be read synchronously at
//! start, before the paired scanners are reopened, and that belong to this browser profile exactly as
//! the browser's own permission to use the device does (IndexedDB holds the shop's data).

use super::serial_frames::Suffix;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const KEY: &str = "comptoir.scanners";
pub const DEFAULT_BAUD: u32 = 9600;
pub const BAUD_RATES: [u32; 8] = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200];

/// How a HID scanner sends its codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum HidMode {
    /// HID POS (usage page 0x8C): whole codes in scanned-data reports.
    Pos,
    /// Keyboard emulation: key reports, a suffix key at the end.
    Keyboard,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SerialSetting {
    pub baud_rate: u32,
    pub suffix: Suffix,
}

impl Default for SerialSetting {
    fn default() -> Self {
        SerialSetting { baud_rate: DEFAULT_BAUD, suffix: Suffix::Cr }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Saved {
    #[serde(default)]
    pub hid: BTreeMap<String, HidMode>,
    #[serde(default)]
    pub serial: BTreeMap<String, SerialSetting>,
}

/// A scanner's key in [`Saved`]: `"0c2e:0b61"`; ports that do not say (a built-in serial port) share one.
pub fn device_key(vendor: Option<u16>, product: Option<u16>) -> String {
    match (vendor, product) {
        (Some(v), Some(p)) => format!("{v:04x}:{p:04x}"),
        _ => "other".to_string(),
    }
}

fn storage() -> Option<web_sys::Storage> {
    leptos::prelude::window().local_storage().ok().flatten()
}

pub fn load() -> Saved {
    storage()
        .and_then(|s| s.get_item(KEY).ok().flatten())
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default()
}

pub fn update(change: impl FnOnce(&mut Saved)) {
    let mut saved = load();
    change(&mut saved);
    if let (Some(s), Ok(json)) = (storage(), serde_json::to_string(&saved)) {
        let _ = s.set_item(KEY, &json);
    }
}
