//! Clients: what creating or editing a customer in the back office sets — who they are and their
//! account terms (seed 003: the credit limit, "autorisation de découvert", and the automatic discount)
//! — and what a valid customer is. The create and edit routes call [`CustomerForm::checked`]; the CSV
//! import checks the same identity with [`checked_customer`], so a customer is checked by one rule
//! whichever way it arrives. An edit never touches the balance: that is a sum of entries (payments,
//! sales on account), never a field.

use super::edit::FieldError;
use super::import::checked_customer;
use super::Customer;
use crate::account::CustomerAccount;
use crate::limits::MAX_CREDIT_LIMIT;
#[cfg(feature = "openapi")]
use crate::limits::{MAX_ID_LEN, MAX_TEXT_LEN};
use crate::money::Money;
use crate::sale::FULL_BP;
use serde::{Deserialize, Serialize};

/// The body of `POST /customers` and `PUT /customers/{id}`: the whole customer, as the form shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CustomerForm {
    /// On create only, chosen by the server when omitted; on edit, the path's id (or omitted).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = MAX_ID_LEN)))]
    pub id: Option<String>,
    #[cfg_attr(feature = "openapi", schemars(length(max = MAX_TEXT_LEN)))]
    pub name: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = MAX_TEXT_LEN)))]
    pub email: Option<String>,
    /// Zero: no sale on account.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(range(min = 0, max = MAX_CREDIT_LIMIT.as_cents())))]
    pub credit_limit: Money,
    /// Basis points (500 = 5 %); zero: none.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(range(min = 0, max = FULL_BP)))]
    pub automatic_discount_bp: u32,
}

/// A customer and their account terms, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedCustomer {
    pub customer: Customer,
    pub account: CustomerAccount,
}

impl CustomerForm {
    /// The customer this form makes under `id` (a create's own id wins), normalised (texts trimmed,
    /// an empty e-mail removed) when every field is valid; else every field at fault.
    pub fn checked(self, id: String) -> Result<CheckedCustomer, Vec<FieldError>> {
        let id = self.id.map(|i| i.trim().to_string()).unwrap_or(id);
        let identity = checked_customer(Customer { id: id.clone(), name: self.name.trim().into(), email: self.email });
        let mut errors = identity.as_ref().err().cloned().unwrap_or_default();
        if self.credit_limit.is_negative() || self.credit_limit > MAX_CREDIT_LIMIT {
            errors.push(FieldError::new("credit_limit", "out_of_range", format!("the credit limit is between 0 and {MAX_CREDIT_LIMIT}")));
        }
        if self.automatic_discount_bp > FULL_BP {
            errors.push(FieldError::new("automatic_discount_bp", "out_of_range", "the automatic discount is between 0 % and 100 %"));
        }
        match identity {
            Ok(customer) if errors.is_empty() => Ok(CheckedCustomer {
                customer,
                account: CustomerAccount { customer_id: id, credit_limit: self.credit_limit, automatic_discount_bp: self.automatic_discount_bp },
            }),
            _ => Err(errors),
        }
    }
}

/// The fields an edit changes, by their form names, for the audit log.
pub fn changed_fields(before: &CheckedCustomer, after: &CheckedCustomer) -> Vec<&'static str> {
    let mut fields = Vec::new();
    if before.customer.name != after.customer.name {
        fields.push("name");
    }
    if before.customer.email != after.customer.email {
        fields.push("email");
    }
    if before.account.credit_limit != after.account.credit_limit {
        fields.push("credit_limit");
    }
    if before.account.automatic_discount_bp != after.account.automatic_discount_bp {
        fields.push("automatic_discount_bp");
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(name: &str, email: Option<&str>, limit: i64, bp: u32) -> CustomerForm {
        CustomerForm { id: None, name: name.into(), email: email.map(Into::into), credit_limit: Money(limit), automatic_discount_bp: bp }
    }

    #[test]
    fn a_valid_form_makes_a_customer_with_its_account_terms() {
        let c = form("  Marie Tremblay ", Some(" marie@exemple.ca "), 50_000, 500).checked("c9".into()).unwrap();
        assert_eq!(c.customer, Customer { id: "c9".into(), name: "Marie Tremblay".into(), email: Some("marie@exemple.ca".into()) });
        assert_eq!(c.account, CustomerAccount { customer_id: "c9".into(), credit_limit: Money(50_000), automatic_discount_bp: 500 });
    }

    #[test]
    fn every_field_at_fault_is_named_at_once() {
        let errors = form("", Some("pas-un-courriel"), -1, 10_001).checked("c9".into()).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "email", "credit_limit", "automatic_discount_bp"]);
    }

    #[test]
    fn a_credit_limit_above_the_ceiling_is_refused() {
        let over = Money(MAX_CREDIT_LIMIT.as_cents() + 1);
        assert!(form("A", None, MAX_CREDIT_LIMIT.as_cents(), 0).checked("c".into()).is_ok());
        assert_eq!(form("A", None, over.as_cents(), 0).checked("c".into()).unwrap_err()[0].code, "out_of_range");
    }

    #[test]
    fn an_edit_names_only_what_changed() {
        let before = form("A", None, 0, 0).checked("c".into()).unwrap();
        let after = form("A", Some("a@b.ca"), 10_000, 0).checked("c".into()).unwrap();
        assert_eq!(changed_fields(&before, &after), ["email", "credit_limit"]);
        assert!(changed_fields(&before, &before).is_empty());
    }
}
