//! `putt events`: the event log, one event per line; `--follow` waits for
//! more.

use std::io::Write;
use std::time::Duration;

use anyhow::Result;

use putt_core::text::sanitize_line;
use putt_ops::events::{Event, EventKind, EventLog, EventReader};

use super::{Context, short_date};

#[derive(clap::Args, Debug)]
pub struct EventsArgs {
    /// Keep printing events as they are written (Ctrl-C to stop).
    #[arg(long, short = 'f')]
    pub follow: bool,
    /// Only events after this sequence number.
    #[arg(long, value_name = "SEQ")]
    pub since: Option<u64>,
    /// Only the last N events (then, with --follow, the new ones).
    #[arg(long, short = 'n', value_name = "N")]
    pub last: Option<usize>,
    /// Only events whose type starts with this (`check.`, `series.new`);
    /// repeatable.
    #[arg(long = "type", short = 't', value_name = "TYPE")]
    pub types: Vec<String>,
    /// The events as written: one JSON object per line.
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Context, args: &EventsArgs) -> Result<i32> {
    let log = EventLog::from_config(&ctx.config);
    let mut reader = EventReader::new(&log);
    let keep = |e: &Event| {
        args.since.is_none_or(|s| e.seq > s)
            && (args.types.is_empty()
                || args
                    .types
                    .iter()
                    .any(|t| e.kind.name().starts_with(t.as_str())))
    };
    let mut first: Vec<Event> = reader.read_new()?.into_iter().filter(|e| keep(e)).collect();
    if let Some(n) = args.last {
        let cut = first.len().saturating_sub(n);
        first.drain(..cut);
    }
    let mut printed = 0usize;
    {
        let mut out = std::io::stdout().lock();
        for e in &first {
            print(&mut out, e, args.json)?;
            printed += 1;
        }
        out.flush()?;
    }
    if !args.follow {
        return Ok(if printed == 0 { 1 } else { 0 });
    }
    loop {
        std::thread::sleep(Duration::from_millis(200));
        let new: Vec<Event> = reader.read_new()?.into_iter().filter(|e| keep(e)).collect();
        if new.is_empty() {
            continue;
        }
        let mut out = std::io::stdout().lock();
        for e in &new {
            print(&mut out, e, args.json)?;
        }
        // A reader that went away (`| head`) ends the loop.
        if out.flush().is_err() {
            return Ok(0);
        }
    }
}

fn print(out: &mut impl Write, e: &Event, json: bool) -> Result<()> {
    if json {
        writeln!(out, "{}", putt_core::text::to_json(e)?)?;
        return Ok(());
    }
    let what = match &e.kind {
        EventKind::SeriesNew {
            series,
            version,
            subject,
            author,
            total,
            ..
        } => format!(
            "{series} v{version} 0/{total}  {}  ({})",
            sanitize_line(subject),
            sanitize_line(author)
        ),
        EventKind::RevisionNew {
            series,
            version,
            subject,
            previous,
            ..
        } => format!(
            "{series} v{version}{}  {}",
            previous
                .map(|p| format!(" (after v{p})"))
                .unwrap_or_default(),
            sanitize_line(subject)
        ),
        EventKind::TrailerNew {
            series,
            version,
            patch,
            name,
            value,
            suspicious,
            ..
        } => format!(
            "{series} v{version} {}  {}: {}{}",
            if *patch == 0 {
                "series".to_string()
            } else {
                format!("patch {patch}")
            },
            sanitize_line(name),
            sanitize_line(value),
            if *suspicious {
                "  (sent by someone else)"
            } else {
                ""
            }
        ),
        EventKind::CheckStarted {
            check,
            series,
            version,
            ..
        } => format!("{series} v{version} {check}"),
        EventKind::CheckFinished {
            check,
            series,
            version,
            status,
            summary,
            ..
        } => format!(
            "{series} v{version} {check} {status}: {}",
            sanitize_line(summary)
        ),
        EventKind::StateChanged {
            series,
            version,
            from,
            to,
            ..
        } => format!("{series} v{version} {from} -> {to}"),
        EventKind::InboxImported { inbox, messages } => {
            format!("{} ({messages} messages)", sanitize_line(inbox))
        }
    };
    writeln!(
        out,
        "{:>5} {}  {:<14} {}",
        e.seq,
        short_date(e.time),
        e.kind.name(),
        what
    )?;
    Ok(())
}
