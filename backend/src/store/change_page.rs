//! What both stores do with the rows of `changes` they read, apart from the SQL: where a page ends and
//! what its `next` cursor is, which entities to load, and each row's change (its entity's current state,
//! or a tombstone when it was deleted or is gone).

use shared::catalog::{Outlet, Product, Register};
use shared::stock::{SerialNumber, StockLevel};
use shared::sync::changes::{Change, ChangePage, Entity, EntityKind, EntityRef, RecentSale, Version};
use shared::online::OrderPartView;
use shared::sync::CustomerSummary;
use std::collections::HashMap;

/// One row of `changes`.
pub(crate) struct LogRow {
    pub kind: EntityKind,
    pub entity_id: String,
    pub sub_id: String,
    pub outlet_id: String,
    pub version: Version,
    pub deleted: bool,
}

impl LogRow {
    pub fn key(&self) -> EntityRef {
        let id = self.entity_id.clone();
        match self.kind {
            EntityKind::Product => EntityRef::Product { id },
            EntityKind::Stock => EntityRef::Stock { product_id: id, outlet_id: self.outlet_id.clone() },
            EntityKind::Serial => EntityRef::Serial { product_id: id, serial: self.sub_id.clone() },
            EntityKind::Customer => EntityRef::Customer { id },
            EntityKind::Sale => EntityRef::Sale { id },
            EntityKind::Outlet => EntityRef::Outlet { id },
            EntityKind::Register => EntityRef::Register { id },
            EntityKind::OrderPart => EntityRef::OrderPart { order_id: id, outlet_id: self.outlet_id.clone() },
            EntityKind::InboxResolution => EntityRef::InboxResolution { id },
        }
    }
}

/// A page's rows: the store reads `limit + 1` rows after `since`, so one more than `limit` says there is
/// more. `next` is the last row's version when there is more; otherwise the server's `head`, so a
/// caught-up device does not scan again rows it may not see (other outlets').
pub(crate) fn bound(mut rows: Vec<LogRow>, limit: u32, since: Version, head: Version) -> (Vec<LogRow>, bool, Version) {
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next = if more { rows.last().map_or(since, |r| r.version) } else { head };
    (rows, more, next)
}

/// The ids of the live (not deleted) rows of one kind: what the store loads.
pub(crate) fn live_ids(rows: &[LogRow], kind: EntityKind) -> Vec<&str> {
    rows.iter().filter(|r| r.kind == kind && !r.deleted).map(|r| r.entity_id.as_str()).collect()
}

/// The (first id, second id) keys of the live rows of a two-part kind: stock (product, outlet), serial
/// (product, serial).
pub(crate) fn live_pairs(rows: &[LogRow], kind: EntityKind) -> Vec<(&str, &str)> {
    // Keyed by outlet: stock (product, outlet), an order part (order, outlet).
    let stock = matches!(kind, EntityKind::Stock | EntityKind::OrderPart);
    rows.iter()
        .filter(|r| r.kind == kind && !r.deleted)
        .map(|r| (r.entity_id.as_str(), if stock { r.outlet_id.as_str() } else { r.sub_id.as_str() }))
        .collect()
}

/// The current states the store loaded for a page's live rows.
#[derive(Default)]
pub(crate) struct States {
    pub products: HashMap<String, Product>,
    pub levels: HashMap<(String, String), i64>,
    pub serials: HashMap<(String, String), SerialNumber>,
    pub customers: HashMap<String, CustomerSummary>,
    pub sales: HashMap<String, RecentSale>,
    pub outlets: HashMap<String, Outlet>,
    pub registers: HashMap<String, Register>,
    /// Unfinished order parts by (order id, outlet id); a part not here is finished: a tombstone.
    pub order_parts: HashMap<(String, String), OrderPartView>,
    pub inbox_resolutions: HashMap<String, shared::inbox::Resolution>,
}

/// The page: each row's entity from `states`, a tombstone for a deleted row or one whose entity is gone
/// (deleted after the row was read: its own tombstone follows with a newer version). A stock level with
/// no row on file is 0.
pub(crate) fn assemble(rows: &[LogRow], mut s: States, more: bool, next: Version, remaining: u64) -> ChangePage {
    let changes = rows
        .iter()
        .map(|r| {
            let gone = || Entity::Deleted { of: r.key() };
            let entity = if r.deleted {
                gone()
            } else {
                match r.kind {
                    EntityKind::Product => s.products.remove(&r.entity_id).map(Entity::Product),
                    EntityKind::Stock => {
                        let level = s.levels.get(&(r.entity_id.clone(), r.outlet_id.clone())).copied().unwrap_or(0);
                        Some(Entity::Stock(StockLevel::new(&r.entity_id, &r.outlet_id, level)))
                    }
                    EntityKind::Serial => s.serials.remove(&(r.entity_id.clone(), r.sub_id.clone())).map(Entity::Serial),
                    EntityKind::Customer => s.customers.remove(&r.entity_id).map(Entity::Customer),
                    EntityKind::Sale => s.sales.remove(&r.entity_id).map(Entity::Sale),
                    EntityKind::Outlet => s.outlets.remove(&r.entity_id).map(Entity::Outlet),
                    EntityKind::Register => s.registers.remove(&r.entity_id).map(Entity::Register),
                    EntityKind::OrderPart => s.order_parts.remove(&(r.entity_id.clone(), r.outlet_id.clone())).map(Entity::OrderPart),
                    EntityKind::InboxResolution => s.inbox_resolutions.remove(&r.entity_id).map(Entity::InboxResolution),
                }
                .unwrap_or_else(gone)
            };
            Change { version: r.version, entity }
        })
        .collect();
    ChangePage { changes, next, more, remaining }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kind: EntityKind, id: &str, version: Version, deleted: bool) -> LogRow {
        LogRow { kind, entity_id: id.into(), sub_id: String::new(), outlet_id: "mtl".into(), version, deleted }
    }

    #[test]
    fn a_full_page_ends_at_its_last_row_and_a_short_one_at_the_head() {
        let rows = || (1..=3).map(|v| row(EntityKind::Product, &format!("p{v}"), v * 10, false)).collect::<Vec<_>>();
        let (kept, more, next) = bound(rows(), 2, 0, 99);
        assert_eq!((kept.len(), more, next), (2, true, 20));
        let (kept, more, next) = bound(rows(), 3, 0, 99);
        assert_eq!((kept.len(), more, next), (3, false, 99));
        let (kept, more, next) = bound(Vec::new(), 3, 42, 99);
        assert_eq!((kept.len(), more, next), (0, false, 99));
    }

    #[test]
    fn a_deleted_row_or_an_entity_gone_since_is_a_tombstone_and_a_missing_level_is_zero() {
        let rows = vec![row(EntityKind::Product, "hat", 1, true), row(EntityKind::Sale, "s1", 2, false), row(EntityKind::Stock, "hat", 3, false)];
        let page = assemble(&rows, States::default(), false, 3, 0);
        assert_eq!(page.changes[0].entity, Entity::Deleted { of: EntityRef::Product { id: "hat".into() } });
        assert_eq!(page.changes[1].entity, Entity::Deleted { of: EntityRef::Sale { id: "s1".into() } });
        assert_eq!(page.changes[2].entity, Entity::Stock(StockLevel::new("hat", "mtl", 0)));
    }
}
