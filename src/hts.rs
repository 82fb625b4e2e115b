//! Harmonized Tariff Schedule codes.

use std::fmt;
use std::str::FromStr;

use crate::money::{digit_pair, eight_digit_value};
use crate::Error;

/// An HTSUS code of 4, 6, 8 or 10 digits (heading, subheading, tariff line, statistical
/// suffix), written with or without dots.
///
/// Dots may only stand at the usual places (after the 4th, 6th and 8th digit), so
/// `2709.00.20`, `27090020`, `2709.00.2000` and `2709.0020` are accepted and `27.09` is not.
/// The code displays in the dotted form: `2709`, `2709.00`, `2709.00.20`, `2709.00.2000`.
///
/// # Example
///
/// ```
/// use tariffs::HtsCode;
///
/// let line: HtsCode = "27090020".parse()?;
/// assert_eq!(line.to_string(), "2709.00.20");
/// let heading: HtsCode = "2709".parse()?;
/// assert!(heading.covers(line));
/// assert!(!line.covers(heading));
/// assert!("2709.00.2".parse::<HtsCode>().is_err());
/// # Ok::<(), tariffs::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HtsCode {
    // The digits as a number, left-aligned to 10 digits so that ordering follows the code.
    value: u64,
    len: u8,
}

const POW10: [u64; 11] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
    1_000_000_000,
    10_000_000_000,
];

impl HtsCode {
    /// The number of digits: 4, 6, 8 or 10.
    pub fn len(self) -> usize {
        usize::from(self.len)
    }

    /// Always false: a code has at least 4 digits. (Present for clippy's `len` convention.)
    pub fn is_empty(self) -> bool {
        false
    }

    /// The digits as a number (`2709.00.20` gives `27090020`).
    pub fn digits(self) -> u64 {
        self.value / POW10[10 - self.len()]
    }

    /// The code's first `len` digits, or `None` when `len` is not 4, 6, 8 or 10 or is longer
    /// than the code.
    pub fn prefix(self, len: usize) -> Option<HtsCode> {
        if !matches!(len, 4 | 6 | 8 | 10) || len > self.len() {
            return None;
        }
        let unit = POW10[10 - len];
        Some(HtsCode {
            value: self.value / unit * unit,
            len: len as u8,
        })
    }

    /// True when `self` is `other` or a shorter code that `other` falls under.
    pub fn covers(self, other: HtsCode) -> bool {
        self.len <= other.len && other.prefix(self.len()) == Some(self)
    }

    /// The [`key`](HtsCode::key) of the code's first `len` digits, for `len` 2 (a chapter) to
    /// 10; `None` when the code is shorter.
    pub(crate) fn prefix_key(self, len: usize) -> Option<u64> {
        if !(2..=10).contains(&len) || len > self.len() {
            return None;
        }
        let unit = POW10[10 - len];
        Some(((self.value / unit * unit) << 4) | len as u64)
    }

    /// The key of a code prefix written with or without dots (`72`, `7208`, `7208.10.15`):
    /// 2, 4, 6, 8 or 10 digits.
    pub(crate) fn parse_prefix_key(text: &str) -> Option<(u64, usize)> {
        let digits: String = text.chars().filter(|&c| c != '.').collect();
        let len = digits.len();
        if !matches!(len, 2 | 4 | 6 | 8 | 10) || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let v: u64 = digits.parse().ok()?;
        Some(((v * POW10[10 - len]) << 4 | len as u64, len))
    }

    /// A compact key (digits and length) for hash maps.
    pub(crate) fn key(self) -> u64 {
        (self.value << 4) | u64::from(self.len)
    }

    /// Appends the dotted form (as `Display` writes it) without going through `fmt`.
    pub(crate) fn push_dotted(self, out: &mut Vec<u8>) {
        let (dotted, len) = self.dotted();
        out.extend_from_slice(&dotted[..len]);
    }

    /// The dotted form in a fixed buffer, and its length.
    pub(crate) fn dotted(self) -> ([u8; 12], usize) {
        let (head, tail, len) = self.dotted_words();
        let mut d = [0u8; 12];
        d[..8].copy_from_slice(&head.to_le_bytes());
        d[8..].copy_from_slice(&tail.to_le_bytes()[..4]);
        (d, len)
    }

    /// The dotted form of all ten digits as two little-endian words, `dddd.dd.` and `dddd`,
    /// and the length of the code's own dotted form (4 digits: "2709"; 6: "2709.00";
    /// 8: "2709.00.20"; 10: "2709.00.2010"), which is a prefix of it.
    pub(crate) fn dotted_words(self) -> (u64, u64, usize) {
        let v = self.value;
        let p = |n: u64| u64::from(digit_pair((n % 100) as usize));
        let head = p(v / 100_000_000)
            | p(v / 1_000_000) << 16
            | u64::from(b'.') << 32
            | p(v / 10_000) << 40
            | u64::from(b'.') << 56;
        let tail = p(v / 100) | p(v) << 16;
        let len = match self.len() {
            4 => 4,
            6 => 7,
            n => n + 2,
        };
        (head, tail, len)
    }

    /// A code from bytes, untrimmed, or why it is not one.
    pub(crate) fn from_ascii(t: &[u8]) -> Result<HtsCode, &'static str> {
        // The common shape, `dddd.dd.dd`, without a loop.
        if let [a, b, c, d, b'.', e, f, b'.', g, h] = *t {
            if let Some(value) = eight_digit_value(u64::from_le_bytes([a, b, c, d, e, f, g, h])) {
                return Ok(HtsCode {
                    value: value * 100,
                    len: 8,
                });
            }
        }
        if t.is_empty() {
            return Err("empty");
        }
        let mut value: u64 = 0;
        let mut n = 0usize;
        let mut last_dot = true; // no leading dot
        for &c in t {
            match c {
                b'0'..=b'9' => {
                    if n == 10 {
                        return Err("more than 10 digits");
                    }
                    value = value * 10 + u64::from(c - b'0');
                    n += 1;
                    last_dot = false;
                }
                b'.' => {
                    if last_dot || !matches!(n, 4 | 6 | 8) {
                        return Err("a dot may only follow the 4th, 6th or 8th digit");
                    }
                    last_dot = true;
                }
                _ => return Err("only digits and dots are allowed"),
            }
        }
        if last_dot {
            return Err("ends with a dot");
        }
        if !matches!(n, 4 | 6 | 8 | 10) {
            return Err("must have 4, 6, 8 or 10 digits");
        }
        Ok(HtsCode {
            value: value * POW10[10 - n],
            len: n as u8,
        })
    }

    /// The 4-digit heading, 0 to 9999.
    pub(crate) fn heading(self) -> usize {
        (self.value / POW10[6]) as usize
    }

    /// The 2-digit chapter.
    pub fn chapter(self) -> u8 {
        (self.value / POW10[8]) as u8
    }
}

impl FromStr for HtsCode {
    type Err = Error;

    fn from_str(s: &str) -> Result<HtsCode, Error> {
        HtsCode::from_ascii(s.trim_ascii().as_bytes()).map_err(|reason| Error::InvalidHts {
            value: s.to_string(),
            reason,
        })
    }
}

impl fmt::Display for HtsCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.digits();
        match self.len {
            4 => write!(f, "{d:04}"),
            6 => write!(f, "{:04}.{:02}", d / 100, d % 100),
            8 => write!(f, "{:04}.{:02}.{:02}", d / 10_000, d / 100 % 100, d % 100),
            _ => write!(
                f,
                "{:04}.{:02}.{:04}",
                d / 1_000_000,
                d / 10_000 % 100,
                d % 10_000
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> HtsCode {
        s.parse().unwrap_or_else(|e| unreachable!("{e}"))
    }

    #[test]
    fn forms_agree() {
        assert_eq!(h("2709.00.20"), h("27090020"));
        assert_eq!(h("2709.00.2000").to_string(), "2709.00.2000");
        assert_eq!(h("2709.0020").to_string(), "2709.00.20");
        assert_eq!(h("0508.00.00").to_string(), "0508.00.00");
        assert_eq!(h("0508").chapter(), 5);
        assert_eq!(h("8473.30").to_string(), "8473.30");
    }

    #[test]
    fn rejects() {
        for s in [
            "",
            "27",
            "27.09",
            "2709.",
            ".2709",
            "2709..00",
            "2709.00.2",
            "27090",
            "2709a",
            "12345678901",
        ] {
            assert!(s.parse::<HtsCode>().is_err(), "{s}");
        }
    }

    #[test]
    fn prefixes() {
        let c = h("2709.00.2000");
        assert_eq!(c.prefix(8), Some(h("2709.00.20")));
        assert_eq!(c.prefix(4), Some(h("2709")));
        assert_eq!(c.prefix(5), None);
        assert!(h("2709.00").covers(c));
        assert!(!h("2710").covers(c));
        assert_ne!(h("2709").key(), h("2709.00").key());
    }

    proptest::proptest! {
        /// The word-at-a-time reading of `dddd.dd.dd` agrees with reading the same eight
        /// characters one by one (as `dddddddd`).
        #[test]
        fn dotted_eight_digits_read_as_one_by_one(chars in "[0-9/:a ]{8}") {
            let c = chars.as_bytes();
            let dotted = format!(
                "{}.{}.{}",
                &chars[..4],
                &chars[4..6],
                &chars[6..]
            );
            let plain = HtsCode::from_ascii(c).ok();
            proptest::prop_assert_eq!(HtsCode::from_ascii(dotted.as_bytes()).ok(), plain);
            proptest::prop_assert_eq!(
                plain.is_some(),
                c.iter().all(u8::is_ascii_digit)
            );
        }
    }
}
