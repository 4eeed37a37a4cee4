//! Laptop and counter: the cropped result beside the checklist, the applicant form, and Export
//! (always visible at the bottom). The counter may move, zoom and turn the crop by hand: the
//! geometry rules re-judge at once and the export uses exactly the frame shown.

use egui::{Color32, RichText, pos2, vec2};

use super::super::config::Mode;
use super::super::guides;
use super::super::state::{self, Document};
use super::super::text::{t, ta};
use super::{AMBER, BLUE, BoothApp, GREEN, Intent, RED};
use crate::compose::background::BackgroundChoice;
use crate::i18n::fmt_value;
use crate::judge::{Overall, Reason, RuleId, Status};
use crate::report::RuleReport;
use crate::session::Adjust;

/// The longest side of the opened photo shown when no crop fits it.
const PREVIEW_SIDE: u32 = 480;
/// The height kept under the result photo on the first frame, before it is measured.
const BELOW_PHOTO_GUESS: f32 = 160.0;

pub fn show(app: &mut BoothApp, ui: &mut egui::Ui, out: &mut Vec<Intent>) {
    let Some(still) = app.still() else { return };
    let has_face = still.has_face();
    egui::Panel::bottom("export").show(ui, |ui| export_bar(app, ui, out, has_face));
    // A narrow window gives the photo less room so the checklist's columns still fit; a wide
    // one shows it up to its own pixel size (a third of the width at most).
    let avail = ui.available_width();
    let result_width =
        if avail < 1000.0 { 220.0 } else { (avail * 0.3).min(app.spec().width() as f32 + 24.0).max(300.0) };
    // Capped too: egui keeps a panel's width, and one sized in a large window would squeeze the
    // checklist off the right edge after the window shrinks.
    let widest = if avail < 1000.0 { result_width } else { (avail * 0.45).max(result_width) };
    egui::Panel::left("result").size_range(result_width..=widest).show(ui, |ui| {
        egui::ScrollArea::vertical().id_salt(("result_scroll", app.photo_serial())).show(ui, |ui| result(app, ui, out));
    });
    egui::CentralPanel::default().show(ui, |ui| {
        egui::ScrollArea::vertical().id_salt(("check_scroll", app.photo_serial())).show(ui, |ui| {
            if summary(app, ui) {
                ui.add_space(12.0);
                ui.separator();
                form(app, ui, out);
            }
        });
    });
}

fn result(app: &mut BoothApp, ui: &mut egui::Ui, out: &mut Vec<Intent>) {
    let lang = app.lang;
    let spec = app.spec().clone();
    let Some(still) = app.still() else { return };
    ui.add_space(6.0);
    ui.heading(t(lang, "result"));
    let composed = still.composed.as_ref().map(|c| &c.image);
    let Some(img) = composed.or(still.judgement.frame.as_ref()) else {
        // Without a face the checklist's place says so; "no crop fits" is for a face that is there.
        if still.has_face() {
            ui.colored_label(RED, t(lang, "no_crop"));
        }
        // The photo as opened, so the person sees what was checked (the wrong file, a face
        // turned away, a hat): reduced once per photo, not the whole picture as a texture, and
        // in its own proportions.
        let photo = still.session.pyramid().clone();
        let tex = super::texture_with(ui, &mut app.result_tex, "result", app.still_gen, || {
            let (w, h) = photo.base().dimensions();
            let k = (PREVIEW_SIDE as f64 / w.max(h) as f64).min(1.0);
            let side = |v: u32| ((v as f64 * k).round() as u32).max(1);
            image::imageops::thumbnail(photo.base(), side(w), side(h))
        });
        let [w, h] = tex.size().map(|v| v as f32);
        let k = ((ui.available_width() - 8.0).max(120.0) / w).min(1.0);
        ui.add(egui::Image::new((tex.id(), vec2(w * k, h * k))).alt_text(t(lang, "photo_as_opened")));
        return;
    };
    let img = img.clone();
    let preparing = composed.is_none();
    let fill = still.judgement.crop.as_ref().map_or(0.0, |c| c.bottom_fill_px);
    let marks_src = match (&still.session.analysis.main, &still.judgement.crop) {
        (Some(face), Ok(crop)) => Some((face.landmarks.clone(), crop.transform)),
        _ => None,
    };
    let tex = super::texture(ui, &mut app.result_tex, "result", &img, app.still_gen);
    let (w, h) = (img.width() as f32, img.height() as f32);
    // Shown at one screen px per output px while it fits: a bigger spec is bigger. Under it goes
    // what was measured under it last frame (the caption and controls; at most 40 % of the
    // height, the rest scrolls), so a small window gives the photo every pixel it can.
    let below = app.below_result.unwrap_or(BELOW_PHOTO_GUESS);
    let room = ui.available_height() - below.min(0.4 * ui.available_height());
    let k = 1.0f32.min(room.max(120.0) / h).min((ui.available_width() - 8.0).max(120.0) / w);
    let sense = if app.mode == Mode::Counter { egui::Sense::click_and_drag() } else { egui::Sense::hover() };
    let (rect, resp) = ui.allocate_exact_size(vec2(w * k, h * k), sense);
    resp.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, t(lang, "result_photo")));
    ui.painter().image(tex.id(), rect, egui::Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0)), Color32::WHITE);
    loupe(lang, &resp, &tex, rect, k);
    if app.show_guides {
        let mut marks = guides::Marks::default();
        if let Some((lm, tr)) = &marks_src {
            let p = |q: crate::geometry::Point| {
                let o = tr.apply(q);
                rect.min + vec2(o.x as f32 * k, o.y as f32 * k)
            };
            marks.pupils = Some([p(lm.left_pupil), p(lm.right_pupil)]);
            marks.chin = Some(p(lm.chin));
            marks.head_top = Some(guides::HeadMark::of(lm, p));
        }
        guides::draw(&ui.painter_at(rect), rect, &spec, None, &marks);
    }
    if preparing {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(t(lang, "preparing"));
        });
    }
    ui.label(ta(
        lang,
        "result_size",
        &[("w", img.width().to_string()), ("h", img.height().to_string()), ("dpi", spec.dpi().to_string())],
    ));
    // The frame reaches below the photo: say how much of it repeats the photo's last rows.
    if fill >= 1.0 {
        let px = format!("{fill:.0}");
        ui.add(egui::Label::new(RichText::new(ta(lang, "bottom_fill", &[("px", px)])).color(AMBER)).wrap());
    }
    ui.checkbox(&mut app.show_guides, t(lang, "guides"));
    if app.mode == Mode::Counter {
        adjust_tools(app, ui, out, &resp, k);
    }
    background_choice(app, ui, out);
    let below = ui.min_rect().max.y - rect.max.y + ui.spacing().item_spacing.y;
    // The first frame used a guess: draw again at once with what was measured.
    if app.below_result.is_none_or(|b| (b - below).abs() > 1.0) {
        ui.ctx().request_repaint();
    }
    app.below_result = Some(below);
}

/// Output pixels across the loupe, and its side on screen: hair edges and the matte around
/// them (a busy backdrop replaced) are judged by a person, each photo pixel 3 screen pixels.
const LOUPE_PX: f32 = 80.0;
const LOUPE_SIDE: f32 = 240.0;

/// Under the pointer (not while the crop is dragged), the result photo magnified.
fn loupe(lang: crate::Lang, resp: &egui::Response, tex: &egui::TextureHandle, rect: egui::Rect, k: f32) {
    let Some(pos) = resp.hover_pos().filter(|_| !resp.dragged()) else { return };
    let [w, h] = tex.size().map(|v| v as f32);
    // Kept inside the photo, so the loupe never shows what lies beyond its edge (a photo
    // smaller than the loupe's square is shown whole).
    let half = LOUPE_PX.min(w).min(h) / 2.0;
    let at = |v: f32, side: f32| v.clamp(half, side - half);
    let (x, y) = (at((pos.x - rect.min.x) / k, w), at((pos.y - rect.min.y) / k, h));
    let uv = egui::Rect::from_min_max(pos2((x - half) / w, (y - half) / h), pos2((x + half) / w, (y + half) / h));
    resp.clone().on_hover_ui_at_pointer(|ui| {
        let img = egui::Image::new((tex.id(), vec2(LOUPE_SIDE, LOUPE_SIDE))).uv(uv).alt_text(t(lang, "loupe"));
        ui.add(img);
    });
}

/// Drag to move, wheel to zoom, a slider to turn, a button back to the automatic crop.
fn adjust_tools(app: &BoothApp, ui: &mut egui::Ui, out: &mut Vec<Intent>, resp: &egui::Response, k: f32) {
    let lang = app.lang;
    let mut a = app.visit.adjust;
    if resp.dragged() {
        let d = resp.drag_delta() / k;
        a.dx += d.x as f64;
        a.dy += d.y as f64;
    }
    if resp.hovered() {
        let scroll = ui.input(|i| i.smooth_scroll_delta.y);
        if scroll != 0.0 {
            // Exponential: a notch in and a notch out come back to the same zoom.
            a.zoom = (a.zoom * (scroll as f64 * 0.001).exp()).clamp(0.7, 1.4);
        }
    }
    ui.label(t(lang, "adjust.heading"));
    ui.add(egui::Slider::new(&mut a.zoom, 0.7..=1.4).text(t(lang, "adjust.zoom")).fixed_decimals(2));
    ui.add(
        egui::Slider::new(&mut a.rotate_deg, -5.0..=5.0).text(t(lang, "adjust.rotate")).suffix("°").fixed_decimals(1),
    );
    if ui.button(t(lang, "adjust.reset")).clicked() {
        a = Adjust { zoom: 1.0, ..Adjust::default() };
    }
    if a != app.visit.adjust {
        out.push(Intent::Adjust(a));
    }
}

fn background_choice(app: &BoothApp, ui: &mut egui::Ui, out: &mut Vec<Intent>) {
    let lang = app.lang;
    let spec = app.spec();
    let label = ui.label(t(lang, "background"));
    let colour_name = |c: &crate::spec::BackgroundColor| crate::i18n::colour_name(spec, &c.name, lang);
    let name = |b: &BackgroundChoice| match b {
        BackgroundChoice::Auto => t(lang, "bg_auto"),
        BackgroundChoice::Keep => t(lang, "bg_keep"),
        BackgroundChoice::Color(n) => spec.background_color(n).map(colour_name).unwrap_or_else(|| n.clone()),
    };
    let mut bg = app.background.clone();
    egui::ComboBox::from_id_salt("background")
        .selected_text(name(&bg))
        .show_ui(ui, |ui| {
            ui.selectable_value(&mut bg, BackgroundChoice::Auto, t(lang, "bg_auto"));
            ui.selectable_value(&mut bg, BackgroundChoice::Keep, t(lang, "bg_keep"));
            if spec.replace_allowed() {
                for c in &spec.background.colors {
                    ui.selectable_value(&mut bg, BackgroundChoice::Color(c.name.clone()), colour_name(c));
                }
            }
        })
        .response
        .labelled_by(label.id);
    if bg != app.background {
        out.push(Intent::SetBackground(bg));
    }
}

/// The verdict and the checklist; false (and a message instead) when there is no face.
fn summary(app: &mut BoothApp, ui: &mut egui::Ui) -> bool {
    let lang = app.lang;
    let Some(still) = app.still() else { return false };
    if !still.has_face() {
        ui.add_space(20.0);
        ui.label(RichText::new(t(lang, "no_face")).size(20.0).color(RED));
        return false;
    }
    let report = still.report().clone();
    let count = |st: Status| report.verdicts().filter(|v| v.status == st).count();
    let open = report.verdicts().filter(|v| !v.status.is_ok()).count();
    let (text, color) = match report.overall {
        Overall::Pass if count(Status::Warn) == 0 => (t(lang, "passed"), GREEN),
        Overall::Pass => (ta(lang, "warned", &[("n", count(Status::Warn).to_string())]), AMBER),
        Overall::NeedsPerson => (ta(lang, "needs_person", &[("n", open.to_string())]), BLUE),
        Overall::Fail => (ta(lang, "failed", &[("n", count(Status::Fail).max(1).to_string())]), RED),
    };
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(text).size(18.0).color(color));
        // The form sits under a long checklist, below the fold on a laptop's screen.
        if ui.link(t(lang, "form.jump")).clicked() {
            app.visit.jump_to_form = true;
        }
    });
    spec_notes(app, ui);
    checklist(app, ui, &report.rules);
    true
}

/// What the spec's authority asks that no rule measures (UK: "do not crop" for an upload;
/// Canada: the studio's name on the back), folded under one line above the checklist.
fn spec_notes(app: &BoothApp, ui: &mut egui::Ui) {
    let (lang, spec) = (app.lang, app.spec());
    let notes = spec.notes(lang);
    if notes.is_empty() {
        return;
    }
    let title = ta(lang, "spec_notes", &[("spec", spec.name(lang).to_string()), ("n", notes.len().to_string())]);
    egui::CollapsingHeader::new(title).id_salt(("spec_notes", &spec.id)).show(ui, |ui| {
        for note in notes {
            ui.add(egui::Label::new(format!("• {note}")).wrap());
        }
    });
}

/// One checklist row, as shown.
struct Row {
    rule: RuleId,
    title: String,
    value: String,
    range: String,
    /// A person-check line rather than a fail bound: the whole sentence, on hover.
    range_note: Option<String>,
    status: (String, Color32),
    advice: String,
    /// Not a pass: a person may confirm it.
    open: bool,
}

/// Narrower than this, "What to do" goes under the table instead of beside it.
const MIN_ADVICE_WIDTH: f32 = 220.0;

fn checklist(app: &mut BoothApp, ui: &mut egui::Ui, rules: &[RuleReport]) {
    let lang = app.lang;
    let rows = checklist_rows(lang, rules);
    ui.add_space(6.0);
    ui.heading(t(lang, "checklist.heading"));
    let spacing = 10.0;
    // The other columns at their text widths; the advice takes what is left of the panel.
    let font = egui::TextStyle::Body.resolve(ui.style());
    let width = |s: &str| ui.fonts_mut(|f| f.layout_no_wrap(s.to_owned(), font.clone(), Color32::WHITE).size().x);
    let widest = |head: &str, cells: &mut dyn Iterator<Item = &str>| cells.map(width).fold(width(head), f32::max);
    let others = widest(&t(lang, "checklist.rule"), &mut rows.iter().map(|r| r.title.as_str()))
        + widest(&t(lang, "checklist.value"), &mut rows.iter().map(|r| r.value.as_str()))
        + widest(&t(lang, "checklist.range"), &mut rows.iter().map(|r| r.range.as_str()))
        + widest("", &mut rows.iter().map(|r| r.status.0.as_str()))
        + width(&t(lang, "checklist.checked")).max(ui.spacing().icon_width)
        + 5.0 * spacing
        + 8.0;
    let advice_width = (ui.available_width() - others).floor();
    let beside = advice_width >= MIN_ADVICE_WIDTH;
    // Another photo, spec or language measures its rows afresh (the last one's long advice
    // left rows tall); a crop being dragged keeps them.
    // (The row order too: a crop dragged at the counter moves rows between the groups, and a
    // row must not keep the height of the one that was in its place.)
    let order: Vec<RuleId> = rows.iter().map(|r| r.rule).collect();
    egui::Grid::new(("checklist", app.photo_serial(), &app.spec().id, lang, order))
        .striped(true)
        .num_columns(if beside { 6 } else { 5 })
        .spacing([spacing, 4.0])
        .show(ui, |ui| {
            for key in ["checklist.rule", "checklist.value", "checklist.range"] {
                ui.strong(t(lang, key));
            }
            ui.strong("");
            ui.strong(t(lang, "checklist.checked"));
            if beside {
                ui.strong(t(lang, "checklist.advice"));
            }
            ui.end_row();
            for r in &rows {
                ui.label(&r.title);
                ui.label(&r.value);
                let range = ui.label(&r.range);
                if let Some(note) = &r.range_note {
                    range.on_hover_text(note);
                }
                ui.colored_label(r.status.1, &r.status.0);
                confirm_box(app, ui, r);
                if beside {
                    ui.scope(|ui| {
                        ui.set_width(advice_width);
                        ui.add(egui::Label::new(&r.advice).wrap());
                    });
                }
                ui.end_row();
            }
        });
    units_legend(lang, ui, rules, rows.iter().any(|r| r.range_note.is_some()));
    // A narrow window: the fixes under the table, each with its rule, at the panel's width.
    if !beside && rows.iter().any(|r| !r.advice.is_empty()) {
        ui.add_space(8.0);
        ui.strong(t(lang, "checklist.advice"));
        for r in rows.iter().filter(|r| !r.advice.is_empty()) {
            ui.add(egui::Label::new(RichText::new(format!("{}: {}", r.title, r.advice)).color(r.status.1)).wrap());
        }
    }
}

/// What the table's less common units and its bracketed bands mean, for those it shows (a
/// person at home has never met L* or ΔE).
fn units_legend(lang: crate::Lang, ui: &mut egui::Ui, rules: &[RuleReport], brackets: bool) {
    use crate::judge::Unit;
    let mut parts: Vec<String> = Vec::new();
    for (unit, key) in [
        (Unit::Lightness, "checklist.legend_lightness"),
        (Unit::DeltaE, "checklist.legend_delta_e"),
        (Unit::Stops, "checklist.legend_stops"),
        (Unit::Chroma, "checklist.legend_chroma"),
        (Unit::Ipd, "checklist.legend_ipd"),
        (Unit::Times, "checklist.legend_times"),
    ] {
        if rules.iter().any(|r| r.verdict.unit == unit && r.verdict.value.is_some()) {
            parts.push(t(lang, key));
        }
    }
    if brackets {
        parts.push(t(lang, "checklist.legend_brackets"));
    }
    if !parts.is_empty() {
        let text = format!("{}{}", t(lang, "checklist.legend"), parts.join(&t(lang, "rule_sep")));
        ui.add(egui::Label::new(RichText::new(text).small().color(Color32::GRAY)).wrap());
    }
}

/// Where a row goes: what must be fixed first, then what a person must look at, then the
/// passes (each group in the spec's order): the headline's "see below" points at them.
fn row_rank(status: Status) -> u8 {
    match status {
        Status::Fail => 0,
        Status::NotChecked | Status::NeedsPerson => 1,
        Status::Warn => 2,
        Status::Pass => 3,
    }
}

fn checklist_rows(lang: crate::Lang, rules: &[RuleReport]) -> Vec<Row> {
    let verdicts: Vec<_> = rules.iter().map(|r| r.verdict.clone()).collect();
    let mut ordered: Vec<&RuleReport> = rules.iter().collect();
    ordered.sort_by_key(|r| row_rank(r.verdict.status));
    ordered
        .into_iter()
        .map(|r| {
            let v = &r.verdict;
            let unit = crate::i18n::unit_text(v.unit, lang);
            let shown = |x: f64| fmt_value(x, v.min, v.max);
            let with_unit = |x: f64| if unit.is_empty() { shown(x) } else { format!("{} {unit}", shown(x)) };
            // A rule with no fail bound shows its person-check line in brackets (the column
            // stays narrow for an 800-px window); the sentence is on hover.
            let (range, range_note) = match crate::i18n::band_bound(v) {
                Some((band, true)) => (format!("({band})"), crate::i18n::band_text(v, lang)),
                Some((band, false)) => (band, None),
                None => ("—".into(), None),
            };
            // A pass only because the booth repaints the background: its figure (the photo's
            // own backdrop) lies outside the band, so the status says what made it pass.
            let repainted = matches!(v.reason, Reason::Replaced | Reason::ReplacedBusy);
            let (key, color) = match v.status {
                Status::Pass if repainted => ("status.pass_replaced", GREEN),
                Status::Pass => ("status.pass", GREEN),
                Status::Warn => ("status.warn", AMBER),
                Status::Fail => ("status.fail", RED),
                Status::NotChecked => ("status.not_checked", Color32::GRAY),
                Status::NeedsPerson => ("status.needs_person", BLUE),
            };
            // A pass says nothing more, unless it is a repainted background: the row says why.
            let advice = if v.status == Status::Pass && !repainted {
                String::new()
            } else if let Some(key) = crate::judge::conflict_advice(&verdicts, v) {
                crate::i18n::tr(lang, key, &[])
            } else {
                crate::i18n::with_measure(v, &r.message, lang)
            };
            Row {
                rule: v.rule,
                title: r.title.clone(),
                value: v.value.map(with_unit).unwrap_or_else(|| "—".into()),
                range,
                range_note,
                status: (format!("● {}", crate::i18n::tr(lang, key, &[])), color),
                advice,
                open: !v.status.is_ok(),
            }
        })
        .collect()
}

/// The row's "checked by a person" box (open rules only).
fn confirm_box(app: &mut BoothApp, ui: &mut egui::Ui, r: &Row) {
    if !r.open {
        ui.label("");
        return;
    }
    let mut on = app.visit.confirmed.contains(&r.rule);
    let label = ta(app.lang, "checklist.confirm", &[("rule", r.title.clone())]);
    let r2 = ui.checkbox(&mut on, "");
    // Named for screen readers (and tests) as its hover text says.
    r2.widget_info(|| egui::WidgetInfo::selected(egui::Role::CheckBox, true, on, &label));
    if r2.on_hover_text(&label).changed() {
        if on {
            app.visit.confirmed.insert(r.rule);
        } else {
            app.visit.confirmed.remove(&r.rule);
        }
    }
}

fn form(app: &mut BoothApp, ui: &mut egui::Ui, out: &mut Vec<Intent>) {
    form_fields(app, ui, out);
    // A refusal reveals an empty field in the frame after it, or none (never a field emptied
    // later by hand).
    app.visit.reveal_missing = false;
}

fn form_fields(app: &mut BoothApp, ui: &mut egui::Ui, out: &mut Vec<Intent>) {
    let lang = app.lang;
    let heading = ui.heading(t(lang, "form.heading"));
    if std::mem::take(&mut app.visit.jump_to_form) {
        heading.scroll_to_me(Some(egui::Align::Min));
    }
    let required = format!(" {}", t(lang, "form.required"));
    let counter = app.mode == Mode::Counter;
    egui::Grid::new("form").num_columns(2).spacing([12.0, 6.0]).show(ui, |ui| {
        // "required" is red while the field is empty, grey once filled (it stays, so the
        // fields do not shift sideways as the column narrows).
        let labelled = |ui: &mut egui::Ui, key: &str, req: bool, empty: bool| {
            ui.horizontal(|ui| {
                let l = ui.label(t(lang, key));
                if req {
                    ui.colored_label(if empty { RED } else { Color32::GRAY }, &required);
                }
                l
            })
            .inner
            .id
        };
        let field = |ui: &mut egui::Ui, key: &str, value: &mut String, req: bool| {
            let label = labelled(ui, key, req, value.trim().is_empty());
            // Enter keeps the focus (egui would drop it, and the next Tab would start over at
            // the top bar, where typing presses buttons): Tab moves on.
            let r = ui.add(egui::TextEdit::singleline(value).desired_width(260.0).return_key(None)).labelled_by(label);
            ui.end_row();
            r
        };
        let f = &mut app.visit.form;
        let name = field(ui, "form.name", &mut f.name, true);
        if f.name.trim().is_empty() {
            reveal(&mut app.visit.reveal_missing, &name);
        }
        // "Other" is named by the spec it follows (a Canadian passport is not "Passport",
        // which is the Chinese one).
        let spec_name = app.spec().name(lang).to_string();
        let named = |d: Document| match d {
            Document::Other => ta(lang, "form.other_spec", &[("spec", spec_name.clone())]),
            d => d.label(lang),
        };
        let f = &mut app.visit.form;
        let label = ui.label(t(lang, "form.document"));
        let mut doc = f.document;
        ui.vertical(|ui| {
            // Wider than the fields: "Other: <the spec's name>" is long.
            egui::ComboBox::from_id_salt("document")
                .selected_text(named(doc))
                .width(ui.available_width().clamp(260.0, 420.0))
                .show_ui(ui, |ui| {
                    for d in Document::ALL {
                        ui.selectable_value(&mut doc, d, named(d));
                    }
                })
                .response
                .labelled_by(label.id);
            if app.visit.spec_follows_document {
                let text = ta(lang, "form.spec_followed", &[("spec", spec_name.clone())]);
                ui.add(egui::Label::new(RichText::new(text).color(AMBER)).wrap());
            }
        });
        ui.end_row();
        if doc != f.document {
            out.push(Intent::SetDocument(doc));
        }
        // Top-aligned: the row grows while the matches are open, and a label centred in it
        // would slide down away from its field.
        // (Another country's passport or visa has no city of application.)
        if f.document.has_city() {
            let single = ui.spacing().interact_size.y;
            let city_empty = f.city.trim().is_empty();
            let city_label = ui
                .with_layout(egui::Layout::top_down(egui::Align::Min), |ui| {
                    ui.allocate_ui_with_layout(
                        vec2(0.0, single),
                        egui::Layout::left_to_right(egui::Align::Center),
                        |ui| labelled(ui, "form.city", true, city_empty),
                    )
                    .inner
                })
                .inner;
            super::city::field(ui, lang, &mut f.city, city_label, 260.0);
            ui.end_row();
        }
        let chinese = f.document.has_city();
        field(ui, "form.phone", &mut f.phone, chinese);
        field(ui, "form.notes", &mut f.notes, false);
        if counter {
            field(ui, "form.ticket", &mut f.ticket, false);
        }
        let l = ui.label(t(lang, "form.folder"));
        ui.horizontal(|ui| match &mut app.folder_entry {
            // No folder dialog on this system: the folder is typed (or pasted).
            Some(typed) => {
                let r = ui.add(egui::TextEdit::singleline(typed).desired_width(260.0)).labelled_by(l.id);
                let go = ui.button(t(lang, "form.use_folder")).clicked()
                    || (r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)));
                if go && !typed.trim().is_empty() {
                    out.push(Intent::SetFolder(crate::paths::typed_path(typed)));
                }
            }
            None => {
                ui.monospace(crate::paths::shown(&app.folder));
                if ui.button(t(lang, "form.choose_folder")).clicked() {
                    out.push(Intent::ChooseFolder);
                }
            }
        });
        ui.end_row();
    });
    let Some(still) = app.still() else { return };
    let open: Vec<_> = crate::approval::to_confirm(&still.judgement.verdicts).into_iter().cloned().collect();
    if !open.is_empty() {
        ui.add_space(6.0);
        // Only what is still unticked blocks; ticked rules are named as checked.
        let (ticked, unticked): (Vec<_>, Vec<_>) = still
            .report()
            .rules
            .iter()
            .filter(|r| !r.verdict.status.is_ok())
            .partition(|r| app.visit.confirmed.contains(&r.verdict.rule));
        let titles =
            |rs: &[&RuleReport]| rs.iter().map(|r| r.title.clone()).collect::<Vec<_>>().join(&t(lang, "rule_sep"));
        // On a laptop the person at the keyboard confirms for themselves; elsewhere staff do.
        let own = |key: &str| state::confirm_key(key, app.mode == Mode::Laptop);
        // Both lines keep their place, empty or not: a tick must not move the fields below it
        // (nor, near the end of the scrolled form, those above) under the pointer.
        let blocked = ta(lang, &own("form.blocked"), &[("rules", titles(&unticked))]);
        ui.colored_label(RED, if unticked.is_empty() { String::new() } else { blocked });
        let checked = (!ticked.is_empty()).then(|| ta(lang, "form.all_checked", &[("rules", titles(&ticked))]));
        match checked {
            Some(text) => {
                app.visit.ticks_dropped = false;
                ui.colored_label(BLUE, text);
            }
            None if app.visit.ticks_dropped => {
                ui.colored_label(AMBER, t(lang, "form.ticks_dropped"));
            }
            None => {
                ui.label("");
            }
        }
        ui.label(t(lang, &own("form.override_hint")));
        let failed = open.iter().any(|v| v.status == Status::Fail);
        let f = &mut app.visit.form;
        let reveal_missing = &mut app.visit.reveal_missing;
        ui.horizontal(|ui| {
            let l = ui.label(t(lang, &own("form.operator")));
            let r = ui.add(egui::TextEdit::singleline(&mut f.operator).desired_width(160.0)).labelled_by(l.id);
            if f.operator.trim().is_empty() {
                reveal(reveal_missing, &r);
            }
        });
        if failed {
            ui.horizontal(|ui| {
                let l = ui.label(t(lang, &own("form.override")));
                let r =
                    ui.add(egui::TextEdit::singleline(&mut f.override_reason).desired_width(320.0)).labelled_by(l.id);
                if f.override_reason.trim().is_empty() {
                    reveal(reveal_missing, &r);
                }
            });
        }
        // One click confirms what needs a person's eye; a failed rule is ticked on its own
        // row, one by one: a failure is never accepted in passing.
        let to_look: Vec<RuleId> = open.iter().filter(|v| v.status != Status::Fail).map(|v| v.rule).collect();
        if !to_look.is_empty() && ui.button(t(lang, "form.confirm_all")).clicked() {
            app.visit.confirmed.extend(to_look);
        }
        if failed {
            ui.label(t(lang, "form.confirm_failed_one_by_one"));
        }
    }
}

/// After a refused export, the first field it needs that is empty (name, staff name, reason)
/// is scrolled into view and takes the keyboard: the form may be scrolled away from it.
fn reveal(pending: &mut bool, field: &egui::Response) {
    if std::mem::take(pending) {
        field.scroll_to_me(Some(egui::Align::Center));
        field.request_focus();
    }
}

fn export_bar(app: &mut BoothApp, ui: &mut egui::Ui, out: &mut Vec<Intent>, has_face: bool) {
    let lang = app.lang;
    ui.add_space(4.0);
    // Messages above the buttons (as on the print screen): they grow the bar upwards and the
    // buttons stay where the pointer is.
    if let Some((msg, ok)) = app.export_message() {
        ui.add(egui::Label::new(RichText::new(msg).color(if ok { GREEN } else { RED })).wrap());
    }
    super::print::status(app, ui);
    ui.horizontal_wrapped(|ui| {
        let ready = app.still().is_some_and(|s| s.composed.is_some());
        let label = if app.exported() { t(lang, "form.exported_short") } else { t(lang, "form.export") };
        // As wide as its longer label: after an export the buttons beside it stay where they
        // were (staff click "Next customer" by position; it must not become "Print…").
        let wide = [t(lang, "form.export"), t(lang, "form.exported_short")]
            .map(|l| {
                let font = egui::FontId::proportional(20.0);
                ui.fonts_mut(|f| f.layout_no_wrap(l, font, Color32::WHITE).size().x)
            })
            .into_iter()
            .fold(0.0, f32::max);
        let b = egui::Button::new(RichText::new(label).size(20.0))
            .min_size(vec2(wide + 2.0 * ui.spacing().button_padding.x, 0.0));
        if ui.add_enabled(has_face && ready && !app.exported(), b).clicked() {
            out.push(Intent::Export);
        }
        if ui.button(RichText::new(t(lang, "retake")).size(18.0)).clicked() {
            out.push(Intent::Retake);
        }
        if app.mode == Mode::Counter && ui.button(RichText::new(t(lang, "next_customer")).size(18.0)).clicked() {
            out.push(Intent::NextCustomer);
        }
        // Print comes last, after an export, so it moves nothing that was there before.
        if app.exported() && ui.button(RichText::new(t(lang, "print.open")).size(18.0)).clicked() {
            out.push(Intent::OpenPrint);
        }
    });
    ui.add_space(4.0);
}
