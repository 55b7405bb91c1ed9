use super::*;
use crate::index::Index;
use crate::index::build::{IndexOptions, update};
use crate::series::gather::series_by_key;

/// The sample list's re-rolled series (v1 and v2).
fn sample_series() -> (tempfile::TempDir, Series) {
    let dir = tempfile::tempdir().expect("tempdir");
    putt_testkit::sample::write_inbox(&dir.path().join("inbox")).expect("sample inbox");
    let inbox = crate::archive::Inbox::open("demo", &dir.path().join("inbox")).expect("inbox");
    let index = Index::open_or_create(&dir.path().join("index")).expect("index");
    update(&index, &[inbox], &IndexOptions::default(), &mut |_| {}).expect("indexed");
    index.reload().expect("reload");
    let s = series_by_key(&index, "20240306080000.3000-0-alice@example.org").expect("series");
    assert!(s.revisions.len() >= 2, "sample series has two revisions");
    (dir, s)
}

#[test]
fn states_and_read_marks_survive_reopening() {
    let (dir, s) = sample_series();
    let state_dir = dir.path().join("state");
    let v1 = &s.revisions[0];
    let v2 = s.latest();
    {
        let mut st = StateStore::open(&state_dir).expect("open");
        assert_eq!(st.state_of(&s, v2), TriageState::New);
        assert_eq!(st.state_of(&s, v1), TriageState::Superseded, "automatic");
        st.set_state(&s, v2, Some(TriageState::Reviewing))
            .expect("set");
        st.set_read(["a@x", "b@x"], true).expect("read");
        st.set_read(["b@x"], false).expect("unread");
    }
    let st = StateStore::open(&state_dir).expect("reopen");
    assert_eq!(st.state_of(&s, v2), TriageState::Reviewing);
    assert!(st.is_read("a@x"));
    assert!(!st.is_read("b@x"));
}

#[test]
fn ignoring_an_old_revision_ignores_the_new_ones() {
    let (dir, s) = sample_series();
    let mut st = StateStore::open(&dir.path().join("state")).expect("open");
    st.set_state(&s, &s.revisions[0], Some(TriageState::Ignored))
        .expect("set");
    assert_eq!(st.state_of(&s, s.latest()), TriageState::Ignored);
    st.set_state(&s, &s.revisions[0], None).expect("clear");
    assert_eq!(st.state_of(&s, &s.revisions[0]), TriageState::Superseded);
    assert_eq!(st.state_of(&s, s.latest()), TriageState::New);
}

#[test]
fn a_torn_last_line_is_dropped_and_the_next_change_kept() {
    let (dir, s) = sample_series();
    let state_dir = dir.path().join("state");
    {
        let mut st = StateStore::open(&state_dir).expect("open");
        st.set_read(["a@x"], true).expect("read");
    }
    // A kill in the middle of a write leaves half a line.
    let journal = state_dir.join("journal.jsonl");
    let mut f = OpenOptions::new()
        .append(true)
        .open(&journal)
        .expect("journal");
    f.write_all(br#"{"op":"read","read":true,"messages":["tor"#)
        .expect("torn write");
    drop(f);
    {
        let mut st = StateStore::open(&state_dir).expect("open after a torn write");
        assert!(st.is_read("a@x"));
        st.set_state(&s, s.latest(), Some(TriageState::Accepted))
            .expect("set");
    }
    let st = StateStore::open(&state_dir).expect("reopen");
    assert!(st.is_read("a@x"));
    assert!(!st.is_read("tor"));
    assert_eq!(st.state_of(&s, s.latest()), TriageState::Accepted);
}

#[test]
fn compaction_keeps_everything_and_empties_the_journal() {
    let (dir, s) = sample_series();
    let state_dir = dir.path().join("state");
    let mut st = StateStore::open(&state_dir).expect("open");
    for i in 0..(COMPACT_AFTER + 5) {
        st.set_read([format!("m{i}@x")], true).expect("read");
    }
    st.set_state(&s, s.latest(), Some(TriageState::Waiting))
        .expect("set");
    // Another process appended meanwhile: compaction must keep it.
    let mut other = StateStore::open(&state_dir).expect("second process");
    other.set_read(["other@x"], true).expect("read");
    st.compact().expect("compact");
    let journal_len = std::fs::metadata(state_dir.join("journal.jsonl"))
        .expect("journal")
        .len();
    assert_eq!(journal_len, 0);
    let st = StateStore::open(&state_dir).expect("reopen");
    assert_eq!(st.read_count(), COMPACT_AFTER + 6);
    assert!(st.is_read("other@x"));
    assert_eq!(st.state_of(&s, s.latest()), TriageState::Waiting);
}

#[test]
fn a_journal_replayed_over_its_own_snapshot_changes_nothing() {
    let (dir, s) = sample_series();
    let state_dir = dir.path().join("state");
    let mut st = StateStore::open(&state_dir).expect("open");
    st.set_state(&s, s.latest(), Some(TriageState::Rejected))
        .expect("set");
    st.set_read(["a@x"], true).expect("read");
    let journal = std::fs::read(state_dir.join("journal.jsonl")).expect("journal");
    st.compact().expect("compact");
    // A kill between the snapshot's rename and the journal's truncation.
    std::fs::write(state_dir.join("journal.jsonl"), journal).expect("restore journal");
    let st = StateStore::open(&state_dir).expect("reopen");
    assert_eq!(st.state_of(&s, s.latest()), TriageState::Rejected);
    assert_eq!(st.read_count(), 1);
}

#[test]
fn state_names_parse_by_prefix() {
    assert_eq!(
        TriageState::parse("rev").expect("prefix"),
        TriageState::Reviewing
    );
    assert_eq!(
        TriageState::parse("Accepted").expect("name"),
        TriageState::Accepted
    );
    let err = TriageState::parse("bogus").expect_err("unknown");
    assert!(err.to_string().contains("bogus"));
    for t in TriageState::ALL {
        let letters: Vec<char> = TriageState::ALL.iter().map(|t| t.letter()).collect();
        assert_eq!(letters.iter().filter(|&&l| l == t.letter()).count(), 1);
    }
}

#[test]
fn a_store_catches_up_with_another_writer_and_its_compaction() {
    let (dir, s) = sample_series();
    let state_dir = dir.path().join("state");
    let mut a = StateStore::open(&state_dir).expect("open a");
    let mut b = StateStore::open(&state_dir).expect("open b");
    b.set_state(&s, s.latest(), Some(TriageState::Accepted))
        .expect("b sets");
    assert_eq!(a.state_of(&s, s.latest()), TriageState::New, "not read yet");
    assert!(a.catch_up().expect("catch up"));
    assert_eq!(a.state_of(&s, s.latest()), TriageState::Accepted);
    assert!(!a.catch_up().expect("nothing new"));
    // A change is computed against what is stored, whatever `a` saw.
    b.set_state(&s, s.latest(), Some(TriageState::Rejected))
        .expect("b sets");
    let change = a
        .change_state(&s, s.latest(), Some(TriageState::Waiting))
        .expect("a sets")
        .expect("a change");
    assert_eq!(change.from, TriageState::Rejected);
    assert_eq!(change.to, TriageState::Waiting);
    // `b` folds the journal into a new snapshot; `a` reads it whole.
    b.catch_up().expect("b catches up");
    b.set_read(["m@x"], true).expect("read");
    b.compact().expect("compact");
    assert!(a.catch_up().expect("catch up"));
    assert!(a.is_read("m@x"));
    assert_eq!(a.state_of(&s, s.latest()), TriageState::Waiting);
    // And appends after it.
    b.set_read(["n@x"], true).expect("read");
    assert!(a.catch_up().expect("catch up"));
    assert!(a.is_read("n@x") && a.is_read("m@x"));
}
