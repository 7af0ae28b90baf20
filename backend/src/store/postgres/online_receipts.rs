//! The orders registers' online receipt numbers on PostgreSQL (see the SQLite twin). The register's
//! row is locked (`FOR UPDATE`) from the read to the commit: two instances taking orders from two
//! stores at one register number them one after the other. Callers lock their connection's row first,
//! then this one, then their advisory locks — one order everywhere, so no deadlock.

use sqlx::PgConnection;

/// The register's next online receipt number, its row locked until the transaction ends.
pub(crate) async fn next(conn: &mut PgConnection, register_id: &str) -> anyhow::Result<u64> {
    // A register's first online order makes its row; a racing first order waits on this insert and then
    // finds the row (or fails on the key and is retried by `transaction!`).
    sqlx::query("INSERT INTO online_receipts (register_id, next_seq) VALUES ($1, 1) ON CONFLICT (register_id) DO NOTHING")
        .bind(register_id)
        .execute(&mut *conn)
        .await?;
    let n: i64 = sqlx::query_scalar("SELECT next_seq FROM online_receipts WHERE register_id = $1 FOR UPDATE").bind(register_id).fetch_one(&mut *conn).await?;
    Ok(u64::try_from(n)?)
}

/// The number `next` gave is printed on a written sale.
pub(crate) async fn taken(conn: &mut PgConnection, register_id: &str) -> anyhow::Result<()> {
    sqlx::query("UPDATE online_receipts SET next_seq = next_seq + 1 WHERE register_id = $1").bind(register_id).execute(conn).await?;
    Ok(())
}
