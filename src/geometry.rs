//! Plane geometry shared by every stage: points and the similarity transform that maps a source
//! photo onto the output frame (scale, rotation, translation).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

impl Point {
    pub const fn new(x: f64, y: f64) -> Point {
        Point { x, y }
    }
    pub fn dist(self, o: Point) -> f64 {
        (self.x - o.x).hypot(self.y - o.y)
    }
    pub fn mid(self, o: Point) -> Point {
        Point::new((self.x + o.x) / 2.0, (self.y + o.y) / 2.0)
    }
    pub fn plus(self, o: Point) -> Point {
        Point::new(self.x + o.x, self.y + o.y)
    }
    pub fn minus(self, o: Point) -> Point {
        Point::new(self.x - o.x, self.y - o.y)
    }
    pub fn scale(self, k: f64) -> Point {
        Point::new(self.x * k, self.y * k)
    }
    pub fn dot(self, o: Point) -> f64 {
        self.x * o.x + self.y * o.y
    }
    pub fn norm(self) -> f64 {
        self.x.hypot(self.y)
    }
    /// Rotate by `a` radians about the origin (y points down, so positive is clockwise on screen).
    pub fn rotate(self, a: f64) -> Point {
        let (s, c) = a.sin_cos();
        Point::new(c * self.x - s * self.y, s * self.x + c * self.y)
    }
}

/// `p' = scale · R(angle) · p + (tx, ty)`: maps source pixels to output pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Similarity {
    pub scale: f64,
    /// Radians; positive turns the image clockwise on screen.
    pub angle: f64,
    pub tx: f64,
    pub ty: f64,
}

impl Similarity {
    pub const IDENTITY: Similarity = Similarity { scale: 1.0, angle: 0.0, tx: 0.0, ty: 0.0 };

    pub fn apply(&self, p: Point) -> Point {
        let r = p.rotate(self.angle).scale(self.scale);
        Point::new(r.x + self.tx, r.y + self.ty)
    }
    pub fn inverse(&self) -> Similarity {
        // p = R(-a) (p' - t) / s
        let t = Point::new(-self.tx, -self.ty).rotate(-self.angle).scale(1.0 / self.scale);
        Similarity { scale: 1.0 / self.scale, angle: -self.angle, tx: t.x, ty: t.y }
    }
    /// `self` followed by `next` (`next.apply(self.apply(p))`) as one map: similarities compose.
    pub fn then(&self, next: &Similarity) -> Similarity {
        let t = Point::new(self.tx, self.ty).rotate(next.angle).scale(next.scale);
        Similarity {
            scale: self.scale * next.scale,
            angle: self.angle + next.angle,
            tx: t.x + next.tx,
            ty: t.y + next.ty,
        }
    }
    /// Source-pixel corners of the output rectangle `w × h` (clockwise from top-left).
    pub fn source_quad(&self, w: f64, h: f64) -> [Point; 4] {
        let inv = self.inverse();
        [Point::new(0.0, 0.0), Point::new(w, 0.0), Point::new(w, h), Point::new(0.0, h)].map(|p| inv.apply(p))
    }
    /// Row-major 2×3 matrix of the map.
    pub fn matrix(&self) -> [[f64; 3]; 2] {
        let (s, c) = self.angle.sin_cos();
        let k = self.scale;
        [[k * c, -k * s, self.tx], [k * s, k * c, self.ty]]
    }
}

/// Angle of the line from `a` to `b`, in degrees, positive when `b` is lower on screen.
pub fn line_angle_deg(a: Point, b: Point) -> f64 {
    (b.y - a.y).atan2(b.x - a.x).to_degrees()
}

/// Median of a slice (NaNs excluded); `None` when empty.
pub fn median(v: &[f64]) -> Option<f64> {
    percentile(v, 50.0)
}

/// Linear-interpolated percentile, `p` in 0–100.
pub fn percentile(v: &[f64], p: f64) -> Option<f64> {
    let mut s: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if s.is_empty() {
        return None;
    }
    s.sort_by(f64::total_cmp);
    let r = (p / 100.0).clamp(0.0, 1.0) * (s.len() - 1) as f64;
    let (i, f) = (r.floor() as usize, r.fract());
    Some(if i + 1 < s.len() { s[i] * (1.0 - f) + s[i + 1] * f } else { s[i] })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Point, b: Point) -> bool {
        a.dist(b) < 1e-9
    }

    #[test]
    fn composed_similarities_map_as_one_after_the_other() {
        let a = Similarity { scale: 0.37, angle: 0.05, tx: -120.0, ty: 33.0 };
        let b = Similarity { scale: 2.5, angle: -0.3, tx: 7.0, ty: -410.0 };
        for p in [Point::new(0.0, 0.0), Point::new(1350.0, 20.0), Point::new(-5.0, 900.0)] {
            assert!(close(a.then(&b).apply(p), b.apply(a.apply(p))));
        }
    }

    #[test]
    fn similarity_inverse_round_trips() {
        let t = Similarity { scale: 0.37, angle: 0.05, tx: -120.0, ty: 33.0 };
        for p in [Point::new(0.0, 0.0), Point::new(1350.0, 20.0), Point::new(-5.0, 900.0)] {
            assert!(close(t.inverse().apply(t.apply(p)), p));
        }
    }

    #[test]
    fn rotation_is_clockwise_on_screen() {
        // With y down, rotating (1,0) by +90° gives (0,1): pointing down the screen.
        assert!(close(Point::new(1.0, 0.0).rotate(std::f64::consts::FRAC_PI_2), Point::new(0.0, 1.0)));
        assert!((line_angle_deg(Point::new(0.0, 0.0), Point::new(1.0, 1.0)) - 45.0).abs() < 1e-12);
    }

    #[test]
    fn matrix_agrees_with_apply() {
        let t = Similarity { scale: 2.0, angle: -0.3, tx: 5.0, ty: -7.0 };
        let m = t.matrix();
        let p = Point::new(3.0, 4.0);
        let q = Point::new(m[0][0] * p.x + m[0][1] * p.y + m[0][2], m[1][0] * p.x + m[1][1] * p.y + m[1][2]);
        assert!(close(q, t.apply(p)));
    }

    #[test]
    fn source_quad_maps_back_to_output_corners() {
        let t = Similarity { scale: 0.5, angle: 0.02, tx: 10.0, ty: 20.0 };
        let q = t.source_quad(390.0, 567.0);
        assert!(close(t.apply(q[2]), Point::new(390.0, 567.0)));
    }

    #[test]
    fn percentiles_interpolate() {
        let v = [4.0, 1.0, 3.0, 2.0, f64::NAN];
        assert_eq!(median(&v), Some(2.5));
        assert_eq!(percentile(&v, 100.0), Some(4.0));
        assert_eq!(percentile(&[], 50.0), None);
    }
}
