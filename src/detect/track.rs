//! Live tracking, as MediaPipe's video mode does it: the face mesh of the previous frame gives
//! the crop for this frame's mesh, so the detector runs only when the face is lost, on the first
//! frame, and every `detect_every` frames (to notice a second or a larger face). The person
//! mask is computed only on the frames that ask for it, and the expression model (as costly as
//! the mesh) on every `expression_every`-th frame of a followed face, started on the thread
//! pool as soon as that frame is analysed and collected by the next frame: it runs while the
//! camera delivers the next frame, so a frame never waits for it, and it is one frame late —
//! expressions change over a few frames, and the captured photo is analysed again as a still.

use super::blendshapes::{self, Blendshapes};
use super::face::{self, Detection};
use super::mesh::{self, Mesh, Roi, idx};
use super::{Analysis, DetectOptions, Face, Models, VisionError, landmarks, segment};
use crate::geometry::Point;
use crate::pixels::{PlacedMap, Pyramid};
use std::sync::Mutex;
use std::sync::mpsc::Receiver;

/// Below this face-presence probability the mesh has lost the face (MediaPipe's default
/// `min_tracking_confidence`).
pub const MIN_TRACKING_SCORE: f32 = 0.5;
/// A tracking crop smaller than this many pixels cannot hold a usable face.
const MIN_ROI_SIDE: f64 = 24.0;

/// What the tracker knows about the face it follows.
#[derive(Debug, Clone)]
struct Followed {
    /// The crop for the next frame's mesh.
    roi: Roi,
    /// The face in the last frame; its score is the detector's when it last saw this face
    /// (the rules are calibrated on detector scores).
    last: Detection,
    /// Further faces from the last detector run.
    others: Vec<Detection>,
}

/// How the last frame was analysed (for benchmarks, tests and the live overlay).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The mesh followed the face from the previous frame; no detector.
    Tracked,
    /// The detector ran (first frame, face lost, or the periodic check).
    Detected,
}

/// Follows the main face through a sequence of frames. One per video stream.
pub struct Tracker {
    opts: DetectOptions,
    detect_every: u32,
    mask_every: Option<u32>,
    expression_every: u32,
    /// The followed face's last expression and how many frames ago it was computed.
    expression: Option<(Blendshapes, u32)>,
    /// The expression model running on the last frame's mesh, started when that frame was
    /// analysed; a tracked frame takes its result (one frame late).
    /// (In a mutex only so that the tracker can be shared with the frame's parallel jobs.)
    expression_job: Option<Mutex<Receiver<Result<Blendshapes, VisionError>>>>,
    followed: Option<Followed>,
    since_detect: u32,
    frames: u64,
    last_step: Step,
    /// The face in view has had its first segmented frame (see `step`); cleared when no face
    /// is found, so the next person's first frame is segmented too.
    face_masked: bool,
}

impl Tracker {
    /// A tracker that re-runs the detector every 15 frames while tracking and never segments.
    pub fn new(opts: DetectOptions) -> Tracker {
        Tracker {
            opts,
            detect_every: 15,
            mask_every: None,
            expression_every: 3,
            expression: None,
            expression_job: None,
            followed: None,
            since_detect: 0,
            face_masked: false,
            frames: 0,
            last_step: Step::Detected,
        }
    }

    /// Run the detector at least every `n` frames even while the face is tracked (n ≥ 1;
    /// 1 detects on every frame).
    pub fn detect_every(mut self, n: u32) -> Tracker {
        self.detect_every = n.max(1);
        self
    }

    /// Run the expression model on every `n`-th frame of a followed face (n ≥ 1; default 3);
    /// the frames between carry the last result.
    pub fn expression_every(mut self, n: u32) -> Tracker {
        self.expression_every = n.max(1);
        self
    }

    /// Compute the person mask (and the hair top from it) on every `n`-th frame.
    pub fn mask_every(mut self, n: Option<u32>) -> Tracker {
        self.set_mask_every(n);
        self
    }

    /// Segment every `n`-th frame from now on (the spec changed).
    pub fn set_mask_every(&mut self, n: Option<u32>) {
        self.mask_every = n.map(|n| n.max(1));
    }

    /// New thresholds (the spec changed); the face stays followed.
    pub fn set_options(&mut self, opts: DetectOptions) {
        self.opts = opts;
    }

    /// Forget the face: the next frame starts with the detector.
    pub fn reset(&mut self) {
        self.followed = None;
        self.expression = None;
        self.expression_job = None;
        self.frames = 0;
        self.face_masked = false;
    }

    pub fn last_step(&self) -> Step {
        self.last_step
    }

    /// Analyse the next frame of the stream.
    pub fn step(&mut self, frame: &Pyramid) -> Result<Analysis, VisionError> {
        let with_mask = self.mask_every.is_some_and(|k| self.frames % k as u64 == k as u64 - 1);
        // A face taken up anew is segmented at once: the live guidance frames the hair top, and
        // without it the first second would say "hold still" and then, once the hair is
        // measured, "step back" on a person who never moved. Once per face: a face the mesh
        // keeps rejecting must not cost a segmentation every frame.
        let new_face_mask = self.mask_every.is_some() && !self.face_masked;
        self.frames += 1;
        let models = Models::get()?;
        let valid = |roi: &Roi| roi_is_usable(roi, frame);
        let followed = self.followed.take().filter(|f| valid(&f.roi));
        let periodic = self.since_detect + 1 >= self.detect_every;

        // Tracking: the mesh in last frame's crop; the detector (on a periodic frame) and the
        // segmenter (on a mask frame, around last frame's eyes) run beside it.
        if let Some(f) = followed {
            let job = self.expression_job.take();
            let (mesh, (dets, mask)) = rayon::join(
                || mesh::run(&models.mesh, frame, f.roi),
                || {
                    rayon::join(
                        || if periodic { self.detect(models, frame).map(Some) } else { Ok(None) },
                        || self.mask_if(models, frame, &f.last, with_mask),
                    )
                },
            );
            let (mesh, dets) = (mesh?, dets?);
            // Usually finished long ago (it had the time between two frames).
            if let Some(b) = job.map(collect).transpose()? {
                self.expression = Some((b, 0));
            }
            if mesh.score >= MIN_TRACKING_SCORE {
                let tracked = from_mesh(&mesh, f.last.score);
                let (main_det, others) = match dets {
                    None => (tracked, f.others),
                    Some(dets) => match self.choose(dets, &tracked) {
                        // The detector agrees (or sees nothing better): keep the tracked mesh.
                        Choice::Tracked { score, others } => (Detection { score, ..tracked }, others),
                        // A larger face came into view: start over from the detector.
                        Choice::Other(faces) => {
                            return self.start_from(models, frame, faces, with_mask || new_face_mask);
                        }
                    },
                };
                self.since_detect = if periodic { 0 } else { self.since_detect + 1 };
                self.last_step = if periodic { Step::Detected } else { Step::Tracked };
                return self.finish(frame, mesh, main_det, others, mask?, true);
            }
            // Lost: use this frame's detections when there are any.
            if let Some(dets) = dets {
                return self.start_from(models, frame, dets, with_mask || new_face_mask);
            }
        }
        let dets = self.detect(models, frame)?;
        self.start_from(models, frame, dets, with_mask || new_face_mask)
    }

    /// The short-range detector's faces that count, largest first (as [`super::analyse`] does).
    fn detect(&self, models: &Models, frame: &Pyramid) -> Result<Vec<Detection>, VisionError> {
        let mut faces = face::detect(&models.short_range, frame, self.opts.min_score)?;
        faces.sort_by(|a, b| b.width().total_cmp(&a.width()));
        let main_w = faces.first().map_or(0.0, |f| f.width());
        faces.retain(|f| f.width() >= main_w * self.opts.second_face_min_size);
        Ok(faces)
    }

    /// Which face to follow after a periodic detection.
    fn choose(&self, mut dets: Vec<Detection>, tracked: &Detection) -> Choice {
        let same = |d: &Detection| d.center().dist(tracked.center()) < 0.5 * tracked.width().min(d.width());
        match dets.iter().position(same) {
            // The largest detection is not the tracked face and clearly larger: switch.
            _ if dets.first().is_some_and(|d| !same(d) && d.width() > 1.25 * tracked.width()) => Choice::Other(dets),
            Some(i) => {
                let score = dets.remove(i).score;
                Choice::Tracked { score, others: dets }
            }
            // The detector missed the face the mesh still sees (a turned head): keep tracking.
            None => Choice::Tracked { score: tracked.score, others: dets },
        }
    }

    /// Analyse from detector output: mesh in the main detection's crop.
    fn start_from(
        &mut self,
        models: &Models,
        frame: &Pyramid,
        mut faces: Vec<Detection>,
        with_mask: bool,
    ) -> Result<Analysis, VisionError> {
        self.since_detect = 0;
        self.last_step = Step::Detected;
        if faces.is_empty() {
            self.face_masked = false;
            self.followed = None;
            return Ok(Analysis { width: frame.width(), height: frame.height(), faces, main: None, mask: None });
        }
        self.face_masked |= with_mask;
        let det = faces.remove(0);
        let (mesh, mask) = rayon::join(
            || mesh::run(&models.mesh, frame, Roi::from_detection(&det)),
            || self.mask_if(models, frame, &det, with_mask),
        );
        let mesh = mesh?;
        self.finish(frame, mesh, det, faces, mask?, false)
    }

    /// The followed face's expression is `expression_every` frames old or older (or unknown).
    fn expression_due(&self) -> bool {
        self.expression.is_none_or(|(_, age)| age >= self.expression_every)
    }

    fn mask_if(
        &self,
        models: &Models,
        frame: &Pyramid,
        det: &Detection,
        with_mask: bool,
    ) -> Result<Option<PlacedMap>, VisionError> {
        if !with_mask {
            return Ok(None);
        }
        let region = segment::head_region(det.keypoints[0], det.keypoints[1]);
        segment::person_mask(&models.segmenter, frame, region).map(Some)
    }

    /// The analysis of a frame with its mesh; remembers the crop for the next frame.
    /// `followed`: the face is the one of the previous frame (its expression may be carried).
    fn finish(
        &mut self,
        frame: &Pyramid,
        mesh: Mesh,
        det: Detection,
        others: Vec<Detection>,
        mask: Option<PlacedMap>,
        followed: bool,
    ) -> Result<Analysis, VisionError> {
        // Only a mesh that sees a face is followed into the next frame.
        self.followed = (mesh.score >= MIN_TRACKING_SCORE).then(|| Followed {
            roi: Roi::from_mesh(&mesh),
            last: from_mesh(&mesh, det.score),
            others: others.clone(),
        });
        let mut lm = landmarks::from_mesh(&mesh, None, frame);
        if let Some(mask) = &mask {
            lm.head_top = landmarks::head_top(mask, &lm);
        }
        // A followed face carries its expression (computed between the frames when due);
        // a new face gets it now.
        let blendshapes = match self.expression.filter(|_| followed) {
            Some((b, age)) => {
                self.expression = Some((b, age + 1));
                b
            }
            None => {
                let b = blendshapes::estimate(&mesh, &lm)?;
                self.expression = Some((b, 1));
                b
            }
        };
        // Started now when the next frame wants it; only a followed face will collect it.
        self.expression_job = self.expression_due().then(|| expression_job(blendshapes::input(&mesh, &lm)));
        let mut faces = Vec::with_capacity(others.len() + 1);
        faces.push(det.clone());
        faces.extend(others);
        Ok(Analysis {
            width: frame.width(),
            height: frame.height(),
            faces,
            main: Some(Face { detection: det, blendshapes: Some(blendshapes), mesh, landmarks: lm }),
            mask,
        })
    }
}

/// The expression model on `input`, on the thread pool; its result arrives on the receiver.
fn expression_job(input: Vec<f32>) -> Mutex<Receiver<Result<Blendshapes, VisionError>>> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    rayon::spawn(move || {
        // A panic on the pool would end the process: it becomes this frame's error instead.
        let result = std::panic::catch_unwind(|| blendshapes::run(input)).unwrap_or_else(|_| Err(lost_job()));
        // The tracker may have moved on (face lost, reset): then nobody is waiting.
        let _ = tx.send(result);
    });
    Mutex::new(rx)
}

/// The expression job's result. On a pool thread (a caller inside rayon) it runs other pool
/// work while it waits, so that a pool of one thread cannot wait for a job queued behind it.
fn collect(job: Mutex<Receiver<Result<Blendshapes, VisionError>>>) -> Result<Blendshapes, VisionError> {
    use std::sync::mpsc::TryRecvError;
    let Ok(rx) = job.into_inner() else { return Err(lost_job()) };
    loop {
        match rx.try_recv() {
            Ok(result) => return result,
            Err(TryRecvError::Disconnected) => return Err(lost_job()),
            Err(TryRecvError::Empty) => match rayon::yield_now() {
                // Not on the pool: the pool runs the job.
                None => return rx.recv().unwrap_or_else(|_| Err(lost_job())),
                Some(rayon::Yield::Executed) => {}
                // Nothing else queued: another pool thread is running it.
                Some(rayon::Yield::Idle) => std::thread::yield_now(),
            },
        }
    }
}

fn lost_job() -> VisionError {
    VisionError::Model("face_blendshapes: the expression job ended without a result".into())
}

enum Choice {
    Tracked { score: f32, others: Vec<Detection> },
    Other(Vec<Detection>),
}

/// A crop the mesh can work in: big enough, and with its centre on the frame.
fn roi_is_usable(roi: &Roi, frame: &Pyramid) -> bool {
    let (w, h) = (frame.width() as f64, frame.height() as f64);
    roi.side.is_finite()
        && roi.side >= MIN_ROI_SIDE
        && roi.side <= 2.0 * w.max(h)
        && (0.0..w).contains(&roi.center.x)
        && (0.0..h).contains(&roi.center.y)
}

/// The detection a tracked mesh stands for: the box of the mesh and the detector's keypoints
/// (eye centres, nose tip, mouth centre, the face's sides at the ears).
pub fn from_mesh(m: &Mesh, score: f32) -> Detection {
    let (mut lo, mut hi) = (Point::new(f64::MAX, f64::MAX), Point::new(f64::MIN, f64::MIN));
    for p in (0..mesh::POINTS).map(|i| m.p(i)) {
        lo = Point::new(lo.x.min(p.x), lo.y.min(p.y));
        hi = Point::new(hi.x.max(p.x), hi.y.max(p.y));
    }
    let keypoints = [
        m.mean(&idx::EYE_LEFT),
        m.mean(&idx::EYE_RIGHT),
        m.p(idx::NOSE_TIP),
        m.p(idx::LIP_INNER_TOP).mid(m.p(idx::LIP_INNER_BOTTOM)),
        m.p(idx::CHEEK_LEFT),
        m.p(idx::CHEEK_RIGHT),
    ];
    Detection { rect: [lo.x, lo.y, hi.x - lo.x, hi.y - lo.y], score, keypoints }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tracker driven from inside a one-thread pool (the job is queued behind its caller)
    /// still gets the expression job's result, and it is the model's own.
    #[test]
    fn the_expression_job_finishes_inside_a_pool_of_one_thread() {
        let input: Vec<f32> = (0..2 * blendshapes::SUBSET.len()).map(|i| 100.0 + (i % 37) as f32 * 3.0).collect();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("a pool");
        let got = pool.install(|| collect(expression_job(input.clone()))).expect("the expression");
        assert_eq!(got, blendshapes::run(input).expect("the expression"));
    }
}
