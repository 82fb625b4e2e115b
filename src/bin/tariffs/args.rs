//! The command line, defined once (clap derive): the flags, their help, the usage lines and
//! the usage errors all come from the types below. The lists that the library owns (input
//! fields, output columns, categories, transport modes, schedules) are taken from it when
//! the command line is built, not copied here; the two exceptions, the Section 232 kinds and
//! the entry types, wait for the library's keyword enums of `kinds.rs` to be wired in.

use std::ffi::OsStr;

use clap::builder::{PossibleValue, PossibleValuesParser, StringValueParser, TypedValueParser};
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use tariffs::batch::{Field, ERROR_COLUMNS, OUTPUT_COLUMNS, REFUND_COLUMNS};
use tariffs::{Category, Schedule, Section232, TransportMode};

const AFTER_HELP: &str = "\
Every command takes --schedule, --table and --measures (before or after its name) and
-h/--help; run `tariffs help COMMAND` or `tariffs COMMAND --help` for its flags. A switch
takes an inline yes or no: --json=no leaves it off.

Exit codes: 0 all priced; 1 some rows (or the one shipment) rejected; 2 usage error, unreadable
input, invalid table, unwritable output, or an output that is an input; 130/143/129
interrupted by SIGINT/SIGTERM/SIGHUP (no output file is left).";

/// US reciprocal-tariff (EO 14257) estimator
#[derive(Parser, Debug)]
#[command(
    name = "tariffs",
    version,
    disable_version_flag = true,
    subcommand_required = true,
    arg_required_else_help = true,
    after_help = AFTER_HELP
)]
pub struct Cli {
    /// Print the crate version, the output schema's version and, for each
    /// bundled schedule, its label, reference date, row counts and fingerprint
    #[arg(short = 'V', long, action = ArgAction::Version, verbatim_doc_comment)]
    version: Option<bool>,

    #[command(flatten)]
    pub global: Global,

    #[command(subcommand)]
    pub command: Cmd,
}

/// The flags every command takes, before or after its name.
#[derive(Args, Debug)]
#[command(next_help_heading = "Table options")]
pub struct Global {
    #[arg(long, global = true, value_name = "NAME", hide_possible_values = true,
          value_parser = keyword(&Schedule::ALL, Schedule::as_str), help = schedule_help())]
    pub schedule: Option<Schedule>,

    /// Use your own table FILE instead of the bundled one
    #[arg(long, global = true, value_name = "FILE", allow_hyphen_values = true)]
    pub table: Option<String>,

    /// Add the measures of FILE (the measures table format) to the table
    #[arg(long, global = true, value_name = "FILE", allow_hyphen_values = true)]
    pub measures: Option<String>,
}

fn schedule_help() -> String {
    format!(
        "The bundled schedule: {} (the rates announced on 2 April 2025;\n\
         the default, except for refunds) or {} (the rates as enacted,\n\
         by entry date)",
        Schedule::Announced.as_str(),
        Schedule::Enacted.as_str()
    )
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// The landed cost of one shipment
    Estimate(Box<EstimateArgs>),
    /// Price a CSV of shipments
    #[command(after_help = batch_after_help())]
    Batch(BatchArgs),
    /// Exempt share and effective rate of a basket
    #[command(after_help = EXEMPT_AFTER_HELP)]
    ExemptShare(ExemptShareArgs),
    /// The table as loaded, with the source of every row
    Rates(RatesArgs),
    /// The published formula: the rates a trade balance gives
    #[command(after_help = FORMULA_AFTER_HELP)]
    RateFromTrade(FormulaArgs),
    /// The IEEPA duty that applied to past entries, and so the refund
    #[command(after_help = refunds_after_help())]
    Refunds(RefundsArgs),
}

// ---------------------------------------------------------------------------------------------
// estimate

/// The shipment, one flag per input field of the library (`tariffs::batch::Field`), under the
/// field's name with `-` for `_`; the text is handed to the library as typed, which reads it
/// as it reads a batch's column (a value it refuses rejects the shipment: exit 1).
#[derive(Args, Debug)]
pub struct EstimateArgs {
    /// Partner: ISO code (KZ, KAZ) or name ("Viet Nam")
    #[arg(long, value_name = "CODE", allow_hyphen_values = true)]
    pub origin: String,

    /// Customs value (the transaction value, without freight and insurance)
    #[arg(long, value_name = "USD", allow_hyphen_values = true)]
    pub value: String,

    /// HTS code, 4 to 10 digits, with or without dots
    #[arg(long, value_name = "CODE", allow_hyphen_values = true)]
    pub hts: Option<String>,

    #[arg(
        long,
        value_name = "NAME",
        allow_hyphen_values = true,
        hide_possible_values = true,
        value_parser = categories(),
        help = categories().help("Exemption category instead of an HTS code"),
    )]
    pub category: Option<String>,

    /// MFN ad valorem rate in percent (16.5)
    #[arg(long, value_name = "PCT", allow_hyphen_values = true)]
    pub mfn: Option<String>,

    /// Freight
    #[arg(long, value_name = "USD", allow_hyphen_values = true)]
    pub freight: Option<String>,

    /// Insurance
    #[arg(long, value_name = "USD", allow_hyphen_values = true)]
    pub insurance: Option<String>,

    #[arg(long, value_name = "MODE", allow_hyphen_values = true, hide_possible_values = true,
          value_parser = modes(), help = modes().help("Transport mode (only ocean pays the HMF)"))]
    pub mode: Option<String>,

    /// Entry date (default: the table's reference date, rates in full force)
    #[arg(long, value_name = "YYYY-MM-DD", allow_hyphen_values = true)]
    pub date: Option<String>,

    /// US content, 0 to 1 (or 25%); from 20% the reciprocal duty applies
    /// to the non-US part only
    #[arg(
        long,
        value_name = "SHARE",
        allow_hyphen_values = true,
        verbatim_doc_comment
    )]
    pub us_content: Option<String>,

    #[arg(
        long,
        value_name = "KIND",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        overrides_with = "section232",
        hide_possible_values = true,
        value_parser = section232_kinds(),
        help = section232_kinds().help(
            "Section 232 goods (no reciprocal duty; autos also pay no Canada or Mexico duty), \
             of a KIND or not said"
        ),
    )]
    pub section232: Option<String>,

    #[arg(
        long,
        value_name = "TYPE",
        allow_hyphen_values = true,
        hide_possible_values = true,
        value_parser = entry_types(),
        help = entry_types().help("Entry type (default: informal at $2,500 or less)"),
    )]
    pub entry_type: Option<String>,

    /// Date loaded on the vessel (in-transit rules)
    #[arg(long, value_name = "YYYY-MM-DD", allow_hyphen_values = true)]
    pub loaded: Option<String>,

    /// Entered as USMCA-originating (Canada, Mexico)
    #[arg(
        long,
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        overrides_with = "usmca",
    )]
    pub usmca: Option<String>,

    /// Found transshipped (40% in lieu of the country rate)
    #[arg(
        long,
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        overrides_with = "transshipped",
    )]
    pub transshipped: Option<String>,

    /// Energy or energy resources (Canada's lower rate)
    #[arg(
        long,
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        overrides_with = "energy",
    )]
    pub energy: Option<String>,

    /// Potash (Canada's and Mexico's lower rate)
    #[arg(
        long,
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        overrides_with = "potash",
    )]
    pub potash: Option<String>,

    /// Column 1 General rate in percent, when --mfn is a special rate
    /// (the 15% floors)
    #[arg(
        long,
        value_name = "PCT",
        allow_hyphen_values = true,
        verbatim_doc_comment
    )]
    pub mfn_general: Option<String>,

    /// Machine-readable output (amounts and rates as strings, to keep
    /// them exact)
    #[arg(
        long,
        verbatim_doc_comment,
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        overrides_with = "json",
    )]
    pub json: Option<String>,
}

impl EstimateArgs {
    /// The text given for a field (`true` for a switch given alone), if any.
    pub fn field(&self, f: Field) -> Option<&str> {
        match f {
            Field::Id => None,
            Field::Origin => Some(&self.origin),
            Field::Value => Some(&self.value),
            Field::Hts => self.hts.as_deref(),
            Field::Category => self.category.as_deref(),
            Field::Mfn => self.mfn.as_deref(),
            Field::Freight => self.freight.as_deref(),
            Field::Insurance => self.insurance.as_deref(),
            Field::Mode => self.mode.as_deref(),
            Field::Date => self.date.as_deref(),
            Field::UsContent => self.us_content.as_deref(),
            Field::Section232 => self.section232.as_deref(),
            Field::EntryType => self.entry_type.as_deref(),
            Field::Loaded => self.loaded.as_deref(),
            Field::Usmca => self.usmca.as_deref(),
            Field::Transshipped => self.transshipped.as_deref(),
            Field::Energy => self.energy.as_deref(),
            Field::Potash => self.potash.as_deref(),
            Field::MfnGeneral => self.mfn_general.as_deref(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// batch and refunds

/// What `batch` and `refunds` share.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// The input CSV, or - for standard input
    #[arg(value_name = "FILE", allow_negative_numbers = true)]
    pub input: String,

    /// Write the results to FILE, put in place only when complete (a
    /// device or pipe, such as /dev/null, directly); default standard
    /// output
    #[arg(
        short = 'o',
        long,
        value_name = "FILE",
        allow_hyphen_values = true,
        verbatim_doc_comment
    )]
    pub output: Option<String>,

    #[arg(long, value_name = "FILE", allow_hyphen_values = true, help = errors_help())]
    pub errors: Option<String>,

    /// Stop at the first rejected row
    #[arg(
        long,
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        overrides_with = "strict",
    )]
    pub strict: Option<String>,

    /// Price on N threads (default: the machine's cores, at most 4); the
    /// output is the same, in the same order
    #[arg(
        long,
        value_name = "N",
        allow_hyphen_values = true,
        verbatim_doc_comment
    )]
    pub threads: Option<String>,
}

#[derive(Args, Debug)]
pub struct BatchArgs {
    #[command(flatten)]
    pub run: RunArgs,

    /// Write only these output columns (names separated by commas, kept
    /// in the standard order), e.g. id,origin,total_duty,landed_cost,source;
    /// `notes` adds why each row was treated so (MPF exemptions, fee
    /// figures carried forward, readings), `all,notes` every column
    #[arg(
        long,
        value_name = "LIST",
        allow_hyphen_values = true,
        verbatim_doc_comment
    )]
    pub columns: Option<String>,
}

#[derive(Args, Debug)]
pub struct RefundsArgs {
    #[command(flatten)]
    pub run: RunArgs,

    /// Not a flag of refunds (its layout is fixed): taken only to say so.
    #[arg(long, hide = true, allow_hyphen_values = true)]
    pub columns: Option<String>,
}

fn errors_help() -> String {
    paragraph(&format!(
        "Write the rejected rows ({}) to FILE; default: one line each on standard error",
        ERROR_COLUMNS.join(", ")
    ))
}

/// The input columns, from the library's list of fields.
fn input_columns() -> String {
    let names: Vec<&str> = Field::ALL.iter().map(|f| f.name()).collect();
    wrap(&names.join(", "))
}

fn batch_after_help() -> String {
    format!(
        "\
Input columns, matched by name in any order, case-insensitively (unknown ones are ignored); id,
origin and value required, the others optional, as the estimate flags (switches take
true/false, yes/no, 1/0):
{}

Output columns, one row per priced input row, in input order (--columns also takes notes):
{}",
        input_columns(),
        wrap(&OUTPUT_COLUMNS.join(","))
    )
}

fn refunds_after_help() -> String {
    format!(
        "\
Input columns as for `tariffs batch` (id, origin, value required; a date for each entry, which
the refund depends on; loaded for goods in transit). Uses the enacted schedule unless
--schedule or --table says otherwise. The columns:
{}

Output columns, per entry: the reciprocal, fentanyl, Brazil and India duties with their rates
and legal sources, the refundable IEEPA total, the Section 122 surcharge (not IEEPA, not
refundable) and notes:
{}",
        input_columns(),
        wrap(&REFUND_COLUMNS.join(","))
    )
}

/// `text` broken at its spaces or commas into lines of at most 96 characters, each indented
/// by four spaces (clap writes the text after the help as it is given).
fn wrap(text: &str) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_inclusive([' ', ',']) {
        if line.len() + word.trim_end().len() > 92 && !line.is_empty() {
            out.push_str("    ");
            out.push_str(line.trim_end());
            out.push('\n');
            line.clear();
        }
        line.push_str(word);
    }
    out.push_str("    ");
    out.push_str(line.trim_end());
    out
}

// ---------------------------------------------------------------------------------------------
// exempt-share, rates, rate-from-trade

const EXEMPT_AFTER_HELP: &str = "\
Input columns: value (required); hts or category (a line with neither is dutiable); origin
(required without --origin: the file is then reported per origin). Other columns are ignored.";

#[derive(Args, Debug)]
pub struct ExemptShareArgs {
    /// The input CSV, or - for standard input
    #[arg(value_name = "FILE", allow_negative_numbers = true)]
    pub input: String,

    /// The basket's origin (overrides any origin column)
    #[arg(long, value_name = "CODE", allow_hyphen_values = true)]
    pub origin: Option<String>,

    /// Rates and exemptions in force on that date (default: the table's
    /// reference date)
    #[arg(
        long,
        value_name = "YYYY-MM-DD",
        allow_hyphen_values = true,
        verbatim_doc_comment
    )]
    pub date: Option<String>,

    /// Write rejected lines to FILE (default standard error)
    #[arg(long, value_name = "FILE", allow_hyphen_values = true)]
    pub errors: Option<String>,

    /// Machine-readable output
    #[arg(
        long,
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        overrides_with = "json",
    )]
    pub json: Option<String>,
}

#[derive(Args, Debug)]
pub struct RatesArgs {
    /// Rows of one partner (and of the partner whose rate it takes)
    #[arg(long, value_name = "NAME", allow_hyphen_values = true)]
    pub partner: Option<String>,

    /// Exemption rows covering or under CODE (implies --kind exempt)
    #[arg(long, value_name = "CODE", allow_hyphen_values = true)]
    pub hts: Option<String>,

    /// Rows in force on that date
    #[arg(long, value_name = "YYYY-MM-DD", allow_hyphen_values = true)]
    pub date: Option<String>,

    #[arg(
        long,
        value_enum,
        value_name = "KIND",
        hide_possible_values = true,
        help = listing(
            "Rows of one kind (default: rate, or exempt with --hts)",
            &names::<RowKind>()
        ),
    )]
    pub kind: Option<RowKind>,

    #[arg(
        long,
        value_enum,
        value_name = "FORMAT",
        default_value_t = Format::Text,
        hide_possible_values = true,
        help = listing(
            "Output format (csv is the table format: a file you can edit and load back with \
             --table)",
            &names::<Format>()
        ),
    )]
    pub format: Format,
}

/// The kinds of rows of a table, as its `kind` column names them.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowKind {
    Rate,
    Exempt,
    Fee,
    #[value(alias = "program")]
    Measure,
    #[value(name = "mpf_exempt")]
    MpfExempt,
    All,
}

impl RowKind {
    /// The keyword, as the `kind` column writes it (`all`: every kind).
    pub fn as_str(self) -> &'static str {
        match self {
            RowKind::Rate => "rate",
            RowKind::Exempt => "exempt",
            RowKind::Fee => "fee",
            RowKind::Measure => "measure",
            RowKind::MpfExempt => "mpf_exempt",
            RowKind::All => "all",
        }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Csv,
    Json,
}

const FORMULA_AFTER_HELP: &str = "\
charged = (imports - exports) / imports as a whole percent, at least 10;
reciprocal = half of that, rounded up, at least 10 (the chart's reading);
the exact-half reading halves the unrounded ratio (Vietnam's and Japan's chart figures).";

#[derive(Args, Debug)]
pub struct FormulaArgs {
    /// US imports from the partner (customs basis)
    #[arg(long, value_name = "USD", allow_hyphen_values = true)]
    pub imports: String,

    /// US exports to the partner
    #[arg(long, value_name = "USD", allow_hyphen_values = true)]
    pub exports: String,

    /// Machine-readable output
    #[arg(
        long,
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        overrides_with = "json",
    )]
    pub json: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// switches and keywords

/// A switch given: alone, or with an inline value other than a no (false, no, n, 0).
pub fn on(switch: &Option<String>) -> bool {
    switch.as_deref().is_some_and(|v| {
        !["false", "no", "n", "0"]
            .iter()
            .any(|n| v.eq_ignore_ascii_case(n))
    })
}

/// The kinds `--section232=KIND` names (`tariffs::Section232` has no `ALL` yet: the
/// keyword-enum copy in the library's `kinds.rs`, which has, is not wired in).
const SECTION_232: [Section232; 4] = [
    Section232::Autos,
    Section232::SteelAluminum,
    Section232::Copper,
    Section232::Lumber,
];

/// The library reads these two words (`tariffs::EntryType` has no keyword method).
const ENTRY_TYPES: [&str; 2] = ["formal", "informal"];

/// One of the keywords `name` gives the values of `all`, as that value; anything else is a
/// usage error naming them (with the nearest as a tip).
fn keyword<T: Copy + Send + Sync + 'static>(
    all: &'static [T],
    name: fn(T) -> &'static str,
) -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(all.iter().map(|&t| PossibleValue::new(name(t)))).try_map(
        move |s: String| {
            all.iter()
                .copied()
                .find(|&t| name(t) == s)
                .ok_or("not one of the keywords")
        },
    )
}

/// A field's text, handed on as typed: the library reads it (aliases and case included) and
/// rejects the shipment if it cannot. Its keywords are its possible values and are listed in
/// its help.
#[derive(Clone)]
struct Listed(Vec<&'static str>);

impl Listed {
    fn new<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> Listed {
        Listed(all.iter().map(|&t| name(t)).collect())
    }

    fn help(&self, text: &str) -> String {
        listing(text, &self.0)
    }
}

fn categories() -> Listed {
    Listed::new(&Category::ALL, Category::as_str)
}

fn modes() -> Listed {
    Listed::new(&TransportMode::ALL, TransportMode::as_str)
}

fn section232_kinds() -> Listed {
    Listed::new(&SECTION_232, Section232::as_str)
}

fn entry_types() -> Listed {
    Listed::new(&ENTRY_TYPES, |t| t)
}

/// The names of a keyword enum's values.
fn names<T: ValueEnum>() -> Vec<String> {
    T::value_variants()
        .iter()
        .filter_map(|v| v.to_possible_value())
        .map(|v| v.get_name().to_string())
        .collect()
}

/// `text: a, b, c` as a paragraph of the help.
fn listing<S: AsRef<str>>(text: &str, names: &[S]) -> String {
    let names: Vec<&str> = names.iter().map(AsRef::as_ref).collect();
    paragraph(&format!("{text}: {}", names.join(", ")))
}

/// `text` broken at its spaces into lines of at most 64 characters: clap writes a flag's
/// help as it is given, indenting its lines to the help's column.
fn paragraph(text: &str) -> String {
    let mut out = String::new();
    let mut width = 0;
    for word in text.split(' ') {
        if width > 0 && width + 1 + word.len() > 64 {
            out.push('\n');
            width = 0;
        } else if width > 0 {
            out.push(' ');
            width += 1;
        }
        out.push_str(word);
        width += word.len();
    }
    out
}

impl TypedValueParser for Listed {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<String, clap::Error> {
        StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(self.0.iter().map(|&n| PossibleValue::new(n))))
    }
}

// ---------------------------------------------------------------------------------------------
// usage errors

/// A usage error in one line (without the `tariffs: ` before it and the hint after it):
/// clap's message, the old wording where there was one, then the nearest names as the
/// library suggests partners (`; did you mean --origin?`) and clap's other tips.
pub fn one_line(e: &clap::Error) -> String {
    let text = |kind| match e.get(kind) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        Some(ContextValue::Strings(v)) => Some(v.join(", ")),
        Some(ContextValue::StyledStr(s)) => Some(s.to_string()),
        _ => None,
    };
    // clap's rendering: the message, the tips, then the usage and a pointer to --help.
    let rendered = e.render().to_string();
    let mut message = Vec::new();
    let mut tips = Vec::new();
    for line in rendered.lines().map(str::trim) {
        if line.starts_with("Usage:") || line.starts_with("For more information") {
            break;
        }
        match line.strip_prefix("tip: ") {
            // The nearest names, said below from the error's context.
            Some(tip) if tip.starts_with("a similar ") || tip.starts_with("some similar ") => {}
            Some(tip) => tips.push(format!("tip: {tip}")),
            None if !line.is_empty() => {
                message.push(line.strip_prefix("error: ").unwrap_or(line).to_string())
            }
            None => {}
        }
    }
    let mut out = match (e.kind(), text(ContextKind::InvalidArg)) {
        (ErrorKind::UnknownArgument, Some(arg)) if arg.starts_with('-') => {
            format!("unknown option {arg}")
        }
        (ErrorKind::UnknownArgument, Some(arg)) => format!("unexpected argument {arg:?}"),
        (ErrorKind::MissingRequiredArgument, Some(args)) => {
            // The command, from the usage line: `Usage: tariffs batch [OPTIONS] <FILE>`.
            let cmd = text(ContextKind::Usage)
                .and_then(|u| {
                    u.split_whitespace()
                        .nth(2)
                        .filter(|w| !w.starts_with(['[', '<', '-']))
                        .map(str::to_string)
                })
                .unwrap_or_else(|| "tariffs".into());
            format!("{cmd} needs {args}")
        }
        (ErrorKind::InvalidSubcommand, _) => match text(ContextKind::InvalidSubcommand) {
            Some(cmd) => format!("unknown command {cmd:?}"),
            None => message.join(" "),
        },
        _ => message.join(" "),
    };
    let nearest: Vec<String> = [
        ContextKind::SuggestedSubcommand,
        ContextKind::SuggestedArg,
        ContextKind::SuggestedValue,
    ]
    .into_iter()
    .flat_map(|kind| match e.get(kind) {
        Some(ContextValue::String(s)) => vec![s.clone()],
        Some(ContextValue::Strings(v)) => v.clone(),
        _ => Vec::new(),
    })
    .collect();
    if !nearest.is_empty() {
        out.push_str(&format!("; did you mean {}?", nearest.join(", ")));
    }
    for tip in tips {
        out.push_str("; ");
        out.push_str(&tip);
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_input_field_is_a_flag_of_estimate() {
        let cmd = Cli::command();
        let estimate = cmd.find_subcommand("estimate").unwrap();
        for f in Field::ALL {
            let flag = f.name().replace('_', "-");
            let found = estimate
                .get_arguments()
                .any(|a| a.get_long() == Some(&flag));
            assert_eq!(found, f != Field::Id, "{flag}");
        }
    }

    /// The usage error of `args`, in one line.
    fn error(args: &[&str]) -> String {
        let argv = std::iter::once("tariffs").chain(args.iter().copied());
        match Cli::command().try_get_matches_from(argv) {
            Ok(_) => panic!("{args:?} parsed"),
            Err(e) => one_line(&e),
        }
    }

    #[test]
    fn usage_errors_in_one_line() {
        for (args, want) in [
            (
                &["estimate", "--value", "1"][..],
                "estimate needs --origin <CODE>",
            ),
            (&["batch"], "batch needs <FILE>"),
            (&["frobnicate"], "unknown command \"frobnicate\""),
            (
                &["estimat"],
                "unknown command \"estimat\"; did you mean estimate?",
            ),
            (
                &["estimate", "--orign", "KZ", "--value", "1"],
                "unknown option --orign; did you mean --origin?",
            ),
            (
                &["estimate", "--origin", "KZ", "--value", "1", "x"],
                "unexpected argument \"x\"",
            ),
            (
                &["rates", "--kind", "measures"],
                "invalid value 'measures' for '--kind <KIND>' [possible values: rate, exempt, \
                 fee, measure, mpf_exempt, all]; did you mean measure?",
            ),
            (
                &["rates", "--format", "xml"],
                "invalid value 'xml' for '--format <FORMAT>' [possible values: text, csv, json]",
            ),
            (
                &["estimate", "--origin", "KZ", "--value"],
                "a value is required for '--value <USD>' but none was supplied",
            ),
        ] {
            assert_eq!(error(args), want, "{args:?}");
        }
    }

    #[test]
    fn wrapped_lists_keep_every_name() {
        let text = wrap(&OUTPUT_COLUMNS.join(","));
        assert!(text
            .lines()
            .all(|l| l.len() <= 100 && l.starts_with("    ")));
        let joined: String = text.lines().map(str::trim).collect();
        assert_eq!(joined, OUTPUT_COLUMNS.join(","));
    }
}
