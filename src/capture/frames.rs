//! Frame sources for the live preview: the camera (see `camera.rs`), recorded frames for tests
//! and demos, all behind one trait so the live path can be driven without a device.

use std::path::Path;
use std::time::{Duration, Instant};

use image::RgbImage;

/// One picture from a source, upright and not mirrored.
#[derive(Debug, Clone)]
pub struct Frame {
    pub image: RgbImage,
    /// Counts up from 1 for each frame a source delivers.
    pub seq: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaptureError {
    #[error("no camera found")]
    NoDevice,
    #[error("the camera is in use by another program: {0}")]
    Busy(String),
    #[error("the camera was disconnected: {0}")]
    Disconnected(String),
    #[error("the camera does not offer a usable format: {0}")]
    UnsupportedFormat(String),
    #[error("camera error: {0}")]
    Other(String),
    /// A recorded source ran out of frames (and does not loop).
    #[error("no more frames")]
    Ended,
}

/// Where live frames come from. `next_frame` blocks until a frame is there (at the source's
/// own pace); it runs on the camera thread, never on the UI thread.
pub trait FrameSource: Send {
    fn next_frame(&mut self) -> Result<Frame, CaptureError>;
    /// A short description for the status line ("USB camera 1280×720", "12 recorded frames").
    fn info(&self) -> String;
}

/// Frames from memory, in order, looping; paced to `fps` like a camera.
pub struct RecordedFrames {
    frames: Vec<RgbImage>,
    next: usize,
    seq: u64,
    interval: Duration,
    last: Option<Instant>,
    looping: bool,
}

impl RecordedFrames {
    pub fn new(frames: Vec<RgbImage>, fps: f64) -> RecordedFrames {
        let interval = if fps > 0.0 { Duration::from_secs_f64(1.0 / fps) } else { Duration::ZERO };
        RecordedFrames { frames, next: 0, seq: 0, interval, last: None, looping: true }
    }

    /// Play the frames once, then report [`CaptureError::Ended`].
    pub fn once(mut self) -> RecordedFrames {
        self.looping = false;
        self
    }

    /// Every image file in a folder, in name order.
    pub fn from_dir(dir: &Path, fps: f64) -> Result<RecordedFrames, CaptureError> {
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| CaptureError::Other(format!("{}: {e}", dir.display())))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        paths.sort();
        let frames: Vec<RgbImage> =
            paths.iter().filter_map(|p| super::load_photo(p).ok().map(|portrait| portrait.image)).collect();
        if frames.is_empty() {
            return Err(CaptureError::Other(format!("no photos in {}", dir.display())));
        }
        Ok(RecordedFrames::new(frames, fps))
    }

    pub fn len(&self) -> usize {
        self.frames.len()
    }

    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }
}

impl FrameSource for RecordedFrames {
    fn next_frame(&mut self) -> Result<Frame, CaptureError> {
        if self.frames.is_empty() || (!self.looping && self.next >= self.frames.len()) {
            return Err(CaptureError::Ended);
        }
        if let Some(last) = self.last {
            let due = last + self.interval;
            let now = Instant::now();
            if due > now {
                std::thread::sleep(due - now);
            }
        }
        self.last = Some(Instant::now());
        let image = self.frames[self.next % self.frames.len()].clone();
        self.next += 1;
        if self.looping {
            self.next %= self.frames.len();
        }
        self.seq += 1;
        Ok(Frame { image, seq: self.seq })
    }

    fn info(&self) -> String {
        let (w, h) = self.frames.first().map_or((0, 0), |f| f.dimensions());
        format!("{} recorded frame(s) {w}×{h}", self.frames.len())
    }
}

/// Darken (k < 1) or brighten (k > 1) a frame: for tests and demos of the exposure warnings.
pub fn scale_brightness(img: &RgbImage, k: f32) -> RgbImage {
    let mut out = img.clone();
    for p in out.pixels_mut() {
        for c in p.0.iter_mut() {
            *c = (*c as f32 * k).round().clamp(0.0, 255.0) as u8;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_frames_loop_in_order_with_rising_numbers() {
        let a = RgbImage::from_pixel(4, 4, image::Rgb([10, 10, 10]));
        let b = RgbImage::from_pixel(4, 4, image::Rgb([200, 200, 200]));
        let mut s = RecordedFrames::new(vec![a, b], 0.0);
        let got: Vec<_> = (0..5).map(|_| s.next_frame().unwrap()).collect();
        assert_eq!(got.iter().map(|f| f.seq).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
        assert_eq!(got[0].image.get_pixel(0, 0).0[0], 10);
        assert_eq!(got[1].image.get_pixel(0, 0).0[0], 200);
        assert_eq!(got[2].image.get_pixel(0, 0).0[0], 10);
        let mut once = RecordedFrames::new(vec![RgbImage::new(2, 2)], 0.0).once();
        assert!(once.next_frame().is_ok());
        assert_eq!(once.next_frame().unwrap_err(), CaptureError::Ended);
    }
}
