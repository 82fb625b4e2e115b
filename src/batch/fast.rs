//! The batch's cached path for the landed-cost layout. A row whose figures fit integer cents
//! (amounts to the cent, rates to four decimals, numbers written plainly; any facts, codes,
//! keywords and dates) is priced by the one kernel ([`crate::kernel`]) in
//! [`Cents`], on what the table says about its partner on its span of dates (the
//! [`Treatment`], looked up once by the general lookups and cached), and written straight
//! into the output. Only what depends on the line itself is looked up for it: the goods'
//! exemption, and the measure rows where they depend on the goods or the facts (chosen by
//! the one rule of [`crate::measure`]); a line with in-transit or transshipment facts gets a
//! treatment of its own.
//!
//! No rule is stated here: the exemption precedence, the facts a line declares, the choice
//! of measures and every figure come from the functions `landed_cost` calls. A row that does
//! not fit (a number written otherwise, an error to report, a table figure beyond four
//! decimals, a measure without columns of its own) is handed back as [`Fast::Slow`] and
//! priced by [`price_fields`](super::price_fields) and written by
//! [`format_record`](super::format_record). The output is byte for byte what that path
//! writes; `tests/integration/fast_path.rs` holds it to that on every input column, and
//! checks row by row which rows took this path ([`BatchSummary::cached`](super::BatchSummary::cached)).

use std::collections::HashMap;
use std::str::FromStr;

use super::format::{
    basis_of, exemption_parts, needs_quotes, push_cents, push_pct_e4, push_text, ColumnSet, OutBuf,
    RowWriter,
};
use super::source::Fields;
use super::stream::{Columns, RowError};
use super::{plain_digits, yes_no, Field};
use crate::estimate::{
    declare_line_facts, exemption_for, reciprocal_source, vessel_loaded, Exemption, Goods,
    Section232,
};
use crate::kernel::{
    self, Amounts, Arrival, Cents, Charged, FeeTerms, MeasureTerms, MpfTerms, Numbers, Priced,
    Reciprocal, Terms,
};
use crate::measure::{Facts, Line, Outcome};
use crate::money;
use crate::table::PartnerRate;
use crate::{Category, CountryCode, Date, FeeKind, HtsCode, RateTable, TransportMode};

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
const CENTS_LIMIT: i64 = money::MAX_AMOUNT_CENTS + 1;

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
    /// each (set by the row's writer, which knows).
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
    pub programs: [i64; 4],
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
        for (a, b) in self.programs.iter_mut().zip(row.programs) {
            *a += i128::from(b);
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

/// A partner's treatment on a span of dates over which none of the table's dates that it
/// depends on falls (the cache's `bounds`): what the table says about its lines, looked up
/// once by the general lookups and held as the kernel's terms in [`Cents`]. What depends on
/// the line (the goods' exemption, measures chosen line by line) is not in it.
#[derive(Debug)]
struct Treatment<'t> {
    partner_rate: PartnerRate<'t>,
    /// The reciprocal terms of goods not exempt.
    reciprocal: Reciprocal<i64>,
    /// The exemption the partner's status alone gives (the one `source` is written for).
    by_status: Option<Exemption<'t>>,
    /// The table's rate (0 when none applies), and as the output writes it.
    rate_e4: i64,
    rate_text: Vec<u8>,
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
    /// The measure rows for the partner on these dates.
    measure_rows: Vec<u32>,
    /// Their terms and output slots, when they depend on nothing but the partner and the
    /// date (else chosen for each line).
    fixed: Option<(Vec<MeasureTerms<i64>>, Vec<usize>)>,
    /// The MPF without and with a USMCA claim.
    mpf: [MpfTerms<Cents>; 2],
    /// Whether the formal and informal MPF rows carry figures from an earlier row.
    mpf_carried: [bool; 2],
    /// The MPF's minimum and maximum as the output writes them (most entries pay one).
    mpf_limits: [(i64, Vec<u8>); 2],
    hmf: Option<FeeTerms<Cents>>,
}

impl<'t> Treatment<'t> {
    /// The treatment on `date` (with the in-transit and transshipment facts of a line, when
    /// it has them), from the general lookups; `None` when a figure does not fit [`Cents`]
    /// or a measure has no columns of its own.
    fn build(
        table: &'t RateTable,
        slots: &[Option<usize>],
        code: CountryCode,
        date: Date,
        loaded: Option<Date>,
        transshipped: bool,
    ) -> Option<Treatment<'t>> {
        let n = Cents;
        let pr = table
            .reciprocal_with(code, Some(date), loaded, transshipped)
            .ok()?;
        let reciprocal = Reciprocal::of(&n, pr.status)?;
        let rate_e4 = n.pct(pr.rate_pct())?;
        let measures = table.measures();
        let measure_rows = measures.candidates(code, date);
        // The writer has columns for the named measures only.
        let slot = |measure: usize| slots.get(measure).copied().flatten();
        let mut fixed = None;
        if loaded.is_none() && measures.fixed(&measure_rows) {
            let line = Line {
                origin: code,
                hts: None,
                date,
                loaded: None,
                facts: &Facts::new(),
            };
            let mut outcomes = Vec::new();
            measures
                .outcomes(&measure_rows, &line, &mut || Ok(false), None, &mut outcomes)
                .ok()?;
            let (mut terms, mut places) = (Vec::new(), Vec::new());
            for o in &outcomes {
                terms.push(measure_terms(o)?);
                places.push(slot(o.measure)?);
            }
            fixed = Some((terms, places));
        } else if !measure_rows.iter().all(|&i| {
            measures
                .rows()
                .get(i as usize)
                .is_some_and(|r| slot(r.measure_index()).is_some())
        }) {
            return None;
        }
        let fee = |kind| table.fee(kind, Some(date));
        let mpf_terms = |usmca| {
            MpfTerms::of(
                &n,
                table.mpf_exemption(code, date, usmca).is_some(),
                fee(FeeKind::Mpf),
                fee(FeeKind::MpfInformal),
                table.has_fee(FeeKind::MpfInformal),
            )
        };
        let mpf = [mpf_terms(false)?, mpf_terms(true)?];
        let hmf = match fee(FeeKind::Hmf) {
            Some(f) => Some(FeeTerms::of(&n, f)?),
            None => None,
        };
        let carried = |kind| fee(kind).is_some_and(|f| f.carried().is_some());
        let mpf_carried = [carried(FeeKind::Mpf), carried(FeeKind::MpfInformal)];
        let limit = |l: Option<i64>| {
            let mut text = Vec::new();
            if let Some(cents) = l {
                push_cents(&mut text, cents);
            }
            (l.unwrap_or(-1), text)
        };
        let [min, max] = mpf[0].formal.map_or([None; 2], |f| f.limits());
        let mut code_name = Vec::with_capacity(32);
        code_name.extend_from_slice(code.as_bytes());
        code_name.push(b',');
        push_text(&mut code_name, pr.partner.name());
        let mut source = Vec::new();
        let by_status = exemption_for(&pr, false, || Ok(None)).ok()?;
        push_text(&mut source, reciprocal_source(by_status, pr.status));
        let mut rate_text = Vec::with_capacity(8);
        push_pct_e4(&mut rate_text, rate_e4.unsigned_abs());
        let source_no_programs = [&source[..], b",,,,,,,,"].concat();
        let basis = basis_of(pr.status);
        Some(Treatment {
            partner_rate: pr,
            reciprocal,
            by_status,
            source,
            source_no_programs,
            rate_e4,
            rate_text,
            code_name,
            basis,
            basis_no_exemption: [basis.as_bytes(), b",,,"].concat(),
            measure_rows,
            fixed,
            mpf,
            mpf_carried,
            mpf_limits: [limit(min), limit(max)],
            hmf,
        })
    }
}

/// The kernel's terms of a measure's outcome, when they fit [`Cents`] (a row the kernel
/// refuses is left to the general path, which names the error).
fn measure_terms(o: &Outcome<'_>) -> Option<MeasureTerms<i64>> {
    let charged = o.applied.filter(|_| o.displaced_by.is_none());
    MeasureTerms::of(&Cents, charged, o.ieepa).ok()?
}

/// The yes/no fields of a line's facts, in the order [`declare_line_facts`] takes them.
const FACT_FIELDS: [Field; 4] = [
    Field::Usmca,
    Field::Transshipped,
    Field::Energy,
    Field::Potash,
];

/// What an origin's text resolves to.
#[derive(Debug, Clone)]
enum Origin {
    Unseen,
    Code(CountryCode),
    Unknown(Box<str>),
}

/// The partners' treatments, by partner and span of dates.
struct Cache<'t> {
    table: &'t RateTable,
    /// Every date on which a rate, measure, fee or MPF exemption row starts or ends (with the
    /// measures' in-transit dates and the dates their displacements end), sorted (as
    /// [`date_key`]s): what a partner's cached treatment depends on.
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
}

impl<'t> Cache<'t> {
    /// The treatment of a partner on a date, computed on first use of its span of dates.
    fn get(
        &mut self,
        slots: &[Option<usize>],
        code: CountryCode,
        date: Date,
    ) -> Option<&Treatment<'t>> {
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
                    .push(Treatment::build(self.table, slots, code, date, None, false));
                let index = self.treatments.len() - 1;
                *self.slots.get_mut(slot)? = u32::try_from(index + 1).ok()?;
                index
            }
            n => n as usize - 1,
        };
        self.treatments.get(index)?.as_ref()
    }
}

/// The fast path's state for one batch (one per worker thread): the column positions, the
/// dates at which the table changes, and what has been resolved so far.
pub(super) struct FastPricer<'t> {
    table: &'t RateTable,
    cols: [Option<usize>; Field::ALL.len()],
    /// The partners' treatments.
    cache: Cache<'t>,
    /// True when the input has a column of the [`FACT_FIELDS`].
    fact_columns: bool,
    /// Upper-case two-letter codes, by index.
    codes: Vec<Origin>,
    /// Other spellings (names, lower case, alpha-3).
    names: HashMap<Box<[u8]>, Origin>,
    /// Bytes a line is given to be written in, grown when one is longer.
    room: usize,
    /// The output columns written.
    columns: ColumnSet,
    /// For each measure of the table, its place among the
    /// [`NAMED_MEASURES`](super::NAMED_MEASURES) (`None`: a measure without columns of its
    /// own in this layout).
    measure_slots: Vec<Option<usize>>,
    /// A line's measures, reused.
    bufs: LineBufs<'t>,
}

/// The fields of a row the fast path handles.
struct Row<'r> {
    /// Valid UTF-8.
    id: &'r [u8],
    /// True when the id is written as it is, without quotes.
    id_plain: bool,
    code: CountryCode,
    /// The line's figures in cents and ten-thousandths.
    amounts: Amounts<Cents>,
    goods: Goods,
    /// The customs value, MFN rate, freight and insurance as given, where the output
    /// writes them the same (empty where it does not): copied, not formatted again.
    texts: [&'r [u8]; 4],
    date: Date,
    /// The loading date the in-transit rules look at.
    loaded: Option<Date>,
    section232: Option<Section232>,
    /// USMCA, transshipped, energy, potash.
    yes: [bool; 4],
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
        let measures = table.measures();
        let measure_slots = (0..measures.len())
            .map(|m| {
                super::NAMED_MEASURES
                    .iter()
                    .position(|(name, _)| *name == measures.name(m))
            })
            .collect();
        FastPricer {
            table,
            cols: cols.0,
            fact_columns: FACT_FIELDS.iter().any(|&f| cols.0[f as usize].is_some()),
            cache: Cache {
                table,
                spans,
                span_base,
                // Zeroed memory: pages never touched cost nothing.
                slots: vec![0; 26 * 26 * (bounds.len() + 1)],
                bounds,
                treatments: Vec::new(),
            },
            codes: vec![Origin::Unseen; 26 * 26],
            names: HashMap::new(),
            room: 1024,
            columns,
            measure_slots,
            bufs: LineBufs::default(),
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

    /// The row's fields, when every one is in the form the fast path takes: numbers plain
    /// (digits and a point, at most two decimals for amounts and four for rates), text valid
    /// UTF-8; keywords, dates and yes/no fields as the general path reads them.
    fn row<'r, R: Fields>(&self, rec: &'r R, code: CountryCode) -> Option<Row<'r>> {
        // Blanks around a code are trimmed, as `HtsCode::from_str` trims them.
        let hts = match self.field(rec, Field::Hts).trim_ascii() {
            b"" => None,
            b => Some(HtsCode::from_ascii(b).ok()?),
        };
        let goods = match (hts, self.field(rec, Field::Category)) {
            (hts, b"") => hts.map_or(Goods::Unspecified, Goods::Hts),
            (Some(_), _) => return None,
            (None, b) => Goods::Category(rare(b, |t| Category::from_str(t).ok())?),
        };
        let date = match self.field(rec, Field::Date) {
            b"" => self.table.reference_date()?,
            b => Date::from_ascii(b)?,
        };
        let mode = match self.field(rec, Field::Mode) {
            b"" => None,
            b"ocean" => Some(TransportMode::Ocean),
            b"air" => Some(TransportMode::Air),
            b"land" => Some(TransportMode::Land),
            b => Some(rare(b, |t| TransportMode::from_str(t).ok())?),
        };
        let loaded = match self.field(rec, Field::Loaded) {
            b"" => None,
            b => Some(rare(b, |t| Date::from_ascii(t.as_bytes()))?),
        };
        let (mfn_e4, mfn_text) = number(self.field(rec, Field::Mfn), 4, is_written_e4)?;
        let mfn_general = match self.field(rec, Field::MfnGeneral) {
            b"" => None,
            b => Some(rare(b, |t| {
                number(t.as_bytes(), 4, |_| false).map(|n| n.0)
            })?),
        };
        let (us_e4, _) = number(self.field(rec, Field::UsContent), 4, |_| false)?;
        if mfn_e4 > kernel::MAX_PCT_E4
            || mfn_general.is_some_and(|g| g > kernel::MAX_PCT_E4)
            || us_e4 > Cents::WHOLE
        {
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
        // Rare fields, read by the general path's own parsers.
        let entry_type = match self.field(rec, Field::EntryType) {
            b"" => None,
            b => Some(rare(b, |t| super::entry_type_field(t).ok())?),
        };
        let section232 = match self.field(rec, Field::Section232) {
            b"" => None,
            b => match flag(b) {
                Some(yes) => yes.then_some(Section232::Unspecified),
                None => rare(b, |t| super::section232_field(t).ok())?,
            },
        };
        let mut yes = [false; 4];
        if self.fact_columns {
            yes = rare(b"", |_| {
                let mut yes = [false; 4];
                for (y, f) in yes.iter_mut().zip(FACT_FIELDS) {
                    *y = flag(self.field(rec, f))?;
                }
                Some(yes)
            })?;
        }
        Some(Row {
            id,
            id_plain: R::PLAIN || !needs_quotes(id),
            code,
            amounts: Amounts {
                value: cents,
                mfn: mfn_e4,
                mfn_general,
                us_content: us_e4,
                freight,
                insurance,
                entry_type,
                arrival: Arrival::of(mode),
            },
            goods,
            texts: [value_text, mfn_text, freight_text, insurance_text],
            date,
            loaded: vessel_loaded(mode, loaded),
            section232,
            yes,
        })
    }

    /// Prices the row with the kernel, on the partner's cached treatment (or, for a line
    /// with in-transit or transshipment facts, one looked up for it), and writes it as
    /// `format_record` does, for the landed-cost layout; `None` where the general path must
    /// decide (a figure that does not fit [`Cents`], or an error to report).
    fn write(&mut self, r: &Row<'_>, out: &mut OutBuf, sums: &mut CentSums) -> Option<()> {
        let fresh;
        let t = if r.loaded.is_some() || r.yes[1] {
            // Not cached: the treatment of this line's in-transit and transshipment facts.
            fresh = Treatment::build(
                self.table,
                &self.measure_slots,
                r.code,
                r.date,
                r.loaded,
                r.yes[1],
            )?;
            &fresh
        } else {
            self.cache.get(&self.measure_slots, r.code, r.date)?
        };
        let bufs = &mut self.bufs;
        let (p, exemption) = price_line(self.table, &self.measure_slots, t, r, bufs)?;
        // The output slots of the line's measures: the treatment's, or those chosen for it.
        let places = match &t.fixed {
            Some((_, places)) => &places[..],
            None => &bufs.places[..],
        };
        self.room = write_line(
            self.columns,
            self.room,
            t,
            r,
            &p,
            exemption,
            places,
            bufs,
            out,
        );
        let programs = programs(places, bufs, &mut sums.charged);
        sums.add_row(&RowCents {
            value: r.amounts.value,
            duty: p.total_duty,
            fees: p.total_fees,
            landed: p.landed,
            reciprocal: p.reciprocal.amount,
            programs,
            ieepa: p.ieepa,
            carried: p.mpf.outcome.uses_row() && t.mpf_carried[usize::from(!p.formal)],
        });
        Some(())
    }
}

/// A line's measures, in buffers reused from line to line: the outcomes, terms and output
/// slots of the rows chosen for the line (when its treatment's are not fixed), and the
/// charges of its measures.
#[derive(Default)]
struct LineBufs<'t> {
    outcomes: Vec<Outcome<'t>>,
    terms: Vec<MeasureTerms<i64>>,
    places: Vec<usize>,
    charges: Vec<Charged<Cents>>,
}

/// The duty of each of the named measures of a line (0 where none), marking in `charged`
/// those the line had.
fn programs(places: &[usize], bufs: &LineBufs<'_>, charged: &mut [bool; 4]) -> [i64; 4] {
    let mut programs = [0; 4];
    for (&place, c) in places.iter().zip(&bufs.charges) {
        if let (Some(p), Some(seen)) = (programs.get_mut(place), charged.get_mut(place)) {
            *p = c.amount;
            *seen = true;
        }
    }
    programs
}

/// Prices a line with the kernel on a treatment: the exemption by the one precedence, the
/// measures chosen for the line where they depend on the goods or the facts (with the
/// line's facts declared by the function `landed_cost` uses); `None` where the general
/// path must decide.
#[inline(never)]
fn price_line<'t>(
    table: &'t RateTable,
    slots: &[Option<usize>],
    t: &Treatment<'t>,
    r: &Row<'_>,
    bufs: &mut LineBufs<'t>,
) -> Option<(Priced<Cents>, Option<Exemption<'t>>)> {
    // The goods' exemption, looked up once, when needed (an error is the general path's
    // to report).
    let mut looked_up = None;
    let exemption = exemption_for(&t.partner_rate, r.section232.is_some(), || {
        let e = table.goods_exemption(r.goods, r.date)?;
        looked_up = Some(e);
        Ok(e)
    })
    .ok()?;
    let reciprocal = match exemption {
        Some(_) => Reciprocal::None,
        None => t.reciprocal,
    };
    let terms: &[MeasureTerms<i64>] = match &t.fixed {
        Some((terms, _)) => terms,
        None if t.measure_rows.is_empty() => {
            bufs.places.clear();
            &[]
        }
        None => {
            choose_line_measures(table, slots, t, r, looked_up, bufs)?;
            &bufs.terms
        }
    };
    let terms = Terms {
        reciprocal,
        measures: terms,
        mpf: t.mpf[usize::from(r.yes[0])],
        hmf: t.hmf,
    };
    let p = kernel::price(&Cents, &r.amounts, &terms, r.date, &mut bufs.charges).ok()?;
    Some((p, exemption))
}

/// The measures chosen for a line whose partner's rows depend on the goods or the facts,
/// into `bufs` (terms and output slots), by the one rule `landed_cost` uses, with the
/// line's facts declared as it declares them; `None` where the general path must decide.
/// Kept out of line: most rows have their measures fixed by the treatment.
#[inline(never)]
fn choose_line_measures<'t>(
    table: &'t RateTable,
    slots: &[Option<usize>],
    t: &Treatment<'t>,
    r: &Row<'_>,
    looked_up: Option<Option<Exemption<'t>>>,
    bufs: &mut LineBufs<'t>,
) -> Option<()> {
    let mut facts = Facts::new();
    declare_line_facts(&mut facts, r.yes, r.section232);
    table
        .choose_measures(
            &t.measure_rows,
            r.code,
            r.goods,
            r.date,
            r.loaded,
            facts,
            match looked_up {
                Some(e) => Ok(e),
                None => table.goods_exemption(r.goods, r.date),
            },
            None,
            &mut bufs.outcomes,
        )
        .ok()?;
    bufs.terms.clear();
    bufs.places.clear();
    for o in &bufs.outcomes {
        bufs.terms.push(measure_terms(o)?);
        bufs.places.push(slots.get(o.measure).copied().flatten()?);
    }
    Some(())
}

/// Writes a priced line in the columns of the landed-cost layout, in place after the
/// output so far, given more room and written again if it did not fit; returns the room
/// the next line is given.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn write_line(
    columns: ColumnSet,
    mut room: usize,
    t: &Treatment<'_>,
    r: &Row<'_>,
    p: &Priced<Cents>,
    exemption: Option<Exemption<'_>>,
    places: &[usize],
    bufs: &LineBufs<'_>,
    out: &mut OutBuf,
) -> usize {
    let mut program_cells = [None; 4];
    for (&place, c) in places.iter().zip(&bufs.charges) {
        if let Some(cell) = program_cells.get_mut(place) {
            *cell = Some((c.pct, c.amount));
        }
    }
    // The treatment's source text is written for its partner's status alone.
    let by_status = exemption == t.by_status;
    let (name, code, category) = exemption_parts(exemption);
    let a = &r.amounts;
    let cells = Cells {
        r,
        t,
        mfn: p.mfn,
        recip_e4: p.reciprocal.pct,
        recip_base: p.reciprocal.base,
        recip: p.reciprocal.amount,
        name,
        code,
        category: category.map_or("", |c| c.as_str()),
        amounts: [
            p.mpf.amount,
            p.hmf.amount,
            a.freight,
            a.insurance,
            p.total_duty,
            p.total_fees,
            p.landed,
        ],
        effective: p.effective_pct,
        source: if by_status {
            Source::Treatment
        } else {
            Source::Text(reciprocal_source(exemption, t.partner_rate.status).as_bytes())
        },
        program_cells,
        ieepa: p.ieepa,
    };
    loop {
        let tail = out.spare(room);
        let (len, fits) = if columns == ColumnSet::ALL {
            let mut w = RowWriter::new(tail);
            cells.write(&mut w);
            (w.len(), w.fits())
        } else {
            write_selected(&cells, tail, columns)
        };
        if fits {
            out.advance(len);
            return room;
        }
        room = len;
    }
}

/// Writes the chosen columns of a row into `tail`: its length, and whether it fit. Out of
/// line: the full row is the common case.
#[inline(never)]
fn write_selected(cells: &Cells<'_, '_>, tail: &mut [u8], columns: ColumnSet) -> (usize, bool) {
    let mut w = RowWriter::with_columns(tail, columns);
    cells.write(&mut w);
    (w.len(), w.fits())
}

/// The source column of a row: the treatment's (written as it was quoted when the
/// treatment was built), or a text to quote.
#[derive(Clone, Copy)]
enum Source<'a> {
    Treatment,
    Text(&'a [u8]),
}

/// The cells of a row priced by the fast path, ready to be written.
struct Cells<'a, 't> {
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

impl Cells<'_, '_> {
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
            if let Some(h) = r.goods.hts() {
                w.hts(h);
            }
        }
        // Amounts that often equal one written before (the reciprocal base and the customs
        // value, total fees and MPF, IEEPA duty and reciprocal duty) are copied from it.
        let [value_text, mfn_text, freight_text, insurance_text] = r.texts;
        let mut value = None;
        if w.col() {
            value = Some(w.cents_as(r.amounts.value, value_text));
        }
        if w.col() {
            if mfn_text.is_empty() {
                w.e4(r.amounts.mfn.unsigned_abs());
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

/// A field the common row does not have, read as UTF-8 text by `parse`: out of line, so that
/// the common row's code stays small.
#[inline(never)]
fn rare<T>(b: &[u8], parse: impl FnOnce(&str) -> Option<T>) -> Option<T> {
    parse(std::str::from_utf8(b).ok()?)
}

/// A date as an integer that orders as the date does.
fn date_key(d: Date) -> u32 {
    u32::from(d.year()) << 9 | u32::from(d.month()) << 5 | u32::from(d.day())
}

/// A plain non-negative decimal (digits and at most one point, as the general path's own
/// fast parser takes them) with at most `scale` decimals, times `10^scale`; `None` for
/// anything else or beyond [`CENTS_LIMIT`].
fn parse_scaled(b: &[u8], scale: u32) -> Option<i64> {
    let (m, decimals) = plain_digits(b)?;
    if decimals > scale {
        return None;
    }
    let v = m.checked_mul(pow10(scale - decimals)?)?;
    (v < CENTS_LIMIT).then_some(v)
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
