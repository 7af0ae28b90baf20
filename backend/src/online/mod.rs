//! Online orders in the server: what comes from the platforms (ingest, webhooks, reconciliation) and
//! what goes back to them (`worker`: status calls and stock levels).

pub mod worker;
