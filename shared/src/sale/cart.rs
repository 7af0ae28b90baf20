//! The register's cart: what has been scanned and not yet paid.

use super::{compute_totals, SaleLine, Totals};
use crate::catalog::Product;
use crate::tax::TaxRates;
use crate::money::Overflow;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cart {
    pub lines: Vec<SaleLine>,
}

impl Cart {
    /// Adds one unit of `product`: scanning the same product again increments its line.
    /// Returns the index of the line that changed.
    pub fn add(&mut self, product: &Product) -> usize {
        if let Some(i) = self.lines.iter().position(|l| l.product_id == product.id && l.qty > 0) {
            self.lines[i].qty += 1;
            return i;
        }
        self.lines.push(SaleLine {
            product_id: product.id.clone(),
            sku: product.sku.clone(),
            name: product.name.clone(),
            qty: 1,
            unit_price: product.price,
            tax_class: product.tax_class,
        });
        self.lines.len() - 1
    }

    /// Sets a line's quantity; zero removes it.
    pub fn set_qty(&mut self, index: usize, qty: i64) {
        if index >= self.lines.len() {
            return;
        }
        if qty == 0 {
            self.lines.remove(index);
        } else {
            self.lines[index].qty = qty;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn clear(&mut self) {
        self.lines.clear();
    }

    pub fn totals(&self, rates: &TaxRates) -> Result<Totals, Overflow> {
        compute_totals(&self.lines, rates)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sale::tests::product;
    use crate::tax::TaxClass;

    #[test]
    fn scanning_the_same_product_again_increments_its_line() {
        let shirt = product("shirt", 2999, TaxClass::Taxable);
        let hat = product("hat", 1500, TaxClass::Taxable);
        let mut cart = Cart::default();
        assert_eq!(cart.add(&shirt), 0);
        assert_eq!(cart.add(&hat), 1);
        assert_eq!(cart.add(&shirt), 0);
        assert_eq!(cart.lines.len(), 2);
        assert_eq!(cart.lines[0].qty, 2);
    }

    #[test]
    fn setting_quantity_to_zero_removes_the_line() {
        let mut cart = Cart::default();
        cart.add(&product("shirt", 2999, TaxClass::Taxable));
        cart.set_qty(0, 0);
        assert!(cart.is_empty());
    }
}
