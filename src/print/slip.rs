//! The applicant's summary slip: photo, who it is for, which document and spec, when, where, the
//! booth's serial with its QR code, the outcome with any staff confirmations, and the photo's
//! SHA-256 prefix so staff can match paper to file. Always bilingual: every label and fixed
//! text shows the Chinese and the English, one after the other; the values are as entered.

use krilla::geom::{Size, Transform};
use krilla::surface::Surface;

use super::layout::RectMm;
use super::summary::{ConfirmationDoc, Loaded, Outcome, SummaryDoc, short, split_offset};
use super::{PrintError, SlipSize, Studio, pdf, pt, text};
use crate::Lang;
use crate::i18n::{has, tr};
use crate::spec::SpecBook;

/// Side of the QR code, mm (≈ 1 mm per module for a serial: easy for any phone or scanner).
const QR_MM: f64 = 24.0;

/// A written slip.
#[derive(Debug, Clone)]
pub struct Slip {
    pub pdf: Vec<u8>,
    pub pages: usize,
    /// Page width and height, mm (a receipt's height follows its content).
    pub page_mm: (f64, f64),
    /// Characters of the summary that the bundled font cannot draw (printed as empty boxes).
    pub missing_chars: Vec<char>,
    /// Staff confirmations that did not fit the paper (counted on it; all are in the summary).
    pub left_out: usize,
    /// The photo's size on the slip over its print size: 1 at true size; less only when the
    /// paper is too narrow for it (the slip then says so under the photo).
    pub photo_scale: f64,
    /// The photo's print size, mm (its spec's).
    pub photo_mm: (f64, f64),
}

enum Op {
    Text { x: f64, y: f64, size: f64, s: String },
    Photo(RectMm),
    Qr(RectMm, Vec<bool>, usize),
    Rule { x: f64, y: f64, w: f64 },
}

/// Page geometry and type sizes per paper.
struct Paper {
    w: f64,
    /// `None`: a receipt roll, as long as the content.
    h: Option<f64>,
    margin: f64,
    k: f64,
}

impl Paper {
    fn of(size: SlipSize) -> Paper {
        match size {
            SlipSize::A6 => Paper { w: 105.0, h: Some(148.0), margin: 6.0, k: 1.0 },
            SlipSize::A5 => Paper { w: 148.0, h: Some(210.0), margin: 9.0, k: 1.4 },
            // 80 mm rolls print about 72 mm wide.
            SlipSize::Receipt80 => Paper { w: 80.0, h: None, margin: 4.0, k: 1.0 },
        }
    }
}

/// Type sizes of the staff confirmations, pt before the paper's scale, tried in turn when they do
/// not fit; the last is the floor (the small print is 5.5 pt), below it text is cut instead.
const CONFIRM_SIZES: [f64; 4] = [8.0, 7.0, 6.5, 6.0];

fn line_height(size: f64) -> f64 {
    size * 1.35 * 25.4 / 72.0
}

/// `s` wrapped to `w`, at most `max` lines; the last ends in "…" when text was left out.
fn clipped(s: &str, size: f64, w: f64, max: usize) -> Vec<String> {
    let mut lines = text::wrap(s, size, w);
    if lines.len() > max {
        // The cut line with the start of the next one: `fit` then ends it with "…".
        let rest = lines[max.saturating_sub(1)..].iter().take(2).cloned().collect::<Vec<_>>().join(" ");
        lines.truncate(max.saturating_sub(1));
        if max > 0 {
            lines.push(text::fit(&rest, size, w));
        }
    }
    lines
}

/// `s` on one line of `w`: smaller down to `min` pt, then cut with "…".
fn one_line(s: &str, size: f64, min: f64, w: f64) -> (String, f64) {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let fits = text::width_mm(&s, size) <= w;
    let size = if fits { size } else { (size * w / text::width_mm(&s, size)).max(min) };
    (text::fit(&s, size, w), size)
}

/// Lays out ops top to bottom, starting a new page when one is full.
struct Flow {
    paper: Paper,
    y: f64,
    pages: Vec<Vec<Op>>,
    /// The photo's size over its print size (1: true size).
    photo_scale: f64,
}

impl Flow {
    fn width(&self) -> f64 {
        self.paper.w - 2.0 * self.paper.margin
    }
    fn label_w(&self) -> f64 {
        24.0 * self.paper.k
    }
    /// Make room for `h` mm, on a new page if this one is full.
    fn room(&mut self, h: f64) {
        if let Some(ph) = self.paper.h
            && self.y + h > ph - self.paper.margin
            && self.y > self.paper.margin + 0.1
        {
            self.pages.push(Vec::new());
            self.y = self.paper.margin;
        }
    }
    fn push(&mut self, op: Op) {
        if let Some(p) = self.pages.last_mut() {
            p.push(op);
        }
    }
    /// Lines at `x`, line height 1.35 × size.
    fn lines(&mut self, x: f64, size: f64, lines: Vec<String>) {
        let lh = line_height(size);
        for line in lines {
            self.room(lh);
            self.y += lh;
            let y = self.y - lh * 0.28;
            self.push(Op::Text { x, y, size, s: line });
        }
    }
    /// Wrapped text at `x` within `w`, at most `max` lines.
    fn para(&mut self, x: f64, w: f64, size: f64, s: &str, max: usize) {
        self.lines(x, size, clipped(s, size, w, max));
    }
    /// A label (both languages) and its lines in a second column.
    fn field_lines(&mut self, key: &str, size: f64, lines: Vec<String>) {
        let k = self.paper.k;
        let label_w = self.label_w();
        let (top, page) = (self.y, self.pages.len());
        let label = bilingual(&format!("print.label.{key}"), " ");
        let m = self.paper.margin;
        self.para(m, label_w - 1.0, 6.0 * k, &label, usize::MAX);
        let label_end = (self.y, self.pages.len());
        // The value starts level with its label (on the label's page).
        if self.pages.len() == page {
            self.y = top;
        }
        self.lines(m + label_w, size, lines);
        if self.pages.len() == label_end.1 {
            self.y = self.y.max(label_end.0);
        }
        self.y += 0.8 * k;
    }
    /// A label and its value, wrapped to at most `max` lines.
    fn field(&mut self, key: &str, value: &str, max: usize) {
        let size = 8.0 * self.paper.k;
        let lines = clipped(value, size, self.width() - self.label_w(), max);
        self.field_lines(key, size, lines);
    }
}

fn bilingual(key: &str, sep: &str) -> String {
    format!("{}{sep}{}", tr(Lang::Zh, key, &[]), tr(Lang::En, key, &[]))
}

/// Both languages of `key` when the locale files have it, else `fallback` (an id).
fn bilingual_or(key: &str, fallback: &str) -> String {
    if has(Lang::En, key) { bilingual(key, " ") } else { fallback.to_string() }
}

fn document_name(id: &str) -> String {
    bilingual_or(&format!("print.document.{id}"), id)
}

/// A summary's time stamp for people: `2026-12-03 12:34:50 +08:00`.
fn when(at: &str) -> String {
    let (dt, off) = split_offset(at);
    format!("{} {off}", dt.replacen('T', " ", 1)).trim().to_string()
}

/// Confirmations one person gave at one time (one release makes one group), with the reason
/// given for the failures among them.
struct Group<'a> {
    by: &'a str,
    at: &'a str,
    reason: Option<&'a str>,
    rules: Vec<&'a ConfirmationDoc>,
}

fn groups(d: &SummaryDoc) -> Vec<Group<'_>> {
    let mut out: Vec<Group> = Vec::new();
    for c in &d.confirmations {
        let reason = c.reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
        // A release records its reason on the failures only: the rules a person only looked
        // at, without it, are the same release.
        match out.iter_mut().find(|g| g.by == c.by && g.at == c.at && (g.reason == reason || reason.is_none())) {
            Some(g) => g.rules.push(c),
            None => match out.iter_mut().find(|g| g.by == c.by && g.at == c.at && g.reason.is_none()) {
                Some(g) => {
                    g.reason = reason;
                    g.rules.push(c);
                }
                None => out.push(Group { by: &c.by, at: &c.at, reason, rules: vec![c] }),
            },
        }
    }
    out
}

/// How the confirmations are printed: candidates run from roomy to cut.
#[derive(Debug, Clone, Copy)]
struct Style {
    /// One line per rule, or one run of titles per status.
    compact: bool,
    /// Beside the label (as the other fields), or the page's full width under it.
    beside: bool,
    /// pt, before the paper's scale.
    size: f64,
    reason_lines: usize,
    /// Rules listed; the rest are counted as "+N more".
    shown: usize,
}

fn candidates(total: usize) -> Vec<Style> {
    let all = |compact, beside, size| Style { compact, beside, size, reason_lines: usize::MAX, shown: total };
    // A larger type first; at one size, one line per rule before runs of titles.
    let mut out = vec![all(false, true, 8.0), all(false, false, 8.0), all(true, true, 8.0)];
    out.extend(CONFIRM_SIZES.iter().flat_map(|&s| [all(false, false, s), all(true, false, s)]));
    // At the floor: the reason shortened before any rule is left out.
    let floor = CONFIRM_SIZES[CONFIRM_SIZES.len() - 1];
    for shown in (0..=total).rev() {
        out.extend([4, 2].map(|reason_lines| Style { reason_lines, shown, ..all(true, false, floor) }));
    }
    out
}

/// The confirmations' lines in `style` within `w` mm: per group who and when once, its rules
/// with their status (as judged before the person confirmed), and its reason once.
fn confirmation_lines(gs: &[Group], extra_reason: Option<&str>, st: &Style, size: f64, w: f64) -> Vec<String> {
    let reason_label = bilingual("print.label.reason", " ");
    let title = |c: &ConfirmationDoc| bilingual_or(&format!("rules.{}.title", c.rule), &c.rule);
    let status = |s: &str| bilingual_or(&format!("status.{s}"), s);
    let total: usize = gs.iter().map(|g| g.rules.len()).sum();
    let more = (st.shown < total).then(|| {
        let n = [("n", (total - st.shown).to_string())];
        format!("{} {}", tr(Lang::Zh, "print.more", &n), tr(Lang::En, "print.more", &n))
    });
    let mut out = Vec::new();
    let mut left = st.shown;
    for (i, g) in gs.iter().enumerate() {
        if i > 0 && left == 0 {
            break;
        }
        // Who and when: the time is never what a long name pushes off the paper.
        let who = format!("{}, {}", g.by, when(g.at));
        if text::width_mm(&who, size) <= w {
            out.push(who);
        } else {
            out.extend(clipped(&format!("{},", g.by), size, w, 2));
            out.push(when(g.at));
        }
        let shown = &g.rules[..left.min(g.rules.len())];
        left -= shown.len();
        let last = i + 1 == gs.len() || left == 0;
        if st.compact {
            // One run per status, all in one paragraph: no line is left half empty.
            let mut statuses: Vec<&str> = Vec::new();
            for c in &g.rules {
                if !statuses.contains(&c.status.as_str()) {
                    statuses.push(&c.status);
                }
            }
            let mut runs: Vec<String> = statuses
                .iter()
                .filter(|s| shown.iter().any(|c| c.status == **s))
                .map(|s| {
                    let n = g.rules.iter().filter(|c| c.status == *s).count();
                    let titles: Vec<String> = shown.iter().filter(|c| c.status == *s).map(|c| title(c)).collect();
                    format!("{} ({n}): {}", status(s), titles.join("; "))
                })
                .collect();
            if let Some(more) = more.as_ref().filter(|_| last) {
                runs.push(format!("… {more}"));
            }
            out.extend(text::wrap(&runs.join(" · "), size, w));
        } else {
            for c in shown {
                let line = format!("{} — {}", title(c), status(&c.status));
                if text::width_mm(&line, size) <= w {
                    out.push(line);
                } else {
                    // The status on its own line rather than broken inside a word.
                    out.extend(text::wrap(&title(c), size, w));
                    out.extend(text::wrap(&format!("— {}", status(&c.status)), size, w));
                }
            }
            if let Some(more) = more.as_ref().filter(|_| last) {
                out.extend(text::wrap(more, size, w));
            }
        }
        if let Some(r) = g.reason {
            out.extend(clipped(&format!("{reason_label}: {r}"), size, w, st.reason_lines));
        }
    }
    // Schema 1 kept only an override reason; a group's own reason is not repeated.
    if let Some(r) = extra_reason.filter(|r| !gs.iter().any(|g| g.reason == Some(*r))) {
        out.extend(clipped(&format!("{reason_label}: {r}"), size, w, st.reason_lines));
    }
    out
}

fn outcome_text(l: &Loaded) -> String {
    let confirmed = !l.doc.confirmations.is_empty() || l.doc.applicant.override_reason.is_some();
    let key = match (l.doc.outcome(), confirmed) {
        (Outcome::Pass, _) => "pass",
        (Outcome::NeedsPerson, true) => "confirmed",
        (Outcome::NeedsPerson, false) => "needs_person",
        (Outcome::Fail, true) => "overridden",
        (Outcome::Fail, false) => "fail",
    };
    let own = if l.doc.self_checked() && matches!(key, "confirmed" | "overridden") { "_self" } else { "" };
    bilingual(&format!("print.outcome.{key}{own}"), " / ")
}

/// The photo's size on the slip: its print size (from the summary or its spec), else 30 mm wide.
fn photo_size(l: &Loaded, book: &SpecBook) -> (f64, f64) {
    if let (Some(w), Some(h)) = (l.doc.print_width_mm, l.doc.print_height_mm) {
        return (w, h);
    }
    if let Ok(s) = book.get(&l.doc.spec)
        && let Ok(size) = super::sheet::print_size(s)
    {
        return size;
    }
    let aspect = if l.doc.width_px > 0 { l.doc.height_px as f64 / l.doc.width_px as f64 } else { 4.0 / 3.0 };
    (30.0, 30.0 * aspect)
}

/// "Photo shown at 80 % of its print size (90×120 mm): …" in `lang`.
fn scaled_note(scale: f64, (w, h): (f64, f64), lang: Lang) -> String {
    let mm = |v: f64| format!("{v:.1}").trim_end_matches(".0").to_string();
    tr(lang, "print.photo_scaled", &[("pct", format!("{:.0}", scale * 100.0)), ("w", mm(w)), ("h", mm(h))])
}

impl Slip {
    /// What the slip says under a photo it could not show at true size, in `lang`; None at
    /// true size.
    pub fn photo_note(&self, lang: Lang) -> Option<String> {
        (self.photo_scale < 1.0).then(|| scaled_note(self.photo_scale, self.photo_mm, lang))
    }
}

/// Where the photo goes on the slip, and at what scale of its print size (1: true size).
#[derive(Debug, Clone, Copy, PartialEq)]
struct PhotoPlace {
    /// Beside the column of the QR code and serial; else above them, alone across the roll.
    beside: bool,
    scale: f64,
}

/// The photo `photo_w` mm wide on a paper `w` mm wide (within the margins), whose QR code and
/// serial need a column `column` mm wide: beside the photo when both fit; else on a receipt
/// (`roll`, as long as its content) above them; true size whenever the paper's width holds it.
/// Only a photo wider than the roll, or on a page wider than fits beside the column, is scaled
/// down here (and the slip says so; `slip_pdf` may reduce it further to keep a page whole).
fn place_photo(photo_w: f64, w: f64, column: f64, roll: bool) -> PhotoPlace {
    let beside = w - 3.0 - column;
    if photo_w <= beside {
        PhotoPlace { beside: true, scale: 1.0 }
    } else if roll {
        PhotoPlace { beside: false, scale: (w / photo_w).min(1.0) }
    } else {
        PhotoPlace { beside: true, scale: beside / photo_w }
    }
}

/// The photo's scales tried on a page that the slip does not fit at true size (after every
/// way of printing the confirmations was tried), down to 30 % (a 33×48 mm photo's height for a
/// spec's as large as a postcard).
const PHOTO_CAPS: [f64; 8] = [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3];

/// The QR code of `serial`: dark modules row by row, and the side in modules.
pub fn qr_modules(serial: &str) -> Result<(Vec<bool>, usize), PrintError> {
    let code = qrcode::QrCode::with_error_correction_level(serial.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| PrintError::Pdf(format!("QR code: {e}")))?;
    let n = code.width();
    Ok((code.to_colors().into_iter().map(|c| c == qrcode::Color::Dark).collect(), n))
}

/// Lay out and write the slip for a loaded summary: on A6 and A5 always one page, the staff
/// confirmations as roomy as the page allows (the summary file keeps them all).
pub fn slip_pdf(l: &Loaded, studio: &Studio, size: SlipSize, book: &SpecBook) -> Result<Slip, PrintError> {
    let qr = match &l.doc.serial {
        Some(serial) if !serial.is_empty() => Some(qr_modules(serial)?),
        _ => None,
    };
    let total = l.doc.confirmations.len();
    let mut f = None;
    // The photo at true size first, the confirmations as roomy as that allows; only a page
    // that cannot hold the rest even so takes a smaller photo (a receipt always fits).
    'tries: for cap in PHOTO_CAPS {
        for style in candidates(total) {
            let flow = lay_out(l, studio, size, book, qr.as_ref(), &style, cap);
            let fits = flow.pages.len() == 1;
            f = Some((flow, total - style.shown));
            if fits {
                break 'tries;
            }
        }
    }
    let Some((f, left_out)) = f else { unreachable!("there is always a candidate") };

    let d = &l.doc;
    let a = &d.applicant;
    let entered = [&a.name, &a.city, &a.ticket, &a.override_reason].into_iter().flatten().cloned().collect::<String>();
    let staff: String =
        d.confirmations.iter().flat_map(|c| [c.by.as_str(), c.reason.as_deref().unwrap_or("")]).collect();
    let all_text = format!("{}{}{entered}{staff}{}", studio.name, studio.address, d.spec_name_zh);
    let missing_chars = text::missing_chars(&all_text);
    let height = f.paper.h.unwrap_or(f.y + f.paper.margin);
    let pdf = write(&f.pages, f.paper.w, height, l)?;
    let (photo_mm, photo_scale) = (photo_size(l, book), f.photo_scale);
    let page_mm = (f.paper.w, height);
    Ok(Slip { pdf, pages: f.pages.len(), page_mm, missing_chars, left_out, photo_scale, photo_mm })
}

/// The slip with its confirmations in `style`; a text entered by hand never takes more than a
/// few lines.
fn lay_out(
    l: &Loaded,
    studio: &Studio,
    size: SlipSize,
    book: &SpecBook,
    qr: Option<&(Vec<bool>, usize)>,
    style: &Style,
    photo_cap: f64,
) -> Flow {
    let paper = Paper::of(size);
    let k = paper.k;
    let m = paper.margin;
    let mut f = Flow { y: m, pages: vec![Vec::new()], paper, photo_scale: 1.0 };
    let w = f.width();
    let d = &l.doc;

    // Studio and title.
    let studio_name = if studio.name.trim().is_empty() { "idbooth" } else { studio.name.as_str() };
    let (name, size) = one_line(studio_name, 10.0 * k, 8.0 * k, w);
    // A name longer than the line at its smallest size takes a second line, not a "…".
    let name = if name.ends_with('…') { clipped(studio_name, size, w, 2) } else { vec![name] };
    f.lines(m, size, name);
    if !studio.address.trim().is_empty() {
        let (address, size) = one_line(&studio.address, 6.5 * k, 5.5 * k, w);
        let address = if address.ends_with('…') { clipped(&studio.address, size, w, 2) } else { vec![address] };
        f.lines(m, size, address);
    }
    f.y += 1.0 * k;
    f.para(m, w, 8.0 * k, &bilingual("print.slip_title", " · "), usize::MAX);
    f.y += 1.0 * k;
    f.push(Op::Rule { x: m, y: f.y, w });
    f.y += 2.0 * k;

    // Photo at its true size; beside it (or, on a receipt, below it when it is too wide for
    // both) what ties the paper to the file: the serial's QR code, the serial, the time of
    // export and the SHA-256.
    let (full_w, full_h) = photo_size(l, book);
    let mut place = place_photo(full_w, w, QR_MM * k, f.paper.h.is_none());
    place.scale = place.scale.min(photo_cap);
    f.photo_scale = place.scale;
    let (pw, ph) = (full_w * place.scale, full_h * place.scale);
    let qr_full = if qr.is_some() { QR_MM * k } else { 0.0 };
    // The column of the serial and the rest: beside the photo, or beside the QR code.
    let (cx, cw) = if place.beside {
        (m + pw + 3.0, w - pw - 3.0)
    } else if qr.is_some() {
        (m + qr_full + 3.0, w - qr_full - 3.0)
    } else {
        (m, w)
    };
    let qr_w = if place.beside { qr_full.min(cw) } else { qr_full };
    // (text, size, baseline below the top), centred in the column.
    let mut side: Vec<(String, f64, f64)> = Vec::new();
    let mut sy = if qr.is_some() && place.beside { qr_w + 0.6 * k } else { 0.0 };
    let serial = d
        .serial
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| format!("— ({})", bilingual("print.no_serial", " ")));
    let dash = || "—".to_string();
    for (i, (key, value)) in
        [("serial", serial), ("exported", d.exported_display().unwrap_or_else(dash)), ("sha", short(&l.sha256))]
            .into_iter()
            .enumerate()
    {
        if i > 0 {
            sy += 0.8 * k;
        }
        for (s, size) in [(bilingual(&format!("print.label.{key}"), " "), 6.0 * k), (value, 8.0 * k)] {
            for line in clipped(&s, size, cw, 2) {
                sy += line_height(size);
                side.push((line, size, sy - line_height(size) * 0.28));
            }
        }
    }
    // A photo that is not at true size says so under it (the paper cannot hold it).
    let scaled = (place.scale < 1.0).then(|| {
        let note = |lang| scaled_note(place.scale, (full_w, full_h), lang);
        format!("{} {}", note(Lang::Zh), note(Lang::En))
    });
    let note_under = |f: &mut Flow| {
        if let Some(note) = &scaled {
            f.para(m, w, 6.0 * k, note, usize::MAX);
            f.y += 1.0 * k;
        }
    };
    if place.beside {
        f.room(ph.max(sy));
        let top = f.y;
        f.push(Op::Photo(RectMm { x: m, y: top, w: pw, h: ph }));
        if let Some((mods, n)) = qr {
            let qx = cx + (cw - qr_w) / 2.0;
            f.push(Op::Qr(RectMm { x: qx, y: top, w: qr_w, h: qr_w }, mods.clone(), *n));
        }
        for (s, size, y) in side {
            let x = cx + (cw - text::width_mm(&s, size)) / 2.0;
            f.push(Op::Text { x, y: top + y, size, s });
        }
        f.y = top + ph.max(sy) + 2.0 * k;
        note_under(&mut f);
    } else {
        // A receipt grows in length: the photo alone across the roll, centred, then the QR
        // code with the serial beside it.
        f.room(ph);
        let top = f.y;
        f.push(Op::Photo(RectMm { x: m + (w - pw) / 2.0, y: top, w: pw, h: ph }));
        f.y = top + ph + 2.0 * k;
        note_under(&mut f);
        f.room(qr_w.max(sy));
        let top = f.y;
        if let Some((mods, n)) = qr {
            f.push(Op::Qr(RectMm { x: m, y: top, w: qr_w, h: qr_w }, mods.clone(), *n));
        }
        // The text centred on the QR code's height.
        let dy = (qr_w - sy).max(0.0) / 2.0;
        for (s, size, y) in side {
            let x = cx + (cw - text::width_mm(&s, size)) / 2.0;
            f.push(Op::Text { x, y: top + dy + y, size, s });
        }
        f.y = top + qr_w.max(sy) + 2.0 * k;
    }

    // The fields.
    let a = &d.applicant;
    f.field("name", &a.name.clone().unwrap_or_else(dash), 2);
    f.field("document", &a.document.as_deref().map(document_name).unwrap_or_else(dash), 2);
    // A visa or another country's passport has no city of application: no empty line for it.
    let city_asked = a.document.as_deref().is_none_or(crate::export::summary::applied_in_a_city);
    if city_asked || a.city.is_some() {
        f.field("city", &a.city.clone().unwrap_or_else(dash), 2);
    }
    if let Some(t) = &a.ticket {
        f.field("ticket", t, 1);
    }
    let spec =
        if d.spec_name_zh.is_empty() { d.spec.clone() } else { format!("{}\n{}", d.spec_name_zh, d.spec_name_en) };
    // "(50×70 mm)" wraps as a whole, never "(50×70" above "mm)".
    f.field("spec", &text::keep_sizes_whole(&spec), 4);
    f.field("outcome", &outcome_text(l), usize::MAX);

    // Staff confirmations (schema 1 kept only an override reason).
    let gs = groups(d);
    let extra = a
        .override_reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty() && !gs.iter().any(|g| g.reason == Some(*r)));
    if !gs.is_empty() || extra.is_some() {
        let size = style.size * k;
        let label = if d.self_checked() { "confirmations_self" } else { "confirmations" };
        if style.beside {
            let lines = confirmation_lines(&gs, extra, style, size, w - f.label_w());
            f.field_lines(label, size, lines);
        } else {
            f.para(m, w, 6.0 * k, &bilingual(&format!("print.label.{label}"), " "), usize::MAX);
            let lines = confirmation_lines(&gs, extra, style, size, w);
            f.lines(m, size, lines);
            f.y += 0.8 * k;
        }
    }

    // Small print, both languages.
    f.y += 1.0 * k;
    f.push(Op::Rule { x: m, y: f.y, w });
    f.y += 0.5 * k;
    f.para(m, w, 5.5 * k, &tr(Lang::Zh, "print.small_print", &[]), usize::MAX);
    f.para(m, w, 5.5 * k, &tr(Lang::En, "print.small_print", &[]), usize::MAX);
    f
}

fn write(pages: &[Vec<Op>], w: f64, h: f64, l: &Loaded) -> Result<Vec<u8>, PrintError> {
    let photo = super::sheet::embed(std::sync::Arc::new(l.photo.clone()), &l.photo_path)?;
    let mut doc = pdf::document("idbooth summary slip");
    for ops in pages {
        let mut page = doc.start_page_with(pdf::page_settings(w, h)?);
        let mut s = page.surface();
        for op in ops {
            draw(&mut s, op, &photo)?;
        }
        s.finish();
        page.finish();
    }
    pdf::finish(doc)
}

fn draw(s: &mut Surface, op: &Op, photo: &krilla::image::Image) -> Result<(), PrintError> {
    match op {
        Op::Text { x, y, size, s: t } => pdf::text_at(s, *x, *y, *size, t)?,
        Op::Photo(r) => {
            s.push_transform(&Transform::from_translate(pt(r.x), pt(r.y)));
            if let Some(size) = Size::from_wh(pt(r.w), pt(r.h)) {
                s.draw_image(photo.clone(), size);
            }
            s.pop();
        }
        Op::Qr(r, mods, n) => {
            let m = r.w / *n as f64;
            let rects: Vec<RectMm> = mods
                .iter()
                .enumerate()
                .filter(|(_, dark)| **dark)
                .map(|(i, _)| RectMm { x: r.x + (i % n) as f64 * m, y: r.y + (i / n) as f64 * m, w: m, h: m })
                .collect();
            pdf::fill_rects(s, &rects, pdf::black());
        }
        Op::Rule { x, y, w } => pdf::fill_rects(s, &[RectMm { x: *x, y: *y, w: *w, h: 0.15 }], pdf::grey(120)),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_slip_text_exists_in_both_languages_and_the_font() {
        for key in ["print.slip_title", "print.no_serial", "print.small_print"] {
            assert!(has(Lang::Zh, key) && has(Lang::En, key), "{key}");
        }
        let mut all = String::new();
        for k in [
            "name",
            "document",
            "city",
            "spec",
            "exported",
            "serial",
            "outcome",
            "confirmations",
            "confirmations_self",
            "sha",
            "ticket",
        ] {
            all += &bilingual(&format!("print.label.{k}"), " ");
        }
        for k in ["pass", "needs_person", "confirmed", "confirmed_self", "fail", "overridden", "overridden_self"] {
            all += &bilingual(&format!("print.outcome.{k}"), " ");
        }
        for k in crate::export::summary::DOCUMENTS {
            all += &document_name(k);
        }
        all += &bilingual("print.small_print", " ");
        assert!(text::missing_chars(&all).is_empty(), "{:?}", text::missing_chars(&all));
        assert_eq!(document_name("spaceship"), "spaceship");
    }

    /// A schema-2 summary of the exit-entry spec with `n` rules confirmed by one person.
    fn loaded(n: usize, reason: &str) -> Loaded {
        let photo = image::RgbImage::from_pixel(390, 567, image::Rgb([100, 197, 255]));
        let photo = crate::export::encode_jpeg(&photo, 90, 300).unwrap();
        let confirmations: Vec<_> = crate::judge::RuleId::ALL[..n]
            .iter()
            .enumerate()
            .map(|(i, r)| ConfirmationDoc {
                rule: r.as_str().into(),
                status: ["needs_person", "fail", "not_checked"][i % 3].into(),
                by: "李伟 Li Wei".into(),
                role: "staff".into(),
                at: "2026-12-03T12:34:50+08:00".into(),
                reason: Some(reason.into()),
            })
            .collect();
        let doc = SummaryDoc {
            schema: 2,
            serial: Some("20261203-000042".into()),
            photo_file: "zhang.jpg".into(),
            spec: "cn-exit-entry".into(),
            spec_name_en: "China exit-entry photo (passport, HK/Macau & Taiwan permits)".into(),
            spec_name_zh: "出入境证件照（护照、港澳通行证、台湾通行证）".into(),
            print_width_mm: Some(33.0),
            print_height_mm: Some(48.0),
            exported_at: Some("2026-12-03T12:34:56+08:00".into()),
            applicant: super::super::summary::ApplicantDoc {
                name: Some("张三 Zhang San".into()),
                document: Some("passport".into()),
                city: Some("深圳市".into()),
                ticket: Some("A017".into()),
                ..Default::default()
            },
            outcome: Some("fail".into()),
            confirmations,
            ..Default::default()
        };
        Loaded { doc, path: "zhang.json".into(), photo_path: "zhang.jpg".into(), photo, sha256: "ab".repeat(32) }
    }

    fn slip(l: &Loaded, size: SlipSize) -> Slip {
        let studio = Studio { name: "星光照相馆".into(), address: "深圳市福田区深南大道 1 号".into() };
        slip_pdf(l, &studio, size, &SpecBook::builtin()).unwrap()
    }

    #[test]
    fn the_counter_s_usual_confirmations_fit_whole_on_one_page() {
        // Two to five rules one line each; up to eleven (a real photo's count) more compact, never cut.
        for n in 1..=11 {
            let s = slip(&loaded(n, "checked with the customer"), SlipSize::A6);
            assert_eq!((s.pages, s.left_out), (1, 0), "{n} confirmations");
        }
        // Every rule of the library and a long reason: still one page, the rest counted.
        let long = "The customer's head is slightly turned for medical reasons; approved by the supervisor. ".repeat(4);
        for size in [SlipSize::A6, SlipSize::A5] {
            let s = slip(&loaded(crate::judge::RuleId::ALL.len(), &long), size);
            assert_eq!(s.pages, 1, "{size:?}");
        }
        let receipt = slip(&loaded(crate::judge::RuleId::ALL.len(), &long), SlipSize::Receipt80);
        assert_eq!((receipt.pages, receipt.left_out), (1, 0), "a receipt grows instead");
    }

    #[test]
    fn who_when_and_the_reason_are_printed_once_per_group() {
        let l = loaded(5, "checked: no earrings");
        let gs = groups(&l.doc);
        assert_eq!(gs.len(), 1);
        // A release records its reason with the failures only: the rules only looked at,
        // without one, are still the same group (whichever comes first).
        for first_without in [false, true] {
            let mut l2 = loaded(3, "archive photo");
            l2.doc.confirmations[if first_without { 0 } else { 2 }].reason = None;
            let g2 = groups(&l2.doc);
            assert_eq!((g2.len(), g2[0].rules.len(), g2[0].reason), (1, 3, Some("archive photo")));
        }
        for compact in [false, true] {
            let st = Style { compact, beside: true, size: 8.0, reason_lines: usize::MAX, shown: 5 };
            let all = confirmation_lines(&gs, Some("checked: no earrings"), &st, 8.0, 69.0).join("\n");
            assert_eq!(all.matches("checked: no earrings").count(), 1, "{all}");
            assert_eq!(all.matches("Li Wei").count(), 1, "{all}");
            assert!(all.contains("2026-12-03 12:34:50 +08:00") && all.contains("不合格 fail"), "{all}");
        }
        let cut = Style { compact: true, beside: false, size: 6.0, reason_lines: 2, shown: 2 };
        let all = confirmation_lines(&gs, None, &cut, 6.0, 93.0).join("\n");
        assert!(all.contains("+3 more") && all.contains("另有 3 项"), "{all}");
    }

    /// Long names take more lines; what they would push off is never the time of a check, nor
    /// the end of the studio's name.
    #[test]
    fn a_long_staff_or_studio_name_wraps_instead_of_losing_the_time() {
        let mut l = loaded(2, "ok");
        for c in &mut l.doc.confirmations {
            c.by = "Maximilian Alexander Featherstonehaugh, senior photographer at the front desk".into();
        }
        let gs = groups(&l.doc);
        let st = Style { compact: true, beside: false, size: 6.0, reason_lines: 2, shown: 2 };
        let all = confirmation_lines(&gs, None, &st, 6.0, 50.0).join("\n");
        assert!(all.contains("2026-12-03 12:34:50 +08:00"), "{all}");
        let long = "星光照相馆 Starlight Portrait and Passport Photo Studio, Futian Branch, Shenzhen, Guangdong";
        let studio = Studio { name: long.into(), address: String::new() };
        let style = candidates(2)[0];
        let flow = lay_out(&l, &studio, SlipSize::Receipt80, &SpecBook::builtin(), None, &style, 1.0);
        let texts: Vec<&str> = flow.pages[0]
            .iter()
            .filter_map(|op| match op {
                Op::Text { s, .. } => Some(s.as_str()),
                _ => None,
            })
            .collect();
        assert!(!texts[..2].concat().contains('…'), "{texts:?}");
        assert_eq!(texts[..2].join(" "), long);
    }

    #[test]
    fn an_applicants_own_check_is_never_printed_as_staffs() {
        let mut l = loaded(2, "looked at it myself");
        assert!(outcome_text(&l).contains("经工作人员确认后导出"));
        for c in &mut l.doc.confirmations {
            c.role = "applicant".into();
        }
        assert!(l.doc.self_checked());
        let t = outcome_text(&l);
        assert!(t.contains("applicant's own override") && !t.contains("工作人员确认"), "{t}");
        l.doc.outcome = Some("needs_person".into());
        let t = outcome_text(&l);
        assert!(t.contains("未经工作人员审核") && t.contains("not checked by staff"), "{t}");
    }

    /// The texts a laid-out slip draws, in order.
    fn texts(flow: &Flow) -> Vec<String> {
        flow.pages
            .iter()
            .flatten()
            .filter_map(|op| match op {
                Op::Text { s, .. } => Some(s.clone()),
                _ => None,
            })
            .collect()
    }

    /// The photo's rectangle on the first page.
    fn photo_rect(flow: &Flow) -> RectMm {
        flow.pages[0]
            .iter()
            .find_map(|op| match op {
                Op::Photo(r) => Some(*r),
                _ => None,
            })
            .expect("a photo")
    }

    /// A 2×2 in and a 50×70 mm photo at their true size on the 80 mm receipt (72 mm printable),
    /// above the QR code rather than shrunk beside it; the exit-entry photo still beside it.
    #[test]
    fn a_receipt_shows_wide_photos_at_true_size_above_the_qr_code() {
        let book = SpecBook::builtin();
        let qr = qr_modules("20261203-000042").unwrap();
        let style = candidates(2)[0];
        for (spec, size) in [("cn-exit-entry", (33.0, 48.0)), ("us-2x2", (50.8, 50.8)), ("ca-passport", (50.0, 70.0))] {
            let mut l = loaded(2, "ok");
            l.doc.spec = spec.into();
            (l.doc.print_width_mm, l.doc.print_height_mm) = (Some(size.0), Some(size.1));
            let flow = lay_out(&l, &Studio::default(), SlipSize::Receipt80, &book, Some(&qr), &style, 1.0);
            let r = photo_rect(&flow);
            assert!((r.w - size.0).abs() < 0.01 && (r.h - size.1).abs() < 0.01, "{spec}: {r:?}");
            assert!(r.x >= 4.0 && r.x + r.w <= 76.0, "{spec}: within the printable width: {r:?}");
            let qr_top = flow.pages[0].iter().find_map(|op| match op {
                Op::Qr(q, ..) => Some(q.y),
                _ => None,
            });
            let below = qr_top.is_some_and(|y| y >= r.y + r.h);
            assert_eq!(below, spec != "cn-exit-entry", "{spec}: the QR code below the photo only when both do not fit");
            assert!(!texts(&flow).iter().any(|t| t.contains("%")), "{spec}: no note of a reduced photo");
            // And the summary without a print size: the spec's.
            (l.doc.print_width_mm, l.doc.print_height_mm) = (None, None);
            let s = slip_pdf(&l, &Studio::default(), SlipSize::Receipt80, &book).unwrap();
            assert_eq!((s.pages, s.photo_scale), (1, 1.0), "{spec}");
        }
    }

    /// A photo wider than the roll cannot be at true size: it fills the printable width and
    /// the slip says by how much it was reduced.
    #[test]
    fn a_photo_wider_than_the_roll_is_reduced_and_says_so() {
        let mut l = loaded(2, "ok");
        (l.doc.print_width_mm, l.doc.print_height_mm) = (Some(90.0), Some(120.0));
        let s = slip(&l, SlipSize::Receipt80);
        assert!((s.photo_scale - 0.8).abs() < 1e-9, "{}", s.photo_scale);
        let flow =
            lay_out(&l, &Studio::default(), SlipSize::Receipt80, &SpecBook::builtin(), None, &candidates(2)[0], 1.0);
        let r = photo_rect(&flow);
        assert!((r.w - 72.0).abs() < 0.01 && (r.h - 96.0).abs() < 0.01, "{r:?}");
        let all = texts(&flow).join(" ");
        assert!(all.contains("80 % of its print size (90×120 mm)") && all.contains("的 80% 显示"), "{all}");
        // On A6 a photo too large to sit beside the QR code, or for the page, is reduced, and
        // the slip still takes one page.
        let a6 = slip(&l, SlipSize::A6);
        assert!(a6.photo_scale <= 66.0 / 90.0 && a6.pages == 1, "{} {}", a6.photo_scale, a6.pages);
        let pct = format!("{:.0} % of its print size (90×120 mm)", a6.photo_scale * 100.0);
        assert!(a6.photo_note(Lang::En).is_some_and(|n| n.contains(&pct)), "{:?}", a6.photo_note(Lang::En));
    }

    /// "Canadian passport photo (50×70 mm)" on a receipt: never "(50×70" above "mm)".
    #[test]
    fn the_spec_s_size_keeps_its_unit_on_the_receipt() {
        let book = SpecBook::builtin();
        for id in ["ca-passport", "us-2x2", "cn-2inch", "icao-35x45"] {
            let spec = book.get(id).unwrap();
            let mut l = loaded(1, "ok");
            (l.doc.spec, l.doc.spec_name_en, l.doc.spec_name_zh) =
                (id.into(), spec.name_en.clone(), spec.name_zh.clone());
            for size in [SlipSize::Receipt80, SlipSize::A6] {
                let flow = lay_out(&l, &Studio::default(), size, &book, None, &candidates(1)[0], 1.0);
                let t = texts(&flow);
                let size_text = spec.name_en.rsplit_once('(').map(|(_, s)| format!("({s}")).unwrap();
                assert!(t.iter().any(|l| l.contains(&size_text)), "{id} {size:?}: {size_text} split in {t:?}");
                let zh = spec.name_zh.rsplit_once('（').map(|(_, s)| s.trim_end_matches('）').to_string()).unwrap();
                assert!(t.iter().any(|l| l.contains(&zh)), "{id} {size:?}: {zh} split in {t:?}");
            }
        }
    }

    /// Every document a bundled spec is for prints by its name in both languages (a command
    /// line export records the id, `us-visa`), and the font has its characters.
    #[test]
    fn every_document_a_spec_names_prints_by_its_name() {
        let book = SpecBook::builtin();
        let mut names = String::new();
        for id in book.document_ids(&crate::export::summary::DOCUMENTS) {
            assert!(has(Lang::Zh, &format!("print.document.{id}")), "{id} has no Chinese name");
            assert!(has(Lang::En, &format!("print.document.{id}")), "{id} has no English name");
            names += &document_name(&id);
        }
        assert!(text::missing_chars(&names).is_empty(), "{:?}", text::missing_chars(&names));
        assert_eq!(document_name("us-visa"), "美国签证 US visa");
        let mut l = loaded(1, "ok");
        l.doc.applicant.document = Some("ca-passport".into());
        let flow = lay_out(&l, &Studio::default(), SlipSize::Receipt80, &book, None, &candidates(1)[0], 1.0);
        assert!(texts(&flow).iter().any(|t| t == "加拿大护照 Canadian passport"), "{:?}", texts(&flow));
        // No city of application for it: no empty city line either; a Chinese document keeps it.
        l.doc.applicant.city = None;
        let flow = lay_out(&l, &Studio::default(), SlipSize::Receipt80, &book, None, &candidates(1)[0], 1.0);
        let city = bilingual("print.label.city", " ");
        assert!(!texts(&flow).iter().any(|t| t.contains(&city)), "{:?}", texts(&flow));
        l.doc.applicant.document = Some("passport".into());
        let flow = lay_out(&l, &Studio::default(), SlipSize::Receipt80, &book, None, &candidates(1)[0], 1.0);
        assert!(texts(&flow).iter().any(|t| t.contains(&city)), "{:?}", texts(&flow));
    }

    #[test]
    fn the_qr_code_is_square() {
        let (mods, n) = qr_modules("20261203-000042").unwrap();
        assert_eq!(mods.len(), n * n);
        assert!(n >= 21 && mods.iter().any(|d| *d));
    }
}
