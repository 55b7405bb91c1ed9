//! Correcting how series link: `putt link` makes one series a later
//! revision of another, `putt unlink` splits a revision off its series.
//! The corrections are kept in the data dir's database and applied by
//! every grouping from then on ([`crate::session::with_corrections`]).

use std::path::Path;

use putt_core::series::Series;
use putt_store::corrections::CorrectionStore;
use putt_store::index::Index;

use crate::error::{Error, Result};
use crate::revision::RevSpec;

/// What a correction did: the series as they group now.
#[derive(Debug, Clone)]
pub struct Corrected {
    pub series: Vec<Series>,
}

/// Makes the series `later` names a later revision of the series
/// `earlier` names (ids or Message-IDs), in the data dir `data_dir`; the
/// index groups with it from then on.
pub fn link(
    index: &Index,
    data_dir: &Path,
    now: i64,
    earlier: &str,
    later: &str,
) -> Result<Corrected> {
    let a = crate::series::find(index, earlier)?;
    let b = crate::series::find(index, later)?;
    if a.id == b.id {
        return Err(Error::SameSeries { series: a.id });
    }
    let anchor = a.latest().root_message_id().to_string();
    let first = crate::revision::by_date(&b)
        .first()
        .map(|r| r.root_message_id().to_string())
        .unwrap_or_default();
    let store = CorrectionStore::open(data_dir)?;
    store.link(&anchor, &first, now)?;
    regroup(index, &store, &[anchor, first])
}

/// Splits the revision of series `key` that `revision` names (a version,
/// `@N`, or a Message-ID in it; default: the one a Message-ID key is in)
/// off its series.
pub fn unlink(
    index: &Index,
    data_dir: &Path,
    now: i64,
    key: &str,
    revision: Option<&str>,
) -> Result<Corrected> {
    let named = crate::series::named(index, key)?;
    let rev = match revision {
        Some(r) if r.contains('@') && !r.starts_with('@') => {
            let i = crate::revision::containing(&named.series, r).ok_or_else(|| {
                Error::NotInSeries {
                    series: named.series.id.clone(),
                    message_id: putt_core::mail::normalize_message_id(r),
                }
            })?;
            &named.series.revisions[i]
        }
        Some(r) => named.pick(Some(r.parse::<RevSpec>()?))?,
        None if named.revision.is_some() => named.pick(None)?,
        None => {
            return Err(Error::WhichRevision {
                series: named.series.id.clone(),
                have: named.series.revisions.iter().map(|r| r.label()).collect(),
            });
        }
    };
    if named.series.revisions.len() < 2 {
        return Err(Error::OneRevision {
            series: named.series.id.clone(),
            label: rev.label(),
        });
    }
    let root = rev.root_message_id().to_string();
    let mut members = vec![root.clone()];
    members.extend(rev.members.iter().filter(|m| **m != root).cloned());
    let others: Vec<String> = named
        .series
        .revisions
        .iter()
        .map(|r| r.root_message_id().to_string())
        .filter(|r| *r != root)
        .collect();
    let store = CorrectionStore::open(data_dir)?;
    store.split(&members, now)?;
    let mut keys = vec![root];
    keys.extend(others);
    regroup(index, &store, &keys)
}

/// The series holding each of `keys` (each once), grouped with the
/// corrections as they are now.
fn regroup(index: &Index, store: &CorrectionStore, keys: &[String]) -> Result<Corrected> {
    index.set_corrections(store.corrections()?);
    let mut series: Vec<Series> = Vec::new();
    for k in keys {
        let s = crate::series::find(index, k)?;
        if !series.iter().any(|o| o.id == s.id) {
            series.push(s);
        }
    }
    Ok(Corrected { series })
}
