//! Partner and HTS lookups on the bundled table.

use tariffs::{Error, HtsCode, RateTable};

fn code(q: &str) -> String {
    RateTable::bundled()
        .partner(q)
        .unwrap_or_else(|e| panic!("{q}: {e}"))
        .code()
        .to_string()
}

#[test]
fn partners_by_code_name_and_alias() {
    for (q, c) in [
        ("VN", "VN"),
        ("vn", "VN"),
        ("VNM", "VN"),
        ("Viet Nam", "VN"),
        ("VIETNAM", "VN"),
        ("South Korea", "KR"),
        ("Korea, Republic of", "KR"),
        ("KOR", "KR"),
        ("UK", "GB"),
        ("United Kingdom", "GB"),
        ("Türkiye", "TR"),
        ("turkiye", "TR"),
        ("Turkey", "TR"),
        ("Côte d'Ivoire", "CI"),
        ("Myanmar (Burma)", "MM"),
        ("Burma", "MM"),
        ("European Union", "EU"),
        ("Macao", "MO"),
        ("Macau", "MO"),
        ("Germany", "DE"),
        ("DEU", "DE"),
        ("Russian Federation", "RU"),
        ("Falkland Islands (Malvinas)", "FK"),
        ("Kosovo", "XK"),
        ("  kazakhstan  ", "KZ"),
    ] {
        assert_eq!(code(q), c, "{q}");
    }
}

#[test]
fn unlisted_iso_partner_falls_under_the_baseline_row() {
    let t = RateTable::bundled();
    let p = t.partner("Burkina Faso").expect("ISO country");
    assert!(!p.listed());
    let r = t.reciprocal(p.code(), None).expect("rate");
    assert_eq!(r.rate_pct().to_string(), "10");
}

#[test]
fn unknown_partners_suggest() {
    let t = RateTable::bundled();
    match t.partner("Kazakstan") {
        Err(Error::UnknownPartner { suggestions, .. }) => {
            assert_eq!(
                suggestions.first().map(String::as_str),
                Some("Kazakhstan (KZ)")
            );
        }
        other => panic!("{other:?}"),
    }
    match t.partner("Korea") {
        Err(Error::UnknownPartner { suggestions, .. }) => {
            assert!(
                suggestions.iter().any(|s| s.ends_with("(KR)")),
                "{suggestions:?}"
            );
            assert!(
                suggestions.iter().any(|s| s.ends_with("(KP)")),
                "{suggestions:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(t.partner("ZZ"), Err(Error::UnknownPartner { .. })));
    assert!(matches!(
        t.partner("United States"),
        Err(Error::DomesticOrigin { .. })
    ));
    assert!(matches!(
        t.partner("usa"),
        Err(Error::DomesticOrigin { .. })
    ));
    assert!(matches!(t.partner(""), Err(Error::UnknownPartner { .. })));
}

#[test]
fn hts_forms_and_longest_prefix() {
    let t = RateTable::bundled();
    let ex = |s: &str| t.exemption(s.parse::<HtsCode>().expect("code"), None);
    for s in ["2709.00.20", "27090020", "2709.00.2000", "2709.0020"] {
        let e = ex(s).expect("lookup").expect("exempt");
        assert_eq!(e.code().to_string(), "2709.00.20", "{s}");
    }
    // 8542.31.00 is an Annex II line and also under the memo's 8542: the longer code wins.
    let e = ex("8542.31.00.01").expect("lookup").expect("exempt");
    assert_eq!(e.code().to_string(), "8542.31.00");
    assert_eq!(e.basis(), tariffs::ExemptBasis::AnnexII);
    // Laptops (8471.30.01) have no Annex II line: the memo's heading 8471 covers them.
    let e = ex("8471.30.0100").expect("lookup").expect("exempt");
    assert_eq!(e.code().to_string(), "8471");
    assert_eq!(e.basis(), tariffs::ExemptBasis::Memo);
    // A heading only partly listed is ambiguous; a line not listed is not exempt.
    assert!(matches!(
        ex("2844"),
        Err(Error::AmbiguousHts { lines: 6, .. })
    ));
    assert!(ex("6109.10.00").expect("lookup").is_none());
    assert!(ex("6109").expect("lookup").is_none());
    // Before the exemptions took effect nothing is exempt.
    let before = t.exemption(
        "2709.00.20".parse().expect("code"),
        Some("2025-04-04".parse().expect("date")),
    );
    assert_eq!(before, Ok(None));
}

#[test]
fn malformed_codes_are_errors() {
    for s in ["27", "2709.0", "abcd", "2709-00-20", "270900201234"] {
        assert!(
            matches!(s.parse::<HtsCode>(), Err(Error::InvalidHts { .. })),
            "{s}"
        );
    }
}
