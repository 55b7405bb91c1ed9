//! Which revision of a series the user means: `v3` or `3` (the last one
//! sent with that version), `@N` (the N-th sent), the one a Message-ID is
//! in, or the one sent last. One reading of it for every command and the
//! TUI.

use std::str::FromStr;

use putt_core::series::{Revision, Series};

use crate::error::{Error, Result};

/// A revision as the user names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RevSpec {
    /// The one sent last.
    #[default]
    Latest,
    /// The last one sent with this version.
    Version(u32),
    /// The N-th (from 1) by the date it was sent.
    Nth(usize),
}

impl FromStr for RevSpec {
    type Err = Error;

    fn from_str(s: &str) -> Result<RevSpec> {
        let s = s.trim();
        if let Some(n) = s.strip_prefix('@') {
            return match n.parse::<usize>() {
                Ok(n) if n > 0 => Ok(RevSpec::Nth(n)),
                _ => Err(Error::BadRevision(s.to_string())),
            };
        }
        s.trim_start_matches(['v', 'V'])
            .parse()
            .map(RevSpec::Version)
            .map_err(|_| Error::BadRevision(s.to_string()))
    }
}

impl std::fmt::Display for RevSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RevSpec::Latest => f.write_str("the latest revision"),
            RevSpec::Version(v) => write!(f, "v{v}"),
            RevSpec::Nth(n) => write!(f, "@{n}"),
        }
    }
}

/// Parses an optional revision argument: none is the latest.
pub fn spec(s: Option<&str>) -> Result<RevSpec> {
    s.map_or(Ok(RevSpec::Latest), str::parse)
}

/// Parses an optional revision argument, keeping "none given" apart (a
/// Message-ID then names the revision: [`crate::series::Named::pick`]).
pub fn given(s: Option<&str>) -> Result<Option<RevSpec>> {
    s.map(str::parse).transpose()
}

/// The revision `spec` names in `series`.
pub fn pick(series: &Series, spec: RevSpec) -> Result<&Revision> {
    let found = match spec {
        RevSpec::Latest => Some(series.latest()),
        RevSpec::Version(v) => series.revision(v),
        RevSpec::Nth(n) => n
            .checked_sub(1)
            .and_then(|i| by_date(series).get(i).copied()),
    };
    found.ok_or_else(|| Error::NoSuchRevision {
        series: series.id.clone(),
        wanted: spec.to_string(),
        have: series.revisions.iter().map(Revision::label).collect(),
    })
}

/// The revisions of `series` in the order they were sent (a v1 sent after
/// v8 comes ninth); on equal dates, the lower version first.
pub fn by_date(series: &Series) -> Vec<&Revision> {
    let mut v: Vec<&Revision> = series.revisions.iter().collect();
    v.sort_by_key(|r| (r.date, r.version));
    v
}

/// The newest revision of `series` when `rev` is not it: what a command
/// working on an older revision mentions.
pub fn newer<'a>(series: &'a Series, rev: &Revision) -> Option<&'a Revision> {
    let latest = series.latest();
    (!std::ptr::eq(latest, rev) && latest.root_message_id() != rev.root_message_id())
        .then_some(latest)
}

/// What `-v` takes to name `rev` again: its version when no other
/// revision has that number, else `@N`, its place in the order sent.
pub fn spec_of(series: &Series, rev: &Revision) -> String {
    if series
        .revisions
        .iter()
        .filter(|r| r.version == rev.version)
        .count()
        == 1
    {
        return rev.version.to_string();
    }
    let n = by_date(series)
        .iter()
        .position(|r| std::ptr::eq(*r, rev))
        .unwrap_or(0);
    format!("@{}", n + 1)
}

/// Index in `series.revisions` of the revision the Message-ID `key` is
/// in (with or without angle brackets), if any.
pub fn containing(series: &Series, key: &str) -> Option<usize> {
    let mid = putt_core::mail::normalize_message_id(key);
    series
        .revisions
        .iter()
        .position(|r| r.members.contains(&mid))
        .or_else(|| {
            // A patch inherited by a partial re-roll is in the revision
            // that sent it.
            series.revisions.iter().position(|r| {
                r.patches
                    .iter()
                    .any(|p| !p.inherited && p.mail.message_id == mid)
            })
        })
}

/// The revision sent before `rev` in `series` (what an interdiff compares
/// the newest with by default).
pub fn before<'a>(series: &'a Series, rev: &Revision) -> Result<&'a Revision> {
    let pos = series
        .revisions
        .iter()
        .position(|r| std::ptr::eq(r, rev))
        .unwrap_or(0);
    match pos.checked_sub(1) {
        Some(p) => Ok(&series.revisions[p]),
        None => Err(Error::FirstRevision {
            series: series.id.clone(),
            label: rev.label(),
        }),
    }
}

/// The two revisions an interdiff compares: `to` (default: the last of
/// the series) and `from` (default: the one before `to`).
pub fn pair(
    series: &Series,
    from: Option<RevSpec>,
    to: Option<RevSpec>,
) -> Result<(&Revision, &Revision)> {
    if series.revisions.len() < 2 && (from.is_none() || to.is_none()) {
        return Err(Error::OneRevision {
            series: series.id.clone(),
            label: series.latest().label(),
        });
    }
    let to = match to {
        Some(spec) => pick(series, spec)?,
        None => series.revisions.last().unwrap_or_else(|| series.latest()),
    };
    let from = match from {
        Some(spec) => pick(series, spec)?,
        None => before(series, to)?,
    };
    Ok((from, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revisions_are_read_one_way() {
        assert_eq!("v3".parse::<RevSpec>().ok(), Some(RevSpec::Version(3)));
        assert_eq!("3".parse::<RevSpec>().ok(), Some(RevSpec::Version(3)));
        assert_eq!(" V12 ".parse::<RevSpec>().ok(), Some(RevSpec::Version(12)));
        assert_eq!("@2".parse::<RevSpec>().ok(), Some(RevSpec::Nth(2)));
        for bad in ["@0", "@x", "vx", "", "latest"] {
            assert!(
                matches!(bad.parse::<RevSpec>(), Err(Error::BadRevision(_))),
                "{bad}"
            );
        }
        assert_eq!(spec(None).ok(), Some(RevSpec::Latest));
    }
}
