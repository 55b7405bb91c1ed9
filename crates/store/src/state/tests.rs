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
    let state_dir = dir.path().join("data");
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
    let mut st = StateStore::open(&dir.path().join("data")).expect("open");
    st.set_state(&s, &s.revisions[0], Some(TriageState::Ignored))
        .expect("set");
    assert_eq!(st.state_of(&s, s.latest()), TriageState::Ignored);
    st.set_state(&s, &s.revisions[0], None).expect("clear");
    assert_eq!(st.state_of(&s, &s.revisions[0]), TriageState::Superseded);
    assert_eq!(st.state_of(&s, s.latest()), TriageState::New);
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
fn a_store_catches_up_with_another_writer() {
    let (dir, s) = sample_series();
    let data = dir.path().join("data");
    let mut a = StateStore::open(&data).expect("open a");
    let mut b = StateStore::open(&data).expect("open b");
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
    // Its own change is no news to `a`; it is to `b`.
    assert!(!a.catch_up().expect("own change"));
    assert!(b.catch_up().expect("b reads it"));
    assert_eq!(b.state_of(&s, s.latest()), TriageState::Waiting);
    b.set_read(["m@x"], true).expect("read");
    assert!(a.catch_up().expect("catch up"));
    assert!(a.is_read("m@x"));
}

#[test]
fn what_an_older_putt_kept_in_journals_is_imported_once() {
    let (dir, s) = sample_series();
    let data = dir.path().join("data");
    let state = data.join("state");
    std::fs::create_dir_all(&state).expect("mkdir");
    let root = s.latest().root_message_id();
    std::fs::write(
        state.join("state.json"),
        format!(
            r#"{{"format":1,"revisions":{{"{root}":{{"state":"waiting","series":"{}","version":{}}}}},"read":["a@x","b@x"]}}"#,
            s.id,
            s.latest().version
        ),
    )
    .expect("snapshot");
    // The journal goes on from the snapshot, a torn last line and all.
    std::fs::write(
        state.join("journal.jsonl"),
        format!(
            "{{\"op\":\"read\",\"read\":false,\"messages\":[\"b@x\"]}}\n{{\"op\":\"state\",\"revision\":\"{root}\",\"state\":{{\"state\":\"accepted\",\"series\":\"x\",\"version\":2}}}}\n{{\"op\":\"re"
        ),
    )
    .expect("journal");
    let st = StateStore::open(&data).expect("open");
    assert_eq!(st.state_of(&s, s.latest()), TriageState::Accepted);
    assert!(st.is_read("a@x") && !st.is_read("b@x"));
    // Once: the old files stay as they were, and a later change is not
    // undone by importing them again.
    drop(st);
    let mut st = StateStore::open(&data).expect("reopen");
    st.set_state(&s, s.latest(), Some(TriageState::Rejected))
        .expect("set");
    drop(st);
    let st = StateStore::open(&data).expect("reopen");
    assert_eq!(st.state_of(&s, s.latest()), TriageState::Rejected);
    assert!(state.join("journal.jsonl").is_file());
}
