//! The table parser: CSV text to validated rows, with positioned errors.

use std::borrow::Cow;
use std::str::FromStr;
use std::sync::Arc;

use rust_decimal::Decimal;

use crate::error::LoadErrorKind;
use crate::measure::Transit;
use crate::money::pct_to_fraction;
use crate::records::Records;
use crate::table::{
    basis_from_str, build_table, exempt_basis_from_str, fee_kind_from_str, ExemptEntry, FeeEntry,
    MpfApplies, MpfExemptEntry, RateEntry, RateTable,
};
use crate::{Category, CountryCode, Date, HtsCode, LoadError};

/// The table's columns, in the bundled file's order. `REQUIRED` must be in the header; the others may be left out (then
/// empty). Columns not named here are ignored, so a user may keep notes of their own.
pub const COLUMNS: [&str; 19] = [
    "kind",
    "code",
    "name",
    "rate_pct",
    "charged_pct",
    "chart_pct",
    "basis",
    "rate_of",
    "category",
    "applies_to",
    "min_usd",
    "max_usd",
    "flat_usd",
    "effective_from",
    "effective_to",
    "transit_loaded_before",
    "transit_entered_before",
    "source",
    "note",
];

const REQUIRED: [&str; 6] = [
    "kind",
    "code",
    "rate_pct",
    "basis",
    "effective_from",
    "source",
];

/// Highest reciprocal rate the loader accepts, in percent (the highest ever applied was 125).
const MAX_RATE_PCT: u32 = 200;
/// Highest chart percentage (the chart's figures are shares of imports).
const MAX_CHART_PCT: u32 = 100;
/// Highest ad valorem fee rate, in percent.
const MAX_FEE_PCT: u32 = 5;

struct Row<'r> {
    origin: &'r str,
    line: u64,
    rec: &'r [Cow<'r, str>],
    idx: &'r [Option<usize>; COLUMNS.len()],
}

impl<'r> Row<'r> {
    fn get(&self, col: usize) -> &'r str {
        self.idx[col]
            .and_then(|i| self.rec.get(i))
            .map(|f| trim(f))
            .unwrap_or("")
    }

    fn err(&self, col: usize, why: impl Into<String>) -> LoadError {
        LoadError::at(self.origin, self.line, COLUMNS[col], self.get(col), why)
    }

    fn required(&self, col: usize) -> Result<&'r str, LoadError> {
        let v = self.get(col);
        if v.is_empty() {
            Err(self.err(col, "required for this kind of row"))
        } else {
            Ok(v)
        }
    }

    fn empty(&self, col: usize, kind: &str) -> Result<(), LoadError> {
        if self.get(col).is_empty() {
            Ok(())
        } else {
            Err(self.err(col, format!("must be empty in a {kind} row")))
        }
    }

    fn decimal(&self, col: usize, max: u32) -> Result<Option<Decimal>, LoadError> {
        let v = self.get(col);
        if v.is_empty() {
            return Ok(None);
        }
        let d =
            crate::money::parse_decimal(v).ok_or_else(|| self.err(col, "not a decimal number"))?;
        if d.is_sign_negative() && !d.is_zero() {
            return Err(self.err(col, "must not be negative"));
        }
        if d > Decimal::from(max) {
            return Err(self.err(col, format!("outside the sane range 0 to {max}")));
        }
        Ok(Some(d))
    }

    fn money(&self, col: usize) -> Result<Option<Decimal>, LoadError> {
        self.decimal(col, 1_000_000)
    }

    fn date(&self, col: usize) -> Result<Option<Date>, LoadError> {
        let v = self.get(col);
        if v.is_empty() {
            return Ok(None);
        }
        Date::from_str(v)
            .map(Some)
            .map_err(|_| self.err(col, "not a date (YYYY-MM-DD)"))
    }

    fn transit(&self) -> Result<Transit, LoadError> {
        let loaded_before = self.date(C_LOADED)?;
        let entered_before = self.date(C_ENTERED)?;
        if loaded_before.is_none() && entered_before.is_some() {
            return Err(self.err(C_LOADED, "an entry deadline needs its loading date"));
        }
        if let (Some(l), Some(e)) = (loaded_before, entered_before) {
            if e < l {
                return Err(self.err(C_ENTERED, format!("is before transit_loaded_before {l}")));
            }
        }
        Ok(Transit {
            loaded_before,
            entered_before,
        })
    }

    /// A partner code: two letters, or `*` (all partners) as `None`.
    fn partner_code(&self, text: &str) -> Result<Option<CountryCode>, LoadError> {
        if text == "*" {
            return Ok(None);
        }
        CountryCode::new(text).map(Some).map_err(|_| {
            self.err(
                C_CODE,
                "a partner code is two letters (ISO alpha-2), or * for all others",
            )
        })
    }

    /// The period of a row that must have a start date.
    fn dated_period(&self) -> Result<(Date, Option<Date>), LoadError> {
        match self.period(true)? {
            (Some(from), to) => Ok((from, to)),
            (None, _) => Err(self.err(C_FROM, "required for this kind of row")),
        }
    }

    fn period(&self, from_required: bool) -> Result<(Option<Date>, Option<Date>), LoadError> {
        let from = if from_required {
            self.required(C_FROM)?;
            self.date(C_FROM)?
        } else {
            self.date(C_FROM)?
        };
        let to = self.date(C_TO)?;
        if let (Some(f), Some(t)) = (from, to) {
            if t <= f {
                return Err(self.err(C_TO, format!("must be after effective_from {f}")));
            }
        }
        Ok((from, to))
    }
}

const C_KIND: usize = 0;
const C_CODE: usize = 1;
const C_NAME: usize = 2;
const C_RATE: usize = 3;
const C_CHARGED: usize = 4;
const C_CHART: usize = 5;
const C_BASIS: usize = 6;
const C_RATE_OF: usize = 7;
const C_CATEGORY: usize = 8;
const C_APPLIES: usize = 9;
const C_MIN: usize = 10;
const C_MAX: usize = 11;
const C_FLAT: usize = 12;
const C_FROM: usize = 13;
const C_TO: usize = 14;
const C_LOADED: usize = 15;
const C_ENTERED: usize = 16;
const C_SOURCE: usize = 17;
const C_NOTE: usize = 18;

pub(crate) fn parse(text: &str, origin: &str) -> Result<RateTable, LoadError> {
    check_controls(text, origin)?;
    let mut records = Records::new(text);
    let mut header = Vec::new();
    records.next_into(&mut header);
    let mut idx: [Option<usize>; COLUMNS.len()] = [None; COLUMNS.len()];
    for (i, h) in header.iter().enumerate() {
        let h = h.trim().trim_start_matches('\u{feff}').trim();
        if let Some(c) = COLUMNS.iter().position(|&c| c.eq_ignore_ascii_case(h)) {
            if idx[c].is_some() {
                return Err(LoadError::at(
                    origin,
                    1,
                    COLUMNS[c],
                    h,
                    "column appears twice",
                ));
            }
            idx[c] = Some(i);
        }
    }
    for req in REQUIRED {
        if let Some(c) = COLUMNS.iter().position(|&c| c == req) {
            if idx[c].is_none() {
                return Err(LoadError {
                    column: Some(COLUMNS[c]),
                    ..LoadError::new(origin, 1, LoadErrorKind::MissingColumn)
                });
            }
        }
    }

    let mut rates = Vec::with_capacity(300);
    let mut exemptions = Vec::with_capacity(1100);
    let mut fees = Vec::new();
    let mut mpf_exemptions = Vec::new();
    let mut rec = Vec::with_capacity(header.len());
    let mut texts = Texts::default();
    while let Some(line) = records.next_into(&mut rec) {
        if rec.len() != header.len() {
            let fields = |n: usize| {
                if n == 1 {
                    "1 field".to_string()
                } else {
                    format!("{n} fields")
                }
            };
            return Err(LoadError::new(
                origin,
                line,
                LoadErrorKind::Csv(format!(
                    "found a record with {}, but the header has {}",
                    fields(rec.len()),
                    fields(header.len())
                )),
            ));
        }
        if rec.iter().all(|f| trim(f).is_empty()) {
            continue;
        }
        let row = Row {
            origin,
            line,
            rec: &rec,
            idx: &idx,
        };
        match row.get(C_KIND) {
            "rate" => rates.push(rate_row(&row, &mut texts)?),
            "exempt" => exemptions.push(exempt_row(&row, &mut texts)?),
            "fee" => fees.push(fee_row(&row, &mut texts)?),
            "program" => {
                return Err(row.err(
                    C_KIND,
                    "program rows are now measures: a measures table in the format of \
                     measures-enacted.csv (load it with --measures FILE)",
                ))
            }
            "mpf_exempt" => mpf_exemptions.push(mpf_exempt_row(&row, &mut texts)?),
            _ => return Err(row.err(C_KIND, "kind must be rate, exempt, fee or mpf_exempt")),
        }
    }
    build_table(origin, rates, exemptions, fees, mpf_exemptions)
}

/// Refuses a table whose text holds a control character other than tab and the line ends,
/// or a bidirectional control: the table's names and sources are shown on terminals.
fn check_controls(text: &str, origin: &str) -> Result<(), LoadError> {
    let suspect =
        |b: &u8| crate::text::may_start_escaped(*b) && !matches!(*b, b'\t' | b'\n' | b'\r');
    let Some(first) = text.as_bytes().iter().position(suspect) else {
        return Ok(());
    };
    let rest = text.get(first..).unwrap_or_default();
    let found = rest
        .char_indices()
        .find(|&(_, c)| !matches!(c, '\t' | '\n' | '\r') && crate::text::escaped(c));
    match found {
        None => Ok(()),
        Some((at, c)) => {
            let line = 1 + text.as_bytes()[..first + at]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64;
            Err(LoadError::new(
                origin,
                line,
                LoadErrorKind::Invalid(format!(
                    "a control character (U+{:04X}) in the table's text",
                    u32::from(c)
                )),
            ))
        }
    }
}

/// `s` without leading and trailing white space, as [`str::trim`], without its character
/// by character work when both ends are plainly not white space (most fields).
fn trim(s: &str) -> &str {
    let plain = |b: Option<&u8>| b.is_some_and(|&b| b > b' ' && b < 0x80);
    if plain(s.as_bytes().first()) && plain(s.as_bytes().last()) {
        s
    } else {
        s.trim()
    }
}

/// A percentage as a fraction (27 -> 0.27), exactly.
fn fraction(row: &Row<'_>, pct: Option<Decimal>) -> Result<Option<Decimal>, LoadError> {
    pct.map(|p| pct_to_fraction(p).map_err(|e| row.err(C_RATE, e.to_string())))
        .transpose()
}

/// The source and note of the row before, shared with the next row that repeats them (most
/// rows do: a thousand Annex II lines cite the same order).
#[derive(Default)]
struct Texts {
    source: Option<Arc<str>>,
    note: Option<Arc<str>>,
}

impl Texts {
    fn source(&mut self, row: &Row<'_>) -> Result<Arc<str>, LoadError> {
        let text = row
            .required(C_SOURCE)
            .map_err(|_| row.err(C_SOURCE, "every row needs its legal source"))?;
        Ok(shared(&mut self.source, text))
    }

    fn note(&mut self, row: &Row<'_>) -> Arc<str> {
        shared(&mut self.note, row.get(C_NOTE))
    }
}

fn shared(last: &mut Option<Arc<str>>, text: &str) -> Arc<str> {
    match last {
        Some(l) if **l == *text => Arc::clone(l),
        _ => Arc::clone(last.insert(Arc::from(text))),
    }
}

fn rate_row(row: &Row<'_>, texts: &mut Texts) -> Result<RateEntry, LoadError> {
    let code_text = row.required(C_CODE)?;
    let code = row.partner_code(code_text)?;
    let basis_text = row.required(C_BASIS)?;
    let basis = basis_from_str(basis_text).ok_or_else(|| {
        row.err(
            C_BASIS,
            "basis must be baseline, annex1, eu_member, china_sar, not_subject, floor_15, \
             floor_15_applied, transshipment, customs_territory or insular_possession",
        )
    })?;
    let rate_pct = row.decimal(C_RATE, MAX_RATE_PCT)?;
    let rate_of = match row.get(C_RATE_OF) {
        "" => None,
        s => Some(
            CountryCode::new(s).map_err(|_| row.err(C_RATE_OF, "a partner code is two letters"))?,
        ),
    };
    use crate::Basis::*;
    match basis {
        Baseline | AnnexI | Floor15 | Floor15Applied | Transshipment => {
            if basis == Transshipment && code.is_some() {
                return Err(row.err(C_CODE, "transshipment rows apply to every origin: use *"));
            }
            if rate_pct.is_none() {
                return Err(row.err(C_RATE, format!("a {basis} row needs its rate")));
            }
            row.empty(C_RATE_OF, basis.as_str())?;
        }
        EuMember | ChinaSar => {
            row.empty(C_RATE, basis.as_str())?;
            if rate_of.is_none() {
                return Err(row.err(
                    C_RATE_OF,
                    format!("a {basis} row names the partner whose rate it takes"),
                ));
            }
            if code.is_none() {
                return Err(row.err(C_CODE, "the * row cannot take another partner's rate"));
            }
        }
        NotSubject | CustomsTerritory | InsularPossession => {
            row.empty(C_RATE, basis.as_str())?;
            row.empty(C_RATE_OF, basis.as_str())?;
            if code.is_none() {
                return Err(row.err(C_CODE, format!("a {basis} row names its partner")));
            }
        }
    }
    for c in [C_CATEGORY, C_APPLIES, C_MIN, C_MAX, C_FLAT] {
        row.empty(c, "rate")?;
    }
    let (from, to) = row.dated_period()?;
    Ok(RateEntry {
        line: row.line,
        code,
        name: match row.get(C_NAME) {
            "" => code_text.to_string(),
            n => n.to_string(),
        },
        rate_pct,
        rate: fraction(row, rate_pct)?,
        charged_pct: row.decimal(C_CHARGED, MAX_CHART_PCT)?,
        chart_pct: row.decimal(C_CHART, MAX_CHART_PCT)?,
        basis,
        rate_of,
        from,
        to,
        transit: row.transit()?,
        source: texts.source(row)?,
        note: texts.note(row),
    })
}

fn exempt_row(row: &Row<'_>, texts: &mut Texts) -> Result<ExemptEntry, LoadError> {
    let code = HtsCode::from_str(row.required(C_CODE)?).map_err(|e| match e {
        crate::Error::InvalidHts { reason, .. } => {
            row.err(C_CODE, format!("not an HTS code: {reason}"))
        }
        e => row.err(C_CODE, e.to_string()),
    })?;
    let category = Category::from_str(row.required(C_CATEGORY)?).map_err(|_| {
        row.err(
            C_CATEGORY,
            "unknown category (energy, critical_minerals, pharmaceuticals, semiconductors, \
             lumber, copper, bullion, other)",
        )
    })?;
    let basis = exempt_basis_from_str(row.required(C_BASIS)?).ok_or_else(|| {
        row.err(
            C_BASIS,
            "an exempt row's basis is annex2, memo or section232",
        )
    })?;
    for c in [
        C_RATE, C_CHARGED, C_CHART, C_RATE_OF, C_APPLIES, C_MIN, C_MAX, C_FLAT, C_LOADED, C_ENTERED,
    ] {
        row.empty(c, "exempt")?;
    }
    let (from, to) = row.dated_period()?;
    Ok(ExemptEntry {
        line: row.line,
        code,
        description: row.get(C_NAME).to_string(),
        category,
        basis,
        from,
        to,
        source: texts.source(row)?,
        note: texts.note(row),
    })
}

fn fee_row(row: &Row<'_>, texts: &mut Texts) -> Result<FeeEntry, LoadError> {
    let kind = fee_kind_from_str(row.required(C_CODE)?).ok_or_else(|| {
        row.err(
            C_CODE,
            "a fee code is MPF, MPF_INFORMAL, MPF_INFORMAL_MANUAL, MPF_INFORMAL_CBP or HMF",
        )
    })?;
    // A flat fee has its amount (blank: not known, carried from the row before); an ad
    // valorem one its rate, and limits (blank: carried from the row before, if it has them).
    let (rate_pct, flat) = if kind.is_flat() {
        for c in [C_RATE, C_MIN, C_MAX] {
            row.empty(c, "flat fee")?;
        }
        (Decimal::ZERO, row.money(C_FLAT)?)
    } else {
        row.empty(C_FLAT, "ad valorem fee")?;
        match row.decimal(C_RATE, MAX_FEE_PCT)? {
            Some(rate) => (rate, None),
            None => return Err(row.err(C_RATE, "a fee row needs its rate")),
        }
    };
    let min = row.money(C_MIN)?;
    let max = row.money(C_MAX)?;
    if let (Some(lo), Some(hi)) = (min, max) {
        if lo > hi {
            return Err(row.err(C_MAX, format!("below min_usd {lo}")));
        }
    }
    for c in [
        C_CHARGED, C_CHART, C_RATE_OF, C_CATEGORY, C_BASIS, C_APPLIES, C_LOADED, C_ENTERED,
    ] {
        row.empty(c, "fee")?;
    }
    let (from, to) = row.period(false)?;
    Ok(FeeEntry {
        line: row.line,
        kind,
        name: row.get(C_NAME).to_string(),
        rate_pct,
        rate: fraction(row, Some(rate_pct))?.unwrap_or_default(),
        min,
        max,
        flat,
        from,
        to,
        source: texts.source(row)?,
        note: texts.note(row),
        carried: None,
    })
}

fn mpf_exempt_row(row: &Row<'_>, texts: &mut Texts) -> Result<MpfExemptEntry, LoadError> {
    let code = row
        .partner_code(row.required(C_CODE)?)?
        .ok_or_else(|| row.err(C_CODE, "an mpf_exempt row names its origin"))?;
    let applies_to = match MpfApplies::parse(row.required(C_APPLIES)?) {
        Some(c) => c,
        _ => {
            return Err(row.err(
                C_APPLIES,
                "an mpf_exempt row applies to all (goods of the origin, claimed or not) or \
                 usmca (goods entered with the USMCA claim)",
            ))
        }
    };
    for c in [
        C_RATE, C_CHARGED, C_CHART, C_BASIS, C_RATE_OF, C_CATEGORY, C_MIN, C_MAX, C_FLAT, C_LOADED,
        C_ENTERED,
    ] {
        row.empty(c, "mpf_exempt")?;
    }
    let (from, to) = row.period(false)?;
    Ok(MpfExemptEntry {
        line: row.line,
        code,
        name: row.get(C_NAME).to_string(),
        applies_to,
        from,
        to,
        source: texts.source(row)?,
        note: texts.note(row),
    })
}
