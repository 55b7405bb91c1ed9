//! The tantivy schema, in one place.
//!
//! One document per message. Text fields serve the query prefixes; u64 fast
//! fields (hashes and bit-packed subject facts) let the series model group
//! thousands of messages without loading stored documents; stored fields are
//! only what a list row or a thread needs. Raw mail is never stored: it stays
//! in git and is read by blob id when a message is opened.

pub use crate::summary::{Meta, hash, name_hash, subject_hash};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, NumericOptions, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions,
};

/// Bumped whenever documents change meaning; an index of another version is
/// rebuilt from the archives.
pub const SCHEMA_VERSION: u32 = 5;

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
    /// The `From` header as sent (what `f:` searches, as public-inbox
    /// does); stored, and shown unless `sender` says otherwise.
    pub from: Field,
    /// Stored only, when `X-Original-From` names the sender of a relayed
    /// mail (B4 Relay): who the model and the lists show as its author.
    pub sender: Field,
    /// The sender's address (`sender`, else `from`), hashed.
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
    /// Stored only: each path the diff touches, hashed (for linking
    /// revisions by the files they share).
    pub files_h: Field,
    pub dfa: Field,
    pub dfb: Field,
    pub dfhh: Field,
    /// Stored only: `patchid:` goes through `pid_h`.
    pub patchid: Field,
    pub pid_h: Field,
    pub change_id: Field,
    pub cid_h: Field,
    pub base: Field,
    /// Stored only: the Message-IDs of `Supersedes:` and `Obsoletes:`,
    /// space separated.
    pub supersedes: Field,
    /// Stored only: the Message-IDs of earlier versions its text links
    /// to, space separated.
    pub cites: Field,
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
        sender: b.add_text_field("sender", STORED),
        from_h: b.add_u64_field("from_h", hash_field()),
        name_h: b.add_u64_field("name_h", FAST),
        to: b.add_text_field("to", text(true, false)),
        cc: b.add_text_field("cc", text(true, false)),
        subject: b.add_text_field("subject", text(true, true)),
        subj_h: b.add_u64_field("subj_h", hash_field()),
        body: b.add_text_field("body", text(true, false)),
        list: b.add_text_field("list", text(true, false)),
        dfn: b.add_text_field("dfn", text(true, false)),
        files_h: b.add_u64_field("files_h", STORED),
        dfa: b.add_text_field("dfa", text(true, false)),
        dfb: b.add_text_field("dfb", text(true, false)),
        dfhh: b.add_text_field("dfhh", text(true, false)),
        patchid: b.add_text_field("patchid", STORED),
        pid_h: b.add_u64_field("pid_h", INDEXED),
        change_id: b.add_text_field("change_id", STORED),
        cid_h: b.add_u64_field("cid_h", hash_field()),
        base: b.add_text_field("base", STORED),
        supersedes: b.add_text_field("supersedes", STORED),
        cites: b.add_text_field("cites", STORED),
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

/// The primary key of a message: which inbox holds it and its blob. The
/// blob's first eight bytes are already uniform (an object name); the
/// inbox's hash keeps a blob sent to two lists apart. An indexed u64, where
/// an `inbox:hex` string term cost a term dictionary entry of dozens of
/// unique bytes per message.
pub fn key_hash(inbox: &str, blob: &gix::oid) -> u64 {
    let mut prefix = [0u8; 8];
    for (p, b) in prefix.iter_mut().zip(blob.as_bytes()) {
        *p = *b;
    }
    u64::from_be_bytes(prefix) ^ hash(inbox)
}
