//! Text from the input as messages show it: control and bidirectional characters escaped,
//! long values shortened. Every message that quotes input goes through here.

use std::borrow::Cow;

/// The longest piece of input a message shows, in characters; the rest is counted, not
/// shown (the error report keeps it whole).
pub const MESSAGE_TEXT_MAX: usize = 120;

/// Text from the input with every control character (escape sequences, carriage returns,
/// line feeds, ...) and every bidirectional control written as `\u{1b}`, so that no input
/// can move a terminal's cursor, change its colours, reorder what it shows or forge a line
/// of output. Other text is as it is.
///
/// ```
/// use tariffs::batch::escape_controls;
/// assert_eq!(escape_controls("a\x1b[31mb\n"), "a\\u{1b}[31mb\\u{a}");
/// assert_eq!(escape_controls("Côte d'Ivoire"), "Côte d'Ivoire");
/// ```
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.bytes().any(may_start_escaped) || !text.chars().any(escaped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if escaped(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// True for the characters [`escape_controls`] escapes: control characters, and the
/// bidirectional controls that reorder what a terminal shows (U+061C, U+200E, U+200F,
/// U+202A to U+202E, U+2066 to U+2069).
pub(crate) fn escaped(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Text from the input as a message shows it: control characters escaped, and cut after
/// [`MESSAGE_TEXT_MAX`] characters with the length of what is left out.
pub fn for_message(text: &str) -> Cow<'_, str> {
    let text = escape_controls(text);
    match text.char_indices().nth(MESSAGE_TEXT_MAX) {
        None => text,
        Some((cut, _)) => Cow::Owned(format!(
            "{}... ({} more bytes)",
            &text[..cut],
            text.len() - cut
        )),
    }
}

/// True for the bytes an [`escaped`] character can start with: below 0x20, 0x7f, 0xC2
/// (U+0080 to U+009F), 0xD8 (U+061C) and 0xE2 (U+200E to U+2069). A text with none of them
/// needs no escape, and is told so without decoding a character.
pub(crate) fn may_start_escaped(b: u8) -> bool {
    b < 0x20 || matches!(b, 0x7f | 0xc2 | 0xd8 | 0xe2)
}
