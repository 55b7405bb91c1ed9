//! `putt clone` and `putt sync`: public-inbox mirrors fetched over git.

pub use putt_store::sync::{
    CloneOptions, CloneReport, Discovery, EpochAction, EpochSync, InboxSync, Meter, SyncOptions,
    SyncStatus, SyncTarget, clone_inbox, epoch_url, interrupt_handler, interrupted,
    interrupted_flag, sync_all, sync_inbox,
};
