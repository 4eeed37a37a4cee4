//! Export: the receipt-ready JPEG (exact pixels, DPI in the JFIF header, quality searched so
//! the file lands in the spec's size window) and its JSON summary, each written atomically.

use std::io::Write;
use std::path::{Path, PathBuf};

use image::RgbImage;
use image::codecs::jpeg::{JpegEncoder, PixelDensity};
use serde::{Deserialize, Serialize};

use crate::spec::Spec;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("the disk is full: nothing was written to {0}; free some space and export again")]
    DiskFull(PathBuf),
    #[error("cannot write {0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("JPEG encoding failed: {0}")]
    Encode(String),
    #[error("no JPEG quality gives a file between {lo} and {hi} bytes (smallest {smallest}, largest {largest})")]
    SizeWindow { lo: u64, hi: u64, smallest: u64, largest: u64 },
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
    let mut out = Vec::with_capacity(64 * 1024);
    let mut enc = JpegEncoder::new_with_quality(&mut out, quality.clamp(1, 100));
    enc.set_pixel_density(PixelDensity::dpi(dpi));
    enc.encode_image(img).map_err(|e| ExportError::Encode(e.to_string()))?;
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

/// Write through a temporary file in the same folder and rename over the target, so an
/// interrupted export leaves either the old file or the new one, never half a file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ExportError> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "export".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let io = |e: std::io::Error| {
        let _ = std::fs::remove_file(&tmp);
        if e.raw_os_error() == Some(28) || e.kind() == std::io::ErrorKind::StorageFull {
            ExportError::DiskFull(path.into())
        } else {
            ExportError::Io(path.into(), e)
        }
    };
    let mut f = std::fs::File::create(&tmp).map_err(io)?;
    f.write_all(bytes).map_err(io)?;
    f.sync_all().map_err(io)?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(io)?;
    Ok(())
}

/// Read the JFIF density of a JPEG: (unit, x, y) with unit 1 = dots per inch.
pub fn jfif_density(jpeg: &[u8]) -> Option<(u8, u16, u16)> {
    // SOI, then APP0 "JFIF\0": version(2) unit(1) x(2) y(2).
    if jpeg.len() < 20 || jpeg[0..2] != [0xFF, 0xD8] || jpeg[2..4] != [0xFF, 0xE0] || &jpeg[6..11] != b"JFIF\0" {
        return None;
    }
    Some((jpeg[13], u16::from_be_bytes([jpeg[14], jpeg[15]]), u16::from_be_bytes([jpeg[16], jpeg[17]])))
}

/// The applicant's details for the counter, as entered at the booth.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Applicant {
    pub name: Option<String>,
    /// passport | hk-macau-permit | taiwan-permit | other
    pub document: Option<String>,
    pub city: Option<String>,
    pub phone: Option<String>,
    pub notes: Option<String>,
    /// Staff's written reason for exporting despite a failed rule.
    pub override_reason: Option<String>,
}

/// The JSON written beside the photo: what was exported, for whom, and the full check.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    pub photo_file: String,
    pub spec: String,
    pub spec_name_en: String,
    pub spec_name_zh: String,
    pub width_px: u32,
    pub height_px: u32,
    pub dpi: u16,
    pub jpeg_quality: u8,
    pub size_bytes: u64,
    /// The spec's window in bytes (strict reading of KB).
    pub size_window: Option<(u64, u64)>,
    pub exported_at_utc: String,
    pub applicant: Applicant,
    pub report: crate::pipeline::Report,
}

#[derive(Debug, Clone)]
pub struct Saved {
    pub photo: PathBuf,
    pub summary: PathBuf,
    pub encoded: Encoded,
}

/// Encode `output` into the spec's size window and write it and its summary, each atomically
/// (photo first: a summary never describes a photo that is not there).
pub fn save(
    output: &RgbImage,
    report: &crate::pipeline::Report,
    spec: &Spec,
    applicant: &Applicant,
    photo_path: &Path,
    summary_path: &Path,
) -> Result<Saved, ExportError> {
    let window = size_window(spec);
    let encoded = encode_to_window(output, spec.dpi() as u16, window)?;
    write_atomic(photo_path, &encoded.bytes)?;
    let summary = Summary {
        photo_file: photo_path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default(),
        spec: spec.id.clone(),
        spec_name_en: spec.name_en.clone(),
        spec_name_zh: spec.name_zh.clone(),
        width_px: output.width(),
        height_px: output.height(),
        dpi: encoded.dpi,
        jpeg_quality: encoded.quality,
        size_bytes: encoded.size_bytes,
        size_window: window,
        exported_at_utc: utc_now(),
        applicant: applicant.clone(),
        report: report.clone(),
    };
    let json = serde_json::to_vec_pretty(&summary).map_err(|e| ExportError::Encode(e.to_string()))?;
    write_atomic(summary_path, &json)?;
    Ok(Saved { photo: photo_path.into(), summary: summary_path.into(), encoded })
}

/// `YYYY-MM-DDTHH:MM:SSZ` from the system clock (civil-from-days, no time-zone database needed).
pub fn utc_now() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
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
    }

    #[test]
    fn an_impossible_window_is_an_error_not_a_wrong_file() {
        let flat = RgbImage::from_pixel(390, 567, image::Rgb([255, 255, 255]));
        assert!(matches!(encode_to_window(&flat, 300, Some((200_000, 300_000))), Err(ExportError::SizeWindow { .. })));
        assert!(matches!(encode_to_window(&card(), 300, Some((0, 500))), Err(ExportError::SizeWindow { .. })));
    }

    #[test]
    fn utc_timestamps_are_well_formed() {
        let t = utc_now();
        assert_eq!(t.len(), 20, "{t}");
        assert!(t.starts_with("20") && t.ends_with('Z'));
    }

    #[test]
    fn atomic_write_replaces_whole_files_and_leaves_no_temp() {
        let dir = std::env::temp_dir().join(format!("idbooth-export-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("a.jpg");
        write_atomic(&p, b"first").unwrap();
        write_atomic(&p, b"second").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"second");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        let missing = dir.join("no/such/dir/b.jpg");
        assert!(matches!(write_atomic(&missing, b"x"), Err(ExportError::Io(..))));
        std::fs::remove_dir_all(&dir).ok();
    }
}
