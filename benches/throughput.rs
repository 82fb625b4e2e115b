//! Throughput of the batch estimator against the CSV ceiling.
//!
//! Generates a deterministic shipments CSV (default 1,000,000 rows), then, interleaved in one
//! process for several rounds: (a) the csv crate reading every record as a `ByteRecord` and
//! writing it back out unchanged, the physical ceiling of a CSV-in, CSV-out tool; (b) the
//! batch estimator's full path, `tariffs::batch::price_csv_with` (what `tariffs batch` runs).
//! Prints rows/s of each, the per-round ratio b/a and its median, and peak memory.
//!
//! `cargo bench --bench throughput -- --rows N --rounds R --threads T --schedule enacted`

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // a benchmark program

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
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
}

fn args() -> Args {
    let mut a = Args {
        rows: 1_000_000,
        rounds: 5,
        threads: 1,
        schedule: Schedule::Announced,
        input: None,
        only: None,
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

/// xorshift64*: deterministic, fast, good enough for test data.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// About 60 origins: partners of every basis, a few by name, and three unknown codes.
const ORIGINS: [&str; 60] = [
    "CN", "CN", "CN", "MX", "MX", "CA", "CA", "DE", "DE", "JP", "VN", "VN", "KR", "TW", "IN", "IE",
    "IT", "CH", "GB", "TH", "MY", "FR", "SG", "ID", "IL", "BR", "NL", "ES", "AU", "BE", "PH", "AT",
    "SE", "KH", "PL", "DK", "FI", "TR", "ZA", "CL", "KZ", "HK", "NO", "PE", "CO", "BD", "LK", "AE",
    "EG", "NZ", "PK", "CR", "RU", "MA", "LA", "Viet Nam", "Germany", "XX", "ZZ", "QQ",
];

fn generate(path: &Path, rows: u64, table: &RateTable) {
    let exempt: Vec<String> = table
        .exemptions()
        .iter()
        .filter(|e| e.code().len() == 8)
        .map(|e| e.code().to_string())
        .collect();
    let mut w = BufWriter::with_capacity(1 << 20, File::create(path).expect("create"));
    writeln!(
        w,
        "id,origin,value,hts,category,mfn,freight,insurance,mode,date,us_content,section232"
    )
    .expect("write");
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let modes = ["ocean", "air", "land"];
    for i in 0..rows {
        let origin = ORIGINS[r.below(ORIGINS.len() as u64) as usize];
        let cents = 100 + r.below(500_000_000 - 100);
        let hts = if r.below(100) < 5 {
            exempt[r.below(exempt.len() as u64) as usize].clone()
        } else {
            let d = 1_000_000 + r.below(96_000_000);
            format!("{:04}.{:02}.{:02}", d / 10_000, d / 100 % 100, d % 100)
        };
        let mfn = r.below(3201);
        let freight = r.below(2_000_000);
        let insurance = r.below(50_000);
        let mode = modes[r.below(3) as usize];
        // Entry dates from 2025-04-01 to 2026-03-31.
        let day = r.below(365);
        let (y, m, d) = date_of(day);
        let us = if r.below(10) == 0 { "0.25" } else { "0" };
        let s232 = if r.below(20) == 0 { "true" } else { "false" };
        writeln!(
            w,
            "S{i:08},{origin},{}.{:02},{hts},,{}.{:02},{}.{:02},{}.{:02},{mode},{y:04}-{m:02}-{d:02},{us},{s232}",
            cents / 100,
            cents % 100,
            mfn / 100,
            mfn % 100,
            freight / 100,
            freight % 100,
            insurance / 100,
            insurance % 100,
        )
        .expect("write");
    }
    w.flush().expect("flush");
}

fn date_of(mut day: u64) -> (u64, u64, u64) {
    let lengths = [
        (2025, 4, 30),
        (2025, 5, 31),
        (2025, 6, 30),
        (2025, 7, 31),
        (2025, 8, 31),
        (2025, 9, 30),
        (2025, 10, 31),
        (2025, 11, 30),
        (2025, 12, 31),
        (2026, 1, 31),
        (2026, 2, 28),
        (2026, 3, 31),
    ];
    for (y, m, len) in lengths {
        if day < len {
            return (y, m, day + 1);
        }
        day -= len;
    }
    (2026, 3, 31)
}

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

fn estimate(table: &RateTable, input: &Path, output: &Path, threads: usize) -> u64 {
    let rdr = BufReader::with_capacity(1 << 16, File::open(input).expect("open"));
    let wtr = BufWriter::with_capacity(1 << 16, File::create(output).expect("create"));
    let mut rejected = 0u64;
    let mut count = |_: &RowError| -> std::io::Result<()> {
        rejected += 1;
        Ok(())
    };
    let s = price_csv_threaded(
        table,
        rdr,
        wtr,
        &mut count,
        false,
        Layout::LandedCost,
        threads,
    )
    .expect("batch");
    assert_eq!(s.rows_read, s.priced + s.rejected);
    s.rows_read
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
        generate(&input, a.rows, table);
    }
    let size = std::fs::metadata(&input).map(|m| m.len()).unwrap_or(0);
    println!(
        "generated {} rows, {:.1} MB in {:.2?} (schedule {}, threads {})",
        a.rows,
        size as f64 / 1e6,
        t.elapsed(),
        a.schedule.as_str(),
        a.threads
    );
    let mut ratios = Vec::new();
    for round in 1..=a.rounds {
        let t = Instant::now();
        let n = if a.only.as_deref() == Some("estimate") {
            1
        } else {
            passthrough(&input, &dir.join("pass.csv"))
        };
        let pass = n as f64 / t.elapsed().as_secs_f64();
        let t = Instant::now();
        let m = if a.only.as_deref() == Some("passthrough") {
            1
        } else {
            estimate(table, &input, &dir.join("out.csv"), a.threads)
        };
        let est = m as f64 / t.elapsed().as_secs_f64();
        let ratio = est / pass;
        ratios.push(ratio);
        println!(
            "round {round}: pass-through {:>10.0} rows/s   estimate {:>10.0} rows/s   ratio {ratio:.3}",
            pass, est
        );
    }
    ratios.sort_by(|a, b| a.total_cmp(b));
    println!(
        "median ratio estimate/pass-through: {:.3}",
        ratios[ratios.len() / 2]
    );
    println!("peak RSS: {:.1} MiB", peak_rss_kib() as f64 / 1024.0);
    let _ = std::fs::remove_dir_all(&dir);
}
