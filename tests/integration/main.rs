//! Integration tests, one binary (as jiff does): `cargo test` runs them all.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

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
mod measures;
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

/// The sourced data beside the repository (`../shared/data`), which the tests that check
/// the committed tables against their sources read. Under CI (the `CI` variable set) its
/// absence fails the test; elsewhere the test passes and says so on the terminal, in the
/// test output (written to the process's standard error directly, which the test harness
/// does not capture).
pub fn shared_data(test: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    if dir.join("reciprocal_2025-04-02.csv").is_file() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{test}: the sourced data {} is missing, and CI must check the tables against it",
        dir.display()
    );
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr().lock(),
        "NOTE {test}: not checked, {} is not present (CI fails without it)",
        dir.display()
    );
    None
}
