//! Customer accounts and loyalty on PostgreSQL (mirrors `store/customers.rs`, whose types and pure
//! helpers it shares). The decisions are `shared`'s (`decide_payment`, `effects_of_sale`); figures are
//! written as absolute values computed from what the transaction loaded, so a sale and a payment for a
//! customer lock that customer first (`Lock::Customer`): two instances never lose an update.

use super::{lock, set_meta, transaction, Lock, PgStore};
use super::auth::write_audit;
use crate::store::auth::Audit;
use crate::store::customers::{customer_audit_detail, CustomerRefusal, kind_str, parse_kind, summarize, EntrySource, PaymentRefusal, PaymentStatus, HISTORY_LEN, POINTS_KEY, VISITS_KEY};
use crate::store::now_ms;
use crate::store::page::Page;
use shared::account::{self, AccountEntry, AccountPayment, CustomerAccount, Statement};
use shared::catalog::customer_edit::CheckedCustomer;
use shared::catalog::Customer;
use shared::online::customer_match::normalise_email;
use shared::loyalty::{LoyaltyBalance, LoyaltyProgram};
use shared::report::Period;
use shared::sale::Sale;
use shared::sync::{decide_payment, CustomerBearing, CustomerChange, CustomerFigures, CustomerSummary, PaymentBearing, PaymentDecision};
use shared::Money;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Postgres, Row, Transaction};
use std::collections::BTreeSet;

fn entry_from_row(r: &PgRow) -> anyhow::Result<AccountEntry> {
    Ok(AccountEntry {
        customer_id: r.get("customer_id"),
        at_ms: r.get("created_at_ms"),
        kind: parse_kind(r.get("kind"))?,
        reference: r.get("reference"),
        amount: Money(r.get("amount_cents")),
    })
}

fn account_from_row(r: &PgRow) -> CustomerAccount {
    CustomerAccount {
        customer_id: r.get("customer_id"),
        credit_limit: Money(r.get("credit_limit_cents")),
        automatic_discount_bp: u32::try_from(r.get::<i64, _>("automatic_discount_bp")).unwrap_or(0),
    }
}

const ENTRY_COLUMNS: &str = "customer_id, kind, reference, amount_cents, created_at_ms";

async fn customer_entries(conn: &mut PgConnection, customer_id: &str) -> anyhow::Result<Vec<AccountEntry>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ENTRY_COLUMNS} FROM account_entries WHERE customer_id = $1 ORDER BY created_at_ms, id"
    )))
    .bind(customer_id)
    .fetch_all(conn)
    .await?
    .iter()
    .map(entry_from_row)
    .collect()
}

async fn customer_account(conn: &mut PgConnection, customer_id: &str) -> anyhow::Result<CustomerAccount> {
    let row = sqlx::query(
        "SELECT customer_id, credit_limit_cents, automatic_discount_bp FROM customer_accounts WHERE customer_id = $1",
    )
    .bind(customer_id)
    .fetch_optional(conn)
    .await?;
    Ok(row.as_ref().map(account_from_row).unwrap_or_else(|| CustomerAccount {
        customer_id: customer_id.into(),
        ..CustomerAccount::default()
    }))
}

/// The customer's sales, oldest first.
async fn customer_sales(conn: &mut PgConnection, customer_id: &str) -> anyhow::Result<Vec<Sale>> {
    sqlx::query_scalar::<_, String>("SELECT body FROM sales WHERE customer_id = $1 ORDER BY created_at_ms, id COLLATE \"C\"")
        .bind(customer_id)
        .fetch_all(conn)
        .await?
        .iter()
        .map(|b| Ok(serde_json::from_str(b)?))
        .collect()
}

async fn loyalty_program(conn: &mut PgConnection) -> anyhow::Result<LoyaltyProgram> {
    let rows = sqlx::query("SELECT key, value FROM meta WHERE key IN ($1, $2)")
        .bind(POINTS_KEY)
        .bind(VISITS_KEY)
        .fetch_all(conn)
        .await?;
    let mut program = LoyaltyProgram::default();
    for r in rows {
        let value: String = r.get("value");
        let n = value.trim().parse::<u32>().unwrap_or(0);
        match r.get::<String, _>("key").as_str() {
            POINTS_KEY => program.points_threshold = n,
            _ => program.visit_threshold = n,
        }
    }
    Ok(program)
}

/// The demo shop's account terms and loyalty card, inside `load_shop`'s transaction.
pub(crate) async fn load_accounts(tx: &mut Transaction<'_, Postgres>, shop: &crate::demo::Shop) -> anyhow::Result<()> {
    for a in &shop.accounts {
        sqlx::query(
            "INSERT INTO customer_accounts (customer_id, credit_limit_cents, automatic_discount_bp) VALUES ($1, $2, $3)",
        )
        .bind(&a.customer_id)
        .bind(a.credit_limit.as_cents())
        .bind(i64::from(a.automatic_discount_bp))
        .execute(&mut **tx)
        .await?;
    }
    for (key, value) in [(POINTS_KEY, shop.loyalty.points_threshold), (VISITS_KEY, shop.loyalty.visit_threshold)] {
        set_meta(tx, key, &value.to_string()).await?;
    }
    Ok(())
}

impl PgStore {
    pub async fn loyalty_program(&self) -> anyhow::Result<LoyaltyProgram> {
        loyalty_program(&mut *self.pool.acquire().await?).await
    }

    async fn customer(&self, id: &str) -> anyhow::Result<Option<Customer>> {
        Ok(sqlx::query("SELECT id, name, email FROM customers WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| Customer { id: r.get("id"), name: r.get("name"), email: r.get("email") }))
    }

    /// Customers' summaries, by name (byte-wise), after the `after` cursor's customer, from maintained
    /// figures and each customer's latest sales by index.
    pub async fn customer_summaries(&self, after: Option<&(String, String)>, limit: u32) -> anyhow::Result<Page<CustomerSummary>> {
        let mut conn = self.pool.acquire().await?;
        let program = loyalty_program(&mut conn).await?;
        let rows = sqlx::query(
            "SELECT c.id, c.name, c.email, a.credit_limit_cents, a.automatic_discount_bp,
                    f.balance_cents, f.loyalty_points, f.loyalty_visits
             FROM customers c
             LEFT JOIN customer_accounts a ON a.customer_id = c.id
             LEFT JOIN customer_figures f ON f.customer_id = c.id
             WHERE ($1::text IS NULL OR c.name COLLATE \"C\" > $1 OR (c.name = $1 AND c.id COLLATE \"C\" > $2))
             ORDER BY c.name COLLATE \"C\", c.id COLLATE \"C\" LIMIT $3",
        )
        .bind(after.map(|a| a.0.as_str()))
        .bind(after.map(|a| a.1.as_str()))
        .bind(i64::from(limit) + 1)
        .fetch_all(&mut *conn)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let customer = Customer { id: r.get("id"), name: r.get("name"), email: r.get("email") };
            let account = CustomerAccount {
                customer_id: customer.id.clone(),
                credit_limit: Money(r.get::<Option<i64>, _>("credit_limit_cents").unwrap_or(0)),
                automatic_discount_bp: u32::try_from(r.get::<Option<i64>, _>("automatic_discount_bp").unwrap_or(0)).unwrap_or(0),
            };
            let figures = CustomerFigures {
                balance: Money(r.get::<Option<i64>, _>("balance_cents").unwrap_or(0)),
                loyalty: LoyaltyBalance {
                    points: r.get::<Option<i64>, _>("loyalty_points").unwrap_or(0),
                    visits: r.get::<Option<i64>, _>("loyalty_visits").unwrap_or(0),
                },
            };
            let latest = latest_sales(&mut conn, &customer.id).await?;
            out.push(summarize(customer, account, figures, &latest, program));
        }
        Ok(Page::of(out, limit, |s| (s.customer.name.clone(), s.customer.id.clone())))
    }

    /// One customer's summary, or `None` for an unknown customer.
    pub async fn customer_summary(&self, id: &str) -> anyhow::Result<Option<CustomerSummary>> {
        let Some(customer) = self.customer(id).await? else {
            return Ok(None);
        };
        let mut conn = self.pool.acquire().await?;
        let account = customer_account(&mut conn, id).await?;
        let figures = customer_figures(&mut conn, id).await?;
        let latest = latest_sales(&mut conn, id).await?;
        let program = loyalty_program(&mut conn).await?;
        Ok(Some(summarize(customer, account, figures, &latest, program)))
    }

    /// The month-end statement of `customer_id` for `period`, or `None` for an unknown customer: from
    /// the balance now and the entries made since the period began (one snapshot).
    pub async fn statement(&self, customer_id: &str, period: Period) -> anyhow::Result<Option<Statement>> {
        if self.customer(customer_id).await?.is_none() {
            return Ok(None);
        }
        let mut tx = self.pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await?;
        let balance = customer_figures(&mut tx, customer_id).await?.balance;
        let since = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ENTRY_COLUMNS} FROM account_entries WHERE customer_id = $1 AND created_at_ms >= $2 ORDER BY created_at_ms, id"
        )))
        .bind(customer_id)
        .bind(period.from_ms)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(entry_from_row)
        .collect::<anyhow::Result<Vec<_>>>()?;
        tx.commit().await?;
        Ok(Some(account::statement_from_balance(customer_id, balance, &since, period)?))
    }

    /// Records a payment on account for `customer_id` (the path's customer): the customer locked, the
    /// store loads what bears on it, `shared::sync::decide_payment` decides, and the payment, its entry,
    /// the customer's figures and the audit entry are written in one transaction.
    pub async fn record_payment(
        &self,
        customer_id: &str,
        payment: AccountPayment,
        audit: &crate::store::auth::Audit,
    ) -> anyhow::Result<Result<(PaymentStatus, AccountPayment), PaymentRefusal>> {
        transaction!(self, |tx| {
            lock(tx, [Lock::Customer(customer_id.to_owned())]).await?;
            let customer_known: Option<String> =
                sqlx::query_scalar("SELECT id FROM customers WHERE id = $1").bind(customer_id).fetch_optional(&mut **tx).await?;
            let register_outlet: Option<String> = sqlx::query_scalar("SELECT outlet_id FROM registers WHERE id = $1")
                .bind(&payment.register_id)
                .fetch_optional(&mut **tx)
                .await?;
            let outlet_known: Option<String> =
                sqlx::query_scalar("SELECT id FROM outlets WHERE id = $1").bind(&payment.outlet_id).fetch_optional(&mut **tx).await?;
            let stored: Option<AccountPayment> = sqlx::query_scalar::<_, String>("SELECT body FROM account_payments WHERE id = $1")
                .bind(&payment.id)
                .fetch_optional(&mut **tx)
                .await?
                .map(|b| serde_json::from_str(&b))
                .transpose()?;
            let figures = customer_figures(tx, customer_id).await?;
            let decision = decide_payment(
                payment.clone(),
                PaymentBearing {
                    path_customer: customer_id,
                    customer_known: customer_known.is_some(),
                    register_outlet: register_outlet.as_deref(),
                    outlet_known: outlet_known.is_some(),
                    figures,
                    stored: stored.as_ref(),
                    now_ms: now_ms(),
                },
            );
            let (payment, change) = match decision {
                Err(refusal) => return Ok(Err(refusal)),
                Ok(PaymentDecision::Duplicate(stored)) => return Ok(Ok((PaymentStatus::Duplicate, stored))),
                Ok(PaymentDecision::Store { payment, change }) => (payment, change),
            };
            insert_payment(tx, &payment).await?;
            write_customer_change(tx, &change, EntrySource::Payment(&payment.id)).await?;
            let mut audit = audit.clone().outlet(Some(&payment.outlet_id));
            audit.subject = customer_id.into();
            audit.detail = format!("payment {} of {} on account", payment.id, payment.amount);
            super::auth::write_audit(tx, &audit).await?;
            Ok(Ok((PaymentStatus::Stored, payment)))
        })
    }
}

/// Inserts a payment on account as decided.
pub(super) async fn insert_payment(conn: &mut PgConnection, payment: &AccountPayment) -> anyhow::Result<()> {
    let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    sqlx::query(
        "INSERT INTO account_payments (id, customer_id, register_id, outlet_id, reference, created_at_ms, amount_cents, body)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&payment.id)
    .bind(&payment.customer_id)
    .bind(non_empty(&payment.register_id))
    .bind(non_empty(&payment.outlet_id))
    .bind(&payment.reference)
    .bind(payment.created_at_ms)
    .bind(payment.amount.as_cents())
    .bind(serde_json::to_string(payment)?)
    .execute(conn)
    .await?;
    Ok(())
}

/// The customer's latest `HISTORY_LEN` sales, by index.
async fn latest_sales(conn: &mut PgConnection, customer_id: &str) -> anyhow::Result<Vec<Sale>> {
    sqlx::query_scalar::<_, String>("SELECT body FROM sales WHERE customer_id = $1 ORDER BY created_at_ms DESC, seq DESC LIMIT $2")
        .bind(customer_id)
        .bind(HISTORY_LEN as i64)
        .fetch_all(conn)
        .await?
        .iter()
        .map(|b| Ok(serde_json::from_str(b)?))
        .collect()
}

/// The customer's maintained figures (zero for one never seen). Called under the customer's lock by writers.
pub(super) async fn customer_figures(conn: &mut PgConnection, customer_id: &str) -> anyhow::Result<CustomerFigures> {
    let row = sqlx::query("SELECT balance_cents, loyalty_points, loyalty_visits FROM customer_figures WHERE customer_id = $1")
        .bind(customer_id)
        .fetch_optional(conn)
        .await?;
    Ok(row.map_or_else(CustomerFigures::default, |r| CustomerFigures {
        balance: Money(r.get("balance_cents")),
        loyalty: LoyaltyBalance { points: r.get("loyalty_points"), visits: r.get("loyalty_visits") },
    }))
}

/// What the server holds about a sale's customer: whether it knows them, their terms, their figures.
pub(super) async fn customer_bearing(conn: &mut PgConnection, customer_id: &str) -> anyhow::Result<CustomerBearing> {
    let name: Option<String> =
        sqlx::query_scalar("SELECT name FROM customers WHERE id = $1").bind(customer_id).fetch_optional(&mut *conn).await?;
    Ok(CustomerBearing {
        name,
        account: customer_account(&mut *conn, customer_id).await?,
        figures: customer_figures(conn, customer_id).await?,
    })
}

/// Writes a customer's new account entries and the figures `shared` computed after them.
pub(super) async fn write_customer_change(conn: &mut PgConnection, change: &CustomerChange, source: EntrySource<'_>) -> anyhow::Result<()> {
    let (sale_id, payment_id) = match source {
        EntrySource::Sale(id) => (Some(id), None),
        EntrySource::Payment(id) => (None, Some(id)),
    };
    for e in &change.entries {
        sqlx::query(
            "INSERT INTO account_entries (customer_id, kind, reference, amount_cents, sale_id, payment_id, created_at_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&e.customer_id)
        .bind(kind_str(e.kind))
        .bind(&e.reference)
        .bind(e.amount.as_cents())
        .bind(sale_id)
        .bind(payment_id)
        .bind(e.at_ms)
        .execute(&mut *conn)
        .await?;
    }
    save_figures(conn, &change.customer_id, &change.after).await
}

pub(super) async fn save_figures(conn: &mut PgConnection, customer_id: &str, f: &CustomerFigures) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO customer_figures (customer_id, balance_cents, loyalty_points, loyalty_visits) VALUES ($1, $2, $3, $4)
         ON CONFLICT (customer_id) DO UPDATE SET
             balance_cents = EXCLUDED.balance_cents, loyalty_points = EXCLUDED.loyalty_points, loyalty_visits = EXCLUDED.loyalty_visits",
    )
    .bind(customer_id)
    .bind(f.balance.as_cents())
    .bind(f.loyalty.points)
    .bind(f.loyalty.visits)
    .execute(conn)
    .await?;
    Ok(())
}

const FIGURES_FILLED_KEY: &str = "customer_figures_filled";

/// Once, on a database migrated from before maintained figures: every customer's figures from their
/// history, by the shared rules. Several instances starting at once: one fills, under `Lock::Shop`.
pub(super) async fn fill_customer_figures(store: &PgStore) -> anyhow::Result<()> {
    transaction!(store, |tx| {
        lock(tx, [Lock::Shop]).await?;
        let done: Option<String> =
            sqlx::query_scalar("SELECT value FROM meta WHERE key = $1").bind(FIGURES_FILLED_KEY).fetch_optional(&mut **tx).await?;
        if done.is_none() {
            let ids: Vec<String> = sqlx::query_scalar(
                "SELECT customer_id FROM sales WHERE customer_id IS NOT NULL UNION SELECT customer_id FROM account_entries",
            )
            .fetch_all(&mut **tx)
            .await?;
            for id in ids {
                let balance = account::balance(&id, &customer_entries(tx, &id).await?).unwrap_or(Money::ZERO);
                let loyalty = LoyaltyBalance::of(&id, &customer_sales(tx, &id).await?);
                save_figures(tx, &id, &CustomerFigures { balance, loyalty }).await?;
            }
            set_meta(tx, FIGURES_FILLED_KEY, "1").await?;
        }
        Ok(())
    })
}

pub(super) async fn sales_by_id(conn: &mut PgConnection, ids: &BTreeSet<&str>) -> anyhow::Result<Vec<Sale>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(body) =
            sqlx::query_scalar::<_, String>("SELECT body FROM sales WHERE id = $1").bind(*id).fetch_optional(&mut *conn).await?
        {
            out.push(serde_json::from_str(&body)?);
        }
    }
    Ok(out)
}

pub(super) async fn returns_of(conn: &mut PgConnection, original_ids: &BTreeSet<&str>) -> anyhow::Result<Vec<Sale>> {
    let mut out: Vec<Sale> = Vec::new();
    for id in original_ids {
        let bodies = sqlx::query_scalar::<_, String>(
            "SELECT s.body FROM sale_returns r JOIN sales s ON s.id = r.return_sale_id
             WHERE r.original_sale_id = $1 ORDER BY s.received_at_ms, s.id COLLATE \"C\"",
        )
        .bind(*id)
        .fetch_all(&mut *conn)
        .await?;
        for body in bodies {
            let sale: Sale = serde_json::from_str(&body)?;
            // A return of two originals is listed once.
            if !out.iter().any(|s| s.id == sale.id) {
                out.push(sale);
            }
        }
    }
    Ok(out)
}

/// Another customer than `id` whose e-mail is `email` (already `normalise_email`d), compared without case
/// as online orders match customers; the back office's form and the registers' operations ask it.
pub(crate) async fn other_email_owner(conn: &mut PgConnection, email: &str, id: &str) -> anyhow::Result<Option<String>> {
    Ok(sqlx::query_scalar("SELECT id FROM customers WHERE lower(email) = $1 AND id <> $2 ORDER BY id COLLATE \"C\" LIMIT 1")
        .bind(email)
        .bind(id)
        .fetch_optional(conn)
        .await?)
}

// ---- Clients: create and edit in the back office (`shared::catalog::customer_edit`)

async fn checked_customer_of(conn: &mut PgConnection, id: &str) -> anyhow::Result<Option<CheckedCustomer>> {
    let Some(customer) = sqlx::query("SELECT id, name, email FROM customers WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| Customer { id: r.get("id"), name: r.get("name"), email: r.get("email") })
    else {
        return Ok(None);
    };
    Ok(Some(CheckedCustomer { customer, account: customer_account(conn, id).await? }))
}

impl PgStore {
    /// Mirrors `SqliteStore::save_customer`. The customer's lock and its e-mail's lock serialise two
    /// instances creating the same customer, or two customers with one e-mail in different case.
    pub async fn save_customer(&self, c: &CheckedCustomer, create: bool, audit: &Audit) -> anyhow::Result<Result<CustomerSummary, CustomerRefusal>> {
        let id = c.customer.id.as_str();
        let email = normalise_email(c.customer.email.as_deref());
        let saved = transaction!(self, |tx| {
            let mut locks = vec![Lock::Customer(id.to_string())];
            locks.extend(email.iter().map(|e| Lock::Customer(format!("email:{e}"))));
            lock(tx, locks).await?;
            let before = checked_customer_of(tx, id).await?;
            match (&before, create) {
                (Some(_), true) => return Ok(Err(CustomerRefusal::IdTaken(id.into()))),
                (None, false) => return Ok(Err(CustomerRefusal::NotFound)),
                _ => {}
            }
            if let Some(email) = &email {
                let owner = other_email_owner(tx, email, id).await?;
                if let Some(owner) = owner {
                    return Ok(Err(CustomerRefusal::EmailTaken { email: email.clone(), owner }));
                }
            }
            if let Some(detail) = customer_audit_detail(before.as_ref(), c) {
                let a = &c.account;
                sqlx::query("INSERT INTO customers (id, name, email) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email")
                    .bind(id)
                    .bind(&c.customer.name)
                    .bind(&c.customer.email)
                    .execute(&mut **tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO customer_accounts (customer_id, credit_limit_cents, automatic_discount_bp) VALUES ($1, $2, $3)
                     ON CONFLICT (customer_id) DO UPDATE SET credit_limit_cents = excluded.credit_limit_cents, automatic_discount_bp = excluded.automatic_discount_bp",
                )
                .bind(id)
                .bind(a.credit_limit.as_cents())
                .bind(i64::from(a.automatic_discount_bp))
                .execute(&mut **tx)
                .await?;
                write_audit(tx, &Audit { subject: id.into(), detail, ..audit.clone() }).await?;
            }
            Ok(Ok(()))
        })?;
        Ok(match saved {
            Ok(()) => Ok(self.customer_summary(id).await?.ok_or_else(|| anyhow::anyhow!("customer {id} vanished after being saved"))?),
            Err(r) => Err(r),
        })
    }
}
