//! `putt am` and `putt apply`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};

use putt_core::text::sanitize_line;
use putt_ops::am::AmOutput;
use putt_ops::am::{self, AmFlags};
use putt_ops::apply::{self, ApplyOptions, ApplyReport, BaseSource, Recovered};
use putt_ops::revision;
use putt_ops::series;

use super::Context;

/// What both commands take to build the mbox (but the series).
#[derive(clap::Args, Debug)]
pub struct MboxArgs {
    /// Revision: `3` or `v3` (the last one sent with that version), or `@N`
    /// for the N-th sent (default: the one a Message-ID is in, else the
    /// one sent last).
    #[arg(long = "revision", short = 'v', value_name = "REV")]
    pub version: Option<String>,
    /// Add your Signed-off-by: last ([identity] in the config, else git's
    /// user.name and user.email).
    #[arg(long, short = 's')]
    pub add_sob: bool,
    /// Add `Link: <URL of the patch>` ([apply] link in the config, default
    /// https://patch.msgid.link/%s).
    #[arg(long, short = 'l')]
    pub add_link: bool,
    /// Use an incomplete revision: the patches that arrived, in order.
    #[arg(long)]
    pub partial: bool,
    /// Also add trailers whose address is not the address that sent them.
    #[arg(long)]
    pub all_trailers: bool,
    /// Add no collected trailers: the patches as sent.
    #[arg(long)]
    pub no_trailers: bool,
}

#[derive(clap::Args, Debug)]
#[command(after_help = "\
Trailers go into each patch's trailer block in b4's order: the patch's own \
(kept as sent), then those from replies to it, then those carried from an \
earlier revision of the unchanged patch, then those from replies to the \
cover letter, then Link:, then your Signed-off-by:.

Examples:
  putt am 1a2b3c4d5e6f                 # writes ./v3-20240501-subject.mbx
  putt am '<msgid@example.org>' -v 2 -s -l -o - | git am")]
pub struct AmArgs {
    /// Series id (from `putt series`), or the Message-ID of any message in it.
    pub series: String,
    #[command(flatten)]
    pub mbox: MboxArgs,
    /// Where to write the mbox; `-` for stdout (default: NAME.mbx here,
    /// NAME being like v3-20240501-short-subject).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write the cover letter, beside the mbox as NAME.cover.
    #[arg(long)]
    pub cover: bool,
    /// Print what was written as JSON (patches, trailers added, warnings).
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
#[command(after_help = "\
The branch starts at the series' base-commit: when the repository has it, \
else at HEAD, or at --base when given (the output says which and why). The checkout must be \
clean, unless --worktree applies in a new worktree. When a patch does not \
apply, the am is aborted and the branch removed: the repository is left as \
it was, and the failing patch is named with git's message (exit status 1). \
An apply that was interrupted (Ctrl-C, a crash) is undone by the next \
apply to that repository, or by --abort; one that had applied every patch \
keeps its branch.

Examples:
  putt apply 1a2b3c4d5e6f --repo ~/src/linux
  putt apply '<msgid@example.org>' --repo . -3 --worktree ../try-it --branch review/foo
  putt apply --abort --repo ~/src/linux     # after an interrupted apply")]
pub struct ApplyArgs {
    /// Series id (from `putt series`), or the Message-ID of any message in it.
    #[arg(required_unless_present = "abort")]
    pub series: Option<String>,
    #[command(flatten)]
    pub mbox: MboxArgs,
    /// Put the repository back as it was before an apply that was
    /// interrupted, and apply nothing.
    #[arg(long, conflicts_with = "series")]
    pub abort: bool,
    /// The repository (default: [repos] in the config, by the series'
    /// inbox name, or the only one there).
    #[arg(long, value_name = "PATH")]
    pub repo: Option<PathBuf>,
    /// The branch to create (default: like v3-20240501-short-subject).
    #[arg(long, short = 'b', value_name = "NAME")]
    pub branch: Option<String>,
    /// Start here instead of the series' base-commit: (needed when the
    /// repository lacks it and HEAD is not the base): any revision git knows.
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,
    /// Fall back on a three-way merge (git am -3).
    #[arg(short = '3', long = "3way")]
    pub three_way: bool,
    /// Apply in a new worktree at DIR (the checkout may then be dirty).
    #[arg(long, value_name = "DIR")]
    pub worktree: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

impl MboxArgs {
    fn flags(&self, cover: bool) -> AmFlags {
        AmFlags {
            add_sob: self.add_sob,
            add_link: self.add_link,
            partial: self.partial,
            all_trailers: self.all_trailers,
            no_trailers: self.no_trailers,
            cover,
        }
    }
}

pub fn am(ctx: &Context, args: &AmArgs) -> Result<i32> {
    let index = ctx.index()?;
    let named = series::named(&index, &args.series)?;
    let series = &named.series;
    let to_stdout = args.output.as_deref() == Some(Path::new("-"));
    if to_stdout && args.cover {
        bail!("--cover writes a second file: give -o FILE, not -o -");
    }
    if to_stdout && args.json {
        bail!("--json prints to stdout, where -o - writes the mbox: give -o FILE");
    }
    let rev = named.pick(revision::given(args.mbox.version.as_deref())?)?;
    super::newer_notice(ctx, "am", &args.series, &named, rev);
    let out = am::mbox(
        &index,
        &ctx.config,
        series,
        rev,
        &args.mbox.flags(args.cover),
        None,
    )?;
    if to_stdout {
        super::write_mail(&mut std::io::stdout().lock(), &out.mbox).context("stdout")?;
        if !ctx.quiet {
            let mut err = std::io::stderr().lock();
            summary(&mut err, &out)?;
        }
        return Ok(0);
    }
    let am::Written { mbox: path, cover } = am::write(&out, args.output.as_deref())?;
    let mut stdout = std::io::stdout().lock();
    if args.json {
        #[derive(serde::Serialize)]
        struct Written<'a> {
            #[serde(flatten)]
            am: &'a AmOutput,
            output: &'a Path,
            #[serde(skip_serializing_if = "Option::is_none")]
            cover_output: Option<&'a Path>,
        }
        let w = Written {
            am: &out,
            output: &path,
            cover_output: cover.as_deref(),
        };
        writeln!(stdout, "{}", putt_core::text::to_json(&w)?)?;
        return Ok(0);
    }
    if !ctx.quiet {
        summary(&mut stdout, &out)?;
        if args.cover && cover.is_none() {
            writeln!(stdout, "({} has no cover letter)", out.label)?;
        }
        if let Some(c) = &cover {
            writeln!(stdout, "Cover letter: {}", c.display())?;
        }
        writeln!(
            stdout,
            "Wrote {} patch(es) to {}\n  git am {}",
            out.patches.len(),
            path.display(),
            shell_word(&path)
        )?;
    }
    Ok(0)
}

/// The mbox's patches with the trailers each gets, then the warnings.
fn summary(out: &mut impl Write, am: &AmOutput) -> Result<()> {
    writeln!(
        out,
        "{} {} of {}: {}",
        am.series,
        am.label,
        sanitize_line(&am.author),
        sanitize_line(&am.subject)
    )?;
    for p in &am.patches {
        writeln!(
            out,
            "  {}{}",
            sanitize_line(&p.subject),
            if p.inherited {
                "  (from the earlier revision)"
            } else {
                ""
            }
        )?;
        for t in &p.trailers_added {
            for line in t.lines() {
                writeln!(out, "    + {}", sanitize_line(line))?;
            }
        }
    }
    if let Some(b) = &am.base_commit {
        writeln!(out, "  base-commit: {}", sanitize_line(b))?;
    }
    // A newer revision is said on stderr, with the command for it.
    let warnings = am
        .warnings
        .iter()
        .filter(|w| !matches!(w, am::AmWarning::Newer { .. }));
    for w in warnings {
        writeln!(
            out,
            "warning: {}",
            sanitize_line(&super::hint::am_warning(w))
        )?;
    }
    Ok(())
}

fn shell_word(p: &Path) -> String {
    let s = p.display().to_string();
    if s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_./+=:@".contains(&b))
    {
        s
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

pub fn apply(ctx: &Context, args: &ApplyArgs) -> Result<i32> {
    if args.abort {
        return abort(ctx, args);
    }
    let Some(key) = &args.series else {
        bail!("which series? give its id or a Message-ID (or --abort)");
    };
    let index = ctx.index()?;
    let named = series::named(&index, key)?;
    let series = &named.series;
    let rev = named.pick(revision::given(args.mbox.version.as_deref())?)?;
    super::newer_notice(ctx, "apply", key, &named, rev);
    let repo = putt_ops::repo::for_revision(&ctx.config, rev, args.repo.as_deref())?;
    let apply_opts = ApplyOptions {
        repo,
        branch: args.branch.clone(),
        base: args.base.clone(),
        three_way: args.three_way,
        worktree: args.worktree.clone(),
    };
    let am = am::mbox(
        &index,
        &ctx.config,
        series,
        rev,
        &args.mbox.flags(false),
        Some(&apply_opts.repo),
    )?;
    let report = apply::apply_mbox(&am, &apply_opts)?;
    let code = if report.ok() { 0 } else { 1 };
    let mut stdout = std::io::stdout().lock();
    if args.json {
        writeln!(stdout, "{}", putt_core::text::to_json(&report)?)?;
        return Ok(code);
    }
    print_report(&mut stdout, &report)?;
    Ok(code)
}

/// `putt apply --abort`: the repository (`--repo`, else the only one in
/// the config, else here) put back after an interrupted apply.
fn abort(ctx: &Context, args: &ApplyArgs) -> Result<i32> {
    let repo = match (&args.repo, ctx.config.repos.len()) {
        (Some(p), _) => p.clone(),
        (None, 1) => ctx.config.repos.values().next().expect("one repo").clone(),
        (None, _) => PathBuf::from("."),
    };
    let recovered = apply::recover(&repo)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(
            out,
            "{}",
            putt_core::text::to_json(&serde_json::json!({ "repo": repo, "recovered": recovered }))?
        )?;
        return Ok(0);
    }
    match &recovered {
        None => writeln!(
            out,
            "No interrupted apply in {}: nothing to do.",
            repo.display()
        )?,
        Some(r) => write_recovered(&mut out, r, &repo)?,
    }
    Ok(0)
}

fn write_recovered(out: &mut impl Write, r: &Recovered, repo: &Path) -> Result<()> {
    if r.finished {
        writeln!(
            out,
            "An interrupted apply had applied every patch: branch {} is kept.",
            r.branch
        )?;
    } else {
        writeln!(
            out,
            "An interrupted apply was undone: branch {} removed, {} is as it was.",
            r.branch,
            repo.display()
        )?;
    }
    for w in &r.warnings {
        writeln!(out, "warning: {}", sanitize_line(w))?;
    }
    Ok(())
}

fn print_report(out: &mut impl Write, r: &ApplyReport) -> Result<()> {
    if let Some(rec) = &r.recovered {
        write_recovered(out, rec, &r.repo)?;
    }
    summary(out, &r.am)?;
    let base = &r.base[..12.min(r.base.len())];
    match r.base_source {
        BaseSource::BaseCommit => writeln!(out, "Base: {base} (the series' base-commit)")?,
        BaseSource::Given => writeln!(out, "Base: {base} (--base)")?,
        BaseSource::Head => writeln!(out, "Base: {base} (HEAD)")?,
    }
    if let Some(n) = &r.base_note {
        // The series' base is not in the repository: HEAD stands in.
        let hint = if r.base_source == BaseSource::Head && r.am.base_commit.is_some() {
            " (fetch the base, or give --base)"
        } else {
            ""
        };
        writeln!(out, "note: {}{hint}", sanitize_line(n))?;
    }
    match &r.failed {
        None => {
            let place = match &r.worktree {
                Some(w) => format!(" in the worktree {}", w.display()),
                None => String::new(),
            };
            writeln!(
                out,
                "Applied {} patch(es) on branch {}{place}:",
                r.applied.len(),
                r.branch
            )?;
            for a in &r.applied {
                writeln!(
                    out,
                    "  {} {}",
                    &a.commit[..12.min(a.commit.len())],
                    sanitize_line(&a.subject)
                )?;
            }
        }
        Some(f) => {
            writeln!(
                out,
                "Failed: {} <{}> does not apply on {base}:",
                sanitize_line(&f.subject),
                sanitize_line(&f.message_id)
            )?;
            for line in f.message.lines() {
                writeln!(out, "  {}", sanitize_line(line))?;
            }
            writeln!(
                out,
                "The am was aborted and branch {} removed; {} is as it was. Try -3, or --base.",
                r.branch,
                r.repo.display()
            )?;
        }
    }
    for w in &r.warnings {
        writeln!(out, "warning: {}", sanitize_line(w))?;
    }
    Ok(())
}
