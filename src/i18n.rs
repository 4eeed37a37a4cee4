//! Texts a person reads, from the locale files in `assets/locales/` (embedded).
//! Keys are dotted paths (`rules.roll.high`); `{name}` placeholders are filled from `args`.

use std::sync::LazyLock;

use crate::Lang;
use crate::compose::Side;
use crate::judge::{Reason, RuleId, Status, Verdict};
use crate::spec::Spec;

mod errors;
pub use errors::{capture_error, error, export_error, photo_error, print_error, release_error, session_error};

static EN: LazyLock<toml::Table> = LazyLock::new(|| parse(include_str!("../assets/locales/en.toml")));
static ZH: LazyLock<toml::Table> = LazyLock::new(|| parse(include_str!("../assets/locales/zh.toml")));

fn parse(text: &str) -> toml::Table {
    // The locale files are part of the binary and covered by tests: a parse error is a build bug.
    text.parse().unwrap_or_default()
}

fn lookup<'a>(t: &'a toml::Table, key: &str) -> Option<&'a str> {
    let mut parts = key.split('.');
    let mut cur = t.get(parts.next()?)?;
    for p in parts {
        cur = cur.as_table()?.get(p)?;
    }
    cur.as_str()
}

/// The text for `key` in `lang` (English if missing there; the key itself if missing everywhere).
pub fn tr(lang: Lang, key: &str, args: &[(&str, String)]) -> String {
    let table = match lang {
        Lang::Zh => &*ZH,
        Lang::En => &*EN,
    };
    let mut s = lookup(table, key).or_else(|| lookup(&EN, key)).unwrap_or(key).to_string();
    for (k, v) in args {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

/// The title and message of a verdict in `lang`, from `rules.<id>.<reason key>`; photo edges
/// that explain a failed framing rule are appended from `errors.edge_*`.
pub fn verdict_text(v: &Verdict, spec: &Spec, lang: Lang) -> (String, String) {
    let id = v.rule.as_str();
    let title = tr(lang, &format!("rules.{id}.title"), &[]);
    let colour_name = |name: &str| colour_name(spec, name, lang);
    let allowed: Vec<String> = spec.background.colors.iter().map(|c| colour_name(&c.name)).collect();
    let args = [
        ("value", v.value.map(|x| fmt_value(x, v.min, v.max)).unwrap_or_default()),
        ("min", v.min.map(fmt_num).unwrap_or_default()),
        ("max", v.max.map(fmt_num).unwrap_or_default()),
        ("unit", unit_text(v.unit, lang)),
        ("color", v.detail.as_deref().map(colour_name).unwrap_or_default()),
        ("allowed", allowed.join(" / ")),
    ];
    let reason = v.reason.as_str();
    let warn_reason = format!("warn_{reason}");
    let keys: Vec<&str> = match v.reason {
        Reason::InBand => vec!["pass"],
        Reason::NearLow => vec!["warn_low", "warn"],
        Reason::NearHigh => vec!["warn_high", "warn"],
        Reason::TooLow => vec!["low"],
        Reason::TooHigh => vec!["high"],
        Reason::NotMeasured => vec!["unknown"],
        // A rule left unmeasured for want of a face (single_face itself fails with its own text).
        Reason::NoFace if v.status == Status::NotChecked => vec![],
        Reason::PhotoEdge => vec![],
        _ if v.status == Status::Warn => vec![warn_reason.as_str(), reason, "warn"],
        _ => vec![reason],
    };
    let found = keys.iter().map(|k| format!("rules.{id}.{k}")).find(|k| has(lang, k) || has(Lang::En, k));
    let mut message = match (v.reason, found) {
        (Reason::PhotoEdge, _) => String::new(),
        (_, Some(key)) => tr(lang, &key, &args),
        (Reason::NoFace, None) if v.status == Status::NotChecked => tr(lang, "reasons.no_face_unmeasured", &args),
        (_, None) => tr(lang, &format!("reasons.{reason}"), &args),
    };
    if !v.edges.is_empty() {
        let edges: Vec<String> = if v.edges.len() >= 3 {
            vec![tr(lang, "errors.edge_many", &[])]
        } else {
            v.edges.iter().map(|s| tr(lang, &format!("errors.edge_{}", side_name(*s)), &[])).collect()
        };
        message = [message, edges.join(" ")].iter().filter(|s| !s.is_empty()).cloned().collect::<Vec<_>>().join(" ");
    }
    (title, message)
}

fn side_name(s: Side) -> &'static str {
    match s {
        Side::Top => "top",
        Side::Bottom => "bottom",
        Side::Left => "left",
        Side::Right => "right",
    }
}

/// A number as people read it: whole when it is nearly whole, one decimal from 10 up, else
/// up to two (a band edge like 0.15 must not read as 0.1).
pub fn fmt_num(x: f64) -> String {
    if (x - x.round()).abs() < 0.005 {
        format!("{}", x.round() as i64)
    } else if x.abs() >= 10.0 {
        format!("{x:.1}")
    } else {
        let s = format!("{x:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// A background colour of `spec` by name, in `lang` (the spec's Chinese name where it has one).
pub fn colour_name(spec: &Spec, name: &str, lang: Lang) -> String {
    match (lang, spec.background_color(name).and_then(|c| c.name_zh.clone())) {
        (Lang::Zh, Some(z)) => z,
        _ => name.replace('-', " "),
    }
}

/// A measured value next to its band: as `fmt_num`, but with more decimals where that would
/// print it equal to a bound it is not equal to (0.1502 against ≤ 0.15 reads 0.1502, so a fail
/// never shows the limit itself).
pub fn fmt_value(x: f64, min: Option<f64>, max: Option<f64>) -> String {
    // Printed, it reads as a bound that it is not.
    let reads_as_bound = |t: &str| [min, max].into_iter().flatten().any(|b| b != x && t.parse::<f64>() == Ok(b));
    let s = fmt_num(x);
    if !reads_as_bound(&s) {
        return s;
    }
    (2..=6)
        .map(|d| {
            let t = format!("{x:.d$}");
            t.trim_end_matches('0').trim_end_matches('.').to_string()
        })
        .find(|t| !reads_as_bound(t))
        .unwrap_or_else(|| format!("{x:.6}"))
}

/// The band a verdict's value is judged by: `354–402`, `≥ 0.1`, `≤ 5`, and whether that is
/// only the line past which a person looks (a rule with no fail bound: ears). None when the
/// rule has neither.
pub fn band_bound(v: &Verdict) -> Option<(String, bool)> {
    Some(match (v.min, v.max, v.warn_min, v.warn_max) {
        (Some(a), Some(b), ..) if a == b => (fmt_num(a), false),
        (Some(a), Some(b), ..) => (format!("{}–{}", fmt_num(a), fmt_num(b)), false),
        (Some(a), None, ..) => (format!("≥ {}", fmt_num(a)), false),
        (None, Some(b), ..) => (format!("≤ {}", fmt_num(b)), false),
        (None, None, Some(a), _) => (format!("≥ {}", fmt_num(a)), true),
        (None, None, None, Some(b)) => (format!("≤ {}", fmt_num(b)), true),
        (None, None, None, None) => return None,
    })
}

/// `band_bound` as a reader sees it: a person-check line says so (`≥ 0.07, else a person
/// checks`).
pub fn band_text(v: &Verdict, lang: Lang) -> Option<String> {
    let (band, person) = band_bound(v)?;
    Some(if person { tr(lang, "ui.band_person", &[("band", band)]) } else { band })
}

/// A unit as a reader sees it: the symbols are the same in both languages, except the
/// inter-pupil distance, which Chinese writes out (1.14 倍瞳距, not 1.14 IPD).
pub fn unit_text(unit: crate::judge::Unit, lang: Lang) -> String {
    match unit {
        crate::judge::Unit::Ipd => tr(lang, "units.ipd", &[]),
        // As the caption under the photo says it ("390 × 567 像素").
        crate::judge::Unit::Px => tr(lang, "units.px", &[]),
        u => u.symbol().to_string(),
    }
}

/// A verdict's message with the name of the measurement its value is, where the rule has
/// several (`The mouth is open… (measured: lip gap)`): the band beside the value is that
/// measurement's.
pub fn with_measure(v: &Verdict, message: &str, lang: Lang) -> String {
    let key = v.measure.as_deref().map(|m| format!("measures.{m}")).filter(|k| has(lang, k));
    let name = key.map(|k| tr(lang, &k, &[]));
    match name {
        // A message that already names its measurement ("the mouth corners are raised") needs
        // no lead.
        Some(name) if v.value.is_some() && !message.is_empty() && !message.to_lowercase().contains(&name) => {
            tr(lang, "measures.lead", &[("name", name), ("text", message.to_string())])
        }
        _ => message.to_string(),
    }
}

/// Rules named for a person who may have to confirm them: in English by their ids (the
/// handles `--confirm` takes); in Chinese by title with the id after it, `脸部宽度 face_width`.
pub fn rule_list(rules: impl IntoIterator<Item = RuleId>, lang: Lang) -> String {
    let names = rules.into_iter().map(|r| match lang {
        Lang::En => r.as_str().to_string(),
        Lang::Zh => format!("{} {}", tr(lang, &format!("rules.{}.title", r.as_str()), &[]), r.as_str()),
    });
    names.collect::<Vec<_>>().join(if lang == Lang::Zh { "，" } else { ", " })
}

/// Does `key` exist in `lang`?
pub fn has(lang: Lang, key: &str) -> bool {
    lookup(if lang == Lang::Zh { &ZH } else { &EN }, key).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_band_reads_as_its_bounds_or_else_the_line_where_a_person_looks() {
        let spec = crate::spec::SpecBook::builtin().get("cn-exit-entry").unwrap().clone();
        let m = crate::measure::Measurements { ears_skin: Some(0.05), faces: 1, ..Default::default() };
        let ctx = crate::judge::Context { framed: true, ..Default::default() };
        let v = crate::judge::judge(&m, &spec, &ctx);
        let find = |id: RuleId| v.iter().find(|v| v.rule == id).unwrap();
        let ears = find(RuleId::EarsVisible);
        assert_eq!((ears.min, ears.max), (None, None), "the ears rule never fails");
        assert_eq!(band_text(ears, Lang::En).as_deref(), Some("≥ 0.07, else a person checks"));
        assert_eq!(band_text(ears, Lang::Zh).as_deref(), Some("≥ 0.07，否则人工确认"));
        assert_eq!(band_text(find(RuleId::HeadHeight), Lang::En).as_deref(), Some("354–402"));
        assert_eq!(band_text(find(RuleId::Roll), Lang::En).as_deref(), Some("≤ 5"));
    }

    #[test]
    fn rules_are_listed_by_id_in_english_and_by_title_and_id_in_chinese() {
        let rules = [RuleId::FaceWidth, RuleId::EyeLine];
        assert_eq!(rule_list(rules, Lang::En), "face_width, eye_line");
        assert_eq!(rule_list(rules, Lang::Zh), "脸部宽度 face_width，眼睛高度 eye_line");
    }

    #[test]
    fn every_measurement_a_rule_names_has_a_name_in_both_languages() {
        let sources = [include_str!("judge/rules.rs"), include_str!("judge/appearance.rs")];
        let mut names = Vec::new();
        for src in sources {
            // part("mouth_opening", …) and named(band(…), "eye_openness")
            for piece in src.split("part(\"").skip(1) {
                names.push(piece.split('"').next().unwrap().to_string());
            }
            for piece in src.split("), \"").skip(1) {
                names.push(piece.split('"').next().unwrap().to_string());
            }
        }
        assert!(names.len() >= 17, "{names:?}");
        for n in &names {
            for lang in [Lang::En, Lang::Zh] {
                assert!(has(lang, &format!("measures.{n}")), "measures.{n} missing in {lang:?}");
            }
        }
        let v = Verdict {
            rule: crate::judge::RuleId::MouthClosed,
            status: Status::Fail,
            reason: Reason::MouthOpen,
            value: Some(0.12),
            min: None,
            max: Some(0.08),
            warn_min: None,
            warn_max: None,
            unit: crate::judge::Unit::Ratio,
            edges: vec![],
            detail: None,
            measure: Some("mouth_opening".into()),
        };
        assert_eq!(with_measure(&v, "The mouth is open.", Lang::En), "The mouth is open. (measured: lip gap)");
        assert_eq!(with_measure(&v, "嘴张开了。", Lang::Zh), "嘴张开了。（依据：唇间距）");
        assert_eq!(with_measure(&v, "", Lang::En), "", "no advice, no name");
        assert_eq!(with_measure(&v, "唇间距过大。", Lang::Zh), "唇间距过大。", "named once");
    }

    #[test]
    fn a_value_never_prints_as_a_bound_it_is_not() {
        assert_eq!(fmt_value(0.1502, None, Some(0.15)), "0.1502");
        assert_eq!(fmt_value(0.15, None, Some(0.15)), "0.15");
        assert_eq!(fmt_value(0.1, None, Some(0.15)), "0.1");
        assert_eq!(fmt_value(401.96, Some(354.0), Some(402.0)), "401.96");
        assert_eq!(fmt_value(24.997, Some(25.0), Some(45.0)), "24.997");
        assert_eq!(fmt_value(30.04, Some(25.0), Some(45.0)), "30.0");
        assert_eq!(fmt_value(3.0, Some(1.0), None), "3");
    }

    fn keys(prefix: &str, v: &toml::Value, out: &mut Vec<String>) {
        match v {
            toml::Value::Table(t) => {
                for (k, x) in t {
                    keys(&if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") }, x, out)
                }
            }
            _ => out.push(prefix.to_string()),
        }
    }

    #[test]
    fn both_locales_parse_and_have_the_same_keys() {
        let (mut en, mut zh) = (Vec::new(), Vec::new());
        let en_t: toml::Table = include_str!("../assets/locales/en.toml").parse().unwrap();
        let zh_t: toml::Table = include_str!("../assets/locales/zh.toml").parse().unwrap();
        keys("", &toml::Value::Table(en_t), &mut en);
        keys("", &toml::Value::Table(zh_t), &mut zh);
        // The command line's help is English in the code's doc comments (src/cli_help.rs).
        zh.retain(|k| !k.starts_with("help."));
        en.sort();
        zh.sort();
        assert_eq!(en, zh);
    }

    #[test]
    fn placeholders_are_filled() {
        let s = tr(Lang::En, "rules.roll.high", &[("value", "8.0".into()), ("max", "3".into())]);
        assert_eq!(s, "The head is tilted 8.0° (max 3°): straighten your head and keep your shoulders level.");
        assert!(tr(Lang::Zh, "rules.roll.high", &[]).contains("倾斜"));
        assert_eq!(tr(Lang::En, "no.such.key", &[]), "no.such.key");
    }
}
