//! Seeded randomness owned by the generator, so a given seed yields the same
//! bytes forever: no crate upgrade can change the stream, and no libm call
//! (ln, exp, pow) sits on a path that decides output, since those may round
//! differently across platforms. Only integer ops and IEEE-exact float ops.

/// Weyl increment of splitmix64 (the golden ratio in 64 bits).
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// splitmix64's finaliser: a strong 64-bit mixer.
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Order-sensitive hash of two words: derive independent sub-seeds from a
/// seed and a label, so that content is a pure function of what it is about
/// (a file, a hunk, a revision) and not of how much randomness came before.
pub fn hash2(a: u64, b: u64) -> u64 {
    mix64(a ^ mix64(b.wrapping_add(GOLDEN)))
}

pub fn hash3(a: u64, b: u64, c: u64) -> u64 {
    hash2(hash2(a, b), c)
}

/// splitmix64: one word of state, full period, passes BigCrush; plenty for
/// synthetic mail and trivially reproducible.
#[derive(Clone, Debug)]
pub struct Rng {
    state: u64,
}

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng { state: mix64(seed) }
    }

    /// A generator for one labelled purpose under a parent seed.
    pub fn of(seed: u64, label: u64) -> Self {
        Rng::new(hash2(seed, label))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN);
        mix64(self.state)
    }

    /// Uniform in `0..n` (Lemire's multiply; the bias is below 2^-40 for
    /// the small n used here, which no benchmark can see).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    pub fn below_usize(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below(hi - lo + 1)
    }

    /// Uniform in `[0, 1)` with 53 bits.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below_usize(items.len())]
    }

    /// One of a list of string literals.
    pub fn one<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below_usize(items.len())]
    }

    /// Index drawn with the given integer weights.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut x = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if x < u64::from(w) {
                return i;
            }
            x -= u64::from(w);
        }
        weights.len().saturating_sub(1)
    }

    /// Roughly log-uniform in `lo..=hi`: a uniform bit length, then uniform
    /// within that power-of-two band. Sizes and delays in real mail are
    /// heavy-tailed; this gives the tail without calling `ln`/`exp`.
    pub fn log_range(&mut self, lo: u64, hi: u64) -> u64 {
        let lo = lo.max(1);
        if hi <= lo {
            return lo;
        }
        let lo_bits = 64 - lo.leading_zeros();
        let hi_bits = 64 - hi.leading_zeros();
        let bits = self.range(u64::from(lo_bits), u64::from(hi_bits)) as u32;
        let band_lo = (1u64 << (bits - 1)).max(lo);
        let band_hi = if bits >= 64 {
            hi
        } else {
            ((1u64 << bits) - 1).min(hi)
        };
        self.range(band_lo, band_hi)
    }

    /// A draw with mean 1 shaped like Exp(1): geometric whole part (trailing
    /// zeros of a uniform word) plus a uniform fraction, scaled by ln 2.
    pub fn exp_like(&mut self) -> f64 {
        let tz = f64::from(self.next_u64().trailing_zeros().min(63));
        // E[tz] = 1 and E[unit] = 1/2, so the mean before scaling is 1.5 ln 2.
        (tz + self.unit()) / 1.5
    }

    /// Append `n` lowercase hex digits.
    pub fn hex(&mut self, out: &mut String, n: usize) {
        push_hex(out, self.next_u64(), n.min(16));
        let mut left = n.saturating_sub(16);
        while left > 0 {
            let k = left.min(16);
            push_hex(out, self.next_u64(), k);
            left -= k;
        }
    }

    /// A fresh 40-hex object id.
    pub fn oid(&mut self) -> String {
        let mut s = String::with_capacity(40);
        self.hex(&mut s, 40);
        s
    }
}

/// Append the first `n` (at most 16) hex digits of `v`.
pub fn push_hex(out: &mut String, v: u64, n: usize) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for i in 0..n.min(16) {
        let nib = (v >> (60 - 4 * i)) & 0xf;
        out.push(char::from(DIGITS[nib as usize]));
    }
}

/// An object id made from a seed, for ids that must be the same whenever
/// the same thing is rendered (a file's blob, a commit named in a Fixes:).
pub fn oid_of(seed: u64, n: usize) -> String {
    Rng::new(seed).oid()[..n.min(40)].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_is_pinned() {
        // If this changes, every generated inbox changes: bump nothing
        // casually here.
        let mut r = Rng::new(42);
        assert_eq!(r.next_u64(), Rng::new(42).next_u64());
        let v: Vec<u64> = (0..3).map(|_| r.below(1000)).collect();
        assert_eq!(v.len(), 3);
        assert!(v.iter().all(|&x| x < 1000));
    }

    #[test]
    fn log_range_stays_in_bounds() {
        let mut r = Rng::new(7);
        for _ in 0..10_000 {
            let x = r.log_range(3, 1_000_000);
            assert!((3..=1_000_000).contains(&x));
        }
    }
}
