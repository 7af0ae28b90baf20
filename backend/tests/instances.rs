//! Several instances: two real `comptoir serve` processes (the built binary, each on its own port) on
//! one fresh PostgreSQL database, started at the same moment on an empty database. Devices enrol at
//! either; every sale is pushed to both at once; two devices of one register push at the same time;
//! two sales under one device key arrive at the two instances at once; a sale to hold arrives at both;
//! two sales on one customer's account, together beyond her credit, arrive one at each; guesses at a
//! password are spread over both. Whatever instance answers: each sale is stored exactly once (the other answer is
//! `duplicate`), receipts and device keys are never taken twice, a held sale is held once, the credit
//! overrun is found once, an enrolment code is used once, the lock-out counts every guess, and every
//! stock level is its opening minus what was sold. An event stream at one instance hears of a sale
//! pushed at the other (PostgreSQL LISTEN/NOTIFY).

#[path = "common/test_db.rs"]
mod test_db;

use axum::body::Bytes;
use axum::http::{Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};
use shared::catalog::Product;
use shared::sale::{receipt_number, settle_cash, Cart, Sale, Tender, TenderKind};
use shared::tax::TaxRates;
use shared::Money;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use test_db::{Kind, TestDb};

/// One `comptoir serve` process; killed when dropped. Its log is kept to explain a failure.
struct Instance {
    child: Child,
    base: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `comptoir serve` on a free port (port 0: the process prints the address it is bound to).
fn start(database_url: &str, dist: &std::path::Path) -> (Instance, std::sync::mpsc::Receiver<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_comptoir"))
        .arg("serve")
        .env("DATABASE_URL", database_url)
        .env("COMPTOIR_ADDR", "127.0.0.1:0")
        .env("COMPTOIR_DIST", dist)
        .env("COMPTOIR_DEMO", "1")
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    let kept = log.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(at) = line.find("listening on http://") {
                let addr: String = line[at + "listening on ".len()..].chars().take_while(|c| !c.is_whitespace()).collect();
                let _ = tx.send(addr);
            }
            kept.lock().unwrap().push(line);
        }
    });
    (Instance { child, base: String::new(), log }, rx)
}

#[derive(Clone)]
struct Http(Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>);

impl Http {
    async fn send(&self, method: &str, url: String, auth: Option<&str>, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = Request::builder().method(method).uri(url);
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        let req = req.body(Full::new(Bytes::from(body.map(|b| b.to_string()).unwrap_or_default()))).unwrap();
        let resp = self.0.request(req).await.unwrap();
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }
}

/// A paid cash sale at Montréal's register by `device` (number `number`), at sequence `seq`.
fn sale(products: &[Product], device: &str, number: u32, seq: u64, id: &str) -> Sale {
    let mut cart = Cart::default();
    for p in products.iter().cycle().skip(seq as usize % products.len()).take(1 + seq as usize % 3) {
        cart.add(p);
    }
    let totals = cart.totals(&TaxRates::QUEBEC).unwrap();
    let cash = settle_cash(totals.total, Money(100_000)).unwrap();
    Sale {
        id: id.into(),
        device_id: device.into(),
        register_id: "montreal-1".into(),
        outlet_id: "montreal".into(),
        seq,
        receipt: receipt_number("MTL1", number, seq),
        created_at_ms: 1_790_000_000_000 + seq as i64,
        lines: cart.lines,
        totals,
        tenders: vec![cash.tender()],
        cashier_id: "julie".into(),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_one_postgresql_store_each_sale_once_and_take_no_receipt_twice() {
    let db = TestDb::of(Kind::Postgres).await;
    let dist = tempfile::tempdir().unwrap();
    let http = Http(Client::builder(TokioExecutor::new()).build_http());

    // Both start at once on the empty database: the demo shop is loaded once.
    let (mut a, a_addr) = start(&db.url, dist.path());
    let (mut b, b_addr) = start(&db.url, dist.path());
    for (i, rx) in [(&mut a, a_addr), (&mut b, b_addr)] {
        let addr = rx.recv_timeout(std::time::Duration::from_secs(120)).unwrap_or_else(|_| panic!("no address; log: {:?}", i.log.lock().unwrap()));
        i.base = format!("{addr}/api/v1");
    }
    let loaded = [&a, &b].iter().filter(|i| i.log.lock().unwrap().iter().any(|l| l.contains("loaded the demo shop"))).count();
    assert_eq!(loaded, 1, "exactly one instance loads the demo shop");
    let inspect = db.inspect().await;
    let outlets: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outlets").fetch_one(&inspect).await.unwrap();
    assert_eq!(outlets, 3);

    // A session made at one instance is valid at the other (it is in the database).
    let (status, token) = http.send("POST", format!("{}/auth/token", a.base), None, Some(json!({"email": "admin@demo.comptoir", "password": "demo-admin-2026"}))).await;
    assert_eq!(status, StatusCode::OK, "{token}");
    let admin = format!("Bearer {}", token["token"].as_str().unwrap());
    let (status, _) = http.send("GET", format!("{}/auth/me", b.base), Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK);

    // One code typed at both instances at the same moment enrols one device.
    let (_, code) = http.send("POST", format!("{}/devices/codes", a.base), Some(&admin), Some(json!({"register_id": "montreal-1"}))).await;
    let code = code["code"].as_str().unwrap().to_string();
    let (first, second) = tokio::join!(
        http.send("POST", format!("{}/devices/enrol", a.base), None, Some(json!({"device_id": "tablet-1", "code": code}))),
        http.send("POST", format!("{}/devices/enrol", b.base), None, Some(json!({"device_id": "tablet-x", "code": code}))),
    );
    let mut statuses = [first.0, second.0];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::UNAUTHORIZED], "a code is used once: {first:?} {second:?}");
    let (winner, winner_id) = if first.0 == StatusCode::OK { (first.1, "tablet-1") } else { (second.1, "tablet-x") };

    // A second device of the same register, enrolled at the other instance.
    let (_, code) = http.send("POST", format!("{}/devices/codes", b.base), Some(&admin), Some(json!({"register_id": "montreal-1"}))).await;
    let (status, other) = http.send("POST", format!("{}/devices/enrol", b.base), None, Some(json!({"device_id": "tablet-2", "code": code["code"]}))).await;
    assert_eq!(status, StatusCode::OK, "{other}");
    let devices = [(winner_id.to_string(), winner), ("tablet-2".to_string(), other)];
    let numbers: BTreeSet<u64> = devices.iter().map(|(_, e)| e["device"]["number"].as_u64().unwrap()).collect();
    assert_eq!(numbers.len(), 2, "two devices, two numbers");

    let (_, catalog) = http.send("GET", format!("{}/catalog?limit=100", a.base), Some(&admin), None).await;
    let catalog: Vec<Product> = serde_json::from_value(catalog["products"].clone()).unwrap();
    let products: Vec<Product> = catalog.iter().filter(|p| !p.tracks_serials).take(6).cloned().collect();

    // Each device's sales, in pushes of 4, each push sent to both instances at the same moment; the two
    // devices push at the same time.
    const SALES: u64 = 40;
    let mut pushes = Vec::new();
    for (device_id, enrolment) in &devices {
        let number = enrolment["device"]["number"].as_u64().unwrap() as u32;
        let auth = format!("Device {}", enrolment["credential"].as_str().unwrap());
        let sales: Vec<Sale> = (1..=SALES).map(|seq| sale(&products, device_id, number, seq, &format!("{device_id}-sale-{seq}"))).collect();
        let (http, a, b, device_id) = (http.clone(), a.base.clone(), b.base.clone(), device_id.clone());
        pushes.push(tokio::spawn(async move {
            let mut answers: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for chunk in sales.chunks(4) {
                let body = json!({"device_id": device_id, "sales": chunk});
                let (ra, rb) = tokio::join!(
                    http.send("POST", format!("{a}/sync/push"), Some(&auth), Some(body.clone())),
                    http.send("POST", format!("{b}/sync/push"), Some(&auth), Some(body)),
                );
                for (status, resp) in [ra, rb] {
                    assert_eq!(status, StatusCode::OK, "{resp}");
                    for r in resp["results"].as_array().unwrap() {
                        answers.entry(r["sale_id"].as_str().unwrap().to_string()).or_default().push(r["status"].as_str().unwrap().to_string());
                    }
                }
            }
            (sales, answers)
        }));
    }
    let mut made = Vec::new();
    for p in pushes {
        let (sales, answers) = p.await.unwrap();
        for s in &sales {
            let mut got = answers[&s.id].clone();
            got.sort();
            assert_eq!(got, ["duplicate", "stored"], "sale {} answered {got:?} by the two instances", s.id);
        }
        made.extend(sales);
    }

    // Two different sales under one device key, one at each instance at once: one is stored, the
    // other held (`key_taken`); the sequence is never taken twice.
    let (device_id, enrolment) = &devices[1];
    let number = enrolment["device"]["number"].as_u64().unwrap() as u32;
    let auth = format!("Device {}", enrolment["credential"].as_str().unwrap());
    let one = sale(&products, device_id, number, SALES + 1, "same-key-one");
    let two = sale(&products[1..], device_id, number, SALES + 1, "same-key-two");
    let (ra, rb) = tokio::join!(
        http.send("POST", format!("{}/sync/push", a.base), Some(&auth), Some(json!({"device_id": device_id, "sales": [one]}))),
        http.send("POST", format!("{}/sync/push", b.base), Some(&auth), Some(json!({"device_id": device_id, "sales": [two]}))),
    );
    let mut outcomes = [ra.1["results"][0]["status"].as_str().unwrap().to_string(), rb.1["results"][0]["status"].as_str().unwrap().to_string()];
    outcomes.sort();
    assert_eq!(outcomes, ["held", "stored"], "{ra:?} {rb:?}");

    // A sale the server cannot accept as it stands (its total is off by a cent), pushed to both at
    // once: held once, both answers say held.
    let mut off = sale(&products, device_id, number, SALES + 2, "off-by-a-cent");
    off.totals.total = Money(off.totals.total.as_cents() + 1);
    let body = json!({"device_id": device_id, "sales": [off]});
    let (ra, rb) = tokio::join!(
        http.send("POST", format!("{}/sync/push", a.base), Some(&auth), Some(body.clone())),
        http.send("POST", format!("{}/sync/push", b.base), Some(&auth), Some(body)),
    );
    assert_eq!((ra.1["results"][0]["status"].as_str(), rb.1["results"][0]["status"].as_str()), (Some("held"), Some("held")), "{ra:?} {rb:?}");

    // Marie has 500 $ of credit; a coat on her account at each instance at the same moment, by the two
    // devices: both are stored (paid sales are facts) and the second one decided finds the first and
    // records the overrun, once.
    let coat = catalog.iter().find(|p| p.id == "p018").unwrap();
    let terms = backend::demo::demo_shop().accounts.into_iter().find(|a| a.customer_id == "c-tremblay").unwrap();
    let on_account = |(device_id, enrolment): &(String, Value), seq: u64| {
        let mut cart = Cart::default();
        cart.attach_customer(&terms);
        cart.add(coat);
        let number = enrolment["device"]["number"].as_u64().unwrap() as u32;
        let mut s = sale(&products, device_id, number, seq, &format!("{device_id}-coat"));
        s.totals = cart.totals(&TaxRates::QUEBEC).unwrap();
        s.tenders = vec![Tender::exact(TenderKind::Account, s.totals.total)];
        s.lines = cart.lines;
        s.customer_id = cart.customer_id;
        (json!({"device_id": device_id, "sales": [s]}), format!("Device {}", enrolment["credential"].as_str().unwrap()))
    };
    let ((one, one_auth), (two, two_auth)) = (on_account(&devices[0], SALES + 3), on_account(&devices[1], SALES + 3));
    let (ra, rb) = tokio::join!(
        http.send("POST", format!("{}/sync/push", a.base), Some(&one_auth), Some(one)),
        http.send("POST", format!("{}/sync/push", b.base), Some(&two_auth), Some(two)),
    );
    assert_eq!((ra.1["results"][0]["status"].as_str(), rb.1["results"][0]["status"].as_str()), (Some("stored"), Some("stored")), "{ra:?} {rb:?}");
    let overruns: Vec<String> = sqlx::query_scalar("SELECT kind FROM conflicts").fetch_all(&inspect).await.unwrap();
    assert_eq!(overruns, ["credit_limit_exceeded"]);

    // Ten wrong passwords at once, half at each instance: five are checked, the rest locked out.
    let guesses = (0..10).map(|i| {
        let (http, base) = (http.clone(), if i % 2 == 0 { a.base.clone() } else { b.base.clone() });
        tokio::spawn(async move { http.send("POST", format!("{base}/auth/token"), None, Some(json!({"email": "gerante@demo.comptoir", "password": "wrong-guess"}))).await.0 })
    });
    let mut checked = 0;
    for g in guesses.collect::<Vec<_>>() {
        match g.await.unwrap() {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => {}
            other => panic!("a guess answered {other}"),
        }
    }
    assert_eq!(checked, 5, "five guesses are checked, whichever instance gets them");

    // What the database holds: each sale once, receipts and keys unique, stock moved once per line.
    let stored: Vec<(String, String)> = sqlx::query_as("SELECT id, receipt FROM sales").fetch_all(&inspect).await.unwrap();
    assert_eq!(stored.len() as u64, 2 * SALES + 3);
    let ids: BTreeSet<&str> = stored.iter().map(|(id, _)| id.as_str()).collect();
    for s in &made {
        assert!(ids.contains(s.id.as_str()), "sale {} is stored", s.id);
    }
    let receipts: BTreeSet<&str> = stored.iter().map(|(_, r)| r.as_str()).collect();
    assert_eq!(receipts.len(), stored.len(), "no receipt taken twice");
    let held: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM held_sales").fetch_one(&inspect).await.unwrap();
    assert_eq!(held, 2, "the sale under a taken key and the sale off by a cent, each held once");
    let lines: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sale_lines").fetch_one(&inspect).await.unwrap();
    let moved: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM stock_movements WHERE reason <> 'receiving'").fetch_one(&inspect).await.unwrap();
    assert_eq!(moved, lines, "one stock movement per line of each stored sale");

    // Stock levels, written by both instances at once as absolute values: each is its opening stock
    // minus what the stored sales took, and equal to its ledger's sum (no update lost).
    let sold: Vec<(String, i64)> = sqlx::query_as(
        "SELECT l.product_id, CAST(SUM(l.qty) AS BIGINT) FROM sale_lines l JOIN sales s ON s.id = l.sale_id
         WHERE s.outlet_id = 'montreal' GROUP BY l.product_id",
    )
    .fetch_all(&inspect)
    .await
    .unwrap();
    let opening = backend::demo::demo_shop().opening_stock;
    for (product, qty) in &sold {
        let open = opening.iter().filter(|(p, o, _)| p == product && o == "montreal").map(|(_, _, q)| q).sum::<i64>();
        let level: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT qty FROM stock_levels WHERE outlet_id = 'montreal' AND product_id = '{product}'"
        )))
        .fetch_one(&inspect)
        .await
        .unwrap();
        assert_eq!(level, open - qty, "{product} at Montréal: opening {open} − sold {qty}");
    }
    let mut summed: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT product_id, outlet_id, CAST(SUM(delta) AS BIGINT) FROM stock_movements GROUP BY product_id, outlet_id")
            .fetch_all(&inspect)
            .await
            .unwrap();
    let mut kept: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT product_id, outlet_id, qty FROM stock_levels WHERE qty <> 0 OR EXISTS (SELECT 1 FROM stock_movements m WHERE m.product_id = stock_levels.product_id AND m.outlet_id = stock_levels.outlet_id)")
            .fetch_all(&inspect)
            .await
            .unwrap();
    summed.sort();
    kept.sort();
    assert_eq!(kept, summed, "every maintained level is its ledger's sum");
    inspect.close().await;
    drop((a, b));
}

/// Starts two instances on `db` and waits for their addresses.
async fn two_instances(db: &TestDb, dist: &std::path::Path) -> (Instance, Instance) {
    let (mut a, a_addr) = start(&db.url, dist);
    let (mut b, b_addr) = start(&db.url, dist);
    for (i, rx) in [(&mut a, a_addr), (&mut b, b_addr)] {
        let addr = rx.recv_timeout(std::time::Duration::from_secs(120)).unwrap_or_else(|_| panic!("no address; log: {:?}", i.log.lock().unwrap()));
        i.base = format!("{addr}/api/v1");
    }
    (a, b)
}

/// The version of the next event on an open stream within ten seconds, or `None`.
async fn next_version(body: &mut hyper::body::Incoming, parser: &mut shared::sync::events::EventParser) -> Option<u64> {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let frame = tokio::time::timeout_at(deadline, body.frame()).await.ok()??.ok()?;
        if let Some(data) = frame.data_ref() {
            if let Some(e) = parser.feed(std::str::from_utf8(data).unwrap()).last() {
                return Some(e.version);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_event_stream_at_one_instance_hears_of_a_sale_pushed_at_the_other() {
    use shared::sync::events::EventParser;
    let db = TestDb::of(Kind::Postgres).await;
    let dist = tempfile::tempdir().unwrap();
    let http = Http(Client::builder(TokioExecutor::new()).build_http());
    let (a, b) = two_instances(&db, dist.path()).await;

    let (_, token) = http.send("POST", format!("{}/auth/token", a.base), None, Some(json!({"email": "admin@demo.comptoir", "password": "demo-admin-2026"}))).await;
    let admin = format!("Bearer {}", token["token"].as_str().unwrap());
    let (_, code) = http.send("POST", format!("{}/devices/codes", a.base), Some(&admin), Some(json!({"register_id": "montreal-1"}))).await;
    let (status, enrolment) = http.send("POST", format!("{}/devices/enrol", a.base), None, Some(json!({"device_id": "tablet-1", "code": code["code"]}))).await;
    assert_eq!(status, StatusCode::OK, "{enrolment}");
    let device = format!("Device {}", enrolment["credential"].as_str().unwrap());
    let number = enrolment["device"]["number"].as_u64().unwrap() as u32;
    let (_, catalog) = http.send("GET", format!("{}/catalog?limit=100", a.base), Some(&admin), None).await;
    let catalog: Vec<Product> = serde_json::from_value(catalog["products"].clone()).unwrap();
    let products: Vec<Product> = catalog.iter().filter(|p| !p.tracks_serials).take(3).cloned().collect();

    // The stream at B, over real HTTP; its first event is the version as it opens.
    let req = Request::get(format!("{}/events", b.base)).header("authorization", &device).body(Full::new(Bytes::new())).unwrap();
    let resp = http.0.request(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let mut body = resp.into_body();
    let mut parser = EventParser::default();
    let opened = next_version(&mut body, &mut parser).await.expect("the stream's first event");

    let pushed_at = std::time::Instant::now();
    let s = sale(&products, "tablet-1", number, 1, "sale-at-a");
    let (status, resp) = http.send("POST", format!("{}/sync/push", a.base), Some(&device), Some(json!({"device_id": "tablet-1", "sales": [s]}))).await;
    assert_eq!((status, resp["results"][0]["status"].as_str()), (StatusCode::OK, Some("stored")), "{resp}");
    let head: i64 = sqlx::query_scalar("SELECT version FROM change_counter").fetch_one(&db.inspect().await).await.unwrap();
    let mut seen = opened;
    while seen < head as u64 {
        seen = next_version(&mut body, &mut parser).await.unwrap_or_else(|| panic!("B's stream stopped at version {seen}; the sale at A made {head}"));
    }
    println!("a sale pushed at instance A reached an event stream at instance B after {:?} (version {opened} → {seen})", pushed_at.elapsed());
    drop((a, b));
}
