//! Measures as data: a measure the code has never heard of, loaded from a user's measures
//! table with a product list, is priced by `estimate`, `batch` and `refunds` alike; the
//! choosing rule and the trace; the shared data's measures files load as they are.

use rust_decimal::Decimal;
use tariffs::batch::{price_csv_with, Layout};
use tariffs::{RateTable, Schedule, Shipment};

const MEASURES: &str = "\
measure,origin,scope,scope_except,condition,rate_pct,rate_kind,rate_unit,base,heading,heading_nochange,effective_from,effective_to,transit_loaded_before,transit_entered_before,excludes,source,note,confidence
zz_widget_duty,VN;KZ,zz_widgets,,,7.5,additional,,full_value,9903.99.01,,2025-06-01,,,,,Test order 1 (a measure no code knows),,single
zz_widget_duty,VN,zz_widgets,,deal=claimed,2,in_lieu,,full_value,9903.99.02,,2025-06-01,,,,,Test order 1 sec. 2 (deal rate),,single
";

const WIDGETS: &str =
    "hts,effective_from,effective_to,note,source\n6109,2025-01-01,,t-shirts,test\n";

fn table(schedule: Schedule) -> RateTable {
    let mut t = schedule.build().expect("bundled");
    t.load_measures_from_str("<test measures>", MEASURES, |k| {
        (k == "zz_widgets").then(|| ("<scope_zz_widgets.csv>".to_string(), WIDGETS.to_string()))
    })
    .expect("measures load");
    t
}

fn shipment(hts: &str) -> Shipment {
    Shipment::new("VN".parse().expect("VN"), Decimal::from(10_000))
        .hts(hts.parse().expect("hts"))
        .entry_date("2025-09-01".parse().expect("date"))
}

#[test]
fn an_unknown_measure_is_priced_by_estimate() {
    let t = table(Schedule::Announced);
    let c = t.landed_cost(&shipment("6109.10.00")).expect("priced");
    let d = c.measure("zz_widget_duty").expect("the measure applies");
    assert_eq!(d.charge.amount, Decimal::new(75000, 2));
    assert!(!d.ieepa);
    let base = RateTable::bundled()
        .landed_cost(&shipment("6109.10.00"))
        .expect("priced");
    assert_eq!(c.total_duty, base.total_duty + Decimal::new(75000, 2));
    // Out of scope: no row, no duty.
    let other = t.landed_cost(&shipment("8471.30.01")).expect("priced");
    assert!(other.measure("zz_widget_duty").is_none());
    assert_eq!(
        other.total_duty,
        RateTable::bundled()
            .landed_cost(&shipment("8471.30.01"))
            .expect("p")
            .total_duty
    );
    // A declared fact selects the in-lieu row (more condition tokens win).
    let deal = t
        .landed_cost(&shipment("6109.10.00").fact("deal=claimed"))
        .expect("priced");
    assert_eq!(
        deal.measure("zz_widget_duty")
            .expect("applies")
            .charge
            .amount,
        Decimal::new(20000, 2)
    );
    // Before its date: nothing.
    let early = t
        .landed_cost(&shipment("6109.10.00").entry_date("2025-05-01".parse().expect("d")))
        .expect("priced");
    assert!(early.measure("zz_widget_duty").is_none());
    // The trace says why each row applied or not.
    let trace = t.explain(&shipment("6109.10.00")).expect("trace");
    let verdicts: Vec<String> = trace.iter().map(|c| c.verdict.to_string()).collect();
    assert_eq!(verdicts, ["applies", "condition deal=claimed not declared"]);
}

#[test]
fn an_unknown_measure_is_priced_by_batch_and_refunds() {
    let input = "id,origin,value,hts,date\na,VN,10000,6109.10.00,2025-09-01\nb,VN,10000,8471.30.01,2025-09-01\nc,KZ,200,6109.10.00,2025-09-01\n";
    for (schedule, layout) in [
        (Schedule::Announced, Layout::LandedCost),
        (Schedule::Enacted, Layout::Refunds),
    ] {
        let t = table(schedule);
        let mut out = Vec::new();
        let summary = price_csv_with(
            &t,
            input.as_bytes(),
            &mut out,
            &mut |_: &tariffs::batch::RowError| Ok(()),
            false,
            layout,
        )
        .expect("batch");
        assert_eq!(summary.priced, 3);
        let text = String::from_utf8(out).expect("utf8");
        let mut rdr = csv::Reader::from_reader(text.as_bytes());
        let header = rdr.headers().expect("header").clone();
        let col = |name: &str| header.iter().position(|h| h == name).expect(name);
        let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.expect("row")).collect();
        // The header ends with the measure's group of columns.
        assert_eq!(
            &header[col("zz_widget_duty_rate_pct")],
            "zz_widget_duty_rate_pct"
        );
        assert_eq!(&rows[0][col("zz_widget_duty_duty")], "750.00");
        assert_eq!(&rows[1][col("zz_widget_duty_duty")], "");
        assert_eq!(&rows[2][col("zz_widget_duty_duty")], "15.00");
        let total = summary
            .total_measures
            .iter()
            .find(|(n, _)| n == "zz_widget_duty")
            .map(|(_, v)| *v);
        assert_eq!(total, Some(Decimal::new(76500, 2)));
        if layout == Layout::Refunds {
            assert!(rows[0][col("zz_widget_duty_source")].contains("Test order 1"));
        } else {
            // The landed cost includes it: 10000 + MFN 0 + 10% baseline... as estimate says.
            let c = t.landed_cost(&shipment("6109.10.00")).expect("priced");
            assert_eq!(&rows[0][col("landed_cost")], c.landed_cost.to_string());
        }
    }
}

#[test]
fn bad_measure_rows_are_refused_with_their_position() {
    let mut t = Schedule::Announced.build().expect("bundled");
    let bad = MEASURES.replace("7.5,additional", "7.5,sometimes");
    let e = t
        .load_measures_from_str("<m>", &bad, |_| Some(("<s>".into(), WIDGETS.into())))
        .expect_err("refused");
    let text = e.to_string();
    assert!(
        text.contains("line 2") && text.contains("rate_kind") && text.contains("sometimes"),
        "{text}"
    );
    let missing = t
        .load_measures_from_str("<m>", MEASURES, |_| None)
        .expect_err("no list");
    assert!(
        missing.to_string().contains("scope_zz_widgets.csv"),
        "{missing}"
    );
    let cycle = "measure,origin,scope,rate_pct,rate_kind,base,effective_from,excludes,source\n\
                 a,*,all,1,additional,full_value,2025-01-01,b,x\n\
                 b,*,all,1,additional,full_value,2025-01-01,a,x\n";
    let e = t
        .load_measures_from_str("<m>", cycle, |_| None)
        .expect_err("cycle");
    assert!(e.to_string().contains("cycle"), "{e}");
}

#[test]
fn a_displacing_measure_takes_the_other_out() {
    let text = "measure,origin,scope,rate_pct,rate_kind,base,effective_from,excludes,source\n\
                big,KZ,all,30,additional,full_value,2025-01-01,small,order A\n\
                small,KZ,all,5,additional,full_value,2025-01-01,,order B\n";
    let mut t = Schedule::Announced.build().expect("bundled");
    t.load_measures_from_str("<m>", text, |_| None)
        .expect("loads");
    let s = Shipment::new("KZ".parse().expect("KZ"), Decimal::from(1000))
        .entry_date("2025-09-01".parse().expect("date"));
    let c = t.landed_cost(&s).expect("priced");
    assert_eq!(
        c.measure("big").expect("big").charge.amount,
        Decimal::new(30000, 2)
    );
    let small = c.measure("small").expect("small listed");
    assert_eq!(small.charge.amount, Decimal::ZERO);
    assert_eq!(small.displaced_by, Some("big"));
}

/// The shared data's measures files (Sections 232, 301, 338, 201, 122) load as they are,
/// with every product list they name.
#[test]
fn the_shared_measures_files_load_as_they_are() {
    let Some(dir) = crate::shared_data("the_shared_measures_files_load_as_they_are") else {
        return;
    };
    for file in ["s232/measures_s232.csv", "other/measures_other.csv"] {
        let mut t = Schedule::Announced.build().expect("bundled");
        t.load_measures(dir.join(file))
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(t.measures().rows().len() > 100, "{file}");
    }
}
