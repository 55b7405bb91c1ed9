//! `putt interdiff`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Result;

use putt_core::interdiff;
use putt_ops::revision;
use putt_ops::series;

use super::Context;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(clap::Args, Debug)]
pub struct InterdiffArgs {
    /// Series id, or the Message-ID of any message in the series (which
    /// names the new revision).
    pub series: String,
    /// Old revision: `v1` or `1`, or `@1` for the first one sent (default:
    /// the one sent before --to).
    #[arg(long)]
    pub from: Option<String>,
    /// New revision: `v3`, `3` or `@N` (default: the one a Message-ID is
    /// in, else the one sent last).
    #[arg(long)]
    pub to: Option<String>,
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
    /// Only the summary, with +/- counts per changed pair.
    #[arg(long)]
    pub stat: bool,
    /// A local repository holding the base commits: adds the diff of the
    /// resulting trees (default: [repos] in the config, when one holds them).
    #[arg(long, value_name = "PATH")]
    pub repo: Option<PathBuf>,
    /// Lines of context.
    #[arg(long, short = 'U', default_value_t = 3)]
    pub context: usize,
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Context, args: &InterdiffArgs) -> Result<i32> {
    let index = ctx.index()?;
    let named = series::named(&index, &args.series)?;
    let series = &named.series;
    let (from, to) = named.pair(
        revision::given(args.from.as_deref())?,
        revision::given(args.to.as_deref())?,
    )?;
    if args.to.is_none() {
        super::newer_notice(ctx, "interdiff", &args.series, &named, to);
    }
    let d = putt_ops::interdiff::between(
        &index,
        &ctx.config,
        series,
        from,
        to,
        args.context,
        args.repo.as_deref(),
    )?;
    let mut out = std::io::stdout().lock();
    if args.json {
        #[derive(serde::Serialize)]
        struct WithNewer<'a, T: serde::Serialize> {
            #[serde(flatten)]
            interdiff: &'a T,
            /// The version of a revision sent after the new side.
            #[serde(skip_serializing_if = "Option::is_none")]
            newer: Option<u32>,
        }
        let w = WithNewer {
            interdiff: &d,
            newer: named.newer(to).map(|r| r.version),
        };
        writeln!(out, "{}", putt_core::text::to_json(&w)?)?;
        return Ok(0);
    }
    let color = match args.color {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    };
    write!(out, "{}", interdiff::render(&d, color, args.stat))?;
    Ok(0)
}
