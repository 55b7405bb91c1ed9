//! Feeds arbitrary bytes to the mail parser, as the internet does: it must
//! never panic, always yield a Message-ID, and the diff split must account
//! for every added and removed line it counted.
#![no_main]

use libfuzzer_sys::fuzz_target;
use putt::mail::Message;

fuzz_target!(|data: &[u8]| {
    let m = Message::parse(data);
    assert!(!m.message_id.is_empty());
    let added: u32 = m.diff.files.iter().map(|f| f.added).sum();
    let removed: u32 = m.diff.files.iter().map(|f| f.removed).sum();
    assert_eq!(m.diff.added.matches('\n').count() as u32, added);
    assert_eq!(m.diff.removed.matches('\n').count() as u32, removed);
    // The index document builds from anything the parser returns.
    let _ = putt::text::sanitize(&m.subject);
});
