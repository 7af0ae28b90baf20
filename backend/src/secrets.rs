//! Connected stores' credentials encrypted at rest (ChaCha20-Poly1305, RustCrypto's
//! `chacha20poly1305`). A stored value is `enc:v1:` + base64(nonce ‖ ciphertext), the connection's id as
//! associated data (a value copied onto another row does not open). A value without the prefix is a
//! plain one written before encryption: read as is, and sealed at the next start (`seal_plain_rows`).
//!
//! The key: `COMPTOIR_SECRET_KEY` (32 bytes, 64 hex digits or base64), else the file
//! `comptoir-secret.key` in the data directory (the SQLite database's folder; `data/` with PostgreSQL),
//! generated at the first start with mode 0600. Several PostgreSQL instances must share one key: set
//! the variable on each. The database keeps a check value sealed with the key of its first start
//! (`secret_key_check`), so a server given another key stops at start with a clear error instead of
//! failing on each connection later.
//!
//! Some reads have no store at hand (a delivery's transaction, the worker's rows): they open with the
//! keys of the stores this process opened (`install`, once the key passed the check) — one in a server,
//! one per database in a test run. The connection's id bound in each value picks out the one that fits.

use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use std::path::{Path, PathBuf};

pub const SEALED_PREFIX: &str = "enc:v1:";
pub const KEY_ENV: &str = "COMPTOIR_SECRET_KEY";
pub const KEY_FILE: &str = "comptoir-secret.key";
/// What the check value seals (associated data: this text too).
const CHECK_TEXT: &str = "comptoir-secret-key-check";

/// The key credentials are sealed with, and where it came from (for error messages; never the key).
#[derive(Clone)]
pub struct SecretKey {
    cipher: ChaCha20Poly1305,
    source: String,
    /// The first bytes of the key's SHA-256: tells two keys apart without keeping the key twice.
    fingerprint: [u8; 8],
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretKey(from {})", self.source)
    }
}

/// A stored value this key cannot open: another key sealed it, or it was altered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the stored credentials cannot be decrypted with the secret key from {source_name} (another key sealed them, or they were altered)")]
pub struct Unreadable {
    pub source_name: String,
}

impl SecretKey {
    pub fn from_bytes(bytes: [u8; 32], source: impl Into<String>) -> SecretKey {
        use sha2::Digest;
        let mut fingerprint = [0u8; 8];
        fingerprint.copy_from_slice(&sha2::Sha256::digest(bytes)[..8]);
        SecretKey { cipher: ChaCha20Poly1305::new(&Key::from(bytes)), source: source.into(), fingerprint }
    }

    /// 32 bytes written as 64 hex digits or in base64 (standard or URL-safe, padded or not).
    pub fn parse(text: &str, source: impl Into<String>) -> anyhow::Result<SecretKey> {
        let source = source.into();
        let text = text.trim();
        let b64 = base64::engine::general_purpose::STANDARD;
        let b64url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let bytes = hex::decode(text)
            .ok()
            .filter(|b| b.len() == 32)
            .or_else(|| b64.decode(text).ok().filter(|b| b.len() == 32))
            .or_else(|| b64url.decode(text.trim_end_matches('=')).ok().filter(|b| b.len() == 32));
        let Some(bytes) = bytes else {
            anyhow::bail!("the secret key from {source} is not 32 bytes written as 64 hex digits or in base64 (e.g. the output of `openssl rand -hex 32`)");
        };
        let mut key = [0u8; 32];
        key.copy_from_slice(&bytes);
        Ok(SecretKey::from_bytes(key, source))
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// `plain` sealed for the row `aad` names.
    pub fn seal(&self, plain: &str, aad: &str) -> anyhow::Result<String> {
        let nonce: [u8; 12] = rand::random();
        let sealed = self
            .cipher
            .encrypt(&Nonce::from(nonce), Payload { msg: plain.as_bytes(), aad: aad.as_bytes() })
            .map_err(|_| anyhow::anyhow!("sealing credentials failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(format!("{SEALED_PREFIX}{}", base64::engine::general_purpose::STANDARD.encode(out)))
    }

    /// The plain text of a stored value: opened when sealed, as is when written before encryption.
    pub fn open(&self, stored: &str, aad: &str) -> Result<String, Unreadable> {
        let Some(body) = stored.strip_prefix(SEALED_PREFIX) else {
            return Ok(stored.to_owned());
        };
        let unreadable = || Unreadable { source_name: self.source.clone() };
        let bytes = base64::engine::general_purpose::STANDARD.decode(body).map_err(|_| unreadable())?;
        if bytes.len() < 12 {
            return Err(unreadable());
        }
        let (nonce, sealed) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| unreadable())?;
        let plain = self.cipher.decrypt(&Nonce::from(nonce), Payload { msg: sealed, aad: aad.as_bytes() }).map_err(|_| unreadable())?;
        String::from_utf8(plain).map_err(|_| unreadable())
    }

    /// The value `secret_key_check` keeps.
    pub fn check_value(&self) -> anyhow::Result<String> {
        self.seal(CHECK_TEXT, CHECK_TEXT)
    }

    /// Whether `check` was sealed with this key; else the startup error to show.
    pub fn verify_check(&self, check: &str) -> anyhow::Result<()> {
        match self.open(check, CHECK_TEXT) {
            Ok(t) if t == CHECK_TEXT => Ok(()),
            _ => anyhow::bail!(
                "the secret key from {} is not the one this database's connected-store credentials were encrypted with. \
                 Start with the key used before ({KEY_ENV}, or the file {KEY_FILE} that was in the data directory); \
                 every instance of a PostgreSQL deployment needs the same {KEY_ENV}",
                self.source
            ),
        }
    }
}

static INSTALLED: std::sync::RwLock<Vec<SecretKey>> = std::sync::RwLock::new(Vec::new());

/// Makes `key` one that `open_installed` tries (a store opened with it, its check passed).
pub fn install(key: &SecretKey) {
    let mut keys = INSTALLED.write().unwrap_or_else(std::sync::PoisonError::into_inner);
    if !keys.iter().any(|k| k.fingerprint == key.fingerprint) {
        keys.push(key.clone());
    }
}

/// A stored value opened with the installed keys (see the module doc).
pub fn open_installed(stored: &str, aad: &str) -> Result<String, Unreadable> {
    if !is_sealed(stored) {
        return Ok(stored.to_owned());
    }
    let keys = INSTALLED.read().unwrap_or_else(std::sync::PoisonError::into_inner);
    keys.iter().find_map(|k| k.open(stored, aad).ok()).ok_or_else(|| Unreadable {
        source_name: keys.iter().map(|k| k.source.as_str()).collect::<Vec<_>>().join(", "),
    })
}

/// A connection whose stored credentials cannot be opened with this server's keys, or are damaged.
#[derive(Debug, thiserror::Error)]
#[error("the credentials of connection '{connection_id}' cannot be read by this server ({why}); enter them again on the connection")]
pub struct CredentialsUnreadable {
    pub connection_id: String,
    pub why: String,
}

/// A connection's credentials from their stored value (`aad`: the connection's id).
pub fn credentials_of(stored: &str, connection_id: &str) -> Result<crate::bridges::Credentials, CredentialsUnreadable> {
    let unreadable = |why: String| CredentialsUnreadable { connection_id: connection_id.to_owned(), why };
    let plain = open_installed(stored, connection_id).map_err(|e| unreadable(e.to_string()))?;
    serde_json::from_str(&plain).map_err(|e| unreadable(format!("not credentials: {e}")))
}

/// Whether a stored value is sealed.
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(SEALED_PREFIX)
}

/// Where the key file lives for a server on `database_url`: the SQLite database's folder, else `data`.
pub fn data_dir(database_url: &str) -> PathBuf {
    if database_url.starts_with("sqlite:") {
        if let Ok(o) = <sqlx::sqlite::SqliteConnectOptions as std::str::FromStr>::from_str(database_url) {
            let file = o.get_filename();
            if file.as_os_str() != ":memory:" {
                return match file.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                    _ => PathBuf::from("."),
                };
            }
        }
    }
    PathBuf::from("data")
}

/// The key of a server on `database_url`: `COMPTOIR_SECRET_KEY`, else the data directory's key file
/// (generated when missing).
pub fn load_key(database_url: &str) -> anyhow::Result<SecretKey> {
    match std::env::var(KEY_ENV) {
        Ok(v) if !v.trim().is_empty() => SecretKey::parse(&v, KEY_ENV),
        _ => key_file(&data_dir(database_url)),
    }
}

/// The key in `dir`'s key file, generated (mode 0600) when there is none.
pub fn key_file(dir: &Path) -> anyhow::Result<SecretKey> {
    let path = dir.join(KEY_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            warn_if_readable_by_others(&path);
            SecretKey::parse(&text, path.display().to_string())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => generate(dir, &path),
        Err(e) => anyhow::bail!("reading the secret key file {}: {e}", path.display()),
    }
}

fn generate(dir: &Path, path: &Path) -> anyhow::Result<SecretKey> {
    use std::io::Write;
    std::fs::create_dir_all(dir).map_err(|e| anyhow::anyhow!("creating {} for the secret key: {e}", dir.display()))?;
    let bytes: [u8; 32] = rand::random();
    // Written whole under a temporary name, then linked to its name: a server (or test) starting at the
    // same moment never reads half a key, and whichever links first wins; the other reads that one.
    let tmp = dir.join(format!(".{KEY_FILE}.{}.{:08x}", std::process::id(), rand::random::<u32>()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&tmp).and_then(|mut f| {
        f.write_all(format!("{}\n", hex::encode(bytes)).as_bytes())?;
        f.sync_all()
    });
    let linked = written.and_then(|()| std::fs::hard_link(&tmp, path));
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => {
            tracing::info!("generated the secret key {} (keep it with the database's backups: without it, connected stores need their credentials again)", path.display());
            Ok(SecretKey::from_bytes(bytes, path.display().to_string()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => key_file(dir),
        Err(e) => anyhow::bail!("writing the secret key file {}: {e}", path.display()),
    }
}

fn warn_if_readable_by_others(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(m) = std::fs::metadata(path) {
            if m.permissions().mode() & 0o077 != 0 {
                tracing::warn!("the secret key file {} can be read by other users: chmod 600 it", path.display());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(b: u8) -> SecretKey {
        SecretKey::from_bytes([b; 32], "test")
    }

    #[test]
    fn a_sealed_value_opens_with_its_key_and_row_only() {
        let k = key(7);
        let sealed = k.seal(r#"{"access_token":"shpat_secret"}"#, "conn-1").unwrap();
        assert!(is_sealed(&sealed) && !sealed.contains("shpat_secret"));
        assert_eq!(k.open(&sealed, "conn-1").unwrap(), r#"{"access_token":"shpat_secret"}"#);
        assert!(k.open(&sealed, "conn-2").is_err(), "copied onto another row");
        assert!(key(8).open(&sealed, "conn-1").is_err(), "another key");
        assert!(k.open("enc:v1:not base64!", "conn-1").is_err());
        assert!(k.open("enc:v1:AAAA", "conn-1").is_err());
        assert_ne!(k.seal("x", "a").unwrap(), k.seal("x", "a").unwrap(), "a fresh nonce each time");
    }

    #[test]
    fn a_plain_value_from_before_encryption_reads_as_is() {
        assert_eq!(key(1).open(r#"{"platform":"shopify"}"#, "c").unwrap(), r#"{"platform":"shopify"}"#);
    }

    #[test]
    fn keys_parse_from_hex_or_base64_and_nothing_else() {
        let hex = "00".repeat(31) + "ff";
        let a = SecretKey::parse(&hex, "env").unwrap();
        let b = SecretKey::parse(&base64::engine::general_purpose::STANDARD.encode([0u8; 31].iter().chain(&[0xffu8]).copied().collect::<Vec<_>>()), "env").unwrap();
        let sealed = a.seal("x", "r").unwrap();
        assert_eq!(b.open(&sealed, "r").unwrap(), "x");
        assert!(SecretKey::parse("too short", "env").is_err());
        assert!(SecretKey::parse(&"ab".repeat(31), "env").is_err());
    }

    #[test]
    fn the_check_value_tells_a_wrong_key() {
        let check = key(1).check_value().unwrap();
        key(1).verify_check(&check).unwrap();
        let e = key(2).verify_check(&check).unwrap_err().to_string();
        assert!(e.contains("COMPTOIR_SECRET_KEY"), "{e}");
    }

    #[test]
    fn a_key_file_is_generated_once_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let a = key_file(dir.path()).unwrap();
        let b = key_file(dir.path()).unwrap();
        assert_eq!(b.open(&a.seal("x", "r").unwrap(), "r").unwrap(), "x");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(dir.path().join(KEY_FILE)).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn a_read_with_no_store_at_hand_opens_with_whichever_installed_key_sealed_it() {
        let (a, b) = (key(21), key(22));
        install(&a);
        install(&b);
        install(&a);
        assert_eq!(open_installed(&b.seal("x", "row").unwrap(), "row").unwrap(), "x");
        assert_eq!(open_installed(&a.seal("y", "row").unwrap(), "row").unwrap(), "y");
        assert!(open_installed(&key(23).seal("z", "row").unwrap(), "row").is_err(), "a key never installed");
        assert!(open_installed(&a.seal("y", "row").unwrap(), "other-row").is_err());
    }

    #[test]
    fn the_data_directory_is_the_sqlite_files_folder() {
        assert_eq!(data_dir("sqlite://data/comptoir.sqlite"), PathBuf::from("data"));
        assert_eq!(data_dir("sqlite:///var/lib/comptoir/shop.sqlite"), PathBuf::from("/var/lib/comptoir"));
        assert_eq!(data_dir("postgres://u@h/db"), PathBuf::from("data"));
    }
}
