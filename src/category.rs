//! Exemption categories and transport modes.

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// The groups of goods exempt from the reciprocal duty under Annex II of EO 14257 (and the
/// 11 April 2025 memorandum). The category of each Annex II line is the data compiler's
/// assignment by HTS chapter (see `sources/SOURCES-annex2.md`); the order lists only groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// Energy and energy products (HTS chapter 27).
    Energy,
    /// Certain critical minerals (ores, ferroalloys, rare earths, uranium, ...).
    CriticalMinerals,
    /// Pharmaceuticals and their ingredients (chapters 29, 30).
    Pharmaceuticals,
    /// Semiconductors (8541, 8542 and the electronics of the 11 April 2025 memorandum).
    Semiconductors,
    /// Lumber articles (chapter 44).
    Lumber,
    /// Copper (chapter 74, ores and compounds).
    Copper,
    /// Bullion (gold, silver, platinum-group metals).
    Bullion,
    /// Other listed goods (printed matter, certain chemicals and resins, ...).
    Other,
}

impl Category {
    /// Every category, in a fixed order.
    pub const ALL: [Category; 8] = [
        Category::Energy,
        Category::CriticalMinerals,
        Category::Pharmaceuticals,
        Category::Semiconductors,
        Category::Lumber,
        Category::Copper,
        Category::Bullion,
        Category::Other,
    ];

    /// The name used in the table: `energy`, `critical_minerals`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Energy => "energy",
            Category::CriticalMinerals => "critical_minerals",
            Category::Pharmaceuticals => "pharmaceuticals",
            Category::Semiconductors => "semiconductors",
            Category::Lumber => "lumber",
            Category::Copper => "copper",
            Category::Bullion => "bullion",
            Category::Other => "other",
        }
    }
}

impl FromStr for Category {
    type Err = Error;

    /// Accepts the table names, case-insensitively, with spaces or hyphens for underscores,
    /// and the singulars `semiconductor`, `pharmaceutical`, `critical_mineral`.
    ///
    /// ```
    /// use tariffs::Category;
    /// assert_eq!("Critical minerals".parse::<Category>()?, Category::CriticalMinerals);
    /// assert_eq!("semiconductor".parse::<Category>()?, Category::Semiconductors);
    /// assert!("steel".parse::<Category>().is_err());
    /// # Ok::<(), tariffs::Error>(())
    /// ```
    fn from_str(s: &str) -> Result<Category, Error> {
        // Compare byte by byte, folding case and taking ' ' and '-' for '_', without
        // allocating; a trailing 's' is optional on both sides.
        let t = s.trim().as_bytes();
        let t = t
            .strip_suffix(b"s")
            .or_else(|| t.strip_suffix(b"S"))
            .unwrap_or(t);
        let same = |name: &str| {
            let n = name.as_bytes();
            let n = n.strip_suffix(b"s").unwrap_or(n);
            n.len() == t.len()
                && n.iter().zip(t).all(|(&a, &b)| {
                    let b = match b {
                        b' ' | b'-' => b'_',
                        b => b.to_ascii_lowercase(),
                    };
                    a == b
                })
        };
        Category::ALL
            .into_iter()
            .find(|c| same(c.as_str()))
            .ok_or_else(|| Error::InvalidCategory {
                value: s.to_string(),
            })
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the goods arrive. Only ocean shipments pay the harbor maintenance fee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransportMode {
    /// By vessel (`ocean`, `sea`, `vessel`).
    Ocean,
    /// By air.
    Air,
    /// By truck or rail (`land`, `truck`, `rail`, `road`).
    Land,
    /// By post.
    Mail,
    /// Anything else (pipeline, hand-carried, ...).
    Other,
}

impl TransportMode {
    /// The canonical name: `ocean`, `air`, `land`, `mail`, `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            TransportMode::Ocean => "ocean",
            TransportMode::Air => "air",
            TransportMode::Land => "land",
            TransportMode::Mail => "mail",
            TransportMode::Other => "other",
        }
    }
}

impl FromStr for TransportMode {
    type Err = Error;

    fn from_str(s: &str) -> Result<TransportMode, Error> {
        let t = s.trim();
        let is = |names: &[&str]| names.iter().any(|n| t.eq_ignore_ascii_case(n));
        Ok(if is(&["ocean", "sea", "vessel"]) {
            TransportMode::Ocean
        } else if is(&["air"]) {
            TransportMode::Air
        } else if is(&["land", "truck", "rail", "road"]) {
            TransportMode::Land
        } else if is(&["mail", "post", "postal"]) {
            TransportMode::Mail
        } else if is(&["other", "pipeline"]) {
            TransportMode::Other
        } else {
            return Err(Error::InvalidMode {
                value: s.to_string(),
            });
        })
    }
}

impl fmt::Display for TransportMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for c in Category::ALL {
            assert_eq!(c.as_str().parse::<Category>().ok(), Some(c));
            assert_eq!(
                c.to_string().to_uppercase().parse::<Category>().ok(),
                Some(c)
            );
        }
        assert_eq!(
            "critical-mineral".parse::<Category>().ok(),
            Some(Category::CriticalMinerals)
        );
    }
}
