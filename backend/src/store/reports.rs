//! What an end-of-day (Z) report reads: the period's sales and payments on account, for a register or an
//! outlet. The figures themselves come from `shared::report::ZReport`.

use super::auth::{write_audit, Audit};
use super::SqliteStore;
use shared::account::AccountPayment;
use shared::auth::AuditAction;
use shared::report::{Period, RecordedCount, ReportScope};
use shared::sale::Sale;
use shared::Money;
use sqlx::Row;

/// `(scope_kind, scope_id)` of a report's scope, as `cash_counts` keeps it.
pub(crate) fn scope_key(scope: &ReportScope) -> (&'static str, &str) {
    match scope {
        ReportScope::Register(id) => ("register", id),
        ReportScope::Outlet(id) => ("outlet", id),
    }
}

/// The audit line of a count: `2026-12-03: expected 210,00 $, counted 209,95 $ (-0,05 $)`.
pub(crate) fn count_audit(c: &RecordedCount) -> Audit {
    let (kind, id) = scope_key(&c.scope);
    let detail = format!("{kind} {id}, {}: expected {}, counted {} ({})", c.date, c.expected.format_fr_ca(), c.counted.format_fr_ca(), c.difference.format_fr_ca());
    Audit::new(AuditAction::CashCounted, &c.counted_by, id, detail)
}

/// A count from a `cash_counts` row (both databases name its columns alike).
pub(crate) fn count_of(scope: &ReportScope, date: &str, money: impl Fn(&str) -> i64, counted_by: String, at_ms: i64) -> RecordedCount {
    let (expected, counted) = (Money(money("expected_cents")), Money(money("counted_cents")));
    RecordedCount {
        scope: scope.clone(),
        date: date.to_string(),
        opening_float: Money(money("opening_float_cents")),
        expected,
        counted,
        // Stored rows were checked when recorded; a sum out of range cannot have been stored.
        difference: counted.checked_sub(expected).unwrap_or(Money::ZERO),
        counted_by,
        at_ms,
    }
}

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

    /// Records a drawer count, audited (at the count's outlet when it names a register's or an outlet's).
    pub async fn record_cash_count(&self, c: &RecordedCount, outlet_id: &str) -> anyhow::Result<()> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let (kind, id) = scope_key(&c.scope);
        sqlx::query(
            "INSERT INTO cash_counts (scope_kind, scope_id, date, opening_float_cents, expected_cents, counted_cents, counted_by, at_ms)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(kind)
        .bind(id)
        .bind(&c.date)
        .bind(c.opening_float.0)
        .bind(c.expected.0)
        .bind(c.counted.0)
        .bind(&c.counted_by)
        .bind(c.at_ms)
        .execute(&mut *tx)
        .await?;
        write_audit(&mut tx, &count_audit(c).outlet(Some(outlet_id))).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The counts recorded for a scope and day, newest first.
    pub async fn cash_counts(&self, scope: &ReportScope, date: &str) -> anyhow::Result<Vec<RecordedCount>> {
        let (kind, id) = scope_key(scope);
        let rows = sqlx::query(
            "SELECT opening_float_cents, expected_cents, counted_cents, counted_by, at_ms FROM cash_counts
             WHERE scope_kind = ? AND scope_id = ? AND date = ? ORDER BY id DESC LIMIT 1000",
        )
        .bind(kind)
        .bind(id)
        .bind(date)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.iter().map(|r| count_of(scope, date, |c| r.get(c), r.get("counted_by"), r.get("at_ms"))).collect())
    }
}
