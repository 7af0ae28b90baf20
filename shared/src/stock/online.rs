//! Online stock (seed 002): the outlets chosen to sell online pool their stock, and the platform is told
//! the sum of what each of them has available — never less than zero per outlet, so one outlet's
//! oversold count does not hide another outlet's real units. Recomputed after every movement.

use super::ledger::{Ledger, Movement};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Which outlets offer their stock online, in priority order (the order online orders are allocated in).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnlineStockSettings {
    outlet_ids: Vec<String>,
}

impl OnlineStockSettings {
    /// The outlet of the register that takes e-commerce orders is always included (seed 002: to leave it
    /// out, pick another register for orders); it goes first when `chosen` does not list it.
    /// Duplicates are dropped, keeping the first.
    pub fn new(orders_outlet_id: &str, chosen: &[&str]) -> OnlineStockSettings {
        let mut outlet_ids: Vec<String> = Vec::new();
        if !chosen.contains(&orders_outlet_id) {
            outlet_ids.push(orders_outlet_id.into());
        }
        for id in chosen {
            if !outlet_ids.iter().any(|o| o == id) {
                outlet_ids.push((*id).into());
            }
        }
        OnlineStockSettings { outlet_ids }
    }

    /// In priority order.
    pub fn outlet_ids(&self) -> &[String] {
        &self.outlet_ids
    }

    pub fn includes(&self, outlet_id: &str) -> bool {
        self.outlet_ids.iter().any(|o| o == outlet_id)
    }
}

/// The quantity to publish for one product.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnlineStockLevel {
    pub product_id: String,
    pub quantity: i64,
}

/// Σ over the online outlets of max(level, 0).
pub fn online_stock(ledger: &Ledger, product_id: &str, settings: &OnlineStockSettings) -> i64 {
    online_quantity(settings, |o| ledger.level(product_id, o))
}

/// The same from maintained levels (the server's `stock_levels`): `level_of(outlet)` is a product's
/// level there (0 when it has none).
pub fn online_quantity(settings: &OnlineStockSettings, level_of: impl Fn(&str) -> i64) -> i64 {
    settings.outlet_ids.iter().map(|o| level_of(o).max(0)).fold(0i64, i64::saturating_add)
}

/// After `movements` were recorded in `ledger`: the new online quantity of every product they touched at
/// an online outlet, by product id. Movements at other outlets change nothing online.
pub fn online_stock_updates(
    ledger: &Ledger,
    movements: &[Movement],
    settings: &OnlineStockSettings,
) -> Vec<OnlineStockLevel> {
    let touched: BTreeSet<&str> =
        movements.iter().filter(|m| settings.includes(&m.outlet_id)).map(|m| m.product_id.as_str()).collect();
    touched
        .into_iter()
        .map(|p| OnlineStockLevel { product_id: p.into(), quantity: online_stock(ledger, p, settings) })
        .collect()
}

/// What a change of a store's online outlets (chosen, or moved with its orders register) asks of the
/// stock push: `None` when the set is unchanged (priority order does not change a sum); else every
/// product's online quantity may have changed, so the push starts again from the beginning, over the
/// new outlets and the ones that left (`pending`: those a push not yet finished still owes) — a
/// product held only at an outlet that left must be published as 0, or the store sells what it no
/// longer offers.
pub fn restart_after_outlet_change(before: &OnlineStockSettings, after: &OnlineStockSettings, pending: &[String]) -> Option<Vec<String>> {
    let old: BTreeSet<&str> = before.outlet_ids.iter().map(String::as_str).collect();
    let new: BTreeSet<&str> = after.outlet_ids.iter().map(String::as_str).collect();
    if old == new {
        return None;
    }
    let left: BTreeSet<&str> = pending.iter().map(String::as_str).chain(old.difference(&new).copied()).filter(|o| !new.contains(o)).collect();
    Some(left.into_iter().map(String::from).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stock::ledger::tests::mv;
    use crate::stock::ledger::MovementReason::*;
    use proptest::prelude::*;

    fn seed_ledger() -> Ledger {
        let mut l = Ledger::new();
        for (i, (outlet, shirts)) in [("montreal", 10), ("sherbrooke", 0), ("laval", 15)].into_iter().enumerate() {
            if shirts > 0 {
                l.record(mv(&format!("open-{i}"), "shirt", outlet, shirts, Receiving)).unwrap();
            }
        }
        l
    }

    #[test]
    fn the_orders_outlet_is_always_included_and_goes_first_when_not_chosen() {
        let s = OnlineStockSettings::new("laval", &["montreal", "sherbrooke", "montreal"]);
        assert_eq!(s.outlet_ids(), ["laval", "montreal", "sherbrooke"]);
        let s = OnlineStockSettings::new("laval", &["montreal", "laval"]);
        assert_eq!(s.outlet_ids(), ["montreal", "laval"]);
    }

    #[test]
    fn a_change_of_online_outlets_restarts_the_push_over_the_outlets_that_left_too() {
        let before = OnlineStockSettings::new("montreal", &["laval", "sherbrooke"]);
        // Same outlets in another order: the sums are the same, nothing to send again.
        assert_eq!(restart_after_outlet_change(&before, &OnlineStockSettings::new("montreal", &["sherbrooke", "laval"]), &[]), None);
        // Laval leaves: its products go again (their online quantity drops), with what was still owed.
        let after = OnlineStockSettings::new("montreal", &["sherbrooke"]);
        assert_eq!(restart_after_outlet_change(&before, &after, &["quebec".into()]), Some(vec!["laval".into(), "quebec".into()]));
        // An outlet comes back: it is no longer one that left.
        let back = OnlineStockSettings::new("montreal", &["sherbrooke", "quebec"]);
        assert_eq!(restart_after_outlet_change(&after, &back, &["laval".into(), "quebec".into()]), Some(vec!["laval".into()]));
        // The orders register moves to Laval: Laval joins, Montréal leaves.
        assert_eq!(restart_after_outlet_change(&after, &OnlineStockSettings::new("laval", &["sherbrooke"]), &[]), Some(vec!["montreal".into()]));
    }

    #[test]
    fn online_stock_is_the_sum_over_the_chosen_outlets() {
        let l = seed_ledger();
        assert_eq!(online_stock(&l, "shirt", &OnlineStockSettings::new("montreal", &["laval"])), 25);
        assert_eq!(online_stock(&l, "shirt", &OnlineStockSettings::new("montreal", &[])), 10);
        assert_eq!(online_stock(&l, "hat", &OnlineStockSettings::new("montreal", &["laval"])), 0);
    }

    #[test]
    fn an_oversold_outlet_counts_as_zero_not_less() {
        let mut l = seed_ledger();
        l.record(mv("s1", "shirt", "sherbrooke", -4, Sale)).unwrap();
        let s = OnlineStockSettings::new("montreal", &["sherbrooke", "laval"]);
        assert_eq!(online_stock(&l, "shirt", &s), 25);
    }

    #[test]
    fn every_movement_at_an_online_outlet_yields_the_new_figure_to_publish() {
        let mut l = seed_ledger();
        let s = OnlineStockSettings::new("montreal", &["laval"]);
        let batch = vec![
            mv("s1", "shirt", "laval", -2, Sale),
            mv("s2", "hat", "sherbrooke", -1, Sale),
            mv("r1", "hat", "montreal", 4, Receiving),
        ];
        l.merge(batch.clone()).unwrap();
        assert_eq!(
            online_stock_updates(&l, &batch, &s),
            vec![
                OnlineStockLevel { product_id: "hat".into(), quantity: 4 },
                OnlineStockLevel { product_id: "shirt".into(), quantity: 23 },
            ]
        );
    }

    proptest! {
        #[test]
        fn online_stock_is_never_negative_and_never_above_the_positive_levels(deltas in proptest::collection::vec((0usize..3, -20i64..20), 0..30), chosen in proptest::collection::vec(0usize..3, 0..3)) {
            let outlets = ["montreal", "sherbrooke", "laval"];
            let mut l = Ledger::new();
            for (i, (o, d)) in deltas.iter().enumerate() {
                if *d != 0 {
                    l.record(mv(&format!("m{i}"), "p", outlets[*o], *d, Adjustment)).unwrap();
                }
            }
            let chosen: Vec<&str> = chosen.iter().map(|i| outlets[*i]).collect();
            let s = OnlineStockSettings::new("montreal", &chosen);
            let q = online_stock(&l, "p", &s);
            prop_assert!(q >= 0);
            let expected: i64 = s.outlet_ids().iter().map(|o| l.level("p", o).max(0)).sum();
            prop_assert_eq!(q, expected);
        }
    }
}
