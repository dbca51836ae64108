//! Times as the package managers' documents write them: from epoch
//! seconds, in UTC, clamped to the years 1970 to 9999 so that they stay
//! four-digit ISO 8601 rather than print wrongly.

use chrono::{DateTime, Utc};

/// The last second of 9999.
const LAST: i64 = 253_402_300_799;

pub(crate) fn utc(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs.clamp(0, LAST), 0).unwrap_or_default()
}
