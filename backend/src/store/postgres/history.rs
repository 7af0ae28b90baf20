//! Sales history on PostgreSQL (mirrors `store/history.rs`: the same filters, flags and key; ids compared
//! `COLLATE "C"` so pages follow the index and SQLite's byte order).

use super::PgStore;
use crate::store::history::{push_conditions, HistoryFilter, HistoryKey, IS_ONLINE, IS_RETURN, IS_RETURNED, IS_UNPAID, SUMMARY_COLUMNS};
use crate::store::page::Page;
use shared::catalog::Customer;
use shared::sale::Sale;
use shared::sales_history::{details, Channel, Loaded, OnlineLink, SaleDetails, SaleNotes, SaleSummary};
use shared::Money;
use sqlx::{QueryBuilder, Row};
use std::collections::BTreeSet;

const LINES: &str = "json_array_length((s.body::json) -> 'lines')";

impl PgStore {
    pub async fn sales_history(&self, filter: &HistoryFilter, outlets: Option<&[String]>, after: Option<&HistoryKey>, limit: u32) -> anyhow::Result<Page<SaleSummary>> {
        let mut q = QueryBuilder::new(format!(
            "SELECT {SUMMARY_COLUMNS}, {LINES}::BIGINT AS lines,
                    {IS_ONLINE} AS online, {IS_RETURN} AS is_return, {IS_RETURNED} AS returned, {IS_UNPAID} AS unpaid
             FROM sales s WHERE 1 = 1"
        ));
        if let Some(o) = outlets {
            q.push(" AND s.outlet_id = ANY(").push_bind(o.to_vec()).push(")");
        }
        push_conditions(&mut q, filter, after, "s.id COLLATE \"C\"");
        q.push(" ORDER BY s.created_at_ms DESC, s.id COLLATE \"C\" DESC LIMIT ").push_bind(i64::from(limit) + 1);
        let rows = q.build().fetch_all(&self.pool).await?;
        let items = rows.iter().map(summary_row).collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Page::of(items, limit, |s| (s.created_at_ms, s.id.clone())))
    }

    pub async fn sale_details(&self, id: &str) -> anyhow::Result<Option<SaleDetails>> {
        // One snapshot: the sale, its returns and its order as of one moment.
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SUMMARY_COLUMNS}, s.body, {LINES}::BIGINT AS lines,
                    {IS_ONLINE} AS online, {IS_RETURN} AS is_return, {IS_RETURNED} AS returned, {IS_UNPAID} AS unpaid
             FROM sales s WHERE s.id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let sale: Sale = serde_json::from_str(row.get("body"))?;
        let summary = summary_row(&row)?;
        let returns = super::customers::returns_of(&mut tx, &BTreeSet::from([id])).await?;
        let customer = match &sale.customer_id {
            Some(c) => sqlx::query("SELECT id, name, email FROM customers WHERE id = $1")
                .bind(c)
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| Customer { id: r.get("id"), name: r.get("name"), email: r.get("email") }),
            None => None,
        };
        let order = sqlx::query("SELECT id, connection_id, number, status, total_cents, paid_cents, sale_note, tracking FROM online_orders WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        let (online_order, notes) = match order {
            Some(o) => (
                Some(OnlineLink {
                    order_id: o.get("id"),
                    connection_id: o.get("connection_id"),
                    number: o.get("number"),
                    status: o.get("status"),
                    total: Money(o.get("total_cents")),
                    paid: Money(o.get("paid_cents")),
                }),
                Some(SaleNotes { sale_note: o.get("sale_note"), tracking: o.get("tracking") }),
            ),
            None => (None, None),
        };
        Ok(Some(details(&sale, Loaded { summary, returns: &returns, customer, online_order, notes })))
    }
}

fn summary_row(r: &sqlx::postgres::PgRow) -> anyhow::Result<SaleSummary> {
    Ok(SaleSummary {
        id: r.get("id"),
        receipt: r.get("receipt"),
        outlet_id: r.get("outlet_id"),
        register_id: r.get("register_id"),
        cashier_id: r.get::<Option<String>, _>("cashier_id").unwrap_or_default(),
        customer_id: r.get("customer_id"),
        created_at_ms: r.get("created_at_ms"),
        received_at_ms: r.get("received_at_ms"),
        total: Money(r.get("total_cents")),
        lines: u32::try_from(r.get::<i64, _>("lines")).unwrap_or(0),
        channel: if r.get::<bool, _>("online") { Channel::Online } else { Channel::Store },
        is_return: r.get("is_return"),
        returned: r.get("returned"),
        unpaid: r.get("unpaid"),
    })
}
