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

/// A message the window keeps showing (a notice, an error): written out in the window's
/// language each time it is drawn, so switching languages switches it too.
pub struct Msg(Box<dyn Fn(Lang) -> String>);

impl Msg {
    /// `ui.<key>` as it is.
    pub fn key(key: &'static str) -> Msg {
        Msg(Box::new(move |lang| t(lang, key)))
    }

    /// Any text made from the language (placeholders, translated parts).
    pub fn with(f: impl Fn(Lang) -> String + 'static) -> Msg {
        Msg(Box::new(f))
    }

    /// Text from outside the locale files (a settings file's problem): the same in every language.
    pub fn fixed(text: String) -> Msg {
        Msg(Box::new(move |_| text.clone()))
    }

    pub fn text(&self, lang: Lang) -> String {
        (self.0)(lang)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_message_follows_the_language() {
        let m = Msg::key("no_camera");
        assert_ne!(m.text(Lang::En), m.text(Lang::Zh));
        assert_eq!(m.text(Lang::En), t(Lang::En, "no_camera"));
    }
}
