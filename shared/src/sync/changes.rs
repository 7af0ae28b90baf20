//! Sync down: the change log a device pulls (`GET /api/v1/sync/changes?since=V&limit=N`) and the live
//! notifications that tell it when to pull (`GET /api/v1/events`).
//!
//! Every change the server accepts gets a **version**: one counter, bumped inside the writing
//! transaction, so versions are in commit order and a reader never sees version `v + 1` without `v`.
//! The log is *compacted*: one row per entity holding the version of its latest change, so a pull costs
//! the number of entities changed since the cursor, never the history. A page carries each entity's
//! **current state** (or a tombstone, [`Entity::Deleted`]), ordered by version.
//!
//! A device keeps a cursor. It asks for the changes after it, applies the page in one local transaction
//! (IndexedDB), stores `next` as its new cursor, and asks again while `more` is true. When a page ends
//! with `more == false` the device's copy equals the server's state at version `next` for everything in
//! its scope — the moment a [`StockDigest`] comparison means something. Mid-catch-up (`more == true`)
//! some entities may still be older than the cursor: compare only when caught up.
//!
//! Scope: products, customers are shop-wide; stock levels, serial numbers, sales, outlets, registers and
//! online order parts only for the caller's outlets (a device: its own outlet). A serial number that moves to another
//! outlet arrives at its former outlet as a tombstone.
//!
//! [`Replica`] is the reference client: a device's cached state as plain maps, [`Replica::apply`] the
//! pure rule for applying a page. The register's IndexedDB adapter does the same per record
//! ([`check_page`] first, then [`Change::key`] → put or delete).

use crate::catalog::{Outlet, Product, Register};
use crate::money::Money;
use crate::online::OrderPartView;
use crate::stock::{levels_digest, Digest, SerialNumber, StockLevel};
use crate::sync::CustomerSummary;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A position in the server's change log: 0 before anything, then 1, 2, … (at most
/// [`crate::limits::MAX_VERSION`]). A device's cursor is the version it has applied up to.
pub type Version = u64;

/// What kind of thing changed; stored as snake_case text in the server's `changes.kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[derive(strum::EnumString, strum::IntoStaticStr, strum::Display, strum::EnumIter)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub enum EntityKind {
    Product,
    /// A stock level: one product at one outlet.
    Stock,
    /// A serial number: one unit of a product.
    Serial,
    /// A customer with their account and loyalty figures.
    Customer,
    /// A sale, as the sales list shows it.
    Sale,
    Outlet,
    Register,
    /// One outlet's part of an online order (orders page, scanner mode): key (order id, outlet id).
    OrderPart,
    /// A manager's resolution of an inbox item (`crate::inbox`): key its resolution id. Never deleted.
    InboxResolution,
}

/// Which entity a change is about: its kind and its key. Stock levels and serial numbers have
/// two-part keys.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub enum EntityRef {
    Product { id: String },
    Stock { product_id: String, outlet_id: String },
    Serial { product_id: String, serial: String },
    Customer { id: String },
    Sale { id: String },
    Outlet { id: String },
    Register { id: String },
    OrderPart { order_id: String, outlet_id: String },
    InboxResolution { id: String },
}

impl EntityRef {
    pub fn kind(&self) -> EntityKind {
        match self {
            EntityRef::Product { .. } => EntityKind::Product,
            EntityRef::Stock { .. } => EntityKind::Stock,
            EntityRef::Serial { .. } => EntityKind::Serial,
            EntityRef::Customer { .. } => EntityKind::Customer,
            EntityRef::Sale { .. } => EntityKind::Sale,
            EntityRef::Outlet { .. } => EntityKind::Outlet,
            EntityRef::Register { .. } => EntityKind::Register,
            EntityRef::OrderPart { .. } => EntityKind::OrderPart,
            EntityRef::InboxResolution { .. } => EntityKind::InboxResolution,
        }
    }
}

/// A sale as the sales list shows it (the whole sale is `GET /sales`). The change log carries the
/// newest [`crate::limits::MAX_RECENT_SALES`] sales of the shop (within the caller's outlets), so a
/// sales page kept open sees new sales within a second of their arrival.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct RecentSale {
    pub id: String,
    pub receipt: String,
    pub register_id: String,
    pub outlet_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// On the register's clock (ms since the Unix epoch).
    #[cfg_attr(feature = "openapi", schemars(range(min = 0, max = crate::limits::MAX_TIME_MS)))]
    pub created_at_ms: i64,
    /// When the server stored it.
    #[cfg_attr(feature = "openapi", schemars(range(min = 0, max = crate::limits::MAX_TIME_MS)))]
    pub received_at_ms: i64,
    /// The sale's total (negative for a refund).
    pub total: Money,
    #[cfg_attr(feature = "openapi", schemars(range(min = 1, max = crate::limits::MAX_LINES)))]
    pub lines: u32,
}

/// An entity's state as of the change, or its tombstone. Tagged by `kind`:
/// `{"kind":"product", …Product's fields}`, `{"kind":"deleted","of":{"kind":"serial","product_id":…,"serial":…}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[allow(clippy::large_enum_variant)]
pub enum Entity {
    /// A product of the catalog with its price in force.
    Product(Product),
    /// A stock level at one of the caller's outlets (`level` is the sum of the outlet's movements).
    Stock(StockLevel),
    /// A serial number at one of the caller's outlets, sold or not.
    Serial(SerialNumber),
    /// A customer with balance, available credit, loyalty and recent history, as `GET
    /// /customers/{id}/summary` answers.
    Customer(CustomerSummary),
    Sale(RecentSale),
    Outlet(Outlet),
    Register(Register),
    /// An unfinished part of an online order at one of the caller's outlets. A part that is done, or
    /// whose order is fulfilled or cancelled, arrives as a tombstone: it leaves the orders page.
    OrderPart(OrderPartView),
    /// A manager's resolution of a held sale, held operation or order, conflict or stock level below
    /// zero at one of the caller's outlets (a register shows its held sale resolved).
    InboxResolution(crate::inbox::Resolution),
    /// Gone (deleted, or no longer in the caller's scope): forget it.
    Deleted { of: EntityRef },
}

impl Entity {
    /// The entity this state (or tombstone) is about: the key a device stores it under.
    pub fn key(&self) -> EntityRef {
        match self {
            Entity::Product(p) => EntityRef::Product { id: p.id.clone() },
            Entity::Stock(s) => EntityRef::Stock { product_id: s.product_id.clone(), outlet_id: s.outlet_id.clone() },
            Entity::Serial(s) => EntityRef::Serial { product_id: s.product_id.clone(), serial: s.serial.clone() },
            Entity::Customer(c) => EntityRef::Customer { id: c.customer.id.clone() },
            Entity::Sale(s) => EntityRef::Sale { id: s.id.clone() },
            Entity::Outlet(o) => EntityRef::Outlet { id: o.id.clone() },
            Entity::Register(r) => EntityRef::Register { id: r.id.clone() },
            Entity::OrderPart(p) => EntityRef::OrderPart { order_id: p.order_id.clone(), outlet_id: p.outlet_id.clone() },
            Entity::InboxResolution(r) => EntityRef::InboxResolution { id: r.resolution_id.clone() },
            Entity::Deleted { of } => of.clone(),
        }
    }

    pub fn is_deletion(&self) -> bool {
        matches!(self, Entity::Deleted { .. })
    }
}

/// One entry of a page: the entity's latest change, at `version`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Change {
    #[cfg_attr(feature = "openapi", schemars(range(min = 1, max = crate::limits::MAX_VERSION)))]
    pub version: Version,
    pub entity: Entity,
}

impl Change {
    pub fn key(&self) -> EntityRef {
        self.entity.key()
    }
}

/// `GET /api/v1/sync/changes?since=V&limit=N`: the changes after `since` in the caller's scope,
/// ordered by version, at most `limit`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ChangePage {
    #[cfg_attr(feature = "openapi", schemars(length(max = crate::limits::MAX_CHANGES_PAGE)))]
    pub changes: Vec<Change>,
    /// The cursor to store once this page is applied, and to pass as `since` next. On the last page it
    /// is the server's current version (beyond the last change shown: changes outside the caller's
    /// scope are skipped for good); never below `since`.
    #[cfg_attr(feature = "openapi", schemars(range(min = 0, max = crate::limits::MAX_VERSION)))]
    pub next: Version,
    /// More changes wait after `next`: ask again at once.
    pub more: bool,
    /// How many changes (in the caller's scope) come after this page, when it was read: the progress
    /// bar's "still to load". Later writes may add some.
    #[cfg_attr(feature = "openapi", schemars(range(min = 0, max = crate::limits::MAX_VERSION)))]
    pub remaining: u64,
}

/// Why a page cannot be applied on top of a cursor. Nothing of it should be written.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    #[error("change at version {version} is not after the cursor {cursor}")]
    NotAfterCursor { version: Version, cursor: Version },
    #[error("versions out of order: {version} after {previous}")]
    OutOfOrder { previous: Version, version: Version },
    #[error("the page's next cursor {next} is behind its last change {last}")]
    NextBehind { next: Version, last: Version },
}

/// Checks that `page` follows `cursor`: every version after it, strictly increasing, `next` not
/// behind. A device calls it before writing a page (a page answered for another cursor — a stale
/// request, a restored backup — must not move the cursor back or skip changes).
pub fn check_page(cursor: Version, page: &ChangePage) -> Result<(), PageError> {
    let mut last = cursor;
    for c in &page.changes {
        if c.version <= cursor {
            return Err(PageError::NotAfterCursor { version: c.version, cursor });
        }
        if c.version <= last {
            return Err(PageError::OutOfOrder { previous: last, version: c.version });
        }
        last = c.version;
    }
    if page.next < last {
        return Err(PageError::NextBehind { next: page.next, last });
    }
    Ok(())
}

/// What the server answers at `GET /api/v1/stock/digest?outlet=O&version=N`, and what a device computes
/// from its pulled levels ([`Replica::stock_digest`]): the digest of outlet `O`'s stock levels as of
/// version `N` (see [`crate::stock::levels_digest`] for exactly what is hashed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct StockDigest {
    pub outlet_id: String,
    #[cfg_attr(feature = "openapi", schemars(range(min = 0, max = crate::limits::MAX_VERSION)))]
    pub version: Version,
    /// How many products have a non-zero level (the digest's terms).
    #[cfg_attr(feature = "openapi", schemars(range(min = 0, max = crate::limits::MAX_VERSION)))]
    pub levels: u64,
    pub digest: Digest,
    /// With `?detail=true`: the non-zero levels themselves at `version`, by product, so a device whose
    /// digest differs can name the products ([`Replica::stock_mismatches`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<Vec<StockLevel>>,
}

impl StockDigest {
    /// The digest of `levels` (product id, level) of `outlet_id` as of `version`.
    pub fn of<'a>(outlet_id: &str, version: Version, levels: impl IntoIterator<Item = (&'a str, i64)>) -> StockDigest {
        let (levels, digest) = levels_digest(outlet_id, levels);
        StockDigest { outlet_id: outlet_id.into(), version, levels, digest, detail: None }
    }

    /// "En accord avec le serveur (version N)": same outlet, same version, same digest (the detail,
    /// when present, is not compared).
    pub fn agrees_with(&self, other: &StockDigest) -> bool {
        self.outlet_id == other.outlet_id && self.version == other.version && self.digest == other.digest
    }
}

/// A product whose level the device and the server see differently at the same version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelMismatch {
    pub product_id: String,
    /// The device's level (0 when it has none).
    pub here: i64,
    /// The server's.
    pub server: i64,
}

/// A device's copy of what it pulled, as plain maps: the reference implementation of applying pages,
/// used by tests on both sides and as the model for the register's IndexedDB stores.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Replica {
    pub cursor: Version,
    pub products: BTreeMap<String, Product>,
    /// (product id, outlet id) → level.
    pub stock: BTreeMap<(String, String), i64>,
    /// (product id, serial) → serial number.
    pub serials: BTreeMap<(String, String), SerialNumber>,
    pub customers: BTreeMap<String, CustomerSummary>,
    pub sales: BTreeMap<String, RecentSale>,
    pub outlets: BTreeMap<String, Outlet>,
    pub registers: BTreeMap<String, Register>,
    /// (order id, outlet id) → unfinished order part.
    pub order_parts: BTreeMap<(String, String), OrderPartView>,
    /// Resolution id → the inbox resolution.
    pub inbox_resolutions: BTreeMap<String, crate::inbox::Resolution>,
}

/// What applying a page did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    pub upserts: usize,
    pub deletions: usize,
    /// The page was the last one: the replica is the server's state at its cursor.
    pub caught_up: bool,
}

impl Replica {
    /// Applies `page` whole or not at all (it is checked first with [`check_page`]); the cursor becomes
    /// `page.next`.
    pub fn apply(&mut self, page: &ChangePage) -> Result<Applied, PageError> {
        check_page(self.cursor, page)?;
        let mut applied = Applied { caught_up: !page.more, ..Applied::default() };
        for c in &page.changes {
            if c.entity.is_deletion() {
                applied.deletions += 1;
            } else {
                applied.upserts += 1;
            }
            self.put(c.entity.clone());
        }
        self.cursor = page.next;
        Ok(applied)
    }

    fn put(&mut self, entity: Entity) {
        match entity {
            Entity::Product(p) => {
                self.products.insert(p.id.clone(), p);
            }
            Entity::Stock(s) => {
                self.stock.insert((s.product_id, s.outlet_id), s.level);
            }
            Entity::Serial(s) => {
                self.serials.insert((s.product_id.clone(), s.serial.clone()), s);
            }
            Entity::Customer(c) => {
                self.customers.insert(c.customer.id.clone(), c);
            }
            Entity::Sale(s) => {
                self.sales.insert(s.id.clone(), s);
            }
            Entity::Outlet(o) => {
                self.outlets.insert(o.id.clone(), o);
            }
            Entity::Register(r) => {
                self.registers.insert(r.id.clone(), r);
            }
            Entity::OrderPart(p) => {
                self.order_parts.insert((p.order_id.clone(), p.outlet_id.clone()), p);
            }
            Entity::InboxResolution(r) => {
                self.inbox_resolutions.insert(r.resolution_id.clone(), r);
            }
            Entity::Deleted { of } => self.forget(of),
        }
    }

    fn forget(&mut self, of: EntityRef) {
        match of {
            EntityRef::Product { id } => {
                self.products.remove(&id);
            }
            EntityRef::Stock { product_id, outlet_id } => {
                self.stock.remove(&(product_id, outlet_id));
            }
            EntityRef::Serial { product_id, serial } => {
                self.serials.remove(&(product_id, serial));
            }
            EntityRef::Customer { id } => {
                self.customers.remove(&id);
            }
            EntityRef::Sale { id } => {
                self.sales.remove(&id);
            }
            EntityRef::Outlet { id } => {
                self.outlets.remove(&id);
            }
            EntityRef::Register { id } => {
                self.registers.remove(&id);
            }
            EntityRef::OrderPart { order_id, outlet_id } => {
                self.order_parts.remove(&(order_id, outlet_id));
            }
            EntityRef::InboxResolution { id } => {
                self.inbox_resolutions.remove(&id);
            }
        }
    }

    /// The products whose level at `outlet_id` differs from the server's `detail` (same version), by
    /// product id. A level missing on one side counts as 0.
    pub fn stock_mismatches(&self, outlet_id: &str, server: &[StockLevel]) -> Vec<LevelMismatch> {
        let mut both: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
        for ((p, o), q) in &self.stock {
            if o == outlet_id {
                both.entry(p.as_str()).or_default().0 = *q;
            }
        }
        for l in server.iter().filter(|l| l.outlet_id == outlet_id) {
            both.entry(l.product_id.as_str()).or_default().1 = l.level;
        }
        both.into_iter()
            .filter(|(_, (here, server))| here != server)
            .map(|(p, (here, server))| LevelMismatch { product_id: p.into(), here, server })
            .collect()
    }

    /// The digest of `outlet_id`'s pulled levels at the cursor; compare it with the server's
    /// `GET /stock/digest?outlet=…&version={cursor}` once caught up.
    pub fn stock_digest(&self, outlet_id: &str) -> StockDigest {
        let levels = self.stock.iter().filter(|((_, o), _)| o == outlet_id).map(|((p, _), q)| (p.as_str(), *q));
        StockDigest::of(outlet_id, self.cursor, levels)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Customer;

    fn product(id: &str, price: i64) -> Product {
        Product { id: id.into(), sku: id.into(), name: id.into(), price: Money(price), ..Product::default() }
    }

    fn change(version: Version, entity: Entity) -> Change {
        Change { version, entity }
    }

    #[test]
    fn a_change_travels_tagged_by_kind_and_back() {
        let changes = vec![
            change(1, Entity::Product(product("p1", 199))),
            change(2, Entity::Stock(StockLevel::new("p1", "mtl", -2))),
            change(3, Entity::Deleted { of: EntityRef::Serial { product_id: "p1".into(), serial: "SN1".into() } }),
            change(
                4,
                Entity::Customer(CustomerSummary {
                    customer: Customer { id: "c1".into(), name: "Ana".into(), email: None },
                    ..CustomerSummary::default()
                }),
            ),
        ];
        let page = ChangePage { changes, next: 4, more: false, remaining: 0 };
        let json = serde_json::to_value(&page).unwrap();
        assert_eq!(json["changes"][0]["entity"]["kind"], "product");
        assert_eq!(json["changes"][1]["entity"]["level"], -2);
        assert_eq!(json["changes"][2]["entity"]["of"]["kind"], "serial");
        assert_eq!(serde_json::from_value::<ChangePage>(json).unwrap(), page);
    }

    #[test]
    fn applying_pages_keeps_the_latest_state_and_forgets_tombstones() {
        let mut r = Replica::default();
        let first = ChangePage {
            changes: vec![
                change(3, Entity::Product(product("p1", 100))),
                change(5, Entity::Stock(StockLevel::new("p1", "mtl", 4))),
            ],
            next: 5,
            more: true,
            remaining: 1,
        };
        let applied = r.apply(&first).unwrap();
        assert_eq!(applied, Applied { upserts: 2, deletions: 0, caught_up: false });
        let second = ChangePage {
            changes: vec![
                change(8, Entity::Product(product("p1", 250))),
                change(9, Entity::Deleted { of: EntityRef::Stock { product_id: "p1".into(), outlet_id: "mtl".into() } }),
            ],
            next: 12,
            more: false,
            remaining: 0,
        };
        assert!(r.apply(&second).unwrap().caught_up);
        assert_eq!(r.cursor, 12);
        assert_eq!(r.products["p1"].price, Money(250));
        assert!(r.stock.is_empty());
    }

    #[test]
    fn a_page_for_an_older_cursor_is_refused_whole() {
        let mut r = Replica { cursor: 10, ..Replica::default() };
        let stale = ChangePage {
            changes: vec![change(12, Entity::Product(product("a", 1))), change(11, Entity::Product(product("b", 1)))],
            next: 12,
            more: false,
            remaining: 0,
        };
        assert!(matches!(r.apply(&stale), Err(PageError::OutOfOrder { .. })));
        let behind = ChangePage { changes: vec![change(9, Entity::Product(product("a", 1)))], next: 9, more: false, remaining: 0 };
        assert_eq!(r.apply(&behind), Err(PageError::NotAfterCursor { version: 9, cursor: 10 }));
        let next_behind = ChangePage { changes: vec![change(12, Entity::Product(product("a", 1)))], next: 11, more: false, remaining: 0 };
        assert!(matches!(r.apply(&next_behind), Err(PageError::NextBehind { .. })));
        assert_eq!(r, Replica { cursor: 10, ..Replica::default() });
    }

    #[test]
    fn the_stock_digest_covers_one_outlet_and_ignores_zero_levels() {
        let mut r = Replica { cursor: 7, ..Replica::default() };
        r.stock.insert(("p1".into(), "mtl".into()), 3);
        r.stock.insert(("p2".into(), "mtl".into()), 0);
        r.stock.insert(("p1".into(), "qc".into()), 9);
        let d = r.stock_digest("mtl");
        assert_eq!(d, StockDigest::of("mtl", 7, [("p1", 3)]));
        assert_eq!(d.levels, 1);
        assert_ne!(d.digest, StockDigest::of("mtl", 7, [("p1", 4)]).digest);
        assert_ne!(d.digest, StockDigest::of("qc", 7, [("p1", 3)]).digest);
    }

    #[test]
    fn a_differing_level_is_named_by_product() {
        let mut r = Replica { cursor: 7, ..Replica::default() };
        r.stock.insert(("p1".into(), "mtl".into()), 3);
        r.stock.insert(("p2".into(), "mtl".into()), 5);
        let server = [StockLevel::new("p1", "mtl", 3), StockLevel::new("p2", "mtl", 4), StockLevel::new("p3", "mtl", -1)];
        let theirs = StockDigest::of("mtl", 7, server.iter().map(|l| (l.product_id.as_str(), l.level)));
        assert!(!r.stock_digest("mtl").agrees_with(&theirs));
        assert_eq!(
            r.stock_mismatches("mtl", &server),
            vec![
                LevelMismatch { product_id: "p2".into(), here: 5, server: 4 },
                LevelMismatch { product_id: "p3".into(), here: 0, server: -1 },
            ]
        );
        r.stock.insert(("p2".into(), "mtl".into()), 4);
        r.stock.insert(("p3".into(), "mtl".into()), -1);
        assert!(r.stock_digest("mtl").agrees_with(&theirs) && r.stock_mismatches("mtl", &server).is_empty());
    }

    #[test]
    fn entity_kinds_are_stored_as_snake_case_text() {
        assert_eq!(EntityKind::Stock.to_string(), "stock");
        assert_eq!("serial".parse::<EntityKind>().unwrap(), EntityKind::Serial);
        assert_eq!(EntityRef::Customer { id: "c".into() }.kind(), EntityKind::Customer);
    }
}
