//! The screen's frame and what every screen draws with. The frame is
//! mutt's: a line of key hints on top, the screen on top of the stack, a
//! status bar, and a line for messages and prompts. Everything from a
//! mail goes through [`clean`] before it reaches a cell, so no byte of it
//! can act as a terminal control sequence.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

use crate::app::App;
use crate::theme::Theme;

pub mod pager;

/// The screen's parts.
pub struct Areas {
    pub hints: Rect,
    pub body: Rect,
    pub status: Rect,
    pub message: Rect,
}

/// Splits the screen; screens page by the same split.
pub fn areas(size: Rect) -> Areas {
    let h = size.height;
    let line = |y: u16| Rect::new(size.x, size.y + y.min(h.saturating_sub(1)), size.width, 1);
    Areas {
        hints: line(0),
        body: Rect::new(size.x, size.y + 1.min(h), size.width, h.saturating_sub(3)),
        status: line(h.saturating_sub(2)),
        message: line(h.saturating_sub(1)),
    }
}

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, app: &App) {
    let a = areas(frame.area());
    let theme = &app.theme;
    frame.render_widget(
        Paragraph::new("").style(theme.style("normal")),
        frame.area(),
    );
    draw_hints(frame, a.hints, app);
    app.draw_top(frame, a.body);
    draw_status(frame, a.status, app);
    draw_message(frame, a.message, app);
}

fn draw_hints(frame: &mut Frame, area: Rect, app: &App) {
    let theme = &app.theme;
    let mut spans = Vec::new();
    let mut used = 0;
    for (key, label) in app.keymap.hints(app.view_kind()) {
        let rest = format!(":{label}  ");
        // A hint that does not fit whole is left out, not cut.
        let w = width(&key) + width(&rest);
        if used + w > area.width as usize + 2 {
            break;
        }
        used += w;
        spans.push(Span::styled(key, theme.style("hints.key")));
        spans.push(Span::styled(rest, theme.style("hints")));
    }
    frame.render_widget(
        Paragraph::new(Line::from(spans)).style(theme.style("hints")),
        area,
    );
}

fn draw_status(frame: &mut Frame, area: Rect, app: &App) {
    let theme = &app.theme;
    let left = app.status_left();
    let right = app.status_right();
    let w = area.width as usize;
    let rw = width(&right).min(w);
    let text = format!("{}{}", fit(&left, w - rw), fit(&right, rw));
    let style = if app.busy() {
        theme.style("status.busy")
    } else {
        theme.style("status")
    };
    frame.render_widget(Paragraph::new(text).style(style), area);
}

fn draw_message(frame: &mut Frame, area: Rect, app: &App) {
    let theme = &app.theme;
    let w = area.width as usize;
    if let Some(p) = &app.prompt {
        let label = clean(&p.label);
        let input = clean(&p.input);
        // Keep the cursor end of a long input in view.
        let room = w.saturating_sub(width(&label) + 1);
        let shown = tail_fit(&input, room);
        let line = Line::from(vec![
            Span::styled(label, theme.style("prompt")),
            Span::raw(shown.clone()),
        ]);
        frame.render_widget(Paragraph::new(line).style(theme.style("message")), area);
        let x = area.x + (width(&p.label) + width(&shown)).min(w.saturating_sub(1)) as u16;
        frame.set_cursor_position((x, area.y));
        return;
    }
    if let Some(m) = &app.message {
        let role = if m.error { "error" } else { "message" };
        frame.render_widget(
            Paragraph::new(fit(&clean(&m.text), w)).style(theme.style(role)),
            area,
        );
    }
}

/// A single-line field from a mail, safe for a terminal cell: control
/// characters shown as `^[`-style stand-ins, tabs and newlines as spaces.
pub fn clean(s: &str) -> String {
    putt_core::text::sanitize_line(s)
}

/// A body line, safe and with tabs expanded to 8-column stops (a raw tab
/// would move the terminal's cursor past what the buffer thinks).
pub fn clean_body_line(s: &str) -> String {
    let s = s.strip_suffix('\r').unwrap_or(s);
    let s = putt_core::text::sanitize(s);
    if !s.contains('\t') && !s.contains('\n') {
        return s.into_owned();
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut col = 0;
    for g in s.graphemes(true) {
        if g == "\t" {
            let n = 8 - col % 8;
            out.extend(std::iter::repeat_n(' ', n));
            col += n;
        } else if g == "\n" {
            out.push(' ');
            col += 1;
        } else {
            out.push_str(g);
            col += g.width();
        }
    }
    out
}

/// Display width in terminal columns.
pub fn width(s: &str) -> usize {
    s.width()
}

/// Exactly `cols` columns: cut with an ellipsis when longer, padded with
/// spaces when shorter. Wide characters are never split; a column a wide
/// character cannot fill is padded, so the next field starts where it
/// should.
pub fn fit(s: &str, cols: usize) -> String {
    let total = s.width();
    let mut out = String::with_capacity(s.len().min(cols * 4) + 4);
    if total <= cols {
        out.push_str(s);
        out.extend(std::iter::repeat_n(' ', cols - total));
        return out;
    }
    if cols == 0 {
        return out;
    }
    let mut used = 0;
    for g in s.graphemes(true) {
        let w = g.width();
        if used + w > cols - 1 {
            break;
        }
        out.push_str(g);
        used += w;
    }
    out.push('…');
    used += 1;
    out.extend(std::iter::repeat_n(' ', cols.saturating_sub(used)));
    out
}

/// The last `cols` columns of `s`, with an ellipsis in front when cut.
pub fn tail_fit(s: &str, cols: usize) -> String {
    if s.width() <= cols {
        return s.to_string();
    }
    if cols == 0 {
        return String::new();
    }
    let mut kept: Vec<&str> = Vec::new();
    let mut used = 1;
    for g in s.graphemes(true).rev() {
        let w = g.width();
        if used + w > cols {
            break;
        }
        kept.push(g);
        used += w;
    }
    kept.reverse();
    format!("…{}", kept.concat())
}

/// `2024-03-06` in UTC.
pub fn date(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| "????-??-??".into())
}

/// `2024-03-06 08:01` in UTC.
pub fn date_time(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "????-??-?? ??:??".into())
}

/// The name part of `Name <addr>`, or the address.
pub use putt_core::summary::name_part as person_name;

/// The first row to show so that `selected` is on screen: mutt's paging
/// (the list moves a screenful at a time), a pure function of the two.
pub fn page_top(selected: usize, height: usize) -> usize {
    if height == 0 {
        return selected;
    }
    selected - selected % height
}

/// [`page_top`] for a small pane: the last page is a full one, so a pane
/// of five rows never shows two rows and three blank ones.
pub fn pane_top(selected: usize, height: usize, n: usize) -> usize {
    let top = page_top(selected, height);
    if n > height && top + height > n {
        n - height
    } else {
        top
    }
}

/// The spinner's frame at `tick`.
pub fn spinner(tick: usize) -> &'static str {
    ["-", "\\", "|", "/"][tick % 4]
}

/// A title line over a screen.
pub fn title_line(frame: &mut Frame, area: Rect, theme: &Theme, text: &str) {
    frame.render_widget(
        Paragraph::new(fit(&clean(text), area.width as usize)).style(theme.style("title")),
        area,
    );
}

/// Fills `area` with a "loading" note (a screen waiting for its worker).
pub fn loading(frame: &mut Frame, area: Rect, theme: &Theme, tick: usize, what: &str) {
    frame.render_widget(
        Paragraph::new(format!("{} {what}", spinner(tick))).style(theme.style("list.dim")),
        area,
    );
}

/// A style for a row: the selection (when selected) over `base`.
pub fn row_style(theme: &Theme, base: Style, selected: bool) -> Style {
    if selected {
        base.patch(theme.style("list.selected"))
    } else {
        base
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_keeps_columns_with_wide_characters() {
        assert_eq!(fit("abc", 5), "abc  ");
        assert_eq!(fit("abcdef", 4), "abc…");
        // A wide character that would straddle the cut is left out and
        // the column padded.
        let s = fit("ab漢字", 4);
        assert_eq!(width(&s), 4);
        assert_eq!(s, "ab… ");
        let s = fit("漢字漢字", 5);
        assert_eq!(width(&s), 5);
        assert_eq!(fit("👍🏽 ok", 4).as_str(), "👍🏽 …");
        assert_eq!(width(&fit("e\u{301}e\u{301}e\u{301}", 2)), 2);
    }

    #[test]
    fn body_lines_are_safe_and_tabs_expanded() {
        assert_eq!(clean_body_line("a\tb"), "a       b");
        assert_eq!(clean_body_line("\x1b]0;x\x07y\r"), "^[]0;x^Gy");
        assert_eq!(clean_body_line("a\rb"), "a^Mb");
    }

    #[test]
    fn small_panes_show_a_full_last_page() {
        assert_eq!(page_top(6, 5), 5);
        assert_eq!(pane_top(6, 5, 7), 2);
        assert_eq!(pane_top(1, 5, 7), 0);
        assert_eq!(pane_top(3, 5, 3), 0);
    }

    #[test]
    fn tail_fit_keeps_the_end() {
        assert_eq!(tail_fit("abcdef", 4), "…def");
        assert_eq!(tail_fit("abc", 4), "abc");
    }
}
