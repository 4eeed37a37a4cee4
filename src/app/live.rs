//! The live path: a camera thread fills a one-frame slot (older frames are dropped), an
//! analysis worker takes the newest frame, analyses it (a `detect::Tracker` follows the face
//! from frame to frame and segments one frame now and then for the background) and posts the
//! result; the UI thread only reads the slots.
//! Also the booth's target framing and the warnings derived from a live result. No egui here.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::Lang;
use crate::capture::frames::{CaptureError, Frame, FrameSource};
use crate::compose::background::BackgroundChoice;
use crate::detect::{Analysis, Effort, Tracker, VisionError};
use crate::geometry::Point;
use crate::judge::{RuleId, Status, Verdict};
use crate::measure::Measurements;
use crate::pixels::Pyramid;
use crate::session::{self, JudgeOptions, Session};
use crate::spec::{Limit, Spec};

/// Opens the source on the camera thread (opening a camera can take a while).
pub type SourceFactory = Box<dyn FnOnce() -> Result<Box<dyn FrameSource>, CaptureError> + Send>;

pub struct LiveResult {
    pub seq: u64,
    /// The frame this result is about (the kiosk keeps the best of a burst).
    pub frame: Arc<Frame>,
    pub width: u32,
    pub height: u32,
    pub analysis: Analysis,
    pub verdicts: Vec<Verdict>,
    pub measurements: Measurements,
    /// The top of the head the framing guidance uses: the hair top where this frame was
    /// segmented, else the skull's top raised by the hair last measured on this face.
    pub head_top: Option<LiveHeadTop>,
    pub millis: f64,
}

/// The top of the head on a live frame, and whether this frame measured it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LiveHeadTop {
    pub at: Point,
    pub measured: bool,
}

/// The hair above the skull, as the guidance carries it between segmented frames (in
/// inter-pupil distances up the face): one in `background_every` frames has a mask.
#[derive(Debug, Clone, Copy, Default)]
pub struct HairCarry(Option<f64>);

impl HairCarry {
    /// This frame's head top; remembers the hair where the frame measured it, forgets it when
    /// the face is gone (the next person has other hair).
    pub fn head_top(&mut self, analysis: &crate::detect::Analysis) -> Option<LiveHeadTop> {
        let Some(lm) = analysis.main.as_ref().map(|f| &f.landmarks) else {
            self.0 = None;
            return None;
        };
        let (up, ipd) = (lm.up(), lm.inter_pupil().max(1.0));
        if let Some(p) = lm.head_top.point() {
            // A sanity range: a hair top below the skull estimate or a tall bun stays a guess.
            self.0 = Some((p.minus(lm.skull_top).dot(up) / ipd).clamp(-0.3, 1.5));
            return Some(LiveHeadTop { at: p, measured: true });
        }
        let at = lm.skull_top.plus(up.scale(self.0.unwrap_or(0.0) * ipd));
        Some(LiveHeadTop { at, measured: false })
    }
}

#[derive(Default)]
struct Shared {
    latest: Mutex<Option<Arc<Frame>>>,
    result: Mutex<Option<Arc<LiveResult>>>,
    error: Mutex<Option<CaptureError>>,
    info: Mutex<String>,
    spec: Mutex<Option<(Spec, Lang)>>,
    stop: AtomicBool,
    frames: AtomicU64,
    analyses: AtomicU64,
}

pub struct LiveSession {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
    started: Instant,
}

/// Called by the worker threads when something new is there (e.g. `ctx.request_repaint`).
pub type Wake = Arc<dyn Fn() + Send + Sync>;

impl LiveSession {
    pub fn start(factory: SourceFactory, spec: &Spec, lang: Lang, wake: Option<Wake>) -> LiveSession {
        let shared = Arc::new(Shared::default());
        *shared.spec.lock().unwrap() = Some((spec.clone(), lang));
        let wake = wake.unwrap_or_else(|| Arc::new(|| {}));
        let (s, w) = (shared.clone(), wake.clone());
        let camera = std::thread::Builder::new()
            .name("idbooth-camera".into())
            .spawn(move || camera_loop(factory, &s, &*w))
            .expect("spawn camera thread");
        let (s, w) = (shared.clone(), wake);
        let worker = std::thread::Builder::new()
            .name("idbooth-analysis".into())
            .spawn(move || analysis_loop(&s, &*w))
            .expect("spawn analysis thread");
        LiveSession { shared, threads: vec![camera, worker], started: Instant::now() }
    }

    pub fn latest_frame(&self) -> Option<Arc<Frame>> {
        self.shared.latest.lock().unwrap().clone()
    }

    pub fn latest_result(&self) -> Option<Arc<LiveResult>> {
        self.shared.result.lock().unwrap().clone()
    }

    /// The camera's error, once it stopped.
    pub fn error(&self) -> Option<CaptureError> {
        self.shared.error.lock().unwrap().clone()
    }

    pub fn info(&self) -> String {
        self.shared.info.lock().unwrap().clone()
    }

    pub fn set_spec(&self, spec: &Spec, lang: Lang) {
        *self.shared.spec.lock().unwrap() = Some((spec.clone(), lang));
    }

    /// (frames delivered, analyses done, seconds since the start).
    pub fn stats(&self) -> (u64, u64, f64) {
        (
            self.shared.frames.load(Ordering::Relaxed),
            self.shared.analyses.load(Ordering::Relaxed),
            self.started.elapsed().as_secs_f64(),
        )
    }

    pub fn stop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for LiveSession {
    fn drop(&mut self) {
        self.stop();
    }
}

fn camera_loop(factory: SourceFactory, s: &Shared, wake: &(dyn Fn() + Send + Sync)) {
    let mut source = match factory() {
        Ok(src) => src,
        Err(e) => {
            *s.error.lock().unwrap() = Some(e);
            wake();
            return;
        }
    };
    *s.info.lock().unwrap() = source.info();
    while !s.stop.load(Ordering::Relaxed) {
        match source.next_frame() {
            Ok(frame) => {
                *s.latest.lock().unwrap() = Some(Arc::new(frame));
                s.frames.fetch_add(1, Ordering::Relaxed);
                wake();
            }
            Err(e) => {
                *s.error.lock().unwrap() = Some(e);
                wake();
                return;
            }
        }
    }
}

/// Rules judged on the person mask, which a live frame has only one time in
/// `background_every`: the frames between carry the last segmented frame's verdict, so a
/// background or hat warning holds instead of flickering.
const MASKED: [RuleId; 2] = [RuleId::BackgroundUniformity, RuleId::Headwear];

fn analysis_loop(s: &Shared, wake: &(dyn Fn() + Send + Sync)) {
    let mut last_seq = 0;
    // The verdicts that need the person mask, as judged on the last segmented frame.
    let mut masked: [Option<Verdict>; MASKED.len()] = Default::default();
    let mut hair = HairCarry::default();
    // Follows the face from frame to frame; segments one frame in `background_every`.
    let mut tracker: Option<Tracker> = None;
    while !s.stop.load(Ordering::Relaxed) {
        let frame = s.latest.lock().unwrap().clone();
        let Some(frame) = frame.filter(|f| f.seq != last_seq) else {
            if s.error.lock().unwrap().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(3));
            continue;
        };
        last_seq = frame.seq;
        let Some((spec, _lang)) = s.spec.lock().unwrap().clone() else { continue };
        let every = spec.live.background_every.value.unwrap_or(15.0).max(1.0) as u32;
        let t = Instant::now();
        let pyr = Pyramid::lazy(frame.image.clone(), 32);
        let opts = session::detect_options(&spec, Effort::Live);
        let tracker = tracker.get_or_insert_with(|| Tracker::new(opts));
        tracker.set_options(opts);
        tracker.set_mask_every(Some(every));
        // The whole frame on the pool (see `on_pool`): half the time on two cores.
        let judged = session::on_pool(|| {
            let analysis = tracker.step(&pyr)?;
            let segmented = analysis.mask.is_some();
            // Keep the real background: the live warning is about what stands behind the person.
            let session = Session::from_analysis(Arc::new(pyr), analysis, None);
            let judgement = session.judge(&spec, &JudgeOptions { background: BackgroundChoice::Keep, adjust: None });
            Ok::<_, VisionError>((session, judgement, segmented))
        });
        let (session, judgement, segmented) = match judged {
            Ok(j) => j,
            Err(e) => {
                tracing::warn!("live analysis failed: {e}");
                continue;
            }
        };
        let mut verdicts = judgement.verdicts;
        for (rule, carried) in MASKED.iter().zip(&mut masked) {
            if let Some(v) = verdicts.iter_mut().find(|v| v.rule == *rule) {
                if segmented {
                    *carried = Some(v.clone()).filter(|v| v.status != Status::NotChecked);
                } else if let Some(c) = carried {
                    *v = c.clone();
                }
            }
        }
        let (width, height) = (session.source.width, session.source.height);
        let analysis = session.into_analysis();
        let head_top = hair.head_top(&analysis);
        let result = LiveResult {
            seq: frame.seq,
            frame: frame.clone(),
            width,
            height,
            analysis,
            verdicts,
            measurements: judgement.measurements,
            head_top,
            millis: t.elapsed().as_secs_f64() * 1000.0,
        };
        *s.result.lock().unwrap() = Some(Arc::new(result));
        s.analyses.fetch_add(1, Ordering::Relaxed);
        wake();
    }
}

/// Where the spec's output frame sits in a live frame: centred, 90 % of the frame's height.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    /// Frame pixels per output pixel.
    pub scale: f64,
    /// Top-left corner of the output frame in frame pixels.
    pub x0: f64,
    pub y0: f64,
}

impl Target {
    pub fn new(frame_w: f64, frame_h: f64, spec: &Spec) -> Target {
        let (w, h) = (spec.width() as f64, spec.height() as f64);
        let scale = (0.9 * frame_h / h).min(0.95 * frame_w / w);
        Target { scale, x0: (frame_w - w * scale) / 2.0, y0: (frame_h - h * scale) / 2.0 }
    }

    /// A frame point in output pixels.
    pub fn to_output(&self, p: Point) -> Point {
        Point { x: (p.x - self.x0) / self.scale, y: (p.y - self.y0) / self.scale }
    }
}

/// The spec's framing bands in output pixels (rows from the top; `None` where the spec is silent).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Bands {
    pub width: f64,
    pub height: f64,
    pub crown: Option<(f64, f64)>,
    pub eyes: Option<(f64, f64)>,
    pub chin: Option<(f64, f64)>,
    /// Allowed head heights (chin to top of head).
    pub head: Option<(f64, f64)>,
    /// Typical face width, for the head outline.
    pub face_width: f64,
}

fn range(l: Option<&Limit>) -> Option<(f64, f64)> {
    let l = l?;
    match (l.min, l.max) {
        (Some(a), Some(b)) => Some((a, b)),
        (Some(a), None) => Some((a, a)),
        (None, Some(b)) => Some((0.0, b)),
        (None, None) => l.value.map(|v| (v, v)),
    }
}

impl Bands {
    pub fn new(spec: &Spec) -> Bands {
        let g = &spec.geometry;
        let (w, h) = (spec.width() as f64, spec.height() as f64);
        let crown = range(g.crown_margin.as_ref());
        let head = range(g.head_height.as_ref());
        let eyes = range(g.eye_line_from_top.as_ref())
            .or_else(|| range(g.eye_line_from_bottom.as_ref()).map(|(a, b)| (h - b, h - a)));
        let chin = match (crown, head) {
            (Some(c), Some(hh)) => {
                let c = (c.0 + c.1) / 2.0;
                Some((c + hh.0, c + hh.1))
            }
            _ => range(g.chin_margin.as_ref()).map(|(a, b)| (h - b, h - a)),
        };
        let head_mid = head.map_or(h * 0.6, |(a, b)| (a + b) / 2.0);
        let face_width = g.face_width.as_ref().and_then(|l| l.middle()).unwrap_or(head_mid * 0.72);
        Bands { width: w, height: h, crown, eyes, chin, head, face_width }
    }
}

/// A live warning: short and actionable (texts in `ui.warn.*`). In order of importance (the
/// kiosk shows one at a time): a face, framed, then what the person can take off before what
/// the light does (a cap or glasses can be the reason for a too-bright or shadowed face, and
/// the customer at a kiosk can act on them; on the light, often not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Warn {
    NoFace,
    ManyFaces,
    TooFar,
    TooClose,
    MoveUp,
    MoveDown,
    MoveLeft,
    MoveRight,
    Glasses,
    Hat,
    TooDark,
    TooBright,
    UnevenLight,
    Background,
    Turned,
    /// The head leans towards the person's left shoulder: tilt it to the right (and the reverse).
    TiltRight,
    TiltLeft,
    Pitched,
    EyesClosed,
    MouthOpen,
    /// The picture has no colour (a webcam's monochrome night mode in low light).
    NoColour,
}

impl Warn {
    pub fn key(self) -> &'static str {
        match self {
            Warn::NoFace => "warn.no_face",
            Warn::ManyFaces => "warn.many_faces",
            Warn::TooFar => "warn.too_far",
            Warn::TooClose => "warn.too_close",
            Warn::MoveUp => "warn.move_up",
            Warn::MoveDown => "warn.move_down",
            Warn::MoveLeft => "warn.move_left",
            Warn::MoveRight => "warn.move_right",
            Warn::TooDark => "warn.too_dark",
            Warn::TooBright => "warn.too_bright",
            Warn::UnevenLight => "warn.uneven_light",
            Warn::Background => "warn.background",
            Warn::Turned => "warn.turned",
            Warn::TiltRight => "warn.tilt_right",
            Warn::TiltLeft => "warn.tilt_left",
            Warn::Pitched => "warn.pitched",
            Warn::EyesClosed => "warn.eyes_closed",
            Warn::MouthOpen => "warn.mouth_open",
            Warn::Glasses => "warn.glasses",
            Warn::Hat => "warn.hat",
            Warn::NoColour => "warn.no_colour",
        }
    }
}

/// The warnings one live result raises (before smoothing).
pub fn warnings(r: &LiveResult, spec: &Spec) -> Vec<Warn> {
    let mut out = Vec::new();
    let failed = |id: RuleId| r.verdicts.iter().find(|v| v.rule == id).filter(|v| v.status == Status::Fail);
    if r.measurements.faces > 1 {
        out.push(Warn::ManyFaces);
    }
    let Some(face) = &r.analysis.main else {
        out.push(Warn::NoFace);
        return out;
    };
    if let Some(v) = failed(RuleId::Exposure) {
        let q = &spec.quality.face_lightness;
        let mid = q.middle().unwrap_or(60.0);
        let l = r.measurements.face_lightness.or(v.value).unwrap_or(mid);
        out.push(if l < mid { Warn::TooDark } else { Warn::TooBright });
    }
    // Glasses (and hats, below) are said before the capture, not found after it. (Where clear glasses
    // are allowed the rule fails only for tint or glare, which taking them off is not the
    // only fix for: a person looks at the counter.)
    if failed(RuleId::Glasses).is_some() && !spec.glasses_allowed() {
        out.push(Warn::Glasses);
    }
    // Which way: the eye line falls to the image's right (roll > 0) when the head leans to the
    // person's left (camera pixels are not mirrored).
    if failed(RuleId::Roll).is_some() {
        out.push(if r.measurements.roll.unwrap_or(0.0) > 0.0 { Warn::TiltRight } else { Warn::TiltLeft });
    }
    for (id, w) in [
        (RuleId::Headwear, Warn::Hat),
        (RuleId::Colour, Warn::NoColour),
        (RuleId::LightingUniformity, Warn::UnevenLight),
        (RuleId::BackgroundUniformity, Warn::Background),
        (RuleId::Yaw, Warn::Turned),
        (RuleId::Pitch, Warn::Pitched),
        (RuleId::EyesOpen, Warn::EyesClosed),
        (RuleId::MouthClosed, Warn::MouthOpen),
    ] {
        if failed(id).is_some() {
            out.push(w);
        }
    }
    // Position and size against the booth's fixed target framing.
    let target = Target::new(r.width as f64, r.height as f64, spec);
    let bands = Bands::new(spec);
    let lm = &face.landmarks;
    let top = target.to_output(r.head_top.map_or(lm.skull_top, |t| t.at));
    let chin = target.to_output(lm.chin);
    let eyes = target.to_output(lm.eye_mid());
    if let Some((lo, hi)) = bands.head {
        let head = chin.y - top.y;
        let slack = spec.live.head_size_slack.value.unwrap_or(0.07);
        if head < lo * (1.0 - slack) {
            out.push(Warn::TooFar);
        } else if head > hi * (1.0 + slack) {
            out.push(Warn::TooClose);
        }
    }
    if let Some((a, b)) = bands.eyes {
        let tol = bands.height * spec.live.eye_line_slack.value.unwrap_or(0.03);
        if eyes.y < a - tol {
            out.push(Warn::MoveDown);
        } else if eyes.y > b + tol {
            out.push(Warn::MoveUp);
        }
    }
    let slack = spec.live.centre_slack.value.unwrap_or(0.06);
    let tol = spec.geometry.centering.as_ref().and_then(|l| l.max).unwrap_or(0.0).max(bands.width * slack);
    // Camera pixels are not mirrored: a face right of centre is on the person's left.
    if eyes.x > bands.width / 2.0 + tol {
        out.push(Warn::MoveRight);
    } else if eyes.x < bands.width / 2.0 - tol {
        out.push(Warn::MoveLeft);
    }
    out
}

/// Shows a warning when it held in at least `need` of the last `window` analyses: no flicker.
pub struct Smoother {
    history: VecDeque<Vec<Warn>>,
    window: usize,
    need: usize,
    last_seq: u64,
}

impl Default for Smoother {
    fn default() -> Smoother {
        Smoother { history: VecDeque::new(), window: 5, need: 3, last_seq: 0 }
    }
}

impl Smoother {
    /// Add the warnings of analysis `seq` (a repeated `seq` is ignored).
    pub fn push(&mut self, seq: u64, warns: Vec<Warn>) {
        if seq == self.last_seq && !self.history.is_empty() {
            return;
        }
        self.last_seq = seq;
        self.history.push_back(warns);
        while self.history.len() > self.window {
            self.history.pop_front();
        }
    }

    pub fn active(&self) -> Vec<Warn> {
        let mut all: Vec<Warn> = self.history.iter().flatten().copied().collect();
        all.sort();
        all.dedup();
        let need = self.need.min(self.history.len().max(1));
        all.retain(|w| self.history.iter().filter(|h| h.contains(w)).count() >= need);
        all
    }

    pub fn clear(&mut self) {
        self.history.clear();
        self.last_seq = 0;
    }

    /// Analyses seen so far (up to the window).
    pub fn len(&self) -> usize {
        self.history.len()
    }

    pub fn is_empty(&self) -> bool {
        self.history.is_empty()
    }
}

/// The kiosk's auto-capture: how long the framing has held, and the burst after the countdown.
#[derive(Debug, Default)]
pub struct Guide {
    ready_since: Option<Instant>,
    lost_since: Option<Instant>,
    /// The countdown ended: frames are being kept until the burst is full.
    pub burst_started: Option<Instant>,
    last_kept: u64,
}

impl Guide {
    /// Feed whether everything is in order now; returns for how long it has been.
    pub fn ready_for(&mut self, ready: bool, now: Instant) -> Duration {
        if ready {
            self.lost_since = None;
            now.duration_since(*self.ready_since.get_or_insert(now))
        } else {
            self.ready_since = None;
            self.lost_since.get_or_insert(now);
            Duration::ZERO
        }
    }

    /// How long things have not been in order (zero while they are).
    pub fn lost_for(&mut self, now: Instant) -> Duration {
        now.duration_since(*self.lost_since.get_or_insert(now))
    }

    /// During the burst, keep each newly analysed frame with its score.
    pub fn keep_frame(&mut self, r: &LiveResult, burst: &mut Vec<(Arc<Frame>, f64)>) {
        if self.burst_started.is_none() || r.seq == self.last_kept {
            return;
        }
        self.last_kept = r.seq;
        burst.push((r.frame.clone(), score(r)));
    }
}

/// How good a live frame is for the photo: no failed rule first, then the widest-open eyes
/// (a blink is the usual loss), then the least mouth opening.
pub fn score(r: &LiveResult) -> f64 {
    if r.analysis.main.is_none() {
        return f64::MIN;
    }
    let fails = r.verdicts.iter().filter(|v| v.status == Status::Fail).count() as f64;
    let eyes = r.measurements.eye_openness.unwrap_or(0.0);
    let mouth = r.measurements.mouth_opening.unwrap_or(1.0);
    -10.0 * fails + eyes - 0.5 * mouth
}

/// The best-scored frame of a burst.
pub fn best_of(burst: &[(Arc<Frame>, f64)]) -> Option<Arc<Frame>> {
    burst.iter().max_by(|a, b| a.1.total_cmp(&b.1)).map(|(f, _)| f.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_warning_needs_three_of_the_last_five() {
        let mut s = Smoother::default();
        s.push(1, vec![Warn::TooDark]);
        // The first analyses count at once (need is capped by what was seen).
        assert_eq!(s.active(), [Warn::TooDark]);
        s.push(2, vec![]);
        s.push(3, vec![]);
        assert!(s.active().is_empty(), "1 of 3");
        s.push(4, vec![Warn::TooDark]);
        s.push(4, vec![Warn::TooDark]); // same analysis twice: ignored
        s.push(5, vec![Warn::TooDark]);
        assert_eq!(s.active(), [Warn::TooDark]);
        for seq in 6..9 {
            s.push(seq, vec![]);
        }
        assert!(s.active().is_empty());
    }

    /// One instruction at a time: framing first, then what the person can take off, then the
    /// light (a kiosk customer told only "too bright" while wearing a cap stands there).
    #[test]
    fn glasses_and_hats_are_said_before_the_light_and_after_the_framing() {
        let mut s = Smoother::default();
        s.push(1, vec![Warn::TooBright, Warn::UnevenLight, Warn::Hat, Warn::Glasses]);
        assert_eq!(s.active(), [Warn::Glasses, Warn::Hat, Warn::TooBright, Warn::UnevenLight]);
        for seq in 2..5 {
            s.push(seq, vec![Warn::TooBright, Warn::Hat, Warn::TooFar]);
        }
        assert_eq!(s.active(), [Warn::TooFar, Warn::Hat, Warn::TooBright]);
    }

    #[test]
    fn the_target_is_centred_and_bands_are_ordered() {
        let spec = crate::spec::SpecBook::builtin().get(crate::spec::DEFAULT_SPEC).unwrap().clone();
        let t = Target::new(640.0, 480.0, &spec);
        assert!((t.y0 - 24.0).abs() < 1e-9);
        assert!((t.x0 * 2.0 + spec.width() as f64 * t.scale - 640.0).abs() < 1e-9);
        let b = Bands::new(&spec);
        let (c, e, ch) = (b.crown.unwrap(), b.eyes.unwrap(), b.chin.unwrap());
        assert!(c.1 < e.0 && e.1 < ch.0 && ch.1 < b.height, "{b:?}");
    }
}
