//! Patches as git format-patch writes them: diffstat, `diff --git` headers,
//! `index` lines and hunks whose line counts add up, so that a parser, a
//! `dfn:`/`dfhh:` indexer and an interdiff see real structure. A patch is a
//! layout (which files, which hunks) that is a pure function of its key and
//! content version: a re-roll that bumps the version changes a few hunks,
//! adds or drops one now and then, and leaves the rest byte-identical.

use std::fmt::Write as _;

use crate::rng::{Rng, hash2, hash3, oid_of};
use crate::text::{Lines, func_signature, mutate_line, snippet};
use crate::world::{Lang, SrcFile, World, lang_of};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    Modify,
    New,
    Delete,
    Rename(String),
}

#[derive(Clone, Debug)]
pub struct Hunk {
    pub old_start: u32,
    pub before: u32,
    pub removed: u32,
    pub added: u32,
    pub after: u32,
    /// Seed of the added lines; a re-roll that touches the hunk changes it.
    pub new_seed: u64,
}

#[derive(Clone, Debug)]
pub struct FileDiff {
    pub path: String,
    pub lang: Lang,
    pub ident: &'static str,
    pub mode: Mode,
    pub hunks: Vec<Hunk>,
    /// Lines of a created or deleted file.
    pub lines: u32,
    pub seed: u64,
}

#[derive(Clone, Debug, Default)]
pub struct Layout {
    pub files: Vec<FileDiff>,
}

/// Per-file insertions and deletions, for diffstats.
#[derive(Clone, Debug)]
pub struct Stat {
    pub path: String,
    pub ins: u32,
    pub del: u32,
    pub summary: Option<String>,
}

fn hunk_lines(rng: &mut Rng, removed: bool) -> u32 {
    if removed {
        match rng.weighted(&[22, 30, 24, 17, 6, 1]) {
            0 => 0,
            1 => 1,
            2 => rng.range(2, 3) as u32,
            3 => rng.range(4, 10) as u32,
            4 => rng.range(11, 40) as u32,
            _ => rng.range(41, 200) as u32,
        }
    } else {
        match rng.weighted(&[6, 30, 30, 24, 8, 2]) {
            0 => 0,
            1 => rng.range(1, 2) as u32,
            2 => rng.range(3, 6) as u32,
            3 => rng.range(7, 20) as u32,
            4 => rng.range(21, 80) as u32,
            _ => rng.range(81, 300) as u32,
        }
    }
}

fn new_hunk(rng: &mut Rng, old_start: u32) -> Hunk {
    let removed = hunk_lines(rng, true);
    let mut added = hunk_lines(rng, false);
    if added == 0 && removed == 0 {
        added = 1;
    }
    let before = 3.min(old_start.saturating_sub(1));
    Hunk {
        old_start,
        before,
        removed,
        added,
        after: 3,
        new_seed: rng.next_u64(),
    }
}

fn modify_hunks(rng: &mut Rng) -> Vec<Hunk> {
    let n = match rng.weighted(&[45, 25, 12, 8, 8, 2]) {
        0 => 1,
        1 => 2,
        2 => 3,
        3 => 4,
        4 => rng.range(5, 8),
        _ => rng.range(9, 20),
    };
    let mut hunks = Vec::with_capacity(n as usize);
    let mut pos = rng.log_range(1, 900) as u32;
    for _ in 0..n {
        let h = new_hunk(rng, pos);
        pos = h.old_start + h.before + h.removed + h.after + rng.log_range(4, 400) as u32;
        hunks.push(h);
    }
    hunks
}

impl Layout {
    /// The files and hunks of patch `key` at content version `ver`, touching
    /// files mostly under directory `dir` of subsystem `subsys`.
    pub fn build(
        world: &World,
        subsys: usize,
        dir: usize,
        key: u64,
        ver: u16,
        huge: bool,
    ) -> Layout {
        let mut rng = Rng::of(key, 1);
        let sub = &world.subsystems[subsys];
        let nfiles = match rng.weighted(&[52, 24, 11, 8, 4, 1]) {
            0 => 1,
            1 => 2,
            2 => 3,
            3 => rng.range(4, 6),
            4 => rng.range(7, 12),
            _ => rng.range(13, 30),
        } as usize;
        let mut files: Vec<FileDiff> = Vec::with_capacity(nfiles);
        for fi in 0..nfiles {
            let pool: &[u32] = match rng.weighted(&[70, 20, 10]) {
                0 => &sub.dirs[dir].files,
                1 => &sub.dirs[rng.below_usize(sub.dirs.len())].files,
                _ if !sub.extra_files.is_empty() => &sub.extra_files,
                _ => &sub.dirs[dir].files,
            };
            let pool = if pool.is_empty() {
                &sub.dirs[0].files
            } else {
                pool
            };
            let mut f: &SrcFile = &world.files[*rng.pick(pool) as usize];
            for _ in 0..4 {
                if !files.iter().any(|x| x.path == f.path) {
                    break;
                }
                f = &world.files[*rng.pick(pool) as usize];
            }
            if files.iter().any(|x| x.path == f.path) {
                continue;
            }
            let seed = hash2(key, fi as u64);
            let mode = match rng.weighted(&[93, 5, 1, 1]) {
                0 => Mode::Modify,
                1 => Mode::New,
                2 if nfiles > 1 => Mode::Delete,
                _ => {
                    let (stem, ext) = f.path.rsplit_once('.').unwrap_or((&f.path, "c"));
                    Mode::Rename(format!("{stem}_{}.{ext}", rng.one(crate::text::NOUNS)))
                }
            };
            let (path, mode) = if mode == Mode::New {
                let (dirpath, _) = f.path.rsplit_once('/').unwrap_or(("", ""));
                let ext = if f.lang == Lang::C || f.lang == Lang::Header {
                    "c"
                } else {
                    f.path.rsplit('.').next().unwrap_or("c")
                };
                (
                    format!(
                        "{dirpath}/{}_{}.{ext}",
                        f.ident,
                        rng.one(crate::text::NOUNS)
                    ),
                    mode,
                )
            } else {
                (f.path.clone(), mode)
            };
            let lang = lang_of(&path);
            let (hunks, lines) = match mode {
                Mode::Modify => (modify_hunks(&mut rng), 0),
                Mode::New => (Vec::new(), rng.log_range(15, 700) as u32),
                Mode::Delete => (Vec::new(), rng.log_range(5, 300) as u32),
                Mode::Rename(_) => {
                    if rng.chance(0.5) {
                        (modify_hunks(&mut rng), 0)
                    } else {
                        (Vec::new(), 0)
                    }
                }
            };
            files.push(FileDiff {
                path,
                lang,
                ident: f.ident,
                mode,
                hunks,
                lines,
                seed,
            });
        }
        if huge {
            // Generated register headers and firmware tables are how a
            // single mail reaches a megabyte in real archives.
            let d = &sub.dirs[dir];
            files.push(FileDiff {
                path: format!(
                    "{}/{}_regs_{}.h",
                    d.path,
                    d.ident,
                    rng.one(crate::text::NOUNS)
                ),
                lang: Lang::Header,
                ident: d.ident,
                mode: Mode::New,
                hunks: Vec::new(),
                lines: rng.log_range(3000, 34_000) as u32,
                seed: hash2(key, 0xb16),
            });
        }
        let mut layout = Layout { files };
        for u in 1..=ver {
            layout.revise(key, u);
        }
        layout
    }

    /// What re-roll `u` changes in the content: one or two hunks reworked,
    /// sometimes a hunk added or dropped.
    fn revise(&mut self, key: u64, u: u16) {
        let mut rng = Rng::of(key, 1000 + u64::from(u));
        let with_hunks: Vec<usize> = (0..self.files.len())
            .filter(|&i| !self.files[i].hunks.is_empty())
            .collect();
        if with_hunks.is_empty() {
            if let Some(f) = self.files.iter_mut().find(|f| f.mode == Mode::New) {
                f.lines += rng.range(1, 12) as u32;
                f.seed = hash2(f.seed, u64::from(u));
            }
            return;
        }
        for _ in 0..rng.range(1, 2) {
            let f = &mut self.files[*rng.pick(&with_hunks)];
            let h = rng.below_usize(f.hunks.len());
            let hunk = &mut f.hunks[h];
            hunk.new_seed = hash2(hunk.new_seed, u64::from(u));
            hunk.added = (hunk.added + rng.range(0, 3) as u32)
                .saturating_sub(1)
                .max(u32::from(hunk.removed == 0));
        }
        if rng.chance(0.15) {
            let f = &mut self.files[*rng.pick(&with_hunks)];
            let last = f.hunks.last().cloned().expect("file has hunks");
            let pos = last.old_start
                + last.before
                + last.removed
                + last.after
                + rng.log_range(4, 200) as u32;
            f.hunks.push(new_hunk(&mut rng, pos));
        } else if rng.chance(0.1) {
            let f = &mut self.files[*rng.pick(&with_hunks)];
            if f.hunks.len() > 1 {
                let h = rng.below_usize(f.hunks.len());
                f.hunks.remove(h);
            }
        }
    }

    pub fn stats(&self) -> Vec<Stat> {
        self.files
            .iter()
            .map(|f| {
                let (ins, del) = match f.mode {
                    Mode::New => (f.lines, 0),
                    Mode::Delete => (0, f.lines),
                    _ => f
                        .hunks
                        .iter()
                        .fold((0, 0), |(i, d), h| (i + h.added, d + h.removed)),
                };
                let (path, summary) = match &f.mode {
                    Mode::New => (
                        f.path.clone(),
                        Some(format!("create mode 100644 {}", f.path)),
                    ),
                    Mode::Delete => (
                        f.path.clone(),
                        Some(format!("delete mode 100644 {}", f.path)),
                    ),
                    Mode::Rename(to) => {
                        let sim = 100 - (ins + del).min(40);
                        (
                            format!("{} => {to}", f.path),
                            Some(format!("rename {} => {to} ({sim}%)", f.path)),
                        )
                    }
                    Mode::Modify => (f.path.clone(), None),
                };
                Stat {
                    path,
                    ins,
                    del,
                    summary,
                }
            })
            .collect()
    }

    /// Append the `diff --git` part of the patch.
    pub fn render(&self, key: u64, ver: u16, out: &mut String) {
        let mut old = Lines::default();
        let mut new = Lines::default();
        for f in &self.files {
            let old_id = oid_of(hash2(f.seed, 0x01d), 12);
            let new_id = oid_of(hash3(f.seed, key, u64::from(ver)), 12);
            match &f.mode {
                Mode::New => {
                    let _ = write!(
                        out,
                        "diff --git a/{p} b/{p}\nnew file mode 100644\nindex 000000000000..{new_id}\n--- /dev/null\n+++ b/{p}\n",
                        p = f.path
                    );
                    let _ = writeln!(out, "@@ -0,0 +1{} @@", count_suffix(f.lines));
                    new.clear();
                    snippet(f.lang, f.ident, f.seed, f.lines as usize, &mut new);
                    for i in 0..new.len() {
                        out.push('+');
                        out.push_str(new.get(i));
                        out.push('\n');
                    }
                }
                Mode::Delete => {
                    let _ = write!(
                        out,
                        "diff --git a/{p} b/{p}\ndeleted file mode 100644\nindex {old_id}..000000000000\n--- a/{p}\n+++ /dev/null\n",
                        p = f.path
                    );
                    let _ = writeln!(out, "@@ -1{} +0,0 @@", count_suffix(f.lines));
                    old.clear();
                    snippet(f.lang, f.ident, f.seed, f.lines as usize, &mut old);
                    for i in 0..old.len() {
                        out.push('-');
                        out.push_str(old.get(i));
                        out.push('\n');
                    }
                }
                Mode::Modify | Mode::Rename(_) => {
                    let to = match &f.mode {
                        Mode::Rename(to) => to.as_str(),
                        _ => f.path.as_str(),
                    };
                    let _ = writeln!(out, "diff --git a/{} b/{to}", f.path);
                    if let Mode::Rename(_) = f.mode {
                        let st = &self.stats_of(f);
                        let sim = 100 - (st.0 + st.1).min(40);
                        let _ = writeln!(
                            out,
                            "similarity index {sim}%\nrename from {}\nrename to {to}",
                            f.path
                        );
                        if f.hunks.is_empty() {
                            continue;
                        }
                    }
                    let _ = write!(
                        out,
                        "index {old_id}..{new_id} 100644\n--- a/{}\n+++ b/{to}\n",
                        f.path
                    );
                    let mut offset: i64 = 0;
                    for h in &f.hunks {
                        self.render_hunk(f, h, &mut offset, &mut old, &mut new, out);
                    }
                }
            }
        }
    }

    fn stats_of(&self, f: &FileDiff) -> (u32, u32) {
        f.hunks
            .iter()
            .fold((0, 0), |(i, d), h| (i + h.added, d + h.removed))
    }

    fn render_hunk(
        &self,
        f: &FileDiff,
        h: &Hunk,
        offset: &mut i64,
        old: &mut Lines,
        new: &mut Lines,
        out: &mut String,
    ) {
        let old_count = h.before + h.removed + h.after;
        let new_count = h.before + h.added + h.after;
        let new_start = i64::from(h.old_start) + *offset;
        *offset += i64::from(h.added) - i64::from(h.removed);
        let _ = write!(
            out,
            "@@ -{}{} +{}{} @@",
            h.old_start,
            count_suffix(old_count),
            new_start,
            count_suffix(new_count)
        );
        let region_seed = hash2(f.seed, u64::from(h.old_start));
        if f.lang == Lang::C && !region_seed.is_multiple_of(8) {
            out.push(' ');
            out.push_str(&func_signature(
                f.ident,
                hash2(f.seed, u64::from(h.old_start / 64)),
            ));
        }
        out.push('\n');
        old.clear();
        snippet(f.lang, f.ident, region_seed, old_count as usize, old);
        new.clear();
        snippet(f.lang, f.ident, h.new_seed, h.added as usize, new);
        let b = h.before as usize;
        let r = h.removed as usize;
        for i in 0..b {
            out.push(' ');
            out.push_str(old.get(i));
            out.push('\n');
        }
        for i in b..b + r {
            out.push('-');
            out.push_str(old.get(i));
            out.push('\n');
        }
        let mut rng = Rng::new(h.new_seed);
        for i in 0..h.added as usize {
            out.push('+');
            // Edits mostly rework the removed lines; fresh code otherwise.
            let edited = if i < r && rng.chance(0.5) {
                mutate_line(old.get(b + i), &mut rng)
            } else {
                None
            };
            match edited {
                Some(l) => out.push_str(&l),
                None => out.push_str(new.get(i)),
            }
            out.push('\n');
        }
        for i in b + r..old.len() {
            out.push(' ');
            out.push_str(old.get(i));
            out.push('\n');
        }
    }
}

/// git omits the line count when it is 1.
fn count_suffix(n: u32) -> String {
    if n == 1 {
        String::new()
    } else {
        format!(",{n}")
    }
}

/// A diffstat the way `git format-patch` prints it (72 columns, long names
/// shortened to `.../tail`, the graph scaled), plus the summary lines.
pub fn render_diffstat(stats: &[Stat], out: &mut String) {
    if stats.is_empty() {
        return;
    }
    // git's show_stats() with format-patch's width of 72 columns.
    const WIDTH: usize = 72;
    let max_change = stats.iter().map(|s| s.ins + s.del).max().unwrap_or(0) as usize;
    let num_w = max_change.max(1).to_string().len();
    let mut name_w = stats
        .iter()
        .map(|s| s.path.chars().count())
        .max()
        .unwrap_or(0);
    let mut graph_w = max_change;
    if name_w + num_w + 6 + graph_w > WIDTH {
        let cap = (WIDTH * 3 / 8).saturating_sub(num_w + 6).max(6);
        graph_w = graph_w.min(cap);
        if name_w > WIDTH - num_w - 6 - graph_w {
            name_w = WIDTH - num_w - 6 - graph_w;
        } else {
            graph_w = WIDTH - num_w - 6 - name_w;
        }
    }
    let (mut tot_i, mut tot_d) = (0u64, 0u64);
    for s in stats {
        tot_i += u64::from(s.ins);
        tot_d += u64::from(s.del);
        let name = shorten(&s.path, name_w);
        let total = (s.ins + s.del) as usize;
        let (mut pi, mut pd) = (s.ins as usize, s.del as usize);
        if graph_w <= max_change {
            // git's scale_linear(): the total first, then the smaller side.
            let mut t = scale(total, graph_w, max_change);
            if t < 2 && pi > 0 && pd > 0 {
                t = 2;
            }
            if pi < pd {
                pi = scale(pi, graph_w, max_change);
                pd = t.saturating_sub(pi);
            } else {
                pd = scale(pd, graph_w, max_change);
                pi = t.saturating_sub(pd);
            }
        }
        let pad = name_w.saturating_sub(name.chars().count());
        let _ = write!(out, " {name}{:pad$} | {total:>num_w$}", "");
        if total > 0 {
            out.push(' ');
            for _ in 0..pi {
                out.push('+');
            }
            for _ in 0..pd {
                out.push('-');
            }
        }
        out.push('\n');
    }
    let n = stats.len();
    let _ = write!(out, " {n} file{} changed", if n == 1 { "" } else { "s" });
    if tot_i > 0 || tot_d == 0 {
        let _ = write!(
            out,
            ", {tot_i} insertion{}(+)",
            if tot_i == 1 { "" } else { "s" }
        );
    }
    if tot_d > 0 || tot_i == 0 {
        let _ = write!(
            out,
            ", {tot_d} deletion{}(-)",
            if tot_d == 1 { "" } else { "s" }
        );
    }
    out.push('\n');
    for s in stats {
        if let Some(sum) = &s.summary {
            let _ = writeln!(out, " {sum}");
        }
    }
}

fn scale(n: usize, width: usize, max: usize) -> usize {
    if n == 0 { 0 } else { 1 + n * (width - 1) / max }
}

fn shorten(path: &str, width: usize) -> String {
    let len = path.chars().count();
    if len <= width || width < 5 {
        return path.to_string();
    }
    let skip = len - (width - 3);
    let tail: String = path.chars().skip(skip).collect();
    match tail.find('/') {
        Some(i) => format!("...{}", &tail[i..]),
        None => format!("...{tail}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parse hunk headers back and check the counts match the body lines.
    fn check_consistent(diff: &str) {
        let mut lines = diff.lines().peekable();
        while let Some(l) = lines.next() {
            if let Some(rest) = l.strip_prefix("@@ -") {
                let hdr: Vec<&str> = rest.split(' ').collect();
                let count = |s: &str| -> usize {
                    s.split(',').nth(1).map_or(1, |c| c.parse().expect("count"))
                };
                let (mut o, mut n) = (count(hdr[0]), count(hdr[1].trim_start_matches('+')));
                while o > 0 || n > 0 {
                    let b = lines.next().expect("hunk body");
                    match b.as_bytes().first() {
                        Some(b' ') => {
                            o -= 1;
                            n -= 1;
                        }
                        Some(b'-') => o -= 1,
                        Some(b'+') => n -= 1,
                        _ => panic!("bad hunk line {b:?}"),
                    }
                }
            }
        }
    }

    #[test]
    fn hunks_add_up_and_reroll_changes_little() {
        let world = World::new(3, "bench");
        for key in 0..200u64 {
            let a = Layout::build(&world, (key % 10) as usize, 0, key, 0, key == 7);
            let b = Layout::build(&world, (key % 10) as usize, 0, key, 1, key == 7);
            let (mut da, mut db) = (String::new(), String::new());
            a.render(key, 0, &mut da);
            b.render(key, 1, &mut db);
            check_consistent(&da);
            check_consistent(&db);
            let mut again = String::new();
            Layout::build(&world, (key % 10) as usize, 0, key, 0, key == 7)
                .render(key, 0, &mut again);
            assert_eq!(da, again);
        }
    }

    #[test]
    fn diffstat_shape() {
        let stats = vec![
            Stat {
                path: "drivers/net/ethernet/intel/ice/ice_main.c".into(),
                ins: 10,
                del: 2,
                summary: None,
            },
            Stat {
                path: "drivers/net/ethernet/mellanox/mlx5/core/en/very_long_file_name_here.c"
                    .into(),
                ins: 300,
                del: 0,
                summary: None,
            },
        ];
        let mut s = String::new();
        render_diffstat(&stats, &mut s);
        for l in s.lines() {
            assert!(l.chars().count() <= 80, "{l}");
        }
        assert!(s.contains(" 2 files changed, 310 insertions(+), 2 deletions(-)"));
    }
}
