//! The terminal UI: a mutt for patch series.
//!
//! [`app`] is the dispatcher with its one `update()`: keys go to the
//! screen on top, answers to whoever asked, and what they want done comes
//! back as effects. [`screens`] are the screens, each owning its state and
//! drawing itself; [`ui`] draws the frame around them; [`compose`] is the
//! reply flow; [`tickets`] tracks the work in flight; [`event`] brings
//! keys, worker answers and ticks to the UI thread and runs the workers,
//! which read through [`load`]; [`keymap`] and [`theme`] are data the user
//! can override. This module wires them to a real
//! terminal ([`run`]) or to ratatui's `TestBackend` ([`Headless`], for
//! tests and measurements), and makes sure the terminal is restored
//! whatever happens: normal exit, error, panic, SIGTERM/SIGHUP.
//!
//! Timings: with `PUTT_TUI_TIMINGS=FILE` in the environment, [`run`]
//! appends one JSON line per measured frame to FILE:
//! `{"cpu_ms":…,"event":"first_full_screen","key":null,"ms":…,"unix_ms":…}`
//! once, when the list first fills the screen (or all of it is shown; `ms`
//! since `main` started: [`Options::started`]), and
//! `{"cpu_ms":…,"event":"key_to_screen","key":"d","ms":…,…}` for each key
//! whose answer is on screen (`ms` from reading the key to writing the
//! frame that no longer waits for a worker, [`App::screen_complete`]; keys
//! answered in the same frame count as the last one). `cpu_ms` is the CPU
//! time all of putt's threads used meanwhile (since start for the first
//! screen), from `/proc/self/task/*/schedstat` on Linux: unlike `ms`, a
//! busy machine does not inflate it. `benches/tui.sh` reads them for
//! BENCHMARKS.md. Unset, nothing is measured: no clock is read and no key
//! is named per frame.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::select;
use ratatui::Terminal;
use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::crossterm::{cursor, execute};

use crate::error::{Error, Result};
use putt_ops::config::{Config, Dirs};
use putt_ops::events::EventLog;
use putt_ops::triage::StateStore;

pub mod app;
pub mod compose;
pub mod error;
pub mod event;
mod flow;
mod git;
pub mod keymap;
pub mod load;
pub mod prompt;
pub mod reply;
pub mod screens;
pub mod theme;
pub mod tickets;
pub mod ui;

use app::{App, AppOptions};
use event::{Event, Input, WorkerContext, Workers};
use flow::Flow;
use keymap::Keymap;
use reply::ReplyOptions;
use theme::Theme;

/// What the TUI needs to start.
pub struct Options {
    pub config: Config,
    pub index_dir: PathBuf,
    /// Where triage state, check results and drafts live (default: the
    /// data dir).
    pub data_dir: PathBuf,
    pub now: chrono::DateTime<chrono::Utc>,
    /// Index new mail in the background at start.
    pub index_on_start: bool,
    /// When the process started, for the first-screen figure.
    pub started: Instant,
    /// Append timing events (JSON lines) here: `PUTT_TUI_TIMINGS`.
    pub timings: Option<PathBuf>,
    /// Matching messages the list's first page reads at most (fewer when
    /// fewer fill the screen), and each later one.
    pub first_page: usize,
    pub next_page: usize,
    /// Drafts, outbox and how new mail is stamped.
    pub reply: ReplyOptions,
    /// The editor for drafts; `None`: `$VISUAL`, `$EDITOR`, else `vi`.
    pub editor: Option<String>,
    /// The event log new series, revisions and state changes go to
    /// (default: `events/` in the data dir, with the configured hook).
    pub events: EventLog,
}

impl Options {
    /// Options from a config, with the usual places, at the clock's time.
    pub fn new(config: Config, index_dir: PathBuf, clock: &putt_ops::Clock) -> Options {
        Options {
            index_dir,
            data_dir: Dirs::data_dir(),
            now: clock.now(),
            index_on_start: true,
            started: Instant::now(),
            timings: std::env::var_os("PUTT_TUI_TIMINGS").map(PathBuf::from),
            first_page: 300,
            // Small pages: a limit typed while one runs waits for it.
            next_page: 300,
            reply: ReplyOptions::new(Dirs::data_dir(), clock),
            editor: None,
            events: EventLog::from_config(&config),
            config,
        }
    }
}

/// The user's themes folder: `themes/` beside the config file.
fn user_theme_dir(config: &Config) -> PathBuf {
    config
        .path
        .clone()
        .unwrap_or_else(Dirs::config_file)
        .parent()
        .map(|p| p.join("themes"))
        .unwrap_or_else(|| PathBuf::from("themes"))
}

/// Builds the app (keymap, theme, state store) and the workers' context.
/// Errors here (a bad key name, a broken theme) stop putt before the
/// terminal is touched, so they print plainly.
fn prepare(opts: &Options) -> Result<(App, WorkerContext)> {
    let source = opts.config.path.clone().unwrap_or_else(Dirs::config_file);
    let keymap = Keymap::with_config(&opts.config.keys, &source)?;
    let theme_name = opts.config.tui.theme.as_deref().unwrap_or("dark");
    let mut theme = Theme::load(theme_name, Some(&user_theme_dir(&opts.config)))?;
    if theme::no_color() {
        theme = theme.without_colour();
    }
    let (store, store_error) = match StateStore::open(&opts.data_dir) {
        Ok(s) => (Some(s), None),
        Err(e) => (None, Some(e)),
    };
    let index = putt_ops::session::open_index(&opts.index_dir, &opts.data_dir)?;
    // A bad rule, or a saved filter that is not a query, stops putt here.
    let flow = Flow::new(&opts.config, opts.now, &opts.data_dir)?;
    let queries = flow.rules_only();
    for (name, q) in &opts.config.filters {
        if let Err(e) = queries.parse_query(q, opts.now) {
            return Err(Error::Config {
                path: source.clone(),
                message: format!("[filters] `{name}`:\n{}", e.render(q)),
            });
        }
    }
    let mut app = App::new(
        AppOptions {
            keymap,
            theme,
            filters: opts
                .config
                .filters
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            repos: opts
                .config
                .repos
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            inbox_names: opts.config.inboxes.iter().map(|i| i.name.clone()).collect(),
            now: opts.now,
            first_page: opts.first_page,
            next_page: opts.next_page,
            index_on_start: opts.index_on_start,
            drafts: opts.reply.drafts(),
            queries,
            events: opts.events.clone(),
        },
        store,
    );
    if let Some(e) = store_error {
        app.error(format!("triage state unavailable: {e}"));
    }
    let ctx = WorkerContext {
        index: Arc::new(index),
        config: Arc::new(opts.config.clone()),
        now: opts.now,
        reply: opts.reply.clone(),
        data_dir: opts.data_dir.clone(),
        flow,
        events: opts.events.clone(),
    };
    Ok((app, ctx))
}

/// Runs the TUI on the terminal until the user quits.
pub fn run(opts: Options) -> Result<()> {
    let (mut app, ctx) = prepare(&opts)?;
    let (tx, rx) = crossbeam_channel::unbounded::<Event>();
    let workers = Workers::start(Arc::new(ctx), 3, tx.clone());
    // The first page is sized to the screen: know it before asking.
    if let Ok((w, h)) = ratatui::crossterm::terminal::size() {
        app.update(Event::Resize(w, h));
    }
    app.start();
    let mut timings = Timings::open(opts.timings.as_deref(), opts.started);
    let mut term = TerminalGuard::enter()?;
    let input = Input::start(tx.clone());
    event::forward_signals(tx.clone());
    let ticker = event::ticks(Duration::from_millis(120));
    if let Ok(size) = term.terminal.size() {
        app.update(Event::Resize(size.width, size.height));
    }
    let mut dirty = true;
    let mut pending_key: Option<PendingKey> = None;
    loop {
        for r in app.take_requests() {
            workers.send(r);
        }
        if app.quit {
            break;
        }
        if let Some(draft) = app.take_suspend() {
            // The editor gets the terminal: stop reading keys, leave the
            // alternate screen and raw mode, and take it all back after.
            input.pause();
            term.suspend();
            let result = reply::edit(opts.editor.as_deref(), &draft.path);
            let back = term.resume();
            input.resume();
            back?;
            app.update(Event::Edited {
                id: draft.id,
                error: result.err().map(|e| e.to_string()),
            });
            dirty = true;
            continue;
        }
        if dirty {
            if app.redraw_all {
                app.redraw_all = false;
                term.terminal.clear().map_err(term_error)?;
            }
            term.terminal
                .draw(|f| ui::draw(f, &app))
                .map_err(term_error)?;
            timings.drawn(&app, &mut pending_key);
            dirty = false;
        }
        select! {
            recv(rx) -> ev => {
                let Ok(ev) = ev else { break };
                if let Event::Key(k) = &ev && timings.on() {
                    pending_key = Some(PendingKey::now(k));
                }
                app.update(ev);
                dirty = true;
            }
            recv(ticker) -> _ => {
                if app.busy() {
                    app.update(Event::Tick);
                    dirty = true;
                }
            }
        }
        // Take everything already waiting before drawing again, so key
        // repeat and bursts of progress cost one frame.
        while let Ok(ev) = rx.try_recv() {
            if let Event::Key(k) = &ev
                && timings.on()
            {
                pending_key = Some(PendingKey::now(k));
            }
            app.update(ev);
            dirty = true;
        }
    }
    input.pause();
    workers.close();
    drop(term);
    Ok(())
}

/// The last key read, while its answer is not on screen yet (timings).
struct PendingKey {
    name: String,
    at: Instant,
    cpu_ms: f64,
}

impl PendingKey {
    fn now(k: &KeyEvent) -> PendingKey {
        PendingKey {
            name: keymap::Key::from_event(*k).to_string(),
            at: Instant::now(),
            cpu_ms: cpu_ms(),
        }
    }
}

/// CPU time of every thread of this process so far, in ms (Linux:
/// `/proc/self/task/*/schedstat`, nanoseconds; 0 elsewhere). Only read
/// for the timings.
fn cpu_ms() -> f64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0.0;
    };
    let ns: u64 = tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    ns as f64 / 1e6
}

fn term_error(e: std::io::Error) -> Error {
    Error::Terminal(e)
}

/// Records when the first full screen and each key's answer were drawn
/// (for BENCHMARKS.md). Off unless `PUTT_TUI_TIMINGS` names a file.
struct Timings {
    out: Option<std::fs::File>,
    started: Instant,
    first_done: bool,
}

impl Timings {
    fn open(path: Option<&std::path::Path>, started: Instant) -> Timings {
        let out = path.and_then(|p| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)
                .ok()
        });
        Timings {
            out,
            started,
            first_done: false,
        }
    }

    /// Whether timings are written (`PUTT_TUI_TIMINGS` is set).
    fn on(&self) -> bool {
        self.out.is_some()
    }

    fn log(&mut self, what: &str, key: Option<&str>, ms: f64, cpu_ms: f64) {
        let Some(out) = &mut self.out else {
            return;
        };
        let unix_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        let line = serde_json::json!({
            "event": what,
            "key": key,
            "ms": ms,
            "cpu_ms": cpu_ms,
            "unix_ms": unix_ms,
        });
        let _ = writeln!(out, "{line}");
    }

    fn drawn(&mut self, app: &App, pending_key: &mut Option<PendingKey>) {
        if self.out.is_none() {
            return;
        }
        if !self.first_done && app.screen_complete() {
            self.first_done = true;
            let ms = self.started.elapsed().as_secs_f64() * 1000.0;
            self.log("first_full_screen", None, ms, cpu_ms());
        }
        if let Some(k) = pending_key
            && app.screen_complete()
            && app.prompt.is_none()
        {
            let ms = k.at.elapsed().as_secs_f64() * 1000.0;
            let cpu = cpu_ms() - k.cpu_ms;
            let name = k.name.clone();
            self.log("key_to_screen", Some(&name), ms, cpu);
            *pending_key = None;
        }
    }
}

/// Owns the terminal in raw mode on the alternate screen; dropping it (or
/// a panic on the UI thread) puts the terminal back as it was.
struct TerminalGuard {
    terminal: Terminal<CrosstermBackend<std::io::Stdout>>,
}

fn restore_terminal() {
    let _ = disable_raw_mode();
    let _ = execute!(std::io::stdout(), LeaveAlternateScreen, cursor::Show);
}

impl TerminalGuard {
    fn enter() -> Result<TerminalGuard> {
        install_panic_hook();
        enable_raw_mode().map_err(term_error)?;
        if let Err(e) = execute!(std::io::stdout(), EnterAlternateScreen, cursor::Hide) {
            restore_terminal();
            return Err(term_error(e));
        }
        match Terminal::new(CrosstermBackend::new(std::io::stdout())) {
            Ok(terminal) => Ok(TerminalGuard { terminal }),
            Err(e) => {
                restore_terminal();
                Err(term_error(e))
            }
        }
    }
}

impl TerminalGuard {
    /// Gives the terminal back as it was before putt (for the editor).
    fn suspend(&mut self) {
        restore_terminal();
    }

    /// Takes the terminal again and schedules a full redraw.
    fn resume(&mut self) -> Result<()> {
        enable_raw_mode().map_err(term_error)?;
        execute!(std::io::stdout(), EnterAlternateScreen, cursor::Hide).map_err(term_error)?;
        self.terminal.clear().map_err(term_error)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// Restores the terminal before a panic message is printed. Panics on
/// worker threads are caught and reported as that job's failure, so they
/// leave the screen alone.
fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let worker = std::thread::current()
                .name()
                .is_some_and(|n| n.starts_with("putt-worker"));
            if worker {
                return;
            }
            restore_terminal();
            previous(info);
        }));
    });
}

/// The TUI without a terminal: keys in, screens out. Requests run on the
/// calling thread right after each key, so what a test sees is what the
/// user would see once the spinner stops.
pub struct Headless {
    pub app: App,
    ctx: WorkerContext,
    terminal: Terminal<TestBackend>,
    editor: Option<String>,
}

impl Headless {
    /// Starts on `opts` with a `width` x `height` screen and waits for
    /// the first page of the list.
    pub fn new(opts: Options, width: u16, height: u16) -> Result<Headless> {
        let (mut app, ctx) = prepare(&opts)?;
        let terminal = Terminal::new(TestBackend::new(width, height))
            .map_err(|e| Error::Terminal(std::io::Error::other(e.to_string())))?;
        app.update(Event::Resize(width, height));
        app.start();
        let editor = opts.editor.clone();
        let mut h = Headless {
            app,
            ctx,
            terminal,
            editor,
        };
        h.settle();
        Ok(h)
    }

    /// Runs queued requests (and the editor on a draft) until none are
    /// left.
    pub fn settle(&mut self) {
        for _ in 0..64 {
            if let Some(draft) = self.app.take_suspend() {
                let result = reply::edit(self.editor.as_deref(), &draft.path);
                self.app.update(Event::Edited {
                    id: draft.id,
                    error: result.err().map(|e| e.to_string()),
                });
            }
            let reqs = self.app.take_requests();
            if reqs.is_empty() {
                if self.app.suspend_pending() {
                    continue;
                }
                return;
            }
            for r in reqs {
                let mut interim = Vec::new();
                let n = event::execute(&self.ctx, r, &mut |n| interim.push(n));
                for i in interim {
                    self.app.update(Event::Worker(i));
                }
                self.app.update(Event::Worker(n));
            }
        }
    }

    /// Sends keys: plain characters, or names in angle brackets
    /// (`<Enter>`, `<Esc>`, `<Tab>`, `<C-r>`, `<PgDn>`), settling after
    /// each.
    pub fn keys(&mut self, keys: &str) -> &mut Headless {
        let mut rest = keys;
        while let Some(c) = rest.chars().next() {
            let (ev, used) = if c == '<'
                && let Some(end) = rest.find('>')
                && end > 1
                && let Some(k) = keymap::Key::parse(&rest[1..end])
            {
                (KeyEvent::new(k.code, k.mods), end + 1)
            } else {
                let mods = if c.is_ascii_uppercase() {
                    KeyModifiers::SHIFT
                } else {
                    KeyModifiers::NONE
                };
                (KeyEvent::new(KeyCode::Char(c), mods), c.len_utf8())
            };
            rest = &rest[used..];
            self.app.update(Event::Key(ev));
            self.settle();
        }
        self
    }

    /// Sends an event (a worker answer, a resize) and settles.
    pub fn event(&mut self, ev: Event) -> &mut Headless {
        if let Event::Resize(w, h) = ev {
            self.terminal.backend_mut().resize(w, h);
        }
        self.app.update(ev);
        self.settle();
        self
    }

    /// Draws and returns the screen as text, one line per row, trailing
    /// spaces trimmed.
    pub fn screen(&mut self) -> String {
        self.draw();
        let buf = self.terminal.backend().buffer();
        let mut out = String::new();
        for y in 0..buf.area.height {
            let mut line = String::new();
            let mut skip = 0;
            for x in 0..buf.area.width {
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                let sym = buf[(x, y)].symbol();
                line.push_str(sym);
                skip = unicode_width::UnicodeWidthStr::width(sym).saturating_sub(1);
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    /// The drawn buffer, for checking styles.
    pub fn buffer(&mut self) -> ratatui::buffer::Buffer {
        self.draw();
        self.terminal.backend().buffer().clone()
    }

    fn draw(&mut self) {
        let app = &self.app;
        let _ = self.terminal.draw(|f| ui::draw(f, app));
    }
}
