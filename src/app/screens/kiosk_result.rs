//! Kiosk: the cropped photo big, and either "Looks good" or "Let's retake" with the one most
//! important reason and how to fix it (the full checklist is for staff).

use egui::{Color32, RichText, pos2, vec2};

use super::super::text::{t, ta};
use super::{AMBER, BoothApp, GREEN, Intent, RED, big_button};
use crate::judge::{Overall, RuleId};

/// What a customer can most easily fix, first.
const PRIORITY: [RuleId; 30] = [
    RuleId::SingleFace,
    RuleId::Glasses,
    RuleId::Headwear,
    RuleId::HairOverEyes,
    RuleId::BrowsVisible,
    RuleId::EarsVisible,
    RuleId::Jewellery,
    RuleId::ClothingContrast,
    RuleId::EyesOpen,
    RuleId::MouthClosed,
    RuleId::Expression,
    RuleId::Yaw,
    RuleId::Pitch,
    RuleId::Roll,
    RuleId::Exposure,
    RuleId::LightingUniformity,
    RuleId::FaceShadow,
    RuleId::FaceReflection,
    RuleId::Sharpness,
    RuleId::Colour,
    RuleId::CrownMargin,
    RuleId::ChinMargin,
    RuleId::Centering,
    RuleId::HeadHeight,
    RuleId::FaceWidth,
    RuleId::InterPupil,
    RuleId::EyeLine,
    RuleId::BackgroundUniformity,
    RuleId::BackgroundColor,
    RuleId::Resolution,
];

pub fn show(app: &mut BoothApp, ui: &mut egui::Ui, out: &mut Vec<Intent>) {
    let lang = app.lang;
    let Some(still) = app.still() else { return };
    let report = still.report().clone();
    let img = still.composed.as_ref().map(|c| c.image.clone()).or_else(|| still.judgement.frame.clone());
    let mut open: Vec<_> = report.rules.iter().filter(|r| !r.verdict.status.is_ok()).collect();
    open.sort_by_key(|r| PRIORITY.iter().position(|p| *p == r.verdict.rule).unwrap_or(usize::MAX));
    let main = open.first();
    egui::Panel::right("kiosk_verdict").min_size(ui.available_width() * 0.45).show(ui, |ui| {
        ui.add_space(40.0);
        let width = ui.available_width() - 20.0;
        match report.overall {
            Overall::Fail => {
                ui.label(RichText::new(t(lang, "kiosk.retake_title")).size(44.0).color(RED).strong());
                if let Some(r) = main {
                    ui.add_space(16.0);
                    ui.label(RichText::new(&r.message).size(28.0));
                }
                ui.add_space(30.0);
                if big_button(ui, &t(lang, "kiosk.retake"), width, Some(Color32::from_rgb(40, 90, 160))).clicked() {
                    out.push(Intent::Retake);
                }
            }
            o => {
                ui.label(RichText::new(t(lang, "kiosk.looks_good")).size(44.0).color(GREEN).strong());
                // Every point staff will look at, so none is a surprise at the counter (a white
                // top on the white background, not only the earrings).
                if o == Overall::NeedsPerson && !open.is_empty() {
                    let sep = if lang == crate::Lang::Zh { "；" } else { "; " };
                    let rules = open.iter().map(|r| r.title.as_str()).collect::<Vec<_>>().join(sep);
                    ui.add_space(16.0);
                    ui.label(
                        RichText::new(ta(lang, "kiosk.staff_will_check", &[("rule", rules)])).size(24.0).color(AMBER),
                    );
                }
                ui.add_space(30.0);
                if big_button(ui, &t(lang, "kiosk.accept"), width, Some(Color32::from_rgb(40, 130, 60))).clicked() {
                    out.push(Intent::Accept);
                }
                ui.add_space(16.0);
                if big_button(ui, &t(lang, "kiosk.retake"), width, None).clicked() {
                    out.push(Intent::Retake);
                }
            }
        }
        if let Some(e) = app.error() {
            ui.colored_label(RED, e);
        }
    });
    egui::CentralPanel::default().show(ui, |ui| {
        let Some(img) = img else {
            ui.centered_and_justified(|ui| ui.label(RichText::new(t(lang, "no_face")).size(32.0)));
            return;
        };
        let tex = super::texture(ui, &mut app.result_tex, "kiosk_result", &img, app.still_gen);
        let (w, h) = (img.width() as f32, img.height() as f32);
        let k = (ui.available_height() / h).min(ui.available_width() / w);
        ui.vertical_centered(|ui| {
            let (rect, _) = ui.allocate_exact_size(vec2(w * k, h * k), egui::Sense::hover());
            ui.painter().image(
                tex.id(),
                rect,
                egui::Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0)),
                Color32::WHITE,
            );
        });
    });
}
