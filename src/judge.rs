//! Judge: every rule is a small unit that reads one measurement, compares it with the spec's
//! band and says pass / warn / fail / not checked, with the value, the band and a reason a
//! person can act on. A rule never passes what it could not measure.

use serde::{Deserialize, Serialize};

use crate::Lang;
use crate::i18n::tr;
use crate::measure::Measurements;
use crate::spec::{Limit, Spec};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Warn,
    Fail,
    NotChecked,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Verdict {
    pub id: String,
    pub status: Status,
    pub value: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub unit: String,
    pub title: String,
    pub message: String,
}

/// The rule ids, in checklist order.
pub const RULES: &[&str] = &[
    "single_face",
    "resolution",
    "head_height",
    "face_width",
    "inter_pupil",
    "eye_line",
    "crown_margin",
    "chin_margin",
    "centering",
    "roll",
    "yaw",
    "pitch",
    "eyes_open",
    "mouth_closed",
    "headwear",
    "exposure",
    "lighting_uniformity",
    "background_uniformity",
    "background_color",
    "sharpness",
];

/// Rules about where the head sits in the frame: what the crop solver controls.
pub const GEOMETRY_RULES: &[&str] =
    &["head_height", "face_width", "inter_pupil", "eye_line", "crown_margin", "chin_margin", "centering"];

pub fn judge(m: &Measurements, spec: &Spec, lang: Lang) -> Vec<Verdict> {
    RULES.iter().map(|id| judge_one(id, m, spec, lang)).collect()
}

pub fn failed(verdicts: &[Verdict]) -> bool {
    verdicts.iter().any(|v| v.status == Status::Fail)
}

fn judge_one(id: &str, m: &Measurements, spec: &Spec, lang: Lang) -> Verdict {
    let g = &spec.geometry;
    let q = &spec.quality;
    let p = &spec.pose;
    fn band<'a>(id: &'a str, lang: Lang, value: Option<f64>, limit: Option<&'a Limit>, unit: &'a str) -> Band<'a> {
        Band { id, value, limit, unit, lang, swap: false }
    }
    let band = |value, limit, unit| band(id, lang, value, limit, unit);
    match id {
        "single_face" => single_face(m, lang),
        "resolution" => band(m.upscale, Some(&q.upscale), "×").judge(),
        "head_height" => band(m.head_height, g.head_height.as_ref(), "px").judge(),
        "face_width" => band(m.face_width, g.face_width.as_ref(), "px").judge(),
        "inter_pupil" => band(m.inter_pupil, g.inter_pupil.as_ref(), "px").judge(),
        "eye_line" => match (&g.eye_line_from_top, &g.eye_line_from_bottom) {
            (Some(t), _) => band(m.eye_line_from_top, Some(t), "px").judge(),
            // Measured from the bottom, a small value means the eyes are low: swap the advice.
            (None, Some(b)) => Band { swap: true, ..band(m.eye_line_from_bottom, Some(b), "px") }.judge(),
            (None, None) => band(None, None, "px").judge(),
        },
        "crown_margin" => {
            let mut v = band(m.crown_margin, g.crown_margin.as_ref(), "px").judge();
            if m.head_top_problem.as_deref() == Some("cut_off") {
                v.status = Status::Fail;
                v.message = tr(lang, "rules.crown_margin.cut_off", &[]);
            }
            v
        }
        "chin_margin" => band(m.chin_margin, g.chin_margin.as_ref(), "px").judge(),
        "centering" => band(m.center_offset.map(f64::abs), g.centering.as_ref(), "px").judge(),
        "roll" => band(m.roll.map(f64::abs), Some(&p.roll_deg), "°").judge(),
        "yaw" => band(m.yaw.map(f64::abs), Some(&p.yaw_deg), "°").judge(),
        "pitch" => band(m.pitch.map(f64::abs), Some(&p.pitch_deg), "°").judge(),
        "eyes_open" => band(m.eye_openness, Some(&q.eye_openness), "").judge(),
        "mouth_closed" => mouth_closed(m, spec, lang),
        "headwear" => band(m.headwear_excess, Some(&q.headwear_excess), "IPD").judge(),
        "exposure" => exposure(m, spec, lang),
        "lighting_uniformity" => {
            band(m.face_side_difference.map(f64::abs), Some(&q.face_side_difference), "L*").judge()
        }
        "background_uniformity" => {
            band(m.background_lightness_spread, Some(&q.background_lightness_spread), "L*").judge()
        }
        "background_color" => background_color(m, spec, lang),
        "sharpness" => band(m.sharpness, Some(&q.sharpness), "").judge(),
        _ => band(None, None, "").judge(),
    }
}

/// A measurement against a band.
struct Band<'a> {
    id: &'a str,
    value: Option<f64>,
    limit: Option<&'a Limit>,
    unit: &'a str,
    lang: Lang,
    /// Swap the low/high advice (for measures taken from the opposite edge).
    swap: bool,
}

impl Band<'_> {
    fn judge(&self) -> Verdict {
        self.judge_with(&[])
    }
    fn judge_with(&self, extra: &[(&str, String)]) -> Verdict {
        let key = |k: &str| format!("rules.{}.{k}", self.id);
        let lim = self.limit;
        let mut v = Verdict {
            id: self.id.to_string(),
            status: Status::NotChecked,
            value: self.value.map(round2),
            min: lim.and_then(|l| l.min),
            max: lim.and_then(|l| l.max),
            unit: self.unit.to_string(),
            title: tr(self.lang, &key("title"), &[]),
            message: String::new(),
        };
        let mut args: Vec<(&str, String)> = vec![
            ("value", self.value.map(fmt_num).unwrap_or_default()),
            ("min", v.min.map(fmt_num).unwrap_or_default()),
            ("max", v.max.map(fmt_num).unwrap_or_default()),
            ("unit", self.unit.to_string()),
        ];
        args.extend(extra.iter().cloned());
        let Some(lim) = lim else {
            v.message = tr(self.lang, "common.no_limit", &[]);
            return v;
        };
        let Some(x) = self.value else {
            v.message = tr(self.lang, &key("unknown"), &args);
            return v;
        };
        let (low, high) = if self.swap { ("high", "low") } else { ("low", "high") };
        let pick = |a: &str, b: &str| {
            if crate::i18n::has(self.lang, &key(a)) { key(a) } else { key(b) }
        };
        let (status, msg) = if lim.min.is_some_and(|m| x < m) {
            (Status::Fail, key(low))
        } else if lim.max.is_some_and(|m| x > m) {
            (Status::Fail, key(high))
        } else if lim.warn_below.is_some_and(|m| x < m) {
            (Status::Warn, pick("warn_low", "warn"))
        } else if lim.warn_above.is_some_and(|m| x > m) {
            (Status::Warn, pick("warn_high", "warn"))
        } else {
            (Status::Pass, key("pass"))
        };
        v.status = status;
        v.message = tr(self.lang, &msg, &args);
        v
    }
}

fn single_face(m: &Measurements, lang: Lang) -> Verdict {
    let n = m.faces;
    let (status, key) = match n {
        1 => (Status::Pass, "pass"),
        0 => (Status::Fail, "none"),
        _ => (Status::Fail, "many"),
    };
    Verdict {
        id: "single_face".into(),
        status,
        value: Some(n as f64),
        min: Some(1.0),
        max: Some(1.0),
        unit: "faces".into(),
        title: tr(lang, "rules.single_face.title", &[]),
        message: tr(lang, &format!("rules.single_face.{key}"), &[("value", n.to_string())]),
    }
}

fn mouth_closed(m: &Measurements, spec: &Spec, lang: Lang) -> Verdict {
    let q = &spec.quality;
    let open =
        Band { id: "mouth_closed", value: m.mouth_opening, limit: Some(&q.mouth_opening), unit: "", lang, swap: false }
            .judge();
    // Teeth showing between the lips is a smile even when the lips barely part.
    let smile = Band { id: "mouth_closed", value: m.smile, limit: Some(&q.smile), unit: "", lang, swap: false }.judge();
    // Raised corners: a closed-lip smile.
    let lift = Band {
        id: "mouth_closed",
        value: m.mouth_corner_lift,
        limit: Some(&q.mouth_corner_lift),
        unit: "",
        lang,
        swap: false,
    }
    .judge();
    worst(worst(open, smile), lift)
}

fn exposure(m: &Measurements, spec: &Spec, lang: Lang) -> Verdict {
    let q = &spec.quality;
    let level =
        Band { id: "exposure", value: m.face_lightness, limit: Some(&q.face_lightness), unit: "L*", lang, swap: false }
            .judge();
    let mut light =
        Band { id: "exposure", value: m.highlights, limit: Some(&q.highlights), unit: "L*", lang, swap: false }.judge();
    if matches!(light.status, Status::Fail | Status::Warn) {
        let key =
            if light.status == Status::Fail { "rules.exposure.dark_scene" } else { "rules.exposure.warn_dark_scene" };
        light.message = tr(lang, key, &[("value", m.highlights.map(fmt_num).unwrap_or_default())]);
    }
    let mut clip = Band {
        id: "exposure",
        value: m.face_clipped_pct,
        limit: Some(&q.face_clipped_pct),
        unit: "%",
        lang,
        swap: false,
    }
    .judge();
    if matches!(clip.status, Status::Fail | Status::Warn) {
        clip.message =
            tr(lang, "rules.exposure.clipped", &[("value", m.face_clipped_pct.map(fmt_num).unwrap_or_default())]);
    }
    // Report the face's own level when nothing is wrong, so the checklist shows a face number.
    worst(worst(level, light), clip)
}

fn background_color(m: &Measurements, spec: &Spec, lang: Lang) -> Verdict {
    let name = |n: &str| {
        spec.background_color(n)
            .map(|c| match (lang, &c.name_zh) {
                (Lang::Zh, Some(z)) => z.clone(),
                _ => c.name.replace('-', " "),
            })
            .unwrap_or_else(|| n.to_string())
    };
    let allowed = spec.background.colors.iter().map(|c| name(&c.name)).collect::<Vec<_>>().join(" / ");
    let (value, color) = match &m.background_color {
        Some((c, d)) => (Some(*d), name(c)),
        None => (None, String::new()),
    };
    let q = &spec.quality;
    Band { id: "background_color", value, limit: Some(&q.background_color_delta_e), unit: "ΔE", lang, swap: false }
        .judge_with(&[("color", color), ("allowed", allowed)])
}

/// The more severe of two verdicts on the same rule.
fn worst(a: Verdict, b: Verdict) -> Verdict {
    let rank = |s: Status| match s {
        Status::Fail => 3,
        Status::Warn => 2,
        Status::Pass => 1,
        Status::NotChecked => 0,
    };
    // A pass needs both halves measured: one unmeasured half keeps the verdict from passing.
    if a.status == Status::Pass && b.status == Status::NotChecked && b.value.is_none() && b.max.is_some() {
        return a;
    }
    if rank(b.status) > rank(a.status) { b } else { a }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn fmt_num(x: f64) -> String {
    if (x - x.round()).abs() < 0.05 { format!("{}", x.round() as i64) } else { format!("{x:.1}") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::SpecBook;

    fn spec() -> Spec {
        SpecBook::builtin().get("cn-exit-entry").unwrap().clone()
    }

    fn find<'a>(v: &'a [Verdict], id: &str) -> &'a Verdict {
        v.iter().find(|x| x.id == id).unwrap()
    }

    #[test]
    fn nothing_measured_means_nothing_passes() {
        let v = judge(&Measurements::default(), &spec(), Lang::En);
        assert_eq!(v.len(), RULES.len());
        assert_eq!(find(&v, "single_face").status, Status::Fail);
        for x in &v[1..] {
            assert_eq!(x.status, Status::NotChecked, "{} claimed {:?}", x.id, x.status);
        }
    }

    #[test]
    fn bands_give_pass_warn_fail_with_actionable_messages() {
        let m = Measurements {
            head_height: Some(340.0),
            roll: Some(-8.0),
            upscale: Some(1.2),
            faces: 1,
            ..Default::default()
        };
        let v = judge(&m, &spec(), Lang::En);
        let hh = find(&v, "head_height");
        assert_eq!(hh.status, Status::Fail);
        assert_eq!((hh.min, hh.max), (Some(354.0), Some(402.0)));
        assert!(hh.message.contains("too small"), "{}", hh.message);
        let roll = find(&v, "roll");
        assert_eq!((roll.status, roll.value), (Status::Fail, Some(8.0)));
        assert_eq!(find(&v, "resolution").status, Status::Warn);
        let zh = judge(&m, &spec(), Lang::Zh);
        assert!(find(&zh, "roll").message.contains("倾斜 8°"), "{}", find(&zh, "roll").message);
    }

    #[test]
    fn eye_line_from_the_bottom_swaps_the_advice() {
        let book = SpecBook::builtin();
        let id = book.get("cn-resident-id").unwrap();
        if id.geometry.eye_line_from_top.is_none() && id.geometry.eye_line_from_bottom.is_some() {
            let m = Measurements { eye_line_from_bottom: Some(100.0), faces: 1, ..Default::default() };
            let v = judge(&m, id, Lang::En);
            let e = find(&v, "eye_line");
            assert_eq!(e.status, Status::Fail);
            assert!(e.message.contains("too low"), "{}", e.message);
        }
    }

    #[test]
    fn a_cut_off_head_fails_the_crown_rule_with_its_own_reason() {
        let m = Measurements { head_top_problem: Some("cut_off".into()), faces: 1, ..Default::default() };
        let v = judge(&m, &spec(), Lang::En);
        let c = find(&v, "crown_margin");
        assert_eq!(c.status, Status::Fail);
        assert!(c.message.contains("cut off"));
    }

    #[test]
    fn exposure_and_mouth_take_the_worse_of_their_two_measures() {
        let m = Measurements {
            face_lightness: Some(60.0),
            face_clipped_pct: Some(20.0),
            mouth_opening: Some(0.01),
            smile: Some(0.9),
            faces: 1,
            ..Default::default()
        };
        let v = judge(&m, &spec(), Lang::En);
        assert_eq!(find(&v, "exposure").status, Status::Fail);
        assert!(find(&v, "exposure").message.contains("burnt out"));
        assert_eq!(find(&v, "mouth_closed").status, Status::Fail);
    }
}
