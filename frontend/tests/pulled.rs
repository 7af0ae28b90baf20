//! What the register pulls from the server's change log, in headless Chromium against real IndexedDB:
//! each page is stored with its cursor or not at all, tombstones delete, a page applied twice changes
//! nothing, and the stored state is always what the shared reference (`Replica::apply`) gives.
#![cfg(target_arch = "wasm32")]

use frontend::store::{fail_next_cursor_write, Db, PageOutcome};
use shared::catalog::{Customer, Outlet, Product, Register};
use shared::stock::{SerialNumber, StockLevel};
use shared::sync::changes::{Change, ChangePage, Entity, EntityRef, RecentSale, Replica, Version};
use shared::sync::CustomerSummary;
use shared::Money;
use std::cell::RefCell;
use sync_client::{catch_up, ChangeSource, ChangeStore, Failure};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

async fn fresh(name: &str) -> Db {
    Db::open(&format!("{name}-{}", js_sys::Math::random())).await.unwrap()
}

fn product(id: &str, cents: i64) -> Entity {
    Entity::Product(Product { id: id.into(), sku: id.to_uppercase(), name: id.into(), price: Money(cents), ..Default::default() })
}

fn page(first: Version, entities: Vec<Entity>, more: bool) -> ChangePage {
    let changes: Vec<Change> = entities.into_iter().enumerate().map(|(i, entity)| Change { version: first + i as Version, entity }).collect();
    let next = changes.last().map_or(first, |c| c.version);
    ChangePage { changes, next, more, remaining: 0 }
}

/// One entity of every kind the register pulls.
fn one_of_each() -> Vec<Entity> {
    vec![
        product("shirt", 2999),
        Entity::Stock(StockLevel::new("shirt", "montreal", 12)),
        Entity::Serial(SerialNumber { serial: "SN1".into(), product_id: "drill".into(), outlet_id: "montreal".into(), sold_on: None, returned_on: None }),
        Entity::Customer(CustomerSummary { customer: Customer { id: "ana".into(), name: "Ana".into(), email: None }, ..Default::default() }),
        Entity::Sale(RecentSale {
            id: "s1".into(),
            receipt: "MTL1-3-000001".into(),
            register_id: "montreal-1".into(),
            outlet_id: "montreal".into(),
            customer_id: None,
            created_at_ms: 1,
            received_at_ms: 2,
            total: Money(3448),
            lines: 1,
        }),
        Entity::Outlet(Outlet { id: "montreal".into(), name: "Montréal".into(), tax_rates: Default::default(), time_zone: "America/Toronto".into(), gst_number: "123456789 RT0001".into(), qst_number: String::new() }),
        Entity::Register(Register { id: "montreal-1".into(), outlet_id: "montreal".into(), code: "MTL1".into(), name: "Caisse 1".into() }),
    ]
}

fn reference(pages: &[&ChangePage]) -> Replica {
    let mut r = Replica::default();
    for p in pages {
        r.apply(p).unwrap();
    }
    r
}

#[wasm_bindgen_test]
async fn a_page_is_stored_with_its_cursor_or_not_at_all() {
    let db = fresh("atomic").await;
    let first = page(1, one_of_each(), true);
    assert_eq!(db.apply_page(&first).await.unwrap(), PageOutcome::Applied { from: 0 });
    let second = page(8, vec![product("shirt", 1999), Entity::Stock(StockLevel::new("shirt", "montreal", 11))], false);
    fail_next_cursor_write();
    assert!(db.apply_page(&second).await.is_err(), "the write failed");
    assert_eq!(db.pull_cursor().await.unwrap().version, 7, "the cursor did not move");
    assert_eq!(db.load_pulled().await.unwrap().replica, reference(&[&first]), "and no data of the page was kept");
    assert_eq!(db.apply_page(&second).await.unwrap(), PageOutcome::Applied { from: 7 }, "the same page goes in at the next attempt");
    let loaded = db.load_pulled().await.unwrap().replica;
    assert_eq!(loaded, reference(&[&first, &second]));
    assert_eq!(loaded.products["shirt"].price, Money(1999));
}

#[wasm_bindgen_test]
async fn tombstones_delete_what_they_name() {
    let db = fresh("tombstones").await;
    let first = page(1, one_of_each(), false);
    db.apply_page(&first).await.unwrap();
    let tombstones = page(8, one_of_each().into_iter().map(|e| Entity::Deleted { of: e.key() }).collect(), false);
    db.apply_page(&tombstones).await.unwrap();
    let loaded = db.load_pulled().await.unwrap().replica;
    assert_eq!(loaded, Replica { cursor: 14, ..Replica::default() }, "nothing left but the cursor");
    // And only what they name.
    db.apply_page(&page(15, vec![product("hat", 1500), product("cap", 900)], false)).await.unwrap();
    db.apply_page(&page(17, vec![Entity::Deleted { of: EntityRef::Product { id: "hat".into() } }], false)).await.unwrap();
    let loaded = db.load_pulled().await.unwrap().replica;
    assert_eq!(loaded.products.keys().collect::<Vec<_>>(), ["cap"]);
}

#[wasm_bindgen_test]
async fn applying_the_same_page_twice_is_harmless() {
    let db = fresh("twice").await;
    let first = page(1, one_of_each(), false);
    assert_eq!(db.apply_page(&first).await.unwrap(), PageOutcome::Applied { from: 0 });
    assert_eq!(db.apply_page(&first).await.unwrap(), PageOutcome::Stale, "not after the cursor: nothing written");
    assert!(ChangeStore::apply_page(&db, &first).await.is_err(), "to the shared loop, an error: it pulls again from the stored cursor");
    let (a, b) = futures_join(db.apply_page(&page(8, vec![product("hat", 1)], false)), db.apply_page(&page(8, vec![product("hat", 1)], false))).await;
    let mut outcomes = [a.unwrap(), b.unwrap()];
    outcomes.sort_by_key(|o| *o == PageOutcome::Stale);
    assert_eq!(outcomes, [PageOutcome::Applied { from: 7 }, PageOutcome::Stale], "two tabs with the same page: one writes it");
    assert_eq!(db.pulled_pages().await.unwrap(), 2);
    assert_eq!(db.load_pulled().await.unwrap().replica, reference(&[&first, &page(8, vec![product("hat", 1)], false)]));
}

/// A server's log as pages, served from whatever cursor is asked.
struct Log(RefCell<Vec<Change>>, Version);

impl ChangeSource for Log {
    async fn changes(&self, since: Version, limit: u32) -> Result<ChangePage, Failure> {
        let after: Vec<Change> = self.0.borrow().iter().filter(|c| c.version > since).cloned().collect();
        let more = after.len() > limit as usize;
        let remaining = after.len().saturating_sub(limit as usize) as u64;
        let changes: Vec<Change> = after.into_iter().take(limit as usize).collect();
        let next = if more { changes.last().unwrap().version } else { self.1 };
        Ok(ChangePage { changes, next, more, remaining })
    }
}

#[wasm_bindgen_test]
async fn a_pull_stores_every_page_and_compacting_them_keeps_the_state() {
    let db = fresh("pull").await;
    let mut changes = Vec::new();
    for round in 0..5 {
        for i in 0..20 {
            changes.push(product(&format!("p{i}"), round * 100 + i));
        }
    }
    changes.push(Entity::Deleted { of: EntityRef::Product { id: "p3".into() } });
    let log = Log(RefCell::new(page(1, changes, false).changes), 101);
    let mut progress = Vec::new();
    let report = catch_up(&db, &log, 10, |p| progress.push(p.permille())).await.unwrap();
    assert_eq!((report.pages, report.cursor), (11, 101));
    assert_eq!(progress.first(), Some(&99));
    assert_eq!(progress.last(), Some(&1000));
    let pulled = db.load_pulled().await.unwrap();
    assert_eq!(pulled.pages, 11);
    assert_eq!(pulled.replica.products.len(), 19);
    db.compact_pulled().await.unwrap();
    let compacted = db.load_pulled().await.unwrap();
    assert_eq!(compacted.pages, 1);
    assert_eq!(compacted.replica, pulled.replica);
    assert_eq!(db.cursor().await.unwrap(), 101);
    // Pulling on from the compacted state.
    log.0.borrow_mut().push(Change { version: 102, entity: product("p3", 5) });
    let log = Log(RefCell::new(log.0.take()), 102);
    catch_up(&db, &log, 10, |_| {}).await.unwrap();
    assert_eq!(db.load_pulled().await.unwrap().replica.products["p3"].price, Money(5));
}

#[wasm_bindgen_test]
async fn forgetting_what_was_pulled_starts_again_from_zero_for_the_new_scope() {
    let db = fresh("forget").await;
    db.apply_page(&page(1, one_of_each(), false)).await.unwrap();
    db.forget_pulled_for("register:laval-1").await.unwrap();
    let cursor = db.pull_cursor().await.unwrap();
    assert_eq!((cursor.version, cursor.scope.as_str()), (0, "register:laval-1"));
    assert_eq!(db.load_pulled().await.unwrap().replica, Replica::default());
}

/// Both futures polled together (two tabs' transactions in flight at once).
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
