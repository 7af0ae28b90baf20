//! What an end-of-day (Z) report reads on PostgreSQL (mirrors `store/reports.rs`).

use super::auth::write_audit;
use super::{transaction, PgStore};
use crate::store::reports::{count_audit, count_of, scope_key};
use shared::account::AccountPayment;
use shared::report::{Period, RecordedCount, ReportScope};
use shared::sale::Sale;
use sqlx::Row;

impl PgStore {
    pub async fn sales_and_payments_in(
        &self,
        scope: &ReportScope,
        period: Period,
    ) -> anyhow::Result<(Vec<Sale>, Vec<AccountPayment>)> {
        let (column, id) = match scope {
            ReportScope::Register(id) => ("register_id", id),
            ReportScope::Outlet(id) => ("outlet_id", id),
        };
        // `column` is one of two fixed names; the values are bound.
        let sales_sql = format!("SELECT body FROM sales WHERE {column} = $1 AND created_at_ms >= $2 AND created_at_ms < $3 ORDER BY created_at_ms");
        let payments_sql = format!(
            "SELECT body FROM account_payments WHERE {column} = $1 AND created_at_ms >= $2 AND created_at_ms < $3 ORDER BY created_at_ms"
        );
        let bodies = |sql: String| {
            sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql))
                .bind(id.clone())
                .bind(period.from_ms)
                .bind(period.to_ms)
                .fetch_all(&self.pool)
        };
        let sales = bodies(sales_sql).await?.iter().map(|b| serde_json::from_str(b)).collect::<Result<_, _>>()?;
        let payments = bodies(payments_sql).await?.iter().map(|b| serde_json::from_str(b)).collect::<Result<_, _>>()?;
        Ok((sales, payments))
    }

    pub async fn record_cash_count(&self, c: &RecordedCount, outlet_id: &str) -> anyhow::Result<()> {
        transaction!(self, |tx| {
            let (kind, id) = scope_key(&c.scope);
            sqlx::query(
                "INSERT INTO cash_counts (scope_kind, scope_id, date, opening_float_cents, expected_cents, counted_cents, counted_by, at_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(kind)
            .bind(id)
            .bind(&c.date)
            .bind(c.opening_float.0)
            .bind(c.expected.0)
            .bind(c.counted.0)
            .bind(&c.counted_by)
            .bind(c.at_ms)
            .execute(&mut **tx)
            .await?;
            write_audit(tx, &count_audit(c).outlet(Some(outlet_id))).await?;
            Ok(())
        })
    }

    pub async fn cash_counts(&self, scope: &ReportScope, date: &str) -> anyhow::Result<Vec<RecordedCount>> {
        let (kind, id) = scope_key(scope);
        let rows = sqlx::query(
            "SELECT opening_float_cents, expected_cents, counted_cents, counted_by, at_ms FROM cash_counts
             WHERE scope_kind = $1 AND scope_id = $2 AND date = $3 ORDER BY id DESC LIMIT 1000",
        )
        .bind(kind)
        .bind(id)
        .bind(date)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(|r| count_of(scope, date, |c| r.get(c), r.get("counted_by"), r.get("at_ms"))).collect())
    }
}
