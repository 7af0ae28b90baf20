//! Online orders in, on SQLite (PostgreSQL: `postgres/online_in.rs`, same behaviour): connected stores,
//! one webhook delivery = one `BEGIN IMMEDIATE` transaction (its delivery key, then the order taken in by
//! `shared::online::intake` or updated by `shared::online::update`, or held), the orders page's parts.
//! The record types and the row → view assembly below are shared by both stores.

use super::auth::{write_audit, Audit};
use super::now_ms;
use super::page::Page;
use super::sqlite::SqliteStore;
use crate::bridges::{Connection, Credentials};
use crate::online::held::{IngestOptions, NewHold};
use crate::online::reconcile::ReconcileProgress;
use crate::online::{ConnectionRecord, ConnectionRefusal, IngestOutcome, NewConnection, OrdersFilter, OrdersKey};
use shared::online::held;
use shared::catalog::{Customer, Product};
use shared::fulfilment::{PartStatus, PlatformOptions};
use shared::online::intake::{customer_change, first_sight, intake, levels_after, update, FirstSight, OrderState, ReturnNumbering, StoredOrder};
use shared::online::{
    ConnectionView, CustomerDecision, HeldOnlineOrder, IncomingOrder, IntakeInput, OnlineOutlet, OrderLineView, OrderNote, OrderPartView,
    SaleNumbering,
};
use shared::sale::Sale;
use shared::stock::allocation::AllocationPlan;
use shared::stock::OnlineStockSettings;
use shared::sync::sale_audit;
use shared::tax::TaxRates;
use shared::Money;
use sqlx::{Row, SqliteConnection};
use std::collections::{BTreeMap, BTreeSet, HashMap};

// ---------------------------------------------------------------------------------------------
// Shared by both stores: records and their assembly.

/// A connection's row.
pub(crate) struct ConnectionRow {
    pub id: String,
    pub platform: String,
    pub name: String,
    pub base_url: String,
    pub credentials: String,
    pub options: String,
    pub orders_register_id: String,
    pub register_outlet: String,
    pub active: bool,
    pub reconciled_until_ms: i64,
    pub created_at_ms: i64,
}

pub(crate) fn parse_text<T: serde::de::DeserializeOwned>(s: &str) -> anyhow::Result<T> {
    Ok(serde_json::from_value(serde_json::Value::String(s.into()))?)
}

pub(crate) fn text_of<T: serde::Serialize>(v: &T) -> anyhow::Result<String> {
    match serde_json::to_value(v)? {
        serde_json::Value::String(s) => Ok(s),
        other => anyhow::bail!("not a text value: {other}"),
    }
}

/// The record of a connection: its online outlets in priority order, the orders outlet always in
/// (`OnlineStockSettings::new`).
/// `fallback` is taken for credentials this server cannot open (`CredentialsUnreadable` without it):
/// a manager entering them again (PATCH) must reach a connection whose stored ones are unreadable.
pub(crate) fn connection_record_or(r: ConnectionRow, chosen: &[String], fallback: Option<&Credentials>) -> anyhow::Result<ConnectionRecord> {
    let credentials: Credentials = match (crate::secrets::credentials_of(&r.credentials, &r.id), fallback) {
        (Ok(c), _) => c,
        (Err(_), Some(f)) => f.clone(),
        (Err(e), None) => return Err(e.into()),
    };
    let (view, outlet_id) = connection_view(r, chosen, true)?;
    Ok(ConnectionRecord { bridge: Connection { id: view.id.clone(), base_url: view.base_url.clone(), credentials }, view, outlet_id })
}

/// A connection as listed: a row whose credentials cannot be opened is still shown (flagged), so one
/// damaged row never hides every other store from the manager.
pub(crate) fn listed_connection(r: ConnectionRow, chosen: &[String]) -> anyhow::Result<(ConnectionView, String)> {
    let readable = crate::secrets::credentials_of(&r.credentials, &r.id).is_ok();
    connection_view(r, chosen, readable)
}

fn connection_view(r: ConnectionRow, chosen: &[String], credentials_readable: bool) -> anyhow::Result<(ConnectionView, String)> {
    let chosen: Vec<&str> = chosen.iter().map(String::as_str).collect();
    let settings = OnlineStockSettings::new(&r.register_outlet, &chosen);
    let options: PlatformOptions = serde_json::from_str(&r.options)?;
    let view = ConnectionView {
        id: r.id,
        platform: parse_text(&r.platform)?,
        name: r.name,
        base_url: r.base_url,
        orders_register_id: r.orders_register_id,
        online_outlets: settings.outlet_ids().to_vec(),
        options,
        active: r.active,
        reconciled_until_ms: r.reconciled_until_ms,
        created_at_ms: r.created_at_ms,
        credentials_readable,
    };
    Ok((view, r.register_outlet))
}

/// The online outlets of a connection as the stock rules take them.
pub(crate) fn online_settings(r: &ConnectionRecord) -> OnlineStockSettings {
    let chosen: Vec<&str> = r.view.online_outlets.iter().map(String::as_str).collect();
    OnlineStockSettings::new(&r.outlet_id, &chosen)
}

/// What a `PATCH /connections/{id}` makes of a connection, decided alike by both stores.
pub(crate) struct PatchPlan {
    pub name: String,
    pub base_url: String,
    pub credentials: Credentials,
    pub options: PlatformOptions,
    pub orders_register_id: String,
    /// The store named by (base URL, store key) is another than before: the one-active-connection rule
    /// is checked again.
    pub identity_changed: bool,
    /// The store key (BigCommerce store hash, Ecwid store id) changed: provably another store.
    pub store_key_changed: bool,
    /// For the audit log: what changed, never a secret.
    pub detail: String,
}

pub(crate) fn plan_patch(current: &ConnectionRecord, patch: &crate::online::ConnectionPatch) -> Result<PatchPlan, ConnectionRefusal> {
    let old = &current.bridge.credentials;
    if patch.credentials.as_ref().is_some_and(|c| c.platform() != current.view.platform) {
        return Err(ConnectionRefusal::PlatformMismatch);
    }
    let credentials = patch.credentials.clone().unwrap_or_else(|| old.clone());
    let plan = PatchPlan {
        name: patch.name.clone().unwrap_or_else(|| current.view.name.clone()),
        base_url: patch.base_url.clone().unwrap_or_else(|| current.view.base_url.clone()),
        options: patch.options.unwrap_or(current.view.options),
        orders_register_id: patch.orders_register_id.clone().unwrap_or_else(|| current.view.orders_register_id.clone()),
        identity_changed: false,
        store_key_changed: credentials.store_key() != old.store_key(),
        detail: String::new(),
        credentials,
    };
    let mut changed = Vec::new();
    if plan.name != current.view.name {
        changed.push(format!("name '{}' → '{}'", current.view.name, plan.name));
    }
    if plan.base_url != current.view.base_url {
        changed.push(format!("base URL {} → {}", current.view.base_url, plan.base_url));
    }
    if plan.credentials != *old {
        changed.push("credentials replaced".to_owned());
    }
    if plan.options != current.view.options {
        changed.push("options".to_owned());
    }
    if plan.orders_register_id != current.view.orders_register_id {
        changed.push(format!("orders register {} → {}", current.view.orders_register_id, plan.orders_register_id));
    }
    let identity_changed = plan.base_url != current.view.base_url || plan.store_key_changed;
    Ok(PatchPlan { identity_changed, detail: if changed.is_empty() { "nothing changed".into() } else { changed.join(", ") }, ..plan })
}

/// The audit entry of a change to a connection.
pub(crate) fn connection_audit(staff_id: &str, record: &ConnectionRecord, detail: &str) -> Audit {
    Audit::new(shared::auth::AuditAction::ConnectionChanged, staff_id, &record.view.id, format!("{}: {detail}", record.view.name)).outlet(Some(&record.outlet_id))
}

/// One row of the orders list: a part with its order.
pub(crate) struct PartRow {
    pub order_id: String,
    pub outlet_id: String,
    pub part_status: String,
    pub lines: String,
    pub notes: String,
    pub assigned_to: Option<String>,
    pub assigned_name: Option<String>,
    pub connection_id: String,
    pub platform: String,
    pub receipt: String,
    pub number: String,
    pub created_at_ms: i64,
    pub order_type: String,
    pub customer_id: Option<String>,
    pub customer_name: String,
    pub sale_note: String,
    pub total_cents: i64,
    pub paid_cents: i64,
    pub plan: String,
    pub processor: Option<String>,
}

/// The orders page's row; `siblings`: (order id, outlet id, status) of the parts of the same orders.
pub(crate) fn part_view(r: PartRow, siblings: &[(String, String, PartStatus)]) -> anyhow::Result<OrderPartView> {
    let plan: AllocationPlan = serde_json::from_str(&r.plan)?;
    let lines: Vec<OrderLineView> = serde_json::from_str(&r.lines)?;
    let notes: Vec<OrderNote> = serde_json::from_str(&r.notes)?;
    let other_parts = siblings
        .iter()
        .filter(|(o, outlet, _)| *o == r.order_id && *outlet != r.outlet_id)
        .map(|(_, outlet, s)| (outlet.clone(), *s))
        .collect();
    Ok(OrderPartView {
        status: parse_text(&r.part_status)?,
        platform: parse_text(&r.platform)?,
        order_type: parse_text(&r.order_type)?,
        order_id: r.order_id,
        outlet_id: r.outlet_id,
        connection_id: r.connection_id,
        receipt: r.receipt,
        number: r.number,
        created_at_ms: r.created_at_ms,
        customer_id: r.customer_id,
        customer_name: r.customer_name,
        lines,
        sale_note: r.sale_note,
        order_notes: notes,
        assigned_to: r.assigned_to,
        assigned_name: r.assigned_name,
        total: Money(r.total_cents),
        paid: Money(r.paid_cents),
        other_parts,
        explanation: plan.explanation,
        optimal: plan.optimal,
        processor: r.processor,
    })
}

/// `%q%` for a LIKE with `\` as escape.
pub(crate) fn like_pattern(q: Option<&str>) -> Option<String> {
    let q = q.map(str::trim).filter(|q| !q.is_empty())?;
    let escaped = q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    Some(format!("%{escaped}%"))
}

/// A new id: a UUID v7 (milliseconds first, so ids sort by creation), random otherwise.
pub(crate) fn new_id() -> String {
    let ms = u64::try_from(now_ms()).unwrap_or(0) & 0xFFFF_FFFF_FFFF;
    let r: u128 = rand::random();
    let v = (u128::from(ms) << 80) | (r & ((1u128 << 80) - 1));
    let v = (v & !(0xF << 76)) | (0x7 << 76); // version 7
    let v = (v & !(0x3 << 62)) | (0x2 << 62); // RFC 4122 variant
    let h = format!("{v:032x}");
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// What the intake of a new order read, loaded by either store.
pub(crate) struct IntakeLoad {
    pub register_code: String,
    pub rates: TaxRates,
    pub next_seq: u64,
    /// The orders register's next online receipt (`online_receipts`).
    pub receipt_seq: u64,
    pub catalog: BTreeMap<String, Product>,
    pub customer: Option<Customer>,
    pub outlets: Vec<OnlineOutlet>,
}

/// The SKUs an order names, deduplicated.
pub(crate) fn skus_of(order: &IncomingOrder) -> Vec<String> {
    order.lines.iter().map(|l| l.sku.clone()).collect::<BTreeSet<_>>().into_iter().collect()
}

/// The `before_connection` hold of an order, given (connection created at, order already taken in).
pub(crate) fn history_hold_of<'a>(connection_id: &'a str, order: &'a IncomingOrder, opts: IngestOptions<'a>, row: Option<(i64, bool)>) -> Option<NewHold<'a>> {
    let (connected_ms, exists) = row?;
    (!exists && held::placed_before_connection(order.created_at_ms, connected_ms)).then_some(NewHold {
        connection_id,
        external_id: &order.external_id,
        order: Some(order),
        raw: opts.raw,
        delivery_key: None,
        code: held::BEFORE_CONNECTION,
        reason: "placed before the store was connected: its history is not imported unless a manager takes it in",
    })
}

// ---------------------------------------------------------------------------------------------
// SQLite.

const CONNECTION_COLUMNS: &str = "c.id, c.platform, c.name, c.base_url, c.credentials, c.options, c.orders_register_id,
     r.outlet_id AS register_outlet, c.active, c.reconciled_until_ms, c.created_at_ms";

fn connection_row(r: &sqlx::sqlite::SqliteRow) -> ConnectionRow {
    ConnectionRow {
        id: r.get("id"),
        platform: r.get("platform"),
        name: r.get("name"),
        base_url: r.get("base_url"),
        credentials: r.get("credentials"),
        options: r.get("options"),
        orders_register_id: r.get("orders_register_id"),
        register_outlet: r.get("register_outlet"),
        active: r.get("active"),
        reconciled_until_ms: r.get("reconciled_until_ms"),
        created_at_ms: r.get("created_at_ms"),
    }
}

async fn chosen_outlets(conn: &mut SqliteConnection, id: &str) -> anyhow::Result<Vec<String>> {
    Ok(sqlx::query_scalar("SELECT outlet_id FROM connection_outlets WHERE connection_id = ? ORDER BY priority")
        .bind(id)
        .fetch_all(conn)
        .await?)
}

async fn load_connection(conn: &mut SqliteConnection, id: &str) -> anyhow::Result<Option<ConnectionRecord>> {
    load_connection_or(conn, id, None).await
}

/// `load_connection`, with `fallback` for credentials this server cannot open (`connection_record_or`).
async fn load_connection_or(conn: &mut SqliteConnection, id: &str, fallback: Option<&Credentials>) -> anyhow::Result<Option<ConnectionRecord>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CONNECTION_COLUMNS} FROM connections c JOIN registers r ON r.id = c.orders_register_id WHERE c.id = ?"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let chosen = chosen_outlets(conn, id).await?;
    Ok(Some(connection_record_or(connection_row(&row), &chosen, fallback)?))
}

/// A connection the caller may act on: `UnknownConnection` for none, and for another outlet's.
async fn visible_connection(conn: &mut SqliteConnection, id: &str, outlets: Option<&[String]>) -> anyhow::Result<Result<ConnectionRecord, ConnectionRefusal>> {
    visible_connection_or(conn, id, outlets, None).await
}

async fn visible_connection_or(
    conn: &mut SqliteConnection,
    id: &str,
    outlets: Option<&[String]>,
    fallback: Option<&Credentials>,
) -> anyhow::Result<Result<ConnectionRecord, ConnectionRefusal>> {
    Ok(match load_connection_or(conn, id, fallback).await? {
        Some(r) if outlets.is_none_or(|o| o.contains(&r.outlet_id)) => Ok(r),
        _ => Err(ConnectionRefusal::UnknownConnection(id.into())),
    })
}

/// Another connection (not `except`) of the store (platform, base URL, store key), active or, with
/// `even_inactive`, not: a store is connected once, since a second connection (even made while the first
/// is deactivated) would take every order again under its own ids; a row we cannot read counts as the
/// same store.
async fn same_store(conn: &mut SqliteConnection, platform: &str, base_url: &str, credentials: &Credentials, except: &str, even_inactive: bool) -> anyhow::Result<Option<String>> {
    let same: Vec<(String, String)> = sqlx::query_as("SELECT id, credentials FROM connections WHERE platform = ? AND base_url = ? AND (active = 1 OR ?) AND id <> ?")
        .bind(platform)
        .bind(base_url)
        .bind(even_inactive)
        .bind(except)
        .fetch_all(&mut *conn)
        .await?;
    Ok(same.into_iter().find(|(other, stored)| crate::secrets::credentials_of(stored, other).map_or(true, |c| c.store_key() == credentials.store_key())).map(|(id, _)| id))
}

async fn outlets_exist(conn: &mut SqliteConnection, outlets: &[String]) -> anyhow::Result<Result<(), ConnectionRefusal>> {
    for o in outlets {
        let found: Option<String> = sqlx::query_scalar("SELECT id FROM outlets WHERE id = ?").bind(o).fetch_optional(&mut *conn).await?;
        if found.is_none() {
            return Ok(Err(ConnectionRefusal::UnknownOutlet(o.clone())));
        }
    }
    Ok(Ok(()))
}

/// After the online outlets of `before` may have changed: restarts the stock push when their set did
/// (`restart_after_outlet_change`). The lease token is cleared, so a push under way cannot move the
/// cursor past the restart; its lease time is kept, so the next push waits for it to end rather than
/// race its last call.
async fn restart_stock_push_if_outlets_changed(conn: &mut SqliteConnection, before: &ConnectionRecord, after: &ConnectionRecord) -> anyhow::Result<()> {
    let pending: String = sqlx::query_scalar("SELECT stock_repush_outlets FROM connections WHERE id = ?").bind(&after.view.id).fetch_one(&mut *conn).await?;
    let pending: Vec<String> = serde_json::from_str(&pending)?;
    let Some(repush) = shared::stock::online::restart_after_outlet_change(&online_settings(before), &online_settings(after), &pending) else {
        return Ok(());
    };
    sqlx::query("UPDATE connections SET stock_pushed_version = 0, stock_repush_outlets = ?, stock_lease_token = NULL, stock_attempts = 0, stock_next_attempt_at_ms = 0 WHERE id = ?")
        .bind(serde_json::to_string(&repush)?)
        .bind(&after.view.id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn write_outlets(conn: &mut SqliteConnection, id: &str, outlets: &[String]) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM connection_outlets WHERE connection_id = ?").bind(id).execute(&mut *conn).await?;
    for (i, o) in outlets.iter().enumerate() {
        sqlx::query("INSERT INTO connection_outlets (connection_id, outlet_id, priority) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
            .bind(id)
            .bind(o)
            .bind(i as i64)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

impl SqliteStore {
    pub async fn create_connection(&self, new: &NewConnection, id: &str, outlets: Option<&[String]>) -> anyhow::Result<Result<ConnectionView, ConnectionRefusal>> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let register_outlet: Option<String> =
            sqlx::query_scalar("SELECT outlet_id FROM registers WHERE id = ?").bind(&new.orders_register_id).fetch_optional(&mut *tx).await?;
        let Some(register_outlet) = register_outlet else {
            return Ok(Err(ConnectionRefusal::UnknownRegister(new.orders_register_id.clone())));
        };
        if outlets.is_some_and(|o| !o.contains(&register_outlet) || new.online_outlets.iter().any(|x| !o.contains(x))) {
            return Ok(Err(ConnectionRefusal::NotYourOutlet));
        }
        if let Err(e) = outlets_exist(&mut tx, &new.online_outlets).await? {
            return Ok(Err(e));
        }
        // One active connection per store: a second would take every order twice.
        if let Some(other) = same_store(&mut tx, &text_of(&new.platform)?, &new.base_url, &new.credentials, id, true).await? {
            return Ok(Err(ConnectionRefusal::AlreadyConnected(other)));
        }
        sqlx::query(
            "INSERT INTO connections (id, platform, name, base_url, credentials, options, orders_register_id, created_at_ms, reconciled_until_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
        )
        .bind(id)
        .bind(text_of(&new.platform)?)
        .bind(&new.name)
        .bind(&new.base_url)
        .bind(self.secrets().seal(&serde_json::to_string(&new.credentials)?, id)?)
        .bind(serde_json::to_string(&new.options)?)
        .bind(&new.orders_register_id)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        write_outlets(&mut tx, id, &new.online_outlets).await?;
        let record = load_connection(&mut tx, id).await?.ok_or_else(|| anyhow::anyhow!("connection vanished"))?;
        tx.commit().await?;
        Ok(Ok(record.view))
    }

    pub async fn connections(&self, outlets: Option<&[String]>) -> anyhow::Result<Vec<ConnectionView>> {
        let mut conn = self.pool().acquire().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CONNECTION_COLUMNS} FROM connections c JOIN registers r ON r.id = c.orders_register_id ORDER BY c.created_at_ms, c.id"
        )))
        .fetch_all(&mut *conn)
        .await?;
        let mut out = Vec::new();
        for row in rows {
            let row = connection_row(&row);
            let chosen = chosen_outlets(&mut conn, &row.id).await?;
            let (view, outlet) = listed_connection(row, &chosen)?;
            if outlets.is_none_or(|o| o.contains(&outlet)) {
                out.push(view);
            }
        }
        Ok(out)
    }

    pub async fn connection(&self, id: &str) -> anyhow::Result<Option<ConnectionRecord>> {
        load_connection(&mut *self.pool().acquire().await?, id).await
    }

    pub async fn set_online_outlets(&self, id: &str, chosen: &[String], outlets: Option<&[String]>) -> anyhow::Result<Result<ConnectionView, ConnectionRefusal>> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let Some(record) = load_connection(&mut tx, id).await? else {
            return Ok(Err(ConnectionRefusal::UnknownConnection(id.into())));
        };
        if outlets.is_some_and(|o| !o.contains(&record.outlet_id) || chosen.iter().any(|x| !o.contains(x))) {
            return Ok(Err(ConnectionRefusal::NotYourOutlet));
        }
        if let Err(e) = outlets_exist(&mut tx, chosen).await? {
            return Ok(Err(e));
        }
        write_outlets(&mut tx, id, chosen).await?;
        let after = load_connection(&mut tx, id).await?.ok_or_else(|| anyhow::anyhow!("connection vanished"))?;
        restart_stock_push_if_outlets_changed(&mut tx, &record, &after).await?;
        let record = after;
        tx.commit().await?;
        Ok(Ok(record.view))
    }

    /// `PATCH /connections/{id}` (see `plan_patch`): `UnknownConnection` also for a connection at
    /// another outlet than the caller's.
    pub async fn update_connection(
        &self,
        id: &str,
        patch: &crate::online::ConnectionPatch,
        outlets: Option<&[String]>,
        staff_id: &str,
    ) -> anyhow::Result<Result<ConnectionView, ConnectionRefusal>> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let record = match visible_connection_or(&mut tx, id, outlets, patch.credentials.as_ref()).await? {
            Ok(r) => r,
            Err(e) => return Ok(Err(e)),
        };
        let plan = match plan_patch(&record, patch) {
            Ok(p) => p,
            Err(e) => return Ok(Err(e)),
        };
        let moved = plan.orders_register_id != record.view.orders_register_id;
        if moved {
            let outlet: Option<String> =
                sqlx::query_scalar("SELECT outlet_id FROM registers WHERE id = ?").bind(&plan.orders_register_id).fetch_optional(&mut *tx).await?;
            let Some(outlet) = outlet else {
                return Ok(Err(ConnectionRefusal::UnknownRegister(plan.orders_register_id)));
            };
            if outlets.is_some_and(|o| !o.contains(&outlet)) {
                return Ok(Err(ConnectionRefusal::NotYourOutlet));
            }
        }
        if plan.identity_changed {
            if let Some(other) = same_store(&mut tx, &text_of(&record.view.platform)?, &plan.base_url, &plan.credentials, id, true).await? {
                return Ok(Err(ConnectionRefusal::AlreadyConnected(other)));
            }
        }
        if plan.identity_changed {
            let took: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM online_orders WHERE connection_id = ?1) OR EXISTS (SELECT 1 FROM webhook_deliveries WHERE connection_id = ?1)",
            )
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            if took {
                return Ok(Err(ConnectionRefusal::OtherStore(record.bridge.credentials.store_key())));
            }
        }
        sqlx::query("UPDATE connections SET name = ?, base_url = ?, credentials = ?, options = ?, orders_register_id = ? WHERE id = ?")
            .bind(&plan.name)
            .bind(&plan.base_url)
            .bind(self.secrets().seal(&serde_json::to_string(&plan.credentials)?, id)?)
            .bind(serde_json::to_string(&plan.options)?)
            .bind(&plan.orders_register_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        write_audit(&mut tx, &connection_audit(staff_id, &record, &plan.detail)).await?;
        let after = load_connection(&mut tx, id).await?.ok_or_else(|| anyhow::anyhow!("connection vanished"))?;
        restart_stock_push_if_outlets_changed(&mut tx, &record, &after).await?;
        let record = after;
        tx.commit().await?;
        Ok(Ok(record.view))
    }

    /// Deactivates or reactivates a connection. Reactivating is refused while another connection of the
    /// same store is active. Its orders stay; an inactive connection's webhooks are answered and not
    /// acted on, reconciliation and the worker skip it, and its reconciliation mark waits for it.
    pub async fn set_connection_active(&self, id: &str, active: bool, outlets: Option<&[String]>, staff_id: &str) -> anyhow::Result<Result<ConnectionView, ConnectionRefusal>> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let record = match visible_connection(&mut tx, id, outlets).await? {
            Ok(r) => r,
            Err(e) => return Ok(Err(e)),
        };
        if record.view.active == active {
            return Ok(Ok(record.view));
        }
        if active {
            if let Some(other) = same_store(&mut tx, &text_of(&record.view.platform)?, &record.view.base_url, &record.bridge.credentials, id, false).await? {
                return Ok(Err(ConnectionRefusal::AlreadyConnected(other)));
            }
        }
        sqlx::query("UPDATE connections SET active = ? WHERE id = ?").bind(active).bind(id).execute(&mut *tx).await?;
        write_audit(&mut tx, &connection_audit(staff_id, &record, if active { "reactivated" } else { "deactivated" })).await?;
        let record = load_connection(&mut tx, id).await?.ok_or_else(|| anyhow::anyhow!("connection vanished"))?;
        tx.commit().await?;
        Ok(Ok(record.view))
    }

    /// At start: refuses a key other than the database's (`secret_key_check`), then seals credentials
    /// still stored plain (written before encryption), each only if it opens back to the same text.
    pub(crate) async fn seal_credentials(&self) -> anyhow::Result<()> {
        let key = self.secrets();
        let _turn = self.write_turn().await;
        sqlx::query("INSERT INTO secret_key_check (id, check_value) VALUES (1, ?) ON CONFLICT DO NOTHING").bind(key.check_value()?).execute(self.pool()).await?;
        let check: String = sqlx::query_scalar("SELECT check_value FROM secret_key_check WHERE id = 1").fetch_one(self.pool()).await?;
        if let Err(e) = key.verify_check(&check) {
            // Nothing sealed with the other key (no store connected yet, say, and the key file not copied
            // with a restored database): nothing to lose, and a point of sale that will not start over a
            // key it never needed would stop selling. One process per SQLite file, so no other instance
            // holds the old key (PostgreSQL keeps refusing: its instances must share one key).
            let sealed: i64 = sqlx::query_scalar("SELECT count(*) FROM connections WHERE credentials LIKE 'enc:v1:%'").fetch_one(self.pool()).await?;
            if sealed > 0 {
                return Err(e);
            }
            tracing::warn!("the secret key changed while no credentials were sealed with the old one: the new key ({}) is kept", key.source());
            sqlx::query("UPDATE secret_key_check SET check_value = ? WHERE id = 1").bind(key.check_value()?).execute(self.pool()).await?;
        }
        crate::secrets::install(key);
        let plain: Vec<(String, String)> =
            sqlx::query_as("SELECT id, credentials FROM connections WHERE credentials NOT LIKE 'enc:v1:%'").fetch_all(self.pool()).await?;
        for (id, text) in &plain {
            let sealed = key.seal(text, id)?;
            anyhow::ensure!(key.open(&sealed, id)? == *text, "sealing connection {id}'s credentials did not round-trip");
            sqlx::query("UPDATE connections SET credentials = ? WHERE id = ? AND credentials = ?").bind(&sealed).bind(id).bind(text).execute(self.pool()).await?;
        }
        if !plain.is_empty() {
            tracing::info!("encrypted the credentials of {} connected store(s) with the key from {}", plain.len(), key.source());
        }
        Ok(())
    }

    pub async fn set_reconciled_until(&self, id: &str, until_ms: i64) -> anyhow::Result<()> {
        let _turn = self.write_turn().await;
        sqlx::query("UPDATE connections SET reconciled_until_ms = MAX(reconciled_until_ms, ?) WHERE id = ?")
            .bind(until_ms)
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// One delivery, in one transaction (see the module doc). `order`: `None` for a delivery we do not
    /// act on, recorded so that it is answered the same way again.
    pub async fn ingest_order(&self, connection_id: &str, delivery_key: &str, order: Option<&IncomingOrder>) -> anyhow::Result<IngestOutcome> {
        self.ingest_order_with(connection_id, delivery_key, order, IngestOptions::default()).await
    }

    pub async fn ingest_order_with(
        &self,
        connection_id: &str,
        delivery_key: &str,
        order: Option<&IncomingOrder>,
        opts: IngestOptions<'_>,
    ) -> anyhow::Result<IngestOutcome> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let inserted = sqlx::query(
            "INSERT INTO webhook_deliveries (connection_id, delivery_key, received_at_ms) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(connection_id)
        .bind(delivery_key)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let outcome = if inserted == 0 {
            IngestOutcome::Duplicate
        } else {
            match order {
                None => IngestOutcome::Ignored,
                Some(order) => match history_hold(&mut tx, connection_id, order, opts).await? {
                    Some(hold) => {
                        write_hold(&mut tx, &hold).await?;
                        IngestOutcome::Held { code: hold.code.into() }
                    }
                    None => ingest_in(&mut tx, connection_id, order).await?,
                },
            }
        };
        if inserted == 0 {
            return Ok(outcome);
        }
        if let (Some(order), IngestOutcome::Created { .. } | IngestOutcome::Updated { .. }) = (order, &outcome) {
            // Taken in: what was held of it is done.
            sqlx::query("UPDATE held_online_orders SET resolved = 1 WHERE (connection_id = ? AND external_id = ? OR id = ?) AND resolved = 0")
                .bind(connection_id)
                .bind(&order.external_id)
                .bind(opts.resolves)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(outcome)
    }

    /// Holds an order we could not take in (`online::held`), in its own transaction. Its row's id.
    pub async fn hold_online_order(&self, hold: &NewHold<'_>) -> anyhow::Result<i64> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let id = write_hold(&mut tx, hold).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Held orders of a connection whose fetch from the platform failed, oldest first.
    pub async fn pending_fetches(&self, connection_id: &str, limit: u32) -> anyhow::Result<Vec<HeldOnlineOrder>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{HELD_SELECT} WHERE h.resolved = 0 AND h.connection_id = ? AND h.code = ? ORDER BY h.id LIMIT ?"
        )))
        .bind(connection_id)
        .bind(held::PLATFORM_UNREACHABLE)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(held_row).collect()
    }

    pub async fn reconcile_progress(&self, connection_id: &str) -> anyhow::Result<Option<ReconcileProgress>> {
        let row = sqlx::query("SELECT since_ms, started_ms, next, pages FROM reconcile_progress WHERE connection_id = ?")
            .bind(connection_id)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(|r| ReconcileProgress { since_ms: r.get("since_ms"), started_ms: r.get("started_ms"), next: r.get("next"), pages: r.get("pages") }))
    }

    /// Saves a sweep's progress (`None`: no sweep under way), and moves the mark when it ended.
    pub async fn save_reconcile_progress(&self, connection_id: &str, progress: Option<&ReconcileProgress>, mark: Option<i64>) -> anyhow::Result<()> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        match progress {
            Some(p) => {
                sqlx::query(
                    "INSERT INTO reconcile_progress (connection_id, since_ms, started_ms, next, pages) VALUES (?, ?, ?, ?, ?)
                     ON CONFLICT (connection_id) DO UPDATE SET since_ms = excluded.since_ms, started_ms = excluded.started_ms,
                         next = excluded.next, pages = excluded.pages",
                )
                .bind(connection_id)
                .bind(p.since_ms)
                .bind(p.started_ms)
                .bind(&p.next)
                .bind(p.pages)
                .execute(&mut *tx)
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM reconcile_progress WHERE connection_id = ?").bind(connection_id).execute(&mut *tx).await?;
            }
        }
        if let Some(until) = mark {
            sqlx::query("UPDATE connections SET reconciled_until_ms = MAX(reconciled_until_ms, ?) WHERE id = ?")
                .bind(until)
                .bind(connection_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn list_orders(&self, f: &OrdersFilter, outlets: Option<&[String]>, after: Option<&OrdersKey>, limit: u32) -> anyhow::Result<Page<OrderPartView>> {
        let mut conn = self.pool().acquire().await?;
        let (a_ms, a_id, a_outlet) = after.cloned().unwrap_or((i64::MIN, String::new(), String::new()));
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{PART_SELECT}
             WHERE (?1 IS NULL OR p.outlet_id IN (SELECT value FROM json_each(?1)))
               AND (?2 IS NULL OR p.outlet_id = ?2)
               AND (CASE WHEN ?3 IS NULL THEN o.status = 'unfulfilled' AND p.status NOT IN ('shipped', 'picked_up') ELSE p.status = ?3 END)
               AND (?4 IS NULL OR o.order_type = ?4)
               AND (?5 IS NULL OR s.receipt LIKE ?5 ESCAPE '\\' OR o.number LIKE ?5 ESCAPE '\\' OR o.customer_name LIKE ?5 ESCAPE '\\')
               AND (o.created_at_ms, o.id, p.outlet_id) > (?6, ?7, ?8)
             ORDER BY o.created_at_ms, o.id, p.outlet_id LIMIT ?9"
        )))
        .bind(outlets.map(serde_json::to_string).transpose()?)
        .bind(f.outlet.as_deref())
        .bind(f.status.map(|s| s.as_str()))
        .bind(f.order_type.map(|t| text_of(&t)).transpose()?)
        .bind(like_pattern(f.q.as_deref()))
        .bind(a_ms)
        .bind(a_id)
        .bind(a_outlet)
        .bind(i64::from(limit) + 1)
        .fetch_all(&mut *conn)
        .await?;
        let rows: Vec<PartRow> = rows.iter().map(part_row).collect();
        let views = views_of(&mut conn, rows).await?;
        Ok(Page::of(views, limit, |v| (v.created_at_ms, v.order_id.clone(), v.outlet_id.clone())))
    }

    pub async fn order(&self, order_id: &str) -> anyhow::Result<Vec<OrderPartView>> {
        let mut conn = self.pool().acquire().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("{PART_SELECT} WHERE p.order_id = ? ORDER BY p.outlet_id")))
            .bind(order_id)
            .fetch_all(&mut *conn)
            .await?;
        let rows: Vec<PartRow> = rows.iter().map(part_row).collect();
        views_of(&mut conn, rows).await
    }

    pub async fn held_online_orders(&self, outlets: Option<&[String]>, after: Option<i64>, limit: u32) -> anyhow::Result<Page<HeldOnlineOrder>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{HELD_SELECT} JOIN connections c ON c.id = h.connection_id JOIN registers r ON r.id = c.orders_register_id
             WHERE h.resolved = 0 AND h.id > ?1 AND (?2 IS NULL OR r.outlet_id IN (SELECT value FROM json_each(?2)))
             ORDER BY h.id LIMIT ?3"
        )))
        .bind(after.unwrap_or(0))
        .bind(outlets.map(serde_json::to_string).transpose()?)
        .bind(i64::from(limit) + 1)
        .fetch_all(self.pool())
        .await?;
        let items = rows.iter().map(held_row).collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Page::of(items, limit, |h| h.id))
    }
}

const HELD_SELECT: &str = "SELECT h.id, h.connection_id, h.external_id, h.body, h.raw, h.delivery_key, h.code, h.reason, h.received_at_ms
     FROM held_online_orders h";

fn held_row(r: &sqlx::sqlite::SqliteRow) -> anyhow::Result<HeldOnlineOrder> {
    Ok(HeldOnlineOrder {
        id: r.get("id"),
        connection_id: r.get("connection_id"),
        external_id: r.get("external_id"),
        order: serde_json::from_str(r.get("body"))?,
        raw: r.get("raw"),
        delivery_key: r.get("delivery_key"),
        code: r.get("code"),
        reason: r.get("reason"),
        received_at_ms: r.get("received_at_ms"),
    })
}

/// Writes (or rewrites: one row per order) a held order; its id.
async fn write_hold(conn: &mut SqliteConnection, h: &NewHold<'_>) -> anyhow::Result<i64> {
    tracing::warn!(connection = h.connection_id, order = %h.external_id, code = %h.code, "online order held: {}", h.reason);
    Ok(sqlx::query_scalar(
        "INSERT INTO held_online_orders (connection_id, external_id, body, raw, delivery_key, code, reason, received_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (connection_id, external_id) DO UPDATE SET body = excluded.body, raw = excluded.raw, delivery_key = excluded.delivery_key,
             code = excluded.code, reason = excluded.reason, received_at_ms = excluded.received_at_ms, resolved = 0
         RETURNING id",
    )
    .bind(h.connection_id)
    .bind(h.external_id)
    .bind(serde_json::to_string(&h.order)?)
    .bind(h.raw)
    .bind(h.delivery_key)
    .bind(h.code)
    .bind(h.reason)
    .bind(now_ms())
    .fetch_one(conn)
    .await?)
}

/// An order we do not have yet, placed before its store was connected, arriving by an update: the
/// store's history is not imported unless a manager says so.
async fn history_hold<'a>(conn: &mut SqliteConnection, connection_id: &'a str, order: &'a IncomingOrder, opts: IngestOptions<'a>) -> anyhow::Result<Option<NewHold<'a>>> {
    if opts.take_before_connection {
        return Ok(None);
    }
    let row: Option<(i64, bool)> = sqlx::query_as(
        "SELECT c.created_at_ms, EXISTS (SELECT 1 FROM online_orders o WHERE o.connection_id = c.id AND o.external_id = ?) FROM connections c WHERE c.id = ?",
    )
    .bind(&order.external_id)
    .bind(connection_id)
    .fetch_optional(conn)
    .await?;
    Ok(history_hold_of(connection_id, order, opts, row))
}

const PART_SELECT: &str = "SELECT p.order_id, p.outlet_id, p.status AS part_status, p.lines, p.notes, p.assigned_to, st.name AS assigned_name,
        o.connection_id, c.platform, s.receipt, o.number, o.created_at_ms, o.order_type, o.customer_id, o.customer_name,
        o.sale_note, o.total_cents, o.paid_cents, o.plan, o.processor
     FROM order_parts p JOIN online_orders o ON o.id = p.order_id JOIN connections c ON c.id = o.connection_id
     JOIN sales s ON s.id = o.id LEFT JOIN staff st ON st.id = p.assigned_to";

fn part_row(r: &sqlx::sqlite::SqliteRow) -> PartRow {
    PartRow {
        order_id: r.get("order_id"),
        outlet_id: r.get("outlet_id"),
        part_status: r.get("part_status"),
        lines: r.get("lines"),
        notes: r.get("notes"),
        assigned_to: r.get("assigned_to"),
        assigned_name: r.get("assigned_name"),
        connection_id: r.get("connection_id"),
        platform: r.get("platform"),
        receipt: r.get("receipt"),
        number: r.get("number"),
        created_at_ms: r.get("created_at_ms"),
        order_type: r.get("order_type"),
        customer_id: r.get("customer_id"),
        customer_name: r.get("customer_name"),
        sale_note: r.get("sale_note"),
        total_cents: r.get("total_cents"),
        paid_cents: r.get("paid_cents"),
        plan: r.get("plan"),
        processor: r.get("processor"),
    }
}

async fn views_of(conn: &mut SqliteConnection, rows: Vec<PartRow>) -> anyhow::Result<Vec<OrderPartView>> {
    let ids: BTreeSet<&str> = rows.iter().map(|r| r.order_id.as_str()).collect();
    let siblings = sqlx::query("SELECT order_id, outlet_id, status FROM order_parts WHERE order_id IN (SELECT value FROM json_each(?))")
        .bind(serde_json::to_string(&ids)?)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok((r.get("order_id"), r.get("outlet_id"), parse_text(r.get::<&str, _>("status"))?)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    rows.into_iter().map(|r| part_view(r, &siblings)).collect()
}

/// The unfinished parts among `keys` (order id, outlet id), for the change log: a part not returned
/// (done, or its order fulfilled or cancelled) goes to devices as a tombstone.
pub(crate) async fn open_parts_of(conn: &mut SqliteConnection, keys: &[(&str, &str)]) -> anyhow::Result<HashMap<(String, String), OrderPartView>> {
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let pairs = serde_json::Value::Array(keys.iter().map(|(a, b)| serde_json::json!([a, b])).collect()).to_string();
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{PART_SELECT}
         WHERE (p.order_id, p.outlet_id) IN (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?))
           AND o.status = 'unfulfilled' AND p.status NOT IN ('shipped', 'picked_up')"
    )))
    .bind(pairs)
    .fetch_all(&mut *conn)
    .await?;
    let rows: Vec<PartRow> = rows.iter().map(part_row).collect();
    Ok(views_of(conn, rows).await?.into_iter().map(|v| ((v.order_id.clone(), v.outlet_id.clone()), v)).collect())
}

/// A delivery of an order, inside the delivery's transaction.
async fn ingest_in(tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>, connection_id: &str, order: &IncomingOrder) -> anyhow::Result<IngestOutcome> {
    let record = load_connection(tx, connection_id).await?.ok_or_else(|| anyhow::anyhow!("no connection {connection_id}"))?;
    let existing = sqlx::query("SELECT id, status, total_cents, paid_cents, sale_note, body FROM online_orders WHERE connection_id = ? AND external_id = ?")
        .bind(connection_id)
        .bind(&order.external_id)
        .fetch_optional(&mut **tx)
        .await?;
    if let Some(row) = existing {
        return update_in(tx, connection_id, &row, order).await;
    }
    if let Some(outcome) = first_sight_in(tx, connection_id, order).await? {
        return Ok(outcome);
    }
    let load = load_intake(tx, &record, order).await?;
    let numbering = SaleNumbering {
        order_id: new_id(),
        connection_id: connection_id.into(),
        seq: load.next_seq,
        receipt_seq: load.receipt_seq,
        register_id: record.view.orders_register_id.clone(),
        register_code: load.register_code.clone(),
        outlet_id: record.outlet_id.clone(),
    };
    let new_customer_id = new_id();
    let decided = intake(IntakeInput {
        order,
        numbering: &numbering,
        catalog: &load.catalog,
        customer: load.customer.as_ref(),
        new_customer_id: &new_customer_id,
        outlets: &load.outlets,
        rates: load.rates,
    });
    let i = match decided {
        Err(hold) => {
            tracing::warn!(connection = connection_id, order = %order.external_id, code = %hold.code, "online order held: {}", hold.reason);
            sqlx::query(
                "INSERT INTO held_online_orders (connection_id, external_id, body, code, reason, received_at_ms) VALUES (?, ?, ?, ?, ?, ?)
                 ON CONFLICT (connection_id, external_id) DO UPDATE SET body = excluded.body, code = excluded.code, reason = excluded.reason,
                     received_at_ms = excluded.received_at_ms, resolved = 0",
            )
            .bind(connection_id)
            .bind(&order.external_id)
            .bind(serde_json::to_string(order)?)
            .bind(&hold.code)
            .bind(&hold.reason)
            .bind(now_ms())
            .execute(&mut **tx)
            .await?;
            return Ok(IngestOutcome::Held { code: hold.code });
        }
        Ok(i) => i,
    };
    if let CustomerDecision::New { customer } = &i.customer {
        sqlx::query("INSERT INTO customers (id, name, email) VALUES (?, ?, ?)")
            .bind(&customer.id)
            .bind(&customer.name)
            .bind(&customer.email)
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query("UPDATE connections SET next_seq = next_seq + 1 WHERE id = ?").bind(connection_id).execute(&mut **tx).await?;
    super::online_receipts::taken(tx, &i.sale.register_id).await?;
    super::push::insert_sale(tx, &i.sale).await?;
    if let Some(id) = &i.sale.customer_id {
        let bearing = super::customers::customer_bearing(tx, id).await?;
        if let Some(change) = customer_change(&i.sale, Some(&bearing)) {
            super::customers::write_customer_change(tx, &change, super::customers::EntrySource::Sale(&i.sale.id)).await?;
        }
    }
    super::push::write_movements(tx, &i.movements, &i.levels).await?;
    let now = now_ms();
    sqlx::query(
        "INSERT INTO online_orders (id, connection_id, external_id, number, order_type, total_cents, paid_cents, processor, customer_id,
                                    customer_name, sale_note, plan, status, modified, body, created_at_ms, updated_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&i.sale.id)
    .bind(connection_id)
    .bind(&order.external_id)
    .bind(&order.number)
    .bind(text_of(&order.order_type)?)
    .bind(i.total.as_cents())
    .bind(i.paid.as_cents())
    .bind(&i.processor)
    .bind(&i.sale.customer_id)
    .bind(&i.customer_name)
    .bind(&i.sale_note)
    .bind(serde_json::to_string(&i.plan)?)
    .bind(OrderState::Unfulfilled.as_str())
    .bind(&order.modified)
    .bind(serde_json::to_string(order)?)
    .bind(i.sale.created_at_ms)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    for (outlet, lines) in &i.parts {
        sqlx::query("INSERT INTO order_parts (order_id, outlet_id, status, lines, updated_at_ms) VALUES (?, ?, ?, ?, ?)")
            .bind(&i.sale.id)
            .bind(outlet)
            .bind(PartStatus::New.as_str())
            .bind(serde_json::to_string(lines)?)
            .bind(now)
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query("UPDATE held_online_orders SET resolved = 1 WHERE connection_id = ? AND external_id = ?")
        .bind(connection_id)
        .bind(&order.external_id)
        .execute(&mut **tx)
        .await?;
    for e in sale_audit(&i.sale, &i.sale.device_id) {
        write_audit(tx, &Audit::new(e.action, &e.staff_id, &e.subject, e.detail).device(e.device_id.as_deref()).outlet(e.outlet_id.as_deref())).await?;
    }
    Ok(IngestOutcome::Created { order_id: i.sale.id })
}

async fn load_intake(tx: &mut SqliteConnection, record: &ConnectionRecord, order: &IncomingOrder) -> anyhow::Result<IntakeLoad> {
    let reg = sqlx::query(
        "SELECT r.code, o.gst_ppm, o.qst_ppm, c.next_seq FROM connections c JOIN registers r ON r.id = c.orders_register_id
         JOIN outlets o ON o.id = r.outlet_id WHERE c.id = ?",
    )
    .bind(&record.view.id)
    .fetch_one(&mut *tx)
    .await?;
    let skus = skus_of(order);
    let mut catalog = BTreeMap::new();
    let sql = format!("SELECT {} FROM products WHERE sku IN (SELECT value FROM json_each(?))", super::products::PRODUCT_COLS);
    for r in sqlx::query(sqlx::AssertSqlSafe(sql)).bind(serde_json::to_string(&skus)?).fetch_all(&mut *tx).await? {
        let p = super::products::product_of(&r);
        catalog.insert(p.sku.clone(), p);
    }
    let email = shared::online::customer_match::normalise_email(order.email.as_deref());
    let customer = match &email {
        None => None,
        Some(e) => sqlx::query("SELECT id, name, email FROM customers WHERE lower(email) = ? ORDER BY id LIMIT 1")
            .bind(e)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| Customer { id: r.get("id"), name: r.get("name"), email: r.get("email") }),
    };
    let products: Vec<&str> = catalog.values().map(|p| p.id.as_str()).collect();
    let mut levels: HashMap<String, BTreeMap<String, i64>> = HashMap::new();
    for r in sqlx::query(
        "SELECT outlet_id, product_id, qty FROM stock_levels
         WHERE outlet_id IN (SELECT value FROM json_each(?1)) AND product_id IN (SELECT value FROM json_each(?2))",
    )
    .bind(serde_json::to_string(&record.view.online_outlets)?)
    .bind(serde_json::to_string(&products)?)
    .fetch_all(&mut *tx)
    .await?
    {
        levels.entry(r.get("outlet_id")).or_default().insert(r.get("product_id"), r.get("qty"));
    }
    let outlets = record
        .view
        .online_outlets
        .iter()
        .map(|o| OnlineOutlet { id: o.clone(), levels: levels.remove(o).unwrap_or_default() })
        .collect();
    Ok(IntakeLoad {
        register_code: reg.get("code"),
        rates: TaxRates { gst_ppm: reg.get("gst_ppm"), qst_ppm: reg.get("qst_ppm") },
        next_seq: u64::try_from(reg.get::<i64, _>("next_seq"))?,
        receipt_seq: super::online_receipts::next(tx, &record.view.orders_register_id).await?,
        catalog,
        customer,
        outlets,
    })
}

/// An order the shop has not taken in: what its first version seen (and a cancelled one remembered)
/// says (`shared::online::intake::first_sight`). `None`: take it in.
async fn first_sight_in(tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>, connection_id: &str, order: &IncomingOrder) -> anyhow::Result<Option<IngestOutcome>> {
    let remembered: Option<String> = sqlx::query_scalar("SELECT body FROM cancelled_online_orders WHERE connection_id = ? AND external_id = ?")
        .bind(connection_id)
        .bind(&order.external_id)
        .fetch_optional(&mut **tx)
        .await?;
    let remembered: Option<IncomingOrder> = remembered.as_deref().map(serde_json::from_str).transpose()?;
    Ok(match first_sight(order, remembered.as_ref()) {
        FirstSight::Take => None,
        FirstSight::Stale => {
            tracing::info!(connection = connection_id, order = %order.external_id, "an older version of an order first seen cancelled: not applied");
            Some(IngestOutcome::Stale { order_id: None })
        }
        FirstSight::NotYet(h) => Some(IngestOutcome::NotTaken { code: h.code }),
        FirstSight::Remember(h) => {
            sqlx::query(
                "INSERT INTO cancelled_online_orders (connection_id, external_id, body, received_at_ms) VALUES (?, ?, ?, ?)
                 ON CONFLICT (connection_id, external_id) DO UPDATE SET body = excluded.body, received_at_ms = excluded.received_at_ms",
            )
            .bind(connection_id)
            .bind(&order.external_id)
            .bind(serde_json::to_string(order)?)
            .bind(now_ms())
            .execute(&mut **tx)
            .await?;
            Some(IngestOutcome::NotTaken { code: h.code })
        }
        FirstSight::Hold(h) => {
            hold_order(tx, connection_id, order, &h.code, &h.reason).await?;
            Some(IngestOutcome::Held { code: h.code })
        }
    })
}

/// Holds a version of an order for a manager (`held_online_orders`: one row per order, the latest).
async fn hold_order(tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>, connection_id: &str, order: &IncomingOrder, code: &str, reason: &str) -> anyhow::Result<()> {
    tracing::warn!(connection = connection_id, order = %order.external_id, code, "online order held: {reason}");
    sqlx::query(
        "INSERT INTO held_online_orders (connection_id, external_id, body, code, reason, received_at_ms) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (connection_id, external_id) DO UPDATE SET body = excluded.body, code = excluded.code, reason = excluded.reason,
             received_at_ms = excluded.received_at_ms, resolved = 0",
    )
    .bind(connection_id)
    .bind(&order.external_id)
    .bind(serde_json::to_string(order)?)
    .bind(code)
    .bind(reason)
    .bind(now_ms())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A later delivery of a known order: what `shared::online::update` says changes. A cancellation's
/// return is written like a register's (sale, returns index, customer figures, audit) with the
/// decision's own movements at the parts' outlets.
async fn update_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    connection_id: &str,
    row: &sqlx::sqlite::SqliteRow,
    incoming: &IncomingOrder,
) -> anyhow::Result<IngestOutcome> {
    let order_id: String = row.get("id");
    let last: IncomingOrder = serde_json::from_str(row.get("body"))?;
    let state: OrderState = row.get::<&str, _>("status").parse()?;
    let sale_note: String = row.get("sale_note");
    let mut parts = Vec::new();
    for r in sqlx::query("SELECT outlet_id, status, lines FROM order_parts WHERE order_id = ? ORDER BY outlet_id").bind(&order_id).fetch_all(&mut **tx).await? {
        let lines: Vec<OrderLineView> = serde_json::from_str(r.get("lines"))?;
        parts.push((r.get::<String, _>("outlet_id"), parse_text::<PartStatus>(r.get("status"))?, lines));
    }
    let (total, paid) = (Money(row.get("total_cents")), Money(row.get("paid_cents")));
    let body: String = sqlx::query_scalar("SELECT body FROM sales WHERE id = ?").bind(&order_id).fetch_one(&mut **tx).await?;
    let mut sale: Sale = serde_json::from_str(&body)?;
    let returns = super::customers::returns_of(tx, &BTreeSet::from([order_id.as_str()])).await?;
    let reg = sqlx::query(
        "SELECT r.code, o.gst_ppm, o.qst_ppm, c.next_seq FROM connections c JOIN registers r ON r.id = c.orders_register_id
         JOIN outlets o ON o.id = r.outlet_id WHERE c.id = ?",
    )
    .bind(connection_id)
    .fetch_one(&mut **tx)
    .await?;
    // The return is made at the order's own register (its sale's): its code and its outlet's rates, even
    // when the connection's orders register has moved since.
    let at = sqlx::query("SELECT r.code, o.gst_ppm, o.qst_ppm FROM registers r JOIN outlets o ON o.id = r.outlet_id WHERE r.id = ?")
        .bind(&sale.register_id)
        .fetch_one(&mut **tx)
        .await?;
    let numbering = ReturnNumbering {
        sale_id: new_id(),
        seq: u64::try_from(reg.get::<i64, _>("next_seq"))?,
        receipt_seq: super::online_receipts::next(tx, &sale.register_id).await?,
        register_code: at.get("code"),
        rates: TaxRates { gst_ppm: at.get("gst_ppm"), qst_ppm: at.get("qst_ppm") },
    };
    let u = update(
        StoredOrder { order_id: &order_id, state, total, paid, sale_note: &sale_note, last: &last, parts: &parts, sale: &sale, returns: &returns },
        incoming,
        &numbering,
        now_ms(),
    );
    if u.stale {
        tracing::info!(connection = connection_id, order = %incoming.external_id, modified = %incoming.modified, applied = %last.modified, "an older version of an order: not applied");
        return Ok(IngestOutcome::Stale { order_id: Some(order_id) });
    }
    if let Some(h) = &u.held {
        hold_order(tx, connection_id, incoming, &h.code, &h.reason).await?;
        return Ok(IngestOutcome::Held { code: h.code.clone() });
    }
    if u.is_empty() && last == *incoming {
        return Ok(IngestOutcome::Updated { order_id });
    }
    let mut paid_after = paid;
    if let Some(tender) = &u.tender {
        sale.tenders.push(tender.clone());
        sqlx::query("UPDATE sales SET body = ? WHERE id = ?").bind(serde_json::to_string(&sale)?).bind(&order_id).execute(&mut **tx).await?;
        paid_after = paid.checked_add(tender.amount)?;
    }
    let mut state_after = state;
    if let Some(cancel) = &u.cancel {
        if let Some(back) = &cancel.return_sale {
            sqlx::query("UPDATE connections SET next_seq = next_seq + 1 WHERE id = ?").bind(connection_id).execute(&mut **tx).await?;
            super::online_receipts::taken(tx, &back.register_id).await?;
            super::push::insert_sale(tx, back).await?;
            sqlx::query("INSERT INTO sale_returns (original_sale_id, return_sale_id) VALUES (?, ?) ON CONFLICT DO NOTHING")
                .bind(&order_id)
                .bind(&back.id)
                .execute(&mut **tx)
                .await?;
            if let Some(id) = &back.customer_id {
                let bearing = super::customers::customer_bearing(tx, id).await?;
                if let Some(change) = customer_change(back, Some(&bearing)) {
                    super::customers::write_customer_change(tx, &change, super::customers::EntrySource::Sale(&back.id)).await?;
                }
            }
            for e in sale_audit(back, &back.device_id) {
                write_audit(tx, &Audit::new(e.action, &e.staff_id, &e.subject, e.detail).device(e.device_id.as_deref()).outlet(e.outlet_id.as_deref())).await?;
            }
        }
        let back = &cancel.movements;
        let mut before = BTreeMap::new();
        for m in back {
            let q: Option<i64> = sqlx::query_scalar("SELECT qty FROM stock_levels WHERE outlet_id = ? AND product_id = ?")
                .bind(&m.outlet_id)
                .bind(&m.product_id)
                .fetch_optional(&mut **tx)
                .await?;
            before.insert((m.outlet_id.clone(), m.product_id.clone()), q.unwrap_or(0));
        }
        super::push::write_movements(tx, back, &levels_after(back, &before)).await?;
        state_after = OrderState::Cancelled;
    }
    sqlx::query(
        "UPDATE online_orders SET status = ?, paid_cents = ?, processor = COALESCE(processor, ?), sale_note = ?, modified = ?, body = ?, updated_at_ms = ?
         WHERE id = ?",
    )
    .bind(state_after.as_str())
    .bind(paid_after.as_cents())
    .bind(u.tender.as_ref().and_then(|t| t.processor.clone()))
    .bind(u.sale_note.as_deref().unwrap_or(&sale_note))
    .bind(&incoming.modified)
    .bind(serde_json::to_string(incoming)?)
    .bind(now_ms())
    .bind(&order_id)
    .execute(&mut **tx)
    .await?;
    Ok(IngestOutcome::Updated { order_id })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_are_uuid_v7_and_sort_by_time() {
        let a = new_id();
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "7");
        std::thread::sleep(std::time::Duration::from_millis(2));
        assert!(new_id() > a);
    }

    #[test]
    fn a_search_escapes_like_wildcards() {
        assert_eq!(like_pattern(Some(" 50%_off ")).as_deref(), Some("%50\\%\\_off%"));
        assert_eq!(like_pattern(Some("  ")), None);
    }
}
