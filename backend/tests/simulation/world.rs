//! One schedule: a shop (a copy of the demo database), its devices, the faults, the checks.

use crate::transport::{call, Faults, SimTransport};
use axum::Router;
use crate::test_db::TestDb;
use backend::store::Store;
use backend::AppState;
use rand::rngs::StdRng;
use rand::Rng;
use shared::catalog::{Product, Register};
use shared::sale::{receipt_number, settle_cash, Cart, Sale, Tender, TenderKind};
use shared::stock::movements_for_sale;
use shared::account::AccountPayment;
use shared::sync::ops::{AdjustmentLine, AdjustmentReason};
use shared::sync::{OpBody, Operation, PushRequest, PushResponse, PushStatus};
use shared::tax::TaxRates;
use shared::Money;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use sync_client::{drain, DeviceStore, MemoryStore, SaleDraft};

/// The demo shop written once; each schedule starts from a copy of its database.
pub struct Template {
    db: TestDb,
    registers: Vec<Register>,
    rates: BTreeMap<String, TaxRates>,
    products: Vec<Product>,
    opening: BTreeMap<(String, String), i64>,
    /// An admin's bearer token, valid in every copy of the file (the session is in it).
    admin: String,
    /// Who may sell at each outlet (its demo staff and the admin).
    cashiers: BTreeMap<String, Vec<String>>,
}

impl Template {
    pub async fn new() -> Template {
        let db = TestDb::new().await;
        let store = backend::store::connect(&db.url).await.unwrap();
        store.load_shop(&backend::demo::demo_shop()).await.unwrap();
        let setup = store.setup().await.unwrap();
        let rates = setup.outlets.iter().map(|o| (o.id.clone(), o.tax_rates)).collect();
        let mut opening = BTreeMap::new();
        for o in &setup.outlets {
            for (p, level) in store.stock_levels(&o.id).await.unwrap() {
                opening.insert((o.id.clone(), p), level);
            }
        }
        // A few products, serial-tracked ones left out (their rules have their own tests).
        let products: Vec<Product> =
            store.catalog_page(None, 1000).await.unwrap().products.into_iter().filter(|p| !p.tracks_serials).take(8).collect();
        let router = backend::api(AppState::new(store.clone()));
        let body = serde_json::json!({"email": "admin@demo.comptoir", "password": "demo-admin-2026"}).to_string();
        let info: serde_json::Value = call(&router, "/api/v1/auth/token", None, body, &RefCell::new(Faults::default())).await.unwrap();
        let admin = info["token"].as_str().unwrap().to_string();
        let mut cashiers = BTreeMap::new();
        for o in &setup.outlets {
            let staff = store.offline_staff(&o.id).await.unwrap();
            cashiers.insert(o.id.clone(), staff.into_iter().map(|s| s.staff_id).collect());
        }
        store.close().await;
        Template { db, registers: setup.registers, rates, products, opening, admin, cashiers }
    }
}

struct Dev {
    store: MemoryStore,
    register: usize,
    online: bool,
    /// From its enrolment to `register`.
    credential: String,
}

#[derive(Default, Debug)]
pub struct Outcome {
    pub made: u64,
    pub ops_made: u64,
    pub double_submits: u64,
    pub stored: u64,
    pub held: u64,
    pub hostile_refused: u64,
    pub hostile_held: u64,
    pub hostile_stored: u64,
    pub pushes: u64,
    pub lost_requests: u64,
    pub lost_answers: u64,
    pub duplicated: u64,
    pub replayed: u64,
    pub restarts: u64,
    pub switches: u64,
}

impl Outcome {
    pub fn add(&mut self, o: &Outcome) {
        self.made += o.made;
        self.ops_made += o.ops_made;
        self.double_submits += o.double_submits;
        self.stored += o.stored;
        self.held += o.held;
        self.hostile_refused += o.hostile_refused;
        self.hostile_held += o.hostile_held;
        self.hostile_stored += o.hostile_stored;
        self.pushes += o.pushes;
        self.lost_requests += o.lost_requests;
        self.lost_answers += o.lost_answers;
        self.duplicated += o.duplicated;
        self.replayed += o.replayed;
        self.restarts += o.restarts;
        self.switches += o.switches;
    }
}

pub struct World<'t> {
    t: &'t Template,
    db: TestDb,
    store: Arc<dyn Store>,
    router: Router,
    /// On PostgreSQL, a second instance (its own store and router on the same database): pushes take
    /// turns between the two, as devices behind a load balancer would.
    other: Option<(Arc<dyn Store>, Router)>,
    turn: u64,
    devices: Vec<Dev>,
    rng: RefCell<StdRng>,
    faults: RefCell<Faults>,
    /// Every sale an honest device recorded (its customer paid).
    made: BTreeMap<String, Sale>,
    /// Every operation an honest device recorded (stock received or damaged, payments on account).
    ops: BTreeMap<String, Operation>,
    /// Sales a hostile client got stored under a device's identity.
    hostile_stored: Vec<Sale>,
    out: Outcome,
    next_id: u64,
}

impl<'t> World<'t> {
    pub async fn new(t: &'t Template, devices: usize, rng: StdRng) -> World<'t> {
        let db = t.db.copy().await;
        let store = backend::store::connect(&db.url).await.unwrap();
        let router = backend::api(AppState::new(store.clone()));
        let other = match db.kind {
            crate::test_db::Kind::Postgres => {
                let store = backend::store::connect(&db.url).await.unwrap();
                Some((store.clone(), backend::api(AppState::new(store))))
            }
            crate::test_db::Kind::Sqlite => None,
        };
        let mut rng = rng;
        let mut devs = Vec::new();
        for i in 0..devices {
            let register = rng.random_range(0..t.registers.len());
            let store = MemoryStore::new(&format!("device-{i}"));
            let (number, credential) = enrol(&router, &t.admin, &format!("device-{i}"), &t.registers[register].id).await;
            // Enrolment gives the number: the device knows it before its first sale.
            sync_client::DeviceStore::set_device_number(&store, number).await.unwrap();
            devs.push(Dev { store, register, online: true, credential });
        }
        let devices = devs;
        World {
            t,
            db,
            store,
            router,
            other,
            turn: 0,
            devices,
            rng: RefCell::new(rng),
            faults: RefCell::new(Faults::default()),
            made: BTreeMap::new(),
            ops: BTreeMap::new(),
            hostile_stored: Vec::new(),
            out: Outcome::default(),
            next_id: 0,
        }
    }

    fn pick(&self, n: usize) -> usize {
        self.rng.borrow_mut().random_range(0..n)
    }

    fn chance(&self, p: f64) -> bool {
        self.rng.borrow_mut().random_bool(p)
    }

    pub async fn run(&mut self) -> Result<Outcome, String> {
        let steps: u32 = self.rng.borrow_mut().random_range(20..60);
        for _ in 0..steps {
            let d = self.pick(self.devices.len());
            match self.pick(100) {
                0..=26 => self.sell(d)?,
                27..=34 => self.operate(d)?,
                35..=64 => self.drain(d, 0.3).await,
                65..=72 => self.devices[d].online = !self.devices[d].online,
                73..=78 => self.switch(d).await,
                79..=84 => self.replay_one().await,
                85..=88 => self.restart().await,
                89..=93 => self.hostile_overflow(d).await?,
                _ => self.hostile_steal(d).await?,
            }
        }
        self.quiesce().await?;
        self.check().await?;
        Ok(std::mem::take(&mut self.out))
    }

    fn cart(&self) -> Cart {
        let mut cart = Cart::default();
        let n = self.rng.borrow_mut().random_range(1..=3);
        for _ in 0..n {
            cart.add(&self.t.products[self.pick(self.t.products.len())]);
        }
        cart
    }

    fn tenders(&self, total: Money) -> Vec<Tender> {
        if self.chance(0.5) {
            vec![Tender::exact(TenderKind::Card, total)]
        } else {
            vec![settle_cash(total, Money(total.as_cents() + self.rng.borrow_mut().random_range(5..5_000))).unwrap().tender()]
        }
    }

    fn sell(&mut self, d: usize) -> Result<(), String> {
        let register = self.t.registers[self.devices[d].register].clone();
        let rates = self.t.rates[&register.outlet_id];
        let cart = self.cart();
        let total = cart.totals(&rates).unwrap().total;
        self.next_id += 1;
        let cashiers = &self.t.cashiers[&register.outlet_id];
        let cashier_id = cashiers[self.pick(cashiers.len())].clone();
        let draft = SaleDraft {
            id: format!("sale-{}-{}", self.devices[d].register, self.next_id),
            register,
            created_at_ms: 1_790_000_000_000 + self.next_id as i64,
            cart,
            rates,
            tenders: self.tenders(total),
            cashier_id,
        };
        let dev = &self.devices[d];
        let Ok(sale) = dev.store.commit(&draft) else {
            return Ok(()); // not introduced yet: the register waits for the server before selling
        };
        if self.chance(0.15) {
            // A double click on the tender: the same draft committed again is the same sale.
            let again = dev.store.commit(&draft).map_err(|e| e.to_string())?;
            if again != sale {
                return Err(format!("a double submit recorded two sales: {} and {}", sale.receipt, again.receipt));
            }
            self.out.double_submits += 1;
        }
        self.made.insert(sale.id.clone(), sale);
        self.out.made += 1;
        Ok(())
    }

    /// Another change at the register: stock received or damaged, or a payment on account — each
    /// commutes with every other change, so the stock and balances to expect do not depend on the order
    /// pushes arrive in. (A count does not commute with sales made elsewhere; its rule has its own tests.)
    fn operate(&mut self, d: usize) -> Result<(), String> {
        let register = self.t.registers[self.devices[d].register].clone();
        let cashiers = &self.t.cashiers[&register.outlet_id];
        let cashier_id = cashiers[self.pick(cashiers.len())].clone();
        self.next_id += 1;
        let id = format!("op-{}", self.next_id);
        let qty = self.rng.borrow_mut().random_range(1..=4);
        let body = match self.pick(3) {
            0 => OpBody::AccountPayment {
                payment: AccountPayment {
                    id: id.clone(),
                    customer_id: ["c-tremblay", "c-gagnon"][self.pick(2)].into(),
                    register_id: register.id.clone(),
                    amount: Money(qty * 1_000),
                    tenders: vec![Tender::exact(TenderKind::Card, Money(qty * 1_000))],
                    ..AccountPayment::default()
                },
            },
            k => OpBody::StockAdjustment {
                outlet_id: register.outlet_id.clone(),
                reason: if k == 1 { AdjustmentReason::Receiving } else { AdjustmentReason::Damage },
                lines: vec![AdjustmentLine { product_id: self.t.products[self.pick(self.t.products.len())].id.clone(), qty }],
            },
        };
        let op = Operation { id, device_id: format!("device-{d}"), made_at_ms: 1_790_000_000_000 + self.next_id as i64, cashier_id, body };
        let recorded = self.devices[d].store.record_op(op.clone());
        if self.chance(0.15) {
            // A double press on "confirm": the same operation again is the same operation.
            if self.devices[d].store.record_op(op.clone()) != recorded {
                return Err(format!("a double press recorded operation {} twice", op.id));
            }
            self.out.double_submits += 1;
        }
        self.ops.insert(op.id.clone(), op);
        self.out.ops_made += 1;
        Ok(())
    }

    async fn drain(&mut self, d: usize, fault_rate: f64) {
        if !self.devices[d].online {
            return;
        }
        let credential = self.devices[d].credential.clone();
        let transport = SimTransport { router: self.next_router(), credential, rng: &self.rng, faults: &self.faults, fault_rate };
        if let Ok(report) = drain(&self.devices[d].store, &transport).await {
            self.out.pushes += u64::from(report.pushes);
        }
    }

    async fn replay_one(&mut self) {
        let kept = std::mem::take(&mut self.faults.borrow_mut().kept);
        let mut kept = kept;
        if kept.is_empty() {
            return;
        }
        let req = kept.remove(self.pick(kept.len()));
        self.faults.borrow_mut().kept = kept;
        let auth = self.auth_of(&req.device_id);
        let router = self.next_router();
        let _: Result<PushResponse, _> = call(&router, "/api/v1/sync/push", auth.as_deref(), serde_json::to_string(&req).unwrap(), &self.faults).await;
        self.out.replayed += 1;
    }

    async fn restart(&mut self) {
        self.store.close().await;
        self.store = backend::store::connect(&self.db.url).await.unwrap();
        self.router = backend::api(AppState::new(self.store.clone()));
        if let Some((store, _)) = self.other.take() {
            store.close().await;
            let store = backend::store::connect(&self.db.url).await.unwrap();
            self.other = Some((store.clone(), backend::api(AppState::new(store))));
        }
        self.out.restarts += 1;
    }

    /// The instance the next push reaches (the two take turns on PostgreSQL).
    fn next_router(&mut self) -> Router {
        self.turn += 1;
        match &self.other {
            Some((_, router)) if self.turn.is_multiple_of(2) => router.clone(),
            _ => self.router.clone(),
        }
    }

    /// A push with a number no register could make: refused at the edge, nothing written.
    async fn hostile_overflow(&mut self, d: usize) -> Result<(), String> {
        let Some(device) = self.devices[d].store.device().await.unwrap().known() else { return Ok(()) };
        let Some(sale) = self.made.values().find(|s| s.device_id == device.id).cloned() else { return Ok(()) };
        let mut bad = serde_json::to_value(&sale).unwrap();
        match self.pick(3) {
            0 => bad["seq"] = serde_json::json!(i64::MAX),
            1 => bad["lines"][0]["qty"] = serde_json::json!(5_000_000_000_000_000_000i64),
            _ => bad["tenders"][0]["amount"] = serde_json::json!(-9_000_000_000_000_000_000i64),
        }
        bad["id"] = serde_json::json!("hostile-overflow");
        let body = serde_json::json!({ "device_id": device.id, "sales": [bad] }).to_string();
        let auth = self.auth_of(&device.id);
        let router = self.next_router();
        match call::<PushResponse>(&router, "/api/v1/sync/push", auth.as_deref(), body, &self.faults).await {
            Err(sync_client::Failure::Refused { .. }) => {
                self.out.hostile_refused += 1;
                Ok(())
            }
            other => Err(format!("an overflowing push was not refused: {other:?}")),
        }
    }

    /// Someone tries to take a device's next sequence with another sale: a stranger with no
    /// credential (401), another enrolled device pushing under the victim's id (403), or that device
    /// pushing the sale as its own outbox while naming the victim (held `other_device`). Nothing of it
    /// may be stored, and the honest sale under that key is never lost.
    async fn hostile_steal(&mut self, d: usize) -> Result<(), String> {
        let Some(device) = self.devices[d].store.device().await.unwrap().known() else { return Ok(()) };
        let seq = self.devices[d].store.sales().len() as u64 + 1;
        let register = self.t.registers[self.pick(self.t.registers.len())].clone();
        let rates = self.t.rates[&register.outlet_id];
        let cart = self.cart();
        let totals = cart.totals(&rates).unwrap();
        self.next_id += 1;
        let sale = Sale {
            id: format!("stolen-{}", self.next_id),
            device_id: device.id.clone(),
            register_id: register.id.clone(),
            outlet_id: register.outlet_id.clone(),
            seq,
            receipt: receipt_number(&register.code, device.number, seq),
            created_at_ms: 1_790_000_000_000,
            lines: cart.lines.clone(),
            tenders: self.tenders(totals.total),
            totals,
            cashier_id: self.t.cashiers[&register.outlet_id][0].clone(),
            ..Sale::default()
        };
        let insider = (0..self.devices.len()).find(|i| *i != d);
        let (pusher, auth) = match (self.pick(3), insider) {
            (1, Some(i)) => (device.id.clone(), Some(format!("Device {}", self.devices[i].credential))),
            (2, Some(i)) => (format!("device-{i}"), Some(format!("Device {}", self.devices[i].credential))),
            _ => (device.id.clone(), None),
        };
        let body = serde_json::to_string(&PushRequest { device_id: pusher, sales: vec![sale.clone()], ops: vec![] }).unwrap();
        let router = self.next_router();
        match call::<PushResponse>(&router, "/api/v1/sync/push", auth.as_deref(), body, &self.faults).await {
            Err(sync_client::Failure::Refused { status: 401 | 403, .. }) => self.out.hostile_refused += 1,
            Ok(resp) if resp.results[0].status == PushStatus::Held => self.out.hostile_held += 1,
            Ok(resp) if resp.results[0].status == PushStatus::Stored => {
                self.hostile_stored.push(sale);
                self.out.hostile_stored += 1;
            }
            other => return Err(format!("hostile push: {other:?}")),
        }
        Ok(())
    }

    /// The device's `Authorization` header value.
    fn auth_of(&self, device_id: &str) -> Option<String> {
        (0..self.devices.len()).find(|i| format!("device-{i}") == device_id).map(|i| format!("Device {}", self.devices[i].credential))
    }

    /// A manager moves a device to another register: a new code, enrolment again (the device keeps its
    /// number and its sequence). Done only with an empty outbox: a queued sale of the old outlet would be
    /// held as sold for another outlet than the device's.
    async fn switch(&mut self, d: usize) {
        if !self.devices[d].store.pending().is_empty() || !self.devices[d].store.pending_op_list().is_empty() {
            return;
        }
        let register = self.pick(self.t.registers.len());
        let id = format!("device-{d}");
        let (number, credential) = enrol(&self.router, &self.t.admin, &id, &self.t.registers[register].id).await;
        let known = self.devices[d].store.device().await.unwrap().number;
        assert_eq!(known, Some(number), "re-enrolment keeps the device's number");
        self.devices[d].register = register;
        self.devices[d].credential = credential;
        self.out.switches += 1;
    }

    /// Everyone back online, no more faults, every delayed push arrives late; drain until empty.
    async fn quiesce(&mut self) -> Result<(), String> {
        for dev in &mut self.devices {
            dev.online = true;
        }
        while !self.faults.borrow().kept.is_empty() {
            self.replay_one().await;
        }
        for _ in 0..5 {
            for d in 0..self.devices.len() {
                self.drain(d, 0.0).await;
            }
        }
        for (i, dev) in self.devices.iter().enumerate() {
            let pending = dev.store.pending();
            if !pending.is_empty() {
                return Err(format!("device {i} still has {} sales queued at quiescence", pending.len()));
            }
            if !dev.store.pending_op_list().is_empty() {
                return Err(format!("device {i} still has operations queued at quiescence"));
            }
            if let Some(h) = dev.store.held_ops().first() {
                return Err(format!("device {i} had an honest operation held: {} ({})", h.op.id, h.reason));
            }
            if let Some(r) = dev.store.refused().first() {
                return Err(format!("device {i} had an honest sale refused: {} ({})", r.sale.receipt, r.reason));
            }
        }
        Ok(())
    }

    async fn check(&mut self) -> Result<(), String> {
        let faults = self.faults.borrow();
        if let Some(e) = faults.server_errors.first() {
            return Err(format!("the server answered {e}"));
        }
        self.out.lost_requests = faults.lost_requests;
        self.out.lost_answers = faults.lost_answers;
        self.out.duplicated = faults.duplicated;
        drop(faults);

        let pool = self.db.inspect().await;
        let stored: Vec<(String, String)> = sqlx::query_as("SELECT id, body FROM sales").fetch_all(&pool).await.unwrap();
        let held: Vec<(String, String, String)> =
            sqlx::query_as("SELECT sale_id, body, code FROM held_sales").fetch_all(&pool).await.unwrap();
        pool.close().await;
        let stored: BTreeMap<String, Sale> = stored.into_iter().map(|(id, b)| (id, serde_json::from_str(&b).unwrap())).collect();
        let held: Vec<(Sale, String)> = held.into_iter().map(|(_, b, code)| (serde_json::from_str(&b).unwrap(), code)).collect();

        // Every paid sale is on the server exactly once: stored as made, or held as made.
        for sale in self.made.values() {
            let is_stored = stored.get(&sale.id) == Some(sale);
            let held_times = held.iter().filter(|(h, _)| h == sale).count();
            match (is_stored, held_times) {
                (true, 0) => self.out.stored += 1,
                // With device credentials nobody else can take an honest device's sequence, and a
                // device only sells for its own outlet: an honest sale is never held.
                (false, 1) => {
                    let code = &held.iter().find(|(h, _)| h == sale).unwrap().1;
                    return Err(format!("honest sale {} held for {code}", sale.receipt));
                }
                (s, h) => return Err(format!("sale {} is stored {} time(s) and held {h} time(s)", sale.receipt, u8::from(s))),
            }
        }
        if !self.hostile_stored.is_empty() {
            return Err(format!("a hostile push was stored: {}", self.hostile_stored[0].id));
        }
        // Nothing is stored that nobody sold.
        let expected: BTreeSet<&str> = self.made.keys().map(String::as_str).chain(self.hostile_stored.iter().map(|s| s.id.as_str())).collect();
        if let Some(extra) = stored.keys().find(|id| !expected.contains(id.as_str())) {
            return Err(format!("the server stored a sale nobody made: {extra}"));
        }
        let receipts: BTreeSet<&str> = stored.values().map(|s| s.receipt.as_str()).collect();
        if receipts.len() != stored.len() {
            return Err("two stored sales share a receipt number".into());
        }
        // Held sales: each listed once.
        let (status, listed) = crate::transport::get(&self.router, "/api/v1/held", &self.t.admin).await;
        if status != 200 || listed.as_array().map(Vec::len) != Some(held.len()) {
            return Err(format!("GET /held listed {listed} for {} held rows", held.len()));
        }
        let distinct: BTreeSet<String> = held.iter().map(|(s, _)| serde_json::to_string(s).unwrap()).collect();
        if distinct.len() != held.len() {
            return Err("a held sale is held twice".into());
        }
        // Every operation made is applied exactly once, none is held, nothing else is applied.
        let pool = self.db.inspect().await;
        let rows: Vec<(String, String, String)> = sqlx::query_as("SELECT op_id, status, body FROM ops").fetch_all(&pool).await.unwrap();
        for op in self.ops.values() {
            let applied = rows.iter().filter(|(id, status, body)| *id == op.id && status == "applied" && serde_json::from_str::<Operation>(body).ok().as_ref() == Some(op)).count();
            if applied != 1 || rows.iter().any(|(id, status, _)| *id == op.id && status != "applied") {
                return Err(format!("operation {} is applied {applied} time(s) (rows: {:?})", op.id, rows.iter().filter(|r| r.0 == op.id).collect::<Vec<_>>()));
            }
        }
        if let Some(extra) = rows.iter().find(|(id, _, _)| !self.ops.contains_key(id)) {
            return Err(format!("the server applied an operation nobody made: {}", extra.0));
        }
        // Balances: each customer's payments on account are the ones made, once.
        for customer in ["c-tremblay", "c-gagnon"] {
            let paid: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT CAST(COALESCE(SUM(amount_cents), 0) AS BIGINT) FROM account_entries WHERE customer_id = '{customer}' AND kind = 'payment'"
            )))
                .fetch_one(&pool)
                .await
                .unwrap();
            let made: i64 = self
                .ops
                .values()
                .filter_map(|o| match &o.body {
                    OpBody::AccountPayment { payment } if payment.customer_id == customer => Some(payment.amount.as_cents()),
                    _ => None,
                })
                .sum();
            if paid != made {
                return Err(format!("{customer} paid {made} cents on account, the server has {paid}"));
            }
        }
        // Stock: opening plus the movements of the stored sales and of the adjustments, per outlet and product.
        let mut want = self.t.opening.clone();
        for op in self.ops.values() {
            if let OpBody::StockAdjustment { outlet_id, reason, lines } = &op.body {
                for l in lines {
                    let delta = if *reason == AdjustmentReason::Damage { -l.qty } else { l.qty };
                    *want.entry((outlet_id.clone(), l.product_id.clone())).or_default() += delta;
                }
            }
        }
        for sale in stored.values() {
            for mv in movements_for_sale(sale) {
                *want.entry((mv.outlet_id.clone(), mv.product_id.clone())).or_default() += mv.delta;
            }
        }
        for outlet in self.t.rates.keys() {
            for (product, level) in self.store.stock_levels(outlet).await.unwrap() {
                let w = want.get(&(outlet.clone(), product.clone())).copied().unwrap_or(0);
                if w != level {
                    return Err(format!("stock of {product} at {outlet} is {level}, expected {w}"));
                }
            }
        }
        Ok(())
    }
}

/// A code from the admin for `register`, then the device enrols with it: its number and credential.
async fn enrol(router: &Router, admin: &str, device_id: &str, register: &str) -> (u32, String) {
    let faults = RefCell::new(Faults::default());
    let bearer = format!("Bearer {admin}");
    let code: serde_json::Value =
        call(router, "/api/v1/devices/codes", Some(&bearer), serde_json::json!({"register_id": register}).to_string(), &faults).await.unwrap();
    let body = serde_json::json!({"device_id": device_id, "code": code["code"]}).to_string();
    let enrolment: serde_json::Value = call(router, "/api/v1/devices/enrol", None, body, &faults).await.unwrap();
    (enrolment["device"]["number"].as_u64().unwrap() as u32, enrolment["credential"].as_str().unwrap().to_string())
}
