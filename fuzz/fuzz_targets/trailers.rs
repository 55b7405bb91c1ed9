//! Feeds arbitrary mail text to both trailer readers: they must never panic,
//! and a person trailer found in a mail must name someone with an address.
#![no_main]

use libfuzzer_sys::fuzz_target;
use putt_core::trailers::{commit_message_trailers, parse_trailers};

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    for t in parse_trailers(&input) {
        assert!(!t.value.is_empty());
        if t.kind.is_person() {
            let person = t.person.as_ref().expect("person trailers carry a person");
            assert!(person.addr.contains('@'));
        }
    }
    for t in commit_message_trailers(&input) {
        assert!(!t.name.is_empty());
    }
});
