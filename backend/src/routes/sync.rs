//! `POST /api/v1/sync/push`: a register's outbox arrives here. Checked whole, then stored whole, once.

use crate::error::{parse_json, AppError};
use crate::store::sqlite::PushConflict;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::Json;
use shared::sync::{PushRequest, PushResponse};
use std::collections::HashSet;

pub async fn push(State(state): State<AppState>, body: Bytes) -> Result<Json<PushResponse>, AppError> {
    let req: PushRequest = parse_json(&body)?;
    let Some((register, rates)) = state.store.register(&req.register_id).await? else {
        return Err(unprocessable("unknown_register", format!("unknown register '{}'", req.register_id), None));
    };

    let mut seen = HashSet::new();
    for sale in &req.sales {
        let seq = Some(sale.seq);
        if sale.register_id != register.id {
            return Err(unprocessable(
                "wrong_register",
                format!("sale {} belongs to register '{}', not '{}'", sale.seq, sale.register_id, register.id),
                seq,
            ));
        }
        if sale.outlet_id != register.outlet_id {
            return Err(unprocessable(
                "wrong_outlet",
                format!("sale {} names outlet '{}' but register '{}' sells for '{}'", sale.seq, sale.outlet_id, register.id, register.outlet_id),
                seq,
            ));
        }
        if !seen.insert(sale.seq) {
            return Err(unprocessable("repeated_sequence", format!("sequence {} appears twice in this push", sale.seq), seq));
        }
        // The register's figures are re-derived by the same rules; any difference refuses the push.
        sale.verify(&rates)
            .map_err(|e| unprocessable(e.code(), format!("sale {}: {e}", sale.seq), seq))?;
    }
    super::refund_check::check_push_refunds(&state.store, &req.sales).await?;

    let ids: HashSet<&str> = req.sales.iter().flat_map(|s| s.lines.iter().map(|l| l.product_id.as_str())).collect();
    let known = state.store.known_products(&ids).await?;
    for sale in &req.sales {
        if let Some(line) = sale.lines.iter().find(|l| !known.contains(&l.product_id)) {
            return Err(unprocessable(
                "unknown_product",
                format!("sale {}: unknown product '{}'", sale.seq, line.product_id),
                Some(sale.seq),
            ));
        }
    }

    match state.store.push_sales(&req.sales).await? {
        Ok(results) => {
            let stored = results.iter().filter(|r| r.status == shared::sync::PushStatus::Stored).count();
            if stored > 0 {
                tracing::info!(register = %register.id, stored, "sales stored");
            }
            Ok(Json(PushResponse { results }))
        }
        Err(PushConflict::KeyTaken { seq }) => Err(AppError::Conflict {
            message: format!("register '{}' already pushed a different sale with sequence {seq}", register.id),
            seq: Some(seq),
        }),
    }
}

fn unprocessable(code: &'static str, message: String, seq: Option<u64>) -> AppError {
    AppError::Unprocessable { code, message, seq }
}
