use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use backend::store::SqliteStore;
use backend::AppState;
use http_body_util::BodyExt;
use shared::catalog::Product;
use shared::sale::{receipt_number, settle_cash, Cart, Sale};
use shared::tax::TaxRates;
use shared::Money;
use tower::ServiceExt;

/// The device that sells at Montréal in these tests (number 1), and Laval's (number 2).
pub const MTL_DEVICE: &str = "device-mtl";
pub const LAV_DEVICE: &str = "device-lav";

/// The demo accounts' sign-ins.
pub const ADMIN: (&str, &str) = ("admin@demo.comptoir", "demo-admin-2026");
pub const MANAGER_MTL: (&str, &str) = ("gerante@demo.comptoir", "demo-gerante-2026");

/// Whose credentials a request carries.
#[derive(Clone, Debug)]
pub enum As {
    Nobody,
    Bearer(String),
    /// A device credential, with the cashier switched in at it.
    Device(String, Option<String>),
    /// A browser session: the cookie's token and the CSRF token to send (or not) with it.
    Cookie { token: String, csrf: Option<String> },
}

pub struct TestApp {
    pub router: Router,
    pub store: SqliteStore,
    pub products: Vec<Product>,
    /// An admin's bearer token: what the plain `get`/`post`/`delete` helpers send.
    pub admin: String,
    /// Device id → credential, for the devices enrolled through the routes.
    pub devices: std::collections::BTreeMap<String, String>,
    pub dir: tempfile::TempDir,
}

/// A fresh demo shop in its own SQLite file, Montréal's and Laval's tablets enrolled through the routes.
pub async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("test.sqlite").display());
    let store = SqliteStore::connect(&url).await.unwrap();
    store.load_shop(&backend::demo::demo_shop()).await.unwrap();
    let products = store.catalog_page(None, 1000).await.unwrap().products;
    let router = backend::api(AppState::new(store.clone()));
    let mut app = TestApp { router, store, products, admin: String::new(), devices: Default::default(), dir };
    app.admin = app.token(ADMIN).await;
    assert_eq!(app.enrol(MTL_DEVICE, "montreal-1").await, 1);
    assert_eq!(app.enrol(LAV_DEVICE, "laval-1").await, 2);
    app
}

impl TestApp {
    /// A bearer token for these credentials (`POST /auth/token`).
    pub async fn token(&self, (email, password): (&str, &str)) -> String {
        let body = serde_json::json!({"email": email, "password": password}).to_string();
        let (status, info) = self.send(As::Nobody, "POST", "/api/v1/auth/token", Some(body)).await;
        assert_eq!(status, StatusCode::OK, "{info}");
        info["token"].as_str().unwrap().to_string()
    }

    /// A one-time code from the admin, then `POST /devices/enrol`: the device's number. Its credential
    /// is kept in `devices`.
    pub async fn enrol(&mut self, device_id: &str, register_id: &str) -> u64 {
        let code = self.code(register_id).await;
        let body = serde_json::json!({"device_id": device_id, "code": code}).to_string();
        let (status, enrolment) = self.send(As::Nobody, "POST", "/api/v1/devices/enrol", Some(body)).await;
        assert_eq!(status, StatusCode::OK, "{enrolment}");
        self.devices.insert(device_id.to_string(), enrolment["credential"].as_str().unwrap().to_string());
        enrolment["device"]["number"].as_u64().unwrap()
    }

    /// A new enrolment code for a register, asked by the admin.
    pub async fn code(&self, register_id: &str) -> String {
        let body = serde_json::json!({"register_id": register_id}).to_string();
        let (status, code) = self.send(As::Bearer(self.admin.clone()), "POST", "/api/v1/devices/codes", Some(body)).await;
        assert_eq!(status, StatusCode::OK, "{code}");
        code["code"].as_str().unwrap().to_string()
    }

    /// The device's credential, with a cashier switched in.
    pub fn device(&self, device_id: &str, cashier: Option<&str>) -> As {
        As::Device(self.devices[device_id].clone(), cashier.map(str::to_owned))
    }

    /// One request with `who`'s credentials; the body (if any) as JSON.
    pub async fn send(&self, who: As, method: &str, path: &str, body: Option<String>) -> (StatusCode, serde_json::Value) {
        let mut req = Request::builder().method(method).uri(path);
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        req = match who {
            As::Nobody => req,
            As::Bearer(t) => req.header("authorization", format!("Bearer {t}")),
            As::Device(c, cashier) => {
                let req = req.header("authorization", format!("Device {c}"));
                match cashier {
                    Some(id) => req.header("x-comptoir-cashier", id),
                    None => req,
                }
            }
            As::Cookie { token, csrf } => {
                let req = req.header("cookie", format!("comptoir_session={token}"));
                match csrf {
                    Some(c) => req.header("x-csrf-token", c),
                    None => req,
                }
            }
        };
        self.call(req.body(body.map_or_else(Body::empty, Body::from)).unwrap()).await
    }
}

impl TestApp {
    pub fn product(&self, id: &str) -> Product {
        self.products.iter().find(|p| p.id == id).cloned().unwrap()
    }

    /// A paid cash sale of the given products on Montréal's register.
    pub fn sale(&self, seq: u64, product_ids: &[&str]) -> Sale {
        let mut cart = Cart::default();
        for id in product_ids {
            cart.add(&self.product(id));
        }
        let totals = cart.totals(&TaxRates::QUEBEC).unwrap();
        let cash = settle_cash(totals.total, Money(100_000)).unwrap();
        Sale {
            id: format!("sale-mtl-{seq}"),
            device_id: MTL_DEVICE.into(),
            register_id: "montreal-1".into(),
            outlet_id: "montreal".into(),
            seq,
            receipt: receipt_number("MTL1", 1, seq),
            created_at_ms: 1_700_000_000_000 + seq as i64,
            lines: cart.lines,
            totals,
            tenders: vec![cash.tender()],
            cashier_id: "julie".into(),
            ..Default::default()
        }
    }

    /// As the admin (bearer).
    pub async fn post(&self, path: &str, body: impl Into<String>) -> (StatusCode, serde_json::Value) {
        self.send(As::Bearer(self.admin.clone()), "POST", path, Some(body.into())).await
    }

    /// As the admin (bearer).
    pub async fn get(&self, path: &str) -> (StatusCode, serde_json::Value) {
        self.send(As::Bearer(self.admin.clone()), "GET", path, None).await
    }

    pub async fn call(&self, req: Request<Body>) -> (StatusCode, serde_json::Value) {
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        // An event stream never ends: its status is the answer.
        if resp.headers().get("content-type").is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream")) {
            return (status, serde_json::Value::Null);
        }
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
    }

    /// Pushes `sales` as the outbox of the device that made the first of them (Montréal's when none).
    pub async fn push(&self, sales: &[Sale]) -> (StatusCode, serde_json::Value) {
        let device = sales.first().map_or(MTL_DEVICE, |s| s.device_id.as_str());
        self.push_from(device, sales).await
    }

    /// A raw body to the push route, with Montréal's device credential.
    pub async fn push_raw(&self, body: impl Into<String>) -> (StatusCode, serde_json::Value) {
        self.send(self.device(MTL_DEVICE, None), "POST", "/api/v1/sync/push", Some(body.into())).await
    }

    /// Pushes `sales` as device `device_id`'s outbox, with its credential.
    pub async fn push_from(&self, device_id: &str, sales: &[Sale]) -> (StatusCode, serde_json::Value) {
        let body = serde_json::json!({ "device_id": device_id, "sales": sales });
        self.send(self.device(device_id, None), "POST", "/api/v1/sync/push", Some(body.to_string())).await
    }

    pub async fn held_count(&self) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM held_sales").fetch_one(self.store.pool()).await.unwrap()
    }

    pub async fn sale_count(&self) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM sales").fetch_one(self.store.pool()).await.unwrap()
    }

    pub async fn movement_count(&self) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM stock_movements WHERE reason <> 'receiving'")
            .fetch_one(self.store.pool())
            .await
            .unwrap()
    }

    pub async fn level(&self, outlet: &str, product: &str) -> i64 {
        self.store
            .stock_levels(outlet)
            .await
            .unwrap()
            .into_iter()
            .find(|(p, _)| p == product)
            .map(|(_, l)| l)
            .unwrap()
    }
}

impl TestApp {
    /// As the admin (bearer).
    pub async fn delete(&self, path: &str) -> (StatusCode, serde_json::Value) {
        self.send(As::Bearer(self.admin.clone()), "DELETE", path, None).await
    }

    /// A paid cash sale on Laval's register (another register than [`TestApp::sale`]'s).
    pub fn laval_sale(&self, seq: u64, product_ids: &[&str]) -> Sale {
        let mut sale = self.sale(seq, product_ids);
        sale.id = format!("sale-lav-{seq}");
        sale.device_id = LAV_DEVICE.into();
        sale.register_id = "laval-1".into();
        sale.outlet_id = "laval".into();
        sale.receipt = receipt_number("LAV1", 2, seq);
        sale.cashier_id = "marc".into();
        sale
    }

    /// A return on Montréal's register of `qty` units of line `line` of `original`, refunded in cash.
    pub fn return_sale(&self, seq: u64, original: &Sale, line: usize, qty: i64) -> Sale {
        use shared::sale::{plan_return, refund_tenders, RefundMethod, ReturnPick};
        let mut cart = Cart::default();
        cart.add_returns(plan_return(original, &[], &[ReturnPick { line, qty }]).unwrap());
        let totals = cart.totals(&TaxRates::QUEBEC).unwrap();
        let tenders = refund_tenders(totals.total, RefundMethod::Cash, Some(original)).unwrap();
        Sale {
            id: format!("return-mtl-{seq}"),
            device_id: MTL_DEVICE.into(),
            register_id: "montreal-1".into(),
            outlet_id: "montreal".into(),
            seq,
            receipt: receipt_number("MTL1", 1, seq),
            created_at_ms: 1_700_000_100_000 + seq as i64,
            lines: cart.lines,
            totals,
            tenders,
            cashier_id: "julie".into(),
            ..Default::default()
        }
    }

    pub async fn conflict_count(&self) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM conflicts").fetch_one(self.store.pool()).await.unwrap()
    }
}
