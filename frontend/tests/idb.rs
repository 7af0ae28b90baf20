//! The register's IndexedDB layer, in headless Chromium against real IndexedDB.
#![cfg(target_arch = "wasm32")]

use frontend::store::{Db, SaleDraft};
use shared::catalog::{Product, Register};
use shared::sale::{settle_cash, Cart};
use shared::tax::{TaxClass, TaxRates};
use shared::Money;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn product(id: &str, cents: i64) -> Product {
    Product {
        id: id.into(),
        sku: id.to_uppercase(),
        barcode: Some(format!("77{id}")),
        name: id.into(),
        price: Money(cents),
        tax_class: TaxClass::Taxable,
        ..Default::default()
    }
}

fn register() -> Register {
    Register { id: "montreal-1".into(), outlet_id: "montreal".into(), code: "MTL1".into(), name: "Caisse 1".into() }
}

fn draft(id: &str) -> SaleDraft {
    let mut cart = Cart::default();
    cart.add(&product("shirt", 2999));
    let totals = cart.totals(&TaxRates::QUEBEC).unwrap();
    let cash = settle_cash(totals.total, Money(5000)).unwrap();
    SaleDraft { id: id.into(), register: register(), created_at_ms: 0, cart, rates: TaxRates::QUEBEC, tenders: vec![cash.tender()] }
}

async fn fresh(name: &str) -> Db {
    // A unique database per test run: tests share one browser profile.
    Db::open(&format!("{name}-{}", js_sys::Math::random())).await.unwrap()
}

#[wasm_bindgen_test]
async fn a_completed_sale_is_in_the_sales_store_and_the_outbox_together() {
    let db = fresh("commit").await;
    let sale = db.commit_sale(draft("s1")).await.unwrap();
    assert_eq!(sale.seq, 1);
    assert_eq!(sale.receipt, "MTL1-000001");
    assert_eq!(db.pending_count().await.unwrap(), 1);
    assert_eq!(db.outbox(10).await.unwrap(), vec![sale.clone()]);
    assert_eq!(db.local_sales().await.unwrap(), vec![sale]);
}

#[wasm_bindgen_test]
async fn a_sale_whose_tenders_do_not_cover_it_is_not_recorded_and_takes_no_number() {
    let db = fresh("unpaid").await;
    let mut bad = draft("bad");
    bad.tenders[0].amount = Money(1);
    bad.tenders[0].change = Money(bad.tenders[0].tendered.as_cents() - 1);
    assert!(db.commit_sale(bad).await.is_err());
    assert_eq!(db.pending_count().await.unwrap(), 0);
    assert_eq!(db.commit_sale(draft("good")).await.unwrap().seq, 1, "the failed sale used no sequence");
}

#[wasm_bindgen_test]
async fn sequences_never_repeat_even_for_sales_committed_at_the_same_time() {
    let db = fresh("seq").await;
    let (a, b) = futures_join(db.commit_sale(draft("a")), db.commit_sale(draft("b"))).await;
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_ne!(a.seq, b.seq);
    let c = db.commit_sale(draft("c")).await.unwrap();
    assert_eq!(c.seq, 3);
    let seqs: Vec<u64> = db.outbox(10).await.unwrap().iter().map(|s| s.seq).collect();
    assert_eq!(seqs, vec![1, 2, 3], "the outbox is in sequence order");
}

#[wasm_bindgen_test]
async fn the_outbox_keeps_its_order_past_nine_sales() {
    let db = fresh("order").await;
    for i in 0..12 {
        db.commit_sale(draft(&format!("s{i}"))).await.unwrap();
    }
    let seqs: Vec<u64> = db.outbox(100).await.unwrap().iter().map(|s| s.seq).collect();
    assert_eq!(seqs, (1..=12).collect::<Vec<_>>());
    assert_eq!(db.outbox(5).await.unwrap().len(), 5);
}

#[wasm_bindgen_test]
async fn acknowledged_sales_leave_the_outbox_but_stay_in_the_register_history() {
    let db = fresh("ack").await;
    for i in 0..3 {
        db.commit_sale(draft(&format!("s{i}"))).await.unwrap();
    }
    db.acknowledge(&[1, 2]).await.unwrap();
    assert_eq!(db.pending_count().await.unwrap(), 1);
    assert_eq!(db.outbox(10).await.unwrap()[0].seq, 3);
    assert_eq!(db.local_sales().await.unwrap().len(), 3);
}

#[wasm_bindgen_test]
async fn a_refused_sale_moves_to_rejected_with_its_reason() {
    let db = fresh("reject").await;
    let sale = db.commit_sale(draft("s1")).await.unwrap();
    db.reject(&sale, "totals_mismatch").await.unwrap();
    assert_eq!(db.pending_count().await.unwrap(), 0);
    assert_eq!(db.rejected_count().await.unwrap(), 1);
}

#[wasm_bindgen_test]
async fn the_catalog_is_stored_in_pages_and_read_back_whole() {
    let db = fresh("catalog").await;
    let pages: Vec<Vec<Product>> = (0..3).map(|p| (0..4).map(|i| product(&format!("p{p}{i}"), 100 + i)).collect()).collect();
    db.replace_catalog(&pages, 7).await.unwrap();
    let loaded = db.load_catalog().await.unwrap();
    assert_eq!(loaded.len(), 12);
    assert_eq!(db.get_meta::<i64>("catalog_version").await.unwrap(), Some(7));
    db.replace_catalog(&pages[..1], 8).await.unwrap();
    assert_eq!(db.load_catalog().await.unwrap().len(), 4, "a new catalog replaces the old one");
}

#[wasm_bindgen_test]
async fn settings_survive_reopening_the_database() {
    let name = format!("meta-{}", js_sys::Math::random());
    let db = Db::open(&name).await.unwrap();
    db.set_meta("register", &register()).await.unwrap();
    drop(db);
    let again = Db::open(&name).await.unwrap();
    assert_eq!(again.get_meta::<Register>("register").await.unwrap(), Some(register()));
}

/// Runs two futures concurrently (both IndexedDB transactions are in flight at once).
async fn futures_join<A: std::future::Future, B: std::future::Future>(a: A, b: B) -> (A::Output, B::Output) {
    use std::pin::pin;
    use std::task::Poll;
    let mut a = pin!(a);
    let mut b = pin!(b);
    let (mut ra, mut rb) = (None, None);
    std::future::poll_fn(|cx| {
        if ra.is_none() {
            if let Poll::Ready(v) = a.as_mut().poll(cx) {
                ra = Some(v);
            }
        }
        if rb.is_none() {
            if let Poll::Ready(v) = b.as_mut().poll(cx) {
                rb = Some(v);
            }
        }
        if ra.is_some() && rb.is_some() { Poll::Ready(()) } else { Poll::Pending }
    })
    .await;
    (ra.unwrap(), rb.unwrap())
}

#[wasm_bindgen_test]
async fn a_register_taken_over_from_the_server_continues_after_its_last_pushed_sequence() {
    let db = fresh("raise").await;
    assert_eq!(db.raise_next_seq("montreal-1", 42).await.unwrap(), 42);
    assert_eq!(db.raise_next_seq("montreal-1", 3).await.unwrap(), 42, "never goes back");
    assert_eq!(db.commit_sale(draft("s1")).await.unwrap().seq, 42);
}
