//! # tariffs
//!
//! The US "reciprocal tariffs" of Executive Order 14257 (2 April 2025) as data and exact
//! calculations: a bundled rate table with the legal source of every row, and pure functions
//! for the landed cost of a shipment, the exempt share of an export basket, and the published
//! formula that turns a trade balance into a rate.
//!
//! ```
//! use rust_decimal::Decimal;
//! use tariffs::{RateTable, Shipment, TransportMode};
//!
//! let table = RateTable::bundled();
//! let kz = table.partner("Kazakhstan")?;
//! let shipment = Shipment::new(kz.code(), Decimal::from(100_000))
//!     .hts("7202.41.00".parse()?)           // ferrochromium: Annex II
//!     .mfn_pct(Decimal::new(19, 1))         // 1.9%
//!     .mode(TransportMode::Ocean)
//!     .entry_date("2025-04-09".parse()?);
//! let cost = table.landed_cost(&shipment)?;
//! assert_eq!(cost.reciprocal.charge.amount, Decimal::ZERO); // exempt
//! assert_eq!(cost.mfn.amount, Decimal::new(1900_00, 2));
//! assert_eq!(cost.mpf.charge.amount, Decimal::new(346_40, 2));
//! assert_eq!(cost.hmf.charge.amount, Decimal::new(125_00, 2));
//! assert_eq!(cost.landed_cost, Decimal::new(102_371_40, 2));
//! # Ok::<(), tariffs::Error>(())
//! ```
//!
//! ## Overview
//!
//! - [`RateTable`]: the table. [`RateTable::bundled`] is `tariffs.csv`, embedded at compile
//!   time and parsed once; [`RateTable::from_path`] and [`RateTable::from_reader`] load a
//!   user's table of the same format through the same parser, with errors that name the file,
//!   line, column and value ([`LoadError`]).
//! - Lookups: [`RateTable::partner`] (ISO codes, names, aliases), [`RateTable::reciprocal`]
//!   (a partner's rate on an entry date, with its source), [`RateTable::exemption`] (the
//!   Annex II line covering an HTS code, longest prefix first).
//! - Calculations: [`RateTable::landed_cost`], [`RateTable::exempt_share`],
//!   [`rate_from_trade`].
//! - [`money`]: the one rounding policy (cents, half away from zero, once per component) and
//!   checked arithmetic; overflow is an [`Error::Overflow`], never a panic.
//!
//! ## Dates
//!
//! Rates are facts with dates. Every row has `effective_from` and `effective_to`; lookups take
//! the entry date. With no date, a lookup uses the table's
//! [reference date](RateTable::reference_date), when every rate the table holds is in force
//! (2025-04-09 for the bundled table: the Annex I rates). With the bundled table, entries
//! before 2025-04-05 pay no reciprocal duty, entries from 5 to 8 April the 10% baseline, and
//! entries from 9 April the Annex I rates.
//!
//! ## The `serde` feature
//!
//! With `serde` (switched on by the default `cli` feature), [`CountryCode`], [`HtsCode`],
//! [`Date`] and the keyword enums ([`Category`], [`TransportMode`], [`EntryType`],
//! [`Section232`], [`FeeOutcome`], the measures' [`RateKind`](measure::RateKind),
//! [`Base`](measure::Base) and [`Confidence`](measure::Confidence)) implement `Serialize` and
//! `Deserialize` as the text their `Display` writes (`"CN"`, `"2709.00.20"`, `"2025-04-09"`,
//! `"critical_minerals"`, `"ocean"`) and read it through their `FromStr`, with its validation
//! and its error message; a `Decimal` is a string both ways (rust_decimal's `serde-str`),
//! never a float.
//!
//! The inputs [`Shipment`], [`BasketLine`] and [`Goods`] are read and written by field name
//! (unknown fields refused; a shipment needs only `origin` and `customs_value`). The results
//! are written: [`LandedCost`] and its parts ([`Charge`], [`ReciprocalDuty`], [`Exemption`],
//! [`FeeCharge`], [`MeasureDuty`], [`PartnerRate`], [`RateStatus`], [`Partner`]), the table's
//! rows they name ([`RateEntry`], [`ExemptEntry`], [`FeeEntry`], [`MpfExemptEntry`],
//! [`MeasureRow`], in the table's column names), [`BasketReport`], [`Basket`],
//! [`CategoryTotal`], [`TradeFormula`], [`BatchSummary`](batch::BatchSummary) and the
//! measures' trace ([`Considered`](measure::Considered)). Money is a string with two
//! decimals (`"1900.00"`), a rate or share a string without trailing zeros (`"16.5"`,
//! `"0.92"`): no amount is a JSON number. Facts a reader needs are written with the result (a
//! duty's `source`, the reciprocal duty's `basis` and `reason`, a measure's `exclusion`).
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # #[cfg(feature = "serde")] {
//! use tariffs::{RateTable, Shipment};
//!
//! let s: Shipment = serde_json::from_str(
//!     r#"{"origin": "VN", "customs_value": "10000", "goods": {"hts": "6109.10.00"},
//!         "mfn_pct": "16.5", "mode": "ocean", "entry_date": "2025-04-09"}"#,
//! )?;
//! let cost = serde_json::to_value(RateTable::bundled().landed_cost(&s)?)?;
//! assert_eq!(cost["reciprocal"]["rate_pct"], "46");
//! assert_eq!(cost["reciprocal"]["amount"], "4600.00");
//! assert_eq!(cost["landed_cost"], "16297.14");
//! # }
//! # Ok(())
//! # }
//! ```
//!
//! A build with `default-features = false` leaves the `serde` crate out.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod batch;
mod category;
mod country;
mod date;
mod error;
mod estimate;
mod formula;
mod hts;
mod iso3166;
mod kernel;
mod keyword;
mod kinds;
mod load;
pub mod measure;
pub mod money;
mod records;
#[cfg(feature = "serde")]
mod ser;
mod table;
mod text;

pub use category::{Category, TransportMode};
pub use country::CountryCode;
pub use date::Date;
pub use error::{Error, LoadError, LoadErrorKind};
pub use estimate::{
    Basket, BasketLine, BasketReport, CategoryTotal, Charge, Exemption, FeeCharge, FeeOutcome,
    Goods, LandedCost, MeasureDuty, ReciprocalDuty, Shipment, INFORMAL_ENTRY_LIMIT,
    US_CONTENT_THRESHOLD,
};
pub use formula::{rate_from_trade, TradeFormula, FLOOR_PCT};
pub use hts::HtsCode;
pub use keyword::KeywordError;
pub use kinds::{EntryType, Section232};
pub use load::COLUMNS as TABLE_COLUMNS;
pub use measure::{Facts, MeasureRow, Measures, Transit};
pub use table::{
    Basis, Carried, ExemptBasis, ExemptEntry, FeeEntry, FeeKind, MpfApplies, MpfExemptEntry,
    Partner, PartnerRate, RateEntry, RateStatus, RateTable, Schedule, BUNDLED_CSV, BUNDLED_LABEL,
    ENACTED_CSV, ENACTED_LABEL, ENACTED_MEASURES_CSV, MAX_TABLE_BYTES,
};

/// The README's examples, compiled and run as doctests so that they cannot drift.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// The landed cost of a shipment with the bundled table; see [`RateTable::landed_cost`].
///
/// # Errors
///
/// As [`RateTable::landed_cost`].
pub fn landed_cost(shipment: &Shipment) -> Result<LandedCost<'static>, Error> {
    RateTable::bundled().landed_cost(shipment)
}

/// The exempt share of a basket with the bundled table; see [`RateTable::exempt_share`].
///
/// # Errors
///
/// As [`RateTable::exempt_share`].
pub fn exempt_share(
    origin: CountryCode,
    date: Option<Date>,
    lines: &[BasketLine],
) -> Result<BasketReport<'static>, Error> {
    RateTable::bundled().exempt_share(origin, date, lines)
}
