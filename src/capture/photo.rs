//! Reading photo files safely: size limits against decompression bombs, EXIF orientation,
//! any bit depth or colour model converted to 8-bit RGB.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, RgbImage};

use crate::paths::shown;

/// Largest file we read at all (a 100 MP camera raw-converted JPEG is ~60 MB).
pub const MAX_FILE_BYTES: u64 = 200 * 1024 * 1024;
/// Largest decoded image: 16 000 px on a side and 120 MP.
pub const MAX_SIDE: u32 = 16_000;
pub const MAX_PIXELS: u64 = 120_000_000;

#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    #[error("file not found: {}", shown(.0))]
    NotFound(PathBuf),
    #[error("cannot read {}: {}", shown(.0), .1)]
    Io(PathBuf, std::io::Error),
    #[error("the file is {0} MB; photos larger than {max} MB are not accepted", max = MAX_FILE_BYTES / 1_048_576)]
    FileTooLarge(u64),
    #[error("not a photo this program can read (JPEG, PNG, TIFF, WebP or BMP expected)")]
    NotAnImage,
    #[error("the image is {w}×{h} pixels, which exceeds the limit of {mp} megapixels ({MAX_SIDE} px on a side)", mp = MAX_PIXELS / 1_000_000)]
    TooLarge { w: u32, h: u32 },
    #[error("the photo file is damaged or incomplete: {0}")]
    Corrupt(String),
    #[error("the photo file is damaged or incomplete: the file ends before the image does")]
    Truncated,
    #[error("cannot read {}: is a folder, not a file", shown(.0))]
    IsFolder(PathBuf),
    #[error("the image is empty")]
    Empty,
    #[error("the file is empty (0 bytes): it holds no photo")]
    EmptyFile,
}

/// An upright photo of a person, ready for detection.
#[derive(Debug, Clone)]
pub struct Portrait {
    pub image: RgbImage,
    /// Where it came from, if a file.
    pub path: Option<PathBuf>,
    /// The file itself when `image` is a reduced decode of it ([`open_photo`]).
    pub finer: Option<Finer>,
}

/// A JPEG decoded at 1/`factor` of its size (the decoder's scaled inverse DCT, which skips most
/// of the work), kept so the full picture can be decoded when an output needs its detail.
#[derive(Clone)]
pub struct Finer {
    bytes: Arc<[u8]>,
    /// File pixels per pixel of the reduced image (2, 4 or 8): coordinates scale by it exactly.
    pub factor: u32,
    /// The upright picture's full size.
    pub width: u32,
    pub height: u32,
}

impl std::fmt::Debug for Finer {
    // The file's bytes stay out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Finer")
            .field("bytes", &self.bytes.len())
            .field("factor", &self.factor)
            .field("width", &self.width)
            .field("height", &self.height)
            .finish()
    }
}

impl Finer {
    /// The full picture (tens of milliseconds for a phone photo).
    pub fn decode(&self) -> Result<RgbImage, PhotoError> {
        decode_photo(&self.bytes).map(|p| p.image)
    }
}

impl Portrait {
    pub fn from_rgb(image: RgbImage) -> Portrait {
        Portrait { image, path: None, finer: None }
    }
    /// File pixels per pixel of `image` (1 unless reduced).
    pub fn factor(&self) -> u32 {
        self.finer.as_ref().map_or(1, |f| f.factor)
    }
    /// The picture's size as stored (upright).
    pub fn file_size(&self) -> (u32, u32) {
        self.finer.as_ref().map_or((self.width(), self.height()), |f| (f.width, f.height))
    }
    pub fn width(&self) -> u32 {
        self.image.width()
    }
    pub fn height(&self) -> u32 {
        self.image.height()
    }
}

pub fn load_photo(path: &Path) -> Result<Portrait, PhotoError> {
    let bytes = read_photo_file(path)?;
    let mut p = decode_photo(&bytes)?;
    p.path = Some(path.into());
    Ok(p)
}

/// Short side, in pixels, that a reduced decode keeps at least: more than the 1350 px photos the
/// landmarks are measured on (`idbooth eval`), so a 12 MP phone photo (3000 px) opens at half
/// size and an 8 MP one (2448 px) whole.
pub const ANALYSIS_MIN_SIDE: u32 = 1500;

/// A photo opened for checking: a large JPEG (a phone's 12 MP) is decoded at half size or less
/// while its short side stays ≥ [`ANALYSIS_MIN_SIDE`], about twice as fast and with a quarter of
/// the pixels to carry; [`Portrait::finer`] keeps the file for when an output needs more detail
/// (the session decodes it fully then). Anything else decodes as [`load_photo`].
pub fn open_photo(path: &Path) -> Result<Portrait, PhotoError> {
    let bytes = read_photo_file(path)?;
    let mut p = decode_photo_reduced(bytes.into(), ANALYSIS_MIN_SIDE)?;
    p.path = Some(path.into());
    Ok(p)
}

fn read_photo_file(path: &Path) -> Result<Vec<u8>, PhotoError> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => PhotoError::NotFound(path.into()),
        _ => PhotoError::Io(path.into(), e),
    })?;
    if meta.is_dir() {
        return Err(PhotoError::IsFolder(path.into()));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(PhotoError::FileTooLarge(meta.len() / 1_048_576));
    }
    std::fs::read(path).map_err(|e| PhotoError::Io(path.into(), e))
}

/// Decode bytes into an upright RGB portrait (EXIF orientation applied).
pub fn decode_photo(bytes: &[u8]) -> Result<Portrait, PhotoError> {
    decode(bytes, 1, None)
}

/// As [`decode_photo`], but a JPEG whose short side is at least twice `min_side` comes out
/// reduced by 2, 4 or 8 (the largest that keeps `min_side`), with the file kept in `finer`.
pub fn decode_photo_reduced(bytes: Arc<[u8]>, min_side: u32) -> Result<Portrait, PhotoError> {
    let factor = match jpeg_size(&bytes) {
        Some((w, h)) => [8, 4, 2].into_iter().find(|f| w.min(h) / f >= min_side.max(1)).unwrap_or(1),
        None => 1,
    };
    decode(&bytes, factor, Some(&bytes))
}

/// Width and height from a JPEG's frame header (as stored, before any EXIF turn), for the
/// 8-bit RGB and grey JPEGs that decode at reduced size (not CMYK or lossless ones).
fn jpeg_size(b: &[u8]) -> Option<(u32, u32)> {
    use jpeg_decoder::PixelFormat;
    let mut d = jpeg_decoder::Decoder::new(Cursor::new(b));
    d.read_info().ok()?;
    d.info()
        .filter(|i| matches!(i.pixel_format, PixelFormat::RGB24 | PixelFormat::L8))
        .map(|i| (i.width as u32, i.height as u32))
}

fn decode(bytes: &[u8], factor: u32, keep: Option<&Arc<[u8]>>) -> Result<Portrait, PhotoError> {
    if bytes.is_empty() {
        return Err(PhotoError::EmptyFile);
    }
    let reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|_| PhotoError::NotAnImage)?;
    if reader.format().is_none() {
        return Err(PhotoError::NotAnImage);
    }
    let format = reader.format();
    // The size from the header alone, before any pixel is decoded: a bomb is refused with its size.
    let header = ImageReader::with_format(Cursor::new(bytes), format.unwrap_or(ImageFormat::Png));
    if let Ok((w, h)) = header.into_dimensions()
        && (w > MAX_SIDE || h > MAX_SIDE || w as u64 * h as u64 > MAX_PIXELS)
    {
        return Err(PhotoError::TooLarge { w, h });
    }
    // A cut-off JPEG decodes into a grey-filled picture without complaint: check its structure.
    let layout = (format == Some(ImageFormat::Jpeg)).then(|| jpeg_layout(bytes));
    if layout.is_some_and(|l| !l.complete) {
        return Err(PhotoError::Truncated);
    }
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    // 16-bit RGBA at the pixel cap, plus the 8-bit copy.
    limits.max_alloc = Some(MAX_PIXELS * 8 + MAX_PIXELS * 3);
    let mut reader = reader;
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(classify)?;
    let (w, h) = decoder.dimensions();
    if w == 0 || h == 0 {
        return Err(PhotoError::Empty);
    }
    if w > MAX_SIDE || h > MAX_SIDE || w as u64 * h as u64 > MAX_PIXELS {
        return Err(PhotoError::TooLarge { w, h });
    }
    // A broken EXIF block must not cost the person their photo: fall back to "as stored".
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    // Only a JPEG decodes reduced (the caller read its header; this is the same file).
    let factor = if layout.is_some() { factor } else { 1 };
    let mut img = match layout {
        Some(_) if factor > 1 => {
            drop(decoder);
            DynamicImage::ImageRgb8(decode_jpeg_with(bytes, factor)?)
        }
        Some(l) if l.sequential && l.scans > 1 => {
            drop(decoder);
            DynamicImage::ImageRgb8(decode_jpeg_with(bytes, 1)?)
        }
        _ => DynamicImage::from_decoder(decoder).map_err(classify)?,
    };
    img.apply_orientation(orientation);
    let image = match img {
        DynamicImage::ImageRgb8(i) => i,
        other if other.color().has_alpha() => on_white(&other.to_rgba8()),
        other => other.to_rgb8(),
    };
    // The full picture's upright size: a quarter turn swaps the stored sides.
    use image::metadata::Orientation as O;
    let turned = matches!(orientation, O::Rotate90 | O::Rotate270 | O::Rotate90FlipH | O::Rotate270FlipH);
    let (width, height) = if turned { (h, w) } else { (w, h) };
    let finer = keep.filter(|_| factor > 1).map(|b| Finer { bytes: b.clone(), factor, width, height });
    Ok(Portrait { image, path: None, finer })
}

/// A picture with transparency (a cut-out from another tool) as it shows on a white page:
/// dropping the alpha would show whatever colour the transparent pixels happen to store,
/// often black, as the person's background.
fn on_white(rgba: &image::RgbaImage) -> RgbImage {
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let over = |c: u8| ((c as u32 * a as u32 + 255 * (255 - a as u32) + 127) / 255) as u8;
        image::Rgb([over(r), over(g), over(b)])
    })
}

/// What the segment walk found in a JPEG.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JpegLayout {
    /// The end-of-image marker was reached.
    pub complete: bool,
    /// A sequential (not progressive) frame.
    pub sequential: bool,
    /// Start-of-scan segments seen.
    pub scans: u32,
}

/// Does the JPEG reach its end-of-image marker?
pub fn jpeg_is_complete(b: &[u8]) -> bool {
    jpeg_layout(b).complete
}

/// Walk a JPEG's segments (skipping their lengths, so bytes inside EXIF or ICC blocks are never
/// mistaken for markers) and its entropy-coded scans, up to the end-of-image marker.
pub fn jpeg_layout(b: &[u8]) -> JpegLayout {
    let mut out = JpegLayout::default();
    let n = b.len();
    if n < 4 || b[0] != 0xFF || b[1] != 0xD8 {
        return out;
    }
    let mut i = 2;
    loop {
        // Fill bytes before a marker.
        while i < n && b[i] == 0xFF && i + 1 < n && b[i + 1] == 0xFF {
            i += 1;
        }
        if i + 1 >= n || b[i] != 0xFF {
            return out;
        }
        let m = b[i + 1];
        match m {
            0xD9 => {
                out.complete = true;
                return out;
            }
            0x01 | 0xD0..=0xD7 => {
                i += 2;
                continue;
            }
            0xC0 | 0xC1 => out.sequential = true,
            0xDA => out.scans += 1,
            _ => {}
        }
        if i + 3 >= n {
            return out;
        }
        let len = u16::from_be_bytes([b[i + 2], b[i + 3]]) as usize;
        i += 2 + len;
        if m == 0xDA {
            // Entropy-coded data: a marker is 0xFF followed by anything but 0x00 or a restart.
            loop {
                if i + 1 >= n {
                    return out;
                }
                if b[i] == 0xFF && b[i + 1] != 0x00 && !(0xD0..=0xD7).contains(&b[i + 1]) {
                    break;
                }
                i += 1;
            }
        }
    }
}

/// A sequential JPEG coded in several scans (one per component: what encoders write when they
/// fit Huffman tables to the image) comes out of zune-jpeg 0.5.15, the `image` crate's decoder,
/// with wrong colours and no error (a green face, seen with 4:2:0). jpeg-decoder reads such
/// files right, so they go to it; everything else stays with zune-jpeg (equally fast, and
/// what `image` is tested with).
/// It also decodes at 1/2, 1/4 or 1/8 size (`factor`) for [`decode_photo_reduced`].
fn decode_jpeg_with(bytes: &[u8], factor: u32) -> Result<RgbImage, PhotoError> {
    use jpeg_decoder::PixelFormat;
    let mut d = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    d.set_max_decoding_buffer_size((MAX_PIXELS * 4) as usize);
    if factor > 1 {
        let info = d.read_info().ok().and(d.info()).ok_or_else(|| PhotoError::Corrupt("no frame header".into()))?;
        let (w, h) = (info.width.div_ceil(factor as u16), info.height.div_ceil(factor as u16));
        d.scale(w, h).map_err(|e| PhotoError::Corrupt(e.to_string()))?;
    }
    let px = d.decode().map_err(|e| PhotoError::Corrupt(e.to_string()))?;
    let info = d.info().ok_or_else(|| PhotoError::Corrupt("no frame header".into()))?;
    let (w, h) = (info.width as u32, info.height as u32);
    let rgb = match info.pixel_format {
        PixelFormat::RGB24 => px,
        PixelFormat::L8 => px.iter().flat_map(|&l| [l, l, l]).collect(),
        // jpeg-decoder gives more than 8 bits only for lossless JPEGs, as native-endian samples
        // of the frame's precision (which it does not report): no photo of ours, refused plainly.
        PixelFormat::L16 => {
            return Err(PhotoError::Corrupt(
                "a lossless greyscale JPEG of more than 8 bits: save it as an ordinary JPEG".into(),
            ));
        }
        PixelFormat::CMYK32 => {
            return Err(PhotoError::Corrupt("a CMYK JPEG coded in separate scans: save it as RGB".into()));
        }
    };
    RgbImage::from_raw(w, h, rgb).ok_or_else(|| PhotoError::Corrupt("pixel data shorter than the image".into()))
}

/// A photo as a phone camera writes it, for benchmarks: `img` scaled to `w × h` (CatmullRom),
/// with sensor-like noise (σ ≈ 2.8 levels, fixed seed) so the file has a real photo's detail
/// and size (a smooth upscale would decode twice as fast as any real 12 MP photo), 4:2:0, q92.
pub fn camera_like_jpeg(img: &RgbImage, w: u32, h: u32) -> Result<Vec<u8>, String> {
    let mut big = image::imageops::resize(img, w, h, image::imageops::FilterType::CatmullRom);
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for v in big.iter_mut() {
        // xorshift64: two uniform draws summed give a triangular noise in −6..=6 (σ ≈ 2.8 levels).
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let n = (state % 7) as i16 + ((state >> 8) % 7) as i16 - 6;
        *v = (*v as i16 + n).clamp(0, 255) as u8;
    }
    let (Ok(w16), Ok(h16)) = (u16::try_from(w), u16::try_from(h)) else {
        return Err(format!("{w}×{h} px is too large for JPEG"));
    };
    let mut out = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut out, 92);
    enc.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
    enc.encode(big.as_raw(), w16, h16, jpeg_encoder::ColorType::Rgb).map_err(|e| e.to_string())?;
    Ok(out)
}

fn classify(e: image::ImageError) -> PhotoError {
    use image::ImageError as E;
    match e {
        E::Limits(l) => PhotoError::Corrupt(format!("the image needs more memory than allowed: {l}")),
        E::Unsupported(_) => PhotoError::NotAnImage,
        E::IoError(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => PhotoError::Truncated,
        other => PhotoError::Corrupt(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageBuffer, ImageEncoder, Luma, Rgb};

    fn png(img: &DynamicImage) -> Vec<u8> {
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
        out
    }

    #[test]
    fn non_images_and_empty_files_are_refused_clearly() {
        assert!(matches!(decode_photo(b""), Err(PhotoError::EmptyFile)));
        assert!(matches!(decode_photo(b"hello, this is text"), Err(PhotoError::NotAnImage)));
    }

    #[test]
    fn truncated_files_are_reported_as_damaged() {
        let img = DynamicImage::ImageRgb8(ImageBuffer::from_fn(64, 64, |x, y| Rgb([x as u8 * 4, y as u8 * 4, 9])));
        let mut jpg = Vec::new();
        img.write_to(&mut Cursor::new(&mut jpg), image::ImageFormat::Jpeg).unwrap();
        assert!(jpeg_is_complete(&jpg));
        for cut in [jpg.len() / 2, jpg.len() - 2, jpg.len() - 1, 300] {
            let e = decode_photo(&jpg[..cut]);
            assert!(matches!(e, Err(PhotoError::Corrupt(_) | PhotoError::Truncated)), "cut at {cut}: {e:?}");
        }
        let cut_png = png(&img);
        let e = decode_photo(&cut_png[..cut_png.len() / 3]);
        assert!(matches!(e, Err(PhotoError::Corrupt(_) | PhotoError::Truncated)), "{e:?}");
    }

    #[test]
    fn jpegs_coded_in_one_scan_per_component_keep_their_colours() {
        // jpeg-encoder writes one scan per component when it fits Huffman tables to the image.
        let src: RgbImage = ImageBuffer::from_fn(96, 80, |x, y| Rgb([200 + (x % 50) as u8, 150 + (y % 60) as u8, 120]));
        let mut jpg = Vec::new();
        let mut enc = jpeg_encoder::Encoder::new(&mut jpg, 92);
        enc.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
        enc.set_optimized_huffman_tables(true);
        enc.encode(src.as_raw(), 96, 80, jpeg_encoder::ColorType::Rgb).unwrap();
        let layout = jpeg_layout(&jpg);
        assert!(layout.complete && layout.sequential && layout.scans == 3, "{layout:?}");
        let got = decode_photo(&jpg).unwrap().image;
        let worst = src.pixels().zip(got.pixels()).flat_map(|(a, b)| (0..3).map(move |c| a[c].abs_diff(b[c]))).max();
        assert!(worst.unwrap() <= 24, "largest channel error {worst:?}");
        // The usual layout, one interleaved scan, stays with the image crate's decoder.
        let mut one = Vec::new();
        DynamicImage::ImageRgb8(src).write_to(&mut Cursor::new(&mut one), ImageFormat::Jpeg).unwrap();
        assert_eq!(jpeg_layout(&one).scans, 1);
    }

    #[test]
    fn sixteen_bit_and_grey_images_become_rgb8() {
        let g16: ImageBuffer<Luma<u16>, Vec<u16>> = ImageBuffer::from_pixel(5, 4, Luma([65535]));
        let p = decode_photo(&png(&DynamicImage::ImageLuma16(g16))).unwrap();
        assert_eq!((p.width(), p.height()), (5, 4));
        assert_eq!(p.image.get_pixel(0, 0).0, [255, 255, 255]);
    }

    #[test]
    fn transparent_pixels_are_white_not_their_stored_colour() {
        let rgba = image::RgbaImage::from_fn(4, 2, |x, _| match x {
            0 => image::Rgba([0, 0, 0, 0]),
            1 => image::Rgba([0, 0, 0, 128]),
            _ => image::Rgba([200, 100, 50, 255]),
        });
        let p = decode_photo(&png(&DynamicImage::ImageRgba8(rgba))).unwrap();
        assert_eq!(p.image.get_pixel(0, 0).0, [255, 255, 255]);
        assert_eq!(p.image.get_pixel(1, 0).0, [127, 127, 127]);
        assert_eq!(p.image.get_pixel(3, 1).0, [200, 100, 50]);
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut c = !0u32;
        for &b in data {
            c ^= b as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            }
        }
        !c
    }

    #[test]
    fn decompression_bombs_are_refused_before_decoding() {
        // A PNG header claiming 20 000 × 20 000 px: refused from the header alone.
        let mut out = Vec::new();
        let enc = image::codecs::png::PngEncoder::new(&mut out);
        let row = vec![0u8; 20_000];
        // Write a tiny real image, then patch the IHDR size fields (bytes 16..24).
        enc.write_image(&row[..4], 2, 2, image::ExtendedColorType::L8).unwrap();
        out[16..20].copy_from_slice(&20_000u32.to_be_bytes());
        out[20..24].copy_from_slice(&20_000u32.to_be_bytes());
        // Keep the header valid: recompute the IHDR chunk's CRC over type + data (bytes 12..29).
        let crc = crc32(&out[12..29]);
        out[29..33].copy_from_slice(&crc.to_be_bytes());
        let e = decode_photo(&out).unwrap_err();
        assert!(matches!(e, PhotoError::TooLarge { w: 20_000, h: 20_000 }), "{e:?}");
        assert!(e.to_string().contains("20000×20000 pixels"), "{e}");
    }
}
