//! `idbooth`: the command line over the library — check photos, export receipt-ready files,
//! list specs, measure landmark accuracy and speed.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use idbooth::Lang;
use idbooth::compose::background::BackgroundChoice;
use idbooth::judge::Status;
use idbooth::spec::{DEFAULT_SPEC, SpecBook};

mod cli;
mod cli_batch;
mod cli_help;
mod cli_print;
mod cli_rules;

#[derive(Parser)]
#[command(
    name = "idbooth",
    version,
    about = "Offline ID-photo booth: check, crop and export photos to official specs",
    long_about = "Offline ID-photo booth: check, crop and export photos to official specs.\n\n\
                  With no subcommand, opens the booth's window (camera, or PHOTO when given).",
    after_help = "Exit status of check and export: 0 the photo passes (export: written); 1 a rule fails \
                  (export: refused, nothing written); 3 nothing fails but a person must confirm a rule \
                  (export: refused until confirmed with --confirm/--by); 2 an error (unreadable file, bad \
                  arguments, a write that failed). With several photos the worst counts: 2, then 1, then 3."
)]
struct Args {
    /// Language of messages: en or zh (default: zh where LANG is Chinese, else en; the window:
    /// the one last used, else on a laptop that, elsewhere the studio's first).
    #[arg(long, global = true)]
    lang: Option<Lang>,
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
    /// Self-service kiosk: full screen, touch only, captures by itself, cannot be closed.
    #[arg(long, conflicts_with = "counter")]
    kiosk: bool,
    /// Staff at a photo counter: the kiosk's queue, manual crop, confirmations.
    #[arg(long)]
    counter: bool,
    /// Open an exported photo (NAME.jpg with NAME.json beside it) on the print screen, to
    /// print its sheet or slip again.
    #[arg(long, value_name = "EXPORTED.jpg", conflicts_with_all = ["photo", "kiosk"])]
    reprint: Option<PathBuf>,
    /// The studio settings file (default: ~/.config/idbooth/studio.toml).
    #[arg(long, global = true, value_name = "FILE")]
    settings: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Check photos against a spec (exit status: see `idbooth --help`).
    Check {
        /// Photos to check (JPEG, PNG, WebP, TIFF or BMP).
        #[arg(required = true)]
        photos: Vec<PathBuf>,
        /// The spec to check against (`idbooth specs` lists them).
        #[arg(long, default_value = DEFAULT_SPEC)]
        spec: String,
        /// Print one JSON report per photo, one per line.
        #[arg(long)]
        json: bool,
        /// Background the booth will give the photo: auto (replace where the spec allows), keep,
        /// or an allowed colour name such as white or light-blue. Judging always reads the photo
        /// as taken; this only decides what is done to it afterwards.
        #[arg(long, default_value = "auto")]
        background: BackgroundChoice,
    },
    /// Crop and export a receipt-ready JPEG plus a JSON summary.
    Export(Box<cli::ExportArgs>),
    /// List the known specs.
    Specs {
        /// As JSON: id, names, size in pixels, dpi and the documents each is for.
        #[arg(long)]
        json: bool,
    },
    /// Measure landmark accuracy against hand-placed points (`.tem` files beside the photos).
    Eval {
        /// A folder of photos with `.tem` files, or a folder of such folders (one source each).
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
        /// Instead: compare the background matte with a colour-distance reference (plain backdrops),
        /// and measure the backdrop enclosed by hair around the head that it keeps.
        #[arg(long)]
        matte: bool,
        /// Instead: the old backdrop left at the person's edge after replacement, and the white
        /// cut below the chin, per set (DIR or each of its sub-folders with photos).
        #[arg(long)]
        leak: bool,
        /// With --leak: write each photo's composite onto magenta here (PNG).
        #[arg(long, value_name = "DIR", requires = "leak")]
        dump: Option<PathBuf>,
    },
    /// Show the studio settings file with every key, or set the staff PIN.
    Settings {
        /// Store this staff PIN (hashed) in the settings file.
        #[arg(long, value_name = "DIGITS")]
        set_pin: Option<String>,
    },
    /// Lay exported photos out at true size on a sheet: PDF (and PNG/JPEG), optionally printed.
    Sheet(cli_print::SheetArgs),
    /// The applicant's summary slip (photo, serial + QR code, outcome) from an export summary.
    Summary(cli_print::SummaryArgs),
    /// Score the appearance rules against label files (tests/labels/*.toml; photos in ../shared).
    EvalRules {
        /// Label files.
        #[arg(required = true)]
        labels: Vec<PathBuf>,
        /// List the photos each rule got wrong.
        #[arg(long)]
        verbose: bool,
    },
    /// Time the stages on a photo (default: the bundled sample).
    Bench {
        /// The photo to time (default: the bundled sample).
        photo: Option<PathBuf>,
        /// Runs per stage.
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
    let args: Args = match cli_help::parse(cli::reader_lang(cli::given_lang())) {
        Ok(a) => a,
        Err(e) => return cli::argument_error(e),
    };
    let _log = idbooth::logging::init();
    let Some(command) = args.command else {
        return gui(args.gui, args.lang);
    };
    let lang = cli::reader_lang(args.lang);
    tracing::info!(command = command.name(), "command line");
    let result = match command {
        Command::Check { photos, spec, json, background } => cli::check(&photos, &spec, json, &background, lang),
        Command::Export(mut e) => {
            // Who confirms follows the studio's mode unless --role says: staff at a counter or
            // kiosk, the applicant on a laptop (the default, as at home).
            if e.role.is_none() && !e.confirm.is_empty() {
                e.role = Some(confirm_role(args.gui.settings, lang));
            }
            cli::export(&e, lang)
        }
        Command::Specs { json } => specs(json),
        Command::Eval { dir, matte: true, verbose, .. } => cli::eval_matte(&dir, verbose),
        Command::Eval { dir, leak: true, verbose, dump, .. } => cli::eval_leak(&dir, verbose, dump.as_deref()),
        Command::Eval { dir, fit, verbose, max_pupil, max_chin, .. } => {
            cli::eval(&dir, fit, verbose, max_pupil, max_chin)
        }
        Command::EvalRules { labels, verbose } => cli_rules::eval_rules(&labels, verbose),
        Command::Bench { photo, runs } => cli::bench(photo.as_deref(), runs),
        Command::Settings { set_pin } => settings(args.gui.settings, set_pin, lang),
        Command::Sheet(a) => cli_print::sheet(&a, &studio_defaults(args.gui.settings, lang), lang),
        Command::Summary(a) => cli_print::summary(&a, &studio_defaults(args.gui.settings, lang), lang),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            tracing::warn!("command failed");
            eprintln!("idbooth: {}", idbooth::paths::escape(&idbooth::i18n::error(&e, lang)));
            ExitCode::from(2)
        }
    }
}

impl Command {
    fn name(&self) -> &'static str {
        match self {
            Command::Check { .. } => "check",
            Command::Export(_) => "export",
            Command::Specs { .. } => "specs",
            Command::Eval { .. } => "eval",
            Command::EvalRules { .. } => "eval-rules",
            Command::Bench { .. } => "bench",
            Command::Settings { .. } => "settings",
            Command::Sheet(_) => "sheet",
            Command::Summary(_) => "summary",
        }
    }
}

#[cfg(feature = "gui")]
fn gui(a: GuiArgs, lang: Option<Lang>) -> ExitCode {
    use idbooth::app::config::{Mode, StudioSettings};
    let path = a.settings.clone().or_else(StudioSettings::default_path);
    let (settings, problem) = match &path {
        Some(p) => StudioSettings::load(p),
        None => (StudioSettings::default(), None),
    };
    if let Some(p) = &problem {
        eprintln!("idbooth: {p}");
        tracing::warn!("settings file problem");
    }
    // Without --lang: on a laptop the last one used, else the system's; else the settings' first.
    let system = cli::system_lang();
    let mode = if a.kiosk {
        Some(Mode::Kiosk)
    } else if a.counter {
        Some(Mode::Counter)
    } else {
        None
    };
    let opts = idbooth::app::Options {
        photo: a.photo,
        frames: a.frames,
        lang,
        system_lang: (settings.mode == Mode::Laptop && mode.is_none()).then(|| system.unwrap_or(Lang::En)),
        spec: a.spec,
        camera: !a.no_camera,
        sample: true,
        mode,
        settings,
        settings_problem: problem.map(std::sync::Arc::new),
        remember: idbooth::app::state::Remembered::default_path(),
        state_dir: None,
        reprint: a.reprint,
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

#[cfg(feature = "gui")]
fn settings(path: Option<PathBuf>, set_pin: Option<String>, lang: Lang) -> anyhow::Result<u8> {
    use idbooth::app::config::StudioSettings;
    let path = path
        .or_else(StudioSettings::default_path)
        .ok_or_else(|| anyhow::anyhow!("no config folder here: use --settings FILE"))?;
    let (s, problem) = StudioSettings::load(&path);
    match set_pin {
        // A file with keys the booth cannot use is mended by hand first.
        Some(_) if let Some(p) = problem => anyhow::bail!("{p}. Mend the file first; the PIN was not stored"),
        Some(pin) if !StudioSettings::pin_valid(&pin) => {
            let max = idbooth::app::config::PIN_MAX.to_string();
            anyhow::bail!(idbooth::i18n::tr(lang, "cli.pin_digits", &[("max", max)]))
        }
        Some(pin) => {
            StudioSettings::store_pin(&path, &pin).map_err(|e| anyhow::anyhow!(e))?;
            println!("{}", idbooth::i18n::tr(lang, "cli.pin_stored", &[("path", idbooth::paths::shown(&path))]));
        }
        None => {
            println!("# {}", idbooth::paths::shown(&path));
            if !path.exists() {
                // Nothing is wrong: the defaults are in force until the file is written.
                println!("# {}", idbooth::i18n::tr(lang, "cli.settings_absent", &[]));
            }
            print!("{}", toml::to_string_pretty(&s)?);
            // The settings in force are printed; a key left out is an error for scripts.
            if let Some(p) = problem {
                eprintln!("idbooth: {p}");
                return Ok(1);
            }
        }
    }
    Ok(0)
}

/// The studio settings' printer, paper and studio name for `sheet` and `summary` (a problem
/// with the file is said, and what could be read is used).
#[cfg(feature = "gui")]
fn studio_defaults(path: Option<PathBuf>, lang: Lang) -> cli_print::StudioDefaults {
    use idbooth::app::config::StudioSettings;
    let Some(path) = path.or_else(StudioSettings::default_path) else { return Default::default() };
    let (s, problem) = StudioSettings::load(&path);
    settings_warning(problem, lang);
    cli_print::StudioDefaults { studio: s.studio, print: s.print }
}

#[cfg(not(feature = "gui"))]
fn studio_defaults(_: Option<PathBuf>, _: Lang) -> cli_print::StudioDefaults {
    Default::default()
}

/// The role of who confirms on the command line, from the studio settings' mode: staff at a
/// counter or kiosk, the applicant on a laptop (the default: a person at home).
#[cfg(feature = "gui")]
fn confirm_role(path: Option<PathBuf>, lang: Lang) -> idbooth::approval::Role {
    use idbooth::app::config::{Mode, StudioSettings};
    let Some(path) = path.or_else(StudioSettings::default_path) else { return idbooth::approval::Role::Applicant };
    let (s, problem) = StudioSettings::load(&path);
    settings_warning(problem, lang);
    match s.mode {
        Mode::Laptop => idbooth::approval::Role::Applicant,
        Mode::Counter | Mode::Kiosk => idbooth::approval::Role::Staff,
    }
}

/// A problem with the studio settings file, said on stderr in the reader's language.
#[cfg(feature = "gui")]
fn settings_warning(problem: Option<idbooth::app::config::SettingsError>, lang: Lang) {
    if let Some(p) = problem {
        eprintln!("{}", idbooth::i18n::tr(lang, "cli.warning", &[("text", p.message(lang))]));
    }
}

#[cfg(not(feature = "gui"))]
fn confirm_role(_: Option<PathBuf>, _: Lang) -> idbooth::approval::Role {
    idbooth::approval::Role::Applicant
}

#[cfg(not(feature = "gui"))]
fn settings(_: Option<PathBuf>, _: Option<String>, _: Lang) -> anyhow::Result<u8> {
    anyhow::bail!("this build has no window, so no studio settings")
}

fn specs(json: bool) -> anyhow::Result<u8> {
    let book = SpecBook::load();
    if json {
        let list: Vec<_> = book
            .all()
            .iter()
            .map(|s| {
                serde_json::json!({"id": s.id, "name_en": s.name_en, "name_zh": s.name_zh, "width_px": s.width(),
                    "height_px": s.height(), "dpi": s.dpi(), "documents": s.documents})
            })
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
        Status::NeedsPerson => "LOOK",
    }
}
