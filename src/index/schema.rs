//! The tantivy schema, in one place.
//!
//! One document per message. Text fields serve the query prefixes; u64 fast
//! fields (hashes and bit-packed subject facts) let the series model group
//! thousands of messages without loading stored documents; stored fields are
//! only what a list row or a thread needs. Raw mail is never stored: it stays
//! in git and is read by blob id when a message is opened.

use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, NumericOptions, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions,
};

/// Bumped whenever documents change meaning; an index of another version is
/// rebuilt from the archives.
pub const SCHEMA_VERSION: u32 = 4;

/// Handles of every field.
#[derive(Debug, Clone)]
pub struct Fields {
    /// The primary key, [`key_hash`] of inbox and blob (upsert = delete
    /// this term + add).
    pub key_h: Field,
    pub blob: Field,
    pub inbox: Field,
    pub epoch: Field,
    /// Stored only: `m:` and Message-ID lookups go through `mid_h`.
    pub mid: Field,
    pub mid_h: Field,
    /// In-Reply-To and every References id, hashed: "who replies to X".
    pub refs_h: Field,
    /// The direct parent (In-Reply-To, else last reference), hashed.
    pub parent_h: Field,
    /// Stored ids of In-Reply-To then References, space separated.
    pub refs: Field,
    pub date: Field,
    pub from: Field,
    pub from_h: Field,
    /// The sender's name as the series model compares it ([`name_hash`]):
    /// revisions link by same subject and same address *or* same name, so
    /// gathering them filters candidates on both without loading them.
    pub name_h: Field,
    pub to: Field,
    pub cc: Field,
    pub subject: Field,
    /// Normalised subject (prefixes and Re: removed), hashed.
    pub subj_h: Field,
    pub body: Field,
    pub list: Field,
    pub dfn: Field,
    pub dfa: Field,
    pub dfb: Field,
    pub dfhh: Field,
    /// Stored only: `patchid:` goes through `pid_h`.
    pub patchid: Field,
    pub pid_h: Field,
    pub change_id: Field,
    pub cid_h: Field,
    pub base: Field,
    /// Bit-packed [`Meta`].
    pub meta: Field,
    /// Stored JSON of the trailers.
    pub trailers: Field,
    /// One u64 per trailer: kind, "from someone else", person hash.
    pub tr: Field,
    /// Stored JSON of the pull request fields.
    pub pull: Field,
    /// Words for counting: `patch`, `cover`, `reply`, `degraded`, `pull`,
    /// and `missing` for the stand-in of a mail whose blob could not be
    /// read ([`super::build`]).
    pub kind: Field,
    /// Stored, degraded documents only: what could not be read, `; `
    /// between reasons.
    pub problems: Field,
    /// Stored, degraded documents only: the commit that delivered the mail.
    pub commit: Field,
}

fn text(positions: bool, stored: bool) -> TextOptions {
    let record = if positions {
        IndexRecordOption::WithFreqsAndPositions
    } else {
        IndexRecordOption::WithFreqs
    };
    let opts = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("default")
            .set_index_option(record)
            // Mail search ranks by date, so BM25 length norms are dead weight.
            .set_fieldnorms(false),
    );
    if stored { opts.set_stored() } else { opts }
}

fn hash_field() -> NumericOptions {
    NumericOptions::default().set_indexed().set_fast()
}

/// Builds the schema and returns it with its field handles.
pub fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let fields = Fields {
        key_h: b.add_u64_field("key_h", INDEXED),
        blob: b.add_text_field("blob", STORED),
        inbox: b.add_text_field("inbox", STRING | STORED | FAST),
        epoch: b.add_u64_field("epoch", INDEXED | STORED | FAST),
        mid: b.add_text_field("mid", STORED),
        mid_h: b.add_u64_field("mid_h", hash_field()),
        refs_h: b.add_u64_field("refs_h", hash_field()),
        parent_h: b.add_u64_field("parent_h", FAST),
        refs: b.add_text_field("refs", STORED),
        date: b.add_i64_field("date", INDEXED | STORED | FAST),
        from: b.add_text_field("from", text(true, true)),
        from_h: b.add_u64_field("from_h", hash_field()),
        name_h: b.add_u64_field("name_h", FAST),
        to: b.add_text_field("to", text(true, false)),
        cc: b.add_text_field("cc", text(true, false)),
        subject: b.add_text_field("subject", text(true, true)),
        subj_h: b.add_u64_field("subj_h", hash_field()),
        body: b.add_text_field("body", text(true, false)),
        list: b.add_text_field("list", text(true, false)),
        dfn: b.add_text_field("dfn", text(true, false)),
        dfa: b.add_text_field("dfa", text(true, false)),
        dfb: b.add_text_field("dfb", text(true, false)),
        dfhh: b.add_text_field("dfhh", text(true, false)),
        patchid: b.add_text_field("patchid", STORED),
        pid_h: b.add_u64_field("pid_h", INDEXED),
        change_id: b.add_text_field("change_id", STORED),
        cid_h: b.add_u64_field("cid_h", hash_field()),
        base: b.add_text_field("base", STORED),
        meta: b.add_u64_field("meta", FAST | STORED),
        trailers: b.add_text_field("trailers", STORED),
        tr: b.add_u64_field("tr", FAST),
        pull: b.add_text_field("pull", STORED),
        kind: b.add_text_field("kind", STRING),
        problems: b.add_text_field("problems", STORED),
        commit: b.add_text_field("commit", STORED),
    };
    (b.build(), fields)
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

/// The primary key of a message: which inbox holds it and its blob. The
/// blob's first eight bytes are already uniform (an object name); the
/// inbox's hash keeps a blob sent to two lists apart. An indexed u64, where
/// an `inbox:hex` string term cost a term dictionary entry of ~47 unique
/// bytes per message (5% of a full index's CPU, with `mid` and `patchid`).
pub fn key_hash(inbox: &str, blob: &gix::oid) -> u64 {
    let mut prefix = [0u8; 8];
    for (p, b) in prefix.iter_mut().zip(blob.as_bytes()) {
        *p = *b;
    }
    u64::from_be_bytes(prefix) ^ hash(inbox)
}

/// Hash of the sender's name in a `From` as shown (`Name <addr>`), as
/// the series model compares names (case, quotes and b4's " via B4 Relay"
/// do not matter); 0 when there is no name.
pub fn name_hash(from: &str) -> u64 {
    let name = crate::series::person_name(&crate::index::display_name(from));
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
