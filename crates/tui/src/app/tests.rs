//! The dispatcher without workers: answers are made up here and handed to
//! `update`, to see where each goes.

use std::sync::Arc;

use ratatui::crossterm::event::KeyCode;

use super::*;
use crate::load::ThreadRow;
use crate::screens::series_list::SeriesRow;
use crate::tickets::Ticket;
use putt_core::series::{Mail, Series};
use putt_ops::config::Config;
use putt_ops::series::SeriesPage;

fn app(dir: &std::path::Path) -> App {
    let now = chrono::DateTime::from_timestamp(1_700_000_000, 0).expect("now");
    App::new(
        AppOptions {
            keymap: Keymap::default(),
            theme: Theme::builtin("dark").expect("theme"),
            filters: Vec::new(),
            repos: Vec::new(),
            inbox_names: vec!["demo".into()],
            now,
            first_page: 300,
            next_page: 300,
            index_on_start: true,
            drafts: Drafts::new(dir),
            queries: Workflow::new(&Config::default(), None, None, now).expect("workflow"),
            events: EventLog::new(&dir.join("events"), None),
        },
        None,
    )
}

/// A one-patch series.
fn series() -> Series {
    let subject = "[PATCH] frob: fix the frobnicator".to_string();
    let mail = Mail {
        message_id: "p1@example.org".into(),
        parent: None,
        references: Vec::new(),
        date: 1_699_000_000,
        from_name: "A U Thor".into(),
        from_addr: "author@example.org".into(),
        info: putt_core::subject::parse_subject(&subject),
        subject,
        has_diff: true,
        has_diffstat: true,
        pull: None,
        patch_id: None,
        change_id: None,
        base_commit: None,
        trailers: Vec::new(),
        files: Vec::new(),
        supersedes: Vec::new(),
        cites: Vec::new(),
        inbox: "demo".into(),
        blob: String::new(),
    };
    putt_core::series::group(vec![mail])
        .pop()
        .expect("a series")
}

fn page(seq: Ticket, series: Vec<Series>, more: bool) -> Event {
    let flow = series.iter().map(|_| Default::default()).collect();
    Event::Worker(Notification::List {
        seq,
        page: Arc::new(SeriesPage {
            series,
            hits: 1,
            more,
            hidden: Vec::new(),
            oldest: None,
        }),
        offset: 0,
        flow,
        checks_ran: false,
    })
}

fn indexed(seq: Ticket, added: u64) -> Event {
    Event::Worker(Notification::Indexed {
        seq,
        added,
        removed: 0,
        problems: Vec::new(),
    })
}

fn key(app: &mut App, c: KeyCode) {
    app.update(Event::Key(KeyEvent::from(c)));
}

/// The requests queued, by slot and ticket.
fn queued(app: &mut App) -> Vec<(Slot, Ticket)> {
    app.take_requests()
        .iter()
        .map(|r| (r.slot(), r.seq()))
        .collect()
}

/// An app showing a list of one series, with nothing in flight.
fn with_a_series(dir: &std::path::Path) -> App {
    let mut app = app(dir);
    app.start();
    let first = queued(&mut app);
    let [(Slot::List, list), (Slot::Index, index)] = first[..] else {
        panic!("the list and an index run first: {first:?}");
    };
    // Progress reaches the status line; the run still waits.
    app.update(Event::Worker(Notification::IndexProgress {
        seq: index,
        done: 3,
        total: 9,
    }));
    assert_eq!(app.indexing, Some((3, 9)));
    app.update(page(list, vec![series()], false));
    assert_eq!(app.list.rows.len(), 1);
    app.update(indexed(index, 0));
    let [(Slot::List, refresh)] = queued(&mut app)[..] else {
        panic!("the index run's answer asks for the list again");
    };
    app.update(page(refresh, vec![series()], false));
    assert!(!app.busy());
    app
}

#[test]
fn a_newer_request_replaces_the_waiting_one_and_its_late_answer_is_dropped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut app = with_a_series(dir.path());
    key(&mut app, KeyCode::Char('$'));
    let [(Slot::Index, one)] = queued(&mut app)[..] else {
        panic!("an index run");
    };
    app.update(indexed(one, 2));
    assert_eq!(
        app.message.as_ref().map(|m| m.text.as_str()),
        Some("Indexed 2 new message(s).")
    );
    let [(Slot::List, stale)] = queued(&mut app)[..] else {
        panic!("a refresh");
    };
    // Another run ends before that refresh came: its refresh replaces it.
    key(&mut app, KeyCode::Char('$'));
    let [(Slot::Index, two)] = queued(&mut app)[..] else {
        panic!("another index run");
    };
    app.update(indexed(two, 0));
    let [(Slot::List, fresh)] = queued(&mut app)[..] else {
        panic!("another refresh");
    };
    app.update(page(stale, vec![series()], true));
    assert!(!app.list.more, "the replaced request's answer is not shown");
    assert!(app.busy(), "the newer one is still awaited");
    app.update(page(fresh, vec![series()], true));
    assert!(app.list.more);
    // The cursor is on the last row: the next page is asked for at once.
    let [(Slot::List, _)] = queued(&mut app)[..] else {
        panic!("the next page");
    };
    // An answer to no request changes nothing.
    app.message = None;
    app.update(Event::Worker(Notification::Failed {
        seq: Ticket(999),
        slot: Slot::Git,
        error: "nobody's".into(),
        hint: None,
    }));
    assert!(app.message.is_none());
}

#[test]
fn an_answer_reaches_the_screen_that_asked_under_another() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut app = with_a_series(dir.path());
    key(&mut app, KeyCode::Enter);
    let [(Slot::Thread, thread)] = queued(&mut app)[..] else {
        panic!("the thread is asked for");
    };
    assert!(app.view_empty_waiting());
    // Help is never held back, and opens over the waiting thread.
    key(&mut app, KeyCode::Char('?'));
    assert_eq!(app.view_kind(), ViewKind::Help);
    assert!(!app.busy(), "help waits for nothing");
    let row = ThreadRow {
        message_id: "p1@example.org".into(),
        prefix: String::new(),
        subject: "[PATCH] frob: fix the frobnicator".into(),
        from: "A U Thor".into(),
        date: 1_699_000_000,
        present: true,
    };
    app.update(Event::Worker(Notification::Thread {
        seq: thread,
        rows: vec![row],
        infos: Vec::new(),
    }));
    key(&mut app, KeyCode::Char('q'));
    let Some(View::Thread(t)) = app.stack.last() else {
        panic!("back in the thread");
    };
    assert_eq!(t.rows.len(), 1, "the thread got its answer while covered");
    // Closed, it hears nothing more: a late answer is dropped.
    key(&mut app, KeyCode::Enter);
    let [(Slot::Message, message)] = queued(&mut app)[..] else {
        panic!("the message is asked for");
    };
    key(&mut app, KeyCode::Esc);
    app.update(Event::Worker(Notification::Failed {
        seq: message,
        slot: Slot::Message,
        error: "gone".into(),
        hint: None,
    }));
    assert!(app.message.is_none(), "{:?}", app.message);
    assert!(matches!(app.stack.last(), Some(View::Thread(_))));
}

#[test]
fn a_failure_comes_with_the_tuis_hint() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut app = app(dir.path());
    app.start();
    let index = queued(&mut app)
        .into_iter()
        .find(|(s, _)| *s == Slot::Index)
        .map(|(_, t)| t)
        .expect("an index run");
    app.update(Event::Worker(Notification::Failed {
        seq: index,
        slot: Slot::Index,
        error: "index /i is being written by another putt process".into(),
        hint: Some(crate::error::Hint::Key(
            Action::Reindex,
            "indexes again once it is done",
        )),
    }));
    let m = app.message.as_ref().expect("an error");
    assert!(m.error);
    assert_eq!(
        m.text,
        "index /i is being written by another putt process; $ indexes again once it is done"
    );
    assert_eq!(app.indexing, None);
}

#[test]
fn rows_of_the_list_are_its_own() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = with_a_series(dir.path());
    let SeriesRow { series, .. } = &app.list.rows[0];
    assert_eq!(series.subject, "frob: fix the frobnicator");
    assert!(app.status_left().contains("1/1 series"));
}
