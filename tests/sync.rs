//! `putt clone` and `putt sync` as a user runs them, against real git
//! servers on loopback (`git daemon`, `git http-backend` behind a small HTTP
//! server): clone by manifest and by probing, new mail and new epochs
//! upstream, a server dying mid-fetch, a server gone, history rewritten.

mod common;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use common::serve::{self, GitDaemon, HttpServer};
use common::{at, mail, run};
use putt_testkit::write::{V1Writer, V2Writer};

/// The binary, hermetic as in the other tests, and with no proxy between
/// it and the loopback servers.
fn putt(home: &Path) -> std::process::Command {
    let mut c = common::putt(home);
    for var in [
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
    ] {
        c.env_remove(var);
    }
    c
}

/// A public-inbox v2 inbox upstream that tests add mail to.
struct Upstream {
    dir: PathBuf,
    writer: V2Writer,
    next: u32,
    prefix: String,
}

impl Upstream {
    /// `root/LIST`, empty.
    fn new(root: &Path, list: &str) -> Upstream {
        let dir = root.join(list);
        Upstream {
            writer: V2Writer::open(&dir).expect("writer"),
            dir,
            next: 0,
            prefix: list.to_string(),
        }
    }

    /// Adds `n` messages of about `size` bytes each; returns their ids.
    fn add_sized(&mut self, n: u32, size: usize) -> Vec<String> {
        let mut ids = Vec::new();
        for _ in 0..n {
            let i = self.next;
            self.next += 1;
            let mid = format!("{}-{i}@example.org", self.prefix);
            // Words that vary per message, so packs do not shrink to nothing.
            let mut body = format!("message {i}\n");
            let mut x = u64::from(i) * 2_654_435_761 + 1;
            while body.len() < size {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                body.push_str(&format!("{x:016x} "));
            }
            let raw = mail(
                &mid,
                "Ann <ann@example.org>",
                &format!("[PATCH] change number {i}"),
                i64::from(i),
                &[],
                &body,
            );
            self.writer
                .add(raw.as_bytes(), at(i64::from(i)))
                .expect("add");
            ids.push(mid);
        }
        ids
    }

    fn add(&mut self, n: u32) -> Vec<String> {
        self.add_sized(n, 200)
    }

    fn next_epoch(&mut self) {
        self.writer.next_epoch().expect("next epoch");
    }
}

/// Every Message-ID in the index, asserting none is there twice.
fn indexed(home: &Path) -> HashSet<String> {
    let (code, out, err) = run(putt(home).args(["search", "--json", "--limit", "100000", ""]));
    assert!(code == 0 || code == 1, "search failed: {err}");
    let mut ids = HashSet::new();
    for line in out.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("json line");
        let id = v["message_id"].as_str().expect("message_id").to_string();
        assert!(ids.insert(id.clone()), "{id} indexed twice");
    }
    ids
}

fn set(ids: &[Vec<String>]) -> HashSet<String> {
    ids.iter().flatten().cloned().collect()
}

/// `putt ARGS --json`: exit code and the parsed object.
fn json(home: &Path, args: &[&str]) -> (i32, serde_json::Value, String) {
    let (code, out, err) = run(putt(home).args(args).arg("--json"));
    let v = serde_json::from_str(out.trim()).unwrap_or_else(|e| {
        panic!("putt {args:?}: not JSON ({e}): {out}\nstderr: {err}");
    });
    (code, v, err)
}

fn clone_dir(home: &Path, name: &str) -> PathBuf {
    home.join("data/inboxes").join(name)
}

#[test]
fn clone_by_manifest_then_sync_indexes_exactly_the_new_messages() {
    if !serve::available() {
        return;
    }
    let home = tempfile::tempdir().expect("tmp");
    let home = home.path();
    let root = home.join("upstream");
    let mut up = Upstream::new(&root, "list");
    let first = up.add(5);
    up.next_epoch();
    let second = up.add(4);
    let server = HttpServer::start(&root);
    let config = home.join("config.toml");
    let before = "# putt config: my lists\n[sync]\njobs = 2 # two at a time\n";
    std::fs::write(&config, before).expect("write config");

    let (code, out, err) = run(putt(home).args(["clone", &server.url("list")]));
    assert_eq!(code, 0, "{out}{err}");
    eprintln!("{out}");
    assert!(
        out.contains("cloned list: epochs 0-1 of 0-1 (from the manifest), 9 messages"),
        "{out}"
    );
    let text = std::fs::read_to_string(&config).expect("config");
    assert!(text.starts_with(before), "the user's text is kept:\n{text}");
    assert!(
        text.contains(&format!("url = \"{}\"", server.url("list"))),
        "{text}"
    );
    assert_eq!(indexed(home), set(&[first.clone(), second.clone()]));
    let (_, out, _) = run(putt(home).arg("config"));
    assert!(
        out.contains(&format!("url = \"{}\"", server.url("list"))),
        "`putt config` shows where the inbox comes from:\n{out}"
    );

    let third = up.add(3);
    server.clear_log();
    let (code, v, err) = json(home, &["sync"]);
    assert_eq!(code, 0, "{v}\n{err}");
    let inbox = &v["inboxes"][0];
    assert_eq!(inbox["status"], "updated", "{v}");
    assert_eq!(inbox["new_commits"], 3, "{v}");
    assert_eq!(inbox["discovery"], "manifest", "{v}");
    assert_eq!(inbox["epochs"][0]["action"], "unchanged", "{v}");
    assert_eq!(inbox["epochs"][1]["action"], "fetched", "{v}");
    assert_eq!(inbox["epochs"][1]["new_commits"], 3, "{v}");
    assert_eq!(v["index"]["added"], 3, "{v}");
    assert_eq!(
        indexed(home),
        set(&[first.clone(), second.clone(), third.clone()])
    );
    // The manifest said epoch 0 had not changed: nothing was asked of it.
    let asked: Vec<String> = server.requests();
    assert!(
        !asked.iter().any(|r| r.contains("/list/0/")),
        "epoch 0 was fetched: {asked:?}"
    );

    // Nothing new: no fetch at all, nothing indexed.
    server.clear_log();
    let (code, v, _) = json(home, &["sync"]);
    assert_eq!(code, 0);
    assert_eq!(v["inboxes"][0]["status"], "up-to-date", "{v}");
    assert_eq!(v["index"]["added"], 0, "{v}");
    assert_eq!(
        server.requests(),
        vec!["GET /list/manifest.js.gz".to_string()]
    );

    // The text a person reads.
    let fourth = up.add(1);
    let (code, out, err) = run(putt(home).arg("sync"));
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("list  1 new message\n"), "{out}");
    assert!(out.contains("indexed 1 new"), "{out}");

    // A new epoch listed in the manifest is cloned.
    up.next_epoch();
    let fifth = up.add(2);
    let (code, out, err) = run(putt(home).arg("sync"));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("list  2 new messages; new epoch 2\n"),
        "{out}"
    );
    assert_eq!(serve::epochs(&clone_dir(home, "list")), vec![0, 1, 2]);
    assert_eq!(indexed(home), set(&[first, second, third, fourth, fifth]));
}

#[test]
fn quick_start_with_one_epoch_over_git_daemon_then_a_new_epoch_appears() {
    if !serve::available() {
        return;
    }
    let home = tempfile::tempdir().expect("tmp");
    let home = home.path();
    let root = home.join("upstream");
    let served = home.join("served");
    let mut up = Upstream::new(&root, "list");
    up.add(4);
    up.next_epoch();
    let newest = up.add(3);
    serve::link_epochs(&served, "list", &up.dir);
    let daemon = GitDaemon::start(&served);

    let (code, v, err) = json(home, &["clone", &daemon.url("list"), "--epochs", "1"]);
    assert_eq!(code, 0, "{v}\n{err}");
    assert_eq!(v["clone"]["epochs"], serde_json::json!([1]), "{v}");
    assert_eq!(
        v["clone"]["upstream_epochs"],
        serde_json::json!([0, 1]),
        "{v}"
    );
    assert_eq!(v["clone"]["discovery"], "probe", "{v}");
    assert_eq!(v["index"]["added"], 3, "{v}");
    assert_eq!(serve::epochs(&clone_dir(home, "list")), vec![1]);
    assert_eq!(indexed(home), set(std::slice::from_ref(&newest)));

    // Upstream rolls over to epoch 2.
    up.next_epoch();
    let rolled = up.add(2);
    serve::link_epochs(&served, "list", &up.dir);
    let (code, v, err) = json(home, &["sync"]);
    assert_eq!(code, 0, "{v}\n{err}");
    let inbox = &v["inboxes"][0];
    assert_eq!(inbox["status"], "updated", "{v}");
    assert_eq!(inbox["new_epochs"], serde_json::json!([2]), "{v}");
    assert_eq!(inbox["new_commits"], 2, "{v}");
    assert_eq!(inbox["discovery"], "probe", "{v}");
    assert_eq!(inbox["epochs"][1]["action"], "cloned", "{v}");
    // The epochs left out at clone time stay out.
    assert_eq!(serve::epochs(&clone_dir(home, "list")), vec![1, 2]);
    assert_eq!(indexed(home), set(&[newest, rolled]));
    let epoch2 = clone_dir(home, "list").join("git/2.git");
    assert_eq!(
        serve::rev_parse(&epoch2, "refs/heads/master"),
        serve::rev_parse(&up.dir.join("git/2.git"), "refs/heads/master")
    );
    serve::fsck(&epoch2);

    // An inbox given by path alone syncs from its clones' origin remotes.
    up.add(1);
    let (code, v, err) = json(
        home,
        &[
            "--inbox",
            clone_dir(home, "list").to_str().expect("utf-8"),
            "sync",
            "--no-index",
        ],
    );
    assert_eq!(code, 0, "{v}\n{err}");
    let inbox = &v["inboxes"][0];
    assert_eq!(inbox["url"], daemon.url("list"), "{v}");
    assert_eq!(
        inbox["epochs"][1]["url"],
        format!("{}/2", daemon.url("list"))
    );
    assert_eq!(inbox["new_commits"], 1, "{v}");
}

#[test]
fn a_v1_archive_clones_and_syncs() {
    if !serve::available() {
        return;
    }
    let home = tempfile::tempdir().expect("tmp");
    let home = home.path();
    let root = home.join("upstream");
    let mut writer = V1Writer::create(&root.join("meta")).expect("v1");
    let raw = |i: i64| {
        mail(
            &format!("v1-{i}@example.org"),
            "Bob <bob@example.org>",
            &format!("note {i}"),
            i,
            &[],
            "words\n",
        )
    };
    writer.add(raw(0).as_bytes(), at(0)).expect("add");
    // The server has a manifest, but it does not list this inbox: probe.
    let server = HttpServer::start(&root);
    let (code, v, err) = json(home, &["clone", &server.url("meta")]);
    assert_eq!(code, 0, "{v}\n{err}");
    assert_eq!(v["clone"]["format"], "v1", "{v}");
    assert_eq!(v["clone"]["discovery"], "probe", "{v}");
    assert!(clone_dir(home, "meta").join("HEAD").is_file());
    writer.add(raw(1).as_bytes(), at(1)).expect("add");
    let (code, v, err) = json(home, &["sync"]);
    assert_eq!(code, 0, "{v}\n{err}");
    assert_eq!(v["inboxes"][0]["new_commits"], 1, "{v}");
    let ids = indexed(home);
    assert_eq!(
        ids,
        HashSet::from([
            "v1-0@example.org".to_string(),
            "v1-1@example.org".to_string()
        ])
    );
}

#[test]
fn http_without_a_manifest_probes_epochs() {
    if !serve::available() {
        return;
    }
    let home = tempfile::tempdir().expect("tmp");
    let home = home.path();
    let root = home.join("upstream");
    let mut up = Upstream::new(&root, "list");
    let a = up.add(2);
    up.next_epoch();
    let b = up.add(2);
    let server = HttpServer::start(&root);
    server
        .state
        .manifest
        .store(false, std::sync::atomic::Ordering::Relaxed);
    let (code, v, err) = json(home, &["clone", &server.url("list")]);
    assert_eq!(code, 0, "{v}\n{err}");
    assert_eq!(v["clone"]["discovery"], "probe", "{v}");
    assert_eq!(v["clone"]["epochs"], serde_json::json!([0, 1]), "{v}");
    up.next_epoch();
    let c = up.add(1);
    let (code, v, err) = json(home, &["sync"]);
    assert_eq!(code, 0, "{v}\n{err}");
    assert_eq!(v["inboxes"][0]["new_epochs"], serde_json::json!([2]), "{v}");
    assert_eq!(v["inboxes"][0]["discovery"], "probe", "{v}");
    assert_eq!(indexed(home), set(&[a, b, c]));
}

#[test]
fn a_server_dying_mid_fetch_leaves_that_clone_as_it_was_and_others_sync() {
    if !serve::available() {
        return;
    }
    let home = tempfile::tempdir().expect("tmp");
    let home = home.path();
    let root = home.join("upstream");
    let served = home.join("served");
    let mut flaky = Upstream::new(&root, "flaky");
    let flaky0 = flaky.add(3);
    let mut steady = Upstream::new(&root, "steady");
    let steady0 = steady.add(2);
    serve::link_epochs(&served, "steady", &steady.dir);
    let server = HttpServer::start(&root);
    let daemon = GitDaemon::start(&served);
    for url in [server.url("flaky"), daemon.url("steady")] {
        let (code, out, err) = run(putt(home).args(["clone", &url]));
        assert_eq!(code, 0, "{out}{err}");
    }
    let epoch = clone_dir(home, "flaky").join("git/0.git");
    let tip_before = serve::rev_parse(&epoch, "refs/heads/master");

    // A few hundred KB of new mail, and a server that hangs up halfway.
    let flaky1 = flaky.add_sized(300, 2000);
    let steady1 = steady.add(2);
    server
        .state
        .cut_pack
        .store(true, std::sync::atomic::Ordering::Relaxed);
    let (code, v, err) = json(home, &["sync"]);
    assert_eq!(code, 1, "a failed inbox makes the exit code 1: {v}\n{err}");
    let by_name = |name: &str| {
        v["inboxes"]
            .as_array()
            .expect("inboxes")
            .iter()
            .find(|i| i["name"] == name)
            .cloned()
            .expect("inbox in report")
    };
    let failed = by_name("flaky");
    assert_eq!(failed["status"], "failed", "{v}");
    let reason = failed["error"].as_str().expect("reason");
    assert!(
        reason.contains(&server.url("flaky")),
        "names the URL: {reason}"
    );
    assert!(
        reason.contains("pack"),
        "broke while receiving the pack: {reason}"
    );
    eprintln!("failure reported as: {reason}");
    assert_eq!(by_name("steady")["status"], "updated", "{v}");
    assert_eq!(by_name("steady")["new_commits"], 2, "{v}");
    // The flaky clone is exactly as it was: same tip, every object there,
    // no half-written pack left behind.
    assert_eq!(serve::rev_parse(&epoch, "refs/heads/master"), tip_before);
    serve::fsck(&epoch);
    for f in std::fs::read_dir(epoch.join("objects/pack")).expect("pack dir") {
        let name = f.expect("entry").file_name().to_string_lossy().into_owned();
        assert!(
            name.starts_with("pack-") && (name.ends_with(".pack") || name.ends_with(".idx")),
            "left over in objects/pack: {name}"
        );
    }
    let ids = indexed(home);
    assert_eq!(
        ids,
        set(&[flaky0.clone(), steady0.clone(), steady1.clone()])
    );

    // The text a person reads says which inbox failed and why.
    let (code, out, err) = run(putt(home).arg("sync"));
    assert_eq!(code, 1);
    assert!(out.contains("flaky   failed: "), "{out}");
    assert!(out.contains("steady  up to date"), "{out}");
    assert!(err.contains("1 of 2 inbox(es) failed"), "{err}");

    // The server recovers: the next sync fetches everything, once.
    server
        .state
        .cut_pack
        .store(false, std::sync::atomic::Ordering::Relaxed);
    let (code, v, err) = json(home, &["sync"]);
    assert_eq!(code, 0, "{v}\n{err}");
    assert_eq!(by_name_in(&v, "flaky")["new_commits"], 300, "{v}");
    assert_eq!(
        indexed(home),
        set(&[
            flaky0.clone(),
            flaky1.clone(),
            steady0.clone(),
            steady1.clone()
        ])
    );

    // The server goes away entirely: that inbox fails, the other syncs.
    drop(server);
    steady.add(1);
    let (code, v, _) = json(home, &["sync"]);
    assert_eq!(code, 1);
    let gone = by_name_in(&v, "flaky");
    assert_eq!(gone["status"], "failed", "{v}");
    eprintln!("server gone reported as: {}", gone["error"]);
    assert_eq!(by_name_in(&v, "steady")["new_commits"], 1, "{v}");
    serve::fsck(&epoch);
}

fn by_name_in(v: &serde_json::Value, name: &str) -> serde_json::Value {
    v["inboxes"]
        .as_array()
        .expect("inboxes")
        .iter()
        .find(|i| i["name"] == name)
        .cloned()
        .expect("inbox in report")
}

#[test]
fn history_rewritten_upstream_is_followed_and_reindexed() {
    if !serve::available() {
        return;
    }
    let home = tempfile::tempdir().expect("tmp");
    let home = home.path();
    let root = home.join("upstream");
    let served = home.join("served");
    let mut up = Upstream::new(&root, "list");
    let kept = up.add(3);
    let base = up.writer.tip();
    let purged = up.add(1);
    let later = up.add(2);
    serve::link_epochs(&served, "list", &up.dir);
    let daemon = GitDaemon::start(&served);
    let (code, out, err) = run(putt(home).args(["clone", &daemon.url("list")]));
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        indexed(home),
        set(&[kept.clone(), purged.clone(), later.clone()])
    );

    // public-inbox-purge: history rewritten from the purged message on,
    // the later messages written again, and a new one arrives.
    up.writer.reset(base).expect("reset");
    up.next = 4;
    let rewritten_later = up.add(2);
    assert_eq!(rewritten_later, later);
    let newest = up.add(1);
    let (code, v, err) = json(home, &["sync"]);
    assert_eq!(code, 0, "{v}\n{err}");
    let inbox = &v["inboxes"][0];
    assert_eq!(inbox["status"], "updated", "{v}");
    assert_eq!(inbox["rewritten"], serde_json::json!([0]), "{v}");
    assert_eq!(inbox["new_commits"], 3, "{v}");
    let local = clone_dir(home, "list").join("git/0.git");
    assert_eq!(
        serve::rev_parse(&local, "refs/heads/master"),
        serve::rev_parse(&up.dir.join("git/0.git"), "refs/heads/master")
    );
    let ids = indexed(home);
    assert_eq!(ids, set(&[kept, later, newest]));
    assert!(!ids.contains(&purged[0]));
    let (code, out, _) = run(putt(home).arg("sync"));
    assert_eq!(code, 0);
    assert!(out.contains("list  up to date"), "{out}");
}

#[test]
fn a_failed_clone_leaves_nothing_behind_and_a_taken_name_is_refused() {
    if !serve::available() {
        return;
    }
    let home = tempfile::tempdir().expect("tmp");
    let home = home.path();
    let config = home.join("config.toml");
    std::fs::write(&config, "# nothing yet\n").expect("write");
    // Nothing listens on this port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let url = format!("http://127.0.0.1:{port}/list");
    let (code, _, err) = run(putt(home).args(["clone", &url]));
    assert_eq!(code, 2);
    assert!(err.contains(&url), "names the URL: {err}");
    assert!(!clone_dir(home, "list").exists());
    assert_eq!(
        std::fs::read_to_string(&config).expect("config"),
        "# nothing yet\n"
    );

    let root = home.join("upstream");
    let mut up = Upstream::new(&root, "list");
    up.add(1);
    let server = HttpServer::start(&root);
    let (code, out, err) = run(putt(home).args(["clone", &server.url("list"), "--no-index"]));
    assert_eq!(code, 0, "{out}{err}");
    let (code, _, err) = run(putt(home).args(["clone", &server.url("list")]));
    assert_eq!(code, 2);
    assert!(err.contains("already in"), "{err}");
    // A directory with something in it is never cloned into.
    let busy = home.join("busy");
    std::fs::create_dir_all(busy.join("x")).expect("mkdir");
    let (code, _, err) = run(putt(home)
        .args(["clone", &server.url("list"), "--name", "other", "--dir"])
        .arg(&busy));
    assert_eq!(code, 2);
    assert!(err.contains("not empty"), "{err}");
    assert!(
        err.contains("pick another --dir or --name"),
        "the CLI's advice: {err}"
    );
    assert!(busy.join("x").is_dir());
}

#[test]
fn first_run_points_at_putt_clone() {
    let home = tempfile::tempdir().expect("tmp");
    let (code, out, _) = run(&mut putt(home.path()));
    assert_eq!(code, 0);
    assert!(
        out.contains("putt clone https://lore.kernel.org/linux-kbuild --epochs 1"),
        "{out}"
    );
    assert!(out.contains("putt sync"), "{out}");
}
