//! Reading archives and indexing them: epochs, removals, re-deliveries,
//! rewritten history, v1, duplicate and missing Message-IDs — on inboxes
//! the tests write themselves with pinned times.

mod common;

use common::{at, mail, patch_body};
use putt_store::archive::{self, Inbox, Op};
use putt_store::index::Index;
use putt_store::index::build::{self, IndexOptions, IndexReport};
use putt_testkit::write::{V1Writer, V2Writer};

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(common::T0 + 86_400 * 30, 0).expect("time")
}

fn index_all(index: &Index, inboxes: &[Inbox]) -> IndexReport {
    build::update(index, inboxes, &IndexOptions::default(), &mut |_| {}).expect("index")
}

fn mids(index: &Index, query: &str) -> Vec<String> {
    let mut v: Vec<String> = index
        .search(query, now(), 1000, 0)
        .expect("search")
        .into_iter()
        .map(|m| m.message_id)
        .collect();
    v.sort();
    v
}

fn m(n: u32) -> String {
    mail(
        &format!("m{n}@example.org"),
        "Ann Example <ann@example.org>",
        &format!("message number {n}"),
        i64::from(n),
        &[],
        &format!("body of message {n}\n"),
    )
}

#[test]
fn v2_epochs_removal_across_epochs_and_redelivery() {
    let dir = tempfile::tempdir().expect("tmp");
    let inbox_dir = dir.path().join("list");
    let mut w = V2Writer::open(&inbox_dir).expect("writer");
    w.add(m(1).as_bytes(), at(1)).expect("add");
    w.add(m(2).as_bytes(), at(2)).expect("add");
    w.next_epoch().expect("epoch");
    w.add(m(3).as_bytes(), at(3)).expect("add");
    // The removal names a blob that lives in epoch 0.
    w.remove(m(1).as_bytes(), at(4)).expect("rm");
    w.next_epoch().expect("epoch");
    w.add(m(4).as_bytes(), at(5)).expect("add");
    w.redeliver(at(6)).expect("empty commit");

    let inbox = Inbox::open("list", &inbox_dir).expect("open");
    assert_eq!(inbox.format, archive::Format::V2);
    assert_eq!(
        inbox.epochs.iter().map(|e| e.number).collect::<Vec<_>>(),
        vec![0, 1, 2]
    );
    let repo1 = archive::open_repo(&inbox.epochs[1].git_dir).expect("repo");
    let scan = archive::scan(&repo1, None).expect("scan");
    assert_eq!(
        scan.changes.iter().map(|c| c.op).collect::<Vec<_>>(),
        vec![Op::Add, Op::Remove]
    );
    let repo2 = archive::open_repo(&inbox.epochs[2].git_dir).expect("repo");
    assert_eq!(archive::scan(&repo2, None).expect("scan").empty_commits, 1);

    let index = Index::open_or_create(&dir.path().join("index")).expect("index");
    let report = index_all(&index, &[inbox]);
    assert_eq!(report.added, 3, "{report:?}");
    assert_eq!(report.removed, 1);
    assert_eq!(report.empty_commits, 1);
    assert_eq!(
        mids(&index, ""),
        vec!["m2@example.org", "m3@example.org", "m4@example.org"]
    );
}

#[test]
fn second_run_reads_only_new_commits_and_removals_apply_to_old_ones() {
    let dir = tempfile::tempdir().expect("tmp");
    let inbox_dir = dir.path().join("list");
    let mut w = V2Writer::open(&inbox_dir).expect("writer");
    for n in 1..=5 {
        w.add(m(n).as_bytes(), at(i64::from(n))).expect("add");
    }
    let index = Index::open_or_create(&dir.path().join("index")).expect("index");
    let open = || Inbox::open("list", &inbox_dir).expect("open");
    assert_eq!(index_all(&index, &[open()]).added, 5);

    let nothing = index_all(&index, &[open()]);
    assert_eq!((nothing.added, nothing.removed, nothing.commits), (0, 0, 0));

    w.add(m(6).as_bytes(), at(6)).expect("add");
    w.remove(m(2).as_bytes(), at(7)).expect("rm");
    let again = index_all(&index, &[open()]);
    assert_eq!((again.added, again.removed), (1, 1), "{again:?}");
    assert_eq!(again.already_indexed, 0, "only the new commits were read");
    assert_eq!(index.num_messages(), 5);
    assert!(mids(&index, "m:m2@example.org").is_empty());
    assert_eq!(mids(&index, "m:m6@example.org"), vec!["m6@example.org"]);
}

#[test]
fn rewritten_history_is_reconciled_without_duplicates() {
    let dir = tempfile::tempdir().expect("tmp");
    let inbox_dir = dir.path().join("list");
    let mut w = V2Writer::open(&inbox_dir).expect("writer");
    w.add(m(1).as_bytes(), at(1)).expect("add");
    let keep = w.tip();
    w.add(m(2).as_bytes(), at(2)).expect("add");
    w.add(m(3).as_bytes(), at(3)).expect("add");
    let index = Index::open_or_create(&dir.path().join("index")).expect("index");
    let open = || Inbox::open("list", &inbox_dir).expect("open");
    assert_eq!(index_all(&index, &[open()]).added, 3);

    // Like public-inbox-purge: history from m1 on is rewritten without m2.
    w.reset(keep).expect("reset");
    w.add(m(3).as_bytes(), at(3)).expect("re-add");
    w.add(m(4).as_bytes(), at(4)).expect("add");
    let report = index_all(&index, &[open()]);
    assert_eq!(report.rewritten, vec!["list/0".to_string()]);
    assert_eq!(report.added, 1, "only m4 is new: {report:?}");
    assert_eq!(report.removed, 1, "m2 is gone: {report:?}");
    assert_eq!(
        mids(&index, ""),
        vec!["m1@example.org", "m3@example.org", "m4@example.org"]
    );
}

#[test]
fn v1_inbox_adds_and_removes() {
    let dir = tempfile::tempdir().expect("tmp");
    let repo = dir.path().join("v1.git");
    let mut w = V1Writer::create(&repo).expect("v1");
    for n in 1..=3 {
        w.add(m(n).as_bytes(), at(i64::from(n))).expect("add");
    }
    w.remove("m2@example.org", at(4)).expect("rm");
    let inbox = Inbox::open("old", &repo).expect("open");
    assert_eq!(inbox.format, archive::Format::V1);
    let index = Index::open_or_create(&dir.path().join("index")).expect("index");
    let report = index_all(&index, &[inbox]);
    assert_eq!((report.added, report.removed), (2, 1), "{report:?}");
    assert_eq!(mids(&index, ""), vec!["m1@example.org", "m3@example.org"]);
}

#[test]
fn duplicate_and_missing_message_ids() {
    let dir = tempfile::tempdir().expect("tmp");
    let inbox_dir = dir.path().join("list");
    let mut w = V2Writer::open(&inbox_dir).expect("writer");
    let a = mail("same@x", "A <a@x>", "first with this id", 1, &[], "one\n");
    let b = mail("same@x", "B <b@x>", "second with this id", 2, &[], "two\n");
    let no_id =
        "From: C <c@x>\nSubject: no id here\nDate: Mon, 1 Jan 2024 00:03:00 +0000\n\nthree\n";
    w.add(a.as_bytes(), at(1)).expect("add");
    w.add(b.as_bytes(), at(2)).expect("add");
    w.add(no_id.as_bytes(), at(3)).expect("add");
    // The same blob delivered again in a later epoch counts once.
    w.next_epoch().expect("epoch");
    w.add(a.as_bytes(), at(4)).expect("add");
    let index = Index::open_or_create(&dir.path().join("index")).expect("index");
    let report = index_all(&index, &[Inbox::open("list", &inbox_dir).expect("open")]);
    assert_eq!(report.added, 3, "{report:?}");
    assert_eq!(report.duplicates, 1);
    let same = index.by_message_id("<same@x>").expect("lookup");
    assert_eq!(same.len(), 2);
    assert_eq!(same[0].subject, "first with this id");
    let found = index
        .search("s:\"no id here\"", now(), 10, 0)
        .expect("search");
    assert_eq!(found.len(), 1);
    assert!(found[0].message_id.ends_with("@putt.synthesized"));
    let stats = index.stats().expect("stats");
    assert_eq!(stats.degraded, 1);
    assert_eq!(stats.messages, 3);
}

#[test]
fn search_fields_on_a_patch() {
    let dir = tempfile::tempdir().expect("tmp");
    let inbox_dir = dir.path().join("list");
    let mut w = V2Writer::open(&inbox_dir).expect("writer");
    let body = patch_body(
        "pwm: frob: fix the period\n\nThe period register is 16 bits wide.",
        "drivers/pwm/pwm-frob.c",
        "\twritel(period, base);",
        "\twritew(period, base);",
    );
    w.add(
        mail(
            "p1@x",
            "Alice Dev <alice@example.org>",
            "[PATCH] pwm: frob: fix the period",
            1,
            &[],
            &body,
        )
        .as_bytes(),
        at(1),
    )
    .expect("add");
    w.add(
        mail(
            "r1@x",
            "Bob <bob@example.org>",
            "Re: [PATCH] pwm: frob: fix the period",
            60 * 24 * 20,
            &["p1@x"],
            "> The period register\n\nLooks right.\n",
        )
        .as_bytes(),
        at(60 * 24 * 20),
    )
    .expect("add");
    let index = Index::open_or_create(&dir.path().join("index")).expect("index");
    index_all(&index, &[Inbox::open("list", &inbox_dir).expect("open")]);
    let one = |q: &str| mids(&index, q);
    assert_eq!(one("dfn:drivers/pwm/"), vec!["p1@x"]);
    assert_eq!(one("dfn:pwm-frob.c"), vec!["p1@x"]);
    assert!(one("dfn:drivers/net/").is_empty());
    assert_eq!(one("dfb:writew"), vec!["p1@x"]);
    assert_eq!(one("dfa:writel"), vec!["p1@x"]);
    assert!(one("dfa:writew").is_empty());
    assert_eq!(one("dfhh:func"), vec!["p1@x"]);
    assert_eq!(one("f:alice@example.org"), vec!["p1@x"]);
    assert_eq!(one("s:period"), vec!["p1@x", "r1@x"]);
    // The reply only quotes it: quoted lines are the original's words.
    assert_eq!(one("b:\"period register\""), vec!["p1@x"]);
    assert_eq!(one("b:\"looks right\""), vec!["r1@x"]);
    assert_eq!(one("l:test.example.org"), vec!["p1@x", "r1@x"]);
    assert_eq!(one("d:2024-01-10.."), vec!["r1@x"]);
    assert_eq!(one("m:<r1@x>"), vec!["r1@x"]);
    let pid = index.search("m:p1@x", now(), 1, 0).expect("search")[0]
        .patch_id
        .clone()
        .expect("a patch has a patch-id");
    assert_eq!(one(&format!("patchid:{pid}")), vec!["p1@x"]);
    assert_eq!(
        one(&format!("patchid:{}", pid.to_uppercase())),
        vec!["p1@x"]
    );
    assert!(one(&format!("patchid:{}", "0".repeat(40))).is_empty());
}

/// `putt index --no-fsync` writes the same index without syncing a file;
/// a run by default syncs what it commits. The files are readable by whom
/// the umask lets read any new file (an index shared read-only).
#[test]
fn an_index_run_syncs_unless_told_not_to() {
    let dir = tempfile::tempdir().expect("tmp");
    let inbox_dir = dir.path().join("list");
    let mut w = V2Writer::open(&inbox_dir).expect("writer");
    for n in 1..=3 {
        w.add(m(n).as_bytes(), at(i64::from(n))).expect("add");
    }
    let index_dir = dir.path().join("index");
    let index = Index::open_or_create(&index_dir).expect("index");
    let open = || Inbox::open("list", &inbox_dir).expect("open");
    let no_fsync = IndexOptions {
        fsync: false,
        ..IndexOptions::default()
    };
    let before = index.syncs();
    let first = build::update(&index, &[open()], &no_fsync, &mut |_| {}).expect("index");
    assert_eq!(first.added, 3);
    assert_eq!(index.syncs(), before, "a run without fsync synced");

    w.add(m(4).as_bytes(), at(4)).expect("add");
    assert_eq!(index_all(&index, &[open()]).added, 1);
    assert!(index.syncs() > before, "a run by default syncs its commit");
    drop(index);

    let index = Index::open(&index_dir).expect("reopen");
    assert_eq!(
        mids(&index, "s:message"),
        (1..=4)
            .map(|n| format!("m{n}@example.org"))
            .collect::<Vec<_>>()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| {
            std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777
        };
        let plain = index_dir.join("plain-new-file");
        std::fs::write(&plain, b"").expect("write");
        for name in ["meta.json", ".managed.json"] {
            assert_eq!(mode(&index_dir.join(name)), mode(&plain), "{name}");
        }
    }
}
