//! The appearance rules (issue 11): expression, glasses, headwear, hair over eyes and brows,
//! ears, jewellery, shadows and reflections. Their measures are signals, not certainties: the
//! spec's `warn` band is where a signal is too weak to decide, and there a person decides
//! (`needs_person`, reason `uncertain`) instead of the rule passing.

use super::rules::part;
use super::{Reason, RuleId, Status, Unit, Verdict, band, named, worst};
use crate::measure::Measurements;
use crate::spec::{Limit, Spec};

/// A band whose warning zone is doubt: a person decides there.
pub(super) fn doubt(mut v: Verdict) -> Verdict {
    if v.status == Status::Warn {
        v.status = Status::NeedsPerson;
        v.reason = Reason::Uncertain;
    }
    v
}

/// A share of skin that must be high (ears, brows, lids uncovered).
pub(super) fn low_share(id: RuleId, value: Option<f64>, limit: &Limit) -> Verdict {
    doubt(band(id, value, limit, Unit::Ratio))
}

/// Natural expression: no smile, nothing but a neutral face (the expression model's
/// coefficients; teeth and lips are judged by `mouth_closed`).
pub(super) fn expression(m: &Measurements, spec: &Spec) -> Verdict {
    let (q, id) = (&spec.quality, RuleId::Expression);
    let smile = part("smile_score", id, m.smile_score, &q.smile_score, Unit::Ratio, Reason::Smiling);
    let other = part("expression_other", id, m.expression_other, &q.expression_other, Unit::Ratio, Reason::NotNeutral);
    // Teeth between the lips is a smile whatever the model says.
    let teeth = part("smile", id, m.smile, &q.smile, Unit::Ratio, Reason::Smiling);
    let v = worst(worst(smile, other), teeth);
    if v.status == Status::Warn { Verdict { status: Status::NeedsPerson, reason: Reason::Uncertain, ..v } } else { v }
}

/// Glasses: worn at all where the spec forbids them; tinted lenses always; glare where clear
/// glasses are allowed.
pub(super) fn glasses(m: &Measurements, spec: &Spec) -> Verdict {
    let (q, id) = (&spec.quality, RuleId::Glasses);
    let frame = doubt(named(band(id, m.glasses_bridge, &q.glasses_bridge, Unit::Lightness), "glasses_bridge"));
    let worn = frame.status == Status::Fail;
    let allowed = spec.glasses_allowed();
    if !worn {
        return frame; // pass, or a person looks at a faint line
    }
    let tint = part("glasses_tint", id, m.glasses_tint, &q.glasses_tint, Unit::Stops, Reason::TintedLenses);
    if tint.status == Status::Fail {
        return tint;
    }
    if !allowed {
        return Verdict { reason: Reason::GlassesWorn, ..frame };
    }
    let glare = part("lens_glare_pct", id, m.lens_glare_pct, &q.lens_glare_pct, Unit::Percent, Reason::LensGlare);
    // Clear glasses where they are allowed: the lenses decide.
    let lenses = worst(tint, glare);
    if lenses.status == Status::Warn { Verdict { status: Status::NeedsPerson, ..lenses } } else { lenses }
}

/// Headwear: something tall on the head (mask above the skull), a top of the head in a colour
/// hair does not take, or one made of dark and light parts (a cap's band and crown).
pub(super) fn headwear(m: &Measurements, spec: &Spec) -> Verdict {
    let (q, id) = (&spec.quality, RuleId::Headwear);
    let tall = named(band(id, m.headwear_excess, &q.headwear_excess, Unit::Ipd), "headwear_excess");
    let colour = doubt(part("headwear_hue", id, m.headwear_hue, &q.headwear_hue, Unit::Ratio, Reason::NotHair));
    let parts =
        doubt(part("headwear_spread", id, m.headwear_spread, &q.headwear_spread, Unit::Lightness, Reason::NotHair));
    worst(worst(colour, parts), tall)
}

/// Hair over the eyes hangs from above: bare skin just above the brows rules it out; where
/// that band is covered, the upper lids decide.
pub(super) fn hair_over_eyes(m: &Measurements, spec: &Spec) -> Verdict {
    let value = match (m.brows_skin, m.lids_skin) {
        (Some(b), Some(l)) => Some(b.max(l)),
        _ => None,
    };
    low_share(RuleId::HairOverEyes, value, &spec.quality.lids_skin)
}

/// Jewellery: strong spots fail; anything else is left to a person, because a small pearl or
/// stud can hide from the measure (docs/rules.md) — this rule never passes on its own.
pub(super) fn jewellery(m: &Measurements, limit: &Limit) -> Verdict {
    let mut v = band(RuleId::Jewellery, m.jewellery_spots, limit, Unit::Ratio);
    if matches!(v.status, Status::Pass | Status::Warn) {
        v.status = Status::NeedsPerson;
        v.reason = Reason::Uncertain;
    }
    v
}
