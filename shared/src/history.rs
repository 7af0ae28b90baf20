//! A customer's purchase history, seen without leaving the sale, and duplicating a previous sale
//! ("Refaire cette vente", seed 003): the same items in a new cart at today's prices, editable
//! before payment.

use crate::catalog::Product;
use crate::sale::{Cart, Sale, SaleLine};
use serde::{Deserialize, Serialize};

/// `customer_id`'s sales, newest first.
pub fn purchase_history<'a>(customer_id: &str, sales: &'a [Sale]) -> Vec<&'a Sale> {
    let mut mine: Vec<&Sale> = sales.iter().filter(|s| s.customer_id.as_deref() == Some(customer_id)).collect();
    mine.sort_by(|a, b| b.created_at_ms.cmp(&a.created_at_ms).then_with(|| b.seq.cmp(&a.seq)));
    mine
}

/// What a customer usually takes: "je vois que d'habitude vous les prenez en trois exemplaires".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductBought {
    pub product_id: String,
    pub name: String,
    /// In how many sales.
    pub times: u32,
    /// Units kept: bought less returned.
    pub units: i64,
    /// The last sale it was bought in.
    pub last_bought_ms: i64,
    /// Units bought that last time.
    pub last_qty: i64,
}

/// The products `customer_id` bought, most recently bought first.
pub fn products_bought(customer_id: &str, sales: &[Sale]) -> Vec<ProductBought> {
    let mut out: Vec<ProductBought> = Vec::new();
    // Oldest first, so that the last sale seen is the latest.
    let mut history = purchase_history(customer_id, sales);
    history.reverse();
    for sale in history {
        let mut counted: Vec<&str> = Vec::new();
        for l in &sale.lines {
            let i = match out.iter().position(|p| p.product_id == l.product_id) {
                Some(i) => i,
                None if l.qty > 0 => {
                    out.push(ProductBought {
                        product_id: l.product_id.clone(),
                        name: l.name.clone(),
                        times: 0,
                        units: 0,
                        last_bought_ms: sale.created_at_ms,
                        last_qty: 0,
                    });
                    out.len() - 1
                }
                None => continue,
            };
            let p = &mut out[i];
            p.units = p.units.saturating_add(l.qty);
            if l.qty > 0 {
                if counted.contains(&l.product_id.as_str()) {
                    p.last_qty = p.last_qty.saturating_add(l.qty);
                } else {
                    counted.push(&l.product_id);
                    p.times = p.times.saturating_add(1);
                    p.last_bought_ms = sale.created_at_ms;
                    p.last_qty = l.qty;
                    p.name = l.name.clone();
                }
            }
        }
    }
    out.sort_by_key(|p| std::cmp::Reverse(p.last_bought_ms));
    out
}

/// A previous sale copied into a new cart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicatedSale {
    pub cart: Cart,
    /// Lines of the previous sale whose product is no longer in the catalog.
    pub unavailable: Vec<SaleLine>,
}

/// Copies the items `sale` sold into a new cart for the same customer, at today's catalog price,
/// name and tax class. Not copied: returned lines, discounts (the cashier's were for that day; attach
/// the customer account again for its automatic discount), rewards, and serial numbers (each unit
/// sold is a different one). Loyalty points per unit are kept from the previous sale.
pub fn duplicate_sale<'c>(sale: &Sale, find: impl Fn(&str) -> Option<&'c Product>) -> DuplicatedSale {
    let mut cart = Cart { customer_id: sale.customer_id.clone(), ..Cart::default() };
    let mut unavailable = Vec::new();
    for l in sale.lines.iter().filter(|l| l.qty > 0 && l.return_of.is_none()) {
        match find(&l.product_id) {
            Some(p) => cart.lines.push(SaleLine { loyalty_points: l.loyalty_points, ..SaleLine::of(p, l.qty) }),
            None => unavailable.push(l.clone()),
        }
    }
    DuplicatedSale { cart, unavailable }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Money;
    use crate::sale::tests::product;
    use crate::sale::{plan_return, Discount, ReturnPick, SaleHeader, Tender, TenderKind};
    use crate::tax::{TaxClass, TaxRates};
    use std::collections::HashMap;

    fn sale(seq: u64, at: i64, customer: &str, items: &[(&str, i64, i64)]) -> Sale {
        let mut cart = Cart { customer_id: Some(customer.into()), ..Cart::default() };
        for (id, price, qty) in items {
            let i = cart.add_with_points(&product(id, *price, TaxClass::Taxable), 5);
            cart.set_qty(i, *qty);
        }
        cart.set_line_discount(0, Some(Discount::percent(1000))).unwrap();
        let total = cart.totals(&TaxRates::QUEBEC).unwrap().total;
        let h = SaleHeader { id: format!("s{seq}"), seq, created_at_ms: at, ..SaleHeader::default() };
        Sale::from_cart(h, &cart, &TaxRates::QUEBEC, vec![Tender::exact(TenderKind::Card, total)]).unwrap()
    }

    #[test]
    fn the_purchase_history_shows_the_customers_sales_newest_first() {
        let sales = [
            sale(1, 100, "c1", &[("shirt", 2999, 1)]),
            sale(2, 300, "c2", &[("hat", 1500, 1)]),
            sale(3, 200, "c1", &[("hat", 1500, 2)]),
        ];
        let h = purchase_history("c1", &sales);
        assert_eq!(h.iter().map(|s| s.seq).collect::<Vec<_>>(), vec![3, 1]);
        assert!(purchase_history("nobody", &sales).is_empty());
    }

    #[test]
    fn what_the_customer_usually_takes() {
        let sales =
            [sale(1, 100, "c1", &[("socks", 800, 3), ("shirt", 2999, 1)]), sale(2, 200, "c1", &[("socks", 800, 3)])];
        let mut all = sales.to_vec();
        let mut back = Cart { customer_id: Some("c1".into()), ..Cart::default() };
        back.add_returns(plan_return(&sales[0], &[], &[ReturnPick { line: 1, qty: 1 }]).unwrap());
        let total = back.totals(&TaxRates::QUEBEC).unwrap().total;
        let h = SaleHeader { id: "s3".into(), seq: 3, created_at_ms: 300, ..SaleHeader::default() };
        all.push(Sale::from_cart(h, &back, &TaxRates::QUEBEC, vec![Tender::exact(TenderKind::Card, total)]).unwrap());
        let bought = products_bought("c1", &all);
        assert_eq!(bought[0].product_id, "socks");
        assert_eq!((bought[0].times, bought[0].units, bought[0].last_qty, bought[0].last_bought_ms), (2, 6, 3, 200));
        assert_eq!((bought[1].product_id.as_str(), bought[1].units), ("shirt", 0));
    }

    #[test]
    fn duplicating_a_sale_copies_its_items_at_todays_prices() {
        let previous = sale(1, 100, "c1", &[("shirt", 2999, 2), ("hat", 1500, 1), ("scarf", 2000, 1)]);
        let catalog: HashMap<String, Product> =
            [product("shirt", 3499, TaxClass::Taxable), product("hat", 1500, TaxClass::GstOnly)]
                .into_iter()
                .map(|p| (p.id.clone(), p))
                .collect();
        let dup = duplicate_sale(&previous, |id| catalog.get(id));
        assert_eq!(dup.cart.customer_id.as_deref(), Some("c1"));
        assert_eq!(dup.cart.lines.len(), 2);
        assert_eq!((dup.cart.lines[0].qty, dup.cart.lines[0].unit_price), (2, Money(3499)));
        assert_eq!(dup.cart.lines[1].tax_class, TaxClass::GstOnly);
        assert_eq!(dup.cart.lines[0].discount, None);
        assert_eq!(dup.cart.lines[0].loyalty_points, 5);
        assert_eq!(dup.unavailable.iter().map(|l| l.product_id.as_str()).collect::<Vec<_>>(), vec!["scarf"]);
        assert!(dup.cart.discounts.is_empty() && dup.cart.redemptions.is_empty());
    }

    #[test]
    fn a_duplicated_sale_can_be_edited_before_payment() {
        let previous = sale(1, 100, "c1", &[("shirt", 2999, 1)]);
        let shirt = product("shirt", 2999, TaxClass::Taxable);
        let mut cart = duplicate_sale(&previous, |_| Some(&shirt)).cart;
        cart.add(&shirt);
        cart.add(&product("hat", 1500, TaxClass::Taxable));
        assert_eq!(cart.lines[0].qty, 2);
        assert_eq!(cart.totals(&TaxRates::QUEBEC).unwrap().subtotal, Money(2 * 2999 + 1500));
    }

    #[test]
    fn returned_lines_are_not_duplicated() {
        let previous = sale(1, 100, "c1", &[("shirt", 2999, 1)]);
        let mut exchange = previous.clone();
        exchange.lines.extend(plan_return(&previous, &[], &[ReturnPick { line: 0, qty: 1 }]).unwrap());
        let shirt = product("shirt", 2999, TaxClass::Taxable);
        assert_eq!(duplicate_sale(&exchange, |_| Some(&shirt)).cart.lines.len(), 1);
    }
}
