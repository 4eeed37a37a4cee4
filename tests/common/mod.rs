//! Helpers for tests that read the shared test photos (`../shared/testdata/photos`, beside the
//! repository). Those photos are not in the repo; when the folder is absent a test says so
//! plainly and skips — except under CI (`CI=true`), where the folder must be there.

#![allow(dead_code)]

use std::path::PathBuf;

use idbooth::Lang;
use idbooth::capture::{Portrait, decode_photo, load_photo};
use idbooth::judge::{Status, Verdict};
use idbooth::pipeline::{self, Checked};
use idbooth::spec::{Spec, SpecBook};

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

pub fn check(p: &Portrait, spec_id: &str) -> Checked {
    pipeline::check(p, &spec(spec_id), Lang::En).unwrap()
}

pub fn rule<'a>(c: &'a Checked, id: &str) -> &'a Verdict {
    c.report.rules.iter().find(|v| v.id == id).unwrap_or_else(|| panic!("no rule {id}"))
}

pub fn status(c: &Checked, id: &str) -> Status {
    rule(c, id).status
}

/// JPEG round trip, as a photo file would arrive.
pub fn as_jpeg(img: &image::RgbImage) -> Portrait {
    let bytes = idbooth::export::encode_jpeg(img, 95, 300).unwrap();
    decode_photo(&bytes).unwrap()
}
