//! `putt state`: the triage state of series, for scripts (the TUI's `s`).

use std::io::Write;

use anyhow::Result;

use putt_core::text::sanitize_line;
use putt_ops::series;
use putt_ops::triage::{StateStore, TriageState};

use super::Context;

#[derive(clap::Args, Debug)]
pub struct StateArgs {
    /// Series id, or the Message-ID of any message in the series. Without
    /// it: every revision that has a state set.
    pub series: Option<String>,
    /// Set this state (new, reviewing, waiting, accepted, rejected,
    /// superseded, ignored, or `clear` for the automatic one).
    pub state: Option<String>,
    /// The revision to set: `3` or `v3`, `@N` (the N-th sent), default
    /// the one a Message-ID is in, else the one sent last.
    #[arg(long = "revision", short = 'v', value_name = "REV")]
    pub version: Option<String>,
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Context, args: &StateArgs) -> Result<i32> {
    let mut store = StateStore::open(&StateStore::default_dir())?
        .with_events(putt_ops::events::EventLog::from_config(&ctx.config));
    let mut out = std::io::stdout().lock();
    let Some(key) = &args.series else {
        for (root, s) in store.revisions() {
            if args.json {
                let v = serde_json::json!({
                    "revision": root, "series": s.series, "version": s.version, "state": s.state,
                });
                writeln!(out, "{}", putt_core::text::to_json(&v)?)?;
            } else {
                writeln!(
                    out,
                    "{}  v{:<3} {:<10}  <{}>",
                    s.series,
                    s.version,
                    s.state.name(),
                    sanitize_line(root)
                )?;
            }
        }
        return Ok(0);
    };
    let index = ctx.index()?;
    let named = series::named(&index, key)?;
    let series = &named.series;
    if let Some(state) = &args.state {
        let state = match state.as_str() {
            "clear" | "auto" => None,
            s => Some(TriageState::parse(s)?),
        };
        let rev = named.pick(putt_ops::revision::given(args.version.as_deref())?)?;
        super::newer_notice(ctx, "state", key, &named, rev);
        for p in store.set_state_reporting(series, rev, state)? {
            eprintln!("putt: {}", sanitize_line(&p));
        }
    }
    for r in &series.revisions {
        let state = store.state_of(series, r);
        let explicit = store.explicit(r).is_some();
        if args.json {
            let v = serde_json::json!({
                "series": series.id, "version": r.version, "label": r.label(),
                "revision": r.root_message_id(), "state": state, "explicit": explicit,
            });
            writeln!(out, "{}", putt_core::text::to_json(&v)?)?;
        } else {
            writeln!(
                out,
                "{}  {:<8} {:<10}{}  {}",
                series.id,
                r.label(),
                state.name(),
                if explicit { "" } else { " (auto)" },
                sanitize_line(&series.subject)
            )?;
        }
    }
    Ok(0)
}
