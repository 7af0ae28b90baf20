//! CSV import and export of products, customers and serial numbers: the columns, what a row means
//! (read with the same rules as the create and edit routes, `catalog::edit`), and the plan of an
//! import — which rows create, update or change nothing, and every error named by row and column.
//! The server parses the file (RFC 4180) and applies a plan only when it has no error: all or nothing.
//!
//! Rows are numbered as a spreadsheet shows them: the header is row 1, the first product row 2.

use super::edit::{apply_patch, check_id, check_text, field_text, parse_tax_class, price_text, FieldError, ProductPatch};
use super::{Customer, Product};
use crate::limits::{MAX_ID_LEN, MAX_QUICK_KEY_POSITION, MAX_TEXT_LEN};
use crate::money::Money;
use crate::stock::SerialNumber;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap, HashSet};

/// What a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, strum::EnumString, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub enum FileKind {
    Products,
    Customers,
    Serials,
}

pub const PRODUCT_COLUMNS: [&str; 11] =
    ["id", "sku", "barcode", "name", "price", "tax_class", "tracks_serials", "low_stock_threshold", "quick_key", "quick_key_position", "loyalty_points"];
pub const CUSTOMER_COLUMNS: [&str; 3] = ["id", "name", "email"];
/// `sold_*` and `returned_*` are what sales recorded: exported, ignored on import (sync writes them).
pub const SERIAL_COLUMNS: [&str; 8] = ["product_id", "serial", "outlet_id", "sold_sale_id", "sold_at_ms", "returned_sale_id", "returned_original_sale_id", "returned_at_ms"];

impl FileKind {
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            FileKind::Products => &PRODUCT_COLUMNS,
            FileKind::Customers => &CUSTOMER_COLUMNS,
            FileKind::Serials => &SERIAL_COLUMNS,
        }
    }

    /// Columns a file must have. The others may be left out: a new row takes their default, an
    /// existing one keeps its value.
    pub fn required(self) -> &'static [&'static str] {
        match self {
            FileKind::Products => &["id", "sku", "name", "price"],
            FileKind::Customers => &["id", "name"],
            FileKind::Serials => &["product_id", "serial", "outlet_id"],
        }
    }
}

/// One thing wrong with a file, where it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct RowError {
    /// As a spreadsheet numbers it: the header is row 1.
    pub row: u64,
    /// The column at fault; empty when it is the whole row.
    pub column: String,
    pub code: String,
    pub message: String,
}

impl RowError {
    pub fn new(row: u64, column: &str, code: &str, message: impl Into<String>) -> RowError {
        RowError { row, column: column.into(), code: code.into(), message: message.into() }
    }
    fn of(row: u64, e: FieldError) -> RowError {
        RowError { row, column: e.field, code: e.code, message: e.message }
    }
}

/// Where each known column is in the file's records. Unknown and repeated columns are refused (a typo
/// would otherwise be dropped silently).
#[derive(Clone, Debug)]
pub struct Header {
    at: HashMap<&'static str, usize>,
}

impl Header {
    pub fn read(kind: FileKind, names: &[String]) -> Result<Header, Vec<RowError>> {
        let mut at = HashMap::new();
        let mut errors = Vec::new();
        for (i, name) in names.iter().enumerate() {
            let name = name.trim().trim_start_matches('\u{feff}');
            match kind.columns().iter().find(|c| **c == name) {
                Some(c) if at.insert(*c, i).is_some() => errors.push(RowError::new(1, name, "repeated_column", format!("column '{name}' appears twice"))),
                Some(_) => {}
                None => errors.push(RowError::new(1, name, "unknown_column", format!("unknown column '{name}' (columns: {})", kind.columns().join(", ")))),
            }
        }
        for c in kind.required() {
            if !at.contains_key(c) {
                errors.push(RowError::new(1, c, "missing_column", format!("column '{c}' is missing")));
            }
        }
        if errors.is_empty() {
            Ok(Header { at })
        } else {
            Err(errors)
        }
    }

    /// The cell of `column` in `record` (`None`: the file has no such column).
    pub fn cell<'a>(&self, record: &'a [String], column: &str) -> Option<&'a str> {
        self.at.get(column).map(|i| record.get(*i).map_or("", |s| s.as_str()))
    }
}

/// What a row does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub enum Action {
    Create,
    Update,
    Unchanged,
}

/// One field a row changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Change {
    pub field: String,
    pub before: String,
    pub after: String,
}

/// A valid row and what it does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Planned<T> {
    pub row: u64,
    pub action: Action,
    pub item: T,
    pub changes: Vec<Change>,
}

/// An import's plan: applied only when `errors` is empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan<T> {
    pub rows: Vec<Planned<T>>,
    pub errors: Vec<RowError>,
}

impl<T> Default for Plan<T> {
    fn default() -> Self {
        Plan { rows: Vec::new(), errors: Vec::new() }
    }
}

impl<T> Plan<T> {
    pub fn count(&self, action: Action) -> usize {
        self.rows.iter().filter(|r| r.action == action).count()
    }
    /// The rows that write something.
    pub fn writes(&self) -> impl Iterator<Item = &Planned<T>> {
        self.rows.iter().filter(|r| r.action != Action::Unchanged)
    }
    pub fn preview(&self, n: usize) -> Vec<PreviewRow> {
        self.writes()
            .take(n)
            .map(|r| PreviewRow { row: r.row, action: r.action, changes: r.changes.clone() })
            .collect()
    }
}

/// A row of the preview an import answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PreviewRow {
    pub row: u64,
    pub action: Action,
    pub changes: Vec<Change>,
}

/// What `POST /import/{kind}` answers: the counts, the first rows' changes, every error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ImportReport {
    pub kind: FileKind,
    /// `false`: a preview (`dry_run=true`) or refused; nothing was written.
    pub applied: bool,
    pub rows: usize,
    pub creates: usize,
    pub updates: usize,
    pub unchanged: usize,
    /// The first rows that create or update, with their changes.
    pub preview: Vec<PreviewRow>,
    /// Every error found (the list below may stop at the first [`MAX_LISTED_ERRORS`]).
    pub error_count: usize,
    pub errors: Vec<RowError>,
}

/// Most errors an answer lists: a file wrong in every row still gets a readable answer.
pub const MAX_LISTED_ERRORS: usize = 1000;

/// Rows a preview shows.
pub const PREVIEW_ROWS: usize = 50;

impl ImportReport {
    pub fn of<T>(kind: FileKind, plan: &Plan<T>, applied: bool) -> ImportReport {
        ImportReport {
            kind,
            applied,
            rows: plan.rows.len() + plan.errors.iter().map(|e| e.row).collect::<BTreeSet<_>>().len(),
            creates: plan.count(Action::Create),
            updates: plan.count(Action::Update),
            unchanged: plan.count(Action::Unchanged),
            preview: plan.preview(PREVIEW_ROWS),
            error_count: plan.errors.len(),
            errors: plan.errors.iter().take(MAX_LISTED_ERRORS).cloned().collect(),
        }
    }
}

// ---- products

/// A product row as read: its id (empty: a new product) and the fields the file gives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductRow {
    pub row: u64,
    pub id: String,
    pub fields: ProductPatch,
}

fn flag(row: u64, column: &str, text: &str, errors: &mut Vec<RowError>) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "" | "false" | "0" | "no" | "non" => Some(false),
        "true" | "1" | "yes" | "oui" => Some(true),
        other => {
            errors.push(RowError::new(row, column, "not_a_flag", format!("'{other}' is not true or false")));
            None
        }
    }
}

/// Reads one record of a products file (cells only: the rules run when it is planned).
pub fn read_product(header: &Header, row: u64, record: &[String]) -> Result<ProductRow, Vec<RowError>> {
    let mut errors = Vec::new();
    let cell = |c: &str| header.cell(record, c);
    let mut f = ProductPatch { name: cell("name").map(str::to_owned), sku: cell("sku").map(str::to_owned), ..Default::default() };
    f.barcode = cell("barcode").map(|b| Some(b.to_owned()));
    if let Some(p) = cell("price") {
        match Money::parse(p) {
            Ok(m) => f.price = Some(m),
            Err(e) => errors.push(RowError::new(row, "price", e.code(), format!("price '{p}': {e}"))),
        }
    }
    if let Some(t) = cell("tax_class") {
        match t.trim() {
            "" => f.tax_class = Some(Default::default()),
            t => match parse_tax_class(t) {
                Some(c) => f.tax_class = Some(c),
                None => errors.push(RowError::new(row, "tax_class", "unknown_tax_class", format!("tax_class '{t}' is not taxable, gst_only, zero_rated or exempt"))),
            },
        }
    }
    if let Some(t) = cell("low_stock_threshold") {
        match t.trim() {
            "" => f.low_stock_threshold = Some(None),
            t => match t.parse::<i64>() {
                Ok(n) => f.low_stock_threshold = Some(Some(n)),
                Err(_) => errors.push(RowError::new(row, "low_stock_threshold", "not_a_number", format!("low_stock_threshold '{t}' is not a whole number"))),
            },
        }
    }
    if let Some(t) = cell("quick_key_position") {
        match t.trim() {
            "" => f.quick_key_position = Some(None),
            t => match t.parse::<u16>() {
                Ok(n) => f.quick_key_position = Some(Some(n)),
                Err(_) => errors.push(RowError::new(
                    row,
                    "quick_key_position",
                    "not_a_number",
                    format!("quick_key_position '{t}' is not a place on the pad (1 to {MAX_QUICK_KEY_POSITION})"),
                )),
            },
        }
    }
    if let Some(t) = cell("loyalty_points") {
        match t.trim() {
            "" => f.loyalty_points = Some(0),
            t => match t.parse::<u32>() {
                Ok(n) => f.loyalty_points = Some(n),
                Err(_) => errors.push(RowError::new(row, "loyalty_points", "not_a_number", format!("loyalty_points '{t}' is not a whole number of points"))),
            },
        }
    }
    if let Some(t) = cell("tracks_serials") {
        f.tracks_serials = flag(row, "tracks_serials", t, &mut errors);
    }
    if let Some(t) = cell("quick_key") {
        f.quick_key = flag(row, "quick_key", t, &mut errors);
    }
    if errors.is_empty() {
        Ok(ProductRow { row, id: cell("id").unwrap_or("").trim().to_string(), fields: f })
    } else {
        Err(errors)
    }
}

/// A product as a record of [`PRODUCT_COLUMNS`].
pub fn product_record(p: &Product) -> Vec<String> {
    PRODUCT_COLUMNS.iter().map(|c| field_text(p, c)).collect()
}

/// Which product holds a value of a unique field (`sku`, `barcode`).
#[derive(Default)]
struct Owners {
    by: HashMap<(&'static str, String), (String, u64)>,
}

impl Owners {
    /// Claims `value` of `field` for `id` (row 0: on file); the holder when another has it.
    fn claim(&mut self, field: &'static str, value: &str, id: &str, row: u64) -> Option<(String, u64)> {
        match self.by.get(&(field, value.to_string())) {
            Some((owner, at)) if owner != id => Some((owner.clone(), *at)),
            Some(_) => None,
            None => {
                self.by.insert((field, value.to_string()), (id.to_string(), row));
                None
            }
        }
    }
}

/// Plans a products import against the catalog on file. A new row without id gets `new_id()`. A SKU or
/// barcode may not be another product's — on file or earlier in the file — so a plan without errors
/// never breaks uniqueness, whatever order its rows are written in (moving a SKU from one product to
/// another therefore takes two imports).
pub fn plan_products(existing: &HashMap<String, Product>, rows: Vec<ProductRow>, mut new_id: impl FnMut() -> String) -> Plan<Product> {
    let mut plan = Plan::default();
    let mut owners = Owners::default();
    for p in existing.values() {
        owners.claim("sku", &p.sku, &p.id, 0);
        if let Some(b) = &p.barcode {
            owners.claim("barcode", b, &p.id, 0);
        }
    }
    let mut seen_ids: HashMap<String, u64> = HashMap::new();
    for r in rows {
        let (id, current) = if r.id.is_empty() { (new_id(), None) } else { (r.id.clone(), existing.get(&r.id)) };
        if let Some(first) = seen_ids.insert(id.clone(), r.row) {
            plan.errors.push(RowError::new(r.row, "id", "repeated_id", format!("product '{id}' is already in row {first}")));
            continue;
        }
        let outcome = match current {
            Some(cur) => apply_patch(cur, &r.fields).map(|e| (Action::Update, e.product, Some(cur))),
            None => {
                let mut missing = Vec::new();
                for (c, given) in [("sku", r.fields.sku.is_some()), ("name", r.fields.name.is_some()), ("price", r.fields.price.is_some())] {
                    if !given {
                        missing.push(FieldError::new(c, "required", format!("{c} is required for a new product")));
                    }
                }
                if !missing.is_empty() {
                    plan.errors.extend(missing.into_iter().map(|e| RowError::of(r.row, e)));
                    continue;
                }
                let blank = Product { id: id.clone(), ..Default::default() };
                apply_patch(&blank, &r.fields).map(|e| (Action::Create, e.product, None))
            }
        };
        let (action, product, before) = match outcome {
            Ok(o) => o,
            Err(errors) => {
                plan.errors.extend(errors.into_iter().map(|e| RowError::of(r.row, e)));
                continue;
            }
        };
        let mut clash = false;
        let unique = [("sku", Some(product.sku.clone())), ("barcode", product.barcode.clone())];
        for (field, value) in unique {
            let Some(value) = value else { continue };
            if let Some((owner, at)) = owners.claim(field, &value, &product.id, r.row) {
                let whose = if at == 0 { format!("product '{owner}'") } else { format!("product '{owner}' in row {at}") };
                plan.errors.push(RowError::new(r.row, field, &format!("{field}_taken"), format!("{field} '{value}' is already {whose}'s")));
                clash = true;
            }
        }
        if clash {
            continue;
        }
        let changes: Vec<Change> = PRODUCT_COLUMNS
            .iter()
            .filter_map(|f| {
                let after = field_text(&product, f);
                let before = before.map(|b| field_text(b, f)).unwrap_or_default();
                (after != before).then(|| Change { field: (*f).into(), before, after })
            })
            .collect();
        let action = if action == Action::Update && changes.is_empty() { Action::Unchanged } else { action };
        plan.rows.push(Planned { row: r.row, action, item: product, changes });
    }
    plan
}

// ---- customers

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomerRow {
    pub row: u64,
    pub id: String,
    pub name: String,
    /// `None`: the file has no email column (an existing customer keeps theirs).
    pub email: Option<String>,
}

pub fn read_customer(header: &Header, row: u64, record: &[String]) -> CustomerRow {
    CustomerRow {
        row,
        id: header.cell(record, "id").unwrap_or("").trim().into(),
        name: header.cell(record, "name").unwrap_or("").trim().into(),
        email: header.cell(record, "email").map(|e| e.trim().to_string()),
    }
}

pub fn customer_record(c: &Customer) -> Vec<String> {
    vec![c.id.clone(), c.name.clone(), c.email.clone().unwrap_or_default()]
}

/// A customer as a row states it: texts trimmed, an e-mail checked for its shape.
pub fn checked_customer(c: Customer) -> Result<Customer, Vec<FieldError>> {
    let mut errors = Vec::new();
    check_id("id", &c.id, &mut errors);
    check_text("name", &c.name, MAX_TEXT_LEN, &mut errors);
    let email = c.email.map(|e| e.trim().to_string()).filter(|e| !e.is_empty());
    if let Some(e) = &email {
        let shaped = e.split_once('@').is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.'));
        if !shaped || e.chars().any(|c| c.is_whitespace() || c.is_control()) || e.len() > MAX_TEXT_LEN {
            errors.push(FieldError::new("email", "not_an_email", format!("'{e}' is not an e-mail address")));
        }
    }
    if errors.is_empty() {
        Ok(Customer { email, ..c })
    } else {
        Err(errors)
    }
}

/// Plans a customers import. An e-mail (compared without case, as orders match customers) may not be
/// another customer's, on file or earlier in the file.
pub fn plan_customers(existing: &HashMap<String, Customer>, rows: Vec<CustomerRow>, mut new_id: impl FnMut() -> String) -> Plan<Customer> {
    let mut plan = Plan::default();
    let mut emails: HashMap<String, (String, u64)> = HashMap::new();
    for c in existing.values() {
        if let Some(e) = &c.email {
            emails.insert(e.to_lowercase(), (c.id.clone(), 0));
        }
    }
    let mut seen: HashMap<String, u64> = HashMap::new();
    for r in rows {
        let id = if r.id.is_empty() { new_id() } else { r.id.clone() };
        if let Some(first) = seen.insert(id.clone(), r.row) {
            plan.errors.push(RowError::new(r.row, "id", "repeated_id", format!("customer '{id}' is already in row {first}")));
            continue;
        }
        let before = existing.get(&id);
        let email = match (&r.email, before) {
            (Some(e), _) => Some(e.clone()),
            (None, Some(b)) => b.email.clone(),
            (None, None) => None,
        };
        let c = match checked_customer(Customer { id: id.clone(), name: r.name.clone(), email }) {
            Ok(c) => c,
            Err(errors) => {
                plan.errors.extend(errors.into_iter().map(|e| RowError::of(r.row, e)));
                continue;
            }
        };
        if let Some(e) = &c.email {
            let key = e.to_lowercase();
            match emails.get(&key) {
                Some((owner, at)) if *owner != c.id => {
                    let whose = if *at == 0 { format!("customer '{owner}'") } else { format!("customer '{owner}' in row {at}") };
                    plan.errors.push(RowError::new(r.row, "email", "email_taken", format!("e-mail '{e}' is already {whose}'s")));
                    continue;
                }
                Some(_) => {}
                None => {
                    emails.insert(key, (c.id.clone(), r.row));
                }
            }
        }
        let text = |c: Option<&Customer>, f: &str| match (c, f) {
            (None, _) => String::new(),
            (Some(c), "id") => c.id.clone(),
            (Some(c), "name") => c.name.clone(),
            (Some(c), _) => c.email.clone().unwrap_or_default(),
        };
        let changes: Vec<Change> = CUSTOMER_COLUMNS
            .iter()
            .filter_map(|f| {
                let (b, a) = (text(before, f), text(Some(&c), f));
                (a != b).then(|| Change { field: (*f).into(), before: b, after: a })
            })
            .collect();
        let action = match before {
            None => Action::Create,
            Some(_) if changes.is_empty() => Action::Unchanged,
            Some(_) => Action::Update,
        };
        plan.rows.push(Planned { row: r.row, action, item: c, changes });
    }
    plan
}

// ---- serial numbers

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SerialRow {
    pub row: u64,
    pub product_id: String,
    pub serial: String,
    pub outlet_id: String,
}

pub fn read_serial(header: &Header, row: u64, record: &[String]) -> SerialRow {
    let cell = |c: &str| header.cell(record, c).unwrap_or("").trim().to_string();
    SerialRow { row, product_id: cell("product_id"), serial: cell("serial"), outlet_id: cell("outlet_id") }
}

pub fn serial_record(s: &SerialNumber) -> Vec<String> {
    let ms = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    vec![
        s.product_id.clone(),
        s.serial.clone(),
        s.outlet_id.clone(),
        s.sold_on.as_ref().map(|x| x.sale_id.clone()).unwrap_or_default(),
        ms(s.sold_on.as_ref().map(|x| x.at_ms)),
        s.returned_on.as_ref().map(|x| x.return_sale_id.clone()).unwrap_or_default(),
        s.returned_on.as_ref().map(|x| x.original_sale_id.clone()).unwrap_or_default(),
        ms(s.returned_on.as_ref().map(|x| x.at_ms)),
    ]
}

/// What a serials import checks against: the serials on file of the file's products, the products
/// and outlets that exist, and the outlets the importer may write to (`None`: all, an admin).
pub struct SerialContext<'a> {
    pub on_file: &'a HashMap<(String, String), SerialNumber>,
    pub products: &'a HashSet<String>,
    pub outlets: &'a HashSet<String>,
    pub allowed: Option<&'a [String]>,
}

/// Plans a serials import: pre-registration (seed 000), a serial per row. A serial on file at the same
/// outlet is unchanged (so an exported file imports as nothing); at another outlet it is refused — an
/// import never moves nor rewrites a unit's sale.
pub fn plan_serials(ctx: &SerialContext<'_>, rows: Vec<SerialRow>) -> Plan<SerialNumber> {
    let mut plan = Plan::default();
    let mut seen: HashMap<(String, String), u64> = HashMap::new();
    for r in rows {
        let mut errors = Vec::new();
        check_text("serial", &r.serial, MAX_ID_LEN, &mut errors);
        if r.serial.contains(',') {
            errors.push(FieldError::new("serial", "bad_characters", "a serial number holds no comma"));
        }
        if !ctx.products.contains(&r.product_id) {
            errors.push(FieldError::new("product_id", "unknown_product", format!("unknown product '{}'", r.product_id)));
        }
        if !ctx.outlets.contains(&r.outlet_id) {
            errors.push(FieldError::new("outlet_id", "unknown_outlet", format!("unknown outlet '{}'", r.outlet_id)));
        } else if ctx.allowed.is_some_and(|a| !a.contains(&r.outlet_id)) {
            errors.push(FieldError::new("outlet_id", "outlet_not_yours", format!("outlet '{}' is not one of yours", r.outlet_id)));
        }
        if !errors.is_empty() {
            plan.errors.extend(errors.into_iter().map(|e| RowError::of(r.row, e)));
            continue;
        }
        let key = (r.product_id.clone(), r.serial.clone());
        if let Some(first) = seen.insert(key.clone(), r.row) {
            plan.errors.push(RowError::new(r.row, "serial", "repeated_serial", format!("serial '{}' of product '{}' is already in row {first}", r.serial, r.product_id)));
            continue;
        }
        match ctx.on_file.get(&key) {
            Some(s) if s.outlet_id == r.outlet_id => plan.rows.push(Planned { row: r.row, action: Action::Unchanged, item: s.clone(), changes: vec![] }),
            Some(s) => plan.errors.push(RowError::new(
                r.row,
                "outlet_id",
                "at_another_outlet",
                format!("serial '{}' of product '{}' is registered at outlet '{}'", r.serial, r.product_id, s.outlet_id),
            )),
            None => {
                let changes = [("product_id", &r.product_id), ("serial", &r.serial), ("outlet_id", &r.outlet_id)]
                    .into_iter()
                    .map(|(f, v)| Change { field: f.into(), before: String::new(), after: v.clone() })
                    .collect();
                let item = SerialNumber { serial: r.serial, product_id: r.product_id, outlet_id: r.outlet_id, sold_on: None, returned_on: None };
                plan.rows.push(Planned { row: r.row, action: Action::Create, item, changes });
            }
        }
    }
    plan
}

/// `12.34`, as [`product_record`] writes prices.
pub fn price_cell(m: Money) -> String {
    price_text(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::barcode::ean13;

    fn header(kind: FileKind, cols: &[&str]) -> Header {
        Header::read(kind, &cols.iter().map(|c| c.to_string()).collect::<Vec<_>>()).unwrap()
    }

    fn rec(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| c.to_string()).collect()
    }

    fn catalog() -> HashMap<String, Product> {
        let p = Product { id: "p1".into(), sku: "A".into(), barcode: ean13("077000000001"), name: "Un".into(), price: Money(100), ..Default::default() };
        HashMap::from([(p.id.clone(), p)])
    }

    fn ids() -> impl FnMut() -> String {
        let mut n = 0;
        move || {
            n += 1;
            format!("new-{n}")
        }
    }

    #[test]
    fn an_exported_product_imports_as_unchanged() {
        let cat = catalog();
        let h = header(FileKind::Products, &PRODUCT_COLUMNS);
        let row = read_product(&h, 2, &product_record(&cat["p1"])).unwrap();
        let plan = plan_products(&cat, vec![row], ids());
        assert!(plan.errors.is_empty(), "{:?}", plan.errors);
        assert_eq!(plan.count(Action::Unchanged), 1);
    }

    #[test]
    fn a_file_without_some_columns_keeps_those_fields_of_existing_products() {
        let cat = catalog();
        let h = header(FileKind::Products, &["id", "sku", "name", "price"]);
        let plan = plan_products(&cat, vec![read_product(&h, 2, &rec(&["p1", "A", "Un", "2,50"])).unwrap()], ids());
        assert_eq!(plan.rows[0].action, Action::Update);
        assert_eq!(plan.rows[0].changes, vec![Change { field: "price".into(), before: "1.00".into(), after: "2.50".into() }]);
        assert!(plan.rows[0].item.barcode.is_some());
    }

    #[test]
    fn every_error_is_named_by_row_and_column() {
        let cat = catalog();
        let h = header(FileKind::Products, &PRODUCT_COLUMNS);
        let bad_cells = read_product(&h, 3, &rec(&["", "B", "", "", "douze", "luxury", "maybe", "", "", ""])).unwrap_err();
        let cols: Vec<&str> = bad_cells.iter().map(|e| e.column.as_str()).collect();
        assert_eq!(cols, vec!["price", "tax_class", "tracks_serials"]);
        let rows = vec![
            read_product(&h, 2, &rec(&["", "A", "", "Deux", "1", "", "", "", "", ""])).unwrap(),
            read_product(&h, 4, &rec(&["", "C", "4006381333932", "", "1", "", "", "", "", ""])).unwrap(),
        ];
        let plan = plan_products(&cat, rows, ids());
        let got: Vec<(u64, &str, &str)> = plan.errors.iter().map(|e| (e.row, e.column.as_str(), e.code.as_str())).collect();
        assert_eq!(got, vec![(2, "sku", "sku_taken"), (4, "name", "required"), (4, "barcode", "bad_check_digit")]);
    }

    #[test]
    fn two_rows_may_not_claim_one_barcode() {
        let h = header(FileKind::Products, &["id", "sku", "barcode", "name", "price"]);
        let code = ean13("077000000009").unwrap();
        let rows = vec![
            read_product(&h, 2, &rec(&["", "X", &code, "X", "1"])).unwrap(),
            read_product(&h, 3, &rec(&["", "Y", &code, "Y", "1"])).unwrap(),
        ];
        let plan = plan_products(&HashMap::new(), rows, ids());
        assert_eq!(plan.errors.len(), 1);
        assert_eq!((plan.errors[0].row, plan.errors[0].code.as_str()), (3, "barcode_taken"));
        assert!(plan.errors[0].message.contains("row 2"));
    }

    #[test]
    fn unknown_missing_and_repeated_columns_are_named_in_row_one() {
        let names = rec(&["id", "sku", "sku", "colour"]);
        let errors = Header::read(FileKind::Products, &names).unwrap_err();
        let codes: Vec<&str> = errors.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(codes, vec!["repeated_column", "unknown_column", "missing_column", "missing_column"]);
        assert!(errors.iter().all(|e| e.row == 1));
    }

    #[test]
    fn a_customer_email_is_unique_without_case() {
        let existing = HashMap::from([("c1".to_string(), Customer { id: "c1".into(), name: "A".into(), email: Some("a@x.ca".into()) })]);
        let h = header(FileKind::Customers, &CUSTOMER_COLUMNS);
        let plan = plan_customers(&existing, vec![read_customer(&h, 2, &rec(&["", "B", "A@X.CA"])), read_customer(&h, 3, &rec(&["c1", "A", "a@x.ca"]))], ids());
        assert_eq!(plan.errors.len(), 1);
        assert_eq!(plan.errors[0].code, "email_taken");
        assert_eq!(plan.count(Action::Unchanged), 1);
    }

    #[test]
    fn a_serial_at_its_outlet_is_unchanged_and_elsewhere_refused() {
        let s = SerialNumber { serial: "SN1".into(), product_id: "p1".into(), outlet_id: "mtl".into(), sold_on: None, returned_on: None };
        let on_file = HashMap::from([(("p1".to_string(), "SN1".to_string()), s.clone())]);
        let products = HashSet::from(["p1".to_string()]);
        let outlets = HashSet::from(["mtl".to_string(), "lav".to_string()]);
        let allowed = vec!["mtl".to_string()];
        let ctx = SerialContext { on_file: &on_file, products: &products, outlets: &outlets, allowed: Some(&allowed) };
        let h = header(FileKind::Serials, &SERIAL_COLUMNS);
        let rows = vec![
            read_serial(&h, 2, &serial_record(&s)),
            read_serial(&h, 3, &rec(&["p1", "SN1", "lav"])),
            read_serial(&h, 4, &rec(&["p1", "SN2", "lav"])),
            read_serial(&h, 5, &rec(&["p1", "SN3", "mtl"])),
        ];
        let plan = plan_serials(&ctx, rows);
        let codes: Vec<(u64, &str)> = plan.errors.iter().map(|e| (e.row, e.code.as_str())).collect();
        assert_eq!(codes, vec![(3, "outlet_not_yours"), (4, "outlet_not_yours")]);
        assert_eq!((plan.count(Action::Unchanged), plan.count(Action::Create)), (1, 1));
    }
}
