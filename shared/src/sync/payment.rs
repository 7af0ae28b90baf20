//! The server's decision on a payment on account, as a pure function of the payment and what the
//! server loaded that bears on it ([`PaymentBearing`]): refuse it (nothing written), recognise it as
//! recorded before, or record it with its entry and the balance it leaves.

use super::effects::{CustomerChange, CustomerFigures};
use crate::account::{AccountError, AccountPayment};
use crate::limits::MAX_AMOUNT;

/// Why a payment on account is not recorded. Nothing is written.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PaymentRefusal {
    #[error("unknown customer '{0}'")]
    UnknownCustomer(String),
    /// The shared rules refused it (not positive, not cash or card, tenders that do not pay it).
    #[error("payment on account: {0}")]
    Rule(AccountError),
    #[error("the payment is for customer '{body}' but was sent to customer '{path}'")]
    WrongCustomer { path: String, body: String },
    #[error("unknown register '{0}'")]
    UnknownRegister(String),
    #[error("unknown outlet '{0}'")]
    UnknownOutlet(String),
    #[error("the payment names outlet '{outlet_id}' but register '{register_id}' is at '{register_outlet}'")]
    WrongOutlet { register_id: String, outlet_id: String, register_outlet: String },
    /// Another payment already holds this id.
    #[error("another payment on account already has the id '{0}'")]
    IdTaken(String),
    /// The balance after it would leave ±`limits::MAX_AMOUNT` (where sums could overflow).
    #[error("payment on account: the balance would leave ±{} cents", MAX_AMOUNT.as_cents())]
    BalanceOutOfRange,
}

/// What the server holds that bears on a payment. The store loads each item by the payment's own
/// fields (register, outlet, id) and the path's customer.
#[derive(Clone, Copy, Debug)]
pub struct PaymentBearing<'a> {
    /// The customer in the request's path.
    pub path_customer: &'a str,
    /// Whether the server knows that customer.
    pub customer_known: bool,
    /// The outlet of the register the payment names; `None` when there is no such register (or it names none).
    pub register_outlet: Option<&'a str>,
    /// Whether the outlet the payment names exists.
    pub outlet_known: bool,
    /// The customer's figures now.
    pub figures: CustomerFigures,
    /// The payment already recorded under this payment's id, if any.
    pub stored: Option<&'a AccountPayment>,
    /// The server's clock, for a payment that gives none.
    pub now_ms: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaymentDecision {
    /// Record the payment (as completed: reference, time, outlet filled in) and its entry.
    Store { payment: AccountPayment, change: CustomerChange },
    /// Recorded before, identical: write nothing; this is the payment as stored.
    Duplicate(AccountPayment),
}

/// The decision on a payment (see the module doc). An empty customer becomes the path's, an empty
/// `reference` the id, a zero `created_at_ms` the server's clock, an empty `outlet_id` the register's.
pub fn decide_payment(mut payment: AccountPayment, b: PaymentBearing<'_>) -> Result<PaymentDecision, PaymentRefusal> {
    if payment.customer_id.is_empty() {
        payment.customer_id = b.path_customer.into();
    }
    if payment.customer_id != b.path_customer {
        return Err(PaymentRefusal::WrongCustomer { path: b.path_customer.into(), body: payment.customer_id });
    }
    if payment.reference.trim().is_empty() {
        payment.reference = payment.id.clone();
    }
    let clock_given = payment.created_at_ms != 0;
    if !clock_given {
        payment.created_at_ms = b.now_ms;
    }
    payment.verify().map_err(PaymentRefusal::Rule)?;
    if !b.customer_known {
        return Err(PaymentRefusal::UnknownCustomer(b.path_customer.into()));
    }
    if !payment.register_id.is_empty() {
        let Some(register_outlet) = b.register_outlet else {
            return Err(PaymentRefusal::UnknownRegister(payment.register_id));
        };
        if payment.outlet_id.is_empty() {
            payment.outlet_id = register_outlet.into();
        } else if payment.outlet_id != register_outlet {
            return Err(PaymentRefusal::WrongOutlet {
                register_id: payment.register_id,
                outlet_id: payment.outlet_id,
                register_outlet: register_outlet.into(),
            });
        }
    } else if !payment.outlet_id.is_empty() && !b.outlet_known {
        return Err(PaymentRefusal::UnknownOutlet(payment.outlet_id));
    }
    if let Some(stored) = b.stored {
        // A retried request that let the server pick the time is the same payment.
        let same = if clock_given { *stored == payment } else { AccountPayment { created_at_ms: payment.created_at_ms, ..stored.clone() } == payment };
        return if same { Ok(PaymentDecision::Duplicate(stored.clone())) } else { Err(PaymentRefusal::IdTaken(payment.id)) };
    }
    // A balance stays inside the wire's range, so no later sum over it can overflow.
    let balance = b
        .figures
        .balance
        .checked_add(payment.amount)
        .ok()
        .filter(|b| b.as_cents().abs() <= MAX_AMOUNT.as_cents())
        .ok_or(PaymentRefusal::BalanceOutOfRange)?;
    let change = CustomerChange {
        customer_id: payment.customer_id.clone(),
        entries: vec![payment.entry()],
        before: b.figures,
        after: CustomerFigures { balance, ..b.figures },
    };
    Ok(PaymentDecision::Store { payment, change })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Money;
    use crate::sale::{Tender, TenderKind};
    use proptest::prelude::*;

    fn payment(amount: i64) -> AccountPayment {
        AccountPayment {
            id: "p1".into(),
            register_id: "r1".into(),
            amount: Money(amount),
            tenders: vec![Tender::exact(TenderKind::Card, Money(amount))],
            ..AccountPayment::default()
        }
    }

    fn bearing(balance: i64) -> PaymentBearing<'static> {
        PaymentBearing {
            path_customer: "marie",
            customer_known: true,
            register_outlet: Some("o1"),
            outlet_known: true,
            figures: CustomerFigures { balance: Money(balance), ..CustomerFigures::default() },
            stored: None,
            now_ms: 42,
        }
    }

    #[test]
    fn a_payment_is_completed_from_the_path_the_register_and_the_clock_then_raises_the_balance() {
        let Ok(PaymentDecision::Store { payment, change }) = decide_payment(payment(2500), bearing(-4000)) else { panic!() };
        assert_eq!((payment.customer_id.as_str(), payment.outlet_id.as_str(), payment.reference.as_str(), payment.created_at_ms), ("marie", "o1", "p1", 42));
        assert_eq!((change.before.balance, change.after.balance), (Money(-4000), Money(-1500)));
        assert_eq!(change.entries, vec![payment.entry()]);
    }

    #[test]
    fn the_same_payment_again_is_a_duplicate_and_another_under_its_id_is_refused() {
        let Ok(PaymentDecision::Store { payment: stored, .. }) = decide_payment(payment(2500), bearing(0)) else { panic!() };
        let again = PaymentBearing { stored: Some(&stored), now_ms: 99, ..bearing(2500) };
        assert_eq!(decide_payment(payment(2500), again), Ok(PaymentDecision::Duplicate(stored.clone())));
        assert_eq!(decide_payment(payment(2600), again), Err(PaymentRefusal::IdTaken("p1".into())));
    }

    #[test]
    fn refusals_name_what_is_wrong() {
        let other = AccountPayment { customer_id: "paul".into(), ..payment(100) };
        assert!(matches!(decide_payment(other, bearing(0)), Err(PaymentRefusal::WrongCustomer { .. })));
        assert!(matches!(decide_payment(payment(0), bearing(0)), Err(PaymentRefusal::Rule(_))));
        assert!(matches!(decide_payment(payment(100), PaymentBearing { customer_known: false, ..bearing(0) }), Err(PaymentRefusal::UnknownCustomer(_))));
        assert!(matches!(decide_payment(payment(100), PaymentBearing { register_outlet: None, ..bearing(0) }), Err(PaymentRefusal::UnknownRegister(_))));
        let elsewhere = AccountPayment { outlet_id: "o2".into(), ..payment(100) };
        assert!(matches!(decide_payment(elsewhere, bearing(0)), Err(PaymentRefusal::WrongOutlet { .. })));
        let nowhere = AccountPayment { register_id: String::new(), outlet_id: "o9".into(), ..payment(100) };
        assert!(matches!(decide_payment(nowhere, PaymentBearing { outlet_known: false, ..bearing(0) }), Err(PaymentRefusal::UnknownOutlet(_))));
    }

    proptest! {
        #[test]
        fn a_recorded_payment_never_leaves_the_balance_out_of_range_and_never_panics(balance in any::<i64>(), amount in 1i64..=MAX_AMOUNT.as_cents()) {
            match decide_payment(payment(amount), bearing(balance)) {
                Ok(PaymentDecision::Store { change, .. }) => {
                    prop_assert!(change.after.balance.as_cents().abs() <= MAX_AMOUNT.as_cents());
                    prop_assert_eq!(i128::from(change.after.balance.as_cents()), i128::from(balance) + i128::from(amount));
                }
                Ok(d) => prop_assert!(false, "{:?}", d),
                Err(e) => prop_assert_eq!(e, PaymentRefusal::BalanceOutOfRange),
            }
        }
    }
}
