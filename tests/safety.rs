//! putt as an attacker or bad luck would try it: outputs named onto files
//! that are not plain files, archives missing objects, mail carrying
//! terminal escapes and hidden characters, a damaged index, a full disk,
//! an interrupted apply, and another process changing state under the TUI.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{at, mail, patch_body, putt, run};
use putt_testkit::write::V2Writer;

/// The escape sequences a hostile mail carries: retitle the terminal, write
/// its clipboard (OSC 52), clear the screen, a hyperlink (OSC 8).
const TITLE: &str = "\x1b]0;pwned\x07";
const CLIPBOARD: &str = "\x1b]52;c;cHduZWQ=\x07";
const CLEAR: &str = "\x1b[2J";
const LINK: &str = "\x1b]8;;http://evil.example/\x1b\\";

fn hostile() -> String {
    format!("{TITLE}{CLIPBOARD}{CLEAR}{LINK}zero\u{200b}width\u{feff}")
}

/// A one-patch series whose commit message is hostile, with three reviews:
/// one clean, one with a bidi override, one with an escape sequence.
fn hostile_inbox(dir: &Path) -> Vec<gix::ObjectId> {
    let mut w = V2Writer::open(dir).expect("writer");
    let mut blobs = Vec::new();
    let patch = mail(
        "p1@example.org",
        "A U Thor <author@example.org>",
        "[PATCH] foo: fix the bar",
        0,
        &[],
        &patch_body(&format!("Fix it. {}", hostile()), "foo.c", "old", "new"),
    );
    blobs.push(w.add(patch.as_bytes(), at(0)).expect("add"));
    let reviews = [
        (
            "r1",
            "Carol <carol@example.org>",
            "Tested-by: Carol <carol@example.org>",
        ),
        (
            "r2",
            "Eve <eve@example.org>",
            "Reviewed-by: Eve \u{202e}elpmaxe <eve@example.org>",
        ),
        (
            "r3",
            "Bob <bob@example.org>",
            "Acked-by: Bob\x1b[8m hidden <bob@example.org>",
        ),
    ];
    for (i, (id, from, trailer)) in reviews.iter().enumerate() {
        let m = mail(
            &format!("{id}@example.org"),
            from,
            "Re: [PATCH] foo: fix the bar",
            10 + i as i64,
            &["p1@example.org"],
            &format!("> Fix it.\n\nLooks good.\n\n{trailer}\n"),
        );
        blobs.push(w.add(m.as_bytes(), at(10 + i as i64)).expect("add"));
    }
    blobs
}

struct Env {
    home: tempfile::TempDir,
    inbox: PathBuf,
}

impl Env {
    fn new() -> Env {
        let home = tempfile::tempdir().expect("tmp");
        let inbox = home.path().join("list");
        hostile_inbox(&inbox);
        let env = Env { home, inbox };
        let (code, _, err) = run(&mut env.putt(&["index"]));
        assert_eq!(code, 0, "{err}");
        env
    }

    fn putt(&self, args: &[&str]) -> Command {
        let mut c = putt(self.home.path());
        c.arg("--inbox").arg(&self.inbox).args(args);
        c
    }

    fn series_id(&self) -> String {
        let (code, out, err) = run(&mut self.putt(&["series", "--json"]));
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value =
            serde_json::from_str(out.lines().next().expect("a series")).expect("json");
        v["id"].as_str().expect("id").to_string()
    }

    fn path(&self, name: &str) -> PathBuf {
        self.home.path().join(name)
    }
}

fn file_type(p: &Path) -> std::fs::FileType {
    std::fs::symlink_metadata(p).expect("stat").file_type()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

// 1. Output paths are written, not replaced.

#[test]
fn am_writes_through_a_fifo_and_keeps_it_a_fifo() {
    use std::os::unix::fs::FileTypeExt;
    let env = Env::new();
    let id = env.series_id();
    let fifo = env.path("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).expect("read fifo"))
    };
    let (code, _, err) = run(env.putt(&["am", &id, "-o"]).arg(&fifo));
    assert_eq!(code, 0, "{err}");
    let got = reader.join().expect("reader");
    assert!(got.starts_with(b"From "), "the mbox came through the fifo");
    assert!(file_type(&fifo).is_fifo(), "the fifo is still a fifo");
}

#[test]
fn am_follows_a_symlink_and_keeps_the_link() {
    let env = Env::new();
    let id = env.series_id();
    let real = env.path("real.mbx");
    std::fs::write(&real, "old").expect("write");
    let link = env.path("link.mbx");
    std::os::unix::fs::symlink(&real, &link).expect("symlink");
    let (code, _, err) = run(env.putt(&["am", &id, "-o"]).arg(&link));
    assert_eq!(code, 0, "{err}");
    assert!(file_type(&link).is_symlink(), "the link is still a link");
    let text = std::fs::read(&real).expect("read");
    assert!(text.starts_with(b"From "), "its target holds the mbox");
}

#[test]
fn am_onto_a_device_writes_through_it() {
    use std::os::unix::fs::FileTypeExt;
    if !is_root() {
        eprintln!("skipped: making a device node needs root");
        return;
    }
    let env = Env::new();
    let id = env.series_id();
    // A null device of our own: /dev/null itself is not ours to risk.
    let null = env.path("null");
    let made = Command::new("mknod")
        .arg(&null)
        .args(["c", "1", "3"])
        .status()
        .expect("mknod");
    assert!(made.success());
    for extra in [&[][..], &["--cover"][..]] {
        let (code, _, err) = run(env.putt(&["am", &id, "-o"]).arg(&null).args(extra));
        assert_eq!(code, 0, "{err}");
        assert!(file_type(&null).is_char_device(), "still a device");
    }
}

#[test]
fn am_onto_a_directory_is_an_error_naming_it() {
    let env = Env::new();
    let id = env.series_id();
    let dir = env.path("adir");
    std::fs::create_dir(&dir).expect("mkdir");
    let (code, _, err) = run(env.putt(&["am", &id, "-o"]).arg(&dir));
    assert_eq!(code, 2);
    assert!(
        err.contains(&format!("{}: is a directory, not a file", dir.display())),
        "{err}"
    );
    assert!(dir.is_dir());
}

// 2. A missing object degrades one message, not the run.

fn remove_loose(git_dir: &Path, id: &gix::ObjectId) -> (PathBuf, Vec<u8>) {
    let hex = id.to_string();
    let p = git_dir.join("objects").join(&hex[..2]).join(&hex[2..]);
    let bytes = std::fs::read(&p).expect("loose object");
    std::fs::remove_file(&p).expect("remove");
    (p, bytes)
}

fn stats_json(env: &Env) -> serde_json::Value {
    let (code, out, err) = run(&mut env.putt(&["stats", "--json"]));
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(out.trim()).expect("json")
}

fn message_ids(env: &Env) -> Vec<String> {
    let (code, out, err) = run(&mut env.putt(&["search", "--json", ""]));
    assert!(code == 0 || code == 1, "{err}");
    let mut ids: Vec<String> = out
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json");
            v["message_id"].as_str().expect("id").to_string()
        })
        .collect();
    ids.sort();
    ids
}

#[test]
fn a_missing_blob_is_degraded_and_indexed_once_it_arrives() {
    let home = tempfile::tempdir().expect("tmp");
    let inbox = home.path().join("list");
    let blobs = hostile_inbox(&inbox);
    let git = inbox.join("git/0.git");
    let (path, bytes) = remove_loose(&git, &blobs[2]);
    let env = Env { home, inbox };

    let (code, _, err) = run(&mut env.putt(&["index"]));
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!("list/0: object {} (commit ", blobs[2]))
            && err.contains("could not be read: missing object"),
        "{err}"
    );
    let stats = stats_json(&env);
    assert_eq!(stats["messages"], 3);
    assert_eq!(stats["degraded"], 1);
    assert_eq!(stats["unreadable"], 1);
    let (code, out, err) = run(&mut env.putt(&["stats", "--degraded", "--json"]));
    assert_eq!(code, 0, "{err}");
    let d: serde_json::Value = serde_json::from_str(out.trim()).expect("json");
    assert_eq!(d["inbox"], "list");
    assert_eq!(d["epoch"], 0);
    assert_eq!(d["blob"], blobs[2].to_string());
    assert_eq!(d["reasons"], serde_json::json!(["missing object"]));
    assert_eq!(d["commit"].as_str().map(str::len), Some(40));
    assert_eq!(d["unreadable"], true);
    // The stand-in is no message: searches do not list it.
    assert_eq!(
        message_ids(&env),
        ["p1@example.org", "r1@example.org", "r3@example.org"]
    );
    let (_, out, _) = run(&mut env.putt(&["stats"]));
    assert!(
        out.contains("degraded:       1 (1 could not be read"),
        "{out}"
    );

    // A later fetch brings it: the next run indexes it.
    std::fs::write(&path, bytes).expect("restore");
    let (code, out, err) = run(&mut env.putt(&["index"]));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("1 message(s) that could not be read before are indexed now"),
        "{out}"
    );
    let stats = stats_json(&env);
    assert_eq!(stats["messages"], 4);
    assert_eq!(stats["degraded"], 0);
    assert_eq!(message_ids(&env).len(), 4);
    let (_, out, _) = run(&mut env.putt(&["stats", "--degraded"]));
    assert_eq!(out, "");
}

#[test]
fn a_missing_tree_or_commit_is_a_gap_that_fills_when_it_arrives() {
    let home = tempfile::tempdir().expect("tmp");
    let inbox = home.path().join("list");
    hostile_inbox(&inbox);
    let git = inbox.join("git/0.git");
    let rev = |spec: &str| {
        let out = Command::new("git")
            .arg("--git-dir")
            .arg(&git)
            .args(["rev-parse", spec])
            .output()
            .expect("git");
        gix::ObjectId::from_hex(String::from_utf8_lossy(&out.stdout).trim().as_bytes()).expect("id")
    };
    // The tree of the newest commit, and the commit before the one before.
    let tree = rev("refs/heads/master^{tree}");
    let commit = rev("refs/heads/master~2");
    let (tree_path, tree_bytes) = remove_loose(&git, &tree);
    let (commit_path, commit_bytes) = remove_loose(&git, &commit);
    let env = Env { home, inbox };

    let (code, _, err) = run(&mut env.putt(&["index"]));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("missing tree"), "{err}");
    assert!(
        err.contains("missing commit (the history before it was not read)"),
        "{err}"
    );
    // Only r2 (the commit before the newest) could be read.
    assert_eq!(message_ids(&env), ["r2@example.org"]);
    assert_eq!(stats_json(&env)["degraded"], 2);

    std::fs::write(&tree_path, tree_bytes).expect("restore");
    std::fs::write(&commit_path, commit_bytes).expect("restore");
    let (code, _, err) = run(&mut env.putt(&["index"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        message_ids(&env),
        [
            "p1@example.org",
            "r1@example.org",
            "r2@example.org",
            "r3@example.org"
        ]
    );
    assert_eq!(stats_json(&env)["degraded"], 0);
}

// 3. Mail reaches a terminal only through the sanitizer.

/// Runs `args` with a terminal as stdout (util-linux `script`), returning
/// what the terminal received; `None` when `script` is missing.
fn on_terminal(env: &Env, args: &[&str]) -> Option<String> {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: util-linux `script` is missing (no pseudo-terminal)");
        return None;
    }
    let mut line = format!(
        "'{}' --inbox '{}'",
        env!("CARGO_BIN_EXE_putt"),
        env.inbox.display()
    );
    for a in args {
        line.push_str(&format!(" '{a}'"));
    }
    let c = putt(env.home.path());
    let out = Command::new("script")
        .args(["-q", "-e", "-c", &line, "/dev/null"])
        .envs(
            c.get_envs()
                .filter_map(|(k, v)| Some((k.to_owned(), v?.to_owned()))),
        )
        .env_remove("PUTT_NOW")
        .env("COLUMNS", "120")
        .output()
        .expect("script");
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn assert_contained(what: &str, screen: &str) {
    for seq in [
        TITLE, CLIPBOARD, CLEAR, LINK, "\x1b[8m", "\u{202e}", "\u{200b}", "\u{feff}",
    ] {
        assert!(
            !screen.contains(seq),
            "{what}: {seq:?} reached the terminal:\n{screen}"
        );
    }
}

#[test]
fn mail_reaches_a_terminal_escaped_and_a_pipe_as_is() {
    let env = Env::new();
    let id = env.series_id();
    let commands: Vec<Vec<&str>> = vec![
        vec!["am", &id, "-o", "-", "--all-trailers"],
        vec!["reply", "--print", "<p1@example.org>"],
        vec!["reply", "--print", "--json", "<p1@example.org>"],
        vec!["show", "<p1@example.org>"],
        vec!["show", "--raw", "<p1@example.org>"],
        vec!["series", "show", &id],
        vec!["series", "--json"],
        vec!["trailers", &id],
        vec!["search", "--json", ""],
        vec!["thread", "<p1@example.org>"],
    ];
    let mut checked = 0;
    for args in &commands {
        let Some(screen) = on_terminal(&env, args) else {
            return;
        };
        assert!(!screen.trim().is_empty(), "{args:?} printed nothing");
        assert_contained(&args.join(" "), &screen);
        checked += 1;
    }
    assert_eq!(checked, commands.len());
    // The escaped form is what the terminal shows.
    let screen = on_terminal(&env, &["am", &id, "-o", "-"]).expect("script");
    assert!(screen.contains("^[]0;pwned^G"), "{screen}");
    assert!(screen.contains("zero\\u{200b}width"), "{screen}");

    // Into a pipe, the mbox is the mail as sent, byte for byte.
    let out = env.putt(&["am", &id, "-o", "-"]).output().expect("putt");
    assert!(out.status.success());
    let mbox = String::from_utf8_lossy(&out.stdout);
    assert!(mbox.contains(&hostile()), "the pipe gets the raw bytes");
}

// 4. Hostile trailers stay out of commits unless asked for.

#[test]
fn a_trailer_with_hidden_characters_is_left_out_and_said() {
    let env = Env::new();
    let id = env.series_id();
    let out_path = env.path("s.mbx");
    let (code, out, err) = run(env.putt(&["am", &id, "--json", "-o"]).arg(&out_path));
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("json");
    assert_eq!(
        v["patches"][0]["trailers_added"],
        serde_json::json!(["Tested-by: Carol <carol@example.org>"])
    );
    let warnings = v["warnings"].to_string();
    assert_eq!(
        warnings.matches("control or invisible characters").count(),
        2,
        "{warnings}"
    );
    let mbox = std::fs::read_to_string(&out_path).expect("mbox");
    assert!(!mbox.contains("Reviewed-by: Eve"), "{mbox}");
    assert!(!mbox.contains("Acked-by: Bob"), "{mbox}");

    // The human summary says it, escaped.
    let (code, out, _) = run(env.putt(&["am", &id, "-o"]).arg(&out_path));
    assert_eq!(code, 0);
    assert!(
        out.contains("left out Reviewed-by: Eve \\u{202e}elpmaxe"),
        "{out}"
    );
    assert!(out.contains("left out Acked-by: Bob^[[8m hidden"), "{out}");
    assert!(!out.contains('\u{202e}') && !out.contains('\x1b'), "{out}");

    // Asked for, they go in as sent.
    let (code, _, err) = run(env
        .putt(&["am", &id, "--all-trailers", "-o"])
        .arg(&out_path));
    assert_eq!(code, 0, "{err}");
    let mbox = std::fs::read_to_string(&out_path).expect("mbox");
    assert!(mbox.contains("Reviewed-by: Eve \u{202e}elpmaxe <eve@example.org>"));
}

// 6. A damaged index is noticed and rebuilt; a full disk is named.

fn index_dir(env: &Env) -> PathBuf {
    env.home.path().join("data/index")
}

fn damage(file: &Path) {
    use std::io::{Seek, SeekFrom, Write};
    let len = std::fs::metadata(file).expect("stat").len();
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .open(file)
        .expect("open");
    f.seek(SeekFrom::Start(len / 3)).expect("seek");
    f.write_all(&vec![0xa5; (len / 3).max(1) as usize])
        .expect("write");
}

#[test]
fn a_damaged_index_is_named_and_rebuilt() {
    let env = Env::new();
    // Marked read: state lives outside the index and survives a rebuild.
    let id = env.series_id();
    let (code, _, err) = run(&mut env.putt(&["state", &id, "reviewing"]));
    assert_eq!(code, 0, "{err}");
    let store = std::fs::read_dir(index_dir(&env))
        .expect("ls")
        .map(|e| e.expect("entry").path())
        .find(|p| p.extension().is_some_and(|e| e == "store"))
        .expect("a .store file");
    damage(&store);

    // A read that meets the damage names the index and the way out.
    let (code, _, err) = run(&mut env.putt(&["show", "<p1@example.org>"]));
    assert_eq!(code, 2);
    assert!(
        err.contains(&format!("index {} is damaged", index_dir(&env).display())),
        "{err}"
    );
    assert!(err.contains("putt index --rebuild"), "{err}");

    // `putt index` checks the files and rebuilds.
    let (code, out, err) = run(&mut env.putt(&["index"]));
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("could not be read (1 file(s) fail their checksum"),
        "{err}"
    );
    assert!(out.contains("indexed 4 new"), "{out}");
    let (code, out, err) = run(&mut env.putt(&["show", "<p1@example.org>"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Subject: [PATCH] foo: fix the bar"));
    let (_, out, _) = run(&mut env.putt(&["state", &id]));
    assert!(out.contains("reviewing"), "{out}");

    // --rebuild on request.
    let (code, out, err) = run(&mut env.putt(&["index", "--rebuild"]));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("rebuilding the index"), "{err}");
    assert!(out.contains("indexed 4 new"), "{out}");
}

/// Runs `script` (sh) in a new user and mount namespace, where a tmpfs can
/// be mounted; `None` when this machine does not allow it.
fn in_namespace(script: &str) -> Option<std::process::Output> {
    let probe = Command::new("unshare")
        .args(["-rm", "true"])
        .output()
        .ok()?;
    if !probe.status.success() {
        eprintln!(
            "skipped: no user namespaces here (unshare -rm: {})",
            String::from_utf8_lossy(&probe.stderr).trim()
        );
        return None;
    }
    Some(
        Command::new("unshare")
            .args(["-rm", "sh", "-c", script])
            .output()
            .expect("unshare"),
    )
}

#[test]
fn a_full_disk_is_named_keeps_what_was_committed_and_the_next_run_works() {
    let home = tempfile::tempdir().expect("tmp");
    let inbox = home.path().join("list");
    let mut w = V2Writer::open(&inbox).expect("writer");
    for i in 0..1500 {
        // Words of their own, so that the index grows with the messages.
        let words: Vec<String> = (0..150).map(|j| format!("w{i}x{j}")).collect();
        let body = format!("message {i}\n\n{}\n", words.join(" "));
        let raw = mail(
            &format!("m{i}@example.org"),
            &format!("Sender {} <s{}@example.org>", i % 50, i % 50),
            &format!("[PATCH] subject number {i}"),
            i,
            &[],
            &body,
        );
        w.add(raw.as_bytes(), at(i)).expect("add");
    }
    let idx = home.path().join("idx");
    std::fs::create_dir(&idx).expect("mkdir");
    let putt_bin = env!("CARGO_BIN_EXE_putt");
    let h = home.path().display();
    let script = format!(
        "set -u
export HOME='{h}' PUTT_CONFIG='{h}/config.toml' PUTT_DATA_DIR='{h}/data' GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
mount -t tmpfs -o size=900k tmpfs '{idx}' || exit 77
'{putt_bin}' --inbox '{inbox}' --index-dir '{idx}' index --commit-every 200 >'{h}/out1' 2>'{h}/err1'; echo $? >'{h}/code1'
'{putt_bin}' --inbox '{inbox}' --index-dir '{idx}' stats --json >'{h}/stats1' 2>&1
mount -o remount,size=64m '{idx}'
'{putt_bin}' --inbox '{inbox}' --index-dir '{idx}' index >'{h}/out2' 2>'{h}/err2'; echo $? >'{h}/code2'
'{putt_bin}' --inbox '{inbox}' --index-dir '{idx}' stats --json >'{h}/stats2' 2>&1
",
        idx = idx.display(),
        inbox = inbox.display()
    );
    let Some(out) = in_namespace(&script) else {
        return;
    };
    if out.status.code() == Some(77) {
        eprintln!("skipped: cannot mount a tmpfs in a user namespace here");
        return;
    }
    let read = |n: &str| std::fs::read_to_string(home.path().join(n)).unwrap_or_default();
    assert_eq!(read("code1").trim(), "2", "{}", read("err1"));
    let err1 = read("err1");
    assert!(
        err1.contains(&format!(
            "{}: no space left on device (ENOSPC)",
            idx.display()
        )),
        "{err1}"
    );
    assert!(!err1.contains("panicked"), "{err1}");
    let stats1: serde_json::Value = serde_json::from_str(read("stats1").trim()).expect("stats");
    let kept = stats1["messages"].as_u64().expect("messages");
    assert!(
        kept > 0 && kept < 1500,
        "batches committed before the disk filled stay: {kept}"
    );
    assert_eq!(read("code2").trim(), "0", "{}", read("err2"));
    let stats2: serde_json::Value = serde_json::from_str(read("stats2").trim()).expect("stats");
    assert_eq!(stats2["messages"], 1500);
}

// 7. Paths and interruptions (the interrupted apply is in tests/apply.rs).

#[test]
fn an_inbox_path_that_is_not_utf8_is_refused_up_front_by_name() {
    use std::os::unix::ffi::OsStrExt;
    let home = tempfile::tempdir().expect("tmp");
    let inbox = home.path().join(std::ffi::OsStr::from_bytes(b"li\xffst"));
    hostile_inbox(&inbox);
    let (code, out, err) = run(putt(home.path()).arg("--inbox").arg(&inbox).arg("index"));
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains("li\u{fffd}st: the path is not valid UTF-8"),
        "{err}"
    );
    assert!(
        !err.contains("data/index"),
        "names the inbox, not the index: {err}"
    );
    assert!(
        !home.path().join("data/index/meta.json").exists(),
        "refused before anything was indexed"
    );
}

// What putt keeps of its own survives a kill at any moment.

#[test]
fn a_kill_during_a_state_change_loses_at_most_that_change() {
    let env = Env::new();
    let id = env.series_id();
    let states = ["reviewing", "waiting", "accepted", "rejected"];
    let mut last_done: Option<&str> = None;
    for round in 0..24u64 {
        let want = states[round as usize % states.len()];
        let mut child = env
            .putt(&["state", &id, want])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(std::time::Duration::from_millis(round * 3 % 40));
        let _ = child.kill();
        let finished = child.wait().expect("wait").success();
        let (code, out, err) = run(&mut env.putt(&["state", &id, "--json"]));
        assert_eq!(code, 0, "the store reads after a kill: {err}");
        let shown = out
            .lines()
            .rev()
            .find_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .and_then(|v| v["state"].as_str().map(str::to_string))
            .expect("a state");
        if finished {
            assert_eq!(shown, want, "a change that finished is kept");
        } else {
            // Killed: the change is in whole, or not at all.
            let before = last_done.unwrap_or("new");
            assert!(
                shown == want || shown == before,
                "{shown} after {before} -> {want}"
            );
        }
        last_done = Some(if shown == want {
            want
        } else {
            last_done.unwrap_or("new")
        });
    }
}
