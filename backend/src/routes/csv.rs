//! CSV files of products, customers and serial numbers (issue 12): `GET /export/{kind}.csv` streams
//! the file page by page; `POST /import/{kind}?dry_run=` reads one (RFC 4180, the `csv` crate), checks
//! every row with the same rules as the edit routes (`shared::catalog::import`) and answers a preview
//! — counts, the first rows' changes, every error by row and column. With `dry_run=false` and no error
//! the whole file is written in one transaction; with any error nothing is (422, the errors).
//! Exporting then importing the same file changes nothing.

use crate::auth::Authenticated;
use crate::error::{AppError, AppQuery};
use crate::store::auth::Audit;
use crate::store::Store;
use crate::AppState;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use shared::auth::{AuditAction, Caller};
use shared::catalog::import::{
    customer_record, product_record, read_customer, read_product, read_serial, serial_record, FileKind, Header, ImportReport, RowError,
};
use std::sync::Arc;

/// Largest file an import takes: 100,000 product rows are about 9 MB.
pub const MAX_IMPORT_BYTES: usize = 32 * 1024 * 1024;
/// Most rows (after the header) an import takes.
pub const MAX_IMPORT_ROWS: usize = 200_000;
/// Rows an export reads from the store at a time.
const EXPORT_PAGE: u32 = 2000;

#[derive(Deserialize, schemars::JsonSchema)]
pub struct ImportQuery {
    /// `true` (the default): check and preview only, nothing written. `false`: write it all, or
    /// nothing when any row is wrong.
    pub dry_run: Option<bool>,
}

/// An import that wrote nothing because of its errors (422): the usual error body and the report.
#[derive(Serialize, schemars::JsonSchema)]
pub struct ImportRefused {
    pub error: String,
    pub message: String,
    #[serde(flatten)]
    pub report: ImportReport,
}

fn refused(report: ImportReport) -> Response {
    let message = format!(
        "{} error(s) in the file; nothing was imported{}",
        report.error_count,
        report.errors.first().map(|e| format!(" (row {}, {}: {})", e.row, if e.column.is_empty() { "row" } else { &e.column }, e.message)).unwrap_or_default()
    );
    (StatusCode::UNPROCESSABLE_ENTITY, Json(ImportRefused { error: "invalid_rows".into(), message, report })).into_response()
}

/// The file's records: the header's cells, then each row with its number (the header is row 1).
struct Records {
    header: Vec<String>,
    rows: Vec<(u64, Vec<String>)>,
    errors: Vec<RowError>,
}

fn read_records(body: &[u8]) -> Result<Records, AppError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(body);
    let mut record = csv::ByteRecord::new();
    let mut out = Records { header: Vec::new(), rows: Vec::new(), errors: Vec::new() };
    let mut row: u64 = 0;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(AppError::BadRequest(format!("the file is not CSV (after row {row}): {e}"))),
        }
        row += 1;
        if record.iter().all(|f| f.is_empty()) {
            continue; // a blank line
        }
        let mut cells = Vec::with_capacity(record.len());
        let mut utf8 = true;
        for field in record.iter() {
            match std::str::from_utf8(field) {
                Ok(s) => cells.push(s.to_string()),
                Err(_) => utf8 = false,
            }
        }
        if !utf8 {
            out.errors.push(RowError::new(row, "", "not_utf8", "the row is not UTF-8 text (save the file as CSV UTF-8)"));
            continue;
        }
        if out.header.is_empty() {
            out.header = cells;
            continue;
        }
        if out.rows.len() >= MAX_IMPORT_ROWS {
            return Err(AppError::refused(StatusCode::PAYLOAD_TOO_LARGE, "too_many_rows", format!("a file holds at most {MAX_IMPORT_ROWS} rows")));
        }
        if cells.len() != out.header.len() {
            out.errors.push(RowError::new(row, "", "cell_count", format!("{} cells, the header has {}", cells.len(), out.header.len())));
            continue;
        }
        out.rows.push((row, cells));
    }
    if out.header.is_empty() {
        return Err(AppError::BadRequest("the file is empty: its first row must name the columns".into()));
    }
    Ok(out)
}

fn is_csv(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("text/csv"))
}

async fn import(state: AppState, caller: Caller, kind: FileKind, dry_run: Option<bool>, headers: HeaderMap, body: Bytes) -> Result<Response, AppError> {
    if !is_csv(&headers) {
        return Err(AppError::refused(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "send the file as `text/csv` (UTF-8)"));
    }
    let apply = !dry_run.unwrap_or(true);
    let records = read_records(&body)?;
    let header = match Header::read(kind, &records.header) {
        Ok(h) => h,
        Err(errors) => {
            let report = ImportReport { kind, applied: false, rows: records.rows.len(), creates: 0, updates: 0, unchanged: 0, preview: vec![], error_count: errors.len(), errors };
            return Ok(refused(report));
        }
    };
    let mut read_errors = records.errors;
    let audit = Audit::new(AuditAction::FileImported, &caller.actor(), "", "");
    let report = match kind {
        FileKind::Products => {
            let mut rows = Vec::with_capacity(records.rows.len());
            for (n, cells) in &records.rows {
                match read_product(&header, *n, cells) {
                    Ok(r) => rows.push(r),
                    Err(e) => read_errors.extend(e),
                }
            }
            state.store.import_products(rows, read_errors, apply, &audit).await?
        }
        FileKind::Customers => {
            let rows = records.rows.iter().map(|(n, cells)| read_customer(&header, *n, cells)).collect();
            state.store.import_customers(rows, read_errors, apply, &audit).await?
        }
        FileKind::Serials => {
            let rows = records.rows.iter().map(|(n, cells)| read_serial(&header, *n, cells)).collect();
            state.store.import_serials(rows, read_errors, caller.outlets().as_deref(), apply, &audit).await?
        }
    };
    if apply && report.error_count > 0 {
        return Ok(refused(report));
    }
    Ok(Json(report).into_response())
}

/// `POST /import/products?dry_run=`.
pub async fn import_products(State(state): State<AppState>, Authenticated(caller): Authenticated, AppQuery(q): AppQuery<ImportQuery>, headers: HeaderMap, body: Bytes) -> Result<Response, AppError> {
    import(state, caller, FileKind::Products, q.dry_run, headers, body).await
}

/// `POST /import/customers?dry_run=`.
pub async fn import_customers(State(state): State<AppState>, Authenticated(caller): Authenticated, AppQuery(q): AppQuery<ImportQuery>, headers: HeaderMap, body: Bytes) -> Result<Response, AppError> {
    import(state, caller, FileKind::Customers, q.dry_run, headers, body).await
}

/// `POST /import/serials?dry_run=`: rows at the caller's outlets only.
pub async fn import_serials(State(state): State<AppState>, Authenticated(caller): Authenticated, AppQuery(q): AppQuery<ImportQuery>, headers: HeaderMap, body: Bytes) -> Result<Response, AppError> {
    import(state, caller, FileKind::Serials, q.dry_run, headers, body).await
}

/// Where an export stands between two pages.
enum Cursor {
    Start,
    After(String),
    AfterSerial((String, String)),
    Done,
}

fn csv_bytes(records: impl Iterator<Item = Vec<String>>) -> anyhow::Result<Bytes> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in records {
        w.write_record(&r)?;
    }
    Ok(Bytes::from(w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?))
}

/// The next piece of the file: the header first, then one page of rows at a time.
async fn next_piece(store: &Arc<dyn Store>, kind: FileKind, outlets: Option<&[String]>, at: Cursor) -> anyhow::Result<Option<(Bytes, Cursor)>> {
    if matches!(at, Cursor::Done) {
        return Ok(None);
    }
    if matches!(at, Cursor::Start) {
        let header = csv_bytes(std::iter::once(kind.columns().iter().map(|c| c.to_string()).collect()))?;
        let next = if kind == FileKind::Serials { Cursor::AfterSerial(Default::default()) } else { Cursor::After(String::new()) };
        return Ok(Some((header, next)));
    }
    let (bytes, next) = match (kind, at) {
        (FileKind::Products, Cursor::After(after)) => {
            let page = store.catalog_page(Some(&after), EXPORT_PAGE).await?;
            let next = page.next_after.clone().map_or(Cursor::Done, Cursor::After);
            (csv_bytes(page.products.iter().map(product_record))?, next)
        }
        (FileKind::Customers, Cursor::After(after)) => {
            let page = store.customers_by_id(Some(&after), EXPORT_PAGE).await?;
            let next = match page.last() {
                Some(c) if page.len() == EXPORT_PAGE as usize => Cursor::After(c.id.clone()),
                _ => Cursor::Done,
            };
            (csv_bytes(page.iter().map(customer_record))?, next)
        }
        (FileKind::Serials, Cursor::AfterSerial(after)) => {
            let after = (!after.0.is_empty()).then_some(after);
            let page = store.list_serials(&Default::default(), outlets, after.as_ref(), EXPORT_PAGE).await?;
            let next = match (&page.next, page.items.last()) {
                (Some(_), Some(s)) => Cursor::AfterSerial((s.product_id.clone(), s.serial.clone())),
                _ => Cursor::Done,
            };
            (csv_bytes(page.items.iter().map(serial_record))?, next)
        }
        _ => return Ok(None),
    };
    Ok(Some((bytes, next)))
}

fn export(state: AppState, caller: Caller, kind: FileKind) -> Response {
    let store = state.store.clone();
    let outlets = if kind == FileKind::Serials { caller.outlets() } else { None };
    // Fused: a layer around the body (the gzip of `app()`) may poll again after the end.
    let stream = futures_util::stream::unfold(Some(Cursor::Start), move |at| {
        let store = store.clone();
        let outlets = outlets.clone();
        async move {
            let at = at?;
            match next_piece(&store, kind, outlets.as_deref(), at).await {
                Ok(Some((bytes, next))) => Some((Ok::<_, std::io::Error>(bytes), Some(next))),
                Ok(None) => None,
                // The answer has started: ending it early is all that can be done; the client sees a cut file.
                Err(e) => {
                    tracing::error!("exporting: {e:#}");
                    Some((Err(std::io::Error::other("the export failed")), None))
                }
            }
        }
    });
    let stream = futures_util::StreamExt::fuse(stream);
    let name: &'static str = kind.into();
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}.csv\"")),
        ],
        Body::from_stream(stream),
    )
        .into_response()
}

/// `GET /export/products.csv`: every product, by id.
pub async fn export_products(State(state): State<AppState>, Authenticated(caller): Authenticated) -> Response {
    export(state, caller, FileKind::Products)
}

/// `GET /export/customers.csv`: every customer, by id.
pub async fn export_customers(State(state): State<AppState>, Authenticated(caller): Authenticated) -> Response {
    export(state, caller, FileKind::Customers)
}

/// `GET /export/serials.csv`: the serial numbers at the caller's outlets, by product then serial.
pub async fn export_serials(State(state): State<AppState>, Authenticated(caller): Authenticated) -> Response {
    export(state, caller, FileKind::Serials)
}
