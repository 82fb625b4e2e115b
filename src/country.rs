//! Partner codes, ISO 3166-1 names and aliases, and name matching.

use std::fmt;
use std::str::FromStr;

use crate::iso3166::ISO_3166_1;
use crate::Error;

/// A two-letter partner code: ISO 3166-1 alpha-2 (`KZ`), or a code the table uses for a
/// partner that has none (`EU` for the European Union, `XK` for Kosovo).
///
/// ```
/// use tariffs::CountryCode;
/// let kz: CountryCode = "kz".parse()?;
/// assert_eq!(kz.as_str(), "KZ");
/// assert_eq!(kz.alpha3(), Some("KAZ"));
/// # Ok::<(), tariffs::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// The code from two ASCII letters, in either case.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidCode`] unless the text is exactly two ASCII letters.
    pub fn new(s: &str) -> Result<CountryCode, Error> {
        match s.as_bytes() {
            [a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => Ok(CountryCode([
                a.to_ascii_uppercase(),
                b.to_ascii_uppercase(),
            ])),
            _ => Err(Error::InvalidCode {
                value: s.to_string(),
            }),
        }
    }

    /// The code as text, upper case.
    pub fn as_str(&self) -> &str {
        // Both bytes are ASCII letters by construction.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }

    /// The code's two bytes, upper-case ASCII letters.
    pub(crate) fn as_bytes(&self) -> &[u8; 2] {
        &self.0
    }

    /// Index 0..676 for dense lookup tables.
    pub(crate) fn index(self) -> usize {
        usize::from(self.0[0] - b'A') * 26 + usize::from(self.0[1] - b'A')
    }

    /// The ISO 3166-1 alpha-3 code, when the code is an ISO country.
    pub fn alpha3(self) -> Option<&'static str> {
        iso_entry(self).map(|e| e.1)
    }

    /// The ISO 3166-1 short name, when the code is an ISO country.
    pub fn iso_name(self) -> Option<&'static str> {
        iso_entry(self).map(|e| e.2)
    }
}

impl FromStr for CountryCode {
    type Err = Error;
    fn from_str(s: &str) -> Result<CountryCode, Error> {
        CountryCode::new(s.trim())
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// With the `serde` feature: the code as its two upper-case letters, `"CN"`.
#[cfg(feature = "serde")]
impl serde::Serialize for CountryCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// With the `serde` feature: a string read as [`FromStr`] reads it (two ASCII letters, either
/// case, white space around ignored), with its error as the message.
#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for CountryCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::keyword::deserialize_from_str(deserializer, "a two-letter partner code")
    }
}

type IsoRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

fn iso_entry(code: CountryCode) -> Option<&'static IsoRow> {
    ISO_3166_1
        .binary_search_by(|e| e.0.as_bytes().cmp(&code.0[..]))
        .ok()
        .map(|i| &ISO_3166_1[i])
}

/// The alpha-2 code of an ISO alpha-3 code (any case).
pub(crate) fn from_alpha3(s: &str) -> Option<CountryCode> {
    ISO_3166_1
        .iter()
        .find(|e| e.1.eq_ignore_ascii_case(s))
        .and_then(|e| CountryCode::new(e.0).ok())
}

/// Common names that are neither the ISO names nor the chart's, mapped to their codes.
pub(crate) static ALIASES: &[(&str, &str)] = &[
    ("UK", "GB"),
    ("Great Britain", "GB"),
    ("Britain", "GB"),
    ("England", "GB"),
    ("South Korea", "KR"),
    ("Republic of Korea", "KR"),
    ("Korea South", "KR"),
    ("North Korea", "KP"),
    ("Turkey", "TR"),
    ("Turkiye", "TR"),
    ("Russia", "RU"),
    ("Burma", "MM"),
    ("Ivory Coast", "CI"),
    ("Cote d'Ivoire", "CI"),
    ("Czech Republic", "CZ"),
    ("Holland", "NL"),
    ("The Netherlands", "NL"),
    ("Macedonia", "MK"),
    ("Swaziland", "SZ"),
    ("Cape Verde", "CV"),
    ("East Timor", "TL"),
    ("DRC", "CD"),
    ("DR Congo", "CD"),
    ("Congo-Kinshasa", "CD"),
    ("Congo-Brazzaville", "CG"),
    ("UAE", "AE"),
    ("Emirates", "AE"),
    ("Vatican", "VA"),
    ("Laos", "LA"),
    ("Syria", "SY"),
    ("Iran", "IR"),
    ("Moldova", "MD"),
    ("Tanzania", "TZ"),
    ("Bolivia", "BO"),
    ("Venezuela", "VE"),
    ("Vietnam", "VN"),
    ("Taiwan", "TW"),
    ("Macau", "MO"),
    ("Hong Kong SAR", "HK"),
    ("Macau SAR", "MO"),
    ("Brunei", "BN"),
    ("Micronesia", "FM"),
    ("Palestine", "PS"),
    ("Kosovo", "XK"),
    ("EU", "EU"),
    ("European Union", "EU"),
    ("USA", "US"),
    ("United States of America", "US"),
    ("America", "US"),
];

/// The name of a partner code that is not ISO 3166-1 but is known to the crate (`XK`,
/// Kosovo, a code ISO leaves to users), so that every schedule knows the partner whether or
/// not it lists it.
pub(crate) fn known_name(code: CountryCode) -> Option<&'static str> {
    match code.as_str() {
        "XK" => Some("Kosovo"),
        _ => None,
    }
}

/// Folds a name for matching: lower case, common Latin diacritics removed, punctuation as
/// spaces, single spaces, and a leading "the" dropped. "Côte d'Ivoire" and "cote divoire"
/// differ only in the apostrophe, which becomes a space: "cote d ivoire".
pub(crate) fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut space = true;
    for c in name.chars().flat_map(char::to_lowercase) {
        let c = fold_diacritic(c);
        if c.is_alphanumeric() {
            out.push(c);
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    match out.strip_prefix("the ") {
        Some(rest) => rest.to_string(),
        None => out,
    }
}

fn fold_diacritic(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => 'a',
        'ç' | 'č' | 'ć' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'ē' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        'š' => 's',
        'ž' => 'z',
        c => c,
    }
}

/// Every (name, code) pair the ISO list and the aliases know.
pub(crate) fn known_names() -> impl Iterator<Item = (&'static str, &'static str)> {
    ISO_3166_1
        .iter()
        .flat_map(|e| [(e.2, e.0), (e.3, e.0), (e.4, e.0)])
        .filter(|(n, _)| !n.is_empty())
        .chain(ALIASES.iter().map(|&(n, c)| (n, c)))
}

/// The edit distance of two texts when it is at most `limit`, else `None`. Only the band of
/// cells within `limit` of the diagonal can hold such a distance, so only it is computed, and
/// the work stops as soon as every cell of a row is past the limit. No allocation for texts
/// of up to 64 characters.
pub(crate) fn edit_distance_within(a: &str, b: &str, limit: usize) -> Option<usize> {
    let (mut aa, mut bb) = (['\0'; 64], ['\0'; 64]);
    let (Some(m), Some(n)) = (fill(&mut aa, a), fill(&mut bb, b)) else {
        let d = edit_distance(a, b);
        return (d <= limit).then_some(d);
    };
    if m.abs_diff(n) > limit {
        return None;
    }
    let (a, b) = (&aa[..m], &bb[..n]);
    const FAR: usize = usize::MAX / 2;
    let mut prev = [FAR; 66];
    let mut cur = [FAR; 66];
    for (j, p) in prev.iter_mut().enumerate().take(n.min(limit) + 1) {
        *p = j;
    }
    for i in 1..=m {
        let lo = i.saturating_sub(limit).max(1);
        let hi = (i + limit).min(n);
        cur[lo - 1] = if lo == 1 { i } else { FAR };
        let mut best = cur[lo - 1];
        for j in lo..=hi {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let v = (prev[j - 1] + cost).min(prev[j] + 1).min(cur[j - 1] + 1);
            cur[j] = v;
            best = best.min(v);
        }
        if hi < n {
            cur[hi + 1] = FAR;
        }
        if best > limit {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[n];
    (d <= limit).then_some(d)
}

/// The characters of `s` into `buf`, and their number; `None` when there are more than fit.
fn fill(buf: &mut [char; 64], s: &str) -> Option<usize> {
    let mut n = 0;
    for c in s.chars() {
        *buf.get_mut(n)? = c;
        n += 1;
    }
    Some(n)
}

/// Levenshtein distance between two short strings, in characters.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_edit_distance_is_the_edit_distance_within_its_limit() {
        let words = [
            "",
            "a",
            "kazakhstan",
            "kazakstan",
            "vietnam",
            "viet nam",
            "korea",
            "côte",
            "zzzzzzzz",
        ];
        for a in words {
            for b in words {
                let d = edit_distance(a, b);
                for limit in 0..12 {
                    let want = (d <= limit).then_some(d);
                    assert_eq!(edit_distance_within(a, b, limit), want, "{a} {b} {limit}");
                }
            }
        }
    }

    #[test]
    fn normalizes() {
        assert_eq!(normalize("Korea, Republic of"), "korea republic of");
        assert_eq!(normalize("  Türkiye "), "turkiye");
        assert_eq!(normalize("The Bahamas"), "bahamas");
        assert_eq!(normalize("Côte d'Ivoire"), "cote d ivoire");
    }

    #[test]
    fn iso_table_is_sorted_and_complete() {
        assert!(ISO_3166_1.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(ISO_3166_1.len(), 249);
        assert_eq!(from_alpha3("vnm").map(|c| c.to_string()), Some("VN".into()));
        let vn = CountryCode::new("VN").unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(vn.iso_name(), Some("Viet Nam"));
    }

    #[test]
    fn distance() {
        assert_eq!(edit_distance("kazakstan", "kazakhstan"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
