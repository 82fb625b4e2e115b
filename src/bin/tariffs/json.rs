//! A minimal JSON writer. Money and rates are written as strings so that they stay exact.

use std::fmt::Write;

pub struct Json {
    out: String,
    first: Vec<bool>,
}

impl Json {
    pub fn new() -> Json {
        Json {
            out: String::new(),
            first: Vec::new(),
        }
    }

    fn sep(&mut self) {
        if let Some(first) = self.first.last_mut() {
            if !*first {
                self.out.push(',');
            }
            *first = false;
        }
    }

    fn key(&mut self, k: &str) {
        self.sep();
        string(&mut self.out, k);
        self.out.push(':');
    }

    pub fn begin_object(&mut self) -> &mut Json {
        self.sep();
        self.out.push('{');
        self.first.push(true);
        self
    }

    pub fn object(&mut self, k: &str) -> &mut Json {
        self.key(k);
        self.out.push('{');
        self.first.push(true);
        self
    }

    pub fn array(&mut self, k: &str) -> &mut Json {
        self.key(k);
        self.out.push('[');
        self.first.push(true);
        self
    }

    pub fn begin_array(&mut self) -> &mut Json {
        self.sep();
        self.out.push('[');
        self.first.push(true);
        self
    }

    pub fn end_object(&mut self) -> &mut Json {
        self.first.pop();
        self.out.push('}');
        self
    }

    pub fn end_array(&mut self) -> &mut Json {
        self.first.pop();
        self.out.push(']');
        self
    }

    pub fn str(&mut self, k: &str, v: &str) -> &mut Json {
        self.key(k);
        string(&mut self.out, v);
        self
    }

    /// A string, or null when empty.
    pub fn opt(&mut self, k: &str, v: &str) -> &mut Json {
        if v.is_empty() {
            self.raw(k, "null")
        } else {
            self.str(k, v)
        }
    }

    pub fn raw(&mut self, k: &str, v: &str) -> &mut Json {
        self.key(k);
        self.out.push_str(v);
        self
    }

    pub fn bool(&mut self, k: &str, v: bool) -> &mut Json {
        self.raw(k, if v { "true" } else { "false" })
    }

    pub fn num(&mut self, k: &str, v: u64) -> &mut Json {
        self.key(k);
        let _ = write!(self.out, "{v}");
        self
    }

    pub fn finish(self) -> String {
        self.out
    }
}

fn string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
