//! A still is being detected and judged on a worker: a spinner, the window stays alive.

use egui::RichText;

use super::super::text::t;
use super::BoothApp;

pub fn show(app: &BoothApp, ui: &mut egui::Ui) {
    let big = app.mode == super::Mode::Kiosk;
    ui.centered_and_justified(|ui| {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(RichText::new(t(app.lang, "checking")).size(if big { 40.0 } else { 20.0 }));
        });
    });
}
