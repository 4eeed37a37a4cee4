//! Export: the receipt-ready JPEG (exact pixels, DPI in the JFIF header, quality searched so
//! the file lands in the spec's size window) and its JSON summary, written together as one
//! unit ([`pair`]) after the release gate ([`crate::approval`]) let the photo through.

pub mod pair;
pub mod summary;

use std::path::PathBuf;

use image::RgbImage;
use serde::{Deserialize, Serialize};

use crate::approval::Release;
use crate::paths::shown;
use crate::report::Report;
use crate::session::Composed;
use crate::spec::Spec;
pub use pair::Targets;
pub use summary::{Applicant, Summary};

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("the disk is full: nothing was written to {}; free some space and export again", shown(.0))]
    DiskFull(PathBuf),
    #[error("cannot write {}: {}", shown(.0), .1)]
    Io(PathBuf, std::io::Error),
    #[error("cannot write {}: the folder does not exist", shown(.0))]
    NoFolder(PathBuf),
    #[error("{} already exists: choose another name, or overwrite it on purpose (--overwrite)", shown(.0))]
    Exists(PathBuf),
    #[error("{} is the photo being exported from: it is never written over; choose another name", shown(.0))]
    IsSource(PathBuf),
    #[error("the photo and its summary cannot both be {}", shown(.0))]
    SameFile(PathBuf),
    #[error("the file name {} is longer than this file system allows ({max} bytes)", shown(path))]
    NameTooLong { path: PathBuf, max: usize },
    #[error("JPEG encoding failed: {0}")]
    Encode(String),
    #[error("no JPEG quality gives a file between {lo} and {hi} bytes (smallest {smallest}, largest {largest})")]
    SizeWindow { lo: u64, hi: u64, smallest: u64, largest: u64 },
    #[error(transparent)]
    Serial(#[from] crate::serial::SerialError),
    #[error("the composed image is {got_w}×{got_h} px but the spec needs {want_w}×{want_h} px")]
    WrongSize { got_w: u32, got_h: u32, want_w: u32, want_h: u32 },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Encoded {
    #[serde(skip)]
    pub bytes: Vec<u8>,
    pub quality: u8,
    pub size_bytes: u64,
    pub dpi: u16,
}

/// Size window in bytes that satisfies both readings of "KB" (1000 or 1024 bytes):
/// at least `min × 1024` and at most `max × 1000`.
pub fn size_window(spec: &Spec) -> Option<(u64, u64)> {
    let kb = spec.image.file_size_kb.as_ref()?;
    let lo = kb.min.map_or(0, |v| (v * 1024.0).ceil() as u64);
    let hi = kb.max.map_or(u64::MAX, |v| (v * 1000.0).floor() as u64);
    Some((lo, hi))
}

pub fn encode_jpeg(img: &RgbImage, quality: u8, dpi: u16) -> Result<Vec<u8>, ExportError> {
    use jpeg_encoder::{ChromaSubsamplingMethod, ColorType, Encoder, PixelDensity, SamplingFactor};
    let (w, h) = (u16::try_from(img.width()), u16::try_from(img.height()));
    let (Ok(w), Ok(h)) = (w, h) else {
        return Err(ExportError::Encode(format!("{}×{} px is too large for JPEG", img.width(), img.height())));
    };
    let mut out = Vec::with_capacity(64 * 1024);
    let mut enc = Encoder::new(&mut out, quality.clamp(1, 100));
    enc.set_density(PixelDensity::dpi(dpi));
    // 4:2:0 at every quality (the encoder's default switches to 4:4:4 at 90, a jump in file size
    // the size-window search would have to step over), chroma averaged rather than picked. The
    // standard Huffman tables keep one interleaved scan: fitted tables would save a few % but
    // make jpeg-encoder write a scan per component, which some decoders misread (capture/photo.rs).
    enc.set_sampling_factor(SamplingFactor::F_2_2);
    enc.set_chroma_subsampling_method(ChromaSubsamplingMethod::Average);
    enc.encode(img.as_raw(), w, h, ColorType::Rgb).map_err(|e| ExportError::Encode(e.to_string()))?;
    Ok(out)
}

/// The highest quality whose file fits under the window's top; an error if even that is
/// below the window's bottom or the lowest quality is above its top. File size grows with
/// quality, so the bracket [fits, too big] is narrowed by encoding two qualities at a time
/// (one per core): from 1–95 to a single step in four or five rounds.
pub fn encode_to_window(img: &RgbImage, dpi: u16, window: Option<(u64, u64)>) -> Result<Encoded, ExportError> {
    let (lo, hi) = window.unwrap_or((0, u64::MAX));
    let enc = |q: u8| encode_jpeg(img, q, dpi).map(|b| (q, b));
    let (top, guess) = rayon::join(|| enc(95), || enc(88));
    let (top, guess) = (top?, guess?);
    if top.1.len() as u64 <= hi {
        return done(top.1, 95, dpi, lo, hi, None);
    }
    let largest = top.1.len() as u64;
    // Invariant: `fit` fits under `hi` (or is None), quality `bad` does not.
    let (mut fit, mut bad) = if guess.1.len() as u64 <= hi { (Some(guess), 95u8) } else { (None, 88u8) };
    let mut floor = fit.as_ref().map_or(0, |f| f.0);
    while bad - floor > 1 {
        let step = (bad - floor) as f32 / 3.0;
        let q1 = (floor as f32 + step).round().clamp((floor + 1) as f32, (bad - 1) as f32) as u8;
        let q2 = (floor as f32 + 2.0 * step).round().clamp(q1 as f32, (bad - 1) as f32) as u8;
        let (a, b) = rayon::join(|| enc(q1.max(1)), || enc(q2.max(1)));
        for r in [a?, b?] {
            if r.1.len() as u64 <= hi {
                if fit.as_ref().is_none_or(|f| r.0 > f.0) {
                    floor = r.0;
                    fit = Some(r);
                }
            } else {
                bad = bad.min(r.0);
            }
        }
        if q1 == 1 && fit.is_none() {
            break;
        }
    }
    match fit {
        Some((q, bytes)) => done(bytes, q, dpi, lo, hi, Some(largest)),
        None => {
            let smallest = enc(1)?.1.len() as u64;
            Err(ExportError::SizeWindow { lo, hi, smallest, largest })
        }
    }
}

fn done(bytes: Vec<u8>, quality: u8, dpi: u16, lo: u64, hi: u64, largest: Option<u64>) -> Result<Encoded, ExportError> {
    let n = bytes.len() as u64;
    if n < lo {
        return Err(ExportError::SizeWindow { lo, hi, smallest: n, largest: largest.unwrap_or(n) });
    }
    Ok(Encoded { size_bytes: n, bytes, quality, dpi })
}

#[derive(Debug, Clone)]
pub struct Saved {
    pub photo: PathBuf,
    pub summary_path: PathBuf,
    pub encoded: Encoded,
    pub summary: Summary,
}

/// The JPEG quality the spec's authority names, if any.
pub fn spec_quality(spec: &Spec) -> Option<u8> {
    spec.image.jpeg_quality.as_ref().and_then(|q| q.value).filter(|q| q.is_finite()).map(|q| q.clamp(1.0, 100.0) as u8)
}

/// The file a spec asks for: at the quality the authority names (`quality`) when its file falls
/// in the size window (or there is none), else at the highest quality whose file does.
pub fn encode_for(
    img: &RgbImage,
    dpi: u16,
    window: Option<(u64, u64)>,
    quality: Option<u8>,
) -> Result<Encoded, ExportError> {
    if let Some(q) = quality {
        let bytes = encode_jpeg(img, q, dpi)?;
        if window.is_none_or(|(lo, hi)| (lo..=hi).contains(&(bytes.len() as u64))) {
            return Ok(Encoded { size_bytes: bytes.len() as u64, bytes, quality: q, dpi });
        }
    }
    encode_to_window(img, dpi, window)
}

/// Encode the composed photo into the spec's window and write it with its summary, as one unit.
/// Only a [`Release`] from the approval gate lets a photo out; `serial` is the booth's serial for
/// it ([`crate::serial::SerialCounter::next`]).
pub fn save(
    composed: &Composed,
    serial: &str,
    report: &Report,
    spec: &Spec,
    applicant: &Applicant,
    release: &Release,
    targets: &Targets,
) -> Result<Saved, ExportError> {
    let img = &composed.image;
    if (img.width(), img.height()) != (spec.width(), spec.height()) {
        return Err(ExportError::WrongSize {
            got_w: img.width(),
            got_h: img.height(),
            want_w: spec.width(),
            want_h: spec.height(),
        });
    }
    pair::check_targets(targets)?;
    let window = size_window(spec);
    let dpi = spec.dpi() as u16;
    let encoded = encode_for(img, dpi, window, spec_quality(spec))?;
    let mm = |l: &Option<crate::spec::Limit>| l.as_ref().and_then(|l| l.value.or(l.min));
    let summary = Summary {
        schema: summary::SCHEMA,
        serial: serial.to_string(),
        photo_file: targets.photo.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default(),
        photo_bytes: encoded.size_bytes,
        photo_sha256: summary::sha256_hex(&encoded.bytes),
        spec: spec.id.clone(),
        spec_name_en: spec.name_en.clone(),
        spec_name_zh: spec.name_zh.clone(),
        width_px: img.width(),
        height_px: img.height(),
        dpi: encoded.dpi,
        print_width_mm: mm(&spec.image.print_width_mm),
        print_height_mm: mm(&spec.image.print_height_mm),
        jpeg_quality: encoded.quality,
        size_window: window,
        exported_at: summary::now_local(),
        applicant: applicant.clone(),
        outcome: release.overall(),
        confirmations: release.confirmations().to_vec(),
        background: (&composed.background).into(),
        tone: composed.tone,
        report: report.clone(),
    };
    let json = serde_json::to_vec_pretty(&summary).map_err(|e| ExportError::Encode(e.to_string()))?;
    pair::write_pair(targets, &encoded.bytes, &json)?;
    tracing::info!(
        spec = %spec.id,
        bytes = encoded.size_bytes,
        quality = encoded.quality,
        serial,
        outcome = release.overall().as_str(),
        confirmed = release.confirmations().len(),
        "exported a photo and its summary"
    );
    Ok(Saved { photo: targets.photo.into(), summary_path: targets.summary.into(), encoded, summary })
}

/// Read the JFIF density of a JPEG: (unit, x, y) with unit 1 = dots per inch.
pub fn jfif_density(jpeg: &[u8]) -> Option<(u8, u16, u16)> {
    // SOI, then APP0 "JFIF\0": version(2) unit(1) x(2) y(2).
    if jpeg.len() < 20 || jpeg[0..2] != [0xFF, 0xD8] || jpeg[2..4] != [0xFF, 0xE0] || &jpeg[6..11] != b"JFIF\0" {
        return None;
    }
    Some((jpeg[13], u16::from_be_bytes([jpeg[14], jpeg[15]]), u16::from_be_bytes([jpeg[16], jpeg[17]])))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A textured test card: size grows smoothly with quality, like a photo.
    fn card() -> RgbImage {
        RgbImage::from_fn(390, 567, |x, y| {
            let v = ((x as f32 * 0.21).sin() * 60.0 + (y as f32 * 0.13).cos() * 50.0 + ((x * y) % 37) as f32) as i32;
            image::Rgb([
                (128 + v).clamp(0, 255) as u8,
                (100 + v / 2).clamp(0, 255) as u8,
                (90 - v / 3).clamp(0, 255) as u8,
            ])
        })
    }

    #[test]
    fn the_file_lands_in_the_window_at_the_best_quality_that_fits() {
        let img = card();
        let (lo, hi) = (20 * 1024, 60_000);
        let e = encode_to_window(&img, 300, Some((lo, hi))).unwrap();
        assert!((lo..=hi).contains(&e.size_bytes), "{} bytes at q{}", e.size_bytes, e.quality);
        if e.quality < 95 {
            assert!(encode_jpeg(&img, e.quality + 1, 300).unwrap().len() as u64 > hi);
        }
        assert_eq!(jfif_density(&e.bytes), Some((1, 300, 300)));
        // One interleaved scan, the layout every decoder reads; and it reads back as the image.
        assert_eq!(crate::capture::photo::jpeg_layout(&e.bytes).scans, 1);
        let back = crate::capture::decode_photo(&e.bytes).unwrap().image;
        let mean_err = img.as_raw().iter().zip(back.as_raw()).map(|(a, b)| a.abs_diff(*b) as f64).sum::<f64>()
            / img.as_raw().len() as f64;
        assert!(mean_err < 8.0, "mean channel error {mean_err:.1}");
    }

    /// The authority's quality (the exit-entry spec's 85) when its file fits the window; the
    /// window's best quality when it does not.
    #[test]
    fn the_named_quality_is_used_when_its_file_fits() {
        let img = card();
        let at85 = encode_jpeg(&img, 85, 300).unwrap().len() as u64;
        let e = encode_for(&img, 300, Some((at85 / 2, at85 * 2)), Some(85)).unwrap();
        assert_eq!((e.quality, e.size_bytes), (85, at85));
        assert_eq!(encode_for(&img, 300, None, Some(70)).unwrap().quality, 70);
        let e = encode_for(&img, 300, Some((0, at85 - 1)), Some(85)).unwrap();
        assert!(e.quality < 85 && e.size_bytes < at85, "q{} {} bytes", e.quality, e.size_bytes);
        assert_eq!(encode_for(&img, 300, Some((0, u64::MAX)), None).unwrap().quality, 95);
    }

    #[test]
    fn an_impossible_window_is_an_error_not_a_wrong_file() {
        let flat = RgbImage::from_pixel(390, 567, image::Rgb([255, 255, 255]));
        assert!(matches!(encode_to_window(&flat, 300, Some((200_000, 300_000))), Err(ExportError::SizeWindow { .. })));
        assert!(matches!(encode_to_window(&card(), 300, Some((0, 500))), Err(ExportError::SizeWindow { .. })));
    }
}
