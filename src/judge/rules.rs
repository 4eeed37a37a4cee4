//! The rules, one small function each: measurements + the spec's band → a verdict, or `None`
//! when the spec does not define the rule.

use super::{Context, Reason, RuleId, Status, Unit, Verdict, appearance, band, named, worst};
use crate::compose::Side;
use crate::measure::{HeadTopProblem, Measurements};
use crate::spec::Spec;

pub(super) fn check(id: RuleId, m: &Measurements, spec: &Spec, ctx: &Context) -> Option<Verdict> {
    let g = &spec.geometry;
    let q = &spec.quality;
    let p = &spec.pose;
    let v = match id {
        RuleId::SingleFace => single_face(m),
        RuleId::Resolution => band(id, m.upscale, &q.upscale, Unit::Times),
        RuleId::HeadHeight => framing(id, m.head_height, g.head_height.as_ref()?, ctx),
        RuleId::FaceWidth => framing(id, m.face_width, g.face_width.as_ref()?, ctx),
        RuleId::InterPupil => framing(id, m.inter_pupil, g.inter_pupil.as_ref()?, ctx),
        RuleId::EyeLine => eye_line(m, spec, ctx)?,
        RuleId::CrownMargin => crown_margin(m, spec, ctx)?,
        RuleId::ChinMargin => framing(id, m.chin_margin, g.chin_margin.as_ref()?, ctx),
        RuleId::Centering => centering(m, spec, ctx)?,
        RuleId::Roll => roll(m, spec),
        RuleId::Yaw => band(id, m.yaw.map(f64::abs), &p.yaw_deg, Unit::Deg),
        RuleId::Pitch => band(id, m.pitch.map(f64::abs), &p.pitch_deg, Unit::Deg),
        RuleId::EyesOpen => eyes_open(m, spec),
        RuleId::MouthClosed => mouth_closed(m, spec),
        RuleId::Expression => appearance::expression(m, spec),
        RuleId::Glasses => appearance::glasses(m, spec),
        RuleId::Headwear => appearance::headwear(m, spec),
        RuleId::HairOverEyes => appearance::hair_over_eyes(m, spec),
        RuleId::BrowsVisible => appearance::low_share(id, m.brows_skin, &q.brows_skin),
        RuleId::EarsVisible => appearance::low_share(id, m.ears_skin, &q.ears_skin),
        RuleId::Jewellery => appearance::jewellery(m, q.jewellery_spots.as_ref()?),
        RuleId::Exposure => exposure(m, spec),
        RuleId::LightingUniformity => band(id, m.face_side_ratio.map(f64::abs), &q.face_side_ratio, Unit::Stops),
        RuleId::FaceShadow => appearance::doubt(band(id, m.face_shadow, &q.face_shadow, Unit::Stops)),
        RuleId::FaceReflection => {
            appearance::doubt(band(id, m.face_reflection_pct, &q.face_reflection_pct, Unit::Percent))
        }
        RuleId::BackgroundUniformity => background_uniformity(m, spec, ctx),
        RuleId::BackgroundColor => background_color(m, spec, ctx),
        RuleId::ClothingContrast => clothing_contrast(m, q.clothing_contrast.as_ref()?, ctx),
        RuleId::Sharpness => band(id, m.sharpness, &q.sharpness, Unit::Ratio),
        RuleId::Colour => band(id, m.face_chroma, &q.face_chroma, Unit::Chroma),
    };
    Some(v)
}

fn single_face(m: &Measurements) -> Verdict {
    let (status, reason) = match m.faces {
        1 => (Status::Pass, Reason::InBand),
        0 => (Status::Fail, Reason::NoFace),
        _ => (Status::Fail, Reason::ManyFaces),
    };
    Verdict {
        rule: RuleId::SingleFace,
        status,
        reason,
        value: Some(m.faces as f64),
        min: Some(1.0),
        max: Some(1.0),
        warn_min: None,
        warn_max: None,
        unit: Unit::Faces,
        edges: Vec::new(),
        detail: None,
        measure: None,
    }
}

/// The rule that measures the margin at a photo edge.
fn edge_rule(side: Side) -> RuleId {
    match side {
        Side::Top => RuleId::CrownMargin,
        Side::Bottom => RuleId::ChinMargin,
        Side::Left | Side::Right => RuleId::Centering,
    }
}

/// A geometry band, with the photo edges that stood in the crop's way as the explanation.
fn framing(id: RuleId, value: Option<f64>, limit: &crate::spec::Limit, ctx: &Context) -> Verdict {
    let mut v = band(id, value, limit, Unit::Px);
    if !ctx.framed && !ctx.edges.is_empty() {
        // No frame fits inside the photo: every framing rule fails for the edges' sake.
        v.status = Status::Fail;
        v.reason = Reason::PhotoEdge;
        v.edges = ctx.edges.clone();
    } else if v.status == Status::Fail && !ctx.edges.is_empty() {
        // An edge explains only the failure it can cause: too little space on its own side
        // (the head too near the top or the chin too near the bottom), or off-centre.
        let caused = |s: Side| edge_rule(s) == id && (id == RuleId::Centering || v.reason == Reason::TooLow);
        let own: Vec<Side> = ctx.edges.iter().copied().filter(|s| caused(*s)).collect();
        if own.is_empty() {
            // Other sides may explain it (a frame pushed up by the bottom edge leaves too much
            // space above the head); its own side, failing the other way, does not.
            v.edges = ctx.edges.iter().copied().filter(|s| edge_rule(*s) != id).collect();
        } else {
            v.reason = Reason::PhotoEdge;
            v.edges = own;
        }
    }
    v
}

fn eye_line(m: &Measurements, spec: &Spec, ctx: &Context) -> Option<Verdict> {
    let g = &spec.geometry;
    if let Some(t) = &g.eye_line_from_top {
        return Some(framing(RuleId::EyeLine, m.eye_line_from_top, t, ctx));
    }
    // Measured from the bottom, a small value means the eyes are low: swap the advice.
    let mut v = framing(RuleId::EyeLine, m.eye_line_from_bottom, g.eye_line_from_bottom.as_ref()?, ctx);
    v.reason = match v.reason {
        Reason::TooLow => Reason::TooHigh,
        Reason::TooHigh => Reason::TooLow,
        Reason::NearLow => Reason::NearHigh,
        Reason::NearHigh => Reason::NearLow,
        r => r,
    };
    Some(v)
}

/// The space above the head: the crown's band and the hair top's (the whole head inside the
/// frame), the worse of the two; a pass needs both measured.
fn crown_margin(m: &Measurements, spec: &Spec, ctx: &Context) -> Option<Verdict> {
    let g = &spec.geometry;
    let crown = g.crown_margin.as_ref().map(|l| framing(RuleId::CrownMargin, m.crown_margin, l, ctx));
    let hair = g.hair_margin.as_ref().map(|l| framing(RuleId::CrownMargin, m.hair_margin, l, ctx));
    let mut v = match (crown, hair) {
        (Some(c), Some(h)) => worst(c, h),
        (c, h) => c.or(h)?,
    };
    if m.head_top_problem == Some(HeadTopProblem::CutOff) {
        v.status = Status::Fail;
        v.reason = Reason::HeadCutOff;
        v.edges.clear();
    }
    Some(v)
}

/// The face on the midline (`centering`) and the eye midpoint in its horizontal window
/// (`eye_mid_from_left`, centred on the image: the loader checks), the worse of the two.
fn centering(m: &Measurements, spec: &Spec, ctx: &Context) -> Option<Verdict> {
    let g = &spec.geometry;
    let face = g.centering.as_ref().map(|l| framing(RuleId::Centering, m.center_offset.map(f64::abs), l, ctx));
    let eyes = g.eye_mid_from_left.as_ref().map(|l| {
        let half = l.half_width().unwrap_or(0.0);
        let off = m.eye_mid_from_left.map(|x| (x - spec.width() as f64 / 2.0).abs());
        framing(
            RuleId::Centering,
            off,
            &crate::spec::Limit { min: None, max: Some(half), warn_below: None, warn_above: None, ..l.clone() },
            ctx,
        )
    });
    match (face, eyes) {
        (Some(f), Some(e)) => Some(worst(f, e)),
        (f, e) => f.or(e),
    }
}

/// One of a rule's several measurements (`measure`, the spec's name for its threshold): outside
/// its band the verdict says `why`, which part failed.
pub(super) fn part(
    measure: &str,
    id: RuleId,
    value: Option<f64>,
    limit: &crate::spec::Limit,
    unit: Unit,
    why: Reason,
) -> Verdict {
    let mut v = named(band(id, value, limit, unit), measure);
    if matches!(v.status, Status::Fail | Status::Warn) {
        v.reason = why;
    }
    v
}

/// Head tilt: as photographed (the person's pose), and in the exported frame, where the crop
/// levels up to `max_roll_correction_deg` and staff may turn it by hand.
fn roll(m: &Measurements, spec: &Spec) -> Verdict {
    let (limit, id) = (&spec.pose.roll_deg, RuleId::Roll);
    let posed = named(band(id, m.roll.map(f64::abs), limit, Unit::Deg), "roll_photo");
    // No frame (no crop fits the photo): the pose alone, which was measured.
    let Some(framed) = m.roll_in_frame else { return posed };
    worst(posed, part("roll_in_frame", id, Some(framed.abs()), limit, Unit::Deg, Reason::TiltedByCrop))
}

fn eyes_open(m: &Measurements, spec: &Spec) -> Verdict {
    let (q, id) = (&spec.quality, RuleId::EyesOpen);
    let lids = named(band(id, m.eye_openness, &q.eye_openness, Unit::Ratio), "eye_openness");
    // The expression model sees a blink that the lid gap alone can miss (narrow eyes).
    worst(lids, part("eye_blink", id, m.eye_blink, &q.eye_blink, Unit::Ratio, Reason::EyesClosed))
}

fn mouth_closed(m: &Measurements, spec: &Spec) -> Verdict {
    let (q, id) = (&spec.quality, RuleId::MouthClosed);
    let gap = part("mouth_opening", id, m.mouth_opening, &q.mouth_opening, Unit::Ratio, Reason::MouthOpen);
    let open = worst(gap, part("jaw_open", id, m.jaw_open, &q.jaw_open, Unit::Ratio, Reason::MouthOpen));
    // Teeth between the lips is a smile even when the lips barely part.
    let teeth = part("smile", id, m.smile, &q.smile, Unit::Ratio, Reason::TeethShowing);
    // Raised corners: a closed-lip smile.
    let lift =
        part("mouth_corner_lift", id, m.mouth_corner_lift, &q.mouth_corner_lift, Unit::Ratio, Reason::CornersRaised);
    worst(worst(open, teeth), lift)
}

fn exposure(m: &Measurements, spec: &Spec) -> Verdict {
    let (q, id) = (&spec.quality, RuleId::Exposure);
    let level = named(band(id, m.face_lightness, &q.face_lightness, Unit::Lightness), "face_lightness");
    let scene = part("highlights", id, m.highlights, &q.highlights, Unit::Lightness, Reason::DarkScene);
    let clipped =
        part("face_clipped_pct", id, m.face_clipped_pct, &q.face_clipped_pct, Unit::Percent, Reason::BurntOut);
    // The face's own level is reported when nothing is wrong.
    worst(worst(level, scene), clipped)
}

fn background_uniformity(m: &Measurements, spec: &Spec, ctx: &Context) -> Verdict {
    let q = &spec.quality;
    let mut v = band(
        RuleId::BackgroundUniformity,
        m.background_lightness_spread,
        &q.background_lightness_spread,
        Unit::Lightness,
    );
    // A busy background painted over leaves doubt at the hair and shoulders: a person looks.
    if ctx.background_replaced && v.status == Status::Fail {
        v.status = Status::NeedsPerson;
        v.reason = Reason::ReplacedBusy;
    }
    v
}

/// The clothing against the background the photo will have (the new one where the booth
/// replaces it). Below the spec's `min` a person looks rather than the rule failing: the
/// guidance is a recommendation, and hair over a shoulder or a collar of another colour can
/// mislead the measure.
fn clothing_contrast(m: &Measurements, limit: &crate::spec::Limit, ctx: &Context) -> Verdict {
    let backdrop = ctx.new_background_lab.or(m.background_lab);
    let de = m
        .clothing_lab
        .zip(backdrop)
        .map(|(c, b)| crate::pixels::delta_e(c.map(|v| v as f32), b.map(|v| v as f32)) as f64);
    let mut v = appearance::doubt(band(RuleId::ClothingContrast, de, limit, Unit::DeltaE));
    if v.status == Status::Fail {
        v.status = Status::NeedsPerson;
        v.reason = Reason::Uncertain;
    }
    v
}

fn background_color(m: &Measurements, spec: &Spec, ctx: &Context) -> Verdict {
    let q = &spec.quality;
    let nearest = m.background_lab.and_then(|lab| spec.nearest_background(lab));
    let mut v = band(RuleId::BackgroundColor, nearest.map(|n| n.1), &q.background_color_delta_e, Unit::DeltaE);
    v.detail = nearest.map(|n| n.0.name.clone());
    // The colour as photographed is off, but the booth paints an allowed one.
    if ctx.background_replaced && matches!(v.status, Status::Fail | Status::Warn) {
        v.status = Status::Pass;
        v.reason = Reason::Replaced;
    }
    v
}
