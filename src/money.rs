//! The rounding policy and checked arithmetic. Every amount of money the crate returns is
//! rounded here, and nowhere else.
//!
//! # Rounding policy
//!
//! - **Money** is rounded to the cent ([`MONEY_DP`] = 2 decimal places), half away from zero
//!   ([`ROUNDING`]: `MidpointAwayFromZero`, so 0.125 becomes 0.13, not banker's 0.12).
//! - Rounding is applied **once, at the end of each component**: each duty and fee is computed
//!   from the exact (unrounded) base and the exact rate, then rounded. Totals are sums of the
//!   rounded components, so a breakdown always adds up to its total to the cent.
//! - **Rates and shares** derived by division (effective rates, exempt shares) are rounded to
//!   [`RATIO_DP`] = 6 decimal places of a fraction (4 decimal places of a percent), with the same
//!   strategy.
//! - Every operation is checked: an overflow of `Decimal`'s 96-bit mantissa is an
//!   [`Error::Overflow`], never a panic or a silent wrap.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::Error;

/// Decimal places of every money amount the crate returns (cents).
pub const MONEY_DP: u32 = 2;

/// Decimal places of ratios (shares and effective rates as fractions; 4 places as percents).
pub const RATIO_DP: u32 = 6;

/// The rounding strategy for money and ratios: half away from zero.
pub const ROUNDING: RoundingStrategy = RoundingStrategy::MidpointAwayFromZero;

/// The largest amount of money accepted as an input (a customs value, freight, insurance,
/// a basket line's value): USD 1 trillion. A single entry line above it is a typo or an
/// attack, not a shipment; with every input below it, no sum of fewer than 10^16 lines can
/// overflow a `Decimal`, so one absurd row cannot abort or poison a batch.
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(0xD4A5_1000, 0xE8, 0, false, 0);

/// [`MAX_AMOUNT`] in cents, for the integer paths.
pub(crate) const MAX_AMOUNT_CENTS: i64 = 100_000_000_000_000;

/// Parses a decimal number as the crate reads every number it is given: digits with an
/// optional sign and decimal point (`1234.50`, `-0.5`, `16.`), exactly, and nothing else.
/// `rust_decimal` also takes underscores between digits (`1_000`); in a customs file they
/// are typos, so they are refused here.
///
/// ```
/// use tariffs::money::parse_decimal;
/// assert_eq!(parse_decimal("1234.50").map(|d| d.to_string()), Some("1234.50".into()));
/// assert_eq!(parse_decimal("1_000"), None);
/// assert_eq!(parse_decimal("1,000.00"), None);
/// assert_eq!(parse_decimal(""), None);
/// ```
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    if text.contains('_') {
        return None;
    }
    Decimal::from_str_exact(text).ok()
}

/// Rounds an amount of money to the cent with the crate's policy.
///
/// ```
/// use rust_decimal::Decimal;
/// use tariffs::money::round_money;
/// assert_eq!(round_money(Decimal::new(125, 3)), Decimal::new(13, 2)); // 0.125 -> 0.13
/// assert_eq!(round_money(Decimal::new(-125, 3)), Decimal::new(-13, 2));
/// ```
pub fn round_money(amount: Decimal) -> Decimal {
    round_dp(amount, MONEY_DP)
}

/// Rounds to `dp` places with the crate's policy (for output of a chosen precision).
pub(crate) fn round_money_to(d: Decimal, dp: u32) -> Decimal {
    round_dp(d, dp)
}

/// Rounds to `dp` places, half away from zero: `round_dp_with_strategy(dp, ROUNDING)`, with
/// a fast path in 64-bit integers for the mantissas every realistic amount has.
fn round_dp(d: Decimal, dp: u32) -> Decimal {
    let scale = d.scale();
    if scale <= dp {
        return d; // nothing to round
    }
    let shift = scale - dp;
    if let (Ok(m), Some(p)) = (
        u64::try_from(d.mantissa().unsigned_abs()),
        10u64.checked_pow(shift),
    ) {
        let q = i128::from(div_round_u64(m, p));
        let signed = if d.is_sign_negative() { -q } else { q };
        if let Ok(rounded) = Decimal::try_from_i128_with_scale(signed, dp) {
            return rounded;
        }
    }
    d.round_dp_with_strategy(dp, ROUNDING)
}

/// `n / d` for `d > 0`, rounded half away from zero: the policy on the non-negative integer
/// mantissas of the fast paths (here, and the batch's integer cents).
#[inline]
pub(crate) fn div_round(n: u128, d: u128) -> u128 {
    let (q, r) = (n / d, n % d);
    // Half away from zero: round up when the remainder is at least half the divisor.
    if r >= d - r {
        q + 1
    } else {
        q
    }
}

/// [`div_round`] in 64 bits, which is cheaper (and, with a constant divisor, a
/// multiplication).
#[inline]
pub(crate) fn div_round_u64(n: u64, d: u64) -> u64 {
    let (q, r) = (n / d, n % d);
    if r >= d - r {
        q + 1
    } else {
        q
    }
}

/// Rounds a ratio (a fraction such as 0.0216) to [`RATIO_DP`] places with the crate's policy.
pub fn round_ratio(ratio: Decimal) -> Decimal {
    round_dp(ratio, RATIO_DP)
}

/// Converts a percentage to a fraction exactly (2.5 -> 0.025) by moving the decimal point,
/// which is exact and costs no division.
pub(crate) fn pct_to_fraction(pct: Decimal) -> Result<Decimal, Error> {
    Decimal::try_from_i128_with_scale(pct.mantissa(), pct.scale() + 2)
        .or_else(|_| pct.checked_div(Decimal::ONE_HUNDRED).ok_or(()))
        .map_err(|_| Error::Overflow { what: "percentage" })
}

/// Converts a fraction to a percentage exactly (0.025 -> 2.5).
pub(crate) fn fraction_to_pct(fraction: Decimal) -> Result<Decimal, Error> {
    let pct = if fraction.scale() >= 2 {
        Decimal::try_from_i128_with_scale(fraction.mantissa(), fraction.scale() - 2).ok()
    } else {
        fraction.checked_mul(Decimal::ONE_HUNDRED)
    };
    overflow(pct.map(|p| p.normalize()), "percentage")
}

/// A ratio (6 decimal places) as a percentage with 4 decimal places, exactly: 0.435 gives
/// 43.5000. Cheaper than [`fraction_to_pct`], which also drops trailing zeros.
pub(crate) fn fraction_to_pct_fixed(fraction: Decimal) -> Result<Decimal, Error> {
    if fraction.scale() >= 2 {
        Decimal::try_from_i128_with_scale(fraction.mantissa(), fraction.scale() - 2)
            .map_err(|_| Error::Overflow { what: "percentage" })
    } else {
        fraction_to_pct(fraction)
    }
}

/// `num / den` rounded to [`RATIO_DP`] places, half away from zero, in 128-bit integers when
/// both mantissas fit in 64 bits and the result is representable; `None` otherwise.
fn ratio_fast(num: Decimal, den: Decimal) -> Option<Decimal> {
    let a = u128::from(u64::try_from(num.mantissa().unsigned_abs()).ok()?);
    let b = u128::from(u64::try_from(den.mantissa().unsigned_abs()).ok()?);
    // value = a / 10^sa / (b / 10^sb); scaled result q = a * 10^(RATIO_DP + sb - sa) / b.
    let e = i64::from(RATIO_DP) + i64::from(den.scale()) - i64::from(num.scale());
    let (n, d) = if e >= 0 {
        (
            a.checked_mul(10u128.checked_pow(u32::try_from(e).ok()?)?)?,
            b,
        )
    } else {
        (
            a,
            b.checked_mul(10u128.checked_pow(u32::try_from(-e).ok()?)?)?,
        )
    };
    let q = i128::try_from(div_round(n, d)).ok()?;
    let negative = num.is_sign_negative() != den.is_sign_negative() && q != 0;
    Decimal::try_from_i128_with_scale(if negative { -q } else { q }, RATIO_DP).ok()
}

/// The value, or an overflow error naming `what` (built only when needed: constructing and
/// dropping an unused `Error` costs more than the arithmetic).
#[inline]
fn overflow(v: Option<Decimal>, what: &'static str) -> Result<Decimal, Error> {
    match v {
        Some(v) => Ok(v),
        None => Err(Error::Overflow { what }),
    }
}

/// The mantissa when it fits in 64 bits: the fast paths below work on these exactly, and
/// leave everything else to `Decimal`'s own checked operations.
#[inline]
fn small(d: Decimal) -> Option<i128> {
    let m = d.mantissa();
    (i128::from(i64::MIN)..=i128::from(i64::MAX))
        .contains(&m)
        .then_some(m)
}

/// `a * b`, or an overflow error naming `what`.
pub(crate) fn mul(a: Decimal, b: Decimal, what: &'static str) -> Result<Decimal, Error> {
    if let (Some(x), Some(y)) = (small(a), small(b)) {
        // |x * y| < 2^126: exact in i128; the scales add.
        if let Ok(p) = Decimal::try_from_i128_with_scale(x * y, a.scale() + b.scale()) {
            return Ok(p);
        }
    }
    overflow(a.checked_mul(b), what)
}

/// `a + b`, or an overflow error naming `what`.
pub(crate) fn add(a: Decimal, b: Decimal, what: &'static str) -> Result<Decimal, Error> {
    if let (Some(x), Some(y)) = (small(a), small(b)) {
        let (sa, sb) = (a.scale(), b.scale());
        let s = sa.max(sb);
        let align =
            |m: i128, from: u32| 10i128.checked_pow(s - from).and_then(|p| m.checked_mul(p));
        if let (Some(x), Some(y)) = (align(x, sa), align(y, sb)) {
            if let Some(sum) = x.checked_add(y) {
                if let Ok(r) = Decimal::try_from_i128_with_scale(sum, s) {
                    return Ok(r);
                }
            }
        }
    }
    overflow(a.checked_add(b), what)
}

/// `a - b`, or an overflow error naming `what`.
pub(crate) fn sub(a: Decimal, b: Decimal, what: &'static str) -> Result<Decimal, Error> {
    overflow(a.checked_sub(b), what)
}

/// Sum of several amounts, checked.
pub(crate) fn sum(items: &[Decimal], what: &'static str) -> Result<Decimal, Error> {
    items
        .iter()
        .try_fold(Decimal::ZERO, |acc, &x| add(acc, x, what))
}

/// `num / den` as a rounded ratio; zero when `den` is zero.
pub(crate) fn ratio(num: Decimal, den: Decimal, what: &'static str) -> Result<Decimal, Error> {
    if den.is_zero() {
        return Ok(Decimal::ZERO);
    }
    if let Some(r) = ratio_fast(num, den) {
        return Ok(r);
    }
    overflow(num.checked_div(den).map(round_ratio), what)
}

/// The value of eight ASCII digits in a little-endian word (the first digit in the low
/// byte), or `None` when a byte is not a digit: checked and combined a word at a time.
#[inline]
pub(crate) fn eight_digit_value(w: u64) -> Option<u64> {
    const ZEROS: u64 = u64::from_le_bytes([b'0'; 8]);
    const HIGH: u64 = u64::from_le_bytes([0xf0; 8]);
    const SIX: u64 = u64::from_le_bytes([0x06; 8]);
    // A digit's high nibble is 3, and stays 3 when 6 is added (no byte carries).
    if w & HIGH != ZEROS || (w + SIX) & HIGH != ZEROS {
        return None;
    }
    let d = w - ZEROS;
    // Pairs, then fours, then the eight: each a multiplication, a shift and a mask (no lane
    // overflows into the next: 9 * 10 + 9, 99 * 100 + 99, 9999 * 10^4 + 9999).
    let pairs = (d * 10 + (d >> 8)) & 0x00ff_00ff_00ff_00ff;
    let fours = (pairs * 100 + (pairs >> 16)) & 0x0000_ffff_0000_ffff;
    Some((fours * 10_000 + (fours >> 32)) & 0xffff_ffff)
}

/// The two digits of `n` (below 100) as a little-endian word: the first in the low byte.
#[inline(always)]
pub(crate) fn digit_pair(n: usize) -> u16 {
    let i = (n % 100) * 2;
    u16::from_le_bytes([DIGIT_PAIRS[i], DIGIT_PAIRS[i + 1]])
}

/// "00" to "99", for writing two digits at a time.
const DIGIT_PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_default()
    }

    #[test]
    fn percent_conversions_are_exact() {
        assert_eq!(pct_to_fraction(d("2.5")).ok(), Some(d("0.025")));
        assert_eq!(pct_to_fraction(d("27")).ok(), Some(d("0.27")));
        assert_eq!(pct_to_fraction(d("0.3464")).ok(), Some(d("0.003464")));
        assert_eq!(fraction_to_pct(d("0.0216")).ok(), Some(d("2.16")));
        assert_eq!(fraction_to_pct(d("1")).ok(), Some(d("100")));
        // 28 decimal places: the scale cannot grow, so it falls back to a division.
        let tiny = d("0.0000000000000000000000000001");
        assert!(pct_to_fraction(tiny).is_ok());
    }

    #[test]
    fn rounding_is_half_away_from_zero_not_bankers() {
        assert_eq!(round_money(d("2.345")), d("2.35"));
        assert_eq!(round_money(d("2.335")), d("2.34"));
        assert_eq!(round_money(d("0.005")), d("0.01"));
    }

    #[test]
    fn fast_rounding_agrees_with_rust_decimal() {
        for s in [
            "2.345",
            "-2.345",
            "0.005",
            "-0.005",
            "1.994999",
            "99999999.999",
            "0.0049",
            "7.125",
            "-7.135",
            "12345678901234.5678",
        ] {
            let v = d(s);
            assert_eq!(round_money(v), v.round_dp_with_strategy(2, ROUNDING), "{s}");
            assert_eq!(
                round_money(v).scale(),
                v.round_dp_with_strategy(2, ROUNDING).scale(),
                "{s}"
            );
        }
    }

    #[test]
    fn fast_ratio_agrees_with_division() {
        for (n, den) in [
            ("4350", "10000"),
            ("1", "3"),
            ("2", "3"),
            ("0.51", "101"),
            ("1010", "3333.33"),
            ("-1", "3"),
            ("5", "0.07"),
            ("123456789.12", "0.01"),
        ] {
            let (a, b) = (d(n), d(den));
            let slow = (a / b).round_dp_with_strategy(RATIO_DP, ROUNDING);
            assert_eq!(ratio(a, b, "t").ok(), Some(slow), "{n}/{den}");
        }
    }

    #[test]
    fn fast_arithmetic_agrees_with_decimal() {
        let vals = [
            "0",
            "1",
            "-1",
            "0.01",
            "123.45",
            "-7.125",
            "99999999999.99",
            "0.000001",
            "0.3464",
            "1e0",
        ];
        for a in vals.iter().filter_map(|s| Decimal::from_str(s).ok()) {
            for b in vals.iter().filter_map(|s| Decimal::from_str(s).ok()) {
                assert_eq!(mul(a, b, "t").ok(), a.checked_mul(b), "{a} * {b}");
                assert_eq!(add(a, b, "t").ok(), a.checked_add(b), "{a} + {b}");
            }
        }
    }

    #[test]
    fn overflow_is_an_error() {
        assert!(mul(Decimal::MAX, d("2"), "x").is_err());
        assert!(add(Decimal::MAX, Decimal::MAX, "x").is_err());
    }
}
