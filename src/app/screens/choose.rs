//! Kiosk: the customer picks their language and the document the photo is for. Passport and
//! the two permits share one photo; the ID and social-security cards have their own spec.

use egui::{RichText, vec2};

use super::super::state::Document;
use super::super::text::t;
use super::{BoothApp, Intent, TOUCH, big_button};

pub fn show(app: &mut BoothApp, ui: &mut egui::Ui, out: &mut Vec<Intent>) {
    let lang = app.lang;
    let width = (ui.available_width() * 0.6).clamp(320.0, 900.0);
    ui.vertical_centered(|ui| {
        ui.add_space(30.0);
        ui.horizontal(|ui| {
            ui.add_space((ui.available_width() - 2.0 * 260.0) / 2.0);
            for l in app.settings.languages.clone() {
                let b = egui::Button::new(RichText::new(t(l, "lang_name")).size(30.0))
                    .min_size(vec2(240.0, TOUCH))
                    .selected(l == app.lang);
                if ui.add(b).clicked() {
                    out.push(Intent::SetLang(l));
                }
            }
        });
        ui.add_space(30.0);
        ui.label(RichText::new(t(lang, "kiosk.choose_document")).size(40.0).strong());
        ui.add_space(20.0);
        for d in
            [Document::Passport, Document::HkMacau, Document::Taiwan, Document::ResidentId, Document::SocialSecurity]
        {
            if !app.book.all().iter().any(|s| s.documents.iter().any(|x| x == d.id())) {
                continue;
            }
            if big_button(ui, &d.label(lang), width, None).clicked() {
                out.push(Intent::Choose { lang, document: d });
            }
            ui.add_space(12.0);
        }
    });
}
