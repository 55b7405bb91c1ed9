//! `putt interdiff`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Result;

use putt_store::interdiff::{self, Options};
use putt_store::series::gather::series_by_key;
use putt_store::series::{Revision, Series};

use super::Context;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(clap::Args, Debug)]
pub struct InterdiffArgs {
    /// Series id, or the Message-ID of any message in the series.
    pub series: String,
    /// Old revision: `v1` or `1`, or `@1` for the first one sent (default:
    /// the one sent before --to).
    #[arg(long)]
    pub from: Option<String>,
    /// New revision: `v3`, `3` or `@N` (default: the one sent last).
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

/// A revision as the user names it: `v2` or `2` (the last one sent with
/// that version), or `@3` (the third revision in the order sent, which
/// tells apart two postings of one version).
fn pick<'a>(series: &'a Series, s: &str) -> Result<&'a Revision> {
    let s = s.trim();
    if let Some(n) = s.strip_prefix('@') {
        let n: usize = n
            .parse()
            .map_err(|_| anyhow::anyhow!("revision `{s}`: give @1, @2 ... (the order sent)"))?;
        return n
            .checked_sub(1)
            .and_then(|i| series.revisions.get(i))
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "series {} has {} revisions: no {s}",
                    series.id,
                    series.revisions.len()
                )
            });
    }
    let v: u32 = s
        .trim_start_matches(['v', 'V'])
        .parse()
        .map_err(|_| anyhow::anyhow!("revision `{s}`: give a version like v2 or 2, or @N"))?;
    series
        .revision(v)
        .ok_or_else(|| anyhow::anyhow!("series {} has no v{v}", series.id))
}

pub fn run(ctx: &Context, args: &InterdiffArgs) -> Result<i32> {
    let index = ctx.index()?;
    let series = series_by_key(&index, &args.series)?;
    if series.revisions.len() < 2 && (args.from.is_none() || args.to.is_none()) {
        anyhow::bail!(
            "series {} has one revision ({}): nothing to compare",
            series.id,
            series.latest().label()
        );
    }
    let to = match &args.to {
        Some(v) => pick(&series, v)?,
        None => series.revisions.last().expect("a series has revisions"),
    };
    let from = match &args.from {
        Some(v) => pick(&series, v)?,
        None => {
            let pos = series
                .revisions
                .iter()
                .position(|r| std::ptr::eq(r, to))
                .unwrap_or(0);
            match pos.checked_sub(1) {
                Some(p) => &series.revisions[p],
                None => anyhow::bail!("{} is the first revision: give --from", to.label()),
            }
        }
    };
    let repo = args.repo.clone().or_else(|| {
        // A configured tree that has both bases.
        ctx.config.repos.values().next().cloned()
    });
    let opts = Options {
        context: args.context,
        repo,
        ..Options::default()
    };
    let d = interdiff::between(&index, &series, from, to, &opts)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", putt_store::text::to_json(&d)?)?;
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
