//! The register's cart: what has been scanned and not yet paid, with its customer and discounts.

use super::{check_lines, price_sale, Discount, DiscountError, DiscountReason, PricedSale, SaleError, SaleLine, Totals};
use super::pricing;
use crate::account::CustomerAccount;
use crate::catalog::Product;
use crate::loyalty::{LoyaltyError, Redemption, Reward};
use crate::money::{Money, Overflow};
use crate::tax::TaxRates;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cart {
    pub lines: Vec<SaleLine>,
    /// The customer attached to the sale (customer account, loyalty, purchase history).
    #[serde(default)]
    pub customer_id: Option<String>,
    /// Discounts on the whole sale, taken off in this order.
    #[serde(default)]
    pub discounts: Vec<Discount>,
    /// Loyalty rewards applied to this sale, deducted from the customer when it is paid.
    #[serde(default)]
    pub redemptions: Vec<Redemption>,
}

impl Cart {
    /// Adds one unit of `product`: scanning the same product again increments its line.
    /// Returns the index of the line that changed.
    pub fn add(&mut self, product: &Product) -> usize {
        self.add_with_points(product, product.loyalty_points)
    }

    /// Like [`Cart::add`], with the loyalty points one unit of `product` earns.
    pub fn add_with_points(&mut self, product: &Product, loyalty_points: u32) -> usize {
        if let Some(i) = self
            .lines
            .iter()
            .position(|l| l.product_id == product.id && l.qty > 0 && l.return_of.is_none())
        {
            self.lines[i].qty = self.lines[i].qty.saturating_add(1);
            return i;
        }
        self.lines.push(SaleLine { loyalty_points, ..SaleLine::of(product, 1) });
        self.lines.len() - 1
    }

    /// Takes back one unit of `product` without a receipt, at its catalog price: a negative line.
    pub fn add_return(&mut self, product: &Product) -> usize {
        if let Some(i) = self
            .lines
            .iter()
            .position(|l| l.product_id == product.id && l.qty < 0 && l.return_of.is_none())
        {
            self.lines[i].qty = self.lines[i].qty.saturating_sub(1);
            return i;
        }
        self.lines.push(SaleLine::of(product, -1));
        self.lines.len() - 1
    }

    /// Adds returned lines made by [`super::plan_return`] (they refund what the original charged).
    pub fn add_returns(&mut self, lines: Vec<SaleLine>) {
        self.lines.extend(lines);
    }

    /// Sets a line's quantity; zero removes it. A returned line that refers to a sale keeps the
    /// quantity its refund was planned for: remove it and plan again to change it.
    pub fn set_qty(&mut self, index: usize, qty: i64) {
        if index >= self.lines.len() {
            return;
        }
        if qty == 0 {
            self.lines.remove(index);
        } else if self.lines[index].return_of.is_none() {
            let line = &mut self.lines[index];
            line.qty = qty;
            // Serial numbers name units: fewer units, fewer serials (the rest are asked again at Payer).
            line.serials.truncate(usize::try_from(qty.unsigned_abs()).unwrap_or(usize::MAX));
        }
    }

    /// Puts a discount on one line (or takes it off with `None`), refusing one that does not fit it.
    pub fn set_line_discount(&mut self, index: usize, discount: Option<Discount>) -> Result<(), DiscountError> {
        let line = self.lines.get_mut(index).ok_or(DiscountError::NoSuchLine { line: index + 1 })?;
        if let Some(d) = &discount {
            if line.return_of.is_some() {
                return Err(DiscountError::OnReturnedLine);
            }
            d.check(line.amount()?)?;
        }
        line.discount = discount;
        Ok(())
    }

    /// Adds a discount on the whole sale, taken off what the sold lines still cost.
    pub fn add_discount(&mut self, discount: Discount) -> Result<(), DiscountError> {
        let (nets, _) = pricing::line_nets(&self.lines, &self.discounts)?;
        let left = Money::sum(
            self.lines
                .iter()
                .zip(&nets)
                .filter(|(l, n)| l.return_of.is_none() && l.qty > 0 && n.net.is_positive())
                .map(|(_, n)| n.net),
        )?;
        discount.check(left)?;
        self.discounts.push(discount);
        Ok(())
    }

    /// Removes the sale discount at `index` (from 0).
    pub fn remove_discount(&mut self, index: usize) {
        if index < self.discounts.len() {
            self.discounts.remove(index);
        }
    }

    /// Attaches a customer: their account's automatic discount (if any) replaces any earlier one.
    pub fn attach_customer(&mut self, account: &CustomerAccount) {
        if self.customer_id.as_deref() != Some(account.customer_id.as_str()) {
            self.detach_customer();
        }
        self.customer_id = Some(account.customer_id.clone());
        self.discounts.retain(|d| d.reason != DiscountReason::Automatic);
        if let Some(d) = account.automatic_discount() {
            self.discounts.insert(0, d);
        }
    }

    /// Removes the customer, with their automatic discount and any reward applied for them.
    pub fn detach_customer(&mut self) {
        self.customer_id = None;
        self.discounts.retain(|d| d.reason == DiscountReason::Manual);
        self.redemptions.clear();
        for l in &mut self.lines {
            if l.discount.is_some_and(|d| d.reason == DiscountReason::Reward) {
                l.discount = None;
            }
        }
    }

    /// Applies a loyalty reward the customer is due (from [`crate::loyalty::LoyaltyProgram::redeem`])
    /// as the cashier chose: a discount on the sale, or one unit of a line free.
    pub fn apply_reward(&mut self, redemption: Redemption, reward: Reward) -> Result<(), LoyaltyError> {
        if self.customer_id.is_none() {
            return Err(LoyaltyError::NoCustomer);
        }
        match reward {
            Reward::Discount(rule) => self.add_discount(Discount { reason: DiscountReason::Reward, rule })?,
            Reward::FreeItem { line } => {
                let l = self.lines.get(line).ok_or(DiscountError::NoSuchLine { line: line + 1 })?;
                if l.qty <= 0 || l.return_of.is_some() {
                    return Err(LoyaltyError::NotFreeable { line: line + 1 });
                }
                if l.discount.is_some() {
                    return Err(LoyaltyError::AlreadyDiscounted { line: line + 1 });
                }
                let one_unit = Discount::amount(l.unit_price).because(DiscountReason::Reward);
                self.set_line_discount(line, Some(one_unit))?;
            }
        }
        self.redemptions.push(redemption);
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Empties the cart for the next sale (customer, discounts and rewards too).
    pub fn clear(&mut self) {
        *self = Cart::default();
    }

    /// Subtotal, discounts, each tax and total, with the sale's discounts.
    pub fn totals(&self, rates: &TaxRates) -> Result<Totals, Overflow> {
        super::compute_sale_totals(&self.lines, &self.discounts, rates)
    }

    /// Each line's figures, for the screen and the receipt.
    pub fn priced(&self, rates: &TaxRates) -> Result<PricedSale, Overflow> {
        price_sale(&self.lines, &self.discounts, rates)
    }

    /// Whether the cart can be paid as it is: lines and discounts that fit (a discount typed before
    /// a line was removed may no longer fit).
    pub fn check(&self) -> Result<(), SaleError> {
        check_lines(&self.lines, &self.discounts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sale::tests::product;
    use crate::tax::TaxClass;
    use crate::account::CustomerAccount;

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

    #[test]
    fn a_return_without_receipt_is_a_negative_line_at_the_catalog_price() {
        let shirt = product("shirt", 2999, TaxClass::Taxable);
        let mut cart = Cart::default();
        cart.add_return(&shirt);
        cart.add_return(&shirt);
        cart.add(&shirt);
        assert_eq!(cart.lines.len(), 2);
        assert_eq!(cart.lines[0].qty, -2);
        assert_eq!(cart.lines[1].qty, 1);
        let t = cart.totals(&TaxRates::QUEBEC).unwrap();
        assert_eq!(t.subtotal, Money(-2999));
    }

    #[test]
    fn a_discount_that_does_not_fit_the_line_is_refused() {
        let mut cart = Cart::default();
        cart.add(&product("hat", 700, TaxClass::Taxable));
        assert_eq!(
            cart.set_line_discount(0, Some(Discount::amount(Money(1000)))),
            Err(DiscountError::ExceedsAmount { discount: Money(1000), amount: Money(700) })
        );
        assert_eq!(cart.set_line_discount(3, None), Err(DiscountError::NoSuchLine { line: 4 }));
        cart.set_line_discount(0, Some(Discount::amount(Money(200)))).unwrap();
        assert_eq!(cart.add_discount(Discount::amount(Money(600))).unwrap_err().code(), "discount_exceeds_amount");
        cart.add_discount(Discount::amount(Money(500))).unwrap();
        assert_eq!(cart.totals(&TaxRates::QUEBEC).unwrap().discount, Money(700));
    }

    #[test]
    fn a_discount_left_over_after_a_line_is_removed_is_caught_before_payment() {
        let mut cart = Cart::default();
        cart.add(&product("shirt", 2999, TaxClass::Taxable));
        cart.add(&product("hat", 700, TaxClass::Taxable));
        cart.add_discount(Discount::amount(Money(2000))).unwrap();
        assert_eq!(cart.check(), Ok(()));
        cart.set_qty(0, 0);
        assert_eq!(cart.check().unwrap_err().code(), "discount_exceeds_amount");
    }

    #[test]
    fn attaching_a_customer_applies_their_automatic_discount_once() {
        let account = CustomerAccount { customer_id: "c1".into(), automatic_discount_bp: 500, ..CustomerAccount::default() };
        let mut cart = Cart::default();
        cart.add(&product("shirt", 10000, TaxClass::Taxable));
        cart.add_discount(Discount::amount(Money(1000))).unwrap();
        cart.attach_customer(&account);
        cart.attach_customer(&account);
        assert_eq!(cart.discounts.len(), 2);
        assert_eq!(cart.discounts[0].reason, DiscountReason::Automatic);
        // 5 % of 100,00 $ first, then 10,00 $ off: 85,00 $.
        assert_eq!(cart.totals(&TaxRates::QUEBEC).unwrap().discount, Money(1500));
        cart.detach_customer();
        assert_eq!(cart.discounts, vec![Discount::amount(Money(1000))]);
        assert_eq!(cart.customer_id, None);
    }

    #[test]
    fn clearing_the_cart_forgets_the_customer_too() {
        let mut cart = Cart::default();
        cart.add(&product("shirt", 2999, TaxClass::Taxable));
        cart.attach_customer(&CustomerAccount { customer_id: "c1".into(), ..CustomerAccount::default() });
        cart.clear();
        assert_eq!(cart, Cart::default());
    }

    #[test]
    fn a_cart_saved_before_discounts_existed_still_loads() {
        let cart: Cart = serde_json::from_str(
            r#"{"lines":[{"product_id":"p","sku":"P","name":"p","qty":2,"unit_price":150,"tax_class":"taxable"}]}"#,
        )
        .unwrap();
        assert_eq!(cart.lines[0].discount, None);
        assert_eq!(cart.totals(&TaxRates::QUEBEC).unwrap().subtotal, Money(300));
    }
}
