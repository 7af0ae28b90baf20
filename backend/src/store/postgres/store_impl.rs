//! `Store` for PostgreSQL: each method is the `PgStore` method of the same name (in `shop.rs`,
//! `push.rs`, `auth.rs`, …), where the SQL lives.

use crate::store::auth::{Attempt, Audit, DeviceRecord, EnrolRefusal, NewStaffRecord, StaffRecord, StaffRefusal};
use crate::store::customers::{PaymentRefusal, PaymentStatus};
use super::PgStore;
use crate::store::{Conflict, CursorAhead, DigestRefusal, SerialFilter, SerialRefusal, Store};
use crate::store::page::Page;
use crate::store::sqlite::SalesKey;
use crate::notifier::Notifier;
use shared::sync::changes::{ChangePage, StockDigest, Version};
use shared::sync::ops::{HeldOp, Operation, OpResult};
use async_trait::async_trait;
use shared::account::{AccountPayment, Statement};
use shared::auth::{AuditEntry, EnrolledDevice, LockoutRule, OfflineStaff, StaffMember};
use shared::catalog::{Customer, Register};
use shared::report::{Period, RecordedCount, ReportScope};
use shared::sale::Sale;
use shared::stock::{SerialError, SerialEvent, SerialNumber};
use shared::sync::{CatalogPage, CustomerSummary, Device, HeldSale, PushResult, Setup, StoredSale};
use shared::tax::TaxRates;

#[async_trait]
impl Store for PgStore {
    async fn is_empty(&self) -> anyhow::Result<bool> {
        PgStore::is_empty(self).await
    }
    async fn load_shop(&self, shop: &crate::demo::Shop) -> anyhow::Result<()> {
        PgStore::load_shop(self, shop).await
    }
    async fn load_shop_if_empty(&self, shop: &crate::demo::Shop) -> anyhow::Result<bool> {
        PgStore::load_shop_if_empty(self, shop).await
    }
    async fn setup(&self) -> anyhow::Result<Setup> {
        PgStore::setup(self).await
    }
    async fn catalog_page(&self, after: Option<&str>, limit: u32) -> anyhow::Result<CatalogPage> {
        PgStore::catalog_page(self, after, limit).await
    }
    async fn outlet_time_zone(&self, outlet_id: Option<&str>) -> anyhow::Result<Option<String>> {
        PgStore::outlet_time_zone(self, outlet_id).await
    }
    async fn register(&self, id: &str) -> anyhow::Result<Option<(Register, TaxRates)>> {
        PgStore::register(self, id).await
    }
    async fn customers(&self) -> anyhow::Result<Vec<Customer>> {
        PgStore::customers(self).await
    }
    async fn push_sale(&self, device: &Device, device_outlet: Option<&str>, sale: &Sale) -> anyhow::Result<PushResult> {
        PgStore::push_sale(self, device, device_outlet, sale).await
    }
    async fn held_sales(&self, pushed_by: Option<&str>, outlets: Option<&[String]>, after: Option<i64>, limit: u32) -> anyhow::Result<Page<HeldSale>> {
        PgStore::held_sales(self, pushed_by, outlets, after, limit).await
    }
    async fn list_sales(&self, limit: u32, register_id: Option<&str>, outlets: Option<&[String]>, before: Option<&SalesKey>) -> anyhow::Result<Page<StoredSale>> {
        PgStore::list_sales(self, limit, register_id, outlets, before).await
    }
    async fn stock_levels(&self, outlet_id: &str) -> anyhow::Result<Vec<(String, i64)>> {
        PgStore::stock_levels(self, outlet_id).await
    }
    async fn sales_and_payments_in(&self, scope: &ReportScope, period: Period) -> anyhow::Result<(Vec<Sale>, Vec<AccountPayment>)> {
        PgStore::sales_and_payments_in(self, scope, period).await
    }
    async fn record_cash_count(&self, count: &RecordedCount, outlet_id: &str) -> anyhow::Result<()> {
        PgStore::record_cash_count(self, count, outlet_id).await
    }
    async fn cash_counts(&self, scope: &ReportScope, date: &str) -> anyhow::Result<Vec<RecordedCount>> {
        PgStore::cash_counts(self, scope, date).await
    }
    async fn list_serials(&self, filter: &SerialFilter, outlets: Option<&[String]>, after: Option<&(String, String)>, limit: u32) -> anyhow::Result<Page<SerialNumber>> {
        PgStore::list_serials(self, filter, outlets, after, limit).await
    }
    async fn serial_history(&self, product_id: &str, serial: &str) -> anyhow::Result<Vec<SerialEvent>> {
        PgStore::serial_history(self, product_id, serial).await
    }
    async fn register_serials(&self, product_id: &str, outlet_id: &str, input: &str, audit: &Audit) -> anyhow::Result<Result<Vec<SerialNumber>, SerialRefusal>> {
        PgStore::register_serials(self, product_id, outlet_id, input, audit).await
    }
    async fn delete_serial(&self, product_id: &str, serial: &str, outlets: Option<&[String]>, audit: &Audit) -> anyhow::Result<Result<SerialNumber, Option<SerialError>>> {
        PgStore::delete_serial(self, product_id, serial, outlets, audit).await
    }
    async fn list_conflicts(&self, outlets: Option<&[String]>, after: Option<i64>, limit: u32) -> anyhow::Result<Page<Conflict>> {
        PgStore::list_conflicts(self, outlets, after, limit).await
    }
    async fn customer_summaries(&self, after: Option<&(String, String)>, limit: u32) -> anyhow::Result<Page<CustomerSummary>> {
        PgStore::customer_summaries(self, after, limit).await
    }
    async fn customer_summary(&self, id: &str) -> anyhow::Result<Option<CustomerSummary>> {
        PgStore::customer_summary(self, id).await
    }
    async fn statement(&self, customer_id: &str, period: Period) -> anyhow::Result<Option<Statement>> {
        PgStore::statement(self, customer_id, period).await
    }
    async fn save_customer(&self, c: &shared::catalog::customer_edit::CheckedCustomer, create: bool, audit: &Audit) -> anyhow::Result<Result<CustomerSummary, crate::store::customers::CustomerRefusal>> {
        PgStore::save_customer(self, c, create, audit).await
    }
    async fn record_payment(&self, customer_id: &str, payment: AccountPayment, audit: &Audit) -> anyhow::Result<Result<(PaymentStatus, AccountPayment), PaymentRefusal>> {
        PgStore::record_payment(self, customer_id, payment, audit).await
    }
    async fn apply_op(&self, device: &Device, device_outlet: Option<&str>, op: &Operation) -> anyhow::Result<OpResult> {
        PgStore::apply_op(self, device, device_outlet, op).await
    }
    async fn held_ops(&self, pushed_by: Option<&str>, outlets: Option<&[String]>) -> anyhow::Result<Vec<HeldOp>> {
        PgStore::held_ops(self, pushed_by, outlets).await
    }
    async fn change_head(&self) -> anyhow::Result<Version> {
        PgStore::change_head(self).await
    }
    async fn changes_page(&self, since: Version, limit: u32, outlets: Option<&[String]>) -> anyhow::Result<Result<ChangePage, CursorAhead>> {
        PgStore::changes_page(self, since, limit, outlets).await
    }
    async fn stock_digest_at(&self, outlet_id: &str, version: Version, detail: bool) -> anyhow::Result<Result<StockDigest, DigestRefusal>> {
        PgStore::stock_digest_at(self, outlet_id, version, detail).await
    }
    fn watch_changes(&self, notifier: Notifier) {
        PgStore::watch_changes(self, notifier)
    }
    async fn staff_by_email(&self, email: &str) -> anyhow::Result<Option<StaffRecord>> {
        PgStore::staff_by_email(self, email).await
    }
    async fn staff_by_id(&self, id: &str) -> anyhow::Result<Option<StaffRecord>> {
        PgStore::staff_by_id(self, id).await
    }
    async fn list_staff(&self, outlets: Option<&[String]>) -> anyhow::Result<Vec<StaffMember>> {
        PgStore::list_staff(self, outlets).await
    }
    async fn offline_staff(&self, outlet: &str) -> anyhow::Result<Vec<OfflineStaff>> {
        PgStore::offline_staff(self, outlet).await
    }
    async fn create_staff(&self, s: &NewStaffRecord, audit: Option<Audit>) -> anyhow::Result<Result<StaffMember, StaffRefusal>> {
        PgStore::create_staff(self, s, audit).await
    }
    async fn failures(&self, key: &str) -> anyhow::Result<Vec<i64>> {
        PgStore::failures(self, key).await
    }
    async fn begin_attempt(&self, keys: &[(&str, &LockoutRule)], now: i64) -> anyhow::Result<Attempt> {
        PgStore::begin_attempt(self, keys, now).await
    }
    async fn forget_attempt(&self, ids: &[i64], clear: &str, audit: &Audit) -> anyhow::Result<()> {
        PgStore::forget_attempt(self, ids, clear, audit).await
    }
    async fn record_failure(&self, key: &str, at_ms: i64, audits: &[Audit]) -> anyhow::Result<()> {
        PgStore::record_failure(self, key, at_ms, audits).await
    }
    async fn clear_failures(&self, key: &str) -> anyhow::Result<()> {
        PgStore::clear_failures(self, key).await
    }
    async fn audit(&self, audits: &[Audit]) -> anyhow::Result<()> {
        PgStore::audit(self, audits).await
    }
    async fn list_audit(&self, outlets: Option<&[String]>, filter: &crate::store::auth::AuditFilter, before: Option<i64>, limit: u32) -> anyhow::Result<Vec<AuditEntry>> {
        PgStore::list_audit(self, outlets, filter, before, limit).await
    }
    async fn create_session(&self, staff_id: &str, token_hash: &str, csrf: &str, expires_at_ms: i64, attempt: (&[i64], &str), audit: &Audit) -> anyhow::Result<()> {
        PgStore::create_session(self, staff_id, token_hash, csrf, expires_at_ms, attempt, audit).await
    }
    async fn session(&self, token_hash: &str) -> anyhow::Result<Option<(StaffRecord, String)>> {
        PgStore::session(self, token_hash).await
    }
    async fn delete_session(&self, token_hash: &str, audit: &Audit) -> anyhow::Result<()> {
        PgStore::delete_session(self, token_hash, audit).await
    }
    async fn device_record(&self, id: &str) -> anyhow::Result<Option<DeviceRecord>> {
        PgStore::device_record(self, id).await
    }
    async fn list_devices(&self, outlets: Option<&[String]>) -> anyhow::Result<Vec<EnrolledDevice>> {
        PgStore::list_devices(self, outlets).await
    }
    async fn touch_device(&self, id: &str) -> anyhow::Result<()> {
        PgStore::touch_device(self, id).await
    }
    async fn create_enrolment_code(&self, register_id: &str, code_hash: &str, created_by: &str, expires_at_ms: i64) -> anyhow::Result<Option<String>> {
        PgStore::create_enrolment_code(self, register_id, code_hash, created_by, expires_at_ms).await
    }
    async fn enrol(&self, device_id: &str, code_hash: &str, credential_hash: &str) -> anyhow::Result<Result<(Device, String, String), EnrolRefusal>> {
        PgStore::enrol(self, device_id, code_hash, credential_hash).await
    }
    async fn revoke_device(&self, id: &str, by: &str) -> anyhow::Result<Option<EnrolledDevice>> {
        PgStore::revoke_device(self, id, by).await
    }
    async fn claim_due_outbox(&self, now_ms: i64, lease_until_ms: i64, limit: i64, token: &str) -> anyhow::Result<Vec<crate::store::online_out::OutboxRow>> {
        PgStore::claim_due_outbox(self, now_ms, lease_until_ms, limit, token).await
    }
    async fn renew_outbox(&self, token: &str, lease_until_ms: i64) -> anyhow::Result<Vec<i64>> {
        PgStore::renew_outbox(self, token, lease_until_ms).await
    }
    async fn settle_outbox(&self, id: i64, token: &str, outcome: &crate::store::online_out::Outcome, now_ms: i64) -> anyhow::Result<bool> {
        PgStore::settle_outbox(self, id, token, outcome, now_ms).await
    }
    async fn outbox_summary(&self, connection_id: &str) -> anyhow::Result<Option<crate::store::online_out::OutboxSummary>> {
        PgStore::outbox_summary(self, connection_id).await
    }
    async fn retry_outbox(&self, connection_id: &str, call: Option<i64>, staff_id: &str, now_ms: i64) -> anyhow::Result<Result<crate::store::online_out::Retried, crate::store::online_out::RetryRefusal>> {
        PgStore::retry_outbox(self, connection_id, call, staff_id, now_ms).await
    }
    async fn active_connections(&self) -> anyhow::Result<Vec<crate::store::online_out::ConnectionRow>> {
        PgStore::active_connections(self).await
    }
    async fn claim_stock_push(&self, connection_id: &str, now_ms: i64, lease_until_ms: i64, token: &str) -> anyhow::Result<Option<crate::store::online_out::StockLease>> {
        PgStore::claim_stock_push(self, connection_id, now_ms, lease_until_ms, token).await
    }
    async fn renew_stock_push(&self, connection_id: &str, token: &str, lease_until_ms: i64) -> anyhow::Result<bool> {
        PgStore::renew_stock_push(self, connection_id, token, lease_until_ms).await
    }
    async fn stock_touched_since(&self, since: i64, outlets: &[String], limit: i64) -> anyhow::Result<crate::store::online_out::StockTouch> {
        PgStore::stock_touched_since(self, since, outlets, limit).await
    }
    async fn refused_stock(&self, connection_id: &str, outlets: &[String], due_only: bool, limit: i64) -> anyhow::Result<Vec<crate::store::online_out::TouchedProduct>> {
        PgStore::refused_stock(self, connection_id, outlets, due_only, limit).await
    }
    async fn finish_stock_batch(&self, connection_id: &str, token: &str, upto: i64, taken: &[String], refused: &[crate::store::online_out::RefusedLevel], now_ms: i64, lease_until_ms: i64) -> anyhow::Result<bool> {
        PgStore::finish_stock_batch(self, connection_id, token, upto, taken, refused, now_ms, lease_until_ms).await
    }
    async fn fail_stock_push(&self, connection_id: &str, token: &str, at_ms: i64, error: &str) -> anyhow::Result<bool> {
        PgStore::fail_stock_push(self, connection_id, token, at_ms, error).await
    }
    async fn release_stock_push(&self, connection_id: &str, token: &str) -> anyhow::Result<()> {
        PgStore::release_stock_push(self, connection_id, token).await
    }
    async fn create_connection(&self, new: &crate::online::NewConnection, id: &str, outlets: Option<&[String]>) -> anyhow::Result<Result<shared::online::ConnectionView, crate::online::ConnectionRefusal>> {
        PgStore::create_connection(self, new, id, outlets).await
    }
    async fn connections(&self, outlets: Option<&[String]>) -> anyhow::Result<Vec<shared::online::ConnectionView>> {
        PgStore::connections(self, outlets).await
    }
    async fn connection(&self, id: &str) -> anyhow::Result<Option<crate::online::ConnectionRecord>> {
        PgStore::connection(self, id).await
    }
    async fn set_online_outlets(&self, id: &str, chosen: &[String], outlets: Option<&[String]>) -> anyhow::Result<Result<shared::online::ConnectionView, crate::online::ConnectionRefusal>> {
        PgStore::set_online_outlets(self, id, chosen, outlets).await
    }
    async fn update_connection(&self, id: &str, patch: &crate::online::ConnectionPatch, outlets: Option<&[String]>, staff_id: &str) -> anyhow::Result<Result<shared::online::ConnectionView, crate::online::ConnectionRefusal>> {
        PgStore::update_connection(self, id, patch, outlets, staff_id).await
    }
    async fn set_connection_active(&self, id: &str, active: bool, outlets: Option<&[String]>, staff_id: &str) -> anyhow::Result<Result<shared::online::ConnectionView, crate::online::ConnectionRefusal>> {
        PgStore::set_connection_active(self, id, active, outlets, staff_id).await
    }
    async fn set_reconciled_until(&self, id: &str, until_ms: i64) -> anyhow::Result<()> {
        PgStore::set_reconciled_until(self, id, until_ms).await
    }
    async fn ingest_order(&self, connection_id: &str, delivery_key: &str, order: Option<&shared::online::IncomingOrder>) -> anyhow::Result<crate::online::IngestOutcome> {
        PgStore::ingest_order(self, connection_id, delivery_key, order).await
    }
    async fn list_orders(&self, filter: &crate::online::OrdersFilter, outlets: Option<&[String]>, after: Option<&crate::online::OrdersKey>, limit: u32) -> anyhow::Result<Page<shared::online::OrderPartView>> {
        PgStore::list_orders(self, filter, outlets, after, limit).await
    }
    async fn order(&self, order_id: &str) -> anyhow::Result<Vec<shared::online::OrderPartView>> {
        PgStore::order(self, order_id).await
    }
    async fn held_online_orders(&self, outlets: Option<&[String]>, after: Option<i64>, limit: u32) -> anyhow::Result<Page<shared::online::HeldOnlineOrder>> {
        PgStore::held_online_orders(self, outlets, after, limit).await
    }
    async fn ingest_order_with(&self, connection_id: &str, delivery_key: &str, order: Option<&shared::online::IncomingOrder>, opts: crate::online::held::IngestOptions<'_>) -> anyhow::Result<crate::online::IngestOutcome> {
        PgStore::ingest_order_with(self, connection_id, delivery_key, order, opts).await
    }
    async fn hold_online_order(&self, hold: &crate::online::held::NewHold<'_>) -> anyhow::Result<i64> {
        PgStore::hold_online_order(self, hold).await
    }
    async fn pending_fetches(&self, connection_id: &str, limit: u32) -> anyhow::Result<Vec<shared::online::HeldOnlineOrder>> {
        PgStore::pending_fetches(self, connection_id, limit).await
    }
    async fn reconcile_progress(&self, connection_id: &str) -> anyhow::Result<Option<crate::online::reconcile::ReconcileProgress>> {
        PgStore::reconcile_progress(self, connection_id).await
    }
    async fn save_reconcile_progress(&self, connection_id: &str, progress: Option<&crate::online::reconcile::ReconcileProgress>, mark: Option<i64>) -> anyhow::Result<()> {
        PgStore::save_reconcile_progress(self, connection_id, progress, mark).await
    }
    async fn sales_history(&self, filter: &crate::store::history::HistoryFilter, outlets: Option<&[String]>, after: Option<&crate::store::history::HistoryKey>, limit: u32) -> anyhow::Result<Page<shared::sales_history::SaleSummary>> {
        PgStore::sales_history(self, filter, outlets, after, limit).await
    }
    async fn sale_details(&self, id: &str) -> anyhow::Result<Option<shared::sales_history::SaleDetails>> {
        PgStore::sale_details(self, id).await
    }
    async fn inbox(&self, filter: &crate::store::inbox::InboxFilter, outlets: Option<&[String]>, after: Option<&crate::store::inbox::InboxKey>, limit: u32) -> anyhow::Result<Page<shared::inbox::InboxItem>> {
        PgStore::inbox(self, filter, outlets, after, limit).await
    }
    async fn inbox_item(&self, id: &shared::inbox::ItemId, outlets: Option<&[String]>) -> anyhow::Result<Option<shared::inbox::InboxItem>> {
        PgStore::inbox_item(self, id, outlets).await
    }
    async fn resolve_inbox(&self, id: &shared::inbox::ItemId, request: &shared::inbox::ResolveRequest, staff_id: &str, outlets: Option<&[String]>) -> anyhow::Result<Result<crate::store::inbox::Resolved, crate::store::inbox::InboxRefusal>> {
        PgStore::resolve_inbox(self, id, request, staff_id, outlets).await
    }
    async fn record_retry(&self, before: &shared::inbox::InboxItem, request: &shared::inbox::ResolveRequest, staff_id: &str, closes: bool, outcome: serde_json::Value) -> anyhow::Result<crate::store::inbox::Resolved> {
        PgStore::record_retry(self, before, request, staff_id, closes, outcome).await
    }
    async fn product(&self, id: &str) -> anyhow::Result<Option<shared::catalog::Product>> {
        PgStore::product(self, id).await
    }
    async fn create_product(&self, p: &shared::catalog::Product, audit: &Audit) -> anyhow::Result<Result<shared::catalog::Product, crate::store::products::ProductRefusal>> {
        PgStore::create_product(self, p, audit).await
    }
    async fn update_product(&self, id: &str, patch: &shared::catalog::edit::ProductPatch, audit: &Audit) -> anyhow::Result<Result<shared::catalog::edit::Edit, crate::store::products::ProductRefusal>> {
        PgStore::update_product(self, id, patch, audit).await
    }
    async fn search_products(&self, search: &crate::store::products::ProductSearch, after: Option<&crate::store::products::ProductKey>, limit: u32) -> anyhow::Result<Page<shared::catalog::Product>> {
        PgStore::search_products(self, search, after, limit).await
    }
    async fn import_products(&self, rows: Vec<shared::catalog::import::ProductRow>, read_errors: Vec<shared::catalog::import::RowError>, apply: bool, audit: &Audit) -> anyhow::Result<shared::catalog::import::ImportReport> {
        PgStore::import_products(self, rows, read_errors, apply, audit).await
    }
    async fn import_customers(&self, rows: Vec<shared::catalog::import::CustomerRow>, read_errors: Vec<shared::catalog::import::RowError>, apply: bool, audit: &Audit) -> anyhow::Result<shared::catalog::import::ImportReport> {
        PgStore::import_customers(self, rows, read_errors, apply, audit).await
    }
    async fn import_serials(&self, rows: Vec<shared::catalog::import::SerialRow>, read_errors: Vec<shared::catalog::import::RowError>, outlets: Option<&[String]>, apply: bool, audit: &Audit) -> anyhow::Result<shared::catalog::import::ImportReport> {
        PgStore::import_serials(self, rows, read_errors, outlets, apply, audit).await
    }
    async fn customers_by_id(&self, after: Option<&str>, limit: u32) -> anyhow::Result<Vec<Customer>> {
        PgStore::customers_by_id(self, after, limit).await
    }
    async fn add_sale_note(&self, sale_id: &str, outlet_id: &str, note: &shared::sales_history::NewSaleNote, staff_id: &str) -> anyhow::Result<Result<(shared::sales_history::SaleNote, bool), shared::sales_history::NoteRefusal>> {
        PgStore::add_sale_note(self, sale_id, outlet_id, note, staff_id).await
    }
    async fn online_offers(&self) -> anyhow::Result<Vec<(String, shared::outlets::OnlineOffer)>> {
        PgStore::online_offers(self).await
    }
    async fn create_outlet(&self, o: &shared::catalog::Outlet, by: &str) -> anyhow::Result<Result<shared::catalog::Outlet, crate::store::admin::AdminRefusal>> {
        PgStore::create_outlet(self, o, by).await
    }
    async fn update_outlet(&self, id: &str, patch: &shared::outlets::OutletPatch, by: &str) -> anyhow::Result<Result<shared::catalog::Outlet, crate::store::admin::AdminRefusal>> {
        PgStore::update_outlet(self, id, patch, by).await
    }
    async fn reorder_outlets(&self, order: &[String], by: &str) -> anyhow::Result<Result<(), crate::store::admin::AdminRefusal>> {
        PgStore::reorder_outlets(self, order, by).await
    }
    async fn create_register(&self, r: &Register, by: &str) -> anyhow::Result<Result<Register, crate::store::admin::AdminRefusal>> {
        PgStore::create_register(self, r, by).await
    }
    async fn staff_accounts(&self, outlets: Option<&[String]>) -> anyhow::Result<Vec<shared::auth::staff::StaffAccount>> {
        PgStore::staff_accounts(self, outlets).await
    }
    async fn update_staff(&self, id: &str, patch: &shared::auth::staff::StaffPatch, secrets: &crate::store::admin::NewSecrets, by: &str) -> anyhow::Result<Result<shared::auth::staff::StaffAccount, crate::store::admin::StaffUpdateRefusal>> {
        PgStore::update_staff(self, id, patch, secrets, by).await
    }
    async fn close(&self) {
        self.pool().close().await
    }
}
