//! Colours and text attributes as data: `themes/*.toml`.
//!
//! A theme maps a fixed set of roles (`list.selected`, `diff.add`, ...) to
//! styles. The built-in themes are embedded; a user file in the `themes/`
//! folder beside the config overrides only the roles it sets, on top of
//! the built-in theme of the same name or the one it `inherits`. Unknown
//! roles and colours are errors naming them. `NO_COLOR` keeps attributes
//! (bold, reverse) and drops every colour, so selections stay visible.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

use crate::error::{Error, Result};

/// The built-in themes, by name.
pub const BUILTIN: &[(&str, &str)] = &[
    ("dark", include_str!("../../../themes/dark.toml")),
    ("light", include_str!("../../../themes/light.toml")),
    ("16color", include_str!("../../../themes/16color.toml")),
];

/// Every role a theme styles. A built-in theme sets each one.
pub const ROLES: &[&str] = &[
    "normal",
    "hints",
    "hints.key",
    "status",
    "status.busy",
    "message",
    "error",
    "prompt",
    "title",
    "border",
    "border.focused",
    "list.header",
    "list.selected",
    "list.unread",
    "list.dim",
    "state.new",
    "state.reviewing",
    "state.waiting",
    "state.accepted",
    "state.rejected",
    "state.superseded",
    "state.ignored",
    "count.acked",
    "count.reviewed",
    "count.tested",
    "count.zero",
    "nak",
    "rule",
    "check.success",
    "check.warning",
    "check.fail",
    "check.interrupted",
    "check.pending",
    "check.cancelled",
    "date",
    "author",
    "tree",
    "placeholder",
    "header.name",
    "header.value",
    "quote",
    "signature",
    "trailer",
    "trailer.suspicious",
    "diffstat",
    "diff.file",
    "diff.hunk",
    "diff.add",
    "diff.remove",
    "diff.context",
    "interdiff.same",
    "interdiff.changed",
    "interdiff.added",
    "interdiff.dropped",
    "interdiff.add",
    "interdiff.remove",
    "interdiff.note",
    "search.match",
    "help.key",
    "help.action",
];

/// One theme file as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    #[serde(default)]
    inherits: Option<String>,
    #[serde(default)]
    palette: BTreeMap<String, String>,
    #[serde(default)]
    styles: BTreeMap<String, StyleSpec>,
}

/// A style: a colour name alone (the foreground), or a table.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum StyleSpec {
    Fg(String),
    Full(FullStyle),
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FullStyle {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    bold: Option<bool>,
    #[serde(default)]
    dim: Option<bool>,
    #[serde(default)]
    italic: Option<bool>,
    #[serde(default)]
    underline: Option<bool>,
    #[serde(default)]
    reversed: Option<bool>,
}

/// A resolved theme.
#[derive(Debug, Clone)]
pub struct Theme {
    pub name: String,
    styles: HashMap<&'static str, Style>,
}

impl Default for Theme {
    fn default() -> Theme {
        Theme::builtin("dark").expect("the embedded dark theme is valid")
    }
}

impl Theme {
    /// A built-in theme by name.
    pub fn builtin(name: &str) -> Result<Theme> {
        let text = BUILTIN
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| *t)
            .ok_or_else(|| unknown_theme(name, None))?;
        let file = parse(text, Path::new(&format!("themes/{name}.toml")))?;
        let mut theme = Theme {
            name: name.to_string(),
            styles: HashMap::new(),
        };
        if let Some(parent) = &file.inherits {
            if parent == name {
                return Err(Error::Config {
                    path: PathBuf::from(format!("themes/{name}.toml")),
                    message: format!("theme {name} inherits itself"),
                });
            }
            theme.styles = Theme::builtin(parent)?.styles;
        }
        theme.apply(&file, Path::new(&format!("themes/{name}.toml")))?;
        Ok(theme)
    }

    /// The theme `name`: the user's `themes/<name>.toml` in `user_dir`
    /// over its base (what it `inherits`, else the built-in theme of that
    /// name, else `dark`), or the built-in one.
    pub fn load(name: &str, user_dir: Option<&Path>) -> Result<Theme> {
        let user_file: Option<PathBuf> = user_dir
            .map(|d| d.join(format!("{name}.toml")))
            .filter(|p| p.is_file());
        let Some(path) = user_file else {
            return Theme::builtin(name).map_err(|_| unknown_theme(name, user_dir));
        };
        let text = std::fs::read_to_string(&path).map_err(|e| Error::ThemeFile {
            path: path.clone(),
            source: e,
        })?;
        let file = parse(&text, &path)?;
        let base = match &file.inherits {
            Some(parent) => Theme::builtin(parent).map_err(|_| Error::Config {
                path: path.clone(),
                message: format!(
                    "inherits = \"{parent}\": no such built-in theme (built-in: {})",
                    builtin_names()
                ),
            })?,
            None => Theme::builtin(name).or_else(|_| Theme::builtin("dark"))?,
        };
        let mut theme = Theme {
            name: name.to_string(),
            styles: base.styles,
        };
        theme.apply(&file, &path)?;
        Ok(theme)
    }

    fn apply(&mut self, file: &ThemeFile, path: &Path) -> Result<()> {
        let err = |message: String| Error::Config {
            path: path.to_path_buf(),
            message,
        };
        let color = |name: &str| -> Result<Color> {
            let resolved = file.palette.get(name).map_or(name, String::as_str);
            resolved
                .parse::<Color>()
                .map_err(|_| err(format!("unknown colour `{name}` (use a palette name, an ANSI name such as `lightblue`, `#rrggbb` or 0-255)")))
        };
        for (role, spec) in &file.styles {
            let Some(role) = ROLES.iter().find(|r| *r == role) else {
                return Err(err(format!(
                    "[styles] \"{role}\": unknown role; roles are {}",
                    ROLES.join(", ")
                )));
            };
            let style = match spec {
                StyleSpec::Fg(c) => Style::default().fg(color(c)?),
                StyleSpec::Full(f) => {
                    let mut s = Style::default();
                    if let Some(c) = &f.fg {
                        s = s.fg(color(c)?);
                    }
                    if let Some(c) = &f.bg {
                        s = s.bg(color(c)?);
                    }
                    for (on, m) in [
                        (f.bold, Modifier::BOLD),
                        (f.dim, Modifier::DIM),
                        (f.italic, Modifier::ITALIC),
                        (f.underline, Modifier::UNDERLINED),
                        (f.reversed, Modifier::REVERSED),
                    ] {
                        if on == Some(true) {
                            s = s.add_modifier(m);
                        }
                    }
                    s
                }
            };
            self.styles.insert(role, style);
        }
        Ok(())
    }

    /// Drops every colour (for `NO_COLOR`), keeping attributes; roles that
    /// only a colour told apart get an attribute instead.
    pub fn without_colour(mut self) -> Theme {
        for (role, style) in self.styles.iter_mut() {
            let mut s = Style {
                add_modifier: style.add_modifier,
                sub_modifier: style.sub_modifier,
                ..Style::default()
            };
            match *role {
                "list.selected" | "status" | "search.match" | "prompt" => {
                    s = s.add_modifier(Modifier::REVERSED);
                }
                "error" | "nak" | "trailer.suspicious" | "title" | "list.header" => {
                    s = s.add_modifier(Modifier::BOLD);
                }
                "diff.hunk" | "diff.file" | "interdiff.add" | "interdiff.remove" => {
                    s = s.add_modifier(Modifier::BOLD);
                }
                _ => {}
            }
            *style = s;
        }
        self
    }

    /// The style of a role (the default style for a role no one set).
    pub fn style(&self, role: &str) -> Style {
        self.styles.get(role).copied().unwrap_or_default()
    }

    /// Roles this theme does not set (a built-in theme must set them all).
    pub fn missing_roles(&self) -> Vec<&'static str> {
        ROLES
            .iter()
            .copied()
            .filter(|r| !self.styles.contains_key(r))
            .collect()
    }
}

fn parse(text: &str, path: &Path) -> Result<ThemeFile> {
    toml::from_str(text).map_err(|e| Error::Config {
        path: path.to_path_buf(),
        message: e.to_string().trim_end().to_string(),
    })
}

fn builtin_names() -> String {
    BUILTIN
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

fn unknown_theme(name: &str, user_dir: Option<&Path>) -> Error {
    let where_ = user_dir
        .map(|d| format!(" or {}/{name}.toml", d.display()))
        .unwrap_or_default();
    Error::NoTheme {
        name: name.to_string(),
        builtin: builtin_names(),
        elsewhere: where_,
    }
}

/// Whether `NO_COLOR` asks for no colour (set and not empty).
pub fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_file_overrides_only_what_it_sets() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("dark.toml"),
            "[palette]\nmine = \"#102030\"\n[styles]\n\"diff.add\" = \"mine\"\n",
        )
        .expect("write");
        let t = Theme::load("dark", Some(dir.path())).expect("loads");
        assert_eq!(t.style("diff.add").fg, Some(Color::Rgb(0x10, 0x20, 0x30)));
        assert_eq!(
            t.style("diff.remove"),
            Theme::builtin("dark").expect("dark").style("diff.remove")
        );
    }

    #[test]
    fn a_user_theme_can_inherit_a_builtin_one() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("mine.toml"),
            "inherits = \"light\"\n[styles]\n\"list.unread\" = { bold = true, underline = true }\n",
        )
        .expect("write");
        let t = Theme::load("mine", Some(dir.path())).expect("loads");
        assert!(
            t.style("list.unread")
                .add_modifier
                .contains(Modifier::UNDERLINED)
        );
        assert_eq!(
            t.style("diff.add"),
            Theme::builtin("light").expect("light").style("diff.add")
        );
    }

    #[test]
    fn unknown_roles_colours_and_themes_are_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("a.toml"),
            "[styles]\n\"dif.add\" = \"red\"\n",
        )
        .expect("write");
        std::fs::write(
            dir.path().join("b.toml"),
            "[styles]\n\"diff.add\" = \"reddish\"\n",
        )
        .expect("write");
        let e = Theme::load("a", Some(dir.path()))
            .expect_err("role")
            .to_string();
        assert!(e.contains("dif.add"), "{e}");
        let e = Theme::load("b", Some(dir.path()))
            .expect_err("colour")
            .to_string();
        assert!(e.contains("reddish"), "{e}");
        let e = Theme::load("nope", Some(dir.path()))
            .expect_err("theme")
            .to_string();
        assert!(e.contains("nope"), "{e}");
    }

    #[test]
    fn no_color_keeps_selection_visible() {
        let t = Theme::builtin("dark").expect("dark").without_colour();
        let s = t.style("list.selected");
        assert!(s.fg.is_none() && s.bg.is_none());
        assert!(s.add_modifier.contains(Modifier::REVERSED));
        assert!(t.style("diff.add").fg.is_none());
    }
}
