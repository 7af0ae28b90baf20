//! Administration (issue 12 item 7) in SQLite: outlets (created, renamed, their time zone, the
//! allocation order), registers, staff edited or deactivated. The decisions are `shared::outlets` and
//! `shared::auth::staff`; each write is one `BEGIN IMMEDIATE` transaction with its audit entry. Outlets
//! and registers are on the change log (their triggers), so registers hear of every change.

use super::auth::{staff_from_row, write_audit, Audit, StaffRecord, STAFF_SELECT};
use super::sqlite::SqliteStore;
use shared::auth::staff::{apply_staff_patch, StaffAccount, StaffEditRefusal, StaffPatch, StaffProblem};
use shared::auth::{AuditAction, PinVerifier};
use shared::catalog::edit::FieldError;
use shared::catalog::{Outlet, Register};
use shared::outlets::{apply_outlet_patch, reorder, OnlineOffer, OutletPatch};
use shared::tax::TaxRates;
use sqlx::{Row, SqliteConnection};

/// Why an outlet or register write is refused (nothing written).
#[derive(Debug, PartialEq, Eq)]
pub enum AdminRefusal {
    NotFound,
    /// 422: every field at fault.
    Invalid(Vec<FieldError>),
    /// 409: the id is another outlet's or register's.
    IdTaken(String),
    /// 409: another register prints this code.
    CodeTaken(String),
    /// 422: a register for an outlet not on file.
    UnknownOutlet(String),
}

/// Why a staff edit is refused (nothing written).
#[derive(Debug, PartialEq, Eq)]
pub enum StaffUpdateRefusal {
    NotFound,
    Invalid(StaffProblem),
    LastAdmin,
    EmailTaken,
    UnknownOutlet(String),
}

/// New secrets for a staff edit, hashed before the transaction (argon2 is slow on purpose).
#[derive(Clone, Debug, Default)]
pub struct NewSecrets {
    pub password_hash: Option<String>,
    pub pin_hash: Option<String>,
    pub pin_verifier: Option<PinVerifier>,
}

/// A staff record as administrators see it.
pub fn account(r: &StaffRecord) -> StaffAccount {
    StaffAccount {
        id: r.member.id.clone(),
        name: r.member.name.clone(),
        email: r.member.email.clone(),
        role: r.member.role,
        outlets: r.member.outlets.clone(),
        active: r.active,
        has_password: r.password_hash.is_some(),
        has_pin: r.pin_hash.is_some(),
    }
}

/// Whether a staff member shows to a caller who sees `outlets` (`None`: everyone).
pub fn visible(a: &StaffAccount, outlets: Option<&[String]>) -> bool {
    outlets.is_none_or(|os| os.iter().any(|o| a.outlets.contains(o)))
}

/// The columns `outlet_of` reads (both databases name them alike), as a literal for `concat!`.
macro_rules! outlet_columns {
    () => {
        "id, name, gst_ppm, qst_ppm, time_zone, gst_number, qst_number"
    };
}
pub(crate) use outlet_columns;

/// An outlet from a row of `OUTLET_COLUMNS`: the one reader, so a new column is read everywhere.
pub(crate) fn outlet_of(r: &sqlx::sqlite::SqliteRow) -> Outlet {
    Outlet {
        id: r.get("id"),
        name: r.get("name"),
        tax_rates: TaxRates { gst_ppm: r.get("gst_ppm"), qst_ppm: r.get("qst_ppm") },
        time_zone: r.get("time_zone"),
        gst_number: r.get("gst_number"),
        qst_number: r.get("qst_number"),
    }
}

async fn load_outlet(conn: &mut SqliteConnection, id: &str) -> anyhow::Result<Option<Outlet>> {
    let row = sqlx::query(concat!("SELECT ", outlet_columns!(), " FROM outlets WHERE id = ?")).bind(id).fetch_optional(conn).await?;
    Ok(row.as_ref().map(outlet_of))
}

impl SqliteStore {
    /// Which connected stores offer each outlet's stock online: (outlet id, offer), by store name.
    pub async fn online_offers(&self) -> anyhow::Result<Vec<(String, OnlineOffer)>> {
        let rows = sqlx::query(
            "SELECT co.outlet_id, c.id, c.name, c.active FROM connection_outlets co JOIN connections c ON c.id = co.connection_id
             ORDER BY c.name, c.id",
        )
        .fetch_all(self.pool())
        .await?;
        Ok(rows.iter().map(|r| (r.get("outlet_id"), OnlineOffer { connection_id: r.get("id"), name: r.get("name"), active: r.get("active") })).collect())
    }

    /// A new outlet, last in allocation order, audited.
    pub async fn create_outlet(&self, o: &Outlet, by: &str) -> anyhow::Result<Result<Outlet, AdminRefusal>> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        if load_outlet(&mut tx, &o.id).await?.is_some() {
            return Ok(Err(AdminRefusal::IdTaken(o.id.clone())));
        }
        sqlx::query(
            "INSERT INTO outlets (id, name, priority, gst_ppm, qst_ppm, time_zone, gst_number, qst_number)
             VALUES (?, ?, (SELECT COALESCE(MAX(priority) + 1, 0) FROM outlets), ?, ?, ?, ?, ?)",
        )
            .bind(&o.id)
            .bind(&o.name)
            .bind(o.tax_rates.gst_ppm)
            .bind(o.tax_rates.qst_ppm)
            .bind(&o.time_zone)
            .bind(&o.gst_number)
            .bind(&o.qst_number)
            .execute(&mut *tx)
            .await?;
        let audit = Audit::new(AuditAction::OutletCreated, by, &o.id, format!("{} ({})", o.name, o.time_zone)).outlet(Some(&o.id));
        write_audit(&mut tx, &audit).await?;
        tx.commit().await?;
        Ok(Ok(o.clone()))
    }

    /// Renames an outlet, changes its time zone or its tax registration numbers
    /// (`shared::outlets::apply_outlet_patch`), audited.
    pub async fn update_outlet(&self, id: &str, patch: &OutletPatch, by: &str) -> anyhow::Result<Result<Outlet, AdminRefusal>> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let Some(before) = load_outlet(&mut tx, id).await? else { return Ok(Err(AdminRefusal::NotFound)) };
        let edit = match apply_outlet_patch(&before, patch, &crate::time_zone::known) {
            Ok(e) => e,
            Err(fields) => return Ok(Err(AdminRefusal::Invalid(fields))),
        };
        if edit.changed.is_empty() {
            return Ok(Ok(before));
        }
        sqlx::query("UPDATE outlets SET name = ?, time_zone = ?, gst_number = ?, qst_number = ? WHERE id = ?")
            .bind(&edit.after.name)
            .bind(&edit.after.time_zone)
            .bind(&edit.after.gst_number)
            .bind(&edit.after.qst_number)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        write_audit(&mut tx, &Audit::new(AuditAction::OutletChanged, by, id, edit.detail(&before)).outlet(Some(id))).await?;
        tx.commit().await?;
        Ok(Ok(edit.after))
    }

    /// The whole allocation order (`shared::outlets::reorder`): the outlets whose rank changes, and
    /// every store's online outlets ranked the same way, audited.
    pub async fn reorder_outlets(&self, order: &[String], by: &str) -> anyhow::Result<Result<(), AdminRefusal>> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let current: Vec<String> = sqlx::query_scalar("SELECT id FROM outlets ORDER BY priority, id").fetch_all(&mut *tx).await?;
        let moves = match reorder(&current, order) {
            Ok(m) => m,
            Err(fields) => return Ok(Err(AdminRefusal::Invalid(fields))),
        };
        if moves.is_empty() {
            return Ok(Ok(()));
        }
        for (id, rank) in &moves {
            sqlx::query("UPDATE outlets SET priority = ? WHERE id = ?").bind(i64::from(*rank)).bind(id).execute(&mut *tx).await?;
        }
        sqlx::query("UPDATE connection_outlets SET priority = (SELECT o.priority FROM outlets o WHERE o.id = connection_outlets.outlet_id)").execute(&mut *tx).await?;
        write_audit(&mut tx, &Audit::new(AuditAction::OutletsReordered, by, "outlets", order.join(", "))).await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// A new register at an existing outlet, its id and code unused, audited.
    pub async fn create_register(&self, r: &Register, by: &str) -> anyhow::Result<Result<Register, AdminRefusal>> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        if load_outlet(&mut tx, &r.outlet_id).await?.is_none() {
            return Ok(Err(AdminRefusal::UnknownOutlet(r.outlet_id.clone())));
        }
        let code_taken: Option<String> = sqlx::query_scalar("SELECT id FROM registers WHERE code = ?").bind(&r.code).fetch_optional(&mut *tx).await?;
        if let Some(other) = code_taken {
            return Ok(Err(AdminRefusal::CodeTaken(other)));
        }
        let id_taken: Option<String> = sqlx::query_scalar("SELECT id FROM registers WHERE id = ?").bind(&r.id).fetch_optional(&mut *tx).await?;
        if id_taken.is_some() {
            return Ok(Err(AdminRefusal::IdTaken(r.id.clone())));
        }
        sqlx::query("INSERT INTO registers (id, outlet_id, code, name) VALUES (?, ?, ?, ?)").bind(&r.id).bind(&r.outlet_id).bind(&r.code).bind(&r.name).execute(&mut *tx).await?;
        write_audit(&mut tx, &Audit::new(AuditAction::RegisterCreated, by, &r.id, format!("{} ({})", r.name, r.code)).outlet(Some(&r.outlet_id))).await?;
        tx.commit().await?;
        Ok(Ok(r.clone()))
    }

    /// Every staff member, active or not, who works at one of `outlets` (`None`: everyone), by name.
    pub async fn staff_accounts(&self, outlets: Option<&[String]>) -> anyhow::Result<Vec<StaffAccount>> {
        let sql = format!("{STAFF_SELECT} ORDER BY s.name, s.id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(self.pool()).await?;
        let mut out = Vec::new();
        for r in &rows {
            let a = account(&staff_from_row(r)?);
            if visible(&a, outlets) {
                out.push(a);
            }
        }
        Ok(out)
    }

    /// Edits a staff member (`shared::auth::staff::apply_staff_patch`, against the chain's active
    /// admins counted in the same transaction): their row, outlets and new secrets, their sessions
    /// ended when deactivated or given a new password, audited.
    pub async fn update_staff(&self, id: &str, patch: &StaffPatch, secrets: &NewSecrets, by: &str) -> anyhow::Result<Result<StaffAccount, StaffUpdateRefusal>> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let sql = format!("{STAFF_SELECT} WHERE s.id = ?");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *tx).await?;
        let Some(before) = row.as_ref().map(staff_from_row).transpose()?.map(|r| account(&r)) else { return Ok(Err(StaffUpdateRefusal::NotFound)) };
        let admins: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM staff WHERE role = 'admin' AND active = 1").fetch_one(&mut *tx).await?;
        let edit = match apply_staff_patch(&before, patch, usize::try_from(admins)?) {
            Ok(e) => e,
            Err(StaffEditRefusal::Invalid(p)) => return Ok(Err(StaffUpdateRefusal::Invalid(p))),
            Err(StaffEditRefusal::LastAdmin) => return Ok(Err(StaffUpdateRefusal::LastAdmin)),
        };
        if edit.changed.is_empty() {
            return Ok(Ok(before));
        }
        if let (true, Some(email)) = (edit.changed.contains(&"email"), &edit.after.email) {
            let taken: Option<String> = sqlx::query_scalar("SELECT id FROM staff WHERE email = ? AND id <> ?").bind(email).bind(id).fetch_optional(&mut *tx).await?;
            if taken.is_some() {
                return Ok(Err(StaffUpdateRefusal::EmailTaken));
            }
        }
        for o in &edit.after.outlets {
            if load_outlet(&mut tx, o).await?.is_none() {
                return Ok(Err(StaffUpdateRefusal::UnknownOutlet(o.clone())));
            }
        }
        let a = &edit.after;
        sqlx::query(
            "UPDATE staff SET name = ?, email = ?, role = ?, active = ?, password_hash = COALESCE(?, password_hash),
                    pin_hash = COALESCE(?, pin_hash), pin_verifier = COALESCE(?, pin_verifier) WHERE id = ?",
        )
        .bind(&a.name)
        .bind(&a.email)
        .bind(<&'static str>::from(a.role))
        .bind(a.active)
        .bind(&secrets.password_hash)
        .bind(&secrets.pin_hash)
        .bind(secrets.pin_verifier.as_ref().map(serde_json::to_string).transpose()?)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if edit.changed.contains(&"outlets") {
            sqlx::query("DELETE FROM staff_outlets WHERE staff_id = ?").bind(id).execute(&mut *tx).await?;
            for o in &a.outlets {
                sqlx::query("INSERT INTO staff_outlets (staff_id, outlet_id) VALUES (?, ?)").bind(id).bind(o).execute(&mut *tx).await?;
            }
        }
        if edit.ends_sessions() {
            sqlx::query("DELETE FROM sessions WHERE staff_id = ?").bind(id).execute(&mut *tx).await?;
        }
        let action = if edit.deactivates() { AuditAction::StaffDeactivated } else { AuditAction::StaffChanged };
        write_audit(&mut tx, &Audit::new(action, by, id, format!("{}: {}", a.name, edit.detail(&before)))).await?;
        tx.commit().await?;
        Ok(Ok(edit.after))
    }
}
