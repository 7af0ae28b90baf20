//! One schedule: a shop (a copy of the demo database), its devices, the faults, the checks.

use crate::transport::{call, Faults, SimTransport};
use axum::Router;
use backend::store::SqliteStore;
use backend::AppState;
use rand::rngs::StdRng;
use rand::Rng;
use shared::catalog::{Product, Register};
use shared::sale::{receipt_number, settle_cash, Cart, Sale, Tender, TenderKind};
use shared::stock::movements_for_sale;
use shared::sync::{PushRequest, PushResponse, PushStatus};
use shared::tax::TaxRates;
use shared::Money;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use sync_client::{drain, DeviceStore, MemoryStore, SaleDraft};

/// The demo shop written once; each schedule starts from a copy of its file.
pub struct Template {
    _dir: tempfile::TempDir,
    path: PathBuf,
    registers: Vec<Register>,
    rates: BTreeMap<String, TaxRates>,
    products: Vec<Product>,
    opening: BTreeMap<(String, String), i64>,
}

impl Template {
    pub async fn new() -> Template {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("template.sqlite");
        let store = SqliteStore::connect(&format!("sqlite://{}", path.display())).await.unwrap();
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
        store.pool().close().await;
        Template { _dir: dir, path, registers: setup.registers, rates, products, opening }
    }
}

struct Dev {
    store: MemoryStore,
    register: usize,
    online: bool,
}

#[derive(Default, Debug)]
pub struct Outcome {
    pub made: u64,
    pub double_submits: u64,
    pub stored: u64,
    pub held: u64,
    pub hostile_refused: u64,
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
        self.double_submits += o.double_submits;
        self.stored += o.stored;
        self.held += o.held;
        self.hostile_refused += o.hostile_refused;
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
    _dir: tempfile::TempDir,
    url: String,
    store: SqliteStore,
    router: Router,
    devices: Vec<Dev>,
    rng: RefCell<StdRng>,
    faults: RefCell<Faults>,
    /// Every sale an honest device recorded (its customer paid).
    made: BTreeMap<String, Sale>,
    /// Sales a hostile client got stored under a device's identity.
    hostile_stored: Vec<Sale>,
    out: Outcome,
    next_id: u64,
}

impl<'t> World<'t> {
    pub async fn new(t: &'t Template, devices: usize, rng: StdRng) -> World<'t> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shop.sqlite");
        std::fs::copy(&t.path, &path).unwrap();
        let url = format!("sqlite://{}", path.display());
        let store = SqliteStore::connect(&url).await.unwrap();
        let router = backend::api(AppState { store: store.clone() });
        let mut rng = rng;
        let devices = (0..devices)
            .map(|i| Dev { store: MemoryStore::new(&format!("device-{i}")), register: rng.random_range(0..t.registers.len()), online: true })
            .collect();
        World {
            t,
            _dir: dir,
            url,
            store,
            router,
            devices,
            rng: RefCell::new(rng),
            faults: RefCell::new(Faults::default()),
            made: BTreeMap::new(),
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
                0..=34 => self.sell(d)?,
                35..=64 => self.drain(d, 0.3).await,
                65..=72 => self.devices[d].online = !self.devices[d].online,
                73..=78 => {
                    self.devices[d].register = self.pick(self.t.registers.len());
                    self.out.switches += 1;
                }
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
        let draft = SaleDraft {
            id: format!("sale-{}-{}", self.devices[d].register, self.next_id),
            register,
            created_at_ms: 1_790_000_000_000 + self.next_id as i64,
            cart,
            rates,
            tenders: self.tenders(total),
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

    async fn drain(&mut self, d: usize, fault_rate: f64) {
        if !self.devices[d].online {
            return;
        }
        let transport = SimTransport { router: self.router.clone(), rng: &self.rng, faults: &self.faults, fault_rate };
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
        let _: Result<PushResponse, _> = call(&self.router, "/api/v1/sync/push", serde_json::to_string(&req).unwrap(), &self.faults).await;
        self.out.replayed += 1;
    }

    async fn restart(&mut self) {
        self.store.pool().close().await;
        self.store = SqliteStore::connect(&self.url).await.unwrap();
        self.router = backend::api(AppState { store: self.store.clone() });
        self.out.restarts += 1;
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
        match call::<PushResponse>(&self.router, "/api/v1/sync/push", body, &self.faults).await {
            Err(sync_client::Failure::Refused { .. }) => {
                self.out.hostile_refused += 1;
                Ok(())
            }
            other => Err(format!("an overflowing push was not refused: {other:?}")),
        }
    }

    /// A stranger takes a device's next sequence with another sale (no credentials yet: the staff
    /// issue brings them). The honest sale under that key must be held, never lost.
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
            ..Sale::default()
        };
        let body = serde_json::to_string(&PushRequest { device_id: device.id.clone(), sales: vec![sale.clone()] }).unwrap();
        let resp: PushResponse = call(&self.router, "/api/v1/sync/push", body, &self.faults).await.map_err(|e| format!("hostile push: {e}"))?;
        if resp.results[0].status == PushStatus::Stored {
            self.hostile_stored.push(sale);
            self.out.hostile_stored += 1;
        }
        Ok(())
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

        let pool = self.store.pool();
        let stored: Vec<(String, String)> = sqlx::query_as("SELECT id, body FROM sales").fetch_all(pool).await.unwrap();
        let held: Vec<(String, String, String)> =
            sqlx::query_as("SELECT sale_id, body, code FROM held_sales").fetch_all(pool).await.unwrap();
        let stored: BTreeMap<String, Sale> = stored.into_iter().map(|(id, b)| (id, serde_json::from_str(&b).unwrap())).collect();
        let held: Vec<(Sale, String)> = held.into_iter().map(|(_, b, code)| (serde_json::from_str(&b).unwrap(), code)).collect();

        // Every paid sale is on the server exactly once: stored as made, or held as made.
        for sale in self.made.values() {
            let is_stored = stored.get(&sale.id) == Some(sale);
            let held_times = held.iter().filter(|(h, _)| h == sale).count();
            match (is_stored, held_times) {
                (true, 0) => self.out.stored += 1,
                (false, 1) => {
                    self.out.held += 1;
                    let code = &held.iter().find(|(h, _)| h == sale).unwrap().1;
                    if code != "key_taken" {
                        return Err(format!("honest sale {} held for {code}", sale.receipt));
                    }
                    let device = self.devices.iter().find(|d| d.store.sales().iter().any(|s| s.id == sale.id)).unwrap();
                    if !device.store.held().iter().any(|h| h.sale == *sale) {
                        return Err(format!("sale {} is held on the server but its device does not show it", sale.receipt));
                    }
                }
                (s, h) => return Err(format!("sale {} is stored {} time(s) and held {h} time(s)", sale.receipt, u8::from(s))),
            }
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
        let (status, listed) = crate::transport::get(&self.router, "/api/v1/held").await;
        if status != 200 || listed.as_array().map(Vec::len) != Some(held.len()) {
            return Err(format!("GET /held listed {listed} for {} held rows", held.len()));
        }
        let distinct: BTreeSet<String> = held.iter().map(|(s, _)| serde_json::to_string(s).unwrap()).collect();
        if distinct.len() != held.len() {
            return Err("a held sale is held twice".into());
        }
        // Stock: opening plus the movements of the stored sales, per outlet and product.
        let mut want = self.t.opening.clone();
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
