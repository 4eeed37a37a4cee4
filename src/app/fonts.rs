//! The bundled CJK font (a GB2312 subset of Noto Sans CJK SC, OFL 1.1; see assets/fonts/), so
//! Chinese renders on any machine. eframe adds the system's fonts as a further fallback for
//! names outside GB2312.

use egui::{FontData, FontFamily, FontInsert, FontPriority, InsertFontFamily};

/// The one embedded copy of the font (shared with the print module).
pub use crate::print::text::CJK_FONT;

/// Add the CJK font after egui's own fonts (Latin glyphs keep egui's look).
pub fn install(ctx: &egui::Context) {
    let families = [FontFamily::Proportional, FontFamily::Monospace]
        .into_iter()
        .map(|family| InsertFontFamily { family, priority: FontPriority::Lowest })
        .collect();
    ctx.add_font(FontInsert::new("noto-sans-sc-gb2312", FontData::from_static(CJK_FONT), families));
}
