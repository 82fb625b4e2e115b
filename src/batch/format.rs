//! Output records: the columns of each layout and the one formatting path for them.

use rust_decimal::Decimal;

use crate::estimate::{Exemption, LandedCost, ReciprocalDuty};
use crate::table::RateStatus;
use crate::{money, Date, RateTable, Shipment};

/// The version of the output schema: the columns of each layout (their names, order and
/// meaning), the further measures' column groups, and the keys of the JSON forms. Raised
/// whenever one of them changes, so that a reader of saved outputs can tell which schema a
/// file follows; `tariffs --version` prints it and `estimate --json` carries it as `schema`.
pub const SCHEMA_VERSION: u32 = 1;

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

/// The measures with columns of their own in the default and refunds layouts, by name, with
/// the prefix of their columns (`fentanyl_rate_pct`, `fentanyl_duty`): today's columns, kept
/// so that today's files keep their bytes. A schedule's further measures get a group of
/// columns each after them, named by the measure ([`measure_columns`]).
pub const NAMED_MEASURES: [(&str, &str); 4] = [
    ("ieepa_fentanyl", "fentanyl"),
    ("ieepa_brazil", "brazil"),
    ("ieepa_india", "russia_oil"),
    ("s122", "section122"),
];

/// The measures of a schedule beyond [`NAMED_MEASURES`], in the schedule's order: each adds
/// `<name>_rate_pct` and `<name>_duty` (and in the refunds layout `<name>_source`) at the
/// end of the row, so the header depends on the schedule loaded.
pub fn further_measures(table: &RateTable) -> Vec<String> {
    table
        .measures()
        .names()
        .filter(|n| !NAMED_MEASURES.iter().any(|(m, _)| m == n))
        .map(str::to_string)
        .collect()
}

/// The header of a layout for a schedule: the layout's columns, then a group per further
/// measure.
pub fn measure_columns(layout: Layout, further: &[String]) -> Vec<String> {
    let mut h: Vec<String> = layout.columns().into_iter().map(str::to_string).collect();
    if matches!(layout, Layout::Select(_)) {
        return h;
    }
    for m in further {
        h.push(format!("{m}_rate_pct"));
        h.push(format!("{m}_duty"));
        if layout == Layout::Refunds {
            h.push(format!("{m}_source"));
        }
    }
    h
}

/// What a batch writes for each row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// The landed cost, component by component ([`OUTPUT_COLUMNS`]).
    #[default]
    LandedCost,
    /// The landed cost in the chosen columns of [`OUTPUT_COLUMNS`] only, in their order
    /// there (`tariffs batch --columns`).
    Select(ColumnSet),
    /// The IEEPA duty by program and the refundable total ([`REFUND_COLUMNS`]).
    Refunds,
}

impl Layout {
    /// The header of the layout.
    pub fn columns(self) -> Vec<&'static str> {
        match self {
            Layout::LandedCost => OUTPUT_COLUMNS.to_vec(),
            Layout::Select(set) => set.names(),
            Layout::Refunds => REFUND_COLUMNS.to_vec(),
        }
    }

    /// The columns of [`OUTPUT_COLUMNS`] the layout writes (all but for a selection), for
    /// the batch's fast path, which writes those; `None` for a layout of other columns
    /// (with `notes`, the refunds).
    pub(super) fn landed_cost_columns(self) -> Option<ColumnSet> {
        match self {
            Layout::LandedCost => Some(ColumnSet::ALL),
            Layout::Select(set) if !set.has_notes() => Some(set),
            Layout::Select(_) | Layout::Refunds => None,
        }
    }
}

/// The landed-cost columns a choice may name: [`OUTPUT_COLUMNS`], then `notes` (how the row
/// was treated: MPF exemptions, fee figures carried forward, readings, program exclusions;
/// as the refunds layout's `notes`), which the default layout leaves out.
pub const SELECTABLE_COLUMNS: [&str; 34] = {
    let mut all = [""; 34];
    let mut i = 0;
    while i < OUTPUT_COLUMNS.len() {
        all[i] = OUTPUT_COLUMNS[i];
        i += 1;
    }
    all[33] = "notes";
    all
};

/// The index of the `notes` column in [`SELECTABLE_COLUMNS`].
const NOTES: usize = 33;

/// A choice of columns of [`SELECTABLE_COLUMNS`], written in their order there.
///
/// ```
/// use tariffs::batch::ColumnSet;
/// let set: ColumnSet = "id, landed_cost,total_duty".parse()?;
/// assert_eq!(set.names(), ["id", "total_duty", "landed_cost"]);
/// assert!("id,landed".parse::<ColumnSet>().unwrap_err().contains("landed_cost"));
/// # Ok::<(), String>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ColumnSet(u64);

impl ColumnSet {
    /// Every column of the default layout ([`OUTPUT_COLUMNS`]).
    pub const ALL: ColumnSet = ColumnSet((1 << OUTPUT_COLUMNS.len()) - 1);

    /// True when the set has the column at this index of [`SELECTABLE_COLUMNS`].
    pub fn contains(self, index: usize) -> bool {
        index < 64 && self.0 & (1 << index) != 0
    }

    /// True when the set has the `notes` column.
    pub fn has_notes(self) -> bool {
        self.contains(NOTES)
    }

    /// The names of the columns, in output order.
    pub fn names(self) -> Vec<&'static str> {
        SELECTABLE_COLUMNS
            .iter()
            .enumerate()
            .filter(|&(i, _)| self.contains(i))
            .map(|(_, &n)| n)
            .collect()
    }

    fn bits(self) -> u64 {
        self.0
    }
}

impl std::str::FromStr for ColumnSet {
    type Err = String;

    /// Column names separated by commas; `all` stands for the default layout's columns
    /// (`all,notes` adds the notes).
    fn from_str(s: &str) -> Result<ColumnSet, String> {
        let mut bits = 0u64;
        for name in s.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            if name == "all" {
                bits |= ColumnSet::ALL.0;
                continue;
            }
            match SELECTABLE_COLUMNS.iter().position(|&c| c == name) {
                Some(i) => bits |= 1 << i,
                None => {
                    return Err(format!(
                        "unknown column {name:?}; the columns are {}",
                        SELECTABLE_COLUMNS.join(",")
                    ))
                }
            }
        }
        if bits == 0 {
            return Err("no column chosen".into());
        }
        Ok(ColumnSet(bits))
    }
}

/// The columns of a batch's error report, in order.
pub const ERROR_COLUMNS: [&str; 5] = ["line", "id", "column", "value", "reason"];

/// Appends a decimal in plain notation: with exactly `dp` decimals (rounded with the crate's
/// policy when it has more), or, with `None`, without trailing zeros. No allocation, and no
/// 96-bit division for mantissas that fit in 64 bits (all realistic amounts).
fn push_decimal(out: &mut Vec<u8>, d: Decimal, dp: Option<u32>) {
    let d = match dp {
        Some(dp) if d.scale() > dp => money::round_money_to(d, dp),
        _ => d,
    };
    let mut scale = d.scale();
    let Ok(mut m) = u64::try_from(d.mantissa().unsigned_abs()) else {
        // Beyond 64 bits: Decimal's own formatting.
        let mut d = d;
        match dp {
            Some(dp) => d.rescale(dp),
            None => d = d.normalize(),
        }
        out.extend_from_slice(d.to_string().as_bytes());
        return;
    };
    let width = match dp {
        Some(dp) => dp,
        None => {
            // Drop trailing zeros of the fraction.
            while scale > 0 && m % 10 == 0 {
                m /= 10;
                scale -= 1;
            }
            scale
        }
    };
    // The fraction's digits (at most 28), then sign, integer part, point, fraction, padding.
    let nonzero = m != 0;
    let mut frac = [b'0'; 28];
    for slot in frac.iter_mut().take(scale as usize).rev() {
        *slot = b'0' + (m % 10) as u8;
        m /= 10;
    }
    if d.is_sign_negative() && nonzero {
        out.push(b'-');
    }
    let mut int = [0u8; 24];
    let n = digits(&mut int, 0, m);
    out.extend_from_slice(&int[..n]);
    if width > 0 {
        out.push(b'.');
        out.extend_from_slice(&frac[..scale as usize]);
        out.resize(out.len() + (width - scale) as usize, b'0');
    }
}

/// Appends a text field, quoted as the csv crate's writer quotes it (when it holds a comma,
/// a quote or a line break).
pub(super) fn push_text(out: &mut Vec<u8>, s: &str) {
    csv_field(s.as_bytes(), |part| out.extend_from_slice(part));
}

/// A text field as CSV writes it, in parts: as it is, or quoted with its quotes doubled.
fn csv_field(b: &[u8], mut put: impl FnMut(&[u8])) {
    if !needs_quotes(b) {
        return put(b);
    }
    put(b"\"");
    for (i, part) in b.split(|&c| c == b'"').enumerate() {
        if i > 0 {
            put(b"\"\"");
        }
        put(part);
    }
    put(b"\"");
}

/// True when a CSV field must be quoted: it holds a comma, a quote or a line break. Short
/// fields (ids, names, codes) are scanned inline; long ones (sources) with memchr.
pub(super) fn needs_quotes(b: &[u8]) -> bool {
    if b.len() < 32 {
        b.iter().any(|c| matches!(c, b',' | b'"' | b'\n' | b'\r'))
    } else {
        memchr::memchr3(b',', b'"', b'\n', b).is_some() || memchr::memchr(b'\r', b).is_some()
    }
}

/// Appends an amount given in cents, as [`RowWriter::cents`] writes it.
pub(super) fn push_cents(out: &mut Vec<u8>, cents: i64) {
    push_small(out, |w| w.cents(cents));
}

/// Appends a non-negative percentage given in ten-thousandths of a percent, as
/// [`RowWriter::e4`] writes it.
pub(super) fn push_pct_e4(out: &mut Vec<u8>, v: u64) {
    push_small(out, |w| w.e4(v));
}

/// Appends a date as `YYYY-MM-DD`.
pub(super) fn push_date(out: &mut Vec<u8>, d: Date) {
    push_small(out, |w| w.date(d));
}

/// Powers of ten that fit in a `u64`.
const POW10: [u64; 20] = {
    let mut p = [1u64; 20];
    let mut i = 1;
    while i < 20 {
        p[i] = p[i - 1] * 10;
        i += 1;
    }
    p
};

/// Digits of a non-negative integer below 10^20, written into `tmp` from `at`; the count.
#[inline]
fn digits(tmp: &mut [u8; 24], at: usize, m: u64) -> usize {
    // The digit count from the bit length (log10(2) ~ 1233/4096), corrected by one compare.
    let bits = 64 - (m | 1).leading_zeros() as usize;
    let guess = (bits * 1233) >> 12;
    let n = (guess + usize::from(POW10.get(guess).is_some_and(|&p| m >= p))).max(1);
    if let Ok(small) = u32::try_from(m) {
        if small < 100_000_000 {
            // All eight digits at once, less the leading zeros.
            let eight = eight_digits(small) >> (8 * (8 - n));
            tmp[at..at + 8].copy_from_slice(&eight.to_le_bytes());
            return n;
        }
    }
    // Four digits per division, then two, then the last one or two.
    let (mut m, mut i) = (m, at + n);
    while m >= 10_000 {
        let r = (m % 10_000) as usize;
        m /= 10_000;
        i -= 4;
        pair(tmp, i, r / 100);
        pair(tmp, i + 2, r % 100);
    }
    let mut m = m as usize;
    if m >= 100 {
        i -= 2;
        pair(tmp, i, m % 100);
        m /= 100;
    }
    if m >= 10 {
        pair(tmp, i - 2, m);
    } else {
        tmp[i - 1] = b'0' + m as u8;
    }
    n
}

/// The eight decimal digits of `x` (below 10^8, with leading zeros) as ASCII, the first
/// digit in the lowest byte: the digits are split in lanes of one word (two halves of four
/// digits, then four pairs, then eight digits), each split a multiplication by a reciprocal.
#[inline(always)]
fn eight_digits(x: u32) -> u64 {
    // Halves: the first four digits in the low 32 bits, the last four in the high.
    let halves = u64::from(x / 10_000) | u64::from(x % 10_000) << 32;
    // Each half (below 10^4) divided by 100: (h * 10486) >> 20 is exact there.
    let hundreds = ((halves * 10_486) >> 20) & 0x0000_007f_0000_007f;
    let pairs = hundreds | (halves - 100 * hundreds) << 16;
    // Each pair (below 100) divided by 10: (p * 103) >> 10 is exact there.
    let tens = ((pairs * 103) >> 10) & 0x000f_000f_000f_000f;
    let digits = tens | (pairs - 10 * tens) << 8;
    digits + 0x3030_3030_3030_3030
}

/// Copies `src` (at most 16 bytes) to the start of `dst` (16 bytes) with fixed-size
/// copies: two overlapping words for 8 bytes or more, two overlapping halves for 4 to 7.
#[inline(always)]
fn small_copy(dst: &mut [u8], src: &[u8]) {
    fn copy<const N: usize>(dst: &mut [u8], at: usize, src: &[u8]) {
        if let (Some(d), Some(s)) = (dst.get_mut(at..at + N), src.get(at..at + N)) {
            let s: &[u8; N] = s.try_into().unwrap_or(&[0; N]);
            d.copy_from_slice(s);
        }
    }
    let n = src.len();
    if n >= 8 {
        copy::<8>(dst, 0, src);
        copy::<8>(dst, n - 8, src);
    } else if n >= 4 {
        copy::<4>(dst, 0, src);
        copy::<4>(dst, n - 4, src);
    } else {
        for (d, &s) in dst.iter_mut().zip(src) {
            *d = s;
        }
    }
}

/// Writes `v` (below 100) as two digits at `tmp[i]`.
#[inline(always)]
fn pair(tmp: &mut [u8], i: usize, v: usize) {
    tmp[i..i + 2].copy_from_slice(&money::digit_pair(v).to_le_bytes());
}

/// Appends what `write` writes with a [`RowWriter`] (at most 32 bytes).
fn push_small(out: &mut Vec<u8>, write: impl FnOnce(&mut RowWriter<'_, true>)) {
    let mut tmp = [0u8; 32];
    let mut w = RowWriter::new(&mut tmp);
    write(&mut w);
    let n = w.len();
    out.extend_from_slice(&tmp[..n.min(32)]);
}

/// A batch's output lines, written in place: a buffer of zeros of which the first
/// [`OutBuf::len`] bytes are the lines so far. A line is written straight into the rest
/// ([`OutBuf::spare`], then [`OutBuf::advance`]), not into a line of its own and copied.
/// The buffer only grows (to the largest output held at once), so memory stays flat.
#[derive(Debug, Default)]
pub(super) struct OutBuf {
    buf: Vec<u8>,
    len: usize,
}

impl OutBuf {
    /// An empty output with room for `n` bytes.
    pub(super) fn with_capacity(n: usize) -> OutBuf {
        OutBuf {
            buf: vec![0; n],
            len: 0,
        }
    }

    /// The bytes of the lines so far.
    pub(super) fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }

    /// Bytes held.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Drops every line.
    pub(super) fn clear(&mut self) {
        self.len = 0;
    }

    /// Drops what was written after the first `len` bytes.
    pub(super) fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }

    /// The bytes after the lines, at least `n` of them.
    pub(super) fn spare(&mut self, n: usize) -> &mut [u8] {
        if self.buf.len() - self.len < n {
            let grown = (self.len + n).max(self.buf.len() * 2);
            self.buf.resize(grown, 0);
        }
        self.buf.get_mut(self.len..).unwrap_or(&mut [])
    }

    /// Keeps `n` more bytes of [`OutBuf::spare`] as written.
    pub(super) fn advance(&mut self, n: usize) {
        self.len = (self.len + n).min(self.buf.len());
    }

    /// Appends bytes.
    pub(super) fn extend_from_slice(&mut self, b: &[u8]) {
        if let Some(dst) = self.spare(b.len()).get_mut(..b.len()) {
            dst.copy_from_slice(b);
        }
        self.advance(b.len());
    }
}

/// An amount written on a line, and where.
#[derive(Debug, Clone, Copy)]
pub(super) struct Written {
    cents: i64,
    start: usize,
    len: usize,
}

/// A line written into a buffer by position: no write checks capacity or moves a length.
/// Bytes past the end of the buffer are not written but counted, so that a caller whose
/// buffer was too small learns from [`RowWriter::fits`] and [`RowWriter::len`] how large
/// to make it and writes again.
///
/// `ALL` is true for a writer of every column ([`RowWriter::new`]): its [`RowWriter::col`]
/// tests nothing, so that a row written in full is written without a branch per column.
pub(super) struct RowWriter<'a, const ALL: bool> {
    buf: &'a mut [u8],
    pos: usize,
    /// The columns to write (bit `i` for column `i`), for [`RowWriter::col`].
    mask: u64,
    column: usize,
}

impl<'a> RowWriter<'a, true> {
    /// A writer of every column.
    pub(super) fn new(buf: &'a mut [u8]) -> RowWriter<'a, true> {
        RowWriter {
            buf,
            pos: 0,
            mask: ColumnSet::ALL.bits(),
            column: 0,
        }
    }
}

impl<'a> RowWriter<'a, false> {
    /// A writer of the chosen columns of a layout.
    pub(super) fn with_columns(buf: &'a mut [u8], columns: ColumnSet) -> RowWriter<'a, false> {
        RowWriter {
            buf,
            pos: 0,
            mask: columns.bits(),
            column: 0,
        }
    }
}

impl<const ALL: bool> RowWriter<'_, ALL> {
    /// Moves on to the next column: true (after a separator) when it is written.
    #[inline(always)]
    pub(super) fn col(&mut self) -> bool {
        let column = self.column;
        self.column += 1;
        if ALL {
            if column > 0 {
                self.byte(b',');
            }
            return true;
        }
        let chosen = self.mask & (1u64 << (column & 63)) != 0;
        if chosen {
            // A separator unless no chosen column comes before this one.
            if self.mask & ((1u64 << (column & 63)) - 1) != 0 {
                self.byte(b',');
            }
        }
        chosen
    }

    /// Passes over `n` columns written by the caller (with their separators) as one text.
    #[inline(always)]
    pub(super) fn skip(&mut self, n: usize) {
        self.column += n;
    }

    /// Bytes written (or that would have been).
    pub(super) fn len(&self) -> usize {
        self.pos
    }

    /// True when everything written fitted in the buffer.
    pub(super) fn fits(&self) -> bool {
        self.pos <= self.buf.len()
    }

    // Every write below is a free function of the buffer and the position that returns the
    // new position: the writer itself is never handed to a function that is not inlined,
    // so its position and column stay in registers while a line is written.

    #[inline(always)]
    pub(super) fn byte(&mut self, b: u8) {
        self.pos = put_byte(self.buf, self.pos, b);
    }

    #[inline(always)]
    pub(super) fn raw(&mut self, b: &[u8]) {
        self.pos = put_raw(self.buf, self.pos, b);
    }

    /// Writes again `len` bytes written before on this line, from `start`.
    #[inline(always)]
    pub(super) fn repeat(&mut self, start: usize, len: usize) {
        self.pos = put_again(self.buf, self.pos, start, len);
    }

    /// A text field, quoted as [`push_text`] quotes it.
    #[inline(always)]
    pub(super) fn text(&mut self, b: &[u8]) {
        self.pos = put_text(self.buf, self.pos, b);
    }

    /// An amount given in cents, with two decimals, as [`push_decimal`] writes money.
    #[inline(always)]
    pub(super) fn cents(&mut self, cents: i64) {
        self.pos = put_small(self.buf, self.pos, |tmp| cents_into(tmp, cents));
    }

    /// [`RowWriter::cents`], remembering where it was written, for
    /// [`RowWriter::cents_again`].
    #[inline(always)]
    pub(super) fn cents_at(&mut self, cents: i64) -> Written {
        let start = self.pos;
        self.cents(cents);
        Written {
            cents,
            start,
            len: self.pos - start,
        }
    }

    /// [`RowWriter::cents_at`], or `text` as it is when it is not empty (the amount as
    /// given, when it is written the same).
    #[inline(always)]
    pub(super) fn cents_as(&mut self, cents: i64, text: &[u8]) -> Written {
        if text.is_empty() {
            return self.cents_at(cents);
        }
        let start = self.pos;
        self.raw(text);
        Written {
            cents,
            start,
            len: text.len(),
        }
    }

    /// [`RowWriter::cents`], copying the text of an equal amount written before on this
    /// line instead of writing it anew.
    #[inline(always)]
    pub(super) fn cents_again(&mut self, cents: i64, before: Option<Written>) {
        match before {
            Some(b) if b.cents == cents => self.repeat(b.start, b.len),
            _ => self.cents(cents),
        }
    }

    /// A non-negative percentage in ten-thousandths of a percent, without trailing zeros.
    #[inline(always)]
    pub(super) fn e4(&mut self, v: u64) {
        self.pos = put_small(self.buf, self.pos, |tmp| e4_into(tmp, v));
    }

    /// A date as `YYYY-MM-DD`.
    #[inline(always)]
    pub(super) fn date(&mut self, d: Date) {
        let p = |n: u16| u64::from(money::digit_pair(usize::from(n)));
        let y = d.year();
        let head = p(y / 100)
            | p(y % 100) << 16
            | u64::from(b'-') << 32
            | p(u16::from(d.month())) << 40
            | u64::from(b'-') << 56;
        self.pos = put_words(self.buf, self.pos, head, p(u16::from(d.day())), 10);
    }

    /// An HTS code in its dotted form.
    #[inline(always)]
    pub(super) fn hts(&mut self, code: crate::HtsCode) {
        let (head, tail, len) = code.dotted_words();
        self.pos = put_words(self.buf, self.pos, head, tail, len);
    }
}

/// Writes the first `len` (at most 16) bytes of two little-endian words at `pos`, as two
/// stores where the buffer has room for both words; the position after them.
#[inline(always)]
fn put_words(buf: &mut [u8], pos: usize, head: u64, tail: u64, len: usize) -> usize {
    let (h, t) = (head.to_le_bytes(), tail.to_le_bytes());
    if let Some(dst) = buf.get_mut(pos..pos + 16) {
        dst[..8].copy_from_slice(&h);
        dst[8..].copy_from_slice(&t);
        return pos + len;
    }
    let bytes = [
        h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], t[0], t[1], t[2], t[3], t[4], t[5], t[6],
        t[7],
    ];
    put_raw(buf, pos, bytes.get(..len).unwrap_or(&[]))
}

/// Writes a byte at `pos` if it is in the buffer; the position after it.
#[inline(always)]
fn put_byte(buf: &mut [u8], pos: usize, b: u8) -> usize {
    if let Some(slot) = buf.get_mut(pos) {
        *slot = b;
    }
    pos + 1
}

/// Writes bytes at `pos`, as far as the buffer goes; the position after them.
#[inline]
fn put_raw(buf: &mut [u8], pos: usize, b: &[u8]) -> usize {
    // Up to 16 bytes as two (overlapping) fixed-size copies, not a call to memcpy.
    if b.len() <= 16 {
        if let Some(dst) = buf.get_mut(pos..pos + 16) {
            small_copy(dst, b);
            return pos + b.len();
        }
    }
    if let Some(dst) = buf.get_mut(pos..pos + b.len()) {
        dst.copy_from_slice(b);
    }
    pos + b.len()
}

/// Writes at `pos` again the `len` bytes written at `start`; the position after them.
#[inline]
fn put_again(buf: &mut [u8], pos: usize, start: usize, len: usize) -> usize {
    if len <= 16 && start + 16 <= pos {
        let mut copy = [0u8; 16];
        if let Some(src) = buf.get(start..start + 16) {
            copy.copy_from_slice(src);
        }
        put_raw(buf, pos, copy.get(..len).unwrap_or(&[]))
    } else {
        if pos + len <= buf.len() && start + len <= pos {
            buf.copy_within(start..start + len, pos);
        }
        pos + len
    }
}

/// Writes a text field at `pos`, quoted as [`push_text`] quotes it; the position after it.
fn put_text(buf: &mut [u8], pos: usize, b: &[u8]) -> usize {
    let mut pos = pos;
    csv_field(b, |part| pos = put_raw(buf, pos, part));
    pos
}

/// Writes at `pos` what `write` writes into 24 bytes (returning how many); the position
/// after it.
#[inline(always)]
fn put_small(buf: &mut [u8], pos: usize, write: impl FnOnce(&mut [u8; 24]) -> usize) -> usize {
    match buf
        .get_mut(pos..pos + 24)
        .and_then(|tail| <&mut [u8; 24]>::try_from(tail).ok())
    {
        Some(tail) => pos + write(tail),
        None => put_small_at_end(buf, pos, write),
    }
}

/// [`put_small`] near the end of the buffer: through a copy, as far as the buffer goes.
#[cold]
#[inline(never)]
fn put_small_at_end(
    buf: &mut [u8],
    pos: usize,
    write: impl FnOnce(&mut [u8; 24]) -> usize,
) -> usize {
    let mut tmp = [0u8; 24];
    let n = write(&mut tmp);
    if let (Some(dst), Some(src)) = (buf.get_mut(pos..pos + n), tmp.get(..n)) {
        dst.copy_from_slice(src);
    }
    pos + n
}

/// An amount in cents with two decimals, into `tmp`; how many bytes.
#[inline]
fn cents_into(tmp: &mut [u8; 24], cents: i64) -> usize {
    if cents == 0 {
        // Often (no HMF off the ocean, no MPF on small entries): no digits to work out.
        tmp[..4].copy_from_slice(b"0.00");
        return 4;
    }
    let sign = usize::from(cents < 0);
    let c = cents.unsigned_abs();
    tmp[0] = b'-'; // kept only for a negative amount
    let n = sign + digits(tmp, sign, c / 100);
    tmp[n] = b'.';
    pair(tmp, n + 1, (c % 100) as usize);
    n + 3
}

/// A non-negative percentage in ten-thousandths of a percent, without trailing zeros,
/// into `tmp`; how many bytes.
#[inline]
fn e4_into(tmp: &mut [u8; 24], v: u64) -> usize {
    let n = digits(tmp, 0, v / 10_000);
    let frac = (v % 10_000) as usize;
    if frac == 0 {
        return n;
    }
    tmp[n] = b'.';
    pair(tmp, n + 1, frac / 100);
    pair(tmp, n + 3, frac % 100);
    let width = if frac % 1000 == 0 {
        1
    } else if frac % 100 == 0 {
        2
    } else if frac % 10 == 0 {
        3
    } else {
        4
    };
    n + 1 + width
}

/// Money with exactly two decimals (amounts are already rounded to the cent).
pub fn fmt_money(d: Decimal) -> String {
    let mut v = Vec::with_capacity(16);
    push_decimal(&mut v, d, Some(money::MONEY_DP));
    String::from_utf8(v).unwrap_or_default()
}

/// A percentage without trailing zeros (`27`, `16.5`, `0.3464`).
pub fn fmt_pct(d: Decimal) -> String {
    let mut v = Vec::with_capacity(16);
    push_decimal(&mut v, d, None);
    String::from_utf8(v).unwrap_or_default()
}

/// One output row, formatted straight into a CSV line in a reusable buffer, so that
/// formatting a row allocates nothing once the buffer has grown. Text fields are quoted as the
/// csv crate's writer quotes them (when they hold a comma, a quote or a line break).
#[derive(Debug, Clone)]
pub struct RecordBuf {
    line: Vec<u8>,
    /// Fields written.
    fields: usize,
    /// Columns of the layout passed so far, written or not.
    column: usize,
    /// The columns to write (bit `i` for column `i`).
    mask: u64,
    /// The schedule's further measures, written after the layout's columns.
    further: Vec<String>,
}

impl Default for RecordBuf {
    fn default() -> RecordBuf {
        RecordBuf::new()
    }
}

impl RecordBuf {
    /// An empty record.
    pub fn new() -> RecordBuf {
        RecordBuf {
            line: Vec::with_capacity(512),
            fields: 0,
            column: 0,
            mask: u64::MAX,
            further: Vec::new(),
        }
    }

    /// True when the record writes further measures' columns after the layout's.
    pub(crate) fn has_further(&self) -> bool {
        !self.further.is_empty()
    }

    /// An empty record for a schedule: its further measures are written after the layout's
    /// columns ([`further_measures`]).
    pub fn for_table(table: &RateTable) -> RecordBuf {
        RecordBuf {
            further: further_measures(table),
            ..RecordBuf::new()
        }
    }

    /// Empties the record, keeping its memory.
    pub fn clear(&mut self) {
        self.line.clear();
        self.fields = 0;
        self.column = 0;
    }

    /// Moves on to the next column: true (after a separator) when it is written.
    fn sep(&mut self) -> bool {
        let chosen = self.column >= 64 || self.mask & (1 << self.column) != 0;
        self.column += 1;
        if chosen {
            if self.fields > 0 {
                self.line.push(b',');
            }
            self.fields += 1;
        }
        chosen
    }

    fn str(&mut self, s: &str) {
        if self.sep() {
            push_text(&mut self.line, s);
        }
    }

    fn empty(&mut self) {
        self.sep();
    }

    fn money(&mut self, d: Decimal) {
        if self.sep() {
            push_decimal(&mut self.line, d, Some(money::MONEY_DP));
        }
    }

    fn pct(&mut self, d: Decimal) {
        if self.sep() {
            push_decimal(&mut self.line, d, None);
        }
    }

    fn display(&mut self, v: impl std::fmt::Display) {
        self.str(&v.to_string());
    }

    fn hts(&mut self, code: crate::HtsCode) {
        if self.sep() {
            code.push_dotted(&mut self.line);
        }
    }

    fn date(&mut self, d: Date) {
        if self.sep() {
            push_date(&mut self.line, d);
        }
    }

    /// Appends the record to `out` as one CSV line ending in `\n`.
    pub fn write_csv_line(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.line);
        out.push(b'\n');
    }

    /// Appends the record to a batch's output as one CSV line ending in `\n`.
    pub(super) fn write_line_to(&self, out: &mut OutBuf) {
        out.extend_from_slice(&self.line);
        out.extend_from_slice(b"\n");
    }

    /// The fields as strings (the CSV line read back).
    pub fn to_strings(&self) -> Vec<String> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(&self.line[..]);
        let mut rec = csv::StringRecord::new();
        match rdr.read_record(&mut rec) {
            Ok(true) => rec.iter().map(str::to_string).collect(),
            _ => Vec::new(),
        }
    }
}

/// Short name of an exemption (`annex2`, `memo`, `category`, `not_subject`, `section232`,
/// `not_in_force`), its code and its category, for CSV and JSON output.
pub fn exemption_fields(e: Option<Exemption<'_>>) -> (&'static str, String, String) {
    let (name, code, category) = exemption_parts(e);
    (
        name,
        code.map(|c| c.to_string()).unwrap_or_default(),
        category.map(|c| c.to_string()).unwrap_or_default(),
    )
}

/// The reciprocal basis of a priced shipment (`annex1`, `baseline`, ...), empty when none
/// applies.
pub fn basis_field(c: &LandedCost<'_>) -> &'static str {
    basis_of(c.reciprocal.partner_rate.status)
}

/// The basis column of a rate status.
pub(crate) fn basis_of(status: RateStatus<'_>) -> &'static str {
    match status {
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

/// The exemption's short name, code and category, without allocating.
pub(crate) fn exemption_parts(
    e: Option<Exemption<'_>>,
) -> (
    &'static str,
    Option<crate::HtsCode>,
    Option<crate::Category>,
) {
    match e {
        None => ("", None, None),
        Some(Exemption::AnnexII(row)) => {
            (row.basis().as_str(), Some(row.code()), Some(row.category()))
        }
        Some(Exemption::Category(c)) => ("category", None, Some(c)),
        Some(Exemption::NotSubject(_)) => ("not_subject", None, None),
        Some(Exemption::Section232) => ("section232", None, None),
        Some(Exemption::NotInForce { .. }) => ("not_in_force", None, None),
        Some(Exemption::InTransit(_)) => ("in_transit", None, None),
    }
}

fn measure_cells(buf: &mut RecordBuf, c: &LandedCost<'_>, name: &str, source: bool) {
    match c.measure(name) {
        Some(d) => {
            buf.pct(d.charge.rate_pct);
            buf.money(d.charge.amount);
            if source {
                buf.str(d.source());
            }
        }
        None => {
            buf.empty();
            buf.empty();
            if source {
                buf.empty();
            }
        }
    }
}

/// The columns of the further measures, after the layout's.
fn further_cells(buf: &mut RecordBuf, c: &LandedCost<'_>, source: bool) {
    let further = std::mem::take(&mut buf.further);
    // Always written, whatever the mask: they are not selectable columns.
    let mask = std::mem::replace(&mut buf.mask, u64::MAX);
    for m in &further {
        measure_cells(buf, c, m, source);
    }
    buf.mask = mask;
    buf.further = further;
}

fn hts_cell(buf: &mut RecordBuf, s: &Shipment) {
    match s.goods {
        crate::Goods::Hts(h) => buf.hts(h),
        _ => buf.empty(),
    }
}

/// Formats a priced shipment into `buf` in the columns of `layout`: the one path by which
/// `batch`, `refunds` and [`output_record`] / [`refund_record`] write a row.
pub fn format_record(
    layout: Layout,
    buf: &mut RecordBuf,
    id: &str,
    s: &Shipment,
    c: &LandedCost<'_>,
) {
    buf.clear();
    buf.mask = match layout {
        Layout::Select(set) => set.bits(),
        Layout::LandedCost => ColumnSet::ALL.bits(),
        Layout::Refunds => u64::MAX,
    };
    let partner = c.reciprocal.partner_rate.partner;
    buf.str(id);
    buf.str(partner.code().as_str());
    buf.str(partner.name());
    buf.date(c.date);
    match layout {
        Layout::LandedCost | Layout::Select(_) => {
            let (exemption, code, category) = exemption_parts(c.reciprocal.exemption);
            hts_cell(buf, s);
            buf.money(c.customs_value);
            buf.pct(c.mfn.rate_pct);
            buf.money(c.mfn.amount);
            buf.pct(c.reciprocal.charge.rate_pct);
            buf.money(c.reciprocal.charge.base);
            buf.money(c.reciprocal.charge.amount);
            buf.str(basis_field(c));
            buf.str(exemption);
            match code {
                Some(code) => buf.hts(code),
                None => buf.empty(),
            }
            buf.str(category.map(|c| c.as_str()).unwrap_or(""));
            buf.money(c.mpf.charge.amount);
            buf.money(c.hmf.charge.amount);
            buf.money(c.freight);
            buf.money(c.insurance);
            buf.money(c.total_duty);
            buf.money(c.total_fees);
            buf.money(c.landed_cost);
            buf.pct(c.effective_duty_rate_pct);
            buf.str(c.reciprocal.source());
            for (m, _) in NAMED_MEASURES {
                measure_cells(buf, c, m, false);
            }
            buf.money(c.ieepa_duty);
            if buf.mask & (1 << NOTES) != 0 {
                buf.str(&notes(s, c));
            } else {
                buf.empty();
            }
            if matches!(layout, Layout::LandedCost) {
                further_cells(buf, c, false);
            }
        }
        Layout::Refunds => {
            match s.loaded {
                Some(d) => buf.date(d),
                None => buf.empty(),
            }
            hts_cell(buf, s);
            buf.money(c.customs_value);
            buf.pct(c.reciprocal.charge.rate_pct);
            buf.money(c.reciprocal.charge.amount);
            match exemption_parts(c.reciprocal.exemption) {
                ("", _, _) => buf.str(basis_field(c)),
                (e, None, _) => buf.str(e),
                (e, Some(code), _) => buf.display(format_args!("{e} {code}")),
            }
            buf.str(c.reciprocal.source());
            for (m, _) in &NAMED_MEASURES[..3] {
                measure_cells(buf, c, m, true);
            }
            buf.money(c.ieepa_duty);
            measure_cells(buf, c, NAMED_MEASURES[3].0, true);
            buf.money(c.mfn.amount);
            buf.str(&notes(s, c));
            further_cells(buf, c, true);
        }
    }
}

/// The output record of a priced shipment, in the order of [`OUTPUT_COLUMNS`].
pub fn output_record(id: &str, s: &Shipment, c: &LandedCost<'_>) -> Vec<String> {
    let mut buf = RecordBuf::new();
    format_record(Layout::LandedCost, &mut buf, id, s, c);
    buf.to_strings()
}

/// The refund record of a priced entry, in the order of [`REFUND_COLUMNS`].
pub fn refund_record(id: &str, s: &Shipment, c: &LandedCost<'_>) -> Vec<String> {
    let mut buf = RecordBuf::new();
    format_record(Layout::Refunds, &mut buf, id, s, c);
    buf.to_strings()
}

/// The readings the tool takes where the sources disagree (`sources/SOURCES-timeline.md`
/// section 5), attached to the entries they concern: (origin, from, to, note).
const READINGS: &[(&str, Date, Date, &str)] = &[
    (
        "JP",
        Date::ymd(2025, 8, 7),
        Date::ymd(2025, 9, 16),
        "Japan: the 15% floor is retroactive to 2025-08-07 (EO 14345) but CBP collected a flat 15% until 2025-09-16 (FR 2025-17908); the deposit may exceed this figure",
    ),
    (
        "KR",
        Date::ymd(2025, 11, 14),
        Date::ymd(2025, 12, 4),
        "Korea: the floor is retroactive to 2025-11-14 (FR 2025-21940, published 2025-12-04); deposits before publication may have been at the flat 15%",
    ),
    (
        "CH",
        Date::ymd(2025, 11, 14),
        Date::ymd(2025, 12, 18),
        "Switzerland: the 15% floor is retroactive to 2025-11-14 (notice of 2025-12-18); deposits before it may have been at 39%",
    ),
    (
        "LI",
        Date::ymd(2025, 11, 14),
        Date::ymd(2025, 12, 18),
        "Liechtenstein: the floor is retroactive to 2025-11-14 (notice of 2025-12-18); deposits before it may have been at the flat 15%",
    ),
    (
        "*",
        Date::ymd(2026, 2, 20),
        Date::ymd(2026, 2, 24),
        "collected after the Supreme Court's ruling of 2026-02-20 until CBP stopped on 2026-02-24 (CSMS 67834313): refundable",
    ),
];

/// Why the reciprocal duty is what it is, in words: the rate and its basis, or the
/// exemption; then the in-transit rule and the US content where they applied (the estimate's
/// reason, in its text and its JSON).
///
/// ```
/// use rust_decimal::Decimal;
/// use tariffs::{batch::reciprocal_reason, RateTable, Shipment};
/// let s = Shipment::new("KZ".parse()?, Decimal::from(1000)).entry_date("2025-04-09".parse()?);
/// let c = RateTable::bundled().landed_cost(&s)?;
/// assert_eq!(reciprocal_reason(&c.reciprocal), "27% Annex I, in force from 2025-04-09");
/// # Ok::<(), tariffs::Error>(())
/// ```
pub fn reciprocal_reason(r: &ReciprocalDuty<'_>) -> String {
    let date = r.partner_rate.date;
    let mut s = match (r.exemption, r.partner_rate.status) {
        (
            None,
            RateStatus::Applies {
                rate_pct,
                entry,
                rate_entry,
                ..
            },
        ) => {
            let via = if entry.rate_of().is_some() {
                format!(" (the rate of {})", rate_entry.name())
            } else {
                String::new()
            };
            format!(
                "{}% {}{via}, in force from {}",
                fmt_pct(rate_pct),
                rate_entry.basis().label(),
                rate_entry.effective_from()
            )
        }
        (Some(Exemption::AnnexII(row)), _) => format!(
            "exempt: {} line {} ({}): {}",
            if row.basis() == crate::ExemptBasis::Memo {
                "11 April memorandum"
            } else {
                "Annex II"
            },
            row.code(),
            row.category(),
            row.description()
        ),
        (Some(Exemption::Category(cat)), _) => format!("exempt: declared category {cat}"),
        (Some(Exemption::NotSubject(row)), _) => format!("not subject: {}", row.note()),
        (Some(Exemption::InTransit(row)), _) => format!(
            "in transit: loaded before {} and entered before the deadline; no duty was in force \
             on the loading date",
            row.transit()
                .loaded_before
                .map(|d| d.to_string())
                .unwrap_or_default()
        ),
        (Some(Exemption::Section232), _) => {
            "excluded: Section 232 goods pay the Section 232 duties instead".to_string()
        }
        (Some(Exemption::NotInForce { first_from }), _) => match first_from {
            Some(d) => format!("no reciprocal rate in force on {date} (first effective {d})"),
            None => format!("no reciprocal rate in force on {date}"),
        },
        (None, _) => String::new(),
    };
    if let (Some(superseded), None) = (r.partner_rate.in_transit, r.exemption) {
        s.push_str(&format!(
            "; in transit: the rate in force on the loading date, not the {}% from {}",
            superseded.rate_pct().map(fmt_pct).unwrap_or_default(),
            superseded.effective_from()
        ));
    }
    if r.us_content_excluded {
        s.push_str("; US content of 20% or more left out of the base (EO 14257 sec. 3(f))");
    }
    s
}

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
        let in_window = |d: Date| from <= d && d < to;
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
    if let crate::RateStatus::NotSubject { entry } = r.partner_rate.status {
        if entry.basis() == crate::Basis::InsularPossession && !entry.note().is_empty() {
            n.push(entry.note().to_string());
        }
    }
    for d in &c.measures {
        if let Some(x) = d.exclusion() {
            n.push(format!("{} not charged: {}", d.name, x));
        } else if let Some(row) = d.entry.filter(|r| r.condition().next().is_some()) {
            n.push(format!(
                "{}: {} row",
                d.name,
                row.condition().collect::<Vec<_>>().join(";")
            ));
        }
        if !d.ieepa {
            n.push(format!("{}: not IEEPA, not refundable", d.name));
        }
    }
    if let Some(x) = c.mpf.exemption {
        n.push(format!("MPF not charged: {} ({})", x.name(), x.source()));
    }
    for fee in [&c.mpf, &c.hmf] {
        if let Some(carried) = fee.carried_note() {
            n.push(carried.to_string());
        }
    }
    n.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn digits_agree_with_display(m in proptest::prelude::any::<u64>(), small in 0u64..1_000_000_000) {
            for v in [m / 10, small] {
                let mut tmp = [0u8; 24];
                let n = digits(&mut tmp, 1, v);
                let text = v.to_string();
                proptest::prop_assert_eq!(&tmp[1..1 + n], text.as_bytes());
            }
        }
    }

    #[test]
    fn integer_formatting_agrees_with_decimal_formatting() {
        let mut values: Vec<u64> = vec![0, 1, 9, 10, 99, 100, 101, 999_999, 1_000_000];
        for p in 0..19 {
            let x = 10u64.pow(p);
            values.extend([x - 1, x, x + 1, x * 3 + 7]);
        }
        values.push(u64::MAX / 1000);
        for v in values {
            let (mut fast, mut slow) = (Vec::new(), Vec::new());
            let cents = i64::try_from(v).unwrap_or(i64::MAX);
            push_small(&mut fast, |w| w.cents(cents));
            push_decimal(&mut slow, Decimal::new(cents, 2), Some(2));
            assert_eq!(fast, slow, "cents {v}");
            let (mut fast, mut slow) = (Vec::new(), Vec::new());
            push_small(&mut fast, |w| w.e4(v));
            push_decimal(&mut slow, Decimal::new(cents, 4), None);
            assert_eq!(fast, slow, "e4 {v}");
        }
    }

    #[test]
    fn text_fields_are_quoted_as_the_csv_crate_quotes_them() {
        let long = "a, b \"c\" d, and then some more text to pass the inline scan";
        for text in [
            "plain",
            "a,b",
            "say \"hi\"",
            "\"",
            "line\nbreak",
            "cr\r",
            "",
            long,
        ] {
            // As a field of a record of two (a lone empty field is written `""`).
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record([text, "x"]).ok();
            let mut expected = w.into_inner().unwrap_or_default();
            expected.truncate(expected.len().saturating_sub(3)); // ",x\n"
            let mut ours = Vec::new();
            push_text(&mut ours, text);
            assert_eq!(ours, expected, "{text:?}");
            let mut buf = [0u8; 128];
            let mut row = RowWriter::new(&mut buf);
            row.text(text.as_bytes());
            let n = row.len();
            assert_eq!(&buf[..n], &expected[..], "{text:?}");
        }
    }

    #[test]
    fn dotted_codes() {
        for code in [
            "2709",
            "2709.00",
            "2709.00.20",
            "2709.00.2010",
            "0101.21.00",
        ] {
            let mut out = Vec::new();
            code.parse::<crate::HtsCode>()
                .map(|c| c.push_dotted(&mut out))
                .ok();
            assert_eq!(String::from_utf8_lossy(&out), code);
        }
    }
}
