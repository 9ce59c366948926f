//! Vector arithmetic shared by the layers.

/// Inner product, summed in index order from `-0.0`.
///
/// The one definition every layer uses (the trainer's evaluation, the
/// embedded index, the API's re-ranking), so a score computed anywhere is
/// bit-identical to the same pair's score elsewhere; the embedded index's
/// interleaved search kernel sums each row in the same order and agrees with
/// it to the bit as well.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).fold(-0.0, |s, (x, y)| s + x * y)
}

#[cfg(test)]
mod tests {
    use super::dot;

    #[test]
    fn dot_by_hand() {
        assert_eq!(dot(&[1.0, 2.0, 3.0], &[4.0, -5.0, 6.0]), 12.0);
        assert_eq!(dot(&[], &[]), 0.0);
        // index order: (1e8 + 1) - 1e8 is 0 in f32, 1e8 - 1e8 + 1 is 1
        assert_eq!(dot(&[1e8, 1.0, -1e8], &[1.0, 1.0, 1.0]), 0.0);
        assert_eq!(dot(&[1e8, -1e8, 1.0], &[1.0, 1.0, 1.0]), 1.0);
    }
}
