//! `putt reply` and `putt drafts`: answer a message (or review a whole
//! series) from the shell, with the same library calls the TUI makes.

use std::io::{BufRead, Write};

use anyhow::{Context as _, Result};
use serde_json::json;

use putt_core::text::sanitize_line;
use putt_ops::config::Dirs;
use putt_ops::reply::{self, AfterEdit, Drafts, Mode, Review, SendOutcome};

use super::Context;

#[derive(clap::Args, Debug)]
pub struct ReplyArgs {
    /// The Message-ID to answer (angle brackets optional); with --series,
    /// any message of the series or a series id.
    pub message_id: String,
    /// To the sender, everyone else in Cc, yourself left out (mutt's `g`).
    #[arg(long, short = 'a', conflicts_with_all = ["list", "sender"])]
    pub all: bool,
    /// To the mailing list only (mutt's `L`).
    #[arg(long, conflicts_with = "sender")]
    pub list: bool,
    /// To the sender only (mutt's `r`): the default, except with --trailer,
    /// which goes to everyone so the trailer reaches the list archive.
    #[arg(long)]
    pub sender: bool,
    /// Reply with a review trailer for yourself: reviewed-by, acked-by or
    /// tested-by.
    #[arg(long, short = 't', value_name = "KIND")]
    pub trailer: Option<Review>,
    /// Answer the whole series: its cover letter, or each patch when it has
    /// no cover letter.
    #[arg(long)]
    pub series: bool,
    /// Send without asking (after the editor with --edit).
    #[arg(long, conflicts_with_all = ["print", "save"])]
    pub send: bool,
    /// Write the mail to stdout; nothing is saved or sent.
    #[arg(long, conflicts_with_all = ["save", "edit"])]
    pub print: bool,
    /// Open $VISUAL/$EDITOR first; then keep the draft (or send with --send).
    #[arg(long, conflicts_with = "save")]
    pub edit: bool,
    /// Keep it in the drafts folder, without editing or sending.
    #[arg(long)]
    pub save: bool,
    /// Print the outcome (or, with --print, the draft) as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct DraftsArgs {
    #[command(subcommand)]
    pub action: Option<DraftsAction>,
    /// One JSON object per draft per line.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Subcommand, Debug)]
pub enum DraftsAction {
    /// Send a draft (its Date becomes now); kept when sending fails.
    Send {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Open a draft in the editor, then ask what to do with it.
    Edit { id: String },
    /// Delete a draft.
    Rm { id: String },
}

pub fn run(ctx: &Context, args: &ReplyArgs) -> Result<i32> {
    let index = ctx.index()?;
    let targets = reply::targets(&index, &args.message_id, args.series)?;
    let mode = if args.list {
        Mode::List
    } else if args.all || (args.trailer.is_some() && !args.sender) {
        Mode::All
    } else {
        Mode::Sender
    };
    let drafts = reply::compose(
        &index,
        &ctx.config,
        &ctx.clock,
        &targets,
        mode,
        args.trailer,
    )?;
    if !ctx.quiet {
        for (target, draft) in targets.iter().zip(&drafts) {
            for w in &draft.warnings {
                eprintln!("putt: <{}>: {}", sanitize_line(target), sanitize_line(w));
            }
        }
    }
    if args.series && targets.len() > 1 && !ctx.quiet {
        eprintln!(
            "putt: the series has no cover letter: one reply per patch ({})",
            targets.len()
        );
    }

    let mut out = std::io::stdout().lock();
    if args.print {
        for d in &drafts {
            if args.json {
                let mail = String::from_utf8_lossy(&d.to_bytes()?).into_owned();
                writeln!(
                    out,
                    "{}",
                    putt_core::text::to_json(&json!({ "draft": d, "mail": mail }))?
                )?;
            } else if drafts.len() == 1 {
                super::write_mail(&mut out, &d.to_bytes()?)?;
            } else {
                super::write_mail(
                    &mut out,
                    &reply::mbox_entry(&d.to_bytes()?, &d.from.addr, d.date),
                )?;
            }
        }
        return Ok(0);
    }

    let store = Drafts::new(&Dirs::data_dir());
    for d in &drafts {
        let path = store.save(d)?;
        let id = d.message_id.as_str();
        if args.save {
            report_saved(&mut out, args.json, id, &path)?;
            continue;
        }
        if args.send && !args.edit {
            let outcome = reply::send(&ctx.config, &Dirs::data_dir(), &ctx.clock, id)?;
            report_sent(&mut out, args.json, &outcome)?;
            continue;
        }
        if args.edit {
            reply::edit(&path)?;
            if args.send {
                let outcome = reply::send(&ctx.config, &Dirs::data_dir(), &ctx.clock, id)?;
                report_sent(&mut out, args.json, &outcome)?;
            } else {
                report_saved(&mut out, args.json, id, &path)?;
            }
            continue;
        }
        edit_and_ask(ctx, &mut out, args.json, &store, id)?;
    }
    Ok(0)
}

/// mutt's loop: edit, then send / edit again / keep / discard. End of input
/// keeps the draft: nothing typed is ever thrown away.
fn edit_and_ask(
    ctx: &Context,
    out: &mut impl Write,
    json: bool,
    store: &Drafts,
    id: &str,
) -> Result<()> {
    let path = store.path(id);
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    loop {
        reply::edit(&path)?;
        let draft = store.load(id)?;
        let choice = loop {
            eprint!(
                "{} to {}\n{}? ",
                sanitize_line(&draft.subject),
                sanitize_line(
                    &draft
                        .to
                        .iter()
                        .chain(&draft.cc)
                        .map(|a| a.display())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                AfterEdit::prompt()
            );
            std::io::stderr().flush()?;
            match lines.next() {
                None => break AfterEdit::Postpone,
                Some(line) => {
                    let line = line.context("reading the answer")?;
                    if let Some(c) = line.trim().chars().next()
                        && let Some(a) = AfterEdit::from_key(c.to_ascii_lowercase())
                    {
                        break a;
                    }
                }
            }
        };
        match choice {
            AfterEdit::Edit => continue,
            AfterEdit::Send => {
                match reply::send(&ctx.config, &Dirs::data_dir(), &ctx.clock, id) {
                    Ok(outcome) => report_sent(out, json, &outcome)?,
                    // Keep the loop: the user can fix the draft and retry.
                    Err(e) => {
                        eprintln!("putt: {}", sanitize_line(&e.to_string()));
                        continue;
                    }
                }
                return Ok(());
            }
            AfterEdit::Postpone => return report_saved(out, json, id, &path),
            AfterEdit::Discard => {
                store.delete(id)?;
                if json {
                    writeln!(
                        out,
                        "{}",
                        putt_core::text::to_json(
                            &json!({ "outcome": "discarded", "message_id": id })
                        )?
                    )?;
                } else {
                    writeln!(out, "discarded <{}>", sanitize_line(id))?;
                }
                return Ok(());
            }
        }
    }
}

fn report_sent(out: &mut impl Write, json: bool, outcome: &SendOutcome) -> Result<()> {
    if json {
        writeln!(out, "{}", putt_core::text::to_json(outcome)?)?;
    } else {
        writeln!(out, "{}", sanitize_line(&outcome.describe()))?;
    }
    Ok(())
}

fn report_saved(out: &mut impl Write, json: bool, id: &str, path: &std::path::Path) -> Result<()> {
    if json {
        writeln!(
            out,
            "{}",
            putt_core::text::to_json(
                &json!({ "outcome": "saved", "message_id": id, "path": path })
            )?
        )?;
    } else {
        writeln!(
            out,
            "draft <{}> kept in {} (send it with `putt drafts send {}`)",
            sanitize_line(id),
            path.display(),
            sanitize_line(id)
        )?;
    }
    Ok(())
}

/// `putt drafts`, `putt drafts send|edit|rm ID`.
pub fn drafts(ctx: &Context, args: &DraftsArgs) -> Result<i32> {
    let data = Dirs::data_dir();
    let store = Drafts::new(&data);
    let mut out = std::io::stdout().lock();
    match &args.action {
        None => {
            let list = store.list()?;
            for d in &list {
                if args.json {
                    writeln!(out, "{}", putt_core::text::to_json(d)?)?;
                } else {
                    writeln!(
                        out,
                        "{}  {}  {}  {}",
                        super::short_date(d.modified),
                        sanitize_line(&d.id),
                        super::fit(&sanitize_line(&d.recipients.join(", ")), 24),
                        sanitize_line(&d.subject)
                    )?;
                }
            }
            Ok(if list.is_empty() { 1 } else { 0 })
        }
        Some(DraftsAction::Send { id, json }) => {
            let outcome = reply::send(&ctx.config, &Dirs::data_dir(), &ctx.clock, id)?;
            report_sent(&mut out, *json, &outcome)?;
            Ok(0)
        }
        Some(DraftsAction::Edit { id }) => {
            // Fail early, before an editor opens on an empty new file.
            store.load(id)?;
            edit_and_ask(ctx, &mut out, false, &store, id)?;
            Ok(0)
        }
        Some(DraftsAction::Rm { id }) => {
            store.delete(id)?;
            writeln!(out, "deleted {}", store.path(id).display())?;
            Ok(0)
        }
    }
}
