//! The TUI on ratatui's `TestBackend` over a fixture inbox: keys in, whole
//! screens out (insta snapshots), plus checks a snapshot cannot make
//! (styles, escapes, alignment, the state store on disk, themes).
#![cfg(feature = "tui")]

mod common;

use std::path::{Path, PathBuf};

use putt_store::config::{Config, InboxConfig};
use putt_store::index::Index;
use putt_store::index::build::{IndexOptions, update};
use putt_tui::event::Event;
use putt_tui::reply::ReplyOptions;
use putt_tui::{Headless, Options};
use ratatui::style::Modifier;

/// The sample list plus mail that tests the screen: wide characters, a
/// very long subject, and a series whose subject and body carry terminal
/// escape sequences.
fn fixture_mails() -> Vec<(String, i64)> {
    let mut mails: Vec<(String, i64)> = putt_testkit::sample::mails()
        .into_iter()
        .map(|m| (m.raw, m.time))
        .collect();
    let t = putt_testkit::sample::START + 4 * 86_400;
    let patch = |mid: &str, from: &str, subject: &str, minutes: i64, body: &str| {
        let date = chrono::DateTime::from_timestamp(t + minutes * 60, 0)
            .expect("time")
            .to_rfc2822();
        (
            format!(
                "From: {from}\nTo: demo@lists.example.org\nSubject: {subject}\nDate: {date}\nMessage-ID: <{mid}>\nList-Id: <demo.lists.example.org>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n{body}"
            ),
            t + minutes * 60,
        )
    };
    let body = |msg: &str, path: &str| {
        format!(
            "{msg}\n\nSigned-off-by: X <x@example.org>\n---\n {path} | 2 +-\n\ndiff --git a/{path} b/{path}\nindex 1111111..2222222 100644\n--- a/{path}\n+++ b/{path}\n@@ -1,3 +1,3 @@ int f(void)\n ctx\n-\told();\n+\tnew();\n ctx\n-- \n2.43.0\n"
        )
    };
    mails.push(patch(
        "cjk-1@example.jp",
        "山田 太郎 <taro@example.jp>",
        "[PATCH] 文字化け: 修正する (emoji 👍🏽 too)",
        10,
        &body("直す", "fs/nls/nls_euc-jp.c"),
    ));
    mails.push(patch(
        "long-1@example.org",
        "Erin Longname-With-A-Very-Long-Family-Name <erin@example.org>",
        "[PATCH] drivers: a subject so long that no terminal of eighty columns could ever hope to show all of it at once",
        20,
        &body("long", "drivers/base/core.c"),
    ));
    mails.push(patch(
        "hostile-1@example.net",
        "Mallory \u{1b}[2J <mallory@example.net>",
        "[PATCH] evil \u{1b}]0;owned\u{7} title \u{1b}[31mred\r\u{9b}31m",
        30,
        &body(
            "body with \u{1b}[2J clear screen and \u{7} bell\rand CR tricks",
            "net/evil.c",
        ),
    ));
    mails
}

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

fn fixture() -> Fixture {
    fixture_with(Vec::new())
}

/// The fixture with more mail.
fn fixture_with(extra: Vec<(String, i64)>) -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().to_path_buf();
    let inbox = root.join("inbox");
    let mut w = putt_testkit::write::V2Writer::open(&inbox).expect("writer");
    for (raw, time) in fixture_mails().into_iter().chain(extra) {
        w.add(raw.as_bytes(), time).expect("add mail");
    }
    drop(w);
    let index = Index::open_or_create(&root.join("index")).expect("index");
    let found = putt_store::archive::Inbox::open("demo", &inbox).expect("inbox");
    update(&index, &[found], &IndexOptions::default(), &mut |_| {}).expect("indexed");
    Fixture { _dir: dir, root }
}

fn options(f: &Fixture) -> Options {
    let mut config = Config::default();
    config.inboxes.push(InboxConfig {
        name: "demo".into(),
        path: f.root.join("inbox"),
        url: None,
    });
    config
        .filters
        .insert("pwm".into(), "dfn:drivers/pwm/ OR s:pwm".into());
    config.filters.insert("kbuild".into(), "s:kbuild".into());
    config.path = Some(f.root.join("config.toml"));
    let now = chrono::DateTime::from_timestamp(putt_testkit::sample::START + 10 * 86_400, 0)
        .expect("now");
    let mut o = Options::new(
        config,
        f.root.join("index"),
        &putt_ops::Clock::pinned(now, 7),
    );
    o.data_dir = f.root.clone();
    o.events = putt_store::events::EventLog::new(&f.root.join("events"), None);
    o.index_on_start = false;
    o.timings = None;
    o.reply = ReplyOptions::new(f.root.join("data"), &putt_ops::Clock::pinned(now, 7));
    // An "editor" that adds a line to the body, as a person would.
    let editor = f.root.join("editor.sh");
    std::fs::write(&editor, "printf 'Looks good to me.\\n' >> \"$1\"\n").expect("editor");
    o.editor = Some(format!("sh {}", editor.display()));
    o
}

/// `options` with an identity and a send command writing to `sent/`.
fn mail_options(f: &Fixture) -> Options {
    let mut o = options(f);
    o.config.identity = Some(putt_store::config::Identity {
        name: "Rita Reviewer".into(),
        email: "rita@example.org".into(),
        alternates: Vec::new(),
    });
    let sent = f.root.join("sent");
    std::fs::create_dir_all(&sent).expect("sent dir");
    o.config.send.command = Some(format!("cat > {}/$(date +%s%N).eml", sent.display()));
    o
}

/// The mails the send command got.
fn sent_mails(f: &Fixture) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(f.root.join("sent"))
        .map(|d| {
            d.map(|e| std::fs::read_to_string(e.expect("entry").path()).expect("read"))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn drafts_left(f: &Fixture) -> usize {
    std::fs::read_dir(f.root.join("data/drafts")).map_or(0, |d| d.count())
}

fn tui(f: &Fixture, w: u16, h: u16) -> Headless {
    // Snapshots are of the monochrome screen; styles are checked apart.
    Headless::new(options(f), w, h).expect("tui starts")
}

/// Selects the list row whose subject contains `needle`.
fn select(t: &mut Headless, needle: &str) {
    let i = t
        .app
        .list
        .rows
        .iter()
        .position(|r| r.series.subject.contains(needle))
        .unwrap_or_else(|| panic!("no series {needle}"));
    t.app.list.selected = i;
}

#[test]
fn first_screen() {
    let f = fixture();
    let mut t = tui(&f, 80, 24);
    insta::assert_snapshot!("first_screen", t.screen());
}

#[test]
fn open_a_series_and_walk_its_patches() {
    let f = fixture();
    let mut t = tui(&f, 80, 24);
    select(&mut t, "Frobnicator");
    t.keys("<Enter>");
    insta::assert_snapshot!("thread_of_v2", t.screen());
    t.keys("<Enter>");
    insta::assert_snapshot!("cover_of_v2", t.screen());
    t.keys("]]");
    insta::assert_snapshot!("patch_2_of_v2", t.screen());
    t.keys("]");
    let s = t.screen();
    assert!(s.contains("[3/3]"), "{s}");
    t.keys("]");
    assert!(t.screen().contains("last patch"));
    t.keys("[[[");
    assert!(t.screen().contains("[0/3]"));
    // Back in the thread, the cursor is on the message left.
    t.keys("q");
    let s = t.screen();
    assert!(s.contains("Thread of v2"), "{s}");
    // The other revision, from the revisions pane.
    t.keys("<Tab>k");
    insta::assert_snapshot!("thread_of_v1", t.screen());
}

#[test]
fn interdiff_of_the_two_newest_revisions() {
    let f = fixture();
    let mut t = tui(&f, 80, 24);
    select(&mut t, "Frobnicator");
    t.keys("d");
    insta::assert_snapshot!("interdiff_v1_v2", t.screen());
    t.keys("]");
    let s = t.screen();
    assert!(s.contains("── 3: = 3:"), "{s}");
    assert!(s.contains("did not change"), "{s}");
    t.keys("<Tab>j");
    // Both sides can be picked; a revision the series lacks is refused.
    t.keys("v");
    assert!(t.screen().contains("Compare (old new; v1 v2): v1 v2"));
    t.keys("<C-u>v1 v9<Enter>");
    assert!(t.screen().contains("Give two different revisions"));
    t.keys("v<C-u>2 1<Enter>");
    let s = t.screen();
    assert!(s.contains("Interdiff v2 → v1"), "{s}");
    assert!(s.contains("2: ! 2:"), "{s}");
    // An unchanged pair opens as its patch mail.
    t.keys("g<Enter>");
    let s = t.screen();
    assert!(s.contains("Subject: [PATCH 1/3]"), "{s}");
    t.keys("q");
    t.keys("q");
    assert!(t.app.stack.is_empty());
}

#[test]
fn limit_with_a_query_and_cycle_saved_filters() {
    let f = fixture();
    let mut t = tui(&f, 80, 24);
    t.keys("ls:kbuild<Enter>");
    insta::assert_snapshot!("limit_kbuild", t.screen());
    // A bad query is an error, the limit stays.
    t.keys("l<C-u>s:(unclosed<Enter>");
    let s = t.screen();
    assert!(s.contains("Bad query"), "{s}");
    assert_eq!(t.app.list.limit.as_deref(), Some("s:kbuild"));
    // Esc clears the limit; f cycles the saved filters.
    t.keys("<Esc>");
    assert_eq!(t.app.list.rows.len(), 7);
    t.keys("f");
    let s = t.screen();
    assert!(s.contains("filter: kbuild"), "{s}");
    t.keys("f");
    let s = t.screen();
    assert!(s.contains("filter: pwm"), "{s}");
    assert!(
        t.app
            .list
            .rows
            .iter()
            .all(|r| r.series.subject.contains("pwm"))
    );
    t.keys("f");
    assert!(!t.screen().contains("filter:"));
}

#[test]
fn change_state_is_shown_and_kept_on_disk() {
    let f = fixture();
    let mut t = tui(&f, 80, 24);
    select(&mut t, "Frobnicator");
    t.keys("s");
    let s = t.screen();
    assert!(s.contains("State of v2"), "{s}");
    t.keys("w");
    insta::assert_snapshot!("state_waiting", t.screen());
    drop(t);
    // A new session (a kill -9 would leave the same file) sees it.
    let mut t = tui(&f, 80, 24);
    select(&mut t, "Frobnicator");
    let row = t
        .screen()
        .lines()
        .find(|l| l.contains("Frobnicator"))
        .map(str::to_string)
        .expect("row");
    assert!(row.contains("wait"), "{row}");
    // The old revision is superseded automatically; in the thread view
    // the states are spelled out.
    t.keys("<Enter>");
    let s = t.screen();
    assert!(s.contains("superseded"), "{s}");
    assert!(s.contains("waiting"), "{s}");
}

#[test]
fn reading_marks_messages_and_unread_rows_are_bold() {
    let f = fixture();
    let mut t = tui(&f, 80, 24);
    select(&mut t, "kbuild");
    let y = 2 + t.app.list.selected as u16;
    let bold = |t: &mut Headless| t.buffer()[(40, y)].modifier.contains(Modifier::BOLD);
    assert!(bold(&mut t), "unread rows are bold");
    t.keys("u");
    assert!(!bold(&mut t), "marked read");
    t.keys("u");
    assert!(bold(&mut t), "unread again");
}

#[test]
fn trailers_and_help() {
    let f = fixture();
    let mut t = tui(&f, 80, 24);
    select(&mut t, "Frobnicator");
    t.keys("t");
    insta::assert_snapshot!("trailers_v2", t.screen());
    t.keys("q?");
    insta::assert_snapshot!("help_series_list", t.screen());
    t.keys("q");
    assert!(t.app.stack.is_empty());
}

#[test]
fn search_in_views() {
    let f = fixture();
    let mut t = tui(&f, 80, 24);
    t.keys("/kbuild<Enter>");
    assert!(
        t.app.list.rows[t.app.list.selected]
            .series
            .subject
            .contains("kbuild")
    );
    select(&mut t, "Frobnicator");
    t.keys("<Enter><Enter>/devm<Enter>");
    let s = t.screen();
    assert!(s.lines().nth(2).is_some_and(|l| l.contains("devm")), "{s}");
    t.keys("n");
    assert!(t.screen().contains("devm"));
}

#[test]
fn quit() {
    let f = fixture();
    let mut t = tui(&f, 80, 24);
    t.keys("<Enter>q");
    assert!(!t.app.quit, "q closes a view first");
    t.keys("q");
    assert!(t.app.quit);
    let mut t = tui(&f, 80, 24);
    t.keys("<Enter><Enter>Q");
    assert!(t.app.quit, "Q quits from anywhere");
}

#[test]
fn nothing_from_a_mail_reaches_the_terminal_as_a_control() {
    let f = fixture();
    let mut t = tui(&f, 100, 30);
    select(&mut t, "evil");
    let mut screens = vec![t.buffer()];
    for keys in ["<Enter>", "<Enter>", "q", "t"] {
        t.keys(keys);
        screens.push(t.buffer());
    }
    let mut seen_caret = false;
    for buf in &screens {
        for cell in buf.content() {
            assert!(
                !cell.symbol().chars().any(|c| c.is_control()),
                "control character in a cell: {:?}",
                cell.symbol()
            );
            seen_caret |= cell.symbol() == "^";
        }
    }
    assert!(seen_caret, "escapes are shown as ^[");
    t.keys("qq<Enter><Enter>");
    let s = t.screen();
    assert!(s.contains("^[[2J clear screen"), "{s}");
}

#[test]
fn wide_characters_keep_columns_aligned_and_long_subjects_are_cut() {
    let f = fixture();
    let mut t = tui(&f, 80, 24);
    let screen = t.screen();
    let rows: Vec<&str> = screen
        .lines()
        .skip(2)
        .filter(|l| l.contains("Mar 0"))
        .collect();
    assert!(rows.iter().any(|r| r.contains("山田")), "{screen}");
    let col = |r: &str| {
        let at = r.find("Mar 0").expect("date");
        unicode_width::UnicodeWidthStr::width(&r[..at])
    };
    let first = col(rows[0]);
    for r in &rows {
        assert_eq!(col(r), first, "date column moved in {r:?}");
        assert!(unicode_width::UnicodeWidthStr::width(*r) <= 80, "{r}");
    }
    assert!(rows.iter().any(|r| r.ends_with('…')), "{screen}");
}

#[test]
fn resizes_redraw_down_to_80x24_and_tiny_screens_do_not_panic() {
    let f = fixture();
    let mut t = tui(&f, 120, 40);
    select(&mut t, "Frobnicator");
    t.keys("<Enter>");
    let wide = t.screen();
    assert_eq!(wide.lines().count(), 40);
    t.event(Event::Resize(80, 24));
    insta::assert_snapshot!("thread_resized_80x24", t.screen());
    for (w, h) in [(20, 5), (1, 1), (80, 3)] {
        t.event(Event::Resize(w, h));
        let _ = t.screen();
        t.keys("<Enter>jkd");
        let _ = t.screen();
        t.keys("qq");
    }
}

#[test]
fn views_wait_for_workers_without_blocking() {
    let f = fixture();
    let mut t = tui(&f, 80, 24);
    select(&mut t, "Frobnicator");
    // A key only queues work: the view shows a spinner until it is done.
    let key = ratatui::crossterm::event::KeyEvent::new(
        ratatui::crossterm::event::KeyCode::Enter,
        ratatui::crossterm::event::KeyModifiers::NONE,
    );
    t.app.update(Event::Key(key));
    let pending = t.app.take_requests();
    assert_eq!(pending.len(), 1);
    assert!(t.app.busy());
    let s = t.screen();
    assert!(s.contains("gathering the thread"), "{s}");
    // An answer to a request no view waits for any more is dropped.
    t.app
        .update(Event::Key(ratatui::crossterm::event::KeyEvent::new(
            ratatui::crossterm::event::KeyCode::Char('q'),
            ratatui::crossterm::event::KeyModifiers::NONE,
        )));
    t.app
        .update(Event::Worker(putt_tui::event::Notification::Thread {
            seq: pending[0].seq(),
            rows: Vec::new(),
            infos: Vec::new(),
        }));
    assert!(t.app.stack.is_empty());
}

#[test]
fn keys_typed_ahead_of_a_loading_view_wait_for_it() {
    let f = fixture();
    let mut t = tui(&f, 80, 24);
    select(&mut t, "Frobnicator");
    let key = |c: ratatui::crossterm::event::KeyCode| {
        Event::Key(ratatui::crossterm::event::KeyEvent::new(
            c,
            ratatui::crossterm::event::KeyModifiers::NONE,
        ))
    };
    use ratatui::crossterm::event::KeyCode;
    // Enter (the thread loads), then j and Enter before it came.
    t.app.update(key(KeyCode::Enter));
    t.app.update(key(KeyCode::Char('j')));
    t.app.update(key(KeyCode::Enter));
    assert!(matches!(
        t.app.stack.last(),
        Some(putt_tui::app::View::Thread(_))
    ));
    t.settle();
    let s = t.screen();
    assert!(s.contains("[1/3] [PATCH v2 1/3]"), "{s}");
    // Esc is never held back.
    t.app.update(key(KeyCode::Esc));
    t.app.update(key(KeyCode::Enter));
    t.app.update(key(KeyCode::Esc));
    t.settle();
    assert!(matches!(
        t.app.stack.last(),
        Some(putt_tui::app::View::Thread(_))
    ));
}

#[test]
fn reply_opens_the_editor_then_asks_and_sends() {
    let f = fixture();
    let mut t = Headless::new(mail_options(&f), 160, 30).expect("starts");
    select(&mut t, "Frobnicator");
    // The cover of v2, then r: the editor ran, putt asks.
    t.keys("<Enter><Enter>r");
    let s = t.screen();
    assert!(
        s.contains("y: send, e: edit again, p: keep as draft, d: discard? Re: [PATCH v2 0/3] pwm: add Frobnicator PWM driver → Alice Developer"),
        "{s}"
    );
    assert_eq!(drafts_left(&f), 1, "the draft is on disk while asking");
    t.keys("y");
    let s = t.screen();
    assert!(s.contains("sent <"), "{s}");
    let sent = sent_mails(&f);
    assert_eq!(sent.len(), 1);
    let m = &sent[0];
    assert!(
        m.contains("From: \"Rita Reviewer\" <rita@example.org>"),
        "{m}"
    );
    assert!(m.contains("Subject: Re: [PATCH v2 0/3]"), "{m}");
    assert!(m.contains("In-Reply-To: <"), "{m}");
    assert!(m.contains("> "), "quoted: {m}");
    assert!(m.contains("Looks good to me."), "edited: {m}");
    assert_eq!(drafts_left(&f), 0, "a sent draft is gone");
    // g answers everyone; Esc at the question keeps the draft.
    t.keys("g<Esc>");
    let s = t.screen();
    assert!(s.contains("Draft kept: `putt drafts send"), "{s}");
    assert_eq!(drafts_left(&f), 1);
    // L answers the list; d discards.
    t.keys("L");
    assert!(t.screen().contains("demo@lists.example.org"));
    t.keys("d");
    assert!(t.screen().contains("Draft discarded."));
    assert_eq!(drafts_left(&f), 1, "the kept draft is still there");
    assert_eq!(sent_mails(&f).len(), 1);
}

#[test]
fn one_key_review_of_a_whole_series_goes_to_everyone() {
    let f = fixture();
    let mut t = Headless::new(mail_options(&f), 160, 30).expect("starts");
    select(&mut t, "Frobnicator");
    t.keys("R");
    let s = t.screen();
    assert!(
        s.contains("Review: r)eviewed-by a)cked-by t)ested-by? v2 of pwm: add Frobnicator PWM driver (the cover)"),
        "{s}"
    );
    // No editor for a review: straight to the question, trailer shown.
    t.keys("r");
    let s = t.screen();
    assert!(
        s.contains("Reviewed-by: Rita Reviewer <rita@example.org> on Re: [PATCH v2 0/3]"),
        "{s}"
    );
    t.keys("y");
    let sent = sent_mails(&f);
    assert_eq!(sent.len(), 1, "{}", t.screen());
    assert!(sent[0].contains("For the whole series:"), "{}", sent[0]);
    assert!(sent[0].contains("\nReviewed-by: Rita Reviewer <rita@example.org>"));
    assert!(!sent[0].contains("Looks good to me."), "no editor ran");
    // A series without a cover gets one review per patch.
    select(&mut t, "net: foo");
    t.keys("R");
    assert!(t.screen().contains("one per patch"), "{}", t.screen());
    t.keys("a");
    assert!(t.screen().contains("(1 more to go)"), "{}", t.screen());
    t.keys("pp");
    assert_eq!(drafts_left(&f), 2);
    // Anything but r/a/t sends nothing.
    t.keys("Rx");
    assert!(t.screen().contains("No review sent."));
}

#[test]
fn replying_without_an_identity_says_what_to_set() {
    let f = fixture();
    let mut t = tui(&f, 100, 24);
    select(&mut t, "Frobnicator");
    t.keys("r");
    let s = t.screen();
    assert!(s.contains("identity"), "{s}");
    assert_eq!(drafts_left(&f), 0);
}

#[test]
fn a_failing_send_keeps_the_draft() {
    let f = fixture();
    let mut o = mail_options(&f);
    o.config.send.command = Some("echo 'relay says no' >&2; exit 75".into());
    let mut t = Headless::new(o, 200, 24).expect("starts");
    select(&mut t, "kbuild");
    t.keys("ry");
    let s = t.screen();
    assert!(s.contains("relay says no"), "{s}");
    assert!(s.contains("the draft is kept in"), "{s}");
    assert_eq!(drafts_left(&f), 1);
}

/// A patch adding a file (it applies to any tree), with a review.
fn hello_patch() -> Vec<(String, i64)> {
    let t = putt_testkit::sample::START + 5 * 86_400;
    let patch = common::mail(
        "hello-1@example.org",
        "Hana Hacker <hana@example.org>",
        "[PATCH] docs: add a hello file",
        0,
        &[],
        "Say hello.\n\nSigned-off-by: Hana Hacker <hana@example.org>\n---\n Documentation/hello.txt | 1 +\n 1 file changed, 1 insertion(+)\n\ndiff --git a/Documentation/hello.txt b/Documentation/hello.txt\nnew file mode 100644\nindex 0000000..ce01362\n--- /dev/null\n+++ b/Documentation/hello.txt\n@@ -0,0 +1 @@\n+hello\n-- \n2.43.0\n",
    );
    let review = common::mail(
        "hello-2@example.org",
        "Carol Reviewer <carol@example.com>",
        "Re: [PATCH] docs: add a hello file",
        5,
        &["hello-1@example.org"],
        "> Say hello.\n\nReviewed-by: Carol Reviewer <carol@example.com>\n",
    );
    vec![(patch, t), (review, t + 300)]
}

/// A git repository to apply to.
fn kbuild_tree(f: &Fixture) -> PathBuf {
    let repo = f.root.join("kbuild-tree");
    std::fs::create_dir_all(repo.join("scripts")).expect("mkdir");
    std::fs::write(repo.join("scripts/Makefile.build"), "# build rules\n").expect("write");
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(&repo)
            .args(args)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .expect("git runs");
        assert!(out.status.success(), "git {args:?}: {out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["config", "user.name", "Mae Maintainer"]);
    git(&["config", "user.email", "mae@example.org"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "base"]);
    repo
}

fn git_out(repo: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn apply_asks_repo_and_branch_and_shows_the_report() {
    let f = fixture_with(hello_patch());
    let repo = kbuild_tree(&f);
    let mut o = options(&f);
    o.config.repos.insert("other".into(), f.root.clone());
    o.config.repos.insert("demo".into(), repo.clone());
    let mut t = Headless::new(o, 100, 24).expect("starts");
    select(&mut t, "hello file");
    // The repo named like the inbox is the default; the branch is b4's.
    t.keys("a");
    let s = t.screen();
    assert!(
        s.contains("Apply to repo (demo, other or a path): demo"),
        "{s}"
    );
    t.keys("<Enter>");
    let s = t.screen();
    assert!(
        s.contains("New branch: v1-20240101-docs-add-a-hello-file"),
        "{s}"
    );
    t.keys("<Enter>");
    let s = t.screen();
    assert!(
        s.contains("Applied 1 patch(es) on branch v1-20240101"),
        "{s}"
    );
    assert!(
        s.contains("+ Reviewed-by: Carol"),
        "the report lists trailers: {s}"
    );
    let log = git_out(
        &repo,
        &[
            "log",
            "--format=%s%n%b",
            "-1",
            "v1-20240101-docs-add-a-hello-file",
        ],
    );
    assert!(log.contains("docs: add a hello file"), "{log}");
    assert!(log.contains("Reviewed-by: Carol Reviewer"), "{log}");
    git_out(&repo, &["checkout", "-q", "main"]);
    // A series that does not apply: named, and the repo is as it was.
    let head = git_out(&repo, &["rev-parse", "HEAD"]);
    t.keys("q");
    select(&mut t, "Frobnicator");
    t.keys("a<Enter><Enter>");
    let s = t.screen();
    assert!(s.contains("does not apply"), "{s}");
    assert!(s.contains("Failed:"), "{s}");
    assert_eq!(git_out(&repo, &["rev-parse", "HEAD"]), head);
    assert!(git_out(&repo, &["status", "--porcelain"]).is_empty());
}

#[test]
fn export_writes_an_am_ready_mbox() {
    let f = fixture();
    let mut t = tui(&f, 100, 24);
    select(&mut t, "Frobnicator");
    t.keys("e");
    let s = t.screen();
    assert!(
        s.contains("Export mbox to: ./v2-20240306-pwm-add-frobnicator-pwm-driver.mbx"),
        "{s}"
    );
    let path = f.root.join("frob.mbx");
    t.keys(&format!("<C-u>{}<Enter>", path.display()));
    let s = t.screen();
    assert!(s.contains("Wrote 3 patch(es)"), "{s}");
    let mbox = std::fs::read_to_string(&path).expect("mbox written");
    assert_eq!(mbox.matches("\nSubject: [PATCH v2 ").count(), 3, "{mbox}");
    assert!(mbox.contains("Reviewed-by:"), "{mbox}");
    // Esc leaves a prompt without doing anything.
    t.keys("a<Esc>");
    assert!(t.app.prompt.is_none());
}

#[test]
fn user_keys_override_defaults() {
    let f = fixture();
    let mut o = options(&f);
    o.config.keys.insert(
        "series_list".into(),
        [
            ("J".to_string(), "down".to_string()),
            ("j".to_string(), "none".to_string()),
        ]
        .into_iter()
        .collect(),
    );
    let mut t = Headless::new(o, 80, 24).expect("starts");
    t.keys("J");
    assert_eq!(t.app.list.selected, 1);
    t.keys("j");
    assert_eq!(t.app.list.selected, 1);
    t.keys("?");
    assert!(t.screen().contains("J "), "help shows the user's key");
    let mut o = options(&f);
    o.config.keys.insert(
        "message".into(),
        [("x".to_string(), "explode".to_string())]
            .into_iter()
            .collect(),
    );
    let err = Headless::new(o, 80, 24)
        .err()
        .expect("unknown action")
        .to_string();
    assert!(
        err.contains("explode") && err.contains("keys.message"),
        "{err}"
    );
}

#[test]
fn every_theme_file_loads_and_sets_every_role() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("themes/") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let name = path.file_stem().and_then(|s| s.to_str()).expect("name");
        let builtin = putt_tui::theme::Theme::builtin(name)
            .unwrap_or_else(|e| panic!("themes/{name}.toml is not built in: {e}"));
        assert!(
            builtin.missing_roles().is_empty(),
            "themes/{name}.toml misses {:?}",
            builtin.missing_roles()
        );
        // And the file on disk is what is embedded.
        let on_disk = putt_tui::theme::Theme::load(name, Some(&dir)).expect("loads from disk");
        for role in putt_tui::theme::ROLES {
            assert_eq!(on_disk.style(role), builtin.style(role), "{name} {role}");
        }
        n += 1;
    }
    assert!(n >= 3, "at least dark, light and 16color");
}

#[test]
fn a_theme_is_chosen_in_the_config() {
    let f = fixture();
    let mut o = options(&f);
    o.config.tui.theme = Some("16color".into());
    let mut t = Headless::new(o, 80, 24).expect("starts");
    assert_eq!(t.app.theme.name, "16color");
    let _ = t.screen();
    let mut o = options(&f);
    o.config.tui.theme = Some("solarized-nope".into());
    let err = Headless::new(o, 80, 24)
        .err()
        .expect("unknown theme")
        .to_string();
    assert!(err.contains("solarized-nope"), "{err}");
}

/// Pages: a list longer than a page pages in as the cursor moves down.
#[test]
fn the_list_pages_in_on_scroll() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inbox = dir.path().join("inbox");
    let mut w = putt_testkit::write::V2Writer::open(&inbox).expect("writer");
    for i in 0..60 {
        let raw = common::mail(
            &format!("p{i}@x"),
            "A U Thor <author@example.org>",
            &format!("[PATCH] topic {i}: change thing {i}"),
            i * 60,
            &[],
            &common::patch_body("m", &format!("f{i}.c"), "a", "b"),
        );
        w.add(raw.as_bytes(), common::at(i * 60)).expect("add");
    }
    drop(w);
    let index = Index::open_or_create(&dir.path().join("index")).expect("index");
    let found = putt_store::archive::Inbox::open("many", &inbox).expect("inbox");
    update(&index, &[found], &IndexOptions::default(), &mut |_| {}).expect("indexed");
    let mut config = Config::default();
    config.inboxes.push(InboxConfig {
        name: "many".into(),
        path: inbox,
        url: None,
    });
    let mut o = Options::new(
        config,
        dir.path().join("index"),
        &putt_ops::Clock::from_env(),
    );
    o.data_dir = dir.path().join("data");
    o.index_on_start = false;
    o.first_page = 10;
    o.next_page = 10;
    let mut t = Headless::new(o, 80, 24).expect("starts");
    // Pages come in until the screen (21 rows) is full, not further.
    assert_eq!(t.app.list.rows.len(), 30);
    assert!(t.app.list.more);
    assert!(t.screen().contains("1/30+ series"));
    let mut presses = 0;
    while t.app.list.more && presses < 10 {
        t.keys("G");
        presses += 1;
    }
    assert_eq!(t.app.list.rows.len(), 60);
    t.keys("G");
    assert_eq!(t.app.list.selected, 59);
    let s = t.screen();
    assert!(s.contains("60/60 series"), "{s}");
    // Newest first, no series twice.
    let mut ids: Vec<&str> = t
        .app
        .list
        .rows
        .iter()
        .map(|r| r.series.id.as_str())
        .collect();
    ids.dedup();
    assert_eq!(ids.len(), 60);
    assert!(t.app.list.rows[0].series.subject.contains("topic 59"));
    // A new query starts with a screenful again, not as deep as the last.
    t.keys("ls:topic<Enter>");
    assert_eq!(t.app.list.rows.len(), 30);
    assert!(t.screen().contains("1/30+ series"));
}

/// README.md's keys table is the default keymap's (regenerate it with
/// `PUTT_UPDATE_README=1 cargo test --test tui readme`).
#[test]
fn readme_keys_table_matches_the_keymap() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md");
    let (start, end) = ("<!-- keys:start -->\n", "<!-- keys:end -->");
    let a = readme.find(start).expect("keys:start marker") + start.len();
    let b = readme.find(end).expect("keys:end marker");
    let table = putt_tui::keymap::Keymap::default().markdown();
    if std::env::var_os("PUTT_UPDATE_README").is_some() {
        let updated = format!("{}{table}{}", &readme[..a], &readme[b..]);
        std::fs::write(&path, updated).expect("write README.md");
        return;
    }
    assert_eq!(
        readme[a..b],
        table,
        "README.md's keys table is stale: PUTT_UPDATE_README=1 cargo test --test tui readme"
    );
}

/// The real binary in a real terminal (tmux): start, open, interdiff,
/// reply through the editor, quit; the terminal is restored after.
mod in_tmux {
    use super::*;
    use std::process::Command;
    use std::time::{Duration, Instant};

    struct Tmux {
        socket: PathBuf,
    }

    impl Tmux {
        fn run(&self, args: &[&str]) -> String {
            let out = Command::new("tmux")
                .arg("-S")
                .arg(&self.socket)
                .args(args)
                .output()
                .expect("tmux runs");
            String::from_utf8_lossy(&out.stdout).into_owned()
        }

        fn screen(&self) -> String {
            self.run(&["capture-pane", "-p", "-t", "t"])
        }

        fn keys(&self, keys: &[&str]) {
            let mut args = vec!["send-keys", "-t", "t"];
            args.extend_from_slice(keys);
            self.run(&args);
        }

        fn text(&self, text: &str) {
            self.run(&["send-keys", "-t", "t", "-l", text]);
        }

        /// Waits (up to 20 s) for the screen to contain `what`.
        fn wait_for(&self, what: &str) -> String {
            let start = Instant::now();
            loop {
                let s = self.screen();
                if s.contains(what) {
                    return s;
                }
                assert!(
                    start.elapsed() < Duration::from_secs(20),
                    "waited 20 s for {what:?}; the screen:\n{s}"
                );
                std::thread::sleep(Duration::from_millis(30));
            }
        }
    }

    impl Drop for Tmux {
        fn drop(&mut self) {
            let _ = Command::new("tmux")
                .arg("-S")
                .arg(&self.socket)
                .arg("kill-server")
                .output();
        }
    }

    #[test]
    fn the_binary_in_tmux() {
        if Command::new("tmux").arg("-V").output().is_err() {
            eprintln!("skipped: tmux is not installed (.ci/run installs it)");
            return;
        }
        let f = fixture();
        let cfg = f.root.join("config.toml");
        std::fs::write(
            &cfg,
            format!(
                "[[inbox]]\nname = \"demo\"\npath = \"{}\"\n\n[identity]\nname = \"Rita Reviewer\"\nemail = \"rita@example.org\"\n\n[filters]\npwm = \"s:pwm\"\n",
                f.root.join("inbox").display()
            ),
        )
        .expect("config");
        let editor = f.root.join("editor.sh");
        std::fs::write(&editor, "printf 'Nice.\\n' >> \"$1\"\n").expect("editor");
        let now = putt_testkit::sample::START + 10 * 86_400;
        let cmd = format!(
            "env PUTT_NOW={now} PUTT_DATA_DIR={data} EDITOR='sh {editor}' NO_COLOR= {bin} --config {cfg} --index-dir {idx}; echo putt exited $?; sleep 30",
            data = f.root.join("data").display(),
            editor = editor.display(),
            bin = env!("CARGO_BIN_EXE_putt"),
            cfg = cfg.display(),
            idx = f.root.join("index").display(),
        );
        let t = Tmux {
            socket: f.root.join("tmux.sock"),
        };
        t.run(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            "80",
            "-y",
            "24",
            &cmd,
        ]);
        let s = t.wait_for("1/7 series");
        assert!(s.contains("pwm: add Frobnicator PWM"), "{s}");
        assert!(s.contains("q:Quit"), "{s}");
        // Limit, open, walk, interdiff.
        t.keys(&["l"]);
        t.wait_for("Limit to:");
        t.text("s:frobnicator");
        t.keys(&["Enter"]);
        t.wait_for("limit: s:frobnicator");
        t.keys(&["Enter"]);
        t.wait_for("Thread of v2");
        t.keys(&["Enter"]);
        t.wait_for("[0/3]");
        t.keys(&["]"]);
        t.wait_for("[1/3]");
        t.keys(&["q", "q", "d"]);
        let s = t.wait_for("2: ! 2: pwm: frob: add driver");
        assert!(s.contains("Interdiff v1 → v2"), "{s}");
        // A reply: the editor runs on the real terminal, then putt asks.
        t.keys(&["q", "Enter", "Tab", "r"]);
        let s = t.wait_for("y: send");
        assert!(s.contains("Re: [PATCH v2"), "{s}");
        t.keys(&["p"]);
        t.wait_for("Draft kept");
        let drafts = std::fs::read_dir(f.root.join("data/drafts"))
            .expect("drafts dir")
            .map(|e| std::fs::read_to_string(e.expect("entry").path()).expect("draft"))
            .collect::<Vec<_>>();
        assert_eq!(drafts.len(), 1);
        assert!(drafts[0].contains("Nice."), "{}", drafts[0]);
        // A resize redraws; quitting gives the terminal back.
        t.run(&["resize-window", "-t", "t", "-x", "100", "-y", "30"]);
        t.wait_for("Thread of v2");
        t.keys(&["Q"]);
        let s = t.wait_for("putt exited 0");
        assert!(
            !s.contains("Thread of v2"),
            "the alternate screen is left: {s}"
        );
    }
}

/// `options` with rules, a check and a saved filter with an `is:` term,
/// and what `putt check` would have left: build failed on the Frobnicator
/// series' v2 and passed on its v1.
fn workflow_options(f: &Fixture) -> Options {
    let mut o = options(f);
    let rule = |name: &str, when: &str, hide: bool| putt_store::config::RuleConfig {
        name: name.into(),
        when: when.into(),
        hide,
    };
    o.config.rules = vec![
        rule("ready", "review >= 1 AND NOT nak", false),
        rule("tested", "tested-by >= 1", false),
        rule("pull", "pull", true),
    ];
    o.config
        .checks
        .push(toml::from_str("name = \"build\"\ncommand = \"make\"").expect("check config"));
    o.config
        .filters
        .insert("todo".into(), "is:ready NOT is:tested".into());
    std::fs::create_dir_all(f.root.join("checks")).expect("mkdir");
    let record = |version: u32, revision: &str, status: &str, summary: &str| {
        serde_json::json!({
            "check": "build",
            "series": "x",
            "version": version,
            "revision": revision,
            "subject": "pwm: add Frobnicator PWM driver",
            "status": status,
            "summary": summary,
            "run": format!("r{version}"),
            "started": putt_testkit::sample::START,
        })
        .to_string()
    };
    std::fs::write(
        f.root.join("checks/journal.jsonl"),
        format!(
            "{}\n{}\n",
            record(
                1,
                "20240304090000.1000-0-alice@example.org",
                "success",
                "built"
            ),
            record(
                2,
                "20240306080000.3000-0-alice@example.org",
                "fail",
                "error: frob undeclared"
            ),
        ),
    )
    .expect("journal");
    o
}

fn row<'a>(screen: &'a str, needle: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no row {needle} in\n{screen}"))
}

#[test]
fn no_check_column_until_putt_check_ran() {
    let f = fixture();
    let mut t = tui(&f, 100, 24);
    let s = t.screen();
    assert!(
        s.lines().nth(1).expect("header").contains("  T Date"),
        "{s}"
    );
}

#[test]
fn the_list_shows_check_status_and_rules_and_hides_what_a_rule_hides() {
    let f = fixture();
    let mut t = Headless::new(workflow_options(&f), 100, 24).expect("starts");
    let s = t.screen();
    insta::assert_snapshot!("list_with_rules_and_checks", s);
    assert!(s.lines().nth(1).expect("header").contains(" T C "), "{s}");
    assert!(
        row(&s, "Frobnicator").contains("  1  1  1 F "),
        "{}",
        row(&s, "Frobnicator")
    );
    assert!(row(&s, "Frobnicator").contains("[ready tested] pwm: add Frobnicator"));
    assert!(row(&s, "kbuild").contains("  0  1  0 - "));
    assert!(row(&s, "kbuild").contains("[ready] kbuild: fix typo"));
    assert!(!row(&s, "net: foo").contains('['));
    // The pull request is hidden by the `pull` rule, and the status line
    // counts it.
    assert!(!s.contains("pwm fixes"), "{s}");
    assert_eq!(t.app.list.rows.len(), 6);
    assert!(row(&s, "-- putt").contains("│ 1 hidden"), "{s}");
}

#[test]
fn limit_and_saved_filters_take_is_and_check_terms() {
    let f = fixture();
    let mut t = Headless::new(workflow_options(&f), 100, 24).expect("starts");
    let subjects = |t: &Headless| -> Vec<String> {
        t.app
            .list
            .rows
            .iter()
            .map(|r| r.series.subject.clone())
            .collect()
    };
    t.keys("lis:ready<Enter>");
    assert_eq!(
        subjects(&t),
        [
            "pwm: add Frobnicator PWM driver",
            "kbuild: fix typo in Makefile.build comment"
        ]
    );
    assert!(t.screen().contains("limit: is:ready"));
    t.keys("l<C-u>check:build:fail<Enter>");
    assert_eq!(subjects(&t), ["pwm: add Frobnicator PWM driver"]);
    t.keys("l<C-u>s:kbuild NOT check:fail<Enter>");
    assert_eq!(subjects(&t), ["kbuild: fix typo in Makefile.build comment"]);
    // Naming a hiding rule shows what it hides.
    t.keys("l<C-u>is:pull<Enter>");
    assert_eq!(subjects(&t), ["pwm fixes for v6.9-rc3"]);
    assert!(!t.screen().contains("hidden"));
    // `putt series`'s errors, and the limit stays.
    t.keys("l<C-u>is:redy<Enter>");
    let s = t.screen();
    assert!(s.contains("Bad query: no rule or state `redy`"), "{s}");
    assert_eq!(t.app.list.limit.as_deref(), Some("is:pull"));
    t.keys("l<C-u>check:biuld:fail<Enter>");
    assert!(t.screen().contains("no check `biuld`"));
    // A state set here is what `is:` sees.
    t.keys("<Esc>");
    select(&mut t, "net: foo");
    t.keys("sw");
    t.keys("lis:waiting<Enter>");
    assert_eq!(subjects(&t), ["net: foo: use dev_err_probe()"]);
    // A saved filter with series terms, ANDed with a limit.
    t.keys("<Esc>");
    while !t.screen().contains("filter: todo") {
        t.keys("f");
    }
    assert_eq!(subjects(&t), ["kbuild: fix typo in Makefile.build comment"]);
    t.keys("ls:pwm<Enter>");
    let s = t.screen();
    assert!(s.contains("No series match"), "{s}");
}

#[test]
fn a_saved_filter_that_is_not_a_query_stops_the_tui_naming_it() {
    let f = fixture();
    let mut o = workflow_options(&f);
    o.config.filters.insert("broken".into(), "is:nope".into());
    let err = Headless::new(o, 80, 24)
        .err()
        .expect("a bad filter")
        .to_string();
    assert!(err.contains("[filters] `broken`"), "{err}");
    assert!(err.contains("no rule or state `nope`"), "{err}");
    let mut o = workflow_options(&f);
    o.config.rules[0].when = "review >= ".into();
    let err = Headless::new(o, 80, 24)
        .err()
        .expect("a bad rule")
        .to_string();
    assert!(err.contains("`ready`"), "{err}");
}

#[test]
fn the_series_view_shows_rules_and_checks_per_revision() {
    let f = fixture();
    let mut t = Headless::new(workflow_options(&f), 80, 24).expect("starts");
    select(&mut t, "Frobnicator");
    t.keys("<Enter>");
    let s = t.screen();
    insta::assert_snapshot!("thread_with_rules_and_checks", s);
    assert!(row(&s, ">v2").contains("T1 F new"), "{s}");
    assert!(row(&s, ">v2").contains("[ready tested]"), "{s}");
    assert!(row(&s, " v1   ").contains("T0 S superseded [ready]"), "{s}");
    assert!(s.contains("v2 rules: ready, tested"), "{s}");
    assert!(
        s.contains("v2 check build: fail  error: frob undeclared"),
        "{s}"
    );
    // The older revision's, once shown.
    t.keys("<Tab>k");
    let s = t.screen();
    assert!(s.contains("v1 check build: success  built"), "{s}");
    assert!(s.contains("v1 rules: ready"), "{s}");
    assert!(s.contains("Thread of v1"), "{s}");
}

/// The refresh at start logs what it found, as `putt index` does, and a
/// state set in the TUI is logged as `putt state` logs it.
#[test]
fn the_refresh_and_state_changes_reach_the_event_log() {
    let f = fixture();
    let mut w = putt_testkit::write::V2Writer::open(&f.root.join("inbox")).expect("writer");
    let raw = common::mail(
        "late-1@example.org",
        "A U Thor <author@example.org>",
        "[PATCH] late: a series that came while putt was closed",
        60,
        &[],
        &common::patch_body("m", "lib/late.c", "a", "b"),
    );
    w.add(raw.as_bytes(), common::at(60)).expect("add");
    drop(w);
    let mut o = options(&f);
    o.index_on_start = true;
    let mut t = Headless::new(o, 100, 24).expect("starts");
    let s = t.screen();
    assert!(s.contains("late: a series that came"), "{s}");
    let log = || std::fs::read_to_string(f.root.join("events/events.jsonl")).unwrap_or_default();
    let events: Vec<serde_json::Value> = log()
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["type"], "series.new");
    assert_eq!(events[0]["revision"], "late-1@example.org");
    select(&mut t, "late:");
    t.keys("sr");
    let last: serde_json::Value =
        serde_json::from_str(log().lines().last().expect("an event")).expect("json");
    assert_eq!(last["type"], "state.changed");
    assert_eq!(last["from"], "new");
    assert_eq!(last["to"], "reviewing");
    assert_eq!(last["seq"], 2);
}

/// A revision sent in reply to mail the archive lacks: its thread shows
/// the missing parent as a placeholder, and the cursor starts on the first
/// message there is, so Enter opens it.
#[test]
fn the_thread_cursor_starts_on_a_message_the_archive_holds() {
    let time = putt_testkit::sample::START + 5 * 86_400;
    let date = chrono::DateTime::from_timestamp(time, 0)
        .expect("time")
        .to_rfc2822();
    let raw = format!(
        "From: Olga Orphan <olga@example.org>\nTo: demo@lists.example.org\nSubject: [PATCH v3] widget: fix the frame count\nDate: {date}\nMessage-ID: <widget-v3@example.org>\nIn-Reply-To: <widget-v2@example.org>\nReferences: <widget-v2@example.org>\nList-Id: <demo.lists.example.org>\n\nCount frames from one.\n\nSigned-off-by: Olga Orphan <olga@example.org>\n---\n widget.c | 2 +-\n\ndiff --git a/widget.c b/widget.c\nindex 1111111..2222222 100644\n--- a/widget.c\n+++ b/widget.c\n@@ -1,3 +1,3 @@ int frames(void)\n ctx\n-\treturn 0;\n+\treturn 1;\n ctx\n"
    );
    let f = fixture_with(vec![(raw, time)]);
    let mut t = tui(&f, 100, 30);
    select(&mut t, "fix the frame count");
    t.keys("<Enter>");
    let s = t.screen();
    assert!(
        s.contains("(not in the archive) <widget-v2@example.org>"),
        "{s}"
    );
    t.keys("<Enter>");
    let s = t.screen();
    assert!(s.contains("Message-ID: <widget-v3@example.org>"), "{s}");
    assert!(s.contains("Count frames from one."), "{s}");
}

/// `putt` itself, on the fixture's inbox, index and data (state, events).
fn putt_cli(f: &Fixture, args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_putt"))
        .env("PUTT_DATA_DIR", &f.root)
        .env("PUTT_CONFIG", f.root.join("config.toml"))
        .env("HOME", &f.root)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env_remove("PUTT_NOW")
        .arg("--index-dir")
        .arg(f.root.join("index"))
        .arg("--inbox")
        .arg(f.root.join("inbox"))
        .args(args)
        .output()
        .expect("run putt");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn state_set_from_a_shell_shows_on_refresh_and_a_tui_change_starts_from_it() {
    let f = fixture();
    let mut t = tui(&f, 100, 24);
    select(&mut t, "Frobnicator");
    let id = t.app.list.rows[t.app.list.selected].series.id.clone();
    let row = |t: &mut Headless| {
        t.screen()
            .lines()
            .find(|l| l.contains("Frobnicator"))
            .map(str::to_string)
            .expect("row")
    };
    assert!(row(&mut t).contains("new"), "{}", row(&mut t));

    // Another process sets it while the TUI is open.
    let (code, _, err) = putt_cli(&f, &["state", &id, "accepted"]);
    assert_eq!(code, 0, "{err}");
    t.keys("$");
    let shown = row(&mut t);
    assert!(
        shown.contains("acc"),
        "the refresh shows the shell's state: {shown}"
    );

    // A change in the TUI is logged from what is stored.
    select(&mut t, "Frobnicator");
    t.keys("sw");
    let log = std::fs::read_to_string(f.root.join("events/events.jsonl")).expect("log");
    let last: serde_json::Value =
        serde_json::from_str(log.lines().last().expect("an event")).expect("json");
    assert_eq!(last["type"], "state.changed");
    assert_eq!(last["from"], "accepted", "{log}");
    assert_eq!(last["to"], "waiting");

    // Even with no refresh in between: the shell sets it again, the TUI
    // changes it at once.
    let (code, _, err) = putt_cli(&f, &["state", &id, "rejected"]);
    assert_eq!(code, 0, "{err}");
    t.keys("sr");
    let log = std::fs::read_to_string(f.root.join("events/events.jsonl")).expect("log");
    let last: serde_json::Value =
        serde_json::from_str(log.lines().last().expect("an event")).expect("json");
    assert_eq!(last["from"], "rejected", "{log}");
    assert_eq!(last["to"], "reviewing");
    let (_, out, _) = putt_cli(&f, &["state", &id]);
    assert!(out.contains("reviewing"), "{out}");
}

/// `+` on one series then on another makes the second a later revision of
/// the first; `U` in the thread view splits a revision off. Both are the
/// user's corrections: kept on disk, shown as such.
#[test]
fn link_and_unlink_series_from_the_tui() {
    let f = fixture();
    let mut t = tui(&f, 100, 30);
    let rows = t.app.list.rows.len();
    select(&mut t, "typo in Makefile.build");
    t.keys("+");
    let s = t.screen();
    assert!(s.contains("marked: + on another series"), "{s}");
    select(&mut t, "dev_err_probe");
    t.keys("+");
    let s = t.screen();
    assert!(s.contains("a later revision of"), "{s}");
    t.keys("y");
    let s = t.screen();
    assert!(s.contains("Linked: series"), "{s}");
    assert_eq!(t.app.list.rows.len(), rows - 1, "{s}");
    assert!(!s.contains("typo in Makefile.build"), "{s}");
    select(&mut t, "dev_err_probe");
    t.keys("<Enter>");
    let s = t.screen();
    assert!(
        s.contains("Revisions (2) · v1 follows v1 (linked by you)"),
        "{s}"
    );
    assert!(row(&s, " v1   ").contains("kbuild: fix typo"), "{s}");
    t.keys("q");

    select(&mut t, "Frobnicator");
    t.keys("<Enter>U");
    let s = t.screen();
    assert!(s.contains("Split v2 off this series? (y/n)"), "{s}");
    t.keys("y");
    let s = t.screen();
    assert!(s.contains("Split: series"), "{s}");
    drop(t);
    // A new session sees both corrections.
    let mut t = tui(&f, 100, 30);
    let s = t.screen();
    assert_eq!(
        s.lines().filter(|l| l.contains("Frobnicator")).count(),
        2,
        "{s}"
    );
    assert_eq!(t.app.list.rows.len(), rows, "{s}");
    select(&mut t, "Frobnicator");
    t.keys("<Enter>");
    let s = t.screen();
    assert!(s.contains("Revisions (1) · v2 split off by you"), "{s}");
}
