//! Pricing shipments given as text: the fields of one shipment (CSV columns or command-line
//! flags, by the same names) and a streamed CSV batch. Both go through
//! [`RateTable::landed_cost`], so a batch row and a single estimate of the same fields give
//! the same figures.

use std::str::FromStr;

use rust_decimal::Decimal;

use crate::{
    money, BasketLine, Category, CountryCode, Date, EntryType, Error, Goods, HtsCode, LandedCost,
    RateTable, Section232, Shipment, TransportMode,
};

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
    /// `section232`: true/false, yes/no, y/n, 1/0, or a kind (autos, steel, aluminum, copper,
    /// lumber, ...; see [`Section232::from_field`]).
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
    if let Some(d) = plain_decimal(text) {
        return Ok(d);
    }
    money::parse_decimal(text).ok_or_else(|| {
        field_err(
            field,
            text,
            "not a number (write 1234.50: no currency sign or thousands separator)",
        )
    })
}

/// The common case of a number, parsed without the general parser: up to 18 digits with at
/// most one decimal point and no sign. `None` for anything else.
fn plain_decimal(text: &str) -> Option<Decimal> {
    let (m, scale) = plain_digits(text.as_bytes())?;
    Decimal::try_from_i128_with_scale(i128::from(m), scale).ok()
}

/// The digits of a plain number (up to 18 digits, at most one decimal point, no sign) as an
/// integer and the number of decimals: `12.50` is `(1250, 2)`. `None` for anything else.
pub(super) fn plain_digits(b: &[u8]) -> Option<(i64, u32)> {
    if b.is_empty() || b.len() > 19 {
        return None;
    }
    // The digits' value (19 digits cannot overflow a u64) and where the point is, if any.
    let (mut m, mut point) = (0u64, b.len());
    for (i, &c) in b.iter().enumerate() {
        let d = c.wrapping_sub(b'0');
        if d < 10 {
            m = m * 10 + u64::from(d);
        } else if c == b'.' && point == b.len() {
            point = i;
        } else {
            return None;
        }
    }
    let digits = b.len() - usize::from(point < b.len());
    if digits == 0 || digits > 18 {
        return None;
    }
    // 18 digits fit in an i64; the decimals are the bytes after the point.
    let decimals = (b.len() - point).saturating_sub(1) as u32;
    Some((i64::try_from(m).ok()?, decimals))
}

fn optional<T>(
    field: Field,
    text: &str,
    parse: impl FnOnce(&str) -> Result<T, FieldError>,
) -> Result<Option<T>, FieldError> {
    match text.trim_ascii() {
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
    let origin = origin_field(table, get(Field::Origin))?;
    let value_text = get(Field::Value).trim_ascii();
    if value_text.is_empty() {
        return Err(field_err(Field::Value, "", "required"));
    }
    let mut s = Shipment::new(origin, number(Field::Value, value_text)?);
    s.goods = goods(&get)?;
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
    s.section232 = optional(Field::Section232, get(Field::Section232), section232_field)?.flatten();
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
        entry_type_field(t)
    })?;
    Ok(s)
}

/// A non-empty `section232` field: a yes/no, or a kind (`None`: no).
pub(super) fn section232_field(t: &str) -> Result<Option<Section232>, FieldError> {
    Section232::from_field(t).map_err(|e| field_err(Field::Section232, t, e))
}

/// A non-empty `entry_type` field.
pub(super) fn entry_type_field(t: &str) -> Result<EntryType, FieldError> {
    EntryType::from_str(t).map_err(|e| field_err(Field::EntryType, t, e))
}

/// The goods of named fields: an HTS code, a category, or neither.
fn goods<'a>(get: &impl Fn(Field) -> &'a str) -> Result<Goods, FieldError> {
    let hts = optional(Field::Hts, get(Field::Hts), |t| {
        HtsCode::from_str(t).map_err(|e| field_err(Field::Hts, t, e))
    })?;
    let category = optional(Field::Category, get(Field::Category), |t| {
        Category::from_str(t).map_err(|e| field_err(Field::Category, t, e))
    })?;
    match (hts, category) {
        (Some(_), Some(_)) => Err(field_err(
            Field::Category,
            get(Field::Category),
            "give an HTS code or a category, not both",
        )),
        (Some(h), None) => Ok(Goods::Hts(h)),
        (None, Some(c)) => Ok(Goods::Category(c)),
        (None, None) => Ok(Goods::Unspecified),
    }
}

/// The partner an origin field names, resolved by the table (codes, names, aliases).
fn origin_field(table: &RateTable, text: &str) -> Result<CountryCode, FieldError> {
    let text = text.trim_ascii();
    if text.is_empty() {
        return Err(field_err(Field::Origin, "", "required"));
    }
    table
        .partner(text)
        .map(|p| p.code())
        .map_err(|e| field_err(Field::Origin, text, e))
}

/// A line of an export basket from named text fields, as `tariffs exempt-share` reads its
/// input: `value` (required), `hts` or `category` (neither: dutiable), and the `origin`
/// (resolved by the table) unless the basket's origin is fixed. Numbers are read as
/// [`parse_shipment`] reads them.
///
/// ```
/// use tariffs::batch::{parse_basket_line, Field};
/// use tariffs::{Goods, RateTable};
///
/// let (origin, line) = parse_basket_line(RateTable::bundled(), None, |f| match f {
///     Field::Origin => "Kazakhstan",
///     Field::Value => "500",
///     Field::Hts => "2709.00.20",
///     _ => "",
/// })?;
/// assert_eq!(origin.as_str(), "KZ");
/// assert!(matches!(line.goods, Goods::Hts(_)));
/// # Ok::<(), tariffs::batch::FieldError>(())
/// ```
///
/// # Errors
///
/// A [`FieldError`] naming the first field that is missing or malformed.
pub fn parse_basket_line<'a>(
    table: &RateTable,
    origin: Option<CountryCode>,
    get: impl Fn(Field) -> &'a str,
) -> Result<(CountryCode, BasketLine), FieldError> {
    let origin = match origin {
        Some(o) => o,
        None => origin_field(table, get(Field::Origin))?,
    };
    let value_text = get(Field::Value).trim_ascii();
    if value_text.is_empty() {
        return Err(field_err(Field::Value, "", "required"));
    }
    let value = number(Field::Value, value_text)?;
    Ok((
        origin,
        BasketLine {
            goods: goods(&get)?,
            value,
        },
    ))
}

/// A yes/no field: true/false, yes/no, y/n, 1/0, or empty for no.
fn flag(field: Field, text: &str) -> Result<bool, FieldError> {
    Ok(optional(field, text, |t| {
        yes_no(t.as_bytes()).ok_or_else(|| field_err(field, t, "not true/false, yes/no or 1/0"))
    })?
    .unwrap_or(false))
}

/// true/false, yes/no, y/n, 1/0 in any case.
pub(super) fn yes_no(t: &[u8]) -> Option<bool> {
    let is = |names: &[&[u8]]| names.iter().any(|n| t.eq_ignore_ascii_case(n));
    if is(&[b"true", b"yes", b"y", b"1"]) {
        Some(true)
    } else if is(&[b"false", b"no", b"n", b"0"]) {
        Some(false)
    } else {
        None
    }
}

/// The field an estimate error is about, so that a rejected row names its column.
pub fn field_of(error: &Error) -> Option<Field> {
    match error {
        Error::UnknownPartner { .. }
        | Error::DomesticOrigin { .. }
        | Error::InvalidCode { .. }
        | Error::NoRateRow { .. } => Some(Field::Origin),
        Error::InvalidHts { .. } | Error::AmbiguousHts { .. } => Some(Field::Hts),
        Error::InvalidCategory { .. } => Some(Field::Category),
        Error::InvalidDate { .. } | Error::NoFeeSchedule { .. } | Error::NoDate => {
            Some(Field::Date)
        }
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
        match (&e, get(field).trim_ascii()) {
            // No date given: name the date the fee was looked up for, not an empty field.
            (Error::NoFeeSchedule { date, .. }, "") => field_err(
                field,
                "",
                format!("{e} (no entry date given: the table's reference date {date})"),
            ),
            _ => field_err(field, get(field), e),
        }
    })?;
    Ok((shipment, cost))
}

mod fast;
pub(crate) mod format;
mod source;
mod stream;

pub use crate::text::{escape_controls, for_message, MESSAGE_TEXT_MAX};
pub use format::{
    basis_field, exemption_fields, fmt_money, fmt_pct, format_record, further_measures,
    measure_columns, notes, output_record, reciprocal_reason, refund_record, ColumnSet, Layout,
    RecordBuf, ERROR_COLUMNS, NAMED_MEASURES, OUTPUT_COLUMNS, REFUND_COLUMNS, SCHEMA_VERSION,
    SELECTABLE_COLUMNS,
};
pub use source::MAX_RECORD_BYTES;
pub use stream::{
    price_csv, price_csv_threaded, price_csv_with, read_rows, BatchError, BatchObserver,
    BatchSummary, InputRow, RowError, PROGRESS_EVERY,
};

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What a plain number is, said the slow way: the text is digits with at most one
    /// point, 1 to 18 digits, and its value is what the general decimal parser reads.
    fn spec(b: &[u8]) -> Option<(i64, u32)> {
        let text = std::str::from_utf8(b).ok()?;
        let points = text.matches('.').count();
        let digits = text.chars().filter(char::is_ascii_digit).count();
        if points > 1 || digits + points != text.len() || !(1..=18).contains(&digits) {
            return None;
        }
        let d = Decimal::from_str_exact(text.strip_suffix('.').unwrap_or(text)).ok()?;
        let scale = text.find('.').map_or(0, |p| text.len() - p - 1) as u32;
        Some((
            i64::try_from(d.mantissa() * 10i128.pow(scale - d.scale())).ok()?,
            scale,
        ))
    }

    /// The `section232` and `entry_type` fields are read by the keyword enums: their
    /// spellings, in any case, and their messages.
    #[test]
    fn section232_and_entry_type_fields() {
        let t = RateTable::bundled();
        let read = |section232: &str, entry_type: &str| {
            parse_shipment(t, |f| match f {
                Field::Origin => "CN",
                Field::Value => "100",
                Field::Section232 => section232,
                Field::EntryType => entry_type,
                _ => "",
            })
        };
        for (text, kind) in [
            ("", None),
            ("no", None),
            (" N ", None),
            ("0", None),
            ("Yes", Some(Section232::Unspecified)),
            ("1", Some(Section232::Unspecified)),
            ("Timber", Some(Section232::Lumber)),
            ("aluminium", Some(Section232::SteelAluminum)),
            ("AUTO_PARTS", Some(Section232::Autos)),
        ] {
            assert_eq!(read(text, "").map(|s| s.section232), Ok(kind), "{text:?}");
        }
        for (text, entry) in [
            ("", None),
            ("INFORMAL", Some(EntryType::Informal)),
            (" formal", Some(EntryType::Formal)),
        ] {
            assert_eq!(read("", text).map(|s| s.entry_type), Ok(entry), "{text:?}");
        }
        let e = read("tin", "").err();
        assert_eq!(e.as_ref().map(|e| e.field), Some(Field::Section232));
        assert_eq!(
            e.map(|e| e.reason).as_deref(),
            Some(
                "\"tin\" is not a Section 232 kind or a yes/no (autos, steel_aluminum, copper, \
                 lumber, true, false)"
            )
        );
        let e = read("", "informel").err();
        assert_eq!(e.as_ref().map(|e| e.field), Some(Field::EntryType));
        assert_eq!(
            e.map(|e| e.reason).as_deref(),
            Some("\"informel\" is not an entry type (formal, informal)")
        );
    }

    proptest! {
        #[test]
        fn plain_digits_is_the_plain_number(text in "[0-9.]{0,21}|[0-9 .x+-]{0,6}") {
            prop_assert_eq!(plain_digits(text.as_bytes()), spec(text.as_bytes()), "{:?}", text);
        }
    }
}
