//! Exemption categories and transport modes, each defined once with its keywords
//! ([`keyword_enum!`](crate::keyword)).

use crate::keyword::{self, keyword_enum};
use crate::Error;

keyword_enum! {
    /// The groups of goods exempt from the reciprocal duty under Annex II of EO 14257 (and the
    /// 11 April 2025 memorandum). The category of each Annex II line is the data compiler's
    /// assignment by HTS chapter (see `sources/SOURCES-annex2.md`); the order lists only
    /// groups.
    ///
    /// The list is closed (the groups of Annex II), so the enum is exhaustive. It reads the
    /// table names case-insensitively, with spaces or hyphens for underscores and the
    /// singulars `semiconductor`, `pharmaceutical`, `critical_mineral`; it writes the table
    /// names. With the `serde` feature it serializes as the table name and deserializes
    /// through `FromStr`.
    ///
    /// ```
    /// use tariffs::Category;
    /// assert_eq!("Critical minerals".parse::<Category>()?, Category::CriticalMinerals);
    /// assert_eq!("semiconductor".parse::<Category>()?, Category::Semiconductors);
    /// assert_eq!(Category::CriticalMinerals.to_string(), "critical_minerals");
    /// assert_eq!(Category::ALL.len(), 8);
    /// assert!("steel".parse::<Category>().is_err());
    /// # Ok::<(), tariffs::Error>(())
    /// ```
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum Category {
        /// Energy and energy products (HTS chapter 27).
        Energy = "energy",
        /// Certain critical minerals (ores, ferroalloys, rare earths, uranium, ...).
        CriticalMinerals = "critical_minerals",
        /// Pharmaceuticals and their ingredients (chapters 29, 30).
        Pharmaceuticals = "pharmaceuticals",
        /// Semiconductors (8541, 8542 and the electronics of the 11 April 2025 memorandum).
        Semiconductors = "semiconductors",
        /// Lumber articles (chapter 44).
        Lumber = "lumber",
        /// Copper (chapter 74, ores and compounds).
        Copper = "copper",
        /// Bullion (gold, silver, platinum-group metals).
        Bullion = "bullion",
        /// Other listed goods (printed matter, certain chemicals and resins, ...).
        Other = "other",
    }
    what = "an exemption category";
    error: Error = |value: &str| Error::InvalidCategory {
        value: value.to_string(),
    };
    matching = same_category;
}

/// A category's matching: the text trimmed, case folded, `' '` and `'-'` taken for `'_'`,
/// a trailing `s` optional on both sides; byte by byte, without allocating.
fn same_category(name: &str, text: &str) -> bool {
    let t = text.trim().as_bytes();
    let t = t
        .strip_suffix(b"s")
        .or_else(|| t.strip_suffix(b"S"))
        .unwrap_or(t);
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
}

keyword_enum! {
    /// How the goods arrive. Only ocean shipments pay the harbor maintenance fee.
    ///
    /// Read in any ASCII case, with white space around, and with the other spellings listed
    /// at [`as_str`](TransportMode::as_str); written as the keyword. With the `serde` feature
    /// it serializes as the keyword and deserializes through `FromStr`.
    ///
    /// Non-exhaustive: more modes may be told apart (CBP's mode-of-transport codes separate
    /// rail from truck, pipeline from other), so a `match` needs a `_` arm.
    ///
    /// ```
    /// use tariffs::TransportMode;
    /// assert_eq!("Vessel".parse::<TransportMode>()?, TransportMode::Ocean);
    /// assert_eq!(TransportMode::Land.to_string(), "land");
    /// assert_eq!(TransportMode::ALL.len(), 5);
    /// assert!("teleport".parse::<TransportMode>().is_err());
    /// # Ok::<(), tariffs::Error>(())
    /// ```
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[non_exhaustive]
    pub enum TransportMode {
        /// By vessel (`ocean`, `sea`, `vessel`).
        Ocean = "ocean" | "sea" | "vessel",
        /// By air.
        Air = "air",
        /// By truck or rail (`land`, `truck`, `rail`, `road`).
        Land = "land" | "truck" | "rail" | "road",
        /// By post (`mail`, `post`, `postal`).
        Mail = "mail" | "post" | "postal",
        /// Anything else (pipeline, hand-carried, ...).
        Other = "other" | "pipeline",
    }
    what = "a transport mode";
    error: Error = |value: &str| Error::InvalidMode {
        value: value.to_string(),
    };
    matching = keyword::unicode_trimmed;
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

    /// `Category::from_str` before the keyword macro, verbatim but for the error.
    fn category_before(s: &str) -> Option<Category> {
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
        Category::ALL.into_iter().find(|c| same(c.as_str()))
    }

    /// `TransportMode::from_str` before the keyword macro, verbatim but for the error.
    fn mode_before(s: &str) -> Option<TransportMode> {
        let t = s.trim();
        let is = |names: &[&str]| names.iter().any(|n| t.eq_ignore_ascii_case(n));
        Some(if is(&["ocean", "sea", "vessel"]) {
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
            return None;
        })
    }

    #[test]
    fn keywords_and_errors_unchanged() {
        let names: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            names,
            [
                "energy",
                "critical_minerals",
                "pharmaceuticals",
                "semiconductors",
                "lumber",
                "copper",
                "bullion",
                "other"
            ]
        );
        let modes: Vec<&str> = TransportMode::ALL.iter().map(|m| m.as_str()).collect();
        assert_eq!(modes, ["ocean", "air", "land", "mail", "other"]);
        assert_eq!(
            " steel ".parse::<Category>(),
            Err(Error::InvalidCategory {
                value: " steel ".to_string()
            })
        );
        assert_eq!(
            "boat".parse::<TransportMode>(),
            Err(Error::InvalidMode {
                value: "boat".to_string()
            })
        );
    }

    proptest::proptest! {
        /// The macro's `FromStr` accepts exactly what the hand-written one did, as the same
        /// value: texts made of the keywords, the aliases and their pieces, in mixed case,
        /// with separators, plurals and white space.
        #[test]
        fn parsing_is_what_it_was(
            words in proptest::collection::vec(proptest::sample::select(vec![
                "energy", "critical", "mineral", "minerals", "pharmaceutical", "semiconductor",
                "lumber", "copper", "bullion", "other", "s", "S", "_", "-", " ", "\u{a0}", "\t",
                "ocean", "sea", "vessel", "air", "land", "truck", "rail", "road", "mail",
                "post", "postal", "pipeline", "OCEAN", "Air", "x", "ss",
            ]), 1..4),
            upper in proptest::bool::ANY,
        ) {
            let text: String = words.concat();
            let text = if upper { text.to_uppercase() } else { text };
            proptest::prop_assert_eq!(text.parse::<Category>().ok(), category_before(&text));
            proptest::prop_assert_eq!(text.parse::<TransportMode>().ok(), mode_before(&text));
        }
    }
}
