//! What the keys about one revision do wherever a revision is shown (the
//! list's newest, the thread's, a message's): set its state, apply it,
//! export it, split it off its series. Each asks on the prompt first; the answers become a triage
//! change or a git job. Shared here so the list, the thread and the
//! message screens ask the same questions in the same words.

use std::path::PathBuf;

use super::{Ctx, Effect, StoreOp, info, prompt};
use crate::event::Job;
use crate::keymap::Action;
use crate::prompt::{Answer, Ask, Target};
use putt_ops::triage::TriageState;

/// Opens the prompt `a` needs about `target`.
pub fn ask(a: Action, target: Target, cx: &Ctx) -> Vec<Effect> {
    let rev = target.series.revisions.get(target.revision);
    let label = rev.map(|r| r.label()).unwrap_or_default();
    match a {
        Action::SetState => vec![prompt(
            Ask::State(target),
            format!(
                "State of {label}: n)ew r)eviewing w)aiting a)ccepted x)rejected s)uperseded i)gnored c)lear "
            ),
            "",
        )],
        Action::Apply | Action::Export if cx.git_running => {
            vec![info("An apply or export is still running.")]
        }
        Action::Apply => {
            // The [repos] entry named like the inbox, else the first.
            let default = rev
                .and_then(|r| {
                    r.patches
                        .iter()
                        .find_map(|p| cx.repos.iter().find(|(n, _)| *n == p.mail.inbox))
                })
                .or(cx.repos.first())
                .map(|(n, _)| n.clone())
                .unwrap_or_default();
            let label = if cx.repos.is_empty() {
                "Apply to repo (path; [repos] in config.toml names them): ".to_string()
            } else {
                let names: Vec<&str> = cx.repos.iter().map(|(n, _)| n.as_str()).collect();
                format!("Apply to repo ({} or a path): ", names.join(", "))
            };
            vec![prompt(Ask::ApplyRepo(target), label, default)]
        }
        Action::Unlink if cx.git_running => vec![info("An apply or export is still running.")],
        Action::Unlink => {
            if target.series.revisions.len() < 2 {
                return vec![info("This series has one revision: nothing to split off.")];
            }
            vec![prompt(
                Ask::Unlink(target),
                format!("Split {label} off this series? (y/n) "),
                "",
            )]
        }
        Action::Export => {
            let name = rev.map_or_else(|| "series".into(), crate::git::default_name);
            vec![prompt(
                Ask::Export(target),
                "Export mbox to: ",
                format!("./{name}.mbx"),
            )]
        }
        _ => Vec::new(),
    }
}

/// The answer to a prompt [`ask`] opened.
pub fn answer(ask: Ask, answer: Answer, cx: &Ctx) -> Vec<Effect> {
    match (ask, answer) {
        (Ask::State(target), Answer::Key(Some(c))) => choose_state(target, c),
        (Ask::State(_), _) => vec![info("State unchanged.")],
        (Ask::ApplyRepo(target), Answer::Line(input)) => {
            if input.is_empty() {
                return vec![info("Apply cancelled.")];
            }
            let repo = cx
                .repos
                .iter()
                .find(|(n, _)| *n == input)
                .map(|(_, p)| p.clone())
                .unwrap_or_else(|| expand_home(&input));
            let branch = target
                .series
                .revisions
                .get(target.revision)
                .map_or_else(|| "series".into(), crate::git::default_name);
            vec![prompt(
                Ask::ApplyBranch(target, repo),
                "New branch: ",
                branch,
            )]
        }
        (Ask::ApplyBranch(target, repo), Answer::Line(branch)) => {
            if branch.is_empty() {
                return vec![info("Apply cancelled.")];
            }
            vec![
                info(format!("Applying to {} …", repo.display())),
                Effect::Git(Job::Apply {
                    series: target.series,
                    revision: target.revision,
                    repo,
                    branch,
                }),
            ]
        }
        (Ask::Unlink(target), Answer::Key(Some('y'))) => {
            let Some(r) = target.series.revisions.get(target.revision) else {
                return Vec::new();
            };
            vec![
                info(format!("Splitting {} off …", r.label())),
                Effect::Git(Job::Unlink {
                    root: r.root_message_id().to_string(),
                }),
            ]
        }
        (Ask::Link { earlier, later }, Answer::Key(Some('y'))) => {
            vec![info("Linking …"), Effect::Git(Job::Link { earlier, later })]
        }
        (Ask::Unlink(_) | Ask::Link { .. }, _) => vec![info("Nothing changed.")],
        (Ask::Export(target), Answer::Line(path)) => {
            if path.is_empty() {
                return vec![info("Export cancelled.")];
            }
            vec![
                info("Exporting …"),
                Effect::Git(Job::Export {
                    series: target.series,
                    revision: target.revision,
                    path: expand_home(&path),
                }),
            ]
        }
        _ => Vec::new(),
    }
}

/// The state key `c` picked for `target`.
fn choose_state(target: Target, c: char) -> Vec<Effect> {
    if target.series.revisions.get(target.revision).is_none() {
        return Vec::new();
    }
    let state = if c == 'c' {
        None
    } else {
        match TriageState::ALL.into_iter().find(|s| s.letter() == c) {
            Some(s) => Some(s),
            None => return vec![info(format!("No state for `{c}`: state unchanged."))],
        }
    };
    vec![Effect::Store(StoreOp::SetState { target, state })]
}

fn expand_home(p: &str) -> PathBuf {
    putt_ops::config::expand_home(std::path::Path::new(p))
}
