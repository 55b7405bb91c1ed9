//! The `putt` command: parse arguments, load the config, call the library.
//! Each subcommand is a thin client of `putt::*`; with `--json` it prints
//! the library's own serialisable results, one object per line.

/// See Cargo.toml: a full index frees on other threads what it allocates.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(feature = "tui")]
use std::io::IsTerminal;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

mod cli;

/// putt: a local patchwork for mailing-list archives (public-inbox).
#[derive(Parser, Debug)]
#[command(name = "putt", version, about, long_about = None)]
pub struct Args {
    /// Config file (default: ~/.config/putt/config.toml, or $PUTT_CONFIG).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Use this public-inbox archive instead of the configured ones (repeatable).
    #[arg(long = "inbox", global = true, value_name = "PATH")]
    pub inboxes: Vec<PathBuf>,
    /// Index directory (default: [index] dir in the config, else the data dir).
    #[arg(long, global = true, value_name = "DIR")]
    pub index_dir: Option<PathBuf>,
    /// No progress bars or chatter on stderr.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Clone an inbox from a public-inbox server (lore) and add it to the config.
    Clone(cli::sync::CloneArgs),
    /// Fetch every configured inbox (new mail, new epochs), then index.
    Sync(cli::sync::SyncArgs),
    /// Index new mail of every inbox (incremental; safe to interrupt).
    Index(cli::index::IndexArgs),
    /// Search with public-inbox/lei syntax (s: f: t: c: b: d: m: l: dfn: ...).
    Search(cli::search::SearchArgs),
    /// Show a message by Message-ID.
    Show(cli::search::ShowArgs),
    /// The thread of a message as a tree (missing messages as placeholders).
    Thread(cli::search::ThreadArgs),
    /// Patch series: one line per series (newest revision, n/N, A/R/T).
    Series(cli::series::SeriesArgs),
    /// What changed between two revisions of a series (range-diff style).
    Interdiff(cli::interdiff::InterdiffArgs),
    /// Trailers of a series revision, per patch, with who sent them.
    Trailers(cli::series::TrailersArgs),
    /// Make one series a later revision of another (kept in the data dir).
    Link(cli::link::LinkArgs),
    /// Split a revision off its series (kept in the data dir).
    Unlink(cli::link::UnlinkArgs),
    /// Write a revision as an mbox for `git am`, with the collected trailers.
    Am(cli::apply::AmArgs),
    /// Apply a revision to a local repository on a new branch (git am).
    Apply(cli::apply::ApplyArgs),
    /// Reply to a message, or review a patch or series with one trailer.
    Reply(cli::reply::ReplyArgs),
    /// Drafts kept in the data dir: list, send, edit, rm.
    Drafts(cli::reply::DraftsArgs),
    /// Counts of messages, patches and degraded mail, per inbox.
    Stats(cli::index::StatsArgs),
    /// Build a small sample inbox, index it and show it.
    Demo(cli::demo::DemoArgs),
    /// Print the config file path and the effective settings.
    Config,
    /// Triage state of a series' revisions; set it with a second argument.
    State(cli::state::StateArgs),
    /// Run the configured checks (CI) on new series revisions; --list shows results.
    Check(cli::check::CheckArgs),
    /// The event log (new series, revisions, trailers, checks, states) as lines or JSON.
    Events(cli::events::EventsArgs),
}

fn main() {
    let started = std::time::Instant::now();
    let args = Args::parse();
    let code = match run(args, started) {
        Ok(code) => code,
        // A reader that went away (`putt series | head`) is not an error.
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            0
        }
        Err(e) => {
            // The library says what went wrong; the CLI what to do: on the
            // same line when it is one.
            let text = match cli::hint::for_error(&e) {
                Some(hint) if hint.contains('\n') => format!("{}\n{hint}", error_text(&e)),
                Some(hint) => format!("{}; {hint}", error_text(&e)),
                None => error_text(&e),
            };
            let _ = writeln!(
                std::io::stderr().lock(),
                "putt: {}",
                putt_core::text::sanitize(&text)
            );
            2
        }
    };
    std::process::exit(code);
}

/// The error and its causes, each said once. The library's errors name
/// their cause already (`path: reason`), so anyhow's `{:#}`, which appends
/// every cause, said an I/O error's reason twice.
fn error_text(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.ends_with(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

fn run(args: Args, started: std::time::Instant) -> Result<i32> {
    let ctx = cli::Context::load(&args)?;
    match args.command {
        Some(Command::Clone(a)) => cli::sync::clone(&ctx, &a),
        Some(Command::Sync(a)) => cli::sync::run(&ctx, &a),
        Some(Command::Index(a)) => cli::index::run(&ctx, &a),
        Some(Command::Search(a)) => cli::search::run(&ctx, &a),
        Some(Command::Show(a)) => cli::search::show(&ctx, &a),
        Some(Command::Thread(a)) => cli::search::thread(&ctx, &a),
        Some(Command::Series(a)) => cli::series::run(&ctx, &a),
        Some(Command::Interdiff(a)) => cli::interdiff::run(&ctx, &a),
        Some(Command::Trailers(a)) => cli::series::trailers(&ctx, &a),
        Some(Command::Link(a)) => cli::link::link(&ctx, &a),
        Some(Command::Unlink(a)) => cli::link::unlink(&ctx, &a),
        Some(Command::Am(a)) => cli::apply::am(&ctx, &a),
        Some(Command::Apply(a)) => cli::apply::apply(&ctx, &a),
        Some(Command::Reply(a)) => cli::reply::run(&ctx, &a),
        Some(Command::Drafts(a)) => cli::reply::drafts(&ctx, &a),
        Some(Command::Stats(a)) => cli::index::stats(&ctx, &a),
        Some(Command::Demo(a)) => cli::demo::run(&ctx, &a),
        Some(Command::Config) => cli::config(&ctx),
        Some(Command::State(a)) => cli::state::run(&ctx, &a),
        Some(Command::Check(a)) => cli::check::run(&ctx, &a),
        Some(Command::Events(a)) => cli::events::run(&ctx, &a),
        None => {
            if ctx.config.inboxes.is_empty() {
                writeln!(std::io::stdout(), "{}", cli::FIRST_RUN).context("stdout")?;
                return Ok(0);
            }
            #[cfg(feature = "tui")]
            if std::io::stdout().is_terminal() && std::io::stdin().is_terminal() {
                return cli::tui::run(&ctx, started);
            }
            let _ = started;
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "putt: {} inbox(es) configured; try `putt search QUERY` or `putt --help`.",
                ctx.config.inboxes.len()
            )
            .context("stdout")?;
            Ok(0)
        }
    }
}
