//! Golden cases: `tests/data/golden_cases.csv` priced against the small table
//! `tests/data/golden_table.csv`. Every expected figure was worked out by hand (see the
//! `note` column); a case that expects an error names its kind.

use std::collections::HashMap;

use tariffs::{
    Category, CountryCode, EntryType, Error, Exemption, FeeOutcome, RateTable, Shipment,
};

use crate::{data, dec};

fn shipment(row: &HashMap<String, String>) -> Result<Shipment, Error> {
    let get = |k: &str| row.get(k).map(String::as_str).unwrap_or("");
    let origin: CountryCode = get("origin").parse()?;
    let mut s = Shipment::new(origin, dec(get("value")));
    if !get("hts").is_empty() {
        s = s.hts(get("hts").parse()?);
    }
    if !get("category").is_empty() {
        s = s.category(get("category").parse::<Category>()?);
    }
    if !get("mfn").is_empty() {
        s = s.mfn_pct(dec(get("mfn")));
    }
    if !get("freight").is_empty() {
        s = s.freight(dec(get("freight")));
    }
    if !get("insurance").is_empty() {
        s = s.insurance(dec(get("insurance")));
    }
    if !get("mode").is_empty() {
        s = s.mode(get("mode").parse()?);
    }
    if !get("date").is_empty() {
        s = s.entry_date(get("date").parse()?);
    }
    if !get("us_content").is_empty() {
        s = s.us_content(dec(get("us_content")));
    }
    s = s.section232(get("section232") == "true");
    if get("entry_type") == "formal" {
        s = s.entry_type(EntryType::Formal);
    }
    Ok(s)
}

fn error_kind(e: &Error) -> &'static str {
    match e {
        Error::AmbiguousHts { .. } => "ambiguous_hts",
        Error::UnknownPartner { .. } => "unknown_partner",
        Error::OutOfRange { .. } => "out_of_range",
        Error::NoFeeSchedule { .. } => "no_fee_schedule",
        _ => "other",
    }
}

fn exemption_kind(e: Option<Exemption<'_>>) -> &'static str {
    match e {
        None => "",
        Some(Exemption::AnnexII(_)) => "annex2",
        Some(Exemption::Category(_)) => "category",
        Some(Exemption::NotSubject(_)) => "not_subject",
        Some(Exemption::Section232) => "section232",
        Some(Exemption::NotInForce { .. }) => "not_in_force",
        Some(Exemption::InTransit(_)) => "in_transit",
    }
}

fn outcome(o: FeeOutcome) -> &'static str {
    match o {
        FeeOutcome::AdValorem => "ad_valorem",
        FeeOutcome::RaisedToMinimum => "raised_to_minimum",
        FeeOutcome::CappedAtMaximum => "capped",
        FeeOutcome::InformalEntry => "informal",
        FeeOutcome::NotOcean => "not_ocean",
        FeeOutcome::ModeNotGiven => "mode_not_given",
        FeeOutcome::Flat => "flat",
        FeeOutcome::Exempt => "exempt",
    }
}

#[test]
fn golden_cases() {
    let table = RateTable::from_path(data("golden_table.csv")).expect("golden table loads");
    let mut rdr = csv::Reader::from_path(data("golden_cases.csv")).expect("cases file");
    let mut n = 0;
    for row in rdr.deserialize::<HashMap<String, String>>() {
        let row = row.expect("case row");
        let id = row["id"].clone();
        let result = shipment(&row).and_then(|s| table.landed_cost(&s).map(|c| (s, c)));
        if !row["expect_error"].is_empty() {
            let err = result
                .err()
                .unwrap_or_else(|| panic!("{id}: expected an error"));
            assert_eq!(error_kind(&err), row["expect_error"], "{id}: {err}");
            n += 1;
            continue;
        }
        let (_, c) = result.unwrap_or_else(|e| panic!("{id}: {e}"));
        let check = |what: &str, got: rust_decimal::Decimal| {
            assert_eq!(got, dec(&row[what]), "{id}: {what}");
        };
        check("expect_reciprocal_pct", c.reciprocal.charge.rate_pct);
        check("expect_reciprocal", c.reciprocal.charge.amount);
        check("expect_mfn", c.mfn.amount);
        check("expect_mpf", c.mpf.charge.amount);
        check("expect_hmf", c.hmf.charge.amount);
        check("expect_landed", c.landed_cost);
        check("expect_effective_pct", c.effective_duty_rate_pct);
        assert_eq!(
            exemption_kind(c.reciprocal.exemption),
            row["expect_exemption"],
            "{id}"
        );
        assert_eq!(outcome(c.mpf.outcome), row["expect_mpf_outcome"], "{id}");
        // Every component is in cents, and the breakdown adds up to the landed cost.
        for amount in [
            c.mfn.amount,
            c.reciprocal.charge.amount,
            c.mpf.charge.amount,
            c.hmf.charge.amount,
        ] {
            assert!(
                amount.scale() <= 2,
                "{id}: {amount} has more than 2 decimals"
            );
        }
        let sum = c.customs_value + c.total_duty + c.total_fees + c.freight + c.insurance;
        assert_eq!(sum, c.landed_cost, "{id}: components add up");
        n += 1;
    }
    assert_eq!(n, 28, "every case ran");
}

#[test]
fn reasons_carry_their_source() {
    let table = RateTable::from_path(data("golden_table.csv")).expect("golden table loads");
    let de = Shipment::new("DE".parse().expect("code"), dec("100"))
        .entry_date("2025-04-09".parse().expect("date"));
    let c = table.landed_cost(&de).expect("prices");
    // The member keeps its identity; the rate and its source are the EU's.
    assert_eq!(c.reciprocal.partner_rate.partner.code().as_str(), "DE");
    assert_eq!(c.reciprocal.source(), "test annex I");
    match c.reciprocal.partner_rate.status {
        tariffs::RateStatus::Applies {
            entry, rate_entry, ..
        } => {
            assert_eq!(entry.code().map(|c| c.to_string()).as_deref(), Some("DE"));
            assert_eq!(
                rate_entry.code().map(|c| c.to_string()).as_deref(),
                Some("EU")
            );
        }
        other => panic!("expected a rate, got {other:?}"),
    }
    let ca = Shipment::new("CA".parse().expect("code"), dec("100"));
    let c = table.landed_cost(&ca).expect("prices");
    match c.reciprocal.exemption {
        Some(Exemption::NotSubject(row)) => assert_eq!(row.note(), "other orders"),
        other => panic!("expected not subject, got {other:?}"),
    }
}
