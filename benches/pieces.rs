//! Criterion benchmarks of the pieces, with ids that read as paths:
//! `table/parse_bundled`, `lookup/partner`, `lookup/hts_exemption`, `estimate/landed_cost`,
//! `basket/exempt_share`, the batch's row steps `batch/parse_shipment`, `batch/format_record`,
//! and whole rows in memory, `batch/price_csv_100k` (no file I/O).

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use rust_decimal::Decimal;
use tariffs::{BasketLine, Goods, HtsCode, RateTable, Shipment, TransportMode};

fn table(c: &mut Criterion) {
    c.bench_function("table/parse_bundled", |b| {
        b.iter(|| RateTable::parse(black_box(tariffs::BUNDLED_CSV), "bundled").expect("parses"))
    });
    c.bench_function("table/parse_enacted", |b| {
        b.iter(|| RateTable::parse(black_box(tariffs::ENACTED_CSV), "enacted").expect("parses"))
    });
}

fn lookup(c: &mut Criterion) {
    let t = RateTable::bundled();
    c.bench_function("lookup/partner", |b| {
        b.iter(|| {
            t.partner(black_box("KZ")).expect("code");
            t.partner(black_box("Viet Nam")).expect("name");
        })
    });
    let crude: HtsCode = "2709.00.2010".parse().expect("code");
    let shirts: HtsCode = "6109.10.0012".parse().expect("code");
    c.bench_function("lookup/hts_exemption", |b| {
        b.iter(|| {
            t.exemption(black_box(crude), None).expect("lookup");
            t.exemption(black_box(shirts), None).expect("lookup");
        })
    });
}

fn estimate(c: &mut Criterion) {
    let t = RateTable::bundled();
    let s = Shipment::new("VN".parse().expect("code"), Decimal::new(1_234_567, 2))
        .hts("6109.10.00".parse().expect("code"))
        .mfn_pct(Decimal::new(165, 1))
        .freight(Decimal::from(800))
        .mode(TransportMode::Ocean)
        .entry_date("2025-04-09".parse().expect("date"));
    c.bench_function("estimate/landed_cost", |b| {
        b.iter(|| t.landed_cost(black_box(&s)).expect("prices").landed_cost)
    });
    let e = RateTable::enacted();
    let s = Shipment::new("CN".parse().expect("code"), Decimal::new(1_234_567, 2))
        .hts("9503.00.00".parse().expect("code"))
        .mode(TransportMode::Ocean)
        .entry_date("2025-08-20".parse().expect("date"));
    c.bench_function("estimate/landed_cost_enacted", |b| {
        b.iter(|| e.landed_cost(black_box(&s)).expect("prices").landed_cost)
    });
}

fn basket(c: &mut Criterion) {
    let t = RateTable::bundled();
    let line = |h: &str, v: i64| BasketLine {
        goods: Goods::Hts(h.parse().expect("code")),
        value: Decimal::from(v),
    };
    let lines = [
        line("2709.00.20", 500),
        line("2844.10.20", 200),
        line("7106.91.10", 120),
        line("7202.41.00", 100),
        line("6109.10.00", 80),
    ];
    let kz = "KZ".parse().expect("code");
    c.bench_function("basket/exempt_share", |b| {
        b.iter(|| {
            t.exempt_share(kz, None, black_box(&lines))
                .expect("report")
                .effective_rate_pct
        })
    });
}

fn batch(c: &mut Criterion) {
    use tariffs::batch::{format_record, parse_shipment, Field, Layout, RecordBuf};
    let t = RateTable::bundled();
    let row = |f: Field| match f {
        Field::Id => "S00000001",
        Field::Origin => "VN",
        Field::Value => "12345.67",
        Field::Hts => "6109.10.00",
        Field::Mfn => "16.5",
        Field::Freight => "800.00",
        Field::Insurance => "25.10",
        Field::Mode => "ocean",
        Field::Date => "2025-04-09",
        Field::UsContent => "0",
        Field::Section232 => "false",
        _ => "",
    };
    c.bench_function("batch/parse_shipment", |b| {
        b.iter(|| parse_shipment(t, black_box(row)).expect("parses"))
    });
    let s = parse_shipment(t, row).expect("parses");
    let cost = t.landed_cost(&s).expect("prices");
    let mut buf = RecordBuf::new();
    c.bench_function("batch/format_record", |b| {
        b.iter(|| {
            format_record(
                Layout::LandedCost,
                &mut buf,
                "S00000001",
                &s,
                black_box(&cost),
            )
        })
    });
}

#[path = "support/shipments.rs"]
mod shipments;

/// The batch path over 100,000 generated rows in memory, without file I/O: what a row costs
/// to parse, price and format, whichever path takes it.
fn batch_rows(c: &mut Criterion) {
    use tariffs::batch::{price_csv_with, Layout, RowError};
    let mut group = c.benchmark_group("batch");
    group.sample_size(20);
    group.throughput(criterion::Throughput::Elements(100_000));
    for (name, table) in [
        ("price_csv_100k", RateTable::bundled()),
        ("price_csv_100k_enacted", RateTable::enacted()),
    ] {
        let mut input = Vec::new();
        shipments::generate(&mut input, 100_000, table);
        let mut out = Vec::with_capacity(32 << 20);
        group.bench_function(name, |b| {
            b.iter(|| {
                out.clear();
                let mut skip = |_: &RowError| Ok(());
                price_csv_with(
                    table,
                    black_box(&input[..]),
                    &mut out,
                    &mut skip,
                    false,
                    Layout::LandedCost,
                )
                .expect("batch")
                .priced
            })
        });
    }
    group.finish();
}

criterion_group!(benches, table, lookup, estimate, basket, batch, batch_rows);
criterion_main!(benches);
