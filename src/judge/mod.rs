//! Judge: every rule is a small unit (`rules.rs`) that reads the measurements, compares them with
//! the spec's band and returns a [`Verdict`]: plain data (rule, status, reason code, value, band),
//! no prose. Texts are made at the edge from `(rule, reason)` by [`crate::i18n::verdict_text`].
//! A rule never passes what it could not measure, and a rule the spec does not define is left out.

mod appearance;
mod rules;

use serde::{Deserialize, Serialize};

use crate::compose::Side;
use crate::measure::Measurements;
use crate::spec::{Limit, Spec};

/// Every rule the booth knows, in checklist order. The snake_case names are the stable ids of
/// the JSON contract and the locale keys (`rules.<id>.*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleId {
    SingleFace,
    Resolution,
    HeadHeight,
    FaceWidth,
    InterPupil,
    EyeLine,
    CrownMargin,
    ChinMargin,
    Centering,
    Roll,
    Yaw,
    Pitch,
    EyesOpen,
    MouthClosed,
    Expression,
    Glasses,
    Headwear,
    HairOverEyes,
    BrowsVisible,
    EarsVisible,
    Jewellery,
    Exposure,
    LightingUniformity,
    FaceShadow,
    FaceReflection,
    BackgroundUniformity,
    BackgroundColor,
    ClothingContrast,
    Sharpness,
    Colour,
}

impl RuleId {
    pub const ALL: [RuleId; 30] = [
        RuleId::SingleFace,
        RuleId::Resolution,
        RuleId::HeadHeight,
        RuleId::FaceWidth,
        RuleId::InterPupil,
        RuleId::EyeLine,
        RuleId::CrownMargin,
        RuleId::ChinMargin,
        RuleId::Centering,
        RuleId::Roll,
        RuleId::Yaw,
        RuleId::Pitch,
        RuleId::EyesOpen,
        RuleId::MouthClosed,
        RuleId::Expression,
        RuleId::Glasses,
        RuleId::Headwear,
        RuleId::HairOverEyes,
        RuleId::BrowsVisible,
        RuleId::EarsVisible,
        RuleId::Jewellery,
        RuleId::Exposure,
        RuleId::LightingUniformity,
        RuleId::FaceShadow,
        RuleId::FaceReflection,
        RuleId::BackgroundUniformity,
        RuleId::BackgroundColor,
        RuleId::ClothingContrast,
        RuleId::Sharpness,
        RuleId::Colour,
    ];

    /// The stable id (`head_height`).
    pub fn as_str(self) -> &'static str {
        match self {
            RuleId::SingleFace => "single_face",
            RuleId::Resolution => "resolution",
            RuleId::HeadHeight => "head_height",
            RuleId::FaceWidth => "face_width",
            RuleId::InterPupil => "inter_pupil",
            RuleId::EyeLine => "eye_line",
            RuleId::CrownMargin => "crown_margin",
            RuleId::ChinMargin => "chin_margin",
            RuleId::Centering => "centering",
            RuleId::Roll => "roll",
            RuleId::Yaw => "yaw",
            RuleId::Pitch => "pitch",
            RuleId::EyesOpen => "eyes_open",
            RuleId::MouthClosed => "mouth_closed",
            RuleId::Expression => "expression",
            RuleId::Glasses => "glasses",
            RuleId::Headwear => "headwear",
            RuleId::HairOverEyes => "hair_over_eyes",
            RuleId::BrowsVisible => "brows_visible",
            RuleId::EarsVisible => "ears_visible",
            RuleId::Jewellery => "jewellery",
            RuleId::Exposure => "exposure",
            RuleId::LightingUniformity => "lighting_uniformity",
            RuleId::FaceShadow => "face_shadow",
            RuleId::FaceReflection => "face_reflection",
            RuleId::BackgroundUniformity => "background_uniformity",
            RuleId::BackgroundColor => "background_color",
            RuleId::ClothingContrast => "clothing_contrast",
            RuleId::Sharpness => "sharpness",
            RuleId::Colour => "colour",
        }
    }

    /// Rules about where the head sits in the frame: what the crop controls.
    pub fn is_geometry(self) -> bool {
        matches!(
            self,
            RuleId::HeadHeight
                | RuleId::FaceWidth
                | RuleId::InterPupil
                | RuleId::EyeLine
                | RuleId::CrownMargin
                | RuleId::ChinMargin
                | RuleId::Centering
        )
    }
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for RuleId {
    type Err = String;
    fn from_str(s: &str) -> Result<RuleId, String> {
        RuleId::ALL.into_iter().find(|r| r.as_str() == s.trim()).ok_or_else(|| {
            let ids: Vec<&str> = RuleId::ALL.iter().map(|r| r.as_str()).collect();
            format!("unknown rule '{s}' (known: {})", ids.join(", "))
        })
    }
}

/// The outcome of one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Measured and inside the band.
    Pass,
    /// Measured, inside the band but near its edge: passes, with advice.
    Warn,
    /// Measured and outside the band.
    Fail,
    /// Could not be measured on this photo: a person must look.
    NotChecked,
    /// Measured, but only a person can decide (e.g. a replaced busy background).
    NeedsPerson,
}

impl Status {
    /// Statuses that let the photo through without a person.
    pub fn is_ok(self) -> bool {
        matches!(self, Status::Pass | Status::Warn)
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::NotChecked => "not_checked",
            Status::NeedsPerson => "needs_person",
        }
    }
}

/// Why a rule came out as it did: with the rule id, the key of its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Inside the band.
    InBand,
    /// Inside the band, near its lower / upper end.
    NearLow,
    NearHigh,
    /// Below / above the band.
    TooLow,
    TooHigh,
    /// The measurement could not be taken.
    NotMeasured,
    NoFace,
    ManyFaces,
    /// The top of the head is cut off by the photo's top edge.
    HeadCutOff,
    /// A photo edge keeps the crop from framing the head (see `Verdict::edges`).
    PhotoEdge,
    /// The whole photo is underexposed (its highlights are low).
    DarkScene,
    /// Part of the face is clipped to white or black.
    BurntOut,
    MouthOpen,
    TeethShowing,
    CornersRaised,
    /// The background as photographed is off, and the booth replaced it.
    Replaced,
    /// The booth replaced a busy background: a person should check the edges.
    ReplacedBusy,
    /// Measured, but between a clear pass and a clear fail: a person decides.
    Uncertain,
    /// The eyes are closed or blinking (expression model).
    EyesClosed,
    Smiling,
    /// An expression other than neutral (raised brows, squint, pucker, sneer, puffed cheeks).
    NotNeutral,
    GlassesWorn,
    TintedLenses,
    LensGlare,
    /// Something on top of the head that is neither hair nor skin.
    NotHair,
    /// The crop turns the eye line past the band (staff turned it by hand).
    TiltedByCrop,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::InBand => "in_band",
            Reason::NearLow => "near_low",
            Reason::NearHigh => "near_high",
            Reason::TooLow => "too_low",
            Reason::TooHigh => "too_high",
            Reason::NotMeasured => "not_measured",
            Reason::NoFace => "no_face",
            Reason::ManyFaces => "many_faces",
            Reason::HeadCutOff => "head_cut_off",
            Reason::PhotoEdge => "photo_edge",
            Reason::DarkScene => "dark_scene",
            Reason::BurntOut => "burnt_out",
            Reason::MouthOpen => "mouth_open",
            Reason::TeethShowing => "teeth_showing",
            Reason::CornersRaised => "corners_raised",
            Reason::Replaced => "replaced",
            Reason::ReplacedBusy => "replaced_busy",
            Reason::Uncertain => "uncertain",
            Reason::EyesClosed => "eyes_closed",
            Reason::Smiling => "smiling",
            Reason::NotNeutral => "not_neutral",
            Reason::GlassesWorn => "glasses_worn",
            Reason::TintedLenses => "tinted_lenses",
            Reason::LensGlare => "lens_glare",
            Reason::NotHair => "not_hair",
            Reason::TiltedByCrop => "tilted_by_crop",
        }
    }
}

/// Units of measured values, as printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Unit {
    #[serde(rename = "px")]
    Px,
    #[serde(rename = "°")]
    Deg,
    #[serde(rename = "×")]
    Times,
    #[serde(rename = "L*")]
    Lightness,
    #[serde(rename = "%")]
    Percent,
    #[serde(rename = "ΔE")]
    DeltaE,
    #[serde(rename = "faces")]
    Faces,
    #[serde(rename = "IPD")]
    Ipd,
    #[serde(rename = "")]
    Ratio,
    /// Photographic stops (log2 of a luminance ratio).
    #[serde(rename = "EV")]
    Stops,
    /// CIE C*, colourfulness.
    #[serde(rename = "C*")]
    Chroma,
}

impl Unit {
    pub fn symbol(self) -> &'static str {
        match self {
            Unit::Px => "px",
            Unit::Deg => "°",
            Unit::Times => "×",
            Unit::Lightness => "L*",
            Unit::Percent => "%",
            Unit::DeltaE => "ΔE",
            Unit::Faces => "",
            Unit::Ipd => "IPD",
            Unit::Ratio => "",
            Unit::Stops => "EV",
            Unit::Chroma => "C*",
        }
    }
}

/// One rule's outcome on one photo: data only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    #[serde(rename = "id")]
    pub rule: RuleId,
    pub status: Status,
    pub reason: Reason,
    /// The measured value (rounded to 0.01) the status was decided on.
    pub value: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Lines inside the band past which a person looks (shown where a rule has no fail bound).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn_min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn_max: Option<f64>,
    pub unit: Unit,
    /// Photo edges that kept the crop from the band (geometry rules only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub edges: Vec<Side>,
    /// A name the text needs (the nearest allowed background colour).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Which of a rule's measurements `value` is, where a rule has several (the mouth's lip gap,
    /// its teeth, its corners): the spec's threshold name, so the band shown is that one's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<String>,
}

/// The photo as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Overall {
    /// Every rule measured and inside its band.
    Pass,
    /// Nothing failed, but a rule could not be measured or only a person can decide it.
    NeedsPerson,
    /// A rule is outside its band.
    Fail,
}

impl Overall {
    pub fn of(verdicts: &[Verdict]) -> Overall {
        if verdicts.iter().any(|v| v.status == Status::Fail) {
            Overall::Fail
        } else if verdicts.iter().all(|v| v.status.is_ok()) && !verdicts.is_empty() {
            Overall::Pass
        } else {
            Overall::NeedsPerson
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Overall::Pass => "pass",
            Overall::NeedsPerson => "needs_person",
            Overall::Fail => "fail",
        }
    }
}

/// What the judge needs besides the measurements: how the frame was made.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// A crop was found (`false`: the head cannot be framed inside the photo at all).
    pub framed: bool,
    /// Photo edges that kept the crop from its ideal framing (or made it impossible).
    pub edges: Vec<Side>,
    /// The booth will replace the background with an allowed colour.
    pub background_replaced: bool,
    /// The CIELAB colour of the background the booth puts in, when it replaces it.
    pub new_background_lab: Option<[f64; 3]>,
}

/// Judge every rule the spec defines.
pub fn judge(m: &Measurements, spec: &Spec, ctx: &Context) -> Vec<Verdict> {
    let mut v: Vec<Verdict> = RuleId::ALL.iter().filter_map(|&id| rules::check(id, m, spec, ctx)).collect();
    // Without a face nothing of it was measured, and that, not a rule's own cause (a head top
    // not found, no crop), is why.
    if m.faces == 0 {
        for x in v.iter_mut().filter(|x| x.reason == Reason::NotMeasured) {
            x.reason = Reason::NoFace;
        }
    }
    v
}

/// A measurement against a band: the common unit behind most rules.
pub(crate) fn band(rule: RuleId, value: Option<f64>, limit: &Limit, unit: Unit) -> Verdict {
    let mut v = Verdict {
        rule,
        status: Status::NotChecked,
        reason: Reason::NotMeasured,
        value: value.map(|x| rounded(x, limit)),
        min: limit.min,
        max: limit.max,
        warn_min: limit.warn_below,
        warn_max: limit.warn_above,
        unit,
        edges: Vec::new(),
        detail: None,
        measure: None,
    };
    let Some(x) = value.filter(|x| x.is_finite()) else { return v };
    (v.status, v.reason) = if limit.min.is_some_and(|m| x < m) {
        (Status::Fail, Reason::TooLow)
    } else if limit.max.is_some_and(|m| x > m) {
        (Status::Fail, Reason::TooHigh)
    } else if limit.warn_below.is_some_and(|m| x < m) {
        (Status::Warn, Reason::NearLow)
    } else if limit.warn_above.is_some_and(|m| x > m) {
        (Status::Warn, Reason::NearHigh)
    } else {
        (Status::Pass, Reason::InBand)
    };
    v
}

/// Rules that size the head: when one says "too small" while another says "too large" or is
/// already at its largest (the crop pinned it there), moving closer or stepping back cannot fix
/// both (a tall bun: the head at its greatest height leaves the face too narrow). The texts then
/// say so once instead of giving opposite advice.
pub fn proportions_conflict(verdicts: &[Verdict]) -> bool {
    let failed = |r: Reason| size_rules(verdicts).any(|v| v.status == Status::Fail && v.reason == r);
    (failed(Reason::TooLow) && head_cannot(verdicts, Reason::TooHigh))
        || (failed(Reason::TooHigh) && head_cannot(verdicts, Reason::TooLow))
}

/// The rules that size the head.
fn size_rules(verdicts: &[Verdict]) -> impl Iterator<Item = &Verdict> {
    verdicts.iter().filter(|v| matches!(v.rule, RuleId::HeadHeight | RuleId::FaceWidth | RuleId::InterPupil))
}

/// The head cannot be made any larger (`TooHigh`: a size rule fails "too large" or sits at its
/// greatest) or any smaller (`TooLow`: fails "too small" or sits at its least). Within half a
/// pixel of a bound is where the crop solver put it.
fn head_cannot(verdicts: &[Verdict], limit: Reason) -> bool {
    let at = |v: &Verdict| {
        let bound = if limit == Reason::TooHigh { v.max } else { v.min };
        v.value.zip(bound).is_some_and(|(x, b)| (x - b).abs() <= 0.5)
    };
    size_rules(verdicts).any(|v| (v.status == Status::Fail && v.reason == limit) || (v.status.is_ok() && at(v)))
}

/// The eyes sit too low in the frame while there is too little room above the head, and the
/// head cannot be made any smaller (a size rule already fails "too small" or sits at its
/// least). At that size a crop placed lower (for the eyes) leaves even less room and a higher
/// one (for the room) puts the eyes lower still: both are distances from the frame's top edge,
/// and the head top to the eyes measures more than the lowest eye line minus the least room
/// allows. The hair above the eyes is taller than the spec allows (usually hair worn up),
/// whether the room ran out at the band or at the photo's own top edge. With room to shrink
/// the head, each rule keeps its own advice (a photo cut close above the head: step back).
pub fn hair_height_conflict(verdicts: &[Verdict]) -> bool {
    let failed = |rule: RuleId, reasons: &[Reason]| {
        verdicts.iter().any(|v| v.rule == rule && v.status == Status::Fail && reasons.contains(&v.reason))
    };
    failed(RuleId::EyeLine, &[Reason::TooHigh])
        && failed(RuleId::CrownMargin, &[Reason::TooLow, Reason::PhotoEdge])
        && head_cannot(verdicts, Reason::TooLow)
}

/// The text (a locale key) that replaces a failed rule's own advice when no crop can fix it
/// together with the rules it conflicts with (`proportions_conflict`, `hair_height_conflict`):
/// one explanation instead of opposite instructions.
pub fn conflict_advice(verdicts: &[Verdict], v: &Verdict) -> Option<&'static str> {
    if v.status != Status::Fail {
        return None;
    }
    match v.rule {
        RuleId::HeadHeight | RuleId::FaceWidth | RuleId::InterPupil if proportions_conflict(verdicts) => {
            Some("ui.proportions")
        }
        RuleId::EyeLine | RuleId::CrownMargin if hair_height_conflict(verdicts) => Some("ui.hair_height"),
        _ => None,
    }
}

/// `v` as the measurement the spec calls `measure` (one of a rule's several).
pub(crate) fn named(mut v: Verdict, measure: &str) -> Verdict {
    v.measure = Some(measure.to_string());
    v
}

/// The more severe of two verdicts on the same rule. A pass needs both halves measured.
pub(crate) fn worst(a: Verdict, b: Verdict) -> Verdict {
    let rank = |s: Status| match s {
        Status::Fail => 4,
        Status::NeedsPerson => 3,
        Status::NotChecked => 2,
        Status::Warn => 1,
        Status::Pass => 0,
    };
    match rank(b.status).cmp(&rank(a.status)) {
        std::cmp::Ordering::Greater => b,
        std::cmp::Ordering::Less => a,
        // Both pass (or both fail): the one nearer its bound is the row's figure (a crop
        // turned by hand to 5.0° in a ≤ 5° band shows 5.0°, not the pose's 1.2°).
        std::cmp::Ordering::Equal if room(&b).zip(room(&a)).is_some_and(|(rb, ra)| rb < ra) => b,
        std::cmp::Ordering::Equal => a,
    }
}

/// How far a verdict's value is from its nearest bound, as a share of that bound (negative
/// outside the band); None without a value or a bound.
fn room(v: &Verdict) -> Option<f64> {
    let x = v.value?;
    let share = |gap: f64, bound: f64| gap / bound.abs().max(1e-9);
    let to_max = v.max.map(|m| share(m - x, m));
    let to_min = v.min.map(|m| share(x - m, m));
    match (to_max, to_min) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// `x` to 0.01, or to as many more places as keep it on its own side of every bound: 0.1502
/// failed ≤ 0.15 and must not be reported as 0.15 (401.99998 within ≤ 402 may read 402).
fn rounded(x: f64, limit: &Limit) -> f64 {
    let below = [limit.min, limit.warn_below];
    let above = [limit.max, limit.warn_above];
    let same_side = |r: f64| {
        below.iter().flatten().all(|&b| (x < b) == (r < b)) && above.iter().flatten().all(|&b| (x > b) == (r > b))
    };
    [100.0, 1e3, 1e4, 1e6].into_iter().map(|k| (x * k).round() / k).find(|&r| same_side(r)).unwrap_or(x)
}

#[cfg(test)]
mod tests;
