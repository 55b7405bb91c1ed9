//! `config.toml`: which inboxes, where the index lives, and the user's
//! settings. Unknown keys are errors naming the key and line (a typo must
//! not silently do nothing), and configured paths must exist.
//!
//! ```toml
//! [[inbox]]
//! name = "linux-kbuild"
//! path = "~/lore/linux-kbuild"
//! url = "https://lore.kernel.org/linux-kbuild"   # what `putt sync` fetches
//!
//! [sync]
//! jobs = 4                          # inboxes fetched at once
//!
//! [index]
//! dir = "~/.cache/putt-index"      # default: the data dir
//!
//! [repos]
//! linux = "~/src/linux"
//! linux-kbuild = "~/src/kbuild"    # an inbox's name: its series apply there
//!
//! [apply]
//! link = "https://lore.kernel.org/r/%s"   # default https://patch.msgid.link/%s
//! add_link = true                  # as --add-link, always
//! add_sob = true                   # as --add-sob, always
//!
//! [identity]
//! name = "Ada Reviewer"
//! email = "ada@example.org"
//! alternates = ["ada@work.example"]   # also you: never Cc'd on replies
//!
//! [send]
//! command = "msmtp -t"               # default: append to <data dir>/outbox.mbox
//! message_id_domain = "example.org"  # default: the domain of identity.email
//!
//! [filters]
//! mine = "dfn:drivers/pwm/ OR s:pwm"
//!
//! [tui]
//! theme = "dark"                   # or light, 16color, or a file's name
//!
//! [keys.series_list]
//! J = "down"                       # key = action; "none" unbinds
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The whole configuration.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default, rename = "inbox")]
    pub inboxes: Vec<InboxConfig>,
    #[serde(default)]
    pub index: IndexConfig,
    /// Local git trees by name, for interdiff of trees and apply.
    #[serde(default)]
    pub repos: BTreeMap<String, PathBuf>,
    #[serde(default)]
    pub identity: Option<Identity>,
    /// How replies leave: a sendmail-style command, else the outbox mbox.
    #[serde(default)]
    pub send: SendConfig,
    /// Named queries, cycled in the TUI.
    #[serde(default)]
    pub filters: BTreeMap<String, String>,
    /// `putt sync` settings.
    #[serde(default)]
    pub sync: SyncConfig,
    /// Terminal UI settings.
    #[serde(default)]
    pub tui: TuiConfig,
    /// `putt am` / `putt apply` settings.
    #[serde(default)]
    pub apply: ApplyConfig,
    /// TUI key bindings per view (`global`, `series_list`, ...): key name
    /// -> action name. Checked when the TUI starts (the names are the
    /// TUI's), so a build without it still reads the file.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub keys: BTreeMap<String, BTreeMap<String, String>>,
    /// Where this configuration was read from (not a key).
    #[serde(skip)]
    pub path: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct InboxConfig {
    pub name: String,
    pub path: PathBuf,
    /// Where `putt sync` fetches from (the clone's remote when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexConfig {
    pub dir: Option<PathBuf>,
}

/// `putt sync` settings.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncConfig {
    /// Inboxes fetched at the same time (default 4; `--jobs` overrides).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jobs: Option<usize>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TuiConfig {
    /// A theme of `themes/` (`dark`, `light`, `16color`) or of the user's
    /// `themes/` folder beside the config file; default `dark`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<String>,
}

/// `[apply]`: how `putt am` and `putt apply` write patches.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ApplyConfig {
    /// The `Link:` trailer's URL, `%s` = the Message-ID (default
    /// `https://patch.msgid.link/%s`, as b4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Always add the `Link:` (as `--add-link`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub add_link: bool,
    /// Always add your `Signed-off-by:` (as `--add-sob`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub add_sob: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    pub name: String,
    pub email: String,
    /// Other addresses of yours: recognised as you when replying (left out
    /// of Cc, and your own mail is answered to its recipients).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternates: Vec<String>,
}

/// `[send]`: how a reply leaves putt.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SendConfig {
    /// Run with `sh -c`, the message on stdin, sendmail style (`msmtp -t`,
    /// `sendmail -t -oi`). Unset: replies are appended to the outbox mbox in
    /// the data dir.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// The domain of new Message-IDs (default: that of `identity.email`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id_domain: Option<String>,
}

/// The user's standard directories, overridable for tests and scripts with
/// `PUTT_CONFIG` (a file) and `PUTT_DATA_DIR`.
pub struct Dirs;

impl Dirs {
    fn project() -> Option<directories::ProjectDirs> {
        directories::ProjectDirs::from("", "", "putt")
    }

    /// `~/.config/putt/config.toml` on Linux.
    pub fn config_file() -> PathBuf {
        if let Some(p) = std::env::var_os("PUTT_CONFIG") {
            return PathBuf::from(p);
        }
        Dirs::project()
            .map(|d| d.config_dir().join("config.toml"))
            .unwrap_or_else(|| PathBuf::from("putt-config.toml"))
    }

    /// `~/.local/share/putt` on Linux: index, state, drafts, outbox.
    pub fn data_dir() -> PathBuf {
        if let Some(p) = std::env::var_os("PUTT_DATA_DIR") {
            return PathBuf::from(p);
        }
        Dirs::project()
            .map(|d| d.data_dir().to_path_buf())
            .unwrap_or_else(|| PathBuf::from(".putt"))
    }
}

impl Config {
    /// Reads the config file at `path` (the default location when `None`).
    /// A missing file is an empty configuration; a broken one is an error.
    pub fn load(path: Option<&Path>) -> Result<Config> {
        let path = path.map_or_else(Dirs::config_file, Path::to_path_buf);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Config {
                    path: Some(path),
                    ..Config::default()
                });
            }
            Err(e) => return Err(Error::io(&path, e)),
        };
        let mut config = Config::parse(&text, &path)?;
        config.path = Some(path);
        Ok(config)
    }

    /// Parses config text; `path` names the file in errors and anchors
    /// relative paths.
    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        let mut config: Config = toml::from_str(text).map_err(|e| Error::Config {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let mut names = std::collections::HashSet::new();
        for inbox in &mut config.inboxes {
            if !names.insert(inbox.name.clone()) {
                return Err(Error::Config {
                    path: path.to_path_buf(),
                    message: format!("inbox name `{}` is used twice", inbox.name),
                });
            }
            if inbox.name.is_empty() || inbox.name.contains(['/', ':', ' ']) {
                return Err(Error::Config {
                    path: path.to_path_buf(),
                    message: format!(
                        "inbox name `{}`: use letters, digits, `-`, `_` or `.`",
                        inbox.name
                    ),
                });
            }
            inbox.path = expand(&inbox.path, base);
            if !inbox.path.exists() {
                return Err(Error::Config {
                    path: path.to_path_buf(),
                    message: format!(
                        "inbox `{}`: path {} does not exist",
                        inbox.name,
                        inbox.path.display()
                    ),
                });
            }
        }
        if let Some(dir) = &config.index.dir {
            config.index.dir = Some(expand(dir, base));
        }
        for (name, repo) in config.repos.iter_mut() {
            *repo = expand(repo, base);
            if !repo.exists() {
                return Err(Error::Config {
                    path: path.to_path_buf(),
                    message: format!("repos.{name}: path {} does not exist", repo.display()),
                });
            }
        }
        Ok(config)
    }

    /// The identity replies are sent as; its absence is an error that says
    /// which keys to set.
    pub fn identity(&self) -> Result<&Identity> {
        let path = self.path.clone().unwrap_or_else(Dirs::config_file);
        let id = self.identity.as_ref().ok_or_else(|| Error::Config {
            path: path.clone(),
            message: "no [identity] to reply as: add\n\n[identity]\nname = \"Your Name\"\nemail = \"you@example.org\"\n".into(),
        })?;
        let email = id.email.trim();
        let valid = email
            .rsplit_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && !d.is_empty())
            && !email
                .contains(|c: char| c.is_whitespace() || c.is_control() || "<>,;\"".contains(c));
        if !valid {
            return Err(Error::Config {
                path,
                message: format!(
                    "identity.email `{}` is not a mail address (want `you@example.org`)",
                    id.email.escape_debug()
                ),
            });
        }
        Ok(id)
    }

    /// Where the index lives.
    pub fn index_dir(&self) -> PathBuf {
        self.index
            .dir
            .clone()
            .unwrap_or_else(|| Dirs::data_dir().join("index"))
    }

    /// Uses these inbox paths instead of the configured ones (`--inbox`).
    pub fn with_inbox_paths(&mut self, paths: &[PathBuf]) -> Result<()> {
        if paths.is_empty() {
            return Ok(());
        }
        self.inboxes.clear();
        for p in paths {
            let path = std::path::absolute(p).map_err(|e| Error::io(p, e))?;
            if !path.exists() {
                return Err(Error::io(
                    &path,
                    std::io::Error::new(std::io::ErrorKind::NotFound, "no such inbox directory"),
                ));
            }
            let mut name = inbox_name_for(&path);
            let mut n = 2;
            while self.inboxes.iter().any(|i| i.name == name) {
                name = format!("{}-{n}", inbox_name_for(&path));
                n += 1;
            }
            self.inboxes.push(InboxConfig {
                name,
                path,
                url: None,
            });
        }
        Ok(())
    }
}

/// Adds an `[[inbox]]` table to the config file at `path` (creating the
/// file when there is none). The file's own text, comments and order
/// included, is kept as it is: the table is appended, never re-serialised
/// with the rest. The result must parse, and the name must be new.
pub fn append_inbox(path: &Path, inbox: &InboxConfig) -> Result<()> {
    let old = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Error::io(path, e)),
    };
    let current = Config::parse(&old, path)?;
    if current.inboxes.iter().any(|i| i.name == inbox.name) {
        return Err(Error::Config {
            path: path.to_path_buf(),
            message: format!(
                "inbox `{}` is already configured; choose another name",
                inbox.name
            ),
        });
    }
    let quote = |s: &str| toml::Value::String(s.to_string()).to_string();
    let inbox_path = inbox.path.to_str().ok_or_else(|| Error::Config {
        path: path.to_path_buf(),
        message: format!("inbox path {} is not UTF-8", inbox.path.display()),
    })?;
    let mut text = old;
    if !text.is_empty() {
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text.push('\n');
    }
    text.push_str("[[inbox]]\n");
    text.push_str(&format!("name = {}\n", quote(&inbox.name)));
    text.push_str(&format!("path = {}\n", quote(inbox_path)));
    if let Some(url) = &inbox.url {
        text.push_str(&format!("url = {}\n", quote(url)));
    }
    // A file that cannot take another `[[inbox]]` (say, `inbox = [...]`
    // written inline) is reported rather than broken.
    Config::parse(&text, path)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    // Write beside and rename, so a crash never leaves half a config.
    let mut tmp = path.as_os_str().to_os_string();
    tmp.push(format!(".tmp{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, &text).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

/// A name for an inbox given only by path: its directory name without `.git`.
pub fn inbox_name_for(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "inbox".into());
    let name = name.strip_suffix(".git").unwrap_or(&name).to_string();
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if clean.is_empty() {
        "inbox".into()
    } else {
        clean
    }
}

/// `~/x` -> home/x; relative paths are relative to the config file.
fn expand(path: &Path, base: &Path) -> PathBuf {
    if let Ok(rest) = path.strip_prefix("~")
        && let Some(home) = directories::BaseDirs::new()
    {
        return home.home_dir().join(rest);
    }
    if path.is_relative() {
        base.join(path)
    } else {
        path.to_path_buf()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_is_named() {
        let err = Config::parse("[index]\ndirr = \"x\"\n", Path::new("/c/config.toml"))
            .expect_err("unknown key");
        let msg = err.to_string();
        assert!(msg.contains("dirr"), "{msg}");
        assert!(msg.contains("/c/config.toml"), "{msg}");
    }

    #[test]
    fn missing_inbox_path_is_named() {
        let err = Config::parse(
            "[[inbox]]\nname = \"x\"\npath = \"/nonexistent/putt-test\"\n",
            Path::new("/c/config.toml"),
        )
        .expect_err("missing path");
        assert!(err.to_string().contains("/nonexistent/putt-test"));
    }

    #[test]
    fn identity_is_required_to_reply_and_names_its_keys() {
        let cfg = Config::parse("", Path::new("/c/config.toml")).expect("empty");
        let msg = cfg.identity().expect_err("none").to_string();
        assert!(
            msg.contains("[identity]") && msg.contains("name =") && msg.contains("email ="),
            "{msg}"
        );
        let cfg = Config::parse(
            "[identity]\nname = \"A\"\nemail = \"a@b\\r\\nBcc: c@d\"\n",
            Path::new("/c/config.toml"),
        )
        .expect("parses");
        let msg = cfg.identity().expect_err("bad email").to_string();
        assert!(msg.contains("identity.email"), "{msg}");
    }

    #[test]
    fn send_section_rejects_unknown_keys() {
        let cfg = Config::parse(
            "[send]\ncommand = \"msmtp -t\"\nmessage_id_domain = \"example.org\"\n",
            Path::new("/c/config.toml"),
        )
        .expect("parses");
        assert_eq!(cfg.send.command.as_deref(), Some("msmtp -t"));
        let err = Config::parse("[send]\ncomand = \"x\"\n", Path::new("/c/config.toml"))
            .expect_err("typo");
        assert!(err.to_string().contains("comand"), "{err}");
    }

    #[test]
    fn append_keeps_the_users_text_and_adds_a_table() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("config.toml");
        let old =
            "# my lists\n[index]\ndir = \"idx\" # beside the config\n\n[filters]\nmine = \"s:pwm\"";
        std::fs::write(&file, old).expect("write");
        let inbox = InboxConfig {
            name: "linux-kbuild".into(),
            path: dir.path().to_path_buf(),
            url: Some("https://lore.kernel.org/linux-kbuild".into()),
        };
        append_inbox(&file, &inbox).expect("appends");
        let text = std::fs::read_to_string(&file).expect("read");
        assert!(text.starts_with(old), "{text}");
        let cfg = Config::parse(&text, &file).expect("parses");
        assert_eq!(cfg.inboxes, vec![inbox.clone()]);
        assert_eq!(cfg.filters["mine"], "s:pwm");
        let err = append_inbox(&file, &inbox).expect_err("same name twice");
        assert!(err.to_string().contains("already configured"), "{err}");
    }

    #[test]
    fn append_creates_a_missing_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("sub/config.toml");
        let inbox = InboxConfig {
            name: "x".into(),
            path: dir.path().to_path_buf(),
            url: None,
        };
        append_inbox(&file, &inbox).expect("creates");
        let cfg = Config::load(Some(&file)).expect("loads");
        assert_eq!(cfg.inboxes, vec![inbox]);
    }

    #[test]
    fn relative_paths_follow_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("lkml")).expect("mkdir");
        let cfg = Config::parse(
            "[[inbox]]\nname = \"lkml\"\npath = \"lkml\"\n",
            &dir.path().join("config.toml"),
        )
        .expect("parses");
        assert_eq!(cfg.inboxes[0].path, dir.path().join("lkml"));
    }
}
