//! What to do about what the library reports, said in the CLI's terms:
//! the flag or command that helps. The library says only what went wrong
//! (its errors and warnings name no flag); this is the one place the CLI
//! adds its advice.

use putt_ops::Error as Ops;
use putt_ops::am::{AmWarning, LeftOutWhy};
use putt_ops::error::StoreError as Store;

/// The advice for a failure, when there is one.
pub fn for_error(e: &anyhow::Error) -> Option<String> {
    for cause in e.chain() {
        if let Some(o) = cause.downcast_ref::<Ops>() {
            if let Some(h) = for_ops(o) {
                return Some(h);
            }
            if let Some(s) = o.store() {
                return for_store(s);
            }
        }
        if let Some(s) = cause.downcast_ref::<Store>() {
            return for_store(s);
        }
    }
    None
}

fn for_ops(e: &Ops) -> Option<String> {
    Some(match e {
        Ops::NoInbox => super::FIRST_RUN.to_string(),
        Ops::WhichRepository { inbox } => format!(
            "give --repo PATH, or map the inbox to one in the config:\n\n[repos]\n{} = \"~/src/tree\"",
            if inbox.is_empty() {
                "inbox-name"
            } else {
                inbox
            }
        ),
        Ops::NoSigner => "set [identity] name and email in the config, or drop --add-sob".into(),
        Ops::FirstRevision { .. } => "give --from".into(),
        Ops::WhichRevision { series, .. } => {
            format!(
                "name it after the series: putt unlink {series} v2 (or @N, or a Message-ID in it)"
            )
        }
        Ops::NoSuchRevision { .. } | Ops::BadRevision(_) => {
            "name a revision as -v 2, -v v2 or -v @N (the N-th sent); `putt unlink` takes it after the series".into()
        }
        Ops::Query(q) if q.message.starts_with("is: and check:") => {
            "use them with `putt series`".into()
        }
        _ => return None,
    })
}

fn for_store(e: &Store) -> Option<String> {
    Some(match e {
        Store::IndexDamaged { .. } => "`putt index --rebuild` rebuilds it from the archives (triage state, drafts, events and check results are kept)".into(),
        Store::DiskFull { .. } => "free some space and run it again: what was written before is kept".into(),
        Store::IndexLocked { .. } => "wait for it to finish, or pass --wait".into(),
        Store::NoIndex { .. } => "run `putt index` first".into(),
        Store::IndexVersion { .. } => "run `putt index` to rebuild it".into(),
        Store::NoSuchSeries(_) => "give a series id from `putt series`, or the Message-ID of a message in it".into(),
        Store::AmbiguousSeries { .. } => "give more characters of the id".into(),
        Store::Incomplete { .. } => "pass --partial to use the patches that arrived".into(),
        Store::BareRepository { .. } | Store::InProgress { .. } | Store::Dirty { .. } => {
            "commit or stash, finish or abort what git is doing, or apply in a new worktree with --worktree DIR".into()
        }
        Store::BranchExists { .. } => "name another with --branch".into(),
        Store::NoHead { .. } => "give --base".into(),
        Store::NoListAddress { .. } => "reply to all instead (--all)".into(),
        Store::BadMessageIdDomain { .. } => {
            "set [send] message_id_domain, or a valid identity.email, in the config".into()
        }
        Store::Clone { message, .. } if message.contains("not empty") => {
            "remove it, or pick another --dir or --name".into()
        }
        _ => return None,
    })
}

/// An am warning as `putt am` says it: the library's sentence and, where
/// a flag helps, the flag.
pub fn am_warning(w: &AmWarning) -> String {
    match w {
        AmWarning::Newer { version, .. } => format!("{w}; use -v {version} for it"),
        AmWarning::LeftOut {
            counter,
            total,
            line,
            why,
        } => {
            let why = match why {
                LeftOutWhy::Sender(s) => format!("sent by {s}"),
                LeftOutWhy::HiddenCharacters => why.to_string(),
            };
            format!("{counter}/{total}: left out {line} ({why}; --all-trailers adds it)")
        }
        _ => w.to_string(),
    }
}
