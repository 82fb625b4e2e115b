//! The published formula that turns a partner's trade balance into the chart's rates.
//!
//! USTR's formula is Δτ = (x − m) / (ε·φ·m) with ε = −4 and φ = 0.25, so |ε·φ| = 1 and the
//! rate is the bilateral deficit as a share of US imports, (m − x) / m. The chart of 2 April
//! 2025 shows it as a whole percent ("Tariffs Charged to the U.S.A."), and the reciprocal rate
//! as half of that, rounded up; both have a 10% floor.

use rust_decimal::Decimal;

use crate::money::{self, ROUNDING};
use crate::Error;

/// The floor of both chart columns, in percent.
pub const FLOOR_PCT: Decimal = Decimal::from_parts(10, 0, 0, false, 0);

/// The formula's results for one partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TradeFormula {
    /// US imports from the partner (USD).
    pub imports: Decimal,
    /// US exports to the partner (USD).
    pub exports: Decimal,
    /// (m − x) / m in percent, 4 decimal places (negative for a US surplus).
    pub deficit_ratio_pct: Decimal,
    /// The "charged" rate: the ratio as a whole percent (half away from zero), at least 10.
    pub charged_pct: Decimal,
    /// The reciprocal rate as the chart computes it: half of the whole-percent ratio, rounded
    /// up, at least 10.
    pub reciprocal_pct: Decimal,
    /// Half of the exact ratio, rounded up, at least 10: the reading that gives the chart's
    /// Vietnam (46) and Japan (24) and the original, uncorrected 2 April Annex I values.
    pub reciprocal_exact_half_pct: Decimal,
}

/// Applies the published formula to US imports `m` from and exports `x` to a partner.
///
/// ```
/// use rust_decimal::Decimal;
/// // China 2024: imports 438.9 bn, exports 143.5 bn.
/// let f = tariffs::rate_from_trade(Decimal::from(438_947_000_000_i64), Decimal::from(143_546_000_000_i64))?;
/// assert_eq!(f.charged_pct, Decimal::from(67));
/// assert_eq!(f.reciprocal_pct, Decimal::from(34));
/// // A US surplus gives the 10% floor.
/// let g = tariffs::rate_from_trade(Decimal::from(100), Decimal::from(300))?;
/// assert_eq!((g.charged_pct, g.reciprocal_pct), (Decimal::from(10), Decimal::from(10)));
/// # Ok::<(), tariffs::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::OutOfRange`] when imports are not positive or exports are negative;
/// [`Error::Overflow`].
pub fn rate_from_trade(imports: Decimal, exports: Decimal) -> Result<TradeFormula, Error> {
    if imports <= Decimal::ZERO {
        return Err(Error::OutOfRange {
            field: "imports",
            value: imports,
            expected: "more than 0",
        });
    }
    if exports < Decimal::ZERO {
        return Err(Error::OutOfRange {
            field: "exports",
            value: exports,
            expected: "at least 0",
        });
    }
    let deficit = money::sub(imports, exports, "trade deficit")?;
    let ratio_pct = deficit
        .checked_div(imports)
        .and_then(|r| r.checked_mul(Decimal::ONE_HUNDRED))
        .ok_or(Error::Overflow {
            what: "deficit ratio",
        })?;
    let whole = ratio_pct.round_dp_with_strategy(0, ROUNDING);
    let half_up = |x: Decimal| (x / Decimal::TWO).ceil();
    Ok(TradeFormula {
        imports,
        exports,
        deficit_ratio_pct: ratio_pct.round_dp_with_strategy(4, ROUNDING),
        charged_pct: whole.max(FLOOR_PCT).normalize(),
        reciprocal_pct: half_up(whole).max(FLOOR_PCT).normalize(),
        reciprocal_exact_half_pct: half_up(ratio_pct).max(FLOOR_PCT).normalize(),
    })
}
