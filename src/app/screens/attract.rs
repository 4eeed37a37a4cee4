//! Kiosk: waiting for a customer. Bilingual; any touch starts.

use egui::{Color32, RichText};

use super::{BoothApp, Intent, both};

pub fn show(app: &BoothApp, ui: &mut egui::Ui, out: &mut Vec<Intent>) {
    let langs = &app.settings.languages;
    let rect = ui.max_rect();
    ui.vertical_centered(|ui| {
        ui.add_space(rect.height() * 0.2);
        for line in both(langs, "kiosk.welcome") {
            ui.label(RichText::new(line).size(54.0).strong());
        }
        ui.add_space(40.0);
        for line in both(langs, "kiosk.touch_to_start") {
            ui.label(RichText::new(line).size(36.0).color(Color32::from_rgb(90, 170, 255)));
        }
        if !app.settings.studio.name.is_empty() {
            ui.add_space(40.0);
            ui.label(RichText::new(&app.settings.studio.name).size(24.0));
        }
    });
    let resp = ui.interact(rect, ui.scope_id().with("attract"), egui::Sense::click());
    if resp.clicked() {
        out.push(Intent::Touch);
    }
}
