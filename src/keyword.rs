//! Keyword enums: one definition gives the enum, its keywords, `as_str`, `Display`,
//! `FromStr` and, with the `serde` feature, `Serialize` and `Deserialize`, so that the words
//! written and the words read cannot drift apart. Also the serde glue of the crate's other
//! text-form types ([`FromStrVisitor`]).

use std::fmt;

/// Defines a keyword enum. Each variant has a keyword (what `as_str`, `Display` and
/// `Serialize` give) and optionally other spellings that `FromStr` and `Deserialize` also
/// accept, after `|`:
///
/// ```text
/// keyword_enum! {
///     /// Docs of the enum.
///     #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]   // Copy is required
///     pub enum Mode {
///         /// Docs of the variant.
///         Ocean = "ocean" | "sea" | "vessel",
///         /// ...
///         Air = "air",
///     }
///     what = "a transport mode";                 // for messages: "... is not a transport mode"
///     error: Error = |value: &str| Error::InvalidMode { value: value.to_string() };  // optional
///     matching = crate::keyword::unicode_trimmed; // optional; `exact` for exact spellings
/// }
/// ```
///
/// It defines, besides the enum:
///
/// - `ALL`: every variant, in the order of the definition;
/// - `as_str` (a `const fn`), and `Display` writing the same;
/// - `FromStr`: the first variant one of whose spellings `matching` says the text is, else
///   the error. Without an `error` clause the error is a [`KeywordError`] naming the value and
///   listing the keywords; the default `matching` is [`ascii_trimmed`] (any ASCII case, ASCII
///   blanks around), [`exact`] reads the spellings only as written (a keyword may then be
///   empty: the text `""`);
/// - with the `serde` feature, `Serialize` as the keyword and `Deserialize` through `FromStr`
///   (its error message is the serde error's), from a string.
///
/// The private constants `KEYWORDS` (the keywords, in order) and `SPELLINGS` (every accepted
/// spelling with its variant) are visible in the module of the definition.
macro_rules! keyword_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $keyword:literal $(| $alias:literal)*
            ),+ $(,)?
        }
        what = $what:literal;
        $(error: $err:ty = $make_err:expr;)?
        $(matching = $matches:expr;)?
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $(
                $(#[$vmeta])*
                $variant,
            )+
        }

        impl $name {
            /// Every value, in a fixed order (that of the definition).
            pub const ALL: [$name; [$($keyword),+].len()] = [$($name::$variant),+];

            /// The keywords, in the order of `ALL`.
            #[allow(dead_code)]
            const KEYWORDS: [&'static str; [$($keyword),+].len()] = [$($keyword),+];

            /// Every spelling `FromStr` accepts, with its value, keywords first in each group.
            const SPELLINGS: &'static [(&'static str, $name)] = &[
                $(
                    ($keyword, $name::$variant),
                    $(($alias, $name::$variant),)*
                )+
            ];

            /// The keyword, which `Display` writes (and, with the `serde` feature, `Serialize`).
            /// `FromStr` (and `Deserialize`) read it and the other spellings on its line, as the
            /// type's documentation says (by default in any ASCII case, blanks around ignored):
            ///
            $(
                #[doc = concat!("- `", $keyword, "`" $(, ", `", $alias, "`")*)]
            )+
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $keyword,)+
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::keyword::keyword_enum!(@err_ty $($err)?);

            fn from_str(s: &str) -> ::std::result::Result<$name, Self::Err> {
                let matches: fn(&str, &str) -> bool =
                    $crate::keyword::keyword_enum!(@matches $($matches)?);
                match $name::SPELLINGS.iter().find(|(spelling, _)| matches(spelling, s)) {
                    Some(&(_, value)) => Ok(value),
                    None => Err($crate::keyword::keyword_enum!(
                        @make_err s, $what, $name::KEYWORDS $(, $make_err)?
                    )),
                }
            }
        }

        #[cfg(feature = "serde")]
        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        #[cfg(feature = "serde")]
        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<$name, D::Error> {
                deserializer.deserialize_str($crate::keyword::FromStrVisitor::<$name>::new($what))
            }
        }
    };

    (@err_ty) => { $crate::keyword::KeywordError };
    (@err_ty $err:ty) => { $err };

    (@matches) => { $crate::keyword::ascii_trimmed };
    (@matches $matches:expr) => { $matches };

    (@make_err $s:ident, $what:literal, $keywords:expr) => {
        $crate::keyword::KeywordError::new($what, $s, &$keywords)
    };
    (@make_err $s:ident, $what:literal, $keywords:expr, $make_err:expr) => {
        ($make_err)($s)
    };
}

pub(crate) use keyword_enum;

/// `FromStr`'s default matching: the spelling in any ASCII case, with ASCII white space
/// around it (as the crate's codes and dates are read).
pub(crate) fn ascii_trimmed(spelling: &str, text: &str) -> bool {
    spelling.eq_ignore_ascii_case(text.trim_ascii())
}

/// The spelling exactly as written: no case folding, no trimming (the keywords of a table
/// format, read from fields already trimmed).
pub(crate) fn exact(spelling: &str, text: &str) -> bool {
    spelling == text
}

/// The spelling in any ASCII case, with any Unicode white space around it (`str::trim`).
pub(crate) fn unicode_trimmed(spelling: &str, text: &str) -> bool {
    spelling.eq_ignore_ascii_case(text.trim())
}

/// The text is not one of the keywords of a keyword enum (for the enums whose errors are not
/// a variant of [`Error`](crate::Error)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeywordError {
    what: &'static str,
    value: String,
    keywords: &'static [&'static str],
}

impl KeywordError {
    /// The error for `value`, which is not `what` (e.g. "an entry type"), one of `keywords`.
    pub(crate) fn new(what: &'static str, value: &str, keywords: &'static [&'static str]) -> Self {
        KeywordError {
            what,
            value: value.to_string(),
            keywords,
        }
    }
}

impl KeywordError {
    /// The text given.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// What was expected, in words: "an entry type".
    pub fn what(&self) -> &'static str {
        self.what
    }

    /// The keywords accepted (other spellings may be too), in order.
    pub fn keywords(&self) -> &'static [&'static str] {
        self.keywords
    }
}

impl fmt::Display for KeywordError {
    /// `"informel" is not an entry type (formal, informal)`, the value escaped and shortened
    /// as every message of the crate shows input.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "\"{}\" is not {} ({})",
            crate::text::for_message(&self.value),
            self.what,
            self.keywords.join(", ")
        )
    }
}

impl std::error::Error for KeywordError {}

/// A serde visitor that reads a string through `FromStr`, with `FromStr`'s error as the
/// message, so that deserializing validates exactly as parsing does.
#[cfg(feature = "serde")]
pub(crate) struct FromStrVisitor<T> {
    expecting: &'static str,
    value: std::marker::PhantomData<fn() -> T>,
}

#[cfg(feature = "serde")]
impl<T> FromStrVisitor<T> {
    /// A visitor expecting `expecting` ("a two-letter partner code"), which serde's
    /// "invalid type" errors name.
    pub(crate) fn new(expecting: &'static str) -> Self {
        FromStrVisitor {
            expecting,
            value: std::marker::PhantomData,
        }
    }
}

#[cfg(feature = "serde")]
impl<T> serde::de::Visitor<'_> for FromStrVisitor<T>
where
    T: std::str::FromStr,
    T::Err: fmt::Display,
{
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expecting)
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<T, E> {
        text.parse().map_err(E::custom)
    }

    fn visit_bytes<E: serde::de::Error>(self, bytes: &[u8]) -> Result<T, E> {
        match std::str::from_utf8(bytes) {
            Ok(text) => self.visit_str(text),
            Err(_) => Err(E::invalid_value(serde::de::Unexpected::Bytes(bytes), &self)),
        }
    }
}

/// Deserializes a `T` from a string through its `FromStr`; see [`FromStrVisitor`].
///
/// # Errors
///
/// The deserializer's error: not a string (naming `expecting`), or `FromStr`'s message.
#[cfg(feature = "serde")]
pub(crate) fn deserialize_from_str<'de, D, T>(
    deserializer: D,
    expecting: &'static str,
) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr,
    T::Err: fmt::Display,
{
    deserializer.deserialize_str(FromStrVisitor::new(expecting))
}

#[cfg(test)]
mod tests {
    use super::*;

    keyword_enum! {
        /// A test enum.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        enum Fruit {
            /// An apple.
            Apple = "apple" | "pomme",
            /// A pear.
            Pear = "pear",
            /// Several words.
            BloodOrange = "blood_orange" | "sanguinello" | "blood-orange",
        }
        what = "a fruit";
    }

    keyword_enum! {
        /// Exact spellings, one of them empty.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        enum Level {
            /// Not given.
            #[default]
            Unset = "",
            /// High.
            High = "high" | "HIGH",
        }
        what = "a level";
        matching = exact;
    }

    keyword_enum! {
        /// With its own error and matching.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        enum Exact {
            /// One.
            One = "one",
        }
        what = "one";
        error: String = |value: &str| format!("not one: {value}");
        matching = |spelling: &str, text: &str| spelling == text;
    }

    #[test]
    fn one_definition_gives_every_form() {
        assert_eq!(Fruit::ALL, [Fruit::Apple, Fruit::Pear, Fruit::BloodOrange]);
        assert_eq!(Fruit::KEYWORDS, ["apple", "pear", "blood_orange"]);
        for f in Fruit::ALL {
            assert_eq!(f.to_string(), f.as_str());
            assert_eq!(f.as_str().parse::<Fruit>(), Ok(f));
            assert_eq!(f.as_str().to_uppercase().parse::<Fruit>(), Ok(f));
            assert_eq!(format!(" \t{f}\n").parse::<Fruit>(), Ok(f));
        }
        assert_eq!("Pomme".parse::<Fruit>(), Ok(Fruit::Apple));
        assert_eq!("sanguinello".parse::<Fruit>(), Ok(Fruit::BloodOrange));
        assert_eq!("blood-orange".parse::<Fruit>(), Ok(Fruit::BloodOrange));
        // The default trims ASCII white space only.
        assert!("\u{a0}pear".parse::<Fruit>().is_err());
        assert!(unicode_trimmed("pear", "\u{a0}PEAR "));
    }

    #[test]
    fn the_default_error_names_the_value_and_the_keywords() {
        let e = "plum".parse::<Fruit>().err();
        let e = e.as_ref();
        assert_eq!(e.map(KeywordError::value), Some("plum"));
        assert_eq!(e.map(KeywordError::what), Some("a fruit"));
        assert_eq!(
            e.map(|e| e.keywords().to_vec()),
            Some(vec!["apple", "pear", "blood_orange"])
        );
        assert_eq!(
            e.map(ToString::to_string).as_deref(),
            Some("\"plum\" is not a fruit (apple, pear, blood_orange)")
        );
        // Input in messages is escaped.
        let e = "a\u{1b}[2J".parse::<Fruit>().err().map(|e| e.to_string());
        assert!(e.is_some_and(|e| !e.contains('\u{1b}')));
    }

    #[test]
    fn exact_matching_and_an_empty_keyword() {
        assert_eq!("".parse::<Level>(), Ok(Level::Unset));
        assert_eq!("high".parse::<Level>(), Ok(Level::High));
        assert_eq!("HIGH".parse::<Level>(), Ok(Level::High));
        for text in ["High", " high", "high ", " ", "unset"] {
            assert!(text.parse::<Level>().is_err(), "{text:?}");
        }
        assert_eq!(Level::ALL, [Level::Unset, Level::High]);
        assert_eq!(Level::Unset.as_str(), "");
        assert_eq!(Level::default().to_string(), "");
        assert_eq!(
            "x".parse::<Level>().err().map(|e| e.to_string()).as_deref(),
            Some("\"x\" is not a level (, high)")
        );
    }

    #[test]
    fn error_and_matching_clauses() {
        assert_eq!("one".parse::<Exact>(), Ok(Exact::One));
        assert_eq!("ONE".parse::<Exact>(), Err("not one: ONE".to_string()));
        assert_eq!(Exact::ALL.len(), 1);
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_uses_the_keywords() {
        use serde::de::Visitor as _;
        for f in Fruit::ALL {
            let json = serde_json::to_string(&f).ok();
            assert_eq!(json, Some(format!("\"{}\"", f.as_str())));
            let back: Option<Fruit> = json.and_then(|j| serde_json::from_str(&j).ok());
            assert_eq!(back, Some(f));
        }
        assert_eq!(
            serde_json::from_str::<Fruit>("\"POMME\"").ok(),
            Some(Fruit::Apple)
        );
        let e = serde_json::from_str::<Fruit>("\"plum\"").err();
        assert!(e.is_some_and(|e| e
            .to_string()
            .starts_with("\"plum\" is not a fruit (apple, pear, blood_orange)")));
        let e = serde_json::from_str::<Fruit>("3").err();
        assert!(e.is_some_and(|e| e.to_string().contains("expected a fruit")));
        // Bytes are read as UTF-8.
        let v: Result<Fruit, serde::de::value::Error> =
            FromStrVisitor::<Fruit>::new("a fruit").visit_bytes::<serde::de::value::Error>(b"pear");
        assert_eq!(v.ok(), Some(Fruit::Pear));
    }
}
