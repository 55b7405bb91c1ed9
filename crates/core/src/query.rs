//! The search language lore and lei users already type (public-inbox's
//! Xapian syntax), parsed into a small AST. The CLI and the TUI's limit
//! prompt share this one grammar; the index only maps [`Query`] to tantivy.
//!
//! # Syntax
//!
//! | you type | matches |
//! |---|---|
//! | `word`, `"some words"` | subject or body (same as `bs:`) |
//! | `s:` | Subject |
//! | `f:` | From |
//! | `t:`, `c:`, `tc:` | To, Cc, To or Cc |
//! | `a:` (also `tcf:`) | any address: To, Cc or From |
//! | `b:` | message body |
//! | `bs:` | subject or body |
//! | `d:` (also `dt:`, `rt:`) | date, see below |
//! | `m:` (also `mid:`) | Message-ID, with or without `<>` |
//! | `l:` (also `lid:`) | List-Id |
//! | `dfn:` | file names touched by a diff, e.g. `dfn:drivers/pwm/` |
//! | `dfa:`, `dfb:` | removed (`-`) / added (`+`) diff lines |
//! | `dfhh:` | diff hunk headers (usually a function name) |
//! | `patchid:` | `git patch-id --stable` of the diff |
//! | `is:` (also `rule:`) | series only: a rule's name or a triage state (`is:ready`, `is:reviewing`) |
//! | `check:` | series only: a check status (`check:fail`) or a check's (`check:build:fail`) |
//!
//! `is:` and `check:` test a series (its newest revision), not a message:
//! they work where series are listed (`putt series`, the TUI's limit), each
//! on its own or in a group of such terms ANDed with the rest
//! (`dfn:kbuild is:ready`, `s:fix (is:ready OR check:fail)`).
//! A prefix applies to one word (`s:foo`), a phrase (`s:"foo bar"`) or a
//! parenthesised group (`s:(foo OR bar)`); the value follows the colon with
//! no space and keeps its text as typed (`:`, `@`, `/`, `.`, `<>` included).
//! A trailing `*` makes a word a prefix wildcard: `s:regress*`.
//!
//! Terms next to each other must all match (implicit `AND`). Operators are
//! uppercase: `AND`, `OR`, `NOT`, `AND NOT`; `-word` excludes, `+word`
//! requires; parentheses group. `NOT` binds tighter than `AND`, which binds
//! tighter than `OR`: `a OR b c` is `a OR (b AND c)`. Lowercase `and`, `or`,
//! `not` are ordinary words. A query of only exclusions (`-s:RFC`) means
//! "everything except".
//!
//! `foo:bar` where `foo` is letters only and not a known prefix is an error
//! (a typo such as `sj:` should not silently search for text); quote it
//! (`"Fixes:"`) to search for the text. Words whose part before the colon is
//! not letters only (`Reviewed-by:`, `12:30`, `x86:`) and URLs
//! (`https://...`) are ordinary words. Prefixes public-inbox has but putt
//! does not (`n:`, `q:`, `nq:`, `dfctx:`, `dfpre:`, `dfpost:`, `dfblob:`...)
//! are reported as unsupported.
//!
//! # Dates
//!
//! All dates are UTC. `d:` takes a single date, meaning all of it, or a range
//! `FROM..TO` with either side optional. Each side is one of:
//!
//! - `2024-01-31` or `20240131` (a day), `2024-01` (a month), `2024` (a year)
//! - `2024-01-31T10:00`, `"2024-01-31 10:00:30"`, `202401311000`,
//!   `20240131100030` (a minute or a second; a trailing `Z` is allowed)
//! - `@1706695200` (Unix seconds)
//! - `now`, `today`, `yesterday`
//! - `N.UNIT.ago` or `N.UNIT` with UNIT one of second, minute, hour, day,
//!   week, month, year (singular or plural), and `last.UNIT` for `1.UNIT`;
//!   `"2 weeks ago"` works in quotes.
//!
//! A date names a span of time (a day, a minute...). `FROM` starts at the
//! beginning of its span and `TO` includes all of its span, like lei, where
//! `d:` compares whole days inclusively: `d:2024-01-01..2024-01-31` is all of
//! January and `d:..yesterday` includes yesterday. Relative dates counted in
//! days, weeks, months or years name a whole day, as in lei (`d:2.weeks.ago..`
//! starts at midnight two weeks ago); counted in seconds, minutes or hours,
//! and `now`, they name an exact second (lei rounds these to the day too).
//! A single date is its own span: `d:2024-01-01` is that day (lei also
//! includes the next day there). `rt:` (lei's received time) is read as `d:`.

use std::fmt;
use std::ops::Range;

use chrono::{DateTime, Months, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike, Utc};
use unicode_width::UnicodeWidthChar;

/// A parsed search query. The contract between the parser and the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// The empty query: every message.
    All,
    /// Every child must match. Never nested directly in another `And`.
    And(Vec<Query>),
    /// Any child may match. Never nested directly in another `Or`.
    Or(Vec<Query>),
    /// `NOT x`, `-x`, `AND NOT x`.
    Not(Box<Query>),
    /// One field test. `span` is the byte range of the term in the input,
    /// prefix and quotes included, for highlighting and errors.
    Term {
        field: Field,
        value: Value,
        span: Range<usize>,
    },
}

/// Which part of a message a term looks in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// `s:`
    Subject,
    /// `f:`
    From,
    /// `t:`
    To,
    /// `c:`
    Cc,
    /// `tc:`
    ToCc,
    /// `a:`, any address: To, Cc or From.
    Addr,
    /// `b:`
    Body,
    /// `bs:` and bare words.
    BodySubject,
    /// `d:`; its value is always [`Value::DateRange`].
    Date,
    /// `m:`, without the angle brackets.
    MessageId,
    /// `l:`
    List,
    /// `dfn:`, file names in a diff.
    Dfn,
    /// `dfa:`, removed lines.
    Dfa,
    /// `dfb:`, added lines.
    Dfb,
    /// `dfhh:`, hunk headers.
    Dfhh,
    /// `patchid:`
    PatchId,
    /// `is:`, `rule:`: a series matches a rule or is in a triage state.
    Is,
    /// `check:`: a series' checks have a status.
    Check,
}

/// What a term looks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// One word as typed; `prefix` when it ended in `*` (the `*` is removed).
    Word { text: String, prefix: bool },
    /// The text between the quotes, as typed.
    Phrase(String),
    /// Unix seconds; `from` inclusive, `to` exclusive, `None` is open.
    DateRange { from: Option<i64>, to: Option<i64> },
}

/// Why a query could not be parsed, and where (a byte range of the input,
/// always on char boundaries).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct QueryError {
    pub message: String,
    pub span: Range<usize>,
}

/// Parse `input`; relative dates are counted back from `now`.
pub fn parse(input: &str, now: DateTime<Utc>) -> Result<Query, QueryError> {
    let mut parser = Parser {
        input,
        lexer: Lexer {
            input,
            pos: 0,
            mode: Mode::Start,
        },
        peeked: None,
        now,
        depth: 0,
    };
    if parser.peek()?.tok == Tok::Eof {
        return Ok(Query::All);
    }
    let query = parser.or_expr(Field::BodySubject)?;
    let next = parser.bump()?;
    match next.tok {
        Tok::Eof => Ok(query),
        Tok::RParen => Err(error(next.span, "`)` has no matching `(`")),
        // and_expr stops only at OR (taken by or_expr), `)` or the end.
        _ => Err(error(next.span, "unexpected text")),
    }
}

/// Nesting deeper than this is refused so hostile input cannot overflow the
/// stack; no person types 64 nested groups.
const MAX_DEPTH: usize = 64;

// Prefixes lei documents but putt has no field for: refusing them beats
// silently searching the wrong thing.
const UNSUPPORTED_PREFIXES: &[&str] = &[
    "n",
    "q",
    "nq",
    "dfctx",
    "dfpre",
    "dfpost",
    "dfblob",
    "z",
    "uid",
    "references",
];

impl Field {
    /// The prefix a user types for this field, without the colon.
    pub fn prefix(self) -> &'static str {
        match self {
            Field::Subject => "s",
            Field::From => "f",
            Field::To => "t",
            Field::Cc => "c",
            Field::ToCc => "tc",
            Field::Addr => "a",
            Field::Body => "b",
            Field::BodySubject => "bs",
            Field::Date => "d",
            Field::MessageId => "m",
            Field::List => "l",
            Field::Dfn => "dfn",
            Field::Dfa => "dfa",
            Field::Dfb => "dfb",
            Field::Dfhh => "dfhh",
            Field::PatchId => "patchid",
            Field::Is => "is",
            Field::Check => "check",
        }
    }

    /// Whether the term tests a series rather than a message (`is:`,
    /// `check:`): see [`crate::workflow::SeriesQuery`].
    pub fn is_series_level(self) -> bool {
        matches!(self, Field::Is | Field::Check)
    }

    /// The field for a typed prefix (without the colon), aliases included.
    pub fn from_prefix(name: &str) -> Option<Field> {
        Some(match name {
            "s" => Field::Subject,
            "f" => Field::From,
            "t" => Field::To,
            "c" => Field::Cc,
            "tc" => Field::ToCc,
            // public-inbox maps both to To, Cc and From.
            "a" | "tcf" => Field::Addr,
            "b" => Field::Body,
            "bs" => Field::BodySubject,
            // lei's dt: is d: with seconds, which putt's d: already has;
            // rt: is received time, close enough to the Date header.
            "d" | "dt" | "rt" => Field::Date,
            "m" | "mid" => Field::MessageId,
            "l" | "lid" => Field::List,
            "dfn" => Field::Dfn,
            "dfa" => Field::Dfa,
            "dfb" => Field::Dfb,
            "dfhh" => Field::Dfhh,
            "patchid" => Field::PatchId,
            "is" | "rule" => Field::Is,
            "check" => Field::Check,
            _ => return None,
        })
    }
}

impl QueryError {
    /// The query on one line and, under it, carets below the bad part
    /// followed by the message. Control characters are shown as spaces so
    /// the carets line up and nothing raw reaches the terminal.
    pub fn render(&self, input: &str) -> String {
        let start = floor_char_boundary(input, self.span.start);
        let end = floor_char_boundary(input, self.span.end).max(start);
        let shown: String = input
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let column = display_width(&input[..start]);
        let carets = display_width(&input[start..end]).max(1);
        format!(
            "{shown}\n{}{} {}",
            " ".repeat(column),
            "^".repeat(carets),
            self.message
        )
    }
}

fn floor_char_boundary(s: &str, index: usize) -> usize {
    let mut i = index.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            if c.is_control() {
                1
            } else {
                c.width().unwrap_or(0)
            }
        })
        .sum()
}

fn error(span: Range<usize>, message: impl Into<String>) -> QueryError {
    QueryError {
        message: message.into(),
        span,
    }
}

// ---------------------------------------------------------------------------
// Lexer

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    LParen,
    RParen,
    And,
    Or,
    Not,
    Plus,
    Minus,
    Prefix(Field),
    /// The word is the token's span.
    Word,
    /// `inner` is the text between the quotes.
    Phrase {
        inner: Range<usize>,
    },
    Eof,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    span: Range<usize>,
}

/// What the previous token allows next. After `s:` the value must follow
/// at once and is taken literally (`s:AND` searches for "AND"); after `-`
/// or `+` a term must follow at once, and `--x` excludes "-x".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Start,
    AfterSign,
    AfterPrefix,
}

struct Lexer<'a> {
    input: &'a str,
    pos: usize,
    mode: Mode,
}

// Xapian accepts curly quotes too, and they arrive by copy and paste.
fn is_quote(c: char) -> bool {
    matches!(c, '"' | '\u{201c}' | '\u{201d}')
}

fn ends_word(c: char) -> bool {
    c.is_whitespace() || c == '(' || c == ')' || is_quote(c)
}

fn value_missing(rest: &str) -> bool {
    rest.chars()
        .next()
        .is_none_or(|c| c.is_whitespace() || c == ')')
}

impl Lexer<'_> {
    fn next_token(&mut self) -> Result<Token, QueryError> {
        let mode = std::mem::replace(&mut self.mode, Mode::Start);
        if mode == Mode::Start {
            let rest = &self.input[self.pos..];
            self.pos += rest.len() - rest.trim_start().len();
        }
        let start = self.pos;
        let rest = &self.input[start..];
        let Some(c) = rest.chars().next() else {
            return Ok(Token {
                tok: Tok::Eof,
                span: start..start,
            });
        };
        let first = start..start + c.len_utf8();
        if is_quote(c) {
            return self.phrase(first);
        }
        let single = match c {
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            '-' if mode == Mode::Start => Some(Tok::Minus),
            '+' if mode == Mode::Start => Some(Tok::Plus),
            _ => None,
        };
        if let Some(tok) = single {
            self.pos = first.end;
            if matches!(tok, Tok::Minus | Tok::Plus) {
                if value_missing(&self.input[self.pos..]) {
                    return Err(error(
                        first,
                        format!("`{c}` needs a term right after it, with no space"),
                    ));
                }
                self.mode = Mode::AfterSign;
            }
            return Ok(Token { tok, span: first });
        }

        // Not empty: `c` itself does not end a word (whitespace was skipped,
        // or ruled out by value_missing before entering the other modes).
        let len = rest.find(ends_word).unwrap_or(rest.len());
        let word = &rest[..len];
        let span = start..start + len;
        self.pos = span.end;
        if mode == Mode::Start {
            let op = match word {
                "AND" => Some(Tok::And),
                "OR" => Some(Tok::Or),
                "NOT" => Some(Tok::Not),
                _ => None,
            };
            if let Some(tok) = op {
                return Ok(Token { tok, span });
            }
        }
        if mode != Mode::AfterPrefix
            && let Some(token) = self.prefix(word, start)?
        {
            return Ok(token);
        }
        Ok(Token {
            tok: Tok::Word,
            span,
        })
    }

    /// `word` starting at `start` as `prefix:value`, if it is one.
    fn prefix(&mut self, word: &str, start: usize) -> Result<Option<Token>, QueryError> {
        let Some(colon) = word.find(':') else {
            return Ok(None);
        };
        let name = &word[..colon];
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Ok(None);
        }
        if word[colon + 1..].starts_with("//") {
            return Ok(None); // a URL
        }
        let span = start..start + colon + 1;
        if let Some(field) = Field::from_prefix(name) {
            self.pos = span.end;
            if value_missing(&self.input[self.pos..]) {
                return Err(error(
                    span,
                    format!(
                        "`{name}:` needs a value right after it, \
                         e.g. {name}:word or {name}:\"some words\""
                    ),
                ));
            }
            self.mode = Mode::AfterPrefix;
            return Ok(Some(Token {
                tok: Tok::Prefix(field),
                span,
            }));
        }
        let lower = name.to_ascii_lowercase();
        if Field::from_prefix(&lower).is_some() {
            return Err(error(
                span,
                format!("prefixes are lowercase: did you mean `{lower}:`?"),
            ));
        }
        if UNSUPPORTED_PREFIXES.contains(&lower.as_str()) {
            return Err(error(
                span,
                format!("putt does not support the `{name}:` prefix yet"),
            ));
        }
        Err(error(
            span,
            format!("unknown prefix `{name}:`; to search for the text, quote it: \"{word}\""),
        ))
    }

    fn phrase(&mut self, open: Range<usize>) -> Result<Token, QueryError> {
        let rest = &self.input[open.end..];
        let Some(len) = rest.find(is_quote) else {
            return Err(error(open, "this quote is never closed"));
        };
        let inner = open.end..open.end + len;
        let close = rest[len..].chars().next().map_or(1, char::len_utf8);
        self.pos = inner.end + close;
        Ok(Token {
            tok: Tok::Phrase { inner },
            span: open.start..self.pos,
        })
    }
}

// ---------------------------------------------------------------------------
// Parser: recursive descent, one token of lookahead.
//
//   or    := and (OR and)*
//   and   := unary ((AND)? unary)*
//   unary := NOT unary | '-' atom | '+' atom | atom
//   atom  := '(' or ')' | PREFIX (WORD | PHRASE | '(' or ')') | WORD | PHRASE

struct Parser<'a> {
    input: &'a str,
    lexer: Lexer<'a>,
    peeked: Option<Token>,
    now: DateTime<Utc>,
    depth: usize,
}

fn starts_term(tok: &Tok) -> bool {
    matches!(
        tok,
        Tok::LParen
            | Tok::Not
            | Tok::Plus
            | Tok::Minus
            | Tok::Prefix(_)
            | Tok::Word
            | Tok::Phrase { .. }
    )
}

fn operator_name(tok: &Tok) -> &'static str {
    match tok {
        Tok::And => "AND",
        Tok::Or => "OR",
        Tok::Not => "NOT",
        _ => "operator",
    }
}

impl Parser<'_> {
    fn peek(&mut self) -> Result<Token, QueryError> {
        let token = match self.peeked.take() {
            Some(token) => token,
            None => self.lexer.next_token()?,
        };
        Ok(self.peeked.insert(token).clone())
    }

    fn bump(&mut self) -> Result<Token, QueryError> {
        match self.peeked.take() {
            Some(token) => Ok(token),
            None => self.lexer.next_token(),
        }
    }

    /// The operator `op` was just taken; a term must come next.
    fn expect_term_after(&mut self, op: &Token) -> Result<(), QueryError> {
        if starts_term(&self.peek()?.tok) {
            Ok(())
        } else {
            Err(error(
                op.span.clone(),
                format!("`{}` needs a term after it", operator_name(&op.tok)),
            ))
        }
    }

    fn descend(&mut self, at: &Range<usize>) -> Result<(), QueryError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(error(
                at.clone(),
                format!("too many nested parentheses or NOTs (the limit is {MAX_DEPTH})"),
            ));
        }
        Ok(())
    }

    fn or_expr(&mut self, field: Field) -> Result<Query, QueryError> {
        let mut items = vec![self.and_expr(field)?];
        while self.peek()?.tok == Tok::Or {
            let op = self.bump()?;
            self.expect_term_after(&op)?;
            items.push(self.and_expr(field)?);
        }
        Ok(combine(items, false))
    }

    fn and_expr(&mut self, field: Field) -> Result<Query, QueryError> {
        let first = self.peek()?;
        if !starts_term(&first.tok) {
            return Err(match first.tok {
                Tok::And | Tok::Or => error(
                    first.span,
                    format!("`{}` needs a term before it", operator_name(&first.tok)),
                ),
                Tok::RParen => error(first.span, "`)` has no matching `(`"),
                _ => error(first.span, "expected a search term"),
            });
        }
        let mut items = vec![self.unary(field)?];
        loop {
            let next = self.peek()?;
            if next.tok == Tok::And {
                let op = self.bump()?;
                self.expect_term_after(&op)?;
            } else if !starts_term(&next.tok) {
                break;
            }
            items.push(self.unary(field)?);
        }
        Ok(combine(items, true))
    }

    fn unary(&mut self, field: Field) -> Result<Query, QueryError> {
        let next = self.peek()?;
        match next.tok {
            Tok::Not => {
                let op = self.bump()?;
                self.expect_term_after(&op)?;
                self.descend(&op.span)?;
                let inner = self.unary(field);
                self.depth -= 1;
                Ok(Query::Not(Box::new(inner?)))
            }
            Tok::Minus => {
                self.bump()?;
                Ok(Query::Not(Box::new(self.atom(field)?)))
            }
            Tok::Plus => {
                self.bump()?;
                self.atom(field)
            }
            _ => self.atom(field),
        }
    }

    fn atom(&mut self, field: Field) -> Result<Query, QueryError> {
        let token = self.bump()?;
        match token.tok {
            Tok::LParen => self.group(field, token.span),
            // An explicit prefix overrides the field of an enclosing group.
            Tok::Prefix(own) => {
                let value = self.bump()?;
                let whole = token.span.start..value.span.end;
                match value.tok {
                    Tok::LParen => self.group(own, value.span),
                    Tok::Word => self.term(own, whole, value.span, false),
                    Tok::Phrase { inner } => self.term(own, whole, inner, true),
                    // The lexer checked that a value follows the prefix.
                    _ => Err(error(token.span, "expected a value after the prefix")),
                }
            }
            Tok::Word => self.term(field, token.span.clone(), token.span, false),
            Tok::Phrase { inner } => self.term(field, token.span, inner, true),
            _ => Err(error(token.span, "expected a search term")),
        }
    }

    /// After `(` at `open`: the group's terms default to `field`.
    fn group(&mut self, field: Field, open: Range<usize>) -> Result<Query, QueryError> {
        let next = self.peek()?;
        match next.tok {
            Tok::RParen => return Err(error(open.start..next.span.end, "empty parentheses")),
            Tok::Eof => return Err(error(open, "this `(` is never closed")),
            _ => {}
        }
        self.descend(&open)?;
        let inner = self.or_expr(field);
        self.depth -= 1;
        let inner = inner?;
        let close = self.bump()?;
        match close.tok {
            Tok::RParen => Ok(inner),
            _ => Err(error(open, "this `(` is never closed")),
        }
    }

    /// A term spanning `whole` whose value text is at `text`.
    fn term(
        &self,
        field: Field,
        whole: Range<usize>,
        text: Range<usize>,
        phrase: bool,
    ) -> Result<Query, QueryError> {
        let raw = &self.input[text.clone()];
        let value = if field == Field::Date {
            parse_dates(raw, text.start, self.now)?
        } else if phrase {
            let inside = if field == Field::MessageId {
                strip_angles(raw)
            } else {
                raw
            };
            if inside.trim().is_empty() {
                return Err(error(whole, "nothing between the quotes"));
            }
            Value::Phrase(inside.to_string())
        } else {
            let stem = raw.trim_end_matches('*');
            let prefix = stem.len() != raw.len();
            let stem = if field == Field::MessageId {
                strip_angles(stem)
            } else {
                stem
            };
            if stem.is_empty() {
                let message = if prefix {
                    "`*` needs some text before it"
                } else {
                    "empty message-id"
                };
                return Err(error(whole, message));
            }
            Value::Word {
                text: stem.to_string(),
                prefix,
            }
        };
        Ok(Query::Term {
            field,
            value,
            span: whole,
        })
    }
}

fn strip_angles(s: &str) -> &str {
    let s = s.strip_prefix('<').unwrap_or(s);
    s.strip_suffix('>').unwrap_or(s)
}

/// `items` joined by AND (or OR), flattened so consumers see `a b c` as one
/// three-way AND, and a single item unwrapped.
fn combine(items: Vec<Query>, and: bool) -> Query {
    let mut flat = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Query::And(children) if and => flat.extend(children),
            Query::Or(children) if !and => flat.extend(children),
            other => flat.push(other),
        }
    }
    if flat.len() == 1
        && let Some(only) = flat.pop()
    {
        return only;
    }
    if and {
        Query::And(flat)
    } else {
        Query::Or(flat)
    }
}

// ---------------------------------------------------------------------------
// Dates

/// How much time a typed date names; a range end includes all of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Precision {
    Second,
    Minute,
    Day,
    Month,
    Year,
}

#[derive(Debug, Clone, Copy)]
struct DateSpan {
    start: NaiveDateTime,
    precision: Precision,
}

impl DateSpan {
    fn end(self) -> Option<NaiveDateTime> {
        match self.precision {
            Precision::Second => self.start.checked_add_signed(TimeDelta::seconds(1)),
            Precision::Minute => self.start.checked_add_signed(TimeDelta::minutes(1)),
            Precision::Day => self.start.checked_add_signed(TimeDelta::days(1)),
            Precision::Month => self.start.checked_add_months(Months::new(1)),
            Precision::Year => self.start.checked_add_months(Months::new(12)),
        }
    }
}

const DATE_HINT: &str = "try 2024-01-31, 2024-01-31T10:00, 20240131, 2.weeks.ago or yesterday";

/// The value of a `d:` term; `base` is where `text` starts in the input.
fn parse_dates(text: &str, base: usize, now: DateTime<Utc>) -> Result<Value, QueryError> {
    let whole = base..base + text.len();
    let Some(dots) = text.find("..") else {
        let (date, span) = trimmed(text, base);
        if date.is_empty() {
            return Err(error(whole, "empty date"));
        }
        let date = parse_date(date, span.clone(), now)?;
        let to = date
            .end()
            .ok_or_else(|| error(span, "date is out of range"))?;
        return Ok(date_range(Some(date.start), Some(to)));
    };
    let (low, low_span) = trimmed(&text[..dots], base);
    let (high, high_span) = trimmed(&text[dots + 2..], base + dots + 2);
    if low.is_empty() && high.is_empty() {
        return Err(error(whole, "`..` needs a date on at least one side"));
    }
    let from = if low.is_empty() {
        None
    } else {
        Some(parse_date(low, low_span, now)?.start)
    };
    let to = if high.is_empty() {
        None
    } else {
        let date = parse_date(high, high_span.clone(), now)?;
        Some(
            date.end()
                .ok_or_else(|| error(high_span, "date is out of range"))?,
        )
    };
    if let (Some(from), Some(to)) = (from, to)
        && from >= to
    {
        return Err(error(
            whole,
            "this date range is empty: it ends before it starts",
        ));
    }
    Ok(date_range(from, to))
}

fn date_range(from: Option<NaiveDateTime>, to: Option<NaiveDateTime>) -> Value {
    Value::DateRange {
        from: from.map(|t| t.and_utc().timestamp()),
        to: to.map(|t| t.and_utc().timestamp()),
    }
}

/// `text` without surrounding whitespace, and its span given its `base`.
fn trimmed(text: &str, base: usize) -> (&str, Range<usize>) {
    let start = base + text.len() - text.trim_start().len();
    let t = text.trim();
    (t, start..start + t.len())
}

fn parse_date(text: &str, span: Range<usize>, now: DateTime<Utc>) -> Result<DateSpan, QueryError> {
    let lower = text.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| c == '.' || c == '_' || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect();
    let out_of_range = || error(span.clone(), "date is out of range");
    let today = now.date_naive().and_time(NaiveTime::MIN);
    let day = |start| DateSpan {
        start,
        precision: Precision::Day,
    };
    match words.as_slice() {
        ["now"] => {
            let start = now
                .naive_utc()
                .with_nanosecond(0)
                .ok_or_else(out_of_range)?;
            Ok(DateSpan {
                start,
                precision: Precision::Second,
            })
        }
        ["today"] => Ok(day(today)),
        ["yesterday"] => Ok(day(today
            .checked_sub_signed(TimeDelta::days(1))
            .ok_or_else(out_of_range)?)),
        [count, unit] | [count, unit, "ago"]
            if unit.bytes().all(|b| b.is_ascii_alphabetic())
                && (*count == "last" || count.bytes().all(|b| b.is_ascii_digit())) =>
        {
            let count: u32 = if *count == "last" {
                1
            } else {
                count.parse().map_err(|_| out_of_range())?
            };
            relative(count, unit, now)
                .map_err(|message| error(span.clone(), message))?
                .ok_or_else(out_of_range)
        }
        _ => absolute(text).ok_or_else(|| {
            error(
                span.clone(),
                format!("cannot read `{text}` as a date; {DATE_HINT}"),
            )
        }),
    }
}

/// `count` `unit`s before `now`; Err for an unknown unit, Ok(None) when the
/// result falls outside what chrono can represent.
fn relative(count: u32, unit: &str, now: DateTime<Utc>) -> Result<Option<DateSpan>, String> {
    let singular = unit.strip_suffix('s').unwrap_or(unit);
    let exact = |delta: Option<TimeDelta>| {
        delta
            .and_then(|d| now.naive_utc().checked_sub_signed(d))
            .and_then(|t| t.with_nanosecond(0))
            .map(|start| DateSpan {
                start,
                precision: Precision::Second,
            })
    };
    let day = |date: Option<NaiveDate>| {
        date.map(|d| DateSpan {
            start: d.and_time(NaiveTime::MIN),
            precision: Precision::Day,
        })
    };
    let n = i64::from(count);
    let today = now.date_naive();
    Ok(match singular {
        "second" => exact(TimeDelta::try_seconds(n)),
        "minute" => exact(TimeDelta::try_minutes(n)),
        "hour" => exact(TimeDelta::try_hours(n)),
        "day" => day(TimeDelta::try_days(n).and_then(|d| today.checked_sub_signed(d))),
        "week" => day(TimeDelta::try_weeks(n).and_then(|d| today.checked_sub_signed(d))),
        "month" => day(today.checked_sub_months(Months::new(count))),
        "year" => day(count
            .checked_mul(12)
            .and_then(|m| today.checked_sub_months(Months::new(m)))),
        _ => {
            return Err(format!(
                "unknown time unit `{unit}`; \
                 use seconds, minutes, hours, days, weeks, months or years"
            ));
        }
    })
}

/// Absolute dates: see the module docs for the forms.
fn absolute(text: &str) -> Option<DateSpan> {
    if let Some(secs) = text.strip_prefix('@') {
        if !secs.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let start = DateTime::from_timestamp(secs.parse().ok()?, 0)?.naive_utc();
        return Some(DateSpan {
            start,
            precision: Precision::Second,
        });
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        let digits = |range: Range<usize>| text.get(range)?.parse::<u32>().ok();
        let year = text.get(0..4)?.parse::<i32>().ok()?;
        return match text.len() {
            4 => calendar(year, 1, 1, 0, 0, 0, Precision::Year),
            8 => calendar(year, digits(4..6)?, digits(6..8)?, 0, 0, 0, Precision::Day),
            12 => calendar(
                year,
                digits(4..6)?,
                digits(6..8)?,
                digits(8..10)?,
                digits(10..12)?,
                0,
                Precision::Minute,
            ),
            14 => calendar(
                year,
                digits(4..6)?,
                digits(6..8)?,
                digits(8..10)?,
                digits(10..12)?,
                digits(12..14)?,
                Precision::Second,
            ),
            _ => None,
        };
    }

    let text = text.strip_suffix(['Z', 'z']).unwrap_or(text);
    let (date, time) = match text.split_once(['T', 't', ' ']) {
        Some((date, time)) => (date, Some(time.trim_start())),
        None => (text, None),
    };
    let mut parts = date.split('-');
    let year = parts.next().filter(|y| y.len() == 4)?.parse::<i32>().ok()?;
    let month = number(parts.next()?)?;
    let Some(day) = parts.next() else {
        return match time {
            None => calendar(year, month, 1, 0, 0, 0, Precision::Month),
            Some(_) => None,
        };
    };
    let day = number(day)?;
    if parts.next().is_some() {
        return None;
    }
    let Some(time) = time else {
        return calendar(year, month, day, 0, 0, 0, Precision::Day);
    };
    let mut parts = time.split(':');
    let hour = number(parts.next()?)?;
    let minute = number(parts.next()?)?;
    let (second, precision) = match parts.next() {
        Some(s) => (number(s)?, Precision::Second),
        None => (0, Precision::Minute),
    };
    if parts.next().is_some() {
        return None;
    }
    calendar(year, month, day, hour, minute, second, precision)
}

/// One or two ASCII digits.
fn number(s: &str) -> Option<u32> {
    if (1..=2).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

fn calendar(
    year: i32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    precision: Precision,
) -> Option<DateSpan> {
    let start = NaiveDate::from_ymd_opt(year, month, day)?.and_hms_opt(hour, minute, second)?;
    Some(DateSpan { start, precision })
}

// ---------------------------------------------------------------------------
// Display: a canonical form that parses back to the same query, for
// "searching for: ..." lines and debugging.

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Query::All => Ok(()),
            Query::And(items) => join(f, items, " AND "),
            Query::Or(items) => join(f, items, " OR "),
            Query::Not(inner) => {
                f.write_str("NOT ")?;
                child(f, inner)
            }
            Query::Term { field, value, .. } => write_term(f, *field, value),
        }
    }
}

fn join(f: &mut fmt::Formatter<'_>, items: &[Query], sep: &str) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(sep)?;
        }
        child(f, item)?;
    }
    Ok(())
}

fn child(f: &mut fmt::Formatter<'_>, q: &Query) -> fmt::Result {
    if matches!(q, Query::And(_) | Query::Or(_)) {
        write!(f, "({q})")
    } else {
        write!(f, "{q}")
    }
}

fn write_term(f: &mut fmt::Formatter<'_>, field: Field, value: &Value) -> fmt::Result {
    let star = |prefix: bool| if prefix { "*" } else { "" };
    match value {
        Value::Word { text, prefix } => {
            if field == Field::MessageId {
                // The brackets protect ids that themselves start with `<`.
                write!(f, "m:<{text}>{}", star(*prefix))
            } else if field == Field::BodySubject && bare_word_is_safe(text) {
                write!(f, "{text}{}", star(*prefix))
            } else {
                write!(f, "{}:{text}{}", field.prefix(), star(*prefix))
            }
        }
        Value::Phrase(text) if field == Field::MessageId => write!(f, "m:\"<{text}>\""),
        Value::Phrase(text) if field == Field::BodySubject => write!(f, "\"{text}\""),
        Value::Phrase(text) => write!(f, "{}:\"{text}\"", field.prefix()),
        Value::DateRange { from, to } => {
            write!(f, "{}:", field.prefix())?;
            if let Some(from) = from {
                write_instant(f, *from)?;
            }
            f.write_str("..")?;
            if let Some(to) = to {
                // The typed end is inclusive: show the last second inside.
                write_instant(f, to.saturating_sub(1))?;
            }
            Ok(())
        }
    }
}

fn write_instant(f: &mut fmt::Formatter<'_>, secs: i64) -> fmt::Result {
    match DateTime::from_timestamp(secs, 0) {
        Some(t) => write!(f, "{}", t.format("%Y-%m-%dT%H:%M:%SZ")),
        None => write!(f, "@{secs}"),
    }
}

/// Whether a bare word reads back as itself rather than an operator or
/// prefix.
fn bare_word_is_safe(text: &str) -> bool {
    !matches!(text, "AND" | "OR" | "NOT") && !text.starts_with(['-', '+']) && !text.contains(':')
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    /// Friday 2024-03-15 12:34:56 UTC.
    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 3, 15, 12, 34, 56)
            .single()
            .expect("valid fixed date")
    }

    fn ok(input: &str) -> Query {
        match parse(input, now()) {
            Ok(q) => q,
            Err(e) => panic!("{input:?} should parse:\n{}", e.render(input)),
        }
    }

    fn err(input: &str) -> QueryError {
        match parse(input, now()) {
            Ok(q) => panic!("{input:?} should fail, got {q:?}"),
            Err(e) => e,
        }
    }

    /// The canonical form, which makes structure easy to assert on.
    fn show(input: &str) -> String {
        ok(input).to_string()
    }

    /// Asserts the error's span covers exactly `bad` at its first
    /// occurrence in `input` and its message contains `words`.
    fn assert_err(input: &str, bad: &str, words: &str) {
        let e = err(input);
        let start = input.find(bad).expect("bad part is in the input");
        assert_eq!(
            e.span,
            start..start + bad.len(),
            "span for {input:?}:\n{}",
            e.render(input)
        );
        assert!(
            e.message.contains(words),
            "message for {input:?} is {:?}",
            e.message
        );
    }

    fn word(field: Field, text: &str, span: Range<usize>) -> Query {
        Query::Term {
            field,
            value: Value::Word {
                text: text.to_string(),
                prefix: false,
            },
            span,
        }
    }

    fn ts(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> i64 {
        Utc.with_ymd_and_hms(y, m, d, h, min, s)
            .single()
            .expect("valid test date")
            .timestamp()
    }

    fn day(y: i32, m: u32, d: u32) -> i64 {
        ts(y, m, d, 0, 0, 0)
    }

    fn dates(input: &str) -> (Option<i64>, Option<i64>) {
        match ok(input) {
            Query::Term {
                field: Field::Date,
                value: Value::DateRange { from, to },
                ..
            } => (from, to),
            other => panic!("{input:?} is not a date term: {other:?}"),
        }
    }

    fn without_spans(q: Query) -> Query {
        match q {
            Query::All => Query::All,
            Query::And(v) => Query::And(v.into_iter().map(without_spans).collect()),
            Query::Or(v) => Query::Or(v.into_iter().map(without_spans).collect()),
            Query::Not(q) => Query::Not(Box::new(without_spans(*q))),
            Query::Term { field, value, .. } => Query::Term {
                field,
                value,
                span: 0..0,
            },
        }
    }

    fn spans(q: &Query, out: &mut Vec<Range<usize>>) {
        match q {
            Query::All => {}
            Query::And(v) | Query::Or(v) => v.iter().for_each(|q| spans(q, out)),
            Query::Not(q) => spans(q, out),
            Query::Term { span, .. } => out.push(span.clone()),
        }
    }

    fn valid_span(input: &str, span: &Range<usize>) -> bool {
        span.start <= span.end
            && span.end <= input.len()
            && input.is_char_boundary(span.start)
            && input.is_char_boundary(span.end)
    }

    // -- terms ---------------------------------------------------------------

    #[test]
    fn empty_query_is_all() {
        assert_eq!(ok(""), Query::All);
        assert_eq!(ok("  \t\n "), Query::All);
    }

    #[test]
    fn bare_word_searches_subject_and_body() {
        assert_eq!(
            ok("regression"),
            word(Field::BodySubject, "regression", 0..10)
        );
    }

    #[test]
    fn every_prefix_maps_to_its_field() {
        let table = [
            ("s", Field::Subject),
            ("f", Field::From),
            ("t", Field::To),
            ("c", Field::Cc),
            ("tc", Field::ToCc),
            ("a", Field::Addr),
            ("tcf", Field::Addr),
            ("b", Field::Body),
            ("bs", Field::BodySubject),
            ("m", Field::MessageId),
            ("mid", Field::MessageId),
            ("l", Field::List),
            ("lid", Field::List),
            ("dfn", Field::Dfn),
            ("dfa", Field::Dfa),
            ("dfb", Field::Dfb),
            ("dfhh", Field::Dfhh),
            ("patchid", Field::PatchId),
            ("is", Field::Is),
            ("rule", Field::Is),
            ("check", Field::Check),
        ];
        for (prefix, field) in table {
            let input = format!("{prefix}:value");
            assert_eq!(ok(&input), word(field, "value", 0..input.len()), "{input}");
        }
        for prefix in ["d", "dt", "rt"] {
            assert_eq!(
                dates(&format!("{prefix}:2024-01-01")),
                (Some(day(2024, 1, 1)), Some(day(2024, 1, 2)))
            );
        }
    }

    #[test]
    fn field_prefix_names_round_trip() {
        let all = [
            Field::Subject,
            Field::From,
            Field::To,
            Field::Cc,
            Field::ToCc,
            Field::Addr,
            Field::Body,
            Field::BodySubject,
            Field::Date,
            Field::MessageId,
            Field::List,
            Field::Dfn,
            Field::Dfa,
            Field::Dfb,
            Field::Dfhh,
            Field::PatchId,
            Field::Is,
            Field::Check,
        ];
        for field in all {
            assert_eq!(Field::from_prefix(field.prefix()), Some(field));
        }
    }

    #[test]
    fn phrases_bare_and_prefixed() {
        assert_eq!(
            ok(r#""use after free""#),
            Query::Term {
                field: Field::BodySubject,
                value: Value::Phrase("use after free".into()),
                span: 0..16,
            }
        );
        assert_eq!(
            ok(r#"s:"foo bar""#),
            Query::Term {
                field: Field::Subject,
                value: Value::Phrase("foo bar".into()),
                span: 0..11,
            }
        );
        // Copy-pasted curly quotes work the same way.
        assert_eq!(show("s:\u{201c}foo bar\u{201d}"), r#"s:"foo bar""#);
    }

    #[test]
    fn values_keep_their_text() {
        assert_eq!(
            ok("dfn:drivers/pwm/"),
            word(Field::Dfn, "drivers/pwm/", 0..16)
        );
        assert_eq!(
            ok("f:Jane.Doe@Example.COM"),
            word(Field::From, "Jane.Doe@Example.COM", 0..22)
        );
        assert_eq!(ok("s:net:"), word(Field::Subject, "net:", 0..6));
        assert_eq!(
            ok("b:a:b@c/d.e-f_g<h>"),
            word(Field::Body, "a:b@c/d.e-f_g<h>", 0..18)
        );
        // After a prefix the value is literal, even an operator or a sign.
        assert_eq!(ok("s:AND"), word(Field::Subject, "AND", 0..5));
        assert_eq!(ok("s:-rc1"), word(Field::Subject, "-rc1", 0..6));
    }

    #[test]
    fn message_ids_lose_their_angle_brackets() {
        let want = word(Field::MessageId, "20240101.abc@kernel.org", 0..25);
        assert_eq!(ok("m:20240101.abc@kernel.org"), want);
        let want = word(Field::MessageId, "20240101.abc@kernel.org", 0..27);
        assert_eq!(ok("m:<20240101.abc@kernel.org>"), want);
        assert_eq!(show(r#"m:"<a b@c>""#), r#"m:"<a b@c>""#);
    }

    #[test]
    fn trailing_star_is_a_prefix_wildcard() {
        let q = ok("s:regress*");
        assert_eq!(
            q,
            Query::Term {
                field: Field::Subject,
                value: Value::Word {
                    text: "regress".into(),
                    prefix: true
                },
                span: 0..10,
            }
        );
        assert_eq!(show("dfn:drivers/net/*"), "dfn:drivers/net/*");
        assert_eq!(show("foo*"), "foo*");
        // A star inside a word is just text.
        assert_eq!(ok("a*b"), word(Field::BodySubject, "a*b", 0..3));
    }

    #[test]
    fn colons_in_bare_words() {
        // Not letters-only before the colon: ordinary words.
        assert_eq!(ok("12:30"), word(Field::BodySubject, "12:30", 0..5));
        assert_eq!(
            ok("Reviewed-by:"),
            word(Field::BodySubject, "Reviewed-by:", 0..12)
        );
        assert_eq!(ok("x86:"), word(Field::BodySubject, "x86:", 0..4));
        // URLs are words too.
        let url = "https://lore.kernel.org/all/x@y/";
        assert_eq!(ok(url), word(Field::BodySubject, url, 0..url.len()));
        // Quoting is the way to search for anything else literally.
        assert_eq!(show(r#""Fixes:""#), r#""Fixes:""#);
    }

    #[test]
    fn spans_cover_prefix_and_quotes_on_multibyte_input() {
        let input = "ünï s:\"日本 語\" -f:José";
        let q = ok(input);
        let mut got = Vec::new();
        spans(&q, &mut got);
        let texts: Vec<&str> = got.iter().map(|s| &input[s.clone()]).collect();
        assert_eq!(texts, ["ünï", "s:\"日本 語\"", "f:José"]);
    }

    // -- operators -----------------------------------------------------------

    #[test]
    fn adjacent_terms_are_anded() {
        assert_eq!(
            ok("s:pwm f:alice"),
            Query::And(vec![
                word(Field::Subject, "pwm", 0..5),
                word(Field::From, "alice", 6..13),
            ])
        );
        assert_eq!(show("a AND b c"), "a AND b AND c");
    }

    #[test]
    fn or_not_and_signs() {
        assert_eq!(show("a OR b"), "a OR b");
        assert_eq!(show("a OR b OR c"), "a OR b OR c");
        assert_eq!(show("NOT a"), "NOT a");
        assert_eq!(show("a NOT b"), "a AND NOT b");
        assert_eq!(show("a AND NOT b"), "a AND NOT b");
        assert_eq!(show("a -b"), "a AND NOT b");
        assert_eq!(show("+a -s:RFC"), "a AND NOT s:RFC");
        assert_eq!(show("-(a OR b)"), "NOT (a OR b)");
        assert_eq!(show(r#"-"x y""#), r#"NOT "x y""#);
        assert_eq!(show("NOT NOT a"), "NOT NOT a");
        // Only one sign: the second `-` belongs to the word.
        assert_eq!(show("--a"), "NOT bs:-a");
        // A dash inside a word is not an operator.
        assert_eq!(ok("net-next"), word(Field::BodySubject, "net-next", 0..8));
    }

    #[test]
    fn lowercase_operators_are_words() {
        assert_eq!(
            show("this and that or not"),
            "this AND and AND that AND or AND not"
        );
        // So are operators glued to other text.
        assert_eq!(show("ANDROID ORACLE"), "ANDROID AND ORACLE");
    }

    #[test]
    fn precedence_is_not_then_and_then_or() {
        assert_eq!(show("a OR b c"), "a OR (b AND c)");
        assert_eq!(show("a b OR c"), "(a AND b) OR c");
        assert_eq!(show("a OR b AND c"), "a OR (b AND c)");
        assert_eq!(show("NOT a b"), "NOT a AND b");
        assert_eq!(show("NOT a OR b"), "NOT a OR b");
        assert_eq!(show("a OR NOT b AND c"), "a OR (NOT b AND c)");
        assert_eq!(show("(a OR b) c"), "(a OR b) AND c");
        assert_eq!(show("a (b OR (c d))"), "a AND (b OR (c AND d))");
        assert_eq!(show("((a))"), "a");
    }

    #[test]
    fn prefix_applies_to_a_group() {
        assert_eq!(
            ok("s:(foo OR bar)"),
            Query::Or(vec![
                word(Field::Subject, "foo", 3..6),
                word(Field::Subject, "bar", 10..13),
            ])
        );
        // Inner prefixes win; phrases and nesting inherit the group's field.
        assert_eq!(
            show(r#"s:(a f:b ("c d" OR -e))"#),
            r#"s:a AND f:b AND (s:"c d" OR NOT s:e)"#
        );
        assert_eq!(
            dates("d:(2024-01-01)"),
            (Some(day(2024, 1, 1)), Some(day(2024, 1, 2)))
        );
    }

    #[test]
    fn operators_after_groups_and_phrases_without_spaces() {
        assert_eq!(show("(a)-b"), "a AND NOT b");
        assert_eq!(show(r#""a"b"#), r#""a" AND b"#);
        assert_eq!(show("NOT(a)"), "NOT a");
    }

    // -- dates ---------------------------------------------------------------

    #[test]
    fn absolute_date_ranges() {
        assert_eq!(
            dates("d:2024-01-01..2024-02-01"),
            (Some(day(2024, 1, 1)), Some(day(2024, 2, 2)))
        );
        assert_eq!(dates("d:2024-01-01.."), (Some(day(2024, 1, 1)), None));
        // The end day is included, as in lei.
        assert_eq!(dates("d:..2024-02-01"), (None, Some(day(2024, 2, 2))));
        assert_eq!(
            dates("d:20240101..20240131"),
            (Some(day(2024, 1, 1)), Some(day(2024, 2, 1)))
        );
    }

    #[test]
    fn single_dates_cover_what_they_name() {
        assert_eq!(
            dates("d:2024-01-01"),
            (Some(day(2024, 1, 1)), Some(day(2024, 1, 2)))
        );
        assert_eq!(
            dates("d:20240229"),
            (Some(day(2024, 2, 29)), Some(day(2024, 3, 1)))
        );
        assert_eq!(
            dates("d:2024-02"),
            (Some(day(2024, 2, 1)), Some(day(2024, 3, 1)))
        );
        assert_eq!(
            dates("d:2023"),
            (Some(day(2023, 1, 1)), Some(day(2024, 1, 1)))
        );
        assert_eq!(
            dates("d:2024-12"),
            (Some(day(2024, 12, 1)), Some(day(2025, 1, 1)))
        );
    }

    #[test]
    fn dates_with_times() {
        let ten = ts(2024, 1, 1, 10, 0, 0);
        assert_eq!(dates("d:2024-01-01T10:00"), (Some(ten), Some(ten + 60)));
        assert_eq!(
            dates(r#"d:"2024-01-01 10:00""#),
            (Some(ten), Some(ten + 60))
        );
        assert_eq!(dates("d:2024-01-01T10:00:00Z"), (Some(ten), Some(ten + 1)));
        assert_eq!(dates("d:202401011000"), (Some(ten), Some(ten + 60)));
        assert_eq!(dates("d:20240101100000"), (Some(ten), Some(ten + 1)));
        assert_eq!(dates("d:@1704103200"), (Some(ten), Some(ten + 1)));
        assert_eq!(
            dates(r#"d:"2024-01-01 10:00..2024-01-01 11:30""#),
            (Some(ten), Some(ts(2024, 1, 1, 11, 31, 0)))
        );
    }

    #[test]
    fn relative_dates() {
        let n = now().timestamp();
        let today = day(2024, 3, 15);
        assert_eq!(dates("d:2.weeks.ago.."), (Some(day(2024, 3, 1)), None));
        assert_eq!(dates("d:2.week.."), (Some(day(2024, 3, 1)), None));
        assert_eq!(dates("d:last.week.."), (Some(day(2024, 3, 8)), None));
        assert_eq!(
            dates("d:3.days.ago..1.day.ago"),
            (Some(day(2024, 3, 12)), Some(day(2024, 3, 15)))
        );
        assert_eq!(dates("d:..yesterday"), (None, Some(today)));
        assert_eq!(dates("d:yesterday"), (Some(today - 86400), Some(today)));
        assert_eq!(dates("d:today.."), (Some(today), None));
        assert_eq!(dates("d:today"), (Some(today), Some(today + 86400)));
        assert_eq!(dates("d:..now"), (None, Some(n + 1)));
        assert_eq!(dates("d:NOW.."), (Some(n), None));
        assert_eq!(dates("d:90.seconds.ago.."), (Some(n - 90), None));
        assert_eq!(dates("d:1.minute.ago.."), (Some(n - 60), None));
        assert_eq!(dates("d:2.hours.ago.."), (Some(n - 7200), None));
        assert_eq!(dates("d:1.month.ago.."), (Some(day(2024, 2, 15)), None));
        assert_eq!(dates("d:2.years.ago.."), (Some(day(2022, 3, 15)), None));
        assert_eq!(dates(r#"d:"2 weeks ago..""#), (Some(day(2024, 3, 1)), None));
    }

    #[test]
    fn month_arithmetic_clamps_to_the_end_of_the_month() {
        let end_of_march = Utc
            .with_ymd_and_hms(2024, 3, 31, 8, 0, 0)
            .single()
            .expect("valid date");
        let q = parse("d:1.month.ago..", end_of_march).expect("parses");
        assert_eq!(
            q,
            Query::Term {
                field: Field::Date,
                value: Value::DateRange {
                    from: Some(day(2024, 2, 29)),
                    to: None
                },
                span: 0..15,
            }
        );
    }

    #[test]
    fn date_display_reads_back_the_same() {
        for input in [
            "d:2024-01-01..2024-02-01",
            "d:2.weeks.ago..",
            "d:..yesterday",
            "d:2024-01-01T10:00",
        ] {
            let q = ok(input);
            assert_eq!(
                without_spans(ok(&q.to_string())),
                without_spans(q),
                "{input}"
            );
        }
        assert_eq!(
            show("d:2024-01-01..2024-02-01"),
            "d:2024-01-01T00:00:00Z..2024-02-01T23:59:59Z"
        );
    }

    // -- errors --------------------------------------------------------------

    #[test]
    fn unbalanced_parentheses() {
        assert_err("a (b OR c", "(", "never closed");
        assert_err("(a (b)", "(", "never closed");
        assert_err("a b)", ")", "no matching `(`");
        assert_err(") a", ")", "no matching `(`");
        assert_err("s:(a", "(", "never closed");
        assert_err("a () b", "()", "empty parentheses");
    }

    #[test]
    fn unterminated_quotes() {
        assert_err(r#"a "b c"#, "\"", "never closed");
        assert_err(r#"s:"b c"#, "\"", "never closed");
        // Left to right: the earlier problem is the one reported.
        assert_err(r#"a AND "b"#, "\"", "never closed");
    }

    #[test]
    fn dangling_operators() {
        assert_err("foo AND", "AND", "needs a term after it");
        assert_err("foo OR", "OR", "needs a term after it");
        assert_err("foo NOT", "NOT", "needs a term after it");
        assert_err("foo AND NOT", "NOT", "needs a term after it");
        assert_err("(foo OR) bar", "OR", "needs a term after it");
        assert_err("a AND OR b", "AND", "needs a term after it");
        assert_err("AND foo", "AND", "needs a term before it");
        assert_err("OR foo", "OR", "needs a term before it");
        assert_err("(OR foo)", "OR", "needs a term before it");
        assert_err("a - b", "-", "needs a term right after it");
        assert_err("a +", "+", "needs a term right after it");
        assert_err("(a -)", "-", "needs a term right after it");
    }

    #[test]
    fn empty_values() {
        assert_err("s:", "s:", "needs a value");
        assert_err("s: foo", "s:", "needs a value");
        assert_err("(s:)", "s:", "needs a value");
        assert_err("a dfn:", "dfn:", "needs a value");
        assert_err(r#"s:"""#, r#"s:"""#, "nothing between the quotes");
        assert_err(r#"a "  ""#, r#""  ""#, "nothing between the quotes");
        assert_err("s:*", "s:*", "needs some text before it");
        assert_err("m:<>", "m:<>", "empty message-id");
    }

    #[test]
    fn unknown_and_unsupported_prefixes() {
        assert_err("a sj:foo", "sj:", "unknown prefix `sj:`");
        assert_err("Fixes: abc", "Fixes:", "quote it: \"Fixes:\"");
        assert_err("S:foo", "S:", "did you mean `s:`?");
        assert_err("DFN:x", "DFN:", "did you mean `dfn:`?");
        assert_err("n:patch.diff", "n:", "does not support the `n:` prefix");
        assert_err("dfctx:foo", "dfctx:", "does not support");
        // Also where a group or a sign would otherwise accept it.
        assert_err("s:(a xx:b)", "xx:", "unknown prefix");
        assert_err("-xx:b", "xx:", "unknown prefix");
    }

    #[test]
    fn bad_dates_point_at_the_date() {
        assert_err(
            "d:2024-13-01",
            "2024-13-01",
            "cannot read `2024-13-01` as a date",
        );
        assert_err("d:2024-02-30", "2024-02-30", "as a date");
        assert_err("d:tomorrow", "tomorrow", "as a date");
        assert_err("d:2024-01-01..garbage", "garbage", "as a date");
        assert_err("d:garbage..2024-01-01", "garbage", "as a date");
        assert_err("d:2024*", "2024*", "as a date");
        assert_err("d:2024-01-01T25:00", "2024-01-01T25:00", "as a date");
        assert_err(
            "d:2.fortnights.ago..",
            "2.fortnights.ago",
            "unknown time unit",
        );
        assert_err("d:..", "..", "at least one side");
        assert_err(r#"d:"  ""#, "  ", "empty date");
        assert_err(
            "d:2024-02-01..2024-01-01",
            "2024-02-01..2024-01-01",
            "ends before it starts",
        );
        assert_err(
            "d:99999999999.years.ago..",
            "99999999999.years.ago",
            "out of range",
        );
        assert_err("d:4000000.years.ago..", "4000000.years.ago", "out of range");
        assert_err(
            r#"d:" 2024-01-01 .. nope ""#,
            "nope",
            "cannot read `nope` as a date",
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("{}a{}", "(".repeat(100_000), ")".repeat(100_000));
        assert!(err(&deep).message.contains("nested"));
        let nots = format!("{}a", "NOT ".repeat(100_000));
        assert!(err(&nots).message.contains("nested"));
        let fine = format!("{}a{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert_eq!(show(&fine), "a");
    }

    #[test]
    fn render_puts_carets_under_the_bad_part() {
        let input = "s:pwm AND";
        assert_eq!(
            err(input).render(input),
            "s:pwm AND\n      ^^^ `AND` needs a term after it"
        );
        // Wide characters take two columns.
        let input = "日本 s:";
        assert_eq!(
            err(input).render(input),
            "日本 s:\n     ^^ `s:` needs a value right after it, e.g. s:word or s:\"some words\""
        );
        // Control characters never reach the terminal, and keep alignment.
        let input = "a\tb\u{1b}[31m (";
        let rendered = err(input).render(input);
        assert_eq!(rendered, "a b [31m (\n         ^ this `(` is never closed");
    }

    #[test]
    fn render_survives_any_span() {
        let e = QueryError {
            message: "m".into(),
            span: 3..100,
        };
        assert_eq!(e.render("é"), "é\n ^ m");
        assert_eq!(e.to_string(), "m");
    }

    // -- properties ----------------------------------------------------------

    fn check_no_panic(input: &str) {
        match parse(input, now()) {
            Ok(q) => {
                let mut got = Vec::new();
                spans(&q, &mut got);
                for span in got {
                    assert!(valid_span(input, &span), "{span:?} in {input:?}");
                }
                let _ = q.to_string();
            }
            Err(e) => {
                assert!(valid_span(input, &e.span), "{:?} in {input:?}", e.span);
                let _ = e.render(input);
            }
        }
    }

    /// Pieces that reach every branch of the grammar when strung together.
    fn soup() -> impl Strategy<Value = String> {
        let piece = prop::sample::select(vec![
            "a",
            "Ünï",
            "日本",
            "s:",
            "f:",
            "m:",
            "d:",
            "dfn:",
            "xx:",
            "S:",
            "(",
            ")",
            "\"",
            "\u{201c}",
            "AND",
            "OR",
            "NOT",
            "-",
            "+",
            "*",
            "..",
            ":",
            " ",
            " ",
            "2024-01-01",
            "20240101",
            "2.weeks.ago",
            "yesterday",
            "now",
            "@0",
            "<",
            ">",
            "\t",
            "\u{0}",
            "https://x",
            "12:30",
        ]);
        prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
    }

    /// Pieces that always form a valid query when joined by spaces.
    fn valid() -> impl Strategy<Value = String> {
        let piece = prop::sample::select(vec![
            "a",
            "b*",
            "Ünï",
            "s:x",
            "s:AND",
            "f:a@b.c",
            "m:<x@y>",
            "dfn:drivers/pwm/",
            "\"p q\"",
            "s:\"p q\"",
            "d:2024-01-01..",
            "d:..yesterday",
            "d:2.weeks.ago..2024-03-14",
            "+a",
            "-b",
            "--c",
            "-s:(x OR y)",
            "NOT a",
            "AND a",
            "OR b",
            "(c OR d e)",
            "s:(u NOT v)",
        ]);
        prop::collection::vec(piece, 1..10).prop_map(|v| v.join(" "))
    }

    proptest! {
        #[test]
        fn arbitrary_strings_never_panic(input in "\\PC*") {
            check_no_panic(&input);
        }

        #[test]
        fn arbitrary_unicode_never_panics(input in any::<String>()) {
            check_no_panic(&input);
        }

        #[test]
        fn token_soup_never_panics(input in soup()) {
            check_no_panic(&input);
        }

        #[test]
        fn display_parses_back_to_the_same_query(input in valid()) {
            // A leading AND/OR is rightly an error; everything else parses.
            prop_assume!(!input.starts_with("AND") && !input.starts_with("OR"));
            let q = without_spans(ok(&input));
            let again = without_spans(ok(&q.to_string()));
            prop_assert_eq!(again, q);
        }
    }
}
