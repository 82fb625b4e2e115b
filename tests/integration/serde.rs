//! The `serde` feature: partner codes, HTS codes, dates and the keyword enums serialize as
//! the text `Display` writes and deserialize through `FromStr` (its validation, its error
//! message); `Decimal` is a string both ways, never a float; the results serialize with money
//! and rates as strings, the inputs (`Shipment`, `BasketLine`, `Goods`) both ways.

#![cfg(feature = "serde")]

use std::fmt::{Debug, Display};
use std::str::FromStr;

use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use tariffs::measure::{Base, Confidence, RateKind};
use tariffs::{
    BasketLine, Category, CountryCode, Date, EntryType, FeeOutcome, Goods, HtsCode, RateTable,
    Section232, Shipment, TransportMode,
};

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

// -------------------------------------------------------------------------------------------
// The inputs: Shipment, BasketLine, Goods

fn code(c: &str) -> CountryCode {
    c.parse().unwrap()
}

fn date(d: &str) -> Date {
    d.parse().unwrap()
}

/// A shipment with every field away from its default.
fn full_shipment() -> Shipment {
    let mut s = Shipment::new(code("BR"), dec("10000.50"))
        .hts("7406.10.00".parse().unwrap())
        .mfn_pct(dec("16.50"))
        .freight(dec("250"))
        .insurance(dec("12.5"))
        .mode(TransportMode::Ocean)
        .entry_date(date("2025-09-10"))
        .us_content(dec("0.25"))
        .section232_kind(Section232::Copper)
        .entry_type(EntryType::Formal)
        .loaded(date("2025-08-01"))
        .usmca(true)
        .transshipped(true)
        .fact("claim=9903.03.05")
        .fact("metal=copper");
    s.energy = true;
    s.potash = true;
    s.mfn_general_pct = Some(dec("3"));
    s
}

#[test]
fn a_shipment_round_trips_through_json() {
    let s = full_shipment();
    let text = to_json(&s);
    let back: Shipment = serde_json::from_str(&text).unwrap();
    assert_eq!(back, s);
    // Every field by name, amounts as the strings given (not rounded, scale kept).
    assert_eq!(
        serde_json::to_value(&s).unwrap(),
        json!({
            "origin": "BR",
            "customs_value": "10000.50",
            "goods": {"hts": "7406.10.00"},
            "mfn_pct": "16.50",
            "freight": "250",
            "insurance": "12.5",
            "mode": "ocean",
            "entry_date": "2025-09-10",
            "us_content": "0.25",
            "section232": "copper",
            "entry_type": "formal",
            "loaded": "2025-08-01",
            "usmca": true,
            "transshipped": true,
            "energy": true,
            "potash": true,
            "mfn_general_pct": "3",
            "facts": ["claim=9903.03.05", "metal=copper"],
        })
    );
    // The default shipment too, and a category.
    let s = Shipment::new(code("KZ"), dec("1")).category(Category::Energy);
    let back: Shipment = serde_json::from_str(&to_json(&s)).unwrap();
    assert_eq!(back, s);
    let v = serde_json::to_value(&s).unwrap();
    assert_eq!(v["goods"], json!({"category": "energy"}));
    assert_eq!(v["section232"], Value::Null);
    assert_eq!(v["facts"], json!([]));
    let s = Shipment::new(code("KZ"), dec("1"));
    assert_eq!(serde_json::to_value(&s).unwrap()["goods"], "unspecified");
}

#[test]
fn a_shipment_reads_with_defaults_and_refuses_what_it_cannot_use() {
    let read = |json: Value| serde_json::from_value::<Shipment>(json).map_err(|e| e.to_string());
    // Only origin and customs_value are required; the rest is Shipment::new's.
    assert_eq!(
        read(json!({"origin": "kz", "customs_value": "100"})),
        Ok(Shipment::new(code("KZ"), dec("100")))
    );
    let e = read(json!({"origin": "KZ"})).unwrap_err();
    assert!(e.contains("missing field `customs_value`"), "{e}");
    // A misspelt field is an error, not a default.
    let e = read(json!({"origin": "KZ", "customs_value": "1", "custom_value": "2"})).unwrap_err();
    assert!(e.contains("unknown field `custom_value`"), "{e}");
    // Amounts are strings: a JSON number would go through an f64.
    assert!(read(json!({"origin": "KZ", "customs_value": 100})).is_err());
    // The codes and keywords validate as their FromStr does.
    let e = read(json!({"origin": "K1", "customs_value": "1"})).unwrap_err();
    assert!(e.contains("\"K1\" is not a two-letter partner code"), "{e}");
    let e =
        read(json!({"origin": "KZ", "customs_value": "1", "entry_type": "informel"})).unwrap_err();
    assert!(
        e.contains("\"informel\" is not an entry type (formal, informal)"),
        "{e}"
    );
    let with = |field: &str, value: Value| {
        let mut j = json!({"origin": "KZ", "customs_value": "1"});
        j[field] = value;
        read(j)
    };
    assert_eq!(
        with("entry_type", json!("INFORMAL")).map(|s| s.entry_type),
        Ok(Some(EntryType::Informal))
    );
    assert_eq!(
        with("mode", json!("vessel")).map(|s| s.mode),
        Ok(Some(TransportMode::Ocean))
    );
    // section232: a kind, a yes/no string or a boolean, as the batch's field.
    for (value, kind) in [
        (json!(true), Some(Section232::Unspecified)),
        (json!(false), None),
        (json!(null), None),
        (json!("yes"), Some(Section232::Unspecified)),
        (json!("true"), Some(Section232::Unspecified)),
        (json!("No"), None),
        (json!("Timber"), Some(Section232::Lumber)),
        (json!("steel"), Some(Section232::SteelAluminum)),
        (json!("autos"), Some(Section232::Autos)),
    ] {
        assert_eq!(
            with("section232", value.clone()).map(|s| s.section232),
            Ok(kind),
            "{value}"
        );
    }
    let e = with("section232", json!("tin")).unwrap_err();
    assert!(
        e.contains("\"tin\" is not a Section 232 kind or a yes/no"),
        "{e}"
    );
    assert!(with("section232", json!(1)).is_err());
    // Goods: a code, a category or unspecified, read as their FromStr reads them.
    assert_eq!(
        with("goods", json!({"hts": "27090020"})).map(|s| s.goods),
        Ok(Goods::Hts("2709.00.20".parse().unwrap()))
    );
    assert_eq!(
        with("goods", json!({"category": "Critical minerals"})).map(|s| s.goods),
        Ok(Goods::Category(Category::CriticalMinerals))
    );
    assert_eq!(
        with("goods", json!("unspecified")).map(|s| s.goods),
        Ok(Goods::Unspecified)
    );
    assert!(with("goods", json!({"hts": "27"})).is_err());
    assert!(with("goods", json!({"steel": "yes"})).is_err());
    // Facts: fact=value tokens, one per string.
    let s = with(
        "facts",
        json!(["metal=steel", " claim=9903.03.05 ", "metal=steel"]),
    )
    .unwrap();
    assert_eq!(
        s.facts.iter().collect::<Vec<_>>(),
        ["metal=steel", "claim=9903.03.05"]
    );
    for bad in ["Metal=steel", "metal", "metal=", "a=b;c=d", ""] {
        assert!(with("facts", json!([bad])).is_err(), "{bad:?}");
    }
}

#[test]
fn a_basket_line_round_trips() {
    let line = BasketLine {
        goods: Goods::Hts("2709.00.20".parse().unwrap()),
        value: dec("500.25"),
    };
    let v = serde_json::to_value(line).unwrap();
    assert_eq!(
        v,
        json!({"goods": {"hts": "2709.00.20"}, "value": "500.25"})
    );
    assert_eq!(serde_json::from_value::<BasketLine>(v).unwrap(), line);
    // The goods may be left out: dutiable.
    assert_eq!(
        serde_json::from_value::<BasketLine>(json!({"value": "80"})).unwrap(),
        BasketLine {
            goods: Goods::Unspecified,
            value: dec("80")
        }
    );
    assert!(serde_json::from_value::<BasketLine>(json!({"value": "80", "origin": "KZ"})).is_err());
}

// -------------------------------------------------------------------------------------------
// The results

#[test]
fn an_announced_landed_cost_as_json() {
    // The README's example: ferrochromium from Kazakhstan, Annex II.
    let s = Shipment::new(code("KZ"), dec("100000"))
        .hts("7202.41.00".parse().unwrap())
        .mfn_pct(dec("1.9"))
        .mode(TransportMode::Ocean)
        .entry_date(date("2025-04-09"));
    let c = RateTable::bundled().landed_cost(&s).unwrap();
    let v = serde_json::to_value(&c).unwrap();
    assert_eq!(v["date"], "2025-04-09");
    assert_eq!(v["customs_value"], "100000.00");
    assert_eq!(v["dutiable_value"], "100000.00");
    assert_eq!(
        v["mfn"],
        json!({"rate_pct": "1.9", "base": "100000.00", "amount": "1900.00"})
    );
    let r = &v["reciprocal"];
    assert_eq!(r["rate_pct"], "0");
    assert_eq!(r["base"], "100000.00");
    assert_eq!(r["amount"], "0.00");
    assert_eq!(r["basis"], "annex1");
    assert_eq!(r["exemption"], "annex2");
    assert_eq!(r["exempt_code"], "7202.41.00");
    assert_eq!(r["exempt_category"], "critical_minerals");
    assert_eq!(r["exempt_entry"]["code"], "7202.41.00");
    assert_eq!(r["exempt_entry"]["basis"], "annex2");
    assert_eq!(r["source"], "EO 14257 Annex II (HTS 9903.01.32)");
    assert_eq!(r["us_content_excluded"], false);
    assert!(
        r["reason"]
            .as_str()
            .is_some_and(|t| t.starts_with("exempt: Annex II line 7202.41.00 (critical_minerals)")),
        "{}",
        r["reason"]
    );
    // The partner's rate, which the exemption set aside.
    let p = &r["partner_rate"];
    assert_eq!(
        p["partner"],
        json!({"code": "KZ", "name": "Kazakhstan", "listed": true})
    );
    assert_eq!(p["rate_pct"], "27");
    assert_eq!(p["status"]["kind"], "applies");
    assert_eq!(p["status"]["rate_entry"]["effective_from"], "2025-04-09");
    assert_eq!(p["status"]["rate_entry"]["basis"], "annex1");
    assert_eq!(p["in_transit"], Value::Null);
    // Fees, with their rows.
    assert_eq!(v["mpf"]["amount"], "346.40");
    assert_eq!(v["mpf"]["rate_pct"], "0.3464");
    assert_eq!(v["mpf"]["outcome"], "ad_valorem");
    assert_eq!(v["mpf"]["entry"]["code"], "MPF");
    assert_eq!(v["mpf"]["entry"]["min_usd"], "32.71");
    assert_eq!(v["mpf"]["entry"]["max_usd"], "634.62");
    assert_eq!(v["mpf"]["exemption"], Value::Null);
    assert_eq!(v["mpf"]["carried"], Value::Null);
    assert_eq!(v["hmf"]["amount"], "125.00");
    assert_eq!(v["hmf"]["rate_pct"], "0.125");
    assert_eq!(v["measures"], json!([]));
    assert_eq!(v["freight"], "0.00");
    assert_eq!(v["insurance"], "0.00");
    assert_eq!(v["ieepa_duty"], "0.00");
    assert_eq!(v["total_duty"], "1900.00");
    assert_eq!(v["total_fees"], "471.40");
    assert_eq!(v["landed_cost"], "102371.40");
    assert_eq!(v["effective_duty_rate_pct"], "1.9");
}

#[test]
fn an_enacted_landed_cost_as_json() {
    // China on 10 April 2025: 125% reciprocal, 20% fentanyl, an informal entry's flat MPF.
    let s = Shipment::new(code("CN"), dec("100")).entry_date(date("2025-04-10"));
    let c = RateTable::enacted().landed_cost(&s).unwrap();
    let v = serde_json::to_value(&c).unwrap();
    assert_eq!(v["reciprocal"]["rate_pct"], "125");
    assert_eq!(v["reciprocal"]["amount"], "125.00");
    assert_eq!(v["reciprocal"]["exemption"], Value::Null);
    assert_eq!(
        v["reciprocal"]["source"],
        "EO 14266 sec.3(b) (HTS 9903.01.63)"
    );
    assert_eq!(
        v["reciprocal"]["reason"],
        "125% Annex I, in force from 2025-04-10"
    );
    let m = &v["measures"][0];
    assert_eq!(m["measure"], "ieepa_fentanyl");
    assert_eq!(m["ieepa"], true);
    assert_eq!(m["rate_pct"], "20");
    assert_eq!(m["base"], "100.00");
    assert_eq!(m["amount"], "20.00");
    assert_eq!(m["heading"], "9903.01.24");
    assert_eq!(m["exclusion"], Value::Null);
    assert_eq!(m["in_transit"], false);
    assert_eq!(m["displaced_by"], Value::Null);
    assert!(m["source"].as_str().is_some_and(|t| t.contains("EO 14228")));
    // The rows behind it, in the measures format's columns.
    assert_eq!(m["entry"]["rate_kind"], "additional");
    assert_eq!(m["entry"]["base"], "full_value");
    assert_eq!(m["entry"]["table"], "bundled measures-enacted.csv");
    assert!(m["entry"]["line"].is_u64());
    assert_eq!(m["applied"], m["entry"]);
    assert_eq!(v["measures"].as_array().map(Vec::len), Some(1));
    assert_eq!(v["mpf"]["amount"], "2.62");
    assert_eq!(v["mpf"]["outcome"], "flat");
    assert_eq!(v["mpf"]["entry"]["code"], "MPF_INFORMAL");
    assert_eq!(v["mpf"]["entry"]["rate_pct"], Value::Null);
    assert_eq!(v["hmf"]["amount"], "0.00");
    assert_eq!(v["hmf"]["outcome"], "mode_not_given");
    assert_eq!(v["hmf"]["entry"], Value::Null);
    assert_eq!(v["ieepa_duty"], "145.00");
    assert_eq!(v["total_duty"], "145.00");
    assert_eq!(v["total_fees"], "2.62");
    assert_eq!(v["landed_cost"], "247.62");
    assert_eq!(v["effective_duty_rate_pct"], "145");

    // Canada, USMCA goods: the fentanyl duty's in-lieu row charges nothing, and the MPF is
    // exempt, with the exemption's row.
    let s = Shipment::new(code("CA"), dec("5000"))
        .entry_date(date("2025-09-01"))
        .usmca(true);
    let c = RateTable::enacted().landed_cost(&s).unwrap();
    let v = serde_json::to_value(&c).unwrap();
    let m = &v["measures"][0];
    assert_eq!(m["amount"], "0.00");
    assert_eq!(m["condition"], "usmca=yes");
    assert_eq!(m["exclusion"], "usmca=yes");
    assert_eq!(m["entry"]["rate_kind"], "in_lieu");
    assert_eq!(m["entry"]["condition"], "usmca=yes");
    assert_eq!(v["reciprocal"]["exemption"], "not_subject");
    assert_eq!(v["reciprocal"]["basis"], "not_subject");
    assert_eq!(
        v["reciprocal"]["partner_rate"]["status"]["kind"],
        "not_subject"
    );
    assert_eq!(v["mpf"]["outcome"], "exempt");
    assert_eq!(v["mpf"]["amount"], "0.00");
    assert_eq!(v["mpf"]["exemption_entry"]["applies_to"], "usmca");
    assert_eq!(v["mpf"]["exemption_entry"]["code"], "CA");
    assert_eq!(v["mpf"]["exemption"], v["mpf"]["exemption_entry"]["name"]);
    assert_eq!(
        v["mpf"]["exemption_source"],
        v["mpf"]["exemption_entry"]["source"]
    );
    // The trace: each row considered, by table and line, with its verdict in words.
    let trace = RateTable::enacted().explain(&s).unwrap();
    let t = serde_json::to_value(&trace).unwrap();
    let chosen: Vec<&Value> = t
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["verdict"] == "applies")
        .collect();
    assert_eq!(chosen.len(), 1);
    assert_eq!(chosen[0]["measure"], "ieepa_fentanyl");
    assert_eq!(chosen[0]["table"], "bundled measures-enacted.csv");
    assert_eq!(chosen[0]["line"], m["entry"]["line"]);
}

#[test]
fn exemptions_rates_and_rows_as_json() {
    let t = RateTable::bundled();
    let kz = t
        .rates()
        .find(|r| r.code() == Some(code("KZ")) && r.rate_pct() == Some(dec("27")));
    let v = serde_json::to_value(kz.unwrap()).unwrap();
    assert_eq!(v["code"], "KZ");
    assert_eq!(v["name"], "Kazakhstan");
    assert_eq!(v["rate_pct"], "27");
    assert_eq!(v["basis"], "annex1");
    assert_eq!(v["effective_from"], "2025-04-09");
    assert_eq!(v["effective_to"], Value::Null);
    assert!(v["line"].is_u64());
    let star = t.rates().find(|r| r.code().is_none()).unwrap();
    assert_eq!(serde_json::to_value(star).unwrap()["code"], "*");
    // An exemption of each kind names itself, its code and category, and its row.
    let s = Shipment::new(code("KZ"), dec("100")).hts("2709.00.20".parse().unwrap());
    let c = t.landed_cost(&s).unwrap();
    let e = serde_json::to_value(c.reciprocal.exemption.unwrap()).unwrap();
    assert_eq!(e["kind"], "annex2");
    assert_eq!(e["code"], "2709.00.20");
    assert_eq!(e["category"], "energy");
    assert_eq!(e["entry"]["name"].as_str().map(str::is_empty), Some(false));
    assert_eq!(e["first_from"], Value::Null);
    let c = t.landed_cost(&s.clone().section232(true)).unwrap();
    let e = serde_json::to_value(c.reciprocal.exemption.unwrap()).unwrap();
    assert_eq!(
        e,
        json!({"kind": "section232", "code": null, "category": null, "entry": null,
               "first_from": null})
    );
    let c = t
        .landed_cost(&Shipment::new(code("KZ"), dec("100")).entry_date(date("2025-01-01")))
        .unwrap();
    let e = serde_json::to_value(c.reciprocal.exemption.unwrap()).unwrap();
    assert_eq!(e["kind"], "not_in_force");
    assert_eq!(e["first_from"], "2025-04-05");
    assert_eq!(
        serde_json::to_value(c.reciprocal.partner_rate.status).unwrap(),
        json!({"kind": "not_in_force", "first_from": "2025-04-05"})
    );
    // Fee and exemption rows, in the table's columns.
    let mpf = t
        .fees()
        .iter()
        .find(|f| f.kind().as_str() == "MPF")
        .unwrap();
    let v = serde_json::to_value(mpf).unwrap();
    assert_eq!(v["code"], "MPF");
    assert_eq!(v["rate_pct"], "0.3464");
    assert!(v["min_usd"].as_str().is_some_and(|m| m.contains('.')));
    let x = t.mpf_exemptions().first().unwrap();
    let v = serde_json::to_value(x).unwrap();
    assert_eq!(v["code"], x.code().as_str());
    assert_eq!(v["applies_to"], x.applies_to().as_str());
    // A measure row: the measures format's columns, blanks null.
    let row = RateTable::enacted().measures().rows().first().unwrap();
    let v = serde_json::to_value(row).unwrap();
    let columns = tariffs::measure::MEASURE_COLUMNS;
    for (column, value) in columns.iter().zip(row.record()) {
        if value.is_empty() {
            assert_eq!(v[column], Value::Null, "{column}");
        } else {
            assert_eq!(v[column], value.as_str(), "{column}");
        }
    }
    assert_eq!(v["table"], row.position().0);
    assert_eq!(v["line"], row.position().1);
    assert_eq!(v.as_object().map(|o| o.len()), Some(columns.len() + 2));
}

#[test]
fn baskets_batches_and_the_formula_as_json() {
    let line = |hts: &str, v: &str| BasketLine {
        goods: if hts.is_empty() {
            Goods::Unspecified
        } else {
            Goods::Hts(hts.parse().unwrap())
        },
        value: dec(v),
    };
    let lines = [
        line("2709.00.20", "500"),
        line("2844.10.20", "200"),
        line("7106.91.10", "120"),
        line("7202.41.00", "100"),
        line("", "80"),
    ];
    let t = RateTable::bundled();
    let r = t.exempt_share(code("KZ"), None, &lines).unwrap();
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["total_value"], "1000.00");
    assert_eq!(v["exempt_value"], "920.00");
    assert_eq!(v["exempt_share"], "0.92");
    assert_eq!(v["dutiable_value"], "80.00");
    assert_eq!(v["reciprocal_rate_pct"], "27");
    assert_eq!(v["reciprocal_duty"], "21.60");
    assert_eq!(v["effective_rate_pct"], "2.16");
    assert_eq!(
        v["by_category"],
        json!([
            {"category": "energy", "value": "500.00", "share": "0.5"},
            {"category": "critical_minerals", "value": "300.00", "share": "0.3"},
            {"category": "bullion", "value": "120.00", "share": "0.12"},
        ])
    );
    assert_eq!(v["partner_rate"]["partner"]["code"], "KZ");
    assert_eq!(v["partner_rate"]["date"], "2025-04-09");
    // A basket being filled: its lines and its report so far.
    let mut b = t.basket(code("KZ"), None).unwrap();
    for l in &lines {
        b.add(l).unwrap();
    }
    let bv = serde_json::to_value(&b).unwrap();
    assert_eq!(bv["lines"], 5);
    let mut without = bv.clone();
    without.as_object_mut().unwrap().remove("lines");
    assert_eq!(without, v);

    // A batch's summary: counts as numbers, sums as money, the measures by name.
    let input = "id,origin,value,date\na,CN,1000,2025-04-10\nb,CN,2000,2025-04-10\nc,XX,1,\n";
    let mut out = Vec::new();
    let mut ignore = |_: &tariffs::batch::RowError| -> std::io::Result<()> { Ok(()) };
    let summary = tariffs::batch::price_csv(
        RateTable::enacted(),
        input.as_bytes(),
        &mut out,
        &mut ignore,
        false,
    )
    .unwrap();
    let v = serde_json::to_value(&summary).unwrap();
    assert_eq!(v["rows_read"], 3);
    assert_eq!(v["priced"], 2);
    assert_eq!(v["rejected"], 1);
    assert_eq!(v["total_value"], "3000.00");
    assert_eq!(v["total_reciprocal"], "3750.00");
    assert_eq!(v["total_measures"], json!({"ieepa_fentanyl": "600.00"}));
    assert_eq!(v["total_ieepa"], "4350.00");
    assert_eq!(v["stopped"], false);
    assert_eq!(
        v["total_landed"],
        to_json(&summary.total_landed).replace('"', "").as_str()
    );

    // The formula: the inputs as given, the rates as percentages.
    let f = tariffs::rate_from_trade(dec("438947400000"), dec("143545700000")).unwrap();
    assert_eq!(
        serde_json::to_value(f).unwrap(),
        json!({
            "imports": "438947400000",
            "exports": "143545700000",
            "deficit_ratio_pct": "67.2977",
            "charged_pct": "67",
            "reciprocal_pct": "34",
            "reciprocal_exact_half_pct": "34",
        })
    );
}

#[test]
fn the_other_keyword_enums() {
    for k in RateKind::ALL {
        round_trips(k).unwrap();
    }
    for b in Base::ALL {
        round_trips(b).unwrap();
    }
    for c in Confidence::ALL {
        round_trips(c).unwrap();
    }
    assert_eq!(to_json(&Confidence::Unstated), "\"\"");
    // The table format's keywords are exact.
    assert!(serde_json::from_str::<RateKind>("\"In_Lieu\"").is_err());
    for o in FeeOutcome::ALL {
        round_trips(o).unwrap();
    }
    assert_eq!(
        to_json(&FeeOutcome::CappedAtMaximum),
        "\"capped_at_maximum\""
    );
    for t in EntryType::ALL {
        round_trips(t).unwrap();
    }
    for k in Section232::ALL {
        round_trips(k).unwrap();
    }
}

// -------------------------------------------------------------------------------------------
// No amount is ever a JSON number

const ORIGINS: [&str; 14] = [
    "KZ", "CN", "VN", "DE", "EU", "HK", "CA", "MX", "RU", "BR", "IN", "CH", "JP", "BF",
];

/// The only keys whose values may be numbers: line numbers and counts, never money.
const NUMBER_KEYS: [&str; 2] = ["line", "from_line"];

/// Keys whose string values are money (two decimals) wherever they appear.
const MONEY_KEYS: [&str; 14] = [
    "customs_value",
    "dutiable_value",
    "base",
    "amount",
    "freight",
    "insurance",
    "ieepa_duty",
    "total_duty",
    "total_fees",
    "landed_cost",
    "min_usd",
    "max_usd",
    "flat_usd",
    "value",
];

/// Every number in `v` is a line number; every money field is a string with two decimals,
/// and every other decimal field a plain decimal string.
fn no_number_for_money(v: &Value, key: &str) -> Result<(), TestCaseError> {
    match v {
        Value::Number(n) => {
            prop_assert!(
                NUMBER_KEYS.contains(&key) && n.is_u64(),
                "{key}: {n} is a number"
            );
        }
        Value::String(s) if MONEY_KEYS.contains(&key) => {
            let (int, frac) = s.split_once('.').unwrap_or((s, ""));
            prop_assert!(
                frac.len() == 2
                    && frac.bytes().all(|b| b.is_ascii_digit())
                    && !int.is_empty()
                    && int
                        .trim_start_matches('-')
                        .bytes()
                        .all(|b| b.is_ascii_digit()),
                "{key}: {s:?} is not money"
            );
        }
        Value::String(s) if key.ends_with("_pct") || key == "share" => {
            prop_assert!(Decimal::from_str_exact(s).is_ok(), "{key}: {s:?}");
            prop_assert!(
                !s.contains('.') || !s.ends_with('0'),
                "{key}: {s:?} has trailing zeros"
            );
        }
        Value::Array(items) => {
            for item in items {
                no_number_for_money(item, key)?;
            }
        }
        Value::Object(map) => {
            // A measure row's `base` is its column of the measures format, a keyword.
            let measure_row = map.contains_key("rate_kind");
            for (k, item) in map {
                if measure_row && k == "base" {
                    prop_assert!(item.is_string(), "{k}: {item}");
                    continue;
                }
                no_number_for_money(item, k)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn any_shipment() -> impl Strategy<Value = Shipment> {
    (
        (
            0..ORIGINS.len(),
            0i64..=100_000_000_000_000,
            0i64..=100_000,
            0i64..=1_000_000,
        ),
        (
            prop_oneof![
                Just(Goods::Unspecified),
                "[0-9]{4}|[0-9]{6}|[0-9]{8}|[0-9]{10}".prop_map(|d| Goods::Hts(d.parse().unwrap())),
                proptest::sample::select(Category::ALL.to_vec()).prop_map(Goods::Category),
            ],
            proptest::option::of(proptest::sample::select(TransportMode::ALL.to_vec())),
            proptest::option::of(
                (2025u16..=2026, 1u8..=12, 1u8..=28)
                    .prop_map(|(y, m, d)| Date::new(y, m, d).unwrap()),
            ),
            0i64..=100,
            proptest::option::of(proptest::sample::select(Section232::ALL.to_vec())),
            any::<[bool; 4]>(),
        ),
    )
        .prop_map(
            |((o, cents, mfn, freight), (goods, mode, date, us, s232, [usmca, tr, en, po]))| {
                let mut s = Shipment::new(code(ORIGINS[o]), Decimal::new(cents, 2))
                    .mfn_pct(Decimal::new(mfn, 2))
                    .freight(Decimal::new(freight, 3))
                    .us_content(Decimal::new(us, 2))
                    .usmca(usmca)
                    .transshipped(tr);
                s.goods = goods;
                s.mode = mode;
                s.entry_date = date;
                s.section232 = s232;
                s.energy = en;
                s.potash = po;
                s
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever the shipment, its landed cost's JSON has no number but line numbers, money
    /// with two decimals, and each figure as the struct holds it.
    #[test]
    fn a_landed_cost_never_writes_money_as_a_number(s in any_shipment(), enacted in any::<bool>()) {
        let table = if enacted { RateTable::enacted() } else { RateTable::bundled() };
        let Ok(c) = table.landed_cost(&s) else { return Ok(()) };
        let v = serde_json::to_value(&c).unwrap();
        no_number_for_money(&v, "")?;
        for (key, amount) in [
            ("customs_value", c.customs_value),
            ("total_duty", c.total_duty),
            ("total_fees", c.total_fees),
            ("landed_cost", c.landed_cost),
            ("ieepa_duty", c.ieepa_duty),
        ] {
            prop_assert_eq!(v[key].as_str().map(dec), Some(amount), "{}", key);
        }
        prop_assert_eq!(v["reciprocal"]["amount"].as_str().map(dec), Some(c.reciprocal.charge.amount));
        prop_assert_eq!(
            v["effective_duty_rate_pct"].as_str().map(dec),
            Some(c.effective_duty_rate_pct)
        );
        prop_assert_eq!(v["measures"].as_array().map(Vec::len), Some(c.measures.len()));
        for (m, j) in c.measures.iter().zip(v["measures"].as_array().into_iter().flatten()) {
            prop_assert_eq!(j["measure"].as_str(), Some(m.name));
            prop_assert_eq!(j["amount"].as_str().map(dec), Some(m.charge.amount));
        }
    }

    /// Any shipment reads back from its JSON as itself.
    #[test]
    fn shipments_round_trip(s in any_shipment(), facts in proptest::collection::vec("[a-z_]{1,6}=[a-z0-9.]{1,6}", 0..3)) {
        let mut s = s;
        for f in &facts {
            s = s.fact(f);
        }
        let back: Shipment = serde_json::from_str(&to_json(&s)).unwrap();
        prop_assert_eq!(back, s);
    }
}
