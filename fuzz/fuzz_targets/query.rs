//! Feeds arbitrary bytes to the query parser: it must never panic, every
//! span it reports must lie on char boundaries, and rendering must work.
#![no_main]

use std::ops::Range;

use chrono::DateTime;
use libfuzzer_sys::fuzz_target;
use putt_core::query::{Query, parse};

fn check_span(input: &str, span: &Range<usize>) {
    assert!(span.start <= span.end && span.end <= input.len());
    assert!(input.is_char_boundary(span.start) && input.is_char_boundary(span.end));
}

fn check_terms(input: &str, query: &Query) {
    match query {
        Query::All => {}
        Query::And(items) | Query::Or(items) => items.iter().for_each(|q| check_terms(input, q)),
        Query::Not(inner) => check_terms(input, inner),
        Query::Term { span, .. } => check_span(input, span),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    // A fixed "now" keeps crashes reproducible.
    let now = DateTime::from_timestamp(1_710_506_096, 0).expect("valid timestamp");
    match parse(input, now) {
        Ok(query) => {
            check_terms(input, &query);
            let _ = query.to_string();
        }
        Err(error) => {
            check_span(input, &error.span);
            let _ = error.render(input);
        }
    }
});
