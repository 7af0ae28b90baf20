//! What an end-of-day (Z) report reads on PostgreSQL (mirrors `store/reports.rs`).

use super::PgStore;
use shared::account::AccountPayment;
use shared::report::{Period, ReportScope};
use shared::sale::Sale;

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
}
