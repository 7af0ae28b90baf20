//! A receipt printer on Web Serial speaking ESC/POS (issue 13 item 3, optional): the cash drawer plugged
//! into it opens when a sale takes or gives back cash (`shared::sale::opens_drawer`), and the paper is
//! cut once the receipt has printed (the browser's `afterprint`). The receipt itself prints through the
//! browser (80 mm CSS, `--kiosk-printing` in kiosk mode); these are the two things CSS cannot do.
//!
//! Its port is remembered in `localStorage` (like the scanners' settings, and for the same reasons) by
//! its USB vendor and product ids, so the serial scanner never opens it (`scanner::serial::start`).

use crate::scanner::hid::js_error;
use crate::scanner::serial::{api, key_of};
use js_sys::Reflect;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{SerialOptions, SerialPort, WritableStreamDefaultWriter};

/// ESC p 0 25 250: a pulse on the drawer's pin 2, 50 ms on, 500 ms off.
pub const DRAWER_KICK: [u8; 5] = [0x1B, 0x70, 0x00, 0x19, 0xFA];
/// GS V 66 0: feed to the cutter, then a partial cut.
pub const FEED_AND_CUT: [u8; 4] = [0x1D, 0x56, 0x42, 0x00];

const KEY: &str = "comptoir.printer";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PrinterSetting {
    /// The paired port's `device_key`; `None`: no printer.
    pub port: Option<String>,
    pub baud_rate: u32,
    /// Open the drawer for a sale with cash.
    pub kick: bool,
    /// Cut the paper after the receipt prints.
    pub cut: bool,
}

impl Default for PrinterSetting {
    fn default() -> Self {
        PrinterSetting { port: None, baud_rate: crate::scanner::settings::DEFAULT_BAUD, kick: true, cut: true }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum PrinterStatus {
    None,
    Open(u32),
    Failed(String),
}

thread_local! {
    static STATUS: ArcRwSignal<PrinterStatus> = ArcRwSignal::new(PrinterStatus::None);
    /// The open port and its one writer: writes queue on it in order (a second `getWriter` would fail
    /// while the first holds the stream).
    static PORT: RefCell<Option<(SerialPort, WritableStreamDefaultWriter)>> = const { RefCell::new(None) };
}

pub fn status() -> ArcRwSignal<PrinterStatus> {
    STATUS.with(Clone::clone)
}

fn storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

pub fn setting() -> PrinterSetting {
    storage().and_then(|s| s.get_item(KEY).ok().flatten()).and_then(|j| serde_json::from_str(&j).ok()).unwrap_or_default()
}

pub fn save(setting: &PrinterSetting) {
    if let (Some(s), Ok(json)) = (storage(), serde_json::to_string(setting)) {
        let _ = s.set_item(KEY, &json);
    }
}

/// The paired printer's port key, which the serial scanner leaves alone.
pub fn port_key() -> Option<String> {
    setting().port
}

/// Web Serial is there (Chrome, Edge): the scanner's test.
pub use crate::scanner::serial::supported;

/// At start: reopens the printer paired before, and cuts the paper after each print.
pub fn start() {
    let after_print = Closure::<dyn Fn()>::new(|| {
        if setting().cut {
            send(&FEED_AND_CUT);
        }
    });
    let _ = window().add_event_listener_with_callback("afterprint", after_print.as_ref().unchecked_ref());
    after_print.forget();
    let (Some(serial), Some(key)) = (api(), port_key()) else { return };
    spawn_local(async move {
        let Ok(list) = JsFuture::from(serial.get_ports()).await else { return };
        let port = js_sys::Array::from(&list).iter().map(JsCast::unchecked_into::<SerialPort>).find(|p| key_of(p) == key);
        if let Some(port) = port {
            let _ = open(port, setting().baud_rate).await;
        }
    });
}

/// Asks the browser for the printer's port (its chooser; needs a click) and opens it at `baud_rate`.
pub async fn pair(baud_rate: u32) -> Result<(), String> {
    let serial = api().ok_or("Web Serial")?;
    let port: SerialPort = match JsFuture::from(serial.request_port()).await {
        Ok(p) => p.unchecked_into(),
        Err(e) if Reflect::get(&e, &"name".into()).ok().and_then(|n| n.as_string()).as_deref() == Some("NotFoundError") => return Ok(()),
        Err(e) => return Err(js_error(e)),
    };
    close().await;
    open(port, baud_rate).await
}

/// Closes the port and forgets it (the scanner may have it again).
pub async fn forget() {
    if let Some((port, _)) = PORT.with(|p| p.borrow().clone()) {
        close().await;
        let _ = JsFuture::from(port.forget()).await;
    }
    save(&PrinterSetting { port: None, ..setting() });
    status().set(PrinterStatus::None);
}

async fn close() {
    if let Some((port, writer)) = PORT.with(|p| p.borrow_mut().take()) {
        writer.release_lock();
        let _ = JsFuture::from(port.close()).await;
    }
}

async fn open(port: SerialPort, baud_rate: u32) -> Result<(), String> {
    if let Err(e) = JsFuture::from(port.open(&SerialOptions::new(baud_rate))).await {
        let msg = js_error(e);
        status().set(PrinterStatus::Failed(msg.clone()));
        return Err(msg);
    }
    let writer = match port.writable().get_writer() {
        Ok(w) => w,
        Err(e) => {
            let msg = js_error(e);
            status().set(PrinterStatus::Failed(msg.clone()));
            return Err(msg);
        }
    };
    save(&PrinterSetting { port: Some(key_of(&port)), baud_rate, ..setting() });
    PORT.with(|p| *p.borrow_mut() = Some((port, writer)));
    status().set(PrinterStatus::Open(baud_rate));
    Ok(())
}

/// Writes `bytes` to the printer, if one is open. A printer that fails says so on the settings screen;
/// the sale is never held up by it.
pub fn send(bytes: &[u8]) {
    let Some((_, writer)) = PORT.with(|p| p.borrow().clone()) else { return };
    let written = writer.write_with_chunk(&js_sys::Uint8Array::from(bytes));
    spawn_local(async move {
        if let Err(e) = JsFuture::from(written).await {
            status().set(PrinterStatus::Failed(js_error(e)));
        }
    });
}

/// After a sale is recorded: the drawer opens if cash moved and the cashier's setting says so.
pub fn after_sale(sale: &shared::sale::Sale) {
    if setting().kick && shared::sale::opens_drawer(&sale.tenders) {
        send(&DRAWER_KICK);
    }
}
