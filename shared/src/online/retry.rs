//! When the platform worker tries a call again (a status or a stock batch the platform did not take):
//! 1 s, 5 s, 30 s, 2 min, 10 min, then hourly; a platform's own `Retry-After` wins when it asks for
//! longer. No jitter: few calls per store, and tests and restarts see the same schedule.

/// Waits after the 1st, 2nd, … failed attempt, in milliseconds; every later one waits the last.
pub const SCHEDULE_MS: [u64; 6] = [1_000, 5_000, 30_000, 120_000, 600_000, 3_600_000];

/// How long to wait after `attempts` failed attempts (1 = the first failure).
pub fn backoff_ms(attempts: u32) -> u64 {
    let i = (attempts.max(1) as usize - 1).min(SCHEDULE_MS.len() - 1);
    SCHEDULE_MS[i]
}

/// When to try again: `now + max(backoff, retry_after)`, never overflowing.
pub fn next_attempt_at_ms(now_ms: i64, attempts: u32, retry_after_ms: Option<u64>) -> i64 {
    let wait = backoff_ms(attempts).max(retry_after_ms.unwrap_or(0));
    now_ms.saturating_add(i64::try_from(wait).unwrap_or(i64::MAX))
}

/// A `Retry-After` header: delay-seconds (RFC 9110; HTTP dates are not used by the platforms we call),
/// capped at a day so a confused header cannot park a call for ever.
pub fn parse_retry_after(value: &str) -> Option<u64> {
    let secs: f64 = value.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| (secs.min(86_400.0) * 1000.0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_grows_from_a_second_to_an_hour_and_stays_there() {
        let waits: Vec<u64> = (1..=8).map(backoff_ms).collect();
        assert_eq!(waits, [1_000, 5_000, 30_000, 120_000, 600_000, 3_600_000, 3_600_000, 3_600_000]);
        assert_eq!(backoff_ms(0), 1_000);
        assert_eq!(backoff_ms(u32::MAX), 3_600_000);
    }

    #[test]
    fn a_platforms_retry_after_wins_only_when_longer() {
        assert_eq!(next_attempt_at_ms(10_000, 1, Some(2_000)), 12_000);
        assert_eq!(next_attempt_at_ms(10_000, 3, Some(2_000)), 40_000);
        assert_eq!(next_attempt_at_ms(i64::MAX - 5, 6, None), i64::MAX);
    }

    #[test]
    fn retry_after_is_read_in_seconds_and_nonsense_is_ignored() {
        assert_eq!(parse_retry_after("2"), Some(2_000));
        assert_eq!(parse_retry_after(" 0.5 "), Some(500));
        assert_eq!(parse_retry_after("9999999"), Some(86_400_000));
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }
}
