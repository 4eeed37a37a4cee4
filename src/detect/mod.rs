//! Detect: faces, the 468-point mesh of the main face, the person mask, and from them the
//! landmarks every later stage uses (pupils, chin, top of head).

pub mod blendshapes;
pub mod chin;
pub mod deconv;
pub mod depthwise;
#[cfg(target_arch = "x86_64")]
mod depthwise_fma;
pub mod face;
pub mod head_top;
pub mod landmarks;
pub mod maxpool;
pub mod mesh;
pub mod models;
pub mod planes;
pub mod pointwise;
pub mod pose;
pub mod runtime;
pub mod segment;
pub mod track;

pub use face::Detection;
pub use landmarks::{HeadTop, Landmarks};
pub use mesh::Mesh;
pub use models::Models;
pub use track::{Step, Tracker};

use crate::pixels::{PlacedMap, Pyramid};

#[derive(Debug, Clone, thiserror::Error)]
pub enum VisionError {
    #[error("face model failed: {0}")]
    Model(String),
}

/// How much work to do: a still photo gets every model and two mesh passes; a live frame
/// gets the short-range detector and one mesh pass, no segmentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effort {
    Still,
    Live,
}

/// The main face with everything known about it.
#[derive(Debug, Clone)]
pub struct Face {
    pub detection: Detection,
    pub mesh: Mesh,
    pub landmarks: Landmarks,
    /// Expression coefficients (None only where no model ran).
    pub blendshapes: Option<blendshapes::Blendshapes>,
}

/// What detection found in one photo.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub width: u32,
    pub height: u32,
    /// Every face that counts (score and size above the spec's floor), largest first.
    pub faces: Vec<Detection>,
    /// The largest face, analysed.
    pub main: Option<Face>,
    /// Person probability around the main face's head and shoulders.
    pub mask: Option<PlacedMap>,
}

#[derive(Debug, Clone, Copy)]
pub struct DetectOptions {
    pub min_score: f32,
    /// Floor for the full-range detector (stills only).
    pub far_min_score: f32,
    /// A further face counts when its width is at least this share of the main face's.
    pub second_face_min_size: f64,
    pub effort: Effort,
}

/// Run the detection stage on a photo.
pub fn analyse(photo: &Pyramid, opts: &DetectOptions) -> Result<Analysis, VisionError> {
    let models = Models::get()?;
    let still = opts.effort == Effort::Still;
    // Independent models run side by side (two cores): tract gains nothing from threads
    // inside these small nets, so parallelism comes from running stages concurrently. The
    // full-range net (small or distant faces: group photos, people in the background; stills
    // only) is the slowest; the main face is nearly always the short-range net's widest, so
    // its mesh and mask start beside the full-range net instead of after it.
    let (near, far) = rayon::join(
        || -> Result<_, VisionError> {
            let near = face::detect(&models.short_range, photo, opts.min_score)?;
            // The first of equally wide faces, as the sort below keeps them.
            let widest = near.iter().reduce(|a, b| if b.width() > a.width() { b } else { a }).cloned();
            let parts = widest.map(|d| main_parts(models, photo, &d, still).map(|p| (d, p))).transpose()?;
            Ok((near, parts))
        },
        || if still { face::detect(&models.full_range, photo, opts.far_min_score) } else { Ok(Vec::new()) },
    );
    let (near, early) = near?;
    let mut faces = face::merge(near, far?);
    faces.sort_by(|a, b| b.width().total_cmp(&a.width()));
    let main_w = faces.first().map_or(0.0, |f| f.width());
    faces.retain(|f| f.width() >= main_w * opts.second_face_min_size);
    let mut out = Analysis { width: photo.width(), height: photo.height(), faces, main: None, mask: None };
    let Some(det) = out.faces.first().cloned() else { return Ok(out) };
    // The full-range net found a wider face the short-range one missed: analyse that one.
    let ((m, mirrored), mask) = match early {
        Some((d, parts)) if d.rect == det.rect => parts,
        _ => main_parts(models, photo, &det, still)?,
    };
    let mut lm = landmarks::from_mesh(&m, mirrored.as_ref(), photo);
    // The head top (from the mask) and the expression (from the mesh and pupils) are independent.
    let (head_top, blend) = rayon::join(
        || mask.as_ref().map(|mask| head_top::find(mask, &lm, Some(photo))),
        || blendshapes::estimate(&m, &lm),
    );
    if let Some(top) = head_top {
        lm.head_top = top;
    }
    out.mask = mask;
    out.main = Some(Face { detection: det, mesh: m, landmarks: lm, blendshapes: Some(blend?) });
    Ok(out)
}

/// The main face's meshes (on a still: a second, tighter pass and its mirror image) and, on a
/// still, the person mask around its head and shoulders, side by side.
type MainParts = ((Mesh, Option<Mesh>), Option<PlacedMap>);
fn main_parts(models: &Models, photo: &Pyramid, det: &Detection, still: bool) -> Result<MainParts, VisionError> {
    let meshes = || -> Result<(Mesh, Option<Mesh>), VisionError> {
        let first = mesh::run(&models.mesh, photo, mesh::Roi::from_detection(det))?;
        if !still {
            return Ok((first, None));
        }
        // A second pass on the crop the first mesh defines is tighter and better aligned; its
        // mirror image gives an independent second estimate of the midline points.
        let roi = mesh::Roi::from_mesh(&first);
        let (m, mirrored) =
            rayon::join(|| mesh::run(&models.mesh, photo, roi), || mesh::run_mirrored(&models.mesh, photo, roi));
        Ok((m?, Some(mirrored?)))
    };
    // The head-and-shoulders region only needs the detector's eyes, so the mask is computed
    // beside the mesh passes.
    let region = segment::head_region(det.keypoints[0], det.keypoints[1]);
    let mask = || if still { segment::person_mask(&models.segmenter, photo, region).map(Some) } else { Ok(None) };
    let (meshes, mask) = rayon::join(meshes, mask);
    Ok((meshes?, mask?))
}
