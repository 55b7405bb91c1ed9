//! `patch_id_stable` against `git patch-id --stable` itself: on patches made
//! by git in a scratch repository, on the mail samples of other projects
//! (when `../shared/corpus` is there) and on random diff-shaped text.

use super::*;
use proptest::prelude::*;
use std::io::Write;
use std::process::{Command, Stdio};

use putt_testkit::corpus::git;

/// The first id `git patch-id --stable` prints for `input` (what b4 uses).
/// Outer `None`: git could not be run.
fn git_patch_id(input: &[u8]) -> Option<Option<String>> {
    let dir = tempfile::tempdir().ok()?;
    let mut child = git(dir.path())
        .args(["patch-id", "--stable"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut stdin = child.stdin.take()?;
    // Feed stdin from a thread: git may answer before reading everything.
    let data = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&data);
    });
    let out = child.wait_with_output().ok()?;
    let _ = writer.join();
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    Some(
        text.lines()
            .next()
            .and_then(|l| l.split_whitespace().next())
            .map(str::to_string),
    )
}

fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

const SIMPLE: &str = "Subject: [PATCH] x\n\nFix it.\n\nSigned-off-by: A <a@example.com>\n---\n \
                      x.c | 2 +-\n\ndiff --git a/x.c b/x.c\nindex 1234567..89abcde 100644\n\
                      --- a/x.c\n+++ b/x.c\n@@ -1,3 +1,3 @@\n int a;\n-int b;\n+int  c;\n int d;\n\
                      -- \n2.43.0\n";

#[test]
fn known_id() {
    // Checked with git 2.47: printf '...' | git patch-id --stable
    assert_eq!(
        patch_id_stable(SIMPLE).as_deref(),
        Some("da304d60584251d4125da74923536f74537ef625")
    );
}

#[test]
fn no_diff_no_id() {
    assert_eq!(patch_id_stable(""), None);
    assert_eq!(patch_id_stable("Reviewed-by: A <a@b.c>\n"), None);
    assert_eq!(
        patch_id_stable("text\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"),
        None
    );
}

#[test]
fn ignores_what_git_ignores() {
    let base = patch_id_stable(SIMPLE);
    // Other commit message, other index line, other line numbers, other
    // white space, no signature.
    let variant = SIMPLE
        .replace("Fix it.", "Something else entirely.")
        .replace("1234567..89abcde", "fedcba9..7654321")
        .replace("@@ -1,3 +1,3 @@", "@@ -10,3 +12,3 @@ fn context()")
        .replace("+int  c;", "+int c ;")
        .replace("-- \n2.43.0\n", "");
    assert_eq!(patch_id_stable(&variant), base);
    // A real change changes it.
    assert_ne!(
        patch_id_stable(&SIMPLE.replace("+int  c;", "+int e;")),
        base
    );
}

#[test]
fn file_order_does_not_matter() {
    let a = "diff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1 +1 @@\n-1\n+2\n";
    let b = "diff --git a/b b/b\n--- a/b\n+++ b/b\n@@ -1 +1 @@\n-3\n+4\n";
    assert_eq!(
        patch_id_stable(&format!("{a}{b}")),
        patch_id_stable(&format!("{b}{a}"))
    );
}

#[test]
fn agrees_with_git_on_examples() {
    let cases: &[&str] = &[
        SIMPLE,
        // Binary, mode change, rename, "\ No newline", CRLF, hunk without
        // counts, an object name ending the patch, junk hunk headers.
        "diff --git a/b.bin b/b.bin\nindex 0123456..789abcd 100644\nGIT binary patch\nliteral 3\nKcmZ?wd\n\nliteral 0\nKcmV+b\n\ndiff --git a/t b/t\n--- a/t\n+++ b/t\n@@ -1 +1 @@\n-a\n+b\n",
        "diff --git a/b.bin b/b.bin\nindex 0123456..789abcd\nBinary files a/b.bin and b/b.bin differ\n",
        "diff --git a/s b/s\nold mode 100644\nnew mode 100755\n",
        "diff --git a/x b/y\nsimilarity index 90%\nrename from x\nrename to y\nindex 1..2 100644\n--- a/x\n+++ b/y\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n",
        "diff --git a/n b/n\n--- a/n\n+++ b/n\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n\\ No newline at end of file\n",
        "diff --git a/c b/c\r\n--- a/c\r\n+++ b/c\r\n@@ -1,2 +1,2 @@\r\n x\r\n-y\r\n+z\r\n",
        "diff --git a/h b/h\n--- a/h\n+++ b/h\n@@ -5 +5,2 @@\n-a\n+b\n+c\n",
        "diff --git a/h b/h\n--- a/h\n+++ b/h\n@@ -1,1 +1,1 @@\n-a\n+b\n0123456789012345678901234567890123456789 next\n+x\n",
        "diff --git a/h b/h\n--- a/h\n+++ b/h\n@@ -1,x +1 @@\n-a\n+b\n+c\n",
        "diff --git a/h b/h\n--- a/h\n+++ b/h\n@@ -1,-2 +1 @@\n-a\n+b\n-c\n-d\n",
        "diff between v1 and v2:\n\nreal text\ndiff --git a/h b/h\n--- a/h\n+++ b/h\n@@ -1 +1 @@\n-a\n+b\n",
        "diff --git a/h b/h\n--- a/h\n+++ b/h\n@@ -1 +1 @@\n-a\n+b\n\0junk\n",
        "diff --git a/h b/h\n--- a/h\n+++ b/h\n@@ -1 +1 @@\n-a\n+b",
        "diff --git a/h b/h\nindex abc..def",
    ];
    for case in cases {
        let Some(expected) = git_patch_id(case.as_bytes()) else {
            eprintln!("skipping: git patch-id not available");
            return;
        };
        assert_eq!(patch_id_stable(case), expected, "patch {case:?}");
    }
}

/// Commits covering what a diff can hold, made in a scratch repository,
/// then sent through `git format-patch` and `git log -p`.
#[test]
fn agrees_with_git_on_generated_patches() {
    let Ok(dir) = tempfile::tempdir() else {
        eprintln!("skipping: no temporary directory");
        return;
    };
    let d = dir.path();
    if git(d)
        .args(["init", "-q", "-b", "main"])
        .status()
        .map(|s| !s.success())
        .unwrap_or(true)
    {
        eprintln!("skipping: git not available");
        return;
    }
    let write = |name: &str, data: &[u8]| {
        std::fs::write(d.join(name), data).unwrap_or_else(|e| panic!("{name}: {e}"));
    };
    let commit = |msg: &str| {
        run(git(d).args(["add", "-A"]));
        run(git(d).args(["commit", "-q", "--allow-empty", "-m", msg]));
    };
    let lines =
        |n: usize, tag: &str| -> String { (0..n).map(|i| format!("line {i} {tag}\n")).collect() };

    write("a.txt", lines(40, "a").as_bytes());
    write("b.c", b"int main(void)\n{\n\treturn 0;\n}\n");
    write("bin.dat", &[0u8, 1, 2, 3, 255, 254, 0, 10, 13]);
    write("script.sh", b"#!/bin/sh\necho hi\n");
    write("one", b"single\n");
    commit("initial");

    let mut a = lines(40, "a");
    a = a.replace("line 3 a\n", "line 3 changed\n");
    a = a.replace("line 30 a\n", "line 30 changed\n   with  spaces\n");
    write("a.txt", a.as_bytes());
    write("b.c", b"int main(void)\n{\n\treturn 1;\n}\n");
    commit("two hunks and a second file");

    run(git(d).args(["mv", "a.txt", "c.txt"]));
    write(
        "c.txt",
        a.replace("line 10 a\n", "line 10 renamed\n").as_bytes(),
    );
    commit("rename with a change");

    run(git(d).args(["mv", "b.c", "d.c"]));
    commit("pure rename");

    run(git(d).args(["update-index", "--chmod=+x", "script.sh"]));
    commit("mode change only");

    write("bin.dat", &[9u8, 0, 8, 7, 255, 0, 1]);
    write("one", b"double\n");
    commit("binary change and a one-line file");

    std::fs::remove_file(d.join("d.c")).unwrap_or_else(|e| panic!("{e}"));
    commit("delete");

    write("nonl", b"no newline at the end");
    commit("add without newline");
    write("nonl", b"still no newline");
    commit("change without newline");

    write("crlf.txt", b"one\r\ntwo\r\nthree\r\n");
    commit("crlf");
    write("crlf.txt", b"one\r\n2\r\nthree\r\n");
    write("empty", b"");
    commit("crlf change and an empty file");

    write(
        "c.txt",
        lines(40, "a")
            .replace("line 20 a\n", "line  20\ta\n")
            .as_bytes(),
    );
    commit("white space only");

    let revs = String::from_utf8_lossy(&run(git(d).args(["rev-list", "--reverse", "HEAD"])))
        .split_whitespace()
        .map(str::to_string)
        .collect::<Vec<_>>();
    let mut compared = 0;
    for rev in &revs {
        for extra in [
            &["--binary"][..],
            &["--no-binary"][..],
            &["-M", "--binary"][..],
            &["--no-renames"][..],
        ] {
            let mut cmd = git(d);
            cmd.args(["format-patch", "-1", "--stdout"])
                .args(extra)
                .arg(rev);
            let patch = run(&mut cmd);
            let expected = git_patch_id(&patch).unwrap_or_else(|| panic!("git patch-id failed"));
            assert_eq!(
                patch_id_stable_bytes(&patch),
                expected,
                "{rev} {extra:?}:\n{}",
                String::from_utf8_lossy(&patch)
            );
            compared += 1;
        }
    }
    // Many patches in one stream: the first id counts.
    let all = run(git(d).args(["log", "-p", "--binary", "--reverse"]));
    assert_eq!(patch_id_stable_bytes(&all), git_patch_id(&all).flatten());
    assert!(compared >= 40);
}

/// Every mail sample of b4, Patchwork and public-inbox, raw (headers,
/// encodings and all): same first id as git.
#[test]
fn agrees_with_git_on_mail_samples() {
    let Some(mails) = putt_testkit::corpus::corpus_mails() else {
        return;
    };
    let mut with_id = 0;
    for (file, data) in &mails {
        let Some(expected) = git_patch_id(data) else {
            eprintln!("skipping: git patch-id not available");
            return;
        };
        with_id += usize::from(expected.is_some());
        assert_eq!(patch_id_stable_bytes(data), expected, "{}", file.display());
    }
    eprintln!(
        "{} samples, {with_id} with a patch id, all equal to git's",
        mails.len()
    );
}

/// Diff-shaped text: real diff pieces in random order, with random counts.
///
/// The first `diff` line is always followed by an `index` line: git hashes
/// the blob names of the last `index` line for a binary file, and without
/// one it reads uninitialised memory (its answer is then not stable, so
/// there is nothing to compare with; putt hashes empty names).
fn diff_like() -> impl Strategy<Value = String> {
    let prelude_line = prop_oneof![
        Just(String::new()),
        Just("Signed-off-by: A <a@example.com>".to_string()),
        Just("---".to_string()),
        Just("index 0123abc..4567def".to_string()),
        Just("--- a/f".to_string()),
        Just("From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001".to_string()),
        "[-+ @a-z:]{0,10}",
    ];
    let line = prop_oneof![
        Just("diff --git a/f b/f".to_string()),
        Just("diff --git a/g b/g".to_string()),
        Just("index 0123abc..4567def 100644".to_string()),
        Just("index 0123abc..4567def".to_string()),
        Just("--- a/f".to_string()),
        Just("+++ b/f".to_string()),
        Just("new file mode 100644".to_string()),
        Just("rename from f".to_string()),
        Just("GIT binary patch".to_string()),
        Just("Binary files a/f and b/f differ".to_string()),
        Just("literal 5".to_string()),
        Just("\\ No newline at end of file".to_string()),
        Just("-- ".to_string()),
        Just("---".to_string()),
        Just(String::new()),
        Just("From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001".to_string()),
        "@@ -[0-9]{1,2}(,[0-9]{1,2})? \\+[0-9]{1,2}(,[0-9]{1,2})? @@[ a-z]{0,6}",
        "[-+ ][ a-z\\t]{0,8}",
        "[-+ ]{0,3}[a-z ]{0,6}\\r",
        "[a-z]{1,6}: [a-z ]{0,8}",
    ];
    (
        prop::collection::vec(prelude_line, 0..5),
        prop::collection::vec(line, 0..40),
        any::<bool>(),
    )
        .prop_map(|(prelude, lines, newline)| {
            let mut all: Vec<String> = prelude
                .into_iter()
                .filter(|l| !l.starts_with("diff "))
                .collect();
            all.push("diff --git a/e b/e".to_string());
            all.push("index 89abcde..f012345 100644".to_string());
            all.extend(lines);
            let mut s = all.join("\n");
            if newline {
                s.push('\n');
            }
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn agrees_with_git_on_random_diffs(text in diff_like()) {
        if let Some(expected) = git_patch_id(text.as_bytes()) {
            prop_assert_eq!(patch_id_stable(&text), expected, "text {:?}", text);
        }
    }

    #[test]
    fn never_panics(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
        let _ = patch_id_stable_bytes(&bytes);
    }
}
