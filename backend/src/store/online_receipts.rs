//! The orders registers' online receipt numbers (`MTL1-W-000042`, `shared::online::intake::online_receipt`):
//! one sequence per register, shared by every connected store sending orders there, so two stores never
//! print the same number. Read when an order's sale (or a cancellation's return) is planned and bumped
//! only when it is written, in the same transaction; SQLite's write turn keeps writers one at a time.

use sqlx::SqliteConnection;

/// The register's next online receipt number (its row made at its first online order).
pub(crate) async fn next(conn: &mut SqliteConnection, register_id: &str) -> anyhow::Result<u64> {
    sqlx::query("INSERT INTO online_receipts (register_id, next_seq) VALUES (?, 1) ON CONFLICT (register_id) DO NOTHING")
        .bind(register_id)
        .execute(&mut *conn)
        .await?;
    let n: i64 = sqlx::query_scalar("SELECT next_seq FROM online_receipts WHERE register_id = ?").bind(register_id).fetch_one(&mut *conn).await?;
    Ok(u64::try_from(n)?)
}

/// The number `next` gave is printed on a written sale.
pub(crate) async fn taken(conn: &mut SqliteConnection, register_id: &str) -> anyhow::Result<()> {
    sqlx::query("UPDATE online_receipts SET next_seq = next_seq + 1 WHERE register_id = ?").bind(register_id).execute(conn).await?;
    Ok(())
}
