//! Kiosk: the ticket number and what to do next; back to the start with "Done", or on its own.

use egui::{Color32, RichText};

use super::super::text::{t, ta};
use super::{AMBER, BoothApp, GREEN, Intent, RED, big_button};

pub fn show(app: &BoothApp, ui: &mut egui::Ui, out: &mut Vec<Intent>) {
    let lang = app.lang;
    let ticket = app.visit.ticket.clone().unwrap_or_default();
    // At the bottom, so it stays on screen whatever the height: the next customer need not wait.
    egui::Panel::bottom("done_button").show_separator_line(false).show(ui, |ui| {
        ui.vertical_centered(|ui| {
            let width = (ui.available_width() * 0.4).clamp(260.0, 500.0);
            if big_button(ui, &t(lang, "kiosk.done_button"), width, Some(Color32::from_rgb(40, 130, 60))).clicked() {
                out.push(Intent::Finish);
            }
        });
        ui.add_space(40.0);
    });
    ui.vertical_centered(|ui| {
        ui.add_space(ui.available_height() * 0.15);
        ui.label(RichText::new(t(lang, "kiosk.done_title")).size(44.0).color(GREEN).strong());
        ui.add_space(20.0);
        ui.label(RichText::new(t(lang, "kiosk.your_ticket")).size(32.0));
        ui.label(RichText::new(&ticket).size(160.0).strong());
        ui.add_space(20.0);
        ui.label(RichText::new(ta(lang, "kiosk.give_ticket", &[("ticket", ticket.clone())])).size(30.0));
        // The studio prints passed photos by itself: where to collect them, or whom to ask.
        let desk = &app.visit.print;
        let outcomes = desk.statuses(lang);
        let failed = outcomes.iter().any(|(_, _, ok)| !ok);
        let line = if failed {
            Some((ta(lang, "kiosk.print_failed", &[("ticket", ticket.clone())]), RED))
        } else if desk.printing() {
            Some((t(lang, "kiosk.printing"), AMBER))
        } else if !outcomes.is_empty() {
            Some((t(lang, "kiosk.printed"), GREEN))
        } else {
            None
        };
        if let Some((text, colour)) = line {
            ui.add_space(20.0);
            ui.label(RichText::new(text).size(30.0).color(colour));
        }
    });
}
