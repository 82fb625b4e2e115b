//! The batch's fast path for the landed-cost layout: the common row (a partner code, an
//! amount in cents, rates with up to four decimals, no in-transit or USMCA facts) priced in
//! integer cents and written straight into the output, with the partner's treatment on each
//! span of dates between two changes of the table computed once, by the general code, and
//! reused.
//!
//! It is a specialisation, not a second model: whatever it does not handle exactly (any other
//! input, any error other than an unknown partner, amounts beyond $10 trillion, a table rate
//! with more than four decimals) it hands back as [`Fast::Slow`], and the row goes through
//! [`price_fields`](super::price_fields) and [`format_record`](super::format_record). Its
//! output is byte for byte what that path writes; `tests/integration/fast_path.rs` and the
//! property tests hold it to that.

use std::collections::HashMap;
use std::str::FromStr;

use rust_decimal::Decimal;

use super::format::{
    basis_of, exemption_parts, needs_quotes, push_cents, push_pct_e4, push_text, ColumnSet, OutBuf,
    RowWriter,
};
use super::source::Fields;
use super::stream::{Columns, RowError};
use super::{plain_digits, yes_no, Field};
use crate::estimate::{reciprocal_source, Exemption};
use crate::measure::{Base, Facts, Line, RateKind};
use crate::money;
use crate::{
    CountryCode, Date, ExemptEntry, FeeEntry, FeeKind, HtsCode, RateStatus, RateTable,
    TransportMode,
};

/// What the fast path made of a row.
pub(super) enum Fast {
    /// Priced and written to the output.
    Priced,
    /// Rejected: the origin is not a partner the table knows.
    Rejected(RowError),
    /// Not handled here: price it with the general path.
    Slow,
}

/// One more than the largest customs value, freight or insurance the fast path takes, in
/// cents: the input cap, [`money::MAX_AMOUNT`] (USD 1 trillion); the general path rejects
/// what lies above it. Every product below stays far inside `i128`, every sum inside `i64`.
const MAX_CENTS: i64 = money::MAX_AMOUNT_CENTS + 1;

/// Highest MFN rate accepted (1000%), in ten-thousandths of a percent.
const MAX_MFN_E4: i64 = 10_000_000;

/// Origins spelled other than as an upper-case code that are remembered (memory stays flat
/// whatever the input holds).
const MAX_NAMES: usize = 4096;

/// Sums of the rows priced here, in cents. A sum beyond `i128` (some 10^21 rows of the
/// largest amounts) is not wrapped: `overflow` is set, and the batch reports it.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct CentSums {
    pub priced: u64,
    pub value: i128,
    pub duty: i128,
    pub fees: i128,
    pub landed: i128,
    pub reciprocal: i128,
    /// The duties of the [`NAMED_MEASURES`](super::NAMED_MEASURES), and whether a row had
    /// each.
    pub programs: [i128; 4],
    pub charged: [bool; 4],
    pub ieepa: i128,
    /// Rows whose fees used figures carried forward from an earlier row.
    pub carried: u64,
    pub overflow: bool,
}

/// The amounts of one priced row, in cents, for [`CentSums::add_row`].
pub(super) struct RowCents {
    pub value: i64,
    pub duty: i64,
    pub fees: i64,
    pub landed: i64,
    pub reciprocal: i64,
    pub programs: [Option<i64>; 4],
    pub ieepa: i64,
    pub carried: bool,
}

impl CentSums {
    /// Adds one row. No check is needed: every amount is an `i64`, so a sum of fewer than
    /// 2^64 rows (`priced` counts them) stays within 2^127; [`CentSums::merge`], which adds
    /// sums, checks.
    #[inline]
    pub(super) fn add_row(&mut self, row: &RowCents) {
        self.priced += 1;
        self.value += i128::from(row.value);
        self.duty += i128::from(row.duty);
        self.fees += i128::from(row.fees);
        self.landed += i128::from(row.landed);
        self.reciprocal += i128::from(row.reciprocal);
        for ((a, seen), b) in self
            .programs
            .iter_mut()
            .zip(&mut self.charged)
            .zip(row.programs)
        {
            if let Some(b) = b {
                *a += i128::from(b);
                *seen = true;
            }
        }
        self.ieepa += i128::from(row.ieepa);
        self.carried += u64::from(row.carried);
    }

    pub(super) fn merge(&mut self, o: &CentSums) {
        self.priced += o.priced;
        self.carried += o.carried;
        let mut add = |a: &mut i128, b: i128| match a.checked_add(b) {
            Some(v) => *a = v,
            None => self.overflow = true,
        };
        for (a, b) in [
            (&mut self.value, o.value),
            (&mut self.duty, o.duty),
            (&mut self.fees, o.fees),
            (&mut self.landed, o.landed),
            (&mut self.reciprocal, o.reciprocal),
            (&mut self.ieepa, o.ieepa),
        ] {
            add(a, b);
        }
        for (a, b) in self.programs.iter_mut().zip(o.programs) {
            add(a, b);
        }
        for (a, b) in self.charged.iter_mut().zip(o.charged) {
            *a |= b;
        }
        self.overflow |= o.overflow;
    }
}

/// A fee's rate and limits in integers.
#[derive(Debug, Clone, Copy)]
struct Fee {
    rate_e4: i64,
    min: Option<i64>,
    max: Option<i64>,
}

impl Fee {
    fn of(entry: &FeeEntry) -> Option<Fee> {
        let limit = |d: Option<Decimal>| match d {
            None => Some(None),
            Some(d) => cents_of(d).map(Some),
        };
        let (min, max, _) = entry.figures();
        Some(Fee {
            rate_e4: e4_of(entry.rate_pct())?,
            min: limit(min)?,
            max: limit(max)?,
        })
    }

    /// The fee on a value, as `ad_valorem_fee` computes it.
    fn on(self, cents: i64) -> i64 {
        let raw = round_div(i128::from(cents) * i128::from(self.rate_e4), 1_000_000);
        match (self.min, self.max) {
            (Some(min), _) if raw < min => min,
            (_, Some(max)) if raw > max => max,
            _ => raw,
        }
    }
}

/// A partner's treatment on a span of dates over which no row of the table starts or ends.
#[derive(Debug)]
struct Treatment<'t> {
    status: RateStatus<'t>,
    /// The reciprocal rate when one applies, and as the output writes it.
    rate_e4: i64,
    rate_text: Vec<u8>,
    /// True when the rate is a 15% floor (the additional duty is 15% less the MFN rate).
    floor: bool,
    /// The origin and name columns: the partner's code, a comma and its name, quoted.
    code_name: Vec<u8>,
    /// The source column when the partner's status alone decides the treatment (a rate
    /// applies and the goods are not exempt, or the partner is not subject, or no rate is in
    /// force), quoted.
    source: Vec<u8>,
    /// The source column followed by the eight empty program columns, for a partner without
    /// programs.
    source_no_programs: Vec<u8>,
    basis: &'static str,
    /// The basis column followed by the three empty exemption columns.
    basis_no_exemption: Vec<u8>,
    /// The rate of each of the [`NAMED_MEASURES`](super::NAMED_MEASURES) with a row for the
    /// partner on these dates, and whether it is IEEPA.
    programs: [Option<(i64, bool)>; 4],
    /// True when the partner's goods pay no MPF whatever their claim (19 U.S.C. 58c(b)).
    mpf_exempt: bool,
    mpf: Option<Fee>,
    /// The flat MPF of an informal entry (0 when the table has no informal fee rows; `None`
    /// when it has some but none for these dates: the general path names the error).
    mpf_informal: Option<i64>,
    /// Whether the formal and informal MPF figures are carried from an earlier row.
    mpf_carried: [bool; 2],
    /// The MPF's minimum and maximum as the output writes them (most entries pay one).
    mpf_limits: [(i64, Vec<u8>); 2],
    hmf: Option<Fee>,
}

impl<'t> Treatment<'t> {
    /// The treatment on `date`, from the general lookups; `None` when any rate does not fit
    /// the fast path.
    fn build(table: &'t RateTable, code: CountryCode, date: Date) -> Option<Treatment<'t>> {
        let pr = table.reciprocal_with(code, Some(date), None, false).ok()?;
        if pr.in_transit.is_some() {
            return None;
        }
        let (rate_e4, floor) = match pr.status {
            RateStatus::Applies {
                rate_pct,
                rate_entry,
                ..
            } => (e4_of(rate_pct)?, rate_entry.basis().is_floor()),
            _ => (0, false),
        };
        // The measures, when their rows depend on nothing but the partner and the date
        // (else the general path prices the row); chosen by the one rule of `measure`.
        let measures = table.measures();
        let rows = measures.candidates(code, date);
        let mut programs = [None; 4];
        if !rows.is_empty() {
            if !measures.fixed(&rows) {
                return None;
            }
            let facts = Facts::new();
            let line = Line {
                origin: code,
                hts: None,
                date,
                loaded: None,
                facts: &facts,
            };
            let mut outcomes = Vec::new();
            measures
                .outcomes(&rows, &line, &mut || Ok(false), None, &mut outcomes)
                .ok()?;
            for o in &outcomes {
                let slot = super::NAMED_MEASURES
                    .iter()
                    .position(|(m, _)| *m == measures.name(o.measure))?;
                let rate = match (o.applied, o.displaced_by) {
                    (Some(r), None) => {
                        if !matches!(r.rate_kind(), RateKind::Additional | RateKind::InLieu)
                            || r.base() != Base::FullValue
                        {
                            return None;
                        }
                        e4_of(r.rate_pct()?)?
                    }
                    _ => 0,
                };
                programs[slot] = Some((rate, o.ieepa));
            }
        }
        let fee = |kind| match table.fee(kind, Some(date)) {
            None => Some(None),
            Some(f) => Fee::of(f).map(Some),
        };
        let mut code_name = Vec::with_capacity(32);
        code_name.extend_from_slice(code.as_bytes());
        code_name.push(b',');
        push_text(&mut code_name, pr.partner.name());
        let mut source = Vec::new();
        push_text(
            &mut source,
            reciprocal_source(status_exemption(pr.status), pr.status),
        );
        let mut rate_text = Vec::with_capacity(8);
        push_pct_e4(&mut rate_text, rate_e4.unsigned_abs());
        let mpf = fee(FeeKind::Mpf)?;
        let mpf_informal = match table.fee(FeeKind::MpfInformal, Some(date)) {
            Some(f) => match f.figures().2 {
                Some(flat) => Some(cents_of(flat)?),
                None => Some(0),
            },
            None if table.has_fee(FeeKind::MpfInformal) => None,
            None => Some(0),
        };
        let carried = |kind| {
            table
                .fee(kind, Some(date))
                .is_some_and(|f| f.carried().is_some())
        };
        let mpf_carried = [
            carried(FeeKind::Mpf),
            // A blank informal amount with none before it charges nothing, carries nothing.
            mpf_informal.is_some_and(|m| m > 0) && carried(FeeKind::MpfInformal),
        ];
        let limit = |l: Option<i64>| {
            let mut text = Vec::new();
            if let Some(cents) = l {
                push_cents(&mut text, cents);
            }
            (l.unwrap_or(-1), text)
        };
        let mpf_limits = [
            limit(mpf.and_then(|f| f.min)),
            limit(mpf.and_then(|f| f.max)),
        ];
        let source_no_programs = [&source[..], b",,,,,,,,"].concat();
        let basis = basis_of(pr.status);
        Some(Treatment {
            source,
            source_no_programs,
            status: pr.status,
            rate_e4,
            rate_text,
            floor,
            code_name,
            basis,
            basis_no_exemption: [basis.as_bytes(), b",,,"].concat(),
            programs,
            mpf_exempt: table.mpf_exemption(code, date, false).is_some(),
            mpf,
            mpf_informal,
            mpf_carried,
            mpf_limits,
            hmf: fee(FeeKind::Hmf)?,
        })
    }
}

/// What an origin's text resolves to.
#[derive(Debug, Clone)]
enum Origin {
    Unseen,
    Code(CountryCode),
    Unknown(Box<str>),
}

/// The fast path's state for one batch (one per worker thread): the column positions, the
/// dates at which the table changes, and what has been resolved so far.
pub(super) struct FastPricer<'t> {
    table: &'t RateTable,
    cols: [Option<usize>; Field::ALL.len()],
    /// The input's columns for facts the fast path leaves to the general one when given
    /// (category, entry type, loaded, MFN general) or when yes (USMCA, transshipped,
    /// energy, potash).
    leave_if_given: Vec<usize>,
    leave_if_yes: Vec<usize>,
    /// Every date on which a rate, program or fee row starts or ends, sorted (as
    /// [`date_key`]s).
    bounds: Vec<u32>,
    /// The span of dates each [`date_key`] from `span_base` falls in, for the years around
    /// the bounds (other dates search `bounds`).
    spans: Vec<u16>,
    span_base: u32,
    /// For each partner code and span of dates between two bounds: 0 before first use, else
    /// 1 + the index of its treatment in `treatments`.
    slots: Vec<u32>,
    /// The treatments computed so far; `None` where the fast path does not apply.
    treatments: Vec<Option<Treatment<'t>>>,
    /// Upper-case two-letter codes, by index.
    codes: Vec<Origin>,
    /// Other spellings (names, lower case, alpha-3).
    names: HashMap<Box<[u8]>, Origin>,
    /// Bytes a line is given to be written in, grown when one is longer.
    room: usize,
    /// The output columns written.
    columns: ColumnSet,
}

/// The fields of a row the fast path handles.
struct Row<'r> {
    /// Valid UTF-8.
    id: &'r [u8],
    /// True when the id is written as it is, without quotes.
    id_plain: bool,
    code: CountryCode,
    cents: i64,
    hts: Option<HtsCode>,
    mfn_e4: i64,
    freight: i64,
    insurance: i64,
    /// The customs value, MFN rate, freight and insurance as given, where the output
    /// writes them the same (empty where it does not): copied, not formatted again.
    texts: [&'r [u8]; 4],
    ocean: bool,
    date: Date,
    us_e4: i64,
    section232: bool,
}

impl<'t> FastPricer<'t> {
    pub(super) fn new(table: &'t RateTable, cols: &Columns, columns: ColumnSet) -> FastPricer<'t> {
        let mut bounds = Vec::new();
        for r in table.rates() {
            bounds.push(r.effective_from());
            bounds.extend(r.effective_to());
        }
        bounds.extend(table.measures().bounds());
        for f in table.fees() {
            bounds.extend(f.effective_from());
            bounds.extend(f.effective_to());
        }
        for e in table.mpf_exemptions() {
            bounds.extend(e.effective_from());
            bounds.extend(e.effective_to());
        }
        let mut bounds: Vec<u32> = bounds.into_iter().map(date_key).collect();
        bounds.sort_unstable();
        bounds.dedup();
        // From a year before the first bound to a year after the last, at most 32 years
        // (32 KiB), looked up directly.
        let (first, last) = (
            bounds.first().map_or(0, |&b| b >> 9),
            bounds.last().map_or(0, |&b| b >> 9),
        );
        let span_base = first.saturating_sub(1) << 9;
        let span_end = (last + 2).min(first + 31) << 9;
        let spans = (span_base..span_end)
            .map(|key| u16::try_from(bounds.partition_point(|&b| b <= key)).unwrap_or(u16::MAX))
            .collect();
        // The input's columns among some fields.
        let present = |fields: &[Field]| -> Vec<usize> {
            fields.iter().filter_map(|&f| cols.0[f as usize]).collect()
        };
        FastPricer {
            table,
            spans,
            span_base,
            cols: cols.0,
            leave_if_given: present(&[
                Field::Category,
                Field::EntryType,
                Field::Loaded,
                Field::MfnGeneral,
            ]),
            leave_if_yes: present(&[
                Field::Usmca,
                Field::Transshipped,
                Field::Energy,
                Field::Potash,
            ]),
            // Zeroed memory: pages never touched cost nothing.
            slots: vec![0; 26 * 26 * (bounds.len() + 1)],
            bounds,
            treatments: Vec::new(),
            codes: vec![Origin::Unseen; 26 * 26],
            names: HashMap::new(),
            room: 1024,
            columns,
        }
    }

    /// The bytes of a field, empty when the column is absent.
    #[inline(always)]
    fn field<'r>(&self, rec: &'r impl Fields, f: Field) -> &'r [u8] {
        self.cols[f as usize]
            .and_then(|i| rec.field(i))
            .unwrap_or(b"")
    }

    /// Prices one record into `out` if it can; on [`Fast::Slow`] `out` is as it was.
    pub(super) fn price(
        &mut self,
        rec: &impl Fields,
        out: &mut OutBuf,
        sums: &mut CentSums,
    ) -> Fast {
        // Text is checked as UTF-8 field by field where it is used as text (the id, names,
        // codes, dates, modes); numbers take ASCII digits only. A field the general path
        // would reject as not UTF-8 is therefore never accepted here.
        let origin = self.field(rec, Field::Origin);
        let code = match self.origin(origin) {
            Ok(Some(code)) => code,
            Ok(None) => return Fast::Slow,
            // The general path reports a field that is not UTF-8 before the origin.
            Err(_) if !self.all_text(rec) => return Fast::Slow,
            Err(reason) => {
                return Fast::Rejected(RowError {
                    line: rec.line(),
                    id: String::from_utf8_lossy(self.field(rec, Field::Id)).into_owned(),
                    column: Some(Field::Origin.name()),
                    value: String::from_utf8_lossy(origin).into_owned(),
                    reason,
                })
            }
        };
        let Some(row) = self.row(rec, code) else {
            return Fast::Slow;
        };
        let start = out.len();
        match self.write(&row, out, sums) {
            Some(()) => Fast::Priced,
            None => {
                out.truncate(start);
                Fast::Slow
            }
        }
    }

    /// True when every field the batch reads is valid UTF-8.
    fn all_text(&self, rec: &impl Fields) -> bool {
        rec.is_ascii()
            || Field::ALL
                .iter()
                .all(|&f| std::str::from_utf8(self.field(rec, f)).is_ok())
    }

    /// The partner code of an origin's text; `Ok(None)` when the general path should look
    /// at it (a blank or padded field); `Err` with the reason when no partner has it.
    fn origin(&mut self, text: &[u8]) -> Result<Option<CountryCode>, String> {
        let slot = match text {
            [a @ b'A'..=b'Z', b @ b'A'..=b'Z'] => {
                &mut self.codes[usize::from(a - b'A') * 26 + usize::from(b - b'A')]
            }
            [] => return Ok(None),
            [first, .., last] if first.is_ascii_whitespace() || last.is_ascii_whitespace() => {
                return Ok(None)
            }
            _ => {
                if !self.names.contains_key(text) {
                    if self.names.len() >= MAX_NAMES {
                        return Ok(None);
                    }
                    self.names.insert(text.into(), Origin::Unseen);
                }
                match self.names.get_mut(text) {
                    Some(slot) => slot,
                    None => return Ok(None),
                }
            }
        };
        if let Origin::Unseen = slot {
            let Ok(t) = std::str::from_utf8(text) else {
                return Ok(None);
            };
            *slot = match self.table.partner(t) {
                Ok(p) => Origin::Code(p.code()),
                Err(e) => Origin::Unknown(e.to_string().into()),
            };
        }
        match slot {
            Origin::Code(c) => Ok(Some(*c)),
            Origin::Unknown(reason) => Err(reason.to_string()),
            Origin::Unseen => Ok(None),
        }
    }

    /// The row's fields, when every one is in the form the fast path takes.
    fn row<'r, R: Fields>(&self, rec: &'r R, code: CountryCode) -> Option<Row<'r>> {
        // Inputs the fast path leaves to the general one when given (only the columns the
        // input has are looked at).
        for &i in &self.leave_if_given {
            if !rec.field(i).unwrap_or(b"").is_empty() {
                return None;
            }
        }
        for &i in &self.leave_if_yes {
            if flag(rec.field(i).unwrap_or(b""))? {
                return None;
            }
        }
        let text = |f: Field| std::str::from_utf8(self.field(rec, f)).ok();
        let hts = match self.field(rec, Field::Hts) {
            b"" => None,
            b => Some(HtsCode::from_ascii(b).ok()?),
        };
        let date = match self.field(rec, Field::Date) {
            b"" => self.table.reference_date()?,
            b => Date::from_ascii(b)?,
        };
        let ocean = match self.field(rec, Field::Mode) {
            b"" | b"air" | b"land" => false,
            b"ocean" => true,
            _ => TransportMode::from_str(text(Field::Mode)?).ok()? == TransportMode::Ocean,
        };
        let (mfn_e4, mfn_text) = number(self.field(rec, Field::Mfn), 4, is_written_e4)?;
        let (us_e4, _) = number(self.field(rec, Field::UsContent), 4, |_| false)?;
        if mfn_e4 > MAX_MFN_E4 || us_e4 > 10_000 {
            return None;
        }
        let value = self.field(rec, Field::Value);
        if value.is_empty() {
            return None;
        }
        let (cents, value_text) = number(value, 2, is_written_cents)?;
        let (freight, freight_text) = number(self.field(rec, Field::Freight), 2, is_written_cents)?;
        let (insurance, insurance_text) =
            number(self.field(rec, Field::Insurance), 2, is_written_cents)?;
        let id = self.field(rec, Field::Id);
        if !id.is_ascii() && std::str::from_utf8(id).is_err() {
            return None;
        }
        Some(Row {
            id,
            id_plain: R::PLAIN || !needs_quotes(id),
            code,
            cents,
            hts,
            mfn_e4,
            freight,
            insurance,
            texts: [value_text, mfn_text, freight_text, insurance_text],
            ocean,
            date,
            us_e4,
            section232: flag(self.field(rec, Field::Section232))?,
        })
    }

    /// The treatment of a partner on a date, computed on first use of its span of dates.
    fn treatment(&mut self, code: CountryCode, date: Date) -> Option<&Treatment<'t>> {
        let key = date_key(date);
        let span = match key
            .checked_sub(self.span_base)
            .and_then(|i| self.spans.get(i as usize))
        {
            Some(&s) if s != u16::MAX => usize::from(s),
            _ => self.bounds.partition_point(|&b| b <= key),
        };
        let slot = code.index() * (self.bounds.len() + 1) + span;
        let index = match self.slots.get(slot).copied()? {
            0 => {
                self.treatments
                    .push(Treatment::build(self.table, code, date));
                let index = self.treatments.len() - 1;
                *self.slots.get_mut(slot)? = u32::try_from(index + 1).ok()?;
                index
            }
            n => n as usize - 1,
        };
        self.treatments.get(index)?.as_ref()
    }

    /// Computes the row as `landed_cost` does and writes it as `format_record` does, for the
    /// landed-cost layout; `None` where the general path must decide.
    fn write(&mut self, r: &Row<'_>, out: &mut OutBuf, sums: &mut CentSums) -> Option<()> {
        let (table, columns, mut room) = (self.table, self.columns, self.room);
        let t = self.treatment(r.code, r.date)?;
        let cents = i128::from(r.cents);

        // The goods' exemption row, looked up once, when needed.
        let mut goods: Option<Result<Option<&ExemptEntry>, ()>> = None;
        let mut goods_exemption = || -> Result<Option<&ExemptEntry>, ()> {
            *goods.get_or_insert_with(|| match r.hts {
                Some(h) => table.exemption(h, Some(r.date)).map_err(|_| ()),
                None => Ok(None),
            })
        };
        // The precedence of `exemption_for`: no rate in force, not subject, Section 232,
        // an exemption row.
        let (exemption, by_status) = match status_exemption(t.status) {
            Some(e) => (Some(e), true),
            None if r.section232 => (Some(Exemption::Section232), false),
            None => match goods_exemption().ok()? {
                Some(row) => (Some(Exemption::AnnexII(row)), false),
                None => (None, true),
            },
        };
        let recip_e4 = match (exemption, t.status) {
            (None, RateStatus::Applies { .. }) if t.floor => (t.rate_e4 - r.mfn_e4).max(0),
            (None, RateStatus::Applies { .. }) => t.rate_e4,
            _ => 0,
        };
        // The reciprocal base: the customs value less US content of 20% or more.
        // In ten-thousandths of a cent, so that every division below is by a constant.
        let base_e4 = if r.us_e4 >= 2_000 {
            cents * i128::from(10_000 - r.us_e4)
        } else {
            cents * 10_000
        };
        let recip_base = round_div(base_e4, 10_000);
        let recip = round_div(base_e4 * i128::from(recip_e4), 10_000_000_000);
        let mfn = round_div(cents * i128::from(r.mfn_e4), 1_000_000);

        let mut program_cells = [None; 4];
        let (mut total_duty, mut ieepa) = (mfn + recip, recip);
        for (cell, slot) in program_cells.iter_mut().zip(t.programs) {
            let Some((rate_e4, is_ieepa)) = slot else {
                continue;
            };
            let amount = round_div(cents * i128::from(rate_e4), 1_000_000);
            *cell = Some((rate_e4, amount));
            total_duty += amount;
            if is_ieepa {
                ieepa += amount;
            }
        }
        let formal = r.cents > 250_000;
        let mpf = if t.mpf_exempt {
            0
        } else if formal {
            t.mpf?.on(r.cents)
        } else {
            t.mpf_informal?
        };
        let carried = !t.mpf_exempt && t.mpf_carried[usize::from(!formal)];
        let hmf = if r.ocean { t.hmf?.on(r.cents) } else { 0 };
        let fees = mpf + hmf;
        let landed = r.cents + total_duty + fees + r.freight + r.insurance;
        let effective = if r.cents == 0 {
            0
        } else {
            round_div(i128::from(total_duty) * 1_000_000, r.cents.unsigned_abs())
        };

        let (name, code, category) = exemption_parts(exemption);
        let priced = Priced {
            r,
            t,
            mfn,
            recip_e4,
            recip_base,
            recip,
            name,
            code,
            category: category.map_or("", |c| c.as_str()),
            amounts: [mpf, hmf, r.freight, r.insurance, total_duty, fees, landed],
            effective,
            source: if by_status {
                Source::Treatment
            } else {
                Source::Text(reciprocal_source(exemption, t.status).as_bytes())
            },
            program_cells,
            ieepa,
        };
        // Written in place after the output so far, given more room and written again if
        // it did not fit.
        loop {
            let tail = out.spare(room);
            let (len, fits) = if columns == ColumnSet::ALL {
                let mut w = RowWriter::new(tail);
                priced.write(&mut w);
                (w.len(), w.fits())
            } else {
                let mut w = RowWriter::with_columns(tail, columns);
                priced.write(&mut w);
                (w.len(), w.fits())
            };
            if fits {
                out.advance(len);
                break;
            }
            room = len;
        }
        self.room = room;

        let mut programs = [None; 4];
        for (p, cell) in programs.iter_mut().zip(program_cells) {
            *p = cell.map(|(_, a)| a);
        }
        sums.add_row(&RowCents {
            value: r.cents,
            duty: total_duty,
            fees,
            landed,
            reciprocal: recip,
            programs,
            ieepa,
            carried,
        });
        Some(())
    }
}

/// The source column of a row: the treatment's (written as it was quoted when the
/// treatment was built), or a text to quote.
#[derive(Clone, Copy)]
enum Source<'a> {
    Treatment,
    Text(&'a [u8]),
}

/// A row priced by the fast path, ready to be written.
struct Priced<'a, 't> {
    r: &'a Row<'a>,
    t: &'a Treatment<'t>,
    mfn: i64,
    recip_e4: i64,
    recip_base: i64,
    recip: i64,
    name: &'static str,
    code: Option<HtsCode>,
    category: &'static str,
    /// MPF, HMF, freight, insurance, total duty, total fees, landed cost.
    amounts: [i64; 7],
    effective: i64,
    source: Source<'a>,
    /// Each program's rate and duty, when the partner has a row for it.
    program_cells: [Option<(i64, i64)>; 4],
    ieepa: i64,
}

impl Priced<'_, '_> {
    /// Writes the row's line, in the columns of the landed-cost layout, as `format_record`
    /// does. Generic over the writer's column choice, so that the full row is written
    /// without testing each column.
    #[inline(always)]
    fn write<const ALL: bool>(&self, w: &mut RowWriter<'_, ALL>) {
        let (r, t) = (self.r, self.t);
        if w.col() {
            if r.id_plain {
                w.raw(r.id);
            } else {
                w.text(r.id);
            }
        }
        // The partner's code and name (the treatment is the code's).
        if ALL {
            w.col();
            w.raw(&t.code_name);
            w.skip(1);
        } else {
            if w.col() {
                w.raw(r.code.as_bytes());
            }
            if w.col() {
                // The name after "XX,".
                w.raw(t.code_name.get(3..).unwrap_or_default());
            }
        }
        if w.col() {
            w.date(r.date);
        }
        if w.col() {
            if let Some(h) = r.hts {
                w.hts(h);
            }
        }
        // Amounts that often equal one written before (the reciprocal base and the customs
        // value, total fees and MPF, IEEPA duty and reciprocal duty) are copied from it.
        let [value_text, mfn_text, freight_text, insurance_text] = r.texts;
        let mut value = None;
        if w.col() {
            value = Some(w.cents_as(r.cents, value_text));
        }
        if w.col() {
            if mfn_text.is_empty() {
                w.e4(r.mfn_e4.unsigned_abs());
            } else {
                w.raw(mfn_text);
            }
        }
        if w.col() {
            w.cents(self.mfn);
        }
        if w.col() {
            if self.recip_e4 == t.rate_e4 {
                w.raw(&t.rate_text);
            } else {
                w.e4(self.recip_e4.unsigned_abs());
            }
        }
        if w.col() {
            w.cents_again(self.recip_base, value);
        }
        let mut recip = None;
        if w.col() {
            recip = Some(w.cents_at(self.recip));
        }
        if ALL && self.name.is_empty() && self.code.is_none() && self.category.is_empty() {
            // No exemption: the basis and three empty columns.
            w.col();
            w.raw(&t.basis_no_exemption);
            w.skip(3);
        } else {
            if w.col() {
                w.raw(t.basis.as_bytes());
            }
            if w.col() {
                w.raw(self.name.as_bytes());
            }
            if w.col() {
                if let Some(code) = self.code {
                    w.hts(code);
                }
            }
            if w.col() {
                w.raw(self.category.as_bytes());
            }
        }
        let mut mpf = None;
        for (i, amount) in self.amounts.into_iter().enumerate() {
            if w.col() {
                match i {
                    0 => {
                        let as_limit = t.mpf_limits.iter().find(|(l, _)| *l == amount);
                        let text = as_limit.map_or(&[][..], |(_, text)| text);
                        mpf = Some(w.cents_as(amount, text));
                    }
                    2 => _ = w.cents_as(amount, freight_text),
                    3 => _ = w.cents_as(amount, insurance_text),
                    5 => w.cents_again(amount, mpf),
                    _ => w.cents(amount),
                }
            }
        }
        if w.col() {
            w.e4(self.effective.unsigned_abs());
        }
        let no_programs = ALL && self.program_cells == [None; 4];
        if no_programs && matches!(self.source, Source::Treatment) {
            // The treatment's source and eight empty program columns.
            w.col();
            w.raw(&t.source_no_programs);
            w.skip(8);
        } else {
            if w.col() {
                match self.source {
                    Source::Treatment => w.raw(&t.source),
                    Source::Text(b) => w.text(b),
                }
            }
            if no_programs {
                // Eight empty columns.
                w.raw(b",,,,,,,,");
                w.skip(8);
            } else {
                self.write_programs(w);
            }
        }
        if w.col() {
            w.cents_again(self.ieepa, recip);
        }
        w.byte(b'\n');
    }

    /// The rate and duty columns of the four programs.
    #[inline(always)]
    fn write_programs<const ALL: bool>(&self, w: &mut RowWriter<'_, ALL>) {
        for cell in self.program_cells {
            if w.col() {
                if let Some((e4, _)) = cell {
                    w.e4(e4.unsigned_abs());
                }
            }
            if w.col() {
                if let Some((_, amount)) = cell {
                    w.cents(amount);
                }
            }
        }
    }
}

/// A date as an integer that orders as the date does.
fn date_key(d: Date) -> u32 {
    u32::from(d.year()) << 9 | u32::from(d.month()) << 5 | u32::from(d.day())
}

/// The exemption a partner's status alone gives (no rate in force, or not subject), with the
/// in-transit rule out of play.
fn status_exemption(status: RateStatus<'_>) -> Option<Exemption<'_>> {
    match status {
        RateStatus::NotInForce { first_from } => Some(Exemption::NotInForce { first_from }),
        RateStatus::NotSubject { entry } => Some(Exemption::NotSubject(entry)),
        RateStatus::Applies { .. } => None,
    }
}

/// `n / d` for `n >= 0`, `d > 0`, with the crate's rounding ([`money::div_round`]): in 64
/// bits when `n` fits (with a constant `d`, once inlined, a multiplication). Every result of
/// the fast path fits in `i64`.
#[inline(always)]
fn round_div(n: i128, d: u64) -> i64 {
    let n = n.unsigned_abs();
    match u64::try_from(n) {
        Ok(n) => money::div_round_u64(n, d) as i64,
        Err(_) => money::div_round(n, u128::from(d)) as i64,
    }
}

/// A plain non-negative decimal (digits and at most one point, as the general path's own
/// fast parser takes them) with at most `scale` decimals, times `10^scale`; `None` for
/// anything else or beyond [`MAX_CENTS`].
fn parse_scaled(b: &[u8], scale: u32) -> Option<i64> {
    let (m, decimals) = plain_digits(b)?;
    if decimals > scale {
        return None;
    }
    let v = m.checked_mul(pow10(scale - decimals)?)?;
    (v < MAX_CENTS).then_some(v)
}

/// 10^n for the scales the fast path uses (n at most 4).
fn pow10(n: u32) -> Option<i64> {
    [1, 10, 100, 1_000, 10_000].get(n as usize).copied()
}

/// A number field as [`parse_scaled`] reads it (`0` when empty), and the field itself when
/// `written` says the output writes that number the same way (else empty).
#[inline]
fn number(b: &[u8], scale: u32, written: impl Fn(&[u8]) -> bool) -> Option<(i64, &[u8])> {
    if b.is_empty() {
        return Some((0, b""));
    }
    // A lone zero (no US content, a free rate) is common.
    let v = if b == b"0" {
        0
    } else {
        parse_scaled(b, scale)?
    };
    Some((v, if written(b) { b } else { b"" }))
}

/// True when a number the fast path read as cents (digits with at most one point) is
/// written exactly as [`RowWriter::cents`] writes its value: no leading zero (but `0.`),
/// two decimals, at most 16 bytes.
fn is_written_cents(b: &[u8]) -> bool {
    let n = b.len();
    (4..=16).contains(&n)
        && b.get(n - 3) == Some(&b'.')
        && (b.first() != Some(&b'0') || b.get(1) == Some(&b'.'))
}

/// True when a rate the fast path read (digits with at most one point) is written exactly
/// as [`RowWriter::e4`] writes its value: no leading zero (but `0` or `0.`), and after a
/// point one to four decimals, the last not zero; at most 16 bytes.
fn is_written_e4(b: &[u8]) -> bool {
    let n = b.len();
    if !(1..=16).contains(&n) {
        return false;
    }
    match b.iter().position(|&c| c == b'.') {
        None => b[0] != b'0' || n == 1,
        Some(p) => {
            let decimals = n - p - 1;
            p >= 1 && (1..=4).contains(&decimals) && b[n - 1] != b'0' && (b[0] != b'0' || p == 1)
        }
    }
}

/// A yes/no field as the general path reads it: `Some(false)` for empty and no, `Some(true)`
/// for yes, `None` for anything else.
fn flag(b: &[u8]) -> Option<bool> {
    match b {
        b"" | b"false" | b"0" => Some(false),
        b"true" | b"1" => Some(true),
        _ => yes_no(b),
    }
}

/// A rate in percent as ten-thousandths of a percent, when it has at most four decimals.
fn e4_of(d: Decimal) -> Option<i64> {
    scaled(d, 4)
}

/// An amount as cents, when it has at most two decimals.
fn cents_of(d: Decimal) -> Option<i64> {
    scaled(d, 2)
}

fn scaled(d: Decimal, scale: u32) -> Option<i64> {
    if d.is_sign_negative() || d.scale() > scale {
        return None;
    }
    let m = i64::try_from(d.mantissa()).ok()?;
    let v = m.checked_mul(10i64.checked_pow(scale - d.scale())?)?;
    (v < MAX_CENTS).then_some(v)
}
