//! Failed sign-ins (password or PIN) lock the account out for a while: the same rule on the server
//! (per e-mail, per staff member) and at a register checking PINs offline.

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

/// The state of an account given the times of its failed attempts since its last success (any order).
/// A lock-out starts at the [`MAX_FAILURES`]th failure inside one window and lasts [`LOCKOUT_MS`].
pub fn lockout(failures_since_success: &[i64], now_ms: i64) -> Lockout {
    let mut times: Vec<i64> = failures_since_success.iter().copied().filter(|t| *t > now_ms - WINDOW_MS - LOCKOUT_MS).collect();
    times.sort_unstable();
    // The latest lock-out: the newest failure that completes MAX_FAILURES inside one window.
    let mut locked_until = None;
    for (i, t) in times.iter().enumerate() {
        if i + 1 >= MAX_FAILURES && t - times[i + 1 - MAX_FAILURES] < WINDOW_MS {
            locked_until = Some(t + LOCKOUT_MS);
        }
    }
    if let Some(until) = locked_until.filter(|u| *u > now_ms) {
        return Lockout::LockedUntil(until);
    }
    // After a lock-out expires, only failures after it count.
    let since = locked_until.map_or(now_ms - WINDOW_MS, |u| (u - LOCKOUT_MS).max(now_ms - WINDOW_MS));
    let recent = times.iter().filter(|t| **t > since).count();
    Lockout::Open { remaining: MAX_FAILURES.saturating_sub(recent) }
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
    fn the_order_of_failures_does_not_matter() {
        let t0 = 1_000_000_000;
        let mut fails: Vec<i64> = (0..5).map(|i| t0 + i * MIN).collect();
        fails.reverse();
        assert_eq!(lockout(&fails, t0 + 5 * MIN), Lockout::LockedUntil(t0 + 19 * MIN));
    }
}
