//! The WebHID source: pairs a scanner (HID POS, or keyboard emulation), reopens the one paired before at
//! start (the browser remembers the permission; `getDevices()` hands it back) and when it is plugged in
//! again, and turns its input reports into codes for the router.

use super::hid_keys::{HidKeys, GENERIC_DESKTOP, KEYBOARD};
use super::hid_pos::{HidPos, USAGE_PAGE};
use super::router::ScanRouter;
use super::routing::Source;
use super::settings::{self, device_key, HidMode};
use js_sys::Reflect;
use wasm_bindgen_futures::JsFuture;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::cell::RefCell;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Hid, HidDevice, HidDeviceFilter, HidDeviceRequestOptions, HidInputReportEvent};

/// The scanner in use, as the settings screen shows it.
#[derive(Clone, Debug, PartialEq)]
pub enum HidStatus {
    None,
    Open { name: String, mode: HidMode },
    Failed(String),
}

type Listener = Closure<dyn Fn(web_sys::Event)>;

thread_local! {
    static STATUS: ArcRwSignal<HidStatus> = ArcRwSignal::new(HidStatus::None);
    static CURRENT: RefCell<Option<(HidDevice, Listener)>> = const { RefCell::new(None) };
}

pub fn status() -> ArcRwSignal<HidStatus> {
    STATUS.with(Clone::clone)
}

/// `navigator.hid`, where the browser has it (Chromium on a secure origin).
fn api() -> Option<Hid> {
    let hid = Reflect::get(&window().navigator(), &"hid".into()).ok()?;
    (!hid.is_undefined() && !hid.is_null()).then(|| hid.unchecked_into())
}

pub fn supported() -> bool {
    api().is_some()
}

pub(super) fn start() {
    let Some(hid) = api() else { return };
    spawn_local(reconnect(hid.clone()));
    // Plugged in again: the browser still allows it, open it again.
    let on_connect = Closure::<dyn Fn(web_sys::Event)>::new(move |e: web_sys::Event| {
        if CURRENT.with(|c| c.borrow().is_none()) {
            if let Ok(device) = Reflect::get(&e, &"device".into()) {
                spawn_local(async move { let _ = attach(device.unchecked_into()).await; });
            }
        }
    });
    let _ = hid.add_event_listener_with_callback("connect", on_connect.as_ref().unchecked_ref());
    on_connect.forget();
}

fn key_of(device: &HidDevice) -> String {
    device_key(Some(device.vendor_id()), Some(device.product_id()))
}

/// HID POS if the device has a barcode-scanner collection, else keyboard emulation.
fn detect_mode(device: &HidDevice) -> HidMode {
    let pos = Reflect::get(device, &"collections".into())
        .ok()
        .map(|c| js_sys::Array::from(&c))
        .is_some_and(|cs| {
            cs.iter().any(|c| Reflect::get(&c, &"usagePage".into()).ok().and_then(|u| u.as_f64()) == Some(f64::from(USAGE_PAGE)))
        });
    if pos { HidMode::Pos } else { HidMode::Keyboard }
}

async fn reconnect(hid: Hid) {
    let Ok(list) = JsFuture::from(hid.get_devices()).await else { return };
    let devices: Vec<HidDevice> = js_sys::Array::from(&list).iter().map(JsCast::unchecked_into).collect();
    let saved = settings::load();
    // The scanner set up here before, else the first one the browser allows.
    let pick = devices.iter().find(|d| saved.hid.contains_key(&key_of(d))).or(devices.first());
    if let Some(device) = pick {
        let _ = attach(device.clone()).await;
    }
}

/// Asks the browser for a scanner (its device chooser; needs a click), opens it and remembers it.
pub async fn pair() -> Result<(), String> {
    let hid = api().ok_or("WebHID")?;
    let pos = HidDeviceFilter::new();
    pos.set_usage_page(USAGE_PAGE);
    let keyboard = HidDeviceFilter::new();
    keyboard.set_usage_page(GENERIC_DESKTOP);
    keyboard.set_usage(KEYBOARD);
    let options = HidDeviceRequestOptions::new(&[pos, keyboard]);
    let list = JsFuture::from(hid.request_device(&options)).await.map_err(js_error)?;
    let Some(device) = js_sys::Array::from(&list).iter().next() else {
        // The cashier closed the chooser: nothing changes.
        return Ok(());
    };
    attach(device.unchecked_into()).await
}

/// Closes the scanner and asks the browser to forget it (it will not come back at start).
pub async fn forget() {
    let current = CURRENT.with(|c| c.borrow_mut().take());
    if let Some((device, listener)) = current {
        let _ = device.remove_event_listener_with_callback("inputreport", listener.as_ref().unchecked_ref());
        let key = key_of(&device);
        let _ = JsFuture::from(device.close()).await;
        // `forget()` is newer than `close()`: call it where the browser has it.
        if let Ok(f) = Reflect::get(&device, &"forget".into()).and_then(|f| f.dyn_into::<js_sys::Function>()) {
            if let Ok(p) = f.call0(&device).and_then(|p| p.dyn_into::<js_sys::Promise>()) {
                let _ = JsFuture::from(p).await;
            }
        }
        settings::update(|s| {
            s.hid.remove(&key);
        });
    }
    status().set(HidStatus::None);
}

/// Reads the scanner in `mode` from now on (a choice on the settings screen).
pub fn set_mode(mode: HidMode) {
    let device = CURRENT.with(|c| c.borrow().as_ref().map(|(d, _)| d.clone()));
    if let Some(device) = device {
        settings::update(|s| {
            s.hid.insert(key_of(&device), mode);
        });
        spawn_local(async move { let _ = attach(device).await; });
    }
}

async fn attach(device: HidDevice) -> Result<(), String> {
    let key = key_of(&device);
    let mode = settings::load().hid.get(&key).copied().unwrap_or_else(|| detect_mode(&device));
    if !device.opened() {
        if let Err(e) = JsFuture::from(device.open()).await {
            let msg = js_error(e);
            status().set(HidStatus::Failed(msg.clone()));
            return Err(msg);
        }
    }
    // One decoder per device and mode; a change of mode starts a fresh one.
    enum Decoder {
        Pos(HidPos),
        Keys(HidKeys),
    }
    let decoder = RefCell::new(match mode {
        HidMode::Pos => Decoder::Pos(HidPos::default()),
        HidMode::Keyboard => Decoder::Keys(HidKeys::default()),
    });
    let listener = Listener::new(move |e: web_sys::Event| {
        let e: HidInputReportEvent = e.unchecked_into();
        let view = e.data();
        let bytes = js_sys::Uint8Array::new_with_byte_offset_and_length(
            &view.buffer(),
            view.byte_offset() as u32,
            view.byte_length() as u32,
        )
        .to_vec();
        let code = match &mut *decoder.borrow_mut() {
            Decoder::Pos(d) => d.report(&bytes),
            Decoder::Keys(d) => d.report(&bytes),
        };
        if let Some(code) = code {
            ScanRouter::get().deliver(code, Source::Hid);
        }
    });
    let _ = device.add_event_listener_with_callback("inputreport", listener.as_ref().unchecked_ref());
    let previous = CURRENT.with(|c| c.borrow_mut().replace((device.clone(), listener)));
    if let Some((old, old_listener)) = previous {
        let _ = old.remove_event_listener_with_callback("inputreport", old_listener.as_ref().unchecked_ref());
    }
    settings::update(|s| {
        s.hid.insert(key, mode);
    });
    status().set(HidStatus::Open { name: device.product_name(), mode });
    Ok(())
}

pub(crate) fn js_error(e: JsValue) -> String {
    Reflect::get(&e, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_else(|| format!("{e:?}"))
}
