//! Placeholder until the bridge is written: refuses every delivery and every call.

use super::*;

pub struct BigCommerceBridge {
    #[allow(dead_code)]
    http: reqwest::Client,
}

impl BigCommerceBridge {
    pub fn new(http: reqwest::Client) -> BigCommerceBridge {
        BigCommerceBridge { http }
    }
}

#[async_trait]
impl Bridge for BigCommerceBridge {
    fn platform(&self) -> Platform {
        Platform::BigCommerce
    }
    fn verify(&self, _: &Connection, _: &HeaderMap, _: &[u8], _: i64) -> Result<Delivery, WebhookRefusal> {
        Err(WebhookRefusal::BadSignature)
    }
    async fn fetch_order(&self, _: &Connection, _: &str) -> Result<IncomingOrder, BridgeError> {
        Err(BridgeError::Unavailable("not written yet".into()))
    }
    async fn orders_modified_since(&self, _: &Connection, _: i64, _: Option<&str>) -> Result<OrdersPage, BridgeError> {
        Err(BridgeError::Unavailable("not written yet".into()))
    }
    async fn send_status(&self, _: &Connection, _: &StatusUpdate) -> Result<(), BridgeError> {
        Err(BridgeError::Unavailable("not written yet".into()))
    }
    async fn send_stock(&self, _: &Connection, _: &[StockLevel], _: &str) -> Result<(), BridgeError> {
        Err(BridgeError::Unavailable("not written yet".into()))
    }
}
