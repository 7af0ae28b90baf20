//! Low-stock quick keys (seed 003): at or below a product's low-stock threshold, its quick key shows
//! the remaining count in large figures and turns red, so the cashier remembers to reorder. The count
//! follows the ledger, so it goes down by one with each unit sold.

use crate::catalog::Product;
use serde::{Deserialize, Serialize};

/// What a quick key shows about stock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum QuickKeyStock {
    /// Above the threshold, or no threshold: the key looks as usual (its image or name).
    Normal,
    /// At or below the threshold: `remaining` shown large, the whole key in red. `remaining` is the
    /// ledger level as is, so it can be 0 or negative (selling never stops; the level is then flagged).
    Low { remaining: i64 },
}

impl QuickKeyStock {
    pub fn is_red(self) -> bool {
        matches!(self, QuickKeyStock::Low { .. })
    }

    /// The figure to print large on the key, if any.
    pub fn large_count(self) -> Option<i64> {
        match self {
            QuickKeyStock::Normal => None,
            QuickKeyStock::Low { remaining } => Some(remaining),
        }
    }
}

/// What the key shows for a stock `level` and an optional low-stock `threshold`.
pub fn quick_key_stock(level: i64, threshold: Option<i64>) -> QuickKeyStock {
    match threshold {
        Some(t) if level <= t => QuickKeyStock::Low { remaining: level },
        _ => QuickKeyStock::Normal,
    }
}

/// [`quick_key_stock`] for a catalog product at its level in the register's outlet.
pub fn quick_key_for(product: &Product, level: i64) -> QuickKeyStock {
    quick_key_stock(level, product.low_stock_threshold)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_key_turns_red_with_the_count_when_stock_reaches_the_threshold() {
        assert_eq!(quick_key_stock(6, Some(5)), QuickKeyStock::Normal);
        assert_eq!(quick_key_stock(5, Some(5)), QuickKeyStock::Low { remaining: 5 });
        assert_eq!(quick_key_stock(4, Some(5)).large_count(), Some(4));
        assert!(quick_key_stock(0, Some(5)).is_red());
    }

    #[test]
    fn a_product_without_threshold_never_shows_a_count() {
        assert_eq!(quick_key_stock(0, None), QuickKeyStock::Normal);
        assert_eq!(quick_key_stock(-3, None).large_count(), None);
    }

    #[test]
    fn a_negative_level_is_shown_as_is() {
        assert_eq!(quick_key_stock(-2, Some(0)), QuickKeyStock::Low { remaining: -2 });
    }

    #[test]
    fn the_catalog_threshold_drives_the_key() {
        let mut p = crate::catalog::Product {
            id: "p".into(),
            sku: "P".into(),
            barcode: None,
            name: "Tuque".into(),
            price: crate::Money(2499),
            tax_class: Default::default(),
            tracks_serials: false,
            low_stock_threshold: Some(3),
            ..Default::default()
        };
        assert!(quick_key_for(&p, 3).is_red());
        p.low_stock_threshold = None;
        assert!(!quick_key_for(&p, 3).is_red());
    }

    #[test]
    fn the_key_state_travels_as_tagged_json() {
        let json = serde_json::to_string(&QuickKeyStock::Low { remaining: 2 }).unwrap();
        assert_eq!(json, r#"{"kind":"low","remaining":2}"#);
    }

    proptest! {
        #[test]
        fn once_red_the_count_goes_down_by_one_with_each_sale(threshold in -5i64..50, start in -10i64..60, sales in 1i64..20) {
            let mut level = start;
            for _ in 0..sales {
                let before = quick_key_stock(level, Some(threshold));
                level -= 1;
                let after = quick_key_stock(level, Some(threshold));
                if let Some(n) = before.large_count() {
                    prop_assert_eq!(after.large_count(), Some(n - 1));
                }
                prop_assert_eq!(after.is_red(), level <= threshold);
            }
        }
    }
}
