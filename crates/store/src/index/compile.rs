//! Parsed public-inbox queries ([`crate::query::Query`]) -> tantivy queries.
//!
//! Values are tokenized exactly as the indexed text was (tantivy's default
//! analyzer), so `dfn:drivers/pwm/` becomes the phrase `drivers pwm` and
//! `f:a@b.org` the phrase `a b org`. Multi-valued text fields leave a
//! position gap between values, so a phrase never spans two file names.

use std::ops::Bound;

use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, EmptyQuery, Occur, PhrasePrefixQuery, PhraseQuery,
    Query as TantivyQuery, RangeQuery, RegexQuery, TermQuery,
};
use tantivy::schema::{Field as TantivyField, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;

use super::schema::{Fields, hash};
use crate::query::{Field, Query, Value};

/// `m:<id>`: the messages whose Message-ID is exactly `id`. The index keeps
/// Message-IDs as the 64-bit `mid_h` term only (a string term per message
/// cost a unique term-dictionary entry each); a Message-ID is chosen by
/// the sender, and two can be made to share a hash, so each hit's stored
/// id is compared before it counts.
#[derive(Clone, Debug)]
pub struct MessageIdQuery {
    mid: String,
    mid_h: TantivyField,
    stored: TantivyField,
}

impl MessageIdQuery {
    pub fn new(f: &Fields, message_id: &str) -> MessageIdQuery {
        MessageIdQuery {
            mid: crate::mail::normalize_message_id(message_id),
            mid_h: f.mid_h,
            stored: f.mid,
        }
    }

    /// The messages whose Message-ID has the same hash: the ones asked
    /// for, and any made to collide with them.
    pub fn hash_query(&self) -> TermQuery {
        TermQuery::new(
            Term::from_field_u64(self.mid_h, hash(&self.mid)),
            IndexRecordOption::Basic,
        )
    }

    /// Whether a hit's stored document is a message asked for.
    pub fn matches(&self, stored: &tantivy::TantivyDocument) -> bool {
        use tantivy::schema::Value as _;
        stored.get_first(self.stored).and_then(|v| v.as_str()) == Some(self.mid.as_str())
    }
}

impl TantivyQuery for MessageIdQuery {
    fn weight(
        &self,
        scoring: tantivy::query::EnableScoring<'_>,
    ) -> tantivy::Result<Box<dyn tantivy::query::Weight>> {
        let term = self.hash_query();
        Ok(Box::new(MessageIdWeight {
            term: term.weight(scoring)?,
            query: self.clone(),
        }))
    }
}

struct MessageIdWeight {
    term: Box<dyn tantivy::query::Weight>,
    query: MessageIdQuery,
}

impl tantivy::query::Weight for MessageIdWeight {
    fn scorer(
        &self,
        reader: &tantivy::SegmentReader,
        boost: tantivy::Score,
    ) -> tantivy::Result<Box<dyn tantivy::query::Scorer>> {
        use tantivy::DocSet;
        let mut candidates = self.term.scorer(reader, boost)?;
        if candidates.doc() == tantivy::TERMINATED {
            return Ok(Box::new(tantivy::query::EmptyScorer));
        }
        let mut docs = tantivy::BitSet::with_max_value(reader.max_doc());
        let store = reader.get_store_reader(1)?;
        while candidates.doc() != tantivy::TERMINATED {
            let doc = candidates.doc();
            if self.query.matches(&store.get(doc)?) {
                docs.insert(doc);
            }
            candidates.advance();
        }
        Ok(Box::new(tantivy::query::ConstScorer::new(
            tantivy::query::BitSetDocSet::from(docs),
            boost,
        )))
    }

    fn explain(
        &self,
        reader: &tantivy::SegmentReader,
        doc: tantivy::DocId,
    ) -> tantivy::Result<tantivy::query::Explanation> {
        use tantivy::DocSet;
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(tantivy::TantivyError::InvalidArgument(format!(
                "message {doc} does not have Message-ID {}",
                self.query.mid
            )));
        }
        Ok(tantivy::query::Explanation::new("MessageIdQuery", 1.0))
    }
}

/// The analyzer every index registers as "default", which every text
/// field uses ([`super::tokens`]): a query's words split as the mail's did.
fn analyzer() -> TextAnalyzer {
    TextAnalyzer::from(super::tokens::MailTokenizer::default())
}

/// Splits text into the index's tokens.
pub fn tokens(text: &str) -> Vec<String> {
    let mut analyzer = analyzer();
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

/// Compiles a parsed query.
pub fn compile(f: &Fields, q: &Query) -> Box<dyn TantivyQuery> {
    match q {
        Query::All => Box::new(AllQuery),
        Query::And(parts) => {
            let mut clauses: Vec<(Occur, Box<dyn TantivyQuery>)> = Vec::new();
            let mut positive = false;
            for p in parts {
                match p {
                    Query::Not(inner) => clauses.push((Occur::MustNot, compile(f, inner))),
                    other => {
                        positive = true;
                        clauses.push((Occur::Must, compile(f, other)));
                    }
                }
            }
            if !positive {
                clauses.push((Occur::Must, Box::new(AllQuery)));
            }
            Box::new(BooleanQuery::new(clauses))
        }
        Query::Or(parts) => Box::new(BooleanQuery::new(
            parts
                .iter()
                .map(|p| (Occur::Should, compile(f, p)))
                .collect(),
        )),
        Query::Not(inner) => Box::new(BooleanQuery::new(vec![
            (Occur::Must, Box::new(AllQuery) as Box<dyn TantivyQuery>),
            (Occur::MustNot, compile(f, inner)),
        ])),
        Query::Term { field, value, .. } => term(f, *field, value),
    }
}

fn term(f: &Fields, field: Field, value: &Value) -> Box<dyn TantivyQuery> {
    let text_fields: Vec<TantivyField> = match field {
        Field::Subject => vec![f.subject],
        Field::From => vec![f.from],
        Field::To => vec![f.to],
        Field::Cc => vec![f.cc],
        Field::ToCc => vec![f.to, f.cc],
        Field::Addr => vec![f.from, f.to, f.cc],
        Field::Body => vec![f.body, f.dfb, f.dfa],
        Field::BodySubject => vec![f.subject, f.body, f.dfb, f.dfa],
        Field::List => vec![f.list],
        Field::Dfn => vec![f.dfn],
        Field::Dfa => vec![f.dfa],
        Field::Dfb => vec![f.dfb],
        Field::Dfhh => vec![f.dfhh],
        Field::MessageId => {
            let text = match value {
                Value::Word { text, .. } | Value::Phrase(text) => text,
                Value::DateRange { .. } => return Box::new(EmptyQuery),
            };
            return Box::new(MessageIdQuery::new(f, text));
        }
        Field::PatchId => {
            let text = match value {
                Value::Word { text, .. } | Value::Phrase(text) => text,
                Value::DateRange { .. } => return Box::new(EmptyQuery),
            };
            // A patch-id is SHA-1 output, not chosen freely like a
            // Message-ID; two sharing a hash would at worst add a hit.
            return Box::new(TermQuery::new(
                Term::from_field_u64(f.pid_h, hash(&text.trim().to_ascii_lowercase())),
                IndexRecordOption::Basic,
            ));
        }
        // Series-level terms are split off before a query reaches the index
        // (crate::workflow::SeriesQuery); here they restrict nothing.
        Field::Is | Field::Check => return Box::new(AllQuery),
        Field::Date => {
            return match value {
                Value::DateRange { from, to } => date_range(f, *from, *to),
                // The parser turns every d: value into a range; anything else
                // cannot match a date.
                _ => Box::new(EmptyQuery),
            };
        }
    };
    let (text, prefix) = match value {
        Value::Word { text, prefix } => (text.as_str(), *prefix),
        Value::Phrase(text) => (text.as_str(), false),
        Value::DateRange { .. } => return Box::new(EmptyQuery),
    };
    let toks = tokens(text);
    if toks.is_empty() {
        return Box::new(EmptyQuery);
    }
    let per_field: Vec<Box<dyn TantivyQuery>> = text_fields
        .iter()
        .map(|&field| phrase(field, &toks, prefix))
        .collect();
    if per_field.len() == 1 {
        per_field
            .into_iter()
            .next()
            .unwrap_or_else(|| Box::new(EmptyQuery))
    } else {
        Box::new(BooleanQuery::union(per_field))
    }
}

fn phrase(field: TantivyField, toks: &[String], prefix: bool) -> Box<dyn TantivyQuery> {
    let terms: Vec<Term> = toks
        .iter()
        .map(|t| Term::from_field_text(field, t))
        .collect();
    match (terms.len(), prefix) {
        (1, false) => Box::new(TermQuery::new(terms[0].clone(), IndexRecordOption::Basic)),
        (1, true) => {
            match RegexQuery::from_pattern(&format!("{}.*", regex_escape(&toks[0])), field) {
                Ok(q) => Box::new(q),
                Err(_) => Box::new(EmptyQuery),
            }
        }
        (_, false) => Box::new(PhraseQuery::new(terms)),
        (_, true) => Box::new(PhrasePrefixQuery::new(terms)),
    }
}

fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if !c.is_alphanumeric() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn date_range(f: &Fields, from: Option<i64>, to: Option<i64>) -> Box<dyn TantivyQuery> {
    let lower = from.map_or(Bound::Unbounded, |v| {
        Bound::Included(Term::from_field_i64(f.date, v))
    });
    let upper = to.map_or(Bound::Unbounded, |v| {
        Bound::Excluded(Term::from_field_i64(f.date, v))
    });
    if matches!((&lower, &upper), (Bound::Unbounded, Bound::Unbounded)) {
        return Box::new(AllQuery);
    }
    Box::new(RangeQuery::new(lower, upper))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_tokenize_like_the_index() {
        assert_eq!(tokens("drivers/pwm/"), vec!["drivers", "pwm"]);
        assert_eq!(tokens("A@Example.org"), vec!["a", "example", "org"]);
    }

    /// Two messages whose Message-IDs share a hash (made to, here, by
    /// writing the other's hash): `m:` answers only the one asked for.
    #[test]
    fn message_id_query_checks_the_stored_id() -> tantivy::Result<()> {
        use tantivy::collector::Count;
        let (schema, f) = super::super::schema::build();
        let index = tantivy::Index::create_in_ram(schema);
        let mut writer: tantivy::IndexWriter = index.writer(15_000_000)?;
        for mid in ["a@example.org", "forged@example.org"] {
            let mut doc = tantivy::TantivyDocument::default();
            doc.add_text(f.mid, mid);
            doc.add_u64(f.mid_h, hash("a@example.org"));
            writer.add_document(doc)?;
        }
        writer.commit()?;
        let searcher = index.reader()?.searcher();
        let count = |id: &str| searcher.search(&MessageIdQuery::new(&f, id), &Count);
        assert_eq!(count("a@example.org")?, 1);
        assert_eq!(count("<a@example.org>")?, 1);
        assert_eq!(count("forged@example.org")?, 0);
        assert_eq!(count("b@example.org")?, 0);
        Ok(())
    }
}
