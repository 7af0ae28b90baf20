//! Tells a scanner's burst of keystrokes from a person typing, by the time between keys.

/// Keys closer than this (ms) belong to one burst. Scanners send a key every 1–20 ms; people rarely
/// type two keys under 50 ms apart.
pub const MAX_GAP_MS: f64 = 50.0;
/// Shortest code we accept as a scan (EAN-8 is 8; short SKUs exist).
pub const MIN_LEN: usize = 4;

#[derive(Default, Debug)]
pub struct Wedge {
    buf: String,
    last_ms: f64,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    /// Not ours: let the key do what it normally does.
    Pass,
    /// A printable key after a pause: maybe a person, maybe a scan's first character. Let it through.
    Start,
    /// A key inside a burst: keep it out of whatever has focus.
    Swallow,
    /// Enter closing a burst: this is a scanned code.
    Scan(String),
}

impl Wedge {
    pub fn reset(&mut self) {
        self.buf.clear();
    }

    pub fn key(&mut self, key: &str, now_ms: f64) -> Action {
        let gap = now_ms - self.last_ms;
        self.last_ms = now_ms;
        let mut chars = key.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if !c.is_control() => {
                if gap > MAX_GAP_MS || self.buf.is_empty() {
                    self.buf.clear();
                    self.buf.push(c);
                    Action::Start
                } else {
                    self.buf.push(c);
                    Action::Swallow
                }
            }
            _ if key == "Enter" && gap <= MAX_GAP_MS && self.buf.chars().count() >= MIN_LEN => {
                Action::Scan(std::mem::take(&mut self.buf))
            }
            // A scanner types a capital with Shift held, as a keyboard does: the burst goes on.
            _ if matches!(key, "Shift" | "CapsLock") => Action::Pass,
            _ => {
                self.buf.clear();
                Action::Pass
            }
        }
    }
}
