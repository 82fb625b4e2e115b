//! The commands.

use std::fmt::Write as _;
use std::io::Write;

use rust_decimal::Decimal;
use serde::Serialize;
use tariffs::batch::{
    self, fmt_money, fmt_pct, price_csv_threaded, price_fields, BatchError, BatchObserver,
    BatchSummary, ColumnSet, Field, Layout, RowError, ERROR_COLUMNS,
};
use tariffs::measure::Considered;
use tariffs::{
    BasketReport, Category, CountryCode, Date, FeeOutcome, Goods, HtsCode, LandedCost, Partner,
    RateStatus, Schedule, TransportMode,
};

use crate::args::{
    on, BatchArgs, EstimateArgs, ExemptShareArgs, Format, FormulaArgs, Global, RatesArgs,
    RefundsArgs, RowKind, RunArgs,
};
use crate::io::{open_input, refuse_same_files, stderr_is_terminal, Output, Stream};
use crate::{load_table, say, Fail};

/// Writes text to standard output; a closed pipe is an input/output failure, not a panic.
pub fn print(text: &str) -> Result<(), Fail> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|_| {
            if text.ends_with('\n') {
                Ok(())
            } else {
                out.write_all(b"\n")
            }
        })
        .and_then(|_| out.flush())
        .map_err(|e| Fail::Input(format!("cannot write to standard output: {e}")))
}

fn date_flag(date: Option<&str>) -> Result<Option<Date>, Fail> {
    date.map(|d| {
        d.parse::<Date>()
            .map_err(|e| Fail::Usage(format!("--date: {e}")))
    })
    .transpose()
}

// ---------------------------------------------------------------------------------------------
// estimate

fn flag_name(f: Field) -> String {
    f.name().replace('_', "-")
}

pub fn estimate(args: &EstimateArgs, global: &Global) -> Result<u8, Fail> {
    let table = load_table(global, Schedule::Announced)?;
    // A flag given alone (a switch) is "true", as in a batch's column.
    let get = |f: Field| -> &str { args.field(f).unwrap_or("") };
    match price_fields(&table, &get) {
        Ok((shipment, cost)) => {
            let text = if on(&args.json) {
                let explained = table
                    .explain(&shipment)
                    .map_err(|e| Fail::Input(e.to_string()))?;
                estimate_json(&shipment, &cost, &explained)?
            } else {
                estimate_text(&shipment, &cost)
            };
            print(&text)?;
            Ok(0)
        }
        Err(e) => {
            say(&format!(
                "tariffs: --{} \"{}\": {}",
                flag_name(e.field),
                batch::for_message(&e.value),
                batch::escape_controls(&e.reason)
            ));
            Ok(1)
        }
    }
}

fn goods_label(s: &tariffs::Shipment) -> String {
    match s.goods {
        Goods::Hts(h) => format!("HTS {h}"),
        Goods::Category(c) => format!("category {c}"),
        Goods::Unspecified => "goods not classified".to_string(),
    }
}

fn mode_label(m: Option<TransportMode>) -> String {
    m.map(|m| format!("by {m}"))
        .unwrap_or_else(|| "mode not given".into())
}

fn fee_note(fee: &tariffs::FeeCharge<'_>) -> String {
    let fy = fee.entry.map(|e| e.name()).unwrap_or("");
    let mut note = match fee.outcome {
        FeeOutcome::AdValorem => fy.to_string(),
        FeeOutcome::RaisedToMinimum => format!("raised to the minimum ({fy})"),
        FeeOutcome::CappedAtMaximum => format!("capped at the maximum ({fy})"),
        FeeOutcome::Flat => format!("informal entry: flat fee ({fy})"),
        FeeOutcome::InformalEntry => {
            "informal entry: no ad valorem MPF (no informal fee in the table)".into()
        }
        FeeOutcome::Exempt => match fee.exemption {
            Some(x) => format!("exempt: {} ({})", x.name(), x.source()),
            None => "exempt".into(),
        },
        FeeOutcome::NotOcean => "not an ocean shipment".into(),
        FeeOutcome::ModeNotGiven => "no --mode given: not charged".into(),
    };
    if let Some(carried) = fee.carried_note() {
        note.push_str("; ");
        note.push_str(carried);
    }
    note
}

fn estimate_text(s: &tariffs::Shipment, c: &LandedCost<'_>) -> String {
    let p = c.reciprocal.partner_rate.partner;
    let mut t = String::new();
    let _ = writeln!(
        t,
        "{} ({}), entry {}, {}, {}\n",
        p.name(),
        p.code(),
        c.date,
        goods_label(s),
        mode_label(s.mode)
    );
    let line = |t: &mut String,
                label: &str,
                rate: &str,
                base: Option<Decimal>,
                amount: Decimal,
                note: &str| {
        let base = base
            .map(|b| format!("on {}", fmt_money(b)))
            .unwrap_or_default();
        let row = format!(
            "  {label:<18}{rate:>9}  {base:<16}{:>14}  {note}",
            fmt_money(amount)
        );
        let _ = writeln!(t, "{}", row.trim_end());
    };
    line(&mut t, "customs value", "", None, c.customs_value, "");
    line(
        &mut t,
        "MFN duty",
        &format!("{}%", fmt_pct(c.mfn.rate_pct)),
        Some(c.mfn.base),
        c.mfn.amount,
        "",
    );
    line(
        &mut t,
        "reciprocal duty",
        &format!("{}%", fmt_pct(c.reciprocal.charge.rate_pct)),
        Some(c.reciprocal.charge.base),
        c.reciprocal.charge.amount,
        &batch::reciprocal_reason(&c.reciprocal),
    );
    for d in &c.measures {
        let note = match d.exclusion() {
            Some(x) => format!("not charged: {x}"),
            None if d.in_transit => "in transit: the rate of the loading date".into(),
            None => d
                .entry
                .map(|r| r.condition().collect::<Vec<_>>().join(";"))
                .unwrap_or_default(),
        };
        line(
            &mut t,
            d.name,
            &format!("{}%", fmt_pct(d.charge.rate_pct)),
            Some(d.charge.base),
            d.charge.amount,
            &note,
        );
    }
    for (label, fee) in [("MPF", &c.mpf), ("HMF", &c.hmf)] {
        // The rate and base of an ad valorem fee charged (not of a flat or exempt one).
        let ad_valorem = fee
            .entry
            .filter(|e| !e.kind().is_flat() && fee.outcome != FeeOutcome::Exempt);
        line(
            &mut t,
            label,
            &ad_valorem
                .map(|e| format!("{}%", fmt_pct(e.rate_pct())))
                .unwrap_or_default(),
            ad_valorem.map(|_| fee.charge.base),
            fee.charge.amount,
            &fee_note(fee),
        );
    }
    line(&mut t, "freight", "", None, c.freight, "");
    line(&mut t, "insurance", "", None, c.insurance, "");
    let _ = writeln!(t, "  {:-<61}", "");
    if !c.measures.is_empty() {
        line(
            &mut t,
            "IEEPA duty",
            "",
            None,
            c.ieepa_duty,
            "refundable after the 20 Feb 2026 ruling",
        );
    }
    line(&mut t, "total duty", "", None, c.total_duty, "");
    line(&mut t, "total fees", "", None, c.total_fees, "");
    line(&mut t, "landed cost", "", None, c.landed_cost, "");
    let _ = writeln!(
        t,
        "  {:<18}{:>41}",
        "effective duty rate",
        format!("{}%", fmt_pct(c.effective_duty_rate_pct))
    );
    let _ = writeln!(
        t,
        "\nsource of the reciprocal treatment: {}",
        c.reciprocal.source()
    );
    for d in &c.measures {
        let _ = writeln!(t, "source of {}: {}", d.name, d.source());
    }
    let notes = batch::notes(s, c);
    if !notes.is_empty() {
        let _ = writeln!(t, "notes: {notes}");
    }
    for fee in [&c.mpf, &c.hmf] {
        if let Some(x) = fee.exemption {
            let _ = writeln!(t, "source of the MPF exemption: {}", x.source());
        } else if let Some(e) = fee.entry {
            let _ = writeln!(t, "source of the {}: {}", e.kind().as_str(), e.source());
        }
    }
    t
}

/// Compact JSON of a serde form; the library's forms fail only on a sum that overflows.
fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String, Fail> {
    serde_json::to_string(value).map_err(|e| Fail::Input(format!("cannot write the JSON: {e}")))
}

/// `estimate --json`: the landed cost's serde form (see the README for its keys) after the
/// origin, the goods and the mode, with the trace of the measures and the notes.
fn estimate_json(
    s: &tariffs::Shipment,
    c: &LandedCost<'_>,
    explained: &[Considered<'_>],
) -> Result<String, Fail> {
    #[derive(Serialize)]
    struct Estimate<'a> {
        schema: u32,
        origin: Partner<'a>,
        hts: Option<HtsCode>,
        category: Option<Category>,
        mode: Option<TransportMode>,
        #[serde(flatten)]
        cost: &'a LandedCost<'a>,
        considered: &'a [Considered<'a>],
        notes: String,
    }
    to_json(&Estimate {
        schema: batch::SCHEMA_VERSION,
        origin: c.reciprocal.partner_rate.partner,
        hts: match s.goods {
            Goods::Hts(h) => Some(h),
            _ => None,
        },
        category: match s.goods {
            Goods::Category(c) => Some(c),
            _ => None,
        },
        mode: s.mode,
        cost: c,
        considered: explained,
        notes: batch::notes(s, c),
    })
}

// ---------------------------------------------------------------------------------------------
// batch

/// Standard error during a run: rejected rows and notes, one line each (buffered: a file with
/// many rejected rows would otherwise cost several system calls a row), and on a terminal the
/// progress line, which is cleared before anything else is written.
struct Console<W: Write> {
    w: std::io::BufWriter<W>,
    progress_shown: bool,
    /// Rejected rows were written here (so a failure to write loses the error report).
    has_rows: bool,
}

impl<W: Write> Console<W> {
    fn new(w: W) -> Console<W> {
        Console {
            w: std::io::BufWriter::with_capacity(1 << 16, w),
            progress_shown: false,
            has_rows: false,
        }
    }

    fn line(&mut self, text: &str) -> std::io::Result<()> {
        self.clear_progress()?;
        self.w.write_all(text.as_bytes())?;
        self.w.write_all(b"\n")
    }

    fn progress(&mut self, rows: u64) -> std::io::Result<()> {
        write!(self.w, "\r{rows} rows read")?;
        self.progress_shown = true;
        self.w.flush()
    }

    fn clear_progress(&mut self) -> std::io::Result<()> {
        if std::mem::take(&mut self.progress_shown) {
            self.w.write_all(b"\r\x1b[K")?;
        }
        Ok(())
    }

    /// Clears the progress line and writes out what is buffered.
    fn finish(&mut self) -> std::io::Result<()> {
        self.clear_progress()?;
        self.w.flush()
    }
}

/// What a run reports besides its output: rejected rows (to `--errors FILE` as CSV, or one
/// line each on standard error), notes and progress.
struct Reporter<W: Write = std::io::Stderr> {
    console: Console<W>,
    file: Option<Box<csv::Writer<Output>>>,
    progress: bool,
    /// A write of a rejected row failed.
    failed: bool,
}

impl Reporter {
    fn create(errors: Option<&str>, progress: bool) -> Result<Reporter, Fail> {
        let file = match errors {
            None => None,
            Some(p) => {
                let mut w = csv::Writer::from_writer(Output::create(Some(p)).map_err(Fail::Input)?);
                w.write_record(ERROR_COLUMNS)
                    .map_err(|e| Fail::Input(format!("cannot write {p}: {e}")))?;
                Some(Box::new(w))
            }
        };
        Ok(Reporter {
            console: Console::new(std::io::stderr()),
            file,
            progress,
            failed: false,
        })
    }
}

impl<W: Write> Reporter<W> {
    fn report(&mut self, e: &RowError) -> std::io::Result<()> {
        let done = match &mut self.file {
            None => {
                self.console.has_rows = true;
                self.console.line(&format!("tariffs: rejected {e}"))
            }
            Some(w) => w
                .write_record(e.fields().iter().map(|f| f.as_bytes()))
                .map_err(std::io::Error::other),
        };
        if done.is_err() {
            self.failed = true;
        }
        done
    }

    /// A note on standard error; a failure to write it is ignored.
    fn note(&mut self, text: &str) {
        let _ = self.console.line(text);
    }

    /// Where the rejected rows go, for messages.
    fn errors_name(&self) -> &str {
        self.file
            .as_ref()
            .map_or("standard error", |w| w.get_ref().name())
    }

    /// Writes out the report: puts `--errors FILE` in place, flushes standard error. Losing
    /// rejected rows is an output failure; losing notes is not.
    /// Writes the error report out (flushed and synced), not yet in place: `finish` then
    /// only puts it in place.
    fn prepare(mut self) -> Result<Reporter<W>, Fail> {
        if let Some(w) = self.file.take() {
            let name = w.get_ref().name().to_string();
            let mut out = w
                .into_inner()
                .map_err(|e| Fail::Input(format!("cannot write {name}: {}", e.error())))?;
            out.prepare().map_err(Fail::Input)?;
            // The report, written whole, back behind a writer that will write nothing more.
            self.file = Some(Box::new(csv::Writer::from_writer(out)));
        }
        Ok(self)
    }

    fn finish(self) -> Result<(), Fail> {
        let Reporter {
            mut console, file, ..
        } = self;
        let flushed = console.finish();
        if let Some(w) = file {
            let name = w.get_ref().name().to_string();
            w.into_inner()
                .map_err(|e| Fail::Input(format!("cannot write {name}: {}", e.error())))?
                .commit()
                .map_err(Fail::Input)?;
        }
        match flushed {
            Err(e) if console.has_rows => Err(Fail::Input(format!(
                "cannot write the rejected rows to standard error: {e}"
            ))),
            _ => Ok(()),
        }
    }
}

impl<W: Write> BatchObserver for Reporter<W> {
    fn ignored_columns(&mut self, columns: &[String]) {
        let names: Vec<_> = columns.iter().map(|c| batch::for_message(c)).collect();
        self.note(&format!(
            "tariffs: ignoring unknown column(s): {}",
            names.join(", ")
        ));
    }
    fn row_error(&mut self, error: &RowError) -> std::io::Result<()> {
        self.report(error)
    }
    fn progress(&mut self, rows: u64) {
        if self.progress {
            let _ = self.console.progress(rows);
        }
    }
}

pub fn batch(args: &BatchArgs, global: &Global) -> Result<u8, Fail> {
    let layout = match args.columns.as_deref() {
        None => Layout::LandedCost,
        Some(list) => Layout::Select(
            list.parse::<ColumnSet>()
                .map_err(|e| Fail::Usage(format!("--columns: {e}")))?,
        ),
    };
    run_batch(&args.run, global, Schedule::Announced, layout)
}

pub fn refunds(args: &RefundsArgs, global: &Global) -> Result<u8, Fail> {
    if args.columns.is_some() {
        return Err(Fail::Usage(
            "--columns applies to `tariffs batch`, not `tariffs refunds`".into(),
        ));
    }
    run_batch(&args.run, global, Schedule::Enacted, Layout::Refunds)
}

fn run_batch(
    args: &RunArgs,
    global: &Global,
    schedule: Schedule,
    layout: Layout,
) -> Result<u8, Fail> {
    let path = args.input.as_str();
    let strict = on(&args.strict);
    let threads = match args.threads.as_deref() {
        Some(t) => t
            .parse::<usize>()
            .ok()
            .filter(|&t| (1..=64).contains(&t))
            .ok_or_else(|| Fail::Usage(format!("--threads {t:?}: a number from 1 to 64")))?,
        None => std::thread::available_parallelism().map_or(1, |n| n.get().min(4)),
    };
    let (output, errors) = (args.output.as_deref(), args.errors.as_deref());
    refuse_same_files(&streams(global, path, output, errors)).map_err(Fail::Usage)?;
    let table = load_table(global, schedule)?;
    let input = open_input(path).map_err(Fail::Input)?;
    let mut output = Output::create(output).map_err(Fail::Input)?;
    let mut reporter = Reporter::create(errors, stderr_is_terminal())?;
    let result = price_csv_threaded(
        &table,
        input,
        &mut output,
        &mut reporter,
        strict,
        layout,
        threads,
    );
    // Clears the progress line before any message.
    let _ = reporter.console.finish();
    let summary = result.map_err(|e| {
        // A write error is the output's or the error report's: name the one that failed.
        let cause = match &e {
            BatchError::Write(io) => io.to_string(),
            e => e.to_string(),
        };
        if output.failed() {
            Fail::Input(format!("cannot write {}: {cause}", output.name()))
        } else if reporter.failed {
            Fail::Input(format!("cannot write {}: {cause}", reporter.errors_name()))
        } else {
            Fail::Input(format!("{path}: {e}"))
        }
    })?;
    if summary.stopped {
        // --strict: the results are incomplete, so no output file is left behind.
        drop(output);
        reporter.finish()?;
        print_summary(&summary);
        say("tariffs: stopped at the first rejected row (--strict)");
        return Ok(1);
    }
    // Both files are written out whole before either is put in place: a report that cannot
    // be written leaves the output that was there untouched too.
    let reporter = reporter.prepare()?;
    output.prepare().map_err(Fail::Input)?;
    output.commit().map_err(Fail::Input)?;
    reporter.finish()?;
    print_summary(&summary);
    Ok(if summary.rejected > 0 { 1 } else { 0 })
}

/// What a command reads and writes, to refuse an output that is an input.
fn streams<'a>(
    global: &'a Global,
    input: &'a str,
    output: Option<&'a str>,
    errors: Option<&'a str>,
) -> Vec<Stream<'a>> {
    let mut streams = vec![Stream::Input(input)];
    streams.extend(global.table.as_deref().map(Stream::Table));
    streams.push(Stream::Output(output));
    streams.extend(errors.map(Stream::Errors));
    streams
}

fn print_summary(s: &BatchSummary) {
    if !s.total_ieepa.is_zero() || s.total_measures.iter().any(|(_, t)| !t.is_zero()) {
        // The IEEPA measures inside the IEEPA figure, the others after it.
        let (mut ieepa, mut other) = (String::new(), String::new());
        for (m, v) in &s.total_measures {
            if m.starts_with(tariffs::measure::IEEPA_PREFIX) {
                ieepa.push_str(&format!(", {m} {}", fmt_money(*v)));
            } else {
                other.push_str(&format!("; {m} {} (not IEEPA)", fmt_money(*v)));
            }
        }
        say(&format!(
            "IEEPA duty {} (reciprocal {}{ieepa}){other}",
            fmt_money(s.total_ieepa),
            fmt_money(s.total_reciprocal),
        ));
    }
    say(&format!(
        "rows read {}: priced {}, rejected {}\ntotals of priced rows: customs value {}, duty {}, fees {}, landed cost {}",
        s.rows_read,
        s.priced,
        s.rejected,
        fmt_money(s.total_value),
        fmt_money(s.total_duty),
        fmt_money(s.total_fees),
        fmt_money(s.total_landed)
    ));
    if s.mpf_carried > 0 {
        say(&format!(
            "note: {} rows priced with MPF figures carried forward from an earlier fiscal year \
             (the table leaves them blank for the entry date: not yet published); `tariffs \
             rates --kind fee` shows the rows",
            s.mpf_carried
        ));
    }
}

// ---------------------------------------------------------------------------------------------
// exempt-share

pub fn exempt_share(args: &ExemptShareArgs, global: &Global) -> Result<u8, Fail> {
    let path = args.input.as_str();
    let errors_path = args.errors.as_deref();
    refuse_same_files(&streams(global, path, None, errors_path)).map_err(Fail::Usage)?;
    let table = load_table(global, Schedule::Announced)?;
    let date = date_flag(args.date.as_deref())?;
    let fixed_origin = match args.origin.as_deref() {
        Some(o) => Some(
            table
                .partner(o)
                .map_err(|e| Fail::Usage(format!("--origin: {e}")))?
                .code(),
        ),
        None => None,
    };
    if let Some(o) = fixed_origin {
        // The basket's origin must have a treatment, or every line would be refused.
        table
            .basket(o, date)
            .map_err(|e| Fail::Usage(format!("--origin: {e}")))?;
    }
    let input = open_input(path).map_err(Fail::Input)?;
    let mut errors = Reporter::create(errors_path, false)?;
    let mut baskets: Vec<(CountryCode, tariffs::Basket<'_>)> = Vec::new();
    let mut rejected = 0u64;
    let mut required = vec![Field::Value];
    if fixed_origin.is_none() {
        required.push(Field::Origin);
    }
    let mut ignored = Vec::new();
    let read = batch::read_rows(input, &required, &mut ignored, |row| {
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                rejected += 1;
                return errors.report(&e).map_err(BatchError::Write);
            }
        };
        let priced = batch::parse_basket_line(&table, fixed_origin, |f| row.get(f))
            .map_err(|e| (e.field, e.value, e.reason))
            .and_then(|(origin, line)| {
                let i = match baskets.iter().position(|(o, _)| *o == origin) {
                    Some(i) => i,
                    None => {
                        let b = table.basket(origin, date).map_err(|e| {
                            (
                                Field::Origin,
                                row.get(Field::Origin).to_string(),
                                e.to_string(),
                            )
                        })?;
                        baskets.push((origin, b));
                        baskets.len() - 1
                    }
                };
                baskets[i].1.add(&line).map_err(|e| {
                    let field = batch::field_of(&e).unwrap_or(Field::Value);
                    (field, row.get(field).to_string(), e.to_string())
                })
            });
        match priced {
            Ok(_) => Ok(()),
            Err((field, value, reason)) => {
                rejected += 1;
                errors
                    .report(&RowError {
                        line: row.line(),
                        id: row.get(Field::Id).to_string(),
                        column: Some(field.name()),
                        value,
                        reason,
                    })
                    .map_err(BatchError::Write)
            }
        }
    })
    .map_err(|e| match e {
        BatchError::MissingColumn("origin") => {
            Fail::Usage("exempt-share needs --origin, or an origin column in the input".into())
        }
        BatchError::Write(e) => Fail::Input(format!("cannot write {}: {e}", errors.errors_name())),
        BatchError::MissingColumn(c) => Fail::Input(format!(
            "{path}: the input has no {c:?} column (exempt-share reads value, and hts or \
             category)"
        )),
        e => Fail::Input(format!("{path}: {e}")),
    })?;
    errors.finish()?;
    let reports = baskets
        .iter()
        .map(|(_, b)| b.report())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Fail::Input(e.to_string()))?;
    let text = if on(&args.json) {
        basket_json(&reports, read, rejected)?
    } else {
        reports
            .iter()
            .map(basket_text)
            .collect::<Vec<_>>()
            .join("\n")
    };
    print(&text)?;
    say(&format!(
        "lines read {read}: used {}, rejected {rejected}",
        read - rejected
    ));
    Ok(if rejected > 0 { 1 } else { 0 })
}

fn share_pct(share: Decimal) -> String {
    let mut p = share * Decimal::ONE_HUNDRED;
    p.rescale(2);
    format!("{p}%")
}

fn rate_label(r: &BasketReport<'_>) -> String {
    match r.partner_rate.status {
        RateStatus::Applies {
            rate_pct,
            rate_entry,
            ..
        } => {
            format!(
                "reciprocal rate {}% ({})",
                fmt_pct(rate_pct),
                rate_entry.basis().label()
            )
        }
        RateStatus::NotSubject { entry } => format!("not subject: {}", entry.note()),
        RateStatus::NotInForce { .. } => "no reciprocal rate in force".into(),
    }
}

fn basket_text(r: &BasketReport<'_>) -> String {
    let p = r.partner_rate.partner;
    let mut t = String::new();
    let _ = writeln!(
        t,
        "{} ({}), {}: {}",
        p.name(),
        p.code(),
        r.partner_rate.date,
        rate_label(r)
    );
    let _ = writeln!(
        t,
        "  {:<20}{:>18}{:>10}",
        "exempt category", "value", "share"
    );
    for c in &r.by_category {
        let _ = writeln!(
            t,
            "  {:<20}{:>18}{:>10}",
            c.category.as_str(),
            fmt_money(c.value),
            share_pct(c.share)
        );
    }
    let dutiable_share = Decimal::ONE - r.exempt_share;
    let _ = writeln!(
        t,
        "  {:<20}{:>18}{:>10}",
        "exempt",
        fmt_money(r.exempt_value),
        share_pct(r.exempt_share)
    );
    let _ = writeln!(
        t,
        "  {:<20}{:>18}{:>10}",
        "dutiable",
        fmt_money(r.dutiable_value),
        if r.total_value.is_zero() {
            "0.00%".into()
        } else {
            share_pct(dutiable_share)
        }
    );
    let _ = writeln!(t, "  {:<20}{:>18}", "total", fmt_money(r.total_value));
    let _ = writeln!(
        t,
        "  {:<20}{:>18}",
        "reciprocal duty",
        fmt_money(r.reciprocal_duty)
    );
    let _ = writeln!(
        t,
        "  {:<20}{:>18}",
        "effective rate",
        format!("{}%", fmt_pct(r.effective_rate_pct))
    );
    let src = r.partner_rate.source();
    if !src.is_empty() {
        let _ = writeln!(t, "  source: {src}");
    }
    t
}

/// `exempt-share --json`: the counts, and each basket's report (its serde form) after its
/// origin, date, rate in words and source.
fn basket_json(reports: &[BasketReport<'_>], read: u64, rejected: u64) -> Result<String, Fail> {
    #[derive(Serialize)]
    struct Baskets<'a> {
        lines_read: u64,
        lines_rejected: u64,
        baskets: Vec<Basket<'a>>,
    }
    #[derive(Serialize)]
    struct Basket<'a> {
        origin: Partner<'a>,
        date: Date,
        rate: String,
        source: Option<&'a str>,
        #[serde(flatten)]
        report: &'a BasketReport<'a>,
    }
    to_json(&Baskets {
        lines_read: read,
        lines_rejected: rejected,
        baskets: reports
            .iter()
            .map(|r| Basket {
                origin: r.partner_rate.partner,
                date: r.partner_rate.date,
                rate: rate_label(r),
                source: Some(r.partner_rate.source()).filter(|s| !s.is_empty()),
                report: r,
            })
            .collect(),
    })
}

// ---------------------------------------------------------------------------------------------
// rates

/// One row of the table, as text cells in the order of the table's columns.
fn row_cells(row: Row<'_>) -> [String; tariffs::TABLE_COLUMNS.len()] {
    let opt = |d: Option<Decimal>| d.map(fmt_pct).unwrap_or_default();
    let date = |d: Option<Date>| d.map(|d| d.to_string()).unwrap_or_default();
    let star = |c: Option<CountryCode>| c.map(|c| c.to_string()).unwrap_or_else(|| "*".into());
    let mut c: [String; tariffs::TABLE_COLUMNS.len()] = Default::default();
    let mut set = |col: &str, v: String| {
        if let Some(i) = tariffs::TABLE_COLUMNS.iter().position(|&k| k == col) {
            c[i] = v;
        }
    };
    let (from, to, transit, source, note) = match row {
        Row::Rate(r) => {
            set("kind", "rate".into());
            set("code", star(r.code()));
            set("name", r.name().into());
            set("rate_pct", opt(r.rate_pct()));
            set("charged_pct", opt(r.charged_pct()));
            set("chart_pct", opt(r.chart_pct()));
            set("basis", r.basis().as_str().into());
            set(
                "rate_of",
                r.rate_of().map(|c| c.to_string()).unwrap_or_default(),
            );
            (
                Some(r.effective_from()),
                r.effective_to(),
                r.transit(),
                r.source(),
                r.note(),
            )
        }
        Row::Exempt(e) => {
            set("kind", "exempt".into());
            set("code", e.code().to_string());
            set("name", e.description().into());
            set("basis", e.basis().as_str().into());
            set("category", e.category().as_str().into());
            (
                Some(e.effective_from()),
                e.effective_to(),
                Default::default(),
                e.source(),
                e.note(),
            )
        }
        Row::Fee(f) => {
            set("kind", "fee".into());
            set("code", f.kind().as_str().into());
            set("name", f.name().into());
            if !f.kind().is_flat() {
                set("rate_pct", fmt_pct(f.rate_pct()));
            }
            set("min_usd", f.min_usd().map(fmt_money).unwrap_or_default());
            set("max_usd", f.max_usd().map(fmt_money).unwrap_or_default());
            set("flat_usd", f.flat_usd().map(fmt_money).unwrap_or_default());
            (
                f.effective_from(),
                f.effective_to(),
                Default::default(),
                f.source(),
                f.note(),
            )
        }
        Row::MpfExempt(x) => {
            set("kind", "mpf_exempt".into());
            set("code", x.code().to_string());
            set("name", x.name().into());
            set("applies_to", x.applies_to().as_str().into());
            (
                x.effective_from(),
                x.effective_to(),
                Default::default(),
                x.source(),
                x.note(),
            )
        }
        Row::Measure(p) => {
            set("kind", "measure".into());
            set("code", p.origin().into());
            set("name", p.scope().into());
            set("rate_pct", p.rate_pct().map(fmt_pct).unwrap_or_default());
            set("basis", p.measure().into());
            set("rate_of", p.rate_kind().as_str().into());
            set("applies_to", p.condition().collect::<Vec<_>>().join(";"));
            (
                p.effective_from(),
                p.effective_to(),
                p.transit(),
                p.source(),
                p.note(),
            )
        }
    };
    set("effective_from", date(from));
    set("effective_to", date(to));
    set("transit_loaded_before", date(transit.loaded_before));
    set("transit_entered_before", date(transit.entered_before));
    set("source", source.into());
    set("note", note.into());
    c
}

/// A row of the table; in JSON, its serde form after its `kind` (the table's `kind` column).
#[derive(Clone, Copy, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Row<'a> {
    Rate(&'a tariffs::RateEntry),
    Exempt(&'a tariffs::ExemptEntry),
    Fee(&'a tariffs::FeeEntry),
    Measure(&'a tariffs::MeasureRow),
    MpfExempt(&'a tariffs::MpfExemptEntry),
}

pub fn rates(args: &RatesArgs, global: &Global) -> Result<u8, Fail> {
    let table = load_table(global, Schedule::Announced)?;
    let date = date_flag(args.date.as_deref())?;
    let hts = args
        .hts
        .as_deref()
        .map(|h| {
            h.parse::<HtsCode>()
                .map_err(|e| Fail::Usage(format!("--hts: {e}")))
        })
        .transpose()?;
    let kind =
        args.kind
            .map(RowKind::as_str)
            .unwrap_or(if hts.is_some() { "exempt" } else { "rate" });
    // A partner's own rows, plus the rows it takes its rate from (or the `*` rows when the
    // table does not list it).
    let partner_codes: Option<Vec<Option<CountryCode>>> = match args.partner.as_deref() {
        None => None,
        Some(q) => {
            let p = table
                .partner(q)
                .map_err(|e| Fail::Usage(format!("--partner: {e}")))?;
            let mut codes = vec![if p.listed() { Some(p.code()) } else { None }];
            codes.extend(
                table
                    .rates()
                    .filter(|r| r.code() == Some(p.code()))
                    .filter_map(|r| r.rate_of().map(Some)),
            );
            codes.dedup();
            Some(codes)
        }
    };
    let mut rows: Vec<Row<'_>> = Vec::new();
    if matches!(kind, "rate" | "all") {
        rows.extend(
            table
                .rates()
                .filter(|r| partner_codes.as_ref().is_none_or(|c| c.contains(&r.code())))
                .filter(|r| date.is_none_or(|d| r.covers(d)))
                .map(Row::Rate),
        );
    }
    if matches!(kind, "exempt" | "all") {
        rows.extend(
            table
                .exemptions()
                .iter()
                .filter(|e| hts.is_none_or(|h| e.code().covers(h) || h.covers(e.code())))
                .filter(|e| date.is_none_or(|d| e.covers(d)))
                .map(Row::Exempt),
        );
    }
    if matches!(kind, "measure" | "program" | "all") {
        rows.extend(
            table
                .measures()
                .rows()
                .iter()
                .filter(|p| {
                    partner_codes.as_ref().is_none_or(|c| {
                        c.iter()
                            .any(|code| code.is_some_and(|code| p.covers_origin(code)))
                    })
                })
                .filter(|p| date.is_none_or(|d| p.covers(d)))
                .map(Row::Measure),
        );
    }
    if matches!(kind, "mpf_exempt" | "all") {
        rows.extend(
            table
                .mpf_exemptions()
                .iter()
                .filter(|x| {
                    partner_codes
                        .as_ref()
                        .is_none_or(|c| c.contains(&Some(x.code())))
                })
                .filter(|x| date.is_none_or(|d| x.covers(d)))
                .map(Row::MpfExempt),
        );
    }
    if matches!(kind, "fee" | "all") {
        rows.extend(
            table
                .fees()
                .iter()
                .filter(|f| date.is_none_or(|d| f.covers(d)))
                .map(Row::Fee),
        );
    }
    let text = match args.format {
        Format::Text => rates_text(&rows),
        Format::Csv => {
            let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
            // Measures are a table of their own format (`--measures FILE`): `--kind
            // measure` writes them in it, `--kind all` writes the rate table's rows.
            let measures = matches!(kind, "measure" | "program");
            let mut write = || -> Result<Vec<u8>, csv::Error> {
                if measures {
                    w.write_record(tariffs::measure::MEASURE_COLUMNS)?;
                } else {
                    w.write_record(tariffs::TABLE_COLUMNS)?;
                }
                for r in &rows {
                    match r {
                        Row::Measure(m) if measures => w.write_record(m.record())?,
                        Row::Measure(_) => {}
                        _ => w.write_record(row_cells(*r))?,
                    }
                }
                w.flush()?;
                Ok(w.get_ref().clone())
            };
            let bytes = write().map_err(|e| Fail::Input(e.to_string()))?;
            String::from_utf8_lossy(&bytes).into_owned()
        }
        Format::Json => to_json(&rows)?,
    };
    print(&text)?;
    Ok(0)
}

fn rates_text(rows: &[Row<'_>]) -> String {
    let mut t = String::new();
    let mut last_kind = String::new();
    for row in rows {
        let cells = row_cells(*row);
        let c = |col: &str| -> &str {
            tariffs::TABLE_COLUMNS
                .iter()
                .position(|&k| k == col)
                .map(|i| cells[i].as_str())
                .unwrap_or("")
        };
        let pct = |v: &str| {
            if v.is_empty() {
                "-".to_string()
            } else {
                format!("{v}%")
            }
        };
        if c("kind") != last_kind {
            if !last_kind.is_empty() {
                t.push('\n');
            }
            let header = match row {
                Row::Rate(_) => "code name                               rate basis            of  in force (from..to)    source",
                Row::Exempt(_) => "code          category           basis      in force (from..to)    description                               source",
                Row::Fee(_) => "fee                 name                                       rate limits (USD)             in force (from..to)    source",
                Row::Measure(_) => "origin measure         condition              rate in force (from..to)    source",
                Row::MpfExempt(_) => "code applies to  program                                  in force (from..to)    source",
            };
            let _ = writeln!(t, "{header}");
            last_kind = c("kind").to_string();
        }
        let period = format!("{}..{}", c("effective_from"), c("effective_to"));
        let _ = match row {
            Row::Rate(_) => writeln!(
                t,
                "{:<4} {:<32.32} {:>6} {:<16} {:<3} {:<22} {}",
                c("code"),
                c("name"),
                pct(c("rate_pct")),
                c("basis"),
                c("rate_of"),
                period,
                c("source")
            ),
            Row::Exempt(_) => writeln!(
                t,
                "{:<13} {:<18} {:<10} {:<22} {:<40.40}  {}",
                c("code"),
                c("category"),
                c("basis"),
                period,
                c("name"),
                c("source")
            ),
            Row::Fee(_) => writeln!(
                t,
                "{:<19} {:<38} {:>8} min {:>7} max {:>7} {:<22} {}",
                c("code"),
                c("name"),
                match (c("rate_pct"), c("flat_usd")) {
                    ("", "") => "-".to_string(),
                    ("", flat) => format!("${flat}"),
                    (rate, _) => format!("{rate}%"),
                },
                c("min_usd"),
                c("max_usd"),
                period,
                c("source")
            ),
            Row::MpfExempt(_) => writeln!(
                t,
                "{:<4} {:<11} {:<40.40} {:<22} {:.100}",
                c("code"),
                c("applies_to"),
                c("name"),
                period,
                c("source")
            ),
            Row::Measure(_) => writeln!(
                t,
                "{:<6} {:<15} {:<20} {:>6} {:<22} {:.100}",
                c("code"),
                c("basis"),
                c("applies_to"),
                pct(c("rate_pct")),
                period,
                c("source")
            ),
        };
    }
    if rows.is_empty() {
        t.push_str("no rows match\n");
    }
    t
}

// ---------------------------------------------------------------------------------------------
// rate-from-trade

pub fn rate_from_trade(args: &FormulaArgs) -> Result<u8, Fail> {
    let num = |name: &str, v: &str| -> Result<Decimal, Fail> {
        tariffs::money::parse_decimal(v)
            .ok_or_else(|| Fail::Usage(format!("--{name} {v:?}: not a number")))
    };
    // Figures out of range are wrong arguments, not a rejected shipment.
    let f = tariffs::rate_from_trade(
        num("imports", &args.imports)?,
        num("exports", &args.exports)?,
    )
    .map_err(|e| Fail::Usage(e.to_string()))?;
    let text = if on(&args.json) {
        to_json(&f)?
    } else {
        format!(
            "deficit ratio (m - x) / m   {}%\ncharged                     {}%\nreciprocal                  {}%   half the whole-percent ratio, rounded up (the chart)\nreciprocal, exact half      {}%   half the exact ratio, rounded up",
            fmt_pct(f.deficit_ratio_pct),
            fmt_pct(f.charged_pct),
            fmt_pct(f.reciprocal_pct),
            fmt_pct(f.reciprocal_exact_half_pct)
        )
    };
    print(&text)?;
    Ok(0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn reporter() -> Reporter<Vec<u8>> {
        Reporter {
            console: Console::new(Vec::new()),
            file: None,
            progress: true,
            failed: false,
        }
    }

    fn rejected(line: u64) -> RowError {
        RowError {
            line,
            id: format!("r{line}"),
            column: Some("origin"),
            value: "Atlantis".into(),
            reason: "unknown partner".into(),
        }
    }

    /// On a terminal, the progress line is cleared before a rejected row or a note is
    /// written after it, and once at the end; never when no progress was shown.
    #[test]
    fn the_progress_line_is_cleared_before_other_lines() {
        let mut r = reporter();
        r.row_error(&rejected(2)).unwrap();
        r.progress(131_072);
        r.row_error(&rejected(131_073)).unwrap();
        r.row_error(&rejected(131_074)).unwrap();
        r.progress(262_144);
        r.ignored_columns(&["colour".into()]);
        r.progress(393_216);
        r.console.finish().unwrap();
        let text = String::from_utf8(r.console.w.into_inner().unwrap()).unwrap();
        let row = |n: u64| format!("tariffs: rejected {}\n", rejected(n));
        assert_eq!(
            text,
            format!(
                "{}\r131072 rows read\r\x1b[K{}{}\r262144 rows read\r\x1b[Ktariffs: ignoring unknown column(s): colour\n\r393216 rows read\r\x1b[K",
                row(2),
                row(131_073),
                row(131_074)
            )
        );
    }

    /// Without a terminal, no progress and no clearing sequence.
    #[test]
    fn no_progress_no_clearing() {
        let mut r = reporter();
        r.progress = false;
        r.progress(131_072);
        r.row_error(&rejected(2)).unwrap();
        r.console.finish().unwrap();
        let text = String::from_utf8(r.console.w.into_inner().unwrap()).unwrap();
        assert_eq!(text, format!("tariffs: rejected {}\n", rejected(2)));
    }
}
