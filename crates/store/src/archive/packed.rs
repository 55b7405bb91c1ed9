//! Reading an epoch's packs in bulk: many message blobs, each pack entry
//! inflated once ([`PackedBlobs`]), and every commit and small tree at once
//! for a full scan ([`Outline`]).
//!
//! git packs similar blobs as deltas of one another, so in a public-inbox
//! pack about half the messages are deltas whose chains run through other
//! messages, anywhere in the archive. Reading blobs one by one (gix's
//! `find`) resolves every chain from its base, so a full index inflated each
//! entry about twice, and no cache of what was already read helps: the base
//! of an early message is mostly a later one.
//!
//! A bulk reader knows every blob it will be asked for before the first read
//! (the index learns them from the scan). [`PackedBlobs::plan`] follows their
//! chains once, through the entries' headers only, and counts how many times
//! each entry will be needed: as a wanted blob, or as the base of another
//! needed entry. Reading then keeps a resolved entry only until its last
//! dependant is produced: little is held at a time (bounded by
//! [`CACHE_CAP`] anyway), and every entry is inflated once.
//!
//! Anything the plan cannot serve (a loose object, a delta whose base is in
//! another pack, damaged pack data) is read through gix instead, which also
//! words the error when the object is truly unreadable. Packs behind
//! `objects/info/alternates` are read like the repository's own.

use std::path::Path;

use gix::ObjectId;
use gix::odb::pack;
use gix::odb::pack::data::entry::Header;
use gix::prelude::FindExt;

use crate::error::Result;
use crate::keyed::UniformMap;

/// Resolved entries kept for later dependants at most (bytes).
pub const CACHE_CAP: usize = 256 << 20;

/// Longer delta chains than this are taken for damage (git's default
/// maximum depth is 50; `--depth` allows up to 4095).
const MAX_CHAIN: usize = 5000;

/// Whole-stream zlib inflation (see [`Pack::inflate`]).
type Inflater = libdeflater::Decompressor;

/// A pack entry: which pack, and where in it.
type Key = (u32, u64);

struct Pack {
    index: pack::index::File,
    data: pack::data::File,
}

/// An epoch's packs, opened and mapped once by a whole scan
/// ([`Outline::read`]) and handed on to the reader of its blobs
/// ([`PackedBlobs::plan_in`]): unmapping a pack only to map and fault it
/// in again would slow the serial start of a full index.
pub struct Packs(Vec<Pack>);

impl std::fmt::Debug for Packs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Packs({})", self.0.len())
    }
}

impl Pack {
    /// The entry at `offset`, and the offset of its base when it is a delta.
    fn entry(
        &self,
        offset: u64,
    ) -> std::result::Result<(pack::data::Entry, Option<u64>), Unserved> {
        let entry = self.data.entry(offset).map_err(|_| Unserved)?;
        let base = match entry.header {
            Header::OfsDelta { base_distance } => Some(
                entry
                    .checked_base_pack_offset(base_distance)
                    .ok_or(Unserved)?,
            ),
            Header::RefDelta { base_id } => {
                let i = self.index.lookup(base_id).ok_or(Unserved)?;
                Some(self.index.pack_offset_at_index(i))
            }
            _ => None,
        };
        Ok((entry, base))
    }

    /// Inflates one entry's own data (a whole object, or a delta) into `out`.
    ///
    /// The entry header gives the inflated size, so the whole stream is
    /// inflated in one call into a buffer of exactly that size; libdeflate
    /// does that in about half the instructions of a streaming inflater
    /// (zlib-rs through gix, which spends most of them building Huffman
    /// tables for small streams). The stream's end is
    /// not known up front: the input runs to the end of the pack, and
    /// libdeflate stops at the stream's last block and checks its Adler-32.
    fn inflate(
        &self,
        entry: &pack::data::Entry,
        inflate: &mut Inflater,
        out: &mut Vec<u8>,
    ) -> std::result::Result<(), Unserved> {
        let size = usize::try_from(entry.decompressed_size).map_err(|_| Unserved)?;
        out.clear();
        out.try_reserve_exact(size).map_err(|_| Unserved)?;
        out.resize(size, 0);
        let input = self
            .data
            .entry_slice(entry.data_offset..self.data.pack_end() as u64)
            .ok_or(Unserved)?;
        match inflate.zlib_decompress(input, out) {
            Ok(n) if n == size => Ok(()),
            _ => Err(Unserved),
        }
    }
}

/// The packs of the repository at `git_dir` that open cleanly, its
/// alternates' after its own (the order git searches them in).
fn open_packs(git_dir: &Path) -> Vec<Pack> {
    let mut packs = Vec::new();
    for objects in object_dirs(git_dir) {
        let Ok(dir) = std::fs::read_dir(objects.join("pack")) else {
            continue;
        };
        let mut idx: Vec<_> = dir
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "idx"))
            .collect();
        idx.sort();
        for path in idx {
            let kind = gix::hash::Kind::Sha1;
            let (Ok(index), Ok(data)) = (
                pack::index::File::at(&path, kind),
                pack::data::File::at(path.with_extension("pack"), kind),
            ) else {
                continue;
            };
            if index.num_objects() == data.num_objects() {
                packs.push(Pack { index, data });
            }
        }
    }
    packs
}

/// Alternates nest at most this deep (git's own limit).
const MAX_ALTERNATE_DEPTH: usize = 5;

/// The object directories of the repository at `git_dir`: its own, then
/// those its `objects/info/alternates` names (a relative one is taken from
/// the naming directory), breadth first, each once. Archives cloned with
/// `--shared`, and mirrors that keep their objects in a shared store
/// (grokmirror's objstore), hold every pack behind an alternate.
fn object_dirs(git_dir: &Path) -> Vec<std::path::PathBuf> {
    let own = git_dir.join("objects");
    let mut seen = vec![std::fs::canonicalize(&own).unwrap_or_else(|_| own.clone())];
    let mut dirs = vec![own];
    let mut level = 0..dirs.len();
    for _ in 0..MAX_ALTERNATE_DEPTH {
        let mut next = Vec::new();
        for dir in &dirs[level.clone()] {
            let Ok(text) = std::fs::read_to_string(dir.join("info").join("alternates")) else {
                continue;
            };
            for line in text.lines().map(str::trim) {
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let alt = dir.join(line);
                let canon = std::fs::canonicalize(&alt).unwrap_or_else(|_| alt.clone());
                if !seen.contains(&canon) {
                    seen.push(canon);
                    next.push(alt);
                }
            }
        }
        if next.is_empty() {
            break;
        }
        level = dirs.len()..dirs.len() + next.len();
        dirs.extend(next);
    }
    dirs
}

/// The commits and trees of an epoch's packs that its tip reaches: each
/// commit's tree and first parent, and each tree's raw entries. A full scan
/// walks every commit of the epoch back from its tip, one at a time (a
/// commit names its parent); decoding them up front, the pack's entries
/// split between threads, leaves the walk only hash lookups. What is
/// missing (loose objects) is read through gix by the caller.
#[derive(Default)]
pub struct Outline {
    pub commits: IdMap<(ObjectId, Option<ObjectId>)>,
    pub trees: IdMap<Vec<u8>>,
    /// (commit, tree) from the tip back to the root commit; `None` when
    /// the walk stopped at a commit it could not read (the scan then walks
    /// itself, and words the error).
    pub walk: Option<Vec<(ObjectId, ObjectId)>>,
    /// The packs the outline was read from.
    pub packs: Option<Packs>,
}

/// A map keyed by object names (see [`crate::keyed`]).
pub type IdMap<V> = UniformMap<ObjectId, V>;

impl Outline {
    /// Decodes, on `threads` threads, the commits of `repo`'s packs (less
    /// those a pack's order shows the tip cannot reach), then the small
    /// trees of the commits the tip reaches. Entries that cannot be decoded
    /// are left out.
    pub fn read(repo: &gix::Repository, tip: &ObjectId, threads: usize) -> Outline {
        let packs = open_packs(repo.path());
        let threads = threads.max(1);
        let newer = newer_than(&packs, tip);
        let mut work: Vec<(usize, std::ops::Range<u32>)> = Vec::new();
        for (n, p) in packs.iter().enumerate() {
            let count = p.index.num_objects();
            let chunk = count.div_ceil(threads as u32).max(1);
            let mut start = 0;
            while start < count {
                work.push((n, start..(start + chunk).min(count)));
                start += chunk;
            }
        }
        let newer = &newer;
        let mut commits = std::thread::scope(|s| {
            let handles: Vec<_> = work
                .into_iter()
                .map(|(n, range)| {
                    let pack = &packs[n];
                    let skip = move |offset: u64| {
                        newer.is_some_and(|(p, side)| p == n && side.holds(offset))
                    };
                    s.spawn(move || commits_of(pack, range, skip))
                })
                .collect();
            merged(handles)
        });

        // The trees of the commits the tip reaches, as the scan will walk
        // (through loose commits too: those written since the last repack;
        // kept, so that the scan's walk reads none of them again).
        let mut walk: Vec<(ObjectId, ObjectId)> = Vec::new();
        let mut next = Some(*tip);
        let mut buf = Vec::new();
        while let Some(id) = next {
            let (tree, parent) = match commits.get(&id) {
                Some(&known) => known,
                None => {
                    let Ok(mut commit) = repo.objects.find_commit_iter(&id, &mut buf) else {
                        break;
                    };
                    let Ok(tree) = commit.tree_id() else {
                        break;
                    };
                    let loose = (tree, commit.parent_ids().next());
                    commits.insert(id, loose);
                    loose
                }
            };
            walk.push((id, tree));
            next = parent;
        }
        let chunk = walk.len().div_ceil(threads).max(1);
        let trees = std::thread::scope(|s| {
            let handles: Vec<_> = walk
                .chunks(chunk)
                .map(|part| {
                    let packs = &packs;
                    s.spawn(move || small_trees(packs, part))
                })
                .collect();
            merged(handles)
        });
        Outline {
            commits,
            trees,
            walk: next.is_none().then_some(walk),
            packs: Some(Packs(packs)),
        }
    }
}

/// The union of the threads' maps. A thread that panicked leaves its part
/// out: the scan reads those objects through gix.
fn merged<V>(handles: Vec<std::thread::ScopedJoinHandle<'_, IdMap<V>>>) -> IdMap<V> {
    let mut parts: Vec<IdMap<V>> = handles.into_iter().filter_map(|h| h.join().ok()).collect();
    // Into the largest part: the start of a full index waits for this
    // merge on one core.
    let Some(largest) = (0..parts.len()).max_by_key(|&i| parts[i].len()) else {
        return IdMap::default();
    };
    let mut all = parts.swap_remove(largest);
    all.reserve(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        all.extend(part);
    }
    all
}

/// Which side of an offset.
#[derive(Clone, Copy)]
enum Side {
    Before(u64),
    After(u64),
}

impl Side {
    fn holds(self, offset: u64) -> bool {
        match self {
            Side::Before(at) => offset < at,
            Side::After(at) => offset > at,
        }
    }
}

/// Where the commits newer than `tip` lie in its pack, when the pack holds
/// commits past it (a view cut back, a ref reset): git writes a pack's
/// commits newest first (fast-import, oldest first), so those on the far
/// side of the tip from its parent are none the tip reaches. A pack that
/// breaks the rule costs only speed: the scan reads what is missing with
/// gix.
fn newer_than(packs: &[Pack], tip: &ObjectId) -> Option<(usize, Side)> {
    let (n, at) = packs.iter().enumerate().find_map(|(n, p)| {
        let i = p.index.lookup(tip)?;
        Some((n, p.index.pack_offset_at_index(i)))
    })?;
    let pack = &packs[n];
    let (entry, base) = pack.entry(at).ok()?;
    let data = resolve_plain(pack, entry, base, &mut Inflater::new()).ok()?;
    let parent = gix::objs::CommitRefIter::from_bytes(&data, gix::hash::Kind::Sha1)
        .parent_ids()
        .next()?;
    let parent_at = pack.index.pack_offset_at_index(pack.index.lookup(parent)?);
    Some((
        n,
        if parent_at > at {
            Side::Before(at)
        } else {
            Side::After(at)
        },
    ))
}

/// The commits among the entries `range` (index order) of `pack`, less
/// those at offsets `skip` names: each one's tree and first parent.
fn commits_of(
    pack: &Pack,
    range: std::ops::Range<u32>,
    skip: impl Fn(u64) -> bool,
) -> IdMap<(ObjectId, Option<ObjectId>)> {
    let mut out = IdMap::default();
    // A public-inbox pack: a commit, a tree and a blob per message.
    out.reserve(range.len() / 3);
    let mut inflate = Inflater::new();
    for i in range {
        let offset = pack.index.pack_offset_at_index(i);
        if skip(offset) {
            continue;
        }
        let Ok((entry, base)) = pack.entry(offset) else {
            continue;
        };
        let commit = match base {
            None => entry.header == Header::Commit,
            Some(b) => root_of(pack, b) == Some(Header::Commit),
        };
        if !commit {
            continue;
        }
        let Ok(data) = resolve_plain(pack, entry, base, &mut inflate) else {
            continue;
        };
        let mut parsed = gix::objs::CommitRefIter::from_bytes(&data, gix::hash::Kind::Sha1);
        if let Ok(tree) = parsed.tree_id() {
            let id = pack.index.oid_at_index(i).to_owned();
            out.insert(id, (tree, parsed.parent_ids().next()));
        }
    }
    out
}

/// The trees of `walk` that the packs hold whole and small. A v2 tree is one
/// entry (~30 bytes); v1's fan-out trees are large and deltas of one
/// another, and decoding them up front would cost more than the walk saves.
fn small_trees(packs: &[Pack], walk: &[(ObjectId, ObjectId)]) -> IdMap<Vec<u8>> {
    let mut out = IdMap::default();
    out.reserve(walk.len());
    let mut inflate = Inflater::new();
    let mut data = Vec::new();
    for (_, id) in walk {
        let Some((pack, i)) = packs.iter().find_map(|p| Some((p, p.index.lookup(id)?))) else {
            continue;
        };
        let Ok((entry, None)) = pack.entry(pack.index.pack_offset_at_index(i)) else {
            continue;
        };
        if entry.header != Header::Tree || entry.decompressed_size > SMALL_TREE {
            continue;
        }
        if pack.inflate(&entry, &mut inflate, &mut data).is_ok() {
            out.insert(*id, data.clone());
        }
    }
    out
}

/// Trees larger than this are left out of an [`Outline`] (bytes).
const SMALL_TREE: u64 = 256;

/// The header of the whole object the delta chain from `offset` ends in
/// (git deltifies objects only against their own kind); `None` for a
/// damaged chain.
fn root_of(pack: &Pack, mut offset: u64) -> Option<Header> {
    for _ in 0..MAX_CHAIN {
        match pack.entry(offset).ok()? {
            (_, Some(base)) => offset = base,
            (entry, None) => return Some(entry.header),
        }
    }
    None
}

/// The object whose first entry is `entry` (a delta of `base`, if any),
/// resolved through its chain with nothing kept.
fn resolve_plain(
    pack: &Pack,
    entry: pack::data::Entry,
    mut base: Option<u64>,
    inflate: &mut Inflater,
) -> std::result::Result<Vec<u8>, Unserved> {
    let mut path = vec![entry];
    while let Some(at) = base {
        if path.len() > MAX_CHAIN {
            return Err(Unserved);
        }
        let (entry, next) = pack.entry(at)?;
        path.push(entry);
        base = next;
    }
    let mut cur = Vec::new();
    pack.inflate(&path.pop().ok_or(Unserved)?, inflate, &mut cur)?;
    let mut delta = Vec::new();
    while let Some(entry) = path.pop() {
        pack.inflate(&entry, inflate, &mut delta)?;
        let mut next = Vec::new();
        apply_delta(&cur, &delta, &mut next)?;
        cur = next;
    }
    Ok(cur)
}

/// The blobs of one epoch, read in (about) the order they were planned.
pub struct PackedBlobs {
    packs: Vec<Pack>,
    /// Uses still to come of each needed entry.
    uses: UniformMap<Key, u32>,
    cache: UniformMap<Key, Vec<u8>>,
    cached_bytes: usize,
    inflate: Inflater,
    delta: Vec<u8>,
    /// Entries inflated so far (the tests check it).
    pub inflated: u64,
}

/// Why the packs cannot serve a blob; gix reads it instead.
struct Unserved;

impl PackedBlobs {
    /// Opens the packs of the repository at `git_dir` and plans reading
    /// `wanted` from them. A pack that cannot be opened is left to gix.
    pub fn plan<'a>(git_dir: &Path, wanted: impl IntoIterator<Item = &'a ObjectId>) -> Self {
        Self::plan_in(Packs(open_packs(git_dir)), wanted)
    }

    /// [`PackedBlobs::plan`] in packs already open (an [`Outline`]'s).
    pub fn plan_in<'a>(packs: Packs, wanted: impl IntoIterator<Item = &'a ObjectId>) -> Self {
        let Packs(packs) = packs;
        let mut reader = PackedBlobs {
            packs,
            uses: UniformMap::default(),
            cache: UniformMap::default(),
            cached_bytes: 0,
            inflate: Inflater::new(),
            delta: Vec::new(),
            inflated: 0,
        };
        let wanted = wanted.into_iter();
        // Each wanted blob, and about half of them again for a base.
        reader.uses.reserve(wanted.size_hint().0 * 3 / 2);
        for id in wanted {
            let Some(mut key) = reader.locate(id) else {
                continue;
            };
            // Count each needed entry's base once: the first time the entry
            // itself turns out to be needed.
            let mut first = !reader.uses.contains_key(&key);
            *reader.uses.entry(key).or_insert(0) += 1;
            for _ in 0..MAX_CHAIN {
                if !first {
                    break;
                }
                let Ok((_, Some(base))) = reader.entry(key) else {
                    break;
                };
                first = !reader.uses.contains_key(&base);
                *reader.uses.entry(base).or_insert(0) += 1;
                key = base;
            }
        }
        reader
    }

    /// Reads `blob`: from the packs when they hold it whole, else with gix.
    pub fn read(&mut self, repo: &gix::Repository, blob: &ObjectId) -> Result<Vec<u8>> {
        if let Some(key) = self.locate(blob)
            && let Ok(data) = self.resolve(key)
        {
            return Ok(data);
        }
        let mut buf = Vec::new();
        super::read_blob(repo, blob, &mut buf)?;
        Ok(buf)
    }

    /// Pack entries the plan needs: the wanted blobs and their chains.
    pub fn planned(&self) -> usize {
        self.uses.len()
    }

    /// Bytes held for later dependants right now.
    pub fn cached_bytes(&self) -> usize {
        self.cached_bytes
    }

    fn locate(&self, id: &ObjectId) -> Option<Key> {
        self.packs.iter().enumerate().find_map(|(n, p)| {
            let i = p.index.lookup(id)?;
            Some((n as u32, p.index.pack_offset_at_index(i)))
        })
    }

    /// The entry at `key`, and the key of its base when it is a delta.
    fn entry(&self, key: Key) -> std::result::Result<(pack::data::Entry, Option<Key>), Unserved> {
        let (entry, base) = self.packs[key.0 as usize].entry(key.1)?;
        Ok((entry, base.map(|b| (key.0, b))))
    }

    fn inflate_entry(
        &mut self,
        entry: &pack::data::Entry,
        key: Key,
        out: &mut Vec<u8>,
    ) -> std::result::Result<(), Unserved> {
        self.packs[key.0 as usize].inflate(entry, &mut self.inflate, out)?;
        self.inflated += 1;
        Ok(())
    }

    fn resolve(&mut self, key: Key) -> std::result::Result<Vec<u8>, Unserved> {
        // Walk up to a kept entry or a whole object.
        let mut path: Vec<(Key, pack::data::Entry)> = Vec::new();
        let mut at = key;
        let mut top: Option<Key> = None;
        let mut cur: Vec<u8> = Vec::new();
        loop {
            if path.len() > MAX_CHAIN {
                return Err(Unserved);
            }
            if self.cache.contains_key(&at) {
                top = Some(at);
                break;
            }
            let (entry, base) = self.entry(at)?;
            if base.is_none() && entry.header != Header::Blob {
                return Err(Unserved);
            }
            path.push((at, entry));
            match base {
                Some(b) => at = b,
                None => break,
            }
        }
        // Then produce each entry from its base, down to `key`.
        let mut made: Key;
        if let Some(t) = top {
            if path.is_empty() {
                // The wanted entry itself was kept.
                let data = self.cache.get(&t).cloned().ok_or(Unserved)?;
                self.release(t, None);
                return Ok(data);
            }
            let (k, entry) = path.pop().ok_or(Unserved)?;
            let mut delta = std::mem::take(&mut self.delta);
            self.inflate_entry(&entry, k, &mut delta)?;
            let base = self.cache.get(&t).ok_or(Unserved)?;
            let applied = apply_delta(base, &delta, &mut cur);
            self.delta = delta;
            applied?;
            self.release(t, None);
            made = k;
        } else {
            let (k, entry) = path.pop().ok_or(Unserved)?;
            self.inflate_entry(&entry, k, &mut cur)?;
            made = k;
        }
        while let Some((k, entry)) = path.pop() {
            let mut delta = std::mem::take(&mut self.delta);
            self.inflate_entry(&entry, k, &mut delta)?;
            let mut next = Vec::new();
            let applied = apply_delta(&cur, &delta, &mut next);
            self.delta = delta;
            applied?;
            let prev = std::mem::replace(&mut cur, next);
            self.release(made, Some(prev));
            made = k;
        }
        // The wanted blob: one use spent; keep a copy if more are planned.
        let left = self.spend(made);
        if left > 0 && self.cached_bytes + cur.len() <= CACHE_CAP {
            self.cached_bytes += cur.len();
            self.cache.insert(made, cur.clone());
        }
        Ok(cur)
    }

    /// Spends one use of `key` and returns the uses left.
    fn spend(&mut self, key: Key) -> u32 {
        match self.uses.get_mut(&key) {
            Some(n) => {
                *n = n.saturating_sub(1);
                *n
            }
            None => 0,
        }
    }

    /// One use of `key` was spent producing a dependant. `data` is its
    /// content when it was just produced (not kept yet): kept if more uses
    /// are planned and it fits; a kept entry goes once no use is left.
    fn release(&mut self, key: Key, data: Option<Vec<u8>>) {
        let left = self.spend(key);
        match data {
            Some(d) if left > 0 && self.cached_bytes + d.len() <= CACHE_CAP => {
                self.cached_bytes += d.len();
                self.cache.insert(key, d);
            }
            Some(_) => {}
            None if left == 0 => {
                if let Some(d) = self.cache.remove(&key) {
                    self.cached_bytes -= d.len();
                }
            }
            None => {}
        }
    }
}

/// Applies a git delta (`delta`: the base's size, the result's size, then
/// copy and insert instructions) to `base`, into `out`.
fn apply_delta(base: &[u8], delta: &[u8], out: &mut Vec<u8>) -> std::result::Result<(), Unserved> {
    fn size(d: &[u8], i: &mut usize) -> std::result::Result<usize, Unserved> {
        let mut n = 0usize;
        let mut shift = 0;
        loop {
            let b = *d.get(*i).ok_or(Unserved)?;
            *i += 1;
            if shift > 56 {
                return Err(Unserved);
            }
            n |= usize::from(b & 0x7f) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                return Ok(n);
            }
        }
    }
    let mut i = 0;
    if size(delta, &mut i)? != base.len() {
        return Err(Unserved);
    }
    let want = size(delta, &mut i)?;
    out.clear();
    out.try_reserve_exact(want).map_err(|_| Unserved)?;
    while let Some(&cmd) = delta.get(i) {
        i += 1;
        if cmd & 0x80 != 0 {
            let mut field = |bit: u8, shift: u32| -> std::result::Result<usize, Unserved> {
                if cmd & bit == 0 {
                    return Ok(0);
                }
                let b = *delta.get(i).ok_or(Unserved)?;
                i += 1;
                Ok(usize::from(b) << shift)
            };
            let ofs = field(0x01, 0)? | field(0x02, 8)? | field(0x04, 16)? | field(0x08, 24)?;
            let mut len = field(0x10, 0)? | field(0x20, 8)? | field(0x40, 16)?;
            if len == 0 {
                len = 0x10000;
            }
            let end = ofs.checked_add(len).ok_or(Unserved)?;
            out.extend_from_slice(base.get(ofs..end).ok_or(Unserved)?);
        } else if cmd != 0 {
            let end = i + usize::from(cmd);
            out.extend_from_slice(delta.get(i..end).ok_or(Unserved)?);
            i = end;
        } else {
            return Err(Unserved);
        }
        if out.len() > want {
            return Err(Unserved);
        }
    }
    if out.len() == want {
        Ok(())
    } else {
        Err(Unserved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Stdio;

    /// Runs git in `dir` with `input` on stdin; its output.
    fn git(dir: &Path, args: &[&str], input: &str) -> String {
        use std::io::Write;
        let mut child = putt_testkit::corpus::git(dir)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("git");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write");
        let out = child.wait_with_output().expect("git output");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    }

    /// Mail-like texts that git packs as deltas of one another.
    fn mails(dir: &Path, which: std::ops::Range<usize>) -> Vec<(ObjectId, Vec<u8>)> {
        let mut paths = String::new();
        let mut texts = Vec::new();
        for i in which {
            let mut text = format!("Message-ID: <{i}@example.com>\nSubject: [PATCH] part {i}\n\n");
            for line in 0..200 {
                if line % 37 == i % 37 {
                    text.push_str(&format!("+changed line {line} in mail {i}\n"));
                } else {
                    text.push_str(&format!(" context line {line} of the same file\n"));
                }
            }
            let path = dir.join(format!("mail{i}"));
            std::fs::write(&path, &text).expect("write mail");
            paths.push_str(&format!("{}\n", path.display()));
            texts.push(text.into_bytes());
        }
        let ids = git(
            &dir.join("repo.git"),
            &["hash-object", "-w", "--stdin-paths"],
            &paths,
        );
        ids.lines()
            .map(|l| ObjectId::from_hex(l.as_bytes()).expect("id"))
            .zip(texts)
            .collect()
    }

    /// A bare repository at `dir/repo.git` holding mails `0..n` in one pack
    /// (git stores most as deltas of one another); the pack's path and the
    /// mails.
    fn packed_repo(dir: &Path, n: usize) -> (std::path::PathBuf, Vec<(ObjectId, Vec<u8>)>) {
        let repo_dir = dir.join("repo.git");
        git(dir, &["init", "-q", "--bare", "repo.git"], "");
        let packed = mails(dir, 0..n);
        let list: String = packed.iter().map(|(id, _)| format!("{id}\n")).collect();
        let base = repo_dir.join("objects/pack/pack");
        let name = git(
            &repo_dir,
            &[
                "pack-objects",
                "-q",
                "--window=50",
                "--depth=20",
                base.to_str().expect("path"),
            ],
            &list,
        );
        git(&repo_dir, &["prune-packed"], "");
        let idx = format!("{}-{}.idx", base.display(), name.trim());
        let deltas = git(&repo_dir, &["verify-pack", "-v", &idx], "");
        let deltas = deltas
            .lines()
            .filter(|l| l.split_whitespace().count() >= 7)
            .count();
        assert!(deltas > n / 2, "git packed {deltas} of {n} as deltas");
        (std::path::PathBuf::from(idx).with_extension("pack"), packed)
    }

    #[test]
    fn every_blob_is_read_whole_and_each_entry_inflated_once() {
        let tmp = tempfile::tempdir().expect("tmp");
        let repo_dir = tmp.path().join("repo.git");
        let (_, packed) = packed_repo(tmp.path(), 120);
        // One more, loose: left to gix.
        let loose = mails(tmp.path(), 120..121).pop().expect("one more");
        let repo = crate::archive::open_repo(&repo_dir).expect("open");

        // Read in an order unlike the pack's, with the loose one in the middle.
        let mut order: Vec<&(ObjectId, Vec<u8>)> = packed.iter().rev().collect();
        order.insert(60, &loose);
        let mut reader = PackedBlobs::plan(&repo_dir, order.iter().map(|(id, _)| id));
        assert_eq!(reader.planned(), 120);
        for (id, text) in &order {
            let read = reader.read(&repo, id).expect("read");
            assert!(read == *text, "blob {id} differs");
        }
        assert_eq!(reader.inflated, 120, "each pack entry inflated once");
        assert_eq!(reader.cached_bytes(), 0, "nothing kept once all is read");

        // Unplanned reads, and reads again, still give the blob.
        let (id, text) = &packed[7];
        assert_eq!(&reader.read(&repo, id).expect("again"), text);
        let mut empty = PackedBlobs::plan(&repo_dir, []);
        assert_eq!(&empty.read(&repo, id).expect("unplanned"), text);
        let missing = ObjectId::from_hex(b"0123456789012345678901234567890123456789").expect("id");
        let err = empty.read(&repo, &missing).expect_err("no such blob");
        assert!(
            err.to_string()
                .contains("0123456789012345678901234567890123456789"),
            "{err}"
        );
    }

    /// An archive cloned with `--shared` (its packs behind an alternate,
    /// named by a relative path here) is read from those packs, not
    /// object by object through gix.
    #[test]
    fn packs_behind_an_alternate_are_read_in_bulk() {
        let tmp = tempfile::tempdir().expect("tmp");
        let (_, packed) = packed_repo(tmp.path(), 40);
        git(
            tmp.path(),
            &["clone", "-q", "--bare", "--shared", "repo.git", "view.git"],
            "",
        );
        let view = tmp.path().join("view.git");
        std::fs::write(
            view.join("objects/info/alternates"),
            "# written by hand\n../../repo.git/objects\n",
        )
        .expect("relative alternate");
        assert!(
            !view
                .join("objects/pack")
                .read_dir()
                .is_ok_and(|mut d| d.next().is_some())
        );
        let repo = crate::archive::open_repo(&view).expect("open");
        let mut reader = PackedBlobs::plan(&view, packed.iter().map(|(id, _)| id));
        assert_eq!(reader.planned(), 40);
        for (id, text) in &packed {
            assert!(reader.read(&repo, id).expect("read") == *text, "blob {id}");
        }
        assert_eq!(reader.inflated, 40, "read from the alternate's pack");
    }

    /// Damaged pack data is never taken for a message: each blob reads
    /// back whole, or fails with an error that names it.
    #[test]
    fn a_damaged_pack_gives_errors_naming_the_blob() {
        let tmp = tempfile::tempdir().expect("tmp");
        let repo_dir = tmp.path().join("repo.git");
        let (pack, packed) = packed_repo(tmp.path(), 60);
        let mut bytes = std::fs::read(&pack).expect("read pack");
        let len = bytes.len();
        for at in [len / 4, len / 2, len * 3 / 4] {
            for b in &mut bytes[at..at + 4] {
                *b ^= 0x5a;
            }
        }
        // git writes packs read-only; the directory is ours.
        std::fs::remove_file(&pack).expect("remove pack");
        std::fs::write(&pack, &bytes).expect("damage pack");
        let repo = crate::archive::open_repo(&repo_dir).expect("open");
        let mut reader = PackedBlobs::plan(&repo_dir, packed.iter().map(|(id, _)| id));
        let mut failed = 0;
        for (id, text) in &packed {
            match reader.read(&repo, id) {
                Ok(read) => assert!(read == *text, "blob {id} read back wrong"),
                Err(e) => {
                    failed += 1;
                    assert!(e.to_string().contains(&id.to_string()), "{e}");
                }
            }
        }
        assert!(failed > 0, "the damage went unnoticed");
    }

    /// A v2 epoch mostly packed (deltified commits among them), its last
    /// messages loose: the outline holds what git says of each packed
    /// commit, and the scan lists what `git ls-tree` shows, in order.
    #[test]
    fn outline_and_scan_agree_with_git() {
        let tmp = tempfile::tempdir().expect("tmp");
        let root = tmp.path().join("inbox");
        let mut w = putt_testkit::write::V2Writer::open(&root).expect("inbox");
        // Long shared subjects make git store some commits as deltas.
        const LONG: &str = "subsystem: make the long subject line that every part of this \
            series shares so that their commits are stored as deltas of one another";
        let mail = |i: usize| {
            format!(
                "From: A <a@example.com>\nMessage-ID: <{i}@example.com>\n\
                 Subject: [PATCH {i}/60] {LONG} part {i}\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n\n\
                 body {i}\n"
            )
        };
        for i in 0..50 {
            w.add(mail(i).as_bytes(), 1_700_000_000 + i as i64)
                .expect("add");
        }
        w.remove(mail(7).as_bytes(), 1_700_000_100).expect("remove");
        w.redeliver(1_700_000_101).expect("redeliver");
        let git_dir = root.join("git/0.git");
        git(
            &git_dir,
            &["repack", "-adq", "--window=50", "--depth=50"],
            "",
        );
        let packed = git(&git_dir, &["log", "--format=%H %T %P", "master"], "");
        let pack_dir = git_dir.join("objects/pack");
        let idx = std::fs::read_dir(&pack_dir)
            .expect("pack dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.extension().is_some_and(|x| x == "idx"))
            .expect("a pack");
        let listing = git(
            &git_dir,
            &["verify-pack", "-v", idx.to_str().expect("path")],
            "",
        );
        let commit_deltas = listing
            .lines()
            .filter(|l| l.contains(" commit ") && l.split_whitespace().count() >= 7)
            .count();
        assert!(commit_deltas > 0, "git deltified no commit");
        for i in 50..53 {
            w.add(mail(i).as_bytes(), 1_700_000_200 + i as i64)
                .expect("add");
        }

        let repo = crate::archive::open_repo(&git_dir).expect("open");
        let ids = |log: String| -> Vec<Vec<ObjectId>> {
            log.lines()
                .map(|line| {
                    line.split_whitespace()
                        .map(|h| ObjectId::from_hex(h.as_bytes()).expect("id"))
                        .collect()
                })
                .collect()
        };
        let packed = ids(packed);
        let all = ids(git(&git_dir, &["log", "--format=%H %T %P", "master"], ""));
        assert_eq!(all.len(), packed.len() + 3, "three loose commits");
        // From the loose tip, and from one cut 20 commits back (a view of
        // the epoch's start): every commit the tip reaches (the loose ones
        // as the walk read them), each packed one's tree, and none of the
        // packed commits newer than the cut.
        let tip = crate::archive::tip(&repo).expect("tip").expect("a tip");
        for (from, reached) in [(tip, &all[..]), (packed[20][0], &packed[20..])] {
            let outline = Outline::read(&repo, &from, 2);
            assert_eq!(outline.commits.len(), reached.len(), "from {from}");
            // The walk the scan takes over: tip to root, as git logs it.
            let walk: Vec<(ObjectId, ObjectId)> =
                reached.iter().map(|ids| (ids[0], ids[1])).collect();
            assert_eq!(outline.walk.as_ref(), Some(&walk), "the walk from {from}");
            for ids in reached {
                assert_eq!(
                    outline.commits.get(&ids[0]),
                    Some(&(ids[1], ids.get(2).copied()))
                );
                // Loose trees are the scan's to read, through gix.
                assert_eq!(outline.trees.contains_key(&ids[1]), packed.contains(ids));
            }
        }

        let scan = crate::archive::scan_with_threads(&repo, None, 2).expect("scan");
        let mut expected = Vec::new();
        let log = git(
            &git_dir,
            &["log", "--reverse", "--format=%H %T", "master"],
            "",
        );
        let mut last_tree = String::new();
        for line in log.lines() {
            let (commit, tree) = line.split_once(' ').expect("commit and tree");
            if tree == last_tree {
                continue;
            }
            last_tree = tree.to_string();
            for entry in git(&git_dir, &["ls-tree", commit], "").lines() {
                let (meta, name) = entry.split_once('\t').expect("entry");
                let blob = meta.split_whitespace().nth(2).expect("blob");
                expected.push(format!("{name} {blob} {commit}"));
            }
        }
        let got: Vec<String> = scan
            .changes
            .iter()
            .map(|c| {
                let name = if c.op == crate::archive::Op::Add {
                    "m"
                } else {
                    "d"
                };
                format!("{name} {} {}", c.blob, c.commit)
            })
            .collect();
        assert_eq!(got.len(), 54);
        assert_eq!(got, expected);
        assert_eq!(scan.empty_commits, 1);

        // The scan hands its packs on: a reader planned in them reads every
        // added blob as git has it (the three loose ones through gix).
        let adds: Vec<ObjectId> = scan
            .changes
            .iter()
            .filter(|c| c.op == crate::archive::Op::Add)
            .map(|c| c.blob)
            .collect();
        let packs = scan.packs.expect("a whole scan opens the packs");
        let mut reader = PackedBlobs::plan_in(packs, &adds);
        assert!(
            reader.planned() >= adds.len() - 3,
            "every packed add planned"
        );
        for id in &adds {
            let read = reader.read(&repo, id).expect("read");
            let want = git(&git_dir, &["cat-file", "blob", &id.to_string()], "");
            assert!(read == want.as_bytes(), "blob {id} differs");
        }
        let since = crate::archive::scan_with_threads(&repo, Some(packed[0][0]), 2).expect("scan");
        assert_eq!(since.changes.len(), 3, "the three loose mails");
        assert!(since.packs.is_none(), "an incremental scan opens no packs");
    }

    #[test]
    fn delta_copies_and_inserts() {
        let base = b"hello, world";
        // base 12, result 11: copy "hello" (ofs 0, len 5), insert " you", copy "ld" (ofs 10, len 2)
        let delta = [12, 11, 0x90, 5, 4, b' ', b'y', b'o', b'u', 0x91, 10, 2];
        let mut out = Vec::new();
        assert!(apply_delta(base, &delta, &mut out).is_ok());
        assert_eq!(out, b"hello yould");
    }

    #[test]
    fn damaged_deltas_are_refused() {
        let base = b"hello, world";
        let mut out = Vec::new();
        for delta in [
            &[11u8, 5, 0x90, 5][..],     // wrong base size
            &[12, 5, 0x91, 10, 5][..],   // copy beyond the base
            &[12, 5, 7, b'a'][..],       // insert beyond the delta
            &[12, 5, 0][..],             // reserved instruction
            &[12, 4, 0x90, 5][..],       // more than the result's size
            &[12, 6, 0x90, 5][..],       // less than the result's size
            &[12, 0xff, 0xff, 0xff][..], // truncated size
            &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff][..],
        ] {
            assert!(apply_delta(base, delta, &mut out).is_err(), "{delta:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_delta_bytes_end_in_a_result_or_a_refusal(
            base in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
            delta in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
        ) {
            let mut out = Vec::new();
            let _ = apply_delta(&base, &delta, &mut out);
        }
    }
}
