//! Laptop and counter, after an export: the sheet drawn as it will come out (on a worker), the
//! layout and copies, Save PDF… and Print for the sheet and the slip, and what each came to.

use egui::{Color32, RichText, pos2, vec2};

use super::super::config::Mode;
use super::super::print::{PREVIEW_DPI, Paper};
use super::super::text::{t, ta};
use super::{BoothApp, GREEN, Intent, RED};

pub fn show(app: &mut BoothApp, ui: &mut egui::Ui, out: &mut Vec<Intent>) {
    egui::Panel::bottom("print_actions").show(ui, |ui| actions(app, ui, out));
    egui::Panel::right("print_choices").min_size(280.0).show(ui, |ui| choices(app, ui, out));
    egui::CentralPanel::default().show(ui, |ui| preview(app, ui));
}

fn choices(app: &BoothApp, ui: &mut egui::Ui, out: &mut Vec<Intent>) {
    let lang = app.lang;
    ui.add_space(6.0);
    ui.heading(t(lang, "print.heading"));
    // Whose photo this is (a reprint comes from a file, not from the customer at the desk).
    if let Some(a) = app.visit.print.source().map(|s| &s.summary.doc.applicant) {
        let who: Vec<String> =
            [a.name.clone(), a.ticket.as_ref().map(|t| ta(lang, "print.ticket_no", &[("ticket", t.clone())]))]
                .into_iter()
                .flatten()
                .filter(|s| !s.trim().is_empty())
                .collect();
        if !who.is_empty() {
            ui.strong(who.join(" · "));
        }
    }
    ui.add_space(6.0);
    let desk = &app.visit.print;
    let current = desk.layout.clone().unwrap_or_else(|| app.settings.print.layout.clone());
    let mut chosen = current.clone();
    let label = ui.label(t(lang, "print.layout"));
    let name = |l: &crate::print::Layout| {
        let [w, h] = l.paper_mm;
        let args = [("name", l.name(lang).to_string()), ("w", w.min(h).to_string()), ("h", w.max(h).to_string())];
        ta(lang, "print.layout_item", &args)
    };
    let selected = app.layouts.get(&current).map(name).unwrap_or_else(|_| current.clone());
    egui::ComboBox::from_id_salt("layout")
        .selected_text(selected)
        .width(260.0)
        .show_ui(ui, |ui| {
            // Mixed sheets need photos of several specs: the command line makes those.
            for l in app.layouts.all().iter().filter(|l| l.blocks.is_empty()) {
                ui.selectable_value(&mut chosen, l.id.clone(), name(l));
            }
        })
        .response
        .labelled_by(label.id);
    if chosen != current {
        out.push(Intent::SetLayout(chosen));
    }
    ui.add_space(8.0);
    let mut fill = desk.copies.is_none();
    if ui.checkbox(&mut fill, t(lang, "print.fill")).changed() {
        out.push(Intent::SetCopies(if fill { None } else { Some(1) }));
    }
    if let Some(n) = desk.copies {
        let mut n = n;
        ui.horizontal(|ui| {
            let l = ui.label(t(lang, "print.copies"));
            ui.add(egui::DragValue::new(&mut n).range(1..=100)).labelled_by(l.id);
        });
        if Some(n) != desk.copies {
            out.push(Intent::SetCopies(Some(n)));
        }
    }
    ui.add_space(8.0);
    let printer = app.settings.print.printer.clone().unwrap_or_else(|| t(lang, "print.default_printer"));
    ui.label(ta(lang, "print.printer", &[("printer", printer)]));
    ui.label(ta(lang, "print.dpi", &[("dpi", app.settings.print.dpi.to_string())]));
    ui.add_space(4.0);
    let weak = ui.visuals().weak_text_color();
    ui.add(egui::Label::new(RichText::new(t(lang, "print.true_size")).color(weak)).wrap());
    // Captions (a studio setting) can halve what fits: say so where the sheet is chosen.
    let layout = app.layouts.get(&current).ok().filter(|l| l.blocks.is_empty());
    if let (true, Some(l), Some(src)) = (app.settings.print.captions, layout, desk.source()) {
        let fits = |captions| l.capacity(src.photo.print_mm, captions).map(|(_, c, r)| c * r).unwrap_or(0);
        let (with, without) = (fits(true), fits(false));
        if with < without {
            let args = [("n", with.to_string()), ("m", without.to_string())];
            ui.add(egui::Label::new(RichText::new(ta(lang, "print.captions_cost", &args)).color(weak)).wrap());
        }
    }
}

fn preview(app: &mut BoothApp, ui: &mut egui::Ui) {
    let lang = app.lang;
    match app.print_preview_texture(ui) {
        None => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(t(lang, "print.drawing"));
            });
        }
        Some(Err(e)) => {
            ui.add(egui::Label::new(RichText::new(e).color(RED)).wrap());
        }
        Some(Ok(tex)) => {
            let [w, h] = tex.size().map(|v| v as f32);
            let k = (ui.available_width() / w).min((ui.available_height() - 30.0).max(50.0) / h);
            let (rect, _) = ui.allocate_exact_size(vec2(w * k, h * k), egui::Sense::hover());
            // The paper's edge, so a white sheet stands out from the window.
            ui.painter().rect_filled(rect.expand(1.0), 0.0, Color32::GRAY);
            let uv = egui::Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0));
            ui.painter().image(tex.id(), rect, uv, Color32::WHITE);
            let mm = |px: f32| px as f64 * 25.4 / PREVIEW_DPI.min(app.settings.print.dpi) as f64;
            // The same paper as the layout menu names (short side first), said to lie sideways
            // when the sheet is laid out in landscape.
            let (short, long) = (mm(w.min(h)), mm(w.max(h)));
            let key = if w > h { "print.paper_landscape" } else { "print.paper" };
            ui.label(ta(lang, key, &[("w", format!("{short:.1}")), ("h", format!("{long:.1}"))]));
        }
    }
}

fn actions(app: &BoothApp, ui: &mut egui::Ui, out: &mut Vec<Intent>) {
    let lang = app.lang;
    ui.add_space(4.0);
    // Above the buttons: a status line that appears grows the panel upwards, and the buttons,
    // held at the window's bottom edge, stay under the pointer for the next click.
    status(app, ui);
    ui.horizontal_wrapped(|ui| {
        let big = |s: String| egui::Button::new(RichText::new(s).size(20.0));
        for (paper, print, save) in [
            (Paper::Sheet, "print.print_sheet", "print.save_sheet"),
            (Paper::Slip, "print.print_slip", "print.save_slip"),
        ] {
            if ui.add(big(t(lang, print))).clicked() {
                out.push(Intent::Print(paper));
            }
            if ui.button(t(lang, save)).clicked() {
                out.push(Intent::SavePdf(paper));
            }
            ui.separator();
        }
        // An export opened only to print it again (`--reprint`) has no checked photo behind it.
        let back = if app.still().is_some() { "print.back" } else { "print.back_start" };
        if ui.button(RichText::new(t(lang, back)).size(18.0)).clicked() {
            out.push(Intent::ClosePrint);
        }
        if app.mode == Mode::Counter && ui.button(RichText::new(t(lang, "next_customer")).size(18.0)).clicked() {
            out.push(Intent::NextCustomer);
        }
    });
    ui.add_space(4.0);
}

/// What each print or save came to (also under the export bar, for the counter's auto-print).
pub fn status(app: &BoothApp, ui: &mut egui::Ui) {
    let desk = &app.visit.print;
    if desk.printing() {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(t(app.lang, "print.working"));
        });
    }
    for (_, msg, ok) in desk.statuses(app.lang) {
        ui.add(egui::Label::new(RichText::new(msg).color(if ok { GREEN } else { RED })).wrap());
    }
}
