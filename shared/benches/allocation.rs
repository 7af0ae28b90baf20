//! Outlet allocation at chain scale: 50 outlets offering stock online, orders of 30 lines (and, for scale,
//! 10 outlets × 10 lines).
//!
//! First prints p50 / p95 / p99 / max time per plan (the whole `allocate` call: reading the request,
//! searching, writing the plan and its reasons) and the share of plans proven optimal over a fixed set of
//! pseudo-random orders (same seed, same orders, every run), then runs criterion over the same orders.
//! Stocks are random: from chains where most outlets carry most SKUs to thin ones, and about one line in
//! ten asks for more than any single outlet holds, so it must be split.
//! Run: `cargo bench -p comptoir-shared --bench allocation -- --warm-up-time 1 --measurement-time 3`

use criterion::{criterion_group, Criterion};
use shared::stock::allocation::{
    allocate, allocate_with_budget, AllocationPlan, AllocationRequest, OrderLine, OutletStock, DEFAULT_NODE_BUDGET, EXHAUSTIVE_NODE_BUDGET,
};
use std::hint::black_box;
use std::time::{Duration, Instant};

const ORDERS: usize = 300;

/// xorshift64: deterministic and dependency-free.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// Densities from a well-stocked chain (80 % of outlets carry a SKU) to a thin one (15 %), so some
/// orders fit one outlet, most need a few, some need many, and some lines need splitting (large quantities).
const DENSITIES: [u64; 5] = [80, 55, 40, 25, 15];

fn order(rng: &mut XorShift, density: u64, (n, m): (usize, usize)) -> AllocationRequest {
    let mut outlets = Vec::with_capacity(n);
    for o in 0..n {
        let mut stock = std::collections::BTreeMap::new();
        for l in 0..m {
            if rng.chance(density) {
                stock.insert(format!("SKU-{l:02}"), 1 + rng.below(12) as i64);
            }
        }
        outlets.push(OutletStock { id: format!("outlet-{o:02}"), stock });
    }
    let lines = (0..m)
        .map(|l| OrderLine {
            sku: format!("SKU-{l:02}"),
            qty: if rng.chance(10) { 10 + rng.below(15) as u32 } else { 1 + rng.below(4) as u32 },
        })
        .collect();
    AllocationRequest { outlets, lines }
}

fn orders(size: (usize, usize)) -> Vec<(u64, AllocationRequest)> {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    (0..ORDERS)
        .map(|i| {
            let density = DENSITIES[i % DENSITIES.len()];
            (density, order(&mut rng, density, size))
        })
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn report(label: &str, runs: &[(Duration, AllocationPlan)]) {
    let mut times: Vec<Duration> = runs.iter().map(|(t, _)| *t).collect();
    times.sort();
    let optimal = runs.iter().filter(|(_, p)| p.optimal).count();
    let outlets: usize = runs.iter().map(|(_, p)| p.assignments.len()).sum();
    println!(
        "{label:<22} {:>4} plans   p50 {:>9.3?}   p95 {:>9.3?}   p99 {:>9.3?}   max {:>9.3?}   proven optimal {:>5.1} %   mean outlets {:.2}",
        runs.len(),
        percentile(&times, 0.50),
        percentile(&times, 0.95),
        percentile(&times, 0.99),
        times[times.len() - 1],
        100.0 * optimal as f64 / runs.len() as f64,
        outlets as f64 / runs.len() as f64,
    );
}



/// Each order is planned this many times and its fastest time kept: on a shared machine, the time an
/// order takes, not how often the scheduler preempted it.
const RUNS: usize = 5;

fn percentiles() {
    for (size, budget) in [((50, 30), EXHAUSTIVE_NODE_BUDGET), ((50, 30), DEFAULT_NODE_BUDGET), ((10, 10), DEFAULT_NODE_BUDGET)] {
        let orders = orders(size);
        let mut all = Vec::new();
        let (mut unproven, mut same) = (0usize, 0usize);
        let mut by_density: Vec<Vec<(Duration, AllocationPlan)>> = vec![Vec::new(); DENSITIES.len()];
        for (density, req) in &orders {
            let mut t = Duration::MAX;
            let mut plan = None;
            for _ in 0..RUNS {
                let start = Instant::now();
                plan = Some(allocate_with_budget(black_box(req), budget).expect("valid request"));
                t = t.min(start.elapsed());
            }
            let plan = plan.expect("at least one run");
            if !plan.optimal {
                // How good the unproven plans are: the same as the exhaustive search's, or not.
                let best = allocate_with_budget(req, EXHAUSTIVE_NODE_BUDGET).expect("valid request");
                unproven += 1;
                same += usize::from(best.assignments == plan.assignments && best.backordered == plan.backordered);
            }
            by_density[DENSITIES.iter().position(|d| d == density).unwrap()].push((t, plan.clone()));
            all.push((t, plan));
        }
        println!(
            "allocation, {} outlets x {} lines, one plan per order (fastest of {RUNS} runs), node budget {budget}:",
            size.0, size.1
        );
        report("all orders", &all);
        for (d, runs) in DENSITIES.iter().zip(&by_density) {
            report(&format!("  {d} % carry each SKU"), runs);
        }
        if unproven > 0 {
            println!("  unproven plans: {unproven}, of which {same} are the exhaustive search's plan");
        }
    }
}

fn bench(c: &mut Criterion) {
    let orders = orders((50, 30));
    let mut i = 0;
    c.bench_function("allocate 50 outlets x 30 lines (mixed orders)", |b| {
        b.iter(|| {
            i = (i + 1) % orders.len();
            allocate(black_box(&orders[i].1)).expect("valid request")
        })
    });
}

criterion_group!(benches, bench);

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs each benchmark once as a smoke test.
    if std::env::args().any(|a| a == "--bench") {
        percentiles();
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
