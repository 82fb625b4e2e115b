//! A deterministic shipments file for the throughput benchmark and the fast-path test:
//! about 60 origins (three unknown), 5% exempt HTS lines, values from $1 to $5M, MFN rates
//! from 0 to 32%, every optional column present, entry dates over a year.

#![allow(clippy::expect_used, dead_code)]

use std::io::{BufWriter, Write};

use tariffs::RateTable;

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

/// Writes `rows` shipments to `out`, the same rows every time.
pub fn generate(out: impl Write, rows: u64, table: &RateTable) {
    let exempt: Vec<String> = table
        .exemptions()
        .iter()
        .filter(|e| e.code().len() == 8)
        .map(|e| e.code().to_string())
        .collect();
    let mut w = BufWriter::with_capacity(1 << 20, out);
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
