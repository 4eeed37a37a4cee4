//! idbooth core: everything that is not GUI. The photo's journey, one module per stage:
//! capture → detect → measure → judge → compose → export. See ARCHITECTURE.md.

#[cfg(feature = "gui")]
pub mod app;
pub mod capture;
pub mod compose;
pub mod detect;
pub mod eval;
pub mod export;
pub mod geometry;
pub mod i18n;
pub mod judge;
pub mod measure;
pub mod pipeline;
pub mod pixels;
pub mod print;
pub mod serial;
pub mod spec;

/// Language of the texts shown to a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Zh,
    #[default]
    En,
}

impl std::str::FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Lang, String> {
        match s.to_ascii_lowercase().as_str() {
            "zh" | "zh-cn" | "cn" | "中文" => Ok(Lang::Zh),
            "en" | "english" => Ok(Lang::En),
            _ => Err(format!("unknown language '{s}' (use en or zh)")),
        }
    }
}
