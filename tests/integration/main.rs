//! Integration tests, one binary (as jiff does): `cargo test` runs them all.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// The benchmarks' shipment generator is loaded by more than one suite.
#![allow(clippy::duplicate_mod)]

mod bundled;
mod cli;
mod cli_robust;
mod enacted;
mod fast_path;
mod formula;
mod golden;
mod hardening;
mod loading;
mod lookups;
mod props;

use std::path::PathBuf;

/// Path of a file in `tests/data`.
pub fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("data")
        .join(name)
}

/// A decimal from text, exactly.
pub fn dec(s: &str) -> rust_decimal::Decimal {
    rust_decimal::Decimal::from_str_exact(s).unwrap_or_else(|e| panic!("bad decimal {s:?}: {e}"))
}
