//! The OpenAPI 3.1 document of `/api/v1`, served at `GET /api/v1/openapi.json`.
//!
//! Built in code from the wire types' JSON Schemas (`shared`'s `openapi` feature, derived with schemars
//! from the same structs serde reads and writes), so it cannot drift from what the server parses. Every
//! range a schema states is a constant of `shared::limits` (or of the route that enforces it); an
//! integer no limit bounds (a count or a balance the server computes) is documented as an exact
//! JavaScript number. `scripts/fuzz-api` drives schemathesis with this document.
//!
//! A route added to `api()` must be described in [`document`] too: the API tests check that
//! the document lists every route the router serves.

use crate::routes;
use axum::http::header;
use axum::response::IntoResponse;
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{json, Map, Value};
use shared::limits::{MAX_BODY_BYTES, MAX_ID_LEN, MAX_SEQ};
use std::sync::OnceLock;

/// `GET /api/v1/openapi.json`.
pub async fn serve() -> impl IntoResponse {
    static DOC: OnceLock<String> = OnceLock::new();
    let body = DOC.get_or_init(|| serde_json::to_string(&document()).expect("the document serializes"));
    ([(header::CONTENT_TYPE, "application/json")], body.as_str())
}

/// Every operation of the API as `(method, path)`, in the document's order.
pub fn operations() -> Vec<(String, String)> {
    let doc = document();
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in item.as_object().into_iter().flat_map(|m| m.keys()) {
            ops.push((method.to_uppercase(), path.clone()));
        }
    }
    ops
}

/// The body of a refused `POST /serials`: the usual error plus, for duplicates, which ones.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct SerialsRefused {
    error: String,
    message: String,
    repeated_in_list: Option<Vec<String>>,
    already_registered: Option<Vec<String>>,
}

/// What sync found wrong after the fact (`store::Conflict`).
#[derive(JsonSchema)]
#[schemars(rename = "Conflict")]
#[allow(dead_code)]
struct ConflictDoc {
    id: i64,
    /// `serial_sold_twice`, `serial_return_mismatch`, `serial_invalid`, `credit_limit_exceeded`…
    kind: String,
    /// The sale whose arrival found the problem.
    sale_id: String,
    /// What is involved (serial, product, sales).
    detail: Map<String, Value>,
    created_at_ms: i64,
    resolved: bool,
}

/// `POST /connections`'s body (`online::NewConnection`); `credentials` per platform, kept on the server.
#[derive(JsonSchema)]
#[schemars(rename = "NewConnection")]
#[allow(dead_code)]
struct NewConnectionDoc {
    platform: shared::fulfilment::Platform,
    #[schemars(length(min = 1, max = shared::limits::MAX_TEXT_LEN))]
    name: String,
    #[schemars(length(min = 8, max = shared::limits::MAX_TEXT_LEN))]
    base_url: String,
    /// `{"platform": "woocommerce", "consumer_key", "consumer_secret", "webhook_secret"}`, … (`bridges::Credentials`).
    credentials: Map<String, Value>,
    #[schemars(length(min = 1, max = MAX_ID_LEN))]
    orders_register_id: String,
    #[schemars(length(max = shared::limits::MAX_PARTS), inner(length(min = 1, max = MAX_ID_LEN)))]
    online_outlets: Option<Vec<String>>,
    options: Option<shared::fulfilment::PlatformOptions>,
}

/// `PATCH /connections/{id}`'s body (`online::ConnectionPatch`): what changes; absent fields stay.
#[derive(JsonSchema)]
#[schemars(rename = "ConnectionPatch")]
#[allow(dead_code)]
struct ConnectionPatchDoc {
    #[schemars(length(min = 1, max = shared::limits::MAX_TEXT_LEN))]
    name: Option<String>,
    #[schemars(length(min = 8, max = shared::limits::MAX_TEXT_LEN))]
    base_url: Option<String>,
    /// New credentials, replacing the old ones whole (same shape as at creation); never sent back.
    credentials: Option<Map<String, Value>>,
    options: Option<shared::fulfilment::PlatformOptions>,
    /// Another register of the caller's outlets; receipts go on past those already printed there.
    #[schemars(length(min = 1, max = MAX_ID_LEN))]
    orders_register_id: Option<String>,
}

use crate::online::routes as routes_online;

/// The query of `GET /held` (`routes::sync::HeldQuery`).
#[derive(JsonSchema)]
#[allow(dead_code)]
struct HeldQuery {
    /// Only the sales this device pushed.
    #[schemars(length(max = MAX_ID_LEN))]
    device: Option<String>,
    /// The next page's cursor, from the previous answer's `X-Next-Cursor` header.
    #[schemars(length(max = crate::routes::paging::MAX_CURSOR_LEN))]
    after: Option<String>,
    #[schemars(range(min = 1, max = crate::store::page::MAX_PAGE))]
    limit: Option<u32>,
}

struct Doc {
    gen: SchemaGenerator,
    paths: Map<String, Value>,
}

/// One operation, described.
struct Op {
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    params: Vec<Value>,
    body: Option<Value>,
    responses: Vec<(u16, &'static str, Option<Value>)>,
}

impl Op {
    fn new(method: &'static str, path: &'static str, summary: &'static str) -> Op {
        Op { method, path, summary, params: path_params(path), body: None, responses: Vec::new() }
    }
    fn query(mut self, params: Vec<Value>) -> Op {
        self.params.extend(params);
        self
    }
    fn body(mut self, schema: Value) -> Op {
        self.body = Some(schema);
        self
    }
    fn ok(mut self, status: u16, description: &'static str, schema: Option<Value>) -> Op {
        self.responses.push((status, description, schema));
        self
    }
}

/// `{name}` segments of a path: ids and serials, 1 to `MAX_ID_LEN` characters.
fn path_params(path: &str) -> Vec<Value> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| {
            json!({
                "name": name, "in": "path", "required": true,
                "schema": {"type": "string", "minLength": 1, "maxLength": MAX_ID_LEN}
            })
        })
        .collect()
}

impl Doc {
    fn schema<T: JsonSchema>(&mut self) -> Value {
        self.gen.subschema_for::<T>().to_value()
    }

    /// The fields of a query struct as query parameters (each with its own schema and range).
    fn query<T: JsonSchema>(&mut self) -> Vec<Value> {
        let schema = T::json_schema(&mut self.gen).to_value();
        let required: Vec<&str> =
            schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        let mut params = Vec::new();
        for (name, prop) in schema["properties"].as_object().into_iter().flatten() {
            let mut prop = prop.clone();
            // A query parameter is absent or a value: never JSON `null`.
            if let Some(Value::Array(types)) = prop.get_mut("type") {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let t = types[0].clone();
                    prop["type"] = t;
                }
            }
            if let Some(obj) = prop.as_object_mut() {
                if obj.get("default") == Some(&Value::Null) {
                    obj.remove("default");
                }
            }
            let description = prop.get("description").cloned();
            let mut param = json!({"name": name, "in": "query", "required": required.contains(&name.as_str()), "schema": prop});
            if let Some(d) = description {
                param["description"] = d;
            }
            params.push(param);
        }
        params
    }

    fn add(&mut self, op: Op) {
        let error = self.schema::<shared::sync::ApiError>();
        let mut responses = Map::new();
        for (status, description, schema) in op.responses {
            let mut r = json!({"description": description});
            if let Some(s) = schema {
                r["content"] = json!({"application/json": {"schema": s}});
            }
            responses.insert(status.to_string(), r);
        }
        let mut errors = vec![(400, "not a request of the documented shape or range"), (404, "no such resource"), (421, "unknown Host (COMPTOIR_HOSTS)")];
        if op.method != "get" && op.method != "delete" {
            errors.push((409, "the id is taken by another document"));
            errors.push((413, "the body is larger than the limit"));
            errors.push((415, "the body is not `application/json`"));
            errors.push((422, "well-formed but refused by the rules; nothing was written"));
        }
        if op.method != "get" {
            errors.push((403, "another origin, a missing or wrong CSRF token, or not allowed"));
        }
        let access = crate::routes::table::access_of(op.method, op.path);
        if access.is_some_and(|a| a != shared::auth::Access::Public) {
            errors.push((401, "no valid credential (or `device_revoked`)"));
            errors.push((403, "this role, device or outlet may not"));
        }
        if matches!(op.path, "/api/v1/auth/login" | "/api/v1/auth/token" | "/api/v1/auth/pin" | "/api/v1/devices/enrol") {
            errors.push((401, "wrong credentials or code"));
            errors.push((429, "locked out after too many failures"));
        }
        for (status, description) in errors {
            responses
                .entry(status.to_string())
                .or_insert_with(|| json!({"description": description, "content": {"application/json": {"schema": error.clone()}}}));
        }
        let mut operation = json!({
            "operationId": format!("{}{}", op.method, op.path.replace(['/', '{', '}', '.'], "_")),
            "summary": op.summary,
            "responses": responses,
        });
        if !op.params.is_empty() {
            operation["parameters"] = Value::Array(op.params);
        }
        if let Some(body) = op.body {
            operation["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": body}}});
        }
        // Who may call it, from the route table (`x-access`) and as OpenAPI security requirements.
        if let Some(a) = access {
            let (label, security) = match a {
                shared::auth::Access::Public => ("public".to_string(), json!([])),
                shared::auth::Access::Device => ("device".to_string(), json!([{"device": []}])),
                shared::auth::Access::Counter => ("counter".to_string(), json!([{"device": []}, {"bearer": []}, {"cookie": []}])),
                shared::auth::Access::Staff(r) => (format!("staff:{r}"), json!([{"bearer": []}, {"cookie": []}])),
            };
            operation["x-access"] = json!(label);
            operation["security"] = security;
        }
        let item = self.paths.entry(op.path.to_string()).or_insert_with(|| json!({}));
        item[op.method] = operation;
    }
}

/// The whole document.
pub fn document() -> Value {
    let mut settings = SchemaSettings::draft2020_12();
    settings.definitions_path = "/components/schemas".into();
    settings.meta_schema = None;
    let mut d = Doc { gen: settings.into_generator(), paths: Map::new() };

    use shared::account::{AccountPayment, Statement};
    use shared::catalog::Customer;
    use shared::report::ZReport;
    use shared::stock::{SerialEvent, SerialNumber, StockLevel};
    use shared::sync::{CatalogPage, CustomerSummary, Device, DeviceHello, HeldSale, PushRequest, PushResponse, Setup, StoredSale};

    let text_ok = json!({"type": "string", "enum": ["ok"]});
    d.add(Op::new("get", "/api/v1/health", "liveness").ok(200, "`ok`", None));
    // Described apart: its body is text, not JSON.
    d.paths.get_mut("/api/v1/health").unwrap()["get"]["responses"]["200"]["content"] = json!({"text/plain": {"schema": text_ok}});

    let s = d.schema::<Setup>();
    d.add(Op::new("get", "/api/v1/setup", "outlets, registers, catalog version").ok(200, "the setup", Some(s)));
    let q = d.query::<routes::catalog::PageQuery>();
    let s = d.schema::<CatalogPage>();
    d.add(Op::new("get", "/api/v1/catalog", "one page of products, by id").query(q).ok(200, "a page", Some(s)));
    let s = d.schema::<Vec<Customer>>();
    d.add(Op::new("get", "/api/v1/customers", "customers").ok(200, "every customer", Some(s)));

    let (b, s) = (d.schema::<DeviceHello>(), d.schema::<Device>());
    d.add(Op::new("post", "/api/v1/devices", "a device introduces itself and gets its number").body(b).ok(200, "the device", Some(s)));
    let (b, s) = (d.schema::<PushRequest>(), d.schema::<PushResponse>());
    d.add(
        Op::new("post", "/api/v1/sync/push", "a device's outbox: each operation applied, duplicate or held, then each sale stored, duplicate or held")
            .body(b)
            .ok(200, "one result per sale", Some(s)),
    );
    let q = d.query::<HeldQuery>();
    let s = d.schema::<Vec<HeldSale>>();
    d.add(Op::new("get", "/api/v1/held", "sales held for review").query(q).ok(200, "held sales, oldest first", Some(s)));
    let q = d.query::<HeldQuery>();
    let s = d.schema::<Vec<shared::sync::ops::HeldOp>>();
    d.add(Op::new("get", "/api/v1/held/ops", "operations held for review").query(q).ok(200, "held operations, oldest first", Some(s)));

    let q = d.query::<routes::changes::ChangesQuery>();
    let s = d.schema::<shared::sync::changes::ChangePage>();
    let error = d.schema::<shared::sync::ApiError>();
    d.add(
        Op::new("get", "/api/v1/sync/changes", "the change log after a cursor: each entity's current state or tombstone, by version")
            .query(q)
            .ok(200, "a page; store `next`, ask again while `more`", Some(s))
            .ok(409, "`cursor_ahead`: the cursor is beyond the server's newest version; pull again from 0", Some(error.clone())),
    );
    let q = d.query::<routes::events::EventsQuery>();
    // Its data's schema, kept in the components for clients.
    let _ = d.schema::<shared::sync::events::ChangeEvent>();
    d.add(Op::new("get", "/api/v1/events", "live change notifications (server-sent events)").query(q).ok(200, "the stream", None));
    // Described apart: a text/event-stream whose `data` is a ChangeEvent.
    d.paths.get_mut("/api/v1/events").unwrap()["get"]["responses"]["200"]["content"] = json!({"text/event-stream": {"schema": {
        "type": "string",
        "description": "`event: change`, `id: <version>`, `data: <ChangeEvent>` (components/schemas/ChangeEvent) per newer version (coalesced); a `: keep-alive` comment every 15 s. Resumes after `Last-Event-ID` or `?since=`.",
    }}});
    d.paths.get_mut("/api/v1/events").unwrap()["get"]["parameters"].as_array_mut().unwrap().push(json!({
        "name": "Last-Event-ID", "in": "header", "required": false,
        "description": "the last version received (sent by EventSource on reconnect)",
        "schema": {"type": "string", "pattern": "^[0-9]{1,16}$"},
    }));
    let q = d.query::<routes::changes::DigestQuery>();
    let s = d.schema::<shared::sync::changes::StockDigest>();
    d.add(
        Op::new("get", "/api/v1/stock/digest", "the digest of an outlet's stock levels as of a version")
            .query(q)
            .ok(200, "the digest", Some(s))
            .ok(409, "`version_ahead` or `not_available` (too old to answer cheaply)", Some(error)),
    );

    let q = d.query::<routes::sales::SalesQuery>();
    let s = d.schema::<Vec<StoredSale>>();
    d.add(Op::new("get", "/api/v1/sales", "stored sales, newest first").query(q).ok(200, "sales", Some(s)));
    // Sales history and the inbox (issue 12, items 3 and 4).
    let q = d.query::<routes::history::HistoryQuery>();
    let s = d.schema::<Vec<shared::sales_history::SaleSummary>>();
    d.add(Op::new("get", "/api/v1/sales/history", "every sale, in store and online, newest made first, filtered").query(q).ok(200, "sales (next page: X-Next-Cursor)", Some(s)));
    let s = d.schema::<shared::sales_history::SaleDetails>();
    d.add(Op::new("get", "/api/v1/sales/{id}", "one sale's details: lines, overrides, taxes, tenders, serials, returns and what remains returnable").ok(200, "the sale", Some(s)));
    let (b, s, error) = (d.schema::<shared::sales_history::NewSaleNote>(), d.schema::<routes::history::NoteAdded>(), d.schema::<shared::sync::ApiError>());
    d.add(
        Op::new("post", "/api/v1/sales/{id}/notes", "add a note to a sale (once per note id)")
            .body(b)
            .ok(200, "the note as on file; `added` false for a repeat", Some(s))
            .ok(409, "`note_id_reused`", Some(error.clone()))
            .ok(422, "`empty_note`, `note_too_long`", Some(error)),
    );
    let q = d.query::<routes::inbox::InboxQuery>();
    let s = d.schema::<Vec<shared::inbox::InboxItem>>();
    d.add(Op::new("get", "/api/v1/inbox", "held sales, operations and online orders, conflicts and stock below zero").query(q).ok(200, "items, oldest first", Some(s)));
    let (b, s) = (d.schema::<shared::inbox::ResolveRequest>(), d.schema::<crate::store::inbox::Resolved>());
    d.add(
        Op::new("post", "/api/v1/inbox/{item_id}/resolve", "resolve an inbox item (once per resolution id)")
            .body(b)
            .ok(200, "the resolution and the item after it", Some(s)),
    );
    let q = d.query::<routes::sales::StockQuery>();
    let s = d.schema::<Vec<StockLevel>>();
    d.add(Op::new("get", "/api/v1/stock", "stock level per product at an outlet").query(q).ok(200, "levels", Some(s)));

    let q = d.query::<routes::serials::SerialsQuery>();
    let s = d.schema::<Vec<SerialNumber>>();
    d.add(Op::new("get", "/api/v1/serials", "serial numbers with sold on").query(q).ok(200, "serials", Some(s.clone())));
    let b = d.schema::<routes::serials::NewSerials>();
    let refused = d.schema::<SerialsRefused>();
    d.add(
        Op::new("post", "/api/v1/serials", "register serial numbers (all or nothing)")
            .body(b)
            .ok(201, "the serials added", Some(s))
            .ok(422, "duplicates (named), unknown product or outlet; nothing added", Some(refused)),
    );
    d.add(Op::new("delete", "/api/v1/serials/{product_id}/{serial}", "delete one serial number").ok(204, "deleted", None));
    let s = d.schema::<Vec<SerialEvent>>();
    d.add(
        Op::new("get", "/api/v1/serials/{product_id}/{serial}/history", "a serial number's history (received, sold, returned, moved, deleted), kept after it is deleted")
            .ok(200, "its events, oldest first", Some(s)),
    );
    let s = d.schema::<Vec<ConflictDoc>>();
    let q = d.query::<routes::paging::PageQuery>();
    d.add(Op::new("get", "/api/v1/conflicts", "what sync found wrong after the fact").query(q).ok(200, "conflicts, oldest first", Some(s)));

    let s = d.schema::<Vec<CustomerSummary>>();
    let q = d.query::<routes::paging::PageQuery>();
    d.add(Op::new("get", "/api/v1/customers/summaries", "every customer's summary").query(q).ok(200, "summaries, by name", Some(s)));
    let (b, s) = (d.schema::<shared::catalog::customer_edit::CustomerForm>(), d.schema::<CustomerSummary>());
    let refused = d.schema::<routes::customers::CustomerRefused>();
    d.add(
        Op::new("post", "/api/v1/customers", "create a customer with their account terms (Clients › Nouveau client)")
            .body(b.clone())
            .ok(201, "the new customer's summary", Some(s.clone()))
            .ok(409, "`id_taken` or `email_taken` (the other customer named)", Some(refused.clone()))
            .ok(422, "`invalid_customer`: every field at fault", Some(refused.clone())),
    );
    d.add(
        Op::new("put", "/api/v1/customers/{id}", "edit a customer's name, e-mail and account terms (never the balance)")
            .body(b)
            .ok(200, "the customer's summary after the edit", Some(s))
            .ok(409, "`email_taken` (the other customer named)", Some(refused.clone()))
            .ok(422, "`invalid_customer`: every field at fault", Some(refused)),
    );
    let s = d.schema::<CustomerSummary>();
    d.add(Op::new("get", "/api/v1/customers/{id}/summary", "one customer's summary").ok(200, "the summary", Some(s)));
    let (b, s) = (d.schema::<AccountPayment>(), d.schema::<routes::customers::PaymentAnswer>());
    d.add(
        Op::new("post", "/api/v1/customers/{id}/payments", "a payment on account (idempotent on its id)")
            .body(b)
            .ok(201, "recorded", Some(s.clone()))
            .ok(200, "recorded before (same id, same payment)", Some(s)),
    );
    let q = d.query::<routes::customers::MonthQuery>();
    let s = d.schema::<Statement>();
    d.add(Op::new("get", "/api/v1/customers/{id}/statement", "month-end statement").query(q.clone()).ok(200, "the statement", Some(s)));
    let csv_path = "/api/v1/customers/{id}/statement.csv";
    d.add(Op::new("get", csv_path, "month-end statement as CSV (RFC 4180, UTF-8, a header row)").query(q).ok(200, "the file", None));
    d.paths.get_mut(csv_path).unwrap()["get"]["responses"]["200"]["content"] =
        json!({"text/csv": {"schema": {"type": "string", "description": format!("columns: {}", shared::account::STATEMENT_COLUMNS.join(","))}}});

    let q = d.query::<routes::reports::ZQuery>();
    let s = d.schema::<ZReport>();
    d.add(Op::new("get", "/api/v1/reports/z", "end-of-day (Z) report of one local day, with its recorded drawer counts").query(q).ok(200, "the report", Some(s)));
    let (b, s) = (d.schema::<shared::report::CountRequest>(), d.schema::<shared::report::RecordedCount>());
    d.add(
        Op::new("post", "/api/v1/reports/z/count", "record a drawer count against the day's report")
            .body(b)
            .ok(201, "the count as recorded: expected, counted, difference", Some(s)),
    );

    d.add(Op::new("get", "/api/v1/openapi.json", "this document").ok(200, "OpenAPI 3.1", Some(json!({"type": "object"}))));

    use shared::auth::{AuditEntry, EnrolRequest, Enrolment, EnrolledDevice, EnrolmentCode, EnrolmentCodeRequest, LoginRequest, Me, NewStaff, OfflineStaff, PinRequest, SessionInfo, StaffMember};
    let (b, s) = (d.schema::<LoginRequest>(), d.schema::<SessionInfo>());
    d.add(Op::new("post", "/api/v1/auth/login", "sign in: the session in an HttpOnly cookie").body(b.clone()).ok(200, "signed in (no token: it is in the cookie)", Some(s.clone())));
    d.add(Op::new("post", "/api/v1/auth/token", "sign in: a bearer token for API clients").body(b).ok(200, "signed in, with the token", Some(s)));
    d.add(Op::new("post", "/api/v1/auth/logout", "sign out").ok(204, "signed out; cookie cleared", None));
    let s = d.schema::<Me>();
    d.add(Op::new("get", "/api/v1/auth/me", "who the server takes the caller for").ok(200, "staff, device, cashier", Some(s)));
    let (b, s) = (d.schema::<PinRequest>(), d.schema::<routes::auth::PinAnswer>());
    d.add(Op::new("post", "/api/v1/auth/pin", "a cashier switches in at this device by PIN").body(b).ok(200, "the staff member", Some(s)));
    let s = d.schema::<Vec<OfflineStaff>>();
    d.add(Op::new("get", "/api/v1/staff/offline", "PIN verifiers of this device's outlet's staff").ok(200, "staff with verifiers", Some(s)));
    let s = d.schema::<Vec<StaffMember>>();
    d.add(Op::new("get", "/api/v1/staff", "staff of the caller's outlets").ok(200, "staff, by name", Some(s)));
    let (b, s) = (d.schema::<NewStaff>(), d.schema::<StaffMember>());
    d.add(Op::new("post", "/api/v1/staff", "a new staff member (admin)").body(b).ok(201, "created", Some(s)));
    let (b, s) = (d.schema::<EnrolmentCodeRequest>(), d.schema::<EnrolmentCode>());
    d.add(Op::new("post", "/api/v1/devices/codes", "a one-time code enrolling a device to a register").body(b).ok(200, "the code, shown once", Some(s)));
    let (b, s) = (d.schema::<EnrolRequest>(), d.schema::<Enrolment>());
    d.add(Op::new("post", "/api/v1/devices/enrol", "a device enrols with a code").body(b).ok(200, "its number, register and credential (shown once)", Some(s)));
    let s = d.schema::<Vec<EnrolledDevice>>();
    d.add(Op::new("get", "/api/v1/devices", "devices at the caller's outlets").ok(200, "devices, by number", Some(s)));
    let s = d.schema::<EnrolledDevice>();
    d.add(Op::new("post", "/api/v1/devices/{id}/revoke", "revoke a device (admin)").ok(200, "the revoked device", Some(s)));
    let q = d.query::<routes::audit::AuditQuery>();
    let s = d.schema::<Vec<AuditEntry>>();
    d.add(Op::new("get", "/api/v1/audit", "the audit log, newest first").query(q).ok(200, "entries", Some(s)));

    // Online orders in (issue 11).
    {
        use shared::online::{ConnectionView, HeldOnlineOrder, OnlineOutletsRequest, OrderPartView};
        let b = d.schema::<NewConnectionDoc>();
        let s = d.schema::<ConnectionView>();
        d.add(Op::new("post", "/api/v1/connections", "connect a store on an e-commerce platform").body(b).ok(201, "the connection (never its credentials)", Some(s)));
        let s = d.schema::<Vec<ConnectionView>>();
        d.add(Op::new("get", "/api/v1/connections", "connected stores of the caller's outlets").ok(200, "connections, without credentials", Some(s)));
        let (b, s) = (d.schema::<OnlineOutletsRequest>(), d.schema::<ConnectionView>());
        d.add(Op::new("put", "/api/v1/connections/{id}/outlets", "the outlets offering stock online, in priority order").body(b).ok(200, "the connection", Some(s)));
        let (b, s) = (d.schema::<ConnectionPatchDoc>(), d.schema::<ConnectionView>());
        d.add(Op::new("patch", "/api/v1/connections/{id}", "edit a connected store (credentials replaced whole; 409 other_store, already_connected)").body(b).ok(200, "the connection (never its credentials)", Some(s)));
        let s = d.schema::<ConnectionView>();
        d.add(Op::new("post", "/api/v1/connections/{id}/deactivate", "deactivate a connected store: webhooks answered and not acted on, no pull, no push; its orders stay").ok(200, "the connection", Some(s.clone())));
        d.add(Op::new("post", "/api/v1/connections/{id}/activate", "reactivate a connected store (409 already_connected while another connection of it is active)").ok(200, "the connection", Some(s)));
        d.add(
            Op::new("post", "/api/v1/webhooks/{connection_id}", "a platform's webhook delivery, verified by its signature (401 and nothing stored when bad; 503: deliver again)")
                .body(json!({"type": "object"}))
                .ok(200, "applied, or a repeat", Some(json!({"type": "object", "properties": {"outcome": {"type": "string"}}}))),
        );
        let q = d.query::<routes_online::OrdersQuery>();
        let s = d.schema::<Vec<OrderPartView>>();
        d.add(Op::new("get", "/api/v1/orders", "the orders page: order parts, oldest first").query(q).ok(200, "order parts", Some(s.clone())));
        d.add(Op::new("get", "/api/v1/orders/{id}", "every part of one order").ok(200, "its parts", Some(s)));
        let q = d.query::<routes::paging::PageQuery>();
        let s = d.schema::<Vec<HeldOnlineOrder>>();
        d.add(Op::new("get", "/api/v1/held/orders", "platform orders held for review").query(q).ok(200, "held orders, oldest first", Some(s)));
        d.add(
            Op::new("post", "/api/v1/held/orders/{id}/retry", "take a held platform order in again, as received")
                .ok(200, "created, or held again with today's reason", Some(json!({"type": "object", "properties": {"outcome": {"type": "string"}}}))),
        );
    }
    // Online orders out (issue 11).
    {
        let (b, s) = (d.schema::<shared::sync::Operation>(), d.schema::<shared::sync::OpResult>());
        d.add(Op::new("post", "/api/v1/orders/ops", "a manager's order operation (applied once per id; 422 when held, with its reason)").body(b).ok(200, "applied or duplicate", Some(s)));
        d.add(
            Op::new("get", "/api/v1/connections/{id}/outbox", "status calls owed to a platform or refused by it")
                .ok(200, "pending and failed calls", Some(json!({"type": "object", "properties": {"pending": {"type": "integer", "minimum": 0, "maximum": 1000}, "failed": {"type": "integer", "minimum": 0, "maximum": 1000}}}))),
        );
        let retried = json!({"type": "object", "properties": {"calls": {"type": "integer", "minimum": 0, "maximum": u32::MAX}, "stock_levels": {"type": "integer", "minimum": 0, "maximum": u32::MAX}}});
        d.add(
            Op::new("post", "/api/v1/connections/{id}/outbox/retry", "send again everything the platform refused (failed calls not superseded, refused stock levels)")
                .ok(200, "what was re-queued", Some(retried.clone())),
        );
        d.add(
            Op::new("post", "/api/v1/connections/{id}/outbox/{call_id}/retry", "send again a status call the platform refused (409 when not failed or superseded)")
                .ok(200, "what was re-queued", Some(retried)),
        );
    }

    catalog_operations(&mut d);
    admin_operations(&mut d);

    let mut components = Map::new();
    for (name, schema) in d.gen.take_definitions(true) {
        components.insert(name, schema);
    }
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Comptoir API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": format!(
                "The point of sale's JSON API. Money is integer cents. Errors are JSON `ApiError` bodies. \
                 Request bodies are at most {MAX_BODY_BYTES} bytes."
            ),
        },
        "paths": d.paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "device": {"type": "apiKey", "in": "header", "name": "Authorization",
                           "description": "`Device <device_id>.<secret>` from enrolment; `X-Comptoir-Cashier: <staff id>` names the cashier switched in"},
                "bearer": {"type": "http", "scheme": "bearer", "description": "a token from POST /auth/token"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "comptoir_session",
                           "description": "from POST /auth/login; state-changing requests also send `X-CSRF-Token`"},
            },
        },
    });
    bound_integers(&mut doc);
    doc
}

/// Gives every integer schema without a bound the bound of its format: 32-bit formats their own, and
/// wider ones the exact JavaScript integers (±`MAX_SEQ`, that is ±(2^53 − 1)), which every figure the
/// server computes stays within.
fn bound_integers(v: &mut Value) {
    match v {
        Value::Object(obj) => {
            let is_integer = match obj.get("type") {
                Some(Value::String(t)) => t == "integer",
                Some(Value::Array(ts)) => ts.iter().any(|t| t == "integer"),
                _ => false,
            };
            if is_integer {
                let (min, max): (i64, i64) = match obj.get("format").and_then(Value::as_str) {
                    Some("int32") => (i32::MIN.into(), i32::MAX.into()),
                    Some("uint32") => (0, u32::MAX.into()),
                    Some(f) if f.starts_with('u') => (0, MAX_SEQ as i64),
                    _ => (-(MAX_SEQ as i64), MAX_SEQ as i64),
                };
                obj.entry("minimum").or_insert(min.into());
                obj.entry("maximum").or_insert(max.into());
            }
            for (_, child) in obj.iter_mut() {
                bound_integers(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(bound_integers),
        _ => {}
    }
}

/// Catalogue › Produits and CSV files (issue 12: `routes::products`, `routes::csv`).
fn catalog_operations(d: &mut Doc) {
    use shared::catalog::edit::{NewProduct, ProductPatch};
    use shared::catalog::import::ImportReport;
    use shared::catalog::Product;
    let q = d.query::<routes::products::ProductsQuery>();
    let s = d.schema::<Vec<Product>>();
    d.add(Op::new("get", "/api/v1/products", "search the catalog: products by name, filtered, paged (`X-Next-Cursor`)").query(q).ok(200, "a page of products", Some(s)));
    let refused = d.schema::<routes::products::ProductRefused>();
    let (b, s) = (d.schema::<NewProduct>(), d.schema::<Product>());
    d.add(
        Op::new("post", "/api/v1/products", "create a product")
            .body(b)
            .ok(201, "the product", Some(s.clone()))
            .ok(409, "`id_taken`, `sku_taken` or `barcode_taken` (the other product named)", Some(refused.clone()))
            .ok(422, "`invalid_product`: every field at fault", Some(refused.clone())),
    );
    d.add(Op::new("get", "/api/v1/products/{id}", "one product").ok(200, "the product", Some(s.clone())));
    let b = d.schema::<ProductPatch>();
    d.add(
        Op::new("patch", "/api/v1/products/{id}", "edit a product: the fields present change (serial numbers off keeps every serial on file)")
            .body(b)
            .ok(200, "the product as it now is", Some(s))
            .ok(409, "`sku_taken` or `barcode_taken` (the other product named)", Some(refused.clone()))
            .ok(422, "`invalid_product`: every field at fault", Some(refused)),
    );
    let report = d.schema::<ImportReport>();
    let import_refused = d.schema::<routes::csv::ImportRefused>();
    use shared::catalog::import::{CUSTOMER_COLUMNS, PRODUCT_COLUMNS, SERIAL_COLUMNS};
    let files = [
        ("/api/v1/export/products.csv", "/api/v1/import/products", PRODUCT_COLUMNS.join(",")),
        ("/api/v1/export/customers.csv", "/api/v1/import/customers", CUSTOMER_COLUMNS.join(",")),
        ("/api/v1/export/serials.csv", "/api/v1/import/serials", SERIAL_COLUMNS.join(",")),
    ];
    for (export, import, columns) in files {
        d.add(Op::new("get", export, "export as CSV (RFC 4180, UTF-8, a header row)").ok(200, "the file", None));
        d.paths.get_mut(export).unwrap()["get"]["responses"]["200"]["content"] =
            json!({"text/csv": {"schema": {"type": "string", "description": format!("columns: {columns}")}}});
        let q = d.query::<routes::csv::ImportQuery>();
        d.add(
            Op::new("post", import, "import a CSV file: a preview (`dry_run=true`, the default), or all rows in one transaction (`dry_run=false`)")
                .query(q)
                .body(json!({"type": "string"}))
                .ok(200, "the preview, or the report of what was written", Some(report.clone()))
                .ok(422, "`invalid_rows` (every error by row and column; nothing written)", Some(import_refused.clone())),
        );
        let op = &mut d.paths.get_mut(import).unwrap()["post"];
        op["requestBody"] = json!({"required": true, "content": {"text/csv": {"schema": {
            "type": "string",
            "description": format!("a header row, then one row per item; columns: {columns}; at most {} bytes and {} rows", routes::csv::MAX_IMPORT_BYTES, routes::csv::MAX_IMPORT_ROWS),
        }}}});
        op["responses"]["415"]["description"] = json!("the body is not `text/csv`");
    }
}

/// Administration: outlets, registers, staff (issue 12 item 7: `routes::admin`).
fn admin_operations(d: &mut Doc) {
    use shared::auth::staff::{StaffAccount, StaffPatch};
    use shared::catalog::Register;
    use shared::outlets::{NewOutlet, NewRegister, OutletPatch, OutletView, PriorityOrder};
    let refused = d.schema::<routes::admin::AdminRefused>();
    let s = d.schema::<Vec<OutletView>>();
    d.add(Op::new("get", "/api/v1/outlets", "outlets in allocation order, with their registers and the stores selling their stock online").ok(200, "the caller's outlets", Some(s.clone())));
    let (b, one) = (d.schema::<NewOutlet>(), d.schema::<OutletView>());
    d.add(
        Op::new("post", "/api/v1/outlets", "create an outlet (last in allocation order)")
            .body(b)
            .ok(201, "the outlet", Some(one.clone()))
            .ok(409, "`id_taken`", None)
            .ok(422, "`invalid_outlet`: every field at fault (a time zone the IANA database does not know)", Some(refused.clone())),
    );
    let b = d.schema::<PriorityOrder>();
    d.add(
        Op::new("put", "/api/v1/outlets/priority", "the whole allocation order (every store's online outlets follow it)")
            .body(b)
            .ok(200, "the outlets in their new order", Some(s))
            .ok(422, "`invalid_order`: an outlet missing, repeated or unknown", Some(refused.clone())),
    );
    let b = d.schema::<OutletPatch>();
    d.add(
        Op::new("patch", "/api/v1/outlets/{id}", "rename an outlet or change its time zone")
            .body(b)
            .ok(200, "the outlet", Some(one))
            .ok(422, "`invalid_outlet`", Some(refused.clone())),
    );
    let (b, r) = (d.schema::<NewRegister>(), d.schema::<Register>());
    d.add(
        Op::new("post", "/api/v1/registers", "add a register to an outlet")
            .body(b)
            .ok(201, "the register", Some(r))
            .ok(409, "`id_taken` or `code_taken`", None)
            .ok(422, "`invalid_register`", Some(refused)),
    );
    d.add(Op::new("get", "/api/v1/time-zones", "the IANA time zones an outlet may take").ok(200, "zone names, sorted", Some(json!({"type": "array", "items": {"type": "string"}}))));
    let s = d.schema::<Vec<StaffAccount>>();
    d.add(Op::new("get", "/api/v1/staff/accounts", "staff of the caller's outlets, active or not").ok(200, "staff, by name", Some(s)));
    let (b, s) = (d.schema::<StaffPatch>(), d.schema::<StaffAccount>());
    d.add(
        Op::new("patch", "/api/v1/staff/{id}", "edit a staff member: role, outlets, deactivate, reset password or PIN")
            .body(b)
            .ok(200, "the staff member", Some(s))
            .ok(409, "`last_admin` (the last active administrator) or `email_taken`", None),
    );
}
