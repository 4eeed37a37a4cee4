//! The form's city of application: typed in Chinese or pinyin, picked from the list's matches
//! (big rows, one tap each); what is recorded is the list's exact name. A province, a place
//! outside the mainland or an unknown name is refused with the list's own message, and the
//! export stays blocked until it is fixed (`Form::validate`).

use egui::{Key, Modifiers, RichText, vec2};

use super::super::text::ta;
use super::{GREEN, RED};
use crate::Lang;
use crate::cities::{self, City, CityError, CityKind};

/// Matches offered at once.
const PICKS: usize = 6;

/// The field (labelled by `label`) with what it resolves to, or the refusal and the matches.
pub fn field(ui: &mut egui::Ui, lang: Lang, city: &mut String, label: egui::Id, width: f32) {
    ui.vertical(|ui| {
        // While typing, ↓/↑ move through the matches and Enter takes the highlighted one (the
        // keys are taken before the text field sees them); Enter never drops the focus.
        let id = ui.make_persistent_id("city_field");
        let keys = |i: &mut egui::InputState| {
            let mut step = 0i32;
            step += i.count_and_consume_key(Modifiers::NONE, Key::ArrowDown) as i32;
            step -= i.count_and_consume_key(Modifiers::NONE, Key::ArrowUp) as i32;
            (step, i.consume_key(Modifiers::NONE, Key::Enter))
        };
        let (step, enter) = if ui.memory(|m| m.has_focus(id)) { ui.input_mut(keys) } else { (0, false) };
        let edit = egui::TextEdit::singleline(city)
            .id(id)
            .return_key(None)
            .hint_text(ta(lang, "form.city_hint", &[]))
            .desired_width(width);
        let typing = ui.add(edit).labelled_by(label).has_focus();
        let text = city.trim().to_string();
        let hl_id = id.with("highlight");
        if text.is_empty() {
            ui.data_mut(|d| d.remove::<usize>(hl_id));
            return;
        }
        let refusal = match cities::resolve(&text) {
            Ok(c) => {
                ui.data_mut(|d| d.remove::<usize>(hl_id));
                ui.colored_label(GREEN, ta(lang, "form.city_ok", &[("city", place(c, lang))]));
                return;
            }
            Err(e) => e,
        };
        // A province is refused at once (the commonest mistake); a name still being typed only
        // shows its matches until the person leaves the field.
        let settled = matches!(refusal, CityError::Province { .. } | CityError::NotMainland { .. }) || !typing;
        let picks = cities::search(&text, PICKS);
        let refuse = settled || picks.is_empty();
        // The refusal goes below the matches: a tap on a match that moves the focus away
        // must not shift the match it lands on.
        let last = picks.len().saturating_sub(1) as i32;
        let highlight = ui.data(|d| d.get_temp::<usize>(hl_id)).map(|h| h as i32);
        let highlight = match (highlight, step) {
            (h, 0) => h.map(|h| h.min(last)),
            (None, s) if s > 0 => Some((s - 1).min(last)),
            (None, _) => None,
            (Some(h), s) => Some((h + s).clamp(0, last)),
        };
        let mut picked = None;
        for (i, c) in picks.iter().enumerate() {
            let on = highlight == Some(i as i32);
            let b =
                egui::Button::new(RichText::new(place(c, lang)).size(16.0)).min_size(vec2(width, 34.0)).selected(on);
            if ui.add(b).clicked() || (on && enter) {
                picked = Some(c.name.clone());
            }
        }
        // Enter with nothing highlighted takes a match only when it is the only one: for a
        // province or a name two cities share ("suzhou") the person must choose.
        if enter && picked.is_none() && highlight.is_none() && picks.len() == 1 && !settled {
            picked = picks.first().map(|c| c.name.clone());
        }
        match (picked, highlight) {
            (Some(name), _) => {
                // The caret goes after the picked name (it stayed where the typing ended:
                // "深圳|市"), so more typing does not land inside it.
                let end = name.chars().count();
                *city = name;
                ui.data_mut(|d| d.remove::<usize>(hl_id));
                if let Some(mut state) = egui::TextEdit::load_state(ui.ctx(), id) {
                    let caret = egui::text::CCursor::new(end);
                    state.cursor.set_char_range(Some(egui::text::CCursorRange::one(caret)));
                    state.store(ui.ctx(), id);
                }
            }
            (None, Some(h)) => {
                ui.data_mut(|d| d.insert_temp(hl_id, h as usize));
            }

            (None, None) => {}
        }
        if refuse {
            ui.add(egui::Label::new(RichText::new(refusal.message(lang)).color(RED)).wrap());
        }
    });
}

/// 深圳市（广东省） / 深圳市 Shenzhen, 广东省 — the province left out for a municipality.
fn place(c: &City, lang: Lang) -> String {
    let key = if c.kind == CityKind::Municipality { "form.city_name_only" } else { "form.city_in_province" };
    // In English the province is written in pinyin too (广东省 Guangdong).
    let pinyin = crate::cities::gazetteer()
        .ok()
        .and_then(|g| g.provinces.iter().find(|p| p.name == c.province))
        .map_or(String::new(), |p| p.pinyin.clone());
    ta(
        lang,
        key,
        &[
            ("name", c.name.clone()),
            ("pinyin", c.pinyin.clone()),
            ("province", c.province.clone()),
            ("province_pinyin", pinyin),
        ],
    )
}
