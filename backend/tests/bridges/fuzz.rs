//! Whatever arrives — random bytes, the documented payloads with any field replaced by any JSON —
//! `verify` and the order readers answer (accept, ignore, refuse, Malformed) and never panic. The
//! signature is made valid, so the bytes reach the readers behind it.

use crate::fakes::{hmac_base64, shopify as fs, woocommerce as fw};
use crate::{shopify_doc_order, woo_doc_order};
use backend::bridges::shopify::ShopifyBridge;
use backend::bridges::woocommerce::WooCommerceBridge;
use backend::bridges::{Bridge, Connection, Credentials};
use axum::http::{HeaderMap, HeaderValue};
use proptest::prelude::*;
use serde_json::{json, Value};

fn shopify_conn() -> Connection {
    Connection {
        id: "c".into(),
        base_url: "https://comptoir-test.myshopify.com".into(),
        credentials: Credentials::Shopify {
            access_token: fs::ACCESS_TOKEN.into(),
            client_secret: fs::CLIENT_SECRET.into(),
            previous_client_secret: None,
            location_id: fs::LOCATION_ID.into(),
        },
    }
}

fn woo_conn() -> Connection {
    Connection {
        id: "c".into(),
        base_url: "https://shop.example".into(),
        credentials: Credentials::WooCommerce { consumer_key: "k".into(), consumer_secret: "s".into(), webhook_secret: fw::WEBHOOK_SECRET.into() },
    }
}

fn shopify_headers(topic: &str, body: &[u8]) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("x-shopify-topic", HeaderValue::from_str(topic).unwrap_or(HeaderValue::from_static("orders/create")));
    h.insert("x-shopify-hmac-sha256", HeaderValue::from_str(&hmac_base64(fs::CLIENT_SECRET, body)).unwrap());
    h.insert("x-shopify-shop-domain", HeaderValue::from_static(fs::SHOP_DOMAIN));
    h.insert("x-shopify-api-version", HeaderValue::from_static("2026-04"));
    h.insert("x-shopify-webhook-id", HeaderValue::from_static("b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"));
    h
}

fn woo_headers(topic: &str, body: &[u8]) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("x-wc-webhook-topic", HeaderValue::from_str(topic).unwrap_or(HeaderValue::from_static("order.created")));
    h.insert("x-wc-webhook-signature", HeaderValue::from_str(&hmac_base64(fw::WEBHOOK_SECRET, body)).unwrap());
    h.insert("x-wc-webhook-id", HeaderValue::from_static("7"));
    h
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        "[0-9.eE+-]{0,12}".prop_map(Value::String),
        ".{0,20}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..4).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every path (object keys and array indexes) in a JSON value.
fn paths(v: &Value, prefix: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = format!("{prefix}/{k}");
                out.push(p.clone());
                paths(x, p, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                let p = format!("{prefix}/{i}");
                out.push(p.clone());
                paths(x, p, out);
            }
        }
        _ => {}
    }
}

fn mutate(mut doc: Value, pick: usize, replacement: Value) -> Value {
    let mut all = Vec::new();
    paths(&doc, String::new(), &mut all);
    if let Some(target) = doc.pointer_mut(&all[pick % all.len()]) {
        *target = replacement;
    }
    doc
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_signed_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..512), topic in "[a-z/._]{0,20}") {
        let s = ShopifyBridge::new(reqwest::Client::new());
        let _ = s.verify(&shopify_conn(), &shopify_headers(&topic, &body), &body, 0);
        let _ = s.verify(&shopify_conn(), &HeaderMap::new(), &body, 0);
        let w = WooCommerceBridge::new(reqwest::Client::new());
        let _ = w.verify(&woo_conn(), &woo_headers(&topic, &body), &body, 0);
        let _ = w.verify(&woo_conn(), &HeaderMap::new(), &body, 0);
        let _ = backend::bridges::shopify::parse_order_bytes(&body);
        let _ = backend::bridges::woocommerce::parse_order_bytes(&body);
    }

    #[test]
    fn mutated_documented_orders_never_panic(pick in any::<usize>(), replacement in any_json(), pickup in any::<bool>()) {
        let shopify = mutate(shopify_doc_order(), pick, replacement.clone());
        let _ = backend::bridges::shopify::parse_order(&shopify, pickup);
        let body = serde_json::to_vec(&shopify).unwrap();
        let _ = ShopifyBridge::new(reqwest::Client::new()).verify(&shopify_conn(), &shopify_headers("orders/create", &body), &body, 0);

        let woo = mutate(woo_doc_order(), pick, replacement);
        let _ = backend::bridges::woocommerce::parse_order(&woo);
        let body = serde_json::to_vec(&woo).unwrap();
        let _ = WooCommerceBridge::new(reqwest::Client::new()).verify(&woo_conn(), &woo_headers("order.updated", &body), &body, 0);
    }
}
