//! The index's word tokenizer: tantivy's "default" analyzer in one pass.
//!
//! tantivy's default chains three streams (split on anything not
//! alphanumeric, drop tokens of 40 bytes or more, lowercase), each a virtual
//! call per token, and the splitter decodes every byte as a `char`: a large
//! share of the writer threads' time on mail. This one walks bytes, decodes
//! only non-ASCII, and
//! lowercases while it copies. Its tokens, positions and offsets are the
//! default's exactly (a test holds them side by side), so an index written
//! with either reads with the other.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// Tokens of this many bytes or more are dropped (tantivy's default
/// `RemoveLongFilter::limit(40)`); they still take a position.
const LONG: usize = 40;

/// Registered as "default" on every [`crate::index::Index`].
#[derive(Clone, Default)]
pub struct MailTokenizer {
    token: Token,
}

pub struct MailTokenStream<'a> {
    text: &'a str,
    at: usize,
    token: &'a mut Token,
}

impl Tokenizer for MailTokenizer {
    type TokenStream<'a> = MailTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> MailTokenStream<'a> {
        self.token.reset();
        MailTokenStream {
            text,
            at: 0,
            token: &mut self.token,
        }
    }
}

/// What a byte is to the splitter: most mail is ASCII, so one table
/// lookup per byte decides, and only a non-ASCII lead byte decodes a char.
/// Bits, so a word's bytes OR together into what it needs (lowercasing,
/// the Unicode path).
const SEP: u8 = 0;
const WORD: u8 = 1;
const UPPER: u8 = 2;
const WIDE: u8 = 4;
static CLASS: [u8; 256] = {
    let mut t = [SEP; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = match b as u8 {
            b'a'..=b'z' | b'0'..=b'9' => WORD,
            b'A'..=b'Z' => WORD | UPPER,
            0x80.. => WIDE,
            _ => SEP,
        };
        b += 1;
    }
    t
};

/// The char at byte `at`, a char boundary.
fn wide(text: &str, at: usize) -> char {
    text.get(at..)
        .and_then(|rest| rest.chars().next())
        .unwrap_or(' ')
}

impl TokenStream for MailTokenStream<'_> {
    fn advance(&mut self) -> bool {
        let text = self.text;
        let bytes = text.as_bytes();
        let mut at = self.at;
        loop {
            // Skip to the next alphanumeric char.
            while let Some(&b) = bytes.get(at) {
                let class = CLASS[usize::from(b)];
                if class == SEP {
                    at += 1;
                } else if class & WORD != 0 {
                    break;
                } else {
                    let c = wide(text, at);
                    if c.is_alphanumeric() {
                        break;
                    }
                    at += c.len_utf8();
                }
            }
            if at >= bytes.len() {
                self.at = at;
                return false;
            }
            let start = at;
            let mut seen = 0;
            while let Some(&b) = bytes.get(at) {
                let class = CLASS[usize::from(b)];
                if class & WORD != 0 {
                    seen |= class;
                    at += 1;
                    continue;
                }
                if class == SEP {
                    break;
                }
                let c = wide(text, at);
                if !c.is_alphanumeric() {
                    break;
                }
                seen |= WIDE;
                at += c.len_utf8();
            }
            self.token.position = self.token.position.wrapping_add(1);
            if at - start >= LONG {
                continue;
            }
            self.at = at;
            self.token.offset_from = start;
            self.token.offset_to = at;
            let word = text.get(start..at).unwrap_or_default();
            self.token.text.clear();
            if seen & WIDE == 0 {
                self.token.text.push_str(word);
                if seen & UPPER != 0 {
                    self.token.text.make_ascii_lowercase();
                }
            } else {
                // As tantivy's LowerCaser: per char, no final-sigma rule.
                for c in word.chars() {
                    self.token.text.extend(c.to_lowercase());
                }
            }
            return true;
        }
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::tokenizer::{LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer};

    fn all(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(String, usize, usize, usize)> {
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            let t = stream.token();
            out.push((t.text.clone(), t.position, t.offset_from, t.offset_to));
        }
        out
    }

    fn tantivy_default() -> TextAnalyzer {
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser)
            .build()
    }

    fn assert_same(text: &str) {
        let ours = all(&mut TextAnalyzer::from(MailTokenizer::default()), text);
        let theirs = all(&mut tantivy_default(), text);
        // The first difference, not two token lists of a whole mail.
        let at = ours.iter().zip(&theirs).position(|(a, b)| a != b);
        let at = at.unwrap_or(ours.len().min(theirs.len()));
        assert!(
            ours.len() == theirs.len() && at == ours.len(),
            "token {at} of {:?}: ours {:?}, tantivy's {:?}",
            text.chars().take(80).collect::<String>(),
            ours.get(at),
            theirs.get(at),
        );
    }

    #[test]
    fn tokens_positions_and_offsets_are_tantivys() {
        let long = "x".repeat(39) + " " + &"y".repeat(40) + " after";
        for text in [
            "",
            "   ",
            "Hello, happy tax payer!",
            "Signed-off-by: Masahiro Yamada <masahiroy@kernel.org>",
            "+\tif (IS_ENABLED(CONFIG_MODVERSIONS) && !sym->crc_valid)\n",
            "@@ -12,7 +12,8 @@ static int __init foo_init(void)",
            long.as_str(),
            "Grüße aus Köln, ÄÖÜ straße ΣΊΣΥΦΟΣ İstanbul",
            "日本語のテキスト、句読点。混在 mixed テキスト",
            "emoji 👍 between words 😀ok",
            "digits ١٢٣ and ٤٥٦x, roman Ⅻ, superscript x²",
            "a\u{0301}b combining é, zero\u{200b}width, nbsp\u{a0}space",
            "trailing word",
            "ends with punctuation...",
        ] {
            assert_same(text);
        }
    }

    #[test]
    fn every_char_class_boundary_matches() {
        // Each pair of a sample of ASCII, Latin-1, Greek, CJK, marks and
        // symbols, joined and spaced: any difference in what counts as a
        // word char or in lowercasing shows up here.
        let chars: Vec<char> = (0u32..0x250)
            .chain(0x370..0x3ff)
            .chain([
                0x1e9e, 0x2160, 0x2163, 0x3000, 0x3001, 0x4e00, 0xff21, 0x1f600,
            ])
            .filter_map(char::from_u32)
            .collect();
        let mut text = String::new();
        for (i, a) in chars.iter().enumerate() {
            text.push(*a);
            text.push(chars[(i * 7 + 3) % chars.len()]);
            if i % 5 == 0 {
                text.push(' ');
            }
        }
        assert_same(&text);
    }

    proptest::proptest! {
        // Runs of word bytes and separators of every length, with
        // non-ASCII letters, marks, digits and symbols among them.
        #[test]
        fn any_text_tokenizes_the_same(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "a", "Z", "q", "M", "0", "9", " ", "-", "@", "_", "`", "[", "{",
                    "\n", "\t", "é", "É", "ß", "Σ", "日", "😀", "\u{301}", "\u{a0}",
                    "١", "²", "Ⅻ", "\u{7f}", "\u{80}",
                ]),
                0..120,
            ),
        ) {
            assert_same(&parts.concat());
        }
    }

    #[test]
    fn real_mail_tokenizes_the_same() {
        let Some(mails) = putt_testkit::corpus::corpus_mails() else {
            return;
        };
        for (_, raw) in &mails {
            assert_same(&String::from_utf8_lossy(raw));
        }
    }
}
