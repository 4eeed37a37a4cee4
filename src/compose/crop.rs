//! The crop solver: the scale, translation and (small) rotation that put every geometry measure
//! of the spec as close as possible to the middle of its band on the output frame, without
//! leaving the source photo.
//!
//! Each measure is linear in (scale s, vertical shift ty) once the rotation is fixed, e.g.
//! `eye_line_from_top = s·eye_y + ty`. We minimise the worst band-normalised miss
//! (priority measures weigh more), breaking ties by the sum of squares, with a coarse-to-fine
//! grid over (s, ty) seeded by the least-squares solution. The horizontal shift centres the face.

use serde::{Deserialize, Serialize};

use crate::detect::Landmarks;
use crate::geometry::{Point, Similarity, line_angle_deg};
use crate::spec::{Crown, Limit, Spec};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Crop {
    /// Source pixels → output pixels.
    pub transform: Similarity,
    /// Rotation applied to level the eyes, degrees.
    pub roll_correction_deg: f64,
    /// The output frame's corners in source pixels (top-left, top-right, bottom-right, bottom-left).
    pub source_quad: [Point; 4],
    /// Photo edges that kept the crop from its ideal framing (the person is too close to them).
    pub limited_by: Vec<Side>,
    /// Output rows at the bottom that lie below the photo and repeat its last row.
    pub bottom_fill_px: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Top,
    Bottom,
    Left,
    Right,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CropError {
    /// Any crop that frames the head to the spec needs pixels beyond these edges of the photo.
    #[error("the photo is cut too tightly around the person at the {}", sides_text(.0))]
    OutsidePhoto(Vec<Side>),
    /// There is no face to frame.
    #[error("no face to frame")]
    NoFace,
}

impl Crop {
    /// The whole photo as it is (a photo already at the spec's pixel size).
    pub fn identity(w: u32, h: u32) -> Crop {
        Crop {
            transform: Similarity::IDENTITY,
            roll_correction_deg: 0.0,
            source_quad: Similarity::IDENTITY.source_quad(w as f64, h as f64),
            limited_by: Vec::new(),
            bottom_fill_px: 0.0,
        }
    }

    /// This crop corrected by a person: the frame's content moved by (dx, dy) output pixels,
    /// enlarged by `zoom` and turned by `rotate_deg` about the frame's centre. Edges the new
    /// frame crosses are reported like the solver's (the photo's edge is mirrored there).
    pub fn adjusted(&self, a: &crate::session::Adjust, spec: &Spec, src_w: u32, src_h: u32) -> Crop {
        let (w, h) = (spec.width() as f64, spec.height() as f64);
        let zoom = if a.zoom > 0.0 { a.zoom } else { 1.0 };
        let angle = a.rotate_deg.to_radians();
        // About the centre c: p' = zoom·R·(p − c) + c + d.
        let c = Point::new(w / 2.0, h / 2.0);
        let shift = c.minus(c.rotate(angle).scale(zoom)).plus(Point::new(a.dx, a.dy));
        let about = Similarity { scale: zoom, angle, tx: shift.x, ty: shift.y };
        let t = &self.transform;
        let p = about.apply(Point::new(t.tx, t.ty));
        let transform = Similarity { scale: t.scale * zoom, angle: t.angle + angle, tx: p.x, ty: p.y };
        let fill = spec.bottom_fill_max() * h;
        let transform = kept_inside(transform, w, h, src_w as f64, src_h as f64, fill);
        let (limited_by, _) = out_of_photo(&transform, w, h, src_w as f64, src_h as f64, fill);
        let quad = transform.source_quad(w, h);
        let below = quad.iter().map(|p| p.y - src_h as f64).fold(0.0, f64::max) * transform.scale;
        Crop {
            transform,
            roll_correction_deg: self.roll_correction_deg + a.rotate_deg,
            source_quad: quad,
            limited_by,
            bottom_fill_px: if below > 0.5 { below } else { 0.0 },
        }
    }
}

/// The frame `t` slid back inside the photo where a hand-made crop would leave it (below the
/// bottom only as far as the spec lets clothing be filled in): a crop drags no further than the
/// photo goes, so no pixel the camera never saw is made up. A frame larger than the photo
/// along an axis stays as it is along that axis.
fn kept_inside(t: Similarity, w: f64, h: f64, sw: f64, sh: f64, bottom_fill: f64) -> Similarity {
    let q = t.source_quad(w, h);
    let (min_x, max_x) = q.iter().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.x), b.max(p.x)));
    let (min_y, max_y) = q.iter().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.y), b.max(p.y)));
    let bottom = sh + bottom_fill / t.scale.max(1e-9);
    let slide = |lo: f64, hi: f64, end: f64| {
        if hi - lo > end {
            0.0
        } else if lo < 0.0 {
            -lo
        } else if hi > end {
            end - hi
        } else {
            0.0
        }
    };
    // The frame's top may not rise above the photo; its bottom may reach into the fill.
    let dy = if max_y - min_y > bottom {
        0.0
    } else if min_y < 0.0 {
        -min_y
    } else if max_y > bottom {
        bottom - max_y
    } else {
        0.0
    };
    let (dx, dy) = (slide(min_x, max_x, sw), dy);
    // Moving the frame by d in the photo moves the picture by −s·R·d in the frame.
    let (sin, cos) = t.angle.sin_cos();
    Similarity { tx: t.tx - t.scale * (cos * dx - sin * dy), ty: t.ty - t.scale * (sin * dx + cos * dy), ..t }
}

fn sides_text(s: &[Side]) -> String {
    s.iter()
        .map(|s| match s {
            Side::Top => "top",
            Side::Bottom => "bottom",
            Side::Left => "left",
            Side::Right => "right",
        })
        .collect::<Vec<_>>()
        .join(" and ")
}

/// One linear measure `a·s + b·ty + c` with its band.
struct Term {
    a: f64,
    b: f64,
    c: f64,
    band: Limit,
    weight: f64,
}

impl Term {
    fn value(&self, s: f64, ty: f64) -> f64 {
        self.a * s + self.b * ty + self.c
    }
    /// Miss normalised by the half band: |r| ≤ 1 is inside. Open bands only count when violated.
    fn miss(&self, s: f64, ty: f64) -> f64 {
        let v = self.value(s, ty);
        match (self.band.min, self.band.max) {
            (Some(lo), Some(hi)) => (v - (lo + hi) / 2.0) / ((hi - lo) / 2.0).max(1e-9),
            (Some(lo), None) if v < lo => 1.0 + (lo - v) / lo.abs().max(1.0) * 10.0,
            (None, Some(hi)) if v > hi => 1.0 + (v - hi) / hi.abs().max(1.0) * 10.0,
            _ => 0.0,
        }
    }
}

/// The least any frame of `spec` must enlarge the photo: each size band's minimum over the
/// head's own size (a lower bound: the solver may enlarge more). For a photo no frame fits,
/// this still tells whether it is simply too small for the spec.
pub fn least_enlargement(lm: &Landmarks, spec: &Spec) -> Option<f64> {
    let g = &spec.geometry;
    let crown = match g.crown {
        Crown::Hair => lm.head_top.point().unwrap_or(lm.skull_top),
        Crown::Skull => lm.skull_top,
    };
    let sizes = [
        (&g.head_height, lm.chin.dist(crown)),
        (&g.inter_pupil, lm.left_pupil.dist(lm.right_pupil)),
        (&g.face_width, lm.cheek_left.dist(lm.cheek_right)),
    ];
    sizes
        .into_iter()
        .filter_map(|(band, size)| band.as_ref()?.min.filter(|_| size > 1.0).map(|m| m / size))
        .reduce(f64::max)
}

/// Solve the crop for `lm` in a `src_w × src_h` photo.
pub fn solve(lm: &Landmarks, spec: &Spec, src_w: u32, src_h: u32) -> Result<Crop, CropError> {
    let (w, h) = (spec.width() as f64, spec.height() as f64);
    let g = &spec.geometry;
    let roll = line_angle_deg(lm.left_pupil, lm.right_pupil);
    let max_corr = spec.pose.max_roll_correction_deg.value.unwrap_or(0.0).abs();
    let corr = -roll.clamp(-max_corr, max_corr);
    let angle = corr.to_radians();
    let rot = |p: Point| p.rotate(angle);

    let (l, r, chin) = (rot(lm.left_pupil), rot(lm.right_pupil), rot(lm.chin));
    let mid = l.mid(r);
    // The crop frames the head by its real top when known; otherwise by the skull estimate,
    // so a frame without a mask still gets a sensible crop (its crown rules stay unchecked).
    let crown = match g.crown {
        Crown::Hair => lm.head_top.point().unwrap_or(lm.skull_top),
        Crown::Skull => lm.skull_top,
    };
    let crown = rot(crown);
    // The hair top, whatever the spec's crown: the whole head stays inside the frame.
    let hair = rot(lm.head_top.point().unwrap_or(lm.skull_top));
    let prio = |name: &str| {
        if g.priority.iter().any(|p| p == name) { 3.0 } else { 1.0 }
    };
    let mut terms = Vec::new();
    let mut add = |band: &Option<Limit>, a: f64, b: f64, c: f64, name: &str| {
        if let Some(band) = band {
            terms.push(Term { a, b, c, band: band.clone(), weight: prio(name) });
        }
    };
    add(&g.inter_pupil, l.dist(r), 0.0, 0.0, "inter_pupil");
    add(&g.face_width, rot(lm.cheek_left).dist(rot(lm.cheek_right)), 0.0, 0.0, "face_width");
    add(&g.head_height, chin.y - crown.y, 0.0, 0.0, "head_height");
    add(&g.eye_line_from_top, mid.y, 1.0, 0.0, "eye_line_from_top");
    add(&g.eye_line_from_bottom, -mid.y, -1.0, h, "eye_line_from_bottom");
    add(&g.crown_margin, crown.y, 1.0, 0.0, "crown_margin");
    add(&g.chin_margin, -chin.y, -1.0, h, "chin_margin");
    add(&g.hair_margin, hair.y, 1.0, 0.0, "hair_margin");
    // Weak priors keep the problem well posed when a spec bands only scale or only position:
    // inter-pupil ≈ 0.27 of the width, eye line ≈ 0.45 of the height from the top.
    let prior_ipd = Limit { min: Some(0.17 * w), max: Some(0.37 * w), ..Default::default() };
    let prior_eye = Limit { min: Some(0.30 * h), max: Some(0.60 * h), ..Default::default() };
    terms.push(Term { a: l.dist(r), b: 0.0, c: 0.0, band: prior_ipd, weight: 0.05 });
    terms.push(Term { a: mid.y, b: 1.0, c: 0.0, band: prior_eye, weight: 0.05 });

    let (s0, ty0) = least_squares(&terms);
    // Horizontal: centre the face (or place the eye midpoint where the spec says).
    let cx = (mid.x + chin.x) / 2.0;
    let tx_for = |s: f64| match g.eye_mid_from_left.as_ref().and_then(Limit::middle) {
        Some(target) => target - s * mid.x,
        None => w / 2.0 - s * cx,
    };
    let make = |s: f64, ty: f64| Similarity { scale: s, angle, tx: tx_for(s), ty };
    let fill = spec.bottom_fill_max() * h;
    let outside = |t: &Similarity| out_of_photo(t, w, h, src_w as f64, src_h as f64, fill);
    // Off-centre only as far as a photo edge forces: slide the frame back inside sideways.
    let make_inside = |s: f64, ty: f64| {
        let t = make(s, ty);
        let q = t.source_quad(w, h);
        let min_x = q.iter().map(|p| p.x).fold(f64::MAX, f64::min);
        let max_x = q.iter().map(|p| p.x).fold(f64::MIN, f64::max);
        let shift = if min_x < 0.0 && max_x - min_x <= src_w as f64 {
            min_x
        } else if max_x > src_w as f64 && max_x - min_x <= src_w as f64 {
            max_x - src_w as f64
        } else {
            0.0
        };
        Similarity { tx: t.tx + shift * s / angle.cos(), ..t }
    };

    // Objective, in order: stay inside the photo; keep the priority measures in their bands;
    // then the worst miss of any measure; then the sum of squares.
    let cost = |s: f64, ty: f64, inside_only: bool| {
        let mut worst: f64 = 0.0;
        let mut prio_over: f64 = 0.0;
        let mut sq = 0.0;
        for t in &terms {
            let miss = t.miss(s, ty).abs();
            sq += t.weight * miss * miss;
            if t.weight >= 1.0 {
                worst = worst.max(miss);
            }
            if t.weight > 1.0 {
                prio_over = prio_over.max(miss - 1.0);
            }
        }
        let out = if inside_only { outside(&make_inside(s, ty)).1 } else { 0.0 };
        out * 1e4 + prio_over * 1e2 + worst.max(1.0) + 1e-3 * sq
    };
    let search = |inside_only: bool| {
        let (mut bs, mut bty) = (s0.max(1e-6), ty0);
        let mut best = cost(bs, bty, inside_only);
        let (mut span_s, mut span_t) = (0.5 * bs, 0.5 * h);
        for _ in 0..5 {
            let (cs, ct) = (bs, bty);
            for i in -20..=20 {
                for j in -20..=20 {
                    let s = cs + span_s * i as f64 / 20.0;
                    let ty = ct + span_t * j as f64 / 20.0;
                    if s <= 0.0 {
                        continue;
                    }
                    let c = cost(s, ty, inside_only);
                    if c < best {
                        (best, bs, bty) = (c, s, ty);
                    }
                }
            }
            span_s /= 6.0;
            span_t /= 6.0;
        }
        (bs, bty)
    };
    let ideal = chebyshev(&terms, &[], s0).unwrap_or_else(|| search(false));
    let (ideal_sides, ideal_out) = outside(&make(ideal.0, ideal.1));
    let (t, limited_by) = if ideal_out <= 0.5 {
        (make(ideal.0, ideal.1), Vec::new())
    } else {
        // The frame must stay inside the photo: vertical edges are linear in (s, ty) for the
        // centred tx; sideways the frame may slide, so only its width must fit.
        let (sa, ca) = angle.sin_cos();
        let (tx0, tx1) = match g.eye_mid_from_left.as_ref().and_then(Limit::middle) {
            Some(target) => (target, -mid.x),
            None => (w / 2.0, -cx),
        };
        let (sw, sh) = (src_w as f64, src_h as f64);
        let mut edges = Vec::new();
        for (ox, oy) in [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)] {
            let k = -sa * ox + sa * tx0 + ca * oy; // src_y·s = sa·tx1·s − ca·ty + k
            edges.push((-sa * tx1, ca, k - 0.5)); // src_y ≥ 0
            edges.push((sa * tx1 - sh, -ca, -k - 0.5 + fill)); // src_y ≤ sh (+ the allowed fill)
        }
        edges.push((-sw, 0.0, -(w * ca + h * sa.abs()) - 1.0)); // width fits
        let (s, ty) = chebyshev(&terms, &edges, s0).unwrap_or_else(|| search(true));
        (make_inside(s, ty), ideal_sides)
    };
    let (sides, excess) = outside(&t);
    if excess > 0.5 {
        return Err(CropError::OutsidePhoto(sides));
    }
    let quad = t.source_quad(w, h);
    let below = quad.iter().map(|p| p.y - src_h as f64).fold(0.0, f64::max) * t.scale;
    let bottom_fill_px = if below > 0.5 { below } else { 0.0 };
    Ok(Crop { transform: t, roll_correction_deg: corr, source_quad: quad, limited_by, bottom_fill_px })
}

/// The exact maximin framing: the (s, ty) that keeps every measure furthest inside its band,
/// in output pixels (the margin that absorbs re-measurement noise), priority measures first.
/// Each band is a pair of half-planes in (s, ty); the largest common margin is found by
/// bisection with the feasible set as a clipped polygon, and its centre is returned.
/// `hard`: extra half-planes `a·s + b·ty ≤ c` that must hold (photo edges).
fn chebyshev(terms: &[Term], hard: &[(f64, f64, f64)], s_hint: f64) -> Option<(f64, f64)> {
    let hint = s_hint.abs().max(1e-3);
    let mut start = vec![(hint * 0.05, -1e5), (hint * 20.0 + 1.0, -1e5), (hint * 20.0 + 1.0, 1e5), (hint * 0.05, 1e5)];
    for &(a, b, c) in hard {
        start = clip(&start, a, b, c);
    }
    if start.len() < 3 {
        return None;
    }
    // Keep `term` at least `margin` px inside its band (a negative margin allows a miss).
    let clip_term = |poly: Vec<(f64, f64)>, t: &Term, margin: f64| -> Vec<(f64, f64)> {
        let mut p = poly;
        if let Some(hi) = t.band.max {
            p = clip(&p, t.a, t.b, hi - margin - t.c); // a·s + b·ty + c ≤ hi − m
        }
        if let Some(lo) = t.band.min {
            p = clip(&p, -t.a, -t.b, -(lo + margin - t.c)); // a·s + b·ty + c ≥ lo + m
        }
        p
    };
    let region = |set: &[&Term], m: f64, fixed: &[(&Term, f64)]| {
        let mut p = start.clone();
        for (term, fm) in fixed {
            p = clip_term(p, term, *fm);
        }
        for term in set {
            p = clip_term(p, term, m);
        }
        p
    };
    let largest = |set: &[&Term], fixed: &[(&Term, f64)]| -> Option<f64> {
        let (mut lo, mut hi) = (-400.0, 400.0);
        if region(set, lo, fixed).len() < 3 {
            return None;
        }
        for _ in 0..48 {
            let mid = (lo + hi) / 2.0;
            if region(set, mid, fixed).len() >= 3 { lo = mid } else { hi = mid }
        }
        Some(lo)
    };
    let prio: Vec<&Term> = terms.iter().filter(|t| t.weight > 1.0).collect();
    let main: Vec<&Term> = terms.iter().filter(|t| t.weight >= 1.0).collect();
    // Priority measures in their bands if at all possible, else as close as they can get.
    let fixed: Vec<(&Term, f64)> = match largest(&prio, &[]) {
        Some(m1) if !prio.is_empty() => prio.iter().map(|t| (*t, m1.min(0.0))).collect(),
        _ => Vec::new(),
    };
    let m2 = largest(&main, &fixed)?;
    let poly = region(&main, m2 - 1e-6, &fixed);
    if poly.len() < 3 {
        return None;
    }
    let n = poly.len() as f64;
    Some((poly.iter().map(|p| p.0).sum::<f64>() / n, poly.iter().map(|p| p.1).sum::<f64>() / n))
}

/// Sutherland–Hodgman: keep the part of a convex polygon where `a·x + b·y ≤ c`.
fn clip(poly: &[(f64, f64)], a: f64, b: f64, c: f64) -> Vec<(f64, f64)> {
    let f = |p: (f64, f64)| a * p.0 + b * p.1 - c;
    let mut out = Vec::with_capacity(poly.len() + 1);
    for i in 0..poly.len() {
        let (p, q) = (poly[i], poly[(i + 1) % poly.len()]);
        let (fp, fq) = (f(p), f(q));
        if fp <= 0.0 {
            out.push(p);
        }
        if (fp <= 0.0) != (fq <= 0.0) {
            let k = fp / (fp - fq);
            out.push((p.0 + (q.0 - p.0) * k, p.1 + (q.1 - p.1) * k));
        }
    }
    out
}

/// Weighted least squares for (s, ty) towards the band middles.
fn least_squares(terms: &[Term]) -> (f64, f64) {
    let (mut a11, mut a12, mut a22, mut b1, mut b2) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for t in terms {
        let (Some(mid), Some(half)) = (t.band.middle(), t.band.half_width()) else {
            continue;
        };
        let k = t.weight / (half * half).max(1e-9);
        let rhs = mid - t.c;
        a11 += k * t.a * t.a;
        a12 += k * t.a * t.b;
        a22 += k * t.b * t.b;
        b1 += k * t.a * rhs;
        b2 += k * t.b * rhs;
    }
    let det = a11 * a22 - a12 * a12;
    if det.abs() < 1e-12 {
        return (1.0, 0.0);
    }
    ((b1 * a22 - b2 * a12) / det, (a11 * b2 - a12 * b1) / det)
}

/// Which source edges the output frame crosses, and by how many output pixels at most
/// (beyond `bottom_fill` output pixels at the bottom, which may be filled).
fn out_of_photo(t: &Similarity, w: f64, h: f64, sw: f64, sh: f64, bottom_fill: f64) -> (Vec<Side>, f64) {
    let mut sides = Vec::new();
    let mut worst: f64 = 0.0;
    for p in t.source_quad(w, h) {
        let over = [(Side::Left, -p.x), (Side::Top, -p.y), (Side::Right, p.x - sw), (Side::Bottom, p.y - sh)];
        for (side, d) in over {
            let d = d * t.scale - if side == Side::Bottom { bottom_fill } else { 0.0 };
            if d > 0.5 && !sides.contains(&side) {
                sides.push(side);
            }
            worst = worst.max(d);
        }
    }
    sides.sort_by_key(|s| *s as u8);
    (sides, worst)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hand_made_frame_stops_at_the_photo_edges_and_the_allowed_fill() {
        // A 390×567 frame at half scale covers 780×1134 photo pixels of a 1000×1200 photo.
        let inside = |t: &Similarity, fill: f64| {
            let q = t.source_quad(390.0, 567.0);
            let b = 1200.0 + fill / t.scale;
            q.iter().all(|p| p.x >= -1e-6 && p.x <= 1000.0 + 1e-6 && p.y >= -1e-6 && p.y <= b + 1e-6)
        };
        for angle in [0.0f64, 3f64.to_radians()] {
            // Hanging off the left and the bottom edge.
            let t = Similarity { scale: 0.5, angle, tx: 60.0, ty: -320.0 };
            assert!(!inside(&t, 0.0));
            let kept = kept_inside(t, 390.0, 567.0, 1000.0, 1200.0, 0.0);
            assert!(inside(&kept, 0.0), "{kept:?}");
            assert_eq!((kept.scale, kept.angle), (t.scale, t.angle));
            // Where clothing may be filled in, the frame may reach that far below, no further.
            let filled = kept_inside(t, 390.0, 567.0, 1000.0, 1200.0, 40.0);
            assert!(inside(&filled, 40.0) && !inside(&filled, 0.0), "{filled:?}");
        }
        // A frame already inside is left where it is.
        let t = Similarity { scale: 0.5, angle: 0.0, tx: -50.0, ty: -20.0 };
        assert_eq!(kept_inside(t, 390.0, 567.0, 1000.0, 1200.0, 0.0), t);
    }
    use crate::detect::HeadTop;
    use crate::spec::SpecBook;

    /// A synthetic upright face: pupils 160 px apart, like a London studio photo.
    fn face(dx: f64, dy: f64, roll_deg: f64) -> Landmarks {
        let c = Point::new(675.0 + dx, 600.0 + dy);
        let at = |x: f64, y: f64| c.plus(Point::new(x, y).rotate(roll_deg.to_radians()));
        Landmarks {
            left_pupil: at(-80.0, 0.0),
            right_pupil: at(80.0, 0.0),
            chin: at(0.0, 330.0),
            head_top: HeadTop::Found { at: at(0.0, -380.0) },
            skull_top: at(0.0, -340.0),
            cheek_left: at(-180.0, 60.0),
            cheek_right: at(180.0, 60.0),
        }
    }

    fn exit_entry() -> Spec {
        SpecBook::builtin().get("cn-exit-entry").unwrap().clone()
    }

    fn measure(lm: &Landmarks, t: &Similarity) -> (f64, f64, f64, f64, f64) {
        let (l, r) = (t.apply(lm.left_pupil), t.apply(lm.right_pupil));
        let top = t.apply(lm.head_top.point().unwrap());
        let chin = t.apply(lm.chin);
        (l.dist(r), l.mid(r).y, top.y, chin.y - top.y, (l.mid(r).x + chin.x) / 2.0)
    }

    #[test]
    fn every_band_is_met_and_the_face_is_centred() {
        let spec = exit_entry();
        let lm = face(0.0, 0.0, 0.0);
        let crop = solve(&lm, &spec, 1350, 1800).unwrap();
        let (ipd, eye, crown, head, cx) = measure(&lm, &crop.transform);
        let g = &spec.geometry;
        assert!(g.inter_pupil.as_ref().unwrap().contains(ipd), "ipd {ipd}");
        assert!(g.eye_line_from_top.as_ref().unwrap().contains(eye), "eye {eye}");
        assert!(g.crown_margin.as_ref().unwrap().contains(crown), "crown {crown}");
        assert!(g.head_height.as_ref().unwrap().contains(head), "head {head}");
        assert!((cx - 195.0).abs() < 0.01, "centre {cx}");
    }

    #[test]
    fn a_small_tilt_is_levelled_and_a_large_one_only_up_to_the_limit() {
        let spec = exit_entry();
        let small = solve(&face(0.0, 0.0, 2.0), &spec, 1350, 1800).unwrap();
        assert!((small.roll_correction_deg + 2.0).abs() < 1e-9);
        let lm = face(0.0, 0.0, 2.0);
        let (l, r) = (small.transform.apply(lm.left_pupil), small.transform.apply(lm.right_pupil));
        assert!(line_angle_deg(l, r).abs() < 1e-9);
        let big = solve(&face(0.0, 0.0, 8.0), &spec, 1350, 1800).unwrap();
        assert!((big.roll_correction_deg + 3.0).abs() < 1e-9);
    }

    #[test]
    fn a_head_at_the_top_edge_cannot_be_cropped() {
        let spec = exit_entry();
        // Hair top 20 px below the photo's top edge: no room for the 25–45 px crown margin.
        let lm = face(0.0, -200.0, 0.0);
        let crop = solve(&lm, &spec, 1350, 1800).unwrap();
        assert_eq!(crop.limited_by, vec![Side::Top]);
        let crown = measure(&lm, &crop.transform).2;
        assert!(crown < 25.0, "crown margin {crown} should be short of the band");
        assert!(crop.source_quad[0].y >= -1e-6, "the crop stays inside the photo");
    }

    #[test]
    fn a_face_near_the_side_is_still_centred_when_the_photo_is_wide_enough() {
        let spec = exit_entry();
        let lm = face(-250.0, 0.0, 0.0);
        let crop = solve(&lm, &spec, 1350, 1800).unwrap();
        assert!(crop.limited_by.is_empty());
        assert!((measure(&lm, &crop.transform).4 - 195.0).abs() < 0.01);
        // Too close to the left edge to centre: reported as such.
        let crop = solve(&face(-560.0, 0.0, 0.0), &spec, 1350, 1800).unwrap();
        assert_eq!(crop.limited_by, vec![Side::Left]);
        assert!(crop.source_quad[0].x >= -1e-6);
    }

    #[test]
    fn a_thin_feasible_region_is_found() {
        // Tall hair: hair top far above the eyes. Head height, crown margin and eye line can
        // all be met only near the edges of their bands.
        let spec = exit_entry();
        let mut lm = face(0.0, 0.0, 0.0);
        lm.head_top = HeadTop::Found { at: Point::new(675.0, 600.0 - 450.0) };
        lm.chin = Point::new(675.0, 600.0 + 330.0);
        lm.left_pupil = Point::new(675.0 - 90.0, 600.0);
        lm.right_pupil = Point::new(675.0 + 90.0, 600.0);
        lm.cheek_left = Point::new(675.0 - 220.0, 660.0);
        lm.cheek_right = Point::new(675.0 + 220.0, 660.0);
        let crop = solve(&lm, &spec, 1350, 1800).unwrap();
        let (_, eye, crown, head, _) = measure(&lm, &crop.transform);
        let g = &spec.geometry;
        assert!(g.eye_line_from_top.as_ref().unwrap().contains(eye), "eye {eye}");
        assert!(g.crown_margin.as_ref().unwrap().contains(crown), "crown {crown}");
        assert!(g.head_height.as_ref().unwrap().contains(head), "head {head}");
    }

    fn builtin(id: &str) -> Spec {
        SpecBook::builtin().get(id).unwrap().clone()
    }

    #[test]
    fn specs_crowned_at_the_skull_keep_the_hair_and_the_chin_in_their_bands() {
        // Issue 12: with only a head band the vertical placement was free, so the crop cut the hair
        // or put the chin at the bottom edge.
        for id in ["icao-35x45", "schengen-visa", "ca-passport", "in-passport"] {
            let spec = builtin(id);
            let lm = face(0.0, 0.0, 0.0);
            let t = solve(&lm, &spec, 1350, 1800).unwrap().transform;
            let g = &spec.geometry;
            let hair = t.apply(lm.head_top.point().unwrap()).y;
            let chin = spec.height() as f64 - t.apply(lm.chin).y;
            let head = t.apply(lm.chin).y - t.apply(lm.skull_top).y;
            assert!(g.hair_margin.as_ref().unwrap().contains(hair), "{id}: hair {hair}");
            assert!(g.chin_margin.as_ref().unwrap().contains(chin), "{id}: chin {chin}");
            assert!(g.head_height.as_ref().unwrap().contains(head), "{id}: head {head}");
        }
    }

    #[test]
    fn tall_hair_stays_inside_the_us_frame() {
        // The largest head with the highest eyes, which the US bands allow, would push tall hair
        // out of the top of the frame.
        let spec = builtin("us-2x2");
        let mut lm = face(0.0, 0.0, 0.0);
        lm.head_top = HeadTop::Found { at: Point::new(675.0, 600.0 - 450.0) };
        let t = solve(&lm, &spec, 1350, 1800).unwrap().transform;
        let g = &spec.geometry;
        let (_, eye, hair, head, _) = measure(&lm, &t);
        assert!(g.hair_margin.as_ref().unwrap().contains(hair), "hair {hair}");
        assert!(g.head_height.as_ref().unwrap().contains(head), "head {head}");
        assert!(g.eye_line_from_bottom.as_ref().unwrap().contains(600.0 - eye), "eye {eye}");
    }

    #[test]
    fn clipping_keeps_the_allowed_side() {
        let sq = [(0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (0.0, 2.0)];
        let half = clip(&sq, 1.0, 0.0, 1.0); // x ≤ 1
        assert_eq!(half.len(), 4);
        assert!(half.iter().all(|p| p.0 <= 1.0 + 1e-12));
        assert!(clip(&sq, 1.0, 0.0, -1.0).is_empty());
    }

    #[test]
    fn conflicting_bands_favour_the_priority_measures() {
        let spec = exit_entry();
        // A very wide face: cheeks too far apart for the face-width band once the head height
        // and pupil distance (the spec's priorities) are in theirs.
        let mut lm = face(0.0, 0.0, 0.0);
        lm.cheek_left = Point::new(675.0 - 320.0, 660.0);
        lm.cheek_right = Point::new(675.0 + 320.0, 660.0);
        let crop = solve(&lm, &spec, 1350, 1800).unwrap();
        let (ipd, _, _, head, _) = measure(&lm, &crop.transform);
        let g = &spec.geometry;
        assert!(g.head_height.as_ref().unwrap().contains(head), "head {head}");
        assert!(g.inter_pupil.as_ref().unwrap().contains(ipd), "ipd {ipd}");
    }
}
