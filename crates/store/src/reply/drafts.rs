//! The drafts folder (`<data dir>/drafts/<message-id>.eml`) and the editor.
//!
//! A draft is on disk before the editor opens and stays there until it is
//! sent or discarded, so neither a crash of putt nor a failed send loses a
//! review. putt writes drafts atomically (temp file, fsync, rename); the
//! editor writes the same file in place, as editors do.

use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use serde::Serialize;

use super::{Draft, SendOptions, SendOutcome, send};
use crate::error::{Error, Result};

/// The drafts folder.
#[derive(Debug, Clone)]
pub struct Drafts {
    dir: PathBuf,
}

/// A draft as a list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct DraftInfo {
    /// What [`Drafts::load`] and friends take: the Message-ID it was
    /// created with.
    pub id: String,
    pub path: PathBuf,
    pub subject: String,
    /// To and Cc, as `Name <addr>`.
    pub recipients: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<String>,
    /// Last written (unix seconds).
    pub modified: i64,
}

impl Drafts {
    /// `<data dir>/drafts` (created on first save).
    pub fn new(data_dir: &Path) -> Drafts {
        Drafts {
            dir: data_dir.join("drafts"),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of draft `id` (a Message-ID, with or without brackets, or a
    /// file name from the folder).
    pub fn path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{}.eml", file_stem(id)))
    }

    /// Writes `draft` in its editable form, atomically; returns the path.
    pub fn save(&self, draft: &Draft) -> Result<PathBuf> {
        let path = self.path(&draft.message_id);
        write_atomic(&path, draft.to_editable().as_bytes())?;
        Ok(path)
    }

    /// Reads a draft back (after the editor, or in a later session). A
    /// Message-ID removed in the editor comes back from the file name.
    pub fn load(&self, id: &str) -> Result<Draft> {
        let path = self.path(id);
        let bytes = std::fs::read(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::NoSuchDraft {
                    id: file_stem(id),
                    dir: self.dir.clone(),
                }
            } else {
                Error::io(&path, e)
            }
        })?;
        let mut draft = Draft::parse(&bytes).map_err(|e| Error::Corrupt {
            path: path.clone(),
            message: e.to_string(),
        })?;
        if draft.message_id.is_empty() {
            draft.message_id = file_stem(id);
        }
        Ok(draft)
    }

    /// Every draft, newest first. A file that does not parse is still
    /// listed (with an empty subject) so it can be opened and fixed.
    pub fn list(&self) -> Result<Vec<DraftInfo>> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io(&self.dir, e)),
        };
        let mut out = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(&self.dir, e))?;
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(id) = name.strip_suffix(".eml") else {
                continue;
            };
            if id.starts_with('.') {
                continue;
            }
            let modified = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_secs() as i64);
            let draft = std::fs::read(&path)
                .ok()
                .and_then(|b| Draft::parse(&b).ok());
            out.push(DraftInfo {
                id: id.to_string(),
                subject: draft
                    .as_ref()
                    .map(|d| d.subject.clone())
                    .unwrap_or_default(),
                recipients: draft
                    .as_ref()
                    .map(|d| d.to.iter().chain(&d.cc).map(|a| a.display()).collect())
                    .unwrap_or_default(),
                in_reply_to: draft.and_then(|d| d.in_reply_to),
                path,
                modified,
            });
        }
        out.sort_by(|a, b| b.modified.cmp(&a.modified).then(a.id.cmp(&b.id)));
        Ok(out)
    }

    /// Removes a draft (sent or discarded).
    pub fn delete(&self, id: &str) -> Result<()> {
        let path = self.path(id);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::NoSuchDraft {
                id: file_stem(id),
                dir: self.dir.clone(),
            }),
            Err(e) => Err(Error::io(&path, e)),
        }
    }
}

/// Sends draft `id`: its Date becomes `now` (the time it leaves, as mutt
/// does), it is checked and sent, and only then deleted. On failure the
/// draft stays, and the error says where.
pub fn send_draft(
    drafts: &Drafts,
    id: &str,
    opts: &SendOptions,
    now: DateTime<FixedOffset>,
) -> Result<SendOutcome> {
    let mut draft = drafts.load(id)?;
    draft.date = now;
    let kept = |e: Error| match e {
        Error::Send {
            command,
            status,
            stderr,
            draft: None,
        } => Error::Send {
            command,
            status,
            stderr,
            draft: Some(drafts.path(id)),
        },
        Error::BadDraft {
            id: draft_id,
            problem,
            kept: None,
        } => Error::BadDraft {
            id: draft_id,
            problem,
            kept: Some(drafts.path(id)),
        },
        other => other,
    };
    // Keep the stamped Date in the file too, so what was sent and what is
    // kept after a failure agree.
    drafts.save_as(id, &draft).map_err(kept)?;
    let outcome = send(&draft, opts).map_err(kept)?;
    drafts.delete(id)?;
    Ok(outcome)
}

impl Drafts {
    fn save_as(&self, id: &str, draft: &Draft) -> Result<()> {
        write_atomic(&self.path(id), draft.to_editable().as_bytes())
    }
}

/// The editor command: `$VISUAL`, else `$EDITOR`, else `vi`.
pub fn editor_command() -> String {
    ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .map(|v| v.trim().to_string())
        .find(|v| !v.is_empty())
        .unwrap_or_else(|| "vi".into())
}

/// Opens `path` in the user's editor and waits for it. The editor value may
/// carry arguments (`code --wait`), so it runs through `sh`. The caller owns
/// the terminal: a TUI suspends itself around this call.
pub fn edit(path: &Path) -> Result<()> {
    edit_with(&editor_command(), path)
}

/// [`edit`] with a given editor command (the TUI's tests pin one without
/// touching the process environment).
pub fn edit_with(editor: &str, path: &Path) -> Result<()> {
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("putt-editor")
        .arg(path)
        .status()
        .map_err(|e| Error::Command {
            what: format!("editor `{editor}`"),
            message: format!("could not start: {e}"),
        })?;
    if !status.success() {
        return Err(Error::Command {
            what: format!("editor `{editor}`"),
            message: format!("{status}; the draft is kept in {}", path.display()),
        });
    }
    Ok(())
}

/// A file name for a draft id: the Message-ID's safe characters.
fn file_stem(id: &str) -> String {
    let id = id.trim();
    let id = id.strip_suffix(".eml").unwrap_or(id);
    let id = Path::new(id)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let id = crate::mail::normalize_message_id(&id);
    let stem: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._@+-=".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let stem = stem.trim_start_matches('.').to_string();
    if stem.is_empty() {
        "draft".into()
    } else {
        stem
    }
}

/// A reader (or a crash) sees the old draft or the new one, never half of
/// one.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    crate::files::write(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stems_are_safe() {
        assert_eq!(file_stem("<a.b@example.org>"), "a.b@example.org");
        assert_eq!(file_stem("../../etc/passwd"), "passwd");
        assert_eq!(file_stem("a b/c"), "c");
        assert_eq!(file_stem("x@y.eml"), "x@y");
        assert_eq!(file_stem(".."), "draft");
        assert_eq!(file_stem("a$b"), "a_b");
    }
}
