//! `putt` with no subcommand on a terminal: the TUI.

use std::time::Instant;

use anyhow::Result;

use super::Context;

pub fn run(ctx: &Context, started: Instant) -> Result<i32> {
    let mut opts = putt_tui::Options::new(ctx.config.clone(), ctx.index_dir.clone(), &ctx.clock);
    opts.started = started;
    putt_tui::run(opts)?;
    Ok(0)
}
