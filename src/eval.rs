//! Landmark accuracy against hand-placed points (the London set's `.tem` files): pupils are
//! points 0 and 1, the chin point 129, the top of the skull point 151. Errors are reported as a
//! percentage of the true inter-pupil distance, each pupil counted on its own.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::capture::load_photo;
use crate::detect::{self, DetectOptions, Effort};
use crate::geometry::{Point, median, percentile};
use crate::pixels::Pyramid;

/// Read points from a `.tem` file: first line the count, then `x y` per line.
pub fn read_tem(path: &Path) -> std::io::Result<Vec<Point>> {
    let text = std::fs::read_to_string(path)?;
    let mut lines = text.lines();
    let n: usize = lines.next().and_then(|l| l.trim().parse().ok()).unwrap_or(0);
    let pts: Vec<Point> = lines
        .take(n)
        .filter_map(|l| {
            let mut it = l.split_whitespace().map(|v| v.parse::<f64>());
            Some(Point::new(it.next()?.ok()?, it.next()?.ok()?))
        })
        .collect();
    if pts.len() != n || n < 152 {
        return Err(std::io::Error::other(format!(
            "{}: expected {n} ≥ 152 points, read {}",
            path.display(),
            pts.len()
        )));
    }
    Ok(pts)
}

#[derive(Debug, Clone, Serialize)]
pub struct PhotoResult {
    pub file: String,
    /// None when no face was found.
    pub pupil_err_pct: Option<[f64; 2]>,
    pub chin_err_pct: Option<f64>,
    /// Signed distances along the face's up axis, in IPD (for calibration).
    pub chin_along_ipd: Option<f64>,
    pub skull_along_ipd: Option<f64>,
    pub head_top_above_skull_ipd: Option<f64>,
    pub pitch_deg: Option<f64>,
    pub yaw_deg: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub photos: usize,
    pub misses: usize,
    pub pupil_median_pct: f64,
    pub pupil_p95_pct: f64,
    pub chin_median_pct: f64,
    pub chin_p95_pct: f64,
    pub skull_median_pct: f64,
    pub results: Vec<PhotoResult>,
}

/// A face whose pupil lands further than this from the truth counts as missed (wrong face).
const MISS_PCT: f64 = 25.0;

pub fn evaluate(dir: &Path) -> anyhow::Result<Summary> {
    let mut photos: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jpg") && p.with_extension("tem").exists())
        .collect();
    photos.sort();
    anyhow::ensure!(!photos.is_empty(), "no .jpg with a matching .tem in {}", dir.display());
    let opts = DetectOptions { min_score: 0.5, far_min_score: 0.6, second_face_min_size: 0.25, effort: Effort::Still };
    let mut results = Vec::new();
    for p in &photos {
        let truth = read_tem(&p.with_extension("tem"))?;
        let portrait = load_photo(p)?;
        let pyr = Pyramid::new(portrait.image, 32);
        let a = detect::analyse(&pyr, &opts)?;
        results.push(compare(p, &truth, a.main.as_ref()));
    }
    Ok(summarise(results))
}

fn compare(p: &Path, truth: &[Point], face: Option<&detect::Face>) -> PhotoResult {
    let file = p.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let (tl, tr, tchin, tskull) = (truth[0], truth[1], truth[129], truth[151]);
    let ipd = tl.dist(tr);
    let Some(f) = face else {
        return PhotoResult {
            file,
            pupil_err_pct: None,
            chin_err_pct: None,
            chin_along_ipd: None,
            skull_along_ipd: None,
            head_top_above_skull_ipd: None,
            pitch_deg: None,
            yaw_deg: None,
        };
    };
    let lm = &f.landmarks;
    let up = lm.up();
    let pct = |a: Point, b: Point| 100.0 * a.dist(b) / ipd;
    let mut m = crate::measure::Measurements::default();
    crate::measure::pose_and_expression(f, &mut m);
    PhotoResult {
        file,
        pupil_err_pct: Some([pct(lm.left_pupil, tl), pct(lm.right_pupil, tr)]),
        chin_err_pct: Some(pct(lm.chin, tchin)),
        chin_along_ipd: Some(tchin.minus(lm.chin).dot(up) / ipd),
        skull_along_ipd: Some(tskull.minus(lm.skull_top).dot(up) / ipd),
        head_top_above_skull_ipd: lm.head_top.point().map(|h| h.minus(tskull).dot(up) / ipd),
        pitch_deg: m.pitch,
        yaw_deg: m.yaw,
    }
}

fn summarise(results: Vec<PhotoResult>) -> Summary {
    let mut pupils = Vec::new();
    let mut chins = Vec::new();
    let mut skulls = Vec::new();
    let mut misses = 0;
    for r in &results {
        match r.pupil_err_pct {
            Some(e) if e[0].max(e[1]) <= MISS_PCT => {
                pupils.extend(e);
                chins.extend(r.chin_err_pct);
                skulls.extend(r.skull_along_ipd.map(|v| v.abs() * 100.0));
            }
            _ => misses += 1,
        }
    }
    Summary {
        photos: results.len(),
        misses,
        pupil_median_pct: median(&pupils).unwrap_or(f64::NAN),
        pupil_p95_pct: percentile(&pupils, 95.0).unwrap_or(f64::NAN),
        chin_median_pct: median(&chins).unwrap_or(f64::NAN),
        chin_p95_pct: percentile(&chins, 95.0).unwrap_or(f64::NAN),
        skull_median_pct: median(&skulls).unwrap_or(f64::NAN),
        results,
    }
}

/// Calibration constants suggested by a run: the median signed residuals.
pub fn suggested_calibration(s: &Summary) -> Vec<(&'static str, f64)> {
    let col = |f: fn(&PhotoResult) -> Option<f64>| {
        median(&s.results.iter().filter_map(f).collect::<Vec<_>>()).unwrap_or(f64::NAN)
    };
    vec![
        // The true chin is this far *below* ours (positive = move down): add to CHIN_OFFSET_IPD.
        ("chin: move down by (IPD)", -col(|r| r.chin_along_ipd)),
        ("skull: move up by (IPD)", col(|r| r.skull_along_ipd)),
        ("pitch offset (deg)", col(|r| r.pitch_deg)),
        ("yaw median (deg)", col(|r| r.yaw_deg)),
        ("hair top above skull (IPD)", col(|r| r.head_top_above_skull_ipd)),
    ]
}

/// Matte agreement on photos with a plain studio backdrop (the London set), over the head area
/// of the output frame (top to chin): the reference person mask is every pixel the backdrop
/// does not reach, where backdrop means within `REF_DELTA_E` of the row's backdrop colour
/// (sampled at both sides of the row) and connected to the frame's border.
#[derive(Debug, Clone, Serialize)]
pub struct MatteSummary {
    pub photos: usize,
    pub mean_iou: f64,
    pub worst: (String, f64),
    /// Photos where the matte misses reference person pixels in the top 10 % of the head
    /// (hair cut off at the top), with the share missed.
    pub hair_cut: Vec<(String, f64)>,
    pub results: Vec<(String, f64)>,
}

const REF_DELTA_E: f32 = 10.0;

pub fn matte_agreement(dir: &Path, spec: &crate::spec::Spec) -> anyhow::Result<MatteSummary> {
    use crate::compose::{background, render, solve};
    use crate::pixels::{delta_e, lab};
    use rayon::prelude::*;
    let mut photos: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jpg"))
        .collect();
    photos.sort();
    let opts = crate::session::detect_options(spec, Effort::Still);
    let results: Vec<anyhow::Result<Option<(String, f64, f64)>>> = photos
        .par_iter()
        .map(|p| {
            let pyr = Pyramid::new(load_photo(p)?.image, 32);
            let a = detect::analyse(&pyr, &opts)?;
            let Some(face) = &a.main else { return Ok(None) };
            let Ok(crop) = solve(&face.landmarks, spec, pyr.width(), pyr.height()) else { return Ok(None) };
            let out = render(&pyr, &crop, spec);
            let matte = background::matte(&pyr, &crop.transform.inverse(), &out)?;
            let (w, h) = (out.width() as usize, out.height() as usize);
            // The head area: down to the chin, where hair and skin differ clearly from the
            // backdrop (below it, white shirts are close to the light grey).
            let chin = crop.transform.apply(face.landmarks.chin).y.clamp(0.0, h as f64) as usize;
            let labs: Vec<[f32; 3]> = out.pixels().map(|p| lab(p.0)).collect();
            // Backdrop per row: median colour of the 16 px at each side, blended across the row
            // (the studio light falls off across the backdrop).
            let side = |y: usize, xs: std::ops::Range<usize>| {
                let mut v: Vec<[f32; 3]> = xs.map(|x| labs[y * w + x]).collect();
                v.sort_by(|a, b| a[0].total_cmp(&b[0]));
                v[v.len() / 2]
            };
            let mut person = vec![false; w * chin];
            for y in 0..chin {
                let (l, r) = (side(y, 0..16), side(y, w - 16..w));
                for x in 0..w {
                    let t = x as f32 / (w - 1) as f32;
                    let bd = [0, 1, 2].map(|c| l[c] * (1.0 - t) + r[c] * t);
                    person[y * w + x] = delta_e(labs[y * w + x], bd) > REF_DELTA_E;
                }
            }
            // Holes (eyes, highlights on skin) are person: background is what the border reaches.
            let mut reached = vec![false; w * chin];
            let mut stack: Vec<usize> = (0..w).chain((0..chin).flat_map(|y| [y * w, y * w + w - 1])).collect();
            while let Some(k) = stack.pop() {
                if k >= w * chin || reached[k] || person[k] {
                    continue;
                }
                reached[k] = true;
                let (x, y) = (k % w, k / w);
                if x > 0 {
                    stack.push(k - 1)
                }
                if x + 1 < w {
                    stack.push(k + 1)
                }
                if y > 0 {
                    stack.push(k - w)
                }
                stack.push(k + w);
            }
            let (mut inter, mut union) = (0usize, 0usize);
            let (mut top_ref, mut top_missed) = (0usize, 0usize);
            let first_row = (0..chin).find(|&y| (0..w).any(|x| !reached[y * w + x]));
            for y in 0..chin {
                for x in 0..w {
                    let r = !reached[y * w + x];
                    let m = matte.get(x, y) > 0.5;
                    inter += usize::from(r && m);
                    union += usize::from(r || m);
                    // The top of the head: the first rows the reference says are person.
                    if r && first_row.is_some_and(|f| y < f + h / 20) {
                        top_ref += 1;
                        top_missed += usize::from(!m);
                    }
                }
            }
            let name = p.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
            let iou = inter as f64 / union.max(1) as f64;
            Ok(Some((name, iou, top_missed as f64 / top_ref.max(1) as f64)))
        })
        .collect();
    let mut rows = Vec::new();
    for r in results {
        if let Some(x) = r? {
            rows.push(x);
        }
    }
    anyhow::ensure!(!rows.is_empty(), "no photo in {} could be framed", dir.display());
    let mean_iou = rows.iter().map(|r| r.1).sum::<f64>() / rows.len() as f64;
    let worst = rows.iter().min_by(|a, b| a.1.total_cmp(&b.1)).map(|r| (r.0.clone(), r.1)).unwrap_or_default();
    let hair_cut = rows.iter().filter(|r| r.2 > 0.2).map(|r| (r.0.clone(), r.2)).collect();
    Ok(MatteSummary {
        photos: rows.len(),
        mean_iou,
        worst,
        hair_cut,
        results: rows.into_iter().map(|r| (r.0, r.1)).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tem_files_parse_and_short_ones_are_refused() {
        let dir = std::env::temp_dir().join(format!("idbooth-tem-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut text = String::from("189\n");
        for i in 0..189 {
            text.push_str(&format!("{}\t{}\n", i, i * 2));
        }
        text.push_str("55\n0 1 2\n");
        std::fs::write(dir.join("a.tem"), &text).unwrap();
        let pts = read_tem(&dir.join("a.tem")).unwrap();
        assert_eq!(pts.len(), 189);
        assert_eq!(pts[129], Point::new(129.0, 258.0));
        std::fs::write(dir.join("b.tem"), "189\n1 2\n").unwrap();
        assert!(read_tem(&dir.join("b.tem")).is_err());
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn summary_counts_each_pupil_and_misses() {
        let r = |e: Option<[f64; 2]>, c: Option<f64>| PhotoResult {
            file: String::new(),
            pupil_err_pct: e,
            chin_err_pct: c,
            chin_along_ipd: None,
            skull_along_ipd: None,
            head_top_above_skull_ipd: None,
            pitch_deg: None,
            yaw_deg: None,
        };
        let s = summarise(vec![r(Some([1.0, 3.0]), Some(2.0)), r(None, None), r(Some([2.0, 80.0]), Some(1.0))]);
        assert_eq!((s.photos, s.misses), (3, 2));
        assert_eq!(s.pupil_median_pct, 2.0);
        assert_eq!(s.chin_median_pct, 2.0);
    }
}
