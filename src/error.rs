//! Errors: [`LoadError`] for reading a rate table, [`Error`] for everything else.

use std::fmt;

use rust_decimal::Decimal;

use crate::{Date, HtsCode};

/// An error of the pure API: parsing a code, date or category, looking up a partner, or a
/// calculation (a value out of range, an overflow).
///
/// It is `Clone + PartialEq` so that tests and callers can compare errors directly.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No partner of that code or name is known; `suggestions` holds the nearest names.
    #[error("unknown partner \"{}\"{}", shown(query), did_you_mean(suggestions))]
    UnknownPartner {
        /// What was asked for.
        query: String,
        /// Up to three known names close to the query, nearest first.
        suggestions: Vec<String>,
    },
    /// The United States is not a trading partner of itself: `US`, and places the table puts
    /// in its customs territory (Puerto Rico).
    #[error(
        "\"{}\" is in the customs territory of the United States (HTSUS General Note 2: the \
         States, the District of Columbia and Puerto Rico), not a trading partner",
        shown(query)
    )]
    DomesticOrigin {
        /// What was asked for.
        query: String,
    },
    /// The text is not an HTS code.
    #[error("\"{}\" is not an HTS code: {reason}", shown(value))]
    InvalidHts {
        /// The text given.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A code shorter than the table's lines covers some exempt lines but not all of them, so
    /// whether the goods are exempt depends on the full code.
    #[error(
        "HTS {code} is too short to decide: {lines} exempt line(s) lie under it but it is not \
         covered as a whole; give the full code or a category"
    )]
    AmbiguousHts {
        /// The code given.
        code: HtsCode,
        /// How many exempt lines in force lie under it.
        lines: usize,
    },
    /// The text is not a `YYYY-MM-DD` date, or the date does not exist.
    #[error("\"{}\" is not a date (expected YYYY-MM-DD)", shown(value))]
    InvalidDate {
        /// The text given.
        value: String,
    },
    /// The text is not one of the exemption categories.
    #[error(
        "\"{}\" is not an exemption category (energy, critical_minerals, pharmaceuticals, \
         semiconductors, lumber, copper, bullion, other)",
        shown(value)
    )]
    InvalidCategory {
        /// The text given.
        value: String,
    },
    /// The text is not a transport mode.
    #[error(
        "\"{}\" is not a transport mode (ocean, air, land, mail, other)",
        shown(value)
    )]
    InvalidMode {
        /// The text given.
        value: String,
    },
    /// The text is not a two-letter partner code.
    #[error("\"{}\" is not a two-letter partner code", shown(value))]
    InvalidCode {
        /// The text given.
        value: String,
    },
    /// A measure's row needs an input the line does not carry (a quantity for a specific
    /// rate, the metal content for a metal-content base).
    #[error("measure {measure} (measures table line {line}): {needs}")]
    MeasureInput {
        /// The measure.
        measure: String,
        /// The row's line in its measures table.
        line: u64,
        /// What is needed.
        needs: String,
    },
    /// A measure bans the import of the goods.
    #[error("import prohibited by {measure} ({source_text})")]
    Prohibited {
        /// The measure.
        measure: String,
        /// The row's legal source.
        source_text: String,
    },
    /// A number is outside the range its field allows.
    #[error("{field} must be {expected}, got {value}")]
    OutOfRange {
        /// The field, e.g. `customs_value`.
        field: &'static str,
        /// The value given.
        value: Decimal,
        /// The allowed range in words.
        expected: &'static str,
    },
    /// A calculation exceeded the range of `Decimal` (about 7.9e28).
    #[error("arithmetic overflow computing {what}")]
    Overflow {
        /// What was being computed.
        what: &'static str,
    },
    /// An error in one line of a list (a basket line), 0-based.
    #[error("line {index}: {source}")]
    InLine {
        /// 0-based index of the line.
        index: usize,
        /// The line's error.
        source: Box<Error>,
    },
    /// The table has no rate row for a partner it does not list, and no `*` row for all
    /// such partners, so no reciprocal treatment can be given.
    #[error(
        "the table has no rate row for {code} and no `*` row for the partners it does not \
         list: add one (kind rate, code *)"
    )]
    NoRateRow {
        /// The partner.
        code: crate::CountryCode,
    },
    /// No entry date was given, and the table has no rate or exemption row to take a
    /// reference date from.
    #[error(
        "no entry date given, and the table has no rate or exemption rows to take a \
         reference date from: give the entry date"
    )]
    NoDate,
    /// The table has no row for a fee at the entry date.
    #[error("the table has no {fee} row in force on {date}")]
    NoFeeSchedule {
        /// The fee (`MPF` or `HMF`).
        fee: &'static str,
        /// The entry date.
        date: Date,
    },
}

/// A value from the input as a message shows it: escaped, and shortened when long.
fn shown(value: &str) -> std::borrow::Cow<'_, str> {
    crate::text::for_message(value)
}

fn did_you_mean(suggestions: &[String]) -> String {
    if suggestions.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", suggestions.join(", "))
    }
}

/// Why a rate table could not be loaded, with the file, line, column and offending value.
///
/// Displays as `tariffs.csv: line 17, column rate_pct: "2x": not a number`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub(crate) origin: String,
    pub(crate) line: u64,
    pub(crate) column: Option<&'static str>,
    pub(crate) value: Option<String>,
    pub(crate) kind: LoadErrorKind,
}

/// What went wrong while loading a rate table.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoadErrorKind {
    /// The file could not be read.
    Io(String),
    /// The CSV itself is malformed (wrong number of fields, invalid UTF-8, ...).
    Csv(String),
    /// A required column is missing from the header.
    MissingColumn,
    /// A value is malformed, out of range or inconsistent with its row.
    Invalid(String),
    /// The same partner, code or fee already has a row starting on the same date.
    Duplicate {
        /// Line of the earlier row.
        first_line: u64,
    },
    /// The row's dates overlap another row of the same partner, code or fee.
    Overlap {
        /// Line of the other row.
        other_line: u64,
    },
}

impl LoadError {
    pub(crate) fn new(origin: &str, line: u64, kind: LoadErrorKind) -> LoadError {
        LoadError {
            origin: origin.to_string(),
            line,
            column: None,
            value: None,
            kind,
        }
    }

    pub(crate) fn at(
        origin: &str,
        line: u64,
        column: &'static str,
        value: &str,
        reason: impl Into<String>,
    ) -> LoadError {
        LoadError {
            origin: origin.to_string(),
            line,
            column: Some(column),
            value: Some(value.to_string()),
            kind: LoadErrorKind::Invalid(reason.into()),
        }
    }

    pub(crate) fn with_column(mut self, column: &'static str, value: &str) -> LoadError {
        self.column = Some(column);
        self.value = Some(value.to_string());
        self
    }

    /// The file (or `"<reader>"`, or `"bundled tariffs.csv"`) the error is in.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The 1-based line of the file (0 when the error is not tied to a line).
    pub fn line(&self) -> u64 {
        self.line
    }

    /// The column, when the error is tied to one.
    pub fn column(&self) -> Option<&str> {
        self.column
    }

    /// The offending value, when there is one.
    pub fn value(&self) -> Option<&str> {
        self.value.as_deref()
    }

    /// What went wrong.
    pub fn kind(&self) -> &LoadErrorKind {
        &self.kind
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.origin)?;
        if self.line > 0 {
            write!(f, ": line {}", self.line)?;
        }
        if let Some(c) = self.column {
            write!(f, ", column {c}")?;
        }
        if let Some(v) = &self.value {
            write!(f, ": \"{}\"", crate::text::for_message(v))?;
        }
        match &self.kind {
            LoadErrorKind::Io(e) => write!(f, ": cannot read: {e}"),
            LoadErrorKind::Csv(e) => write!(f, ": malformed CSV: {e}"),
            LoadErrorKind::MissingColumn => write!(f, ": required column is missing"),
            LoadErrorKind::Invalid(why) => write!(f, ": {why}"),
            LoadErrorKind::Duplicate { first_line } => {
                write!(f, ": duplicate of the row on line {first_line}")
            }
            LoadErrorKind::Overlap { other_line } => {
                write!(f, ": dates overlap the row on line {other_line}")
            }
        }
    }
}

impl std::error::Error for LoadError {}
