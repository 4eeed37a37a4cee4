//! The form's city of application: typed in Chinese or pinyin, picked from the list's matches
//! (big rows, one tap each); what is recorded is the list's exact name. A province, a place
//! outside the mainland or an unknown name is refused with the list's own message, and the
//! export stays blocked until it is fixed (`Form::validate`).

use egui::{RichText, vec2};

use super::super::text::ta;
use super::{GREEN, RED};
use crate::Lang;
use crate::cities::{self, City, CityError, CityKind};

/// Matches offered at once.
const PICKS: usize = 6;

/// The field (labelled by `label`) with what it resolves to, or the refusal and the matches.
pub fn field(ui: &mut egui::Ui, lang: Lang, city: &mut String, label: egui::Id, width: f32) {
    ui.vertical(|ui| {
        let edit = egui::TextEdit::singleline(city).hint_text(ta(lang, "form.city_hint", &[])).desired_width(width);
        let typing = ui.add(edit).labelled_by(label).has_focus();
        let text = city.trim().to_string();
        if text.is_empty() {
            return;
        }
        let refusal = match cities::resolve(&text) {
            Ok(c) => {
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
        for c in picks {
            let b = egui::Button::new(RichText::new(place(c, lang)).size(16.0)).min_size(vec2(width, 34.0));
            if ui.add(b).clicked() {
                *city = c.name.clone();
            }
        }
        if refuse {
            ui.add(egui::Label::new(RichText::new(refusal.message(lang)).color(RED)).wrap());
        }
    });
}

/// 深圳市（广东省） / 深圳市 Shenzhen, 广东省 — the province left out for a municipality.
fn place(c: &City, lang: Lang) -> String {
    let key = if c.kind == CityKind::Municipality { "form.city_name_only" } else { "form.city_in_province" };
    ta(lang, key, &[("name", c.name.clone()), ("pinyin", c.pinyin.clone()), ("province", c.province.clone())])
}
