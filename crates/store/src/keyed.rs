//! Hash maps for keys that are already uniform: object names, pack
//! offsets, small indexes.
//!
//! A full index's serial start (the scan's walk of every commit, the plan of
//! every blob's delta chain, the bookkeeping of which blob was added last)
//! makes a few hundred thousand map operations while the other core waits.
//! The standard SipHash over 20-byte object names cost those steps more than
//! the lookups themselves; these keys need no protection against chosen
//! collisions (git already hashed them, and a pack's offsets come from the
//! archive being read, at worst slowing that one run).

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// Folds a key's words by rotate-and-xor (an object name contributes its
/// first eight bytes) and spreads the result with MurmurHash3's finaliser.
#[derive(Debug, Default, Clone, Copy)]
pub struct UniformHasher(u64);

impl UniformHasher {
    #[inline]
    fn mix(&mut self, word: u64) {
        self.0 = self.0.rotate_left(29) ^ word;
    }
}

impl Hasher for UniformHasher {
    #[inline]
    fn finish(&self) -> u64 {
        // hashbrown takes the bucket from the low bits and a tag from the
        // top seven: both must depend on every input bit.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }

    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        if let Some(first) = bytes.first_chunk::<8>() {
            self.mix(u64::from_ne_bytes(*first));
        } else {
            for &b in bytes {
                self.mix(u64::from(b));
            }
        }
    }

    #[inline]
    fn write_u8(&mut self, n: u8) {
        self.mix(u64::from(n));
    }

    #[inline]
    fn write_u32(&mut self, n: u32) {
        self.mix(u64::from(n));
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.mix(n);
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.mix(n as u64);
    }
}

pub type UniformMap<K, V> = HashMap<K, V, BuildHasherDefault<UniformHasher>>;
pub type UniformSet<K> = HashSet<K, BuildHasherDefault<UniformHasher>>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    fn hash<T: std::hash::Hash>(v: T) -> u64 {
        BuildHasherDefault::<UniformHasher>::default().hash_one(v)
    }

    #[test]
    fn every_part_of_a_key_moves_the_hash() {
        let id = |b: u8| {
            let mut raw = [7u8; 20];
            raw[0] = b;
            gix::ObjectId::from_bytes_or_panic(&raw)
        };
        assert_ne!(hash((0usize, id(1))), hash((1usize, id(1))));
        assert_ne!(hash((0usize, id(1))), hash((0usize, id(2))));
        assert_ne!(hash((0u32, 10u64)), hash((0u32, 11u64)));
        assert_ne!(hash((0u32, 10u64)), hash((1u32, 10u64)));
    }

    #[test]
    fn sequential_offsets_spread_over_buckets_and_tags() {
        // Pack offsets of small entries are close together: both the low
        // bits (bucket) and the top seven (tag) must still vary.
        let hashes: Vec<u64> = (0..4096u64).map(|o| hash((0u32, 1000 + o * 40))).collect();
        let buckets: UniformSet<u64> = hashes.iter().map(|h| h & 0xfff).collect();
        let tags: UniformSet<u64> = hashes.iter().map(|h| h >> 57).collect();
        // A random function fills 4096 * (1 - 1/e) = ~2,589 of them.
        assert!(buckets.len() > 2500, "{} buckets of 4096", buckets.len());
        assert_eq!(tags.len(), 128);
    }
}
