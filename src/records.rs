//! CSV records of a table's text, split by hand: the text is already UTF-8 and in memory,
//! so fields are borrowed slices of it (owned only where a quoted field holds a doubled
//! quote), and nothing is copied or validated again.
//!
//! The records are the ones the csv crate makes of the same text with its default settings
//! (comma delimiter, `"` quotes doubled inside quoted fields, `\r`, `\n` or `\r\n` ending a
//! record, blank lines skipped, text after a closing quote kept, an unclosed quote running to
//! the end); the tests below compare the two on arbitrary text. Line numbers are those of the
//! line a record starts on (the csv crate gives the line after the previous record, which
//! differs after blank lines).

use std::borrow::Cow;

/// The records of a text, one at a time into a reused list of fields.
pub(crate) struct Records<'t> {
    text: &'t str,
    pos: usize,
    /// The 1-based line at `pos`.
    line: u64,
}

impl<'t> Records<'t> {
    /// The records of `text`; a leading byte-order mark is skipped.
    pub(crate) fn new(text: &'t str) -> Records<'t> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        Records {
            text,
            pos: 0,
            line: 1,
        }
    }

    /// Reads the next record into `fields`, returning the line it starts on, or `None` at
    /// the end of the text.
    pub(crate) fn next_into(&mut self, fields: &mut Vec<Cow<'t, str>>) -> Option<u64> {
        fields.clear();
        let bytes = self.text.as_bytes();
        // Blank lines are no records.
        loop {
            match bytes.get(self.pos)? {
                b'\n' => self.line += 1,
                b'\r' => {}
                _ => break,
            }
            self.pos += 1;
        }
        let line = self.line;
        loop {
            let field = if bytes.get(self.pos) == Some(&b'"') {
                self.quoted()
            } else {
                let start = self.pos;
                self.pos = self.field_end(start);
                Cow::Borrowed(self.slice(start, self.pos))
            };
            fields.push(field);
            match bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'\r') => {
                    self.pos += 1;
                    if bytes.get(self.pos) == Some(&b'\n') {
                        self.pos += 1;
                        self.line += 1;
                    }
                    return Some(line);
                }
                Some(_) => {
                    // A line feed: the only other byte a field ends at.
                    self.pos += 1;
                    self.line += 1;
                    return Some(line);
                }
                None => return Some(line),
            }
        }
    }

    /// The end of unquoted field text from `from`: the next comma, carriage return, line
    /// feed or the end of the text (a quote inside such a field is kept as it is).
    fn field_end(&self, from: usize) -> usize {
        let bytes = self.text.as_bytes();
        let mut i = from;
        while let Some(&b) = bytes.get(i) {
            if matches!(b, b',' | b'\r' | b'\n') {
                break;
            }
            i += 1;
        }
        i
    }

    /// A quoted field starting at `pos` (on its quote), and any text after its closing quote.
    fn quoted(&mut self) -> Cow<'t, str> {
        let bytes = self.text.as_bytes();
        let mut start = self.pos + 1;
        let mut owned: Option<String> = None;
        loop {
            let Some(q) = memchr::memchr(b'"', bytes.get(start..).unwrap_or_default()) else {
                // No closing quote: the field runs to the end of the text.
                let rest = self.slice(start, bytes.len());
                self.count_lines(rest);
                self.pos = bytes.len();
                return join(owned, rest);
            };
            let end = start + q;
            let part = self.slice(start, end);
            self.count_lines(part);
            if bytes.get(end + 1) == Some(&b'"') {
                // A doubled quote stands for one.
                let s = owned.get_or_insert_with(String::new);
                s.push_str(part);
                s.push('"');
                start = end + 2;
                continue;
            }
            let field = join(owned, part);
            // Text after the closing quote, up to the field's end, belongs to the field.
            let after = self.field_end(end + 1);
            self.pos = after;
            return if after == end + 1 {
                field
            } else {
                let mut s = field.into_owned();
                s.push_str(self.slice(end + 1, after));
                Cow::Owned(s)
            };
        }
    }

    fn count_lines(&mut self, s: &str) {
        self.line += memchr::memchr_iter(b'\n', s.as_bytes()).count() as u64;
    }

    /// `text[from..to]`; the bounds are always at ASCII bytes, so on character boundaries.
    fn slice(&self, from: usize, to: usize) -> &'t str {
        self.text.get(from..to).unwrap_or_default()
    }
}

fn join<'t>(owned: Option<String>, last: &'t str) -> Cow<'t, str> {
    match owned {
        None => Cow::Borrowed(last),
        Some(mut s) => {
            s.push_str(last);
            Cow::Owned(s)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use proptest::prelude::*;

    fn ours(text: &str) -> Vec<(u64, Vec<String>)> {
        let mut r = Records::new(text);
        let mut fields = Vec::new();
        let mut out = Vec::new();
        while let Some(line) = r.next_into(&mut fields) {
            out.push((line, fields.iter().map(|f| f.to_string()).collect()));
        }
        out
    }

    fn theirs(text: &str) -> Vec<Vec<String>> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        rdr.records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        #[test]
        fn records_are_the_csv_crates(
            text in proptest::collection::vec(
                prop::sample::select(vec!["a", "bc", " ", ",", "\"", "\"\"", "\n", "\r", "\r\n", "é", "\u{feff}"]),
                0..40,
            ).prop_map(|p| p.concat())
        ) {
            let ours: Vec<Vec<String>> = ours(&text).into_iter().map(|(_, f)| f).collect();
            prop_assert_eq!(ours, theirs(&text));
        }
    }

    #[test]
    fn lines_are_where_records_start() {
        let text = "h1,h2\n\n\r\na,\"multi\nline\"\r\nb,c\rd,e\n\"x\"\"y\"z,\"unclosed\n";
        let got = ours(text);
        let lines: Vec<u64> = got.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [1, 4, 6, 6, 7]);
        assert_eq!(got[1].1, ["a", "multi\nline"]);
        assert_eq!(got[4].1, ["x\"yz", "unclosed\n"]);
        assert_eq!(ours("\u{feff}\"k\",v")[0].1, ["k", "v"]);
        assert!(ours("").is_empty());
        assert_eq!(ours("a,")[0].1, ["a", ""]);
    }
}
