//! `putt check`: run the configured checks on new series revisions, once
//! or as a loop (`--watch`); `--list` shows the stored results.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::{Context as _, Result};

use putt_core::text::sanitize_line;
use putt_ops::check::{CheckRecord, CheckStatus, CheckStore, Notice, Rerun, RunOptions, Runner};
use putt_ops::events::EventLog;

use super::Context;

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Only series with a message matching this query (ANDed with each
    /// check's own `query`), e.g. 'd:2.weeks.ago..'.
    pub query: Vec<String>,
    /// Keep going: index new mail every interval and check what arrives.
    #[arg(long)]
    pub watch: bool,
    /// How often --watch looks for new mail (default: [workflow] interval, else 1m).
    #[arg(long, value_name = "TIME")]
    pub interval: Option<String>,
    /// Check again revisions already checked: all of them, or those with
    /// this status (fail, warning, interrupted, cancelled, success).
    #[arg(long, value_name = "STATUS", num_args = 0..=1, default_missing_value = "all")]
    pub rerun: Option<String>,
    /// Only this series (id or Message-ID of any message in it).
    #[arg(long, short = 's')]
    pub series: Option<String>,
    /// Only this check (repeatable).
    #[arg(long = "check", short = 'c', value_name = "NAME")]
    pub checks: Vec<String>,
    /// Checks run at once (default: [workflow] jobs, else 2).
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    /// Show what would run, run nothing.
    #[arg(long, conflicts_with_all = ["watch", "list"])]
    pub dry_run: bool,
    /// Show the stored results (of the series matching the query or
    /// --series), run nothing.
    #[arg(long, conflicts_with = "watch")]
    pub list: bool,
    /// One JSON object per line: each result as it finishes (with --list,
    /// each stored result; with --dry-run, each planned run).
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Context, args: &CheckArgs) -> Result<i32> {
    let config = &ctx.config;
    if config.checks.is_empty() && !args.list {
        anyhow::bail!(
            "no checks configured: add one to {}, e.g.\n\n[[check]]\nname = \"apply\"\ncommand = \"git -C ~/src/linux am --patch-format=mboxrd \\\"$PUTT_MBOX\\\" && git -C ~/src/linux am --abort\"\nquery = \"d:2.weeks.ago..\"\ntimeout = \"10m\"",
            config
                .path
                .clone()
                .unwrap_or_else(putt_ops::config::Dirs::config_file)
                .display()
        );
    }
    let query = args.query.join(" ");
    if let Err(e) = putt_core::query::parse(&query, ctx.now()) {
        anyhow::bail!("bad query:\n{}", e.render(&query));
    }
    if args.list {
        return list(ctx, args, &query);
    }
    let rerun = match args.rerun.as_deref() {
        None => Rerun::No,
        Some("all") => Rerun::All,
        Some(s) => Rerun::Status(CheckStatus::parse(s).map_err(anyhow::Error::msg)?),
    };
    let interval = match args.interval.as_ref().or(config.workflow.interval.as_ref()) {
        Some(t) => putt_core::rules::parse_duration(t)
            .filter(|s| *s > 0)
            .with_context(|| format!("--interval {t}: not a time (30s, 5m, 1h)"))?,
        None => 60,
    };
    let opts = RunOptions {
        jobs: args
            .jobs
            .or(config.workflow.jobs)
            .unwrap_or(putt_ops::check::DEFAULT_JOBS)
            .max(1),
        rerun,
        watch: args
            .watch
            .then(|| std::time::Duration::from_secs(interval as u64)),
        query,
        series: args.series.clone(),
        only: args.checks.clone(),
        max_hits: 200_000,
        now: ctx.now(),
    };
    let events = EventLog::from_config(config);
    let inboxes = if args.watch {
        ctx.inboxes()?
    } else {
        Vec::new()
    };
    let index = if args.watch {
        putt_ops::session::open_index(&ctx.index_dir, &ctx.data_dir())?
    } else {
        ctx.index()?
    };
    let store = CheckStore::open(&CheckStore::default_dir())?;
    let mut out = std::io::stdout().lock();
    if args.dry_run {
        let jobs = putt_ops::check::plan(config, &index, &store, &opts)?;
        for j in &jobs {
            if args.json {
                let v = serde_json::json!({
                    "check": j.check.name, "series": j.series, "version": j.version,
                    "revision": j.revision, "subject": j.subject, "patches": j.patches.len(),
                });
                writeln!(out, "{}", putt_core::text::to_json(&v)?)?;
            } else {
                writeln!(
                    out,
                    "would run {:<12} {}  v{:<3} {}",
                    j.check.name,
                    j.series,
                    j.version,
                    sanitize_line(&j.subject)
                )?;
            }
        }
        if !args.json && !ctx.quiet {
            writeln!(out, "{} run(s) planned", jobs.len())?;
        }
        return Ok(0);
    }
    // Ctrl-C or TERM: stop the checks (recorded as interrupted), then exit;
    // a second one exits at once.
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register_conditional_shutdown(sig, 130, stop.clone())
            .context("signal handler")?;
        signal_hook::flag::register(sig, stop.clone()).context("signal handler")?;
    }
    let mut runner = Runner {
        config,
        index: &index,
        inboxes: &inboxes,
        store,
        events: &events,
        opts,
        stop,
    };
    let quiet = ctx.quiet;
    let json = args.json;
    let mut failed = false;
    let summary = runner.run(&mut |n| {
        let mut out = std::io::stdout().lock();
        let _ = match &n {
            Notice::Started(r) if !json && !quiet => writeln!(
                out,
                "{:<11} {:<12} {}  v{:<3} {}",
                "started",
                r.check,
                r.series,
                r.version,
                sanitize_line(&r.subject)
            ),
            Notice::Finished(r) | Notice::Recovered(r) => {
                failed |= matches!(r.status, CheckStatus::Fail | CheckStatus::Interrupted);
                if json {
                    writeln!(out, "{}", putt_core::text::to_json(r).unwrap_or_default())
                } else {
                    writeln!(out, "{}", result_line(r))
                }
            }
            Notice::Indexed(rep) if !json && !quiet && (rep.added > 0 || rep.removed > 0) => {
                writeln!(out, "indexed {} new, removed {}", rep.added, rep.removed)
            }
            Notice::Warning(w) => {
                let _ = writeln!(std::io::stderr(), "putt: {}", sanitize_line(w));
                Ok(())
            }
            _ => Ok(()),
        };
        let _ = out.flush();
    })?;
    if !json && !quiet {
        writeln!(
            out,
            "{} run: {} success, {} warning, {} fail, {} interrupted, {} cancelled in {:.1}s",
            summary.started,
            summary.success,
            summary.warning,
            summary.fail,
            summary.interrupted,
            summary.cancelled,
            summary.seconds
        )?;
    }
    Ok(if failed { 1 } else { 0 })
}

/// `fail        build        1a2b3c4d5e6f  v2   3.1s  exit 2: error: ...`
fn result_line(r: &CheckRecord) -> String {
    format!(
        "{:<11} {:<12} {}  v{:<3} {:>7}  {}",
        r.status.name(),
        r.check,
        r.series,
        r.version,
        r.seconds.map(|s| format!("{s:.1}s")).unwrap_or_default(),
        sanitize_line(&r.summary)
    )
}

/// `putt check --list`.
fn list(ctx: &Context, args: &CheckArgs, query: &str) -> Result<i32> {
    let Some(store) = CheckStore::open_existing(&CheckStore::default_dir())? else {
        return Ok(1);
    };
    // Narrowed to some series: their revisions' results only.
    let wanted: Option<std::collections::HashSet<String>> =
        if args.series.is_some() || !query.trim().is_empty() {
            let index = ctx.index()?;
            let series = match &args.series {
                Some(k) => vec![putt_ops::series::find(&index, k)?],
                None => putt_ops::series::matching(&index, query, ctx.now(), 200_000)?,
            };
            Some(
                series
                    .iter()
                    .flat_map(|s| s.revisions.iter().map(|r| r.root_message_id().to_string()))
                    .collect(),
            )
        } else {
            None
        };
    let mut records: Vec<CheckRecord> = store
        .records()
        .into_iter()
        .filter(|r| wanted.as_ref().is_none_or(|w| w.contains(&r.revision)))
        .filter(|r| args.checks.is_empty() || args.checks.contains(&r.check))
        .collect();
    records.sort_by(|a, b| b.started.cmp(&a.started).then(a.check.cmp(&b.check)));
    let mut out = std::io::stdout().lock();
    for r in &records {
        if args.json {
            writeln!(out, "{}", putt_core::text::to_json(r)?)?;
        } else {
            writeln!(out, "{}", result_line(r))?;
        }
    }
    Ok(if records.is_empty() { 1 } else { 0 })
}
