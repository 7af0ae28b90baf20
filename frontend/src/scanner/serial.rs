//! The Web Serial source: pairs a serial scanner (or a USB one in serial/CDC mode), reopens the one
//! paired before at start (`getPorts()`), and reads its bytes at the saved baud rate, split into codes by
//! the saved suffix.

use super::hid::js_error;
use super::router::ScanRouter;
use super::routing::Source;
use super::serial_frames::{SerialFrames, IDLE_MS};
use super::settings::{self, device_key, SerialSetting};
use js_sys::Reflect;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{ReadableStreamDefaultReader, Serial, SerialOptions, SerialPort};

/// The port in use, as the settings screen shows it.
#[derive(Clone, Debug, PartialEq)]
pub enum SerialStatus {
    None,
    Open(SerialSetting),
    Failed(String),
}

struct Current {
    port: SerialPort,
    reader: Option<ReadableStreamDefaultReader>,
}

thread_local! {
    static STATUS: ArcRwSignal<SerialStatus> = ArcRwSignal::new(SerialStatus::None);
    static CURRENT: RefCell<Option<Current>> = const { RefCell::new(None) };
    /// Bumped at each open: a read loop of a port since closed stops delivering.
    static GENERATION: Cell<u64> = const { Cell::new(0) };
}

pub fn status() -> ArcRwSignal<SerialStatus> {
    STATUS.with(Clone::clone)
}

pub(crate) fn api() -> Option<Serial> {
    let serial = Reflect::get(&window().navigator(), &"serial".into()).ok()?;
    (!serial.is_undefined() && !serial.is_null()).then(|| serial.unchecked_into())
}

pub fn supported() -> bool {
    api().is_some()
}

pub(crate) fn key_of(port: &SerialPort) -> String {
    let info = port.get_info();
    device_key(info.get_usb_vendor_id(), info.get_usb_product_id())
}

/// The settings the current port (else a port paired next) is read with.
pub fn current_setting() -> SerialSetting {
    let key = CURRENT.with(|c| c.borrow().as_ref().map(|c| key_of(&c.port)));
    key.and_then(|k| settings::load().serial.get(&k).copied()).unwrap_or_default()
}

pub(super) fn start() {
    let Some(serial) = api() else { return };
    spawn_local(async move {
        let Ok(list) = JsFuture::from(serial.get_ports()).await else { return };
        // The receipt printer's port is the printer's (`crate::printer`), never a scanner's.
        let printer = crate::printer::port_key();
        let ports: Vec<SerialPort> = js_sys::Array::from(&list)
            .iter()
            .map(JsCast::unchecked_into::<SerialPort>)
            .filter(|p| printer.as_deref() != Some(key_of(p).as_str()))
            .collect();
        let saved = settings::load();
        let pick = ports.iter().find(|p| saved.serial.contains_key(&key_of(p))).or(ports.first());
        if let Some(port) = pick {
            let _ = open(port.clone(), None).await;
        }
    });
}

/// Asks the browser for a port (its chooser; needs a click) and opens it with `setting`.
pub async fn pair(setting: SerialSetting) -> Result<(), String> {
    let serial = api().ok_or("Web Serial")?;
    let port = match JsFuture::from(serial.request_port()).await {
        Ok(port) => port,
        // The chooser closed without a port: nothing changes.
        Err(e) if Reflect::get(&e, &"name".into()).ok().and_then(|n| n.as_string()).as_deref() == Some("NotFoundError") => {
            return Ok(())
        }
        Err(e) => return Err(js_error(e)),
    };
    open(port.unchecked_into(), Some(setting)).await
}

/// Saves `setting` for the current port and reopens it with it.
pub async fn apply(setting: SerialSetting) -> Result<(), String> {
    let port = close_current().await;
    match port {
        Some(port) => open(port, Some(setting)).await,
        None => Ok(()),
    }
}

/// Closes the port and asks the browser to forget it.
pub async fn forget() {
    if let Some(port) = close_current().await {
        let key = key_of(&port);
        let _ = JsFuture::from(port.forget()).await;
        settings::update(|s| {
            s.serial.remove(&key);
        });
    }
    status().set(SerialStatus::None);
}

/// Stops the read loop and closes the port; returns it.
async fn close_current() -> Option<SerialPort> {
    let current = CURRENT.with(|c| c.borrow_mut().take())?;
    GENERATION.with(|g| g.set(g.get() + 1));
    if let Some(reader) = current.reader {
        let _ = JsFuture::from(reader.cancel()).await;
        reader.release_lock();
    }
    let _ = JsFuture::from(current.port.close()).await;
    Some(current.port)
}

async fn open(port: SerialPort, setting: Option<SerialSetting>) -> Result<(), String> {
    let key = key_of(&port);
    let setting = setting.or_else(|| settings::load().serial.get(&key).copied()).unwrap_or_default();
    // One serial scanner at a time: a newly paired port replaces the one before.
    let _ = close_current().await;
    let options = SerialOptions::new(setting.baud_rate);
    if let Err(e) = JsFuture::from(port.open(&options)).await {
        let msg = js_error(e);
        status().set(SerialStatus::Failed(msg.clone()));
        return Err(msg);
    }
    settings::update(|s| {
        s.serial.insert(key, setting);
    });
    let reader: ReadableStreamDefaultReader = port.readable().get_reader().unchecked_into();
    CURRENT.with(|c| *c.borrow_mut() = Some(Current { port, reader: Some(reader.clone()) }));
    let generation = GENERATION.with(|g| {
        g.set(g.get() + 1);
        g.get()
    });
    status().set(SerialStatus::Open(setting));
    spawn_local(read_loop(reader, SerialFrames::new(setting.suffix), generation));
    Ok(())
}

async fn read_loop(reader: ReadableStreamDefaultReader, frames: SerialFrames, generation: u64) {
    let frames = Rc::new(RefCell::new(frames));
    let live = move || GENERATION.with(|g| g.get()) == generation;
    loop {
        let chunk = match JsFuture::from(reader.read()).await {
            Ok(chunk) => chunk,
            Err(e) => {
                if live() {
                    status().set(SerialStatus::Failed(js_error(e)));
                }
                return;
            }
        };
        if !live() || Reflect::get(&chunk, &"done".into()).ok().and_then(|d| d.as_bool()).unwrap_or(true) {
            return;
        }
        let Ok(value) = Reflect::get(&chunk, &"value".into()) else { continue };
        let bytes = value.unchecked_into::<js_sys::Uint8Array>().to_vec();
        let codes = frames.borrow_mut().push(&bytes, js_sys::Date::now());
        for code in codes {
            ScanRouter::get().deliver(code, Source::Serial);
        }
        // A code without its suffix (or a scanner set to none) ends when the line goes quiet.
        let frames = frames.clone();
        spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(IDLE_MS as u32 + 20).await;
            let code = frames.borrow_mut().idle(js_sys::Date::now());
            if let (Some(code), true) = (code, live()) {
                ScanRouter::get().deliver(code, Source::Serial);
            }
        });
    }
}
