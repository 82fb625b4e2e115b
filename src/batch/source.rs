//! Reading a batch's input: blocks of whole lines, split into records by hand while the CSV
//! is plain (no quote characters, no carriage return except before a line feed), and the csv
//! crate for the rest of the input from the first block that is not.
//!
//! Plain CSV is what machine-written shipment files are, and splitting it needs no state
//! machine: a record is a non-empty line, a field is what lies between commas. That is
//! several times cheaper than a general CSV parser, and it lets worker threads split their
//! own blocks, leaving the reading thread only to cut the input at line feeds. Records are
//! the same as the csv crate makes of the same text (this module's tests compare the two
//! on arbitrary text); line numbers are those of the line a record is on, where the csv
//! crate would give the line after the previous record (they differ after blank lines and
//! in files with CRLF line ends).

use std::io::Read;

use super::stream::BatchError;

/// Input bytes per block (whole lines; a longer line makes a longer block), unless set with
/// [`Source::set_block`].
pub(super) const BLOCK: usize = 1 << 16;

/// Bytes asked of the input per read.
const READ: usize = 1 << 16;

/// The longest record any reader of user CSV is sure to accept, in bytes (1 MiB). Once more
/// than this much of a record is held without its end (a file without line breaks,
/// `/dev/zero`, a quote never closed), the batch stops with [`BatchError::RecordTooLong`]
/// instead of growing memory without bound; a record whose end arrives in the read that
/// passes the mark (at most 64 KiB more) is still taken.
pub const MAX_RECORD_BYTES: usize = 1 << 20;

/// What the input holds next.
pub(super) enum Next<R> {
    /// A block of whole plain lines, and the line number of its first line.
    Plain(Vec<u8>, u64),
    /// Not plain: the rest of the input through the general reader.
    Csv(Rest<R>),
    /// The end of the input.
    End,
}

/// The header of the input: a plain first line, or the general reader of the input when
/// the first line is not plain.
pub(super) enum Header<R> {
    /// The header's fields; the data follows in blocks.
    Plain(csv::ByteRecord),
    /// Everything, header included, through the general reader.
    Csv(Rest<R>),
}

/// The general reader of user CSV: the records the csv crate makes of the same bytes (comma
/// delimiter, `"` quotes doubled inside quoted fields, `\r`, `\n` or `\r\n` ending a record,
/// blank lines skipped, text after a closing quote kept, a quote never closed running to the
/// end of the input), each with the physical line it starts on (counted in line feeds, so
/// right for CRLF files, quoted line breaks and blank lines, where the csv crate's count is
/// not), and no record longer than [`MAX_RECORD_BYTES`].
pub(super) struct Rest<R> {
    input: R,
    /// Bytes read and not yet taken; the next record starts at `pos`.
    buf: Vec<u8>,
    pos: usize,
    /// The 1-based line at `pos`.
    line: u64,
    eof: bool,
    /// True until the start of the input has been looked at for a byte order mark.
    strip_bom: bool,
    /// Scratch for a quoted field with doubled quotes.
    field: Vec<u8>,
}

/// How far a record's parse got.
enum Parse {
    /// The record ended here (the position after its terminator, or the end), with this many
    /// line feeds inside it.
    Done(usize, u64),
    /// The buffer ended first: more input is needed.
    More,
}

impl<R: Read> Rest<R> {
    /// A reader of `held` (bytes already read, starting on line `line`) and then `input`. At
    /// the start of the input (`at_start`) a UTF-8 byte order mark is dropped, as the csv
    /// crate drops it.
    pub(super) fn new(held: Vec<u8>, input: R, line: u64, at_start: bool) -> Rest<R> {
        let mut rest = Rest {
            input,
            buf: held,
            pos: 0,
            line,
            eof: false,
            strip_bom: at_start,
            field: Vec::new(),
        };
        rest.drop_bom();
        rest
    }

    /// Drops a byte order mark at the start of the input, once three bytes (or the end) are
    /// there to tell.
    fn drop_bom(&mut self) {
        if self.strip_bom && (self.buf.len() >= 3 || self.eof) {
            if self.buf.starts_with(b"\xEF\xBB\xBF") {
                self.buf.drain(..3);
            }
            self.strip_bom = false;
        }
    }

    /// Reads more input after what is held, dropping what was taken; false at the end.
    fn fill(&mut self) -> Result<bool, BatchError> {
        if self.eof {
            return Ok(false);
        }
        self.buf.drain(..self.pos);
        self.pos = 0;
        self.buf.reserve(READ);
        let more = match self
            .input
            .by_ref()
            .take(READ as u64)
            .read_to_end(&mut self.buf)
        {
            Ok(0) => {
                self.eof = true;
                false
            }
            Ok(_) => true,
            Err(e) => return Err(BatchError::Read(e.to_string())),
        };
        self.drop_bom();
        Ok(more)
    }

    /// Reads the next record into `rec`, its position set to the line it starts on; false at
    /// the end of the input.
    ///
    /// # Errors
    ///
    /// [`BatchError::Read`] when the input cannot be read; [`BatchError::RecordTooLong`].
    pub(super) fn read(&mut self, rec: &mut csv::ByteRecord) -> Result<bool, BatchError> {
        // Blank lines are no records.
        loop {
            match self.buf.get(self.pos) {
                Some(b'\n') => self.line += 1,
                Some(b'\r') => {}
                Some(_) => break,
                None => {
                    if !self.fill()? {
                        return Ok(false);
                    }
                    continue;
                }
            }
            self.pos += 1;
        }
        loop {
            match self.parse(rec) {
                Parse::Done(end, lines) => {
                    let mut position = csv::Position::new();
                    position.set_line(self.line);
                    rec.set_position(Some(position));
                    self.line += lines;
                    self.pos = end;
                    return Ok(true);
                }
                Parse::More => {
                    if self.buf.len() - self.pos > MAX_RECORD_BYTES {
                        return Err(BatchError::RecordTooLong { line: self.line });
                    }
                    // At the end of the input the record ends with it: parse it again.
                    self.fill()?;
                }
            }
        }
    }

    /// Parses the record at `pos` into `rec`, as far as the bytes held go.
    fn parse(&mut self, rec: &mut csv::ByteRecord) -> Parse {
        rec.clear();
        let (buf, eof) = (&self.buf[..], self.eof);
        let mut i = self.pos;
        let mut lines = 0u64;
        loop {
            // One field from `i`.
            if buf.get(i) == Some(&b'"') {
                self.field.clear();
                let mut start = i + 1;
                let end = loop {
                    match memchr::memchr(b'"', buf.get(start..).unwrap_or_default()) {
                        None if eof => {
                            // Never closed: the field runs to the end of the input.
                            let rest = buf.get(start..).unwrap_or_default();
                            lines += memchr::memchr_iter(b'\n', rest).count() as u64;
                            self.field.extend_from_slice(rest);
                            break buf.len();
                        }
                        None => return Parse::More,
                        Some(q) => {
                            let part = &buf[start..start + q];
                            lines += memchr::memchr_iter(b'\n', part).count() as u64;
                            self.field.extend_from_slice(part);
                            let after = start + q + 1;
                            match buf.get(after) {
                                // A doubled quote stands for one.
                                Some(b'"') => {
                                    self.field.push(b'"');
                                    start = after + 1;
                                }
                                None if !eof => return Parse::More,
                                _ => {
                                    // Text after the closing quote belongs to the field.
                                    let stop = field_end(buf, after);
                                    if stop == buf.len() && !eof {
                                        return Parse::More;
                                    }
                                    self.field.extend_from_slice(&buf[after..stop]);
                                    break stop;
                                }
                            }
                        }
                    }
                };
                rec.push_field(&self.field);
                i = end;
            } else {
                let stop = field_end(buf, i);
                if stop == buf.len() && !eof {
                    return Parse::More;
                }
                rec.push_field(&buf[i..stop]);
                i = stop;
            }
            match buf.get(i) {
                Some(b',') => i += 1,
                // A carriage return or line feed ends the record; a line feed after a
                // carriage return is skipped with the blank lines before the next record.
                Some(b'\r') => return Parse::Done(i + 1, lines),
                Some(_) => return Parse::Done(i + 1, lines + 1),
                None => return Parse::Done(i, lines),
            }
        }
    }
}

/// The end of unquoted field text from `from`: the next comma, carriage return, line feed
/// or the end of the bytes.
fn field_end(buf: &[u8], from: usize) -> usize {
    let rest = buf.get(from..).unwrap_or_default();
    from + memchr::memchr3(b',', b'\r', b'\n', rest).unwrap_or(rest.len())
}

/// The input, read in blocks of whole lines.
pub(super) struct Source<R: Read> {
    input: Option<R>,
    /// Bytes per block ([`BLOCK`] unless set).
    block: usize,
    /// Bytes read but not yet handed out (a partial line, or the first bytes).
    carry: Vec<u8>,
    eof: bool,
    /// The line number of the first line in `carry`.
    line: u64,
}

impl<R: Read> Source<R> {
    pub(super) fn new(input: R) -> Source<R> {
        Source {
            input: Some(input),
            block: BLOCK,
            carry: Vec::new(),
            eof: false,
            line: 1,
        }
    }

    /// Sets the bytes per block.
    pub(super) fn set_block(&mut self, bytes: usize) {
        self.block = bytes.max(1);
    }

    /// Appends up to [`READ`] bytes of input to `buf`; false at the end of the input.
    fn read_into(&mut self, buf: &mut Vec<u8>) -> Result<bool, BatchError> {
        let Some(input) = self.input.as_mut() else {
            self.eof = true;
            return Ok(false);
        };
        // `read_to_end` of at most READ bytes reads into the vector's spare room without
        // zeroing it first, and retries an interrupted read.
        buf.reserve(READ);
        match input.by_ref().take(READ as u64).read_to_end(buf) {
            Ok(0) => {
                self.eof = true;
                Ok(false)
            }
            Ok(_) => Ok(true),
            Err(e) => Err(BatchError::Read(e.to_string())),
        }
    }

    /// The general reader over the bytes held (starting on line `line`) and the rest of the
    /// input. Every record is data: a header, if not yet read, is the first record.
    fn rest(&mut self, held: Vec<u8>, line: u64, at_start: bool) -> Option<Rest<R>> {
        let input = self.input.take()?;
        Some(Rest::new(held, input, line, at_start))
    }

    /// Reads the header: the first non-blank line. A UTF-8 byte order mark is dropped, as
    /// the csv crate drops it.
    pub(super) fn header(&mut self) -> Result<Header<R>, BatchError> {
        let mut buf = std::mem::take(&mut self.carry);
        // The first line, whole.
        let mut scanned = 0;
        let end = loop {
            if let Some(i) = memchr::memchr(b'\n', &buf[scanned..]) {
                break Some(scanned + i);
            }
            scanned = buf.len();
            if scanned > MAX_RECORD_BYTES {
                return Err(BatchError::RecordTooLong { line: 1 });
            }
            if !self.read_into(&mut buf)? {
                break None;
            }
        };
        let bom = usize::from(buf.starts_with(b"\xEF\xBB\xBF")) * 3;
        let line_end = end.unwrap_or(buf.len());
        let first = buf.get(bom..line_end).unwrap_or(b"");
        let first = first.strip_suffix(b"\r").unwrap_or(first);
        if first.is_empty() || !plain(first) {
            // A quoted or blank first line: the general reader reads it all (and drops the
            // byte order mark).
            return match self.rest(buf, 1, true) {
                Some(r) => Ok(Header::Csv(r)),
                None => Err(BatchError::Read("the input was already taken".into())),
            };
        }
        let mut header = csv::ByteRecord::new();
        split_fields(first, &mut header);
        self.carry = buf.split_off((line_end + 1).min(buf.len()));
        self.line = 2;
        Ok(Header::Plain(header))
    }

    /// The next block of whole lines, in `buf` (its memory reused).
    pub(super) fn next(&mut self, mut buf: Vec<u8>) -> Result<Next<R>, BatchError> {
        buf.clear();
        buf.append(&mut self.carry);
        while buf.len() < self.block && !self.eof {
            self.read_into(&mut buf)?;
        }
        // Cut after the last line feed; a line longer than the block makes the block longer,
        // up to the longest record accepted.
        let cut = loop {
            match memchr::memrchr(b'\n', &buf) {
                Some(i) => break i + 1,
                None if self.eof => break buf.len(),
                None if buf.len() > MAX_RECORD_BYTES => {
                    return Err(BatchError::RecordTooLong { line: self.line });
                }
                None => {
                    self.read_into(&mut buf)?;
                }
            }
        };
        if buf.is_empty() {
            return Ok(Next::End);
        }
        self.carry.extend_from_slice(&buf[cut..]);
        buf.truncate(cut);
        if !plain(&buf) {
            let mut held = buf;
            held.append(&mut self.carry);
            let line = self.line;
            return match self.rest(held, line, false) {
                Some(r) => Ok(Next::Csv(r)),
                None => Ok(Next::End),
            };
        }
        let first = self.line;
        self.line += memchr::memchr_iter(b'\n', &buf).count() as u64;
        Ok(Next::Plain(buf, first))
    }
}

/// True when text has no quote character and no carriage return except right before a
/// line feed, so that commas and line feeds alone delimit fields and records.
fn plain(text: &[u8]) -> bool {
    if memchr::memchr(b'"', text).is_some() {
        return false;
    }
    memchr::memchr_iter(b'\r', text).all(|i| text.get(i + 1) == Some(&b'\n'))
}

/// Splits a line (without its terminator) at commas into `rec`.
fn split_fields(line: &[u8], rec: &mut csv::ByteRecord) {
    rec.clear();
    let mut start = 0;
    for i in memchr::memchr_iter(b',', line) {
        rec.push_field(&line[start..i]);
        start = i + 1;
    }
    rec.push_field(&line[start..]);
}

/// A record's fields and line, wherever the record comes from.
pub(super) trait Fields {
    /// True when no field can hold a comma, a quote or a line break (the records of a
    /// plain block), so that every field is written to CSV as it is.
    const PLAIN: bool;
    /// The bytes of field `i`, if the record has one.
    fn field(&self, i: usize) -> Option<&[u8]>;
    /// The number of fields.
    fn width(&self) -> usize;
    /// The line number of the record.
    fn line(&self) -> u64;
    /// True when every byte of the record is ASCII (so every field is UTF-8).
    fn is_ascii(&self) -> bool;
}

impl Fields for csv::ByteRecord {
    const PLAIN: bool = false;
    fn field(&self, i: usize) -> Option<&[u8]> {
        self.get(i)
    }
    fn width(&self) -> usize {
        self.len()
    }
    fn line(&self) -> u64 {
        self.position().map(|p| p.line()).unwrap_or(0)
    }
    fn is_ascii(&self) -> bool {
        self.as_slice().is_ascii()
    }
}

/// A record of a plain block: a line and where its fields end, without copying either.
pub(super) struct Line<'a> {
    text: &'a [u8],
    /// The end of each field but the last (the offsets of the commas).
    commas: &'a [usize],
    line: u64,
}

impl Fields for Line<'_> {
    const PLAIN: bool = true;
    #[inline]
    fn field(&self, i: usize) -> Option<&[u8]> {
        let start = match i {
            0 => 0,
            _ => self.commas.get(i - 1)? + 1,
        };
        let end = match self.commas.get(i) {
            Some(&e) => e,
            None if i == self.commas.len() => self.text.len(),
            None => return None,
        };
        self.text.get(start..end)
    }
    #[inline]
    fn width(&self) -> usize {
        self.commas.len() + 1
    }
    fn line(&self) -> u64 {
        self.line
    }
    fn is_ascii(&self) -> bool {
        self.text.is_ascii()
    }
}

/// Calls `f` with each record of a plain block whose first line is `first_line`, in order,
/// until it returns false; blank lines are skipped, as the csv crate skips them. `commas`
/// is scratch memory. The number of records passed to `f`.
///
/// # Errors
///
/// The first error `f` returns.
pub(super) fn for_each_record(
    block: &[u8],
    first_line: u64,
    commas: &mut Vec<usize>,
    mut f: impl FnMut(&Line<'_>) -> Result<bool, BatchError>,
) -> Result<u64, BatchError> {
    let (mut line_start, mut line, mut rows) = (0usize, first_line, 0u64);
    commas.clear();
    // A line ends at `end`: hand it on unless it is blank; false to stop.
    let mut end_line = |start: usize, end: usize, line: u64, commas: &[usize]| {
        let text = block.get(start..end).unwrap_or(b"");
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        if text.is_empty() {
            return Ok(true);
        }
        rows += 1;
        f(&Line { text, commas, line })
    };
    // Eight bytes at a time: a mask of the commas and line feeds among them.
    let words = block.chunks_exact(8);
    let tail_start = block.len() - words.remainder().len();
    for (k, word) in words.enumerate() {
        let w = <[u8; 8]>::try_from(word).map_or(0, u64::from_le_bytes);
        let mut m =
            zero_bytes(w ^ (ONES * u64::from(b','))) | zero_bytes(w ^ (ONES * u64::from(b'\n')));
        while m != 0 {
            let pos = k * 8 + (m.trailing_zeros() / 8) as usize;
            m &= m - 1;
            if block.get(pos) == Some(&b'\n') {
                if !end_line(line_start, pos, line, commas)? {
                    return Ok(rows);
                }
                line_start = pos + 1;
                line += 1;
                commas.clear();
            } else {
                commas.push(pos - line_start);
            }
        }
    }
    for (pos, &c) in block.iter().enumerate().skip(tail_start) {
        if c == b'\n' {
            if !end_line(line_start, pos, line, commas)? {
                return Ok(rows);
            }
            line_start = pos + 1;
            line += 1;
            commas.clear();
        } else if c == b',' {
            commas.push(pos - line_start);
        }
    }
    if line_start < block.len() {
        end_line(line_start, block.len(), line, commas)?;
    }
    Ok(rows)
}

/// `0x0101..01`: one in every byte.
const ONES: u64 = u64::from_le_bytes([1; 8]);

/// The high bit of every byte of `x` that is zero, and no other bit.
fn zero_bytes(x: u64) -> u64 {
    const LOW7: u64 = u64::from_le_bytes([0x7f; 8]);
    !(((x & LOW7).wrapping_add(LOW7)) | x | LOW7)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A reader that hands out a few bytes per call, so that blocks and lines are cut
    /// everywhere.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.1.min(buf.len()).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    type Records = Vec<(Vec<Vec<u8>>, u64)>;

    /// Header and records as the batch reads them.
    fn ours(input: &[u8], step: usize, block: usize) -> (Vec<Vec<u8>>, Records) {
        let mut src = Source::new(Trickle(input, step));
        src.set_block(block);
        let fields =
            |r: &dyn Fn(usize) -> Option<Vec<u8>>| -> Vec<Vec<u8>> { (0..).map_while(r).collect() };
        let mut records = Vec::new();
        let mut rest = None;
        let header = match src.header().expect("header") {
            Header::Plain(h) => h.iter().map(<[u8]>::to_vec).collect(),
            Header::Csv(mut r) => {
                let mut h = csv::ByteRecord::new();
                r.read(&mut h).expect("header");
                rest = Some(r);
                h.iter().map(<[u8]>::to_vec).collect()
            }
        };
        if rest.is_none() {
            let mut commas = Vec::new();
            loop {
                match src.next(Vec::new()).expect("block") {
                    Next::Plain(b, first) => {
                        for_each_record(&b, first, &mut commas, |rec| {
                            records
                                .push((fields(&|i| rec.field(i).map(<[u8]>::to_vec)), rec.line()));
                            Ok(true)
                        })
                        .expect("records");
                    }
                    Next::Csv(r) => {
                        rest = Some(r);
                        break;
                    }
                    Next::End => break,
                }
            }
        }
        if let Some(mut r) = rest {
            let mut rec = csv::ByteRecord::new();
            while r.read(&mut rec).expect("record") {
                let line = rec.position().map(|p| p.line()).unwrap_or(0);
                records.push((rec.iter().map(<[u8]>::to_vec).collect(), line));
            }
        }
        (header, records)
    }

    /// Header and records as the csv crate reads them.
    fn theirs(input: &[u8]) -> (Vec<Vec<u8>>, Vec<Vec<Vec<u8>>>) {
        let mut r = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(false)
            .from_reader(input);
        let mut all: Vec<Vec<Vec<u8>>> = Vec::new();
        let mut rec = csv::ByteRecord::new();
        while r.read_byte_record(&mut rec).expect("record") {
            all.push(rec.iter().map(<[u8]>::to_vec).collect());
        }
        let header = if all.is_empty() {
            Vec::new()
        } else {
            all.remove(0)
        };
        (header, all)
    }

    const PIECES: &[&str] = &[
        "a",
        "bb",
        "123.45",
        "",
        ",",
        ",",
        ",",
        "\n",
        "\n",
        "\n",
        "\r\n",
        "\"q,x\"",
        "\"\"",
        "\r",
        " ",
        "S00000001",
        "\u{feff}",
        "é",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Any text is read as the csv crate reads it, field for field, whatever the block
        /// and read sizes.
        #[test]
        fn records_are_the_csv_crates(
            pieces in proptest::collection::vec(proptest::sample::select(PIECES), 0..80),
            step in 1usize..9,
            block in 1usize..40,
        ) {
            let input = format!("id,origin,value\n{}", pieces.concat());
            let (h, recs) = ours(input.as_bytes(), step, block);
            let (th, trecs) = theirs(input.as_bytes());
            prop_assert_eq!(h, th);
            let fields: Vec<_> = recs.iter().map(|r| r.0.clone()).collect();
            prop_assert_eq!(fields, trecs);
            // Every record's line is the physical line it starts on, as the table loader
            // counts them (line feeds; quoted line breaks, CRLF and blank lines included).
            let mut table_records = crate::records::Records::new(&input);
            let mut scratch = Vec::new();
            let mut lines = Vec::new();
            while let Some(line) = table_records.next_into(&mut scratch) {
                lines.push(line);
            }
            let ours_lines: Vec<u64> = recs.iter().map(|r| r.1).collect();
            prop_assert_eq!(&ours_lines[..], lines.get(1..).unwrap_or_default());
            // Plain text: each record's line is the line it is on.
            if !input.contains('"') && !input.replace("\r\n", "").contains('\r') {
                let lines: Vec<&str> = input.split('\n').collect();
                for (fields, line) in &recs {
                    let text = lines[*line as usize - 1];
                    let text = text.strip_suffix('\r').unwrap_or(text);
                    let joined = fields
                        .iter()
                        .map(|f| String::from_utf8_lossy(f).into_owned())
                        .collect::<Vec<_>>()
                        .join(",");
                    prop_assert_eq!(text, joined.as_str());
                }
            }
        }
    }

    #[test]
    fn quoted_header_and_bom() {
        let input = "\u{feff}\"id\",origin\n1,CN\n";
        let (h, recs) = ours(input.as_bytes(), 3, 4);
        assert_eq!(h, vec![b"id".to_vec(), b"origin".to_vec()]);
        assert_eq!(recs, vec![(vec![b"1".to_vec(), b"CN".to_vec()], 2)]);
        let (h, _) = ours("\u{feff}id,origin\r\n1,CN".as_bytes(), 2, 64);
        assert_eq!(h, vec![b"id".to_vec(), b"origin".to_vec()]);
    }
}
