//! The register's IndexedDB layer, in headless Chromium against real IndexedDB: the same promises as
//! `sync_client::MemoryStore`, the native reference.
#![cfg(target_arch = "wasm32")]

use frontend::store::{Db, Enrolled, NOT_INTRODUCED};
use shared::catalog::{Product, Register};
use shared::sale::{settle_cash, Cart, Sale};
use shared::sync::{ApiError, Device, DeviceHello, HoldReason, PushRequest, PushResponse, PushResult, PushStatus};
use shared::tax::{TaxClass, TaxRates};
use shared::Money;
use sync_client::{drain, DeviceStore, DrainError, Failure, SaleDraft, Transport};
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

fn montreal() -> Register {
    Register { id: "montreal-1".into(), outlet_id: "montreal".into(), code: "MTL1".into(), name: "Caisse 1".into() }
}

fn laval() -> Register {
    Register { id: "laval-1".into(), outlet_id: "laval".into(), code: "LAV1".into(), name: "Laval 1".into() }
}

fn draft_at(id: &str, register: Register) -> SaleDraft {
    let mut cart = Cart::default();
    cart.add(&product("shirt", 2999));
    let totals = cart.totals(&TaxRates::QUEBEC).unwrap();
    let cash = settle_cash(totals.total, Money(5000)).unwrap();
    SaleDraft { id: id.into(), register, created_at_ms: 0, cart, rates: TaxRates::QUEBEC, tenders: vec![cash.tender()], cashier_id: "julie".into() }
}

fn draft(id: &str) -> SaleDraft {
    draft_at(id, montreal())
}

fn v7() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A unique database per test (tests share one browser profile), introduced as device number 3.
async fn fresh(name: &str) -> Db {
    let db = Db::open(&format!("{name}-{}", js_sys::Math::random())).await.unwrap();
    db.set_device_number(3).await.unwrap();
    db
}

#[wasm_bindgen_test]
async fn a_device_the_server_has_not_numbered_cannot_sell() {
    let db = Db::open(&format!("unknown-{}", js_sys::Math::random())).await.unwrap();
    let err = db.commit_sale(&draft("s1")).await.unwrap_err();
    assert_eq!(err.0, NOT_INTRODUCED);
    assert_eq!(db.pending_count().await.unwrap(), 0);
    db.set_device_number(4).await.unwrap();
    assert_eq!(db.commit_sale(&draft("s1")).await.unwrap().receipt, "MTL1-4-000001");
}

#[wasm_bindgen_test]
async fn the_device_id_is_made_once_even_by_two_tabs_at_the_same_moment() {
    let name = format!("device-{}", js_sys::Math::random());
    let (tab1, tab2) = (Db::open(&name).await.unwrap(), Db::open(&name).await.unwrap());
    let (a, b) = futures_join(tab1.device(), tab2.device()).await;
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.id, b.id);
    assert_eq!(a.number, None);
    tab1.set_device_number(9).await.unwrap();
    drop((tab1, tab2));
    let again = Db::open(&name).await.unwrap().device().await.unwrap();
    assert_eq!((again.id, again.number), (a.id, Some(9)));
}

#[wasm_bindgen_test]
async fn a_completed_sale_is_in_the_sales_store_and_the_outbox_together() {
    let db = fresh("commit").await;
    let device = db.device().await.unwrap();
    let sale = db.commit_sale(&draft("s1")).await.unwrap();
    assert_eq!((sale.seq, sale.receipt.as_str(), sale.device_id.as_str()), (1, "MTL1-3-000001", device.id.as_str()));
    assert_eq!(db.pending_count().await.unwrap(), 1);
    assert_eq!(db.pending_sales(10).await.unwrap(), vec![sale.clone()]);
    assert_eq!(db.local_sales().await.unwrap(), vec![sale]);
}

#[wasm_bindgen_test]
async fn one_sequence_per_device_across_registers() {
    let db = fresh("registers").await;
    let a = db.commit_sale(&draft_at("a", montreal())).await.unwrap();
    let b = db.commit_sale(&draft_at("b", laval())).await.unwrap();
    let c = db.commit_sale(&draft_at("c", montreal())).await.unwrap();
    assert_eq!([a.seq, b.seq, c.seq], [1, 2, 3]);
    assert_eq!([a.receipt, b.receipt, c.receipt], ["MTL1-3-000001", "LAV1-3-000002", "MTL1-3-000003"]);
    assert_eq!(b.register_id, "laval-1");
    assert_eq!(db.pending_count().await.unwrap(), 3, "switching register leaves the queue alone");
}

#[wasm_bindgen_test]
async fn committing_the_same_draft_twice_records_one_sale() {
    let db = fresh("twice").await;
    let d = draft("same");
    let first = db.commit_sale(&d).await.unwrap();
    let again = db.commit_sale(&d).await.unwrap();
    assert_eq!(first, again);
    let (x, y) = futures_join(db.commit_sale(&draft("both")), db.commit_sale(&draft("both"))).await;
    assert_eq!(x.unwrap(), y.unwrap(), "even when both commits are in flight together");
    assert_eq!(db.pending_count().await.unwrap(), 2);
    assert_eq!(db.local_sales().await.unwrap().len(), 2);
    assert_eq!(db.commit_sale(&draft("next")).await.unwrap().seq, 3, "no number was used twice or skipped");
}

#[wasm_bindgen_test]
async fn a_sale_whose_tenders_do_not_cover_it_is_not_recorded_and_takes_no_number() {
    let db = fresh("unpaid").await;
    let mut bad = draft("bad");
    bad.tenders[0].amount = Money(1);
    bad.tenders[0].change = Money(bad.tenders[0].tendered.as_cents() - 1);
    assert!(db.commit_sale(&bad).await.is_err());
    assert_eq!(db.pending_count().await.unwrap(), 0);
    assert_eq!(db.commit_sale(&draft("good")).await.unwrap().seq, 1, "the failed sale used no sequence");
}

#[wasm_bindgen_test]
async fn concurrent_commits_never_share_a_sequence_even_from_two_tabs() {
    let name = format!("seq-{}", js_sys::Math::random());
    let tab1 = Db::open(&name).await.unwrap();
    tab1.set_device_number(3).await.unwrap();
    let tab2 = Db::open(&name).await.unwrap();
    let (a, b) = futures_join(tab1.commit_sale(&draft_at("a", montreal())), tab2.commit_sale(&draft_at("b", laval()))).await;
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_ne!(a.seq, b.seq);
    let (c, d) = futures_join(tab1.commit_sale(&draft("c")), tab1.commit_sale(&draft("d"))).await;
    let mut seqs = vec![a.seq, b.seq, c.unwrap().seq, d.unwrap().seq];
    seqs.sort();
    assert_eq!(seqs, vec![1, 2, 3, 4]);
}

#[wasm_bindgen_test]
async fn the_outbox_is_keyed_by_sale_id_and_keeps_time_order() {
    let db = fresh("order").await;
    let mut made = Vec::new();
    for _ in 0..12 {
        made.push(db.commit_sale(&draft(&v7())).await.unwrap().id);
    }
    let ids: Vec<String> = db.pending_sales(100).await.unwrap().into_iter().map(|s| s.id).collect();
    assert_eq!(ids, made, "UUID v7 ids sort as they were made");
    assert_eq!(db.outbox(5).await.unwrap().len(), 5);
    // Settling names sales by id: the one named leaves, whatever its sequence.
    let r = PushResult { sale_id: made[4].clone(), seq: 5, status: PushStatus::Stored, hold: None };
    db.settle(&[r], &[]).await.unwrap();
    let left: Vec<String> = db.pending_sales(100).await.unwrap().into_iter().map(|s| s.id).collect();
    assert_eq!(left.len(), 11);
    assert!(!left.contains(&made[4]));
}

fn held_reason() -> HoldReason {
    HoldReason::PriceWithoutOverride { line: 0, product_id: "shirt".into(), unit_price: Money(2999), catalog_price: Money(3999) }
}

#[wasm_bindgen_test]
async fn settling_removes_every_acknowledged_sale_and_keeps_the_held_ones_with_their_reason() {
    let db = fresh("settle").await;
    let sales: Vec<Sale> = futures_seq(&db, 3).await;
    let results = vec![
        PushResult { sale_id: sales[0].id.clone(), seq: 1, status: PushStatus::Stored, hold: None },
        PushResult { sale_id: sales[1].id.clone(), seq: 2, status: PushStatus::Held, hold: Some(held_reason()) },
    ];
    db.settle(&results, &sales).await.unwrap();
    assert_eq!(db.pending_count().await.unwrap(), 1);
    assert_eq!(db.pending_sales(10).await.unwrap()[0].id, sales[2].id);
    assert_eq!(db.held_count().await.unwrap(), 1);
    let held = db.held_sales().await.unwrap();
    assert_eq!((held[0].sale.clone(), held[0].reason.clone()), (sales[1].clone(), held_reason()));
    assert_eq!(db.local_sales().await.unwrap().len(), 3, "the device's history keeps them all");
}

#[wasm_bindgen_test]
async fn a_refused_sale_is_kept_with_its_reason_never_deleted() {
    let db = fresh("refuse").await;
    let sale = db.commit_sale(&draft("s1")).await.unwrap();
    db.refuse(&sale, "unparseable").await.unwrap();
    assert_eq!(db.pending_count().await.unwrap(), 0);
    assert_eq!(db.refused_count().await.unwrap(), 1);
    let refused = db.refused_sales().await.unwrap();
    assert_eq!((refused[0].sale.clone(), refused[0].reason.as_str()), (sale.clone(), "unparseable"));
    assert_eq!(db.local_sales().await.unwrap(), vec![sale]);
}

/// A server in the test: numbers the device 7, stores the first sale, holds the second.
struct FakeServer;

impl Transport for FakeServer {
    async fn hello(&self, hello: &DeviceHello) -> Result<Device, Failure> {
        Ok(Device { id: hello.device_id.clone(), number: 7 })
    }
    async fn push(&self, req: &PushRequest) -> Result<PushResponse, Failure> {
        let results = req
            .sales
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let held = i % 2 == 1;
                PushResult {
                    sale_id: s.id.clone(),
                    seq: s.seq,
                    status: if held { PushStatus::Held } else { PushStatus::Stored },
                    hold: held.then(held_reason),
                }
            })
            .collect();
        Ok(PushResponse { results, ops: vec![] })
    }
}

#[wasm_bindgen_test]
async fn the_shared_pusher_drains_indexeddb_introducing_the_device_first() {
    let db = Db::open(&format!("drain-{}", js_sys::Math::random())).await.unwrap();
    drain(&db, &FakeServer).await.unwrap();
    assert_eq!(db.device().await.unwrap().number, Some(7));
    db.commit_sale(&draft(&v7())).await.unwrap();
    db.commit_sale(&draft(&v7())).await.unwrap();
    let report = drain(&db, &FakeServer).await.unwrap();
    assert_eq!((report.stored, report.held), (1, 1));
    assert_eq!(db.pending_count().await.unwrap(), 0);
    assert_eq!(db.held_count().await.unwrap(), 1);
}

#[wasm_bindgen_test]
async fn sales_queued_before_devices_are_rekeyed_and_the_sequence_continues_above_them() {
    use indexed_db_futures::database::Database;
    use indexed_db_futures::prelude::*;
    use indexed_db_futures::transaction::TransactionMode;
    let name = format!("legacy-{}", js_sys::Math::random());
    // The version-2 layout: outbox keyed by zero-padded sequence, one sequence per register.
    let old = Database::open(name.as_str())
        .with_version(2u32)
        .with_on_upgrade_needed(|_, db| {
            for store in ["meta", "catalog", "sales", "outbox", "rejected", "cache"] {
                db.create_object_store(store).build()?;
            }
            Ok(())
        })
        .await
        .unwrap();
    let mut legacy = fresh("legacy-source").await.commit_sale(&draft("old-sale")).await.unwrap();
    legacy.device_id = String::new();
    legacy.seq = 41;
    let tx = old.transaction(["meta", "outbox"]).with_mode(TransactionMode::Readwrite).build().unwrap();
    tx.object_store("outbox").unwrap().put(serde_json::to_string(&legacy).unwrap()).with_key("000000000041").primitive().unwrap();
    tx.object_store("meta").unwrap().put("42").with_key("next_seq:montreal-1").primitive().unwrap();
    tx.object_store("meta").unwrap().put("7").with_key("next_seq:laval-1").primitive().unwrap();
    tx.commit().await.unwrap();
    old.close();

    let db = Db::open(&name).await.unwrap();
    db.set_device_number(5).await.unwrap();
    assert_eq!(db.pending_sales(10).await.unwrap(), vec![legacy.clone()], "still queued, to be pushed");
    let r = PushResult { sale_id: legacy.id.clone(), seq: 41, status: PushStatus::Stored, hold: None };
    db.settle(&[r], &[]).await.unwrap();
    assert_eq!(db.pending_count().await.unwrap(), 0, "settled by sale id");
    assert_eq!(db.commit_sale(&draft("new")).await.unwrap().seq, 42, "above every register's old sequence");
}

#[wasm_bindgen_test]
async fn settings_survive_reopening_the_database() {
    let name = format!("meta-{}", js_sys::Math::random());
    let db = Db::open(&name).await.unwrap();
    db.set_meta("register", &montreal()).await.unwrap();
    drop(db);
    let again = Db::open(&name).await.unwrap();
    assert_eq!(again.get_meta::<Register>("register").await.unwrap(), Some(montreal()));
}

async fn futures_seq(db: &Db, n: usize) -> Vec<Sale> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(db.commit_sale(&draft(&v7())).await.unwrap());
    }
    out
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

fn enrolled(register: &str, outlet: &str) -> Enrolled {
    Enrolled { credential: "dev.secret".into(), register_id: register.into(), outlet_id: outlet.into() }
}

#[wasm_bindgen_test]
async fn an_enrolment_gives_the_number_and_credential_together_and_keeps_the_queue_and_sequence() {
    let db = Db::open(&format!("enrol-{}", js_sys::Math::random())).await.unwrap();
    assert_eq!(db.enrolment().await.unwrap(), None, "a new device has no credential");
    let id = db.device().await.unwrap().id;
    db.save_enrolment(9, &enrolled("montreal-1", "montreal")).await.unwrap();
    assert_eq!(db.enrolment().await.unwrap(), Some(enrolled("montreal-1", "montreal")));
    let device = db.device().await.unwrap();
    assert_eq!((device.id.as_str(), device.number), (id.as_str(), Some(9)));
    let sale = db.commit_sale(&draft("s1")).await.unwrap();
    assert_eq!((sale.receipt.as_str(), sale.cashier_id.as_str()), ("MTL1-9-000001", "julie"), "the sale names its cashier");

    // The server stops accepting the credential: forgetting it keeps the id, number, queue and sequence.
    db.forget_enrolment().await.unwrap();
    assert_eq!(db.enrolment().await.unwrap(), None);
    assert_eq!(db.device().await.unwrap().number, Some(9));
    assert_eq!(db.pending_sales(10).await.unwrap(), vec![sale]);
    db.save_enrolment(9, &enrolled("montreal-1", "montreal")).await.unwrap();
    assert_eq!(db.commit_sale(&draft("s2")).await.unwrap().seq, 2);
}

#[wasm_bindgen_test]
async fn a_device_record_from_before_enrolment_reads_as_not_enrolled() {
    let db = Db::open(&format!("pre-enrol-{}", js_sys::Math::random())).await.unwrap();
    db.set_meta("device", &serde_json::json!({ "id": "old-device", "number": 4 })).await.unwrap();
    assert_eq!(db.enrolment().await.unwrap(), None);
    assert_eq!(db.device().await.unwrap().number, Some(4));
}

/// A server that no longer accepts the device.
struct Revoked;

impl Transport for Revoked {
    async fn hello(&self, _: &DeviceHello) -> Result<Device, Failure> {
        Err(revoked())
    }
    async fn push(&self, _: &PushRequest) -> Result<PushResponse, Failure> {
        Err(revoked())
    }
}

fn revoked() -> Failure {
    Failure::Refused { status: 401, error: ApiError { error: "device_revoked".into(), message: "revoked".into(), seq: None, sale_id: None } }
}

#[wasm_bindgen_test]
async fn a_revoked_device_keeps_every_sale_in_indexeddb() {
    let db = fresh("revoked").await;
    let sale = db.commit_sale(&draft(&v7())).await.unwrap();
    let err = drain(&db, &Revoked).await.unwrap_err();
    assert!(matches!(err, DrainError::Unauthorized { status: 401, .. }), "{err}");
    assert_eq!(db.pending_sales(10).await.unwrap(), vec![sale]);
    assert_eq!(db.refused_count().await.unwrap(), 0);
}

fn op(id: &str, at: i64) -> shared::sync::Operation {
    use shared::sync::ops::{AdjustmentLine, AdjustmentReason};
    shared::sync::Operation {
        id: id.into(),
        device_id: "dev".into(),
        made_at_ms: at,
        cashier_id: "julie".into(),
        body: shared::sync::OpBody::StockAdjustment {
            outlet_id: "montreal".into(),
            reason: AdjustmentReason::Damage,
            lines: vec![AdjustmentLine { product_id: "shirt".into(), qty: 1 }],
        },
    }
}

#[wasm_bindgen_test]
async fn an_operation_recorded_twice_is_one_and_waits_in_the_order_made() {
    let db = fresh("ops").await;
    db.record_op(&op("later", 2_000)).await.unwrap();
    db.record_op(&op("first", 1_000)).await.unwrap();
    let mut again = op("first", 1_000);
    again.made_at_ms = 5_000; // a second press: the operation already recorded stands
    assert_eq!(db.record_op(&again).await.unwrap().made_at_ms, 1_000);
    let pending = db.pending_ops(10).await.unwrap();
    assert_eq!(pending.iter().map(|o| o.id.as_str()).collect::<Vec<_>>(), ["first", "later"]);
}

#[wasm_bindgen_test]
async fn settling_operations_removes_them_and_keeps_the_held_ones_with_their_reason() {
    use shared::sync::{OpHold, OpResult, OpStatus};
    let db = fresh("ops-settle").await;
    let (a, b) = (op("a", 1), op("b", 2));
    db.record_op(&a).await.unwrap();
    db.record_op(&b).await.unwrap();
    let hold = OpHold::UnknownProduct { product_id: "shirt".into() };
    let results = [
        OpResult { op_id: "a".into(), status: OpStatus::Applied, hold: None },
        OpResult { op_id: "b".into(), status: OpStatus::Held, hold: Some(hold.clone()) },
    ];
    db.settle_ops(&results, &[a, b]).await.unwrap();
    assert!(db.pending_ops(10).await.unwrap().is_empty());
    let held = db.held_op_list().await.unwrap();
    assert_eq!((held.len(), held[0].op.id.as_str(), &held[0].reason), (1, "b", &hold));
}

/// Schema 5 joins two version 4s made in parallel (operations; the pull): whichever a register has —
/// the released 3 or either 4 — it opens with every store, its unsent sales kept, 3's catalog copy gone.
#[wasm_bindgen_test]
async fn a_database_at_version_3_or_at_either_version_4_opens_with_every_store_and_keeps_its_unsent_sales() {
    use indexed_db_futures::database::Database;
    use indexed_db_futures::prelude::*;
    use indexed_db_futures::transaction::TransactionMode;
    let v3: &'static [&str] = &["meta", "catalog", "sales", "outbox", "rejected", "cache", "held"];
    let ops4: &'static [&str] = &["meta", "catalog", "sales", "outbox", "rejected", "cache", "held", "ops", "op_outbox", "held_ops"];
    let pull4: &'static [&str] = &["meta", "sales", "outbox", "rejected", "cache", "held", "pulled", "pull_cursor"];
    for (version, stores) in [(3u32, v3), (4, ops4), (4, pull4)] {
        let name = format!("old-{version}-{}", js_sys::Math::random());
        let old = Database::open(name.as_str())
            .with_version(version)
            .with_on_upgrade_needed(move |_, db| {
                for store in stores {
                    db.create_object_store(store).build()?;
                }
                Ok(())
            })
            .await
            .unwrap();
        let sale = fresh("old-source").await.commit_sale(&draft("unsent")).await.unwrap();
        let tx = old.transaction("outbox").with_mode(TransactionMode::Readwrite).build().unwrap();
        tx.object_store("outbox").unwrap().put(serde_json::to_string(&sale).unwrap()).with_key(sale.id.clone()).primitive().unwrap();
        tx.commit().await.unwrap();
        old.close();

        let db = Db::open(&name).await.unwrap();
        assert_eq!(db.pending_sales(10).await.unwrap(), vec![sale], "{stores:?}: the unsent sale is still queued");
        let recorded = db.record_op(&op("damage", 1)).await.unwrap();
        assert_eq!(db.pending_op_list(10).await.unwrap(), vec![recorded], "{stores:?}: operations have their stores");
        assert!(db.held_op_list().await.unwrap().is_empty());
        assert_eq!(db.pull_cursor().await.unwrap().version, 0, "{stores:?}: the pull has its stores");
        assert_eq!(db.pulled_pages().await.unwrap(), 0);
        let names: Vec<String> = Database::open(name.as_str()).await.unwrap().object_store_names().collect();
        assert!(!names.iter().any(|n| n == "catalog"), "{stores:?}: the old catalog copy is dropped: {names:?}");
    }
}
