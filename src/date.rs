//! Calendar dates (entry dates and effective dates), without a time-zone library.

use std::fmt;
use std::str::FromStr;

use crate::money::eight_digit_value;
use crate::Error;

/// A calendar date in the proleptic Gregorian calendar, as used for entry dates and for the
/// `effective_from` / `effective_to` columns of the rate table.
///
/// Dates are US entry dates: goods entered for consumption (or withdrawn from warehouse) on or
/// after 12:01 a.m. Eastern time on that day. Only the forms `YYYY-MM-DD` are accepted.
///
/// # Example
///
/// ```
/// use tariffs::Date;
///
/// let d: Date = "2025-04-09".parse()?;
/// assert_eq!(d, Date::new(2025, 4, 9)?);
/// assert!(d > "2025-04-05".parse()?);
/// assert_eq!(d.to_string(), "2025-04-09");
/// assert!("2025-02-30".parse::<Date>().is_err());
/// # Ok::<(), tariffs::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    // Field order gives the derived ordering: year, then month, then day.
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    /// A date from its parts.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidDate`] when the month or day does not exist (years 1000 to 9999).
    pub fn new(year: u16, month: u8, day: u8) -> Result<Date, Error> {
        if !is_valid(year, month, day) {
            return Err(Error::InvalidDate {
                value: format!("{year:04}-{month:02}-{day:02}"),
            });
        }
        Ok(Date { year, month, day })
    }

    /// A date known at compile time to be valid (crate constants only).
    pub(crate) const fn ymd(year: u16, month: u8, day: u8) -> Date {
        Date { year, month, day }
    }

    /// The year.
    pub fn year(self) -> u16 {
        self.year
    }

    /// A `YYYY-MM-DD` date from bytes, untrimmed; `None` when it is not one.
    pub(crate) fn from_ascii(b: &[u8]) -> Option<Date> {
        let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = *b else {
            return None;
        };
        // The eight digits at once, as YYYYMMDD.
        let v = eight_digit_value(u64::from_le_bytes([y0, y1, y2, y3, m0, m1, d0, d1]))?;
        // Below 10^8: the year has four digits, month and day two.
        let (year, month, day) = ((v / 10_000) as u16, (v / 100 % 100) as u8, (v % 100) as u8);
        is_valid(year, month, day).then_some(Date { year, month, day })
    }

    /// The month, 1 to 12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month, 1 to 31.
    pub fn day(self) -> u8 {
        self.day
    }

    /// The US federal fiscal year the date falls in (it begins on 1 October).
    ///
    /// ```
    /// use tariffs::Date;
    /// assert_eq!(Date::new(2025, 9, 30)?.fiscal_year(), 2025);
    /// assert_eq!(Date::new(2025, 10, 1)?.fiscal_year(), 2026);
    /// # Ok::<(), tariffs::Error>(())
    /// ```
    pub fn fiscal_year(self) -> u16 {
        if self.month >= 10 {
            self.year + 1
        } else {
            self.year
        }
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// True for a year of four digits, a month and a day of that month.
fn is_valid(year: u16, month: u8, day: u8) -> bool {
    (1000..=9999).contains(&year)
        && (1..=12).contains(&month)
        && day != 0
        && day <= days_in_month(year, month)
}

impl FromStr for Date {
    type Err = Error;

    fn from_str(s: &str) -> Result<Date, Error> {
        let bad = || Error::InvalidDate {
            value: s.to_string(),
        };
        Date::from_ascii(s.trim_ascii().as_bytes()).ok_or_else(bad)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// With the `serde` feature: the date as `Display` writes it, `"2025-04-09"`.
#[cfg(feature = "serde")]
impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// With the `serde` feature: a string read as [`FromStr`] reads it (`YYYY-MM-DD`, a date
/// that exists), with its error as the message.
#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::keyword::deserialize_from_str(deserializer, "a date (YYYY-MM-DD)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leap_years() {
        assert!(Date::new(2024, 2, 29).is_ok());
        assert!(Date::new(2025, 2, 29).is_err());
        assert!(Date::new(2000, 2, 29).is_ok());
        assert!(Date::new(1900, 2, 29).is_err());
    }

    #[test]
    fn rejects_other_forms() {
        for s in [
            "2025-4-9",
            "2025/04/09",
            "20250409",
            "2025-13-01",
            "2025-00-10",
            "x025-01-01",
            "",
        ] {
            assert!(s.parse::<Date>().is_err(), "{s}");
        }
    }

    proptest::proptest! {
        /// Dates read a word at a time are the dates read field by field.
        #[test]
        fn dates_read_as_their_fields(
            text in "[0-9]{4}-(0[0-9]|1[0-3])-([0-2][0-9]|3[0-2])|[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9/:a-]{10}"
        ) {
            let fields = || -> Option<Date> {
                let year = text.get(0..4)?;
                let month = text.get(5..7)?;
                let day = text.get(8..10)?;
                let all_digits = [year, month, day]
                    .iter()
                    .all(|f| f.bytes().all(|c| c.is_ascii_digit()));
                if !all_digits || &text[4..5] != "-" || &text[7..8] != "-" {
                    return None;
                }
                Date::new(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?).ok()
            };
            proptest::prop_assert_eq!(Date::from_ascii(text.as_bytes()), fields());
        }
    }
}
