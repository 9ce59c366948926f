//! Principal components for the embedding map.

/// The top two principal components of row vectors (`n × dim`, row-major)
/// by power iteration with deflation on the `dim × dim` covariance; returns
/// each row's 2-D projection. Deterministic.
pub fn pca_2d(vectors: &[f32], dim: usize) -> Vec<[f64; 2]> {
    if dim == 0 {
        return Vec::new();
    }
    let n = vectors.len() / dim;
    if n == 0 {
        return Vec::new();
    }
    let mut mean = vec![0.0f64; dim];
    for row in vectors.chunks_exact(dim) {
        for (m, &x) in mean.iter_mut().zip(row) {
            *m += x as f64;
        }
    }
    for m in &mut mean {
        *m /= n as f64;
    }
    let mut cov = vec![0.0f64; dim * dim];
    let mut c = vec![0.0f64; dim];
    for row in vectors.chunks_exact(dim) {
        for (k, (&x, m)) in row.iter().zip(&mean).enumerate() {
            c[k] = x as f64 - m;
        }
        for a in 0..dim {
            let ca = c[a];
            if ca == 0.0 {
                continue;
            }
            for b in 0..dim {
                cov[a * dim + b] += ca * c[b];
            }
        }
    }
    let mut components: Vec<Vec<f64>> = Vec::new();
    for comp in 0..2 {
        // deterministic, non-degenerate start
        let mut v: Vec<f64> = (0..dim)
            .map(|k| 1.0 + ((k * 7 + comp * 13) % 11) as f64 / 11.0)
            .collect();
        let mut w = vec![0.0f64; dim];
        for _ in 0..500 {
            for a in 0..dim {
                w[a] = (0..dim).map(|b| cov[a * dim + b] * v[b]).sum();
            }
            // deflate: remove earlier components
            for prev in &components {
                let d: f64 = w.iter().zip(prev).map(|(x, y)| x * y).sum();
                for (x, y) in w.iter_mut().zip(prev) {
                    *x -= d * y;
                }
            }
            let norm = w.iter().map(|x| x * x).sum::<f64>().sqrt();
            if norm < 1e-300 {
                break;
            }
            let mut delta = 0.0;
            for (x, y) in v.iter_mut().zip(&w) {
                let nv = y / norm;
                delta += (nv - *x).abs();
                *x = nv;
            }
            if delta < 1e-12 {
                break;
            }
        }
        // sign convention: largest-magnitude coordinate positive
        let (_, &big) = v
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
            .expect("dim > 0");
        if big < 0.0 {
            v.iter_mut().for_each(|x| *x = -*x);
        }
        components.push(v);
    }
    vectors
        .chunks_exact(dim)
        .map(|row| {
            let mut p = [0.0f64; 2];
            for (k, comp) in components.iter().enumerate() {
                p[k] = row
                    .iter()
                    .zip(&mean)
                    .zip(comp)
                    .map(|((&x, m), c)| (x as f64 - m) * c)
                    .sum();
            }
            p
        })
        .collect()
}
