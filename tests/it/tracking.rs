//! Live tracking on synthetic video made from real photos (../shared/testdata, not in the repo):
//! a London portrait is filmed by a moving 640×480 "camera", so every frame has hand-placed
//! ground truth. The tracker must be as accurate as detecting on every frame, lose the face
//! when it leaves, and find it again when it comes back or jumps.

use crate::common::{photos_dir, spec};
use idbooth::capture::load_photo;
use idbooth::detect::{self, Effort, Step, Tracker};
use idbooth::eval::read_tem;
use idbooth::geometry::{Point, Similarity};
use idbooth::pixels::Pyramid;
use idbooth::session::detect_options;

struct Film {
    photo: Pyramid,
    /// Hand-placed pupils in photo pixels.
    pupils: [Point; 2],
}

impl Film {
    fn load(name: &str) -> Option<Film> {
        let dir = photos_dir()?.join("london_neutral");
        let p = load_photo(&dir.join(format!("{name}.jpg"))).unwrap();
        let tem = read_tem(&dir.join(format!("{name}.tem"))).unwrap();
        Some(Film { photo: Pyramid::new(p.image, 32), pupils: [tem[0], tem[1]] })
    }

    /// The camera's frame → photo map: the photo's centre is at frame point `at`, turned by
    /// `deg`, 2.6 photo pixels per frame pixel (a head about 150 px wide, as at a booth).
    fn camera(at: Point, deg: f64) -> Similarity {
        let a = deg.to_radians();
        let k = 2.6;
        // frame → photo: p = k·R(a)·(f − at) + centre
        let c = Point::new(675.0, 675.0);
        let t = c.minus(at.rotate(a).scale(k));
        Similarity { scale: k, angle: a, tx: t.x, ty: t.y }
    }

    fn frame(&self, cam: &Similarity) -> Pyramid {
        Pyramid::lazy(self.photo.warp(cam, 640, 480), 32)
    }

    /// The true pupils in frame pixels.
    fn truth(&self, cam: &Similarity) -> [Point; 2] {
        self.pupils.map(|p| cam.inverse().apply(p))
    }
}

/// Mean pupil error in % of the true inter-pupil distance (NaN when there is no face).
fn pupil_error(a: &detect::Analysis, truth: [Point; 2]) -> f64 {
    let Some(f) = &a.main else { return f64::NAN };
    let ipd = truth[0].dist(truth[1]);
    let lm = &f.landmarks;
    (lm.left_pupil.dist(truth[0]) + lm.right_pupil.dist(truth[1])) / 2.0 / ipd * 100.0
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

#[test]
fn a_tracked_face_is_as_accurate_as_detecting_every_frame() {
    let spec = spec("cn-exit-entry");
    let opts = detect_options(&spec, Effort::Live);
    for name in ["001_03", "030_03", "100_03"] {
        let Some(film) = Film::load(name) else { return };
        let mut tracker = Tracker::new(opts);
        let (mut tracked_err, mut detected_err, mut steps) = (Vec::new(), Vec::new(), Vec::new());
        // The person sways: 3 px per frame sideways, a little up and down, a slow head tilt.
        for i in 0..30 {
            let t = i as f64;
            let cam = Film::camera(Point::new(260.0 + 3.0 * t, 250.0 + 8.0 * (t / 5.0).sin()), 4.0 * (t / 9.0).sin());
            let frame = film.frame(&cam);
            let truth = film.truth(&cam);
            let tracked = tracker.step(&frame).unwrap();
            steps.push(tracker.last_step());
            let detected = detect::analyse(&frame, &opts).unwrap();
            tracked_err.push(pupil_error(&tracked, truth));
            detected_err.push(pupil_error(&detected, truth));
        }
        let (t, d) = (mean(&tracked_err), mean(&detected_err));
        eprintln!("{name}: pupil error tracked {t:.2} %, detected every frame {d:.2} % of the IPD");
        assert!(t.is_finite() && d.is_finite(), "{name}: a frame without the face: {tracked_err:?} {detected_err:?}");
        assert!(t <= d * 1.15 + 0.3, "{name}: tracking is less accurate: {t:.2} % vs {d:.2} %");
        // The detector ran on the first frame and on the periodic checks only.
        let detector_frames = steps.iter().filter(|s| **s == Step::Detected).count();
        assert!(detector_frames <= 3, "{name}: detector on {detector_frames} of 30 frames: {steps:?}");
        assert_eq!(steps[1], Step::Tracked);
    }
}

#[test]
fn the_tracker_loses_the_face_and_finds_it_again() {
    let Some(film) = Film::load("001_03") else { return };
    let spec = spec("cn-exit-entry");
    let mut tracker = Tracker::new(detect_options(&spec, Effort::Live));
    let grey = Pyramid::lazy(image::RgbImage::from_pixel(640, 480, image::Rgb([128, 128, 128])), 32);
    let here = Film::camera(Point::new(320.0, 250.0), 0.0);
    let near = |a: &detect::Analysis, cam: &Similarity| pupil_error(a, film.truth(cam)) < 5.0;

    for _ in 0..3 {
        let a = tracker.step(&film.frame(&here)).unwrap();
        assert!(near(&a, &here), "{:?}", a.main.map(|f| f.landmarks));
    }
    assert_eq!(tracker.last_step(), Step::Tracked);

    // The person steps out: an empty frame has no face, and the detector has looked.
    for _ in 0..2 {
        let a = tracker.step(&grey).unwrap();
        assert!(a.main.is_none() && a.faces.is_empty());
        assert_eq!(tracker.last_step(), Step::Detected);
    }

    // Back in view: found on the first frame, tracked on the next.
    let a = tracker.step(&film.frame(&here)).unwrap();
    assert!(near(&a, &here));
    assert_eq!(tracker.last_step(), Step::Detected);
    let a = tracker.step(&film.frame(&here)).unwrap();
    assert!(near(&a, &here));
    assert_eq!(tracker.last_step(), Step::Tracked);

    // The face jumps across the frame between two frames: the old crop holds no face, so
    // the detector finds it where it is now, in the same frame.
    let there = Film::camera(Point::new(120.0, 330.0), 0.0);
    let a = tracker.step(&film.frame(&there)).unwrap();
    assert!(near(&a, &there), "jumped face not found: {:?}", a.main.map(|f| f.landmarks));
    let a = tracker.step(&film.frame(&there)).unwrap();
    assert!(near(&a, &there));
    assert_eq!(tracker.last_step(), Step::Tracked);
}

#[test]
fn the_mask_comes_on_the_frames_that_ask_for_it() {
    let Some(film) = Film::load("001_03") else { return };
    let spec = spec("cn-exit-entry");
    let mut tracker = Tracker::new(detect_options(&spec, Effort::Live)).mask_every(Some(4));
    let cam = Film::camera(Point::new(320.0, 250.0), 0.0);
    let masks: Vec<bool> = (0..8).map(|_| tracker.step(&film.frame(&cam)).unwrap().mask.is_some()).collect();
    // The first frame takes the face up (and is segmented for its hair), then every fourth.
    assert_eq!(masks, [true, false, false, true, false, false, false, true]);
    let a = tracker.step(&film.frame(&cam)).unwrap();
    assert!(a.mask.is_none());
}

#[test]
fn the_expression_of_a_followed_face_is_computed_every_third_frame() {
    let Some(film) = Film::load("001_03") else { return };
    let opts = detect_options(&spec("cn-exit-entry"), Effort::Live);
    let (mut every3, mut every1) = (Tracker::new(opts).expression_every(3), Tracker::new(opts).expression_every(1));
    let mut carried = Vec::new();
    let mut previous: Option<detect::Face> = None;
    for i in 0..7 {
        let frame = film.frame(&Film::camera(Point::new(300.0 + 3.0 * i as f64, 250.0), 0.0));
        let a = every3.step(&frame).unwrap().main.unwrap().blendshapes.unwrap();
        let face = every1.step(&frame).unwrap().main.unwrap();
        let b = face.blendshapes.unwrap();
        // On the frames the model runs, both trackers agree; on a tracked frame the model ran
        // between the frames on the previous frame's face (one frame late), on the first frame
        // on the frame's own.
        if i % 3 == 0 {
            assert_eq!(a, b, "frame {i}");
        }
        let source = previous.as_ref().unwrap_or(&face);
        assert_eq!(b, detect::blendshapes::estimate(&source.mesh, &source.landmarks).unwrap(), "frame {i}");
        previous = Some(face);
        carried.push(a);
    }
    assert_eq!(carried[1], carried[0]);
    assert_eq!(carried[2], carried[0]);
    assert_ne!(carried[3], carried[0], "the face moved, so its expression was computed again");
    assert_eq!(carried[5], carried[3]);
    // A new face (after a reset) never inherits the last one's expression.
    every3.reset();
    every1.reset();
    let frame = film.frame(&Film::camera(Point::new(200.0, 260.0), 0.0));
    for tracker in [&mut every3, &mut every1] {
        let face = tracker.step(&frame).unwrap().main.unwrap();
        let own = detect::blendshapes::estimate(&face.mesh, &face.landmarks).unwrap();
        assert_eq!(face.blendshapes, Some(own), "after a reset the expression is the frame's own");
    }
}
