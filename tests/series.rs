//! Series, revisions and trailers against golden expectations
//! (`tests/golden/series.toml`, over the edge-case mails of Patchwork and b4
//! in `../shared/corpus/mail`), on the built-in sample, and properties that
//! must hold on whole real lists.

mod common;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use putt_store::archive::Inbox;
use putt_store::index::Index;
use putt_store::index::build::{self, IndexOptions};
use putt_store::series::gather::{series_by_key, series_for_query};
use putt_store::series::{Series, Via};
use putt_testkit::write::V2Writer;

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(1_900_000_000, 0).expect("time")
}

/// Splits an mbox into raw messages.
fn split_mbox(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_blank = true;
    for line in text.split_inclusive('\n') {
        if line.starts_with("From ") && prev_blank {
            if !cur.trim().is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            cur.clear();
        } else {
            cur.push_str(line);
        }
        prev_blank = line.trim().is_empty();
    }
    if !cur.trim().is_empty() {
        out.push(cur);
    }
    out
}

/// Writes mails into a fresh v2 inbox, indexes it, returns the index.
fn index_mails(dir: &Path, mails: &[String]) -> Index {
    let inbox_dir = dir.join("inbox");
    let mut w = V2Writer::open(&inbox_dir).expect("writer");
    for (i, m) in mails.iter().enumerate() {
        w.add(m.as_bytes(), common::T0 + i as i64 * 60)
            .expect("add");
    }
    let index = Index::open_or_create(&dir.join("index")).expect("index");
    let inbox = Inbox::open("golden", &inbox_dir).expect("inbox");
    build::update(&index, &[inbox], &IndexOptions::default(), &mut |_| {}).expect("update");
    index
}

fn all_series(index: &Index) -> Vec<Series> {
    series_for_query(index, "", now(), 1_000_000).expect("series")
}

#[derive(serde::Deserialize)]
struct Golden {
    case: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    file: String,
    #[serde(default)]
    skip: bool,
    #[serde(default)]
    skip_reason: Option<String>,
    #[serde(default)]
    series: Vec<GSeries>,
}

#[derive(serde::Deserialize)]
struct GSeries {
    revision: Vec<GRevision>,
}

#[derive(serde::Deserialize)]
struct GRevision {
    version: u32,
    #[serde(default)]
    version_inferred: Option<bool>,
    cover: String,
    total: u32,
    patches: Vec<String>,
    missing: Vec<u32>,
    #[serde(default)]
    inherited_slots: Vec<u32>,
    complete: bool,
    #[serde(default)]
    superseded: Option<bool>,
    #[serde(default)]
    trailers: Vec<GTrailers>,
}

#[derive(serde::Deserialize)]
struct GTrailers {
    patch: String,
    collected: Vec<String>,
    #[serde(default)]
    someone_else: Vec<String>,
}

/// A comparable picture of one revision.
fn describe(s: &Series) -> Vec<String> {
    s.revisions
        .iter()
        .map(|r| {
            let mut slots = vec![String::new(); r.total as usize];
            for p in &r.patches {
                if let Some(slot) = slots.get_mut(p.counter as usize - 1) {
                    *slot = p.mail.message_id.clone();
                }
            }
            let inherited: Vec<u32> = r
                .patches
                .iter()
                .filter(|p| p.inherited)
                .map(|p| p.counter)
                .collect();
            format!(
                "v{}{} cover={} total={} patches={:?} missing={:?} inherited={:?} complete={} superseded={}",
                r.version,
                if r.version_inferred { "?" } else { "" },
                r.cover.as_ref().map_or("", |c| c.message_id.as_str()),
                r.total,
                slots,
                r.missing,
                inherited,
                r.complete(),
                r.superseded
            )
        })
        .collect()
}

fn describe_golden(s: &GSeries) -> Vec<String> {
    let last = s.revision.len() - 1;
    s.revision
        .iter()
        .enumerate()
        .map(|(i, r)| {
            format!(
                "v{}{} cover={} total={} patches={:?} missing={:?} inherited={:?} complete={} superseded={}",
                r.version,
                if r.version_inferred.unwrap_or(false) { "?" } else { "" },
                r.cover,
                r.total,
                r.patches,
                r.missing,
                r.inherited_slots,
                r.complete,
                r.superseded.unwrap_or(i < last)
            )
        })
        .collect()
}

#[test]
fn golden_series_from_patchwork_and_b4_samples() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let golden: Golden = toml::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/series.toml"),
        )
        .expect("golden file"),
    )
    .expect("golden toml");
    let mut failures = Vec::new();
    let mut checked = 0;
    for case in &golden.case {
        if case.skip {
            eprintln!(
                "skipped {}: {}",
                case.file,
                case.skip_reason.as_deref().unwrap_or("marked skip")
            );
            continue;
        }
        let text = std::fs::read(corpus.join("mail").join(&case.file)).expect("mbox");
        let mails = split_mbox(&String::from_utf8_lossy(&text));
        let dir = tempfile::tempdir().expect("tmp");
        let index = index_mails(dir.path(), &mails);
        let mut got: Vec<Vec<String>> = all_series(&index).iter().map(describe).collect();
        let mut want: Vec<Vec<String>> = case.series.iter().map(describe_golden).collect();
        got.sort();
        want.sort();
        if got != want {
            failures.push(format!(
                "{}:\n  want {:#?}\n  got  {:#?}",
                case.file, want, got
            ));
            continue;
        }
        // Trailers per patch, where the golden file lists them.
        for gs in &case.series {
            for gr in &gs.revision {
                for gt in &gr.trailers {
                    let s = series_by_key(&index, &gt.patch).expect("series of patch");
                    let r = s
                        .revisions
                        .iter()
                        .find(|r| {
                            r.version == gr.version
                                && r.patches.iter().any(|p| p.mail.message_id == gt.patch)
                        })
                        .expect("revision");
                    let p = r
                        .patches
                        .iter()
                        .find(|p| p.mail.message_id == gt.patch)
                        .expect("patch");
                    let collected: Vec<String> = p.trailers.iter().map(|t| t.line()).collect();
                    let else_: Vec<String> = p.someone_else.iter().map(|t| t.line()).collect();
                    if collected != gt.collected || else_ != gt.someone_else {
                        failures.push(format!(
                            "{} v{} {}: collected {collected:?} want {:?}; someone else {else_:?} want {:?}",
                            case.file, gr.version, gt.patch, gt.collected, gt.someone_else
                        ));
                    }
                }
            }
        }
        checked += 1;
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        golden.case.len(),
        failures.join("\n")
    );
    eprintln!("{checked} golden cases agree");
}

#[test]
fn sample_series_revisions_and_trailers() {
    let dir = tempfile::tempdir().expect("tmp");
    let mails: Vec<String> = putt_testkit::sample::mails()
        .into_iter()
        .map(|m| m.raw)
        .collect();
    let index = index_mails(dir.path(), &mails);
    let series = all_series(&index);
    let subjects: Vec<&str> = series.iter().map(|s| s.subject.as_str()).collect();
    assert_eq!(
        subjects,
        vec![
            "pwm fixes for v6.9-rc3",
            "net: foo: use dev_err_probe()",
            "pwm: add Frobnicator PWM driver",
            "kbuild: fix typo in Makefile.build comment",
        ]
    );
    let frob = &series[2];
    assert_eq!(frob.revisions.len(), 2);
    let (v1, v2) = (&frob.revisions[0], &frob.revisions[1]);
    assert!(v1.superseded && !v2.superseded);
    assert_eq!(v2.version, 2);
    assert_eq!(v2.change_id.as_deref(), Some("20240304-frob-pwm-1a2b3c"));
    // Any message id of the series finds it, with or without brackets.
    for key in [
        frob.id.as_str(),
        "<20240304090000.1000-2-alice@example.org>",
        "c4a1-review-1@example.com",
    ] {
        assert_eq!(series_by_key(&index, key).expect("by key").id, frob.id);
    }
    // v2 1/3 is unchanged from v1: Bob's ack carries; 2/3 changed: it does not.
    let lines = |slot: usize| -> Vec<(String, Via)> {
        v2.patches[slot]
            .trailers
            .iter()
            .map(|t| (t.line(), t.via))
            .collect()
    };
    assert_eq!(
        lines(0),
        vec![
            ("Tested-by: CI Bot <ci-bot@example.org>".into(), Via::Cover),
            (
                "Acked-by: Bob Maintainer <bob@kernel.example>".into(),
                Via::Carried
            ),
        ]
    );
    assert_eq!(
        lines(1),
        vec![
            (
                "Reviewed-by: Carol Reviewer <carol@example.com>".into(),
                Via::Reply
            ),
            ("Tested-by: CI Bot <ci-bot@example.org>".into(), Via::Cover),
        ]
    );
    let c = v2.counts();
    assert_eq!((c.acked, c.reviewed, c.tested), (1, 1, 1));
    // The incomplete series knows what is missing.
    let net = &series[1];
    assert_eq!(net.latest().missing, vec![2]);
    assert_eq!(net.latest().prefixes, vec!["net-next".to_string()]);
    // A trailer naming someone other than its sender is kept apart.
    let kbuild = &series[3];
    let p = &kbuild.latest().patches[0];
    assert_eq!(
        p.trailers.iter().map(|t| t.line()).collect::<Vec<_>>(),
        vec!["Reviewed-by: Carol Reviewer <carol@example.com>"]
    );
    assert_eq!(
        p.someone_else.iter().map(|t| t.line()).collect::<Vec<_>>(),
        vec!["Tested-by: Erin Tester <erin@example.com>"]
    );
    // The pull request is a series with its URL and branch.
    let pull = series[0].latest().pull.as_ref().expect("pull");
    assert_eq!(pull.branch.as_deref(), Some("tags/pwm/for-6.9-rc3"));
}

/// Two unrelated patches of one author sit in one thread; each is
/// re-rolled in reply to the same reviewer's message (as on linux-kbuild,
/// scripts/tags.sh, July 2026). Each keeps its own series; the reworded v3
/// sent straight in reply to v2 still joins it.
#[test]
fn replies_alone_do_not_join_unrelated_patches() {
    let mail = |id: &str, parent: Option<&str>, from: &str, subject: &str, body: &str| {
        let threading = parent
            .map(|p| format!("In-Reply-To: <{p}>\nReferences: <{p}>\n"))
            .unwrap_or_default();
        format!(
            "From: {from}\nSubject: {subject}\nDate: Tue, 14 Jul 2026 10:00:00 +0000\n\
             Message-ID: <{id}>\n{threading}\n{body}\n"
        )
    };
    let diff = |file: &str| {
        format!(
            "Signed-off-by: S <s@x.org>\n---\ndiff --git a/{file} b/{file}\n--- a/{file}\n+++ b/{file}\n@@ -1 +1 @@\n-a\n+b\n"
        )
    };
    let s = "S <s@x.org>";
    let m = "M <m@x.org>";
    let mails = vec![
        mail("top@x", None, m, "tags.sh ideas", "thoughts"),
        mail(
            "a1@x",
            Some("top@x"),
            s,
            "[PATCH] scripts/tags.sh: Prevent binary files appearing in cscope.files",
            &diff("a"),
        ),
        mail(
            "b1@x",
            Some("top@x"),
            s,
            "[PATCH] scripts/tags.sh: Add support for rust source files",
            &diff("b"),
        ),
        mail(
            "r@x",
            Some("b1@x"),
            m,
            "Re: [PATCH] scripts/tags.sh: Add support for rust source files",
            "Please resend both.",
        ),
        mail(
            "a2@x",
            Some("r@x"),
            s,
            "[PATCH v2] scripts/tags.sh: Prevent binary files appearing in cscope.files",
            &diff("a"),
        ),
        mail(
            "b2@x",
            Some("r@x"),
            s,
            "[PATCH v2] scripts/tags.sh: Add support for rust source files",
            &diff("b"),
        ),
        mail(
            "b3@x",
            Some("b2@x"),
            s,
            "[PATCH v3] tags: index Rust sources",
            &diff("b"),
        ),
    ];
    let dir = tempfile::tempdir().expect("tmp");
    let index = index_mails(dir.path(), &mails);
    let mut got: Vec<(String, Vec<u32>)> = all_series(&index)
        .iter()
        .map(|s| {
            let versions = s.revisions.iter().map(|r| r.version).collect();
            (s.revisions[0].root_message_id().to_string(), versions)
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("a1@x".to_string(), vec![1, 2]),
            ("b1@x".to_string(), vec![1, 2, 3]),
        ]
    );
}

/// Recurring subjects are not revisions: two pulls with one title a week
/// apart, and one backport posted for two stable trees (linux-kbuild).
/// An unversioned resend of the same patch still is.
#[test]
fn recurring_subjects_stay_apart() {
    let mail = |id: &str, day: u32, subject: &str, body: &str| {
        format!(
            "From: N <n@x.org>\nSubject: {subject}\nDate: {day:02} Jan 2026 10:00:00 +0000\n\
             Message-ID: <{id}>\n\n{body}\n"
        )
    };
    let pull = |tag: &str| {
        format!(
            "The following changes since commit 0123456789abcdef0123456789abcdef01234567:\n\n  \
             Linux 6.19-rc6\n\nare available in the Git repository at:\n\n  \
             git://git.kernel.org/pub/scm/linux/kernel/git/kbuild/linux.git {tag}\n\n\
             for you to fetch changes up to 89abcdef0123456789abcdef0123456789abcdef:\n"
        )
    };
    let diff = "---\ndiff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n";
    let mails = vec![
        mail(
            "p1@x",
            2,
            "[GIT PULL] Kbuild fixes for v6.19-rc7",
            &pull("tags/fixes-2"),
        ),
        mail(
            "p2@x",
            9,
            "[GIT PULL] Kbuild fixes for v6.19-rc7",
            &pull("tags/fixes-3"),
        ),
        mail("s1@x", 3, "[PATCH 6.18 19/30] kbuild: fix it", diff),
        mail("s2@x", 4, "[PATCH 6.12 11/20] kbuild: fix it", diff),
        mail("r1@x", 5, "[PATCH] kbuild: add extraversion", diff),
        mail("r2@x", 5, "[PATCH] kbuild: add extraversion", diff),
    ];
    let dir = tempfile::tempdir().expect("tmp");
    let index = index_mails(dir.path(), &mails);
    let mut got: Vec<(String, usize)> = all_series(&index)
        .iter()
        .map(|s| {
            (
                s.revisions[0].root_message_id().to_string(),
                s.revisions.len(),
            )
        })
        .collect();
    got.sort();
    let want: Vec<(String, usize)> = [
        ("p1@x", 1),
        ("p2@x", 1),
        ("r1@x", 2),
        ("s1@x", 1),
        ("s2@x", 1),
    ]
    .iter()
    .map(|(id, n)| (id.to_string(), *n))
    .collect();
    assert_eq!(got, want);
}

/// A series looked up from one of its messages is the series the whole
/// archive groups it into, when its subject recurs: other people send
/// the same subject (left out, and not gathered), the author re-rolls
/// through b4's relay (linked by name, not address), and a re-roll more
/// than a year after the last one starts a new series.
#[test]
fn series_of_one_message_is_its_series_in_the_whole_archive() {
    let day = 24 * 3600;
    let mail = |id: &str, at: i64, from: &str, subject: &str| {
        let date = chrono::DateTime::from_timestamp(common::T0 + at, 0)
            .expect("date")
            .to_rfc2822();
        format!(
            "From: {from}\nSubject: {subject}\nDate: {date}\nMessage-ID: <{id}>\n\n\
             ---\ndiff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+{id}\n"
        )
    };
    let ann = "Ann Author <ann@x.org>";
    let relay = "Ann Author via B4 Relay <devnull+ann.x.org@kernel.org>";
    let subject = "net: remove unused queue field";
    let mails = vec![
        mail("a1@x", 0, ann, &format!("[PATCH] {subject}")),
        mail(
            "b1@x",
            day,
            "Bob <bob@y.org>",
            &format!("[PATCH] {subject}"),
        ),
        mail("a2@x", 10 * day, relay, &format!("[PATCH v2] {subject}")),
        mail(
            "c1@x",
            20 * day,
            "Cy <cy@z.org>",
            &format!("[PATCH v2] {subject}"),
        ),
        mail("a3@x", 300 * day, ann, &format!("[PATCH v3] {subject}")),
        mail(
            "b2@x",
            310 * day,
            "Bob <bob@y.org>",
            &format!("[PATCH v2] {subject}"),
        ),
        mail("a4@x", 700 * day, ann, &format!("[PATCH v4] {subject}")),
    ];
    let dir = tempfile::tempdir().expect("tmp");
    let index = index_mails(dir.path(), &mails);
    let whole = all_series(&index);
    let picture = |s: &Series| -> Vec<(u32, String)> {
        s.revisions
            .iter()
            .map(|r| (r.version, r.root_message_id().to_string()))
            .collect()
    };
    let mut pictures: Vec<Vec<(u32, String)>> = whole.iter().map(picture).collect();
    pictures.sort();
    let want = |v: &[(u32, &str)]| -> Vec<(u32, String)> {
        v.iter().map(|(n, id)| (*n, id.to_string())).collect()
    };
    assert_eq!(
        pictures,
        vec![
            want(&[(1, "a1@x"), (2, "a2@x"), (3, "a3@x")]),
            want(&[(1, "b1@x"), (2, "b2@x")]),
            want(&[(2, "c1@x")]),
            want(&[(4, "a4@x")]),
        ]
    );
    for s in &whole {
        for r in &s.revisions {
            let one = series_by_key(&index, r.root_message_id()).expect("series");
            assert_eq!(picture(&one), picture(s), "from {}", r.root_message_id());
        }
    }
}

/// Properties that must hold for any list.
fn check_properties(index: &Index) -> (usize, usize, usize) {
    let series = all_series(index);
    let mut seen_patch: HashMap<String, String> = HashMap::new();
    let mut linked = 0;
    let mut incomplete = 0;
    for s in &series {
        if s.revisions.len() > 1 {
            linked += 1;
        }
        let mut prev: Option<(u32, i64)> = None;
        for r in &s.revisions {
            if let Some((v, d)) = prev {
                assert!(
                    (r.version, r.date) >= (v, d),
                    "series {}: revisions out of order",
                    s.id
                );
            }
            prev = Some((r.version, r.date));
            if !r.complete() {
                incomplete += 1;
            }
            let mut slots = HashSet::new();
            for p in &r.patches {
                assert!(
                    slots.insert(p.counter),
                    "series {}: two patches in slot {}",
                    s.id,
                    p.counter
                );
                if !p.inherited {
                    let before = seen_patch.insert(p.mail.message_id.clone(), s.id.clone());
                    assert!(
                        before.is_none(),
                        "patch {} in two revisions",
                        p.mail.message_id
                    );
                }
            }
        }
    }
    // Every patch mail is in a revision.
    let patches = index
        .search("", now(), 10_000_000, 0)
        .expect("all")
        .into_iter()
        .filter(|m| {
            m.meta.has_diff && !m.meta.reply && (m.meta.counter != 0 || m.meta.counter_inferred)
        })
        .map(|m| m.message_id)
        .collect::<HashSet<_>>();
    let missing: Vec<_> = patches
        .iter()
        .filter(|m| !seen_patch.contains_key(*m))
        .take(5)
        .collect();
    assert!(missing.is_empty(), "patch mails in no series: {missing:?}");
    (series.len(), linked, incomplete)
}

#[test]
fn properties_on_ntb() {
    let Some(inbox) = common::restore_v2("real/ntb.0.bundle") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    let index = Index::open_or_create(&dir.path().join("index")).expect("index");
    build::update(
        &index,
        &[Inbox::open("ntb", &inbox).expect("inbox")],
        &IndexOptions::default(),
        &mut |_| {},
    )
    .expect("index");
    let (n, linked, incomplete) = check_properties(&index);
    eprintln!(
        "ntb: {n} series, {linked} with several revisions, {incomplete} incomplete revisions"
    );
    assert!(n > 100);
}

#[test]
fn properties_on_linux_kbuild() {
    let Some(inbox) = common::restore_v2("real/linux-kbuild.0.bundle") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    let index = Index::open_or_create(&dir.path().join("index")).expect("index");
    let log = putt_store::events::EventLog::new(&dir.path().join("events"), None);
    putt_store::events::update_index(
        &index,
        &[Inbox::open("linux-kbuild", &inbox).expect("inbox")],
        &IndexOptions::default(),
        &mut |_| {},
        &log,
    )
    .expect("index");
    // A whole archive indexed: its newest month is grouped into the memo
    // already, and reads back as the grouping without it would be.
    let memo = dir.path().join("index/series.memo");
    let len = std::fs::metadata(&memo)
        .expect("memo after a bulk load")
        .len();
    assert!(len > 10_000, "memo of {len} bytes");
    let month = chrono::DateTime::from_timestamp(1_784_000_000, 0).expect("now");
    let kept =
        full_picture(&series_for_query(&index, "d:30.days.ago..", month, 200_000).expect("kept"));
    assert_eq!(
        std::fs::metadata(&memo).expect("memo").len(),
        len,
        "the month was all in the memo: nothing to add"
    );
    std::fs::remove_file(&memo).expect("rm");
    let fresh =
        full_picture(&series_for_query(&index, "d:30.days.ago..", month, 200_000).expect("fresh"));
    assert!(kept.len() > 20, "{}", kept.len());
    assert_eq!(kept, fresh);
    let (n, linked, incomplete) = check_properties(&index);
    eprintln!(
        "linux-kbuild: {n} series, {linked} with several revisions, {incomplete} incomplete revisions"
    );
    assert!(n > 2500);
    newest_series_are_the_head_of_the_list(&index);
}

/// `putt series -n N` pages through the newest matches when the query
/// allows it: its N series are the first N of the whole list, in order,
/// with a hiding rule too (the pull requests of linux-kbuild).
fn newest_series_are_the_head_of_the_list(index: &Index) {
    let now = chrono::DateTime::from_timestamp(1_784_000_000, 0).expect("now");
    let mut config = putt_store::config::Config::default();
    config.rules.push(putt_store::config::RuleConfig {
        name: "pull".into(),
        when: "pull".into(),
        hide: true,
    });
    let wf = putt_store::workflow::Workflow::new(&config, None, None, now).expect("workflow");
    let ids = |v: &[Series]| -> Vec<(String, i64)> {
        v.iter().map(|s| (s.id.clone(), s.date())).collect()
    };
    for query in ["", "d:90.days.ago..", "s:kbuild"] {
        let q = wf.parse_query(query, now).expect("query");
        let whole = wf
            .series_for_query(index, &q, 200_000, false)
            .expect("list");
        assert!(whole.series.len() > 30, "{query}: {}", whole.series.len());
        for n in [1, 7, 60] {
            let head = wf
                .newest_series(index, &q, n, 200_000, false)
                .expect("newest");
            let want = &whole.series[..n.min(whole.series.len())];
            assert_eq!(ids(&head.series), ids(want), "{query} -n {n}");
        }
    }
}

/// What a listing shows of a series, trailers and follow-ups included.
fn full_picture(series: &[Series]) -> Vec<String> {
    let mut out: Vec<String> = series
        .iter()
        .map(|s| {
            let revs: Vec<String> = s
                .revisions
                .iter()
                .map(|r| {
                    let mut members: Vec<&String> = r.members.iter().collect();
                    members.sort();
                    let patches: Vec<String> = r
                        .patches
                        .iter()
                        .map(|p| {
                            let trailers: Vec<String> =
                                p.trailers.iter().map(|t| t.line()).collect();
                            format!("{}:{}{:?}", p.counter, p.mail.message_id, trailers)
                        })
                        .collect();
                    format!(
                        "v{} root={} followups={} superseded={} patches={patches:?} members={members:?}",
                        r.version,
                        r.root_message_id(),
                        r.followups,
                        r.superseded
                    )
                })
                .collect();
            format!("{} {} {revs:?}", s.id, s.subject)
        })
        .collect();
    out.sort();
    out
}

/// The series memo beside the index is only a cache: after every kind of
/// index update (a new revision, a review, a reply deep in a thread, a
/// cover that arrives late, a removal) a listing read through it equals a
/// listing grouped afresh, and a memo whose bytes are garbage is ignored.
#[test]
fn series_memo_matches_fresh_grouping_through_updates() {
    use common::{at, mail, patch_body};
    let dir = tempfile::tempdir().expect("tmp");
    let inbox_dir = dir.path().join("inbox");
    let index_dir = dir.path().join("index");
    let memo = index_dir.join("series.memo");
    let mut w = V2Writer::open(&inbox_dir).expect("writer");
    let index = Index::open_or_create(&index_dir).expect("index");
    let log = putt_store::events::EventLog::new(&dir.path().join("events"), None);
    let ann = "Ann <ann@x.org>";
    let rev = "Rev <rev@y.org>";
    let patch = |mid: &str, v: &str, n: u32, of: u32, min: i64, refs: &[&str]| {
        let subject = format!("[PATCH{v} {n}/{of}] net: tidy queue {n}");
        mail(
            mid,
            ann,
            &subject,
            min,
            refs,
            &patch_body(&format!("Tidy {n}"), &format!("net/q{n}.c"), "old", mid),
        )
    };
    let cover = |mid: &str, v: &str, of: u32, min: i64| {
        let subject = format!("[PATCH{v} 0/{of}] net: tidy queues");
        mail(mid, ann, &subject, min, &[], "Tidies the queues.\n")
    };
    // Each step: mails to add (raw, minute) and Message-IDs to remove.
    type Step = (Vec<(String, i64)>, Vec<String>);
    let steps: Vec<Step> = vec![
        (
            vec![
                (cover("c1@x", "", 2, 0), 0),
                (patch("p1a@x", "", 1, 2, 1, &["c1@x"]), 1),
                (patch("p1b@x", "", 2, 2, 1, &["c1@x"]), 1),
                (
                    mail("d1@x", rev, "queues in general", 5, &[], "Thoughts?\n"),
                    5,
                ),
                (
                    mail(
                        "lone@x",
                        rev,
                        "[PATCH] mm: fix",
                        7,
                        &[],
                        &patch_body("Fix", "mm/a.c", "x", "y"),
                    ),
                    7,
                ),
            ],
            vec![],
        ),
        // A review of v1, a reply deep in the discussion.
        (
            vec![
                (
                    mail(
                        "r1@x",
                        rev,
                        "Re: [PATCH 2/2] net: tidy queue 2",
                        60,
                        &["c1@x", "p1b@x"],
                        "Reviewed-by: Rev <rev@y.org>\n",
                    ),
                    60,
                ),
                (
                    mail(
                        "d2@x",
                        ann,
                        "Re: queues in general",
                        61,
                        &["d1@x"],
                        "Yes.\n",
                    ),
                    61,
                ),
            ],
            vec![],
        ),
        // v2, unthreaded, patches before their cover.
        (
            vec![
                (patch("p2a@x", " v2", 1, 2, 3000, &["c2@x"]), 3000),
                (patch("p2b@x", " v2", 2, 2, 3001, &["c2@x"]), 3001),
            ],
            vec![],
        ),
        (vec![(cover("c2@x", " v2", 2, 2999), 3002)], vec![]),
        // The lone patch is removed.
        (vec![], vec!["lone@x".into()]),
        // v1's cover: its patches lose what tied them.
        (vec![], vec!["c1@x".into()]),
    ];
    let mut raws: HashMap<String, String> = HashMap::new();
    for (n, (adds, removes)) in steps.into_iter().enumerate() {
        for (raw, min) in adds {
            let mid = raw
                .lines()
                .find_map(|l| l.strip_prefix("Message-ID: <"))
                .expect("mid")
                .trim_end_matches('>')
                .to_string();
            w.add(raw.as_bytes(), at(min)).expect("add");
            raws.insert(mid, raw);
        }
        for mid in removes {
            w.remove(raws[&mid].as_bytes(), at(4000)).expect("remove");
        }
        let inbox = Inbox::open("memo", &inbox_dir).expect("inbox");
        putt_store::events::update_index(
            &index,
            &[inbox],
            &IndexOptions::default(),
            &mut |_| {},
            &log,
        )
        .expect("update");
        if n > 0 {
            // Kept up to date, not emptied (a header alone is 32 bytes).
            let len = std::fs::metadata(&memo).expect("memo").len();
            assert!(len > 200, "step {n}: memo of {len} bytes");
        }
        for query in ["", "s:queue", "f:rev@y.org", "d:2023-12-31.."] {
            let through_memo =
                full_picture(&series_for_query(&index, query, now(), 10_000).expect("memo"));
            assert!(memo.is_file(), "step {n}: the listing kept its series");
            // And again, now that the listing above filled the memo.
            let again =
                full_picture(&series_for_query(&index, query, now(), 10_000).expect("again"));
            std::fs::remove_file(&memo).expect("rm memo");
            let fresh =
                full_picture(&series_for_query(&index, query, now(), 10_000).expect("fresh"));
            assert_eq!(through_memo, fresh, "step {n}, {query:?}");
            assert_eq!(again, fresh, "step {n}, {query:?} (memo full)");
        }
    }
    let last = full_picture(&all_series(&index));
    let joined = last.join("\n");
    assert!(joined.contains("Reviewed-by: Rev <rev@y.org>"), "{joined}");
    assert!(joined.contains("root=c2@x"), "{joined}");
    assert!(!joined.contains("lone@x"), "{joined}");
    assert!(!joined.contains("root=c1@x"), "{joined}");
    // Garbage in the memo: the listing is still right.
    let len = std::fs::metadata(&memo).expect("memo").len() as usize;
    let mut bytes = std::fs::read(&memo).expect("read");
    for i in (48..len).step_by(7) {
        bytes[i] ^= 0x5a;
    }
    std::fs::write(&memo, &bytes).expect("write");
    assert_eq!(full_picture(&all_series(&index)), last);
    std::fs::write(&memo, b"puttsmem").expect("write");
    assert_eq!(full_picture(&all_series(&index)), last);
}
