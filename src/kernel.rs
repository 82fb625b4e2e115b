//! The one kernel that prices a line. Every rule of the arithmetic lives here once: the
//! reciprocal rate and its 15% floor (`max(0, rate − MFN)`, also the `total_floor` and
//! `total_cap` measures), the US-content threshold and base, each measure's base and
//! amount, formal or informal entry, the fees' limits, the totals and the effective rate.
//!
//! What the table says about a line (the partner's rate, the exemption, the chosen
//! measure rows, the fee rows) is looked up first, by [`RateTable::landed_cost`] for one
//! shipment or by the batch for a partner and span of dates at a time, and handed to
//! [`price`] as [`Terms`]. The kernel is generic over the [`Numbers`] it computes in:
//! [`Exact`] (`Decimal`, for any input) or [`Cents`] (integer cents and ten-thousandths of a
//! percent, for the batch's common row). Both round with the crate's one policy
//! ([`money::ROUNDING`]) at the same steps, so they agree to the cent; the batch takes
//! `Cents` only where every figure of the line fits it exactly.
//!
//! [`RateTable::landed_cost`]: crate::RateTable::landed_cost

use rust_decimal::Decimal;

use crate::estimate::{EntryType, FeeOutcome, INFORMAL_ENTRY_LIMIT, US_CONTENT_THRESHOLD};
use crate::measure::{Base, MeasureRow, RateKind};
use crate::money::{self, pct_to_fraction, round_money};
use crate::table::{Basis, FeeEntry, RateStatus};
use crate::{Date, Error, TransportMode};

/// The numbers a kernel computes in, and the few operations the rules need of them.
pub(crate) trait Numbers {
    /// An amount of money, to the cent.
    type Money: Copy + Ord + std::fmt::Debug;
    /// A rate in percent.
    type Pct: Copy + Ord + std::fmt::Debug;
    /// A share of the value, 0 to 1.
    type Share: Copy + Ord + std::fmt::Debug;
    /// An amount before rounding (an amount times a share).
    type Base: Copy + std::fmt::Debug;

    /// No money.
    fn zero(&self) -> Self::Money;
    /// A rate of 0%.
    fn no_pct(&self) -> Self::Pct;
    /// A decimal amount, when it fits these numbers exactly.
    fn money(&self, d: Decimal) -> Option<Self::Money>;
    /// A decimal rate in percent, when it fits these numbers exactly.
    fn pct(&self, d: Decimal) -> Option<Self::Pct>;
    /// An amount as a decimal (for messages).
    fn to_decimal(&self, m: Self::Money) -> Decimal;
    /// The whole of an amount, as a base.
    fn whole(&self, m: Self::Money) -> Self::Base;
    /// `m × (1 − share)`, exactly.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`].
    fn net_of(&self, m: Self::Money, share: Self::Share) -> Result<Self::Base, Error>;
    /// A base rounded to the cent.
    fn round(&self, b: Self::Base) -> Self::Money;
    /// `b × pct / 100`, rounded to the cent.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`].
    fn pct_of(&self, b: Self::Base, pct: Self::Pct) -> Result<Self::Money, Error>;
    /// `max(0, rate − other)`.
    fn over(&self, rate: Self::Pct, other: Self::Pct) -> Self::Pct;
    /// `a + b`.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] naming `what`.
    fn add(&self, a: Self::Money, b: Self::Money, what: &'static str)
        -> Result<Self::Money, Error>;
    /// The US-content share from which the reciprocal duty spares the US part
    /// ([`US_CONTENT_THRESHOLD`]).
    fn us_content_threshold(&self) -> Self::Share;
    /// The largest value of an informal entry ([`INFORMAL_ENTRY_LIMIT`]).
    fn informal_entry_limit(&self) -> Self::Money;
    /// `a / b` in percent to four decimals (0 when `b` is 0).
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`].
    fn pct_ratio(&self, a: Self::Money, b: Self::Money) -> Result<Self::Pct, Error>;
}

/// Exact decimals: any input the validation accepts.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Exact;

impl Numbers for Exact {
    type Money = Decimal;
    type Pct = Decimal;
    type Share = Decimal;
    type Base = Decimal;

    fn zero(&self) -> Decimal {
        Decimal::ZERO
    }
    fn no_pct(&self) -> Decimal {
        Decimal::ZERO
    }
    fn money(&self, d: Decimal) -> Option<Decimal> {
        Some(d)
    }
    fn pct(&self, d: Decimal) -> Option<Decimal> {
        Some(d)
    }
    fn to_decimal(&self, m: Decimal) -> Decimal {
        m
    }
    fn whole(&self, m: Decimal) -> Decimal {
        m
    }
    fn net_of(&self, m: Decimal, share: Decimal) -> Result<Decimal, Error> {
        money::mul(m, Decimal::ONE - share, "base")
    }
    fn round(&self, b: Decimal) -> Decimal {
        round_money(b)
    }
    fn pct_of(&self, b: Decimal, pct: Decimal) -> Result<Decimal, Error> {
        Ok(round_money(money::mul(b, pct_to_fraction(pct)?, "duty")?))
    }
    fn over(&self, rate: Decimal, other: Decimal) -> Decimal {
        (rate - other).max(Decimal::ZERO).normalize()
    }
    fn add(&self, a: Decimal, b: Decimal, what: &'static str) -> Result<Decimal, Error> {
        money::add(a, b, what)
    }
    fn us_content_threshold(&self) -> Decimal {
        US_CONTENT_THRESHOLD
    }
    fn informal_entry_limit(&self) -> Decimal {
        INFORMAL_ENTRY_LIMIT
    }
    fn pct_ratio(&self, a: Decimal, b: Decimal) -> Result<Decimal, Error> {
        money::fraction_to_pct_fixed(money::ratio(a, b, "effective rate")?)
    }
}

/// Integer cents for money, ten-thousandths of a percent for rates and ten-thousandths for
/// shares: the batch's common row. Amounts are at most [`money::MAX_AMOUNT_CENTS`], rates at
/// most 1000% ([`MAX_PCT_E4`]) with at most four decimals: every product below fits `i128`,
/// every result `i64`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Cents;

impl Cents {
    /// A share of 1, in ten-thousandths.
    pub(crate) const WHOLE: i64 = 10_000;
}

/// The largest rate [`Cents`] takes (the estimate's MFN range, 1000%), in ten-thousandths of
/// a percent: with amounts up to [`MAX_CENTS`], every product below fits `i128` and every
/// result `i64`.
pub(crate) const MAX_PCT_E4: i64 = scaled_const(crate::estimate::MAX_MFN_PCT, 4);

/// The largest amount [`Cents`] takes, in cents.
const MAX_CENTS: i64 = money::MAX_AMOUNT_CENTS;

/// A decimal times `10^scale` as an integer, when it has at most `scale` decimals, is not
/// negative and is at most `max`.
fn scaled(d: Decimal, scale: u32, max: i64) -> Option<i64> {
    if d.is_sign_negative() || d.scale() > scale {
        return None;
    }
    let m = i64::try_from(d.mantissa()).ok()?;
    let v = m.checked_mul(10i64.checked_pow(scale - d.scale())?)?;
    (v <= max).then_some(v)
}

/// A constant decimal with at most `scale` decimals, times `10^scale`. For constants only
/// (`const` items and blocks), where one that does not fit fails the build.
pub(crate) const fn scaled_const(d: Decimal, scale: u32) -> i64 {
    let v = d.mantissa() * 10i128.pow(scale - d.scale());
    assert!(v <= i64::MAX as i128);
    v as i64
}

/// `n / d` for `n >= 0`, `d > 0`, with the crate's rounding: in 64 bits when `n` fits (with
/// a constant `d`, once inlined, a multiplication).
#[inline(always)]
fn round_div(n: i128, d: u64) -> i64 {
    let n = n.unsigned_abs();
    match u64::try_from(n) {
        Ok(n) => money::div_round_u64(n, d) as i64,
        Err(_) => money::div_round(n, u128::from(d)) as i64,
    }
}

impl Numbers for Cents {
    type Money = i64;
    type Pct = i64;
    type Share = i64;
    /// Ten-thousandths of a cent.
    type Base = i128;

    #[inline(always)]
    fn zero(&self) -> i64 {
        0
    }
    #[inline(always)]
    fn no_pct(&self) -> i64 {
        0
    }
    fn money(&self, d: Decimal) -> Option<i64> {
        scaled(d, 2, MAX_CENTS)
    }
    fn pct(&self, d: Decimal) -> Option<i64> {
        scaled(d, 4, MAX_PCT_E4)
    }
    fn to_decimal(&self, m: i64) -> Decimal {
        Decimal::new(m, 2)
    }
    #[inline(always)]
    fn whole(&self, m: i64) -> i128 {
        i128::from(m) * 10_000
    }
    #[inline(always)]
    fn net_of(&self, m: i64, share: i64) -> Result<i128, Error> {
        Ok(i128::from(m) * i128::from(Cents::WHOLE - share))
    }
    #[inline(always)]
    fn round(&self, b: i128) -> i64 {
        round_div(b, 10_000)
    }
    #[inline(always)]
    fn pct_of(&self, b: i128, pct: i64) -> Result<i64, Error> {
        // Ten-thousandths of a cent times ten-thousandths of a percent.
        Ok(round_div(b * i128::from(pct), 10_000_000_000))
    }
    #[inline(always)]
    fn over(&self, rate: i64, other: i64) -> i64 {
        (rate - other).max(0)
    }
    #[inline(always)]
    fn add(&self, a: i64, b: i64, what: &'static str) -> Result<i64, Error> {
        match a.checked_add(b) {
            Some(v) => Ok(v),
            None => Err(overflow(what)),
        }
    }
    #[inline(always)]
    fn us_content_threshold(&self) -> i64 {
        const { scaled_const(US_CONTENT_THRESHOLD, 4) }
    }
    #[inline(always)]
    fn informal_entry_limit(&self) -> i64 {
        const { scaled_const(INFORMAL_ENTRY_LIMIT, 2) }
    }
    #[inline(always)]
    fn pct_ratio(&self, a: i64, b: i64) -> Result<i64, Error> {
        Ok(if b == 0 {
            0
        } else {
            round_div(i128::from(a) * 1_000_000, b.unsigned_abs())
        })
    }
}

/// How the reciprocal rate is charged on a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reciprocal<P> {
    /// Not charged (exempt, not subject, no rate in force).
    None,
    /// The rate, additional to the MFN duty.
    Rate(P),
    /// An all-in floor: `max(0, rate − MFN)`, the MFN rate being the Column 1 General rate
    /// when one is given (`general`) or the line's.
    Floor {
        /// The floor.
        rate: P,
        /// True when the floor is on the Column 1 General rate.
        general: bool,
    },
}

impl<P: Copy> Reciprocal<P> {
    /// The reciprocal terms of a partner's status, when not exempt.
    pub(crate) fn of<N: Numbers<Pct = P>>(n: &N, status: RateStatus<'_>) -> Option<Self> {
        Some(match status {
            RateStatus::Applies {
                rate_pct,
                rate_entry,
                ..
            } => {
                let rate = n.pct(rate_pct)?;
                match rate_entry.basis() {
                    Basis::Floor15 => Reciprocal::Floor {
                        rate,
                        general: true,
                    },
                    b if b.is_floor() => Reciprocal::Floor {
                        rate,
                        general: false,
                    },
                    _ => Reciprocal::Rate(rate),
                }
            }
            _ => Reciprocal::None,
        })
    }
}

/// A measure's terms on a line: how its rate is charged, on which base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MeasureTerms<P> {
    /// The row's rate (0 when no row applies, or the measure is displaced).
    pub pct: P,
    /// True when the rate is all-in: `max(0, rate − MFN)` (`total_floor`, `total_cap`).
    pub over_mfn: bool,
    /// True when the base is the non-US content (else the customs value).
    pub non_us: bool,
    /// True for IEEPA measures.
    pub ieepa: bool,
}

impl<P> MeasureTerms<P> {
    /// The terms of a measure's outcome: `row` the row charged (`None`: not charged).
    ///
    /// # Errors
    ///
    /// [`Error::Prohibited`] for a prohibited row, [`Error::MeasureInput`] for a rate or a
    /// base that needs inputs the line does not have; `Ok(None)` when a figure does not fit
    /// `N`.
    pub(crate) fn of<N: Numbers<Pct = P>>(
        n: &N,
        row: Option<&MeasureRow>,
        ieepa: bool,
    ) -> Result<Option<Self>, Error> {
        let Some(r) = row else {
            return Ok(Some(MeasureTerms {
                pct: n.no_pct(),
                over_mfn: false,
                non_us: false,
                ieepa,
            }));
        };
        let over_mfn = match r.rate_kind() {
            RateKind::Additional | RateKind::InLieu => false,
            RateKind::TotalFloor | RateKind::TotalCap => true,
            RateKind::Prohibited => {
                return Err(Error::Prohibited {
                    measure: r.measure().to_string(),
                    source_text: r.source().to_string(),
                })
            }
            RateKind::Specific => {
                return Err(Error::MeasureInput {
                    measure: r.measure().to_string(),
                    line: r.position().1,
                    needs: format!(
                        "a specific rate per unit ({}) needs quantities, not an input yet",
                        r.rate_unit()
                    ),
                })
            }
        };
        let non_us = match r.base() {
            Base::FullValue => false,
            Base::NonUsContent => true,
            other => {
                return Err(Error::MeasureInput {
                    measure: r.measure().to_string(),
                    line: r.position().1,
                    needs: format!("the {other} base is not an input yet"),
                })
            }
        };
        Ok(n.pct(r.rate_pct().unwrap_or_default())
            .map(|pct| MeasureTerms {
                pct,
                over_mfn,
                non_us,
                ieepa,
            }))
    }
}

/// An ad valorem fee's terms: its rate and limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FeeTerms<N: Numbers> {
    pct: N::Pct,
    min: Option<N::Money>,
    max: Option<N::Money>,
}

impl<N: Numbers> FeeTerms<N> {
    /// The terms of a fee row, when its figures fit `N`.
    pub(crate) fn of(n: &N, entry: &FeeEntry) -> Option<FeeTerms<N>> {
        let limit = |d: Option<Decimal>| match d {
            None => Some(None),
            Some(d) => n.money(d).map(Some),
        };
        let (min, max, _) = entry.figures();
        Some(FeeTerms {
            pct: n.pct(entry.rate_pct())?,
            min: limit(min)?,
            max: limit(max)?,
        })
    }

    /// The limits, for the writer.
    pub(crate) fn limits(&self) -> [Option<N::Money>; 2] {
        [self.min, self.max]
    }
}

/// The MPF's terms on a date for a partner and claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MpfTerms<N: Numbers> {
    /// The goods pay no MPF (their origin or their claim: 19 U.S.C. 58c(b)).
    pub exempt: bool,
    /// The ad valorem MPF of a formal entry (`None`: no row for the date).
    pub formal: Option<FeeTerms<N>>,
    /// The flat MPF of an informal entry.
    pub informal: Informal<N::Money>,
}

/// The table's MPF for an informal entry on a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Informal<M> {
    /// A row with a flat amount.
    Flat(M),
    /// A row without an amount, or no informal rows at all: none charged.
    Nothing,
    /// Informal rows, but none for the date.
    Missing,
}

impl<N: Numbers> MpfTerms<N> {
    /// The terms of the table's MPF rows (formal, informal) on a date.
    pub(crate) fn of(
        n: &N,
        exempt: bool,
        formal: Option<&FeeEntry>,
        informal: Option<&FeeEntry>,
        has_informal: bool,
    ) -> Option<MpfTerms<N>> {
        let formal = match formal {
            Some(f) => Some(FeeTerms::of(n, f)?),
            None => None,
        };
        let informal = match informal {
            Some(f) => match f.figures().2 {
                Some(flat) => Informal::Flat(n.money(flat)?),
                None => Informal::Nothing,
            },
            None if has_informal => Informal::Missing,
            None => Informal::Nothing,
        };
        Some(MpfTerms {
            exempt,
            formal,
            informal,
        })
    }
}

/// What the table said about a line, in `N`'s numbers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Terms<'m, N: Numbers> {
    /// The reciprocal rate, when charged.
    pub reciprocal: Reciprocal<N::Pct>,
    /// The measures with a row for the origin on the date, in the schedule's order.
    pub measures: &'m [MeasureTerms<N::Pct>],
    /// The MPF.
    pub mpf: MpfTerms<N>,
    /// The HMF row on the date (`None`: none).
    pub hmf: Option<FeeTerms<N>>,
}

/// How the goods arrive, as far as the HMF is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arrival {
    /// Not given: no HMF charged.
    NotGiven,
    /// Not by vessel: no HMF.
    NotOcean,
    /// By vessel: HMF.
    Ocean,
}

impl Arrival {
    /// The arrival of a transport mode.
    pub(crate) fn of(mode: Option<TransportMode>) -> Arrival {
        match mode {
            None => Arrival::NotGiven,
            Some(TransportMode::Ocean) => Arrival::Ocean,
            Some(_) => Arrival::NotOcean,
        }
    }
}

/// The figures of a line, in `N`'s numbers (amounts already taken to the cent).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Amounts<N: Numbers> {
    pub value: N::Money,
    pub mfn: N::Pct,
    pub mfn_general: Option<N::Pct>,
    pub us_content: N::Share,
    pub freight: N::Money,
    pub insurance: N::Money,
    pub entry_type: Option<EntryType>,
    pub arrival: Arrival,
}

/// A charge in `N`'s numbers: rate, base (rounded) and amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Charged<N: Numbers> {
    pub pct: N::Pct,
    pub base: N::Money,
    pub amount: N::Money,
}

/// A fee in `N`'s numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fee<N: Numbers> {
    pub amount: N::Money,
    pub outcome: FeeOutcome,
}

/// A priced line.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Priced<N: Numbers> {
    pub mfn: N::Money,
    pub reciprocal: Charged<N>,
    /// True when US content of 20% or more was taken out of the reciprocal base.
    pub us_content_excluded: bool,
    /// True for a formal entry.
    pub formal: bool,
    pub mpf: Fee<N>,
    pub hmf: Fee<N>,
    pub ieepa: N::Money,
    pub total_duty: N::Money,
    pub total_fees: N::Money,
    pub landed: N::Money,
    pub effective_pct: N::Pct,
}

// The kernel's errors, built out of line: they are rare, and the priced line's code stays
// small.

#[cold]
#[inline(never)]
fn overflow(what: &'static str) -> Error {
    Error::Overflow { what }
}

#[cold]
#[inline(never)]
fn no_fee_row(fee: &'static str, date: Date) -> Error {
    Error::NoFeeSchedule { fee, date }
}

#[cold]
#[inline(never)]
fn informal_above_limit(value: Decimal) -> Error {
    Error::OutOfRange {
        field: "customs_value",
        value,
        expected: "at most 2500 for an informal entry (19 CFR 143.21); make it formal",
    }
}

/// An ad valorem fee on a value, within its limits.
#[inline(always)]
fn ad_valorem<N: Numbers>(n: &N, value: N::Money, f: &FeeTerms<N>) -> Result<Fee<N>, Error> {
    let raw = n.pct_of(n.whole(value), f.pct)?;
    let (amount, outcome) = match (f.min, f.max) {
        (Some(min), _) if raw < min => (min, FeeOutcome::RaisedToMinimum),
        (_, Some(max)) if raw > max => (max, FeeOutcome::CappedAtMaximum),
        _ => (raw, FeeOutcome::AdValorem),
    };
    Ok(Fee { amount, outcome })
}

/// Prices a line: the MFN duty, the reciprocal duty, each measure's charge (into
/// `measures`, in the order of `terms.measures`), the fees, the totals and the effective
/// rate. `date` names the date in errors.
///
/// # Errors
///
/// [`Error::OutOfRange`] for an informal entry above $2,500; [`Error::NoFeeSchedule`] when
/// a fee due has no row for the date; [`Error::Overflow`].
#[inline(never)]
pub(crate) fn price<N: Numbers>(
    n: &N,
    a: &Amounts<N>,
    terms: &Terms<'_, N>,
    date: Date,
    measures: &mut Vec<Charged<N>>,
) -> Result<Priced<N>, Error> {
    let value = a.value;
    let whole = n.whole(value);
    let mfn = n.pct_of(whole, a.mfn)?;

    // The reciprocal duty, on the value less US content of 20% or more (EO 14257 sec. 3(f)).
    let us_content_excluded = a.us_content >= n.us_content_threshold();
    let base = if us_content_excluded {
        n.net_of(value, a.us_content)?
    } else {
        whole
    };
    let pct = match terms.reciprocal {
        Reciprocal::None => n.no_pct(),
        Reciprocal::Rate(p) => p,
        Reciprocal::Floor { rate, general } => {
            let under = match (general, a.mfn_general) {
                (true, Some(g)) => g,
                _ => a.mfn,
            };
            n.over(rate, under)
        }
    };
    let reciprocal = Charged {
        pct,
        base: n.round(base),
        amount: n.pct_of(base, pct)?,
    };

    let mut total_duty = n.add(mfn, reciprocal.amount, "total duty")?;
    let mut ieepa = reciprocal.amount;
    measures.clear();
    for m in terms.measures {
        let pct = if m.over_mfn {
            n.over(m.pct, a.mfn)
        } else {
            m.pct
        };
        let base = if m.non_us {
            n.net_of(value, a.us_content)?
        } else {
            whole
        };
        let amount = n.pct_of(base, pct)?;
        measures.push(Charged {
            pct,
            base: n.round(base),
            amount,
        });
        total_duty = n.add(total_duty, amount, "total duty")?;
        if m.ieepa {
            ieepa = n.add(ieepa, amount, "IEEPA duty")?;
        }
    }

    // Informal entry is for shipments of $2,500 or less (19 CFR 143.21).
    let limit = n.informal_entry_limit();
    if a.entry_type == Some(EntryType::Informal) && value > limit {
        return Err(informal_above_limit(n.to_decimal(value)));
    }
    let formal = match a.entry_type {
        Some(t) => t == EntryType::Formal,
        None => value > limit,
    };
    let none = |outcome| Fee {
        amount: n.zero(),
        outcome,
    };
    let mpf = match (terms.mpf.exempt, formal) {
        (true, _) => none(FeeOutcome::Exempt),
        (false, true) => match &terms.mpf.formal {
            Some(f) => ad_valorem(n, value, f)?,
            None => return Err(no_fee_row("MPF", date)),
        },
        (false, false) => match terms.mpf.informal {
            Informal::Flat(amount) => Fee {
                amount,
                outcome: FeeOutcome::Flat,
            },
            Informal::Nothing => none(FeeOutcome::InformalEntry),
            Informal::Missing => return Err(no_fee_row("MPF_INFORMAL", date)),
        },
    };
    let hmf = match a.arrival {
        Arrival::Ocean => match &terms.hmf {
            Some(f) => ad_valorem(n, value, f)?,
            None => return Err(no_fee_row("HMF", date)),
        },
        Arrival::NotOcean => none(FeeOutcome::NotOcean),
        Arrival::NotGiven => none(FeeOutcome::ModeNotGiven),
    };

    let total_fees = n.add(mpf.amount, hmf.amount, "total fees")?;
    let mut landed = n.add(value, total_duty, "landed cost")?;
    for x in [total_fees, a.freight, a.insurance] {
        landed = n.add(landed, x, "landed cost")?;
    }
    Ok(Priced {
        mfn,
        reciprocal,
        us_content_excluded,
        formal,
        mpf,
        hmf,
        ieepa,
        total_duty,
        total_fees,
        landed,
        effective_pct: n.pct_ratio(total_duty, value)?,
    })
}
