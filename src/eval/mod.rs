//! Accuracy against references the engine never saw while running: hand-placed landmarks
//! (`landmarks.rs`, per source, with every fitted constant judged on photos it was not fitted
//! on), the background matte against a colour-distance reference (`matte.rs`) and the old
//! backdrop left at the person's edge after replacement (`leak.rs`).

pub mod landmarks;
pub mod leak;
pub mod matte;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::geometry::{Point, median, percentile};

pub use landmarks::{Evaluation, PhotoResult, SourceSummary, evaluate};
pub use leak::{PhotoLeak, SetLeak, leak};
pub use matte::{MatteSummary, matte_agreement};

/// A file counts as clicked on whole pixels when at least this share of its values are whole.
const CLICKED_SHARE: f64 = 0.9;

/// Read points from a `.tem` file: first line the count, then `x y` per line, in our convention
/// (pixel `(i, j)` covers `[i, i+1) × [j, j+1)`, its centre at `i + 0.5`).
///
/// A file whose values are (nearly) all whole numbers was clicked on the displayed pixels: the
/// tool stored the index of the pixel under the pointer (the London set: 99 % whole, the rest on
/// a half or quarter grid where the image was zoomed), so the point is that pixel's centre,
/// half a pixel further right and down. Files of continuous values (canada_dev's points went
/// through an alignment transform: 11 % whole) are read as they are.
pub fn read_tem(path: &Path) -> std::io::Result<Vec<Point>> {
    let mut pts = read_tem_values(path)?;
    let whole = pts.iter().flat_map(|p| [p.x, p.y]).filter(|v| v.fract() == 0.0).count();
    if whole as f64 >= CLICKED_SHARE * (2 * pts.len()) as f64 {
        for p in &mut pts {
            *p = Point::new(p.x + 0.5, p.y + 0.5);
        }
    }
    Ok(pts)
}

fn read_tem_values(path: &Path) -> std::io::Result<Vec<Point>> {
    let text = std::fs::read_to_string(path)?;
    let mut lines = text.lines();
    let n: usize = lines.next().and_then(|l| l.trim().parse().ok()).unwrap_or(0);
    let pts: Vec<Point> = lines
        .take(n)
        .filter_map(|l| {
            let mut it = l.split_whitespace().map(|v| v.parse::<f64>());
            Some(Point::new(it.next()?.ok()?, it.next()?.ok()?))
        })
        .collect();
    if pts.len() != n || n < 152 {
        return Err(std::io::Error::other(format!(
            "{}: expected {n} ≥ 152 points, read {}",
            path.display(),
            pts.len()
        )));
    }
    Ok(pts)
}

/// One set of annotated photos (one studio, one camera): a folder of `.jpg` + `.tem` pairs.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    pub photos: Vec<PathBuf>,
}

/// `dir` itself when it holds annotated photos, otherwise each sub-folder that does (so
/// `../shared/testdata/photos` gives london_neutral and canada_dev as two sources).
pub fn sources(dir: &Path) -> std::io::Result<Vec<Source>> {
    let annotated = |d: &Path| -> std::io::Result<Vec<PathBuf>> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(d)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "jpg") && p.with_extension("tem").exists())
            .collect();
        v.sort();
        Ok(v)
    };
    sources_or_self(dir, |d| Ok(!annotated(d)?.is_empty()))?
        .into_iter()
        .map(|(name, d)| Ok(Source { name, photos: annotated(&d)? }))
        .collect()
}

/// `dir` itself (named after its last component) when `holds(dir)`, otherwise each sub-folder
/// that holds, sorted by name.
pub(crate) fn sources_or_self(
    dir: &Path,
    holds: impl Fn(&Path) -> std::io::Result<bool>,
) -> std::io::Result<Vec<(String, PathBuf)>> {
    let name = |d: &Path| d.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    if holds(dir)? {
        return Ok(vec![(name(dir), dir.to_path_buf())]);
    }
    let mut subdirs: Vec<PathBuf> =
        std::fs::read_dir(dir)?.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_dir()).collect();
    subdirs.sort();
    let mut out = Vec::new();
    for d in subdirs {
        if holds(&d)? {
            out.push((name(&d), d));
        }
    }
    Ok(out)
}

/// Median and 95th percentile of a set of errors (NaN when empty).
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Stats {
    pub median: f64,
    pub p95: f64,
}

impl Stats {
    pub fn of(v: &[f64]) -> Stats {
        Stats { median: median(v).unwrap_or(f64::NAN), p95: percentile(v, 95.0).unwrap_or(f64::NAN) }
    }
}

/// 5th, 50th and 95th percentiles of a signed quantity (NaN when empty).
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Spread {
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
}

impl Spread {
    pub fn of(v: &[f64]) -> Spread {
        let p = |q| percentile(v, q).unwrap_or(f64::NAN);
        Spread { p5: p(5.0), p50: p(50.0), p95: p(95.0) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tem_files_parse_and_short_ones_are_refused() {
        let dir = std::env::temp_dir().join(format!("idbooth-tem-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut text = String::from("189\n");
        for i in 0..189 {
            text.push_str(&format!("{}\t{}\n", i, i * 2));
        }
        text.push_str("55\n0 1 2\n");
        std::fs::write(dir.join("a.tem"), &text).unwrap();
        let pts = read_tem(&dir.join("a.tem")).unwrap();
        assert_eq!(pts.len(), 189);
        // Whole-pixel clicks are read as the clicked pixels' centres.
        assert_eq!(pts[129], Point::new(129.5, 258.5));
        // Continuous values (an aligned set) are read as they are.
        text = text.replacen("129\t258\n", "129.3\t258\n", 1);
        for i in 0..40 {
            text = text.replacen(&format!("\n{i}\t"), &format!("\n{i}.25\t"), 1);
        }
        std::fs::write(dir.join("c.tem"), &text).unwrap();
        let pts = read_tem(&dir.join("c.tem")).unwrap();
        assert_eq!(pts[129], Point::new(129.3, 258.0));
        std::fs::write(dir.join("b.tem"), "189\n1 2\n").unwrap();
        assert!(read_tem(&dir.join("b.tem")).is_err());
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn a_folder_of_sources_gives_one_source_per_annotated_subfolder() {
        let dir = std::env::temp_dir().join(format!("idbooth-sources-{}", std::process::id()));
        for (sub, files) in [("b", &["x.jpg", "x.tem"][..]), ("a", &["y.jpg", "y.tem", "z.jpg"]), ("c", &["w.jpg"])] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
            for f in files {
                std::fs::write(dir.join(sub).join(f), "").unwrap();
            }
        }
        let s = sources(&dir).unwrap();
        let names: Vec<(&str, usize)> = s.iter().map(|s| (s.name.as_str(), s.photos.len())).collect();
        assert_eq!(names, [("a", 1), ("b", 1)]);
        assert_eq!(sources(&dir.join("a")).unwrap()[0].photos.len(), 1);
        std::fs::remove_dir_all(&dir).ok();
    }
}
