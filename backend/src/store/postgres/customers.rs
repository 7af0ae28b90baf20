//! Customer accounts and loyalty on PostgreSQL (mirrors `store/customers.rs`, whose types and pure
//! helpers it shares). A payment and a sale for a customer lock that customer first, so balance checks
//! made on two instances at once see each other.

use super::{lock, set_meta, transaction, Lock, PgStore};
use crate::store::customers::{kind_str, originals_of, parse_kind, summarize, PaymentRefusal, PaymentStatus, POINTS_KEY, VISITS_KEY};
use crate::store::now_ms;
use shared::account::{self, AccountEntry, AccountError, AccountPayment, CustomerAccount, Statement};
use shared::catalog::Customer;
use shared::loyalty::{LoyaltyBalance, LoyaltyProgram};
use shared::report::Period;
use shared::sale::{verify_refunds, Sale};
use shared::sync::CustomerSummary;
use shared::Money;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Postgres, Row, Transaction};
use std::collections::{BTreeSet, HashMap};

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

/// One summary, by the shared rules, from the customer's own entries and sales (oldest first).
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

    /// Every customer's summary, by name: what a register keeps to attach customers offline.
    pub async fn customer_summaries(&self) -> anyhow::Result<Vec<CustomerSummary>> {
        let mut conn = self.pool.acquire().await?;
        let customers = self.customers().await?;
        let program = loyalty_program(&mut conn).await?;
        let mut accounts: HashMap<String, CustomerAccount> =
            sqlx::query("SELECT customer_id, credit_limit_cents, automatic_discount_bp FROM customer_accounts")
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(|r| (r.get("customer_id"), account_from_row(r)))
                .collect();
        let mut entries: HashMap<String, Vec<AccountEntry>> = HashMap::new();
        for r in sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ENTRY_COLUMNS} FROM account_entries ORDER BY created_at_ms, id"
        )))
        .fetch_all(&mut *conn)
        .await?
        {
            let e = entry_from_row(&r)?;
            entries.entry(e.customer_id.clone()).or_default().push(e);
        }
        let mut sales: HashMap<String, Vec<Sale>> = HashMap::new();
        for r in sqlx::query(
            "SELECT customer_id, body FROM sales WHERE customer_id IS NOT NULL ORDER BY created_at_ms, id COLLATE \"C\"",
        )
        .fetch_all(&mut *conn)
        .await?
        {
            let body: String = r.get("body");
            sales.entry(r.get("customer_id")).or_default().push(serde_json::from_str(&body)?);
        }
        customers
            .into_iter()
            .map(|c| {
                let account = accounts
                    .remove(&c.id)
                    .unwrap_or_else(|| CustomerAccount { customer_id: c.id.clone(), ..CustomerAccount::default() });
                let e = entries.remove(&c.id).unwrap_or_default();
                let s = sales.remove(&c.id).unwrap_or_default();
                summarize(c, account, &e, &s, program)
            })
            .collect()
    }

    /// One customer's summary, or `None` for an unknown customer.
    pub async fn customer_summary(&self, id: &str) -> anyhow::Result<Option<CustomerSummary>> {
        let Some(customer) = self.customer(id).await? else {
            return Ok(None);
        };
        let mut conn = self.pool.acquire().await?;
        let account = customer_account(&mut conn, id).await?;
        let entries = customer_entries(&mut conn, id).await?;
        let sales = customer_sales(&mut conn, id).await?;
        let program = loyalty_program(&mut conn).await?;
        summarize(customer, account, &entries, &sales, program).map(Some)
    }

    /// The month-end statement of `customer_id` for `period`, or `None` for an unknown customer.
    pub async fn statement(&self, customer_id: &str, period: Period) -> anyhow::Result<Option<Statement>> {
        if self.customer(customer_id).await?.is_none() {
            return Ok(None);
        }
        let entries = customer_entries(&mut *self.pool.acquire().await?, customer_id).await?;
        Ok(Some(account::statement(customer_id, &entries, period)?))
    }

    /// Records a payment on account for `customer_id` (the path's customer): checked with
    /// `AccountPayment::verify`, then the payment and its entry in one transaction. Idempotent on the
    /// payment's id: the same payment again is a `Duplicate` and writes nothing; another payment under
    /// that id is refused. An empty `reference` becomes the id, a zero `created_at_ms` the server's clock,
    /// an empty `outlet_id` the register's outlet. Returns the payment as stored.
    pub async fn record_payment(
        &self,
        customer_id: &str,
        mut payment: AccountPayment,
        audit: &crate::store::auth::Audit,
    ) -> anyhow::Result<Result<(PaymentStatus, AccountPayment), PaymentRefusal>> {
        if payment.customer_id.is_empty() {
            payment.customer_id = customer_id.into();
        }
        if payment.customer_id != customer_id {
            return Ok(Err(PaymentRefusal::WrongCustomer { path: customer_id.into(), body: payment.customer_id }));
        }
        if payment.reference.trim().is_empty() {
            payment.reference = payment.id.clone();
        }
        let clock_given = payment.created_at_ms != 0;
        if !clock_given {
            payment.created_at_ms = now_ms();
        }
        if let Err(e) = payment.verify() {
            return Ok(Err(PaymentRefusal::Rule(e)));
        }

        let given = payment;
        transaction!(self, |tx| {
            lock(tx, [Lock::Customer(customer_id.to_owned())]).await?;
            let mut payment = given.clone();
            let known: Option<String> =
                sqlx::query_scalar("SELECT id FROM customers WHERE id = $1").bind(customer_id).fetch_optional(&mut **tx).await?;
            if known.is_none() {
                return Ok(Err(PaymentRefusal::UnknownCustomer(customer_id.into())));
            }
            if !payment.register_id.is_empty() {
                let outlet: Option<String> = sqlx::query_scalar("SELECT outlet_id FROM registers WHERE id = $1")
                    .bind(&payment.register_id)
                    .fetch_optional(&mut **tx)
                    .await?;
                let Some(register_outlet) = outlet else {
                    return Ok(Err(PaymentRefusal::UnknownRegister(payment.register_id)));
                };
                if payment.outlet_id.is_empty() {
                    payment.outlet_id = register_outlet;
                } else if payment.outlet_id != register_outlet {
                    return Ok(Err(PaymentRefusal::WrongOutlet {
                        register_id: payment.register_id,
                        outlet_id: payment.outlet_id,
                        register_outlet,
                    }));
                }
            } else if !payment.outlet_id.is_empty() {
                let known: Option<String> = sqlx::query_scalar("SELECT id FROM outlets WHERE id = $1")
                    .bind(&payment.outlet_id)
                    .fetch_optional(&mut **tx)
                    .await?;
                if known.is_none() {
                    return Ok(Err(PaymentRefusal::UnknownOutlet(payment.outlet_id)));
                }
            }

            // A balance stays inside the wire's range, so no later sum over it can overflow.
            let after = account::balance(customer_id, &customer_entries(tx, customer_id).await?)
                .ok()
                .and_then(|b| b.checked_add(payment.amount).ok());
            let seen: Option<String> =
                sqlx::query_scalar("SELECT id FROM account_payments WHERE id = $1").bind(&payment.id).fetch_optional(&mut **tx).await?;
            if seen.is_none() && after.is_none_or(|b| b.as_cents().abs() > shared::limits::MAX_AMOUNT.as_cents()) {
                return Ok(Err(PaymentRefusal::BalanceOutOfRange));
            }
            let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_owned());
            let inserted = sqlx::query(
                "INSERT INTO account_payments (id, customer_id, register_id, outlet_id, reference, created_at_ms, amount_cents, body)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(&payment.id)
            .bind(&payment.customer_id)
            .bind(non_empty(&payment.register_id))
            .bind(non_empty(&payment.outlet_id))
            .bind(&payment.reference)
            .bind(payment.created_at_ms)
            .bind(payment.amount.as_cents())
            .bind(serde_json::to_string(&payment)?)
            .execute(&mut **tx)
            .await?
            .rows_affected();
            if inserted == 0 {
                let body: String =
                    sqlx::query_scalar("SELECT body FROM account_payments WHERE id = $1").bind(&payment.id).fetch_one(&mut **tx).await?;
                let stored: AccountPayment = serde_json::from_str(&body)?;
                let same = if clock_given {
                    stored == payment
                } else {
                    AccountPayment { created_at_ms: payment.created_at_ms, ..stored.clone() } == payment
                };
                return Ok(if same { Ok((PaymentStatus::Duplicate, stored)) } else { Err(PaymentRefusal::IdTaken(payment.id)) });
            }
            let entry = payment.entry();
            sqlx::query(
                "INSERT INTO account_entries (customer_id, kind, reference, amount_cents, payment_id, created_at_ms)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&entry.customer_id)
            .bind(kind_str(entry.kind))
            .bind(&entry.reference)
            .bind(entry.amount.as_cents())
            .bind(&payment.id)
            .bind(entry.at_ms)
            .execute(&mut **tx)
            .await?;
            let mut audit = audit.clone().outlet(Some(&payment.outlet_id));
            audit.subject = customer_id.into();
            audit.detail = format!("payment {} of {} on account", payment.id, payment.amount);
            super::auth::write_audit(tx, &audit).await?;
            Ok(Ok((PaymentStatus::Stored, payment.clone())))
        })
    }
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

async fn record_conflict(
    tx: &mut Transaction<'_, Postgres>,
    sale: &Sale,
    kind: &str,
    detail: serde_json::Value,
) -> anyhow::Result<()> {
    tracing::warn!(sale = %sale.id, kind, %detail, "customer conflict recorded");
    sqlx::query("INSERT INTO conflicts (kind, sale_id, detail, created_at_ms) VALUES ($1, $2, $3, $4)")
        .bind(kind)
        .bind(&sale.id)
        .bind(detail.to_string())
        .bind(now_ms())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// What a newly stored sale does to its customer, inside its push's transaction (call it for every
/// new sale, after its lines). Never refuses: the customer has paid.
///
/// * Its returned lines are indexed (`sale_returns`) so that later returns of the same original are
///   checked against this one. A refund that does not match its original given every return stored
///   before it was let through by `routes::refund_check` only because the register could not know of
///   some of them (two registers offline): it is recorded as a `refund_mismatch` conflict.
/// * With a customer: `sales.customer_id` is set, and `account::sale_entries` are written. What the
///   shared rules find wrong once the server's ledger is known — a charge beyond the credit limit
///   (`credit_limit_exceeded`), store credit spent beyond what the customer held
///   (`not_enough_store_credit`), a reward that leaves loyalty points or visits below zero, i.e. one
///   redeemed twice offline (`loyalty_overdrawn`), a customer the server does not know (`unknown_customer`) — becomes a
///   `conflicts` row for a manager.
pub(crate) async fn record_sale_customer(tx: &mut Transaction<'_, Postgres>, sale: &Sale) -> anyhow::Result<()> {
    let originals = originals_of(sale);
    if !originals.is_empty() {
        for original in &originals {
            sqlx::query("INSERT INTO sale_returns (original_sale_id, return_sale_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(*original)
                .bind(&sale.id)
                .execute(&mut **tx)
                .await?;
        }
        let found = sales_by_id(tx, &originals).await?;
        let earlier = returns_of(tx, &originals).await?;
        if let Err(e) = verify_refunds(sale, &found, &earlier) {
            let detail = serde_json::json!({
                "return_sale_id": sale.id,
                "receipt": sale.receipt,
                "original_sale_ids": originals,
                "error": e.code(),
                "message": format!("return {}: {e} (another return of the same sale was made before it)", sale.receipt),
            });
            record_conflict(tx, sale, "refund_mismatch", detail).await?;
        }
    }

    let Some(customer_id) = sale.customer_id.as_deref() else {
        return Ok(());
    };
    sqlx::query("UPDATE sales SET customer_id = $1 WHERE id = $2").bind(customer_id).bind(&sale.id).execute(&mut **tx).await?;
    let name: Option<String> =
        sqlx::query_scalar("SELECT name FROM customers WHERE id = $1").bind(customer_id).fetch_optional(&mut **tx).await?;
    if name.is_none() {
        let detail = serde_json::json!({
            "customer_id": customer_id,
            "receipt": sale.receipt,
            "message": format!("sale {} names customer '{customer_id}', whom the server does not know", sale.receipt),
        });
        record_conflict(tx, sale, "unknown_customer", detail).await?;
    }
    let name = name.unwrap_or_else(|| customer_id.to_string());

    let new_entries = account::sale_entries(sale)?;
    if !new_entries.is_empty() {
        let account = customer_account(tx, customer_id).await?;
        let Ok(before) = account::balance(customer_id, &customer_entries(tx, customer_id).await?) else {
            // A paid sale is a fact: a balance beyond what sums can hold is a conflict for a manager, not a
            // failed push that would block every sale queued behind this one.
            let detail = serde_json::json!({
                "customer_id": customer_id,
                "receipt": sale.receipt,
                "message": format!("sale {}: the balance of {name} is out of range", sale.receipt),
            });
            record_conflict(tx, sale, "balance_out_of_range", detail).await?;
            return Ok(());
        };
        for e in &new_entries {
            sqlx::query(
                "INSERT INTO account_entries (customer_id, kind, reference, amount_cents, sale_id, created_at_ms)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&e.customer_id)
            .bind(kind_str(e.kind))
            .bind(&e.reference)
            .bind(e.amount.as_cents())
            .bind(&sale.id)
            .bind(e.at_ms)
            .execute(&mut **tx)
            .await?;
        }
        // The register checked these tenders against the balance it knew; check them again against the ledger.
        if let Err(e) = account.check_tenders(before, &sale.tenders) {
            let after = before.checked_add(Money::sum(new_entries.iter().map(|e| e.amount))?)?;
            let (available, requested) = match &e {
                AccountError::CreditLimitExceeded { available, requested }
                | AccountError::NotEnoughStoreCredit { available, requested } => (Some(*available), Some(*requested)),
                _ => (None, None),
            };
            let detail = serde_json::json!({
                "customer_id": customer_id,
                "customer_name": name,
                "receipt": sale.receipt,
                "balance_before": before,
                "balance_after": after,
                "credit_limit": account.credit_limit,
                "available": available,
                "requested": requested,
                "error": e.code(),
                "message": format!("sale {} for {name}: {e}", sale.receipt),
            });
            record_conflict(tx, sale, e.code(), detail).await?;
        }
    }

    if !sale.redemptions.is_empty() {
        // A reward given: did another register give the same one offline? (Points a return takes back
        // may also leave a balance below zero; that is the shop's loyalty rule at work, not a conflict.)
        let balance = LoyaltyBalance::of(customer_id, &customer_sales(tx, customer_id).await?);
        if balance.is_overdrawn() {
            let detail = serde_json::json!({
                "customer_id": customer_id,
                "customer_name": name,
                "receipt": sale.receipt,
                "points": balance.points,
                "visits": balance.visits,
                "redemptions": sale.redemptions,
                "message": format!(
                    "sale {} gave {name} a loyalty reward that leaves {} points and {} visits: the reward was given twice",
                    sale.receipt, balance.points, balance.visits
                ),
            });
            record_conflict(tx, sale, "loyalty_overdrawn", detail).await?;
        }
    }
    Ok(())
}
