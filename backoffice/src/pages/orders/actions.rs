//! Acting on an order: every action (status, pick, note, assignment, payment, tracking note) is an
//! operation (`shared::sync::OpBody`). At an enrolled device it is recorded with its outbox entry in one
//! IndexedDB transaction (`frontend::ops::record`) and travels like a sale — offline too; a manager's
//! browser without a device posts the same operation to `POST /api/v1/orders/ops`, which applies it with
//! the same store method.

use frontend::state::AppCtx;
use frontend::sync::http::{self, ApiFailure};
use leptos::prelude::*;
use serde::Deserialize;
use shared::sync::{OpBody, OpHold, Operation};

/// What became of an action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sent {
    /// In this device's outbox: shown at once, sent when the network allows.
    Queued,
    /// Applied by the server (a manager's browser).
    Applied,
    /// Refused or held by the server, with its reason.
    Refused { code: String, message: String },
    /// Not sent: the server is unreachable from a browser without an outbox.
    Unreachable(String),
}

/// The server's answer to `POST /orders/ops` (an `OpResult`; anything else 2xx counts as applied).
#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    hold: Option<OpHold>,
}

/// Who acts: the cashier switched in, else the signed-in staff member.
pub fn actor(ctx: &AppCtx) -> Option<String> {
    ctx.auth.cashier.get_untracked().map(|c| c.id).or_else(|| ctx.auth.session.get_untracked().map(|s| s.staff.id))
}

/// Sends `body` as operation `id` (made when the person confirmed: pressing again sends nothing more).
pub async fn act(ctx: &AppCtx, id: String, body: OpBody) -> Sent {
    if frontend::ops::via_outbox(ctx) {
        return match frontend::ops::record(ctx, id, body).await {
            Ok(_) => Sent::Queued,
            Err(e) => Sent::Refused { code: "local".into(), message: e },
        };
    }
    let Some(staff) = ctx.auth.session.get_untracked().map(|s| s.staff.id) else {
        return Sent::Refused { code: "unauthenticated".into(), message: String::new() };
    };
    let op = Operation {
        id,
        device_id: format!("staff:{staff}"),
        made_at_ms: js_sys::Date::now() as i64,
        cashier_id: staff,
        body,
    };
    match http::post::<_, serde_json::Value>("/api/v1/orders/ops", &op).await {
        Ok(v) => match serde_json::from_value::<Answer>(v) {
            Ok(Answer { status: Some(s), hold: Some(h) }) if s == "held" => Sent::Refused { code: h.code().into(), message: h.to_string() },
            _ => Sent::Applied,
        },
        Err(ApiFailure::Refused { error, .. }) => Sent::Refused { code: error.error, message: error.message },
        Err(ApiFailure::Unreachable(e)) => Sent::Unreachable(e),
    }
}
