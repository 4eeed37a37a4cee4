//! Sheet layouts as data (`assets/layouts/*.toml`, user-extendable like specs) and the solver
//! that places photos on the paper at their true size in millimetres.
//!
//! A layout names the paper, its orientation, margins, gaps, bleed and cut guides; the number
//! of rows and columns is never written down: it follows from the photo's print size. A mixed
//! layout lists blocks of (spec, count), stacked one under the other.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Layouts compiled into the binary.
const BUILTIN: &[(&str, &str)] = &[
    ("6inch.toml", include_str!("../../assets/layouts/6inch.toml")),
    ("5inch.toml", include_str!("../../assets/layouts/5inch.toml")),
    ("a6.toml", include_str!("../../assets/layouts/a6.toml")),
    ("a5.toml", include_str!("../../assets/layouts/a5.toml")),
    ("a4.toml", include_str!("../../assets/layouts/a4.toml")),
    ("6inch-mixed.toml", include_str!("../../assets/layouts/6inch-mixed.toml")),
];

/// The layout used when none is chosen.
pub const DEFAULT_LAYOUT: &str = "6inch";

/// Height of the caption band under a photo (text about 1.8 mm tall, plus air).
pub const CAPTION_MM: f64 = 3.0;
/// Length of a corner tick.
pub const TICK_MM: f64 = 3.0;
/// Distance between a photo's trim edge (plus bleed) and the start of its corner tick.
pub const TICK_OFFSET_MM: f64 = 0.3;
/// Width of cut guides.
pub const GUIDE_WIDTH_MM: f64 = 0.1;
/// Slack for floating-point sums of millimetres.
const EPS: f64 = 1e-6;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum LayoutError {
    #[error("layout file {file}: {msg}")]
    Invalid { file: String, msg: String },
    #[error("no layout with id '{0}' (known: {1})")]
    Unknown(String, String),
    #[error("cannot read layout folder {0}: {1}")]
    Io(PathBuf, String),
    #[error(
        "a {w}×{h} mm photo does not fit on {layout} ({pw}×{ph} mm paper, {m} mm margins): \
         choose larger paper or smaller margins"
    )]
    DoesNotFit { layout: String, w: f64, h: f64, pw: f64, ph: f64, m: f64 },
    #[error(
        "the blocks of {layout} ({what}) do not fit together on {pw}×{ph} mm paper in either \
         orientation: lower the counts"
    )]
    BlocksDoNotFit { layout: String, what: String, pw: f64, ph: f64 },
    #[error("spec '{0}' has no print size in millimetres, so it cannot be printed true to size")]
    NoPrintSize(String),
    #[error("{0}")]
    Request(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Orientation {
    /// Whichever holds more photos (portrait on a tie).
    #[default]
    Auto,
    Portrait,
    Landscape,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Guides {
    None,
    /// Thin cut lines across the sheet, interrupted by the photos.
    Lines,
    /// Short ticks at each photo's corners, in the margins and gaps.
    #[default]
    Ticks,
}

/// One block of a mixed sheet: `count` photos of one spec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Block {
    pub spec: String,
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layout {
    pub id: String,
    pub name_en: String,
    pub name_zh: String,
    /// Paper width and height in mm, either way round (the orientation decides).
    pub paper_mm: [f64; 2],
    #[serde(default)]
    pub orientation: Orientation,
    /// Unprinted border on every side (photos and guides stay inside it).
    #[serde(default)]
    pub margin_mm: f64,
    /// Space between neighbouring photos (trim edge to trim edge).
    #[serde(default)]
    pub gap_mm: f64,
    /// The photo's edge pixels repeated this far past its trim edge, so a slightly-off cut shows
    /// photo, not paper. Lies inside the gaps and margins: gap ≥ 2 × bleed, margin ≥ bleed.
    #[serde(default)]
    pub bleed_mm: f64,
    #[serde(default)]
    pub guides: Guides,
    /// Mixed sheet: blocks of (spec, count). Empty: one photo size fills the sheet.
    #[serde(default)]
    pub blocks: Vec<Block>,
}

/// A rectangle on the sheet, in mm from the top-left corner of the (oriented) paper.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RectMm {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl RectMm {
    pub fn grow(&self, d: f64) -> RectMm {
        RectMm { x: self.x - d, y: self.y - d, w: self.w + 2.0 * d, h: self.h + 2.0 * d }
    }
    pub fn right(&self) -> f64 {
        self.x + self.w
    }
    pub fn bottom(&self) -> f64 {
        self.y + self.h
    }
    pub fn contains(&self, x: f64, y: f64) -> bool {
        x > self.x && x < self.right() && y > self.y && y < self.bottom()
    }
}

/// One photo's place: its trim box at the true print size, and the caption band under it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Slot {
    /// Which request (photo) this slot shows.
    pub item: usize,
    pub trim: RectMm,
    pub caption: Option<RectMm>,
}

/// One page, ready to draw.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PagePlan {
    /// Width and height of the page as printed, mm.
    pub paper_mm: (f64, f64),
    pub landscape: bool,
    pub slots: Vec<Slot>,
    pub bleed_mm: f64,
    pub guides: Guides,
}

/// What to put on the sheet: photos of one print size each, and how many of each.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// Trim size in mm.
    pub size_mm: (f64, f64),
    /// How many copies; `None` fills the sheet.
    pub count: Option<u32>,
}

impl Layout {
    pub fn name(&self, lang: crate::Lang) -> &str {
        match lang {
            crate::Lang::Zh => &self.name_zh,
            crate::Lang::En => &self.name_en,
        }
    }

    pub fn parse(file: &str, text: &str) -> Result<Layout, LayoutError> {
        let invalid = |msg: String| LayoutError::Invalid { file: file.to_string(), msg };
        let l: Layout = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let [w, h] = l.paper_mm;
        if !(20.0..=2000.0).contains(&w) || !(20.0..=2000.0).contains(&h) {
            return Err(invalid(format!("paper {w}×{h} mm is not plausible")));
        }
        for (name, v) in [("margin_mm", l.margin_mm), ("gap_mm", l.gap_mm), ("bleed_mm", l.bleed_mm)] {
            if !(0.0..=50.0).contains(&v) {
                return Err(invalid(format!("{name} = {v} must be between 0 and 50")));
            }
        }
        if l.gap_mm + EPS < 2.0 * l.bleed_mm || l.margin_mm + EPS < l.bleed_mm {
            return Err(invalid("the bleed must fit in the gaps (gap ≥ 2 × bleed) and margins".into()));
        }
        if l.blocks.iter().any(|b| b.count == 0) {
            return Err(invalid("a block with count 0".into()));
        }
        Ok(l)
    }

    /// Paper size for an orientation: (width, height).
    fn paper(&self, landscape: bool) -> (f64, f64) {
        let [a, b] = self.paper_mm;
        let (short, long) = (a.min(b), a.max(b));
        if landscape { (long, short) } else { (short, long) }
    }

    fn orientations(&self) -> &'static [bool] {
        match self.orientation {
            Orientation::Auto => &[false, true],
            Orientation::Portrait => &[false],
            Orientation::Landscape => &[true],
        }
    }

    /// How many photos of `cell` (trim w×h plus caption band) fit per row and column.
    fn grid(&self, landscape: bool, w: f64, h: f64) -> (usize, usize) {
        let (pw, ph) = self.paper(landscape);
        let fit =
            |avail: f64, size: f64| ((avail - 2.0 * self.margin_mm + self.gap_mm + EPS) / (size + self.gap_mm)).floor();
        (fit(pw, w).max(0.0) as usize, fit(ph, h).max(0.0) as usize)
    }

    /// The largest grid of one photo size: (landscape, columns, rows). Portrait wins a tie.
    pub fn capacity(&self, size_mm: (f64, f64), captions: bool) -> Result<(bool, usize, usize), LayoutError> {
        let cell_h = size_mm.1 + caption_band(captions, self.bleed_mm);
        let best = self
            .orientations()
            .iter()
            .map(|&l| {
                let (c, r) = self.grid(l, size_mm.0, cell_h);
                (l, c, r)
            })
            .fold(None::<(bool, usize, usize)>, |b, x| match b {
                Some(b) if b.1 * b.2 >= x.1 * x.2 => Some(b),
                _ => Some(x),
            });
        match best {
            Some(b) if b.1 * b.2 > 0 => Ok(b),
            _ => {
                let (pw, ph) = self.paper(false);
                Err(LayoutError::DoesNotFit {
                    layout: self.id.clone(),
                    w: size_mm.0,
                    h: size_mm.1,
                    pw,
                    ph,
                    m: self.margin_mm,
                })
            }
        }
    }

    /// Pages for photos of one size: each request gets its count (or a full sheet of its own
    /// when the count is `None`), in order, continuing on new pages.
    pub fn plan_grid(&self, requests: &[Request], captions: bool) -> Result<Vec<PagePlan>, LayoutError> {
        let Some(first) = requests.first() else {
            return Err(LayoutError::Request("no photos to place".into()));
        };
        if requests.iter().any(|r| !same_size(r.size_mm, first.size_mm)) {
            return Err(LayoutError::Request(
                "photos of different print sizes need a mixed layout (one with [[blocks]], e.g. 6inch-mixed)".into(),
            ));
        }
        let (landscape, cols, rows) = self.capacity(first.size_mm, captions)?;
        let per_page = cols * rows;
        let band = caption_band(captions, self.bleed_mm);
        let (w, h) = first.size_mm;
        let (pw, ph) = self.paper(landscape);
        let x0 = (pw - (cols as f64 * w + (cols as f64 - 1.0) * self.gap_mm)) / 2.0;
        let y0 = (ph - (rows as f64 * (h + band) + (rows as f64 - 1.0) * self.gap_mm)) / 2.0;
        let place = |i: usize, item: usize| {
            let (r, c) = (i / cols, i % cols);
            let trim =
                RectMm { x: x0 + c as f64 * (w + self.gap_mm), y: y0 + r as f64 * (h + band + self.gap_mm), w, h };
            Slot { item, trim, caption: caption_rect(&trim, captions, self.bleed_mm) }
        };
        let mut pages = Vec::new();
        let mut slots = Vec::new();
        for (item, req) in requests.iter().enumerate() {
            let n = req.count.map_or(per_page, |c| c as usize);
            if n == 0 {
                return Err(LayoutError::Request("copies must be at least 1".into()));
            }
            // A request without a count fills its own sheet.
            if req.count.is_none() && !slots.is_empty() {
                pages.push(std::mem::take(&mut slots));
            }
            for _ in 0..n {
                if slots.len() == per_page {
                    pages.push(std::mem::take(&mut slots));
                }
                slots.push(place(slots.len(), item));
            }
        }
        if !slots.is_empty() {
            pages.push(slots);
        }
        Ok(pages.into_iter().map(|slots| self.page(landscape, slots, captions)).collect())
    }

    /// One page for a mixed layout: block `i` shows request `i`, `count` times, blocks stacked
    /// top to bottom, each centred. The orientation is the first (portrait before landscape)
    /// in which all blocks fit.
    pub fn plan_blocks(&self, requests: &[Request], captions: bool) -> Result<PagePlan, LayoutError> {
        let band = caption_band(captions, self.bleed_mm);
        let what = requests
            .iter()
            .map(|r| format!("{}×{:.0}×{:.0} mm", r.count.unwrap_or(0), r.size_mm.0, r.size_mm.1))
            .collect::<Vec<_>>()
            .join(" + ");
        for &landscape in self.orientations() {
            let (pw, ph) = self.paper(landscape);
            let mut shapes = Vec::new();
            for r in requests {
                let count = r.count.unwrap_or(1).max(1) as usize;
                let (max_cols, _) = self.grid(landscape, r.size_mm.0, r.size_mm.1 + band);
                if max_cols == 0 {
                    shapes.clear();
                    break;
                }
                let cols = count.min(max_cols);
                shapes.push((count, cols, count.div_ceil(cols)));
            }
            if shapes.len() != requests.len() {
                continue;
            }
            let heights: Vec<f64> = requests
                .iter()
                .zip(&shapes)
                .map(|(r, &(_, _, rows))| rows as f64 * (r.size_mm.1 + band) + (rows as f64 - 1.0) * self.gap_mm)
                .collect();
            let total = heights.iter().sum::<f64>() + (heights.len() as f64 - 1.0) * self.gap_mm;
            if total > ph - 2.0 * self.margin_mm + EPS {
                continue;
            }
            let mut y = (ph - total) / 2.0;
            let mut slots = Vec::new();
            for (item, (r, &(count, cols, _))) in requests.iter().zip(&shapes).enumerate() {
                let (w, h) = r.size_mm;
                let x0 = (pw - (cols as f64 * w + (cols as f64 - 1.0) * self.gap_mm)) / 2.0;
                for i in 0..count {
                    let (row, col) = (i / cols, i % cols);
                    let trim = RectMm {
                        x: x0 + col as f64 * (w + self.gap_mm),
                        y: y + row as f64 * (h + band + self.gap_mm),
                        w,
                        h,
                    };
                    slots.push(Slot { item, trim, caption: caption_rect(&trim, captions, self.bleed_mm) });
                }
                y += heights[item] + self.gap_mm;
            }
            return Ok(self.page(landscape, slots, captions));
        }
        let (pw, ph) = self.paper(false);
        Err(LayoutError::BlocksDoNotFit { layout: self.id.clone(), what, pw, ph })
    }

    fn page(&self, landscape: bool, slots: Vec<Slot>, _captions: bool) -> PagePlan {
        PagePlan { paper_mm: self.paper(landscape), landscape, slots, bleed_mm: self.bleed_mm, guides: self.guides }
    }
}

fn same_size(a: (f64, f64), b: (f64, f64)) -> bool {
    (a.0 - b.0).abs() < 0.01 && (a.1 - b.1).abs() < 0.01
}

fn caption_band(captions: bool, bleed: f64) -> f64 {
    if captions { CAPTION_MM + bleed } else { 0.0 }
}

fn caption_rect(trim: &RectMm, captions: bool, bleed: f64) -> Option<RectMm> {
    captions.then(|| RectMm { x: trim.x, y: trim.bottom() + bleed, w: trim.w, h: CAPTION_MM })
}

/// The cut guides of a page as line segments (x1, y1, x2, y2) in mm. They may cross other
/// photos: whoever draws them clips them to the paper outside [`keep_out`].
pub fn guide_segments(page: &PagePlan) -> Vec<[f64; 4]> {
    let (pw, ph) = page.paper_mm;
    let b = page.bleed_mm;
    let mut out = Vec::new();
    match page.guides {
        Guides::None => {}
        Guides::Lines => {
            let mut xs: Vec<f64> = page.slots.iter().flat_map(|s| [s.trim.x, s.trim.right()]).collect();
            let mut ys: Vec<f64> = page.slots.iter().flat_map(|s| [s.trim.y, s.trim.bottom()]).collect();
            for v in [&mut xs, &mut ys] {
                v.sort_by(f64::total_cmp);
                v.dedup_by(|a, b| (*a - *b).abs() < 0.01);
            }
            // Cut as with a guillotine: across the paper at each row's edges, then down each
            // column only as far as its last photo (and caption), not through empty paper.
            let column_end = |x: f64| {
                page.slots
                    .iter()
                    .filter(|s| (s.trim.x - x).abs() < 0.01 || (s.trim.right() - x).abs() < 0.01)
                    .map(|s| s.caption.map_or(s.trim.bottom() + b, |c| c.bottom()))
                    .fold(0.0, f64::max)
            };
            out.extend(xs.iter().map(|&x| [x, 0.0, x, column_end(x)]));
            out.extend(ys.iter().map(|&y| [0.0, y, pw, y]));
        }
        Guides::Ticks => {
            let (o, l) = (b + TICK_OFFSET_MM, TICK_MM);
            for s in &page.slots {
                let t = s.trim;
                for (x, sx) in [(t.x, -1.0), (t.right(), 1.0)] {
                    for (y, sy) in [(t.y, -1.0), (t.bottom(), 1.0)] {
                        out.push([x + sx * o, y, x + sx * (o + l), y]);
                        // Ticks below a photo start under its caption, not beside the text.
                        let ov = if sy > 0.0 { o + s.caption.map_or(0.0, |c| c.h) } else { o };
                        out.push([x, y + sy * ov, x, y + sy * (ov + l)]);
                    }
                }
            }
        }
    }
    // Keep the guides on the printable part of the paper.
    let inner = RectMm { x: 0.0, y: 0.0, w: pw, h: ph };
    out.into_iter().filter_map(|s| clamp_segment(s, &inner)).collect()
}

/// Where guides must not go: every photo with its bleed, and every caption.
pub fn keep_out(page: &PagePlan) -> Vec<RectMm> {
    page.slots.iter().flat_map(|s| std::iter::once(s.trim.grow(page.bleed_mm)).chain(s.caption)).collect()
}

fn clamp_segment([x1, y1, x2, y2]: [f64; 4], r: &RectMm) -> Option<[f64; 4]> {
    let cx = |v: f64| v.clamp(r.x, r.right());
    let cy = |v: f64| v.clamp(r.y, r.bottom());
    let s = [cx(x1), cy(y1), cx(x2), cy(y2)];
    ((s[0] - s[2]).abs() + (s[1] - s[3]).abs() > EPS).then_some(s)
}

/// All known layouts: built-in, then `*.toml` in `IDBOOTH_LAYOUTS` (colon-separated folders)
/// and `~/.config/idbooth/layouts` (a file with a built-in id replaces it).
#[derive(Debug, Clone)]
pub struct LayoutBook {
    layouts: Vec<Layout>,
    /// Files that failed to load: shown to the user, never fatal.
    pub problems: Vec<String>,
}

impl LayoutBook {
    pub fn builtin() -> LayoutBook {
        let mut book = LayoutBook { layouts: Vec::new(), problems: Vec::new() };
        for (file, text) in BUILTIN {
            match Layout::parse(file, text) {
                Ok(l) => book.insert(l),
                Err(e) => book.problems.push(e.to_string()),
            }
        }
        book
    }

    pub fn load() -> LayoutBook {
        let mut book = Self::builtin();
        for dir in user_dirs() {
            if dir.is_dir()
                && let Err(e) = book.add_dir(&dir)
            {
                book.problems.push(e.to_string());
            }
        }
        book
    }

    pub fn add_dir(&mut self, dir: &Path) -> Result<(), LayoutError> {
        let rd = std::fs::read_dir(dir).map_err(|e| LayoutError::Io(dir.into(), e.to_string()))?;
        let mut files: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        for p in files {
            let name = p.display().to_string();
            match std::fs::read_to_string(&p) {
                Ok(text) => match Layout::parse(&name, &text) {
                    Ok(l) => self.insert(l),
                    Err(e) => self.problems.push(e.to_string()),
                },
                Err(e) => self.problems.push(format!("{name}: {e}")),
            }
        }
        Ok(())
    }

    fn insert(&mut self, l: Layout) {
        self.layouts.retain(|x| x.id != l.id);
        self.layouts.push(l);
    }

    pub fn all(&self) -> &[Layout] {
        &self.layouts
    }

    pub fn get(&self, id: &str) -> Result<&Layout, LayoutError> {
        self.layouts.iter().find(|l| l.id == id).ok_or_else(|| {
            LayoutError::Unknown(
                id.to_string(),
                self.layouts.iter().map(|l| l.id.as_str()).collect::<Vec<_>>().join(", "),
            )
        })
    }
}

fn user_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> =
        std::env::var_os("IDBOOTH_LAYOUTS").map(|v| std::env::split_paths(&v).collect()).unwrap_or_default();
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")));
    if let Some(c) = config {
        dirs.push(c.join("idbooth").join("layouts"));
    }
    dirs
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXIT_ENTRY: (f64, f64) = (33.0, 48.0);
    const RESIDENT_ID: (f64, f64) = (26.0, 32.0);

    fn layout(id: &str) -> Layout {
        LayoutBook::builtin().get(id).unwrap().clone()
    }

    fn fill(size: (f64, f64)) -> Vec<Request> {
        vec![Request { size_mm: size, count: None }]
    }

    /// Every slot inside the margins, and no two photos (with bleed) closer than the gap.
    fn assert_sane(l: &Layout, p: &PagePlan) {
        let (pw, ph) = p.paper_mm;
        for (i, a) in p.slots.iter().enumerate() {
            let t = a.trim.grow(l.bleed_mm);
            assert!(t.x >= l.margin_mm - l.bleed_mm - EPS && t.right() <= pw - l.margin_mm + l.bleed_mm + EPS, "{a:?}");
            assert!(t.y >= l.margin_mm - l.bleed_mm - EPS, "{a:?}");
            let bottom = a.caption.map_or(a.trim.bottom(), |c| c.bottom());
            assert!(bottom <= ph - l.margin_mm + EPS, "{a:?}");
            for b in &p.slots[i + 1..] {
                let apart_x =
                    b.trim.x >= a.trim.right() + l.gap_mm - EPS || a.trim.x >= b.trim.right() + l.gap_mm - EPS;
                let (ab, bb) = (
                    a.caption.map_or(a.trim.bottom(), |c| c.bottom()),
                    b.caption.map_or(b.trim.bottom(), |c| c.bottom()),
                );
                let apart_y = b.trim.y >= ab + l.gap_mm - EPS || a.trim.y >= bb + l.gap_mm - EPS;
                assert!(apart_x || apart_y, "{a:?} overlaps {b:?}");
            }
        }
    }

    #[test]
    fn every_builtin_layout_loads() {
        let book = LayoutBook::builtin();
        assert!(book.problems.is_empty(), "{:?}", book.problems);
        assert_eq!(book.all().len(), BUILTIN.len());
        assert!(book.get(DEFAULT_LAYOUT).is_ok());
        assert!(matches!(book.get("7inch"), Err(LayoutError::Unknown(..))));
    }

    #[test]
    fn counts_per_paper_for_exit_entry() {
        // (layout, photos, landscape): worked by hand from each file's margins and gaps, e.g.
        // 6inch landscape: 4 × 33 + 3 × 1.5 = 136.5 ≤ 152.4 − 4 and 2 × 48 + 1.5 = 97.5 ≤ 101.6 − 4.
        for (id, n, landscape) in
            [("6inch", 8, true), ("5inch", 4, false), ("a6", 4, false), ("a5", 16, false), ("a4", 32, true)]
        {
            let l = layout(id);
            let pages = l.plan_grid(&fill(EXIT_ENTRY), false).unwrap();
            assert_eq!(pages.len(), 1, "{id}");
            assert_eq!((pages[0].slots.len(), pages[0].landscape), (n, landscape), "{id}");
            assert_sane(&l, &pages[0]);
            for s in &pages[0].slots {
                assert_eq!((s.trim.w, s.trim.h), EXIT_ENTRY);
            }
        }
    }

    #[test]
    fn a4_holds_the_maximum_count() {
        // No grid with one more column or row fits in either orientation.
        let l = layout("a4");
        let (landscape, cols, rows) = l.capacity(EXIT_ENTRY, false).unwrap();
        assert_eq!((landscape, cols, rows), (true, 8, 4));
        let span = |n: usize, size: f64| n as f64 * size + (n as f64 - 1.0) * l.gap_mm;
        let avail = |len: f64| len - 2.0 * l.margin_mm;
        assert!(span(8, 33.0) <= avail(297.0) && span(9, 33.0) > avail(297.0));
        assert!(span(4, 48.0) <= avail(210.0) && span(5, 48.0) > avail(210.0));
        // Portrait holds fewer: 5 × 5.
        assert!(span(6, 33.0) > avail(210.0) && span(6, 48.0) > avail(297.0));
        assert_eq!(l.plan_grid(&fill(EXIT_ENTRY), false).unwrap()[0].slots.len(), 32);
    }

    #[test]
    fn the_grid_is_centred_and_gaps_are_exact() {
        let p = &layout("6inch").plan_grid(&fill(EXIT_ENTRY), false).unwrap()[0];
        assert_eq!(p.paper_mm, (152.4, 101.6));
        let left = p.slots[0].trim.x;
        let right = 152.4 - p.slots[3].trim.right();
        assert!((left - right).abs() < 1e-9 && (left - (152.4 - 136.5) / 2.0).abs() < 1e-9);
        assert!((p.slots[1].trim.x - p.slots[0].trim.right() - 1.5).abs() < 1e-9);
        assert!((p.slots[4].trim.y - p.slots[0].trim.bottom() - 1.5).abs() < 1e-9);
    }

    #[test]
    fn copies_continue_on_new_pages_and_mixed_sizes_need_blocks() {
        let l = layout("6inch");
        let two = [Request { size_mm: EXIT_ENTRY, count: Some(5) }, Request { size_mm: EXIT_ENTRY, count: Some(6) }];
        let pages = l.plan_grid(&two, false).unwrap();
        assert_eq!(pages.iter().map(|p| p.slots.len()).collect::<Vec<_>>(), [8, 3]);
        assert_eq!(pages[0].slots.iter().filter(|s| s.item == 1).count(), 3);
        let own_sheets = l.plan_grid(&[fill(EXIT_ENTRY)[0].clone(), fill(EXIT_ENTRY)[0].clone()], false).unwrap();
        assert_eq!(own_sheets.len(), 2);
        let mixed = [Request { size_mm: EXIT_ENTRY, count: Some(1) }, Request { size_mm: RESIDENT_ID, count: Some(1) }];
        assert!(matches!(l.plan_grid(&mixed, false), Err(LayoutError::Request(_))));
    }

    #[test]
    fn captions_take_room_below_the_photo_never_over_it() {
        let l = layout("a4");
        let p = &l.plan_grid(&fill(EXIT_ENTRY), true).unwrap()[0];
        // 48 + 3 mm per row: A4 landscape now holds 3 rows of 8; portrait 5 × 5 = 25 wins.
        assert_eq!((p.slots.len(), p.landscape), (25, false));
        for s in &p.slots {
            let c = s.caption.unwrap();
            assert!(c.y >= s.trim.bottom() && (c.x, c.w) == (s.trim.x, s.trim.w));
        }
        assert_sane(&l, p);
    }

    #[test]
    fn mixed_sheet_stacks_its_blocks() {
        let l = layout("6inch-mixed");
        let reqs = [Request { size_mm: EXIT_ENTRY, count: Some(4) }, Request { size_mm: RESIDENT_ID, count: Some(4) }];
        let p = l.plan_blocks(&reqs, false).unwrap();
        // Portrait would need 2 rows of exit-entry and 2 of ID: 97.5 + 1.5 + 65.5 > 148.4 mm.
        assert!(p.landscape);
        assert_eq!(p.slots.iter().filter(|s| s.item == 0).count(), 4);
        assert_eq!(p.slots.iter().filter(|s| s.item == 1 && s.trim.w == 26.0 && s.trim.h == 32.0).count(), 4);
        assert_sane(&l, &p);
        let too_many =
            [Request { size_mm: EXIT_ENTRY, count: Some(8) }, Request { size_mm: RESIDENT_ID, count: Some(4) }];
        assert!(matches!(l.plan_blocks(&too_many, false), Err(LayoutError::BlocksDoNotFit { .. })));
    }

    #[test]
    fn what_does_not_fit_is_a_clear_error() {
        let l = layout("6inch");
        let e = l.plan_grid(&fill((120.0, 160.0)), false).unwrap_err();
        assert!(matches!(e, LayoutError::DoesNotFit { .. }));
        assert!(e.to_string().contains("120×160 mm photo does not fit on 6inch"), "{e}");
    }

    #[test]
    fn bad_files_are_rejected_with_their_reason() {
        let base = include_str!("../../assets/layouts/6inch.toml");
        let bleed = base.replace("bleed_mm = 0.0", "bleed_mm = 1.0");
        assert!(Layout::parse("x.toml", &bleed).unwrap_err().to_string().contains("bleed"));
        assert!(Layout::parse("x.toml", &format!("{base}\nrows = 3\n")).is_err());
        assert!(Layout::parse("x.toml", &base.replace("[101.6, 152.4]", "[1.0, 152.4]")).is_err());
    }

    #[test]
    fn guides_stay_off_the_photos() {
        for (id, guides) in [("6inch", Guides::Ticks), ("a4", Guides::Lines)] {
            let mut l = layout(id);
            l.guides = guides;
            let p = &l.plan_grid(&fill(EXIT_ENTRY), false).unwrap()[0];
            let segs = guide_segments(p);
            assert!(!segs.is_empty());
            // In a grid, guides run in margins and gaps or along trim edges, never inside a photo
            // (the renderer also clips them to the paper outside every photo).
            for s in &segs {
                for (x, y) in [(s[0], s[1]), (s[2], s[3]), ((s[0] + s[2]) / 2.0, (s[1] + s[3]) / 2.0)] {
                    assert!(p.slots.iter().all(|slot| !slot.trim.contains(x, y)), "{id}: {s:?}");
                }
            }
        }
    }

    #[test]
    fn cut_lines_end_below_the_last_photo_of_their_column() {
        let l = layout("a4");
        let p = &l.plan_grid(&[Request { size_mm: EXIT_ENTRY, count: Some(6) }], true).unwrap()[0];
        let bottom = |s: &Slot| s.caption.unwrap().bottom();
        let lowest = p.slots.iter().map(bottom).fold(0.0, f64::max);
        let first_row = bottom(&p.slots[0]);
        assert!(lowest > first_row + 10.0, "six copies take two rows on A4");
        let verticals: Vec<_> = guide_segments(p).into_iter().filter(|s| (s[0] - s[2]).abs() < 0.01).collect();
        assert!(verticals.iter().all(|s| s[3] <= lowest + 0.01), "{verticals:?}");
        // The second row holds one photo: the other columns' lines stop with the first row.
        let short = verticals.iter().filter(|s| (s[3] - first_row).abs() < 0.01).count();
        assert!(short >= 6, "{verticals:?}");
        assert!(verticals.iter().all(|s| s[1] == 0.0), "lines start at the paper's edge");
    }

    #[test]
    fn guides_of_a_mixed_sheet_keep_off_photos_and_captions_once_clipped() {
        let l = layout("6inch-mixed");
        let reqs = [Request { size_mm: EXIT_ENTRY, count: Some(4) }, Request { size_mm: RESIDENT_ID, count: Some(4) }];
        let p = l.plan_blocks(&reqs, true).unwrap();
        let out = keep_out(&p);
        assert_eq!(out.len(), 16);
        // Some ticks do reach into the other block: the drawing code must clip them.
        let crossing = guide_segments(&p)
            .iter()
            .filter(|s| {
                out.iter().any(|r| r.contains((s[0] + s[2]) / 2.0, (s[1] + s[3]) / 2.0) || r.contains(s[2], s[3]))
            })
            .count();
        assert!(crossing > 0);
    }

    #[test]
    fn a_user_layout_replaces_or_adds() {
        let dir = std::env::temp_dir().join(format!("idbooth-layout-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let text = include_str!("../../assets/layouts/a6.toml").replace("id = \"a6\"", "id = \"studio-a6\"");
        std::fs::write(dir.join("studio.toml"), text).unwrap();
        std::fs::write(dir.join("broken.toml"), "id = 3").unwrap();
        let mut book = LayoutBook::builtin();
        book.add_dir(&dir).unwrap();
        assert!(book.get("studio-a6").is_ok());
        assert_eq!(book.problems.len(), 1, "{:?}", book.problems);
        std::fs::remove_dir_all(&dir).ok();
    }
}
