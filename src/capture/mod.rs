//! Capture: where a portrait comes from (a photo file here; the camera's frame sources live
//! beside it). Produces a [`Portrait`]: upright 8-bit RGB pixels, whatever the file was.

#[cfg(feature = "camera")]
pub mod camera;
pub mod frames;
pub mod photo;

pub use photo::{PhotoError, Portrait, decode_photo, decode_photo_reduced, load_photo, open_photo};
