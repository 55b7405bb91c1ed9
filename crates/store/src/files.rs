//! Writing a file at a path, without harming what is there.
//!
//! Most of what putt writes should appear whole or not at all (a mbox
//! `git am` reads, the triage snapshot, the config): a temporary file in
//! the same directory, synced, renamed over the path. A rename replaces
//! whatever the path names, though, and a user may name a path that is not
//! a plain file: `-o /dev/null`, a FIFO another program reads, a symlink
//! into a dotfiles repository. Renaming over those destroys them (as root,
//! `/dev/null` became a regular file). So [`write`] looks first:
//!
//! - absent, or a regular file: replaced atomically (a regular file keeps
//!   its permissions);
//! - a symlink: followed, and its target written by these same rules (the
//!   link stays a link);
//! - a character or block device, or a FIFO: opened and written through,
//!   never truncated, never renamed over;
//! - a socket: connected to and written through;
//! - a directory: [`Error::NotAFile`], naming it.
//!
//! Every file putt writes at a whole path goes through here, user-named or
//! its own.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

/// An advisory lock on a lock file, held until dropped: the one way putt
/// keeps two processes (or two runs) from doing the same thing at once
/// (writing the series memo, appending to the event log, running one
/// check on one revision). The kernel drops it when the process dies, so
/// a held lock also says its holder is alive.
#[derive(Debug)]
pub struct Lock {
    file: File,
}

impl Lock {
    /// Takes the lock of `path` (created if absent), waiting for it.
    pub fn take(path: &Path) -> Result<Lock> {
        let file = Lock::file(path)?;
        file.lock().map_err(|e| Error::io(path, e))?;
        Ok(Lock { file })
    }

    /// Takes the lock of `path` when it is free; `None` when another holds
    /// it.
    pub fn try_take(path: &Path) -> Result<Option<Lock>> {
        let file = Lock::file(path)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(Lock { file })),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => Err(Error::io(path, e)),
        }
    }

    /// Whether someone holds the lock of `path` (without creating it).
    pub fn is_held(path: &Path) -> bool {
        let Ok(f) = OpenOptions::new().write(true).open(path) else {
            return false;
        };
        match f.try_lock() {
            Ok(()) => {
                let _ = f.unlock();
                false
            }
            Err(_) => true,
        }
    }

    fn file(path: &Path) -> Result<File> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .map_err(|e| Error::io(path, e))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

/// Symlinks followed before giving up (as the kernel's `ELOOP`).
const MAX_LINKS: usize = 40;

/// Writes `bytes` at `path` by the rules in the module docs.
pub fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    write_with(path, |w| w.write_all(bytes))
}

/// [`write`] for content made as it is written: `fill` writes it all to
/// the writer it is given.
pub fn write_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    write_as(path, Durable::Yes, fill)
}

/// [`write_with`] for a cache that is rebuilt when lost (the series memo):
/// still whole or absent after a crash of putt, but not synced to disk, so
/// a crash of the machine may lose it.
pub fn write_cache_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    write_as(path, Durable::No, fill)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Durable {
    Yes,
    No,
}

fn write_as(
    path: &Path,
    durable: Durable,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    let target = resolve(path)?;
    match kind_of(&target)? {
        Kind::Absent | Kind::Regular => replace(&target, durable, fill),
        Kind::Directory => Err(Error::NotAFile {
            path: path.to_path_buf(),
            what: "a directory",
        }),
        Kind::Special => write_through(&target, fill),
        Kind::Socket => write_socket(&target, fill),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Absent,
    Regular,
    Directory,
    /// A device or a FIFO: opened for writing as it is.
    Special,
    Socket,
}

fn kind_of(path: &Path) -> Result<Kind> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Kind::Absent),
        Err(e) => return Err(Error::io(path, e)),
    };
    let t = meta.file_type();
    if t.is_file() {
        return Ok(Kind::Regular);
    }
    if t.is_dir() {
        return Ok(Kind::Directory);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_socket() {
            return Ok(Kind::Socket);
        }
    }
    Ok(Kind::Special)
}

/// The path a chain of symlinks ends at (which may not exist yet).
fn resolve(path: &Path) -> Result<PathBuf> {
    let mut at = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => {
                let to = std::fs::read_link(&at).map_err(|e| Error::io(&at, e))?;
                at = match at.parent() {
                    Some(dir) if to.is_relative() => dir.join(to),
                    _ => to,
                };
            }
            _ => return Ok(at),
        }
    }
    Err(Error::io(
        path,
        std::io::Error::other("too many levels of symbolic links"),
    ))
}

/// Temp file beside `path`, synced, renamed over it, directory synced.
fn replace(
    path: &Path,
    durable: Durable,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path.file_name().ok_or_else(|| {
        Error::io(
            path,
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "no file name"),
        )
    })?;
    let (tmp, file) = create_temporary(dir, name).map_err(|e| Error::io(path, e))?;
    let written = (|| {
        if let Ok(old) = std::fs::metadata(path) {
            file.set_permissions(old.permissions())?;
        }
        let mut out = std::io::BufWriter::new(file);
        fill(&mut out)?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        match durable {
            Durable::Yes => file.sync_all(),
            Durable::No => Ok(()),
        }
    })();
    if let Err(e) = written.and_then(|()| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    if durable == Durable::Yes
        && let Ok(d) = File::open(dir)
    {
        let _ = d.sync_all();
    }
    Ok(())
}

/// A new temporary file for `name` in `dir`, `.{name}.{pid}.{n}.tmp`:
/// created exclusively, so a name someone planted (a symlink) is never
/// followed, and a clash only takes the next number. A process killed
/// before renaming it leaves it behind: see [`remove_stale_temporaries`].
pub fn create_temporary(dir: &Path, name: &std::ffi::OsStr) -> std::io::Result<(PathBuf, File)> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = name.to_string_lossy();
    loop {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 1 << 20 => {}
            Err(e) => return Err(e),
        }
    }
}

/// Removes the temporary files of [`create_temporary`] that a killed
/// process left in `dir`. For the holder of the directory's writer lock:
/// no other writer is mid-write then, but a file of a process still alive
/// is left alone. Best effort: a file that cannot be removed only takes
/// space.
pub fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let me = std::process::id();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(temporary_owner) else {
            continue;
        };
        if pid != me && !alive(pid, &entry) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The process id in a temporary file's name, `.{name}.{pid}.{n}.tmp`.
fn temporary_owner(name: &str) -> Option<u32> {
    let stem = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let mut parts = stem.rsplitn(3, '.');
    parts.next()?.parse::<u64>().ok()?;
    let pid = parts.next()?.parse().ok()?;
    parts.next().filter(|file| !file.is_empty())?;
    Some(pid)
}

/// Whether the process that wrote `entry` may still be running: on Linux
/// whether it is; elsewhere, whether the file is younger than an hour.
fn alive(pid: u32, entry: &std::fs::DirEntry) -> bool {
    if cfg!(target_os = "linux") {
        return Path::new("/proc").join(pid.to_string()).exists();
    }
    entry
        .metadata()
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_none_or(|age| age < std::time::Duration::from_secs(3600))
}

/// A device or FIFO: written as it is (no truncation, no rename).
fn write_through(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    let f = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    let mut out = std::io::BufWriter::new(f);
    fill(&mut out)
        .and_then(|()| out.flush())
        .map_err(|e| Error::io(path, e))
}

#[cfg(unix)]
fn write_socket(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    let s = std::os::unix::net::UnixStream::connect(path).map_err(|e| Error::io(path, e))?;
    let mut out = std::io::BufWriter::new(s);
    fill(&mut out)
        .and_then(|()| out.flush())
        .map_err(|e| Error::io(path, e))
}

#[cfg(not(unix))]
fn write_socket(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    write_through(path, fill)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_file_and_a_replaced_one_keep_their_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("out.mbx");
        write(&p, b"one").expect("write");
        assert_eq!(std::fs::read(&p).expect("read"), b"one");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        write(&p, b"two").expect("write");
        assert_eq!(std::fs::read(&p).expect("read"), b"two");
        let mode = std::fs::metadata(&p).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        // No temporary file is left beside it.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("ls")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out.mbx")]);
    }

    #[test]
    fn a_symlink_stays_and_its_target_is_written() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("real.toml");
        std::fs::write(&target, "old").expect("write");
        let link = dir.path().join("link.toml");
        std::os::unix::fs::symlink("real.toml", &link).expect("symlink");
        write(&link, b"new").expect("write");
        assert!(
            std::fs::symlink_metadata(&link)
                .expect("meta")
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read(&target).expect("read"), b"new");
        // A dangling link: its target is created.
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink("made.txt", &dangling).expect("symlink");
        write(&dangling, b"x").expect("write");
        assert_eq!(
            std::fs::read(dir.path().join("made.txt")).expect("read"),
            b"x"
        );
    }

    #[test]
    fn a_directory_is_an_error_naming_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let e = write(dir.path(), b"x").expect_err("a directory");
        assert!(matches!(e, Error::NotAFile { .. }));
        assert!(e.to_string().contains(&dir.path().display().to_string()));
        assert!(dir.path().is_dir());
    }

    #[test]
    fn only_temporary_names_have_an_owner() {
        assert_eq!(temporary_owner(".meta.json.4242.0.tmp"), Some(4242));
        assert_eq!(temporary_owner(".managed.json.7.12.tmp"), Some(7));
        for name in [
            "meta.json",
            ".meta.json.tmp",
            ".4242.0.tmp",
            ".meta.json.x.0.tmp",
            ".meta.json.4242.y.tmp",
            "meta.json.4242.0.tmp",
            ".tantivy-writer.lock",
        ] {
            assert_eq!(temporary_owner(name), None, "{name}");
        }
    }

    #[test]
    fn a_link_loop_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = dir.path().join("a");
        std::os::unix::fs::symlink("b", &a).expect("symlink");
        std::os::unix::fs::symlink("a", dir.path().join("b")).expect("symlink");
        assert!(write(&a, b"x").is_err());
    }
}
