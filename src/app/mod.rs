//! The desktop window (eframe/egui) over the engine: live camera preview with guides and
//! warnings, capture, review with the checklist, the applicant form and export.
//!
//! Data lives in [`state`] and [`live`] (no egui there); this module only draws it and turns
//! clicks into calls. Nothing here waits on inference: stills are checked on a worker thread,
//! live frames by the analysis worker of [`live::LiveSession`].

pub mod fonts;
pub mod guides;
pub mod live;
pub mod state;
pub mod text;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError};
use std::time::{Duration, Instant};

use egui::{Color32, RichText, TextureHandle, TextureOptions, pos2, vec2};

use crate::Lang;
use crate::capture::frames::{CaptureError, FrameSource, RecordedFrames};
use crate::capture::{Portrait, decode_photo, load_photo};
use crate::compose::background::BackgroundChoice;
use crate::judge::{Overall, Status};
use crate::spec::{DEFAULT_SPEC, Spec, SpecBook};
use live::{LiveSession, Smoother, SourceFactory, Target, Warn};
use state::{Document, Form, Settings, Still};
use text::{t, ta};

/// The bundled sample portrait (public domain; see assets/samples/README.md).
pub const SAMPLE: &[u8] = include_bytes!("../../assets/samples/grace_hopper.jpg");

/// How the app picks files: the system dialog, or a stand-in in tests.
pub trait FilePicker {
    fn pick_photo(&mut self) -> Option<PathBuf>;
    fn pick_folder(&mut self, start: &Path) -> Option<PathBuf>;
}

/// The system's file dialog (rfd).
pub struct SystemPicker;

impl FilePicker for SystemPicker {
    fn pick_photo(&mut self) -> Option<PathBuf> {
        rfd::FileDialog::new()
            .add_filter("photo", &["jpg", "jpeg", "png", "tif", "tiff", "webp", "bmp", "JPG", "JPEG", "PNG"])
            .pick_file()
    }
    fn pick_folder(&mut self, start: &Path) -> Option<PathBuf> {
        rfd::FileDialog::new().set_directory(start).pick_folder()
    }
}

/// Makes a new frame source each time the live preview (re)starts.
pub type SourceMaker = Box<dyn Fn() -> SourceFactory>;

/// How the window starts.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Open this photo at once.
    pub photo: Option<PathBuf>,
    /// Play the photos in this folder as a live camera.
    pub frames: Option<PathBuf>,
    pub lang: Option<Lang>,
    pub spec: Option<String>,
    /// Look for a camera at start.
    pub camera: bool,
    /// Show the bundled sample when there is neither a photo nor a camera.
    pub sample: bool,
    /// Full screen, larger controls, back to the start after a while on the done screen.
    pub kiosk: bool,
    /// Where to remember settings (`None`: nothing is remembered).
    pub settings: Option<PathBuf>,
}

enum StillState {
    None,
    Checking(Receiver<Result<Still, String>>),
    Done(Box<Still>),
}

pub struct BoothApp {
    pub book: SpecBook,
    pub spec_idx: usize,
    pub lang: Lang,
    pub form: Form,
    pub folder: PathBuf,
    pub mirror: bool,
    pub show_guides: bool,
    /// Background of the result: replaced as the spec allows, kept, or a chosen allowed colour.
    pub background: BackgroundChoice,
    settings: Settings,
    settings_path: Option<PathBuf>,
    picker: Box<dyn FilePicker>,
    kiosk: bool,
    // Source
    #[cfg(feature = "camera")]
    cameras: Vec<crate::capture::camera::CameraDevice>,
    live_maker: Option<SourceMaker>,
    live: Option<LiveSession>,
    countdown: Option<Instant>,
    smoother: Smoother,
    preview: Option<(TextureHandle, u64)>,
    // Still
    still: StillState,
    result_tex: Option<(TextureHandle, u64)>,
    still_gen: u64,
    // Messages
    notice: Option<String>,
    error: Option<String>,
    export_msg: Option<(String, bool)>,
    pub last_export: Option<crate::export::Saved>,
    frame_times: std::collections::VecDeque<Instant>,
    last_stats_print: Instant,
    last_input: Instant,
    wake_ctx: Option<egui::Context>,
}

impl BoothApp {
    pub fn new(opts: Options, picker: Box<dyn FilePicker>) -> BoothApp {
        let settings = opts.settings.as_deref().map(Settings::load).unwrap_or_default();
        let book = SpecBook::load();
        let spec_id = opts.spec.clone().or(settings.spec.clone()).unwrap_or_else(|| DEFAULT_SPEC.to_string());
        let spec_idx = book.all().iter().position(|s| s.id == spec_id).unwrap_or(0);
        let mut app = BoothApp {
            book,
            spec_idx,
            lang: opts.lang.or(settings.lang).unwrap_or_default(),
            form: Form::default(),
            folder: settings.folder.clone().unwrap_or_else(state::default_folder),
            mirror: settings.mirror,
            show_guides: true,
            background: BackgroundChoice::Auto,
            settings,
            settings_path: opts.settings.clone(),
            picker,
            kiosk: opts.kiosk,
            #[cfg(feature = "camera")]
            cameras: Vec::new(),
            live_maker: None,
            live: None,
            countdown: None,
            smoother: Smoother::default(),
            preview: None,
            still: StillState::None,
            result_tex: None,
            still_gen: 0,
            notice: None,
            error: None,
            export_msg: None,
            last_export: None,
            frame_times: Default::default(),
            last_stats_print: Instant::now(),
            last_input: Instant::now(),
            wake_ctx: None,
        };
        if let Some(p) = &opts.photo {
            app.open_path(p);
        } else if let Some(dir) = &opts.frames {
            let dir = dir.clone();
            app.set_live_source(Box::new(move || {
                let dir = dir.clone();
                Box::new(move || RecordedFrames::from_dir(&dir, 15.0).map(|s| Box::new(s) as Box<dyn FrameSource>))
            }));
        } else {
            let camera = opts.camera && app.start_saved_camera();
            if !camera && opts.sample {
                app.notice = Some(t(app.lang, "first_run"));
                app.open_portrait(decode_photo(SAMPLE).expect("the bundled sample decodes"));
            }
        }
        app
    }

    pub fn spec(&self) -> &Spec {
        &self.book.all()[self.spec_idx]
    }

    /// Same path as Open… and drag-and-drop: load a photo file and check it.
    pub fn open_path(&mut self, path: &Path) {
        match load_photo(path) {
            Ok(p) => self.open_portrait(p),
            Err(e) => self.error = Some(ta(self.lang, "photo_error", &[("error", e.to_string())])),
        }
    }

    /// Check a still on a worker thread (the window keeps drawing; a spinner shows).
    pub fn open_portrait(&mut self, portrait: Portrait) {
        self.stop_live();
        self.error = None;
        self.export_msg = None;
        self.last_export = None;
        let (tx, rx) = std::sync::mpsc::channel();
        let (spec, lang, ctx) = (self.spec().clone(), self.lang, self.wake_ctx.clone());
        let bg = self.background.clone();
        std::thread::spawn(move || {
            let _ = tx.send(Still::check(portrait, &spec, lang, &bg));
            if let Some(ctx) = ctx {
                ctx.request_repaint();
            }
        });
        self.still = StillState::Checking(rx);
    }

    /// A still is being checked.
    pub fn is_busy(&self) -> bool {
        matches!(self.still, StillState::Checking(_))
    }

    pub fn still(&self) -> Option<&Still> {
        match &self.still {
            StillState::Done(s) => Some(s),
            _ => None,
        }
    }

    /// Pixel size of the cropped result (the spec's size).
    pub fn result_size(&self) -> Option<(u32, u32)> {
        self.still()?.composed.as_ref().map(|c| c.image.dimensions())
    }

    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    pub fn set_spec(&mut self, id: &str) {
        if let Some(i) = self.book.all().iter().position(|s| s.id == id)
            && i != self.spec_idx
        {
            self.spec_idx = i;
            self.on_spec_or_lang_change();
        }
    }

    pub fn set_lang(&mut self, lang: Lang) {
        if lang != self.lang {
            self.lang = lang;
            // Texts only: the verdicts stay as they are.
            let spec = self.spec().clone();
            if let StillState::Done(s) = &mut self.still {
                s.set_lang(&spec, lang);
            }
            if let Some(l) = &self.live {
                l.set_spec(&spec, lang);
            }
            self.export_msg = None;
            self.settings.lang = Some(lang);
            self.save_settings();
        }
    }

    fn on_spec_or_lang_change(&mut self) {
        let (spec, lang) = (self.spec().clone(), self.lang);
        // A colour the new spec does not allow falls back to the spec's own choice.
        if let BackgroundChoice::Color(name) = &self.background
            && spec.background_color(name).is_none()
        {
            self.background = BackgroundChoice::Auto;
        }
        let bg = self.background.clone();
        if let StillState::Done(s) = &self.still {
            // Re-judge from the cached detection on a worker: composing runs the matte model.
            let session = s.session.clone();
            let (tx, rx) = std::sync::mpsc::channel();
            let (spec, ctx) = (spec.clone(), self.wake_ctx.clone());
            std::thread::spawn(move || {
                let _ = tx.send(Ok(Still::judged(session, &spec, lang, &bg)));
                if let Some(ctx) = ctx {
                    ctx.request_repaint();
                }
            });
            self.still = StillState::Checking(rx);
        }
        if let Some(l) = &self.live {
            l.set_spec(&spec, lang);
        }
        self.export_msg = None;
        self.settings.spec = Some(spec.id.clone());
        self.settings.lang = Some(lang);
        self.save_settings();
    }

    fn save_settings(&mut self) {
        self.settings.mirror = self.mirror;
        self.settings.folder = Some(self.folder.clone());
        if let Some(p) = &self.settings_path {
            self.settings.save(p);
        }
    }

    /// Use `maker` for the live preview and start it (tests pass recorded frames here).
    pub fn set_live_source(&mut self, maker: SourceMaker) {
        self.live_maker = Some(maker);
        self.start_live();
    }

    fn start_live(&mut self) {
        if self.live_maker.is_none() {
            return;
        }
        self.stop_live();
        self.still = StillState::None;
        self.error = None;
        self.smoother.clear();
        self.preview = None;
        let ctx = self.wake_ctx.clone();
        let wake: Option<live::Wake> = ctx.map(|c| Arc::new(move || c.request_repaint()) as live::Wake);
        let factory = self.live_maker.as_ref().map(|m| m());
        if let Some(factory) = factory {
            self.live = Some(LiveSession::start(factory, self.spec(), self.lang, wake));
        }
    }

    fn stop_live(&mut self) {
        self.countdown = None;
        if let Some(mut l) = self.live.take() {
            l.stop();
        }
    }

    pub fn is_live(&self) -> bool {
        self.live.is_some()
    }

    /// The smoothed live warnings now shown.
    pub fn live_warnings(&self) -> Vec<Warn> {
        self.smoother.active()
    }

    /// Analyses folded into the warnings so far (up to the smoothing window).
    pub fn live_analyses(&self) -> u64 {
        self.live.as_ref().map_or(0, |l| l.stats().1)
    }

    /// (UI frames per second, analyses per second) of the live preview.
    pub fn live_fps(&self) -> (f64, f64) {
        let ui = match (self.frame_times.front(), self.frame_times.back()) {
            (Some(a), Some(b)) if self.frame_times.len() > 1 => {
                (self.frame_times.len() - 1) as f64 / (*b - *a).as_secs_f64().max(1e-6)
            }
            _ => 0.0,
        };
        let an = self.live.as_ref().map_or(0.0, |l| {
            let (_, n, secs) = l.stats();
            n as f64 / secs.max(1e-6)
        });
        (ui, an)
    }

    #[cfg(feature = "camera")]
    fn start_saved_camera(&mut self) -> bool {
        self.cameras = crate::capture::camera::list_cameras().unwrap_or_default();
        if self.cameras.is_empty() {
            self.notice = Some(t(self.lang, "no_camera"));
            return false;
        }
        let index = self
            .settings
            .camera
            .filter(|i| self.cameras.iter().any(|c| c.index == *i))
            .unwrap_or(self.cameras[0].index);
        self.use_camera(index);
        true
    }

    #[cfg(not(feature = "camera"))]
    fn start_saved_camera(&mut self) -> bool {
        self.notice = Some(t(self.lang, "no_camera"));
        false
    }

    #[cfg(feature = "camera")]
    fn use_camera(&mut self, index: u32) {
        self.settings.camera = Some(index);
        let (w, h) = self.settings.resolution;
        self.save_settings();
        self.set_live_source(Box::new(move || {
            Box::new(move || {
                crate::capture::camera::CameraSource::open(index, w, h).map(|s| Box::new(s) as Box<dyn FrameSource>)
            })
        }));
    }

    fn capture(&mut self) {
        let Some(frame) = self.live.as_ref().and_then(|l| l.latest_frame()) else { return };
        let portrait = Portrait::from_rgb(frame.image.clone());
        self.open_portrait(portrait);
    }

    fn retake(&mut self) {
        if self.live_maker.is_some() {
            self.start_live();
        } else {
            self.open_dialog();
        }
    }

    fn open_dialog(&mut self) {
        if let Some(p) = self.picker.pick_photo() {
            self.open_path(&p);
        }
    }

    /// Poll the workers; never blocks.
    fn poll(&mut self, ctx: &egui::Context) {
        if let StillState::Checking(rx) = &self.still {
            match rx.try_recv() {
                Ok(Ok(s)) => {
                    self.still = StillState::Done(Box::new(s));
                    self.still_gen += 1;
                }
                Ok(Err(e)) => {
                    self.error = Some(ta(self.lang, "check_error", &[("error", e)]));
                    self.still = StillState::None;
                }
                Err(TryRecvError::Empty) => ctx.request_repaint_after(Duration::from_millis(30)),
                Err(TryRecvError::Disconnected) => self.still = StillState::None,
            }
        }
        let mut camera_error = None;
        if let Some(l) = &self.live {
            if let Some(e) = l.error() {
                camera_error = Some(e);
            } else if let Some(r) = l.latest_result() {
                self.smoother.push(r.seq, live::warnings(&r, &self.book.all()[self.spec_idx]));
            }
            ctx.request_repaint_after(Duration::from_millis(15));
        }
        if let Some(e) = camera_error {
            self.stop_live();
            self.error = Some(match e {
                CaptureError::NoDevice => t(self.lang, "no_camera"),
                e => ta(self.lang, "camera_error", &[("error", e.to_string())]),
            });
        }
        // Files dropped onto the window.
        let dropped = ctx.input(|i| i.raw.dropped_files.iter().map(|f| f.path().to_path_buf()).collect::<Vec<_>>());
        if let Some(p) = dropped.into_iter().find(|p| !p.as_os_str().is_empty()) {
            self.open_path(&p);
        }
        // Countdown to the capture.
        if let Some(start) = self.countdown {
            if start.elapsed() >= Duration::from_secs(3) {
                self.countdown = None;
                self.capture();
            } else {
                ctx.request_repaint_after(Duration::from_millis(50));
            }
        }
    }

    /// Draw the whole window.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        if self.wake_ctx.is_none() {
            self.wake_ctx = Some(ctx.clone());
        }
        let now = Instant::now();
        self.frame_times.push_back(now);
        while self.frame_times.len() > 60 {
            self.frame_times.pop_front();
        }
        if ctx.input(|i| !i.events.is_empty() || i.pointer.is_moving()) {
            self.last_input = now;
        }
        self.poll(&ctx);
        if std::env::var_os("IDBOOTH_STATS").is_some() && self.last_stats_print.elapsed() > Duration::from_secs(2) {
            self.last_stats_print = now;
            let (u, a) = self.live_fps();
            eprintln!("idbooth stats: ui {u:.1} fps, analysis {a:.1} fps");
        }
        if self.kiosk && self.last_export.is_some() && self.last_input.elapsed() > Duration::from_secs(90) {
            self.form = Form::default();
            self.last_export = None;
            self.export_msg = None;
            self.retake();
        }

        egui::Panel::top("top").show(ui, |ui| self.top_bar(ui));
        egui::Panel::bottom("status").show(ui, |ui| self.status_bar(ui));
        egui::CentralPanel::default().show(ui, |ui| {
            if self.live.is_some() {
                self.live_view(ui);
            } else if self.is_busy() {
                ui.centered_and_justified(|ui| {
                    ui.horizontal(|ui| {
                        ui.spinner();
                        ui.label(RichText::new(t(self.lang, "checking")).size(20.0));
                    });
                });
            } else if matches!(self.still, StillState::Done(_)) {
                self.review(ui);
            } else {
                self.welcome(ui);
            }
        });
    }

    fn top_bar(&mut self, ui: &mut egui::Ui) {
        let lang = self.lang;
        ui.horizontal_wrapped(|ui| {
            ui.heading(t(lang, "title"));
            ui.separator();
            if ui.button(t(lang, "open")).clicked() {
                self.open_dialog();
            }
            if ui.button(t(lang, "sample")).clicked() {
                self.open_portrait(decode_photo(SAMPLE).expect("the bundled sample decodes"));
            }
            #[cfg(feature = "camera")]
            self.camera_controls(ui);
            ui.separator();
            let label = ui.label(t(lang, "spec"));
            let mut idx = self.spec_idx;
            let name = |s: &Spec| format!("{} ({}×{})", s.name(lang), s.width(), s.height());
            egui::ComboBox::from_id_salt("spec")
                .selected_text(name(self.spec()))
                .width(330.0)
                .show_ui(ui, |ui| {
                    for (i, s) in self.book.all().iter().enumerate() {
                        ui.selectable_value(&mut idx, i, name(s));
                    }
                })
                .response
                .labelled_by(label.id);
            if idx != self.spec_idx {
                self.spec_idx = idx;
                self.on_spec_or_lang_change();
            }
            ui.separator();
            for l in [Lang::En, Lang::Zh] {
                if ui.selectable_label(self.lang == l, t(l, "lang_name")).clicked() {
                    self.set_lang(l);
                }
            }
        });
    }

    #[cfg(feature = "camera")]
    fn camera_controls(&mut self, ui: &mut egui::Ui) {
        use crate::capture::camera::RESOLUTIONS;
        if self.cameras.is_empty() {
            return;
        }
        let lang = self.lang;
        ui.separator();
        let current = self.settings.camera.unwrap_or(self.cameras[0].index);
        let mut chosen = current;
        let label = |c: &crate::capture::camera::CameraDevice| format!("{} {}", c.index, c.name);
        let selected = self.cameras.iter().find(|c| c.index == current).map(label).unwrap_or_default();
        egui::ComboBox::from_id_salt("camera")
            .selected_text(selected)
            .show_ui(ui, |ui| {
                for c in &self.cameras {
                    ui.selectable_value(&mut chosen, c.index, label(c));
                }
            })
            .response
            .accessible_name(t(lang, "camera"));
        let mut res = self.settings.resolution;
        egui::ComboBox::from_id_salt("resolution")
            .selected_text(format!("{}×{}", res.0, res.1))
            .show_ui(ui, |ui| {
                for r in RESOLUTIONS {
                    ui.selectable_value(&mut res, *r, format!("{}×{}", r.0, r.1));
                }
            })
            .response
            .accessible_name(t(lang, "resolution"));
        if ui.checkbox(&mut self.mirror, t(lang, "mirror")).changed() {
            self.save_settings();
        }
        let start = self.live.is_none() && ui.button(t(lang, "start_camera")).clicked();
        if chosen != current || res != self.settings.resolution || start {
            self.settings.resolution = res;
            self.use_camera(chosen);
        }
    }

    fn status_bar(&mut self, ui: &mut egui::Ui) {
        ui.horizontal_wrapped(|ui| {
            if let Some(e) = &self.error {
                ui.colored_label(Color32::from_rgb(220, 60, 50), e);
            } else if let Some(n) = &self.notice {
                ui.label(n);
            }
            if let Some(l) = &self.live {
                ui.separator();
                let info = l.info();
                if info.is_empty() {
                    ui.label(t(self.lang, "camera_starting"));
                } else {
                    ui.label(ta(self.lang, "source", &[("source", info)]));
                }
                let (u, a) = self.live_fps();
                ui.label(ta(self.lang, "live_stats", &[("ui", format!("{u:.0}")), ("an", format!("{a:.1}"))]));
            }
        });
    }

    fn welcome(&mut self, ui: &mut egui::Ui) {
        let lang = self.lang;
        ui.vertical_centered(|ui| {
            ui.add_space(60.0);
            if let Some(n) = &self.notice {
                ui.label(RichText::new(n).size(18.0));
            }
            ui.add_space(20.0);
            if ui.button(RichText::new(t(lang, "open")).size(22.0)).clicked() {
                self.open_dialog();
            }
            ui.add_space(8.0);
            if ui.button(RichText::new(t(lang, "sample")).size(18.0)).clicked() {
                self.open_portrait(decode_photo(SAMPLE).expect("the bundled sample decodes"));
            }
            ui.add_space(20.0);
            ui.label(t(lang, "drop_hint"));
        });
    }

    fn live_view(&mut self, ui: &mut egui::Ui) {
        let lang = self.lang;
        let Some(session) = &self.live else { return };
        let frame = session.latest_frame();
        let result = session.latest_result();
        egui::Panel::right("warnings").min_size(300.0).show(ui, |ui| {
            ui.add_space(8.0);
            let warns = self.smoother.active();
            if self.smoother.is_empty() {
                ui.label(t(lang, "camera_starting"));
            } else if warns.is_empty() {
                ui.label(RichText::new(t(lang, "live_ok")).size(20.0).color(Color32::from_rgb(60, 170, 60)));
            }
            for w in &warns {
                ui.label(
                    RichText::new(format!("● {}", t(lang, w.key()))).size(20.0).color(Color32::from_rgb(230, 150, 30)),
                );
            }
            ui.add_space(20.0);
            if self.countdown.is_some() {
                if ui.button(RichText::new(t(lang, "cancel")).size(20.0)).clicked() {
                    self.countdown = None;
                }
            } else if ui.button(RichText::new(t(lang, "capture")).size(22.0)).clicked()
                || ui.input(|i| i.key_pressed(egui::Key::Space))
            {
                self.countdown = Some(Instant::now());
            }
        });
        let Some(frame) = frame else {
            ui.centered_and_justified(|ui| ui.spinner());
            return;
        };
        let (fw, fh) = frame.image.dimensions();
        match &mut self.preview {
            Some((_, seq)) if *seq == frame.seq => {}
            slot => {
                let img = egui::ColorImage::from_rgb([fw as usize, fh as usize], frame.image.as_raw());
                match slot {
                    Some((tex, seq)) => {
                        tex.set(img, TextureOptions::LINEAR);
                        *seq = frame.seq;
                    }
                    None => *slot = Some((ui.ctx().load_texture("live", img, TextureOptions::LINEAR), frame.seq)),
                }
            }
        }
        let Some((tex, _)) = &self.preview else { return };
        let avail = ui.available_size();
        let k = (avail.x / fw as f32).min(avail.y / fh as f32);
        let (rect, _) = ui.allocate_exact_size(vec2(fw as f32 * k, fh as f32 * k), egui::Sense::hover());
        let uv = if self.mirror {
            egui::Rect::from_min_max(pos2(1.0, 0.0), pos2(0.0, 1.0))
        } else {
            egui::Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0))
        };
        let painter = ui.painter_at(rect);
        painter.image(tex.id(), rect, uv, Color32::WHITE);
        let spec = self.spec();
        let target = Target::new(fw as f64, fh as f64, spec);
        let (w, h) = (spec.width() as f64 * target.scale, spec.height() as f64 * target.scale);
        let to_screen = |x: f64, y: f64| {
            let x = if self.mirror { fw as f64 - x } else { x };
            rect.min + vec2(x as f32 * k, y as f32 * k)
        };
        let a = to_screen(target.x0, target.y0);
        let b = to_screen(target.x0 + w, target.y0 + h);
        let guide = egui::Rect::from_two_pos(a, b);
        let mut marks = guides::Marks::default();
        if let Some(r) = &result
            && let Some(face) = &r.analysis.main
            && (r.width, r.height) == (fw, fh)
        {
            let lm = &face.landmarks;
            let p = |q: crate::geometry::Point| to_screen(q.x, q.y);
            marks.pupils = Some([p(lm.left_pupil), p(lm.right_pupil)]);
            marks.chin = Some(p(lm.chin));
            marks.head_top = Some(p(lm.head_top.point().unwrap_or(lm.skull_top)));
        }
        guides::draw(&painter, guide, spec, Some(rect), &marks);
        if let Some(start) = self.countdown {
            let n = 3 - start.elapsed().as_secs().min(2);
            painter.text(
                rect.center(),
                egui::Align2::CENTER_CENTER,
                n.to_string(),
                egui::FontId::proportional(160.0),
                Color32::from_white_alpha(220),
            );
        }
    }

    fn review(&mut self, ui: &mut egui::Ui) {
        let lang = self.lang;
        let StillState::Done(still) = &self.still else { return };
        let spec = self.book.all()[self.spec_idx].clone();
        // The result texture follows every re-judge (spec or language change).
        if self.result_tex.as_ref().is_none_or(|(_, g)| *g != self.still_gen) {
            self.result_tex = still.composed.as_ref().map(|c| &c.image).map(|o| {
                let img = egui::ColorImage::from_rgb([o.width() as usize, o.height() as usize], o.as_raw());
                (ui.ctx().load_texture("result", img, TextureOptions::LINEAR), self.still_gen)
            });
        }
        let mut retake = false;
        let mut new_bg = self.background.clone();
        egui::Panel::left("result").min_size(360.0).show(ui, |ui| {
            ui.add_space(6.0);
            ui.heading(t(lang, "result"));
            if let (Some((tex, _)), Some(out)) = (&self.result_tex, still.composed.as_ref().map(|c| &c.image)) {
                let (w, h) = (out.width() as f32, out.height() as f32);
                // Shown at a fixed 0.8 screen px per output px while it fits: a bigger spec is bigger.
                let k = 0.8f32.min((ui.available_height() - 120.0).max(100.0) / h).min(420.0 / w);
                let (rect, _) = ui.allocate_exact_size(vec2(w * k, h * k), egui::Sense::hover());
                ui.painter().image(
                    tex.id(),
                    rect,
                    egui::Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0)),
                    Color32::WHITE,
                );
                if self.show_guides {
                    let mut marks = guides::Marks::default();
                    if let (Some(face), Ok(crop)) = (&still.session.analysis.main, &still.judgement.crop) {
                        let lm = &face.landmarks;
                        let p = |q: crate::geometry::Point| {
                            let o = crop.transform.apply(q);
                            rect.min + vec2(o.x as f32 * k, o.y as f32 * k)
                        };
                        marks.pupils = Some([p(lm.left_pupil), p(lm.right_pupil)]);
                        marks.chin = Some(p(lm.chin));
                        marks.head_top = Some(p(lm.head_top.point().unwrap_or(lm.skull_top)));
                    }
                    guides::draw(&ui.painter_at(rect), rect, &spec, None, &marks);
                }
                ui.label(ta(
                    lang,
                    "result_size",
                    &[("w", out.width().to_string()), ("h", out.height().to_string()), ("dpi", spec.dpi().to_string())],
                ));
                ui.checkbox(&mut self.show_guides, t(lang, "guides"));
                let label = ui.label(t(lang, "background"));
                let name = |b: &BackgroundChoice| match b {
                    BackgroundChoice::Auto => t(lang, "bg_auto"),
                    BackgroundChoice::Keep => t(lang, "bg_keep"),
                    BackgroundChoice::Color(c) => spec.background_color(c).map_or(c.clone(), |c| match lang {
                        Lang::Zh => c.name_zh.clone().unwrap_or_else(|| c.name.clone()),
                        Lang::En => c.name.replace('-', " "),
                    }),
                };
                let mut choices = vec![BackgroundChoice::Auto, BackgroundChoice::Keep];
                if spec.background.replace_allowed.value.unwrap_or(0.0) > 0.0 {
                    choices.extend(spec.background.colors.iter().map(|c| BackgroundChoice::Color(c.name.clone())));
                }
                egui::ComboBox::from_id_salt("background")
                    .selected_text(name(&self.background))
                    .show_ui(ui, |ui| {
                        for c in &choices {
                            ui.selectable_value(&mut new_bg, c.clone(), name(c));
                        }
                    })
                    .response
                    .labelled_by(label.id);
            }
            ui.add_space(8.0);
            if ui.button(RichText::new(t(lang, "retake")).size(18.0)).clicked() {
                retake = true;
            }
        });
        egui::CentralPanel::default().show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                if self.summary(ui) {
                    ui.add_space(12.0);
                    ui.separator();
                    self.export_form(ui);
                }
            });
        });
        if new_bg != self.background {
            self.background = new_bg;
            self.on_spec_or_lang_change();
        }
        if retake {
            self.retake();
        }
    }

    /// The verdict and the checklist; false (and a message instead) when there is no face.
    fn summary(&self, ui: &mut egui::Ui) -> bool {
        let lang = self.lang;
        let Some(still) = self.still() else { return false };
        let report = still.report();
        if !still.has_face() {
            ui.add_space(20.0);
            ui.label(RichText::new(t(lang, "no_face")).size(20.0).color(Color32::from_rgb(220, 60, 50)));
            return false;
        }
        let count = |st: Status| report.verdicts().filter(|v| v.status == st).count();
        let open = report.verdicts().filter(|v| !v.status.is_ok()).count();
        let (text, color) = match report.overall {
            Overall::Pass if count(Status::Warn) == 0 => (t(lang, "passed"), Color32::from_rgb(60, 170, 60)),
            Overall::Pass => {
                (ta(lang, "warned", &[("n", count(Status::Warn).to_string())]), Color32::from_rgb(220, 150, 30))
            }
            Overall::NeedsPerson => {
                (ta(lang, "needs_person", &[("n", open.to_string())]), Color32::from_rgb(90, 120, 220))
            }
            Overall::Fail => {
                (ta(lang, "failed", &[("n", count(Status::Fail).max(1).to_string())]), Color32::from_rgb(220, 60, 50))
            }
        };
        ui.label(RichText::new(text).size(18.0).color(color));
        checklist(ui, lang, report);
        true
    }

    fn export_form(&mut self, ui: &mut egui::Ui) {
        let lang = self.lang;
        ui.heading(t(lang, "form.heading"));
        let required = format!(" {}", t(lang, "form.required"));
        let red = Color32::from_rgb(220, 60, 50);
        egui::Grid::new("form").num_columns(2).spacing([12.0, 6.0]).show(ui, |ui| {
            let field = |ui: &mut egui::Ui, key: &str, value: &mut String, req: bool| {
                let label = ui
                    .horizontal(|ui| {
                        let l = ui.label(t(lang, key));
                        if req {
                            ui.colored_label(red, &required);
                        }
                        l
                    })
                    .inner;
                ui.add(egui::TextEdit::singleline(value).desired_width(280.0)).labelled_by(label.id);
                ui.end_row();
            };
            field(ui, "form.name", &mut self.form.name, true);
            let label = ui.label(t(lang, "form.document"));
            let mut doc = self.form.document;
            egui::ComboBox::from_id_salt("document")
                .selected_text(doc.label(lang))
                .width(280.0)
                .show_ui(ui, |ui| {
                    for d in Document::ALL {
                        ui.selectable_value(&mut doc, d, d.label(lang));
                    }
                })
                .response
                .labelled_by(label.id);
            ui.end_row();
            field(ui, "form.city", &mut self.form.city, true);
            field(ui, "form.phone", &mut self.form.phone, true);
            field(ui, "form.notes", &mut self.form.notes, false);
            if doc != self.form.document {
                self.form.document = doc;
                // A document the current spec is not for: switch to the first spec that is.
                if !self.spec().documents.iter().any(|d| d == doc.id())
                    && let Some(s) = self.book.all().iter().find(|s| s.documents.iter().any(|d| d == doc.id()))
                {
                    let id = s.id.clone();
                    self.set_spec(&id);
                }
            }
            ui.label(t(lang, "form.folder"));
            ui.horizontal(|ui| {
                ui.monospace(self.folder.display().to_string());
                if ui.button(t(lang, "form.choose_folder")).clicked()
                    && let Some(p) = self.picker.pick_folder(&self.folder)
                {
                    self.folder = p;
                    self.save_settings();
                }
            });
            ui.end_row();
        });
        let Some(still) = self.still() else { return };
        if still.report().overall != Overall::Pass {
            ui.add_space(6.0);
            let blocked = state::blocking(still.report()).join(&t(lang, "list_sep"));
            ui.colored_label(red, ta(lang, "form.blocked", &[("rules", blocked)]));
            ui.label(t(lang, "form.override_hint"));
            ui.horizontal(|ui| {
                let l = ui.label(t(lang, "form.operator"));
                ui.add(egui::TextEdit::singleline(&mut self.form.operator).desired_width(160.0)).labelled_by(l.id);
                let l = ui.label(t(lang, "form.override"));
                ui.add(egui::TextEdit::singleline(&mut self.form.override_reason).desired_width(300.0))
                    .labelled_by(l.id);
            });
        }
        ui.add_space(8.0);
        if ui.button(RichText::new(t(lang, "form.export")).size(20.0)).clicked() {
            self.export();
        }
        if let Some((msg, ok)) = &self.export_msg {
            let color = if *ok { Color32::from_rgb(60, 170, 60) } else { red };
            ui.colored_label(color, msg);
        }
    }

    /// Export the current result with the form (what the Export button does).
    pub fn export(&mut self) {
        let Some(still) = self.still() else { return };
        match state::export(still, self.spec(), &self.form, &self.folder, self.lang) {
            Ok(saved) => {
                let msg = ta(
                    self.lang,
                    "form.exported",
                    &[
                        ("photo", crate::paths::shown(&saved.photo)),
                        ("summary", crate::paths::shown(&saved.summary_path)),
                    ],
                );
                self.export_msg = Some((msg, true));
                self.last_export = Some(saved);
            }
            Err(e) => self.export_msg = Some((e, false)),
        }
    }

    /// The message under the Export button, and whether it reports success.
    pub fn export_message(&self) -> Option<(&str, bool)> {
        self.export_msg.as_ref().map(|(m, ok)| (m.as_str(), *ok))
    }
}

fn checklist(ui: &mut egui::Ui, lang: Lang, report: &crate::report::Report) {
    ui.add_space(6.0);
    ui.heading(t(lang, "checklist.heading"));
    egui::Grid::new("checklist").striped(true).num_columns(5).spacing([10.0, 4.0]).show(ui, |ui| {
        for key in ["checklist.rule", "checklist.value", "checklist.range"] {
            ui.strong(t(lang, key));
        }
        ui.strong("");
        ui.strong(t(lang, "checklist.advice"));
        ui.end_row();
        for r in &report.rules {
            let v = &r.verdict;
            ui.label(&r.title);
            let num = crate::i18n::fmt_num;
            let unit = v.unit.symbol();
            let value = v.value.map(|x| format!("{} {unit}", num(x))).unwrap_or_else(|| "—".into());
            ui.label(value);
            let range = match (v.min, v.max) {
                (Some(a), Some(b)) if a == b => num(a),
                (Some(a), Some(b)) => format!("{}–{}", num(a), num(b)),
                (Some(a), None) => format!("≥ {}", num(a)),
                (None, Some(b)) => format!("≤ {}", num(b)),
                _ => "—".into(),
            };
            ui.label(range);
            let (key, color) = match v.status {
                Status::Pass => ("status.pass", Color32::from_rgb(60, 170, 60)),
                Status::Warn => ("status.warn", Color32::from_rgb(220, 150, 30)),
                Status::Fail => ("status.fail", Color32::from_rgb(220, 60, 50)),
                Status::NotChecked => ("status.not_checked", Color32::GRAY),
                Status::NeedsPerson => ("status.needs_person", Color32::from_rgb(90, 120, 220)),
            };
            ui.colored_label(color, format!("● {}", crate::i18n::tr(lang, key, &[])));
            if v.status == Status::Pass {
                ui.label("");
            } else {
                ui.add(egui::Label::new(&r.message).wrap());
            }
            ui.end_row();
        }
    });
}

impl eframe::App for BoothApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }
}

/// Open the window (what `idbooth` with no subcommand does).
pub fn run(opts: Options) -> anyhow::Result<()> {
    let kiosk = opts.kiosk;
    let viewport = egui::ViewportBuilder::default()
        .with_title("idbooth")
        .with_inner_size([1280.0, 820.0])
        .with_min_inner_size([800.0, 560.0])
        .with_drag_and_drop(true)
        .with_fullscreen(kiosk);
    let native = eframe::NativeOptions { viewport, ..Default::default() };
    eframe::run_native(
        "idbooth",
        native,
        Box::new(move |cc| {
            fonts::install(&cc.egui_ctx);
            if kiosk {
                cc.egui_ctx.set_zoom_factor(1.5);
            }
            Ok(Box::new(BoothApp::new(opts, Box::new(SystemPicker))))
        }),
    )
    .map_err(|e| anyhow::anyhow!("cannot open the window: {e}\n(no desktop here? the command line works without one: idbooth check PHOTO, idbooth --help)"))
}
