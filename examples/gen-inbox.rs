//! gen-inbox: writes a deterministic, realistic public-inbox v2 archive for
//! benchmarks.
//!
//! putt must be measured at LKML scale (a million messages) on mail shaped
//! like the real thing: patch series with cover letters and re-rolls,
//! reviews with trailers, deep threads, huge patches, removed messages,
//! encoded names. Real archives can't be shipped or regenerated at will, so
//! this writes one from a seed: the same seed gives the same bytes (and the
//! same commit ids) on every machine, and `--skip K` appends the next part
//! of the same stream, so a benchmark can index 100k messages and then add
//! 1,000 more. See BENCHMARKS.md for the figures.
//!
//! ```text
//! cargo run --release --example gen-inbox -- --messages 1000000 --out /tmp/bench
//! cargo run --release --example gen-inbox -- --messages 1000 --skip 1000000 --out /tmp/bench
//! ```

#[path = "gen-inbox/diff.rs"]
mod diff;
#[path = "gen-inbox/mail.rs"]
mod mail;
#[path = "gen-inbox/render.rs"]
mod render;
#[path = "gen-inbox/rng.rs"]
mod rng;
#[path = "gen-inbox/stream.rs"]
mod stream;
#[path = "gen-inbox/text.rs"]
mod text;
#[path = "gen-inbox/world.rs"]
mod world;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering as AtomicOrdering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Parser;
use serde::{Deserialize, Serialize};

use crate::mail::{days_from_civil, tz_str};
use crate::render::Renderer;
use crate::stream::{Item, Stream, StreamOptions};
use crate::world::World;
use putt_testkit::bulk::{Epoch, pack_bytes, write_all_git};

/// Write a deterministic public-inbox v2 archive of synthetic kernel-style
/// mail (patch series, re-rolls, reviews, trailers, pull requests).
#[derive(Parser, Debug)]
#[command(name = "gen-inbox")]
struct Args {
    /// How many messages to write (removals come on top).
    #[arg(long)]
    messages: u64,
    /// Inbox directory (created; must be empty unless --skip is given).
    #[arg(long)]
    out: PathBuf,
    /// Seed of the stream. [default: 1]
    #[arg(long)]
    seed: Option<u64>,
    /// Messages per epoch (git/N.git). [default: 250000]
    #[arg(long)]
    epoch_size: Option<u64>,
    /// Date of the first message, YYYY-MM-DD (UTC). [default: 2024-01-01]
    #[arg(long)]
    start: Option<String>,
    /// Days over which --total messages are spread; later ones keep the
    /// same rate. [default: 1095]
    #[arg(long)]
    days: Option<f64>,
    /// Planned size of the stream, which sets the rate (total / days).
    /// [default: skip + messages on the first run]
    #[arg(long)]
    total: Option<u64>,
    /// Fraction of messages that are later removed (a commit with `d`).
    /// [default: 0.001]
    #[arg(long)]
    remove_ratio: Option<f64>,
    /// Append messages K.. of the stream to an inbox this tool wrote with
    /// K messages; the other options default to the ones it recorded.
    #[arg(long, default_value_t = 0)]
    skip: u64,
    /// List name (List-Id, addresses, description). [default: bench]
    #[arg(long)]
    list: Option<String>,
    /// Epochs written in parallel (one fast-import each). Output does not
    /// depend on it. [default: the number of CPUs]
    #[arg(long)]
    jobs: Option<usize>,
}

/// What defines the stream, recorded in `gen-inbox.json` so that an append
/// continues exactly the same stream.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Params {
    seed: u64,
    epoch_size: u64,
    start: String,
    days: f64,
    total: u64,
    remove_ratio: f64,
    list: String,
}

#[derive(Serialize, Deserialize, Debug)]
struct State {
    generator: String,
    params: Params,
    /// Messages written so far (the next run's --skip).
    messages: u64,
    removals: u64,
}

const STATE_FILE: &str = "gen-inbox.json";

fn parse_date(s: &str) -> Result<i64> {
    let parts: Vec<&str> = s.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        bail!("--start wants YYYY-MM-DD, got {s:?}")
    };
    let (y, m, d): (i64, u32, u32) = (y.parse()?, m.parse()?, d.parse()?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || !(1971..=2200).contains(&y) {
        bail!("--start {s:?} is not a plausible date");
    }
    Ok(days_from_civil(y, m, d) * 86_400)
}

fn resolve(args: &Args, recorded: Option<&Params>) -> Result<Params> {
    let default = Params {
        seed: 1,
        epoch_size: 250_000,
        start: "2024-01-01".into(),
        days: 1095.0,
        total: args.skip + args.messages,
        remove_ratio: 0.001,
        list: "bench".into(),
    };
    let base = recorded.cloned().unwrap_or(default);
    let p = Params {
        seed: args.seed.unwrap_or(base.seed),
        epoch_size: args.epoch_size.unwrap_or(base.epoch_size),
        start: args.start.clone().unwrap_or(base.start.clone()),
        days: args.days.unwrap_or(base.days),
        total: args.total.unwrap_or(base.total),
        remove_ratio: args.remove_ratio.unwrap_or(base.remove_ratio),
        list: args.list.clone().unwrap_or(base.list.clone()),
    };
    if let Some(r) = recorded
        && *r != p
    {
        bail!("--skip continues the recorded stream {r:?}; the options given differ: {p:?}");
    }
    if p.epoch_size == 0 || p.total == 0 || p.days <= 0.0 {
        bail!("--epoch-size, --total and --days must be positive");
    }
    if !(0.0..=0.5).contains(&p.remove_ratio) {
        bail!("--remove-ratio must be within 0..0.5");
    }
    if !p
        .list
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        || p.list.is_empty()
    {
        bail!("--list must be a simple name");
    }
    Ok(p)
}

fn save_state(dir: &Path, params: &Params, messages: u64, removals: u64) -> Result<()> {
    let state = State {
        generator: "putt gen-inbox 1".into(),
        params: params.clone(),
        messages,
        removals,
    };
    let tmp = dir.join(format!("{STATE_FILE}.tmp"));
    fs::write(&tmp, serde_json::to_string_pretty(&state)? + "\n")?;
    fs::rename(&tmp, dir.join(STATE_FILE))?;
    Ok(())
}

/// A contiguous range of the stream inside one epoch, written by one
/// worker through its own fast-import.
#[derive(Clone, Copy, Debug)]
struct Job {
    start: u64,
    end: u64,
    epoch: u64,
}

#[derive(Default)]
struct JobResult {
    removals: u64,
    raw: u64,
    sizes: Vec<u32>,
}

/// Split `[from, to)` at epoch boundaries.
fn jobs(from: u64, to: u64, epoch_size: u64) -> Vec<Job> {
    let mut v = Vec::new();
    let mut a = from;
    while a < to {
        let epoch = a / epoch_size;
        let b = to.min((epoch + 1) * epoch_size);
        v.push(Job {
            start: a,
            end: b,
            epoch,
        });
        a = b;
    }
    v
}

/// Write messages `job.start..job.end` of the stream. Every worker replays
/// the (cheap) plan from the beginning and renders only its own range, so
/// epochs can be written in parallel and come out byte-identical to a
/// sequential run. Removals due after message `start` and before message
/// `end` belong to this range; the ones before `start` to the previous one.
fn run_job(out: &Path, params: &Params, job: Job, progress: &AtomicU64) -> Result<JobResult> {
    let start = parse_date(&params.start)?;
    let world = World::new(params.seed, &params.list);
    let committer = format!("{} <{}>", params.list, world.list_addr);
    let opts = StreamOptions {
        seed: params.seed,
        start,
        rate: params.total as f64 / (params.days * 86_400.0),
        remove_ratio: params.remove_ratio,
    };
    if job.start.is_multiple_of(params.epoch_size) {
        // A fresh epoch: anything there is left from an interrupted run
        // (the recorded message count never covers it), so start over.
        let dir = putt_testkit::bulk::epoch_dir(out, job.epoch);
        if dir.exists() {
            fs::remove_dir_all(&dir).with_context(|| format!("clearing {}", dir.display()))?;
        }
    }
    let mut renderer = Renderer::new(&world, start);
    let mut writer: Option<Epoch> = None;
    let mut res = JobResult {
        sizes: Vec::with_capacity((job.end - job.start) as usize),
        ..JobResult::default()
    };
    let mut buf = Vec::with_capacity(1 << 20);
    let mut idx = 0u64;
    for item in Stream::new(&world, opts) {
        match item {
            Item::Message(m) => {
                if idx >= job.end {
                    break;
                }
                if idx < job.start {
                    renderer.passed(&m);
                    idx += 1;
                    continue;
                }
                if writer.is_none() {
                    writer = Some(Epoch::open(out, job.epoch, &committer)?);
                }
                let w = writer.as_mut().expect("the epoch was just opened");
                buf.clear();
                renderer.render(&m, &mut buf);
                renderer.passed(&m);
                let p = world.person(m.author);
                let email = match (&p.alt_email, m.from_alt) {
                    (Some(a), true) => a.as_str(),
                    _ => p.email.as_str(),
                };
                w.add(
                    &format!("{} <{email}>", p.name),
                    m.sent,
                    &tz_str(p.tz),
                    m.recv,
                    &m.subject,
                    &buf,
                )?;
                res.raw += buf.len() as u64;
                res.sizes.push(buf.len() as u32);
                progress.fetch_add(1, AtomicOrdering::Relaxed);
                idx += 1;
            }
            Item::Removal { msg, at } => {
                if idx <= job.start {
                    continue;
                }
                let w = writer
                    .as_mut()
                    .expect("a message of this range was written");
                buf.clear();
                renderer.render(&msg, &mut buf);
                w.remove(at, &buf)?;
                res.removals += 1;
            }
        }
    }
    if let Some(w) = writer {
        w.finish()?;
    }
    Ok(res)
}

fn main() -> Result<()> {
    let args = Args::parse();
    let t0 = Instant::now();
    let (mut totals, threads) = generate(&args)?;
    report(
        &args.out,
        &args,
        t0,
        &mut totals,
        args.skip + args.messages,
        threads,
    );
    Ok(())
}

/// Write the inbox; returns what was written and how many workers did it.
fn generate(args: &Args) -> Result<(JobResult, usize)> {
    let out = &args.out;
    let (params, prev_removals) = if args.skip > 0 {
        let path = out.join(STATE_FILE);
        let text = fs::read_to_string(&path).with_context(|| {
            format!(
                "--skip needs an inbox written by gen-inbox ({} is missing)",
                path.display()
            )
        })?;
        let state: State =
            serde_json::from_str(&text).with_context(|| format!("reading {}", path.display()))?;
        if state.messages != args.skip {
            bail!(
                "{} holds {} messages; --skip must be exactly that, not {}",
                out.display(),
                state.messages,
                args.skip
            );
        }
        (resolve(args, Some(&state.params))?, state.removals)
    } else {
        if out.exists() && fs::read_dir(out)?.next().is_some() {
            bail!(
                "{} exists and is not empty (use --skip to append)",
                out.display()
            );
        }
        (resolve(args, None)?, 0)
    };
    parse_date(&params.start)?;
    fs::create_dir_all(out.join("git"))?;
    fs::write(
        out.join("description"),
        format!(
            "{} mailing list (generated by putt gen-inbox)\n",
            params.list
        ),
    )?;
    let end = args.skip + args.messages;
    let epochs = if end == 0 {
        0
    } else {
        (end - 1) / params.epoch_size + 1
    };
    write_all_git(out, epochs)?;

    let t0 = Instant::now();
    let work = jobs(args.skip, end, params.epoch_size);
    let threads = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, work.len().max(1));
    let next = AtomicUsize::new(0);
    let progress = AtomicU64::new(0);
    let (tx, rx) = mpsc::channel::<(usize, Result<JobResult>)>();
    let mut results: Vec<Option<JobResult>> = (0..work.len()).map(|_| None).collect();
    let mut failure = None;
    let mut totals = JobResult::default();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let tx = tx.clone();
            let (work, next, progress, params) = (&work, &next, &progress, &params);
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, AtomicOrdering::SeqCst);
                    let Some(&job) = work.get(i) else { break };
                    let r = run_job(out, params, job, progress);
                    let failed = r.is_err();
                    if tx.send((i, r)).is_err() || failed {
                        // Stop handing out work after a failure.
                        next.store(work.len(), AtomicOrdering::SeqCst);
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut done_prefix = 0;
        let mut removals = prev_removals;
        let mut last_shown = 0u64;
        loop {
            match rx.recv_timeout(Duration::from_millis(500)) {
                Ok((i, Ok(r))) => results[i] = Some(r),
                Ok((_, Err(e))) => {
                    failure.get_or_insert(e);
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
            // The recorded count only ever covers a finished prefix, so an
            // interrupted run resumes with --skip at a consistent point.
            while done_prefix < work.len() && results[done_prefix].is_some() {
                removals += results[done_prefix].as_ref().map_or(0, |r| r.removals);
                done_prefix += 1;
                if failure.is_none()
                    && let Err(e) = save_state(out, &params, work[done_prefix - 1].end, removals)
                {
                    failure = Some(e);
                }
            }
            let n = progress.load(AtomicOrdering::Relaxed);
            if n / 50_000 > last_shown / 50_000 {
                last_shown = n;
                eprintln!(
                    "gen-inbox: {}/{end} messages, {:.0} msg/s",
                    args.skip + n,
                    n as f64 / t0.elapsed().as_secs_f64()
                );
            }
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    for r in results.into_iter().flatten() {
        totals.removals += r.removals;
        totals.raw += r.raw;
        totals.sizes.extend(r.sizes);
    }
    if work.is_empty() {
        save_state(out, &params, end, prev_removals)?;
    }
    Ok((totals, threads))
}

fn report(
    out: &Path,
    args: &Args,
    t0: Instant,
    totals: &mut JobResult,
    total: u64,
    threads: usize,
) {
    let secs = t0.elapsed().as_secs_f64();
    let pack = pack_bytes(out);
    let sizes = &mut totals.sizes;
    sizes.sort_unstable();
    let q = |f: f64| {
        sizes
            .get(((sizes.len() as f64 - 1.0) * f) as usize)
            .copied()
            .unwrap_or(0)
    };
    eprintln!(
        "gen-inbox: wrote {} messages and {} removals in {secs:.1} s ({:.0} msg/s, {threads} workers)\n\
         gen-inbox: raw {:.1} MB; message size median {} B, p90 {} B, p99 {} B, max {} B\n\
         gen-inbox: inbox holds {total} messages; packs {:.1} MB ({:.0} B/message)",
        args.messages,
        totals.removals,
        args.messages as f64 / secs,
        totals.raw as f64 / 1e6,
        q(0.5),
        q(0.9),
        q(0.99),
        sizes.last().copied().unwrap_or(0),
        pack as f64 / 1e6,
        pack as f64 / total.max(1) as f64,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(out: &Path, messages: u64, skip: u64, total: Option<u64>, jobs: usize) -> Args {
        Args {
            messages,
            out: out.to_path_buf(),
            seed: None,
            epoch_size: if skip == 0 { Some(700) } else { None },
            start: None,
            days: Some(30.0),
            total,
            remove_ratio: if skip == 0 { Some(0.01) } else { None },
            skip,
            list: None,
            jobs: Some(jobs),
        }
    }

    fn tips(dir: &Path) -> Vec<String> {
        (0..3)
            .map(|e| {
                let out = putt_testkit::bulk::git(Some(&putt_testkit::bulk::epoch_dir(dir, e)))
                    .args(["rev-parse", "refs/heads/master"])
                    .output()
                    .expect("git runs");
                String::from_utf8_lossy(&out.stdout).trim().to_string()
            })
            .collect()
    }

    /// The promise benchmarks rely on: one run, a run in parts, and a
    /// parallel run write the same commits.
    #[test]
    fn parts_and_parallel_runs_write_the_same_commits() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let (one, parts, par) = (
            tmp.path().join("one"),
            tmp.path().join("parts"),
            tmp.path().join("par"),
        );
        generate(&args(&one, 1800, 0, None, 1)).expect("one run");
        generate(&args(&parts, 650, 0, Some(1800), 1)).expect("first part");
        generate(&args(&parts, 500, 650, None, 1)).expect("second part");
        generate(&args(&parts, 650, 1150, None, 1)).expect("third part");
        generate(&args(&par, 1800, 0, None, 3)).expect("parallel run");
        let t = tips(&one);
        assert!(t.iter().all(|h| h.len() == 40), "{t:?}");
        assert_eq!(t, tips(&parts));
        assert_eq!(t, tips(&par));
        // Appending needs the exact count and refuses other options.
        assert!(generate(&args(&parts, 10, 1700, None, 1)).is_err());
        let mut a = args(&parts, 10, 1800, None, 1);
        a.seed = Some(2);
        assert!(generate(&a).is_err());
    }
}
