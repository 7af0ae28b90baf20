//! What a stored sale does to the rest of the shop — stock, serial numbers, its customer's account and
//! loyalty, the index of returns — and what is wrong with it that a manager must look at, as a pure
//! function of the sale and what the server loaded that bears on it ([`Bearing`]). The store loads,
//! calls [`effects_of_sale`], and persists [`Effects`] as they stand: no rule is left in the adapter.
//!
//! A paid sale is a fact: nothing here refuses it. What the rules find wrong becomes a [`Conflict`]
//! next to the sale, never instead of it.

use crate::account::{sale_entries, AccountEntry, AccountError, CustomerAccount};
use crate::auth::{AuditAction, AuditEntry};
use crate::catalog::Product;
use crate::loyalty::{LoyaltyBalance, Redemption};
use crate::money::Money;
use crate::sale::{verify_refunds, Sale, SaleLine};
use crate::stock::{
    movements_for_sale, Movement, ReturnedOn, ReturnedSerial, SerialError, SerialNumber, SerialRegistry, SoldOn, StockLevel,
    SyncedSerial,
};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The figures the server keeps per customer, so that reading a summary never re-reads their sales:
/// the account balance (the sum of their entries) and loyalty (the sum of their sales' changes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct CustomerFigures {
    pub balance: Money,
    pub loyalty: LoyaltyBalance,
}

/// What the server holds about a sale's customer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomerBearing {
    /// The customer's name; `None` when the server does not know the customer.
    pub name: Option<String>,
    /// Account terms (default: no credit, no discount).
    pub account: CustomerAccount,
    /// The figures before this sale.
    pub figures: CustomerFigures,
}

/// What the server loaded that bears on a newly stored sale.
#[derive(Clone, Copy, Debug)]
pub struct Bearing<'a> {
    /// The records on file of the serial numbers the sale names (by product and serial).
    pub serials: &'a [SerialNumber],
    /// Which of the products whose units the sale returns with a serial track serials.
    pub tracks_serials: &'a BTreeSet<String>,
    /// The sales its returned lines name, and the stored returns of those sales.
    pub originals: &'a [Sale],
    pub earlier_returns: &'a [Sale],
    /// The sale's customer, when it names one.
    pub customer: Option<&'a CustomerBearing>,
    /// Stock levels before the sale of the products it names at its outlet, by product id (absent: 0).
    pub stock: &'a BTreeMap<String, i64>,
}

/// What a customer's figures become with a sale or a payment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomerChange {
    pub customer_id: String,
    /// The new account entries (none when the balance would leave what sums can hold).
    pub entries: Vec<AccountEntry>,
    pub before: CustomerFigures,
    pub after: CustomerFigures,
}

/// Everything a stored sale changes, for the store to write in the sale's transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Effects {
    /// Stock movements (one per line), and the levels they leave (negative ones flagged).
    pub movements: Vec<Movement>,
    pub stock: Vec<StockLevel>,
    /// Serial records as they are after the sale (only those that changed).
    pub serials: Vec<SerialNumber>,
    /// The sales this one returns items of, for the index later returns are checked against.
    pub returns_of: Vec<String>,
    pub customer: Option<CustomerChange>,
    /// What a manager must look at, in the order found.
    pub conflicts: Vec<Conflict>,
}

/// A problem a stored sale has, kept beside it for a manager. `code()` is the stored kind (stable on
/// the wire); serialized, a conflict is its detail (what is involved and an English sentence).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, strum::IntoStaticStr, strum::EnumDiscriminants)]
#[serde(untagged)]
#[strum(serialize_all = "snake_case")]
#[strum_discriminants(name(ConflictKind), derive(strum::IntoStaticStr, strum::EnumString, strum::EnumIter, Hash, PartialOrd, Ord))]
#[strum_discriminants(strum(serialize_all = "snake_case"))]
pub enum Conflict {
    /// A unit already sold in another sale (two offline registers), or twice in this one.
    SerialSoldTwice {
        serial: String,
        product_id: String,
        product_name: String,
        first_sale_id: String,
        second_sale_id: String,
        second_outlet_id: String,
        message: String,
    },
    /// A unit returned that the sale it comes from did not sell, or that is not recorded as sold.
    SerialReturnMismatch {
        serial: String,
        product_id: String,
        return_sale_id: String,
        original_sale_id: Option<String>,
        sold_in: Option<String>,
        error: String,
        message: String,
    },
    /// A serial the registry cannot take (empty, …).
    SerialInvalid { serial: String, product_id: String, sale_id: String, error: String, message: String },
    /// A refund that does not match its original given every return stored before it.
    RefundMismatch { return_sale_id: String, receipt: String, original_sale_ids: Vec<String>, error: String, message: String },
    /// A customer the server does not know.
    UnknownCustomer { customer_id: String, receipt: String, message: String },
    /// The balance would leave what sums can hold: the entries are not written.
    BalanceOutOfRange { customer_id: String, receipt: String, message: String },
    /// A charge on account beyond the credit limit.
    CreditLimitExceeded(AccountOverrun),
    /// Store credit spent beyond what the customer held.
    NotEnoughStoreCredit(AccountOverrun),
    /// A reward that leaves points or visits below zero: given twice offline.
    LoyaltyOverdrawn {
        customer_id: String,
        customer_name: String,
        receipt: String,
        points: i64,
        visits: i64,
        redemptions: Vec<Redemption>,
        message: String,
    },
}

/// The detail of an account tender the ledger could not take.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccountOverrun {
    pub customer_id: String,
    pub customer_name: String,
    pub receipt: String,
    pub balance_before: Money,
    pub balance_after: Money,
    pub credit_limit: Money,
    pub available: Money,
    pub requested: Money,
    pub error: String,
    pub message: String,
}

impl Conflict {
    /// The stored kind: `serial_sold_twice`, `credit_limit_exceeded`, …
    pub fn code(&self) -> &'static str {
        self.into()
    }
}

/// The effects of a new sale (see the module doc). Never panics, never drops the sale.
pub fn effects_of_sale(sale: &Sale, b: Bearing<'_>) -> Effects {
    let movements = movements_for_sale(sale);
    let mut levels: BTreeMap<&str, i64> = BTreeMap::new();
    for m in &movements {
        let level = levels.entry(m.product_id.as_str()).or_insert_with(|| b.stock.get(&m.product_id).copied().unwrap_or(0));
        *level = level.saturating_add(m.delta);
    }
    let stock = levels.into_iter().map(|(p, level)| StockLevel::new(p, &sale.outlet_id, level)).collect();

    let mut conflicts = Vec::new();
    let serials = serial_effects(sale, &b, &mut conflicts);

    let returns_of: BTreeSet<&str> = sale.lines.iter().filter_map(|l| l.return_of.as_ref()).map(|r| r.sale_id.as_str()).collect();
    if !returns_of.is_empty() {
        if let Err(e) = verify_refunds(sale, b.originals, b.earlier_returns) {
            conflicts.push(Conflict::RefundMismatch {
                return_sale_id: sale.id.clone(),
                receipt: sale.receipt.clone(),
                original_sale_ids: returns_of.iter().map(|s| s.to_string()).collect(),
                error: e.code().into(),
                message: format!("return {}: {e} (another return of the same sale was made before it)", sale.receipt),
            });
        }
    }
    let customer = customer_effects(sale, b.customer, &mut conflicts);
    Effects {
        movements,
        stock,
        serials,
        returns_of: returns_of.into_iter().map(String::from).collect(),
        customer,
        conflicts,
    }
}

/// Units sold are marked sold (added first when not on file); returned units are back in stock.
fn serial_effects(sale: &Sale, b: &Bearing<'_>, conflicts: &mut Vec<Conflict>) -> Vec<SerialNumber> {
    let mut registry = SerialRegistry::from(b.serials.to_vec());
    let before = registry.clone();
    for line in sale.lines.iter().filter(|l| !l.serials.is_empty()) {
        if line.qty > 0 {
            for serial in &line.serials {
                let sold_on = SoldOn { sale_id: sale.id.clone(), at_ms: sale.created_at_ms };
                match registry.record_synced_sale(&line.product_id, &sale.outlet_id, serial, sold_on) {
                    Ok(SyncedSerial::Recorded | SyncedSerial::AddedAndRecorded) => {}
                    // Only new sales come here: the same serial twice in this one sale.
                    Ok(SyncedSerial::AlreadyRecorded) => conflicts.push(sold_twice(sale, line, serial, &sale.id)),
                    Ok(SyncedSerial::SoldTwice { first_sale_id }) => conflicts.push(sold_twice(sale, line, serial, &first_sale_id)),
                    Err(e) => conflicts.push(Conflict::SerialInvalid {
                        serial: serial.clone(),
                        product_id: line.product_id.clone(),
                        sale_id: sale.id.clone(),
                        error: e.code().into(),
                        message: e.to_string(),
                    }),
                }
            }
            continue;
        }
        let product = Product {
            id: line.product_id.clone(),
            sku: line.sku.clone(),
            name: line.name.clone(),
            price: line.unit_price,
            tax_class: line.tax_class,
            tracks_serials: b.tracks_serials.contains(&line.product_id),
            ..Product::default()
        };
        for serial in &line.serials {
            // With a receipt, the unit must come from that sale; without one, from the sale it was sold in.
            let original = line.return_of.as_ref().map(|r| r.sale_id.clone()).or_else(|| {
                registry.get(&line.product_id, serial).and_then(|s| s.sold_on.as_ref()).map(|s| s.sale_id.clone())
            });
            let result = match original {
                Some(original_sale_id) => registry.record_return(
                    &product,
                    &sale.outlet_id,
                    Some(serial),
                    ReturnedOn { return_sale_id: sale.id.clone(), original_sale_id, at_ms: sale.created_at_ms },
                ),
                None if registry.get(&line.product_id, serial).is_none() => Err(SerialError::NotOnFile { serial: serial.trim().into() }),
                None => Ok(ReturnedSerial::NotTracked),
            };
            let mismatch = |original_sale_id: Option<String>, sold_in, error: &str, message| Conflict::SerialReturnMismatch {
                serial: serial.trim().into(),
                product_id: line.product_id.clone(),
                return_sale_id: sale.id.clone(),
                original_sale_id,
                sold_in,
                error: error.into(),
                message,
            };
            match result {
                Ok(ReturnedSerial::BackInStock { .. }) => {}
                // Returned without a receipt while not recorded as sold: nothing to put back.
                Ok(ReturnedSerial::NotTracked) => conflicts.push(mismatch(
                    None,
                    None,
                    "serial_not_sold",
                    format!("serial number {} was returned but is not recorded as sold", serial.trim()),
                )),
                Err(e) => {
                    let sold_in = match &e {
                        SerialError::NotSoldInThatSale { sold_in, .. } => sold_in.clone(),
                        _ => None,
                    };
                    conflicts.push(mismatch(line.return_of.as_ref().map(|r| r.sale_id.clone()), sold_in, e.code(), e.to_string()));
                }
            }
        }
    }
    registry.all().filter(|s| before.get(&s.product_id, &s.serial) != Some(*s)).cloned().collect()
}

fn sold_twice(sale: &Sale, line: &SaleLine, serial: &str, first_sale_id: &str) -> Conflict {
    Conflict::SerialSoldTwice {
        serial: serial.trim().into(),
        product_id: line.product_id.clone(),
        product_name: line.name.clone(),
        first_sale_id: first_sale_id.into(),
        second_sale_id: sale.id.clone(),
        second_outlet_id: sale.outlet_id.clone(),
        message: format!(
            "serial number {} of {} was sold in sale {first_sale_id} and again in sale {}",
            serial.trim(),
            line.name,
            sale.id
        ),
    }
}

/// Account entries and loyalty. The tenders were checked by the register against the balance it knew;
/// they are checked again against the server's.
fn customer_effects(sale: &Sale, bearing: Option<&CustomerBearing>, conflicts: &mut Vec<Conflict>) -> Option<CustomerChange> {
    let customer_id = sale.customer_id.as_deref()?;
    let unknown = CustomerBearing {
        name: None,
        account: CustomerAccount { customer_id: customer_id.into(), ..CustomerAccount::default() },
        figures: CustomerFigures::default(),
    };
    let bearing = bearing.unwrap_or(&unknown);
    if bearing.name.is_none() {
        conflicts.push(Conflict::UnknownCustomer {
            customer_id: customer_id.into(),
            receipt: sale.receipt.clone(),
            message: format!("sale {} names customer '{customer_id}', whom the server does not know", sale.receipt),
        });
    }
    let name = bearing.name.clone().unwrap_or_else(|| customer_id.to_string());
    let before = bearing.figures;
    let mut after = before;

    let entries_and_balance = sale_entries(sale).and_then(|entries| {
        let balance = Money::sum(entries.iter().map(|e| e.amount)).and_then(|s| before.balance.checked_add(s))?;
        Ok((entries, balance))
    });
    let entries = match entries_and_balance {
        Ok((entries, _)) if entries.is_empty() => entries,
        Ok((entries, balance)) => {
            after.balance = balance;
            if let Err(e) = bearing.account.check_tenders(before.balance, &sale.tenders) {
                conflicts.push(account_conflict(sale, &name, &bearing.account, before.balance, balance, e));
            }
            entries
        }
        // A paid sale is a fact: a balance beyond what sums can hold is a conflict for a manager, not a
        // failed push that would block every sale queued behind this one.
        Err(_) => {
            conflicts.push(Conflict::BalanceOutOfRange {
                customer_id: customer_id.into(),
                receipt: sale.receipt.clone(),
                message: format!("sale {}: the balance of {name} is out of range", sale.receipt),
            });
            Vec::new()
        }
    };

    after.loyalty = before.loyalty.after(sale);
    // A reward given: did another register give the same one offline? (Points a return takes back may
    // also leave a balance below zero; that is the shop's loyalty rule at work, not a conflict.)
    if !sale.redemptions.is_empty() && after.loyalty.is_overdrawn() {
        let (points, visits) = (after.loyalty.points, after.loyalty.visits);
        conflicts.push(Conflict::LoyaltyOverdrawn {
            customer_id: customer_id.into(),
            customer_name: name.clone(),
            receipt: sale.receipt.clone(),
            points,
            visits,
            redemptions: sale.redemptions.clone(),
            message: format!(
                "sale {} gave {name} a loyalty reward that leaves {points} points and {visits} visits: the reward was given twice",
                sale.receipt
            ),
        });
    }
    Some(CustomerChange { customer_id: customer_id.into(), entries, before, after })
}

fn account_conflict(sale: &Sale, name: &str, account: &CustomerAccount, before: Money, after: Money, e: AccountError) -> Conflict {
    let overrun = |available: Money, requested: Money| AccountOverrun {
        customer_id: account.customer_id.clone(),
        customer_name: name.into(),
        receipt: sale.receipt.clone(),
        balance_before: before,
        balance_after: after,
        credit_limit: account.credit_limit,
        available,
        requested,
        error: e.code().into(),
        message: format!("sale {} for {name}: {e}", sale.receipt),
    };
    match &e {
        AccountError::CreditLimitExceeded { available, requested } => Conflict::CreditLimitExceeded(overrun(*available, *requested)),
        AccountError::NotEnoughStoreCredit { available, requested } => Conflict::NotEnoughStoreCredit(overrun(*available, *requested)),
        // `check_tenders` refuses nothing else but sums it cannot make.
        _ => Conflict::BalanceOutOfRange {
            customer_id: account.customer_id.clone(),
            receipt: sale.receipt.clone(),
            message: format!("sale {} for {name}: {e}", sale.receipt),
        },
    }
}

/// What the audit log records of a stored sale pushed by device `pushed_by`: the sale, its refund if
/// it returns anything, and each price override (by whom, from what to what, why). `id` and `at_ms`
/// are the store's to give.
pub fn sale_audit(sale: &Sale, pushed_by: &str) -> Vec<AuditEntry> {
    let entry = |action, staff_id: &str, detail: String| AuditEntry {
        id: 0,
        at_ms: 0,
        action,
        staff_id: staff_id.into(),
        device_id: Some(pushed_by.into()),
        outlet_id: Some(sale.outlet_id.clone()),
        subject: sale.id.clone(),
        detail,
    };
    let mut out = vec![entry(AuditAction::Sale, &sale.cashier_id, format!("receipt {}, total {}", sale.receipt, sale.totals.total))];
    if sale.lines.iter().any(|l| l.return_of.is_some()) {
        let refunded = sale.lines.iter().filter(|l| l.return_of.is_some()).fold(0u64, |n, l| n.saturating_add(l.qty.unsigned_abs()));
        out.push(entry(AuditAction::Refund, &sale.cashier_id, format!("receipt {}: {refunded} unit(s) returned", sale.receipt)));
    }
    for (i, line) in sale.lines.iter().enumerate() {
        if let Some(o) = &line.price_override {
            out.push(entry(
                AuditAction::PriceOverride,
                &o.by,
                format!("line {}: {} at {} instead of {} — {}", i + 1, line.product_id, line.unit_price, o.catalog_price, o.reason),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::{CustomerAccount, EntryKind};
    use crate::loyalty::RewardKind;
    use crate::sale::tests::product;
    use crate::sale::{plan_return, refund_tenders, Cart, RefundMethod, ReturnPick, SaleHeader, Tender, TenderKind};
    use crate::tax::{TaxClass, TaxRates};
    use proptest::prelude::*;

    const MARIE: &str = "marie";

    fn on_account(id: &str, qtys: &[(u32, i64)], tender: TenderKind) -> Sale {
        let mut cart = Cart { customer_id: Some(MARIE.into()), ..Cart::default() };
        for (i, (points, qty)) in qtys.iter().enumerate() {
            let at = cart.add_with_points(&product(&format!("p{i}"), 1000 + 37 * i as i64, TaxClass::Taxable), *points);
            cart.set_qty(at, *qty);
        }
        let total = cart.totals(&TaxRates::QUEBEC).unwrap().total;
        let header = SaleHeader { id: id.into(), seq: 1, receipt: format!("R-{id}"), outlet_id: "o1".into(), ..SaleHeader::default() };
        Sale::from_cart(header, &cart, &TaxRates::QUEBEC, vec![Tender::exact(tender, total)]).unwrap()
    }

    fn full_return(original: &Sale) -> Sale {
        let picks: Vec<ReturnPick> = original.lines.iter().enumerate().map(|(line, l)| ReturnPick { line, qty: l.qty }).collect();
        let mut cart = Cart { customer_id: original.customer_id.clone(), ..Cart::default() };
        cart.add_returns(plan_return(original, &[], &picks).unwrap());
        let total = cart.totals(&TaxRates::QUEBEC).unwrap().total;
        let tenders = refund_tenders(total, RefundMethod::OriginalTender, Some(original)).unwrap();
        let header = SaleHeader { id: format!("{}-back", original.id), seq: 2, receipt: "R-back".into(), outlet_id: "o1".into(), ..SaleHeader::default() };
        Sale::from_cart(header, &cart, &TaxRates::QUEBEC, tenders).unwrap()
    }

    fn marie(limit: i64, figures: CustomerFigures) -> CustomerBearing {
        CustomerBearing {
            name: Some("Marie".into()),
            account: CustomerAccount { customer_id: MARIE.into(), credit_limit: Money(limit), automatic_discount_bp: 0 },
            figures,
        }
    }

    fn apply(sale: &Sale, customer: &CustomerBearing, stock: &BTreeMap<String, i64>, originals: &[Sale]) -> Effects {
        effects_of_sale(
            sale,
            Bearing { serials: &[], tracks_serials: &BTreeSet::new(), originals, earlier_returns: &[], customer: Some(customer), stock },
        )
    }

    #[test]
    fn a_sale_on_account_moves_stock_balance_and_loyalty_and_a_charge_beyond_the_limit_is_a_conflict_beside_it() {
        let sale = on_account("s1", &[(5, 2)], TenderKind::Account);
        let stock = BTreeMap::from([("p0".to_string(), 3)]);
        let e = apply(&sale, &marie(1_000, CustomerFigures::default()), &stock, &[]);
        assert_eq!(e.stock, vec![StockLevel::new("p0", "o1", 1)]);
        assert_eq!(e.movements.len(), 1);
        let c = e.customer.unwrap();
        assert_eq!(c.entries[0].kind, EntryKind::Charge);
        assert_eq!(c.after.balance, Money(-sale.totals.total.as_cents()));
        assert_eq!(c.after.loyalty, LoyaltyBalance { points: 10, visits: 1 });
        assert_eq!(e.conflicts.len(), 1);
        assert_eq!(e.conflicts[0].code(), "credit_limit_exceeded");
        let Conflict::CreditLimitExceeded(o) = &e.conflicts[0] else { unreachable!() };
        assert_eq!((o.available, o.requested), (Money(1_000), sale.totals.total));
    }

    #[test]
    fn a_reward_given_twice_offline_is_a_loyalty_conflict_and_the_sale_still_counts() {
        let mut sale = on_account("s1", &[(0, 1)], TenderKind::Card);
        sale.redemptions = vec![Redemption { kind: RewardKind::Visits, units: 5 }];
        let e = apply(&sale, &marie(0, CustomerFigures { balance: Money::ZERO, loyalty: LoyaltyBalance { points: 0, visits: 2 } }), &BTreeMap::new(), &[]);
        assert_eq!(e.conflicts.iter().map(Conflict::code).collect::<Vec<_>>(), vec!["loyalty_overdrawn"]);
        assert_eq!(e.customer.unwrap().after.loyalty.visits, -2);
        assert_eq!(e.movements.len(), 1);
    }

    #[test]
    fn an_unknown_customer_is_a_conflict_and_a_stock_level_below_zero_is_flagged() {
        let sale = on_account("s1", &[(0, 4)], TenderKind::Card);
        let e = effects_of_sale(
            &sale,
            Bearing { serials: &[], tracks_serials: &BTreeSet::new(), originals: &[], earlier_returns: &[], customer: None, stock: &BTreeMap::new() },
        );
        assert_eq!(e.conflicts.iter().map(Conflict::code).collect::<Vec<_>>(), vec!["unknown_customer"]);
        assert!(e.stock[0].negative);
    }

    #[test]
    fn a_serial_sold_twice_keeps_the_first_sale_and_names_both_and_its_detail_is_the_variant_fields() {
        let mut sale = on_account("s2", &[(0, 1)], TenderKind::Card);
        sale.lines[0].serials = vec!["A1".into()];
        let first = SerialNumber {
            serial: "A1".into(),
            product_id: "p0".into(),
            outlet_id: "o1".into(),
            sold_on: Some(SoldOn { sale_id: "s1".into(), at_ms: 0 }),
            returned_on: None,
        };
        let c = marie(0, CustomerFigures::default());
        let e = effects_of_sale(
            &sale,
            Bearing { serials: std::slice::from_ref(&first), tracks_serials: &BTreeSet::new(), originals: &[], earlier_returns: &[], customer: Some(&c), stock: &BTreeMap::new() },
        );
        assert_eq!(e.conflicts.len(), 1);
        assert_eq!(e.conflicts[0].code(), "serial_sold_twice");
        let detail = serde_json::to_value(&e.conflicts[0]).unwrap();
        assert_eq!((detail["first_sale_id"].as_str(), detail["second_sale_id"].as_str()), (Some("s1"), Some("s2")));
        assert!(e.serials.is_empty(), "the first sale's record is kept");
    }

    #[test]
    fn a_sale_is_audited_once_and_a_return_also_as_a_refund_by_its_cashier() {
        let mut sale = on_account("s1", &[(0, 2)], TenderKind::Card);
        sale.cashier_id = "julie".into();
        let audit = sale_audit(&sale, "tablet");
        assert_eq!(audit.iter().map(|a| a.action).collect::<Vec<_>>(), vec![AuditAction::Sale]);
        assert_eq!((audit[0].staff_id.as_str(), audit[0].device_id.as_deref(), audit[0].subject.as_str()), ("julie", Some("tablet"), "s1"));
        let back = full_return(&sale);
        let audit = sale_audit(&back, "tablet");
        assert_eq!(audit.iter().map(|a| a.action).collect::<Vec<_>>(), vec![AuditAction::Sale, AuditAction::Refund]);
        assert!(audit[1].detail.ends_with("2 unit(s) returned"), "{}", audit[1].detail);
    }

    proptest! {
        #[test]
        fn a_sale_then_its_full_return_restore_stock_balance_and_points(
            lines in prop::collection::vec((0u32..50, 1i64..5), 1..4),
            balance in -100_000i64..100_000,
            points in 0i64..1000,
            level in -10i64..10,
            tender in prop::sample::select(vec![TenderKind::Account, TenderKind::StoreCredit, TenderKind::Card]),
        ) {
            let sale = on_account("s1", &lines, tender);
            let back = full_return(&sale);
            let start = CustomerFigures { balance: Money(balance), loyalty: LoyaltyBalance { points, visits: 0 } };
            let stock: BTreeMap<String, i64> = (0..lines.len()).map(|i| (format!("p{i}"), level)).collect();
            let first = apply(&sale, &marie(1_000_000, start), &stock, &[]);
            let mid = first.customer.clone().unwrap().after;
            let stock_mid: BTreeMap<String, i64> = first.stock.iter().map(|l| (l.product_id.clone(), l.level)).collect();
            let second = apply(&back, &marie(1_000_000, mid), &stock_mid, std::slice::from_ref(&sale));
            let end = second.customer.unwrap().after;
            prop_assert_eq!(end.balance, start.balance);
            prop_assert_eq!(end.loyalty.points, start.loyalty.points);
            prop_assert_eq!(end.loyalty.visits, 1, "a visit stays a visit");
            prop_assert!(second.stock.iter().all(|l| l.level == level));
            prop_assert!(second.conflicts.iter().all(|c| c.code() != "refund_mismatch"), "{:?}", second.conflicts);
            prop_assert_eq!(second.returns_of, vec!["s1".to_string()]);
        }

        #[test]
        fn a_conflict_never_drops_the_sale_and_no_figure_panics(
            lines in prop::collection::vec((0u32..1000, 1i64..1000), 1..4),
            balance in any::<i64>(), limit in any::<i64>(), points in any::<i64>(), visits in any::<i64>(),
            level in any::<i64>(), redeem in 0u32..3,
            tender in prop::sample::select(vec![TenderKind::Account, TenderKind::StoreCredit, TenderKind::Card]),
        ) {
            let mut sale = on_account("s1", &lines, tender);
            if redeem > 0 {
                sale.redemptions = vec![Redemption { kind: RewardKind::Points, units: redeem }];
            }
            let start = CustomerFigures { balance: Money(balance), loyalty: LoyaltyBalance { points, visits } };
            let stock: BTreeMap<String, i64> = (0..lines.len()).map(|i| (format!("p{i}"), level)).collect();
            let e = apply(&sale, &marie(limit, start), &stock, &[]);
            prop_assert_eq!(e.movements.len(), lines.len());
            prop_assert_eq!(e.stock.len(), lines.len());
            let c = e.customer.unwrap();
            let entries_sum: i64 = c.entries.iter().map(|e| e.amount.as_cents()).sum();
            prop_assert_eq!(i128::from(c.after.balance.as_cents()), i128::from(balance) + i128::from(entries_sum));
            if tender != TenderKind::Card && c.entries.is_empty() {
                prop_assert!(e.conflicts.iter().any(|c| c.code() == "balance_out_of_range"));
            }
        }
    }
}
