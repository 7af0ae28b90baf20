//! A hostile review of issue 10: what an attacker on the shop's network, a malicious page, a rogue
//! device or a clumsy cashier tried, each through the real router on a real SQLite file.

use crate::helpers::{spawn_app, As, MTL_DEVICE};
use axum::http::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_sale_without_a_device_id_pushed_by_an_enrolled_device_is_held_when_it_breaks_the_outlet_or_override_rules() {
    let app = spawn_app().await;
    // Montréal's tablet pushes a Laval sale dressed as one from before devices (no device, old receipt).
    let mut laval = app.laval_sale(1, &["hat"]);
    laval.device_id = String::new();
    laval.receipt = "LAV1-000001".into();
    laval.cashier_id = String::new();
    // And a Montréal sale from "before devices" at a tenth of the price, overridden by a cashier.
    let mut cheap = app.sale(2, &["hat"]);
    cheap.device_id = String::new();
    cheap.receipt = "MTL1-000002".into();
    let mut cart = shared::sale::Cart { lines: cheap.lines.clone(), ..Default::default() };
    let tenth = shared::Money(cheap.lines[0].unit_price.as_cents() / 10);
    cart.override_price(0, tenth, "julie", "ami", 1_700_000_000_000).unwrap();
    cheap.lines = cart.lines.clone();
    cheap.totals = cart.totals(&shared::tax::TaxRates::QUEBEC).unwrap();
    cheap.tenders = vec![shared::sale::Tender::exact(shared::sale::TenderKind::Card, cheap.totals.total)];
    let (status, r) = app.push_from(MTL_DEVICE, &[laval, cheap]).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["results"][0]["hold"]["code"], "other_outlet", "{r}");
    assert_eq!(r["results"][1]["hold"]["code"], "override_not_allowed", "{r}");
    assert_eq!((app.sale_count().await, app.held_count().await), (0, 2), "held, never stored as fine, never refused");
}
