//! The keyword enums of a shipment, [`EntryType`] and [`Section232`], defined with
//! [`keyword_enum!`](crate::keyword) so that their `as_str`, `Display`, `FromStr` and serde
//! forms come from one list of keywords, and [`Section232::from_field`] for the `section232`
//! field and flag, which also takes a yes or a no (what [`batch::parse_shipment`] reads).
//!
//! [`batch::parse_shipment`]: crate::batch::parse_shipment

use crate::keyword::{self, keyword_enum, KeywordError};

keyword_enum! {
    /// Formal or informal entry. Only formal entries pay the ad valorem MPF.
    ///
    /// Read as `formal` or `informal` in any ASCII case (ASCII white space around is
    /// ignored), written as those keywords; with the `serde` feature, serialized as the
    /// keyword and deserialized through `FromStr`.
    ///
    /// Exhaustive: an entry is formal or informal (19 CFR parts 142 and 143).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum EntryType {
        /// A formal entry (required above $2,500).
        Formal = "formal",
        /// An informal entry ($2,500 or less).
        Informal = "informal",
    }
    what = "an entry type";
}

keyword_enum! {
    /// The kind of Section 232 action the goods fall under. Every kind excludes the goods
    /// from the reciprocal duty, the Brazil and India duties and the Section 122 surcharge;
    /// only autos and auto parts are also excluded from the Canada and Mexico
    /// border-emergency duties (EO of 29 April 2025 on the stacking of tariffs).
    ///
    /// Read in any ASCII case with the spellings listed at [`as_str`](Section232::as_str)
    /// (`true`, `yes`, `y`, `1`: a kind not given); written as the keyword. A field that may
    /// also say no is read with [`Section232::from_field`].
    ///
    /// Non-exhaustive: new Section 232 actions keep being proclaimed (trucks, semiconductors,
    /// pharmaceuticals, ...).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[non_exhaustive]
    pub enum Section232 {
        /// Autos and auto parts (Proclamation 10908).
        Autos = "autos" | "auto" | "auto_parts",
        /// Steel and aluminum articles and derivatives.
        SteelAluminum = "steel_aluminum" | "steel" | "aluminum" | "aluminium" | "metals",
        /// Copper (Proclamation 10962).
        Copper = "copper",
        /// Timber and lumber (Proclamation 10976).
        Lumber = "lumber" | "timber",
        /// Section 232 goods of a kind not given.
        Unspecified = "true" | "yes" | "y" | "1",
    }
    what = "a Section 232 kind";
}

/// The spellings of no in a `section232` field (as `batch` reads every yes/no field).
const NO: [&str; 4] = ["false", "no", "n", "0"];

/// What a `section232` field accepts, for [`Section232::from_field`]'s error.
const FIELD_KEYWORDS: [&str; 6] = [
    "autos",
    "steel_aluminum",
    "copper",
    "lumber",
    "true",
    "false",
];

impl Section232 {
    /// The value of a `section232` field or `--section232=` flag: a kind (`autos`, `steel`,
    /// ...), a yes (`true`, `yes`, `y`, `1`: [`Section232::Unspecified`]) or a no (`false`,
    /// `no`, `n`, `0`: `None`), in any ASCII case, ASCII white space around ignored.
    ///
    /// # Errors
    ///
    /// A [`KeywordError`] listing the kinds, `true` and `false`, for any other text.
    pub fn from_field(text: &str) -> Result<Option<Section232>, KeywordError> {
        if NO.iter().any(|no| keyword::ascii_trimmed(no, text)) {
            return Ok(None);
        }
        text.parse()
            .map(Some)
            .map_err(|_| KeywordError::new("a Section 232 kind or a yes/no", text, &FIELD_KEYWORDS))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How `batch::parse_shipment` read a trimmed `section232` field by hand before it used
    /// [`Section232::from_field`]: every spelling it took is still taken, the same way.
    fn batch_section232(t: &str) -> Result<Option<Section232>, ()> {
        let is = |names: &[&str]| names.iter().any(|n| t.eq_ignore_ascii_case(n));
        if is(&["true", "yes", "y", "1"]) {
            Ok(Some(Section232::Unspecified))
        } else if is(&["false", "no", "n", "0"]) {
            Ok(None)
        } else if is(&["autos", "auto", "auto_parts"]) {
            Ok(Some(Section232::Autos))
        } else if is(&["steel", "aluminum", "aluminium", "steel_aluminum", "metals"]) {
            Ok(Some(Section232::SteelAluminum))
        } else if is(&["copper"]) {
            Ok(Some(Section232::Copper))
        } else if is(&["lumber", "timber"]) {
            Ok(Some(Section232::Lumber))
        } else {
            Err(())
        }
    }

    /// How `batch::parse_shipment` read a trimmed `entry_type` field by hand before it used
    /// `EntryType::from_str`.
    fn batch_entry_type(t: &str) -> Result<EntryType, ()> {
        if t.eq_ignore_ascii_case("formal") {
            Ok(EntryType::Formal)
        } else if t.eq_ignore_ascii_case("informal") {
            Ok(EntryType::Informal)
        } else {
            Err(())
        }
    }

    #[test]
    fn keywords_are_those_of_estimate() {
        // The keywords `estimate.rs` wrote before these enums replaced its own, in order.
        let keywords: Vec<&str> = Section232::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(
            keywords,
            ["autos", "steel_aluminum", "copper", "lumber", "true"]
        );
        assert_eq!(Section232::Unspecified.to_string(), "true");
        assert_eq!(EntryType::ALL, [EntryType::Formal, EntryType::Informal]);
        assert_eq!(EntryType::Informal.to_string(), "informal");
        for k in Section232::ALL {
            assert_eq!(k.as_str().parse::<Section232>(), Ok(k));
            assert_eq!(Section232::from_field(k.as_str()), Ok(Some(k)));
        }
    }

    #[test]
    fn every_spelling_batch_accepts_reads_the_same() {
        let words = [
            "true",
            "TRUE",
            "yes",
            "Y",
            "1",
            "false",
            "No",
            "n",
            "0",
            "autos",
            "Auto",
            "AUTO_PARTS",
            "steel",
            "Aluminum",
            "aluminium",
            "steel_aluminum",
            "METALS",
            "copper",
            "lumber",
            "Timber",
            "",
            "2",
            "steel-aluminum",
            "auto parts",
            "informal",
            "formal",
            "Formal",
            "INFORMAL",
            "informel",
            "formally",
            "t",
            "f",
            "none",
            "ja",
        ];
        for w in words {
            assert_eq!(
                Section232::from_field(w).map_err(|_| ()),
                batch_section232(w),
                "{w:?}"
            );
            assert_eq!(
                w.parse::<EntryType>().map_err(|_| ()),
                batch_entry_type(w),
                "{w:?}"
            );
            // The field is trimmed before it is read; reading it here trims it the same way.
            let padded = format!(" \t{w} ");
            assert_eq!(
                Section232::from_field(&padded).map_err(|_| ()),
                batch_section232(w),
                "{padded:?}"
            );
            assert_eq!(
                padded.parse::<EntryType>().map_err(|_| ()),
                batch_entry_type(w)
            );
        }
    }

    #[test]
    fn errors_name_the_value_and_the_keywords() {
        let e = "informel".parse::<EntryType>().err().map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("\"informel\" is not an entry type (formal, informal)")
        );
        let e = "false".parse::<Section232>().err().map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some(
                "\"false\" is not a Section 232 kind (autos, steel_aluminum, copper, lumber, true)"
            )
        );
        let e = Section232::from_field("tin").err();
        assert_eq!(e.as_ref().map(KeywordError::value), Some("tin"));
        assert_eq!(
            e.map(|e| e.to_string()).as_deref(),
            Some(
                "\"tin\" is not a Section 232 kind or a yes/no (autos, steel_aluminum, copper, \
                 lumber, true, false)"
            )
        );
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_forms() {
        for k in Section232::ALL {
            let json = serde_json::to_string(&k).ok();
            assert_eq!(json, Some(format!("\"{k}\"")));
            let back = json.and_then(|j| serde_json::from_str::<Section232>(&j).ok());
            assert_eq!(back, Some(k));
        }
        for t in EntryType::ALL {
            let json = serde_json::to_string(&t).ok();
            assert_eq!(json, Some(format!("\"{t}\"")));
            let back = json.and_then(|j| serde_json::from_str::<EntryType>(&j).ok());
            assert_eq!(back, Some(t));
        }
        assert_eq!(
            serde_json::from_str::<Section232>("\"Steel\"").ok(),
            Some(Section232::SteelAluminum)
        );
        let e = serde_json::from_str::<EntryType>("\"x\"")
            .err()
            .map(|e| e.to_string());
        assert!(e.is_some_and(|e| e.starts_with("\"x\" is not an entry type (formal, informal)")));
        // A JSON boolean is not the keyword `true`.
        assert!(serde_json::from_str::<Section232>("true").is_err());
    }
}
