//! The server's check of returns in a push: a returned line that refers to an original sale must
//! refund exactly what that sale charged for those units (`shared::sale::verify_refunds`), given the
//! returns of it made before. The register's figures are re-derived, never trusted.
//!
//! Which earlier returns count: a register that was offline may not have known of a return made at
//! another register, but it knows its own. So a return passes if its figures are right given every
//! return the server holds (and those earlier in the same push), or given only its own register's.
//! Anything else — figures that match neither plan — is wrong arithmetic and refuses the push (422,
//! nothing written). (A register that knew of some other registers' returns but not all is not
//! tried: that would be every subset.) A return let through on a partial view is stored (the customer has been paid) and
//! `store::customers::record_sale_customer` records it as a `refund_mismatch` conflict.

use crate::error::AppError;
use crate::store::customers::originals_of;
use crate::store::SqliteStore;
use shared::sale::{verify_refunds, Sale};
use std::collections::BTreeSet;

/// Checks every sale of a push, in order: each return is checked against the server's sales plus the
/// sales before it in the push (a sale and its return may arrive together). Call once every
/// `sale.verify` has passed, before storing; a refusal names the sale by its sequence.
pub(crate) async fn check_push_refunds(store: &SqliteStore, sales: &[Sale]) -> Result<(), AppError> {
    for (i, sale) in sales.iter().enumerate() {
        check_refunds(store, sale, &sales[..i]).await?;
    }
    Ok(())
}

async fn check_refunds(store: &SqliteStore, sale: &Sale, before_in_push: &[Sale]) -> Result<(), AppError> {
    let originals = originals_of(sale);
    if originals.is_empty() {
        return Ok(());
    }
    // Already stored (a repeated push): it was checked when it arrived, and the returns stored since
    // would wrongly count as made before it.
    if !store.sales_by_id(&BTreeSet::from([sale.id.as_str()])).await?.is_empty() {
        return Ok(());
    }
    let mut found = store.sales_by_id(&originals).await?;
    let mut earlier = store.returns_of(&originals).await?;
    for s in before_in_push {
        if originals.contains(s.id.as_str()) && !found.iter().any(|f| f.id == s.id) {
            found.push(s.clone());
        }
        if !originals_of(s).is_disjoint(&originals) && !earlier.iter().any(|e| e.id == s.id) {
            earlier.push(s.clone());
        }
    }
    let Err(e) = verify_refunds(sale, &found, &earlier) else {
        return Ok(());
    };
    // What a register that was offline planned from: its own returns, which it always knows.
    let own: Vec<Sale> = earlier.iter().filter(|s| s.register_id == sale.register_id).cloned().collect();
    if own.len() < earlier.len() && verify_refunds(sale, &found, &own).is_ok() {
        return Ok(());
    }
    Err(AppError::Unprocessable { code: e.code(), message: format!("sale {}: {e}", sale.seq), seq: Some(sale.seq) })
}
