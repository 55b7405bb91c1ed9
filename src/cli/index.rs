//! `putt index` and `putt stats`.

use std::io::Write;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};

use putt_ops::index::{Index, Rebuilt};
use putt_ops::index::{IndexOptions, IndexReport, Phase};

use super::Context;

#[derive(clap::Args, Debug)]
pub struct IndexArgs {
    /// Wait for another running indexer instead of failing.
    #[arg(long)]
    pub wait: bool,
    /// Print the run's report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Rebuild the index from the archives: remove it and index every inbox
    /// again. Triage state, drafts, events and check results live outside
    /// the index and are kept. (An index whose files fail their checksum
    /// is rebuilt without asking.)
    #[arg(long)]
    pub rebuild: bool,
    /// Do not sync the index to disk at commits (as public-inbox-index
    /// --no-fsync): faster, but a crash of the machine during or soon after
    /// the run may leave an index that has to be rebuilt. A killed putt
    /// leaves it whole either way.
    #[arg(long)]
    pub no_fsync: bool,
    /// Messages between commits (each commit saves progress).
    #[arg(long, hide = true)]
    pub commit_every: Option<usize>,
    /// Threads that read and parse mail.
    #[arg(long, hide = true)]
    pub threads: Option<usize>,
    /// Threads tantivy builds segments with.
    #[arg(long, hide = true)]
    pub writer_threads: Option<usize>,
    /// Memory tantivy may buffer, in MB.
    #[arg(long, hide = true)]
    pub writer_mb: Option<usize>,
}

#[derive(clap::Args, Debug)]
pub struct StatsArgs {
    #[arg(long)]
    pub json: bool,
    /// List every degraded message (one that could not be read whole) with
    /// its inbox, epoch, commit and why; with --json, one object per line.
    #[arg(long)]
    pub degraded: bool,
}

pub fn run(ctx: &Context, args: &IndexArgs) -> Result<i32> {
    let inboxes = ctx.inboxes()?;
    let index = open_for_update(ctx, args.rebuild)?;
    let mut opts = IndexOptions {
        wait: args.wait,
        fsync: !args.no_fsync,
        ..IndexOptions::default()
    };
    if let Some(n) = args.commit_every {
        opts.commit_every = n.max(1);
    }
    if let Some(n) = args.threads {
        opts.parse_threads = n.max(1);
    }
    if let Some(n) = args.writer_threads {
        opts.writer_threads = n.max(1);
    }
    if let Some(mb) = args.writer_mb {
        opts.writer_heap = mb << 20;
    }
    let report = update(ctx, &index, &inboxes, &opts)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", putt_core::text::to_json(&report)?)?;
    } else if !ctx.quiet {
        write_report(&mut out, &report)?;
    }
    Ok(0)
}

/// The index, for a run that writes it; says on stderr when it had to be
/// rebuilt (it was damaged) or is rebuilt as asked.
pub fn open_for_update(ctx: &Context, rebuild: bool) -> Result<Index> {
    let (index, rebuilt) = putt_ops::index::open_for_update(ctx, rebuild)?;
    let dir = ctx.index_dir.display();
    match rebuilt {
        Some(Rebuilt::Damaged(why)) => eprintln!(
            "putt: the index {dir} could not be read ({}): rebuilding it from the archives (triage state, drafts, events and check results are kept)",
            putt_core::text::sanitize_line(&why)
        ),
        Some(Rebuilt::Asked) if !ctx.quiet => {
            eprintln!("putt: rebuilding the index {dir} from the archives")
        }
        _ => {}
    }
    Ok(index)
}

/// The human summary of an index run.
pub fn write_report(out: &mut dyn Write, report: &IndexReport) -> Result<()> {
    let rate = if report.seconds > 0.0 {
        report.added as f64 / report.seconds
    } else {
        0.0
    };
    writeln!(
        out,
        "indexed {} new, removed {}, {} already indexed, {} duplicates, {} degraded in {:.2}s ({:.0} msg/s, {:.1} MB/s); {} messages in the index",
        report.added,
        report.removed,
        report.already_indexed,
        report.duplicates,
        report.degraded,
        report.seconds,
        rate,
        report.bytes as f64 / 1e6 / report.seconds.max(1e-9),
        report.messages
    )?;
    for r in &report.rewritten {
        writeln!(out, "history of {r} was rewritten: reconciled")?;
    }
    if report.recovered > 0 {
        writeln!(
            out,
            "{} message(s) that could not be read before are indexed now",
            report.recovered
        )?;
    }
    Ok(())
}

/// Unreadable mails named on stderr: at most this many, then a count.
const UNREADABLE_SHOWN: usize = 10;

/// Warns of the mails a run could not read (each indexed as degraded).
fn warn_unreadable(report: &IndexReport) {
    let all = &report.unreadable;
    for u in all.iter().take(UNREADABLE_SHOWN) {
        eprintln!(
            "putt: warning: {}/{}: object {} (commit {}) could not be read: {}; indexed as degraded, tried again on the next run",
            u.inbox,
            u.epoch,
            u.blob,
            u.commit,
            putt_core::text::sanitize_line(&u.reason)
        );
    }
    if all.len() > UNREADABLE_SHOWN {
        eprintln!(
            "putt: warning: {} more could not be read (`putt stats --degraded` lists every one)",
            all.len() - UNREADABLE_SHOWN
        );
    }
}

/// Runs the incremental index with a progress bar when stderr is a terminal,
/// and appends the events it caused to the event log.
pub fn update(
    ctx: &Context,
    index: &Index,
    inboxes: &[putt_ops::index::Inbox],
    opts: &IndexOptions,
) -> Result<IndexReport> {
    let bar = ctx.progress().then(|| {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {msg:10} [{bar:30}] {pos}/{len} msgs  {per_sec}  eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar
    });
    let putt_ops::index::Updated { report, problems } =
        putt_ops::index::update(index, inboxes, opts, &ctx.events(), &mut |p| {
            if let Some(bar) = &bar {
                bar.set_length(p.total);
                bar.set_position(p.done);
                bar.set_message(match p.phase {
                    Phase::Scanning => "scanning",
                    Phase::Indexing => "indexing",
                    Phase::Committing => "committing",
                });
            }
        })?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    for p in problems {
        eprintln!("putt: {}", putt_core::text::sanitize_line(&p));
    }
    // Not chatter: mail that is not in the index.
    warn_unreadable(&report);
    Ok(report)
}

pub fn stats(ctx: &Context, args: &StatsArgs) -> Result<i32> {
    let index = ctx.index()?;
    let mut out = std::io::stdout().lock();
    if args.degraded {
        for d in index.degraded()? {
            if args.json {
                writeln!(out, "{}", putt_core::text::to_json(&d)?)?;
                continue;
            }
            let short = |s: &str| s.get(..12).unwrap_or(s).to_string();
            let what = if d.message_id.is_empty() {
                String::new()
            } else {
                format!(
                    "  <{}> {}",
                    putt_core::text::sanitize_line(&d.message_id),
                    putt_core::text::sanitize_line(&d.subject)
                )
            };
            writeln!(
                out,
                "{}/{}  commit {}  blob {}  {}{what}",
                d.inbox,
                d.epoch,
                if d.commit.is_empty() {
                    "?".to_string()
                } else {
                    short(&d.commit)
                },
                short(&d.blob),
                putt_core::text::sanitize_line(&d.reasons.join(", ")),
            )?;
        }
        return Ok(0);
    }
    let stats = index.stats()?;
    if args.json {
        writeln!(out, "{}", putt_core::text::to_json(&stats)?)?;
        return Ok(0);
    }
    writeln!(out, "messages:       {}", stats.messages)?;
    writeln!(out, "patches:        {}", stats.patches)?;
    writeln!(out, "cover letters:  {}", stats.cover_letters)?;
    writeln!(out, "replies:        {}", stats.replies)?;
    writeln!(out, "pull requests:  {}", stats.pull_requests)?;
    if stats.unreadable > 0 {
        writeln!(
            out,
            "degraded:       {} ({} could not be read; `putt stats --degraded` lists them)",
            stats.degraded, stats.unreadable
        )?;
    } else {
        writeln!(out, "degraded:       {}", stats.degraded)?;
    }
    let per = stats.index_bytes.checked_div(stats.messages).unwrap_or(0);
    writeln!(
        out,
        "index size:     {:.1} MB ({} bytes/message) in {}",
        stats.index_bytes as f64 / 1e6,
        per,
        index.dir().display()
    )?;
    for i in &stats.inboxes {
        writeln!(
            out,
            "inbox {}: {} messages, {} patches, {} degraded  ({})",
            i.name,
            i.messages,
            i.patches,
            i.degraded,
            i.path.display()
        )?;
    }
    Ok(0)
}
