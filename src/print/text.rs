//! Text on paper: the bundled CJK font (GB2312 subset of Noto Sans CJK SC, OFL; see
//! assets/fonts/), measured and wrapped here, drawn into PDFs by krilla (embedded as a subset)
//! and into rasters by ab_glyph. The font has no kerning or layout tables, so both agree on
//! every advance.

use std::sync::LazyLock;

use ab_glyph::{Font as _, FontRef, ScaleFont as _};
use image::RgbImage;

use super::PrintError;

pub const CJK_FONT: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-GB2312.otf");

static FONT: LazyLock<Option<FontRef<'static>>> = LazyLock::new(|| FontRef::try_from_slice(CJK_FONT).ok());
static PDF_FONT: LazyLock<Option<krilla::text::Font>> =
    LazyLock::new(|| krilla::text::Font::new(krilla::Data::from(CJK_FONT), 0));

fn font() -> Result<&'static FontRef<'static>, PrintError> {
    FONT.as_ref().ok_or_else(|| PrintError::Font("the bundled font cannot be read".into()))
}

/// The font for krilla (subset when the PDF is written).
pub fn pdf_font() -> Result<krilla::text::Font, PrintError> {
    PDF_FONT.clone().ok_or_else(|| PrintError::Font("the bundled font cannot be read".into()))
}

/// A space no line breaks at (drawn as a space): `wrap` keeps the words on either side together.
pub const NO_BREAK_SPACE: char = '\u{a0}';
/// No line breaks here, and nothing is drawn (between the characters of 毫米).
pub const WORD_JOINER: char = '\u{2060}';

/// Width of `text` in mm at `size_pt` (font size in points, i.e. em height).
pub fn width_mm(text: &str, size_pt: f64) -> f64 {
    let Ok(f) = font() else { return 0.0 };
    let upem = f.units_per_em().unwrap_or(1000.0) as f64;
    let units: f64 = drawn(text).map(|c| f.h_advance_unscaled(f.glyph_id(c)) as f64).sum();
    units / upem * size_pt * 25.4 / 72.0
}

/// The characters as drawn: a no-break space as a space, a word joiner as nothing.
fn drawn(text: &str) -> impl Iterator<Item = char> + '_ {
    text.chars().filter(|c| *c != WORD_JOINER).map(|c| if c == NO_BREAK_SPACE { ' ' } else { c })
}

/// Units a size is written with, Latin and Chinese.
const UNITS: [&str; 7] = ["mm", "cm", "in", "px", "毫米", "厘米", "英寸"];

/// `s` with each size kept whole with its unit when wrapped: "(50×70 mm)", "2×2 in" and
/// "50×70 毫米" never break between the number and the unit, nor inside the unit.
pub fn keep_sizes_whole(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        out.push(c);
        rest = &rest[c.len_utf8()..];
        if !c.is_ascii_digit() {
            continue;
        }
        let after_space = rest.strip_prefix(' ');
        for unit in UNITS {
            let (tail, spaced) = match after_space.and_then(|r| r.strip_prefix(unit)) {
                Some(t) => (t, true),
                None => match rest.strip_prefix(unit) {
                    Some(t) => (t, false),
                    None => continue,
                },
            };
            // A whole unit ("in" of "2 in", not of "2 inches").
            if tail.chars().next().is_some_and(|n| n.is_alphanumeric() && !breaks_anywhere(n)) {
                continue;
            }
            // Chinese units would break anywhere, even inside: joined throughout.
            let cjk = unit.chars().next().is_some_and(breaks_anywhere);
            if spaced {
                out.push(NO_BREAK_SPACE);
            } else if cjk {
                out.push(WORD_JOINER);
            }
            for (i, u) in unit.chars().enumerate() {
                if i > 0 && cjk {
                    out.push(WORD_JOINER);
                }
                out.push(u);
            }
            rest = tail;
            break;
        }
    }
    out
}

/// Characters the bundled font cannot draw (they would print as empty boxes).
pub fn missing_chars(text: &str) -> Vec<char> {
    let Ok(f) = font() else { return text.chars().collect() };
    let mut out: Vec<char> = text.chars().filter(|c| !c.is_whitespace() && f.glyph_id(*c).0 == 0).collect();
    out.sort();
    out.dedup();
    out
}

/// Is this a character after which a line may break anywhere (CJK)?
fn breaks_anywhere(c: char) -> bool {
    matches!(c as u32, 0x2E80..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF)
}

/// Greedy line breaking to `max_mm`: at spaces between Latin words, anywhere in CJK text;
/// a word longer than a line is cut.
pub fn wrap(text: &str, size_pt: f64, max_mm: f64) -> Vec<String> {
    let mut lines = Vec::new();
    // A no-break space or a word joiner glues the characters on either side.
    let glue = |c: char| c == NO_BREAK_SPACE || c == WORD_JOINER;
    let space = |c: char| c.is_whitespace() && !glue(c);
    for para in text.split('\n') {
        // Tokens: runs of non-space Latin characters, single CJK characters, single spaces;
        // anything glued stays in one token.
        let mut tokens: Vec<String> = Vec::new();
        for c in para.chars() {
            let last = tokens.last().and_then(|t| t.chars().last());
            let joins = last.is_some_and(|l| {
                glue(c) || glue(l) || !space(c) && !breaks_anywhere(c) && !space(l) && !breaks_anywhere(l)
            });
            match tokens.last_mut() {
                Some(t) if joins => t.push(c),
                _ => tokens.push(c.to_string()),
            }
        }
        let mut line = String::new();
        for t in tokens {
            let candidate = format!("{line}{t}");
            if width_mm(&candidate, size_pt) <= max_mm || line.trim().is_empty() && width_mm(&t, size_pt) <= max_mm {
                line = candidate;
                continue;
            }
            if !line.trim().is_empty() {
                lines.push(line.trim_end().to_string());
            }
            line = if t.trim().is_empty() { String::new() } else { t };
            // A single token wider than the line: cut it character by character.
            while width_mm(&line, size_pt) > max_mm && line.chars().count() > 1 {
                let mut head = String::new();
                for c in line.chars() {
                    if width_mm(&format!("{head}{c}"), size_pt) > max_mm && !head.is_empty() {
                        break;
                    }
                    head.push(c);
                }
                line = line[head.len()..].to_string();
                lines.push(head);
            }
        }
        lines.push(line.trim_end().to_string());
    }
    lines.into_iter().map(|l| drawn(&l).collect()).collect()
}

/// Shorten `text` with an ellipsis until it fits `max_mm`.
pub fn fit(text: &str, size_pt: f64, max_mm: f64) -> String {
    if width_mm(text, size_pt) <= max_mm {
        return text.to_string();
    }
    let mut chars: Vec<char> = text.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let s: String = chars.iter().collect::<String>().trim_end().to_string() + "…";
        if width_mm(&s, size_pt) <= max_mm {
            return s;
        }
    }
    String::new()
}

/// Draw `text` in black into `img` with its baseline at (x, y) pixels, `size_px` the em size.
pub fn draw_raster(img: &mut RgbImage, text: &str, x: f32, y: f32, size_px: f32) {
    let Ok(f) = font() else { return };
    let upem = f.units_per_em().unwrap_or(1000.0);
    let scale = ab_glyph::PxScale::from(size_px * f.height_unscaled() / upem);
    let sf = f.as_scaled(scale);
    let mut pen = x;
    for c in text.chars() {
        let id = f.glyph_id(c);
        let glyph = id.with_scale_and_position(scale, ab_glyph::point(pen, y));
        pen += sf.h_advance(id);
        let Some(outline) = f.outline_glyph(glyph) else { continue };
        let b = outline.px_bounds();
        outline.draw(|gx, gy, cov| {
            let (px, py) = (b.min.x as i64 + gx as i64, b.min.y as i64 + gy as i64);
            if px < 0 || py < 0 || px >= img.width() as i64 || py >= img.height() as i64 {
                return;
            }
            let p = img.get_pixel_mut(px as u32, py as u32);
            for ch in p.0.iter_mut() {
                *ch = (*ch as f32 * (1.0 - cov.clamp(0.0, 1.0))).round() as u8;
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_font_has_latin_and_chinese() {
        assert!(missing_chars("张三 Zhang San 深圳 出入境证件照 0-9").is_empty());
        assert!(width_mm("张三", 10.0) > width_mm("ab", 10.0));
        // A CJK character is one em wide: 10 pt = 3.53 mm.
        assert!((width_mm("张", 10.0) - 10.0 * 25.4 / 72.0).abs() < 0.05);
    }

    #[test]
    fn wrapping_breaks_latin_at_spaces_and_chinese_anywhere() {
        let lines = wrap("This is the booth's own serial, not the official receipt number", 8.0, 40.0);
        assert!(lines.len() > 1);
        for l in &lines {
            assert!(width_mm(l, 8.0) <= 40.0, "{l}");
            assert!(!l.starts_with(' ') && !l.ends_with(' '));
        }
        assert_eq!(lines.join(" "), "This is the booth's own serial, not the official receipt number");
        let zh = wrap("此编号为本照相亭自编号，并非官方回执编号。", 8.0, 20.0);
        assert!(zh.len() > 1 && zh.concat() == "此编号为本照相亭自编号，并非官方回执编号。");
    }

    /// A size and its unit are never split across lines, nor a Chinese unit inside.
    #[test]
    fn a_size_stays_whole_with_its_unit() {
        let name = "Canadian passport photo (50×70 mm)";
        let plain = wrap(name, 8.0, 48.0);
        let kept = wrap(&keep_sizes_whole(name), 8.0, 48.0);
        assert_eq!(kept, ["Canadian passport photo", "(50×70 mm)"], "plain wrap: {plain:?}");
        for (s, w) in [("US passport & visa photo (2×2 in)", 37.0), ("加拿大护照照片（50×70 毫米）", 30.0)]
        {
            let lines = wrap(&keep_sizes_whole(s), 8.0, w);
            assert!(lines.len() > 1, "{lines:?}");
            let unit = if s.contains("in)") { "2×2 in" } else { "50×70 毫米" };
            assert!(lines.iter().any(|l| l.contains(unit)), "{lines:?}");
            assert!(lines.iter().all(|l| width_mm(l, 8.0) <= w && !l.contains(['\u{a0}', '\u{2060}'])), "{lines:?}");
        }
        assert_eq!(keep_sizes_whole("2 inches, 35×45mm, 2×2英寸"), "2 inches, 35×45mm, 2×2\u{2060}英\u{2060}寸");
        assert!((width_mm(&keep_sizes_whole("50×70 毫米"), 8.0) - width_mm("50×70 毫米", 8.0)).abs() < 1e-9);
    }

    #[test]
    fn fitting_adds_an_ellipsis() {
        let s = fit("China exit-entry photo (passport, HK/Macau & Taiwan permits)", 6.0, 30.0);
        assert!(s.ends_with('…') && width_mm(&s, 6.0) <= 30.0, "{s}");
        assert_eq!(fit("short", 6.0, 30.0), "short");
    }
}
