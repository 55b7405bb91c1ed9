//! Writing RFC 5322 mail: header values made safe, encoded-words (RFC 2047)
//! for non-ASCII text, lines folded under 78 columns, and a body sent as
//! 7bit, 8bit or quoted-printable, whichever is the plainest that is valid.
//!
//! Everything that reaches a header goes through here, and nothing here
//! lets a CR, LF or NUL through: values taken from someone else's mail (a
//! display name, a subject) are cleaned, and addresses or Message-IDs that
//! could break out of their field are refused by the callers' checks
//! ([`valid_addr`], [`valid_msg_id`]).

use crate::mail::Addr;

/// Header lines are folded before this many columns (RFC 5322's "SHOULD").
const FOLD_AT: usize = 78;
/// Longest encoded-word allowed by RFC 2047.
const ENCODED_WORD_MAX: usize = 75;
/// Body lines longer than this many octets force quoted-printable (RFC 5322
/// allows 998 plus CRLF).
const MAX_LINE: usize = 998;
/// Quoted-printable lines are cut at this length, soft break included.
const QP_LINE: usize = 76;

/// One-line header text: control characters (CR, LF, NUL, tab, ESC ...) and
/// runs of white space become a single space, ends trimmed. This is what
/// keeps a name or subject from someone else's mail inside its field.
pub use crate::text::collapse_whitespace as clean;

/// Whether `a` can be written as an addr-spec without escaping: one `@`
/// with text on both sides, no white space, control or the characters that
/// delimit addresses. Non-ASCII is allowed (RFC 6532).
pub fn valid_addr(a: &str) -> bool {
    let Some((local, domain)) = a.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && a.len() <= 254
        && !a
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>()[],;:\\\"".contains(c))
}

/// Whether `id` is a Message-ID (without brackets) that is safe to write:
/// printable ASCII, no space and no angle bracket.
pub fn valid_msg_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 250
        && id
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'<' && b != b'>')
}

/// Whether `name` is a header field name (RFC 5322 ftext).
pub fn valid_header_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 76 && name.bytes().all(|b| b.is_ascii_graphic() && b != b':')
}

/// How header text is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    /// Non-ASCII as RFC 2047 encoded-words: mail on the wire.
    Encoded,
    /// Non-ASCII as UTF-8 (RFC 6532): the draft a person edits.
    Utf8,
}

/// `Name: value`, folded, ending in `\n`. `tokens` are the units between
/// which a fold may go (a space separates them on one line).
pub fn fold(name: &str, tokens: &[String]) -> String {
    let mut out = format!("{name}:");
    let mut col = out.chars().count();
    for (i, t) in tokens.iter().enumerate() {
        let len = t.chars().count();
        if i > 0 && col + 1 + len > FOLD_AT {
            out.push_str("\n ");
            col = 1;
        } else {
            out.push(' ');
            col += 1;
        }
        out.push_str(t);
        col += len;
    }
    out.push('\n');
    out
}

/// Unstructured text (a subject) as fold tokens. Words that need it become
/// encoded-words: non-ASCII ones when encoding, ones that would read as an
/// encoded-word, and ones too long to fit a line. Neighbouring such words
/// are encoded together so the space between them survives decoding.
pub fn text_tokens(text: &str, charset: Charset) -> Vec<String> {
    let text = clean(text);
    let words: Vec<&str> = text.split(' ').filter(|w| !w.is_empty()).collect();
    let needs = |w: &str| {
        (charset == Charset::Encoded && !w.is_ascii()) || w.contains("=?") || w.len() > FOLD_AT - 12
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        if !needs(words[i]) {
            out.push(words[i].to_string());
            i += 1;
            continue;
        }
        let mut j = i;
        while j < words.len() && needs(words[j]) {
            j += 1;
        }
        out.extend(encoded_words(&words[i..j].join(" ")));
        i = j;
    }
    out
}

/// Addresses as fold tokens: `Name <addr>,` with the name a plain phrase, a
/// quoted string or encoded-words. Callers have checked the addresses.
pub fn address_tokens(addrs: &[Addr], charset: Charset) -> Vec<String> {
    let mut out = Vec::new();
    for (i, a) in addrs.iter().enumerate() {
        let name = clean(&a.name);
        let mut unit = if name.is_empty() || name == a.addr {
            vec![a.addr.clone()]
        } else {
            let mut v = phrase_tokens(&name, charset);
            v.push(format!("<{}>", a.addr));
            v
        };
        if i + 1 < addrs.len()
            && let Some(last) = unit.last_mut()
        {
            last.push(',');
        }
        out.append(&mut unit);
    }
    out
}

/// A display name (RFC 5322 phrase): atoms as they are, else one quoted
/// string, else (non-ASCII when encoding, or too long for a line)
/// encoded-words.
fn phrase_tokens(name: &str, charset: Charset) -> Vec<String> {
    let atoms = name.split(' ').all(|w| w.chars().all(is_atext_or_utf8));
    let encode = (charset == Charset::Encoded && !name.is_ascii()) || name.contains("=?");
    if !encode && atoms {
        return name.split(' ').map(str::to_string).collect();
    }
    if !encode && name.len() + 2 <= FOLD_AT - 12 {
        let escaped = name.replace('\\', "\\\\").replace('"', "\\\"");
        return vec![format!("\"{escaped}\"")];
    }
    encoded_words(name)
}

fn is_atext_or_utf8(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c) || !c.is_ascii()
}

/// `text` as `=?UTF-8?Q?...?=` words of at most 75 characters, cut between
/// characters, never inside one. The Q alphabet is the one safe in both
/// phrases and unstructured text (RFC 2047 5(3)).
pub fn encoded_words(text: &str) -> Vec<String> {
    const PREFIX: &str = "=?UTF-8?Q?";
    const SUFFIX: &str = "?=";
    let room = ENCODED_WORD_MAX - PREFIX.len() - SUFFIX.len();
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        let mut piece = String::new();
        if c == ' ' {
            piece.push('_');
        } else if c.is_ascii_alphanumeric() || "!*+-/".contains(c) {
            piece.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                piece.push_str(&format!("={b:02X}"));
            }
        }
        if cur.len() + piece.len() > room {
            out.push(format!("{PREFIX}{cur}{SUFFIX}"));
            cur.clear();
        }
        cur.push_str(&piece);
    }
    if !cur.is_empty() || out.is_empty() {
        out.push(format!("{PREFIX}{cur}{SUFFIX}"));
    }
    out
}

/// The Content-Transfer-Encoding a body needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferEncoding {
    SevenBit,
    EightBit,
    QuotedPrintable,
}

impl TransferEncoding {
    pub fn name(self) -> &'static str {
        match self {
            TransferEncoding::SevenBit => "7bit",
            TransferEncoding::EightBit => "8bit",
            TransferEncoding::QuotedPrintable => "quoted-printable",
        }
    }
}

/// A body with LF line endings and a final newline; a CR that is not part
/// of a CRLF is kept (it can only travel quoted-printable).
pub fn normalize_body(body: &str) -> String {
    let mut s = body.replace("\r\n", "\n");
    if !s.is_empty() && !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

/// The plainest valid encoding of a normalised body: 7bit for short-lined
/// ASCII, 8bit for short-lined UTF-8, quoted-printable when a line is too
/// long for SMTP or a bare CR or NUL would not survive transport.
pub fn transfer_encoding(body: &str) -> TransferEncoding {
    let unsafe_bytes = body.bytes().any(|b| b == 0 || b == b'\r');
    let long = body.split('\n').any(|l| l.len() > MAX_LINE);
    if unsafe_bytes || long {
        TransferEncoding::QuotedPrintable
    } else if body.is_ascii() {
        TransferEncoding::SevenBit
    } else {
        TransferEncoding::EightBit
    }
}

/// Quoted-printable (RFC 2045 6.7) of a normalised body, LF line endings.
pub fn quoted_printable(body: &str) -> String {
    let mut out = String::with_capacity(body.len() + body.len() / 8);
    let lines: Vec<&str> = body.split('\n').collect();
    let last = lines.len().saturating_sub(1);
    for (n, line) in lines.iter().enumerate() {
        let bytes = line.as_bytes();
        let mut col = 0;
        for (i, &b) in bytes.iter().enumerate() {
            let at_end = i + 1 == bytes.len();
            let literal =
                (b == b' ' || b == b'\t') && !at_end || (33..=126).contains(&b) && b != b'=';
            let piece = if literal {
                (b as char).to_string()
            } else {
                format!("={b:02X}")
            };
            // Leave room for the soft line break's `=`.
            if col + piece.len() > QP_LINE - 1 {
                out.push_str("=\n");
                col = 0;
            }
            out.push_str(&piece);
            col += piece.len();
        }
        if n < last {
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_removes_every_line_break_and_control() {
        assert_eq!(clean(" a\r\nBcc: x\0y\t\x1bz  "), "a Bcc: x y z");
        assert_eq!(clean("a\u{2028}b\u{85}c"), "a b c");
    }

    #[test]
    fn encoded_words_stay_short_and_split_between_characters() {
        let text = "é".repeat(100);
        let words = encoded_words(&text);
        assert!(words.len() > 1);
        for w in &words {
            assert!(w.len() <= ENCODED_WORD_MAX, "{w}");
            // A character is =XX=XX; never cut in half.
            let payload = w.trim_start_matches("=?UTF-8?Q?").trim_end_matches("?=");
            assert_eq!(payload.len() % 6, 0, "{w}");
        }
    }

    #[test]
    fn folding_keeps_lines_short() {
        let tokens: Vec<String> = (0..40).map(|i| format!("<id{i}@example.org>")).collect();
        let h = fold("References", &tokens);
        for line in h.lines() {
            assert!(line.chars().count() <= FOLD_AT, "{line}");
        }
        assert_eq!(h.matches('\n').count(), h.lines().count());
    }

    #[test]
    fn phrases_are_atoms_quoted_or_encoded() {
        let a = |name: &str| Addr {
            name: name.into(),
            addr: "x@example.org".into(),
        };
        let t = |name: &str| address_tokens(&[a(name)], Charset::Encoded).join(" ");
        assert_eq!(t("Ada Lovelace"), "Ada Lovelace <x@example.org>");
        assert_eq!(t("Lovelace, Ada"), "\"Lovelace, Ada\" <x@example.org>");
        assert_eq!(t("A \"Q\" B"), "\"A \\\"Q\\\" B\" <x@example.org>");
        assert_eq!(t("José"), "=?UTF-8?Q?Jos=C3=A9?= <x@example.org>");
        assert_eq!(
            address_tokens(&[a("José")], Charset::Utf8).join(" "),
            "José <x@example.org>"
        );
    }

    #[test]
    fn quoted_printable_wraps_and_escapes() {
        let body = format!("{}\nend \nnul\0\n", "x".repeat(200));
        let qp = quoted_printable(&body);
        for line in qp.lines() {
            assert!(line.len() <= QP_LINE, "{line}");
        }
        assert!(qp.contains("end=20\n"));
        assert!(qp.contains("nul=00\n"));
    }

    #[test]
    fn encoding_choice() {
        assert_eq!(transfer_encoding("plain\n"), TransferEncoding::SevenBit);
        assert_eq!(transfer_encoding("é\n"), TransferEncoding::EightBit);
        assert_eq!(
            transfer_encoding(&"x".repeat(999)),
            TransferEncoding::QuotedPrintable
        );
        assert_eq!(
            transfer_encoding("a\rb\n"),
            TransferEncoding::QuotedPrintable
        );
    }
}
