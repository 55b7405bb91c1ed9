//! A small built-in mailing list, so `putt demo` shows putt working at once
//! and tests have a realistic inbox without network or fixtures on disk.
//!
//! The list carries what a maintainer meets every day: a series with a cover
//! letter re-rolled to v2 (one patch changed, one unchanged), review replies
//! with trailers (one sent for the whole series), a partial re-roll, an
//! incomplete series, a pull request, a discussion, and a subject with a
//! terminal escape sequence in it. Dates are pinned so output is stable.

use std::path::Path;

use crate::Result;
use crate::write::V2Writer;

/// 2024-03-04 09:00:00 UTC: the first message of the sample.
pub const START: i64 = 1_709_542_800;

struct Person {
    name: &'static str,
    email: &'static str,
}

const ALICE: Person = Person {
    name: "Alice Developer",
    email: "alice@example.org",
};
const BOB: Person = Person {
    name: "Bob Maintainer",
    email: "bob@kernel.example",
};
const CAROL: Person = Person {
    name: "Carol Reviewer",
    email: "carol@example.com",
};
const DAVE: Person = Person {
    name: "Dave Hacker",
    email: "dave@example.net",
};
const BOT: Person = Person {
    name: "CI Bot",
    email: "ci-bot@example.org",
};
const LIST: &str = "demo@lists.example.org";

/// One mail of the sample, before it is written.
pub struct SampleMail {
    pub raw: String,
    pub time: i64,
}

struct Builder {
    mails: Vec<SampleMail>,
}

fn date(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.to_rfc2822())
        .unwrap_or_default()
}

impl Builder {
    #[allow(clippy::too_many_arguments)]
    fn mail(
        &mut self,
        from: &Person,
        minutes: i64,
        mid: &str,
        reply_to: &[&str],
        subject: &str,
        body: &str,
    ) {
        let time = START + minutes * 60;
        let mut raw = String::new();
        raw.push_str(&format!("From: {} <{}>\n", from.name, from.email));
        raw.push_str(&format!("To: {LIST}\n"));
        raw.push_str(&format!("Cc: {} <{}>\n", BOB.name, BOB.email));
        raw.push_str(&format!("Subject: {subject}\n"));
        raw.push_str(&format!("Date: {}\n", date(time)));
        raw.push_str(&format!("Message-ID: <{mid}>\n"));
        if let Some(parent) = reply_to.last() {
            raw.push_str(&format!("In-Reply-To: <{parent}>\n"));
            let refs: Vec<String> = reply_to.iter().map(|r| format!("<{r}>")).collect();
            raw.push_str(&format!("References: {}\n", refs.join(" ")));
        }
        raw.push_str("List-Id: <demo.lists.example.org>\n");
        raw.push_str("MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n");
        raw.push_str("Content-Transfer-Encoding: 8bit\n\n");
        raw.push_str(body);
        if !body.ends_with('\n') {
            raw.push('\n');
        }
        self.mails.push(SampleMail { raw, time });
    }
}

fn patch_body(message: &str, author: &Person, path: &str, old: &str, new: &str) -> String {
    let old_lines: Vec<&str> = old.lines().collect();
    let new_lines: Vec<&str> = new.lines().collect();
    let mut hunk = String::new();
    for l in &old_lines {
        hunk.push_str(&format!("-{l}\n"));
    }
    for l in &new_lines {
        hunk.push_str(&format!("+{l}\n"));
    }
    format!(
        "{message}\n\nSigned-off-by: {} <{}>\n---\n {path} | {} {}\n 1 file changed, {} insertions(+), {} deletions(-)\n\ndiff --git a/{path} b/{path}\nindex 3b18e51..a9c2d4f 100644\n--- a/{path}\n+++ b/{path}\n@@ -10,{} +10,{} @@ static int probe(struct device *dev)\n{hunk}-- \n2.43.0\n",
        author.name,
        author.email,
        old_lines.len() + new_lines.len(),
        "+".repeat(new_lines.len()) + &"-".repeat(old_lines.len()),
        new_lines.len(),
        old_lines.len(),
        old_lines.len(),
        new_lines.len(),
    )
}

fn quote(text: &str) -> String {
    text.lines()
        .take(12)
        .map(|l| {
            if l.is_empty() {
                ">".to_string()
            } else {
                format!("> {l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The mails of the sample list, oldest first.
pub fn mails() -> Vec<SampleMail> {
    let mut b = Builder { mails: Vec::new() };

    // A three-patch series with a cover letter.
    let v1 = [
        "20240304090000.1000-0-alice@example.org",
        "20240304090000.1000-1-alice@example.org",
        "20240304090000.1000-2-alice@example.org",
        "20240304090000.1000-3-alice@example.org",
    ];
    let cover_v1 = "This series adds a driver for the Frobnicator PWM block found on\nExample SoCs, with its binding and a MAINTAINERS entry.\n\nAlice Developer (3):\n  dt-bindings: pwm: add example,frob-pwm\n  pwm: frob: add driver\n  MAINTAINERS: add entry for frob PWM\n\n Documentation/devicetree/bindings/pwm/frob-pwm.yaml | 2 +-\n drivers/pwm/pwm-frob.c                              | 3 ++-\n MAINTAINERS                                         | 1 +\n 3 files changed, 4 insertions(+), 2 deletions(-)\n\nbase-commit: 5f2a6a9e6c1d4b3a2f1e0d9c8b7a6f5e4d3c2b1a\nchange-id: 20240304-frob-pwm-1a2b3c\n-- \n2.43.0\n";
    b.mail(
        &ALICE,
        0,
        v1[0],
        &[],
        "[PATCH 0/3] pwm: add Frobnicator PWM driver",
        cover_v1,
    );
    let p1 = patch_body(
        "dt-bindings: pwm: add example,frob-pwm\n\nDescribe the Frobnicator PWM controller.",
        &ALICE,
        "Documentation/devicetree/bindings/pwm/frob-pwm.yaml",
        "  compatible: example,pwm",
        "  compatible: example,frob-pwm",
    );
    b.mail(
        &ALICE,
        1,
        v1[1],
        &[v1[0]],
        "[PATCH 1/3] dt-bindings: pwm: add example,frob-pwm",
        &p1,
    );
    let p2_v1 = patch_body(
        "pwm: frob: add driver\n\nThe Frobnicator has four channels with a 16-bit period counter.",
        &ALICE,
        "drivers/pwm/pwm-frob.c",
        "\treturn 0;",
        "\tfrob->base = devm_platform_ioremap_resource(pdev, 0);\n\treturn 0;",
    );
    b.mail(
        &ALICE,
        1,
        v1[2],
        &[v1[0]],
        "[PATCH 2/3] pwm: frob: add driver",
        &p2_v1,
    );
    let p3 = patch_body(
        "MAINTAINERS: add entry for frob PWM",
        &ALICE,
        "MAINTAINERS",
        "",
        "F:\tdrivers/pwm/pwm-frob.c",
    );
    b.mail(
        &ALICE,
        2,
        v1[3],
        &[v1[0]],
        "[PATCH 3/3] MAINTAINERS: add entry for frob PWM",
        &p3,
    );
    b.mail(
        &CAROL,
        90,
        "c4a1-review-1@example.com",
        &[v1[0], v1[2]],
        "Re: [PATCH 2/3] pwm: frob: add driver",
        &format!(
            "On Mon, Mar 04, 2024, Alice Developer wrote:\n{}\n\nThis misses the error check of devm_platform_ioremap_resource().\nWith that fixed:\n\nReviewed-by: Carol Reviewer <carol@example.com>\n",
            quote(&p2_v1)
        ),
    );
    b.mail(
        &BOB,
        120,
        "b0b-ack-1@kernel.example",
        &[v1[0], v1[1]],
        "Re: [PATCH 1/3] dt-bindings: pwm: add example,frob-pwm",
        "> Describe the Frobnicator PWM controller.\n\nAcked-by: Bob Maintainer <bob@kernel.example>\n",
    );
    b.mail(
        &CAROL,
        130,
        "c4a1-review-2@example.com",
        &[v1[0], v1[3]],
        "Re: [PATCH 3/3] MAINTAINERS: add entry for frob PWM",
        "> F:\tdrivers/pwm/pwm-frob.c\n\nReviewed-by: Carol Reviewer <carol@example.com>\n",
    );

    // A discussion thread without patches.
    b.mail(
        &DAVE,
        200,
        "dave-question@example.net",
        &[],
        "How do I test PWM drivers without hardware?",
        "Hi all,\n\nis there a recommended way to exercise pwm drivers in QEMU?\n\nThanks,\nDave\n",
    );
    b.mail(
        &BOB,
        230,
        "bob-answer@kernel.example",
        &["dave-question@example.net"],
        "Re: How do I test PWM drivers without hardware?",
        "> is there a recommended way to exercise pwm drivers in QEMU?\n\nLook at the pwm-sim driver and the kselftests in tools/testing/selftests/pwm.\n",
    );

    // A single patch, reviewed, with a trailer someone sent for someone else.
    let single = "20240305101500.2000-1-dave@example.net";
    let single_body = patch_body(
        "kbuild: fix typo in Makefile.build comment\n\nFixes: 0123456789ab (\"kbuild: add build rules\")",
        &DAVE,
        "scripts/Makefile.build",
        "# Compile objects in subdirectorys",
        "# Compile objects in subdirectories",
    );
    b.mail(
        &DAVE,
        1500,
        single,
        &[],
        "[PATCH] kbuild: fix typo in Makefile.build comment",
        &single_body,
    );
    b.mail(
        &CAROL,
        1560,
        "carol-single@example.com",
        &[single],
        "Re: [PATCH] kbuild: fix typo in Makefile.build comment",
        &format!(
            "{}\n\nReviewed-by: Carol Reviewer <carol@example.com>\nTested-by: Erin Tester <erin@example.com>\n",
            quote(&single_body)
        ),
    );

    // v2 of the series: patch 2 changed, 1 and 3 unchanged, same change-id.
    let v2 = [
        "20240306080000.3000-0-alice@example.org",
        "20240306080000.3000-1-alice@example.org",
        "20240306080000.3000-2-alice@example.org",
        "20240306080000.3000-3-alice@example.org",
    ];
    let cover_v2 = cover_v1.replace(
        "This series adds",
        "Changes in v2:\n- check the result of devm_platform_ioremap_resource() (Carol)\n- Link to v1: https://lore.kernel.org/r/20240304090000.1000-0-alice@example.org\n\nThis series adds",
    );
    b.mail(
        &ALICE,
        2820,
        v2[0],
        &[],
        "[PATCH v2 0/3] pwm: add Frobnicator PWM driver",
        &cover_v2,
    );
    b.mail(
        &ALICE,
        2821,
        v2[1],
        &[v2[0]],
        "[PATCH v2 1/3] dt-bindings: pwm: add example,frob-pwm",
        &p1,
    );
    let p2_v2 = patch_body(
        "pwm: frob: add driver\n\nThe Frobnicator has four channels with a 16-bit period counter.",
        &ALICE,
        "drivers/pwm/pwm-frob.c",
        "\treturn 0;",
        "\tfrob->base = devm_platform_ioremap_resource(pdev, 0);\n\tif (IS_ERR(frob->base))\n\t\treturn PTR_ERR(frob->base);\n\treturn 0;",
    );
    b.mail(
        &ALICE,
        2821,
        v2[2],
        &[v2[0]],
        "[PATCH v2 2/3] pwm: frob: add driver",
        &p2_v2,
    );
    b.mail(
        &ALICE,
        2822,
        v2[3],
        &[v2[0]],
        "[PATCH v2 3/3] MAINTAINERS: add entry for frob PWM",
        &p3,
    );
    b.mail(
        &BOT,
        2900,
        "ci-bot-run-77@example.org",
        &[v2[0]],
        "Re: [PATCH v2 0/3] pwm: add Frobnicator PWM driver",
        "Hello,\n\nthe series built and booted on 4 boards; all pwm selftests passed.\n\nTested-by: CI Bot <ci-bot@example.org>\n",
    );
    b.mail(
        &CAROL,
        2950,
        "c4a1-review-3@example.com",
        &[v2[0], v2[2]],
        "Re: [PATCH v2 2/3] pwm: frob: add driver",
        "> +\tif (IS_ERR(frob->base))\n> +\t\treturn PTR_ERR(frob->base);\n\nReviewed-by: Carol Reviewer <carol@example.com>\n",
    );

    // An incomplete series: 2 of 3 arrived.
    let inc = [
        "20240307120000.4000-1-dave@example.net",
        "20240307120000.4000-3-dave@example.net",
    ];
    let inc1 = patch_body(
        "net: foo: use dev_err_probe()",
        &DAVE,
        "drivers/net/foo.c",
        "\tdev_err(dev, \"no clock\");",
        "\treturn dev_err_probe(dev, ret, \"no clock\");",
    );
    let inc3 = patch_body(
        "net: foo: drop unused include",
        &DAVE,
        "drivers/net/foo.c",
        "#include <linux/old.h>",
        "",
    );
    b.mail(
        &DAVE,
        4380,
        inc[0],
        &[],
        "[PATCH net-next 1/3] net: foo: use dev_err_probe()",
        &inc1,
    );
    b.mail(
        &DAVE,
        4381,
        inc[1],
        &[inc[0]],
        "[PATCH net-next 3/3] net: foo: drop unused include",
        &inc3,
    );

    // A pull request.
    b.mail(
        &BOB,
        5000,
        "bob-pull-6.9@kernel.example",
        &[],
        "[GIT PULL] pwm fixes for v6.9-rc3",
        "Hi Linus,\n\nThe following changes since commit 4cece764965020c22cff7665b18a012006359095:\n\n  Linux 6.9-rc1 (2024-03-24 14:10:05 -0700)\n\nare available in the Git repository at:\n\n  git://git.kernel.example/pub/scm/linux/kernel/git/bob/pwm.git tags/pwm/for-6.9-rc3\n\nfor you to fetch changes up to 1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e:\n\n  pwm: frob: fix period rounding (2024-03-28 10:00:00 +0100)\n\n----------------------------------------------------------------\nOne fix for the new frob driver.\n",
    );

    // Hostile: a subject that tries to retitle the terminal.
    b.mail(
        &DAVE,
        5100,
        "dave-hostile@example.net",
        &[],
        "evil \u{1b}]0;owned\u{7} subject",
        "This mail carries an escape sequence in its subject; putt shows it as ^[ and ^G.\n",
    );
    b.mails
}

/// Writes the sample list as a public-inbox v2 inbox at `dir`.
pub fn write_inbox(dir: &Path) -> Result<usize> {
    let mut w = V2Writer::open(dir)?;
    let mails = mails();
    for m in &mails {
        w.add(m.raw.as_bytes(), m.time)?;
    }
    Ok(mails.len())
}
