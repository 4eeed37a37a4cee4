//! Landmark accuracy against hand-placed points (`.tem` files: pupils are points 0 and 1, the
//! chin point 129, the top of the skull point 151), per source. Errors are percentages of the
//! true inter-pupil distance (IPD), each pupil counted on its own.
//!
//! Every fitted constant is also judged on photos it was not fitted on: refitted without the
//! photo's own fold (5-fold over all photos) and without the photo's whole source (fitted on
//! the other sources only). The shipped constants are fitted on all photos, so the errors with
//! them are in-sample and reported as such.

use rayon::prelude::*;
use serde::Serialize;

use super::{Source, Spread, Stats, read_tem, sources};
use crate::capture::load_photo;
use crate::detect::head_top::{FaceGrid, volume_top};
use crate::detect::{self, DetectOptions, Effort, Landmarks, chin, pose};
use crate::geometry::{Point, line_angle_deg, median};
use crate::pixels::{Pyramid, bilinear, delta_e, lab};

/// A face whose pupil lands further than this from the truth counts as missed (wrong face).
const MISS_PCT: f64 = 25.0;
/// Folds of the pooled cross-validation.
const FOLDS: usize = 5;
/// Colour distance (CIE76) from the backdrop above which a pixel is the person (reference).
const REF_DELTA_E: f32 = 10.0;

/// Where our chin is against the hand-placed one.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ChinResidual {
    /// Truth minus ours along the face's down axis, in our IPD (positive: the truth is lower).
    pub along_ipd: f64,
    /// Truth minus ours across the face, % of the true IPD.
    pub across_pct: f64,
    /// Our IPD over the true IPD.
    pub scale: f64,
}

impl ChinResidual {
    /// Error, % of the true IPD, with our chin moved `shift` IPD further down.
    pub fn err_pct(&self, shift: f64) -> f64 {
        ((self.along_ipd - shift) * self.scale * 100.0).hypot(self.across_pct)
    }
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Pose {
    pub yaw: f64,
    pub pitch: f64,
    pub roll: f64,
}

/// Our hair top against the skull point and against a colour-distance reference.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct HeadTopCheck {
    /// Above the hand-placed skull top, IPD.
    pub above_skull_ipd: f64,
    /// Ours minus the reference's hair volume top along the face axis, % IPD (positive: ours
    /// higher). The reference applies the same hair rule to a backdrop colour-distance mask.
    pub vs_reference_pct: Option<f64>,
    /// Ours minus the reference's topmost person pixel, strands included, % IPD.
    pub vs_reference_strands_pct: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PhotoResult {
    pub source: String,
    pub file: String,
    /// None when no face was found.
    pub pupil_err_pct: Option<[f64; 2]>,
    pub chin: Option<ChinResidual>,
    /// Truth minus our skull top along the face's up axis, IPD.
    pub skull_along_ipd: Option<f64>,
    pub head_top: Option<HeadTopCheck>,
    pub pose: Option<Pose>,
}

impl PhotoResult {
    fn hit(&self) -> bool {
        self.pupil_err_pct.is_some_and(|e| e[0].max(e[1]) <= MISS_PCT)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SourceSummary {
    pub name: String,
    pub photos: usize,
    pub misses: usize,
    pub pupils: Stats,
    /// With the shipped constants (fitted on every source, this one included).
    pub chin: Stats,
    /// Each photo with the chin offset refitted without its fold (5 folds over all photos).
    pub chin_kfold: Stats,
    /// With the chin offset fitted on the other sources only (None with a single source).
    pub chin_other_sources: Option<Stats>,
    /// Median of truth minus ours along the face axis, % IPD (positive: ours too high).
    pub chin_bias_pct: f64,
    pub skull_median_pct: f64,
    pub yaw: Spread,
    pub pitch: Spread,
    /// Pitch with its offset fitted on the other sources only.
    pub pitch_other_sources: Option<Spread>,
    pub roll: Spread,
    /// |ours − reference hair volume top|, % IPD.
    pub head_top_vs_reference: Stats,
    /// Signed ours − reference, % IPD (p5/p50/p95).
    pub head_top_signed: Spread,
    /// Signed ours − topmost reference pixel with strands, % IPD.
    pub head_top_vs_strands: Spread,
}

/// A constant as shipped and as this run would fit it.
#[derive(Debug, Clone, Serialize)]
pub struct Fit {
    pub constant: &'static str,
    pub shipped: f64,
    pub fitted: f64,
    pub how: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    pub sources: Vec<SourceSummary>,
    pub fits: Vec<Fit>,
    pub results: Vec<PhotoResult>,
}

/// Evaluate every annotated photo under `dir` (one source, or a folder of sources).
pub fn evaluate(dir: &std::path::Path) -> anyhow::Result<Evaluation> {
    let srcs = sources(dir)?;
    anyhow::ensure!(!srcs.is_empty(), "no .jpg with a matching .tem in {} or its sub-folders", dir.display());
    let opts = DetectOptions { min_score: 0.5, far_min_score: 0.6, second_face_min_size: 0.25, effort: Effort::Still };
    let jobs: Vec<(&Source, &std::path::PathBuf)> =
        srcs.iter().flat_map(|s| s.photos.iter().map(move |p| (s, p))).collect();
    let results = jobs
        .par_iter()
        .map(|(s, p)| -> anyhow::Result<PhotoResult> {
            let truth = read_tem(&p.with_extension("tem"))?;
            let pyr = Pyramid::new(load_photo(p)?.image, 32);
            let a = detect::analyse(&pyr, &opts)?;
            let file = p.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
            Ok(compare(&s.name, file, &truth, a.main.as_ref(), &pyr))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(summarise(&srcs.iter().map(|s| s.name.clone()).collect::<Vec<_>>(), results))
}

fn compare(source: &str, file: String, truth: &[Point], face: Option<&detect::Face>, pyr: &Pyramid) -> PhotoResult {
    let (tl, tr, tchin, tskull) = (truth[0], truth[1], truth[129], truth[151]);
    let ipd_t = tl.dist(tr);
    let mut r = PhotoResult {
        source: source.to_string(),
        file,
        pupil_err_pct: None,
        chin: None,
        skull_along_ipd: None,
        head_top: None,
        pose: None,
    };
    let Some(f) = face else { return r };
    let lm = &f.landmarks;
    let (up, across, ipd) = (lm.up(), lm.across(), lm.inter_pupil());
    let pct = |a: Point, b: Point| 100.0 * a.dist(b) / ipd_t;
    r.pupil_err_pct = Some([pct(lm.left_pupil, tl), pct(lm.right_pupil, tr)]);
    let d = tchin.minus(lm.chin);
    r.chin = Some(ChinResidual {
        along_ipd: -d.dot(up) / ipd,
        across_pct: 100.0 * d.dot(across) / ipd_t,
        scale: ipd / ipd_t,
    });
    r.skull_along_ipd = Some(tskull.minus(lm.skull_top).dot(up) / ipd);
    r.head_top = lm.head_top.point().map(|h| {
        let refs = reference_head_top(pyr, lm);
        let t = h.minus(lm.eye_mid()).dot(up) / ipd;
        HeadTopCheck {
            above_skull_ipd: h.minus(tskull).dot(up) / ipd,
            vs_reference_pct: refs.map(|r| 100.0 * (t - r.0)),
            vs_reference_strands_pct: refs.map(|r| 100.0 * (t - r.1)),
        }
    });
    r.pose = pose::head_pose(&f.mesh).map(|p| Pose {
        yaw: p.yaw,
        pitch: p.pitch,
        roll: line_angle_deg(lm.left_pupil, lm.right_pupil),
    });
    r
}

/// The hair top a reviewer would mark on a plain backdrop, as heights above the eyes (IPD):
/// (hair volume by the booth's hair rule, topmost person pixel). Person pixels differ from
/// their row's backdrop colour (sampled at both photo sides) by more than `REF_DELTA_E`; holes
/// the backdrop cannot reach (eyes, highlights) are person too. None when the reference's
/// head is not inside the photo.
fn reference_head_top(pyr: &Pyramid, lm: &Landmarks) -> Option<(f64, f64)> {
    let img = pyr.base();
    let (w, h) = (img.width() as usize, img.height() as usize);
    let side = (w / 80).max(4);
    let backdrop: Vec<[[f32; 3]; 2]> = (0..h)
        .map(|y| {
            let med = |xs: std::ops::Range<usize>| {
                let mut v: Vec<[f32; 3]> = xs.map(|x| lab(img.get_pixel(x as u32, y as u32).0)).collect();
                v.sort_by(|a, b| a[0].total_cmp(&b[0]));
                v[v.len() / 2]
            };
            [med(0..side), med(w - side..w)]
        })
        .collect();
    let grid = FaceGrid::over_head(lm, 0.01);
    let person = grid.fill(|p| {
        if p.x < 0.0 || p.y < 0.0 || p.x >= w as f64 || p.y >= h as f64 {
            return false;
        }
        let [l, r] = backdrop[p.y as usize];
        let t = (p.x / (w - 1) as f64) as f32;
        let bd = [0, 1, 2].map(|c| l[c] * (1.0 - t) + r[c] * t);
        let c = bilinear(img, p.x - 0.5, p.y - 0.5);
        delta_e(lab([c[0] as u8, c[1] as u8, c[2] as u8]), bd) > REF_DELTA_E
    });
    // Background is what the grid's top and sides reach through non-person cells.
    let (gw, gh) = (grid.w, grid.h);
    let free: Vec<bool> = person.iter().map(|p| !p).collect();
    let edges = (0..gw).chain((0..gh).flat_map(|y| [y * gw, y * gw + gw - 1]));
    let open = crate::detect::head_top::flood(&free, gw, gh, edges);
    let filled: Vec<bool> = open.iter().map(|o| !o).collect();
    let (_, vy) = volume_top(&grid, &filled)?;
    let near_axis = (0..gw).filter(|&x| grid.u(x).abs() <= 0.6);
    let sy = near_axis.filter_map(|x| (0..gh).find(|&y| filled[y * gw + x])).min()?;
    // A top in the grid's first row is the photo's edge or the grid's, not the hair's.
    (sy > 0).then(|| (grid.t(vy as f64 - 0.5), grid.t(sy as f64 - 0.5)))
}

/// Per source: errors with the shipped constants and with constants fitted without the photo.
fn summarise(names: &[String], results: Vec<PhotoResult>) -> Evaluation {
    let hits: Vec<&PhotoResult> = results.iter().filter(|r| r.hit()).collect();
    let along: Vec<f64> = hits.iter().map(|r| r.chin.map_or(f64::NAN, |c| c.along_ipd)).collect();
    let pitch: Vec<f64> = hits.iter().map(|r| r.pose.map_or(f64::NAN, |p| p.pitch)).collect();
    let fold = |i: usize| i % FOLDS;
    // Median of `v` over the photos `keep` selects (the fit on a training set).
    let fit_on = |v: &[f64], keep: &dyn Fn(usize) -> bool| {
        median(&v.iter().enumerate().filter(|(i, _)| keep(*i)).map(|(_, x)| *x).collect::<Vec<_>>())
    };
    let kfold_shift: Vec<f64> = (0..FOLDS).map(|k| fit_on(&along, &|i| fold(i) != k).unwrap_or(0.0)).collect();
    let other_fit = |v: &[f64], name: &str| fit_on(v, &|i| hits[i].source != name);

    let sources = names
        .iter()
        .map(|name| {
            let mine: Vec<usize> = (0..hits.len()).filter(|&i| hits[i].source == *name).collect();
            let all = results.iter().filter(|r| r.source == *name).count();
            let col =
                |f: &dyn Fn(&PhotoResult) -> Option<f64>| mine.iter().filter_map(|&i| f(hits[i])).collect::<Vec<_>>();
            let chin_err = |shift: &dyn Fn(usize) -> f64| {
                mine.iter().filter_map(|&i| hits[i].chin.map(|c| c.err_pct(shift(i)))).collect::<Vec<_>>()
            };
            let chin_other = other_fit(&along, name);
            let pitch_other = other_fit(&pitch, name);
            let ht = |f: fn(&HeadTopCheck) -> Option<f64>| col(&|r| r.head_top.as_ref().and_then(f));
            SourceSummary {
                name: name.clone(),
                photos: all,
                misses: all - mine.len(),
                pupils: Stats::of(&mine.iter().filter_map(|&i| hits[i].pupil_err_pct).flatten().collect::<Vec<_>>()),
                chin: Stats::of(&chin_err(&|_| 0.0)),
                chin_kfold: Stats::of(&chin_err(&|i| kfold_shift[fold(i)])),
                chin_other_sources: chin_other.map(|s| Stats::of(&chin_err(&|_| s))),
                chin_bias_pct: 100.0 * median(&col(&|r| r.chin.map(|c| c.along_ipd))).unwrap_or(f64::NAN),
                skull_median_pct: median(&col(&|r| r.skull_along_ipd.map(|v| 100.0 * v.abs()))).unwrap_or(f64::NAN),
                yaw: Spread::of(&col(&|r| r.pose.map(|p| p.yaw))),
                pitch: Spread::of(&col(&|r| r.pose.map(|p| p.pitch))),
                pitch_other_sources: pitch_other.map(|o| Spread::of(&col(&|r| r.pose.map(|p| p.pitch - o)))),
                roll: Spread::of(&col(&|r| r.pose.map(|p| p.roll))),
                head_top_vs_reference: Stats::of(&ht(|h| h.vs_reference_pct.map(f64::abs))),
                head_top_signed: Spread::of(&ht(|h| h.vs_reference_pct)),
                head_top_vs_strands: Spread::of(&ht(|h| h.vs_reference_strands_pct)),
            }
        })
        .collect();
    let n = hits.len();
    let how = format!("median over all {n} annotated photos of {} source(s)", names.len());
    let fits = vec![
        Fit {
            constant: "detect::chin::CHIN_OFFSET_IPD",
            shipped: chin::CHIN_OFFSET_IPD,
            fitted: chin::CHIN_OFFSET_IPD + median(&along).unwrap_or(f64::NAN),
            how: format!("{how}: shipped + median of (truth − ours) along the face axis, IPD"),
        },
        Fit {
            constant: "detect::pose::PITCH_OFFSET_DEG",
            shipped: pose::PITCH_OFFSET_DEG,
            fitted: pose::PITCH_OFFSET_DEG + median(&pitch).unwrap_or(f64::NAN),
            how: format!("{how} (frontal by design): shipped + median pitch, degrees"),
        },
    ];
    Evaluation { sources, fits, results }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photo(source: &str, pupils: Option<[f64; 2]>, along: f64) -> PhotoResult {
        PhotoResult {
            source: source.into(),
            file: String::new(),
            pupil_err_pct: pupils,
            chin: pupils.map(|_| ChinResidual { along_ipd: along, across_pct: 0.0, scale: 1.0 }),
            skull_along_ipd: None,
            head_top: None,
            pose: None,
        }
    }

    #[test]
    fn chin_error_moves_with_the_shift_and_keeps_the_across_part() {
        let c = ChinResidual { along_ipd: 0.05, across_pct: 3.0, scale: 1.0 };
        assert!((c.err_pct(0.0) - 5.830951894845301).abs() < 1e-9);
        assert!((c.err_pct(0.05) - 3.0).abs() < 1e-9);
    }

    #[test]
    fn held_out_fits_never_see_the_photos_they_are_judged_on() {
        // Source a: residuals 0.01; source b: residuals 0.05. Fitted on the other source, every
        // photo is off by 4 % of the IPD; in-sample (shift 0) a is off by 1 %, b by 5 %.
        let mut v: Vec<PhotoResult> = (0..10).map(|_| photo("a", Some([1.0, 2.0]), 0.01)).collect();
        v.extend((0..10).map(|_| photo("b", Some([1.0, 3.0]), 0.05)));
        v.push(photo("b", None, 0.0));
        let e = summarise(&["a".into(), "b".into()], v);
        let (a, b) = (&e.sources[0], &e.sources[1]);
        assert_eq!((a.photos, a.misses, b.photos, b.misses), (10, 0, 11, 1));
        assert!((a.chin.median - 1.0).abs() < 1e-9 && (b.chin.median - 5.0).abs() < 1e-9);
        assert!((a.chin_other_sources.unwrap().median - 4.0).abs() < 1e-9);
        assert!((b.chin_other_sources.unwrap().median - 4.0).abs() < 1e-9);
        assert_eq!(b.pupils.median, 2.0);
        assert!((e.fits[0].fitted - e.fits[0].shipped - 0.03).abs() < 1e-9);
    }
}
