//! Customer accounts (seed 003): a balance, a credit limit, an automatic discount, payments on
//! account and a month-end statement.
//!
//! The balance is a sum of entries, like stock: positive is the customer's store credit, negative
//! what they owe. A sale on account lowers it, down to minus the credit limit (the maximum
//! overdraft); store credit ("avoir") raises it and paying with it lowers it, never below zero.
//! The limit is checked by the register before a sale; an overrun found later (two offline registers)
//! is a conflict for a manager, see [`CustomerAccount::is_over_limit`].

use crate::money::{Money, Overflow};
use crate::report::Period;
use crate::sale::{verify_tenders, Discount, DiscountReason, Sale, SaleError, Tender, TenderKind};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CustomerAccount {
    pub customer_id: String,
    /// Maximum overdraft ("autorisation de découvert"); zero allows no sale on account.
    #[serde(default)]
    pub credit_limit: Money,
    /// The automatic discount taken off every sale to this customer, in basis points (0: none).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(range(min = 0, max = crate::sale::FULL_BP)))]
    pub automatic_discount_bp: u32,
}

/// What moved an account's balance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub enum EntryKind {
    /// A sale on account (negative), or a refund of one (positive).
    Charge,
    /// Store credit given (positive) or spent (negative).
    StoreCredit,
    /// A payment on account (positive).
    Payment,
}

/// One movement of a customer's balance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountEntry {
    pub customer_id: String,
    pub at_ms: i64,
    pub kind: EntryKind,
    /// The receipt or payment it comes from.
    pub reference: String,
    /// Its effect on the balance.
    pub amount: Money,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error("credit limit exceeded: {available} still available")]
    CreditLimitExceeded { available: Money, requested: Money },
    #[error("not enough store credit: {available} available")]
    NotEnoughStoreCredit { available: Money, requested: Money },
    #[error("a payment on account must be positive (got {amount})")]
    PaymentNotPositive { amount: Money },
    #[error("a payment on account is made in cash or by card")]
    PaymentTender,
    #[error("payment tenders: {0}")]
    Tenders(SaleError),
    #[error("amounts out of range")]
    Overflow,
}

impl AccountError {
    pub fn code(&self) -> &'static str {
        match self {
            AccountError::CreditLimitExceeded { .. } => "credit_limit_exceeded",
            AccountError::NotEnoughStoreCredit { .. } => "not_enough_store_credit",
            AccountError::PaymentNotPositive { .. } => "payment_not_positive",
            AccountError::PaymentTender => "payment_tender",
            AccountError::Tenders(e) => e.code(),
            AccountError::Overflow => "overflow",
        }
    }
}

impl From<Overflow> for AccountError {
    fn from(_: Overflow) -> Self {
        AccountError::Overflow
    }
}

/// The sum of `entries` for `customer_id`.
pub fn balance(customer_id: &str, entries: &[AccountEntry]) -> Result<Money, Overflow> {
    Money::sum(entries.iter().filter(|e| e.customer_id == customer_id).map(|e| e.amount))
}

/// The entries a sale makes on its customer's account: one per account or store-credit tender.
pub fn sale_entries(sale: &Sale) -> Result<Vec<AccountEntry>, Overflow> {
    let Some(customer_id) = &sale.customer_id else {
        return Ok(Vec::new());
    };
    sale.tenders
        .iter()
        .filter_map(|t| match t.kind {
            TenderKind::Account => Some((EntryKind::Charge, t.amount)),
            TenderKind::StoreCredit => Some((EntryKind::StoreCredit, t.amount)),
            TenderKind::Cash | TenderKind::Card | TenderKind::Online => None,
        })
        .map(|(kind, amount)| {
            Ok(AccountEntry {
                customer_id: customer_id.clone(),
                at_ms: sale.created_at_ms,
                kind,
                reference: sale.receipt.clone(),
                amount: amount.checked_neg()?,
            })
        })
        .collect()
}

impl CustomerAccount {
    /// The automatic discount, as the cart takes it.
    pub fn automatic_discount(&self) -> Option<Discount> {
        (self.automatic_discount_bp > 0)
            .then(|| Discount::percent(self.automatic_discount_bp).because(DiscountReason::Automatic))
    }

    /// What can still be charged on account: the balance plus the credit limit, never below zero.
    pub fn available(&self, balance: Money) -> Money {
        Money(balance.as_cents().saturating_add(self.credit_limit.as_cents()).max(0))
    }

    /// The balance went below minus the credit limit.
    pub fn is_over_limit(&self, balance: Money) -> bool {
        balance.as_cents() < self.credit_limit.as_cents().saturating_neg()
    }

    /// Refuses tenders this account cannot take: store credit beyond what the customer has, or a
    /// charge that would take the balance below minus the credit limit. Refunds always pass.
    pub fn check_tenders(&self, balance: Money, tenders: &[Tender]) -> Result<(), AccountError> {
        let sum = |kind| Money::sum(tenders.iter().filter(|t| t.kind == kind).map(|t| t.amount));
        let credit_spent = sum(TenderKind::StoreCredit)?;
        let charged = sum(TenderKind::Account)?;
        if credit_spent.is_positive() {
            let available = Money(balance.as_cents().max(0));
            if credit_spent > available {
                return Err(AccountError::NotEnoughStoreCredit { available, requested: credit_spent });
            }
        }
        if charged.is_positive() {
            let left = balance.checked_sub(credit_spent.max(Money::ZERO))?;
            let available = self.available(left);
            if charged > available {
                return Err(AccountError::CreditLimitExceeded { available, requested: charged });
            }
        }
        Ok(())
    }
}

/// A payment on account at a register: it pays down the balance and goes in the drawer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct AccountPayment {
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_ID_LEN)))]
    pub id: String,
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_ID_LEN)))]
    pub customer_id: String,
    #[cfg_attr(feature = "openapi", schemars(length(max = crate::limits::MAX_ID_LEN)))]
    pub register_id: String,
    #[cfg_attr(feature = "openapi", schemars(length(max = crate::limits::MAX_ID_LEN)))]
    pub outlet_id: String,
    #[cfg_attr(feature = "openapi", schemars(length(max = crate::limits::MAX_ID_LEN)))]
    pub reference: String,
    #[cfg_attr(feature = "openapi", schemars(range(min = 0, max = crate::limits::MAX_TIME_MS)))]
    pub created_at_ms: i64,
    /// Credited to the account.
    #[cfg_attr(feature = "openapi", schemars(range(min = 1, max = crate::limits::MAX_AMOUNT.as_cents())))]
    pub amount: Money,
    /// How it was paid (cash rounded to 0,05 $, card exact).
    #[cfg_attr(feature = "openapi", schemars(length(max = crate::limits::MAX_PARTS)))]
    pub tenders: Vec<Tender>,
}

impl AccountPayment {
    pub fn verify(&self) -> Result<(), AccountError> {
        if !self.amount.is_positive() {
            return Err(AccountError::PaymentNotPositive { amount: self.amount });
        }
        if self.tenders.iter().any(|t| !matches!(t.kind, TenderKind::Cash | TenderKind::Card)) {
            return Err(AccountError::PaymentTender);
        }
        verify_tenders(&self.tenders, self.amount).map_err(AccountError::Tenders)
    }

    pub fn entry(&self) -> AccountEntry {
        AccountEntry {
            customer_id: self.customer_id.clone(),
            at_ms: self.created_at_ms,
            kind: EntryKind::Payment,
            reference: self.reference.clone(),
            amount: self.amount,
        }
    }
}

/// One line of a month-end statement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct StatementLine {
    pub at_ms: i64,
    pub kind: EntryKind,
    pub reference: String,
    pub amount: Money,
    /// The balance after this line.
    pub balance: Money,
}

/// The month-end statement ("relevé mensuel"): opening balance, each charge and payment, closing balance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Statement {
    pub customer_id: String,
    pub period: Period,
    pub opening_balance: Money,
    pub lines: Vec<StatementLine>,
    /// Sum of the charges (negative: what was bought on account, net of refunds).
    pub charges: Money,
    /// Sum of the payments on account.
    pub payments: Money,
    /// Sum of the store credit given less spent.
    pub store_credit: Money,
    pub closing_balance: Money,
}

/// The columns of a statement exported as CSV (`GET /customers/{id}/statement.csv`).
pub const STATEMENT_COLUMNS: [&str; 5] = ["date", "kind", "reference", "amount", "balance"];

/// A statement as CSV records: its opening balance, each line with the balance after it, its closing
/// balance. Amounts as files write them (`-12.34`, like the catalog's prices); `local` writes a time in
/// the statement's time zone.
pub fn statement_records(s: &Statement, local: impl Fn(i64) -> String) -> Vec<[String; 5]> {
    let money = crate::catalog::edit::price_text;
    let mut rows = Vec::with_capacity(s.lines.len() + 2);
    rows.push([local(s.period.from_ms), "opening_balance".into(), String::new(), String::new(), money(s.opening_balance)]);
    for l in &s.lines {
        let kind: &str = l.kind.into();
        rows.push([local(l.at_ms), kind.into(), l.reference.clone(), money(l.amount), money(l.balance)]);
    }
    rows.push([local(s.period.to_ms - 1), "closing_balance".into(), String::new(), String::new(), money(s.closing_balance)]);
    rows
}

/// The statement of `customer_id` for `period`, from all their entries (any order).
pub fn statement(customer_id: &str, entries: &[AccountEntry], period: Period) -> Result<Statement, Overflow> {
    let mine: Vec<&AccountEntry> = entries.iter().filter(|e| e.customer_id == customer_id).collect();
    let opening = Money::sum(mine.iter().filter(|e| e.at_ms < period.from_ms).map(|e| e.amount))?;
    let mut within: Vec<&AccountEntry> = mine.into_iter().filter(|e| period.contains(e.at_ms)).collect();
    within.sort_by_key(|e| e.at_ms);
    let mut running = opening;
    let mut lines = Vec::with_capacity(within.len());
    let (mut charges, mut payments, mut store_credit) = (Money::ZERO, Money::ZERO, Money::ZERO);
    for e in within {
        running = running.checked_add(e.amount)?;
        let total = match e.kind {
            EntryKind::Charge => &mut charges,
            EntryKind::Payment => &mut payments,
            EntryKind::StoreCredit => &mut store_credit,
        };
        *total = total.checked_add(e.amount)?;
        lines.push(StatementLine {
            at_ms: e.at_ms,
            kind: e.kind,
            reference: e.reference.clone(),
            amount: e.amount,
            balance: running,
        });
    }
    Ok(Statement {
        customer_id: customer_id.to_string(),
        period,
        opening_balance: opening,
        lines,
        charges,
        payments,
        store_credit,
        closing_balance: running,
    })
}

/// The same statement from the balance now and only the entries made from the period's start on
/// (`since`, any order): what the server reads, so that a statement's cost does not grow with the
/// account's history. The opening balance is the balance now less what moved it since.
pub fn statement_from_balance(customer_id: &str, balance_now: Money, since: &[AccountEntry], period: Period) -> Result<Statement, Overflow> {
    let moved = Money::sum(since.iter().filter(|e| e.customer_id == customer_id && e.at_ms >= period.from_ms).map(|e| e.amount))?;
    let opening = balance_now.checked_sub(moved)?;
    let mut s = statement(customer_id, since, period)?;
    s.opening_balance = opening;
    let mut running = opening;
    for line in &mut s.lines {
        running = running.checked_add(line.amount)?;
        line.balance = running;
    }
    s.closing_balance = running;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sale::{settle_cash, tests::product, Cart, SaleHeader};
    use crate::tax::{TaxClass, TaxRates};
    use proptest::prelude::*;

    fn account(limit: i64) -> CustomerAccount {
        CustomerAccount { customer_id: "c1".into(), credit_limit: Money(limit), automatic_discount_bp: 0 }
    }

    fn entry(at_ms: i64, kind: EntryKind, amount: i64) -> AccountEntry {
        AccountEntry { customer_id: "c1".into(), at_ms, kind, reference: format!("R{at_ms}"), amount: Money(amount) }
    }

    #[test]
    fn a_sale_on_account_beyond_the_credit_limit_says_what_is_still_available() {
        let a = account(50_000);
        let balance = Money(-48_766); // owes 487,66 $ of a 500,00 $ limit
        let e = a.check_tenders(balance, &[Tender::exact(TenderKind::Account, Money(2000))]).unwrap_err();
        assert_eq!(e, AccountError::CreditLimitExceeded { available: Money(1234), requested: Money(2000) });
        assert_eq!(e.to_string(), "credit limit exceeded: 12,34\u{a0}$ still available");
        assert_eq!(e.code(), "credit_limit_exceeded");
        assert_eq!(a.check_tenders(balance, &[Tender::exact(TenderKind::Account, Money(1234))]), Ok(()));
    }

    #[test]
    fn store_credit_on_the_account_counts_before_the_overdraft() {
        let a = account(1000);
        // 5,00 $ of store credit and a 10,00 $ limit: 15,00 $ on account.
        assert_eq!(a.check_tenders(Money(500), &[Tender::exact(TenderKind::Account, Money(1500))]), Ok(()));
        assert!(a.check_tenders(Money(500), &[Tender::exact(TenderKind::Account, Money(1501))]).is_err());
        // Spending the credit first leaves the limit.
        let both =
            [Tender::exact(TenderKind::StoreCredit, Money(500)), Tender::exact(TenderKind::Account, Money(1001))];
        assert_eq!(a.check_tenders(Money(500), &both).unwrap_err().code(), "credit_limit_exceeded");
        let e = a.check_tenders(Money(500), &[Tender::exact(TenderKind::StoreCredit, Money(600))]).unwrap_err();
        assert_eq!(e.to_string(), "not enough store credit: 5,00\u{a0}$ available");
    }

    #[test]
    fn a_refund_to_the_account_always_passes() {
        assert_eq!(
            account(0).check_tenders(Money(-100_000), &[Tender::exact(TenderKind::Account, Money(-500))]),
            Ok(())
        );
    }

    #[test]
    fn a_sale_on_account_and_a_store_credit_refund_move_the_balance() {
        let mut cart = Cart { customer_id: Some("c1".into()), ..Cart::default() };
        cart.add(&product("shirt", 2999, TaxClass::Taxable));
        let total = cart.totals(&TaxRates::QUEBEC).unwrap().total;
        let header = SaleHeader { id: "s1".into(), seq: 1, receipt: "MTL1-000001".into(), ..SaleHeader::default() };
        let sale =
            Sale::from_cart(header, &cart, &TaxRates::QUEBEC, vec![Tender::exact(TenderKind::Account, total)]).unwrap();
        let entries = sale_entries(&sale).unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!((entries[0].kind, entries[0].amount), (EntryKind::Charge, Money(-total.0)));
        assert_eq!(balance("c1", &entries), Ok(Money(-total.0)));

        let mut refund = sale.clone();
        refund.tenders = vec![Tender::exact(TenderKind::StoreCredit, Money(-1000))];
        assert_eq!(sale_entries(&refund).unwrap()[0].amount, Money(1000));
    }

    #[test]
    fn a_payment_on_account_in_cash_is_rounded_in_the_drawer_but_credited_exactly() {
        let p = AccountPayment {
            customer_id: "c1".into(),
            amount: Money(4873),
            tenders: vec![settle_cash(Money(4873), Money(5000)).unwrap().tender()],
            ..AccountPayment::default()
        };
        assert_eq!(p.verify(), Ok(()));
        assert_eq!(p.entry().amount, Money(4873));
        let bad = AccountPayment { amount: Money(0), ..p.clone() };
        assert_eq!(bad.verify().unwrap_err().code(), "payment_not_positive");
        let on_account = AccountPayment { tenders: vec![Tender::exact(TenderKind::Account, Money(4873))], ..p.clone() };
        assert_eq!(on_account.verify().unwrap_err().code(), "payment_tender");
        let short = AccountPayment { tenders: vec![Tender::exact(TenderKind::Card, Money(4000))], ..p };
        assert_eq!(short.verify().unwrap_err().code(), "unpaid");
    }

    #[test]
    fn the_month_end_statement_lists_each_charge_and_payment_between_two_balances() {
        let march = Period { from_ms: 1000, to_ms: 2000 };
        let entries = vec![
            entry(1500, EntryKind::Payment, 3000),
            entry(500, EntryKind::Charge, -4000),
            entry(1200, EntryKind::Charge, -2500),
            entry(2000, EntryKind::Charge, -100), // April
            entry(1800, EntryKind::StoreCredit, 700),
            AccountEntry { customer_id: "c2".into(), ..entry(1300, EntryKind::Charge, -9999) },
        ];
        let s = statement("c1", &entries, march).unwrap();
        assert_eq!(s.opening_balance, Money(-4000));
        assert_eq!(s.lines.iter().map(|l| l.balance.0).collect::<Vec<_>>(), vec![-6500, -3500, -2800]);
        assert_eq!(
            s.lines.iter().map(|l| l.kind).collect::<Vec<_>>(),
            vec![EntryKind::Charge, EntryKind::Payment, EntryKind::StoreCredit]
        );
        assert_eq!((s.charges, s.payments, s.store_credit), (Money(-2500), Money(3000), Money(700)));
        assert_eq!(s.closing_balance, Money(-2800));

        // As CSV records: opening, each line with its balance, closing — amounts as files write them.
        let rows = statement_records(&s, |ms| format!("t{ms}"));
        assert_eq!(rows.len(), 5);
        assert_eq!(rows[0], ["t1000", "opening_balance", "", "", "-40.00"].map(String::from));
        assert_eq!((rows[1][1].as_str(), rows[1][3].as_str(), rows[1][4].as_str()), ("charge", "-25.00", "-65.00"));
        assert_eq!((rows[3][1].as_str(), rows[3][3].as_str()), ("store_credit", "7.00"));
        assert_eq!(rows[4], ["t1999", "closing_balance", "", "", "-28.00"].map(String::from));
    }

    #[test]
    fn an_account_with_a_discount_gives_it_automatically() {
        let a = CustomerAccount { automatic_discount_bp: 750, ..account(0) };
        assert_eq!(a.automatic_discount(), Some(Discount::percent(750).because(DiscountReason::Automatic)));
        assert_eq!(account(0).automatic_discount(), None);
    }

    #[test]
    fn two_offline_registers_can_overrun_the_limit_and_it_shows() {
        assert!(account(1000).is_over_limit(Money(-1001)));
        assert!(!account(1000).is_over_limit(Money(-1000)));
    }

    proptest! {
        #[test]
        fn a_statement_closes_on_the_opening_balance_plus_its_lines(
            moves in prop::collection::vec((0i64..100, -100_000i64..100_000), 0..40),
            from in 0i64..100, len in 0i64..100,
        ) {
            let entries: Vec<AccountEntry> = moves.iter().map(|(at, a)| entry(*at, EntryKind::Charge, *a)).collect();
            let s = statement("c1", &entries, Period { from_ms: from, to_ms: from + len }).unwrap();
            let sum: i64 = s.lines.iter().map(|l| l.amount.0).sum();
            prop_assert_eq!(s.closing_balance.0, s.opening_balance.0 + sum);
            let before: i64 = entries.iter().filter(|e| e.at_ms < from + len).map(|e| e.amount.0).sum();
            prop_assert_eq!(s.closing_balance.0, before);
        }

        #[test]
        fn a_statement_from_the_balance_now_and_the_entries_since_equals_one_from_all_history(
            moves in prop::collection::vec((0i64..100, -100_000i64..100_000), 0..40),
            from in 0i64..100, len in 0i64..100,
        ) {
            let entries: Vec<AccountEntry> = moves.iter().map(|(at, a)| entry(*at, EntryKind::Charge, *a)).collect();
            let period = Period { from_ms: from, to_ms: from + len };
            let now = balance("c1", &entries).unwrap();
            let since: Vec<AccountEntry> = entries.iter().filter(|e| e.at_ms >= from).cloned().collect();
            prop_assert_eq!(statement_from_balance("c1", now, &since, period).unwrap(), statement("c1", &entries, period).unwrap());
        }

        #[test]
        fn the_credit_check_never_panics_and_never_lets_the_balance_below_the_limit(
            limit in any::<i64>(), bal in any::<i64>(), charge in any::<i64>(), credit in any::<i64>(),
        ) {
            let a = account(limit);
            let tenders = [Tender::exact(TenderKind::StoreCredit, Money(credit)), Tender::exact(TenderKind::Account, Money(charge))];
            if a.check_tenders(Money(bal), &tenders).is_ok() && charge > 0 && limit >= 0 {
                let after = i128::from(bal) - i128::from(credit.max(0)) - i128::from(charge);
                prop_assert!(after >= -i128::from(limit));
            }
        }
    }
}
