//! Laptop and counter: the live camera with the spec's guides and smoothed warnings; capture by
//! button or Space after a 3-2-1 countdown.

use egui::{Color32, RichText, pos2, vec2};

use super::super::guides;
use super::super::live::Target;
use super::super::text::t;
use super::{AMBER, BoothApp, GREEN, Intent};

pub fn show(app: &mut BoothApp, ui: &mut egui::Ui, out: &mut Vec<Intent>) {
    let lang = app.lang;
    egui::Panel::right("warnings").min_size(280.0).show(ui, |ui| {
        ui.add_space(8.0);
        let warns = app.live_warnings();
        if app.smoother.is_empty() {
            ui.label(t(lang, app.starting_text_key()));
        } else if warns.is_empty() {
            ui.label(RichText::new(t(lang, "live_ok")).size(20.0).color(GREEN));
        }
        for w in &warns {
            ui.label(RichText::new(format!("● {}", t(lang, w.key()))).size(20.0).color(AMBER));
        }
        if let Some(text) = super::retake_text(app) {
            ui.add_space(12.0);
            ui.label(RichText::new(text).size(16.0));
        }
        ui.add_space(20.0);
        if app.countdown.is_some() {
            if ui.button(RichText::new(t(lang, "cancel")).size(20.0)).clicked() {
                out.push(Intent::CancelCountdown);
            }
        } else if ui.button(RichText::new(t(lang, "capture")).size(22.0)).clicked()
            || ui.input(|i| i.key_pressed(egui::Key::Space))
        {
            out.push(Intent::Capture);
        }
        ui.label(t(lang, "capture_hint"));
    });
    draw(app, ui, 160.0);
}

/// The mirrored camera picture with the output frame, bands, landmarks and the countdown.
pub fn draw(app: &mut BoothApp, ui: &mut egui::Ui, countdown_size: f32) {
    let Some(session) = &app.live else {
        ui.centered_and_justified(|ui| ui.spinner());
        return;
    };
    let (frame, result) = (session.latest_frame(), session.latest_result());
    let Some(frame) = frame else {
        ui.centered_and_justified(|ui| ui.spinner());
        return;
    };
    let (fw, fh) = frame.image.dimensions();
    let tex = super::texture(ui, &mut app.preview, "live", &frame.image, frame.seq);
    let avail = ui.available_size();
    let k = (avail.x / fw as f32).min(avail.y / fh as f32);
    // The picture centred in the width it is given (a portrait frame would sit at the left).
    let (row, _) = ui.allocate_exact_size(vec2(avail.x, fh as f32 * k), egui::Sense::hover());
    let rect = egui::Rect::from_center_size(row.center(), vec2(fw as f32 * k, fh as f32 * k));
    let mirror = app.mirror;
    let uv = if mirror {
        egui::Rect::from_min_max(pos2(1.0, 0.0), pos2(0.0, 1.0))
    } else {
        egui::Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0))
    };
    let painter = ui.painter_at(rect);
    painter.image(tex.id(), rect, uv, Color32::WHITE);
    let spec = app.spec();
    let target = Target::new(fw as f64, fh as f64, spec);
    let (w, h) = (spec.width() as f64 * target.scale, spec.height() as f64 * target.scale);
    let to_screen = |x: f64, y: f64| {
        let x = if mirror { fw as f64 - x } else { x };
        rect.min + vec2(x as f32 * k, y as f32 * k)
    };
    let guide = egui::Rect::from_two_pos(to_screen(target.x0, target.y0), to_screen(target.x0 + w, target.y0 + h));
    let mut marks = guides::Marks::default();
    if let Some(r) = &result
        && let Some(face) = &r.analysis.main
        && (r.width, r.height) == (fw, fh)
    {
        let lm = &face.landmarks;
        let p = |q: crate::geometry::Point| to_screen(q.x, q.y);
        marks.pupils = Some([p(lm.left_pupil), p(lm.right_pupil)]);
        marks.chin = Some(p(lm.chin));
        marks.head_top = r.head_top.map(|t| guides::HeadMark::live(t, p));
    }
    guides::draw(&painter, guide, spec, Some(rect), &marks);
    if let Some(start) = app.countdown {
        let total = app.settings.timeouts.countdown;
        let left = (total - app.now().duration_since(start).as_secs_f64()).ceil().max(1.0);
        painter.text(
            rect.center(),
            egui::Align2::CENTER_CENTER,
            format!("{left:.0}"),
            egui::FontId::proportional(countdown_size),
            Color32::from_white_alpha(230),
        );
    }
}
