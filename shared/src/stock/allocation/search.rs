//! The exact search for the set of outlets (the three stages of the parent module's documentation), over
//! sets of one width `S`: one machine word when outlets and lines are at most 64 each.
//!
//! Every question the stages ask is "can what remains be covered by at most `slots` outlets of
//! `candidates`?", answered by [`Search::dfs`]: a depth-first search that branches on the most
//! constrained need, skips branches that an outlet beside them does better (dominance), never revisits a
//! set, and prunes with lower bounds; with three slots or fewer left it goes on exactly without them
//! ([`Search::small`]). The search allocates nothing per node.

use super::sets::Set;
use super::Problem;
use std::cmp::Reverse;

pub(crate) struct OutOfBudget;

/// From this many slots left down, the search goes on exactly without bounds ([`Search::small`]).
const SMALL: usize = 3;

/// The covering view of a [`Problem`]: which lines each outlet fills whole, and what it holds of the lines
/// that must be split (the *forced* lines, numbered in `Problem::forced` order).
pub(crate) struct Cover<S> {
    n: usize,
    /// Per outlet: the lines it fills whole.
    fills: Vec<S>,
    /// Per line: the outlets that fill it whole (empty for a forced line).
    fillers: Vec<S>,
    /// Per forced line: the outlets holding some of it.
    holders: Vec<S>,
    /// What outlet `o` holds of forced line `f`: `favail[o * forced + f]` (capped at the demand).
    favail: Vec<u64>,
    forced: usize,
    /// Per forced line: its demand.
    fdemand: Vec<u64>,
    fillable: S,
    rank: Vec<usize>,
    by_rank: Vec<usize>,
}

/// What remains to cover: whole lines, and units of forced lines (`left` holds those with units left).
#[derive(Clone)]
pub(crate) struct Rem<S> {
    whole: S,
    left: S,
    units: Vec<u64>,
}

impl<S: Set> Rem<S> {
    fn is_done(&self) -> bool {
        self.whole.is_empty() && self.left.is_empty()
    }
}

impl<S: Set> Cover<S> {
    pub(crate) fn new(p: &Problem) -> Cover<S> {
        let width = p.n.max(p.m).max(p.forced.len());
        let forced = p.forced.len();
        let mut fills = vec![S::empty(width); p.n];
        let mut fillers = vec![S::empty(width); p.m];
        let mut holders = vec![S::empty(width); forced];
        let mut favail = vec![0; p.n * forced];
        let mut fillable = S::empty(width);
        for o in 0..p.n {
            for l in p.fills[o].members() {
                fills[o].insert(l);
                fillers[l].insert(o);
                fillable.insert(l);
            }
            for (f, &l) in p.forced.iter().enumerate() {
                favail[o * forced + f] = p.avail[o][l];
                if p.avail[o][l] > 0 {
                    holders[f].insert(o);
                }
            }
        }
        Cover {
            n: p.n,
            fills,
            fillers,
            holders,
            favail,
            forced,
            fdemand: p.forced.iter().map(|&l| p.demand[l]).collect(),
            fillable,
            rank: p.rank.clone(),
            by_rank: p.by_rank.clone(),
        }
    }

    fn width(&self) -> usize {
        self.n.max(self.fillers.len()).max(self.forced)
    }

    fn outlets(&self, pred: impl Fn(usize) -> bool) -> S {
        let mut s = S::empty(self.width());
        (0..self.n).filter(|&o| pred(o)).for_each(|o| s.insert(o));
        s
    }

    fn avail(&self, o: usize, f: usize) -> u64 {
        self.favail[o * self.forced + f]
    }

    fn full(&self) -> Rem<S> {
        let mut left = S::empty(self.width());
        (0..self.forced).for_each(|f| left.insert(f));
        Rem { whole: self.fillable.clone(), left, units: self.fdemand.clone() }
    }

    /// What remains after outlet `o` takes all it can.
    fn after(&self, rem: &Rem<S>, o: usize) -> Rem<S> {
        let mut next = Rem { whole: rem.whole.minus(&self.fills[o]), left: rem.left.clone(), units: rem.units.clone() };
        for f in rem.left.members() {
            next.units[f] = next.units[f].saturating_sub(self.avail(o, f));
            if next.units[f] == 0 {
                next.left.remove(f);
            }
        }
        next
    }

    /// Takes the outlet that serves most (whole lines, then units of forced lines), until all is served.
    fn greedy(&self, rem: &Rem<S>) -> Vec<usize> {
        let mut rem = rem.clone();
        let mut set = Vec::new();
        while !rem.is_done() {
            let gain = |o: usize| {
                let units: u64 = rem.left.members().map(|f| rem.units[f].min(self.avail(o, f))).sum();
                (self.fills[o].and(&rem.whole).count(), units)
            };
            let best = (0..self.n).filter(|o| !set.contains(o)).max_by_key(|&o| (gain(o), Reverse(self.rank[o])));
            match best {
                Some(o) if gain(o) != (0, 0) => {
                    rem = self.after(&rem, o);
                    set.push(o);
                }
                _ => return Vec::new(),
            }
        }
        set
    }

    /// Outlet `b` does at least what `a` does towards `rem`: fills every whole line `a` fills, and holds as
    /// many units of every forced line (up to what remains of it).
    fn does_as_much(&self, b: usize, a: usize, rem: &Rem<S>) -> bool {
        self.fills[a].and(&rem.whole).is_subset(&self.fills[b])
            && rem.left.members().all(|f| self.avail(a, f).min(rem.units[f]) <= self.avail(b, f).min(rem.units[f]))
    }

    fn takes_something(&self, rem: &Rem<S>, o: usize) -> bool {
        self.fills[o].intersects(&rem.whole) || rem.left.members().any(|f| self.avail(o, f) > 0)
    }

    /// Some outlet of `cand` does at least what `a` does towards what remains: fills every remaining whole
    /// line `a` fills, and holds as many units of every forced line. Of two equal outlets the lower index
    /// is kept, so a branch on `a` can be skipped: any cover with `a` stays one with its dominator instead.
    fn dominated(&self, a: usize, cand: &S, whole: &S, left: &S, units: &[u64]) -> bool {
        let fa = self.fills[a].and(whole);
        // Only an outlet filling every line `a` fills can dominate it.
        let mut by = cand.clone();
        by.remove(a);
        for l in fa.members() {
            by = by.and(&self.fillers[l]);
            if by.is_empty() {
                return false;
            }
        }
        let count = fa.count();
        let found = by.members().any(|b| {
            let mut strict = self.fills[b].and(whole).count() > count;
            for f in left.members() {
                let (xa, xb) = (self.avail(a, f).min(units[f]), self.avail(b, f).min(units[f]));
                if xa > xb {
                    return false;
                }
                strict |= xa < xb;
            }
            strict || b < a
        });
        found
    }
}

/// The sets of outlets the stages found, last the best; `optimal` when the stages all completed.
pub(crate) struct Outcome {
    pub(crate) covers: Vec<Vec<usize>>,
    pub(crate) optimal: bool,
}

pub(crate) fn solve<S: Set>(p: &Problem, budget: u64) -> Outcome {
    let cover = Cover::<S>::new(p);
    let mut search = Search::new(&cover, budget);
    let mut covers = Vec::new();
    let optimal = stages(&cover, &mut search, &mut covers).is_ok();
    Outcome { covers, optimal }
}

/// The three stages. Every cover met on the way goes to `covers`.
fn stages<S: Set>(c: &Cover<S>, s: &mut Search<'_, S>, covers: &mut Vec<Vec<usize>>) -> Result<(), OutOfBudget> {
    let full = c.full();
    if full.is_done() {
        return Ok(());
    }
    let all = c.outlets(|_| true);
    // 1. The fewest outlets: down from a greedy cover (the outlet that serves most, until all is served),
    //    a search for a cover one outlet smaller, until there is none. That one failed search proves the
    //    smaller sizes impossible too, so only one size is searched in vain.
    // Each cover goes to `covers` when found: should the budget run out, the best of them is the plan.
    let mut witness = c.greedy(&full);
    covers.push(witness.clone());
    while !witness.is_empty() {
        match s.cover(&full, &all, witness.len() - 1)? {
            Some(w) => {
                covers.push(w.clone());
                witness = w;
            }
            None => break,
        }
    }
    if witness.is_empty() {
        // No greedy cover (cannot happen: all outlets together serve the capped demand): up from one.
        for slots in 1..=c.n {
            if let Some(w) = s.cover(&full, &all, slots)? {
                covers.push(w.clone());
                witness = w;
                break;
            }
        }
    }
    let k = witness.len();
    // 2. The main outlet: the best-ranked one some k-outlet cover has with only worse-ranked outlets.
    let mut main = *witness.iter().min_by_key(|&&o| c.rank[o]).expect("all outlets together cover the demand");
    witness.retain(|&o| o != main);
    for &m in c.by_rank.iter().take(c.rank[main]) {
        if !c.takes_something(&full, m) {
            continue;
        }
        let worse = c.outlets(|o| c.rank[o] > c.rank[m]);
        if let Some(w) = s.cover(&c.after(&full, m), &worse, k - 1)? {
            main = m;
            witness = w;
            covers.push([&witness[..], &[m]].concat());
            break;
        }
    }
    // 3. The others, in priority order: each joins if it takes something and a cover can still be
    //    completed with the slots left; an outlet of the last cover found joins without a search.
    let worse_than_main = c.outlets(|o| c.rank[o] > c.rank[main]);
    let mut chosen = vec![main];
    let mut rem = c.after(&full, main);
    let mut slots = k - 1;
    let mut rejected = Vec::new();
    for o in 0..c.n {
        if rem.is_done() {
            break;
        }
        if !worse_than_main.contains(o) {
            continue;
        }
        if !c.takes_something(&rem, o) {
            witness.retain(|&x| x != o);
            continue;
        }
        let next = c.after(&rem, o);
        let joins = if witness.contains(&o) {
            witness.retain(|&x| x != o);
            true
        } else if rejected.iter().any(|&p| c.does_as_much(p, o, &rem)) {
            // Had `o` a cover, outlet `p` (earlier, refused) would have had one: with `p` in place of `o`.
            false
        } else if slots > 0 {
            let later = worse_than_main.minus(&worse_than_main.below(o + 1));
            match s.cover(&next, &later, slots - 1)? {
                Some(w) => {
                    witness = w;
                    covers.push([&chosen[..], &[o], &witness[..]].concat());
                    true
                }
                None => false,
            }
        } else {
            false
        };
        if joins {
            chosen.push(o);
            rem = next;
            slots -= 1;
        } else {
            rejected.push(o);
        }
    }
    chosen.extend(&witness);
    covers.push(chosen);
    Ok(())
}

pub(crate) struct Search<'c, S> {
    c: &'c Cover<S>,
    nodes: u64,
    budget: u64,
    /// Units left of each forced line, one row per depth.
    units: Vec<u64>,
    /// The outlets on the current path.
    chosen: Vec<usize>,
    /// Per node, the outlets to branch on: a stack, each node's own slice above its parent's.
    branch: Vec<usize>,
    /// Node-local scratch, used before branching only.
    lines: Vec<(u32, usize)>,
    splits: Vec<(u32, Reverse<u64>, usize, u32)>,
    stocks: Vec<u64>,
    covers: Vec<u32>,
    slack: Vec<f64>,
    pending: Vec<u32>,
}

impl<'c, S: Set> Search<'c, S> {
    fn new(c: &'c Cover<S>, budget: u64) -> Search<'c, S> {
        Search {
            c,
            nodes: 0,
            budget,
            units: vec![0; (c.n + 2) * c.forced],
            chosen: Vec::new(),
            branch: Vec::new(),
            lines: Vec::new(),
            splits: Vec::new(),
            stocks: Vec::new(),
            covers: vec![0; c.n],
            slack: vec![0.0; c.n],
            pending: vec![0; c.n],
        }
    }

    /// A set of at most `slots` outlets of `candidates` covering `rem`, if there is one.
    fn cover(&mut self, rem: &Rem<S>, candidates: &S, slots: usize) -> Result<Option<Vec<usize>>, OutOfBudget> {
        let f = self.c.forced;
        self.units[..f].copy_from_slice(&rem.units);
        self.chosen.clear();
        Ok(self.dfs(0, rem.whole.clone(), rem.left.clone(), candidates.clone(), slots)?.then(|| self.chosen.clone()))
    }

    /// A lower bound on the outlets needed, from a feasible solution of the dual of the covering linear
    /// program: each need (a whole line, or a forced line's units) gets a weight, and the needs an outlet
    /// serves weigh at most 1 in all, so any cover has at least the total weight. Needs are weighed from the
    /// most constrained, each outlet sharing what it has left evenly among the needs it has not yet met.
    /// Also worth at least Σ 1/(most lines one of its fillers fills) over the whole lines.
    fn dual_bound(&mut self, cand: &S, left: &S, row: usize) -> f64 {
        let c = self.c;
        for o in cand.members() {
            self.slack[o] = 1.0;
            self.pending[o] = self.covers[o] + left.members().filter(|&f| c.avail(o, f) > 0).count() as u32;
        }
        let mut total = 0.0;
        let (mut i, mut j) = (0, 0);
        while i < self.lines.len() || j < self.splits.len() {
            if j == self.splits.len() || (i < self.lines.len() && self.lines[i].0 <= self.splits[j].0) {
                let fl = c.fillers[self.lines[i].1].and(cand);
                i += 1;
                let y = fl.members().map(|o| self.slack[o] / f64::from(self.pending[o])).fold(f64::INFINITY, f64::min);
                for o in fl.members() {
                    self.slack[o] -= y;
                    self.pending[o] -= 1;
                }
                total += y;
            } else {
                let (_, Reverse(r), f, _) = self.splits[j];
                j += 1;
                let hs = c.holders[f].and(cand);
                // Outlet o serves the fraction share(o) of the units: weight y costs it share(o) * y.
                let share = |o: usize| c.avail(o, f).min(r) as f64 / r as f64;
                let y = hs
                    .members()
                    .map(|o| self.slack[o] / f64::from(self.pending[o]) / share(o))
                    .fold(f64::INFINITY, f64::min);
                for o in hs.members() {
                    self.slack[o] -= share(o) * y;
                    self.pending[o] -= 1;
                }
                total += y;
            }
        }
        // What slack is left raises the weight of any need whose outlets all have some.
        for &(_, l) in &self.lines {
            let fl = c.fillers[l].and(cand);
            let y = fl.members().map(|o| self.slack[o]).fold(f64::INFINITY, f64::min);
            if y > 1e-12 {
                fl.members().for_each(|o| self.slack[o] -= y);
                total += y;
            }
        }
        for &(_, Reverse(r), f, _) in &self.splits {
            let hs = c.holders[f].and(cand);
            let share = |o: usize| c.avail(o, f).min(r) as f64 / r as f64;
            let y = hs.members().map(|o| self.slack[o] / share(o)).fold(f64::INFINITY, f64::min);
            if y > 1e-12 {
                hs.members().for_each(|o| self.slack[o] -= share(o) * y);
                total += y;
            }
        }
        let _ = row;
        total
    }

    /// The one outlet of `cand` that covers what remains (units in row `row`), if any: the lowest index.
    fn one(&self, row: usize, whole: &S, left: &S, cand: &S) -> Option<usize> {
        let c = self.c;
        let mut able = cand.clone();
        for l in whole.members() {
            able = able.and(&c.fillers[l]);
            if able.is_empty() {
                return None;
            }
        }
        for f in left.members() {
            able = able.and(&c.holders[f]);
        }
        let units = &self.units[row..row + c.forced];
        let found = able.members().find(|&o| left.members().all(|f| c.avail(o, f) >= units[f]));
        found
    }

    /// The last levels, exactly and without the bounds (cheaper than bounding these small nodes): with one
    /// slot, the outlets filling every remaining line are an intersection of fillers; with more, one of them
    /// serves the most constrained need, and each such outlet is tried with a slot fewer.
    fn small(&mut self, row: usize, whole: &S, left: &S, cand: S, slots: usize) -> Result<bool, OutOfBudget> {
        // Each call counts as a node of the budget: the budget bounds the work, these included.
        self.nodes += 1;
        if self.nodes > self.budget {
            return Err(OutOfBudget);
        }
        let c = self.c;
        if slots == 1 {
            return Ok(match self.one(row, whole, left, &cand) {
                Some(o) => {
                    self.chosen.push(o);
                    true
                }
                None => false,
            });
        }
        // Needs no outlet serves together each take an outlet of their own.
        let mut taken = S::empty(c.width());
        let mut apart = 0;
        let mut branch: Option<S> = None;
        for l in whole.members() {
            let fl = c.fillers[l].and(&cand);
            if !fl.intersects(&taken) {
                apart += 1;
                if apart > slots {
                    return Ok(false);
                }
                taken = taken.or(&fl);
            }
            if branch.as_ref().is_none_or(|b| fl.count() < b.count()) {
                branch = Some(fl);
            }
        }
        if branch.is_none() {
            branch = left.members().map(|f| c.holders[f].and(&cand)).min_by_key(|s| s.count());
        }
        let branch = branch.expect("something remains");
        let fc = c.forced;
        let next = row + fc;
        // An outlet tried is left out of the later tries: a set with it was already looked at.
        let mut allowed = cand;
        for a in branch.members() {
            allowed.remove(a);
            let w = whole.minus(&c.fills[a]);
            let mut lf = left.clone();
            for f in left.members() {
                let r = self.units[row + f].saturating_sub(c.avail(a, f));
                self.units[next + f] = r;
                if r == 0 {
                    lf.remove(f);
                }
            }
            self.chosen.push(a);
            if (w.is_empty() && lf.is_empty()) || self.small(next, &w, &lf, allowed.clone(), slots - 1)? {
                return Ok(true);
            }
            self.chosen.pop();
        }
        Ok(false)
    }

    fn dfs(&mut self, depth: usize, whole: S, left: S, cand: S, slots: usize) -> Result<bool, OutOfBudget> {
        self.nodes += 1;
        if self.nodes > self.budget {
            return Err(OutOfBudget);
        }
        if whole.is_empty() && left.is_empty() {
            return Ok(true);
        }
        if slots == 0 {
            return Ok(false);
        }
        let c = self.c;
        let fc = c.forced;
        let row = depth * fc;
        if slots <= SMALL {
            self.nodes -= 1;
            return self.small(row, &whole, &left, cand, slots);
        }

        // The candidates that can still take something.
        let mut useful = S::empty(c.width());
        for l in whole.members() {
            useful = useful.or(&c.fillers[l]);
        }
        for f in left.members() {
            useful = useful.or(&c.holders[f]);
        }
        let cand = cand.and(&useful);
        if slots == 1 {
            let units = &self.units[row..row + fc];
            let Some(o) = cand
                .members()
                .find(|&o| whole.is_subset(&c.fills[o]) && left.members().all(|f| c.avail(o, f) >= units[f]))
            else {
                return Ok(false);
            };
            self.chosen.push(o);
            return Ok(true);
        }

        // A dominated outlet that holds none of the forced lines is left out of this whole subtree: in a
        // cover, it can give way to its dominator, or is not needed beside it. (One holding some forced
        // units may be needed beside its dominator, to add up: it is only not branched on, below.)
        let units = &self.units[row..row + fc];
        let mut keep = cand.clone();
        let mut additive = S::empty(c.width());
        for a in cand.members() {
            if left.members().any(|f| c.avail(a, f) > 0) {
                additive.insert(a);
            } else if c.dominated(a, &cand, &whole, &left, units) {
                keep.remove(a);
            }
        }
        let cand = keep;
        // How many remaining whole lines each candidate fills.
        for o in cand.members() {
            self.covers[o] = c.fills[o].and(&whole).count();
        }
        // Each whole line: its fillers among the candidates. None: uncoverable.
        self.lines.clear();
        for l in whole.members() {
            let count = c.fillers[l].and(&cand).count();
            if count == 0 {
                return Ok(false);
            }
            self.lines.push((count, l));
        }
        // A forced line needs as many outlets as its largest remaining stocks take to reach its units.
        self.splits.clear();
        for f in left.members() {
            let r = self.units[row + f];
            let hs = c.holders[f].and(&cand);
            self.stocks.clear();
            self.stocks.extend(hs.members().map(|o| c.avail(o, f)));
            self.stocks.sort_unstable_by(|a, b| b.cmp(a));
            let (mut sum, mut need) = (0u64, 0u32);
            for &x in &self.stocks {
                if sum >= r {
                    break;
                }
                sum += x;
                need += 1;
            }
            if sum < r || need as usize > slots {
                return Ok(false);
            }
            self.splits.push((hs.count(), Reverse(r), f, need));
        }
        // Packing bound: needs no single outlet can serve together each need outlets of their own.
        self.lines.sort_unstable();
        self.splits.sort_unstable();
        let mut taken = S::empty(c.width());
        let mut bound = 0usize;
        for &(_, l) in &self.lines {
            let fl = c.fillers[l].and(&cand);
            if !fl.intersects(&taken) {
                bound += 1;
                taken = taken.or(&fl);
            }
        }
        for &(_, _, f, need) in &self.splits {
            let hs = c.holders[f].and(&cand);
            if !hs.intersects(&taken) {
                bound += need as usize;
                taken = taken.or(&hs);
            }
        }
        if bound > slots || self.dual_bound(&cand, &left, row) > slots as f64 + 1e-9 {
            return Ok(false);
        }

        // Branch on the most constrained need: the whole line with fewest fillers, or the forced line with
        // fewest holders when it has fewer choices.
        let base = self.branch.len();
        // Not branching on a dominated outlet is safe: a cover with it and not its dominator has its
        // dominator instead; one with both is found in the dominator's branch, where it is still allowed.
        let units = &self.units[row..row + fc];
        let (need, rank) = (&left, &c.rank);
        let not_dominated = |a: usize| !additive.contains(a) || !c.dominated(a, &cand, &whole, need, units);
        let on_line = match (self.lines.first(), self.splits.first()) {
            // A forced line needing `need` of its `hc` holders: the first one chosen is among hc + 1 - need.
            (Some(&(lc, _)), Some(&(hc, _, _, need))) => lc <= hc + 1 - need,
            (Some(_), None) => true,
            _ => false,
        };
        if on_line {
            let l = self.lines[0].1;
            self.branch.extend(c.fillers[l].and(&cand).members().filter(|&a| not_dominated(a)));
            let covers = &self.covers;
            self.branch[base..].sort_unstable_by_key(|&o| (Reverse(covers[o]), rank[o]));
        } else {
            let f = self.splits[0].2;
            self.branch.extend(c.holders[f].and(&cand).members().filter(|&a| not_dominated(a)));
            self.branch[base..].sort_unstable_by_key(|&o| (Reverse(c.avail(o, f)), c.rank[o]));
        }
        let end = self.branch.len();

        // An outlet tried in one branch is left out of the next ones: every set is visited once.
        let mut allowed = cand;
        for i in base..end {
            let o = self.branch[i];
            allowed.remove(o);
            let next_whole = whole.minus(&c.fills[o]);
            let mut next_left = left.clone();
            let next_row = row + fc;
            for f in left.members() {
                let r = self.units[row + f].saturating_sub(c.avail(o, f));
                self.units[next_row + f] = r;
                if r == 0 {
                    next_left.remove(f);
                }
            }
            self.chosen.push(o);
            if self.dfs(depth + 1, next_whole, next_left, allowed.clone(), slots - 1)? {
                self.branch.truncate(base);
                return Ok(true);
            }
            self.chosen.pop();
        }
        self.branch.truncate(base);
        Ok(false)
    }
}
