//! Every built-in spec's crop on real photos (issue 12, "every spec's crop right"): a few London
//! photos, each detected once and judged against every spec through the session API, must come
//! out with every band the spec states met — the hair top's gap, the chin's gap, the head's
//! height, the eye line, the pupils, the width, the centring — measured on the exported frame and
//! on the exported file itself; and a photo that cannot meet them must fail its checklist.
//! The photos live in ../shared/testdata (not in the repository): without them the tests say
//! "SKIPPED" and pass.

use std::path::PathBuf;

use crate::common::photos_dir;
use idbooth::Lang;
use idbooth::capture::{Portrait, load_photo};
use idbooth::compose::background::BackgroundChoice;
use idbooth::judge::{Overall, RuleId, Status};
use idbooth::measure::Measurements;
use idbooth::report::Report;
use idbooth::session::{BackgroundPlan, JudgeOptions, Judgement, KeepReason, Session};
use idbooth::spec::{Limit, Spec, SpecBook};
use rayon::prelude::*;

/// Five London people: women and men; white, East Asian, West Asian and Black; short and long hair.
const PHOTOS: [&str; 5] = ["005_03.jpg", "025_03.jpg", "044_03.jpg", "030_03.jpg", "008_03.jpg"];

fn london(name: &str) -> Option<Portrait> {
    Some(load_photo(&photos_dir()?.join("london_neutral").join(name)).unwrap())
}

/// Every band `spec` states, with the measured value it bounds (None: not measured).
fn bands<'a>(spec: &'a Spec, m: &Measurements) -> Vec<(&'static str, &'a Limit, Option<f64>)> {
    let g = &spec.geometry;
    [
        ("hair_margin", g.hair_margin.as_ref(), m.hair_margin),
        ("crown_margin", g.crown_margin.as_ref(), m.crown_margin),
        ("chin_margin", g.chin_margin.as_ref(), m.chin_margin),
        ("head_height", g.head_height.as_ref(), m.head_height),
        ("eye_line_from_top", g.eye_line_from_top.as_ref(), m.eye_line_from_top),
        ("eye_line_from_bottom", g.eye_line_from_bottom.as_ref(), m.eye_line_from_bottom),
        ("inter_pupil", g.inter_pupil.as_ref(), m.inter_pupil),
        ("face_width", g.face_width.as_ref(), m.face_width),
        ("centering", g.centering.as_ref(), m.center_offset.map(f64::abs)),
        ("eye_mid_from_left", g.eye_mid_from_left.as_ref(), m.eye_mid_from_left),
    ]
    .into_iter()
    .filter_map(|(name, l, v)| Some((name, l?, v)))
    .collect()
}

/// The bands a judged frame misses, as "name value ∉ [min, max]" (unmeasured counts as missed).
fn misses(spec: &Spec, m: &Measurements) -> Vec<String> {
    bands(spec, m)
        .into_iter()
        .filter(|(_, l, v)| !v.is_some_and(|v| l.contains(v)))
        .map(|(name, l, v)| format!("{name} {v:.1?} ∉ [{:.1?}, {:.1?}]", l.min, l.max))
        .collect()
}

fn geometry_not_ok(j: &Judgement) -> Vec<String> {
    j.verdicts
        .iter()
        .filter(|v| v.rule.is_geometry() && !v.status.is_ok())
        .map(|v| format!("{} {}", v.rule, v.status.as_str()))
        .collect()
}

fn out_dir(tag: &str) -> PathBuf {
    crate::common::scratch(&format!("specs-{tag}"))
}

/// One photo judged against one spec: the bands missed on the judged frame, the geometry rules
/// not passed, the bands missed when the exported file is detected and measured afresh, and the
/// crop's own account (photo edges in the way, rows filled below the photo).
struct Row {
    photo: String,
    spec: String,
    frame: Vec<String>,
    checklist: Vec<String>,
    file: Vec<String>,
    edges: String,
    fill: f64,
    /// Every stated band's measure on the judged frame, "name=value" (for the log).
    values: String,
}

#[test]
fn every_spec_frames_real_photos_inside_every_band_it_states() {
    let Some(_) = photos_dir() else { return };
    let book = SpecBook::builtin();
    let specs = book.all();
    assert!(specs.len() >= 12, "{} specs", specs.len());
    let dir = out_dir("bands");
    // One detection per photo; every spec is judged from it (milliseconds each).
    let rows: Vec<Row> = PHOTOS
        .par_iter()
        .flat_map_iter(|name| {
            let session = Session::new(london(name).unwrap(), &specs[0]).unwrap();
            let dir = &dir;
            specs
                .iter()
                .map(|spec| {
                    let j = session.judge(spec, &JudgeOptions::default());
                    let crop = j.crop.as_ref().expect("a crop");
                    let (edges, fill) = (format!("{:?}", crop.limited_by), crop.bottom_fill_px);
                    let composed = session.compose(&j, spec).unwrap();
                    let report = Report::new(&session, &j, spec, Lang::En);
                    let saved = crate::common::export_parts(
                        &j,
                        &composed,
                        &report,
                        spec,
                        &dir.join(format!("{}-{name}", spec.id)),
                    );
                    // The exported file itself, detected afresh and judged as it is.
                    let file = load_photo(&saved.photo).unwrap();
                    assert_eq!((file.width(), file.height()), (spec.width(), spec.height()), "{name} {}", spec.id);
                    let again = Session::new(file, spec).unwrap();
                    let keep = JudgeOptions { background: BackgroundChoice::Keep, adjust: None };
                    let aj = again.judge(spec, &keep);
                    Row {
                        photo: name.to_string(),
                        spec: spec.id.clone(),
                        frame: misses(spec, &j.measurements),
                        checklist: geometry_not_ok(&j),
                        file: misses(spec, &aj.measurements),
                        edges,
                        fill,
                        values: bands(spec, &j.measurements)
                            .iter()
                            .map(|(n, _, v)| format!("{n}={:.0}", v.unwrap_or(f64::NAN)))
                            .collect::<Vec<_>>()
                            .join(" "),
                    }
                })
                .collect::<Vec<_>>()
        })
        .collect();
    std::fs::remove_dir_all(&dir).ok();
    let mut bad = Vec::new();
    for r in &rows {
        let line = format!(
            "{:>20} {}: {} | missed: frame {:?} checklist {:?} file {:?} (edges {}, fill {:.0} px)",
            r.spec, r.photo, r.values, r.frame, r.checklist, r.file, r.edges, r.fill
        );
        eprintln!("{line}");
        // A band missed is never a pass: the checklist fails a geometry rule.
        assert!(r.frame.is_empty() || !r.checklist.is_empty(), "a missed band passed: {line}");
        // What the frame meets, the exported file meets when measured afresh.
        assert!(!r.frame.is_empty() || r.file.is_empty(), "the file misses a band: {line}");
        if !(r.frame.is_empty() && r.checklist.is_empty()) {
            bad.push((r.spec.clone(), line));
        }
    }
    eprintln!("{} of {} photo × spec exports meet every stated band", rows.len() - bad.len(), rows.len());
    // Every spec frames at least four of the five inside all its bands, but one: the London
    // photos (1350 px square, cut at the chest) are short for the tall 50×70 mm Canadian frame,
    // which may not be extended below the photo (Canada forbids any alteration, so no clothing
    // is filled in). There only 044_03 fits; each of the others fails its checklist
    // (head_height) and names the photo's bottom edge.
    for spec in specs {
        let missed: Vec<&String> = bad.iter().filter(|(id, _)| *id == spec.id).map(|(_, l)| l).collect();
        let allowed = if spec.id == "ca-passport" { 4 } else { 1 };
        assert!(missed.len() <= allowed, "{}: {missed:#?}", spec.id);
        if spec.id == "ca-passport" {
            assert!(missed.iter().all(|l| l.contains("Bottom") && l.contains("fill 0 px")), "{missed:#?}");
        }
    }
    // Where the authority forbids alteration, nothing is filled in below the photo.
    for r in rows.iter().filter(|r| !book.get(&r.spec).unwrap().replace_allowed()) {
        assert!(r.fill < 0.5, "{} {}: {:.0} px filled in", r.spec, r.photo, r.fill);
    }
}

/// The photo with its top `top` rows and everything below row `bottom` cut away.
fn cut(p: &Portrait, top: u32, bottom: u32) -> Portrait {
    let img = image::imageops::crop_imm(&p.image, 0, top, p.width(), bottom - top).to_image();
    crate::common::as_jpeg(&img)
}

#[test]
fn a_head_at_the_top_edge_fails_the_space_above_it_on_every_spec() {
    let Some(p) = london("005_03.jpg") else { return };
    let book = SpecBook::builtin();
    let whole = Session::new(p.clone(), &book.all()[0]).unwrap();
    let hair = whole.analysis.main.as_ref().unwrap().landmarks.head_top.point().unwrap();
    // As photographed, every spec finds room above this head (see the test above); with the hair
    // top a row below the photo's top edge, none does. 001_03's hair reaches the top edge as
    // photographed.
    let cut_session = Session::new(cut(&p, hair.y as u32 - 1, p.height()), &book.all()[0]).unwrap();
    let touching = Session::new(london("001_03.jpg").unwrap(), &book.all()[0]).unwrap();
    for spec in book.all() {
        let top = spec.geometry.hair_margin.as_ref().or(spec.geometry.crown_margin.as_ref()).unwrap();
        assert!(top.min.unwrap() > 2.0, "{}: a band that a head at the edge meets", spec.id);
        let crown = |s: &Session| {
            let j = s.judge(spec, &JudgeOptions::default());
            let v = j.verdicts.iter().find(|v| v.rule == RuleId::CrownMargin).unwrap().clone();
            // The crop never invents rows above the photo to reach the band (half a pixel: the
            // solver's tolerance at a rotated edge).
            let c = j.crop.as_ref().unwrap();
            assert!(c.source_quad.iter().all(|q| q.y >= -0.5), "{}: {:?}", spec.id, c.source_quad);
            (v.status, j.overall)
        };
        assert!(crown(&whole).0.is_ok(), "{}: 005_03 as photographed", spec.id);
        assert_eq!(crown(&cut_session), (Status::Fail, Overall::Fail), "{}: 005_03 cut at the hair", spec.id);
        assert_eq!(crown(&touching), (Status::Fail, Overall::Fail), "{}: 001_03", spec.id);
    }
}

#[test]
fn a_photo_cut_below_the_chin_fails_every_chin_band_it_cannot_meet() {
    let Some(p) = london("005_03.jpg") else { return };
    let book = SpecBook::builtin();
    let whole = Session::new(p.clone(), &book.all()[0]).unwrap();
    let chin = whole.analysis.main.as_ref().unwrap().landmarks.chin;
    let session = Session::new(cut(&p, 0, chin.y as u32 + 4), &book.all()[0]).unwrap();
    let mut checked = 0;
    for spec in book.all() {
        // The booth may fill a thin strip below the photo (compose.bottom_fill); a band that
        // strip can meet is not what this case is about.
        let fill = spec.bottom_fill_max() * spec.height() as f64;
        let Some(band) = spec.geometry.chin_margin.as_ref().filter(|b| b.min.is_some_and(|m| m > fill + 4.0)) else {
            continue;
        };
        let j = session.judge(spec, &JudgeOptions::default());
        let v = j.verdicts.iter().find(|v| v.rule == RuleId::ChinMargin).unwrap();
        assert_eq!(v.status, Status::Fail, "{}: {v:?} (band {:?})", spec.id, band.min);
        assert_eq!(j.overall, Overall::Fail, "{}", spec.id);
        checked += 1;
    }
    assert!(checked >= 6, "only {checked} specs state a chin band beyond the fill");
}

#[test]
fn specs_that_forbid_edits_keep_the_background_even_when_a_colour_is_asked_for() {
    // Grace Hopper ships in the repository: this runs without ../shared.
    let p = crate::common::sample("grace_hopper.jpg");
    let book = SpecBook::builtin();
    let session = Session::new(p, book.get("kr-passport").unwrap()).unwrap();
    for spec in book.all() {
        let ask = JudgeOptions { background: BackgroundChoice::Color("white".into()), adjust: None };
        let j = session.judge(spec, &ask);
        let composed = session.compose(&j, spec).unwrap();
        if spec.replace_allowed() {
            assert!(matches!(j.background, BackgroundPlan::Replace { .. }), "{}: {:?}", spec.id, j.background);
        } else {
            assert_eq!(j.background, BackgroundPlan::Keep { because: KeepReason::SpecForbids }, "{}", spec.id);
            assert_eq!(Some(&composed.image), j.frame.as_ref(), "{}: the photo's own pixels", spec.id);
        }
    }
    assert!(!book.get("kr-passport").unwrap().replace_allowed(), "Korea forbids replacing the background");
}

#[test]
fn docs_specs_lists_every_builtin_spec_with_its_size_dpi_background_and_sources() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/specs.md")).unwrap();
    // The table's rows, in the order the spec picker and `idbooth specs` list them.
    let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("| `")).collect();
    let book = SpecBook::builtin();
    let ids: Vec<&str> = book.all().iter().map(|s| s.id.as_str()).collect();
    let listed: Vec<&str> = rows.iter().map(|r| r.split('`').nth(1).unwrap()).collect();
    assert_eq!(listed, ids, "docs/specs.md's table is not the list of built-in specs in order");
    for (spec, row) in book.all().iter().zip(&rows) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        assert!(cells[3].starts_with(&format!("{}×{}", spec.width(), spec.height())), "{}: {}", spec.id, cells[3]);
        assert_eq!(cells[4], spec.image.dpi.value.unwrap().to_string(), "{}", spec.id);
        let policy = if spec.replace_allowed() { "may be replaced" } else { "not replaced" };
        assert!(cells[6].contains(policy), "{}: {}", spec.id, cells[6]);
        assert!(cells.get(8).is_some_and(|c| !c.is_empty()), "{}: no sources named", spec.id);
        // The frame's size comes from a published page, not only from the booth's own choices.
        let size = [spec.image.print_height_mm.as_ref(), Some(&spec.image.height_px)];
        let published = size.into_iter().flatten().flat_map(|l| &l.src).any(|id| {
            let s = &spec.sources[id];
            s.url.is_some() && !matches!(s.kind.as_str(), "booth-policy" | "derived")
        });
        assert!(published, "{}: no published source for the frame's size", spec.id);
    }
}
