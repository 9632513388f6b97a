//! Randomness for the random provider: the OS-seeded CSPRNG for unseeded values, and a small
//! deterministic generator for `seed` arguments, with uniform ranges and shuffles written here
//! so that a seed gives the same result whatever version of `rand` is linked.
//!
//! Seeded results are stable across infra versions but do not match the Go provider's
//! `math/rand` sequence.

use rand::RngCore;

/// A source of random 64-bit words.
pub(crate) trait Source {
    fn next_u64(&mut self) -> u64;
}

/// The thread-local CSPRNG (`rand::rng()`, ChaCha reseeded from the OS).
pub(crate) struct Secure(rand::rngs::ThreadRng);

impl Secure {
    pub(crate) fn new() -> Secure {
        Secure(rand::rng())
    }
    pub(crate) fn fill(&mut self, bytes: &mut [u8]) {
        self.0.fill_bytes(bytes);
    }
}

impl Source for Secure {
    fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }
}

/// SplitMix64 seeded with the FNV-1a hash of the seed string.
pub(crate) struct Seeded(u64);

impl Seeded {
    pub(crate) fn new(seed: &str) -> Seeded {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in seed.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        Seeded(h)
    }
}

impl Source for Seeded {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// The seeded generator for a non-empty seed, else the CSPRNG (an empty seed means unseeded,
/// as in the Go provider).
pub(crate) fn for_seed(seed: Option<&str>) -> Box<dyn Source> {
    match seed {
        Some(s) if !s.is_empty() => Box::new(Seeded::new(s)),
        _ => Box::new(Secure::new()),
    }
}

/// A uniform integer in `0..n` (`n` > 0) by rejection sampling; 0 when `n` is 0.
pub(crate) fn below(src: &mut dyn Source, n: u64) -> u64 {
    if n == 0 {
        return 0;
    }
    let zone = u64::MAX - (u64::MAX % n);
    loop {
        let x = src.next_u64();
        if x < zone {
            return x % n;
        }
    }
}

/// A uniform integer in `min..=max` (`min <= max`).
pub(crate) fn in_range(src: &mut dyn Source, min: i64, max: i64) -> i64 {
    let span = (i128::from(max) - i128::from(min) + 1) as u128;
    let offset = if span > u128::from(u64::MAX) {
        // The whole i64 range: every word is a valid offset.
        u128::from(src.next_u64())
    } else {
        u128::from(below(src, span as u64))
    };
    (i128::from(min) + offset as i128) as i64
}

/// Fisher–Yates shuffle.
pub(crate) fn shuffle<T>(src: &mut dyn Source, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        let j = below(src, i as u64 + 1) as usize;
        items.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_is_deterministic_and_seed_dependent() {
        let a: Vec<u64> = { let mut s = Seeded::new("x"); (0..4).map(|_| s.next_u64()).collect() };
        let b: Vec<u64> = { let mut s = Seeded::new("x"); (0..4).map(|_| s.next_u64()).collect() };
        let c: Vec<u64> = { let mut s = Seeded::new("y"); (0..4).map(|_| s.next_u64()).collect() };
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn ranges_stay_in_bounds_and_cover_them() {
        let mut s = Seeded::new("bounds");
        let mut seen = [false; 3];
        for _ in 0..200 {
            let v = in_range(&mut s, -1, 1);
            assert!((-1..=1).contains(&v));
            seen[(v + 1) as usize] = true;
        }
        assert_eq!(seen, [true; 3]);
        assert_eq!(in_range(&mut s, 7, 7), 7);
        let full = in_range(&mut s, i64::MIN, i64::MAX);
        assert!((i64::MIN..=i64::MAX).contains(&full));
    }

    #[test]
    fn shuffle_is_a_permutation() {
        let mut s = Secure::new();
        let mut v: Vec<u32> = (0..50).collect();
        shuffle(&mut s, &mut v);
        let mut sorted = v.clone();
        sorted.sort();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
    }
}
