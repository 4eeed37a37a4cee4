//! Reading an export summary (`NAME.json` beside `NAME.jpg`) for printing, tolerantly: schema 2
//! (serial, photo SHA-256, outcome, confirmations) and the older schema 1 (none of those: the
//! SHA-256 is computed from the photo, the serial is shown as "—", the outcome is worked out
//! from the report's rules). Unknown fields are ignored.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::Digest;

use super::PrintError;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ApplicantDoc {
    pub name: Option<String>,
    pub document: Option<String>,
    pub city: Option<String>,
    pub phone: Option<String>,
    pub notes: Option<String>,
    pub ticket: Option<String>,
    /// Schema 1: staff's reason for exporting despite a failed rule.
    pub override_reason: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ConfirmationDoc {
    pub rule: String,
    pub status: String,
    pub by: String,
    /// "staff" (also when absent: older summaries) or "applicant".
    pub role: String,
    pub at: String,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SummaryDoc {
    /// 2 for the current format; absent (0) in schema 1.
    pub schema: u32,
    pub serial: Option<String>,
    pub photo_file: String,
    pub photo_bytes: Option<u64>,
    pub photo_sha256: Option<String>,
    pub spec: String,
    pub spec_name_en: String,
    pub spec_name_zh: String,
    pub width_px: u32,
    pub height_px: u32,
    pub dpi: u32,
    pub print_width_mm: Option<f64>,
    pub print_height_mm: Option<f64>,
    /// Schema 2: RFC 3339 local time with offset.
    pub exported_at: Option<String>,
    /// Schema 1: UTC.
    pub exported_at_utc: Option<String>,
    pub applicant: ApplicantDoc,
    /// pass | needs_person | fail (schema 2).
    pub outcome: Option<String>,
    pub confirmations: Vec<ConfirmationDoc>,
    pub report: serde_json::Value,
}

/// The photo as judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    NeedsPerson,
    Fail,
}

/// A summary with its photo, checked against each other.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub doc: SummaryDoc,
    pub path: PathBuf,
    pub photo_path: PathBuf,
    pub photo: Vec<u8>,
    /// Hex SHA-256 of the photo file as read now.
    pub sha256: String,
}

impl SummaryDoc {
    /// Every confirmation was the applicant's own (laptop), none a staff member's.
    pub fn self_checked(&self) -> bool {
        !self.confirmations.is_empty() && self.confirmations.iter().all(|c| c.role == "applicant")
    }

    /// The outcome as written (schema 2), or from the rules (schema 1): any failed rule fails;
    /// a warning or an unchecked rule needs a person; no rules at all is not a pass either.
    pub fn outcome(&self) -> Outcome {
        match self.outcome.as_deref() {
            Some("pass") => return Outcome::Pass,
            Some("fail") => return Outcome::Fail,
            Some(_) => return Outcome::NeedsPerson,
            None => {}
        }
        let statuses: Vec<&str> = self
            .report
            .get("rules")
            .and_then(|r| r.as_array())
            .map(|a| a.iter().filter_map(|v| v.get("status").and_then(|s| s.as_str())).collect())
            .unwrap_or_default();
        if statuses.contains(&"fail") || self.report.get("problem").is_some_and(|p| !p.is_null()) {
            Outcome::Fail
        } else if statuses.is_empty() || statuses.iter().any(|s| *s != "pass") {
            Outcome::NeedsPerson
        } else {
            Outcome::Pass
        }
    }

    /// When the photo was exported, for people: `2026-12-03 12:34:56 +08:00` or `… UTC`.
    pub fn exported_display(&self) -> Option<String> {
        if let Some(t) = &self.exported_at {
            let (dt, off) = split_offset(t);
            return Some(format!("{} {off}", dt.replacen('T', " ", 1)).trim().to_string());
        }
        self.exported_at_utc.as_ref().map(|t| format!("{} UTC", t.trim_end_matches('Z').replacen('T', " ", 1)))
    }

    /// The export date `YYYY-MM-DD`, for captions.
    pub fn date(&self) -> Option<String> {
        self.exported_at.as_ref().or(self.exported_at_utc.as_ref()).and_then(|t| t.get(..10)).map(String::from)
    }
}

pub(super) fn split_offset(t: &str) -> (&str, &str) {
    if let Some(s) = t.strip_suffix('Z') {
        return (s, "UTC");
    }
    match t.get(19..) {
        Some(off) if off.starts_with('+') || off.starts_with('-') => (&t[..19], off),
        _ => (t, ""),
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Read a summary and the photo it names, beside it. A schema-2 summary whose SHA-256 does not
/// match the photo is refused: the paper must describe the file it sits with. A pair renamed
/// together (`zhang.jpg` + `zhang.json` from an export named after the date) is still a pair:
/// when the named photo is not there, the photo of the summary's own name is taken if its
/// SHA-256 is the one recorded.
pub fn load(path: &Path) -> Result<Loaded, PrintError> {
    load_with(path, None)
}

/// The summary beside `photo`, for that photo: the photo it names, or `photo` itself when its
/// SHA-256 is the one recorded (the pair was renamed together).
pub fn load_for(path: &Path, photo: &Path) -> Result<Loaded, PrintError> {
    load_with(path, Some(photo))
}

fn load_with(path: &Path, photo_asked: Option<&Path>) -> Result<Loaded, PrintError> {
    let err = |msg: String| PrintError::Summary { path: path.into(), msg };
    let text = std::fs::read(path).map_err(|e| err(format!("cannot read the summary: {e}")))?;
    let doc: SummaryDoc =
        serde_json::from_slice(&text).map_err(|e| err(format!("not an idbooth summary (damaged JSON?): {e}")))?;
    if doc.photo_file.is_empty() || doc.spec.is_empty() {
        return Err(err("not an idbooth summary: photo_file or spec is missing".into()));
    }
    if Path::new(&doc.photo_file).components().count() != 1 {
        return Err(err(format!("photo_file '{}' must be a file name beside the summary", doc.photo_file)));
    }
    let photo_path = path.parent().unwrap_or(Path::new(".")).join(&doc.photo_file);
    // The renamed pair: only a schema-2 summary can vouch for a photo under another name.
    let renamed = match photo_asked {
        Some(p) => Some(p.to_path_buf()),
        None if !photo_path.is_file() => Path::new(&doc.photo_file).extension().map(|e| path.with_extension(e)),
        None => None,
    };
    if let (Some(other), Some(want)) = (renamed.filter(|p| *p != photo_path), &doc.photo_sha256)
        && let Ok(photo) = std::fs::read(&other)
    {
        let sha256 = sha256_hex(&photo);
        if want.eq_ignore_ascii_case(&sha256) {
            return Ok(Loaded { doc, path: path.into(), photo_path: other, photo, sha256 });
        }
    }
    let photo =
        std::fs::read(&photo_path).map_err(|e| err(format!("cannot read its photo {}: {e}", photo_path.display())))?;
    let sha256 = sha256_hex(&photo);
    if let Some(want) = &doc.photo_sha256
        && !want.eq_ignore_ascii_case(&sha256)
    {
        return Err(err(format!(
            "the photo {} does not match this summary (SHA-256 {} expected, {} found): it was changed or replaced",
            photo_path.display(),
            short(want),
            short(&sha256)
        )));
    }
    Ok(Loaded { doc, path: path.into(), photo_path, photo, sha256 })
}

/// The first 12 hex digits, as printed on the slip.
pub fn short(sha: &str) -> String {
    sha.chars().take(12).collect()
}

/// The summary written beside a photo (`NAME.json` for `NAME.jpg`), if there is one.
pub fn beside(photo: &Path) -> Option<PathBuf> {
    let p = photo.with_extension("json");
    p.is_file().then_some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(json: &str) -> SummaryDoc {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn schema_one_outcome_comes_from_the_rules() {
        let pass = doc(r#"{"report":{"rules":[{"status":"pass"},{"status":"pass"}]}}"#);
        assert_eq!(pass.outcome(), Outcome::Pass);
        let warn = doc(r#"{"report":{"rules":[{"status":"pass"},{"status":"warn"}]}}"#);
        assert_eq!(warn.outcome(), Outcome::NeedsPerson);
        let unchecked = doc(r#"{"report":{"rules":[{"status":"not_checked"}]}}"#);
        assert_eq!(unchecked.outcome(), Outcome::NeedsPerson);
        let fail = doc(r#"{"report":{"rules":[{"status":"pass"},{"status":"fail"}]}}"#);
        assert_eq!(fail.outcome(), Outcome::Fail);
        assert_eq!(doc("{}").outcome(), Outcome::NeedsPerson);
    }

    #[test]
    fn schema_two_fields_and_unknown_fields() {
        let d = doc(r#"{"schema":2,"serial":"20261203-000042","outcome":"needs_person","future":1,
                "exported_at":"2026-12-03T12:34:56+08:00",
                "confirmations":[{"rule":"jewellery","status":"needs_person","by":"Li Wei","at":"x","reason":"ok"}]}"#);
        assert_eq!(d.serial.as_deref(), Some("20261203-000042"));
        assert_eq!(d.outcome(), Outcome::NeedsPerson);
        assert_eq!(d.confirmations[0].by, "Li Wei");
        assert_eq!(d.exported_display().unwrap(), "2026-12-03 12:34:56 +08:00");
        assert_eq!(d.date().unwrap(), "2026-12-03");
        let v1 = doc(r#"{"exported_at_utc":"2026-12-03T04:34:56Z"}"#);
        assert_eq!(v1.exported_display().unwrap(), "2026-12-03 04:34:56 UTC");
    }

    #[test]
    fn a_changed_photo_is_refused_and_a_missing_one_named() {
        let dir = std::env::temp_dir().join(format!("idbooth-summary-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("a.jpg"), b"photo bytes").unwrap();
        let good = sha256_hex(b"photo bytes");
        let json =
            |sha: &str| format!(r#"{{"schema":2,"photo_file":"a.jpg","spec":"cn-exit-entry","photo_sha256":"{sha}"}}"#);
        std::fs::write(dir.join("a.json"), json(&good)).unwrap();
        let l = load(&dir.join("a.json")).unwrap();
        assert_eq!(l.sha256, good);
        std::fs::write(dir.join("a.json"), json(&"0".repeat(64))).unwrap();
        assert!(load(&dir.join("a.json")).unwrap_err().to_string().contains("does not match"));
        std::fs::write(dir.join("b.json"), r#"{"photo_file":"nope.jpg","spec":"x"}"#).unwrap();
        assert!(load(&dir.join("b.json")).unwrap_err().to_string().contains("nope.jpg"));
        std::fs::write(dir.join("c.json"), "{ damaged").unwrap();
        assert!(load(&dir.join("c.json")).unwrap_err().to_string().contains("damaged"));
        std::fs::remove_dir_all(&dir).ok();
    }
}
