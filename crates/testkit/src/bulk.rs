//! Writing large archives fast (`examples/gen-inbox`): epochs written the
//! way public-inbox's Import.pm does, through one `git fast-import` per
//! epoch: one commit per message whose tree holds a
//! single blob `m`, removals as a commit whose tree holds `d` (the removed
//! message's exact bytes, hence the same blob id), author = the mail's From
//! and Date, committer = the list at receive time, subject as message.
//! fast-import is the fastest way to write millions of small commits.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};

use crate::{Error, Result};

/// git with the user's and the system's config shut out, so that neither a
/// `core.compression` nor a hook changes what is written.
pub fn git(dir: Option<&Path>) -> Command {
    let mut c = Command::new("git");
    c.env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_OBJECT_DIRECTORY")
        .env_remove("GIT_ALTERNATE_OBJECT_DIRECTORIES");
    if let Some(d) = dir {
        c.arg("-C").arg(d);
    }
    c
}

fn run(mut c: Command, what: &str) -> Result<String> {
    let out = c
        .output()
        .map_err(|e| Error::git(what, format!("cannot run git: {e}")))?;
    if !out.status.success() {
        return Err(Error::git(
            what,
            String::from_utf8_lossy(&out.stderr).trim(),
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

pub fn epoch_dir(inbox: &Path, n: u64) -> PathBuf {
    inbox.join("git").join(format!("{n}.git"))
}

/// A bare repository with HEAD on `refs/heads/master` and no template
/// files, like public-inbox's `init_bare`.
fn init_bare(dir: &Path) -> Result<()> {
    if dir.join("HEAD").exists() {
        return Ok(());
    }
    let mut c = git(None);
    c.args([
        "init",
        "--bare",
        "--quiet",
        "--template=",
        "--initial-branch=master",
    ])
    .arg(dir);
    run(c, "init")?;
    Ok(())
}

/// `all.git` borrows every epoch's objects through alternates (newest
/// first), as public-inbox >= 1.6 lays a v2 inbox out; each epoch's config
/// includes all.git's.
pub fn write_all_git(inbox: &Path, epochs: u64) -> Result<()> {
    let all = inbox.join("all.git");
    init_bare(&all)?;
    let mut alt = String::new();
    for n in (0..epochs).rev() {
        alt.push_str(&format!("../../git/{n}.git/objects\n"));
    }
    let info = all.join("objects").join("info");
    fs::create_dir_all(&info).map_err(|e| Error::io(&info, e))?;
    let tmp = info.join("alternates.tmp");
    fs::write(&tmp, alt).map_err(|e| Error::io(&tmp, e))?;
    fs::rename(&tmp, info.join("alternates")).map_err(|e| Error::io(&info, e))?;
    Ok(())
}

pub struct Epoch {
    pub n: u64,
    dir: PathBuf,
    child: Child,
    w: BufWriter<ChildStdin>,
    /// The tip to continue from, for the first commit of this session.
    from: Option<String>,
    committer: String,
}

impl Epoch {
    pub fn open(inbox: &Path, n: u64, committer: &str) -> Result<Epoch> {
        let dir = epoch_dir(inbox, n);
        let fresh = !dir.join("HEAD").exists();
        init_bare(&dir)?;
        if fresh {
            let mut c = git(Some(&dir));
            c.args(["config", "include.path", "../../all.git/config"]);
            run(c, "config")?;
        }
        let mut c = git(Some(&dir));
        c.args([
            "rev-parse",
            "--verify",
            "--quiet",
            "refs/heads/master^{commit}",
        ]);
        let out = c
            .output()
            .map_err(|e| Error::git(&dir, format!("cannot run git: {e}")))?;
        let from = out
            .status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string());
        let mut c = git(Some(&dir));
        // zlib level 1: much less CPU than the default for a slightly
        // larger pack (fast-import is most of the cost of a large archive).
        c.args([
            "-c",
            "pack.compression=1",
            "fast-import",
            "--quiet",
            "--date-format=raw",
            "--done",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
        let mut child = c
            .spawn()
            .map_err(|e| Error::git(&dir, format!("cannot start git fast-import: {e}")))?;
        let stdin = child
            .stdin
            .take()
            .ok_or_else(|| Error::git(&dir, "git fast-import has no stdin"))?;
        Ok(Epoch {
            n,
            dir,
            child,
            w: BufWriter::with_capacity(1 << 20, stdin),
            from,
            committer: committer.to_string(),
        })
    }

    fn commit_head(
        &mut self,
        author: &str,
        author_date: &str,
        committer_date: &str,
        message: &str,
    ) -> Result<()> {
        let w = &mut self.w;
        (|| {
            write!(
                w,
                "commit refs/heads/master\nauthor {author} {author_date}\ncommitter {} {committer_date}\n",
                self.committer
            )?;
            write!(w, "data {}\n{message}\n", message.len() + 1)?;
            if let Some(from) = self.from.take() {
                writeln!(w, "from {from}")?;
            }
            Ok(())
        })()
        .map_err(|e| Error::io(&self.dir, e))
    }

    fn blob(&mut self, path: &str, raw: &[u8]) -> Result<()> {
        let w = &mut self.w;
        (|| {
            write!(w, "deleteall\nM 100644 inline {path}\ndata {}\n", raw.len())?;
            w.write_all(raw)?;
            w.write_all(b"\n\n")
        })()
        .map_err(|e| Error::io(&self.dir, e))
    }

    /// One message: `author` is `Name <email>` as git wants it.
    pub fn add(
        &mut self,
        author: &str,
        sent: i64,
        tz: &str,
        recv: i64,
        subject: &str,
        raw: &[u8],
    ) -> Result<()> {
        // git refuses '<', '>' and newlines in names; the list cannot.
        let author: String = author.chars().filter(|&c| c != '\n').collect();
        let subject: String = subject
            .chars()
            .map(|c| if c == '\n' { ' ' } else { c })
            .collect();
        self.commit_head(
            &author,
            &format!("{sent} {tz}"),
            &format!("{recv} +0000"),
            &subject,
        )?;
        self.blob("m", raw)
    }

    /// public-inbox's removal: author and committer are the list, message
    /// "rm", tree holds only `d` with the removed message's bytes.
    pub fn remove(&mut self, at: i64, raw: &[u8]) -> Result<()> {
        let ident = self.committer.clone();
        let date = format!("{at} +0000");
        self.commit_head(&ident, &date, &date, "rm")?;
        self.blob("d", raw)
    }

    pub fn finish(mut self) -> Result<()> {
        let dir = self.dir.clone();
        self.w
            .write_all(b"done\n")
            .and_then(|()| self.w.flush())
            .map_err(|e| Error::io(&dir, e))?;
        drop(self.w);
        let status = self.child.wait().map_err(|e| Error::io(&dir, e))?;
        if !status.success() {
            return Err(Error::git(
                &dir,
                format!("git fast-import failed for epoch {} ({status})", self.n),
            ));
        }
        Ok(())
    }
}

/// Total size of the pack files of all epochs.
pub fn pack_bytes(inbox: &Path) -> u64 {
    let mut total = 0;
    let Ok(epochs) = fs::read_dir(inbox.join("git")) else {
        return 0;
    };
    for e in epochs.flatten() {
        let Ok(packs) = fs::read_dir(e.path().join("objects").join("pack")) else {
            continue;
        };
        for p in packs.flatten() {
            if p.path().extension().is_some_and(|x| x == "pack") {
                total += p.metadata().map_or(0, |m| m.len());
            }
        }
    }
    total
}
