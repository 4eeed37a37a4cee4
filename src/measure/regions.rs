//! The face on the output frame: mesh points mapped through the crop, the face's axes and
//! scale, and the small sampling tools the appearance measures share (discs and polygons of
//! pixels, a skin reference, "is this pixel skin").

use image::RgbImage;

use crate::detect::Face;
use crate::detect::mesh::{POINTS, idx};
use crate::geometry::{Point, Similarity, median};
use crate::pixels::{FloatMap, lab, to_linear};

/// The main face placed on the output frame.
pub struct FaceOnFrame<'a> {
    pub out: &'a RgbImage,
    pub person: Option<&'a FloatMap>,
    /// The 468 mesh points in output pixels.
    pub pts: Vec<Point>,
    /// Inter-pupil distance in output pixels: the unit of every region size.
    pub ipd: f64,
    /// Unit vectors: image-left → image-right along the eyes, and up the face.
    pub across: Point,
    pub up: Point,
    pub eye_mid: Point,
    /// Median CIE L*a*b* of the cheeks below the eyes (beard-free, rarely covered).
    pub skin: Option<[f32; 3]>,
}

impl<'a> FaceOnFrame<'a> {
    pub fn new(face: &Face, crop: &Similarity, out: &'a RgbImage, person: Option<&'a FloatMap>) -> FaceOnFrame<'a> {
        let pts: Vec<Point> = (0..POINTS).map(|i| crop.apply(face.mesh.p(i))).collect();
        let l = crop.apply(face.landmarks.left_pupil);
        let r = crop.apply(face.landmarks.right_pupil);
        let ipd = l.dist(r).max(1e-6);
        let across = r.minus(l).scale(1.0 / ipd);
        let up = across.rotate(-std::f64::consts::FRAC_PI_2);
        let mut f = FaceOnFrame { out, person, pts, ipd, across, up, eye_mid: l.mid(r), skin: None };
        let mut cheeks = f.disc(f.pts[CHEEK_PAIRS[0].0], 0.1);
        cheeks.extend(f.disc(f.pts[CHEEK_PAIRS[0].1], 0.1));
        f.skin = median_lab(&cheeks);
        f
    }

    pub fn p(&self, i: usize) -> Point {
        self.pts[i]
    }

    /// A point `dx` IPDs across (towards image-right) and `dy` IPDs up from `from`.
    pub fn offset(&self, from: Point, dx: f64, dy: f64) -> Point {
        from.plus(self.across.scale(dx * self.ipd)).plus(self.up.scale(dy * self.ipd))
    }

    /// Pixels of a disc of radius `r` IPDs (inside the frame).
    pub fn disc(&self, c: Point, r: f64) -> Vec<[u8; 3]> {
        let rad = r * self.ipd;
        let mut v = Vec::new();
        self.each_in_box(c, rad, |x, y, p| {
            if p.dist(c) <= rad {
                v.push(self.out.get_pixel(x, y).0);
            }
        });
        v
    }

    /// Pixels of a polygon, with whether each is on the person (true without a mask).
    pub fn polygon(&self, poly: &[Point]) -> Vec<([u8; 3], bool)> {
        let (x0, y0, x1, y1) = super::bbox(poly, self.out.width(), self.out.height());
        let mut v = Vec::new();
        let mut scan = super::RowScan::new(poly);
        for y in y0..y1 {
            scan.row(y as f64 + 0.5);
            for x in x0..x1 {
                if scan.contains(x as f64 + 0.5) {
                    v.push((self.out.get_pixel(x, y).0, self.on_person(x, y)));
                }
            }
        }
        v
    }

    /// A quadrilateral in face coordinates: corners `(dx, dy)` in IPDs from `from`.
    pub fn quad(&self, from: Point, corners: [(f64, f64); 4]) -> Vec<Point> {
        corners.iter().map(|&(dx, dy)| self.offset(from, dx, dy)).collect()
    }

    /// Is the whole region inside the frame?
    pub fn in_frame(&self, poly: &[Point]) -> bool {
        let (w, h) = (self.out.width() as f64, self.out.height() as f64);
        poly.iter().all(|p| p.x >= 0.0 && p.y >= 0.0 && p.x < w && p.y < h)
    }

    pub fn on_person(&self, x: u32, y: u32) -> bool {
        self.person.is_none_or(|m| m.get(x as usize, y as usize) >= 0.5)
    }

    /// Skin-coloured: close to the cheeks in hue and chroma, within a wide lightness range
    /// (the light falls differently on ears, brows and neck).
    pub fn is_skin(&self, px: [u8; 3]) -> bool {
        self.skin.is_some_and(|s| skin_like(lab(px), s))
    }

    /// Skin, or skin under a sheen: a shiny forehead or brow ridge reflects the light's own
    /// colour, so it is lighter than the cheeks and paler (less chroma) with about the skin's
    /// hue; `is_skin` alone calls that "not skin", and a bald, shiny head then reads as a
    /// fringe over the brows. Hair is not lighter than the cheeks in the skin's hue and
    /// chroma (fair hair can be: a blond fringe over fair skin may pass here, docs/rules.md).
    pub fn is_skin_or_sheen(&self, px: [u8; 3]) -> bool {
        let Some(s) = self.skin else { return false };
        let c = lab(px);
        if skin_like(c, s) {
            return true;
        }
        let (chroma, ref_chroma) = (c[1].hypot(c[2]), s[1].hypot(s[2]));
        let hue_gap = (c[2].atan2(c[1]) - s[2].atan2(s[1])).to_degrees().abs();
        c[0] >= s[0] - 2.0
            && ref_chroma >= 10.0
            && (0.3 * ref_chroma..=ref_chroma).contains(&chroma)
            && hue_gap.min(360.0 - hue_gap) <= 25.0
    }

    fn each_in_box(&self, c: Point, rad: f64, mut f: impl FnMut(u32, u32, Point)) {
        let (w, h) = (self.out.width() as f64, self.out.height() as f64);
        let x0 = (c.x - rad).floor().clamp(0.0, w) as u32;
        let x1 = (c.x + rad).ceil().clamp(0.0, w) as u32;
        let y0 = (c.y - rad).floor().clamp(0.0, h) as u32;
        let y1 = (c.y + rad).ceil().clamp(0.0, h) as u32;
        for y in y0..y1 {
            for x in x0..x1 {
                f(x, y, Point::new(x as f64 + 0.5, y as f64 + 0.5));
            }
        }
    }

    /// Eye contour (image-left = 0) grown about its centre by `k`.
    pub fn eye(&self, side: usize, k: f64) -> Vec<Point> {
        let ids: &[usize] = if side == 0 { &idx::EYE_LEFT } else { &idx::EYE_RIGHT };
        super::grow(&ids.iter().map(|&i| self.p(i)).collect::<Vec<_>>(), k)
    }
}

/// `c` (L*a*b*) is near the skin reference `s` in hue and chroma, within a wide lightness range.
fn skin_like(c: [f32; 3], s: [f32; 3]) -> bool {
    (c[1] - s[1]).hypot(c[2] - s[2]) < 9.0 && (c[0] - s[0]).abs() < 22.0
}

/// Symmetric skin points (image-left, image-right): cheeks below the eyes, mid cheeks, under
/// the eyes, and the forehead above the brows. None of them is where a beard grows.
pub const CHEEK_PAIRS: [(usize, usize); 3] = [(50, 280), (101, 330), (118, 347)];
pub const FOREHEAD_PAIR: (usize, usize) = (104, 333);

/// Median of each channel of L*a*b*.
pub fn median_lab(px: &[[u8; 3]]) -> Option<[f32; 3]> {
    if px.len() < 8 {
        return None;
    }
    let labs: Vec<[f32; 3]> = px.iter().map(|&p| lab(p)).collect();
    let ch = |c: usize| median(&labs.iter().map(|v| v[c] as f64).collect::<Vec<_>>()).unwrap_or(0.0) as f32;
    Some([ch(0), ch(1), ch(2)])
}

/// Relative luminance (linear light, 0–1) of an sRGB pixel.
pub fn luminance(px: [u8; 3]) -> f64 {
    (0.2126 * to_linear(px[0]) + 0.7152 * to_linear(px[1]) + 0.0722 * to_linear(px[2])) as f64
}

/// Median luminance of some pixels, in stops (log2), robust to a few stray hairs or pores.
pub fn median_stops(px: &[[u8; 3]]) -> Option<f64> {
    if px.len() < 8 {
        return None;
    }
    let y: Vec<f64> = px.iter().map(|&p| luminance(p).max(1e-4).log2()).collect();
    median(&y)
}
