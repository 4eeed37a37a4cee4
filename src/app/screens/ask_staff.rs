//! Kiosk: the camera is missing or failing (a friendly message; the booth looks for the camera
//! again by itself and carries on when it is back), or the photo could not be handed to the
//! counter (the screen holds until staff come).

use egui::RichText;

use super::{BoothApp, Intent, both};

pub fn show(app: &BoothApp, ui: &mut egui::Ui, _out: &mut [Intent]) {
    ui.vertical_centered(|ui| {
        ui.add_space(ui.available_height() * 0.25);
        let key = if app.staff_needed { "kiosk.handoff_failed" } else { "kiosk.ask_staff" };
        for line in both(&app.settings.languages, key) {
            ui.label(RichText::new(line).size(44.0).strong());
        }
        ui.add_space(20.0);
        if !app.staff_needed {
            ui.spinner();
        }
    });
}
