//! `putt demo`: a built-in sample list, indexed and shown, so a new user sees
//! putt work before pointing it at a real archive.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;

use putt_ops::index::Index;
use putt_ops::index::IndexOptions;

use super::Context;

#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// Where to write the sample inbox and its index (default: a temp dir).
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

pub fn run(ctx: &Context, args: &DemoArgs) -> Result<i32> {
    let dir = match &args.dir {
        Some(d) => d.clone(),
        None => std::env::temp_dir().join(format!("putt-demo-{}", std::process::id())),
    };
    let inbox_dir = dir.join("inbox");
    let index_dir = dir.join("index");
    if !inbox_dir.join("git").is_dir() {
        putt_testkit::sample::write_inbox(&inbox_dir)?;
    }
    let inbox = putt_ops::index::Inbox::open("demo", &inbox_dir)?;
    let index = Index::open_or_create(&index_dir)?;
    // The demo's events stay in its own dir, out of the user's log.
    let events = putt_ops::events::EventLog::new(&dir.join("events"), None);
    let report = putt_ops::index::update(
        &index,
        &[inbox],
        &IndexOptions::default(),
        &events,
        &mut |_| {},
    )?
    .report;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "Sample list written to {} and indexed ({} messages).\n",
        inbox_dir.display(),
        report.messages
    )?;
    writeln!(out, "Newest mail:")?;
    for h in index.search("", ctx.now(), 20, 0)? {
        writeln!(
            out,
            "  {}  {}  {}",
            super::short_date(h.date),
            super::fit(&putt_core::text::sanitize_line(&h.from_name()), 16),
            putt_core::text::sanitize_line(&h.subject)
        )?;
    }
    let args_prefix = format!(
        "putt --inbox {} --index-dir {}",
        inbox_dir.display(),
        index_dir.display()
    );
    writeln!(out, "\nTry:")?;
    writeln!(out, "  {args_prefix} search 'dfn:drivers/pwm/'")?;
    writeln!(out, "  {args_prefix} search 's:frob d:2024-03-06..'")?;
    writeln!(
        out,
        "  {args_prefix} show 20240306080000.3000-2-alice@example.org"
    )?;
    Ok(0)
}
