//! TEMPORARY placeholder until branch `query` merges.
use std::ops::Range;
#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    All,
    And(Vec<Query>),
    Or(Vec<Query>),
    Not(Box<Query>),
    Term {
        field: Field,
        value: Value,
        span: Range<usize>,
    },
}
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Subject,
    From,
    To,
    Cc,
    ToCc,
    Addr,
    Body,
    BodySubject,
    Date,
    MessageId,
    List,
    Dfn,
    Dfa,
    Dfb,
    Dfhh,
    PatchId,
}
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Word { text: String, prefix: bool },
    Phrase(String),
    DateRange { from: Option<i64>, to: Option<i64> },
}
#[derive(Debug, Clone, PartialEq)]
pub struct QueryError {
    pub message: String,
    pub span: Range<usize>,
}
impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.message)
    }
}
impl std::error::Error for QueryError {}
impl QueryError {
    pub fn render(&self, input: &str) -> String {
        format!("{input}\n{}", self.message)
    }
}
pub fn parse(input: &str, _now: chrono::DateTime<chrono::Utc>) -> Result<Query, QueryError> {
    let words: Vec<Query> = input
        .split_whitespace()
        .map(|w| {
            let (field, text) = match w.split_once(':') {
                Some(("s", t)) => (Field::Subject, t),
                Some(("dfn", t)) => (Field::Dfn, t),
                Some(("m", t)) => (Field::MessageId, t),
                Some(("f", t)) => (Field::From, t),
                _ => (Field::BodySubject, w),
            };
            Query::Term {
                field,
                value: Value::Word {
                    text: text.to_string(),
                    prefix: false,
                },
                span: 0..0,
            }
        })
        .collect();
    Ok(if words.is_empty() {
        Query::All
    } else {
        Query::And(words)
    })
}
