//! The applicant's summary slip: photo, who it is for, which document and spec, when, where, the
//! booth's serial with its QR code, the outcome with any staff confirmations, and the photo's
//! SHA-256 prefix so staff can match paper to file. Always bilingual: every label and fixed
//! text shows the Chinese and the English, one after the other; the values are as entered.

use krilla::geom::{Size, Transform};
use krilla::surface::Surface;

use super::layout::RectMm;
use super::summary::{Loaded, Outcome, short};
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

/// Lays out ops top to bottom, starting a new page when one is full.
struct Flow {
    paper: Paper,
    y: f64,
    pages: Vec<Vec<Op>>,
}

impl Flow {
    fn width(&self) -> f64 {
        self.paper.w - 2.0 * self.paper.margin
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
    /// Wrapped text at `x` within `w`, line height 1.35 × size.
    fn para(&mut self, x: f64, w: f64, size: f64, s: &str) {
        let lh = size * 1.35 * 25.4 / 72.0;
        for line in text::wrap(s, size, w) {
            self.room(lh);
            self.y += lh;
            let y = self.y - lh * 0.28;
            self.push(Op::Text { x, y, size, s: line });
        }
    }
    /// A label (both languages) and its value in a second column.
    fn field(&mut self, key: &str, value: &str) {
        let k = self.paper.k;
        let label_w = 24.0 * k;
        let (top, page) = (self.y, self.pages.len());
        let label = bilingual(&format!("print.label.{key}"), " ");
        let m = self.paper.margin;
        self.para(m, label_w - 1.0, 6.0 * k, &label);
        let label_end = (self.y, self.pages.len());
        // The value starts level with its label (on the label's page).
        if self.pages.len() == page {
            self.y = top;
        }
        self.para(m + label_w, self.width() - label_w, 8.0 * k, value);
        if self.pages.len() == label_end.1 {
            self.y = self.y.max(label_end.0);
        }
        self.y += 0.8 * k;
    }
}

fn bilingual(key: &str, sep: &str) -> String {
    format!("{}{sep}{}", tr(Lang::Zh, key, &[]), tr(Lang::En, key, &[]))
}

fn document_name(id: &str) -> String {
    let key = format!("print.document.{id}");
    if has(Lang::En, &key) { bilingual(&key, " ") } else { id.to_string() }
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
    bilingual(&format!("print.outcome.{key}"), " / ")
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

/// The QR code of `serial`: dark modules row by row, and the side in modules.
pub fn qr_modules(serial: &str) -> Result<(Vec<bool>, usize), PrintError> {
    let code = qrcode::QrCode::with_error_correction_level(serial.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| PrintError::Pdf(format!("QR code: {e}")))?;
    let n = code.width();
    Ok((code.to_colors().into_iter().map(|c| c == qrcode::Color::Dark).collect(), n))
}

/// Lay out and write the slip for a loaded summary.
pub fn slip_pdf(l: &Loaded, studio: &Studio, size: SlipSize, book: &SpecBook) -> Result<Slip, PrintError> {
    let paper = Paper::of(size);
    let k = paper.k;
    let m = paper.margin;
    let mut f = Flow { y: m, pages: vec![Vec::new()], paper };
    let w = f.width();
    let d = &l.doc;

    // Studio and title.
    let studio_name = if studio.name.trim().is_empty() { "idbooth".to_string() } else { studio.name.clone() };
    f.para(m, w, 10.0 * k, &studio_name);
    if !studio.address.trim().is_empty() {
        f.para(m, w, 6.5 * k, &studio.address);
    }
    f.y += 1.0 * k;
    f.para(m, w, 8.0 * k, &bilingual("print.slip_title", " · "));
    f.y += 1.0 * k;
    f.push(Op::Rule { x: m, y: f.y, w });
    f.y += 2.0 * k;

    // Photo at its true size, the QR code of the serial beside it.
    let (pw, ph) = photo_size(l, book);
    let (pw, ph) = if pw > w * 0.55 { (w * 0.55, ph * w * 0.55 / pw) } else { (pw, ph) };
    let qr = (QR_MM * k).min(w - pw - 3.0);
    f.room(ph.max(qr + 6.0 * k));
    let top = f.y;
    f.push(Op::Photo(RectMm { x: m, y: top, w: pw, h: ph }));
    let qx = m + pw + 3.0 + (w - pw - 3.0 - qr) / 2.0;
    match &d.serial {
        Some(serial) if !serial.is_empty() => {
            let (mods, n) = qr_modules(serial)?;
            f.push(Op::Qr(RectMm { x: qx, y: top, w: qr, h: qr }, mods, n));
            let size = 7.0 * k;
            let tx = qx + (qr - text::width_mm(serial, size)) / 2.0;
            f.push(Op::Text { x: tx, y: top + qr + 3.5 * k, size, s: serial.clone() });
        }
        _ => {}
    }
    f.y = top + ph.max(qr + 5.0 * k) + 2.0 * k;

    // The fields.
    let serial = d
        .serial
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| format!("— ({})", bilingual("print.no_serial", " ")));
    let a = &d.applicant;
    let dash = || "—".to_string();
    f.field("name", &a.name.clone().unwrap_or_else(dash));
    f.field("document", &a.document.as_deref().map(document_name).unwrap_or_else(dash));
    f.field("city", &a.city.clone().unwrap_or_else(dash));
    if let Some(t) = &a.ticket {
        f.field("ticket", t);
    }
    let spec =
        if d.spec_name_zh.is_empty() { d.spec.clone() } else { format!("{}\n{}", d.spec_name_zh, d.spec_name_en) };
    f.field("spec", &spec);
    f.field("exported", &d.exported_display().unwrap_or_else(dash));
    f.field("serial", &serial);
    f.field("outcome", &outcome_text(l));
    let mut confirmations: Vec<String> = d
        .confirmations
        .iter()
        .map(|c| {
            let reason = c.reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default();
            // The rule's title in both languages (the summary keeps its id).
            let key = format!("rules.{}.title", c.rule);
            let rule = if has(Lang::En, &key) {
                format!("{} {}", tr(Lang::Zh, &key, &[]), tr(Lang::En, &key, &[]))
            } else {
                c.rule.clone()
            };
            format!("{rule} — {}, {}{reason}", c.by, c.at.replacen('T', " ", 1))
        })
        .collect();
    if let Some(r) = &a.override_reason {
        confirmations.push(r.clone());
    }
    if !confirmations.is_empty() {
        f.field("confirmations", &confirmations.join("\n"));
    }
    f.field("sha", &short(&l.sha256));

    // Small print, both languages.
    f.y += 1.0 * k;
    f.push(Op::Rule { x: m, y: f.y, w });
    f.y += 0.5 * k;
    f.para(m, w, 5.5 * k, &tr(Lang::Zh, "print.small_print", &[]));
    f.para(m, w, 5.5 * k, &tr(Lang::En, "print.small_print", &[]));

    let entered = [&a.name, &a.city, &a.ticket].into_iter().flatten().cloned().collect::<String>();
    let all_text = format!("{studio_name}{}{entered}{}{}", studio.address, confirmations.concat(), d.spec_name_zh);
    let missing_chars = text::missing_chars(&all_text);
    let height = f.paper.h.unwrap_or(f.y + m);
    let pages = f.pages;
    let pdf = write(&pages, f.paper.w, height, l)?;
    Ok(Slip { pdf, pages: pages.len(), page_mm: (f.paper.w, height), missing_chars })
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
        for k in ["name", "document", "city", "spec", "exported", "serial", "outcome", "confirmations", "sha", "ticket"]
        {
            all += &bilingual(&format!("print.label.{k}"), " ");
        }
        for k in ["pass", "needs_person", "confirmed", "fail", "overridden"] {
            all += &bilingual(&format!("print.outcome.{k}"), " ");
        }
        for k in crate::export::summary::DOCUMENTS {
            all += &document_name(k);
        }
        all += &bilingual("print.small_print", " ");
        assert!(text::missing_chars(&all).is_empty(), "{:?}", text::missing_chars(&all));
        assert_eq!(document_name("spaceship"), "spaceship");
    }

    #[test]
    fn the_qr_code_is_square() {
        let (mods, n) = qr_modules("20261203-000042").unwrap();
        assert_eq!(mods.len(), n * n);
        assert!(n >= 21 && mods.iter().any(|d| *d));
    }
}
