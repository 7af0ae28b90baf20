//! Every API route with the access it needs, in one table: the router is built from it (a guard on
//! each route resolves the caller and checks `shared::auth::Access` before the handler runs), so a
//! route cannot exist without an access rule. The OpenAPI document and the access test read it too.

use crate::routes::{audit, auth, catalog, changes, customers, devices, events, reports, sales, serials, sync};
use crate::AppState;
use axum::http::Method;
use axum::routing::{delete, get, patch, post, put, MethodRouter};
use shared::auth::Access::{self, Counter, Device, Public, Staff};
use shared::auth::Role::{Admin, Cashier, Manager};

pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    pub handler: MethodRouter<AppState>,
}

fn r(method: Method, path: &'static str, access: Access, handler: MethodRouter<AppState>) -> Route {
    Route { method, path, access, handler }
}

pub fn table() -> Vec<Route> {
    use Method as M;
    vec![
        r(M::GET, "/api/v1/health", Public, get(|| async { "ok" })),
        r(M::GET, "/api/v1/openapi.json", Public, get(crate::openapi::serve)),
        r(M::POST, "/api/v1/auth/login", Public, post(auth::login)),
        r(M::POST, "/api/v1/auth/token", Public, post(auth::token)),
        r(M::POST, "/api/v1/auth/logout", Staff(Cashier), post(auth::logout)),
        r(M::GET, "/api/v1/auth/me", Counter, get(auth::me)),
        r(M::POST, "/api/v1/auth/pin", Device, post(auth::pin)),
        r(M::GET, "/api/v1/staff/offline", Device, get(auth::offline)),
        r(M::GET, "/api/v1/staff", Staff(Manager), get(auth::list)),
        r(M::POST, "/api/v1/staff", Staff(Admin), post(auth::create)),
        r(M::POST, "/api/v1/devices/codes", Staff(Manager), post(devices::create_code)),
        r(M::POST, "/api/v1/devices/enrol", Public, post(devices::enrol)),
        r(M::GET, "/api/v1/devices", Staff(Manager), get(devices::list)),
        r(M::POST, "/api/v1/devices/{id}/revoke", Staff(Admin), post(devices::revoke)),
        r(M::POST, "/api/v1/devices", Device, post(devices::hello)),
        r(M::POST, "/api/v1/sync/push", Device, post(sync::push)),
        r(M::GET, "/api/v1/held", Counter, get(sync::held)),
        r(M::GET, "/api/v1/sync/changes", Counter, get(changes::pull)),
        r(M::GET, "/api/v1/events", Counter, get(events::stream)),
        r(M::GET, "/api/v1/held/ops", Counter, get(sync::held_ops)),
        r(M::GET, "/api/v1/setup", Counter, get(catalog::setup)),
        r(M::GET, "/api/v1/catalog", Counter, get(catalog::catalog)),
        r(M::GET, "/api/v1/customers", Counter, get(catalog::customers)),
        r(M::GET, "/api/v1/sales", Counter, get(sales::list)),
        // Sales history and the inbox (issue 12, items 3 and 4).
        r(M::GET, "/api/v1/sales/history", Counter, get(crate::routes::history::list)),
        r(M::GET, "/api/v1/sales/{id}", Counter, get(crate::routes::history::details)),
        // Sales history: a manager's note on a sale (issue 12, item 3).
        r(M::POST, "/api/v1/sales/{id}/notes", Staff(Manager), post(crate::routes::history::add_note)),
        r(M::GET, "/api/v1/inbox", Staff(Manager), get(crate::routes::inbox::list)),
        r(M::POST, "/api/v1/inbox/{item_id}/resolve", Staff(Manager), post(crate::routes::inbox::resolve)),
        r(M::GET, "/api/v1/stock", Counter, get(sales::stock)),
        r(M::GET, "/api/v1/stock/digest", Counter, get(changes::digest)),
        r(M::GET, "/api/v1/serials", Counter, get(serials::list)),
        r(M::POST, "/api/v1/serials", Counter, post(serials::add)),
        r(M::DELETE, "/api/v1/serials/{product_id}/{serial}", Staff(Manager), delete(serials::delete)),
        r(M::GET, "/api/v1/serials/{product_id}/{serial}/history", Counter, get(serials::history)),
        r(M::GET, "/api/v1/conflicts", Staff(Manager), get(serials::conflicts)),
        r(M::POST, "/api/v1/customers", Staff(Manager), post(customers::create)),
        r(M::PUT, "/api/v1/customers/{id}", Staff(Manager), put(customers::edit)),
        r(M::GET, "/api/v1/customers/summaries", Counter, get(customers::summaries)),
        r(M::GET, "/api/v1/customers/{id}/summary", Counter, get(customers::summary)),
        r(M::POST, "/api/v1/customers/{id}/payments", Counter, post(customers::pay)),
        r(M::GET, "/api/v1/customers/{id}/statement", Counter, get(customers::statement)),
        r(M::GET, "/api/v1/customers/{id}/statement.csv", Counter, get(customers::statement_csv)),
        r(M::GET, "/api/v1/reports/z", Staff(Manager), get(reports::z_report)),
        r(M::POST, "/api/v1/reports/z/count", Staff(Manager), post(reports::record_count)),
        r(M::GET, "/api/v1/audit", Staff(Manager), get(audit::list)),
        // Online orders in (issue 11).
        r(M::POST, "/api/v1/connections", Staff(Manager), post(crate::online::connections::create)),
        r(M::GET, "/api/v1/connections", Staff(Manager), get(crate::online::connections::list)),
        r(M::PUT, "/api/v1/connections/{id}/outlets", Staff(Manager), put(crate::online::connections::set_outlets)),
        r(M::PATCH, "/api/v1/connections/{id}", Staff(Manager), patch(crate::online::connections::update)),
        r(M::POST, "/api/v1/connections/{id}/deactivate", Staff(Manager), post(crate::online::connections::deactivate)),
        r(M::POST, "/api/v1/connections/{id}/activate", Staff(Manager), post(crate::online::connections::activate)),
        r(M::POST, "/api/v1/webhooks/{connection_id}", Public, post(crate::online::routes::webhook)),
        r(M::GET, "/api/v1/orders", Counter, get(crate::online::routes::orders)),
        r(M::GET, "/api/v1/orders/{id}", Counter, get(crate::online::routes::order)),
        r(M::GET, "/api/v1/held/orders", Staff(Manager), get(crate::online::routes::held)),
        // Online orders out (issue 11).
        r(M::POST, "/api/v1/orders/ops", Staff(Manager), post(crate::routes::orders_out::apply)),
        r(M::GET, "/api/v1/connections/{id}/outbox", Staff(Manager), get(crate::routes::orders_out::outbox)),
        r(M::POST, "/api/v1/connections/{id}/outbox/retry", Staff(Manager), post(crate::routes::orders_out::retry_all)),
        r(M::POST, "/api/v1/connections/{id}/outbox/{call_id}/retry", Staff(Manager), post(crate::routes::orders_out::retry_call)),
        r(M::POST, "/api/v1/held/orders/{id}/retry", Staff(Manager), post(crate::online::routes::retry_held)),
        // Catalogue › Produits and CSV files (issue 12).
        r(M::GET, "/api/v1/products", Staff(Manager), get(crate::routes::products::list)),
        r(M::POST, "/api/v1/products", Staff(Manager), post(crate::routes::products::create)),
        r(M::GET, "/api/v1/products/{id}", Staff(Manager), get(crate::routes::products::get)),
        r(M::PATCH, "/api/v1/products/{id}", Staff(Manager), patch(crate::routes::products::edit)),
        r(M::GET, "/api/v1/export/products.csv", Staff(Manager), get(crate::routes::csv::export_products)),
        r(M::GET, "/api/v1/export/customers.csv", Staff(Manager), get(crate::routes::csv::export_customers)),
        r(M::GET, "/api/v1/export/serials.csv", Staff(Manager), get(crate::routes::csv::export_serials)),
        r(M::POST, "/api/v1/import/products", Staff(Manager), post(crate::routes::csv::import_products).layer(import_limit())),
        r(M::POST, "/api/v1/import/customers", Staff(Manager), post(crate::routes::csv::import_customers).layer(import_limit())),
        r(M::POST, "/api/v1/import/serials", Staff(Manager), post(crate::routes::csv::import_serials).layer(import_limit())),
        // Administration: outlets, registers, staff (issue 12 item 7).
        r(M::GET, "/api/v1/outlets", Staff(Manager), get(crate::routes::admin::list)),
        r(M::POST, "/api/v1/outlets", Staff(Admin), post(crate::routes::admin::create)),
        r(M::PUT, "/api/v1/outlets/priority", Staff(Admin), put(crate::routes::admin::priority)),
        r(M::PATCH, "/api/v1/outlets/{id}", Staff(Admin), patch(crate::routes::admin::update)),
        r(M::POST, "/api/v1/registers", Staff(Admin), post(crate::routes::admin::create_register)),
        r(M::GET, "/api/v1/time-zones", Staff(Manager), get(crate::routes::admin::time_zones)),
        r(M::GET, "/api/v1/staff/accounts", Staff(Manager), get(crate::routes::admin::accounts)),
        r(M::PATCH, "/api/v1/staff/{id}", Staff(Admin), patch(crate::routes::admin::update_staff)),
    ]
}

/// A CSV file is larger than a JSON body may be (`routes::csv::MAX_IMPORT_BYTES`).
fn import_limit() -> axum::extract::DefaultBodyLimit {
    axum::extract::DefaultBodyLimit::max(crate::routes::csv::MAX_IMPORT_BYTES)
}

/// The access rule of `(method, path)` as the table states it.
pub fn access_of(method: &str, path: &str) -> Option<Access> {
    table().into_iter().find(|r| r.method.as_str().eq_ignore_ascii_case(method) && r.path == path).map(|r| r.access)
}
