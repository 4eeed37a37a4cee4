//! Laptop and counter: nothing open yet. The laptop gets a first-run hint, Open, the camera and
//! the sample; the counter gets its queue. (Without a file dialog, the path field is in the top
//! bar, on every screen.)

use egui::RichText;

use super::super::config::Mode;
use super::super::state::Document;
use super::super::text::{t, ta};
use super::{BoothApp, Intent};

pub fn show(app: &mut BoothApp, ui: &mut egui::Ui, out: &mut Vec<Intent>) {
    if app.mode == Mode::Counter {
        queue(app, ui, out);
        ui.separator();
    }
    let lang = app.lang;
    ui.vertical_centered(|ui| {
        ui.add_space(30.0);
        if let Some(n) = app.notice() {
            ui.label(RichText::new(n).size(18.0));
        }
        // After "Retake" the next photo is the same person's: say so, and offer the way out.
        if let Some(text) = super::retake_text(app) {
            ui.label(RichText::new(text).size(18.0));
            if ui.button(t(lang, "retake_clear")).clicked() {
                out.push(Intent::NextCustomer);
            }
        }
        ui.add_space(16.0);
        if ui.button(RichText::new(t(lang, "open")).size(22.0)).clicked() {
            out.push(Intent::Open);
        }
        ui.add_space(8.0);
        if ui.button(RichText::new(t(lang, "start_camera")).size(18.0)).clicked() {
            out.push(Intent::StartCamera);
        }
        if app.mode == Mode::Laptop {
            ui.add_space(8.0);
            if ui.button(RichText::new(t(lang, "sample")).size(18.0)).clicked() {
                out.push(Intent::Sample);
            }
        }
        ui.add_space(16.0);
        ui.label(t(lang, "drop_hint"));
    });
}

/// The kiosk's hand-offs waiting at the counter (PageDown / PageUp: `screens::queue_keys`).
fn queue(app: &mut BoothApp, ui: &mut egui::Ui, out: &mut Vec<Intent>) {
    let lang = app.lang;
    ui.heading(ta(lang, "queue.heading", &[("n", app.queue.new_count().to_string())]));
    if app.spool_dir().is_none() {
        ui.label(t(lang, "queue.no_spool"));
        return;
    }
    if app.queue.entries.is_empty() {
        ui.label(t(lang, "queue.empty"));
    }
    let today = jiff::Zoned::now().strftime("%Y-%m-%d").to_string();
    egui::ScrollArea::vertical().max_height(240.0).show(ui, |ui| {
        egui::Grid::new("queue").striped(true).num_columns(4).show(ui, |ui| {
            for (i, e) in app.queue.entries.iter().enumerate() {
                let h = &e.handoff;
                let selected = app.queue.selected == Some(i);
                if ui.selectable_label(selected, RichText::new(h.ticket_label(&today)).size(18.0).strong()).clicked() {
                    out.push(Intent::QueueOpen(i));
                }
                let status = serde_json::to_value(e.status).ok().and_then(|v| v.as_str().map(String::from));
                let cells = [
                    Document::from_id(&h.document).map_or_else(|| h.document.clone(), |d| d.label(lang)),
                    t(lang, &format!("queue.outcome_{}", h.outcome.as_str())),
                    t(lang, &format!("queue.status_{}", status.unwrap_or_default())),
                ];
                // The whole row opens the entry, not only its ticket number.
                for text in cells {
                    if ui.add(egui::Label::new(text).sense(egui::Sense::click())).clicked() {
                        out.push(Intent::QueueOpen(i));
                    }
                }
                ui.end_row();
            }
        });
    });
}
