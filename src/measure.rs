//! Measures as data: every duty beside the MFN rate and the reciprocal duty (the IEEPA
//! fentanyl, Brazil and India duties, Section 122, and whatever a schedule adds) is rows of
//! a measures table in the format of `../shared/data/README.md` ("Measures as data"), with
//! product lists (`scope_*.csv`) by key. The engine knows the row format and the choosing
//! rule, never a measure's name: a new measure of a known shape is rows, not code.
//!
//! For one line (origin, HTS code, entry date, declared facts) the candidate rows of a
//! measure are those whose origin matches, whose scope holds the code and whose
//! `scope_except` does not, whose dates hold and whose condition tokens are all declared.
//! The row chosen has the most condition tokens; then an `in_lieu` row beats others; then a
//! row naming the origin beats `*`; then the row listed first. A chosen row's `excludes`
//! displace the named measures on the same goods.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use rust_decimal::Decimal;

use crate::error::LoadErrorKind;
use crate::keyword::{self, keyword_enum};
use crate::records::Records;
use crate::table::in_period;
use crate::{CountryCode, Date, HtsCode, LoadError};

/// The columns of a measures table, in the shared data's order.
pub const MEASURE_COLUMNS: [&str; 19] = [
    "measure",
    "origin",
    "scope",
    "scope_except",
    "condition",
    "rate_pct",
    "rate_kind",
    "rate_unit",
    "base",
    "heading",
    "heading_nochange",
    "effective_from",
    "effective_to",
    "transit_loaded_before",
    "transit_entered_before",
    "excludes",
    "source",
    "note",
    "confidence",
];

/// Columns a measures table must have.
const REQUIRED: [&str; 6] = [
    "measure",
    "origin",
    "rate_kind",
    "base",
    "effective_from",
    "source",
];

/// The scope key of the schedule's own exemption rows (Annex II of EO 14257 as the rate
/// table holds them, or a declared exempt category): `scope_except=annex2`.
pub const ANNEX2_SCOPE: &str = "annex2";

/// Prefix of the names of the measures imposed under IEEPA (refundable after the Supreme
/// Court's ruling of 20 February 2026): `ieepa_fentanyl`, `ieepa_brazil`, ...
pub const IEEPA_PREFIX: &str = "ieepa_";

/// Highest rate a measure row may carry, in percent.
const MAX_RATE_PCT: u32 = 1000;

/// The members of the groups the `origin` column may name.
const GROUPS: [(&str, &[&str]); 2] = [
    (
        "EU",
        &[
            "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
            "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
        ],
    ),
    // General note 3(b): the Column 2 countries.
    ("col2", &["CU", "KP", "RU", "BY"]),
];

keyword_enum! {
    /// How a measure's rate works (the `rate_kind` column). Read and written as the format's
    /// keywords, exactly (no other case, no blanks around).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[non_exhaustive]
    pub enum RateKind {
        /// Duty = rate x base, on top of the Column 1 duty.
        Additional = "additional",
        /// The all-in duty is at least the rate: duty = max(0, rate - Column 1 rate) x base.
        TotalFloor = "total_floor",
        /// A deal rate replacing a higher default: duty = max(0, rate - Column 1 rate) x base.
        TotalCap = "total_cap",
        /// Replaces the default rate of the same measure for these goods and facts (0: exempt).
        InLieu = "in_lieu",
        /// An amount per unit (`rate_unit`).
        Specific = "specific",
        /// An import ban.
        Prohibited = "prohibited",
    }
    what = "a rate kind";
    matching = keyword::exact;
}

keyword_enum! {
    /// The value a measure's rate applies to (the `base` column). Read and written as the
    /// format's keywords, exactly.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[non_exhaustive]
    pub enum Base {
        /// The customs value.
        FullValue = "full_value",
        /// The value of the steel, aluminum or copper content.
        MetalContent = "metal_content",
        /// The customs value less US-made content.
        NonUsContent = "non_us_content",
        /// A minimum import price.
        MinImportPrice = "min_import_price",
        /// No base (prohibited rows).
        None = "none",
    }
    what = "a measure base";
    matching = keyword::exact;
}

keyword_enum! {
    /// How sure the sources are of a row (the `confidence` column). Read and written as the
    /// format's keywords, exactly; not stated is the empty field.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    #[non_exhaustive]
    pub enum Confidence {
        /// Not stated (the empty keyword).
        #[default]
        Unstated = "",
        /// Two or more independent sources agree.
        Verified = "verified",
        /// One source.
        Single = "single",
        /// Sources disagree; the note says which reading was taken.
        Conflict = "conflict",
    }
    what = "a confidence";
    matching = keyword::exact;
}

/// An in-transit exception carried by a row: goods loaded (on the vessel) before
/// `loaded_before` and entered before `entered_before` (no deadline when `None`) keep the
/// treatment in force on their loading date.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Transit {
    /// Goods loaded before this date are excepted.
    pub loaded_before: Option<Date>,
    /// ... if entered before this date (`None`: no deadline).
    pub entered_before: Option<Date>,
}

impl Transit {
    /// True when goods loaded on `loaded` and entered on `entry` are excepted.
    pub fn excepts(self, loaded: Option<Date>, entry: Date) -> bool {
        match (self.loaded_before, loaded) {
            (Some(before), Some(loaded)) => {
                loaded < before && self.entered_before.is_none_or(|deadline| entry < deadline)
            }
            _ => false,
        }
    }
}

/// The columns of a product list the loader reads (others, such as `note` and `source`, are
/// kept in the file for readers): `hts`, or `iso2` for a country list.
const SCOPE_COLUMNS: [&str; 7] = [
    "hts",
    "iso2",
    "heading",
    "origins",
    "condition",
    "effective_from",
    "effective_to",
];

/// Which origins a row covers.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Origins {
    /// `*`: every origin.
    All,
    /// The codes listed (groups expanded).
    Codes(Box<[CountryCode]>),
}

impl Origins {
    fn parse(text: &str) -> Result<Origins, String> {
        if text == "*" {
            return Ok(Origins::All);
        }
        let mut codes = Vec::new();
        for part in text.split(';').map(str::trim) {
            if let Some((_, members)) = GROUPS.iter().find(|(g, _)| *g == part) {
                for m in members.iter() {
                    codes.push(CountryCode::new(m).map_err(|e| e.to_string())?);
                }
            } else if part.len() == 2 && part.bytes().all(|b| b.is_ascii_uppercase()) {
                codes.push(CountryCode::new(part).map_err(|e| e.to_string())?);
            } else {
                return Err(format!(
                    "\"{part}\" is not an ISO alpha-2 code, `*`, `EU` or `col2`"
                ));
            }
        }
        if codes.is_empty() {
            return Err("names no origin".into());
        }
        codes.sort_unstable();
        codes.dedup();
        Ok(Origins::Codes(codes.into()))
    }

    fn holds(&self, code: CountryCode) -> bool {
        match self {
            Origins::All => true,
            Origins::Codes(c) => c.binary_search(&code).is_ok(),
        }
    }
}

/// A reference to a product list: the list, and the heading its lines must carry
/// (`key[9903.88.03]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ScopeRef {
    list: ListId,
    heading: Option<HtsCode>,
}

/// A product list's index, or the schedule's own exemption rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ListId {
    File(usize),
    Annex2,
}

/// One line of a product list.
#[derive(Debug, Clone, PartialEq)]
struct ScopeLine {
    /// The headings the line is listed under (`;`-joined in the file).
    headings: Box<[HtsCode]>,
    origins: Origins,
    condition: Box<[Box<str>]>,
    from: Option<Date>,
    to: Option<Date>,
}

/// An origin of a country list, with its dates.
type CountryLine = (CountryCode, Option<Date>, Option<Date>);

/// Where a measures table's product lists come from: the name to report and the text of
/// `scope_<key>.csv` for a key, or `None` when there is no such list.
pub(crate) type ScopeSource<'a> =
    dyn FnMut(&str) -> Result<Option<(String, String)>, LoadError> + 'a;

/// A product list (`scope_<key>.csv`), or a country list (a file with an `iso2` column and
/// no `hts` column).
#[derive(Debug, Clone, PartialEq)]
struct ScopeList {
    key: Box<str>,
    lines: Vec<ScopeLine>,
    /// Line indexes by the digits of their code (products), or the origins listed with
    /// their dates (countries).
    by_code: HashMap<u64, Vec<u32>>,
    /// The code lengths present, shortest first.
    lens: Vec<usize>,
    countries: Option<Vec<CountryLine>>,
}

impl ScopeList {
    /// True when a line of the list covers the goods on the date (with the reference's
    /// heading, for this origin, under the declared facts).
    fn holds(
        &self,
        heading: Option<HtsCode>,
        code: Option<HtsCode>,
        origin: CountryCode,
        date: Date,
        facts: &Facts,
    ) -> bool {
        if let Some(countries) = &self.countries {
            return countries
                .iter()
                .any(|&(c, from, to)| c == origin && in_period(from, to, date));
        }
        let Some(code) = code else {
            return false;
        };
        self.lens.iter().any(|&len| {
            let Some(key) = code.prefix_key(len) else {
                return false;
            };
            self.by_code.get(&key).is_some_and(|ids| {
                ids.iter().any(|&i| {
                    self.lines.get(i as usize).is_some_and(|l| {
                        heading.is_none_or(|h| l.headings.contains(&h))
                            && l.origins.holds(origin)
                            && in_period(l.from, l.to, date)
                            && facts.hold(&l.condition)
                    })
                })
            })
        })
    }
}

/// A measure displaced by a row, until a date (`name<YYYY-MM-DD`) or always.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Displaces {
    name: Box<str>,
    before: Option<Date>,
}

/// One row of a measures table.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasureRow {
    origin_file: Arc<str>,
    line: u64,
    measure: usize,
    name: Arc<str>,
    origin_text: Box<str>,
    origins: Origins,
    /// `None`: all goods.
    scope: Option<Box<[ScopeRef]>>,
    scope_text: Box<str>,
    except: Box<[ScopeRef]>,
    except_text: Box<str>,
    condition: Box<[Box<str>]>,
    rate_pct: Option<Decimal>,
    kind: RateKind,
    unit: Box<str>,
    base: Base,
    heading: Option<HtsCode>,
    heading_nochange: Option<HtsCode>,
    from: Option<Date>,
    to: Option<Date>,
    transit: Transit,
    excludes: Box<[Displaces]>,
    excludes_text: Box<str>,
    source: Arc<str>,
    note: Arc<str>,
    confidence: Confidence,
}

impl MeasureRow {
    /// The measure's name (`ieepa_fentanyl`, `s232_steel`, ...).
    pub fn measure(&self) -> &str {
        &self.name
    }
    /// The measure's index among the table's measures (in order of first appearance).
    pub(crate) fn measure_index(&self) -> usize {
        self.measure
    }
    /// The `origin` column as written (`CN;HK`, `*`, `EU`).
    pub fn origin(&self) -> &str {
        &self.origin_text
    }
    /// True when the row covers goods of this origin.
    pub fn covers_origin(&self, code: CountryCode) -> bool {
        self.origins.holds(code)
    }
    /// The `scope` column as written (`all`, or scope keys).
    pub fn scope(&self) -> &str {
        &self.scope_text
    }
    /// The condition tokens, all of which must be declared.
    pub fn condition(&self) -> impl Iterator<Item = &str> {
        self.condition.iter().map(|t| &**t)
    }
    /// The rate in percent (`None` for prohibited rows and untranscribed specific rates).
    pub fn rate_pct(&self) -> Option<Decimal> {
        self.rate_pct
    }
    /// How the rate works.
    pub fn rate_kind(&self) -> RateKind {
        self.kind
    }
    /// The unit of a specific rate (empty otherwise).
    pub fn rate_unit(&self) -> &str {
        &self.unit
    }
    /// What the rate applies to.
    pub fn base(&self) -> Base {
        self.base
    }
    /// The Chapter 99 heading, when confirmed.
    pub fn heading(&self) -> Option<HtsCode> {
        self.heading
    }
    /// The heading reported when the Column 1 rate is at or above a total rate, or for the
    /// US-content portion.
    pub fn heading_nochange(&self) -> Option<HtsCode> {
        self.heading_nochange
    }
    /// First entry date covered (`None`: open).
    pub fn effective_from(&self) -> Option<Date> {
        self.from
    }
    /// First entry date no longer covered (`None`: open).
    pub fn effective_to(&self) -> Option<Date> {
        self.to
    }
    /// The in-transit exception.
    pub fn transit(&self) -> Transit {
        self.transit
    }
    /// The names of the measures this row displaces on an entry date.
    pub fn excludes_on(&self, date: Date) -> impl Iterator<Item = &str> {
        self.excludes
            .iter()
            .filter(move |d| d.before.is_none_or(|b| date < b))
            .map(|d| &*d.name)
    }
    /// The legal source.
    pub fn source(&self) -> &str {
        &self.source
    }
    /// The note.
    pub fn note(&self) -> &str {
        &self.note
    }
    /// How sure the sources are.
    pub fn confidence(&self) -> Confidence {
        self.confidence
    }
    /// The file (or `<bundled ...>`) and line the row was read from.
    pub fn position(&self) -> (&str, u64) {
        (&self.origin_file, self.line)
    }
    /// True when the row is in force on `date`.
    pub fn covers(&self, date: Date) -> bool {
        in_period(self.from, self.to, date)
    }
    /// The row's fields in the order of [`MEASURE_COLUMNS`], as a measures table writes them
    /// (reading them back gives the same row).
    pub fn record(&self) -> [String; MEASURE_COLUMNS.len()] {
        let date = |d: Option<Date>| d.map(|d| d.to_string()).unwrap_or_default();
        let hts = |h: Option<HtsCode>| h.map(|h| h.to_string()).unwrap_or_default();
        [
            self.name.to_string(),
            self.origin_text.to_string(),
            self.scope_text.to_string(),
            self.except_text.to_string(),
            self.condition.join(";"),
            self.rate_pct.map(|r| r.to_string()).unwrap_or_default(),
            self.kind.as_str().to_string(),
            self.unit.to_string(),
            self.base.as_str().to_string(),
            hts(self.heading),
            hts(self.heading_nochange),
            date(self.from),
            date(self.to),
            date(self.transit.loaded_before),
            date(self.transit.entered_before),
            self.excludes_text.to_string(),
            self.source.to_string(),
            self.note.to_string(),
            self.confidence.as_str().to_string(),
        ]
    }
    /// True for measures imposed under IEEPA (named `ieepa_...`).
    pub fn is_ieepa(&self) -> bool {
        self.name.starts_with(IEEPA_PREFIX)
    }
}

/// The facts declared about a line: `fact=value` tokens (`usmca=yes`, `metal=steel`,
/// `claim=9903.03.05`). A fact not declared is false.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts(Vec<Box<str>>);

impl Facts {
    /// No facts.
    pub fn new() -> Facts {
        Facts(Vec::new())
    }
    /// Declares a token (kept once).
    pub fn declare(&mut self, token: &str) {
        if !self.has(token) {
            self.0.push(token.into());
        }
    }
    /// True when the token is declared.
    pub fn has(&self, token: &str) -> bool {
        self.0.iter().any(|t| &**t == token)
    }
    /// True when every token is declared.
    pub fn hold(&self, tokens: &[Box<str>]) -> bool {
        tokens.iter().all(|t| self.has(t))
    }
    /// The declared tokens.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|t| &**t)
    }
    /// True when nothing is declared.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Parses `fact=value` tokens joined by `;`.
///
/// # Errors
///
/// The token that is not of the form `fact=value` (lower-case fact, non-empty value).
pub fn parse_tokens(text: &str) -> Result<Vec<Box<str>>, String> {
    let mut out: Vec<Box<str>> = Vec::new();
    for t in text.split(';').map(str::trim).filter(|t| !t.is_empty()) {
        let ok = t.split_once('=').is_some_and(|(k, v)| {
            !k.is_empty()
                && k.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                && !v.is_empty()
                && v.bytes().all(|b| b.is_ascii_graphic() && b != b';')
        });
        if !ok {
            return Err(format!("\"{t}\" is not a fact=value token"));
        }
        if !out.iter().any(|o| &**o == t) {
            out.push(t.into());
        }
    }
    Ok(out)
}

/// The measures of a schedule, with their product lists.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Measures {
    rows: Vec<MeasureRow>,
    lists: Vec<ScopeList>,
    /// Measure names in order of first appearance.
    names: Vec<Arc<str>>,
    /// Measure indexes, displacers before the measures they displace.
    order: Vec<usize>,
}

/// What a line looks like to the measures: where from, what, when, under which facts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Line<'a> {
    pub origin: CountryCode,
    pub hts: Option<HtsCode>,
    pub date: Date,
    pub loaded: Option<Date>,
    pub facts: &'a Facts,
}

/// Why a row was or was not chosen for a line (for `--explain` and the JSON trace).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// The row applies: it was chosen for its measure.
    Chosen,
    /// The row's origin does not match.
    Origin,
    /// The row is not in force on the date.
    Dates,
    /// The goods are not in the row's scope (or no HTS code was given).
    Scope,
    /// An exemption list of the row takes the goods out.
    Excepted(String),
    /// A condition token is not declared.
    Condition(String),
    /// Another row of the measure was chosen over it (its line).
    Outranked(u64),
    /// The in-transit rule took the treatment of the loading date instead.
    InTransit,
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Verdict::Chosen => f.write_str("applies"),
            Verdict::Origin => f.write_str("origin does not match"),
            Verdict::Dates => f.write_str("not in force on the date"),
            Verdict::Scope => f.write_str("goods not in scope"),
            Verdict::Excepted(k) => write!(f, "goods on exemption list {k}"),
            Verdict::Condition(t) => write!(f, "condition {t} not declared"),
            Verdict::Outranked(l) => write!(f, "outranked by line {l}"),
            Verdict::InTransit => f.write_str("in transit: the loading date's treatment"),
        }
    }
}

/// One row considered for a line, and the verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Considered<'t> {
    /// The row.
    pub row: &'t MeasureRow,
    /// Why it applied or not.
    pub verdict: Verdict,
}

/// The outcome of one measure for a line: the row chosen (if any) and whether another
/// measure displaced it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Outcome<'t> {
    pub measure: usize,
    /// The row in force on the entry date that covers the goods; `None` when an exemption
    /// list took the goods out of every row.
    pub entry: Option<&'t MeasureRow>,
    /// The row whose rate is charged: `entry`, or the loading date's row in transit; `None`
    /// when the in-transit rule left no row.
    pub applied: Option<&'t MeasureRow>,
    pub in_transit: bool,
    /// The measure whose row displaced this one.
    pub displaced_by: Option<usize>,
    pub ieepa: bool,
}

impl Measures {
    /// No measures.
    pub fn new() -> Measures {
        Measures::default()
    }

    /// Parses a measures table; `scope` gives the text of `scope_<key>.csv` for a key (with
    /// the name to report it by), or `None` when there is no such list.
    ///
    /// # Errors
    ///
    /// A [`LoadError`] naming the file, line, column and value.
    pub(crate) fn parse(
        &mut self,
        origin: &str,
        text: &str,
        scope: &mut ScopeSource<'_>,
    ) -> Result<(), LoadError> {
        // All or nothing: a table that fails leaves the measures as they were.
        let before = (self.rows.len(), self.lists.len(), self.names.len());
        let result = self.parse_rows(origin, text, scope);
        if result.is_err() {
            self.rows.truncate(before.0);
            self.lists.truncate(before.1);
            self.names.truncate(before.2);
            let _ = self.order_measures(origin);
        }
        result
    }

    fn parse_rows(
        &mut self,
        origin: &str,
        text: &str,
        scope: &mut ScopeSource<'_>,
    ) -> Result<(), LoadError> {
        let origin_file: Arc<str> = origin.into();
        let (header, mut records) = header(text, origin, "measures table")?;
        let mut fields: Vec<Cow<'_, str>> = Vec::new();
        let mut idx = [None; MEASURE_COLUMNS.len()];
        for (i, name) in header.iter().enumerate() {
            if let Some(c) = MEASURE_COLUMNS.iter().position(|c| c == name) {
                idx[c] = Some(i);
            }
        }
        for r in REQUIRED {
            if !header.iter().any(|h| h == r) {
                return Err(
                    LoadError::new(origin, 1, LoadErrorKind::MissingColumn).with_column(r, "")
                );
            }
        }
        let mut lists: HashMap<Box<str>, usize> = self
            .lists
            .iter()
            .enumerate()
            .map(|(i, l)| (l.key.clone(), i))
            .collect();
        let first_new = self.rows.len();
        while let Some(line) = records.next_into(&mut fields) {
            let get =
                |c: usize| -> &str { idx[c].and_then(|i| fields.get(i)).map_or("", |f| f.trim()) };
            let err = |c: usize, why: String| {
                LoadError::at(origin, line, MEASURE_COLUMNS[c], get(c), why)
            };
            let name = get(0);
            if name.is_empty()
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            {
                return Err(err(
                    0,
                    "a measure name: lower-case letters, digits and _".into(),
                ));
            }
            let origins = Origins::parse(get(1)).map_err(|e| err(1, e))?;
            let mut refs = |c: usize, text: &str| -> Result<Box<[ScopeRef]>, LoadError> {
                let mut out = Vec::new();
                for key in text.split(';').map(str::trim).filter(|k| !k.is_empty()) {
                    let (key, heading) = match key.split_once('[') {
                        Some((k, h)) => {
                            let h = h.strip_suffix(']').unwrap_or(h);
                            let h = h
                                .parse::<HtsCode>()
                                .map_err(|e| err(c, format!("heading {h}: {e}")))?;
                            (k, Some(h))
                        }
                        None => (key, None),
                    };
                    if key == ANNEX2_SCOPE {
                        out.push(ScopeRef {
                            list: ListId::Annex2,
                            heading,
                        });
                        continue;
                    }
                    let id = match lists.get(key) {
                        Some(&id) => id,
                        None => {
                            let (name, text) = scope(key)?.ok_or_else(|| {
                                err(c, format!("no product list scope_{key}.csv"))
                            })?;
                            let list = ScopeList::parse(key, &name, &text)?;
                            self.lists.push(list);
                            let id = self.lists.len() - 1;
                            lists.insert(key.into(), id);
                            id
                        }
                    };
                    out.push(ScopeRef {
                        list: ListId::File(id),
                        heading,
                    });
                }
                Ok(out.into())
            };
            let scope_text = get(2);
            let scope = match scope_text {
                "all" => None,
                "" => return Err(err(2, "`all` or scope keys".into())),
                t => Some(refs(2, t)?),
            };
            let except = refs(3, get(3))?;
            let condition: Box<[Box<str>]> = parse_tokens(get(4)).map_err(|e| err(4, e))?.into();
            let kind = get(6)
                .parse::<RateKind>()
                .map_err(|_| err(6, format!("one of {}", RateKind::KEYWORDS.join(", "))))?;
            let rate_pct = match get(5) {
                "" => None,
                v => {
                    let d = crate::money::parse_decimal(v)
                        .ok_or_else(|| err(5, "not a decimal number".into()))?;
                    if d.is_sign_negative() || d > Decimal::from(MAX_RATE_PCT) {
                        return Err(err(5, format!("outside 0 to {MAX_RATE_PCT}")));
                    }
                    Some(d)
                }
            };
            if rate_pct.is_none() && !matches!(kind, RateKind::Prohibited | RateKind::Specific) {
                return Err(err(5, "required for this rate kind".into()));
            }
            let unit = get(7);
            if !unit.is_empty() && kind != RateKind::Specific {
                return Err(err(7, "only for specific rates".into()));
            }
            let base = get(8)
                .parse::<Base>()
                .map_err(|_| err(8, format!("one of {}", Base::KEYWORDS.join(", "))))?;
            let hts = |c: usize| -> Result<Option<HtsCode>, LoadError> {
                match get(c) {
                    "" => Ok(None),
                    v => v.parse().map(Some).map_err(|e| err(c, format!("{e}"))),
                }
            };
            let date = |c: usize| -> Result<Option<Date>, LoadError> {
                match get(c) {
                    "" => Ok(None),
                    v => v
                        .parse()
                        .map(Some)
                        .map_err(|_| err(c, "not a YYYY-MM-DD date".into())),
                }
            };
            let (from, to) = (date(11)?, date(12)?);
            if let (Some(f), Some(t)) = (from, to) {
                if t <= f {
                    return Err(err(12, "must be after effective_from".into()));
                }
            }
            let transit = Transit {
                loaded_before: date(13)?,
                entered_before: date(14)?,
            };
            let mut excludes = Vec::new();
            for part in get(15).split(';').map(str::trim).filter(|p| !p.is_empty()) {
                let (name, before) =
                    match part.split_once('<') {
                        Some((n, d)) => (
                            n,
                            Some(d.parse::<Date>().map_err(|_| {
                                err(15, format!("\"{d}\" is not a YYYY-MM-DD date"))
                            })?),
                        ),
                        None => (part, None),
                    };
                excludes.push(Displaces {
                    name: name.into(),
                    before,
                });
            }
            if get(16).is_empty() {
                return Err(err(16, "every row carries its legal source".into()));
            }
            let confidence = get(18)
                .parse::<Confidence>()
                .map_err(|_| err(18, "verified, single, conflict or empty".into()))?;
            let measure = match self.names.iter().position(|n| &**n == name) {
                Some(i) => i,
                None => {
                    self.names.push(name.into());
                    self.names.len() - 1
                }
            };
            self.rows.push(MeasureRow {
                origin_file: origin_file.clone(),
                line,
                measure,
                name: self.names[measure].clone(),
                origin_text: get(1).into(),
                origins,
                scope,
                scope_text: scope_text.into(),
                except,
                except_text: get(3).into(),
                condition,
                rate_pct,
                kind,
                unit: unit.into(),
                base,
                heading: hts(9)?,
                heading_nochange: hts(10)?,
                from,
                to,
                transit,
                excludes: excludes.into(),
                excludes_text: get(15).into(),
                source: get(16).into(),
                note: get(17).into(),
                confidence,
            });
        }
        if self.rows.len() == first_new {
            return Err(LoadError::new(
                origin,
                1,
                LoadErrorKind::Invalid("the measures table has no rows".into()),
            ));
        }
        self.order_measures(origin)
    }

    /// Orders the measures so that a displacer comes before what it displaces; a cycle is
    /// an error.
    fn order_measures(&mut self, origin: &str) -> Result<(), LoadError> {
        let n = self.names.len();
        let mut edges: Vec<Vec<usize>> = vec![Vec::new(); n];
        for r in &self.rows {
            for d in r.excludes.iter() {
                if let Some(j) = self.names.iter().position(|x| **x == *d.name) {
                    if j == r.measure {
                        return Err(LoadError::at(
                            origin,
                            r.line,
                            "excludes",
                            &d.name,
                            "a measure cannot displace itself",
                        ));
                    }
                    if !edges[r.measure].contains(&j) {
                        edges[r.measure].push(j);
                    }
                }
            }
        }
        // Kahn's algorithm, keeping the table's order among equals.
        let mut indegree = vec![0usize; n];
        for e in &edges {
            for &j in e {
                indegree[j] += 1;
            }
        }
        let mut order = Vec::with_capacity(n);
        let mut done = vec![false; n];
        while order.len() < n {
            let Some(next) = (0..n).find(|&i| !done[i] && indegree[i] == 0) else {
                let stuck = (0..n).find(|&i| !done[i]).unwrap_or(0);
                let line = self
                    .rows
                    .iter()
                    .find(|r| r.measure == stuck)
                    .map_or(0, |r| r.line);
                return Err(LoadError::at(
                    origin,
                    line,
                    "excludes",
                    &self.names[stuck],
                    "measures displace each other in a cycle",
                ));
            };
            done[next] = true;
            order.push(next);
            for &j in &edges[next] {
                indegree[j] -= 1;
            }
        }
        self.order = order;
        Ok(())
    }

    /// Every row, in table order.
    pub fn rows(&self) -> &[MeasureRow] {
        &self.rows
    }

    /// The measures' names, in order of first appearance.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(|n| &**n)
    }

    /// The number of measures.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    pub(crate) fn name(&self, measure: usize) -> &str {
        self.names.get(measure).map_or("", |n| n)
    }

    /// Every date on which the candidates of an origin, or the choice among candidates that
    /// depend on nothing but the origin and the date, can change: the rows' own dates, their
    /// in-transit dates, and the dates their displacements end (`excludes` of `name<date`).
    /// (Product lists' and country lists' dates only matter to rows chosen line by line.)
    pub(crate) fn bounds(&self) -> impl Iterator<Item = Date> + '_ {
        self.rows
            .iter()
            .flat_map(|r| {
                [
                    r.from,
                    r.to,
                    r.transit.loaded_before,
                    r.transit.entered_before,
                ]
                .into_iter()
                .chain(r.excludes.iter().map(|d| d.before))
            })
            .flatten()
    }

    /// The rows of measures that may apply to an origin on a date whatever the goods and
    /// facts (origin and dates match), in table order: what a batch caches per origin and
    /// span of dates.
    pub(crate) fn candidates(&self, origin: CountryCode, date: Date) -> Vec<u32> {
        (0..self.rows.len())
            .filter(|&i| {
                let r = &self.rows[i];
                r.origins.holds(origin) && r.covers(date)
            })
            .filter_map(|i| u32::try_from(i).ok())
            .collect()
    }

    /// True when the choice among these candidate rows depends on nothing but the origin
    /// and the entry date, for a line without a loading date (the in-transit rule is not
    /// looked at: the batch chooses for each line that has one): every row covers all goods
    /// under no condition.
    pub(crate) fn fixed(&self, rows: &[u32]) -> bool {
        rows.iter().all(|&i| {
            self.rows
                .get(i as usize)
                .is_some_and(|r| r.scope.is_none() && r.except.is_empty() && r.condition.is_empty())
        })
    }

    /// The verdict on one row for a line (before ranking).
    fn verdict(
        &self,
        r: &MeasureRow,
        line: &Line<'_>,
        date: Date,
        annex2: &mut dyn FnMut() -> Result<bool, crate::Error>,
    ) -> Result<Verdict, crate::Error> {
        if !r.origins.holds(line.origin) {
            return Ok(Verdict::Origin);
        }
        if !r.covers(date) {
            return Ok(Verdict::Dates);
        }
        if let Some(t) = r.condition.iter().find(|t| !line.facts.has(t)) {
            return Ok(Verdict::Condition(t.to_string()));
        }
        if let Some(scope) = &r.scope {
            let Some(code) = line.hts else {
                return Ok(Verdict::Scope);
            };
            let mut any = false;
            for s in scope.iter() {
                if self.list_holds(*s, code, line, date, annex2)? {
                    any = true;
                    break;
                }
            }
            if !any {
                return Ok(Verdict::Scope);
            }
        }
        for s in r.except.iter() {
            let holds = match (s.list, line.hts) {
                (ListId::Annex2, _) => annex2()?,
                (_, Some(code)) => self.list_holds(*s, code, line, date, annex2)?,
                // A country list needs no code.
                (ListId::File(i), None) => self
                    .lists
                    .get(i)
                    .is_some_and(|l| l.holds(s.heading, None, line.origin, date, line.facts)),
            };
            if holds {
                return Ok(Verdict::Excepted(self.list_key(s.list).to_string()));
            }
        }
        Ok(Verdict::Chosen)
    }

    fn list_key(&self, id: ListId) -> &str {
        match id {
            ListId::Annex2 => ANNEX2_SCOPE,
            ListId::File(i) => self.lists.get(i).map_or("", |l| &l.key),
        }
    }

    fn list_holds(
        &self,
        s: ScopeRef,
        code: HtsCode,
        line: &Line<'_>,
        date: Date,
        annex2: &mut dyn FnMut() -> Result<bool, crate::Error>,
    ) -> Result<bool, crate::Error> {
        Ok(match s.list {
            ListId::Annex2 => annex2()?,
            ListId::File(i) => self
                .lists
                .get(i)
                .is_some_and(|l| l.holds(s.heading, Some(code), line.origin, date, line.facts)),
        })
    }

    /// The row of one measure chosen for a line on a date among `rows` (table indexes),
    /// with the verdicts on every row when `trace` is given.
    fn choose<'t>(
        &'t self,
        measure: usize,
        rows: &[u32],
        line: &Line<'_>,
        date: Date,
        annex2: &mut dyn FnMut() -> Result<bool, crate::Error>,
        mut trace: Option<&mut Vec<Considered<'t>>>,
    ) -> Result<(Option<&'t MeasureRow>, bool), crate::Error> {
        let mut best: Option<&MeasureRow> = None;
        let mut excepted = false;
        let start = trace.as_ref().map_or(0, |t| t.len());
        for &i in rows {
            let Some(r) = self.rows.get(i as usize) else {
                continue;
            };
            if r.measure != measure {
                continue;
            }
            let verdict = self.verdict(r, line, date, annex2)?;
            excepted |= matches!(verdict, Verdict::Excepted(_));
            if verdict == Verdict::Chosen && best.is_none_or(|b| outranks(r, b)) {
                best = Some(r);
            }
            if let Some(t) = trace.as_deref_mut() {
                t.push(Considered { row: r, verdict });
            }
        }
        if let (Some(t), Some(b)) = (trace, best) {
            for c in t.iter_mut().skip(start) {
                if c.verdict == Verdict::Chosen && !std::ptr::eq(c.row, b) {
                    c.verdict = Verdict::Outranked(b.line);
                }
            }
        }
        Ok((best, excepted))
    }

    /// The outcome of every measure with a row for the line, in table order of the
    /// measures; `rows` are the candidate rows of the origin and entry date
    /// ([`Measures::candidates`]). `annex2` says whether the schedule's exemption rows
    /// cover the goods (looked up at most once, when a row asks).
    pub(crate) fn outcomes<'t>(
        &'t self,
        rows: &[u32],
        line: &Line<'_>,
        annex2: &mut dyn FnMut() -> Result<bool, crate::Error>,
        mut trace: Option<&mut Vec<Considered<'t>>>,
        out: &mut Vec<Outcome<'t>>,
    ) -> Result<(), crate::Error> {
        out.clear();
        let mut loaded_rows: Option<Vec<u32>> = None;
        for &m in &self.order {
            let (entry, excepted) =
                self.choose(m, rows, line, line.date, annex2, trace.as_deref_mut())?;
            let Some(entry) = entry else {
                // Goods an exemption list took out of the measure: charged nothing.
                if excepted {
                    out.push(Outcome {
                        measure: m,
                        entry: None,
                        applied: None,
                        in_transit: false,
                        displaced_by: None,
                        ieepa: self.name(m).starts_with(IEEPA_PREFIX),
                    });
                }
                continue;
            };
            let (applied, in_transit) = match line.loaded {
                Some(loaded) if entry.transit.excepts(Some(loaded), line.date) => {
                    let rows =
                        loaded_rows.get_or_insert_with(|| self.candidates(line.origin, loaded));
                    let (earlier, _) = self.choose(m, rows, line, loaded, annex2, None)?;
                    if let Some(t) = trace.as_deref_mut() {
                        if let Some(c) = t.iter_mut().rev().find(|c| std::ptr::eq(c.row, entry)) {
                            c.verdict = Verdict::InTransit;
                        }
                    }
                    (earlier, true)
                }
                _ => (Some(entry), false),
            };
            // Displaced by a measure already decided that applies and names this one.
            let name = self.name(m);
            let displaced_by = out
                .iter()
                .find(|o| {
                    o.displaced_by.is_none()
                        && o.applied
                            .is_some_and(|a| a.excludes_on(line.date).any(|x| x == name))
                })
                .map(|o| o.measure);
            out.push(Outcome {
                measure: m,
                entry: Some(entry),
                applied,
                in_transit,
                displaced_by,
                ieepa: entry.is_ieepa(),
            });
        }
        // Back to the order of the table.
        out.sort_by_key(|o| o.measure);
        Ok(())
    }
}

/// The trimmed header of a table's text, and its records after it; `what` names the table
/// in the error for a text without even a header.
fn header<'t>(
    text: &'t str,
    origin: &str,
    what: &str,
) -> Result<(Vec<String>, Records<'t>), LoadError> {
    let mut records = Records::new(text);
    let mut fields: Vec<Cow<'_, str>> = Vec::new();
    if records.next_into(&mut fields).is_none() {
        return Err(LoadError::new(
            origin,
            1,
            LoadErrorKind::Invalid(format!("empty {what} (not even a header)")),
        ));
    }
    Ok((
        fields.iter().map(|f| f.trim().to_string()).collect(),
        records,
    ))
}

/// True when row `a` is chosen over row `b` of the same measure.
fn outranks(a: &MeasureRow, b: &MeasureRow) -> bool {
    let key = |r: &MeasureRow| {
        (
            r.condition.len(),
            r.kind == RateKind::InLieu,
            matches!(r.origins, Origins::Codes(_)),
        )
    };
    key(a) > key(b)
}

impl ScopeList {
    fn parse(key: &str, origin: &str, text: &str) -> Result<ScopeList, LoadError> {
        let (header, mut records) = header(text, origin, "product list")?;
        let mut fields: Vec<Cow<'_, str>> = Vec::new();
        let mut idx = [None; SCOPE_COLUMNS.len()];
        for (i, name) in header.iter().enumerate() {
            if let Some(c) = SCOPE_COLUMNS.iter().position(|c| c == name) {
                idx[c] = Some(i);
            }
        }
        let [hts, iso2, heading, origins, condition, from, to] = [0, 1, 2, 3, 4, 5, 6];
        let mut list = ScopeList {
            key: key.into(),
            lines: Vec::new(),
            by_code: HashMap::new(),
            lens: Vec::new(),
            countries: None,
        };
        if idx[hts].is_none() && idx[iso2].is_none() {
            return Err(
                LoadError::new(origin, 1, LoadErrorKind::MissingColumn).with_column("hts", "")
            );
        }
        let mut countries = Vec::new();
        while let Some(line) = records.next_into(&mut fields) {
            let get =
                |c: usize| -> &str { idx[c].and_then(|i| fields.get(i)).map_or("", |f| f.trim()) };
            let err =
                |c: usize, why: String| LoadError::at(origin, line, SCOPE_COLUMNS[c], get(c), why);
            let date = |c: usize| -> Result<Option<Date>, LoadError> {
                match get(c) {
                    "" => Ok(None),
                    v => v
                        .parse()
                        .map(Some)
                        .map_err(|_| err(c, "not a YYYY-MM-DD date".into())),
                }
            };
            let (f, t) = (date(from)?, date(to)?);
            if idx[hts].is_none() {
                let code = CountryCode::new(get(iso2)).map_err(|e| err(iso2, e.to_string()))?;
                countries.push((code, f, t));
                continue;
            }
            let (key, len) = HtsCode::parse_prefix_key(get(hts)).ok_or_else(|| {
                err(
                    hts,
                    "not an HTS code or prefix (2, 4, 6, 8 or 10 digits)".into(),
                )
            })?;
            let mut headings = Vec::new();
            for h in get(heading)
                .split(';')
                .map(str::trim)
                .filter(|h| !h.is_empty())
            {
                headings.push(
                    h.parse::<HtsCode>()
                        .map_err(|e: crate::Error| err(heading, e.to_string()))?,
                );
            }
            let line_origins = match get(origins) {
                "" => Origins::All,
                v => Origins::parse(v).map_err(|e| err(origins, e))?,
            };
            let condition = parse_tokens(get(condition)).map_err(|e| err(condition, e))?;
            let i = u32::try_from(list.lines.len()).map_err(|_| {
                LoadError::new(
                    origin,
                    line,
                    LoadErrorKind::Invalid("too many lines".into()),
                )
            })?;
            list.by_code.entry(key).or_default().push(i);
            if !list.lens.contains(&len) {
                list.lens.push(len);
            }
            list.lines.push(ScopeLine {
                headings: headings.into(),
                origins: line_origins,
                condition: condition.into(),
                from: f,
                to: t,
            });
        }
        list.lens.sort_unstable();
        if idx[hts].is_none() {
            list.countries = Some(countries);
        }
        Ok(list)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The format's keywords are read exactly as written, the empty confidence included, and
    /// the table's messages list them.
    #[test]
    fn keywords_of_the_format() {
        assert_eq!(
            RateKind::ALL.map(RateKind::as_str),
            [
                "additional",
                "total_floor",
                "total_cap",
                "in_lieu",
                "specific",
                "prohibited"
            ]
        );
        for k in RateKind::ALL {
            assert_eq!(k.as_str().parse::<RateKind>(), Ok(k));
            assert!(k.as_str().to_uppercase().parse::<RateKind>().is_err());
        }
        for b in Base::ALL {
            assert_eq!(b.to_string().parse::<Base>(), Ok(b));
            assert!(format!(" {b}").parse::<Base>().is_err());
        }
        assert_eq!("".parse::<Confidence>(), Ok(Confidence::Unstated));
        assert_eq!(Confidence::default().as_str(), "");
        assert_eq!("single".parse::<Confidence>(), Ok(Confidence::Single));
        assert!("Single".parse::<Confidence>().is_err());

        let table = |kind: &str, base: &str, confidence: &str| {
            let text = format!(
                "measure,origin,scope,rate_pct,rate_kind,base,effective_from,source,confidence\n\
                 m,CN,all,10,{kind},{base},2025-01-01,src,{confidence}\n"
            );
            Measures::new()
                .parse("m.csv", &text, &mut |_| Ok(None))
                .map_err(|e| e.to_string())
        };
        assert_eq!(table("additional", "full_value", ""), Ok(()));
        assert_eq!(table("in_lieu", "non_us_content", "verified"), Ok(()));
        let e = table("Additional", "full_value", "")
            .err()
            .unwrap_or_default();
        assert!(
            e.contains("one of additional, total_floor, total_cap, in_lieu, specific, prohibited"),
            "{e}"
        );
        let e = table("additional", "value", "").err().unwrap_or_default();
        assert!(
            e.contains("one of full_value, metal_content, non_us_content, min_import_price, none"),
            "{e}"
        );
        let e = table("additional", "full_value", "sure")
            .err()
            .unwrap_or_default();
        assert!(e.contains("verified, single, conflict or empty"), "{e}");
    }
}
