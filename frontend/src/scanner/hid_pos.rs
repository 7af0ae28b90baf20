//! Decodes the input reports of a scanner in HID POS mode (HID usage page 0x8C, "Bar Code Scanner").
//!
//! The Scanned Data Report (usage 0x12) as Honeywell, Zebra and Datalogic send it, report id removed (WebHID
//! gives it apart): byte 0 is the length of the code's bytes in this report, bytes 1–3 the AIM symbology
//! identifier (`]E0` for an EAN-13), then the code, zero-padded; when the code does not fit one report,
//! the last byte's bit 0 says "more follows" and the next report carries the rest.

/// The HID usage page of barcode scanners (HID POS Usage Tables).
pub const USAGE_PAGE: u16 = 0x8C;
/// Where the code starts: after the length byte and the three symbology bytes.
const CODE_AT: usize = 4;

#[derive(Default, Debug)]
pub struct HidPos {
    pending: Vec<u8>,
}

impl HidPos {
    /// Feeds one input report; returns the code once its last report has arrived.
    pub fn report(&mut self, data: &[u8]) -> Option<String> {
        let (&len, _) = data.split_first()?;
        let body = data.get(CODE_AT..).unwrap_or_default();
        // A length larger than the report is a corrupt report: keep what it holds, no more.
        let code = &body[..usize::from(len).min(body.len())];
        // The continuation flag sits in the report's last byte, after the code area.
        let more = data.len() > CODE_AT + usize::from(len) && data.last().is_some_and(|b| b & 1 == 1);
        self.pending.extend_from_slice(code);
        if more {
            return None;
        }
        let bytes = std::mem::take(&mut self.pending);
        clean(&bytes)
    }
}

/// The code as text: bytes are ASCII in practice; control characters (a suffix some scanners still add,
/// zero padding) are not part of it. An empty code is no scan.
pub fn clean(bytes: &[u8]) -> Option<String> {
    let text: String = String::from_utf8_lossy(bytes).chars().filter(|c| !c.is_control()).collect();
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}
