//! The batch's fast path (byte records, the one formatting buffer, hand-written CSV lines,
//! threads) gives byte-identical output to pricing each row through the public
//! single-shipment API and writing it with the csv crate.

#[path = "../../benches/support/shipments.rs"]
mod shipments;

use std::collections::HashMap;

use tariffs::batch::{
    output_record, parse_shipment, price_csv_threaded, Field, Layout, RowError, OUTPUT_COLUMNS,
};
use tariffs::RateTable;

#[test]
fn fast_path_equals_one_at_a_time_on_100k_rows() {
    let table = RateTable::bundled();
    let mut input = Vec::new();
    shipments::generate(&mut input, 100_000, table);

    // One at a time: the public API, row by row, written by the csv crate.
    let mut reference = csv::Writer::from_writer(Vec::new());
    reference.write_record(OUTPUT_COLUMNS).expect("header");
    let mut rdr = csv::Reader::from_reader(&input[..]);
    let header = rdr.headers().expect("header").clone();
    let pos: HashMap<&str, usize> = header.iter().enumerate().map(|(i, h)| (h, i)).collect();
    let mut rejected = 0;
    for rec in rdr.records() {
        let rec = rec.expect("record");
        let get = |f: Field| pos.get(f.name()).and_then(|&i| rec.get(i)).unwrap_or("");
        match parse_shipment(table, get).map(|s| (table.landed_cost(&s), s)) {
            Ok((Ok(c), s)) => reference
                .write_record(output_record(get(Field::Id), &s, &c))
                .expect("write"),
            _ => rejected += 1,
        }
    }
    let reference = reference.into_inner().expect("bytes");

    for threads in [1, 2] {
        let mut out = Vec::new();
        let mut errors = 0;
        let mut count = |_: &RowError| -> std::io::Result<()> {
            errors += 1;
            Ok(())
        };
        let s = price_csv_threaded(
            table,
            &input[..],
            &mut out,
            &mut count,
            false,
            Layout::LandedCost,
            threads,
        )
        .expect("batch");
        assert_eq!(s.rows_read, 100_000);
        assert_eq!(s.rejected, rejected, "threads {threads}");
        assert_eq!(errors, rejected);
        assert!(
            out == reference,
            "threads {threads}: output differs from one-at-a-time pricing"
        );
    }
    assert!(
        rejected > 1000,
        "the unknown origins are rejected: {rejected}"
    );
}
