//! What the index keeps of one message, as the series model, threads and
//! lists read it: a summary that needs no mail parsed, the bit-packed facts
//! the grouping filters on, and the stable hashes that name senders,
//! subjects and Message-IDs. The index stores and finds these; everything
//! built on them (series, threads) needs nothing of the index itself.

use serde::Serialize;

use crate::trailers::Trailer;

/// Where a message is in the index: its segment and document number
/// (tantivy's document address, without tantivy).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DocRef {
    pub segment: u32,
    pub doc: u32,
}

/// What a search result or a thread member shows without opening the mail.
#[derive(Debug, Clone, Serialize)]
pub struct MessageSummary {
    pub message_id: String,
    /// Unix seconds.
    pub date: i64,
    pub from: String,
    pub subject: String,
    pub inbox: String,
    pub epoch: u32,
    pub blob: String,
    /// What this message replies to: In-Reply-To, else the last reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// The References header, oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    #[serde(skip)]
    pub meta: Meta,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_commit: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trailers: Vec<Trailer>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pull: Option<crate::mail::PullRequest>,
    /// The paths its diff touches, hashed ([`hash`]): what revisions of
    /// one piece of work share.
    #[serde(skip)]
    pub files: Vec<u64>,
    /// Message-IDs it says it replaces (`Supersedes:`, `Obsoletes:`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub supersedes: Vec<String>,
    /// Message-IDs of earlier versions its text links to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cites: Vec<String>,
    /// Where the index holds it (for the index's own lookups).
    #[serde(skip)]
    pub address: DocRef,
}

impl MessageSummary {
    /// The sender's name (or address when there is no name).
    pub fn from_name(&self) -> String {
        display_name(&self.from)
    }

    /// The sender's address, lower-cased.
    pub fn from_addr(&self) -> String {
        match (self.from.rfind('<'), self.from.ends_with('>')) {
            (Some(i), true) => self.from[i + 1..self.from.len() - 1].to_ascii_lowercase(),
            _ if self.from.contains('@') => self.from.to_ascii_lowercase(),
            _ => String::new(),
        }
    }
}

/// The name part of a `From` as shown (`Name <addr>`), else all of it.
pub fn display_name(from: &str) -> String {
    name_part(from).to_string()
}

/// [`display_name`], borrowed.
pub fn name_part(from: &str) -> &str {
    match from.rfind(" <") {
        Some(i) if from.ends_with('>') => from[..i].trim_matches('"'),
        _ => from,
    }
}

/// A sender's name as names are compared: quotes, case and b4's
/// " via B4 Relay" do not matter.
pub fn name_key(name: &str) -> String {
    let name = name.trim().trim_matches('"');
    let name = name.strip_suffix(" via B4 Relay").unwrap_or(name).trim();
    name.to_lowercase()
}

/// A stable 64-bit hash (FNV-1a); never 0, which means "none".
pub fn hash(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    if h == 0 { 1 } else { h }
}

/// Hash of the sender's name in a `From` as shown (`Name <addr>`), as
/// the series model compares names (case, quotes and b4's " via B4 Relay"
/// do not matter); 0 when there is no name.
pub fn name_hash(from: &str) -> u64 {
    let name = name_key(name_part(from));
    if name.is_empty() { 0 } else { hash(&name) }
}

/// Hash of a normalised subject: case and spacing do not matter.
pub fn subject_hash(normalized: &str) -> u64 {
    let folded: String = normalized
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    hash(&folded)
}

/// Facts about a message the series model needs per message, packed into
/// one fast-field value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Meta {
    pub version: u32,
    pub counter: u32,
    pub total: u32,
    pub reply: bool,
    pub patch: bool,
    pub rfc: bool,
    pub resend: bool,
    pub version_inferred: bool,
    pub counter_inferred: bool,
    pub has_diff: bool,
    pub has_diffstat: bool,
    pub pull: bool,
    pub degraded: bool,
    pub forward: bool,
    pub has_base: bool,
}

impl Meta {
    pub fn pack(&self) -> u64 {
        let mut v = u64::from(self.version.min(0xff))
            | u64::from(self.counter.min(0xffff)) << 8
            | u64::from(self.total.min(0xffff)) << 24;
        let flags = [
            self.reply,
            self.patch,
            self.rfc,
            self.resend,
            self.version_inferred,
            self.counter_inferred,
            self.has_diff,
            self.has_diffstat,
            self.pull,
            self.degraded,
            self.forward,
            self.has_base,
        ];
        for (i, f) in flags.iter().enumerate() {
            if *f {
                v |= 1 << (40 + i);
            }
        }
        v
    }

    /// A cover letter, patch or pull request (not a reply or discussion):
    /// what series are made of.
    pub fn is_series_mail(&self) -> bool {
        !self.reply
            && (self.has_diff
                || self.patch
                || self.pull
                || (self.counter == 0 && !self.counter_inferred))
    }

    pub fn unpack(v: u64) -> Meta {
        let bit = |i: u32| v & (1 << (40 + i)) != 0;
        Meta {
            version: (v & 0xff) as u32,
            counter: ((v >> 8) & 0xffff) as u32,
            total: ((v >> 24) & 0xffff) as u32,
            reply: bit(0),
            patch: bit(1),
            rfc: bit(2),
            resend: bit(3),
            version_inferred: bit(4),
            counter_inferred: bit(5),
            has_diff: bit(6),
            has_diffstat: bit(7),
            pull: bit(8),
            degraded: bit(9),
            forward: bit(10),
            has_base: bit(11),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_round_trips() {
        let m = Meta {
            version: 3,
            counter: 12,
            total: 30,
            reply: true,
            has_diff: true,
            has_base: true,
            ..Meta::default()
        };
        assert_eq!(Meta::unpack(m.pack()), m);
    }

    #[test]
    fn hash_is_stable_and_nonzero() {
        assert_eq!(hash("a@b"), hash("a@b"));
        assert_ne!(hash("a@b"), hash("a@c"));
        assert_ne!(hash(""), 0);
        assert_eq!(subject_hash("Foo  bar"), subject_hash("foo bar"));
    }
}
