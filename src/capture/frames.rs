//! Frame sources for the live preview: the camera (see `camera.rs`), recorded frames for tests
//! and demos, all behind one trait so the live path can be driven without a device.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

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
    /// A folder of frames (the test camera): looked at again at each loop, so emptying it is
    /// a camera unplugged and new photos in it are what the camera sees next.
    folder: Option<(PathBuf, Listing)>,
    /// When the folder was last listed: at most every [`RELIST`], however short a loop (a
    /// folder of one photo loops at the frame rate).
    listed: Option<Instant>,
}

/// How often a frames folder is listed again.
const RELIST: Duration = Duration::from_millis(500);

/// A folder's files with their modification times, in name order.
type Listing = Vec<(PathBuf, Option<SystemTime>)>;

impl RecordedFrames {
    pub fn new(frames: Vec<RgbImage>, fps: f64) -> RecordedFrames {
        let interval = if fps > 0.0 { Duration::from_secs_f64(1.0 / fps) } else { Duration::ZERO };
        RecordedFrames { frames, next: 0, seq: 0, interval, last: None, looping: true, folder: None, listed: None }
    }

    /// Play the frames once, then report [`CaptureError::Ended`].
    pub fn once(mut self) -> RecordedFrames {
        self.looping = false;
        self
    }

    /// Every image file in a folder, in name order, looping; the folder is looked at again
    /// at each loop (see `folder`).
    pub fn from_dir(dir: &Path, fps: f64) -> Result<RecordedFrames, CaptureError> {
        let listing = list(dir).map_err(|e| CaptureError::Other(format!("{}: {e}", dir.display())))?;
        let frames = load_all(&listing);
        if frames.is_empty() {
            return Err(CaptureError::Other(format!("no photos in {}", dir.display())));
        }
        let folder = Some((dir.to_path_buf(), listing));
        Ok(RecordedFrames { folder, listed: Some(Instant::now()), ..RecordedFrames::new(frames, fps) })
    }

    /// At the start of a loop: the folder's photos again if they changed; an emptied or
    /// vanished folder is a camera that went away.
    fn reread_folder(&mut self) -> Result<(), CaptureError> {
        let Some((dir, old)) = &self.folder else { return Ok(()) };
        if self.listed.is_some_and(|t| t.elapsed() < RELIST) {
            return Ok(());
        }
        self.listed = Some(Instant::now());
        let gone = |why: String| CaptureError::Disconnected(format!("{}: {why}", dir.display()));
        let now = list(dir).map_err(|e| gone(e.to_string()))?;
        if &now == old {
            return Ok(());
        }
        let frames = load_all(&now);
        if frames.is_empty() {
            return Err(gone("no photos left".into()));
        }
        self.frames = frames;
        self.folder = Some((dir.clone(), now));
        Ok(())
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
        if self.next == 0 && self.seq > 0 {
            self.reread_folder()?;
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

fn list(dir: &Path) -> std::io::Result<Listing> {
    let mut files: Listing = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| (e.path(), e.metadata().ok().and_then(|m| m.modified().ok())))
        .collect();
    files.sort();
    Ok(files)
}

/// The photos among the files; the rest (a README, a half-copied file) are passed over.
fn load_all(files: &Listing) -> Vec<RgbImage> {
    files.iter().filter_map(|(p, _)| super::load_photo(p).ok().map(|portrait| portrait.image)).collect()
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

    /// The test camera: a folder emptied is a camera unplugged; new photos are seen next loop.
    #[test]
    fn a_frames_folder_is_looked_at_again_each_loop() {
        let d = tempfile::tempdir().unwrap();
        let put = |name: &str, v: u8| RgbImage::from_pixel(4, 4, image::Rgb([v; 3])).save(d.path().join(name)).unwrap();
        put("a.png", 10);
        put("b.png", 200);
        std::fs::write(d.path().join("notes.txt"), "not a photo").unwrap();
        let mut s = RecordedFrames::from_dir(d.path(), 0.0).unwrap();
        assert_eq!(s.len(), 2);
        let first = |f: Frame| f.image.get_pixel(0, 0).0[0];
        assert_eq!((first(s.next_frame().unwrap()), first(s.next_frame().unwrap())), (10, 200));
        std::fs::remove_file(d.path().join("b.png")).unwrap();
        put("c.png", 90);
        // Within half a second of the last look the loop plays what it has.
        assert_eq!(first(s.next_frame().unwrap()), 10);
        assert_eq!(first(s.next_frame().unwrap()), 200);
        s.listed = None; // as if half a second went by
        assert_eq!(first(s.next_frame().unwrap()), 10);
        assert_eq!(first(s.next_frame().unwrap()), 90);
        for f in ["a.png", "c.png"] {
            std::fs::remove_file(d.path().join(f)).unwrap();
        }
        s.listed = None;
        assert!(matches!(s.next_frame(), Err(CaptureError::Disconnected(_))));
        assert!(RecordedFrames::from_dir(d.path(), 0.0).is_err(), "no camera until photos are back");
    }
}
