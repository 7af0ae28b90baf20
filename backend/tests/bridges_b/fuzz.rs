//! Whatever arrives — random bytes, random headers, a real payload with any field replaced or removed,
//! correctly signed or not — the webhook and order parsers answer (a refusal, an ignored delivery, an
//! error) and never panic.

use crate::{bigcommerce as bc_fake, ecwid as ecwid_fake};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use backend::bridges::decimal::cents_from_decimal;
use backend::bridges::{bigcommerce, ecwid, Bridge, Connection, Credentials};
use proptest::prelude::*;
use serde_json::{json, Value};

fn bc_connection() -> Connection {
    Connection {
        id: "c1".into(),
        base_url: "http://127.0.0.1:9".into(),
        credentials: Credentials::BigCommerce {
            store_hash: bc_fake::STORE_HASH.into(),
            access_token: bc_fake::ACCESS_TOKEN.into(),
            client_secret: bc_fake::CLIENT_SECRET.into(),
            location_id: 1,
        },
    }
}

fn ecwid_connection() -> Connection {
    Connection {
        id: "c2".into(),
        base_url: "http://127.0.0.1:9".into(),
        credentials: Credentials::LightspeedEcom {
            store_id: ecwid_fake::STORE_ID,
            secret_token: ecwid_fake::SECRET_TOKEN.into(),
            client_secret: ecwid_fake::CLIENT_SECRET.into(),
        },
    }
}

/// A JSON value of any kind, small.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter("JSON has no NaN or infinities", |f| f.is_finite()).prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::String),
        "-?[0-9]{0,20}(\\.[0-9]{0,6})?(e-?[0-9]{1,3})?".prop_map(Value::String),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..3).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every JSON pointer inside a value.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => m.iter().for_each(|(k, c)| pointers(c, format!("{at}/{k}"), out)),
        Value::Array(a) => a.iter().enumerate().for_each(|(i, c)| pointers(c, format!("{at}/{i}"), out)),
        _ => {}
    }
    out.push(at);
}

/// Replaces (or, for `None`, empties) the values at some of `base`'s pointers.
fn mutate(base: &Value, mutations: &[(prop::sample::Index, Option<Value>)]) -> Value {
    let mut v = base.clone();
    for (index, replacement) in mutations {
        let mut all = Vec::new();
        pointers(&v, String::new(), &mut all);
        let at = index.get(&all).clone();
        if let Some(target) = v.pointer_mut(&at) {
            *target = replacement.clone().unwrap_or_else(|| match target {
                Value::Object(_) => json!({}),
                Value::Array(_) => json!([]),
                _ => Value::Null,
            });
        }
    }
    v
}

fn mutations() -> impl Strategy<Value = Vec<(prop::sample::Index, Option<Value>)>> {
    prop::collection::vec((any::<prop::sample::Index>(), prop::option::of(any_json())), 1..5)
}

fn bc_order() -> Value {
    json!({"id":100,"date_created":"Wed, 10 Jan 2018 21:05:30 +0000","date_modified":"Wed, 10 Jan 2018 21:05:30 +0000","status_id":11,
      "total_inc_tax":"361.9500","payment_method":"Credit Card","payment_status":"authorized","customer_message":"x",
      "shipping_cost_ex_tax":"10.0000","billing_address":{"first_name":"Jane","last_name":"Doe","email":"j@example.com","phone":"5"}})
}

fn bc_products() -> Value {
    json!([{"id":65,"product_id":77,"variant_id":3,"order_address_id":51,"sku":"S-ORAN","name":"T","quantity":1,"base_price":"55.9900",
        "price_ex_tax":"55.9900","quantity_shipped":0,"order_pickup_method_id":0}])
}

fn bc_consignments() -> Value {
    json!({"pickups":[{"id":13,"pickup_method_display_name":"P","location":{"name":"L"},"collection_instructions":"c"}],
           "shipping":[{"first_name":"J","street_1":"1","city":"M","phone":"5","shipping_method":"F"}]})
}

fn ecwid_order() -> Value {
    json!({"id":"XJ12H","email":"m@example.com","paymentMethod":"Credit card","paymentModule":"Stripe","paymentStatus":"PAID",
      "fulfillmentStatus":"AWAITING_PROCESSING","total":34.49,"orderComments":"c","createTimestamp":1725434600,"updateTimestamp":1725434700,
      "items":[{"id":11,"productId":501,"combinationId":7,"price":10.5,"sku":"MUG","quantity":2,"name":"Tasse"}],
      "billingPerson":{"firstName":"M","lastName":"T","phone":"5"},
      "shippingPerson":{"name":"M T","street":"1","city":"M","postalCode":"H","countryCode":"CA","phone":"5"},
      "shippingOption":{"shippingMethodName":"P","shippingRate":4.5,"isPickup":false,"fulfillmentType":"SHIPPING","pickupInstruction":"i"}})
}

fn headers_from(pairs: &[(String, Vec<u8>)]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in pairs {
        if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_bytes(value)) {
            headers.append(name, value);
        }
    }
    headers
}

fn header_pairs() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    let names = prop_oneof![
        Just("webhook-id".to_string()),
        Just("webhook-timestamp".to_string()),
        Just("webhook-signature".to_string()),
        Just("x-ecwid-webhook-signature".to_string()),
        "[a-z-]{1,12}",
    ];
    prop::collection::vec((names, prop::collection::vec(any::<u8>(), 0..60)), 0..6)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_and_headers_never_crash_either_verifier(pairs in header_pairs(), body in prop::collection::vec(any::<u8>(), 0..300), now in any::<i64>()) {
        let headers = headers_from(&pairs);
        let http = reqwest::Client::new();
        let _ = bigcommerce::BigCommerceBridge::new(http.clone()).verify(&bc_connection(), &headers, &body, now);
        let _ = ecwid::EcwidBridge::new(http).verify(&ecwid_connection(), &headers, &body, now);
    }

    #[test]
    fn a_correctly_signed_bigcommerce_delivery_of_any_shape_never_crashes(muts in mutations(), ts_shift in -1000i64..1000) {
        let base = json!({"scope":"store/order/created","store_id":"1","data":{"type":"order","id":250},"hash":"h","created_at":1,
            "producer":format!("stores/{}", bc_fake::STORE_HASH)});
        let body = serde_json::to_vec(&mutate(&base, &muts)).unwrap();
        let now_s = 1_800_000_000i64;
        let headers = bc_fake::sign("msg_1", now_s + ts_shift, &body, bc_fake::CLIENT_SECRET);
        let got = bigcommerce::BigCommerceBridge::new(reqwest::Client::new()).verify(&bc_connection(), &headers, &body, now_s * 1000);
        if ts_shift.abs() <= 300 {
            // Signed and fresh: never refused for its shape (except as another store's).
            prop_assert!(!matches!(got, Err(backend::bridges::WebhookRefusal::BadSignature | backend::bridges::WebhookRefusal::Stale)));
        }
    }

    #[test]
    fn a_correctly_signed_ecwid_delivery_of_any_shape_never_crashes(muts in mutations()) {
        let base = json!({"eventId":"e-1","eventCreated":1234567,"storeId":ecwid_fake::STORE_ID,"entityId":1,"eventType":"order.created",
            "data":{"orderId":"XJ12H","newPaymentStatus":"PAID"}});
        let mutated = mutate(&base, &muts);
        let created = match &mutated["eventCreated"] { Value::Number(n) => n.to_string(), Value::String(s) => s.clone(), _ => "x".into() };
        let id = mutated["eventId"].as_str().unwrap_or("").to_string();
        let body = serde_json::to_vec(&mutated).unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("x-ecwid-webhook-signature", ecwid::signature(ecwid_fake::CLIENT_SECRET, &created, &id).parse().unwrap());
        let _ = ecwid::EcwidBridge::new(reqwest::Client::new()).verify(&ecwid_connection(), &headers, &body, 0);
    }

    #[test]
    fn a_bigcommerce_order_of_any_shape_parses_or_is_malformed(o in mutations(), p in mutations(), c in mutations()) {
        let _ = bigcommerce::parse_order(&mutate(&bc_order(), &o), &mutate(&bc_products(), &p), &mutate(&bc_consignments(), &c));
        let _ = bigcommerce::shipments_to_create(&mutate(&bc_products(), &p), Some("t"));
    }

    #[test]
    fn an_ecwid_order_of_any_shape_parses_or_is_malformed(o in mutations()) {
        let _ = ecwid::parse_order(&mutate(&ecwid_order(), &o));
    }

    #[test]
    fn whatever_an_amount_says_it_becomes_exact_cents_or_nothing(text in ".{0,40}", digits in "-?[0-9]{0,25}(\\.[0-9]{0,8})?([eE][+-]?[0-9]{1,4})?") {
        let _ = cents_from_decimal(&text);
        if let Some(m) = cents_from_decimal(&digits) {
            // Whatever it read, it reads back from its own two-decimal text.
            let text = format!("{}{}.{:02}", if m.0 < 0 { "-" } else { "" }, m.0.unsigned_abs() / 100, m.0.unsigned_abs() % 100);
            prop_assert_eq!(cents_from_decimal(&text), Some(m));
        }
    }
}
