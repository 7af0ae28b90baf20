//! What an end-of-day (Z) report reads: the period's sales and payments on account, for a register or an
//! outlet. The figures themselves come from `shared::report::ZReport`.

use super::SqliteStore;
use shared::account::AccountPayment;
use shared::report::{Period, ReportScope};
use shared::sale::Sale;

impl SqliteStore {
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
        let sales_sql = format!("SELECT body FROM sales WHERE {column} = ? AND created_at_ms >= ? AND created_at_ms < ? ORDER BY created_at_ms");
        let payments_sql = format!(
            "SELECT body FROM account_payments WHERE {column} = ? AND created_at_ms >= ? AND created_at_ms < ? ORDER BY created_at_ms"
        );
        let bodies = |sql: String| {
            sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql))
                .bind(id.clone())
                .bind(period.from_ms)
                .bind(period.to_ms)
                .fetch_all(self.pool())
        };
        let sales = bodies(sales_sql).await?.iter().map(|b| serde_json::from_str(b)).collect::<Result<_, _>>()?;
        let payments = bodies(payments_sql).await?.iter().map(|b| serde_json::from_str(b)).collect::<Result<_, _>>()?;
        Ok((sales, payments))
    }
}
