//! Pricing shipments given as text: the fields of one shipment (CSV columns or command-line
//! flags, by the same names) and a streamed CSV batch. Both go through
//! [`RateTable::landed_cost`], so a batch row and a single estimate of the same fields give
//! the same figures.

use std::io::{Read, Write};
use std::str::FromStr;

use rust_decimal::Decimal;

use crate::estimate::{EntryType, Exemption, LandedCost, Section232};
use crate::table::RateStatus;
use crate::{money, Category, Date, Error, HtsCode, Program, RateTable, Shipment, TransportMode};

/// An input field of a shipment: a CSV column or a command-line flag of the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// `id`: the caller's identifier, copied to the output (required in a batch).
    Id,
    /// `origin`: partner code or name (required).
    Origin,
    /// `value`: customs value in USD (required).
    Value,
    /// `hts`: HTS code, 4 to 10 digits.
    Hts,
    /// `category`: exemption category standing in for a code.
    Category,
    /// `mfn`: MFN ad valorem rate in percent.
    Mfn,
    /// `freight`: USD.
    Freight,
    /// `insurance`: USD.
    Insurance,
    /// `mode`: ocean, air, land, mail, other.
    Mode,
    /// `date`: entry date, YYYY-MM-DD.
    Date,
    /// `us_content`: share of US content, 0 to 1 (or a percentage with `%`).
    UsContent,
    /// `section232`: true/false, yes/no, 1/0.
    Section232,
    /// `entry_type`: formal or informal.
    EntryType,
    /// `loaded`: date the goods were loaded on the vessel, YYYY-MM-DD (in-transit rules).
    Loaded,
    /// `usmca`: entered as USMCA-originating (true/false).
    Usmca,
    /// `transshipped`: found transshipped (true/false).
    Transshipped,
    /// `energy`: energy or energy resources (true/false; Canada's lower rate).
    Energy,
    /// `potash`: potash (true/false; Canada's and Mexico's lower rate).
    Potash,
    /// `mfn_general`: the Column 1 General rate in percent, when a special rate is claimed.
    MfnGeneral,
}

impl Field {
    /// Every field, in the order of the documentation.
    pub const ALL: [Field; 19] = [
        Field::Id,
        Field::Origin,
        Field::Value,
        Field::Hts,
        Field::Category,
        Field::Mfn,
        Field::Freight,
        Field::Insurance,
        Field::Mode,
        Field::Date,
        Field::UsContent,
        Field::Section232,
        Field::EntryType,
        Field::Loaded,
        Field::Usmca,
        Field::Transshipped,
        Field::Energy,
        Field::Potash,
        Field::MfnGeneral,
    ];

    /// The column (and flag) name.
    pub fn name(self) -> &'static str {
        match self {
            Field::Id => "id",
            Field::Origin => "origin",
            Field::Value => "value",
            Field::Hts => "hts",
            Field::Category => "category",
            Field::Mfn => "mfn",
            Field::Freight => "freight",
            Field::Insurance => "insurance",
            Field::Mode => "mode",
            Field::Date => "date",
            Field::UsContent => "us_content",
            Field::Section232 => "section232",
            Field::EntryType => "entry_type",
            Field::Loaded => "loaded",
            Field::Usmca => "usmca",
            Field::Transshipped => "transshipped",
            Field::Energy => "energy",
            Field::Potash => "potash",
            Field::MfnGeneral => "mfn_general",
        }
    }

    /// The field of a column name, if it is one.
    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// A field that cannot be used, with its value and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field (column or flag).
    pub field: Field,
    /// The text given.
    pub value: String,
    /// Why it cannot be used.
    pub reason: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {:?}: {}", self.field.name(), self.value, self.reason)
    }
}

impl std::error::Error for FieldError {}

fn field_err(field: Field, value: &str, reason: impl std::fmt::Display) -> FieldError {
    FieldError {
        field,
        value: value.to_string(),
        reason: reason.to_string(),
    }
}

fn number(field: Field, text: &str) -> Result<Decimal, FieldError> {
    Decimal::from_str_exact(text).map_err(|_| {
        field_err(
            field,
            text,
            "not a number (write 1234.50: no currency sign or thousands separator)",
        )
    })
}

fn optional<T>(
    field: Field,
    text: &str,
    parse: impl FnOnce(&str) -> Result<T, FieldError>,
) -> Result<Option<T>, FieldError> {
    match text.trim() {
        "" => Ok(None),
        t => parse(t).map(Some),
    }
    .map_err(|mut e| {
        e.field = field;
        e
    })
}

/// Builds a shipment from named text fields; `get` returns the text of a field, empty when
/// absent. The origin is resolved by the table (codes, names, aliases).
///
/// ```
/// use tariffs::batch::{parse_shipment, Field};
/// use tariffs::RateTable;
///
/// let t = RateTable::bundled();
/// let s = parse_shipment(t, |f| match f {
///     Field::Origin => "Viet Nam",
///     Field::Value => "1000",
///     Field::Mfn => "16.5%",
///     Field::Mode => "ocean",
///     _ => "",
/// })?;
/// assert_eq!(s.origin.as_str(), "VN");
/// # Ok::<(), tariffs::batch::FieldError>(())
/// ```
///
/// # Errors
///
/// A [`FieldError`] naming the first field that is missing (origin, value) or malformed.
pub fn parse_shipment<'a>(
    table: &RateTable,
    get: impl Fn(Field) -> &'a str,
) -> Result<Shipment, FieldError> {
    let origin_text = get(Field::Origin).trim();
    if origin_text.is_empty() {
        return Err(field_err(Field::Origin, "", "required"));
    }
    let origin = table
        .partner(origin_text)
        .map_err(|e| field_err(Field::Origin, origin_text, e))?
        .code();
    let value_text = get(Field::Value).trim();
    if value_text.is_empty() {
        return Err(field_err(Field::Value, "", "required"));
    }
    let mut s = Shipment::new(origin, number(Field::Value, value_text)?);
    let hts = optional(Field::Hts, get(Field::Hts), |t| {
        HtsCode::from_str(t).map_err(|e| field_err(Field::Hts, t, e))
    })?;
    let category = optional(Field::Category, get(Field::Category), |t| {
        Category::from_str(t).map_err(|e| field_err(Field::Category, t, e))
    })?;
    match (hts, category) {
        (Some(_), Some(_)) => {
            return Err(field_err(
                Field::Category,
                get(Field::Category),
                "give an HTS code or a category, not both",
            ))
        }
        (Some(h), None) => s = s.hts(h),
        (None, Some(c)) => s = s.category(c),
        (None, None) => {}
    }
    if let Some(m) = optional(Field::Mfn, get(Field::Mfn), |t| {
        number(Field::Mfn, t.strip_suffix('%').unwrap_or(t).trim_end())
    })? {
        s.mfn_pct = m;
    }
    for (field, slot) in [
        (Field::Freight, &mut s.freight),
        (Field::Insurance, &mut s.insurance),
    ] {
        if let Some(v) = optional(field, get(field), |t| number(field, t))? {
            *slot = v;
        }
    }
    s.mode = optional(Field::Mode, get(Field::Mode), |t| {
        TransportMode::from_str(t).map_err(|e| field_err(Field::Mode, t, e))
    })?;
    s.entry_date = optional(Field::Date, get(Field::Date), |t| {
        Date::from_str(t).map_err(|e| field_err(Field::Date, t, e))
    })?;
    if let Some(u) = optional(Field::UsContent, get(Field::UsContent), |t| {
        match t.strip_suffix('%') {
            Some(p) => number(Field::UsContent, p.trim_end()).and_then(|p| {
                money::pct_to_fraction(p).map_err(|e| field_err(Field::UsContent, t, e))
            }),
            None => number(Field::UsContent, t),
        }
    })? {
        s.us_content = u;
    }
    s.section232 = optional(Field::Section232, get(Field::Section232), |t| {
        match t.to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "1" => Ok(Some(Section232::Unspecified)),
            "false" | "no" | "n" | "0" => Ok(None),
            "autos" | "auto" | "auto_parts" => Ok(Some(Section232::Autos)),
            "steel" | "aluminum" | "aluminium" | "steel_aluminum" | "metals" => {
                Ok(Some(Section232::SteelAluminum))
            }
            "copper" => Ok(Some(Section232::Copper)),
            "lumber" | "timber" => Ok(Some(Section232::Lumber)),
            _ => Err(field_err(
                Field::Section232,
                t,
                "not true/false, yes/no, 1/0 or a kind (autos, steel, aluminum, copper, lumber)",
            )),
        }
    })?
    .flatten();
    s.usmca = flag(Field::Usmca, get(Field::Usmca))?;
    s.transshipped = flag(Field::Transshipped, get(Field::Transshipped))?;
    s.energy = flag(Field::Energy, get(Field::Energy))?;
    s.potash = flag(Field::Potash, get(Field::Potash))?;
    s.loaded = optional(Field::Loaded, get(Field::Loaded), |t| {
        Date::from_str(t).map_err(|e| field_err(Field::Loaded, t, e))
    })?;
    s.mfn_general_pct = optional(Field::MfnGeneral, get(Field::MfnGeneral), |t| {
        number(
            Field::MfnGeneral,
            t.strip_suffix('%').unwrap_or(t).trim_end(),
        )
    })?;
    s.entry_type = optional(Field::EntryType, get(Field::EntryType), |t| {
        match t.to_ascii_lowercase().as_str() {
            "formal" => Ok(EntryType::Formal),
            "informal" => Ok(EntryType::Informal),
            _ => Err(field_err(Field::EntryType, t, "not formal or informal")),
        }
    })?;
    Ok(s)
}

/// A yes/no field: true/false, yes/no, y/n, 1/0, or empty for no.
fn flag(field: Field, text: &str) -> Result<bool, FieldError> {
    Ok(
        optional(field, text, |t| match t.to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "1" => Ok(true),
            "false" | "no" | "n" | "0" => Ok(false),
            _ => Err(field_err(field, t, "not true/false, yes/no or 1/0")),
        })?
        .unwrap_or(false),
    )
}

/// The field an estimate error is about, so that a rejected row names its column.
pub fn field_of(error: &Error) -> Option<Field> {
    match error {
        Error::UnknownPartner { .. } | Error::DomesticOrigin { .. } | Error::InvalidCode { .. } => {
            Some(Field::Origin)
        }
        Error::InvalidHts { .. } | Error::AmbiguousHts { .. } => Some(Field::Hts),
        Error::InvalidCategory { .. } => Some(Field::Category),
        Error::InvalidDate { .. } | Error::NoFeeSchedule { .. } => Some(Field::Date),
        Error::InvalidMode { .. } => Some(Field::Mode),
        Error::OutOfRange { field, .. } => match *field {
            "customs_value" => Some(Field::Value),
            "mfn_pct" => Some(Field::Mfn),
            "freight" => Some(Field::Freight),
            "insurance" => Some(Field::Insurance),
            "us_content" => Some(Field::UsContent),
            "mfn_general_pct" => Some(Field::MfnGeneral),
            _ => None,
        },
        _ => None,
    }
}

/// The columns of a batch's output, in order.
pub const OUTPUT_COLUMNS: [&str; 33] = [
    "id",
    "origin",
    "origin_name",
    "date",
    "hts",
    "customs_value",
    "mfn_rate_pct",
    "mfn_duty",
    "reciprocal_rate_pct",
    "reciprocal_base",
    "reciprocal_duty",
    "reciprocal_basis",
    "exemption",
    "exempt_code",
    "exempt_category",
    "mpf",
    "hmf",
    "freight",
    "insurance",
    "total_duty",
    "total_fees",
    "landed_cost",
    "effective_rate_pct",
    "source",
    "fentanyl_rate_pct",
    "fentanyl_duty",
    "brazil_rate_pct",
    "brazil_duty",
    "russia_oil_rate_pct",
    "russia_oil_duty",
    "section122_rate_pct",
    "section122_duty",
    "ieepa_duty",
];

/// The columns of a refund estimate, in order: per entry, the IEEPA duty that applied by
/// program with its legal source, the refundable total, and the Section 122 surcharge
/// (not IEEPA, not refundable) on its own.
pub const REFUND_COLUMNS: [&str; 26] = [
    "id",
    "origin",
    "origin_name",
    "date",
    "loaded",
    "hts",
    "customs_value",
    "reciprocal_rate_pct",
    "reciprocal_duty",
    "reciprocal_treatment",
    "reciprocal_source",
    "fentanyl_rate_pct",
    "fentanyl_duty",
    "fentanyl_source",
    "brazil_rate_pct",
    "brazil_duty",
    "brazil_source",
    "russia_oil_rate_pct",
    "russia_oil_duty",
    "russia_oil_source",
    "ieepa_refundable",
    "section122_rate_pct",
    "section122_duty",
    "section122_source",
    "mfn_duty",
    "notes",
];

/// What a batch writes for each row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// The landed cost, component by component ([`OUTPUT_COLUMNS`]).
    #[default]
    LandedCost,
    /// The IEEPA duty by program and the refundable total ([`REFUND_COLUMNS`]).
    Refunds,
}

impl Layout {
    /// The header of the layout.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Layout::LandedCost => &OUTPUT_COLUMNS,
            Layout::Refunds => &REFUND_COLUMNS,
        }
    }
}

/// The columns of a batch's error report, in order.
pub const ERROR_COLUMNS: [&str; 5] = ["line", "id", "column", "value", "reason"];

/// Money with exactly two decimals (amounts are already rounded to the cent).
pub fn fmt_money(d: Decimal) -> String {
    let mut d = d;
    d.rescale(money::MONEY_DP);
    d.to_string()
}

/// A percentage without trailing zeros (`27`, `16.5`, `0.3464`).
pub fn fmt_pct(d: Decimal) -> String {
    d.normalize().to_string()
}

/// Short name of an exemption (`annex2`, `memo`, `category`, `not_subject`, `section232`,
/// `not_in_force`), its code and its category, for CSV and JSON output.
pub fn exemption_fields(e: Option<Exemption<'_>>) -> (&'static str, String, String) {
    match e {
        None => ("", String::new(), String::new()),
        Some(Exemption::AnnexII(row)) => (
            row.basis().as_str(),
            row.code().to_string(),
            row.category().to_string(),
        ),
        Some(Exemption::Category(c)) => ("category", String::new(), c.to_string()),
        Some(Exemption::NotSubject(_)) => ("not_subject", String::new(), String::new()),
        Some(Exemption::Section232) => ("section232", String::new(), String::new()),
        Some(Exemption::NotInForce { .. }) => ("not_in_force", String::new(), String::new()),
        Some(Exemption::InTransit(_)) => ("in_transit", String::new(), String::new()),
    }
}

/// The reciprocal basis of a priced shipment (`annex1`, `baseline`, ...), empty when none
/// applies.
pub fn basis_field(c: &LandedCost<'_>) -> &'static str {
    match c.reciprocal.partner_rate.status {
        RateStatus::Applies {
            entry, rate_entry, ..
        } => {
            if rate_entry.basis() == crate::Basis::Transshipment || entry.rate_of().is_none() {
                rate_entry.basis().as_str()
            } else {
                entry.basis().as_str()
            }
        }
        RateStatus::NotSubject { entry } => entry.basis().as_str(),
        RateStatus::NotInForce { .. } => "",
    }
}

fn program_cells(c: &LandedCost<'_>, p: Program) -> (String, String, String) {
    match c.program(p) {
        Some(d) => (
            fmt_pct(d.charge.rate_pct),
            fmt_money(d.charge.amount),
            d.applied.unwrap_or(d.entry).source().to_string(),
        ),
        None => (String::new(), String::new(), String::new()),
    }
}

/// The output record of a priced shipment, in the order of [`OUTPUT_COLUMNS`].
pub fn output_record(id: &str, s: &Shipment, c: &LandedCost<'_>) -> Vec<String> {
    let (exemption, exempt_code, exempt_category) = exemption_fields(c.reciprocal.exemption);
    let mut r = vec![
        id.to_string(),
        c.reciprocal.partner_rate.partner.code().to_string(),
        c.reciprocal.partner_rate.partner.name().to_string(),
        c.date.to_string(),
        hts_cell(s),
        fmt_money(c.customs_value),
        fmt_pct(c.mfn.rate_pct),
        fmt_money(c.mfn.amount),
        fmt_pct(c.reciprocal.charge.rate_pct),
        fmt_money(c.reciprocal.charge.base),
        fmt_money(c.reciprocal.charge.amount),
        basis_field(c).to_string(),
        exemption.to_string(),
        exempt_code,
        exempt_category,
        fmt_money(c.mpf.charge.amount),
        fmt_money(c.hmf.charge.amount),
        fmt_money(c.freight),
        fmt_money(c.insurance),
        fmt_money(c.total_duty),
        fmt_money(c.total_fees),
        fmt_money(c.landed_cost),
        fmt_pct(c.effective_duty_rate_pct),
        c.reciprocal.source().to_string(),
    ];
    for p in Program::ALL {
        let (rate, duty, _) = program_cells(c, p);
        r.push(rate);
        r.push(duty);
    }
    r.push(fmt_money(c.ieepa_duty));
    r
}

fn hts_cell(s: &Shipment) -> String {
    match s.goods {
        crate::Goods::Hts(h) => h.to_string(),
        _ => String::new(),
    }
}

/// The refund record of a priced entry, in the order of [`REFUND_COLUMNS`].
pub fn refund_record(id: &str, s: &Shipment, c: &LandedCost<'_>) -> Vec<String> {
    let (exemption, code, _) = exemption_fields(c.reciprocal.exemption);
    let treatment = match (exemption, code.is_empty()) {
        ("", _) => basis_field(c).to_string(),
        (e, true) => e.to_string(),
        (e, false) => format!("{e} {code}"),
    };
    let mut r = vec![
        id.to_string(),
        c.reciprocal.partner_rate.partner.code().to_string(),
        c.reciprocal.partner_rate.partner.name().to_string(),
        c.date.to_string(),
        s.loaded.map(|d| d.to_string()).unwrap_or_default(),
        hts_cell(s),
        fmt_money(c.customs_value),
        fmt_pct(c.reciprocal.charge.rate_pct),
        fmt_money(c.reciprocal.charge.amount),
        treatment,
        c.reciprocal.source().to_string(),
    ];
    for p in [Program::Fentanyl, Program::Brazil, Program::RussiaOil] {
        let (rate, duty, source) = program_cells(c, p);
        r.extend([rate, duty, source]);
    }
    r.push(fmt_money(c.ieepa_duty));
    let (rate, duty, source) = program_cells(c, Program::Section122);
    r.extend([rate, duty, source, fmt_money(c.mfn.amount), notes(s, c)]);
    r
}

/// The readings the tool takes where the sources disagree (`sources/SOURCES-timeline.md`
/// section 5), attached to the entries they concern: (origin, from, to, note).
const READINGS: &[(&str, &str, &str, &str)] = &[
    (
        "JP",
        "2025-08-07",
        "2025-09-16",
        "Japan: the 15% floor is retroactive to 2025-08-07 (EO 14345) but CBP collected a flat 15% until 2025-09-16 (FR 2025-17908); the deposit may exceed this figure",
    ),
    (
        "KR",
        "2025-11-14",
        "2025-12-04",
        "Korea: the floor is retroactive to 2025-11-14 (FR 2025-21940, published 2025-12-04); deposits before publication may have been at the flat 15%",
    ),
    (
        "CH",
        "2025-11-14",
        "2025-12-18",
        "Switzerland: the 15% floor is retroactive to 2025-11-14 (notice of 2025-12-18); deposits before it may have been at 39%",
    ),
    (
        "LI",
        "2025-11-14",
        "2025-12-18",
        "Liechtenstein: the floor is retroactive to 2025-11-14 (notice of 2025-12-18); deposits before it may have been at the flat 15%",
    ),
    (
        "*",
        "2026-02-20",
        "2026-02-24",
        "collected after the Supreme Court's ruling of 2026-02-20 until CBP stopped on 2026-02-24 (CSMS 67834313): refundable",
    ),
];

/// Short notes on how an entry was treated: the in-transit rule, floors, transshipment,
/// program exclusions, and the readings the tool takes where the sources leave gaps.
pub fn notes(s: &Shipment, c: &LandedCost<'_>) -> String {
    let mut n: Vec<String> = Vec::new();
    let r = &c.reciprocal;
    if let Some(superseded) = r.partner_rate.in_transit {
        let t = superseded.transit();
        let date = |d: Option<Date>| d.map(|d| d.to_string()).unwrap_or_default();
        n.push(format!(
            "in transit: loaded {} (before {}) and entered before {}: the treatment of the loading date",
            date(s.loaded),
            date(t.loaded_before),
            date(t.entered_before)
        ));
    }
    if let crate::RateStatus::Applies { rate_entry, .. } = r.partner_rate.status {
        if rate_entry.basis().is_floor() && r.exemption.is_none() {
            n.push(format!(
                "15% floor: additional {}%",
                fmt_pct(r.charge.rate_pct)
            ));
        }
        if rate_entry.basis() == crate::Basis::Transshipment {
            n.push("transshipment: 40% in lieu of the country rate".into());
        }
    }
    for &(code, from, to, reading) in READINGS {
        let in_window = |d: Date| {
            let (f, t) = (Date::from_str(from), Date::from_str(to));
            matches!((f, t), (Ok(f), Ok(t)) if f <= d && d < t)
        };
        let origin = c.reciprocal.partner_rate.partner.code();
        let follows = match r.partner_rate.status {
            crate::RateStatus::Applies { rate_entry, .. } => rate_entry.code(),
            _ => None,
        };
        let matches_code =
            code == "*" || origin.as_str() == code || follows.is_some_and(|f| f.as_str() == code);
        if matches_code && in_window(c.date) && c.ieepa_duty > Decimal::ZERO {
            n.push(reading.to_string());
        }
    }
    for d in c.programs.iter().flatten() {
        if let Some(x) = d.exclusion {
            n.push(format!("{} not charged: {}", d.program, x.as_str()));
        } else if d.entry.applies_to() != crate::Condition::All {
            n.push(format!(
                "{}: {} row",
                d.program,
                d.entry.applies_to().as_str()
            ));
        }
        match d.program {
            Program::Brazil => n.push("Brazil: EO 14323 Annex I exceptions not in the table".into()),
            Program::Section122 => n.push(
                "Section 122: not IEEPA, not refundable; Proclamation 11012 exemptions not in the table"
                    .into(),
            ),
            _ => {}
        }
    }
    n.join("; ")
}

/// A row that could not be priced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The 1-based line of the input file (the header is line 1).
    pub line: u64,
    /// The row's `id`, if it has one.
    pub id: String,
    /// The column at fault, when there is one.
    pub column: Option<&'static str>,
    /// The offending value.
    pub value: String,
    /// Why the row was rejected.
    pub reason: String,
}

impl RowError {
    /// The record for the error report, in the order of [`ERROR_COLUMNS`].
    pub fn record(&self) -> [String; 5] {
        [
            self.line.to_string(),
            self.id.clone(),
            self.column.unwrap_or("").to_string(),
            self.value.clone(),
            self.reason.clone(),
        ]
    }
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}", self.line)?;
        if !self.id.is_empty() {
            write!(f, " (id {})", self.id)?;
        }
        if let Some(c) = self.column {
            write!(f, ", column {c} {:?}", self.value)?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// Counts and totals of a batch. `rows_read == priced + rejected`, always.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchSummary {
    /// Data rows read (the header not counted).
    pub rows_read: u64,
    /// Rows priced and written to the output.
    pub priced: u64,
    /// Rows rejected and reported.
    pub rejected: u64,
    /// Sum of the priced rows' customs values.
    pub total_value: Decimal,
    /// Sum of their duties (MFN and reciprocal).
    pub total_duty: Decimal,
    /// Sum of their fees (MPF and HMF).
    pub total_fees: Decimal,
    /// Sum of their landed costs.
    pub total_landed: Decimal,
    /// Sum of their reciprocal duties.
    pub total_reciprocal: Decimal,
    /// Sum of their program duties, in the order of [`Program::ALL`].
    pub total_programs: [Decimal; 4],
    /// Sum of their IEEPA duties (reciprocal, fentanyl, Brazil, Russia-oil): refundable.
    pub total_ieepa: Decimal,
    /// Input columns the batch does not use (ignored).
    pub ignored_columns: Vec<String>,
    /// True when `strict` stopped the batch at a rejected row.
    pub stopped: bool,
}

/// What stops a batch as a whole (as opposed to a row error, which is reported and skipped).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BatchError {
    /// The input cannot be read.
    #[error("cannot read the input: {0}")]
    Read(String),
    /// The input's header lacks a required column.
    #[error("the input has no {0:?} column (required: id, origin, value)")]
    MissingColumn(&'static str),
    /// The output or the error report cannot be written.
    #[error("cannot write: {0}")]
    Write(#[from] std::io::Error),
    /// A total exceeded the range of `Decimal`.
    #[error("the batch totals overflow")]
    Overflow,
}

/// Receives what a batch reports besides its output rows.
pub trait BatchObserver {
    /// The input columns the batch ignores (not named as a [`Field`]); called once, after the
    /// header is read, when there are any.
    fn ignored_columns(&mut self, _columns: &[String]) {}
    /// A rejected row; called once per row, in input order.
    ///
    /// # Errors
    ///
    /// An I/O error writing the report stops the batch.
    fn row_error(&mut self, error: &RowError) -> std::io::Result<()>;
    /// Called every [`PROGRESS_EVERY`] rows read.
    fn progress(&mut self, _rows_read: u64) {}
}

/// How often [`BatchObserver::progress`] is called, in rows.
pub const PROGRESS_EVERY: u64 = 1 << 17;

/// Prices a CSV of shipments (columns named as [`Field`]s, in any order; `id`, `origin` and
/// `value` required; other columns ignored) into a CSV of results ([`OUTPUT_COLUMNS`]), one
/// row per priced input row, in input order. Rows that cannot be priced go to
/// `observer.row_error` with their line, id, column and reason; with `strict`, the first
/// one stops the batch. The input is streamed: memory does not grow with its size.
///
/// ```
/// use tariffs::batch::{price_csv, RowError};
/// use tariffs::RateTable;
///
/// let input = "id,origin,value,hts,mfn,date\n1,KZ,10000,6109.10.00,16.5,2025-04-09\n2,Atlantis,5,,,\n";
/// let mut out = Vec::new();
/// let mut errors: Vec<RowError> = Vec::new();
/// let mut report = |e: &RowError| { errors.push(e.clone()); Ok(()) };
/// let summary = price_csv(RateTable::bundled(), input.as_bytes(), &mut out, &mut report, false)?;
/// assert_eq!((summary.rows_read, summary.priced, summary.rejected), (2, 1, 1));
/// assert_eq!(errors[0].line, 3);
/// assert_eq!(errors[0].column, Some("origin"));
/// # Ok::<(), tariffs::batch::BatchError>(())
/// ```
///
/// # Errors
///
/// A [`BatchError`] when the input cannot be read, lacks a required column, or the output
/// cannot be written.
pub fn price_csv(
    table: &RateTable,
    input: impl Read,
    output: impl Write,
    observer: &mut dyn BatchObserver,
    strict: bool,
) -> Result<BatchSummary, BatchError> {
    price_csv_with(table, input, output, observer, strict, Layout::LandedCost)
}

/// [`price_csv`] with a choice of output: the landed cost, or the refund estimate of each
/// entry ([`Layout::Refunds`], what `tariffs refunds` writes). The input columns, the
/// streaming, the error report and the counts are the same.
///
/// # Errors
///
/// As [`price_csv`].
pub fn price_csv_with(
    table: &RateTable,
    input: impl Read,
    output: impl Write,
    observer: &mut dyn BatchObserver,
    strict: bool,
    layout: Layout,
) -> Result<BatchSummary, BatchError> {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let mut wtr = csv::Writer::from_writer(output);
    let header = rdr
        .headers()
        .map_err(|e| BatchError::Read(e.to_string()))?
        .clone();
    let mut index: [Option<usize>; 19] = [None; 19];
    let mut summary = BatchSummary::default();
    for (i, h) in header.iter().enumerate() {
        let h = h.trim().trim_start_matches('\u{feff}');
        match Field::from_name(h) {
            Some(f) => index[f as usize] = index[f as usize].or(Some(i)),
            None => summary.ignored_columns.push(h.to_string()),
        }
    }
    for required in [Field::Id, Field::Origin, Field::Value] {
        if index[required as usize].is_none() {
            return Err(BatchError::MissingColumn(required.name()));
        }
    }
    if !summary.ignored_columns.is_empty() {
        observer.ignored_columns(&summary.ignored_columns);
    }
    wtr.write_record(layout.columns()).map_err(csv_write)?;

    let mut rec = csv::StringRecord::new();
    let mut line = 1u64;
    loop {
        let read = rdr.read_record(&mut rec);
        line = rec.position().map(|p| p.line()).unwrap_or(line + 1);
        match read {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) if e.is_io_error() => return Err(BatchError::Read(e.to_string())),
            Err(e) => {
                // An unreadable row (invalid UTF-8): reported, and the batch goes on.
                let line = e.position().map(|p| p.line()).unwrap_or(line);
                summary.rows_read += 1;
                summary.rejected += 1;
                observer.row_error(&RowError {
                    line,
                    id: String::new(),
                    column: None,
                    value: String::new(),
                    reason: format!("unreadable row: {e}"),
                })?;
                if strict {
                    summary.stopped = true;
                    break;
                }
                continue;
            }
        }
        summary.rows_read += 1;
        if summary.rows_read % PROGRESS_EVERY == 0 {
            observer.progress(summary.rows_read);
        }
        let get = |f: Field| -> &str { index[f as usize].and_then(|i| rec.get(i)).unwrap_or("") };
        let id = get(Field::Id);
        match price_fields(table, &get) {
            Ok((shipment, cost)) => {
                let record = match layout {
                    Layout::LandedCost => output_record(id, &shipment, &cost),
                    Layout::Refunds => refund_record(id, &shipment, &cost),
                };
                wtr.write_record(&record).map_err(csv_write)?;
                summary.priced += 1;
                let add = |a: Decimal, b: Decimal| a.checked_add(b).ok_or(BatchError::Overflow);
                summary.total_value = add(summary.total_value, cost.customs_value)?;
                summary.total_duty = add(summary.total_duty, cost.total_duty)?;
                summary.total_fees = add(summary.total_fees, cost.total_fees)?;
                summary.total_landed = add(summary.total_landed, cost.landed_cost)?;
                summary.total_reciprocal =
                    add(summary.total_reciprocal, cost.reciprocal.charge.amount)?;
                summary.total_ieepa = add(summary.total_ieepa, cost.ieepa_duty)?;
                for (total, p) in summary.total_programs.iter_mut().zip(&cost.programs) {
                    if let Some(p) = p {
                        *total = add(*total, p.charge.amount)?;
                    }
                }
            }
            Err(e) => {
                summary.rejected += 1;
                observer.row_error(&RowError {
                    line,
                    id: id.to_string(),
                    column: Some(e.field.name()),
                    value: e.value,
                    reason: e.reason,
                })?;
                if strict {
                    summary.stopped = true;
                    break;
                }
            }
        }
    }
    wtr.flush()?;
    Ok(summary)
}

/// Parses and prices one shipment from named fields: the path of a batch row and of a single
/// estimate from flags.
///
/// # Errors
///
/// A [`FieldError`] naming the field that is missing or malformed, or that the estimate
/// rejected (an unknown partner, an ambiguous code, a value out of range, ...).
pub fn price_fields<'t, 'a>(
    table: &'t RateTable,
    get: &impl Fn(Field) -> &'a str,
) -> Result<(Shipment, LandedCost<'t>), FieldError> {
    let shipment = parse_shipment(table, get)?;
    let cost = table.landed_cost(&shipment).map_err(|e| {
        let field = field_of(&e).unwrap_or(Field::Value);
        field_err(field, get(field), e)
    })?;
    Ok((shipment, cost))
}

fn csv_write(e: csv::Error) -> BatchError {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => BatchError::Write(io),
        other => BatchError::Write(std::io::Error::other(format!("{other:?}"))),
    }
}

impl<F: FnMut(&RowError) -> std::io::Result<()>> BatchObserver for F {
    fn row_error(&mut self, error: &RowError) -> std::io::Result<()> {
        self(error)
    }
}
