//! Matte agreement with a colour-distance reference on plain-backdrop photos.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::capture::load_photo;
use image::RgbImage;

use crate::detect::{self, DetectOptions, Effort};
use crate::pixels::{FloatMap, Pyramid};

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
    /// Enclosed backdrop (gaps between curls, between hair and neck) in the pocket area, mean
    /// share of the frame; the part the matte keeps as person (grey patches in a white export).
    pub pocket_share: f64,
    pub pocket_kept_share: f64,
    /// The person's own colours in that area (hair, ears, neck; what the border's backdrop does
    /// not reach) that the matte gives to the backdrop, mean share of the frame: the price.
    pub pocket_removed_share: f64,
    /// Photos whose matte keeps more than 0.1 % of the frame as enclosed backdrop, with the share.
    pub pockets_kept: Vec<(String, f64)>,
    /// Per photo: IoU, enclosed backdrop share, and the share the matte keeps.
    pub results: Vec<(String, f64, f64, f64)>,
}

const REF_DELTA_E: f32 = 10.0;

pub fn matte_agreement(dir: &Path, spec: &crate::spec::Spec) -> anyhow::Result<MatteSummary> {
    use crate::compose::background;
    use crate::pixels::lab;
    use rayon::prelude::*;
    let photos = jpgs(dir)?;
    let opts = crate::session::detect_options(spec, Effort::Still);
    let results: Vec<anyhow::Result<Option<Row>>> = photos
        .par_iter()
        .map(|p| {
            let Some(Framed { out, coarse, chin, pockets }) = frame(p, spec, &opts)? else { return Ok(None) };
            let matte = background::refine_matte(&out, &coarse, Some(&pockets));
            let (w, h) = (out.width() as usize, out.height() as usize);
            anyhow::ensure!(w >= 32, "{}: a {w} px wide frame has no backdrop at its sides", p.display());
            // The head area: down to the chin, where hair and skin differ clearly from the
            // backdrop (below it, white shirts are close to the light grey).
            let labs: Vec<[f32; 3]> = out.pixels().map(|p| lab(p.0)).collect();
            let (person, reached) = reference(&labs, w, chin, |_| true);
            let (mut inter, mut union) = (0usize, 0usize);
            let (mut top_ref, mut top_missed) = (0usize, 0usize);
            let first_row = (0..chin).find(|&y| (0..w).any(|x| !reached[y * w + x]));
            for y in 0..chin {
                for x in 0..w {
                    let k = y * w + x;
                    // Person: what the border's backdrop does not reach, except the backdrop's
                    // colour enclosed by hair around the head (a pocket, measured below).
                    let r = !reached[k] && (person[k] || !pockets.allows(x, y));
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
            // Pockets: the backdrop's colour that the border does not reach (enclosed by hair,
            // or open only below the area), outside the face, down to where the booth looks for
            // them; kept when the matte calls it person. Beside it, the person's own colours
            // there that the matte gives to the backdrop. Only rows whose sides are backdrop
            // (the segmenter's word): where a shoulder reaches the frame's edge, the row's
            // "backdrop" would be the clothes.
            let rows = pockets.bottom_row().min(h);
            let sides_clear = |y: usize| (0..16).chain(w - 16..w).all(|x| coarse.get(x, y) < 0.5);
            let (person_p, reached_p) = reference(&labs, w, rows, sides_clear);
            let (mut pocket_px, mut kept_px, mut removed_px) = (0usize, 0usize, 0usize);
            for y in 0..rows {
                let clear = sides_clear(y);
                for x in 0..w {
                    let k = y * w + x;
                    if !pockets.allows(x, y) || reached_p[k] {
                        continue;
                    }
                    let m = matte.get(x, y) > 0.5;
                    if person_p[k] {
                        removed_px += usize::from(clear && !m);
                    } else {
                        pocket_px += 1;
                        kept_px += usize::from(m);
                    }
                }
            }
            let name = file_name(p);
            let iou = inter as f64 / union.max(1) as f64;
            Ok(Some(Row {
                name,
                iou,
                top_missed: top_missed as f64 / top_ref.max(1) as f64,
                pocket_kept: kept_px as f64 / (w * h) as f64,
                pocket: pocket_px as f64 / (w * h) as f64,
                pocket_removed: removed_px as f64 / (w * h) as f64,
            }))
        })
        .collect();
    let mut rows = Vec::new();
    for r in results {
        if let Some(x) = r? {
            rows.push(x);
        }
    }
    anyhow::ensure!(!rows.is_empty(), "no photo in {} could be framed", dir.display());
    let n = rows.len() as f64;
    let mean_iou = rows.iter().map(|r| r.iou).sum::<f64>() / n;
    let worst = rows.iter().min_by(|a, b| a.iou.total_cmp(&b.iou)).map(|r| (r.name.clone(), r.iou)).unwrap_or_default();
    let hair_cut = rows.iter().filter(|r| r.top_missed > 0.2).map(|r| (r.name.clone(), r.top_missed)).collect();
    let mut pockets_kept: Vec<(String, f64)> =
        rows.iter().filter(|r| r.pocket_kept > POCKET_NOTED).map(|r| (r.name.clone(), r.pocket_kept)).collect();
    pockets_kept.sort_by(|a, b| b.1.total_cmp(&a.1));
    Ok(MatteSummary {
        photos: rows.len(),
        mean_iou,
        worst,
        hair_cut,
        pocket_share: rows.iter().map(|r| r.pocket).sum::<f64>() / n,
        pocket_kept_share: rows.iter().map(|r| r.pocket_kept).sum::<f64>() / n,
        pocket_removed_share: rows.iter().map(|r| r.pocket_removed).sum::<f64>() / n,
        pockets_kept,
        results: rows.into_iter().map(|r| (r.name, r.iou, r.pocket, r.pocket_kept)).collect(),
    })
}

/// A photo's row of the matte agreement.
struct Row {
    name: String,
    iou: f64,
    /// Share of the top rows' reference person the matte misses.
    top_missed: f64,
    /// Enclosed backdrop in the pocket area, and the part of it the matte keeps, as shares of the frame.
    pocket: f64,
    pocket_kept: f64,
    /// The person's own colours in the pocket area the matte gives to the backdrop, same share.
    pocket_removed: f64,
}

/// Photos keeping more than this share of the frame as enclosed backdrop are listed (0.1 %:
/// ~220 px of a 390×567 frame, a patch plainly visible on a white background).
const POCKET_NOTED: f64 = 0.001;

/// The colour-distance reference over the first `rows` rows: `person` is every pixel farther than
/// `REF_DELTA_E` from its row's backdrop (the median colour of the 16 px at each side, blended
/// across the row as the studio light falls off), `reached` the backdrop the border reaches
/// (holes — eyes, highlights, gaps enclosed by hair — are neither).
/// Rows where `measured(y)` is false are all person (not judged).
fn reference(labs: &[[f32; 3]], w: usize, rows: usize, measured: impl Fn(usize) -> bool) -> (Vec<bool>, Vec<bool>) {
    use crate::pixels::delta_e;
    if rows == 0 {
        return (Vec::new(), Vec::new());
    }
    let side = |y: usize, xs: std::ops::Range<usize>| {
        let mut v: Vec<[f32; 3]> = xs.map(|x| labs[y * w + x]).collect();
        v.sort_by(|a, b| a[0].total_cmp(&b[0]));
        v[v.len() / 2]
    };
    let mut person = vec![false; w * rows];
    for y in 0..rows {
        if !measured(y) {
            person[y * w..(y + 1) * w].fill(true);
            continue;
        }
        let (l, r) = (side(y, 0..16), side(y, w - 16..w));
        for x in 0..w {
            let t = x as f32 / (w - 1) as f32;
            let bd = [0, 1, 2].map(|c| l[c] * (1.0 - t) + r[c] * t);
            person[y * w + x] = delta_e(labs[y * w + x], bd) > REF_DELTA_E;
        }
    }
    let backdrop: Vec<bool> = person.iter().map(|&p| !p).collect();
    let border = (0..w).chain((0..rows).flat_map(|y| [y * w, y * w + w - 1]));
    let reached = crate::detect::head_top::flood(&backdrop, w, rows, border);
    (person, reached)
}

/// One photo framed for the default spec, as the booth would export it (before its edits).
pub(crate) struct Framed {
    /// The unedited output frame.
    pub out: RgbImage,
    /// The segmenter's mask on the frame, before refinement.
    pub coarse: FloatMap,
    /// The chin's row in the frame.
    pub chin: usize,
    /// Where the backdrop may show through inside the mask (as the export looks).
    pub pockets: crate::compose::background::Pockets,
}

/// Detect, crop and render one photo, and run the segmenter on its frame (None: no face or no crop).
pub(crate) fn frame(p: &Path, spec: &crate::spec::Spec, opts: &DetectOptions) -> anyhow::Result<Option<Framed>> {
    use crate::compose::{background, render, solve};
    let pyr = Pyramid::new(load_photo(p)?.image, 32);
    let a = detect::analyse(&pyr, opts)?;
    let Some(face) = &a.main else { return Ok(None) };
    let Ok(crop) = solve(&face.landmarks, spec, pyr.width(), pyr.height()) else { return Ok(None) };
    let out = render(&pyr, &crop, spec);
    let coarse = background::coarse_matte(&pyr, &crop.transform.inverse(), &out)?;
    let chin = crop.transform.apply(face.landmarks.chin).y.clamp(0.0, out.height() as f64) as usize;
    let pockets = background::Pockets::around(&face.landmarks, &crop.transform);
    Ok(Some(Framed { out, coarse, chin, pockets }))
}

/// The `.jpg` files of a folder, sorted.
pub(crate) fn jpgs(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut photos: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jpg"))
        .collect();
    photos.sort();
    Ok(photos)
}

pub(crate) fn file_name(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default()
}
