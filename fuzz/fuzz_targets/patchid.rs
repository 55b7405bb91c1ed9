//! Feeds arbitrary bytes to the patch-id computation: it must never panic
//! and an id is always 40 lowercase hex digits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use putt_core::patchid::patch_id_stable_bytes;

fuzz_target!(|data: &[u8]| {
    if let Some(id) = patch_id_stable_bytes(data) {
        assert_eq!(id.len(), 40);
        assert!(id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    }
});
