//! A seeded simulation of a shop's devices selling through faults, with the real client sync code
//! (`sync_client`: memory store, pusher) against the real server (the API router in process, a real
//! SQLite file). Each schedule draws 2–8 devices — several on one register, register switches, double
//! submits — and interleaves sales with offline periods, lost requests and answers, duplicated and
//! replayed (reordered) pushes, server restarts and hostile pushes. At quiescence it checks that no
//! sale was lost or doubled, every operation (stock received or damaged, payment on account) was
//! applied once, every outlet's stock is its opening stock plus the movements of the
//! stored sales, and every held sale is listed once. With `COMPTOIR_TEST_DATABASE=postgres` each schedule
//! runs on a PostgreSQL database of its own, served by two instances that take turns.
//!
//! `cargo test -p comptoir-backend --test simulation` runs a short run (40 schedules).
//! `COMPTOIR_SIM_SCHEDULES=1000` runs more; `COMPTOIR_SIM_SEED=N` replays one schedule (a failure
//! prints its seed).

#[path = "../common/test_db.rs"]
mod test_db;
mod transport;
mod world;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::time::Instant;
use world::{Outcome, World};

/// Names the schedule that panicked (an assertion inside the client or server code), so it replays.
struct SeedOnPanic(u64);

impl Drop for SeedOnPanic {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("schedule with seed {0} panicked; replay: COMPTOIR_SIM_SEED={0} cargo test -p comptoir-backend --test simulation -- --nocapture", self.0);
        }
    }
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

#[tokio::test(flavor = "current_thread")]
async fn no_paid_sale_is_lost_or_doubled_under_faults() {
    let template = world::Template::new().await;
    let seeds: Vec<u64> = match env_u64("COMPTOIR_SIM_SEED") {
        Some(seed) => vec![seed],
        None => {
            let n = env_u64("COMPTOIR_SIM_SCHEDULES").unwrap_or(40);
            let base = env_u64("COMPTOIR_SIM_BASE").unwrap_or(0xC0_4F70);
            (0..n).map(|i| base + i).collect()
        }
    };
    let started = Instant::now();
    let mut total = Outcome::default();
    for seed in &seeds {
        let _named = SeedOnPanic(*seed);
        let mut rng = StdRng::seed_from_u64(*seed);
        let devices = rng.random_range(2..=8);
        let mut world = World::new(&template, devices, rng).await;
        match world.run().await {
            Ok(outcome) => total.add(&outcome),
            Err(e) => panic!("schedule with seed {seed} failed: {e}\nreplay: COMPTOIR_SIM_SEED={seed} cargo test -p comptoir-backend --test simulation -- --nocapture"),
        }
    }
    println!(
        "simulation: {} schedules in {:.1} s — {} sales and {} operations made ({} double submits), {} stored, {} held, {} hostile pushes refused, {} held, {} hostile sales stored, {} pushes ({} lost requests, {} lost answers, {} duplicated, {} replayed), {} server restarts, {} register switches",
        seeds.len(),
        started.elapsed().as_secs_f64(),
        total.made,
        total.ops_made,
        total.double_submits,
        total.stored,
        total.held,
        total.hostile_refused,
        total.hostile_held,
        total.hostile_stored,
        total.pushes,
        total.lost_requests,
        total.lost_answers,
        total.duplicated,
        total.replayed,
        total.restarts,
        total.switches,
    );
}
