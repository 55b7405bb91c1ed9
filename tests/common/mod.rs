//! Helpers shared by the integration tests: hermetic mail and inboxes,
//! running the real binary, and finding `../shared/corpus`.
#![allow(dead_code, unused_imports)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub use putt_testkit::mail::{T0, at, mail, patch_body};
pub use putt_testkit::serve;

/// The `putt` binary with an environment that ignores the user's files.
pub fn putt(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_putt"));
    c.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("PUTT_CONFIG", home.join("config.toml"))
        .env("PUTT_DATA_DIR", home.join("data"))
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("NO_COLOR", "1")
        .env_remove("PUTT_NOW");
    c
}

/// Runs a command, returning (status code, stdout, stderr).
pub fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().expect("run putt");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `../shared/corpus`, or `None` (with the reason printed) when absent.
pub fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "skipped: {} is absent (tests over real mail need ../shared beside the project)",
            dir.display()
        );
        None
    }
}

/// Restores a corpus bundle as a v2 inbox (once per test run) and returns
/// its directory. `bundle` is relative to the corpus, e.g. `real/ntb.0.bundle`.
pub fn restore_v2(bundle: &str) -> Option<PathBuf> {
    let corpus = corpus()?;
    let name = Path::new(bundle)
        .file_name()
        .and_then(|n| n.to_str())
        .expect("bundle name")
        .trim_end_matches(".bundle")
        .trim_end_matches(".0");
    let dest = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("corpus")
        .join(name);
    restore(&corpus.join(bundle), &dest.join("git/0.git"));
    Some(dest)
}

/// Restores a bundle as one bare repository (a v1 inbox).
pub fn restore_v1(bundle: &str) -> Option<PathBuf> {
    let corpus = corpus()?;
    let name = Path::new(bundle)
        .file_stem()
        .and_then(|n| n.to_str())
        .expect("bundle name");
    let dest = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("corpus")
        .join(name);
    restore(&corpus.join(bundle), &dest);
    Some(dest)
}

fn restore(bundle: &Path, repo: &Path) {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    if repo.join("HEAD").is_file() {
        return;
    }
    let tmp = repo.with_extension(format!("tmp{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(tmp.parent().expect("parent")).expect("mkdir");
    let status = Command::new("git")
        .args(["clone", "-q", "--mirror"])
        .arg(bundle)
        .arg(&tmp)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .status()
        .expect("git clone");
    assert!(status.success(), "restoring {}", bundle.display());
    std::fs::rename(&tmp, repo).expect("rename restored repo");
}

/// Blobs live in a v2 epoch according to git itself: added `m` minus removed `d`.
pub fn git_live_blobs(git_dir: &Path) -> std::collections::HashSet<String> {
    let out = Command::new("git")
        .arg("--git-dir")
        .arg(git_dir)
        .args([
            "log",
            "--raw",
            "--no-abbrev",
            "--format=",
            "--reverse",
            "--first-parent",
        ])
        .output()
        .expect("git log");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut live = std::collections::HashSet::new();
    for line in text.lines() {
        // :000000 100644 0000... <blob> A\tm
        let mut parts = line.split_whitespace();
        let (Some(_), Some(_), Some(old), Some(new), Some(status), Some(path)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            continue;
        };
        match (path, status) {
            ("m", "A" | "M") => {
                live.insert(new.to_string());
            }
            ("m", "D") => {}
            ("d", "A" | "M") => {
                live.remove(new);
            }
            _ => {
                let _ = old;
            }
        }
    }
    live
}
