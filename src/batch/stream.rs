//! The streamed batch: CSV in, CSV out, every row priced or reported.

use std::io::{Read, Write};

use rust_decimal::Decimal;

use super::format::{format_record, RecordBuf};
use super::{price_fields, Field, Layout};
use crate::estimate::LandedCost;
use crate::RateTable;

/// A row that could not be priced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The 1-based line of the input file (the header is line 1).
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
    /// The record for the error report, in the order of [`ERROR_COLUMNS`](super::ERROR_COLUMNS).
    pub fn record(&self) -> [String; 5] {
        [
            self.line.to_string(),
            self.id.clone(),
            self.column.unwrap_or("").to_string(),
            self.value.clone(),
            self.reason.clone(),
        ]
    }
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}", self.line)?;
        if !self.id.is_empty() {
            write!(f, " (id {})", self.id)?;
        }
        if let Some(c) = self.column {
            write!(f, ", column {c} {:?}", self.value)?;
        }
        write!(f, ": {}", self.reason)
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
    /// Sum of their program duties, in the order of [`Program::ALL`](crate::Program::ALL).
    pub total_programs: [Decimal; 4],
    /// Sum of their IEEPA duties (reciprocal, fentanyl, Brazil, Russia-oil): refundable.
    pub total_ieepa: Decimal,
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
    /// The output or the error report cannot be written.
    #[error("cannot write: {0}")]
    Write(#[from] std::io::Error),
    /// A total exceeded the range of `Decimal`.
    #[error("the batch totals overflow")]
    Overflow,
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

/// [`price_csv_with`] on `threads` threads: the calling thread reads the input and writes
/// the output, `threads` workers price chunks of rows, and the output keeps the input's
/// order, byte for byte what one thread writes. With `strict`, or one thread, it runs on
/// the calling thread alone. Memory is bounded by the chunks in flight.
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
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(input);
    let header = rdr
        .byte_headers()
        .map_err(|e| BatchError::Read(e.to_string()))?
        .clone();
    let mut summary = BatchSummary::default();
    let cols = Columns::from_header(&header, &mut summary.ignored_columns)?;
    if !summary.ignored_columns.is_empty() {
        observer.ignored_columns(&summary.ignored_columns);
    }
    let mut header_out = csv::Writer::from_writer(Vec::with_capacity(1024));
    header_out
        .write_record(layout.columns())
        .map_err(csv_write)?;
    output.write_all(
        &header_out
            .into_inner()
            .map_err(|e| BatchError::Write(e.into_error()))?,
    )?;

    let mut totals = Totals::default();
    if threads <= 1 || strict {
        let mut out = Vec::with_capacity(OUT_FLUSH + 4096);
        let mut rec = csv::ByteRecord::new();
        let mut buf = RecordBuf::new();
        while read(&mut rdr, &mut rec)? {
            summary.rows_read += 1;
            if summary.rows_read % PROGRESS_EVERY == 0 {
                observer.progress(summary.rows_read);
            }
            match price_record(table, &cols, &rec, layout, &mut buf, &mut totals)? {
                Ok(()) => {
                    buf.write_csv_line(&mut out);
                    if out.len() >= OUT_FLUSH {
                        output.write_all(&out)?;
                        out.clear();
                    }
                }
                Err(e) => {
                    summary.rejected += 1;
                    observer.row_error(&e)?;
                    if strict {
                        summary.stopped = true;
                        break;
                    }
                }
            }
        }
        output.write_all(&out)?;
    } else {
        threaded(
            table,
            &mut rdr,
            &mut output,
            observer,
            layout,
            threads,
            &cols,
            &mut summary,
            &mut totals,
        )?;
    }
    output.flush()?;
    totals.into_summary(&mut summary);
    Ok(summary)
}

/// Bytes of output gathered before they are handed to the writer.
const OUT_FLUSH: usize = 1 << 16;

/// Rows per chunk handed to a worker.
const CHUNK: usize = 2048;

/// A chunk of rows in flight: the records, then the worker's output.
struct Chunk {
    seq: u64,
    records: Vec<csv::ByteRecord>,
    len: usize,
    out: Vec<u8>,
    errors: Vec<RowError>,
    totals: Totals,
    failed: Option<BatchError>,
}

#[allow(clippy::too_many_arguments)]
fn threaded<R: Read>(
    table: &RateTable,
    rdr: &mut csv::Reader<R>,
    output: &mut impl Write,
    observer: &mut dyn BatchObserver,
    layout: Layout,
    threads: usize,
    cols: &Columns,
    summary: &mut BatchSummary,
    totals: &mut Totals,
) -> Result<(), BatchError> {
    use std::collections::BTreeMap;
    use std::sync::mpsc;
    use std::sync::{Arc, Mutex};

    let max_in_flight = threads * 3;
    let (work_tx, work_rx) = mpsc::sync_channel::<Chunk>(max_in_flight);
    let work_rx = Arc::new(Mutex::new(work_rx));
    let (done_tx, done_rx) = mpsc::channel::<Chunk>();
    std::thread::scope(|scope| -> Result<(), BatchError> {
        for _ in 0..threads {
            let work_rx = Arc::clone(&work_rx);
            let done_tx = done_tx.clone();
            scope.spawn(move || {
                let mut buf = RecordBuf::new();
                loop {
                    let next = match work_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok(mut chunk) = next else { return };
                    price_chunk(table, cols, layout, &mut buf, &mut chunk);
                    if done_tx.send(chunk).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_tx);

        let mut spare: Vec<Chunk> = Vec::new();
        let mut pending: BTreeMap<u64, Chunk> = BTreeMap::new();
        let (mut next_seq, mut next_write, mut in_flight) = (0u64, 0u64, 0usize);
        let mut finished = false;
        let mut result = Ok(());
        while !finished || in_flight > 0 {
            if !finished && in_flight < max_in_flight && result.is_ok() {
                let mut chunk = spare.pop().unwrap_or_else(|| Chunk {
                    seq: 0,
                    records: Vec::new(),
                    len: 0,
                    out: Vec::new(),
                    errors: Vec::new(),
                    totals: Totals::default(),
                    failed: None,
                });
                chunk.seq = next_seq;
                chunk.len = 0;
                while chunk.len < CHUNK {
                    if chunk.records.len() == chunk.len {
                        chunk.records.push(csv::ByteRecord::new());
                    }
                    match read(rdr, &mut chunk.records[chunk.len]) {
                        Ok(true) => {
                            chunk.len += 1;
                            summary.rows_read += 1;
                            if summary.rows_read % PROGRESS_EVERY == 0 {
                                observer.progress(summary.rows_read);
                            }
                        }
                        Ok(false) => {
                            finished = true;
                            break;
                        }
                        Err(e) => {
                            finished = true;
                            result = Err(e);
                            break;
                        }
                    }
                }
                if chunk.len > 0 {
                    next_seq += 1;
                    in_flight += 1;
                    if work_tx.send(chunk).is_err() {
                        return Err(BatchError::Read("a worker stopped".into()));
                    }
                }
                continue;
            }
            // Wait for a chunk, then write every chunk that is next in order.
            let Ok(done) = done_rx.recv() else { break };
            in_flight -= 1;
            pending.insert(done.seq, done);
            while let Some(mut chunk) = pending.remove(&next_write) {
                next_write += 1;
                if result.is_ok() {
                    result = (|| {
                        if let Some(e) = chunk.failed.take() {
                            return Err(e);
                        }
                        output.write_all(&chunk.out)?;
                        for e in &chunk.errors {
                            summary.rejected += 1;
                            observer.row_error(e)?;
                        }
                        totals.merge(&chunk.totals)
                    })();
                }
                chunk.out.clear();
                chunk.errors.clear();
                chunk.totals = Totals::default();
                spare.push(chunk);
            }
        }
        drop(work_tx);
        result
    })
}

fn price_chunk(
    table: &RateTable,
    cols: &Columns,
    layout: Layout,
    buf: &mut RecordBuf,
    chunk: &mut Chunk,
) {
    for rec in &chunk.records[..chunk.len] {
        match price_record(table, cols, rec, layout, buf, &mut chunk.totals) {
            Ok(Ok(())) => buf.write_csv_line(&mut chunk.out),
            Ok(Err(e)) => chunk.errors.push(e),
            Err(e) => {
                chunk.failed = Some(e);
                break;
            }
        }
    }
}

/// Reads one record; `Ok(false)` at the end of the input.
fn read<R: Read>(rdr: &mut csv::Reader<R>, rec: &mut csv::ByteRecord) -> Result<bool, BatchError> {
    rdr.read_byte_record(rec)
        .map_err(|e| BatchError::Read(e.to_string()))
}

/// Where each field is in the input's records.
struct Columns([Option<usize>; Field::ALL.len()]);

impl Columns {
    fn from_header(
        header: &csv::ByteRecord,
        ignored: &mut Vec<String>,
    ) -> Result<Columns, BatchError> {
        let mut index = [None; Field::ALL.len()];
        for (i, h) in header.iter().enumerate() {
            let h = String::from_utf8_lossy(h);
            let h = h.trim().trim_start_matches('\u{feff}');
            match Field::from_name(h) {
                Some(f) => index[f as usize] = index[f as usize].or(Some(i)),
                None => ignored.push(h.to_string()),
            }
        }
        for required in [Field::Id, Field::Origin, Field::Value] {
            if index[required as usize].is_none() {
                return Err(BatchError::MissingColumn(required.name()));
            }
        }
        Ok(Columns(index))
    }
}

/// Prices one record into `buf`. The outer error stops the batch (a total overflowed); the
/// inner one rejects the row.
fn price_record(
    table: &RateTable,
    cols: &Columns,
    rec: &csv::ByteRecord,
    layout: Layout,
    buf: &mut RecordBuf,
    totals: &mut Totals,
) -> Result<Result<(), RowError>, BatchError> {
    let line = rec.position().map(|p| p.line()).unwrap_or(0);
    let mut text: [&str; Field::ALL.len()] = [""; Field::ALL.len()];
    for (slot, (i, field)) in text.iter_mut().zip(cols.0.iter().zip(Field::ALL)) {
        if let Some(bytes) = i.and_then(|i| rec.get(i)) {
            match std::str::from_utf8(bytes) {
                Ok(s) => *slot = s,
                Err(_) => {
                    return Ok(Err(RowError {
                        line,
                        id: String::from_utf8_lossy(
                            cols.0[Field::Id as usize]
                                .and_then(|i| rec.get(i))
                                .unwrap_or(b""),
                        )
                        .into_owned(),
                        column: Some(field.name()),
                        value: String::from_utf8_lossy(bytes).into_owned(),
                        reason: "not valid UTF-8".into(),
                    }))
                }
            }
        }
    }
    let get = |f: Field| -> &str { text[f as usize] };
    let id = get(Field::Id);
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

/// Sums of the priced rows.
#[derive(Debug, Clone, Copy, Default)]
struct Totals {
    priced: u64,
    value: Decimal,
    duty: Decimal,
    fees: Decimal,
    landed: Decimal,
    reciprocal: Decimal,
    programs: [Decimal; 4],
    ieepa: Decimal,
}

impl Totals {
    fn add(&mut self, c: &LandedCost<'_>) -> Result<(), BatchError> {
        let mut programs = [Decimal::ZERO; 4];
        for (slot, p) in programs.iter_mut().zip(&c.programs) {
            if let Some(p) = p {
                *slot = p.charge.amount;
            }
        }
        self.merge(&Totals {
            priced: 1,
            value: c.customs_value,
            duty: c.total_duty,
            fees: c.total_fees,
            landed: c.landed_cost,
            reciprocal: c.reciprocal.charge.amount,
            programs,
            ieepa: c.ieepa_duty,
        })
    }

    fn merge(&mut self, o: &Totals) -> Result<(), BatchError> {
        let add = |a: Decimal, b: Decimal| {
            crate::money::add(a, b, "batch totals").map_err(|_| BatchError::Overflow)
        };
        self.priced += o.priced;
        self.value = add(self.value, o.value)?;
        self.duty = add(self.duty, o.duty)?;
        self.fees = add(self.fees, o.fees)?;
        self.landed = add(self.landed, o.landed)?;
        self.reciprocal = add(self.reciprocal, o.reciprocal)?;
        self.ieepa = add(self.ieepa, o.ieepa)?;
        for (a, b) in self.programs.iter_mut().zip(o.programs) {
            *a = add(*a, b)?;
        }
        Ok(())
    }

    fn into_summary(self, s: &mut BatchSummary) {
        s.priced = self.priced;
        s.total_value = self.value;
        s.total_duty = self.duty;
        s.total_fees = self.fees;
        s.total_landed = self.landed;
        s.total_reciprocal = self.reciprocal;
        s.total_programs = self.programs;
        s.total_ieepa = self.ieepa;
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
