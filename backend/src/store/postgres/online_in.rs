//! Online orders in on PostgreSQL (mirrors `store/online_in.rs`, sharing its records and assembly). A
//! delivery's transaction first takes the advisory lock of its order (connection, external id), so two
//! instances receiving the same order at once decide one after the other: the second sees the first's
//! order and updates it (or sees the same delivery key and answers duplicate). Then the connection's
//! row (its sequence, `FOR NO KEY UPDATE`), the orders register's online receipt row
//! (`online_receipts`), the stock levels it moves (`FOR UPDATE`, outlet then product order), then the
//! customer; unique keys (`webhook_deliveries`, `(connection_id, external_id)`, `(device_id, seq)`,
//! customers' e-mail) stay the last line: a race that reaches one is run again from the start.

use super::{lock, text_array, transaction, Lock, PgStore};
use crate::store::auth::Audit;
use crate::store::customers::EntrySource;
use crate::bridges::Credentials;
use crate::store::now_ms;
use crate::store::online_in::{online_settings, connection_audit, connection_record_or, listed_connection, history_hold_of, plan_patch, like_pattern, new_id, parse_text, part_view, skus_of, text_of, ConnectionRow, IntakeLoad, PartRow};
use crate::store::page::Page;
use crate::online::held::{IngestOptions, NewHold};
use crate::online::reconcile::ReconcileProgress;
use crate::online::{ConnectionRecord, ConnectionRefusal, IngestOutcome, NewConnection, OrdersFilter, OrdersKey};
use shared::online::held;
use shared::catalog::Customer;
use shared::fulfilment::PartStatus;
use shared::online::intake::{customer_change, first_sight, intake, levels_after, update, FirstSight, OrderState, ReturnNumbering, StoredOrder};
use shared::online::{ConnectionView, CustomerDecision, HeldOnlineOrder, IncomingOrder, IntakeInput, OnlineOutlet, OrderLineView, OrderPartView, SaleNumbering};
use shared::sale::Sale;
use shared::sync::sale_audit;
use shared::tax::TaxRates;
use shared::Money;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Postgres, Row, Transaction};
use std::collections::{BTreeMap, BTreeSet, HashMap};

const CONNECTION_COLUMNS: &str = "c.id, c.platform, c.name, c.base_url, c.credentials, c.options, c.orders_register_id,
     r.outlet_id AS register_outlet, c.active, c.reconciled_until_ms, c.created_at_ms";

fn connection_row(r: &PgRow) -> ConnectionRow {
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

async fn chosen_outlets(conn: &mut PgConnection, id: &str) -> anyhow::Result<Vec<String>> {
    Ok(sqlx::query_scalar("SELECT outlet_id FROM connection_outlets WHERE connection_id = $1 ORDER BY priority").bind(id).fetch_all(&mut *conn).await?)
}

async fn load_connection(conn: &mut PgConnection, id: &str) -> anyhow::Result<Option<ConnectionRecord>> {
    load_connection_or(conn, id, None).await
}

/// `load_connection`, with `fallback` for credentials this server cannot open (`connection_record_or`).
async fn load_connection_or(conn: &mut PgConnection, id: &str, fallback: Option<&Credentials>) -> anyhow::Result<Option<ConnectionRecord>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CONNECTION_COLUMNS} FROM connections c JOIN registers r ON r.id = c.orders_register_id WHERE c.id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let chosen = chosen_outlets(conn, id).await?;
    Ok(Some(connection_record_or(connection_row(&row), &chosen, fallback)?))
}

/// Connections are created, edited and (re)activated one at a time across instances: the
/// one-active-connection-per-store rule reads every connection of the store. (Webhooks and the worker
/// only update rows and are not held up beyond such a short transaction.)
async fn lock_connections(conn: &mut PgConnection) -> anyhow::Result<()> {
    sqlx::query("LOCK TABLE connections IN SHARE ROW EXCLUSIVE MODE").execute(conn).await?;
    Ok(())
}

/// A connection the caller may act on: `UnknownConnection` for none, and for another outlet's.
async fn visible_connection(conn: &mut PgConnection, id: &str, outlets: Option<&[String]>) -> anyhow::Result<Result<ConnectionRecord, ConnectionRefusal>> {
    visible_connection_or(conn, id, outlets, None).await
}

async fn visible_connection_or(
    conn: &mut PgConnection,
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
/// `even_inactive`, not (see the SQLite twin).
async fn same_store(conn: &mut PgConnection, platform: &str, base_url: &str, credentials: &Credentials, except: &str, even_inactive: bool) -> anyhow::Result<Option<String>> {
    let same: Vec<(String, String)> = sqlx::query_as("SELECT id, credentials FROM connections WHERE platform = $1 AND base_url = $2 AND (active OR $4) AND id <> $3")
        .bind(platform)
        .bind(base_url)
        .bind(except)
        .bind(even_inactive)
        .fetch_all(&mut *conn)
        .await?;
    Ok(same.into_iter().find(|(other, stored)| crate::secrets::credentials_of(stored, other).map_or(true, |c| c.store_key() == credentials.store_key())).map(|(id, _)| id))
}

async fn outlets_exist(conn: &mut PgConnection, outlets: &[String]) -> anyhow::Result<Result<(), ConnectionRefusal>> {
    let found: Vec<String> = sqlx::query_scalar("SELECT id FROM outlets WHERE id = ANY($1)").bind(outlets).fetch_all(&mut *conn).await?;
    Ok(match outlets.iter().find(|o| !found.contains(o)) {
        Some(o) => Err(ConnectionRefusal::UnknownOutlet(o.clone())),
        None => Ok(()),
    })
}

/// After the online outlets of `before` may have changed: restarts the stock push when their set did
/// (`restart_after_outlet_change`). The lease token is cleared, so a push under way cannot move the
/// cursor past the restart; its lease time is kept, so the next push waits for it to end rather than
/// race its last call.
async fn restart_stock_push_if_outlets_changed(conn: &mut PgConnection, before: &ConnectionRecord, after: &ConnectionRecord) -> anyhow::Result<()> {
    let pending: String = sqlx::query_scalar("SELECT stock_repush_outlets FROM connections WHERE id = $1").bind(&after.view.id).fetch_one(&mut *conn).await?;
    let pending: Vec<String> = serde_json::from_str(&pending)?;
    let Some(repush) = shared::stock::online::restart_after_outlet_change(&online_settings(before), &online_settings(after), &pending) else {
        return Ok(());
    };
    sqlx::query("UPDATE connections SET stock_pushed_version = 0, stock_repush_outlets = $1, stock_lease_token = NULL, stock_attempts = 0, stock_next_attempt_at_ms = 0 WHERE id = $2")
        .bind(serde_json::to_string(&repush)?)
        .bind(&after.view.id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn write_outlets(conn: &mut PgConnection, id: &str, outlets: &[String]) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM connection_outlets WHERE connection_id = $1").bind(id).execute(&mut *conn).await?;
    for (i, o) in outlets.iter().enumerate() {
        sqlx::query("INSERT INTO connection_outlets (connection_id, outlet_id, priority) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(id)
            .bind(o)
            .bind(i as i64)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

const PART_SELECT: &str = "SELECT p.order_id, p.outlet_id, p.status AS part_status, p.lines, p.notes, p.assigned_to, st.name AS assigned_name,
        o.connection_id, c.platform, s.receipt, o.number, o.created_at_ms, o.order_type, o.customer_id, o.customer_name,
        o.sale_note, o.total_cents, o.paid_cents, o.plan, o.processor
     FROM order_parts p JOIN online_orders o ON o.id = p.order_id JOIN connections c ON c.id = o.connection_id
     JOIN sales s ON s.id = o.id LEFT JOIN staff st ON st.id = p.assigned_to";

fn part_row(r: &PgRow) -> PartRow {
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

async fn views_of(conn: &mut PgConnection, rows: Vec<PartRow>) -> anyhow::Result<Vec<OrderPartView>> {
    let ids: Vec<String> = rows.iter().map(|r| r.order_id.clone()).collect::<BTreeSet<_>>().into_iter().collect();
    let siblings = sqlx::query("SELECT order_id, outlet_id, status FROM order_parts WHERE order_id = ANY($1)")
        .bind(&ids)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok((r.get("order_id"), r.get("outlet_id"), parse_text(r.get::<&str, _>("status"))?)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    rows.into_iter().map(|r| part_view(r, &siblings)).collect()
}

/// The unfinished parts among `keys` (order id, outlet id), for the change log (see the SQLite twin).
pub(crate) async fn open_parts_of(conn: &mut PgConnection, keys: &[(&str, &str)]) -> anyhow::Result<HashMap<(String, String), OrderPartView>> {
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let orders: Vec<&str> = keys.iter().map(|k| k.0).collect();
    let outlets: Vec<&str> = keys.iter().map(|k| k.1).collect();
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{PART_SELECT}
         WHERE (p.order_id, p.outlet_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
           AND o.status = 'unfulfilled' AND p.status NOT IN ('shipped', 'picked_up')"
    )))
    .bind(&orders)
    .bind(&outlets)
    .fetch_all(&mut *conn)
    .await?;
    let rows: Vec<PartRow> = rows.iter().map(part_row).collect();
    Ok(views_of(conn, rows).await?.into_iter().map(|v| ((v.order_id.clone(), v.outlet_id.clone()), v)).collect())
}

impl PgStore {
    pub async fn create_connection(&self, new: &NewConnection, id: &str, outlets: Option<&[String]>) -> anyhow::Result<Result<ConnectionView, ConnectionRefusal>> {
        transaction!(self, |tx| {
            let register_outlet: Option<String> =
                sqlx::query_scalar("SELECT outlet_id FROM registers WHERE id = $1").bind(&new.orders_register_id).fetch_optional(&mut **tx).await?;
            let Some(register_outlet) = register_outlet else {
                return Ok(Err(ConnectionRefusal::UnknownRegister(new.orders_register_id.clone())));
            };
            if outlets.is_some_and(|o| !o.contains(&register_outlet) || new.online_outlets.iter().any(|x| !o.contains(x))) {
                return Ok(Err(ConnectionRefusal::NotYourOutlet));
            }
            if let Err(e) = outlets_exist(tx, &new.online_outlets).await? {
                return Ok(Err(e));
            }
            // One active connection per store: a second would take every order twice. Two instances
            // connecting one store at once decide one after the other (`lock_connections`).
            lock_connections(tx).await?;
            if let Some(other) = same_store(tx, &text_of(&new.platform)?, &new.base_url, &new.credentials, id, true).await? {
                return Ok(Err(ConnectionRefusal::AlreadyConnected(other)));
            }
            sqlx::query(
                "INSERT INTO connections (id, platform, name, base_url, credentials, options, orders_register_id, created_at_ms, reconciled_until_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
            )
            .bind(id)
            .bind(text_of(&new.platform)?)
            .bind(&new.name)
            .bind(&new.base_url)
            .bind(self.secrets().seal(&serde_json::to_string(&new.credentials)?, id)?)
            .bind(serde_json::to_string(&new.options)?)
            .bind(&new.orders_register_id)
            .bind(now_ms())
            .execute(&mut **tx)
            .await?;
            write_outlets(tx, id, &new.online_outlets).await?;
            let record = load_connection(tx, id).await?.ok_or_else(|| anyhow::anyhow!("connection vanished"))?;
            Ok(Ok(record.view))
        })
    }

    pub async fn connections(&self, outlets: Option<&[String]>) -> anyhow::Result<Vec<ConnectionView>> {
        let mut conn = self.pool().acquire().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CONNECTION_COLUMNS} FROM connections c JOIN registers r ON r.id = c.orders_register_id ORDER BY c.created_at_ms, c.id COLLATE \"C\""
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
        transaction!(self, |tx| {
            sqlx::query("SELECT id FROM connections WHERE id = $1 FOR UPDATE").bind(id).fetch_optional(&mut **tx).await?;
            let Some(record) = load_connection(tx, id).await? else {
                return Ok(Err(ConnectionRefusal::UnknownConnection(id.into())));
            };
            if outlets.is_some_and(|o| !o.contains(&record.outlet_id) || chosen.iter().any(|x| !o.contains(x))) {
                return Ok(Err(ConnectionRefusal::NotYourOutlet));
            }
            if let Err(e) = outlets_exist(tx, chosen).await? {
                return Ok(Err(e));
            }
            write_outlets(tx, id, chosen).await?;
            let after = load_connection(tx, id).await?.ok_or_else(|| anyhow::anyhow!("connection vanished"))?;
            restart_stock_push_if_outlets_changed(tx, &record, &after).await?;
            let record = after;
            Ok(Ok(record.view))
        })
    }

    /// `PATCH /connections/{id}` (see the SQLite twin).
    pub async fn update_connection(
        &self,
        id: &str,
        patch: &crate::online::ConnectionPatch,
        outlets: Option<&[String]>,
        staff_id: &str,
    ) -> anyhow::Result<Result<ConnectionView, ConnectionRefusal>> {
        transaction!(self, |tx| {
            lock_connections(tx).await?;
            let record = match visible_connection_or(tx, id, outlets, patch.credentials.as_ref()).await? {
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
                    sqlx::query_scalar("SELECT outlet_id FROM registers WHERE id = $1").bind(&plan.orders_register_id).fetch_optional(&mut **tx).await?;
                let Some(outlet) = outlet else {
                    return Ok(Err(ConnectionRefusal::UnknownRegister(plan.orders_register_id)));
                };
                if outlets.is_some_and(|o| !o.contains(&outlet)) {
                    return Ok(Err(ConnectionRefusal::NotYourOutlet));
                }
            }
            if plan.identity_changed {
                if let Some(other) = same_store(tx, &text_of(&record.view.platform)?, &plan.base_url, &plan.credentials, id, true).await? {
                    return Ok(Err(ConnectionRefusal::AlreadyConnected(other)));
                }
            }
            if plan.identity_changed {
                let took: bool = sqlx::query_scalar(
                    "SELECT EXISTS (SELECT 1 FROM online_orders WHERE connection_id = $1) OR EXISTS (SELECT 1 FROM webhook_deliveries WHERE connection_id = $1)",
                )
                .bind(id)
                .fetch_one(&mut **tx)
                .await?;
                if took {
                    return Ok(Err(ConnectionRefusal::OtherStore(record.bridge.credentials.store_key())));
                }
            }
            sqlx::query("UPDATE connections SET name = $1, base_url = $2, credentials = $3, options = $4, orders_register_id = $5 WHERE id = $6")
                .bind(&plan.name)
                .bind(&plan.base_url)
                .bind(self.secrets().seal(&serde_json::to_string(&plan.credentials)?, id)?)
                .bind(serde_json::to_string(&plan.options)?)
                .bind(&plan.orders_register_id)
                .bind(id)
                .execute(&mut **tx)
                .await?;
            super::auth::write_audit(tx, &connection_audit(staff_id, &record, &plan.detail)).await?;
            let after = load_connection(tx, id).await?.ok_or_else(|| anyhow::anyhow!("connection vanished"))?;
            restart_stock_push_if_outlets_changed(tx, &record, &after).await?;
            let record = after;
            Ok(Ok(record.view))
        })
    }

    /// Deactivates or reactivates a connection (see the SQLite twin).
    pub async fn set_connection_active(&self, id: &str, active: bool, outlets: Option<&[String]>, staff_id: &str) -> anyhow::Result<Result<ConnectionView, ConnectionRefusal>> {
        transaction!(self, |tx| {
            lock_connections(tx).await?;
            let record = match visible_connection(tx, id, outlets).await? {
                Ok(r) => r,
                Err(e) => return Ok(Err(e)),
            };
            if record.view.active == active {
                return Ok(Ok(record.view));
            }
            if active {
                if let Some(other) = same_store(tx, &text_of(&record.view.platform)?, &record.view.base_url, &record.bridge.credentials, id, false).await? {
                    return Ok(Err(ConnectionRefusal::AlreadyConnected(other)));
                }
            }
            sqlx::query("UPDATE connections SET active = $1 WHERE id = $2").bind(active).bind(id).execute(&mut **tx).await?;
            super::auth::write_audit(tx, &connection_audit(staff_id, &record, if active { "reactivated" } else { "deactivated" })).await?;
            let record = load_connection(tx, id).await?.ok_or_else(|| anyhow::anyhow!("connection vanished"))?;
            Ok(Ok(record.view))
        })
    }

    /// At start: refuses a key other than the database's, then seals credentials still stored plain
    /// (see the SQLite twin). Instances starting at once: the first check value written wins, and a
    /// row is sealed only while it still holds the plain text read.
    pub(crate) async fn seal_credentials(&self) -> anyhow::Result<()> {
        let key = self.secrets();
        sqlx::query("INSERT INTO secret_key_check (id, check_value) VALUES (1, $1) ON CONFLICT DO NOTHING").bind(key.check_value()?).execute(self.pool()).await?;
        let check: String = sqlx::query_scalar("SELECT check_value FROM secret_key_check WHERE id = 1").fetch_one(self.pool()).await?;
        key.verify_check(&check)?;
        crate::secrets::install(key);
        let plain: Vec<(String, String)> =
            sqlx::query_as("SELECT id, credentials FROM connections WHERE credentials NOT LIKE 'enc:v1:%'").fetch_all(self.pool()).await?;
        for (id, text) in &plain {
            let sealed = key.seal(text, id)?;
            anyhow::ensure!(key.open(&sealed, id)? == *text, "sealing connection {id}'s credentials did not round-trip");
            sqlx::query("UPDATE connections SET credentials = $1 WHERE id = $2 AND credentials = $3").bind(&sealed).bind(id).bind(text).execute(self.pool()).await?;
        }
        if !plain.is_empty() {
            tracing::info!("encrypted the credentials of {} connected store(s) with the key from {}", plain.len(), key.source());
        }
        Ok(())
    }

    pub async fn set_reconciled_until(&self, id: &str, until_ms: i64) -> anyhow::Result<()> {
        sqlx::query("UPDATE connections SET reconciled_until_ms = GREATEST(reconciled_until_ms, $1) WHERE id = $2")
            .bind(until_ms)
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

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
        transaction!(self, |tx| {
            if let Some(o) = order {
                lock(tx, [Lock::OnlineOrder(connection_id.into(), o.external_id.clone())]).await?;
            }
            let inserted = sqlx::query(
                "INSERT INTO webhook_deliveries (connection_id, delivery_key, received_at_ms) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(connection_id)
            .bind(delivery_key)
            .bind(now_ms())
            .execute(&mut **tx)
            .await?
            .rows_affected();
            let outcome = if inserted == 0 {
                IngestOutcome::Duplicate
            } else {
                match order {
                    None => IngestOutcome::Ignored,
                    Some(order) => match history_hold(tx, connection_id, order, opts).await? {
                        Some(hold) => {
                            write_hold(tx, &hold).await?;
                            IngestOutcome::Held { code: hold.code.into() }
                        }
                        None => ingest_in(tx, connection_id, order).await?,
                    },
                }
            };
            if let (Some(order), IngestOutcome::Created { .. } | IngestOutcome::Updated { .. }) = (order, &outcome) {
                // Taken in: what was held of it is done.
                sqlx::query("UPDATE held_online_orders SET resolved = TRUE WHERE (connection_id = $1 AND external_id = $2 OR id = $3) AND NOT resolved")
                    .bind(connection_id)
                    .bind(&order.external_id)
                    .bind(opts.resolves)
                    .execute(&mut **tx)
                    .await?;
            }
            Ok(outcome)
        })
    }

    /// Holds an order we could not take in (`online::held`), in its own transaction. Its row's id.
    pub async fn hold_online_order(&self, hold: &NewHold<'_>) -> anyhow::Result<i64> {
        transaction!(self, |tx| { write_hold(tx, hold).await })
    }

    /// Held orders of a connection whose fetch from the platform failed, oldest first.
    pub async fn pending_fetches(&self, connection_id: &str, limit: u32) -> anyhow::Result<Vec<HeldOnlineOrder>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{HELD_SELECT} WHERE NOT h.resolved AND h.connection_id = $1 AND h.code = $2 ORDER BY h.id LIMIT $3"
        )))
        .bind(connection_id)
        .bind(held::PLATFORM_UNREACHABLE)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(held_row).collect()
    }

    pub async fn reconcile_progress(&self, connection_id: &str) -> anyhow::Result<Option<ReconcileProgress>> {
        let row = sqlx::query("SELECT since_ms, started_ms, next, pages FROM reconcile_progress WHERE connection_id = $1")
            .bind(connection_id)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(|r| ReconcileProgress { since_ms: r.get("since_ms"), started_ms: r.get("started_ms"), next: r.get("next"), pages: r.get("pages") }))
    }

    /// Saves a sweep's progress (`None`: no sweep under way), and moves the mark when it ended.
    pub async fn save_reconcile_progress(&self, connection_id: &str, progress: Option<&ReconcileProgress>, mark: Option<i64>) -> anyhow::Result<()> {
        transaction!(self, |tx| {
            match progress {
                Some(p) => {
                    sqlx::query(
                        "INSERT INTO reconcile_progress (connection_id, since_ms, started_ms, next, pages) VALUES ($1, $2, $3, $4, $5)
                         ON CONFLICT (connection_id) DO UPDATE SET since_ms = EXCLUDED.since_ms, started_ms = EXCLUDED.started_ms,
                             next = EXCLUDED.next, pages = EXCLUDED.pages",
                    )
                    .bind(connection_id)
                    .bind(p.since_ms)
                    .bind(p.started_ms)
                    .bind(&p.next)
                    .bind(p.pages)
                    .execute(&mut **tx)
                    .await?;
                }
                None => {
                    sqlx::query("DELETE FROM reconcile_progress WHERE connection_id = $1").bind(connection_id).execute(&mut **tx).await?;
                }
            }
            if let Some(until) = mark {
                sqlx::query("UPDATE connections SET reconciled_until_ms = GREATEST(reconciled_until_ms, $1) WHERE id = $2")
                    .bind(until)
                    .bind(connection_id)
                    .execute(&mut **tx)
                    .await?;
            }
            Ok(())
        })
    }

    pub async fn list_orders(&self, f: &OrdersFilter, outlets: Option<&[String]>, after: Option<&OrdersKey>, limit: u32) -> anyhow::Result<Page<OrderPartView>> {
        let mut conn = self.pool().acquire().await?;
        let (a_ms, a_id, a_outlet) = after.cloned().unwrap_or((i64::MIN, String::new(), String::new()));
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{PART_SELECT}
             WHERE ($1::text[] IS NULL OR p.outlet_id = ANY($1))
               AND ($2::text IS NULL OR p.outlet_id = $2)
               AND (CASE WHEN $3::text IS NULL THEN o.status = 'unfulfilled' AND p.status NOT IN ('shipped', 'picked_up') ELSE p.status = $3 END)
               AND ($4::text IS NULL OR o.order_type = $4)
               AND ($5::text IS NULL OR s.receipt ILIKE $5 ESCAPE '\\' OR o.number ILIKE $5 ESCAPE '\\' OR o.customer_name ILIKE $5 ESCAPE '\\')
               AND (o.created_at_ms, o.id COLLATE \"C\", p.outlet_id COLLATE \"C\") > ($6, $7, $8)
             ORDER BY o.created_at_ms, o.id COLLATE \"C\", p.outlet_id COLLATE \"C\" LIMIT $9"
        )))
        .bind(text_array(outlets))
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
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("{PART_SELECT} WHERE p.order_id = $1 ORDER BY p.outlet_id COLLATE \"C\"")))
            .bind(order_id)
            .fetch_all(&mut *conn)
            .await?;
        let rows: Vec<PartRow> = rows.iter().map(part_row).collect();
        views_of(&mut conn, rows).await
    }

    pub async fn held_online_orders(&self, outlets: Option<&[String]>, after: Option<i64>, limit: u32) -> anyhow::Result<Page<HeldOnlineOrder>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{HELD_SELECT} JOIN connections c ON c.id = h.connection_id JOIN registers r ON r.id = c.orders_register_id
             WHERE NOT h.resolved AND h.id > $1 AND ($2::text[] IS NULL OR r.outlet_id = ANY($2))
             ORDER BY h.id LIMIT $3"
        )))
        .bind(after.unwrap_or(0))
        .bind(text_array(outlets))
        .bind(i64::from(limit) + 1)
        .fetch_all(self.pool())
        .await?;
        let items = rows.iter().map(held_row).collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Page::of(items, limit, |h| h.id))
    }
}

const HELD_SELECT: &str = "SELECT h.id, h.connection_id, h.external_id, h.body, h.raw, h.delivery_key, h.code, h.reason, h.received_at_ms
     FROM held_online_orders h";

fn held_row(r: &PgRow) -> anyhow::Result<HeldOnlineOrder> {
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
async fn write_hold(conn: &mut PgConnection, h: &NewHold<'_>) -> anyhow::Result<i64> {
    tracing::warn!(connection = h.connection_id, order = %h.external_id, code = %h.code, "online order held: {}", h.reason);
    Ok(sqlx::query_scalar(
        "INSERT INTO held_online_orders (connection_id, external_id, body, raw, delivery_key, code, reason, received_at_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (connection_id, external_id) DO UPDATE SET body = EXCLUDED.body, raw = EXCLUDED.raw, delivery_key = EXCLUDED.delivery_key,
             code = EXCLUDED.code, reason = EXCLUDED.reason, received_at_ms = EXCLUDED.received_at_ms, resolved = FALSE
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

/// See `store::online_in::history_hold_of`.
async fn history_hold<'a>(conn: &mut PgConnection, connection_id: &'a str, order: &'a IncomingOrder, opts: IngestOptions<'a>) -> anyhow::Result<Option<NewHold<'a>>> {
    if opts.take_before_connection {
        return Ok(None);
    }
    let row: Option<(i64, bool)> = sqlx::query_as(
        "SELECT c.created_at_ms, EXISTS (SELECT 1 FROM online_orders o WHERE o.connection_id = c.id AND o.external_id = $1) FROM connections c WHERE c.id = $2",
    )
    .bind(&order.external_id)
    .bind(connection_id)
    .fetch_optional(conn)
    .await?;
    Ok(history_hold_of(connection_id, order, opts, row))
}

/// The levels of (outlet, product) pairs, their rows locked (outlet then product order).
async fn lock_levels(conn: &mut PgConnection, pairs: impl IntoIterator<Item = (String, String)>) -> anyhow::Result<BTreeMap<(String, String), i64>> {
    let mut by_outlet: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (o, p) in pairs {
        by_outlet.entry(o).or_default().insert(p);
    }
    let mut out = BTreeMap::new();
    for (outlet, products) in by_outlet {
        let products: Vec<String> = products.into_iter().collect();
        for (p, q) in super::push::lock_stock_levels(conn, &outlet, &products).await? {
            out.insert((outlet.clone(), p), q);
        }
    }
    Ok(out)
}

async fn ingest_in(tx: &mut Transaction<'_, Postgres>, connection_id: &str, order: &IncomingOrder) -> anyhow::Result<IngestOutcome> {
    let record = load_connection(tx, connection_id).await?.ok_or_else(|| anyhow::anyhow!("no connection {connection_id}"))?;
    let existing = sqlx::query(
        "SELECT id, status, total_cents, paid_cents, sale_note, body FROM online_orders WHERE connection_id = $1 AND external_id = $2 FOR UPDATE",
    )
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
                "INSERT INTO held_online_orders (connection_id, external_id, body, code, reason, received_at_ms) VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (connection_id, external_id) DO UPDATE SET body = EXCLUDED.body, code = EXCLUDED.code, reason = EXCLUDED.reason,
                     received_at_ms = EXCLUDED.received_at_ms, resolved = FALSE",
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
    if let CustomerDecision::Existing { customer_id } = &i.customer {
        lock(tx, [Lock::Customer(customer_id.clone())]).await?;
    }
    if let CustomerDecision::New { customer } = &i.customer {
        sqlx::query("INSERT INTO customers (id, name, email) VALUES ($1, $2, $3)")
            .bind(&customer.id)
            .bind(&customer.name)
            .bind(&customer.email)
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query("UPDATE connections SET next_seq = next_seq + 1 WHERE id = $1").bind(connection_id).execute(&mut **tx).await?;
    super::online_receipts::taken(tx, &i.sale.register_id).await?;
    super::push::insert_sale(tx, &i.sale).await?;
    if let Some(id) = &i.sale.customer_id {
        let bearing = super::customers::customer_bearing(tx, id).await?;
        if let Some(change) = customer_change(&i.sale, Some(&bearing)) {
            super::customers::write_customer_change(tx, &change, EntrySource::Sale(&i.sale.id)).await?;
        }
    }
    super::push::write_movements(tx, &i.movements, &i.levels).await?;
    let now = now_ms();
    sqlx::query(
        "INSERT INTO online_orders (id, connection_id, external_id, number, order_type, total_cents, paid_cents, processor, customer_id,
                                    customer_name, sale_note, plan, status, modified, body, created_at_ms, updated_at_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
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
        sqlx::query("INSERT INTO order_parts (order_id, outlet_id, status, lines, updated_at_ms) VALUES ($1, $2, $3, $4, $5)")
            .bind(&i.sale.id)
            .bind(outlet)
            .bind(PartStatus::New.as_str())
            .bind(serde_json::to_string(lines)?)
            .bind(now)
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query("UPDATE held_online_orders SET resolved = TRUE WHERE connection_id = $1 AND external_id = $2")
        .bind(connection_id)
        .bind(&order.external_id)
        .execute(&mut **tx)
        .await?;
    for e in sale_audit(&i.sale, &i.sale.device_id) {
        super::auth::write_audit(tx, &Audit::new(e.action, &e.staff_id, &e.subject, e.detail).device(e.device_id.as_deref()).outlet(e.outlet_id.as_deref()))
            .await?;
    }
    Ok(IngestOutcome::Created { order_id: i.sale.id })
}

async fn load_intake(tx: &mut PgConnection, record: &ConnectionRecord, order: &IncomingOrder) -> anyhow::Result<IntakeLoad> {
    // The connection's row first: its sequence is bumped by this transaction. `NO KEY UPDATE`, not
    // `UPDATE`: every delivery's webhook_deliveries row holds a key-share lock on it (the foreign key),
    // and two deliveries of one store each waiting for the other's key share deadlocked.
    let next_seq: i64 = sqlx::query_scalar("SELECT next_seq FROM connections WHERE id = $1 FOR NO KEY UPDATE").bind(&record.view.id).fetch_one(&mut *tx).await?;
    // Then the orders register's receipt row, before any advisory lock (see `online_receipts`).
    let receipt_seq = super::online_receipts::next(tx, &record.view.orders_register_id).await?;
    let reg = sqlx::query(
        "SELECT r.code, o.gst_ppm, o.qst_ppm FROM connections c JOIN registers r ON r.id = c.orders_register_id
         JOIN outlets o ON o.id = r.outlet_id WHERE c.id = $1",
    )
    .bind(&record.view.id)
    .fetch_one(&mut *tx)
    .await?;
    let skus = skus_of(order);
    let mut catalog = BTreeMap::new();
    let sql = format!("SELECT {} FROM products WHERE sku = ANY($1)", crate::store::products::PRODUCT_COLS);
    for r in sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&skus).fetch_all(&mut *tx).await? {
        let p = super::products::product_of(&r)?;
        catalog.insert(p.sku.clone(), p);
    }
    let email = shared::online::customer_match::normalise_email(order.email.as_deref());
    let customer = match &email {
        None => None,
        Some(e) => sqlx::query("SELECT id, name, email FROM customers WHERE lower(email) = $1 ORDER BY id COLLATE \"C\" LIMIT 1")
            .bind(e)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| Customer { id: r.get("id"), name: r.get("name"), email: r.get("email") }),
    };
    let pairs = record.view.online_outlets.iter().flat_map(|o| catalog.values().map(move |p| (o.clone(), p.id.clone())));
    let levels = lock_levels(tx, pairs.collect::<Vec<_>>()).await?;
    let outlets = record
        .view
        .online_outlets
        .iter()
        .map(|o| OnlineOutlet {
            id: o.clone(),
            levels: levels.iter().filter(|((lo, _), _)| lo == o).map(|((_, p), q)| (p.clone(), *q)).collect(),
        })
        .collect();
    Ok(IntakeLoad {
        register_code: reg.get("code"),
        rates: TaxRates { gst_ppm: super::u32_of(reg.get("gst_ppm"))?, qst_ppm: super::u32_of(reg.get("qst_ppm"))? },
        next_seq: u64::try_from(next_seq)?,
        receipt_seq,
        catalog,
        customer,
        outlets,
    })
}

/// An order the shop has not taken in: what its first version seen (and a cancelled one remembered)
/// says (`shared::online::intake::first_sight`). `None`: take it in.
async fn first_sight_in(tx: &mut Transaction<'_, Postgres>, connection_id: &str, order: &IncomingOrder) -> anyhow::Result<Option<IngestOutcome>> {
    let remembered: Option<String> = sqlx::query_scalar("SELECT body FROM cancelled_online_orders WHERE connection_id = $1 AND external_id = $2")
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
                "INSERT INTO cancelled_online_orders (connection_id, external_id, body, received_at_ms) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (connection_id, external_id) DO UPDATE SET body = EXCLUDED.body, received_at_ms = EXCLUDED.received_at_ms",
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
async fn hold_order(tx: &mut Transaction<'_, Postgres>, connection_id: &str, order: &IncomingOrder, code: &str, reason: &str) -> anyhow::Result<()> {
    tracing::warn!(connection = connection_id, order = %order.external_id, code, "online order held: {reason}");
    sqlx::query(
        "INSERT INTO held_online_orders (connection_id, external_id, body, code, reason, received_at_ms) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (connection_id, external_id) DO UPDATE SET body = EXCLUDED.body, code = EXCLUDED.code, reason = EXCLUDED.reason,
             received_at_ms = EXCLUDED.received_at_ms, resolved = FALSE",
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

/// A later delivery of a known order (see the SQLite twin). The order's sale and its returns are read
/// under the locks a register return of the same sale takes (its original, its customer), so a
/// cancellation and a refund at a register are decided one after the other.
async fn update_in(tx: &mut Transaction<'_, Postgres>, connection_id: &str, row: &PgRow, incoming: &IncomingOrder) -> anyhow::Result<IngestOutcome> {
    let order_id: String = row.get("id");
    let last: IncomingOrder = serde_json::from_str(row.get("body"))?;
    let state: OrderState = row.get::<&str, _>("status").parse()?;
    let sale_note: String = row.get("sale_note");
    // The connection's row (its sequence numbers a cancellation's return) before the advisory locks, as
    // an intake takes it before its customer's: one order, no deadlock between the two.
    let reg = sqlx::query(
        "SELECT r.code, o.gst_ppm, o.qst_ppm, c.next_seq FROM connections c JOIN registers r ON r.id = c.orders_register_id
         JOIN outlets o ON o.id = r.outlet_id WHERE c.id = $1 FOR NO KEY UPDATE OF c",
    )
    .bind(connection_id)
    .fetch_one(&mut **tx)
    .await?;
    let (customer_id, register_id): (Option<String>, String) =
        sqlx::query_as("SELECT customer_id, register_id FROM sales WHERE id = $1").bind(&order_id).fetch_one(&mut **tx).await?;
    // The receipt row of the order's register (a cancellation's return is numbered there) after the
    // connection's row and before the advisory locks, the order every intake takes them in.
    let receipt_seq = super::online_receipts::next(tx, &register_id).await?;
    lock(tx, std::iter::once(Lock::Original(order_id.clone())).chain(customer_id.map(Lock::Customer))).await?;
    let mut parts = Vec::new();
    for r in sqlx::query("SELECT outlet_id, status, lines FROM order_parts WHERE order_id = $1 ORDER BY outlet_id COLLATE \"C\"")
        .bind(&order_id)
        .fetch_all(&mut **tx)
        .await?
    {
        let lines: Vec<OrderLineView> = serde_json::from_str(r.get("lines"))?;
        parts.push((r.get::<String, _>("outlet_id"), parse_text::<PartStatus>(r.get("status"))?, lines));
    }
    let (total, paid) = (Money(row.get("total_cents")), Money(row.get("paid_cents")));
    let body: String = sqlx::query_scalar("SELECT body FROM sales WHERE id = $1 FOR UPDATE").bind(&order_id).fetch_one(&mut **tx).await?;
    let mut sale: Sale = serde_json::from_str(&body)?;
    let returns = super::customers::returns_of(tx, &BTreeSet::from([order_id.as_str()])).await?;
    // The return is made at the order's own register (its sale's): its code and its outlet's rates, even
    // when the connection's orders register has moved since.
    let at = sqlx::query("SELECT r.code, o.gst_ppm, o.qst_ppm FROM registers r JOIN outlets o ON o.id = r.outlet_id WHERE r.id = $1")
        .bind(&sale.register_id)
        .fetch_one(&mut **tx)
        .await?;
    let numbering = ReturnNumbering {
        sale_id: new_id(),
        seq: u64::try_from(reg.get::<i64, _>("next_seq"))?,
        receipt_seq,
        register_code: at.get("code"),
        rates: TaxRates { gst_ppm: super::u32_of(at.get("gst_ppm"))?, qst_ppm: super::u32_of(at.get("qst_ppm"))? },
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
        sqlx::query("UPDATE sales SET body = $1 WHERE id = $2").bind(serde_json::to_string(&sale)?).bind(&order_id).execute(&mut **tx).await?;
        paid_after = paid.checked_add(tender.amount)?;
    }
    let mut state_after = state;
    if let Some(cancel) = &u.cancel {
        if let Some(back) = &cancel.return_sale {
            sqlx::query("UPDATE connections SET next_seq = next_seq + 1 WHERE id = $1").bind(connection_id).execute(&mut **tx).await?;
            super::online_receipts::taken(tx, &back.register_id).await?;
            super::push::insert_sale(tx, back).await?;
            sqlx::query("INSERT INTO sale_returns (original_sale_id, return_sale_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(&order_id)
                .bind(&back.id)
                .execute(&mut **tx)
                .await?;
            if let Some(id) = &back.customer_id {
                let bearing = super::customers::customer_bearing(tx, id).await?;
                if let Some(change) = customer_change(back, Some(&bearing)) {
                    super::customers::write_customer_change(tx, &change, EntrySource::Sale(&back.id)).await?;
                }
            }
            for e in sale_audit(back, &back.device_id) {
                super::auth::write_audit(tx, &Audit::new(e.action, &e.staff_id, &e.subject, e.detail).device(e.device_id.as_deref()).outlet(e.outlet_id.as_deref()))
                    .await?;
            }
        }
        let back = &cancel.movements;
        let before = lock_levels(tx, back.iter().map(|m| (m.outlet_id.clone(), m.product_id.clone())).collect::<Vec<_>>()).await?;
        super::push::write_movements(tx, back, &levels_after(back, &before)).await?;
        state_after = OrderState::Cancelled;
    }
    sqlx::query(
        "UPDATE online_orders SET status = $1, paid_cents = $2, processor = COALESCE(processor, $3), sale_note = $4, modified = $5, body = $6,
                updated_at_ms = $7
         WHERE id = $8",
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
