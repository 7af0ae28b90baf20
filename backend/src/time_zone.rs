//! Outlets' time zones and the civil dates clients name (`2026-11-23`), looked up in the IANA
//! database jiff bundles; the periods themselves are `shared::report::Period::{day, month}`.

use crate::error::AppError;
use jiff::civil::Date;
use jiff::tz::TimeZone;

/// The zone named `name` (`America/Toronto`), or an error naming it.
pub fn lookup(name: &str) -> anyhow::Result<TimeZone> {
    TimeZone::get(name).map_err(|e| anyhow::anyhow!("unknown time zone '{name}': {e}"))
}

/// Whether the bundled IANA database has this zone (what an outlet may take).
pub fn known(name: &str) -> bool {
    lookup(name).is_ok()
}

/// The zone stored for an outlet. A name the database does not know is a server fault (outlets are
/// checked when stored), not the client's.
pub fn of_outlet(name: Option<String>, what: &str) -> Result<TimeZone, AppError> {
    let name = name.ok_or_else(|| AppError::NotFound(what.to_string()))?;
    lookup(&name).map_err(AppError::Internal)
}

/// A `YYYY-MM-DD` date, years 1970 to 9999.
pub fn parse_date(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10 && bytes[4] == b'-' && bytes[7] == b'-';
    let date: Date = text.parse().ok().filter(|_| shaped)?;
    (1970..=9999).contains(&date.year()).then_some(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_year_month_day_within_range() {
        assert_eq!(parse_date("2026-11-23"), Some(Date::new(2026, 11, 23).unwrap()));
        for bad in ["2026-13-01", "2026-02-30", "hier", "1969-12-31", "2026-1-1", "20261123", ""] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_bundled_database_knows_quebec() {
        assert!(lookup("America/Toronto").is_ok());
        assert!(lookup("America/Montreal").is_ok(), "the old name is a link the database keeps");
        assert!(lookup("Mars/Olympus").is_err());
    }
}
