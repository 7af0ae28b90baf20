//! Sets of small indices (lines, outlets), one bit each: a fixed-width array of words for the common sizes
//! (copied, no allocation in the search's hot loop) and [`Bits`], a growable one for anything larger.

/// What the search needs of a set. Lines and outlets share one width: the larger of the two.
pub(crate) trait Set: Clone + PartialEq {
    fn empty(len: usize) -> Self;
    fn insert(&mut self, i: usize);
    fn remove(&mut self, i: usize);
    fn contains(&self, i: usize) -> bool;
    fn and(&self, other: &Self) -> Self;
    fn or(&self, other: &Self) -> Self;
    fn minus(&self, other: &Self) -> Self;
    fn count(&self) -> u32;
    fn is_empty(&self) -> bool;
    fn is_subset(&self, other: &Self) -> bool;
    fn intersects(&self, other: &Self) -> bool;
    /// The members, ascending.
    fn members(&self) -> impl Iterator<Item = usize> + '_;
    /// The members below `i`.
    fn below(&self, i: usize) -> Self;
}

fn word_bits(w: u64, base: usize) -> impl Iterator<Item = usize> {
    let mut w = w;
    std::iter::from_fn(move || {
        (w != 0).then(|| {
            let b = w.trailing_zeros() as usize;
            w &= w - 1;
            base + b
        })
    })
}

/// Word `k` of "every index below `i`".
fn below_word(k: usize, i: usize) -> u64 {
    let lo = k * 64;
    if i >= lo + 64 {
        u64::MAX
    } else if i <= lo {
        0
    } else {
        (1u64 << (i - lo)) - 1
    }
}

impl<const W: usize> Set for [u64; W] {
    fn empty(len: usize) -> Self {
        debug_assert!(len <= W * 64);
        [0; W]
    }
    #[inline]
    fn insert(&mut self, i: usize) {
        self[i / 64] |= 1 << (i % 64);
    }
    #[inline]
    fn remove(&mut self, i: usize) {
        self[i / 64] &= !(1 << (i % 64));
    }
    #[inline]
    fn contains(&self, i: usize) -> bool {
        self[i / 64] & (1 << (i % 64)) != 0
    }
    #[inline]
    fn and(&self, other: &Self) -> Self {
        std::array::from_fn(|k| self[k] & other[k])
    }
    #[inline]
    fn or(&self, other: &Self) -> Self {
        std::array::from_fn(|k| self[k] | other[k])
    }
    #[inline]
    fn minus(&self, other: &Self) -> Self {
        std::array::from_fn(|k| self[k] & !other[k])
    }
    #[inline]
    fn count(&self) -> u32 {
        self.iter().map(|w| w.count_ones()).sum()
    }
    #[inline]
    fn is_empty(&self) -> bool {
        self.iter().all(|w| *w == 0)
    }
    #[inline]
    fn is_subset(&self, other: &Self) -> bool {
        self.iter().zip(other).all(|(a, b)| a & !b == 0)
    }
    #[inline]
    fn intersects(&self, other: &Self) -> bool {
        self.iter().zip(other).any(|(a, b)| a & b != 0)
    }
    #[inline]
    fn members(&self) -> impl Iterator<Item = usize> + '_ {
        // A plain loop over the words: a `flat_map` here costs the search a good share of its time.
        let mut k = 0;
        let mut w = self[0];
        std::iter::from_fn(move || {
            while w == 0 {
                k += 1;
                if k >= W {
                    return None;
                }
                w = self[k];
            }
            let b = w.trailing_zeros() as usize;
            w &= w - 1;
            Some(k * 64 + b)
        })
    }
    fn below(&self, i: usize) -> Self {
        std::array::from_fn(|k| self[k] & below_word(k, i))
    }
}

/// A set of any size (more than 256 outlets or lines): correct, slower (each operation allocates).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Bits(Vec<u64>);

impl Bits {
    fn zip(&self, other: &Bits, f: impl Fn(u64, u64) -> u64) -> Bits {
        Bits(self.0.iter().zip(&other.0).map(|(a, b)| f(*a, *b)).collect())
    }
}

impl Set for Bits {
    fn empty(len: usize) -> Self {
        Bits(vec![0; len.div_ceil(64)])
    }
    fn insert(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }
    fn remove(&mut self, i: usize) {
        self.0[i / 64] &= !(1 << (i % 64));
    }
    fn contains(&self, i: usize) -> bool {
        self.0[i / 64] & (1 << (i % 64)) != 0
    }
    fn and(&self, other: &Self) -> Self {
        self.zip(other, |a, b| a & b)
    }
    fn or(&self, other: &Self) -> Self {
        self.zip(other, |a, b| a | b)
    }
    fn minus(&self, other: &Self) -> Self {
        self.zip(other, |a, b| a & !b)
    }
    fn count(&self) -> u32 {
        self.0.iter().map(|w| w.count_ones()).sum()
    }
    fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }
    fn is_subset(&self, other: &Self) -> bool {
        self.0.iter().zip(&other.0).all(|(a, b)| a & !b == 0)
    }
    fn intersects(&self, other: &Self) -> bool {
        self.0.iter().zip(&other.0).any(|(a, b)| a & b != 0)
    }
    fn members(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(k, w)| word_bits(*w, k * 64))
    }
    fn below(&self, i: usize) -> Self {
        Bits(self.0.iter().enumerate().map(|(k, w)| w & below_word(k, i)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check<S: Set + std::fmt::Debug>(len: usize) {
        let mut a = S::empty(len);
        let mut b = S::empty(len);
        for i in (0..len).step_by(3) {
            a.insert(i);
        }
        for i in (0..len).step_by(6) {
            b.insert(i);
        }
        assert!(b.is_subset(&a) && !a.is_subset(&b));
        assert_eq!(a.count() as usize, len.div_ceil(3));
        assert_eq!(a.members().collect::<Vec<_>>(), (0..len).step_by(3).collect::<Vec<_>>());
        assert_eq!(a.minus(&b).and(&b), S::empty(len));
        assert!(a.intersects(&b) && a.or(&b) == a);
        assert_eq!(a.below(len / 2).members().collect::<Vec<_>>(), (0..len / 2).step_by(3).collect::<Vec<_>>());
        assert!(a.contains((len - 1) / 3 * 3));
    }

    #[test]
    fn every_set_width_agrees_on_membership_and_operations() {
        check::<[u64; 1]>(64);
        check::<[u64; 1]>(30);
        check::<[u64; 2]>(100);
        check::<[u64; 4]>(256);
        check::<Bits>(300);
    }
}
