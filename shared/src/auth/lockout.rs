//! Failed sign-ins (password or PIN) lock the account out for a while: the same rule on the server
//! (per e-mail, per staff member) and at a register checking PINs offline. The server also counts
//! failures per client address with a looser [`Rule`] ([`CLIENT`]), so a flood of guesses at many
//! accounts (each one an argon2 hash to compute) stops too.

/// Failures within [`WINDOW_MS`] that lock the account.
pub const MAX_FAILURES: usize = 5;
/// How far back failures count: 15 minutes.
pub const WINDOW_MS: i64 = 15 * 60 * 1000;
/// How long a lock-out lasts after the failure that caused it: 15 minutes.
pub const LOCKOUT_MS: i64 = 15 * 60 * 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lockout {
    /// May try; this many failures remain before a lock-out.
    Open { remaining: usize },
    /// Locked until this time (ms since epoch): refuse without checking the secret.
    LockedUntil(i64),
}

/// A lock-out rule: this many failures inside one window lock the key for this long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    pub max_failures: usize,
    pub window_ms: i64,
    pub lockout_ms: i64,
}

/// One account (an e-mail, a staff member's PIN).
pub const ACCOUNT: Rule = Rule { max_failures: MAX_FAILURES, window_ms: WINDOW_MS, lockout_ms: LOCKOUT_MS };

/// One client address, whatever accounts it tries: a shop's few honest typos stay far below it, and
/// several tills behind one address (NAT, a reverse proxy) share it — hence much looser than [`ACCOUNT`].
pub const CLIENT: Rule = Rule { max_failures: 30, window_ms: WINDOW_MS, lockout_ms: LOCKOUT_MS };

/// The state of an account given the times of its failed attempts since its last success (any order).
/// A lock-out starts at the [`MAX_FAILURES`]th failure inside one window and lasts [`LOCKOUT_MS`].
pub fn lockout(failures_since_success: &[i64], now_ms: i64) -> Lockout {
    ACCOUNT.check(failures_since_success, now_ms)
}

impl Rule {
    /// How long a failure can still matter: past this age it neither counts nor prolongs a lock-out.
    pub fn horizon_ms(&self) -> i64 {
        self.window_ms + self.lockout_ms
    }

    /// The state of a key given the times of its failed attempts since its last success (any order).
    pub fn check(&self, failures_since_success: &[i64], now_ms: i64) -> Lockout {
        let max = self.max_failures.max(1);
        let mut times: Vec<i64> = failures_since_success.iter().copied().filter(|t| *t > now_ms - self.horizon_ms()).collect();
        times.sort_unstable();
        // The latest lock-out: the newest failure that completes `max` inside one window.
        let mut locked_until = None;
        for (i, t) in times.iter().enumerate() {
            if i + 1 >= max && t - times[i + 1 - max] < self.window_ms {
                locked_until = Some(t + self.lockout_ms);
            }
        }
        if let Some(until) = locked_until.filter(|u| *u > now_ms) {
            return Lockout::LockedUntil(until);
        }
        // After a lock-out expires, only failures after it count.
        let since = locked_until.map_or(now_ms - self.window_ms, |u| (u - self.lockout_ms).max(now_ms - self.window_ms));
        let recent = times.iter().filter(|t| **t > since).count();
        Lockout::Open { remaining: max.saturating_sub(recent) }
    }
}

/// Several keys checked together (an account and the client address trying it): locked while any of
/// them is, until the latest of their lock-outs ends.
pub fn lockout_of_all<'a>(keys: impl IntoIterator<Item = (&'a Rule, &'a [i64])>, now_ms: i64) -> Lockout {
    let mut remaining = usize::MAX;
    let mut until = None;
    for (rule, failures) in keys {
        match rule.check(failures, now_ms) {
            Lockout::LockedUntil(u) => until = Some(until.map_or(u, |v: i64| v.max(u))),
            Lockout::Open { remaining: r } => remaining = remaining.min(r),
        }
    }
    match until {
        Some(u) => Lockout::LockedUntil(u),
        None => Lockout::Open { remaining: if remaining == usize::MAX { MAX_FAILURES } else { remaining } },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    #[test]
    fn five_failures_in_fifteen_minutes_lock_for_fifteen_minutes() {
        let t0 = 1_000_000_000;
        let fails: Vec<i64> = (0..4).map(|i| t0 + i * MIN).collect();
        assert_eq!(lockout(&fails, t0 + 4 * MIN), Lockout::Open { remaining: 1 });
        let mut fails = fails;
        fails.push(t0 + 4 * MIN);
        assert_eq!(lockout(&fails, t0 + 5 * MIN), Lockout::LockedUntil(t0 + 19 * MIN));
        assert_eq!(lockout(&fails, t0 + 19 * MIN - 1), Lockout::LockedUntil(t0 + 19 * MIN));
        assert_eq!(lockout(&fails, t0 + 19 * MIN), Lockout::Open { remaining: MAX_FAILURES });
    }

    #[test]
    fn failures_spread_wider_than_the_window_do_not_lock() {
        let t0 = 1_000_000_000;
        let fails: Vec<i64> = (0..10).map(|i| t0 + i * 4 * MIN).collect();
        let now = t0 + 40 * MIN;
        assert!(matches!(lockout(&fails, now), Lockout::Open { .. }), "{:?}", lockout(&fails, now));
    }

    #[test]
    fn no_failures_leave_every_attempt() {
        assert_eq!(lockout(&[], 5), Lockout::Open { remaining: MAX_FAILURES });
    }

    #[test]
    fn a_client_address_is_locked_by_thirty_failures_at_any_accounts_and_the_strictest_key_wins() {
        let t0 = 1_000_000_000;
        let fails: Vec<i64> = (0..29).map(|i| t0 + i * 1000).collect();
        assert_eq!(CLIENT.check(&fails, t0 + 30_000), Lockout::Open { remaining: 1 });
        let mut fails = fails;
        fails.push(t0 + 29_000);
        assert_eq!(CLIENT.check(&fails, t0 + 30_000), Lockout::LockedUntil(t0 + 29_000 + LOCKOUT_MS));
        // An account's five failures lock it even when its client address has room left, and the other way round.
        let account: Vec<i64> = (0..5).map(|i| t0 + i).collect();
        assert_eq!(lockout_of_all([(&ACCOUNT, &account[..]), (&CLIENT, &account[..])], t0 + 10), Lockout::LockedUntil(t0 + 4 + LOCKOUT_MS));
        assert_eq!(lockout_of_all([(&ACCOUNT, &[][..]), (&CLIENT, &fails[..])], t0 + 30_000), Lockout::LockedUntil(t0 + 29_000 + LOCKOUT_MS));
        assert_eq!(lockout_of_all([(&ACCOUNT, &account[..1]), (&CLIENT, &[][..])], t0 + 10), Lockout::Open { remaining: 4 });
        assert_eq!(lockout(&account, t0 + 10), ACCOUNT.check(&account, t0 + 10));
    }

    #[test]
    fn the_order_of_failures_does_not_matter() {
        let t0 = 1_000_000_000;
        let mut fails: Vec<i64> = (0..5).map(|i| t0 + i * MIN).collect();
        fails.reverse();
        assert_eq!(lockout(&fails, t0 + 5 * MIN), Lockout::LockedUntil(t0 + 19 * MIN));
    }
}
