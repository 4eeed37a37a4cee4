//! The JSON summary written beside every exported photo: what was exported, for whom, how it was
//! judged and who confirmed what. `photo_sha256` ties it to its photo.

use serde::{Deserialize, Serialize};

use crate::approval::Confirmation;
use crate::compose::tone::ToneCorrection;
use crate::judge::Overall;
use crate::report::{BackgroundReport, Report};

pub const SCHEMA: u32 = 2;

/// The documents a photo can be for, by the ids the summary records and the specs' `documents`
/// lists use (the window's document choice, `export --document`, the slip's names).
pub const DOCUMENTS: [&str; 7] =
    ["passport", "hk-macau-permit", "taiwan-permit", "resident-id-card", "social-security-card", "visa", "other"];

/// A Chinese document, applied for at a city's office: its form names the exact city and a
/// phone number. A visa or another country's passport asks for neither.
pub fn applied_in_a_city(document: &str) -> bool {
    // (The travel document and a passport applied for abroad go through a consulate.)
    const IN_A_CITY: [&str; 6] = [
        "passport",
        "hk-macau-permit",
        "taiwan-permit",
        "resident-id-card",
        "social-security-card",
        "residence-permit",
    ];
    IN_A_CITY.contains(&document)
}

/// The applicant's details for the counter, as entered at the booth.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Applicant {
    pub name: Option<String>,
    /// One of `DOCUMENTS`.
    pub document: Option<String>,
    pub city: Option<String>,
    pub phone: Option<String>,
    pub notes: Option<String>,
    /// The kiosk's ticket number, when the photo came from the kiosk.
    pub ticket: Option<String>,
}

/// A phone number the counter can call: 6–20 digits, with spaces, `+`, `-` and brackets
/// allowed between them (the window and the command line refuse anything else).
pub fn phone_ok(phone: &str) -> bool {
    let p = phone.trim();
    let digits = p.chars().filter(char::is_ascii_digit).count();
    (6..=20).contains(&digits) && p.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c))
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    pub schema: u32,
    /// The booth's own serial for this photo (never repeats on this machine; not the official
    /// receipt number).
    pub serial: String,
    /// The photo's file name, beside this summary.
    pub photo_file: String,
    pub photo_bytes: u64,
    /// SHA-256 of the photo file, hex.
    pub photo_sha256: String,
    pub spec: String,
    pub spec_name_en: String,
    pub spec_name_zh: String,
    pub width_px: u32,
    pub height_px: u32,
    pub dpi: u16,
    pub print_width_mm: Option<f64>,
    pub print_height_mm: Option<f64>,
    pub jpeg_quality: u8,
    /// The spec's window in bytes (strict reading of KB).
    pub size_window: Option<(u64, u64)>,
    /// RFC 3339, local time with its offset.
    pub exported_at: String,
    pub applicant: Applicant,
    /// The photo as judged: pass | needs_person | fail.
    pub outcome: Overall,
    /// Rules a person confirmed or overrode before export.
    pub confirmations: Vec<Confirmation>,
    /// What the booth did to the photo after judging it.
    pub background: BackgroundReport,
    pub tone: Option<ToneCorrection>,
    /// The full check, with texts in the language of the export.
    pub report: Report,
}

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    let d = sha2::Sha256::digest(bytes);
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Local time now, RFC 3339 with the offset (`2026-12-03T12:34:56+08:00`).
pub fn now_local() -> String {
    jiff::Zoned::now().strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}
