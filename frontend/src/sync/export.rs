//! "Exporter les ventes en attente": the outbox as a file, so that a wiped browser loses nothing that
//! was exported. The file is a push request: the server imports it with its ordinary, idempotent
//! `POST /api/v1/sync/push` (see the README), so a sale also pushed later is stored once.

use crate::store::Db;
use shared::sync::PushRequest;
use wasm_bindgen::JsCast;

/// Downloads each register's unsent sales as `comptoir-{register}-{first}-{last}.json`.
pub async fn export_pending(db: &Db) -> Result<usize, String> {
    let sales = db.outbox(u32::MAX).await.map_err(|e| e.0)?;
    let mut registers: Vec<String> = sales.iter().map(|s| s.register_id.clone()).collect();
    registers.dedup();
    for register_id in registers {
        let mine: Vec<_> = sales.iter().filter(|s| s.register_id == register_id).cloned().collect();
        let name = format!(
            "comptoir-{register_id}-{}-{}.json",
            mine.first().map_or(0, |s| s.seq),
            mine.last().map_or(0, |s| s.seq)
        );
        let json = serde_json::to_string_pretty(&PushRequest { register_id, sales: mine }).map_err(|e| e.to_string())?;
        download(&name, &json)?;
    }
    Ok(sales.len())
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
