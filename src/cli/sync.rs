//! `putt clone` and `putt sync`: get an inbox from a public-inbox server,
//! then keep every configured inbox current with one command.

use putt_ops::sync::interrupt_handler;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context as _, Result};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use serde::Serialize;

use putt_ops::config::{self, Config, Dirs, InboxConfig};
use putt_ops::index::Inbox;
use putt_ops::index::{IndexOptions, IndexReport};
use putt_ops::sync::{self, CloneOptions, InboxSync, Meter, SyncOptions, SyncStatus, SyncTarget};

use super::Context;

/// How many epochs to clone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Epochs {
    All,
    Newest(u32),
}

fn parse_epochs(s: &str) -> Result<Epochs, String> {
    if s.eq_ignore_ascii_case("all") {
        return Ok(Epochs::All);
    }
    match s.parse::<u32>() {
        Ok(n) if n > 0 => Ok(Epochs::Newest(n)),
        _ => Err(format!(
            "`{s}`: give a number of epochs (1 or more) or `all`"
        )),
    }
}

#[derive(clap::Args, Debug)]
pub struct CloneArgs {
    /// The inbox as a public-inbox server serves it, e.g.
    /// https://lore.kernel.org/linux-kbuild (http, https or git://).
    pub url: String,
    /// Name in the config (default: the URL's last part).
    #[arg(long)]
    pub name: Option<String>,
    /// Clone only the newest N epochs (N=1 is a quick start), or `all`.
    #[arg(long, value_name = "N|all", value_parser = parse_epochs, default_value = "all")]
    pub epochs: Epochs,
    /// Where the clone goes (default: <data dir>/inboxes/NAME).
    #[arg(long, value_name = "PATH")]
    pub dir: Option<PathBuf>,
    /// Only clone and configure; index later with `putt index`.
    #[arg(long)]
    pub no_index: bool,
    /// Print the clone's (and index run's) report as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct SyncArgs {
    /// Only these inboxes (by name; default: every configured inbox).
    pub names: Vec<String>,
    /// Inboxes fetched at once (default: `[sync] jobs` in the config, else 4).
    #[arg(long, short)]
    pub jobs: Option<usize>,
    /// Only fetch; index later with `putt index`.
    #[arg(long)]
    pub no_index: bool,
    /// Wait for another running indexer instead of failing.
    #[arg(long)]
    pub wait: bool,
    /// Print the per-inbox results and the index run as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The config file `putt clone` adds to.
fn config_file(ctx: &Context) -> PathBuf {
    ctx.config.path.clone().unwrap_or_else(Dirs::config_file)
}

/// Shows each meter's line under a spinner until `done` is set. Only when
/// stderr is a terminal and `--quiet` is not given.
fn show_meters<'scope>(
    ctx: &Context,
    labels: &[String],
    meters: &[Meter],
    done: &'scope AtomicBool,
    scope: &'scope std::thread::Scope<'scope, '_>,
) {
    if !ctx.progress() {
        return;
    }
    let multi = MultiProgress::new();
    let width = labels.iter().map(|l| l.len()).max().unwrap_or(0);
    let style = ProgressStyle::with_template("{spinner} {prefix} {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    let bars: Vec<ProgressBar> = labels
        .iter()
        .map(|l| {
            let bar = multi.add(ProgressBar::new_spinner());
            bar.set_style(style.clone());
            bar.set_prefix(format!("{l:width$}"));
            bar
        })
        .collect();
    let meters = meters.to_vec();
    scope.spawn(move || {
        while !done.load(Ordering::Relaxed) {
            for (bar, meter) in bars.iter().zip(&meters) {
                bar.set_message(meter.line());
                bar.tick();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        for bar in &bars {
            bar.finish_and_clear();
        }
    });
}

#[derive(Serialize)]
struct CloneOutput<'a> {
    name: &'a str,
    config: &'a Path,
    clone: &'a sync::CloneReport,
    index: Option<&'a IndexReport>,
}

/// `putt clone URL`.
pub fn clone(ctx: &Context, args: &CloneArgs) -> Result<i32> {
    let url = args.url.trim_end_matches('/').to_string();
    let name = match &args.name {
        Some(n) => n.clone(),
        None => {
            let last = url.rsplit('/').next().unwrap_or(&url);
            config::inbox_name_for(Path::new(last))
        }
    };
    let config_path = config_file(ctx);
    // Fail before a long transfer, not after it.
    let on_file = Config::load(Some(&config_path))?;
    if on_file.inboxes.iter().any(|i| i.name == name) {
        anyhow::bail!(
            "an inbox named `{name}` is already in {}; pass --name to choose another",
            config_path.display()
        );
    }
    let dest = match &args.dir {
        Some(d) => std::path::absolute(d).with_context(|| d.display().to_string())?,
        None => Dirs::data_dir().join("inboxes").join(&name),
    };
    let opts = CloneOptions {
        epochs: match args.epochs {
            Epochs::All => None,
            Epochs::Newest(n) => Some(n),
        },
    };
    let meter = Meter::new();
    let done = AtomicBool::new(false);
    let interrupt = interrupt_handler();
    let report = std::thread::scope(|scope| {
        show_meters(
            ctx,
            std::slice::from_ref(&name),
            std::slice::from_ref(&meter),
            &done,
            scope,
        );
        let r = sync::clone_inbox(&url, &dest, &opts, &meter, sync::interrupted_flag());
        done.store(true, Ordering::Relaxed);
        r
    });
    // Indexing does not watch the flag: Ctrl-C ends it the usual way
    // (safely: the indexer survives being killed).
    drop(interrupt);
    let report = report?;
    config::append_inbox(
        &config_path,
        &InboxConfig {
            name: name.clone(),
            path: dest.clone(),
            url: Some(url.clone()),
        },
    )?;
    let mut out = std::io::stdout().lock();
    if !args.json && !ctx.quiet {
        let epochs = match report.format {
            putt_ops::index::Format::V1 => "a v1 archive".to_string(),
            putt_ops::index::Format::V2 => format!(
                "epoch{} {} of {} ({})",
                if report.epochs.len() == 1 { "" } else { "s" },
                ranges(&report.epochs),
                ranges(&report.upstream_epochs),
                match report.discovery {
                    sync::Discovery::Manifest => "from the manifest",
                    sync::Discovery::Probe => "found by probing",
                }
            ),
        };
        writeln!(
            out,
            "cloned {name}: {epochs}, {} messages, into {} in {:.1}s",
            report.commits,
            dest.display(),
            report.seconds
        )?;
        writeln!(out, "added [[inbox]] {name} to {}", config_path.display())?;
    }
    let index_report = if args.no_index {
        None
    } else {
        let config = Config::load(Some(&config_path))?;
        let inboxes = config
            .inboxes
            .iter()
            .map(|i| Inbox::open(&i.name, &i.path))
            .collect::<Result<Vec<_>, _>>()?;
        let index = super::index::open_for_update(ctx, false)?;
        let r = super::index::update(ctx, &index, &inboxes, &IndexOptions::default())?;
        if !args.json && !ctx.quiet {
            super::index::write_report(&mut out, &r)?;
        }
        Some(r)
    };
    if args.json {
        let o = CloneOutput {
            name: &name,
            config: &config_path,
            clone: &report,
            index: index_report.as_ref(),
        };
        writeln!(out, "{}", putt_core::text::to_json(&o)?)?;
    } else if !ctx.quiet {
        writeln!(
            out,
            "keep it current with `putt sync`; try `putt series` or `putt search QUERY`"
        )?;
    }
    Ok(0)
}

/// `0-3, 5`.
fn ranges(ns: &[u32]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < ns.len() {
        let mut j = i;
        while j + 1 < ns.len() && ns[j + 1] == ns[j] + 1 {
            j += 1;
        }
        parts.push(if i == j {
            ns[i].to_string()
        } else {
            format!("{}-{}", ns[i], ns[j])
        });
        i = j + 1;
    }
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    }
}

#[derive(Serialize)]
struct SyncOutput<'a> {
    inboxes: &'a [InboxSync],
    index: Option<&'a IndexReport>,
}

/// `putt sync`.
pub fn run(ctx: &Context, args: &SyncArgs) -> Result<i32> {
    if ctx.config.inboxes.is_empty() {
        anyhow::bail!("{}", super::FIRST_RUN);
    }
    for n in &args.names {
        if !ctx.config.inboxes.iter().any(|i| &i.name == n) {
            anyhow::bail!(
                "no inbox named `{n}`; configured: {}",
                ctx.config
                    .inboxes
                    .iter()
                    .map(|i| i.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    let targets: Vec<SyncTarget> = ctx
        .config
        .inboxes
        .iter()
        .filter(|i| args.names.is_empty() || args.names.contains(&i.name))
        .map(|i| SyncTarget {
            name: i.name.clone(),
            path: i.path.clone(),
            url: i.url.clone(),
        })
        .collect();
    let opts = SyncOptions {
        jobs: args
            .jobs
            .or(ctx.config.sync.jobs)
            .unwrap_or(SyncOptions::default().jobs)
            .max(1),
    };
    let meters: Vec<Meter> = targets.iter().map(|_| Meter::new()).collect();
    let labels: Vec<String> = targets.iter().map(|t| t.name.clone()).collect();
    let done = AtomicBool::new(false);
    let interrupt = interrupt_handler();
    let reports = std::thread::scope(|scope| {
        show_meters(ctx, &labels, &meters, &done, scope);
        let r = sync::sync_all(&targets, &opts, &meters, sync::interrupted_flag());
        done.store(true, Ordering::Relaxed);
        r
    });
    drop(interrupt);
    let interrupted = sync::interrupted();

    let mut out = std::io::stdout().lock();
    if !args.json && !ctx.quiet {
        let width = labels.iter().map(|l| l.len()).max().unwrap_or(0);
        for r in &reports {
            writeln!(
                out,
                "{:width$}  {}",
                r.name,
                putt_core::text::sanitize(&describe(r))
            )?;
        }
    }
    // A failed inbox is left out of the index run: its clone and its index
    // stay exactly as they were until a sync of it succeeds.
    let index_report = if args.no_index || interrupted {
        None
    } else {
        let inboxes = reports
            .iter()
            .filter(|r| r.status != SyncStatus::Failed)
            .map(|r| Inbox::open(&r.name, &r.path))
            .collect::<Result<Vec<_>, _>>()?;
        if inboxes.is_empty() {
            None
        } else {
            let index = super::index::open_for_update(ctx, false)?;
            let opts = IndexOptions {
                wait: args.wait,
                ..IndexOptions::default()
            };
            let r = super::index::update(ctx, &index, &inboxes, &opts)?;
            if !args.json && !ctx.quiet {
                super::index::write_report(&mut out, &r)?;
            }
            Some(r)
        }
    };
    if args.json {
        let o = SyncOutput {
            inboxes: &reports,
            index: index_report.as_ref(),
        };
        writeln!(out, "{}", putt_core::text::to_json(&o)?)?;
    }
    if interrupted {
        anyhow::bail!("interrupted: nothing indexed; every clone is as it was or fully fetched");
    }
    let failed = reports
        .iter()
        .filter(|r| r.status == SyncStatus::Failed)
        .count();
    if failed > 0 && !args.json {
        let mut err = std::io::stderr().lock();
        writeln!(
            err,
            "putt: {failed} of {} inbox(es) failed to sync; they were left as they were",
            reports.len()
        )?;
    }
    Ok(if failed > 0 { 1 } else { 0 })
}

/// One line on what a sync did to an inbox.
fn describe(r: &InboxSync) -> String {
    let mut parts: Vec<String> = Vec::new();
    match r.status {
        SyncStatus::Failed => {
            return format!("failed: {}", r.error.as_deref().unwrap_or("unknown error"));
        }
        SyncStatus::NoRemote => {
            return "not synced: no url in the config and no origin remote".into();
        }
        SyncStatus::UpToDate => parts.push("up to date".into()),
        SyncStatus::Updated => {
            parts.push(format!(
                "{} new message{}",
                r.new_commits,
                if r.new_commits == 1 { "" } else { "s" }
            ));
        }
    }
    if !r.new_epochs.is_empty() {
        parts.push(format!("new epoch {}", ranges(&r.new_epochs)));
    }
    if !r.rewritten.is_empty() {
        parts.push(format!(
            "history of epoch {} rewritten upstream (followed)",
            ranges(&r.rewritten)
        ));
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_counts() {
        assert_eq!(parse_epochs("all"), Ok(Epochs::All));
        assert_eq!(parse_epochs("1"), Ok(Epochs::Newest(1)));
        assert!(parse_epochs("0").is_err());
        assert!(parse_epochs("x").is_err());
    }

    #[test]
    fn epoch_ranges() {
        assert_eq!(ranges(&[0, 1, 2, 3, 5, 7, 8]), "0-3, 5, 7-8");
        assert_eq!(ranges(&[17]), "17");
        assert_eq!(ranges(&[]), "none");
    }
}
