//! EASE (Steck 2019) weights: `P = (XᵀX + λI)⁻¹`, `B = I − P diag(1/diag P)`.
//!
//! The inverse comes from `faer`'s Cholesky factorisation (blocked and
//! parallel), one per λ of the grid. One factorisation costs about `n³/3`
//! multiply-adds and the inverse from it about `n³`; deriving every λ from one
//! symmetric eigendecomposition instead (`P = Q (Λ + λ)⁻¹ Qᵀ`) would cost a
//! decomposition of several `n³` plus an `n³` product per λ, more than the
//! factorisations for the grids used here (7 λ).

use faer::linalg::solvers::DenseSolveCore as _;
use faer::{Mat, Side};
use rayon::prelude::*;

/// `P = (G + λI)⁻¹` of the row-major n × n symmetric matrix `gram`, as a
/// column-major faer matrix. Fails if `G + λI` is not positive definite.
pub fn regularised_inverse(gram: &[f64], n: usize, lambda: f64) -> anyhow::Result<Mat<f64>> {
    anyhow::ensure!(gram.len() == n * n, "matrix must be n × n");
    // Only the lower triangle is read by the factorisation; G is symmetric.
    let a = Mat::from_fn(n, n, |i, j| {
        gram[i * n + j] + if i == j { lambda } else { 0.0 }
    });
    let llt = a
        .llt(Side::Lower)
        .map_err(|e| anyhow::anyhow!("matrix is not positive definite: {e:?}"))?;
    Ok(llt.inverse())
}

/// EASE weights `B` for one λ from a co-occurrence matrix (row-major
/// n × n, f32, zero diagonal).
pub fn ease_matrix(gram: &[f64], n: usize, lambda: f64) -> anyhow::Result<Vec<f32>> {
    anyhow::ensure!(lambda > 0.0, "EASE λ must be > 0, got {lambda}");
    let p = regularised_inverse(gram, n, lambda)?;
    // P is symmetric: read its lower triangle only, so both halves of B come
    // from the same entries.
    let sym = |i: usize, j: usize| if i >= j { p[(i, j)] } else { p[(j, i)] };
    let diag: Vec<f64> = (0..n).map(|j| p[(j, j)]).collect();
    let mut b = vec![0.0f32; n * n];
    b.par_chunks_mut(n.max(1)).enumerate().for_each(|(i, row)| {
        for (j, x) in row.iter_mut().enumerate() {
            if j != i {
                *x = (-sym(i, j) / diag[j]) as f32;
            }
        }
    });
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_of_a_hand_computed_matrix() {
        // G = [[2, 1], [1, 2]], λ = 1: G + I = [[3, 1], [1, 3]],
        // its inverse is [[3, -1], [-1, 3]] / 8.
        let p = regularised_inverse(&[2.0, 1.0, 1.0, 2.0], 2, 1.0).unwrap();
        let want = [[3.0 / 8.0, -1.0 / 8.0], [-1.0 / 8.0, 3.0 / 8.0]];
        for (i, row) in want.iter().enumerate() {
            for (j, w) in row.iter().enumerate() {
                assert!((p[(i, j)] - w).abs() < 1e-12, "({i},{j}) = {}", p[(i, j)]);
            }
        }
        // B_01 = -P_01 / P_11 = 1/3.
        let b = ease_matrix(&[2.0, 1.0, 1.0, 2.0], 2, 1.0).unwrap();
        assert_eq!(b[0], 0.0);
        assert!((b[1] - 1.0 / 3.0).abs() < 1e-7);
        assert!((b[2] - 1.0 / 3.0).abs() < 1e-7);
    }

    #[test]
    fn not_positive_definite_is_an_error() {
        let err = regularised_inverse(&[1.0, 2.0, 2.0, 1.0], 2, 0.0).unwrap_err();
        assert!(err.to_string().contains("positive definite"), "{err}");
        assert!(ease_matrix(&[1.0, 0.0, 0.0, 1.0], 2, 0.0).is_err());
    }
}
