//! Staff, sessions, failed attempts, devices, enrolment codes and the audit log on PostgreSQL (mirrors
//! `store/auth.rs`, whose record types it shares). Lock-out counting takes the keys' locks, so guesses
//! made at several instances at once are still counted one after another; an enrolment code is used
//! once shop-wide.

use super::{lock, text_array, transaction, u32_of, Lock, PgStore};
use crate::store::auth::{Attempt, Audit, AuditFilter, DeviceRecord, EnrolRefusal, NewStaffRecord, StaffRecord, StaffRefusal};
use crate::store::now_ms;
use shared::auth::{lockout_of_all, may_enrol, AuditAction, AuditEntry, CodeIssuer, EnrolledDevice, Lockout, LockoutRule, OfflineStaff, Role, StaffMember};
use shared::sync::Device;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Postgres, Row, Transaction};
use std::str::FromStr;

/// Writes one audit entry inside the caller's transaction.
pub(crate) async fn write_audit(conn: &mut PgConnection, a: &Audit) -> anyhow::Result<()> {
    sqlx::query("INSERT INTO audit_log (at_ms, action, staff_id, device_id, outlet_id, subject, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)")
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

pub(crate) const STAFF_SELECT: &str = "SELECT s.id, s.name, s.email, s.role, s.password_hash, s.pin_hash, s.active,
        ARRAY(SELECT outlet_id FROM staff_outlets WHERE staff_id = s.id ORDER BY outlet_id COLLATE \"C\") AS outlets
     FROM staff s";

pub(crate) fn staff_from_row(r: &PgRow) -> anyhow::Result<StaffRecord> {
    Ok(StaffRecord {
        member: StaffMember { id: r.get("id"), name: r.get("name"), email: r.get("email"), role: Role::from_str(r.get("role"))?, outlets: r.get("outlets") },
        password_hash: r.get("password_hash"),
        pin_hash: r.get("pin_hash"),
        active: r.get("active"),
    })
}

const DEVICE_SELECT: &str = "SELECT id, number, register_id, outlet_id, credential_hash, enrolled_at_ms, revoked_at_ms, last_seen_ms FROM devices";

fn device_from_row(r: &PgRow) -> anyhow::Result<DeviceRecord> {
    Ok(DeviceRecord {
        device: EnrolledDevice {
            id: r.get("id"),
            number: u32_of(r.get("number"))?,
            register_id: r.get("register_id"),
            outlet_id: r.get("outlet_id"),
            enrolled_at_ms: r.get("enrolled_at_ms"),
            revoked_at_ms: r.get("revoked_at_ms"),
            last_seen_ms: r.get("last_seen_ms"),
        },
        credential_hash: r.get("credential_hash"),
    })
}

async fn staff_where(conn: &mut PgConnection, filter: &str, value: &str) -> anyhow::Result<Option<StaffRecord>> {
    // `filter` is one of this module's fixed conditions; the value is bound.
    let sql = format!("{STAFF_SELECT} WHERE {filter}");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(value).fetch_optional(conn).await?;
    row.as_ref().map(staff_from_row).transpose()
}

impl PgStore {
    pub async fn staff_by_email(&self, email: &str) -> anyhow::Result<Option<StaffRecord>> {
        staff_where(&mut *self.pool.acquire().await?, "s.email = $1", email).await
    }

    pub async fn staff_by_id(&self, id: &str) -> anyhow::Result<Option<StaffRecord>> {
        staff_where(&mut *self.pool.acquire().await?, "s.id = $1", id).await
    }

    pub async fn list_staff(&self, outlets: Option<&[String]>) -> anyhow::Result<Vec<StaffMember>> {
        let sql = format!("{STAFF_SELECT} WHERE s.active ORDER BY s.name COLLATE \"C\", s.id COLLATE \"C\"");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&self.pool).await?;
        let mut out = Vec::new();
        for r in &rows {
            let s = staff_from_row(r)?;
            if outlets.is_none_or(|os| os.iter().any(|o| s.member.outlets.contains(o))) {
                out.push(s.member);
            }
        }
        Ok(out)
    }

    pub async fn offline_staff(&self, outlet: &str) -> anyhow::Result<Vec<OfflineStaff>> {
        let rows = sqlx::query(
            "SELECT s.id, s.name, s.role, s.pin_verifier FROM staff s
             WHERE s.active AND s.pin_verifier IS NOT NULL
               AND (s.role = 'admin' OR EXISTS (SELECT 1 FROM staff_outlets so WHERE so.staff_id = s.id AND so.outlet_id = $1))
             ORDER BY s.name COLLATE \"C\", s.id COLLATE \"C\"",
        )
        .bind(outlet)
        .fetch_all(&self.pool)
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

    pub async fn create_staff(&self, s: &NewStaffRecord, audit: Option<Audit>) -> anyhow::Result<Result<StaffMember, StaffRefusal>> {
        let made = transaction!(self, |tx| {
            if let Some(email) = &s.email {
                lock(tx, [Lock::StaffEmail(email.clone())]).await?;
                let taken: Option<String> = sqlx::query_scalar("SELECT id FROM staff WHERE email = $1").bind(email).fetch_optional(&mut **tx).await?;
                if taken.is_some() {
                    return Ok(Err(StaffRefusal::EmailTaken));
                }
            }
            for o in &s.outlets {
                let known: Option<String> = sqlx::query_scalar("SELECT id FROM outlets WHERE id = $1").bind(o).fetch_optional(&mut **tx).await?;
                if known.is_none() {
                    return Ok(Err(StaffRefusal::UnknownOutlet(o.clone())));
                }
            }
            insert_staff(tx, s).await?;
            if let Some(a) = &audit {
                write_audit(tx, a).await?;
            }
            Ok(Ok(()))
        })?;
        Ok(made.map(|()| {
            let mut outlets = s.outlets.clone();
            outlets.sort();
            outlets.dedup();
            StaffMember { id: s.id.clone(), name: s.name.clone(), email: s.email.clone(), role: s.role, outlets }
        }))
    }

    pub async fn failures(&self, key: &str) -> anyhow::Result<Vec<i64>> {
        Ok(sqlx::query_scalar("SELECT at_ms FROM auth_failures WHERE key = $1").bind(key).fetch_all(&self.pool).await?)
    }

    /// See `SqliteStore::begin_attempt`. The keys' locks make the count-then-write one step across instances.
    pub async fn begin_attempt(&self, keys: &[(&str, &LockoutRule)], now: i64) -> anyhow::Result<Attempt> {
        transaction!(self, |tx| {
            lock(tx, keys.iter().map(|(k, _)| Lock::Attempts((*k).to_owned()))).await?;
            let horizon = keys.iter().map(|(_, r)| r.horizon_ms()).max().unwrap_or(0);
            sqlx::query("DELETE FROM auth_failures WHERE at_ms < $1").bind(now - horizon).execute(&mut **tx).await?;
            let mut before = Vec::with_capacity(keys.len());
            for (key, _) in keys {
                let times: Vec<i64> = sqlx::query_scalar("SELECT at_ms FROM auth_failures WHERE key = $1").bind(key).fetch_all(&mut **tx).await?;
                before.push(times);
            }
            if let Lockout::LockedUntil(until) = lockout_of_all(keys.iter().zip(&before).map(|((_, r), f)| (*r, f.as_slice())), now) {
                return Ok(Attempt::Locked(until));
            }
            let mut ids = Vec::with_capacity(keys.len());
            for (key, _) in keys {
                let id: i64 = sqlx::query_scalar("INSERT INTO auth_failures (key, at_ms) VALUES ($1, $2) RETURNING id").bind(key).bind(now).fetch_one(&mut **tx).await?;
                ids.push(id);
            }
            Ok(Attempt::Counted { ids, before })
        })
    }

    pub async fn forget_attempt(&self, ids: &[i64], clear: &str, audit: &Audit) -> anyhow::Result<()> {
        transaction!(self, |tx| {
            forget(tx, ids, clear).await?;
            write_audit(tx, audit).await
        })
    }

    pub async fn record_failure(&self, key: &str, at_ms: i64, audits: &[Audit]) -> anyhow::Result<()> {
        transaction!(self, |tx| {
            lock(tx, [Lock::Attempts(key.to_owned())]).await?;
            let horizon = at_ms - shared::auth::WINDOW_MS - shared::auth::LOCKOUT_MS;
            sqlx::query("DELETE FROM auth_failures WHERE at_ms < $1").bind(horizon).execute(&mut **tx).await?;
            sqlx::query("INSERT INTO auth_failures (key, at_ms) VALUES ($1, $2)").bind(key).bind(at_ms).execute(&mut **tx).await?;
            for a in audits {
                write_audit(tx, a).await?;
            }
            Ok(())
        })
    }

    pub async fn clear_failures(&self, key: &str) -> anyhow::Result<()> {
        sqlx::query("DELETE FROM auth_failures WHERE key = $1").bind(key).execute(&self.pool).await?;
        Ok(())
    }

    pub async fn audit(&self, audits: &[Audit]) -> anyhow::Result<()> {
        transaction!(self, |tx| {
            for a in audits {
                write_audit(tx, a).await?;
            }
            Ok(())
        })
    }

    pub async fn create_session(&self, staff_id: &str, token_hash: &str, csrf: &str, expires_at_ms: i64, attempt: (&[i64], &str), audit: &Audit) -> anyhow::Result<()> {
        transaction!(self, |tx| {
            let now = now_ms();
            sqlx::query("DELETE FROM sessions WHERE expires_at_ms <= $1").bind(now).execute(&mut **tx).await?;
            sqlx::query("INSERT INTO sessions (token_hash, staff_id, csrf_token, created_at_ms, expires_at_ms) VALUES ($1, $2, $3, $4, $5)")
                .bind(token_hash)
                .bind(staff_id)
                .bind(csrf)
                .bind(now)
                .bind(expires_at_ms)
                .execute(&mut **tx)
                .await?;
            forget(tx, attempt.0, attempt.1).await?;
            write_audit(tx, audit).await
        })
    }

    pub async fn session(&self, token_hash: &str) -> anyhow::Result<Option<(StaffRecord, String)>> {
        let row: Option<(String, String)> = sqlx::query_as("SELECT staff_id, csrf_token FROM sessions WHERE token_hash = $1 AND expires_at_ms > $2")
            .bind(token_hash)
            .bind(now_ms())
            .fetch_optional(&self.pool)
            .await?;
        let Some((staff_id, csrf)) = row else { return Ok(None) };
        Ok(self.staff_by_id(&staff_id).await?.filter(|s| s.active).map(|s| (s, csrf)))
    }

    pub async fn delete_session(&self, token_hash: &str, audit: &Audit) -> anyhow::Result<()> {
        transaction!(self, |tx| {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&mut **tx).await?;
            write_audit(tx, audit).await
        })
    }

    pub async fn device_record(&self, id: &str) -> anyhow::Result<Option<DeviceRecord>> {
        let sql = format!("{DEVICE_SELECT} WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(device_from_row).transpose()
    }

    pub async fn list_devices(&self, outlets: Option<&[String]>) -> anyhow::Result<Vec<EnrolledDevice>> {
        let sql = format!("{DEVICE_SELECT} WHERE ($1::text[] IS NULL OR outlet_id = ANY($1)) ORDER BY number");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(text_array(outlets)).fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok(device_from_row(r)?.device)).collect()
    }

    pub async fn touch_device(&self, id: &str) -> anyhow::Result<()> {
        sqlx::query("UPDATE devices SET last_seen_ms = $1 WHERE id = $2").bind(now_ms()).bind(id).execute(&self.pool).await?;
        Ok(())
    }

    pub async fn create_enrolment_code(&self, register_id: &str, code_hash: &str, created_by: &str, expires_at_ms: i64) -> anyhow::Result<Option<String>> {
        transaction!(self, |tx| {
            let outlet: Option<String> = sqlx::query_scalar("SELECT outlet_id FROM registers WHERE id = $1").bind(register_id).fetch_optional(&mut **tx).await?;
            let Some(outlet) = outlet else { return Ok(None) };
            sqlx::query("INSERT INTO enrolment_codes (code_hash, register_id, created_by, created_at_ms, expires_at_ms) VALUES ($1, $2, $3, $4, $5)")
                .bind(code_hash)
                .bind(register_id)
                .bind(created_by)
                .bind(now_ms())
                .bind(expires_at_ms)
                .execute(&mut **tx)
                .await?;
            let audit = Audit::new(AuditAction::EnrolmentCodeCreated, created_by, register_id, format!("enrolment code for register {register_id}")).outlet(Some(&outlet));
            write_audit(tx, &audit).await?;
            Ok(Some(outlet))
        })
    }

    /// See `SqliteStore::enrol`. Enrolments take one shop-wide lock: a code is used once and a new
    /// device's number is the next one, whichever instance enrols it.
    pub async fn enrol(&self, device_id: &str, code_hash: &str, credential_hash: &str) -> anyhow::Result<Result<(Device, String, String), EnrolRefusal>> {
        transaction!(self, |tx| {
            lock(tx, [Lock::Enrolment]).await?;
            let now = now_ms();
            let code: Option<(String, String)> = sqlx::query_as(
                "SELECT register_id, created_by FROM enrolment_codes WHERE code_hash = $1 AND used_at_ms IS NULL AND expires_at_ms > $2",
            )
            .bind(code_hash)
            .bind(now)
            .fetch_optional(&mut **tx)
            .await?;
            let Some((register_id, created_by)) = code else { return Ok(Err(EnrolRefusal::BadCode)) };
            let bound: Option<Option<String>> = sqlx::query_scalar("SELECT outlet_id FROM devices WHERE id = $1").bind(device_id).fetch_optional(&mut **tx).await?;
            if let Some(outlet) = bound.flatten() {
                let issuer = if created_by.is_empty() {
                    CodeIssuer::CommandLine
                } else {
                    match staff_where(tx, "s.id = $1", &created_by).await?.filter(|s| s.active) {
                        Some(s) => CodeIssuer::Staff(s.caller()),
                        None => CodeIssuer::Gone,
                    }
                };
                if !may_enrol(&issuer, Some(&outlet)) {
                    return Ok(Err(EnrolRefusal::DeviceElsewhere(outlet)));
                }
            }
            let outlet_id: String = sqlx::query_scalar("SELECT outlet_id FROM registers WHERE id = $1").bind(&register_id).fetch_one(&mut **tx).await?;
            sqlx::query("UPDATE enrolment_codes SET used_at_ms = $1, used_by_device = $2 WHERE code_hash = $3")
                .bind(now)
                .bind(device_id)
                .bind(code_hash)
                .execute(&mut **tx)
                .await?;
            let number: Option<i64> = sqlx::query_scalar("SELECT number FROM devices WHERE id = $1").bind(device_id).fetch_optional(&mut **tx).await?;
            let number = match number {
                Some(n) => {
                    sqlx::query(
                        "UPDATE devices SET register_id = $1, outlet_id = $2, credential_hash = $3, enrolled_at_ms = $4, revoked_at_ms = NULL,
                                            last_seen_ms = $4 WHERE id = $5",
                    )
                    .bind(&register_id)
                    .bind(&outlet_id)
                    .bind(credential_hash)
                    .bind(now)
                    .bind(device_id)
                    .execute(&mut **tx)
                    .await?;
                    n
                }
                None => {
                    let n: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(number), 0) + 1 FROM devices").fetch_one(&mut **tx).await?;
                    sqlx::query(
                        "INSERT INTO devices (id, number, created_at_ms, last_seen_ms, register_id, outlet_id, credential_hash, enrolled_at_ms)
                         VALUES ($1, $2, $3, $3, $4, $5, $6, $3)",
                    )
                    .bind(device_id)
                    .bind(n)
                    .bind(now)
                    .bind(&register_id)
                    .bind(&outlet_id)
                    .bind(credential_hash)
                    .execute(&mut **tx)
                    .await?;
                    n
                }
            };
            let audit = Audit::new(AuditAction::DeviceEnrolled, &created_by, device_id, format!("device {number} enrolled to register {register_id}"))
                .device(Some(device_id))
                .outlet(Some(&outlet_id));
            write_audit(tx, &audit).await?;
            Ok(Ok((Device { id: device_id.into(), number: u32_of(number)? }, register_id, outlet_id)))
        })
    }

    pub async fn revoke_device(&self, id: &str, by: &str) -> anyhow::Result<Option<EnrolledDevice>> {
        transaction!(self, |tx| {
            // Revoking twice keeps the first time.
            let Some(row) = sqlx::query(
                "UPDATE devices SET revoked_at_ms = COALESCE(revoked_at_ms, $1) WHERE id = $2
                 RETURNING id, number, register_id, outlet_id, credential_hash, enrolled_at_ms, revoked_at_ms, last_seen_ms",
            )
            .bind(now_ms())
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?
            else {
                return Ok(None);
            };
            let device = device_from_row(&row)?.device;
            let audit = Audit::new(AuditAction::DeviceRevoked, by, id, format!("device {} revoked", device.number)).device(Some(id)).outlet(device.outlet_id.as_deref());
            write_audit(tx, &audit).await?;
            Ok(Some(device))
        })
    }

    pub async fn list_audit(&self, outlets: Option<&[String]>, filter: &AuditFilter, before: Option<i64>, limit: u32) -> anyhow::Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT id, at_ms, action, staff_id, device_id, outlet_id, subject, detail FROM audit_log
             WHERE ($1::bigint IS NULL OR id < $1)
               AND ($2::text IS NULL OR outlet_id = $2)
               AND ($3::text[] IS NULL OR outlet_id = ANY($3))
               AND ($5::text IS NULL OR action = $5)
               AND ($6::text IS NULL OR staff_id = $6)
               AND ($7::bigint IS NULL OR at_ms >= $7)
               AND ($8::bigint IS NULL OR at_ms < $8)
             ORDER BY id DESC LIMIT $4",
        )
        .bind(before)
        .bind(filter.outlet.as_deref())
        .bind(text_array(outlets))
        .bind(i64::from(limit))
        .bind(filter.action.map(<&'static str>::from))
        .bind(filter.staff.as_deref())
        .bind(filter.from_ms)
        .bind(filter.to_ms)
        .fetch_all(&self.pool)
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

async fn forget(conn: &mut PgConnection, ids: &[i64], clear: &str) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM auth_failures WHERE id = ANY($1) OR key = $2").bind(ids).bind(clear).execute(conn).await?;
    Ok(())
}

pub(crate) async fn insert_staff(tx: &mut Transaction<'_, Postgres>, s: &NewStaffRecord) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO staff (id, name, email, role, password_hash, pin_hash, pin_verifier, active, created_at_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, TRUE, $8)",
    )
    .bind(&s.id)
    .bind(&s.name)
    .bind(&s.email)
    .bind(<&'static str>::from(s.role))
    .bind(&s.password_hash)
    .bind(&s.pin_hash)
    .bind(s.pin_verifier.as_ref().map(serde_json::to_string).transpose()?)
    .bind(now_ms())
    .execute(&mut **tx)
    .await?;
    for o in &s.outlets {
        sqlx::query("INSERT INTO staff_outlets (staff_id, outlet_id) VALUES ($1, $2) ON CONFLICT DO NOTHING").bind(&s.id).bind(o).execute(&mut **tx).await?;
    }
    Ok(())
}
