//! When to try again after a push got no answer: quickly at first (a blip), then less often (the
//! server is down for a while), never slower than every 30 s, with jitter so that 500 registers coming
//! back online do not all push in the same instant.

/// Consecutive failures so far; `delay_ms` is the wait before the next attempt.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Backoff {
    pub failures: u32,
}

pub const FIRST_RETRY_MS: u64 = 1_000;
pub const MAX_RETRY_MS: u64 = 30_000;

impl Backoff {
    pub fn failed(self) -> Backoff {
        Backoff { failures: self.failures.saturating_add(1) }
    }

    pub fn succeeded(self) -> Backoff {
        Backoff::default()
    }

    /// `jitter` in [0, 1): the fraction of the delay added at random (the caller draws it).
    pub fn delay_ms(self, jitter: f64) -> u64 {
        if self.failures == 0 {
            return 0;
        }
        let base = FIRST_RETRY_MS.saturating_mul(1u64 << self.failures.saturating_sub(1).min(16)).min(MAX_RETRY_MS);
        let extra = (base as f64 * jitter.clamp(0.0, 1.0) / 2.0) as u64;
        (base + extra).min(MAX_RETRY_MS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_start_at_a_second_and_never_wait_more_than_thirty() {
        let mut b = Backoff::default();
        assert_eq!(b.delay_ms(0.0), 0);
        b = b.failed();
        assert_eq!(b.delay_ms(0.0), 1_000);
        b = b.failed();
        assert_eq!(b.delay_ms(0.0), 2_000);
        for _ in 0..100 {
            b = b.failed();
        }
        assert_eq!(b.delay_ms(0.99), MAX_RETRY_MS);
        assert_eq!(b.succeeded().delay_ms(0.5), 0);
    }
}
