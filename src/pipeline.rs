//! The whole journey for a still photo: detect → crop → compose → measure → judge, and the
//! report every front end (CLI, GUI, scripts) reads.

use image::RgbImage;
use serde::{Deserialize, Serialize};

use crate::Lang;
use crate::capture::Portrait;
use crate::compose::background::{self, BackgroundChoice};
use crate::compose::tone;
use crate::compose::{self, Crop, CropError, Side};
use crate::detect::{self, Analysis, DetectOptions, Effort, HeadTop, VisionError};
use crate::geometry::Point;
use crate::i18n::tr;
use crate::judge::{self, Status, Verdict};
use crate::measure::{self, Measurements};
use crate::pixels::{PlacedMap, Pyramid};
use crate::spec::Spec;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Judged {
    /// The photo already has the spec's pixel size: judged exactly as it is.
    AsIs,
    /// Judged on the best crop the solver found.
    AutoCrop,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LandmarkReport {
    pub left_pupil: [f64; 2],
    pub right_pupil: [f64; 2],
    pub chin: [f64; 2],
    /// Top of the hair; null when it could not be found.
    pub head_top: Option<[f64; 2]>,
    pub skull_top: [f64; 2],
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CropReport {
    /// Top-left corner of the output frame in source pixels.
    pub x: f64,
    pub y: f64,
    /// Size of the output frame in source pixels.
    pub width: f64,
    pub height: f64,
    /// Rotation applied to level the eyes, degrees (positive = clockwise).
    pub rotation_deg: f64,
    /// Output pixels per source pixel.
    pub scale: f64,
    pub corners: [[f64; 2]; 4],
    /// Output rows at the bottom extended from the photo's last row (0 when none).
    pub bottom_fill_px: f64,
    /// Photo edges that kept the crop from its ideal framing.
    pub limited_by: Vec<Side>,
}

/// What `idbooth check` prints with `--json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub spec: String,
    pub source: SourceReport,
    pub judged: Judged,
    pub faces: usize,
    pub landmarks: Option<LandmarkReport>,
    pub crop: Option<CropReport>,
    pub rules: Vec<Verdict>,
    /// True when no rule failed.
    pub passed: bool,
    /// A problem that stops the photo from being used at all (no face, impossible crop).
    pub problem: Option<String>,
    pub measurements: Measurements,
    /// What was done to the background before judging.
    pub background: BackgroundReport,
    /// Global exposure / white-balance correction applied (only where the spec allows edits).
    pub tone: Option<tone::ToneCorrection>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BackgroundReport {
    /// The allowed colour the background was replaced with; null when kept as photographed.
    pub replaced_with: Option<String>,
    /// Why it was kept, when it was.
    pub kept_because: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SourceReport {
    pub path: Option<String>,
    pub width: u32,
    pub height: u32,
}

/// Everything a front end may want to show or save after checking a still.
pub struct Checked {
    pub report: Report,
    /// The output frame, when a crop could be made.
    pub output: Option<RgbImage>,
    pub analysis: Analysis,
    pub crop: Option<Crop>,
}

pub fn detect_options(spec: &Spec, effort: Effort) -> DetectOptions {
    DetectOptions {
        min_score: spec.quality.face_detection_score.min.unwrap_or(0.5) as f32,
        second_face_min_size: spec.quality.second_face_min_size.value.unwrap_or(0.25),
        effort,
    }
}

/// Check a still photo against a spec.
pub fn check(portrait: &Portrait, spec: &Spec, lang: Lang) -> Result<Checked, VisionError> {
    check_owned(portrait.clone(), spec, lang)
}

/// [`check`] without copying the pixels (a 12 MP photo is 36 MB).
pub fn check_owned(portrait: Portrait, spec: &Spec, lang: Lang) -> Result<Checked, VisionError> {
    check_with(portrait, spec, lang, &BackgroundChoice::Auto)
}

/// [`check_owned`] with an explicit background choice.
pub fn check_with(portrait: Portrait, spec: &Spec, lang: Lang, bg: &BackgroundChoice) -> Result<Checked, VisionError> {
    let path = portrait.path.as_ref().map(|p| p.display().to_string());
    let pyr = Pyramid::new(portrait.image, 32);
    let analysis = detect::analyse(&pyr, &detect_options(spec, Effort::Still))?;
    Ok(judge_analysis_with(&pyr, analysis, path, spec, lang, bg))
}

pub fn check_pyramid(pyr: &Pyramid, path: Option<String>, spec: &Spec, lang: Lang) -> Result<Checked, VisionError> {
    let analysis = detect::analyse(pyr, &detect_options(spec, Effort::Still))?;
    Ok(judge_analysis(pyr, analysis, path, spec, lang))
}

/// Crop, compose, measure and judge an analysed photo (spec changes re-run only this).
/// The background is replaced as the spec allows when the analysis is of a still (live
/// frames carry no mask and keep the cheap path).
pub fn judge_analysis(pyr: &Pyramid, analysis: Analysis, path: Option<String>, spec: &Spec, lang: Lang) -> Checked {
    judge_analysis_with(pyr, analysis, path, spec, lang, &BackgroundChoice::Auto)
}

/// [`judge_analysis`] with an explicit background choice.
pub fn judge_analysis_with(
    pyr: &Pyramid,
    analysis: Analysis,
    path: Option<String>,
    spec: &Spec,
    lang: Lang,
    bg: &BackgroundChoice,
) -> Checked {
    let (w, h) = (pyr.width(), pyr.height());
    let judged = if (w, h) == (spec.width(), spec.height()) { Judged::AsIs } else { Judged::AutoCrop };
    let mut m = Measurements::default();
    measure::faces(&analysis, &mut m);
    let mut problem = None;
    let mut crop = None;
    let mut output = None;
    let mut crop_sides: Vec<Side> = Vec::new();
    let mut bg_report = BackgroundReport::default();
    let mut tone_report = None;

    if let Some(face) = &analysis.main {
        measure::pose_and_expression(face, &mut m);
        if face.landmarks.head_top == HeadTop::CutOff {
            m.head_top_problem = Some("cut_off".into());
        }
        let solved = match judged {
            Judged::AsIs => Ok(Crop {
                transform: crate::geometry::Similarity::IDENTITY,
                roll_correction_deg: 0.0,
                source_quad: crate::geometry::Similarity::IDENTITY.source_quad(w as f64, h as f64),
                limited_by: Vec::new(),
                bottom_fill_px: 0.0,
            }),
            Judged::AutoCrop => compose::solve(&face.landmarks, spec, w, h),
        };
        match solved {
            Ok(c) => {
                crop_sides = c.limited_by.clone();
                let mut out = compose::render(pyr, &c, spec);
                let frame_to_photo = c.transform.inverse();
                let mut captured_highlights = None;
                let mut tone_applied = None;
                let mut refined_face = None;
                let (person, report) = match analysis.mask.as_ref() {
                    None => (None, BackgroundReport { replaced_with: None, kept_because: Some("live frame".into()) }),
                    Some(mask) => match background_colour(spec, bg).and_then(|c| {
                        Ok((c, background::matte(pyr, &frame_to_photo, &out).map_err(|e| e.to_string())?))
                    }) {
                        Ok((colour, person)) => {
                            // Global tone first (measured on the person and the old backdrop),
                            // then the new background; exposure is judged before the painted
                            // backdrop could hide an underexposed photo.
                            let t = tone::estimate(&out, &person, spec);
                            out = tone::apply(&out, &t);
                            tone_applied = Some(t);
                            captured_highlights = measure::highlights(&out);
                            out = background::replace(&out, &person, colour.rgb);
                            // Measure the top of the hair on the export-resolution matte.
                            let placed = PlacedMap { map: person, map_to_photo: frame_to_photo };
                            if let top @ HeadTop::Found { .. } = detect::landmarks::head_top(&placed, &face.landmarks) {
                                let mut f = face.clone();
                                f.landmarks.head_top = top;
                                refined_face = Some(f);
                            }
                            // Judge the new background through the independent head-region
                            // mask, not the matte that painted it: leftovers of the old
                            // background then count against it.
                            (
                                Some(measure::person_on_frame(mask, &c.transform, out.width(), out.height())),
                                BackgroundReport { replaced_with: Some(colour.name.clone()), kept_because: None },
                            )
                        }
                        Err(why) => (
                            Some(measure::person_on_frame(mask, &c.transform, out.width(), out.height())),
                            BackgroundReport { replaced_with: None, kept_because: Some(why) },
                        ),
                    },
                };
                bg_report = report;
                measure::geometry(refined_face.as_ref().unwrap_or(face), &c.transform, spec, &mut m);
                tone_report = tone_applied.filter(|t| !t.is_identity());
                measure::photographic(face, &c.transform, &out, person.as_ref(), spec, &mut m);
                // Exposure belongs to the capture: measured on the frame before a painted backdrop.
                m.highlights = captured_highlights.or_else(|| measure::highlights(&out));
                output = Some(out);
                crop = Some(c);
            }
            Err(CropError::OutsidePhoto(sides)) => {
                problem = Some(tr(
                    lang,
                    "errors.crop_outside",
                    &[("why", CropError::OutsidePhoto(sides.clone()).to_string())],
                ));
                crop_sides = sides;
            }
        }
    } else {
        problem = Some(tr(lang, "errors.no_face", &[]));
    }

    let mut rules = judge::judge(&m, spec, lang);
    // A photo edge that kept the crop from its framing explains every geometry rule that
    // failed; with no crop at all, the rule of that edge fails outright.
    if !crop_sides.is_empty() {
        let edge_text: Vec<String> = if crop_sides.len() >= 3 {
            vec![tr(lang, "errors.edge_many", &[])]
        } else {
            crop_sides.iter().map(|side| tr(lang, edge_key(*side), &[])).collect()
        };
        let mut explained = false;
        for v in rules.iter_mut().filter(|v| judge::GEOMETRY_RULES.contains(&v.id.as_str())) {
            let edge_rule = crop_sides.iter().any(|side| edge_rule(*side) == v.id);
            if edge_rule && m.head_top_problem.is_none() && (crop.is_none() || v.status == Status::Fail) {
                // The edge is the reason this margin is short: say that, once.
                v.status = Status::Fail;
                v.message = edge_text.join(" ");
            } else if v.status == Status::Fail && m.head_top_problem.is_none() {
                v.message = format!("{} {}", v.message, edge_text.join(" "));
            } else {
                continue;
            }
            explained = true;
        }
        if explained {
            problem.get_or_insert_with(|| edge_text.join(" "));
        }
    }
    let passed = !judge::failed(&rules) && problem.is_none();
    let landmarks = analysis.main.as_ref().map(|f| {
        let lm = &f.landmarks;
        LandmarkReport {
            left_pupil: r2(lm.left_pupil),
            right_pupil: r2(lm.right_pupil),
            chin: r2(lm.chin),
            head_top: lm.head_top.point().map(r2),
            skull_top: r2(lm.skull_top),
        }
    });
    let crop_report = crop.as_ref().map(|c| {
        let q = c.source_quad;
        CropReport {
            x: q[0].x,
            y: q[0].y,
            width: spec.width() as f64 / c.transform.scale,
            height: spec.height() as f64 / c.transform.scale,
            rotation_deg: c.roll_correction_deg,
            scale: c.transform.scale,
            corners: q.map(r2),
            bottom_fill_px: (c.bottom_fill_px * 10.0).round() / 10.0,
            limited_by: c.limited_by.clone(),
        }
    });
    let report = Report {
        spec: spec.id.clone(),
        source: SourceReport { path, width: w, height: h },
        judged,
        faces: m.faces,
        landmarks,
        crop: crop_report,
        rules,
        passed,
        problem,
        measurements: m,
        background: bg_report,
        tone: tone_report,
    };
    Checked { report, output, analysis, crop }
}

/// The colour to put behind the person, or why the background stays as photographed.
fn background_colour<'a>(spec: &'a Spec, bg: &BackgroundChoice) -> Result<&'a crate::spec::BackgroundColor, String> {
    let allowed = spec.background.replace_allowed.value.unwrap_or(0.0) > 0.0;
    match bg {
        BackgroundChoice::Keep => Err("kept as photographed (requested)".into()),
        _ if !allowed => Err(format!("{} does not allow replacing the background", spec.id)),
        BackgroundChoice::Auto => spec.background.colors.first().ok_or_else(|| "no allowed colour".into()),
        BackgroundChoice::Color(name) => spec.background_color(name).ok_or_else(|| {
            let names: Vec<&str> = spec.background.colors.iter().map(|c| c.name.as_str()).collect();
            format!("{name} is not an allowed background for {} (allowed: {})", spec.id, names.join(", "))
        }),
    }
}

fn edge_key(side: Side) -> &'static str {
    match side {
        Side::Top => "errors.edge_top",
        Side::Bottom => "errors.edge_bottom",
        Side::Left => "errors.edge_left",
        Side::Right => "errors.edge_right",
    }
}

/// The rule that measures the margin at an edge.
fn edge_rule(side: Side) -> &'static str {
    match side {
        Side::Top => "crown_margin",
        Side::Bottom => "chin_margin",
        Side::Left | Side::Right => "centering",
    }
}

fn r2(p: Point) -> [f64; 2] {
    [(p.x * 100.0).round() / 100.0, (p.y * 100.0).round() / 100.0]
}
