//! Which customer an online order is for (seed 004): matched by e-mail; a name that differs on the order
//! never renames the profile; a customer the shop does not know yet is created with the order's name, or
//! with the e-mail as name when the order has none; an order without an e-mail has no customer.

use crate::catalog::Customer;
use crate::limits::MAX_TEXT_LEN;
use serde::{Deserialize, Serialize};

/// What the order does about its customer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CustomerDecision {
    /// The shop's customer with the order's e-mail, left as it is.
    Existing { customer_id: String },
    /// A new customer to create with the sale.
    New { customer: Customer },
    /// The order names no e-mail: the sale has no customer.
    NoCustomer,
}

impl CustomerDecision {
    /// The id the sale names.
    pub fn customer_id(&self) -> Option<&str> {
        match self {
            CustomerDecision::Existing { customer_id } => Some(customer_id),
            CustomerDecision::New { customer } => Some(&customer.id),
            CustomerDecision::NoCustomer => None,
        }
    }
}

/// An e-mail as it is compared and stored: trimmed and lower-cased. `None` when empty.
pub fn normalise_email(email: Option<&str>) -> Option<String> {
    email.map(|e| e.trim().to_lowercase()).filter(|e| !e.is_empty())
}

/// Seed 004's three cases. `existing` is the shop's customer whose e-mail equals the order's, ignoring
/// case, if any (the store looks it up); `new_id` names a customer created here.
pub fn match_customer(
    email: Option<&str>,
    name: Option<&str>,
    existing: Option<&Customer>,
    new_id: &str,
) -> CustomerDecision {
    let Some(email) = normalise_email(email) else {
        return CustomerDecision::NoCustomer;
    };
    if let Some(c) = existing.filter(|c| normalise_email(c.email.as_deref()).as_deref() == Some(email.as_str())) {
        return CustomerDecision::Existing { customer_id: c.id.clone() };
    }
    let name = name.map(str::trim).filter(|n| !n.is_empty()).unwrap_or(&email);
    CustomerDecision::New {
        customer: Customer { id: new_id.into(), name: truncate(name, MAX_TEXT_LEN), email: Some(truncate(&email, MAX_TEXT_LEN)) },
    }
}

/// At most `max` bytes, cut on a character boundary.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.into();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marie() -> Customer {
        Customer { id: "c-marie".into(), name: "Marie Tremblay".into(), email: Some("marie@example.ca".into()) }
    }

    #[test]
    fn an_existing_customer_is_matched_by_email_whatever_its_case_and_never_renamed() {
        let d = match_customer(Some(" Marie@Example.CA "), Some("M. Tremblay-Roy"), Some(&marie()), "new");
        assert_eq!(d, CustomerDecision::Existing { customer_id: "c-marie".into() });
    }

    #[test]
    fn a_new_customer_gets_the_orders_name_and_email() {
        let d = match_customer(Some("Luc@Example.ca"), Some("Luc Gagnon"), None, "c-new");
        assert_eq!(
            d,
            CustomerDecision::New {
                customer: Customer { id: "c-new".into(), name: "Luc Gagnon".into(), email: Some("luc@example.ca".into()) }
            }
        );
    }

    #[test]
    fn a_new_customer_without_a_name_is_named_by_email() {
        for name in [None, Some(""), Some("   ")] {
            let d = match_customer(Some("anne@example.ca"), name, None, "c-new");
            let CustomerDecision::New { customer } = d else { panic!("expected a new customer") };
            assert_eq!(customer.name, "anne@example.ca");
        }
    }

    #[test]
    fn an_order_without_email_has_no_customer() {
        assert_eq!(match_customer(None, Some("Luc"), Some(&marie()), "x"), CustomerDecision::NoCustomer);
        assert_eq!(match_customer(Some("  "), Some("Luc"), None, "x"), CustomerDecision::NoCustomer);
    }

    #[test]
    fn a_customer_loaded_with_another_email_is_not_taken() {
        let d = match_customer(Some("luc@example.ca"), None, Some(&marie()), "c-new");
        assert!(matches!(d, CustomerDecision::New { .. }));
    }

    #[test]
    fn long_names_are_cut_on_a_character_boundary() {
        let long = "é".repeat(400);
        let d = match_customer(Some("a@b.c"), Some(&long), None, "n");
        let CustomerDecision::New { customer } = d else { panic!() };
        assert!(customer.name.len() <= MAX_TEXT_LEN);
        assert!(customer.name.chars().all(|c| c == 'é'));
    }
}
