//! Splits a serial scanner's byte stream into codes: each code ends with the suffix the scanner is set
//! to send (CR, LF or CRLF), or, with no suffix, when the line has been quiet for [`IDLE_MS`].

use serde::{Deserialize, Serialize};

/// A code with no suffix is over when no byte came for this long (ms). At 9600 baud a byte takes about
/// 1 ms, and scanners send a code in one go: 100 ms of silence is the end of it, yet far under the time
/// between two scans.
pub const IDLE_MS: f64 = 100.0;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Suffix {
    #[default]
    Cr,
    Lf,
    CrLf,
    /// No suffix: a pause ends the code.
    None,
}

impl Suffix {
    pub const ALL: [Suffix; 4] = [Suffix::Cr, Suffix::Lf, Suffix::CrLf, Suffix::None];

    pub fn bytes(self) -> &'static [u8] {
        match self {
            Suffix::Cr => b"\r",
            Suffix::Lf => b"\n",
            Suffix::CrLf => b"\r\n",
            Suffix::None => b"",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Suffix::Cr => "cr",
            Suffix::Lf => "lf",
            Suffix::CrLf => "crlf",
            Suffix::None => "none",
        }
    }

    pub fn from_key(key: &str) -> Option<Suffix> {
        Suffix::ALL.into_iter().find(|s| s.key() == key)
    }
}

#[derive(Debug)]
pub struct SerialFrames {
    suffix: Suffix,
    buf: Vec<u8>,
    last_ms: f64,
}

impl SerialFrames {
    pub fn new(suffix: Suffix) -> Self {
        SerialFrames { suffix, buf: Vec::new(), last_ms: 0.0 }
    }

    /// Feeds the bytes one read returned (a code may span reads, a read may hold several codes).
    pub fn push(&mut self, bytes: &[u8], now_ms: f64) -> Vec<String> {
        let mut codes = Vec::new();
        // Bytes left from a read long ago are the end of a code whose suffix never came.
        codes.extend(self.idle(now_ms));
        self.last_ms = now_ms;
        self.buf.extend_from_slice(bytes);
        let suffix = self.suffix.bytes();
        if suffix.is_empty() {
            return codes;
        }
        while let Some(at) = self.buf.windows(suffix.len()).position(|w| w == suffix) {
            let rest = self.buf.split_off(at + suffix.len());
            let frame = std::mem::replace(&mut self.buf, rest);
            codes.extend(super::hid_pos::clean(&frame[..at]));
        }
        codes
    }

    /// What is buffered once the line has been quiet for [`IDLE_MS`] (the code of a scanner set to no
    /// suffix, or one whose suffix is not the one configured).
    pub fn idle(&mut self, now_ms: f64) -> Option<String> {
        if self.buf.is_empty() || now_ms - self.last_ms < IDLE_MS {
            return None;
        }
        let frame = std::mem::take(&mut self.buf);
        super::hid_pos::clean(&frame)
    }
}
