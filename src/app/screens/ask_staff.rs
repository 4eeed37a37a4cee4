//! Kiosk: the camera is missing or failing. A friendly message; the booth looks for the camera
//! again by itself and carries on when it is back.

use egui::RichText;

use super::{BoothApp, Intent, both};

pub fn show(app: &BoothApp, ui: &mut egui::Ui, _out: &mut [Intent]) {
    ui.vertical_centered(|ui| {
        ui.add_space(ui.available_height() * 0.25);
        for line in both(&app.settings.languages, "kiosk.ask_staff") {
            ui.label(RichText::new(line).size(44.0).strong());
        }
        ui.add_space(20.0);
        ui.spinner();
    });
}
