//! Turns a planned message into its raw RFC 822 bytes: headers the way the
//! sender's tools write them, and bodies (cover letters, format-patch
//! output, reviews that quote what they answer, CI reports, pull requests).
//! Output is a pure function of the plan; a small cache only saves
//! re-rendering a parent that several replies quote.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::rc::Rc;

use crate::diff::{Layout, Stat, render_diffstat};
use crate::mail::{
    address_header, attribution, mailbox, quoted_printable, rfc2822, text_header, user_agent, ymd,
};
use crate::rng::{Rng, hash2, oid_of};
use crate::stream::{Kind, Msg, Rev, TopicKind, TrailerKind, kernel_version};
use crate::text::{NOUNS, Slots, VERBS, wrap_into};
use crate::world::{Client, Person, Sender, World};

pub struct Renderer<'w> {
    world: &'w World,
    start: i64,
    /// Bodies of messages that still have replies to render (they quote it).
    cache: HashMap<u64, Rc<str>>,
}

impl<'w> Renderer<'w> {
    pub fn new(world: &'w World, start: i64) -> Self {
        Renderer {
            world,
            start,
            cache: HashMap::new(),
        }
    }

    /// Bookkeeping once per message of the stream, rendered or skipped:
    /// forget a parent's cached body when its last reply has passed.
    pub fn passed(&mut self, m: &Msg) {
        if let Some(p) = &m.parent {
            let left = p.pending_children.get().saturating_sub(1);
            p.pending_children.set(left);
            if left == 0 {
                self.cache.remove(&p.seq);
            }
        }
    }

    /// The raw message.
    pub fn render(&mut self, m: &Msg, out: &mut Vec<u8>) {
        let body = self.body(m);
        let mut head = String::with_capacity(2048);
        self.headers(m, body.is_ascii(), &mut head);
        out.extend_from_slice(head.as_bytes());
        out.push(b'\n');
        if m.qp {
            out.extend_from_slice(quoted_printable(&body).as_bytes());
        } else {
            out.extend_from_slice(body.as_bytes());
        }
    }

    fn body(&mut self, m: &Msg) -> Rc<str> {
        if let Some(b) = self.cache.get(&m.seq) {
            return b.clone();
        }
        let mut s = String::with_capacity(4096);
        self.write_body(m, &mut s);
        let b: Rc<str> = s.into();
        if m.pending_children.get() > 0 {
            self.cache.insert(m.seq, b.clone());
        }
        b
    }

    fn email_of<'a>(&self, m: &Msg, p: &'a Person) -> &'a str {
        match (&p.alt_email, m.from_alt) {
            (Some(alt), true) => alt,
            _ => &p.email,
        }
    }

    fn headers(&self, m: &Msg, ascii: bool, out: &mut String) {
        let w = self.world;
        let p = w.person(m.author);
        let mut rng = Rng::of(m.seed, 0x68);
        let email = self.email_of(m, p);
        let domain = email.rsplit_once('@').map_or("example.org", |(_, d)| d);
        self.transport_headers(m, email, domain, &mut rng, out);
        out.push_str("From: ");
        out.push_str(&mailbox(p, email));
        out.push('\n');
        let to: Vec<String> =
            m.to.iter()
                .map(|&i| mailbox(w.person(i), &w.person(i).email))
                .collect();
        let mut cc: Vec<String> =
            m.cc.iter()
                .map(|&i| mailbox(w.person(i), &w.person(i).email))
                .collect();
        if to.is_empty() {
            address_header(out, "To", std::slice::from_ref(&w.list_addr));
        } else {
            address_header(out, "To", &to);
            cc.push(w.list_addr.clone());
        }
        address_header(out, "Cc", &cc);
        text_header(out, "Subject", &m.subject);
        let _ = writeln!(out, "Date: {}", rfc2822(m.sent, p.tz));
        let _ = writeln!(out, "Message-ID: <{}>", m.id);
        if let Some(parent) = &m.parent {
            let _ = writeln!(out, "In-Reply-To: <{}>", parent.id);
            let refs = m.references();
            out.push_str("References:");
            for (i, r) in refs.iter().enumerate() {
                if i > 0 {
                    out.push('\n');
                }
                out.push_str(" <");
                out.push_str(r);
                out.push('>');
            }
            out.push('\n');
        }
        let is_patch = matches!(m.kind, Kind::Cover(_) | Kind::Patch(..));
        let b4 = p.sender == Sender::B4 && is_patch;
        if is_patch {
            out.push_str(if b4 {
                "X-Mailer: b4 0.14.2\n"
            } else {
                "X-Mailer: git-send-email 2.43.0\n"
            });
            if b4 {
                // b4's patatt attestation: more incompressible header bytes.
                let _ = write!(
                    out,
                    "X-Developer-Signature: v=1; a=ed25519-sha256; t={}; l={};\n i=",
                    m.sent,
                    500 + m.seed % 20_000
                );
                push_b64(out, &mut rng, 43);
                out.push_str("=; s=20230101; h=from:subject:message-id;\n bh=");
                push_b64(out, &mut rng, 43);
                out.push_str("=; b=\n ");
                push_b64(out, &mut rng, 86);
                out.push_str("==\n");
                let _ = write!(out, "X-Developer-Key: i={}; a=ed25519;\n pk=", p.email);
                push_b64(out, &mut rng, 43);
                out.push_str("=\n");
            }
        } else if let Some(ua) = user_agent(p.client) {
            out.push_str(ua);
            out.push('\n');
            if p.client == Client::Mutt {
                out.push_str("Content-Disposition: inline\n");
            }
        }
        // git send-email leaves plain-ASCII mail without MIME headers.
        if m.qp || !ascii || b4 || !is_patch {
            out.push_str("MIME-Version: 1.0\n");
            let charset = if ascii { "us-ascii" } else { "UTF-8" };
            let cte = if m.qp {
                "quoted-printable"
            } else if ascii {
                "7bit"
            } else {
                "8bit"
            };
            let _ = write!(
                out,
                "Content-Type: text/plain; charset={charset}\nContent-Transfer-Encoding: {cte}\n"
            );
        }
        let _ = write!(
            out,
            "List-Id: <{id}>\nList-Subscribe: <mailto:{name}+subscribe@{host}>\nList-Unsubscribe: <mailto:{name}+unsubscribe@{host}>\nPrecedence: bulk\nX-Mailing-List: {addr}\n",
            id = w.list_id,
            name = w.list_name,
            host = w.list_host,
            addr = w.list_addr,
        );
    }

    /// What delivery adds on top of the sender's headers: Received chains,
    /// DKIM and ARC signatures. They are most of a short reply's bytes on a
    /// real archive (and random base64 that no compressor shrinks), so
    /// sizes and parse costs stay honest.
    fn transport_headers(
        &self,
        m: &Msg,
        email: &str,
        domain: &str,
        rng: &mut Rng,
        out: &mut String,
    ) {
        let w = self.world;
        let host = &w.list_host;
        let recv = rfc2822(m.recv, 0);
        let ip = format!("198.51.100.{}", rng.range(1, 254));
        let _ = write!(
            out,
            "Return-Path: <{email}>\nReceived: from mirror.{host} (mirror.{host} [203.0.113.7])\n\tby archive.{host} (Postfix) with ESMTPS id "
        );
        rng.hex(out, 10);
        let _ = write!(
            out,
            "\n\tfor <archive@{host}>; {recv}\nReceived: from smtp.{host} (smtp.{host} [203.0.113.9])\n\tby mirror.{host} (Postfix) with ESMTPS id "
        );
        rng.hex(out, 10);
        let _ = write!(out, "\n\tfor <{}>; {recv}\n", w.list_addr);
        let _ = write!(
            out,
            "Received: from mail-{n}.{domain} (mail-{n}.{domain} [{ip}])\n\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))\n\t(No client certificate requested)\n\tby smtp.{host} (Postfix) with ESMTPS id ",
            n = rng.below(40)
        );
        rng.hex(out, 10);
        let _ = writeln!(out, "\n\tfor <{}>; {recv}", w.list_addr);
        let dkim = w.person(m.author).client != Client::Bot || rng.chance(0.5);
        let mut tag = String::new();
        push_b64(&mut tag, rng, 8);
        let t = m.recv;
        if dkim {
            let _ = writeln!(
                out,
                "Authentication-Results: smtp.{host};\n\tdkim=pass (2048-bit key) header.d={domain} header.i=@{domain} header.b=\"{tag}\""
            );
        }
        let _ = write!(
            out,
            "ARC-Seal: i=1; a=rsa-sha256; d={host}; s=arc-20240116;\n\tt={t}; cv=none; b="
        );
        push_folded_b64(out, rng, 344);
        let _ = write!(
            out,
            "ARC-Message-Signature: i=1; a=rsa-sha256; d={host};\n\ts=arc-20240116; t={t}; c=relaxed/simple;\n\tbh="
        );
        push_b64(out, rng, 43);
        out.push_str("=;\n\th=From:To:Cc:Subject:Date:Message-ID:MIME-Version; b=");
        push_folded_b64(out, rng, 344);
        let _ = writeln!(
            out,
            "ARC-Authentication-Results: i=1; smtp.{host}; dmarc=pass (p=none dis=none) header.from={domain}; spf=pass smtp.mailfrom={domain}; dkim={} header.d={domain} header.i=@{domain} header.b=\"{tag}\"; arc=none smtp.client-ip={ip}",
            if dkim { "pass (2048-bit key)" } else { "none" }
        );
        if dkim {
            let _ = write!(
                out,
                "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d={domain};\n\ts=k{}; t={}; bh=",
                20_200_000 + rng.below(50_000),
                m.sent
            );
            push_b64(out, rng, 43);
            out.push_str("=;\n\th=From:To:Cc:Subject:Date:From; b=");
            push_folded_b64(out, rng, 344);
        }
    }

    fn write_body(&mut self, m: &Msg, out: &mut String) {
        match &m.kind {
            Kind::Cover(rev) => self.cover(rev, out),
            Kind::Patch(rev, i) => self.patch(m, rev, *i, out),
            Kind::Review {
                trailer,
                whole_series,
            } => self.review(m, *trailer, *whole_series, out),
            Kind::Answer => self.answer(m, out),
            Kind::CiReport { ok, rev } => self.ci_report(m, *ok, rev, out),
            Kind::Applied(rev) => self.applied(m, rev, out),
            Kind::Topic(kind, subsys) => self.topic(m, *kind, *subsys, out),
            Kind::TopicReply => self.topic_reply(m, out),
            Kind::Pull { subsys, version } => self.pull(m, *subsys, version, out),
            Kind::PullMerged => self.pull_merged(m, out),
        }
    }

    fn ident_of(&self, rev: &Rev) -> &'static str {
        self.world.subsystems[rev.info.subsys].dirs[rev.info.dir].ident
    }

    fn trailer_line(&self, out: &mut String, kind: &str, who: u32) {
        let p = self.world.person(who);
        let _ = writeln!(out, "{kind}: {} <{}>", p.name, p.email);
    }

    fn layout(&self, rev: &Rev, i: usize) -> Layout {
        let p = &rev.patches[i];
        Layout::build(
            self.world,
            rev.info.subsys,
            rev.info.dir,
            p.key,
            p.ver,
            p.huge,
        )
    }

    fn change_items(&self, rev: &Rev, seed: u64, out: &mut String) {
        let mut rng = Rng::new(seed);
        let ident = self.ident_of(rev);
        let slots = Slots { ident };
        let mut used = 0u32;
        for _ in 0..rng.range(1, 4) {
            let kind = rng.below(8);
            if used & (1 << kind) != 0 {
                continue;
            }
            used |= 1 << kind;
            let who = self.world.person(self.world.active_person(&mut rng));
            let f = slots.func(&mut rng);
            let item = match kind {
                0 => format!(
                    "Fix {} leak on the error path (reported by {})",
                    rng.one(NOUNS),
                    who.first
                ),
                1 => "Rebase on top of the latest -next".to_string(),
                2 => format!("Drop patch {}, it was applied separately", rng.range(1, 5)),
                3 => "Collect tags".to_string(),
                4 => format!("Reword the commit message of patch {}", rng.range(1, 5)),
                5 => format!("Use {f}() as suggested by {}", who.name),
                6 => format!("Add a Fixes: tag ({})", who.first),
                _ => format!("Split the {} changes into a separate patch", rng.one(NOUNS)),
            };
            wrap_into(out, &item, 72, "- ");
        }
    }

    fn changelog(&self, rev: &Rev, out: &mut String) {
        if rev.changes.is_empty() {
            return;
        }
        for (k, &(v, seed)) in rev.changes.iter().enumerate().rev() {
            if rev.info.b4 {
                let _ = writeln!(out, "Changes in v{v}:");
                self.change_items(rev, seed, out);
                if let Some((pv, id)) = rev.links.get(k) {
                    let _ = writeln!(out, "- Link to v{pv}: https://lore.kernel.org/r/{id}");
                }
            } else {
                let _ = writeln!(out, "v{} -> v{v}:", v - 1);
                self.change_items(rev, seed, out);
            }
            out.push('\n');
        }
    }

    fn cover(&mut self, rev: &Rev, out: &mut String) {
        let w = self.world;
        let info = &rev.info;
        let author = w.person(info.author);
        let ident = self.ident_of(rev);
        let slots = Slots { ident };
        let mut rng = Rng::of(info.seed, 0xc0);
        if rng.chance(0.3) {
            out.push_str("Hi,\n\n");
        }
        for _ in 0..rng.range(1, 3) {
            wrap_into(out, &slots.cover(&mut rng), 72, "");
            out.push('\n');
        }
        self.changelog(rev, out);
        // Shortlog and the diffstat of the whole series.
        let mut merged: Vec<Stat> = Vec::new();
        for i in 0..rev.patches.len() {
            for s in self.layout(rev, i).stats() {
                match merged.iter_mut().find(|x| x.path == s.path) {
                    Some(x) => {
                        x.ins += s.ins;
                        x.del += s.del;
                    }
                    None => merged.push(s),
                }
            }
        }
        merged.sort_by(|a, b| a.path.cmp(&b.path));
        if info.b4 {
            out.push_str("---\n");
        }
        let _ = writeln!(out, "{} ({}):", author.name, rev.patches.len());
        let indent = if info.b4 { "      " } else { "  " };
        for p in &rev.patches {
            let _ = writeln!(out, "{indent}{}", p.summary);
        }
        out.push('\n');
        render_diffstat(&merged, out);
        self.footer(rev, out);
    }

    /// base-commit, change-id and the signature, as each tool writes them.
    fn footer(&self, rev: &Rev, out: &mut String) {
        let info = &rev.info;
        let author = self.world.person(info.author);
        if info.b4 {
            out.push_str("---\n");
            if let Some(b) = rev.base {
                let _ = writeln!(out, "base-commit: {}", oid_of(b, 40));
            }
            if let Some(c) = &info.change_id {
                let _ = writeln!(out, "change-id: {c}");
            }
            let _ = write!(
                out,
                "\nBest regards,\n-- \n{} <{}>\n\n",
                author.name, author.email
            );
        } else {
            if let Some(b) = rev.base {
                let _ = writeln!(out, "\nbase-commit: {}", oid_of(b, 40));
            }
            out.push_str("-- \n2.43.0\n\n");
        }
    }

    fn patch(&mut self, m: &Msg, rev: &Rev, i: usize, out: &mut String) {
        let w = self.world;
        let info = &rev.info;
        let p = &rev.patches[i];
        let author = w.person(info.author);
        let sub = &w.subsystems[info.subsys];
        let ident = sub.dirs[info.dir].ident;
        let slots = Slots { ident };
        // Seeded by the patch, not the revision: the message stays put
        // across re-rolls the way real commit messages mostly do.
        let mut rng = Rng::of(p.key, 7);
        wrap_into(out, &slots.problem(&mut rng), 72, "");
        out.push('\n');
        if rng.chance(0.1) {
            oops(
                &mut rng,
                ident,
                &kernel_version(self.start, m.sent),
                "  ",
                out,
            );
            out.push('\n');
        }
        wrap_into(out, &slots.fix(&mut rng), 72, "");
        out.push('\n');
        let is_fix = p.summary.contains(" fix ") || p.summary.contains(": fix") || rng.chance(0.1);
        if is_fix && rng.chance(0.6) {
            let _ = write!(out, "Fixes: ");
            rng.hex(out, 12);
            let _ = writeln!(
                out,
                " (\"{}: {} {} {}\")",
                sub.dirs[info.dir].tag,
                rng.one(VERBS),
                rng.one(NOUNS),
                rng.one(NOUNS)
            );
        }
        if is_fix && rng.chance(0.2) {
            let r = w.active_person(&mut rng);
            self.trailer_line(out, "Reported-by", r);
            let _ = write!(out, "Closes: https://lore.kernel.org/r/");
            rng.hex(out, 16);
            let _ = writeln!(
                out,
                "@{}",
                w.person(r)
                    .email
                    .rsplit_once('@')
                    .map_or("example.org", |x| x.1)
            );
        }
        if is_fix && rng.chance(0.15) {
            let _ = writeln!(out, "Cc: stable@{}", w.list_host);
        }
        let carried: Vec<_> = p.trailers.iter().filter(|t| t.at < m.sent).collect();
        if author.trailers_first {
            for t in &carried {
                self.trailer_line(out, t.kind.as_str(), t.person);
            }
        }
        if rng.chance(0.04) {
            let co = w.person_in(info.subsys, &mut rng);
            self.trailer_line(out, "Co-developed-by", co);
            self.trailer_line(out, "Signed-off-by", co);
        }
        self.trailer_line(out, "Signed-off-by", info.author);
        if !author.trailers_first {
            for t in &carried {
                self.trailer_line(out, t.kind.as_str(), t.person);
            }
        }
        out.push_str("---\n");
        if !rev.cover && rev.version > 1 {
            self.changelog(rev, out);
        }
        let layout = self.layout(rev, i);
        render_diffstat(&layout.stats(), out);
        out.push('\n');
        layout.render(p.key, p.ver, out);
        if !rev.cover {
            self.footer(rev, out);
        } else {
            out.push_str("-- \n2.43.0\n\n");
        }
    }

    fn parent_body(&mut self, m: &Msg) -> Option<(Rc<str>, &'w Person)> {
        let parent = m.parent.as_ref()?;
        let b = self.body(parent);
        Some((b, self.world.person(parent.author)))
    }

    fn attribution_for(&self, m: &Msg, out: &mut String) {
        if let Some(parent) = &m.parent {
            let me = self.world.person(m.author);
            out.push_str(&attribution(
                me.client,
                self.world.person(parent.author),
                parent.sent,
            ));
            out.push('\n');
        }
    }

    fn signoff(&self, m: &Msg, rng: &mut Rng, out: &mut String) {
        let me = self.world.person(m.author);
        match rng.below(5) {
            0 => {
                let _ = write!(out, "\nThanks,\n{}\n", me.first);
            }
            1 => {
                let _ = write!(out, "\n-- \n{}\n", me.first);
            }
            2 => {
                let _ = write!(out, "\nCheers,\n{}\n", me.first);
            }
            3 => {
                let _ = write!(out, "\nRegards,\n{}\n", me.name);
            }
            _ => {}
        }
    }

    fn review(
        &mut self,
        m: &Msg,
        trailer: Option<TrailerKind>,
        whole_series: bool,
        out: &mut String,
    ) {
        let mut rng = Rng::new(m.seed);
        let Some((pb, _)) = self.parent_body(m) else {
            return;
        };
        let ident = self.ident_of_thread(m);
        let slots = Slots { ident };
        let parent_kind = m.parent.as_ref().map(|p| &p.kind);
        self.attribution_for(m, out);
        let full_quote = trailer.is_some() && rng.chance(0.15);
        if full_quote {
            // Some reviewers quote the whole patch and add one line below.
            quote_lines(out, pb.lines());
            out.push('\n');
        } else {
            match parent_kind {
                Some(Kind::Patch(..)) => {
                    let paras: Vec<&str> = pb.split("\n\n").collect();
                    quote_lines(out, paras.first().copied().unwrap_or("").lines().take(8));
                    out.push_str("\n[...]\n\n");
                    let hunks: Vec<usize> = pb
                        .lines()
                        .enumerate()
                        .filter(|(_, l)| l.starts_with("@@ "))
                        .map(|(i, _)| i)
                        .collect();
                    let lines: Vec<&str> = pb.lines().collect();
                    for _ in 0..rng.range(1, 3).min(hunks.len() as u64) {
                        let h = *rng.pick(&hunks);
                        let take = rng.range(4, 14) as usize;
                        quote_lines(out, lines[h..].iter().take(take).copied());
                        out.push('\n');
                        wrap_into(out, &slots.review(&mut rng), 72, "");
                        out.push('\n');
                    }
                    if hunks.is_empty() {
                        wrap_into(out, &slots.review(&mut rng), 72, "");
                        out.push('\n');
                    }
                }
                Some(Kind::Cover(_)) => {
                    let first = pb.split("\n\n").find(|p| p.len() > 40).unwrap_or("");
                    quote_lines(out, first.lines().take(8));
                    out.push('\n');
                    if trailer.is_none() || rng.chance(0.5) {
                        wrap_into(out, &slots.review(&mut rng), 72, "");
                        out.push('\n');
                    }
                }
                _ => {
                    let own = own_text(&pb, 10);
                    quote_lines(out, own.iter().copied());
                    out.push('\n');
                    if trailer.is_none() || rng.chance(0.5) {
                        wrap_into(out, &slots.review(&mut rng), 72, "");
                        out.push('\n');
                    }
                }
            }
        }
        if let Some(kind) = trailer {
            let me = self.world.person(m.author);
            if kind == TrailerKind::Nacked {
                wrap_into(
                    out,
                    "NAK. This breaks existing users and there is no way to opt out.",
                    72,
                    "",
                );
                out.push('\n');
            }
            if whole_series {
                out.push_str(rng.one(&[
                    "For the series:\n\n",
                    "For the whole series:\n",
                    "",
                    "For all patches:\n",
                ]));
            }
            let _ = writeln!(out, "{}: {} <{}>", kind.as_str(), me.name, me.email);
        }
        self.signoff(m, &mut rng, out);
    }

    fn answer(&mut self, m: &Msg, out: &mut String) {
        let mut rng = Rng::new(m.seed);
        let Some((pb, _)) = self.parent_body(m) else {
            return;
        };
        let slots = Slots {
            ident: self.ident_of_thread(m),
        };
        self.attribution_for(m, out);
        let own = own_text(&pb, 8);
        quote_lines(out, own.iter().copied());
        out.push('\n');
        wrap_into(out, &slots.answer(&mut rng), 72, "");
        self.signoff(m, &mut rng, out);
    }

    fn ident_of_thread(&self, m: &Msg) -> &'static str {
        let mut p = Some(m);
        while let Some(x) = p {
            match &x.kind {
                Kind::Cover(rev) | Kind::Patch(rev, _) => return self.ident_of(rev),
                Kind::Topic(_, s) | Kind::Pull { subsys: s, .. } => {
                    return self.world.subsystems[*s].dirs[0].ident;
                }
                _ => p = x.parent.as_deref(),
            }
        }
        "dev"
    }

    fn ci_report(&mut self, m: &Msg, ok: bool, rev: &Rev, out: &mut String) {
        let w = self.world;
        let mut rng = Rng::new(m.seed);
        let author = w.person(rev.info.author);
        let bot = w.person(w.ci_bot);
        let tree = rev.info.tree.unwrap_or("mainline");
        let target = m.parent.as_ref().map_or("", |p| p.id.as_str());
        if ok {
            let _ = write!(
                out,
                "Hello:\n\nThe series was tested by {} on {} configurations (x86_64, arm64, riscv).\nNo new warnings or test failures were found.\n\nbase: {tree}/main\npatch link: https://lore.kernel.org/r/{target}\n\nTested-by: {} <{}>\n\n-- \n{}\nhttps://ci.example.org/\n",
                bot.name,
                rng.range(12, 60),
                bot.name,
                bot.email,
                bot.name
            );
            return;
        }
        let layout = self.layout(rev, 0);
        let file = layout
            .files
            .first()
            .map_or("drivers/base/core.c", |f| f.path.as_str());
        let ident = self.ident_of(rev);
        let f = format!("{ident}_{}_{}", rng.one(VERBS), rng.one(NOUNS));
        let line = rng.range(40, 3000);
        let col = rng.range(2, 30);
        let _ = write!(
            out,
            "Hi {first},\n\n{bn} noticed the following build errors:\n\n[auto build test ERROR on {tree}/main]\n[also build test ERROR on linus/master {ver}]\n\npatch link:    https://lore.kernel.org/r/{target}\nconfig: {cfg}\ncompiler: {cc}\n\nIf you fix the issue in a separate patch/commit (i.e. not just a new version of\nthe same patch/commit), kindly add following tags\n| Reported-by: {bn} <{be}>\n| Closes: https://lore.kernel.org/oe-kbuild-all/",
            first = author.first,
            ver = kernel_version(self.start, m.sent),
            cfg = rng.one(&[
                "x86_64-allmodconfig",
                "arm64-randconfig-002",
                "i386-defconfig",
                "riscv-allyesconfig",
                "powerpc-allmodconfig"
            ]),
            cc = rng.one(&[
                "gcc-13 (Debian 13.2.0-12) 13.2.0",
                "clang version 19.1.3",
                "gcc-14 (GCC) 14.2.0"
            ]),
            bn = bot.name,
            be = bot.email,
        );
        rng.hex(out, 16);
        let _ = write!(
            out,
            "@ci.example.org/\n\nAll errors (new ones prefixed by >>):\n\n   {file}: In function '{f}':\n>> {file}:{line}:{col}: error: implicit declaration of function '{g}' [-Werror=implicit-function-declaration]\n     {line} |         {g}(priv);\n         |         ^~~~~~~~~~~~\n   cc1: some warnings being treated as errors\n\n-- \n{bn}\nhttps://ci.example.org/\n",
            g = format_args!("{ident}_{}_{}", rng.one(VERBS), rng.one(NOUNS)),
            bn = bot.name,
        );
    }

    fn applied(&mut self, m: &Msg, rev: &Rev, out: &mut String) {
        let w = self.world;
        let mut rng = Rng::new(m.seed);
        let tree = rev.info.tree.unwrap_or("for-next");
        if m.author == w.patch_bot {
            let maint = w.person(w.subsystems[rev.info.subsys].maintainers[0]);
            let _ = write!(
                out,
                "Hello:\n\nThis {} was applied to netdev/{tree}.git (main)\nby {} <{}>:\n\n",
                if rev.patches.len() > 1 {
                    "series"
                } else {
                    "patch"
                },
                maint.name,
                maint.email
            );
            self.attribution_for(m, out);
            if let Some((pb, _)) = self.parent_body(m) {
                quote_lines(out, pb.lines().take(3));
            }
            out.push_str("\nHere is the summary with links:\n");
            for (i, p) in rev.patches.iter().enumerate() {
                let v = if rev.version > 1 {
                    format!("v{},", rev.version)
                } else {
                    String::new()
                };
                let _ = writeln!(
                    out,
                    "  - [{tree},{v}{}/{}] {}",
                    i + 1,
                    rev.patches.len(),
                    p.summary
                );
                let _ = write!(out, "    https://git.kernel.org/netdev/{tree}/c/");
                rng.hex(out, 12);
                out.push('\n');
            }
            out.push_str("\nYou are awesome, thank you!\n-- \nDeet-doot-dot, I am a bot.\nhttps://korg.docs.kernel.org/patchwork/pwbot.html\n\n");
            return;
        }
        self.attribution_for(m, out);
        if let Some((pb, _)) = self.parent_body(m) {
            quote_lines(out, own_text(&pb, 4).iter().copied());
        }
        let _ = write!(out, "\nApplied to {tree}, thanks!\n\n");
        for (i, p) in rev.patches.iter().enumerate() {
            let _ = writeln!(out, "[{}/{}] {}", i + 1, rev.patches.len(), p.summary);
            out.push_str("      commit: ");
            rng.hex(out, 12);
            out.push('\n');
        }
        let me = w.person(m.author);
        let _ = write!(out, "\nBest regards,\n-- \n{} <{}>\n", me.name, me.email);
    }

    fn topic(&mut self, m: &Msg, kind: TopicKind, subsys: usize, out: &mut String) {
        let w = self.world;
        let mut rng = Rng::new(m.seed);
        let ident = w.subsystems[subsys].dirs[0].ident;
        let slots = Slots { ident };
        out.push_str(rng.one(&["Hi,\n\n", "Hello all,\n\n", "Hi everyone,\n\n", ""]));
        wrap_into(out, &slots.question(&mut rng), 72, "");
        out.push('\n');
        match kind {
            TopicKind::Bug | TopicKind::Regression => {
                out.push_str("The splat:\n\n");
                oops(
                    &mut rng,
                    ident,
                    &kernel_version(self.start, m.sent),
                    "",
                    out,
                );
                out.push('\n');
                if matches!(kind, TopicKind::Regression) {
                    out.push_str("#regzbot introduced: ");
                    rng.hex(out, 12);
                    out.push_str("\n\n");
                }
            }
            TopicKind::Announce => {
                let _ = write!(
                    out,
                    "Tarballs are available at:\n\n  https://www.example.org/pub/{ident}/\n\nShortlog:\n\n"
                );
                for _ in 0..rng.range(3, 15) {
                    let _ = writeln!(
                        out,
                        "  {ident}: {} {} {}",
                        rng.one(VERBS),
                        rng.one(NOUNS),
                        rng.one(NOUNS)
                    );
                }
                out.push('\n');
            }
            TopicKind::Question | TopicKind::Design => {
                wrap_into(out, &slots.question(&mut rng), 72, "");
                out.push('\n');
            }
        }
        wrap_into(out, &slots.question(&mut rng), 72, "");
        self.signoff(m, &mut rng, out);
    }

    fn topic_reply(&mut self, m: &Msg, out: &mut String) {
        let mut rng = Rng::new(m.seed);
        let Some((pb, _)) = self.parent_body(m) else {
            return;
        };
        let slots = Slots {
            ident: self.ident_of_thread(m),
        };
        self.attribution_for(m, out);
        let own = own_text(&pb, 12);
        quote_lines(out, own.iter().copied());
        out.push('\n');
        let text = match rng.below(3) {
            0 => slots.answer(&mut rng),
            1 => slots.review(&mut rng),
            _ => slots.question(&mut rng),
        };
        wrap_into(out, &text, 72, "");
        if rng.chance(0.2) {
            out.push_str("\nSomething like this (untested):\n\n");
            let layout = Layout::build(self.world, 0, 0, m.seed, 0, false);
            let mut small = layout;
            small.files.truncate(1);
            small.render(m.seed, 0, out);
        }
        self.signoff(m, &mut rng, out);
    }

    fn pull(&mut self, m: &Msg, subsys: usize, version: &str, out: &mut String) {
        let w = self.world;
        let mut rng = Rng::new(m.seed);
        let sub = &w.subsystems[subsys];
        let tag = sub.next_tree.unwrap_or(sub.dirs[0].ident);
        let slots = Slots {
            ident: sub.dirs[0].ident,
        };
        let linus = w.person(w.linus);
        let _ = write!(
            out,
            "Hi {},\n\nPlease pull the {} {} for {version}.\n\n",
            linus.first,
            sub.name,
            if m.subject.contains("fixes") {
                "fixes"
            } else {
                "updates"
            }
        );
        wrap_into(out, &slots.pull(&mut rng), 72, "");
        let base_date = ymd(m.sent - rng.range(3, 60) as i64 * 86_400);
        let _ = write!(
            out,
            "\nThe following changes since commit {}:\n\n  Linux {} ({base_date})\n\nare available in the Git repository at:\n\n  {} tags/{tag}-{version}\n\nfor you to fetch changes up to {}:\n\n",
            rng.oid(),
            version.trim_start_matches('v'),
            sub.git_url,
            rng.oid()
        );
        let mut authors: Vec<(u32, Vec<String>)> = Vec::new();
        let mut stats: Vec<Stat> = Vec::new();
        for k in 0..rng.range(2, 40) {
            let a = w.person_in(subsys, &mut rng);
            let d = &sub.dirs[rng.below_usize(sub.dirs.len())];
            let s = format!(
                "{}: {} {} {}",
                d.tag,
                rng.one(VERBS),
                rng.one(NOUNS),
                rng.one(NOUNS)
            );
            match authors.iter_mut().find(|(x, _)| *x == a) {
                Some((_, v)) => v.push(s),
                None => authors.push((a, vec![s])),
            }
            if k < 8 {
                let layout = Layout::build(w, subsys, 0, hash2(m.seed, k), 0, false);
                for st in layout.stats() {
                    match stats.iter_mut().find(|x| x.path == st.path) {
                        Some(x) => {
                            x.ins += st.ins;
                            x.del += st.del;
                        }
                        None => stats.push(st),
                    }
                }
            }
        }
        let last = authors
            .last()
            .and_then(|(_, v)| v.last())
            .cloned()
            .unwrap_or_default();
        let _ = write!(out, "  {last} ({})\n\n", ymd(m.sent - 86_400));
        let dashes = "-".repeat(64);
        let _ = write!(out, "{dashes}\n{tag} {version}\n\n");
        wrap_into(out, &slots.pull(&mut rng), 72, "");
        let _ = write!(out, "\n{dashes}\n");
        authors.sort_by(|a, b| w.person(a.0).name.cmp(&w.person(b.0).name));
        for (a, subjects) in &authors {
            let _ = writeln!(out, "{} ({}):", w.person(*a).name, subjects.len());
            for s in subjects {
                let _ = writeln!(out, "      {s}");
            }
            out.push('\n');
        }
        stats.sort_by(|a, b| a.path.cmp(&b.path));
        render_diffstat(&stats, out);
    }

    fn pull_merged(&mut self, m: &Msg, out: &mut String) {
        let mut rng = Rng::new(m.seed);
        let Some(parent) = m.parent.as_ref() else {
            return;
        };
        let _ = write!(
            out,
            "The pull request you sent on {}:\n\n> (see the quoted message for the tag)\n\nhas been merged into torvalds/linux.git:\nhttps://git.kernel.org/torvalds/c/",
            rfc2822(parent.sent, self.world.person(parent.author).tz)
        );
        rng.hex(out, 40);
        out.push_str("\n\nThank you!\n\n-- \nDeet-doot-dot, I am a bot.\nhttps://korg.docs.kernel.org/prtracker.html\n");
    }
}

/// Quote lines the way mail clients do: "> " before text, ">" alone on
/// empty lines, nesting by adding another level.
fn quote_lines<'a>(out: &mut String, lines: impl Iterator<Item = &'a str>) {
    for l in lines {
        if l.is_empty() {
            out.push_str(">\n");
        } else if l.starts_with('>') {
            out.push('>');
            out.push_str(l);
            out.push('\n');
        } else {
            out.push_str("> ");
            out.push_str(l);
            out.push('\n');
        }
    }
}

/// The last lines the parent wrote itself, with the quote they answer,
/// minus signatures: what a reply quotes back.
fn own_text(body: &str, max: usize) -> Vec<&str> {
    // People trim: the parent's own words and the one quote level they
    // answer, not the whole nest of older quotes or attribution lines.
    let lines: Vec<&str> = body
        .lines()
        .take_while(|l| *l != "-- ")
        .filter(|l| !l.starts_with(">>") && !l.starts_with("> >"))
        .filter(|l| !(l.ends_with(" wrote:") || l.ends_with(" writes:")))
        .collect();
    let mut end = lines.len();
    while end > 0
        && (lines[end - 1].is_empty()
            || lines[end - 1].len() < 12 && !lines[end - 1].starts_with('>'))
    {
        end -= 1;
    }
    let mut start = end.saturating_sub(max);
    while start < end && (lines[start].is_empty() || lines[start] == ">") {
        start += 1;
    }
    lines[start..end].to_vec()
}

/// A kernel oops/KASAN splat, the kind bug reports and fixes paste.
fn oops(rng: &mut Rng, ident: &str, version: &str, indent: &str, out: &mut String) {
    let mut t = rng.range(10, 90_000) * 1_000_000 + rng.below(1_000_000);
    let mut ts = |rng: &mut Rng, out: &mut String| {
        t += rng.range(1, 5000);
        let _ = write!(out, "{indent}[{:>5}.{:06}] ", t / 1_000_000, t % 1_000_000);
    };
    let f = format!("{ident}_{}_{}", rng.one(VERBS), rng.one(NOUNS));
    let head = match rng.below(3) {
        0 => format!(
            "BUG: kernel NULL pointer dereference, address: {:016x}",
            rng.below(0x200)
        ),
        1 => format!(
            "BUG: KASAN: slab-use-after-free in {f}+0x{:x}/0x{:x} [{ident}]",
            rng.range(0x10, 0x400),
            rng.range(0x400, 0x1200)
        ),
        _ => format!(
            "WARNING: CPU: {} PID: {} at {}.c:{} {f}+0x{:x}/0x{:x}",
            rng.below(64),
            rng.range(1, 40_000),
            ident,
            rng.range(50, 4000),
            rng.range(0x10, 0x300),
            rng.range(0x300, 0x900)
        ),
    };
    ts(rng, out);
    out.push_str(&head);
    out.push('\n');
    ts(rng, out);
    let _ = writeln!(
        out,
        "CPU: {} UID: 0 PID: {} Comm: {} Not tainted {}-{}-g{:012x}",
        rng.below(64),
        rng.range(1, 40_000),
        rng.one(&[
            "kworker/u8:3",
            "systemd-udevd",
            "ip",
            "modprobe",
            "swapper/0",
            "fio",
            "iperf3"
        ]),
        version.trim_start_matches('v'),
        rng.range(1, 400),
        rng.next_u64() >> 16
    );
    ts(rng, out);
    out.push_str("Hardware name: QEMU Standard PC (Q35 + ICH9, 2009), BIOS 1.16.3-debian-1.16.3-2 04/01/2014\n");
    ts(rng, out);
    let _ = writeln!(
        out,
        "RIP: 0010:{f}+0x{:x}/0x{:x} [{ident}]",
        rng.range(0x10, 0x400),
        rng.range(0x400, 0x1200)
    );
    ts(rng, out);
    out.push_str("Call Trace:\n");
    ts(rng, out);
    out.push_str(" <TASK>\n");
    for _ in 0..rng.range(4, 12) {
        ts(rng, out);
        let mut name = String::new();
        if rng.chance(0.5) {
            let _ = write!(name, "{ident}_{}_{}", rng.one(VERBS), rng.one(NOUNS));
        } else {
            name.push_str(rng.one(&[
                "__dev_open",
                "process_one_work",
                "worker_thread",
                "kthread",
                "do_syscall_64",
                "entry_SYSCALL_64_after_hwframe",
                "__x64_sys_ioctl",
                "rtnl_newlink",
                "netlink_rcv_skb",
                "pci_device_probe",
                "really_probe",
                "__driver_attach",
            ]));
        }
        let _ = write!(
            out,
            " {name}+0x{:x}/0x{:x}",
            rng.range(0x10, 0x400),
            rng.range(0x400, 0x1200)
        );
        if name.starts_with(ident) {
            let _ = write!(out, " [{ident}]");
        }
        out.push('\n');
    }
    ts(rng, out);
    out.push_str(" </TASK>\n");
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn push_b64(out: &mut String, rng: &mut Rng, n: usize) {
    let mut bits = 0u64;
    let mut left = 0;
    for _ in 0..n {
        if left < 6 {
            bits = rng.next_u64();
            left = 64;
        }
        out.push(char::from(B64[(bits & 63) as usize]));
        bits >>= 6;
        left -= 6;
    }
}

/// A signature value (`b=`) folded the way signers fold it.
fn push_folded_b64(out: &mut String, rng: &mut Rng, n: usize) {
    let mut done = 0;
    while done < n {
        let k = (n - done).min(if done == 0 { 50 } else { 70 });
        if done > 0 {
            out.push_str("\n\t ");
        }
        push_b64(out, rng, k);
        done += k;
    }
    out.push_str("=\n");
}
