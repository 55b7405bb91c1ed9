//! Series identity as a user meets it: which postings are revisions of one
//! series and why, the user's corrections, the revision a Message-ID names,
//! and hand-judged links on whole real lists (`tests/golden/links.toml`).

mod common;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use common::{mail, patch_body, putt, run};
use putt_store::archive::Inbox;
use putt_store::index::Index;
use putt_store::index::build::{self, IndexOptions};
use putt_store::series::gather::{series_by_key, series_for_query};
use putt_testkit::write::V2Writer;
use serde_json::Value;

const DAY: i64 = 1440;

/// A list written as a v2 inbox and indexed by the real binary.
struct List {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl List {
    fn new(mails: &[String]) -> List {
        let dir = tempfile::tempdir().expect("tmp");
        let root = dir.path().to_path_buf();
        let mut w = V2Writer::open(&root.join("inbox")).expect("writer");
        for (i, m) in mails.iter().enumerate() {
            w.add(m.as_bytes(), common::T0 + i as i64).expect("add");
        }
        std::fs::create_dir_all(root.join("home")).expect("home");
        let list = List { _dir: dir, root };
        let (code, _, err) = list.putt(&["index"]);
        assert_eq!(code, 0, "{err}");
        list
    }

    fn putt(&self, args: &[&str]) -> (i32, String, String) {
        run(putt(&self.root.join("home"))
            .arg("--inbox")
            .arg(self.root.join("inbox"))
            .arg("--index-dir")
            .arg(self.root.join("index"))
            .args(args))
    }

    fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.putt(args);
        assert_eq!(code, 0, "putt {args:?}: {err}");
        out
    }

    /// `putt series show KEY --json`.
    fn show(&self, key: &str) -> Value {
        serde_json::from_str(&self.ok(&["series", "show", key, "--json"])).expect("json")
    }

    /// Every listed series: (id, the root Message-ID of each revision).
    fn listing(&self) -> Vec<(String, Vec<String>)> {
        self.ok(&["series", "--all", "--json"])
            .lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).expect("json line");
                let id = v["id"].as_str().expect("id").to_string();
                let roots = self
                    .show(&id)
                    .get("revisions")
                    .and_then(Value::as_array)
                    .expect("revisions")
                    .iter()
                    .map(root_of)
                    .collect();
                (id, roots)
            })
            .collect()
    }

    /// The revisions (root Message-IDs) of the series holding `mid`.
    fn revisions_with(&self, mid: &str) -> Vec<String> {
        revisions(&self.show(mid)).iter().map(root_of).collect()
    }

    /// Why the revision rooted at `mid` is linked, as the JSON says.
    fn because(&self, mid: &str) -> Vec<String> {
        let s = self.show(mid);
        let r = revisions(&s)
            .iter()
            .find(|r| root_of(r) == mid)
            .cloned()
            .unwrap_or_else(|| panic!("no revision rooted at {mid} in {s}"));
        r["link"]["because"]
            .as_array()
            .unwrap_or_else(|| panic!("{mid} is not linked: {r}"))
            .iter()
            .map(|b| b.as_str().expect("str").to_string())
            .collect()
    }
}

fn revisions(s: &Value) -> &Vec<Value> {
    s["revisions"].as_array().expect("revisions")
}

fn root_of(r: &Value) -> String {
    r["cover"]["message_id"]
        .as_str()
        .or_else(|| r["patches"][0]["message_id"].as_str())
        .expect("a root")
        .to_string()
}

/// A patch of `from` touching `path`.
fn patch(mid: &str, from: &str, subject: &str, day: i64, refs: &[&str], path: &str) -> String {
    mail(
        mid,
        from,
        subject,
        day * DAY,
        refs,
        &patch_body(
            "Change it.",
            path,
            "old line",
            &format!("new line of {mid}"),
        ),
    )
}

/// A cover and its numbered patches, one file each.
fn series(
    prefix: &str,
    from: &str,
    tag: &str,
    title: &str,
    day: i64,
    patches: &[(&str, &str)],
) -> Vec<String> {
    let n = patches.len();
    let cover = format!("{prefix}-0@example.org");
    let mut out = vec![mail(
        &cover,
        from,
        &format!("[{tag} 0/{n}] {title}"),
        day * DAY,
        &[],
        "The series.\n",
    )];
    for (i, (subject, path)) in patches.iter().enumerate() {
        out.push(mail(
            &format!("{prefix}-{}@example.org", i + 1),
            from,
            &format!("[{tag} {}/{n}] {subject}", i + 1),
            day * DAY + i as i64 + 1,
            &[&cover],
            &patch_body(
                "Change it.",
                path,
                "old line",
                &format!("new line of {subject}"),
            ),
        ));
    }
    out
}

fn with_header(mail: String, header: &str) -> String {
    mail.replacen("List-Id:", &format!("{header}\nList-Id:"), 1)
}

const SFR: &str = "Stephen Rothwell <sfr@canb.auug.org.au>";
const ALICE: &str = "Alice Developer <alice@example.org>";
const BOB: &str = "Bob Other <bob@example.org>";

/// Reports that reuse one subject (merge reports, bot mail, weekly status),
/// some with a fix inline, stay apart however often one sender sends them;
/// a tagged re-roll in the same archive still links.
#[test]
fn templated_reports_are_never_chained() {
    let report = |mid: &str, day: i64, path: &str| {
        mail(
            mid,
            SFR,
            "linux-next: build failure after merge of the kbuild tree",
            day * DAY,
            &[],
            &format!(
                "Hi all,\n\nAfter merging the kbuild tree, today's linux-next build failed.\n\
                 I applied the following fix:\n\n{}",
                patch_body("fix", path, "old line", "new line")
            ),
        )
    };
    let status = |mid: &str, day: i64| {
        mail(
            mid,
            "Bot <bot@example.org>",
            "Weekly status of the kbuild tree",
            day * DAY,
            &[],
            "Nothing new.\n",
        )
    };
    let mails = vec![
        report("r1@sfr", 0, "scripts/Makefile.build"),
        report("r2@sfr", 40, "scripts/Makefile.build"),
        report("r3@sfr", 100, "scripts/mod/modpost.c"),
        report("r4@sfr", 130, "scripts/Makefile.build"),
        status("w1@bot", 1),
        status("w2@bot", 8),
        status("w3@bot", 15),
        patch(
            "p1@alice",
            ALICE,
            "[PATCH] kbuild: quote the output path",
            2,
            &[],
            "scripts/Makefile.build",
        ),
        patch(
            "p2@alice",
            ALICE,
            "[PATCH v2] kbuild: quote the output path",
            9,
            &[],
            "scripts/Makefile.build",
        ),
    ];
    let list = List::new(&mails);
    let listing = list.listing();
    for (id, roots) in &listing {
        if roots
            .iter()
            .any(|r| r.ends_with("@sfr") || r.ends_with("@bot"))
        {
            assert_eq!(roots.len(), 1, "series {id} chains reports: {roots:?}");
        }
    }
    assert_eq!(list.revisions_with("p1@alice"), ["p1@alice", "p2@alice"]);
    let why = list.because("p2@alice");
    assert!(
        why.contains(&"subject".to_string()) && why.contains(&"v1→v2".to_string()),
        "{why:?}"
    );
}

/// Re-rolls whose title was touched still link, each saying why: a typo
/// fixed, a word added, the subsystem prefix changed, a v2 with a new title
/// sent inside v1's thread, a v3 citing v2's link, a `Supersedes:` header.
#[test]
fn touched_titles_still_link_and_say_why() {
    let mut mails = vec![
        // A typo fixed.
        patch(
            "typo1@a",
            ALICE,
            "[PATCH] tty: scape control characters",
            0,
            &[],
            "drivers/tty/vt.c",
        ),
        patch(
            "typo2@a",
            ALICE,
            "[PATCH v2] tty: escape control characters",
            9,
            &[],
            "drivers/tty/vt.c",
        ),
        // The subsystem prefix changed.
        patch(
            "pfx1@a",
            ALICE,
            "[PATCH] kbuild: fix quoting in modpost",
            3,
            &[],
            "scripts/mod/modpost.c",
        ),
        patch(
            "pfx2@a",
            ALICE,
            "[PATCH v2] modpost: fix quoting in modpost",
            20,
            &[],
            "scripts/mod/modpost.c",
        ),
        // A v2 with a new title in v1's thread.
        patch(
            "thr1@a",
            ALICE,
            "[PATCH] net: foo: fix a leak",
            5,
            &[],
            "drivers/net/foo.c",
        ),
        mail(
            "thr-review@b",
            BOB,
            "Re: [PATCH] net: foo: fix a leak",
            5 * DAY + 60,
            &["thr1@a"],
            "Free it on the error path instead.\n",
        ),
        patch(
            "thr2@a",
            ALICE,
            "[PATCH v2] net: foo: free the buffer when probing fails",
            6,
            &["thr1@a", "thr-review@b"],
            "drivers/net/foo.c",
        ),
        // A v3 with another title, citing v2.
        patch(
            "cite2@a",
            ALICE,
            "[PATCH v2] mm: count the pages",
            1,
            &[],
            "mm/count.c",
        ),
        mail(
            "cite3@a",
            ALICE,
            "[PATCH v3] mm: track reclaimed memory per node",
            70 * DAY,
            &[],
            &patch_body(
                "Track it.\n\nChanges in v3:\n- new approach\n\nv2: https://lore.kernel.org/all/cite2@a/",
                "mm/vmscan.c",
                "old line",
                "new line",
            ),
        ),
        // A title rewritten entirely, with a Supersedes: header.
        patch(
            "sup1@a",
            ALICE,
            "[PATCH] fs: bar: handle short reads",
            2,
            &[],
            "fs/bar.c",
        ),
        with_header(
            patch(
                "sup2@a",
                ALICE,
                "[PATCH] fs: rework the read path of bar",
                30,
                &[],
                "fs/bar/read.c",
            ),
            "Supersedes: <sup1@a>",
        ),
    ];
    // A word added to the cover's title of a two-patch series.
    mails.extend(series(
        "word1",
        ALICE,
        "PATCH",
        "pwm: add frob support",
        4,
        &[
            ("dt-bindings: pwm: add frob", "Documentation/pwm/frob.yaml"),
            ("pwm: frob: add a driver", "drivers/pwm/pwm-frob.c"),
        ],
    ));
    mails.extend(series(
        "word2",
        ALICE,
        "PATCH v2",
        "pwm: add frob PWM support",
        18,
        &[
            ("dt-bindings: pwm: add frob", "Documentation/pwm/frob.yaml"),
            ("pwm: frob: add a driver", "drivers/pwm/pwm-frob.c"),
        ],
    ));
    let list = List::new(&mails);
    let cases: [(&str, &str, &[&str]); 6] = [
        ("typo1@a", "typo2@a", &["files", "v1→v2"]),
        ("pfx1@a", "pfx2@a", &["files", "v1→v2"]),
        ("thr1@a", "thr2@a", &["in thread"]),
        ("cite2@a", "cite3@a", &["cites v2"]),
        ("sup1@a", "sup2@a", &["supersedes"]),
        ("word1-0@example.org", "word2-0@example.org", &["v1→v2"]),
    ];
    for (v1, v2, evidence) in cases {
        assert_eq!(list.revisions_with(v2), [v1, v2], "{v2} follows {v1}");
        let why = list.because(v2);
        for e in evidence {
            assert!(why.iter().any(|w| w == e), "{v2}: {e} not in {why:?}");
        }
    }
    // The fuzzy titles say how alike they were.
    let why = list.because("typo2@a");
    assert!(why.iter().any(|w| w.starts_with("subject≈0.9")), "{why:?}");
    // And the plain listing explains the same way.
    let out = list.ok(&["series", "show", "typo2@a"]);
    assert!(out.contains("follows v1 (subject≈0."), "{out}");
}

/// What only looks alike stays apart: one author's different fixes, one
/// author's yearly title, two people's same title.
#[test]
fn look_alikes_stay_apart() {
    let mails = vec![
        patch(
            "bar@a",
            ALICE,
            "[PATCH] foo: fix a leak in bar_probe",
            0,
            &[],
            "drivers/foo/bar.c",
        ),
        patch(
            "baz@a",
            ALICE,
            "[PATCH] foo: fix a leak in baz_probe",
            20,
            &[],
            "drivers/foo/baz.c",
        ),
        patch(
            "mnt1@a",
            ALICE,
            "[PATCH] MAINTAINERS: update my address",
            1,
            &[],
            "MAINTAINERS",
        ),
        patch(
            "mnt2@a",
            ALICE,
            "[PATCH] MAINTAINERS: update my address",
            3 * 365,
            &[],
            ".mailmap",
        ),
        patch(
            "doc@a",
            ALICE,
            "[PATCH] docs: fix a typo",
            2,
            &[],
            "Documentation/index.rst",
        ),
        patch(
            "doc@b",
            BOB,
            "[PATCH] docs: fix a typo",
            5,
            &[],
            "Documentation/index.rst",
        ),
    ];
    let list = List::new(&mails);
    for mid in ["bar@a", "baz@a", "mnt1@a", "mnt2@a", "doc@a", "doc@b"] {
        assert_eq!(list.revisions_with(mid), [mid], "{mid} stands alone");
    }
}

/// Mail sent through the B4 Relay names its real sender everywhere: the
/// listing, the series and the mbox `putt am` writes.
#[test]
fn the_relay_is_not_the_author() {
    let relayed = with_header(
        patch(
            "relay@b4",
            "Alice Developer via B4 Relay <devnull+alice.example.org@kernel.org>",
            "[PATCH] pwm: frob: fix the period",
            0,
            &[],
            "drivers/pwm/pwm-frob.c",
        ),
        "X-Original-From: Alice Developer <alice@example.org>\nReply-To: alice@example.org",
    );
    let list = List::new(&[relayed]);
    let row: Value =
        serde_json::from_str(list.ok(&["series", "--json"]).trim()).expect("one series");
    assert_eq!(row["author"], "Alice Developer <alice@example.org>");
    let out = list.ok(&["series", "show", "relay@b4"]);
    assert!(!out.contains("B4 Relay"), "{out}");
    let mbox = list.ok(&["am", "relay@b4", "-o", "-"]);
    assert!(
        mbox.contains("\nFrom: Alice Developer <alice@example.org>\n"),
        "{mbox}"
    );
}

/// A Message-ID names the revision it is in; `@N` is the N-th sent; a
/// command on an older revision says a newer one exists and how to get it.
#[test]
fn a_message_id_names_its_own_revision() {
    let pair = [
        ("pwm: frob: add a driver", "drivers/pwm/pwm-frob.c"),
        ("pwm: frob: document it", "Documentation/pwm/frob.rst"),
    ];
    let mut mails = series("v1", ALICE, "PATCH", "pwm: frob", 0, &pair);
    mails.extend(series("v2", ALICE, "PATCH v2", "pwm: frob", 5, &pair));
    let list = List::new(&mails);
    let s = list.show("v2-1@example.org");
    assert_eq!(revisions(&s).len(), 2, "{s}");

    // A patch of v1 names v1: its own patches, and a word about v2.
    let (code, mbox, err) = list.putt(&["am", "v1-1@example.org", "-o", "-"]);
    assert_eq!(code, 0, "{err}");
    assert!(mbox.contains("Message-Id: <v1-1@example.org>"), "{mbox}");
    assert!(!mbox.contains("Message-Id: <v2-1@example.org>"), "{mbox}");
    assert!(
        err.contains("putt: v2 exists (sent after v1): putt am v1-1@example.org -v 2"),
        "{err}"
    );
    let out = list.root.join("v1.mbx");
    let out = out.to_str().expect("utf-8 path");
    let v: Value = serde_json::from_str(
        list.ok(&["am", "v1-1@example.org", "--json", "-o", out])
            .trim(),
    )
    .expect("json");
    assert_eq!(
        (v["version"].as_u64(), v["newer"].as_u64()),
        (Some(1), Some(2))
    );
    // The series id alone names the newest; a patch of v2 names v2.
    let id = s["id"].as_str().expect("id");
    for key in [id, "v2-2@example.org"] {
        let mbox = list.ok(&["am", key, "-o", "-", "--quiet"]);
        assert!(mbox.contains("Message-Id: <v2-1@example.org>"), "{mbox}");
    }
    // Trailers and state of a v1 patch are v1's.
    let t: Value = serde_json::from_str(
        list.ok(&["trailers", "v1-2@example.org", "--json", "--quiet"])
            .trim(),
    )
    .expect("json");
    assert_eq!(t["version"], 1, "{t}");
    assert_eq!(t["newer"], 2, "{t}");
    list.ok(&["state", "v1-2@example.org", "rejected", "--quiet"]);
    let states = list.ok(&["state", id]);
    let state_of = |v: &str| {
        states
            .lines()
            .find(|l| l.split_whitespace().nth(1) == Some(v))
            .unwrap_or_else(|| panic!("no {v} in {states}"))
    };
    assert!(state_of("v1").contains("rejected"), "{states}");
    assert!(!state_of("v2").contains("rejected"), "{states}");

    // v1 resent after v2: listed before v2, sent third. @N counts in the
    // order sent, and the notice names the resend by it.
    mails.extend(series("v1r", ALICE, "PATCH RESEND", "pwm: frob", 30, &pair));
    let list = List::new(&mails);
    let id = list.show("v1r-1@example.org")["id"]
        .as_str()
        .expect("id")
        .to_string();
    for (n, want) in [("@1", "v1-1"), ("@2", "v2-1"), ("@3", "v1r-1")] {
        let mbox = list.ok(&["am", &id, "-v", n, "-o", "-", "--quiet"]);
        assert!(
            mbox.contains(&format!("Message-Id: <{want}@example.org>")),
            "{n}: {mbox}"
        );
    }
    let (_, _, err) = list.putt(&["am", "v2-1@example.org", "-o", "-"]);
    assert!(
        err.contains("putt: v1 RESEND exists (sent after v2): putt am v2-1@example.org -v @3"),
        "{err}"
    );
}

/// Series ids may be shortened to a unique prefix; an ambiguous one is
/// refused, naming the candidates.
#[test]
fn id_prefixes_name_one_series_or_say_which() {
    // Two roots whose series ids share their first four hex digits.
    let mut seen: HashMap<String, String> = HashMap::new();
    let (a, b) = (0..)
        .find_map(|i| {
            let mid = format!("amb{i}@example.org");
            let id = putt_core::series::series_id(&mid);
            seen.insert(id[..4].to_string(), mid.clone())
                .map(|other| (other, mid))
        })
        .expect("a collision");
    let mails = vec![
        patch(&a, ALICE, "[PATCH] one: first thing", 0, &[], "one.c"),
        patch(&b, BOB, "[PATCH] two: second thing", 1, &[], "two.c"),
    ];
    let list = List::new(&mails);
    let (ida, idb) = (
        putt_core::series::series_id(&a),
        putt_core::series::series_id(&b),
    );
    let (code, _, err) = list.putt(&["series", "show", &ida[..4]]);
    assert_ne!(code, 0);
    assert!(err.contains(&ida) && err.contains(&idb), "{err}");
    // Long enough to be one: the one.
    let n = (4..12).find(|&n| ida[..n] != idb[..n]).expect("ids differ");
    assert_eq!(list.show(&ida[..n])["id"], ida.as_str());
    assert_eq!(list.show(&idb[..n])["id"], idb.as_str());
}

/// `putt link` joins what the evidence missed, `putt unlink` splits what it
/// got wrong; both are kept in the data dir, survive a rebuilt index and
/// are shown as the user's.
#[test]
fn corrections_survive_a_rebuild() {
    let mut mails = vec![
        patch(
            "old@a",
            ALICE,
            "[PATCH] crypto: speed up the table",
            0,
            &[],
            "crypto/table.c",
        ),
        patch(
            "new@b",
            BOB,
            "[PATCH] crypto: a faster lookup",
            40,
            &[],
            "crypto/lookup.c",
        ),
    ];
    let pair = [
        ("net: bar: one", "net/bar1.c"),
        ("net: bar: two", "net/bar2.c"),
    ];
    mails.extend(series("bar1", ALICE, "PATCH", "net: bar", 1, &pair));
    mails.extend(series("bar2", ALICE, "PATCH v2", "net: bar", 4, &pair));
    let list = List::new(&mails);
    assert_eq!(list.revisions_with("new@b"), ["new@b"]);
    assert_eq!(
        list.revisions_with("bar2-0@example.org"),
        ["bar1-0@example.org", "bar2-0@example.org"]
    );

    let out = list.ok(&["link", "old@a", "new@b"]);
    assert!(out.contains("linked by you"), "{out}");
    let (code, _, err) = list.putt(&["unlink", "bar2-1@example.org"]);
    assert_eq!(code, 0, "{err}");

    for round in ["as corrected", "after a rebuild"] {
        assert_eq!(list.revisions_with("new@b"), ["old@a", "new@b"], "{round}");
        assert_eq!(list.because("new@b"), ["user"], "{round}");
        assert_eq!(
            list.revisions_with("bar2-0@example.org"),
            ["bar2-0@example.org"],
            "{round}"
        );
        assert_eq!(
            list.revisions_with("bar1-0@example.org"),
            ["bar1-0@example.org"],
            "{round}"
        );
        let s = list.show("bar2-0@example.org");
        assert_eq!(revisions(&s)[0]["split"], true, "{round}: {s}");
        let shown = list.ok(&["series", "show", "bar2-0@example.org"]);
        assert!(shown.contains("split off by you"), "{round}: {shown}");
        let (code, _, err) = list.putt(&["index", "--rebuild"]);
        assert_eq!(code, 0, "{err}");
    }

    // Linking a series to itself, or an unknown one, is an error naming it.
    let (code, _, err) = list.putt(&["link", "old@a", "new@b"]);
    assert_ne!(code, 0);
    assert!(err.contains("one series already"), "{err}");
    let (code, _, err) = list.putt(&["link", "old@a", "nowhere@x"]);
    assert_ne!(code, 0);
    assert!(err.contains("nowhere@x"), "{err}");

    // Undone by linking back.
    list.ok(&["link", "bar1-0@example.org", "bar2-0@example.org"]);
    assert_eq!(
        list.revisions_with("bar2-0@example.org"),
        ["bar1-0@example.org", "bar2-0@example.org"]
    );
}

// Whole real lists.

#[derive(serde::Deserialize)]
struct Golden {
    list: Vec<GList>,
}

#[derive(serde::Deserialize)]
struct GList {
    bundle: String,
    /// Pairs judged by hand: one series or not.
    link: Vec<GLink>,
    /// v2+ patches and the posting each re-rolls.
    patch: Vec<GPatch>,
    /// The recall the grouping reaches today; a lower one fails.
    min_recall: usize,
}

#[derive(serde::Deserialize)]
struct GLink {
    older: String,
    newer: String,
    same: bool,
    #[allow(dead_code)]
    reason: String,
}

#[derive(serde::Deserialize)]
struct GPatch {
    message_id: String,
    previous: String,
    #[allow(dead_code)]
    reason: String,
}

/// A corpus list indexed once per test run, shared by the tests reading it.
fn real_index(bundle: &str) -> Option<&'static Index> {
    static INDEXES: std::sync::Mutex<Vec<(String, &'static Index)>> =
        std::sync::Mutex::new(Vec::new());
    let inbox = common::restore_v2(bundle)?;
    let mut all = INDEXES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, index)) = all.iter().find(|(b, _)| b == bundle) {
        return Some(index);
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("links")
        .join(bundle.replace('/', "-"));
    let _ = std::fs::remove_dir_all(&dir);
    let index = Index::open_or_create(&dir).expect("index");
    build::update(
        &index,
        &[Inbox::open("list", &inbox).expect("inbox")],
        &IndexOptions::default(),
        &mut |_| {},
    )
    .expect("index");
    let index: &'static Index = Box::leak(Box::new(index));
    all.push((bundle.to_string(), index));
    Some(index)
}

/// Every pair judged by hand on linux-kbuild and io-uring: all judged
/// links are right (precision), and as many re-rolls as today are found
/// (recall), figures printed.
#[test]
fn hand_judged_links_on_real_lists() {
    if common::corpus().is_none() {
        return;
    }
    let golden: Golden = toml::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/links.toml"),
        )
        .expect("golden file"),
    )
    .expect("golden toml");
    for g in &golden.list {
        let Some(index) = real_index(&g.bundle) else {
            return;
        };
        let mut cache: HashMap<String, Option<String>> = HashMap::new();
        let mut id = |mid: &str| {
            cache
                .entry(mid.to_string())
                .or_insert_with(|| series_by_key(index, mid).ok().map(|s| s.id))
                .clone()
        };
        let mut wrong = Vec::new();
        let (mut tp, mut fp) = (0, 0);
        for l in &g.link {
            let together = id(&l.older).is_some() && id(&l.older) == id(&l.newer);
            match (l.same, together) {
                (true, true) => tp += 1,
                (false, true) => {
                    fp += 1;
                    wrong.push(format!("false link {} {}", l.older, l.newer));
                }
                (true, false) => wrong.push(format!("missed link {} {}", l.older, l.newer)),
                (false, false) => {}
            }
        }
        let found = g
            .patch
            .iter()
            .filter(|p| id(&p.previous).is_some() && id(&p.previous) == id(&p.message_id))
            .count();
        eprintln!(
            "{}: precision on judged links {tp}/{}; recall on v2+ patches {found}/{}",
            g.bundle,
            tp + fp,
            g.patch.len()
        );
        assert!(wrong.is_empty(), "{}: {wrong:#?}", g.bundle);
        assert!(
            found >= g.min_recall,
            "{}: recall {found} < {}",
            g.bundle,
            g.min_recall
        );
    }
}

/// On a whole real list: every id the listing shows is one `series show`
/// accepts (the same series), and a link between postings without a patch
/// tag rests on more than their subjects.
#[test]
fn listed_ids_resolve_and_untagged_links_have_evidence() {
    for bundle in ["real/io-uring-2024.0.bundle", "real/linux-kbuild.0.bundle"] {
        let Some(index) = real_index(bundle) else {
            return;
        };
        listed_ids_and_untagged_links(bundle, index);
    }
}

fn listed_ids_and_untagged_links(bundle: &str, index: &Index) {
    let now = chrono::DateTime::from_timestamp(1_900_000_000, 0).expect("now");
    let all = series_for_query(index, "", now, 1_000_000).expect("all");
    assert!(all.len() > 500, "{}", all.len());
    // A patch tag (a counter or a version too) in the brackets of a subject.
    let tagged = |subject: &str| {
        let s = subject.to_ascii_uppercase();
        let tags: String = s
            .split('[')
            .skip(1)
            .filter_map(|t| t.split(']').next())
            .collect();
        // `git format-patch --subject-prefix` numbers what it tags.
        let numbered = tags.split_whitespace().any(|w| {
            w.split_once('/').is_some_and(|(n, m)| {
                !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && m.parse::<u32>().is_ok()
            })
        });
        let versioned = tags.split_whitespace().any(|w| {
            w.strip_prefix('V')
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        });
        numbered || versioned || ["PATCH", "RFC", "PULL"].iter().any(|t| tags.contains(t))
    };
    let strong: HashSet<&str> = [
        "user",
        "change-id",
        "supersedes",
        "partial re-roll",
        "reply",
        "in thread",
    ]
    .into_iter()
    .collect();
    let (mut links, mut untagged) = (0, 0);
    for s in &all {
        let back = series_by_key(index, &s.id).expect("a listed id is accepted");
        assert_eq!(back.id, s.id);
        for r in &s.revisions {
            let Some(link) = &r.link else { continue };
            links += 1;
            let other = s
                .revisions
                .iter()
                .find(|o| o.root_message_id() == link.message_id)
                .expect("linked to a revision of the series");
            let subject = |r: &putt_core::series::Revision| {
                r.cover
                    .as_ref()
                    .or(r.patches.first().map(|p| &p.mail))
                    .map(|m| m.subject.clone())
                    .unwrap_or_default()
            };
            let any_tagged = |r: &putt_core::series::Revision| {
                r.cover
                    .iter()
                    .chain(r.patches.iter().map(|p| &p.mail))
                    .any(|m| tagged(&m.subject))
            };
            if any_tagged(r) && any_tagged(other) {
                continue;
            }
            untagged += 1;
            assert!(
                link.because
                    .iter()
                    .any(|b| strong.contains(b.as_str()) || b.starts_with("cites")),
                "series {}: {:?} linked to {:?} by {:?}",
                s.id,
                subject(r),
                subject(other),
                link.because
            );
        }
    }
    eprintln!(
        "{bundle}: {} series, {links} links, {untagged} between untagged postings",
        all.len()
    );
}
