//! Printing: photo sheets at true size (PDF, or a raster at the printer's DPI), the applicant's
//! summary slip (PDF with the serial's QR code and CJK text), and sending PDFs to CUPS.
//!
//! Everything is measured in millimetres on the paper; points (1/72 in) only appear when a PDF
//! is written and pixels only when a raster is drawn.

pub mod cups;
pub mod layout;
mod pdf;
pub mod sheet;
pub mod slip;
pub mod summary;
pub mod text;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use layout::{Layout, LayoutBook, LayoutError};
pub use sheet::{SheetPhoto, render_sheet_preview};

/// Points per millimetre (a point is 1/72 inch).
pub const PT_PER_MM: f64 = 72.0 / 25.4;

/// How the studio prints; the `[print]` table of the studio settings file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrintSettings {
    /// Sheet layout id (`assets/layouts`, or the user's layouts).
    pub layout: String,
    /// Resolution of raster sheets (PNG/JPEG for photo printers) and of the preview.
    pub dpi: u32,
    /// Photos per person on a sheet; `None` fills the sheet.
    pub copies: Option<u32>,
    /// Spec name and date under each photo.
    pub captions: bool,
    pub slip_size: SlipSize,
    /// CUPS queue; `None` prints to the system's default printer.
    pub printer: Option<String>,
    /// What prints by itself, without a dialog: at the kiosk when a photo passes and is handed
    /// over, at the counter with each export (which a person has released).
    pub auto_print: AutoPrint,
}

/// What the booth prints by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AutoPrint {
    #[default]
    None,
    Sheet,
    Slip,
    Both,
}

impl AutoPrint {
    pub fn sheet(self) -> bool {
        matches!(self, AutoPrint::Sheet | AutoPrint::Both)
    }
    pub fn slip(self) -> bool {
        matches!(self, AutoPrint::Slip | AutoPrint::Both)
    }
}

impl Default for PrintSettings {
    fn default() -> PrintSettings {
        PrintSettings {
            layout: layout::DEFAULT_LAYOUT.into(),
            dpi: 300,
            copies: None,
            captions: false,
            slip_size: SlipSize::A6,
            printer: None,
            auto_print: AutoPrint::None,
        }
    }
}

/// Paper of the summary slip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SlipSize {
    #[default]
    A6,
    A5,
    /// 80 mm receipt-printer roll; the page is as long as its content.
    Receipt80,
}

impl std::str::FromStr for SlipSize {
    type Err = String;
    fn from_str(s: &str) -> Result<SlipSize, String> {
        match s.to_ascii_lowercase().as_str() {
            "a6" => Ok(SlipSize::A6),
            "a5" => Ok(SlipSize::A5),
            "receipt80" | "receipt" | "80mm" => Ok(SlipSize::Receipt80),
            _ => Err(format!("unknown slip size '{s}' (use a6, a5 or receipt80)")),
        }
    }
}

/// The studio, as named on the slip (the `[studio]` table of the studio settings file).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Studio {
    pub name: String,
    pub address: String,
}

#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error(transparent)]
    Layout(#[from] LayoutError),
    #[error(transparent)]
    Spec(#[from] crate::spec::SpecError),
    #[error("{path}: {msg}")]
    Photo { path: PathBuf, msg: String },
    #[error("{path}: {msg}")]
    Summary { path: PathBuf, msg: String },
    #[error("cannot write {0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("the disk is full: nothing was written to {0}; free some space and try again")]
    DiskFull(PathBuf),
    #[error("making the PDF failed: {0}")]
    Pdf(String),
    #[error("encoding the image failed: {0}")]
    Encode(String),
    #[error("{0}")]
    Font(String),
}

/// Write a file whole or not at all (the export's temp-file-and-rename), with print errors.
pub fn write_file(path: &std::path::Path, bytes: &[u8]) -> Result<(), PrintError> {
    crate::paths::write_atomic_shared(path, bytes).map_err(|e| {
        if e.kind() == std::io::ErrorKind::StorageFull {
            PrintError::DiskFull(path.into())
        } else {
            PrintError::Io(path.into(), e)
        }
    })
}

/// Millimetres to PDF points.
pub fn pt(mm: f64) -> f32 {
    (mm * PT_PER_MM) as f32
}
