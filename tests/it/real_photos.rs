//! The real pipeline on real photos from ../shared/testdata (not in the repo): landmark accuracy
//! against hand-placed points, spec-exact exports, and the faults each rule must catch.

use crate::common::{as_jpeg, check, photos_dir, rule, status};
use idbooth::Lang;
use idbooth::capture::{Portrait, decode_photo, load_photo};
use idbooth::compose::background::BackgroundChoice;
use idbooth::geometry::{Point, Similarity};
use idbooth::judge::{Reason, Status};
use idbooth::pixels::Pyramid;
use idbooth::report::Report;
use idbooth::session::{JudgeOptions, Judged, KeepReason, Session};
use rayon::prelude::*;

fn london(name: &str) -> Option<Portrait> {
    Some(load_photo(&photos_dir()?.join("london_neutral").join(name)).unwrap())
}

/// The photo turned by `deg` about its centre (same size; corners repeat the edge).
fn rotated(p: &Portrait, deg: f64) -> Portrait {
    let (w, h) = (p.width() as f64, p.height() as f64);
    let c = Point::new(w / 2.0, h / 2.0);
    // Output → source: rotate about the centre by −deg.
    let a = -deg.to_radians();
    let t = c.minus(c.rotate(a));
    let out_to_src = Similarity { scale: 1.0, angle: a, tx: t.x, ty: t.y };
    as_jpeg(&Pyramid::new(p.image.clone(), 32).warp(&out_to_src, p.width(), p.height()))
}

fn map_pixels(p: &Portrait, f: impl Fn(u32, u32, [u8; 3]) -> [u8; 3]) -> Portrait {
    let img = image::RgbImage::from_fn(p.width(), p.height(), |x, y| image::Rgb(f(x, y, p.image.get_pixel(x, y).0)));
    as_jpeg(&img)
}

/// Scale linear light by `k` (an underexposed shot).
fn exposed(v: u8, k: f64) -> u8 {
    let lin = (v as f64 / 255.0).powf(2.2) * k;
    (lin.powf(1.0 / 2.2) * 255.0).round().clamp(0.0, 255.0) as u8
}

/// Landmark accuracy of one source, fitted constants judged out of sample: `other` is the
/// chin with its offset fitted on the other source only, `kfold` refitted without the photo's
/// fold. Limits are % of the true inter-pupil distance.
fn landmark_accuracy(source: &str, photos: usize, pupil_median: f64, chin_median: f64, chin_p95: f64) {
    // Both sources at once (each is judged with constants fitted on the other), evaluated once
    // for the tests that share it.
    static EVAL: std::sync::OnceLock<Option<idbooth::eval::Evaluation>> = std::sync::OnceLock::new();
    let Some(e) = EVAL.get_or_init(|| photos_dir().map(|d| idbooth::eval::evaluate(&d).unwrap())) else { return };
    assert!(e.sources.iter().any(|s| s.name == "london_neutral") && e.sources.iter().any(|s| s.name == "canada_dev"));
    let s = e.sources.iter().find(|s| s.name == source).unwrap();
    let other = s.chin_other_sources.unwrap();
    eprintln!(
        "{source}: photos {} misses {} | pupils {:.2}/{:.2} | chin as shipped {:.2}/{:.2}, 5-fold {:.2}/{:.2}, \
         other source {:.2}/{:.2} (median/p95, % of true IPD) | pitch p5/p50/p95 {:.1}/{:.1}/{:.1}°",
        s.photos,
        s.misses,
        s.pupils.median,
        s.pupils.p95,
        s.chin.median,
        s.chin.p95,
        s.chin_kfold.median,
        s.chin_kfold.p95,
        other.median,
        other.p95,
        s.pitch.p5,
        s.pitch.p50,
        s.pitch.p95
    );
    assert_eq!((s.photos, s.misses), (photos, 0));
    assert!(s.pupils.median <= pupil_median, "pupil median {:.2}%", s.pupils.median);
    for (how, c) in [("5-fold", s.chin_kfold), ("fitted on the other source", other)] {
        assert!(c.median <= chin_median, "chin median {:.2}% ({how})", c.median);
        assert!(c.p95 <= chin_p95, "chin p95 {:.2}% ({how})", c.p95);
    }
}

// The limits are what the engine reaches, a little above the measured values (docs/
// calibration.md). Issue 12's pupil target (≤ 0.9 %) is the limit on both sources (London
// 0.81 %, canada_dev 0.84 %); its chin targets (≤ 3.0 % median, ≤ 6 % p95 on every source)
// are not met yet: out of sample 2.6–2.8 % / 6.1–6.6 % on London, 3.5–3.6 % / 8.2–8.3 % on
// canada_dev.
#[test]
fn landmark_accuracy_on_all_74_london_photos() {
    landmark_accuracy("london_neutral", 74, 0.9, 3.0, 7.0);
}

#[test]
fn landmark_accuracy_on_all_20_canada_dev_photos() {
    landmark_accuracy("canada_dev", 20, 0.9, 4.0, 8.7);
}

/// One London photo through export and back: the geometry rules it failed before and after.
struct Exported {
    name: String,
    before: Vec<String>,
    after: Vec<String>,
    problems: Vec<String>,
}

#[test]
fn exported_london_photos_are_spec_exact_and_pass_every_geometry_rule() {
    let Some(dir) = photos_dir() else { return };
    let spec = crate::common::spec("cn-exit-entry");
    let out_dir = crate::common::scratch("london-exports");
    let mut files: Vec<_> = std::fs::read_dir(dir.join("london_neutral"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jpg"))
        .collect();
    files.sort();
    let results: Vec<Exported> = files
        .par_iter()
        .map(|f| {
            let name = f.file_name().unwrap().to_string_lossy().to_string();
            let src = crate::common::check_with(&load_photo(f).unwrap(), &spec, BackgroundChoice::Auto);
            let failed_geometry = |c: &idbooth::report::Report| -> Vec<String> {
                c.verdicts()
                    .filter(|v| v.rule.is_geometry() && v.status == Status::Fail)
                    .map(|v| v.rule.to_string())
                    .collect()
            };
            let before = failed_geometry(&src.report);
            let out = out_dir.join(&name);
            let saved = crate::common::export(&src, &spec, &out);
            // Problems are collected, not asserted here: a panic on a rayon worker is printed
            // into whichever test's output that worker was started from, so CI would not show it.
            let mut problems = Vec::new();
            let mut expect = |ok: bool, what: String| {
                if !ok {
                    problems.push(format!("{name}: {what}"));
                }
            };
            let bytes = std::fs::read(&saved.photo).unwrap();
            let dpi = idbooth::export::jfif_density(&bytes);
            expect(dpi == Some((1, 300, 300)), format!("density {dpi:?}"));
            expect((20 * 1024..=80_000).contains(&(bytes.len() as u64)), format!("{} bytes", bytes.len()));
            expect(saved.summary.photo_sha256 == idbooth::export::summary::sha256_hex(&bytes), "sha256".into());
            let bg = src.report.background.replaced_with.clone();
            expect(bg.as_deref() == Some("white"), format!("background {bg:?}"));
            // Judge the exported file exactly as it is: no second replacement.
            let again = crate::common::check_with(&load_photo(&saved.photo).unwrap(), &spec, BackgroundChoice::Keep);
            let size = (again.report.source.width, again.report.source.height);
            expect(size == (390, 567), format!("size {size:?}"));
            expect(again.report.judged == Judged::AsIs, format!("judged {:?}", again.report.judged));
            // The grey backdrop was replaced: the file itself now shows a plain white background.
            for id in ["background_color", "background_uniformity"] {
                let v = crate::common::rule(&again, id);
                expect(v.verdict.status == Status::Pass, format!("{id}: {}", v.message));
            }
            Exported { after: failed_geometry(&again.report), name, before, problems }
        })
        .collect();
    std::fs::remove_dir_all(&out_dir).ok();
    let problems: Vec<&String> = results.iter().flat_map(|r| &r.problems).collect();
    assert!(problems.is_empty(), "{problems:#?}");
    let mut framable = 0;
    for Exported { name, before, after, .. } in &results {
        if before.is_empty() {
            framable += 1;
            assert!(after.is_empty(), "{name}: exported file fails {after:?}");
        } else {
            eprintln!("{name}: the source photo cannot be framed ({before:?}), reported as such");
        }
    }
    // Only photos whose hair reaches the top edge may be unframable.
    assert!(framable >= 72, "only {framable} of 74 London photos could be framed");
}

#[test]
fn the_matte_agrees_with_the_grey_backdrop_on_all_74_london_photos() {
    let Some(dir) = photos_dir() else { return };
    let s = idbooth::eval::matte_agreement(&dir.join("london_neutral"), &crate::common::spec("cn-exit-entry")).unwrap();
    eprintln!(
        "matte: {} photos, mean IoU {:.4}, worst {:?}, top rows missed: {:?}, enclosed backdrop {:.3} % kept {:.3} % ({:?}), person removed there {:.3} %",
        s.photos,
        s.mean_iou,
        s.worst,
        s.hair_cut,
        100.0 * s.pocket_share,
        100.0 * s.pocket_kept_share,
        s.pockets_kept,
        100.0 * s.pocket_removed_share
    );
    assert!(s.photos >= 73);
    assert!(s.mean_iou >= 0.97, "mean IoU {:.4}", s.mean_iou);
    assert!(s.worst.1 >= 0.85, "worst {:?}", s.worst);
    // Backdrop enclosed by hair around the head (0.192 % of the frame): the band around the
    // outline alone keeps 0.094 % as person; opening the pockets, 0.062 % (and gives 0.008 % more
    // of the person's own colours there to the backdrop: 0.828 % against 0.820 %).
    assert!(s.pocket_kept_share < 0.0008, "enclosed backdrop kept: {:.3} %", 100.0 * s.pocket_kept_share);
    assert!(s.pocket_removed_share < 0.0095, "person given to the backdrop: {:.3} %", 100.0 * s.pocket_removed_share);
}

#[test]
fn keep_judges_the_backdrop_as_photographed_and_colours_are_checked() {
    let Some(p) = london("002_03.jpg") else { return };
    let spec = crate::common::spec("cn-exit-entry");
    let kept = crate::common::check_with(&p, &spec, BackgroundChoice::Keep);
    assert_eq!(status(&kept, "background_color"), Status::Fail, "the grey backdrop is not white or light blue");
    assert!(kept.report.background.replaced_with.is_none());
    let blue = crate::common::check_with(&p, &spec, BackgroundChoice::Color("light-blue".into()));
    assert_eq!(blue.report.background.replaced_with.as_deref(), Some("light-blue"));
    assert_eq!(blue.output().unwrap().get_pixel(5, 5).0, [100, 197, 255]);
    // Judging reads the photo as taken: the grey is measured, and the booth's repaint is named.
    let c = crate::common::rule(&blue, "background_color");
    assert_eq!((c.verdict.status, c.verdict.reason), (Status::Pass, Reason::Replaced));
    assert_eq!(c.verdict.value, crate::common::rule(&kept, "background_color").verdict.value);
    // A colour the spec does not allow is refused, not painted.
    let red = crate::common::check_with(&p, &spec, BackgroundChoice::Color("red".into()));
    assert_eq!(red.report.background.kept_because, Some(KeepReason::ColorNotAllowed));
    // Specs that forbid edits keep the photo's own background.
    let icao = crate::common::check_with(&p, &crate::common::spec("icao-35x45"), BackgroundChoice::Auto);
    assert!(icao.report.background.replaced_with.is_none());
    assert_eq!(icao.report.background.kept_because, Some(KeepReason::SpecForbids));
}

#[test]
fn an_8_degree_tilt_fails_roll_and_2_and_4_degree_tilts_are_straightened() {
    let Some(p) = london("002_03.jpg") else { return };
    // Turn the photo so the head's total tilt is 2° and 8°, whatever it was to start with.
    let base_roll = check(&p, "cn-exit-entry").report.measurements.roll.unwrap();
    let small = check(&rotated(&p, 2.0 - base_roll), "cn-exit-entry");
    assert_eq!(status(&small, "roll"), Status::Pass, "{}", rule(&small, "roll").message);
    let corr = small.report.crop.as_ref().unwrap().rotation_deg;
    assert!((corr + 2.0).abs() < 0.7, "levelled by {corr}° for a 2° tilt");
    // 4°: levelled by the crop's 3°, the 1° left is no reason to send the person back.
    let four = check(&rotated(&p, 4.0 - base_roll), "cn-exit-entry");
    assert_eq!(status(&four, "roll"), Status::Pass, "{}", rule(&four, "roll").message);
    assert!((four.report.crop.as_ref().unwrap().rotation_deg.abs() - 3.0).abs() < 1e-6);
    let big = check(&rotated(&p, 8.0 - base_roll), "cn-exit-entry");
    assert_eq!(status(&big, "roll"), Status::Fail);
    assert!(rule(&big, "roll").message.contains("straighten"));
    assert!((big.report.crop.as_ref().unwrap().rotation_deg.abs() - 3.0).abs() < 1e-6);
}

#[test]
fn a_face_moved_to_the_edge_is_recentred_or_reported() {
    let Some(p) = london("003_03.jpg") else { return };
    // Cut the photo so the face sits near its left edge.
    let c = check(&p, "cn-exit-entry");
    let lm = c.report.landmarks.as_ref().unwrap();
    let mid_x = (lm.left_pupil[0] + lm.right_pupil[0]) / 2.0;
    for margin in [0.45, 0.2] {
        let left = (mid_x - margin * p.width() as f64).max(0.0) as u32;
        let cut = image::imageops::crop_imm(&p.image, left, 0, p.width() - left, p.height()).to_image();
        let r = check(&as_jpeg(&cut), "cn-exit-entry");
        let v = rule(&r, "centering");
        if margin < 0.3 {
            // Too close to the edge to centre: the rule fails and names the edge.
            assert_eq!(v.verdict.status, Status::Fail, "a face {margin} of the width from the edge cannot be centred");
            assert_eq!(v.verdict.reason, Reason::PhotoEdge);
            assert!(v.message.contains("left edge"), "{}", v.message);
        } else {
            assert_eq!(v.verdict.status, Status::Pass, "{}", v.message);
            assert!(r.report.crop.as_ref().unwrap().limited_by.is_empty());
        }
    }
}

#[test]
fn a_darkened_photo_fails_exposure() {
    let Some(p) = london("004_03.jpg") else { return };
    assert_ne!(status(&check(&p, "cn-exit-entry"), "exposure"), Status::Fail);
    let dark = map_pixels(&p, |_, _, c| c.map(|v| exposed(v, 0.12)));
    let r = check(&dark, "cn-exit-entry");
    assert_eq!(status(&r, "exposure"), Status::Fail, "{}", rule(&r, "exposure").message);
}

/// Pure-black glasses frames are not burnt-out skin: exposure stays as it was (the glasses
/// rule is what they fail). The kiosk told such a customer "too bright" before.
#[test]
fn black_glasses_frames_are_not_read_as_burnt_out_skin() {
    let Some(p) = london("002_03.jpg") else { return };
    let before = check(&p, "cn-exit-entry");
    let lm = before.report.landmarks.as_ref().unwrap();
    let ipd = (lm.right_pupil[0] - lm.left_pupil[0]).hypot(lm.right_pupil[1] - lm.left_pupil[1]);
    // Two round rims 0.06 IPD thick around the pupils, and a bridge between them.
    let (l, r) = (lm.left_pupil, lm.right_pupil);
    let framed = map_pixels(&p, |x, y, c| {
        let (x, y) = (x as f64 + 0.5, y as f64 + 0.5);
        let rim = [l, r].iter().any(|q| ((x - q[0]).hypot(y - q[1]) - 0.36 * ipd).abs() < 0.03 * ipd);
        let bridge = x > l[0] + 0.36 * ipd && x < r[0] - 0.36 * ipd && (y - (l[1] + r[1]) / 2.0).abs() < 0.03 * ipd;
        if rim || bridge { [0, 0, 0] } else { c }
    });
    let after = check(&framed, "cn-exit-entry");
    let e = rule(&after, "exposure");
    assert_eq!(e.verdict.status, status(&before, "exposure"), "{}", e.message);
    assert_ne!(e.verdict.reason, Reason::BurntOut, "{}", e.message);
    // A face lit to white is still burnt out.
    let burnt = map_pixels(&p, |_, _, c| c.map(|v| exposed(v, 3.0)));
    let burnt = check(&burnt, "cn-exit-entry");
    let b = rule(&burnt, "exposure");
    assert_eq!(b.verdict.status, Status::Fail, "{}", b.message);
}

/// A black-and-white photo (or a webcam's monochrome night mode) fails: every spec asks for
/// colour. The darkest-skinned and palest London faces pass.
#[test]
fn a_black_and_white_photo_fails_colour() {
    let Some(p) = london("002_03.jpg") else { return };
    for name in ["002_03.jpg", "096_03.jpg", "061_03.jpg"] {
        let r = check(&london(name).unwrap(), "cn-exit-entry");
        assert_eq!(status(&r, "colour"), Status::Pass, "{name}: {}", rule(&r, "colour").message);
    }
    let grey = map_pixels(&p, |_, _, c| {
        let y = (0.299 * c[0] as f64 + 0.587 * c[1] as f64 + 0.114 * c[2] as f64).round() as u8;
        [y; 3]
    });
    let r = check(&grey, "cn-exit-entry");
    assert_eq!(status(&r, "colour"), Status::Fail, "{}", rule(&r, "colour").message);
}

#[test]
fn a_photo_lit_from_one_side_fails_lighting_uniformity() {
    let Some(p) = london("005_03.jpg") else { return };
    assert_eq!(status(&check(&p, "cn-exit-entry"), "lighting_uniformity"), Status::Pass);
    let c = check(&p, "cn-exit-entry");
    let lm = c.report.landmarks.as_ref().unwrap();
    let mid = (lm.left_pupil[0] + lm.right_pupil[0]) / 2.0;
    let ipd = lm.right_pupil[0] - lm.left_pupil[0];
    // Light from the image-right side: the far half of the face gets a quarter of the light,
    // falling off over the nose ("阴阳脸").
    let side = map_pixels(&p, |x, _, c| {
        let t = ((x as f64 - mid) / (0.6 * ipd)).clamp(-1.0, 1.0);
        let k = 0.625 + 0.375 * t;
        c.map(|v| exposed(v, k))
    });
    let r = check(&side, "cn-exit-entry");
    assert_eq!(status(&r, "lighting_uniformity"), Status::Fail, "{}", rule(&r, "lighting_uniformity").message);
}

#[test]
fn smiles_fail_mouth_closed_and_neutral_faces_do_not() {
    let Some(dir) = photos_dir() else { return };
    let judge_dir = |sub: &str| -> Vec<(String, Status)> {
        let mut files: Vec<_> = std::fs::read_dir(dir.join(sub))
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "jpg"))
            .collect();
        files.sort();
        files
            .par_iter()
            .map(|f| {
                let c = check(&load_photo(f).unwrap(), "cn-exit-entry");
                (f.file_name().unwrap().to_string_lossy().to_string(), status(&c, "mouth_closed"))
            })
            .collect()
    };
    let smiling = judge_dir("london_smiling");
    let failed = smiling.iter().filter(|(_, s)| *s == Status::Fail).count();
    eprintln!("smiling: {smiling:?}");
    // Two of the eleven "smiles" are closed-lipped and barely visible (005, 024); a reviewer
    // would likely accept them too.
    assert!(failed >= 9, "only {failed} of {} smiles failed mouth_closed", smiling.len());
    let neutral = judge_dir("london_neutral");
    let bad: Vec<_> = neutral.iter().filter(|(_, s)| *s == Status::Fail).collect();
    assert!(bad.is_empty(), "neutral faces failed mouth_closed: {bad:?}");
}

#[test]
fn group_photos_fail_single_face() {
    let Some(dir) = photos_dir() else { return };
    for name in
        ["detection4.jpg", "detection5.jpg", "detection6.jpg", "identification1.jpg", "test-image-person-group.jpg"]
    {
        let c = check(&load_photo(&dir.join("azure").join(name)).unwrap(), "cn-exit-entry");
        assert!(c.report.faces >= 2, "{name}: {} faces", c.report.faces);
        assert_eq!(status(&c, "single_face"), Status::Fail, "{name}");
    }
    for name in ["detection1.jpg", "detection2.jpg"] {
        let c = check(&load_photo(&dir.join("azure").join(name)).unwrap(), "cn-exit-entry");
        assert_eq!(c.report.faces, 1, "{name}");
    }
}

#[test]
fn the_public_domain_portraits_run_through_every_spec() {
    // These ship in the repo: this test runs even without ../shared.
    for sample in ["grace_hopper.jpg", "astronaut.png"] {
        let p = crate::common::sample(sample);
        for spec in idbooth::spec::SpecBook::builtin().all() {
            let c = crate::common::check_with(&p, spec, BackgroundChoice::Auto);
            assert_eq!(c.report.faces, 1, "{sample} {}", spec.id);
            let out = c.output().unwrap_or_else(|| panic!("{sample} {}: no crop", spec.id));
            assert_eq!((out.width(), out.height()), (spec.width(), spec.height()));
            let zh = c.report.in_lang(spec, Lang::Zh);
            for (en, zh) in c.report.rules.iter().zip(&zh.rules) {
                assert!(!zh.message.is_empty() && !zh.title.is_empty(), "{} {}", spec.id, zh.verdict.rule);
                assert_eq!(en.verdict, zh.verdict, "the language changes the text only");
            }
        }
    }
}

#[test]
fn a_photo_opened_reduced_is_judged_and_reported_in_the_files_pixels() {
    let Some(dir) = photos_dir() else { return };
    let spec = crate::common::spec("cn-exit-entry");
    let keep = JudgeOptions { background: BackgroundChoice::Keep, adjust: None };
    // A London portrait as a 2700 px camera file (twice its size, with sensor-like noise).
    let london = load_photo(&dir.join("london_neutral").join("014_03.jpg")).unwrap();
    let bytes = idbooth::capture::photo::camera_like_jpeg(&london.image, 2700, 2700).unwrap();
    let whole = Session::new(decode_photo(&bytes).unwrap(), &spec).unwrap();
    let jw = whole.judge(&spec, &keep);
    let rw = Report::new(&whole, &jw, &spec, Lang::En);
    // The hand-placed points, in the 2700 px file's pixels.
    let truth = idbooth::eval::read_tem(&dir.join("london_neutral").join("014_03.tem")).unwrap();
    let [tl, tr, tchin] = [truth[0], truth[1], truth[129]].map(|p| p.scale(2.0));
    let ipd = tl.dist(tr);
    // Errors in % of the inter-pupil distance: the worse pupil, the chin.
    let vs_truth = |lm: &idbooth::report::LandmarkReport| {
        let e = |a: [f64; 2], t: Point| 100.0 * Point::new(a[0], a[1]).dist(t) / ipd;
        (e(lm.left_pupil, tl).max(e(lm.right_pupil, tr)), e(lm.chin, tchin))
    };
    eprintln!("whole: pupil, chin {:.2?} % IPD from the hand-placed points", vs_truth(rw.landmarks.as_ref().unwrap()));
    // The photo as shot (1350 px), decoded whole: what a reduced decode to that size must match.
    let native = Session::new(london.clone(), &spec).unwrap();
    let jn = native.judge(&spec, &keep);
    let ln = Report::new(&native, &jn, &spec, Lang::En).landmarks.unwrap();
    // 1/2 size (1350 px) frames from the reduced picture; at 1/8 (338 px) the crop would
    // enlarge it twice, so the frame comes from the full picture, decoded on demand.
    // Landmarks are as good as the reduced picture's detail (IPD 48 px at 1/8).
    for (min_side, factor, tol, pupil_max) in [(1350, 2, 0.02, 4.0), (337, 8, 0.04, 8.0)] {
        let p = idbooth::capture::decode_photo_reduced(bytes.clone().into(), min_side).unwrap();
        assert_eq!(p.factor(), factor);
        let s = Session::new(p, &spec).unwrap();
        let j = s.judge(&spec, &keep);
        let r = Report::new(&s, &j, &spec, Lang::En);
        assert_eq!((r.source.width, r.source.height), (2700, 2700));
        let lm = r.landmarks.as_ref().unwrap();
        let (pupil, chin) = vs_truth(lm);
        let (c, cw) = (r.crop.as_ref().unwrap(), rw.crop.as_ref().unwrap());
        let up = |r: &Report| r.measurements.upscale.unwrap();
        let sharp = |r: &Report| r.measurements.sharpness.unwrap();
        eprintln!(
            "1/{factor}: pupil {pupil:.2} %, chin {chin:.2} % IPD from the hand-placed points; crop scale {:.3} vs {:.3}; upscale {:.3} vs {:.3}; sharpness {:.2} vs {:.2}",
            c.scale,
            cw.scale,
            up(&r),
            up(&rw),
            sharp(&r),
            sharp(&rw)
        );
        assert!(pupil < pupil_max && chin < 8.0, "1/{factor}: {lm:?}");
        if factor == 2 {
            let same = |a: [f64; 2], n: [f64; 2]| Point::new(a[0], a[1]).dist(Point::new(n[0], n[1]).scale(2.0)) / ipd;
            let d = [(lm.left_pupil, ln.left_pupil), (lm.right_pupil, ln.right_pupil), (lm.chin, ln.chin)]
                .map(|(a, n)| same(a, n));
            assert!(d.iter().all(|&d| d < 0.01), "as the 1350 px photo itself: {d:?}");
        }
        assert!((c.scale / cw.scale - 1.0).abs() < tol, "1/{factor}: scale {} vs {}", c.scale, cw.scale);
        assert!((c.x - cw.x).abs() < tol * cw.width && (c.y - cw.y).abs() < tol * cw.height, "{c:?} vs {cw:?}");
        assert!((up(&r) / up(&rw) - 1.0).abs() < tol, "1/{factor}: upscale {} vs {}", up(&r), up(&rw));
        // The frame has the detail of the whole decode (one from the 338 px picture would not).
        assert!((sharp(&r) / sharp(&rw) - 1.0).abs() < 0.15, "1/{factor}: sharpness {} vs {}", sharp(&r), sharp(&rw));
    }
}
