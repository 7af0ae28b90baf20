//! Administration (issue 12 item 7) on PostgreSQL (mirrors `store/admin.rs`, whose types it shares).
//! Every write first takes `Lock::Admin` (class 16): the allocation order, register codes and the count
//! of active administrators are read and written by one instance at a time, so two admins demoting each
//! other at two instances leave one admin, not none.

use super::auth::{staff_from_row, write_audit, STAFF_SELECT};
use super::{lock, transaction, Lock, PgStore};
use crate::store::admin::{account, visible, AdminRefusal, NewSecrets, StaffUpdateRefusal};
use crate::store::admin::outlet_columns;
use crate::store::auth::Audit;
use shared::auth::staff::{apply_staff_patch, StaffAccount, StaffEditRefusal, StaffPatch};
use shared::auth::AuditAction;
use shared::catalog::{Outlet, Register};
use shared::outlets::{apply_outlet_patch, reorder, OnlineOffer, OutletPatch};
use shared::tax::TaxRates;
use sqlx::{PgConnection, Row};

/// An outlet from a row of `OUTLET_COLUMNS`: the one reader on PostgreSQL.
pub(crate) fn outlet_of(r: &sqlx::postgres::PgRow) -> anyhow::Result<Outlet> {
    let rate = |c: &str| -> anyhow::Result<u32> { Ok(u32::try_from(r.get::<i64, _>(c))?) };
    Ok(Outlet {
        id: r.get("id"),
        name: r.get("name"),
        tax_rates: TaxRates { gst_ppm: rate("gst_ppm")?, qst_ppm: rate("qst_ppm")? },
        time_zone: r.get("time_zone"),
        gst_number: r.get("gst_number"),
        qst_number: r.get("qst_number"),
    })
}

async fn load_outlet(conn: &mut PgConnection, id: &str) -> anyhow::Result<Option<Outlet>> {
    let row = sqlx::query(concat!("SELECT ", outlet_columns!(), " FROM outlets WHERE id = $1")).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(outlet_of).transpose()
}

impl PgStore {
    pub async fn online_offers(&self) -> anyhow::Result<Vec<(String, OnlineOffer)>> {
        let rows = sqlx::query(
            "SELECT co.outlet_id, c.id, c.name, c.active FROM connection_outlets co JOIN connections c ON c.id = co.connection_id
             ORDER BY c.name COLLATE \"C\", c.id COLLATE \"C\"",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(|r| (r.get("outlet_id"), OnlineOffer { connection_id: r.get("id"), name: r.get("name"), active: r.get("active") })).collect())
    }

    pub async fn create_outlet(&self, o: &Outlet, by: &str) -> anyhow::Result<Result<Outlet, AdminRefusal>> {
        transaction!(self, |tx| {
            lock(tx, [Lock::Admin]).await?;
            if load_outlet(tx, &o.id).await?.is_some() {
                return Ok(Err(AdminRefusal::IdTaken(o.id.clone())));
            }
            sqlx::query(
                "INSERT INTO outlets (id, name, priority, gst_ppm, qst_ppm, time_zone, gst_number, qst_number)
                 VALUES ($1, $2, (SELECT COALESCE(MAX(priority) + 1, 0) FROM outlets), $3, $4, $5, $6, $7)",
            )
                .bind(&o.id)
                .bind(&o.name)
                .bind(i64::from(o.tax_rates.gst_ppm))
                .bind(i64::from(o.tax_rates.qst_ppm))
                .bind(&o.time_zone)
                .bind(&o.gst_number)
                .bind(&o.qst_number)
                .execute(&mut **tx)
                .await?;
            write_audit(tx, &Audit::new(AuditAction::OutletCreated, by, &o.id, format!("{} ({})", o.name, o.time_zone)).outlet(Some(&o.id))).await?;
            Ok(Ok(o.clone()))
        })
    }

    pub async fn update_outlet(&self, id: &str, patch: &OutletPatch, by: &str) -> anyhow::Result<Result<Outlet, AdminRefusal>> {
        transaction!(self, |tx| {
            lock(tx, [Lock::Admin]).await?;
            let Some(before) = load_outlet(tx, id).await? else { return Ok(Err(AdminRefusal::NotFound)) };
            let edit = match apply_outlet_patch(&before, patch, &crate::time_zone::known) {
                Ok(e) => e,
                Err(fields) => return Ok(Err(AdminRefusal::Invalid(fields))),
            };
            if edit.changed.is_empty() {
                return Ok(Ok(before));
            }
            sqlx::query("UPDATE outlets SET name = $1, time_zone = $2, gst_number = $3, qst_number = $4 WHERE id = $5")
                .bind(&edit.after.name)
                .bind(&edit.after.time_zone)
                .bind(&edit.after.gst_number)
                .bind(&edit.after.qst_number)
                .bind(id)
                .execute(&mut **tx)
                .await?;
            write_audit(tx, &Audit::new(AuditAction::OutletChanged, by, id, edit.detail(&before)).outlet(Some(id))).await?;
            Ok(Ok(edit.after))
        })
    }

    pub async fn reorder_outlets(&self, order: &[String], by: &str) -> anyhow::Result<Result<(), AdminRefusal>> {
        transaction!(self, |tx| {
            lock(tx, [Lock::Admin]).await?;
            let current: Vec<String> = sqlx::query_scalar("SELECT id FROM outlets ORDER BY priority, id COLLATE \"C\"").fetch_all(&mut **tx).await?;
            let moves = match reorder(&current, order) {
                Ok(m) => m,
                Err(fields) => return Ok(Err(AdminRefusal::Invalid(fields))),
            };
            if moves.is_empty() {
                return Ok(Ok(()));
            }
            for (id, rank) in &moves {
                sqlx::query("UPDATE outlets SET priority = $1 WHERE id = $2").bind(i64::from(*rank)).bind(id).execute(&mut **tx).await?;
            }
            sqlx::query("UPDATE connection_outlets co SET priority = o.priority FROM outlets o WHERE o.id = co.outlet_id").execute(&mut **tx).await?;
            write_audit(tx, &Audit::new(AuditAction::OutletsReordered, by, "outlets", order.join(", "))).await?;
            Ok(Ok(()))
        })
    }

    pub async fn create_register(&self, r: &Register, by: &str) -> anyhow::Result<Result<Register, AdminRefusal>> {
        transaction!(self, |tx| {
            lock(tx, [Lock::Admin]).await?;
            if load_outlet(tx, &r.outlet_id).await?.is_none() {
                return Ok(Err(AdminRefusal::UnknownOutlet(r.outlet_id.clone())));
            }
            let code_taken: Option<String> = sqlx::query_scalar("SELECT id FROM registers WHERE code = $1").bind(&r.code).fetch_optional(&mut **tx).await?;
            if let Some(other) = code_taken {
                return Ok(Err(AdminRefusal::CodeTaken(other)));
            }
            let id_taken: Option<String> = sqlx::query_scalar("SELECT id FROM registers WHERE id = $1").bind(&r.id).fetch_optional(&mut **tx).await?;
            if id_taken.is_some() {
                return Ok(Err(AdminRefusal::IdTaken(r.id.clone())));
            }
            sqlx::query("INSERT INTO registers (id, outlet_id, code, name) VALUES ($1, $2, $3, $4)").bind(&r.id).bind(&r.outlet_id).bind(&r.code).bind(&r.name).execute(&mut **tx).await?;
            write_audit(tx, &Audit::new(AuditAction::RegisterCreated, by, &r.id, format!("{} ({})", r.name, r.code)).outlet(Some(&r.outlet_id))).await?;
            Ok(Ok(r.clone()))
        })
    }

    pub async fn staff_accounts(&self, outlets: Option<&[String]>) -> anyhow::Result<Vec<StaffAccount>> {
        let sql = format!("{STAFF_SELECT} ORDER BY s.name COLLATE \"C\", s.id COLLATE \"C\"");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&self.pool).await?;
        let mut out = Vec::new();
        for r in &rows {
            let a = account(&staff_from_row(r)?);
            if visible(&a, outlets) {
                out.push(a);
            }
        }
        Ok(out)
    }

    pub async fn update_staff(&self, id: &str, patch: &StaffPatch, secrets: &NewSecrets, by: &str) -> anyhow::Result<Result<StaffAccount, StaffUpdateRefusal>> {
        let email = patch.email.as_deref().and_then(shared::auth::staff::normalise_email);
        transaction!(self, |tx| {
            // The admin count and the e-mail are read after their locks: what the decision sees stays true until commit.
            lock(tx, [Lock::Admin].into_iter().chain(email.clone().map(Lock::StaffEmail))).await?;
            let sql = format!("{STAFF_SELECT} WHERE s.id = $1");
            let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut **tx).await?;
            let Some(before) = row.as_ref().map(staff_from_row).transpose()?.map(|r| account(&r)) else { return Ok(Err(StaffUpdateRefusal::NotFound)) };
            let admins: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM staff WHERE role = 'admin' AND active").fetch_one(&mut **tx).await?;
            let edit = match apply_staff_patch(&before, patch, usize::try_from(admins)?) {
                Ok(e) => e,
                Err(StaffEditRefusal::Invalid(p)) => return Ok(Err(StaffUpdateRefusal::Invalid(p))),
                Err(StaffEditRefusal::LastAdmin) => return Ok(Err(StaffUpdateRefusal::LastAdmin)),
            };
            if edit.changed.is_empty() {
                return Ok(Ok(before));
            }
            if let (true, Some(email)) = (edit.changed.contains(&"email"), &edit.after.email) {
                let taken: Option<String> = sqlx::query_scalar("SELECT id FROM staff WHERE email = $1 AND id <> $2").bind(email).bind(id).fetch_optional(&mut **tx).await?;
                if taken.is_some() {
                    return Ok(Err(StaffUpdateRefusal::EmailTaken));
                }
            }
            for o in &edit.after.outlets {
                if load_outlet(tx, o).await?.is_none() {
                    return Ok(Err(StaffUpdateRefusal::UnknownOutlet(o.clone())));
                }
            }
            let a = &edit.after;
            sqlx::query(
                "UPDATE staff SET name = $1, email = $2, role = $3, active = $4, password_hash = COALESCE($5, password_hash),
                        pin_hash = COALESCE($6, pin_hash), pin_verifier = COALESCE($7, pin_verifier) WHERE id = $8",
            )
            .bind(&a.name)
            .bind(&a.email)
            .bind(<&'static str>::from(a.role))
            .bind(a.active)
            .bind(&secrets.password_hash)
            .bind(&secrets.pin_hash)
            .bind(secrets.pin_verifier.as_ref().map(serde_json::to_string).transpose()?)
            .bind(id)
            .execute(&mut **tx)
            .await?;
            if edit.changed.contains(&"outlets") {
                sqlx::query("DELETE FROM staff_outlets WHERE staff_id = $1").bind(id).execute(&mut **tx).await?;
                for o in &a.outlets {
                    sqlx::query("INSERT INTO staff_outlets (staff_id, outlet_id) VALUES ($1, $2)").bind(id).bind(o).execute(&mut **tx).await?;
                }
            }
            if edit.ends_sessions() {
                sqlx::query("DELETE FROM sessions WHERE staff_id = $1").bind(id).execute(&mut **tx).await?;
            }
            let action = if edit.deactivates() { AuditAction::StaffDeactivated } else { AuditAction::StaffChanged };
            write_audit(tx, &Audit::new(action, by, id, format!("{}: {}", a.name, edit.detail(&before)))).await?;
            Ok(Ok(edit.after.clone()))
        })
    }
}
