//! Replies as the list will see them: composed, written, parsed back with
//! mail-parser header by header; threaded into a fixture inbox so their
//! trailers land on the right patches; sent through fake sendmail scripts
//! (one that records, one that fails); hostile originals that try to inject
//! headers; and `putt reply` / `putt drafts` as a user runs them.

mod common;

use std::path::{Path, PathBuf};

use common::{T0, at, mail, patch_body, putt, run};
use mail_parser::{HeaderName, MessageParser, MimeHeaders};
use putt_store::archive::Inbox;
use putt_store::config::Identity;
use putt_store::index::Index;
use putt_store::index::build::{self, IndexOptions};
use putt_store::mail::Addr;
use putt_store::reply::{
    self, ComposeOptions, Draft, Drafts, Mode, Review, SendOptions, SendOutcome,
};
use putt_store::series::Via;
use putt_store::series::gather::series_by_key;
use putt_store::trailers::TrailerKind;
use putt_testkit::write::V2Writer;

fn ada() -> Identity {
    Identity {
        name: "Ada Reviewer".into(),
        email: "ada@example.org".into(),
        alternates: vec!["ada@work.example".into()],
    }
}

/// A day after T0, seed 42.
fn opts() -> ComposeOptions {
    ComposeOptions::pinned(T0 + 86_400, 42)
}

fn parse(bytes: &[u8]) -> mail_parser::Message<'_> {
    MessageParser::default().parse(bytes).expect("parses")
}

/// `(name, address)` pairs of an address header.
fn addrs(m: &mail_parser::Message<'_>, name: HeaderName<'static>) -> Vec<(String, String)> {
    m.headers()
        .iter()
        .filter(|h| h.name == name)
        .filter_map(|h| h.value.as_address())
        .flat_map(|a| a.iter())
        .map(|a| {
            (
                a.name().unwrap_or_default().to_string(),
                a.address().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(n, a)| (n.to_string(), a.to_string()))
        .collect()
}

/// The header section of raw mail, and each header's name.
fn header_names(raw: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(raw);
    let head = text.split("\n\n").next().unwrap_or_default().to_string();
    head.lines()
        .filter(|l| !l.starts_with(' ') && !l.starts_with('\t'))
        .map(|l| l.split(':').next().unwrap_or_default().to_ascii_lowercase())
        .collect()
}

/// A patch from Alice to the list, Cc Bob and Ada, in a thread.
fn alice_patch() -> String {
    let raw = mail(
        "patch2@example.org",
        "Alice Developer <alice@example.org>",
        "[PATCH v2 2/3] pwm: frob: add driver",
        0,
        &["cover@example.org"],
        &patch_body(
            "pwm: frob: add driver\n\nThe Frobnicator has four channels.",
            "drivers/pwm/pwm-frob.c",
            "return 0;",
            "return frob(dev);",
        ),
    );
    raw.replacen(
        "To: list@example.org\n",
        "To: list@example.org\nCc: Bob Maintainer <bob@example.org>, Ada Reviewer <ADA@example.org>\n",
        1,
    )
}

#[test]
fn group_reply_parses_back_header_by_header() {
    let original = alice_patch();
    let draft = reply::compose(original.as_bytes(), Mode::All, &ada(), &opts()).expect("compose");
    let raw = draft.to_bytes().expect("bytes");
    assert!(!raw.contains(&b'\r'), "stored and piped without CR");
    let m = parse(&raw);

    assert_eq!(
        addrs(&m, HeaderName::From),
        pairs(&[("Ada Reviewer", "ada@example.org")])
    );
    assert_eq!(
        addrs(&m, HeaderName::To),
        pairs(&[("Alice Developer", "alice@example.org")])
    );
    // Everyone else, once each, without yourself (any case).
    assert_eq!(
        addrs(&m, HeaderName::Cc),
        pairs(&[
            ("", "list@example.org"),
            ("Bob Maintainer", "bob@example.org")
        ])
    );
    assert_eq!(
        m.subject(),
        Some("Re: [PATCH v2 2/3] pwm: frob: add driver")
    );
    assert_eq!(
        m.in_reply_to().as_text_list().map(|v| v.to_vec()),
        Some(vec!["patch2@example.org".into()])
    );
    assert_eq!(
        m.references().as_text_list().map(|v| v.to_vec()),
        Some(vec![
            "cover@example.org".into(),
            "patch2@example.org".into()
        ])
    );
    let mid = m.message_id().expect("Message-ID");
    assert_eq!(mid, draft.message_id);
    assert!(
        mid.starts_with("20240102000000.") && mid.ends_with("@example.org"),
        "{mid}"
    );
    let date = m.date().expect("Date");
    assert_eq!(date.to_timestamp(), T0 + 86_400);
    assert_eq!(m.header_raw("MIME-Version").map(str::trim), Some("1.0"));
    let ct = m.content_type().expect("Content-Type");
    assert_eq!((ct.ctype(), ct.subtype()), ("text", Some("plain")));
    assert_eq!(ct.attribute("charset"), Some("utf-8"));
    assert_eq!(
        m.header_raw("Content-Transfer-Encoding").map(str::trim),
        Some("7bit")
    );
    // Each header once.
    let names = header_names(&raw);
    for name in [
        "from",
        "to",
        "cc",
        "subject",
        "date",
        "message-id",
        "in-reply-to",
        "references",
    ] {
        assert_eq!(
            names.iter().filter(|n| *n == name).count(),
            1,
            "{name} in {names:?}"
        );
    }

    // Attribution, then the patch quoted whole, every line.
    let body = m.body_text(0).expect("body");
    let mut lines = body.lines();
    assert_eq!(
        lines.next(),
        Some("On Mon, Jan 01, 2024 at 12:00:00AM +0000, Alice Developer wrote:")
    );
    let original_body = original.split_once("\n\n").expect("body").1;
    for (quoted, line) in lines.zip(original_body.trim_end().lines()) {
        if line.is_empty() {
            assert_eq!(quoted, ">");
        } else {
            assert_eq!(quoted, format!("> {line}"));
        }
    }
    assert!(
        body.contains("\n> -return 0;\n> +return frob(dev);\n"),
        "{body}"
    );
}

#[test]
fn sender_reply_honours_reply_to_and_own_mail_goes_to_its_recipients() {
    let original = alice_patch().replacen(
        "Subject:",
        "Reply-To: Alice at Work <alice@work.example>\nSubject:",
        1,
    );
    let d = reply::compose(original.as_bytes(), Mode::Sender, &ada(), &opts()).expect("compose");
    assert_eq!(
        d.to,
        vec![Addr {
            name: "Alice at Work".into(),
            addr: "alice@work.example".into()
        }]
    );
    assert!(d.cc.is_empty());

    // Your own mail (from an alternate address): answer its recipients.
    let mine = mail(
        "mine@example.org",
        "Ada Reviewer <ada@work.example>",
        "Re: Re: RE: question",
        0,
        &[],
        "text\n",
    )
    .replacen(
        "To: list@example.org\n",
        "To: list@example.org\nCc: Bob <bob@example.org>, ada@example.org\n",
        1,
    );
    let d = reply::compose(mine.as_bytes(), Mode::Sender, &ada(), &opts()).expect("compose");
    assert_eq!(
        d.to.iter().map(|a| a.addr.as_str()).collect::<Vec<_>>(),
        ["list@example.org"]
    );
    assert_eq!(d.subject, "Re: question", "one Re:, never Re: Re:");
    let d = reply::compose(mine.as_bytes(), Mode::All, &ada(), &opts()).expect("compose");
    assert_eq!(
        d.to.iter().map(|a| a.addr.as_str()).collect::<Vec<_>>(),
        ["list@example.org"]
    );
    assert_eq!(
        d.cc.iter().map(|a| a.addr.as_str()).collect::<Vec<_>>(),
        ["bob@example.org"]
    );
}

#[test]
fn group_reply_honours_mail_followup_to() {
    let original = alice_patch().replacen(
        "Subject:",
        "Mail-Followup-To: list@example.org, alice@example.org\nSubject:",
        1,
    );
    let d = reply::compose(original.as_bytes(), Mode::All, &ada(), &opts()).expect("compose");
    let to: Vec<&str> = d.to.iter().map(|a| a.addr.as_str()).collect();
    assert_eq!(to, ["list@example.org", "alice@example.org"]);
    assert!(d.cc.is_empty());
}

#[test]
fn list_reply_finds_the_list() {
    // By List-Id: `test.example.org` names test@example.org.
    let original = alice_patch().replacen("To: list@example.org", "To: test@example.org", 1);
    let d = reply::compose(original.as_bytes(), Mode::List, &ada(), &opts()).expect("compose");
    assert_eq!(
        d.to.iter().map(|a| a.addr.as_str()).collect::<Vec<_>>(),
        ["test@example.org"]
    );
    assert!(d.cc.is_empty());
    // By List-Post.
    let original = alice_patch().replacen(
        "Subject:",
        "List-Post: <mailto:posting@lists.example.org?subject=x>\nSubject:",
        1,
    );
    let d = reply::compose(original.as_bytes(), Mode::List, &ada(), &opts()).expect("compose");
    assert_eq!(
        d.to.iter().map(|a| a.addr.as_str()).collect::<Vec<_>>(),
        ["posting@lists.example.org"]
    );
    // Neither: a clear error, not a reply to the wrong people.
    let err = reply::compose(alice_patch().as_bytes(), Mode::List, &ada(), &opts())
        .expect_err("no list address");
    assert!(err.to_string().contains("no list address"), "{err}");
}

#[test]
fn non_ascii_is_encoded_in_headers_and_8bit_in_the_body() {
    let original = mail(
        "u@example.org",
        "=?utf-8?q?Zo=C3=AB_=C3=85ngstr=C3=B6m?= <zoe@example.org>",
        "=?utf-8?b?w7xiZXIgZGVuIFLDpGRlcm4gdW5kIGVpbmUgc2VociBsYW5nZSBaZWlsZSwgZGllIGdlZmFsdGV0IHdlcmRlbiBtdXNz?=",
        0,
        &[],
        "Grüße\n",
    )
    .replacen("To: list@example.org", "To: \"Doe, Jane\" <jane@example.org>", 1);
    let me = Identity {
        name: "Adà Révieweŕ".into(),
        ..ada()
    };
    let d = reply::compose(original.as_bytes(), Mode::All, &me, &opts()).expect("compose");
    let raw = d.to_bytes().expect("bytes");
    let text = String::from_utf8(raw.clone()).expect("utf-8");
    let (head, body) = text.split_once("\n\n").expect("head and body");
    assert!(head.is_ascii(), "headers are 7-bit on the wire:\n{head}");
    for line in head.lines() {
        assert!(line.len() <= 78, "folded: {line:?}");
    }
    assert!(head.contains("Content-Transfer-Encoding: 8bit"), "{head}");
    assert!(body.contains("> Grüße"), "{body}");

    let m = parse(&raw);
    assert_eq!(
        addrs(&m, HeaderName::From),
        pairs(&[("Adà Révieweŕ", "ada@example.org")])
    );
    assert_eq!(
        addrs(&m, HeaderName::To),
        pairs(&[("Zoë Ångström", "zoe@example.org")])
    );
    assert_eq!(
        addrs(&m, HeaderName::Cc),
        pairs(&[("Doe, Jane", "jane@example.org")])
    );
    assert_eq!(
        m.subject(),
        Some("Re: über den Rädern und eine sehr lange Zeile, die gefaltet werden muss")
    );
    assert!(
        m.body_text(0)
            .expect("body")
            .starts_with("On Mon, Jan 01, 2024 at 12:00:00AM +0000, Zoë Ångström wrote:\n")
    );
}

#[test]
fn long_lines_travel_quoted_printable() {
    let long = "x".repeat(2000);
    let original = mail(
        "l@example.org",
        "a@example.org",
        "long",
        0,
        &[],
        &format!("{long}\ntrailing space \n"),
    );
    let d = reply::compose(original.as_bytes(), Mode::Sender, &ada(), &opts()).expect("compose");
    let raw = d.to_bytes().expect("bytes");
    assert!(String::from_utf8_lossy(&raw).contains("Content-Transfer-Encoding: quoted-printable"));
    for line in raw.split(|&b| b == b'\n') {
        assert!(line.len() <= 78, "line of {} bytes", line.len());
    }
    let m = parse(&raw);
    assert_eq!(m.body_text(0).expect("body"), d.body);
}

#[test]
fn nothing_in_the_original_can_inject_a_header() {
    // CR/LF smuggled through encoded-words in the subject and a name, a
    // recipient whose address would open a new header, and References
    // carrying junk.
    let original = "From: =?utf-8?q?Eve=0D=0ABcc:_victim@example.org?= <eve@example.org>\n\
To: list@example.org, \"x\r\nBcc: y@example.org\" <\"z\r\nBcc: w@example.org\"@example.org>\n\
Cc: =?utf-8?q?Mallory=0ABcc=3A_m=40example.org?= <mallory@example.org>\n\
Subject: =?utf-8?q?hello=0D=0ABcc:_evil@example.org=0D=0A=0D=0Abody?=\n\
Date: Mon, 1 Jan 2024 00:00:00 +0000\n\
Message-ID: <evil@example.org>\n\
References: <a@example.org\r\nBcc: r@example.org> <ok@example.org>\n\n\
hi\n";
    let d = reply::compose(original.as_bytes(), Mode::All, &ada(), &opts()).expect("compose");
    let raw = d.to_bytes().expect("bytes");
    let names = header_names(&raw);
    assert!(
        !names.iter().any(|n| n == "bcc"),
        "{names:?}\n{}",
        String::from_utf8_lossy(&raw)
    );
    let m = parse(&raw);
    assert!(m.bcc().is_none());
    assert_eq!(m.subject(), Some("Re: hello Bcc: evil@example.org body"));
    assert_eq!(
        addrs(&m, HeaderName::To),
        pairs(&[("Eve Bcc: victim@example.org", "eve@example.org")])
    );
    for (_, addr) in addrs(&m, HeaderName::Cc) {
        assert!(
            !addr.contains(char::is_whitespace) && !addr.contains("Bcc"),
            "{addr}"
        );
    }

    // A draft built (or edited) with line breaks: text is cleaned, an
    // address or header name that could break out is refused.
    let mut d =
        reply::compose(alice_patch().as_bytes(), Mode::All, &ada(), &opts()).expect("compose");
    d.subject = "ok\r\nBcc: evil@example.org".into();
    d.from.name = "Ada\nBcc: x@example.org".into();
    let raw = d.to_bytes().expect("bytes");
    assert!(!header_names(&raw).iter().any(|n| n == "bcc"));
    let mut bad = d.clone();
    bad.to.push(Addr {
        name: String::new(),
        addr: "a@example.org\r\nBcc: b@example.org".into(),
    });
    let err = bad.to_bytes().expect_err("address refused");
    assert!(
        err.to_string().contains("To is not a mail address"),
        "{err}"
    );
    let mut bad = d.clone();
    bad.references.push("x>\nBcc: <y".into());
    assert!(bad.to_bytes().is_err());
    let mut bad = d.clone();
    bad.extra_headers.push(("X-Ok\nBcc".into(), "x".into()));
    assert!(bad.to_bytes().is_err());
    let mut bad = d;
    bad.extra_headers
        .push(("From".into(), "other@example.org".into()));
    assert!(bad.to_bytes().is_err(), "a second From is refused");
}

#[test]
fn editable_form_round_trips() {
    let mut d =
        reply::compose(alice_patch().as_bytes(), Mode::All, &ada(), &opts()).expect("compose");
    d.from.name = "Adà".into();
    d.subject = "Re: [PATCH] frob: añadir =?soporte?=".into();
    d.body.push_str("\nLooks good. ünïcode.\n");
    let text = d.to_editable();
    assert!(text.contains("From: Adà <ada@example.org>\n"), "{text}");
    assert!(!text.contains("Content-Transfer-Encoding"), "{text}");
    let back = Draft::parse(text.as_bytes()).expect("parse");
    assert_eq!(back.from, d.from);
    assert_eq!(back.to, d.to);
    assert_eq!(back.cc, d.cc);
    assert_eq!(back.subject, d.subject);
    assert_eq!(back.date, d.date);
    assert_eq!(back.message_id, d.message_id);
    assert_eq!(back.in_reply_to, d.in_reply_to);
    assert_eq!(back.references, d.references);
    assert_eq!(back.body, d.body);
    // Headers the user added in the editor are kept and sent.
    let edited = text.replacen("Subject:", "X-Review: yes\nSubject:", 1);
    let back = Draft::parse(edited.as_bytes()).expect("parse");
    assert_eq!(
        back.extra_headers,
        vec![("X-Review".to_string(), "yes".to_string())]
    );
    let raw = back.to_bytes().expect("bytes");
    assert_eq!(
        parse(&raw).header_raw("X-Review").map(str::trim),
        Some("yes")
    );
}

/// A shell script at `dir/name` that saves its stdin to `dir/name.mail`,
/// then prints `stderr` and exits with `code`.
fn fake_sendmail(dir: &Path, name: &str, code: i32, stderr: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    let script = format!(
        "#!/bin/sh\ncat > \"$0.mail\"\necho \"$@\" > \"$0.args\"\nprintf '%s' '{stderr}' >&2\nexit {code}\n"
    );
    std::fs::write(&path, script).expect("write script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

/// A series (cover + 3 patches from Alice) in a fresh v2 inbox, indexed.
struct Fixture {
    _dir: tempfile::TempDir,
    inbox: PathBuf,
    index: Index,
    next: i64,
}

impl Fixture {
    fn new(with_cover: bool) -> Fixture {
        let dir = tempfile::tempdir().expect("tmp");
        let inbox = dir.path().join("inbox");
        let mut w = V2Writer::open(&inbox).expect("writer");
        let from = "Alice Developer <alice@example.org>";
        let mut minute = 0;
        let root = if with_cover {
            let cover = mail(
                "cover@example.org",
                from,
                "[PATCH 0/3] frob: three fixes",
                minute,
                &[],
                "These fix the frobnicator.\n\nAlice Developer (3):\n  a\n  b\n  c\n",
            );
            w.add(cover.as_bytes(), at(minute)).expect("add");
            vec!["cover@example.org"]
        } else {
            vec![]
        };
        for n in 1..=3 {
            minute += 1;
            let mid = format!("p{n}@example.org");
            let refs: Vec<&str> = if with_cover {
                root.clone()
            } else if n > 1 {
                vec!["p1@example.org"]
            } else {
                vec![]
            };
            let m = mail(
                &mid,
                from,
                &format!("[PATCH {n}/3] frob: fix {n}"),
                minute,
                &refs,
                &patch_body(
                    &format!("frob: fix {n}"),
                    &format!("drivers/frob{n}.c"),
                    "a",
                    "b",
                ),
            );
            w.add(m.as_bytes(), at(minute)).expect("add");
        }
        let index = Index::open_or_create(&dir.path().join("index")).expect("index");
        let f = Fixture {
            _dir: dir,
            inbox,
            index,
            next: minute + 10,
        };
        f.reindex();
        f
    }

    fn reindex(&self) {
        let inbox = Inbox::open("test", &self.inbox).expect("inbox");
        build::update(&self.index, &[inbox], &IndexOptions::default(), &mut |_| {})
            .expect("update");
        self.index.reload().expect("reload");
    }

    /// Adds a sent mail to the archive, as the list would.
    fn deliver(&mut self, raw: &[u8]) {
        let mut w = V2Writer::open(&self.inbox).expect("writer");
        self.next += 1;
        w.add(raw, at(self.next)).expect("add");
        self.reindex();
    }
}

#[test]
fn review_of_the_whole_series_lands_on_every_patch() {
    let mut f = Fixture::new(true);
    let dir = tempfile::tempdir().expect("tmp");
    let sendmail = fake_sendmail(dir.path(), "sendmail", 0, "");

    // Asked from any message of the series: the cover is the one to answer.
    let targets = reply::series_review_targets(&f.index, "p2@example.org").expect("targets");
    assert_eq!(targets, ["cover@example.org"]);
    let raw = reply::load_original(&f.index, &targets[0]).expect("original");
    let draft = reply::compose(&raw, Mode::All, &ada(), &opts())
        .expect("compose")
        .trailer_reply(Review::ReviewedBy, &ada());
    assert!(draft.answers_cover_letter());
    assert!(
        draft
            .body
            .contains("\nFor the whole series:\n\nReviewed-by: Ada Reviewer <ada@example.org>\n"),
        "{}",
        draft.body
    );
    assert!(draft.body.starts_with("On Mon, Jan 01, 2024 at 12:00:00AM +0000, Alice Developer wrote:\n> These fix the frobnicator.\n"), "{}", draft.body);

    let opts = SendOptions {
        command: Some(format!("{} -t -oi", sendmail.display())),
        outbox: dir.path().join("outbox.mbox"),
    };
    let outcome = reply::send(&draft, &opts).expect("sent");
    assert_eq!(
        outcome,
        SendOutcome::Sent {
            message_id: draft.message_id.clone(),
            command: format!("{} -t -oi", sendmail.display())
        }
    );
    assert!(
        !opts.outbox.exists(),
        "a configured command means no outbox"
    );
    let recorded = std::fs::read(dir.path().join("sendmail.mail")).expect("recorded stdin");
    assert_eq!(recorded, draft.to_bytes().expect("bytes"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("sendmail.args"))
            .expect("args")
            .trim(),
        "-t -oi"
    );

    // The list archives it, threaded under the cover; the trailer is now on
    // every patch, via the cover.
    f.deliver(&recorded);
    let archived = f.index.by_message_id(&draft.message_id).expect("lookup");
    assert_eq!(archived.len(), 1);
    assert_eq!(archived[0].parent.as_deref(), Some("cover@example.org"));
    let thread =
        putt_store::series::gather::thread_of(&f.index, "cover@example.org").expect("thread");
    let node = thread
        .find(&draft.message_id)
        .expect("the reply is in the cover's thread");
    let parent = thread.nodes[node].parent.expect("a parent");
    assert_eq!(thread.nodes[parent].message_id, "cover@example.org");
    let series = series_by_key(&f.index, "p1@example.org").expect("series");
    let rev = series.latest();
    assert_eq!(rev.patches.len(), 3);
    for p in &rev.patches {
        let t: Vec<_> = p
            .trailers
            .iter()
            .filter(|t| t.trailer.kind == TrailerKind::ReviewedBy)
            .collect();
        assert_eq!(t.len(), 1, "patch {}: {:?}", p.counter, p.trailers);
        assert_eq!(t[0].via, Via::Cover);
        assert_eq!(t[0].message_id, draft.message_id);
        assert_eq!(t[0].line(), "Reviewed-by: Ada Reviewer <ada@example.org>");
    }
    assert_eq!(rev.counts().reviewed, 1);
}

#[test]
fn review_of_one_patch_lands_on_that_patch_only() {
    let mut f = Fixture::new(true);
    let raw = reply::load_original(&f.index, "<p2@example.org>").expect("original");
    let draft = reply::compose(&raw, Mode::All, &ada(), &opts())
        .expect("compose")
        .trailer_reply(Review::AckedBy, &ada());
    assert!(!draft.body.contains("whole series"));
    // Short quote: the commit message without its sign-off, then the trailer.
    assert_eq!(
        draft.body,
        "On Mon, Jan 01, 2024 at 12:02:00AM +0000, Alice Developer wrote:\n> frob: fix 2\n\nAcked-by: Ada Reviewer <ada@example.org>\n"
    );
    f.deliver(&draft.to_bytes().expect("bytes"));
    let series = series_by_key(&f.index, "cover@example.org").expect("series");
    for p in &series.latest().patches {
        let acked = p
            .trailers
            .iter()
            .filter(|t| t.trailer.kind == TrailerKind::AckedBy)
            .count();
        assert_eq!(acked, usize::from(p.counter == 2), "patch {}", p.counter);
    }
}

#[test]
fn a_series_without_cover_is_reviewed_patch_by_patch() {
    let mut f = Fixture::new(false);
    let targets = reply::series_review_targets(&f.index, "p3@example.org").expect("targets");
    assert_eq!(
        targets,
        ["p1@example.org", "p2@example.org", "p3@example.org"]
    );
    let mut ids = std::collections::HashSet::new();
    for t in &targets {
        let raw = reply::load_original(&f.index, t).expect("original");
        let d = reply::compose(&raw, Mode::All, &ada(), &opts())
            .expect("compose")
            .trailer_reply(Review::TestedBy, &ada());
        assert!(ids.insert(d.message_id.clone()), "one seed, distinct ids");
        f.deliver(&d.to_bytes().expect("bytes"));
    }
    let series = series_by_key(&f.index, "p1@example.org").expect("series");
    for p in &series.latest().patches {
        assert!(
            p.trailers
                .iter()
                .any(|t| t.trailer.kind == TrailerKind::TestedBy && t.via == Via::Reply),
            "patch {}: {:?}",
            p.counter,
            p.trailers
        );
    }
}

#[test]
fn a_failing_send_shows_status_and_stderr_and_keeps_the_draft() {
    let dir = tempfile::tempdir().expect("tmp");
    let sendmail = fake_sendmail(
        dir.path(),
        "broken",
        75,
        "msmtp: cannot connect to smtp.example.org",
    );
    let store = Drafts::new(&dir.path().join("data"));
    let d = reply::compose(alice_patch().as_bytes(), Mode::All, &ada(), &opts()).expect("compose");
    let path = store.save(&d).expect("save");
    let opts = SendOptions {
        command: Some(sendmail.display().to_string()),
        outbox: dir.path().join("outbox.mbox"),
    };
    let later = chrono::DateTime::from_timestamp(T0 + 90_000, 0)
        .expect("t")
        .fixed_offset();
    let err = reply::send_draft(&store, &d.message_id, &opts, later).expect_err("fails");
    match &err {
        putt_store::Error::Send {
            status,
            stderr,
            draft,
            ..
        } => {
            assert_eq!(status, "exit status 75");
            assert_eq!(stderr, "msmtp: cannot connect to smtp.example.org");
            assert_eq!(draft.as_deref(), Some(path.as_path()));
        }
        other => panic!("not a send error: {other:?}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains("exit status 75") && msg.contains("cannot connect") && msg.contains("kept in"),
        "{msg}"
    );
    // Kept, with the Date it was sent with, and still listed.
    let kept = store.load(&d.message_id).expect("kept");
    assert_eq!(kept.date, later);
    assert_eq!(kept.body, d.body);
    let list = store.list().expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].id, d.message_id);
    assert!(!opts.outbox.exists());
    // The script did get the mail: it was the command that failed.
    assert!(dir.path().join("broken.mail").is_file());

    // A command that exits 0 without reading the message is no success.
    let lazy = SendOptions {
        command: Some("exit 0".into()),
        ..opts
    };
    let mut big = kept;
    big.body = "x\n".repeat(1 << 20);
    assert!(reply::send(&big, &lazy).is_err());
}

#[test]
fn without_a_command_mail_goes_to_the_outbox_mbox() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let store = Drafts::new(&data);
    let opts = SendOptions::new(&putt_store::config::SendConfig::default(), &data);
    let mut sent = Vec::new();
    for n in 0..2 {
        let mut d = reply::compose(
            alice_patch().as_bytes(),
            Mode::All,
            &ada(),
            &ComposeOptions::pinned(T0 + n, n as u64),
        )
        .expect("compose");
        d.body
            .push_str("\nFrom the start, this was right.\n>From here too.\n");
        store.save(&d).expect("save");
        let outcome = reply::send_draft(&store, &d.message_id, &opts, d.date).expect("queued");
        assert_eq!(
            outcome,
            SendOutcome::Queued {
                message_id: d.message_id.clone(),
                path: data.join("outbox.mbox")
            }
        );
        assert!(outcome.describe().contains("outbox.mbox"));
        sent.push(d);
    }
    assert!(
        store.list().expect("list").is_empty(),
        "sent drafts are gone"
    );
    let mbox = std::fs::read_to_string(data.join("outbox.mbox")).expect("outbox");
    let entries: Vec<&str> = mbox.split("\n\nFrom ada@example.org ").collect();
    assert_eq!(entries.len(), 2, "{mbox}");
    assert!(
        mbox.starts_with("From ada@example.org Mon Jan  1 00:00:00 2024\n"),
        "{mbox}"
    );
    assert!(
        mbox.contains("\n>From the start") && mbox.contains("\n>>From here too"),
        "mboxrd escaping"
    );
    assert!(mbox.ends_with("\n\n"));
    // Unescaped, each entry is the mail as sent.
    for (entry, d) in mbox
        .trim_end()
        .split("\n\nFrom ada@example.org ")
        .zip(&sent)
    {
        let msg = entry.split_once('\n').expect("From line").1;
        let unescaped: String = msg
            .split_inclusive('\n')
            .map(|l| {
                let q = l.len() - l.trim_start_matches('>').len();
                if q > 0 && l[q..].starts_with("From ") {
                    &l[1..]
                } else {
                    l
                }
            })
            .collect();
        assert_eq!(
            format!("{unescaped}\n").as_bytes(),
            d.to_bytes().expect("bytes").as_slice()
        );
    }
}

#[test]
fn drafts_are_written_whole_and_listed() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Drafts::new(dir.path());
    let d = reply::compose(alice_patch().as_bytes(), Mode::All, &ada(), &opts()).expect("compose");
    let path = store.save(&d).expect("save");
    assert_eq!(
        path,
        dir.path()
            .join("drafts")
            .join(format!("{}.eml", d.message_id))
    );
    let names: Vec<_> = std::fs::read_dir(store.dir())
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names.len(), 1, "no temp file left: {names:?}");
    let list = store.list().expect("list");
    assert_eq!(list[0].subject, d.subject);
    assert_eq!(list[0].recipients.len(), d.to.len() + d.cc.len());
    assert_eq!(list[0].in_reply_to.as_deref(), Some("patch2@example.org"));
    assert_eq!(
        store
            .load(&format!("<{}>", d.message_id))
            .expect("load")
            .body,
        d.body
    );
    store.delete(&d.message_id).expect("delete");
    let err = store.load(&d.message_id).expect_err("gone");
    assert!(err.to_string().contains("no draft"), "{err}");
}

// ---- the binary ----

/// A home with a config (identity, and `send` lines) and the fixture inbox.
fn cli_home(send: &str) -> (tempfile::TempDir, Vec<String>) {
    let home = tempfile::tempdir().expect("tmp");
    let inbox = home.path().join("inbox");
    let mut w = V2Writer::open(&inbox).expect("writer");
    w.add(alice_patch().as_bytes(), at(0)).expect("add");
    std::fs::write(
        home.path().join("config.toml"),
        format!(
            "[identity]\nname = \"Ada Reviewer\"\nemail = \"ada@example.org\"\n\n[send]\n{send}\n"
        ),
    )
    .expect("config");
    let args = vec!["--inbox".to_string(), inbox.display().to_string()];
    let (code, _, err) = run(putt(home.path()).args(&args).args(["--quiet", "index"]));
    assert_eq!(code, 0, "{err}");
    (home, args)
}

#[test]
fn cli_print_writes_the_reply() {
    let (home, args) = cli_home("");
    let (code, out, err) = run(putt(home.path())
        .args(&args)
        .args([
            "reply",
            "<patch2@example.org>",
            "--trailer",
            "reviewed-by",
            "--print",
        ])
        .env("PUTT_NOW", (T0 + 86_400).to_string())
        .env("PUTT_MESSAGE_ID_SEED", "42"));
    assert_eq!(code, 0, "{err}");
    let m = parse(out.as_bytes());
    assert_eq!(
        m.subject(),
        Some("Re: [PATCH v2 2/3] pwm: frob: add driver")
    );
    // --trailer goes to everyone: it must reach the list.
    assert_eq!(addrs(&m, HeaderName::Cc).len(), 2);
    assert_eq!(m.date().map(|d| d.to_timestamp()), Some(T0 + 86_400));
    assert!(
        out.ends_with("\nReviewed-by: Ada Reviewer <ada@example.org>\n"),
        "{out}"
    );
    // Pinned: the same run gives the same mail.
    let (_, again, _) = run(putt(home.path())
        .args(&args)
        .args([
            "reply",
            "patch2@example.org",
            "-t",
            "reviewed-by",
            "--print",
        ])
        .env("PUTT_NOW", (T0 + 86_400).to_string())
        .env("PUTT_MESSAGE_ID_SEED", "42"));
    assert_eq!(out, again);
}

#[test]
fn cli_send_uses_the_command_and_reports_json() {
    let dir = tempfile::tempdir().expect("tmp");
    let sendmail = fake_sendmail(dir.path(), "sendmail", 0, "");
    let (home, args) = cli_home(&format!("command = \"{} -t\"", sendmail.display()));
    let (code, out, err) = run(putt(home.path()).args(&args).args([
        "reply",
        "patch2@example.org",
        "--all",
        "--send",
        "--json",
    ]));
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("json");
    assert_eq!(v["outcome"], "sent");
    let recorded = std::fs::read(dir.path().join("sendmail.mail")).expect("recorded");
    assert_eq!(parse(&recorded).message_id(), v["message_id"].as_str());
    let (code, _, _) = run(putt(home.path()).args(["drafts"]));
    assert_eq!(code, 1, "no draft left after a send");
}

#[test]
fn cli_failed_send_exits_nonzero_and_keeps_the_draft() {
    let dir = tempfile::tempdir().expect("tmp");
    let sendmail = fake_sendmail(dir.path(), "broken", 1, "relay refused");
    let (home, args) = cli_home(&format!("command = \"{}\"", sendmail.display()));
    let (code, _, err) =
        run(putt(home.path())
            .args(&args)
            .args(["reply", "patch2@example.org", "--send"]));
    assert_eq!(code, 2);
    assert!(
        err.contains("exit status 1") && err.contains("relay refused") && err.contains("kept in"),
        "{err}"
    );
    let (code, out, _) = run(putt(home.path()).args(["drafts", "--json"]));
    assert_eq!(code, 0);
    let v: serde_json::Value =
        serde_json::from_str(out.lines().next().expect("a draft")).expect("json");
    assert_eq!(v["subject"], "Re: [PATCH v2 2/3] pwm: frob: add driver");
    // Fix the config (no command: the outbox) and send the kept draft.
    std::fs::write(
        home.path().join("config.toml"),
        "[identity]\nname = \"Ada Reviewer\"\nemail = \"ada@example.org\"\n",
    )
    .expect("config");
    let id = v["id"].as_str().expect("id");
    let (code, out, err) = run(putt(home.path()).args(["drafts", "send", id]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("outbox.mbox"), "{out}");
    assert!(home.path().join("data/outbox.mbox").is_file());
}

#[test]
fn cli_edits_then_asks() {
    let (home, args) = cli_home("");
    let editor = home.path().join("editor.sh");
    std::fs::write(&editor, "#!/bin/sh\nprintf 'I agree.\\n' >> \"$1\"\n").expect("editor");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&editor, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    // `e` edits again (the editor runs twice), then `y` sends.
    let mut cmd = putt(home.path());
    cmd.args(&args)
        .args(["reply", "patch2@example.org"])
        .env_remove("VISUAL")
        .env("EDITOR", &editor)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(b"e\ny\n")
            .expect("answer");
    }
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("y: send, e: edit again, p: keep as draft, d: discard"),
        "{stderr}"
    );
    let mbox = std::fs::read_to_string(home.path().join("data/outbox.mbox")).expect("outbox");
    assert_eq!(mbox.matches("I agree.").count(), 2, "{mbox}");
    assert!(
        mbox.contains("\nTo: \"Alice Developer\" <alice@example.org>\n"),
        "r: to the sender only\n{mbox}"
    );

    // End of input: the draft is kept, never lost.
    let (code, out, _) = run(putt(home.path())
        .args(&args)
        .args(["reply", "patch2@example.org", "--all"])
        .env("EDITOR", &editor)
        .env("VISUAL", "true"));
    assert_eq!(code, 0);
    assert!(out.contains("kept in"), "{out}");
}

#[test]
fn cli_without_identity_says_which_keys_to_set() {
    let (home, args) = cli_home("");
    std::fs::write(home.path().join("config.toml"), "").expect("config");
    let (code, _, err) =
        run(putt(home.path())
            .args(&args)
            .args(["reply", "patch2@example.org", "--print"]));
    assert_eq!(code, 2);
    assert!(
        err.contains("[identity]") && err.contains("name = ") && err.contains("email = "),
        "{err}"
    );
}
