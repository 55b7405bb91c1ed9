//! `cargo bench --bench putt -- --archive DIR` (or `--corpus linux-kbuild`):
//! putt's speed on one archive, side by side with public-inbox's indexer
//! and Xapian search on the same machine, data and run, printed as the
//! markdown tables of BENCHMARKS.md.
//!
//! End-to-end figures run the release `putt` binary (process start
//! included) on views of the archive: bare clones sharing its objects with
//! `refs/heads/master` moved back, so an archive is never copied or changed
//! and "N new messages" are the archive's own next N commits. Query
//! latencies are measured in-process through the library, as a TUI or a
//! long-lived client sees them. Every figure is a median over runs; the
//! load average before and after says how busy the shared machine was.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Parser;

use putt_store::archive::Inbox;
use putt_store::index::Index;
use putt_store::mail::Message;

/// The `putt` binary timed end to end: this build's, or `PUTT_BIN` (a
/// profile-guided build from `benches/pgo.sh`, another commit's binary).
fn putt_bin() -> std::ffi::OsString {
    std::env::var_os("PUTT_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_putt").into())
}
const PI_QUERY: &str = include_str!("pi-query.pl");

#[derive(Parser, Debug)]
#[command(name = "putt-bench")]
struct Args {
    /// A public-inbox archive (v2 directory or v1 repository).
    #[arg(long, conflicts_with = "corpus")]
    archive: Option<PathBuf>,
    /// A real epoch from ../shared/corpus/real, e.g. `linux-kbuild`.
    #[arg(long)]
    corpus: Option<String>,
    /// Scratch directory for views, indexes and public-inbox copies.
    #[arg(long, default_value = "/tmp/putt-bench")]
    work: PathBuf,
    /// Full-index runs (fresh index each) whose median is reported.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Rounds of +500, +1,000, +5,000 new messages (0: only "nothing
    /// new", on the full index).
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Messages (first commits of epoch 0) for `public-inbox-index -L
    /// basic`; 0 skips it. [default: the whole first epoch]
    #[arg(long)]
    pi_basic: Option<u64>,
    /// Messages (first commits of epoch 0) for `-L full` and the Xapian
    /// queries; 0 skips them.
    #[arg(long, default_value_t = 10_000)]
    pi_full: u64,
    /// Timed runs of each query.
    #[arg(long, default_value_t = 50)]
    query_runs: usize,
    /// Also append the tables to this file.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Skip the end-to-end index runs and reuse the work dir's index
    /// (queries only; for iterating on query speed).
    #[arg(long)]
    queries_only: bool,
    /// Skip the 30-day series listing and the interdiffs (on a million
    /// messages a series run without the memo is slow).
    #[arg(long)]
    skip_series: bool,
    /// Passed by `cargo bench`.
    #[arg(long, hide = true)]
    bench: bool,
}

fn main() -> Result<()> {
    let args = Args::parse();
    if args.archive.is_none() && args.corpus.is_none() && !args.bench {
        // `cargo test --all-targets` runs this binary without arguments.
        println!("putt-bench: nothing to measure without --archive DIR or --corpus NAME");
        return Ok(());
    }
    if let Some(bin) = std::env::var_os("PUTT_BIN")
        && !Path::new(&bin).is_file()
    {
        bail!("PUTT_BIN={}: not a file", bin.to_string_lossy());
    }
    std::fs::create_dir_all(&args.work)?;
    let work = args.work.canonicalize()?;
    let (archive, label) = match (&args.archive, &args.corpus) {
        (Some(a), _) => (a.canonicalize()?, a.display().to_string()),
        (None, Some(name)) => (
            restore_corpus(&work, name)?,
            format!("{name} (real, ../shared/corpus)"),
        ),
        (None, None) => bail!("give --archive DIR or --corpus NAME"),
    };
    let mut md = String::new();
    let load_before = loadavg();
    let started = Instant::now();
    let cmdline = format!(
        "cargo bench --bench putt -- {}",
        std::env::args()
            .skip(1)
            .filter(|a| a != "--bench")
            .collect::<Vec<_>>()
            .join(" ")
    );
    let src = Inbox::open("src", &archive)?;
    let epochs = epoch_commits(&src)?;
    let total_commits: u64 = epochs.iter().map(|e| e.len() as u64).sum();
    let packed = pack_bytes(&src);

    // Full index, fresh each run, on the whole archive.
    let full_view = make_view(&work.join("view-full"), &src, &epochs, None)?;
    let full_idx = work.join("idx-full");
    let mut full_runs = Vec::new();
    if !args.queries_only {
        for r in 0..args.runs {
            eprintln!("bench: full index run {}/{}", r + 1, args.runs);
            remove(&full_idx)?;
            full_runs.push(index_run(&full_view, &full_idx)?);
        }
    }
    let index_bytes = dir_size(&full_idx);
    let index = Index::open(&full_idx)?;
    let messages = index.num_messages();

    // Subsets of epoch 0 for public-inbox (its full level is ~100x slower).
    let epoch0 = epochs[0].len() as u64;
    let pi_basic = args.pi_basic.unwrap_or(epoch0).min(epoch0);
    let pi_full = args.pi_full.min(epoch0);
    let mut side: Vec<SideRow> = Vec::new();
    if !args.queries_only {
        side.push(SideRow::putt(
            "putt, whole archive",
            total_commits,
            &full_runs,
            index_bytes,
        ));
        for (level, n) in [("basic", pi_basic), ("full", pi_full)] {
            if n == 0 {
                continue;
            }
            let view = make_view(&work.join(format!("view-{n}")), &src, &epochs, Some(n))?;
            let idx = work.join(format!("idx-{n}"));
            let mut runs = Vec::new();
            // Like for like: public-inbox runs with --no-fsync too. Half of
            // putt's runs come before public-inbox's and half after, so that
            // the host's load, which changes over public-inbox's minutes,
            // weighs on both sides alike.
            let mut putt_runs = |from: usize, to: usize| -> Result<()> {
                for r in from..to {
                    eprintln!("bench: putt on the first {n} ({}/{})", r + 1, args.runs);
                    remove(&idx)?;
                    runs.push(index_run_with(&view, &idx, &["--no-fsync"])?);
                }
                Ok(())
            };
            let before = args.runs.div_ceil(2);
            putt_runs(0, before)?;
            eprintln!("bench: public-inbox-index -L {level} on the first {n}");
            let pi = pi_index(&work, &view, level)?;
            putt_runs(before, args.runs)?;
            let putt_row = SideRow::putt(
                &format!("putt --no-fsync, first {n}"),
                n,
                &runs,
                dir_size(&idx),
            );
            let mut pi_row = SideRow {
                who: format!("public-inbox-index -L {level}, first {n}"),
                messages: n,
                wall: pi.wall,
                cpu: pi.user + pi.sys,
                rss_kb: pi.maxrss_kb,
                anon_kb: pi.anon_kb,
                index_bytes: pi_index_bytes(&work.join(format!("pi-{level}"))),
                ratio: None,
            };
            pi_row.ratio = Some((pi_row.wall / putt_row.wall, pi_row.cpu / putt_row.cpu));
            side.push(putt_row);
            side.push(pi_row);
        }
    }

    // Incremental: a view moved back, then forward by the archive's own commits.
    let mut incr: BTreeMap<u64, Vec<(Run, u64)>> = BTreeMap::new();
    let steps = [500u64, 1_000, 5_000];
    let per_round: u64 = steps.iter().sum();
    let last = epochs.len() - 1;
    let back = per_round * args.rounds as u64;
    if !args.queries_only && args.rounds == 0 {
        // No rounds: only "nothing new", on the full index (no second
        // index of the whole archive for a base).
        for _ in 0..5 {
            let r = index_run(&full_view, &full_idx)?;
            incr.entry(0).or_default().push((r, 0));
        }
    } else if !args.queries_only && (epochs[last].len() as u64) > back + 1_000 {
        let base = epochs[last].len() - back as usize;
        let view_dir = work.join("view-incr");
        let view = make_view_at(&view_dir, &src, &epochs, base)?;
        let idx = work.join("idx-incr");
        remove(&idx)?;
        eprintln!("bench: incremental base index");
        index_run(&view, &idx)?;
        // A reader who lists series has a series memo; every run below
        // keeps it up to date (drops what new mail touches, groups the new
        // mail's series), and that is part of its cost.
        let newest = newest_date(&Index::open(&idx)?)? + 1;
        timed(
            putt_cmd(&view, &idx)
                .env("PUTT_NOW", newest.to_string())
                .args(["series", "d:30.days.ago.."]),
        )?;
        for _ in 0..5 {
            let r = index_run(&view, &idx)?;
            incr.entry(0).or_default().push((r, 0));
        }
        let mut at = base;
        for round in 0..args.rounds {
            for &n in &steps {
                at += n as usize;
                set_tip(&view_dir, last, &epochs[last][at - 1])?;
                eprintln!("bench: incremental round {} +{n}", round + 1);
                let r = index_run(&view, &idx)?;
                let added = r.added;
                incr.entry(n).or_default().push((r, added));
            }
        }
    }

    // Queries, in-process.
    let anchor_idx = if pi_full > 0 && pi_full < epoch0 {
        Index::open(&work.join(format!("idx-{pi_full}"))).ok()
    } else {
        None
    };
    let anchor = Anchor::find(anchor_idx.as_ref().unwrap_or(&index))?;
    let now = chrono::DateTime::from_timestamp(newest_date(&index)? + 1, 0).expect("valid time");
    let queries = anchor.queries();
    eprintln!("bench: queries on the whole archive");
    let qrows = time_queries(&index, &queries, now, args.query_runs)?;
    let lookups = time_lookups(&index, &anchor, args.query_runs)?;
    let (series, interdiffs) = if args.skip_series {
        (Vec::new(), Vec::new())
    } else {
        let series = time_series(&index, &full_view, &full_idx, now, args.query_runs)?;
        eprintln!("bench: interdiff");
        (series, time_interdiffs(&index, now, args.query_runs)?)
    };

    // The same queries on public-inbox's Xapian (full level subset) and on
    // putt's index of the same subset.
    let mut xapian: Vec<(String, Option<XapianTimes>, Lat)> = Vec::new();
    if !args.queries_only && pi_full > 0 {
        let idx = if pi_full < epoch0 {
            Index::open(&work.join(format!("idx-{pi_full}")))?
        } else {
            Index::open(&full_idx)?
        };
        let sub_now = chrono::DateTime::from_timestamp(newest_date(&idx)? + 1, 0).expect("time");
        let putt_sub = time_queries(&idx, &queries, sub_now, args.query_runs)?;
        let pi = pi_queries(&work, &queries, args.query_runs)?;
        for (q, (p, row)) in queries.iter().zip(pi.into_iter().zip(putt_sub)) {
            xapian.push((q.label.to_string(), p, row.lat));
        }
    }
    let load_after = loadavg();

    // Tables.
    let _ = writeln!(md, "### {label}\n");
    let _ = writeln!(md, "Command: `{cmdline}`  ");
    let _ = writeln!(
        md,
        "Machine: {} cores, {:.1} GiB RAM, {}; load average {} before, {} after; {:.0} s in all; putt {}; public-inbox {}.\n",
        nproc(),
        mem_gib(),
        cpu_model(),
        load_before,
        load_after,
        started.elapsed().as_secs_f64(),
        match std::env::var_os("PUTT_BIN") {
            Some(bin) => format!("{} (PUTT_BIN={})", git_rev(), bin.to_string_lossy()),
            None => git_rev(),
        },
        pi_version()
    );
    let _ = writeln!(
        md,
        "Archive: {} epoch(s), {} commits, {} messages indexed, packed git {:.1} MB ({} B/message).\n",
        epochs.len(),
        total_commits,
        messages,
        packed as f64 / 1e6,
        packed / messages.max(1)
    );
    if !full_runs.is_empty() {
        let wall = median(full_runs.iter().map(|r| r.wall));
        let cpu = median(full_runs.iter().map(|r| r.user + r.sys));
        let bytes = full_runs[0].bytes as f64;
        let added = full_runs[0].added as f64;
        let rss = full_runs.iter().map(|r| r.maxrss_kb).max().unwrap_or(0);
        let _ = writeln!(
            md,
            "| full index ({} runs, median) | |\n|---|---|",
            full_runs.len()
        );
        let _ = writeln!(md, "| messages | {} |", full_runs[0].added);
        let _ = writeln!(
            md,
            "| wall | {wall:.2} s (runs: {}) |",
            list(full_runs.iter().map(|r| r.wall))
        );
        let _ = writeln!(md, "| msgs/s | {:.0} |", added / wall);
        let _ = writeln!(md, "| MB/s (raw mail) | {:.1} |", bytes / 1e6 / wall);
        let _ = writeln!(
            md,
            "| CPU (user+sys) | {cpu:.2} s ({:.0} µs/message) |",
            cpu * 1e6 / added
        );
        let anon = full_runs.iter().map(|r| r.anon_kb).max().unwrap_or(0);
        let _ = writeln!(
            md,
            "| peak memory: heap (RssAnon) / RSS with mapped packs | {:.0} MB / {:.0} MB |",
            anon as f64 / 1024.0,
            rss as f64 / 1024.0
        );
        let _ = writeln!(
            md,
            "| index on disk | {:.1} MB, {} B/message ({:.0}% of packed git) |\n",
            index_bytes as f64 / 1e6,
            index_bytes / messages.max(1),
            100.0 * index_bytes as f64 / packed.max(1) as f64
        );
    }
    if !side.is_empty() {
        let _ = writeln!(
            md,
            "| indexer | messages | wall s (median) | msgs/s | CPU s | peak heap / RSS MB | index MB | putt faster: wall / CPU |"
        );
        let _ = writeln!(md, "|---|---|---|---|---|---|---|---|");
        for s in &side {
            let _ = writeln!(
                md,
                "| {} | {} | {:.2} | {:.0} | {:.1} | {:.0} / {:.0} | {:.1} | {} |",
                s.who,
                s.messages,
                s.wall,
                s.messages as f64 / s.wall,
                s.cpu,
                s.anon_kb as f64 / 1024.0,
                s.rss_kb as f64 / 1024.0,
                s.index_bytes as f64 / 1e6,
                s.ratio
                    .map_or(String::new(), |(w, c)| format!("**{w:.1}x** / {c:.1}x"))
            );
        }
        md.push('\n');
    }
    if !incr.is_empty() {
        let _ = writeln!(
            md,
            "| incremental `putt index` (end to end) | runs | median ms | min–max ms | median CPU ms | messages added | peak heap / RSS MB |"
        );
        let _ = writeln!(md, "|---|---|---|---|---|---|---|");
        for (n, runs) in &incr {
            let walls: Vec<f64> = runs.iter().map(|(r, _)| r.wall * 1e3).collect();
            let _ = writeln!(
                md,
                "| +{n} new | {} | {:.0} | {:.0}–{:.0} | {:.0} | {} | {:.0} / {:.0} |",
                runs.len(),
                median(walls.iter().copied()),
                walls.iter().copied().fold(f64::INFINITY, f64::min),
                walls.iter().copied().fold(0.0, f64::max),
                median(runs.iter().map(|(r, _)| (r.user + r.sys) * 1e3)),
                list_u(runs.iter().map(|(_, a)| *a)),
                runs.iter().map(|(r, _)| r.anon_kb).max().unwrap_or(0) as f64 / 1024.0,
                runs.iter().map(|(r, _)| r.maxrss_kb).max().unwrap_or(0) as f64 / 1024.0
            );
        }
        md.push('\n');
    }
    let _ = writeln!(
        md,
        "| query (in-process: parse, 20 newest hits with their stored fields) | matches | p50 ms | p95 ms |"
    );
    let _ = writeln!(md, "|---|---|---|---|");
    for r in qrows.iter().chain(lookups.iter()) {
        let _ = writeln!(
            md,
            "| {} `{}` | {} | {:.2} | {:.2} |",
            r.label, r.query, r.count, r.lat.p50, r.lat.p95
        );
    }
    md.push('\n');
    let _ = writeln!(
        md,
        "| series and interdiff | result | p50 ms | p95 ms | CPU ms (median) |\n|---|---|---|---|---|"
    );
    for r in &series {
        let _ = writeln!(
            md,
            "| {} | {} | {:.1} | {:.1} | {:.1} |",
            r.label, r.count, r.lat.p50, r.lat.p95, r.lat.cpu
        );
    }
    for r in &interdiffs {
        let _ = writeln!(
            md,
            "| {} | {} | {:.1} | {:.1} | {:.1} |",
            r.label, r.count, r.lat.p50, r.lat.p95, r.lat.cpu
        );
    }
    if args.skip_series {
        let _ = writeln!(
            md,
            "| series and interdiff | skipped (`--skip-series`) | | | |"
        );
    }
    let _ = writeln!(
        md,
        "| TUI time to first full screen | see the TUI section | | | |\n"
    );
    if !xapian.is_empty() {
        let _ = writeln!(
            md,
            "Same queries on the first {pi_full} messages: putt in-process vs public-inbox's Xapian (`PublicInbox::Search::mset` + `mset_to_smsg`, 20 newest, in one Perl process; `lei` adds its daemon round trip on top).\n"
        );
        let _ = writeln!(
            md,
            "| query | Xapian matches | Xapian p50 / p95 ms | putt p50 / p95 ms | putt faster (p50) |"
        );
        let _ = writeln!(md, "|---|---|---|---|---|");
        for (label, pi, lat) in &xapian {
            match pi {
                Some((n, t)) => {
                    let l = Lat::of(t.iter().map(|s| s * 1e3).collect());
                    let _ = writeln!(
                        md,
                        "| {label} | {n} | {:.2} / {:.2} | {:.2} / {:.2} | {:.1}x |",
                        l.p50,
                        l.p95,
                        lat.p50,
                        lat.p95,
                        l.p50 / lat.p50.max(1e-6)
                    );
                }
                None => {
                    let _ = writeln!(
                        md,
                        "| {label} | no equivalent syntax | | {:.2} / {:.2} | |",
                        lat.p50, lat.p95
                    );
                }
            }
        }
        md.push('\n');
    }
    print!("{md}");
    if let Some(out) = &args.out {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(out)?;
        f.write_all(md.as_bytes())?;
    }
    Ok(())
}

// ---------------------------------------------------------------- archives

fn restore_corpus(work: &Path, name: &str) -> Result<PathBuf> {
    let bundle = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/real")
        .join(format!("{name}.0.bundle"));
    if !bundle.is_file() {
        bail!("{} is missing", bundle.display());
    }
    let dir = work.join(format!("corpus-{name}"));
    let git = dir.join("git/0.git");
    if !git.is_dir() {
        std::fs::create_dir_all(dir.join("git"))?;
        run(Command::new("git")
            .args(["clone", "-q", "--mirror"])
            .arg(&bundle)
            .arg(&git))?;
    }
    Ok(dir)
}

/// Commits of each epoch's master, oldest first.
fn epoch_commits(inbox: &Inbox) -> Result<Vec<Vec<String>>> {
    let mut out = Vec::new();
    for e in &inbox.epochs {
        let text = output(Command::new("git").arg("--git-dir").arg(&e.git_dir).args([
            "rev-list",
            "--reverse",
            "--first-parent",
            "HEAD",
        ]))?;
        out.push(text.lines().map(str::to_string).collect());
    }
    Ok(out)
}

/// A v2 inbox at `dir` sharing the archive's objects, holding its first
/// `limit` commits (all when `None`).
fn make_view(
    dir: &Path,
    src: &Inbox,
    epochs: &[Vec<String>],
    limit: Option<u64>,
) -> Result<PathBuf> {
    remove(dir)?;
    let mut left = limit.unwrap_or(u64::MAX);
    for (e, commits) in src.epochs.iter().zip(epochs) {
        if left == 0 {
            break;
        }
        let dst = dir.join(format!("git/{}.git", e.number));
        share(&e.git_dir, &dst)?;
        let take = (commits.len() as u64).min(left);
        if take < commits.len() as u64 {
            set_ref(&dst, &commits[take as usize - 1])?;
        }
        left -= take;
    }
    Ok(dir.to_path_buf())
}

/// A view of every epoch, the last one cut after its first `keep` commits.
fn make_view_at(dir: &Path, src: &Inbox, epochs: &[Vec<String>], keep: usize) -> Result<PathBuf> {
    make_view(dir, src, epochs, None)?;
    let last = epochs.len() - 1;
    set_tip(dir, last, &epochs[last][keep - 1])?;
    Ok(dir.to_path_buf())
}

fn set_tip(view: &Path, epoch: usize, commit: &str) -> Result<()> {
    set_ref(&view.join(format!("git/{epoch}.git")), commit)
}

fn share(src: &Path, dst: &Path) -> Result<()> {
    std::fs::create_dir_all(dst.parent().expect("epoch dirs have a parent"))?;
    run(Command::new("git")
        .args(["clone", "-q", "--bare", "--shared"])
        .arg(src)
        .arg(dst))
}

fn set_ref(git_dir: &Path, commit: &str) -> Result<()> {
    run(Command::new("git").arg("--git-dir").arg(git_dir).args([
        "update-ref",
        "refs/heads/master",
        commit,
    ]))
}

fn pack_bytes(inbox: &Inbox) -> u64 {
    inbox
        .epochs
        .iter()
        .map(|e| {
            std::fs::read_dir(e.git_dir.join("objects/pack"))
                .map(|d| {
                    d.filter_map(|f| f.ok())
                        .filter(|f| f.file_name().to_string_lossy().ends_with(".pack"))
                        .filter_map(|f| f.metadata().ok())
                        .map(|m| m.len())
                        .sum::<u64>()
                })
                .unwrap_or(0)
        })
        .sum()
}

// ---------------------------------------------------------------- processes

#[derive(Debug, Clone, Default)]
struct Run {
    wall: f64,
    user: f64,
    sys: f64,
    maxrss_kb: u64,
    /// Peak anonymous memory (heap), polled every 10 ms.
    anon_kb: u64,
    added: u64,
    bytes: u64,
}

/// Runs a command under GNU time for CPU and peak RSS; wall from here.
fn timed(cmd: &mut Command) -> Result<(Run, String)> {
    let tfile = std::env::temp_dir().join(format!("putt-bench-time-{}", std::process::id()));
    let prog = cmd.get_program().to_owned();
    let args: Vec<_> = cmd.get_args().map(|a| a.to_owned()).collect();
    let mut t = Command::new("/usr/bin/time");
    t.args(["-f", "%U %S %M", "-o"])
        .arg(&tfile)
        .arg(&prog)
        .args(&args);
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => t.env(k, v),
            None => t.env_remove(k),
        };
    }
    if let Some(d) = cmd.get_current_dir() {
        t.current_dir(d);
    }
    let start = Instant::now();
    let mut child = t
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("running {prog:?} under /usr/bin/time"))?;
    let mut pipe = child.stdout.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = std::io::Read::read_to_end(&mut pipe, &mut buf);
        buf
    });
    // GNU time reports the peak resident set, which counts the pages of
    // git packs gix maps; the anonymous part (heap) is polled here.
    let mut anon_kb = 0;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        anon_kb = anon_kb.max(child_anon_kb(child.id()));
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    let wall = start.elapsed().as_secs_f64();
    let stdout = reader.join().unwrap_or_default();
    if !status.success() {
        bail!("{prog:?} {args:?} failed: {status}");
    }
    let text = std::fs::read_to_string(&tfile)?;
    let last = text.lines().last().unwrap_or_default();
    let f: Vec<&str> = last.split_whitespace().collect();
    let run = Run {
        wall,
        user: f.first().and_then(|s| s.parse().ok()).unwrap_or(0.0),
        sys: f.get(1).and_then(|s| s.parse().ok()).unwrap_or(0.0),
        maxrss_kb: f.get(2).and_then(|s| s.parse().ok()).unwrap_or(0),
        anon_kb,
        ..Run::default()
    };
    Ok((run, String::from_utf8_lossy(&stdout).into_owned()))
}

/// RssAnon of the child of process `pid` (the command under time), in kB.
fn child_anon_kb(pid: u32) -> u64 {
    let children = read(&format!("/proc/{pid}/task/{pid}/children"));
    children
        .split_whitespace()
        .map(|c| {
            read(&format!("/proc/{c}/status"))
                .lines()
                .find_map(|l| l.strip_prefix("RssAnon:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .unwrap_or(0)
        })
        .max()
        .unwrap_or(0)
}

fn putt_cmd(view: &Path, idx: &Path) -> Command {
    let mut c = Command::new(putt_bin());
    c.args(["--quiet", "--config", "/dev/null", "--inbox"])
        .arg(view)
        .arg("--index-dir")
        .arg(idx);
    c
}

fn index_run(view: &Path, idx: &Path) -> Result<Run> {
    index_run_with(view, idx, &[])
}

fn index_run_with(view: &Path, idx: &Path, extra: &[&str]) -> Result<Run> {
    let (mut run, out) = timed(putt_cmd(view, idx).args(["index", "--json"]).args(extra))?;
    let report: serde_json::Value =
        serde_json::from_str(out.trim()).context("putt index --json")?;
    run.added = report["added"].as_u64().unwrap_or(0);
    run.bytes = report["bytes"].as_u64().unwrap_or(0);
    Ok(run)
}

struct SideRow {
    who: String,
    messages: u64,
    wall: f64,
    cpu: f64,
    rss_kb: u64,
    anon_kb: u64,
    index_bytes: u64,
    /// public-inbox's wall and CPU time over putt's.
    ratio: Option<(f64, f64)>,
}

impl SideRow {
    fn putt(who: &str, messages: u64, runs: &[Run], index_bytes: u64) -> SideRow {
        SideRow {
            who: who.to_string(),
            messages,
            wall: median(runs.iter().map(|r| r.wall)),
            cpu: median(runs.iter().map(|r| r.user + r.sys)),
            rss_kb: runs.iter().map(|r| r.maxrss_kb).max().unwrap_or(0),
            anon_kb: runs.iter().map(|r| r.anon_kb).max().unwrap_or(0),
            index_bytes,
            ratio: None,
        }
    }
}

/// `public-inbox-init -V2` over a copy sharing the view's objects, then a
/// timed `public-inbox-index` (with `--no-fsync`: its fastest setting).
fn pi_index(work: &Path, view: &Path, level: &str) -> Result<Run> {
    let dir = work.join(format!("pi-{level}"));
    let config = work.join(format!("pi-{level}.config"));
    remove(&dir)?;
    let _ = std::fs::remove_file(&config);
    run(Command::new("public-inbox-init")
        .env("PI_CONFIG", &config)
        .args(["-V2", "-L", level, "bench"])
        .arg(&dir)
        .args(["http://example.invalid/bench", "bench@example.invalid"]))?;
    for entry in std::fs::read_dir(dir.join("git"))? {
        remove(&entry?.path())?;
    }
    for entry in std::fs::read_dir(view.join("git"))? {
        let entry = entry?;
        share(&entry.path(), &dir.join("git").join(entry.file_name()))?;
    }
    let (run, _) = timed(
        Command::new("public-inbox-index")
            .env("PI_CONFIG", &config)
            .arg("--no-fsync")
            .arg(&dir),
    )?;
    Ok(run)
}

fn pi_index_bytes(dir: &Path) -> u64 {
    dir_size_tree(&dir.join("xap15"))
        + std::fs::metadata(dir.join("msgmap.sqlite3")).map_or(0, |m| m.len())
}

fn pi_queries(
    work: &Path,
    queries: &[BenchQuery],
    runs: usize,
) -> Result<Vec<Option<XapianTimes>>> {
    let script = work.join("pi-query.pl");
    std::fs::write(&script, PI_QUERY)?;
    let mut child = Command::new("perl")
        .arg(&script)
        .arg(work.join("pi-full"))
        .arg(runs.to_string())
        .env("PI_CONFIG", work.join("pi-full.config"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let mut stdin = child.stdin.take().expect("piped");
    let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
    let mut out = Vec::new();
    for q in queries {
        let Some(x) = &q.xapian else {
            out.push(None);
            continue;
        };
        writeln!(stdin, "{x}")?;
        let mut line = String::new();
        stdout.read_line(&mut line)?;
        let mut it = line.split_whitespace();
        let n = it.next().and_then(|s| s.parse().ok()).unwrap_or(0);
        out.push(Some((n, it.filter_map(|s| s.parse().ok()).collect())));
    }
    drop(stdin);
    child.wait()?;
    Ok(out)
}

fn run(cmd: &mut Command) -> Result<()> {
    let out = cmd.output().with_context(|| format!("{cmd:?}"))?;
    if !out.status.success() {
        bail!("{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(())
}

fn output(cmd: &mut Command) -> Result<String> {
    let out = cmd.output().with_context(|| format!("{cmd:?}"))?;
    if !out.status.success() {
        bail!("{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

// ---------------------------------------------------------------- queries

/// A message in the middle of the archive whose words the queries use.
struct Anchor {
    mid: String,
    date: i64,
    path: String,
    dir: String,
    word: String,
    word2: String,
    phrase: String,
    from: String,
    added: String,
}

impl Anchor {
    fn find(index: &Index) -> Result<Anchor> {
        let n = index.num_messages() as usize;
        let far_past = chrono::DateTime::from_timestamp(4_000_000_000, 0).expect("time");
        let page = index.search("", far_past, 2_000, n / 2)?;
        for m in page {
            if m.meta.reply || !m.meta.has_diff || m.meta.total < 2 {
                continue;
            }
            let raw = index.raw_message(&m)?;
            let msg = Message::parse(&raw);
            let words: Vec<&str> = msg
                .subject_info
                .normalized
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| w.len() >= 4 && w.chars().all(|c| c.is_ascii_alphabetic()))
                .collect();
            let Some(file) = msg.diff.files.iter().find(|f| f.path().contains('/')) else {
                continue;
            };
            let path = file.path().to_string();
            let dir = path
                .rsplit_once('/')
                .map(|(d, _)| format!("{d}/"))
                .unwrap_or_default();
            let added = msg
                .diff
                .added
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .filter(|w| {
                    w.len() >= 8 && w.contains('_') && !w.starts_with(|c: char| c.is_ascii_digit())
                })
                .max_by_key(|w| w.len());
            let norm: Vec<&str> = msg.subject_info.normalized.split_whitespace().collect();
            let phrase = norm.windows(2).find(|p| {
                p.iter()
                    .all(|w| w.len() >= 3 && w.chars().all(|c| c.is_ascii_alphabetic()))
            });
            let (Some(added), Some(phrase), true) = (added, phrase, words.len() >= 2) else {
                continue;
            };
            let mut sorted = words.clone();
            sorted.sort_by_key(|w| std::cmp::Reverse(w.len()));
            return Ok(Anchor {
                mid: m.message_id.clone(),
                date: m.date,
                path,
                dir,
                word: sorted[0].to_lowercase(),
                word2: sorted[1].to_lowercase(),
                phrase: phrase.join(" ").to_lowercase(),
                from: msg.from.addr.clone(),
                added: added.to_string(),
            });
        }
        bail!("no patch with a subject, a path and an identifier in the middle of the archive")
    }

    fn queries(&self) -> Vec<BenchQuery> {
        let day = |t: i64| {
            chrono::DateTime::from_timestamp(t, 0)
                .expect("time")
                .format("%Y-%m-%d")
                .to_string()
        };
        let (from, to) = (day(self.date - 29 * 86_400), day(self.date + 86_400));
        let xd = |s: &str| s.replace('-', "");
        let q = |label: &'static str, putt: String, xapian: Option<String>| BenchQuery {
            label,
            putt,
            xapian,
        };
        vec![
            q(
                "exact message-id",
                format!("m:{}", self.mid),
                Some(format!("m:{}", self.mid)),
            ),
            q(
                "`dfn:` file",
                format!("dfn:{}", self.path),
                Some(format!("dfn:{}", self.path)),
            ),
            q(
                "`dfn:` directory",
                format!("dfn:{}", self.dir),
                Some(format!("dfn:{}", self.dir)),
            ),
            q(
                "`s:` word",
                format!("s:{}", self.word),
                Some(format!("s:{}", self.word)),
            ),
            q(
                "phrase",
                format!("\"{}\"", self.phrase),
                Some(format!("\"{}\"", self.phrase)),
            ),
            q(
                "`d:` 30 days",
                format!("d:{from}..{to}"),
                Some(format!("d:{}..{}", xd(&from), xd(&to))),
            ),
            q(
                "`f:` address",
                format!("f:{}", self.from),
                Some(format!("f:{}", self.from)),
            ),
            q(
                "`dfb:` identifier",
                format!("dfb:{}", self.added),
                Some(format!("dfb:{}", self.added)),
            ),
            q(
                "AND",
                format!("s:{} dfn:{}", self.word, self.dir),
                Some(format!("s:{} AND dfn:{}", self.word, self.dir)),
            ),
            q(
                "OR + `d:`",
                format!("(s:{} OR s:{}) d:{from}..{to}", self.word, self.word2),
                Some(format!(
                    "(s:{} OR s:{}) AND d:{}..{}",
                    self.word,
                    self.word2,
                    xd(&from),
                    xd(&to)
                )),
            ),
            q(
                "NOT",
                format!("dfn:{} NOT s:{}", self.dir, self.word),
                Some(format!("dfn:{} NOT s:{}", self.dir, self.word)),
            ),
            q(
                "everything, newest first",
                String::new(),
                Some("d:19700101..".into()),
            ),
        ]
    }
}

/// Xapian's match estimate and the seconds of each run.
type XapianTimes = (u64, Vec<f64>);

struct BenchQuery {
    label: &'static str,
    putt: String,
    /// The same question in public-inbox's syntax, where it has one.
    xapian: Option<String>,
}

#[derive(Debug, Clone, Copy, Default)]
struct Lat {
    p50: f64,
    p95: f64,
    /// Median CPU time of the measuring thread (or of the process, end to
    /// end), ms: what the work costs whatever else the machine runs.
    cpu: f64,
}

impl Lat {
    fn of(mut ms: Vec<f64>) -> Lat {
        ms.sort_by(f64::total_cmp);
        let at = |f: f64| {
            ms.get(((ms.len() as f64 - 1.0) * f).round() as usize)
                .copied()
                .unwrap_or(0.0)
        };
        Lat {
            p50: at(0.5),
            p95: at(0.95),
            cpu: 0.0,
        }
    }
}

struct QueryRow {
    label: String,
    query: String,
    count: String,
    lat: Lat,
}

fn time_ms<T>(runs: usize, mut f: impl FnMut() -> Result<T>) -> Result<(T, Lat)> {
    let mut last = f()?;
    for _ in 0..2 {
        last = f()?;
    }
    let mut ms = Vec::with_capacity(runs);
    let mut cpu = Vec::with_capacity(runs);
    for _ in 0..runs {
        let c = thread_cpu_ns();
        let t = Instant::now();
        last = f()?;
        ms.push(t.elapsed().as_secs_f64() * 1e3);
        cpu.push((thread_cpu_ns().saturating_sub(c)) as f64 / 1e6);
    }
    let mut lat = Lat::of(ms);
    lat.cpu = median(cpu.into_iter());
    Ok((last, lat))
}

/// CPU time this thread has run, ns (the scheduler's own count).
fn thread_cpu_ns() -> u64 {
    read("/proc/thread-self/schedstat")
        .split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn time_queries(
    index: &Index,
    queries: &[BenchQuery],
    now: chrono::DateTime<chrono::Utc>,
    runs: usize,
) -> Result<Vec<QueryRow>> {
    let mut out = Vec::new();
    for q in queries {
        let count = index.count(&q.putt, now)?;
        let (_, lat) = time_ms(runs, || Ok(index.search(&q.putt, now, 20, 0)?))?;
        out.push(QueryRow {
            label: q.label.to_string(),
            query: q.putt.clone(),
            count: count.to_string(),
            lat,
        });
    }
    Ok(out)
}

fn time_lookups(index: &Index, a: &Anchor, runs: usize) -> Result<Vec<QueryRow>> {
    let (found, lat) = time_ms(runs, || Ok(index.by_message_id(&a.mid)?.len()))?;
    let mut out = vec![QueryRow {
        label: "message-id lookup".into(),
        query: format!("Index::by_message_id({})", a.mid),
        count: found.to_string(),
        lat,
    }];
    let (thread, lat) = time_ms(runs, || {
        Ok(putt_store::series::gather::thread_of(index, &a.mid)?)
    })?;
    out.push(QueryRow {
        label: "whole thread".into(),
        query: format!("putt thread {}", a.mid),
        count: format!(
            "{} messages",
            thread.nodes.iter().filter(|n| n.message.is_some()).count()
        ),
        lat,
    });
    Ok(out)
}

fn time_series(
    index: &Index,
    view: &Path,
    idx: &Path,
    now: chrono::DateTime<chrono::Utc>,
    runs: usize,
) -> Result<Vec<QueryRow>> {
    let q = "d:30.days.ago..";
    // The series memo beside the index (putt_store::series::memo): without it
    // every listing groups its series afresh, as the first one after a
    // full index does; with it a listing reads what an earlier one or the
    // last index run kept.
    let memo = idx.join("series.memo");
    let forget = || match std::fs::remove_file(&memo) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    };
    let mut out = Vec::new();
    for keep in [false, true] {
        let what = if keep { "memo kept" } else { "no memo" };
        let (n, lat) = time_ms(runs.min(if keep { 20 } else { 5 }), || {
            if !keep {
                forget()?;
            }
            Ok(putt_store::series::gather::series_for_query(index, q, now, 200_000)?.len())
        })?;
        out.push(QueryRow {
            label: format!("`{q}` in-process, {what}"),
            query: q.into(),
            count: format!("{n} series"),
            lat,
        });
        let mut walls = Vec::new();
        let mut cpus = Vec::new();
        for _ in 0..5 {
            if !keep {
                forget()?;
            }
            let (r, _) = timed(
                putt_cmd(view, idx)
                    .env("PUTT_NOW", now.timestamp().to_string())
                    .args(["series", q]),
            )?;
            walls.push(r.wall * 1e3);
            cpus.push((r.user + r.sys) * 1e3);
        }
        let mut lat = Lat::of(walls);
        lat.cpu = median(cpus.into_iter());
        out.push(QueryRow {
            label: format!("`putt series '{q}'` end to end, {what}, 5 runs"),
            query: q.into(),
            count: format!("{n} series"),
            lat,
        });
    }
    Ok(out)
}

/// Interdiffs of real re-rolls in the archive: the two-revision pair
/// nearest 20 patches on both sides, and the one with the most diff text
/// (each timed in-process: load both revisions' mails from the archive,
/// parse, pair and diff, render as text).
fn time_interdiffs(
    index: &Index,
    now: chrono::DateTime<chrono::Utc>,
    runs: usize,
) -> Result<Vec<QueryRow>> {
    use putt_store::interdiff::{Options, between, patch_texts, render};
    use putt_store::series::Series;
    // (distance from 20 patches, series, index of the newer revision)
    let mut near20: Option<(u32, Series, usize)> = None;
    let mut biggest: Option<(usize, Series, usize)> = None;
    let mut offset = 0;
    let started = Instant::now();
    // Pages of patch mail, newest first, until a good candidate turns up
    // (or a time budget runs out on an archive without re-rolls).
    while started.elapsed().as_secs() < 60 {
        let page = putt_store::series::gather::series_page(index, "", now, offset, 2_000, true)?;
        offset += page.hits;
        for s in page.series {
            for i in 1..s.revisions.len() {
                let (a, b) = (&s.revisions[i - 1], &s.revisions[i]);
                if !a.complete() || !b.complete() || a.patches.len() < 2 {
                    continue;
                }
                let n = a.patches.len().max(b.patches.len()) as u32;
                let d = n.abs_diff(20) + a.patches.len().abs_diff(b.patches.len()) as u32;
                if near20.as_ref().is_none_or(|(best, _, _)| d < *best) {
                    near20 = Some((d, s.clone(), i));
                }
                if n >= 5 {
                    let bytes: usize = patch_texts(index, a)?
                        .iter()
                        .chain(patch_texts(index, b)?.iter())
                        .map(|p| p.diff.len())
                        .sum();
                    if biggest.as_ref().is_none_or(|(best, _, _)| bytes > *best) {
                        biggest = Some((bytes, s.clone(), i));
                    }
                }
            }
        }
        let found20 = near20.as_ref().is_some_and(|(d, _, _)| *d == 0);
        if !page.more || (found20 && offset >= 20_000) {
            break;
        }
    }
    let mut out = Vec::new();
    let mut seen = Vec::new();
    for (what, cand) in [
        ("nearest 20 patches", near20.map(|(_, s, i)| (s, i))),
        ("most diff text", biggest.map(|(_, s, i)| (s, i))),
    ] {
        let Some((s, i)) = cand else { continue };
        if seen.contains(&(s.id.clone(), i)) {
            continue;
        }
        seen.push((s.id.clone(), i));
        let (a, b) = (&s.revisions[i - 1], &s.revisions[i]);
        let opts = Options::default();
        let bytes: usize = patch_texts(index, a)?
            .iter()
            .chain(patch_texts(index, b)?.iter())
            .map(|p| p.raw_diff.len())
            .sum();
        let ((changed, lines), lat) = time_ms(runs.min(20), || {
            let d = between(index, &s, a, b, &opts)?;
            let text = render(&d, false, false);
            let changed = d
                .pairs
                .iter()
                .filter(|p| p.status != putt_store::interdiff::Status::Same)
                .count();
            Ok((changed, text.lines().count()))
        })?;
        out.push(QueryRow {
            label: format!(
                "interdiff {} → {} of series `{}` ({what}: {} → {} patches, {:.0} kB of diff), in-process",
                a.label(),
                b.label(),
                s.id,
                a.patches.len(),
                b.patches.len(),
                bytes as f64 / 1e3
            ),
            query: s.id.clone(),
            count: format!("{changed} pairs differ, {lines} lines"),
            lat,
        });
    }
    if out.is_empty() {
        out.push(QueryRow {
            label: "interdiff".into(),
            query: String::new(),
            count: "no complete re-roll found".into(),
            lat: Lat::default(),
        });
    }
    Ok(out)
}

fn newest_date(index: &Index) -> Result<i64> {
    let far = chrono::DateTime::from_timestamp(4_000_000_000, 0).expect("time");
    Ok(index.search("", far, 1, 0)?.first().map_or(0, |m| m.date))
}

// ---------------------------------------------------------------- machine

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

fn loadavg() -> String {
    read("/proc/loadavg")
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

fn nproc() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn mem_gib() -> f64 {
    read("/proc/meminfo")
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0 / 1024.0)
}

fn cpu_model() -> String {
    read("/proc/cpuinfo")
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "unknown CPU".into())
}

fn git_rev() -> String {
    output(Command::new("git").args([
        "-C",
        env!("CARGO_MANIFEST_DIR"),
        "describe",
        "--always",
        "--dirty",
    ]))
    .map(|s| s.trim().to_string())
    .unwrap_or_default()
}

fn pi_version() -> String {
    output(Command::new("dpkg-query").args(["-W", "-f", "${Version}", "public-inbox"]))
        .unwrap_or_else(|_| "?".into())
}

// ---------------------------------------------------------------- helpers

fn remove(p: &Path) -> Result<()> {
    if p.exists() {
        std::fs::remove_dir_all(p).with_context(|| format!("removing {}", p.display()))?;
    }
    Ok(())
}

fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

fn dir_size_tree(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => dir_size_tree(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

fn median(it: impl Iterator<Item = f64>) -> f64 {
    let mut v: Vec<f64> = it.collect();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return 0.0;
    }
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

fn list(it: impl Iterator<Item = f64>) -> String {
    it.map(|v| format!("{v:.2}")).collect::<Vec<_>>().join(", ")
}

fn list_u(it: impl Iterator<Item = u64>) -> String {
    let v: Vec<u64> = it.collect();
    let (min, max) = (
        v.iter().min().copied().unwrap_or(0),
        v.iter().max().copied().unwrap_or(0),
    );
    if min == max {
        min.to_string()
    } else {
        format!("{min}–{max}")
    }
}
