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

/// Rounds an amount of money to the cent with the crate's policy.
///
/// ```
/// use rust_decimal::Decimal;
/// use tariffs::money::round_money;
/// assert_eq!(round_money(Decimal::new(125, 3)), Decimal::new(13, 2)); // 0.125 -> 0.13
/// assert_eq!(round_money(Decimal::new(-125, 3)), Decimal::new(-13, 2));
/// ```
pub fn round_money(amount: Decimal) -> Decimal {
    if amount.scale() <= MONEY_DP {
        return amount; // already in cents: nothing to round
    }
    amount.round_dp_with_strategy(MONEY_DP, ROUNDING)
}

/// Rounds a ratio (a fraction such as 0.0216) to [`RATIO_DP`] places with the crate's policy.
pub fn round_ratio(ratio: Decimal) -> Decimal {
    ratio.round_dp_with_strategy(RATIO_DP, ROUNDING)
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
    pct.map(|p| p.normalize())
        .ok_or(Error::Overflow { what: "percentage" })
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

/// `a * b`, or an overflow error naming `what`.
pub(crate) fn mul(a: Decimal, b: Decimal, what: &'static str) -> Result<Decimal, Error> {
    a.checked_mul(b).ok_or(Error::Overflow { what })
}

/// `a + b`, or an overflow error naming `what`.
pub(crate) fn add(a: Decimal, b: Decimal, what: &'static str) -> Result<Decimal, Error> {
    a.checked_add(b).ok_or(Error::Overflow { what })
}

/// `a - b`, or an overflow error naming `what`.
pub(crate) fn sub(a: Decimal, b: Decimal, what: &'static str) -> Result<Decimal, Error> {
    a.checked_sub(b).ok_or(Error::Overflow { what })
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
    num.checked_div(den)
        .map(round_ratio)
        .ok_or(Error::Overflow { what })
}

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
    fn overflow_is_an_error() {
        assert!(mul(Decimal::MAX, d("2"), "x").is_err());
        assert!(add(Decimal::MAX, Decimal::MAX, "x").is_err());
    }
}
