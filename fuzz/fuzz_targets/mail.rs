//! Feeds arbitrary bytes to the mail parser, as the internet does: it must
//! never panic, always yield a Message-ID, and the diff split must account
//! for every added and removed line it counted. What a terminal is shown
//! of it (subject, sender, body, JSON) holds nothing unsafe.
#![no_main]

use libfuzzer_sys::fuzz_target;
use putt_core::mail::Message;
use putt_core::text::{is_safe, sanitize, sanitize_line, to_json};

fuzz_target!(|data: &[u8]| {
    let m = Message::parse(data);
    assert!(!m.message_id.is_empty());
    let added: u32 = m.diff.files.iter().map(|f| f.added).sum();
    let removed: u32 = m.diff.files.iter().map(|f| f.removed).sum();
    assert_eq!(m.diff.added.matches('\n').count() as u32, added);
    assert_eq!(m.diff.removed.matches('\n').count() as u32, removed);
    for line in [sanitize_line(&m.subject), sanitize_line(&m.from.display())] {
        assert!(line.chars().all(is_safe), "{line:?}");
    }
    let body = sanitize(&m.body);
    assert!(
        body.chars().all(|c| c == '\n' || c == '\t' || is_safe(c)),
        "{body:?}"
    );
    let raw = sanitize(&String::from_utf8_lossy(data)).into_owned();
    assert!(raw.chars().all(|c| c == '\n' || c == '\t' || is_safe(c)));
    let json = to_json(&m.subject).expect("a string is JSON");
    assert!(json.chars().all(is_safe), "{json:?}");
});
