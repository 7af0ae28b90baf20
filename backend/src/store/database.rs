//! The `Store` trait: everything the routes, the guard, the demo start and the command line ask of the
//! database, and nothing about how it is kept. SQLite (`SqliteStore`, one shop on one PC) and
//! PostgreSQL (`PgStore`, several server instances on one database) implement it with the same
//! behaviour; `connect` picks one from `DATABASE_URL`. Routes hold an `Arc<dyn Store>` and never see
//! SQL or a connection pool.
//!
//! Each write method is one transaction: what it decides and what it writes, with its audit entries,
//! commit together or not at all.

use super::auth::{Attempt, Audit, DeviceRecord, EnrolRefusal, NewStaffRecord, StaffRecord, StaffRefusal};
use super::customers::{PaymentRefusal, PaymentStatus};
use super::{Conflict, SerialFilter, SerialRefusal};
use super::page::Page;
use super::sqlite::SalesKey;
use super::{CursorAhead, DigestRefusal};
use async_trait::async_trait;
use shared::sync::changes::{ChangePage, StockDigest, Version};
use shared::sync::ops::{HeldOp, Operation, OpResult};
use shared::account::{AccountPayment, Statement};
use shared::auth::{AuditEntry, EnrolledDevice, LockoutRule, OfflineStaff, StaffMember};
use shared::catalog::{Customer, Register};
use shared::report::{Period, RecordedCount, ReportScope};
use shared::sale::Sale;
use shared::stock::{SerialError, SerialEvent, SerialNumber};
use shared::sync::{CatalogPage, CustomerSummary, Device, HeldSale, PushResult, Setup, StoredSale};
use shared::tax::TaxRates;

#[async_trait]
pub trait Store: Send + Sync + 'static {
    // ---- the shop and its catalog

    /// No outlet yet: a database the demo shop may be loaded into.
    async fn is_empty(&self) -> anyhow::Result<bool>;
    /// Loads a whole shop (outlets in priority order, registers, products, customers, opening stock,
    /// accounts, staff) in one transaction.
    async fn load_shop(&self, shop: &crate::demo::Shop) -> anyhow::Result<()>;
    /// Loads `shop` unless the database already has outlets; whether it did. Several instances
    /// starting at once on one empty database load it once.
    async fn load_shop_if_empty(&self, shop: &crate::demo::Shop) -> anyhow::Result<bool> {
        if !self.is_empty().await? {
            return Ok(false);
        }
        self.load_shop(shop).await?;
        Ok(true)
    }
    async fn setup(&self) -> anyhow::Result<Setup>;
    async fn catalog_page(&self, after: Option<&str>, limit: u32) -> anyhow::Result<CatalogPage>;
    /// The IANA time zone of `outlet_id`, or of the first outlet (by priority) when `None`.
    async fn outlet_time_zone(&self, outlet_id: Option<&str>) -> anyhow::Result<Option<String>>;
    async fn register(&self, id: &str) -> anyhow::Result<Option<(Register, TaxRates)>>;
    async fn customers(&self) -> anyhow::Result<Vec<Customer>>;

    // ---- sales

    /// Decides (`shared::sync::accept_sale`) and writes one pushed sale, with its effects and audit
    /// entries; concurrent pushes of one sale or one device key — from any number of server
    /// instances — are decided one after the other.
    async fn push_sale(&self, device: &Device, device_outlet: Option<&str>, sale: &Sale) -> anyhow::Result<PushResult>;
    /// Unresolved held sales, oldest first: pushed by `pushed_by`, at one of `outlets` (`None`: all).
    async fn held_sales(&self, pushed_by: Option<&str>, outlets: Option<&[String]>, after: Option<i64>, limit: u32) -> anyhow::Result<Page<HeldSale>>;
    /// Newest first, at one of `outlets` (`None`: all).
    async fn list_sales(&self, limit: u32, register_id: Option<&str>, outlets: Option<&[String]>, before: Option<&SalesKey>) -> anyhow::Result<Page<StoredSale>>;
    /// Stock level per product at an outlet, by product id.
    async fn stock_levels(&self, outlet_id: &str) -> anyhow::Result<Vec<(String, i64)>>;
    /// A Z report's sales and payments on account (by `created_at_ms` in `period`).
    async fn sales_and_payments_in(&self, scope: &ReportScope, period: Period) -> anyhow::Result<(Vec<Sale>, Vec<AccountPayment>)>;
    /// Records a drawer count of the Z report (issue 12 item 5), audited at `outlet_id`.
    async fn record_cash_count(&self, count: &RecordedCount, outlet_id: &str) -> anyhow::Result<()>;
    /// The counts recorded for a scope and local day, newest first.
    async fn cash_counts(&self, scope: &ReportScope, date: &str) -> anyhow::Result<Vec<RecordedCount>>;

    // ---- serial numbers and conflicts

    async fn list_serials(&self, filter: &SerialFilter, outlets: Option<&[String]>, after: Option<&(String, String)>, limit: u32) -> anyhow::Result<Page<SerialNumber>>;
    /// A serial's events, oldest first, kept after it is deleted; empty when it was never on file.
    async fn serial_history(&self, product_id: &str, serial: &str) -> anyhow::Result<Vec<SerialEvent>>;
    /// All of a comma list or none; the refusal names every duplicate.
    async fn register_serials(&self, product_id: &str, outlet_id: &str, input: &str, audit: &Audit) -> anyhow::Result<Result<Vec<SerialNumber>, SerialRefusal>>;
    /// `Ok(Err(None))`: at another outlet than `outlets`.
    async fn delete_serial(&self, product_id: &str, serial: &str, outlets: Option<&[String]>, audit: &Audit) -> anyhow::Result<Result<SerialNumber, Option<SerialError>>>;
    async fn list_conflicts(&self, outlets: Option<&[String]>, after: Option<i64>, limit: u32) -> anyhow::Result<Page<Conflict>>;

    // ---- customers

    async fn customer_summaries(&self, after: Option<&(String, String)>, limit: u32) -> anyhow::Result<Page<CustomerSummary>>;
    async fn customer_summary(&self, id: &str) -> anyhow::Result<Option<CustomerSummary>>;
    async fn statement(&self, customer_id: &str, period: Period) -> anyhow::Result<Option<Statement>>;
    /// Creates (`create`) or edits a customer and their account terms (`shared::catalog::customer_edit`), audited.
    async fn save_customer(&self, c: &shared::catalog::customer_edit::CheckedCustomer, create: bool, audit: &Audit) -> anyhow::Result<Result<CustomerSummary, super::customers::CustomerRefusal>>;
    /// Idempotent on the payment's id.
    async fn record_payment(&self, customer_id: &str, payment: AccountPayment, audit: &Audit) -> anyhow::Result<Result<(PaymentStatus, AccountPayment), PaymentRefusal>>;

    // ---- operations (payments on account, serial registrations, stock adjustments, new customers)

    /// Decides (`shared::sync::ops::accept_op`) and applies one pushed operation exactly once, with its
    /// effects, in one transaction.
    async fn apply_op(&self, device: &Device, device_outlet: Option<&str>, op: &Operation) -> anyhow::Result<OpResult>;
    /// Unresolved held operations: pushed by `pushed_by`, at one of `outlets` (`None`: all).
    async fn held_ops(&self, pushed_by: Option<&str>, outlets: Option<&[String]>) -> anyhow::Result<Vec<HeldOp>>;

    // ---- the change log (sync down)

    /// The newest committed version.
    async fn change_head(&self) -> anyhow::Result<Version>;
    /// The changes after `since`, at most `limit`, within `outlets` (`None`: all).
    async fn changes_page(&self, since: Version, limit: u32, outlets: Option<&[String]>) -> anyhow::Result<Result<ChangePage, CursorAhead>>;
    /// An outlet's stock digest as of `version`.
    async fn stock_digest_at(&self, outlet_id: &str, version: Version, detail: bool) -> anyhow::Result<Result<StockDigest, DigestRefusal>>;

    // ---- live notifications

    /// Feeds `notifier` with every version another process commits (PostgreSQL: a `LISTEN` task). The
    /// default does nothing: SQLite has one process, whose writes the `api` router publishes after each
    /// write request (`publish_after_writes`).
    fn watch_changes(&self, _notifier: crate::notifier::Notifier) {}

    // ---- staff, sessions, lock-outs, audit

    async fn staff_by_email(&self, email: &str) -> anyhow::Result<Option<StaffRecord>>;
    async fn staff_by_id(&self, id: &str) -> anyhow::Result<Option<StaffRecord>>;
    async fn list_staff(&self, outlets: Option<&[String]>) -> anyhow::Result<Vec<StaffMember>>;
    async fn offline_staff(&self, outlet: &str) -> anyhow::Result<Vec<OfflineStaff>>;
    async fn create_staff(&self, s: &NewStaffRecord, audit: Option<Audit>) -> anyhow::Result<Result<StaffMember, StaffRefusal>>;
    async fn failures(&self, key: &str) -> anyhow::Result<Vec<i64>>;
    /// Counts an attempt at a secret before it is checked (see `SqliteStore::begin_attempt`): concurrent
    /// guesses, on any instance, are counted one after another.
    async fn begin_attempt(&self, keys: &[(&str, &LockoutRule)], now: i64) -> anyhow::Result<Attempt>;
    async fn forget_attempt(&self, ids: &[i64], clear: &str, audit: &Audit) -> anyhow::Result<()>;
    async fn record_failure(&self, key: &str, at_ms: i64, audits: &[Audit]) -> anyhow::Result<()>;
    async fn clear_failures(&self, key: &str) -> anyhow::Result<()>;
    async fn audit(&self, audits: &[Audit]) -> anyhow::Result<()>;
    async fn list_audit(&self, outlets: Option<&[String]>, filter: &super::auth::AuditFilter, before: Option<i64>, limit: u32) -> anyhow::Result<Vec<AuditEntry>>;
    async fn create_session(&self, staff_id: &str, token_hash: &str, csrf: &str, expires_at_ms: i64, attempt: (&[i64], &str), audit: &Audit) -> anyhow::Result<()>;
    async fn session(&self, token_hash: &str) -> anyhow::Result<Option<(StaffRecord, String)>>;
    async fn delete_session(&self, token_hash: &str, audit: &Audit) -> anyhow::Result<()>;

    // ---- devices and enrolment

    async fn device_record(&self, id: &str) -> anyhow::Result<Option<DeviceRecord>>;
    async fn list_devices(&self, outlets: Option<&[String]>) -> anyhow::Result<Vec<EnrolledDevice>>;
    async fn touch_device(&self, id: &str) -> anyhow::Result<()>;
    /// `None`: no such register. Else the register's outlet.
    async fn create_enrolment_code(&self, register_id: &str, code_hash: &str, created_by: &str, expires_at_ms: i64) -> anyhow::Result<Option<String>>;
    /// Uses a code once (even under concurrent attempts): the device, its register and outlet.
    async fn enrol(&self, device_id: &str, code_hash: &str, credential_hash: &str) -> anyhow::Result<Result<(Device, String, String), EnrolRefusal>>;
    async fn revoke_device(&self, id: &str, by: &str) -> anyhow::Result<Option<EnrolledDevice>>;

    // ---- orders out: the platform worker (store/online_out.rs; order operations go through apply_op)

    /// Claims up to `limit` status calls due at `now_ms` (an order's later call waits for its earlier
    /// one), leased to `token` until `lease_until_ms`, their attempt counted: two instances never hold one row.
    async fn claim_due_outbox(&self, now_ms: i64, lease_until_ms: i64, limit: i64, token: &str) -> anyhow::Result<Vec<super::online_out::OutboxRow>>;
    /// Extends the lease of the calls `token` still holds; their ids.
    async fn renew_outbox(&self, token: &str, lease_until_ms: i64) -> anyhow::Result<Vec<i64>>;
    /// `false`: `token` no longer holds the call (taken over), nothing written.
    async fn settle_outbox(&self, id: i64, token: &str, outcome: &super::online_out::Outcome, now_ms: i64) -> anyhow::Result<bool>;
    /// `None`: no such connection.
    async fn outbox_summary(&self, connection_id: &str) -> anyhow::Result<Option<super::online_out::OutboxSummary>>;
    /// A manager's retry of one failed call (`Some`) or of everything refused (`None`), audited.
    async fn retry_outbox(&self, connection_id: &str, call: Option<i64>, staff_id: &str, now_ms: i64) -> anyhow::Result<Result<super::online_out::Retried, super::online_out::RetryRefusal>>;
    async fn active_connections(&self) -> anyhow::Result<Vec<super::online_out::ConnectionRow>>;
    /// Takes the connection's stock-push lease for `token` (`None`: someone holds it, or its back-off runs).
    async fn claim_stock_push(&self, connection_id: &str, now_ms: i64, lease_until_ms: i64, token: &str) -> anyhow::Result<Option<super::online_out::StockLease>>;
    /// `false`: the lease was taken over.
    async fn renew_stock_push(&self, connection_id: &str, token: &str, lease_until_ms: i64) -> anyhow::Result<bool>;
    /// Products whose stock changed at `outlets` after version `since` (at most `limit`), with their levels there.
    async fn stock_touched_since(&self, since: i64, outlets: &[String], limit: i64) -> anyhow::Result<super::online_out::StockTouch>;
    /// Products whose level the platform refused (only those due again when `due_only`), with their levels now.
    async fn refused_stock(&self, connection_id: &str, outlets: &[String], due_only: bool, limit: i64) -> anyhow::Result<Vec<super::online_out::TouchedProduct>>;
    /// A batch taken: cursor, refusals and lease in one transaction (`false`: taken over, nothing written).
    #[allow(clippy::too_many_arguments)]
    async fn finish_stock_batch(&self, connection_id: &str, token: &str, upto: i64, taken: &[String], refused: &[super::online_out::RefusedLevel], now_ms: i64, lease_until_ms: i64) -> anyhow::Result<bool>;
    /// A push not taken: back-off until `at_ms`, lease released (`false`: taken over, nothing written).
    async fn fail_stock_push(&self, connection_id: &str, token: &str, at_ms: i64, error: &str) -> anyhow::Result<bool>;
    async fn release_stock_push(&self, connection_id: &str, token: &str) -> anyhow::Result<()>;
    // ---- online orders in (issue 11; `store/online_in.rs`, `store/postgres/online_in.rs`)

    /// A connected store under `id`; `outlets`: the caller's (`None`: an admin), which must hold the
    /// orders register's outlet and every online outlet.
    async fn create_connection(&self, new: &crate::online::NewConnection, id: &str, outlets: Option<&[String]>) -> anyhow::Result<Result<shared::online::ConnectionView, crate::online::ConnectionRefusal>>;
    /// Connected stores whose orders register is at one of `outlets` (`None`: all); never credentials.
    async fn connections(&self, outlets: Option<&[String]>) -> anyhow::Result<Vec<shared::online::ConnectionView>>;
    /// One connection with its credentials (server side only: bridges, webhooks, reconciliation).
    async fn connection(&self, id: &str) -> anyhow::Result<Option<crate::online::ConnectionRecord>>;
    async fn set_online_outlets(&self, id: &str, chosen: &[String], outlets: Option<&[String]>) -> anyhow::Result<Result<shared::online::ConnectionView, crate::online::ConnectionRefusal>>;
    /// Edits a connection (name, base URL, credentials, options, orders register), audited under
    /// `staff_id`; `UnknownConnection` also for one at another outlet than `outlets`.
    async fn update_connection(&self, id: &str, patch: &crate::online::ConnectionPatch, outlets: Option<&[String]>, staff_id: &str) -> anyhow::Result<Result<shared::online::ConnectionView, crate::online::ConnectionRefusal>>;
    /// Deactivates or reactivates a connection, audited; reactivating keeps one active connection per store.
    async fn set_connection_active(&self, id: &str, active: bool, outlets: Option<&[String]>, staff_id: &str) -> anyhow::Result<Result<shared::online::ConnectionView, crate::online::ConnectionRefusal>>;
    /// Orders modified before this time were pulled (never moves back).
    async fn set_reconciled_until(&self, id: &str, until_ms: i64) -> anyhow::Result<()>;
    /// One webhook delivery (or reconciled order) in one transaction: its key recorded (a repeat is
    /// `Duplicate`, nothing else done), the order taken in, updated, or held. Concurrent deliveries of
    /// one order — from any number of instances — are decided one after the other.
    async fn ingest_order(&self, connection_id: &str, delivery_key: &str, order: Option<&shared::online::IncomingOrder>) -> anyhow::Result<crate::online::IngestOutcome>;
    /// The orders page: parts at one of `outlets` (`None`: all) matching `filter`, oldest first.
    async fn list_orders(&self, filter: &crate::online::OrdersFilter, outlets: Option<&[String]>, after: Option<&crate::online::OrdersKey>, limit: u32) -> anyhow::Result<Page<shared::online::OrderPartView>>;
    /// Every part of one order, finished or not.
    async fn order(&self, order_id: &str) -> anyhow::Result<Vec<shared::online::OrderPartView>>;
    /// Unresolved held platform orders of connections whose orders register is at one of `outlets`.
    async fn held_online_orders(&self, outlets: Option<&[String]>, after: Option<i64>, limit: u32) -> anyhow::Result<Page<shared::online::HeldOnlineOrder>>;
    /// `ingest_order` with its options (`online::held::IngestOptions`): the raw body kept with a hold the
    /// store decides, a manager's retry taking in an order placed before the connection, the held row
    /// resolved in the same transaction.
    async fn ingest_order_with(&self, connection_id: &str, delivery_key: &str, order: Option<&shared::online::IncomingOrder>, opts: crate::online::held::IngestOptions<'_>) -> anyhow::Result<crate::online::IngestOutcome>;
    /// Holds what could not be taken in (one row per order, rewritten), in its own transaction.
    async fn hold_online_order(&self, hold: &crate::online::held::NewHold<'_>) -> anyhow::Result<i64>;
    /// A connection's unresolved `platform_unreachable` holds, oldest first.
    async fn pending_fetches(&self, connection_id: &str, limit: u32) -> anyhow::Result<Vec<shared::online::HeldOnlineOrder>>;
    /// The reconciliation sweep under way for a connection.
    async fn reconcile_progress(&self, connection_id: &str) -> anyhow::Result<Option<crate::online::reconcile::ReconcileProgress>>;
    /// Saves (or clears) a sweep's progress and, when it ended, moves the connection's mark; at once.
    async fn save_reconcile_progress(&self, connection_id: &str, progress: Option<&crate::online::reconcile::ReconcileProgress>, mark: Option<i64>) -> anyhow::Result<()>;

    // ---- sales history and the inbox (issue 12; `store/history.rs`, `store/inbox.rs` and their postgres twins)

    /// Sales at one of `outlets` (`None`: all) matching `filter`, newest made first, after `after`.
    async fn sales_history(&self, filter: &super::history::HistoryFilter, outlets: Option<&[String]>, after: Option<&super::history::HistoryKey>, limit: u32) -> anyhow::Result<Page<shared::sales_history::SaleSummary>>;
    /// One sale with its returns, customer and online order (`None`: no such sale).
    async fn sale_details(&self, id: &str) -> anyhow::Result<Option<shared::sales_history::SaleDetails>>;
    /// Inbox items at one of `outlets` (`None`: all) matching `filter`, oldest first, after `after`.
    async fn inbox(&self, filter: &super::inbox::InboxFilter, outlets: Option<&[String]>, after: Option<&super::inbox::InboxKey>, limit: u32) -> anyhow::Result<Page<shared::inbox::InboxItem>>;
    async fn inbox_item(&self, id: &shared::inbox::ItemId, outlets: Option<&[String]>) -> anyhow::Result<Option<shared::inbox::InboxItem>>;
    /// Decides (`shared::inbox::decide`) and writes one resolution with its effect and audit entry, once
    /// per resolution id; a held online order's retry is left to the caller (`InboxRefusal::Retry`).
    async fn resolve_inbox(&self, id: &shared::inbox::ItemId, request: &shared::inbox::ResolveRequest, staff_id: &str, outlets: Option<&[String]>) -> anyhow::Result<Result<super::inbox::Resolved, super::inbox::InboxRefusal>>;
    /// Records a retry's resolution after the orders' retry ran.
    async fn record_retry(&self, before: &shared::inbox::InboxItem, request: &shared::inbox::ResolveRequest, staff_id: &str, closes: bool, outcome: serde_json::Value) -> anyhow::Result<super::inbox::Resolved>;

    // ---- Catalogue › Produits and CSV files (store/products.rs, store/postgres/products.rs)

    async fn product(&self, id: &str) -> anyhow::Result<Option<shared::catalog::Product>>;
    /// Creates a product already checked by `shared::catalog::edit`, audited.
    async fn create_product(&self, p: &shared::catalog::Product, audit: &Audit) -> anyhow::Result<Result<shared::catalog::Product, super::products::ProductRefusal>>;
    /// Edits a product (`shared::catalog::edit::apply_patch`), audited; a price change enters the price history.
    async fn update_product(&self, id: &str, patch: &shared::catalog::edit::ProductPatch, audit: &Audit) -> anyhow::Result<Result<shared::catalog::edit::Edit, super::products::ProductRefusal>>;
    async fn search_products(&self, search: &super::products::ProductSearch, after: Option<&super::products::ProductKey>, limit: u32) -> anyhow::Result<Page<shared::catalog::Product>>;
    /// Plans an import (`shared::catalog::import`) and, when `apply` and clean, writes it all in one transaction.
    async fn import_products(&self, rows: Vec<shared::catalog::import::ProductRow>, read_errors: Vec<shared::catalog::import::RowError>, apply: bool, audit: &Audit) -> anyhow::Result<shared::catalog::import::ImportReport>;
    async fn import_customers(&self, rows: Vec<shared::catalog::import::CustomerRow>, read_errors: Vec<shared::catalog::import::RowError>, apply: bool, audit: &Audit) -> anyhow::Result<shared::catalog::import::ImportReport>;
    /// Rows at `outlets` only (`None`: any).
    async fn import_serials(&self, rows: Vec<shared::catalog::import::SerialRow>, read_errors: Vec<shared::catalog::import::RowError>, outlets: Option<&[String]>, apply: bool, audit: &Audit) -> anyhow::Result<shared::catalog::import::ImportReport>;
    /// Customers by id after `after`, at most `limit` (the export's pages).
    async fn customers_by_id(&self, after: Option<&str>, limit: u32) -> anyhow::Result<Vec<Customer>>;

    // ---- sales history: notes added to a sale

    /// Adds a manager's note to a sale once by its id: the note as on file and whether this call added it.
    async fn add_sale_note(&self, sale_id: &str, outlet_id: &str, note: &shared::sales_history::NewSaleNote, staff_id: &str) -> anyhow::Result<Result<(shared::sales_history::SaleNote, bool), shared::sales_history::NoteRefusal>>;
    // ---- Administration: outlets, registers, staff (issue 12 item 7; store/admin.rs, store/postgres/admin.rs)

    /// Which connected stores offer each outlet's stock online: (outlet id, offer).
    async fn online_offers(&self) -> anyhow::Result<Vec<(String, shared::outlets::OnlineOffer)>>;
    /// A new outlet (checked by `shared::outlets`), last in allocation order, audited under `by`.
    async fn create_outlet(&self, o: &shared::catalog::Outlet, by: &str) -> anyhow::Result<Result<shared::catalog::Outlet, super::admin::AdminRefusal>>;
    /// Edits an outlet (`shared::outlets::apply_outlet_patch` against the bundled time-zone database), audited.
    async fn update_outlet(&self, id: &str, patch: &shared::outlets::OutletPatch, by: &str) -> anyhow::Result<Result<shared::catalog::Outlet, super::admin::AdminRefusal>>;
    /// The whole allocation order (`shared::outlets::reorder`), every store's online outlets ranked by it, audited.
    async fn reorder_outlets(&self, order: &[String], by: &str) -> anyhow::Result<Result<(), super::admin::AdminRefusal>>;
    /// A new register at an outlet, audited.
    async fn create_register(&self, r: &Register, by: &str) -> anyhow::Result<Result<Register, super::admin::AdminRefusal>>;
    /// Every staff member, active or not, at one of `outlets` (`None`: all).
    async fn staff_accounts(&self, outlets: Option<&[String]>) -> anyhow::Result<Vec<shared::auth::staff::StaffAccount>>;
    /// Edits a staff member (`shared::auth::staff::apply_staff_patch` against the active admins), audited.
    async fn update_staff(&self, id: &str, patch: &shared::auth::staff::StaffPatch, secrets: &super::admin::NewSecrets, by: &str) -> anyhow::Result<Result<shared::auth::staff::StaffAccount, super::admin::StaffUpdateRefusal>>;

    // ---- lifetime

    /// Closes the connections (a server restart in tests; the end of a command).
    async fn close(&self);
}
