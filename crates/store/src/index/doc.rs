//! The document putt hands tantivy for one message.
//!
//! tantivy indexes any type that implements its `Document` trait in place.
//! Its own `TantivyDocument` first copies every value into one growing
//! buffer: on a full index that was another copy of each message's whole
//! text, made on a parse thread only to be read once on a writer thread.
//! [`MailDoc`] holds the strings the parse built and lends them to tantivy
//! as they are.

use tantivy::schema::document::{ReferenceValue, ReferenceValueLeaf, Value};
use tantivy::schema::{Document, Field};

/// One message's fields and values, in the order they were added.
#[derive(Debug, Default)]
pub struct MailDoc {
    values: Vec<(Field, Leaf)>,
}

#[derive(Debug)]
enum Leaf {
    U64(u64),
    I64(i64),
    Text(String),
}

impl MailDoc {
    pub fn add_u64(&mut self, field: Field, value: u64) {
        self.values.push((field, Leaf::U64(value)));
    }

    pub fn add_i64(&mut self, field: Field, value: i64) {
        self.values.push((field, Leaf::I64(value)));
    }

    pub fn add_text(&mut self, field: Field, value: impl Into<String>) {
        self.values.push((field, Leaf::Text(value.into())));
    }

    /// The first text value of `field`.
    pub fn first_text(&self, field: Field) -> Option<&str> {
        self.values.iter().find_map(|(f, v)| match v {
            Leaf::Text(s) if *f == field => Some(s.as_str()),
            _ => None,
        })
    }
}

/// A borrowed value, as tantivy reads it.
#[derive(Debug, Clone, Copy)]
pub struct LeafRef<'a>(&'a Leaf);

impl<'a> Value<'a> for LeafRef<'a> {
    type ArrayIter = std::iter::Empty<Self>;
    type ObjectIter = std::iter::Empty<(&'a str, Self)>;

    fn as_value(&self) -> ReferenceValue<'a, Self> {
        ReferenceValue::Leaf(match self.0 {
            Leaf::U64(v) => ReferenceValueLeaf::U64(*v),
            Leaf::I64(v) => ReferenceValueLeaf::I64(*v),
            Leaf::Text(s) => ReferenceValueLeaf::Str(s),
        })
    }
}

/// The iterator [`MailDoc`] gives tantivy.
pub struct FieldValues<'a>(std::slice::Iter<'a, (Field, Leaf)>);

impl<'a> Iterator for FieldValues<'a> {
    type Item = (Field, LeafRef<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(f, v)| (*f, LeafRef(v)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl Document for MailDoc {
    type Value<'a> = LeafRef<'a>;
    type FieldsValuesIter<'a> = FieldValues<'a>;

    fn iter_fields_and_values(&self) -> FieldValues<'_> {
        FieldValues(self.values.iter())
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::{Count, TopDocs};
    use tantivy::query::TermQuery;
    use tantivy::schema::{IndexRecordOption, Value as _};
    use tantivy::{TantivyDocument, Term};

    use super::*;
    use crate::index::schema;

    /// A document written as a `MailDoc` reads back, and searches, as the
    /// same values would written as a `TantivyDocument`.
    #[test]
    fn indexes_and_stores_like_a_tantivy_document() -> tantivy::Result<()> {
        let (schema, f) = schema::build();
        let index = tantivy::Index::create_in_ram(schema);
        index
            .tokenizers()
            .register("default", crate::index::tokens::MailTokenizer::default());
        let mut writer = index.writer_with_num_threads::<MailDoc>(1, 15_000_000)?;
        let mut doc = MailDoc::default();
        doc.add_u64(f.key_h, 7);
        doc.add_text(f.mid, "a@example.org");
        doc.add_i64(f.date, 1_700_000_000);
        doc.add_text(f.subject, "[PATCH] kbuild: Fix the Build");
        doc.add_text(f.to, "Ann <ann@example.org>");
        doc.add_text(f.to, "bob@example.org");
        doc.add_u64(f.meta, 42);
        assert_eq!(doc.first_text(f.mid), Some("a@example.org"));
        assert_eq!(doc.first_text(f.body), None);
        writer.add_document(doc)?;
        writer.commit()?;

        let searcher = index.reader()?.searcher();
        let hits = |field, word: &str| {
            let q = TermQuery::new(Term::from_field_text(field, word), IndexRecordOption::Basic);
            searcher.search(&q, &Count)
        };
        assert_eq!(hits(f.subject, "build")?, 1);
        assert_eq!(hits(f.to, "bob")?, 1);
        assert_eq!(hits(f.to, "ann")?, 1);
        assert_eq!(hits(f.subject, "Build")?, 0);
        let key = TermQuery::new(Term::from_field_u64(f.key_h, 7), IndexRecordOption::Basic);
        let top = searcher.search(&key, &TopDocs::with_limit(1).order_by_score())?;
        let stored: TantivyDocument = searcher.doc(top[0].1)?;
        let text = |field| stored.get_first(field).and_then(|v| v.as_str());
        assert_eq!(text(f.mid), Some("a@example.org"));
        assert_eq!(text(f.subject), Some("[PATCH] kbuild: Fix the Build"));
        assert_eq!(
            stored.get_first(f.date).and_then(|v| v.as_i64()),
            Some(1_700_000_000)
        );
        assert_eq!(stored.get_first(f.meta).and_then(|v| v.as_u64()), Some(42));
        Ok(())
    }
}
