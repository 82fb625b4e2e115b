//! The hardening issue's defects, one test (or more) each: what a broker meets on the first
//! bad day (failures half-way through a batch, malformed rows, absurd values), held to a
//! clear error and to nothing lost.

use crate::fast_path::shipments;

use std::io::Write;
use std::sync::mpsc;
use std::time::Duration;

use tariffs::batch::{
    price_csv_threaded, read_rows, BatchError, BatchSummary, Field, Layout, RowError,
};
use tariffs::{money, BasketLine, FeeOutcome, Goods, RateTable, Shipment};

/// Runs `f` on its own thread and fails the test if it has not returned within `secs`
/// seconds: a bound on a hang, not a measurement of speed.
fn within<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(v) => v,
        Err(_) => panic!("still running after {secs} s: the batch hangs"),
    }
}

/// A writer that fails after `n` bytes, as a full disk or a closed pipe does.
struct FailAfter(usize);

impl Write for FailAfter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if buf.len() > self.0 {
            return Err(std::io::Error::other("no space left on device"));
        }
        self.0 -= buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn generated(rows: u64) -> Vec<u8> {
    let mut input = Vec::new();
    shipments::generate(&mut input, rows, RateTable::bundled());
    input
}

#[test]
fn a_write_error_on_two_threads_stops_the_batch() {
    for threads in [1, 2, 4] {
        let err = within(120, move || {
            let input = generated(60_000);
            let mut report = |_: &RowError| Ok(());
            price_csv_threaded(
                RateTable::bundled(),
                &input[..],
                FailAfter(1 << 20),
                &mut report,
                false,
                Layout::LandedCost,
                threads,
            )
            .map(|s| s.rows_read)
        });
        assert!(
            matches!(err, Err(BatchError::Write(_))),
            "{threads} threads: {err:?}"
        );
    }
}

#[test]
fn an_observer_error_on_two_threads_stops_the_batch() {
    for threads in [1, 2] {
        let err = within(120, move || {
            let input = generated(60_000);
            // The generated rows have unknown origins: the first one reported fails.
            let mut report =
                |_: &RowError| Err(std::io::Error::other("the error report cannot be written"));
            price_csv_threaded(
                RateTable::bundled(),
                &input[..],
                std::io::sink(),
                &mut report,
                false,
                Layout::LandedCost,
                threads,
            )
            .map(|s| s.rows_read)
        });
        assert!(
            matches!(err, Err(BatchError::Write(_))),
            "{threads} threads: {err:?}"
        );
    }
}

/// Prices `input` on `threads` threads with `layout`; the summary (or the error) and the
/// rejected rows.
fn batch(
    input: &str,
    layout: Layout,
    threads: usize,
) -> (Result<BatchSummary, BatchError>, Vec<RowError>, String) {
    let mut errors = Vec::new();
    let mut out = Vec::new();
    let mut report = |e: &RowError| {
        errors.push(e.clone());
        Ok(())
    };
    let r = price_csv_threaded(
        RateTable::bundled(),
        input.as_bytes(),
        &mut out,
        &mut report,
        false,
        layout,
        threads,
    );
    (r, errors, String::from_utf8_lossy(&out).into_owned())
}

/// The ids and lines of the rejected rows, and the priced ids.
fn outcome(input: &str, layout: Layout, threads: usize) -> (Vec<(String, u64)>, Vec<String>) {
    let (r, errors, out) = batch(input, layout, threads);
    let s = r.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.rows_read, s.priced + s.rejected);
    let priced = out
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap_or("").to_string())
        .collect();
    (
        errors.iter().map(|e| (e.id.clone(), e.line)).collect(),
        priced,
    )
}

#[test]
fn ragged_rows_are_rejected_by_every_reader() {
    // An unquoted thousands separator gives five fields under a four-field header.
    let plain = "id,origin,value,mfn\nr1,KZ,1,000.00,16.5\nr2,KZ,1000.00,16.5\nr3,KZ,1000\n";
    // The same with a quoted field first, so that the general reader reads it all.
    let quoted = plain.replace("r2,", "\"r2\",");
    for input in [plain.to_string(), quoted] {
        for layout in [Layout::LandedCost, Layout::Refunds] {
            let input = input
                .replace("16.5\n", "16.5,\n")
                .replace(",mfn\n", ",mfn,date\n");
            let input = input.replace(",\n", ",2025-05-01\n");
            for threads in [1, 2] {
                let (r, errors, _) = batch(&input, layout, threads);
                let s = r.expect("batch");
                assert_eq!((s.rows_read, s.priced, s.rejected), (3, 1, 2), "{input}");
                assert_eq!(errors[0].id, "r1");
                assert_eq!(errors[0].line, 2);
                assert!(
                    errors[0]
                        .reason
                        .contains("has 6 fields, but the header has 5"),
                    "{}",
                    errors[0].reason
                );
                assert_eq!(errors[1].id, "r3");
                assert!(errors[1]
                    .reason
                    .contains("has 3 fields, but the header has 5"));
            }
        }
    }
    // exempt-share's reader.
    let mut seen = Vec::new();
    let rows = read_rows(
        "value,hts\n100,2709.00.20\n1,000,2709.00.20\n".as_bytes(),
        &[Field::Value],
        &mut Vec::new(),
        |row| {
            seen.push(row.map(|r| r.line()).map_err(|e| (e.line, e.reason)));
            Ok(())
        },
    )
    .expect("rows");
    assert_eq!(rows, 2);
    assert_eq!(seen[0], Ok(2));
    assert!(
        matches!(&seen[1], Err((3, why)) if why.contains("has 3 fields, but the header has 2"))
    );
}

#[test]
fn header_names_match_as_spreadsheets_write_them() {
    let (errors, priced) = outcome(
        " ID ,Origin,VALUE , Mfn\n1,KZ,100,16.5\n",
        Layout::LandedCost,
        1,
    );
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(priced, ["1"]);
    for header in ["id,origin,value,hts,hts", "id,origin,value,HTS, hts "] {
        let (r, _, _) = batch(
            &format!("{header}\n1,KZ,100,2709,2709\n"),
            Layout::LandedCost,
            1,
        );
        match r {
            Err(e @ BatchError::DuplicateColumn { .. }) => {
                assert!(e.to_string().contains("\"hts\" column twice"), "{e}")
            }
            other => panic!("{header}: {other:?}"),
        }
    }
    // The table loader matches its header the same way.
    let table = "KIND,Code,rate_pct,basis,effective_from,SOURCE\nrate,*,10,baseline,2025-04-05,x\n";
    assert!(RateTable::parse(table, "t").is_ok());
}

#[test]
fn undated_refund_rows_are_rejected() {
    let input = "id,origin,value,date\nd,CN,1000,2025-06-02\nu,CN,1000,\n";
    let (r, errors, _) = batch(input, Layout::Refunds, 1);
    let s = r.expect("batch");
    assert_eq!((s.priced, s.rejected), (1, 1));
    assert_eq!(errors[0].id, "u");
    assert_eq!(errors[0].column, Some("date"));
    assert!(errors[0].reason.contains("entry date"));
    // The landed cost of an undated row still takes the table's reference date.
    let (errors, _) = outcome(input, Layout::LandedCost, 1);
    assert!(errors.is_empty());
}

#[test]
fn numbers_with_underscores_are_typos() {
    for (column, value) in [("value", "1_000"), ("mfn", "12_5"), ("freight", "1_0")] {
        let input = "id,origin,value,mfn,freight\n1,KZ,100,0,0\n".replace(
            "1,KZ,100,0,0",
            &match column {
                "value" => format!("1,KZ,{value},0,0"),
                "mfn" => format!("1,KZ,100,{value},0"),
                _ => format!("1,KZ,100,0,{value}"),
            },
        );
        let (r, errors, _) = batch(&input, Layout::LandedCost, 1);
        assert_eq!(r.expect("batch").rejected, 1, "{column}");
        assert_eq!(errors[0].column, Some(column));
        assert!(
            errors[0].reason.contains("not a number"),
            "{}",
            errors[0].reason
        );
    }
    let table =
        "kind,code,rate_pct,basis,effective_from,source\nrate,*,1_0,baseline,2025-04-05,x\n";
    let e = RateTable::parse(table, "t").expect_err("underscore");
    assert!(e.to_string().contains("not a decimal number"), "{e}");
}

#[test]
fn amounts_are_taken_to_the_cent_and_add_up() {
    let cents = |v: &str| v.parse::<rust_decimal::Decimal>().expect("decimal");
    let s = Shipment::new("KZ".parse().expect("code"), cents("0.004"))
        .freight(cents("0.004"))
        .insurance(cents("0.004"));
    let c = RateTable::bundled().landed_cost(&s).expect("priced");
    assert_eq!(c.customs_value, cents("0.00"));
    assert_eq!((c.freight, c.insurance), (cents("0.00"), cents("0.00")));
    // Nothing but the informal entry's flat fee (FY2025, the reference date's year).
    assert_eq!(c.total_fees, cents("2.62"));
    assert_eq!(c.landed_cost, cents("2.62"));
    let s = Shipment::new("KZ".parse().expect("code"), cents("1000.005")).freight(cents("0.125"));
    let c = RateTable::bundled().landed_cost(&s).expect("priced");
    assert_eq!(c.customs_value, cents("1000.01"));
    assert_eq!(c.freight, cents("0.13"));
    assert_eq!(
        c.landed_cost,
        c.customs_value + c.total_duty + c.total_fees + c.freight + c.insurance
    );
    // Basket lines too: the exempt and dutiable parts add up to the total shown.
    let line = |hts: &str, v: &str| BasketLine {
        goods: Goods::Hts(hts.parse().expect("hts")),
        value: cents(v),
    };
    let r = RateTable::bundled()
        .exempt_share(
            "KZ".parse().expect("code"),
            None,
            &[line("2709.00.20", "0.004"), line("6109.10.00", "0.006")],
        )
        .expect("basket");
    assert_eq!(r.total_value, cents("0.01"));
    assert_eq!(r.exempt_value + r.dutiable_value, r.total_value);
}

#[test]
fn one_absurd_row_is_rejected_and_the_rest_priced() {
    let mut input = String::from("id,origin,value\n");
    for i in 0..2_000 {
        input.push_str(&format!("ok{i},KZ,1000.00\n"));
    }
    input.push_str("huge,KZ,30000000000000000000000000000\n");
    input.push_str("cap,KZ,1000000000000.00\n");
    input.push_str("over,KZ,1000000000000.01\n");
    for threads in [1, 2] {
        let (r, errors, _) = batch(&input, Layout::LandedCost, threads);
        let s = r.expect("priced despite the absurd row");
        assert_eq!((s.priced, s.rejected), (2_001, 2), "{threads} threads");
        assert_eq!(errors[0].id, "huge");
        assert_eq!(errors[0].column, Some("value"));
        assert!(
            errors[0].reason.contains("1 trillion"),
            "{}",
            errors[0].reason
        );
        assert_eq!(errors[1].id, "over");
    }
    // In a basket, one line of Decimal::MAX no longer poisons the lines after it.
    let mut b = RateTable::bundled()
        .basket("KZ".parse().expect("code"), None)
        .expect("basket");
    let max = BasketLine {
        goods: Goods::Unspecified,
        value: rust_decimal::Decimal::MAX,
    };
    assert!(b.add(&max).is_err());
    for _ in 0..3 {
        let ok = BasketLine {
            goods: Goods::Unspecified,
            value: money::MAX_AMOUNT,
        };
        b.add(&ok).expect("a line at the cap");
    }
    assert_eq!(b.lines(), 3);
}

#[test]
fn line_numbers_are_physical_lines_in_quoted_crlf_input() {
    // As Excel writes CSV: every field quoted, CRLF, a blank line, a quoted line break.
    let input = "\"id\",\"origin\",\"value\"\r\n\r\n\"a\",\"Atlantis\",\"1\"\r\n\"b\",\"KZ\",\"x\"\r\n\"c\",\"K\nZ\",\"1\"\r\n\r\n\"d\",\"ZZ\",\"1\"\r\n";
    for threads in [1, 2] {
        let (errors, _) = outcome(input, Layout::LandedCost, threads);
        let expected = [("a", 3), ("b", 4), ("c", 5), ("d", 8)];
        let expected: Vec<(String, u64)> =
            expected.iter().map(|&(i, l)| (i.to_string(), l)).collect();
        assert_eq!(errors, expected);
    }
    // A plain file with blank lines and CRLF.
    let (errors, _) = outcome(
        "id,origin,value\r\n\r\na,XX,1\r\nb,KZ,1\r\n\r\nc,YY,1\r\n",
        Layout::LandedCost,
        1,
    );
    assert_eq!(errors, [("a".to_string(), 3), ("c".to_string(), 6)]);
    // exempt-share's reader counts the same way.
    let mut lines = Vec::new();
    read_rows(
        "\"value\"\r\n\r\n\"1\"\r\n\"2\"\r\n".as_bytes(),
        &[Field::Value],
        &mut Vec::new(),
        |row| {
            lines.push(row.map(|r| r.line()).unwrap_or(0));
            Ok(())
        },
    )
    .expect("rows");
    assert_eq!(lines, [3, 4]);
}

/// An endless input: zeros, or one quote and then zeros.
struct Endless(bool);

impl std::io::Read for Endless {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        buf.fill(0);
        if std::mem::take(&mut self.0) {
            if let Some(b) = buf.first_mut() {
                *b = b'"';
            }
        }
        Ok(buf.len())
    }
}

#[test]
fn input_without_line_breaks_is_refused_with_memory_bounded() {
    for (header_first, quote) in [(false, false), (true, false), (true, true)] {
        let r = within(60, move || {
            let mut report = |_: &RowError| Ok(());
            let head: &[u8] = if header_first {
                b"id,origin,value\n"
            } else {
                b""
            };
            let input = std::io::Read::chain(head, Endless(quote));
            price_csv_threaded(
                RateTable::bundled(),
                input,
                std::io::sink(),
                &mut report,
                false,
                Layout::LandedCost,
                2,
            )
            .map(|s| s.rows_read)
        });
        match r {
            Err(BatchError::RecordTooLong { line }) => {
                assert_eq!(line, if header_first { 2 } else { 1 })
            }
            other => panic!("{header_first} {quote}: {other:?}"),
        }
    }
    let r = within(60, || {
        read_rows(Endless(false), &[Field::Value], &mut Vec::new(), |_| Ok(())).map(|_| ())
    });
    assert!(
        matches!(r, Err(BatchError::RecordTooLong { line: 1 })),
        "{r:?}"
    );
    // An unclosed quote through exempt-share's reader (the quote-aware one).
    let r = within(60, || {
        read_rows(Endless(true), &[Field::Value], &mut Vec::new(), |_| Ok(())).map(|_| ())
    });
    assert!(
        matches!(r, Err(BatchError::RecordTooLong { line: 1 })),
        "{r:?}"
    );
    // A table without line breaks: refused once a MiB of it is read.
    let e = within(60, || RateTable::from_reader(Endless(false)).map(|_| ()))
        .expect_err("endless table");
    assert!(e.to_string().contains("no line break"), "{e}");
    // A table file longer than MAX_TABLE_BYTES is refused before it is read.
    let dir = std::env::temp_dir().join(format!("tariffs-big-table-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let big = dir.join("big.csv");
    let f = std::fs::File::create(&big).expect("file");
    f.set_len(tariffs::MAX_TABLE_BYTES as u64 + 1)
        .expect("sparse file");
    let e = RateTable::from_path(&big).expect_err("too long");
    assert!(e.to_string().contains("256 MiB"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn dec(s: &str) -> rust_decimal::Decimal {
    crate::dec(s)
}

fn date(s: &str) -> tariffs::Date {
    s.parse().expect("date")
}

fn code(s: &str) -> tariffs::CountryCode {
    s.parse().expect("code")
}

#[test]
fn usmca_goods_israel_and_the_possessions_pay_no_mpf() {
    for t in [RateTable::bundled(), RateTable::enacted()] {
        let ca = Shipment::new(code("CA"), dec("10000")).entry_date(date("2025-11-03"));
        let paid = t.landed_cost(&ca).expect("priced");
        assert_eq!(paid.mpf.charge.amount, dec("34.64"));
        let claimed = t.landed_cost(&ca.clone().usmca(true)).expect("priced");
        assert_eq!(claimed.mpf.charge.amount, dec("0.00"));
        assert_eq!(claimed.mpf.outcome, FeeOutcome::Exempt);
        let x = claimed.mpf.exemption.expect("the exemption row");
        assert!(x.source().contains("58c(b)(10)"), "{}", x.source());
        assert!(
            tariffs::batch::notes(&ca.clone().usmca(true), &claimed).contains("MPF not charged")
        );
        // A USMCA claim on goods of another origin exempts nothing.
        let vn = Shipment::new(code("VN"), dec("10000")).usmca(true);
        assert_eq!(
            t.landed_cost(&vn).expect("priced").mpf.charge.amount,
            dec("34.64")
        );
        // Israel and the insular possessions: by origin, claimed or not; informal too.
        for origin in ["IL", "VI", "GU", "AS", "MP"] {
            for value in ["10000", "900"] {
                let s = Shipment::new(code(origin), dec(value)).entry_date(date("2025-11-03"));
                let c = t.landed_cost(&s).expect("priced");
                assert_eq!(c.mpf.charge.amount, dec("0.00"), "{origin} {value}");
                assert_eq!(c.mpf.outcome, FeeOutcome::Exempt, "{origin} {value}");
            }
        }
    }
    // The batch, on both paths and on two threads, writes the same.
    let input = "id,origin,value,date,usmca\nca,CA,10000,2025-11-03,yes\nil,IL,10000,2025-11-03,\nvi,VI,10000,2025-11-03,\nkz,KZ,10000,2025-11-03,\n";
    for threads in [1, 2] {
        let (r, _, out) = batch(input, Layout::LandedCost, threads);
        r.expect("batch");
        let mpf: Vec<String> = csv::Reader::from_reader(out.as_bytes())
            .records()
            .map(|r| r.expect("row")[15].to_string())
            .collect();
        assert_eq!(mpf, ["0.00", "0.00", "0.00", "34.64"]);
    }
}

#[test]
fn mpf_follows_every_fiscal_year_with_fy2027_carried_forward() {
    let t = RateTable::enacted();
    let mpf = |value: &str, d: &str| {
        let s = Shipment::new(code("KZ"), dec(value)).entry_date(date(d));
        t.landed_cost(&s).expect("priced").mpf
    };
    // FY2024 to FY2026, each with its own limits.
    assert_eq!(mpf("3000", "2024-09-30").charge.amount, dec("31.67"));
    assert_eq!(mpf("1000000", "2024-09-30").charge.amount, dec("614.35"));
    assert_eq!(mpf("3000", "2024-10-01").charge.amount, dec("32.71"));
    assert_eq!(mpf("1000000", "2025-10-01").charge.amount, dec("651.50"));
    // Informal entries pay the automated informal fee (class 311).
    assert_eq!(mpf("900", "2024-09-30").charge.amount, dec("2.53"));
    assert_eq!(mpf("900", "2025-09-30").charge.amount, dec("2.62"));
    assert_eq!(mpf("900", "2025-10-01").charge.amount, dec("2.69"));
    assert_eq!(mpf("900", "2025-10-01").outcome, FeeOutcome::Flat);
    // FY2027: the ad valorem rate, the FY2026 limits and amount carried forward, and said.
    let capped = mpf("1000000", "2026-10-01");
    assert_eq!(capped.charge.amount, dec("651.50"));
    assert_eq!(
        capped.carried_note(),
        Some("FY2027 MPF limits not in the table: FY2026 limits used")
    );
    assert_eq!(mpf("100000", "2027-01-15").charge.amount, dec("346.40"));
    assert!(mpf("100000", "2027-01-15").carried_note().is_some());
    let informal = mpf("900", "2026-12-01");
    assert_eq!(informal.charge.amount, dec("2.69"));
    assert_eq!(
        informal.carried_note(),
        Some("FY2027 MPF_INFORMAL amount not in the table: FY2026 amount used")
    );
    assert!(mpf("1000000", "2026-09-30").carried_note().is_none());
    // Before every fee row: an error naming the date.
    let s = Shipment::new(code("KZ"), dec("10000")).entry_date(date("2023-09-30"));
    let e = t.landed_cost(&s).expect_err("no MPF row");
    assert!(e.to_string().contains("2023-09-30"), "{e}");
    // A user's table with the real FY2027 row takes over, with no code change.
    let text = tariffs::ENACTED_CSV.replace(
        "(class 499) FY2027\",0.3464,,,,,,,,,",
        "(class 499) FY2027\",0.3464,,,,,,,34.00,670.00,",
    );
    assert_ne!(text, tariffs::ENACTED_CSV);
    let mine = RateTable::parse(&text, "mine").expect("table");
    let s = Shipment::new(code("KZ"), dec("1000000")).entry_date(date("2026-10-01"));
    let c = mine.landed_cost(&s).expect("priced");
    assert_eq!(c.mpf.charge.amount, dec("670.00"));
    assert_eq!(c.mpf.carried_note(), None);
    // The batch counts the rows priced with carried figures, on both paths.
    let input = "id,origin,value,date\na,KZ,1000000,2026-10-01\nb,KZ,900.00,2026-11-01\nc,KZ,\"1000\",2026-11-02\nd,KZ,1000,2026-09-30\n";
    for threads in [1, 2] {
        let mut report = |_: &RowError| Ok(());
        let s = price_csv_threaded(
            t,
            input.as_bytes(),
            std::io::sink(),
            &mut report,
            false,
            Layout::LandedCost,
            threads,
        )
        .expect("batch");
        assert_eq!(s.mpf_carried, 3);
    }
}

#[test]
fn missing_dates_and_rows_are_named() {
    // No date and a table without fee rows: the message names the date used.
    let table = "kind,code,rate_pct,basis,effective_from,source\nrate,*,10,baseline,2025-04-05,x\n";
    let t = RateTable::parse(table, "t").expect("table");
    let get = |f: Field| match f {
        Field::Origin => "KZ",
        Field::Value => "10000",
        _ => "",
    };
    let e = tariffs::batch::price_fields(&t, &get).expect_err("no MPF row");
    assert!(
        e.reason
            .contains("no entry date given: the table's reference date 2025-04-05"),
        "{}",
        e.reason
    );
    // A header-only table has no reference date at all.
    let t = RateTable::parse("kind,code,rate_pct,basis,effective_from,source\n", "t").expect("t");
    let e = t
        .landed_cost(&Shipment::new(code("KZ"), dec("10")))
        .expect_err("no date");
    assert_eq!(e, tariffs::Error::NoDate);
    // A table without a `*` row names it, instead of "no rate in force".
    let table = "kind,code,rate_pct,basis,effective_from,source\nrate,CN,34,annex1,2025-04-09,x\n";
    let t = RateTable::parse(table, "t").expect("table");
    let e = t
        .landed_cost(&Shipment::new(code("KZ"), dec("10")))
        .expect_err("no row");
    assert!(e.to_string().contains("no `*` row"), "{e}");
}

#[test]
fn puerto_rico_is_refused_and_the_possessions_are_their_own_origins() {
    for t in [RateTable::bundled(), RateTable::enacted()] {
        for q in ["PR", "Puerto Rico", "PRI"] {
            let e = t.partner(q).expect_err("customs territory");
            assert!(
                matches!(e, tariffs::Error::DomesticOrigin { .. }),
                "{q}: {e}"
            );
            assert!(e.to_string().contains("General Note 2"), "{e}");
        }
        for origin in ["VI", "GU", "AS", "MP"] {
            let s = Shipment::new(code(origin), dec("10000"))
                .hts("6109.10.00".parse().expect("hts"))
                .entry_date(date("2025-11-03"));
            let c = t.landed_cost(&s).expect("priced");
            assert_eq!(c.reciprocal.charge.amount, dec("0.00"), "{origin}");
            assert_eq!(c.ieepa_duty, dec("0.00"), "{origin}");
            assert_eq!(tariffs::batch::basis_field(&c), "insular_possession");
            let notes = tariffs::batch::notes(&s, &c);
            assert!(notes.contains("reading"), "{notes}");
            assert!(notes.contains("3(a)(iv)"), "{notes}");
        }
        // The Freely Associated States and the Minor Outlying Islands stay foreign.
        for origin in ["FM", "MH", "PW", "UM"] {
            let s = Shipment::new(code(origin), dec("10000")).entry_date(date("2025-11-03"));
            let c = t.landed_cost(&s).expect("priced");
            assert!(c.reciprocal.charge.amount > dec("0"), "{origin}");
        }
    }
    let (errors, priced) = outcome(
        "id,origin,value\npr,PR,100\nvi,VI,100\n",
        Layout::LandedCost,
        1,
    );
    assert_eq!(errors, [("pr".to_string(), 2)]);
    assert_eq!(priced, ["vi"]);
}

#[test]
fn the_enacted_schedule_knows_every_partner_the_announced_one_knows() {
    for p in RateTable::bundled().partners() {
        let r = RateTable::enacted().reciprocal(p.code(), Some(date("2025-11-03")));
        assert!(r.is_ok(), "{}: {r:?}", p.code());
    }
    let xk = RateTable::enacted().partner("Kosovo").expect("Kosovo");
    assert_eq!(xk.code().as_str(), "XK");
    let s = Shipment::new(xk.code(), dec("1000")).entry_date(date("2025-11-03"));
    let c = RateTable::enacted().landed_cost(&s).expect("priced");
    assert_eq!(c.reciprocal.charge.rate_pct, dec("10"));
}

#[test]
fn echoed_input_is_escaped_and_long_values_shortened_on_the_terminal() {
    let dir = std::env::temp_dir().join(format!("tariffs-echo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let input = dir.join("in.csv");
    let big = "Q".repeat(900_000); // under the 1 MiB record cap
    std::fs::write(
        &input,
        format!("id,origin,value\n\x1b[2J\x1b[31mevil,KZ,x\nbig,{big},1\n"),
    )
    .expect("input");
    let run = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_tariffs"))
            .arg("batch")
            .arg(&input)
            .args(["-o", "/dev/null"])
            .args(extra)
            .output()
            .expect("runs")
    };
    let o = run(&[]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.stderr.contains(&0x1b),
        "a raw escape reached the terminal: {err}"
    );
    assert!(err.contains("\\u{1b}[2J\\u{1b}[31mevil"), "{err}");
    assert!(o.stderr.len() < 4096, "{} bytes on stderr", o.stderr.len());
    assert!(err.contains("more bytes"), "{err}");
    // The error report keeps every field whole, escaped.
    let report = dir.join("errors.csv");
    let o = run(&["--errors", report.to_str().expect("path")]);
    assert_eq!(o.status.code(), Some(1));
    let text = std::fs::read(&report).expect("report");
    assert!(!text.contains(&0x1b));
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(&text[..])
        .records()
        .map(|r| r.expect("row"))
        .collect();
    assert_eq!(&rows[0][1], "\\u{1b}[2J\\u{1b}[31mevil");
    assert_eq!(rows[1][3].len(), big.len());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_failed_error_report_leaves_the_output_untouched() {
    let dir = std::env::temp_dir().join(format!("tariffs-twophase-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let out = dir.join("out.csv");
    std::fs::write(&out, "OLD\n").expect("old output");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_tariffs"))
        .arg("batch")
        .arg(crate::data("shipments_bad.csv"))
        .arg("-o")
        .arg(&out)
        .args(["--errors", "/dev/full"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&out).expect("output"), "OLD\n");
    let left: Vec<_> = std::fs::read_dir(&dir).expect("dir").collect();
    assert_eq!(left.len(), 1, "only the old output is there");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn entries_outside_the_fee_rows_and_impossible_informal_entries_are_errors() {
    let t = RateTable::enacted();
    for d in ["2023-09-30", "2027-10-01"] {
        let s = Shipment::new(code("KZ"), dec("900")).entry_date(date(d));
        let e = t.landed_cost(&s).expect_err("no informal fee row");
        assert!(
            e.to_string().contains("MPF_INFORMAL") && e.to_string().contains(d),
            "{e}"
        );
    }
    // The batch gives the same, on both paths.
    let input = "id,origin,value,date\na,KZ,900.00,2023-09-30\nb,KZ,\"900\",2023-09-30\nc,KZ,900.00,2024-09-30\n";
    let (errors, priced) = outcome(input, Layout::LandedCost, 1);
    assert_eq!(errors.len(), 2);
    assert_eq!(priced, ["c"]);
    // An informal entry is for $2,500 or less.
    let s = Shipment::new(code("KZ"), dec("100000")).entry_type(tariffs::EntryType::Informal);
    let e = t.landed_cost(&s).expect_err("informal above the limit");
    assert!(e.to_string().contains("informal entry"), "{e}");
}

#[test]
fn control_characters_in_a_table_are_refused_and_bidi_controls_escaped() {
    let table = "kind,code,name,rate_pct,basis,effective_from,source\nrate,*,Kaz\x1b[2Jakhstan,10,baseline,2025-04-05,x\n";
    let e = RateTable::parse(table, "t").expect_err("escape in a table");
    assert!(e.to_string().contains("U+001B") && e.line() == 2, "{e}");
    let table = "kind,code,name,rate_pct,basis,effective_from,source\nrate,*,All,10,baseline,2025-04-05,src\u{202e}gnp\n";
    assert!(RateTable::parse(table, "t").is_err());
    assert_eq!(
        tariffs::batch::escape_controls("ab\u{202e}cd"),
        "ab\\u{202e}cd"
    );
    // A tab and quoted line breaks in a note are text, not controls to refuse.
    let table = "kind,code,name,rate_pct,basis,effective_from,source,note\nrate,*,All,10,baseline,2025-04-05,src,\"a\tb\nc\"\n";
    assert!(RateTable::parse(table, "t").is_ok());
}

#[test]
fn the_quote_aware_reader_handles_marks_and_long_records() {
    // A UTF-8 export with every field quoted, after a byte order mark.
    let mut seen = Vec::new();
    read_rows(
        "\u{feff}\"value\",\"hts\"\r\n\"100\",\"2709.00.20\"\r\n".as_bytes(),
        &[Field::Value],
        &mut Vec::new(),
        |row| {
            seen.push(row.map(|r| r.get(Field::Value).to_string()).ok());
            Ok(())
        },
    )
    .expect("a quoted header after a byte order mark");
    assert_eq!(seen, [Some("100".to_string())]);
    // A record longer than one read (64 KiB), its quoted field cut across refills, with
    // doubled quotes at every offset.
    let long: String = (0..300_000)
        .map(|i| if i % 997 == 0 { "\"\"" } else { "x" })
        .collect();
    let input = format!("\"id\",origin,value\n\"{long}\",KZ,100\n\"b\",KZ,x\n");
    let (r, errors, out) = batch(&input, Layout::LandedCost, 1);
    let s = r.expect("batch");
    assert_eq!((s.priced, s.rejected), (1, 1));
    assert_eq!(errors[0].line, 3);
    let first: csv::StringRecord = csv::Reader::from_reader(out.as_bytes())
        .records()
        .next()
        .expect("a row")
        .expect("record");
    assert_eq!(&first[0], long.replace("\"\"", "\"").as_str());
}

#[test]
fn the_notes_column_tells_why_when_asked_for() {
    let set: tariffs::batch::ColumnSet = "id,mpf,notes".parse().expect("columns");
    let input = "id,origin,value,date,usmca\nca,CA,10000,2025-11-03,yes\nfy,KZ,10000,2026-11-03,\nkz,KZ,10000,2025-11-03,\n";
    let (r, _, out) = batch(input, Layout::Select(set), 2);
    r.expect("batch");
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(out.as_bytes())
        .records()
        .map(|r| r.expect("row"))
        .collect();
    assert!(
        rows[0][2].contains("MPF not charged: USMCA"),
        "{:?}",
        &rows[0]
    );
    assert!(
        rows[1][2].contains("FY2027 MPF limits not in the table"),
        "{:?}",
        &rows[1]
    );
    assert_eq!(&rows[2][2], "");
    // The default layout keeps its 33 columns.
    let (_, _, out) = batch(input, Layout::LandedCost, 1);
    assert_eq!(out.lines().next().map(|h| h.split(',').count()), Some(33));
}

#[test]
fn blank_figures_carry_on_through_several_years() {
    let fy2028 = "fee,MPF,MPF FY2028,0.3464,,,,,,,,,,2027-10-01,2028-10-01,,,19 U.S.C. 58c(a)(9)(A),test row\n";
    let text = format!("{}{fy2028}", tariffs::ENACTED_CSV);
    let t = RateTable::parse(&text, "mine").expect("table");
    let s = Shipment::new(code("KZ"), dec("10000000")).entry_date(date("2027-11-01"));
    let c = t.landed_cost(&s).expect("priced");
    assert_eq!(c.mpf.charge.amount, dec("651.50"));
    assert_eq!(
        c.mpf.carried_note(),
        Some("FY2028 MPF limits not in the table: FY2026 limits used")
    );
}

#[test]
fn fees_exemptions_and_fiscal_years_price_alike_on_both_paths() {
    // Origins with MPF exemptions by origin and without; dates in FY2024 to FY2027; values
    // on both sides of the informal limit; written so that some rows take the fast path and
    // some (quoted, three decimals) the general one.
    let origins = ["IL", "VI", "GU", "CA", "MX", "KZ", "DE", "CN", "XK"];
    let dates = [
        "2023-09-30",
        "2023-10-02",
        "2024-09-30",
        "2025-04-09",
        "2025-11-03",
        "2026-10-01",
        "2027-03-01",
        "2027-10-01",
    ];
    let values = [
        "900.00",
        "2500.00",
        "2500.01",
        "10000.00",
        "999999.99",
        "1.005",
    ];
    let mut input = String::from("id,origin,value,date,mode,mfn\n");
    let mut n = 0;
    for o in origins {
        for d in dates {
            for v in values {
                let id = if n % 7 == 0 {
                    format!("\"r{n}\"")
                } else {
                    format!("r{n}")
                };
                input.push_str(&format!("{id},{o},{v},{d},ocean,2.5\n"));
                n += 1;
            }
        }
    }
    for t in [RateTable::bundled(), RateTable::enacted()] {
        let (want_out, want_errors, want) = crate::fast_path::one_at_a_time(t, input.as_bytes());
        for threads in [1, 2] {
            let mut errors = Vec::new();
            let mut out = Vec::new();
            let mut report = |e: &RowError| {
                errors.push(e.clone());
                Ok(())
            };
            let s = price_csv_threaded(
                t,
                input.as_bytes(),
                &mut out,
                &mut report,
                false,
                Layout::LandedCost,
                threads,
            )
            .expect("batch");
            assert_eq!(
                String::from_utf8_lossy(&out),
                String::from_utf8_lossy(&want_out)
            );
            assert_eq!(errors, want_errors);
            assert_eq!((s.priced, s.total_fees), (want.priced, want.total_fees));
        }
    }
}

#[test]
fn a_switch_set_to_no_is_off() {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_tariffs"))
        .args([
            "estimate",
            "--origin",
            "KZ",
            "--value",
            "100",
            "--json=false",
        ])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("Kazakhstan (KZ)"));
}

#[cfg(unix)]
#[test]
fn a_replaced_output_keeps_its_permissions_and_a_dangling_link_its_target() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("tariffs-perm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let sample = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples/shipments.csv");
    let out = dir.join("out.csv");
    std::fs::write(&out, "OLD\n").expect("old");
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let link = dir.join("link.csv");
    std::os::unix::fs::symlink("target.csv", &link).expect("dangling link");
    for path in [&out, &link] {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_tariffs"))
            .arg("batch")
            .arg(&sample)
            .arg("-o")
            .arg(path)
            .output()
            .expect("runs");
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let mode = std::fs::metadata(&out).expect("out").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert!(std::fs::symlink_metadata(&link)
        .expect("link")
        .file_type()
        .is_symlink());
    assert!(std::fs::read_to_string(dir.join("target.csv"))
        .expect("target")
        .starts_with("id,"));
    let _ = std::fs::remove_dir_all(&dir);
}
