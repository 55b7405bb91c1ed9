//! Feeds arbitrary text to the rule parser (a `when` from someone's
//! config): it must never panic, an error's span must lie on char
//! boundaries of the input, and rendering it must work.
#![no_main]

use libfuzzer_sys::fuzz_target;
use putt_core::rules::Rule;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    match Rule::parse("fuzzed", input, false, &["earlier", "other"]) {
        Ok(rule) => {
            let _ = rule.needs();
        }
        Err(e) => {
            let span = &e.span;
            assert!(span.start <= span.end && span.end <= input.len());
            assert!(input.is_char_boundary(span.start) && input.is_char_boundary(span.end));
            let _ = e.render(input);
        }
    }
});
