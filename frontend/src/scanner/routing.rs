//! Where a scan goes, as pure rules: the most recent claim decides. A screen or dialog that expects
//! scans *takes* them (the sell screen, the serial-number prompt, scanner mode); a dialog that does not
//! expect them (pay, discount, price) *holds* them until it closes, so a code is never typed into its
//! fields and never lost: it goes to whoever takes scans once no dialog holds them. With no claim at all
//! (sign-in, enrolment) a scan has nowhere to go and is dropped.

/// Which scanner a code came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Wedge,
    Hid,
    Serial,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Take,
    Hold,
}

/// The same code from two sources this close together (ms) is one scan seen twice: a HID scanner in
/// keyboard emulation also types into the page as a keyboard.
pub const ECHO_MS: f64 = 500.0;

#[derive(Debug, PartialEq, Eq)]
pub enum Route {
    /// Give the code to this claim.
    To(u64),
    /// Kept until no dialog holds scans.
    Held,
    Dropped,
    /// The same scan through another source: already routed.
    Echo,
}

#[derive(Default, Debug)]
pub struct Routing {
    claims: Vec<(u64, Kind)>,
    next_id: u64,
    held: Vec<String>,
    last: Option<(String, Source, f64)>,
}

impl Routing {
    pub fn claim(&mut self, kind: Kind) -> u64 {
        self.next_id += 1;
        self.claims.push((self.next_id, kind));
        self.next_id
    }

    /// Ends a claim. Returns the held codes to give now, and to which claim, when this uncovers one
    /// that takes scans.
    pub fn release(&mut self, id: u64) -> Option<(u64, Vec<String>)> {
        self.claims.retain(|(c, _)| *c != id);
        match self.claims.last() {
            Some(&(to, Kind::Take)) if !self.held.is_empty() => Some((to, std::mem::take(&mut self.held))),
            Some(_) => None,
            None => {
                self.held.clear();
                None
            }
        }
    }

    pub fn route(&mut self, code: &str, source: Source, now_ms: f64) -> Route {
        let echo = self
            .last
            .as_ref()
            .is_some_and(|(c, s, at)| c == code && *s != source && now_ms - at < ECHO_MS);
        if echo {
            // Not remembered: the next read of the first scanner is a real second scan.
            return Route::Echo;
        }
        self.last = Some((code.to_string(), source, now_ms));
        match self.claims.last() {
            Some(&(id, Kind::Take)) => Route::To(id),
            Some((_, Kind::Hold)) => {
                self.held.push(code.to_string());
                Route::Held
            }
            None => Route::Dropped,
        }
    }

    /// Whether anything expects or holds scans (else the wedge leaves keys alone).
    pub fn claimed(&self) -> bool {
        !self.claims.is_empty()
    }

    pub fn held(&self) -> &[String] {
        &self.held
    }
}
