//! The index over real archives from `../shared/corpus` (skipped, with the
//! reason printed, where it is absent): every live message indexed exactly
//! once, `dfn:` equal to a brute-force scan of the diffs, and archives
//! written by public-inbox itself (duplicate Message-IDs, removals, edits).

mod common;

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use putt_store::archive::Inbox;
use putt_store::index::Index;
use putt_store::index::build::{self, IndexOptions};

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(1_900_000_000, 0).expect("time")
}

fn index_inbox(name: &str, path: &Path, index_dir: &Path) -> Index {
    let index = Index::open_or_create(index_dir).expect("index");
    let inbox = Inbox::open(name, path).expect("inbox");
    build::update(&index, &[inbox], &IndexOptions::default(), &mut |_| {}).expect("update");
    index
}

/// Blob id -> Message-ID of every indexed message, asserting no blob twice.
fn indexed_blobs(index: &Index) -> HashMap<String, String> {
    let all = index.search("", now(), 10_000_000, 0).expect("search all");
    let mut out = HashMap::new();
    for m in all {
        assert!(
            out.insert(m.blob.clone(), m.message_id.clone()).is_none(),
            "blob {} indexed twice",
            m.blob
        );
    }
    out
}

/// Raw bytes of many blobs through one `git cat-file --batch`.
fn cat_blobs(git_dir: &Path, blobs: &[String]) -> Vec<Vec<u8>> {
    let mut child = Command::new("git")
        .arg("--git-dir")
        .arg(git_dir)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("git cat-file");
    let mut stdin = child.stdin.take().expect("stdin");
    let ids = blobs.to_vec();
    let writer = std::thread::spawn(move || {
        for b in ids {
            writeln!(stdin, "{b}").expect("write id");
        }
    });
    let mut out = Vec::new();
    let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
    for _ in blobs {
        let mut header = String::new();
        reader.read_line(&mut header).expect("header");
        let size: usize = header
            .split_whitespace()
            .nth(2)
            .and_then(|s| s.parse().ok())
            .expect("size");
        let mut buf = vec![0; size + 1];
        reader.read_exact(&mut buf).expect("blob");
        buf.truncate(size);
        out.push(buf);
    }
    writer.join().expect("writer thread");
    let _ = child.wait();
    out
}

/// File names a diff in `body` touches, found by plain line matching: git
/// headers, renames, and `---`/`+++`/`@@` triples of plain unified diffs.
fn brute_force_paths(body: &str) -> Vec<String> {
    let lines: Vec<&str> = body.lines().map(|l| l.trim_end_matches('\r')).collect();
    let mut paths = Vec::new();
    let strip = |p: &str, prefix: &str| {
        let p = p.split('\t').next().unwrap_or(p).trim_end();
        p.strip_prefix(prefix).unwrap_or(p).to_string()
    };
    for (i, line) in lines.iter().enumerate() {
        if let Some(rest) = line.strip_prefix("diff --git a/") {
            match rest.split_once(" b/") {
                Some((a, b)) => {
                    paths.push(a.to_string());
                    paths.push(b.to_string());
                }
                // Wrapped by a mailer: the new name went to the next line.
                None => paths.push(rest.trim().to_string()),
            }
        } else if let Some(p) = line.strip_prefix("rename from ") {
            paths.push(p.to_string());
        } else if let Some(p) = line.strip_prefix("rename to ") {
            paths.push(p.to_string());
        } else if let (Some(old), Some(new), Some(hunk)) = (
            line.strip_prefix("--- "),
            lines.get(i + 1).and_then(|l| l.strip_prefix("+++ ")),
            lines.get(i + 2),
        ) && hunk.starts_with("@@ ")
        {
            for p in [strip(old, "a/"), strip(new, "b/")] {
                if p != "/dev/null" {
                    paths.push(p);
                }
            }
        }
    }
    paths
}

/// `dfn:` semantics: the query's words appear in a path, consecutively.
fn path_matches(path: &str, query: &str) -> bool {
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let p = words(path);
    let q = words(query);
    !q.is_empty() && p.windows(q.len()).any(|w| w == q.as_slice())
}

#[test]
fn ntb_every_live_message_once() {
    let Some(inbox) = common::restore_v2("real/ntb.0.bundle") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    let index = index_inbox("ntb", &inbox, &dir.path().join("index"));
    let live = common::git_live_blobs(&inbox.join("git/0.git"));
    let indexed = indexed_blobs(&index);
    let indexed_set: HashSet<String> = indexed.keys().cloned().collect();
    assert_eq!(indexed_set, live);
    assert_eq!(index.num_messages() as usize, live.len());
}

#[test]
fn kbuild_every_live_message_once_and_dfn_equals_brute_force() {
    let Some(inbox) = common::restore_v2("real/linux-kbuild.0.bundle") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    let index = index_inbox("linux-kbuild", &inbox, &dir.path().join("index"));
    let git_dir = inbox.join("git/0.git");
    let live = common::git_live_blobs(&git_dir);
    let indexed = indexed_blobs(&index);
    let indexed_set: HashSet<String> = indexed.keys().cloned().collect();
    assert_eq!(indexed_set.len(), live.len());
    assert_eq!(indexed_set, live);
    eprintln!(
        "linux-kbuild: {} live messages, all indexed once",
        live.len()
    );

    // Brute force: decode every mail and match its diff headers by hand.
    let blobs: Vec<String> = live.iter().cloned().collect();
    let raws = cat_blobs(&git_dir, &blobs);

    // The bulk reader gives git's bytes, in archive order, inflating each
    // pack entry once (half of them are deltas of other messages).
    let by_id: HashMap<&String, &Vec<u8>> = blobs.iter().zip(&raws).collect();
    let repo = putt_store::archive::open_repo(&git_dir).expect("open epoch");
    let order: Vec<gix::ObjectId> = putt_store::archive::scan(&repo, None)
        .expect("scan")
        .changes
        .into_iter()
        .filter(|c| c.op == putt_store::archive::Op::Add && live.contains(&c.blob.to_string()))
        .map(|c| c.blob)
        .collect();
    let mut reader = putt_store::archive::packed::PackedBlobs::plan(&git_dir, &order);
    for id in &order {
        let read = reader.read(&repo, id).expect("read blob");
        assert!(
            read.as_slice() == by_id[&id.to_string()].as_slice(),
            "blob {id} differs from git cat-file"
        );
    }
    assert_eq!(reader.inflated as usize, reader.planned());
    eprintln!(
        "linux-kbuild: {} blobs read in archive order, {} pack entries inflated once each",
        order.len(),
        reader.inflated
    );
    let paths: Vec<Vec<String>> = raws
        .iter()
        .map(|raw| brute_force_paths(&putt_store::mail::Message::parse(raw).body))
        .collect();
    for query in [
        "scripts/Makefile.modpost",
        "scripts/kconfig/",
        "Documentation/kbuild/",
        "Makefile",
        "rust/",
        "arch/x86/boot",
    ] {
        let expected: HashSet<&String> = blobs
            .iter()
            .zip(&paths)
            .filter(|(_, ps)| ps.iter().any(|p| path_matches(p, query)))
            .map(|(b, _)| b)
            .collect();
        let found: HashSet<String> = index
            .search(&format!("dfn:{query}"), now(), 1_000_000, 0)
            .expect("search")
            .into_iter()
            .map(|m| m.blob)
            .collect();
        let found_refs: HashSet<&String> = found.iter().collect();
        let missing: Vec<_> = expected.difference(&found_refs).take(5).collect();
        let extra: Vec<_> = found_refs.difference(&expected).take(5).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "dfn:{query}: {} expected, {} found; missing {missing:?}, extra {extra:?}",
            expected.len(),
            found.len()
        );
        eprintln!(
            "dfn:{query}: {} messages, equal to brute force",
            found.len()
        );
    }
}

#[test]
fn public_inbox_v2_with_duplicate_ids_removal_and_edit() {
    let Some(plain) = common::restore_v2("made-by-public-inbox/pw-v2.0.bundle") else {
        return;
    };
    let Some(edited) = common::restore_v2("made-by-public-inbox/pw-v2-edited.0.bundle") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    // The inbox at one path, first as written, then after rm + edit.
    let inbox = dir.path().join("pw");
    std::fs::create_dir_all(inbox.join("git")).expect("mkdir");
    copy_dir(&plain.join("git/0.git"), &inbox.join("git/0.git"));
    let index = index_inbox("pw", &inbox, &dir.path().join("index"));
    let live = common::git_live_blobs(&inbox.join("git/0.git"));
    let indexed = indexed_blobs(&index);
    assert_eq!(indexed.keys().cloned().collect::<HashSet<_>>(), live);
    // public-inbox added a second Message-ID to reused ids; the first counts.
    assert_eq!(
        indexed
            .get("0e694a1c6a0ef4e7fe0cd8b50784ac098f508c4c")
            .map(String::as_str),
        Some("fwup1@example.org")
    );

    std::fs::remove_dir_all(inbox.join("git/0.git")).expect("rm");
    copy_dir(&edited.join("git/0.git"), &inbox.join("git/0.git"));
    let report = build::update(
        &index,
        &[Inbox::open("pw", &inbox).expect("inbox")],
        &IndexOptions::default(),
        &mut |_| {},
    )
    .expect("update");
    let live = common::git_live_blobs(&inbox.join("git/0.git"));
    let indexed = indexed_blobs(&index);
    assert_eq!(indexed.keys().cloned().collect::<HashSet<_>>(), live);
    assert!(report.removed >= 1, "{report:?}");
    // The removed message (a `d` naming its blob) is gone.
    assert!(!indexed.contains_key("ae6e4b3067649ed953a063da9a206affaacd3ac4"));
}

#[test]
fn public_inbox_v1() {
    let Some(repo) = common::restore_v1("made-by-public-inbox/pw-v1.bundle") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    let index = index_inbox("pw-v1", &repo, &dir.path().join("index"));
    let out = Command::new("git")
        .arg("--git-dir")
        .arg(&repo)
        .args(["ls-tree", "-r", "HEAD"])
        .output()
        .expect("git ls-tree");
    let tip: HashSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2).map(str::to_string))
        .collect();
    let indexed = indexed_blobs(&index);
    assert_eq!(indexed.keys().cloned().collect::<HashSet<_>>(), tip);
}

fn copy_dir(from: &Path, to: &Path) {
    let status = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .expect("cp");
    assert!(status.success());
}
