//! The event log (`putt events`, hooks): new series, revisions, trailers,
//! checks and state changes, one JSON line each.

pub use putt_store::events::{Event, EventKind, EventLog, EventReader};
