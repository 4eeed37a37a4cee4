//! The booth's log: what happened during the day (screens, captures, exports, errors), written to
//! a daily rolling file in the user's data folder so a kiosk that misbehaved overnight leaves a
//! trace. Never faces, names, phone numbers or file names: callers log events and numbers only.
//! `RUST_LOG` (e.g. `RUST_LOG=idbooth=debug`) sets the level; the default is `info`.

use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::prelude::*;

/// Log files kept (one per day).
const KEEP_DAYS: usize = 14;

/// Keeps the file writer flushing; hold it until the program ends.
pub struct LogGuard {
    _guard: Option<WorkerGuard>,
    /// The folder the log files are written to, if any.
    pub dir: Option<PathBuf>,
}

/// Start logging to `<data dir>/logs/idbooth.log.YYYY-MM-DD` (and to stderr when `RUST_LOG` is
/// set). A folder that cannot be made is reported once on stderr and logging goes on without it.
pub fn init() -> LogGuard {
    init_in(crate::paths::data_dir().map(|d| d.join("logs")).as_deref())
}

pub fn init_in(dir: Option<&Path>) -> LogGuard {
    let filter = || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let stderr = std::env::var_os("RUST_LOG")
        .is_some()
        .then(|| tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_filter(filter()));
    let file = dir.and_then(|d| {
        if let Err(e) = std::fs::create_dir_all(d) {
            eprintln!("idbooth: no log file in {}: {e}", crate::paths::shown(d));
            return None;
        }
        let appender = tracing_appender::rolling::Builder::new()
            .rotation(tracing_appender::rolling::Rotation::DAILY)
            .filename_prefix("idbooth.log")
            .max_log_files(KEEP_DAYS)
            .build(d);
        match appender {
            Ok(a) => Some((tracing_appender::non_blocking(a), d.to_path_buf())),
            Err(e) => {
                eprintln!("idbooth: no log file in {}: {e}", crate::paths::shown(d));
                None
            }
        }
    });
    let (layer, guard, dir) = match file {
        Some(((writer, guard), d)) => (
            Some(tracing_subscriber::fmt::layer().with_ansi(false).with_writer(writer).with_filter(filter())),
            Some(guard),
            Some(d),
        ),
        None => (None, None, None),
    };
    // A second init (tests) keeps the first subscriber.
    let _ = tracing_subscriber::registry().with(stderr).with(layer).try_init();
    LogGuard { _guard: guard, dir }
}
