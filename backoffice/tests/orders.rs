//! The orders page's rows at a device: the pulled order parts with our operations replayed over them,
//! each counted once whatever the order in which the outbox, the pushes and the pulls move.
#![cfg(target_arch = "wasm32")]

use backoffice::pages::orders::data::Local;
use frontend::sync::puller::PullDone;
use shared::Money;
use shared::fulfilment::{OrderType, PartStatus, Platform};
use shared::online::{OrderLineView, OrderPartView, OrdersQuery};
use shared::sync::{OpBody, Operation};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn part(picked: u32, status: PartStatus) -> OrderPartView {
    OrderPartView {
        order_id: "o1".into(),
        outlet_id: "montreal".into(),
        platform: Platform::WooCommerce,
        connection_id: "c".into(),
        receipt: "MTL1-W-000001".into(),
        number: "901".into(),
        created_at_ms: 1,
        status,
        order_type: OrderType::Delivery,
        customer_id: None,
        customer_name: "Léa Roy".into(),
        lines: vec![OrderLineView { product_id: "hat".into(), sku: "HAT".into(), name: "Hat".into(), ordered: 3, picked, backordered: 0 }],
        sale_note: String::new(),
        order_notes: vec![],
        assigned_to: None,
        assigned_name: None,
        total: Money(1000),
        paid: Money(1000),
        other_parts: vec![],
        explanation: vec![],
        optimal: true,
        processor: None,
    }
}

fn pick(id: &str) -> Operation {
    Operation {
        id: id.into(),
        device_id: "d".into(),
        made_at_ms: 2,
        cashier_id: "julie".into(),
        body: OpBody::OrderPick { order_id: "o1".into(), outlet_id: "montreal".into(), product_id: "hat".into(), qty: 1 },
    }
}

fn picked(local: &Local) -> Vec<u32> {
    local.rows(&OrdersQuery::default()).iter().map(|p| p.lines[0].picked).collect()
}

fn done(seq: u64, ok: bool, overlapped: bool) -> PullDone {
    PullDone { seq, ok, overlapped, ever_ok: true }
}

#[wasm_bindgen_test]
fn a_pick_in_the_outbox_shows_at_once_over_the_pulled_part() {
    let local = Local::new(vec![part(0, PartStatus::New)], &[pick("p1")]);
    let rows = local.rows(&OrdersQuery::default());
    assert_eq!((rows[0].lines[0].picked, rows[0].status), (1, PartStatus::InProgress));
}

#[wasm_bindgen_test]
fn a_pull_during_a_push_is_not_taken_so_a_pick_the_server_has_is_never_counted_twice() {
    let mut local = Local::new(vec![part(0, PartStatus::New)], &[pick("p1")]);
    // The server applied p1 and a pull brought it while our outbox still listed it.
    assert!(!local.pulled(done(5, true, true), || vec![part(1, PartStatus::InProgress)]));
    assert_eq!(picked(&local), vec![1]);
    // The answer: p1 leaves the outbox. Pull 6 begins after.
    local.outbox(&[], &[], 6);
    assert_eq!(picked(&local), vec![1], "still shown until a pull carries it");
    assert!(local.pulled(done(6, true, false), || vec![part(1, PartStatus::InProgress)]));
    assert_eq!(picked(&local), vec![1]);
}

#[wasm_bindgen_test]
fn an_acknowledged_pick_stays_shown_until_a_pull_begun_after_its_acknowledgement_is_taken() {
    let mut local = Local::new(vec![part(0, PartStatus::New)], &[pick("p1")]);
    local.outbox(&[], &[], 8);
    // Pull 7 began before the acknowledgement: its state does not carry p1.
    assert!(local.pulled(done(7, true, false), || vec![part(0, PartStatus::New)]));
    assert_eq!(picked(&local), vec![1], "never counts back down");
    assert!(local.pulled(done(8, true, false), || vec![part(1, PartStatus::InProgress)]));
    assert_eq!(picked(&local), vec![1]);
}

#[wasm_bindgen_test]
fn an_operation_the_server_holds_is_no_longer_shown_as_done() {
    let mut local = Local::new(vec![part(0, PartStatus::New)], &[pick("p1")]);
    local.outbox(&[], &["p1"], 3);
    assert_eq!(picked(&local), vec![0]);
}

#[wasm_bindgen_test]
fn offline_pulls_fail_and_the_outbox_is_replayed_over_the_device_copy() {
    let mut local = Local::new(vec![part(0, PartStatus::New)], &[]);
    assert!(local.pulled(done(1, false, false), || vec![part(0, PartStatus::New)]));
    local.outbox(&[pick("p1"), pick("p2")], &[], 2);
    assert_eq!(picked(&local), vec![2]);
    // Back online: both acknowledged; a failed pull is not taken while they wait to be carried.
    local.outbox(&[], &[], 3);
    assert!(!local.pulled(done(3, false, false), || vec![part(2, PartStatus::InProgress)]));
    assert!(local.pulled(done(4, true, false), || vec![part(2, PartStatus::InProgress)]));
    assert_eq!(picked(&local), vec![2]);
}

#[wasm_bindgen_test]
fn a_finished_part_leaves_the_rows() {
    let mut local = Local::new(vec![part(3, PartStatus::Packed)], &[]);
    let ship = Operation {
        body: OpBody::OrderAction { order_id: "o1".into(), outlet_id: "montreal".into(), action: shared::fulfilment::FulfilmentAction::MarkShipped },
        ..pick("s1")
    };
    local.outbox(&[ship], &[], 1);
    assert!(local.rows(&OrdersQuery::default()).is_empty());
}
