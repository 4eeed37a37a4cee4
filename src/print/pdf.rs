//! Small krilla helpers shared by sheets and slips: documents, pages in millimetres, rectangles,
//! lines and text.

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule, Stroke};
use krilla::surface::Surface;
use krilla::text::TextDirection;

use super::layout::RectMm;
use super::{PrintError, pt, text};

pub fn document(title: &str) -> Document {
    let mut doc = Document::new();
    doc.set_metadata(
        Metadata::new().title(title.to_string()).creator(format!("idbooth {}", env!("CARGO_PKG_VERSION"))),
    );
    doc
}

pub fn page_settings(w_mm: f64, h_mm: f64) -> Result<PageSettings, PrintError> {
    PageSettings::from_wh(pt(w_mm), pt(h_mm)).ok_or_else(|| PrintError::Pdf(format!("bad page size {w_mm}×{h_mm} mm")))
}

pub fn finish(doc: Document) -> Result<Vec<u8>, PrintError> {
    doc.finish().map_err(|e| PrintError::Pdf(format!("{e:?}")))
}

pub fn rect(r: &RectMm) -> Option<Rect> {
    Rect::from_xywh(pt(r.x), pt(r.y), pt(r.w), pt(r.h))
}

pub fn black() -> Fill {
    Fill { paint: rgb::Color::new(0, 0, 0).into(), opacity: NormalizedF32::ONE, rule: FillRule::NonZero }
}

pub fn grey(v: u8) -> Fill {
    Fill { paint: rgb::Color::new(v, v, v).into(), opacity: NormalizedF32::ONE, rule: FillRule::NonZero }
}

/// Fill rectangles (mm) in one path.
pub fn fill_rects(s: &mut Surface, rects: &[RectMm], fill: Fill) {
    let mut pb = PathBuilder::new();
    for r in rects {
        if let Some(r) = rect(r) {
            pb.push_rect(r);
        }
    }
    if let Some(path) = pb.finish() {
        s.set_stroke(None);
        s.set_fill(Some(fill));
        s.draw_path(&path);
    }
}

/// Stroke line segments (mm) of width `w_mm`.
pub fn stroke_lines(s: &mut Surface, segs: &[[f64; 4]], w_mm: f64) {
    let mut pb = PathBuilder::new();
    for &[x1, y1, x2, y2] in segs {
        pb.move_to(pt(x1), pt(y1));
        pb.line_to(pt(x2), pt(y2));
    }
    if let Some(path) = pb.finish() {
        s.set_fill(None);
        s.set_stroke(Some(Stroke { width: pt(w_mm), ..Default::default() }));
        s.draw_path(&path);
        s.set_stroke(None);
    }
}

/// Text in black with its baseline's left end at (x, y) mm.
pub fn text_at(s: &mut Surface, x: f64, y: f64, size_pt: f64, t: &str) -> Result<(), PrintError> {
    s.set_stroke(None);
    s.set_fill(Some(black()));
    s.draw_text(Point::from_xy(pt(x), pt(y)), text::pdf_font()?, size_pt as f32, t, false, TextDirection::LeftToRight);
    Ok(())
}
