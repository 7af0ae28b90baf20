//! Which outlets fulfil an online order (seed 002), among the outlets that offer their stock online.
//!
//! # The rule, as a cost to minimise
//!
//! Lines of the same SKU are added together first. What nobody holds is backordered to the first outlet
//! (in priority order) and reported; the rest — the *demand* of each line, capped at the total available —
//! is always fully assigned, never beyond an outlet's available stock (negative levels count as zero).
//!
//! Every outlet gets a *rank*: the outlets that can fill the most lines whole come first, ties in the
//! outlets' priority order (the order they are given in). The *main outlet* of a plan is its
//! best-ranked outlet. A plan's [`PlanCost`] is this tuple, compared lexicographically, smaller is better:
//!
//! 1. `split_lines` — how many lines are served by two outlets or more. Zero when no line must be split,
//!    so "one outlet if any can fill the whole order, else split without splitting quantities" holds.
//! 2. `outlets` — how many outlets the plan uses.
//! 3. `main_rank` — the rank of the main outlet: the outlet that fills the most lines whole leads, when a
//!    plan with that few outlets can include it.
//! 4. `units` — the units each outlet takes, main outlet first, then the others in priority order, each
//!    maximised in turn (stored as `Reverse`): the main outlet takes all it can, what remains goes to the
//!    next outlets in priority order.
//! 5. `quantities` — the quantity of every (outlet, line), in the same outlet order then line order, each
//!    maximised in turn: a final tie-break, so that exactly one plan is best.
//!
//! Seed 002's table follows from it, except its second example, which contradicts its first rule:
//! Laval holds 15 shirts and 10 hats, so "1 shirt, 5 hats" goes to Laval alone.
//!
//! # How the best plan is found
//!
//! The minimal `split_lines` is known at once: lines are independent (one SKU each), so exactly the lines
//! that no outlet can fill whole must be split. Given a set of outlets, the best plan using exactly that
//! set is also known: its main outlet takes everything it can, then each other outlet in priority order
//! takes what remains that it can (a whole line it can fill whole, or as much as it holds of a line nobody
//! can fill whole). What is left is choosing the set, a covering problem:
//!
//! * the fewest outlets `k`: down from a greedy cover, an exact depth-first search for a cover of one outlet
//!   fewer, until there is none (that one failure proves every smaller size impossible);
//! * the main outlet: the best-ranked outlet that some `k`-outlet cover includes with only worse-ranked
//!   outlets beside it, tried in rank order;
//! * the others: in priority order, an outlet joins if it takes something and a cover can still be
//!   completed with the slots left and later outlets; the cover found last is the witness that lets
//!   most outlets be decided without searching.
//!
//! Each "can what remains be covered by at most `s` outlets of these?" is an exact depth-first search
//! ([`search`]) over sets of one machine word when outlets and lines are at most 64 each (wider sets
//! beyond). It branches on the uncovered line with the fewest outlets able to fill it, or on the holders of
//! a line that must be split when they offer fewer choices; never revisits a set (an outlet tried in one
//! branch is excluded from its siblings); leaves out outlets another candidate dominates (fills every
//! remaining line they fill, holds as much of every split line); and prunes with lower bounds on the
//! outlets still needed: lines whose possible fillers do not overlap each need an outlet of their own (a
//! split line, as many as its largest stocks take), and a feasible solution of the covering program's
//! linear dual. The last three slots are searched exactly without those bounds (cheaper than computing
//! them on so small a node): with one slot left, the outlets able to take the rest are an intersection of
//! fillers. A greedy cover of the minimal size spares the search for one.
//! All searches of one order share a node budget; when it runs out the best plan found so far, or a
//! greedy one (take the outlet that covers most, until covered), is returned with `optimal: false`.
//! The property tests compare the plans with a brute force over every plan (small orders) and over every
//! subset of outlets (a dozen outlets), and require `optimal`.
//!
//! At 50 outlets × 30 lines (`cargo bench -p comptoir-shared --bench allocation`), the default budget
//! keeps p99 under 1 ms; the orders it leaves unproven are thin-stock ones, and the bench says how many of
//! their plans are the exhaustive search's anyway.

use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::BTreeMap;

mod reasons;
mod search;
mod sets;

pub use reasons::{AllocationReason, MainLead, SplitLine};

use sets::{Bits, Set};

/// Search nodes allowed per order before settling for the best plan found so far, flagged not proven
/// optimal. Issue 11 asks for allocation under 1 ms at p99 at 50 outlets × 30 lines, saying whether the
/// plan is proven: at this budget the bench measures p99 about 0,7 ms with about 96 % of plans proven,
/// the rest thin-stock orders whose plan the bench compares with an exhaustive search. Deterministic (a
/// node count, never a clock). [`EXHAUSTIVE_NODE_BUDGET`] proves every bench order (p99 about 1,1 ms).
pub const DEFAULT_NODE_BUDGET: u64 = 12_000;

/// A budget large enough to prove every plan of the bench's hardest orders (about 130 000 nodes), for
/// offline tools and tests that want the proof whatever it costs.
pub const EXHAUSTIVE_NODE_BUDGET: u64 = 1_000_000;

/// An outlet offering stock online, with what it holds by SKU. A SKU it does not list counts as 0;
/// a negative level (oversold) counts as 0 too.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutletStock {
    pub id: String,
    #[serde(default)]
    pub stock: BTreeMap<String, i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    pub sku: String,
    pub qty: u32,
}

/// An online order to place. `outlets` are in priority order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllocationRequest {
    pub outlets: Vec<OutletStock>,
    pub lines: Vec<OrderLine>,
}

/// What one outlet fulfils from its stock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub outlet: String,
    pub lines: Vec<OrderLine>,
}

/// Units nobody holds: assigned to `outlet` (the first in priority order), to ship once received.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backorder {
    pub sku: String,
    pub qty: u32,
    pub outlet: String,
}

/// The outcome: one assignment per outlet used, main outlet first, then the others in priority order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllocationPlan {
    pub assignments: Vec<Assignment>,
    pub backordered: Vec<Backorder>,
    /// False when the search budget ran out before this plan was proven the best by [`PlanCost`].
    pub optimal: bool,
    /// Why each outlet, in English, for logs: the English of each of `reasons`.
    pub explanation: Vec<String>,
    /// Why each outlet, as data for the orders page to say in the user's language.
    #[serde(default)]
    pub reasons: Vec<AllocationReason>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AllocationError {
    #[error("no outlet offers stock online, so the order cannot be allocated")]
    NoOutlets,
    #[error("outlet '{id}' is listed twice")]
    DuplicateOutlet { id: String },
    #[error("an outlet has an empty id")]
    EmptyOutletId,
    #[error("an order line has an empty SKU")]
    EmptySku,
    #[error("order line {sku}: quantity must be at least 1")]
    ZeroQuantity { sku: String },
}

impl AllocationError {
    pub fn code(&self) -> &'static str {
        match self {
            AllocationError::NoOutlets => "no_online_outlets",
            AllocationError::DuplicateOutlet { .. } => "duplicate_outlet",
            AllocationError::EmptyOutletId => "empty_outlet_id",
            AllocationError::EmptySku => "empty_sku",
            AllocationError::ZeroQuantity { .. } => "zero_quantity",
        }
    }
}

/// The lexicographic cost of a plan; see the module documentation. Derived `Ord` compares the fields
/// in declaration order, which is the rule's order.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PlanCost {
    pub split_lines: usize,
    pub outlets: usize,
    pub main_rank: usize,
    pub units: Vec<Reverse<u64>>,
    pub quantities: Vec<Reverse<u64>>,
}

/// Allocates with [`DEFAULT_NODE_BUDGET`].
pub fn allocate(request: &AllocationRequest) -> Result<AllocationPlan, AllocationError> {
    allocate_with_budget(request, DEFAULT_NODE_BUDGET)
}

/// Allocates, searching at most `node_budget` nodes before settling for a plan not proven best.
pub fn allocate_with_budget(request: &AllocationRequest, node_budget: u64) -> Result<AllocationPlan, AllocationError> {
    let problem = Problem::new(request)?;
    let (plan, optimal) = solve(&problem, node_budget);
    Ok(problem.render(&plan, optimal))
}

// ---------------------------------------------------------------------------------------------
// The problem, in indices.

/// Quantities by outlet then line: `q[o * m + l]`.
pub(crate) type Matrix = Vec<u64>;

pub(crate) struct Problem {
    outlet_ids: Vec<String>,
    /// Distinct SKUs with something to allocate, in order of first appearance.
    skus: Vec<String>,
    /// What was ordered of each SKU (all SKUs, including those entirely backordered).
    ordered: Vec<(String, u64)>,
    pub(crate) n: usize,
    pub(crate) m: usize,
    /// Per active line: the quantity to allocate from stock (ordered, capped at the total available).
    pub(crate) demand: Vec<u64>,
    /// `avail[o][l]`: what outlet `o` can give of line `l` (its stock, capped at the demand).
    pub(crate) avail: Vec<Vec<u64>>,
    /// Lines each outlet can fill whole.
    fills: Vec<Bits>,
    /// Lines some outlet can fill whole.
    fillable: Bits,
    /// Lines no outlet can fill whole: they must be split.
    forced: Vec<usize>,
    /// How many lines each outlet can fill whole.
    whole_count: Vec<usize>,
    /// Outlet rank (0 best): most lines filled whole, then priority order.
    pub(crate) rank: Vec<usize>,
    /// Outlets by rank.
    by_rank: Vec<usize>,
    /// Units nobody holds, by SKU in order of first appearance.
    backorders: Vec<(String, u64)>,
    merged_skus: Vec<String>,
}

/// What each outlet holds of each ordered SKU, `held[o * ordered.len() + i]`, negative levels as 0. A walk
/// along both sorted lists when the outlet lists few SKUs, a lookup per SKU when it lists its whole catalogue.
fn levels(outlets: &[OutletStock], ordered: &[(String, u64)]) -> Vec<u64> {
    let k = ordered.len();
    let mut sorted: Vec<usize> = (0..k).collect();
    sorted.sort_unstable_by(|&a, &b| ordered[a].0.cmp(&ordered[b].0));
    let mut held = vec![0; outlets.len() * k];
    for (o, outlet) in outlets.iter().enumerate() {
        let row = &mut held[o * k..(o + 1) * k];
        if outlet.stock.len() > 4 * k {
            for (i, (sku, _)) in ordered.iter().enumerate() {
                row[i] = outlet.stock.get(sku).map_or(0, |q| (*q).max(0) as u64);
            }
            continue;
        }
        let mut wanted = sorted.iter().peekable();
        for (sku, q) in &outlet.stock {
            while wanted.next_if(|&&i| ordered[i].0 < *sku).is_some() {}
            if let Some(&&i) = wanted.peek() {
                if ordered[i].0 == *sku {
                    row[i] = (*q).max(0) as u64;
                }
            }
        }
    }
    held
}

impl Problem {
    pub(crate) fn new(req: &AllocationRequest) -> Result<Problem, AllocationError> {
        let mut seen = std::collections::BTreeSet::new();
        for o in &req.outlets {
            if o.id.is_empty() {
                return Err(AllocationError::EmptyOutletId);
            }
            if !seen.insert(o.id.as_str()) {
                return Err(AllocationError::DuplicateOutlet { id: o.id.clone() });
            }
        }
        let mut ordered: Vec<(String, u64)> = Vec::new();
        let mut merged_skus = Vec::new();
        for line in &req.lines {
            if line.sku.is_empty() {
                return Err(AllocationError::EmptySku);
            }
            if line.qty == 0 {
                return Err(AllocationError::ZeroQuantity { sku: line.sku.clone() });
            }
            match ordered.iter_mut().find(|(s, _)| *s == line.sku) {
                Some((_, q)) => {
                    *q += u64::from(line.qty);
                    if !merged_skus.contains(&line.sku) {
                        merged_skus.push(line.sku.clone());
                    }
                }
                None => ordered.push((line.sku.clone(), u64::from(line.qty))),
            }
        }
        if req.outlets.is_empty() && !ordered.is_empty() {
            return Err(AllocationError::NoOutlets);
        }
        let n = req.outlets.len();
        let held = levels(&req.outlets, &ordered);
        let k = ordered.len();
        let mut skus = Vec::new();
        let mut demand = Vec::new();
        let mut backorders = Vec::new();
        let mut active = Vec::new();
        for (i, (sku, qty)) in ordered.iter().enumerate() {
            let total: u64 = (0..n).map(|o| held[o * k + i]).fold(0, u64::saturating_add);
            let d = (*qty).min(total);
            if d < *qty {
                backorders.push((sku.clone(), qty - d));
            }
            if d > 0 {
                skus.push(sku.clone());
                demand.push(d);
                active.push(i);
            }
        }
        let m = skus.len();
        let avail: Vec<Vec<u64>> =
            (0..n).map(|o| active.iter().zip(&demand).map(|(&i, d)| held[o * k + i].min(*d)).collect()).collect();
        let mut fills = vec![Bits::empty(m); n];
        let mut fillable = Bits::empty(m);
        for o in 0..n {
            for l in 0..m {
                if avail[o][l] == demand[l] {
                    fills[o].insert(l);
                    fillable.insert(l);
                }
            }
        }
        let forced: Vec<usize> = (0..m).filter(|l| !fillable.contains(*l)).collect();
        let whole_count: Vec<usize> = fills.iter().map(|f| f.count() as usize).collect();
        let mut by_rank: Vec<usize> = (0..n).collect();
        by_rank.sort_by_key(|&o| (Reverse(whole_count[o]), o));
        let mut rank = vec![0; n];
        for (r, &o) in by_rank.iter().enumerate() {
            rank[o] = r;
        }
        Ok(Problem {
            outlet_ids: req.outlets.iter().map(|o| o.id.clone()).collect(),
            skus,
            ordered,
            n,
            m,
            demand,
            avail,
            fills,
            fillable,
            forced,
            whole_count,
            rank,
            by_rank,
            backorders,
            merged_skus,
        })
    }

    /// The cost of a plan (see [`PlanCost`]). Both the search and the tests' brute force use this.
    pub(crate) fn cost(&self, q: &Matrix) -> PlanCost {
        let (n, m) = (self.n, self.m);
        let used: Vec<bool> = (0..n).map(|o| q[o * m..(o + 1) * m].iter().any(|x| *x > 0)).collect();
        let split_lines = (0..m).filter(|&l| (0..n).filter(|&o| q[o * m + l] > 0).count() >= 2).count();
        let main = (0..n).filter(|&o| used[o]).min_by_key(|&o| self.rank[o]);
        let order: Vec<usize> = main.into_iter().chain((0..n).filter(|&o| Some(o) != main)).collect();
        PlanCost {
            split_lines,
            outlets: used.iter().filter(|u| **u).count(),
            main_rank: main.map_or(0, |o| self.rank[o]),
            units: order.iter().map(|&o| Reverse(q[o * m..(o + 1) * m].iter().sum())).collect(),
            quantities: order.iter().flat_map(|&o| q[o * m..(o + 1) * m].iter().map(|x| Reverse(*x))).collect(),
        }
    }

    /// The demand still to cover, as (whole lines, remaining units of the lines that must be split).
    fn full_demand(&self) -> Remaining {
        Remaining { whole: self.fillable.clone(), split: self.forced.iter().map(|&l| self.demand[l]).collect() }
    }

    /// What is left after outlet `o` takes all it can.
    fn after(&self, rem: &Remaining, o: usize) -> Remaining {
        Remaining {
            whole: rem.whole.minus(&self.fills[o]),
            split: rem.split.iter().zip(&self.forced).map(|(r, &l)| r.saturating_sub(self.avail[o][l])).collect(),
        }
    }

    /// The best plan using the outlets of `set`: the best-ranked takes all it can, then each other in
    /// priority order takes what remains that it can. `None` when the set does not cover the demand.
    pub(crate) fn plan_for(&self, set: &[usize]) -> Option<Matrix> {
        let (n, m) = (self.n, self.m);
        let main = set.iter().copied().min_by_key(|&o| self.rank[o])?;
        let mut others: Vec<usize> = set.iter().copied().filter(|&o| o != main).collect();
        others.sort_unstable();
        others.dedup();
        let mut q = vec![0u64; n * m];
        let mut whole = self.fillable.clone();
        let mut split: Vec<u64> = self.forced.iter().map(|&l| self.demand[l]).collect();
        for o in std::iter::once(main).chain(others) {
            for l in self.fills[o].members() {
                if whole.contains(l) {
                    q[o * m + l] = self.demand[l];
                }
            }
            whole = whole.minus(&self.fills[o]);
            for (r, &l) in split.iter_mut().zip(&self.forced) {
                let take = (*r).min(self.avail[o][l]);
                q[o * m + l] += take;
                *r -= take;
            }
        }
        (whole.is_empty() && split.iter().all(|r| *r == 0)).then_some(q)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Remaining {
    /// Lines still to give whole to one outlet.
    whole: Bits,
    /// Units still to place, per line that must be split (same order as `Problem::forced`).
    split: Vec<u64>,
}

impl Remaining {
    fn is_done(&self) -> bool {
        self.whole.is_empty() && self.split.iter().all(|r| *r == 0)
    }
}

// ---------------------------------------------------------------------------------------------
// The search (in `search`), and what to do when its budget runs out.

/// The cheapest plan seen so far, by [`PlanCost`].
#[derive(Default)]
struct Best(Option<(PlanCost, Matrix)>);

impl Best {
    fn consider(&mut self, p: &Problem, plan: Option<Matrix>) {
        if let Some(q) = plan {
            let c = p.cost(&q);
            if self.0.as_ref().is_none_or(|(best, _)| c < *best) {
                self.0 = Some((c, q));
            }
        }
    }
}

/// The best plan found and whether it is proven best. The sets are as wide as the larger of outlets and
/// lines needs: one word up to 64, a few words up to 256, a growable set beyond.
fn solve(p: &Problem, budget: u64) -> (Matrix, bool) {
    solve_in(p, budget, p.n.max(p.m).div_ceil(64))
}

fn solve_in(p: &Problem, budget: u64, words: usize) -> (Matrix, bool) {
    if p.m == 0 {
        return (Vec::new(), true);
    }
    let outcome = match words {
        0 | 1 => search::solve::<[u64; 1]>(p, budget),
        2 => search::solve::<[u64; 2]>(p, budget),
        3 | 4 => search::solve::<[u64; 4]>(p, budget),
        _ => search::solve::<Bits>(p, budget),
    };
    if outcome.optimal {
        let last = outcome.covers.last().expect("a complete search ends with a cover");
        return (p.plan_for(last).expect("the last cover found covers the demand"), true);
    }
    let mut best = Best::default();
    for set in &outcome.covers {
        best.consider(p, p.plan_for(set));
    }
    best.consider(p, p.plan_for(&greedy_cover(p)));
    let (_, q) = best.0.expect("all outlets together always cover the capped demand");
    (q, false)
}

/// Takes the outlet that covers most (whole lines, then units of split lines), until all is covered.
fn greedy_cover(p: &Problem) -> Vec<usize> {
    let mut rem = p.full_demand();
    let mut set = Vec::new();
    while !rem.is_done() {
        let gain = |o: usize| {
            let lines = p.fills[o].and(&rem.whole).count();
            let units: u64 = rem.split.iter().zip(&p.forced).map(|(r, &l)| (*r).min(p.avail[o][l])).sum();
            (lines, units)
        };
        let Some(o) =
            p.by_rank.iter().copied().filter(|o| !set.contains(o)).max_by_key(|&o| (gain(o), Reverse(p.rank[o])))
        else {
            break;
        };
        if gain(o) == (0, 0) {
            break;
        }
        rem = p.after(&rem, o);
        set.push(o);
    }
    set
}

// ---------------------------------------------------------------------------------------------
// From indices back to names, with the reasons.

impl Problem {
    fn render(&self, q: &Matrix, optimal: bool) -> AllocationPlan {
        let (n, m) = (self.n, self.m);
        let lines_of = |o: usize| -> Vec<OrderLine> {
            (0..m)
                .filter(|&l| q[o * m + l] > 0)
                .map(|l| OrderLine { sku: self.skus[l].clone(), qty: u32::try_from(q[o * m + l]).unwrap_or(u32::MAX) })
                .collect()
        };
        let used: Vec<usize> = (0..n).filter(|&o| q[o * m..(o + 1) * m].iter().any(|x| *x > 0)).collect();
        let main = used.iter().copied().min_by_key(|&o| self.rank[o]);
        let order: Vec<usize> = main.into_iter().chain(used.iter().copied().filter(|&o| Some(o) != main)).collect();
        let assignments: Vec<Assignment> =
            order.iter().map(|&o| Assignment { outlet: self.outlet_ids[o].clone(), lines: lines_of(o) }).collect();
        let backordered: Vec<Backorder> = self
            .backorders
            .iter()
            .map(|(sku, qty)| Backorder {
                sku: sku.clone(),
                qty: u32::try_from(*qty).unwrap_or(u32::MAX),
                outlet: self.outlet_ids[0].clone(),
            })
            .collect();

        let reasons = self.reasons(&order, &assignments, &backordered, optimal);
        let explanation = reasons.iter().map(AllocationReason::english).collect();
        AllocationPlan { assignments, backordered, optimal, explanation, reasons }
    }

    fn reasons(
        &self,
        order: &[usize],
        assignments: &[Assignment],
        backordered: &[Backorder],
        optimal: bool,
    ) -> Vec<AllocationReason> {
        let (n, m) = (self.n, self.m);
        let ordered = |sku: &str| self.ordered.iter().find(|(s, _)| s == sku).map_or(0, |(_, q)| *q);
        let name = |o: usize| self.outlet_ids[o].clone();
        let mut why = Vec::new();
        for sku in &self.merged_skus {
            why.push(AllocationReason::MergedLines { sku: sku.clone(), total: ordered(sku) });
        }
        for b in backordered {
            why.push(AllocationReason::Backordered {
                sku: b.sku.clone(),
                qty: b.qty,
                ordered: ordered(&b.sku),
                outlet: b.outlet.clone(),
            });
        }
        let Some(&main) = order.first() else {
            why.push(if self.ordered.is_empty() {
                AllocationReason::NoLines
            } else {
                AllocationReason::NothingInStock
            });
            return why;
        };
        let k = order.len();
        if k == 1 {
            let able = (0..n).filter(|&o| self.whole_count[o] == m).map(name).collect();
            why.push(AllocationReason::WholeOrderAtOneOutlet { outlet: name(main), able });
            if !optimal {
                why.push(AllocationReason::NotProvenBest);
            }
            return why;
        }
        if self.forced.is_empty() {
            why.push(AllocationReason::SplitAcrossOutlets { outlets: k, fewest: optimal });
        } else {
            let lines = self
                .forced
                .iter()
                .map(|&l| SplitLine {
                    sku: self.skus[l].clone(),
                    qty: self.demand[l],
                    most_at_one_outlet: (0..n).map(|o| self.avail[o][l]).max().unwrap_or(0),
                })
                .collect();
            why.push(AllocationReason::SplitLines { lines, outlets: k, fewest: optimal });
        }
        let ahead: Vec<String> = self.by_rank[..self.rank[main]].iter().map(|&o| name(o)).collect();
        let lead = if !ahead.is_empty() {
            if optimal {
                MainLead::OthersDoNotFit { ahead, outlets: k }
            } else {
                MainLead::Unproven
            }
        } else {
            let tied: Vec<String> =
                (0..n).filter(|&o| o != main && self.whole_count[o] == self.whole_count[main]).map(name).collect();
            if tied.is_empty() {
                MainLead::MostLines
            } else {
                MainLead::FirstAmongTied { tied }
            }
        };
        why.push(AllocationReason::MainOutlet {
            outlet: name(main),
            whole_lines: self.whole_count[main],
            lines: m,
            lead,
            takes: assignments[0].lines.clone(),
        });
        for (a, &o) in assignments.iter().zip(order).skip(1) {
            why.push(AllocationReason::TakesWhatRemains {
                outlet: name(o),
                priority: o + 1,
                outlets: n,
                takes: a.lines.clone(),
            });
        }
        if !optimal {
            why.push(AllocationReason::NotProvenBest);
        }
        why
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn outlet(id: &str, stock: &[(&str, i64)]) -> OutletStock {
        OutletStock { id: id.into(), stock: stock.iter().map(|(s, q)| (s.to_string(), *q)).collect() }
    }

    /// Seed 002's stock table.
    fn seed_outlets() -> Vec<OutletStock> {
        vec![
            outlet("montreal", &[("SHIRT", 10), ("HAT", 3), ("SHOES", 5)]),
            outlet("sherbrooke", &[("SHIRT", 0), ("HAT", 10), ("SHOES", 10)]),
            outlet("laval", &[("SHIRT", 15), ("HAT", 10), ("SHOES", 10)]),
        ]
    }

    fn order(lines: &[(&str, u32)]) -> Vec<OrderLine> {
        lines.iter().map(|(s, q)| OrderLine { sku: s.to_string(), qty: *q }).collect()
    }

    fn seed_plan(lines: &[(&str, u32)]) -> Vec<(String, Vec<(String, u32)>)> {
        let plan = allocate(&AllocationRequest { outlets: seed_outlets(), lines: order(lines) }).unwrap();
        assert!(plan.optimal);
        assert!(plan.backordered.is_empty());
        plan.assignments
            .into_iter()
            .map(|a| (a.outlet, a.lines.into_iter().map(|l| (l.sku, l.qty)).collect()))
            .collect()
    }

    fn expect(rows: &[(&str, &[(&str, u32)])]) -> Vec<(String, Vec<(String, u32)>)> {
        rows.iter().map(|(o, ls)| (o.to_string(), ls.iter().map(|(s, q)| (s.to_string(), *q)).collect())).collect()
    }

    #[test]
    fn seed_example_1_an_outlet_that_can_fill_everything_takes_everything() {
        assert_eq!(
            seed_plan(&[("SHIRT", 2), ("HAT", 1), ("SHOES", 1)]),
            expect(&[("montreal", &[("SHIRT", 2), ("HAT", 1), ("SHOES", 1)])])
        );
    }

    #[test]
    fn seed_example_2_corrected_goes_to_laval_alone_because_it_holds_both() {
        // The seed splits it between Montréal and Sherbrooke, against its own first rule.
        assert_eq!(seed_plan(&[("SHIRT", 1), ("HAT", 5)]), expect(&[("laval", &[("SHIRT", 1), ("HAT", 5)])]));
    }

    #[test]
    fn seed_example_3_one_outlet_is_preferred_even_when_another_holds_part() {
        assert_eq!(seed_plan(&[("HAT", 5), ("SHOES", 2)]), expect(&[("sherbrooke", &[("HAT", 5), ("SHOES", 2)])]));
    }

    #[test]
    fn seed_example_4_a_quantity_is_split_only_when_nobody_holds_it_all() {
        assert_eq!(
            seed_plan(&[("SHIRT", 1), ("HAT", 12), ("SHOES", 2)]),
            expect(&[("montreal", &[("SHIRT", 1), ("HAT", 3), ("SHOES", 2)]), ("sherbrooke", &[("HAT", 9)])])
        );
    }

    #[test]
    fn seed_example_5_the_outlet_that_fills_most_takes_the_lead() {
        assert_eq!(
            seed_plan(&[("SHIRT", 17), ("HAT", 6), ("SHOES", 6)]),
            expect(&[("laval", &[("SHIRT", 15), ("HAT", 6), ("SHOES", 6)]), ("montreal", &[("SHIRT", 2)])])
        );
    }

    #[test]
    fn the_first_outlet_in_priority_leads_even_when_the_first_cover_found_lacks_it() {
        // No outlet fills the line whole, so all rank equal and priority decides: o0 leads and takes its 1,
        // then o1 (next in priority) the rest — although o1 and o2 hold the most.
        let outlets = vec![outlet("o0", &[("S", 1)]), outlet("o1", &[("S", 2)]), outlet("o2", &[("S", 2)])];
        let plan = allocate(&AllocationRequest { outlets, lines: order(&[("S", 3)]) }).unwrap();
        assert_eq!(
            plan.assignments,
            vec![
                Assignment { outlet: "o0".into(), lines: order(&[("S", 1)]) },
                Assignment { outlet: "o1".into(), lines: order(&[("S", 2)]) },
            ]
        );
    }

    #[test]
    fn the_plan_explains_each_outlet() {
        let plan = allocate(&AllocationRequest {
            outlets: seed_outlets(),
            lines: order(&[("SHIRT", 17), ("HAT", 6), ("SHOES", 6)]),
        })
        .unwrap();
        let text = plan.explanation.join("\n");
        assert!(text.contains("17 SHIRT (at most 15 at one outlet)"), "{text}");
        assert!(text.contains("2 outlets, the fewest possible"), "{text}");
        assert!(text.contains("laval is the main outlet"), "{text}");
        assert!(text.contains("sherbrooke can fill as many or more, but no 2-outlet plan includes it"), "{text}");
        assert!(text.contains("montreal (priority 1 of 3) takes what remains that it holds: 2 SHIRT."), "{text}");
    }

    #[test]
    fn the_plan_gives_each_reason_as_data_the_orders_page_can_translate() {
        let plan = allocate(&AllocationRequest {
            outlets: seed_outlets(),
            lines: order(&[("SHIRT", 17), ("HAT", 6), ("SHOES", 6)]),
        })
        .unwrap();
        assert_eq!(
            plan.reasons,
            vec![
                AllocationReason::SplitLines {
                    lines: vec![SplitLine { sku: "SHIRT".into(), qty: 17, most_at_one_outlet: 15 }],
                    outlets: 2,
                    fewest: true,
                },
                AllocationReason::MainOutlet {
                    outlet: "laval".into(),
                    whole_lines: 2,
                    lines: 3,
                    lead: MainLead::OthersDoNotFit { ahead: vec!["sherbrooke".into()], outlets: 2 },
                    takes: order(&[("SHIRT", 15), ("HAT", 6), ("SHOES", 6)]),
                },
                AllocationReason::TakesWhatRemains {
                    outlet: "montreal".into(),
                    priority: 1,
                    outlets: 3,
                    takes: order(&[("SHIRT", 2)]),
                },
            ]
        );
        assert_eq!(plan.explanation, plan.reasons.iter().map(AllocationReason::english).collect::<Vec<_>>());
        let json = serde_json::to_value(&plan).unwrap();
        assert_eq!(json["reasons"][1]["reason"], "main_outlet");
        assert_eq!(json["reasons"][1]["lead"]["lead"], "others_do_not_fit");
        // A plan stored before reasons existed still reads.
        let mut old = json.clone();
        old.as_object_mut().unwrap().remove("reasons");
        let read: AllocationPlan = serde_json::from_value(old).unwrap();
        assert!(read.reasons.is_empty() && read.explanation == plan.explanation);
    }

    #[test]
    fn what_nobody_holds_is_backordered_to_the_first_outlet_and_reported() {
        let plan = allocate(&AllocationRequest {
            outlets: seed_outlets(),
            lines: order(&[("SHIRT", 30), ("SCARF", 2), ("HAT", 1)]),
        })
        .unwrap();
        assert_eq!(
            plan.backordered,
            vec![
                Backorder { sku: "SHIRT".into(), qty: 5, outlet: "montreal".into() },
                Backorder { sku: "SCARF".into(), qty: 2, outlet: "montreal".into() },
            ]
        );
        let shirts: u32 =
            plan.assignments.iter().flat_map(|a| &a.lines).filter(|l| l.sku == "SHIRT").map(|l| l.qty).sum();
        assert_eq!(shirts, 25);
        assert!(plan.explanation.iter().any(|e| e.contains("2 of 2 backordered to montreal")));
    }

    #[test]
    fn lines_of_the_same_sku_are_allocated_together() {
        let plan =
            allocate(&AllocationRequest { outlets: seed_outlets(), lines: order(&[("HAT", 3), ("HAT", 4)]) }).unwrap();
        assert_eq!(plan.assignments.len(), 1);
        assert_eq!(plan.assignments[0].outlet, "sherbrooke");
        assert_eq!(plan.assignments[0].lines, order(&[("HAT", 7)]));
    }

    #[test]
    fn a_negative_level_counts_as_nothing_available() {
        let outlets = vec![outlet("a", &[("HAT", -4)]), outlet("b", &[("HAT", 2)])];
        let plan = allocate(&AllocationRequest { outlets, lines: order(&[("HAT", 3)]) }).unwrap();
        assert_eq!(plan.assignments, vec![Assignment { outlet: "b".into(), lines: order(&[("HAT", 2)]) }]);
        assert_eq!(plan.backordered[0].qty, 1);
    }

    #[test]
    fn an_empty_order_allocates_nothing() {
        let plan = allocate(&AllocationRequest { outlets: vec![], lines: vec![] }).unwrap();
        assert!(plan.assignments.is_empty() && plan.backordered.is_empty() && plan.optimal);
    }

    #[test]
    fn bad_requests_are_refused_with_a_code() {
        let req = |outlets, lines| AllocationRequest { outlets, lines };
        assert_eq!(allocate(&req(vec![], order(&[("HAT", 1)]))).unwrap_err().code(), "no_online_outlets");
        assert_eq!(
            allocate(&req(vec![outlet("a", &[]), outlet("a", &[])], order(&[("HAT", 1)]))).unwrap_err(),
            AllocationError::DuplicateOutlet { id: "a".into() }
        );
        assert_eq!(allocate(&req(seed_outlets(), order(&[("HAT", 0)]))).unwrap_err().code(), "zero_quantity");
        assert_eq!(allocate(&req(seed_outlets(), order(&[("", 1)]))).unwrap_err().code(), "empty_sku");
        assert_eq!(allocate(&req(vec![outlet("", &[])], order(&[("HAT", 1)]))).unwrap_err().code(), "empty_outlet_id");
    }

    #[test]
    fn the_plan_has_the_json_shape_of_the_command() {
        let req: AllocationRequest = serde_json::from_str(
            r#"{"outlets":[{"id":"montreal","stock":{"SHIRT":10,"HAT":3}}],"lines":[{"sku":"SHIRT","qty":2}]}"#,
        )
        .unwrap();
        let json = serde_json::to_value(allocate(&req).unwrap()).unwrap();
        assert_eq!(json["assignments"][0]["outlet"], "montreal");
        assert_eq!(json["assignments"][0]["lines"][0], serde_json::json!({"sku":"SHIRT","qty":2}));
        assert_eq!(json["backordered"], serde_json::json!([]));
        assert_eq!(json["optimal"], true);
        assert!(json["explanation"].is_array());
    }

    #[test]
    fn out_of_budget_the_plan_is_still_complete_but_not_claimed_optimal() {
        let req =
            AllocationRequest { outlets: seed_outlets(), lines: order(&[("SHIRT", 17), ("HAT", 6), ("SHOES", 6)]) };
        let plan = allocate_with_budget(&req, 1).unwrap();
        assert!(!plan.optimal);
        assert!(plan.explanation.last().unwrap().contains("budget"));
        let mut got: BTreeMap<String, u32> = BTreeMap::new();
        for l in plan.assignments.iter().flat_map(|a| &a.lines) {
            *got.entry(l.sku.clone()).or_default() += l.qty;
        }
        assert_eq!(
            got,
            order(&[("HAT", 6), ("SHIRT", 17), ("SHOES", 6)]).into_iter().map(|l| (l.sku, l.qty)).collect()
        );
    }

    #[test]
    fn a_chain_of_three_hundred_outlets_is_allocated_by_the_same_rule() {
        // Wider than one word (and than four): the outlets that can fill the order sit at the far end.
        let mut outlets: Vec<OutletStock> = (0..300).map(|o| outlet(&format!("o{o}"), &[("HAT", 1)])).collect();
        outlets[280] = outlet("o280", &[("HAT", 5), ("SHIRT", 2)]);
        outlets[299] = outlet("o299", &[("HAT", 5), ("SHIRT", 2), ("SCARF", 1)]);
        let plan =
            allocate(&AllocationRequest { outlets, lines: order(&[("HAT", 3), ("SHIRT", 2), ("SCARF", 1)]) }).unwrap();
        assert!(plan.optimal);
        assert_eq!(
            plan.assignments,
            vec![Assignment { outlet: "o299".into(), lines: order(&[("HAT", 3), ("SHIRT", 2), ("SCARF", 1)]) }]
        );
    }

    #[test]
    fn seventy_lines_nobody_holds_whole_are_split_over_the_fewest_outlets() {
        // 70 lines (two words): each of two outlets holds half of every line; a third holds a little.
        let skus: Vec<String> = (0..70).map(|l| format!("S{l:02}")).collect();
        let stock = |q: i64| OutletStock { id: String::new(), stock: skus.iter().map(|s| (s.clone(), q)).collect() };
        let outlets = vec![
            OutletStock { id: "small".into(), ..stock(1) },
            OutletStock { id: "a".into(), ..stock(5) },
            OutletStock { id: "b".into(), ..stock(5) },
        ];
        let lines = skus.iter().map(|s| OrderLine { sku: s.clone(), qty: 10 }).collect();
        let plan = allocate(&AllocationRequest { outlets, lines }).unwrap();
        assert!(plan.optimal);
        let used: Vec<&str> = plan.assignments.iter().map(|a| a.outlet.as_str()).collect();
        assert_eq!(used, ["a", "b"]);
        assert!(plan.assignments.iter().all(|a| a.lines.len() == 70 && a.lines.iter().all(|l| l.qty == 5)));
    }

    // ----- The brute-force oracle -----------------------------------------------------------

    /// Every plan: each line's demand distributed over the outlets in every way their stock allows.
    fn brute_force_best(p: &Problem) -> PlanCost {
        fn rec(p: &Problem, l: usize, o: usize, left: u64, q: &mut Matrix, best: &mut Option<PlanCost>) {
            if l == p.m {
                let c = p.cost(q);
                if best.as_ref().is_none_or(|b| c < *b) {
                    *best = Some(c);
                }
                return;
            }
            if o == p.n {
                if left == 0 {
                    let next = if l + 1 < p.m { p.demand[l + 1] } else { 0 };
                    rec(p, l + 1, 0, next, q, best);
                }
                return;
            }
            for x in 0..=left.min(p.avail[o][l]) {
                q[o * p.m + l] = x;
                rec(p, l, o + 1, left - x, q, best);
            }
            q[o * p.m + l] = 0;
        }
        let mut best = None;
        let mut q = vec![0; p.n * p.m];
        let first = p.demand.first().copied().unwrap_or(0);
        rec(p, 0, 0, first, &mut q, &mut best);
        best.expect("some plan exists")
    }

    /// The best plan of every subset of outlets (each subset's own best plan is built directly: the
    /// brute force above checks that construction). Exponential in outlets only, so it reaches 12.
    fn best_over_subsets(p: &Problem) -> PlanCost {
        (1u32..1 << p.n)
            .filter_map(|mask| p.plan_for(&(0..p.n).filter(|o| mask & (1 << o) != 0).collect::<Vec<_>>()))
            .map(|q| p.cost(&q))
            .min()
            .expect("all outlets together cover the demand")
    }

    fn to_matrix(p: &Problem, plan: &AllocationPlan) -> Matrix {
        let mut q = vec![0; p.n * p.m];
        for a in &plan.assignments {
            let o = p.outlet_ids.iter().position(|id| *id == a.outlet).unwrap();
            for line in &a.lines {
                let l = p.skus.iter().position(|s| *s == line.sku).unwrap();
                q[o * p.m + l] += u64::from(line.qty);
            }
        }
        q
    }

    fn arb_request(
        max_outlets: usize,
        max_lines: usize,
        max_stock: i64,
        max_qty: u32,
    ) -> impl Strategy<Value = AllocationRequest> {
        arb_sparse_request(max_outlets, max_lines, max_stock, max_qty, 1)
    }

    /// `empty` cells out of `empty + 1` hold nothing: 3 makes a thin chain, where orders need many outlets.
    fn arb_sparse_request(
        max_outlets: usize,
        max_lines: usize,
        max_stock: i64,
        max_qty: u32,
        empty: u32,
    ) -> impl Strategy<Value = AllocationRequest> {
        (1..=max_outlets, 1..=max_lines).prop_flat_map(move |(n, m)| {
            (
                // Sparse stock (half the cells empty) makes outlets differ, so every stage of the search matters.
                proptest::collection::vec(
                    proptest::collection::vec(prop_oneof![empty => Just(0), 1 => 0..=max_stock], m),
                    n,
                ),
                proptest::collection::vec(1..=max_qty, m),
            )
                .prop_map(move |(stock, qty)| AllocationRequest {
                    outlets: stock
                        .iter()
                        .enumerate()
                        .map(|(o, row)| OutletStock {
                            id: format!("o{o}"),
                            stock: row.iter().enumerate().map(|(l, s)| (format!("S{l}"), *s)).collect(),
                        })
                        .collect(),
                    lines: qty.iter().enumerate().map(|(l, q)| OrderLine { sku: format!("S{l}"), qty: *q }).collect(),
                })
        })
    }

    /// Sound plan: every line's capped demand placed, no outlet beyond its stock, backorders exact.
    fn assert_sound(req: &AllocationRequest, p: &Problem, plan: &AllocationPlan) -> Result<(), TestCaseError> {
        let q = to_matrix(p, plan);
        for l in 0..p.m {
            prop_assert_eq!((0..p.n).map(|o| q[o * p.m + l]).sum::<u64>(), p.demand[l]);
            for o in 0..p.n {
                prop_assert!(q[o * p.m + l] <= p.avail[o][l]);
            }
        }
        for line in &req.lines {
            let placed: u64 = plan
                .assignments
                .iter()
                .flat_map(|a| &a.lines)
                .filter(|l| l.sku == line.sku)
                .map(|l| u64::from(l.qty))
                .sum();
            let back: u64 = plan.backordered.iter().filter(|b| b.sku == line.sku).map(|b| u64::from(b.qty)).sum();
            prop_assert_eq!(placed + back, u64::from(line.qty));
        }
        prop_assert!(plan.assignments.iter().all(|a| !a.lines.is_empty()));
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

        #[test]
        fn the_plan_is_never_worse_than_the_best_plan_found_by_brute_force(req in arb_request(5, 5, 4, 3)) {
            let p = Problem::new(&req).unwrap();
            let plan = allocate(&req).unwrap();
            assert_sound(&req, &p, &plan)?;
            prop_assert!(plan.optimal);
            let got = p.cost(&to_matrix(&p, &plan));
            let best = brute_force_best(&p);
            prop_assert!(got <= best, "plan {:?} costs {:?}, brute force found {:?}", plan.assignments, got, best);
        }

        #[test]
        fn with_quantities_nobody_holds_whole_the_plan_still_matches_brute_force(req in arb_request(5, 3, 3, 6)) {
            let p = Problem::new(&req).unwrap();
            let plan = allocate(&req).unwrap();
            assert_sound(&req, &p, &plan)?;
            prop_assert!(plan.optimal);
            prop_assert!(p.cost(&to_matrix(&p, &plan)) <= brute_force_best(&p));
        }

        #[test]
        fn at_a_dozen_outlets_the_plan_is_the_best_of_every_subset_of_outlets(req in arb_request(12, 10, 8, 9)) {
            let p = Problem::new(&req).unwrap();
            let plan = allocate(&req).unwrap();
            assert_sound(&req, &p, &plan)?;
            prop_assert!(plan.optimal);
            prop_assert_eq!(p.cost(&to_matrix(&p, &plan)), best_over_subsets(&p));
        }

        #[test]
        fn in_a_thin_chain_the_plan_is_the_best_of_every_subset_of_outlets(
            req in arb_sparse_request(12, 14, 8, 9, 3)
        ) {
            // A quarter of the cells stocked: plans of many outlets, where the search's last levels and its
            // bounds do most of the work.
            let p = Problem::new(&req).unwrap();
            let plan = allocate(&req).unwrap();
            assert_sound(&req, &p, &plan)?;
            prop_assert!(plan.optimal);
            prop_assert_eq!(p.cost(&to_matrix(&p, &plan)), best_over_subsets(&p));
        }

        #[test]
        fn sets_of_every_width_find_the_same_plan(req in arb_request(12, 10, 8, 9)) {
            let p = Problem::new(&req).unwrap();
            let one = solve_in(&p, DEFAULT_NODE_BUDGET, 1);
            prop_assert!(one.1);
            for words in [2, 4, 5] {
                prop_assert_eq!(&solve_in(&p, DEFAULT_NODE_BUDGET, words), &one);
            }
        }

        #[test]
        fn with_a_tiny_budget_the_plan_is_still_sound(req in arb_request(8, 6, 6, 5), budget in 0u64..40) {
            let p = Problem::new(&req).unwrap();
            let plan = allocate_with_budget(&req, budget).unwrap();
            assert_sound(&req, &p, &plan)?;
            let exact = allocate(&req).unwrap();
            prop_assert!(p.cost(&to_matrix(&p, &exact)) <= p.cost(&to_matrix(&p, &plan)));
            if plan.optimal {
                prop_assert_eq!(plan.assignments, exact.assignments);
            }
        }
    }
}
