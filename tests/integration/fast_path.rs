//! The batch's fast path (integer cents, treatments per span of dates, the plain-CSV
//! splitter, the positional row writer, worker threads) gives the same output, the same
//! rejected rows and the same totals as pricing each row through the public single-shipment
//! API and writing it with the csv crate.

#[path = "../../benches/support/shipments.rs"]
pub mod shipments;

use std::collections::HashMap;

use proptest::prelude::*;
use rust_decimal::Decimal;
use tariffs::batch::{
    output_record, price_csv_threaded, price_fields, BatchSummary, ColumnSet, Field, Layout,
    RowError, OUTPUT_COLUMNS,
};
use tariffs::{RateTable, Schedule};

/// What one-at-a-time pricing makes of an input: the output bytes, the rejected rows and
/// the summary's counts and totals.
pub fn one_at_a_time(table: &RateTable, input: &[u8]) -> (Vec<u8>, Vec<RowError>, BatchSummary) {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(OUTPUT_COLUMNS).expect("header");
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let header = rdr.headers().expect("header").clone();
    let pos: HashMap<&str, usize> = header.iter().enumerate().map(|(i, h)| (h, i)).collect();
    let mut errors = Vec::new();
    let mut s = BatchSummary::default();
    let mut rec = csv::StringRecord::new();
    while rdr.read_record(&mut rec).expect("record") {
        s.rows_read += 1;
        let get = |f: Field| pos.get(f.name()).and_then(|&i| rec.get(i)).unwrap_or("");
        match price_fields(table, &get) {
            Ok((shipment, c)) => {
                out.write_record(output_record(get(Field::Id), &shipment, &c))
                    .expect("write");
                s.priced += 1;
                s.total_value += c.customs_value;
                s.total_duty += c.total_duty;
                s.total_fees += c.total_fees;
                s.total_landed += c.landed_cost;
                s.total_reciprocal += c.reciprocal.charge.amount;
                s.total_ieepa += c.ieepa_duty;
                s.mpf_carried += u64::from(c.mpf.carried_note().is_some());
                for d in &c.measures {
                    match s.total_measures.iter_mut().find(|(n, _)| n == d.name) {
                        Some((_, v)) => *v += d.charge.amount,
                        None => s.total_measures.push((d.name.to_string(), d.charge.amount)),
                    }
                }
            }
            Err(e) => {
                s.rejected += 1;
                errors.push(RowError {
                    line: rec.position().map(|p| p.line()).unwrap_or(0),
                    id: get(Field::Id).to_string(),
                    column: Some(e.field.name()),
                    value: e.value,
                    reason: e.reason,
                })
            }
        }
    }
    // The batch's order: the measures with columns of their own first, then by name.
    let rank = |n: &str| {
        tariffs::batch::NAMED_MEASURES
            .iter()
            .position(|(m, _)| *m == n)
            .unwrap_or(4)
    };
    s.total_measures
        .sort_by(|a, b| (rank(&a.0), &a.0).cmp(&(rank(&b.0), &b.0)));
    (out.into_inner().expect("bytes"), errors, s)
}

/// The chosen columns of a CSV text, rewritten by the csv crate.
fn select_columns(text: &[u8], set: ColumnSet) -> Vec<u8> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text);
    let mut w = csv::Writer::from_writer(Vec::new());
    for rec in rdr.records() {
        let rec = rec.expect("record");
        let kept: Vec<&str> = rec
            .iter()
            .enumerate()
            .filter(|&(i, _)| set.contains(i))
            .map(|(_, f)| f)
            .collect();
        w.write_record(&kept).expect("write");
    }
    w.into_inner().expect("bytes")
}

/// The batch path on `threads` threads.
fn batch(
    table: &RateTable,
    input: &[u8],
    threads: usize,
) -> (Vec<u8>, Vec<RowError>, BatchSummary) {
    batch_with(table, input, threads, Layout::LandedCost)
}

fn batch_with(
    table: &RateTable,
    input: &[u8],
    threads: usize,
    layout: Layout,
) -> (Vec<u8>, Vec<RowError>, BatchSummary) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut keep = |e: &RowError| -> std::io::Result<()> {
        errors.push(e.clone());
        Ok(())
    };
    let s = price_csv_threaded(table, input, &mut out, &mut keep, false, layout, threads)
        .expect("batch");
    (out, errors, s)
}

fn assert_same(table: &RateTable, input: &[u8], what: &str) {
    let (ref_out, ref_errors, r) = one_at_a_time(table, input);
    for threads in [1, 2] {
        let (out, errors, s) = batch(table, input, threads);
        assert!(
            out == ref_out,
            "{what}, threads {threads}: output differs:\n{}\n---\n{}",
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&ref_out)
        );
        assert_eq!(
            errors, ref_errors,
            "{what}, threads {threads}: rejected rows"
        );
        assert_eq!(
            (s.rows_read, s.priced, s.rejected, s.mpf_carried),
            (r.rows_read, r.priced, r.rejected, r.mpf_carried),
            "{what}, threads {threads}: counts"
        );
        assert_eq!(
            (
                s.total_value,
                s.total_duty,
                s.total_fees,
                s.total_landed,
                s.total_reciprocal,
                s.total_ieepa,
                s.total_measures.clone()
            ),
            (
                r.total_value,
                r.total_duty,
                r.total_fees,
                r.total_landed,
                r.total_reciprocal,
                r.total_ieepa,
                r.total_measures.clone()
            ),
            "{what}, threads {threads}: totals"
        );
    }
}

#[test]
fn fast_path_equals_one_at_a_time_on_generated_rows() {
    for (schedule, rows) in [(Schedule::Announced, 60_000), (Schedule::Enacted, 40_000)] {
        let table = schedule.table().expect("bundled");
        let mut input = Vec::new();
        shipments::generate(&mut input, rows, table);
        assert_same(table, &input, schedule.as_str());
        let (_, errors, _) = one_at_a_time(table, &input);
        assert!(
            errors.len() as u64 > rows / 40,
            "the unknown origins are rejected: {}",
            errors.len()
        );
    }
}

/// Field values the fast path takes (first) and values at or past its edges (second): each
/// field is drawn from the first pool four times in five, so that most rows are priced by
/// the fast path and the rest by the general one.
const ORIGINS: (&[&str], &[&str]) = (
    &[
        "CN", "DE", "EU", "HK", "CA", "MX", "RU", "BR", "IN", "CH", "JP", "KR", "KZ", "GB", "BF",
        "LI", "VN", "Viet Nam", "cn", "VNM",
    ],
    &["UK", "US", "XX", " CN", "", "Atlantis"],
);
const VALUES: (&[&str], &[&str]) = (
    &[
        "0",
        "0.01",
        "1",
        "2500",
        "2500.00",
        "2500.01",
        "12345.6",
        "9.",
        ".5",
        "651.50",
        "185000",
        "99999999999999.99",
        "3744450.87",
        // Written as given, or not (leading zeros, other decimals).
        "0.50",
        "00.50",
        "007",
        "12.50",
        "0.00",
        "1234567890123.45",
    ],
    &[
        "1000.005",
        "10000000000000",
        "-5",
        "1e3",
        "",
        "3,000",
        " 100",
    ],
);
const HTS: (&[&str], &[&str]) = (
    &[
        "",
        "2709.00.20",
        "2709.00.2010",
        "2709",
        "8471.30.01",
        "8541.10",
        "7403.11.00",
        "7407.10.50",
        "4407.11.00",
        "6109.10.00",
        "61091000",
        "9503.00.00",
        "2844.10.20",
        " 6109.10.00",
    ],
    &["2844", "2709.00.2", "abc", "8471"],
);
const MFN: (&[&str], &[&str]) = (
    &[
        "", "0", "16.5", "16.50", "17.18", "2.1234", "1000", "0.0001", "15", "14.9", "0.5", "05",
        "16.", "0.10", "00.5", "0.0", "10",
    ],
    &["2.12345", "1000.0001", "16.5%", "x"],
);
const MONEY: (&[&str], &[&str]) = (
    &[
        "", "0", "800", "12.5", "0.99", "0.00", "00.99", "12.50", "1.00", "0.5",
    ],
    &["0.001", "-1", "abc"],
);
const MODES: (&[&str], &[&str]) = (
    &["", "ocean", "Ocean", "air", "land", "vessel"],
    &["boat", " ocean"],
);
const DATES: (&[&str], &[&str]) = (
    &[
        "",
        "2025-04-04",
        "2025-04-05",
        "2025-04-08",
        "2025-04-09",
        "2025-04-10",
        "2025-05-14",
        "2025-08-06",
        "2025-08-07",
        "2025-09-30",
        "2025-10-01",
        "2025-11-13",
        "2025-11-14",
        "2026-02-20",
        "2026-02-23",
        "2026-02-24",
        "2026-07-24",
        "2026-07-25",
        // Fiscal year 2027: MPF limits carried forward from FY2026.
        "2026-10-01",
        "2027-03-15",
        "2024-12-31",
        // Beyond the years the fast path looks up directly.
        "2019-06-30",
        "2031-01-15",
    ],
    &["2025-02-30", "25-04-09", " 2025-04-09"],
);
const US_CONTENT: (&[&str], &[&str]) = (
    &["", "0", "0.1999", "0.2", "0.25", "1", "0.5"],
    &["1.5", "25%", "0.12345"],
);
const FLAGS: (&[&str], &[&str]) = (
    &["", "true", "false", "1", "0", "yes", "No"],
    &["autos", "copper", "maybe"],
);
const OPTIONAL: (&[&str], &[&str]) = (&["", "false", "0", "no"], &["true", "yes"]);
const LOADED: (&[&str], &[&str]) = (&[""], &["2025-04-01", "2025-08-01", "bad"]);

fn pick(pools: (&'static [&'static str], &'static [&'static str])) -> BoxedStrategy<&'static str> {
    prop_oneof![
        4 => proptest::sample::select(pools.0),
        1 => proptest::sample::select(pools.1),
    ]
    .boxed()
}

prop_compose! {
    fn row()(
        origin in pick(ORIGINS),
        value in pick(VALUES),
        hts in pick(HTS),
        mfn in pick(MFN),
        freight in pick(MONEY),
        insurance in pick(MONEY),
        mode in pick(MODES),
        date in pick(DATES),
        us in pick(US_CONTENT),
        s232 in pick(FLAGS),
        usmca in pick(OPTIONAL),
        loaded in pick(LOADED),
    ) -> [&'static str; 12] {
        [origin, value, hts, mfn, freight, insurance, mode, date, us, s232, usmca, loaded]
    }
}

fn rows_csv(rows: &[[&str; 12]]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "id",
        "origin",
        "value",
        "hts",
        "mfn",
        "freight",
        "insurance",
        "mode",
        "date",
        "us_content",
        "section232",
        "usmca",
        "loaded",
    ])
    .expect("header");
    for (i, r) in rows.iter().enumerate() {
        let id = format!("R{i}");
        let mut rec = vec![id.as_str()];
        rec.extend_from_slice(r);
        w.write_record(&rec).expect("row");
    }
    w.into_inner().expect("bytes")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// A choice of columns writes exactly those columns of the full output.
    #[test]
    fn chosen_columns_are_the_full_outputs(
        rows in proptest::collection::vec(row(), 1..30),
        mask in 1u64..(1 << 33),
    ) {
        let names: Vec<&str> = OUTPUT_COLUMNS
            .iter()
            .enumerate()
            .filter(|&(i, _)| mask & (1 << i) != 0)
            .map(|(_, &n)| n)
            .collect();
        let set: ColumnSet = names.join(",").parse().expect("names");
        let input = rows_csv(&rows);
        for schedule in [Schedule::Announced, Schedule::Enacted] {
            let table = schedule.table().expect("bundled");
            let (full, errors, _) = batch(table, &input, 1);
            for threads in [1, 2] {
                let (out, e, _) = batch_with(table, &input, threads, Layout::Select(set));
                let expected = select_columns(&full, set);
                prop_assert_eq!(
                    String::from_utf8_lossy(&out),
                    String::from_utf8_lossy(&expected)
                );
                prop_assert_eq!(&e, &errors);
            }
        }
    }

    /// Rows at the edges of the fast path (and past them) come out as one-at-a-time
    /// pricing gives them, with both schedules and on one and two threads.
    #[test]
    fn edge_rows_price_as_one_at_a_time(rows in proptest::collection::vec(row(), 1..40)) {
        let input = rows_csv(&rows);
        for schedule in [Schedule::Announced, Schedule::Enacted] {
            assert_same(schedule.table().expect("bundled"), &input, schedule.as_str());
        }
    }
}

#[test]
fn a_field_that_is_not_utf8_is_reported_before_an_unknown_origin() {
    let table = RateTable::bundled();
    let input = b"id,origin,value,mfn\nA\xff,XX,10,1\nB,XX,1\xfe,1\nC,XX,10,1\n";
    let (_, errors, s) = batch(table, input, 1);
    assert_eq!((s.rows_read, s.rejected), (3, 3));
    let got: Vec<_> = errors
        .iter()
        .map(|e| (e.line, e.column, e.reason.contains("UTF-8")))
        .collect();
    assert_eq!(
        got,
        [
            (2, Some("id"), true),
            (3, Some("value"), true),
            (4, Some("origin"), false)
        ]
    );
}

#[test]
fn totals_of_fast_rows_are_exact_decimals() {
    let table = RateTable::bundled();
    let input = b"id,origin,value,mfn\n1,CN,0.01,16.5\n2,CN,0.03,16.5\n";
    let (_, _, s) = batch(table, input, 1);
    // 0.01 * 16.5% rounds to 0.00, 0.03 * 16.5% to 0.00; 34% of each: 0.00 and 0.01.
    assert_eq!(s.total_value, Decimal::new(4, 2));
    assert_eq!(s.total_duty, Decimal::new(1, 2));
}

/// A user's table whose changes span decades: dates beyond the years the fast path looks
/// up directly are found by search, with the same treatment the table gives.
#[test]
fn tables_spanning_decades_price_as_one_at_a_time() {
    let header = "kind,code,name,rate_pct,charged_pct,chart_pct,basis,rate_of,category,applies_to,min_usd,max_usd,effective_from,effective_to,transit_loaded_before,transit_entered_before,source,note\n";
    let rows = "\
rate,CN,China,10,,,baseline,,,,,,1990-01-01,2045-01-01,,,test row A,\n\
rate,CN,China,25,,,annex1,,,,,,2045-01-01,2070-01-01,,,test row B,\n\
rate,CN,China,40,,,annex1,,,,,,2070-01-01,,,,test row C,\n\
fee,MPF,Merchandise processing fee,0.3464,,,,,,,30.00,600.00,1990-01-01,2050-01-01,,,test fee A,\n\
fee,MPF,Merchandise processing fee,0.3464,,,,,,,40.00,700.00,2050-01-01,,,,test fee B,\n\
fee,HMF,Harbor maintenance fee,0.125,,,,,,,,,,,,,test fee C,\n";
    let table = RateTable::parse(&format!("{header}{rows}"), "decades.csv")
        .unwrap_or_else(|e| panic!("{e}"));
    let mut input = String::from("id,origin,value,hts,mfn,mode,date\n");
    for (i, date) in [
        "1995-06-01",
        "2019-12-31",
        "2020-01-01",
        "2021-03-04",
        "2044-12-31",
        "2045-01-01",
        "2049-12-31",
        "2050-01-01",
        "2069-12-31",
        "2070-01-01",
        "2099-01-01",
    ]
    .iter()
    .enumerate()
    {
        for (value, mode) in [
            ("1000.00", "air"),
            ("250000.00", "ocean"),
            ("9000000.00", ""),
        ] {
            input.push_str(&format!("R{i},CN,{value},6109.10.00,16.5,{mode},{date}\n"));
        }
    }
    assert_same(&table, input.as_bytes(), "a table spanning decades");
}

/// Values of every input column (first pool: forms the cached path takes; second: forms it
/// leaves to one-at-a-time pricing, or that are wrong), with [`cached_form`] saying which.
const ALL_POOLS: [(&[&str], &[&str]); 19] = [
    // id
    (&["R", "a,b", "Ünï"], &["\"q\""]),
    ORIGINS,
    VALUES,
    HTS,
    // category
    (
        &[
            "",
            "",
            "",
            "",
            "energy",
            "Pharmaceuticals",
            "other",
            " copper",
        ],
        &["gold"],
    ),
    MFN,
    MONEY,
    MONEY,
    MODES,
    DATES,
    US_CONTENT,
    // section232
    (
        &[
            "", "", "", "false", "true", "autos", "Steel", "copper", "lumber", " timber",
        ],
        &["maybe"],
    ),
    // entry_type
    (
        &["", "", "", "formal", "informal", "Informal", " formal"],
        &["x"],
    ),
    // loaded
    (
        &[
            "",
            "",
            "",
            "2025-04-01",
            "2025-04-04",
            "2025-08-01",
            "2025-10-01",
        ],
        &["bad", " 2025-04-01"],
    ),
    // usmca, transshipped, energy, potash
    (
        &["", "", "false", "true", "yes", "No", "0", "1"],
        &[" yes", "maybe"],
    ),
    (&["", "", "", "false", "true", "Y"], &["x"]),
    (&["", "", "", "false", "true"], &["x"]),
    (&["", "", "", "false", "true"], &["x"]),
    // mfn_general
    (
        &["", "", "", "0", "5", "14.9", "15", "20.25"],
        &["5%", "1001"],
    ),
];

/// True when the cached path takes a field of this column as written: numbers plain (digits
/// and a point) with at most two decimals for amounts and four for rates, within their
/// ranges; dates exactly YYYY-MM-DD; yes/no fields as the batch spells them with no blanks;
/// keywords as the batch reads them (where it trims blanks, so does the cached path); origin
/// codes and names without blanks around them. (Whether the row is priced at all is the
/// one-at-a-time pricing's to say.)
fn cached_form(field: Field, text: &str) -> bool {
    let plain = |t: &str, decimals: usize, max: f64| {
        let (int, frac) = t.split_once('.').unwrap_or((t, ""));
        !t.is_empty()
            && t.matches('.').count() <= 1
            && (int.len() + frac.len()) > 0
            && int.len() + frac.len() <= 18
            && int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
            && frac.len() <= decimals
            && t.parse::<f64>().is_ok_and(|v| v <= max)
    };
    let optional_plain = |t: &str, decimals, max| t.is_empty() || plain(t, decimals, max);
    let date = |t: &str| {
        t.is_empty() || (t.len() == 10 && t.parse::<tariffs::Date>().is_ok() && t.trim() == t)
    };
    let yes_no = |t: &str| {
        ["", "true", "false", "yes", "no", "y", "n", "1", "0"]
            .iter()
            .any(|k| k.eq_ignore_ascii_case(t))
    };
    match field {
        Field::Id => true,
        Field::Origin => text.trim() == text,
        Field::Value => plain(text, 2, 1e12),
        Field::Freight | Field::Insurance => optional_plain(text, 2, 1e12),
        Field::Mfn | Field::MfnGeneral => optional_plain(text, 4, 1000.0),
        Field::UsContent => optional_plain(text, 4, 1.0),
        Field::Date | Field::Loaded => date(text),
        Field::Usmca | Field::Transshipped | Field::Energy | Field::Potash => yes_no(text),
        Field::Section232 => {
            yes_no(text)
                || ["autos", "steel", "copper", "lumber", "timber"]
                    .iter()
                    .any(|k| k.eq_ignore_ascii_case(text.trim()))
        }
        // Read by the batch's own parsers: any form they take.
        Field::Hts | Field::Category | Field::Mode | Field::EntryType => true,
    }
}

/// A field from the first pool 24 times in 25: with 19 columns, about a third of the rows
/// have every field in the first pool.
fn pick_mostly(
    pools: (&'static [&'static str], &'static [&'static str]),
) -> BoxedStrategy<&'static str> {
    prop_oneof![
        24 => proptest::sample::select(pools.0),
        1 => proptest::sample::select(pools.1),
    ]
    .boxed()
}

prop_compose! {
    fn full_row()(fields in ALL_POOLS.map(pick_mostly)) -> [&'static str; 19] {
        fields
    }
}

/// A CSV of full rows, every input column present, ids made unique.
fn full_csv(rows: &[[&str; 19]]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(Field::ALL.map(|f| f.name()))
        .expect("header");
    for (i, r) in rows.iter().enumerate() {
        let id = format!("{}{i}", r[0]);
        let mut rec = r.to_vec();
        rec[0] = &id;
        w.write_record(&rec).expect("row");
    }
    w.into_inner().expect("bytes")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Rows that use every input column come out as one-at-a-time pricing gives them, and
    /// each row takes the cached path exactly when all its fields are in the forms it takes
    /// and the row is priced: no fact, keyword or date sends a row elsewhere.
    #[test]
    fn every_input_column_prices_as_one_at_a_time_and_takes_the_cached_path(
        rows in proptest::collection::vec(full_row(), 1..24),
    ) {
        prop_assert_eq!(Field::ALL.len(), 19);
        let input = full_csv(&rows);
        for schedule in [Schedule::Announced, Schedule::Enacted] {
            let table = schedule.table().expect("bundled");
            assert_same(table, &input, schedule.as_str());
            // Row by row: which rows took the cached path.
            for (i, row) in rows.iter().enumerate() {
                let one = full_csv(std::slice::from_ref(row));
                let (_, errors, s) = batch(table, &one, 1);
                let expected = errors.is_empty()
                    && Field::ALL.iter().zip(row).all(|(&f, t)| cached_form(f, t));
                prop_assert_eq!(
                    s.cached == 1,
                    expected,
                    "{} row {}: {:?}",
                    schedule.as_str(),
                    i,
                    row
                );
            }
        }
    }
}

/// A user's measures table whose displacement ends on a date (`excludes=s122<2025-06-01`):
/// rows on either side of that date, in either order, price as one at a time does, on the
/// cached path (the cached choice of measures is per span of dates, and that date starts
/// a span).
#[test]
fn a_displacement_that_ends_on_a_date_prices_as_one_at_a_time() {
    let header = tariffs::measure::MEASURE_COLUMNS.join(",");
    let mut table = Schedule::Announced.build().expect("bundled");
    let rows = format!(
        "{header}\n\
         ieepa_fentanyl,KZ,all,,,20,additional,,full_value,,,2025-04-05,,,,s122<2025-06-01,test row A,,\n\
         s122,KZ,all,,,10,additional,,full_value,,,2025-04-05,,,,,test row B,,\n"
    );
    table
        .load_measures_from_str("dated.csv", &rows, |_| None)
        .unwrap_or_else(|e| panic!("{e}"));
    for order in [["2025-05-01", "2025-07-01"], ["2025-07-01", "2025-05-01"]] {
        let mut input = String::from("id,origin,value,mfn,date\n");
        for (i, date) in order.iter().enumerate() {
            input.push_str(&format!("R{i},KZ,1000,0,{date}\n"));
        }
        assert_same(&table, input.as_bytes(), &format!("{order:?}"));
        let (_, _, s) = batch(&table, input.as_bytes(), 1);
        assert_eq!(s.cached, 2, "{order:?}");
        assert_eq!(
            s.total_measures,
            [
                ("ieepa_fentanyl".to_string(), Decimal::from(400)),
                ("s122".to_string(), Decimal::from(100)),
            ],
            "{order:?}"
        );
    }
}
