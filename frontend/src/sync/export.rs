//! *Exporter*: what this device has not handed over for good, as files, so that a wiped browser loses
//! nothing that was exported. Each file is a push request (`PushRequest`, with the device id): the
//! server imports it with its ordinary, idempotent `POST /api/v1/sync/push` (see the README), so a sale
//! also pushed later is stored once.
//!
//! - `comptoir-appareil-N-DATE.json`: the outbox, and the held sales (the server has them; the copy is
//!   for the manager's record, and importing it again is harmless).
//! - `comptoir-appareil-N-DATE-refusees.json`: the refused sales, apart, because the server would refuse
//!   a push containing them and the others must still import.

use crate::store::Db;
use shared::sale::Sale;
use shared::sync::PushRequest;
use sync_client::DeviceStore;
use wasm_bindgen::JsCast;

/// Downloads the files; returns how many sales and operations they hold.
pub async fn export_unsent(db: &Db) -> Result<usize, String> {
    let device = db.device().await.map_err(|e| e.0)?;
    let mut sales = db.pending_sales(u32::MAX).await.map_err(|e| e.0)?;
    sales.extend(db.held_sales().await.map_err(|e| e.0)?.into_iter().map(|h| h.sale));
    // Operations (payments, serials, stock, customers) go with the sales: the push route applies each once.
    let mut ops = db.pending_op_list(u32::MAX).await.map_err(|e| e.0)?;
    ops.extend(db.held_op_list().await.map_err(|e| e.0)?.into_iter().map(|h| h.op));
    let mut ops = Some(ops);
    let refused: Vec<Sale> = db.refused_sales().await.map_err(|e| e.0)?.into_iter().map(|r| r.sale).collect();
    let stamp = String::from(js_sys::Date::new_0().to_iso_string()).replace([':', '.'], "-");
    let who = device.number.map_or_else(|| device.id.clone(), |n| n.to_string());
    let count = sales.len() + refused.len() + ops.as_ref().map_or(0, Vec::len);
    for (suffix, list) in [("", sales), ("-refusees", refused)] {
        let ops = if suffix.is_empty() { ops.take().unwrap_or_default() } else { Vec::new() };
        if list.is_empty() && ops.is_empty() {
            continue;
        }
        // Sales recorded before devices existed keep their empty device: the server keys them by register.
        let sales: Vec<Sale> = list.into_iter().collect();
        let req = PushRequest { device_id: device.id.clone(), sales, ops };
        let json = serde_json::to_string_pretty(&req).map_err(|e| e.to_string())?;
        download(&format!("comptoir-appareil-{who}-{stamp}{suffix}.json"), &json)?;
    }
    Ok(count)
}

fn download(name: &str, text: &str) -> Result<(), String> {
    let err = |e: wasm_bindgen::JsValue| format!("{e:?}");
    let parts = js_sys::Array::of1(&text.into());
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(err)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(err)?;
    let document = leptos::prelude::document();
    let a: web_sys::HtmlAnchorElement = document.create_element("a").map_err(err)?.unchecked_into();
    a.set_href(&url);
    a.set_download(name);
    a.click();
    web_sys::Url::revoke_object_url(&url).map_err(err)?;
    Ok(())
}
