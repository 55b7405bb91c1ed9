//! A MAINTAINERS file (the Linux kernel's format): sections of `M:`
//! maintainers, `R:` reviewers and `F:`/`X:` file patterns, read so that a
//! rule can count the reviews of the people responsible for the files a
//! series touches.
//!
//! File patterns follow scripts/get_maintainer.pl: a pattern ending in `/`
//! covers everything below it; `*` and `?` are wildcards (`*` may cross
//! `/`), matched from the start of the path, and a pattern without a
//! trailing `/` must have as many `/` as the path (so `drivers/net/*` covers
//! the files in that directory only). A pattern without wildcards is a
//! file or a directory (get_maintainer.pl asks the tree which; here it
//! covers the file of that name and everything below a directory of that
//! name). `N:` (regex) and `K:` (keyword) entries are not used.

use std::collections::HashSet;

/// One section: a subsystem and its people and files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Section {
    pub name: String,
    /// `M:` addresses, lower-cased.
    pub maintainers: Vec<String>,
    /// `R:` addresses, lower-cased.
    pub reviewers: Vec<String>,
    pub files: Vec<String>,
    pub excluded: Vec<String>,
}

/// A parsed MAINTAINERS file.
#[derive(Debug, Clone, Default)]
pub struct Maintainers {
    pub sections: Vec<Section>,
}

impl Maintainers {
    /// Parses the text of a MAINTAINERS file. Lines before the first
    /// section (the kernel's preamble is indented) and unknown entries are
    /// skipped.
    pub fn parse(text: &str) -> Maintainers {
        let mut sections = Vec::new();
        let mut cur: Option<Section> = None;
        for line in text.lines() {
            let entry = line
                .split_once(':')
                .filter(|(tag, _)| tag.len() == 1 && tag.bytes().all(|b| b.is_ascii_uppercase()));
            match entry {
                Some((tag, value)) if cur.is_some() => {
                    let value = value.trim();
                    let Some(s) = cur.as_mut() else { continue };
                    match tag {
                        "M" => s.maintainers.extend(address(value)),
                        "R" => s.reviewers.extend(address(value)),
                        "F" if !value.is_empty() => s.files.push(value.to_string()),
                        "X" if !value.is_empty() => s.excluded.push(value.to_string()),
                        _ => {}
                    }
                }
                Some(_) => {}
                None if line.trim().is_empty() => {
                    sections.extend(cur.take());
                }
                None if line.starts_with(char::is_whitespace) => {}
                None => {
                    sections.extend(cur.take());
                    cur = Some(Section {
                        name: line.trim().to_string(),
                        ..Section::default()
                    });
                }
            }
        }
        sections.extend(cur);
        sections.retain(|s| !s.files.is_empty());
        Maintainers { sections }
    }

    /// The sections covering `file`.
    pub fn sections_for<'a>(&'a self, file: &'a str) -> impl Iterator<Item = &'a Section> + 'a {
        self.sections.iter().filter(move |s| {
            s.files.iter().any(|p| file_matches(file, p))
                && !s.excluded.iter().any(|p| file_matches(file, p))
        })
    }

    /// (maintainers, maintainers and reviewers) of `files`: the `M:` and
    /// `R:` addresses of every section covering one of them. "THE REST" (the
    /// kernel's catch-all) counts only for files no other section covers.
    pub fn people(&self, files: &[String]) -> (HashSet<String>, HashSet<String>) {
        let mut m = HashSet::new();
        let mut r = HashSet::new();
        for f in files {
            let found: Vec<&Section> = self.sections_for(f).collect();
            let specific = found.iter().any(|s| s.name != "THE REST");
            for s in found {
                if specific && s.name == "THE REST" {
                    continue;
                }
                m.extend(s.maintainers.iter().cloned());
                r.extend(s.maintainers.iter().cloned());
                r.extend(s.reviewers.iter().cloned());
            }
        }
        (m, r)
    }
}

/// The address of `Name <addr>` (or a bare address), lower-cased.
fn address(value: &str) -> Option<String> {
    let addr = match (value.rfind('<'), value.rfind('>')) {
        (Some(a), Some(b)) if a < b => &value[a + 1..b],
        _ => value.split_whitespace().find(|w| w.contains('@'))?,
    };
    let addr = addr.trim().to_ascii_lowercase();
    addr.contains('@').then_some(addr)
}

/// get_maintainer.pl's `file_match_pattern` (see the module docs).
pub fn file_matches(file: &str, pattern: &str) -> bool {
    let pattern = pattern.trim();
    if pattern.is_empty() {
        return false;
    }
    if pattern.ends_with('/') {
        return prefix_glob(file, pattern).is_some();
    }
    if !pattern.contains(['*', '?']) {
        return file == pattern
            || file
                .strip_prefix(pattern)
                .is_some_and(|rest| rest.starts_with('/'));
    }
    prefix_glob(file, pattern).is_some()
        && file.matches('/').count() == pattern.matches('/').count()
}

/// Whether `pattern` (with `*`, `?`) matches a prefix of `file`: returns
/// the shortest matched length.
fn prefix_glob(file: &str, pattern: &str) -> Option<usize> {
    let f = file.as_bytes();
    let p = pattern.as_bytes();
    fn go(f: &[u8], fi: usize, p: &[u8], pi: usize) -> Option<usize> {
        if pi == p.len() {
            return Some(fi);
        }
        match p[pi] {
            b'*' => (fi..=f.len()).find_map(|k| go(f, k, p, pi + 1)),
            b'?' if fi < f.len() => go(f, fi + 1, p, pi + 1),
            c if fi < f.len() && f[fi] == c => go(f, fi + 1, p, pi + 1),
            _ => None,
        }
    }
    go(f, 0, p, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
List of maintainers
===================

Descriptions of section entries and preferred order
	M: *Mail* patches to: FullName <address@domain>
	F: *Files* and directories wildcard patterns.

KERNEL BUILD + files below scripts/ (unless maintained elsewhere)
M:	Masahiro Yamada <masahiroy@kernel.org>
R:	Nathan Chancellor <nathan@kernel.org>
L:	linux-kbuild@vger.kernel.org
S:	Maintained
F:	Makefile
F:	scripts/
F:	scripts/Makefile.*
X:	scripts/kconfig/

KCONFIG
M:	Kconfig Person <KCONFIG@example.org>
F:	scripts/kconfig/
F:	Documentation/kbuild/kconfig*

NET DRIVERS
M:	Net Person <net@example.org>
F:	drivers/net/*
F:	include/linux/netdevice.h

THE REST
M:	Linus Torvalds <torvalds@linux-foundation.org>
F:	*
F:	*/
";

    #[test]
    fn sections_people_and_patterns() {
        let m = Maintainers::parse(SAMPLE);
        let names: Vec<&str> = m.sections.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "KERNEL BUILD + files below scripts/ (unless maintained elsewhere)",
                "KCONFIG",
                "NET DRIVERS",
                "THE REST"
            ]
        );
        let people = |files: &[&str]| {
            let files: Vec<String> = files.iter().map(|s| s.to_string()).collect();
            let (m, r) = m.people(&files);
            let mut m: Vec<String> = m.into_iter().collect();
            let mut r: Vec<String> = r.into_iter().collect();
            m.sort();
            r.sort();
            (m, r)
        };
        assert_eq!(
            people(&["scripts/Makefile.build"]),
            (
                vec!["masahiroy@kernel.org".to_string()],
                vec![
                    "masahiroy@kernel.org".to_string(),
                    "nathan@kernel.org".to_string()
                ]
            )
        );
        // X: hands scripts/kconfig/ to its own section; addresses lower-cased.
        assert_eq!(
            people(&["scripts/kconfig/conf.c"]).0,
            ["kconfig@example.org"]
        );
        assert_eq!(
            people(&["Documentation/kbuild/kconfig-language.rst"]).0,
            ["kconfig@example.org"]
        );
        // drivers/net/* is that directory only; below it only THE REST is left.
        assert_eq!(people(&["drivers/net/dummy.c"]).0, ["net@example.org"]);
        assert_eq!(
            people(&["drivers/net/wan/x.c"]).0,
            ["torvalds@linux-foundation.org"]
        );
        assert_eq!(people(&["Makefile"]).0, ["masahiroy@kernel.org"]);
    }

    #[test]
    fn file_patterns() {
        assert!(file_matches("scripts/a/b.c", "scripts/"));
        assert!(!file_matches("scriptsx/a", "scripts/"));
        assert!(file_matches("drivers/pwm/core.c", "drivers/pwm"));
        assert!(file_matches("include/linux/pwm.h", "include/linux/pwm.h"));
        assert!(!file_matches("include/linux/pwm.hx", "include/linux/pwm.h"));
        assert!(file_matches("drivers/pwm/pwm-foo.c", "drivers/pwm/pwm-*.c"));
        assert!(!file_matches(
            "drivers/pwm/x/pwm-foo.c",
            "drivers/pwm/pwm-*"
        ));
        assert!(file_matches("arch/x86/boot/Makefile", "arch/*/boot/"));
    }
}
