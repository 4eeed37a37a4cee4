//! `idbooth`: the command line over the library — check photos, export receipt-ready files,
//! list specs, measure landmark accuracy and speed.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use idbooth::Lang;
use idbooth::capture::load_photo;
use idbooth::compose::background::BackgroundChoice;
use idbooth::judge::Status;
use idbooth::spec::{DEFAULT_SPEC, SpecBook};

mod cli;
mod cli_print;

#[derive(Parser)]
#[command(
    name = "idbooth",
    version,
    about = "Offline ID-photo booth: check, crop and export photos to official specs",
    long_about = "Offline ID-photo booth: check, crop and export photos to official specs.\n\n\
                  With no subcommand, opens the booth's window (camera, or PHOTO when given).",
    args_conflicts_with_subcommands = true
)]
struct Args {
    /// Language of messages: en or zh.
    #[arg(long, global = true, default_value = "en")]
    lang: Lang,
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    gui: GuiArgs,
}

/// Options of the window (no subcommand).
#[derive(clap::Args)]
struct GuiArgs {
    /// A photo to open in the window at once.
    photo: Option<PathBuf>,
    /// Spec to start with (default: the last one used).
    #[arg(long)]
    spec: Option<String>,
    /// Play the photos in this folder as a live camera (demo, tests, no camera needed).
    #[arg(long, value_name = "DIR")]
    frames: Option<PathBuf>,
    /// Do not look for a camera.
    #[arg(long)]
    no_camera: bool,
    /// Full screen with large controls; returns to the start after a while on the done screen.
    #[arg(long)]
    kiosk: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Check photos against a spec. Exit 0: every rule passes; 1: a rule fails; 2: an error.
    Check {
        #[arg(required = true)]
        photos: Vec<PathBuf>,
        #[arg(long, default_value = DEFAULT_SPEC)]
        spec: String,
        /// Print the report as JSON (one object; one per line for several photos).
        #[arg(long)]
        json: bool,
        /// Background before judging: auto (replace where the spec allows), keep, or an allowed
        /// colour name such as white or light-blue.
        #[arg(long, default_value = "auto")]
        background: BackgroundChoice,
    },
    /// Crop and export a receipt-ready JPEG plus a JSON summary.
    Export(cli::ExportArgs),
    /// List the known specs.
    Specs {
        #[arg(long)]
        json: bool,
    },
    /// Measure landmark accuracy against hand-placed points (`.tem` files beside the photos).
    Eval {
        dir: PathBuf,
        /// Print the calibration constants this run suggests.
        #[arg(long)]
        fit: bool,
        /// Print per-photo errors.
        #[arg(long)]
        verbose: bool,
        /// Fail (exit 1) when the pupil median error exceeds this percentage of the IPD.
        #[arg(long)]
        max_pupil: Option<f64>,
        /// Fail (exit 1) when the chin median error exceeds this percentage of the IPD.
        #[arg(long)]
        max_chin: Option<f64>,
        /// Instead: compare the background matte with a colour-distance reference (plain backdrops).
        #[arg(long)]
        matte: bool,
    },
    /// Lay exported photos out at true size on a sheet: PDF (and PNG/JPEG), optionally printed.
    Sheet(cli_print::SheetArgs),
    /// The applicant's summary slip (photo, serial + QR code, outcome) from an export summary.
    Summary(cli_print::SummaryArgs),
    /// Time the stages on a photo (default: the bundled sample).
    Bench {
        photo: Option<PathBuf>,
        #[arg(long, default_value_t = 10)]
        runs: usize,
    },
}

fn main() -> ExitCode {
    // Behave like other command-line tools when the reader goes away (`idbooth … | head`):
    // end quietly instead of panicking on a closed pipe.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let matches = Args::command().get_matches();
    let lang_given = matches.value_source("lang") == Some(clap::parser::ValueSource::CommandLine);
    let args = match Args::from_arg_matches(&matches) {
        Ok(a) => a,
        Err(e) => e.exit(),
    };
    let Some(command) = args.command else {
        return gui(args.gui, lang_given.then_some(args.lang));
    };
    let result = match command {
        Command::Check { photos, spec, json, background } => check(&photos, &spec, json, &background, args.lang),
        Command::Export(e) => cli::export(&e, args.lang),
        Command::Specs { json } => specs(json),
        Command::Eval { dir, matte: true, verbose, .. } => cli::eval_matte(&dir, verbose),
        Command::Eval { dir, fit, verbose, max_pupil, max_chin, .. } => {
            cli::eval(&dir, fit, verbose, max_pupil, max_chin)
        }
        Command::Bench { photo, runs } => cli::bench(photo.as_deref(), runs),
        Command::Sheet(a) => cli_print::sheet(&a, args.lang),
        Command::Summary(a) => cli_print::summary(&a),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("idbooth: {e:#}");
            ExitCode::from(2)
        }
    }
}

#[cfg(feature = "gui")]
fn gui(a: GuiArgs, lang: Option<Lang>) -> ExitCode {
    // Without --lang: the last language used, else the system's.
    let system = std::env::var("LANG").ok().filter(|l| l.starts_with("zh")).map(|_| Lang::Zh);
    let settings = idbooth::app::state::Settings::default_path();
    let remembered = settings.as_deref().map(idbooth::app::state::Settings::load).and_then(|s| s.lang);
    let opts = idbooth::app::Options {
        photo: a.photo,
        frames: a.frames,
        lang: lang.or(remembered).or(system),
        spec: a.spec,
        camera: !a.no_camera,
        sample: true,
        kiosk: a.kiosk,
        settings,
    };
    match idbooth::app::run(opts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("idbooth: {e:#}");
            ExitCode::from(2)
        }
    }
}

#[cfg(not(feature = "gui"))]
fn gui(_: GuiArgs, _: Option<Lang>) -> ExitCode {
    eprintln!("idbooth: this build has no window (built without the `gui` feature); see `idbooth --help`");
    ExitCode::from(2)
}

fn check(photos: &[PathBuf], spec_id: &str, json: bool, bg: &BackgroundChoice, lang: Lang) -> anyhow::Result<u8> {
    let book = SpecBook::load();
    let spec = book.get(spec_id)?;
    let mut worst = 0u8;
    for path in photos {
        let code = match check_one(path, spec, json && photos.len() == 1, json, bg, lang) {
            Ok(c) => c,
            Err(e) => {
                if json {
                    println!(
                        "{}",
                        serde_json::json!({ "source": { "path": path.display().to_string() }, "error": format!("{e:#}") })
                    );
                } else {
                    eprintln!("{}: {e:#}", path.display());
                }
                2
            }
        };
        worst = worst.max(code);
    }
    Ok(worst)
}

fn check_one(
    path: &Path,
    spec: &idbooth::spec::Spec,
    pretty: bool,
    json: bool,
    bg: &BackgroundChoice,
    lang: Lang,
) -> anyhow::Result<u8> {
    let checked = idbooth::pipeline::check_with(load_photo(path)?, spec, lang, bg)?;
    let r = &checked.report;
    if json {
        let text = if pretty { serde_json::to_string_pretty(r)? } else { serde_json::to_string(r)? };
        println!("{text}");
    } else {
        cli::print_report(r, lang);
    }
    Ok(if r.passed { 0 } else { 1 })
}

fn specs(json: bool) -> anyhow::Result<u8> {
    let book = SpecBook::load();
    if json {
        let list: Vec<_> = book
            .all()
            .iter()
            .map(|s| serde_json::json!({"id": s.id, "name_en": s.name_en, "name_zh": s.name_zh, "width_px": s.width(), "height_px": s.height(), "dpi": s.dpi()}))
            .collect();
        println!("{}", serde_json::to_string_pretty(&list)?);
    } else {
        for s in book.all() {
            println!(
                "{:<20} {:>4}×{:<4} px {:>3} dpi  {} / {}",
                s.id,
                s.width(),
                s.height(),
                s.dpi(),
                s.name_en,
                s.name_zh
            );
        }
    }
    for p in &book.problems {
        eprintln!("warning: {p}");
    }
    Ok(0)
}

/// Status mark for terminal output.
pub(crate) fn mark(s: Status) -> &'static str {
    match s {
        Status::Pass => "PASS",
        Status::Warn => "WARN",
        Status::Fail => "FAIL",
        Status::NotChecked => " -- ",
    }
}
