//! `config.toml`: which inboxes, where the index lives, and the user's
//! settings. Unknown keys are errors naming the key and line (a typo must
//! not silently do nothing), and configured paths must exist.
//!
//! ```toml
//! [[inbox]]
//! name = "linux-kbuild"
//! path = "~/lore/linux-kbuild"
//!
//! [index]
//! dir = "~/.cache/putt-index"      # default: the data dir
//!
//! [repos]
//! linux = "~/src/linux"
//!
//! [identity]
//! name = "Ada Reviewer"
//! email = "ada@example.org"
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
    /// Named queries, cycled in the TUI.
    #[serde(default)]
    pub filters: BTreeMap<String, String>,
    /// Terminal UI settings.
    #[serde(default)]
    pub tui: TuiConfig,
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

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TuiConfig {
    /// A theme of `themes/` (`dark`, `light`, `16color`) or of the user's
    /// `themes/` folder beside the config file; default `dark`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    pub name: String,
    pub email: String,
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
