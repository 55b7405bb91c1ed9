//! `putt series`, `putt series show`, `putt trailers`.

use std::io::Write;

use anyhow::Result;

use putt_core::series::{Revision, Series};
use putt_core::text::sanitize_line;
use putt_ops::index::Index;
use putt_ops::series;
use putt_ops::series::{RevisionInfo, Workflow};

use super::{Context, fit, short_date};

#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SeriesArgs {
    #[command(subcommand)]
    pub action: Option<SeriesAction>,
    /// Only series with a message matching this query (public-inbox syntax),
    /// e.g. 'd:1.month.ago..' or 'dfn:drivers/pwm/'.
    pub query: Vec<String>,
    /// At most this many series, newest first (0: all).
    #[arg(long, short = 'n', default_value_t = 0)]
    pub limit: usize,
    /// Consider at most this many matching messages (newest first).
    #[arg(long, default_value_t = 200_000, hide = true)]
    pub max_hits: usize,
    /// Also series that a rule with `hide = true` hides.
    #[arg(long, short = 'a')]
    pub all: bool,
    /// One JSON object per series per line, with triage state, rule
    /// outcomes and check results per revision.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Subcommand, Debug)]
pub enum SeriesAction {
    /// Revisions, patches (missing ones too), trailers per patch.
    Show(ShowArgs),
}

#[derive(clap::Args, Debug)]
pub struct ShowArgs {
    /// Series id, or the Message-ID of any message in the series.
    pub series: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct TrailersArgs {
    /// Series id, or the Message-ID of any message in the series (which
    /// names its revision).
    pub series: String,
    /// Revision: `3` or `v3`, `@N` (the N-th sent); default the one a
    /// Message-ID is in, else the one sent last.
    #[arg(long = "revision", short = 'v', value_name = "REV")]
    pub version: Option<String>,
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Context, args: &SeriesArgs) -> Result<i32> {
    if let Some(SeriesAction::Show(a)) = &args.action {
        return show(ctx, a);
    }
    let index = ctx.index()?;
    let query = args.query.join(" ");
    let wf = Workflow::load(&ctx.config, ctx.now())?;
    let q = match wf.parse_query(&query, ctx.now()) {
        Ok(q) => q,
        Err(e) => anyhow::bail!("bad query:\n{}", e.render(&query)),
    };
    let list = wf.newest_series(&index, &q, args.limit, args.max_hits, args.all)?;
    let series = list.series;
    let mut out = std::io::stdout().lock();
    for s in &series {
        if args.json {
            writeln!(
                out,
                "{}",
                putt_core::text::to_json(&SeriesRow::of(s, &wf, &index))?
            )?;
        } else {
            let info = wf.revision_info(&index, s, s.latest());
            writeln!(out, "{}", row(s, &info))?;
        }
    }
    drop(out);
    if list.hidden > 0 && !ctx.quiet {
        eprintln!(
            "putt: {} more series hidden by rules with hide = true (-a shows them)",
            list.hidden
        );
    }
    let code = if series.is_empty() { 1 } else { 0 };
    // The process ends here: freeing a month of series one string at a
    // time (many allocated on the memo's decoding threads) would be a
    // large part of a listing.
    std::mem::forget(series);
    Ok(code)
}

/// What `putt series --json` prints per series: the row, plus every revision.
#[derive(serde::Serialize)]
struct SeriesRow<'a> {
    id: &'a str,
    subject: &'a str,
    author: &'a str,
    version: u32,
    received: u32,
    total: u32,
    complete: bool,
    date: i64,
    acked: u32,
    reviewed: u32,
    tested: u32,
    nacked: u32,
    /// The newest revision's triage state, rules and checks.
    #[serde(flatten)]
    workflow: RevisionInfo,
    revisions: Vec<RevisionRow<'a>>,
}

#[derive(serde::Serialize)]
struct RevisionRow<'a> {
    version: u32,
    label: String,
    date: i64,
    received: u32,
    total: u32,
    missing: &'a [u32],
    superseded: bool,
    cover: Option<&'a str>,
    /// Why it is in the series (the revision it follows and the evidence).
    #[serde(skip_serializing_if = "Option::is_none")]
    link: Option<&'a putt_core::series::Link>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    split: bool,
    #[serde(flatten)]
    workflow: RevisionInfo,
}

impl<'a> SeriesRow<'a> {
    fn of(s: &'a Series, wf: &Workflow, index: &Index) -> SeriesRow<'a> {
        let latest = s.latest();
        let c = latest.counts();
        SeriesRow {
            id: &s.id,
            subject: &s.subject,
            author: &s.author,
            version: latest.version,
            received: latest.received(),
            total: latest.total,
            complete: latest.complete(),
            date: latest.date,
            acked: c.acked,
            reviewed: c.reviewed,
            tested: c.tested,
            nacked: c.nacked,
            workflow: wf.revision_info(index, s, latest),
            revisions: s
                .revisions
                .iter()
                .map(|r| RevisionRow {
                    version: r.version,
                    label: r.label(),
                    date: r.date,
                    received: r.received(),
                    total: r.total,
                    missing: &r.missing,
                    superseded: r.superseded,
                    cover: r.cover.as_ref().map(|c| c.message_id.as_str()),
                    link: r.link.as_ref(),
                    split: r.split,
                    workflow: wf.revision_info(index, s, r),
                })
                .collect(),
        }
    }
}

/// `id  v3  5/5  A:1 R:2 T:0  2024-03-04  Author  subject`, with ` C:F`
/// after the counts when checks ran and `  [ready]` after the subject when
/// rules match.
fn row(s: &Series, info: &RevisionInfo) -> String {
    let latest = s.latest();
    let c = latest.counts();
    let nak = if c.nacked > 0 { " NAK" } else { "" };
    let revs = if s.revisions.len() > 1 {
        format!("{:<5}", format!("{}+", latest.label()))
    } else {
        format!("{:<5}", latest.label())
    };
    let check = info
        .check
        .map(|c| format!(" C:{}", c.letter()))
        .unwrap_or_default();
    let rules = if info.rules.is_empty() {
        String::new()
    } else {
        format!("  [{}]", info.rules.join(" "))
    };
    format!(
        "{}  {} {:>5}  A:{} R:{} T:{}{}{}  {}  {}  {}{}",
        s.id,
        revs,
        format!("{}/{}", latest.received(), latest.total),
        c.acked,
        c.reviewed,
        c.tested,
        nak,
        check,
        &short_date(latest.date)[..10],
        fit(&sanitize_line(author_name(&s.author)), 20),
        sanitize_line(&s.subject),
        rules
    )
}

fn author_name(a: &str) -> &str {
    match a.rfind(" <") {
        Some(i) => &a[..i],
        None => a,
    }
}

pub fn show(ctx: &Context, args: &ShowArgs) -> Result<i32> {
    let index = ctx.index()?;
    let s = series::find(&index, &args.series)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", putt_core::text::to_json(&s)?)?;
        return Ok(0);
    }
    writeln!(out, "series {}: {}", s.id, sanitize_line(&s.subject))?;
    writeln!(out, "author: {}", sanitize_line(&s.author))?;
    let wf = Workflow::load(&ctx.config, ctx.now())?;
    for r in &s.revisions {
        print_revision(&mut out, r)?;
        print_workflow(&mut out, &wf.revision_info(&index, &s, r))?;
    }
    Ok(0)
}

/// State, rules and checks of a revision, when there is more to say than
/// the automatic state.
fn print_workflow(out: &mut impl Write, info: &RevisionInfo) -> Result<()> {
    if info.state_explicit {
        writeln!(out, "  state: {}", info.state)?;
    }
    if !info.rules.is_empty() {
        writeln!(out, "  rules: {}", info.rules.join(", "))?;
    }
    for c in &info.checks {
        writeln!(
            out,
            "  check {}: {}  {}{}",
            c.check,
            c.status,
            sanitize_line(&c.summary),
            c.output
                .as_ref()
                .map(|p| format!("  ({})", p.display()))
                .unwrap_or_default()
        )?;
    }
    Ok(())
}

fn print_revision(out: &mut impl Write, r: &Revision) -> Result<()> {
    let c = r.counts();
    writeln!(
        out,
        "\n{} {}  {}/{}{}  A:{} R:{} T:{}{}  {} follow-ups{}",
        r.label(),
        short_date(r.date),
        r.received(),
        r.total,
        if r.complete() {
            String::new()
        } else {
            format!(" (missing {})", putt_core::series::slot_ranges(&r.missing))
        },
        c.acked,
        c.reviewed,
        c.tested,
        if c.nacked > 0 { " NAK" } else { "" },
        r.followups,
        if r.superseded { "  [superseded]" } else { "" }
    )?;
    if let Some(why) = r.why_linked() {
        let hint = if r.split {
            " (`putt link` joins it again)"
        } else {
            ""
        };
        writeln!(out, "  linked: {}{hint}", sanitize_line(&why))?;
    }
    if let Some(p) = &r.partial_of {
        writeln!(out, "  partial re-roll: other patches from v{p}")?;
    }
    if let Some(b) = &r.base_commit {
        writeln!(out, "  base-commit: {b}")?;
    }
    if let Some(c) = &r.change_id {
        writeln!(out, "  change-id: {}", sanitize_line(c))?;
    }
    if let Some(p) = &r.pull {
        writeln!(
            out,
            "  pull: {} {}",
            sanitize_line(&p.url),
            sanitize_line(p.branch.as_deref().unwrap_or(""))
        )?;
    }
    if let Some(cover) = &r.cover {
        writeln!(
            out,
            "  0/{} {}  <{}>",
            r.total,
            sanitize_line(&cover.subject),
            sanitize_line(&cover.message_id)
        )?;
        for t in &r.cover_trailers {
            writeln!(
                out,
                "        + {}  (for the series, from {})",
                sanitize_line(&t.line()),
                sanitize_line(&t.sender)
            )?;
        }
    }
    for p in &r.patches {
        writeln!(
            out,
            "  {}/{} {}  <{}>{}",
            p.counter,
            r.total,
            sanitize_line(&p.mail.subject),
            sanitize_line(&p.mail.message_id),
            if p.inherited {
                "  (from the earlier revision)"
            } else {
                ""
            }
        )?;
        for t in &p.trailers {
            let via = match t.via {
                putt_core::series::Via::Carried => format!("  (carried from v{})", t.version),
                putt_core::series::Via::Cover => "  (via the cover)".to_string(),
                _ => String::new(),
            };
            writeln!(out, "        + {}{}", sanitize_line(&t.line()), via)?;
        }
        for t in &p.someone_else {
            writeln!(
                out,
                "        ? {}  (sent by {}: not applied)",
                sanitize_line(&t.line()),
                sanitize_line(&t.sender)
            )?;
        }
    }
    Ok(())
}

pub fn trailers(ctx: &Context, args: &TrailersArgs) -> Result<i32> {
    let index = ctx.index()?;
    let named = series::named(&index, &args.series)?;
    let r = named.pick(putt_ops::revision::given(args.version.as_deref())?)?;
    let newer = named.newer(r);
    super::newer_notice(ctx, "trailers", &args.series, &named, r);
    let mut out = std::io::stdout().lock();
    if args.json {
        #[derive(serde::Serialize)]
        struct WithNewer<'a> {
            #[serde(flatten)]
            revision: &'a putt_core::series::Revision,
            /// The version of a revision sent after this one.
            #[serde(skip_serializing_if = "Option::is_none")]
            newer: Option<u32>,
        }
        let w = WithNewer {
            revision: r,
            newer: newer.map(|n| n.version),
        };
        writeln!(out, "{}", putt_core::text::to_json(&w)?)?;
        return Ok(0);
    }
    for p in &r.patches {
        writeln!(
            out,
            "{}/{} {}",
            p.counter,
            r.total,
            sanitize_line(&p.mail.subject)
        )?;
        for t in &p.own_trailers {
            writeln!(
                out,
                "    {}: {}",
                sanitize_line(&t.name),
                sanitize_line(&t.value)
            )?;
        }
        for t in &p.trailers {
            writeln!(
                out,
                "  + {}  ({} <{}>)",
                sanitize_line(&t.line()),
                sanitize_line(&t.sender),
                t.message_id
            )?;
        }
        for t in &p.someone_else {
            writeln!(
                out,
                "  ? {}  (sent by {}: not applied)",
                sanitize_line(&t.line()),
                sanitize_line(&t.sender)
            )?;
        }
    }
    Ok(0)
}
