//! The other IEEPA programs (fentanyl, Brazil, India's Russia-oil duty) and the Section 122
//! surcharge that followed them: rows of the table's `program` kind.

use std::fmt;
use std::sync::Arc;

use rust_decimal::Decimal;

use crate::{CountryCode, Date};

/// A duty program beside the reciprocal duty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Program {
    /// Border-emergency ("fentanyl") duties: Canada (EO 14193), Mexico (EO 14194), China and
    /// Hong Kong (EO 14195). IEEPA.
    Fentanyl,
    /// Brazil (EO 14323). IEEPA.
    Brazil,
    /// India, for purchases of Russian oil (EO 14329). IEEPA.
    RussiaOil,
    /// The Section 122 (Trade Act of 1974) surcharge from 24 February 2026. Not IEEPA, not
    /// refundable under the IEEPA ruling.
    Section122,
}

impl Program {
    /// Every program, in the order of [`LandedCost::programs`](crate::LandedCost::programs).
    pub const ALL: [Program; 4] = [
        Program::Fentanyl,
        Program::Brazil,
        Program::RussiaOil,
        Program::Section122,
    ];

    /// The name used in the table's `basis` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Program::Fentanyl => "fentanyl",
            Program::Brazil => "brazil",
            Program::RussiaOil => "russia_oil",
            Program::Section122 => "section122",
        }
    }

    /// True for the programs imposed under IEEPA (refundable after the Supreme Court's ruling
    /// of 20 February 2026); false for Section 122.
    pub fn is_ieepa(self) -> bool {
        !matches!(self, Program::Section122)
    }

    pub(crate) fn parse(s: &str) -> Option<Program> {
        Program::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

impl fmt::Display for Program {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which goods a program row covers (the table's `applies_to` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Condition {
    /// All goods of the origin.
    All,
    /// Goods entered as USMCA-originating (the claim is an input).
    Usmca,
    /// Non-USMCA goods other than energy and potash.
    NonUsmca,
    /// Non-USMCA energy, energy resources and potash (Canada).
    NonUsmcaEnergyPotash,
    /// Non-USMCA potash (Mexico).
    NonUsmcaPotash,
    /// Non-USMCA goods found to be transshipped to evade the duty.
    NonUsmcaTransshipped,
    /// Energy and energy resources (Canada, before the USMCA exemption).
    Energy,
    /// Goods other than energy (Canada, before the USMCA exemption).
    NonEnergy,
}

impl Condition {
    const ALL: [Condition; 8] = [
        Condition::All,
        Condition::Usmca,
        Condition::NonUsmca,
        Condition::NonUsmcaEnergyPotash,
        Condition::NonUsmcaPotash,
        Condition::NonUsmcaTransshipped,
        Condition::Energy,
        Condition::NonEnergy,
    ];

    /// The keyword used in the table.
    pub fn as_str(self) -> &'static str {
        match self {
            Condition::All => "all",
            Condition::Usmca => "usmca",
            Condition::NonUsmca => "non_usmca",
            Condition::NonUsmcaEnergyPotash => "non_usmca_energy_potash",
            Condition::NonUsmcaPotash => "non_usmca_potash",
            Condition::NonUsmcaTransshipped => "non_usmca_transshipped",
            Condition::Energy => "energy",
            Condition::NonEnergy => "non_energy",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Condition> {
        Condition::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The conditions that can cover goods with these facts, most specific first.
    pub(crate) fn preference(facts: &GoodsFacts) -> impl Iterator<Item = Condition> {
        [
            facts.usmca.then_some(Condition::Usmca),
            facts
                .transshipped
                .then_some(Condition::NonUsmcaTransshipped),
            facts.energy.then_some(Condition::Energy),
            (facts.energy || facts.potash).then_some(Condition::NonUsmcaEnergyPotash),
            facts.potash.then_some(Condition::NonUsmcaPotash),
            (!facts.energy).then_some(Condition::NonEnergy),
            Some(Condition::NonUsmca),
            Some(Condition::All),
        ]
        .into_iter()
        .flatten()
    }
}

/// Facts about the goods that select a program row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct GoodsFacts {
    pub usmca: bool,
    pub transshipped: bool,
    pub energy: bool,
    pub potash: bool,
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

/// One `program` row of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgramEntry {
    pub(crate) line: u64,
    pub(crate) code: Option<CountryCode>,
    pub(crate) name: String,
    pub(crate) program: Program,
    pub(crate) applies_to: Condition,
    pub(crate) rate_pct: Decimal,
    pub(crate) rate: Decimal,
    pub(crate) from: Date,
    pub(crate) to: Option<Date>,
    pub(crate) transit: Transit,
    pub(crate) source: Arc<str>,
    pub(crate) note: Arc<str>,
}

impl ProgramEntry {
    /// The origin (`None`: every origin, the `*` rows).
    pub fn code(&self) -> Option<CountryCode> {
        self.code
    }
    /// The origin's name as the table spells it.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The program.
    pub fn program(&self) -> Program {
        self.program
    }
    /// Which goods the row covers.
    pub fn applies_to(&self) -> Condition {
        self.applies_to
    }
    /// The additional ad valorem rate in percent.
    pub fn rate_pct(&self) -> Decimal {
        self.rate_pct
    }
    /// First entry date covered.
    pub fn effective_from(&self) -> Date {
        self.from
    }
    /// First entry date no longer covered (`None`: open-ended).
    pub fn effective_to(&self) -> Option<Date> {
        self.to
    }
    /// The row's in-transit exception.
    pub fn transit(&self) -> Transit {
        self.transit
    }
    /// The legal source.
    pub fn source(&self) -> &str {
        &self.source
    }
    /// Which goods, exceptions, notes.
    pub fn note(&self) -> &str {
        &self.note
    }
    /// The line of the table the row was read from.
    pub fn line(&self) -> u64 {
        self.line
    }
    /// True when the row is in force on `date` (`effective_from <= date < effective_to`).
    pub fn covers(&self, date: Date) -> bool {
        self.from <= date && self.to.is_none_or(|t| date < t)
    }
}
