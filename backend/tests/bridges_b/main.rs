//! The BigCommerce and Lightspeed eCom (Ecwid) bridges against fake platform servers: real HTTP servers
//! on 127.0.0.1:0 in this process, speaking the documented payloads, signatures, paging and 429s.

#[path = "../fakes/bigcommerce.rs"]
mod bigcommerce;
#[path = "../fakes/ecwid.rs"]
mod ecwid;

mod bigcommerce_bridge;
mod ecwid_bridge;
mod fuzz;

/// Now, for `verify`.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}
