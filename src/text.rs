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
    !(c.is_control() || is_bidi_control(c))
}

/// Unicode bidirectional formatting characters ("Trojan Source").
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
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
    fn clean_text_is_borrowed() {
        assert!(matches!(sanitize("plain\ntext\t"), Cow::Borrowed(_)));
    }
}
