//! The customers page's calls to `/api/v1/customers/…` (a back-office page: it needs the server).

use super::api::{read, ApiFailure};
use gloo_net::http::Request;
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
    String::from(js_sys::encode_uri_component(id))
}


/// Every customer with balance, credit available, loyalty and recent history, by name.
pub async fn summaries() -> Result<Vec<CustomerSummary>, ApiFailure> {
    read(Request::get("/api/v1/customers/summaries").send().await).await
}

/// The month-end statement of `year`-`month` (Montréal time).
pub async fn statement(customer_id: &str, year: i32, month: u32) -> Result<Statement, ApiFailure> {
    let url = format!("/api/v1/customers/{}/statement?year={year}&month={month}", path(customer_id));
    read(Request::get(&url).send().await).await
}

/// Records a payment on account; sending the same payment again (same id) records nothing more.
pub async fn pay(payment: &AccountPayment) -> Result<PaymentAnswer, ApiFailure> {
    let url = format!("/api/v1/customers/{}/payments", path(&payment.customer_id));
    let request = Request::post(&url).json(payment).map_err(|e| ApiFailure::Unreachable(e.to_string()))?;
    read(request.send().await).await
}
