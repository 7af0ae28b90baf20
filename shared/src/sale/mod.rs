//! A sale: lines, totals (with the sale's discounts), tenders. Immutable once paid; a return is a new sale with
//! negative lines, which may refer to the sale they come from (see [`plan_return`]).

mod cart;
mod discount;
mod overrides;
mod pricing;
#[cfg(test)]
mod props;
mod refund;
mod tender;
mod totals;

pub use cart::Cart;
pub use overrides::PriceOverrideError;
pub use discount::{parse_percent, percent_text, Discount, DiscountError, DiscountReason, DiscountRule, FULL_BP};
pub use pricing::{price_sale, LinePrice, PricedSale};
pub(crate) use pricing::line_nets;
pub use refund::{
    plan_return, plan_return_counted, refund_tenders, returnable, verify_refunds, RefundMethod, ReturnError, ReturnOf, ReturnPick, Returnable,
};
pub use tender::{amount_due, opens_drawer, round_cash, settle_cash, verify_tenders, CashSettlement, Tender, TenderKind};
pub use totals::{compute_sale_totals, compute_totals, DiscountLine, TaxLine, Totals};

use crate::loyalty::Redemption;
use crate::money::{Money, Overflow};
use crate::tax::{TaxClass, TaxRates};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SaleLine {
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_ID_LEN)))]
    pub product_id: String,
    #[cfg_attr(feature = "openapi", schemars(length(max = crate::limits::MAX_ID_LEN)))]
    pub sku: String,
    #[cfg_attr(feature = "openapi", schemars(length(max = crate::limits::MAX_TEXT_LEN)))]
    pub name: String,
    /// Negative for a returned item.
    #[cfg_attr(feature = "openapi", schemars(range(min = -crate::limits::MAX_QTY, max = crate::limits::MAX_QTY)))]
    pub qty: i64,
    /// The price the customer was charged per unit (the catalog price when the line was scanned).
    #[cfg_attr(feature = "openapi", schemars(range(min = 0, max = crate::limits::MAX_UNIT_PRICE.as_cents())))]
    pub unit_price: Money,
    pub tax_class: TaxClass,
    /// This line's own discount (percent or amount, on its whole quantity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<Discount>,
    /// For a returned item: the sale it was bought in and exactly what is refunded for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_of: Option<ReturnOf>,
    /// Loyalty points per unit, copied when the line was made so that a later change of the
    /// product's points never rewrites a customer's balance.
    #[serde(default, skip_serializing_if = "is_zero")]
    #[cfg_attr(feature = "openapi", schemars(range(min = 0, max = crate::limits::MAX_POINTS)))]
    pub loyalty_points: u32,
    /// Serial numbers of the units (seed 000): none, or exactly one per unit for a serial-tracked product.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schemars(length(max = crate::limits::MAX_QTY), inner(length(min = 1, max = crate::limits::MAX_ID_LEN))))]
    pub serials: Vec<String>,
    /// Set when `unit_price` is not the catalog's price: who changed it, when and why. A line whose
    /// price differs from the catalog without one is held for review by the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_override: Option<PriceOverride>,
}

/// A price other than the catalog's is a fact with an author (see [`SaleLine::price_override`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PriceOverride {
    /// The catalog price the cashier saw when she changed it.
    #[cfg_attr(feature = "openapi", schemars(range(min = 0, max = crate::limits::MAX_UNIT_PRICE.as_cents())))]
    pub catalog_price: Money,
    /// Who changed it (the cashier's name or staff id; the device until staff accounts exist).
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_TEXT_LEN)))]
    pub by: String,
    /// Milliseconds since the Unix epoch, on the register's clock.
    #[cfg_attr(feature = "openapi", schemars(range(min = 0, max = crate::limits::MAX_TIME_MS)))]
    pub at_ms: i64,
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_TEXT_LEN)))]
    pub reason: String,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl SaleLine {
    /// Price × quantity, before any discount.
    pub fn amount(&self) -> Result<Money, Overflow> {
        self.unit_price.checked_mul(self.qty)
    }

    /// A line of one unit of `product` at its catalog price.
    pub fn of(product: &crate::catalog::Product, qty: i64) -> SaleLine {
        SaleLine {
            product_id: product.id.clone(),
            sku: product.sku.clone(),
            name: product.name.clone(),
            qty,
            unit_price: product.price,
            tax_class: product.tax_class,
            loyalty_points: product.loyalty_points,
            ..SaleLine::default()
        }
    }

    /// A returned item (negative quantity).
    pub fn is_return(&self) -> bool {
        self.qty < 0
    }
}

/// A completed, paid sale as the register records it and the server stores it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Sale {
    /// Globally unique id (UUID v7 made by the register).
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_ID_LEN)))]
    pub id: String,
    /// The device (browser profile) that made the sale. With `seq` it is the sale's idempotency key:
    /// two devices — or one device on two registers — can never collide.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = crate::limits::MAX_ID_LEN)))]
    pub device_id: String,
    /// The register (till) the sale was made at; the device may open several in turn.
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_ID_LEN)))]
    pub register_id: String,
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_ID_LEN)))]
    pub outlet_id: String,
    /// Per-device sequence, from 1.
    #[cfg_attr(feature = "openapi", schemars(range(min = 1, max = crate::limits::MAX_SEQ)))]
    pub seq: u64,
    #[cfg_attr(feature = "openapi", schemars(length(max = crate::limits::MAX_ID_LEN)))]
    pub receipt: String,
    /// Milliseconds since the Unix epoch, on the register's clock.
    #[cfg_attr(feature = "openapi", schemars(range(min = 0, max = crate::limits::MAX_TIME_MS)))]
    pub created_at_ms: i64,
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_LINES)))]
    pub lines: Vec<SaleLine>,
    pub totals: Totals,
    #[cfg_attr(feature = "openapi", schemars(length(max = crate::limits::MAX_PARTS)))]
    pub tenders: Vec<Tender>,
    /// The customer the sale was made for: needed for a sale on account, store credit and loyalty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_ID_LEN)))]
    pub customer_id: Option<String>,
    /// Loyalty rewards given in this sale: their points or visits are deducted from the customer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schemars(length(max = crate::limits::MAX_PARTS)))]
    pub redemptions: Vec<Redemption>,
    /// The staff member who made the sale: the cashier switched in at the device. Empty only in sales
    /// recorded before staff accounts existed.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[cfg_attr(feature = "openapi", schemars(length(max = crate::limits::MAX_ID_LEN)))]
    pub cashier_id: String,
}

/// What identifies a sale apart from its contents: see [`Sale::from_cart`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleHeader {
    pub id: String,
    pub device_id: String,
    pub register_id: String,
    pub outlet_id: String,
    pub seq: u64,
    pub receipt: String,
    pub created_at_ms: i64,
    pub cashier_id: String,
}

/// The receipt number printed at the counter: the register's code, the device's number (given by the
/// server when the device first connects, unique) and the device's sequence, e.g. `MTL1-3-000042`.
/// Unique because the (device number, sequence) pair is.
pub fn receipt_number(register_code: &str, device_number: u32, seq: u64) -> String {
    format!("{register_code}-{device_number}-{seq:06}")
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SaleError {
    #[error("the sale has no lines")]
    Empty,
    #[error("line {line}: quantity must not be zero")]
    ZeroQuantity { line: usize },
    #[error("line {line}: unit price must not be negative")]
    NegativePrice { line: usize },
    #[error("sequence must start at 1")]
    BadSequence,
    #[error("{field} is {claimed} but the lines give {computed}")]
    TotalsMismatch { field: &'static str, claimed: Money, computed: Money },
    #[error("the tenders pay {paid} of {due}")]
    Unpaid { paid: Money, due: Money },
    #[error("cash tender: {0}")]
    CashMismatch(String),
    #[error("amounts out of range")]
    Overflow,
    /// Lines are numbered from 1.
    #[error("line {line}: {source}")]
    LineDiscount { line: usize, source: DiscountError },
    /// Sale discounts are numbered from 1, in the order they were taken off.
    #[error("sale discount {index}: {source}")]
    SaleDiscount { index: usize, source: DiscountError },
    #[error("line {line}: {source}")]
    Return { line: usize, source: ReturnError },
    #[error("line {line}: {serials} serial numbers for a quantity of {qty}")]
    SerialCount { line: usize, serials: usize, qty: i64 },
    #[error("{0} needs a customer")]
    NoCustomer(&'static str),
}

impl From<Overflow> for SaleError {
    fn from(_: Overflow) -> Self {
        SaleError::Overflow
    }
}

impl SaleError {
    /// A stable machine-readable code for API bodies and translated messages.
    pub fn code(&self) -> &'static str {
        match self {
            SaleError::Empty => "empty_sale",
            SaleError::ZeroQuantity { .. } => "zero_quantity",
            SaleError::NegativePrice { .. } => "negative_price",
            SaleError::BadSequence => "bad_sequence",
            SaleError::TotalsMismatch { .. } => "totals_mismatch",
            SaleError::Unpaid { .. } => "unpaid",
            SaleError::CashMismatch(_) => "cash_mismatch",
            SaleError::Overflow => "overflow",
            SaleError::LineDiscount { source, .. } | SaleError::SaleDiscount { source, .. } => source.code(),
            SaleError::Return { source, .. } => source.code(),
            SaleError::SerialCount { .. } => "serial_count",
            SaleError::NoCustomer(_) => "no_customer",
        }
    }
}

impl Sale {
    /// A sale of what is in `cart`, paid by `tenders`; refused unless it verifies.
    pub fn from_cart(header: SaleHeader, cart: &Cart, rates: &TaxRates, tenders: Vec<Tender>) -> Result<Sale, SaleError> {
        let sale = Sale {
            id: header.id,
            device_id: header.device_id,
            register_id: header.register_id,
            outlet_id: header.outlet_id,
            seq: header.seq,
            receipt: header.receipt,
            created_at_ms: header.created_at_ms,
            lines: cart.lines.clone(),
            totals: cart.totals(rates)?,
            tenders,
            customer_id: cart.customer_id.clone(),
            redemptions: cart.redemptions.clone(),
            cashier_id: header.cashier_id,
        };
        sale.verify(rates)?;
        Ok(sale)
    }

    /// Re-derives every figure from the lines and checks the recorded ones against it.
    /// The server runs this on every pushed sale: it never trusts a register's arithmetic.
    /// A returned line that refers to another sale is checked here for its shape only;
    /// [`verify_refunds`] checks its figures against that sale.
    pub fn verify(&self, rates: &TaxRates) -> Result<(), SaleError> {
        if self.seq == 0 {
            return Err(SaleError::BadSequence);
        }
        let discounts = self.totals.discount_rules();
        check_lines(&self.lines, &discounts)?;
        let needs_customer = if self.tenders.iter().any(|t| t.kind == TenderKind::Account) {
            Some("a sale on account")
        } else if self.tenders.iter().any(|t| t.kind == TenderKind::StoreCredit) {
            Some("store credit")
        } else if !self.redemptions.is_empty() {
            Some("a loyalty reward")
        } else {
            None
        };
        if let (Some(what), None) = (needs_customer, &self.customer_id) {
            return Err(SaleError::NoCustomer(what));
        }
        let computed = compute_sale_totals(&self.lines, &discounts, rates)?;
        self.totals.must_equal(&computed)?;
        tender::verify_tenders(&self.tenders, computed.total)
    }

    /// The loyalty points this sale earns its customer (negative for returned items).
    pub fn loyalty_points(&self) -> i64 {
        self.lines
            .iter()
            .map(|l| l.qty.saturating_mul(i64::from(l.loyalty_points)))
            .fold(0i64, i64::saturating_add)
    }
}

/// Every rule a cart must meet to become a sale, apart from its totals and tenders: lines with a
/// quantity and a price, discounts that fit what they apply to, returned lines that refund at most
/// what they cost.
pub(crate) fn check_lines(lines: &[SaleLine], discounts: &[Discount]) -> Result<(), SaleError> {
    if lines.is_empty() {
        return Err(SaleError::Empty);
    }
    for (i, l) in lines.iter().enumerate() {
        if l.qty == 0 {
            return Err(SaleError::ZeroQuantity { line: i + 1 });
        }
        if l.unit_price.is_negative() {
            return Err(SaleError::NegativePrice { line: i + 1 });
        }
        if !l.serials.is_empty() && l.serials.len() as u64 != l.qty.unsigned_abs() {
            return Err(SaleError::SerialCount { line: i + 1, serials: l.serials.len(), qty: l.qty });
        }
        let gross = l.amount()?;
        if let Some(r) = &l.return_of {
            if l.discount.is_some() {
                return Err(SaleError::LineDiscount { line: i + 1, source: DiscountError::OnReturnedLine });
            }
            r.check_shape(l.qty, gross).map_err(|source| SaleError::Return { line: i + 1, source })?;
        } else if let Some(d) = &l.discount {
            d.check(gross).map_err(|source| SaleError::LineDiscount { line: i + 1, source })?;
        }
    }
    pricing::check_sale_discounts(lines, discounts)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::catalog::Product;

    pub fn product(id: &str, cents: i64, class: TaxClass) -> Product {
        Product {
            id: id.into(),
            sku: id.to_uppercase(),
            barcode: None,
            name: id.into(),
            price: Money(cents),
            tax_class: class,
            tracks_serials: false,
            low_stock_threshold: None,
            ..Default::default()
        }
    }

    pub fn paid_sale(cart: &Cart, tendered: Money) -> Sale {
        let totals = cart.totals(&TaxRates::QUEBEC).unwrap();
        let cash = settle_cash(totals.total, tendered).unwrap();
        Sale {
            id: "s1".into(),
            register_id: "r1".into(),
            outlet_id: "o1".into(),
            seq: 1,
            receipt: receipt_number("MTL1", 1, 1),
            created_at_ms: 0,
            lines: cart.lines.clone(),
            totals,
            tenders: vec![cash.tender()],
            ..Sale::default()
        }
    }

    #[test]
    fn a_paid_sale_verifies() {
        let mut cart = Cart::default();
        cart.add(&product("shirt", 2999, TaxClass::Taxable));
        cart.add(&product("hat", 1500, TaxClass::Taxable));
        let sale = paid_sale(&cart, Money(10000));
        assert_eq!(sale.verify(&TaxRates::QUEBEC), Ok(()));
        assert_eq!(sale.receipt, "MTL1-1-000001");
    }

    #[test]
    fn tampered_totals_are_caught() {
        let mut cart = Cart::default();
        cart.add(&product("shirt", 2999, TaxClass::Taxable));
        let mut sale = paid_sale(&cart, Money(10000));
        sale.totals.total = Money(1);
        assert_eq!(sale.verify(&TaxRates::QUEBEC).unwrap_err().code(), "totals_mismatch");
        let mut sale = paid_sale(&cart, Money(10000));
        sale.totals.taxes[1].amount = Money(0);
        assert_eq!(sale.verify(&TaxRates::QUEBEC).unwrap_err().code(), "totals_mismatch");
    }

    #[test]
    fn a_sale_with_discounts_built_from_the_carts_lines_and_totals_verifies() {
        let mut cart = Cart::default();
        cart.add(&product("shirt", 2999, TaxClass::Taxable));
        cart.add(&product("hat", 1500, TaxClass::Taxable));
        cart.set_line_discount(0, Some(Discount::percent(1500))).unwrap();
        cart.add_discount(Discount::amount(Money(250))).unwrap();
        let sale = paid_sale(&cart, Money(10_000));
        assert_eq!(sale.totals.discounts.len(), 1);
        assert_eq!(sale.verify(&TaxRates::QUEBEC), Ok(()));
    }

    #[test]
    fn a_tampered_sale_discount_is_caught() {
        let mut cart = Cart::default();
        cart.add(&product("shirt", 2999, TaxClass::Taxable));
        cart.add_discount(Discount::percent(1000)).unwrap();
        let mut sale = paid_sale(&cart, Money(10_000));
        sale.totals.discounts[0].amount = Money(1);
        assert_eq!(sale.verify(&TaxRates::QUEBEC).unwrap_err().code(), "totals_mismatch");
        let mut sale = paid_sale(&cart, Money(10_000));
        sale.totals.discounts.clear();
        assert_eq!(sale.verify(&TaxRates::QUEBEC).unwrap_err().code(), "totals_mismatch");
        let mut sale = paid_sale(&cart, Money(10_000));
        sale.lines[0].discount = Some(Discount::amount(Money(5000)));
        let e = sale.verify(&TaxRates::QUEBEC).unwrap_err();
        assert_eq!(e.code(), "discount_exceeds_amount");
        assert_eq!(e.to_string(), "line 1: a discount of 50,00\u{a0}$ exceeds the 29,99\u{a0}$ it applies to");
    }

    #[test]
    fn a_sale_discount_larger_than_what_is_sold_is_refused() {
        let mut cart = Cart::default();
        cart.add(&product("hat", 1500, TaxClass::Taxable));
        cart.discounts.push(Discount::amount(Money(2000)));
        let e = paid_sale(&cart, Money(10_000)).verify(&TaxRates::QUEBEC).unwrap_err();
        assert_eq!(e, SaleError::SaleDiscount { index: 1, source: DiscountError::ExceedsAmount { discount: Money(2000), amount: Money(1500) } });
    }

    #[test]
    fn a_sale_on_account_needs_a_customer() {
        let mut cart = Cart::default();
        cart.add(&product("hat", 1500, TaxClass::Taxable));
        let total = cart.totals(&TaxRates::QUEBEC).unwrap().total;
        let header = SaleHeader { id: "s1".into(), seq: 1, ..SaleHeader::default() };
        let e = Sale::from_cart(header.clone(), &cart, &TaxRates::QUEBEC, vec![Tender::exact(TenderKind::Account, total)]).unwrap_err();
        assert_eq!((e.code(), e.to_string().as_str()), ("no_customer", "a sale on account needs a customer"));
        cart.customer_id = Some("c1".into());
        let sale = Sale::from_cart(header, &cart, &TaxRates::QUEBEC, vec![Tender::exact(TenderKind::Account, total)]).unwrap();
        assert_eq!(sale.customer_id.as_deref(), Some("c1"));
    }

    #[test]
    fn a_sale_is_complete_only_when_its_tenders_cover_the_total() {
        let mut cart = Cart::default();
        cart.add(&product("hat", 1500, TaxClass::Taxable));
        let total = cart.totals(&TaxRates::QUEBEC).unwrap().total;
        let header = SaleHeader { id: "s1".into(), seq: 1, ..SaleHeader::default() };
        let short = vec![Tender::exact(TenderKind::Card, Money(total.0 - 1))];
        assert_eq!(Sale::from_cart(header, &cart, &TaxRates::QUEBEC, short).unwrap_err().code(), "unpaid");
    }

    #[test]
    fn a_sale_stored_before_discounts_existed_still_parses_and_verifies() {
        let old = r#"{"id":"s1","register_id":"r1","outlet_id":"o1","seq":1,"receipt":"MTL1-000001","created_at_ms":0,
            "lines":[{"product_id":"shirt","sku":"SHIRT","name":"shirt","qty":1,"unit_price":2999,"tax_class":"taxable"}],
            "totals":{"subtotal":2999,"taxes":[{"code":"gst","base":2999,"amount":150},{"code":"qst","base":2999,"amount":299}],"total":3448},
            "tenders":[{"kind":"cash","amount":3450,"tendered":4000,"change":550}]}"#;
        let sale: Sale = serde_json::from_str(old).unwrap();
        assert_eq!(sale.verify(&TaxRates::QUEBEC), Ok(()));
        assert_eq!(sale.customer_id, None);
    }

    #[test]
    fn a_sale_with_every_new_field_round_trips_through_json() {
        let mut cart = Cart { customer_id: Some("c1".into()), ..Cart::default() };
        cart.add_with_points(&product("shirt", 2999, TaxClass::Taxable), 10);
        cart.set_line_discount(0, Some(Discount::percent(1000))).unwrap();
        cart.add_discount(Discount::amount(Money(100)).because(DiscountReason::Reward)).unwrap();
        cart.redemptions.push(crate::loyalty::Redemption { kind: crate::loyalty::RewardKind::Points, units: 100 });
        let sale = paid_sale(&cart, Money(10_000));
        let sale = Sale { customer_id: cart.customer_id.clone(), redemptions: cart.redemptions.clone(), ..sale };
        let json = serde_json::to_string(&sale).unwrap();
        assert_eq!(serde_json::from_str::<Sale>(&json).unwrap(), sale);
        assert_eq!(sale.verify(&TaxRates::QUEBEC), Ok(()));
        let plain = serde_json::to_string(&paid_sale(&Cart { lines: vec![SaleLine::of(&product("hat", 1500, TaxClass::Taxable), 1)], ..Cart::default() }, Money(2000))).unwrap();
        assert!(!plain.contains("discount\":[") && !plain.contains("customer_id") && !plain.contains("return_of"), "{plain}");
    }

    #[test]
    fn a_line_with_serials_names_exactly_one_per_unit() {
        let mut cart = Cart::default();
        cart.add(&product("drill", 12999, TaxClass::Taxable));
        cart.add(&product("drill", 12999, TaxClass::Taxable));
        cart.lines[0].serials = vec!["SN-1".into(), "SN-2".into()];
        assert_eq!(paid_sale(&cart, Money(100_000)).verify(&TaxRates::QUEBEC), Ok(()));
        cart.lines[0].serials.pop();
        let err = paid_sale(&cart, Money(100_000)).verify(&TaxRates::QUEBEC).unwrap_err();
        assert_eq!(err.code(), "serial_count");
    }

    #[test]
    fn empty_or_zero_quantity_sales_are_refused() {
        let sale = paid_sale(&Cart::default(), Money(0));
        assert_eq!(sale.verify(&TaxRates::QUEBEC), Err(SaleError::Empty));
        let mut cart = Cart::default();
        cart.add(&product("shirt", 2999, TaxClass::Taxable));
        let mut sale = paid_sale(&cart, Money(10000));
        sale.lines[0].qty = 0;
        assert_eq!(sale.verify(&TaxRates::QUEBEC), Err(SaleError::ZeroQuantity { line: 1 }));
    }
}
