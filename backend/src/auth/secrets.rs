//! Secrets: random tokens, their SHA-256 (what the database keeps of a bearer credential), constant-time
//! comparison, argon2 hashes of passwords and PINs, and enrolment codes.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::Rng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// 32 random bytes as 64 hex characters (session tokens, CSRF tokens, device secrets).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes);
    hex::encode(bytes)
}

/// `n` random bytes (PIN verifier salts).
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::rng().fill(&mut bytes);
    bytes
}

/// Hex SHA-256: tokens are long random secrets, so a fast hash is enough (no dictionary to walk).
pub fn sha256_hex(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Equality whose time does not depend on where the two strings first differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// An argon2id hash (PHC string) of a password or PIN, with its own salt. Costly: call off the async
/// workers (`spawn_blocking`).
pub fn hash_secret(secret: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default().hash_password(secret.as_bytes(), &salt).map_err(|e| anyhow::anyhow!("argon2: {e}"))?.to_string())
}

/// Whether `secret` matches the PHC hash `hash` (false for a malformed hash).
pub fn verify_secret(secret: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(secret.as_bytes(), &h).is_ok())
}

/// A hash verified against when the account does not exist, so an unknown e-mail costs the same time as
/// a wrong password.
pub fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_secret("no such account").expect("argon2 hashes"))
}

/// How many argon2 hashes run at once: one per core. Each takes ~19 MiB and a core for tens of
/// milliseconds; a flood of sign-ins waits its turn here instead of filling the blocking pool (512
/// threads, ~10 GB) and starving every other request.
pub fn argon2_slots() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()).max(1)
}

/// Runs `f` (an argon2 hash or check) off the async workers, at most [`argon2_slots`] at once.
pub async fn bounded<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> anyhow::Result<T> {
    static SLOTS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    let _slot = SLOTS.get_or_init(|| tokio::sync::Semaphore::new(argon2_slots())).acquire().await?;
    Ok(tokio::task::spawn_blocking(f).await?)
}

/// Enrolment codes: no 0/O, 1/I/L or U (read aloud or copied from a screen without mistakes).
pub const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTVWXYZ23456789";
pub const CODE_LEN: usize = 8;

/// A new enrolment code as shown: `XXXX-XXXX`.
pub fn new_enrolment_code() -> String {
    let mut rng = rand::rng();
    let chars: String = (0..CODE_LEN).map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char).collect();
    format!("{}-{}", &chars[..4], &chars[4..])
}

/// The code as typed, in the form its hash is taken of: upper case, no dash or spaces. `None` when it
/// cannot be a code (so it is refused like any wrong code, without a lookup).
pub fn normalise_code(typed: &str) -> Option<String> {
    let code: String = typed.chars().filter(|c| *c != '-' && !c.is_whitespace()).map(|c| c.to_ascii_uppercase()).collect();
    (code.len() == CODE_LEN && code.bytes().all(|b| CODE_ALPHABET.contains(&b))).then_some(code)
}

/// A generated password for `comptoir admin create` (20 characters from letters and digits).
pub fn generated_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..20).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_read_with_or_without_dash_in_any_case() {
        let code = new_enrolment_code();
        assert_eq!(code.len(), 9);
        let plain = normalise_code(&code).unwrap();
        assert_eq!(normalise_code(&code.to_lowercase()), Some(plain.clone()));
        assert_eq!(normalise_code(&plain), Some(plain));
        assert_eq!(normalise_code("ABCD-EFG0"), None, "0 is not in the alphabet");
        assert_eq!(normalise_code("ABC"), None);
    }

    #[test]
    fn a_hash_verifies_its_secret_only() {
        let h = hash_secret("1234").unwrap();
        assert!(verify_secret("1234", &h));
        assert!(!verify_secret("1235", &h));
        assert!(!verify_secret("1234", "not a hash"));
        assert!(!h.contains("1234"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_flood_of_hashes_runs_at_most_one_per_core_at_once() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;
        let (running, peak) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let tasks: Vec<_> = (0..4 * argon2_slots() + 4)
            .map(|_| {
                let (running, peak) = (running.clone(), peak.clone());
                tokio::spawn(bounded(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    running.fetch_sub(1, Ordering::SeqCst);
                }))
            })
            .collect();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        assert!(peak.load(Ordering::SeqCst) <= argon2_slots(), "{} at once", peak.load(Ordering::SeqCst));
    }

    #[test]
    fn tokens_are_64_hex_and_compare_exactly() {
        let t = random_token();
        assert_eq!(t.len(), 64);
        assert!(constant_time_eq(&t, &t.clone()));
        assert!(!constant_time_eq(&t, &random_token()));
        assert!(!constant_time_eq("a", "ab"));
        assert_eq!(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
