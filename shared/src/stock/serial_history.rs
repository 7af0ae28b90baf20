//! A serial number's history (issue 12 item 2): what happened to one unit — received, sold, returned,
//! moved, deleted — oldest first. The server's `serial_events` table holds it, written by triggers on
//! `serials` so that no write path forgets an event; the newest event is always at the outlet the unit
//! is at (a move without a sale or a return is an event of its own), and the events outlive the serial.

use serde::{Deserialize, Serialize};

/// What happened to the unit (`serial_events.kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[derive(strum::EnumString, strum::IntoStaticStr, strum::Display)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub enum SerialEventKind {
    /// Put on file at an outlet (registered, imported, or first named by a sale).
    Received,
    /// Sold in `sale_id`.
    Sold,
    /// Back in stock: by the return `sale_id`, or with no sale when a manager cleared the sale.
    Returned,
    /// Moved to another outlet with no sale or return (an import, a fix).
    Moved,
    /// Deleted from the serial numbers page (the deletion is in the audit log too).
    Deleted,
}

/// One event of a unit's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SerialEvent {
    /// Increasing in the order the server recorded the events: the history's order.
    pub id: i64,
    pub product_id: String,
    pub serial: String,
    pub kind: SerialEventKind,
    /// Where the unit was after the event (where it was, for a deletion).
    pub outlet_id: String,
    /// The sale (sold) or the return (returned), the link to sales history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sale_id: Option<String>,
    /// When: the sale's or return's time on the register's clock, else the server's (ms since the Unix
    /// epoch). A sale made offline may therefore be earlier than the receiving recorded before it.
    pub at_ms: i64,
}

impl SerialEvent {
    /// The sale to link to: a sale or a return's, never a receiving's.
    pub fn sale(&self) -> Option<&str> {
        match self.kind {
            SerialEventKind::Sold | SerialEventKind::Returned => self.sale_id.as_deref(),
            _ => None,
        }
    }
}

/// The outlet a history belongs to, for scoping who may read it: its newest event's (where the unit is,
/// or was when deleted). `None` for no history at all (a serial never on file).
pub fn history_outlet(events: &[SerialEvent]) -> Option<&str> {
    events.iter().max_by_key(|e| e.id).map(|e| e.outlet_id.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: i64, kind: SerialEventKind, outlet: &str, sale: Option<&str>) -> SerialEvent {
        SerialEvent {
            id,
            product_id: "drill".into(),
            serial: "SN-1".into(),
            kind,
            outlet_id: outlet.into(),
            sale_id: sale.map(str::to_owned),
            at_ms: 0,
        }
    }

    #[test]
    fn kinds_are_stored_and_sent_in_snake_case() {
        assert_eq!(SerialEventKind::Returned.to_string(), "returned");
        assert_eq!("moved".parse::<SerialEventKind>(), Ok(SerialEventKind::Moved));
        assert!("lost".parse::<SerialEventKind>().is_err());
        let json = serde_json::to_value(event(1, SerialEventKind::Sold, "laval", Some("s1"))).unwrap();
        assert_eq!(json["kind"], "sold");
        assert_eq!(json["sale_id"], "s1");
        let received = serde_json::to_value(event(1, SerialEventKind::Received, "laval", None)).unwrap();
        assert!(received.get("sale_id").is_none());
    }

    #[test]
    fn only_sales_and_returns_link_to_a_sale() {
        assert_eq!(event(1, SerialEventKind::Sold, "m", Some("s1")).sale(), Some("s1"));
        assert_eq!(event(2, SerialEventKind::Returned, "m", Some("r1")).sale(), Some("r1"));
        assert_eq!(event(3, SerialEventKind::Returned, "m", None).sale(), None);
        assert_eq!(event(4, SerialEventKind::Received, "m", Some("s1")).sale(), None);
    }

    #[test]
    fn a_history_belongs_to_the_outlet_of_its_newest_event() {
        assert_eq!(history_outlet(&[]), None);
        let events = [
            event(1, SerialEventKind::Received, "sherbrooke", None),
            event(5, SerialEventKind::Deleted, "montreal", None),
            event(2, SerialEventKind::Sold, "montreal", Some("s1")),
        ];
        assert_eq!(history_outlet(&events), Some("montreal"));
    }
}
