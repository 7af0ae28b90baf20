//! Sales history on SQLite (issue 12, item 3): every sale, in store and online, newest made first,
//! filtered and keyset-paged by (created_at_ms, id) — each filter has an index in that order (migration
//! 0020) —, and one sale's details assembled by `shared::sales_history::details`. The PostgreSQL twin is
//! `postgres/history.rs`; both build the same query from [`HistoryFilter`].

use super::page::Page;
use super::sqlite::SqliteStore;
use shared::catalog::Customer;
use shared::sale::Sale;
use super::auth::{write_audit, Audit};
use shared::auth::AuditAction;
use shared::sales_history::{decide_note, details, Channel, Loaded, NewSaleNote, NoteDecision, NoteRefusal, OnlineLink, SaleDetails, SaleNote, SaleNotes, SaleStatus, SaleSummary};
use shared::Money;
use sqlx::{QueryBuilder, Row};
use std::collections::BTreeSet;

/// The history's filters, checked by the route. `from_ms` inclusive, `to_ms` exclusive (ms on the
/// register's clock, when the sale was made).
#[derive(Clone, Debug, Default)]
pub struct HistoryFilter {
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub outlet: Option<String>,
    pub register: Option<String>,
    pub cashier: Option<String>,
    pub customer: Option<String>,
    pub receipt: Option<String>,
    pub status: Option<SaleStatus>,
    pub channel: Option<Channel>,
}

/// The sort key of the last row of a page: (created_at_ms, id), newest first.
pub type HistoryKey = (i64, String);

/// The columns of a summary and the flags the status filter reads, as SQL over `sales s` (both stores).
pub(crate) const IS_ONLINE: &str = "EXISTS (SELECT 1 FROM online_orders o WHERE o.id = s.id)";
pub(crate) const IS_RETURN: &str = "EXISTS (SELECT 1 FROM sale_returns r WHERE r.return_sale_id = s.id)";
pub(crate) const IS_RETURNED: &str = "EXISTS (SELECT 1 FROM sale_returns r WHERE r.original_sale_id = s.id)";
pub(crate) const IS_UNPAID: &str = "EXISTS (SELECT 1 FROM online_orders o WHERE o.id = s.id AND o.paid_cents < o.total_cents)";

/// The `WHERE` conditions of `filter` and the cursor, pushed onto `q` (which ends in `WHERE 1 = 1`).
/// `id_sql`: the id column as compared (PostgreSQL adds `COLLATE "C"`, so pages follow the index).
pub(crate) fn push_conditions<'a, DB: sqlx::Database>(q: &mut QueryBuilder<DB>, filter: &'a HistoryFilter, after: Option<&'a HistoryKey>, id_sql: &str)
where
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    &'a str: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    if let Some(v) = filter.from_ms {
        q.push(" AND s.created_at_ms >= ").push_bind(v);
    }
    if let Some(v) = filter.to_ms {
        q.push(" AND s.created_at_ms < ").push_bind(v);
    }
    for (column, value) in [
        ("s.outlet_id", &filter.outlet),
        ("s.register_id", &filter.register),
        ("s.cashier_id", &filter.cashier),
        ("s.customer_id", &filter.customer),
        ("s.receipt", &filter.receipt),
    ] {
        if let Some(v) = value {
            q.push(format!(" AND {column} = ")).push_bind(v.as_str());
        }
    }
    match filter.status {
        None => {}
        Some(SaleStatus::Return) => {
            q.push(format!(" AND {IS_RETURN}"));
        }
        Some(SaleStatus::Returned) => {
            q.push(format!(" AND {IS_RETURNED}"));
        }
        Some(SaleStatus::Unpaid) => {
            q.push(format!(" AND {IS_UNPAID}"));
        }
        Some(SaleStatus::Completed) => {
            q.push(format!(" AND NOT {IS_RETURN} AND NOT {IS_RETURNED} AND NOT {IS_UNPAID}"));
        }
    }
    match filter.channel {
        None => {}
        Some(Channel::Online) => {
            q.push(format!(" AND {IS_ONLINE}"));
        }
        Some(Channel::Store) => {
            q.push(format!(" AND NOT {IS_ONLINE}"));
        }
    }
    if let Some((at, id)) = after {
        // A plain range first, so the index seeks to the cursor instead of scanning from the newest.
        q.push(" AND s.created_at_ms <= ").push_bind(*at);
        q.push(" AND (s.created_at_ms < ").push_bind(*at).push(format!(" OR {id_sql} < ")).push_bind(id.as_str()).push(")");
    }
}

pub(crate) const SUMMARY_COLUMNS: &str = "s.id, s.receipt, s.outlet_id, s.register_id, s.cashier_id, s.customer_id, s.created_at_ms, s.received_at_ms, s.total_cents";

impl SqliteStore {
    pub async fn sales_history(&self, filter: &HistoryFilter, outlets: Option<&[String]>, after: Option<&HistoryKey>, limit: u32) -> anyhow::Result<Page<SaleSummary>> {
        let outlets = outlets.map(serde_json::to_string).transpose()?;
        let mut q = QueryBuilder::new(format!(
            "SELECT {SUMMARY_COLUMNS}, json_array_length(s.body, '$.lines') AS lines,
                    {IS_ONLINE} AS online, {IS_RETURN} AS is_return, {IS_RETURNED} AS returned, {IS_UNPAID} AS unpaid
             FROM sales s WHERE 1 = 1"
        ));
        if let Some(o) = &outlets {
            q.push(" AND s.outlet_id IN (SELECT value FROM json_each(").push_bind(o.as_str()).push("))");
        }
        push_conditions(&mut q, filter, after, "s.id");
        q.push(" ORDER BY s.created_at_ms DESC, s.id DESC LIMIT ").push_bind(i64::from(limit) + 1);
        let rows = q.build().fetch_all(self.pool()).await?;
        let items = rows.iter().map(summary_row).collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Page::of(items, limit, |s| (s.created_at_ms, s.id.clone())))
    }

    pub async fn sale_details(&self, id: &str) -> anyhow::Result<Option<SaleDetails>> {
        let mut conn = self.pool().acquire().await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SUMMARY_COLUMNS}, s.body, json_array_length(s.body, '$.lines') AS lines,
                    {IS_ONLINE} AS online, {IS_RETURN} AS is_return, {IS_RETURNED} AS returned, {IS_UNPAID} AS unpaid
             FROM sales s WHERE s.id = ?"
        )))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let sale: Sale = serde_json::from_str(row.get("body"))?;
        let summary = summary_row(&row)?;
        let returns = super::customers::returns_of(&mut conn, &BTreeSet::from([id])).await?;
        let customer = match &sale.customer_id {
            Some(c) => sqlx::query("SELECT id, name, email FROM customers WHERE id = ?")
                .bind(c)
                .fetch_optional(&mut *conn)
                .await?
                .map(|r| Customer { id: r.get("id"), name: r.get("name"), email: r.get("email") }),
            None => None,
        };
        let order = sqlx::query("SELECT id, connection_id, number, status, total_cents, paid_cents, sale_note, tracking FROM online_orders WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
        let outlets: Vec<String> = if order.is_some() {
            sqlx::query_scalar("SELECT outlet_id FROM order_parts WHERE order_id = ? ORDER BY outlet_id").bind(id).fetch_all(&mut *conn).await?
        } else {
            Vec::new()
        };
        let sale_notes = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {NOTE_COLUMNS} FROM sale_notes WHERE sale_id = ? ORDER BY at_ms, id")))
            .bind(id)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(note_row)
            .collect();
        let (online_order, notes) = match order {
            Some(o) => (
                Some(OnlineLink {
                    order_id: o.get("id"),
                    connection_id: o.get("connection_id"),
                    number: o.get("number"),
                    status: o.get("status"),
                    total: Money(o.get("total_cents")),
                    paid: Money(o.get("paid_cents")),
                    outlets,
                }),
                Some(SaleNotes { sale_note: o.get("sale_note"), tracking: o.get("tracking") }),
            ),
            None => (None, None),
        };
        Ok(Some(details(&sale, Loaded { summary, returns: &returns, customer, online_order, notes, sale_notes })))
    }

    /// Adds a note to sale `sale_id` (at `outlet_id`) unless its id is on file: `(note, added)` — the
    /// note as on file, and whether this call added it — or why not. The note and its audit entry are
    /// one transaction.
    pub async fn add_sale_note(&self, sale_id: &str, outlet_id: &str, note: &NewSaleNote, staff_id: &str) -> anyhow::Result<Result<(SaleNote, bool), NoteRefusal>> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let on_file = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT sale_id, {NOTE_COLUMNS} FROM sale_notes WHERE id = ?")))
            .bind(&note.id)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| (r.get::<String, _>("sale_id"), note_row(&r)));
        let text = match decide_note(sale_id, note, on_file.as_ref().map(|(s, n)| (s.as_str(), n))) {
            Err(e) => return Ok(Err(e)),
            Ok(NoteDecision::Duplicate) => match on_file {
                Some((_, n)) => return Ok(Ok((n, false))),
                None => unreachable!("a duplicate is a note on file"),
            },
            Ok(NoteDecision::Add(text)) => text,
        };
        let added = SaleNote { id: note.id.clone(), text, staff_id: staff_id.to_owned(), at_ms: super::now_ms() };
        sqlx::query("INSERT INTO sale_notes (id, sale_id, outlet_id, text, staff_id, at_ms) VALUES (?, ?, ?, ?, ?, ?)")
            .bind(&added.id)
            .bind(sale_id)
            .bind(outlet_id)
            .bind(&added.text)
            .bind(&added.staff_id)
            .bind(added.at_ms)
            .execute(&mut *tx)
            .await?;
        write_audit(&mut tx, &Audit::new(AuditAction::SaleNoteAdded, staff_id, sale_id, added.text.clone()).outlet(Some(outlet_id))).await?;
        tx.commit().await?;
        Ok(Ok((added, true)))
    }
}

pub(crate) const NOTE_COLUMNS: &str = "id, text, staff_id, at_ms";

fn note_row(r: &sqlx::sqlite::SqliteRow) -> SaleNote {
    SaleNote { id: r.get("id"), text: r.get("text"), staff_id: r.get("staff_id"), at_ms: r.get("at_ms") }
}

pub(crate) fn summary_row(r: &sqlx::sqlite::SqliteRow) -> anyhow::Result<SaleSummary> {
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
