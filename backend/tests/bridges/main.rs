//! The Shopify and WooCommerce bridges against the documented payloads and against fake platforms
//! (real HTTP servers in this process, `tests/fakes`).

#[path = "../fakes/mod.rs"]
mod fakes;

mod fuzz;
mod shopify;
mod woocommerce;

/// The documented Shopify `orders/create` example (`ecommerce-platforms.md` § 1).
pub fn shopify_doc_order() -> serde_json::Value {
    serde_json::json!({"id":820982911946154508u64,"admin_graphql_api_id":"gid://shopify/Order/820982911946154508",
     "name":"#9999","order_number":1234,"email":"jon@example.com","created_at":"2021-12-31T19:00:00-05:00",
     "currency":"USD","total_price":"199.00","financial_status":"paid","fulfillment_status":null,
     "payment_gateway_names":["visa","bogus"],"note":null,
     "customer":{"id":115310627314723954u64,"email":"john@example.com","first_name":"John","last_name":"Smith"},
     "line_items":[{"id":866550311766439020u64,"variant_id":808950810,"product_id":632910392,"title":"IPod Nano - 8GB",
       "sku":"IPOD2008PINK","quantity":1,"price":"199.00"}],
     "shipping_lines":[{"id":271878346596884015u64,"title":"Generic Shipping","code":null,"source":"shopify","price":"10.00"}]})
}

/// The documented WooCommerce order example (§ 2).
pub fn woo_doc_order() -> serde_json::Value {
    serde_json::json!({"id":727,"parent_id":0,"number":"727","status":"processing","currency":"USD",
     "date_created":"2017-03-22T16:28:02","date_modified":"2017-03-22T16:28:08","total":"29.35","customer_note":"",
     "billing":{"first_name":"John","last_name":"Doe","email":"john.doe@example.com","phone":"(555) 555-5555"},
     "payment_method":"bacs","payment_method_title":"Direct Bank Transfer","transaction_id":"",
     "date_paid":"2017-03-22T16:28:08","date_paid_gmt":"2017-03-22T19:28:08",
     "line_items":[{"id":315,"name":"Woo Single #1","product_id":93,"variation_id":0,"quantity":2,
       "subtotal":"6.00","total":"6.00","sku":"","price":3,"meta_data":[]}],
     "shipping_lines":[{"id":317,"method_title":"Flat Rate","method_id":"flat_rate","total":"10.00","total_tax":"0.00","meta_data":[]}]})
}

pub fn http() -> reqwest::Client {
    reqwest::Client::new()
}
