//! Photo specifications as data: `assets/specs/*.toml`, one file per spec.
//!
//! Every number carries the ids of its sources (`src`), resolved in the file's `[sources]` table.
//! Thresholds that no authority publishes (pose tolerances, exposure, sharpness …) live in
//! `assets/specs/_defaults.toml` with the booth's own reasoning as their source; a spec file may
//! override any of them. Geometry may be given in pixels or millimetres; millimetres are converted
//! to output pixels at the spec's dpi when the spec is loaded, so the rest of the code sees pixels.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Specs compiled into the binary, so the app works from any directory.
const BUILTIN: &[(&str, &str)] = &[
    ("cn-exit-entry.toml", include_str!("../assets/specs/cn-exit-entry.toml")),
    ("cn-resident-id.toml", include_str!("../assets/specs/cn-resident-id.toml")),
    ("cn-social-security.toml", include_str!("../assets/specs/cn-social-security.toml")),
    ("icao-35x45.toml", include_str!("../assets/specs/icao-35x45.toml")),
    ("us-2x2.toml", include_str!("../assets/specs/us-2x2.toml")),
    ("uk-passport.toml", include_str!("../assets/specs/uk-passport.toml")),
    ("schengen-visa.toml", include_str!("../assets/specs/schengen-visa.toml")),
    ("jp-passport.toml", include_str!("../assets/specs/jp-passport.toml")),
    ("cn-travel-document.toml", include_str!("../assets/specs/cn-travel-document.toml")),
    ("cn-2inch.toml", include_str!("../assets/specs/cn-2inch.toml")),
    ("kr-passport.toml", include_str!("../assets/specs/kr-passport.toml")),
    ("ca-passport.toml", include_str!("../assets/specs/ca-passport.toml")),
    ("in-passport.toml", include_str!("../assets/specs/in-passport.toml")),
];
const DEFAULTS: &str = include_str!("../assets/specs/_defaults.toml");

/// The spec used when none is chosen.
pub const DEFAULT_SPEC: &str = "cn-exit-entry";

#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("spec file {file}: {msg}")]
    Invalid { file: String, msg: String },
    #[error("no spec with id '{0}' (run `idbooth specs` to list them)")]
    Unknown(String),
    #[error("cannot read spec folder {0}: {1}")]
    Io(PathBuf, std::io::Error),
}

/// A number or range with its sources. `min`/`max` bound a pass; `warn_below`/`warn_above`
/// mark the part of the pass band that deserves a warning.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    pub value: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub warn_below: Option<f64>,
    pub warn_above: Option<f64>,
    #[serde(default)]
    pub src: Vec<String>,
    pub note: Option<String>,
}

impl Limit {
    /// Middle of the band, the crop solver's target. Open bands use their one bound.
    pub fn middle(&self) -> Option<f64> {
        match (self.min, self.max, self.value) {
            (Some(a), Some(b), _) => Some((a + b) / 2.0),
            (_, _, Some(v)) => Some(v),
            (Some(a), None, _) => Some(a),
            (None, Some(b), _) => Some(b),
            _ => None,
        }
    }
    /// Half the band's width; `None` for open or single-valued bands.
    pub fn half_width(&self) -> Option<f64> {
        Some((self.max? - self.min?) / 2.0)
    }
    pub fn contains(&self, v: f64) -> bool {
        self.min.is_none_or(|m| v >= m) && self.max.is_none_or(|m| v <= m)
    }
    fn scaled(&self, k: f64) -> Limit {
        let s = |o: Option<f64>| o.map(|v| v * k);
        Limit {
            value: s(self.value),
            min: s(self.min),
            max: s(self.max),
            warn_below: s(self.warn_below),
            warn_above: s(self.warn_above),
            src: self.src.clone(),
            note: self.note.clone(),
        }
    }
    fn number(&self) -> Option<f64> {
        self.value.or(self.min).or(self.max)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub title: String,
    pub url: Option<String>,
    pub publisher: Option<String>,
    pub date: Option<String>,
    /// official | official-repost | secondary | commercial | derived | booth-policy
    pub kind: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageSpec {
    pub width_px: Limit,
    pub height_px: Limit,
    pub dpi: Limit,
    pub print_width_mm: Option<Limit>,
    pub print_height_mm: Option<Limit>,
    /// File size window in KB as published. The sources never say whether a KB is 1000 or 1024
    /// bytes, so an export meets both readings: at least `min × 1024`, at most `max × 1000`
    /// bytes (`export::size_window`).
    pub file_size_kb: Option<Limit>,
    /// Quality the authority names, if any: used when no file-size window is given (with a
    /// window, the highest quality that fits is searched instead).
    pub jpeg_quality: Option<Limit>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackgroundColor {
    /// Stable name used on the command line and in reports: white, light-blue, light-grey …
    pub name: String,
    pub name_zh: Option<String>,
    pub rgb: [u8; 3],
    #[serde(default)]
    pub src: Vec<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackgroundSpec {
    pub colors: Vec<BackgroundColor>,
    /// May the booth replace the background? Some authorities forbid any edit.
    pub replace_allowed: Limit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Crown {
    /// Top of the hair (头顶发迹): Chinese pixel specs, Japan.
    Hair,
    /// Natural top of the skull: ICAO "crown".
    Skull,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unit {
    Px,
    Mm,
}

/// Framing bands on the output image. After loading, every band is in output pixels.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Geometry {
    pub unit: Unit,
    pub crown: Crown,
    /// Chin to crown.
    pub head_height: Option<Limit>,
    /// Chin to crown as a fraction of the image height (ICAO 70–80 %); converted to
    /// `head_height` on load when that is absent.
    pub head_height_ratio: Option<Limit>,
    /// Cheek to cheek.
    pub face_width: Option<Limit>,
    pub inter_pupil: Option<Limit>,
    /// Inter-pupil distance as a fraction of the image width.
    pub inter_pupil_ratio: Option<Limit>,
    pub eye_line_from_top: Option<Limit>,
    pub eye_line_from_bottom: Option<Limit>,
    pub crown_margin: Option<Limit>,
    pub chin_margin: Option<Limit>,
    /// Horizontal position of the midpoint between the pupils, from the left edge.
    pub eye_mid_from_left: Option<Limit>,
    /// Largest allowed horizontal offset of the face centre from the image centre.
    pub centering: Option<Limit>,
    /// Top of the hair (whatever `crown` is) to the top edge. Where the crown is the skull, this
    /// is what keeps the hair inside the frame; where it is the hair, `crown_margin` is the same
    /// measure. Filled with "inside the frame" (min 0) when the spec bounds the top otherwise not.
    pub hair_margin: Option<Limit>,
    /// Measures that win when the bands cannot all be met, e.g. ["inter_pupil", "head_height"].
    #[serde(default)]
    pub priority: Vec<String>,
}

/// Pose tolerances, in degrees (absolute value).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pose {
    pub yaw_deg: Limit,
    pub pitch_deg: Limit,
    pub roll_deg: Limit,
    /// The crop levels the eyes by at most this much; a larger tilt fails `roll`.
    pub max_roll_correction_deg: Limit,
}

/// Thresholds no authority publishes numerically; defaults in `_defaults.toml`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quality {
    /// Output pixels per source pixel: warn when enlarging, fail past the max.
    pub upscale: Limit,
    /// A second detection counts as a face when its width is at least this fraction of the main face's.
    pub second_face_min_size: Limit,
    pub face_detection_score: Limit,
    /// The full-range detector (small, distant faces) is trusted only above this score.
    pub far_face_detection_score: Limit,
    pub eye_openness: Limit,
    pub mouth_opening: Limit,
    pub smile: Limit,
    pub mouth_corner_lift: Limit,
    /// Median face-skin lightness L* (0–100): only extremes, since skin tones differ.
    pub face_lightness: Limit,
    /// Brightest 1 % of the photo (L*): a well-exposed booth photo reaches near white.
    pub highlights: Limit,
    /// Share of face pixels clipped to black or white, in %.
    pub face_clipped_pct: Limit,
    /// |log2| of the luminance ratio of the face's two halves, in stops.
    pub face_side_ratio: Limit,
    /// The darkest face region below the face's level (after the side gradient), in stops.
    pub face_shadow: Limit,
    /// Specular hot spots on the face skin, in %.
    pub face_reflection_pct: Limit,
    /// Expression model coefficients (0–1): blink, open jaw, smile, any other expression.
    pub eye_blink: Limit,
    pub jaw_open: Limit,
    pub smile_score: Limit,
    pub expression_other: Limit,
    /// 1 where clear glasses may be worn (tinted lenses and glare still fail), 0 where not.
    pub glasses_allowed: Limit,
    /// Line contrast of a frame across the nose bridge (L*): above `max` glasses are worn,
    /// between `warn_above` and `max` a person looks.
    pub glasses_bridge: Limit,
    /// Skin under the eyes darker than the cheeks, in stops (tinted lenses).
    pub glasses_tint: Limit,
    /// Glare on the lenses, in % of the lens area.
    pub lens_glare_pct: Limit,
    /// Top of the head's colour beyond hair hues, in L*a*b* units.
    pub headwear_hue: Limit,
    /// Lightness spread of the top of the head (L*, p90 − p10): caps made of dark and light parts.
    pub headwear_spread: Limit,
    /// Skin share of the ear regions, the band above the brows and the upper lids.
    pub ears_skin: Limit,
    pub brows_skin: Limit,
    pub lids_skin: Limit,
    /// Jewel-like spots below the ears and on the neck, in (0.05 IPD)² units; only specs that
    /// forbid jewellery set it (the rule is left out elsewhere).
    pub jewellery_spots: Option<Limit>,
    /// CIE76 ΔE between the clothing and the background the photo will have (specs that ask
    /// for clothing distinct from the background).
    #[serde(default)]
    pub clothing_contrast: Option<Limit>,
    /// Spread of background lightness (std dev of L*), plus max local gradient.
    pub background_lightness_spread: Limit,
    /// CIEDE76 distance of the mean background colour from the nearest allowed colour.
    pub background_color_delta_e: Limit,
    /// Normalised Laplacian energy of the face at output scale.
    pub sharpness: Limit,
    /// Median chroma (C*) of the face skin: a colour photo.
    pub face_chroma: Limit,
    /// Mask height above the skull, in inter-pupil distances (hats, very tall hair).
    pub headwear_excess: Limit,
}

/// How the output frame may be composed from the source.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComposeSpec {
    /// Largest strip at the bottom of the frame (fraction of its height) that may be filled by
    /// extending the photo's bottom edge (shirt), when the photo ends just below the shoulders.
    pub bottom_fill: Limit,
    /// Largest white-balance change per channel (fraction, linear light).
    pub white_balance_gain: Limit,
    /// Largest global exposure increase, in stops.
    pub exposure_ev: Limit,
}

/// The live preview's guidance: how far from the target framing a warning waits (fractions of
/// the output frame), and how often a live frame is segmented to judge the background.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiveGuidance {
    /// Head height outside its band by more than this fraction: "come closer" / "move back".
    pub head_size_slack: Limit,
    /// Eye line outside its band by more than this fraction of the frame height: "move up/down".
    pub eye_line_slack: Limit,
    /// Face centre off the midline by more than this fraction of the frame width (or the
    /// spec's centering band, whichever is wider): "move left/right".
    pub centre_slack: Limit,
    /// Every this many live analyses, one is segmented to judge the background.
    pub background_every: Limit,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    pub schema: u32,
    pub id: String,
    pub name_en: String,
    pub name_zh: String,
    #[serde(default)]
    pub documents: Vec<String>,
    /// Sort key in lists (lower first).
    #[serde(default)]
    pub order: i32,
    /// What the applicant should know that no rule measures (shown beside the checklist).
    #[serde(default)]
    pub notes: Vec<String>,
    /// The same notes in Chinese, one for one.
    #[serde(default)]
    pub notes_zh: Vec<String>,
    pub image: ImageSpec,
    pub background: BackgroundSpec,
    pub geometry: Geometry,
    pub pose: Pose,
    pub quality: Quality,
    pub compose: ComposeSpec,
    pub live: LiveGuidance,
    pub sources: BTreeMap<String, Source>,
}

impl Spec {
    pub fn width(&self) -> u32 {
        self.image.width_px.number().unwrap_or(0.0).round() as u32
    }
    pub fn height(&self) -> u32 {
        self.image.height_px.number().unwrap_or(0.0).round() as u32
    }
    pub fn dpi(&self) -> u32 {
        self.image.dpi.number().unwrap_or(300.0).round() as u32
    }
    pub fn name(&self, lang: crate::Lang) -> &str {
        match lang {
            crate::Lang::Zh => &self.name_zh,
            crate::Lang::En => &self.name_en,
        }
    }
    /// The notes in `lang` (English where the Chinese ones are missing).
    pub fn notes(&self, lang: crate::Lang) -> &[String] {
        match lang {
            crate::Lang::Zh if self.notes_zh.len() == self.notes.len() => &self.notes_zh,
            _ => &self.notes,
        }
    }
    pub fn background_color(&self, name: &str) -> Option<&BackgroundColor> {
        self.background.colors.iter().find(|c| c.name == name)
    }
    /// May clear glasses be worn? (Habitual glasses are even required for the ID card.)
    pub fn glasses_allowed(&self) -> bool {
        self.quality.glasses_allowed.value.unwrap_or(0.0) > 0.0
    }
    /// Does the spec's authority forbid earrings, necklaces and hair clips?
    pub fn forbids_jewellery(&self) -> bool {
        self.quality.jewellery_spots.is_some()
    }
    /// May the booth replace the background?
    pub fn replace_allowed(&self) -> bool {
        self.background.replace_allowed.value.unwrap_or(0.0) > 0.0
    }
    /// How much of the frame's height may be filled below the photo's bottom edge (the
    /// clothing's last rows extended). None where the authority forbids software alteration
    /// (`replace_allowed = 0` records exactly that): pixels the camera never saw are an
    /// alteration as much as a new background is.
    pub fn bottom_fill_max(&self) -> f64 {
        if !self.replace_allowed() {
            return 0.0;
        }
        self.compose.bottom_fill.max.unwrap_or(0.0).clamp(0.0, 0.25)
    }
    /// The allowed colour nearest to a CIE L*a*b* colour, and its CIE76 distance.
    pub fn nearest_background(&self, lab: [f64; 3]) -> Option<(&BackgroundColor, f64)> {
        let lab = lab.map(|v| v as f32);
        self.background
            .colors
            .iter()
            .map(|c| (c, crate::pixels::delta_e(lab, crate::pixels::lab(c.rgb)) as f64))
            .min_by(|a, b| a.1.total_cmp(&b.1))
    }

    /// Parse one spec file (with the defaults merged under it) and normalise it to pixels.
    pub fn parse(file: &str, text: &str) -> Result<Spec, SpecError> {
        let invalid = |msg: String| SpecError::Invalid { file: file.to_string(), msg };
        let mut merged: toml::Table = DEFAULTS.parse().map_err(|e| invalid(format!("defaults: {e}")))?;
        let own: toml::Table = text.parse().map_err(|e| invalid(format!("{e}")))?;
        merge(&mut merged, own);
        let mut spec: Spec = merged.try_into().map_err(|e| invalid(format!("{e}")))?;
        spec.normalise().map_err(invalid)?;
        Ok(spec)
    }

    fn normalise(&mut self) -> Result<(), String> {
        if self.schema != 1 {
            return Err(format!("schema {} is not supported (expected 1)", self.schema));
        }
        let (w, h) = (self.width(), self.height());
        if !(16..=10_000).contains(&w) || !(16..=10_000).contains(&h) {
            return Err(format!("image size {w}x{h} px is not plausible"));
        }
        if self.background.colors.is_empty() {
            return Err("background.colors is empty".into());
        }
        let g = &mut self.geometry;
        if g.unit == Unit::Mm {
            let k = self.image.dpi.number().ok_or("image.dpi is required for mm geometry")? / 25.4;
            for l in [
                &mut g.head_height,
                &mut g.face_width,
                &mut g.inter_pupil,
                &mut g.eye_line_from_top,
                &mut g.eye_line_from_bottom,
                &mut g.crown_margin,
                &mut g.chin_margin,
                &mut g.eye_mid_from_left,
                &mut g.centering,
                &mut g.hair_margin,
            ] {
                if let Some(v) = l.as_mut() {
                    *v = v.scaled(k);
                }
            }
            g.unit = Unit::Px;
        }
        if g.head_height.is_none() {
            g.head_height = g.head_height_ratio.as_ref().map(|r| r.scaled(h as f64));
        }
        if g.inter_pupil.is_none() {
            g.inter_pupil = g.inter_pupil_ratio.as_ref().map(|r| r.scaled(w as f64));
        }
        // The whole head stays in the frame on every spec: where the file's bands do not already
        // keep the hair top or the chin inside, "inside the frame" becomes their band, so the crop
        // keeps them there and a rule checks it.
        let inside = || Limit { min: Some(0.0), src: vec!["booth-head-inside".into()], ..Default::default() };
        let hair_top = match g.crown {
            Crown::Hair => g.crown_margin.as_ref().or(g.hair_margin.as_ref()),
            Crown::Skull => g.hair_margin.as_ref(),
        };
        let top_kept = hair_top.is_some_and(|l| l.min.is_some());
        // With the crown at the hair, the chin is at most (top's max + head's max) from the top.
        let lowest_chin = match g.crown {
            Crown::Hair => hair_top.and_then(|t| Some(t.max? + g.head_height.as_ref()?.max?)),
            Crown::Skull => None,
        };
        if !top_kept && g.hair_margin.is_none() {
            g.hair_margin = Some(inside());
        }
        if g.chin_margin.is_none() && lowest_chin.is_none_or(|y| y > h as f64) {
            g.chin_margin = Some(inside());
        }
        if let Some(e) = &g.eye_mid_from_left
            && (e.min.zip(e.max).is_none_or(|(a, b)| (a + b - w as f64).abs() > 1.0))
        {
            return Err(
                "geometry.eye_mid_from_left must be a band centred on the image (it is judged as centring)".into()
            );
        }
        // Every src id must resolve: a number without a findable source is a bug in the file.
        for src in self.all_source_ids() {
            if !self.sources.contains_key(&src) {
                return Err(format!("source id '{src}' is not in [sources]"));
            }
        }
        Ok(())
    }

    fn all_source_ids(&self) -> Vec<String> {
        let v = serde_json::to_value(self).unwrap_or_default();
        let mut out = Vec::new();
        collect_src(&v, &mut out);
        out.sort();
        out.dedup();
        out
    }
}

fn collect_src(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                if k == "src" {
                    if let Some(a) = x.as_array() {
                        out.extend(a.iter().filter_map(|s| s.as_str().map(String::from)));
                    }
                } else if k != "sources" {
                    collect_src(x, out);
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_src(x, out)),
        _ => {}
    }
}

/// Deep-merge `over` into `base`: tables merge key by key, anything else replaces.
fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

/// All known specs: the built-in ones, then any `*.toml` in the user's spec folders
/// (a file with a built-in id replaces it).
#[derive(Debug, Clone)]
pub struct SpecBook {
    specs: Vec<Spec>,
    /// Files that failed to load: shown to the user, never fatal.
    pub problems: Vec<String>,
}

impl SpecBook {
    pub fn builtin() -> SpecBook {
        let mut book = SpecBook { specs: Vec::new(), problems: Vec::new() };
        for (file, text) in BUILTIN {
            match Spec::parse(file, text) {
                Ok(s) => book.insert(s),
                Err(e) => book.problems.push(e.to_string()),
            }
        }
        book
    }

    /// Built-ins plus the folders in `IDBOOTH_SPECS` (colon-separated) and the user's config
    /// folder (`~/.config/idbooth/specs`).
    pub fn load() -> SpecBook {
        let mut book = Self::builtin();
        for dir in user_spec_dirs() {
            if dir.is_dir()
                && let Err(e) = book.add_dir(&dir)
            {
                book.problems.push(e.to_string());
            }
        }
        book
    }

    pub fn add_dir(&mut self, dir: &Path) -> Result<(), SpecError> {
        let rd = std::fs::read_dir(dir).map_err(|e| SpecError::Io(dir.into(), e))?;
        let mut files: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .filter(|p| !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('_')))
            .collect();
        files.sort();
        for p in files {
            let name = p.display().to_string();
            match std::fs::read_to_string(&p) {
                Ok(text) => match Spec::parse(&name, &text) {
                    Ok(s) => self.insert(s),
                    Err(e) => self.problems.push(e.to_string()),
                },
                Err(e) => self.problems.push(format!("{name}: {e}")),
            }
        }
        Ok(())
    }

    fn insert(&mut self, spec: Spec) {
        self.specs.retain(|s| s.id != spec.id);
        self.specs.push(spec);
        self.specs.sort_by(|a, b| (a.order, &a.id).cmp(&(b.order, &b.id)));
    }

    pub fn all(&self) -> &[Spec] {
        &self.specs
    }

    pub fn get(&self, id: &str) -> Result<&Spec, SpecError> {
        self.specs.iter().find(|s| s.id == id).ok_or_else(|| SpecError::Unknown(id.to_string()))
    }

    /// Whether a photo made to `spec` may be labelled as for `document` (an id the summary
    /// records): the spec names the document, or no spec does (the booth's generic ids such
    /// as "visa" and "other", which `booth` lists). A document another spec names is photographed
    /// to that spec: a resident-ID label on an exit-entry photo would send the wrong photo.
    pub fn document_fit(&self, spec: &Spec, document: &str, booth: &[&str]) -> DocumentFit {
        if spec.documents.iter().any(|d| d == document) {
            return DocumentFit::Fits;
        }
        let others: Vec<String> =
            self.specs.iter().filter(|s| s.documents.iter().any(|d| d == document)).map(|s| s.id.clone()).collect();
        match (others.is_empty(), booth.contains(&document)) {
            (false, _) => DocumentFit::OtherSpec(others),
            (true, true) => DocumentFit::Fits,
            (true, false) => DocumentFit::Unknown,
        }
    }

    /// Every document id the booth accepts: `booth`'s and those the specs name, once each.
    pub fn document_ids(&self, booth: &[&str]) -> Vec<String> {
        let mut ids: Vec<String> = booth.iter().map(|d| d.to_string()).collect();
        for d in self.specs.iter().flat_map(|s| s.documents.iter()) {
            if !ids.contains(d) {
                ids.push(d.clone());
            }
        }
        ids
    }
}

/// The answer of `SpecBook::document_fit`.
#[derive(Debug, Clone, PartialEq)]
pub enum DocumentFit {
    Fits,
    /// The document is photographed to these specs, not to the one chosen.
    OtherSpec(Vec<String>),
    /// Neither a spec nor the booth's own list names it.
    Unknown,
}

fn user_spec_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> =
        std::env::var_os("IDBOOTH_SPECS").map(|v| std::env::split_paths(&v).collect()).unwrap_or_default();
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")));
    if let Some(c) = config {
        dirs.push(c.join("idbooth").join("specs"));
    }
    dirs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_spec_loads() {
        let book = SpecBook::builtin();
        assert!(book.problems.is_empty(), "{:?}", book.problems);
        assert_eq!(book.all().len(), BUILTIN.len());
        assert_eq!(book.all()[0].id, DEFAULT_SPEC);
    }

    /// The window shows a spec's notes in its language: a Chinese note for every English one.
    #[test]
    fn every_spec_has_its_notes_in_both_languages() {
        for s in SpecBook::builtin().all() {
            assert!(!s.notes.is_empty(), "{}: no notes", s.id);
            assert_eq!(s.notes_zh.len(), s.notes.len(), "{}: notes_zh", s.id);
            assert!(s.notes_zh.iter().all(|n| n.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))), "{}", s.id);
            assert_eq!(s.notes(crate::Lang::Zh), &s.notes_zh[..]);
        }
    }

    #[test]
    fn a_document_goes_with_the_spec_it_is_photographed_to() {
        let book = SpecBook::builtin();
        let booth = ["passport", "resident-id-card", "visa", "other"];
        let (exit, us) = (book.get("cn-exit-entry").unwrap(), book.get("us-2x2").unwrap());
        assert_eq!(book.document_fit(exit, "hk-macau-permit", &booth), DocumentFit::Fits);
        assert_eq!(
            book.document_fit(exit, "resident-id-card", &booth),
            DocumentFit::OtherSpec(vec!["cn-resident-id".into()])
        );
        // "passport" is the Chinese one (the ICAO spec is for any machine-readable document).
        let DocumentFit::OtherSpec(specs) = book.document_fit(us, "passport", &booth) else { panic!() };
        assert_eq!(specs, ["cn-exit-entry"]);
        assert_eq!(book.document_fit(us, "other", &booth), DocumentFit::Fits, "no spec names it");
        assert_eq!(book.document_fit(us, "idcard", &booth), DocumentFit::Unknown);
        let ids = book.document_ids(&booth);
        assert!(ids.starts_with(&["passport".to_string()]) && ids.contains(&"us-visa".to_string()));
        assert_eq!(ids.iter().filter(|d| *d == "passport").count(), 1);
    }

    #[test]
    fn exit_entry_numbers_match_the_published_pixels() {
        let book = SpecBook::builtin();
        let s = book.get("cn-exit-entry").unwrap();
        assert_eq!((s.width(), s.height(), s.dpi()), (390, 567, 300));
        let g = &s.geometry;
        let hh = g.head_height.as_ref().unwrap();
        assert_eq!((hh.min, hh.max), (Some(354.0), Some(402.0)));
        let fw = g.face_width.as_ref().unwrap();
        assert_eq!((fw.min, fw.max), (Some(189.0), Some(283.0)));
        let ip = g.inter_pupil.as_ref().unwrap();
        assert_eq!((ip.min, ip.max), (Some(82.0), Some(118.0)));
        let el = g.eye_line_from_top.as_ref().unwrap();
        assert_eq!((el.min, el.max), (Some(152.0), Some(246.0)));
        let cm = g.crown_margin.as_ref().unwrap();
        assert_eq!((cm.min, cm.max), (Some(25.0), Some(45.0)));
        let kb = s.image.file_size_kb.as_ref().unwrap();
        assert_eq!((kb.min, kb.max), (Some(20.0), Some(80.0)));
        assert_eq!(s.background_color("light-blue").unwrap().rgb, [100, 197, 255]);
    }

    #[test]
    fn mm_geometry_is_converted_at_the_spec_dpi() {
        let text = BUILTIN[0].1.replace("unit = \"px\"", "unit = \"mm\"");
        let s = Spec::parse("t.toml", &text).unwrap();
        // 354 "mm" at 300 dpi → 354 / 25.4 * 300 px.
        let hh = s.geometry.head_height.unwrap();
        assert!((hh.min.unwrap() - 354.0 / 25.4 * 300.0).abs() < 1e-9);
    }

    #[test]
    fn every_spec_keeps_the_hair_top_and_the_chin_inside_the_frame() {
        for s in SpecBook::builtin().all() {
            let g = &s.geometry;
            let top = g.hair_margin.as_ref().or(g.crown_margin.as_ref().filter(|_| g.crown == Crown::Hair));
            assert!(top.and_then(|l| l.min).is_some_and(|m| m >= 0.0), "{}: hair top unbounded", s.id);
            let chin = g.chin_margin.as_ref().and_then(|l| l.min).is_some_and(|m| m >= 0.0)
                || top
                    .and_then(|t| Some(t.max? + g.head_height.as_ref()?.max?))
                    .is_some_and(|y| y <= s.height() as f64);
            assert!(chin, "{}: chin unbounded", s.id);
        }
    }

    #[test]
    fn missing_head_bands_become_inside_the_frame_and_mm_bands_are_scaled() {
        let book = SpecBook::builtin();
        // 0.1 in = 2.54 mm = 30 px at 300 dpi.
        let us = book.get("us-2x2").unwrap();
        assert!((us.geometry.hair_margin.as_ref().unwrap().min.unwrap() - 30.0).abs() < 1e-9);
        // The US bands already keep the chin inside (hair top ≤ 105 px, head ≤ 412.5 px): no rule added.
        assert!(us.geometry.chin_margin.is_none());
        let icao = book.get("icao-35x45").unwrap();
        let bare: String = BUILTIN
            .iter()
            .find(|(f, _)| *f == "icao-35x45.toml")
            .unwrap()
            .1
            .lines()
            .filter(|l| !l.starts_with("hair_margin") && !l.starts_with("chin_margin"))
            .map(|l| format!("{l}\n"))
            .collect();
        let s = Spec::parse("t.toml", &bare).unwrap();
        for l in [s.geometry.hair_margin.unwrap(), s.geometry.chin_margin.unwrap()] {
            assert_eq!((l.min, l.max, l.src), (Some(0.0), None, vec!["booth-head-inside".to_string()]));
        }
        assert!(icao.geometry.chin_margin.as_ref().unwrap().min.unwrap() > 0.0);
    }

    #[test]
    fn an_eye_window_off_the_centre_is_rejected() {
        let text = BUILTIN.iter().find(|(f, _)| *f == "cn-social-security.toml").unwrap().1;
        assert!(Spec::parse("t.toml", text).is_ok());
        let off =
            text.replace("eye_mid_from_left = { min = 162, max = 196", "eye_mid_from_left = { min = 150, max = 196");
        assert!(matches!(Spec::parse("t.toml", &off), Err(SpecError::Invalid { .. })));
    }

    #[test]
    fn unknown_source_ids_and_fields_are_rejected() {
        let bad_src = BUILTIN[0].1.replacen("src = [\"legacy-digital\"]", "src = [\"nowhere\"]", 1);
        assert!(matches!(Spec::parse("t.toml", &bad_src), Err(SpecError::Invalid { .. })));
        let bad_field = format!("{}\n[geometry.extra]\nx = 1\n", BUILTIN[0].1);
        assert!(Spec::parse("t.toml", &bad_field).is_err());
    }

    #[test]
    fn a_dropped_in_file_replaces_or_adds_a_spec() {
        let dir = std::env::temp_dir().join(format!("idbooth-spec-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let text =
            BUILTIN[0].1.replace("id = \"cn-exit-entry\"", "id = \"my-studio\"").replace("order = 0", "order = 99");
        std::fs::write(dir.join("my-studio.toml"), text).unwrap();
        std::fs::write(dir.join("broken.toml"), "id = 3").unwrap();
        let mut book = SpecBook::builtin();
        book.add_dir(&dir).unwrap();
        assert!(book.get("my-studio").is_ok());
        assert_eq!(book.problems.len(), 1, "{:?}", book.problems);
        std::fs::remove_dir_all(&dir).ok();
    }
}
