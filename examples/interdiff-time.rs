//! Times one interdiff in-process, phase by phase:
//!
//!     cargo run --release --example interdiff-time -- INDEX_DIR SERIES FROM TO [RUNS]
//!
//! FROM and TO are revision labels (`v2`) or `@N` (the order sent). Prints
//! the median wall and thread-CPU time of: loading both revisions' patches
//! from git (read, parse, reduce), pairing and diffing them
//! (`interdiff::compare`; `pair` alone too), rendering, and `between` + `render` end to end
//! (what the bench's interdiff row times).

use std::path::PathBuf;
use std::time::Instant;

use putt_store::index::Index;
use putt_store::interdiff::{Options, between, compare, pair, patch_texts, render};
use putt_store::series::gather::series_by_key;
use putt_store::series::{Revision, Series};

fn pick<'a>(s: &'a Series, label: &str) -> &'a Revision {
    match label.strip_prefix('@') {
        Some(n) => &s.revisions[n.parse::<usize>().expect("@N") - 1],
        None => s
            .revision(label.trim_start_matches('v').parse().expect("vN"))
            .expect("no such revision"),
    }
}

/// CPU time this thread has run, ns (the scheduler's own count).
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .unwrap_or_default()
        .split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Median wall and CPU ms of `runs` calls after 2 warm-up calls.
fn time(runs: usize, mut f: impl FnMut()) -> (f64, f64) {
    f();
    f();
    let (mut wall, mut cpu) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let c = thread_cpu_ns();
        let t = Instant::now();
        f();
        wall.push(t.elapsed().as_secs_f64() * 1e3);
        cpu.push(thread_cpu_ns().saturating_sub(c) as f64 / 1e6);
    }
    (median(wall), median(cpu))
}

/// A label and what it times.
type Phase<'a> = (&'static str, Box<dyn FnMut() + 'a>);

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 4 {
        eprintln!("usage: interdiff-time INDEX_DIR SERIES FROM TO [RUNS]");
        std::process::exit(2);
    }
    let index = Index::open(&PathBuf::from(&args[0])).expect("index");
    let series = series_by_key(&index, &args[1]).expect("series");
    let (from, to) = (pick(&series, &args[2]), pick(&series, &args[3]));
    let runs: usize = args.get(4).map_or(20, |r| r.parse().expect("RUNS"));
    let opts = Options::default();
    let old = patch_texts(&index, from).expect("old");
    let new = patch_texts(&index, to).expect("new");
    let d = compare(&old, &new, &opts);
    let rendered = render(&d, false, false);
    println!(
        "series {} {} -> {}: {} -> {} patches, {:.0} kB of diff, {} lines rendered, {runs} runs, load {}",
        series.id,
        from.label(),
        to.label(),
        old.len(),
        new.len(),
        old.iter()
            .chain(&new)
            .map(|p| p.raw_diff.len())
            .sum::<usize>() as f64
            / 1e3,
        rendered.lines().count(),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim(),
    );
    let rows: [Phase<'_>; 5] = [
        (
            "load (patch_texts x2)",
            Box::new(|| {
                patch_texts(&index, from).expect("old");
                patch_texts(&index, to).expect("new");
            }),
        ),
        (
            "pair",
            Box::new(|| {
                pair(&old, &new, 0.4);
            }),
        ),
        (
            "compare (pair + diff)",
            Box::new(|| {
                compare(&old, &new, &opts);
            }),
        ),
        (
            "render",
            Box::new(|| {
                render(&d, false, false);
            }),
        ),
        (
            "between + render",
            Box::new(|| {
                let d = between(&index, &series, from, to, &opts).expect("between");
                render(&d, false, false);
            }),
        ),
    ];
    for (label, mut f) in rows {
        let (wall, cpu) = time(runs, &mut f);
        println!("{label:<24} p50 {wall:7.1} ms  CPU {cpu:7.1} ms");
    }
}
