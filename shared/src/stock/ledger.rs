//! The stock ledger. A level is the sum of signed movements for a product at an outlet; movements are
//! only ever added, each with a unique id, so ledgers from offline registers merge as a set union:
//! no order, no conflict. A sale is never refused for lack of stock: a level may go negative, and is
//! then flagged for a manager.

use super::digest::{mix, Digest, Fnv1a64, LedgerDigest};
use crate::sale::Sale;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Why stock moved. Stored as snake_case text (`online_order`), like the server's `stock_movements.reason`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MovementReason {
    /// A unit left with a customer (negative).
    Sale,
    /// A unit came back from a customer (positive).
    Return,
    /// A count or correction (either sign).
    Adjustment,
    /// Goods received from a supplier (positive).
    Receiving,
    /// Between outlets: negative at the source, positive at the destination.
    Transfer,
    /// Deducted for an online order (negative).
    OnlineOrder,
    /// Put back when an online order is cancelled or refunded on its platform (positive).
    OnlineCancel,
}

impl MovementReason {
    pub fn as_str(self) -> &'static str {
        match self {
            MovementReason::Sale => "sale",
            MovementReason::Return => "return",
            MovementReason::Adjustment => "adjustment",
            MovementReason::Receiving => "receiving",
            MovementReason::Transfer => "transfer",
            MovementReason::OnlineOrder => "online_order",
            MovementReason::OnlineCancel => "online_cancel",
        }
    }
}

/// One signed change of stock for one product at one outlet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Movement {
    /// Globally unique, and derived from the source document where possible (`{sale id}:{line no}`),
    /// so that a register and the server name the same movement the same way.
    pub id: String,
    pub product_id: String,
    pub outlet_id: String,
    /// Units in (+) or out (−).
    pub delta: i64,
    pub reason: MovementReason,
    /// The document that caused it: a sale id, a receiving or transfer id, an online order id.
    pub source_id: String,
    /// Milliseconds since the Unix epoch, on the clock of whoever recorded it.
    pub created_at_ms: i64,
    /// The server's position for this movement in its ledger, given when it is stored;
    /// absent while the movement exists only on a register.
    #[serde(default)]
    pub version: Option<u64>,
}

impl Movement {
    /// The sign a reason allows: sales take stock out, returns and receiving put it in.
    pub fn validate(&self) -> Result<(), LedgerError> {
        if self.id.is_empty() || self.product_id.is_empty() || self.outlet_id.is_empty() {
            return Err(LedgerError::MissingId { id: self.id.clone() });
        }
        if self.delta == 0 {
            return Err(LedgerError::ZeroDelta { id: self.id.clone() });
        }
        let sign_ok = match self.reason {
            MovementReason::Sale => self.delta < 0,
            MovementReason::Return | MovementReason::Receiving | MovementReason::OnlineCancel => self.delta > 0,
            MovementReason::Adjustment | MovementReason::Transfer | MovementReason::OnlineOrder => true,
        };
        if !sign_ok {
            return Err(LedgerError::WrongSign { id: self.id.clone(), reason: self.reason, delta: self.delta });
        }
        Ok(())
    }

    /// Same movement, whether or not the server has numbered it yet.
    fn same_fact(&self, other: &Movement) -> bool {
        self.id == other.id
            && self.product_id == other.product_id
            && self.outlet_id == other.outlet_id
            && self.delta == other.delta
            && self.reason == other.reason
            && self.source_id == other.source_id
            && self.created_at_ms == other.created_at_ms
    }

    fn hash(&self) -> u64 {
        let mut h = Fnv1a64::default();
        h.write_str(&self.id);
        h.write_str(&self.product_id);
        h.write_str(&self.outlet_id);
        h.write_i64(self.delta);
        h.write_str(self.reason.as_str());
        h.write_str(&self.source_id);
        h.write_i64(self.created_at_ms);
        h.write_u64(self.version.unwrap_or(0));
        mix(h.finish())
    }
}

/// The movements a paid sale causes at its outlet: one per line, out for a sale line, in for a return line.
pub fn movements_for_sale(sale: &Sale) -> Vec<Movement> {
    movements_for_lines(
        &sale.id,
        &sale.outlet_id,
        sale.created_at_ms,
        sale.lines.iter().map(|l| (l.product_id.as_str(), l.qty)),
    )
}

/// The movements of a sale's `(product id, quantity)` lines; ids are `{sale id}:{line number from 1}`.
pub fn movements_for_lines<'a>(
    sale_id: &str,
    outlet_id: &str,
    at_ms: i64,
    lines: impl IntoIterator<Item = (&'a str, i64)>,
) -> Vec<Movement> {
    lines
        .into_iter()
        .enumerate()
        .filter(|(_, (_, qty))| *qty != 0)
        .map(|(i, (product_id, qty))| Movement {
            id: format!("{sale_id}:{}", i + 1),
            product_id: product_id.into(),
            outlet_id: outlet_id.into(),
            delta: -qty,
            reason: if qty > 0 { MovementReason::Sale } else { MovementReason::Return },
            source_id: sale_id.into(),
            created_at_ms: at_ms,
            version: None,
        })
        .collect()
}

/// A transfer between outlets: out of `from`, into `to`, both named after the transfer document.
pub fn transfer(transfer_id: &str, product_id: &str, from: &str, to: &str, qty: i64, at_ms: i64) -> [Movement; 2] {
    let leg = |suffix: &str, outlet: &str, delta: i64| Movement {
        id: format!("{transfer_id}:{suffix}"),
        product_id: product_id.into(),
        outlet_id: outlet.into(),
        delta,
        reason: MovementReason::Transfer,
        source_id: transfer_id.into(),
        created_at_ms: at_ms,
        version: None,
    };
    [leg("out", from, -qty), leg("in", to, qty)]
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("movement '{id}' lacks an id, a product or an outlet")]
    MissingId { id: String },
    #[error("movement '{id}' moves no stock")]
    ZeroDelta { id: String },
    #[error("movement '{id}': a {} cannot move {delta} units", reason.as_str())]
    WrongSign { id: String, reason: MovementReason, delta: i64 },
    /// Two different movements under one id: a bug or tampering, never a normal offline merge.
    #[error("movement id '{id}' is already used for a different movement")]
    IdReused { id: String },
    #[error("movement '{id}' already has version {held}, not {offered}")]
    VersionMismatch { id: String, held: u64, offered: u64 },
}

impl LedgerError {
    pub fn code(&self) -> &'static str {
        match self {
            LedgerError::MissingId { .. } => "movement_missing_id",
            LedgerError::ZeroDelta { .. } => "movement_zero_delta",
            LedgerError::WrongSign { .. } => "movement_wrong_sign",
            LedgerError::IdReused { .. } => "movement_id_reused",
            LedgerError::VersionMismatch { .. } => "movement_version_mismatch",
        }
    }
}

/// What recording a movement did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recorded {
    Added,
    /// Already held (a re-sent push, or the server's copy of the register's own movement): levels unchanged.
    AlreadyHeld,
    /// Already held without a version; the server's version is now attached.
    VersionAttached,
}

/// A level, and whether it is below zero (which a manager should look at; selling goes on regardless).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct StockLevel {
    pub product_id: String,
    pub outlet_id: String,
    pub level: i64,
    pub negative: bool,
}

impl StockLevel {
    pub fn new(product_id: &str, outlet_id: &str, level: i64) -> StockLevel {
        StockLevel { product_id: product_id.into(), outlet_id: outlet_id.into(), level, negative: level < 0 }
    }
}

/// Every movement held, by id, with levels kept up to date as movements arrive.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Movement>", into = "Vec<Movement>")]
pub struct Ledger {
    movements: BTreeMap<String, Movement>,
    /// (product id, outlet id) → level.
    levels: BTreeMap<(String, String), i64>,
}

impl Ledger {
    pub fn new() -> Ledger {
        Ledger::default()
    }

    /// Adds a movement. Re-adding the same movement is harmless, so pushes and pulls can be retried.
    pub fn record(&mut self, m: Movement) -> Result<Recorded, LedgerError> {
        m.validate()?;
        if let Some(held) = self.movements.get_mut(&m.id) {
            if !held.same_fact(&m) {
                return Err(LedgerError::IdReused { id: m.id });
            }
            return match (held.version, m.version) {
                (Some(a), Some(b)) if a != b => Err(LedgerError::VersionMismatch { id: m.id, held: a, offered: b }),
                (None, Some(v)) => {
                    held.version = Some(v);
                    Ok(Recorded::VersionAttached)
                }
                _ => Ok(Recorded::AlreadyHeld),
            };
        }
        let level = self.levels.entry((m.product_id.clone(), m.outlet_id.clone())).or_insert(0);
        *level = level.saturating_add(m.delta);
        self.movements.insert(m.id.clone(), m);
        Ok(Recorded::Added)
    }

    /// Records many movements; stops at the first invalid one (those before it stay recorded,
    /// which is safe because recording is idempotent). Returns how many were new.
    pub fn merge<I: IntoIterator<Item = Movement>>(&mut self, movements: I) -> Result<usize, LedgerError> {
        let mut added = 0;
        for m in movements {
            if self.record(m)? == Recorded::Added {
                added += 1;
            }
        }
        Ok(added)
    }

    pub fn len(&self) -> usize {
        self.movements.len()
    }

    pub fn is_empty(&self) -> bool {
        self.movements.is_empty()
    }

    /// Movements in id order.
    pub fn movements(&self) -> impl Iterator<Item = &Movement> {
        self.movements.values()
    }

    /// The level of a product at an outlet (0 when nothing ever moved).
    pub fn level(&self, product_id: &str, outlet_id: &str) -> i64 {
        self.levels.get(&(product_id.to_string(), outlet_id.to_string())).copied().unwrap_or(0)
    }

    pub fn stock_level(&self, product_id: &str, outlet_id: &str) -> StockLevel {
        StockLevel::new(product_id, outlet_id, self.level(product_id, outlet_id))
    }

    /// Every product's level at one outlet, by product id.
    pub fn levels_at(&self, outlet_id: &str) -> Vec<StockLevel> {
        self.levels.iter().filter(|((_, o), _)| o == outlet_id).map(|((p, o), l)| StockLevel::new(p, o, *l)).collect()
    }

    /// Levels below zero, by product then outlet: what a manager should count or correct.
    pub fn negative_levels(&self) -> Vec<StockLevel> {
        self.levels.iter().filter(|(_, l)| **l < 0).map(|((p, o), l)| StockLevel::new(p, o, *l)).collect()
    }

    /// The highest version held (0 when none is numbered yet).
    pub fn version(&self) -> u64 {
        self.movements.values().filter_map(|m| m.version).max().unwrap_or(0)
    }

    /// The digest of every numbered movement with version ≤ `up_to_version`. It does not depend on the
    /// order in which movements were recorded: each movement's FNV-1a hash is mixed and summed.
    pub fn digest(&self, up_to_version: u64) -> LedgerDigest {
        let mut sum = 0u64;
        let mut count = 0u64;
        for m in self.movements.values().filter(|m| m.version.is_some_and(|v| v <= up_to_version)) {
            sum = sum.wrapping_add(m.hash());
            count += 1;
        }
        let mut h = Fnv1a64::default();
        h.write_u64(up_to_version);
        h.write_u64(count);
        h.write_u64(sum);
        LedgerDigest { up_to_version, movements: count, hash: Digest(h.finish()) }
    }
}

impl TryFrom<Vec<Movement>> for Ledger {
    type Error = LedgerError;
    fn try_from(movements: Vec<Movement>) -> Result<Self, Self::Error> {
        let mut ledger = Ledger::new();
        ledger.merge(movements)?;
        Ok(ledger)
    }
}

impl From<Ledger> for Vec<Movement> {
    fn from(ledger: Ledger) -> Self {
        ledger.movements.into_values().collect()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    pub fn mv(id: &str, product: &str, outlet: &str, delta: i64, reason: MovementReason) -> Movement {
        Movement {
            id: id.into(),
            product_id: product.into(),
            outlet_id: outlet.into(),
            delta,
            reason,
            source_id: format!("doc-{id}"),
            created_at_ms: 1_700_000_000_000,
            version: None,
        }
    }

    #[test]
    fn a_level_is_the_sum_of_its_movements() {
        let mut l = Ledger::new();
        l.record(mv("r1", "shirt", "montreal", 10, MovementReason::Receiving)).unwrap();
        l.record(mv("s1", "shirt", "montreal", -3, MovementReason::Sale)).unwrap();
        l.record(mv("t1", "shirt", "montreal", 2, MovementReason::Return)).unwrap();
        l.record(mv("s2", "shirt", "laval", -1, MovementReason::Sale)).unwrap();
        assert_eq!(l.level("shirt", "montreal"), 9);
        assert_eq!(l.level("shirt", "laval"), -1);
        assert_eq!(l.level("hat", "montreal"), 0);
    }

    #[test]
    fn a_sale_below_zero_is_recorded_and_the_level_is_flagged() {
        let mut l = Ledger::new();
        l.record(mv("r1", "hat", "laval", 1, MovementReason::Receiving)).unwrap();
        assert_eq!(l.record(mv("s1", "hat", "laval", -3, MovementReason::Sale)), Ok(Recorded::Added));
        let level = l.stock_level("hat", "laval");
        assert_eq!(level.level, -2);
        assert!(level.negative);
        assert_eq!(l.negative_levels(), vec![level]);
    }

    #[test]
    fn recording_the_same_movement_twice_counts_it_once() {
        let mut l = Ledger::new();
        let m = mv("s1", "hat", "laval", -1, MovementReason::Sale);
        assert_eq!(l.record(m.clone()), Ok(Recorded::Added));
        assert_eq!(l.record(m), Ok(Recorded::AlreadyHeld));
        assert_eq!(l.level("hat", "laval"), -1);
    }

    #[test]
    fn the_servers_copy_attaches_its_version_without_moving_stock() {
        let mut l = Ledger::new();
        let m = mv("s1", "hat", "laval", -1, MovementReason::Sale);
        l.record(m.clone()).unwrap();
        let numbered = Movement { version: Some(7), ..m.clone() };
        assert_eq!(l.record(numbered.clone()), Ok(Recorded::VersionAttached));
        assert_eq!(l.level("hat", "laval"), -1);
        assert_eq!(l.version(), 7);
        let renumbered = Movement { version: Some(8), ..m };
        assert_eq!(l.record(renumbered).unwrap_err().code(), "movement_version_mismatch");
    }

    #[test]
    fn one_id_for_two_different_movements_is_refused() {
        let mut l = Ledger::new();
        l.record(mv("s1", "hat", "laval", -1, MovementReason::Sale)).unwrap();
        let err = l.record(mv("s1", "hat", "laval", -2, MovementReason::Sale)).unwrap_err();
        assert_eq!(err.code(), "movement_id_reused");
        assert_eq!(l.level("hat", "laval"), -1);
    }

    #[test]
    fn a_movement_must_move_stock_in_the_direction_its_reason_says() {
        assert_eq!(
            mv("a", "p", "o", 0, MovementReason::Adjustment).validate().unwrap_err().code(),
            "movement_zero_delta"
        );
        assert_eq!(mv("a", "p", "o", 2, MovementReason::Sale).validate().unwrap_err().code(), "movement_wrong_sign");
        assert_eq!(mv("a", "p", "o", -2, MovementReason::Return).validate().unwrap_err().code(), "movement_wrong_sign");
        assert_eq!(
            mv("a", "p", "o", -2, MovementReason::Receiving).validate().unwrap_err().code(),
            "movement_wrong_sign"
        );
        assert_eq!(mv("", "p", "o", -2, MovementReason::Sale).validate().unwrap_err().code(), "movement_missing_id");
        assert!(mv("a", "p", "o", -5, MovementReason::Adjustment).validate().is_ok());
        assert!(mv("a", "p", "o", 5, MovementReason::OnlineOrder).validate().is_ok());
    }

    #[test]
    fn a_transfer_moves_stock_between_outlets_without_changing_the_total() {
        let mut l = Ledger::new();
        l.record(mv("r1", "hat", "laval", 5, MovementReason::Receiving)).unwrap();
        l.merge(transfer("tr-1", "hat", "laval", "montreal", 3, 0)).unwrap();
        assert_eq!(l.level("hat", "laval"), 2);
        assert_eq!(l.level("hat", "montreal"), 3);
    }

    #[test]
    fn a_sale_moves_stock_out_and_its_return_lines_move_it_back() {
        let ms = movements_for_lines("sale-9", "montreal", 5, [("shirt", 2), ("hat", -1)]);
        assert_eq!(ms.len(), 2);
        assert_eq!((ms[0].id.as_str(), ms[0].delta, ms[0].reason), ("sale-9:1", -2, MovementReason::Sale));
        assert_eq!((ms[1].id.as_str(), ms[1].delta, ms[1].reason), ("sale-9:2", 1, MovementReason::Return));
        assert!(ms.iter().all(|m| m.source_id == "sale-9" && m.outlet_id == "montreal" && m.validate().is_ok()));
    }

    #[test]
    fn the_digest_covers_only_movements_numbered_up_to_the_version() {
        let mut l = Ledger::new();
        l.record(Movement { version: Some(1), ..mv("a", "p", "o", 3, MovementReason::Receiving) }).unwrap();
        l.record(Movement { version: Some(2), ..mv("b", "p", "o", -1, MovementReason::Sale) }).unwrap();
        let at1 = l.digest(1);
        l.record(mv("c", "p", "o", -1, MovementReason::Sale)).unwrap(); // not yet numbered
        assert_eq!(l.digest(1), at1);
        assert_eq!(at1.movements, 1);
        assert_eq!(l.digest(2).movements, 2);
        assert_ne!(l.digest(2).hash, at1.hash);
    }

    #[test]
    fn a_ledger_round_trips_through_json_as_a_list_of_movements() {
        let mut l = Ledger::new();
        l.record(mv("a", "p", "o", 3, MovementReason::Receiving)).unwrap();
        l.record(mv("b", "p", "o", -1, MovementReason::OnlineOrder)).unwrap();
        let json = serde_json::to_string(&l).unwrap();
        assert!(json.contains("\"online_order\""));
        let back: Ledger = serde_json::from_str(&json).unwrap();
        assert_eq!(back, l);
        assert_eq!(back.level("p", "o"), 2);
    }

    fn arb_movement() -> impl Strategy<Value = Movement> {
        (0u32..40, 0usize..3, 0usize..3, 1i64..20, 0usize..6, proptest::option::of(1u64..50)).prop_map(
            |(id, p, o, mag, r, version)| {
                let reason = [
                    MovementReason::Sale,
                    MovementReason::Return,
                    MovementReason::Adjustment,
                    MovementReason::Receiving,
                    MovementReason::Transfer,
                    MovementReason::OnlineOrder,
                ][r];
                let delta = if reason == MovementReason::Sale
                    || (reason != MovementReason::Return && reason != MovementReason::Receiving && mag % 2 == 0)
                {
                    -mag
                } else {
                    mag
                };
                Movement {
                    id: format!("m{id}"),
                    product_id: ["shirt", "hat", "shoes"][p].into(),
                    outlet_id: ["montreal", "sherbrooke", "laval"][o].into(),
                    delta,
                    reason,
                    source_id: format!("doc{id}"),
                    created_at_ms: i64::from(id),
                    version,
                }
            },
        )
    }

    /// Unique ids, each numbered by "the server" with a distinct version.
    fn arb_history() -> impl Strategy<Value = Vec<Movement>> {
        proptest::collection::vec(arb_movement(), 0..40).prop_map(|ms| {
            let mut seen = std::collections::BTreeSet::new();
            ms.into_iter()
                .filter(|m| seen.insert(m.id.clone()))
                .enumerate()
                .map(|(i, m)| Movement { version: m.version.map(|_| i as u64 + 1), ..m })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn registers_that_merge_the_same_movements_in_any_order_agree_on_levels_and_digest(
            history in arb_history(),
            seed in any::<u64>(),
        ) {
            // Two registers receive the movements in different orders, one of them with duplicates.
            let mut shuffled = history.clone();
            let mut s = seed | 1;
            for i in (1..shuffled.len()).rev() {
                s ^= s << 13; s ^= s >> 7; s ^= s << 17;
                shuffled.swap(i, (s % (i as u64 + 1)) as usize);
            }
            let mut a = Ledger::new();
            a.merge(history.clone()).unwrap();
            let mut b = Ledger::new();
            b.merge(shuffled.iter().cloned().chain(history.iter().take(5).cloned())).unwrap();
            prop_assert_eq!(&a, &b);
            for v in [0, 3, 10, u64::MAX] {
                prop_assert_eq!(a.digest(v), b.digest(v));
            }
            for p in ["shirt", "hat", "shoes"] {
                for o in ["montreal", "sherbrooke", "laval"] {
                    let sum: i64 = history.iter().filter(|m| m.product_id == p && m.outlet_id == o).map(|m| m.delta).sum();
                    prop_assert_eq!(a.level(p, o), sum);
                    prop_assert_eq!(a.stock_level(p, o).negative, sum < 0);
                }
            }
        }

        #[test]
        fn changing_any_numbered_movement_changes_the_digest(history in arb_history(), pick in any::<usize>(), bump in 1i64..5) {
            let numbered: Vec<usize> = history.iter().enumerate().filter(|(_, m)| m.version.is_some()).map(|(i, _)| i).collect();
            prop_assume!(!numbered.is_empty());
            let i = numbered[pick % numbered.len()];
            let mut altered = history.clone();
            altered[i].created_at_ms += bump;
            let a = Ledger::try_from(history).unwrap();
            let b = Ledger::try_from(altered).unwrap();
            prop_assert_ne!(a.digest(u64::MAX).hash, b.digest(u64::MAX).hash);
        }
    }
}
