//! Every text the window shows comes from the locale files (`[ui]` sections).

use crate::Lang;
use crate::i18n::tr;

/// `ui.<key>` in `lang`.
pub fn t(lang: Lang, key: &str) -> String {
    tr(lang, &format!("ui.{key}"), &[])
}

/// `ui.<key>` with `{placeholders}` filled.
pub fn ta(lang: Lang, key: &str, args: &[(&str, String)]) -> String {
    tr(lang, &format!("ui.{key}"), args)
}
