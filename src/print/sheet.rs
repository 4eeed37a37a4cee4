//! Photo sheets: exported photos placed at their spec's true size on a layout's paper, with cut
//! guides and optional captions; written as a PDF (the JPEG embedded as it is, a PNG losslessly)
//! or drawn as a raster at the printer's DPI (also the GUI's preview).

use std::collections::HashMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use image::{ImageDecoder, RgbImage};
use krilla::geom::{PathBuilder, Size, Transform};
use krilla::image::Image;
use krilla::paint::FillRule;
use krilla::surface::Surface;

use super::layout::{self, GUIDE_WIDTH_MM, Layout, LayoutError, PagePlan, RectMm, Request, Slot};
use super::{PrintError, pdf, pt, summary, text};
use crate::Lang;
use crate::spec::{Spec, SpecBook};

/// Caption text size.
const CAPTION_PT: f64 = 5.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Jpeg,
    Png,
}

/// An exported photo, ready to place: its file bytes as they are and its spec's print size.
#[derive(Debug, Clone)]
pub struct SheetPhoto {
    pub path: PathBuf,
    pub bytes: Arc<Vec<u8>>,
    pub encoding: Encoding,
    pub px: (u32, u32),
    pub spec_id: String,
    pub spec_name_en: String,
    pub spec_name_zh: String,
    /// Trim size on paper, mm.
    pub print_mm: (f64, f64),
    /// Export date for the caption, `YYYY-MM-DD`.
    pub date: Option<String>,
}

/// The spec's print size in mm; specs without one cannot be printed true to size.
pub fn print_size(spec: &Spec) -> Result<(f64, f64), LayoutError> {
    let n = |l: &Option<crate::spec::Limit>| l.as_ref().and_then(|l| l.value.or(l.min).or(l.max));
    match (n(&spec.image.print_width_mm), n(&spec.image.print_height_mm)) {
        (Some(w), Some(h)) if w > 0.0 && h > 0.0 => Ok((w, h)),
        _ => Err(LayoutError::NoPrintSize(spec.id.clone())),
    }
}

impl SheetPhoto {
    /// Open an exported photo. The spec comes from the summary beside it (`PHOTO.json`, which
    /// must describe this very file), else from `spec_id`; the photo must have the spec's pixels.
    pub fn open(path: &Path, book: &SpecBook, spec_id: Option<&str>) -> Result<SheetPhoto, PrintError> {
        let err = |msg: String| PrintError::Photo { path: path.into(), msg };
        let (mut date, mut from_summary, mut checked) = (None, None, None);
        if let Some(json) = summary::beside(path) {
            let loaded = summary::load_for(&json, path)?;
            if loaded.photo_path.file_name() != path.file_name() {
                return Err(err(format!("{} describes {}, not this photo", json.display(), loaded.doc.photo_file)));
            }
            if let Some(given) = spec_id
                && given != loaded.doc.spec
            {
                return Err(err(format!(
                    "exported for spec '{}' (says {}), not '{given}': leave out --spec",
                    loaded.doc.spec,
                    json.display()
                )));
            }
            date = loaded.doc.date();
            from_summary = Some(loaded.doc.spec);
            // The bytes whose SHA-256 the summary vouched for are the ones printed (read once).
            checked = Some(loaded.photo);
        }
        let spec = book.get(from_summary.as_deref().or(spec_id).unwrap_or(crate::spec::DEFAULT_SPEC))?;
        let bytes = match checked {
            Some(b) => b,
            None => std::fs::read(path).map_err(|e| err(format!("cannot read: {e}")))?,
        };
        let mut p = SheetPhoto::from_bytes(bytes, spec).map_err(|e| match e {
            PrintError::Photo { msg, .. } => err(msg),
            other => other,
        })?;
        p.path = path.into();
        p.date = date;
        Ok(p)
    }

    /// A photo from its file bytes, checked against `spec`'s pixel size.
    pub fn from_bytes(bytes: Vec<u8>, spec: &Spec) -> Result<SheetPhoto, PrintError> {
        let err = |msg: String| PrintError::Photo { path: PathBuf::new(), msg };
        let encoding = match bytes.get(..4) {
            Some([0xFF, 0xD8, 0xFF, _]) => Encoding::Jpeg,
            Some([0x89, b'P', b'N', b'G']) => Encoding::Png,
            _ => return Err(err("not a JPEG or PNG photo (export it with `idbooth export` first)".into())),
        };
        let (px, upright) = {
            let reader = image::ImageReader::new(Cursor::new(&bytes[..]))
                .with_guessed_format()
                .map_err(|e| err(format!("unreadable: {e}")))?;
            let mut decoder = reader.into_decoder().map_err(|e| err(format!("damaged or unreadable: {e}")))?;
            let upright = decoder.orientation().map_or(true, |o| o == image::metadata::Orientation::NoTransforms);
            (decoder.dimensions(), upright)
        };
        // The file is embedded as it is, so it must already stand upright.
        if !upright {
            return Err(err("the photo is rotated by its EXIF tag: export it with `idbooth export` first".into()));
        }
        if px != (spec.width(), spec.height()) {
            return Err(err(format!(
                "the photo is {}×{} px but spec '{}' is {}×{} px: export it with `idbooth export --spec {}` first \
                 (or name the right spec with --spec)",
                px.0,
                px.1,
                spec.id,
                spec.width(),
                spec.height(),
                spec.id
            )));
        }
        Ok(SheetPhoto {
            path: PathBuf::new(),
            bytes: Arc::new(bytes),
            encoding,
            px,
            spec_id: spec.id.clone(),
            spec_name_en: spec.name_en.clone(),
            spec_name_zh: spec.name_zh.clone(),
            print_mm: print_size(spec)?,
            date: None,
        })
    }

    /// The caption for a band `max_mm` wide: the date and the spec's full name, or, when that is
    /// too long, its name without the bracketed details ("China exit-entry photo"); only then cut.
    fn caption(&self, lang: Lang, max_mm: f64) -> String {
        let name = match lang {
            Lang::Zh => &self.spec_name_zh,
            Lang::En => &self.spec_name_en,
        };
        let short = name.split(['(', '（']).next().unwrap_or(name).trim_end();
        let with_date = |n: &str| match &self.date {
            Some(d) => format!("{d} {n}"),
            None => n.to_string(),
        };
        let full = with_date(name);
        if text::width_mm(&full, CAPTION_PT) <= max_mm {
            return full;
        }
        text::fit(&with_date(short), CAPTION_PT, max_mm)
    }
}

/// Where each photo goes, page by page. A plain layout gives each photo `copies` places (a
/// sheet of its own when `None`); a mixed layout takes its counts from its blocks and finds
/// the photo for each block by spec. Slots' `item` is the photo's index.
pub fn plan(
    layout: &Layout,
    photos: &[SheetPhoto],
    copies: Option<u32>,
    captions: bool,
) -> Result<Vec<PagePlan>, PrintError> {
    if photos.is_empty() {
        return Err(LayoutError::Request("no photos to place".into()).into());
    }
    if layout.blocks.is_empty() {
        let reqs: Vec<Request> = photos.iter().map(|p| Request { size_mm: p.print_mm, count: copies }).collect();
        return Ok(layout.plan_grid(&reqs, captions)?);
    }
    if copies.is_some() {
        return Err(LayoutError::Request(format!(
            "layout {} sets its own counts per block: leave out copies",
            layout.id
        ))
        .into());
    }
    let mut which = Vec::new();
    for b in &layout.blocks {
        let i = photos.iter().position(|p| p.spec_id == b.spec).ok_or_else(|| {
            LayoutError::Request(format!(
                "layout {} needs a photo for spec '{}' ({} copies)",
                layout.id, b.spec, b.count
            ))
        })?;
        which.push(i);
    }
    if let Some(p) = photos.iter().find(|p| !layout.blocks.iter().any(|b| b.spec == p.spec_id)) {
        return Err(LayoutError::Request(format!("layout {} has no block for spec '{}'", layout.id, p.spec_id)).into());
    }
    let reqs: Vec<Request> = which
        .iter()
        .zip(&layout.blocks)
        .map(|(&i, b)| Request { size_mm: photos[i].print_mm, count: Some(b.count) })
        .collect();
    let mut page = layout.plan_blocks(&reqs, captions)?;
    for s in &mut page.slots {
        s.item = which[s.item];
    }
    Ok(vec![page])
}

/// The sheet as a PDF of the layout's true page size.
pub fn sheet_pdf(pages: &[PagePlan], photos: &[SheetPhoto], lang: Lang) -> Result<Vec<u8>, PrintError> {
    let images: Vec<Image> = photos.iter().map(pdf_image).collect::<Result<_, _>>()?;
    let mut doc = pdf::document("idbooth photo sheet");
    for page in pages {
        let (pw, ph) = page.paper_mm;
        let mut p = doc.start_page_with(pdf::page_settings(pw, ph)?);
        let mut s = p.surface();
        for slot in &page.slots {
            draw_photo(&mut s, slot, &images[slot.item], page.bleed_mm);
        }
        draw_guides(&mut s, page);
        for slot in &page.slots {
            if let Some(c) = slot.caption {
                let t = photos[slot.item].caption(lang, c.w);
                let x = c.x + (c.w - text::width_mm(&t, CAPTION_PT)) / 2.0;
                pdf::text_at(&mut s, x, c.y + 2.1, CAPTION_PT, &t)?;
            }
        }
        s.finish();
        p.finish();
    }
    pdf::finish(doc)
}

fn pdf_image(p: &SheetPhoto) -> Result<Image, PrintError> {
    embed(p.bytes.clone(), &p.path)
}

/// A JPEG as it is (DCT passthrough) or a PNG, losslessly, for krilla.
pub(super) fn embed(bytes: Arc<Vec<u8>>, path: &Path) -> Result<Image, PrintError> {
    let jpeg = bytes.starts_with(&[0xFF, 0xD8, 0xFF]);
    let data = krilla::Data::from(bytes);
    let img = if jpeg { Image::from_jpeg(data, true) } else { Image::from_png(data, true) };
    img.map_err(|e| PrintError::Photo { path: path.into(), msg: format!("cannot embed (JPEG or PNG expected): {e}") })
}

/// The photo at its trim box, plus the bleed: the edge rows and columns stretched outward
/// (the same image drawn clipped, scaled so one pixel covers the bleed).
fn draw_photo(s: &mut Surface, slot: &Slot, img: &Image, bleed: f64) {
    let t = slot.trim;
    let place = |s: &mut Surface, x: f64, y: f64, w: f64, h: f64| {
        s.push_transform(&Transform::from_translate(pt(x), pt(y)));
        if let Some(size) = Size::from_wh(pt(w), pt(h)) {
            s.draw_image(img.clone(), size);
        }
        s.pop();
    };
    place(s, t.x, t.y, t.w, t.h);
    if bleed <= 0.0 {
        return;
    }
    let (pw, ph) = img.size();
    // Per axis: (clip start, clip length, image origin, image length) for before / after.
    let axis = |start: f64, len: f64, n: u32| {
        let n = n as f64;
        [
            (start - bleed, bleed, start - bleed, bleed * n),
            (start + len, bleed, start + len - bleed * (n - 1.0), bleed * n),
        ]
    };
    let xs = axis(t.x, t.w, pw);
    let ys = axis(t.y, t.h, ph);
    let mid_x = (t.x, t.w, t.x, t.w);
    let mid_y = (t.y, t.h, t.y, t.h);
    for (ix, iy) in [
        (xs[0], mid_y),
        (xs[1], mid_y),
        (mid_x, ys[0]),
        (mid_x, ys[1]),
        (xs[0], ys[0]),
        (xs[0], ys[1]),
        (xs[1], ys[0]),
        (xs[1], ys[1]),
    ] {
        let clip = RectMm { x: ix.0, y: iy.0, w: ix.1, h: iy.1 };
        let Some(r) = pdf::rect(&clip) else { continue };
        let mut pb = PathBuilder::new();
        pb.push_rect(r);
        let Some(path) = pb.finish() else { continue };
        s.push_clip_path(&path, &FillRule::NonZero);
        place(s, ix.2, iy.2, ix.3, iy.3);
        s.pop();
    }
}

/// Cut guides, clipped to the paper outside every photo (with bleed) and caption.
fn draw_guides(s: &mut Surface, page: &PagePlan) {
    let segs = layout::guide_segments(page);
    if segs.is_empty() {
        return;
    }
    let (pw, ph) = page.paper_mm;
    let mut pb = PathBuilder::new();
    let mut rects = vec![RectMm { x: 0.0, y: 0.0, w: pw, h: ph }];
    rects.extend(layout::keep_out(page));
    for r in &rects {
        if let Some(r) = pdf::rect(r) {
            pb.push_rect(r);
        }
    }
    let Some(clip) = pb.finish() else { return };
    s.push_clip_path(&clip, &FillRule::EvenOdd);
    pdf::stroke_lines(s, &segs, GUIDE_WIDTH_MM);
    s.pop();
}

/// A page drawn as it will come out, at `dpi`: photos resampled to their true size in pixels
/// (an exported photo already at that size is copied pixel for pixel), guides and captions.
pub fn render_page(page: &PagePlan, photos: &[SheetPhoto], dpi: u32, lang: Lang) -> Result<RgbImage, PrintError> {
    let k = dpi as f64 / 25.4;
    let px = |mm: f64| (mm * k).round() as i64;
    let (pw, ph) = page.paper_mm;
    let mut img = RgbImage::from_pixel(px(pw).max(1) as u32, px(ph).max(1) as u32, image::Rgb([255, 255, 255]));
    let mut decoded: HashMap<usize, RgbImage> = HashMap::new();
    let mut sized: HashMap<(usize, u32, u32), RgbImage> = HashMap::new();
    let bleed = px(page.bleed_mm);
    for slot in &page.slots {
        let t = slot.trim;
        let (x0, y0, x1, y1) = (px(t.x), px(t.y), px(t.right()), px(t.bottom()));
        let (w, h) = ((x1 - x0).max(1) as u32, (y1 - y0).max(1) as u32);
        if let std::collections::hash_map::Entry::Vacant(e) = decoded.entry(slot.item) {
            let p = &photos[slot.item];
            let d = crate::capture::decode_photo(&p.bytes)
                .map_err(|err| PrintError::Photo { path: p.path.clone(), msg: err.to_string() })?;
            e.insert(d.image);
        }
        let src = sized.entry((slot.item, w, h)).or_insert_with(|| {
            let d = &decoded[&slot.item];
            if d.dimensions() == (w, h) {
                d.clone()
            } else {
                image::imageops::resize(d, w, h, image::imageops::FilterType::Lanczos3)
            }
        });
        for y in (y0 - bleed)..(y1 + bleed) {
            for x in (x0 - bleed)..(x1 + bleed) {
                if x < 0 || y < 0 || x >= img.width() as i64 || y >= img.height() as i64 {
                    continue;
                }
                let sx = (x - x0).clamp(0, w as i64 - 1) as u32;
                let sy = (y - y0).clamp(0, h as i64 - 1) as u32;
                img.put_pixel(x as u32, y as u32, *src.get_pixel(sx, sy));
            }
        }
    }
    // Guides: at least one pixel wide, never on a photo or caption.
    let keep_out: Vec<(i64, i64, i64, i64)> =
        layout::keep_out(page).iter().map(|r| (px(r.x), px(r.y), px(r.right()), px(r.bottom()))).collect();
    let half = ((GUIDE_WIDTH_MM * k).round() as i64).max(1);
    for [x1, y1, x2, y2] in layout::guide_segments(page) {
        let (ax, bx) = (px(x1.min(x2)), px(x1.max(x2)));
        let (ay, by) = (px(y1.min(y2)), px(y1.max(y2)));
        let (ax, bx) = if ax == bx { (ax - half / 2, ax - half / 2 + half) } else { (ax, bx) };
        let (ay, by) = if ay == by { (ay - half / 2, ay - half / 2 + half) } else { (ay, by) };
        for y in ay.max(0)..by.min(img.height() as i64) {
            for x in ax.max(0)..bx.min(img.width() as i64) {
                if keep_out.iter().any(|&(a, b, c, d)| x >= a && x < c && y >= b && y < d) {
                    continue;
                }
                img.put_pixel(x as u32, y as u32, image::Rgb([0, 0, 0]));
            }
        }
    }
    let size_px = (CAPTION_PT / 72.0 * dpi as f64) as f32;
    for slot in &page.slots {
        if let Some(c) = slot.caption {
            let t = photos[slot.item].caption(lang, c.w);
            let x = c.x + (c.w - text::width_mm(&t, CAPTION_PT)) / 2.0;
            text::draw_raster(&mut img, &t, (x * k) as f32, ((c.y + 2.1) * k) as f32, size_px);
        }
    }
    Ok(img)
}

/// The first sheet for these photos, drawn at `dpi`, for the GUI's print preview.
pub fn render_sheet_preview(
    layout: &Layout,
    photos: &[SheetPhoto],
    copies: Option<u32>,
    captions: bool,
    lang: Lang,
    dpi: u32,
) -> Result<RgbImage, PrintError> {
    let pages = plan(layout, photos, copies, captions)?;
    render_page(&pages[0], photos, dpi, lang)
}

/// Encode a raster sheet as PNG (with its DPI in pHYs) or JPEG (DPI in JFIF), by extension.
pub fn encode_raster(img: &RgbImage, dpi: u32, path: &Path) -> Result<Vec<u8>, PrintError> {
    let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    let enc = |e: String| PrintError::Encode(e);
    match ext.as_str() {
        "png" => {
            let mut out = Vec::new();
            let mut e = png::Encoder::new(&mut out, img.width(), img.height());
            e.set_color(png::ColorType::Rgb);
            e.set_depth(png::BitDepth::Eight);
            let ppm = (dpi as f64 / 0.0254).round() as u32;
            e.set_pixel_dims(Some(png::PixelDimensions { xppu: ppm, yppu: ppm, unit: png::Unit::Meter }));
            let mut w = e.write_header().map_err(|e| enc(e.to_string()))?;
            w.write_image_data(img.as_raw()).map_err(|e| enc(e.to_string()))?;
            w.finish().map_err(|e| enc(e.to_string()))?;
            Ok(out)
        }
        "jpg" | "jpeg" => {
            crate::export::encode_jpeg(img, 95, dpi.min(u16::MAX as u32) as u16).map_err(|e| enc(e.to_string()))
        }
        _ => Err(enc(format!("{}: the raster sheet must end in .png, .jpg or .jpeg", path.display()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(id: &str) -> Spec {
        SpecBook::builtin().get(id).unwrap().clone()
    }

    /// A synthetic exported photo: flat blue background, a dark block as the "person".
    fn photo(id: &str) -> SheetPhoto {
        let s = spec(id);
        let img = RgbImage::from_fn(s.width(), s.height(), |x, y| {
            if x > s.width() / 4 && x < s.width() * 3 / 4 && y > s.height() / 3 {
                image::Rgb([40, 30, 30])
            } else {
                image::Rgb([100, 197, 255])
            }
        });
        let bytes = crate::export::encode_jpeg(&img, 90, s.dpi() as u16).unwrap();
        SheetPhoto::from_bytes(bytes, &s).unwrap()
    }

    #[test]
    fn the_wrong_pixel_size_or_format_is_refused() {
        let s = spec("cn-exit-entry");
        let small = crate::export::encode_jpeg(&RgbImage::new(100, 100), 90, 300).unwrap();
        let e = SheetPhoto::from_bytes(small, &s).unwrap_err().to_string();
        assert!(e.contains("100×100 px") && e.contains("390×567"), "{e}");
        assert!(SheetPhoto::from_bytes(b"GIF89a....".to_vec(), &s).is_err());
    }

    #[test]
    fn specs_without_a_print_size_cannot_be_printed() {
        let mut s = spec("cn-exit-entry");
        s.image.print_width_mm = None;
        assert!(matches!(print_size(&s), Err(LayoutError::NoPrintSize(_))));
    }

    #[test]
    fn the_raster_places_photos_at_true_size() {
        let book = super::super::LayoutBook::builtin();
        let l = book.get("6inch").unwrap();
        let photos = [photo("cn-exit-entry")];
        let img = render_sheet_preview(l, &photos, None, false, Lang::En, 300).unwrap();
        // 152.4 × 101.6 mm at 300 dpi.
        assert_eq!(img.dimensions(), (1800, 1200));
        let page = &plan(l, &photos, None, false).unwrap()[0];
        let t = page.slots[0].trim;
        let k = 300.0 / 25.4;
        // Inside the trim box: the photo; just outside: white paper or a guide, never photo blue.
        let inside = img.get_pixel(((t.x + 1.0) * k) as u32, ((t.y + 1.0) * k) as u32).0;
        assert!(inside[2] > 200 && inside[0] < 150, "{inside:?}");
        let outside = img.get_pixel(((t.x - 0.4) * k) as u32, ((t.y + 10.0) * k) as u32).0;
        assert!(outside == [255, 255, 255] || outside == [0, 0, 0], "{outside:?}");
        // The trim box measures 33 × 48 mm (±1 px = 0.085 mm).
        let row = ((t.y + 5.0) * k) as u32;
        let blue: Vec<u32> = (0..img.width())
            .filter(|&x| img.get_pixel(x, row).0[2] > 200 && img.get_pixel(x, row).0[0] < 150)
            .collect();
        let first_run = blue.windows(2).position(|w| w[1] != w[0] + 1).map_or(blue.len(), |i| i + 1);
        assert!((first_run as f64 / k - 33.0).abs() < 0.1, "{first_run} px");
    }

    #[test]
    fn bleed_repeats_the_edge_and_captions_sit_below() {
        let mut l = super::super::LayoutBook::builtin().get("a6").unwrap().clone();
        l.bleed_mm = 1.0;
        let photos = [photo("cn-exit-entry")];
        let page = &plan(&l, &photos, Some(1), true).unwrap()[0];
        let img = render_page(page, &photos, 300, Lang::En).unwrap();
        let k = 300.0 / 25.4;
        let t = page.slots[0].trim;
        let bled = img.get_pixel(((t.x - 0.5) * k) as u32, ((t.y + 5.0) * k) as u32).0;
        assert!(bled[2] > 200 && bled[0] < 150, "{bled:?}");
        let c = page.slots[0].caption.unwrap();
        assert!(c.y >= t.bottom() + 1.0);
        let dark = (((c.y) * k) as u32..((c.bottom()) * k) as u32)
            .flat_map(|y| ((c.x * k) as u32..(c.right() * k) as u32).map(move |x| (x, y)))
            .filter(|&(x, y)| img.get_pixel(x, y).0[0] < 128)
            .count();
        assert!(dark > 20, "caption text drawn: {dark} dark pixels");
        assert!(sheet_pdf(std::slice::from_ref(page), &photos, Lang::Zh).unwrap().starts_with(b"%PDF"));
    }

    #[test]
    fn captions_keep_the_date_and_shorten_the_name_before_cutting() {
        let mut p = photo("cn-exit-entry");
        p.date = Some("2026-12-05".into());
        // On a 33 mm photo the full name does not fit; the date and the short name do.
        assert_eq!(p.caption(Lang::En, 33.0), "2026-12-05 China exit-entry photo");
        assert_eq!(p.caption(Lang::Zh, 33.0), "2026-12-05 出入境证件照");
        assert!(p.caption(Lang::En, 200.0).ends_with("(passport, HK/Macau & Taiwan permits)"));
        for id in ["cn-resident-id", "us-2x2", "cn-2inch", "icao-35x45"] {
            let mut p = photo(id);
            p.date = Some("2026-12-05".into());
            let c = p.caption(Lang::En, p.print_mm.0);
            assert!(c.starts_with("2026-12-05") && text::width_mm(&c, CAPTION_PT) <= p.print_mm.0, "{id}: {c}");
        }
    }

    #[test]
    fn mixed_layouts_find_a_photo_per_block() {
        let book = super::super::LayoutBook::builtin();
        let l = book.get("6inch-mixed").unwrap();
        let photos = [photo("cn-resident-id"), photo("cn-exit-entry")];
        let pages = plan(l, &photos, None, false).unwrap();
        assert_eq!(pages[0].slots.iter().filter(|s| photos[s.item].spec_id == "cn-exit-entry").count(), 4);
        let e = plan(l, &photos[..1], None, false).unwrap_err().to_string();
        assert!(e.contains("needs a photo for spec 'cn-exit-entry'"), "{e}");
        assert!(plan(l, &photos, Some(2), false).is_err());
    }

    #[test]
    fn rasters_carry_their_dpi() {
        let img = RgbImage::new(8, 8);
        let png = encode_raster(&img, 254, Path::new("x.png")).unwrap();
        let d = png::Decoder::new(Cursor::new(png)).read_info().unwrap();
        let dims = d.info().pixel_dims.unwrap();
        assert_eq!(dims.xppu, 10_000);
        let jpg = encode_raster(&img, 300, Path::new("x.JPG")).unwrap();
        assert_eq!(crate::export::jfif_density(&jpg), Some((1, 300, 300)));
        assert!(encode_raster(&img, 300, Path::new("x.tif")).is_err());
    }
}
