//! The config and where putt keeps things.

pub use putt_store::config::{
    ApplyConfig, CheckConfig, Config, Dirs, Identity, InboxConfig, SendConfig, append_inbox,
    expand_home, inbox_name_for,
};
