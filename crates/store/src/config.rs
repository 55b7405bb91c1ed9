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
//!
//! [workflow]
//! maintainers = "~/src/linux/MAINTAINERS"   # for `from maintainers` in rules
//! jobs = 2                         # checks run at once
//!
//! [[rule]]                         # see crate::rules for the syntax
//! name = "ready"
//! when = "review from maintainers >= 2 AND NOT nak AND age >= 7d"
//!
//! [[check]]                        # see crate::check
//! name = "apply"
//! command = "git -C ~/src/linux am --patch-format=mboxrd \"$PUTT_MBOX\""
//! query = "l:linux-kbuild"
//! timeout = "10m"
//!
//! [events]
//! hook = "notify-send putt"        # gets each event as JSON on stdin
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
    /// Settings shared by rules and checks.
    #[serde(default)]
    pub workflow: WorkflowConfig,
    /// `[[rule]]`: named tests of a series revision ([`crate::rules`]).
    #[serde(default, rename = "rule", skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<RuleConfig>,
    /// `[[check]]`: commands run on new series revisions ([`crate::check`]).
    #[serde(default, rename = "check", skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<CheckConfig>,
    /// The event log's hook ([`crate::events`]).
    #[serde(default)]
    pub events: EventsConfig,
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

/// `[workflow]`: what rules and checks share.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkflowConfig {
    /// A MAINTAINERS-format file: who `maintainers` and `reviewers` are in
    /// rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maintainers: Option<PathBuf>,
    /// Checks run at the same time (default 2; `putt check --jobs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jobs: Option<usize>,
    /// How often `putt check --watch` looks for new mail (default `1m`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
}

/// `[[rule]]`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    pub name: String,
    /// The test, in the rules syntax ([`crate::rules`]).
    pub when: String,
    /// Keep matching series out of lists unless asked for (`is:NAME`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hide: bool,
}

/// `[[check]]`: a command run once per new series revision.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CheckConfig {
    pub name: String,
    /// Run with `sh -c` in a scratch directory; `$PUTT_MBOX` holds the
    /// revision's patches (see the README for every variable).
    pub command: String,
    /// Only series with a message matching this query.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Only series matching this saved filter (`[filters]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// Only series posted to these inboxes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inboxes: Vec<String>,
    /// A `[repos]` name, given to the command as `$PUTT_REPO`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    /// Time limit (`90s`, `10m`, `1h`; default `10m`); the command's whole
    /// process group is killed past it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    /// This exit status means "warning" (0 is success, others fail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning_exit: Option<i32>,
    /// Also check revisions with patches missing.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub incomplete: bool,
}

/// `[events]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct EventsConfig {
    /// Run with `sh -c` for each event, the event's JSON line on stdin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hook: Option<String>,
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
    /// The effective settings as TOML (`putt config`).
    pub fn to_toml(&self) -> Result<String> {
        toml::to_string_pretty(self).map_err(|e| Error::Config {
            path: self.path.clone().unwrap_or_default(),
            message: format!("cannot write it as TOML: {e}"),
        })
    }

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
        if let Some(m) = &config.workflow.maintainers {
            let m = expand(m, base);
            if !m.is_file() {
                return Err(Error::Config {
                    path: path.to_path_buf(),
                    message: format!("workflow.maintainers: no file {}", m.display()),
                });
            }
            config.workflow.maintainers = Some(m);
        }
        config.check_workflow(path)?;
        Ok(config)
    }

    /// Rules must parse and have what they use; checks must name things
    /// that exist. Errors name the rule or check and the place.
    fn check_workflow(&self, path: &Path) -> Result<()> {
        let bad = |message: String| Error::Config {
            path: path.to_path_buf(),
            message,
        };
        let valid_name = |n: &str| {
            !n.is_empty()
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c))
        };
        if let Some(i) = &self.workflow.interval
            && crate::rules::parse_duration(i).is_none_or(|s| s <= 0)
        {
            return Err(bad(format!(
                "workflow.interval: `{i}` is not a time (30s, 5m, 1h)"
            )));
        }
        let mut names: Vec<&str> = Vec::new();
        for (i, r) in self.rules.iter().enumerate() {
            let place = format!("[[rule]] #{} `{}`", i + 1, r.name);
            if !valid_name(&r.name) {
                return Err(bad(format!(
                    "{place}: name: use letters, digits, `-` and `_`"
                )));
            }
            if names.contains(&r.name.as_str()) {
                return Err(bad(format!("{place}: the name is used twice")));
            }
            if crate::state::TriageState::ALL
                .iter()
                .any(|s| s.name() == r.name)
            {
                return Err(bad(format!(
                    "{place}: `{}` is a triage state (`is:{}` means the state); choose another name",
                    r.name, r.name
                )));
            }
            let rule =
                crate::rules::Rule::parse(&r.name, &r.when, r.hide, &names).map_err(|e| {
                    bad(format!(
                        "{place}: when = \"{}\":\n{}",
                        r.when,
                        e.render(&r.when)
                            .lines()
                            .map(|l| format!("    {l}"))
                            .collect::<Vec<_>>()
                            .join("\n")
                    ))
                })?;
            let needs = rule.needs();
            if needs.me && self.identity.is_none() {
                return Err(bad(format!(
                    "{place}: uses `me`, but there is no [identity] to say who you are"
                )));
            }
            if needs.maintainers && self.workflow.maintainers.is_none() {
                return Err(bad(format!(
                    "{place}: uses `maintainers` or `reviewers`: set [workflow] maintainers = \"path/to/MAINTAINERS\""
                )));
            }
            names.push(&r.name);
        }
        let mut checks: Vec<&str> = Vec::new();
        for (i, c) in self.checks.iter().enumerate() {
            let place = format!("[[check]] #{} `{}`", i + 1, c.name);
            if !valid_name(&c.name) {
                return Err(bad(format!(
                    "{place}: name: use letters, digits, `-` and `_`"
                )));
            }
            if checks.contains(&c.name.as_str()) {
                return Err(bad(format!("{place}: the name is used twice")));
            }
            checks.push(&c.name);
            if c.command.trim().is_empty() {
                return Err(bad(format!("{place}: command is empty")));
            }
            if let Some(t) = &c.timeout
                && crate::rules::parse_duration(t).is_none_or(|s| s <= 0)
            {
                return Err(bad(format!(
                    "{place}: timeout `{t}` is not a time (90s, 10m, 1h)"
                )));
            }
            if let Some(q) = &c.query
                && let Err(e) = crate::query::parse(q, chrono::Utc::now())
            {
                return Err(bad(format!("{place}: query:\n{}", e.render(q))));
            }
            if let Some(f) = &c.filter
                && !self.filters.contains_key(f)
            {
                return Err(bad(format!("{place}: no filter `{f}` in [filters]")));
            }
            if let Some(r) = &c.repo
                && !self.repos.contains_key(r)
            {
                return Err(bad(format!("{place}: no repo `{r}` in [repos]")));
            }
        }
        Ok(())
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
    // A crash never leaves half a config; a config that is a symlink (into
    // a dotfiles repository) stays one.
    crate::files::write(path, text.as_bytes())
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

/// `~/x` -> home/x, as a shell reads a path the user typed.
pub fn expand_home(path: &Path) -> PathBuf {
    if let Ok(rest) = path.strip_prefix("~")
        && let Some(home) = directories::BaseDirs::new()
    {
        return home.home_dir().join(rest);
    }
    path.to_path_buf()
}

/// [`expand_home`]; relative paths are relative to the config file.
fn expand(path: &Path, base: &Path) -> PathBuf {
    let path = &expand_home(path);
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
