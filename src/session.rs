//! One photo's journey, each stage computed once: a [`Session`] holds the decoded photo, the
//! detection (faces, mesh, mask, landmarks) and the spec-independent measurements. Judging
//! against a spec ([`Session::judge`]) solves the crop and judges from the cache, on the photo's
//! own pixels; the booth's edits (tone, backdrop) come after, in [`Session::compose`], and are
//! never judged as if they were the photo. Switching language re-renders text only (no call
//! here); switching spec calls `judge` again (milliseconds).

use std::sync::{Arc, OnceLock};

use image::RgbImage;
use serde::{Deserialize, Serialize};

use crate::capture::Portrait;
use crate::capture::photo::Finer;
use crate::compose::background::{self, BackgroundChoice};
use crate::compose::tone::{self, ToneCorrection};
use crate::compose::{self, Crop, CropError};
use crate::detect::{self, Analysis, DetectOptions, Effort, VisionError};
use crate::geometry::Similarity;
use crate::judge::{self, Context, Overall, Verdict};
use crate::measure::{self, Measurements};
use crate::pixels::{FloatMap, Pyramid};
use crate::spec::{BackgroundColor, Spec};

/// Where the photo came from.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SourceInfo {
    pub path: Option<String>,
    pub width: u32,
    pub height: u32,
}

/// A photo, detected once.
pub struct Session {
    pyr: Arc<Pyramid>,
    /// The file, when `pyr` is a reduced decode of it (a phone's 12 MP JPEG), and its full
    /// picture once a crop needed more pixels than the reduced one has (None: it would not decode).
    finer: Option<(Finer, OnceLock<Option<Arc<Pyramid>>>)>,
    /// Size of the photo as stored; detection and crops work in `pyr`'s pixels, reports in these.
    pub source: SourceInfo,
    pub analysis: Analysis,
    /// Measured once, whatever the spec: faces, pose, expression, head top.
    base: Measurements,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Judged {
    /// The photo already has the spec's pixel size: judged exactly as it is.
    AsIs,
    /// Judged on the best crop the solver found.
    AutoCrop,
    /// Judged on a crop a person adjusted.
    Adjusted,
}

/// A person's correction of the automatic crop, in output pixels and degrees (counter staff).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Adjust {
    /// Move the head right / down in the frame.
    pub dx: f64,
    pub dy: f64,
    /// Enlarge the head (1 = as solved).
    pub zoom: f64,
    /// Turn the head clockwise in the frame.
    pub rotate_deg: f64,
}

impl Adjust {
    pub fn is_none(&self) -> bool {
        self.dx == 0.0 && self.dy == 0.0 && (self.zoom == 0.0 || self.zoom == 1.0) && self.rotate_deg == 0.0
    }
}

/// How to judge: the background the booth will give the photo, and any manual crop.
#[derive(Debug, Clone, Default)]
pub struct JudgeOptions {
    pub background: BackgroundChoice,
    pub adjust: Option<Adjust>,
}

/// What the booth will do with the background, decided before judging.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "plan")]
pub enum BackgroundPlan {
    Replace { color: String, rgb: [u8; 3] },
    Keep { because: KeepReason },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeepReason {
    /// The person asked to keep it.
    Requested,
    /// The spec forbids editing the background.
    SpecForbids,
    /// The chosen colour is not one the spec allows.
    ColorNotAllowed,
    /// No person mask (live frames): nothing to replace with.
    NoMask,
}

/// A photo judged against one spec.
#[derive(Debug, Clone)]
pub struct Judgement {
    pub spec_id: String,
    pub judged: Judged,
    pub crop: Result<Crop, CropError>,
    /// The output frame rendered from the photo's own pixels (no tone, no backdrop).
    pub frame: Option<RgbImage>,
    /// The person's opacity over `frame`, from the detection mask (None without a mask).
    pub person: Option<FloatMap>,
    pub measurements: Measurements,
    pub verdicts: Vec<Verdict>,
    pub overall: Overall,
    pub background: BackgroundPlan,
}

/// The exported image: the unedited frame with the booth's edits.
#[derive(Debug, Clone)]
pub struct Composed {
    pub image: RgbImage,
    pub tone: Option<ToneCorrection>,
    pub background: BackgroundPlan,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Vision(#[from] VisionError),
    #[error("nothing to compose: no crop of the head fits this photo")]
    NoFrame,
}

/// Run `work` on rayon's pool and wait for it: a frame analysed and judged from a thread of its
/// own (the live view's worker) is best handed to the pool whole. Called from outside, every
/// `rayon::join` in it (the mesh beside the detector, the two pupils) hands its halves to the
/// pool and blocks, and the worker that ran them spins a while after each: on a 2-core machine
/// that spinner takes half a core from the thread that goes on. The live frame on this
/// machine (`idbooth bench`'s tracking line): tracked step 1.66 → 1.35 ms, the checklist after
/// it 5.9 → 2.7 ms. On a pool thread already, `work` runs where it is.
pub fn on_pool<R: Send>(work: impl FnOnce() -> R + Send) -> R {
    if rayon::current_thread_index().is_some() { work() } else { rayon::scope(|_| work()) }
}

pub fn detect_options(spec: &Spec, effort: Effort) -> DetectOptions {
    DetectOptions {
        min_score: spec.quality.face_detection_score.min.unwrap_or(0.5) as f32,
        far_min_score: spec.quality.far_face_detection_score.min.unwrap_or(0.6) as f32,
        second_face_min_size: spec.quality.second_face_min_size.value.unwrap_or(0.25),
        effort,
    }
}

impl Session {
    /// Detect everything in a still photo (the slow part, once per photo).
    pub fn new(portrait: Portrait, spec: &Spec) -> Result<Session, VisionError> {
        let path = portrait.path.as_ref().map(|p| p.display().to_string());
        let (width, height) = portrait.file_size();
        let pyr = Arc::new(Pyramid::new(portrait.image, 32));
        let analysis = detect::analyse(&pyr, &detect_options(spec, Effort::Still))?;
        let mut s = Session::from_analysis(pyr, analysis, path);
        s.source.width = width;
        s.source.height = height;
        s.finer = portrait.finer.map(|f| (f, OnceLock::new()));
        Ok(s)
    }

    /// File pixels per pixel of the photo the session works on (1 unless reduced).
    pub fn file_factor(&self) -> f64 {
        self.finer.as_ref().map_or(1.0, |(f, _)| f.factor as f64)
    }

    /// Decode the full picture of a reduced photo now (on a worker), so that a later crop that
    /// needs it (a manual zoom, a larger spec: judged on the UI thread) does not wait for it.
    pub fn prepare_full_picture(&self) {
        if let Some((finer, full)) = &self.finer {
            full.get_or_init(|| match finer.decode() {
                Ok(img) => Some(Arc::new(Pyramid::lazy(img, 32))),
                Err(e) => {
                    tracing::warn!("the full picture did not decode ({e}); frames come from the reduced one");
                    None
                }
            });
        }
    }

    /// The full picture, when the photo was decoded reduced and `c` would enlarge it: decoded
    /// once, on the first crop that needs it (None: not reduced, not needed, or not decodable).
    fn full_picture_for(&self, c: &Crop) -> Option<(Arc<Pyramid>, f64)> {
        let (finer, full) = self.finer.as_ref().filter(|_| c.transform.scale > 1.0)?;
        self.prepare_full_picture();
        full.get().cloned().flatten().map(|p| (p, finer.factor as f64))
    }

    /// A session over an analysis already made (live frames).
    pub fn from_analysis(pyr: Arc<Pyramid>, analysis: Analysis, path: Option<String>) -> Session {
        let mut base = Measurements::default();
        measure::faces(&analysis, &mut base);
        if let Some(face) = &analysis.main {
            measure::pose_and_expression(face, &mut base);
        }
        let source = SourceInfo { path, width: pyr.width(), height: pyr.height() };
        Session { pyr, finer: None, source, analysis, base }
    }

    /// The detection, for callers that keep only it (live frames).
    pub fn into_analysis(self) -> Analysis {
        self.analysis
    }

    pub fn pyramid(&self) -> &Arc<Pyramid> {
        &self.pyr
    }

    /// Judge against `spec`: crop, render the unedited frame, measure, judge. No model runs.
    pub fn judge(&self, spec: &Spec, opts: &JudgeOptions) -> Judgement {
        let (w, h) = (self.pyr.width(), self.pyr.height());
        let as_is = (w, h) == (spec.width(), spec.height());
        let mut m = self.base.clone();
        let background = plan_background(spec, &opts.background, self.analysis.mask.is_some());
        let mut judged = if as_is { Judged::AsIs } else { Judged::AutoCrop };
        let (crop, frame, person) = match &self.analysis.main {
            None => (Err(CropError::NoFace), None, None),
            Some(face) => {
                let mut crop =
                    if as_is { Ok(Crop::identity(w, h)) } else { compose::solve(&face.landmarks, spec, w, h) };
                if let (Ok(c), Some(a)) = (&mut crop, opts.adjust.filter(|a| !a.is_none())) {
                    *c = c.adjusted(&a, spec, w, h);
                    judged = Judged::Adjusted;
                }
                match crop {
                    Ok(c) => {
                        // A reduced decode renders the frame while it has a pixel per output pixel.
                        let full = self.full_picture_for(&c);
                        let frame = match &full {
                            Some((p, factor)) => compose::render_finer(p, *factor, &c, spec),
                            None => compose::render(&self.pyr, &c, spec),
                        };
                        let person =
                            self.analysis.mask.as_ref().map(|mask| {
                                measure::person_on_frame(mask, &c.transform, frame.width(), frame.height())
                            });
                        measure::geometry(face, &c.transform, spec, &mut m);
                        // Detail: output pixels per file pixel, unless a reduced picture had to
                        // be enlarged after all (its full one did not decode): then per its own.
                        let enlarged_reduced = full.is_none() && c.transform.scale > 1.0;
                        let file_px = if enlarged_reduced { 1.0 } else { self.file_factor() };
                        m.upscale = Some(c.transform.scale / file_px);
                        measure::photographic(face, &c.transform, &frame, person.as_ref(), &mut m);
                        (Ok(c), Some(frame), person)
                    }
                    Err(e) => {
                        // No frame fits, but how much any frame would enlarge the photo at least
                        // is known from the head: a photo too small for the spec says so. Only a
                        // bound past the limit is recorded: a lower bound can fail, never pass.
                        let least = compose::least_enlargement(&face.landmarks, spec).map(|s| s / self.file_factor());
                        m.upscale = least.filter(|&x| spec.quality.upscale.max.is_some_and(|max| x > max));
                        (Err(e), None, None)
                    }
                }
            }
        };
        let ctx = Context {
            framed: crop.is_ok(),
            edges: match &crop {
                // A frame a person placed is theirs: the photo's edges do not explain it, and
                // "retake with more space" is not advice for them.
                Ok(_) if judged == Judged::Adjusted => Vec::new(),
                Ok(c) => c.limited_by.clone(),
                Err(CropError::OutsidePhoto(sides)) => sides.clone(),
                Err(CropError::NoFace) => Vec::new(),
            },
            background_replaced: matches!(background, BackgroundPlan::Replace { .. }),
            new_background_lab: match &background {
                BackgroundPlan::Replace { rgb, .. } => Some(crate::pixels::lab(*rgb).map(f64::from)),
                BackgroundPlan::Keep { .. } => None,
            },
        };
        let verdicts = judge::judge(&m, spec, &ctx);
        let overall = Overall::of(&verdicts);
        Judgement {
            spec_id: spec.id.clone(),
            judged,
            crop,
            frame,
            person,
            measurements: m,
            verdicts,
            overall,
            background,
        }
    }

    /// The booth's edits on the judged frame: global tone, then the new background where planned.
    /// Runs the segmentation model once more at export resolution (tens of milliseconds).
    pub fn compose(&self, j: &Judgement, spec: &Spec) -> Result<Composed, SessionError> {
        let (Some(frame), Ok(crop)) = (&j.frame, &j.crop) else {
            return Err(SessionError::NoFrame);
        };
        let BackgroundPlan::Replace { rgb, .. } = &j.background else {
            return Ok(Composed { image: frame.clone(), tone: None, background: j.background.clone() });
        };
        let frame_to_photo: Similarity = crop.transform.inverse();
        let pockets = self.analysis.main.as_ref().map(|f| background::Pockets::around(&f.landmarks, &crop.transform));
        let person = background::matte(&self.pyr, &frame_to_photo, frame, pockets.as_ref())?;
        // Tone first (measured on the person and the old backdrop), then the new background.
        let t = tone::estimate(frame, &person, spec);
        let toned = tone::apply(frame, &t);
        let image = background::replace(&toned, &person, *rgb);
        Ok(Composed { image, tone: Some(t).filter(|t| !t.is_identity()), background: j.background.clone() })
    }
}

/// The colour to put behind the person, or why the background stays as photographed.
pub fn plan_background(spec: &Spec, choice: &BackgroundChoice, has_mask: bool) -> BackgroundPlan {
    let keep = |because| BackgroundPlan::Keep { because };
    let replace = |c: &BackgroundColor| BackgroundPlan::Replace { color: c.name.clone(), rgb: c.rgb };
    if *choice == BackgroundChoice::Keep {
        return keep(KeepReason::Requested);
    }
    if !spec.replace_allowed() {
        return keep(KeepReason::SpecForbids);
    }
    if !has_mask {
        return keep(KeepReason::NoMask);
    }
    match choice {
        BackgroundChoice::Color(name) => spec.background_color(name).map_or(keep(KeepReason::ColorNotAllowed), replace),
        _ => spec.background.colors.first().map_or(keep(KeepReason::SpecForbids), replace),
    }
}
