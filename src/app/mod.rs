//! The desktop window (eframe/egui) over the engine, in three modes — laptop, counter, kiosk —
//! on one screen state machine ([`machine::Screen`]). This module owns the data and every
//! transition (`go`); `logic` ticks timers and polls the workers, `show` draws the current
//! screen (one module per screen under `screens/`), and the screens answer with [`Intent`]s that
//! are applied after drawing. Nothing here waits on a model: stills are detected on a worker,
//! live frames by the analysis worker of [`live::LiveSession`].

pub mod config;
pub mod fonts;
pub mod guides;
pub mod input;
pub mod live;
pub mod machine;
pub mod print;
pub mod queue;
pub mod screens;
pub mod state;
pub mod text;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError};
use std::time::{Duration, Instant};

use egui::TextureHandle;

use crate::Lang;
use crate::capture::frames::{CaptureError, Frame, FrameSource, RecordedFrames};
use crate::capture::{Portrait, decode_photo, load_photo, open_photo};
use crate::compose::background::BackgroundChoice;
use crate::i18n::{capture_error, session_error};
use crate::judge::RuleId;
use crate::session::{Adjust, Composed};
use crate::spec::{DocumentFit, Spec, SpecBook};
use config::{Mode, StudioSettings};
use live::{Guide, LiveSession, Smoother, SourceFactory};
use machine::{Screen, Why};
use state::{Document, Form, Remembered, Still};
use text::{Msg, t, ta};

/// The bundled sample portrait (public domain; see assets/samples/README.md).
pub const SAMPLE: &[u8] = include_bytes!("../../assets/samples/grace_hopper.jpg");

/// How the app picks files: the system dialog, or a stand-in in tests.
pub trait FilePicker {
    /// `Err` when no dialog can be shown here (no portal or GTK): the window offers a path field.
    fn pick_photo(&mut self) -> Result<Option<PathBuf>, String>;
    fn pick_folder(&mut self, start: &Path) -> Result<Option<PathBuf>, String>;
    /// Where to save a PDF (`name` suggested in `start`).
    fn pick_save(&mut self, start: &Path, name: &str) -> Result<Option<PathBuf>, String>;
}

/// The system's file dialog (rfd).
pub struct SystemPicker;

impl FilePicker for SystemPicker {
    fn pick_photo(&mut self) -> Result<Option<PathBuf>, String> {
        dialog_available()?;
        Ok(rfd::FileDialog::new()
            .add_filter("photo", &["jpg", "jpeg", "png", "tif", "tiff", "webp", "bmp", "JPG", "JPEG", "PNG"])
            .pick_file())
    }
    fn pick_folder(&mut self, start: &Path) -> Result<Option<PathBuf>, String> {
        dialog_available()?;
        Ok(rfd::FileDialog::new().set_directory(start).pick_folder())
    }
    fn pick_save(&mut self, start: &Path, name: &str) -> Result<Option<PathBuf>, String> {
        dialog_available()?;
        Ok(rfd::FileDialog::new().set_directory(start).set_file_name(name).add_filter("PDF", &["pdf"]).save_file())
    }
}

/// Wrong PINs this long apart start the count again.
const PIN_QUIET: Duration = Duration::from_secs(30 * 60);

/// After `n` wrong staff PINs in a row: none for the first three (a slip of the finger), then
/// 30 s, doubling with each further one up to 15 min, so that nobody at an unattended kiosk
/// can try the 10 000 four-digit PINs in an afternoon (with the cap: about 100 days).
fn pin_lock(n: u32) -> Option<Duration> {
    (n >= 3).then(|| Duration::from_secs(30).saturating_mul(1 << (n - 3).min(5)).min(Duration::from_secs(15 * 60)))
}

/// The window's message for a photo that cannot be opened, in whatever language is shown.
fn photo_error_msg(e: crate::capture::photo::PhotoError) -> Msg {
    Msg::with(move |l| ta(l, "photo_error", &[("error", crate::i18n::photo_error(&e, l))]))
}

/// rfd answers "cancelled" when it has no way to show a dialog; tell that case apart.
fn dialog_available() -> Result<(), String> {
    #[cfg(target_os = "linux")]
    {
        let portal = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some();
        let zenity = std::env::var_os("PATH").is_some_and(|p| {
            std::env::split_paths(&p).any(|d| d.join("zenity").is_file() || d.join("kdialog").is_file())
        });
        if !portal && !zenity {
            return Err("no file dialog on this system".into());
        }
    }
    Ok(())
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
    /// The system's language (from LANG), for a laptop after the one it last used.
    pub system_lang: Option<Lang>,
    pub spec: Option<String>,
    /// Look for a camera at start.
    pub camera: bool,
    /// Show the bundled sample when there is neither a photo nor a camera (laptop).
    pub sample: bool,
    /// The mode from the command line (`--kiosk`, `--counter`), over the settings file's.
    pub mode: Option<Mode>,
    /// The studio settings (already loaded) and the problem loading them, if any.
    pub settings: StudioSettings,
    pub settings_problem: Option<std::sync::Arc<config::SettingsError>>,
    /// Where the window remembers language, spec, folder (laptop and counter; `None`: nowhere).
    pub remember: Option<PathBuf>,
    /// Where the booth keeps its counters (tickets); `None`: the OS data folder.
    pub state_dir: Option<PathBuf>,
    /// An exported photo to open on the print screen (laptop, counter).
    pub reprint: Option<PathBuf>,
}

/// What ends a customer's photo not exported yet, asked about first (laptop, counter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leave {
    /// Close the window.
    Quit,
    NextCustomer,
    /// Open a queue entry (after closing the customer's photo, from their screen).
    Serve {
        entry: usize,
        close_first: bool,
    },
    /// Counter: open the photo picked (`BoothApp::open_after`) for the next customer, over a
    /// form changed since its export.
    OpenPhoto,
}

/// What a screen asks for; applied after drawing.
#[derive(Debug, Clone, PartialEq)]
pub enum Intent {
    Open,
    OpenPath(PathBuf),
    Sample,
    StartCamera,
    Capture,
    CancelCountdown,
    Retake,
    SetSpec(String),
    SetLang(Lang),
    SetBackground(BackgroundChoice),
    SetDocument(Document),
    ChooseFolder,
    /// A typed export folder (no folder dialog on this system).
    SetFolder(PathBuf),
    Export,
    Adjust(Adjust),
    /// Kiosk.
    Touch,
    Choose {
        lang: Lang,
        document: Document,
    },
    Accept,
    StaffGesture,
    Pin(String),
    /// Kiosk, staff after their PIN: close the kiosk (else "back to the kiosk" is `StartOver`).
    CloseKiosk,
    /// Kiosk staff menu: hand the held photo to the counter again.
    RetryHandoff,
    /// Kiosk: leave the PIN keypad without a PIN; a held staff screen stays held.
    CancelPin,
    /// Kiosk: back to the attract screen (the customer's data is dropped).
    StartOver,
    /// Kiosk, on the camera: back to choose another document (the visit goes on).
    ChangeDocument,
    /// Kiosk, on the ticket: the customer is done (back to attract, the visit is dropped).
    Finish,
    /// Counter.
    QueueOpen(usize),
    QueueStep(i32),
    /// Laptop and counter, asked before closing or serving someone else over work not saved:
    /// go ahead after all.
    ConfirmLeave,
    /// …or stay.
    CancelLeave,
    NextCustomer,
    /// Laptop and counter, after an export: the print preview.
    OpenPrint,
    ClosePrint,
    SetLayout(String),
    /// Photos on the sheet; `None` fills it.
    SetCopies(Option<u32>),
    Print(print::Paper),
    SavePdf(print::Paper),
}

enum StillJob {
    None,
    Checking(Receiver<Result<Still, crate::detect::VisionError>>),
    Done(Box<Still>),
}

/// Everything about the person in front of the booth; dropped whole when they leave.
pub struct Visit {
    still: StillJob,
    /// A compose running for the current judgement (generation), on a worker.
    composing: Option<(u64, Receiver<Result<Composed, crate::session::SessionError>>)>,
    pub form: Form,
    /// Open rules the operator ticked as checked (counter).
    pub confirmed: std::collections::BTreeSet<RuleId>,
    /// Ticks were dropped because the photo was judged again (a crop, spec or background
    /// change): said beside the ticks until one is made again.
    pub ticks_dropped: bool,
    pub adjust: Adjust,
    pub ticket: Option<String>,
    /// The spool entry this photo came from (counter).
    pub from_spool: Option<PathBuf>,
    export_msg: Option<(String, bool)>,
    /// What a refused export was refused for (form, ticks, judgement): once any of it changes
    /// the refusal no longer holds, and its message goes.
    refused_for: Option<(Form, std::collections::BTreeSet<RuleId>, u64)>,
    pub last_export: Option<crate::export::Saved>,
    /// What the last export wrote: form, ticks and judgement generation. While all three are
    /// unchanged the photo is exported (one export per click); a change to any (a name
    /// corrected after the export) makes Export active again, for a new pair of files.
    exported_for: Option<(Form, std::collections::BTreeSet<RuleId>, u64)>,
    /// Kiosk: the frames kept for the burst after the countdown.
    burst: Vec<(Arc<Frame>, f64)>,
    /// Kiosk: the customer chose language and document.
    pub started: bool,
    /// Kiosk: the customer's language (staff screens switch to the studio's).
    pub customer_lang: Option<Lang>,
    /// Laptop and counter: this photo is a retake of the visit before (its form carried over).
    pub retake: bool,
    /// The print preview, prints and their temporary files.
    pub print: print::Desk,
    /// An export was refused: the first empty field it needs is brought into view (once).
    pub reveal_missing: bool,
    /// The document chosen in the form switched the photo spec: said beside the choice.
    pub spec_follows_document: bool,
    /// "To the form" was clicked: the form's heading is scrolled to the top (once).
    pub jump_to_form: bool,
}

/// What a retake keeps of the visit it replaces.
struct RetakeOf {
    form: Form,
    ticket: Option<String>,
    from_spool: Option<PathBuf>,
}

impl Default for Visit {
    fn default() -> Visit {
        Visit {
            still: StillJob::None,
            composing: None,
            form: Form::default(),
            confirmed: Default::default(),
            ticks_dropped: false,
            adjust: Adjust { zoom: 1.0, ..Adjust::default() },
            ticket: None,
            from_spool: None,
            export_msg: None,
            refused_for: None,
            last_export: None,
            exported_for: None,
            burst: Vec::new(),
            started: false,
            customer_lang: None,
            retake: false,
            print: print::Desk::default(),
            reveal_missing: false,
            jump_to_form: false,
            spec_follows_document: false,
        }
    }
}

impl Visit {
    /// What the next photo of the same person keeps: who they are, not what was decided about
    /// this photo (ticks go with the photo; so does the reason written for its failures).
    fn carried_over(&self) -> RetakeOf {
        let form = Form { override_reason: String::new(), ..self.form.clone() };
        RetakeOf { form, ticket: self.ticket.clone(), from_spool: self.from_spool.clone() }
    }

    /// Nothing of a customer is held (the kiosk's reset guarantee).
    pub fn is_empty(&self) -> bool {
        matches!(self.still, StillJob::None)
            && self.composing.is_none()
            && self.form == Form::default()
            && self.confirmed.is_empty()
            && self.ticket.is_none()
            && self.last_export.is_none()
            && self.burst.is_empty()
            && !self.started
            && self.print.is_empty()
    }
}

pub struct BoothApp {
    pub book: SpecBook,
    pub spec_idx: usize,
    pub lang: Lang,
    pub mode: Mode,
    pub settings: StudioSettings,
    pub folder: PathBuf,
    pub mirror: bool,
    pub show_guides: bool,
    /// Background of the result: replaced as the spec allows, kept, or a chosen allowed colour.
    pub background: BackgroundChoice,
    pub visit: Visit,
    pub queue: queue::Queue,
    /// Sheet layouts (built in and the user's).
    pub layouts: crate::print::LayoutBook,
    screen: Screen,
    entered: Instant,
    last_activity: Instant,
    /// Tests move time forward without waiting.
    fake_now: Option<Instant>,
    remembered: Remembered,
    remember_path: Option<PathBuf>,
    state_dir: Option<PathBuf>,
    /// The kiosk asks for staff for something only a person can fix (a hand-off that failed):
    /// only the staff PIN leaves that screen.
    pub staff_needed: bool,
    /// Why the last hand-off failed, for the staff menu (which can try it again).
    pub handoff_error: Option<String>,
    /// The screen the staff gesture was made on: Cancel on the keypad returns there, so a
    /// customer who leant on the corner (or staff who changed their mind) keeps the visit.
    pin_from: Option<Screen>,
    picker: Box<dyn FilePicker>,
    /// The file dialog failed: show a path field instead.
    pub path_entry: Option<String>,
    /// The folder dialog failed: the export folder is typed instead.
    pub folder_entry: Option<String>,
    #[cfg(feature = "camera")]
    cameras: Vec<crate::capture::camera::CameraDevice>,
    live_maker: Option<SourceMaker>,
    live: Option<LiveSession>,
    camera_retry_at: Option<Instant>,
    smoother: Smoother,
    guide: Guide,
    countdown: Option<Instant>,
    preview: Option<(TextureHandle, u64)>,
    result_tex: Option<(TextureHandle, u64)>,
    /// Height of what sits under the result photo, measured last frame (None before).
    below_result: Option<f32>,
    print_tex: Option<(TextureHandle, u64)>,
    /// Bumped whenever the judged photo or its composition changes.
    still_gen: u64,
    /// Bumped for every new photo checked (not for a crop or spec change): the checklist starts
    /// scrolled to its top for each photo.
    photo_serial: u64,
    /// The start screen's hint ("no camera", first run): for where a photo is started.
    notice: Option<Msg>,
    /// A problem with the studio settings file: on every screen's status line until fixed.
    settings_note: Option<std::sync::Arc<config::SettingsError>>,
    error: Option<Msg>,
    staff_press: Option<Instant>,
    pub pin_entry: String,
    pin_error: bool,
    /// Wrong PINs in a row, and until when the keypad then stays locked (`pin_lock`).
    pin_failures: u32,
    pin_locked_until: Option<Instant>,
    pin_last_failure: Option<Instant>,
    /// Kiosk: times the window was stretched over the screen by hand (`fill_screen`).
    screen_fills: u8,
    /// Typing and clicks kept in separate frames (`input::Splitter`).
    splitter: input::Splitter,
    /// Kiosk: the PIN was right; the keypad screen offers "back to the kiosk" and "close".
    pub staff_unlocked: bool,
    /// The document the person (or the kiosk's customer) chose; the form's shows the one the
    /// current spec fits, and this one again on a spec it fits.
    chosen_document: Option<Document>,
    /// Laptop and counter: "Retake" was pressed; the next photo is the same person's.
    retake_of: Option<RetakeOf>,
    /// Staff asked to leave the kiosk, or a person confirmed closing (the window closes).
    pub quit_requested: bool,
    /// Laptop and counter: what was asked for over a photo not exported (closing the window,
    /// the next customer); the question is on screen until answered.
    pub leave_asked: Option<Leave>,
    /// The photo `Leave::OpenPhoto` opens once the question is answered.
    open_after: Option<PathBuf>,
    frame_times: std::collections::VecDeque<Instant>,
    wake_ctx: Option<egui::Context>,
}

impl BoothApp {
    pub fn new(opts: Options, picker: Box<dyn FilePicker>) -> BoothApp {
        let settings = opts.settings.clone();
        let mode = opts.mode.unwrap_or(settings.mode);
        // The kiosk remembers nothing between customers.
        let remember_path = opts.remember.clone().filter(|_| mode != Mode::Kiosk);
        let remembered = remember_path.as_deref().map(Remembered::load).unwrap_or_default();
        let book = SpecBook::load();
        // The laptop's one person goes on with the spec they last used; a counter's first
        // customer of the day starts on the studio's own, as every next customer does.
        let last_spec = remembered.spec.clone().filter(|_| mode == Mode::Laptop);
        let spec_id = opts.spec.clone().or(last_spec).unwrap_or_else(|| settings.default_spec.clone());
        let spec_idx = book.all().iter().position(|s| s.id == spec_id).unwrap_or(0);
        let lang = opts
            .lang
            .or(remembered.lang)
            .or(opts.system_lang)
            .or(settings.languages.first().copied())
            .unwrap_or_default();
        // A folder the user chose wins over the studio's; the default folder remembered by an
        // older version (it saved whatever folder was current) is not a choice.
        let chosen = remembered.folder.clone().filter(|f| *f != state::default_folder());
        let folder = chosen.or(settings.export_dir.clone()).unwrap_or_else(state::default_folder);
        let now = Instant::now();
        let mut app = BoothApp {
            book,
            spec_idx,
            lang,
            mode,
            mirror: settings.camera.mirror,
            settings,
            folder,
            show_guides: true,
            background: BackgroundChoice::Auto,
            visit: Visit::default(),
            queue: queue::Queue::default(),
            layouts: crate::print::LayoutBook::load(),
            screen: Screen::first(mode),
            entered: now,
            last_activity: now,
            fake_now: None,
            remembered,
            remember_path,
            state_dir: opts.state_dir.clone(),
            staff_needed: false,
            pin_from: None,
            handoff_error: None,
            picker,
            path_entry: None,
            folder_entry: None,
            #[cfg(feature = "camera")]
            cameras: Vec::new(),
            live_maker: None,
            live: None,
            camera_retry_at: None,
            smoother: Smoother::default(),
            guide: Guide::default(),
            countdown: None,
            preview: None,
            result_tex: None,
            below_result: None,
            print_tex: None,
            still_gen: 0,
            photo_serial: 0,
            notice: None,
            settings_note: opts.settings_problem.clone(),
            error: None,
            staff_press: None,
            pin_entry: String::new(),
            pin_error: false,
            pin_failures: 0,
            pin_locked_until: None,
            pin_last_failure: None,
            screen_fills: 0,
            splitter: input::Splitter::default(),
            staff_unlocked: false,
            chosen_document: None,
            retake_of: None,
            quit_requested: false,
            leave_asked: None,
            open_after: None,
            frame_times: Default::default(),
            wake_ctx: None,
        };
        tracing::info!(mode = ?mode, screen = app.screen.name(), "booth started");
        app.fit_document();
        if let Some(dir) = &opts.frames {
            let dir = dir.clone();
            app.live_maker = Some(Box::new(move || {
                let dir = dir.clone();
                Box::new(move || RecordedFrames::from_dir(&dir, 15.0).map(|s| Box::new(s) as Box<dyn FrameSource>))
            }));
        } else if opts.camera {
            app.find_camera();
        }
        match mode {
            Mode::Kiosk => {}
            Mode::Counter => app.refresh_queue(),
            Mode::Laptop => {}
        }
        if let Some(p) = opts.reprint.as_ref().filter(|_| mode != Mode::Kiosk) {
            app.open_reprint(p);
        } else if let Some(p) = &opts.photo {
            app.open_path(p);
        } else if mode != Mode::Kiosk && app.live_maker.is_some() {
            app.go(Screen::Live, Why::Started);
        } else if mode == Mode::Laptop && opts.sample {
            app.notice.get_or_insert_with(|| Msg::key("first_run"));
        }
        app
    }

    // ---- time ----

    pub fn now(&self) -> Instant {
        self.fake_now.unwrap_or_else(Instant::now)
    }

    /// Move the clock forward (tests: jump past a timeout without waiting).
    pub fn advance(&mut self, d: Duration) {
        self.fake_now = Some(self.now() + d);
    }

    // ---- the machine ----

    pub fn screen(&self) -> Screen {
        self.screen
    }

    /// How long the current screen has been shown, on the app's clock.
    pub fn shown_for(&self) -> Duration {
        self.now().saturating_duration_since(self.entered)
    }

    /// The only place the screen changes: leave the old one, log, enter the new one.
    pub fn go(&mut self, to: Screen, why: Why) {
        let from = self.screen;
        let now = self.now();
        tracing::info!(
            from = from.name(),
            to = to.name(),
            why = why.name(),
            secs = format!("{:.1}", now.duration_since(self.entered).as_secs_f64()),
            "screen"
        );
        // Exit.
        if from.is_live() && !to.is_live() {
            self.stop_live();
        }
        self.countdown = None;
        self.guide = Guide::default();
        self.staff_press = None;
        self.staff_unlocked = false;
        // Enter.
        self.screen = to;
        self.entered = now;
        self.last_activity = now;
        match to {
            Screen::Attract => {
                self.forget_customer();
                self.staff_needed = false;
                self.handoff_error = None;
                self.pin_from = None;
                self.print_tex = None;
                self.pin_entry.clear();
                self.error = None;
            }
            Screen::Live | Screen::Guided => self.start_live(),
            Screen::AskStaff => self.camera_retry_at = Some(now),
            _ => {}
        }
    }

    /// The customer is gone: nothing of them stays, in memory or on disk.
    fn forget_customer(&mut self) {
        self.visit = Visit::default();
        // The studio's default document, on a spec it is photographed to: the last customer's
        // choice of document (and so of spec) goes with them.
        let default = Document::from_id(&self.settings.default_document).unwrap_or_default();
        self.set_document(default);
        self.chosen_document = None;
        self.result_tex = None;
        self.preview = None;
        self.lang = self.settings.languages.first().copied().unwrap_or_default();
        self.spec_idx = self.book.all().iter().position(|s| s.id == self.settings.default_spec).unwrap_or(0);
    }

    /// Timers, workers and the window's input, once per frame (what a drawn frame runs; the
    /// kiosk's UI tests drive it directly). `seen` says the input is this frame's own.
    pub fn logic(&mut self, ctx: &egui::Context, seen: bool) {
        if seen {
            self.take_input(ctx);
        }
        self.tick(ctx);
    }

    /// What the person did this frame: activity for the idle timers, files dropped on the
    /// window. Only a frame that was drawn has input of its own: while the window is hidden
    /// eframe passes the last shown frame's input again (or none), which must not count as
    /// someone touching the screen (or drop a file twice).
    fn take_input(&mut self, ctx: &egui::Context) {
        // A press, a touch, a key or a wheel is someone there; the window regaining focus or a
        // pointer merely entering it (uncovered, the mouse resting on it) is not.
        let acted = ctx.input(|i| {
            i.pointer.any_down()
                || i.events.iter().any(|e| {
                    matches!(
                        e,
                        egui::Event::PointerButton { pressed: true, .. }
                            | egui::Event::Touch { .. }
                            | egui::Event::Text(_)
                            | egui::Event::Key { pressed: true, .. }
                            | egui::Event::MouseWheel { .. }
                    )
                })
        });
        if acted {
            self.last_activity = self.now();
        }
        if self.mode == Mode::Kiosk {
            self.fill_screen(ctx);
        }
        // Files dropped onto the window (not at the kiosk).
        let dropped = ctx.input(|i| i.raw.dropped_files.iter().map(|f| f.path().to_path_buf()).collect::<Vec<_>>());
        // (Not while a question about the photo on screen is open: it would go behind it.)
        if self.mode != Mode::Kiosk
            && self.leave_asked.is_none()
            && let Some(p) = dropped.into_iter().find(|p| !p.as_os_str().is_empty())
        {
            self.open_or_ask(p);
        }
        // Ctrl+Q closes the window as its × does (asking first over a photo not exported).
        if self.mode != Mode::Kiosk && ctx.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::Q)) {
            self.close_requested();
        }
    }

    /// Timers and workers; never blocks, never draws, reads no input but a close request. Runs
    /// whether or not the window is shown, so a kiosk covered by another window (or on a
    /// compositor that stops drawing it) still wipes a customer who walked away.
    fn tick(&mut self, ctx: &egui::Context) {
        let now = self.now();
        // A kiosk cannot be closed from the keyboard or the window manager.
        if self.mode == Mode::Kiosk && !self.quit_requested && ctx.input(|i| i.viewport().close_requested()) {
            tracing::info!("close request ignored in kiosk mode");
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
        }
        if self.mode != Mode::Kiosk && !self.quit_requested && ctx.input(|i| i.viewport().close_requested()) {
            self.close_requested();
            if !self.quit_requested {
                ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            }
        }
        if self.quit_requested {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
        self.poll_still();
        self.poll_compose();
        self.poll_print();
        self.poll_live(now);
        if self.mode == Mode::Counter {
            self.queue.poll(
                self.spool_dir().as_deref(),
                self.settings.spool_keep(),
                self.visit.from_spool.as_deref(),
                now,
            );
            // egui runs only when something repaints: an idle counter would not see the
            // kiosk's next customer until someone moved the mouse.
            ctx.request_repaint_after(queue::POLL);
        }
        // The idle timer of this screen.
        if let Some((after, to)) = machine::idle_timeout(self.screen, self.mode, &self.settings.timeouts) {
            let since = self.last_activity.max(self.entered);
            let due = since + after;
            if now >= due {
                let to = if self.screen == Screen::StaffPin { self.without_pin() } else { to };
                self.go(to, Why::Timeout);
            } else {
                // egui only runs when something repaints: ask for one when the timer is due.
                ctx.request_repaint_after(due - now);
            }
        }
        if self.busy()
            || self.visit.print.busy()
            || self.live.is_some()
            || self.countdown.is_some()
            || self.camera_retry_at.is_some()
        {
            ctx.request_repaint_after(Duration::from_millis(30));
        }
    }

    // ---- intents ----

    pub fn apply(&mut self, intent: Intent) {
        match intent {
            Intent::Open => self.open_dialog(),
            Intent::OpenPath(p) => self.open_or_ask(p),
            Intent::Sample => {
                self.notice = None;
                // The path field names the photo shown; the sample has none.
                if let Some(p) = &mut self.path_entry {
                    p.clear();
                }
                if let Ok(p) = decode_photo(SAMPLE) {
                    self.open_portrait(p, None);
                }
            }
            Intent::StartCamera => {
                // A recorded camera (--frames), or the camera found before, is used; otherwise
                // the cameras are looked for again (one may have been plugged in).
                if self.live_maker.is_none() {
                    self.find_camera();
                }
                if self.live_maker.is_some() {
                    self.keep_person_for_next_photo();
                    self.go(Screen::Live, Why::Opened);
                } else if self.screen != Screen::Start {
                    // The start screen shows the notice; over a photo the status line says it.
                    self.error = Some(Msg::key("no_camera_now"));
                }
            }
            Intent::Capture => self.countdown = Some(self.now()),
            Intent::CancelCountdown => self.countdown = None,
            Intent::Retake => {
                // The same person again: their form, and a kiosk customer's ticket and queue
                // entry, go to the next photo (opened or captured), not to whoever comes next.
                if self.mode != Mode::Kiosk {
                    self.retake_of = Some(self.visit.carried_over());
                }
                let to = match self.mode {
                    Mode::Kiosk => Screen::Guided,
                    _ if self.live_maker.is_some() => Screen::Live,
                    _ => Screen::Start,
                };
                self.visit.still = StillJob::None;
                self.visit.composing = None;
                self.go(to, Why::Retake);
            }
            Intent::SetSpec(id) => {
                self.visit.spec_follows_document = false;
                self.set_spec(&id);
            }
            Intent::SetLang(l) => self.set_lang(l),
            Intent::SetBackground(bg) => {
                if bg != self.background {
                    self.background = bg;
                    self.rejudge();
                }
            }
            Intent::SetDocument(d) => self.set_document(d),
            Intent::ChooseFolder => match self.picker.pick_folder(&self.folder) {
                Ok(Some(p)) => self.use_folder(p),
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!("no folder dialog: {e}");
                    self.folder_entry = Some(self.folder.display().to_string());
                    // Staff are pointed at the studio's settings; a person at home is not.
                    let key =
                        if self.mode == Mode::Laptop { "folder_dialog_missing_self" } else { "folder_dialog_missing" };
                    self.error = Some(Msg::key(key));
                }
            },
            Intent::SetFolder(p) if !p.is_absolute() => {
                // A relative path would be made under wherever the program was started.
                let shown = crate::paths::shown(&p);
                self.folder_entry = Some(self.folder.display().to_string());
                self.error = Some(Msg::with(move |l| ta(l, "folder_relative", &[("path", shown.clone())])));
            }
            Intent::SetFolder(p) => {
                // A folder typed that does not exist yet is made, as the default one is.
                match std::fs::create_dir_all(&p).map(|()| p.is_dir()) {
                    Ok(true) => {
                        self.use_folder(p);
                        self.folder_entry = None;
                        self.error = None;
                    }
                    refused => {
                        // The field goes back to the folder exports still go to.
                        let why = refused.err().map(|e| e.to_string());
                        let (shown, kept) = (crate::paths::shown(&p), crate::paths::shown(&self.folder));
                        self.folder_entry = Some(self.folder.display().to_string());
                        self.error = Some(Msg::with(move |l| {
                            let why = why.clone().unwrap_or_else(|| t(l, "folder_not_a_folder"));
                            let args = [("path", shown.clone()), ("why", why), ("kept", kept.clone())];
                            ta(l, "folder_unusable", &args)
                        }));
                    }
                }
            }
            Intent::Export => self.export(),
            Intent::ConfirmLeave => {
                if let Some(leave) = self.leave_asked.take() {
                    self.leave(leave);
                }
            }
            Intent::CancelLeave => {
                self.leave_asked = None;
                self.open_after = None;
            }
            Intent::Adjust(a) => {
                if a != self.visit.adjust {
                    self.visit.adjust = a;
                    self.rejudge();
                }
            }
            Intent::Touch => {
                if self.screen == Screen::Attract {
                    self.go(Screen::Choose, Why::Touched);
                }
            }
            Intent::Choose { lang, document } => {
                self.lang = lang;
                self.visit.customer_lang = Some(lang);
                self.visit.started = true;
                self.set_document(document);
                if self.live_maker.is_some() {
                    self.go(Screen::Guided, Why::Chosen);
                } else {
                    self.go(Screen::AskStaff, Why::CameraLost);
                }
            }
            // Only from the result screen: a photo is handed over once.
            Intent::Accept if self.screen == Screen::KioskResult => self.accept_at_kiosk(),
            Intent::Accept => {}
            Intent::StaffGesture => {
                self.pin_entry.clear();
                self.pin_error = false;
                self.pin_from = Some(self.screen);
                // Staff read the studio's language, not the last customer's.
                if let Some(l) = self.settings.languages.first() {
                    self.lang = *l;
                }
                self.go(Screen::StaffPin, Why::StaffGesture);
            }
            Intent::Pin(_) if self.pin_locked_for().is_some() => {}
            Intent::Pin(pin) => {
                if self.settings.pin_matches(&pin) {
                    self.pin_failures = 0;
                    // Staff choose: back to the kiosk (the customer's data and a held problem
                    // are dropped) or close it.
                    tracing::info!("staff PIN accepted");
                    self.staff_unlocked = true;
                } else {
                    // A quiet half hour forgets the count: someone who found the corner cannot
                    // keep staff locked out for good by a wrong try now and then.
                    let now = self.now();
                    if self.pin_last_failure.is_some_and(|t| now.saturating_duration_since(t) > PIN_QUIET) {
                        self.pin_failures = 0;
                    }
                    self.pin_last_failure = Some(now);
                    self.pin_failures += 1;
                    tracing::warn!(failures = self.pin_failures, "wrong staff PIN");
                    self.pin_error = true;
                    self.pin_entry.clear();
                    if let Some(lock) = pin_lock(self.pin_failures) {
                        self.pin_locked_until = Some(self.now() + lock);
                    }
                }
            }
            Intent::CloseKiosk if self.staff_unlocked => {
                tracing::info!("staff left the kiosk");
                self.quit_requested = true;
            }
            Intent::CloseKiosk => {}
            Intent::CancelPin => {
                // Back to the customer, in their language; a held staff screen stays held.
                let to = match self.pin_from.take() {
                    Some(from) if !self.staff_needed && from != Screen::StaffPin => from,
                    _ => self.without_pin(),
                };
                if to != Screen::Attract
                    && let Some(l) = self.visit.customer_lang
                {
                    self.lang = l;
                }
                self.go(to, Why::Cancelled)
            }
            Intent::StartOver => self.go(Screen::Attract, Why::Cancelled),
            // Staff mended the spool (a full disk, a folder's rights): the held photo goes again.
            Intent::RetryHandoff => {
                if self.screen == Screen::StaffPin && self.staff_unlocked && self.handoff_error.take().is_some() {
                    self.staff_needed = false;
                    // The hand-off, ticket and slip in the customer's language, not the staff's.
                    if let Some(l) = self.visit.customer_lang {
                        self.lang = l;
                    }
                    self.accept_at_kiosk();
                }
            }
            Intent::ChangeDocument => {
                if self.screen == Screen::Guided {
                    self.go(Screen::Choose, Why::Back);
                }
            }
            Intent::Finish => {
                if self.screen == Screen::Done {
                    self.go(Screen::Attract, Why::Finished);
                }
            }
            Intent::QueueOpen(i) => self.ask_before(Leave::Serve { entry: i, close_first: false }),
            Intent::QueueStep(d) => match self.queue.step(d) {
                Some(i) => self.ask_before(Leave::Serve { entry: i, close_first: self.screen != Screen::Start }),
                None => self.error = Some(Msg::key("queue.none_waiting")),
            },
            Intent::NextCustomer => self.ask_before(Leave::NextCustomer),
            Intent::OpenPrint => self.open_print(),
            Intent::ClosePrint => self.close_print(),
            Intent::SetLayout(id) => self.visit.print.layout = Some(id),
            Intent::SetCopies(n) => self.visit.print.copies = n,
            Intent::Print(paper) => self.print(paper),
            Intent::SavePdf(paper) => self.save_pdf(paper),
        }
    }

    /// Everything of the customer goes; at the counter the staff member stays and the next
    /// customer starts on the studio's own spec and background choice, not the last customer's.
    fn next_customer(&mut self) {
        let operator = std::mem::take(&mut self.visit.form.operator);
        self.visit = Visit::default();
        if self.mode == Mode::Counter {
            self.visit.form.operator = operator;
            self.studio_defaults();
        }
        self.path_entry = None;
        self.retake_of = None;
        self.chosen_document = None;
        self.fit_document();
        self.result_tex = None;
        self.print_tex = None;
        self.queue.close();
        self.go(Screen::Start, Why::Closed);
    }

    // ---- photos ----

    pub fn spec(&self) -> &Spec {
        &self.book.all()[self.spec_idx]
    }

    /// Before a new photo (opened or from the camera) when "Retake" was not pressed: on a
    /// laptop there is one person, so their form always goes on to the next photo; at the
    /// counter a result not yet exported is the same customer's retake (a new customer comes
    /// with "Next customer" or from the queue), so nothing typed for them is lost.
    fn keep_person_for_next_photo(&mut self) {
        let v = &self.visit;
        // A kiosk customer from the queue has a ticket before anything is typed.
        let typed = !v.form.is_blank() || v.ticket.is_some() || v.from_spool.is_some();
        let unexported = matches!(v.still, StillJob::Done(_) | StillJob::Checking(_)) && v.last_export.is_none();
        let keep = match self.mode {
            Mode::Laptop => typed,
            Mode::Counter => typed && unexported,
            Mode::Kiosk => false,
        };
        if keep && self.retake_of.is_none() {
            self.retake_of = Some(v.carried_over());
        }
    }

    /// The window (laptop, counter) was asked to close (Ctrl+Q, the title bar's ×): at once
    /// when nothing would be lost, else the person is asked first (`leave_asked`).
    pub fn close_requested(&mut self) {
        self.ask_before(Leave::Quit);
    }

    /// `leave` at once when nothing would be lost, else once the person confirms.
    fn ask_before(&mut self, leave: Leave) {
        if self.unsaved_work() {
            self.leave_asked = Some(leave);
        } else {
            self.leave(leave);
        }
    }

    fn leave(&mut self, leave: Leave) {
        match leave {
            Leave::Quit => self.quit_requested = true,
            Leave::NextCustomer => self.next_customer(),
            Leave::OpenPhoto => {
                if let Some(p) = self.open_after.take() {
                    self.open_path(&p);
                }
            }
            Leave::Serve { entry, close_first } => {
                if close_first {
                    self.next_customer();
                }
                self.open_queue_entry(entry);
            }
        }
    }

    /// A checked photo whose result (with this form) is not exported yet.
    pub fn unsaved_work(&self) -> bool {
        matches!(self.visit.still, StillJob::Done(_)) && !self.exported()
    }

    /// Exports go to `p` from now on, and the window remembers it.
    fn use_folder(&mut self, p: PathBuf) {
        self.folder = p.clone();
        self.remembered.folder = Some(p);
        self.remember();
    }

    /// The counter's next customer starts on the studio's spec and background choice, not the
    /// last customer's (their document goes with `chosen_document`).
    fn studio_defaults(&mut self) {
        self.background = BackgroundChoice::Auto;
        self.chosen_document = None;
        let default_spec = self.settings.default_spec.clone();
        if self.book.get(&default_spec).is_ok() {
            self.set_spec(&default_spec);
        }
    }

    /// At the counter a photo opened after an export is the next customer's, and the form
    /// goes: when it was changed since the export (a name corrected), staff are asked first.
    fn open_or_ask(&mut self, path: PathBuf) {
        let v = &self.visit;
        let person = |f: &Form| [f.name.clone(), f.city.clone(), f.phone.clone(), f.notes.clone()];
        let changed = v.exported_for.as_ref().is_some_and(|(form, _, _)| person(form) != person(&v.form));
        if self.mode == Mode::Counter && v.last_export.is_some() && changed {
            self.open_after = Some(path);
            self.leave_asked = Some(Leave::OpenPhoto);
        } else {
            self.open_path(&path);
        }
    }

    /// Same path as Open… and drag-and-drop: load a photo file and check it.
    pub fn open_path(&mut self, path: &Path) {
        match open_photo(path) {
            Ok(p) => self.open_portrait(p, None),
            Err(e) => {
                // A photo already shown stays, and nothing may suggest otherwise: the path field
                // goes back to its file (an export now would be of that photo, not the one typed).
                let shown = self.still().map(|s| s.session.source.path.clone().unwrap_or_default());
                self.error = Some(match shown.is_some() {
                    true => {
                        Msg::with(move |l| ta(l, "photo_error_kept", &[("error", crate::i18n::photo_error(&e, l))]))
                    }
                    false => photo_error_msg(e),
                });
                if let (Some(field), Some(shown)) = (&mut self.path_entry, shown) {
                    *field = shown;
                }
            }
        }
    }

    /// Check a still on a worker (the window keeps drawing; a spinner shows). Every new photo
    /// starts a new visit; the person's form carries over only when it is the same person
    /// ("Retake", a laptop, a counter result not yet exported: `keep_person_for_next_photo`).
    pub fn open_portrait(&mut self, portrait: Portrait, from_spool: Option<(PathBuf, crate::spool::Handoff)>) {
        self.error = None;
        if from_spool.is_none() {
            self.keep_person_for_next_photo();
        }
        if self.mode != Mode::Kiosk {
            // The staff member at the counter is the same for every customer.
            let operator = std::mem::take(&mut self.visit.form.operator);
            let served = self.visit.last_export.is_some();
            self.visit = Visit::default();
            if self.mode == Mode::Counter {
                self.visit.form.operator = operator;
            }
            // A retake (and only a retake) carries the person over; a queue entry is someone else.
            if from_spool.is_some() {
                self.retake_of = None;
            }
            // A photo opened after the last customer's export, not as their retake, is the next
            // customer: as after "Next customer", nothing of the last one's choices stays.
            if self.mode == Mode::Counter && served && self.retake_of.is_none() && from_spool.is_none() {
                self.studio_defaults();
            }
            if let Some(r) = self.retake_of.take() {
                self.visit.form = r.form;
                self.visit.ticket = r.ticket;
                self.visit.from_spool = r.from_spool;
                self.visit.retake = true;
            }
        }
        if let Some((path, h)) = from_spool {
            self.visit.from_spool = Some(path);
            self.visit.ticket = Some(h.ticket.clone());
            self.visit.form.ticket = h.ticket;
            // The kiosk customer's document, on the spec they were photographed to.
            if let Some(d) = Document::from_id(&h.document) {
                self.chosen_document = Some(d);
            }
            if self.book.get(&h.spec).is_ok() {
                self.set_spec(&h.spec);
            }
        }
        if self.mode != Mode::Kiosk {
            self.fit_document();
        }
        let (tx, rx) = std::sync::mpsc::channel();
        let (spec, lang, ctx, bg) = (self.spec().clone(), self.lang, self.wake_ctx.clone(), self.background.clone());
        std::thread::spawn(move || {
            let still = Still::check(portrait, &spec, lang, &bg);
            let session = still.as_ref().ok().map(|s| s.session.clone());
            let _ = tx.send(still);
            if let Some(ctx) = ctx {
                ctx.request_repaint();
            }
            // A large photo was checked on a reduced decode: its full picture is decoded here,
            // after the result is shown, rather than on the UI thread when a crop needs it.
            if let Some(s) = session {
                s.prepare_full_picture();
            }
        });
        self.visit.still = StillJob::Checking(rx);
        self.go(Screen::Checking, Why::Opened);
    }

    /// A still is being checked.
    pub fn is_busy(&self) -> bool {
        matches!(self.visit.still, StillJob::Checking(_))
    }

    fn busy(&self) -> bool {
        self.is_busy() || self.visit.composing.is_some()
    }

    pub fn still(&self) -> Option<&Still> {
        match &self.visit.still {
            StillJob::Done(s) => Some(s),
            _ => None,
        }
    }

    /// Pixel size of the cropped result (the spec's size).
    pub fn result_size(&self) -> Option<(u32, u32)> {
        self.still()?.judgement.frame.as_ref().map(|o| o.dimensions())
    }

    /// Kiosk: full screen asks the window manager, and an X server without one (common on
    /// kiosks) ignores it and leaves a 1280×820 window in a corner. Then the window is moved
    /// and sized over the whole monitor itself (a few tries: the first frames may not know
    /// the monitor yet).
    fn fill_screen(&mut self, ctx: &egui::Context) {
        let (monitor, inner) = ctx.input(|i| (i.viewport().monitor_size, i.viewport().inner_rect));
        let (Some(monitor), Some(inner)) = (monitor, inner) else { return };
        // (winit may report full screen as granted when nothing granted it: sizes decide.)
        let short = inner.width() + 2.0 < monitor.x || inner.height() + 2.0 < monitor.y;
        if short && self.screen_fills < 3 {
            self.screen_fills += 1;
            tracing::info!(w = monitor.x, h = monitor.y, "no full screen from the window manager: filling the monitor");
            ctx.send_viewport_cmd(egui::ViewportCommand::OuterPosition(egui::pos2(0.0, 0.0)));
            ctx.send_viewport_cmd(egui::ViewportCommand::InnerSize(monitor));
        }
    }

    /// How long the staff keypad stays locked after too many wrong PINs.
    pub fn pin_locked_for(&self) -> Option<Duration> {
        self.pin_locked_until.map(|t| t.saturating_duration_since(self.now())).filter(|d| !d.is_zero())
    }

    /// Which photo is shown (see `photo_serial`); `still_gen` also counts its re-judgements.
    pub fn photo_serial(&self) -> u64 {
        self.photo_serial
    }

    pub fn error(&self) -> Option<String> {
        self.error.as_ref().map(|m| m.text(self.lang))
    }

    pub fn notice(&self) -> Option<String> {
        self.notice.as_ref().map(|m| m.text(self.lang))
    }

    /// What was wrong with the studio settings file, in the window's language.
    pub fn settings_note(&self) -> Option<String> {
        self.settings_note.as_ref().map(|e| e.message(self.lang))
    }

    pub fn set_spec(&mut self, id: &str) {
        if let Some(i) = self.book.all().iter().position(|s| s.id == id)
            && i != self.spec_idx
        {
            self.spec_idx = i;
            // A colour the new spec does not allow falls back to the spec's own choice.
            if let BackgroundChoice::Color(name) = &self.background
                && self.spec().background_color(name).is_none()
            {
                self.background = BackgroundChoice::Auto;
            }
            self.visit.adjust = Adjust { zoom: 1.0, ..Adjust::default() };
            self.fit_document();
            self.rejudge();
            if let Some(l) = &self.live {
                l.set_spec(self.spec(), self.lang);
            }
            self.remembered.spec = Some(id.to_string());
            self.remember();
        }
    }

    pub fn set_lang(&mut self, lang: Lang) {
        if lang != self.lang {
            self.lang = lang;
            // Texts only: the verdicts stay as they are.
            let spec = self.spec().clone();
            if let StillJob::Done(s) = &mut self.visit.still {
                s.set_lang(&spec, lang);
            }
            self.visit.export_msg = None;
            self.remembered.lang = Some(lang);
            self.remember();
        }
    }

    /// The form's document: the person's choice (else the studio's default) where the current
    /// spec is for it, else the first booth document the spec is for, else "other". A document
    /// another spec is photographed to (a passport on the US spec, a kiosk customer's resident
    /// ID on the exit-entry spec) would label the export wrongly; US and back brings the
    /// person's choice back.
    fn fit_document(&mut self) {
        let booth = crate::export::summary::DOCUMENTS;
        let default = || Document::from_id(&self.settings.default_document).unwrap_or_default();
        let wanted = self.chosen_document.unwrap_or_else(default);
        let spec = self.spec();
        let document = if self.book.document_fit(spec, wanted.id(), &booth) == DocumentFit::Fits {
            wanted
        } else {
            Document::ALL.into_iter().find(|d| spec.documents.iter().any(|x| x == d.id())).unwrap_or(Document::Other)
        };
        self.visit.form.document = document;
    }

    /// After "Retake": whose photo the next one is (name, else ticket, else empty).
    pub fn retake_for(&self) -> Option<String> {
        self.retake_of.as_ref().map(|r| {
            let name = r.form.name.trim();
            if !name.is_empty() { name.to_string() } else { r.ticket.clone().unwrap_or_default() }
        })
    }

    /// Where the PIN keypad goes without a PIN (cancel, timeout): a problem that holds the
    /// kiosk for staff (a failed hand-off) holds on; otherwise the attract screen.
    fn without_pin(&self) -> Screen {
        if self.staff_needed { Screen::AskStaff } else { Screen::Attract }
    }

    fn set_document(&mut self, d: Document) {
        self.visit.form.document = d;
        self.chosen_document = Some(d);
        self.visit.spec_follows_document = false;
        // A document the current spec is not for: switch to the first spec that is, and say
        // so beside the choice (a Canadian passport's photo must not become a Chinese one
        // unseen).
        if !self.spec().documents.iter().any(|x| x == d.id())
            && let Some(s) = self.book.all().iter().find(|s| s.documents.iter().any(|x| x == d.id()))
        {
            let id = s.id.clone();
            self.set_spec(&id);
            self.visit.spec_follows_document = true;
        }
    }

    /// Judge the open photo again (spec, background or crop changed): milliseconds, on this
    /// thread, from the session's cache; the composition (a model) follows on a worker.
    fn rejudge(&mut self) {
        let (spec, lang, bg, adjust) = (self.spec().clone(), self.lang, self.background.clone(), self.visit.adjust);
        if let StillJob::Done(s) = &mut self.visit.still {
            let open = |s: &Still| {
                crate::approval::to_confirm(&s.judgement.verdicts)
                    .iter()
                    .map(|v| (v.rule, v.status))
                    .collect::<Vec<_>>()
            };
            let before = open(s);
            s.rejudge(&spec, lang, &bg, adjust);
            // What was decided about the last judgement goes with it: the ticks, and the reason
            // written for them when other rules are open now (a reason for one rule must not
            // pass another's failure; a nudge of the crop keeps it). A tick vouched for what a
            // person saw in the photo as it was, so none is carried over; staff are told.
            self.visit.ticks_dropped |= !self.visit.confirmed.is_empty();
            self.visit.confirmed.clear();
            if open(s) != before {
                self.visit.form.override_reason.clear();
            }
            self.visit.export_msg = None;
            // The last prints were of the export this judgement replaces.
            self.visit.print.clear_status();
            self.still_gen += 1;
            self.start_compose();
        }
    }

    fn start_compose(&mut self) {
        let StillJob::Done(s) = &self.visit.still else { return };
        if s.composed.is_some() || s.judgement.frame.is_none() {
            return;
        }
        let (session, judgement, spec, ctx) =
            (s.session.clone(), s.judgement.clone(), self.spec().clone(), self.wake_ctx.clone());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(session.compose(&judgement, &spec));
            if let Some(ctx) = ctx {
                ctx.request_repaint();
            }
        });
        self.visit.composing = Some((self.still_gen, rx));
    }

    fn poll_still(&mut self) {
        // Staff at the keypad are not pulled out of it: the result waits for Cancel, which
        // returns to the checking screen.
        if self.screen == Screen::StaffPin {
            return;
        }
        let StillJob::Checking(rx) = &self.visit.still else { return };
        match rx.try_recv() {
            Ok(Ok(s)) => {
                tracing::info!(
                    overall = s.judgement.overall.as_str(),
                    faces = s.judgement.measurements.faces,
                    "photo checked"
                );
                self.visit.still = StillJob::Done(Box::new(s));
                self.still_gen += 1;
                self.photo_serial += 1;
                let to = if self.mode == Mode::Kiosk { Screen::KioskResult } else { Screen::Review };
                self.go(to, Why::Checked);
            }
            Ok(Err(e)) => {
                tracing::warn!("check failed");
                let e = crate::session::SessionError::Vision(e);
                self.error = Some(Msg::with(move |l| ta(l, "check_error", &[("error", session_error(&e, l))])));
                self.visit.still = StillJob::None;
                // A retake whose photo could not be checked is still pending.
                if self.visit.retake {
                    self.retake_of = Some(self.visit.carried_over());
                }
                let to = if self.mode == Mode::Kiosk { Screen::Guided } else { Screen::Start };
                self.go(to, Why::CheckFailed);
            }
            Err(TryRecvError::Empty) => {}
            Err(TryRecvError::Disconnected) => {
                self.visit.still = StillJob::None;
                self.go(Screen::first(self.mode), Why::CheckFailed);
            }
        }
    }

    fn poll_compose(&mut self) {
        let Some((gen_, rx)) = &self.visit.composing else { return };
        let gen_ = *gen_;
        match rx.try_recv() {
            Ok(r) => {
                self.visit.composing = None;
                if gen_ != self.still_gen {
                    // Stale: the photo was judged again meanwhile.
                    self.start_compose();
                    return;
                }
                match r {
                    Ok(c) => {
                        if let StillJob::Done(s) = &mut self.visit.still {
                            s.composed = Some(c);
                            self.still_gen += 1;
                        }
                    }
                    Err(e) => {
                        self.error = Some(Msg::with(move |l| ta(l, "check_error", &[("error", session_error(&e, l))])))
                    }
                }
            }
            Err(TryRecvError::Empty) => {}
            Err(TryRecvError::Disconnected) => self.visit.composing = None,
        }
    }

    fn open_dialog(&mut self) {
        match self.picker.pick_photo() {
            Ok(Some(p)) => self.open_or_ask(p),
            Ok(None) => {}
            Err(e) => {
                tracing::warn!("no file dialog: {e}");
                self.error = Some(Msg::key("dialog_missing"));
                self.path_entry = Some(String::new());
            }
        }
    }

    // ---- export ----

    /// The message under the Export button, and whether it reports success.
    pub fn export_message(&self) -> Option<(String, bool)> {
        let v = &self.visit;
        let differs = |(form, ticks, generation): &(Form, std::collections::BTreeSet<RuleId>, u64)| {
            *form != v.form || *ticks != v.confirmed || *generation != self.still_gen
        };
        // Saved, then changed: the files on disk are not what the screen shows.
        if v.export_msg.as_ref().is_some_and(|(_, ok)| *ok) && v.exported_for.as_ref().is_some_and(differs) {
            return Some((t(self.lang, "form.changed_since_export"), false));
        }
        let stale = v.refused_for.as_ref().is_some_and(differs);
        v.export_msg.as_ref().filter(|(_, ok)| *ok || !stale).map(|(m, ok)| (m.clone(), *ok))
    }

    /// Where the kiosk hands photos to the counter: the settings' `spool_dir`, else `spool` in
    /// the booth's data folder (a kiosk and a counter on one machine then meet without settings).
    pub fn spool_dir(&self) -> Option<PathBuf> {
        self.settings
            .spool_dir
            .clone()
            .or_else(|| self.state_dir.clone().or_else(crate::paths::data_dir).map(|d| d.join("spool")))
    }

    /// Has the photo as now judged been exported already? (One export per click.)
    pub fn exported(&self) -> bool {
        let v = &self.visit;
        v.exported_for.as_ref().is_some_and(|(form, ticks, generation)| {
            *form == v.form && *ticks == v.confirmed && *generation == self.still_gen
        })
    }

    /// Export the current result with the form (what the Export button does).
    pub fn export(&mut self) {
        if self.exported() {
            return;
        }
        let Some(dir) = self.state_dir.clone().or_else(crate::paths::data_dir) else {
            self.visit.export_msg = Some((crate::serial::SerialError::NoDataDir.to_string(), false));
            self.visit.refused_for = None;
            return;
        };
        let serials = crate::serial::SerialCounter::at(dir);
        let Some(still) = self.still() else { return };
        let confirmed: Vec<RuleId> = self.visit.confirmed.iter().copied().collect();
        let r = state::export(
            still,
            self.spec(),
            &self.visit.form,
            &confirmed,
            &self.settings.overrides,
            state::Destination { dir: &self.folder, serials: &serials, self_service: self.mode == Mode::Laptop },
            self.lang,
        );
        match r {
            Ok(saved) => {
                let msg = ta(
                    self.lang,
                    "form.exported",
                    &[
                        ("photo", crate::paths::shown(&saved.photo)),
                        ("summary", crate::paths::shown(&saved.summary_path)),
                    ],
                );
                if let Some(p) = &self.visit.from_spool
                    && let Err(e) = crate::spool::set_status(p, crate::spool::EntryStatus::Exported)
                {
                    tracing::warn!("spool status not saved: {e}");
                }
                self.queue.mark_exported(self.visit.from_spool.as_deref());
                self.visit.export_msg = Some((msg, true));
                self.visit.last_export = Some(saved);
                self.visit.exported_for = Some((self.visit.form.clone(), self.visit.confirmed.clone(), self.still_gen));
                // A new export replaces what the print screen had.
                self.visit.print = print::Desk::default();
                self.auto_print();
            }
            Err(e) => {
                self.visit.export_msg = Some((e, false));
                self.visit.reveal_missing = true;
                self.visit.refused_for = Some((self.visit.form.clone(), self.visit.confirmed.clone(), self.still_gen));
            }
        }
    }

    // ---- kiosk ----

    /// "Looks good": hand the photo to the counter and show the ticket.
    fn accept_at_kiosk(&mut self) {
        let Some(still) = self.still() else { return };
        let spool = self.spool_dir().ok_or_else(|| "no data folder for the spool".to_string());
        let handed = spool.and_then(|dir| {
            // A kiosk without a counter running still lets old photos go.
            crate::spool::prune(&dir, self.settings.spool_keep(), None);
            let ticket = crate::spool::next_ticket(&dir).map_err(|e| e.to_string())?;
            let h = crate::spool::Handoff {
                schema: 1,
                ticket: ticket.clone(),
                document: self.visit.form.document.id().into(),
                spec: self.spec().id.clone(),
                lang: self.lang,
                captured_at: crate::export::summary::now_local(),
                outcome: still.judgement.overall,
                open_rules: crate::approval::to_confirm(&still.judgement.verdicts).iter().map(|v| v.rule).collect(),
            };
            crate::spool::handoff(&dir, still.session.pyramid().base(), &h).map_err(|e| e.to_string())?;
            Ok(ticket)
        });
        match handed {
            Ok(ticket) => {
                self.visit.ticket = Some(ticket);
                self.auto_print();
                self.go(Screen::Done, Why::Accepted);
            }
            Err(e) => {
                tracing::error!("kiosk hand-off failed: {e}");
                // Staff must come: the screen holds (the camera coming back does not end it).
                self.staff_needed = true;
                self.handoff_error = Some(e);
                self.go(Screen::AskStaff, Why::HandoffFailed);
            }
        }
    }

    // ---- live ----

    #[cfg(feature = "camera")]
    fn find_camera(&mut self) {
        self.cameras = crate::capture::camera::list_cameras().unwrap_or_default();
        if self.cameras.is_empty() {
            self.notice = Some(Msg::key("no_camera"));
            return;
        }
        let cam = &self.settings.camera;
        let index = cam.index.filter(|i| self.cameras.iter().any(|c| c.index == *i)).unwrap_or(self.cameras[0].index);
        self.use_camera(index);
    }

    #[cfg(not(feature = "camera"))]
    fn find_camera(&mut self) {
        self.notice = Some(Msg::key("no_camera"));
    }

    #[cfg(feature = "camera")]
    fn use_camera(&mut self, index: u32) {
        self.remembered.camera = Some(index);
        let (w, h) = (self.settings.camera.width, self.settings.camera.height);
        self.live_maker = Some(Box::new(move || {
            Box::new(move || {
                crate::capture::camera::CameraSource::open(index, w, h).map(|s| Box::new(s) as Box<dyn FrameSource>)
            })
        }));
    }

    /// Use `maker` for the live preview and start it (tests pass recorded frames here).
    pub fn set_live_source(&mut self, maker: SourceMaker) {
        self.live_maker = Some(maker);
        match self.screen {
            Screen::Live | Screen::Guided => self.start_live(),
            _ if self.mode == Mode::Kiosk => {}
            _ => self.go(Screen::Live, Why::Opened),
        }
    }

    fn start_live(&mut self) {
        self.stop_live();
        self.error = None;
        self.smoother.clear();
        self.preview = None;
        let wake: Option<live::Wake> =
            self.wake_ctx.clone().map(|c| Arc::new(move || c.request_repaint()) as live::Wake);
        if let Some(factory) = self.live_maker.as_ref().map(|m| m()) {
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

    /// Before the first analysis: "starting the camera" until a frame shows, then "finding
    /// your face" (the picture is already there).
    pub fn starting_text_key(&self) -> &'static str {
        if self.live.as_ref().is_some_and(|l| l.latest_frame().is_some()) {
            "camera_finding"
        } else {
            "camera_starting"
        }
    }

    /// The countdown or the burst after it is running.
    pub fn capturing(&self) -> bool {
        self.countdown.is_some() || self.guide.burst_started.is_some()
    }

    /// The smoothed live warnings now shown.
    pub fn live_warnings(&self) -> Vec<live::Warn> {
        self.smoother.active()
    }

    /// Analyses folded into the warnings so far.
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

    /// Live results, the countdown, the kiosk's auto-capture, a lost camera.
    fn poll_live(&mut self, now: Instant) {
        if self.screen == Screen::AskStaff && self.mode == Mode::Kiosk && !self.staff_needed {
            // The customer may leave while the camera is away: after the idle time they are
            // forgotten here, and the camera's return starts at the attract screen, not in
            // their visit with whoever stands there then.
            let idle = Duration::from_secs_f64(self.settings.timeouts.idle);
            if self.visit.started && now >= self.last_activity.max(self.entered) + idle {
                tracing::info!("customer gone while the camera was away: visit forgotten");
                self.forget_customer();
            }
            // A try that failed ends; look for the camera again now and then; back to the
            // customer as soon as it delivers a frame.
            if self.live.as_ref().is_some_and(|l| l.error().is_some()) {
                self.stop_live();
            }
            if self.live.is_none() && self.camera_retry_at.is_some_and(|t| now >= t) {
                self.camera_retry_at = Some(now + Duration::from_secs_f64(self.settings.timeouts.camera_retry));
                self.find_camera();
                self.start_live();
            }
            if self.live.as_ref().is_some_and(|l| l.latest_frame().is_some() && l.error().is_none()) {
                self.camera_retry_at = None;
                let to = if self.visit.started { Screen::Guided } else { Screen::Attract };
                self.go(to, Why::CameraBack);
            }
            return;
        }
        let Some(l) = &self.live else { return };
        if let Some(e) = l.error() {
            tracing::warn!("camera: {e}");
            self.stop_live();
            if self.mode == Mode::Kiosk {
                self.go(Screen::AskStaff, Why::CameraLost);
            } else {
                self.error = Some(match e {
                    CaptureError::NoDevice => Msg::key("no_camera"),
                    e => Msg::with(move |l| ta(l, "camera_error", &[("error", capture_error(&e, l))])),
                });
                self.go(Screen::Start, Why::CameraLost);
            }
            return;
        }
        if let Some(r) = l.latest_result() {
            let warns = live::warnings(&r, self.spec());
            if r.analysis.main.is_some() {
                // A face in front of the camera counts as someone being there.
                self.last_activity = now;
            }
            self.smoother.push(r.seq, warns);
            self.guide.keep_frame(&r, &mut self.visit.burst);
        }
        let t = self.settings.timeouts.clone();
        // The kiosk captures by itself once everything held for a moment.
        let ready = self.smoother.len() >= 3 && self.smoother.active().is_empty();
        let held = self.guide.ready_for(ready, now);
        if self.screen == Screen::Guided
            && self.countdown.is_none()
            && self.guide.burst_started.is_none()
            && held >= Duration::from_secs_f64(t.hold)
        {
            tracing::info!("framing held: countdown");
            self.countdown = Some(now);
        }
        if let Some(start) = self.countdown {
            // Moved away during the countdown: start over (a short lapse is forgiven).
            if self.screen == Screen::Guided && !ready && self.guide.lost_for(now) > Duration::from_millis(700) {
                self.countdown = None;
            } else if now.duration_since(start) >= Duration::from_secs_f64(t.countdown) {
                self.countdown = None;
                if self.mode == Mode::Kiosk {
                    // Keep the best of the next few analysed frames.
                    self.visit.burst.clear();
                    self.guide.burst_started = Some(now);
                } else {
                    self.capture_latest();
                }
            }
        }
        if let Some(started) = self.guide.burst_started {
            let enough = self.visit.burst.len() >= t.burst_frames as usize;
            if enough || now.duration_since(started) > Duration::from_secs(3) {
                self.guide.burst_started = None;
                let best = live::best_of(&self.visit.burst);
                self.visit.burst.clear();
                match best.or_else(|| self.live.as_ref().and_then(|l| l.latest_frame())) {
                    Some(f) => {
                        tracing::info!("captured");
                        self.open_portrait(Portrait::from_rgb(f.image.clone()), None);
                    }
                    None => self.countdown = None,
                }
            }
        }
    }

    fn capture_latest(&mut self) {
        let Some(frame) = self.live.as_ref().and_then(|l| l.latest_frame()) else { return };
        tracing::info!("captured");
        self.open_portrait(Portrait::from_rgb(frame.image.clone()), None);
    }

    // ---- counter ----

    fn refresh_queue(&mut self) {
        let now = self.now();
        self.queue.poll(self.spool_dir().as_deref(), self.settings.spool_keep(), self.visit.from_spool.as_deref(), now);
    }

    fn open_queue_entry(&mut self, i: usize) {
        let Some(e) = self.queue.select(i).cloned() else { return };
        match load_photo(&e.photo) {
            Ok(p) => self.open_portrait(p, Some((e.photo.clone(), e.handoff.clone()))),
            Err(err) => self.error = Some(photo_error_msg(err)),
        }
    }

    // ---- settings ----

    fn remember(&mut self) {
        self.remembered.mirror = self.mirror;
        if let Some(p) = &self.remember_path {
            self.remembered.save(p);
        }
    }

    /// Draw the whole window (also what the tests drive).
    pub fn show(&mut self, ui: &mut egui::Ui) {
        self.show_frame(ui, true);
    }

    /// A drawn frame: its input, then (unless eframe's `App::logic` already ran it) the timers
    /// and workers, then the screen and what it asked for.
    fn show_frame(&mut self, ui: &mut egui::Ui, tick: bool) {
        let ctx = ui.ctx().clone();
        if self.wake_ctx.is_none() {
            self.wake_ctx = Some(ctx.clone());
        }
        let now = Instant::now();
        self.frame_times.push_back(now);
        while self.frame_times.len() > 60 {
            self.frame_times.pop_front();
        }
        self.take_input(&ctx);
        if tick {
            self.tick(&ctx);
        }
        let intents = screens::show(self, ui);
        for i in intents {
            self.apply(i);
        }
    }
}

impl eframe::App for BoothApp {
    /// eframe calls this before each `ui` and, while the window is minimised, covered or not
    /// being drawn by the compositor, alone: the timers always run here, the input in `ui`.
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.tick(ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show_frame(ui, false);
    }

    /// Characters typed just before a click elsewhere must reach their field (`input`).
    fn raw_input_hook(&mut self, ctx: &egui::Context, raw: &mut egui::RawInput) {
        match self.splitter.split(&mut raw.events) {
            input::Wake::No => {}
            input::Wake::Now => ctx.request_repaint(),
            input::Wake::Soon => ctx.request_repaint_after(Duration::from_millis(100)),
        }
    }
}

/// Open the window (what `idbooth` with no subcommand does).
pub fn run(opts: Options) -> anyhow::Result<()> {
    let kiosk = opts.mode.unwrap_or(opts.settings.mode) == Mode::Kiosk;
    let viewport = egui::ViewportBuilder::default()
        .with_title("idbooth")
        .with_inner_size([1280.0, 820.0])
        .with_min_inner_size([800.0, 500.0])
        .with_drag_and_drop(!kiosk)
        .with_decorations(!kiosk)
        .with_fullscreen(kiosk);
    let native = eframe::NativeOptions { viewport, ..Default::default() };
    eframe::run_native(
        "idbooth",
        native,
        Box::new(move |cc| {
            fonts::install(&cc.egui_ctx);
            Ok(Box::new(BoothApp::new(opts, Box::new(SystemPicker))))
        }),
    )
    .map_err(|e| anyhow::anyhow!("cannot open the window: {e}\n(no desktop here? the command line works without one: idbooth check PHOTO, idbooth --help)"))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    #[test]
    fn wrong_pins_lock_the_keypad_longer_and_longer() {
        assert_eq!(super::pin_lock(2), None);
        assert_eq!(super::pin_lock(3), Some(Duration::from_secs(30)));
        assert_eq!(super::pin_lock(4), Some(Duration::from_secs(60)));
        assert_eq!(super::pin_lock(8), Some(Duration::from_secs(900)));
        assert_eq!(super::pin_lock(40), Some(Duration::from_secs(900)));
    }
}
