//! Making mail text safe and tidy for a terminal.
//!
//! Mail is written by strangers: an ESC in a subject could move the cursor,
//! retitle the terminal or worse, and bidi overrides can make code read
//! differently from what it is. Everything putt prints from a mail goes
//! through [`sanitize`] (the CLI) or the TUI's renderer, which uses the same
//! rule.

use std::borrow::Cow;

/// Whether `c` may reach a terminal as is (newline and tab aside).
pub fn is_safe(c: char) -> bool {
    !(c.is_control() || is_bidi_control(c) || is_zero_width(c))
}

/// Unicode bidirectional formatting characters ("Trojan Source").
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

/// Characters that take no cell: zero-width space, non-joiner and joiner,
/// word joiner, and the byte-order mark. They hide a difference between
/// two strings that look alike, and terminals disagree on their width (the
/// TUI drew stray cells with them).
fn is_zero_width(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}')
}

/// The visible stand-in for an unsafe character: caret notation for C0
/// controls (`^[` for ESC), `\u{...}` for the rest.
pub fn visible(c: char) -> String {
    let n = c as u32;
    if n < 0x20 {
        format!("^{}", char::from_u32(n + 0x40).unwrap_or('?'))
    } else if n == 0x7f {
        "^?".to_string()
    } else {
        format!("\\u{{{n:x}}}")
    }
}

/// Replaces control characters (but newline and tab) with visible stand-ins.
/// A lone CR (used to overwrite a line) is shown; a CR before LF is dropped.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    if s.chars().all(|c| c == '\n' || c == '\t' || is_safe(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\n' || c == '\t' || is_safe(c) {
            out.push(c);
        } else if c == '\r' && chars.peek() == Some(&'\n') {
            // CRLF line ending: harmless, drop the CR.
        } else {
            out.push_str(&visible(c));
        }
    }
    Cow::Owned(out)
}

/// Like [`sanitize`] for a single-line field: newlines and tabs become spaces.
pub fn sanitize_line(s: &str) -> String {
    sanitize(s).replace(['\n', '\t'], " ")
}

/// One line of text: every run of white space or control characters
/// (CR, LF, tab, NUL, ESC, folded header continuations ...) becomes one
/// space, the ends trimmed. What keeps a name or a subject from someone's
/// mail inside its field, and folded headers on one line.
pub fn collapse_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() || c.is_control() {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    out
}

/// `value` as one line of JSON in which every character that may not
/// reach a terminal is a `\uXXXX` escape: serde_json escapes only C0
/// controls, so DEL, C1 controls, bidi and zero-width characters from a
/// mail would otherwise reach whoever runs `--json` on a terminal. The
/// JSON means the same either way.
pub fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let mut out = Vec::with_capacity(128);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, SafeJson);
    value.serialize(&mut ser)?;
    // Only whole UTF-8 strings and ASCII escapes were written.
    Ok(String::from_utf8(out)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// serde_json's compact formatter, escaping what [`is_safe`] refuses.
struct SafeJson;

impl serde_json::ser::Formatter for SafeJson {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if is_safe(c) {
                continue;
            }
            writer.write_all(&fragment.as_bytes()[start..i])?;
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                write!(writer, "\\u{u:04x}")?;
            }
            start = i + c.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_never_survive() {
        let s = sanitize("a\x1b]0;pwned\x07b\rc\r\nd\u{202e}e");
        assert!(!s.contains('\x1b'));
        assert!(!s.contains('\x07'));
        assert!(!s.contains('\u{202e}'));
        assert_eq!(s, "a^[]0;pwned^Gb^Mc\nd\\u{202e}e");
    }

    #[test]
    fn zero_width_characters_are_shown() {
        assert_eq!(
            sanitize("a\u{200b}b\u{200c}c\u{200d}d\u{2060}e\u{feff}f"),
            "a\\u{200b}b\\u{200c}c\\u{200d}d\\u{2060}e\\u{feff}f"
        );
        // C1 controls (CSI is U+009B) too.
        assert_eq!(sanitize("x\u{9b}31m"), "x\\u{9b}31m");
    }

    #[test]
    fn json_escapes_what_a_terminal_must_not_see() {
        let v = serde_json::json!({ "s": "a\u{202e}b\u{7f}c\u{9b}d\u{200b}e\u{1b}f" });
        let text = to_json(&v).expect("json");
        assert_eq!(text, r#"{"s":"a\u202eb\u007fc\u009bd\u200be\u001bf"}"#);
        assert!(text.chars().all(is_safe));
        let back: serde_json::Value = serde_json::from_str(&text).expect("parse");
        assert_eq!(back, v);
    }

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(sanitize("plain\ntext\t"), Cow::Borrowed(_)));
    }
}
