//! Calibration helper: per-photo chin residuals along and across the face axis, in IPD,
//! against the London `.tem` point 129, for several candidate mesh points.
//! `cargo run --release --example chin_residuals -- DIR`

use idbooth::capture::load_photo;
use idbooth::detect::{self, DetectOptions, Effort};
use idbooth::eval::read_tem;
use idbooth::geometry::median;
use idbooth::pixels::Pyramid;

fn main() -> anyhow::Result<()> {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).unwrap());
    let mut files: Vec<_> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jpg"))
        .collect();
    files.sort();
    let cands = [152usize, 148, 377, 175, 199, 200];
    let mut along: Vec<Vec<f64>> = vec![Vec::new(); cands.len()];
    let mut across: Vec<Vec<f64>> = vec![Vec::new(); cands.len()];
    let mut rows = Vec::new();
    for f in &files {
        let t = read_tem(&f.with_extension("tem"))?;
        let p = load_photo(f)?;
        let a = detect::analyse(
            &Pyramid::new(p.image, 32),
            &DetectOptions { min_score: 0.5, second_face_min_size: 0.25, effort: Effort::Live },
        )?;
        let Some(face) = a.main else { continue };
        let lm = &face.landmarks;
        let ipd = t[0].dist(t[1]);
        let (up, ac) = (lm.up(), lm.across());
        for (k, &c) in cands.iter().enumerate() {
            let d = t[129].minus(face.mesh.p(c));
            along[k].push(-d.dot(up) / ipd);
            across[k].push(d.dot(ac) / ipd);
        }
        // Truth chin relative to eye mid, along the axis, in true IPD; and ours (152).
        let mid = lm.eye_mid();
        rows.push((t[129].minus(mid).dot(up.scale(-1.0)) / ipd, face.mesh.p(152).minus(mid).dot(up.scale(-1.0)) / ipd));
    }
    for (k, c) in cands.iter().enumerate() {
        let a = &along[k];
        let abs: Vec<f64> = a.iter().zip(&across[k]).map(|(x, y)| x.hypot(*y)).collect();
        println!(
            "point {c}: along(down) median {:.4}  across median {:.4}  |err| median {:.4}",
            median(a).unwrap(),
            median(&across[k]).unwrap(),
            median(&abs).unwrap()
        );
    }
    // Linear fit truth = a*ours + b
    let n = rows.len() as f64;
    let (mx, my) = (rows.iter().map(|r| r.1).sum::<f64>() / n, rows.iter().map(|r| r.0).sum::<f64>() / n);
    let sxy: f64 = rows.iter().map(|r| (r.1 - mx) * (r.0 - my)).sum();
    let sxx: f64 = rows.iter().map(|r| (r.1 - mx).powi(2)).sum();
    let a = sxy / sxx;
    println!("fit: truth_down = {a:.4} * mesh152_down + {:.4}  (mean mesh {mx:.3}, truth {my:.3})", my - a * mx);
    Ok(())
}
