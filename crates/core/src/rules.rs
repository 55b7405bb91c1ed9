//! Rules: named tests of a series revision, written as data in the config
//! (`[[rule]]`), so the machine does the boring triage: "ready when two
//! maintainers reviewed it, nobody objected and it sat for a week", "hide
//! until the CI bot tested it", "needs attention: a new revision since I
//! reviewed". A rule's outcome is shown beside the series and usable in
//! queries (`is:ready`); a rule with `hide = true` keeps matching series out
//! of the list until they stop matching.
//!
//! # Syntax
//!
//! A rule's `when` is an expression over the revision, with `AND`, `OR`,
//! `NOT` (any case) and parentheses; terms next to each other are ANDed.
//!
//! **Counts of people.** `KINDS [from PEOPLE] [on earlier] [each] [CMP N]`
//! counts the distinct people who gave one of the trailer KINDS on this
//! revision (collected from replies, sent in the patches, or carried from an
//! earlier revision of an unchanged patch); without `CMP N` it means `>= 1`.
//!
//! - KINDS: `reviewed-by`, `acked-by`, `tested-by`, `nacked-by` (also `nak`),
//!   `reported-by`, `suggested-by`, `co-developed-by`, `review` (Reviewed-by
//!   or Acked-by) and `reply` (anyone who sent a follow-up), joined with `|`:
//!   `reviewed-by|acked-by`.
//! - PEOPLE, joined with `,`: `maintainers` (the `M:` people of the
//!   MAINTAINERS sections covering the files the revision touches; needs
//!   `[workflow] maintainers`), `reviewers` (`M:` and `R:` people of those
//!   sections), `me` (`[identity]` email and alternates), `author`, or an
//!   address where `*` matches anything (`*@ci.example.org`, quoted if you
//!   like).
//! - `on earlier`: on any earlier revision of the series instead of this one.
//! - `each`: the count must hold on every patch (a trailer sent for the
//!   cover letter counts on each).
//!
//! **Facts.** `age CMP D` (since the revision was posted), `quiet CMP D`
//! (since its last message, replies included) with D like `30m`, `12h`,
//! `7d`, `2w`; `version`, `patches` (received), `total`, `followups` `CMP N`;
//! `complete`, `rfc`, `resend`, `superseded`, `pull`; `state = NAME` (the
//! triage state); `check = STATUS` (any check) or `check.NAME = STATUS`;
//! `rule NAME` (a rule defined above this one). CMP is one of `>=`, `>`,
//! `<=`, `<`, `=`, `!=`; `state:NAME` and `check:STATUS` work too.
//!
//! ```toml
//! [[rule]]
//! name = "ready"
//! when = "review from maintainers >= 2 AND NOT nak AND age >= 7d"
//!
//! [[rule]]
//! name = "untested"
//! when = "NOT tested-by from *@ci.example.org"
//! hide = true
//!
//! [[rule]]
//! name = "attention"
//! when = "review|reply from me on earlier AND NOT review|reply from me"
//! ```

use std::cell::OnceCell;
use std::collections::HashSet;
use std::ops::Range;
use std::sync::Arc;

use crate::maintainers::Maintainers;
use crate::query::QueryError;
use crate::series::{Revision, Series};
use crate::trailers::{Trailer, TrailerKind};
use crate::triage::CheckStatus;
use crate::triage::TriageState;

/// One rule, parsed.
#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    /// Series matching it stay out of lists unless asked for (`is:NAME`).
    pub hide: bool,
    /// The `when` text as written.
    pub when: String,
    expr: Expr,
}

/// Every configured rule, in config order (a rule may use those above it).
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
    maintainers: Option<Arc<Maintainers>>,
}

/// What a rule asks about and the config does not say (a rule using `me`
/// without an `[identity]`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Needs {
    pub me: bool,
    pub maintainers: bool,
}

/// A rule's `when` that does not parse: the message and the byte range of
/// the text at fault.
pub type RuleError = QueryError;

impl Rule {
    /// Parses one rule; `earlier` are the names of the rules above it.
    pub fn parse(name: &str, when: &str, hide: bool, earlier: &[&str]) -> Result<Rule, RuleError> {
        let expr = Parser::new(when, earlier).parse()?;
        Ok(Rule {
            name: name.to_string(),
            hide,
            when: when.to_string(),
            expr,
        })
    }

    /// What the rule needs from the config.
    pub fn needs(&self) -> Needs {
        let mut n = Needs::default();
        self.expr.needs(&mut n);
        n
    }
}

impl RuleSet {
    pub fn new(rules: Vec<Rule>, maintainers: Option<Arc<Maintainers>>) -> RuleSet {
        RuleSet { rules, maintainers }
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The rule called `name`.
    pub fn get(&self, name: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.name == name)
    }

    /// Whether any rule needs the files a revision touches (MAINTAINERS).
    pub fn needs_files(&self) -> bool {
        self.maintainers.is_some() && self.rules.iter().any(|r| r.needs().maintainers)
    }

    /// Every rule's outcome for `facts`' revision, in rule order.
    pub fn evaluate(&self, facts: &Facts) -> Vec<bool> {
        let mut out = Vec::with_capacity(self.rules.len());
        for r in &self.rules {
            let v = r.expr.eval(facts, self.maintainers.as_deref(), &out);
            out.push(v);
        }
        out
    }

    /// The names of the rules that match, in rule order.
    pub fn matching(&self, facts: &Facts) -> Vec<String> {
        self.evaluate(facts)
            .into_iter()
            .zip(&self.rules)
            .filter(|(v, _)| *v)
            .map(|(_, r)| r.name.clone())
            .collect()
    }
}

/// What rules look at for one revision. Everything but the revision has a
/// neutral default, so callers fill in what they have.
pub struct Facts<'a> {
    pub series: &'a Series,
    pub revision: &'a Revision,
    /// Unix seconds.
    pub now: i64,
    /// The user's addresses, lower-cased.
    pub me: &'a [String],
    pub state: TriageState,
    /// Each configured check's latest status for this revision.
    pub checks: &'a [(String, CheckStatus)],
    /// Files the revision touches, loaded when a rule first asks.
    pub files: &'a dyn Fn(&Revision) -> Vec<String>,
    files_cache: OnceCell<Vec<String>>,
    people_cache: OnceCell<(HashSet<String>, HashSet<String>)>,
}

impl<'a> Facts<'a> {
    pub fn new(series: &'a Series, revision: &'a Revision, now: i64) -> Facts<'a> {
        Facts {
            series,
            revision,
            now,
            me: &[],
            state: TriageState::New,
            checks: &[],
            files: &no_files,
            files_cache: OnceCell::new(),
            people_cache: OnceCell::new(),
        }
    }

    fn files(&self) -> &[String] {
        self.files_cache.get_or_init(|| (self.files)(self.revision))
    }

    /// (maintainers, reviewers) of the files touched.
    fn people(&self, m: &Maintainers) -> &(HashSet<String>, HashSet<String>) {
        self.people_cache.get_or_init(|| m.people(self.files()))
    }
}

fn no_files(_: &Revision) -> Vec<String> {
    Vec::new()
}

// ---------------------------------------------------------------------------
// The expression tree

#[derive(Debug, Clone)]
enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Count(Count),
    Fact(Fact),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Ge,
    Gt,
    Le,
    Lt,
    Eq,
    Ne,
}

impl Cmp {
    fn holds(self, a: i64, b: i64) -> bool {
        match self {
            Cmp::Ge => a >= b,
            Cmp::Gt => a > b,
            Cmp::Le => a <= b,
            Cmp::Lt => a < b,
            Cmp::Eq => a == b,
            Cmp::Ne => a != b,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Trailer(TrailerKind),
    Reply,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Who {
    Maintainers,
    Reviewers,
    Me,
    Author,
    Pattern(String),
}

#[derive(Debug, Clone)]
struct Count {
    kinds: Vec<Kind>,
    people: Vec<Who>,
    earlier: bool,
    each: bool,
    cmp: Cmp,
    n: i64,
}

#[derive(Debug, Clone)]
enum Fact {
    Age(Cmp, i64),
    Quiet(Cmp, i64),
    Version(Cmp, i64),
    Patches(Cmp, i64),
    Total(Cmp, i64),
    Followups(Cmp, i64),
    Complete,
    Rfc,
    Resend,
    Superseded,
    Pull,
    State(bool, TriageState),
    Check {
        name: Option<String>,
        eq: bool,
        status: CheckStatus,
    },
    /// Index of an earlier rule.
    Rule(usize),
}

impl Expr {
    fn needs(&self, n: &mut Needs) {
        match self {
            Expr::And(v) | Expr::Or(v) => v.iter().for_each(|e| e.needs(n)),
            Expr::Not(e) => e.needs(n),
            Expr::Count(c) => {
                for w in &c.people {
                    match w {
                        Who::Me => n.me = true,
                        Who::Maintainers | Who::Reviewers => n.maintainers = true,
                        _ => {}
                    }
                }
            }
            Expr::Fact(_) => {}
        }
    }

    fn eval(&self, f: &Facts, m: Option<&Maintainers>, earlier: &[bool]) -> bool {
        match self {
            Expr::And(v) => v.iter().all(|e| e.eval(f, m, earlier)),
            Expr::Or(v) => v.iter().any(|e| e.eval(f, m, earlier)),
            Expr::Not(e) => !e.eval(f, m, earlier),
            Expr::Count(c) => c.eval(f, m),
            Expr::Fact(fact) => fact.eval(f, earlier),
        }
    }
}

impl Fact {
    fn eval(&self, f: &Facts, earlier: &[bool]) -> bool {
        let r = f.revision;
        match self {
            Fact::Age(c, d) => c.holds(f.now - r.date, *d),
            Fact::Quiet(c, d) => c.holds(f.now - r.last_activity(), *d),
            Fact::Version(c, n) => c.holds(i64::from(r.version), *n),
            Fact::Patches(c, n) => c.holds(i64::from(r.received()), *n),
            Fact::Total(c, n) => c.holds(i64::from(r.total), *n),
            Fact::Followups(c, n) => c.holds(r.followups as i64, *n),
            Fact::Complete => r.complete(),
            Fact::Rfc => r.rfc,
            Fact::Resend => r.resend,
            Fact::Superseded => r.superseded,
            Fact::Pull => r.pull.is_some(),
            Fact::State(eq, s) => (f.state == *s) == *eq,
            Fact::Check { name, eq, status } => {
                let any = f
                    .checks
                    .iter()
                    .filter(|(n, _)| {
                        name.as_ref()
                            .is_none_or(|want| want.eq_ignore_ascii_case(n))
                    })
                    .any(|(_, s)| s == status);
                any == *eq
            }
            Fact::Rule(i) => earlier.get(*i).copied().unwrap_or(false),
        }
    }
}

/// Who counts for a trailer or reply: its address, else its text.
fn identity(t: &Trailer) -> String {
    t.person
        .as_ref()
        .map(|p| p.addr.to_ascii_lowercase())
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| t.value.trim().to_ascii_lowercase())
}

impl Count {
    fn wants(&self, kind: TrailerKind) -> bool {
        self.kinds.contains(&Kind::Trailer(kind))
    }

    fn eval(&self, f: &Facts, m: Option<&Maintainers>) -> bool {
        let accept = |who: &str| self.accepts(who, f, m);
        if self.each {
            let r = f.revision;
            if r.patches.is_empty() {
                return false;
            }
            return r.patches.iter().all(|p| {
                let mut people = HashSet::new();
                let trailers = p
                    .own_trailers
                    .iter()
                    .chain(p.trailers.iter().map(|t| &t.trailer));
                for t in trailers {
                    if self.wants(t.kind) {
                        people.insert(identity(t));
                    }
                }
                if self.kinds.contains(&Kind::Reply) {
                    for rep in &r.replies {
                        if rep.slot == p.counter || rep.slot == 0 {
                            people.insert(rep.from_addr.clone());
                        }
                    }
                }
                people.retain(|w| accept(w));
                self.cmp.holds(people.len() as i64, self.n)
            });
        }
        let revisions: Vec<&Revision> = if self.earlier {
            let here = f
                .series
                .revisions
                .iter()
                .position(|x| x.root_message_id() == f.revision.root_message_id());
            match here {
                Some(i) => f.series.revisions[..i].iter().collect(),
                None => Vec::new(),
            }
        } else {
            vec![f.revision]
        };
        let mut people = HashSet::new();
        for r in revisions {
            let own = r.patches.iter().flat_map(|p| p.own_trailers.iter());
            let collected = r
                .patches
                .iter()
                .flat_map(|p| p.trailers.iter())
                .chain(r.cover_trailers.iter())
                .map(|t| &t.trailer);
            for t in own.chain(collected) {
                if self.wants(t.kind) {
                    people.insert(identity(t));
                }
            }
            if self.kinds.contains(&Kind::Reply) {
                people.extend(r.replies.iter().map(|x| x.from_addr.clone()));
            }
        }
        people.retain(|w| accept(w));
        self.cmp.holds(people.len() as i64, self.n)
    }

    fn accepts(&self, who: &str, f: &Facts, m: Option<&Maintainers>) -> bool {
        if self.people.is_empty() {
            return true;
        }
        self.people.iter().any(|w| match w {
            Who::Me => f.me.iter().any(|a| a.eq_ignore_ascii_case(who)),
            Who::Author => f.revision.author_addr.eq_ignore_ascii_case(who),
            Who::Maintainers => m.is_some_and(|m| f.people(m).0.contains(who)),
            Who::Reviewers => m.is_some_and(|m| f.people(m).1.contains(who)),
            Who::Pattern(p) => glob(p, who),
        })
    }
}

/// `*` matches any run of characters; the rest compares without case.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = text.to_lowercase().chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// `90s`, `30m`, `12h`, `7d`, `2w` (or a plain number of seconds) in seconds.
pub fn parse_duration(s: &str) -> Option<i64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: i64 = num.parse().ok()?;
    let mult = match unit.trim() {
        "" | "s" | "sec" | "secs" | "second" | "seconds" => 1,
        "m" | "min" | "mins" | "minute" | "minutes" => 60,
        "h" | "hour" | "hours" => 3600,
        "d" | "day" | "days" => 86_400,
        "w" | "week" | "weeks" => 7 * 86_400,
        _ => return None,
    };
    n.checked_mul(mult)
}

// ---------------------------------------------------------------------------
// Lexer and parser

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    LParen,
    RParen,
    Bar,
    Comma,
    Cmp(Cmp),
    /// `:` after `state` or `check`, the same as `=`.
    Colon,
    Word(String),
    Quoted(String),
    Eof,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    span: Range<usize>,
}

fn lex(input: &str) -> Result<Vec<Token>, RuleError> {
    let mut out = Vec::new();
    let bytes = input.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = input[i..].chars().next().unwrap_or(' ');
        let start = i;
        if c.is_whitespace() {
            i += c.len_utf8();
            continue;
        }
        let two = input.get(i..i + 2).unwrap_or("");
        let (tok, len) = match (c, two) {
            (_, ">=") => (Tok::Cmp(Cmp::Ge), 2),
            (_, "<=") => (Tok::Cmp(Cmp::Le), 2),
            (_, "!=") => (Tok::Cmp(Cmp::Ne), 2),
            (_, "==") => (Tok::Cmp(Cmp::Eq), 2),
            ('>', _) => (Tok::Cmp(Cmp::Gt), 1),
            ('<', _) => (Tok::Cmp(Cmp::Lt), 1),
            ('=', _) => (Tok::Cmp(Cmp::Eq), 1),
            ('(', _) => (Tok::LParen, 1),
            (')', _) => (Tok::RParen, 1),
            ('|', _) => (Tok::Bar, 1),
            (',', _) => (Tok::Comma, 1),
            (':', _) => (Tok::Colon, 1),
            ('"', _) => {
                let Some(end) = input[i + 1..].find('"') else {
                    return Err(err(i..input.len(), "this quote is not closed"));
                };
                out.push(Token {
                    tok: Tok::Quoted(input[i + 1..i + 1 + end].to_string()),
                    span: i..i + end + 2,
                });
                i += end + 2;
                continue;
            }
            ('!', _) => return Err(err(i..i + 1, "`!` alone means nothing: use `NOT` or `!=`")),
            _ => {
                let end = input[i..]
                    .find(|c: char| c.is_whitespace() || "()|,<>=!\":".contains(c))
                    .map_or(input.len(), |e| i + e);
                out.push(Token {
                    tok: Tok::Word(input[i..end].to_string()),
                    span: i..end,
                });
                i = end;
                continue;
            }
        };
        out.push(Token {
            tok,
            span: start..start + len,
        });
        i += len;
    }
    out.push(Token {
        tok: Tok::Eof,
        span: input.len()..input.len(),
    });
    Ok(out)
}

fn err(span: Range<usize>, message: impl Into<String>) -> RuleError {
    QueryError {
        message: message.into(),
        span,
    }
}

const KINDS: &str = "reviewed-by, acked-by, tested-by, nacked-by (nak), reported-by, suggested-by, co-developed-by, review, reply";

fn kind(word: &str) -> Option<Vec<Kind>> {
    let k = match word.to_ascii_lowercase().as_str() {
        "review" | "reviews" => {
            return Some(vec![
                Kind::Trailer(TrailerKind::ReviewedBy),
                Kind::Trailer(TrailerKind::AckedBy),
            ]);
        }
        "reply" | "replies" => Kind::Reply,
        "reviewed-by" => Kind::Trailer(TrailerKind::ReviewedBy),
        "acked-by" => Kind::Trailer(TrailerKind::AckedBy),
        "tested-by" => Kind::Trailer(TrailerKind::TestedBy),
        "nacked-by" | "nak" | "nack" | "naked-by" => Kind::Trailer(TrailerKind::NackedBy),
        "reported-by" => Kind::Trailer(TrailerKind::ReportedBy),
        "suggested-by" => Kind::Trailer(TrailerKind::SuggestedBy),
        "co-developed-by" => Kind::Trailer(TrailerKind::CoDevelopedBy),
        _ => return None,
    };
    Some(vec![k])
}

struct Parser<'a> {
    toks: Vec<Token>,
    pos: usize,
    input: &'a str,
    earlier: &'a [&'a str],
    depth: usize,
}

impl<'a> Parser<'a> {
    fn new(input: &'a str, earlier: &'a [&'a str]) -> Parser<'a> {
        Parser {
            toks: Vec::new(),
            pos: 0,
            input,
            earlier,
            depth: 0,
        }
    }

    fn parse(mut self) -> Result<Expr, RuleError> {
        self.toks = lex(self.input)?;
        if self.peek().tok == Tok::Eof {
            return Err(err(0..self.input.len(), "the rule is empty"));
        }
        let e = self.or()?;
        let t = self.bump();
        match t.tok {
            Tok::Eof => Ok(e),
            Tok::RParen => Err(err(t.span, "`)` has no matching `(`")),
            _ => Err(err(t.span, "unexpected text")),
        }
    }

    fn peek(&self) -> &Token {
        &self.toks[self.pos.min(self.toks.len() - 1)]
    }

    fn bump(&mut self) -> Token {
        let t = self.peek().clone();
        if self.pos < self.toks.len() {
            self.pos += 1;
        }
        t
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(&self.peek().tok, Tok::Word(w) if w.eq_ignore_ascii_case(word))
    }

    fn or(&mut self) -> Result<Expr, RuleError> {
        let mut parts = vec![self.and()?];
        while self.keyword("or") {
            self.bump();
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Expr, RuleError> {
        let mut parts = vec![self.unary()?];
        loop {
            if self.keyword("and") {
                self.bump();
            } else if self.keyword("or") || matches!(self.peek().tok, Tok::Eof | Tok::RParen) {
                break;
            }
            parts.push(self.unary()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::And(parts)
        })
    }

    fn unary(&mut self) -> Result<Expr, RuleError> {
        if self.keyword("not") {
            self.bump();
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        let t = self.bump();
        match t.tok {
            Tok::LParen => {
                self.depth += 1;
                if self.depth > 32 {
                    return Err(err(t.span, "nested too deep"));
                }
                let e = self.or()?;
                self.depth -= 1;
                let close = self.bump();
                if close.tok != Tok::RParen {
                    return Err(err(t.span, "this `(` is not closed"));
                }
                Ok(e)
            }
            Tok::Word(w) => self.term(&w, t.span),
            Tok::Eof => Err(err(t.span, "a term is missing at the end")),
            _ => Err(err(t.span, "a term must come here")),
        }
    }

    fn term(&mut self, word: &str, span: Range<usize>) -> Result<Expr, RuleError> {
        let lower = word.to_ascii_lowercase();
        if let Some(kinds) = kind(&lower) {
            return self.count(kinds);
        }
        let fact = match lower.as_str() {
            "age" | "quiet" => {
                let (cmp, text, at) = self.compare(&span, "a time such as 7d")?;
                let secs = parse_duration(&text).ok_or_else(|| {
                    err(
                        at,
                        format!("`{text}` is not a time: write 30m, 12h, 7d or 2w"),
                    )
                })?;
                if lower == "age" {
                    Fact::Age(cmp, secs)
                } else {
                    Fact::Quiet(cmp, secs)
                }
            }
            "version" | "patches" | "total" | "followups" => {
                let (cmp, n) = self.number(&span)?;
                match lower.as_str() {
                    "version" => Fact::Version(cmp, n),
                    "patches" => Fact::Patches(cmp, n),
                    "total" => Fact::Total(cmp, n),
                    _ => Fact::Followups(cmp, n),
                }
            }
            "complete" => Fact::Complete,
            "rfc" => Fact::Rfc,
            "resend" => Fact::Resend,
            "superseded" => Fact::Superseded,
            "pull" => Fact::Pull,
            "state" => {
                let (cmp, text, at) = self.compare(&span, "a triage state")?;
                let state = TriageState::ALL
                    .into_iter()
                    .find(|s| s.name().eq_ignore_ascii_case(&text))
                    .ok_or_else(|| {
                        err(
                            at.clone(),
                            format!(
                                "unknown triage state `{text}`: use one of {}",
                                TriageState::ALL.map(|s| s.name()).join(", ")
                            ),
                        )
                    })?;
                Fact::State(self.eq_or_ne(cmp, at)?, state)
            }
            "rule" | "is" => {
                let t = self.bump();
                let name = match t.tok {
                    Tok::Word(w) | Tok::Quoted(w) => w,
                    _ => return Err(err(t.span, "a rule name must follow")),
                };
                let i = self
                    .earlier
                    .iter()
                    .position(|n| *n == name)
                    .ok_or_else(|| {
                        err(
                            t.span.clone(),
                            format!(
                                "no rule `{name}` above this one{}",
                                if self.earlier.is_empty() {
                                    String::new()
                                } else {
                                    format!(" (there is {})", self.earlier.join(", "))
                                }
                            ),
                        )
                    })?;
                Fact::Rule(i)
            }
            _ if lower == "check" || lower.starts_with("check.") => {
                let name = lower.strip_prefix("check.").map(str::to_string);
                if name.as_deref() == Some("") {
                    return Err(err(span, "a check's name must follow `check.`"));
                }
                let (cmp, text, at) = self.compare(&span, "a check status")?;
                let status = CheckStatus::parse(&text).map_err(|m| err(at.clone(), m))?;
                Fact::Check {
                    name,
                    eq: self.eq_or_ne(cmp, at)?,
                    status,
                }
            }
            _ => {
                return Err(err(
                    span,
                    format!(
                        "unknown term `{word}`: a trailer ({KINDS}) or one of age, quiet, version, patches, total, followups, complete, rfc, resend, superseded, pull, state, check, rule"
                    ),
                ));
            }
        };
        Ok(Expr::Fact(fact))
    }

    fn eq_or_ne(&self, cmp: Cmp, at: Range<usize>) -> Result<bool, RuleError> {
        match cmp {
            Cmp::Eq => Ok(true),
            Cmp::Ne => Ok(false),
            _ => Err(err(at, "only `=` or `!=` compare names")),
        }
    }

    /// `CMP VALUE` (or `:VALUE`) after `span`'s term: the comparison, the
    /// value's text and its span.
    fn compare(
        &mut self,
        span: &Range<usize>,
        what: &str,
    ) -> Result<(Cmp, String, Range<usize>), RuleError> {
        let t = self.bump();
        let cmp = match t.tok {
            Tok::Cmp(c) => c,
            Tok::Colon => Cmp::Eq,
            _ => {
                return Err(err(
                    span.start..t.span.end.max(span.end),
                    format!("a comparison and {what} must follow, e.g. `>= ...`"),
                ));
            }
        };
        let v = self.bump();
        match v.tok {
            Tok::Word(w) | Tok::Quoted(w) => Ok((cmp, w, v.span)),
            _ => Err(err(v.span, format!("{what} must follow"))),
        }
    }

    fn number(&mut self, span: &Range<usize>) -> Result<(Cmp, i64), RuleError> {
        let (cmp, text, at) = self.compare(span, "a number")?;
        let n = text
            .parse::<i64>()
            .map_err(|_| err(at, format!("`{text}` is not a number")))?;
        Ok((cmp, n))
    }

    fn count(&mut self, mut kinds: Vec<Kind>) -> Result<Expr, RuleError> {
        while self.peek().tok == Tok::Bar {
            self.bump();
            let t = self.bump();
            let more = match &t.tok {
                Tok::Word(w) => kind(w),
                _ => None,
            };
            match more {
                Some(k) => kinds.extend(k),
                None => {
                    return Err(err(
                        t.span,
                        format!("a trailer kind must follow `|`: {KINDS}"),
                    ));
                }
            }
        }
        let mut c = Count {
            kinds,
            people: Vec::new(),
            earlier: false,
            each: false,
            cmp: Cmp::Ge,
            n: 1,
        };
        loop {
            if self.keyword("from") {
                let from = self.bump();
                loop {
                    let t = self.bump();
                    let who = match &t.tok {
                        Tok::Quoted(p) => Who::Pattern(p.to_ascii_lowercase()),
                        Tok::Word(w) => match w.to_ascii_lowercase().as_str() {
                            "maintainers" => Who::Maintainers,
                            "reviewers" => Who::Reviewers,
                            "me" => Who::Me,
                            "author" => Who::Author,
                            p if p.contains('@') || p.contains('*') => Who::Pattern(p.to_string()),
                            _ => {
                                return Err(err(
                                    t.span.clone(),
                                    format!(
                                        "`{w}` is not someone: use maintainers, reviewers, me, author or an address (`*` matches anything)"
                                    ),
                                ));
                            }
                        },
                        _ => {
                            return Err(err(
                                from.span.start..t.span.end,
                                "who must follow `from`: maintainers, reviewers, me, author or an address",
                            ));
                        }
                    };
                    c.people.push(who);
                    if self.peek().tok == Tok::Comma {
                        self.bump();
                    } else {
                        break;
                    }
                }
            } else if self.keyword("on") {
                let on = self.bump();
                let t = self.bump();
                match &t.tok {
                    Tok::Word(w) if w.eq_ignore_ascii_case("earlier") => c.earlier = true,
                    Tok::Word(w) if w.eq_ignore_ascii_case("this") => c.earlier = false,
                    _ => {
                        return Err(err(
                            on.span.start..t.span.end,
                            "`on` takes `earlier` (revisions before this one) or `this`",
                        ));
                    }
                }
            } else if self.keyword("each") {
                let t = self.bump();
                if c.earlier {
                    return Err(err(
                        t.span,
                        "`each` counts on this revision's patches, not with `on earlier`",
                    ));
                }
                c.each = true;
            } else {
                break;
            }
        }
        if c.each && c.earlier {
            return Err(err(
                self.peek().span.clone(),
                "`each` counts on this revision's patches, not with `on earlier`",
            ));
        }
        if let Tok::Cmp(cmp) = self.peek().tok {
            self.bump();
            let t = self.bump();
            let n = match &t.tok {
                Tok::Word(w) => w.parse::<i64>().ok(),
                _ => None,
            };
            c.cmp = cmp;
            c.n = n.ok_or_else(|| err(t.span.clone(), "a number must follow"))?;
        }
        Ok(Expr::Count(c))
    }
}

#[cfg(test)]
mod tests;
