//! The inbox on PostgreSQL (mirrors `store/inbox.rs`): the same sources, keys and decisions. A
//! resolution takes `Lock::InboxItem` first (then, accepting a held sale, the push's own locks); the
//! unique keys of `inbox_resolutions` stay the last line (23505 runs the transaction again, which then
//! finds the resolution on file).

use super::auth::write_audit;
use super::{lock, transaction, Lock, PgStore};
use crate::store::auth::Audit;
use crate::store::inbox::{in_scope, InboxFilter, InboxKey, InboxRefusal, Resolved};
use crate::store::now_ms;
use crate::store::page::Page;
use shared::auth::AuditAction;
use shared::inbox::{decide, item, Decision, Effect, InboxItem, ItemId, ItemKind, ItemState, ResolveRequest, Resolution, Source};
use shared::stock::{Movement, MovementReason, StockLevel};
use shared::sync::ops::{stock_deltas, AdjustmentLine, AdjustmentReason};
use shared::sync::HoldReason;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Postgres, QueryBuilder, Row, Transaction};

/// Each source table as (item id, kind, code, outlet, time, detail JSON, sale, receipt, level,
/// resolved) rows; `{open}` is replaced by the branch's own condition.
const BRANCHES: [(ItemKind, &str, &str, &str); 5] = [
    (
        ItemKind::HeldSale,
        "SELECT 'held_sale:' || h.id AS item_id, h.code AS code, h.outlet_id AS outlet_id, h.received_at_ms AS at_ms,
                h.reason AS detail, h.sale_id AS sale_id, (h.body::json ->> 'receipt') AS receipt, NULL::BIGINT AS level, h.resolved AS resolved
         FROM held_sales h WHERE ",
        "NOT h.resolved",
        "h.id = ",
    ),
    (
        ItemKind::HeldOperation,
        "SELECT 'held_operation:' || o.id AS item_id, COALESCE(o.code, '') AS code, (SELECT outlet_id FROM devices WHERE id = o.pushed_by) AS outlet_id, o.received_at_ms AS at_ms, json_build_object('reason', COALESCE(o.reason, 'null')::json, 'operation', o.body::json, 'pushed_by', o.pushed_by)::text AS detail, NULL::TEXT AS sale_id, NULL::TEXT AS receipt, NULL::BIGINT AS level, o.resolved AS resolved
         FROM ops o WHERE o.status = 'held' AND ",
        "NOT o.resolved",
        "o.id = ",
    ),
    (
        ItemKind::HeldOnlineOrder,
        "SELECT 'held_online_order:' || h.id AS item_id, h.code AS code, r.outlet_id AS outlet_id, h.received_at_ms AS at_ms, json_build_object('message', h.reason, 'connection_id', h.connection_id, 'external_id', h.external_id)::text AS detail, NULL::TEXT AS sale_id, NULL::TEXT AS receipt, NULL::BIGINT AS level, h.resolved AS resolved
         FROM held_online_orders h JOIN connections c ON c.id = h.connection_id JOIN registers r ON r.id = c.orders_register_id WHERE ",
        "NOT h.resolved",
        "h.id = ",
    ),
    (
        ItemKind::Conflict,
        "SELECT 'conflict:' || c.id AS item_id, c.kind AS code, c.outlet_id AS outlet_id, c.created_at_ms AS at_ms, c.detail AS detail, c.sale_id AS sale_id, (SELECT receipt FROM sales WHERE id = c.sale_id) AS receipt, NULL::BIGINT AS level, c.resolved AS resolved
         FROM conflicts c WHERE ",
        "NOT c.resolved",
        "c.id = ",
    ),
    (
        ItemKind::StockBelowZero,
        "SELECT 'stock_below_zero:' || l.outlet_id || ':' || l.product_id AS item_id, 'below_zero' AS code, l.outlet_id AS outlet_id, 0::BIGINT AS at_ms, json_build_object('product_id', l.product_id, 'level', l.qty)::text AS detail, NULL::TEXT AS sale_id, NULL::TEXT AS receipt, l.qty AS level, FALSE AS resolved
         FROM stock_levels l WHERE ",
        "l.qty < 0",
        "",
    ),
];

fn source_row(r: &PgRow) -> anyhow::Result<Source> {
    let id: String = r.get("item_id");
    Ok(Source {
        id: id.parse().map_err(anyhow::Error::msg)?,
        code: r.get("code"),
        outlet_id: r.get("outlet_id"),
        at_ms: r.get("at_ms"),
        detail: serde_json::from_str(r.get::<Option<&str>, _>("detail").unwrap_or("null"))?,
        sale_id: r.get("sale_id"),
        receipt: r.get("receipt"),
        level: r.get("level"),
        resolved: r.get::<bool, _>("resolved"),
    })
}

fn resolution_row(r: &PgRow) -> anyhow::Result<Resolution> {
    Ok(Resolution {
        resolution_id: r.get("id"),
        item_id: r.get("item_id"),
        action: r.get::<&str, _>("action").parse()?,
        note: r.get("note"),
        counted: r.get("counted"),
        closes: r.get("closes"),
        staff_id: r.get("staff_id"),
        at_ms: r.get("at_ms"),
        outcome: serde_json::from_str(r.get("outcome"))?,
    })
}

const RESOLUTION_COLUMNS: &str = "id, item_id, action, note, counted, closes, staff_id, at_ms, outcome";

/// The resolutions on file for `items`, oldest first.
async fn resolutions_of(conn: &mut PgConnection, items: &[String]) -> anyhow::Result<Vec<Resolution>> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {RESOLUTION_COLUMNS} FROM inbox_resolutions WHERE item_id = ANY($1) ORDER BY at_ms, id COLLATE \"C\""
    )))
    .bind(items.to_vec())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(resolution_row).collect()
}

/// Resolutions by id (the change log's `inbox_resolution` rows).
pub(crate) async fn resolutions_by_id(conn: &mut PgConnection, ids: &[&str]) -> anyhow::Result<std::collections::HashMap<String, Resolution>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {RESOLUTION_COLUMNS} FROM inbox_resolutions WHERE id = ANY($1)")))
        .bind(ids.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(|r| resolution_row(r).map(|x| (x.resolution_id.clone(), x))).collect()
}

/// Sources with their resolutions, as items.
async fn items_of(conn: &mut PgConnection, sources: Vec<Source>) -> anyhow::Result<Vec<InboxItem>> {
    let ids: Vec<String> = sources.iter().map(|s| s.id.to_string()).collect();
    let mut all = resolutions_of(conn, &ids).await?;
    Ok(sources
        .iter()
        .map(|s| {
            let id = s.id.to_string();
            let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut all).into_iter().partition(|r| r.item_id == id);
            all = rest;
            item(s, mine)
        })
        .collect())
}

/// One item as it stands, whatever its state (`None`: no such item).
async fn load_item(conn: &mut PgConnection, id: &ItemId) -> anyhow::Result<Option<InboxItem>> {
    let (kind, select, _, by_id) = BRANCHES.iter().find(|b| b.0 == id.kind()).copied().expect("a branch per kind");
    let mut q = QueryBuilder::new(select);
    match id {
        ItemId::HeldSale(n) | ItemId::HeldOperation(n) | ItemId::HeldOnlineOrder(n) | ItemId::Conflict(n) => {
            q.push(by_id).push_bind(*n);
        }
        ItemId::StockBelowZero { outlet_id, product_id } => {
            debug_assert_eq!(kind, ItemKind::StockBelowZero);
            q.push("l.outlet_id = ").push_bind(outlet_id.as_str()).push(" AND l.product_id = ").push_bind(product_id.as_str());
        }
    }
    let Some(row) = q.build().fetch_optional(&mut *conn).await? else {
        // A level back at zero or above, or never negative, with a correction on file: shown resolved.
        return Ok(None);
    };
    let source = source_row(&row)?;
    Ok(items_of(conn, vec![source]).await?.pop())
}

impl PgStore {
    pub async fn inbox(&self, filter: &InboxFilter, outlets: Option<&[String]>, after: Option<&InboxKey>, limit: u32) -> anyhow::Result<Page<InboxItem>> {
        let mut conn = self.pool.acquire().await?;
        if filter.state == ItemState::Resolved {
            // Resolved items as they stood when resolved, with their closing resolution.
            let mut q = QueryBuilder::new("SELECT item, at_ms, item_id FROM inbox_resolutions r WHERE closes");
            if let Some(o) = outlets {
                q.push(" AND r.outlet_id = ANY(").push_bind(o.to_vec()).push(")");
            }
            if let Some(o) = &filter.outlet {
                q.push(" AND r.outlet_id = ").push_bind(o.as_str());
            }
            if let Some(k) = filter.kind {
                q.push(" AND r.kind = ").push_bind(<&str>::from(k));
            }
            if let Some((at, id)) = after {
                q.push(" AND (r.at_ms > ").push_bind(*at).push(" OR (r.at_ms = ").push_bind(*at).push(" AND r.item_id COLLATE \"C\" > ").push_bind(id.as_str()).push("))");
            }
            q.push(" ORDER BY r.at_ms, r.item_id COLLATE \"C\" LIMIT ").push_bind(i64::from(limit) + 1);
            let rows = q.build().fetch_all(&mut *conn).await?;
            let items = rows
                .iter()
                .map(|r| Ok((serde_json::from_str::<InboxItem>(r.get("item"))?, (r.get::<i64, _>("at_ms"), r.get::<String, _>("item_id")))))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let page = Page::of(items, limit, |(_, key)| key.clone());
            return Ok(Page { items: page.items.into_iter().map(|(i, _)| i).collect(), next: page.next });
        }
        let mut q = QueryBuilder::new("SELECT * FROM (");
        let mut first = true;
        for (kind, select, open, _) in BRANCHES {
            if filter.kind.is_some_and(|k| k != kind) {
                continue;
            }
            if !first {
                q.push(" UNION ALL ");
            }
            first = false;
            q.push(select).push(open);
        }
        q.push(") i WHERE 1 = 1");
        if let Some(o) = outlets {
            q.push(" AND i.outlet_id = ANY(").push_bind(o.to_vec()).push(")");
        }
        if let Some(o) = &filter.outlet {
            q.push(" AND i.outlet_id = ").push_bind(o.as_str());
        }
        if let Some((at, id)) = after {
            q.push(" AND (i.at_ms > ").push_bind(*at).push(" OR (i.at_ms = ").push_bind(*at).push(" AND i.item_id COLLATE \"C\" > ").push_bind(id.as_str()).push("))");
        }
        q.push(" ORDER BY i.at_ms, i.item_id COLLATE \"C\" LIMIT ").push_bind(i64::from(limit) + 1);
        let rows = q.build().fetch_all(&mut *conn).await?;
        let sources = rows.iter().map(source_row).collect::<anyhow::Result<Vec<_>>>()?;
        let items = items_of(&mut conn, sources).await?;
        Ok(Page::of(items, limit, |i| (i.at_ms, i.id.clone())))
    }

    /// One item, at one of `outlets` (`None`: any).
    pub async fn inbox_item(&self, id: &ItemId, outlets: Option<&[String]>) -> anyhow::Result<Option<InboxItem>> {
        let mut conn = self.pool.acquire().await?;
        Ok(load_item(&mut conn, id).await?.filter(|i| in_scope(i, outlets)))
    }

    /// Decides and writes one resolution (see the module doc).
    pub async fn resolve_inbox(&self, id: &ItemId, request: &ResolveRequest, staff_id: &str, outlets: Option<&[String]>) -> anyhow::Result<Result<Resolved, InboxRefusal>> {
        let result = transaction!(self, |tx| {
            lock(tx, [Lock::InboxItem(id.to_string())]).await?;
            let Some(before) = load_item(tx, id).await?.filter(|i| in_scope(i, outlets)) else {
                return Ok(Err(InboxRefusal::NotFound));
            };
            let same_id = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {RESOLUTION_COLUMNS} FROM inbox_resolutions WHERE id = $1")))
                .bind(&request.resolution_id)
                .fetch_optional(&mut **tx)
                .await?
                .map(|r| resolution_row(&r))
                .transpose()?;
            let effect = match decide(&before, request, same_id.as_ref()) {
                Err(r) => return Ok(Err(InboxRefusal::Rule(r))),
                Ok(Decision::Duplicate(resolution)) => return Ok(Ok(Resolved { resolution, item: before, duplicate: true })),
                Ok(Decision::Apply(effect)) => effect,
            };
            let now = now_ms();
            let (closes, outcome) = match effect {
                Effect::Record { closes } => (closes, serde_json::Value::Null),
                Effect::Retry => return Ok(Err(InboxRefusal::Retry(Box::new(before)))),
                Effect::CountStock { outlet_id, product_id, counted } => {
                    let levels = super::push::lock_stock_levels(tx, &outlet_id, std::slice::from_ref(&product_id)).await?;
                    let level = levels.get(&product_id).copied().unwrap_or(0);
                    let line = AdjustmentLine { product_id: product_id.clone(), qty: counted };
                    let deltas = stock_deltas(AdjustmentReason::Count, &[line], |_| level)
                        .map_err(|p| anyhow::anyhow!("a count of {counted} for {p} leaves the stock range"))?;
                    let delta: i64 = deltas.iter().map(|(_, d)| d).sum();
                    let movements: Vec<Movement> = deltas
                        .iter()
                        .map(|(p, d)| Movement {
                            id: format!("inbox:{}:{p}", request.resolution_id),
                            product_id: p.clone(),
                            outlet_id: outlet_id.clone(),
                            delta: *d,
                            reason: MovementReason::Adjustment,
                            source_id: format!("inbox:{}", request.resolution_id),
                            created_at_ms: now,
                            version: None,
                        })
                        .collect();
                    super::push::write_movements(tx, &movements, &[StockLevel::new(&product_id, &outlet_id, counted)]).await?;
                    (true, serde_json::json!({ "delta": delta, "level": counted }))
                }
                Effect::AcceptSale => match accept_held_sale(tx, id, request, staff_id, now).await? {
                    Ok(outcome) => (true, outcome),
                    // Rolled back: the push's path wrote a new hold.
                    Err(reason) => return Err(anyhow::Error::new(StillHeld(reason))),
                },
            };
            Ok(Ok(write_resolution(tx, &before, request, staff_id, now, closes, outcome).await?))
        });
        match result {
            Err(e) => match e.downcast::<StillHeld>() {
                Ok(StillHeld(reason)) => Ok(Err(InboxRefusal::StillHeld(reason))),
                Err(e) => Err(e),
            },
            Ok(r) => Ok(r),
        }
    }

    /// A retry's resolution, once the orders' retry ran (taken in: it closes; held again: a note).
    pub async fn record_retry(&self, before: &InboxItem, request: &ResolveRequest, staff_id: &str, closes: bool, outcome: serde_json::Value) -> anyhow::Result<Resolved> {
        transaction!(self, |tx| {
            lock(tx, [Lock::InboxItem(before.id.clone())]).await?;
            // Two retries under one id at once: the second finds the first's resolution.
            let same_id = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {RESOLUTION_COLUMNS} FROM inbox_resolutions WHERE id = $1")))
                .bind(&request.resolution_id)
                .fetch_optional(&mut **tx)
                .await?;
            if let Some(row) = same_id {
                return Ok(Resolved { resolution: resolution_row(&row)?, item: before.clone(), duplicate: true });
            }
            write_resolution(tx, before, request, staff_id, now_ms(), closes, outcome.clone()).await
        })
    }
}

/// Accepting would hold the sale again (carried out of the transaction, which rolls back).
#[derive(Debug, thiserror::Error)]
#[error("the sale would be held again: {0}")]
struct StillHeld(HoldReason);

/// Stores a held sale as the manager accepts it: the sale with the manager's overrides (so not the
/// held copy: the push's decision does not answer "already held"), decided and written by the push's
/// own path. `Err`: it would be held again (the caller rolls back).
async fn accept_held_sale(tx: &mut Transaction<'_, Postgres>, id: &ItemId, request: &ResolveRequest, staff_id: &str, now: i64) -> anyhow::Result<Result<serde_json::Value, HoldReason>> {
    let ItemId::HeldSale(n) = id else { anyhow::bail!("only a held sale is accepted") };
    let row = sqlx::query("SELECT body, pushed_by FROM held_sales WHERE id = $1").bind(n).fetch_one(&mut **tx).await?;
    let sale: shared::sale::Sale = serde_json::from_str(row.get("body"))?;
    let pushed_by: String = row.get("pushed_by");
    let catalog = super::push::catalog_prices(tx, &sale).await?;
    let accepted = shared::inbox::accept_with_override(&sale, &catalog, staff_id, now, &request.note);
    let number: i64 = sqlx::query_scalar("SELECT number FROM devices WHERE id = $1").bind(&pushed_by).fetch_optional(&mut **tx).await?.unwrap_or(0);
    let device = shared::sync::Device { id: pushed_by, number: u32::try_from(number).unwrap_or(0) };
    let result = super::push::decide_and_write(tx, &device, None, &accepted).await?;
    match result.hold {
        Some(reason) => Ok(Err(reason)),
        None => Ok(Ok(serde_json::json!({ "sale_id": accepted.id, "status": result.status }))),
    }
}

/// The resolution row, the source row resolved when it closes, and the audit entry.
async fn write_resolution(tx: &mut Transaction<'_, Postgres>, before: &InboxItem, request: &ResolveRequest, staff_id: &str, now: i64, closes: bool, outcome: serde_json::Value) -> anyhow::Result<Resolved> {
    let resolution = Resolution {
        resolution_id: request.resolution_id.clone(),
        item_id: before.id.clone(),
        action: request.action,
        note: request.note.trim().to_string(),
        counted: request.counted,
        closes,
        staff_id: staff_id.to_string(),
        at_ms: now,
        outcome,
    };
    let mut after = before.clone();
    if closes {
        after.state = ItemState::Resolved;
        after.resolution = Some(resolution.clone());
    } else {
        after.notes.push(resolution.clone());
    }
    sqlx::query(
        "INSERT INTO inbox_resolutions (id, item_id, kind, outlet_id, action, note, counted, closes, staff_id, at_ms, item, outcome)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&resolution.resolution_id)
    .bind(&resolution.item_id)
    .bind(<&str>::from(before.kind))
    .bind(before.outlet_id.as_deref())
    .bind(<&str>::from(resolution.action))
    .bind(&resolution.note)
    .bind(resolution.counted)
    .bind(closes)
    .bind(staff_id)
    .bind(now)
    .bind(serde_json::to_string(&after)?)
    .bind(serde_json::to_string(&resolution.outcome)?)
    .execute(&mut **tx)
    .await?;
    if closes {
        let id: ItemId = before.id.parse().map_err(anyhow::Error::msg)?;
        let table = match id {
            ItemId::HeldSale(_) => Some("held_sales"),
            ItemId::HeldOperation(_) => Some("ops"),
            ItemId::HeldOnlineOrder(_) => Some("held_online_orders"),
            ItemId::Conflict(_) => Some("conflicts"),
            ItemId::StockBelowZero { .. } => None,
        };
        if let (Some(table), ItemId::HeldSale(n) | ItemId::HeldOperation(n) | ItemId::HeldOnlineOrder(n) | ItemId::Conflict(n)) = (table, &id) {
            sqlx::query(sqlx::AssertSqlSafe(format!("UPDATE {table} SET resolved = TRUE WHERE id = $1"))).bind(n).execute(&mut **tx).await?;
        }
    }
    let detail = format!("{} {}: {}", before.id, resolution.action, resolution.note);
    write_audit(tx, &Audit::new(AuditAction::InboxResolved, staff_id, &before.id, detail).outlet(before.outlet_id.as_deref())).await?;
    Ok(Resolved { resolution, item: after, duplicate: false })
}
