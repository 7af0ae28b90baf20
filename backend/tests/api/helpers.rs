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

pub struct TestApp {
    pub router: Router,
    pub store: SqliteStore,
    pub products: Vec<Product>,
    _dir: tempfile::TempDir,
}

/// A fresh demo shop in its own SQLite file.
pub async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("test.sqlite").display());
    let store = SqliteStore::connect(&url).await.unwrap();
    store.load_shop(&backend::demo::demo_shop()).await.unwrap();
    let products = store.catalog_page(None, 1000).await.unwrap().products;
    // Montréal's and Laval's tablets introduce themselves, as a register does at first start.
    assert_eq!(store.device_hello(MTL_DEVICE).await.unwrap().number, 1);
    assert_eq!(store.device_hello(LAV_DEVICE).await.unwrap().number, 2);
    TestApp { router: backend::api(AppState { store: store.clone() }), store, products, _dir: dir }
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
            ..Default::default()
        }
    }

    pub async fn post(&self, path: &str, body: impl Into<String>) -> (StatusCode, serde_json::Value) {
        let req = Request::post(path).header("content-type", "application/json").body(Body::from(body.into())).unwrap();
        self.call(req).await
    }

    pub async fn get(&self, path: &str) -> (StatusCode, serde_json::Value) {
        self.call(Request::get(path).body(Body::empty()).unwrap()).await
    }

    async fn call(&self, req: Request<Body>) -> (StatusCode, serde_json::Value) {
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
    }

    /// Pushes `sales` as the outbox of the device that made the first of them (Montréal's when none).
    pub async fn push(&self, sales: &[Sale]) -> (StatusCode, serde_json::Value) {
        let device = sales.first().map_or(MTL_DEVICE, |s| s.device_id.as_str());
        self.push_from(device, sales).await
    }

    /// Pushes `sales` as device `device_id`'s outbox.
    pub async fn push_from(&self, device_id: &str, sales: &[Sale]) -> (StatusCode, serde_json::Value) {
        let body = serde_json::json!({ "device_id": device_id, "sales": sales });
        self.post("/api/v1/sync/push", body.to_string()).await
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
    pub async fn delete(&self, path: &str) -> (StatusCode, serde_json::Value) {
        self.call(Request::delete(path).body(Body::empty()).unwrap()).await
    }

    /// A paid cash sale on Laval's register (another register than [`TestApp::sale`]'s).
    pub fn laval_sale(&self, seq: u64, product_ids: &[&str]) -> Sale {
        let mut sale = self.sale(seq, product_ids);
        sale.id = format!("sale-lav-{seq}");
        sale.device_id = LAV_DEVICE.into();
        sale.register_id = "laval-1".into();
        sale.outlet_id = "laval".into();
        sale.receipt = receipt_number("LAV1", 2, seq);
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
            ..Default::default()
        }
    }

    pub async fn conflict_count(&self) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM conflicts").fetch_one(self.store.pool()).await.unwrap()
    }
}
