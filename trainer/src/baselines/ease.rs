//! EASE (Steck 2019) weights: `P = (XᵀX + λI)⁻¹`, `B = I − P diag(1/diag P)`.
//!
//! Two routes to the same weights, chosen by [`EaseSolver::new`]:
//!
//! - **item side** ([`EaseSolver::Items`]): `faer`'s Cholesky factorisation of
//!   the n × n matrix `G + λI` (blocked and parallel) and the inverse from
//!   it, one per λ of the grid: about `n³` multiply-adds per λ.
//! - **user side** ([`EaseSolver::Users`]), when the train matrix `X` (m users
//!   × n items) has fewer users than items: by the Woodbury identity
//!   `P = (I − Xᵀ(XXᵀ + λI)⁻¹X) / λ`, and with one symmetric
//!   eigendecomposition `XXᵀ = W S Wᵀ` of the m × m user matrix (about `9m³`)
//!   and `Z = WᵀX` (m × n), every λ of the grid follows from it:
//!   `A = Zᵀ (S + λ)⁻¹ Z`, `P = (I − A) / λ`, so `B_ij = A_ij / (1 − A_jj)`
//!   (i ≠ j) — one `n² m` product per λ. `1 − A_jj = λ P_jj ≥ λ / (|U_j| + λ)`
//!   is bounded away from 0, so the subtraction loses little in f64.
//!
//! Deriving every λ from one item-side eigendecomposition instead
//! (`P = Q (Λ + λ)⁻¹ Qᵀ`) would cost a decomposition of several `n³` plus an
//! `n³` product per λ: more than the factorisations for the grids used here.

use faer::linalg::solvers::DenseSolveCore as _;
use faer::{Mat, MatRef, Side};
use rayon::prelude::*;

use super::models::cooccurrence_of;

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
/// n × n, f32, zero diagonal), by the item-side route.
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

/// EASE weights for any λ of a grid, by the cheaper route for the shape of
/// the train matrix (module docs).
pub enum EaseSolver<'a> {
    /// One Cholesky factorisation of the n × n `G + λI` per λ.
    Items { gram: &'a [f64], n: usize },
    /// `Z = WᵀX` (m × n, column-major: column j is item j) and the
    /// eigenvalues `S` of `XXᵀ = W S Wᵀ`, from one decomposition.
    Users {
        z: Vec<f64>,
        s: Vec<f64>,
        users: usize,
        n: usize,
    },
}

impl<'a> EaseSolver<'a> {
    /// The user-side route when the users with a train item are fewer than
    /// the items, else the item-side one. `gram` is `XᵀX` (row-major n × n),
    /// `user_items` each user's train items without repeats.
    pub fn new(gram: &'a [f64], n: usize, user_items: &[Vec<u32>]) -> anyhow::Result<Self> {
        let users = user_items.iter().filter(|s| !s.is_empty()).count();
        if users < n {
            Self::users(user_items, n)
        } else {
            Ok(Self::Items { gram, n })
        }
    }

    /// The user-side route: eigendecomposition of `XXᵀ` and `Z = WᵀX`.
    pub fn users(user_items: &[Vec<u32>], n: usize) -> anyhow::Result<Self> {
        let sets: Vec<&[u32]> = user_items
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| s.as_slice())
            .collect();
        let m = sets.len();
        let mut item_users: Vec<Vec<u32>> = vec![Vec::new(); n];
        for (u, items) in sets.iter().enumerate() {
            for &i in *items {
                anyhow::ensure!((i as usize) < n, "item {i} out of range (n = {n})");
                item_users[i as usize].push(u as u32);
            }
        }
        // K = XXᵀ (m × m): K_uv = |items(u) ∩ items(v)|, the co-occurrence
        // matrix of the transposed sets (each item's users).
        let k = cooccurrence_of(&item_users, m);
        let eig = MatRef::from_column_major_slice(&k, m, m)
            .self_adjoint_eigen(Side::Lower)
            .map_err(|e| anyhow::anyhow!("eigendecomposition of XXᵀ failed: {e:?}"))?;
        drop(k);
        // XXᵀ is positive semi-definite: a rounding-negative eigenvalue is 0.
        let s: Vec<f64> = eig
            .S()
            .column_vector()
            .iter()
            .map(|&x| x.max(0.0))
            .collect();
        let w = eig.U();
        // Row u of W, contiguous: wrow[u * m + k] = W_uk.
        let mut wrow = vec![0.0f64; m * m];
        for kk in 0..m {
            for u in 0..m {
                wrow[u * m + kk] = w[(u, kk)];
            }
        }
        drop(eig);
        // Z = WᵀX: column j = Σ over item j's users u of row u of W.
        let mut z = vec![0.0f64; m * n];
        z.par_chunks_mut(m.max(1))
            .zip(item_users.par_iter())
            .for_each(|(col, us)| {
                for &u in us {
                    let r = &wrow[u as usize * m..(u as usize + 1) * m];
                    for (c, &x) in col.iter_mut().zip(r) {
                        *c += x;
                    }
                }
            });
        Ok(Self::Users { z, s, users: m, n })
    }

    /// Which route: `"items"` or `"users"`.
    pub fn route(&self) -> &'static str {
        match self {
            Self::Items { .. } => "items",
            Self::Users { .. } => "users",
        }
    }

    /// The EASE weights `B` for `lambda` (row-major n × n, f32, zero
    /// diagonal).
    pub fn weights(&self, lambda: f64) -> anyhow::Result<Vec<f32>> {
        anyhow::ensure!(lambda > 0.0, "EASE λ must be > 0, got {lambda}");
        let (z, s, m, n) = match self {
            Self::Items { gram, n } => return ease_matrix(gram, *n, lambda),
            Self::Users { z, s, users, n } => (z, s, *users, *n),
        };
        if m == 0 {
            return Ok(vec![0.0; n * n]);
        }
        let started = std::time::Instant::now();
        // Y = (S + λ)^(-1/2) Z, so A = YᵀY.
        let scale: Vec<f64> = s.iter().map(|&x| 1.0 / (x + lambda).sqrt()).collect();
        let mut y = z.clone();
        y.par_chunks_mut(m.max(1)).for_each(|col| {
            for (c, &f) in col.iter_mut().zip(&scale) {
                *c *= f;
            }
        });
        // 1 − A_jj = λ P_jj, summed directly in f64.
        let one_minus_diag: Vec<f64> = y
            .par_chunks(m.max(1))
            .map(|col| 1.0 - col.iter().map(|x| x * x).sum::<f64>())
            .collect();
        let yr = MatRef::from_column_major_slice(&y, m, n);
        let a: Mat<f64> = yr.transpose() * yr;
        drop(y);
        let product = started.elapsed().as_secs_f64();
        // Row i of B from column i of A (A is symmetric; its columns are
        // contiguous): B_ij = A_ji / (1 − A_jj).
        let mut b = vec![0.0f32; n * n];
        b.par_chunks_mut(n.max(1)).enumerate().for_each(|(i, row)| {
            let col = a.col_as_slice(i);
            for (j, (x, &aji)) in row.iter_mut().zip(col).enumerate() {
                if j != i {
                    *x = (aji / one_minus_diag[j]) as f32;
                }
            }
        });
        tracing::debug!(
            lambda,
            product,
            seconds = started.elapsed().as_secs_f64(),
            "EASE weights (users route)"
        );
        Ok(b)
    }
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

    /// A seeded binary train matrix: `m` users' item sets over `n` items.
    fn random_sets(m: usize, n: usize, seed: u64) -> Vec<Vec<u32>> {
        let mut x = seed;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        (0..m)
            .map(|_| {
                let mut v: Vec<u32> = (0..n as u32).filter(|_| next() % 3 == 0).collect();
                if v.is_empty() {
                    v.push((next() % n as u64) as u32);
                }
                v
            })
            .collect()
    }

    #[test]
    fn user_side_route_by_hand() {
        // One user with items {0, 1} of 2: X = [1 1], XXᵀ = [2], so
        // A = XᵀX / (2 + λ) and, with λ = 1, A = [[1, 1], [1, 1]] / 3:
        // B_01 = A_10 / (1 − A_11) = (1/3) / (2/3) = 1/2 — the item side's
        // G + I = [[2, 1], [1, 2]], P = [[2, −1], [−1, 2]] / 3, −P_01/P_11 = 1/2.
        let sets = vec![vec![0, 1]];
        let solver = EaseSolver::users(&sets, 2).unwrap();
        assert_eq!(solver.route(), "users");
        let b = solver.weights(1.0).unwrap();
        assert_eq!(b[0], 0.0);
        assert_eq!(b[3], 0.0);
        assert!((b[1] - 0.5).abs() < 1e-7, "{b:?}");
        assert!((b[2] - 0.5).abs() < 1e-7, "{b:?}");
    }

    #[test]
    fn both_routes_give_the_same_weights() {
        // Fewer users than items (the user side's case), more users than
        // items, an item nobody has, and a user with no item.
        for (m, n, seed) in [(5, 12, 1), (9, 6, 2), (4, 30, 3)] {
            let mut sets = random_sets(m, n, seed);
            sets.retain(|s| !s.contains(&(n as u32 - 1)));
            sets.push(Vec::new());
            let g = cooccurrence_of(&sets, n);
            for lambda in [0.5, 3.0, 100.0] {
                let items = EaseSolver::Items { gram: &g, n }.weights(lambda).unwrap();
                let users = EaseSolver::users(&sets, n)
                    .unwrap()
                    .weights(lambda)
                    .unwrap();
                for (k, (a, b)) in items.iter().zip(&users).enumerate() {
                    assert!(
                        (a - b).abs() < 1e-6 * (1.0 + a.abs()),
                        "m={m} n={n} λ={lambda} entry {k}: items {a}, users {b}"
                    );
                }
                // The missing item's column and row are 0.
                assert!(
                    (0..n).all(|i| users[i * n + n - 1] == 0.0 && users[(n - 1) * n + i] == 0.0)
                );
            }
        }
    }

    #[test]
    fn the_route_follows_the_shape() {
        let sets = random_sets(3, 8, 4);
        let g = cooccurrence_of(&sets, 8);
        assert_eq!(EaseSolver::new(&g, 8, &sets).unwrap().route(), "users");
        let sets = random_sets(8, 3, 5);
        let g = cooccurrence_of(&sets, 3);
        assert_eq!(EaseSolver::new(&g, 3, &sets).unwrap().route(), "items");
        assert!(EaseSolver::new(&g, 3, &sets).unwrap().weights(0.0).is_err());
    }
}
