//! Kiosk: the live camera with the head outline, one instruction at a time in big plain words,
//! and the official reminders as pictograms. Capture happens by itself: framing, pose and light
//! hold for a moment, a countdown runs, the best of a short burst is kept.

use egui::{Color32, RichText, Stroke, pos2, vec2};

use super::super::text::{t, ta};
use super::{AMBER, BoothApp, GREEN, Intent, big_button};

pub fn show(app: &mut BoothApp, ui: &mut egui::Ui, out: &mut Vec<Intent>) {
    // A portrait screen (a kiosk's upright monitor) shows the camera's landscape picture at
    // the full width with room to spare: the instruction goes above the picture, next to the
    // camera the customer looks at, instead of far below it under the empty space.
    let portrait = ui.available_height() > ui.available_width() * 1.2;
    if portrait {
        egui::Panel::top("guided_instruction").show(ui, |ui| {
            ui.add_space(16.0);
            instruction(app, ui);
            ui.add_space(8.0);
        });
    }
    egui::Panel::bottom("guided_help").show(ui, |ui| {
        ui.add_space(8.0);
        if !portrait {
            instruction(app, ui);
            ui.add_space(8.0);
        }
        reminders(ui, app.lang, app.spec());
        ui.add_space(8.0);
        buttons(app, ui, out);
        ui.add_space(8.0);
    });
    super::live::draw(app, ui, 260.0);
}

/// One instruction at a time, the most important first.
fn instruction(app: &BoothApp, ui: &mut egui::Ui) {
    let lang = app.lang;
    let warns = app.live_warnings();
    let (text, color) = if app.smoother.is_empty() {
        (t(lang, app.starting_text_key()), Color32::GRAY)
    } else if app.countdown.is_some() || app.guide.burst_started.is_some() {
        (t(lang, "kiosk.hold_still"), GREEN)
    } else if let Some(w) = warns.first() {
        (t(lang, w.key()), AMBER)
    } else {
        (t(lang, "kiosk.looking_good"), GREEN)
    };
    ui.vertical_centered(|ui| ui.add(egui::Label::new(RichText::new(text).size(44.0).color(color).strong()).wrap()));
}

fn buttons(app: &BoothApp, ui: &mut egui::Ui, out: &mut Vec<Intent>) {
    let lang = app.lang;
    ui.horizontal(|ui| {
        if big_button(ui, &t(lang, "kiosk.start_over"), 260.0, None).clicked() {
            out.push(Intent::StartOver);
        }
        // The guidance depends on the document: say which one, and let them change it.
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if big_button(ui, &t(lang, "kiosk.change_document"), 300.0, None).clicked() {
                out.push(Intent::ChangeDocument);
            }
            let document = app.visit.form.document.label(lang);
            ui.label(RichText::new(ta(lang, "kiosk.photo_for", &[("document", document)])).size(24.0));
        });
    });
}

/// The official guidance as pictograms, each crossed out: glasses, hats, hair clips, earrings
/// and necklaces; and hair behind the ears and off the eyebrows. Only what the chosen document
/// asks: the ID card allows (habitual) glasses and says nothing of jewellery.
fn reminders(ui: &mut egui::Ui, lang: crate::Lang, spec: &crate::spec::Spec) {
    let items: Vec<&str> = [
        (!spec.glasses_allowed()).then_some("glasses"),
        Some("hat"),
        spec.forbids_jewellery().then_some("clip"),
        spec.forbids_jewellery().then_some("jewellery"),
        Some("hair"),
    ]
    .into_iter()
    .flatten()
    .collect();
    let size = 64.0;
    ui.horizontal(|ui| {
        // Each item as wide as the screen allows (204 px at most), its label wrapping under the
        // pictogram: a 1024-px screen holds five, and the row never widens the panel (which
        // pushed the "Change document" button off the right edge).
        let gap = ui.spacing().item_spacing.x;
        let n = items.len() as f32;
        let each = ((ui.available_width() - gap * n) / n).min(size + 140.0).floor();
        ui.add_space(((ui.available_width() - n * (each + gap)) / 2.0).max(0.0));
        for &item in &items {
            ui.vertical(|ui| {
                ui.set_width(each);
                let (rect, _) = ui.allocate_exact_size(vec2(size, size), egui::Sense::hover());
                draw_pictogram(ui.painter(), rect, item);
                let text = RichText::new(t(lang, &format!("kiosk.reminder_{item}"))).size(18.0);
                ui.add(egui::Label::new(text).wrap());
            });
        }
    });
}

fn draw_pictogram(p: &egui::Painter, r: egui::Rect, item: &str) {
    let ink = Stroke::new(3.0, Color32::from_gray(230));
    let c = r.center();
    let s = r.width() / 2.0;
    match item {
        "glasses" => {
            p.circle_stroke(c + vec2(-s * 0.45, 0.0), s * 0.32, ink);
            p.circle_stroke(c + vec2(s * 0.45, 0.0), s * 0.32, ink);
            p.line_segment([c + vec2(-s * 0.13, 0.0), c + vec2(s * 0.13, 0.0)], ink);
        }
        "hat" => {
            p.line_segment([c + vec2(-s * 0.8, s * 0.3), c + vec2(s * 0.8, s * 0.3)], ink);
            p.rect_stroke(
                egui::Rect::from_min_max(c + vec2(-s * 0.45, -s * 0.5), c + vec2(s * 0.45, s * 0.3)),
                4.0,
                ink,
                egui::StrokeKind::Middle,
            );
        }
        "clip" => {
            p.line_segment([c + vec2(-s * 0.7, -s * 0.2), c + vec2(s * 0.7, -s * 0.2)], ink);
            p.line_segment([c + vec2(-s * 0.7, s * 0.2), c + vec2(s * 0.5, -s * 0.2)], ink);
        }
        "jewellery" => {
            p.circle_stroke(c + vec2(0.0, -s * 0.2), s * 0.45, ink);
            p.circle_filled(c + vec2(0.0, s * 0.35), s * 0.12, Color32::from_gray(230));
        }
        _ => {
            // A face with hair tucked behind the ears.
            p.circle_stroke(c, s * 0.55, ink);
            p.circle_stroke(c + vec2(-s * 0.62, 0.0), s * 0.15, ink);
            p.circle_stroke(c + vec2(s * 0.62, 0.0), s * 0.15, ink);
            p.line_segment([c + vec2(-s * 0.3, -s * 0.25), c + vec2(-s * 0.1, -s * 0.25)], ink);
            p.line_segment([c + vec2(s * 0.1, -s * 0.25), c + vec2(s * 0.3, -s * 0.25)], ink);
            return;
        }
    }
    // Crossed out.
    let red = Stroke::new(4.0, Color32::from_rgb(230, 70, 60));
    p.circle_stroke(c, s * 0.95, red);
    p.line_segment([pos2(c.x - s * 0.67, c.y - s * 0.67), pos2(c.x + s * 0.67, c.y + s * 0.67)], red);
}
