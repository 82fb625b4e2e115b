//! Pure calculations over a [`RateTable`]: the landed cost of a shipment and the exempt
//! share of an export basket. No I/O.

use rust_decimal::Decimal;

use crate::kernel::{
    self, Amounts, Arrival, Exact, FeeTerms, MeasureTerms, MpfTerms, Numbers, Reciprocal, Terms,
};
use crate::keyword::keyword_enum;
use crate::measure::{Considered, Facts, Line, MeasureRow, Outcome, RateKind, Verdict};
use crate::money::{self, fraction_to_pct, round_money};
use crate::table::{
    ExemptEntry, FeeEntry, FeeKind, MpfExemptEntry, PartnerRate, RateEntry, RateStatus,
};
use crate::{Category, CountryCode, Date, Error, HtsCode, RateTable, TransportMode};

// Defined in `kinds` with the crate's other keyword enums; also named here, where the batch's
// fast path takes them from.
pub(crate) use crate::kinds::{EntryType, Section232};

/// Share of US content from which the reciprocal duty applies only to the non-US part
/// (EO 14257 sec. 3(f)): 20%.
pub const US_CONTENT_THRESHOLD: Decimal = Decimal::from_parts(20, 0, 0, false, 2);

/// Customs value at or below which an entry is informal by default (19 CFR 143.21): $2,500.
pub const INFORMAL_ENTRY_LIMIT: Decimal = Decimal::from_parts(2500, 0, 0, false, 0);

/// The range of an amount of money given as input, in words.
const AMOUNT_RANGE: &str = "0 to 1000000000000 (USD 1 trillion, the cap on one entry line)";

/// Highest MFN ad valorem rate accepted, in percent.
pub(crate) const MAX_MFN_PCT: Decimal = Decimal::from_parts(1000, 0, 0, false, 0);

/// What the goods are, as far as the exemptions are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Goods {
    /// Not classified: no exemption applies.
    #[default]
    Unspecified,
    /// An HTS code; exempt when an exemption row in force covers it.
    Hts(HtsCode),
    /// An exemption category standing in for a code (exempt when the table has exemptions
    /// of that category in force on the date).
    Category(Category),
}

impl Goods {
    /// The HTS code, when the goods are given by one.
    pub(crate) fn hts(self) -> Option<HtsCode> {
        match self {
            Goods::Hts(h) => Some(h),
            _ => None,
        }
    }
}

/// One shipment to price. Build it with [`Shipment::new`] and the setters.
///
/// ```
/// use rust_decimal::Decimal;
/// use tariffs::{Shipment, TransportMode};
///
/// let s = Shipment::new("CN".parse()?, Decimal::from(10_000))
///     .hts("8471.30.01".parse()?)
///     .mfn_pct(Decimal::ZERO)
///     .mode(TransportMode::Ocean)
///     .entry_date("2025-04-09".parse()?);
/// assert_eq!(s.customs_value, Decimal::from(10_000));
/// # Ok::<(), tariffs::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Shipment {
    /// Country of origin.
    pub origin: CountryCode,
    /// Customs (transaction) value in USD, which excludes international freight and
    /// insurance: 0 to [`MAX_AMOUNT`](crate::money::MAX_AMOUNT) (USD 1 trillion). Taken to
    /// the cent with the crate's rounding policy before anything is computed, as are
    /// freight and insurance.
    pub customs_value: Decimal,
    /// The goods: an HTS code, a category, or unspecified.
    pub goods: Goods,
    /// The MFN (Column 1) ad valorem rate in percent, 0 to 1000. Default 0.
    pub mfn_pct: Decimal,
    /// International freight in USD (part of the landed cost, not of the customs value).
    pub freight: Decimal,
    /// Insurance in USD (part of the landed cost, not of the customs value).
    pub insurance: Decimal,
    /// How the goods arrive; only `Ocean` pays the harbor maintenance fee. `None`: no HMF.
    pub mode: Option<TransportMode>,
    /// Entry date; `None` uses the table's reference date (announced rates in full force).
    pub entry_date: Option<Date>,
    /// Share of the value that is US content, 0 to 1. At 0.20 or more the reciprocal duty
    /// applies to the non-US part only.
    pub us_content: Decimal,
    /// Goods subject to Section 232 (steel, aluminum, autos and parts, copper, lumber): no
    /// reciprocal duty; see [`Section232`] for the other programs.
    pub section232: Option<Section232>,
    /// Formal or informal entry; `None` decides by value (informal at $2,500 or less).
    pub entry_type: Option<EntryType>,
    /// The date the goods were loaded on the vessel, for the in-transit rules: goods loaded
    /// before a rate change and entered before its deadline keep the earlier treatment.
    /// CBP applies them to vessel shipments only, so they are not applied when `mode` is
    /// given and is not `Ocean`.
    pub loaded: Option<Date>,
    /// The goods are entered as USMCA-originating (Canada, Mexico).
    pub usmca: bool,
    /// CBP found the goods transshipped to evade duties (40% reciprocal in lieu of the
    /// country rate from 7 August 2025; 40% Canada duty on non-USMCA goods).
    pub transshipped: bool,
    /// Energy or energy resources as EO 14156 sec. 8 defines them (Canada's lower rate).
    pub energy: bool,
    /// Potash (Canada's and Mexico's lower rate).
    pub potash: bool,
    /// The Column 1 General rate in percent when it differs from `mfn_pct` (a special rate
    /// claimed): the base of the EU, Japan, Switzerland and Liechtenstein 15% floor. Korea's
    /// floor uses `mfn_pct`, the rate that applies to the entry.
    pub mfn_general_pct: Option<Decimal>,
    /// Further facts declared about the goods, as `fact=value` tokens (`claim=9903.03.05`,
    /// `metal=steel`): the conditions of the schedule's measure rows are written in them.
    /// `usmca`, `transshipped`, `energy`, `potash` and `section232` above declare
    /// `usmca=yes`, `transshipped=yes`, `energy=yes`, `potash=yes` and `section232=yes`
    /// (with `section232=<kind>` for a kind) themselves.
    pub facts: Facts,
}

impl Shipment {
    /// A shipment of `customs_value` USD from `origin`, with no code, no MFN duty, no
    /// freight or insurance, no mode, no date, no US content.
    pub fn new(origin: CountryCode, customs_value: Decimal) -> Shipment {
        Shipment {
            origin,
            customs_value,
            goods: Goods::Unspecified,
            mfn_pct: Decimal::ZERO,
            freight: Decimal::ZERO,
            insurance: Decimal::ZERO,
            mode: None,
            entry_date: None,
            us_content: Decimal::ZERO,
            section232: None,
            entry_type: None,
            loaded: None,
            usmca: false,
            transshipped: false,
            energy: false,
            potash: false,
            mfn_general_pct: None,
            facts: Facts::new(),
        }
    }
    /// Declares a fact (`fact=value`) about the goods.
    pub fn fact(mut self, token: &str) -> Shipment {
        self.facts.declare(token);
        self
    }

    /// The facts the measures' conditions are matched against: the declared tokens, and
    /// those of the shipment's own fields.
    pub(crate) fn all_facts(&self) -> Facts {
        let mut f = self.facts.clone();
        declare_line_facts(
            &mut f,
            [self.usmca, self.transshipped, self.energy, self.potash],
            self.section232,
        );
        f
    }

    /// The loading date the in-transit rules look at: CBP applies them to vessel shipments
    /// only (a mode not given is taken as possibly one).
    pub(crate) fn vessel_loaded(&self) -> Option<Date> {
        vessel_loaded(self.mode, self.loaded)
    }
    /// Sets the HTS code.
    pub fn hts(mut self, code: HtsCode) -> Shipment {
        self.goods = Goods::Hts(code);
        self
    }
    /// Sets an exemption category in place of a code.
    pub fn category(mut self, category: Category) -> Shipment {
        self.goods = Goods::Category(category);
        self
    }
    /// Sets the MFN rate in percent.
    pub fn mfn_pct(mut self, pct: Decimal) -> Shipment {
        self.mfn_pct = pct;
        self
    }
    /// Sets the freight in USD.
    pub fn freight(mut self, usd: Decimal) -> Shipment {
        self.freight = usd;
        self
    }
    /// Sets the insurance in USD.
    pub fn insurance(mut self, usd: Decimal) -> Shipment {
        self.insurance = usd;
        self
    }
    /// Sets the transport mode.
    pub fn mode(mut self, mode: TransportMode) -> Shipment {
        self.mode = Some(mode);
        self
    }
    /// Sets the entry date.
    pub fn entry_date(mut self, date: Date) -> Shipment {
        self.entry_date = Some(date);
        self
    }
    /// Sets the US-content share (0 to 1).
    pub fn us_content(mut self, share: Decimal) -> Shipment {
        self.us_content = share;
        self
    }
    /// Marks the goods as subject to Section 232, of a kind not given.
    pub fn section232(mut self, yes: bool) -> Shipment {
        self.section232 = yes.then_some(Section232::Unspecified);
        self
    }
    /// Marks the goods as subject to a Section 232 action of this kind.
    pub fn section232_kind(mut self, kind: Section232) -> Shipment {
        self.section232 = Some(kind);
        self
    }
    /// Sets the date the goods were loaded on the vessel.
    pub fn loaded(mut self, date: Date) -> Shipment {
        self.loaded = Some(date);
        self
    }
    /// Declares the goods USMCA-originating.
    pub fn usmca(mut self, yes: bool) -> Shipment {
        self.usmca = yes;
        self
    }
    /// Declares the goods transshipped (as found by CBP).
    pub fn transshipped(mut self, yes: bool) -> Shipment {
        self.transshipped = yes;
        self
    }
    /// Sets the entry type.
    pub fn entry_type(mut self, entry_type: EntryType) -> Shipment {
        self.entry_type = Some(entry_type);
        self
    }
}

/// A duty or fee: its rate, the base it applies to, and the amount (rounded to the cent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Charge {
    /// The rate in percent.
    pub rate_pct: Decimal,
    /// The base in USD (rounded to the cent for display; the amount is computed from the
    /// exact base).
    pub base: Decimal,
    /// The amount in USD, rounded once with the crate's policy.
    pub amount: Decimal,
}

/// Why the reciprocal duty is not charged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Exemption<'a> {
    /// An Annex II line (or memorandum code) covers the HTS code.
    AnnexII(&'a ExemptEntry),
    /// The goods were declared to be of an exempt category.
    Category(Category),
    /// The partner is not subject (Canada, Mexico, Column 2 countries); the row says why.
    NotSubject(&'a RateEntry),
    /// Section 232 goods are excluded from the reciprocal duty (EO 14257 sec. 3(b)).
    Section232,
    /// The goods were in transit: loaded before the duty took effect and entered before the
    /// deadline; the row names the treatment the entry date alone would have given.
    InTransit(&'a RateEntry),
    /// No reciprocal rate is in force on the entry date (for the bundled table: entries
    /// before 2025-04-05).
    NotInForce {
        /// The first effective date of the partner's rates, if any.
        first_from: Option<Date>,
    },
}

/// The reciprocal duty of a shipment and why it is what it is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReciprocalDuty<'a> {
    /// Rate, base and amount. The rate is 0 when exempt.
    pub charge: Charge,
    /// The partner's rate on the date, with the rows it comes from.
    pub partner_rate: PartnerRate<'a>,
    /// Why no duty is charged, if none is.
    pub exemption: Option<Exemption<'a>>,
    /// True when US content of 20% or more was taken out of the base.
    pub us_content_excluded: bool,
}

impl ReciprocalDuty<'_> {
    /// The legal source of the rate used (or of the exemption).
    pub fn source(&self) -> &str {
        reciprocal_source(self.exemption, self.partner_rate.status)
    }
}

/// The legal source of a reciprocal treatment: the exemption's, or the rate's.
pub(crate) fn reciprocal_source<'a>(
    exemption: Option<Exemption<'a>>,
    status: RateStatus<'a>,
) -> &'a str {
    match (exemption, status) {
        (Some(Exemption::AnnexII(e)), _) => e.source(),
        (Some(Exemption::NotSubject(r)), _) => r.source(),
        (Some(Exemption::Section232), _) => "EO 14257 sec. 3(b) (HTS 9903.01.33)",
        (Some(Exemption::Category(_)), _) => "EO 14257 Annex II (category declared)",
        (Some(Exemption::NotInForce { .. }), _) => "EO 14257 sec. 2, 3(a) (effective dates)",
        (Some(Exemption::InTransit(r)), _) => r.source(),
        (None, RateStatus::Applies { rate_entry, .. }) => rate_entry.source(),
        (None, _) => "",
    }
}

keyword_enum! {
    /// How a fee was arrived at. Written as the keyword listed at
    /// [`as_str`](FeeOutcome::as_str) (and, with the `serde` feature, serialized as it).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum FeeOutcome {
        /// Rate times base, within the limits.
        AdValorem = "ad_valorem",
        /// Raised to the fiscal year's minimum.
        RaisedToMinimum = "raised_to_minimum",
        /// Capped at the fiscal year's maximum.
        CappedAtMaximum = "capped_at_maximum",
        /// Informal entry: the ad valorem MPF does not apply, and the table has no flat fee for
        /// informal entries (`MPF_INFORMAL`), so none is charged.
        InformalEntry = "informal_entry",
        /// Informal entry: the flat fee of an informal entry filed electronically (class code
        /// 311, the table's `MPF_INFORMAL` row).
        Flat = "flat",
        /// Exempt from the merchandise processing fee (19 U.S.C. 58c(b)): the goods' origin, or
        /// their USMCA claim; [`FeeCharge::exemption`] is the row that says so.
        Exempt = "exempt",
        /// Not an ocean shipment: no harbor maintenance fee.
        NotOcean = "not_ocean",
        /// The transport mode was not given: no harbor maintenance fee charged.
        ModeNotGiven = "mode_not_given",
    }
    what = "a fee outcome";
}

impl FeeOutcome {
    /// True when the amount comes from the fee row's figures (ad valorem within its limits,
    /// or flat).
    pub(crate) fn uses_row(self) -> bool {
        matches!(
            self,
            FeeOutcome::AdValorem
                | FeeOutcome::RaisedToMinimum
                | FeeOutcome::CappedAtMaximum
                | FeeOutcome::Flat
        )
    }
}

/// A fee with the table row it comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FeeCharge<'a> {
    /// Rate, base and amount.
    pub charge: Charge,
    /// The fee row used, if the fee applies. Where the row leaves figures blank, those of an
    /// earlier row were used and [`FeeEntry::carried`] says which.
    pub entry: Option<&'a FeeEntry>,
    /// How the amount was arrived at.
    pub outcome: FeeOutcome,
    /// The exemption row, when the outcome is [`FeeOutcome::Exempt`].
    pub exemption: Option<&'a MpfExemptEntry>,
}

impl FeeCharge<'_> {
    /// The note of figures carried forward from an earlier row, when the amount used them
    /// (`FY2027 MPF limits not in the table: FY2026 limits used`).
    pub fn carried_note(&self) -> Option<&str> {
        if self.outcome.uses_row() {
            self.entry.and_then(|e| e.carried()).map(|c| c.note())
        } else {
            None
        }
    }
}

/// The landed cost of one shipment, component by component.
#[derive(Debug, Clone, PartialEq)]
pub struct LandedCost<'a> {
    /// The date the rates were taken for (the entry date, or the reference date).
    pub date: Date,
    /// The customs value (USD).
    pub customs_value: Decimal,
    /// The value the MFN duty and the fees apply to (the customs value).
    pub dutiable_value: Decimal,
    /// The MFN (Column 1) duty.
    pub mfn: Charge,
    /// The reciprocal (EO 14257) duty.
    pub reciprocal: ReciprocalDuty<'a>,
    /// The duty of every measure of the schedule with a row for the origin on the date, in
    /// the schedule's order of measures (none with the announced table, which holds none).
    pub measures: Vec<MeasureDuty<'a>>,
    /// The merchandise processing fee.
    pub mpf: FeeCharge<'a>,
    /// The harbor maintenance fee.
    pub hmf: FeeCharge<'a>,
    /// Freight (USD).
    pub freight: Decimal,
    /// Insurance (USD).
    pub insurance: Decimal,
    /// The IEEPA duties: the reciprocal duty and the measures named `ieepa_...` (refundable
    /// after the Supreme Court's ruling of 20 February 2026). Section 122 is not among them.
    pub ieepa_duty: Decimal,
    /// MFN, reciprocal and measure duties.
    pub total_duty: Decimal,
    /// MPF plus HMF.
    pub total_fees: Decimal,
    /// Customs value + duties + fees + freight + insurance.
    pub landed_cost: Decimal,
    /// Total duty over customs value, in percent (4 decimal places).
    pub effective_duty_rate_pct: Decimal,
}

fn check_range(
    field: &'static str,
    value: Decimal,
    lo: Decimal,
    hi: Option<Decimal>,
    expected: &'static str,
) -> Result<(), Error> {
    // The common lower bound, zero, is a sign test rather than a full comparison.
    let below = if lo.is_zero() {
        value.is_sign_negative() && !value.is_zero()
    } else {
        value < lo
    };
    if below || hi.is_some_and(|h| value > h) {
        Err(Error::OutOfRange {
            field,
            value,
            expected,
        })
    } else {
        Ok(())
    }
}

impl RateTable {
    /// The landed cost of a shipment with this table's rates.
    ///
    /// ```
    /// use rust_decimal::Decimal;
    /// use tariffs::{RateTable, Shipment, TransportMode};
    ///
    /// let table = RateTable::bundled();
    /// let s = Shipment::new("VN".parse()?, Decimal::from(10_000))
    ///     .hts("6109.10.00".parse()?)
    ///     .mfn_pct(Decimal::new(165, 1)) // 16.5%
    ///     .mode(TransportMode::Ocean)
    ///     .entry_date("2025-04-09".parse()?);
    /// let c = table.landed_cost(&s)?;
    /// assert_eq!(c.mfn.amount, Decimal::new(1650_00, 2));
    /// assert_eq!(c.reciprocal.charge.amount, Decimal::new(4600_00, 2)); // 46%
    /// assert_eq!(c.mpf.charge.amount, Decimal::new(34_64, 2));
    /// assert_eq!(c.hmf.charge.amount, Decimal::new(12_50, 2));
    /// assert_eq!(c.landed_cost, Decimal::new(16297_14, 2));
    /// # Ok::<(), tariffs::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::OutOfRange`] for a value, freight or insurance that is negative or above
    /// [`MAX_AMOUNT`](crate::money::MAX_AMOUNT), a value above $2,500 declared an informal
    /// entry, an MFN rate outside
    /// 0 to 1000, or a US-content share outside 0 to 1; [`Error::UnknownPartner`];
    /// [`Error::AmbiguousHts`]; [`Error::NoFeeSchedule`] when a formal entry's date has no
    /// MPF row; [`Error::Overflow`].
    pub fn landed_cost(&self, s: &Shipment) -> Result<LandedCost<'_>, Error> {
        check_range(
            "customs_value",
            s.customs_value,
            Decimal::ZERO,
            Some(money::MAX_AMOUNT),
            AMOUNT_RANGE,
        )?;
        check_range(
            "mfn_pct",
            s.mfn_pct,
            Decimal::ZERO,
            Some(MAX_MFN_PCT),
            "0 to 1000",
        )?;
        if let Some(g) = s.mfn_general_pct {
            check_range(
                "mfn_general_pct",
                g,
                Decimal::ZERO,
                Some(MAX_MFN_PCT),
                "0 to 1000",
            )?;
        }
        for (field, v) in [("freight", s.freight), ("insurance", s.insurance)] {
            check_range(
                field,
                v,
                Decimal::ZERO,
                Some(money::MAX_AMOUNT),
                AMOUNT_RANGE,
            )?;
        }
        check_range(
            "us_content",
            s.us_content,
            Decimal::ZERO,
            Some(Decimal::ONE),
            "0 to 1",
        )?;

        // Amounts are taken to the cent first (the rounding policy), so that every
        // component and total is computed from, and adds up to, what the output shows.
        let value = round_money(s.customs_value);
        let (freight, insurance) = (round_money(s.freight), round_money(s.insurance));
        let loaded = s.vessel_loaded();
        if s.entry_date.is_none() && self.reference_date().is_none() {
            return Err(Error::NoDate);
        }
        let partner_rate = self.reciprocal_with(s.origin, s.entry_date, loaded, s.transshipped)?;
        let date = partner_rate.date;
        // The goods' exemption, looked up once, when needed (here or for the measures).
        let mut looked_up = None;
        let exemption = exemption_for(&partner_rate, s.section232.is_some(), || {
            let e = self.goods_exemption(s.goods, date)?;
            looked_up = Some(e);
            Ok(e)
        })?;

        // The lookups, as the kernel's terms.
        let n = Exact;
        let reciprocal = match exemption {
            Some(_) => Reciprocal::None,
            None => {
                Reciprocal::of(&n, partner_rate.status).ok_or(Error::Overflow { what: "rate" })?
            }
        };
        let mut outcomes = Vec::new();
        self.measure_outcomes(s, date, loaded, looked_up, None, &mut outcomes)?;
        let measure_terms = outcomes
            .iter()
            .map(|o| {
                let charged = o.applied.filter(|_| o.displaced_by.is_none());
                MeasureTerms::of(&n, charged, o.ieepa)?.ok_or(Error::Overflow { what: "rate" })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let [mpf_row, informal_row, hmf_row] =
            [FeeKind::Mpf, FeeKind::MpfInformal, FeeKind::Hmf].map(|k| self.fee(k, Some(date)));
        let mpf_exemption = self.mpf_exemption(s.origin, date, s.usmca);
        let terms = Terms {
            reciprocal,
            measures: &measure_terms,
            mpf: MpfTerms::of(
                &n,
                mpf_exemption.is_some(),
                mpf_row,
                informal_row,
                self.has_fee(FeeKind::MpfInformal),
            )
            .ok_or(Error::Overflow { what: "fee" })?,
            hmf: hmf_row.and_then(|f| FeeTerms::of(&n, f)),
        };
        let amounts = Amounts {
            value,
            mfn: s.mfn_pct,
            mfn_general: s.mfn_general_pct,
            us_content: s.us_content,
            freight,
            insurance,
            entry_type: s.entry_type,
            arrival: Arrival::of(s.mode),
        };
        let mut charges = Vec::with_capacity(measure_terms.len());
        let p = kernel::price(&n, &amounts, &terms, date, &mut charges)?;

        let measures = outcomes
            .iter()
            .zip(&charges)
            .map(|(o, c)| MeasureDuty {
                name: self.measures().name(o.measure),
                charge: Charge {
                    rate_pct: c.pct,
                    base: c.base,
                    amount: c.amount,
                },
                entry: o.entry,
                applied: o.applied,
                in_transit: o.in_transit,
                displaced_by: o.displaced_by.map(|m| self.measures().name(m)),
                ieepa: o.ieepa,
            })
            .collect();
        let mpf = FeeCharge {
            exemption: mpf_exemption,
            ..fee_charge(p.mpf, if p.formal { mpf_row } else { informal_row }, value)
        };
        Ok(LandedCost {
            date,
            customs_value: value,
            dutiable_value: value,
            mfn: Charge {
                rate_pct: s.mfn_pct,
                base: value,
                amount: p.mfn,
            },
            reciprocal: ReciprocalDuty {
                charge: Charge {
                    rate_pct: p.reciprocal.pct,
                    base: p.reciprocal.base,
                    amount: p.reciprocal.amount,
                },
                partner_rate,
                exemption,
                us_content_excluded: p.us_content_excluded,
            },
            measures,
            mpf,
            hmf: fee_charge(p.hmf, hmf_row, value),
            freight,
            insurance,
            ieepa_duty: p.ieepa,
            total_duty: p.total_duty,
            total_fees: p.total_fees,
            landed_cost: p.landed,
            effective_duty_rate_pct: p.effective_pct,
        })
    }

    /// The outcome of every measure with a row for the shipment's origin on the date, by
    /// the one choosing rule of [`crate::measure`]; with `trace`, the verdict on every row.
    /// `looked_up`: the goods' exemption when already looked up.
    fn measure_outcomes<'t>(
        &'t self,
        s: &Shipment,
        date: Date,
        loaded: Option<Date>,
        looked_up: Option<Option<Exemption<'t>>>,
        trace: Option<&mut Vec<Considered<'t>>>,
        out: &mut Vec<Outcome<'t>>,
    ) -> Result<(), Error> {
        out.clear();
        let measures = self.measures();
        if measures.is_empty() {
            return Ok(());
        }
        let rows = measures.candidates(s.origin, date);
        if rows.is_empty() {
            return Ok(());
        }
        self.choose_measures(
            &rows,
            s.origin,
            s.goods,
            date,
            loaded,
            s.all_facts(),
            match looked_up {
                Some(e) => Ok(e),
                None => self.goods_exemption(s.goods, date),
            },
            trace,
            out,
        )
    }

    /// The outcomes of the measure rows `rows` (candidates for the origin on the date) for
    /// goods with the declared `facts`: the goods' `exemption` declares facts of its own and
    /// is the list `scope_except=annex2` names.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn choose_measures<'t>(
        &'t self,
        rows: &[u32],
        origin: CountryCode,
        goods: Goods,
        date: Date,
        loaded: Option<Date>,
        mut facts: Facts,
        exemption: Result<Option<Exemption<'t>>, Error>,
        trace: Option<&mut Vec<Considered<'t>>>,
        out: &mut Vec<Outcome<'t>>,
    ) -> Result<(), Error> {
        let hts = goods.hts();
        // Goods whose exemption row moved them to a Section 232 action (copper semis) are
        // Section 232 goods even when the input does not say so.
        if let Ok(Some(Exemption::AnnexII(row))) = exemption {
            declare_exemption_facts(&mut facts, row);
        }
        let line = Line {
            origin,
            hts,
            date,
            loaded,
            facts: &facts,
        };
        let mut annex2 = || match &exemption {
            Ok(e) => Ok(matches!(
                e,
                Some(Exemption::AnnexII(_) | Exemption::Category(_))
            )),
            Err(e) => Err(e.clone()),
        };
        self.measures()
            .outcomes(rows, &line, &mut annex2, trace, out)
    }

    /// Every row of the schedule's measures considered for a shipment, and why each applied
    /// or not: the trace behind [`LandedCost::measures`].
    ///
    /// ```
    /// use rust_decimal::Decimal;
    /// use tariffs::{RateTable, Shipment};
    /// let t = RateTable::enacted();
    /// let s = Shipment::new("CA".parse()?, Decimal::from(1000))
    ///     .entry_date("2025-09-01".parse()?)
    ///     .usmca(true);
    /// let trace = t.explain(&s)?;
    /// let chosen: Vec<_> = trace.iter().filter(|c| c.verdict.to_string() == "applies").collect();
    /// assert_eq!(chosen.len(), 1);
    /// assert_eq!(chosen[0].row.condition().collect::<Vec<_>>(), ["usmca=yes"]);
    /// # Ok::<(), tariffs::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`RateTable::landed_cost`].
    pub fn explain(&self, s: &Shipment) -> Result<Vec<Considered<'_>>, Error> {
        let c = self.landed_cost(s)?;
        let mut trace = Vec::new();
        self.measure_outcomes(
            s,
            c.date,
            s.vessel_loaded(),
            None,
            Some(&mut trace),
            &mut Vec::new(),
        )?;
        Ok(trace)
    }

    /// The exemption the goods themselves give on a date: an exemption row covering the
    /// code, or an exempt category declared.
    pub(crate) fn goods_exemption(
        &self,
        goods: Goods,
        date: Date,
    ) -> Result<Option<Exemption<'_>>, Error> {
        Ok(match goods {
            Goods::Unspecified => None,
            Goods::Hts(code) => self.exemption(code, Some(date))?.map(Exemption::AnnexII),
            Goods::Category(c) => self
                .category_exempt(c, Some(date))
                .then_some(Exemption::Category(c)),
        })
    }

    /// The exempt share and effective reciprocal rate of an export basket from one origin.
    ///
    /// The motivating case: Kazakhstan faces 27%, but crude oil, uranium, silver bullion and
    /// ferroalloys, all in Annex II, make up 92% of this basket.
    ///
    /// ```
    /// use rust_decimal::Decimal;
    /// use tariffs::{BasketLine, Goods, RateTable};
    ///
    /// let line = |hts: &str, v: i64| -> Result<BasketLine, tariffs::Error> {
    ///     let goods = if hts.is_empty() { Goods::Unspecified } else { Goods::Hts(hts.parse()?) };
    ///     Ok(BasketLine { goods, value: Decimal::from(v) })
    /// };
    /// let basket = [
    ///     line("2709.00.20", 500)?, // crude oil
    ///     line("2844.10.20", 200)?, // uranium
    ///     line("7106.91.10", 120)?, // silver bullion
    ///     line("7202.41.00", 100)?, // ferrochromium
    ///     line("", 80)?,            // everything else
    /// ];
    /// let r = RateTable::bundled().exempt_share("KZ".parse()?, None, &basket)?;
    /// assert_eq!(r.exempt_share, Decimal::new(92, 2));
    /// assert_eq!(r.reciprocal_duty, Decimal::new(21_60, 2));
    /// assert_eq!(r.effective_rate_pct, Decimal::new(216, 2));
    /// # Ok::<(), tariffs::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InLine`] wrapping the first bad line's error (negative value, ambiguous
    /// code); [`Error::UnknownPartner`]; [`Error::Overflow`].
    pub fn exempt_share(
        &self,
        origin: CountryCode,
        date: Option<Date>,
        lines: &[BasketLine],
    ) -> Result<BasketReport<'_>, Error> {
        let mut basket = self.basket(origin, date)?;
        for (index, line) in lines.iter().enumerate() {
            basket.add(line).map_err(|e| Error::InLine {
                index,
                source: Box::new(e),
            })?;
        }
        basket.report()
    }

    /// An empty basket for one origin and date, to fill line by line with [`Basket::add`]
    /// (for inputs too large to hold in memory) and report with [`Basket::report`].
    ///
    /// # Errors
    ///
    /// [`Error::UnknownPartner`] when the origin is neither listed nor an ISO country.
    pub fn basket(&self, origin: CountryCode, date: Option<Date>) -> Result<Basket<'_>, Error> {
        let partner_rate = self.reciprocal(origin, date)?;
        Ok(Basket {
            table: self,
            partner_rate,
            total: Decimal::ZERO,
            by_category: [Decimal::ZERO; 8],
            lines: 0,
        })
    }
}

/// An export basket being filled line by line; see [`RateTable::basket`].
#[derive(Debug, Clone)]
pub struct Basket<'a> {
    table: &'a RateTable,
    partner_rate: PartnerRate<'a>,
    total: Decimal,
    by_category: [Decimal; 8],
    lines: u64,
}

impl<'a> Basket<'a> {
    /// Adds a line: its value counts towards the total, and towards its category when an
    /// exemption in force on the basket's date covers it.
    ///
    /// # Errors
    ///
    /// [`Error::OutOfRange`] for a value that is negative or above
    /// [`MAX_AMOUNT`](crate::money::MAX_AMOUNT), [`Error::AmbiguousHts`],
    /// [`Error::Overflow`]. A rejected line leaves the basket unchanged.
    pub fn add(&mut self, line: &BasketLine) -> Result<Option<Category>, Error> {
        check_range(
            "value",
            line.value,
            Decimal::ZERO,
            Some(money::MAX_AMOUNT),
            AMOUNT_RANGE,
        )?;
        let value = round_money(line.value);
        let date = self.partner_rate.date;
        let category = match self.table.goods_exemption(line.goods, date)? {
            Some(Exemption::AnnexII(e)) => Some(e.category()),
            Some(Exemption::Category(c)) => Some(c),
            _ => None,
        };
        let total = money::add(self.total, value, "basket total")?;
        if let Some(c) = category {
            let slot = &mut self.by_category[c as usize];
            *slot = money::add(*slot, value, "category total")?;
        }
        self.total = total;
        self.lines += 1;
        Ok(category)
    }

    /// Lines added so far.
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// The report of the lines added so far.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`].
    pub fn report(&self) -> Result<BasketReport<'a>, Error> {
        let total = self.total;
        let exempt_value = money::sum(&self.by_category, "exempt value")?;
        let dutiable_value = money::sub(total, exempt_value, "dutiable value")?;
        let by_category = Category::ALL
            .into_iter()
            .zip(self.by_category)
            .filter(|(_, v)| !v.is_zero())
            .map(|(category, value)| {
                Ok(CategoryTotal {
                    category,
                    value,
                    share: money::ratio(value, total, "category share")?,
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let partner_rate = self.partner_rate;
        // The kernel's rule for a rate on a base.
        let reciprocal_duty = Exact.pct_of(Exact.whole(dutiable_value), partner_rate.rate_pct())?;
        Ok(BasketReport {
            partner_rate,
            total_value: total,
            exempt_value,
            exempt_share: money::ratio(exempt_value, total, "exempt share")?,
            dutiable_value,
            by_category,
            reciprocal_rate_pct: partner_rate.rate_pct(),
            reciprocal_duty,
            effective_rate_pct: fraction_to_pct(money::ratio(
                reciprocal_duty,
                total,
                "effective rate",
            )?)?,
        })
    }
}

impl<'a> LandedCost<'a> {
    /// The duty of one measure by name, if the schedule has a row of it for the origin on
    /// the date.
    pub fn measure(&self, name: &str) -> Option<&MeasureDuty<'a>> {
        self.measures.iter().find(|m| m.name == name)
    }
}

/// A fee as the kernel charged it, with the row it comes from (`row`: the row of the fee's
/// kind on the date).
fn fee_charge(fee: kernel::Fee<Exact>, row: Option<&FeeEntry>, value: Decimal) -> FeeCharge<'_> {
    let ad_valorem = fee.outcome.uses_row() && fee.outcome != FeeOutcome::Flat;
    FeeCharge {
        charge: Charge {
            rate_pct: match row {
                Some(r) if ad_valorem => r.rate_pct(),
                _ => Decimal::ZERO,
            },
            base: if ad_valorem { value } else { Decimal::ZERO },
            amount: fee.amount,
        },
        entry: match fee.outcome {
            FeeOutcome::InformalEntry | FeeOutcome::NotOcean | FeeOutcome::ModeNotGiven => None,
            _ => row,
        },
        outcome: fee.outcome,
        exemption: None,
    }
}

/// The loading date the in-transit rules look at, for goods arriving by `mode`: CBP applies
/// them to vessel shipments only (a mode not given is taken as possibly one).
pub(crate) fn vessel_loaded(mode: Option<TransportMode>, loaded: Option<Date>) -> Option<Date> {
    match mode {
        None | Some(TransportMode::Ocean) => loaded,
        Some(_) => None,
    }
}

/// Why goods would not pay the reciprocal duty, in order of precedence: no rate in force
/// (or in transit), partner not subject, Section 232, an exemption of the goods themselves
/// (`goods`, looked up only when it decides).
pub(crate) fn exemption_for<'a>(
    partner_rate: &PartnerRate<'a>,
    section232: bool,
    goods: impl FnOnce() -> Result<Option<Exemption<'a>>, Error>,
) -> Result<Option<Exemption<'a>>, Error> {
    Ok(match partner_rate.status {
        RateStatus::NotInForce { first_from } => match partner_rate.in_transit {
            Some(row) => Some(Exemption::InTransit(row)),
            None => Some(Exemption::NotInForce { first_from }),
        },
        RateStatus::NotSubject { entry } => Some(Exemption::NotSubject(entry)),
        RateStatus::Applies { .. } if section232 => Some(Exemption::Section232),
        RateStatus::Applies { .. } => goods()?,
    })
}

/// Declares the facts an exemption row gives the goods: a row that moved them to a Section 232
/// action (copper semis) makes them Section 232 goods even when the input does not say so.
pub(crate) fn declare_exemption_facts(f: &mut Facts, row: &ExemptEntry) {
    if row.basis() == crate::table::ExemptBasis::Section232 {
        declare_section232(f, Section232::Copper);
    }
}

/// Declares the facts of a line's own fields: `usmca=yes`, `transshipped=yes`, `energy=yes`,
/// `potash=yes` (for those of `yes` that are true, in that order) and the Section 232 facts.
pub(crate) fn declare_line_facts(f: &mut Facts, yes: [bool; 4], section232: Option<Section232>) {
    for (yes, token) in yes.into_iter().zip(LINE_FACTS) {
        if yes {
            f.declare(token);
        }
    }
    if let Some(kind) = section232 {
        declare_section232(f, kind);
    }
}

/// The facts [`declare_line_facts`] declares for a line's yes/no fields.
const LINE_FACTS: [&str; 4] = ["usmca=yes", "transshipped=yes", "energy=yes", "potash=yes"];

/// Declares the facts of goods subject to Section 232: `section232=yes`, and the kind.
pub(crate) fn declare_section232(f: &mut Facts, kind: Section232) {
    f.declare("section232=yes");
    if kind != Section232::Unspecified {
        f.declare(&format!("section232={}", kind.as_str()));
    }
}

/// A measure's duty on a shipment.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct MeasureDuty<'a> {
    /// The measure's name (`ieepa_fentanyl`, `s122`, ...).
    pub name: &'a str,
    /// Rate, base and amount (0 when not charged).
    pub charge: Charge,
    /// The row covering the goods on the entry date; `None` when the measure has rows for
    /// the origin on the date but none covers these goods and facts (an exemption list took
    /// them out).
    pub entry: Option<&'a MeasureRow>,
    /// The row whose rate was charged: `entry`, or the row in force on the loading date when
    /// the in-transit rule applied; `None` when nothing was charged.
    pub applied: Option<&'a MeasureRow>,
    /// True when the in-transit rule decided the rate.
    pub in_transit: bool,
    /// The measure whose row displaced this one on these goods (its `excludes`).
    pub displaced_by: Option<&'a str>,
    /// True for a measure imposed under IEEPA (refundable).
    pub ieepa: bool,
}

impl MeasureDuty<'_> {
    /// Why nothing is charged, in words, when nothing is: the row chosen is a rate-0 row in
    /// lieu of the measure (its condition), another measure displaced it, the goods were in
    /// transit, or no row covers them.
    pub fn exclusion(&self) -> Option<String> {
        if let Some(by) = self.displaced_by {
            return Some(format!("displaced by {by}"));
        }
        match (self.entry, self.applied) {
            (None, _) => Some("goods on an exemption list".into()),
            (Some(_), None) => Some(Verdict::InTransit.to_string()),
            (Some(_), Some(r))
                if r.rate_kind() == RateKind::InLieu && self.charge.rate_pct.is_zero() =>
            {
                let c: Vec<&str> = r.condition().collect();
                Some(if c.is_empty() {
                    "excepted".into()
                } else {
                    c.join(";")
                })
            }
            _ => None,
        }
    }

    /// The legal source of the rate charged (or of the row covering the goods).
    pub fn source(&self) -> &str {
        self.applied.or(self.entry).map_or("", |r| r.source())
    }
}

/// One line of an export basket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BasketLine {
    /// The goods (code, category, or unspecified: dutiable).
    pub goods: Goods,
    /// The value in USD, at least 0.
    pub value: Decimal,
}

/// The exempt value of one category in a basket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CategoryTotal {
    /// The category.
    pub category: Category,
    /// Its value in USD.
    pub value: Decimal,
    /// Its share of the basket's total, 0 to 1 (6 decimal places).
    pub share: Decimal,
}

/// The exempt share and effective reciprocal rate of a basket.
#[derive(Debug, Clone, PartialEq)]
pub struct BasketReport<'a> {
    /// The origin's rate on the date (with the rows it comes from).
    pub partner_rate: PartnerRate<'a>,
    /// Sum of the lines' values.
    pub total_value: Decimal,
    /// Value of the exempt lines.
    pub exempt_value: Decimal,
    /// Exempt value over total, 0 to 1 (6 decimal places; 0 for an empty basket).
    pub exempt_share: Decimal,
    /// Value that pays the reciprocal duty (total less exempt).
    pub dutiable_value: Decimal,
    /// Exempt value by category, in the order of [`Category::ALL`], non-zero ones only.
    pub by_category: Vec<CategoryTotal>,
    /// The origin's reciprocal rate in percent (0 when none applies). For a 15% floor the
    /// basket has no MFN rate per line, so this is the 15% ceiling.
    pub reciprocal_rate_pct: Decimal,
    /// The reciprocal duty on the dutiable value, rounded to the cent.
    pub reciprocal_duty: Decimal,
    /// Reciprocal duty over total value, in percent (4 decimal places).
    pub effective_rate_pct: Decimal,
}
