//! The register's in-memory copy of what it pulled (`AppCtx::pulled`, the catalog apart in
//! `AppCtx::catalog`) and the views the screens read, derived from it: stock levels, serial numbers
//! and customers with everything still in our outbox taken into account — unsent sales and unsent
//! operations (stock adjustments, new customers, payments on account, serials registered), replayed in
//! the order they were made — so a quick key counts down at once, a customer created offline can be
//! attached to a sale, offline too; once the server acknowledges an item it leaves the outbox and the
//! pulled state carries it. Also the recent sales, the register and its outlet.

use crate::catalog::Catalog;
use crate::state::AppCtx;
use crate::store::Db;
use leptos::prelude::*;
use shared::account::sale_entries;
use shared::loyalty::LoyaltyBalance;
use shared::sale::Sale;
use shared::stock::{ReturnedOn, SerialRegistry, SoldOn};
use shared::sync::changes::{ChangePage, Entity, EntityKind, Replica, StockDigest, Version};
use shared::sync::{CustomerSummary, OpBody, Operation};
use std::collections::HashMap;

/// Once caught up: our outlet's stock digest against the server's at the same version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Agreement {
    Agree { version: Version },
    Mismatch { device: StockDigest, server: StockDigest },
}

impl Agreement {
    pub fn of(device: &StockDigest, server: &StockDigest) -> Agreement {
        if device.agrees_with(server) {
            Agreement::Agree { version: device.version }
        } else {
            Agreement::Mismatch { device: device.clone(), server: server.clone() }
        }
    }
}

/// Which views a page touched (recomputed after it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Touched {
    pub stock: bool,
    pub serials: bool,
    pub customers: bool,
    pub sales: bool,
    pub places: bool,
}

impl Touched {
    pub const ALL: Touched = Touched { stock: true, serials: true, customers: true, sales: true, places: true };
    /// The views our outbox bears on.
    pub const OUTBOX: Touched = Touched { stock: true, serials: true, customers: true, sales: false, places: false };

    /// The views an operation of ours changes.
    pub fn of_op(op: &Operation) -> Touched {
        let mut t = Touched::default();
        match op.body {
            OpBody::StockAdjustment { .. } => t.stock = true,
            OpBody::SerialRegistration { .. } => t.serials = true,
            OpBody::NewCustomer { .. } | OpBody::EditCustomer { .. } | OpBody::AccountPayment { .. } => t.customers = true,
            // Order operations change the orders page's own view (`pages/orders/`), none of these.
            _ => {}
        }
        t
    }

    pub fn or(self, o: Touched) -> Touched {
        Touched {
            stock: self.stock || o.stock,
            serials: self.serials || o.serials,
            customers: self.customers || o.customers,
            sales: self.sales || o.sales,
            places: self.places || o.places,
        }
    }

    fn add(&mut self, page: &ChangePage) {
        for c in &page.changes {
            let kind = match &c.entity {
                Entity::Deleted { of } => of.kind(),
                e => e.key().kind(),
            };
            match kind {
                EntityKind::Product => {}
                EntityKind::Stock => self.stock = true,
                EntityKind::Serial => self.serials = true,
                EntityKind::Customer => self.customers = true,
                EntityKind::Sale => self.sales = true,
                EntityKind::Outlet | EntityKind::Register => self.places = true,
                // The orders page reads the replica's parts itself (pages/orders).
                EntityKind::OrderPart => {}
                // Read by the back office's inbox, not by any view of the register.
                EntityKind::InboxResolution => {}
            }
        }
    }
}

impl AppCtx {
    /// Replaces the in-memory copy with `replica` (at start, or after another tab pulled meanwhile).
    pub fn install(&self, mut replica: Replica) {
        let products = std::mem::take(&mut replica.products);
        let n = products.len();
        self.catalog.set_value(Catalog::new(products));
        self.catalog_size.set(n);
        self.pulled.set_value(replica);
    }

    /// Follows a page the puller has stored, asked from cursor `since`. `false` when the copy is not at
    /// `since` (another tab of this device stored pages meanwhile): reload it from IndexedDB.
    pub fn absorb(&self, since: Version, page: &ChangePage, touched: &mut Touched) -> bool {
        if self.pulled.with_value(|r| r.cursor) != since {
            return false;
        }
        if self.catalog.try_update_value(|c| c.apply(&page.changes)).unwrap_or(false) {
            // `update` notifies even when the count is the same (a price, a name changed).
            let n = self.catalog.with_value(Catalog::len);
            self.catalog_size.update(|size| *size = n);
        }
        let applied = self.pulled.try_update_value(|r| {
            let ok = r.apply(page).is_ok();
            r.products.clear();
            ok
        });
        touched.add(page);
        applied.unwrap_or(false)
    }

    /// Recomputes the views `touched` names from the pulled copy and the outbox.
    pub async fn refresh_views(&self, db: &Db, touched: Touched) {
        if touched.places {
            self.set_places();
        }
        let unsent = if touched.stock || touched.serials || touched.customers { unsent(db).await } else { Vec::new() };
        if touched.stock {
            let outlet = self.outlet.with_untracked(|o| o.as_ref().map(|o| o.id.clone())).unwrap_or_default();
            let mut levels: HashMap<String, i64> = self.pulled.with_value(|r| {
                r.stock.iter().filter(|((_, o), _)| *o == outlet).map(|((p, _), l)| (p.clone(), *l)).collect()
            });
            // In the order made: a count sets the level the sales after it start from.
            for item in &unsent {
                match item {
                    Unsent::Sale(sale) => subtract(&mut levels, sale),
                    Unsent::Op(op) => crate::ops::apply_stock(&mut levels, op),
                }
            }
            self.stock.set(levels);
        }
        if touched.serials {
            let mut registry = SerialRegistry::from(self.pulled.with_value(|r| r.serials.values().cloned().collect::<Vec<_>>()));
            for item in &unsent {
                match item {
                    Unsent::Sale(sale) => self.catalog.with_value(|c| serials_after(&mut registry, c, sale)),
                    Unsent::Op(Operation { body: OpBody::SerialRegistration { product_id, outlet_id, serials }, .. }) => {
                        let _ = registry.register_list(product_id, outlet_id, serials);
                    }
                    Unsent::Op(_) => {}
                }
            }
            self.serials.set_value(registry);
        }
        if touched.customers {
            let mut list: Vec<CustomerSummary> = self.pulled.with_value(|r| r.customers.values().cloned().collect());
            // A customer created here comes before the sales attached to them.
            for item in &unsent {
                match item {
                    Unsent::Sale(sale) => customers_after(&mut list, sale),
                    Unsent::Op(op) => crate::ops::apply_customer(&mut list, op),
                }
            }
            list.sort_by_cached_key(|c| c.customer.name.to_lowercase());
            self.customers.set(list);
        }
        if touched.sales {
            let mut sales: Vec<_> = self.pulled.with_value(|r| r.sales.values().cloned().collect());
            sales.sort_by(|a, b| (b.received_at_ms, b.created_at_ms, &b.id).cmp(&(a.received_at_ms, a.created_at_ms, &a.id)));
            self.recent_sales.set(sales);
        }
    }

    /// The register the device is enrolled to (a manager enrols it again to change it), and its outlet.
    fn set_places(&self) {
        let Some(enrolled) = self.auth.enrolled() else { return };
        let (register, outlet) = self.pulled.with_value(|r| {
            let register = r.registers.get(&enrolled.register_id).cloned();
            let outlet = register.as_ref().and_then(|reg| r.outlets.get(&reg.outlet_id).cloned());
            (register, outlet)
        });
        if register.is_some() && outlet.is_some() {
            self.register.set(register);
            self.outlet.set(outlet);
        }
    }

    /// What a completed sale changes here before the server's copy arrives: stock, serials, customer.
    pub fn apply_sale(&self, sale: &Sale) {
        self.stock.update(|levels| subtract(levels, sale));
        let catalog = self.catalog;
        self.serials.update_value(|registry| catalog.with_value(|c| serials_after(registry, c, sale)));
        if sale.customer_id.is_some() {
            self.customers.update(|list| customers_after(list, sale));
        }
    }
}

/// Something still in our outbox.
enum Unsent {
    Sale(Sale),
    Op(Operation),
}

/// Our outbox, sales and operations together, in the order they were made (an operation first at the
/// same millisecond: it was confirmed before the sale that uses it could be paid).
async fn unsent(db: &Db) -> Vec<Unsent> {
    let sales = db.pending_sales(10_000).await.unwrap_or_default();
    let ops = db.pending_op_list(10_000).await.unwrap_or_default();
    let mut items: Vec<(i64, bool, Unsent)> = sales
        .into_iter()
        .map(|s| (s.created_at_ms, true, Unsent::Sale(s)))
        .chain(ops.into_iter().map(|o| (o.made_at_ms, false, Unsent::Op(o))))
        .collect();
    // Stable: each outbox is already in its own order.
    items.sort_by_key(|(at, is_sale, _)| (*at, *is_sale));
    items.into_iter().map(|(_, _, item)| item).collect()
}

fn subtract(levels: &mut HashMap<String, i64>, sale: &Sale) {
    for line in &sale.lines {
        *levels.entry(line.product_id.clone()).or_insert(0) -= line.qty;
    }
}

/// The serial registry after one of our sales: units sold, units back in stock.
fn serials_after(registry: &mut SerialRegistry, catalog: &Catalog, sale: &Sale) {
    let sold_on = SoldOn { sale_id: sale.id.clone(), at_ms: sale.created_at_ms };
    // Units coming back: in stock again, from the sale they were sold in.
    for line in sale.lines.iter().filter(|l| l.qty < 0) {
        let Some(product) = catalog.get(&line.product_id) else { continue };
        for serial in &line.serials {
            let Some(original) = registry.get(&line.product_id, serial).and_then(|s| s.sold_on.clone()) else { continue };
            let returned_on =
                ReturnedOn { return_sale_id: sale.id.clone(), original_sale_id: original.sale_id, at_ms: sale.created_at_ms };
            let _ = registry.record_return(product, &sale.outlet_id, Some(serial), returned_on);
        }
    }
    for line in sale.lines.iter().filter(|l| l.qty > 0) {
        for serial in &line.serials {
            // Not on file means the cashier chose "add as a new serial".
            if registry.get(&line.product_id, serial).is_some() {
                let _ = registry.record_sale(&line.product_id, &sale.outlet_id, serial, sold_on.clone());
            } else {
                let _ = registry.add_and_sell(&line.product_id, &sale.outlet_id, serial, sold_on.clone());
            }
        }
    }
}

fn customers_after(list: &mut [CustomerSummary], sale: &Sale) {
    let Some(id) = &sale.customer_id else { return };
    if let Some(c) = list.iter_mut().find(|c| &c.customer.id == id) {
        apply_to_customer(c, sale);
    }
}

/// A customer's figures after one of our sales, by the shared rules, until the server's copy arrives.
fn apply_to_customer(c: &mut CustomerSummary, sale: &Sale) {
    if let Ok(entries) = sale_entries(sale) {
        for e in entries {
            c.balance = c.balance.checked_add(e.amount).unwrap_or(c.balance);
        }
    }
    c.available = c.account.available(c.balance);
    c.loyalty = LoyaltyBalance::after(c.loyalty, sale);
    c.rewards_due = c.program.rewards_due(&c.loyalty);
    c.history.insert(0, sale.clone());
    c.history.truncate(20);
}
