//! Rules over hand-made series: trailers from chosen people at chosen
//! times, evaluated at a fixed "now".

use super::*;
use crate::series::{Mail, group};
use crate::subject::parse_subject;
use crate::trailers::parse_trailers;

const DAY: i64 = 86_400;
/// 2024-01-01 00:00 UTC.
const T0: i64 = 1_704_067_200;

fn mail(mid: &str, from: &str, subject: &str, at: i64, parent: Option<&str>, body: &str) -> Mail {
    let (name, addr) = match from.split_once(" <") {
        Some((n, a)) => (n.to_string(), a.trim_end_matches('>').to_string()),
        None => (String::new(), from.to_string()),
    };
    let info = parse_subject(subject);
    Mail {
        message_id: mid.into(),
        parent: parent.map(str::to_string),
        references: parent.map(|p| vec![p.to_string()]).unwrap_or_default(),
        date: at,
        from_name: name,
        from_addr: addr.to_ascii_lowercase(),
        subject: subject.into(),
        has_diff: !info.reply && info.counter > 0,
        has_diffstat: false,
        info,
        pull: None,
        patch_id: None,
        change_id: None,
        base_commit: None,
        trailers: parse_trailers(body),
        files: Vec::new(),
        supersedes: Vec::new(),
        cites: Vec::new(),
        inbox: "test".into(),
        blob: format!("blob-{mid}"),
    }
}

const ALICE: &str = "Alice Dev <alice@example.org>";
const BOB: &str = "Bob Maint <bob@kernel.example>";
const CAROL: &str = "Carol Rev <carol@example.com>";
const BOT: &str = "CI Bot <bot@ci.example.org>";

/// v1 (2 patches, cover) reviewed by Carol on the cover; v2 a week later,
/// Bob reviews patch 1 and acks the series, the bot tests it.
fn series() -> Series {
    let mails = vec![
        mail(
            "v1-0",
            ALICE,
            "[PATCH 0/2] frob: fix things",
            T0,
            None,
            "cover",
        ),
        mail(
            "v1-1",
            ALICE,
            "[PATCH 1/2] frob: one",
            T0 + 1,
            Some("v1-0"),
            "diff",
        ),
        mail(
            "v1-2",
            ALICE,
            "[PATCH 2/2] frob: two",
            T0 + 2,
            Some("v1-0"),
            "diff",
        ),
        mail(
            "v1-r",
            CAROL,
            "Re: [PATCH 0/2] frob: fix things",
            T0 + DAY,
            Some("v1-0"),
            "Looks good.\n\nReviewed-by: Carol Rev <carol@example.com>\n",
        ),
        mail(
            "v2-0",
            ALICE,
            "[PATCH v2 0/2] frob: fix things",
            T0 + 7 * DAY,
            None,
            "cover v2",
        ),
        mail(
            "v2-1",
            ALICE,
            "[PATCH v2 1/2] frob: one",
            T0 + 7 * DAY + 1,
            Some("v2-0"),
            "diff",
        ),
        mail(
            "v2-2",
            ALICE,
            "[PATCH v2 2/2] frob: two",
            T0 + 7 * DAY + 2,
            Some("v2-0"),
            "diff",
        ),
        mail(
            "v2-r1",
            BOB,
            "Re: [PATCH v2 1/2] frob: one",
            T0 + 8 * DAY,
            Some("v2-1"),
            "Reviewed-by: Bob Maint <bob@kernel.example>\n",
        ),
        mail(
            "v2-r0",
            BOB,
            "Re: [PATCH v2 0/2] frob: fix things",
            T0 + 8 * DAY,
            Some("v2-0"),
            "Acked-by: Bob Maint <bob@kernel.example>\n",
        ),
        mail(
            "v2-t",
            BOT,
            "Re: [PATCH v2 0/2] frob: fix things",
            T0 + 9 * DAY,
            Some("v2-0"),
            "Tested-by: CI Bot <bot@ci.example.org>\n",
        ),
    ];
    let mut all = group(mails);
    assert_eq!(all.len(), 1, "{all:#?}");
    let s = all.remove(0);
    assert_eq!(s.revisions.len(), 2);
    s
}

fn eval_at(
    when: &str,
    now: i64,
    version: u32,
    me: &[&str],
    files: &[&str],
    maint: Option<&str>,
) -> bool {
    let s = series();
    let rev = s.revision(version).expect("revision");
    let rule = Rule::parse("r", when, false, &[]).unwrap_or_else(|e| panic!("{}", e.render(when)));
    let set = RuleSet::new(vec![rule], maint.map(|m| Arc::new(Maintainers::parse(m))));
    let me: Vec<String> = me.iter().map(|s| s.to_string()).collect();
    let files: Vec<String> = files.iter().map(|s| s.to_string()).collect();
    let loader = move |_: &Revision| files.clone();
    let mut f = Facts::new(&s, rev, now);
    f.me = &me;
    f.files = &loader;
    set.evaluate(&f)[0]
}

fn eval(when: &str) -> bool {
    eval_at(when, T0 + 20 * DAY, 2, &[], &[], None)
}

#[test]
fn counts_of_people_per_kind() {
    // Bob reviewed one patch and acked the series: one person, two kinds.
    assert!(eval("reviewed-by >= 1"));
    assert!(eval("review = 1"));
    assert!(eval("acked-by"));
    assert!(!eval("review >= 2"));
    assert!(eval("tested-by from *@ci.example.org"));
    assert!(!eval("tested-by from \"*@other.example\""));
    assert!(eval("nacked-by = 0 AND NOT nak"));
    assert!(eval("reply >= 2"));
    // On every patch: patch 2 only has the cover's ack.
    assert!(eval("review each"));
    assert!(!eval("reviewed-by each"));
    // Carol's review was on v1.
    assert!(!eval("review from carol@example.com"));
    assert!(eval("review from carol@example.com on earlier"));
    assert!(!eval_at(
        "review from author",
        T0 + 20 * DAY,
        2,
        &[],
        &[],
        None
    ));
}

#[test]
fn lazy_consensus_with_a_fixed_now() {
    let ready = "review >= 1 AND NOT nak AND age >= 7d";
    // v2 was posted on day 7: ready from day 14 on, not before.
    assert!(!eval_at(ready, T0 + 13 * DAY, 2, &[], &[], None));
    assert!(eval_at(ready, T0 + 14 * DAY, 2, &[], &[], None));
    // quiet counts from the last message (the bot, day 9).
    assert!(!eval_at("quiet >= 7d", T0 + 15 * DAY, 2, &[], &[], None));
    assert!(eval_at("quiet >= 7d", T0 + 16 * DAY, 2, &[], &[], None));
    assert!(eval_at("quiet < 1w", T0 + 15 * DAY, 2, &[], &[], None));
}

#[test]
fn maintainers_of_the_touched_files() {
    let maint = "FROB DRIVER\nM:\tBob Maint <bob@kernel.example>\nR:\tCarol Rev <carol@example.com>\nF:\tdrivers/frob/\n";
    let files = ["drivers/frob/core.c"];
    let now = T0 + 20 * DAY;
    assert!(eval_at(
        "review from maintainers >= 1",
        now,
        2,
        &[],
        &files,
        Some(maint)
    ));
    assert!(!eval_at(
        "review from maintainers >= 2",
        now,
        2,
        &[],
        &files,
        Some(maint)
    ));
    // Carol is an R: reviewer, and reviewed v1.
    assert!(eval_at(
        "review from reviewers >= 1",
        now,
        1,
        &[],
        &files,
        Some(maint)
    ));
    assert!(!eval_at(
        "review from maintainers",
        now,
        1,
        &[],
        &files,
        Some(maint)
    ));
    // Files nobody maintains: nobody counts.
    assert!(!eval_at(
        "review from maintainers",
        now,
        2,
        &[],
        &["lib/x.c"],
        Some(maint)
    ));
}

#[test]
fn attention_after_my_review() {
    let attention = "review|reply from me on earlier AND NOT review|reply from me";
    let now = T0 + 20 * DAY;
    assert!(eval_at(
        attention,
        now,
        2,
        &["carol@example.com"],
        &[],
        None
    ));
    assert!(!eval_at(
        attention,
        now,
        2,
        &["bob@kernel.example"],
        &[],
        None
    ));
    assert!(!eval_at(
        attention,
        now,
        1,
        &["carol@example.com"],
        &[],
        None
    ));
}

#[test]
fn facts_and_other_rules() {
    assert!(eval(
        "complete AND version = 2 AND patches = 2 AND total >= 2 AND NOT superseded"
    ));
    assert!(eval("followups = 3"));
    assert!(!eval("rfc OR resend OR pull"));
    assert!(eval("state = new AND state != reviewing AND state:new"));
    assert!(eval("NOT check = fail"));
    let s = series();
    let v1 = s.revision(1).expect("v1");
    let a = Rule::parse("tested", "tested-by", false, &[]).expect("a");
    let b = Rule::parse(
        "ok",
        "rule tested AND (check.build = success OR check:warning)",
        false,
        &["tested"],
    )
    .expect("b");
    let set = RuleSet::new(vec![a, b], None);
    let checks = vec![("build".to_string(), CheckStatus::Success)];
    let mut f = Facts::new(&s, s.latest(), T0);
    f.checks = &checks;
    assert_eq!(set.evaluate(&f), [true, true]);
    assert_eq!(set.matching(&f), ["tested", "ok"]);
    let f = Facts::new(&s, v1, T0);
    assert_eq!(set.evaluate(&f), [false, false]);
    assert!(eval_at("superseded", T0, 1, &[], &[], None));
}

#[test]
fn errors_say_where() {
    let bad = |when: &str, earlier: &[&str]| -> (String, std::ops::Range<usize>) {
        let e = Rule::parse("r", when, false, earlier).expect_err(when);
        (e.message, e.span)
    };
    let (m, span) = bad("reviewd-by >= 2", &[]);
    assert!(m.contains("unknown term `reviewd-by`"), "{m}");
    assert_eq!(span, 0..10);
    let (m, span) = bad("review >= 2 AND age >= 7x", &[]);
    assert!(m.contains("`7x` is not a time"), "{m}");
    assert_eq!(span, 23..25);
    let (m, _) = bad("review from bob", &[]);
    assert!(m.contains("`bob` is not someone"), "{m}");
    let (m, _) = bad("rule ready", &["tested"]);
    assert!(
        m.contains("no rule `ready` above this one (there is tested)"),
        "{m}"
    );
    let (m, _) = bad("(review", &[]);
    assert!(m.contains("not closed"), "{m}");
    let (m, _) = bad("state = merged", &[]);
    assert!(m.contains("unknown triage state"), "{m}");
    let (m, _) = bad("check = broken", &[]);
    assert!(m.contains("unknown check status"), "{m}");
    let (m, _) = bad("", &[]);
    assert!(m.contains("empty"), "{m}");
    let (m, _) = bad("review on earlier each", &[]);
    assert!(m.contains("each"), "{m}");
    let rendered = Rule::parse("r", "age >= 7x", false, &[])
        .expect_err("bad")
        .render("age >= 7x");
    assert!(
        rendered.ends_with("       ^^ `7x` is not a time: write 30m, 12h, 7d or 2w"),
        "{rendered}"
    );
}

#[test]
fn rule_needs_what_it_uses() {
    let r = Rule::parse("r", "review from me, maintainers", false, &[]).expect("rule");
    assert_eq!(
        r.needs(),
        Needs {
            me: true,
            maintainers: true
        }
    );
    let r = Rule::parse("r", "review from author", false, &[]).expect("rule");
    assert_eq!(r.needs(), Needs::default());
}

#[test]
fn globs_and_durations() {
    assert!(glob("*@ci.example.org", "Bot@CI.example.org"));
    assert!(!glob("*@ci.example.org", "bot@ci.example.org.evil"));
    assert!(glob("a*b*c", "aXXbYYc"));
    assert!(glob("*", ""));
    assert_eq!(parse_duration("7d"), Some(7 * DAY));
    assert_eq!(parse_duration("90"), Some(90));
    assert_eq!(parse_duration("2 weeks"), Some(14 * DAY));
    assert_eq!(parse_duration("7x"), None);
}
