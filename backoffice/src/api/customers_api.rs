//! The customers page's calls to `/api/v1/customers/…` (a back-office page: it needs the server).

use frontend::sync::http::{get, post, seg, ApiFailure};
use serde::Deserialize;
use shared::account::{AccountPayment, Statement};
use shared::sync::CustomerSummary;

/// The answer to `POST /customers/{id}/payments`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct PaymentAnswer {
    /// `stored`, or `duplicate` when the server had it already (a retried request).
    pub status: String,
    pub payment: AccountPayment,
    /// The customer after the payment.
    pub summary: CustomerSummary,
}

fn path(id: &str) -> String {
    seg(id)
}

/// Every customer with balance, credit available, loyalty and recent history, by name.
pub async fn summaries() -> Result<Vec<CustomerSummary>, ApiFailure> {
    get("/api/v1/customers/summaries").await
}

/// The month-end statement of `year`-`month` (Montréal time).
pub async fn statement(customer_id: &str, year: i32, month: u32) -> Result<Statement, ApiFailure> {
    let url = format!("/api/v1/customers/{}/statement?year={year}&month={month}", path(customer_id));
    get(&url).await
}

/// Records a payment on account; sending the same payment again (same id) records nothing more.
pub async fn pay(payment: &AccountPayment) -> Result<PaymentAnswer, ApiFailure> {
    let url = format!("/api/v1/customers/{}/payments", path(&payment.customer_id));
    post(&url, payment).await
}
