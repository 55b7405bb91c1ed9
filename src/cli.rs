//! Subcommand implementations for the `putt` binary. They only parse
//! options, call the library and print; every capability lives in `putt`.

use std::io::Write;

use anyhow::Result;

use putt_ops::Session;
use putt_ops::config::Dirs;

pub mod apply;
pub mod check;
pub mod demo;
pub mod events;
pub mod hint;
pub mod index;
pub mod interdiff;
pub mod link;
pub mod reply;
pub mod search;
pub mod series;
pub mod state;
pub mod sync;
#[cfg(feature = "tui")]
pub mod tui;

pub const FIRST_RUN: &str = "\
putt has no inbox yet. Clone a list from lore (or any public-inbox server):

  putt clone https://lore.kernel.org/linux-kbuild --epochs 1   # newest epoch: a quick start

It is added to your config and indexed; `putt sync` keeps it current.
An archive already on disk works too:

  putt --inbox ~/lore/linux-kbuild index      # or add an [[inbox]] (name, path) to the config

`putt config` shows where the config is; `putt demo` shows putt on a built-in sample.";

/// What every subcommand needs: the session (config, index, clock) and
/// the global flags.
pub struct Context {
    pub session: Session,
    pub quiet: bool,
}

impl std::ops::Deref for Context {
    type Target = Session;

    fn deref(&self) -> &Session {
        &self.session
    }
}

impl Context {
    pub fn load(args: &crate::Args) -> Result<Context> {
        Ok(Context {
            session: Session::load(
                args.config.as_deref(),
                &args.inboxes,
                args.index_dir.clone(),
            )?,
            quiet: args.quiet,
        })
    }

    /// Whether to draw progress bars.
    pub fn progress(&self) -> bool {
        !self.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr())
    }
}

/// Writes bytes that came from mail (a message, an mbox, a draft quoting
/// one) to stdout: as they are into a pipe or a file (`| git am`), through
/// the sanitizer when stdout is a terminal, where an escape sequence in a
/// mail could retitle it, clear it or write the clipboard.
pub fn write_mail(out: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        write!(
            out,
            "{}",
            putt_core::text::sanitize(&String::from_utf8_lossy(bytes))
        )
    } else {
        out.write_all(bytes)
    }
}

/// `putt config`.
pub fn config(ctx: &Context) -> Result<i32> {
    let mut out = std::io::stdout().lock();
    let path = ctx.config.path.clone().unwrap_or_else(Dirs::config_file);
    let exists = path.is_file();
    writeln!(
        out,
        "# config file: {}{}",
        path.display(),
        if exists { "" } else { " (not created yet)" }
    )?;
    writeln!(out, "# data dir:    {}", Dirs::data_dir().display())?;
    writeln!(out, "# index dir:   {}", ctx.index_dir.display())?;
    writeln!(
        out,
        "# clones:      {} (`putt clone`)",
        Dirs::data_dir().join("inboxes").display()
    )?;
    writeln!(
        out,
        "# sync jobs:   {}",
        ctx.config
            .sync
            .jobs
            .unwrap_or(putt_ops::sync::SyncOptions::default().jobs)
    )?;
    let text = ctx.config.to_toml()?;
    writeln!(out, "{text}")?;
    Ok(0)
}

/// Says on stderr that a revision newer than the one a command works on
/// exists (a Message-ID names the revision it is in, however old), and
/// how to ask for it.
pub fn newer_notice(
    ctx: &Context,
    command: &str,
    key: &str,
    named: &putt_ops::series::Named,
    this: &putt_core::series::Revision,
) {
    let Some(newer) = named.newer(this) else {
        return;
    };
    if ctx.quiet {
        return;
    }
    let _ = writeln!(
        std::io::stderr().lock(),
        "putt: {} exists (sent after {}): putt {command} {} -v {}",
        newer.label(),
        this.label(),
        putt_core::text::sanitize_line(key),
        putt_ops::revision::spec_of(&named.series, newer)
    );
}

/// `2024-03-04 09:00` in UTC.
pub fn short_date(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "????-??-?? ??:??".into())
}

/// Pads or cuts `s` to `width` terminal columns, with an ellipsis when cut.
pub fn fit(s: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    let mut out = String::new();
    let mut used = 0;
    let total: usize = s.chars().map(|c| c.width().unwrap_or(0)).sum();
    if total <= width {
        out.push_str(s);
        used = total;
    } else {
        for c in s.chars() {
            let w = c.width().unwrap_or(0);
            if used + w + 1 > width {
                break;
            }
            out.push(c);
            used += w;
        }
        out.push('…');
        used += 1;
    }
    while used < width {
        out.push(' ');
        used += 1;
    }
    out
}
