//! Kiosk: staff enter their PIN on a touch keypad, then go back to the kiosk (the customer and
//! any held problem dropped) or close it. Cancel returns to the screen the gesture was made on
//! (a customer's visit goes on); a timeout goes to the attract screen (the visit dropped). A
//! staff screen that holds (a failed hand-off) is returned to either way.

use egui::{RichText, vec2};

use super::super::text::{t, ta};
use super::{BoothApp, Intent, RED, TOUCH, big_button};

pub fn show(app: &mut BoothApp, ui: &mut egui::Ui, out: &mut Vec<Intent>) {
    if app.staff_unlocked {
        return staff_menu(app, ui, out);
    }
    let lang = app.lang;
    // Keys lower on a short screen (not below 56 px), so 800×600 holds the keypad and Cancel.
    let key_h = ((ui.available_height() - 330.0) / 5.2).clamp(56.0, TOUCH);
    let k = ((ui.available_height() - 600.0) / 120.0).clamp(0.25, 1.0);
    ui.vertical_centered(|ui| {
        ui.add_space(40.0 * k);
        ui.label(RichText::new(t(lang, "kiosk.staff_pin")).size(36.0));
        ui.label(RichText::new("•".repeat(app.pin_entry.chars().count())).size(48.0));
        // The line is there even when empty, so the keypad does not jump under a finger.
        let locked = app.pin_locked_for();
        let wrong = match locked {
            Some(d) => {
                // The countdown moves by itself.
                ui.ctx().request_repaint_after(std::time::Duration::from_millis(250));
                ta(lang, "kiosk.pin_locked", &[("seconds", d.as_secs_f64().ceil().to_string())])
            }
            None if app.pin_error => t(lang, "kiosk.wrong_pin"),
            None => " ".into(),
        };
        ui.colored_label(RED, RichText::new(wrong).size(24.0));
        if app.settings.staff_pin_hash.is_none() {
            ui.label(RichText::new(t(lang, "kiosk.no_pin")).size(20.0));
        }
        ui.add_space(20.0 * k);
        let keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "←", "0", "OK"];
        // A grid starts at its parent's left edge even in a centred layout: give it a box of
        // its own width, which the centred layout does place in the middle.
        let (key, gap) = (vec2(TOUCH * 1.3, key_h), 12.0 * k.max(0.5));
        let pad = vec2(3.0 * key.x + 2.0 * gap, 4.0 * key.y + 3.0 * gap);
        ui.allocate_ui(pad, |ui| {
            egui::Grid::new("pinpad").spacing([gap, gap]).show(ui, |ui| {
                for (i, k) in keys.iter().enumerate() {
                    let b = egui::Button::new(RichText::new(*k).size(34.0)).min_size(key);
                    if ui.add_enabled(locked.is_none(), b).clicked() {
                        // The next try starts: the last one's "wrong" goes.
                        app.pin_error = false;
                        match *k {
                            "←" => {
                                app.pin_entry.pop();
                            }
                            "OK" => out.push(Intent::Pin(std::mem::take(&mut app.pin_entry))),
                            d if app.pin_entry.len() < crate::app::config::PIN_MAX => app.pin_entry.push_str(d),
                            _ => {}
                        }
                    }
                    if i % 3 == 2 {
                        ui.end_row();
                    }
                }
            });
        });
        ui.add_space(20.0 * k);
        let b = egui::Button::new(RichText::new(t(lang, "cancel")).size(28.0)).min_size(vec2(TOUCH * 4.0, key_h));
        if ui.add(b).clicked() {
            out.push(Intent::CancelPin);
        }
    });
}

/// After the right PIN: the kiosk again, or closed.
fn staff_menu(app: &BoothApp, ui: &mut egui::Ui, out: &mut Vec<Intent>) {
    let lang = app.lang;
    let width = TOUCH * 6.0;
    ui.vertical_centered(|ui| {
        ui.add_space(80.0);
        ui.label(RichText::new(t(lang, "kiosk.staff_menu")).size(36.0));
        ui.add_space(40.0);
        // A photo that could not be handed over: what went wrong, and a second try once it
        // is mended (the customer is still there, holding the screen).
        if let Some(e) = &app.handoff_error {
            let text = ta(lang, "kiosk.handoff_problem", &[("error", e.clone())]);
            ui.add(egui::Label::new(RichText::new(text).size(20.0).color(RED)).wrap());
            ui.add_space(16.0);
            if big_button(ui, &t(lang, "kiosk.staff_retry"), width, None).clicked() {
                out.push(Intent::RetryHandoff);
            }
            ui.add_space(24.0);
        }
        if big_button(ui, &t(lang, "kiosk.staff_resume"), width, None).clicked() {
            out.push(Intent::StartOver);
        }
        ui.add_space(24.0);
        if big_button(ui, &t(lang, "kiosk.staff_close"), width, Some(egui::Color32::from_rgb(150, 40, 35))).clicked() {
            out.push(Intent::CloseKiosk);
        }
    });
}
