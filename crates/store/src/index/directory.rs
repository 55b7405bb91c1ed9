//! The index's files: tantivy's memory-mapped directory, whose syncing to
//! disk a run may turn off, and whose files others may read.
//!
//! tantivy syncs every file it writes, and the directory, at each commit:
//! dozens of `fdatasync` calls for a first import, a noticeable part of a
//! run that is otherwise fast. A kill leaves
//! the index whole either way (files are complete and in place before
//! `meta.json` is renamed over to name them, and the kernel keeps what was
//! written); only a crash of the whole machine can lose files that were
//! never synced. `putt index --no-fsync`, like `public-inbox-index
//! --no-fsync`, takes that risk for a first import or a rebuild, which can
//! simply be run again.
//!
//! tantivy also wrote `meta.json` through a private temporary file, and
//! took its locks by opening the lock files for writing, so an index
//! shared read-only could not be opened by anyone but its writer.
//!
//! A run killed between writing such a temporary file and renaming it
//! leaves the file behind; the next writer removes it
//! ([`crate::files::remove_stale_temporaries`]).

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use tantivy::directory::error::{
    DeleteError, LockError, OpenDirectoryError, OpenReadError, OpenWriteError,
};
use tantivy::directory::{
    AntiCallToken, Directory, DirectoryLock, FileHandle, Lock, MmapDirectory, TerminatingWrite,
    WatchCallback, WatchHandle, WritePtr,
};

/// Whether writes are synced, shared by a directory and its clones.
#[derive(Debug, Default)]
pub struct Syncing {
    off: AtomicBool,
    /// Files and directory syncs done (for tests and curiosity).
    done: AtomicU64,
}

impl Syncing {
    pub fn set(&self, on: bool) {
        self.off.store(!on, Ordering::Relaxed);
    }

    fn on(&self) -> bool {
        !self.off.load(Ordering::Relaxed)
    }

    /// How many syncs were done so far.
    pub fn done(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }

    fn sync(&self, file: &File) -> io::Result<()> {
        if self.on() {
            file.sync_data()?;
            self.done.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }
}

/// tantivy's [`MmapDirectory`], writing through [`Syncing`].
#[derive(Debug, Clone)]
pub struct IndexDirectory {
    inner: MmapDirectory,
    root: PathBuf,
    syncing: Arc<Syncing>,
}

impl IndexDirectory {
    pub fn open(root: &Path) -> Result<IndexDirectory, OpenDirectoryError> {
        Ok(IndexDirectory {
            inner: MmapDirectory::open(root)?,
            root: root.to_path_buf(),
            syncing: Arc::default(),
        })
    }

    pub fn syncing(&self) -> Arc<Syncing> {
        Arc::clone(&self.syncing)
    }
}

/// A file being written: complete once terminated, synced if asked.
struct IndexFile {
    file: File,
    syncing: Arc<Syncing>,
}

impl Write for IndexFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl TerminatingWrite for IndexFile {
    fn terminate_ref(&mut self, _: AntiCallToken) -> io::Result<()> {
        self.file.flush()?;
        self.syncing.sync(&self.file)
    }
}

impl Directory for IndexDirectory {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        self.inner.get_file_handle(path)
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        self.inner.delete(path)
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.inner.exists(path)
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        // Write once, as tantivy's directories do: never over a file.
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(self.root.join(path))
            .map_err(|e| {
                if e.kind() == io::ErrorKind::AlreadyExists {
                    OpenWriteError::FileAlreadyExists(path.to_path_buf())
                } else {
                    OpenWriteError::wrap_io_error(e, path.to_path_buf())
                }
            })?;
        Ok(BufWriter::new(Box::new(IndexFile {
            file,
            syncing: self.syncing(),
        })))
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.inner.atomic_read(path)
    }

    /// A temporary file in the same directory, renamed over `path`: a
    /// reader sees the old content or the new, whole. Created with the
    /// umask's permissions, as every other file of the index (tantivy's own
    /// temporary files are private, so others could not open an index
    /// shared read-only).
    fn atomic_write(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        let name = path.file_name().unwrap_or(path.as_os_str());
        let (temp, mut file) = crate::files::create_temporary(&self.root, name)?;
        let written = file
            .write_all(data)
            .and_then(|()| self.syncing.sync(&file))
            .and_then(|()| std::fs::rename(&temp, self.root.join(path)));
        if written.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        written
    }

    fn sync_directory(&self) -> io::Result<()> {
        if self.syncing.on() {
            self.inner.sync_directory()?;
            self.syncing.done.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }

    /// tantivy's lock, or for a reader who may not write here (an index
    /// shared read-only), the same lock taken on the lock file opened for
    /// reading: a lock needs no write access, and the writer that made
    /// the index left its lock files behind.
    fn acquire_lock(&self, lock: &Lock) -> Result<DirectoryLock, LockError> {
        match self.inner.acquire_lock(lock) {
            Err(LockError::IoError(e)) if e.kind() == io::ErrorKind::PermissionDenied => {
                let file = File::open(self.root.join(&lock.filepath))
                    .map_err(|_| LockError::IoError(e))?;
                if lock.is_blocking {
                    file.lock().map_err(LockError::wrap_io_error)?;
                } else if file.try_lock().is_err() {
                    return Err(LockError::LockBusy);
                }
                Ok(DirectoryLock::from(Box::new(file)))
            }
            other => other,
        }
    }

    fn watch(&self, callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        self.inner.watch(callback)
    }
}
