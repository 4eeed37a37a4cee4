//! Drawing the spec's framing over a picture: output frame, crown / eye / chin bands, head
//! outline, centre line, and the detected landmarks.

use egui::{Color32, Painter, Pos2, Rect, Shape, Stroke, pos2, vec2};

use super::live::Bands;
use crate::spec::Spec;

const BAND: Color32 = Color32::from_rgba_premultiplied(14, 48, 14, 40);
const LINE: Color32 = Color32::from_rgb(120, 230, 120);
const EYE: Color32 = Color32::from_rgb(90, 200, 255);
const MARK: Color32 = Color32::from_rgb(255, 90, 60);

/// Landmarks already in screen coordinates.
#[derive(Debug, Clone, Copy, Default)]
pub struct Marks {
    pub pupils: Option<[Pos2; 2]>,
    pub chin: Option<Pos2>,
    pub head_top: Option<HeadMark>,
}

/// The top of the head as drawn: the hair top the rules measured, or only the skull's top
/// estimated from the face (live frames are not segmented; a head cut off at the photo's edge
/// has no top in it). An estimate is drawn dashed so nobody reads it as a measurement.
#[derive(Debug, Clone, Copy)]
pub enum HeadMark {
    Measured(Pos2),
    Estimated(Pos2),
}

impl HeadMark {
    pub fn of(lm: &crate::detect::Landmarks, to_screen: impl Fn(crate::geometry::Point) -> Pos2) -> HeadMark {
        match lm.head_top.point() {
            Some(p) => HeadMark::Measured(to_screen(p)),
            None => HeadMark::Estimated(to_screen(lm.skull_top)),
        }
    }

    /// A live frame's head top (measured on a segmented frame, else carried from one).
    pub fn live(t: super::live::LiveHeadTop, to_screen: impl Fn(crate::geometry::Point) -> Pos2) -> HeadMark {
        if t.measured { HeadMark::Measured(to_screen(t.at)) } else { HeadMark::Estimated(to_screen(t.at)) }
    }
}

/// Draw the guides with the output frame at `frame` on screen; `shade` darkens `outside`
/// around it (the live preview).
pub fn draw(painter: &Painter, frame: Rect, spec: &Spec, shade: Option<Rect>, marks: &Marks) {
    let b = Bands::new(spec);
    let k = frame.height() / b.height as f32;
    let y = |v: f64| frame.top() + v as f32 * k;
    if let Some(outer) = shade {
        let dim = Color32::from_black_alpha(110);
        painter.rect_filled(Rect::from_min_max(outer.min, pos2(outer.right(), frame.top())), 0.0, dim);
        painter.rect_filled(Rect::from_min_max(pos2(outer.left(), frame.bottom()), outer.max), 0.0, dim);
        painter.rect_filled(Rect::from_min_max(pos2(outer.left(), frame.top()), frame.left_bottom()), 0.0, dim);
        painter.rect_filled(Rect::from_min_max(frame.right_top(), pos2(outer.right(), frame.bottom())), 0.0, dim);
    }
    let band = |range: Option<(f64, f64)>, color: Color32| {
        if let Some((a, bb)) = range {
            let (top, bottom) = (y(a), y(bb).max(y(a) + 1.5));
            painter.rect_filled(Rect::from_x_y_ranges(frame.x_range(), top..=bottom), 0.0, color);
            for yy in [top, bottom] {
                painter.line_segment([pos2(frame.left(), yy), pos2(frame.right(), yy)], Stroke::new(1.0, LINE));
            }
        }
    };
    band(b.crown, BAND);
    band(b.eyes, Color32::from_rgba_premultiplied(10, 30, 48, 34));
    band(b.chin, BAND);
    // Centre line, dashed.
    let cx = frame.center().x;
    painter.extend(Shape::dashed_line(
        &[pos2(cx, frame.top()), pos2(cx, frame.bottom())],
        Stroke::new(1.0, LINE),
        6.0,
        4.0,
    ));
    // Head outline: from the middle of the crown band to the middle of the chin band.
    if let (Some(c), Some(ch)) = (b.crown, b.chin) {
        let (top, bottom) = (y((c.0 + c.1) / 2.0), y((ch.0 + ch.1) / 2.0));
        let half_w = b.face_width as f32 * k * 0.56;
        let centre = pos2(cx, (top + bottom) / 2.0);
        let radius = vec2(half_w, (bottom - top) / 2.0);
        painter.add(Shape::ellipse_stroke(centre, radius, Stroke::new(2.0, LINE)));
    }
    painter.rect_stroke(frame, 0.0, Stroke::new(2.0, Color32::WHITE), egui::StrokeKind::Middle);

    if let Some([a, bb]) = marks.pupils {
        for p in [a, bb] {
            painter.circle_stroke(p, 4.0, Stroke::new(2.0, EYE));
        }
        painter.line_segment([a, bb], Stroke::new(1.0, EYE));
    }
    let cross = |p: Pos2| {
        painter.line_segment([p - vec2(8.0, 0.0), p + vec2(8.0, 0.0)], Stroke::new(2.0, MARK));
        painter.line_segment([p - vec2(0.0, 5.0), p + vec2(0.0, 5.0)], Stroke::new(2.0, MARK));
    };
    marks.chin.map(cross);
    match marks.head_top {
        Some(HeadMark::Measured(p)) => cross(p),
        Some(HeadMark::Estimated(p)) => {
            let line = [p - vec2(14.0, 0.0), p + vec2(14.0, 0.0)];
            painter.extend(Shape::dashed_line(&line, Stroke::new(2.0, MARK), 4.0, 3.0));
        }
        None => {}
    }
}
