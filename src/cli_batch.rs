//! `idbooth export PHOTOS… --out-dir DIR`: the counter's batch. Every photo that passes is
//! exported (a complete photo + summary pair); the rest are skipped; one report line per input
//! says what happened. Progress goes to stderr, and a bad file never stops the batch.

use std::path::{Path, PathBuf};

use idbooth::Lang;
use idbooth::export::Targets;
use idbooth::i18n::tr;
use idbooth::paths::shown;
use idbooth::spec::Spec;
use serde::Serialize;

use crate::cli::{ExportArgs, Exported, code, export_one, worse};

/// One line of the report.
#[derive(Serialize)]
struct Line {
    file: String,
    /// exported | skipped | error
    result: &'static str,
    /// pass | needs_person | fail (absent on errors)
    outcome: Option<&'static str>,
    /// Rules that kept the photo from passing.
    reasons: Vec<String>,
    output: Option<String>,
    error: Option<String>,
}

const PHOTO_EXTENSIONS: [&str; 7] = ["jpg", "jpeg", "png", "tif", "tiff", "webp", "bmp"];

/// The photos named, with folders replaced by the photos in them (sorted, not recursive).
fn inputs(args: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in args {
        if p.is_dir() {
            let mut v: Vec<PathBuf> = std::fs::read_dir(p)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path())
                .filter(|f| {
                    f.extension()
                        .is_some_and(|x| PHOTO_EXTENSIONS.contains(&x.to_string_lossy().to_lowercase().as_str()))
                })
                .collect();
            v.sort();
            out.extend(v);
        } else {
            out.push(p.clone());
        }
    }
    out
}

pub fn export_all(a: &ExportArgs, spec: &Spec, dir: &Path, city: Option<&str>, lang: Lang) -> anyhow::Result<u8> {
    // A folder that cannot be written is said now, not after every photo was checked.
    let cannot = |at: &Path, e: std::io::Error| {
        anyhow::anyhow!(idbooth::i18n::export_error(&idbooth::export::ExportError::Io(at.into(), e), lang))
    };
    std::fs::create_dir_all(dir).map_err(|e| cannot(dir, e))?;
    // An earlier run's report is its record of what it exported: never replaced (a named
    // --report only with --overwrite).
    let report_path = match &a.report {
        Some(p) => {
            idbooth::export::pair::check_target(p, a.overwrite, None)
                .map_err(|e| anyhow::anyhow!(idbooth::i18n::export_error(&e, lang)))?;
            p.clone()
        }
        None => idbooth::paths::free_name(dir, "report.jsonl"),
    };
    for folder in [dir, report_path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))] {
        tempfile::Builder::new().prefix(".idbooth-probe").tempfile_in(folder).map_err(|e| cannot(folder, e))?;
    }
    let files = inputs(&a.photos);
    let mut lines = Vec::with_capacity(files.len());
    let mut worst = 0u8;
    for (i, photo) in files.iter().enumerate() {
        let stem = photo.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_else(|| format!("photo-{i}"));
        let (jpg, json) = (dir.join(format!("{stem}.jpg")), dir.join(format!("{stem}.json")));
        let targets =
            Targets { photo: &jpg, summary: &json, overwrite: a.overwrite, source: Some(photo), private: false };
        let mut groups = Vec::new();
        // An error as the reader is told it (the report keeps the English text, as data).
        let mut told = None;
        let line = match export_one(a, spec, photo, &targets, city, lang, false) {
            Ok(Exported::Written(saved)) => Line {
                file: photo.display().to_string(),
                result: "exported",
                outcome: Some(saved.summary.outcome.as_str()),
                reasons: saved.summary.confirmations.iter().map(|c| c.rule.to_string()).collect(),
                output: Some(saved.photo.display().to_string()),
                error: None,
            },
            Ok(Exported::Refused { overall, open, .. }) => {
                worst = worse(worst, code(overall));
                groups = crate::cli::open_groups(&open, lang);
                Line {
                    file: photo.display().to_string(),
                    result: "skipped",
                    outcome: Some(overall.as_str()),
                    reasons: open.iter().map(|r| r.0.to_string()).collect(),
                    output: None,
                    error: None,
                }
            }
            Err(e) => {
                worst = worse(worst, 2);
                told = Some(idbooth::paths::escape(&idbooth::i18n::error(&e, lang)));
                Line {
                    file: photo.display().to_string(),
                    result: "error",
                    outcome: None,
                    reasons: Vec::new(),
                    output: None,
                    error: Some(idbooth::paths::escape(&format!("{e:#}"))),
                }
            }
        };
        // The rules that kept it back, on the line itself: the report is not the first place
        // a person at the counter looks.
        let why = match (line.outcome, &line.error) {
            (Some(_), _) if !groups.is_empty() => format!(" ({})", groups.join("; ")),
            (Some(o), _) => format!(" ({o})"),
            (None, Some(e)) => format!(": {}", told.as_deref().unwrap_or(e)),
            (None, None) => String::new(),
        };
        let result = tr(lang, &format!("cli.batch_{}", line.result), &[]);
        eprintln!("[{}/{}] {}: {result}{why}", i + 1, files.len(), shown(photo));
        lines.push(line);
    }
    let mut text = Vec::new();
    for l in &lines {
        serde_json::to_writer(&mut text, l)?;
        text.push(b'\n');
    }
    idbooth::paths::write_atomic(&report_path, &text)?;
    let exported = lines.iter().filter(|l| l.result == "exported").count();
    let args = [("done", exported.to_string()), ("total", lines.len().to_string()), ("report", shown(&report_path))];
    eprintln!("{}", tr(lang, "cli.batch_done", &args));
    // Photos held back only by rules a person decides (jewellery is always one on the
    // exit-entry spec): say how to let them through instead of leaving "0 exported" unexplained.
    let waiting = lines.iter().filter(|l| l.result == "skipped" && l.outcome == Some("needs_person")).count();
    if waiting > 0 {
        eprintln!("{}", tr(lang, "cli.batch_needs_person", &[("count", waiting.to_string())]));
    }
    Ok(worst)
}
