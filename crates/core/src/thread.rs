//! Threads as a tree, the way mutt draws them.
//!
//! Links come from In-Reply-To and References (JWZ style: every id in a
//! References chain becomes a node, so a reply whose parent never reached the
//! archive still hangs in the right place, under a placeholder). Replies that
//! lost their headers fall back to the subject: a root `Re: foo` joins the
//! thread whose root is `foo`.

use std::collections::HashMap;

use serde::Serialize;

use crate::subject::parse_subject;
use crate::summary::MessageSummary;

/// One node: a message, or a placeholder for one the archive lacks.
#[derive(Debug, Clone, Serialize)]
pub struct Node {
    pub message_id: String,
    /// `None` for a placeholder.
    pub message: Option<MessageSummary>,
    pub parent: Option<usize>,
    pub children: Vec<usize>,
}

/// A forest of threads over a set of messages.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Thread {
    pub nodes: Vec<Node>,
    /// Top-level nodes, oldest first.
    pub roots: Vec<usize>,
}

/// One line of a drawn thread.
#[derive(Debug, Clone, Serialize)]
pub struct Line {
    pub node: usize,
    pub depth: usize,
    /// Tree drawing to put before the subject, e.g. `│ ├─>`.
    pub prefix: String,
}

impl Thread {
    /// Builds the threads of `messages`.
    pub fn build(mut messages: Vec<MessageSummary>) -> Thread {
        messages.sort_by(|a, b| a.date.cmp(&b.date).then(a.message_id.cmp(&b.message_id)));
        let mut t = Thread::default();
        let mut by_id: HashMap<String, usize> = HashMap::new();
        let mut node = |t: &mut Thread, id: &str| -> usize {
            if let Some(&i) = by_id.get(id) {
                return i;
            }
            t.nodes.push(Node {
                message_id: id.to_string(),
                message: None,
                parent: None,
                children: Vec::new(),
            });
            by_id.insert(id.to_string(), t.nodes.len() - 1);
            t.nodes.len() - 1
        };
        for m in messages {
            let me = node(&mut t, &m.message_id);
            if t.nodes[me].message.is_some() {
                // A second copy of a reused Message-ID: keep the first.
                continue;
            }
            // The References chain, each id the parent of the next.
            let mut chain: Vec<String> = m.references.clone();
            if let Some(p) = &m.parent
                && chain.last() != Some(p)
            {
                chain.push(p.clone());
            }
            let mut prev: Option<usize> = None;
            for id in &chain {
                if *id == m.message_id {
                    continue;
                }
                let n = node(&mut t, id);
                if let Some(p) = prev
                    && t.nodes[n].parent.is_none()
                    && !t.is_ancestor(n, p)
                {
                    t.nodes[n].parent = Some(p);
                }
                prev = Some(n);
            }
            if let Some(p) = prev {
                // The direct parent decides, even over an earlier guess.
                if !t.is_ancestor(me, p) {
                    t.nodes[me].parent = Some(p);
                }
            }
            t.nodes[me].message = Some(m);
        }
        t.subject_fallback();
        for i in 0..t.nodes.len() {
            if let Some(p) = t.nodes[i].parent {
                t.nodes[p].children.push(i);
            } else {
                t.roots.push(i);
            }
        }
        let date = |t: &Thread, i: usize| t.earliest(i);
        let mut roots = std::mem::take(&mut t.roots);
        roots.sort_by_key(|&i| date(&t, i));
        t.roots = roots;
        for i in 0..t.nodes.len() {
            let mut kids = std::mem::take(&mut t.nodes[i].children);
            kids.sort_by_key(|&k| date(&t, k));
            t.nodes[i].children = kids;
        }
        t
    }

    /// Whether `a` is `b` or one of its ancestors.
    fn is_ancestor(&self, a: usize, b: usize) -> bool {
        let mut cur = Some(b);
        let mut steps = 0;
        while let Some(c) = cur {
            if c == a {
                return true;
            }
            cur = self.nodes[c].parent;
            steps += 1;
            if steps > self.nodes.len() {
                return true;
            }
        }
        false
    }

    /// Date of a node, or of its earliest descendant for a placeholder.
    fn earliest(&self, i: usize) -> i64 {
        match &self.nodes[i].message {
            Some(m) => m.date,
            None => self.nodes[i]
                .children
                .iter()
                .map(|&c| self.earliest(c))
                .min()
                .unwrap_or(i64::MAX),
        }
    }

    /// Orphan replies (`Re: foo` with no usable headers) join the root `foo`.
    fn subject_fallback(&mut self) {
        let mut roots_by_subject: HashMap<String, usize> = HashMap::new();
        for i in 0..self.nodes.len() {
            if self.nodes[i].parent.is_some() {
                continue;
            }
            if let Some(m) = &self.nodes[i].message {
                let info = parse_subject(&m.subject);
                if !info.reply && !info.normalized.is_empty() {
                    roots_by_subject
                        .entry(info.normalized.to_lowercase())
                        .or_insert(i);
                }
            }
        }
        for i in 0..self.nodes.len() {
            if self.nodes[i].parent.is_some() {
                continue;
            }
            let Some(m) = &self.nodes[i].message else {
                continue;
            };
            if m.parent.is_some() || !m.references.is_empty() {
                continue;
            }
            let info = parse_subject(&m.subject);
            if !info.reply {
                continue;
            }
            if let Some(&root) = roots_by_subject.get(&info.normalized.to_lowercase())
                && root != i
            {
                self.nodes[i].parent = Some(root);
            }
        }
    }

    /// The thread drawn depth first, mutt style.
    pub fn lines(&self) -> Vec<Line> {
        let mut out = Vec::new();
        for &r in &self.roots {
            self.draw(r, 0, String::new(), true, &mut out);
        }
        out
    }

    fn draw(&self, i: usize, depth: usize, indent: String, last: bool, out: &mut Vec<Line>) {
        let prefix = if depth == 0 {
            String::new()
        } else {
            format!("{indent}{}─>", if last { "└" } else { "├" })
        };
        out.push(Line {
            node: i,
            depth,
            prefix,
        });
        let child_indent = if depth == 0 {
            String::new()
        } else {
            format!("{indent}{}", if last { "  " } else { "│ " })
        };
        let kids = &self.nodes[i].children;
        for (k, &c) in kids.iter().enumerate() {
            self.draw(c, depth + 1, child_indent.clone(), k + 1 == kids.len(), out);
        }
    }

    /// The node of a Message-ID.
    pub fn find(&self, message_id: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.message_id == message_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(
        id: &str,
        subject: &str,
        date: i64,
        parent: Option<&str>,
        refs: &[&str],
    ) -> MessageSummary {
        MessageSummary {
            message_id: id.into(),
            date,
            from: "A <a@x>".into(),
            subject: subject.into(),
            inbox: "i".into(),
            epoch: 0,
            blob: String::new(),
            parent: parent.map(str::to_string),
            references: refs.iter().map(|s| s.to_string()).collect(),
            meta: Default::default(),
            patch_id: None,
            change_id: None,
            base_commit: None,
            trailers: Vec::new(),
            pull: None,
            files: Vec::new(),
            supersedes: Vec::new(),
            cites: Vec::new(),
            address: crate::summary::DocRef::default(),
        }
    }

    fn drawn(t: &Thread) -> Vec<String> {
        t.lines()
            .iter()
            .map(|l| {
                let n = &t.nodes[l.node];
                let what = n
                    .message
                    .as_ref()
                    .map_or("(missing)", |m| m.subject.as_str());
                format!("{}{}", l.prefix, what)
            })
            .collect()
    }

    #[test]
    fn missing_parent_becomes_a_placeholder() {
        let t = Thread::build(vec![
            msg("root", "[PATCH 0/2] x", 1, None, &[]),
            // Its parent "p1" never reached the archive.
            msg("r1", "Re: [PATCH 1/2] x", 3, Some("p1"), &["root", "p1"]),
            msg("p2", "[PATCH 2/2] x", 2, Some("root"), &["root"]),
        ]);
        assert_eq!(
            drawn(&t),
            vec![
                "[PATCH 0/2] x",
                "├─>[PATCH 2/2] x",
                "└─>(missing)",
                "  └─>Re: [PATCH 1/2] x",
            ]
        );
    }

    #[test]
    fn orphan_reply_joins_by_subject() {
        let t = Thread::build(vec![
            msg("a", "question about foo", 1, None, &[]),
            msg("b", "Re: question about foo", 2, None, &[]),
            msg("c", "unrelated", 3, None, &[]),
        ]);
        assert_eq!(
            drawn(&t),
            vec![
                "question about foo",
                "└─>Re: question about foo",
                "unrelated"
            ]
        );
    }

    #[test]
    fn loops_in_references_do_not_hang() {
        let t = Thread::build(vec![
            msg("a", "a", 1, Some("b"), &["b"]),
            msg("b", "b", 2, Some("a"), &["a"]),
        ]);
        assert_eq!(t.lines().len(), 2);
    }
}
