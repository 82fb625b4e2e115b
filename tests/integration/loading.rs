//! Loading a user's table: errors name the file, line, column and value.

use tariffs::{LoadErrorKind, RateTable};

const HEADER: &str = "kind,code,name,rate_pct,charged_pct,chart_pct,basis,rate_of,category,min_usd,max_usd,effective_from,effective_to,source,note\n";

fn load(rows: &str) -> Result<RateTable, tariffs::LoadError> {
    RateTable::parse(&format!("{HEADER}{rows}"), "user.csv")
}

fn err(rows: &str) -> tariffs::LoadError {
    load(rows)
        .err()
        .unwrap_or_else(|| panic!("expected an error for {rows:?}"))
}

#[test]
fn a_minimal_table_loads() {
    let t =
        load("rate,KZ,Kazakhstan,27,,,annex1,,,,,2025-04-09,,EO 14257 Annex I,\n").expect("loads");
    assert_eq!(t.partners().count(), 1);
    assert_eq!(t.origin(), "user.csv");
}

#[test]
fn positions_and_values() {
    let e = err("rate,KZ,Kazakhstan,2x,,,annex1,,,,,2025-04-09,,src,\n");
    assert_eq!(
        (e.line(), e.column(), e.value()),
        (2, Some("rate_pct"), Some("2x"))
    );
    assert_eq!(
        e.to_string(),
        "user.csv: line 2, column rate_pct: \"2x\": not a decimal number"
    );

    let e = err(
        "rate,KZ,K,27,,,annex1,,,,,2025-04-09,,src,\nrate,KZZ,K,27,,,annex1,,,,,2025-04-09,,src,\n",
    );
    assert_eq!(
        (e.line(), e.column(), e.value()),
        (3, Some("code"), Some("KZZ"))
    );

    let e = err("rate,KZ,K,27,,,annex1,,,,,2025-13-09,,src,\n");
    assert_eq!(
        (e.column(), e.value()),
        (Some("effective_from"), Some("2025-13-09"))
    );

    let e = err("exempt,2709.0.20,crude,,,,annex2,,energy,,,2025-04-05,,src,\n");
    assert_eq!((e.column(), e.value()), (Some("code"), Some("2709.0.20")));

    let e = err("exempt,2709.00.20,crude,,,,annex2,,steel,,,2025-04-05,,src,\n");
    assert_eq!((e.column(), e.value()), (Some("category"), Some("steel")));
    assert!(e.to_string().contains("unknown category"), "{e}");

    let e = err("rate,KZ,K,250,,,annex1,,,,,2025-04-09,,src,\n");
    assert!(
        e.to_string().contains("outside the sane range 0 to 200"),
        "{e}"
    );
    let e = err("rate,KZ,K,-1,,,annex1,,,,,2025-04-09,,src,\n");
    assert_eq!(e.column(), Some("rate_pct"));

    let e = err("rate,KZ,K,27,,,annex1,,,,,2025-04-09,,,\n");
    assert_eq!(e.column(), Some("source"), "every row needs its source");

    let e = err("rate,KZ,K,27,,,annex1,,,,,2025-04-09,2025-04-09,src,\n");
    assert_eq!(e.column(), Some("effective_to"));

    let e = err("colour,KZ,K,27,,,annex1,,,,,2025-04-09,,src,\n");
    assert_eq!(e.column(), Some("kind"));

    let e = err("rate,DE,Germany,,,,eu_member,EU,,,,2025-04-05,,src,\n");
    assert_eq!(
        (e.column(), e.value()),
        (Some("rate_of"), Some("EU")),
        "{e}"
    );

    let e = err("rate,DE,Germany,20,,,eu_member,EU,,,,2025-04-05,,src,\n");
    assert_eq!(
        e.column(),
        Some("rate_pct"),
        "a member row takes the EU's rate"
    );

    let e = err("fee,MPF,mpf,0.3464,,,,,,700,600,2024-10-01,,src,\n");
    assert_eq!(e.column(), Some("max_usd"));
}

#[test]
fn duplicates_and_overlaps() {
    let e = err(concat!(
        "rate,KZ,K,10,,,baseline,,,,,2025-04-05,2025-04-09,src,\n",
        "rate,KZ,K,27,,,annex1,,,,,2025-04-05,,src,\n",
    ));
    assert_eq!(e.kind(), &LoadErrorKind::Duplicate { first_line: 2 });
    assert_eq!(e.line(), 3);

    let e = err(concat!(
        "rate,KZ,K,10,,,baseline,,,,,2025-04-05,2025-04-10,src,\n",
        "rate,CN,China,34,,,annex1,,,,,2025-04-09,,src,\n",
        "rate,KZ,K,27,,,annex1,,,,,2025-04-09,,src,\n",
    ));
    assert_eq!(e.kind(), &LoadErrorKind::Overlap { other_line: 2 });
    assert_eq!(e.line(), 4);
    assert!(
        e.to_string().contains("dates overlap the row on line 2"),
        "{e}"
    );

    let e = err(concat!(
        "exempt,2709.00.20,crude,,,,annex2,,energy,,,2025-04-05,,src,\n",
        "exempt,27090020,crude again,,,,annex2,,energy,,,2025-04-05,,src,\n",
    ));
    assert_eq!(e.kind(), &LoadErrorKind::Duplicate { first_line: 2 });

    // Consecutive periods and nested codes are fine.
    load(concat!(
        "rate,KZ,K,10,,,baseline,,,,,2025-04-05,2025-04-09,src,\n",
        "rate,KZ,K,27,,,annex1,,,,,2025-04-09,,src,\n",
        "exempt,8542,ICs,,,,memo,,semiconductors,,,2025-04-05,,src,\n",
        "exempt,8542.31.00,processors,,,,annex2,,semiconductors,,,2025-04-05,,src,\n",
    ))
    .expect("loads");
}

#[test]
fn header_problems() {
    let e = RateTable::parse("kind,code\nrate,KZ\n", "x.csv").expect_err("error");
    assert_eq!(e.kind(), &LoadErrorKind::MissingColumn);
    assert_eq!(e.column(), Some("rate_pct"));
    // Unknown columns are ignored, order does not matter.
    let t = RateTable::parse(
        "source,effective_from,basis,rate_pct,code,kind,my_notes\nEO,2025-04-09,annex1,27,KZ,rate,hello\n",
        "x.csv",
    )
    .expect("loads");
    assert_eq!(t.partners().count(), 1);
    // A ragged row is a CSV error with its line.
    let e = err("rate,KZ\n");
    assert!(matches!(e.kind(), LoadErrorKind::Csv(_)));
    assert_eq!(e.line(), 2);
}

#[test]
fn from_path_and_reader() {
    let e = RateTable::from_path("/nonexistent/tariffs.csv").expect_err("error");
    assert!(matches!(e.kind(), LoadErrorKind::Io(_)));
    assert!(e.to_string().starts_with("/nonexistent/tariffs.csv"), "{e}");
    let t = RateTable::from_reader(tariffs::BUNDLED_CSV.as_bytes()).expect("loads");
    assert_eq!(
        t.exemptions().len(),
        RateTable::bundled().exemptions().len()
    );
}

/// The bundled tables written again with every field quoted, CRLF line ends and a byte-order
/// mark load to the same rows (the loader splits records by hand; this pins it to the csv
/// crate's reading of quoted text).
#[test]
fn quoted_crlf_tables_load_the_same_rows() {
    for (text, name) in [
        (tariffs::BUNDLED_CSV, "bundled"),
        (tariffs::ENACTED_CSV, "enacted"),
    ] {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes());
        let mut wtr = csv::WriterBuilder::new()
            .quote_style(csv::QuoteStyle::Always)
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        for rec in rdr.records() {
            wtr.write_record(&rec.expect("record")).expect("write");
        }
        let quoted = String::from_utf8(wtr.into_inner().expect("flush")).expect("utf-8");
        let quoted = format!("\u{feff}{quoted}");
        let a = RateTable::parse(text, name).expect("loads");
        let b = RateTable::parse(&quoted, name).expect("quoted loads");
        assert_eq!(a.rates().collect::<Vec<_>>(), b.rates().collect::<Vec<_>>());
        assert_eq!(a.exemptions(), b.exemptions());
        assert_eq!(a.fees(), b.fees());
        assert_eq!(a.measures(), b.measures());
    }
}

#[test]
fn ragged_rows_name_their_field_counts() {
    let e = err("rate,KZ\n");
    assert_eq!(
        e.to_string(),
        "user.csv: line 2: malformed CSV: found a record with 2 fields, but the header has 15 fields"
    );
}
