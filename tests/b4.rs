//! `putt am` against `b4 am` on real series of linux-kbuild: the mboxes are
//! read back the way `git am` reads them and must give the same commits.
//!
//! The comparison itself is `benches/compare-b4.py` (the whole archive takes
//! ~45 minutes; BENCHMARKS.md has its figures); this test runs it on a few
//! revisions chosen for what they exercise, so a change that makes putt
//! write another commit than b4 for them fails here. It needs b4 (0.16) in a
//! Python virtualenv named by `PUTT_B4_PYTHON` (`.ci/run` makes one) and
//! skips, saying so, without it.

mod common;

use std::path::PathBuf;
use std::process::Command;

/// Revisions where the two tools agree, and why each is here.
const IDENTICAL: &[(&str, &str)] = &[
    // 30 patches, 239 trailers added, all from replies to the cover letter.
    ("e1206114d711:1", "cover-letter trailers on every patch"),
    // v5 of a series of thirteen revisions: 48 cover-letter trailers.
    (
        "ab5f081cb6a0:5",
        "a revision in the middle of a long series",
    ),
    // 18 patches: 9 trailers from replies to patches, 36 from the cover.
    ("6ded8c8d1b34:1", "per-patch and cover trailers together"),
    // Newest of six revisions: 23 trailers carried from earlier ones.
    (
        "5ab3bee9d867:7",
        "trailers carried along a chain of revisions",
    ),
    // A re-roll with all three: 9 from replies, 7 cover, 7 carried.
    (
        "164d386b54ee:6",
        "every origin of a trailer in one revision",
    ),
];

/// Revisions where they differ on purpose, and the class the comparison
/// must find (the comment above each says why).
const DIFFERENT: &[(&str, &str)] = &[
    // b4 carries trailers given to v7 back to v3; putt never carries back.
    ("5ab3bee9d867:3", "b4-only:from-a-later-revision"),
];

fn b4_python() -> Option<PathBuf> {
    match std::env::var_os("PUTT_B4_PYTHON") {
        Some(p) if !p.is_empty() => Some(PathBuf::from(p)),
        _ => {
            eprintln!(
                "skipped: PUTT_B4_PYTHON is not set (the python of a virtualenv with b4 0.16: \
                 `python3 -m venv V && V/bin/pip install b4==0.16.0`; .ci/run makes one)"
            );
            None
        }
    }
}

#[test]
fn putt_am_writes_the_commits_b4_am_writes() {
    let Some(python) = b4_python() else { return };
    let Some(inbox) = common::restore_v2("real/linux-kbuild.0.bundle") else {
        return;
    };
    let work = tempfile::tempdir().expect("tempdir");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut cmd = Command::new("python3");
    cmd.arg(root.join("benches/compare-b4.py"))
        .arg("--putt")
        .arg(env!("CARGO_BIN_EXE_putt"))
        .arg("--inbox")
        .arg(&inbox)
        .arg("--b4-python")
        .arg(&python)
        .arg("--work")
        .arg(work.path())
        .args(["--jobs", "2"])
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1");
    for (key, _) in IDENTICAL.iter().chain(DIFFERENT) {
        cmd.args(["--only", key]);
    }
    let out = cmd.output().expect("run benches/compare-b4.py");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "compare-b4.py failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(
        &std::fs::read(work.path().join("report-only.json")).expect("report-only.json"),
    )
    .expect("report is JSON");
    let cases = report["cases"].as_array().expect("cases");
    let classes = |key: &str| -> Vec<String> {
        let case = cases
            .iter()
            .find(|c| c["key"] == key)
            .unwrap_or_else(|| panic!("{key} not compared:\n{stdout}"));
        case["classes"]
            .as_array()
            .expect("classes")
            .iter()
            .map(|c| c.as_str().unwrap_or_default().to_string())
            .collect()
    };
    for (key, why) in IDENTICAL {
        assert_eq!(
            classes(key),
            vec!["identical".to_string()],
            "{key} ({why}): putt and b4 differ\n{stdout}"
        );
    }
    for (key, class) in DIFFERENT {
        assert_eq!(classes(key), vec![class.to_string()], "{key}\n{stdout}");
    }
    // Nothing was compared for free: the cases hold patches and trailers.
    let patches: u64 = cases.iter().filter_map(|c| c["patches"].as_u64()).sum();
    assert!(patches >= 100, "{patches} patches compared\n{stdout}");
}
