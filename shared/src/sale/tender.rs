//! How a sale is paid. Cash is rounded to the nearest 0,05 $ (Canada has no pennies); other tenders are exact.

use super::SaleError;
use crate::money::{Money, Overflow};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub enum TenderKind {
    Cash,
    /// Paid on the card terminal, which is outside Comptoir: the register records the amount.
    Card,
    /// Charged to the customer account, up to its credit limit (see [`crate::account`]).
    Account,
    /// Paid from the customer's store credit; a negative amount puts a refund on it as store credit.
    StoreCredit,
    /// Paid on an e-commerce platform (an online order's sale): recorded, never charged by Comptoir. The
    /// processor's name is in [`Tender::processor`]. Never offered at the register's pay dialog.
    Online,
}

impl TenderKind {
    pub const ALL: [TenderKind; 5] =
        [TenderKind::Cash, TenderKind::Card, TenderKind::Account, TenderKind::StoreCredit, TenderKind::Online];
    /// What a cashier may choose at the register's pay dialog.
    pub const AT_REGISTER: [TenderKind; 4] =
        [TenderKind::Cash, TenderKind::Card, TenderKind::Account, TenderKind::StoreCredit];
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Tender {
    pub kind: TenderKind,
    /// What this tender pays of the sale (for cash: after rounding).
    pub amount: Money,
    /// What the customer handed over (cash); equals `amount` for other tenders.
    pub tendered: Money,
    /// Given back: `tendered − amount`.
    pub change: Money,
    /// The payment processor or method that took the money (online orders: "shopify_payments",
    /// "Stripe"…), shown in sales history and payment reports (seed 004).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schemars(length(max = crate::limits::MAX_TEXT_LEN)))]
    pub processor: Option<String>,
}

impl Tender {
    /// A tender that pays exactly `amount` with no change: card, account, store credit.
    /// (Cash goes through [`settle_cash`], which rounds.)
    pub fn exact(kind: TenderKind, amount: Money) -> Tender {
        Tender { kind, amount, tendered: amount, change: Money::ZERO, processor: None }
    }
}

/// What is left to pay of `total` after `tenders`, before any cash rounding (negative: paid too much,
/// or for a refund, still to give back). Pay the rest in cash with [`settle_cash`].
pub fn amount_due(total: Money, tenders: &[Tender]) -> Result<Money, Overflow> {
    total.checked_sub(Money::sum(tenders.iter().map(|t| t.amount))?)
}

/// Nearest multiple of 5 ¢: 1–2 ¢ down, 3–4 ¢ up, 6–7 ¢ down, 8–9 ¢ up. Symmetric for refunds.
pub fn round_cash(amount: Money) -> Money {
    let c = amount.as_cents();
    let abs = c.unsigned_abs();
    let rounded = (abs + 2) / 5 * 5;
    // `rounded` ≤ |i64::MIN| + 2 rounded down to a multiple of 5, which fits back for every i64 but the last few.
    let r = i64::try_from(rounded).unwrap_or(i64::MAX / 5 * 5);
    Money(if c < 0 { -r } else { r })
}

/// The outcome of paying a total in cash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CashSettlement {
    /// The total rounded to 0,05 $.
    pub due: Money,
    /// `due − total` (between −2 ¢ and +2 ¢).
    pub rounding: Money,
    pub tendered: Money,
    pub change: Money,
}

impl CashSettlement {
    pub fn tender(&self) -> Tender {
        Tender { kind: TenderKind::Cash, amount: self.due, tendered: self.tendered, change: self.change, processor: None }
    }
}

/// Pays `total` with `tendered` cash, or says how much is still missing.
/// For a refund (negative total) in cash, tender nothing: the change is what the customer gets back.
pub fn settle_cash(total: Money, tendered: Money) -> Result<CashSettlement, SaleError> {
    let due = round_cash(total);
    if tendered < due {
        return Err(SaleError::Unpaid { paid: tendered, due });
    }
    Ok(CashSettlement {
        due,
        rounding: due.checked_sub(total)?,
        tendered,
        change: tendered.checked_sub(due)?,
    })
}

/// Tenders must pay the total exactly (the cash part of it rounded to 0,05 $), and every change must add up.
/// A sale is complete only when this holds.
pub fn verify_tenders(tenders: &[Tender], total: Money) -> Result<(), SaleError> {
    let mut non_cash = Money::ZERO;
    let mut cash = Money::ZERO;
    let mut has_cash = false;
    for t in tenders {
        if t.kind == TenderKind::Cash {
            has_cash = true;
            cash = cash.checked_add(t.amount)?;
            if t.tendered.checked_sub(t.amount)? != t.change || t.change.is_negative() {
                return Err(SaleError::CashMismatch(format!(
                    "handed {} for {} but change is {}",
                    t.tendered, t.amount, t.change
                )));
            }
        } else {
            if t.tendered != t.amount || t.change != Money::ZERO {
                return Err(SaleError::CashMismatch("only cash gives change".into()));
            }
            non_cash = non_cash.checked_add(t.amount)?;
        }
    }
    let due = if has_cash { non_cash.checked_add(round_cash(total.checked_sub(non_cash)?))? } else { total };
    let paid = non_cash.checked_add(cash)?;
    if paid != due {
        return Err(SaleError::Unpaid { paid, due });
    }
    Ok(())
}

/// Whether the cash drawer opens for these tenders: cash taken in, given back as change, or refunded.
/// A sale paid only by card, on account or with store credit leaves it shut.
pub fn opens_drawer(tenders: &[Tender]) -> bool {
    tenders.iter().any(|t| t.kind == TenderKind::Cash && (t.amount.as_cents() != 0 || t.tendered.as_cents() != 0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn cash_rounding_table() {
        let expect = [(0, 0), (1, 0), (2, 0), (3, 5), (4, 5), (5, 5), (6, 5), (7, 5), (8, 10), (9, 10)];
        for (cents, rounded) in expect {
            assert_eq!(round_cash(Money(1000 + cents)), Money(1000 + rounded), "{cents}");
            assert_eq!(round_cash(Money(-1000 - cents)), Money(-1000 - rounded), "-{cents}");
        }
    }

    #[test]
    fn change_is_given_on_the_rounded_total() {
        let s = settle_cash(Money(5173), Money(6000)).unwrap();
        assert_eq!(s.due, Money(5175));
        assert_eq!(s.rounding, Money(2));
        assert_eq!(s.change, Money(825));
        assert_eq!(verify_tenders(&[s.tender()], Money(5173)), Ok(()));
    }

    #[test]
    fn too_little_cash_says_what_is_due() {
        assert_eq!(
            settle_cash(Money(5173), Money(5000)),
            Err(SaleError::Unpaid { paid: Money(5000), due: Money(5175) })
        );
    }

    #[test]
    fn card_pays_exactly_and_cash_the_rounded_rest() {
        let card = Tender { kind: TenderKind::Card, amount: Money(1000), tendered: Money(1000), change: Money::ZERO, processor: None };
        let cash = settle_cash(Money(4173), Money(5000)).unwrap().tender(); // 41,73 → 41,75
        assert_eq!(verify_tenders(&[card.clone(), cash], Money(5173)), Ok(()));
        assert!(verify_tenders(&[card], Money(5173)).is_err());
    }

    #[test]
    fn a_cash_refund_gives_the_rounded_amount_back_as_change() {
        let s = settle_cash(Money(-5173), Money::ZERO).unwrap();
        assert_eq!(s.due, Money(-5175));
        assert_eq!(s.change, Money(5175));
        assert_eq!(verify_tenders(&[s.tender()], Money(-5173)), Ok(()));
    }

    #[test]
    fn several_tenders_pay_one_sale_and_the_last_one_is_cash() {
        let total = Money(10_000);
        let mut tenders = vec![Tender::exact(TenderKind::StoreCredit, Money(2_000)), Tender::exact(TenderKind::Card, Money(5_000))];
        assert!(verify_tenders(&tenders, total).is_err());
        let rest = amount_due(total, &tenders).unwrap();
        assert_eq!(rest, Money(3_000));
        tenders.push(settle_cash(rest, Money(5_000)).unwrap().tender());
        assert_eq!(verify_tenders(&tenders, total), Ok(()));
        assert_eq!(tenders[2].change, Money(2_000));
    }

    #[test]
    fn a_card_cannot_give_change_nor_pay_more_than_the_total() {
        let card = Tender { kind: TenderKind::Card, amount: Money(1000), tendered: Money(2000), change: Money(1000), processor: None };
        assert_eq!(verify_tenders(&[card], Money(1000)).unwrap_err().code(), "cash_mismatch");
        assert_eq!(
            verify_tenders(&[Tender::exact(TenderKind::Card, Money(1200))], Money(1000)),
            Err(SaleError::Unpaid { paid: Money(1200), due: Money(1000) })
        );
    }

    proptest! {
        #[test]
        fn cash_rounding_matches_the_five_cent_table(c in -1_000_000_000_000i64..1_000_000_000_000) {
            // By the last digit: 0→0, 1→0, 2→0, 3→5, 4→5, 5→5, 6→5, 7→5, 8→10, 9→10 (mirrored below zero).
            const TABLE: [i64; 10] = [0, 0, 0, 5, 5, 5, 5, 5, 10, 10];
            let abs = c.abs();
            let expect = abs / 10 * 10 + TABLE[(abs % 10) as usize];
            prop_assert_eq!(round_cash(Money(c)), Money(if c < 0 { -expect } else { expect }));
        }

        #[test]
        fn cash_change_is_never_negative_and_pays_the_rounded_total(total in -10_000_000i64..10_000_000, extra in 0i64..100_000) {
            let due = round_cash(Money(total));
            let s = settle_cash(Money(total), Money(due.0.max(0) + extra)).unwrap();
            prop_assert!(!s.change.is_negative());
            prop_assert_eq!(verify_tenders(&[s.tender()], Money(total)), Ok(()));
        }

        #[test]
        fn rounding_moves_at_most_two_cents_to_a_multiple_of_five(c in -1_000_000_000i64..1_000_000_000) {
            let r = round_cash(Money(c)).0;
            prop_assert_eq!(r % 5, 0);
            prop_assert!((r - c).abs() <= 2);
        }
    }

    #[test]
    fn the_drawer_opens_for_cash_in_or_out_and_only_for_cash() {
        let cash = |a: i64| Tender { kind: TenderKind::Cash, amount: Money(a), tendered: Money(a), change: Money::ZERO, processor: None };
        assert!(opens_drawer(&[Tender::exact(TenderKind::Card, Money(500)), cash(505)]));
        assert!(opens_drawer(&[cash(-1_000)]), "a cash refund");
        assert!(!opens_drawer(&[Tender::exact(TenderKind::Card, Money(500))]));
        assert!(!opens_drawer(&[Tender::exact(TenderKind::Account, Money(500)), Tender::exact(TenderKind::StoreCredit, Money(5))]));
        assert!(!opens_drawer(&[]));
    }
}
