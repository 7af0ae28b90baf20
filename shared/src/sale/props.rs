//! Property tests over random carts: what must hold for every sale, return and exchange.

use super::tests::product;
use super::*;
use crate::tax::{TaxClass, TaxCode};
use proptest::prelude::*;

const Q: TaxRates = TaxRates::QUEBEC;

fn class(n: u8) -> TaxClass {
    [TaxClass::Taxable, TaxClass::GstOnly, TaxClass::ZeroRated, TaxClass::Exempt][usize::from(n % 4)]
}

fn arb_discount(max_bp: u32) -> impl Strategy<Value = Discount> {
    prop_oneof![(0u32..=max_bp).prop_map(Discount::percent), (0i64..5_000).prop_map(|c| Discount::amount(Money(c))),]
}

/// A cart a cashier could make: sold lines (some discounted), maybe a return without receipt,
/// maybe sale discounts that fit.
pub(crate) fn arb_cart() -> impl Strategy<Value = Cart> {
    let line = (1i64..100_000, 1i64..8, any::<u8>(), prop::option::of(arb_discount(10_000)), any::<bool>());
    (prop::collection::vec(line, 1..8), prop::collection::vec(arb_discount(5_000), 0..3)).prop_map(
        |(lines, discounts)| {
            let mut cart = Cart::default();
            for (i, (price, qty, c, discount, returned)) in lines.into_iter().enumerate() {
                let p = product(&format!("p{i}"), price, class(c));
                let qty = if returned && i > 0 { -qty } else { qty };
                cart.lines.push(SaleLine::of(&p, qty));
                let last = cart.lines.len() - 1;
                if let Some(d) = discount {
                    // Amounts that do not fit are refused by the cart, as at the register.
                    let _ = cart.set_line_discount(last, Some(d));
                }
            }
            for d in discounts {
                let _ = cart.add_discount(d);
            }
            cart
        },
    )
}

fn header(id: String, seq: u64) -> SaleHeader {
    SaleHeader {
        id,
        device_id: "d1".into(),
        register_id: "r1".into(),
        outlet_id: "o1".into(),
        seq,
        receipt: receipt_number("MTL1", 1, seq),
        created_at_ms: 0,
        cashier_id: String::new(),
    }
}

/// Pays by card (or refunds in cash), the way the register does.
fn checkout(id: String, seq: u64, cart: &Cart) -> Sale {
    let total = cart.totals(&Q).unwrap().total;
    let tenders = if total.is_negative() {
        refund_tenders(total, RefundMethod::Cash, None).unwrap()
    } else {
        vec![settle_cash(total, Money(total.0 + 1_000)).unwrap().tender()]
    };
    Sale::from_cart(header(id, seq), cart, &Q, tenders).unwrap()
}

fn sold_only(cart: &Cart) -> Cart {
    let mut c = cart.clone();
    c.lines.retain(|l| l.qty > 0);
    c
}

proptest! {
    #[test]
    fn totals_are_lines_less_discounts_plus_taxes(cart in arb_cart()) {
        let p = cart.priced(&Q).unwrap();
        let t = &p.totals;
        let gross: i64 = cart.lines.iter().map(|l| l.qty * l.unit_price.0).sum();
        let taxes: i64 = t.taxes.iter().map(|x| x.amount.0).sum();
        prop_assert_eq!(t.subtotal.0, gross);
        prop_assert_eq!(t.total.0, t.subtotal.0 - t.discount.0 + taxes);
        // The lines add up to the totals, each tax and the discount to the cent.
        prop_assert_eq!(p.lines.iter().map(|l| l.total.0).sum::<i64>(), t.total.0);
        prop_assert_eq!(p.lines.iter().map(|l| l.discount().0).sum::<i64>(), t.discount.0);
        for code in TaxCode::ALL {
            prop_assert_eq!(p.lines.iter().map(|l| l.tax(code).0).sum::<i64>(), t.tax(code).0);
        }
        // The sale discounts are shared exactly, and only over sold lines.
        let shared: i64 = p.lines.iter().map(|l| l.sale_discount.0).sum();
        prop_assert_eq!(shared, t.discounts.iter().map(|d| d.amount.0).sum::<i64>());
        for (l, price) in cart.lines.iter().zip(&p.lines) {
            if l.qty < 0 {
                prop_assert_eq!(price.sale_discount, Money::ZERO);
            } else {
                prop_assert!(price.net.0 >= 0 && price.net <= price.gross);
            }
        }
        prop_assert_eq!(cart.totals(&Q).unwrap(), p.totals.clone());
    }

    #[test]
    fn a_sale_built_from_a_carts_lines_and_totals_verifies(cart in arb_cart()) {
        let totals = cart.totals(&Q).unwrap();
        let tenders = if totals.total.is_negative() {
            refund_tenders(totals.total, RefundMethod::Cash, None).unwrap()
        } else {
            vec![settle_cash(totals.total, Money(totals.total.0 + 5_000)).unwrap().tender()]
        };
        // The way callers outside this crate build a sale.
        let sale = Sale { id: "s".into(), seq: 1, lines: cart.lines.clone(), totals, tenders, ..Sale::default() };
        prop_assert_eq!(sale.verify(&Q), Ok(()));
    }

    #[test]
    fn tax_is_on_the_amounts_after_discounts(cart in arb_cart()) {
        let p = cart.priced(&Q).unwrap();
        for code in TaxCode::ALL {
            let base: i64 = cart.lines.iter().zip(&p.lines).filter(|(l, _)| l.tax_class.carries(code)).map(|(_, x)| x.net.0).sum();
            prop_assert_eq!(p.totals.taxes.iter().find(|t| t.code == code).unwrap().base.0, base);
            prop_assert_eq!(p.totals.tax(code), crate::tax::tax_on(Money(base), Q.ppm(code)).unwrap());
        }
    }

    #[test]
    fn returning_every_unit_refunds_the_total_exactly(
        cart in arb_cart(),
        order in prop::collection::vec((any::<prop::sample::Index>(), 1i64..4), 1..40),
    ) {
        let original = checkout("s1".into(), 1, &sold_only(&cart));
        let mut returns: Vec<Sale> = Vec::new();
        // Random partial returns until every unit is back.
        for (n, (pick, qty)) in order.iter().enumerate() {
            let left: Vec<Returnable> = returnable(&original, &returns).into_iter().filter(|r| r.left() > 0).collect();
            if left.is_empty() {
                break;
            }
            let r = left[pick.index(left.len())];
            let lines = plan_return(&original, &returns, &[ReturnPick { line: r.line, qty: (*qty).min(r.left()) }]).unwrap();
            let mut c = Cart::default();
            c.add_returns(lines);
            let back = checkout(format!("r{n}"), n as u64 + 2, &c);
            prop_assert_eq!(verify_refunds(&back, std::slice::from_ref(&original), &returns), Ok(()));
            returns.push(back);
        }
        let rest: Vec<ReturnPick> = returnable(&original, &returns)
            .into_iter()
            .filter(|r| r.left() > 0)
            .map(|r| ReturnPick { line: r.line, qty: r.left() })
            .collect();
        if !rest.is_empty() {
            let mut c = Cart::default();
            c.add_returns(plan_return(&original, &returns, &rest).unwrap());
            returns.push(checkout("last".into(), 999, &c));
        }
        let refunded: i64 = returns.iter().map(|s| s.totals.total.0).sum();
        prop_assert_eq!(refunded, -original.totals.total.0);
        for code in TaxCode::ALL {
            prop_assert_eq!(returns.iter().map(|s| s.totals.tax(code).0).sum::<i64>(), -original.totals.tax(code).0);
        }
        let net: i64 = returns.iter().map(|s| s.totals.subtotal.0 - s.totals.discount.0).sum();
        prop_assert_eq!(net, -(original.totals.subtotal.0 - original.totals.discount.0));
    }

    #[test]
    fn an_exchange_verifies_and_refunds_exactly_what_was_charged(cart in arb_cart(), new in arb_cart()) {
        let original = checkout("s1".into(), 1, &sold_only(&cart));
        let all: Vec<ReturnPick> = returnable(&original, &[]).into_iter().map(|r| ReturnPick { line: r.line, qty: r.sold }).collect();
        let refund_lines = plan_return(&original, &[], &all).unwrap();
        let mut exchange = sold_only(&new);
        exchange.discounts.clear();
        exchange.add_returns(refund_lines);
        let sale = checkout("s2".into(), 2, &exchange);
        let bought = sold_only(&new);
        let bought = Cart { discounts: vec![], ..bought };
        prop_assert_eq!(sale.totals.total.0, bought.totals(&Q).unwrap().total.0 - original.totals.total.0);
        prop_assert_eq!(verify_refunds(&sale, std::slice::from_ref(&original), &[]), Ok(()));
    }

    #[test]
    fn no_sale_rule_panics_on_any_input(
        lines in prop::collection::vec((any::<i64>(), any::<i64>(), any::<u8>(), prop::option::of((any::<u32>(), any::<i64>(), any::<bool>())),
                                        prop::option::of((any::<i64>(), any::<i64>(), any::<i64>(), 0usize..10))), 0..6),
        discounts in prop::collection::vec((any::<u32>(), any::<i64>(), any::<bool>()), 0..4),
        total in any::<i64>(), picks in prop::collection::vec((0usize..8, any::<i64>()), 0..4),
    ) {
        let d = |(bp, amount, pct): (u32, i64, bool)| if pct { Discount::percent(bp) } else { Discount::amount(Money(amount)) };
        let lines: Vec<SaleLine> = lines.into_iter().map(|(price, qty, c, discount, ret)| SaleLine {
            product_id: "p".into(),
            qty,
            unit_price: Money(price),
            tax_class: class(c),
            discount: discount.map(d),
            return_of: ret.map(|(net, gst, qst, line)| ReturnOf {
                sale_id: "s0".into(),
                receipt: String::new(),
                line,
                net: Money(net),
                taxes: vec![TaxLine { code: TaxCode::Gst, base: Money(net), amount: Money(gst) }, TaxLine { code: TaxCode::Qst, base: Money(net), amount: Money(qst) }],
            }),
            loyalty_points: 1,
            ..SaleLine::default()
        }).collect();
        let discounts: Vec<Discount> = discounts.into_iter().map(d).collect();
        let _ = price_sale(&lines, &discounts, &Q);
        let _ = compute_totals(&lines, &Q);
        let totals = compute_sale_totals(&lines, &discounts, &Q).unwrap_or_default();
        let sale = Sale { id: "s0".into(), seq: 1, lines, totals: totals.clone(), tenders: vec![Tender::exact(TenderKind::Card, totals.total)], ..Sale::default() };
        let _ = sale.verify(&Q);
        let _ = sale.loyalty_points();
        let picks: Vec<ReturnPick> = picks.into_iter().map(|(line, qty)| ReturnPick { line, qty }).collect();
        let _ = plan_return(&sale, std::slice::from_ref(&sale), &picks);
        let _ = returnable(&sale, std::slice::from_ref(&sale));
        let _ = verify_refunds(&sale, std::slice::from_ref(&sale), &[]);
        for m in [RefundMethod::Cash, RefundMethod::OriginalTender, RefundMethod::StoreCredit] {
            let _ = refund_tenders(Money(total), m, Some(&sale));
        }
        let _ = settle_cash(Money(total), Money(total.wrapping_mul(3)));
        let _ = amount_due(Money(total), &sale.tenders);
        let _ = verify_tenders(&sale.tenders, Money(total));
        let mut cart = Cart { lines: sale.lines.clone(), ..Cart::default() };
        let _ = cart.add_discount(Discount::percent(total as u32));
        let _ = cart.set_line_discount(0, Some(Discount::amount(Money(total))));
        let _ = cart.check();
        let _ = crate::report::ZReport::build(
            crate::report::ReportScope::Register(String::new()),
            crate::report::Period { from_ms: i64::MIN, to_ms: i64::MAX },
            std::slice::from_ref(&sale), &[], Money(total),
        );
    }
}
