//! The `putt` binary as a user runs it: index (killed mid-run, locked by
//! another indexer), search, show, stats, config errors, first run, demo.

mod common;

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use common::{at, mail, putt, run};
use putt_testkit::write::V2Writer;

fn write_inbox(dir: &Path, n: u32) {
    let mut w = V2Writer::open(dir).expect("writer");
    for i in 0..n {
        let body = format!("message {i}\n\n{}\n", "some words of text ".repeat(40));
        let raw = mail(
            &format!("msg{i}@example.org"),
            "Ann <ann@example.org>",
            &format!("[PATCH] subject number {i}"),
            i64::from(i),
            &[],
            &body,
        );
        w.add(raw.as_bytes(), at(i64::from(i))).expect("add");
        if i > 0 && i % 1000 == 0 {
            w.next_epoch().expect("epoch");
        }
    }
}

/// Every Message-ID in the index, asserting none appears twice.
fn indexed_ids(home: &Path, inbox: &Path) -> HashSet<String> {
    let (code, out, err) = run(putt(home)
        .arg("--inbox")
        .arg(inbox)
        .args(["search", "--json", "--limit", "100000", ""]));
    assert!(code == 0 || code == 1, "search failed: {err}");
    let mut ids = HashSet::new();
    for line in out.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("json line");
        let id = v["message_id"].as_str().expect("message_id").to_string();
        assert!(ids.insert(id.clone()), "{id} indexed twice");
    }
    ids
}

#[test]
fn kill_during_index_loses_nothing_and_duplicates_nothing() {
    let home = tempfile::tempdir().expect("tmp");
    let inbox = home.path().join("list");
    write_inbox(&inbox, 3000);
    let meta = home.path().join("data/index/meta.json");
    let mut partial_rounds = 0;
    for delay_ms in [0u64, 5, 10, 20, 40] {
        let before = std::fs::metadata(&meta).and_then(|m| m.modified()).ok();
        let mut child = putt(home.path())
            .arg("--inbox")
            .arg(&inbox)
            .args(["--quiet", "index", "--commit-every", "97"])
            .spawn()
            .expect("spawn");
        // Kill right after a commit landed (a moment of maximum risk), or
        // when the run ends on its own.
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while std::time::Instant::now() < deadline {
            let now = std::fs::metadata(&meta).and_then(|m| m.modified()).ok();
            if now.is_some() && now != before {
                break;
            }
            if child.try_wait().expect("poll child").is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let ids = indexed_ids(home.path(), &inbox);
        eprintln!(
            "killed {delay_ms} ms after a commit: {} messages committed",
            ids.len()
        );
        assert!(ids.len() <= 3000);
        if ids.len() < 3000 {
            partial_rounds += 1;
        }
    }
    assert!(partial_rounds > 0, "no kill landed mid-run");
    // A kill between writing meta.json's temporary file and renaming it
    // leaves the file: the next run removes it, but not the temporary file
    // of a process still running.
    let index_dir = meta.parent().expect("index dir");
    let stale = index_dir.join(".meta.json.99999999.0.tmp");
    let running = index_dir.join(format!(".meta.json.{}.0.tmp", std::process::id()));
    std::fs::write(&stale, "{}").expect("stale temporary");
    std::fs::write(&running, "{}").expect("running temporary");
    let (code, out, err) = run(putt(home.path())
        .arg("--inbox")
        .arg(&inbox)
        .args(["index", "--json"]));
    assert_eq!(code, 0, "{err}");
    let report: serde_json::Value = serde_json::from_str(out.trim()).expect("report");
    assert_eq!(report["messages"], 3000, "{out}");
    let ids = indexed_ids(home.path(), &inbox);
    assert_eq!(ids.len(), 3000);
    assert!(!stale.exists(), "a killed run's temporary file is left");
    assert!(
        running.exists(),
        "a running process's temporary file was removed"
    );
    // And nothing is left to do.
    let (_, out, _) = run(putt(home.path())
        .arg("--inbox")
        .arg(&inbox)
        .args(["index", "--json"]));
    let report: serde_json::Value = serde_json::from_str(out.trim()).expect("report");
    assert_eq!(report["added"], 0);
}

#[test]
fn a_blob_missing_mid_index_is_reported_and_the_rest_indexed() {
    // A blob gone from the object store, early in a run of thousands: the
    // run once stopped there (and before that, waited on its workers
    // forever). It is a degraded message now, named on stderr even with
    // --quiet, and every other message is indexed.
    let home = tempfile::tempdir().expect("tmp");
    let inbox = home.path().join("list");
    write_inbox(&inbox, 3000);
    let git = inbox.join("git/0.git");
    let out = std::process::Command::new("git")
        .arg("--git-dir")
        .arg(&git)
        .args(["rev-list", "--reverse", "--all"])
        .output()
        .expect("git rev-list");
    let fifth = String::from_utf8_lossy(&out.stdout)
        .lines()
        .nth(4)
        .expect("five commits")
        .to_string();
    let out = std::process::Command::new("git")
        .arg("--git-dir")
        .arg(&git)
        .args(["rev-parse", &format!("{fifth}:m")])
        .output()
        .expect("git rev-parse");
    let blob = String::from_utf8_lossy(&out.stdout).trim().to_string();
    std::fs::remove_file(git.join("objects").join(&blob[..2]).join(&blob[2..]))
        .expect("the blob is a loose object");
    let mut child = putt(home.path())
        .arg("--inbox")
        .arg(&inbox)
        .args(["--quiet", "index"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().expect("poll child") {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("putt index hung after a failed read");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("piped"), &mut err)
        .expect("stderr");
    assert!(status.success(), "{err}");
    assert!(err.contains(&blob), "{err}");
    assert_eq!(indexed_ids(home.path(), &inbox).len(), 2999);
}

#[test]
fn second_indexer_says_one_is_running_or_waits() {
    let home = tempfile::tempdir().expect("tmp");
    let inbox = home.path().join("list");
    write_inbox(&inbox, 10);
    let index_dir = home.path().join("idx");
    let (code, _, err) = run(putt(home.path())
        .arg("--inbox")
        .arg(&inbox)
        .arg("--index-dir")
        .arg(&index_dir)
        .arg("index"));
    assert_eq!(code, 0, "{err}");
    // Hold the writer lock the way a running indexer does.
    let lock = std::fs::File::create(index_dir.join(".tantivy-writer.lock")).expect("lock file");
    lock.try_lock().expect("take lock");
    let (code, _, err) = run(putt(home.path())
        .arg("--inbox")
        .arg(&inbox)
        .arg("--index-dir")
        .arg(&index_dir)
        .arg("index"));
    assert_eq!(code, 2);
    assert!(
        err.contains("being written by another putt process"),
        "{err}"
    );
    let waiting = putt(home.path())
        .arg("--inbox")
        .arg(&inbox)
        .arg("--index-dir")
        .arg(&index_dir)
        .args(["index", "--wait"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    std::thread::sleep(Duration::from_millis(600));
    lock.unlock().expect("unlock");
    let out = waiting.wait_with_output().expect("wait");
    assert!(out.status.success());
}

#[test]
fn search_show_and_stats_print_what_a_user_reads() {
    let home = tempfile::tempdir().expect("tmp");
    let inbox = home.path().join("list");
    let mut w = V2Writer::open(&inbox).expect("writer");
    let hostile = mail(
        "evil@x",
        "Mallory <m@x>",
        "evil subject",
        5,
        &[],
        "line with \x1b[31mred\x1b[0m and a bell \x07\n",
    );
    w.add(hostile.as_bytes(), at(5)).expect("add");
    w.add(
        mail(
            "a@x",
            "Ann Example <ann@example.org>",
            "[PATCH] fix frobnication",
            1,
            &[],
            "text\n",
        )
        .as_bytes(),
        at(1),
    )
    .expect("add");
    let p = |args: &[&str]| {
        let mut c = putt(home.path());
        c.arg("--inbox").arg(&inbox).args(args);
        run(&mut c)
    };
    let (code, _, err) = p(&["index"]);
    assert_eq!(code, 0, "{err}");

    let (code, out, _) = p(&["search", "s:frobnication"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "2024-01-01 00:01  Ann Example           [PATCH] fix frobnication  <a@x>\n"
    );
    let (_, out, _) = p(&["search", "--json", "s:frobnication"]);
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("json");
    assert_eq!(v["message_id"], "a@x");
    assert_eq!(v["date"], at(1));
    assert_eq!(v["from"], "Ann Example <ann@example.org>");

    let (code, out, _) = p(&["search", "s:nothing-matches-this"]);
    assert_eq!((code, out.as_str()), (1, ""));

    let (code, out, _) = p(&["show", "<evil@x>"]);
    assert_eq!(code, 0);
    assert!(!out.contains('\x1b') && !out.contains('\x07'), "{out:?}");
    assert!(out.contains("^[[31mred^[[0m"), "{out}");
    assert!(out.contains("Subject: evil subject"));

    let (code, _, err) = p(&["show", "nope@x"]);
    assert_eq!(code, 2);
    assert!(err.contains("no message with Message-ID <nope@x>"), "{err}");

    let (_, out, _) = p(&["stats"]);
    assert!(out.contains("messages:       2"), "{out}");
}

#[test]
fn bad_query_points_at_the_bad_part() {
    let home = tempfile::tempdir().expect("tmp");
    let inbox = home.path().join("list");
    write_inbox(&inbox, 2);
    let (code, _, err) = run(putt(home.path()).arg("--inbox").arg(&inbox).arg("index"));
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(putt(home.path())
        .arg("--inbox")
        .arg(&inbox)
        .args(["search", "s:foo AND (b:bar"]));
    assert_eq!(code, 2);
    assert!(err.contains("s:foo AND (b:bar"), "{err}");
    assert!(err.contains('^'), "{err}");
}

#[test]
fn config_errors_name_the_key_and_the_path() {
    let home = tempfile::tempdir().expect("tmp");
    std::fs::write(home.path().join("config.toml"), "[index]\ndri = \"x\"\n").expect("write");
    let (code, _, err) = run(putt(home.path()).arg("stats"));
    assert_eq!(code, 2);
    assert!(err.contains("dri") && err.contains("config.toml"), "{err}");

    std::fs::write(
        home.path().join("config.toml"),
        "[[inbox]]\nname = \"lkml\"\npath = \"/nowhere/lkml\"\n",
    )
    .expect("write");
    let (code, _, err) = run(putt(home.path()).arg("index"));
    assert_eq!(code, 2);
    assert!(err.contains("/nowhere/lkml"), "{err}");

    // A missing --inbox: the path and the reason, said once.
    let home = tempfile::tempdir().expect("tmp");
    let missing = home.path().join("no-such-list");
    let (code, _, err) = run(putt(home.path()).arg("--inbox").arg(&missing).arg("index"));
    assert_eq!(code, 2);
    assert_eq!(
        err.trim_end(),
        format!("putt: {}: no such inbox directory", missing.display()),
    );
}

#[test]
fn first_run_explains_how_to_add_an_inbox() {
    let home = tempfile::tempdir().expect("tmp");
    let (code, out, _) = run(&mut putt(home.path()));
    assert_eq!(code, 0);
    assert!(out.contains("putt --inbox"), "{out}");
    assert!(out.contains("[[inbox]]"), "{out}");
    let (code, _, err) = run(putt(home.path()).arg("index"));
    assert_eq!(code, 2);
    assert!(err.contains("putt --inbox"), "{err}");
}

#[test]
fn config_prints_path_and_settings() {
    let home = tempfile::tempdir().expect("tmp");
    let list = home.path().join("list");
    std::fs::create_dir(&list).expect("mkdir");
    std::fs::write(
        home.path().join("config.toml"),
        format!(
            "[[inbox]]\nname = \"lkml\"\npath = \"{}\"\n",
            list.display()
        ),
    )
    .expect("write");
    let (code, out, _) = run(putt(home.path()).arg("config"));
    assert_eq!(code, 0);
    assert!(out.contains(&format!(
        "# config file: {}",
        home.path().join("config.toml").display()
    )));
    assert!(out.contains("name = \"lkml\""), "{out}");
}

#[test]
fn demo_runs_on_the_built_in_sample() {
    let home = tempfile::tempdir().expect("tmp");
    let dir = home.path().join("demo");
    let (code, out, err) = run(putt(home.path()).arg("demo").arg("--dir").arg(&dir));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("[PATCH v2 0/3] pwm: add Frobnicator PWM driver"),
        "{out}"
    );
    assert!(!out.contains('\x1b'));
    let (code, out, _) = run(putt(home.path())
        .arg("--inbox")
        .arg(dir.join("inbox"))
        .arg("--index-dir")
        .arg(dir.join("index"))
        .args(["search", "dfn:drivers/pwm/"]));
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 2, "{out}");
}
