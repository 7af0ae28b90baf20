//! The customers page's calls to `/api/v1/customers/…` (a back-office page: it needs the server).

use super::products_api::{answer, Failure};
use frontend::sync::http::{get, post, request, seg, send, ApiFailure, Method, TIMEOUT_MS};
use shared::catalog::customer_edit::CustomerForm;
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

async fn summary_of(resp: Result<gloo_net::http::Response, gloo_net::Error>) -> Result<CustomerSummary, Failure> {
    answer(resp).await?.json().await.map_err(|e| Failure::Unreachable(format!("bad answer: {e}")))
}

/// `POST /customers`: a new customer with their account terms (the server makes the id).
pub async fn create(form: &CustomerForm) -> Result<CustomerSummary, Failure> {
    let json = serde_json::to_string(form).map_err(|e| Failure::Unreachable(e.to_string()))?;
    summary_of(send(request(Method::Post, "/api/v1/customers"), Some(json), TIMEOUT_MS).await).await
}

/// `PUT /customers/{id}`: the customer's name, e-mail and terms as the form states them.
pub async fn edit(id: &str, form: &CustomerForm) -> Result<CustomerSummary, Failure> {
    let json = serde_json::to_string(form).map_err(|e| Failure::Unreachable(e.to_string()))?;
    let builder = request(Method::Post, &format!("/api/v1/customers/{}", path(id))).method(gloo_net::http::Method::PUT);
    summary_of(send(builder, Some(json), TIMEOUT_MS).await).await
}
