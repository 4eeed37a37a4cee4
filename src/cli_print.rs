//! `idbooth sheet` and `idbooth summary`: photo sheets and summary slips to PDF (and a raster
//! sheet for photo printers), optionally straight to a CUPS printer.

use std::path::{Path, PathBuf};

use idbooth::Lang;
use idbooth::i18n::tr;
use idbooth::paths::shown;
use idbooth::print::cups::{Cups, PrintJob};
use idbooth::print::{LayoutBook, PrintSettings, SheetPhoto, SlipSize, Studio, sheet, slip, summary, write_file};
use idbooth::spec::SpecBook;

#[derive(clap::Args)]
pub struct SheetArgs {
    /// Exported photos (from `idbooth export`); a `PHOTO.json` beside each names its spec.
    #[arg(required = true)]
    photos: Vec<PathBuf>,
    /// Paper layout: 6inch, 5inch, a6, a5, a4, 6inch-mixed, or one of your own (default: the
    /// studio settings' `print.layout`, else 6inch).
    #[arg(long)]
    layout: Option<String>,
    /// Spec of photos without a summary beside them (default cn-exit-entry).
    #[arg(long)]
    spec: Option<String>,
    /// Photos per person (default: the studio settings' `print.copies`, else fill the sheet).
    #[arg(long)]
    copies: Option<u32>,
    /// Spec name and date under each photo (also with the settings' `print.captions`).
    #[arg(long)]
    captions: bool,
    /// Resolution of the raster sheet (--png; default: the settings' `print.dpi`, else 300).
    #[arg(long)]
    dpi: Option<u32>,
    /// Also write the sheet as an image at --dpi (.png or .jpg), for photo printers.
    #[arg(long, value_name = "OUT.png")]
    png: Option<PathBuf>,
    /// Where to write the PDF.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Write over existing files.
    #[arg(long)]
    overwrite: bool,
    /// Print the PDF through CUPS: on PRINTER, or the studio settings' `print.printer`, else
    /// the default printer.
    #[arg(long, value_name = "PRINTER", num_args = 0..=1, default_missing_value = "")]
    print: Option<String>,
}

#[derive(clap::Args)]
pub struct SummaryArgs {
    /// An export summary (`NAME.json` beside `NAME.jpg`).
    summary: PathBuf,
    /// Where to write the slip PDF.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Write over an existing file.
    #[arg(long)]
    overwrite: bool,
    /// Paper: a6, a5 or receipt80 (80 mm roll) (default: the studio settings' `print.slip_size`,
    /// else a6).
    #[arg(long)]
    size: Option<SlipSize>,
    /// Studio name printed on the slip (default: the settings' `studio.name`).
    #[arg(long)]
    studio: Option<String>,
    /// Studio address printed on the slip (default: the settings' `studio.address`).
    #[arg(long)]
    address: Option<String>,
    /// Print the PDF through CUPS: on PRINTER, or the studio settings' `print.printer`, else the
    /// default printer.
    #[arg(long, value_name = "PRINTER", num_args = 0..=1, default_missing_value = "")]
    print: Option<String>,
}

/// What the studio settings file says about printing, for what the command line leaves out
/// (a counter reprinting at the desk gets its own printer, paper and studio name).
#[derive(Debug, Clone, Default)]
pub struct StudioDefaults {
    pub studio: Studio,
    pub print: PrintSettings,
}

/// `--print` as given (`""`: no printer named) or the studio's printer.
fn printer(given: &str, d: &StudioDefaults) -> String {
    if given.is_empty() { d.print.printer.clone().unwrap_or_default() } else { given.to_string() }
}

pub fn sheet(a: &SheetArgs, d: &StudioDefaults, lang: Lang) -> anyhow::Result<u8> {
    if a.output.is_none() && a.png.is_none() && a.print.is_none() {
        anyhow::bail!(tr(lang, "cli.sheet_where", &[]));
    }
    let dpi = a.dpi.unwrap_or(d.print.dpi);
    if !(72..=2400).contains(&dpi) {
        anyhow::bail!(tr(lang, "cli.dpi_range", &[("dpi", dpi.to_string())]));
    }
    let (copies, captions) = (a.copies.or(d.print.copies), a.captions || d.print.captions);
    let specs = SpecBook::load();
    let layouts = LayoutBook::load();
    for p in &layouts.problems {
        eprintln!("warning: {p}");
    }
    let layout = layouts.get(a.layout.as_deref().unwrap_or(&d.print.layout))?;
    let photos: Vec<SheetPhoto> =
        a.photos.iter().map(|p| SheetPhoto::open(p, &specs, a.spec.as_deref())).collect::<Result<_, _>>()?;
    let pages = sheet::plan(layout, &photos, copies, captions)?;
    // Every file this run writes, refused before any is written.
    let pngs: Vec<PathBuf> =
        a.png.iter().flat_map(|png| (0..pages.len()).map(|i| numbered(png, i, pages.len()))).collect();
    for path in a.output.iter().chain(&pngs) {
        writable(path, a.overwrite, lang)?;
    }
    let pdf = sheet::sheet_pdf(&pages, &photos, lang)?;
    let placed: usize = pages.iter().map(|p| p.slots.len()).sum();
    let (pw, ph) = pages[0].paper_mm;
    if let Some(out) = &a.output {
        write_file(out, &pdf)?;
        let args = [
            ("path", shown(out)),
            ("photos", placed.to_string()),
            ("pages", pages.len().to_string()),
            ("paper", format!("{pw}×{ph}")),
            ("layout", layout.name(lang).to_string()),
        ];
        println!("{}", tr(lang, "cli.sheet_wrote", &args));
    }
    for (page, path) in pages.iter().zip(&pngs) {
        let img = sheet::render_page(page, &photos, dpi, lang)?;
        write_file(path, &sheet::encode_raster(&img, dpi, path)?)?;
        let args = [
            ("path", shown(path)),
            ("w", img.width().to_string()),
            ("h", img.height().to_string()),
            ("dpi", dpi.to_string()),
        ];
        println!("{}", tr(lang, "cli.png_wrote", &args));
    }
    if let Some(printer) = &a.print {
        // The paper as it sits in the printer (portrait); CUPS turns a landscape page onto it.
        print(&pdf, &self::printer(printer, d), "idbooth-sheet", Some((pw.min(ph), pw.max(ph))), lang)?;
    }
    Ok(0)
}

pub fn summary(a: &SummaryArgs, d: &StudioDefaults, lang: Lang) -> anyhow::Result<u8> {
    if a.output.is_none() && a.print.is_none() {
        anyhow::bail!(tr(lang, "cli.slip_where", &[]));
    }
    if let Some(out) = &a.output {
        writable(out, a.overwrite, lang)?;
    }
    // The photo named instead of its summary: the summary beside it is meant.
    let photo =
        a.summary.extension().is_some_and(|e| ["jpg", "jpeg"].contains(&e.to_ascii_lowercase().to_str().unwrap_or("")));
    let path = match a.summary.with_extension("json") {
        json if photo && json.is_file() => json,
        _ if photo => anyhow::bail!(tr(lang, "cli.slip_needs_json", &[("path", shown(&a.summary))])),
        _ => a.summary.clone(),
    };
    let loaded = summary::load(&path)?;
    let studio = Studio {
        name: a.studio.clone().unwrap_or_else(|| d.studio.name.clone()),
        address: a.address.clone().unwrap_or_else(|| d.studio.address.clone()),
    };
    let s = slip::slip_pdf(&loaded, &studio, a.size.unwrap_or(d.print.slip_size), &SpecBook::load())?;
    if !s.missing_chars.is_empty() {
        let chars: String = s.missing_chars.iter().collect();
        eprintln!("warning: the bundled font has no glyph for: {chars} (printed as empty boxes)");
    }
    // A photo the paper cannot hold at true size: the slip says so under it, and so does this.
    if let Some(note) = s.photo_note(lang) {
        eprintln!("{}", tr(lang, "cli.note", &[("text", note)]));
    }
    if let Some(out) = &a.output {
        write_file(out, &s.pdf)?;
        let serial = loaded.doc.serial.as_deref().unwrap_or("—").to_string();
        let args = [("path", shown(out)), ("pages", s.pages.to_string()), ("serial", serial)];
        println!("{}", tr(lang, "cli.slip_wrote", &args));
    }
    if let Some(printer) = &a.print {
        print(&s.pdf, &self::printer(printer, d), "idbooth-slip", Some(s.page_mm), lang)?;
    }
    Ok(0)
}

/// A file this command may write: not there yet (or `--overwrite`), in a folder that exists.
fn writable(path: &Path, overwrite: bool, lang: Lang) -> anyhow::Result<()> {
    idbooth::export::pair::check_target(path, overwrite, None)
        .map_err(|e| anyhow::anyhow!(idbooth::i18n::export_error(&e, lang)))
}

/// `sheet.png` → `sheet-2.png` for the second of several pages.
fn numbered(path: &Path, i: usize, n: usize) -> PathBuf {
    if n == 1 {
        return path.into();
    }
    let stem = path.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
    let ext = path.extension().map(|e| format!(".{}", e.to_string_lossy())).unwrap_or_default();
    path.with_file_name(format!("{stem}-{}{ext}", i + 1))
}

/// Print the PDF through CUPS (a temporary copy for `lp`, removed at once) and report the job.
fn print(pdf: &[u8], printer: &str, title: &str, media_mm: Option<(f64, f64)>, lang: Lang) -> anyhow::Result<()> {
    let job = PrintJob {
        printer: (!printer.is_empty()).then(|| printer.to_string()),
        title: title.into(),
        media_mm,
        copies: 1,
    };
    let submitted = Cups::default()
        .print_pdf(pdf, &job, &std::env::temp_dir())
        .map_err(|e| anyhow::anyhow!(tr(lang, "cli.print_failed", &[("why", e.message(lang))])))?;
    println!("{}", tr(lang, "cli.print_sent", &[("printer", submitted.printer), ("job", submitted.id)]));
    Ok(())
}
