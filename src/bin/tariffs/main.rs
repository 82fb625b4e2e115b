//! `tariffs`: the command-line estimator. A thin layer over the library: every figure it
//! prints comes from the same API a crate user calls.

#![allow(missing_docs)] // a binary: its items are documented for readers, not rustdoc

mod args;
mod commands;
mod io;

use std::io::Write;
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{CommandFactory, FromArgMatches};
use tariffs::{RateTable, Schedule};

use crate::args::{Cli, Cmd, Global};

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
    let parsed = Cli::command()
        .try_get_matches_from(std::iter::once("tariffs").chain(argv.iter().map(String::as_str)))
        .and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        // Help (`-h`, `--help`, `help [COMMAND]`, no arguments at all) and the version go to
        // standard output; everything else is a usage error.
        Err(e) => {
            return match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    commands::print(&e.render().to_string())?;
                    Ok(0)
                }
                ErrorKind::DisplayVersion => {
                    commands::print(&version())?;
                    Ok(0)
                }
                _ => Err(Fail::Usage(args::one_line(&e))),
            }
        }
    };
    let global = &cli.global;
    match &cli.command {
        Cmd::Estimate(a) => commands::estimate(a, global),
        Cmd::Batch(a) => commands::batch(a, global),
        Cmd::ExemptShare(a) => commands::exempt_share(a, global),
        Cmd::Rates(a) => commands::rates(a, global),
        Cmd::RateFromTrade(a) => commands::rate_from_trade(a),
        Cmd::Refunds(a) => commands::refunds(a, global),
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
pub(crate) fn load_table(args: &Global, default: Schedule) -> Result<Table, Fail> {
    let schedule = args.schedule.unwrap_or(default);
    let table = match args.table.as_deref() {
        None => schedule
            .table()
            .map(Table::Bundled)
            .map_err(|e| Fail::Input(e.to_string()))?,
        Some(p) => RateTable::from_path(p)
            .map(|t| Table::Owned(Box::new(t)))
            .map_err(|e| Fail::Input(format!("invalid table: {e}")))?,
    };
    // `--measures FILE`: a measures table added to the schedule.
    match args.measures.as_deref() {
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
    let mut s = format!(
        "tariffs {} (output schema {})",
        env!("CARGO_PKG_VERSION"),
        tariffs::batch::SCHEMA_VERSION
    );
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
