//! The rate table: loading (bundled or a user's file) and lookups by partner, HTS code and date.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::Read;
use std::path::Path;
use std::str::FromStr;
use std::sync::{Arc, LazyLock, OnceLock};

use rust_decimal::Decimal;

use crate::country::{edit_distance_within, from_alpha3, known_name, known_names, normalize};
use crate::error::LoadErrorKind;
use crate::measure::{Measures, Transit};
use crate::{Category, CountryCode, Date, Error, HtsCode, LoadError};

/// The bundled table's text (`tariffs.csv` at the crate root, embedded at compile time).
pub const BUNDLED_CSV: &str = include_str!("../tariffs.csv");

/// What the bundled table holds, in words.
pub const BUNDLED_LABEL: &str = "EO 14257 rates as announced on 2 April 2025";

const BUNDLED_ORIGIN: &str = "bundled tariffs.csv";

static BUNDLED: LazyLock<Result<RateTable, LoadError>> =
    LazyLock::new(|| Schedule::Announced.build());

/// The bundled "enacted" schedule's text (`tariffs-enacted.csv`): the rates and exemptions in
/// force by entry date from 5 April 2025 to the end of IEEPA collection on 24 February 2026,
/// the other IEEPA programs, and the Section 122 surcharge that followed.
pub const ENACTED_CSV: &str = include_str!("../tariffs-enacted.csv");

/// What the enacted schedule holds, in words.
pub const ENACTED_LABEL: &str =
    "IEEPA duties as enacted, 5 April 2025 to 24 February 2026, and Section 122 after";

/// The enacted schedule's measures (`measures-enacted.csv`, in the format of the shared
/// data's `measures_*.csv`): the IEEPA fentanyl, Brazil and India duties and Section 122.
pub const ENACTED_MEASURES_CSV: &str = include_str!("../measures-enacted.csv");

static ENACTED: LazyLock<Result<RateTable, LoadError>> =
    LazyLock::new(|| Schedule::Enacted.build());

/// The largest table file [`RateTable::from_path`] and [`RateTable::from_reader`] read:
/// 256 MiB, room for the bundled tables of the whole HTS and its measures (tens of MB); a
/// longer input (`/dev/zero`, a wrong file) is refused once that much is read, with memory
/// bounded by it.
pub const MAX_TABLE_BYTES: usize = 256 << 20;

fn too_long(origin: &str) -> LoadError {
    LoadError::new(
        origin,
        0,
        LoadErrorKind::Invalid(format!(
            "longer than {} MiB, the most a table may be: not a rate table",
            MAX_TABLE_BYTES >> 20
        )),
    )
}

/// The bundled schedules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Schedule {
    /// The rates announced on 2 April 2025 (`tariffs.csv`), the default.
    #[default]
    Announced,
    /// The rates as enacted, by entry date (`tariffs-enacted.csv`).
    Enacted,
}

impl Schedule {
    /// Every bundled schedule, in a fixed order (`announced`, `enacted`).
    pub const ALL: [Schedule; 2] = [Schedule::Announced, Schedule::Enacted];

    /// `announced` or `enacted`.
    pub fn as_str(self) -> &'static str {
        match self {
            Schedule::Announced => "announced",
            Schedule::Enacted => "enacted",
        }
    }

    /// The schedule's table, parsed once.
    ///
    /// # Errors
    ///
    /// The [`LoadError`] of the bundled text, which the crate's tests rule out.
    pub fn table(self) -> Result<&'static RateTable, &'static LoadError> {
        match self {
            Schedule::Announced => BUNDLED.as_ref(),
            Schedule::Enacted => ENACTED.as_ref(),
        }
    }

    /// A new copy of the schedule's table, to add measures to
    /// ([`RateTable::load_measures`]); [`Schedule::table`] is the shared one.
    ///
    /// # Errors
    ///
    /// The [`LoadError`] of the bundled text, which the crate's tests rule out.
    pub fn build(self) -> Result<RateTable, LoadError> {
        match self {
            Schedule::Announced => RateTable::parse(BUNDLED_CSV, BUNDLED_ORIGIN),
            Schedule::Enacted => {
                let mut t = RateTable::parse(ENACTED_CSV, "bundled tariffs-enacted.csv")?;
                t.load_measures_from_str(
                    "bundled measures-enacted.csv",
                    ENACTED_MEASURES_CSV,
                    |_| None,
                )?;
                Ok(t)
            }
        }
    }

    /// The schedule's table; the compiled-in text is checked by the crate's tests, so the
    /// panic here is unreachable from user input.
    #[allow(clippy::panic)]
    fn loaded(self) -> &'static RateTable {
        match self.table() {
            Ok(t) => t,
            Err(e) => panic!("the bundled {} schedule is invalid: {e}", self.as_str()),
        }
    }

    /// The bundled text.
    pub fn text(self) -> &'static str {
        match self {
            Schedule::Announced => BUNDLED_CSV,
            Schedule::Enacted => ENACTED_CSV,
        }
    }

    /// What the schedule holds, in words.
    pub fn label(self) -> &'static str {
        match self {
            Schedule::Announced => BUNDLED_LABEL,
            Schedule::Enacted => ENACTED_LABEL,
        }
    }
}

impl std::str::FromStr for Schedule {
    type Err = String;
    fn from_str(s: &str) -> Result<Schedule, String> {
        Schedule::ALL
            .into_iter()
            .find(|schedule| schedule.as_str() == s)
            .ok_or_else(|| {
                let names = Schedule::ALL.map(Schedule::as_str);
                format!("unknown schedule {s:?} ({})", names.join(" or "))
            })
    }
}

/// Which goods of an origin an MPF exemption row covers (its `applies_to` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MpfApplies {
    /// All goods of the origin.
    All,
    /// Goods entered with the USMCA claim.
    Usmca,
}

impl MpfApplies {
    /// The keyword used in the table: `all`, `usmca`.
    pub fn as_str(self) -> &'static str {
        match self {
            MpfApplies::All => "all",
            MpfApplies::Usmca => "usmca",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<MpfApplies> {
        [MpfApplies::All, MpfApplies::Usmca]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
}

/// Why a partner pays the rate of its row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Basis {
    /// The 10% baseline on all trading partners (EO 14257 sec. 2, 3(a)).
    Baseline,
    /// A country rate listed in Annex I of EO 14257.
    AnnexI,
    /// A member state of the European Union: the EU's rate (`rate_of` = `EU`).
    EuMember,
    /// Hong Kong and Macau: China's rate (EO 14257 sec. 3(j); `rate_of` = `CN`).
    ChinaSar,
    /// Not subject to the reciprocal duty (Canada and Mexico: other orders; Column 2 countries).
    NotSubject,
    /// A 15% all-in floor: the additional duty is 15% less the Column 1 General rate, and
    /// nothing when that rate is 15% or more (EU, Japan, Switzerland, Liechtenstein).
    Floor15,
    /// The same floor on the Column 1 rate that applies to the entry, General or Special
    /// (Korea, CSMS 67045953).
    Floor15Applied,
    /// 40% in lieu of the country rate for goods CBP finds transshipped (EO 14326 sec. 3);
    /// applies when the shipment is declared transshipped. Rows of this basis use code `*`.
    Transshipment,
    /// Inside the customs territory of the United States (HTSUS General Note 2: the States,
    /// the District of Columbia, Puerto Rico): not a trading partner; refused as an origin,
    /// like `US`.
    CustomsTerritory,
    /// A US insular possession outside the customs territory (HTSUS General Note 3(a)(iv):
    /// the US Virgin Islands, Guam, American Samoa, the Northern Mariana Islands), priced as
    /// its own origin with no reciprocal duty: a reading (no source read settles it), the
    /// row's note says which.
    InsularPossession,
}

impl Basis {
    /// The name used in the table's `basis` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Baseline => "baseline",
            Basis::AnnexI => "annex1",
            Basis::EuMember => "eu_member",
            Basis::ChinaSar => "china_sar",
            Basis::NotSubject => "not_subject",
            Basis::Floor15 => "floor_15",
            Basis::Floor15Applied => "floor_15_applied",
            Basis::Transshipment => "transshipment",
            Basis::CustomsTerritory => "customs_territory",
            Basis::InsularPossession => "insular_possession",
        }
    }

    /// In words, for people: "Annex I", "10% baseline", "EU member", ...
    pub fn label(self) -> &'static str {
        match self {
            Basis::Baseline => "baseline",
            Basis::AnnexI => "Annex I",
            Basis::EuMember => "EU member",
            Basis::ChinaSar => "China's rate (EO 14257 sec. 3(j))",
            Basis::NotSubject => "not subject",
            Basis::Floor15 => "15% floor (15% less the Column 1 General rate)",
            Basis::Floor15Applied => "15% floor (15% less the Column 1 rate applied)",
            Basis::Transshipment => "transshipment (EO 14326 sec. 3)",
            Basis::CustomsTerritory => "in the US customs territory (HTSUS General Note 2)",
            Basis::InsularPossession => "US insular possession (HTSUS General Note 3(a)(iv))",
        }
    }

    fn parse(s: &str) -> Option<Basis> {
        [
            Basis::Baseline,
            Basis::AnnexI,
            Basis::EuMember,
            Basis::ChinaSar,
            Basis::NotSubject,
            Basis::Floor15,
            Basis::Floor15Applied,
            Basis::Transshipment,
            Basis::CustomsTerritory,
            Basis::InsularPossession,
        ]
        .into_iter()
        .find(|b| b.as_str() == s)
    }

    fn follows(self) -> bool {
        matches!(self, Basis::EuMember | Basis::ChinaSar)
    }

    /// True for the floor rules, whose additional duty depends on the MFN rate.
    pub fn is_floor(self) -> bool {
        matches!(self, Basis::Floor15 | Basis::Floor15Applied)
    }
}

impl fmt::Display for Basis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an exemption line comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExemptBasis {
    /// A line of Annex II of EO 14257 (or a later version of it).
    AnnexII,
    /// A code added by the presidential memorandum of 11 April 2025 (semiconductors).
    Memo,
    /// Goods moved from Annex II to a Section 232 action, which excludes them from the
    /// reciprocal duty (copper semis from 1 August 2025, Proclamation 10962).
    Section232,
}

impl ExemptBasis {
    /// The name used in the table's `basis` column: `annex2`, `memo` or `section232`.
    pub fn as_str(self) -> &'static str {
        match self {
            ExemptBasis::AnnexII => "annex2",
            ExemptBasis::Memo => "memo",
            ExemptBasis::Section232 => "section232",
        }
    }
}

/// The fees the table carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FeeKind {
    /// Merchandise processing fee on formal entries (ad valorem, clamped to a fiscal-year
    /// minimum and maximum; class code 499).
    Mpf,
    /// Merchandise processing fee on an informal entry filed electronically and not prepared
    /// by CBP (a flat amount per entry; class code 311): what an informal entry pays.
    MpfInformal,
    /// The flat fee on a manual informal entry not prepared by CBP: carried in the table for
    /// a user to select; the estimator does not charge it.
    MpfInformalManual,
    /// The flat fee on an informal entry prepared by CBP personnel: carried in the table for
    /// a user to select; the estimator does not charge it.
    MpfInformalCbp,
    /// Harbor maintenance fee (ad valorem, ocean shipments only).
    Hmf,
}

impl FeeKind {
    /// Every fee kind.
    pub const ALL: [FeeKind; 5] = [
        FeeKind::Mpf,
        FeeKind::MpfInformal,
        FeeKind::MpfInformalManual,
        FeeKind::MpfInformalCbp,
        FeeKind::Hmf,
    ];

    /// The code used in the table: `MPF`, `MPF_INFORMAL`, `MPF_INFORMAL_MANUAL`,
    /// `MPF_INFORMAL_CBP` or `HMF`.
    pub fn as_str(self) -> &'static str {
        match self {
            FeeKind::Mpf => "MPF",
            FeeKind::MpfInformal => "MPF_INFORMAL",
            FeeKind::MpfInformalManual => "MPF_INFORMAL_MANUAL",
            FeeKind::MpfInformalCbp => "MPF_INFORMAL_CBP",
            FeeKind::Hmf => "HMF",
        }
    }

    /// True for the fees of a flat amount per entry (the informal MPF classes); the others
    /// are ad valorem.
    pub fn is_flat(self) -> bool {
        matches!(
            self,
            FeeKind::MpfInformal | FeeKind::MpfInformalManual | FeeKind::MpfInformalCbp
        )
    }

    /// True for the merchandise processing fees, which an MPF exemption takes away.
    pub fn is_mpf(self) -> bool {
        self != FeeKind::Hmf
    }
}

/// One `rate` row of the table: a partner's reciprocal rate over a period.
#[derive(Debug, Clone, PartialEq)]
pub struct RateEntry {
    pub(crate) line: u64,
    pub(crate) code: Option<CountryCode>,
    pub(crate) name: String,
    pub(crate) rate_pct: Option<Decimal>,
    pub(crate) rate: Option<Decimal>,
    pub(crate) charged_pct: Option<Decimal>,
    pub(crate) chart_pct: Option<Decimal>,
    pub(crate) basis: Basis,
    pub(crate) rate_of: Option<CountryCode>,
    pub(crate) from: Date,
    pub(crate) to: Option<Date>,
    pub(crate) transit: Transit,
    pub(crate) source: Arc<str>,
    pub(crate) note: Arc<str>,
}

impl RateEntry {
    /// The row's in-transit exception (goods loaded before a date and entered before a
    /// deadline keep the treatment in force on their loading date).
    pub fn transit(&self) -> Transit {
        self.transit
    }
    /// The partner's code; `None` for the `*` row (all partners not listed).
    pub fn code(&self) -> Option<CountryCode> {
        self.code
    }
    /// The partner's name as the table spells it.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The reciprocal rate in percent (`None` when the row follows another partner or is not
    /// subject).
    pub fn rate_pct(&self) -> Option<Decimal> {
        self.rate_pct
    }
    /// The chart's "Tariffs Charged to the U.S.A." in percent, where the chart has one.
    pub fn charged_pct(&self) -> Option<Decimal> {
        self.charged_pct
    }
    /// The chart's "U.S.A. Discounted Reciprocal Tariffs" in percent, where the chart has one.
    /// It differs from [`rate_pct`](Self::rate_pct) where the chart and the law differ.
    pub fn chart_pct(&self) -> Option<Decimal> {
        self.chart_pct
    }
    /// Why this rate applies.
    pub fn basis(&self) -> Basis {
        self.basis
    }
    /// The partner whose rate this row takes (the EU for its members, China for Hong Kong and
    /// Macau).
    pub fn rate_of(&self) -> Option<CountryCode> {
        self.rate_of
    }
    /// First entry date the row covers.
    pub fn effective_from(&self) -> Date {
        self.from
    }
    /// First entry date the row no longer covers (`None`: open-ended).
    pub fn effective_to(&self) -> Option<Date> {
        self.to
    }
    /// The legal source of the rate.
    pub fn source(&self) -> &str {
        &self.source
    }
    /// Caveats and reasons (for example why a partner is not subject).
    pub fn note(&self) -> &str {
        &self.note
    }
    /// The line of the table the row was read from.
    pub fn line(&self) -> u64 {
        self.line
    }
    /// True when the row is in force on `date` (`effective_from <= date < effective_to`).
    pub fn covers(&self, date: Date) -> bool {
        in_period(Some(self.from), self.to, date)
    }
}

/// One `exempt` row of the table: an HTS code (and everything under it) exempt from the
/// reciprocal duty over a period.
#[derive(Debug, Clone, PartialEq)]
pub struct ExemptEntry {
    pub(crate) line: u64,
    pub(crate) code: HtsCode,
    pub(crate) description: String,
    pub(crate) category: Category,
    pub(crate) basis: ExemptBasis,
    pub(crate) from: Date,
    pub(crate) to: Option<Date>,
    pub(crate) source: Arc<str>,
    pub(crate) note: Arc<str>,
}

impl ExemptEntry {
    /// The exempt code; longer codes under it are exempt too.
    pub fn code(&self) -> HtsCode {
        self.code
    }
    /// The goods description (a label; the code is authoritative).
    pub fn description(&self) -> &str {
        &self.description
    }
    /// The exemption category.
    pub fn category(&self) -> Category {
        self.category
    }
    /// Annex II line or memorandum code.
    pub fn basis(&self) -> ExemptBasis {
        self.basis
    }
    /// First entry date the exemption covers.
    pub fn effective_from(&self) -> Date {
        self.from
    }
    /// First entry date it no longer covers (`None`: open-ended).
    pub fn effective_to(&self) -> Option<Date> {
        self.to
    }
    /// The legal source.
    pub fn source(&self) -> &str {
        &self.source
    }
    /// Notes (how the category was assigned, ...).
    pub fn note(&self) -> &str {
        &self.note
    }
    /// The line of the table the row was read from.
    pub fn line(&self) -> u64 {
        self.line
    }
    /// True when the row is in force on `date` (`effective_from <= date < effective_to`).
    pub fn covers(&self, date: Date) -> bool {
        in_period(Some(self.from), self.to, date)
    }
}

/// One `fee` row: a user fee's ad valorem rate and limits over a period.
#[derive(Debug, Clone, PartialEq)]
pub struct FeeEntry {
    pub(crate) line: u64,
    pub(crate) kind: FeeKind,
    pub(crate) name: String,
    pub(crate) rate_pct: Decimal,
    pub(crate) min: Option<Decimal>,
    pub(crate) max: Option<Decimal>,
    pub(crate) flat: Option<Decimal>,
    pub(crate) from: Option<Date>,
    pub(crate) to: Option<Date>,
    pub(crate) source: Arc<str>,
    pub(crate) note: Arc<str>,
    /// The figures this row leaves blank, carried forward from the latest earlier row of
    /// the same fee that has them.
    pub(crate) carried: Option<Carried>,
}

/// Figures a fee row leaves blank (not in the sourced data: the FY2027 MPF limits), taken
/// from the latest earlier row of the same fee that has them.
#[derive(Debug, Clone, PartialEq)]
pub struct Carried {
    /// The minimum, maximum and flat amount in use (the row's own where it has them).
    pub(crate) min: Option<Decimal>,
    pub(crate) max: Option<Decimal>,
    pub(crate) flat: Option<Decimal>,
    /// The line and fiscal-year label of the row they come from, and the row's own label.
    pub(crate) from_line: u64,
    pub(crate) note: String,
}

impl Carried {
    /// What the output says of it: `FY2027 limits not in the table: FY2026 limits used`.
    pub fn note(&self) -> &str {
        &self.note
    }
    /// The line of the row the figures come from.
    pub fn from_line(&self) -> u64 {
        self.from_line
    }
}

impl FeeEntry {
    /// Which fee.
    pub fn kind(&self) -> FeeKind {
        self.kind
    }
    /// Its name, e.g. "Merchandise processing fee FY2026".
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The ad valorem rate in percent.
    pub fn rate_pct(&self) -> Decimal {
        self.rate_pct
    }
    /// The minimum per entry in USD, if the row gives one.
    pub fn min_usd(&self) -> Option<Decimal> {
        self.min
    }
    /// The maximum per entry in USD, if the row gives one.
    pub fn max_usd(&self) -> Option<Decimal> {
        self.max
    }
    /// The flat amount per entry in USD of a flat fee, if the row gives one.
    pub fn flat_usd(&self) -> Option<Decimal> {
        self.flat
    }
    /// The minimum, maximum and flat amount the fee is charged with: the row's own, and
    /// where it leaves one blank that an earlier row of the same fee has, that row's (see
    /// [`FeeEntry::carried`]).
    pub fn figures(&self) -> (Option<Decimal>, Option<Decimal>, Option<Decimal>) {
        match &self.carried {
            Some(c) => (c.min, c.max, c.flat),
            None => (self.min, self.max, self.flat),
        }
    }
    /// The figures carried forward from an earlier row, when the row leaves some blank.
    pub fn carried(&self) -> Option<&Carried> {
        self.carried.as_ref()
    }
    /// First entry date covered (`None`: since before the table's range).
    pub fn effective_from(&self) -> Option<Date> {
        self.from
    }
    /// First entry date no longer covered (`None`: open-ended).
    pub fn effective_to(&self) -> Option<Date> {
        self.to
    }
    /// The legal source.
    pub fn source(&self) -> &str {
        &self.source
    }
    /// Notes.
    pub fn note(&self) -> &str {
        &self.note
    }
    /// True when the row is in force on `date` (`effective_from <= date < effective_to`).
    pub fn covers(&self, date: Date) -> bool {
        in_period(self.from, self.to, date)
    }
}

/// One `mpf_exempt` row: goods of an origin that pay no merchandise processing fee (formal
/// or informal), with or without a claim (19 U.S.C. 58c(b)).
#[derive(Debug, Clone, PartialEq)]
pub struct MpfExemptEntry {
    pub(crate) line: u64,
    pub(crate) code: CountryCode,
    pub(crate) name: String,
    pub(crate) applies_to: MpfApplies,
    pub(crate) from: Option<Date>,
    pub(crate) to: Option<Date>,
    pub(crate) source: Arc<str>,
    pub(crate) note: Arc<str>,
}

impl MpfExemptEntry {
    /// The origin whose goods are exempt.
    pub fn code(&self) -> CountryCode {
        self.code
    }
    /// The program, in words (`USMCA originating goods (SPI S, S+)`).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Which goods: [`MpfApplies::All`] (every product of the origin, whether or not a
    /// preference is claimed) or [`MpfApplies::Usmca`] (goods entered with the USMCA claim).
    pub fn applies_to(&self) -> MpfApplies {
        self.applies_to
    }
    /// First entry date covered (`None`: since before the table's range).
    pub fn effective_from(&self) -> Option<Date> {
        self.from
    }
    /// First entry date no longer covered (`None`: open-ended).
    pub fn effective_to(&self) -> Option<Date> {
        self.to
    }
    /// The legal source.
    pub fn source(&self) -> &str {
        &self.source
    }
    /// Notes (conditions of the exemption).
    pub fn note(&self) -> &str {
        &self.note
    }
    /// The line of the table the row was read from.
    pub fn line(&self) -> u64 {
        self.line
    }
    /// True when the row is in force on `date`.
    pub fn covers(&self, date: Date) -> bool {
        in_period(self.from, self.to, date)
    }
}

/// A sorted `(key, row)` index with a hash map from each key to its run of entries: one map
/// entry per distinct key, no allocation per key.
#[derive(Debug, Default)]
struct KeyIndex {
    entries: Vec<(u64, u32)>,
    runs: HashMap<u64, (u32, u32), BuildHasherDefault<IntHasher>>,
}

impl KeyIndex {
    /// Builds from entries already sorted by key.
    fn new(entries: Vec<(u64, u32)>) -> KeyIndex {
        let mut runs = HashMap::with_capacity_and_hasher(entries.len(), Default::default());
        let mut start = 0;
        while start < entries.len() {
            let key = entries[start].0;
            let len = entries[start..].iter().take_while(|e| e.0 == key).count();
            runs.insert(key, (start as u32, len as u32));
            start += len;
        }
        KeyIndex { entries, runs }
    }

    fn get(&self, key: u64) -> &[(u64, u32)] {
        match self.runs.get(&key) {
            Some(&(start, len)) => self
                .entries
                .get(start as usize..(start + len) as usize)
                .unwrap_or(&[]),
            None => &[],
        }
    }
}

/// A hasher for keys that are already well-spread integers (HTS keys).
#[derive(Default, Clone, Copy)]
struct IntHasher(u64);

impl Hasher for IntHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (n ^ (n >> 29)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// True when the heading of `code` has an exemption row at or under it.
fn heading_bit(bits: &[u64; 157], code: HtsCode) -> bool {
    let h = code.heading();
    bits.get(h / 64).is_some_and(|w| w & (1 << (h % 64)) != 0)
}

/// True when `date` falls in `[from, to)`; a missing bound is open.
pub(crate) fn in_period(from: Option<Date>, to: Option<Date>, date: Date) -> bool {
    from.is_none_or(|f| f <= date) && to.is_none_or(|t| date < t)
}

/// A resolved trading partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partner<'a> {
    code: CountryCode,
    name: &'a str,
    listed: bool,
}

impl<'a> Partner<'a> {
    /// The partner's code (ISO alpha-2, or `EU`, `XK`).
    pub fn code(&self) -> CountryCode {
        self.code
    }
    /// The name as the table spells it (or the ISO name for a partner the table does not list).
    pub fn name(&self) -> &'a str {
        self.name
    }
    /// True when the table has rows of its own for the partner; false when it falls under the
    /// `*` row (all partners not listed).
    pub fn listed(&self) -> bool {
        self.listed
    }
}

/// The reciprocal-rate status of a partner on a date.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RateStatus<'a> {
    /// A rate applies.
    Applies {
        /// The rate in percent.
        rate_pct: Decimal,
        /// The same rate as a fraction (27% is 0.27).
        rate: Decimal,
        /// The partner's own row (for an EU member, its membership row).
        entry: &'a RateEntry,
        /// The row the rate is taken from (for an EU member, the EU's row; else `entry`).
        rate_entry: &'a RateEntry,
    },
    /// The partner is not subject to the reciprocal duty; the row's note says why.
    NotSubject {
        /// The partner's row.
        entry: &'a RateEntry,
    },
    /// No rate is in force on that date (before the first effective date, or after the last).
    NotInForce {
        /// The first effective date of the partner's rows, if any.
        first_from: Option<Date>,
    },
}

/// A partner's reciprocal rate on a date, with the row it comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PartnerRate<'a> {
    /// The partner.
    pub partner: Partner<'a>,
    /// The date the rate was looked up for (the entry date, or the table's reference date).
    pub date: Date,
    /// What applies.
    pub status: RateStatus<'a>,
    /// When the in-transit rule applied: the row that the entry date alone would have used
    /// (the status then reflects the row in force on the loading date).
    pub in_transit: Option<&'a RateEntry>,
}

impl PartnerRate<'_> {
    /// The rate in percent, or zero when none applies.
    pub fn rate_pct(&self) -> Decimal {
        match self.status {
            RateStatus::Applies { rate_pct, .. } => rate_pct,
            _ => Decimal::ZERO,
        }
    }
}

impl<'a> PartnerRate<'a> {
    /// The legal source of the partner's treatment on the date: that of the row the rate is
    /// taken from, or of the row saying the partner is not subject; empty when no rate is in
    /// force.
    pub fn source(&self) -> &'a str {
        match self.status {
            RateStatus::Applies { rate_entry, .. } => rate_entry.source(),
            RateStatus::NotSubject { entry } => entry.source(),
            RateStatus::NotInForce { .. } => "",
        }
    }
}

#[derive(Debug, Clone)]
struct PartnerRows {
    code: Option<CountryCode>,
    rows: Vec<RateEntry>,
}

const NO_PARTNER: u16 = u16::MAX;

/// The rate table: partners' reciprocal rates by date, Annex II exemptions, and fees.
///
/// The bundled table is [`RateTable::bundled`]; a user's table of the same format loads with
/// [`RateTable::from_path`] or [`RateTable::from_reader`] through the same parser. The format is
/// described in the crate's README.
///
/// # Example
///
/// ```
/// use tariffs::{RateTable, Date};
///
/// let table = RateTable::bundled();
/// let kz = table.partner("Kazakhstan")?;
/// let on_9_april = table.reciprocal(kz.code(), Some(Date::new(2025, 4, 9)?))?;
/// assert_eq!(on_9_april.rate_pct().to_string(), "27");
/// let on_5_april = table.reciprocal(kz.code(), Some(Date::new(2025, 4, 5)?))?;
/// assert_eq!(on_5_april.rate_pct().to_string(), "10");
/// # Ok::<(), tariffs::Error>(())
/// ```
#[derive(Debug)]
pub struct RateTable {
    origin: String,
    partners: Vec<PartnerRows>,
    by_code: Box<[u16; 676]>,
    others: Option<usize>,
    transshipment: Vec<RateEntry>,
    measures: Measures,
    exemptions: Vec<ExemptEntry>,
    // The rows of each exact code, in date order.
    exempt_at: KeyIndex,
    // The rows under each shorter code.
    exempt_under: KeyIndex,
    exempt_lens: Vec<usize>,
    // One bit per 4-digit heading with any exemption row at or under it: most codes are
    // looked up in none, and need no hash lookup at all.
    exempt_headings: Box<[u64; 157]>,
    category_periods: [Vec<(Date, Option<Date>)>; 8],
    fees: Vec<FeeEntry>,
    mpf_exemptions: Vec<MpfExemptEntry>,
    reference_date: Option<Date>,
    names: OnceLock<HashMap<String, (CountryCode, String)>>,
    suggest_index: OnceLock<SuggestIndex>,
}

impl RateTable {
    /// The bundled table (the 2 April 2025 announcement), parsed once on first use.
    ///
    /// The bundled text is checked by this crate's tests (`bundled_table_parses`), so the
    /// parse cannot fail at a user's run time; should a modified build embed a broken
    /// table, this panics with the [`LoadError`] on first use.
    pub fn bundled() -> &'static RateTable {
        Schedule::Announced.loaded()
    }

    /// The bundled enacted schedule (`tariffs-enacted.csv`), parsed once on first use; see
    /// [`RateTable::bundled`] on failure.
    pub fn enacted() -> &'static RateTable {
        Schedule::Enacted.loaded()
    }

    /// The bundled table, or the error that stops it from parsing (which the crate's tests
    /// rule out); for callers that prefer never to panic.
    ///
    /// # Errors
    ///
    /// The [`LoadError`] of the bundled text, if it were invalid.
    pub fn try_bundled() -> Result<&'static RateTable, &'static LoadError> {
        BUNDLED.as_ref()
    }

    /// Loads a table from a file of the bundled format.
    ///
    /// # Errors
    ///
    /// A [`LoadError`] naming the file, line, column and value: unreadable file, a file
    /// longer than [`MAX_TABLE_BYTES`], malformed CSV, missing columns, malformed codes, rates or dates, unknown categories or bases,
    /// rates outside the sane range, duplicate or overlapping rows.
    pub fn from_path(path: impl AsRef<Path>) -> Result<RateTable, LoadError> {
        let path = path.as_ref();
        let text = read_text(path)?;
        RateTable::parse(&text, &path.display().to_string())
    }

    /// Loads a table from any reader of the bundled format (the origin in errors is
    /// `<reader>`).
    ///
    /// # Errors
    ///
    /// As [`RateTable::from_path`].
    pub fn from_reader(reader: impl Read) -> Result<RateTable, LoadError> {
        let text = read_bounded(reader, "<reader>")?;
        RateTable::parse(&text, "<reader>")
    }

    /// Parses table text; `origin` names it in errors.
    ///
    /// # Errors
    ///
    /// As [`RateTable::from_path`].
    pub fn parse(text: &str, origin: &str) -> Result<RateTable, LoadError> {
        crate::load::parse(text, origin)
    }

    /// Where the table came from: `bundled tariffs.csv`, a path, or `<reader>`.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The date used when a lookup gives none: the latest `effective_from` of any rate or
    /// exemption row, when every rate the table announces is in force (2025-04-09 for the
    /// bundled table).
    pub fn reference_date(&self) -> Option<Date> {
        self.reference_date
    }

    /// Every rate row, grouped by partner in table order, each partner's rows by date, then
    /// the transshipment rows.
    pub fn rates(&self) -> impl Iterator<Item = &RateEntry> {
        self.partners
            .iter()
            .flat_map(|p| p.rows.iter())
            .chain(self.transshipment.iter())
    }

    /// The schedule's measures (the duties beside the MFN and reciprocal duties: for the
    /// enacted schedule the IEEPA fentanyl, Brazil and India duties and Section 122).
    pub fn measures(&self) -> &Measures {
        &self.measures
    }

    /// Adds the measures of a measures table (the format of `measures-enacted.csv`, which is
    /// that of the shared data's `measures_*.csv`) to the schedule. Product lists named in
    /// its `scope` and `scope_except` columns are read from `scope_<key>.csv` beside the
    /// file.
    ///
    /// # Errors
    ///
    /// A [`LoadError`] naming the file, line, column and value, or a list that cannot be read.
    pub fn load_measures(&mut self, path: impl AsRef<Path>) -> Result<(), LoadError> {
        let path = path.as_ref();
        let origin = path.display().to_string();
        let text = read_text(path)?;
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut scope = |key: &str| -> Result<Option<(String, String)>, LoadError> {
            if !key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
                || key.starts_with('.')
            {
                return Ok(None);
            }
            let file = dir.join(format!("scope_{key}.csv"));
            if !file.exists() {
                return Ok(None);
            }
            let text = read_text(&file)?;
            Ok(Some((file.display().to_string(), text)))
        };
        self.measures.parse(&origin, &text, &mut scope)
    }

    /// Adds the measures of a measures table given as text, whose product lists `scope`
    /// returns by key (name to report, text), or `None` when there is no such list.
    ///
    /// ```
    /// use tariffs::RateTable;
    /// let mut t = tariffs::Schedule::Announced.build()?;
    /// let text = "measure,origin,scope,rate_pct,rate_kind,base,effective_from,source\n\
    ///             my_duty,KZ,all,5,additional,full_value,2025-01-01,my order\n";
    /// t.load_measures_from_str("<mine>", text, |_| None)?;
    /// assert_eq!(t.measures().names().collect::<Vec<_>>(), ["my_duty"]);
    /// # Ok::<(), tariffs::LoadError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A [`LoadError`] naming the table, line, column and value.
    pub fn load_measures_from_str(
        &mut self,
        origin: &str,
        text: &str,
        mut scope: impl FnMut(&str) -> Option<(String, String)>,
    ) -> Result<(), LoadError> {
        self.measures.parse(origin, text, &mut |k| Ok(scope(k)))
    }

    /// Every exemption row, in table order.
    pub fn exemptions(&self) -> &[ExemptEntry] {
        &self.exemptions
    }

    /// Every fee row, in table order.
    pub fn fees(&self) -> &[FeeEntry] {
        &self.fees
    }

    /// True when the table has a row of this fee (in force on some date).
    pub fn has_fee(&self, kind: FeeKind) -> bool {
        self.fees.iter().any(|f| f.kind == kind)
    }

    /// Every MPF exemption row, in table order.
    pub fn mpf_exemptions(&self) -> &[MpfExemptEntry] {
        &self.mpf_exemptions
    }

    /// The MPF exemption of goods of this origin on a date, if one covers them: a row of
    /// the origin for all its goods, or for goods entered with the USMCA claim (`usmca`).
    pub fn mpf_exemption(
        &self,
        code: CountryCode,
        date: Date,
        usmca: bool,
    ) -> Option<&MpfExemptEntry> {
        self.mpf_exemptions.iter().find(|e| {
            e.code == code
                && e.covers(date)
                && match e.applies_to {
                    MpfApplies::All => true,
                    MpfApplies::Usmca => usmca,
                }
        })
    }

    /// Partners with rows of their own (not counting the `*` row, nor places the table puts
    /// in the US customs territory).
    pub fn partners(&self) -> impl Iterator<Item = Partner<'_>> {
        self.partners.iter().filter_map(|p| {
            let first = p.rows.first()?;
            (first.basis != Basis::CustomsTerritory).then_some(Partner {
                code: p.code?,
                name: first.name.as_str(),
                listed: true,
            })
        })
    }

    fn rows_of(&self, code: CountryCode) -> Option<&PartnerRows> {
        match self.by_code[code.index()] {
            NO_PARTNER => None,
            i => self.partners.get(usize::from(i)),
        }
    }

    /// The partner with this code: listed in the table, or a known ISO country that falls
    /// under the `*` row.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownPartner`] when the code is neither; [`Error::DomesticOrigin`] for `US`
    /// and for a place the table puts in the US customs territory (Puerto Rico).
    pub fn partner_by_code(&self, code: CountryCode) -> Result<Partner<'_>, Error> {
        if code.as_str() == "US" {
            return Err(Error::DomesticOrigin {
                query: code.to_string(),
            });
        }
        if let Some(rows) = self.rows_of(code) {
            if let Some(first) = rows.rows.first() {
                if first.basis == Basis::CustomsTerritory {
                    return Err(Error::DomesticOrigin {
                        query: code.to_string(),
                    });
                }
                return Ok(Partner {
                    code,
                    name: &first.name,
                    listed: true,
                });
            }
        }
        match code.iso_name().or_else(|| known_name(code)) {
            Some(name) => Ok(Partner {
                code,
                name,
                listed: false,
            }),
            None => Err(Error::UnknownPartner {
                query: code.to_string(),
                suggestions: Vec::new(),
            }),
        }
    }

    /// Resolves a partner by ISO alpha-2 or alpha-3 code or English name, case-insensitively,
    /// with common aliases ("Viet Nam", "South Korea", "Korea, Republic of", "UK", "Türkiye").
    /// An EU member state resolves to itself; its rate is the EU's.
    ///
    /// ```
    /// use tariffs::RateTable;
    /// let t = RateTable::bundled();
    /// for q in ["VN", "vnm", "Viet Nam", "vietnam"] {
    ///     assert_eq!(t.partner(q)?.code().as_str(), "VN");
    /// }
    /// assert_eq!(t.partner("Korea, Republic of")?.code().as_str(), "KR");
    /// let err = t.partner("Kazakstan").unwrap_err();
    /// assert!(err.to_string().contains("Kazakhstan"));
    /// # Ok::<(), tariffs::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::UnknownPartner`] with up to three suggestions, or [`Error::DomesticOrigin`].
    pub fn partner(&self, query: &str) -> Result<Partner<'_>, Error> {
        let q = query.trim_ascii();
        let key = normalize(q);
        match self.resolve(q, &key) {
            Some(code) => self.partner_by_code(code).map_err(|e| match e {
                Error::DomesticOrigin { .. } => Error::DomesticOrigin {
                    query: query.to_string(),
                },
                e => e,
            }),
            None => Err(Error::UnknownPartner {
                query: query.to_string(),
                suggestions: suggest(
                    self.suggest_index
                        .get_or_init(|| SuggestIndex::new(self.names())),
                    &key,
                ),
            }),
        }
    }

    /// The code a query names: a two-letter code the table or ISO knows, an ISO alpha-3
    /// code, or a name or alias (`key`: the query normalized).
    fn resolve(&self, q: &str, key: &str) -> Option<CountryCode> {
        if q.len() == 2 {
            if let Ok(code) = CountryCode::new(q) {
                if self.rows_of(code).is_some()
                    || code.iso_name().is_some()
                    || known_name(code).is_some()
                {
                    return Some(code);
                }
            }
        }
        if q.len() == 3 {
            if let Some(code) = from_alpha3(q) {
                return Some(code);
            }
        }
        self.names().get(key).map(|(code, _)| *code)
    }

    fn names(&self) -> &HashMap<String, (CountryCode, String)> {
        self.names.get_or_init(|| {
            let mut map = HashMap::new();
            for (name, code) in known_names() {
                if let Ok(c) = CountryCode::new(code) {
                    map.insert(normalize(name), (c, name.to_string()));
                }
            }
            // The table's own spellings win over ISO names and aliases.
            for p in &self.partners {
                if let (Some(code), Some(first)) = (p.code, p.rows.first()) {
                    map.insert(normalize(&first.name), (code, first.name.clone()));
                }
            }
            map
        })
    }

    /// The reciprocal rate of a partner on an entry date (`None`: the table's
    /// [reference date](Self::reference_date), when the announced rates are in full force).
    ///
    /// # Errors
    ///
    /// [`Error::UnknownPartner`] when the code is neither listed nor an ISO country;
    /// [`Error::NoRateRow`] when the table has no row for it and no `*` row.
    pub fn reciprocal(
        &self,
        code: CountryCode,
        date: Option<Date>,
    ) -> Result<PartnerRate<'_>, Error> {
        self.reciprocal_with(code, date, None, false)
    }

    /// The reciprocal rate for goods loaded on the vessel on `loaded` (the in-transit rule:
    /// goods loaded before a change and entered before its deadline keep the earlier
    /// treatment) and, when `transshipped`, the transshipment rate in lieu of the country rate.
    ///
    /// # Errors
    ///
    /// As [`RateTable::reciprocal`].
    pub fn reciprocal_with(
        &self,
        code: CountryCode,
        date: Option<Date>,
        loaded: Option<Date>,
        transshipped: bool,
    ) -> Result<PartnerRate<'_>, Error> {
        let partner = self.partner_by_code(code)?;
        let Some(date) = date.or(self.reference_date) else {
            return Ok(PartnerRate {
                partner,
                date: Date::ymd(1970, 1, 1),
                status: RateStatus::NotInForce { first_from: None },
                in_transit: None,
            });
        };
        let rows = match self.rows_of(code) {
            Some(r) => Some(r),
            None => self.others.and_then(|i| self.partners.get(i)),
        };
        let (status, in_transit) = match rows {
            Some(rows) => self.status_of(rows, date, loaded, transshipped),
            None => return Err(Error::NoRateRow { code }),
        };
        Ok(PartnerRate {
            partner,
            date,
            status,
            in_transit,
        })
    }

    fn status_of<'a>(
        &'a self,
        rows: &'a PartnerRows,
        date: Date,
        loaded: Option<Date>,
        transshipped: bool,
    ) -> (RateStatus<'a>, Option<&'a RateEntry>) {
        let first_from = rows.rows.first().map(|r| r.from);
        let not_in_force = RateStatus::NotInForce { first_from };
        let Some(entry) = rows.rows.iter().find(|r| r.covers(date)) else {
            return (not_in_force, None);
        };
        if entry.basis == Basis::NotSubject {
            return (RateStatus::NotSubject { entry }, None);
        }
        // The series the rate comes from: the partner's own rows, or those it follows.
        let series = match (entry.basis.follows(), entry.rate_of) {
            (true, Some(of)) => match self.rows_of(of) {
                Some(r) => r,
                None => return (not_in_force, None),
            },
            _ => rows,
        };
        let Some(at_entry) = series.rows.iter().find(|r| r.covers(date)) else {
            return (not_in_force, None);
        };
        let applies = |rate_entry: &'a RateEntry| match (
            rate_entry.basis,
            rate_entry.rate_pct,
            rate_entry.rate,
        ) {
            (Basis::NotSubject, _, _) | (_, None, _) | (_, _, None) => {
                RateStatus::NotSubject { entry }
            }
            (_, Some(rate_pct), Some(rate)) => RateStatus::Applies {
                rate_pct,
                rate,
                entry,
                rate_entry,
            },
        };
        // Transshipment replaces the country rate of a subject partner, by entry date.
        if transshipped && !matches!(applies(at_entry), RateStatus::NotSubject { .. }) {
            if let Some(t) = self.transshipment.iter().find(|t| t.covers(date)) {
                return (applies(t), None);
            }
        }
        match loaded {
            Some(l) if at_entry.transit.excepts(Some(l), date) => {
                match series.rows.iter().find(|r| r.covers(l)) {
                    Some(earlier) => (applies(earlier), Some(at_entry)),
                    None => (not_in_force, Some(at_entry)),
                }
            }
            _ => (applies(at_entry), None),
        }
    }

    /// The exemption that covers an HTS code on a date: the longest exempt code in force that
    /// is a prefix of (or equal to) the code. `Ok(None)` when none covers it.
    ///
    /// ```
    /// use tariffs::{RateTable, Category};
    /// let t = RateTable::bundled();
    /// let crude = t.exemption("2709.00.20".parse()?, None)?.expect("crude oil is in Annex II");
    /// assert_eq!(crude.category(), Category::Energy);
    /// // A 10-digit code falls under its 8-digit Annex II line; a memo prefix covers its lines.
    /// assert!(t.exemption("2709.00.2010".parse()?, None)?.is_some());
    /// assert!(t.exemption("8471.30.01".parse()?, None)?.is_some());
    /// assert!(t.exemption("6109.10.00".parse()?, None)?.is_none()); // cotton T-shirts
    /// # Ok::<(), tariffs::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::AmbiguousHts`] when the code is shorter than exempt lines in force under it
    /// and is not itself covered (for example `2844` when only some of its lines are listed).
    pub fn exemption(
        &self,
        code: HtsCode,
        date: Option<Date>,
    ) -> Result<Option<&ExemptEntry>, Error> {
        let Some(date) = date.or(self.reference_date) else {
            return Ok(None);
        };
        if !heading_bit(&self.exempt_headings, code) {
            return Ok(None);
        }
        for &len in &self.exempt_lens {
            let Some(prefix) = code.prefix(len) else {
                continue;
            };
            if let Some(e) = self
                .exempt_at
                .get(prefix.key())
                .iter()
                .filter_map(|&(_, i)| self.exemptions.get(i as usize))
                .find(|e| e.covers(date))
            {
                return Ok(Some(e));
            }
        }
        let lines = self
            .exempt_under
            .get(code.key())
            .iter()
            .filter_map(|&(_, i)| self.exemptions.get(i as usize))
            .filter(|e| e.covers(date))
            .count();
        if lines > 0 {
            return Err(Error::AmbiguousHts { code, lines });
        }
        Ok(None)
    }

    /// True when the table has an exemption of this category in force on the date, so the
    /// category can stand in for a code.
    pub fn category_exempt(&self, category: Category, date: Option<Date>) -> bool {
        let Some(date) = date.or(self.reference_date) else {
            return false;
        };
        self.category_periods[category as usize]
            .iter()
            .any(|&(from, to)| in_period(Some(from), to, date))
    }

    /// The fee row in force on a date (`None`: the reference date).
    pub fn fee(&self, kind: FeeKind, date: Option<Date>) -> Option<&FeeEntry> {
        let date = date.or(self.reference_date);
        self.fees.iter().find(|f| {
            f.kind == kind
                && match date {
                    Some(d) => f.covers(d),
                    None => f.to.is_none(),
                }
        })
    }
}

/// The known names as the suggestions search them, shortest first: each with a mask of the
/// characters it holds (one bit per character, by its value modulo 32), and the words of
/// every name.
#[derive(Debug, Default)]
struct SuggestIndex {
    /// (normalized name, character mask, code, name as written), by length.
    names: Vec<(String, u64, CountryCode, String)>,
    /// The character counts of each name, by [`char_counts`].
    counts: Vec<[u8; 32]>,
    /// A word of a normalized name, and the names that hold it.
    words: HashMap<String, Vec<usize>>,
}

impl SuggestIndex {
    fn new(names: &HashMap<String, (CountryCode, String)>) -> SuggestIndex {
        let mut index = SuggestIndex::default();
        let mut all: Vec<_> = names.iter().collect();
        all.sort_by(|a, b| (a.0.len(), a).cmp(&(b.0.len(), b)));
        for (k, (code, name)) in all {
            let i = index.names.len();
            index
                .names
                .push((k.clone(), char_mask(k), *code, name.clone()));
            index.counts.push(char_counts(k));
            for w in k.split(' ') {
                index.words.entry(w.to_string()).or_default().push(i);
            }
        }
        index
    }
}

/// How many characters of `s` fall in each of 32 classes (by value modulo 32, counts held
/// at 255): one edit takes at most one from one class and adds at most one to another, so
/// the larger of the surplus and the shortfall of two texts' counts bounds their edit
/// distance from below.
fn char_counts(s: &str) -> [u8; 32] {
    let mut counts = [0u8; 32];
    for c in s.chars() {
        let slot = &mut counts[(u32::from(c) % 32) as usize];
        *slot = slot.saturating_add(1);
    }
    counts
}

/// The lower bound of the edit distance that two texts' [`char_counts`] give.
fn counts_bound(a: &[u8; 32], b: &[u8; 32]) -> usize {
    let (mut surplus, mut shortfall) = (0usize, 0usize);
    for (&x, &y) in a.iter().zip(b) {
        surplus += usize::from(x.saturating_sub(y));
        shortfall += usize::from(y.saturating_sub(x));
    }
    surplus.max(shortfall)
}

/// The most edits a suggested name may be from the query.
const MAX_SUGGESTION_EDITS: usize = 4;

/// One bit per character of `s` (its value modulo 64): one edit changes at most two bits
/// of it, so half the bits two texts do not share bound their edit distance from below.
fn char_mask(s: &str) -> u64 {
    s.chars().fold(0, |m, c| m | 1 << (u32::from(c) % 64))
}

/// Up to three known names nearest a normalized query: names within an edit distance of a
/// third of its length (at least 2, at most 4), or holding it as a word, nearest first. Names that
/// cannot be near (by length, or by the characters they hold) are passed over without an
/// edit distance, so that an unknown origin costs about a microsecond.
fn suggest(index: &SuggestIndex, key: &str) -> Vec<String> {
    // Two- and three-letter queries are codes: a near miss of a code is not a useful hint.
    if key.len() <= 3 {
        return Vec::new();
    }
    // Four edits at most: beyond that a "near" name is no typo, and the search would cost
    // an edit distance against nearly every name for a long query.
    let limit = (key.chars().count() / 3).clamp(2, MAX_SUGGESTION_EDITS);
    let len = key.len();
    let mask = char_mask(key);
    let counts = char_counts(key);
    let holding: &[usize] = index.words.get(key).map_or(&[], Vec::as_slice);
    let mut scored: Vec<(usize, &str, CountryCode)> = holding
        .iter()
        .filter_map(|&i| index.names.get(i))
        .map(|(_, _, code, name)| (0, name.as_str(), *code))
        .collect();
    // Only names whose length is within the limit can be (they are sorted by length), and of
    // those only the ones whose characters differ by no more than it.
    let first = index.names.partition_point(|n| n.0.len() + limit < len);
    for (i, (k, kmask, code, name)) in index.names.iter().enumerate().skip(first) {
        if k.len() > len + limit {
            break;
        }
        if holding.contains(&i)
            || ((mask ^ kmask).count_ones() as usize).div_ceil(2) > limit
            || index
                .counts
                .get(i)
                .is_none_or(|c| counts_bound(&counts, c) > limit)
        {
            continue;
        }
        if let Some(d) = edit_distance_within(key, k, limit) {
            scored.push((d, name.as_str(), *code));
        }
    }
    scored.sort();
    let mut out: Vec<String> = Vec::new();
    let mut seen: Vec<CountryCode> = Vec::new();
    for (_, name, code) in scored {
        if !seen.contains(&code) && code.as_str() != "US" {
            seen.push(code);
            out.push(format!("{name} ({code})"));
        }
        if out.len() == 3 {
            break;
        }
    }
    out
}

pub(crate) fn basis_from_str(s: &str) -> Option<Basis> {
    Basis::parse(s)
}

pub(crate) fn exempt_basis_from_str(s: &str) -> Option<ExemptBasis> {
    match s {
        "annex2" => Some(ExemptBasis::AnnexII),
        "memo" => Some(ExemptBasis::Memo),
        "section232" => Some(ExemptBasis::Section232),
        _ => None,
    }
}

pub(crate) fn fee_kind_from_str(s: &str) -> Option<FeeKind> {
    FeeKind::ALL
        .into_iter()
        .find(|k| k.as_str().eq_ignore_ascii_case(s))
}

/// Checks that rows of one key (partner, code, fee) neither repeat a start date nor overlap.
/// `rows` are (line, from, to) sorted by `from`; `None` as `from` sorts first.
pub(crate) fn check_periods(
    origin: &str,
    rows: &[(u64, Option<Date>, Option<Date>)],
) -> Result<(), LoadError> {
    for w in rows.windows(2) {
        let (a, b) = (w[0], w[1]);
        if a.1 == b.1 {
            return Err(
                LoadError::new(origin, b.0, LoadErrorKind::Duplicate { first_line: a.0 })
                    .with_column(
                        "effective_from",
                        &b.1.map(|d| d.to_string()).unwrap_or_default(),
                    ),
            );
        }
        let overlaps = match (a.2, b.1) {
            (None, _) => true,
            (Some(to), Some(from)) => to > from,
            (Some(_), None) => true,
        };
        if overlaps {
            return Err(
                LoadError::new(origin, b.0, LoadErrorKind::Overlap { other_line: a.0 })
                    .with_column(
                        "effective_from",
                        &b.1.map(|d| d.to_string()).unwrap_or_default(),
                    ),
            );
        }
    }
    Ok(())
}

/// Fills in the figures fee rows leave blank from the latest earlier row of the same fee
/// that has them (a blank minimum, maximum or flat amount: figures not in the sourced data,
/// as the FY2027 MPF limits), with the note every entry priced with them carries. Rows are
/// taken in date order, so a figure carried into one row carries on into the next (FY2028
/// blank too: still the FY2026 figure, said so).
fn carry_fee_figures(fees: &mut [FeeEntry]) {
    let fy = |d: Option<Date>| {
        d.map(|d| format!("FY{}", d.fiscal_year()))
            .unwrap_or_default()
    };
    for kind in FeeKind::ALL {
        let mut order: Vec<usize> = (0..fees.len())
            .filter(|&i| fees[i].kind == kind && fees[i].from.is_some())
            .collect();
        order.sort_by_key(|&i| fees[i].from);
        // The figures in force so far, each with the row (line, start) it was read from.
        type Figure = Option<(Decimal, u64, Option<Date>)>;
        let mut last: [Figure; 3] = [None, None, None];
        for i in order {
            let f = &mut fees[i];
            let own = [f.min, f.max, f.flat];
            let mut used = own.map(|v| v.map(|v| (v, f.line, f.from)));
            let mut from: Option<(u64, Option<Date>)> = None;
            for (slot, before) in used.iter_mut().zip(&last) {
                if slot.is_none() {
                    if let Some(b) = before {
                        *slot = Some(*b);
                        from = from.or(Some((b.1, b.2)));
                    }
                }
            }
            if let Some((line, start)) = from {
                let what = if kind.is_flat() { "amount" } else { "limits" };
                f.carried = Some(Carried {
                    min: used[0].map(|v| v.0),
                    max: used[1].map(|v| v.0),
                    flat: used[2].map(|v| v.0),
                    from_line: line,
                    note: format!(
                        "{} {} {what} not in the table: {} {what} used",
                        fy(f.from),
                        kind.as_str(),
                        fy(start)
                    ),
                });
            }
            last = used;
        }
    }
}

pub(crate) fn build_table(
    origin: &str,
    rates: Vec<RateEntry>,
    exemptions: Vec<ExemptEntry>,
    fees: Vec<FeeEntry>,
    mpf_exemptions: Vec<MpfExemptEntry>,
) -> Result<RateTable, LoadError> {
    let (mut transshipment, rates): (Vec<RateEntry>, Vec<RateEntry>) = rates
        .into_iter()
        .partition(|r| r.basis == Basis::Transshipment);
    transshipment.sort_by_key(|r| r.from);
    let periods: Vec<_> = transshipment
        .iter()
        .map(|r| (r.line, Some(r.from), r.to))
        .collect();
    check_periods(origin, &periods)?;
    // Partners, in order of first appearance.
    let mut partners: Vec<PartnerRows> = Vec::new();
    let mut by_code = Box::new([NO_PARTNER; 676]);
    let mut others: Option<usize> = None;
    for entry in rates {
        let slot = match entry.code {
            Some(c) => {
                let i = by_code[c.index()];
                if i == NO_PARTNER {
                    partners.push(PartnerRows {
                        code: Some(c),
                        rows: Vec::new(),
                    });
                    let idx = partners.len() - 1;
                    by_code[c.index()] = idx as u16;
                    idx
                } else {
                    usize::from(i)
                }
            }
            None => match others {
                Some(i) => i,
                None => {
                    partners.push(PartnerRows {
                        code: None,
                        rows: Vec::new(),
                    });
                    others = Some(partners.len() - 1);
                    partners.len() - 1
                }
            },
        };
        if let Some(p) = partners.get_mut(slot) {
            p.rows.push(entry);
        }
    }
    if partners.len() >= usize::from(NO_PARTNER) {
        return Err(LoadError::new(
            origin,
            0,
            LoadErrorKind::Invalid("too many partners".into()),
        ));
    }
    for p in &mut partners {
        p.rows.sort_by_key(|r| r.from);
        let periods: Vec<_> = p
            .rows
            .iter()
            .map(|r| (r.line, Some(r.from), r.to))
            .collect();
        check_periods(origin, &periods)?;
    }
    // References: a row that takes another partner's rate needs that partner, whose rows must
    // carry rates of their own.
    for p in &partners {
        for r in &p.rows {
            let Some(of) = r.rate_of else { continue };
            let target = match by_code[of.index()] {
                NO_PARTNER => None,
                i => partners.get(usize::from(i)),
            };
            let bad = |why: &str| LoadError::at(origin, r.line, "rate_of", of.as_str(), why);
            match target {
                None => return Err(bad("no rows for that partner")),
                Some(t) if t.rows.iter().any(|t| t.rate_of.is_some()) => {
                    return Err(bad("that partner itself takes another partner's rate"))
                }
                Some(_) if Some(of) == r.code => return Err(bad("a partner cannot follow itself")),
                Some(_) => {}
            }
        }
    }

    let mut exempt_at: Vec<(u64, u32)> = Vec::with_capacity(exemptions.len());
    // One list per prefix length: rows listed in code order give sorted runs, which the
    // (stable, run-merging) sorts below take in near-linear time.
    let mut under: [Vec<(u64, u32)>; 3] = Default::default();
    let mut lens: Vec<usize> = Vec::new();
    for (i, e) in exemptions.iter().enumerate() {
        let idx = i as u32;
        exempt_at.push((e.code.key(), idx));
        if !lens.contains(&e.code.len()) {
            lens.push(e.code.len());
        }
        for (len, list) in [4, 6, 8].into_iter().zip(&mut under) {
            if len < e.code.len() {
                if let Some(p) = e.code.prefix(len) {
                    list.push((p.key(), idx));
                }
            }
        }
    }
    let mut exempt_under = under.concat();
    let mut exempt_headings = Box::new([0u64; 157]);
    for e in &exemptions {
        let h = e.code.heading();
        exempt_headings[h / 64] |= 1 << (h % 64);
    }
    let from_of = |i: u32| exemptions.get(i as usize).map(|e| e.from);
    exempt_at.sort_by_key(|&(k, i)| (k, from_of(i), i));
    exempt_under.sort();
    lens.sort_unstable_by(|a, b| b.cmp(a));
    let mut category_periods: [Vec<(Date, Option<Date>)>; 8] = Default::default();
    for e in &exemptions {
        let periods = &mut category_periods[e.category as usize];
        if !periods.contains(&(e.from, e.to)) {
            periods.push((e.from, e.to));
        }
    }
    // Rows of the same code, in date order, must not repeat a start or overlap.
    for pair in exempt_at.windows(2) {
        if pair[0].0 != pair[1].0 {
            continue;
        }
        let row = |i: u32| {
            exemptions
                .get(i as usize)
                .map(|e| (e.line, Some(e.from), e.to))
        };
        if let (Some(a), Some(b)) = (row(pair[0].1), row(pair[1].1)) {
            check_periods(origin, &[a, b])?;
        }
    }

    let mut fees = fees;
    for kind in FeeKind::ALL {
        let mut periods: Vec<_> = fees
            .iter()
            .filter(|f| f.kind == kind)
            .map(|f| (f.line, f.from, f.to))
            .collect();
        periods.sort_by_key(|p| (p.1, p.0));
        check_periods(origin, &periods)?;
    }
    carry_fee_figures(&mut fees);
    // Rows of one origin and condition, like every other kind's, neither repeat a start nor
    // overlap.
    let mut keys: Vec<(CountryCode, &str)> = mpf_exemptions
        .iter()
        .map(|e| (e.code, e.applies_to.as_str()))
        .collect();
    keys.sort();
    keys.dedup();
    for (code, applies_to) in keys {
        let mut periods: Vec<_> = mpf_exemptions
            .iter()
            .filter(|e| e.code == code && e.applies_to.as_str() == applies_to)
            .map(|e| (e.line, e.from, e.to))
            .collect();
        periods.sort_by_key(|p| (p.1, p.0));
        check_periods(origin, &periods)?;
    }

    let reference_date = partners
        .iter()
        .flat_map(|p| p.rows.iter().map(|r| r.from))
        .chain(exemptions.iter().map(|e| e.from))
        .max();

    Ok(RateTable {
        origin: origin.to_string(),
        partners,
        by_code,
        others,
        transshipment,
        measures: Measures::new(),
        exemptions,
        exempt_at: KeyIndex::new(exempt_at),
        exempt_under: KeyIndex::new(exempt_under),
        exempt_lens: lens,
        exempt_headings,
        category_periods,
        fees,
        mpf_exemptions,
        reference_date,
        names: OnceLock::new(),
        suggest_index: OnceLock::new(),
    })
}

impl FromStr for RateTable {
    type Err = LoadError;
    fn from_str(s: &str) -> Result<RateTable, LoadError> {
        RateTable::parse(s, "<string>")
    }
}

/// The text of a table file: a regular file longer than [`MAX_TABLE_BYTES`] is refused
/// before it is read.
fn read_text(path: &Path) -> Result<String, LoadError> {
    let origin = path.display().to_string();
    let file = std::fs::File::open(path)
        .map_err(|e| LoadError::new(&origin, 0, LoadErrorKind::Io(e.to_string())))?;
    if file
        .metadata()
        .is_ok_and(|m| m.is_file() && m.len() > MAX_TABLE_BYTES as u64)
    {
        return Err(too_long(&origin));
    }
    read_bounded(file, &origin)
}

/// Reads at most [`MAX_TABLE_BYTES`] of table text.
fn read_bounded(reader: impl Read, origin: &str) -> Result<String, LoadError> {
    let mut text = Vec::new();
    let mut reader = reader.take(MAX_TABLE_BYTES as u64 + 1);
    // Read a MiB at a time: input with no line break for that long (`/dev/zero`) is
    // refused at once, with memory flat.
    let mut line_start = 0;
    loop {
        let before = text.len();
        let n = reader
            .by_ref()
            .take(1 << 20)
            .read_to_end(&mut text)
            .map_err(|e| LoadError::new(origin, 0, LoadErrorKind::Io(e.to_string())))?;
        if let Some(i) = memchr::memrchr(b'\n', &text[before..]) {
            line_start = before + i + 1;
        }
        if text.len() - line_start > crate::batch::MAX_RECORD_BYTES {
            let line = 1 + memchr::memchr_iter(b'\n', &text).count() as u64;
            return Err(LoadError::new(
                origin,
                line,
                LoadErrorKind::Csv(
                    "a record longer than 1 MiB (no line break): not a rate table".into(),
                ),
            ));
        }
        if n == 0 {
            break;
        }
    }
    if text.len() > MAX_TABLE_BYTES {
        return Err(too_long(origin));
    }
    String::from_utf8(text)
        .map_err(|e| LoadError::new(origin, 0, LoadErrorKind::Csv(format!("not UTF-8: {e}"))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::country::edit_distance;
    use proptest::prelude::*;

    #[test]
    fn schedules_read_their_keywords() {
        assert_eq!(Schedule::ALL, [Schedule::Announced, Schedule::Enacted]);
        for schedule in Schedule::ALL {
            assert_eq!(schedule.as_str().parse::<Schedule>(), Ok(schedule));
        }
        assert_eq!(
            "Enacted".parse::<Schedule>(),
            Err("unknown schedule \"Enacted\" (announced or enacted)".to_string())
        );
    }

    /// The suggestions said the slow way: every name, its full edit distance.
    fn brute_force(names: &HashMap<String, (CountryCode, String)>, key: &str) -> Vec<String> {
        if key.len() <= 3 {
            return Vec::new();
        }
        let limit = (key.chars().count() / 3).clamp(2, MAX_SUGGESTION_EDITS);
        let mut scored: Vec<(usize, &str, CountryCode)> = names
            .iter()
            .filter_map(|(k, (code, name))| {
                let contains = k.split(' ').any(|w| w == key);
                let d = edit_distance(key, k);
                (d <= limit || contains).then_some((
                    if contains { 0 } else { d },
                    name.as_str(),
                    *code,
                ))
            })
            .collect();
        scored.sort();
        let mut out: Vec<String> = Vec::new();
        let mut seen: Vec<CountryCode> = Vec::new();
        for (_, name, code) in scored {
            if !seen.contains(&code) && code.as_str() != "US" && out.len() < 3 {
                seen.push(code);
                out.push(format!("{name} ({code})"));
            }
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// Passing names over by length and characters changes no suggestion.
        #[test]
        fn indexed_suggestions_are_the_brute_force_ones(
            pick in 0usize..2000,
            edits in proptest::collection::vec((0usize..40, "[a-z ]"), 0..4),
            garbage in "[a-z]{4,14}",
            use_garbage in proptest::bool::ANY,
        ) {
            let t = RateTable::bundled();
            let names = t.names();
            let index = SuggestIndex::new(names);
            let key = if use_garbage {
                garbage
            } else {
                // A known name with a few edits: the near misses suggestions are for.
                let mut all: Vec<&String> = names.keys().collect();
                all.sort();
                let mut chars: Vec<char> = all[pick % all.len()].chars().collect();
                for (at, c) in &edits {
                    let at = at % (chars.len() + 1);
                    match at % 3 {
                        0 if at < chars.len() => { chars.remove(at); }
                        1 => chars.insert(at, c.chars().next().unwrap_or('x')),
                        _ if at < chars.len() => chars[at] = c.chars().next().unwrap_or('x'),
                        _ => {}
                    }
                }
                chars.into_iter().collect::<String>()
            };
            prop_assert_eq!(suggest(&index, &key), brute_force(names, &key), "{}", key);
        }
    }
}
