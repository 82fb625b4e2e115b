//! The streamed batch: CSV in, CSV out, every row priced or reported.

use std::borrow::Cow;
use std::io::{Read, Write};

use rust_decimal::Decimal;

use super::fast::{CentSums, Fast, FastPricer};
use super::format::{format_record, OutBuf, RecordBuf};
use super::source::{for_each_record, Fields, Header, Next, Rest, Source};
use super::{price_fields, Field, Layout};
use crate::estimate::LandedCost;
use crate::text::{escape_controls, for_message};
use crate::RateTable;

/// A row that could not be priced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The 1-based line of the input the row is on (the header is line 1). Where the input
    /// holds quoted fields or lone carriage returns, from the first block of lines that does,
    /// the line as the csv crate counts it: the line after the previous record.
    pub line: u64,
    /// The row's `id`, if it has one.
    pub id: String,
    /// The column at fault, when there is one.
    pub column: Option<&'static str>,
    /// The offending value.
    pub value: String,
    /// Why the row was rejected.
    pub reason: String,
}

impl RowError {
    /// The record for the error report, in the order of [`ERROR_COLUMNS`](super::ERROR_COLUMNS):
    /// every field whole (never cut, so that a row can be corrected from it), with control
    /// characters escaped ([`escape_controls`]).
    pub fn record(&self) -> [String; 5] {
        self.fields().map(Cow::into_owned)
    }

    /// [`RowError::record`], borrowing the fields that need no escape.
    pub fn fields(&self) -> [Cow<'_, str>; 5] {
        [
            Cow::Owned(self.line.to_string()),
            escape_controls(&self.id),
            Cow::Borrowed(self.column.unwrap_or("")),
            escape_controls(&self.value),
            escape_controls(&self.reason),
        ]
    }
}

impl std::fmt::Display for RowError {
    /// One line for a terminal: the id and value escaped and shortened ([`for_message`]),
    /// the reason escaped (the values it quotes are shortened where it is made).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}", self.line)?;
        if !self.id.is_empty() {
            write!(f, " (id {})", for_message(&self.id))?;
        }
        if let Some(c) = self.column {
            write!(f, ", column {c} \"{}\"", for_message(&self.value))?;
        }
        write!(f, ": {}", escape_controls(&self.reason))
    }
}

/// Counts and totals of a batch. `rows_read == priced + rejected`, always.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchSummary {
    /// Data rows read (the header not counted).
    pub rows_read: u64,
    /// Rows priced and written to the output.
    pub priced: u64,
    /// Rows rejected and reported.
    pub rejected: u64,
    /// Sum of the priced rows' customs values.
    pub total_value: Decimal,
    /// Sum of their duties (MFN and reciprocal).
    pub total_duty: Decimal,
    /// Sum of their fees (MPF and HMF).
    pub total_fees: Decimal,
    /// Sum of their landed costs.
    pub total_landed: Decimal,
    /// Sum of their reciprocal duties.
    pub total_reciprocal: Decimal,
    /// Sum of their duties by measure, for every measure charged on some row: the
    /// [`NAMED_MEASURES`](super::NAMED_MEASURES) first, in their order, then the others by
    /// name.
    pub total_measures: Vec<(String, Decimal)>,
    /// Sum of their IEEPA duties (the reciprocal duty and the `ieepa_...` measures):
    /// refundable.
    pub total_ieepa: Decimal,
    /// Priced rows whose MPF used figures the table leaves blank for their date, carried
    /// forward from an earlier fiscal year (the FY2027 limits, not yet in the sourced data).
    pub mpf_carried: u64,
    /// Input columns the batch does not use (ignored).
    pub ignored_columns: Vec<String>,
    /// True when `strict` stopped the batch at a rejected row.
    pub stopped: bool,
}

/// What stops a batch as a whole (as opposed to a row error, which is reported and skipped).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BatchError {
    /// The input cannot be read.
    #[error("cannot read the input: {0}")]
    Read(String),
    /// The input's header lacks a required column.
    #[error("the input has no {0:?} column (required: id, origin, value)")]
    MissingColumn(&'static str),
    /// The input's header names a column twice (names are matched case-insensitively, with
    /// surrounding spaces trimmed).
    #[error(
        "the input names the {field:?} column twice (\"{}\" and \"{}\"): keep one",
        for_message(&names[0]),
        for_message(&names[1])
    )]
    DuplicateColumn {
        /// The field named twice.
        field: &'static str,
        /// The two names as the header spells them.
        names: [String; 2],
    },
    /// The output or the error report cannot be written.
    #[error("cannot write: {0}")]
    Write(#[from] std::io::Error),
    /// A total exceeded the range of `Decimal`.
    #[error("the batch totals overflow")]
    Overflow,
    /// A record is longer than [`MAX_RECORD_BYTES`](super::MAX_RECORD_BYTES) (1 MiB): a
    /// file without line breaks, or a quote never closed.
    #[error(
        "line {line}: a record longer than 1 MiB (no line break, or a quote never closed): \
         not a CSV file of shipments"
    )]
    RecordTooLong {
        /// The line the record starts on.
        line: u64,
    },
}

/// Receives what a batch reports besides its output rows.
pub trait BatchObserver {
    /// The input columns the batch ignores (not named as a [`Field`]); called once, after the
    /// header is read, when there are any.
    fn ignored_columns(&mut self, _columns: &[String]) {}
    /// A rejected row; called once per row, in input order.
    ///
    /// # Errors
    ///
    /// An I/O error writing the report stops the batch.
    fn row_error(&mut self, error: &RowError) -> std::io::Result<()>;
    /// Called every [`PROGRESS_EVERY`] rows read.
    fn progress(&mut self, _rows_read: u64) {}
}

/// How often [`BatchObserver::progress`] is called, in rows.
pub const PROGRESS_EVERY: u64 = 1 << 17;

/// Prices a CSV of shipments (columns named as [`Field`]s, in any order; `id`, `origin` and
/// `value` required; other columns ignored) into a CSV of results ([`OUTPUT_COLUMNS`]), one
/// row per priced input row, in input order. Rows that cannot be priced go to
/// `observer.row_error` with their line, id, column and reason; with `strict`, the first
/// one stops the batch. The input is streamed: memory does not grow with its size.
///
/// ```
/// use tariffs::batch::{price_csv, RowError};
/// use tariffs::RateTable;
///
/// let input = "id,origin,value,hts,mfn,date\n1,KZ,10000,6109.10.00,16.5,2025-04-09\n2,Atlantis,5,,,\n";
/// let mut out = Vec::new();
/// let mut errors: Vec<RowError> = Vec::new();
/// let mut report = |e: &RowError| { errors.push(e.clone()); Ok(()) };
/// let summary = price_csv(RateTable::bundled(), input.as_bytes(), &mut out, &mut report, false)?;
/// assert_eq!((summary.rows_read, summary.priced, summary.rejected), (2, 1, 1));
/// assert_eq!(errors[0].line, 3);
/// assert_eq!(errors[0].column, Some("origin"));
/// # Ok::<(), tariffs::batch::BatchError>(())
/// ```
///
/// [`OUTPUT_COLUMNS`]: super::OUTPUT_COLUMNS
///
/// # Errors
///
/// A [`BatchError`] when the input cannot be read, lacks a required column, or the output
/// cannot be written.
pub fn price_csv(
    table: &RateTable,
    input: impl Read,
    output: impl Write,
    observer: &mut dyn BatchObserver,
    strict: bool,
) -> Result<BatchSummary, BatchError> {
    price_csv_threaded(
        table,
        input,
        output,
        observer,
        strict,
        Layout::LandedCost,
        1,
    )
}

/// [`price_csv`] with a choice of output: the landed cost, or the refund estimate of each
/// entry ([`Layout::Refunds`], what `tariffs refunds` writes). The input columns, the
/// streaming, the error report and the counts are the same.
///
/// # Errors
///
/// As [`price_csv`].
pub fn price_csv_with(
    table: &RateTable,
    input: impl Read,
    output: impl Write,
    observer: &mut dyn BatchObserver,
    strict: bool,
    layout: Layout,
) -> Result<BatchSummary, BatchError> {
    price_csv_threaded(table, input, output, observer, strict, layout, 1)
}

/// [`price_csv_with`] on `threads` threads: the calling thread reads the input in blocks of
/// whole lines and writes the output, `threads` workers split, price and format whole
/// blocks, and the output keeps the input's order, byte for byte what one thread writes.
/// With `strict`, or one thread, it runs on the calling thread alone. Memory is bounded by
/// the blocks in flight.
///
/// How a row is read and priced does not change what is written: plain CSV (no quote
/// characters, no carriage return but before a line feed) is split by hand, anything else
/// by a quote-aware reader (the csv crate's records, physical line numbers) from the first
/// block that is not plain; rows in the common form (a
/// partner the table knows, amounts with at most two decimals, rates with at most four,
/// no in-transit or USMCA facts) are priced in integer cents with each partner's treatment
/// computed once per span of dates between changes of the table, the rest through
/// [`price_fields`](super::price_fields) and [`format_record`](super::format_record).
/// `tests/integration/fast_path.rs` holds every combination to the output, rejected rows and
/// totals of pricing each row alone.
///
/// # Errors
///
/// As [`price_csv`].
pub fn price_csv_threaded(
    table: &RateTable,
    input: impl Read,
    mut output: impl Write,
    observer: &mut dyn BatchObserver,
    strict: bool,
    layout: Layout,
    threads: usize,
) -> Result<BatchSummary, BatchError> {
    let mut src = Source::new(input);
    // The rest of the input through the general reader, once it is not plain CSV.
    let mut rest = None;
    let header = match src.header()? {
        Header::Plain(h) => h,
        Header::Csv(mut r) => {
            let mut h = csv::ByteRecord::new();
            r.read(&mut h)?;
            rest = Some(r);
            h
        }
    };
    let mut summary = BatchSummary::default();
    let cols = Columns::from_header(&header, &mut summary.ignored_columns)?;
    if !summary.ignored_columns.is_empty() {
        observer.ignored_columns(&summary.ignored_columns);
    }
    let mut header_out = csv::Writer::from_writer(Vec::with_capacity(1024));
    header_out
        .write_record(super::format::measure_columns(
            layout,
            &super::format::further_measures(table),
        ))
        .map_err(csv_write)?;
    output.write_all(
        &header_out
            .into_inner()
            .map_err(|e| BatchError::Write(e.into_error()))?,
    )?;

    let mut run = Run {
        output: &mut output,
        observer,
        summary: &mut summary,
        totals: Totals::default(),
        strict,
    };
    // One pricer on this thread, for the plain part and for what the csv crate reads.
    let mut pricer = Pricer::new(table, &cols, layout);
    if rest.is_none() {
        rest = if threads <= 1 || strict {
            sequential(&mut pricer, &mut src, &mut run)?
        } else {
            // Larger blocks for workers: fewer hand-overs between threads.
            src.set_block(THREAD_BLOCK);
            threaded(table, &cols, layout, threads, &mut src, &mut run)?
        };
    }
    if let Some(mut r) = rest {
        if !run.summary.stopped {
            csv_rest(&mut pricer, &mut r, &mut run)?;
        }
    }
    run.output.flush()?;
    let totals = run.totals;
    totals.into_summary(&mut summary)?;
    Ok(summary)
}

/// Input bytes per block handed to a worker thread.
const THREAD_BLOCK: usize = 1 << 18;

/// Bytes of output gathered before they are handed to the writer (one thread). Written to
/// an ext4 file, a million rows took a median 0.155 s of system time in 256 KiB writes
/// against 0.225 s in 64 KiB writes (ten alternated runs each); 1 MiB gained nothing more.
const OUT_FLUSH: usize = 1 << 18;

/// Where a batch's results go, with its counts so far.
struct Run<'r, W: Write> {
    output: &'r mut W,
    observer: &'r mut dyn BatchObserver,
    summary: &'r mut BatchSummary,
    totals: Totals,
    strict: bool,
}

impl<W: Write> Run<'_, W> {
    /// Counts rows read, telling the observer at every multiple of [`PROGRESS_EVERY`].
    fn read_rows(&mut self, n: u64) {
        let before = self.summary.rows_read;
        self.summary.rows_read += n;
        for k in (before / PROGRESS_EVERY + 1)..=(self.summary.rows_read / PROGRESS_EVERY) {
            self.observer.progress(k * PROGRESS_EVERY);
        }
    }

    /// Reports a rejected row; false when the batch stops there (`strict`).
    fn reject(&mut self, e: &RowError) -> Result<bool, BatchError> {
        self.summary.rejected += 1;
        self.observer.row_error(e)?;
        if self.strict {
            self.summary.stopped = true;
        }
        Ok(!self.strict)
    }

    /// Prices one record on the calling thread: its line goes to `out`, flushed to the
    /// output when large. False when the batch stops.
    fn price(
        &mut self,
        pricer: &mut Pricer<'_>,
        rec: &impl Fields,
        out: &mut OutBuf,
    ) -> Result<bool, BatchError> {
        self.read_rows(1);
        match pricer.price(rec, out, &mut self.totals)? {
            Ok(()) => {
                if out.len() >= OUT_FLUSH {
                    self.output.write_all(out.as_bytes())?;
                    out.clear();
                }
                Ok(true)
            }
            Err(e) => self.reject(&e),
        }
    }
}

/// The plain part of the input on the calling thread; the general reader of the rest, if
/// the input stops being plain.
fn sequential<R: Read, W: Write>(
    pricer: &mut Pricer<'_>,
    src: &mut Source<R>,
    run: &mut Run<'_, W>,
) -> Result<Option<Rest<R>>, BatchError> {
    let mut out = OutBuf::with_capacity(OUT_FLUSH + 4096);
    let mut commas = Vec::new();
    let mut block = Vec::new();
    let rest = loop {
        match src.next(block)? {
            Next::Plain(b, first_line) => {
                for_each_record(&b, first_line, &mut commas, |rec| {
                    run.price(pricer, rec, &mut out)
                })?;
                block = b;
                if run.summary.stopped {
                    break None;
                }
            }
            Next::Csv(r) => break Some(r),
            Next::End => break None,
        }
    };
    run.output.write_all(out.as_bytes())?;
    Ok(rest)
}

/// The rest of the input through the general reader, on the calling thread.
fn csv_rest<R: Read, W: Write>(
    pricer: &mut Pricer<'_>,
    rdr: &mut Rest<R>,
    run: &mut Run<'_, W>,
) -> Result<(), BatchError> {
    let mut out = OutBuf::with_capacity(OUT_FLUSH + 4096);
    let mut rec = csv::ByteRecord::new();
    while rdr.read(&mut rec)? {
        if !run.price(pricer, &rec, &mut out)? {
            break;
        }
    }
    run.output.write_all(out.as_bytes())?;
    Ok(())
}

/// A block of input in flight: its lines, then a worker's output for them.
struct Job {
    seq: u64,
    input: Vec<u8>,
    first_line: u64,
    rows: u64,
    out: OutBuf,
    errors: Vec<RowError>,
    totals: Totals,
    failed: Option<BatchError>,
}

/// The plain part of the input on worker threads: this thread cuts the input into blocks
/// of lines and writes the workers' output in input order; each worker splits, prices and
/// formats whole blocks. Returns the csv crate's reader of the rest, if the input stops
/// being plain (it is priced on the calling thread once every block before it is written).
fn threaded<R: Read, W: Write>(
    table: &RateTable,
    cols: &Columns,
    layout: Layout,
    threads: usize,
    src: &mut Source<R>,
    run: &mut Run<'_, W>,
) -> Result<Option<Rest<R>>, BatchError> {
    use std::collections::BTreeMap;
    use std::sync::mpsc;
    use std::sync::{Arc, Mutex};

    let max_in_flight = threads + 2;
    let (work_tx, work_rx) = mpsc::sync_channel::<Job>(max_in_flight);
    let work_rx = Arc::new(Mutex::new(work_rx));
    let (done_tx, done_rx) = mpsc::channel::<Job>();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let work_rx = Arc::clone(&work_rx);
            let done_tx = done_tx.clone();
            scope.spawn(move || {
                let mut pricer = Pricer::new(table, cols, layout);
                let mut commas = Vec::new();
                loop {
                    let next = match work_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok(mut job) = next else { return };
                    price_job(&mut pricer, &mut commas, &mut job);
                    if done_tx.send(job).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_tx);

        let mut spare: Vec<Job> = Vec::new();
        let mut pending: BTreeMap<u64, Job> = BTreeMap::new();
        let (mut next_seq, mut next_write, mut in_flight) = (0u64, 0u64, 0usize);
        let mut rest = None;
        let mut finished = false;
        let mut result = Ok(());
        while !finished || in_flight > 0 {
            // Blocks in flight and blocks done but waiting for an earlier one: together bounded.
            if !finished && in_flight + pending.len() < max_in_flight && result.is_ok() {
                // Buffers sized once, on this thread, for a block and its output (a row of
                // the landed-cost layout is about three times its input): they are reused
                // and rarely grow, so memory stays flat however long the input.
                let mut job = spare.pop().unwrap_or_else(|| Job {
                    seq: 0,
                    input: Vec::with_capacity(THREAD_BLOCK + (1 << 17)),
                    first_line: 0,
                    rows: 0,
                    out: OutBuf::with_capacity(THREAD_BLOCK * 4),
                    errors: Vec::new(),
                    totals: Totals::default(),
                    failed: None,
                });
                match src.next(std::mem::take(&mut job.input)) {
                    Ok(Next::Plain(block, first_line)) => {
                        job.seq = next_seq;
                        job.input = block;
                        job.first_line = first_line;
                        next_seq += 1;
                        in_flight += 1;
                        if work_tx.send(job).is_err() {
                            result = Err(BatchError::Read("a worker stopped".into()));
                            finished = true;
                        }
                    }
                    Ok(Next::Csv(r)) => {
                        rest = Some(r);
                        finished = true;
                    }
                    Ok(Next::End) => finished = true,
                    Err(e) => {
                        result = Err(e);
                        finished = true;
                    }
                }
                continue;
            }
            // Wait for a block, then write every block that is next in order.
            let Ok(done) = done_rx.recv() else { break };
            in_flight -= 1;
            pending.insert(done.seq, done);
            while let Some(mut job) = pending.remove(&next_write) {
                next_write += 1;
                if result.is_ok() {
                    result = (|| {
                        if let Some(e) = job.failed.take() {
                            return Err(e);
                        }
                        run.read_rows(job.rows);
                        run.output.write_all(job.out.as_bytes())?;
                        for e in &job.errors {
                            run.reject(e)?;
                        }
                        run.totals.merge(&job.totals)
                    })();
                    // A failure (a write error, an observer's error, an overflow) stops
                    // the reading: the blocks in flight are drained, then the workers
                    // end. Without this the loop waited for blocks never sent.
                    if result.is_err() {
                        finished = true;
                    }
                }
                job.out.clear();
                job.errors.clear();
                job.totals = Totals::default();
                spare.push(job);
            }
        }
        drop(work_tx);
        result.map(|()| rest)
    })
}

fn price_job(pricer: &mut Pricer<'_>, commas: &mut Vec<usize>, job: &mut Job) {
    let (out, errors, totals) = (&mut job.out, &mut job.errors, &mut job.totals);
    let rows = for_each_record(&job.input, job.first_line, commas, |rec| {
        match pricer.price(rec, out, totals)? {
            Ok(()) => {}
            Err(e) => errors.push(e),
        }
        Ok(true)
    });
    match rows {
        Ok(n) => job.rows = n,
        Err(e) => job.failed = Some(e),
    }
}

/// Prices records of one batch, one after another: the fast path where it applies, else
/// the general one.
struct Pricer<'t> {
    table: &'t RateTable,
    cols: &'t Columns,
    layout: Layout,
    fast: Option<FastPricer<'t>>,
    buf: RecordBuf,
}

impl<'t> Pricer<'t> {
    fn new(table: &'t RateTable, cols: &'t Columns, layout: Layout) -> Pricer<'t> {
        Pricer {
            table,
            cols,
            layout,
            fast: layout
                .landed_cost_columns()
                .map(|set| FastPricer::new(table, cols, set)),
            buf: RecordBuf::for_table(table),
        }
    }

    /// Prices one record and appends its output line to `out`. The outer error stops the
    /// batch (a total overflowed); the inner one rejects the row.
    fn price(
        &mut self,
        rec: &impl Fields,
        out: &mut OutBuf,
        totals: &mut Totals,
    ) -> Result<Result<(), RowError>, BatchError> {
        if let Err(e) = self.cols.check_width(rec) {
            return Ok(Err(e));
        }
        if let Some(fast) = self.fast.as_mut() {
            match fast.price(rec, out, &mut totals.cents) {
                Fast::Priced => return Ok(Ok(())),
                Fast::Rejected(e) => return Ok(Err(e)),
                Fast::Slow => {}
            }
        }
        let priced = price_record(
            self.table,
            self.cols,
            rec,
            self.layout,
            &mut self.buf,
            totals,
        )?;
        if priced.is_ok() {
            self.buf.write_line_to(out);
        }
        Ok(priced)
    }
}

/// Where each field is in the input's records, and how many fields a record has (the
/// header's count).
pub(super) struct Columns(
    pub(super) [Option<usize>; Field::ALL.len()],
    pub(super) usize,
);

impl Columns {
    fn from_header(
        header: &csv::ByteRecord,
        ignored: &mut Vec<String>,
    ) -> Result<Columns, BatchError> {
        Columns::matching(header, &[Field::Id, Field::Origin, Field::Value], ignored)
    }

    /// The columns of a header: names matched to [`Field`]s case-insensitively and with
    /// surrounding white space (and a byte order mark) trimmed, as spreadsheets export
    /// them; other names are `ignored`. A field named twice is refused, and so is a header
    /// without one of the `required` fields.
    pub(super) fn matching(
        header: &csv::ByteRecord,
        required: &[Field],
        ignored: &mut Vec<String>,
    ) -> Result<Columns, BatchError> {
        let mut index = [None; Field::ALL.len()];
        for (i, h) in header.iter().enumerate() {
            let h = String::from_utf8_lossy(h);
            let h = h.trim().trim_start_matches('\u{feff}').trim();
            match Field::from_name(&h.to_ascii_lowercase()) {
                Some(f) => match index[f as usize] {
                    None => index[f as usize] = Some(i),
                    Some(first) => {
                        let name = |j: usize| {
                            String::from_utf8_lossy(header.get(j).unwrap_or_default()).into_owned()
                        };
                        return Err(BatchError::DuplicateColumn {
                            field: f.name(),
                            names: [name(first), name(i)],
                        });
                    }
                },
                None => ignored.push(h.to_string()),
            }
        }
        for &f in required {
            if index[f as usize].is_none() {
                return Err(BatchError::MissingColumn(f.name()));
            }
        }
        Ok(Columns(index, header.len()))
    }

    /// The error of a record whose number of fields is not the header's (a value with an
    /// unquoted comma, typically a thousands separator, shifts every column after it).
    pub(super) fn check_width(&self, rec: &impl Fields) -> Result<(), RowError> {
        let found = rec.width();
        if found == self.1 {
            return Ok(());
        }
        let id = self.0[Field::Id as usize]
            .and_then(|i| rec.field(i))
            .unwrap_or_default();
        Err(RowError {
            line: rec.line(),
            id: String::from_utf8_lossy(id).into_owned(),
            column: None,
            value: String::new(),
            reason: format!(
                "the row has {found} field{}, but the header has {}: a value with an unquoted \
                 comma (a thousands separator?) shifts the columns; quote it, or write 1000.00",
                if found == 1 { "" } else { "s" },
                self.1
            ),
        })
    }
}

/// Prices one record into `buf`. The outer error stops the batch (a total overflowed); the
/// inner one rejects the row.
fn price_record(
    table: &RateTable,
    cols: &Columns,
    rec: &impl Fields,
    layout: Layout,
    buf: &mut RecordBuf,
    totals: &mut Totals,
) -> Result<Result<(), RowError>, BatchError> {
    let line = rec.line();
    let text = match row_text(cols, rec) {
        Ok(text) => text,
        Err(e) => return Ok(Err(e)),
    };
    let get = |f: Field| -> &str { text[f as usize] };
    let id = get(Field::Id);
    if layout == Layout::Refunds && get(Field::Date).trim_ascii().is_empty() {
        // A refund is the duty of the entry date: a row without one has no answer.
        return Ok(Err(RowError {
            line,
            id: id.to_string(),
            column: Some(Field::Date.name()),
            value: String::new(),
            reason: "required for a refund estimate: the IEEPA duty depends on the entry date"
                .into(),
        }));
    }
    match price_fields(table, &get) {
        Ok((shipment, cost)) => {
            format_record(layout, buf, id, &shipment, &cost);
            totals.add(&cost)?;
            Ok(Ok(()))
        }
        Err(e) => Ok(Err(RowError {
            line,
            id: id.to_string(),
            column: Some(e.field.name()),
            value: e.value,
            reason: e.reason,
        })),
    }
}

/// The text of each field of a record (empty where the input has no such column).
///
/// # Errors
///
/// The row's error when a field is not valid UTF-8.
fn row_text<'r>(
    cols: &Columns,
    rec: &'r impl Fields,
) -> Result<[&'r str; Field::ALL.len()], RowError> {
    let mut text: [&str; Field::ALL.len()] = [""; Field::ALL.len()];
    for (slot, (i, field)) in text.iter_mut().zip(cols.0.iter().zip(Field::ALL)) {
        if let Some(bytes) = i.and_then(|i| rec.field(i)) {
            match std::str::from_utf8(bytes) {
                Ok(s) => *slot = s,
                Err(_) => {
                    return Err(RowError {
                        line: rec.line(),
                        id: String::from_utf8_lossy(
                            cols.0[Field::Id as usize]
                                .and_then(|i| rec.field(i))
                                .unwrap_or(b""),
                        )
                        .into_owned(),
                        column: Some(field.name()),
                        value: String::from_utf8_lossy(bytes).into_owned(),
                        reason: "not valid UTF-8".into(),
                    })
                }
            }
        }
    }
    Ok(text)
}

/// One data row of a user's CSV, its fields as text by [`Field`].
#[derive(Debug, Clone, Copy)]
pub struct InputRow<'r> {
    line: u64,
    text: [&'r str; Field::ALL.len()],
}

impl<'r> InputRow<'r> {
    /// The 1-based line of the input the row starts on (the header is line 1).
    pub fn line(&self) -> u64 {
        self.line
    }

    /// The text of a field, as given (empty when the input has no such column).
    pub fn get(&self, field: Field) -> &'r str {
        self.text[field as usize]
    }
}

/// Reads a CSV of named columns as `batch` and `refunds` read theirs, for other commands
/// over the same kind of file (`tariffs exempt-share`): the header's names matched to
/// [`Field`]s (case-insensitively, spaces trimmed; a field named twice is refused, and
/// so is a header without one of `required`; other names go to `ignored`), then each data
/// row, in order, to `f`: its text by field, or its error (a number of fields other than
/// the header's, a field that is not UTF-8). Quoted fields, CRLF line ends and blank lines
/// are read as the csv crate reads them, with the physical line each row starts on.
/// Returns the number of data rows read.
///
/// ```
/// use tariffs::batch::{read_rows, Field};
///
/// let input = "Value , HTS\n100,2709.00.20\n5,1,000\n";
/// let mut seen = Vec::new();
/// let rows = read_rows(input.as_bytes(), &[Field::Value], &mut Vec::new(), |row| {
///     seen.push(row.map(|r| (r.line(), r.get(Field::Value).to_string())).map_err(|e| e.line));
///     Ok(())
/// })?;
/// assert_eq!(rows, 2);
/// assert_eq!(seen, [Ok((2, "100".to_string())), Err(3)]); // line 3 has three fields
/// # Ok::<(), tariffs::batch::BatchError>(())
/// ```
///
/// # Errors
///
/// [`BatchError::Read`], [`BatchError::RecordTooLong`], [`BatchError::MissingColumn`],
/// [`BatchError::DuplicateColumn`], and any error `f` returns.
pub fn read_rows<R: Read>(
    input: R,
    required: &[Field],
    ignored: &mut Vec<String>,
    mut f: impl FnMut(Result<InputRow<'_>, RowError>) -> Result<(), BatchError>,
) -> Result<u64, BatchError> {
    let mut rdr = Rest::new(Vec::new(), input, 1, true);
    let mut rec = csv::ByteRecord::new();
    rdr.read(&mut rec)?;
    let cols = Columns::matching(&rec, required, ignored)?;
    let mut rows = 0;
    while rdr.read(&mut rec)? {
        rows += 1;
        let row = cols
            .check_width(&rec)
            .and_then(|()| row_text(&cols, &rec))
            .map(|text| InputRow {
                line: rec.line(),
                text,
            });
        f(row)?;
    }
    Ok(rows)
}

/// Sums of the priced rows.
#[derive(Debug, Clone, Default)]
struct Totals {
    priced: u64,
    value: Decimal,
    duty: Decimal,
    fees: Decimal,
    landed: Decimal,
    reciprocal: Decimal,
    /// By measure name.
    measures: Vec<(Box<str>, Decimal)>,
    ieepa: Decimal,
    mpf_carried: u64,
    /// The rows the fast path priced, summed in cents.
    cents: CentSums,
}

impl Totals {
    fn add(&mut self, c: &LandedCost<'_>) -> Result<(), BatchError> {
        let measures = c
            .measures
            .iter()
            .map(|m| (m.name.into(), m.charge.amount))
            .collect();
        self.merge(&Totals {
            priced: 1,
            value: c.customs_value,
            duty: c.total_duty,
            fees: c.total_fees,
            landed: c.landed_cost,
            reciprocal: c.reciprocal.charge.amount,
            measures,
            ieepa: c.ieepa_duty,
            mpf_carried: u64::from(c.mpf.carried_note().is_some()),
            cents: CentSums::default(),
        })
    }

    fn merge(&mut self, o: &Totals) -> Result<(), BatchError> {
        let add = |a: Decimal, b: Decimal| {
            crate::money::add(a, b, "batch totals").map_err(|_| BatchError::Overflow)
        };
        self.priced += o.priced;
        self.mpf_carried += o.mpf_carried;
        self.value = add(self.value, o.value)?;
        self.duty = add(self.duty, o.duty)?;
        self.fees = add(self.fees, o.fees)?;
        self.landed = add(self.landed, o.landed)?;
        self.reciprocal = add(self.reciprocal, o.reciprocal)?;
        self.ieepa = add(self.ieepa, o.ieepa)?;
        for (name, b) in &o.measures {
            match self.measures.iter_mut().find(|(n, _)| n == name) {
                Some((_, a)) => *a = add(*a, *b)?,
                None => self.measures.push((name.clone(), *b)),
            }
        }
        self.cents.merge(&o.cents);
        Ok(())
    }

    fn into_summary(mut self, s: &mut BatchSummary) -> Result<(), BatchError> {
        // The fast path's sums, in cents, join the others.
        let c = self.cents;
        if c.overflow {
            return Err(BatchError::Overflow);
        }
        let cents = |v: i128| {
            Decimal::try_from_i128_with_scale(v, crate::money::MONEY_DP)
                .map_err(|_| BatchError::Overflow)
        };
        let mut measures = Vec::new();
        for ((name, _), (&v, &seen)) in super::NAMED_MEASURES
            .iter()
            .zip(c.programs.iter().zip(&c.charged))
        {
            if seen {
                measures.push(((*name).into(), cents(v)?));
            }
        }
        self.merge(&Totals {
            priced: c.priced,
            value: cents(c.value)?,
            duty: cents(c.duty)?,
            fees: cents(c.fees)?,
            landed: cents(c.landed)?,
            reciprocal: cents(c.reciprocal)?,
            measures,
            ieepa: cents(c.ieepa)?,
            mpf_carried: c.carried,
            cents: CentSums::default(),
        })?;
        s.priced = self.priced;
        s.total_value = self.value;
        s.total_duty = self.duty;
        s.total_fees = self.fees;
        s.total_landed = self.landed;
        s.total_reciprocal = self.reciprocal;
        let rank = |n: &str| {
            super::NAMED_MEASURES
                .iter()
                .position(|(m, _)| *m == n)
                .unwrap_or(super::NAMED_MEASURES.len())
        };
        self.measures
            .sort_by(|a, b| (rank(&a.0), &a.0).cmp(&(rank(&b.0), &b.0)));
        s.total_measures = std::mem::take(&mut self.measures)
            .into_iter()
            .map(|(n, v)| (n.into(), v))
            .collect();
        s.total_ieepa = self.ieepa;
        s.mpf_carried = self.mpf_carried;
        Ok(())
    }
}

fn csv_write(e: csv::Error) -> BatchError {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => BatchError::Write(io),
        other => BatchError::Write(std::io::Error::other(format!("{other:?}"))),
    }
}

impl<F: FnMut(&RowError) -> std::io::Result<()>> BatchObserver for F {
    fn row_error(&mut self, error: &RowError) -> std::io::Result<()> {
        self(error)
    }
}
