//! idbooth core: everything that is not GUI. The photo's journey, one module per stage:
//! capture → detect → measure → judge → compose → export, held together per photo by a
//! [`session::Session`]. See ARCHITECTURE.md.

#[cfg(feature = "gui")]
pub mod app;
pub mod approval;
pub mod capture;
pub mod cities;
pub mod compose;
pub mod detect;
pub mod eval;
pub mod export;
pub mod geometry;
pub mod i18n;
pub mod judge;
pub mod logging;
pub mod measure;
pub mod paths;
pub mod pixels;
pub mod print;
pub mod report;
pub mod serial;
pub mod session;
pub mod spec;
pub mod spool;

/// Language of the texts shown to a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize, Hash)]
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
