//! A deterministic, dependency-free digest so that registers and the server can prove they hold the
//! same ledger: FNV-1a 64 per movement, combined by a wrapping sum so that order does not matter.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a, 64 bits. Fields are written length-prefixed so that `("ab","c")` and `("a","bc")` differ.
#[derive(Clone, Copy, Debug)]
pub struct Fnv1a64(u64);

impl Default for Fnv1a64 {
    fn default() -> Self {
        Fnv1a64(FNV_OFFSET)
    }
}

impl Fnv1a64 {
    pub fn write_bytes(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(FNV_PRIME);
        }
    }
    pub fn write_u64(&mut self, v: u64) {
        self.write_bytes(&v.to_le_bytes());
    }
    pub fn write_i64(&mut self, v: i64) {
        self.write_bytes(&v.to_le_bytes());
    }
    /// A string as its byte length then its UTF-8 bytes.
    pub fn write_str(&mut self, s: &str) {
        self.write_u64(s.len() as u64);
        self.write_bytes(s.as_bytes());
    }
    pub fn finish(self) -> u64 {
        self.0
    }
}

/// FNV-1a 64 of some bytes.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h = Fnv1a64::default();
    h.write_bytes(bytes);
    h.finish()
}

/// Spreads FNV's weak high-to-low bit diffusion before summing hashes (the splitmix64 finaliser).
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A 64-bit digest. On the wire it is 16 lowercase hex digits: JSON numbers lose precision above 2^53.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest(pub u64);

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl Serialize for Digest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.len() != 16 {
            return Err(serde::de::Error::custom("a digest is 16 hex digits"));
        }
        u64::from_str_radix(&s, 16).map(Digest).map_err(serde::de::Error::custom)
    }
}

/// On the wire: 16 lowercase hex digits.
#[cfg(feature = "openapi")]
impl schemars::JsonSchema for Digest {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Digest".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A 64-bit digest as 16 lowercase hex digits.",
            "pattern": "^[0-9a-f]{16}$",
        })
    }
}

/// The digest of one outlet's stock levels, what device and server compare (`sync::changes::StockDigest`).
/// Exactly what is hashed: for each product whose level is not zero, FNV-1a 64 of
/// `str(product id) · str(outlet id) · i64 level` (strings length-prefixed, integers little-endian, see
/// [`Fnv1a64`]), passed through the splitmix64 finaliser; the digest is the wrapping sum of those terms,
/// so the order of the levels does not matter. A zero level is left out: a product never stocked there
/// and one sold back down to zero are the same level. Returns (how many terms, digest).
pub fn levels_digest<'a>(outlet_id: &str, levels: impl IntoIterator<Item = (&'a str, i64)>) -> (u64, Digest) {
    let (mut n, mut sum) = (0u64, 0u64);
    for (product_id, level) in levels {
        if level == 0 {
            continue;
        }
        let mut h = Fnv1a64::default();
        h.write_str(product_id);
        h.write_str(outlet_id);
        h.write_i64(level);
        sum = sum.wrapping_add(mix(h.finish()));
        n += 1;
    }
    (n, Digest(sum))
}

/// What a register and the server compare: the digest of every movement the server had numbered up to
/// `up_to_version`. Equal digests mean equal ledgers up to that version (barring a 64-bit collision).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerDigest {
    pub up_to_version: u64,
    /// How many movements were digested.
    pub movements: u64,
    pub hash: Digest,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a64_matches_the_reference_test_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn length_prefixed_strings_do_not_run_together() {
        let mut a = Fnv1a64::default();
        a.write_str("ab");
        a.write_str("c");
        let mut b = Fnv1a64::default();
        b.write_str("a");
        b.write_str("bc");
        assert_ne!(a.finish(), b.finish());
    }

    #[test]
    fn a_digest_travels_as_sixteen_hex_digits() {
        let d = Digest(0x00ab_cdef_0123_4567);
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(json, "\"00abcdef01234567\"");
        assert_eq!(serde_json::from_str::<Digest>(&json).unwrap(), d);
        assert!(serde_json::from_str::<Digest>("\"abc\"").is_err());
    }
}
