//! `putt link` and `putt unlink`: the user's corrections to how series
//! link ([`putt_ops::link`]).

use std::io::Write;

use anyhow::Result;

use super::{Context, short_date};
use putt_core::series::Series;
use putt_core::text::sanitize_line;

#[derive(clap::Args, Debug)]
pub struct LinkArgs {
    /// The series sent first: its id, or a Message-ID in it.
    pub earlier: String,
    /// The series to make a later revision of it: its id, or a Message-ID in it.
    pub later: String,
    /// The series as they group now, one JSON object per line.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct UnlinkArgs {
    /// Series id, or a Message-ID in the series (which names its revision).
    pub series: String,
    /// The revision to split off: v2 or 2, @N (the N-th sent), or a
    /// Message-ID in it (default: the one a Message-ID names).
    pub revision: Option<String>,
    /// The series as they group now, one JSON object per line.
    #[arg(long)]
    pub json: bool,
}

pub fn link(ctx: &Context, args: &LinkArgs) -> Result<i32> {
    let index = ctx.index()?;
    let now = ctx.now().timestamp();
    let done = putt_ops::link::link(&index, &ctx.data_dir(), now, &args.earlier, &args.later)?;
    print(&done.series, args.json)
}

pub fn unlink(ctx: &Context, args: &UnlinkArgs) -> Result<i32> {
    let index = ctx.index()?;
    let now = ctx.now().timestamp();
    let done = putt_ops::link::unlink(
        &index,
        &ctx.data_dir(),
        now,
        &args.series,
        args.revision.as_deref(),
    )?;
    print(&done.series, args.json)
}

/// Each series with its revisions and why each is linked.
fn print(series: &[Series], json: bool) -> Result<i32> {
    let mut out = std::io::stdout().lock();
    for s in series {
        if json {
            writeln!(out, "{}", putt_core::text::to_json(s)?)?;
            continue;
        }
        writeln!(out, "series {}: {}", s.id, sanitize_line(&s.subject))?;
        for r in &s.revisions {
            let why = r.why_linked().unwrap_or_default();
            writeln!(
                out,
                "  {:<8} {}  <{}>  {}",
                r.label(),
                short_date(r.date),
                sanitize_line(r.root_message_id()),
                sanitize_line(&why)
            )?;
        }
    }
    Ok(0)
}
