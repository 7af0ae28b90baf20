//! Sales history on PostgreSQL (mirrors `store/history.rs`: the same filters, flags and key; ids compared
//! `COLLATE "C"` so pages follow the index and SQLite's byte order).

use super::PgStore;
use super::transaction;
use crate::store::auth::Audit;
use crate::store::history::{NOTE_COLUMNS, push_conditions, HistoryFilter, HistoryKey, IS_ONLINE, IS_RETURN, IS_RETURNED, IS_UNPAID, SUMMARY_COLUMNS};
use crate::store::page::Page;
use shared::catalog::Customer;
use shared::sale::Sale;
use shared::auth::AuditAction;
use shared::sales_history::{decide_note, details, Channel, Loaded, NewSaleNote, NoteDecision, NoteRefusal, OnlineLink, SaleDetails, SaleNote, SaleNotes, SaleSummary};
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
        let outlets: Vec<String> = if order.is_some() {
            sqlx::query_scalar("SELECT outlet_id FROM order_parts WHERE order_id = $1 ORDER BY outlet_id COLLATE \"C\"").bind(id).fetch_all(&mut *tx).await?
        } else {
            Vec::new()
        };
        let sale_notes = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {NOTE_COLUMNS} FROM sale_notes WHERE sale_id = $1 ORDER BY at_ms, id COLLATE \"C\"")))
            .bind(id)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(note_row)
            .collect();
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
                    outlets,
                }),
                Some(SaleNotes { sale_note: o.get("sale_note"), tracking: o.get("tracking") }),
            ),
            None => (None, None),
        };
        Ok(Some(details(&sale, Loaded { summary, returns: &returns, customer, online_order, notes, sale_notes })))
    }

    /// As on SQLite. Two requests with one id at once: the second's insert breaks the primary key, the
    /// transaction runs again (`transaction!` on 23505) and finds the first's note.
    pub async fn add_sale_note(&self, sale_id: &str, outlet_id: &str, note: &NewSaleNote, staff_id: &str) -> anyhow::Result<Result<(SaleNote, bool), NoteRefusal>> {
        transaction!(self, |tx| {
            let on_file = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT sale_id, {NOTE_COLUMNS} FROM sale_notes WHERE id = $1")))
                .bind(&note.id)
                .fetch_optional(&mut **tx)
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
            let added = SaleNote { id: note.id.clone(), text, staff_id: staff_id.to_owned(), at_ms: crate::store::now_ms() };
            sqlx::query("INSERT INTO sale_notes (id, sale_id, outlet_id, text, staff_id, at_ms) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(&added.id)
                .bind(sale_id)
                .bind(outlet_id)
                .bind(&added.text)
                .bind(&added.staff_id)
                .bind(added.at_ms)
                .execute(&mut **tx)
                .await?;
            super::auth::write_audit(tx, &Audit::new(AuditAction::SaleNoteAdded, staff_id, sale_id, added.text.clone()).outlet(Some(outlet_id))).await?;
            Ok(Ok((added, true)))
        })
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

fn note_row(r: &sqlx::postgres::PgRow) -> SaleNote {
    SaleNote { id: r.get("id"), text: r.get("text"), staff_id: r.get("staff_id"), at_ms: r.get("at_ms") }
}
