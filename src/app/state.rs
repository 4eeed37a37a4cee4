//! The booth's data, apart from how it is drawn: the checked still, the applicant form, the
//! export, the remembered settings. No egui here.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::text::{t, ta};
use crate::Lang;
use crate::approval::{self, Confirm, Policy, ReleaseError, Role};
use crate::capture::Portrait;
use crate::compose::background::BackgroundChoice;
use crate::export::{self, Applicant, Saved, Targets};
use crate::judge::RuleId;
use crate::report::Report;
use crate::session::{Adjust, Composed, JudgeOptions, Judgement, Session};
use crate::spec::Spec;

/// A still photo: detected once (the slow part), judged against the current spec, composed
/// (tone, backdrop) for export, and its report rendered in the current language.
pub struct Still {
    pub session: Arc<Session>,
    pub judgement: Judgement,
    /// The exported image; None when no crop fits.
    pub composed: Option<Composed>,
    report: Report,
}

impl Still {
    /// Detect, judge and compose: the slow path, run on a worker thread.
    pub fn check(
        portrait: Portrait,
        spec: &Spec,
        lang: Lang,
        bg: &BackgroundChoice,
    ) -> Result<Still, crate::detect::VisionError> {
        let session = Session::new(portrait, spec)?;
        Ok(Still::judged(Arc::new(session), spec, lang, bg))
    }

    /// Judge an analysed photo for a spec and background and compose it (no detection; the
    /// composition runs the matte model, so this belongs on a worker).
    pub fn judged(session: Arc<Session>, spec: &Spec, lang: Lang, bg: &BackgroundChoice) -> Still {
        let judgement = session.judge(spec, &JudgeOptions { background: bg.clone(), adjust: None });
        let composed = match session.compose(&judgement, spec) {
            Ok(c) => Some(c),
            Err(e) => {
                if judgement.frame.is_some() {
                    tracing::warn!("compose failed: {e}");
                }
                None
            }
        };
        let report = Report::new(&session, &judgement, spec, lang);
        Still { session, judgement, composed, report }
    }

    /// Judge again from the cached detection (spec, background or a manual crop changed):
    /// milliseconds, no model. The composition is dropped; the caller composes on a worker.
    pub fn rejudge(&mut self, spec: &Spec, lang: Lang, bg: &BackgroundChoice, adjust: Adjust) {
        let adjust = Some(adjust).filter(|a| !a.is_none());
        self.judgement = self.session.judge(spec, &JudgeOptions { background: bg.clone(), adjust });
        self.report = Report::new(&self.session, &self.judgement, spec, lang);
        self.composed = None;
    }

    /// The texts in another language (no judging).
    pub fn set_lang(&mut self, spec: &Spec, lang: Lang) {
        self.report = self.report.in_lang(spec, lang);
    }

    pub fn report(&self) -> &Report {
        &self.report
    }

    /// A face was found (otherwise the window shows a message instead of a checklist).
    pub fn has_face(&self) -> bool {
        self.session.analysis.main.is_some()
    }
}

/// Document types on the form (`Applicant.document`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Document {
    #[default]
    Passport,
    HkMacau,
    Taiwan,
    ResidentId,
    SocialSecurity,
    Other,
}

impl Document {
    pub const ALL: [Document; 6] = [
        Document::Passport,
        Document::HkMacau,
        Document::Taiwan,
        Document::ResidentId,
        Document::SocialSecurity,
        Document::Other,
    ];

    /// The id written into the summary, as the specs' `documents` lists name it.
    pub fn id(self) -> &'static str {
        match self {
            Document::Passport => "passport",
            Document::HkMacau => "hk-macau-permit",
            Document::Taiwan => "taiwan-permit",
            Document::ResidentId => "resident-id-card",
            Document::SocialSecurity => "social-security-card",
            Document::Other => "other",
        }
    }

    /// A Chinese document is applied for in a city, which the form must name exactly; a
    /// photo for another country's passport or visa has no such field.
    pub fn has_city(self) -> bool {
        crate::export::summary::applied_in_a_city(self.id())
    }

    pub fn from_id(id: &str) -> Option<Document> {
        Document::ALL.into_iter().find(|d| d.id() == id)
    }

    pub fn label(self, lang: Lang) -> String {
        let key = match self {
            Document::Passport => "form.passport",
            Document::HkMacau => "form.hk_macau",
            Document::Taiwan => "form.taiwan",
            Document::ResidentId => "form.resident_id",
            Document::SocialSecurity => "form.social_security",
            Document::Other => "form.other",
        };
        t(lang, key)
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Form {
    pub name: String,
    pub document: Document,
    pub city: String,
    pub phone: String,
    pub notes: String,
    /// Staff's reason for exporting despite a failed rule (empty: no override).
    pub override_reason: String,
    /// The staff member who confirms rules that fail or need a person.
    pub operator: String,
    /// The kiosk's ticket number, when the photo came from the kiosk.
    pub ticket: String,
}

impl Form {
    /// Nothing typed about the person (the document alone follows the spec).
    pub fn is_blank(&self) -> bool {
        [&self.name, &self.city, &self.phone, &self.notes].iter().all(|v| v.trim().is_empty())
    }

    /// Labels of the required fields left empty.
    pub fn missing(&self, lang: Lang) -> Vec<String> {
        [("form.name", &self.name), ("form.city", &self.city), ("form.phone", &self.phone)]
            .into_iter()
            // A visa or another country's passport: neither a city nor a phone is asked for.
            .filter(|(k, _)| *k == "form.name" || self.document.has_city())
            .filter(|(_, v)| v.trim().is_empty())
            .map(|(k, _)| t(lang, k))
            .collect()
    }

    pub fn phone_ok(&self) -> bool {
        crate::export::summary::phone_ok(&self.phone)
    }

    /// Every problem with the form, in `lang`, one sentence each (staff mend them all at
    /// once rather than learning of one per click).
    pub fn problems(&self, lang: Lang) -> Vec<String> {
        let mut out = Vec::new();
        let missing = self.missing(lang);
        if !missing.is_empty() {
            out.push(ta(lang, "form.missing", &[("fields", missing.join(&t(lang, "list_sep")))]));
        }
        if self.document.has_city()
            && !self.city.trim().is_empty()
            && let Err(e) = self.city()
        {
            out.push(e.message(lang));
        }
        if !self.phone.trim().is_empty() && !self.phone_ok() {
            out.push(t(lang, "form.bad_phone"));
        }
        out
    }

    /// The form's problems as one message (see `problems`).
    pub fn validate(&self, lang: Lang) -> Result<(), String> {
        let p = self.problems(lang);
        if p.is_empty() { Ok(()) } else { Err(p.join("\n")) }
    }

    /// The city of application as typed, resolved to exactly one place on the list (a
    /// province, a place outside the mainland, an unknown or ambiguous name is refused).
    pub fn city(&self) -> Result<&'static crate::cities::City, crate::cities::CityError> {
        crate::cities::resolve(&self.city)
    }

    pub fn applicant(&self) -> Applicant {
        let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        Applicant {
            name: opt(&self.name),
            document: Some(self.document.id().to_string()),
            // The list's exact name (深圳市 for "shenzhen"); `validate` refused anything else.
            city: self.city().ok().filter(|_| self.document.has_city()).map(|c| c.name.clone()),
            phone: opt(&self.phone),
            notes: opt(&self.notes),
            ticket: opt(&self.ticket),
        }
    }
}

/// Titles of the rules a person must confirm before export.
pub fn blocking(report: &Report) -> Vec<String> {
    report.rules.iter().filter(|r| !r.verdict.status.is_ok()).map(|r| r.title.clone()).collect()
}

/// `idbooth-<spec>-<YYYYMMDD-HHMMSS>[-<ticket>][-<name>].jpg` and `.json` in `dir`: staff find
/// a customer's files by ticket or name; a counter never overwrites (a `-1`, `-2`… is added).
pub fn export_paths(dir: &Path, spec: &Spec, who: &Applicant) -> (PathBuf, PathBuf) {
    let stamp = jiff::Zoned::now().strftime("%Y%m%d-%H%M%S").to_string();
    let base = export_stem(&spec.id, &stamp, who);
    let mut n = 0;
    loop {
        let stem = if n == 0 { base.clone() } else { format!("{base}-{n}") };
        let (photo, summary) = (dir.join(format!("{stem}.jpg")), dir.join(format!("{stem}.json")));
        if !photo.exists() && !summary.exists() {
            return (photo, summary);
        }
        n += 1;
    }
}

/// The file name's stem (see `export_paths`). The ticket and name keep letters (any script),
/// digits, `-` and `_`; spaces and the middle dot of transliterated names (阿卜杜·热合曼)
/// become `_`; anything a file system could refuse or read as a path is dropped. The parts are
/// cut by bytes (16 for the ticket, 48 for the name, 16 Chinese characters), so the whole name
/// stays under 143 bytes, the shortest limit in use (eCryptfs home folders).
fn export_stem(spec: &str, stamp: &str, who: &Applicant) -> String {
    let part = |s: &Option<String>, max_bytes: usize| -> Option<String> {
        let mut kept = String::new();
        for c in s.as_deref().unwrap_or("").trim().chars() {
            let c = if c.is_whitespace() || "·・•".contains(c) { '_' } else { c };
            if !(c.is_alphanumeric() || c == '-' || c == '_') {
                continue;
            }
            if kept.len() + c.len_utf8() > max_bytes {
                break;
            }
            kept.push(c);
        }
        Some(kept.trim_matches(['-', '_']).to_string()).filter(|k| !k.is_empty())
    };
    let mut stem = format!("idbooth-{spec}-{stamp}");
    for p in [part(&who.ticket, 16), part(&who.name, 48)].into_iter().flatten() {
        stem.push('-');
        stem.push_str(&p);
    }
    stem
}

/// Where an export goes, and where its serial comes from.
#[derive(Clone, Copy)]
pub struct Destination<'a> {
    pub dir: &'a Path,
    pub serials: &'a crate::serial::SerialCounter,
    /// The person at the keyboard confirms for themselves (laptop), not staff.
    pub self_service: bool,
}

/// The text key for who confirms: `form.operator` for staff, `form.operator_self` when the
/// person at the keyboard confirms for themselves (the laptop).
pub fn confirm_key(key: &str, self_service: bool) -> String {
    if self_service { format!("{key}_self") } else { key.to_string() }
}

/// Validate the form, pass the release gate (the operator confirms the ticked open rules by
/// name, with a reason for a failure), and write the JPEG and its summary as one unit.
pub fn export(
    still: &Still,
    spec: &Spec,
    form: &Form,
    confirmed: &[RuleId],
    policy: &Policy,
    to: Destination,
    lang: Lang,
) -> Result<Saved, String> {
    let Destination { dir, serials, self_service } = to;
    let Some(composed) = &still.composed else { return Err(t(lang, "form.no_result")) };
    let mut problems = form.problems(lang);
    let report = still.report();
    let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let role = if self_service { Role::Applicant } else { Role::Staff };
    let confirm =
        Confirm { rules: confirmed.to_vec(), by: opt(&form.operator), reason: opt(&form.override_reason), role };
    let release = approval::release(&still.judgement.verdicts, &confirm, policy, &export::summary::now_local())
        .map_err(|e| match e {
            ReleaseError::Unconfirmed { .. } => {
                let rules = blocking(report).join(&t(lang, "rule_sep"));
                let own = |key: &str| confirm_key(key, self_service);
                format!(
                    "{} {}",
                    ta(lang, &own("form.blocked"), &[("rules", rules)]),
                    t(lang, &own("form.override_hint"))
                )
            }
            ReleaseError::NoOperator if self_service => t(lang, "form.need_operator_self"),
            ReleaseError::NoOperator => t(lang, "form.need_operator"),
            ReleaseError::ReasonRequired(_) => t(lang, "form.need_reason"),
            ReleaseError::OverrideForbidden(_) => t(lang, "form.override_forbidden"),
        });
    // What the form lacks and what the checklist still needs, said together.
    let release = match release {
        Ok(r) if problems.is_empty() => r,
        Ok(_) => return Err(problems.join("\n")),
        Err(e) => {
            problems.push(e);
            return Err(problems.join("\n"));
        }
    };
    std::fs::create_dir_all(dir).map_err(|e| ta(lang, "form.export_error", &[("error", e.to_string())]))?;
    let applicant = form.applicant();
    let (photo, summary) = export_paths(dir, spec, &applicant);
    let targets = Targets { photo: &photo, summary: &summary, overwrite: false, source: None, private: false };
    let failed = |e: String| ta(lang, "form.export_error", &[("error", e)]);
    let serial = serials.next().map_err(|e| failed(e.to_string()))?;
    export::save(composed, &serial, report, spec, &applicant, &release, &targets)
        .map_err(|e| failed(crate::i18n::export_error(&e, lang)))
}

/// What the window remembers between runs (laptop and counter; the kiosk remembers nothing).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default)]
pub struct Remembered {
    pub camera: Option<u32>,
    pub mirror: bool,
    pub lang: Option<Lang>,
    pub spec: Option<String>,
    pub folder: Option<PathBuf>,
}

impl Remembered {
    /// `<config dir>/idbooth/gui.json`.
    pub fn default_path() -> Option<PathBuf> {
        crate::paths::project_dirs().map(|d| d.config_dir().join("gui.json"))
    }

    pub fn load(path: &Path) -> Remembered {
        std::fs::read(path).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
    }

    pub fn save(&self, path: &Path) {
        let dir = path.parent().unwrap_or(Path::new("."));
        let written = std::fs::create_dir_all(dir)
            .and_then(|_| serde_json::to_vec_pretty(self).map_err(std::io::Error::other))
            .and_then(|json| crate::paths::write_atomic(path, &json));
        if let Err(e) = written {
            tracing::warn!("window settings not saved: {e}");
        }
    }
}

/// Where exports go unless the person picks a folder: ~/Pictures/idbooth where ~/Pictures
/// exists, else ~/idbooth (without HOME: ./idbooth-export).
pub fn default_folder() -> PathBuf {
    match std::env::var_os("HOME").map(PathBuf::from) {
        Some(home) if home.join("Pictures").is_dir() => home.join("Pictures/idbooth"),
        Some(home) => home.join("idbooth"),
        None => PathBuf::from("idbooth-export"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_names_carry_the_ticket_and_a_safe_form_of_the_name() {
        let who = |ticket: Option<&str>, name: Option<&str>| Applicant {
            ticket: ticket.map(String::from),
            name: name.map(String::from),
            ..Applicant::default()
        };
        let stem = |a: &Applicant| export_stem("cn-exit-entry", "20261205-193000", a);
        assert_eq!(stem(&who(None, None)), "idbooth-cn-exit-entry-20261205-193000");
        assert_eq!(stem(&who(Some("A012"), Some("张三"))), "idbooth-cn-exit-entry-20261205-193000-A012-张三");
        assert_eq!(stem(&who(None, Some(" Li  Wei "))), "idbooth-cn-exit-entry-20261205-193000-Li__Wei");
        // Nothing that reads as a folder, a drive, a wildcard or a control character survives.
        assert_eq!(stem(&who(Some("../x"), Some("a/b\\c:d*?\"<>|\n"))), "idbooth-cn-exit-entry-20261205-193000-x-abcd");
        assert_eq!(stem(&who(Some("///"), Some("..."))), "idbooth-cn-exit-entry-20261205-193000");
        assert_eq!(stem(&who(None, Some("阿卜杜·热合曼"))), "idbooth-cn-exit-entry-20261205-193000-阿卜杜_热合曼");
        // Long names are cut by bytes, never inside a character, and the whole name stays
        // within the shortest file-name limit in use (143 bytes) with the longest spec id.
        let long = "欧阳".repeat(20);
        let cut = stem(&who(None, Some(&long)));
        assert_eq!(cut.chars().count(), "idbooth-cn-exit-entry-20261205-193000-".len() + 16);
        let worst = export_stem("cn-social-security", "20261205-193000-99", &who(Some(&"9".repeat(40)), Some(&long)));
        assert!(format!("{worst}.json").len() <= 143, "{} bytes", worst.len());
    }

    #[test]
    fn every_document_of_the_window_is_one_the_summary_and_slip_know() {
        for d in Document::ALL {
            assert!(crate::export::summary::DOCUMENTS.contains(&d.id()), "{}", d.id());
            assert!(crate::i18n::has(Lang::Zh, &format!("print.document.{}", d.id())), "{}", d.id());
        }
    }

    #[test]
    fn the_form_names_missing_fields_and_checks_the_phone() {
        let mut f = Form::default();
        assert_eq!(f.missing(Lang::En), ["Name", "City of application", "Phone"]);
        f.name = "张三".into();
        f.city = "深圳".into();
        f.phone = "12ab".into();
        assert!(f.validate(Lang::En).unwrap_err().contains("phone"));
        f.phone = "+86 138-0000-0000".into();
        assert!(f.validate(Lang::Zh).is_ok());
        let a = f.applicant();
        assert_eq!(a.document.as_deref(), Some("passport"));
        assert_eq!(a.city.as_deref(), Some("深圳市"), "the list's exact name is stored");
        // A province alone blocks the export, with the gazetteer's message in the person's language.
        f.city = "广东".into();
        let e = f.validate(Lang::En).unwrap_err();
        assert!(e.contains("province") && e.contains("广州"), "{e}");
        assert!(f.validate(Lang::Zh).unwrap_err().contains("省"));
        f.city = "Atlantis".into();
        assert!(f.validate(Lang::En).unwrap_err().contains("not a city on the list"));
        assert_eq!(a.notes, None);
        // Every problem at once, not one per click.
        let phone = std::mem::take(&mut f.phone);
        f.city = "广东".into();
        let e = f.validate(Lang::En).unwrap_err();
        assert!(e.contains("Phone") && e.contains("province"), "{e}");
        f.phone = phone;
        // A photo for another country's passport or visa: no city of application asked.
        f.document = Document::Other;
        f.city.clear();
        assert_eq!(f.missing(Lang::En), Vec::<String>::new());
        assert!(f.validate(Lang::En).is_ok());
        f.city = "深圳".into();
        assert_eq!(f.applicant().city, None, "a city typed for a Chinese document is not carried to another");
    }

    #[test]
    fn settings_round_trip() {
        let dir = std::env::temp_dir().join(format!("idbooth-settings-{}", std::process::id()));
        let p = dir.join("gui.json");
        let s = Remembered { camera: Some(2), lang: Some(Lang::Zh), ..Remembered::default() };
        s.save(&p);
        assert_eq!(Remembered::load(&p), s);
        assert_eq!(Remembered::load(&dir.join("none.json")), Remembered::default());
        std::fs::remove_dir_all(&dir).ok();
    }
}
