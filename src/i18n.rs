//! Texts a person reads, from the locale files in `assets/locales/` (embedded).
//! Keys are dotted paths (`rules.roll.high`); `{name}` placeholders are filled from `args`.

use std::sync::LazyLock;

use crate::Lang;
use crate::capture::photo::PhotoError;
use crate::compose::Side;
use crate::judge::{Reason, Status, Verdict};
use crate::spec::Spec;

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
        ("unit", v.unit.symbol().to_string()),
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
        Reason::PhotoEdge => vec![],
        _ if v.status == Status::Warn => vec![warn_reason.as_str(), reason, "warn"],
        _ => vec![reason],
    };
    let found = keys.iter().map(|k| format!("rules.{id}.{k}")).find(|k| has(lang, k) || has(Lang::En, k));
    let mut message = match (v.reason, found) {
        (Reason::PhotoEdge, _) => String::new(),
        (_, Some(key)) => tr(lang, &key, &args),
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

/// A photo that cannot be opened, in `lang` (the system's or decoder's own detail stays as it
/// comes).
pub fn photo_error(e: &PhotoError, lang: Lang) -> String {
    use crate::capture::photo::{MAX_FILE_BYTES, MAX_PIXELS, MAX_SIDE};
    let path = |p: &std::path::Path| crate::paths::shown(p);
    let (key, args): (&str, Vec<(&str, String)>) = match e {
        PhotoError::NotFound(p) => ("not_found", vec![("path", path(p))]),
        PhotoError::Io(p, err) => ("io", vec![("path", path(p)), ("detail", err.to_string())]),
        PhotoError::FileTooLarge(mb) => {
            ("file_too_large", vec![("mb", mb.to_string()), ("max", (MAX_FILE_BYTES / 1_048_576).to_string())])
        }
        PhotoError::NotAnImage => ("not_an_image", vec![]),
        PhotoError::TooLarge { w, h } => (
            "too_large",
            vec![
                ("w", w.to_string()),
                ("h", h.to_string()),
                ("mp", (MAX_PIXELS / 1_000_000).to_string()),
                ("side", MAX_SIDE.to_string()),
            ],
        ),
        PhotoError::Corrupt(d) => ("corrupt", vec![("detail", d.clone())]),
        PhotoError::Empty => ("empty", vec![]),
    };
    tr(lang, &format!("errors.photo.{key}"), &args)
}

/// Does `key` exist in `lang`?
pub fn has(lang: Lang, key: &str) -> bool {
    lookup(if lang == Lang::Zh { &ZH } else { &EN }, key).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_photo_that_cannot_be_opened_is_told_in_the_readers_language() {
        let e = PhotoError::NotFound("a.jpg".into());
        assert_eq!(photo_error(&e, Lang::Zh), "找不到文件：a.jpg");
        assert_eq!(photo_error(&e, Lang::En), e.to_string());
        for e in [PhotoError::NotAnImage, PhotoError::Empty, PhotoError::TooLarge { w: 20000, h: 9000 }] {
            assert_eq!(photo_error(&e, Lang::En), e.to_string(), "the English text is the error's own");
            assert!(photo_error(&e, Lang::Zh).chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)));
        }
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
