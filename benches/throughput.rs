//! Throughput of the batch estimator against the CSV ceiling.
//!
//! Generates a deterministic shipments CSV (default 1,000,000 rows), then, interleaved in one
//! process for several rounds: (a) the csv crate reading every record as a `ByteRecord` and
//! writing it back out unchanged, the physical ceiling of a CSV-in, CSV-out tool; (b) the
//! batch estimator's full path, `tariffs::batch::price_csv_threaded` (what `tariffs batch`
//! runs), with the output columns and threads given.
//! Prints rows/s of each, the per-round ratio b/a and its median, and peak memory.
//!
//! `cargo bench --bench throughput -- --rows N --rounds R --threads T --schedule enacted
//! --columns LIST`

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // a benchmark program

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};
use std::time::Instant;

use tariffs::batch::{price_csv_threaded, Layout, RowError};
use tariffs::{RateTable, Schedule};

struct Args {
    rows: u64,
    rounds: usize,
    threads: usize,
    schedule: Schedule,
    input: Option<PathBuf>,
    only: Option<String>,
    layout: Layout,
}

fn args() -> Args {
    let mut a = Args {
        rows: 1_000_000,
        rounds: 9,
        threads: 1,
        schedule: Schedule::Announced,
        input: None,
        only: None,
        layout: Layout::LandedCost,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < argv.len() {
        let next = argv.get(i + 1).cloned().unwrap_or_default();
        match argv[i].as_str() {
            "--rows" => a.rows = next.parse().expect("--rows N"),
            "--rounds" => a.rounds = next.parse().expect("--rounds R"),
            "--threads" => a.threads = next.parse().expect("--threads T"),
            "--schedule" => a.schedule = next.parse().expect("--schedule announced|enacted"),
            // The output columns, as `tariffs batch --columns`.
            "--columns" => a.layout = Layout::Select(next.parse().expect("--columns LIST")),
            // Profiling aids: price an existing file, or run one side only.
            "--input" => a.input = Some(PathBuf::from(next)),
            "--only" => a.only = Some(next),
            _ => {
                i += 1;
                continue; // cargo bench passes --bench
            }
        }
        i += 2;
    }
    a
}

#[path = "support/shipments.rs"]
mod shipments;
use shipments::generate;

fn passthrough(input: &Path, output: &Path) -> u64 {
    let mut rdr = csv::ReaderBuilder::new().from_reader(BufReader::with_capacity(
        1 << 16,
        File::open(input).expect("open"),
    ));
    let mut wtr = csv::Writer::from_writer(BufWriter::with_capacity(
        1 << 16,
        File::create(output).expect("create"),
    ));
    wtr.write_byte_record(rdr.byte_headers().expect("header"))
        .expect("write");
    let mut rec = csv::ByteRecord::new();
    let mut n = 0;
    while rdr.read_byte_record(&mut rec).expect("read") {
        wtr.write_byte_record(&rec).expect("write");
        n += 1;
    }
    wtr.flush().expect("flush");
    n
}

fn estimate(table: &RateTable, input: &Path, output: &Path, threads: usize, layout: Layout) -> u64 {
    let rdr = BufReader::with_capacity(1 << 16, File::open(input).expect("open"));
    let wtr = BufWriter::with_capacity(1 << 16, File::create(output).expect("create"));
    let mut rejected = 0u64;
    let mut count = |_: &RowError| -> std::io::Result<()> {
        rejected += 1;
        Ok(())
    };
    let s = price_csv_threaded(table, rdr, wtr, &mut count, false, layout, threads).expect("batch");
    assert_eq!(s.rows_read, s.priced + s.rejected);
    s.rows_read
}

/// Flushes the files written so far to disk and removes them (outside the timed runs).
fn settle(paths: &[&Path]) {
    for p in paths {
        if let Ok(f) = File::open(p) {
            f.sync_all().expect("sync");
        }
        let _ = std::fs::remove_file(p);
    }
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn main() {
    let a = args();
    let table = a.schedule.table().expect("bundled table");
    let dir: PathBuf =
        std::env::temp_dir().join(format!("tariffs-throughput-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let input = a.input.clone().unwrap_or_else(|| dir.join("shipments.csv"));
    let t = Instant::now();
    if !input.exists() {
        generate(File::create(&input).expect("create"), a.rows, table);
    }
    let size = std::fs::metadata(&input).map(|m| m.len()).unwrap_or(0);
    println!(
        "generated {} rows, {:.1} MB in {:.2?} (schedule {}, threads {}, {} output columns)",
        a.rows,
        size as f64 / 1e6,
        t.elapsed(),
        a.schedule.as_str(),
        a.threads,
        a.layout.columns().len()
    );
    let mut ratios = Vec::new();
    let (pass_out, est_out) = (dir.join("pass.csv"), dir.join("out.csv"));
    for round in 1..=a.rounds {
        // Each side writes a new file, with no write-back of the other's output pending:
        // overwriting a file in place (truncating it) and flushing earlier output are file
        // system work, not the work measured. The sides take turns going first, so that a
        // machine speeding up or slowing down over a round favours neither.
        let mut pass = 0.0;
        let mut est = 0.0;
        for side in [round % 2, 1 - round % 2] {
            settle(&[&pass_out, &est_out]);
            let t = Instant::now();
            if side == 1 {
                let n = if a.only.as_deref() == Some("estimate") {
                    1
                } else {
                    passthrough(&input, &pass_out)
                };
                pass = n as f64 / t.elapsed().as_secs_f64();
            } else {
                let m = if a.only.as_deref() == Some("passthrough") {
                    1
                } else {
                    estimate(table, &input, &est_out, a.threads, a.layout)
                };
                est = m as f64 / t.elapsed().as_secs_f64();
            }
        }
        let ratio = est / pass;
        ratios.push(ratio);
        println!(
            "round {round}: pass-through {:>10.0} rows/s   estimate {:>10.0} rows/s   ratio {ratio:.3}",
            pass, est
        );
    }
    ratios.sort_by(|a, b| a.total_cmp(b));
    let n = ratios.len();
    println!(
        "median ratio estimate/pass-through: {:.3} (quartiles {:.3} to {:.3} over {n} rounds)",
        ratios[n / 2],
        ratios[n / 4],
        ratios[(3 * n) / 4]
    );
    println!("peak RSS: {:.1} MiB", peak_rss_kib() as f64 / 1024.0);
    let _ = std::fs::remove_dir_all(&dir);
}
