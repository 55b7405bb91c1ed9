//! Rules, checks and events through the real binary, over fixture inboxes
//! written as public-inbox v2 archives with hand-made trailers and dates,
//! "now" pinned with PUTT_NOW.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::{T0, mail, patch_body, putt, run};
use putt_testkit::write::V2Writer;
use serde_json::Value;

const DAY: i64 = 24 * 60;

/// A home with a config, a data dir and an inbox to write mail into.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new(config: &str) -> Home {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = Home { dir };
        std::fs::create_dir_all(home.inbox()).expect("inbox dir");
        home.config(config);
        home
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn inbox(&self) -> PathBuf {
        self.path().join("inbox")
    }

    fn config(&self, extra: &str) {
        let text = format!("[[inbox]]\nname = \"test\"\npath = \"inbox\"\n\n{extra}");
        std::fs::write(self.path().join("config.toml"), text).expect("config");
    }

    fn add(&self, mails: &[String]) {
        let mut w = V2Writer::open(&self.inbox()).expect("writer");
        for (i, m) in mails.iter().enumerate() {
            w.add(m.as_bytes(), T0 + i as i64).expect("add");
        }
    }

    /// `putt ARGS` with "now" at `now_minutes` after T0.
    fn putt_at(&self, now_minutes: i64, args: &[&str]) -> (i32, String, String) {
        run(putt(self.path())
            .env("PUTT_NOW", (T0 + now_minutes * 60).to_string())
            .args(args))
    }

    fn putt(&self, args: &[&str]) -> (i32, String, String) {
        self.putt_at(30 * DAY, args)
    }

    fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.putt(args);
        assert_eq!(code, 0, "putt {args:?}\nstdout: {out}\nstderr: {err}");
        out
    }

    fn spawn(&self, args: &[&str]) -> Child {
        putt(self.path())
            .env("PUTT_NOW", (T0 + 30 * DAY * 60).to_string())
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn putt")
    }

    /// Stored check results, by check name and version.
    fn results(&self) -> Vec<Value> {
        let (_, out, _) = self.putt(&["check", "--list", "--json"]);
        json_lines(&out)
    }

    fn result(&self, check: &str, version: u64) -> Option<Value> {
        self.results()
            .into_iter()
            .find(|r| r["check"] == check && r["version"] == version)
    }

    fn events(&self) -> Vec<Value> {
        let (_, out, _) = self.putt(&["events", "--json"]);
        json_lines(&out)
    }
}

fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn wait_for(what: &str, limit: Duration, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn wait_exit(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(s) = child.try_wait().expect("try_wait") {
            return s;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("putt did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

const ALICE: &str = "Alice Dev <alice@example.org>";
const DAVE: &str = "Dave Hacker <dave@example.net>";
const EVE: &str = "Eve Writer <eve@example.com>";
const CAROL: &str = "Carol Me <carol@example.com>";
const MASA: &str = "Masa Maint <masa@example.org>";
const NICO: &str = "Nico Maint <nico@example.org>";
const URSULA: &str = "Ursula Other <ursula@example.org>";
const BOT: &str = "CI Bot <bot@ci.example.org>";

/// A two-patch revision (`v` 1 or 2) of Alice's kbuild series, sent at
/// `day`: cover and patches.
fn alice(v: u32, day: i64) -> Vec<String> {
    let tag = if v == 1 {
        "PATCH".to_string()
    } else {
        format!("PATCH v{v}")
    };
    let cover = format!("a{v}-0@example.org");
    vec![
        mail(
            &cover,
            ALICE,
            &format!("[{tag} 0/2] kbuild: fix frob"),
            day * DAY,
            &[],
            "Two fixes.\n",
        ),
        mail(
            &format!("a{v}-1@example.org"),
            ALICE,
            &format!("[{tag} 1/2] kbuild: frob the build"),
            day * DAY + 1,
            &[&cover],
            &patch_body(
                "Frob it.",
                "scripts/Makefile.build",
                "old",
                &format!("new{v}"),
            ),
        ),
        mail(
            &format!("a{v}-2@example.org"),
            ALICE,
            &format!("[{tag} 2/2] kbuild: frob the lib"),
            day * DAY + 2,
            &[&cover],
            &patch_body(
                "Frob more.",
                "scripts/Makefile.lib",
                "old",
                &format!("lib{v}"),
            ),
        ),
    ]
}

fn reply(mid: &str, from: &str, to: &str, subject: &str, minutes: i64, trailer: &str) -> String {
    mail(
        mid,
        from,
        &format!("Re: {subject}"),
        minutes,
        &[to],
        &format!("> quoted\n\nLooks fine.\n\n{trailer}\n"),
    )
}

const MAINTAINERS: &str = "\
KBUILD
M:\tMasa Maint <masa@example.org>
M:\tNico Maint <nico@example.org>
R:\tUrsula Other <ursula@example.org>
F:\tscripts/

DOCUMENTATION
M:\tDoc Person <doc@example.org>
F:\tDocumentation/
";

const RULES: &str = r#"
[identity]
name = "Carol Me"
email = "carol@example.com"

[workflow]
maintainers = "MAINTAINERS"

[[rule]]
name = "ready"
when = "review from maintainers >= 2 AND NOT nak AND age >= 7d"

[[rule]]
name = "untested"
when = "NOT tested-by from *@ci.example.org"
hide = true

[[rule]]
name = "attention"
when = "review|reply from me on earlier AND NOT review|reply from me"
"#;

/// Alice's series: v1 on day 0 (Carol reviews it), v2 on day 2 (the bot
/// tests it, both maintainers review it on day 3). Dave's on day 1: a
/// maintainer NAKs it, nobody tests it. Eve's docs patch on day 4: tested,
/// reviewed by people who do not maintain Documentation/.
fn triage_inbox(home: &Home) {
    let mut mails = alice(1, 0);
    mails.push(reply(
        "c1@example.com",
        CAROL,
        "a1-0@example.org",
        "[PATCH 0/2] kbuild: fix frob",
        DAY,
        "Reviewed-by: Carol Me <carol@example.com>",
    ));
    mails.extend(alice(2, 2));
    let v2 = "[PATCH v2 0/2] kbuild: fix frob";
    mails.push(reply(
        "t2@ci",
        BOT,
        "a2-0@example.org",
        v2,
        2 * DAY + 60,
        "Tested-by: CI Bot <bot@ci.example.org>",
    ));
    mails.push(reply(
        "m2@example.org",
        MASA,
        "a2-0@example.org",
        v2,
        3 * DAY,
        "Reviewed-by: Masa Maint <masa@example.org>",
    ));
    mails.push(reply(
        "n2@example.org",
        NICO,
        "a2-0@example.org",
        v2,
        3 * DAY + 5,
        "Acked-by: Nico Maint <nico@example.org>",
    ));
    let dave = "[PATCH] kbuild: break things";
    mails.push(mail(
        "d1@example.net",
        DAVE,
        dave,
        DAY,
        &[],
        &patch_body("Break it.", "scripts/Makefile.lib", "a", "b"),
    ));
    mails.push(reply(
        "dn@example.org",
        MASA,
        "d1@example.net",
        dave,
        DAY + 60,
        "Nacked-by: Masa Maint <masa@example.org>",
    ));
    mails.push(reply(
        "dr@example.org",
        NICO,
        "d1@example.net",
        dave,
        DAY + 90,
        "Reviewed-by: Nico Maint <nico@example.org>",
    ));
    let eve = "[PATCH] docs: fix a typo";
    mails.push(mail(
        "e1@example.com",
        EVE,
        eve,
        4 * DAY,
        &[],
        &patch_body("Typo.", "Documentation/kbuild/makefiles.rst", "teh", "the"),
    ));
    mails.push(reply(
        "et@ci",
        BOT,
        "e1@example.com",
        eve,
        4 * DAY + 30,
        "Tested-by: CI Bot <bot@ci.example.org>",
    ));
    mails.push(reply(
        "eu@example.org",
        URSULA,
        "e1@example.com",
        eve,
        4 * DAY + 60,
        "Reviewed-by: Ursula Other <ursula@example.org>",
    ));
    mails.push(reply(
        "em@example.org",
        MASA,
        "e1@example.com",
        eve,
        4 * DAY + 70,
        "Reviewed-by: Masa Maint <masa@example.org>",
    ));
    home.add(&mails);
}

fn subjects(out: &str) -> Vec<String> {
    let mut v: Vec<String> = json_lines(out)
        .iter()
        .map(|s| s["subject"].as_str().unwrap_or("").to_string())
        .collect();
    v.sort();
    v
}

#[test]
fn rules_over_hand_made_trailers_and_dates() {
    let home = Home::new(RULES);
    std::fs::write(home.path().join("MAINTAINERS"), MAINTAINERS).expect("maintainers");
    triage_inbox(&home);
    home.ok(&["index"]);

    // Day 10: Alice's v2 (posted day 2) has both maintainers and no NAK.
    let at = 10 * DAY;
    let (code, out, err) = home.putt_at(at, &["series", "--json"]);
    assert_eq!(code, 0, "{err}");
    let rows = json_lines(&out);
    // Dave's series is untested: hidden, and the list says so.
    assert_eq!(
        subjects(&out),
        ["docs: fix a typo", "kbuild: fix frob"],
        "{out}"
    );
    assert!(
        err.contains("1 more series hidden by rules with hide = true (-a shows them)"),
        "{err}"
    );
    let a = rows
        .iter()
        .find(|r| r["subject"] == "kbuild: fix frob")
        .expect("alice");
    assert_eq!(strs(&a["rules"]), ["ready", "attention"], "{a}");
    assert_eq!(a["state"], "new");
    // v1 (superseded): untested, hence hidden on its own.
    let v1 = &a["revisions"][0];
    assert_eq!(v1["version"], 1);
    assert_eq!(strs(&v1["rules"]), ["untested"]);
    assert_eq!(strs(&v1["hidden_by"]), ["untested"]);
    assert_eq!(v1["state"], "superseded");
    let e = rows
        .iter()
        .find(|r| r["subject"] == "docs: fix a typo")
        .expect("eve");
    // Reviews, but not from the maintainers of Documentation/.
    assert!(strs(&e["rules"]).is_empty(), "{e}");

    let (_, out, err) = home.putt_at(at, &["series", "--all", "--json"]);
    assert_eq!(subjects(&out).len(), 3);
    assert!(!err.contains("hidden"), "{err}");
    let d = json_lines(&out)
        .into_iter()
        .find(|r| r["subject"] == "kbuild: break things")
        .expect("dave");
    assert_eq!(strs(&d["rules"]), ["untested"]);

    // Rules and states in queries.
    let (_, out, _) = home.putt_at(at, &["series", "--json", "is:ready"]);
    assert_eq!(subjects(&out), ["kbuild: fix frob"]);
    let (_, out, _) = home.putt_at(at, &["series", "--json", "is:untested"]);
    assert_eq!(
        subjects(&out),
        ["kbuild: break things"],
        "naming a hiding rule shows its series"
    );
    let (_, out, _) = home.putt_at(at, &["series", "--json", "NOT", "is:ready"]);
    assert_eq!(subjects(&out), ["docs: fix a typo"]);
    let (code, _, _) = home.putt_at(at, &["series", "dfn:Documentation", "is:ready"]);
    assert_eq!(code, 1);
    let (code, _, err) = home.putt_at(at, &["series", "s:frob", "OR", "is:ready"]);
    assert_eq!(code, 2);
    assert!(err.contains("AND them"), "{err}");
    let (code, _, err) = home.putt_at(at, &["series", "is:redy"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("^^^^^^^ no rule or state `redy`: rules are ready, untested, attention"),
        "{err}"
    );
    let (code, _, err) = home.putt_at(at, &["search", "is:ready"]);
    assert_eq!(code, 2);
    assert!(err.contains("putt series"), "{err}");

    // The text list shows matching rules after the subject.
    let (_, out, _) = home.putt_at(at, &["series"]);
    let line = out.lines().find(|l| l.contains("fix frob")).expect("row");
    assert!(
        line.ends_with("kbuild: fix frob  [ready attention]"),
        "{line}"
    );

    // Day 8: v2 is six days old; not ready yet (lazy consensus waits 7).
    let (_, out, _) = home.putt_at(8 * DAY, &["series", "--json", "is:ready"]);
    assert!(subjects(&out).is_empty(), "{out}");

    // Once Carol reviews v2, it needs no attention.
    home.add(&[reply(
        "c2@example.com",
        CAROL,
        "a2-1@example.org",
        "[PATCH v2 1/2] kbuild: frob the build",
        5 * DAY,
        "Reviewed-by: Carol Me <carol@example.com>",
    )]);
    home.ok(&["index"]);
    let (_, out, _) = home.putt_at(at, &["series", "--json", "is:attention"]);
    assert!(subjects(&out).is_empty(), "{out}");

    // Triage state in the export and in queries.
    home.ok(&["state", "a2-0@example.org", "reviewing"]);
    let (_, out, _) = home.putt_at(at, &["series", "--json", "is:reviewing"]);
    let rows = json_lines(&out);
    assert_eq!(rows.len(), 1, "{out}");
    assert_eq!(rows[0]["state"], "reviewing");
    assert_eq!(rows[0]["state_explicit"], true);
}

#[test]
fn a_bad_rule_is_an_error_naming_the_rule_and_the_place() {
    let home = Home::new(
        "[[rule]]\nname = \"ok\"\nwhen = \"tested-by\"\n\n[[rule]]\nname = \"ready\"\nwhen = \"review from maintainers >= 2 AND age >= 7x\"\n",
    );
    let (code, _, err) = home.putt(&["series"]);
    assert_eq!(code, 2);
    assert!(err.contains("config.toml"), "{err}");
    assert!(err.contains("[[rule]] #2 `ready`"), "{err}");
    assert!(
        err.contains("^^ `7x` is not a time: write 30m, 12h, 7d or 2w"),
        "{err}"
    );
    // Fixing the time leaves `maintainers` without a MAINTAINERS file.
    home.config("[[rule]]\nname = \"ready\"\nwhen = \"review from maintainers >= 2\"\n");
    let (code, _, err) = home.putt(&["series"]);
    assert_eq!(code, 2);
    assert!(err.contains("[workflow] maintainers"), "{err}");
    home.config("[[rule]]\nname = \"new\"\nwhen = \"review\"\n");
    let (_, _, err) = home.putt(&["series"]);
    assert!(err.contains("is a triage state"), "{err}");
}

/// One series of two patches by Alice.
fn one_series(home: &Home) {
    home.add(&alice(1, 0));
    home.ok(&["index"]);
}

const CHECKS: &str = r#"
[workflow]
jobs = 4

[[check]]
name = "ok"
command = "test \"$(grep -c '^From mboxrd@z' \"$PUTT_MBOX\")\" = 2 && grep -q '^Subject: \\[PATCH 1/2\\]' \"$PUTT_MBOX\" && echo \"$PUTT_PATCHES patches of $PUTT_SERIES v$PUTT_VERSION\""

[[check]]
name = "bad"
command = "echo building; echo 'error: broken' >&2; exit 1"

[[check]]
name = "meh"
command = "echo 'style: meh'; exit 3"
warning_exit = 3

[[check]]
name = "slow"
command = "sleep 30"
timeout = "1s"
"#;

#[test]
fn checks_succeed_fail_warn_and_time_out() {
    let home = Home::new(CHECKS);
    one_series(&home);
    let started = Instant::now();
    let (code, out, err) = home.putt(&["check", "--json"]);
    let took = started.elapsed();
    assert_eq!(code, 1, "a failed check fails the run\n{out}\n{err}");
    assert!(took < Duration::from_secs(15), "{took:?}");
    let done = json_lines(&out);
    assert_eq!(done.len(), 4, "{out}");
    let by = |name: &str| {
        done.iter()
            .find(|r| r["check"] == name)
            .unwrap_or_else(|| panic!("{name} in {out}"))
            .clone()
    };
    let series_id = by("ok")["series"].as_str().expect("series").to_string();
    assert_eq!(by("ok")["status"], "success");
    assert_eq!(by("ok")["summary"], format!("2 patches of {series_id} v1"));
    assert_eq!(by("bad")["status"], "fail");
    assert_eq!(by("bad")["summary"], "exit 1: error: broken");
    assert_eq!(by("bad")["exit_code"], 1);
    assert_eq!(by("meh")["status"], "warning");
    assert_eq!(by("slow")["status"], "fail");
    assert_eq!(by("slow")["summary"], "timed out after 1s");
    let output = PathBuf::from(by("bad")["output"].as_str().expect("output"));
    assert_eq!(
        std::fs::read_to_string(&output).expect("output file"),
        "building\nerror: broken\n"
    );
    assert!(output.starts_with(home.path().join("data/checks/output/bad")));

    // Results survive: nothing runs again unless asked.
    let (code, out, _) = home.putt(&["check"]);
    assert_eq!(code, 0);
    assert!(out.contains("0 run:"), "{out}");
    let (_, out, _) = home.putt(&["check", "--json", "--rerun", "warning"]);
    let again = json_lines(&out);
    assert_eq!(again.len(), 1, "{out}");
    assert_eq!(again[0]["check"], "meh");
    assert_ne!(again[0]["run"], by("meh")["run"]);
    let (_, out, _) = home.putt(&["check", "--json", "--rerun", "--check", "ok"]);
    assert_eq!(json_lines(&out).len(), 1);

    // The series list and its JSON carry them; check: filters on them.
    let (_, out, _) = home.putt(&["series", "--json"]);
    let row = &json_lines(&out)[0];
    assert_eq!(row["check"], "fail");
    let checks: Vec<(String, String)> = row["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| {
            (
                c["check"].as_str().unwrap_or("").into(),
                c["status"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    assert_eq!(
        checks,
        [
            ("bad".to_string(), "fail".to_string()),
            ("meh".into(), "warning".into()),
            ("ok".into(), "success".into()),
            ("slow".into(), "fail".into())
        ]
    );
    let (_, out, _) = home.putt(&["series"]);
    assert!(out.contains(" C:F "), "{out}");
    assert_eq!(home.putt(&["series", "check:bad:fail"]).0, 0);
    assert_eq!(home.putt(&["series", "check:ok:fail"]).0, 1);
    let (_, out, _) = home.putt(&["series", "show", &series_id]);
    assert!(
        out.contains("  check bad: fail  exit 1: error: broken"),
        "{out}"
    );

    // Every run started and finished in the event log.
    let events = home.events();
    let count = |t: &str| events.iter().filter(|e| e["type"] == t).count();
    assert_eq!(count("check.started"), 6);
    assert_eq!(count("check.finished"), 6);
    assert!(
        events.iter().any(|e| e["type"] == "check.finished"
            && e["check"] == "slow"
            && e["status"] == "fail")
    );
}

#[test]
fn a_newer_revision_cancels_the_running_check() {
    let home = Home::new(
        r#"
[[check]]
name = "build"
command = "if [ \"$PUTT_VERSION\" = 1 ]; then sleep 30; fi; echo built v$PUTT_VERSION"
timeout = "1m"
"#,
    );
    one_series(&home);
    let mut child = home.spawn(&["check", "--json"]);
    wait_for("v1 to run", Duration::from_secs(20), || {
        home.result("build", 1)
            .is_some_and(|r| r["status"] == "pending")
    });
    // v2 arrives and is indexed (by another putt) while v1 is checked.
    home.add(&alice(2, 1));
    home.ok(&["index"]);
    let status = wait_exit(&mut child, Duration::from_secs(20));
    let mut out = String::new();
    std::io::Read::read_to_string(child.stdout.as_mut().expect("stdout"), &mut out).expect("read");
    assert!(status.success(), "{out}");
    let v1 = home.result("build", 1).expect("v1");
    assert_eq!(v1["status"], "cancelled", "{v1}");
    assert_eq!(v1["summary"], "superseded by v2");
    let v2 = home.result("build", 2).expect("v2");
    assert_eq!(v2["status"], "success", "{v2}");
    assert_eq!(v2["summary"], "built v2");
    let printed = json_lines(&out);
    assert_eq!(printed.len(), 2, "{out}");
    // The new revision is an event, and so is each check; v1's check ends
    // after v2 arrived.
    let kinds: Vec<String> = home
        .events()
        .iter()
        .map(|e| format!("{} {}", e["type"].as_str().unwrap_or(""), e["version"]))
        .collect();
    let at = |k: &str| {
        kinds
            .iter()
            .position(|x| x == k)
            .unwrap_or_else(|| panic!("{k} in {kinds:?}"))
    };
    assert_eq!(kinds.len(), 6, "{kinds:?}");
    assert_eq!(at("inbox.imported null"), 0);
    assert!(at("check.started 1") < at("revision.new 2"));
    assert!(at("revision.new 2") < at("check.finished 1"));
    assert!(at("revision.new 2") < at("check.started 2"));
    assert!(at("check.started 2") < at("check.finished 2"));
}

fn stat_state(pid: u64) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(") ")?.1.chars().next()
}

#[test]
fn a_killed_check_run_leaves_interrupted() {
    let home = Home::new(
        r#"
[[check]]
name = "hang"
command = "if [ -e \"$HOME/fixed\" ]; then echo fine; else sleep 30; fi"
timeout = "1m"
"#,
    );
    one_series(&home);
    let mut child = home.spawn(&["check"]);
    wait_for("the check to run", Duration::from_secs(20), || {
        home.result("hang", 1)
            .is_some_and(|r| r["status"] == "pending")
    });
    child.kill().expect("kill -9 putt");
    child.wait().expect("reap");
    // Not a lie: the check neither passed nor failed.
    let r = home.result("hang", 1).expect("result");
    assert_eq!(r["status"], "interrupted", "{r}");
    let pgid = r["pgid"].as_u64().expect("pgid of the orphaned command");
    assert!(
        matches!(stat_state(pgid), Some(s) if s != 'Z'),
        "the command outlived putt"
    );
    // The next run records it and stops the orphan; it does not run again.
    let (code, out, _) = home.putt(&["check"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("interrupted hang"), "{out}");
    assert!(out.contains("0 run:"), "{out}");
    wait_for(
        "the orphan to die",
        Duration::from_secs(5),
        || !matches!(stat_state(pgid), Some(s) if s != 'Z'),
    );
    let r = home.result("hang", 1).expect("result");
    assert_eq!(r["status"], "interrupted");
    assert!(r.get("pgid").is_none(), "{r}");
    // Asked to, it runs again.
    std::fs::write(home.path().join("fixed"), "").expect("marker");
    let (code, out, _) = home.putt(&["check", "--rerun", "interrupted"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(home.result("hang", 1).expect("result")["status"], "success");
}

#[test]
fn events_from_new_mail_state_changes_and_the_hook() {
    let home = Home::new("[events]\nhook = \"cat >> \\\"$HOME/hook.jsonl\\\"\"\n");
    home.add(&alice(1, 0));
    home.ok(&["index"]);
    // A first import is one event, not one per series.
    let first = home.events();
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0]["type"], "inbox.imported");
    assert_eq!(first[0]["messages"], 3);

    // New mail: a review of v1, a new series, and v2.
    let mut mails = vec![reply(
        "r1@example.org",
        MASA,
        "a1-1@example.org",
        "[PATCH 1/2] kbuild: frob the build",
        DAY,
        "Reviewed-by: Masa Maint <masa@example.org>",
    )];
    mails.push(mail(
        "d1@example.net",
        DAVE,
        "[PATCH] kbuild: break things",
        DAY,
        &[],
        &patch_body("Break it.", "scripts/Makefile.lib", "a", "b"),
    ));
    mails.extend(alice(2, 2));
    mails.push(reply(
        "x2@example.org",
        URSULA,
        "a2-0@example.org",
        "[PATCH v2 0/2] kbuild: fix frob",
        3 * DAY,
        "Acked-by: Nico Maint <nico@example.org>",
    ));
    home.add(&mails);
    home.ok(&["index"]);
    let events = home.events();
    let seqs: Vec<u64> = events.iter().filter_map(|e| e["seq"].as_u64()).collect();
    assert_eq!(seqs, (1..=events.len() as u64).collect::<Vec<_>>());
    let mut got: Vec<String> = events[1..]
        .iter()
        .map(|e| match e["type"].as_str().unwrap_or("") {
            "series.new" => format!("series.new {}", e["subject"].as_str().unwrap_or("")),
            "revision.new" => format!("revision.new v{} after v{}", e["version"], e["previous"]),
            "trailer.new" => format!(
                "trailer.new v{} patch {} {}: {}{}",
                e["version"],
                e["patch"],
                e["name"].as_str().unwrap_or(""),
                e["value"].as_str().unwrap_or(""),
                if e["suspicious"] == true {
                    " (suspicious)"
                } else {
                    ""
                }
            ),
            other => other.to_string(),
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            "revision.new v2 after v1",
            "series.new kbuild: break things",
            "trailer.new v1 patch 1 Reviewed-by: Masa Maint <masa@example.org>",
            "trailer.new v2 patch 0 Acked-by: Nico Maint <nico@example.org> (suspicious)",
        ]
    );
    // Nothing new: no events.
    home.ok(&["index"]);
    assert_eq!(home.events().len(), events.len());

    // A state change, followed live.
    let mut follow = home.spawn(&["events", "--follow", "--json", "--type", "state."]);
    home.ok(&["state", "a2-0@example.org", "reviewing"]);
    let mut line = String::new();
    let mut reader = BufReader::new(follow.stdout.take().expect("stdout"));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = reader.read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("a state event while following");
    let _ = follow.kill();
    let _ = follow.wait();
    let e: Value = serde_json::from_str(&line).expect("json");
    assert_eq!(e["type"], "state.changed");
    assert_eq!(e["from"], "new");
    assert_eq!(e["to"], "reviewing");
    assert_eq!(e["version"], 2);
    // Setting the same state again changes nothing.
    home.ok(&["state", "a2-0@example.org", "reviewing"]);
    let all = home.events();
    assert_eq!(
        all.iter().filter(|e| e["type"] == "state.changed").count(),
        1
    );

    // The hook heard every event, as written.
    let heard = std::fs::read_to_string(home.path().join("hook.jsonl")).expect("hook output");
    assert_eq!(json_lines(&heard), all);

    // Filters and the human form.
    let last = all.len().to_string();
    let (_, out, _) = home.putt(&["events", "--since", &(all.len() - 1).to_string()]);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.trim_start().starts_with(&last), "{out}");
    assert!(
        out.contains("state.changed") && out.contains("v2 new -> reviewing"),
        "{out}"
    );
    let (_, out, _) = home.putt(&["events", "--type", "series.", "--type", "revision."]);
    assert_eq!(out.lines().count(), 2, "{out}");
}
