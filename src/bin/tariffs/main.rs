//! `tariffs`: the command-line estimator. A thin layer over the library: every figure it
//! prints comes from the same API a crate user calls.

#![allow(missing_docs)] // a binary: its items are documented for readers, not rustdoc

mod args;
mod commands;
mod io;

use std::io::Write;
use std::process::ExitCode;

use tariffs::{RateTable, Schedule};

pub(crate) const USAGE: &str = "\
tariffs: US reciprocal-tariff (EO 14257) estimator

USAGE:
    tariffs estimate --origin CODE --value USD [--hts CODE | --category NAME] [--mfn PCT]
                     [--freight USD] [--insurance USD] [--mode ocean|air|land|mail|other]
                     [--date YYYY-MM-DD] [--us-content SHARE] [--section232]
                     [--entry-type formal|informal] [--json]
    tariffs batch FILE|- [-o FILE] [--errors FILE] [--strict]
    tariffs exempt-share [--origin CODE] [--date YYYY-MM-DD] [--errors FILE] [--json] FILE|-
    tariffs rates [--partner NAME] [--hts CODE] [--date YYYY-MM-DD]
                  [--kind rate|exempt|fee|all] [--format text|csv|json]
    tariffs rate-from-trade --imports USD --exports USD [--json]
    tariffs refunds FILE|- [-o FILE] [--errors FILE] [--strict]

Every command takes --schedule announced|enacted (the bundled schedules: the rates announced
on 2 April 2025, the default except for refunds; or the rates as enacted, by entry date) and
--table FILE (your own table instead).
    tariffs --version    crate and bundled-table versions
    tariffs COMMAND --help

Exit codes: 0 all priced; 1 some rows rejected; 2 usage error, unreadable input, invalid table
or unwritable output; 130/143/129 interrupted by SIGINT/SIGTERM/SIGHUP.";

/// How a run failed as a whole.
pub(crate) enum Fail {
    /// Wrong arguments (exit 2, with a hint).
    Usage(String),
    /// Unreadable input, invalid table, unwritable output (exit 2).
    Input(String),
}

/// Writes one line to standard error. A failure to write it is ignored: there is nowhere
/// left to report it, and the exit code still says how the run went.
pub(crate) fn say(line: &str) {
    let mut text = String::with_capacity(line.len() + 1);
    text.push_str(line);
    text.push('\n');
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

fn main() -> ExitCode {
    io::remove_temporaries_on_signals();
    let mut argv = Vec::new();
    for a in std::env::args_os().skip(1) {
        match a.into_string() {
            Ok(s) => argv.push(s),
            Err(a) => {
                say(&format!("tariffs: argument {a:?} is not valid UTF-8"));
                return ExitCode::from(2);
            }
        }
    }
    match run(&argv) {
        Ok(code) => ExitCode::from(code),
        // Messages may quote input (paths, flags, values): its control characters are
        // escaped, so that no input can drive the terminal.
        Err(Fail::Usage(msg)) => {
            say(&format!(
                "tariffs: {} (see tariffs --help)",
                tariffs::batch::escape_controls(&msg)
            ));
            ExitCode::from(2)
        }
        Err(Fail::Input(msg)) => {
            say(&format!(
                "tariffs: {}",
                tariffs::batch::escape_controls(&msg)
            ));
            ExitCode::from(2)
        }
    }
}

fn run(argv: &[String]) -> Result<u8, Fail> {
    let Some(cmd) = argv.first() else {
        commands::print(USAGE)?;
        return Ok(0);
    };
    let rest = &argv[1..];
    match cmd.as_str() {
        "-h" | "--help" | "help" => {
            commands::print(USAGE)?;
            Ok(0)
        }
        "-V" | "--version" => {
            commands::print(&version())?;
            Ok(0)
        }
        "estimate" => commands::estimate(rest),
        "batch" => commands::batch(rest),
        "exempt-share" => commands::exempt_share(rest),
        "rates" => commands::rates(rest),
        "rate-from-trade" => commands::rate_from_trade(rest),
        "refunds" => commands::refunds(rest),
        other => Err(Fail::Usage(format!("unknown command {other:?}"))),
    }
}

/// The table in use: the bundled one, or a user's (`--table FILE`).
pub(crate) enum Table {
    Bundled(&'static RateTable),
    Owned(Box<RateTable>),
}

impl std::ops::Deref for Table {
    type Target = RateTable;
    fn deref(&self) -> &RateTable {
        match self {
            Table::Bundled(t) => t,
            Table::Owned(t) => t,
        }
    }
}

/// The table to use: `--table FILE`, or the bundled schedule named by `--schedule`
/// (`default` when none is named).
pub(crate) fn load_table(args: &crate::args::Args, default: Schedule) -> Result<Table, Fail> {
    let schedule = match args.value("schedule") {
        Some(s) => s.parse::<Schedule>().map_err(Fail::Usage)?,
        None => default,
    };
    let table = match args.value("table") {
        None => schedule
            .table()
            .map(Table::Bundled)
            .map_err(|e| Fail::Input(e.to_string()))?,
        Some(p) => RateTable::from_path(p)
            .map(|t| Table::Owned(Box::new(t)))
            .map_err(|e| Fail::Input(format!("invalid table: {e}")))?,
    };
    // `--measures FILE`: a measures table added to the schedule.
    match args.value("measures") {
        None => Ok(table),
        Some(p) => {
            let mut t = match table {
                Table::Bundled(_) => {
                    Box::new(schedule.build().map_err(|e| Fail::Input(e.to_string()))?)
                }
                Table::Owned(t) => t,
            };
            t.load_measures(p)
                .map_err(|e| Fail::Input(format!("invalid measures table: {e}")))?;
            Ok(Table::Owned(t))
        }
    }
}

/// 64-bit FNV-1a of the bundled table's text: identifies the exact data shipped.
fn fingerprint(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn version() -> String {
    let mut s = format!("tariffs {}", env!("CARGO_PKG_VERSION"));
    for schedule in [Schedule::Announced, Schedule::Enacted] {
        match schedule.table() {
            Ok(t) => s.push_str(&format!(
                "\n{} schedule: {} (reference date {}): {} rate, {} exemption, {} measure and {} fee rows; fnv1a64 {:016x}",
                schedule.as_str(),
                schedule.label(),
                t.reference_date().map(|d| d.to_string()).unwrap_or_default(),
                t.rates().count(),
                t.exemptions().len(),
                t.measures().rows().len(),
                t.fees().len(),
                fingerprint(schedule.text()),
            )),
            Err(e) => s.push_str(&format!("\n{} schedule: invalid: {e}", schedule.as_str())),
        }
    }
    s
}
