use super::*;
use crate::measure::HeadTopProblem;
use crate::spec::SpecBook;

fn spec(id: &str) -> Spec {
    SpecBook::builtin().get(id).unwrap().clone()
}

fn find(v: &[Verdict], id: RuleId) -> &Verdict {
    v.iter().find(|x| x.rule == id).unwrap_or_else(|| panic!("no {id}"))
}

fn framed() -> Context {
    Context { framed: true, ..Context::default() }
}

#[test]
fn nothing_measured_means_nothing_passes() {
    let v = judge(&Measurements::default(), &spec("cn-exit-entry"), &framed());
    assert_eq!(find(&v, RuleId::SingleFace).status, Status::Fail);
    // No face: every other rule is unmeasured for that reason, and says so.
    for x in v.iter().filter(|x| x.rule != RuleId::SingleFace) {
        assert_eq!((x.status, x.reason), (Status::NotChecked, Reason::NoFace), "{}", x.rule);
        for lang in [crate::Lang::En, crate::Lang::Zh] {
            let (_, text) = crate::i18n::verdict_text(x, &spec("cn-exit-entry"), lang);
            assert!(text.contains("face") || text.contains("人脸"), "{}: {text}", x.rule);
        }
    }
    assert_eq!(Overall::of(&v), Overall::Fail);
    // A face whose measures all failed: unmeasured, each for its own cause.
    let one = Measurements { faces: 1, ..Measurements::default() };
    let v = judge(&one, &spec("cn-exit-entry"), &framed());
    assert_eq!(find(&v, RuleId::SingleFace).status, Status::Pass);
    for x in v.iter().filter(|x| x.rule != RuleId::SingleFace) {
        assert_eq!((x.status, x.reason), (Status::NotChecked, Reason::NotMeasured), "{}", x.rule);
    }
    assert_eq!(Overall::of(&v), Overall::NeedsPerson);
}

#[test]
fn rules_the_spec_does_not_define_are_left_out() {
    // The exit-entry spec bands no chin margin; ICAO bands no crown margin in pixels.
    let v = judge(&Measurements::default(), &spec("cn-exit-entry"), &framed());
    assert!(v.iter().all(|x| x.rule != RuleId::ChinMargin));
    assert!(v.iter().any(|x| x.rule == RuleId::CrownMargin));
}

#[test]
fn one_unmeasured_rule_makes_the_photo_need_a_person_never_pass() {
    let pass = |rule| Verdict {
        rule,
        status: Status::Pass,
        reason: Reason::InBand,
        value: Some(1.0),
        min: None,
        max: None,
        warn_min: None,
        warn_max: None,
        unit: Unit::Px,
        edges: vec![],
        detail: None,
        measure: None,
    };
    let mut v: Vec<Verdict> = [RuleId::Roll, RuleId::Yaw].map(pass).to_vec();
    assert_eq!(Overall::of(&v), Overall::Pass);
    v.push(Verdict { status: Status::NotChecked, reason: Reason::NotMeasured, ..pass(RuleId::Pitch) });
    assert_eq!(Overall::of(&v), Overall::NeedsPerson);
    v.push(Verdict { status: Status::Fail, reason: Reason::TooHigh, ..pass(RuleId::Exposure) });
    assert_eq!(Overall::of(&v), Overall::Fail);
    assert_eq!(Overall::of(&[]), Overall::NeedsPerson);
}

#[test]
fn bands_give_pass_warn_fail_with_reason_codes() {
    let m = Measurements {
        head_height: Some(340.0),
        roll: Some(-8.0),
        upscale: Some(1.2),
        yaw: Some(6.0),
        faces: 1,
        ..Default::default()
    };
    let v = judge(&m, &spec("cn-exit-entry"), &framed());
    let hh = find(&v, RuleId::HeadHeight);
    assert_eq!((hh.status, hh.reason), (Status::Fail, Reason::TooLow));
    assert_eq!((hh.min, hh.max), (Some(354.0), Some(402.0)));
    let roll = find(&v, RuleId::Roll);
    assert_eq!((roll.status, roll.reason, roll.value), (Status::Fail, Reason::TooHigh, Some(8.0)));
    assert_eq!(find(&v, RuleId::Resolution).reason, Reason::NearHigh);
    assert_eq!(find(&v, RuleId::Yaw).status, Status::Warn);
}

#[test]
fn a_head_the_crop_turns_past_the_band_fails_though_it_was_photographed_level() {
    let s = spec("cn-exit-entry");
    let tilt = |posed: f64, in_frame: f64| {
        let m = Measurements { roll: Some(posed), roll_in_frame: Some(in_frame), faces: 1, ..Default::default() };
        find(&judge(&m, &s, &framed()), RuleId::Roll).clone()
    };
    // The auto crop levels a 3.15° head: it passes, named as photographed.
    let v = tilt(3.15, 0.15);
    assert_eq!((v.status, v.value, v.measure.as_deref()), (Status::Pass, Some(3.15), Some("roll_photo")));
    // Turned by hand to just inside the band: it passes, and the row shows the frame's tilt,
    // the figure nearer its bound, not the level pose.
    let v = tilt(1.2, -4.95);
    assert_eq!((v.status, v.value, v.measure.as_deref()), (Status::Pass, Some(4.95), Some("roll_in_frame")));
    // Staff turned the crop 6° by hand: the exported eye line leans 6.15°.
    let v = tilt(3.15, -6.15);
    assert_eq!((v.status, v.reason, v.value), (Status::Fail, Reason::TiltedByCrop, Some(6.15)));
    assert_eq!(v.measure.as_deref(), Some("roll_in_frame"));
    let (_, text) = crate::i18n::verdict_text(&v, &s, crate::Lang::En);
    assert!(text.contains("turn the crop back"), "{text}");
    // A head tilted as photographed fails whatever the crop does.
    assert_eq!(tilt(-8.0, 0.0).reason, Reason::TooHigh);
}

#[test]
fn exposure_and_mouth_need_every_part_measured_and_name_the_part_that_failed() {
    let s = spec("cn-exit-entry");
    let m = Measurements {
        face_lightness: Some(60.0),
        highlights: Some(95.0),
        face_clipped_pct: Some(0.0),
        mouth_opening: Some(0.01),
        smile: Some(0.0),
        faces: 1,
        ..Default::default()
    };
    // Mouth: opening and teeth fine, corner lift unmeasured → not a pass.
    let v = judge(&m, &s, &framed());
    assert_eq!(find(&v, RuleId::Exposure).status, Status::Pass);
    assert_eq!(find(&v, RuleId::MouthClosed).status, Status::NotChecked);
    let v = judge(
        &Measurements { face_clipped_pct: Some(20.0), smile: Some(0.9), mouth_corner_lift: Some(0.0), ..m.clone() },
        &s,
        &framed(),
    );
    assert_eq!(find(&v, RuleId::Exposure).reason, Reason::BurntOut);
    assert_eq!(find(&v, RuleId::MouthClosed).reason, Reason::TeethShowing);
    let v = judge(&Measurements { highlights: None, ..m }, &s, &framed());
    assert_eq!(find(&v, RuleId::Exposure).status, Status::NotChecked);
}

#[test]
fn eye_line_from_the_bottom_swaps_the_advice() {
    let id = spec("cn-resident-id");
    assert!(id.geometry.eye_line_from_top.is_none() && id.geometry.eye_line_from_bottom.is_some());
    let m = Measurements { eye_line_from_bottom: Some(1.0), faces: 1, ..Default::default() };
    let e = judge(&m, &id, &framed()).into_iter().find(|v| v.rule == RuleId::EyeLine).unwrap();
    // Few pixels below the eyes: the eyes sit too low in the frame.
    assert_eq!((e.status, e.reason), (Status::Fail, Reason::TooHigh));
}

#[test]
fn a_cut_off_head_fails_the_crown_rule_with_its_own_reason() {
    let m = Measurements { head_top_problem: Some(HeadTopProblem::CutOff), faces: 1, ..Default::default() };
    let c = find(&judge(&m, &spec("cn-exit-entry"), &framed()), RuleId::CrownMargin).clone();
    assert_eq!((c.status, c.reason), (Status::Fail, Reason::HeadCutOff));
}

#[test]
fn photo_edges_explain_framing_failures_and_an_impossible_crop_fails_every_framing_rule() {
    let s = spec("cn-exit-entry");
    let m = Measurements { crown_margin: Some(10.0), head_height: Some(340.0), faces: 1, ..Default::default() };
    let ctx = Context { framed: true, edges: vec![Side::Top], ..Context::default() };
    let v = judge(&m, &s, &ctx);
    let crown = find(&v, RuleId::CrownMargin);
    assert_eq!((crown.status, crown.reason, crown.edges.clone()), (Status::Fail, Reason::PhotoEdge, vec![Side::Top]));
    let hh = find(&v, RuleId::HeadHeight);
    assert_eq!((hh.reason, hh.edges.clone()), (Reason::TooLow, vec![Side::Top]));
    let none = judge(
        &Measurements { faces: 1, ..Default::default() },
        &s,
        &Context { framed: false, edges: vec![Side::Bottom], ..Context::default() },
    );
    for v in none.iter().filter(|v| v.rule.is_geometry()) {
        assert_eq!((v.status, v.reason), (Status::Fail, Reason::PhotoEdge), "{}", v.rule);
    }
}

/// The top edge explains too little space above the head, never too much: a frame with 106 px
/// above the head fails as "too much space", without "cut too tight above the head".
#[test]
fn an_edge_explains_only_the_failure_it_can_cause() {
    let s = spec("cn-exit-entry");
    let m = Measurements { crown_margin: Some(106.0), faces: 1, ..Default::default() };
    let top = Context { framed: true, edges: vec![Side::Top], ..Context::default() };
    let crown = find(&judge(&m, &s, &top), RuleId::CrownMargin).clone();
    assert_eq!((crown.status, crown.reason, crown.edges), (Status::Fail, Reason::TooHigh, vec![]));
    // The bottom edge, which pushed the frame up, does explain it.
    let bottom = Context { framed: true, edges: vec![Side::Bottom], ..Context::default() };
    let crown = find(&judge(&m, &s, &bottom), RuleId::CrownMargin).clone();
    assert_eq!((crown.reason, crown.edges), (Reason::TooHigh, vec![Side::Bottom]));
}

#[test]
fn a_replaced_background_is_judged_as_photographed_with_the_edit_named() {
    let s = spec("cn-exit-entry");
    // A busy, blue-grey room behind the person.
    let m = Measurements {
        background_lab: Some([55.0, -5.0, -20.0]),
        background_lightness_spread: Some(12.0),
        faces: 1,
        ..Default::default()
    };
    let kept = judge(&m, &s, &framed());
    assert_eq!(find(&kept, RuleId::BackgroundUniformity).status, Status::Fail);
    assert_eq!(find(&kept, RuleId::BackgroundColor).status, Status::Fail);
    let ctx = Context { framed: true, background_replaced: true, ..Context::default() };
    let replaced = judge(&m, &s, &ctx);
    let u = find(&replaced, RuleId::BackgroundUniformity);
    assert_eq!((u.status, u.reason, u.value), (Status::NeedsPerson, Reason::ReplacedBusy, Some(12.0)));
    let c = find(&replaced, RuleId::BackgroundColor);
    assert_eq!((c.status, c.reason), (Status::Pass, Reason::Replaced));
    assert!(c.value.unwrap() > 10.0, "the captured colour's distance is shown");
}

#[test]
fn rule_ids_round_trip_as_their_stable_names() {
    for id in RuleId::ALL {
        assert_eq!(id.as_str().parse::<RuleId>().unwrap(), id);
        assert_eq!(serde_json::to_value(id).unwrap(), id.as_str());
    }
    assert!("no_such_rule".parse::<RuleId>().is_err());
}

#[test]
fn every_rule_and_reason_has_text_in_both_languages() {
    use crate::Lang;
    let s = spec("cn-exit-entry");
    let reasons = [
        Reason::InBand,
        Reason::NearLow,
        Reason::NearHigh,
        Reason::TooLow,
        Reason::TooHigh,
        Reason::NotMeasured,
        Reason::NoFace,
        Reason::ManyFaces,
        Reason::HeadCutOff,
        Reason::PhotoEdge,
        Reason::DarkScene,
        Reason::BurntOut,
        Reason::MouthOpen,
        Reason::TeethShowing,
        Reason::CornersRaised,
        Reason::Replaced,
        Reason::ReplacedBusy,
        Reason::Uncertain,
        Reason::EyesClosed,
        Reason::Smiling,
        Reason::NotNeutral,
        Reason::GlassesWorn,
        Reason::TintedLenses,
        Reason::LensGlare,
        Reason::NotHair,
        Reason::TiltedByCrop,
    ];
    for lang in [Lang::En, Lang::Zh] {
        for rule in RuleId::ALL {
            for reason in reasons {
                let v = Verdict {
                    rule,
                    status: Status::Fail,
                    reason,
                    value: Some(1.0),
                    min: Some(0.0),
                    max: Some(2.0),
                    warn_min: None,
                    warn_max: None,
                    unit: Unit::Px,
                    edges: if reason == Reason::PhotoEdge { vec![Side::Top] } else { vec![] },
                    detail: None,
                    measure: None,
                };
                let (title, message) = crate::i18n::verdict_text(&v, &s, lang);
                assert!(!title.contains("rules.") && !message.is_empty(), "{rule}/{reason:?}: {title} / {message}");
                assert!(!message.contains("rules.") && !message.contains("reasons."), "{rule}/{reason:?}: {message}");
                assert!(!message.contains('{'), "unfilled placeholder in {rule}/{reason:?}: {message}");
            }
        }
    }
}

#[test]
fn every_band_a_spec_states_is_a_rule() {
    let m = Measurements { faces: 1, ..Default::default() };
    for s in SpecBook::builtin().all() {
        let g = &s.geometry;
        let v = judge(&m, s, &framed());
        let stated = [
            (g.head_height.is_some(), RuleId::HeadHeight),
            (g.face_width.is_some(), RuleId::FaceWidth),
            (g.inter_pupil.is_some(), RuleId::InterPupil),
            (g.eye_line_from_top.is_some() || g.eye_line_from_bottom.is_some(), RuleId::EyeLine),
            (g.crown_margin.is_some() || g.hair_margin.is_some(), RuleId::CrownMargin),
            (g.chin_margin.is_some(), RuleId::ChinMargin),
            (g.centering.is_some() || g.eye_mid_from_left.is_some(), RuleId::Centering),
        ];
        for (is_stated, rule) in stated {
            assert_eq!(v.iter().any(|x| x.rule == rule), is_stated, "{}: {rule}", s.id);
        }
    }
}

#[test]
fn hair_cut_by_the_frame_fails_even_where_the_crown_is_the_skull() {
    let s = spec("icao-35x45");
    let m = Measurements { faces: 1, hair_margin: Some(-5.0), ..Default::default() };
    let c = find(&judge(&m, &s, &framed()), RuleId::CrownMargin).clone();
    assert_eq!((c.status, c.reason), (Status::Fail, Reason::TooLow));
    let m = Measurements { faces: 1, hair_margin: Some(40.0), ..Default::default() };
    assert_eq!(find(&judge(&m, &s, &framed()), RuleId::CrownMargin).status, Status::Pass);
    // A hair top that was not found is never a pass.
    let m = Measurements { faces: 1, ..Default::default() };
    assert_eq!(find(&judge(&m, &s, &framed()), RuleId::CrownMargin).status, Status::NotChecked);
}

#[test]
fn the_eye_window_is_judged_as_centring() {
    let s = spec("cn-social-security");
    let at = |x: f64| Measurements { faces: 1, eye_mid_from_left: Some(x), ..Default::default() };
    let c = find(&judge(&at(179.0), &s, &framed()), RuleId::Centering).clone();
    assert_eq!((c.status, c.max), (Status::Pass, Some(17.0)));
    assert_eq!(find(&judge(&at(150.0), &s, &framed()), RuleId::Centering).status, Status::Fail);
}

#[test]
fn glasses_fail_where_forbidden_and_tint_fails_everywhere() {
    let worn = Measurements {
        glasses_bridge: Some(25.0),
        glasses_tint: Some(0.2),
        lens_glare_pct: Some(0.0),
        faces: 1,
        ..Default::default()
    };
    let g = |m: &Measurements, s: &str| find(&judge(m, &spec(s), &framed()), RuleId::Glasses).clone();
    let ee = g(&worn, "cn-exit-entry");
    assert_eq!((ee.status, ee.reason), (Status::Fail, Reason::GlassesWorn));
    assert_eq!(g(&worn, "icao-35x45").status, Status::Pass, "clear glasses without glare are allowed by ICAO");
    let tinted = Measurements { glasses_tint: Some(2.5), ..worn.clone() };
    for s in ["cn-exit-entry", "icao-35x45"] {
        assert_eq!(g(&tinted, s).reason, Reason::TintedLenses, "{s}");
    }
    let glare = Measurements { lens_glare_pct: Some(9.0), ..worn.clone() };
    assert_eq!(g(&glare, "icao-35x45").reason, Reason::LensGlare);
    // A faint line: a person decides; none: pass.
    let faint = Measurements { glasses_bridge: Some(10.0), ..worn.clone() };
    assert_eq!(
        (g(&faint, "cn-exit-entry").status, g(&faint, "cn-exit-entry").reason),
        (Status::NeedsPerson, Reason::Uncertain)
    );
    let bare = Measurements { glasses_bridge: Some(2.0), ..worn };
    assert_eq!(g(&bare, "cn-exit-entry").status, Status::Pass);
}

#[test]
fn jewellery_never_passes_on_its_own_and_is_left_out_where_allowed() {
    let m = Measurements { jewellery_spots: Some(0.0), faces: 1, ..Default::default() };
    let j = find(&judge(&m, &spec("cn-exit-entry"), &framed()), RuleId::Jewellery).clone();
    assert_eq!((j.status, j.reason), (Status::NeedsPerson, Reason::Uncertain));
    let strong = Measurements { jewellery_spots: Some(60.0), ..m.clone() };
    assert_eq!(find(&judge(&strong, &spec("cn-exit-entry"), &framed()), RuleId::Jewellery).status, Status::Fail);
    assert!(judge(&m, &spec("icao-35x45"), &framed()).iter().all(|v| v.rule != RuleId::Jewellery));
}

#[test]
fn hair_over_the_eyes_is_ruled_out_by_bare_skin_above_the_brows() {
    let s = spec("cn-exit-entry");
    let hoe = |b, l| {
        let m = Measurements { brows_skin: Some(b), lids_skin: Some(l), faces: 1, ..Default::default() };
        find(&judge(&m, &s, &framed()), RuleId::HairOverEyes).status
    };
    assert_eq!(hoe(0.9, 0.05), Status::Pass, "shaded lids under a bare forehead");
    assert_eq!(hoe(0.0, 0.05), Status::Fail, "fringe and lids covered");
    assert_eq!(hoe(0.0, 0.35), Status::NeedsPerson);
}

#[test]
fn expression_smiles_fail_and_the_doubtful_band_goes_to_a_person() {
    let s = spec("cn-exit-entry");
    let e = |smile_score, teeth| {
        let m = Measurements {
            smile_score: Some(smile_score),
            expression_other: Some(0.1),
            smile: Some(teeth),
            faces: 1,
            ..Default::default()
        };
        let v = find(&judge(&m, &s, &framed()), RuleId::Expression).clone();
        (v.status, v.reason)
    };
    assert_eq!(e(0.05, 0.0), (Status::Pass, Reason::InBand));
    assert_eq!(e(0.8, 0.0), (Status::Fail, Reason::Smiling));
    assert_eq!(e(0.1, 0.5), (Status::Fail, Reason::Smiling), "teeth showing");
    assert_eq!(e(0.4, 0.0), (Status::NeedsPerson, Reason::Uncertain));
}

#[test]
fn lighting_is_judged_in_stops_either_way() {
    let s = spec("cn-exit-entry");
    let l = |r| {
        let m = Measurements { face_side_ratio: Some(r), faces: 1, ..Default::default() };
        find(&judge(&m, &s, &framed()), RuleId::LightingUniformity).status
    };
    assert_eq!(l(0.2), Status::Pass);
    assert_eq!(l(-0.65), Status::Warn, "a 1.6:1 ratio passes with advice");
    assert_eq!(l(-1.2), Status::Fail);
    assert_eq!(l(1.2), Status::Fail);
}

#[test]
fn a_reported_value_stays_on_its_side_of_every_bound() {
    let limit = Limit { max: Some(0.15), warn_above: Some(0.1), ..Limit::default() };
    let v = band(RuleId::MouthClosed, Some(0.1502), &limit, Unit::Ratio);
    assert_eq!((v.status, v.value), (Status::Fail, Some(0.1502)));
    let v = band(RuleId::MouthClosed, Some(0.14996), &limit, Unit::Ratio);
    assert_eq!((v.status, v.value), (Status::Warn, Some(0.15)), "onto an inclusive bound is the same side");
    let v = band(RuleId::MouthClosed, Some(0.15), &limit, Unit::Ratio);
    assert_eq!((v.status, v.value), (Status::Warn, Some(0.15)));
    let v = band(RuleId::MouthClosed, Some(0.123456), &limit, Unit::Ratio);
    assert_eq!(v.value, Some(0.12), "two places where they do not cross a bound");
}

/// A verdict on a rule measured in pixels, with its band.
fn px_verdict(rule: RuleId, status: Status, reason: Reason, value: f64, min: f64, max: f64) -> Verdict {
    Verdict {
        rule,
        status,
        reason,
        value: Some(value),
        min: Some(min),
        max: Some(max),
        warn_min: None,
        warn_max: None,
        unit: Unit::Px,
        edges: vec![],
        detail: None,
        measure: None,
    }
}

#[test]
fn size_rules_that_cannot_all_be_met_are_a_conflict() {
    let size = px_verdict;
    // A tall bun: the head pinned at its greatest height, the face too narrow.
    let head = size(RuleId::HeadHeight, Status::Pass, Reason::InBand, 401.99, 354.0, 402.0);
    let narrow = size(RuleId::FaceWidth, Status::Fail, Reason::TooLow, 181.2, 189.0, 283.0);
    assert!(proportions_conflict(&[head.clone(), narrow.clone()]));
    // The head in the middle of its band: moving closer does fix the face.
    let roomy = Verdict { value: Some(380.0), ..head };
    assert!(!proportions_conflict(&[roomy.clone(), narrow]));
    let wide = size(RuleId::FaceWidth, Status::Fail, Reason::TooHigh, 290.0, 189.0, 283.0);
    let small = size(RuleId::InterPupil, Status::Fail, Reason::TooLow, 80.0, 82.0, 118.0);
    assert!(proportions_conflict(&[roomy.clone(), wide.clone(), small]));
    assert!(!proportions_conflict(&[roomy, wide]));
}

/// London 001_03's bun: the eyes too low in the frame and no room above the head. "Crop lower"
/// and "leave room above the head" cannot both be done: one text says why, on both rules.
#[test]
fn eyes_too_low_with_no_room_above_the_head_is_a_conflict_not_two_instructions() {
    let rule = px_verdict;
    let low_eyes = rule(RuleId::EyeLine, Status::Fail, Reason::TooHigh, 252.9, 152.0, 246.0);
    let no_room = rule(RuleId::CrownMargin, Status::Fail, Reason::TooLow, 1.87, 25.0, 45.0);
    // The head cannot shrink: its face is already too narrow.
    let narrow = rule(RuleId::FaceWidth, Status::Fail, Reason::TooLow, 181.2, 189.0, 283.0);
    let both = [low_eyes.clone(), no_room.clone(), narrow.clone()];
    assert!(hair_height_conflict(&both));
    assert_eq!(conflict_advice(&both, &low_eyes), Some("ui.hair_height"));
    assert_eq!(conflict_advice(&both, &no_room), Some("ui.hair_height"));
    // The same when the room ran out at the photo's top edge (001_03 itself): more room in the
    // photo would still leave 251 px from the head top to the eyes, where 246 − 25 is allowed.
    let at_edge = Verdict { reason: Reason::PhotoEdge, edges: vec![Side::Top], ..no_room.clone() };
    assert!(hair_height_conflict(&[low_eyes.clone(), at_edge.clone(), narrow.clone()]));
    // With room to make the head smaller, a smaller head fits both: each keeps its advice.
    let roomy = rule(RuleId::FaceWidth, Status::Pass, Reason::InBand, 230.0, 189.0, 283.0);
    assert!(!hair_height_conflict(&[low_eyes.clone(), at_edge, roomy.clone()]));
    // The head at the least its band allows is as good as "too small".
    let least = rule(RuleId::HeadHeight, Status::Pass, Reason::InBand, 354.2, 354.0, 402.0);
    assert!(hair_height_conflict(&[low_eyes.clone(), no_room.clone(), roomy, least]));
    // Either alone has a fix (crop lower; step back): its own advice stays.
    let room = rule(RuleId::CrownMargin, Status::Pass, Reason::InBand, 30.0, 25.0, 45.0);
    assert_eq!(conflict_advice(&[low_eyes.clone(), room], &low_eyes), None);
    // The opposite (eyes high, room to spare: a head top lower than the spec expects) is not
    // what that text says; each rule keeps its own advice there.
    let high_eyes = rule(RuleId::EyeLine, Status::Fail, Reason::TooLow, 140.0, 152.0, 246.0);
    let much_room = rule(RuleId::CrownMargin, Status::Fail, Reason::TooHigh, 60.0, 25.0, 45.0);
    assert!(!hair_height_conflict(&[high_eyes, much_room]));
}
