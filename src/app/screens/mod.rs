//! One module per screen. Each draws from the app's data and answers with [`Intent`]s; text
//! fields of the form are edited in place (they are the visit's data). Shared pieces here: the
//! top bar and status line of the staff modes, big touch buttons, photo textures.

mod ask_staff;
mod attract;
mod checking;
mod choose;
mod city;
mod done;
mod guided;
mod kiosk_result;
mod live;
mod print;
mod review;
mod staff_pin;
mod start;

use egui::{Color32, RichText, TextureHandle, TextureOptions, vec2};
use image::RgbImage;

use super::config::Mode;
use super::machine::Screen;
use super::text::{t, ta};
use super::{BoothApp, Intent};
use crate::Lang;
use crate::spec::Spec;

pub const GREEN: Color32 = Color32::from_rgb(60, 170, 60);
pub const AMBER: Color32 = Color32::from_rgb(220, 150, 30);
pub const RED: Color32 = Color32::from_rgb(220, 60, 50);
pub const BLUE: Color32 = Color32::from_rgb(90, 120, 220);

/// Kiosk touch targets: at least 15 mm on a 1080p kiosk screen.
pub const TOUCH: f32 = 80.0;

/// Draw the current screen.
pub fn show(app: &mut BoothApp, ui: &mut egui::Ui) -> Vec<Intent> {
    let mut out = Vec::new();
    if app.mode != Mode::Kiosk {
        egui::Panel::top("top").show(ui, |ui| top_bar(app, ui, &mut out));
        egui::Panel::bottom("status").show(ui, |ui| status_bar(app, ui));
    }
    egui::CentralPanel::default().show(ui, |ui| match app.screen() {
        Screen::Start => start::show(app, ui, &mut out),
        Screen::Live => live::show(app, ui, &mut out),
        Screen::Checking => checking::show(app, ui),
        Screen::Review => review::show(app, ui, &mut out),
        Screen::Print => print::show(app, ui, &mut out),
        Screen::Attract => attract::show(app, ui, &mut out),
        Screen::Choose => choose::show(app, ui, &mut out),
        Screen::Guided => guided::show(app, ui, &mut out),
        Screen::KioskResult => kiosk_result::show(app, ui, &mut out),
        Screen::Done => done::show(app, ui, &mut out),
        Screen::AskStaff => ask_staff::show(app, ui, &mut out),
        Screen::StaffPin => staff_pin::show(app, ui, &mut out),
    });
    // A touch in a screen's first moments was meant for the one before (a double tap).
    if super::machine::touch_guard(app.screen(), app.mode).is_some_and(|g| app.shown_for() < g) {
        out.clear();
    }
    if app.mode == Mode::Kiosk {
        staff_corner(app, ui, &mut out);
    }
    // While the question is open only its answer counts (PageDown must not replace it).
    if let Some(leave) = app.leave_asked {
        out.clear();
        leave_question(app, leave, ui, &mut out);
    } else if app.mode == Mode::Counter {
        queue_keys(app, ui, &mut out);
    }
    out
}

/// Closing, or serving someone else, over a photo not exported: say what would be lost, and
/// let the person stay.
fn leave_question(app: &BoothApp, leave: super::Leave, ui: &mut egui::Ui, out: &mut Vec<Intent>) {
    let lang = app.lang;
    let go = match leave {
        super::Leave::Quit => "quit.close",
        super::Leave::NextCustomer | super::Leave::Serve { .. } | super::Leave::OpenPhoto => "quit.next",
    };
    // Changes made after an export are what would be lost, not the photo.
    let question = if app.visit.last_export.is_some() { "quit.question_changed" } else { "quit.question" };
    let modal = egui::Modal::new(egui::Id::unique("leave_question")).show(ui.ctx(), |ui| {
        ui.set_max_width(420.0);
        ui.label(RichText::new(t(lang, question)).size(18.0));
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            if ui.button(RichText::new(t(lang, "quit.stay")).size(18.0)).clicked() {
                out.push(Intent::CancelLeave);
            }
            if ui.button(RichText::new(t(lang, go)).size(18.0)).clicked() {
                out.push(Intent::ConfirmLeave);
            }
        });
    });
    // Escape, or a click beside the question: stay.
    if modal.should_close() && !out.contains(&Intent::ConfirmLeave) {
        out.retain(|i| *i != Intent::CancelLeave);
        out.push(Intent::CancelLeave);
    }
}

/// PageDown / PageUp serve the next or previous customer waiting, from the queue or from a
/// customer's photo or print screen (which they close, as "Next customer" does).
fn queue_keys(app: &BoothApp, ui: &egui::Ui, out: &mut Vec<Intent>) {
    if !matches!(app.screen(), Screen::Start | Screen::Review | Screen::Print) {
        return;
    }
    for (key, d) in [(egui::Key::PageDown, 1), (egui::Key::PageUp, -1)] {
        if ui.input(|i| i.key_pressed(key)) {
            out.push(Intent::QueueStep(d));
        }
    }
}

/// Width of the spec list in the top bar.
const SPEC_LIST_W: f32 = 300.0;

fn top_bar(app: &mut BoothApp, ui: &mut egui::Ui, out: &mut Vec<Intent>) {
    let lang = app.lang;
    ui.horizontal_wrapped(|ui| {
        ui.heading(t(lang, "title"));
        ui.separator();
        if ui.button(t(lang, "open")).clicked() {
            out.push(Intent::Open);
        }
        if app.mode == Mode::Laptop && ui.button(t(lang, "sample")).clicked() {
            out.push(Intent::Sample);
        }
        if !app.is_live() && ui.button(t(lang, "start_camera")).clicked() {
            out.push(Intent::StartCamera);
        }
        // The spec's label and its list stay on one row: start a new row when both do not fit.
        let label_text = egui::WidgetText::from(t(lang, "spec"));
        let width = |text: &egui::WidgetText| {
            text.clone()
                .into_galley(ui, Some(egui::TextWrapMode::Extend), f32::INFINITY, egui::TextStyle::Button)
                .size()
                .x
        };
        let name = |s: &Spec| format!("{} ({}×{})", s.name(lang), s.width(), s.height());
        let chosen_name = egui::WidgetText::from(name(app.spec()));
        // The list grows to its chosen name (the Chinese exit-entry name is wider than the set width).
        let list_w = SPEC_LIST_W.max(width(&chosen_name));
        let langs = app.settings.languages.clone();
        let pad = 2.0 * ui.spacing().button_padding.x + ui.spacing().item_spacing.x;
        let langs_w: f32 = langs.iter().map(|l| width(&egui::WidgetText::from(t(*l, "lang_name"))) + pad).sum();
        // (In a wrapping layout `available_width` is the whole row's, so measure from the cursor.)
        let left = ui.max_rect().right() - ui.cursor().min.x;
        // (24 px: the list's arrow and inner margins beyond its set width.)
        if left < width(&label_text) + list_w + 4.0 * ui.spacing().item_spacing.x + 24.0 {
            ui.end_row();
        } else {
            ui.separator();
        }
        let label = ui.label(label_text);
        let mut chosen = app.spec().id.clone();
        egui::ComboBox::from_id_salt("spec")
            .selected_text(chosen_name)
            .width(SPEC_LIST_W)
            // Every spec in view at once (egui's default height hid 4 of 13 with no cue).
            .height(ui.ctx().content_rect().height() * 0.8)
            .show_ui(ui, |ui| {
                for s in app.book.all() {
                    ui.selectable_value(&mut chosen, s.id.clone(), name(s));
                }
            })
            .response
            .labelled_by(label.id);
        if chosen != app.spec().id {
            out.push(Intent::SetSpec(chosen));
        }
        // The language buttons go to a new row together, never one of them alone.
        if ui.max_rect().right() - ui.cursor().min.x < langs_w + 2.0 * ui.spacing().item_spacing.x {
            ui.end_row();
        } else {
            ui.separator();
        }
        for l in langs {
            if ui.selectable_label(app.lang == l, t(l, "lang_name")).clicked() {
                out.push(Intent::SetLang(l));
            }
        }
    });
    // No file dialog on this system: a path field under the buttons, whatever the screen.
    if let Some(path) = &mut app.path_entry {
        ui.horizontal(|ui| {
            let l = ui.label(t(lang, "path_label"));
            let r = ui.add(egui::TextEdit::singleline(path).desired_width(420.0)).labelled_by(l.id);
            let go = ui.button(t(lang, "path_open")).clicked()
                || (r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)));
            if go && !path.trim().is_empty() {
                out.push(Intent::OpenPath(crate::paths::typed_path(path)));
            }
        });
    }
}

fn status_bar(app: &BoothApp, ui: &mut egui::Ui) {
    ui.horizontal_wrapped(|ui| {
        if let Some(e) = app.error() {
            ui.colored_label(RED, e);
        } else if let Some(n) = app.settings_note() {
            ui.colored_label(AMBER, n);
        }
        // (The start screen shows its hint, "no camera", itself: not for a photo's screens.)
        // At the counter the kiosk's queue shows on every other screen too: staff leave the
        // start screen's list while they serve someone.
        // The ticket of the customer at the counter, always in sight (the form's field may be
        // scrolled away), to match the slip in their hand.
        if app.mode == Mode::Counter
            && app.screen() != Screen::Start
            && let Some(ticket) = &app.visit.ticket
        {
            ui.separator();
            ui.strong(ta(app.lang, "queue.serving", &[("ticket", ticket.clone())]));
        }
        let waiting = app.queue.waiting(app.visit.from_spool.as_deref());
        if app.mode == Mode::Counter && app.screen() != Screen::Start && waiting > 0 {
            ui.separator();
            ui.colored_label(AMBER, ta(app.lang, "queue.heading", &[("n", waiting.to_string())]));
        }
        if app.is_live() {
            ui.separator();
            let (u, a) = app.live_fps();
            ui.label(ta(app.lang, "live_stats", &[("ui", format!("{u:.0}")), ("an", format!("{a:.1}"))]));
        }
    });
}

/// After "Retake": whose photo the next one is (the start and live screens say so).
fn retake_text(app: &BoothApp) -> Option<String> {
    let who = app.retake_for()?;
    Some(if who.is_empty() {
        t(app.lang, "retake_pending")
    } else {
        ta(app.lang, "retake_pending_for", &[("who", who)])
    })
}

/// The hidden way out for staff: press and hold the top-left corner.
fn staff_corner(app: &mut BoothApp, ui: &mut egui::Ui, out: &mut Vec<Intent>) {
    if app.screen() == Screen::StaffPin {
        return;
    }
    let corner = egui::Rect::from_min_size(ui.ctx().content_rect().min, vec2(TOUCH, TOUCH));
    let held =
        ui.ctx().input(|i| i.pointer.primary_down() && i.pointer.press_origin().is_some_and(|p| corner.contains(p)));
    let now = app.now();
    match (held, app.staff_press) {
        (true, None) => app.staff_press = Some(now),
        (true, Some(since)) if now.duration_since(since).as_secs_f64() >= app.settings.timeouts.staff_press => {
            app.staff_press = None;
            out.push(Intent::StaffGesture);
        }
        (true, Some(_)) => ui.ctx().request_repaint_after(std::time::Duration::from_millis(100)),
        (false, _) => app.staff_press = None,
    }
}

/// A large touch button with a fixed minimum height.
pub fn big_button(ui: &mut egui::Ui, text: &str, width: f32, fill: Option<Color32>) -> egui::Response {
    big_button_sized(ui, text, vec2(width, TOUCH), fill)
}

/// A big button of `size` (a short screen makes them lower than [`TOUCH`]).
pub fn big_button_sized(ui: &mut egui::Ui, text: &str, size: egui::Vec2, fill: Option<Color32>) -> egui::Response {
    let mut b = egui::Button::new(RichText::new(text).size(30.0)).min_size(size);
    if let Some(f) = fill {
        b = b.fill(f);
    }
    // A button places its text by its Ui's layout (top-left in a panel): a box of its own
    // size with a centred layout puts the text in the middle.
    let centred = egui::Layout::top_down(egui::Align::Center).with_main_align(egui::Align::Center);
    ui.allocate_ui_with_layout(size, centred, |ui| ui.add(b)).inner
}

/// A texture kept in step with an image: re-uploaded when `generation` changes.
pub fn texture(
    ui: &egui::Ui,
    slot: &mut Option<(TextureHandle, u64)>,
    name: &str,
    img: &RgbImage,
    generation: u64,
) -> TextureHandle {
    texture_with(ui, slot, name, generation, || img.clone())
}

/// As [`texture`], with the image made only when the slot holds another generation.
pub fn texture_with(
    ui: &egui::Ui,
    slot: &mut Option<(TextureHandle, u64)>,
    name: &str,
    generation: u64,
    make: impl FnOnce() -> RgbImage,
) -> TextureHandle {
    match slot {
        Some((tex, g)) if *g == generation => tex.clone(),
        _ => {
            let img = make();
            let c = egui::ColorImage::from_rgb([img.width() as usize, img.height() as usize], img.as_raw());
            let tex = ui.ctx().load_texture(name, c, TextureOptions::LINEAR);
            *slot = Some((tex.clone(), generation));
            tex
        }
    }
}

/// A text in both languages of the booth, the customer's first (attract screen).
pub fn both(langs: &[Lang], key: &str) -> Vec<String> {
    langs.iter().map(|l| t(*l, key)).collect()
}
