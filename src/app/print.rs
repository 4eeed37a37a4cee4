//! Printing from the window, never on the UI thread: the print preview (the first sheet drawn
//! as it will come out), sheets and slips to a PDF file or to CUPS, and the kiosk's automatic
//! print. Nothing is drawn here: `screens/print.rs` draws from a [`Desk`] and the app polls it.
//! A desk belongs to the visit: dropping it (the kiosk's reset) drops its temporary folder.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError};

use image::RgbImage;

use super::config::Mode;
use super::machine::{Screen, Why};
use super::text::{Msg, ta};
use super::{BoothApp, StillJob};
use crate::Lang;
use crate::export::Saved;
use crate::judge::Overall;
use crate::print::cups::{Cups, CupsError, Job, PrintJob};
use crate::print::summary::{self, ApplicantDoc, Loaded, SummaryDoc};
use crate::print::{Layout, PrintError, PrintSettings, SheetPhoto, Studio, sheet, slip, write_file};
use crate::spec::{Spec, SpecBook};

/// Resolution of the on-screen preview (the printed sheet keeps the settings' DPI).
pub const PREVIEW_DPI: u32 = 120;

/// What comes out of the printer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paper {
    /// The photos at true size, to cut.
    Sheet,
    /// The applicant's summary slip.
    Slip,
}

impl Paper {
    fn name(self) -> &'static str {
        match self {
            Paper::Sheet => "sheet",
            Paper::Slip => "slip",
        }
    }
}

/// What is printed from: the exported photo with its summary (laptop, counter), or the kiosk's
/// accepted photo, encoded for paper only (it is never written as an export).
pub struct Source {
    pub photo: SheetPhoto,
    pub summary: Loaded,
}

impl Source {
    /// An export, read back from disk as the command line would (summary and photo checked
    /// against each other).
    pub fn exported(photo: &Path, summary_path: &Path, book: &SpecBook) -> Result<Source, PrintError> {
        let photo = SheetPhoto::open(photo, book, None)?;
        let summary = summary::load(summary_path)?;
        Ok(Source { photo, summary })
    }

    fn saved(saved: &Saved, book: &SpecBook) -> Result<Source, PrintError> {
        Source::exported(&saved.photo, &saved.summary_path, book)
    }

    /// The kiosk's photo (the composed crop at the spec's pixels) with a slip of what the kiosk
    /// knows: ticket, document, spec, time, the booth's serial for this print, the outcome.
    pub fn kiosk(
        image: &RgbImage,
        spec: &Spec,
        ticket: &str,
        document: &str,
        serial: String,
    ) -> Result<Source, String> {
        let jpeg =
            crate::export::encode_jpeg(image, 95, spec.dpi().min(u16::MAX as u32) as u16).map_err(|e| e.to_string())?;
        let mut photo = SheetPhoto::from_bytes(jpeg.clone(), spec).map_err(|e| e.to_string())?;
        let now = crate::export::summary::now_local();
        photo.date = now.get(..10).map(String::from);
        let (w, h) = photo.print_mm;
        let doc = SummaryDoc {
            schema: 2,
            serial: Some(serial),
            photo_file: "kiosk.jpg".into(),
            photo_bytes: Some(jpeg.len() as u64),
            spec: spec.id.clone(),
            spec_name_en: spec.name_en.clone(),
            spec_name_zh: spec.name_zh.clone(),
            width_px: spec.width(),
            height_px: spec.height(),
            dpi: spec.dpi(),
            print_width_mm: Some(w),
            print_height_mm: Some(h),
            exported_at: Some(now),
            applicant: ApplicantDoc {
                document: Some(document.into()),
                ticket: Some(ticket.into()),
                ..ApplicantDoc::default()
            },
            // The kiosk prints only photos that passed every rule.
            outcome: Some("pass".into()),
            ..SummaryDoc::default()
        };
        let sha256 = summary::sha256_hex(&jpeg);
        let summary = Loaded { doc, path: PathBuf::new(), photo_path: PathBuf::new(), photo: jpeg, sha256 };
        Ok(Source { photo, summary })
    }
}

/// How to print: the studio's settings with the layout and copies chosen on screen.
#[derive(Clone)]
pub struct Order {
    pub layout: Layout,
    pub copies: Option<u32>,
    pub settings: PrintSettings,
    pub studio: Studio,
    pub lang: Lang,
}

/// The PDF for `paper`, with the paper size to ask the printer for (portrait, mm).
pub fn pdf(source: &Source, paper: Paper, o: &Order) -> Result<(Vec<u8>, (f64, f64)), String> {
    let e = |e: crate::print::PrintError| crate::i18n::print_error(&e, o.lang);
    match paper {
        Paper::Sheet => {
            let photos = std::slice::from_ref(&source.photo);
            let pages = sheet::plan(&o.layout, photos, o.copies, o.settings.captions).map_err(e)?;
            let (w, h) = pages[0].paper_mm;
            Ok((sheet::sheet_pdf(&pages, photos, o.lang).map_err(e)?, (w.min(h), w.max(h))))
        }
        Paper::Slip => {
            let s = slip::slip_pdf(&source.summary, &o.studio, o.settings.slip_size, &SpecBook::load()).map_err(e)?;
            Ok((s.pdf, s.page_mm))
        }
    }
}

/// How a print or a save ended.
#[derive(Debug)]
pub enum Outcome {
    Sent(Job),
    Saved(PathBuf),
    NotPrinted(CupsError),
    Failed(String),
}

/// The print preview: what it was drawn for, and the drawing (or why not).
struct Preview {
    key: (String, Option<u32>, bool, Lang),
    job: Option<Receiver<Result<RgbImage, String>>>,
    result: Option<Result<Arc<RgbImage>, String>>,
    generation: u64,
}

/// Printing for one visit.
#[derive(Default)]
pub struct Desk {
    pub layout: Option<String>,
    pub copies: Option<u32>,
    source: Option<Arc<Source>>,
    preview: Option<Preview>,
    jobs: Vec<(Paper, Receiver<Outcome>)>,
    /// What the last print or save of each paper came to: (message, success).
    status: Vec<(Paper, Msg, bool)>,
    /// Where PDFs wait for `lp` (removed with the desk, or when the last print using it ends).
    scratch: Option<Arc<tempfile::TempDir>>,
}

impl Desk {
    pub fn is_empty(&self) -> bool {
        self.source.is_none() && self.preview.is_none() && self.jobs.is_empty() && self.status.is_empty()
    }

    pub fn source(&self) -> Option<&Source> {
        self.source.as_deref()
    }

    pub fn set_source(&mut self, s: Source) {
        self.source = Some(Arc::new(s));
        self.preview = None;
        self.status.clear();
    }

    /// Prints or saves running.
    pub fn printing(&self) -> bool {
        !self.jobs.is_empty()
    }

    /// Prints, saves or the preview running.
    pub fn busy(&self) -> bool {
        !self.jobs.is_empty() || self.preview.as_ref().is_some_and(|p| p.job.is_some())
    }

    /// The temporary folder of this visit's prints, while it exists.
    pub fn scratch_dir(&self) -> Option<&Path> {
        self.scratch.as_ref().map(|d| d.path())
    }

    /// Draw the preview for `order` on a worker, unless it is drawn (or being drawn) already.
    pub fn want_preview(&mut self, o: &Order, wake: impl Fn() + Send + 'static) {
        let Some(source) = self.source.clone() else { return };
        let key = (o.layout.id.clone(), o.copies, o.settings.captions, o.lang);
        if self.preview.as_ref().is_some_and(|p| p.key == key) {
            return;
        }
        let generation = self.preview.as_ref().map_or(0, |p| p.generation + 1);
        let (tx, rx) = std::sync::mpsc::channel();
        let o = o.clone();
        std::thread::spawn(move || {
            let photos = std::slice::from_ref(&source.photo);
            let dpi = o.settings.dpi.min(PREVIEW_DPI);
            let r = sheet::render_sheet_preview(&o.layout, photos, o.copies, o.settings.captions, o.lang, dpi);
            let _ = tx.send(r.map_err(|e| crate::i18n::print_error(&e, o.lang)));
            wake();
        });
        self.preview = Some(Preview { key, job: Some(rx), result: None, generation });
    }

    /// The drawn preview (with a generation for the texture), or why there is none.
    pub fn preview(&self) -> Option<(Result<&Arc<RgbImage>, &str>, u64)> {
        let p = self.preview.as_ref()?;
        let r = p.result.as_ref()?;
        Some((r.as_ref().map_err(String::as_str), p.generation))
    }

    /// Print `paper` (on a worker): the PDF, then CUPS.
    pub fn print(&mut self, paper: Paper, o: &Order, wake: impl Fn() + Send + 'static) {
        let Some(source) = self.source.clone() else { return };
        let scratch = match &self.scratch {
            Some(d) => d.clone(),
            None => match tempfile::Builder::new().prefix("idbooth-visit-").tempdir() {
                Ok(d) => self.scratch.insert(Arc::new(d)).clone(),
                Err(e) => return self.finish_status(paper, &Outcome::Failed(e.to_string())),
            },
        };
        let o = o.clone();
        self.spawn(paper, wake, move || {
            let (pdf, media) = match pdf(&source, paper, &o) {
                Ok(p) => p,
                Err(e) => return Outcome::Failed(e),
            };
            let job = PrintJob {
                printer: o.settings.printer.clone(),
                title: format!("idbooth-{}", paper.name()),
                media_mm: Some(media),
                copies: 1,
            };
            match Cups::default().print_pdf(&pdf, &job, scratch.path()) {
                Ok(j) => Outcome::Sent(j),
                Err(e) => Outcome::NotPrinted(e),
            }
        });
    }

    /// Write `paper` as a PDF to `path` (on a worker).
    pub fn save(&mut self, paper: Paper, path: PathBuf, o: &Order, wake: impl Fn() + Send + 'static) {
        let Some(source) = self.source.clone() else { return };
        let o = o.clone();
        self.spawn(paper, wake, move || match pdf(&source, paper, &o) {
            Ok((bytes, _)) => match write_file(&path, &bytes) {
                Ok(()) => Outcome::Saved(path),
                Err(e) => Outcome::Failed(crate::i18n::print_error(&e, o.lang)),
            },
            Err(e) => Outcome::Failed(e),
        });
    }

    fn spawn(
        &mut self,
        paper: Paper,
        wake: impl Fn() + Send + 'static,
        work: impl FnOnce() -> Outcome + Send + 'static,
    ) {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(work());
            wake();
        });
        self.status.retain(|(p, ..)| *p != paper);
        self.jobs.push((paper, rx));
    }

    /// What the last print or save of each paper said, in `lang`, and whether it went well.
    pub fn statuses(&self, lang: Lang) -> Vec<(Paper, String, bool)> {
        self.status.iter().map(|(p, m, ok)| (*p, m.text(lang), *ok)).collect()
    }

    /// Forget what the last prints and saves said (their export is no longer the one shown).
    pub fn clear_status(&mut self) {
        self.status.clear();
    }

    /// Collect finished work; the outcomes (already turned into `status` messages in `lang`).
    pub fn poll(&mut self, lang: Lang) -> Vec<(Paper, Outcome)> {
        if let Some(p) = &mut self.preview
            && let Some(rx) = &p.job
        {
            match rx.try_recv() {
                Ok(r) => {
                    p.result = Some(r.map(Arc::new));
                    p.job = None;
                }
                Err(TryRecvError::Empty) => {}
                Err(TryRecvError::Disconnected) => {
                    p.result = Some(Err(ta(lang, "print.preview_failed", &[])));
                    p.job = None;
                }
            }
        }
        let mut done = Vec::new();
        let mut i = 0;
        while i < self.jobs.len() {
            match self.jobs[i].1.try_recv() {
                Ok(o) => done.push((self.jobs.remove(i).0, o)),
                Err(TryRecvError::Empty) => i += 1,
                Err(TryRecvError::Disconnected) => {
                    let paper = self.jobs.remove(i).0;
                    done.push((paper, Outcome::Failed(ta(lang, "print.worker_stopped", &[]))));
                }
            }
        }
        let mut out = Vec::new();
        for (paper, o) in done {
            self.finish_status(paper, &o);
            out.push((paper, o));
        }
        out
    }

    fn finish_status(&mut self, paper: Paper, o: &Outcome) {
        let what = move |lang: Lang| ta(lang, &format!("print.{}", paper.name()), &[]);
        // Written out in the window's language each time it is drawn (a language switch
        // switches it too); only a failure's own detail stays as it was made.
        let (msg, ok) = match o {
            Outcome::Sent(j) => {
                let (printer, job) = (j.printer.clone(), j.number().map_or(j.id.clone(), |n| n.to_string()));
                let args = move |l| [("what", what(l)), ("printer", printer.clone()), ("job", job.clone())];
                (Msg::with(move |l| ta(l, "print.sent", &args(l))), true)
            }
            Outcome::Saved(p) => {
                let path = crate::paths::shown(p);
                (Msg::with(move |l| ta(l, "print.saved", &[("what", what(l)), ("path", path.clone())])), true)
            }
            Outcome::NotPrinted(e) => {
                let e = e.clone();
                (Msg::with(move |l| ta(l, "print.not_printed", &[("what", what(l)), ("error", e.message(l))])), false)
            }
            Outcome::Failed(e) => {
                let e = e.clone();
                (Msg::with(move |l| ta(l, "print.failed", &[("what", what(l)), ("error", e.clone())])), false)
            }
        };
        if ok {
            tracing::info!(paper = paper.name(), "print: {}", outcome_log(o));
        } else {
            tracing::error!(paper = paper.name(), "print failed: {}", outcome_log(o));
        }
        self.status.retain(|(p, ..)| *p != paper);
        self.status.push((paper, msg, ok));
    }
}

/// The log line for an outcome: printer and job, or the error (no names, no paths).
fn outcome_log(o: &Outcome) -> String {
    match o {
        Outcome::Sent(j) => format!("sent to {} as {}", j.printer, j.id),
        Outcome::Saved(_) => "PDF saved".into(),
        Outcome::NotPrinted(e) => e.to_string(),
        // Not the message: it may name an export, and export names hold the customer's name.
        Outcome::Failed(_) => "failed (the message is on screen)".into(),
    }
}

impl BoothApp {
    /// Asks egui for a frame when a worker is done.
    fn waker(&self) -> impl Fn() + Send + 'static {
        let ctx = self.wake_ctx.clone();
        move || {
            if let Some(c) = &ctx {
                c.request_repaint();
            }
        }
    }

    /// The studio's print settings with the layout and copies chosen on screen.
    pub fn print_order(&self) -> Result<Order, String> {
        let desk = &self.visit.print;
        let id = desk.layout.as_deref().unwrap_or(&self.settings.print.layout);
        let layout = self.layouts.get(id).map_err(|e| e.to_string())?.clone();
        Ok(Order {
            layout,
            copies: desk.copies,
            settings: self.settings.print.clone(),
            studio: self.settings.studio.clone(),
            lang: self.lang,
        })
    }

    /// Start from the studio's layout and copies for this source.
    fn load_desk(&mut self, source: Source) {
        let desk = &mut self.visit.print;
        desk.set_source(source);
        desk.layout = Some(self.settings.print.layout.clone());
        desk.copies = self.settings.print.copies;
        self.print_tex = None;
    }

    /// After an export: the print screen for it.
    pub(super) fn open_print(&mut self) {
        if self.visit.print.source().is_none() {
            let Some(saved) = &self.visit.last_export else { return };
            match Source::saved(saved, &self.book) {
                Ok(s) => self.load_desk(s),
                Err(e) => {
                    let (what, e) = (ta(self.lang, "print.sheet", &[]), crate::i18n::print_error(&e, self.lang));
                    let msg = ta(self.lang, "print.failed", &[("what", what), ("error", e)]);
                    self.visit.export_msg = Some((msg, false));
                    return;
                }
            }
        }
        self.go(Screen::Print, Why::Opened);
    }

    /// An earlier export (`NAME.jpg` with `NAME.json` beside it) straight onto the print
    /// screen, to print it again (`idbooth --reprint`).
    pub fn open_reprint(&mut self, photo: &Path) {
        let shown = crate::paths::shown(photo);
        let source = match summary::beside(photo) {
            Some(json) => Source::exported(photo, &json, &self.book).map_err(std::sync::Arc::new).map_err(Some),
            None => Err(None),
        };
        match source {
            Ok(s) => {
                self.load_desk(s);
                self.go(Screen::Print, Why::Opened);
            }
            Err(e) => {
                self.error = Some(Msg::with(move |l| {
                    let e = match &e {
                        Some(e) => crate::i18n::print_error(e, l),
                        None => ta(l, "print.no_summary", &[("photo", shown.clone())]),
                    };
                    ta(l, "print.failed", &[("what", ta(l, "print.sheet", &[])), ("error", e)])
                }))
            }
        }
    }

    /// Back from the print screen: to the photo, or to the start for a reprint.
    pub(super) fn close_print(&mut self) {
        let to = if self.still().is_some() { Screen::Review } else { Screen::Start };
        self.go(to, Why::Closed);
    }

    pub(super) fn print(&mut self, paper: Paper) {
        let wake = self.waker();
        match self.print_order() {
            Ok(o) => self.visit.print.print(paper, &o, wake),
            Err(e) => self.visit.print.finish_status(paper, &Outcome::Failed(e)),
        }
    }

    /// Save as PDF where the person says; without a file dialog, into the export folder.
    pub(super) fn save_pdf(&mut self, paper: Paper) {
        let source = self.visit.print.source().map(|s| s.photo.path.clone()).unwrap_or_default();
        let stem = source.file_stem().map_or_else(|| "idbooth".to_string(), |s| s.to_string_lossy().into_owned());
        let name = format!("{stem}-{}.pdf", paper.name());
        let path = match self.picker.pick_save(&self.folder, &name) {
            Ok(Some(p)) => p,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!("no file dialog for saving: {e}");
                crate::paths::free_name(&self.folder, &name)
            }
        };
        let wake = self.waker();
        match self.print_order() {
            Ok(o) => self.visit.print.save(paper, path, &o, wake),
            Err(e) => self.visit.print.finish_status(paper, &Outcome::Failed(e)),
        }
    }

    /// Finished prints (a printed sheet marks the counter's queue entry), and the preview.
    pub(super) fn poll_print(&mut self) {
        for (paper, o) in self.visit.print.poll(self.lang) {
            if let (Paper::Sheet, Outcome::Sent(_), Some(p)) = (paper, &o, &self.visit.from_spool)
                && let Err(e) = crate::spool::set_status(p, crate::spool::EntryStatus::Printed)
            {
                tracing::warn!("spool status not saved: {e}");
            }
        }
        if self.screen == Screen::Print
            && let Ok(o) = self.print_order()
        {
            let wake = self.waker();
            self.visit.print.want_preview(&o, wake);
        }
    }

    /// What the studio prints by itself: at the counter with each export (a person released
    /// it), at the kiosk when a photo that passed every rule was handed over.
    pub(super) fn auto_print(&mut self) {
        let what = self.settings.print.auto_print;
        if what == crate::print::AutoPrint::None {
            return;
        }
        let source = match self.mode {
            Mode::Laptop => return,
            Mode::Counter => self
                .visit
                .last_export
                .as_ref()
                .map(|s| Source::saved(s, &self.book).map_err(|e| crate::i18n::print_error(&e, self.lang))),
            Mode::Kiosk => self.kiosk_source(),
        };
        match source {
            None => return,
            Some(Ok(s)) => self.load_desk(s),
            Some(Err(e)) => {
                self.visit.print.finish_status(Paper::Sheet, &Outcome::Failed(e));
                return;
            }
        }
        tracing::info!(what = ?what, "printing by itself");
        if what.sheet() {
            self.print(Paper::Sheet);
        }
        if what.slip() {
            self.print(Paper::Slip);
        }
    }

    /// The kiosk's photo for paper: only one that passed every rule, with a serial of its own.
    fn kiosk_source(&self) -> Option<Result<Source, String>> {
        let StillJob::Done(still) = &self.visit.still else { return None };
        if still.judgement.overall != Overall::Pass {
            tracing::info!("not printed at the kiosk: staff check the photo first");
            return None;
        }
        let image = &still.composed.as_ref()?.image;
        let ticket = self.visit.ticket.clone().unwrap_or_default();
        let serial = match self.state_dir.clone().or_else(crate::paths::data_dir) {
            Some(d) => crate::serial::SerialCounter::at(d).next().map_err(|e| e.to_string()),
            None => Err(crate::serial::SerialError::NoDataDir.to_string()),
        };
        Some(
            serial.and_then(|serial| Source::kiosk(image, self.spec(), &ticket, self.visit.form.document.id(), serial)),
        )
    }

    /// The preview's texture, uploaded when a new drawing arrives.
    pub fn print_preview_texture(&mut self, ui: &egui::Ui) -> Option<Result<egui::TextureHandle, String>> {
        let (r, generation) = self.visit.print.preview()?;
        Some(match r {
            Ok(img) => {
                let img = img.clone();
                Ok(super::screens::texture(ui, &mut self.print_tex, "print_preview", &img, generation))
            }
            Err(e) => Err(e.to_string()),
        })
    }
}
