//! Kiosk: the customer picks their language and the document the photo is for. Passport and
//! the two permits share one photo; the ID and social-security cards have their own spec.
//! "Start over" below them returns to the attract screen (nothing of the visit kept).

use egui::{RichText, vec2};

use super::super::state::Document;
use super::super::text::t;
use super::{BoothApp, Intent, TOUCH, big_button_sized};

pub fn show(app: &mut BoothApp, ui: &mut egui::Ui, out: &mut Vec<Intent>) {
    let width = (ui.available_width() * 0.6).clamp(320.0, 900.0);
    // Everything on one screen (a stranger at a touch screen does not know to scroll): on a
    // short screen the gaps shrink first, then the buttons get lower (not below 56 px, still
    // a finger's width); only what still does not fit scrolls.
    let rows = 2.0 + documents(app).len() as f32; // the languages, the documents, "Start over"
    let gaps = 30.0 + 30.0 + 20.0 + 12.0 * documents(app).len() as f32 + 18.0;
    let heading = 60.0;
    let h = ui.available_height() - 8.0;
    let k = ((h - heading - rows * TOUCH) / gaps).clamp(0.1, 1.0);
    let button_h = ((h - heading - gaps * k) / rows).clamp(56.0, TOUCH);
    egui::ScrollArea::vertical().show(ui, |ui| ui.vertical_centered(|ui| choices(app, ui, out, width, button_h, k)));
}

/// The documents some spec is for, in the order offered.
fn documents(app: &BoothApp) -> Vec<Document> {
    [Document::Passport, Document::HkMacau, Document::Taiwan, Document::ResidentId, Document::SocialSecurity]
        .into_iter()
        .filter(|d| app.book.all().iter().any(|s| s.documents.iter().any(|x| x == d.id())))
        .collect()
}

fn choices(app: &BoothApp, ui: &mut egui::Ui, out: &mut Vec<Intent>, width: f32, button_h: f32, k: f32) {
    let lang = app.lang;
    ui.add_space(30.0 * k);
    ui.horizontal(|ui| {
        ui.add_space((ui.available_width() - 2.0 * 260.0) / 2.0);
        for l in app.settings.languages.clone() {
            let b = egui::Button::new(RichText::new(t(l, "lang_name")).size(30.0))
                .min_size(vec2(240.0, button_h))
                .selected(l == app.lang);
            if ui.add(b).clicked() {
                out.push(Intent::SetLang(l));
            }
        }
    });
    ui.add_space(30.0 * k);
    ui.label(RichText::new(t(lang, "kiosk.choose_document")).size(40.0).strong());
    ui.add_space(20.0 * k);
    for d in documents(app) {
        if big_button_sized(ui, &d.label(lang), vec2(width, button_h), None).clicked() {
            out.push(Intent::Choose { lang, document: d });
        }
        ui.add_space(12.0 * k);
    }
    // A customer who touched the screen by mistake, or changed their mind, can leave.
    ui.add_space(18.0 * k);
    if big_button_sized(ui, &t(lang, "kiosk.start_over"), vec2(260.0, button_h), None).clicked() {
        out.push(Intent::StartOver);
    }
}
