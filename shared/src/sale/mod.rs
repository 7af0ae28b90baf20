//! A sale: lines, totals, tenders. Immutable once paid; a return is a new sale with negative lines.

mod cart;
mod tender;
mod totals;

pub use cart::Cart;
pub use tender::{round_cash, settle_cash, CashSettlement, Tender, TenderKind};
pub use totals::{compute_totals, TaxLine, Totals};

use crate::money::{Money, Overflow};
use crate::tax::{TaxClass, TaxRates};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleLine {
    pub product_id: String,
    pub sku: String,
    pub name: String,
    /// Negative for a returned item.
    pub qty: i64,
    /// The price the customer was charged per unit (the catalog price when the line was scanned).
    pub unit_price: Money,
    pub tax_class: TaxClass,
}

impl SaleLine {
    pub fn amount(&self) -> Result<Money, Overflow> {
        self.unit_price.checked_mul(self.qty)
    }
}

/// A completed, paid sale as the register records it and the server stores it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sale {
    /// Globally unique id (UUID v7 made by the register).
    pub id: String,
    pub register_id: String,
    pub outlet_id: String,
    /// Per-register sequence, from 1. With `register_id` it is the idempotency key of a push.
    pub seq: u64,
    pub receipt: String,
    /// Milliseconds since the Unix epoch, on the register's clock.
    pub created_at_ms: i64,
    pub lines: Vec<SaleLine>,
    pub totals: Totals,
    pub tenders: Vec<Tender>,
}

/// The receipt number a register prints: its code and its sequence, e.g. `MTL1-000042`.
pub fn receipt_number(register_code: &str, seq: u64) -> String {
    format!("{register_code}-{seq:06}")
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
        }
    }
}

impl Sale {
    /// Re-derives every figure from the lines and checks the recorded ones against it.
    /// The server runs this on every pushed sale: it never trusts a register's arithmetic.
    pub fn verify(&self, rates: &TaxRates) -> Result<(), SaleError> {
        if self.seq == 0 {
            return Err(SaleError::BadSequence);
        }
        if self.lines.is_empty() {
            return Err(SaleError::Empty);
        }
        for (i, l) in self.lines.iter().enumerate() {
            if l.qty == 0 {
                return Err(SaleError::ZeroQuantity { line: i + 1 });
            }
            if l.unit_price.is_negative() {
                return Err(SaleError::NegativePrice { line: i + 1 });
            }
        }
        let computed = compute_totals(&self.lines, rates)?;
        self.totals.must_equal(&computed)?;
        tender::verify_tenders(&self.tenders, computed.total)
    }
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
            receipt: receipt_number("MTL1", 1),
            created_at_ms: 0,
            lines: cart.lines.clone(),
            totals,
            tenders: vec![cash.tender()],
        }
    }

    #[test]
    fn a_paid_sale_verifies() {
        let mut cart = Cart::default();
        cart.add(&product("shirt", 2999, TaxClass::Taxable));
        cart.add(&product("hat", 1500, TaxClass::Taxable));
        let sale = paid_sale(&cart, Money(10000));
        assert_eq!(sale.verify(&TaxRates::QUEBEC), Ok(()));
        assert_eq!(sale.receipt, "MTL1-000001");
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
