//! Interdiff of hand-made revisions, checked against `git range-diff` run
//! on the same revisions applied in a real repository; the tree interdiff
//! against `git diff` of the applied branches.

mod common;

use std::path::Path;
use std::process::Command;

use putt_store::archive::Inbox;
use putt_store::index::Index;
use putt_store::index::build::{self, IndexOptions};
use putt_store::interdiff::{self, Options, Status};
use putt_store::series::gather::series_by_key;
use putt_testkit::write::V2Writer;

fn git(repo: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Alice Developer")
        .env("GIT_AUTHOR_EMAIL", "alice@example.org")
        .env("GIT_COMMITTER_NAME", "Alice Developer")
        .env("GIT_COMMITTER_EMAIL", "alice@example.org")
        .env("GIT_AUTHOR_DATE", "2024-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2024-01-01T00:00:00Z")
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn write(repo: &Path, file: &str, text: &str) {
    std::fs::write(repo.join(file), text).expect("write");
    git(repo, &["add", file]);
}

fn commit(repo: &Path, message: &str) {
    git(repo, &["commit", "-q", "-m", message]);
}

fn lines(n: usize, tag: &str) -> String {
    (0..n).map(|i| format!("line {i} of {tag}\n")).collect()
}

/// A repository with base, v1 and v2 branches, the usual kinds of change:
/// unchanged, one hunk changed, subject reworded, message-only change,
/// reordered, dropped, added.
fn build_repo(repo: &Path) {
    std::fs::create_dir_all(repo).expect("mkdir");
    git(repo, &["init", "-q", "-b", "base"]);
    for f in ["a.c", "b.c", "c.c", "d.c", "e.c", "m.c"] {
        write(repo, f, &lines(30, f));
    }
    commit(repo, "base");
    git(repo, &["checkout", "-q", "-b", "v1"]);
    write(
        repo,
        "a.c",
        &lines(30, "a.c").replace("line 5 of a.c", "line five of a.c"),
    );
    commit(repo, "a: unchanged patch");
    write(
        repo,
        "b.c",
        &lines(30, "b.c")
            .replace("line 3 of b.c", "line three of b.c")
            .replace("line 20 of b.c", "line twenty of b.c"),
    );
    commit(repo, "b: one hunk changes in v2");
    write(
        repo,
        "c.c",
        &lines(30, "c.c").replace("line 7 of c.c", "line seven of c.c"),
    );
    commit(repo, "c: subject before rewording");
    write(
        repo,
        "m.c",
        &lines(30, "m.c").replace("line 9 of m.c", "line nine of m.c"),
    );
    commit(repo, "m: message changes\n\nThe first explanation.");
    write(
        repo,
        "d.c",
        &lines(30, "d.c").replace("line 1 of d.c", "line one of d.c"),
    );
    commit(repo, "d: dropped in v2");

    git(repo, &["checkout", "-q", "-b", "v2", "base"]);
    write(
        repo,
        "a.c",
        &lines(30, "a.c").replace("line 5 of a.c", "line five of a.c"),
    );
    commit(repo, "a: unchanged patch");
    // Reordered: c before b in v2.
    write(
        repo,
        "c.c",
        &lines(30, "c.c").replace("line 7 of c.c", "line seven of c.c"),
    );
    commit(repo, "c: a reworded subject for the same change");
    write(
        repo,
        "b.c",
        &lines(30, "b.c")
            .replace("line 3 of b.c", "line three of b.c")
            .replace("line 20 of b.c", "line TWENTY of b.c"),
    );
    commit(repo, "b: one hunk changes in v2");
    write(
        repo,
        "m.c",
        &lines(30, "m.c").replace("line 9 of m.c", "line nine of m.c"),
    );
    commit(repo, "m: message changes\n\nA better explanation.");
    write(
        repo,
        "e.c",
        &lines(30, "e.c").replace("line 2 of e.c", "line two of e.c"),
    );
    commit(repo, "e: added in v2");
}

/// `git format-patch` of base..branch as mails with stable Message-IDs.
fn format_patches(repo: &Path, branch: &str, version: u32) -> Vec<String> {
    let dir = repo.join(format!("out-{branch}"));
    git(
        repo,
        &[
            "format-patch",
            "-q",
            "--cover-letter",
            "--thread=shallow",
            &format!("-v{version}"),
            "-o",
            dir.to_str().expect("utf-8 path"),
            &format!("base..{branch}"),
        ],
    );
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("patches")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    let n = files.len();
    files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let text = std::fs::read_to_string(f).expect("patch");
            let text = text.replace("*** SUBJECT HERE ***", "frob the thing");
            let mid = format!("v{version}-{i}@example.org");
            let mut out = String::new();
            for (k, line) in text.lines().enumerate() {
                if k == 0 && line.starts_with("From ") {
                    continue;
                }
                if line.is_empty() && !out.contains("Message-ID: <v") {
                    out.push_str(&format!("Message-ID: <{mid}>\n"));
                    if i > 0 {
                        out.push_str(&format!(
                            "In-Reply-To: <v{version}-0@example.org>\nReferences: <v{version}-0@example.org>\n"
                        ));
                    }
                }
                if line.starts_with("Message-ID:")
                    || line.starts_with("Message-Id:")
                    || line.starts_with("In-Reply-To:")
                    || line.starts_with("References:")
                {
                    continue;
                }
                out.push_str(line);
                out.push('\n');
            }
            let _ = n;
            out
        })
        .collect()
}

/// `git range-diff`'s pairs: (old counter, mark, new counter).
fn range_diff_pairs(repo: &Path) -> Vec<(String, char, String)> {
    let out = git(repo, &["range-diff", "--no-color", "base..v1", "base..v2"]);
    out.lines()
        .filter(|l| !l.starts_with(' ') && !l.is_empty())
        .map(|l| {
            let parts: Vec<&str> = l.split_whitespace().collect();
            // 1:  abc1234 = 1:  def5678 subject
            (
                parts[0].trim_end_matches(':').to_string(),
                parts[2].chars().next().expect("mark"),
                parts[3].trim_end_matches(':').to_string(),
            )
        })
        .collect()
}

#[test]
fn pairs_and_statuses_agree_with_git_range_diff() {
    let dir = tempfile::tempdir().expect("tmp");
    let repo = dir.path().join("repo");
    build_repo(&repo);
    let mut mails = format_patches(&repo, "v1", 1);
    mails.extend(format_patches(&repo, "v2", 2));
    let inbox_dir = dir.path().join("inbox");
    let mut w = V2Writer::open(&inbox_dir).expect("writer");
    for (i, m) in mails.iter().enumerate() {
        w.add(m.as_bytes(), common::T0 + i as i64).expect("add");
    }
    let index = Index::open_or_create(&dir.path().join("index")).expect("index");
    build::update(
        &index,
        &[Inbox::open("list", &inbox_dir).expect("inbox")],
        &IndexOptions::default(),
        &mut |_| {},
    )
    .expect("update");
    let series = series_by_key(&index, "v2-0@example.org").expect("series");
    assert_eq!(series.revisions.len(), 2, "v1 and v2 are linked");
    let d = interdiff::between(
        &index,
        &series,
        &series.revisions[0],
        &series.revisions[1],
        &Options::default(),
    )
    .expect("interdiff");
    let ours: Vec<(String, char, String)> = d
        .pairs
        .iter()
        .map(|p| {
            let n = |s: &Option<interdiff::Side>| {
                s.as_ref()
                    .map_or("-".to_string(), |s| s.counter.to_string())
            };
            (n(&p.old), p.status.mark(), n(&p.new))
        })
        .collect();
    let git_pairs = range_diff_pairs(&repo);
    assert_eq!(
        ours, git_pairs,
        "same pairs, same marks, same order as git range-diff"
    );
    // What the user reads first.
    let summary: Vec<String> = d.pairs.iter().map(|p| p.summary()).collect();
    assert_eq!(
        summary,
        vec![
            "1: = 1: a: unchanged patch",
            "3: ! 2: c: a reworded subject for the same change",
            "2: ! 3: b: one hunk changes in v2",
            "4: ! 4: m: message changes",
            "5: < -: d: dropped in v2",
            "-: > 5: e: added in v2",
        ]
    );
    // The changed hunk shows old and new inner lines with outer markers.
    let b = d
        .pairs
        .iter()
        .find(|p| p.new.as_ref().is_some_and(|s| s.counter == 3))
        .expect("b");
    let changed: Vec<String> = b
        .lines
        .iter()
        .filter(|l| l.outer != ' ')
        .map(|l| format!("{}{}", l.outer, l.text))
        .collect();
    assert_eq!(
        changed,
        vec!["-+line twenty of b.c", "++line TWENTY of b.c"]
    );
    let m = d
        .pairs
        .iter()
        .find(|p| p.new.as_ref().is_some_and(|s| s.counter == 4))
        .expect("m");
    assert!(
        m.lines
            .iter()
            .any(|l| l.outer == '+' && l.text.contains("A better explanation."))
    );
    assert!(
        m.lines
            .iter()
            .all(|l| l.kind != interdiff::LineKind::Added || l.outer == ' ')
    );
    let text = interdiff::render(&d, false, false);
    assert!(
        text.starts_with("interdiff v1 -> v2\n1: = 1: a: unchanged patch\n"),
        "{text}"
    );
    assert!(!interdiff::render(&d, false, true).contains("@@"));
    assert!(interdiff::render(&d, true, false).contains("\x1b[31m"));
}

#[test]
fn same_patch_rebased_reads_as_unchanged() {
    let old = putt_store::interdiff::PatchText {
        counter: 1,
        subject: "x: y".into(),
        diff: putt_store::interdiff::normalize_diff(
            "diff --git a/f b/f\nindex 111..222 100644\n--- a/f\n+++ b/f\n@@ -10,3 +10,3 @@ fn f()\n a\n-b\n+c\n",
        ),
        ..Default::default()
    };
    let new = putt_store::interdiff::PatchText {
        diff: putt_store::interdiff::normalize_diff(
            "diff --git a/f b/f\nindex 333..444 100644\n--- a/f\n+++ b/f\n@@ -42,3 +42,3 @@ fn f()\n a\n-b\n+c\n",
        ),
        ..old.clone()
    };
    let d = interdiff::compare(&[old], &[new], &Options::default());
    assert_eq!(d.pairs[0].status, Status::Same);
}

#[test]
fn tree_interdiff_applies_both_revisions_on_their_base() {
    let dir = tempfile::tempdir().expect("tmp");
    let repo = dir.path().join("repo");
    build_repo(&repo);
    let base = git(&repo, &["rev-parse", "base"]).trim().to_string();
    let mut mails = format_patches(&repo, "v1", 1);
    mails.extend(format_patches(&repo, "v2", 2));
    // Name the base in both covers, as b4 and format-patch --base do.
    let mails: Vec<String> = mails
        .into_iter()
        .map(|m| {
            if m.contains("Subject: [PATCH v") && m.contains(" 0/") {
                m.replace("\n-- \n", &format!("\nbase-commit: {base}\n-- \n"))
            } else {
                m
            }
        })
        .collect();
    let inbox_dir = dir.path().join("inbox");
    let mut w = V2Writer::open(&inbox_dir).expect("writer");
    for (i, m) in mails.iter().enumerate() {
        w.add(m.as_bytes(), common::T0 + i as i64).expect("add");
    }
    let index = Index::open_or_create(&dir.path().join("index")).expect("index");
    build::update(
        &index,
        &[Inbox::open("list", &inbox_dir).expect("inbox")],
        &IndexOptions::default(),
        &mut |_| {},
    )
    .expect("update");
    let series = series_by_key(&index, "v2-0@example.org").expect("series");
    let before = (
        git(&repo, &["rev-parse", "HEAD"]),
        git(&repo, &["status", "--porcelain"]),
        git(&repo, &["for-each-ref"]),
    );
    let opts = Options {
        repo: Some(repo.clone()),
        ..Options::default()
    };
    let d = interdiff::between(
        &index,
        &series,
        &series.revisions[0],
        &series.revisions[1],
        &opts,
    )
    .expect("interdiff");
    let tree = d
        .tree
        .as_ref()
        .unwrap_or_else(|| panic!("tree interdiff: {:?}", d.notes));
    // The same as diffing the branches themselves.
    let expected = git(&repo, &["diff", "--no-color", "v1", "v2"]);
    assert_eq!(tree.diff, expected);
    // Nothing of the user's changed.
    let after = (
        git(&repo, &["rev-parse", "HEAD"]),
        git(&repo, &["status", "--porcelain"]),
        git(&repo, &["for-each-ref"]),
    );
    assert_eq!(before, after);
    // Without the base in the repository: said, and the range-diff stays.
    let other = dir.path().join("other");
    std::fs::create_dir_all(&other).expect("mkdir");
    git(&other, &["init", "-q"]);
    let opts = Options {
        repo: Some(other),
        ..Options::default()
    };
    let d = interdiff::between(
        &index,
        &series,
        &series.revisions[0],
        &series.revisions[1],
        &opts,
    )
    .expect("interdiff");
    assert!(d.tree.is_none());
    assert!(
        d.notes.iter().any(|n| n.contains("is not in")),
        "{:?}",
        d.notes
    );
    assert_eq!(d.pairs.len(), 6);
}
