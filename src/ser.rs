//! The serde forms of the results and inputs (the `serde` feature), in one place.
//!
//! The rules every form follows:
//!
//! - **Money** is a string with two decimals, as the batch writes it (`"1900.00"`); **rates,
//!   percentages and shares** are strings without trailing zeros (`"16.5"`, `"27"`,
//!   `"0.92"`). No amount is ever a JSON number, so none goes through an `f64`. The only
//!   numbers are counts and line numbers (`line`, `from_line`, a batch's row counts).
//! - Codes, dates and keyword enums are their text (`"KZ"`, `"2709.00.20"`, `"2025-04-09"`,
//!   `"annex1"`); a value that is absent is `null`.
//! - Field names are `snake_case` and, for a table's rows, the table's own columns (a rate
//!   row's `rate_pct`, `basis`, `effective_from`, ...), with the row's `line`.
//! - Facts computed from a result that a reader needs are written with it: a duty's `source`,
//!   the reciprocal duty's `basis`, `reason` and exemption, a fee's `carried` note, a
//!   measure's `exclusion` and `heading`.
//!
//! The results are written only (`Serialize`); the inputs ([`Shipment`], [`BasketLine`],
//! [`Goods`]) are read too, in the same form, and refuse unknown fields.
//!
//! Each `Serialize` below takes its struct apart field by field (no `..`), so that a field
//! added to a result does not compile until its form is decided here.

use rust_decimal::Decimal;
use serde::de::{self, Deserialize, Deserializer};
use serde::ser::{Serialize, SerializeMap, SerializeStruct, Serializer};

use crate::batch::{self, fmt_money, fmt_pct, BatchSummary};
use crate::estimate::{
    Basket, BasketLine, BasketReport, CategoryTotal, Charge, Exemption, FeeCharge, Goods,
    LandedCost, MeasureDuty, ReciprocalDuty, Shipment,
};
use crate::measure::{
    parse_tokens, Considered, Facts, MeasureRow, Transit, Verdict, MEASURE_COLUMNS,
};
use crate::table::{
    Basis, Carried, ExemptBasis, ExemptEntry, FeeEntry, FeeKind, MpfApplies, MpfExemptEntry,
    Partner, PartnerRate, RateEntry, RateStatus,
};
use crate::{
    Category, CountryCode, Date, EntryType, HtsCode, Section232, TradeFormula, TransportMode,
};

/// Money: a string with two decimals (`"1900.00"`).
struct Money(Decimal);

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&fmt_money(self.0))
    }
}

/// A rate, percentage or share: a string without trailing zeros (`"16.5"`, `"0.92"`).
struct Rate(Decimal);

impl Serialize for Rate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&fmt_pct(self.0))
    }
}

/// A text that is `null` when empty.
fn text(t: &str) -> Option<&str> {
    (!t.is_empty()).then_some(t)
}

/// The keyword enums of the table, written as their keywords.
macro_rules! as_keyword {
    ($($t:ty),+ $(,)?) => {
        $(
            impl Serialize for $t {
                fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    s.serialize_str(self.as_str())
                }
            }
        )+
    };
}

as_keyword!(Basis, ExemptBasis, FeeKind, MpfApplies);

// ---------------------------------------------------------------------------------------------
// The table's rows

/// `{"code", "name", "listed"}`.
impl Serialize for Partner<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Partner", 3)?;
        st.serialize_field("code", &self.code())?;
        st.serialize_field("name", self.name())?;
        st.serialize_field("listed", &self.listed())?;
        st.end()
    }
}

/// A `rate` row in the table's columns: `code` (`"*"` for all partners not listed), `name`,
/// `rate_pct`, `charged_pct`, `chart_pct`, `basis`, `rate_of`, `effective_from`,
/// `effective_to`, `transit_loaded_before`, `transit_entered_before`, `source`, `note`, and
/// its `line`.
impl Serialize for RateEntry {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let RateEntry {
            line,
            code,
            name,
            rate_pct,
            rate: _, // rate_pct as a fraction
            charged_pct,
            chart_pct,
            basis,
            rate_of,
            from,
            to,
            transit,
            source,
            note,
        } = self;
        let mut st = s.serialize_struct("RateEntry", 14)?;
        match code {
            Some(c) => st.serialize_field("code", c)?,
            None => st.serialize_field("code", "*")?,
        }
        st.serialize_field("name", name)?;
        st.serialize_field("rate_pct", &rate_pct.map(Rate))?;
        st.serialize_field("charged_pct", &charged_pct.map(Rate))?;
        st.serialize_field("chart_pct", &chart_pct.map(Rate))?;
        st.serialize_field("basis", basis)?;
        st.serialize_field("rate_of", rate_of)?;
        st.serialize_field("effective_from", from)?;
        st.serialize_field("effective_to", to)?;
        st.serialize_field("transit_loaded_before", &transit.loaded_before)?;
        st.serialize_field("transit_entered_before", &transit.entered_before)?;
        st.serialize_field("source", &text(source))?;
        st.serialize_field("note", &text(note))?;
        st.serialize_field("line", line)?;
        st.end()
    }
}

/// An `exempt` row in the table's columns: `code`, `name` (the description), `basis`,
/// `category`, `effective_from`, `effective_to`, `source`, `note`, `line`.
impl Serialize for ExemptEntry {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let ExemptEntry {
            line,
            code,
            description,
            category,
            basis,
            from,
            to,
            source,
            note,
        } = self;
        let mut st = s.serialize_struct("ExemptEntry", 9)?;
        st.serialize_field("code", code)?;
        st.serialize_field("name", description)?;
        st.serialize_field("basis", basis)?;
        st.serialize_field("category", category)?;
        st.serialize_field("effective_from", from)?;
        st.serialize_field("effective_to", to)?;
        st.serialize_field("source", &text(source))?;
        st.serialize_field("note", &text(note))?;
        st.serialize_field("line", line)?;
        st.end()
    }
}

/// A `fee` row in the table's columns: `code` (`MPF`, `HMF`, ...), `name`, `rate_pct`
/// (`null` for a flat fee), `min_usd`, `max_usd`, `flat_usd`, `effective_from`,
/// `effective_to`, `source`, `note`, `line`, and `carried`: the figures used where the row
/// leaves some blank, or `null`.
impl Serialize for FeeEntry {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let FeeEntry {
            line,
            kind,
            name,
            rate_pct,
            min,
            max,
            flat,
            from,
            to,
            source,
            note,
            carried,
        } = self;
        let mut st = s.serialize_struct("FeeEntry", 12)?;
        st.serialize_field("code", kind)?;
        st.serialize_field("name", name)?;
        st.serialize_field("rate_pct", &(!kind.is_flat()).then_some(Rate(*rate_pct)))?;
        st.serialize_field("min_usd", &min.map(Money))?;
        st.serialize_field("max_usd", &max.map(Money))?;
        st.serialize_field("flat_usd", &flat.map(Money))?;
        st.serialize_field("effective_from", from)?;
        st.serialize_field("effective_to", to)?;
        st.serialize_field("source", &text(source))?;
        st.serialize_field("note", &text(note))?;
        st.serialize_field("line", line)?;
        st.serialize_field("carried", carried)?;
        st.end()
    }
}

/// The figures a fee row carries forward: `min_usd`, `max_usd`, `flat_usd` (those in use),
/// `from_line` (the row they come from) and `note`.
impl Serialize for Carried {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Carried {
            min,
            max,
            flat,
            from_line,
            note,
        } = self;
        let mut st = s.serialize_struct("Carried", 5)?;
        st.serialize_field("min_usd", &min.map(Money))?;
        st.serialize_field("max_usd", &max.map(Money))?;
        st.serialize_field("flat_usd", &flat.map(Money))?;
        st.serialize_field("from_line", from_line)?;
        st.serialize_field("note", note)?;
        st.end()
    }
}

/// An `mpf_exempt` row in the table's columns: `code`, `name` (the program), `applies_to`,
/// `effective_from`, `effective_to`, `source`, `note`, `line`.
impl Serialize for MpfExemptEntry {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let MpfExemptEntry {
            line,
            code,
            name,
            applies_to,
            from,
            to,
            source,
            note,
        } = self;
        let mut st = s.serialize_struct("MpfExemptEntry", 8)?;
        st.serialize_field("code", code)?;
        st.serialize_field("name", name)?;
        st.serialize_field("applies_to", applies_to)?;
        st.serialize_field("effective_from", from)?;
        st.serialize_field("effective_to", to)?;
        st.serialize_field("source", &text(source))?;
        st.serialize_field("note", &text(note))?;
        st.serialize_field("line", line)?;
        st.end()
    }
}

/// A measure row in the measures format's columns ([`MEASURE_COLUMNS`], as
/// [`MeasureRow::record`] writes them, blanks `null`), with the `table` and `line` it was
/// read from.
impl Serialize for MeasureRow {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("MeasureRow", MEASURE_COLUMNS.len() + 2)?;
        for (column, value) in MEASURE_COLUMNS.into_iter().zip(self.record()) {
            st.serialize_field(column, &text(&value))?;
        }
        let (table, line) = self.position();
        st.serialize_field("table", table)?;
        st.serialize_field("line", &line)?;
        st.end()
    }
}

/// `{"loaded_before", "entered_before"}`.
impl Serialize for Transit {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Transit {
            loaded_before,
            entered_before,
        } = self;
        let mut st = s.serialize_struct("Transit", 2)?;
        st.serialize_field("loaded_before", loaded_before)?;
        st.serialize_field("entered_before", entered_before)?;
        st.end()
    }
}

// ---------------------------------------------------------------------------------------------
// Rates and the reciprocal duty

/// `kind` (`applies`, `not_subject`, `not_in_force`) and the variant's fields: `rate_pct`,
/// `entry` and `rate_entry` (the partner's row and the row its rate is taken from); `entry`;
/// `first_from`.
impl Serialize for RateStatus<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            RateStatus::Applies {
                rate_pct,
                rate: _, // rate_pct as a fraction
                entry,
                rate_entry,
            } => {
                let mut st = s.serialize_struct("RateStatus", 4)?;
                st.serialize_field("kind", "applies")?;
                st.serialize_field("rate_pct", &Rate(*rate_pct))?;
                st.serialize_field("entry", entry)?;
                st.serialize_field("rate_entry", rate_entry)?;
                st.end()
            }
            RateStatus::NotSubject { entry } => {
                let mut st = s.serialize_struct("RateStatus", 2)?;
                st.serialize_field("kind", "not_subject")?;
                st.serialize_field("entry", entry)?;
                st.end()
            }
            RateStatus::NotInForce { first_from } => {
                let mut st = s.serialize_struct("RateStatus", 2)?;
                st.serialize_field("kind", "not_in_force")?;
                st.serialize_field("first_from", first_from)?;
                st.end()
            }
        }
    }
}

/// `partner`, `date`, `rate_pct` (0 when none applies), `source`
/// ([`PartnerRate::source`], `null` when none), `status` and `in_transit` (the row the entry
/// date alone would have used, when the in-transit rule applied).
impl Serialize for PartnerRate<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let PartnerRate {
            partner,
            date,
            status,
            in_transit,
        } = self;
        let mut st = s.serialize_struct("PartnerRate", 6)?;
        st.serialize_field("partner", partner)?;
        st.serialize_field("date", date)?;
        st.serialize_field("rate_pct", &Rate(self.rate_pct()))?;
        st.serialize_field("source", &text(self.source()))?;
        st.serialize_field("status", status)?;
        st.serialize_field("in_transit", in_transit)?;
        st.end()
    }
}

/// `kind` (the batch's `exemption` column: `annex2`, `memo`, `section232`, `category`,
/// `not_subject`, `in_transit`, `not_in_force`), `code` and `category` (of an exemption line,
/// or the category declared), `entry` (the exemption line, or the partner's rate row for
/// `not_subject` and `in_transit`) and `first_from` (for `not_in_force`), `null` where they
/// do not apply.
impl Serialize for Exemption<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (kind, code, category) = batch::format::exemption_parts(Some(*self));
        let mut st = s.serialize_struct("Exemption", 5)?;
        st.serialize_field("kind", kind)?;
        st.serialize_field("code", &code)?;
        st.serialize_field("category", &category)?;
        match self {
            Exemption::AnnexII(row) => st.serialize_field("entry", row)?,
            Exemption::NotSubject(row) | Exemption::InTransit(row) => {
                st.serialize_field("entry", row)?
            }
            Exemption::Category(_) | Exemption::Section232 | Exemption::NotInForce { .. } => {
                st.serialize_field("entry", &None::<()>)?
            }
        }
        let first_from = match self {
            Exemption::NotInForce { first_from } => *first_from,
            _ => None,
        };
        st.serialize_field("first_from", &first_from)?;
        st.end()
    }
}

/// `{"rate_pct", "base", "amount"}`.
impl Serialize for Charge {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Charge {
            rate_pct,
            base,
            amount,
        } = self;
        let mut st = s.serialize_struct("Charge", 3)?;
        st.serialize_field("rate_pct", &Rate(*rate_pct))?;
        st.serialize_field("base", &Money(*base))?;
        st.serialize_field("amount", &Money(*amount))?;
        st.end()
    }
}

/// The charge's `rate_pct`, `base` and `amount`; `basis` (the batch's `reciprocal_basis`:
/// `annex1`, `baseline`, ...; `null` when no rate applies); `exemption`, `exempt_code` and
/// `exempt_category` (the batch's columns: the exemption's kind, code and category, `null`
/// when not exempt); `exempt_entry` (the exemption line covering the code, or `null`);
/// `us_content_excluded`; `reason` ([`batch::reciprocal_reason`]); `source`
/// ([`ReciprocalDuty::source`]); and the `partner_rate`.
impl Serialize for ReciprocalDuty<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let ReciprocalDuty {
            charge,
            partner_rate,
            exemption,
            us_content_excluded,
        } = self;
        let (kind, code, category) = batch::format::exemption_parts(*exemption);
        let exempt_entry = match exemption {
            Some(Exemption::AnnexII(row)) => Some(*row),
            _ => None,
        };
        let mut st = s.serialize_struct("ReciprocalDuty", 12)?;
        st.serialize_field("rate_pct", &Rate(charge.rate_pct))?;
        st.serialize_field("base", &Money(charge.base))?;
        st.serialize_field("amount", &Money(charge.amount))?;
        st.serialize_field("basis", &text(batch::format::basis_of(partner_rate.status)))?;
        st.serialize_field("exemption", &text(kind))?;
        st.serialize_field("exempt_code", &code)?;
        st.serialize_field("exempt_category", &category)?;
        st.serialize_field("exempt_entry", &exempt_entry)?;
        st.serialize_field("us_content_excluded", us_content_excluded)?;
        st.serialize_field("reason", &batch::reciprocal_reason(self))?;
        st.serialize_field("source", self.source())?;
        st.serialize_field("partner_rate", partner_rate)?;
        st.end()
    }
}

// ---------------------------------------------------------------------------------------------
// Fees and measures

/// The charge's `rate_pct`, `base` and `amount`; `outcome` ([`FeeOutcome`]'s keyword);
/// `source` (the fee row's); `exemption` and `exemption_source` (the MPF exemption's program
/// and source) and `exemption_entry` (its row); `carried` ([`FeeCharge::carried_note`]); and
/// the fee row, `entry`; `null` where there is none.
///
/// [`FeeOutcome`]: crate::FeeOutcome
impl Serialize for FeeCharge<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let FeeCharge {
            charge,
            entry,
            outcome,
            exemption,
        } = self;
        let mut st = s.serialize_struct("FeeCharge", 10)?;
        st.serialize_field("rate_pct", &Rate(charge.rate_pct))?;
        st.serialize_field("base", &Money(charge.base))?;
        st.serialize_field("amount", &Money(charge.amount))?;
        st.serialize_field("outcome", outcome)?;
        st.serialize_field("source", &entry.map(|e| e.source()).and_then(text))?;
        st.serialize_field("exemption", &exemption.map(|x| x.name()))?;
        st.serialize_field(
            "exemption_source",
            &exemption.map(|x| x.source()).and_then(text),
        )?;
        st.serialize_field("exemption_entry", exemption)?;
        st.serialize_field("carried", &self.carried_note())?;
        st.serialize_field("entry", entry)?;
        st.end()
    }
}

/// `measure` (the name), `ieepa`, the charge's `rate_pct`, `base` and `amount`, `condition`
/// (the covering row's tokens joined by `;`), `heading` (of the row charged), `exclusion`
/// ([`MeasureDuty::exclusion`]), `in_transit`, `displaced_by`, `source`
/// ([`MeasureDuty::source`]), and the rows: `entry` (covering the goods) and `applied`
/// (charged); `null` where there is none.
impl Serialize for MeasureDuty<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let MeasureDuty {
            name,
            charge,
            entry,
            applied,
            in_transit,
            displaced_by,
            ieepa,
        } = self;
        let condition = entry.map(|r| r.condition().collect::<Vec<_>>().join(";"));
        let mut st = s.serialize_struct("MeasureDuty", 13)?;
        st.serialize_field("measure", name)?;
        st.serialize_field("ieepa", ieepa)?;
        st.serialize_field("rate_pct", &Rate(charge.rate_pct))?;
        st.serialize_field("base", &Money(charge.base))?;
        st.serialize_field("amount", &Money(charge.amount))?;
        st.serialize_field("condition", &condition)?;
        st.serialize_field("heading", &applied.and_then(|r| r.heading()))?;
        st.serialize_field("exclusion", &self.exclusion())?;
        st.serialize_field("in_transit", in_transit)?;
        st.serialize_field("displaced_by", displaced_by)?;
        st.serialize_field("source", self.source())?;
        st.serialize_field("entry", entry)?;
        st.serialize_field("applied", applied)?;
        st.end()
    }
}

/// The verdict in words, as `--explain` shows it (`"applies"`, `"condition usmca=yes not
/// declared"`, `"outranked by line 12"`, ...).
impl Serialize for Verdict {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// `measure`, `table` and `line` (the row considered) and the `verdict`.
impl Serialize for Considered<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Considered { row, verdict } = self;
        let (table, line) = row.position();
        let mut st = s.serialize_struct("Considered", 4)?;
        st.serialize_field("measure", row.measure())?;
        st.serialize_field("table", table)?;
        st.serialize_field("line", &line)?;
        st.serialize_field("verdict", verdict)?;
        st.end()
    }
}

/// The declared tokens, in order: `["claim=9903.03.05", "metal=steel"]`.
impl Serialize for Facts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// A list of `fact=value` tokens, each read as [`parse_tokens`] reads one (trimmed; a lower
/// case fact, a value without `;`).
impl<'de> Deserialize<'de> for Facts {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Facts, D::Error> {
        let tokens = Vec::<String>::deserialize(d)?;
        let mut facts = Facts::new();
        for t in &tokens {
            match parse_tokens(t).map_err(de::Error::custom)?.as_slice() {
                [one] => facts.declare(one),
                _ => {
                    return Err(de::Error::custom(format!(
                        "\"{}\" is not one fact=value token",
                        crate::text::for_message(t)
                    )))
                }
            }
        }
        Ok(facts)
    }
}

// ---------------------------------------------------------------------------------------------
// The landed cost

/// `date`, `customs_value`, `dutiable_value`, `mfn`, `reciprocal`, `measures`, `mpf`, `hmf`,
/// `freight`, `insurance`, `ieepa_duty`, `total_duty`, `total_fees`, `landed_cost`,
/// `effective_duty_rate_pct`.
impl Serialize for LandedCost<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let LandedCost {
            date,
            customs_value,
            dutiable_value,
            mfn,
            reciprocal,
            measures,
            mpf,
            hmf,
            freight,
            insurance,
            ieepa_duty,
            total_duty,
            total_fees,
            landed_cost,
            effective_duty_rate_pct,
        } = self;
        let mut st = s.serialize_struct("LandedCost", 15)?;
        st.serialize_field("date", date)?;
        st.serialize_field("customs_value", &Money(*customs_value))?;
        st.serialize_field("dutiable_value", &Money(*dutiable_value))?;
        st.serialize_field("mfn", mfn)?;
        st.serialize_field("reciprocal", reciprocal)?;
        st.serialize_field("measures", measures)?;
        st.serialize_field("mpf", mpf)?;
        st.serialize_field("hmf", hmf)?;
        st.serialize_field("freight", &Money(*freight))?;
        st.serialize_field("insurance", &Money(*insurance))?;
        st.serialize_field("ieepa_duty", &Money(*ieepa_duty))?;
        st.serialize_field("total_duty", &Money(*total_duty))?;
        st.serialize_field("total_fees", &Money(*total_fees))?;
        st.serialize_field("landed_cost", &Money(*landed_cost))?;
        st.serialize_field("effective_duty_rate_pct", &Rate(*effective_duty_rate_pct))?;
        st.end()
    }
}

// ---------------------------------------------------------------------------------------------
// Baskets, batches, the formula

/// `{"category", "value", "share"}`.
impl Serialize for CategoryTotal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let CategoryTotal {
            category,
            value,
            share,
        } = self;
        let mut st = s.serialize_struct("CategoryTotal", 3)?;
        st.serialize_field("category", category)?;
        st.serialize_field("value", &Money(*value))?;
        st.serialize_field("share", &Rate(*share))?;
        st.end()
    }
}

/// `partner_rate`, `total_value`, `exempt_value`, `exempt_share`, `dutiable_value`,
/// `by_category`, `reciprocal_rate_pct`, `reciprocal_duty`, `effective_rate_pct`.
impl Serialize for BasketReport<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let BasketReport {
            partner_rate,
            total_value,
            exempt_value,
            exempt_share,
            dutiable_value,
            by_category,
            reciprocal_rate_pct,
            reciprocal_duty,
            effective_rate_pct,
        } = self;
        let mut st = s.serialize_struct("BasketReport", 9)?;
        st.serialize_field("partner_rate", partner_rate)?;
        st.serialize_field("total_value", &Money(*total_value))?;
        st.serialize_field("exempt_value", &Money(*exempt_value))?;
        st.serialize_field("exempt_share", &Rate(*exempt_share))?;
        st.serialize_field("dutiable_value", &Money(*dutiable_value))?;
        st.serialize_field("by_category", by_category)?;
        st.serialize_field("reciprocal_rate_pct", &Rate(*reciprocal_rate_pct))?;
        st.serialize_field("reciprocal_duty", &Money(*reciprocal_duty))?;
        st.serialize_field("effective_rate_pct", &Rate(*effective_rate_pct))?;
        st.end()
    }
}

/// A basket being filled: `lines` (added so far) and the fields of its
/// [report](Basket::report) so far. A report that overflows is the serializer's error.
impl Serialize for Basket<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        struct Form<'a> {
            lines: u64,
            #[serde(flatten)]
            report: BasketReport<'a>,
        }
        let report = self.report().map_err(serde::ser::Error::custom)?;
        Form {
            lines: self.lines(),
            report,
        }
        .serialize(s)
    }
}

/// The counts `rows_read`, `priced`, `rejected`, `mpf_carried`, `cached` (numbers); the sums
/// `total_value`, `total_duty`, `total_fees`, `total_landed`, `total_reciprocal`,
/// `total_ieepa`, and `total_measures` (an object from each measure's name to its sum, in
/// the summary's order); `ignored_columns`; `stopped`.
impl Serialize for BatchSummary {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct ByName<'a>(&'a [(String, Decimal)]);
        impl Serialize for ByName<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(self.0.len()))?;
                for (name, sum) in self.0 {
                    m.serialize_entry(name, &Money(*sum))?;
                }
                m.end()
            }
        }
        let BatchSummary {
            rows_read,
            priced,
            rejected,
            total_value,
            total_duty,
            total_fees,
            total_landed,
            total_reciprocal,
            total_measures,
            total_ieepa,
            mpf_carried,
            cached,
            ignored_columns,
            stopped,
        } = self;
        let mut st = s.serialize_struct("BatchSummary", 14)?;
        st.serialize_field("rows_read", rows_read)?;
        st.serialize_field("priced", priced)?;
        st.serialize_field("rejected", rejected)?;
        st.serialize_field("total_value", &Money(*total_value))?;
        st.serialize_field("total_duty", &Money(*total_duty))?;
        st.serialize_field("total_fees", &Money(*total_fees))?;
        st.serialize_field("total_landed", &Money(*total_landed))?;
        st.serialize_field("total_reciprocal", &Money(*total_reciprocal))?;
        st.serialize_field("total_measures", &ByName(total_measures))?;
        st.serialize_field("total_ieepa", &Money(*total_ieepa))?;
        st.serialize_field("mpf_carried", mpf_carried)?;
        st.serialize_field("cached", cached)?;
        st.serialize_field("ignored_columns", ignored_columns)?;
        st.serialize_field("stopped", stopped)?;
        st.end()
    }
}

/// `imports` and `exports` as given (decimal strings), and the rates `deficit_ratio_pct`,
/// `charged_pct`, `reciprocal_pct`, `reciprocal_exact_half_pct`.
impl Serialize for TradeFormula {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let TradeFormula {
            imports,
            exports,
            deficit_ratio_pct,
            charged_pct,
            reciprocal_pct,
            reciprocal_exact_half_pct,
        } = self;
        let mut st = s.serialize_struct("TradeFormula", 6)?;
        st.serialize_field("imports", imports)?;
        st.serialize_field("exports", exports)?;
        st.serialize_field("deficit_ratio_pct", &Rate(*deficit_ratio_pct))?;
        st.serialize_field("charged_pct", &Rate(*charged_pct))?;
        st.serialize_field("reciprocal_pct", &Rate(*reciprocal_pct))?;
        st.serialize_field(
            "reciprocal_exact_half_pct",
            &Rate(*reciprocal_exact_half_pct),
        )?;
        st.end()
    }
}

// ---------------------------------------------------------------------------------------------
// The inputs, both ways

/// [`Goods`]: `"unspecified"`, `{"hts": "2709.00.20"}` or `{"category": "energy"}`.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(remote = "Goods", rename_all = "snake_case")]
enum GoodsForm {
    Unspecified,
    Hts(HtsCode),
    Category(Category),
}

impl Serialize for Goods {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        GoodsForm::serialize(self, s)
    }
}

impl<'de> Deserialize<'de> for Goods {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Goods, D::Error> {
        GoodsForm::deserialize(d)
    }
}

/// [`Shipment`]: its fields by name, amounts and rates as decimal strings (written as given,
/// not rounded). `origin` and `customs_value` are required; every other field may be left
/// out and is then what [`Shipment::new`] gives. `section232` reads a kind, a yes/no string
/// or a JSON boolean ([`Section232::from_field`]). Unknown fields are refused.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(remote = "Shipment", deny_unknown_fields)]
struct ShipmentForm {
    origin: CountryCode,
    customs_value: Decimal,
    #[serde(default)]
    goods: Goods,
    #[serde(default)]
    mfn_pct: Decimal,
    #[serde(default)]
    freight: Decimal,
    #[serde(default)]
    insurance: Decimal,
    #[serde(default)]
    mode: Option<TransportMode>,
    #[serde(default)]
    entry_date: Option<Date>,
    #[serde(default)]
    us_content: Decimal,
    #[serde(default, deserialize_with = "section232_field")]
    section232: Option<Section232>,
    #[serde(default)]
    entry_type: Option<EntryType>,
    #[serde(default)]
    loaded: Option<Date>,
    #[serde(default)]
    usmca: bool,
    #[serde(default)]
    transshipped: bool,
    #[serde(default)]
    energy: bool,
    #[serde(default)]
    potash: bool,
    #[serde(default)]
    mfn_general_pct: Option<Decimal>,
    #[serde(default)]
    facts: Facts,
}

impl Serialize for Shipment {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ShipmentForm::serialize(self, s)
    }
}

impl<'de> Deserialize<'de> for Shipment {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Shipment, D::Error> {
        ShipmentForm::deserialize(d)
    }
}

/// [`BasketLine`]: `{"goods", "value"}`, the goods optional (unspecified: dutiable).
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(remote = "BasketLine", deny_unknown_fields)]
struct BasketLineForm {
    #[serde(default)]
    goods: Goods,
    value: Decimal,
}

impl Serialize for BasketLine {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        BasketLineForm::serialize(self, s)
    }
}

impl<'de> Deserialize<'de> for BasketLine {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<BasketLine, D::Error> {
        BasketLineForm::deserialize(d)
    }
}

/// A `section232` field: `null`, a JSON boolean, or a string that
/// [`Section232::from_field`] reads (a kind, or a yes/no).
fn section232_field<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Section232>, D::Error> {
    struct Field;
    impl<'de> de::Visitor<'de> for Field {
        type Value = Option<Section232>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a Section 232 kind, a yes/no or a boolean")
        }
        fn visit_bool<E: de::Error>(self, yes: bool) -> Result<Self::Value, E> {
            Ok(yes.then_some(Section232::Unspecified))
        }
        fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
            Section232::from_field(text).map_err(E::custom)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            // A boolean only where the format says what it holds (JSON, ...); a compact
            // binary format holds the string that `Serialize` wrote.
            if d.is_human_readable() {
                d.deserialize_any(Field)
            } else {
                d.deserialize_str(Field)
            }
        }
    }
    d.deserialize_option(Field)
}
