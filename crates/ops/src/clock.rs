//! "Now", and the stamps new mail gets: the clock and fresh randomness, or,
//! pinned by `PUTT_NOW` (unix seconds) and `PUTT_MESSAGE_ID_SEED`, the same
//! output on every run (tests, and reproducible examples). Read from the
//! environment in this one place.

use chrono::{DateTime, FixedOffset, Utc};

use putt_store::reply::ComposeOptions;

/// The time putt works at, and how new mail is stamped.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    now: DateTime<Utc>,
    pinned: bool,
    id_seed: Option<u64>,
}

impl Clock {
    /// `PUTT_NOW` and `PUTT_MESSAGE_ID_SEED` when set, else the clock.
    pub fn from_env() -> Clock {
        let pinned_at = std::env::var("PUTT_NOW")
            .ok()
            .and_then(|s| s.parse::<i64>().ok())
            .and_then(|t| DateTime::from_timestamp(t, 0));
        let id_seed = std::env::var("PUTT_MESSAGE_ID_SEED")
            .ok()
            .and_then(|s| s.parse::<u64>().ok());
        Clock {
            now: pinned_at.unwrap_or_else(Utc::now),
            pinned: pinned_at.is_some(),
            id_seed,
        }
    }

    /// A clock stopped at `now`, as `PUTT_NOW` stops it.
    pub fn pinned(now: DateTime<Utc>, id_seed: u64) -> Clock {
        Clock {
            now,
            pinned: true,
            id_seed: Some(id_seed),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// How new mail gets its Date and Message-ID.
    pub fn compose_options(&self) -> ComposeOptions {
        let mut opts = if self.pinned {
            ComposeOptions::pinned(self.now.timestamp(), self.id_seed.unwrap_or(0))
        } else {
            ComposeOptions::now()
        };
        if self.id_seed.is_some() {
            opts.id_seed = self.id_seed;
        }
        opts
    }

    /// The Date a mail leaves with: the pinned time, else the local clock
    /// at sending.
    pub fn send_date(&self) -> DateTime<FixedOffset> {
        if self.pinned {
            self.now.fixed_offset()
        } else {
            chrono::Local::now().fixed_offset()
        }
    }

    /// [`Clock::send_date`] when it is pinned: `None` means "the clock when
    /// it is sent".
    pub fn pinned_send_date(&self) -> Option<DateTime<FixedOffset>> {
        self.pinned.then(|| self.now.fixed_offset())
    }
}
