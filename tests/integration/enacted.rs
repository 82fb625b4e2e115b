//! The enacted schedule: golden cases on both sides of every boundary, agreement with the
//! sourced timeline, refund totals, and one rate per partner per date.

use std::collections::HashMap;

use proptest::prelude::*;
use tariffs::batch::{price_fields, refund_record, Field, REFUND_COLUMNS};
use tariffs::{CountryCode, Date, RateStatus, RateTable};

use crate::{data, dec};

fn enacted() -> &'static RateTable {
    RateTable::enacted()
}

#[test]
fn enacted_schedule_parses() {
    let t = RateTable::parse(tariffs::ENACTED_CSV, "tariffs-enacted.csv")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        t.reference_date(),
        Some("2025-11-14".parse().expect("date"))
    );
    // The measures are in measures-enacted.csv, not in this table.
    assert!(t.measures().is_empty());
    let m = tariffs::Schedule::Enacted
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(m.measures().rows().len(), 21 + 1 + 6);
    // 1,039 April lines, 76 copper lines continued under Section 232, 39 September additions,
    // nine memorandum codes.
    assert_eq!(t.exemptions().len(), 1039 + 76 + 39 + 9);
    assert!(t.rates().all(|r| !r.source().is_empty()));
    assert!(m.measures().rows().iter().all(|p| !p.source().is_empty()));
}

#[test]
fn golden_enacted_cases() {
    let t = enacted();
    let mut rdr = csv::Reader::from_path(data("golden_enacted.csv")).expect("cases");
    let col = |name: &str| {
        REFUND_COLUMNS
            .iter()
            .position(|&c| c == name)
            .expect("column")
    };
    let mut n = 0;
    for row in rdr.deserialize::<HashMap<String, String>>() {
        let row = row.expect("row");
        let id = row["id"].clone();
        let get = |f: Field| row.get(f.name()).map(String::as_str).unwrap_or("");
        let (s, c) = price_fields(t, &get).unwrap_or_else(|e| panic!("{id}: {e}"));
        let rec = refund_record(&id, &s, &c);
        for (expect, column) in [
            ("expect_reciprocal_pct", "reciprocal_rate_pct"),
            ("expect_reciprocal", "reciprocal_duty"),
            ("expect_treatment", "reciprocal_treatment"),
            ("expect_fentanyl", "fentanyl_duty"),
            ("expect_brazil", "brazil_duty"),
            ("expect_russia_oil", "russia_oil_duty"),
            ("expect_section122", "section122_duty"),
            ("expect_ieepa", "ieepa_refundable"),
        ] {
            assert_eq!(
                rec[col(column)],
                row[expect],
                "{id}: {column} ({})",
                row["note"]
            );
        }
        n += 1;
    }
    assert_eq!(n, 94);
}

/// Every row of the sourced timeline gives the same rate, on its first and last day, as the
/// enacted schedule (MFN 0 for the floors, whose additional duty is then the full 15%).
#[test]
fn agrees_with_sourced_timeline() {
    let Some(dir) = crate::shared_data("agrees_with_sourced_timeline") else {
        return;
    };
    let mut rdr =
        csv::Reader::from_path(dir.join("reciprocal_timeline.csv")).expect("sourced file");
    let t = enacted();
    let mut checked = 0;
    for row in rdr.deserialize::<HashMap<String, String>>() {
        let row = row.expect("row");
        if row["iso2"] == "*" {
            continue;
        }
        let code: CountryCode = row["iso2"].parse().expect("code");
        let from: Date = row["effective_from"].parse().expect("date");
        let to: Date = row["effective_to"].parse().expect("date");
        let last =
            Date::new(to.year(), to.month(), to.day().saturating_sub(1).max(1)).expect("date");
        for date in [from, if to.day() > 1 { last } else { from }] {
            let r = t.reciprocal(code, Some(date)).expect("rate");
            match row["rule"].as_str() {
                "not_subject" => assert!(
                    matches!(r.status, RateStatus::NotSubject { .. }),
                    "{code} {date}"
                ),
                _ => assert_eq!(r.rate_pct(), dec(&row["rate_pct"]), "{code} {date}"),
            }
            checked += 1;
        }
    }
    assert!(checked > 500, "{checked}");

    // Program rows: the same rates and periods as ieepa_other_timeline.csv.
    let mut rdr = csv::Reader::from_path(dir.join("ieepa_other_timeline.csv")).expect("programs");
    let mut programs = 0;
    for row in rdr.deserialize::<HashMap<String, String>>() {
        let row = row.expect("row");
        let measure = match row["program"].as_str() {
            "fentanyl" => "ieepa_fentanyl",
            "brazil" => "ieepa_brazil",
            "russia_oil" => "ieepa_india",
            _ => "s122",
        };
        let found = t.measures().rows().iter().any(|p| {
            p.measure() == measure
                && p.origin() == row["iso2"]
                && p.rate_pct() == Some(dec(&row["rate_pct"]))
                && p.effective_from()
                    .map(|d| d.to_string())
                    .unwrap_or_default()
                    == row["effective_from"]
                && p.effective_to().map(|d| d.to_string()).unwrap_or_default()
                    == row["effective_to"]
        });
        assert!(found, "{row:?}");
        programs += 1;
    }
    // One row per timeline row, Canada's energy-or-potash row split in two, and the
    // exceptions for Section 232 and USMCA goods.
    assert_eq!(programs + 1 + 6, t.measures().rows().len());

    // Annex II changes: in force from their dates, out from theirs.
    let day_before = |d: Date| {
        Date::new(d.year(), d.month(), d.day() - 1)
            .or_else(|_| Date::new(d.year(), d.month() - 1, 31))
            .or_else(|_| Date::new(d.year(), d.month() - 1, 30))
            .expect("date")
    };
    let mut rdr =
        csv::Reader::from_path(dir.join("annex2_changes_2025-09-08.csv")).expect("changes");
    let sept: Date = "2025-09-08".parse().expect("date");
    for row in rdr.deserialize::<HashMap<String, String>>() {
        let row = row.expect("row");
        let code: tariffs::HtsCode = row["hts8"].parse().expect("code");
        // 8505.11.00 is listed at its 10-digit line 8505.11.00.70 only.
        let code = if row["hts8"] == "8505.11.00" {
            "8505.11.0070".parse().expect("code")
        } else {
            code
        };
        let before = t.exemption(code, Some(day_before(sept))).expect("lookup");
        let after = t.exemption(code, Some(sept)).expect("lookup");
        match row["change"].as_str() {
            "add" => assert!(before.is_none() && after.is_some(), "{code}"),
            _ => assert!(before.is_some() && after.is_none(), "{code}"),
        }
    }
    let mut rdr =
        csv::Reader::from_path(dir.join("annex2_other_changes_2025.csv")).expect("changes");
    for row in rdr.deserialize::<HashMap<String, String>>() {
        let row = row.expect("row");
        if row["change"] != "remove" {
            continue;
        }
        let code: tariffs::HtsCode = row["hts"].parse().expect("code");
        let date: Date = row["effective_date"].parse().expect("date");
        let before = t
            .exemption(code, Some(day_before(date)))
            .expect("lookup")
            .expect("listed before");
        assert_eq!(before.basis(), tariffs::ExemptBasis::AnnexII, "{code}");
        let after = t.exemption(code, Some(date)).expect("lookup");
        match row["category"].as_str() {
            // Copper semis went on to Section 232 copper: still no reciprocal duty.
            "copper" => assert_eq!(
                after.map(|e| e.basis()),
                Some(tariffs::ExemptBasis::Section232),
                "{code}"
            ),
            _ => assert!(after.is_none(), "{code}"),
        }
    }
    // EU members take the EU rows; the timeline's EU rows stand for them.
    let de = t
        .reciprocal(
            "DE".parse().expect("code"),
            Some("2025-04-09".parse().expect("date")),
        )
        .expect("rate");
    assert_eq!(de.rate_pct(), dec("20"));
}

#[test]
fn refund_file_totals_equal_the_sum_of_entries() {
    let input = std::fs::read_to_string(data("golden_enacted.csv")).expect("cases");
    let mut out = Vec::new();
    let mut none = |e: &tariffs::batch::RowError| -> std::io::Result<()> { panic!("{e}") };
    let summary = tariffs::batch::price_csv_with(
        enacted(),
        input.as_bytes(),
        &mut out,
        &mut none,
        false,
        tariffs::batch::Layout::Refunds,
    )
    .expect("refunds");
    assert_eq!(summary.priced, 94);
    let mut rdr = csv::Reader::from_reader(&out[..]);
    let rows: Vec<HashMap<String, String>> = rdr.deserialize().map(|r| r.expect("row")).collect();
    let sum = |col: &str| -> rust_decimal::Decimal {
        rows.iter()
            .filter(|r| !r[col].is_empty())
            .map(|r| dec(&r[col]))
            .sum()
    };
    assert_eq!(sum("ieepa_refundable"), summary.total_ieepa);
    assert_eq!(sum("reciprocal_duty"), summary.total_reciprocal);
    let total = |m: &str| {
        summary
            .total_measures
            .iter()
            .find(|(n, _)| n == m)
            .map_or(dec("0"), |(_, v)| *v)
    };
    assert_eq!(sum("fentanyl_duty"), total("ieepa_fentanyl"));
    assert_eq!(sum("brazil_duty"), total("ieepa_brazil"));
    assert_eq!(sum("russia_oil_duty"), total("ieepa_india"));
    assert_eq!(sum("section122_duty"), total("s122"));
    // Refundable = reciprocal + fentanyl + Brazil + India, entry by entry; Section 122 is apart.
    for r in &rows {
        let part = |c: &str| {
            if r[c].is_empty() {
                dec("0")
            } else {
                dec(&r[c])
            }
        };
        assert_eq!(
            part("ieepa_refundable"),
            part("reciprocal_duty")
                + part("fentanyl_duty")
                + part("brazil_duty")
                + part("russia_oil_duty"),
            "{}",
            r["id"]
        );
    }
    assert_eq!(
        summary.total_ieepa,
        summary.total_reciprocal
            + total("ieepa_fentanyl")
            + total("ieepa_brazil")
            + total("ieepa_india")
    );
}

fn codes() -> Vec<Option<CountryCode>> {
    let mut v: Vec<Option<CountryCode>> = enacted().partners().map(|p| Some(p.code())).collect();
    // A few partners the schedule does not list fall under the `*` rows.
    for c in ["BF", "GL", "NC"] {
        v.push(Some(c.parse().expect("code")));
    }
    v
}

proptest! {
    /// Every partner has exactly one reciprocal treatment on every date of the schedule's
    /// range (5 April 2025 to 23 February 2026): a rate, or not subject, never nothing.
    #[test]
    fn one_rate_per_partner_per_date(i in 0usize..300, day in 0u32..325) {
        let codes = codes();
        let code = codes[i % codes.len()].expect("code");
        // 2025-04-05 plus `day` days, by walking the calendar.
        let mut d = Date::new(2025, 4, 5).expect("date");
        for _ in 0..day {
            d = next_day(d);
        }
        prop_assume!(d < Date::new(2026, 2, 24).expect("date"));
        let r = enacted().reciprocal(code, Some(d)).expect("rate");
        prop_assert!(!matches!(r.status, RateStatus::NotInForce { .. }), "{code} {d}");
        let own = enacted().rates().filter(|row| row.code() == Some(code) && row.effective_from() <= d && row.effective_to().is_none_or(|t| d < t)).count();
        prop_assert!(own <= 1, "{code} {d}: {own} rows");
    }
}

fn next_day(d: Date) -> Date {
    Date::new(d.year(), d.month(), d.day() + 1)
        .or_else(|_| Date::new(d.year(), d.month() + 1, 1))
        .or_else(|_| Date::new(d.year() + 1, 1, 1))
        .expect("a next day")
}
