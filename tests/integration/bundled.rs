//! The bundled table: it parses, its counts and announced figures are right, and (where the
//! sourced data is beside the repository, as in CI) it agrees with the source files.

use std::collections::{BTreeMap, HashMap, HashSet};

use rust_decimal::Decimal;
use tariffs::{Basis, Category, Date, ExemptBasis, RateStatus, RateTable};

use crate::dec;

fn d(s: &str) -> Date {
    s.parse().expect("date")
}

#[test]
fn bundled_table_parses() {
    let t = RateTable::parse(tariffs::BUNDLED_CSV, "tariffs.csv").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(t.reference_date(), Some(d("2025-04-09")));
    assert!(
        std::ptr::eq(RateTable::bundled(), RateTable::bundled()),
        "parsed once"
    );
}

#[test]
fn counts() {
    let t = RateTable::bundled();
    let partners_with = |basis: Basis| -> HashSet<String> {
        t.rates()
            .filter(|r| r.basis() == basis)
            .filter_map(|r| r.code().map(|c| c.to_string()))
            .collect()
    };
    assert_eq!(
        partners_with(Basis::AnnexI).len(),
        57,
        "Annex I entries (56 countries + EU)"
    );
    assert_eq!(partners_with(Basis::EuMember).len(), 27, "EU member states");
    assert_eq!(
        partners_with(Basis::ChinaSar),
        HashSet::from(["HK".to_string(), "MO".to_string()])
    );
    let not_subject = partners_with(Basis::NotSubject);
    assert_eq!(not_subject.len(), 6);
    // Chart rows: every partner with a chart figure (185, the EU included).
    let chart: HashSet<_> = t
        .rates()
        .filter(|r| r.chart_pct().is_some())
        .filter_map(|r| r.code())
        .collect();
    assert_eq!(chart.len(), 185);
    // ... the EU members, Hong Kong and Macau, the six not subject, and the four insular
    // possessions (Puerto Rico, in the customs territory, is no partner).
    assert_eq!(t.partners().count(), 185 + 27 + 2 + 6 + 4);

    let annex2 = t
        .exemptions()
        .iter()
        .filter(|e| e.basis() == ExemptBasis::AnnexII)
        .count();
    assert_eq!(annex2, 1039, "Annex II lines");
    let memo: Vec<String> = t
        .exemptions()
        .iter()
        .filter(|e| e.basis() == ExemptBasis::Memo)
        .map(|e| e.code().to_string())
        .collect();
    // The 11 April memo's codes not already in Annex II (its eleven 8541 lines are).
    assert_eq!(
        memo,
        [
            "8471",
            "8473.30",
            "8486",
            "8517.13.00",
            "8517.62.00",
            "8523.51.00",
            "8524",
            "8528.52.00",
            "8542"
        ]
    );
    // Annex II by category, as counted in sources/SOURCES-annex2.md.
    let mut by_cat: BTreeMap<Category, usize> = BTreeMap::new();
    for e in t
        .exemptions()
        .iter()
        .filter(|e| e.basis() == ExemptBasis::AnnexII)
    {
        *by_cat.entry(e.category()).or_default() += 1;
    }
    let expected = [
        (Category::Pharmaceuticals, 421),
        (Category::CriticalMinerals, 188),
        (Category::Lumber, 170),
        (Category::Copper, 95),
        (Category::Energy, 76),
        (Category::Other, 60),
        (Category::Semiconductors, 17),
        (Category::Bullion, 12),
    ];
    for (c, n) in expected {
        assert_eq!(by_cat.get(&c), Some(&n), "{c}");
    }
    // Every row carries its legal source.
    assert!(t.rates().all(|r| !r.source().is_empty()));
    assert!(t.exemptions().iter().all(|e| !e.source().is_empty()));
    assert!(t.fees().iter().all(|f| !f.source().is_empty()));
}

#[test]
fn announced_figures() {
    let t = RateTable::bundled();
    let check = |name: &str, rate: &str, charged: Option<&str>| {
        let p = t.partner(name).unwrap_or_else(|e| panic!("{e}"));
        let r = t.reciprocal(p.code(), None).expect("rate");
        match r.status {
            RateStatus::Applies {
                rate_pct,
                rate_entry,
                ..
            } => {
                assert_eq!(rate_pct, dec(rate), "{name}");
                assert_eq!(rate_entry.charged_pct(), charged.map(dec), "{name} charged");
            }
            other => panic!("{name}: expected a rate, got {other:?}"),
        }
    };
    check("Kazakhstan", "27", Some("54"));
    check("China", "34", Some("67"));
    check("European Union", "20", Some("39"));
    check("Vietnam", "46", Some("90"));
    check("Cambodia", "49", Some("97"));
    check("Laos", "48", Some("95"));
    check("Switzerland", "31", Some("61"));
    check("Israel", "17", Some("33"));
    for name in [
        "Uzbekistan",
        "Turkmenistan",
        "Tajikistan",
        "Kyrgyzstan",
        "Ukraine",
    ] {
        check(name, "10", Some("10"));
    }
    // Members carry the EU's rate and keep their identity; HK and MO carry China's.
    check("Germany", "20", Some("39"));
    check("Hong Kong", "34", Some("67"));
    for name in [
        "Canada",
        "Mexico",
        "Russia",
        "Belarus",
        "Cuba",
        "North Korea",
    ] {
        let p = t.partner(name).expect("partner");
        let r = t.reciprocal(p.code(), None).expect("rate");
        assert!(
            matches!(r.status, RateStatus::NotSubject { .. }),
            "{name}: {r:?}"
        );
    }
    // Dates: nothing before 5 April, the baseline from 5 April, Annex I from 9 April.
    let kz = "KZ".parse().expect("code");
    let at = |s: &str| t.reciprocal(kz, Some(d(s))).expect("rate").rate_pct();
    assert_eq!(at("2025-04-04"), Decimal::ZERO);
    assert_eq!(at("2025-04-05"), dec("10"));
    assert_eq!(at("2025-04-08"), dec("10"));
    assert_eq!(at("2025-04-09"), dec("27"));
    assert_eq!(at("2026-11-27"), dec("27"));
    // Chart and law differ for three chart rows not in Annex I.
    for (code, chart) in [("PM", "50"), ("NF", "29"), ("RE", "37")] {
        let r = t
            .reciprocal(code.parse().expect("code"), None)
            .expect("rate");
        assert_eq!(r.rate_pct(), dec("10"), "{code}");
        match r.status {
            RateStatus::Applies { entry, .. } => assert_eq!(entry.chart_pct(), Some(dec(chart))),
            other => panic!("{other:?}"),
        }
    }
}

/// Where `../shared/data` is beside the repository (it is in CI), the bundled table must
/// agree with it row for row: the committed table cannot drift from its sources.
#[test]
fn agrees_with_sourced_data() {
    let Some(dir) = crate::shared_data("agrees_with_sourced_data") else {
        return;
    };
    let mut rdr =
        csv::Reader::from_path(dir.join("reciprocal_2025-04-02.csv")).expect("sourced file");
    let t = RateTable::bundled();
    let mut n = 0;
    for row in rdr.deserialize::<HashMap<String, String>>() {
        let row = row.expect("row");
        let code = row["iso2"].parse().expect("code");
        let r = t.reciprocal(code, None).expect("listed");
        assert!(r.partner.listed(), "{code}");
        match row["group"].as_str() {
            "not_subject" => assert!(matches!(r.status, RateStatus::NotSubject { .. }), "{code}"),
            _ => assert_eq!(r.rate_pct(), dec(&row["applied_pct"]), "{code}"),
        }
        if let RateStatus::Applies { entry, .. } = r.status {
            let opt = |k: &str| (!row[k].is_empty()).then(|| dec(&row[k]));
            assert_eq!(entry.charged_pct(), opt("charged_pct"), "{code} charged");
            assert_eq!(entry.chart_pct(), opt("chart_pct"), "{code} chart");
        }
        n += 1;
    }
    assert_eq!(n, 220);
    let mut rdr = csv::Reader::from_path(dir.join("annex2_2025-04-02.csv")).expect("annex2");
    let mut lines = 0;
    for row in rdr.deserialize::<HashMap<String, String>>() {
        let row = row.expect("row");
        let code = row["hts8"].parse().expect("hts");
        let e = t
            .exemption(code, None)
            .expect("lookup")
            .unwrap_or_else(|| panic!("{code} exempt"));
        assert_eq!(e.code(), code);
        assert_eq!(e.category().as_str(), row["category"], "{code}");
        lines += 1;
    }
    assert_eq!(lines, 1039);
}

/// The committed tables are what `scripts/build_table.py` makes of the sourced data, byte
/// for byte: a table edited by hand, or sourced data that moved on, fails here.
#[test]
fn the_script_rebuilds_the_committed_tables() {
    let Some(dir) = crate::shared_data("the_script_rebuilds_the_committed_tables") else {
        return;
    };
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let out = std::env::temp_dir().join(format!("tariffs-rebuild-{}", std::process::id()));
    std::fs::create_dir_all(&out).expect("temporary directory");
    let status = std::process::Command::new("python3")
        .arg(root.join("scripts/build_table.py"))
        .arg(&dir)
        .arg(format!("--out={}", out.display()))
        .status()
        .expect("python3 runs the table script (CI installs it)");
    assert!(status.success(), "scripts/build_table.py failed");
    for file in [
        "tariffs.csv",
        "tariffs-enacted.csv",
        "measures-enacted.csv",
        "tests/data/trade_2024.csv",
    ] {
        let built = std::fs::read(out.join(file)).expect("built table");
        let committed = std::fs::read(root.join(file)).expect("committed table");
        assert!(
            built == committed,
            "{file} differs from what scripts/build_table.py builds from {}: rebuild it",
            dir.display()
        );
    }
    let _ = std::fs::remove_dir_all(&out);
}
