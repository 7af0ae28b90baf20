//! A return prepared in the back office (sales history, « Retourner à la caisse »): the register opens at
//! `/?retour=<sale id>&lignes=<line:units,…>`, loads the sale (`GET /sales/{id}`) and puts the chosen
//! units in the cart as returned lines — refunded exactly as `shared::sale::plan_return` refunds them —
//! then the cashier pays them out as usual. Kept small: the register's wasm is budgeted.

use crate::state::AppCtx;
use leptos::prelude::*;
use shared::sale::{Cart, Sale};
use shared::sales_history::{parse_picks, plan_return_from, ReturnableLine, LINES_PARAM, RETURN_PARAM};

/// The two parts of `GET /sales/{id}` a return needs (the rest of the details is not read).
#[derive(serde::Deserialize)]
struct ToReturn {
    sale: Sale,
    returnable: Vec<ReturnableLine>,
}

/// Reads the address once; with a return in it, loads the sale and fills `cart`. `original` keeps the
/// sale (an online one is refunded through its processor); an error goes to `notice`.
pub fn load_return(ctx: AppCtx, cart: RwSignal<Cart>, original: RwSignal<Option<Sale>>, notice: RwSignal<Option<String>>) {
    let search = window().location().search().unwrap_or_default();
    let pairs: Vec<(&str, &str)> = search.trim_start_matches('?').split('&').filter(|p| !p.is_empty()).map(|p| p.split_once('=').unwrap_or((p, ""))).collect();
    let value = |name: &str| {
        pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| js_sys::decode_uri_component(v).map(String::from).unwrap_or_default())
    };
    let Some(sale_id) = value(RETURN_PARAM) else { return };
    let picks = value(LINES_PARAM).and_then(|l| parse_picks(&l));
    // Once read, the address forgets it: a reload must not put the same units back in the cart.
    let rest: Vec<String> = pairs.iter().filter(|(k, _)| *k != RETURN_PARAM && *k != LINES_PARAM).map(|(k, v)| format!("{k}={v}")).collect();
    let url = if rest.is_empty() { "/".to_string() } else { format!("/?{}", rest.join("&")) };
    let _ = window().history().and_then(|h| h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url)));
    let Some(picks) = picks else {
        notice.set(Some(shared::sale::ReturnError::NothingReturned.to_string()));
        return;
    };
    leptos::task::spawn_local(async move {
        let url = format!("/api/v1/sales/{}", crate::sync::http::seg(&sale_id));
        let planned = match crate::sync::http::get::<ToReturn>(&url).await {
            Ok(r) => plan_return_from(&r.sale, &r.returnable, &picks).map(|lines| (r.sale, lines)).map_err(|e| e.to_string()),
            Err(crate::sync::http::ApiFailure::Refused { error, .. }) => Err(error.message),
            Err(crate::sync::http::ApiFailure::Unreachable(e)) => Err(e),
        };
        match planned {
            Ok((sale, lines)) => {
                cart.update(|c| c.add_returns(lines));
                let customer = sale.customer_id.as_ref().and_then(|id| ctx.customers.with_untracked(|l| l.iter().find(|c| &c.customer.id == id).cloned()));
                if let Some(c) = customer {
                    super::customer_panel::attach(cart, &c);
                }
                original.set(Some(sale));
            }
            Err(e) => notice.set(Some(e)),
        }
    });
}
