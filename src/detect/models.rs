//! The face models, embedded in the binary (ONNX converted from MediaPipe, Apache-2.0; see
//! assets/models/README.md) and run fully offline by tract or, when it is installed,
//! onnxruntime (`runtime.rs`). Loaded once per process.

use std::sync::OnceLock;

use tract_onnx::prelude::Framework;

use super::VisionError;
pub use super::runtime::Outputs;
use super::runtime::{Engine, Onnxruntime, Runtime};

const SHORT_RANGE: &[u8] = include_bytes!("../../assets/models/face_detection_short_range.onnx");
const FULL_RANGE: &[u8] = include_bytes!("../../assets/models/face_detection_full_range.onnx");
const FACE_MESH: &[u8] = include_bytes!("../../assets/models/face_landmark.onnx");
const SELFIE_SEG: &[u8] = include_bytes!("../../assets/models/selfie_segmentation.onnx");
const BLENDSHAPES: &[u8] = include_bytes!("../../assets/models/face_blendshapes.onnx");

/// One model with one fixed float input.
pub struct Model {
    pub name: &'static str,
    /// The input's shape.
    pub shape: Vec<usize>,
    engine: Engine,
}

impl Model {
    fn load(runtime: Runtime, name: &'static str, bytes: &[u8], shape: Vec<usize>) -> Result<Model, String> {
        let engine = Engine::load(runtime, bytes, &shape).map_err(|e| format!("{name}: {e}"))?;
        Ok(Model { name, shape, engine })
    }

    fn fail(&self, e: impl std::fmt::Display) -> VisionError {
        VisionError::Model(format!("{}: {e}", self.name))
    }

    /// Run on one input of `shape`'s size.
    pub fn run(&self, input: Vec<f32>) -> Result<Outputs, VisionError> {
        let n: usize = self.shape.iter().product();
        if input.len() != n {
            return Err(self.fail(format!("input of {} values for {:?}", input.len(), self.shape)));
        }
        self.engine.run(&self.shape, input).map_err(|e| self.fail(e))
    }
}

/// One network with a fixed NHWC float input (as the caller sees it).
pub struct Net {
    pub name: &'static str,
    pub side: usize,
    /// Set when the model takes its first convolution's patches instead of the image.
    patches: Option<Patches>,
    model: Model,
}

/// The geometry of a patch ("im2col") input: tools/models/rewrite.py turns each model's first
/// convolution into a 1×1 convolution of these, which tract runs much faster than its own
/// gather. Stored in the model's metadata under `idbooth.patches`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize)]
pub struct Patches {
    pub image: [usize; 2],
    pub kernel: [usize; 2],
    pub stride: [usize; 2],
    /// Top, left, bottom, right (zeros).
    pub pads: [usize; 4],
}

impl Patches {
    pub fn out_size(&self) -> (usize, usize) {
        let [h, w] = self.image;
        let [pt, pl, pb, pr] = self.pads;
        ((h + pt + pb - self.kernel[0]) / self.stride[0] + 1, (w + pl + pr - self.kernel[1]) / self.stride[1] + 1)
    }

    /// The patches of an `image[0] × image[1] × 3` NHWC buffer as the `[3·kh·kw, ho, wo]`
    /// planar tensor the model reads: channel `c·kh·kw + ky·kw + kx` at output `(oy, ox)` is
    /// image pixel `(oy·sy + ky − pt, ox·sx + kx − pl)`, channel `c`, or 0 outside the image.
    pub fn gather(&self, img: &[f32]) -> Vec<f32> {
        let [h, w] = self.image;
        let [kh, kw] = self.kernel;
        let [sy, sx] = self.stride;
        let (pt, pl) = (self.pads[0], self.pads[1]);
        let (ho, wo) = self.out_size();
        let mut out = vec![0f32; 3 * kh * kw * ho * wo];
        // Each image row split once by channel and by column phase (x mod sx): a patch
        // plane's row is then a run of one phase, copied whole (reading the interleaved
        // pixels with a stride for each of the kh·kw planes cost four times as much).
        debug_assert_eq!(img.len(), 3 * w * h, "an image of the wrong size");
        let len = w.div_ceil(sx);
        let mut phases = vec![0f32; 3 * sx * h * len];
        for (y, row) in img.chunks_exact(3 * w).take(h).enumerate() {
            for (c, q) in (0..3).flat_map(|c| (0..sx).map(move |q| (c, q))) {
                let dst = &mut phases[((c * sx + q) * h + y) * len..][..len];
                // (An image narrower than the stride has no column of phase q.)
                let from = row.get(3 * q + c..).unwrap_or_default();
                for (d, &v) in dst.iter_mut().zip(from.iter().step_by(3 * sx)) {
                    *d = v;
                }
            }
        }
        for (plane, dst) in out.chunks_exact_mut(ho * wo).enumerate() {
            let (c, ky, kx) = (plane / (kh * kw), plane / kw % kh, plane % kw);
            // The output columns whose tap lies inside the image (x = ox·sx + kx − pl in 0..w),
            // found once so that the copy itself has no per-pixel test; the rest stay 0.
            let lo = pl.saturating_sub(kx).div_ceil(sx);
            let hi = (w + pl).saturating_sub(kx).div_ceil(sx).min(wo);
            if lo >= hi {
                continue;
            }
            // Column lo·sx + kx − pl and those sx apart: one phase, from index `first` on.
            let x0 = lo * sx + kx - pl;
            let (q, first) = (x0 % sx, x0 / sx);
            for (oy, row) in dst.chunks_exact_mut(wo).enumerate() {
                let Some(y) = (oy * sy + ky).checked_sub(pt).filter(|&y| y < h) else { continue };
                row[lo..hi].copy_from_slice(&phases[((c * sx + q) * h + y) * len + first..][..hi - lo]);
            }
        }
        out
    }
}

impl Net {
    fn load(runtime: Runtime, name: &'static str, bytes: &[u8], side: usize) -> Result<Net, String> {
        let proto = tract_onnx::onnx().proto_model_for_read(&mut &bytes[..]).map_err(|e| format!("{name}: {e}"))?;
        let patches = match proto.metadata_props.iter().find(|p| p.key == "idbooth.patches") {
            Some(p) => Some(serde_json::from_str::<Patches>(&p.value).map_err(|e| format!("{name}: {e}"))?),
            None => None,
        };
        let shape = match patches {
            Some(p) => {
                if p.image != [side, side] {
                    return Err(format!("{name}: patch geometry for {:?}, not {side}²", p.image));
                }
                let (ho, wo) = p.out_size();
                vec![1, 3 * p.kernel[0] * p.kernel[1], ho, wo]
            }
            None => vec![1, side, side, 3],
        };
        Ok(Net { name, side, patches, model: Model::load(runtime, name, bytes, shape)? })
    }

    /// The `side × side × 3` NHWC buffer as the model's input: as it is (no copy), or its patches.
    fn input(&self, input: Vec<f32>) -> Result<Vec<f32>, VisionError> {
        if input.len() != self.side * self.side * 3 {
            return Err(self.model.fail(format!("input of {} values for {}² × 3", input.len(), self.side)));
        }
        Ok(match &self.patches {
            Some(p) => p.gather(&input),
            None => input,
        })
    }

    /// Run on a `side × side × 3` NHWC buffer.
    pub fn run(&self, input: Vec<f32>) -> Result<Outputs, VisionError> {
        self.model.run(self.input(input)?)
    }

    /// Run once and time every operation of the optimised plan: (operation, milliseconds),
    /// in plan order; None on onnxruntime. For `idbooth bench`; not used by the pipeline.
    pub fn profile(&self, input: Vec<f32>) -> Result<Option<Vec<(String, f64)>>, VisionError> {
        self.model.engine.profile(&self.model.shape, self.input(input)?).map_err(|e| self.model.fail(e))
    }
}

pub struct Models {
    pub short_range: Net,
    pub full_range: Net,
    pub mesh: Net,
    pub segmenter: Net,
    /// The expression model (input `[1, 146, 2]`, mesh points in pixels; `blendshapes.rs`).
    pub blendshapes: Model,
    /// What runs them, for logs and `idbooth bench`: "tract 0.23.9" or "onnxruntime 1.32.0 (path)".
    pub runtime: String,
}

static MODELS: OnceLock<Result<Models, String>> = OnceLock::new();

impl Models {
    /// The process-wide models, loaded on first use (≈ a few hundred ms), on onnxruntime when
    /// it is found and every model commits in it, else on tract (`runtime.rs`).
    pub fn get() -> Result<&'static Models, VisionError> {
        MODELS.get_or_init(Models::load_preferred).as_ref().map_err(|e| VisionError::Model(e.clone()))
    }

    fn load_preferred() -> Result<Models, String> {
        if Runtime::preferred() == Runtime::Onnxruntime {
            match Models::load(Runtime::Onnxruntime) {
                Ok(m) => {
                    tracing::info!("face models run on {}", m.runtime);
                    return Ok(m);
                }
                // Loud when onnxruntime was asked for or found; quiet when it is simply absent.
                Err(e) if std::env::var_os("IDBOOTH_RUNTIME").is_some() || !super::runtime::candidates().is_empty() => {
                    tracing::warn!("face models run on tract: onnxruntime not used: {e}")
                }
                Err(e) => tracing::info!("face models run on tract: onnxruntime not used: {e}"),
            }
        }
        Models::load(Runtime::Tract)
    }

    /// Every model on `runtime` (not the process-wide set: for tests and comparisons).
    pub fn load(runtime: Runtime) -> Result<Models, String> {
        let label = match runtime {
            Runtime::Tract => "tract 0.23.9".to_string(),
            Runtime::Onnxruntime => {
                let o = Onnxruntime::get()?;
                format!("onnxruntime {} ({})", o.version, o.path.display())
            }
        };
        Ok(Models {
            short_range: Net::load(runtime, "face_detection_short_range", SHORT_RANGE, 128)?,
            full_range: Net::load(runtime, "face_detection_full_range", FULL_RANGE, 192)?,
            mesh: Net::load(runtime, "face_landmark", FACE_MESH, 192)?,
            segmenter: Net::load(runtime, "selfie_segmentation", SELFIE_SEG, 256)?,
            blendshapes: Model::load(runtime, "face_blendshapes", BLENDSHAPES, vec![1, 146, 2])?,
            runtime: label,
        })
    }

    /// The four image nets.
    pub fn nets(&self) -> [&Net; 4] {
        [&self.short_range, &self.full_range, &self.mesh, &self.segmenter]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patches_follow_the_convolution_geometry() {
        // 4×4 image, 3×3 kernel, stride 2, padding 0 top/left and 1 bottom/right (as the mesh).
        let p = Patches { image: [4, 4], kernel: [3, 3], stride: [2, 2], pads: [0, 0, 1, 1] };
        assert_eq!(p.out_size(), (2, 2));
        let img: Vec<f32> = (0..4 * 4 * 3).map(|i| i as f32).collect();
        let px = |y: usize, x: usize, c: usize| img[(y * 4 + x) * 3 + c];
        let out = p.gather(&img);
        assert_eq!(out.len(), 27 * 4);
        let at = |c: usize, ky: usize, kx: usize, oy: usize, ox: usize| out[((c * 9 + ky * 3 + kx) * 2 + oy) * 2 + ox];
        assert_eq!(at(0, 0, 0, 0, 0), px(0, 0, 0));
        assert_eq!(at(2, 1, 2, 1, 0), px(3, 2, 2));
        // Bottom-right padding reads zeros.
        assert_eq!(at(1, 2, 2, 1, 1), 0.0);
        assert_eq!(at(1, 1, 1, 1, 1), px(3, 3, 1));
    }

    /// Against the definition, pixel by pixel, for geometries with padding on every side.
    #[test]
    fn patches_match_a_plain_gather_with_padding_on_every_side() {
        for (image, kernel, stride, pads) in [
            ([5, 7], [3, 3], [2, 2], [1, 1, 1, 1]),
            ([6, 4], [5, 3], [1, 2], [2, 0, 2, 1]),
            ([4, 9], [2, 4], [2, 3], [0, 3, 1, 0]),
        ] {
            let p = Patches { image, kernel, stride, pads };
            let [h, w] = image;
            let img: Vec<f32> = (0..h * w * 3).map(|i| i as f32 + 1.0).collect();
            let out = p.gather(&img);
            let (ho, wo) = p.out_size();
            for c in 0..3 {
                for ky in 0..kernel[0] {
                    for kx in 0..kernel[1] {
                        for oy in 0..ho {
                            for ox in 0..wo {
                                let (y, x) = (
                                    (oy * stride[0] + ky) as isize - pads[0] as isize,
                                    (ox * stride[1] + kx) as isize - pads[1] as isize,
                                );
                                let want = if (0..h as isize).contains(&y) && (0..w as isize).contains(&x) {
                                    img[(y as usize * w + x as usize) * 3 + c]
                                } else {
                                    0.0
                                };
                                let plane = (c * kernel[0] + ky) * kernel[1] + kx;
                                assert_eq!(
                                    out[(plane * ho + oy) * wo + ox],
                                    want,
                                    "{image:?} {kernel:?} {stride:?} {pads:?}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn every_model_loads_and_takes_the_image_it_was_made_for() {
        let m = Models::get().unwrap();
        for net in m.nets() {
            let out = net.run(vec![0.5; net.side * net.side * 3]).unwrap();
            assert!(!out.is_empty() && out.iter().all(|(_, v)| v.iter().all(|x| x.is_finite())), "{}", net.name);
            assert!(net.run(vec![0.5; 12]).is_err());
        }
    }
}

/// tract and onnxruntime side by side on real inputs (the bundled portrait as the pipeline
/// samples it). Skipped, saying so, when no onnxruntime library is found (and
/// `IDBOOTH_EXPECT_ONNXRUNTIME` is not set).
#[cfg(test)]
mod runtimes {
    use super::*;
    use crate::detect::{blendshapes, face, landmarks, mesh, segment};
    use crate::pixels::Pyramid;

    const PORTRAIT: &[u8] = include_bytes!("../../assets/samples/grace_hopper.jpg");

    fn both() -> Option<(Models, Models)> {
        let ort = match Models::load(Runtime::Onnxruntime) {
            Ok(m) => m,
            // CI installs the library and sets this, so there the comparison cannot be skipped.
            Err(e) if std::env::var_os("IDBOOTH_EXPECT_ONNXRUNTIME").is_some() => {
                panic!("IDBOOTH_EXPECT_ONNXRUNTIME is set but onnxruntime did not load: {e}")
            }
            Err(e) => {
                eprintln!("onnxruntime not available, tract vs onnxruntime comparison SKIPPED: {e}");
                return None;
            }
        };
        eprintln!("comparing tract with {}", ort.runtime);
        Some((Models::load(Runtime::Tract).unwrap(), ort))
    }

    /// Largest |a − b| over the output's range (max − min of tract's values, at least 1).
    fn rel_diff(a: &Outputs, b: &Outputs) -> f64 {
        assert_eq!(a.len(), b.len());
        let mut worst = 0f64;
        for ((sa, va), (sb, vb)) in a.iter().zip(b) {
            assert_eq!(sa, sb);
            let (lo, hi) = va.iter().fold((f32::MAX, f32::MIN), |(l, h), &v| (l.min(v), h.max(v)));
            let range = f64::from(hi - lo).max(1.0);
            let d = va.iter().zip(vb).map(|(x, y)| f64::from((x - y).abs())).fold(0.0, f64::max);
            worst = worst.max(d / range);
        }
        worst
    }

    fn pick<'a>(m: &'a Models, which: &str) -> &'a Net {
        match which {
            "short" => &m.short_range,
            "full" => &m.full_range,
            "mesh" => &m.mesh,
            _ => &m.segmenter,
        }
    }

    #[test]
    fn onnxruntime_gives_tracts_numbers() {
        let Some((tract, ort)) = both() else { return };
        let p = crate::capture::decode_photo(PORTRAIT).unwrap();
        let photo = Pyramid::new(p.image, 32);
        let (w, h) = (photo.width() as f64, photo.height() as f64);
        let mut inputs: Vec<(&str, Vec<f32>)> = Vec::new();
        for (name, side) in [("short", 128usize), ("full", 192)] {
            let f = w.max(h) / side as f64;
            let to = crate::geometry::Similarity {
                scale: f,
                angle: 0.0,
                tx: (w - side as f64 * f) / 2.0,
                ty: (h - side as f64 * f) / 2.0,
            };
            inputs.push((name, photo.sample_tensor(&to, side, side, -1.0, 1.0, Some(0.0))));
        }
        let det = face::detect(&tract.short_range, &photo, 0.5).unwrap().remove(0);
        let roi = mesh::Roi::from_detection(&det);
        inputs.push(("mesh", photo.sample_tensor(&roi.to_photo(192), 192, 192, 0.0, 1.0, None)));
        let region = segment::head_region(det.keypoints[0], det.keypoints[1]);
        let to =
            crate::geometry::Similarity { scale: region.side / 256.0, angle: 0.0, tx: region.left, ty: region.top };
        inputs.push(("segmenter", photo.sample_tensor(&to, 256, 256, 0.0, 1.0, None)));
        // Random-ish input too (a fixed LCG), where nothing is smooth.
        let mut seed = 12345u64;
        let mut noise = |n: usize| -> Vec<f32> {
            (0..n)
                .map(|_| {
                    seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    (seed >> 40) as f32 / (1u64 << 24) as f32
                })
                .collect()
        };
        inputs.push(("mesh", noise(192 * 192 * 3)));
        for (which, input) in inputs {
            let a = pick(&tract, which).run(input.clone()).unwrap();
            let b = pick(&ort, which).run(input).unwrap();
            let d = rel_diff(&a, &b);
            eprintln!("{:<28} max |tract − onnxruntime| / range = {d:.2e}", pick(&tract, which).name);
            assert!(d < 1e-3, "{which}: {d}");
        }
        // The expression model on the real mesh's points, and the whole mesh through both.
        let mt = mesh::run(&tract.mesh, &photo, roi).unwrap();
        let mo = mesh::run(&ort.mesh, &photo, roi).unwrap();
        let worst = (0..mesh::POINTS).map(|i| mt.p(i).dist(mo.p(i))).fold(0.0, f64::max);
        eprintln!("mesh points: worst distance {worst:.2e} px");
        assert!(worst < 0.01, "{worst}");
        let lm = landmarks::from_mesh(&mt, None, &photo);
        let pts = blendshapes::input_points(&mt, &lm);
        let input: Vec<f32> = blendshapes::SUBSET.iter().flat_map(|&i| [pts[i].x as f32, pts[i].y as f32]).collect();
        let d = rel_diff(&tract.blendshapes.run(input.clone()).unwrap(), &ort.blendshapes.run(input).unwrap());
        eprintln!("face_blendshapes             max |tract − onnxruntime| / range = {d:.2e}");
        assert!(d < 1e-3, "blendshapes: {d}");
    }

    #[test]
    fn onnxruntime_sessions_run_side_by_side_under_rayon() {
        let Some((_, ort)) = both() else { return };
        let input =
            |k: usize| -> Vec<f32> { (0..192 * 192 * 3).map(|i| ((i * 7 + k * 13) % 255) as f32 / 255.0).collect() };
        let alone: Vec<Outputs> = (0..6).map(|k| ort.mesh.run(input(k)).unwrap()).collect();
        // More concurrent runs than sessions, nested joins as in the still pipeline.
        use rayon::prelude::*;
        let together: Vec<Outputs> = (0..48)
            .into_par_iter()
            .map(|k| {
                let (a, _) = rayon::join(
                    || ort.mesh.run(input(k % 6)).unwrap(),
                    || ort.short_range.run(vec![0.1; 128 * 128 * 3]),
                );
                a
            })
            .collect();
        for (k, out) in together.iter().enumerate() {
            assert_eq!(out, &alone[k % 6], "run {k}");
        }
    }
}
