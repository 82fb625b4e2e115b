//! The `serde` feature: partner codes, HTS codes, dates, categories and transport modes
//! serialize as the text `Display` writes and deserialize through `FromStr` (its validation,
//! its error message); `Decimal` is a string both ways, never a float.

#![cfg(feature = "serde")]

use std::fmt::{Debug, Display};
use std::str::FromStr;

use proptest::prelude::*;
use rust_decimal::Decimal;
use tariffs::{Category, CountryCode, Date, HtsCode, TransportMode};

use crate::dec;

fn to_json<T: ::serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap()
}

/// Deserializing the JSON string of `text` agrees with `text.parse()`: the same value, or an
/// error whose message is the `FromStr` error's (serde_json adds the position after it).
fn agrees<T>(text: &str) -> Result<(), TestCaseError>
where
    T: FromStr + ::serde::de::DeserializeOwned + PartialEq + Debug,
    T::Err: Display,
{
    let from_json = serde_json::from_str::<T>(&to_json(&text));
    match text.parse::<T>() {
        Ok(v) => prop_assert_eq!(from_json.ok(), Some(v)),
        Err(e) => {
            let message = from_json.err().map(|e| e.to_string()).unwrap_or_default();
            prop_assert!(
                message.starts_with(&e.to_string()),
                "{:?}: serde said {:?}, FromStr {:?}",
                text,
                message,
                e.to_string()
            );
        }
    }
    Ok(())
}

/// `value` serializes as the JSON string of its `Display` and reads back as itself.
fn round_trips<T>(value: T) -> Result<(), TestCaseError>
where
    T: Display + ::serde::Serialize + ::serde::de::DeserializeOwned + PartialEq + Debug,
{
    let json = to_json(&value);
    prop_assert_eq!(&json, &to_json(&value.to_string()));
    prop_assert_eq!(serde_json::from_str::<T>(&json).ok(), Some(value));
    Ok(())
}

#[test]
fn decimal_is_a_string_both_ways() {
    // Written as a string, with its scale; 28 significant digits, which no f64 holds.
    assert_eq!(to_json(&dec("1.230")), "\"1.230\"");
    assert_eq!(to_json(&dec("-0.01")), "\"-0.01\"");
    let wide = dec("1234567890.123456789012345678");
    assert_eq!(to_json(&wide), "\"1234567890.123456789012345678\"");
    assert_eq!(
        serde_json::to_value(dec("0.1")).unwrap(),
        serde_json::Value::String("0.1".into())
    );
    // Read only from a string: a JSON number would go through an f64.
    assert_eq!(
        serde_json::from_str::<Decimal>("\"1234567890.123456789012345678\"").unwrap(),
        wide
    );
    assert_eq!(
        serde_json::from_str::<Decimal>("\"0.1\"").unwrap(),
        dec("0.1")
    );
    for number in ["0.1", "1", "1.5e3", "1234567890.123456789012345678"] {
        assert!(
            serde_json::from_str::<Decimal>(number).is_err(),
            "{number} read as a number"
        );
    }
    assert!(serde_json::from_str::<Decimal>("\"ten\"").is_err());
}

#[test]
fn the_forms_of_display() {
    let cn: CountryCode = "cn".parse().unwrap();
    assert_eq!(to_json(&cn), "\"CN\"");
    let hts: HtsCode = "27090020".parse().unwrap();
    assert_eq!(to_json(&hts), "\"2709.00.20\"");
    let heading: HtsCode = "8541".parse().unwrap();
    assert_eq!(to_json(&heading), "\"8541\"");
    let stat: HtsCode = "2709.0020.00".parse().unwrap();
    assert_eq!(to_json(&stat), "\"2709.00.2000\"");
    let date = Date::new(2025, 4, 9).unwrap();
    assert_eq!(to_json(&date), "\"2025-04-09\"");
    assert_eq!(
        to_json(&Category::CriticalMinerals),
        "\"critical_minerals\""
    );
    assert_eq!(to_json(&TransportMode::Ocean), "\"ocean\"");
    // In a structure, each is its string.
    let row = (
        cn,
        hts,
        date,
        Category::Energy,
        Some(TransportMode::Air),
        None::<Date>,
    );
    assert_eq!(
        to_json(&row),
        r#"["CN","2709.00.20","2025-04-09","energy","air",null]"#
    );
    type Row = (
        CountryCode,
        HtsCode,
        Date,
        Category,
        Option<TransportMode>,
        Option<Date>,
    );
    assert_eq!(
        serde_json::from_str::<Row>(r#"["cn","27090020"," 2025-04-09","Energy","AIR",null]"#)
            .unwrap(),
        row
    );
}

#[test]
fn reading_accepts_what_from_str_accepts() {
    let read = |json: &str| {
        serde_json::from_str::<CountryCode>(json)
            .unwrap()
            .to_string()
    };
    assert_eq!(read("\"kz\""), "KZ");
    assert_eq!(read("\" Kz \""), "KZ");
    let hts = |json: &str| serde_json::from_str::<HtsCode>(json).unwrap().to_string();
    assert_eq!(hts("\"2709.0020\""), "2709.00.20");
    assert_eq!(hts("\"2709002000\""), "2709.00.2000");
    assert_eq!(
        serde_json::from_str::<Category>("\"Critical minerals\"").unwrap(),
        Category::CriticalMinerals
    );
    assert_eq!(
        serde_json::from_str::<Category>("\"semiconductor\"").unwrap(),
        Category::Semiconductors
    );
    assert_eq!(
        serde_json::from_str::<TransportMode>("\"Vessel\"").unwrap(),
        TransportMode::Ocean
    );
}

/// The message of deserializing `json` as a `T`, which must fail.
fn serde_error<T: ::serde::de::DeserializeOwned + Debug>(json: &str) -> String {
    serde_json::from_str::<T>(json).unwrap_err().to_string()
}

/// The message of parsing `text` as a `T`, which must fail.
fn parse_error<T: FromStr + Debug>(text: &str) -> String
where
    T::Err: Display,
{
    text.parse::<T>().unwrap_err().to_string()
}

#[test]
fn invalid_text_is_the_from_str_error() {
    let same = |got: String, expected: String| {
        assert!(
            got.starts_with(&expected),
            "{got:?} does not start {expected:?}"
        );
    };
    same(
        serde_error::<CountryCode>("\"C1\""),
        parse_error::<CountryCode>("C1"),
    );
    same(
        serde_error::<HtsCode>("\"2709.00.2\""),
        parse_error::<HtsCode>("2709.00.2"),
    );
    same(
        serde_error::<Date>("\"2025-02-30\""),
        parse_error::<Date>("2025-02-30"),
    );
    same(
        serde_error::<Category>("\"steel\""),
        parse_error::<Category>("steel"),
    );
    same(
        serde_error::<TransportMode>("\"boat\""),
        parse_error::<TransportMode>("boat"),
    );
    // The messages themselves.
    same(
        serde_error::<Date>("\"2025-02-30\""),
        "\"2025-02-30\" is not a date (expected YYYY-MM-DD)".into(),
    );
    same(
        serde_error::<CountryCode>("\"C1\""),
        "\"C1\" is not a two-letter partner code".into(),
    );
    same(
        serde_error::<HtsCode>("\"27.09\""),
        "\"27.09\" is not an HTS code: a dot may only follow the 4th, 6th or 8th digit".into(),
    );
    // Not a string at all: serde's message, naming what was expected.
    let got = serde_error::<CountryCode>("12");
    assert!(got.contains("expected a two-letter partner code"), "{got}");
    let got = serde_error::<HtsCode>("27090020");
    assert!(got.contains("expected an HTS code"), "{got}");
    let got = serde_error::<Date>("{}");
    assert!(got.contains("expected a date (YYYY-MM-DD)"), "{got}");
    let got = serde_error::<Category>("null");
    assert!(got.contains("expected an exemption category"), "{got}");
    let got = serde_error::<TransportMode>("true");
    assert!(got.contains("expected a transport mode"), "{got}");
}

fn hts_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{4}",
        "[0-9]{6}",
        "[0-9]{8}",
        "[0-9]{10}",
        "[0-9]{4}\\.[0-9]{2}",
        "[0-9]{4}\\.[0-9]{2}\\.[0-9]{2}",
        "[0-9]{4}\\.[0-9]{2}\\.?[0-9]{4}",
    ]
}

proptest! {
    #[test]
    fn country_codes_round_trip(text in "[A-Za-z]{2}") {
        round_trips(text.parse::<CountryCode>().unwrap())?;
    }

    #[test]
    fn hts_codes_round_trip(text in hts_text()) {
        let code: HtsCode = text.parse().unwrap();
        round_trips(code)?;
        // The digits survive: the serialized text is the code's digits with the dots.
        prop_assert_eq!(to_json(&code).replace(['.', '"'], ""), text.replace('.', ""));
    }

    #[test]
    fn dates_round_trip(
        date in (1000u16..=9999, 1u8..=12, 1u8..=31)
            .prop_filter_map("no such day", |(y, m, d)| Date::new(y, m, d).ok())
    ) {
        round_trips(date)?;
    }

    #[test]
    fn keyword_enums_round_trip(
        category in proptest::sample::select(Category::ALL.to_vec()),
        mode in proptest::sample::select(TransportMode::ALL.to_vec()),
    ) {
        round_trips(category)?;
        round_trips(mode)?;
    }

    #[test]
    fn decimals_round_trip_exactly(mantissa in any::<i64>(), scale in 0u32..=28) {
        let d = Decimal::new(mantissa, scale);
        let json = to_json(&d);
        prop_assert_eq!(&json, &format!("\"{d}\""));
        let back = serde_json::from_str::<Decimal>(&json).unwrap();
        prop_assert_eq!(back, d);
        prop_assert_eq!(back.scale(), d.scale());
    }

    /// Any text reads through serde as it parses, value or error message.
    #[test]
    fn deserializing_is_parsing(
        text in prop_oneof![
            "[A-Za-z0-9 ]{0,3}",
            "[0-9.]{3,13}",
            "[0-9]{4}-[0-9]{1,2}-[0-9]{1,3}",
            "[ a-zA-Z_\\-]{2,20}",
            ".{0,12}",
        ]
    ) {
        agrees::<CountryCode>(&text)?;
        agrees::<HtsCode>(&text)?;
        agrees::<Date>(&text)?;
        agrees::<Category>(&text)?;
        agrees::<TransportMode>(&text)?;
    }
}
