//! Feeds arbitrary text to the config parser and builds the workflow from
//! what it accepts (rules, saved filters, checks): a broken config is an
//! error naming the file, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use putt_store::config::Config;
use putt_store::workflow::Workflow;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = std::path::Path::new("/nonexistent/putt-fuzz/config.toml");
    match Config::parse(text, path) {
        Ok(config) => {
            let now = chrono::DateTime::from_timestamp(1_710_506_096, 0).expect("valid timestamp");
            let _ = Workflow::new(&config, None, None, now);
        }
        Err(e) => assert!(e.to_string().contains("config.toml"), "{e}"),
    }
});
