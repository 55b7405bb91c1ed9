//! Feeds arbitrary text to the subject parser: it must never panic, the
//! normalized subject must be clean, and re-parsing the rebuilt subject must
//! give back the same parts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use putt_core::subject::parse_subject;

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    let info = parse_subject(&input);
    assert_eq!(info.normalized.trim(), info.normalized);
    assert!(!info.normalized.contains("  "));
    assert!(info.total >= 1);
    assert!(info.counter_inferred || info.counter <= info.total);
    let rebuilt = info.rebuild();
    assert_eq!(parse_subject(&rebuilt), info, "rebuilt as {rebuilt:?}");
});
