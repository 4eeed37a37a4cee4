//! Texts a person reads, from the locale files in `assets/locales/` (embedded).
//! Keys are dotted paths (`rules.roll.high`); `{name}` placeholders are filled from `args`.

use std::sync::LazyLock;

use crate::Lang;

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

/// Does `key` exist in `lang`?
pub fn has(lang: Lang, key: &str) -> bool {
    lookup(if lang == Lang::Zh { &ZH } else { &EN }, key).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

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
