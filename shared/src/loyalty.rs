//! Loyalty (seed 003): points per product, and visits.
//!
//! A customer's balance is a sum over their sales, like stock is a sum of movements: each sale adds
//! its lines' loyalty points (a returned item takes its points back) and one visit when it sells
//! something, and subtracts the rewards given in it. When a balance reaches its threshold the register
//! shows "récompense due"; the cashier applies the reward by hand (a discount or a free item), which
//! deducts one threshold. Shops that prefer the "Passage" article can still sell a product worth one
//! point; the visit count needs no article.
//!
//! Points and visits are counts, not money: they saturate at the limits of `i64` rather than fail.

use crate::sale::{DiscountError, DiscountRule, Sale};
use serde::{Deserialize, Serialize};

/// A shop's loyalty card. A threshold of zero turns that kind of loyalty off.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct LoyaltyProgram {
    /// Points that earn a reward.
    #[serde(default)]
    pub points_threshold: u32,
    /// Visits (sales) that earn a reward: visit loyalty.
    #[serde(default)]
    pub visit_threshold: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub enum RewardKind {
    Points,
    Visits,
}

/// A reward given in a sale: `units` points or visits deducted from the customer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Redemption {
    pub kind: RewardKind,
    #[cfg_attr(feature = "openapi", schemars(range(min = 1, max = crate::limits::MAX_POINTS)))]
    pub units: u32,
}

/// How the cashier gives the reward.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reward {
    /// A discount on the sale.
    Discount(DiscountRule),
    /// One unit of the line at this index (from 0) free.
    FreeItem { line: usize },
}

/// A customer's loyalty points and visits. Negative only when two registers gave the same reward
/// offline: a conflict for a manager, see [`LoyaltyBalance::is_overdrawn`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct LoyaltyBalance {
    pub points: i64,
    pub visits: i64,
}

/// "Récompense due": the alert the register shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct RewardDue {
    pub kind: RewardKind,
    pub balance: i64,
    pub threshold: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LoyaltyError {
    #[error("{} loyalty is off", kind_text(*kind))]
    Off { kind: RewardKind },
    #[error("no reward due yet: {have} of {need} {}", kind_text(*kind))]
    NotDue { kind: RewardKind, have: i64, need: u32 },
    #[error("a loyalty reward needs a customer")]
    NoCustomer,
    #[error("line {line} cannot be given free: it is not a sold item")]
    NotFreeable { line: usize },
    #[error("line {line} already has a discount")]
    AlreadyDiscounted { line: usize },
    #[error(transparent)]
    Discount(#[from] DiscountError),
}

fn kind_text(kind: RewardKind) -> &'static str {
    match kind {
        RewardKind::Points => "points",
        RewardKind::Visits => "visits",
    }
}

impl LoyaltyError {
    pub fn code(&self) -> &'static str {
        match self {
            LoyaltyError::Off { .. } => "loyalty_off",
            LoyaltyError::NotDue { .. } => "reward_not_due",
            LoyaltyError::NoCustomer => "no_customer",
            LoyaltyError::NotFreeable { .. } => "not_freeable",
            LoyaltyError::AlreadyDiscounted { .. } => "already_discounted",
            LoyaltyError::Discount(e) => e.code(),
        }
    }
}

impl LoyaltyBalance {
    /// What one sale changes: points earned (less returned), one visit if it sold something to a
    /// customer, less the rewards given in it.
    pub fn change(sale: &Sale) -> LoyaltyBalance {
        if sale.customer_id.is_none() {
            return LoyaltyBalance::default();
        }
        let visit = i64::from(sale.lines.iter().any(|l| l.qty > 0 && l.return_of.is_none()));
        let spent = |kind| {
            sale.redemptions.iter().filter(|r| r.kind == kind).fold(0i64, |a, r| a.saturating_add(i64::from(r.units)))
        };
        LoyaltyBalance {
            points: sale.loyalty_points().saturating_sub(spent(RewardKind::Points)),
            visits: visit.saturating_sub(spent(RewardKind::Visits)),
        }
    }

    /// The balance after `sale`.
    pub fn after(self, sale: &Sale) -> LoyaltyBalance {
        let c = LoyaltyBalance::change(sale);
        LoyaltyBalance { points: self.points.saturating_add(c.points), visits: self.visits.saturating_add(c.visits) }
    }

    /// A customer's balance from their sales (others are ignored).
    pub fn of(customer_id: &str, sales: &[Sale]) -> LoyaltyBalance {
        sales
            .iter()
            .filter(|s| s.customer_id.as_deref() == Some(customer_id))
            .fold(LoyaltyBalance::default(), LoyaltyBalance::after)
    }

    fn get(&self, kind: RewardKind) -> i64 {
        match kind {
            RewardKind::Points => self.points,
            RewardKind::Visits => self.visits,
        }
    }

    /// More rewards given than earned (two registers redeemed the same reward offline).
    pub fn is_overdrawn(&self) -> bool {
        self.points < 0 || self.visits < 0
    }
}

impl LoyaltyProgram {
    fn threshold(&self, kind: RewardKind) -> u32 {
        match kind {
            RewardKind::Points => self.points_threshold,
            RewardKind::Visits => self.visit_threshold,
        }
    }

    /// The rewards the customer is due now: the "récompense due" alert.
    pub fn rewards_due(&self, balance: &LoyaltyBalance) -> Vec<RewardDue> {
        [RewardKind::Points, RewardKind::Visits]
            .into_iter()
            .filter_map(|kind| {
                let threshold = self.threshold(kind);
                let have = balance.get(kind);
                (threshold > 0 && have >= i64::from(threshold)).then_some(RewardDue { kind, balance: have, threshold })
            })
            .collect()
    }

    /// One reward of `kind`, deducting one threshold, if it is due. Apply it with
    /// [`crate::sale::Cart::apply_reward`].
    pub fn redeem(&self, balance: &LoyaltyBalance, kind: RewardKind) -> Result<Redemption, LoyaltyError> {
        let need = self.threshold(kind);
        if need == 0 {
            return Err(LoyaltyError::Off { kind });
        }
        let have = balance.get(kind);
        if have < i64::from(need) {
            return Err(LoyaltyError::NotDue { kind, have, need });
        }
        Ok(Redemption { kind, units: need })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Money;
    use crate::sale::tests::product;
    use crate::sale::{plan_return, refund_tenders, Cart, RefundMethod, ReturnPick, SaleHeader, Tender, TenderKind};
    use crate::tax::{TaxClass, TaxRates};
    use proptest::prelude::*;

    const CARD: LoyaltyProgram = LoyaltyProgram { points_threshold: 100, visit_threshold: 10 };

    fn sell(seq: u64, cart: &Cart) -> Sale {
        let total = cart.totals(&TaxRates::QUEBEC).unwrap().total;
        let tenders = if total.is_negative() {
            refund_tenders(total, RefundMethod::Cash, None).unwrap()
        } else {
            vec![Tender::exact(TenderKind::Card, total)]
        };
        let header =
            SaleHeader { id: format!("s{seq}"), seq, receipt: format!("MTL1-{seq:06}"), ..SaleHeader::default() };
        Sale::from_cart(header, cart, &TaxRates::QUEBEC, tenders).unwrap()
    }

    fn customer_cart() -> Cart {
        Cart { customer_id: Some("c1".into()), ..Cart::default() }
    }

    #[test]
    fn points_accumulate_per_product_and_a_return_takes_them_back() {
        let mut cart = customer_cart();
        let i = cart.add_with_points(&product("coffee", 1299, TaxClass::ZeroRated), 30);
        cart.set_qty(i, 2);
        let first = sell(1, &cart);
        assert_eq!(LoyaltyBalance::change(&first), LoyaltyBalance { points: 60, visits: 1 });
        let mut back = customer_cart();
        back.add_returns(plan_return(&first, &[], &[ReturnPick { line: 0, qty: 1 }]).unwrap());
        let returned = sell(2, &back);
        // A return alone is not a visit.
        assert_eq!(LoyaltyBalance::change(&returned), LoyaltyBalance { points: -30, visits: 0 });
        assert_eq!(LoyaltyBalance::of("c1", &[first, returned]), LoyaltyBalance { points: 30, visits: 1 });
    }

    #[test]
    fn a_sale_without_a_customer_earns_nothing() {
        let mut cart = Cart::default();
        cart.add_with_points(&product("coffee", 1299, TaxClass::ZeroRated), 30);
        assert_eq!(LoyaltyBalance::change(&sell(1, &cart)), LoyaltyBalance::default());
    }

    #[test]
    fn reaching_the_threshold_shows_recompense_due() {
        assert_eq!(CARD.rewards_due(&LoyaltyBalance { points: 99, visits: 9 }), vec![]);
        assert_eq!(
            CARD.rewards_due(&LoyaltyBalance { points: 120, visits: 10 }),
            vec![
                RewardDue { kind: RewardKind::Points, balance: 120, threshold: 100 },
                RewardDue { kind: RewardKind::Visits, balance: 10, threshold: 10 },
            ]
        );
        assert_eq!(LoyaltyProgram::default().rewards_due(&LoyaltyBalance { points: 1000, visits: 1000 }), vec![]);
    }

    #[test]
    fn visit_loyalty_counts_every_sale_without_a_passage_article() {
        let mut sales = Vec::new();
        for seq in 1..=10 {
            let mut cart = customer_cart();
            cart.add(&product("bread", 350, TaxClass::ZeroRated));
            sales.push(sell(seq, &cart));
        }
        let balance = LoyaltyBalance::of("c1", &sales);
        assert_eq!(balance.visits, 10);
        assert_eq!(CARD.rewards_due(&balance)[0].kind, RewardKind::Visits);
    }

    #[test]
    fn the_cashier_gives_a_free_item_and_the_points_are_deducted() {
        let balance = LoyaltyBalance { points: 130, visits: 0 };
        let redemption = CARD.redeem(&balance, RewardKind::Points).unwrap();
        let mut cart = customer_cart();
        let i = cart.add(&product("coffee", 1299, TaxClass::ZeroRated));
        cart.set_qty(i, 2);
        cart.apply_reward(redemption, Reward::FreeItem { line: 0 }).unwrap();
        let sale = sell(1, &cart);
        assert_eq!(sale.totals.total, Money(1299));
        assert_eq!(balance.after(&sale), LoyaltyBalance { points: 30, visits: 1 });
    }

    #[test]
    fn the_cashier_gives_a_discount_reward() {
        let balance = LoyaltyBalance { points: 0, visits: 12 };
        let redemption = CARD.redeem(&balance, RewardKind::Visits).unwrap();
        let mut cart = customer_cart();
        cart.add(&product("shirt", 2999, TaxClass::Taxable));
        cart.apply_reward(redemption, Reward::Discount(DiscountRule::Amount { amount: Money(500) })).unwrap();
        let sale = sell(1, &cart);
        assert_eq!(sale.totals.discount, Money(500));
        // The visit of this sale counts too: 12 − 10 + 1.
        assert_eq!(balance.after(&sale).visits, 3);
    }

    #[test]
    fn a_reward_not_yet_due_is_refused_with_the_count() {
        let e = CARD.redeem(&LoyaltyBalance { points: 80, visits: 0 }, RewardKind::Points).unwrap_err();
        assert_eq!(e.code(), "reward_not_due");
        assert_eq!(e.to_string(), "no reward due yet: 80 of 100 points");
        assert_eq!(
            LoyaltyProgram::default().redeem(&LoyaltyBalance::default(), RewardKind::Visits).unwrap_err().code(),
            "loyalty_off"
        );
    }

    #[test]
    fn a_reward_needs_a_customer_and_a_sold_item() {
        let r = Redemption { kind: RewardKind::Points, units: 100 };
        let mut cart = Cart::default();
        cart.add(&product("coffee", 1299, TaxClass::ZeroRated));
        assert_eq!(cart.apply_reward(r, Reward::FreeItem { line: 0 }), Err(LoyaltyError::NoCustomer));
        cart.customer_id = Some("c1".into());
        cart.add_return(&product("tea", 500, TaxClass::ZeroRated));
        assert_eq!(cart.apply_reward(r, Reward::FreeItem { line: 1 }), Err(LoyaltyError::NotFreeable { line: 2 }));
        assert_eq!(cart.apply_reward(r, Reward::FreeItem { line: 5 }).unwrap_err().code(), "no_such_line");
        cart.apply_reward(r, Reward::FreeItem { line: 0 }).unwrap();
        assert_eq!(
            cart.apply_reward(r, Reward::FreeItem { line: 0 }),
            Err(LoyaltyError::AlreadyDiscounted { line: 1 })
        );
        assert_eq!(cart.redemptions.len(), 1);
    }

    #[test]
    fn a_reward_redeemed_twice_offline_shows_as_overdrawn() {
        let b = LoyaltyBalance { points: 100, visits: 0 };
        let r = CARD.redeem(&b, RewardKind::Points).unwrap();
        let mut cart = customer_cart();
        cart.add(&product("coffee", 1299, TaxClass::ZeroRated));
        cart.apply_reward(r, Reward::Discount(DiscountRule::Percent { bp: 1000 })).unwrap();
        let a = sell(1, &cart);
        let twice = b.after(&a).after(&a);
        assert!(twice.is_overdrawn());
    }

    proptest! {
        #[test]
        fn balances_never_panic(points in any::<u32>(), qty in any::<i64>(), units in any::<u32>()) {
            let mut sale = Sale { customer_id: Some("c".into()), ..Sale::default() };
            sale.lines.push(crate::sale::SaleLine { qty, loyalty_points: points, ..Default::default() });
            sale.redemptions.push(Redemption { kind: RewardKind::Points, units });
            let b = LoyaltyBalance { points: i64::MAX, visits: i64::MIN }.after(&sale);
            let _ = CARD.rewards_due(&b);
            let _ = CARD.redeem(&b, RewardKind::Visits);
        }
    }
}
