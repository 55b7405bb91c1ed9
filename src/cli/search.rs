//! `putt search` and `putt show`.

use std::io::Write;

use anyhow::Result;

use putt_core::text::{sanitize, sanitize_line};
use putt_ops::index::MessageSummary;

use super::{Context, fit, short_date};

#[derive(clap::Args, Debug)]
pub struct SearchArgs {
    /// Query in public-inbox syntax, e.g. 's:pwm d:2.weeks.ago.. dfn:drivers/pwm/'.
    pub query: Vec<String>,
    /// At most this many results, newest first.
    #[arg(long, short = 'n', default_value_t = 50)]
    pub limit: usize,
    /// Skip this many results first.
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    /// Print only the number of matches.
    #[arg(long)]
    pub count: bool,
    /// One JSON object per line.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct ShowArgs {
    /// Message-ID, with or without angle brackets.
    pub message_id: String,
    /// Print the raw message as stored in the archive.
    #[arg(long)]
    pub raw: bool,
}

pub fn run(ctx: &Context, args: &SearchArgs) -> Result<i32> {
    let index = ctx.index()?;
    let query = args.query.join(" ");
    let mut out = std::io::stdout().lock();
    let parsed = putt_core::query::parse(&query, ctx.now());
    if let Err(e) = parsed {
        anyhow::bail!("bad query:\n{}", e.render(&query));
    }
    if let Ok(ast) = &parsed
        && let Some(span) = putt_ops::series::first_series_term(ast)
    {
        let e = putt_core::query::QueryError {
            message: "is: and check: test series: use them with `putt series`".into(),
            span,
        };
        anyhow::bail!("bad query:\n{}", e.render(&query));
    }
    if args.count {
        writeln!(out, "{}", index.count(&query, ctx.now())?)?;
        return Ok(0);
    }
    let hits = index.search(&query, ctx.now(), args.limit, args.offset)?;
    for h in &hits {
        if args.json {
            writeln!(out, "{}", putt_core::text::to_json(h)?)?;
        } else {
            writeln!(out, "{}", line(h))?;
        }
    }
    Ok(if hits.is_empty() { 1 } else { 0 })
}

fn line(h: &MessageSummary) -> String {
    format!(
        "{}  {}  {}  <{}>",
        short_date(h.date),
        fit(&sanitize_line(&h.from_name()), 20),
        sanitize_line(&h.subject),
        sanitize_line(&h.message_id)
    )
}

pub fn show(ctx: &Context, args: &ShowArgs) -> Result<i32> {
    let index = ctx.index()?;
    let found = index.by_message_id(&args.message_id)?;
    if found.is_empty() {
        return Err(putt_ops::error::StoreError::NoSuchMessage(
            putt_core::mail::normalize_message_id(&args.message_id),
        )
        .into());
    }
    let mut out = std::io::stdout().lock();
    for (i, m) in found.iter().enumerate() {
        let raw = index.raw_message(m)?;
        if i > 0 {
            writeln!(out, "\n{}", "=".repeat(72))?;
        }
        if args.raw {
            super::write_mail(&mut out, &raw)?;
            continue;
        }
        let msg = putt_core::mail::Message::parse(&raw);
        let addrs = |v: &[putt_core::mail::Addr]| {
            v.iter().map(|a| a.display()).collect::<Vec<_>>().join(", ")
        };
        writeln!(out, "From: {}", sanitize_line(&msg.from.display()))?;
        if !msg.to.is_empty() {
            writeln!(out, "To: {}", sanitize_line(&addrs(&msg.to)))?;
        }
        if !msg.cc.is_empty() {
            writeln!(out, "Cc: {}", sanitize_line(&addrs(&msg.cc)))?;
        }
        writeln!(out, "Date: {}", short_date(m.date))?;
        writeln!(out, "Subject: {}", sanitize_line(&msg.subject))?;
        writeln!(out, "Message-ID: <{}>", sanitize_line(&msg.message_id))?;
        if let Some(p) = msg.parent() {
            writeln!(out, "In-Reply-To: <{}>", sanitize_line(p))?;
        }
        writeln!(out, "Inbox: {}", m.inbox)?;
        if msg.is_degraded() {
            writeln!(out, "X-Putt-Degraded: {}", msg.problems.join(", "))?;
        }
        writeln!(out)?;
        write!(out, "{}", sanitize(&msg.body))?;
        if !msg.body.ends_with('\n') {
            writeln!(out)?;
        }
    }
    Ok(0)
}

#[derive(clap::Args, Debug)]
pub struct ThreadArgs {
    /// Message-ID of any message in the thread.
    pub message_id: String,
    /// One JSON object per line: depth, message (absent for placeholders).
    #[arg(long)]
    pub json: bool,
}

pub fn thread(ctx: &Context, args: &ThreadArgs) -> Result<i32> {
    let index = ctx.index()?;
    let t = putt_ops::series::thread(&index, &args.message_id)?;
    let mut out = std::io::stdout().lock();
    for line in t.lines() {
        let node = &t.nodes[line.node];
        if args.json {
            let v = serde_json::json!({
                "depth": line.depth,
                "message_id": node.message_id,
                "message": node.message,
            });
            writeln!(out, "{}", putt_core::text::to_json(&v)?)?;
            continue;
        }
        match &node.message {
            Some(m) => writeln!(
                out,
                "{}  {}  {}{}",
                short_date(m.date),
                fit(&sanitize_line(&m.from_name()), 20),
                line.prefix,
                sanitize_line(&m.subject)
            )?,
            None => writeln!(
                out,
                "{:16}  {}  {}<{}> (not in the archive)",
                "",
                fit("", 20),
                line.prefix,
                sanitize_line(&node.message_id)
            )?,
        }
    }
    Ok(0)
}
