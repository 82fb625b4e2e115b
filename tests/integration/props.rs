//! Property tests: invariants over arbitrary shipments, baskets and table text.

use proptest::prelude::*;
use rust_decimal::Decimal;
use tariffs::{
    BasketLine, Category, CountryCode, Date, Exemption, Goods, HtsCode, RateTable, Shipment,
    TransportMode,
};

const ORIGINS: [&str; 12] = [
    "KZ", "CN", "VN", "DE", "EU", "HK", "CA", "RU", "BR", "GB", "CH", "BF",
];

fn money(max_cents: i64) -> impl Strategy<Value = Decimal> {
    (0..=max_cents).prop_map(|c| Decimal::new(c, 2))
}

fn date() -> impl Strategy<Value = Option<Date>> {
    // Entry dates within the table's fee years (FY2025 and FY2026), or none.
    prop_oneof![
        Just(None),
        (2025u16..=2026, 1u8..=12, 1u8..=28).prop_filter_map("in FY2025-26", |(y, m, d)| {
            let date = Date::new(y, m, d).ok()?;
            (date.fiscal_year() == 2025 || date.fiscal_year() == 2026).then_some(Some(date))
        })
    ]
}

fn exempt_code() -> impl Strategy<Value = HtsCode> {
    let n = RateTable::bundled().exemptions().len();
    (0..n, 0u64..100).prop_map(|(i, suffix)| {
        let code = RateTable::bundled().exemptions()[i].code();
        // Extend the exempt code to ten digits: still covered.
        let digits = code.digits() * 10u64.pow(10 - code.len() as u32)
            + suffix % 10u64.pow(10 - code.len() as u32);
        format!("{digits:010}").parse().expect("ten digits")
    })
}

fn goods() -> impl Strategy<Value = Goods> {
    prop_oneof![
        Just(Goods::Unspecified),
        exempt_code().prop_map(Goods::Hts),
        (0u64..100_000_000)
            .prop_map(|d| Goods::Hts(format!("{d:08}").parse().expect("eight digits"))),
        (0..Category::ALL.len()).prop_map(|i| Goods::Category(Category::ALL[i])),
    ]
}

fn mode() -> impl Strategy<Value = Option<TransportMode>> {
    prop_oneof![
        Just(None),
        Just(Some(TransportMode::Ocean)),
        Just(Some(TransportMode::Air)),
        Just(Some(TransportMode::Land)),
    ]
}

prop_compose! {
    fn shipment()(
        origin in 0..ORIGINS.len(),
        value in money(100_000_000_000),
        goods in goods(),
        mfn in (0i64..=10_000).prop_map(|b| Decimal::new(b, 2)),
        freight in money(10_000_000),
        insurance in money(1_000_000),
        mode in mode(),
        date in date(),
        us_content in (0i64..=100).prop_map(|p| Decimal::new(p, 2)),
        section232 in any::<bool>(),
    ) -> Shipment {
        let mut s = Shipment::new(ORIGINS[origin].parse().expect("code"), value)
            .mfn_pct(mfn).freight(freight).insurance(insurance)
            .us_content(us_content).section232(section232);
        s.goods = goods;
        s.mode = mode;
        s.entry_date = date;
        s
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn landed_cost_is_at_least_the_customs_value(s in shipment()) {
        let c = match RateTable::bundled().landed_cost(&s) {
            Ok(c) => c,
            // A random 8-digit code may be a heading-level prefix of nothing; only ambiguity
            // (impossible at 8+ digits in the bundled table) could fail here.
            Err(e) => return Err(TestCaseError::fail(format!("{e}"))),
        };
        prop_assert!(c.landed_cost >= c.customs_value);
        prop_assert!(c.total_duty >= Decimal::ZERO && c.total_fees >= Decimal::ZERO);
        prop_assert_eq!(
            c.landed_cost,
            c.customs_value + c.mfn.amount + c.reciprocal.charge.amount + c.mpf.charge.amount
                + c.hmf.charge.amount + c.freight + c.insurance
        );
        prop_assert!(c.reciprocal.charge.amount <= tariffs::money::round_money(c.customs_value * Decimal::new(125, 2)));
    }

    #[test]
    fn duty_grows_with_value(s in shipment(), extra in money(1_000_000_000)) {
        let t = RateTable::bundled();
        let mut bigger = s.clone();
        bigger.customs_value += extra;
        let (a, b) = (t.landed_cost(&s).expect("prices"), t.landed_cost(&bigger).expect("prices"));
        prop_assert!(b.total_duty >= a.total_duty, "{} then {}", a.total_duty, b.total_duty);
        prop_assert!(b.reciprocal.charge.amount >= a.reciprocal.charge.amount);
        prop_assert!(b.landed_cost >= a.landed_cost);
    }

    #[test]
    fn an_exempt_line_pays_no_reciprocal_duty(
        code in exempt_code(),
        origin in 0..ORIGINS.len(),
        value in money(10_000_000_000),
        day in 0u8..200,
    ) {
        let t = RateTable::bundled();
        // Any date from 5 April 2025 on (the bundled exemptions are open-ended).
        let date = Date::new(2025, 4 + day / 28, 1 + day % 28).expect("date");
        let s = Shipment::new(ORIGINS[origin].parse().expect("code"), value).hts(code).entry_date(date);
        let c = t.landed_cost(&s).expect("prices");
        prop_assert_eq!(c.reciprocal.charge.amount, Decimal::ZERO);
        prop_assert!(c.reciprocal.exemption.is_some());
        if matches!(c.reciprocal.partner_rate.status, tariffs::RateStatus::Applies { .. }) {
            prop_assert!(matches!(c.reciprocal.exemption, Some(Exemption::AnnexII(_))));
        }
    }

    #[test]
    fn shares_lie_between_zero_and_one(
        origin in 0..ORIGINS.len(),
        lines in prop::collection::vec((goods(), money(1_000_000_000)), 0..20),
        date in date(),
    ) {
        let lines: Vec<BasketLine> = lines.into_iter().map(|(goods, value)| BasketLine { goods, value }).collect();
        let code: CountryCode = ORIGINS[origin].parse().expect("code");
        let r = RateTable::bundled().exempt_share(code, date, &lines).expect("report");
        prop_assert!(r.exempt_share >= Decimal::ZERO && r.exempt_share <= Decimal::ONE);
        for c in &r.by_category {
            prop_assert!(c.share >= Decimal::ZERO && c.share <= Decimal::ONE);
        }
        prop_assert!(r.exempt_value <= r.total_value);
        prop_assert_eq!(r.exempt_value + r.dutiable_value, r.total_value);
        // The duty is rounded to the cent, so the effective rate may pass the rate by that
        // rounding (4,416.12 at 46%: 2,031.42, 46.0001%); the duty itself does not pass the
        // rate on the whole basket.
        prop_assert!(
            r.reciprocal_duty
                <= tariffs::money::round_money(r.total_value * r.reciprocal_rate_pct / Decimal::ONE_HUNDRED)
        );
    }

    #[test]
    fn arbitrary_table_text_never_panics(text in ".{0,400}") {
        let _ = RateTable::parse(&text, "fuzz");
    }

    #[test]
    fn mutated_tables_never_panic(line in 1usize..17, field in 0usize..15, value in ".{0,12}") {
        let good = std::fs::read_to_string(crate::data("golden_table.csv")).expect("table");
        let mut rows: Vec<Vec<String>> = good.lines().map(|l| l.split(',').map(str::to_string).collect()).collect();
        if let Some(cell) = rows.get_mut(line).and_then(|r| r.get_mut(field)) {
            *cell = value.replace([',', '"', '\n', '\r'], "");
        }
        let text: Vec<String> = rows.into_iter().map(|r| r.join(",")).collect();
        let _ = RateTable::parse(&text.join("\n"), "fuzz");
    }

    #[test]
    fn parsing_inputs_never_panics(s in ".{0,24}") {
        let _ = s.parse::<HtsCode>();
        let _ = s.parse::<Date>();
        let _ = s.parse::<Category>();
        let _ = s.parse::<TransportMode>();
        let _ = RateTable::bundled().partner(&s);
    }
}

fn goods_cells(g: Goods) -> (String, String) {
    match g {
        Goods::Unspecified => (String::new(), String::new()),
        Goods::Hts(h) => (h.to_string(), String::new()),
        Goods::Category(c) => (String::new(), c.to_string()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A batch prices every row as the single-shipment API does, in order.
    #[test]
    fn batch_equals_one_at_a_time(shipments in prop::collection::vec(shipment(), 1..40)) {
        let t = RateTable::bundled();
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(["id", "origin", "value", "hts", "category", "mfn", "freight", "insurance", "mode", "date", "us_content", "section232"]).expect("header");
        for (i, s) in shipments.iter().enumerate() {
            let (hts, category) = goods_cells(s.goods);
            w.write_record([
                i.to_string(), s.origin.to_string(), s.customs_value.to_string(), hts, category,
                s.mfn_pct.to_string(), s.freight.to_string(), s.insurance.to_string(),
                s.mode.map(|m| m.to_string()).unwrap_or_default(),
                s.entry_date.map(|d| d.to_string()).unwrap_or_default(),
                s.us_content.to_string(), s.section232.is_some().to_string(),
            ]).expect("row");
        }
        let input = w.into_inner().expect("csv");
        let mut out = Vec::new();
        let mut no_errors = |e: &tariffs::batch::RowError| -> std::io::Result<()> { panic!("rejected: {e}") };
        let summary = tariffs::batch::price_csv(t, &input[..], &mut out, &mut no_errors, false).expect("batch");
        prop_assert_eq!(summary.priced as usize, shipments.len());
        let mut rdr = csv::Reader::from_reader(&out[..]);
        let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.expect("row")).collect();
        for (i, (s, row)) in shipments.iter().zip(&rows).enumerate() {
            let c = t.landed_cost(s).expect("prices");
            let expected = tariffs::batch::output_record(&i.to_string(), s, &c);
            let got: Vec<&str> = row.iter().collect();
            prop_assert_eq!(got, expected.iter().map(String::as_str).collect::<Vec<_>>());
        }
    }
}

proptest! {
    /// Any input text is priced or rejected row by row, never a panic, and the counts add up.
    #[test]
    fn arbitrary_batch_input_never_panics(body in "[A-Za-z0-9.,%\"\n -]{0,300}") {
        let input = format!("id,origin,value,hts,mfn,date,us_content\n{body}");
        let mut out = Vec::new();
        let mut rejected = 0u64;
        let mut count = |_: &tariffs::batch::RowError| -> std::io::Result<()> { rejected += 1; Ok(()) };
        if let Ok(s) = tariffs::batch::price_csv(RateTable::bundled(), input.as_bytes(), &mut out, &mut count, false) {
            prop_assert_eq!(s.rows_read, s.priced + s.rejected);
            prop_assert_eq!(s.rejected, rejected);
        }
    }
}

proptest! {
    /// The hand-written number formatting agrees with Decimal's own, for any sign and scale.
    #[test]
    fn number_formatting_agrees_with_decimal(m in any::<i64>(), wide in any::<i128>(), scale in 0u32..=20) {
        for mantissa in [i128::from(m), wide / 1000] {
            let Ok(d) = Decimal::try_from_i128_with_scale(mantissa, scale) else { continue };
            prop_assert_eq!(tariffs::batch::fmt_pct(d), d.normalize().to_string());
            let mut cents = tariffs::money::round_money(d);
            cents.rescale(2);
            prop_assert_eq!(tariffs::batch::fmt_money(d), cents.to_string());
        }
    }
}
