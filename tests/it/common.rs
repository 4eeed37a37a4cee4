//! Helpers for tests that read the shared test photos (`../shared/testdata/photos`, beside the
//! repository). Those photos are not in the repo; when the folder is absent a test says so
//! plainly and skips — except under CI (`CI=true`), where the folder must be there.

#![allow(dead_code)]

use std::path::PathBuf;

use idbooth::Lang;
use idbooth::approval::{self, Confirm, Policy};
use idbooth::capture::{Portrait, decode_photo, load_photo};
use idbooth::compose::background::BackgroundChoice;
use idbooth::judge::Status;
use idbooth::report::{Report, RuleReport};
use idbooth::session::{Composed, JudgeOptions, Judgement, Session};
use idbooth::spec::{Spec, SpecBook};

/// Where the tests write: cargo's own scratch folder under `target/`, so nothing is left in
/// the system's /tmp. Unique names per test; emptied at each run.
pub fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A scratch path that is shared and kept (a data folder, a serial counter).
pub fn kept(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name)
}

pub fn photos_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/testdata/photos");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("../shared/testdata/photos is missing: CI must run with ../shared beside the repository");
    }
    eprintln!("SKIPPED: ../shared/testdata/photos is not beside the repository; this test needs the shared photos");
    None
}

pub fn spec(id: &str) -> Spec {
    SpecBook::builtin().get(id).unwrap().clone()
}

pub fn sample(name: &str) -> Portrait {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/samples").join(name);
    load_photo(&path).unwrap()
}

/// A photo run through the whole journey, as the front ends do.
pub struct Checked {
    pub session: Session,
    pub judgement: Judgement,
    pub report: Report,
    pub composed: Option<Composed>,
}

impl Checked {
    /// The exported image (None when no crop fits).
    pub fn output(&self) -> Option<&image::RgbImage> {
        self.composed.as_ref().map(|c| &c.image)
    }
}

pub fn check_with(p: &Portrait, spec: &Spec, bg: BackgroundChoice) -> Checked {
    let session = Session::new(p.clone(), spec).unwrap();
    let judgement = session.judge(spec, &JudgeOptions { background: bg, adjust: None });
    let composed = judgement.frame.as_ref().map(|_| session.compose(&judgement, spec).unwrap());
    let report = Report::new(&session, &judgement, spec, Lang::En);
    Checked { session, judgement, report, composed }
}

pub fn check(p: &Portrait, spec_id: &str) -> Checked {
    check_with(p, &spec(spec_id), BackgroundChoice::Auto)
}

pub fn rule<'a>(c: &'a Checked, id: &str) -> &'a RuleReport {
    c.report.rules.iter().find(|v| v.verdict.rule.as_str() == id).unwrap_or_else(|| panic!("no rule {id}"))
}

pub fn status(c: &Checked, id: &str) -> Status {
    rule(c, id).verdict.status
}

/// Export through the release gate; rules that are not ok are confirmed by a test operator.
pub fn export(c: &Checked, spec: &Spec, photo: &std::path::Path) -> idbooth::export::Saved {
    export_parts(&c.judgement, c.composed.as_ref().unwrap(), &c.report, spec, photo)
}

/// [`export`] from a judgement, its composition and its report (one session, many specs).
pub fn export_parts(
    j: &Judgement,
    composed: &Composed,
    report: &Report,
    spec: &Spec,
    photo: &std::path::Path,
) -> idbooth::export::Saved {
    let confirm = Confirm {
        rules: approval::to_confirm(&j.verdicts).iter().map(|v| v.rule).collect(),
        by: Some("test operator".into()),
        reason: Some("test".into()),
        role: approval::Role::Staff,
    };
    let release = approval::release(&j.verdicts, &confirm, &Policy::default(), "2026-01-01T00:00:00Z").unwrap();
    let summary = photo.with_extension("json");
    let targets = idbooth::export::Targets { photo, summary: &summary, overwrite: false, source: None, private: false };
    let serials = idbooth::serial::SerialCounter::at(kept("idbooth-test-serials"));
    let serial = serials.next().unwrap();
    idbooth::export::save(composed, &serial, report, spec, &Default::default(), &release, &targets).unwrap()
}

/// JPEG round trip, as a photo file would arrive.
pub fn as_jpeg(img: &image::RgbImage) -> Portrait {
    let bytes = idbooth::export::encode_jpeg(img, 95, 300).unwrap();
    decode_photo(&bytes).unwrap()
}
