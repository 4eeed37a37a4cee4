//! The report every front end shows and `idbooth check --json` prints: a judgement made readable
//! in one language. Verdicts stay data (`id`, `status`, `reason`, values); `title` and `message`
//! are rendered here, at the edge, from the locale files — the same judgement gives the same
//! data in every language.

use serde::{Deserialize, Serialize};

use crate::Lang;
use crate::compose::Side;
use crate::geometry::Point;
use crate::i18n;
use crate::judge::{Overall, Verdict};
use crate::measure::Measurements;
use crate::session::{BackgroundPlan, Judged, Judgement, KeepReason, Session, SourceInfo};
use crate::spec::Spec;

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
    /// Output rows at the bottom extended from the photo's last rows (0 when none).
    pub bottom_fill_px: f64,
    /// Photo edges that kept the crop from its ideal framing.
    pub limited_by: Vec<Side>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BackgroundReport {
    /// The allowed colour the background is replaced with; null when kept as photographed.
    pub replaced_with: Option<String>,
    /// Why it is kept, when it is.
    pub kept_because: Option<KeepReason>,
}

impl From<&BackgroundPlan> for BackgroundReport {
    fn from(p: &BackgroundPlan) -> BackgroundReport {
        match p {
            BackgroundPlan::Replace { color, .. } => {
                BackgroundReport { replaced_with: Some(color.clone()), kept_because: None }
            }
            BackgroundPlan::Keep { because } => BackgroundReport { replaced_with: None, kept_because: Some(*because) },
        }
    }
}

/// One rule, as data plus its text in the report's language.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RuleReport {
    #[serde(flatten)]
    pub verdict: Verdict,
    pub title: String,
    pub message: String,
}

/// What `idbooth check --json` prints for one photo.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub spec: String,
    pub lang: Lang,
    pub source: SourceInfo,
    pub judged: Judged,
    pub faces: usize,
    /// pass | needs_person | fail.
    pub overall: Overall,
    /// `overall == pass`.
    pub passed: bool,
    pub landmarks: Option<LandmarkReport>,
    pub crop: Option<CropReport>,
    pub background: BackgroundReport,
    pub rules: Vec<RuleReport>,
    pub measurements: Measurements,
}

impl Report {
    pub fn new(session: &Session, j: &Judgement, spec: &Spec, lang: Lang) -> Report {
        // Positions in the file's pixels (the session may work on a reduced decode of it).
        let k = session.file_factor();
        let r2 = |p: Point| r2(p.scale(k));
        let landmarks = session.analysis.main.as_ref().map(|f| {
            let lm = &f.landmarks;
            LandmarkReport {
                left_pupil: r2(lm.left_pupil),
                right_pupil: r2(lm.right_pupil),
                chin: r2(lm.chin),
                head_top: lm.head_top.point().map(r2),
                skull_top: r2(lm.skull_top),
            }
        });
        let crop = j.crop.as_ref().ok().map(|c| CropReport {
            x: c.source_quad[0].x * k,
            y: c.source_quad[0].y * k,
            width: spec.width() as f64 / c.transform.scale * k,
            height: spec.height() as f64 / c.transform.scale * k,
            rotation_deg: c.roll_correction_deg,
            scale: c.transform.scale / k,
            corners: c.source_quad.map(r2),
            bottom_fill_px: (c.bottom_fill_px * 10.0).round() / 10.0,
            limited_by: c.limited_by.clone(),
        });
        Report {
            spec: spec.id.clone(),
            lang,
            source: session.source.clone(),
            judged: j.judged,
            faces: j.measurements.faces,
            overall: j.overall,
            passed: j.overall == Overall::Pass,
            landmarks,
            crop,
            background: (&j.background).into(),
            rules: render_rules(&j.verdicts, spec, lang),
            measurements: j.measurements.clone(),
        }
    }

    /// The same report in another language (text only; the data is untouched).
    pub fn in_lang(&self, spec: &Spec, lang: Lang) -> Report {
        let verdicts: Vec<Verdict> = self.rules.iter().map(|r| r.verdict.clone()).collect();
        Report { lang, rules: render_rules(&verdicts, spec, lang), ..self.clone() }
    }

    pub fn verdicts(&self) -> impl Iterator<Item = &Verdict> {
        self.rules.iter().map(|r| &r.verdict)
    }
}

pub fn render_rules(verdicts: &[Verdict], spec: &Spec, lang: Lang) -> Vec<RuleReport> {
    verdicts
        .iter()
        .map(|v| {
            let (title, message) = i18n::verdict_text(v, spec, lang);
            RuleReport { verdict: v.clone(), title, message }
        })
        .collect()
}

fn r2(p: Point) -> [f64; 2] {
    [(p.x * 100.0).round() / 100.0, (p.y * 100.0).round() / 100.0]
}
