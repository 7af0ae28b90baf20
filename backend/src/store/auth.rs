//! Staff, sessions, failed attempts, enrolled devices, enrolment codes and the audit log in SQLite.
//! Decisions (who may, lock-outs) are `shared::auth`'s; this module only reads and writes.

use super::now_ms;
use super::sqlite::SqliteStore;
use shared::auth::{lockout_of_all, may_enrol, AuditAction, CodeIssuer, AuditEntry, EnrolledDevice, Lockout, LockoutRule, OfflineStaff, PinVerifier, Role, StaffCaller, StaffMember};
use shared::sync::Device;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};
use std::str::FromStr;

/// One audit log entry to write (its id and time are the store's).
#[derive(Clone, Debug)]
pub struct Audit {
    pub action: AuditAction,
    pub staff_id: String,
    pub device_id: Option<String>,
    pub outlet_id: Option<String>,
    pub subject: String,
    pub detail: String,
}

impl Audit {
    pub fn new(action: AuditAction, staff_id: &str, subject: &str, detail: impl Into<String>) -> Audit {
        Audit { action, staff_id: staff_id.into(), device_id: None, outlet_id: None, subject: subject.into(), detail: detail.into() }
    }
    pub fn device(mut self, device_id: Option<&str>) -> Audit {
        self.device_id = device_id.map(str::to_owned);
        self
    }
    pub fn outlet(mut self, outlet_id: Option<&str>) -> Audit {
        self.outlet_id = outlet_id.filter(|o| !o.is_empty()).map(str::to_owned);
        self
    }
}

/// Writes one audit entry on `conn` (inside the caller's transaction, with the action it records).
pub(crate) async fn write_audit(conn: &mut SqliteConnection, a: &Audit) -> anyhow::Result<()> {
    sqlx::query("INSERT INTO audit_log (at_ms, action, staff_id, device_id, outlet_id, subject, detail) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .bind(now_ms())
        .bind(<&'static str>::from(a.action))
        .bind(&a.staff_id)
        .bind(&a.device_id)
        .bind(&a.outlet_id)
        .bind(&a.subject)
        .bind(&a.detail)
        .execute(conn)
        .await?;
    Ok(())
}

/// What the audit log is filtered by (`GET /audit`): each `None` keeps every entry.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub outlet: Option<String>,
    pub action: Option<AuditAction>,
    pub staff: Option<String>,
    /// Entries at or after this time.
    pub from_ms: Option<i64>,
    /// Entries before this time.
    pub to_ms: Option<i64>,
}

/// A staff member with what signing in checks.
#[derive(Clone, Debug)]
pub struct StaffRecord {
    pub member: StaffMember,
    pub password_hash: Option<String>,
    pub pin_hash: Option<String>,
    pub active: bool,
}

impl StaffRecord {
    pub fn caller(&self) -> StaffCaller {
        StaffCaller { id: self.member.id.clone(), role: self.member.role, outlets: self.member.outlets.clone() }
    }
    pub fn works_at(&self, outlet: &str) -> bool {
        self.member.role == Role::Admin || self.member.outlets.iter().any(|o| o == outlet)
    }
}

/// An enrolled (or once-introduced) device as stored.
#[derive(Clone, Debug)]
pub struct DeviceRecord {
    pub device: EnrolledDevice,
    pub credential_hash: Option<String>,
}

/// The staff fields with the outlets as a JSON array (ids may hold any character).
pub(crate) const STAFF_SELECT: &str = "SELECT s.id, s.name, s.email, s.role, s.password_hash, s.pin_hash, s.active,
        (SELECT json_group_array(outlet_id) FROM staff_outlets WHERE staff_id = s.id) AS outlets
     FROM staff s";

pub(crate) fn staff_from_row(r: &SqliteRow) -> anyhow::Result<StaffRecord> {
    let mut outlets: Vec<String> = serde_json::from_str(r.get("outlets"))?;
    outlets.sort();
    Ok(StaffRecord {
        member: StaffMember {
            id: r.get("id"),
            name: r.get("name"),
            email: r.get("email"),
            role: Role::from_str(r.get("role"))?,
            outlets,
        },
        password_hash: r.get("password_hash"),
        pin_hash: r.get("pin_hash"),
        active: r.get("active"),
    })
}

fn device_from_row(r: &SqliteRow) -> anyhow::Result<DeviceRecord> {
    Ok(DeviceRecord {
        device: EnrolledDevice {
            id: r.get("id"),
            number: u32::try_from(r.get::<i64, _>("number"))?,
            register_id: r.get("register_id"),
            outlet_id: r.get("outlet_id"),
            enrolled_at_ms: r.get("enrolled_at_ms"),
            revoked_at_ms: r.get("revoked_at_ms"),
            last_seen_ms: r.get("last_seen_ms"),
        },
        credential_hash: r.get("credential_hash"),
    })
}

const DEVICE_SELECT: &str = "SELECT id, number, register_id, outlet_id, credential_hash, enrolled_at_ms, revoked_at_ms, last_seen_ms FROM devices";

/// What a new staff member is stored with (secrets already hashed).
#[derive(Clone, Debug)]
pub struct NewStaffRecord {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub role: Role,
    pub outlets: Vec<String>,
    pub password_hash: Option<String>,
    pub pin_hash: Option<String>,
    pub pin_verifier: Option<PinVerifier>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum StaffRefusal {
    EmailTaken,
    UnknownOutlet(String),
}

/// An attempt at a secret, as [`SqliteStore::begin_attempt`] counted it.
#[derive(Debug, PartialEq, Eq)]
pub enum Attempt {
    /// A key is locked out until then: the secret must not be checked.
    Locked(i64),
    /// Counted as a failure of every key (`ids`: its rows), with each key's failures before it.
    Counted { ids: Vec<i64>, before: Vec<Vec<i64>> },
}

/// Why an enrolment was not done.
#[derive(Debug, PartialEq, Eq)]
pub enum EnrolRefusal {
    /// Wrong, used or expired: one answer for every case (`bad_code`).
    BadCode,
    /// The device id is enrolled at this outlet and the code's maker does not run it (`shared::auth::may_enrol`).
    DeviceElsewhere(String),
}

impl SqliteStore {
    pub async fn staff_by_email(&self, email: &str) -> anyhow::Result<Option<StaffRecord>> {
        let sql = format!("{STAFF_SELECT} WHERE s.email = ?");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(email).fetch_optional(self.pool()).await?;
        row.as_ref().map(staff_from_row).transpose()
    }

    pub async fn staff_by_id(&self, id: &str) -> anyhow::Result<Option<StaffRecord>> {
        let sql = format!("{STAFF_SELECT} WHERE s.id = ?");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(self.pool()).await?;
        row.as_ref().map(staff_from_row).transpose()
    }

    /// Active staff who work at one of `outlets` (`None`: everyone), by name.
    pub async fn list_staff(&self, outlets: Option<&[String]>) -> anyhow::Result<Vec<StaffMember>> {
        let sql = format!("{STAFF_SELECT} WHERE s.active = 1 ORDER BY s.name, s.id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(self.pool()).await?;
        let mut out = Vec::new();
        for r in &rows {
            let s = staff_from_row(r)?;
            if outlets.is_none_or(|os| os.iter().any(|o| s.member.outlets.contains(o))) {
                out.push(s.member);
            }
        }
        Ok(out)
    }

    /// Active staff with a PIN who may switch in at `outlet` (admins too), with their verifiers.
    pub async fn offline_staff(&self, outlet: &str) -> anyhow::Result<Vec<OfflineStaff>> {
        let rows = sqlx::query(
            "SELECT s.id, s.name, s.role, s.pin_verifier FROM staff s
             WHERE s.active = 1 AND s.pin_verifier IS NOT NULL
               AND (s.role = 'admin' OR EXISTS (SELECT 1 FROM staff_outlets so WHERE so.staff_id = s.id AND so.outlet_id = ?))
             ORDER BY s.name, s.id",
        )
        .bind(outlet)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(OfflineStaff {
                    staff_id: r.get("id"),
                    name: r.get("name"),
                    role: Role::from_str(r.get("role"))?,
                    verifier: serde_json::from_str(r.get("pin_verifier"))?,
                })
            })
            .collect()
    }

    /// Adds a staff member, with its audit entry, in one transaction.
    pub async fn create_staff(&self, s: &NewStaffRecord, audit: Option<Audit>) -> anyhow::Result<Result<StaffMember, StaffRefusal>> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        if let Some(email) = &s.email {
            let taken: Option<String> = sqlx::query_scalar("SELECT id FROM staff WHERE email = ?").bind(email).fetch_optional(&mut *tx).await?;
            if taken.is_some() {
                return Ok(Err(StaffRefusal::EmailTaken));
            }
        }
        for o in &s.outlets {
            let known: Option<String> = sqlx::query_scalar("SELECT id FROM outlets WHERE id = ?").bind(o).fetch_optional(&mut *tx).await?;
            if known.is_none() {
                return Ok(Err(StaffRefusal::UnknownOutlet(o.clone())));
            }
        }
        insert_staff(&mut tx, s).await?;
        if let Some(a) = audit {
            write_audit(&mut tx, &a).await?;
        }
        tx.commit().await?;
        let mut outlets = s.outlets.clone();
        outlets.sort();
        outlets.dedup();
        Ok(Ok(StaffMember { id: s.id.clone(), name: s.name.clone(), email: s.email.clone(), role: s.role, outlets }))
    }

    /// The failed attempts on `key` since its last success.
    pub async fn failures(&self, key: &str) -> anyhow::Result<Vec<i64>> {
        Ok(sqlx::query_scalar("SELECT at_ms FROM auth_failures WHERE key = ?").bind(key).fetch_all(self.pool()).await?)
    }

    /// Before a secret is checked: in one write transaction, each key's failures, and unless one of the
    /// keys is locked out (`shared::auth::lockout_of_all`), the attempt written as a failure of every key
    /// — it stays one unless the secret matches ([`SqliteStore::forget_attempt`]). Counting first means
    /// concurrent guesses are counted one after another: a burst cannot all slip in under the limit.
    pub async fn begin_attempt(&self, keys: &[(&str, &LockoutRule)], now: i64) -> anyhow::Result<Attempt> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        // Failures older than any lock-out they could still cause are forgotten, so guessing at unknown
        // e-mails or staff ids cannot grow the table without bound.
        let horizon = keys.iter().map(|(_, r)| r.horizon_ms()).max().unwrap_or(0);
        sqlx::query("DELETE FROM auth_failures WHERE at_ms < ?").bind(now - horizon).execute(&mut *tx).await?;
        let mut before = Vec::with_capacity(keys.len());
        for (key, _) in keys {
            let times: Vec<i64> = sqlx::query_scalar("SELECT at_ms FROM auth_failures WHERE key = ?").bind(key).fetch_all(&mut *tx).await?;
            before.push(times);
        }
        if let Lockout::LockedUntil(until) = lockout_of_all(keys.iter().zip(&before).map(|((_, r), f)| (*r, f.as_slice())), now) {
            return Ok(Attempt::Locked(until));
        }
        let mut ids = Vec::with_capacity(keys.len());
        for (key, _) in keys {
            let id: i64 = sqlx::query_scalar("INSERT INTO auth_failures (key, at_ms) VALUES (?, ?) RETURNING id").bind(key).bind(now).fetch_one(&mut *tx).await?;
            ids.push(id);
        }
        tx.commit().await?;
        Ok(Attempt::Counted { ids, before })
    }

    /// The secret matched: the attempt's rows are no failure; `clear` (the account's key) forgets its
    /// failures too. A client address's earlier failures stay: a success must not reset a flood's count.
    pub async fn forget_attempt(&self, ids: &[i64], clear: &str, audit: &Audit) -> anyhow::Result<()> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        forget(&mut tx, ids, clear).await?;
        write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a failed attempt on `key` with its audit entries.
    pub async fn record_failure(&self, key: &str, at_ms: i64, audits: &[Audit]) -> anyhow::Result<()> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        // Failures older than any lock-out they could still cause are forgotten, so guessing at unknown
        // e-mails or staff ids cannot grow the table without bound.
        let horizon = at_ms - shared::auth::WINDOW_MS - shared::auth::LOCKOUT_MS;
        sqlx::query("DELETE FROM auth_failures WHERE at_ms < ?").bind(horizon).execute(&mut *tx).await?;
        sqlx::query("INSERT INTO auth_failures (key, at_ms) VALUES (?, ?)").bind(key).bind(at_ms).execute(&mut *tx).await?;
        for a in audits {
            write_audit(&mut tx, a).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Writes audit entries alone (a refusal that changes nothing else).
    pub async fn audit(&self, audits: &[Audit]) -> anyhow::Result<()> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        for a in audits {
            write_audit(&mut tx, a).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A new session (signed in), its attempt and its account's failures forgotten, audited, in one transaction.
    pub async fn create_session(&self, staff_id: &str, token_hash: &str, csrf: &str, expires_at_ms: i64, attempt: (&[i64], &str), audit: &Audit) -> anyhow::Result<()> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let now = now_ms();
        // Expired sessions go as new ones come: the table stays the size of the signed-in staff.
        sqlx::query("DELETE FROM sessions WHERE expires_at_ms <= ?").bind(now).execute(&mut *tx).await?;
        sqlx::query("INSERT INTO sessions (token_hash, staff_id, csrf_token, created_at_ms, expires_at_ms) VALUES (?, ?, ?, ?, ?)")
            .bind(token_hash)
            .bind(staff_id)
            .bind(csrf)
            .bind(now)
            .bind(expires_at_ms)
            .execute(&mut *tx)
            .await?;
        forget(&mut tx, attempt.0, attempt.1).await?;
        write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The active staff member of an unexpired session, with its CSRF token.
    pub async fn session(&self, token_hash: &str) -> anyhow::Result<Option<(StaffRecord, String)>> {
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT staff_id, csrf_token FROM sessions WHERE token_hash = ? AND expires_at_ms > ?")
                .bind(token_hash)
                .bind(now_ms())
                .fetch_optional(self.pool())
                .await?;
        let Some((staff_id, csrf)) = row else { return Ok(None) };
        Ok(self.staff_by_id(&staff_id).await?.filter(|s| s.active).map(|s| (s, csrf)))
    }

    pub async fn delete_session(&self, token_hash: &str, audit: &Audit) -> anyhow::Result<()> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?").bind(token_hash).execute(&mut *tx).await?;
        write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn device_record(&self, id: &str) -> anyhow::Result<Option<DeviceRecord>> {
        let sql = format!("{DEVICE_SELECT} WHERE id = ?");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(self.pool()).await?;
        row.as_ref().map(device_from_row).transpose()
    }

    /// Enrolled devices at one of `outlets` (`None`: every device, enrolled or not), by number.
    pub async fn list_devices(&self, outlets: Option<&[String]>) -> anyhow::Result<Vec<EnrolledDevice>> {
        let sql = format!("{DEVICE_SELECT} ORDER BY number");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(self.pool()).await?;
        let mut out = Vec::new();
        for r in &rows {
            let d = device_from_row(r)?.device;
            if outlets.is_none_or(|os| d.outlet_id.as_ref().is_some_and(|o| os.contains(o))) {
                out.push(d);
            }
        }
        Ok(out)
    }

    /// The device says hello: when it was last seen.
    pub async fn touch_device(&self, id: &str) -> anyhow::Result<()> {
        sqlx::query("UPDATE devices SET last_seen_ms = ? WHERE id = ?").bind(now_ms()).bind(id).execute(self.pool()).await?;
        Ok(())
    }

    /// Stores a new enrolment code (by hash) for a register, audited. `None`: no such register.
    pub async fn create_enrolment_code(&self, register_id: &str, code_hash: &str, created_by: &str, expires_at_ms: i64) -> anyhow::Result<Option<String>> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let outlet: Option<String> =
            sqlx::query_scalar("SELECT outlet_id FROM registers WHERE id = ?").bind(register_id).fetch_optional(&mut *tx).await?;
        let Some(outlet) = outlet else { return Ok(None) };
        sqlx::query("INSERT INTO enrolment_codes (code_hash, register_id, created_by, created_at_ms, expires_at_ms) VALUES (?, ?, ?, ?, ?)")
            .bind(code_hash)
            .bind(register_id)
            .bind(created_by)
            .bind(now_ms())
            .bind(expires_at_ms)
            .execute(&mut *tx)
            .await?;
        let audit = Audit::new(AuditAction::EnrolmentCodeCreated, created_by, register_id, format!("enrolment code for register {register_id}"))
            .outlet(Some(&outlet));
        write_audit(&mut tx, &audit).await?;
        tx.commit().await?;
        Ok(Some(outlet))
    }

    /// Uses a code: binds the device to the code's register with a new credential (keeping the device's
    /// number if it has one), un-revokes it, marks the code used, audits — one transaction.
    pub async fn enrol(&self, device_id: &str, code_hash: &str, credential_hash: &str) -> anyhow::Result<Result<(Device, String, String), EnrolRefusal>> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let now = now_ms();
        let code: Option<(String, String)> = sqlx::query_as(
            "SELECT c.register_id, c.created_by FROM enrolment_codes c
             WHERE c.code_hash = ? AND c.used_at_ms IS NULL AND c.expires_at_ms > ?",
        )
        .bind(code_hash)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((register_id, created_by)) = code else { return Ok(Err(EnrolRefusal::BadCode)) };
        let bound: Option<Option<String>> = sqlx::query_scalar("SELECT outlet_id FROM devices WHERE id = ?").bind(device_id).fetch_optional(&mut *tx).await?;
        if let Some(outlet) = bound.flatten() {
            let issuer = if created_by.is_empty() {
                CodeIssuer::CommandLine
            } else {
                let sql = format!("{STAFF_SELECT} WHERE s.id = ?");
                let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&created_by).fetch_optional(&mut *tx).await?;
                match row.as_ref().map(staff_from_row).transpose()?.filter(|s| s.active) {
                    Some(s) => CodeIssuer::Staff(s.caller()),
                    None => CodeIssuer::Gone,
                }
            };
            if !may_enrol(&issuer, Some(&outlet)) {
                return Ok(Err(EnrolRefusal::DeviceElsewhere(outlet)));
            }
        }
        let outlet_id: String = sqlx::query_scalar("SELECT outlet_id FROM registers WHERE id = ?").bind(&register_id).fetch_one(&mut *tx).await?;
        sqlx::query("UPDATE enrolment_codes SET used_at_ms = ?, used_by_device = ? WHERE code_hash = ?")
            .bind(now)
            .bind(device_id)
            .bind(code_hash)
            .execute(&mut *tx)
            .await?;
        let number: Option<i64> = sqlx::query_scalar("SELECT number FROM devices WHERE id = ?").bind(device_id).fetch_optional(&mut *tx).await?;
        let number = match number {
            Some(n) => {
                sqlx::query(
                    "UPDATE devices SET register_id = ?, outlet_id = ?, credential_hash = ?, enrolled_at_ms = ?, revoked_at_ms = NULL,
                                        last_seen_ms = ? WHERE id = ?",
                )
                .bind(&register_id)
                .bind(&outlet_id)
                .bind(credential_hash)
                .bind(now)
                .bind(now)
                .bind(device_id)
                .execute(&mut *tx)
                .await?;
                n
            }
            None => {
                let n: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(number), 0) + 1 FROM devices").fetch_one(&mut *tx).await?;
                sqlx::query(
                    "INSERT INTO devices (id, number, created_at_ms, last_seen_ms, register_id, outlet_id, credential_hash, enrolled_at_ms)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(device_id)
                .bind(n)
                .bind(now)
                .bind(now)
                .bind(&register_id)
                .bind(&outlet_id)
                .bind(credential_hash)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                n
            }
        };
        let audit = Audit::new(AuditAction::DeviceEnrolled, &created_by, device_id, format!("device {number} enrolled to register {register_id}"))
            .device(Some(device_id))
            .outlet(Some(&outlet_id));
        write_audit(&mut tx, &audit).await?;
        tx.commit().await?;
        Ok(Ok((Device { id: device_id.into(), number: u32::try_from(number)? }, register_id, outlet_id)))
    }

    /// Revokes a device (its credential stops working at once), audited. `None`: no such device.
    pub async fn revoke_device(&self, id: &str, by: &str) -> anyhow::Result<Option<EnrolledDevice>> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        // Revoking twice keeps the first time.
        let done = sqlx::query("UPDATE devices SET revoked_at_ms = COALESCE(revoked_at_ms, ?) WHERE id = ?")
            .bind(now_ms())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        let sql = format!("{DEVICE_SELECT} WHERE id = ?");
        let device = device_from_row(&sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_one(&mut *tx).await?)?.device;
        let audit = Audit::new(AuditAction::DeviceRevoked, by, id, format!("device {} revoked", device.number))
            .device(Some(id))
            .outlet(device.outlet_id.as_deref());
        write_audit(&mut tx, &audit).await?;
        tx.commit().await?;
        Ok(Some(device))
    }

    /// Newest first: entries at one of `outlets` (`None`: all) matching `filter`, before an id.
    pub async fn list_audit(&self, outlets: Option<&[String]>, filter: &AuditFilter, before: Option<i64>, limit: u32) -> anyhow::Result<Vec<AuditEntry>> {
        let visible = outlets.map(serde_json::to_string).transpose()?;
        let rows = sqlx::query(
            "SELECT id, at_ms, action, staff_id, device_id, outlet_id, subject, detail FROM audit_log
             WHERE (?1 IS NULL OR id < ?1)
               AND (?2 IS NULL OR outlet_id = ?2)
               AND (?3 IS NULL OR outlet_id IN (SELECT value FROM json_each(?3)))
               AND (?5 IS NULL OR action = ?5)
               AND (?6 IS NULL OR staff_id = ?6)
               AND (?7 IS NULL OR at_ms >= ?7)
               AND (?8 IS NULL OR at_ms < ?8)
             ORDER BY id DESC LIMIT ?4",
        )
        .bind(before)
        .bind(filter.outlet.as_deref())
        .bind(visible)
        .bind(i64::from(limit))
        .bind(filter.action.map(<&'static str>::from))
        .bind(filter.staff.as_deref())
        .bind(filter.from_ms)
        .bind(filter.to_ms)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    id: r.get("id"),
                    at_ms: r.get("at_ms"),
                    action: AuditAction::from_str(r.get("action"))?,
                    staff_id: r.get("staff_id"),
                    device_id: r.get("device_id"),
                    outlet_id: r.get("outlet_id"),
                    subject: r.get("subject"),
                    detail: r.get("detail"),
                })
            })
            .collect()
    }
}

/// Removes an attempt's failure rows and every failure of `clear`.
async fn forget(conn: &mut SqliteConnection, ids: &[i64], clear: &str) -> anyhow::Result<()> {
    for id in ids {
        sqlx::query("DELETE FROM auth_failures WHERE id = ?").bind(id).execute(&mut *conn).await?;
    }
    sqlx::query("DELETE FROM auth_failures WHERE key = ?").bind(clear).execute(&mut *conn).await?;
    Ok(())
}

/// Inserts a staff member and their outlets (the demo shop and `create_staff`).
pub(crate) async fn insert_staff(conn: &mut SqliteConnection, s: &NewStaffRecord) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO staff (id, name, email, role, password_hash, pin_hash, pin_verifier, active, created_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)",
    )
    .bind(&s.id)
    .bind(&s.name)
    .bind(&s.email)
    .bind(<&'static str>::from(s.role))
    .bind(&s.password_hash)
    .bind(&s.pin_hash)
    .bind(s.pin_verifier.as_ref().map(serde_json::to_string).transpose()?)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    for o in &s.outlets {
        sqlx::query("INSERT OR IGNORE INTO staff_outlets (staff_id, outlet_id) VALUES (?, ?)").bind(&s.id).bind(o).execute(&mut *conn).await?;
    }
    Ok(())
}

impl SqliteStore {
    /// Forgets a key's failures (a success).
    pub async fn clear_failures(&self, key: &str) -> anyhow::Result<()> {
        let _turn = self.write_turn().await;
        sqlx::query("DELETE FROM auth_failures WHERE key = ?").bind(key).execute(self.pool()).await?;
        Ok(())
    }
}
