//! The webcam through nokhwa (V4L2 on Linux, AVFoundation, Media Foundation), behind
//! [`FrameSource`]. Always asks for an explicit format; every failure becomes a
//! [`CaptureError`] the app can show.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, sync_channel};

use nokhwa::Camera;
use nokhwa::NokhwaError;
use nokhwa::pixel_format::RgbFormat;
use nokhwa::utils::{ApiBackend, CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType};

use super::frames::{CaptureError, Frame, FrameSource};

/// A camera the system lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CameraDevice {
    pub index: u32,
    pub name: String,
}

/// Resolutions offered in the camera menu (the closest the camera has is used).
pub const RESOLUTIONS: &[(u32, u32)] = &[(640, 480), (1280, 720), (1920, 1080)];

/// The cameras on this machine; empty when there is none.
pub fn list_cameras() -> Result<Vec<CameraDevice>, CaptureError> {
    let backend = nokhwa::native_api_backend().unwrap_or(ApiBackend::Auto);
    let list = nokhwa::query(backend).map_err(map_error)?;
    Ok(list
        .iter()
        .filter_map(|c| match c.index() {
            CameraIndex::Index(i) => Some(CameraDevice { index: *i, name: c.human_name() }),
            CameraIndex::String(_) => None,
        })
        .collect())
}

/// A camera, driven by a thread of its own (nokhwa's `Camera` must stay on the thread that
/// opened it); frames come through a one-slot channel.
pub struct CameraSource {
    frames: Receiver<Result<image::RgbImage, CaptureError>>,
    stop: Arc<AtomicBool>,
    seq: u64,
    desc: String,
}

impl CameraSource {
    /// Open camera `index` at the format closest to `width`×`height` MJPEG 30 fps.
    pub fn open(index: u32, width: u32, height: u32) -> Result<CameraSource, CaptureError> {
        let (open_tx, open_rx) = sync_channel::<Result<String, CaptureError>>(1);
        let (tx, rx) = sync_channel(1);
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        std::thread::Builder::new()
            .name("idbooth-nokhwa".into())
            .spawn(move || {
                let mut camera = match open_camera(index, width, height) {
                    Ok((camera, desc)) => {
                        let _ = open_tx.send(Ok(desc));
                        camera
                    }
                    Err(e) => {
                        let _ = open_tx.send(Err(e));
                        return;
                    }
                };
                while !stop2.load(Ordering::Relaxed) {
                    let frame = grab(&mut camera);
                    let failed = frame.is_err();
                    if tx.send(frame).is_err() || failed {
                        break;
                    }
                }
                let _ = camera.stop_stream();
            })
            .map_err(|e| CaptureError::Other(e.to_string()))?;
        let desc = open_rx.recv().map_err(|_| CaptureError::Other("camera thread ended".into()))??;
        Ok(CameraSource { frames: rx, stop, seq: 0, desc })
    }
}

fn open_camera(index: u32, width: u32, height: u32) -> Result<(Camera, String), CaptureError> {
    let wanted = CameraFormat::new_from(width, height, FrameFormat::MJPEG, 30);
    let request = RequestedFormat::new::<RgbFormat>(RequestedFormatType::Closest(wanted));
    let mut camera = Camera::new(CameraIndex::Index(index), request).map_err(map_error)?;
    camera.open_stream().map_err(map_error)?;
    let f = camera.camera_format();
    let desc = format!(
        "{} {}×{} {} fps",
        camera.info().human_name(),
        f.resolution().width(),
        f.resolution().height(),
        f.frame_rate()
    );
    Ok((camera, desc))
}

fn grab(camera: &mut Camera) -> Result<image::RgbImage, CaptureError> {
    let buffer = camera.frame().map_err(|e| match e {
        NokhwaError::ReadFrameError(m) => CaptureError::Disconnected(m),
        other => map_error(other),
    })?;
    let decoded = buffer.decode_image::<RgbFormat>().map_err(|e| CaptureError::UnsupportedFormat(e.to_string()))?;
    let (w, h) = decoded.dimensions();
    image::RgbImage::from_raw(w, h, decoded.into_raw())
        .ok_or_else(|| CaptureError::UnsupportedFormat(format!("bad frame {w}×{h}")))
}

impl FrameSource for CameraSource {
    fn next_frame(&mut self) -> Result<Frame, CaptureError> {
        let image = self.frames.recv().map_err(|_| CaptureError::Disconnected("camera thread ended".into()))??;
        self.seq += 1;
        Ok(Frame { image, seq: self.seq })
    }

    fn info(&self) -> String {
        self.desc.clone()
    }
}

impl Drop for CameraSource {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Unblock the camera thread if it waits to hand over a frame.
        while self.frames.try_recv().is_ok() {}
    }
}

fn map_error(e: NokhwaError) -> CaptureError {
    let text = e.to_string();
    let lower = text.to_ascii_lowercase();
    match e {
        _ if lower.contains("busy") || lower.contains("resource temporarily") => CaptureError::Busy(text),
        NokhwaError::OpenDeviceError(..) if lower.contains("no such") || lower.contains("not found") => {
            CaptureError::NoDevice
        }
        NokhwaError::OpenDeviceError(..) | NokhwaError::OpenStreamError(_) => CaptureError::Busy(text),
        NokhwaError::ReadFrameError(_) => CaptureError::Disconnected(text),
        NokhwaError::GetPropertyError { .. }
        | NokhwaError::SetPropertyError { .. }
        | NokhwaError::ProcessFrameError { .. } => CaptureError::UnsupportedFormat(text),
        _ if lower.contains("no such") || lower.contains("not found") => CaptureError::NoDevice,
        _ => CaptureError::Other(text),
    }
}
