//! Measure: numbers computed from the photo as captured, nothing judged yet. Pose and expression
//! come from the mesh (independent of any spec); geometry is measured on the output frame
//! (landmarks mapped through the crop); light, background and sharpness on the *unedited* frame
//! (the photo's own pixels resampled through the crop, before the booth's tone or backdrop).

mod brows;
mod clothing;
mod ears;
mod glasses;
mod headwear;
mod jewellery;
mod light;
mod regions;

use image::RgbImage;
use serde::{Deserialize, Serialize};

use crate::detect::mesh::idx;
use crate::detect::{Analysis, Face};
use crate::geometry::{Point, Similarity, line_angle_deg, median};
use crate::pixels::{FloatMap, PlacedMap, lab, lightness};
use crate::spec::{Crown, Spec};

/// Everything measured on one photo. `None` means "could not be measured" and the rule that
/// reads it says `not_checked`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Measurements {
    pub faces: usize,
    pub main_face_score: Option<f64>,
    /// Output pixels per pixel of the photo file (set by the session, which knows what the
    /// frame was rendered from).
    pub upscale: Option<f64>,
    // Geometry, in output pixels.
    pub head_height: Option<f64>,
    pub face_width: Option<f64>,
    pub inter_pupil: Option<f64>,
    pub eye_line_from_top: Option<f64>,
    pub eye_line_from_bottom: Option<f64>,
    pub crown_margin: Option<f64>,
    pub chin_margin: Option<f64>,
    pub eye_mid_from_left: Option<f64>,
    /// Signed: positive when the face is right of centre.
    pub center_offset: Option<f64>,
    // Pose, in degrees, as the person holds their head in the source photo.
    pub roll: Option<f64>,
    /// The eye line's tilt in the output frame, degrees: the photographed roll less the crop's
    /// levelling, plus any turn staff gave the crop by hand.
    pub roll_in_frame: Option<f64>,
    pub yaw: Option<f64>,
    pub pitch: Option<f64>,
    // Expression.
    pub eye_openness: Option<f64>,
    pub mouth_opening: Option<f64>,
    /// Share of the mouth opening that shows teeth (bright, colourless pixels), 0–1.
    pub smile: Option<f64>,
    /// Mouth corner-to-corner width over the inter-pupil distance (a smile widens the mouth).
    pub mouth_width: Option<f64>,
    /// How far the mouth corners sit above the lips' centre, over the mouth width (smiles lift them).
    pub mouth_corner_lift: Option<f64>,
    /// Blendshape coefficients (0–1): the more closed eye, the open jaw, the mean smile, and
    /// the strongest other expression (brows raised, squint, pucker, sneer, puffed cheeks).
    pub eye_blink: Option<f64>,
    pub jaw_open: Option<f64>,
    pub smile_score: Option<f64>,
    pub expression_other: Option<f64>,
    pub headwear_excess: Option<f64>,
    /// How far the top of the head's colour lies outside hair hues (blue, green, vivid), in L*a*b* units.
    pub headwear_hue: Option<f64>,
    /// Lightness spread of the top of the head (L*, p90 − p10): a cap is made of parts.
    pub headwear_spread: Option<f64>,
    /// Glasses: line contrast (L*) of a frame across the nose bridge and under the eyes; how much
    /// darker the skin under the eyes is than the cheeks (stops); glare on the lenses (%).
    pub glasses_bridge: Option<f64>,
    pub glasses_rims: Option<f64>,
    pub glasses_tint: Option<f64>,
    pub lens_glare_pct: Option<f64>,
    /// Skin share of the ear regions, of the band above the brows, of the upper lids (weaker side).
    pub ears_skin: Option<f64>,
    pub brows_skin: Option<f64>,
    pub lids_skin: Option<f64>,
    /// Jewel-like spots below the ears and on the neck, in units of (0.05 IPD)².
    pub jewellery_spots: Option<f64>,
    // Light and background, on the output image.
    pub face_lightness: Option<f64>,
    pub highlights: Option<f64>,
    pub face_clipped_pct: Option<f64>,
    /// Signed: log2 of the luminance of the image-left over the image-right half (stops), from
    /// symmetric skin patches.
    pub face_side_ratio: Option<f64>,
    /// The darkest face region's deficit after removing the side gradient (stops).
    pub face_shadow: Option<f64>,
    /// Specular hot spots on forehead, nose and cheeks (% of that skin).
    pub face_reflection_pct: Option<f64>,
    pub background_lab: Option<[f64; 3]>,
    /// The clothing's median CIELAB colour on the shoulders (`measure/clothing.rs`).
    pub clothing_lab: Option<[f64; 3]>,
    pub background_lightness_spread: Option<f64>,
    pub sharpness: Option<f64>,
    /// Median CIE C* (chroma) of the face skin: a black-and-white photo (or a camera in its
    /// monochrome night mode) is near 0.
    pub face_chroma: Option<f64>,
    /// Why the top of the head could not be measured, if it could not.
    pub head_top_problem: Option<HeadTopProblem>,
    /// Top of the hair to the top edge, in output pixels, whatever the spec's crown is
    /// (negative: the frame cuts the hair).
    pub hair_margin: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeadTopProblem {
    /// The hair reaches the photo's top edge: the real top is not in the picture.
    CutOff,
    /// No person mask (live frame) or the mask showed no head.
    NotFound,
}

/// Geometry of the main face on the output frame under `crop`.
pub fn geometry(face: &Face, crop: &Similarity, spec: &Spec, m: &mut Measurements) {
    let lm = &face.landmarks;
    let (w, h) = (spec.width() as f64, spec.height() as f64);
    let l = crop.apply(lm.left_pupil);
    let r = crop.apply(lm.right_pupil);
    let mid = l.mid(r);
    let chin = crop.apply(lm.chin);
    m.inter_pupil = Some(l.dist(r));
    m.roll_in_frame = Some(line_angle_deg(l, r));
    m.eye_line_from_top = Some(mid.y);
    m.eye_line_from_bottom = Some(h - mid.y);
    m.eye_mid_from_left = Some(mid.x);
    m.chin_margin = Some(h - chin.y);
    m.face_width = Some(crop.apply(lm.cheek_left).dist(crop.apply(lm.cheek_right)));
    // The face's centre line: through the eye midpoint and the chin.
    m.center_offset = Some((mid.x + chin.x) / 2.0 - w / 2.0);
    let crown = match spec.geometry.crown {
        Crown::Hair => lm.head_top.point(),
        Crown::Skull => Some(lm.skull_top),
    };
    if let Some(c) = crown.map(|c| crop.apply(c)) {
        m.crown_margin = Some(c.y);
        m.head_height = Some(chin.y - c.y);
    }
    m.hair_margin = lm.head_top.point().map(|p| crop.apply(p).y);
}

/// Pose, expression and the head top from the mesh and mask; independent of the crop and spec.
pub fn pose_and_expression(face: &Face, m: &mut Measurements) {
    let mesh = &face.mesh;
    let lm = &face.landmarks;
    m.roll = Some(line_angle_deg(lm.left_pupil, lm.right_pupil));
    if let Some(pose) = crate::detect::pose::head_pose(mesh) {
        m.yaw = Some(pose.yaw);
        m.pitch = Some(pose.pitch);
    }

    let openness = |corners: (usize, usize), lids: &[(usize, usize)]| {
        let w = mesh.p(corners.0).dist(mesh.p(corners.1)).max(1e-9);
        lids.iter().map(|&(a, b)| mesh.p(a).dist(mesh.p(b))).sum::<f64>() / lids.len() as f64 / w
    };
    let le = openness((idx::EYE_LEFT_OUTER, idx::EYE_LEFT_INNER), &idx::EYE_LEFT_LIDS);
    let re = openness((idx::EYE_RIGHT_INNER, idx::EYE_RIGHT_OUTER), &idx::EYE_RIGHT_LIDS);
    m.eye_openness = Some(le.min(re));
    let mw = mesh.p(idx::MOUTH_LEFT).dist(mesh.p(idx::MOUTH_RIGHT)).max(1e-9);
    m.mouth_opening = Some(mesh.p(idx::LIP_INNER_TOP).dist(mesh.p(idx::LIP_INNER_BOTTOM)) / mw);
    m.mouth_width = Some(mw / lm.inter_pupil().max(1e-9));
    let up = lm.up();
    let centre = mesh.p(idx::LIP_INNER_TOP).mid(mesh.p(idx::LIP_INNER_BOTTOM));
    let corners = mesh.p(idx::MOUTH_LEFT).mid(mesh.p(idx::MOUTH_RIGHT));
    m.mouth_corner_lift = Some(corners.minus(centre).dot(up) / mw);

    if let Some(b) = &face.blendshapes {
        m.eye_blink = Some(b.eye_blink_left.max(b.eye_blink_right) as f64);
        m.jaw_open = Some(b.jaw_open as f64);
        m.smile_score = Some(((b.mouth_smile_left + b.mouth_smile_right) / 2.0) as f64);
        let others = [
            b.brow_inner_up,
            b.cheek_puff,
            b.mouth_pucker,
            b.mouth_funnel,
            b.nose_sneer,
            b.eye_wide_left.min(b.eye_wide_right),
            b.eye_squint_left.min(b.eye_squint_right),
        ];
        m.expression_other = Some(others.into_iter().fold(0.0f32, f32::max) as f64);
    }

    match &lm.head_top {
        crate::detect::HeadTop::Found { at } => {
            m.headwear_excess = Some(at.minus(lm.skull_top).dot(lm.up()) / lm.inter_pupil());
        }
        crate::detect::HeadTop::CutOff => m.head_top_problem = Some(HeadTopProblem::CutOff),
        crate::detect::HeadTop::Unknown => m.head_top_problem = Some(HeadTopProblem::NotFound),
    }
}

/// Light, background, highlights and sharpness on the unedited output frame `out`. `person` is
/// the person's opacity over it (None: the background cannot be told apart, its rules stay
/// unchecked); `crop` maps the source onto `out`.
pub fn photographic(face: &Face, crop: &Similarity, out: &RgbImage, person: Option<&FloatMap>, m: &mut Measurements) {
    let mesh = &face.mesh;
    let to_out = |i: usize| crop.apply(mesh.p(i));
    let oval: Vec<Point> = idx::FACE_OVAL.iter().map(|&i| to_out(i)).collect();
    let eyes: Vec<Vec<Point>> = [&idx::EYE_LEFT[..], &idx::EYE_RIGHT[..]]
        .iter()
        .map(|c| grow(&c.iter().map(|&i| to_out(i)).collect::<Vec<_>>(), 1.6))
        .collect();
    let lips: Vec<Point> = grow(&idx::LIPS_INNER.iter().map(|&i| to_out(i)).collect::<Vec<_>>(), 1.8);
    let skin_poly = grow(&oval, 0.85);
    let axis_a = to_out(idx::FOREHEAD);
    let axis_b = to_out(idx::CHIN);

    // Skin: inside the shrunken oval, outside eyes and mouth, below the eyebrows' hair line
    // is kept since hair may cover the forehead: use the lower 80 % of the oval.
    let (mut all, mut clipped, mut chroma) = (Vec::new(), 0usize, Vec::new());
    let (x0, y0, x1, y1) = bbox(&skin_poly, out.width(), out.height());
    let top_cut = axis_a.y + (axis_b.y - axis_a.y) * 0.2;
    let (mut skin, mut lips) = (RowScan::new(&skin_poly), RowScan::new(&lips));
    let mut eye_scans: Vec<RowScan> = eyes.iter().map(|e| RowScan::new(e)).collect();
    for y in y0..y1 {
        let py = y as f64 + 0.5;
        if py < top_cut {
            continue;
        }
        for s in [&mut skin, &mut lips].into_iter().chain(eye_scans.iter_mut()) {
            s.row(py);
        }
        for x in x0..x1 {
            let px = x as f64 + 0.5;
            if !skin.contains(px) || eye_scans.iter().any(|e| e.contains(px)) || lips.contains(px) {
                continue;
            }
            let px = out.get_pixel(x, y).0;
            // Burnt out: a channel at white. Pure black is not counted: within the skin oval
            // it is a glasses frame, a beard or a strand of hair far more often than skin,
            // and a face too dark is caught by its lightness and the shadow rule.
            if px.iter().any(|&c| c >= 250) {
                clipped += 1;
            }
            all.push(lightness(px) as f64);
            // One pixel in 16 (thousands on a face) is plenty for a median, and spares the
            // live frame's checklist.
            if x % 4 == 0 && y % 4 == 0 {
                let [_, a, b] = crate::pixels::lab(px);
                chroma.push(a.hypot(b) as f64);
            }
        }
    }
    if all.len() > 50 {
        m.face_lightness = median(&all);
        m.face_chroma = median(&chroma);
        m.face_clipped_pct = Some(100.0 * clipped as f64 / all.len() as f64);
    }
    appearance(face, crop, out, person, m);

    m.smile = teeth_share(out, &idx::LIPS_INNER.iter().map(|&i| to_out(i)).collect::<Vec<_>>());

    // Sharpness: RMS of the Laplacian of L* around the eyes, where a sharp photo has detail.
    m.sharpness = sharpness(out, &eyes);

    m.highlights = highlights(out);
    if let Some(person) = person {
        background(out, person, m);
        m.clothing_lab = clothing::colour(face, crop, out, person);
    }
}

/// Light on the face, glasses, headwear, ears, brows, hair and jewellery (`measure/*.rs`).
pub fn appearance(face: &Face, crop: &Similarity, out: &RgbImage, person: Option<&FloatMap>, m: &mut Measurements) {
    let f = regions::FaceOnFrame::new(face, crop, out, person);
    m.face_side_ratio = light::side_ratio(&f);
    m.face_shadow = m.face_side_ratio.and_then(|r| light::shadow(&f, r));
    m.face_reflection_pct = light::reflection(&f);
    m.glasses_bridge = glasses::bridge_line(&f);
    m.glasses_rims = glasses::lower_rims(&f);
    m.glasses_tint = glasses::tint(&f);
    m.lens_glare_pct = glasses::glare(&f);
    m.ears_skin = ears::skin_share(&f);
    m.brows_skin = brows::above_brows(&f);
    m.lids_skin = brows::upper_lids(&f);
    // The ears, the hair and the top of the head are told from the background by the mask.
    if person.is_some() {
        m.headwear_hue = headwear::top_outside_hair_hues(&f);
        m.headwear_spread = headwear::top_lightness_spread(&f);
        m.jewellery_spots = jewellery::spots(&f);
    }
}

fn background(out: &RgbImage, person: &FloatMap, m: &mut Measurements) {
    let (w, h) = (out.width(), out.height());
    let mut labs: Vec<[f32; 3]> = Vec::new();
    // Every other pixel is plenty and halves the cost.
    for y in (0..h).step_by(2) {
        for x in (0..w).step_by(2) {
            if person.get(x as usize, y as usize) < 0.02 {
                labs.push(lab(out.get_pixel(x, y).0));
            }
        }
    }
    if labs.len() < 200 {
        return;
    }
    let n = labs.len() as f64;
    let mean: [f64; 3] = std::array::from_fn(|c| labs.iter().map(|v| v[c] as f64).sum::<f64>() / n);
    let var = labs.iter().map(|v| (v[0] as f64 - mean[0]).powi(2)).sum::<f64>() / n;
    m.background_lab = Some(mean);
    m.background_lightness_spread = Some(var.sqrt());
}

/// 99th percentile of L* over the whole output image (every other pixel).
pub fn highlights(out: &RgbImage) -> Option<f64> {
    let mut hist = [0usize; 101];
    let mut n = 0usize;
    for (i, px) in out.pixels().enumerate() {
        if i % 2 == 0 {
            hist[(lightness(px.0).round() as usize).min(100)] += 1;
            n += 1;
        }
    }
    let mut acc = 0;
    for (l, c) in hist.iter().enumerate().rev() {
        acc += c;
        if acc * 100 >= n {
            return Some(l as f64);
        }
    }
    None
}

/// Teeth between the lips: the share of the inner-mouth polygon whose pixels are light and
/// nearly colourless, relative to the mouth's width (so a closed mouth scores 0).
fn teeth_share(out: &RgbImage, inner: &[Point]) -> Option<f64> {
    let (x0, y0, x1, y1) = bbox(inner, out.width(), out.height());
    let width = inner.iter().map(|p| p.x).fold(f64::MIN, f64::max) - inner.iter().map(|p| p.x).fold(f64::MAX, f64::min);
    if width < 4.0 {
        return None;
    }
    let mut teeth = 0usize;
    let mut scan = RowScan::new(inner);
    for y in y0..y1 {
        scan.row(y as f64 + 0.5);
        for x in x0..x1 {
            if scan.contains(x as f64 + 0.5) {
                let c = lab(out.get_pixel(x, y).0);
                if c[0] > 55.0 && c[1].hypot(c[2]) < 22.0 {
                    teeth += 1;
                }
            }
        }
    }
    // Teeth area in units of a strip 0.1 mouth-widths tall across the mouth.
    Some(teeth as f64 / (0.1 * width * width))
}

fn sharpness(out: &RgbImage, eyes: &[Vec<Point>]) -> Option<f64> {
    let (mut sum, mut n) = (0.0, 0usize);
    for e in eyes {
        let (x0, y0, x1, y1) = bbox(&grow(e, 1.5), out.width(), out.height());
        for y in y0.max(1)..y1.min(out.height() - 1) {
            for x in x0.max(1)..x1.min(out.width() - 1) {
                let l = |dx: i32, dy: i32| {
                    lightness(out.get_pixel((x as i32 + dx) as u32, (y as i32 + dy) as u32).0) as f64
                };
                let lap = 4.0 * l(0, 0) - l(-1, 0) - l(1, 0) - l(0, -1) - l(0, 1);
                sum += lap * lap;
                n += 1;
            }
        }
    }
    (n > 30).then(|| (sum / n as f64).sqrt())
}

/// Count faces and fill in the face-independent numbers.
pub fn faces(a: &Analysis, m: &mut Measurements) {
    m.faces = a.faces.len();
    m.main_face_score = a.faces.first().map(|d| d.score as f64);
}

/// Scale a polygon about its centroid.
fn grow(poly: &[Point], k: f64) -> Vec<Point> {
    let c = poly.iter().fold(Point::default(), |a, p| a.plus(*p)).scale(1.0 / poly.len() as f64);
    poly.iter().map(|p| c.plus(p.minus(c).scale(k))).collect()
}

fn bbox(poly: &[Point], w: u32, h: u32) -> (u32, u32, u32, u32) {
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for p in poly {
        x0 = x0.min(p.x);
        y0 = y0.min(p.y);
        x1 = x1.max(p.x);
        y1 = y1.max(p.y);
    }
    let c = |v: f64, hi: u32| v.clamp(0.0, hi as f64) as u32;
    (c(x0.floor(), w), c(y0.floor(), h), c(x1.ceil(), w), c(y1.ceil(), h))
}

/// A polygon tested pixel by pixel along rows: the same even-odd rule as `inside`, but the
/// edges that cross a row are found once per row rather than once per pixel (the skin and
/// lens regions hold tens of thousands of pixels, and this ran on every live frame).
pub struct RowScan<'a> {
    poly: &'a [Point],
    crossings: Vec<f64>,
}

impl<'a> RowScan<'a> {
    pub fn new(poly: &'a [Point]) -> RowScan<'a> {
        RowScan { poly, crossings: Vec::with_capacity(8) }
    }

    /// Prepare the row at height `y` (pixel centres: `y + 0.5`).
    pub fn row(&mut self, y: f64) {
        self.crossings.clear();
        let n = self.poly.len();
        for i in 0..n {
            let (a, b) = (self.poly[i], self.poly[(i + n - 1) % n]);
            if (a.y > y) != (b.y > y) {
                self.crossings.push((b.x - a.x) * (y - a.y) / (b.y - a.y) + a.x);
            }
        }
    }

    /// Is `(x, y)` inside, for the `y` of the last `row` call?
    pub fn contains(&self, x: f64) -> bool {
        self.crossings.iter().filter(|&&c| x < c).count() % 2 == 1
    }
}

/// Even-odd point-in-polygon test.
pub fn inside(poly: &[Point], p: Point) -> bool {
    let mut c = false;
    let n = poly.len();
    for i in 0..n {
        let (a, b) = (poly[i], poly[(i + n - 1) % n]);
        if (a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x {
            c = !c;
        }
    }
    c
}

/// The person mask (placed in the photo) resampled onto the output frame.
pub fn person_on_frame(mask: &PlacedMap, crop: &Similarity, w: u32, h: u32) -> FloatMap {
    // Outside the mask's square we cannot tell person from background: count as person.
    mask.resample(&crop.inverse(), w as usize, h as usize, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn point_in_polygon() {
        let sq = [Point::new(0.0, 0.0), Point::new(10.0, 0.0), Point::new(10.0, 10.0), Point::new(0.0, 10.0)];
        assert!(inside(&sq, Point::new(5.0, 5.0)));
        assert!(!inside(&sq, Point::new(15.0, 5.0)));
        let big = grow(&sq, 2.0);
        assert!(inside(&big, Point::new(-4.0, -4.0)));
    }

    /// The row scan is the same even-odd rule: on a concave, self-touching star it agrees with
    /// `inside` on every pixel centre, and it does find both inside and outside pixels.
    #[test]
    fn row_scan_agrees_with_inside_pixel_for_pixel() {
        let star: Vec<Point> = (0..10)
            .map(|i| {
                let (a, r) = (i as f64 * std::f64::consts::PI / 5.0, if i % 2 == 0 { 20.0 } else { 8.0 });
                Point::new(25.0 + r * a.cos(), 25.3 + r * a.sin())
            })
            .collect();
        let mut scan = RowScan::new(&star);
        let (mut ins, mut outs) = (0, 0);
        for y in 0..50 {
            scan.row(y as f64 + 0.5);
            for x in 0..50 {
                let p = Point::new(x as f64 + 0.5, y as f64 + 0.5);
                assert_eq!(scan.contains(p.x), inside(&star, p), "{p:?}");
                if inside(&star, p) { ins += 1 } else { outs += 1 }
            }
        }
        assert!(ins > 300 && outs > 1000, "{ins} {outs}");
    }
}
