//! A scrolling text view (message, trailers, help, an interdiff pair):
//! styled lines laid out once, wrapped at draw time, searched with `/`.
//! Only the visible lines are drawn, so a 2 MB patch scrolls as fast as a
//! short reply.

use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

use crate::theme::Theme;

/// One logical line: segments of text, each with a theme role. The text is
/// already safe for the terminal (see [`super::clean_body_line`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PagerLine {
    pub segs: Vec<(&'static str, String)>,
}

impl PagerLine {
    pub fn new(role: &'static str, text: impl Into<String>) -> PagerLine {
        PagerLine {
            segs: vec![(role, text.into())],
        }
    }

    pub fn blank() -> PagerLine {
        PagerLine::default()
    }

    pub fn push(mut self, role: &'static str, text: impl Into<String>) -> PagerLine {
        self.segs.push((role, text.into()));
        self
    }

    /// The line's text without styles.
    pub fn text(&self) -> String {
        self.segs.iter().map(|(_, t)| t.as_str()).collect()
    }
}

/// A pager's state: its lines and the first one shown.
#[derive(Debug, Clone, Default)]
pub struct Pager {
    pub lines: Arc<Vec<PagerLine>>,
    pub top: usize,
}

impl Pager {
    pub fn new(lines: Vec<PagerLine>) -> Pager {
        Pager {
            lines: Arc::new(lines),
            top: 0,
        }
    }

    /// Scrolls by `delta` lines, staying within the text.
    pub fn scroll(&mut self, delta: isize, height: usize) {
        let max = self.lines.len().saturating_sub(height.max(1));
        let top = self.top as isize + delta;
        self.top = (top.max(0) as usize).min(max);
    }

    pub fn to_top(&mut self) {
        self.top = 0;
    }

    pub fn to_bottom(&mut self, height: usize) {
        self.top = self.lines.len().saturating_sub(height.max(1));
    }

    /// Moves to the next (or previous) line containing `pattern`, case
    /// insensitively, wrapping around. Returns whether one was found.
    pub fn find(&mut self, pattern: &str, forward: bool) -> bool {
        let n = self.lines.len();
        if n == 0 || pattern.is_empty() {
            return false;
        }
        let needle = pattern.to_lowercase();
        for step in 1..=n {
            let i = if forward {
                (self.top + step) % n
            } else {
                (self.top + n * 2 - step) % n
            };
            if self.lines[i].text().to_lowercase().contains(&needle) {
                self.top = i;
                return true;
            }
        }
        false
    }

    /// Draws the lines from `top`, wrapping long ones, with matches of
    /// `search` highlighted.
    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme, search: Option<&str>) {
        let w = area.width as usize;
        let h = area.height as usize;
        let mut rows: Vec<Line> = Vec::with_capacity(h);
        for line in self.lines.iter().skip(self.top) {
            if rows.len() >= h {
                break;
            }
            let segs = highlight(line, search);
            for row in wrap(&segs, w) {
                if rows.len() >= h {
                    break;
                }
                rows.push(Line::from(
                    row.into_iter()
                        .map(|(role, text)| Span::styled(text, theme.style(role)))
                        .collect::<Vec<_>>(),
                ));
            }
        }
        frame.render_widget(Paragraph::new(rows).style(theme.style("normal")), area);
    }
}

/// Splits segments where `search` matches, giving the matches their role.
fn highlight(line: &PagerLine, search: Option<&str>) -> Vec<(&'static str, String)> {
    let Some(pattern) = search.filter(|p| !p.is_empty()) else {
        return line.segs.clone();
    };
    let needle = pattern.to_lowercase();
    let mut out = Vec::new();
    for (role, text) in &line.segs {
        let lower = text.to_lowercase();
        // Lower-casing can change byte lengths (rare scripts): then skip
        // highlighting rather than cut a character in half.
        if lower.len() != text.len() {
            out.push((*role, text.clone()));
            continue;
        }
        let mut start = 0;
        while let Some(pos) = lower[start..].find(&needle) {
            let at = start + pos;
            let end = at + needle.len();
            if !text.is_char_boundary(at) || !text.is_char_boundary(end) {
                break;
            }
            if at > start {
                out.push((*role, text[start..at].to_string()));
            }
            out.push(("search.match", text[at..end].to_string()));
            start = end;
        }
        if start < text.len() {
            out.push((*role, text[start..].to_string()));
        }
    }
    out
}

/// Wraps styled segments into rows of at most `w` columns, never
/// splitting a wide character, and breaking after the last space of a row
/// when it has one (as mutt's `smart_wrap`): an address or a word runs
/// whole onto the next row instead of being cut in two. A row without a
/// space (a long URL, a hash) is cut at the edge.
fn wrap(segs: &[(&'static str, String)], w: usize) -> Vec<Vec<(&'static str, String)>> {
    if w == 0 {
        return vec![Vec::new()];
    }
    // The line as graphemes with their role and width, then cut into rows.
    let cells: Vec<(&'static str, &str, usize)> = segs
        .iter()
        .flat_map(|(role, text)| text.graphemes(true).map(move |g| (*role, g, g.width())))
        .collect();
    let mut rows = Vec::new();
    let mut start = 0;
    while start < cells.len() || rows.is_empty() {
        let mut used = 0;
        let mut end = start;
        // Index just past the last space that follows something else.
        let mut soft: Option<usize> = None;
        while end < cells.len() && used + cells[end].2 <= w {
            used += cells[end].2;
            if cells[end].1 == " " && end > start {
                soft = Some(end + 1);
            }
            end += 1;
        }
        if end == start && end < cells.len() {
            // A character wider than the row: give it a row of its own.
            end += 1;
        } else if end < cells.len()
            && let Some(s) = soft
        {
            end = s;
        }
        let mut row: Vec<(&'static str, String)> = Vec::new();
        for &(role, g, _) in &cells[start..end] {
            match row.last_mut() {
                Some((r, text)) if *r == role => text.push_str(g),
                _ => row.push((role, g.to_string())),
            }
        }
        rows.push(row);
        start = end;
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_wide_characters_whole() {
        let rows = wrap(&[("normal", "ab漢字cd".to_string())], 3);
        let texts: Vec<String> = rows
            .iter()
            .map(|r| r.iter().map(|(_, t)| t.as_str()).collect())
            .collect();
        assert_eq!(texts, vec!["ab", "漢", "字c", "d"]);
    }

    #[test]
    fn wrapping_breaks_after_a_space() {
        let texts = |segs: &[(&'static str, String)], w| -> Vec<String> {
            wrap(segs, w)
                .iter()
                .map(|r| r.iter().map(|(_, t)| t.as_str()).collect())
                .collect()
        };
        let cc = [
            ("header.name", "Cc: ".to_string()),
            (
                "header.value",
                "Nathan <n@k.org>, Nicolas Schier <nsc@k.org>".to_string(),
            ),
        ];
        assert_eq!(
            texts(&cc, 30),
            vec!["Cc: Nathan <n@k.org>, Nicolas ", "Schier <nsc@k.org>"]
        );
        // Roles survive the break.
        assert_eq!(wrap(&cc, 30)[0][0], ("header.name", "Cc: ".to_string()));
        // Nothing to break at: cut at the edge, nothing lost.
        let url = [("normal", "see https://lore.kernel.org/all/x".to_string())];
        assert_eq!(
            texts(&url, 12),
            vec!["see ", "https://lore", ".kernel.org/", "all/x"]
        );
        assert_eq!(texts(&[("normal", String::new())], 5), vec![""]);
    }

    #[test]
    fn find_wraps_around() {
        let mut p = Pager::new(vec![
            PagerLine::new("normal", "Alpha"),
            PagerLine::new("normal", "beta"),
            PagerLine::new("normal", "alphabet"),
        ]);
        assert!(p.find("ALPHA", true));
        assert_eq!(p.top, 2);
        assert!(p.find("alpha", true));
        assert_eq!(p.top, 0);
        assert!(p.find("alpha", false));
        assert_eq!(p.top, 2);
        assert!(!p.find("gamma", true));
    }

    #[test]
    fn highlight_marks_each_match() {
        let l = PagerLine::new("normal", "a foo b FOO");
        let segs = highlight(&l, Some("foo"));
        assert_eq!(
            segs,
            vec![
                ("normal", "a ".to_string()),
                ("search.match", "foo".to_string()),
                ("normal", " b ".to_string()),
                ("search.match", "FOO".to_string()),
            ]
        );
    }
}
