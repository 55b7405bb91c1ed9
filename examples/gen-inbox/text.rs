//! Words, prose and source lines. Indexers and diff tools see this text, so
//! it has the shape of the real thing (C with tabs and braces, wrapped
//! commit-message prose, YAML bindings, Kconfig) without claiming to mean
//! anything. Every function here is a pure function of its seed.

use std::fmt::Write as _;

use crate::rng::Rng;
use crate::world::Lang;

#[rustfmt::skip]
pub static NOUNS: &[&str] = &[
    "priv", "adapter", "dev", "ring", "queue", "desc", "buf", "skb", "page", "folio", "irq",
    "vector", "entry", "node", "ctx", "cfg", "req", "resp", "msg", "work", "timer", "stats", "hw",
    "fw", "reg", "val", "mask", "flags", "state", "info", "params", "port", "vsi", "pf", "vf",
    "rx_ring", "tx_ring", "napi", "dma", "addr", "len", "count", "idx", "offset", "size", "inode",
    "sb", "bio", "sector", "cpu", "task", "mm", "vma", "pte", "pmd", "crtc", "plane", "connector",
    "encoder", "bo", "vm", "fence", "job", "chan", "client", "data", "attr", "prop", "link", "phy",
    "clk", "regmap", "table", "map", "range", "zone", "extent", "trans", "sock", "flow", "rule",
];

#[rustfmt::skip]
pub static VERBS: &[&str] = &[
    "init", "setup", "alloc", "free", "get", "put", "enable", "disable", "config", "update",
    "reset", "probe", "remove", "handle", "process", "poll", "clean", "map", "unmap", "sync",
    "read", "write", "validate", "parse", "register", "unregister", "start", "stop", "release",
    "prepare", "commit", "flush", "wait", "check", "set", "clear", "find", "lookup", "insert",
    "destroy", "create", "attach", "detach", "queue", "submit", "complete", "resume", "suspend",
];

#[rustfmt::skip]
static TYPES: &[&str] = &[
    "int", "u32", "u16", "u8", "u64", "bool", "size_t", "unsigned int", "unsigned long",
    "dma_addr_t", "int", "int", "u32", "long", "s32", "__le32", "__be16",
];

#[rustfmt::skip]
static ERRNOS: &[&str] = &[
    "-ENOMEM", "-EINVAL", "-EBUSY", "-EIO", "-ENODEV", "-EOPNOTSUPP", "-ETIMEDOUT", "-EAGAIN",
    "-ENOSPC", "-EFAULT", "-EPERM", "-ENOENT", "-ERANGE", "-EPROBE_DEFER", "-EEXIST",
];

#[rustfmt::skip]
static LOCKS: &[(&str, &str)] = &[
    (
        "spin_lock_irqsave(&{p}->lock, flags);",
        "spin_unlock_irqrestore(&{p}->lock, flags);",
    ),
    ("mutex_lock(&{p}->mutex);", "mutex_unlock(&{p}->mutex);"),
    (
        "spin_lock_bh(&{p}->{n}_lock);",
        "spin_unlock_bh(&{p}->{n}_lock);",
    ),
    ("rcu_read_lock();", "rcu_read_unlock();"),
    ("down_write(&{p}->rwsem);", "up_write(&{p}->rwsem);"),
    (
        "guard(mutex)(&{p}->lock);",
        "/* lock dropped at scope exit */",
    ),
];

#[rustfmt::skip]
static ADJS: &[&str] = &[
    "stale", "uninitialized", "leaked", "duplicate", "out-of-bounds", "unbalanced", "spurious",
    "missing", "redundant", "incorrect", "racy", "unused", "inconsistent", "truncated", "unaligned",
];

#[rustfmt::skip]
static CONSEQUENCES: &[&str] = &[
    "a use-after-free", "a NULL pointer dereference", "a memory leak",
    "a deadlock under memory pressure", "a kernel panic on module unload", "a splat from lockdep",
    "silent data corruption", "a hang during suspend", "a WARN_ON() in the networking core",
    "KASAN reporting a slab-out-of-bounds read", "a refcount underflow",
    "dropped packets under load", "a soft lockup on large systems",
    "wrong values being reported to user space", "a build failure with clang", "a sparse warning",
];

#[rustfmt::skip]
static CONDITIONS: &[&str] = &[
    "the device is removed while the interface is up", "the allocation fails",
    "the firmware returns an error", "two threads race on the same {n}", "the ring is full",
    "CONFIG_PM is disabled", "the system is under memory pressure", "the link flaps repeatedly",
    "user space passes a zero length", "the driver is built as a module",
    "the {n} is shared between two ports", "a reset happens during probe",
    "the buffer is not page aligned", "the timeout expires before the completion",
];

#[rustfmt::skip]
static PROBLEM_TEMPLATES: &[&str] = &[
    "When {cond}, {f}() dereferences {p}->{n} without checking it first, which leads to {cons}.",
    "{f}() can return early without releasing the {n}, causing {cons}.",
    "Currently the driver calls {f}() with the {n} lock held, but the function may sleep.",
    "The {adj} {n} in {f}() is never cleared on the error path.",
    "Since commit {hash} (\"{oldsubj}\"), {f}() no longer updates {p}->{n} when {cond}.",
    "There is no need to open-code the {n} handling in {f}(); the core already provides a helper for it.",
    "The error path in {f}() frees the {n} twice when {cond}.",
    "Sashiko and the CI bot both report {cons} when {cond}.",
    "{f}() uses a {adj} {n} after dropping the reference, which can result in {cons}.",
    "The {n} accounting in {f}() is {adj}: the counter is incremented but never decremented.",
    "Running the selftests with lockdep enabled shows {cons} in {f}().",
    "The comment above {f}() claims the {n} is protected by RCU, but nothing enforces it.",
    "On systems with more than 64 CPUs the {n} array in {f}() is too small.",
    "Most callers of {f}() already hold a reference on the {n}, so the extra get/put pair is {adj}.",
];

#[rustfmt::skip]
static FIX_TEMPLATES: &[&str] = &[
    "Fix this by checking the return value of {f}() and bailing out early.",
    "Move the {n} allocation before the point of no return so that the error path stays simple.",
    "Use {f}() instead, which takes care of the locking.",
    "Add the missing {g}() call on the error path.",
    "Convert the code to the devm_ variants so the cleanup happens automatically.",
    "Take the lock only around the update of {p}->{n} and drop it before calling {f}().",
    "Replace the open-coded loop with {f}() and remove the now unused {n} field.",
    "Initialize the {n} before registering the device so the handler never sees it half set up.",
    "Switch to a per-CPU {n} to avoid the contention.",
    "Rework the teardown order so that {g}() runs after the last user is gone.",
    "No functional change intended.",
    "This is a preparation for the following patches which add support for the new {n} format.",
];

#[rustfmt::skip]
static COVER_TEMPLATES: &[&str] = &[
    "This series reworks the {n} handling in the {s} driver and fixes a couple of issues found along the way.",
    "The first patches are preparatory clean-ups; the actual change is in patch {k}.",
    "Patch {k} adds the new {n} helpers, and the remaining patches convert the existing users.",
    "I have tested this on two different boards and with the selftests, with and without lockdep.",
    "The motivation is to get rid of the {adj} {n} state that has caused several bugs in the past.",
    "Performance is unchanged in my measurements (iperf3 and fio, five runs each).",
    "This was discussed at the last plumbers conference; this is the first non-RFC posting.",
    "Feedback on the approach in patch {k} is especially welcome.",
];

#[rustfmt::skip]
static REVIEW_TEMPLATES: &[&str] = &[
    "Shouldn't this check happen before {f}() is called?",
    "This looks wrong to me: {p}->{n} can still be in use here.",
    "Why is the lock needed here? The {n} is only touched from the probe path.",
    "Nit: please use {f}() here, it is exactly what this open-codes.",
    "I think this needs a Fixes: tag, this is a real bug that can hit stable kernels.",
    "The commit message says {n}, but the code changes the {n2} handling. Which one is it?",
    "Can {f}() fail here? If so, the error is silently ignored.",
    "Please split this into a fix and a clean-up, the fix should go to the stable trees.",
    "This leaks the {n} on the error path.", "Looks good to me, just one small comment below.",
    "The indentation is off here.",
    "Please keep the reverse christmas tree order for the local variables.",
    "Nice clean-up, thanks.", "I'm not a fan of adding yet another module parameter for this.",
    "Is this safe against a concurrent reset? {g}() can run at the same time.",
];

#[rustfmt::skip]
static ANSWER_TEMPLATES: &[&str] = &[
    "Good catch, will fix in the next version.", "Right, I missed that. I'll move the check up.",
    "The {n} is protected by the caller, see {f}(). I'll add a comment to make that clear.",
    "I considered that, but {f}() may sleep, so it can't be used here.",
    "Thanks for the review! I'll split the patch as suggested.", "Agreed, will add the Fixes: tag.",
    "Fair enough. I'll drop this change from the series.",
    "Hmm, I don't think so: the reset path takes the same lock.",
    "Yes, it was tested on real hardware, not only in QEMU.",
];

#[rustfmt::skip]
static QUESTION_TEMPLATES: &[&str] = &[
    "I'm trying to understand the locking rules for {p}->{n} in {f}().",
    "After updating to the latest rc I see {cons} when {cond}.",
    "Is there a reason {f}() is not exported? Out-of-tree users need it.",
    "We hit {cons} in production on a few hundred machines.",
    "What is the expected behaviour of {f}() when {cond}?",
    "git bisect points to commit {hash} (\"{oldsubj}\").",
    "I can reproduce it reliably with the attached script.",
];

static PULL_TEMPLATES: &[&str] = &[
    "Mostly {n} fixes this time, plus a rework of the {n2} code that has been in -next for two weeks.",
    "Nothing stands out; the largest change converts the {n} code to {f}().",
    "There is a trivial conflict with the {n} tree in {f}(); keep both hunks.",
    "All of these have been in linux-next for at least a week with no reported issues.",
    "The {n} changes touch a few drivers outside the subsystem; their maintainers have acked them.",
    "One fix for {cons} that people hit with the latest rc, and a few smaller cleanups.",
];

/// Fill a template's `{..}` slots.
pub struct Slots<'a> {
    pub ident: &'a str,
}

impl Slots<'_> {
    pub fn func(&self, rng: &mut Rng) -> String {
        format!("{}_{}_{}", self.ident, rng.one(VERBS), rng.one(NOUNS))
    }

    pub fn fill(&self, tpl: &str, rng: &mut Rng, out: &mut String) {
        let mut rest = tpl;
        while let Some(i) = rest.find('{') {
            out.push_str(&rest[..i]);
            let Some(j) = rest[i..].find('}') else {
                out.push_str(&rest[i..]);
                return;
            };
            let key = &rest[i + 1..i + j];
            match key {
                "f" | "g" => out.push_str(&self.func(rng)),
                "n" | "n2" => out.push_str(rng.one(NOUNS)),
                "p" => out.push_str(rng.one(&["priv", "adapter", "dev", "ctx", "hw", "sb", "vm"])),
                "adj" => out.push_str(rng.one(ADJS)),
                "cons" => out.push_str(rng.one(CONSEQUENCES)),
                "cond" => {
                    let c = rng.one(CONDITIONS);
                    self.fill(c, rng, out);
                }
                "s" => out.push_str(self.ident),
                // Every series with a cover letter has a patch 1 and 2.
                "k" => {
                    let _ = write!(out, "{}", rng.range(1, 2));
                }
                "hash" => rng.hex(out, 12),
                "oldsubj" => {
                    let _ = write!(
                        out,
                        "{}: {} {} {}",
                        self.ident,
                        rng.one(VERBS),
                        rng.one(ADJS),
                        rng.one(NOUNS)
                    );
                }
                _ => out.push_str(key),
            }
            rest = &rest[i + j + 1..];
        }
        out.push_str(rest);
    }

    /// One paragraph of 1..=n sentences from `templates`, as one line.
    pub fn paragraph(&self, templates: &[&str], n: u64, rng: &mut Rng) -> String {
        let mut s = String::new();
        // Consecutive templates, so no sentence repeats within a paragraph.
        let first = rng.below_usize(templates.len());
        for k in 0..rng.range(1, n) as usize {
            if k > 0 {
                s.push(' ');
            }
            self.fill(templates[(first + k) % templates.len()], rng, &mut s);
        }
        s
    }

    pub fn problem(&self, rng: &mut Rng) -> String {
        self.paragraph(PROBLEM_TEMPLATES, 3, rng)
    }
    pub fn fix(&self, rng: &mut Rng) -> String {
        self.paragraph(FIX_TEMPLATES, 2, rng)
    }
    pub fn cover(&self, rng: &mut Rng) -> String {
        self.paragraph(COVER_TEMPLATES, 3, rng)
    }
    pub fn review(&self, rng: &mut Rng) -> String {
        self.paragraph(REVIEW_TEMPLATES, 2, rng)
    }
    pub fn answer(&self, rng: &mut Rng) -> String {
        self.paragraph(ANSWER_TEMPLATES, 2, rng)
    }
    pub fn pull(&self, rng: &mut Rng) -> String {
        self.paragraph(PULL_TEMPLATES, 3, rng)
    }
    pub fn question(&self, rng: &mut Rng) -> String {
        self.paragraph(QUESTION_TEMPLATES, 3, rng)
    }
}

/// Word-wrap `text` at `width` columns, each line starting with `prefix`.
pub fn wrap_into(out: &mut String, text: &str, width: usize, prefix: &str) {
    let mut col = 0;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        if col > 0 && col + 1 + word.len() > width {
            out.push('\n');
            col = 0;
        }
        if col == 0 {
            out.push_str(prefix);
            col = prefix.len();
        } else {
            out.push(' ');
            col += 1;
        }
        out.push_str(word);
        col += word.len();
    }
    if col > 0 {
        out.push('\n');
    }
}

/// A block of lines kept in one buffer, to avoid an allocation per line.
#[derive(Default)]
pub struct Lines {
    buf: String,
    ends: Vec<usize>,
}

impl Lines {
    pub fn clear(&mut self) {
        self.buf.clear();
        self.ends.clear();
    }
    pub fn len(&self) -> usize {
        self.ends.len()
    }
    pub fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.buf[start..self.ends[i]]
    }
    /// Start a new line and return the buffer to write it into; the line
    /// ends at the next call (or [`Lines::finish`]).
    fn push_with(&mut self, f: impl FnOnce(&mut String)) {
        f(&mut self.buf);
        self.ends.push(self.buf.len());
    }
    pub fn push(&mut self, s: &str) {
        self.push_with(|b| b.push_str(s));
    }
}

fn upper(s: &str) -> String {
    s.to_ascii_uppercase().replace(['-', '/'], "_")
}

/// A C-like statement generator that keeps indentation and braces sane over
/// a snippet, so that hunks look like code and diff tools see real structure.
struct CGen<'a> {
    ident: &'a str,
    depth: usize,
    header: bool,
}

impl CGen<'_> {
    fn indent(&self, b: &mut String) {
        for _ in 0..self.depth {
            b.push('\t');
        }
    }

    fn var(rng: &mut Rng) -> &'static str {
        rng.one(&[
            "ret", "err", "val", "i", "count", "len", "flags", "reg", "size", "idx",
        ])
    }

    fn lines(&mut self, rng: &mut Rng, n: usize, out: &mut Lines) {
        let start = out.len();
        while out.len() - start < n {
            if self.header {
                self.header_line(rng, out);
            } else {
                self.c_line(rng, out);
            }
        }
        // A multi-line statement may overshoot; the caller asked for n.
        while out.len() - start > n {
            out.ends.pop();
            let end = out.ends.last().copied().unwrap_or(0);
            out.buf.truncate(end);
        }
    }

    fn header_line(&mut self, rng: &mut Rng, out: &mut Lines) {
        let id = self.ident;
        let up = upper(id);
        match rng.weighted(&[25, 20, 15, 12, 8, 8, 6, 6]) {
            0 => out.push_with(|b| {
                let _ = write!(
                    b,
                    "#define {up}_{}_{}\t\tBIT({})",
                    upper(rng.one(NOUNS)),
                    upper(rng.one(ADJS)),
                    rng.below(32)
                );
            }),
            1 => out.push_with(|b| {
                let _ = write!(
                    b,
                    "#define {up}_REG_{}\t\t0x{:04x}",
                    upper(rng.one(NOUNS)),
                    rng.below(0x10000) & !3
                );
            }),
            2 => out.push_with(|b| {
                let _ = write!(
                    b,
                    "int {id}_{}_{}(struct {id}_{} *{});",
                    rng.one(VERBS),
                    rng.one(NOUNS),
                    rng.one(NOUNS),
                    rng.one(NOUNS)
                );
            }),
            3 => out.push_with(|b| {
                let _ = write!(b, "\t{} {};", rng.one(TYPES), rng.one(NOUNS));
            }),
            4 => out.push(""),
            5 => out.push_with(|b| {
                let _ = write!(b, "struct {id}_{} {{", rng.one(NOUNS));
            }),
            6 => out.push("};"),
            _ => out.push_with(|b| {
                let _ = write!(
                    b,
                    "#include <linux/{}.h>",
                    rng.one(&[
                        "types",
                        "bits",
                        "device",
                        "slab",
                        "mutex",
                        "spinlock",
                        "netdevice",
                        "dma-mapping",
                        "workqueue"
                    ])
                );
            }),
        }
    }

    fn c_line(&mut self, rng: &mut Rng, out: &mut Lines) {
        let id = self.ident;
        let noun = rng.one(NOUNS);
        let verb = rng.one(VERBS);
        let p = rng.one(&["priv", "adapter", "dev", "ctx", "hw", "ring", "vsi"]);
        let close_w = if self.depth > 1 {
            10 + 8 * self.depth as u32
        } else {
            0
        };
        let open_w = if self.depth < 4 { 8 } else { 0 };
        let fn_w = if self.depth == 1 { 3 } else { 0 };
        let choice = rng.weighted(&[
            8, 20, open_w, 8, 14, 5, 4, 5, 6, 3, 4, close_w, 10, 5, 2, fn_w, 3, 4,
        ]);
        match choice {
            0 => out.push_with(|b| {
                self.indent(b);
                let _ = write!(b, "{} {};", rng.one(TYPES), Self::var(rng));
            }),
            1 => out.push_with(|b| {
                self.indent(b);
                let _ = write!(
                    b,
                    "{} = {id}_{verb}_{noun}({p}, {});",
                    Self::var(rng),
                    rng.one(NOUNS)
                );
            }),
            2 => {
                out.push_with(|b| {
                    self.indent(b);
                    match rng.below(4) {
                        0 => {
                            let _ = write!(b, "if (!{p}->{noun}) {{");
                        }
                        1 => {
                            let _ = write!(b, "if ({} < 0) {{", Self::var(rng));
                        }
                        2 => {
                            let _ = write!(
                                b,
                                "if (test_bit({}_{}, {p}->state)) {{",
                                upper(id),
                                upper(noun)
                            );
                        }
                        _ => {
                            let _ = write!(
                                b,
                                "if ({p}->{noun} && {p}->{} > {}) {{",
                                rng.one(NOUNS),
                                rng.below(256)
                            );
                        }
                    }
                });
                self.depth += 1;
            }
            3 => {
                out.push_with(|b| {
                    self.indent(b);
                    let _ = write!(b, "if ({})", Self::var(rng));
                });
                out.push_with(|b| {
                    self.indent(b);
                    b.push('\t');
                    if rng.chance(0.5) {
                        let _ = write!(b, "return {};", rng.one(ERRNOS));
                    } else {
                        let _ = write!(b, "goto err_{};", rng.one(VERBS));
                    }
                });
            }
            4 => out.push_with(|b| {
                self.indent(b);
                let _ = write!(
                    b,
                    "{id}_{verb}_{noun}(&{p}->{}, {});",
                    rng.one(NOUNS),
                    rng.one(NOUNS)
                );
            }),
            5 => out.push_with(|b| {
                self.indent(b);
                let _ = write!(
                    b,
                    "dev_{}(&{p}->pdev->dev, \"failed to {verb} {noun}: %d\\n\", {});",
                    rng.one(&["err", "warn", "dbg", "info"]),
                    Self::var(rng)
                );
            }),
            6 => {
                let &(lock, unlock) = rng.pick(LOCKS);
                let l = if rng.chance(0.5) { lock } else { unlock };
                out.push_with(|b| {
                    self.indent(b);
                    b.push_str(&l.replace("{p}", p).replace("{n}", noun));
                });
            }
            7 => {
                let slots = Slots { ident: id };
                let mut text = String::new();
                slots.fill(rng.one(PROBLEM_TEMPLATES), rng, &mut text);
                if text.len() < 60 {
                    out.push_with(|b| {
                        self.indent(b);
                        let _ = write!(b, "/* {text} */");
                    });
                } else {
                    out.push_with(|b| {
                        self.indent(b);
                        b.push_str("/*");
                    });
                    let mut block = String::new();
                    let mut pre = String::new();
                    for _ in 0..self.depth {
                        pre.push('\t');
                    }
                    pre.push_str(" * ");
                    wrap_into(&mut block, &text, 72, &pre);
                    for l in block.lines() {
                        out.push(l);
                    }
                    out.push_with(|b| {
                        self.indent(b);
                        b.push_str(" */");
                    });
                }
            }
            8 => out.push(""),
            9 => {
                out.push_with(|b| {
                    self.indent(b);
                    if rng.chance(0.5) {
                        let _ = write!(b, "for (i = 0; i < {p}->num_{noun}s; i++) {{");
                    } else {
                        let _ =
                            write!(b, "list_for_each_entry({noun}, &{p}->{noun}_list, list) {{");
                    }
                });
                self.depth += 1;
            }
            10 => out.push_with(|b| {
                self.indent(b);
                match rng.below(3) {
                    0 => b.push_str("return 0;"),
                    1 => {
                        let _ = write!(b, "return {};", Self::var(rng));
                    }
                    _ => {
                        let _ = write!(b, "return {};", rng.one(ERRNOS));
                    }
                }
            }),
            11 => {
                self.depth -= 1;
                let else_ = rng.chance(0.15);
                out.push_with(|b| {
                    self.indent(b);
                    b.push_str(if else_ { "} else {" } else { "}" });
                });
                if else_ {
                    self.depth += 1;
                }
            }
            12 => out.push_with(|b| {
                self.indent(b);
                match rng.below(4) {
                    0 => {
                        let _ = write!(
                            b,
                            "{p}->{noun} = {};",
                            rng.one(&["NULL", "0", "true", "false", "val", "cpu_to_le32(val)"])
                        );
                    }
                    1 => {
                        let _ = write!(
                            b,
                            "{} |= {}_{}_{};",
                            Self::var(rng),
                            upper(id),
                            upper(noun),
                            upper(rng.one(ADJS))
                        );
                    }
                    2 => {
                        let _ = write!(
                            b,
                            "writel({}, {p}->base + {}_REG_{});",
                            Self::var(rng),
                            upper(id),
                            upper(noun)
                        );
                    }
                    _ => {
                        let _ = write!(
                            b,
                            "{} = readl({p}->base + {}_REG_{});",
                            Self::var(rng),
                            upper(id),
                            upper(noun)
                        );
                    }
                }
            }),
            13 => {
                out.push_with(|b| {
                    self.indent(b);
                    let _ = write!(
                        b,
                        "{} = {id}_{verb}_{noun}({p}, {}, {},",
                        Self::var(rng),
                        rng.one(NOUNS),
                        rng.one(NOUNS)
                    );
                });
                out.push_with(|b| {
                    self.indent(b);
                    let _ = write!(
                        b,
                        "\t\t\t{}, {});",
                        rng.one(NOUNS),
                        rng.one(&["GFP_KERNEL", "0", "true", "NULL", "flags"])
                    );
                });
            }
            14 => out.push_with(|b| {
                let _ = write!(b, "err_{}:", rng.one(VERBS));
            }),
            15 => {
                out.push("}");
                out.push("");
                out.push_with(|b| {
                    let _ = write!(
                        b,
                        "static {} {id}_{verb}_{noun}(struct {id}_{} *{}, {} {})",
                        rng.one(&["int", "void", "bool", "u32", "int"]),
                        rng.one(NOUNS),
                        p,
                        rng.one(TYPES),
                        rng.one(NOUNS)
                    );
                });
                out.push("{");
            }
            16 => out.push_with(|b| {
                self.indent(b);
                let _ = write!(b, "struct {id}_{noun} *{noun} = {p}->{noun};");
            }),
            _ => out.push_with(|b| {
                self.indent(b);
                let _ = write!(
                    b,
                    "{}(&{p}->{noun});",
                    rng.one(&[
                        "kfree",
                        "put_device",
                        "cancel_work_sync",
                        "napi_disable",
                        "synchronize_rcu_expedited",
                        "wake_up",
                        "complete",
                        "del_timer_sync"
                    ])
                );
            }),
        }
    }
}

/// The name of the function a hunk header shows for a C position.
pub fn func_signature(ident: &str, seed: u64) -> String {
    let mut rng = Rng::new(seed);
    format!(
        "static {} {ident}_{}_{}(struct {ident}_{} *{})",
        rng.one(&["int", "void", "bool", "int", "u32"]),
        rng.one(VERBS),
        rng.one(NOUNS),
        rng.one(NOUNS),
        rng.one(&["priv", "adapter", "dev", "ctx"])
    )
}

/// Append `n` lines of `lang` source to `out`, a pure function of `seed`.
pub fn snippet(lang: Lang, ident: &str, seed: u64, n: usize, out: &mut Lines) {
    let mut rng = Rng::new(seed);
    match lang {
        Lang::C => CGen {
            ident,
            depth: 1 + rng.below(2) as usize,
            header: false,
        }
        .lines(&mut rng, n, out),
        Lang::Header => CGen {
            ident,
            depth: 0,
            header: true,
        }
        .lines(&mut rng, n, out),
        _ => {
            for _ in 0..n {
                other_line(lang, ident, &mut rng, out);
            }
        }
    }
}

fn other_line(lang: Lang, ident: &str, rng: &mut Rng, out: &mut Lines) {
    let noun = rng.one(NOUNS);
    let verb = rng.one(VERBS);
    let up = upper(ident);
    match lang {
        Lang::Rst => match rng.weighted(&[60, 8, 8, 6, 8, 10]) {
            0 => {
                let slots = Slots { ident };
                let mut s = String::new();
                slots.fill(rng.one(COVER_TEMPLATES), rng, &mut s);
                let mut w = String::new();
                wrap_into(&mut w, &s, 76, "");
                out.push(w.lines().next().unwrap_or(""));
            }
            1 => out.push_with(|b| {
                let _ = write!(b, "- ``{ident}_{verb}_{noun}()`` {}", rng.one(&["returns the current value.", "must be called with the lock held.", "is optional.", "may sleep."]));
            }),
            2 => out.push_with(|b| {
                let _ = write!(b, "  $ ethtool -{} eth0 {noun} {}", rng.one(&["K", "G", "C", "L"]), rng.one(&["on", "off", "256", "8"]));
            }),
            3 => out.push(rng.one(&["Overview", "========", "Usage", "-----", "Limitations", "~~~~~~~~~~~"])),
            4 => out.push(".. code-block:: c"),
            _ => out.push(""),
        },
        Lang::Yaml => match rng.weighted(&[20, 20, 15, 10, 10, 10, 10, 5]) {
            0 => out.push_with(|b| {
                let _ = write!(b, "  {}-{noun}:", rng.one(&["adi", "qcom", "st", "ti", "vendor"]));
            }),
            1 => out.push_with(|b| {
                let _ = write!(b, "    description: {} {noun} {}.", rng.one(&["Number of", "Phandle to the", "Enable the", "Polarity of the"]), rng.one(&["lines", "controller", "interrupt", "in microseconds"]));
            }),
            2 => out.push("    $ref: /schemas/types.yaml#/definitions/uint32"),
            3 => out.push_with(|b| {
                let _ = write!(b, "    enum: [{}, {}, {}]", rng.below(4), 4 + rng.below(4), 8 + rng.below(8));
            }),
            4 => out.push_with(|b| {
                let _ = write!(b, "      - const: {}", rng.one(&["core", "iface", "bus", "ref", "aux", "pipe"]));
            }),
            5 => out.push_with(|b| {
                let _ = write!(b, "  - {}", rng.one(&["compatible", "reg", "interrupts", "clocks", "clock-names", "resets", "power-domains"]));
            }),
            6 => out.push(rng.one(&["required:", "properties:", "additionalProperties: false", "unevaluatedProperties: false", "allOf:", "examples:"])),
            _ => out.push(""),
        },
        Lang::Make => match rng.weighted(&[40, 20, 15, 10, 15]) {
            0 => out.push_with(|b| {
                let _ = write!(b, "obj-$(CONFIG_{up}_{}) += {ident}_{noun}.o", upper(noun));
            }),
            1 => out.push_with(|b| {
                let _ = write!(b, "{ident}-y += {noun}.o {verb}.o");
            }),
            2 => out.push_with(|b| {
                let _ = write!(b, "{ident}-$(CONFIG_{up}_{}) += {noun}_{verb}.o", upper(verb));
            }),
            3 => out.push_with(|b| {
                let _ = write!(b, "quiet_cmd_{verb} = {:<8} $@", verb.to_ascii_uppercase());
            }),
            _ => out.push(""),
        },
        Lang::Kconfig => match rng.weighted(&[15, 15, 15, 10, 10, 25, 10]) {
            0 => out.push_with(|b| {
                let _ = write!(b, "config {up}_{}", upper(noun));
            }),
            1 => out.push_with(|b| {
                let _ = write!(b, "\ttristate \"{} {noun} support\"", ident.to_ascii_uppercase());
            }),
            2 => out.push_with(|b| {
                let _ = write!(b, "\tdepends on {} && {up}", rng.one(&["PCI", "OF", "NET", "HAS_IOMEM", "COMMON_CLK", "I2C"]));
            }),
            3 => out.push_with(|b| {
                let _ = write!(b, "\tselect {}", rng.one(&["REGMAP_I2C", "PAGE_POOL", "NET_DEVLINK", "CRC32", "IIO_BUFFER"]));
            }),
            4 => out.push("\thelp"),
            5 => out.push_with(|b| {
                let _ = write!(b, "\t  Say Y here to enable {noun} {verb} support for {ident} devices.");
            }),
            _ => out.push(""),
        },
        Lang::Shell => match rng.weighted(&[20, 15, 15, 10, 10, 10, 10, 10]) {
            0 => out.push_with(|b| {
                let _ = write!(b, "\tip link set dev \"${}\" {}", rng.one(&["dev", "swp1", "h1", "veth0"]), rng.one(&["up", "down", "mtu 9000"]));
            }),
            1 => out.push_with(|b| {
                let _ = write!(b, "\tcheck_err $? \"Failed to {verb} {noun}\"");
            }),
            2 => out.push_with(|b| {
                let _ = write!(b, "\ttc filter add dev $swp1 ingress protocol ip pref {} handle {} flower dst_ip 192.0.2.{} action drop", rng.range(1, 9), rng.range(100, 200), rng.range(1, 254));
            }),
            3 => out.push_with(|b| {
                let _ = write!(b, "\tlog_test \"{noun} {verb}\"");
            }),
            4 => out.push_with(|b| {
                let _ = write!(b, "{noun}_{verb}_test()");
            }),
            5 => out.push(rng.one(&["{", "}", "\tfi", "\tdone", "\tlocal ret=0"])),
            6 => out.push_with(|b| {
                let _ = write!(b, "\tif [ $ret -ne {} ]; then", rng.below(2));
            }),
            _ => out.push(""),
        },
        Lang::Python => match rng.weighted(&[15, 20, 20, 15, 15, 15]) {
            0 => out.push_with(|b| {
                let _ = write!(b, "def {verb}_{noun}(self, {noun}):");
            }),
            1 => out.push_with(|b| {
                let _ = write!(b, "    if not {noun}:");
            }),
            2 => out.push_with(|b| {
                let _ = write!(b, "        return {}", rng.one(&["None", "[]", "False", "0"]));
            }),
            3 => out.push_with(|b| {
                let _ = write!(b, "    {noun} = re.sub(r\"\\s+{verb}\", \"\", {noun})");
            }),
            4 => out.push_with(|b| {
                let _ = write!(b, "    self.{noun}s.append({noun})");
            }),
            _ => out.push(""),
        },
        Lang::Dts => match rng.weighted(&[12, 15, 12, 10, 10, 12, 15, 14]) {
            0 => out.push_with(|b| {
                let _ = write!(b, "\t\t{noun}@{:x} {{", rng.below(0x1000_0000) & !0xfff);
            }),
            1 => out.push_with(|b| {
                let _ = write!(b, "\t\t\tcompatible = \"{ident},{}-{noun}\";", rng.one(&["sm8550", "rk3588", "imx8mp", "mt8195", "j784s4"]));
            }),
            2 => out.push_with(|b| {
                let _ = write!(b, "\t\t\treg = <0x0 0x{:08x} 0x0 0x{:x}>;", rng.below(0x1000_0000) & !0xfff, 0x1000u64 << rng.below(6));
            }),
            3 => out.push_with(|b| {
                let _ = write!(b, "\t\t\tinterrupts = <GIC_SPI {} IRQ_TYPE_LEVEL_HIGH>;", rng.below(988));
            }),
            4 => out.push_with(|b| {
                let _ = write!(b, "\t\t\tclocks = <&gcc GCC_{}_{}_CLK>;", upper(noun), rng.one(&["AHB", "AXI", "CORE", "IFACE"]));
            }),
            5 => out.push(rng.one(&["\t\t\tstatus = \"disabled\";", "\t\t\tstatus = \"okay\";", "\t\t\t#address-cells = <1>;", "\t\t\t#size-cells = <0>;"])),
            6 => out.push("\t\t};"),
            _ => out.push(""),
        },
        Lang::Rust => match rng.weighted(&[20, 15, 10, 15, 10, 10, 20]) {
            0 => out.push_with(|b| {
                let _ = write!(b, "        let {noun} = {}::new({})?;", rng.one(&["KBox", "Arc", "KVec", "Mutex", "CString"]), rng.one(NOUNS));
            }),
            1 => out.push_with(|b| {
                let _ = write!(b, "    pub fn {verb}_{noun}(&self, {noun}: u32) -> Result {{");
            }),
            2 => out.push("        // SAFETY: The pointer is valid for the lifetime of `self`."),
            3 => out.push_with(|b| {
                let _ = write!(b, "        unsafe {{ bindings::{ident}_{verb}_{noun}(self.as_raw()) }};");
            }),
            4 => out.push("        Ok(())"),
            5 => out.push("    }"),
            _ => out.push(""),
        },
        Lang::C | Lang::Header => out.push(""),
    }
}

/// Change a line the way a small edit does (a different flag, error code,
/// helper), keeping the rest; `None` when nothing in it lends itself.
pub fn mutate_line(line: &str, rng: &mut Rng) -> Option<String> {
    static SWAPS: &[(&str, &str)] = &[
        ("GFP_KERNEL", "GFP_ATOMIC"),
        ("-EINVAL", "-EOPNOTSUPP"),
        ("-ENOMEM", "-ENOSPC"),
        ("dev_err", "dev_err_probe"),
        ("kfree", "kvfree"),
        ("ret", "err"),
        ("int ", "u32 "),
        ("return 0;", "return ret;"),
        ("NULL", "ERR_PTR(-ENODEV)"),
        ("spin_lock_irqsave", "raw_spin_lock_irqsave"),
        ("< 0", "<= 0"),
        ("readl", "readl_relaxed"),
        ("writel", "writel_relaxed"),
        ("i++", "i += 2"),
        ("true", "false"),
        ("okay", "disabled"),
    ];
    let start = rng.below_usize(SWAPS.len());
    for k in 0..SWAPS.len() {
        let (a, b) = SWAPS[(start + k) % SWAPS.len()];
        if let Some(i) = line.find(a) {
            let mut s = String::with_capacity(line.len() + 8);
            s.push_str(&line[..i]);
            s.push_str(b);
            s.push_str(&line[i + a.len()..]);
            return Some(s);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_have_exact_length_and_are_pure() {
        for lang in [
            Lang::C,
            Lang::Header,
            Lang::Rst,
            Lang::Yaml,
            Lang::Dts,
            Lang::Rust,
            Lang::Shell,
        ] {
            for n in [0, 1, 3, 17, 120] {
                let mut a = Lines::default();
                let mut b = Lines::default();
                snippet(lang, "ice", 99 + n as u64, n, &mut a);
                snippet(lang, "ice", 99 + n as u64, n, &mut b);
                assert_eq!(a.len(), n);
                assert_eq!(a.buf, b.buf);
                for i in 0..n {
                    assert!(!a.get(i).contains('\n'));
                }
            }
        }
    }

    #[test]
    fn wrap_respects_width() {
        let mut s = String::new();
        wrap_into(&mut s, &"word ".repeat(50), 20, "> ");
        assert!(s.lines().all(|l| l.len() <= 20 && l.starts_with("> ")));
    }
}
