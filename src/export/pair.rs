//! A photo and its summary written as one unit. At no instant — kill, crash, power loss, full
//! disk — does a photo sit next to a summary that is not its own:
//!
//! 1. a journal file `.idbooth-XXXX.journal` is created beside the photo and locked (the lock
//!    dies with the process, so a later run can tell a dead export from a running one);
//! 2. both files are written in full to `.idbooth-XXXX.photo.part` / `.summary.part` and flushed;
//! 3. the journal is filled in and flushed: from here the export is committed;
//! 4. an old summary being replaced is removed first, then the photo and the summary are renamed
//!    into place, and the journal is removed.
//!
//! The next export into the same folder finds a dead export's journal ([`recover_dir`]): a
//! committed one is rolled forward (step 4 again), an uncommitted one is rolled back (its parts
//! deleted). Nothing else in the folder is touched.

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::ExportError;

const PREFIX: &str = ".idbooth-";
const JOURNAL: &str = ".journal";

/// What a committed export still has to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Journal {
    photo_part: PathBuf,
    photo: PathBuf,
    summary_part: PathBuf,
    summary: PathBuf,
    overwrite: bool,
}

/// Where the two files go, and what they must not clobber.
#[derive(Debug, Clone, Copy)]
pub struct Targets<'a> {
    pub photo: &'a Path,
    pub summary: &'a Path,
    /// Replace existing files of these names (never the source photo).
    pub overwrite: bool,
    /// The photo being exported from: never written over.
    pub source: Option<&'a Path>,
    /// Readable by the owner and their group only (0640), not by every account on the
    /// machine: a customer's photo in the shared spool. Exports the user asked for are
    /// created as any of their files is (0666 less the umask).
    pub private: bool,
}

/// Refuse targets that would lose data, before anything is written.
pub fn check_targets(t: &Targets) -> Result<(), ExportError> {
    let photo = absolute(t.photo)?;
    let summary = absolute(t.summary)?;
    if photo == summary {
        return Err(ExportError::SameFile(t.photo.into()));
    }
    for target in [t.photo, t.summary] {
        check_target(target, t.overwrite, t.source)?;
    }
    Ok(())
}

/// One file about to be written (an export's photo or summary, a sheet, a slip): a name the file
/// system takes, not the `source`, not there yet unless `overwrite`, in a folder that exists.
pub fn check_target(target: &Path, overwrite: bool, source: Option<&Path>) -> Result<(), ExportError> {
    let max = name_max(parent(target));
    if target.file_name().is_some_and(|n| n.len() > max) {
        return Err(ExportError::NameTooLong { path: target.into(), max });
    }
    if source.is_some_and(|s| same_file(s, target)) {
        return Err(ExportError::IsSource(target.into()));
    }
    if !overwrite && std::fs::symlink_metadata(target).is_ok() {
        return Err(ExportError::Exists(target.into()));
    }
    let dir = parent(target);
    if !dir.is_dir() {
        return Err(ExportError::NoFolder(dir.into()));
    }
    Ok(())
}

/// Write `photo_bytes` and `summary_bytes` to their targets as one unit (see the module docs).
pub fn write_pair(t: &Targets, photo_bytes: &[u8], summary_bytes: &[u8]) -> Result<(), ExportError> {
    check_targets(t)?;
    let (photo, summary) = (absolute(t.photo)?, absolute(t.summary)?);
    let dirs = dirs_of(&photo, &summary);
    for d in &dirs {
        recover_dir(d);
    }
    // 1. The locked journal (one in each folder involved) names the export's parts.
    let (mut journals, stem) = create_journal(&dirs[0], &photo)?;
    for d in &dirs[1..] {
        let p = d.join(format!("{stem}{JOURNAL}"));
        let f = OpenOptions::new().write(true).create_new(true).open(&p).map_err(|e| io(&photo, e))?;
        f.lock().map_err(|e| io(&photo, e))?;
        journals.push((p, f));
    }
    let j = Journal {
        photo_part: parent(&photo).join(format!("{stem}.photo.part")),
        photo: photo.clone(),
        summary_part: parent(&summary).join(format!("{stem}.summary.part")),
        summary: summary.clone(),
        overwrite: t.overwrite,
    };
    let result = (|| {
        // 2. Both files in full, flushed.
        write_new(&j.photo_part, photo_bytes, &photo, t.private)?;
        fail_point(Step::PartsWritten)?;
        write_new(&j.summary_part, summary_bytes, &summary, t.private)?;
        // 3. Commit.
        let text = serde_json::to_vec(&j).map_err(|e| ExportError::Encode(e.to_string()))?;
        for (p, f) in &mut journals {
            f.write_all(&text).and_then(|_| f.sync_all()).map_err(|e| io(p, e))?;
        }
        for d in &dirs {
            sync_dir(d);
        }
        Ok(())
    })();
    if let Err(e) = result {
        if !matches!(e, ExportError::Io(_, ref io) if io.kind() == ErrorKind::Interrupted && cfg!(test)) {
            let _ = std::fs::remove_file(&j.photo_part);
            let _ = std::fs::remove_file(&j.summary_part);
            for (p, _) in &journals {
                let _ = std::fs::remove_file(p);
            }
        }
        return Err(e);
    }
    fail_point(Step::Committed)?;
    // 4. Into place.
    roll_forward(&j)?;
    for (p, _) in &journals {
        let _ = std::fs::remove_file(p);
    }
    for d in &dirs {
        sync_dir(d);
    }
    Ok(())
}

/// Finish or undo the exports a killed process left in `dir`; returns how many it found.
/// Exports still running in another process (their journal is locked) are left alone.
pub fn recover_dir(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    let mut n = 0;
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let Some(stem) = name.strip_suffix(JOURNAL).filter(|s| s.starts_with(PREFIX)) else { continue };
        let path = e.path();
        let Ok(mut f) = OpenOptions::new().read(true).write(true).open(&path) else { continue };
        if f.try_lock().is_err() {
            continue;
        }
        n += 1;
        let mut text = String::new();
        let committed = f.read_to_string(&mut text).ok().and_then(|_| serde_json::from_str::<Journal>(&text).ok());
        match committed {
            Some(j) => {
                if roll_forward(&j).is_err() {
                    // Not the error itself: its file names may hold a customer's name.
                    tracing::warn!("could not finish an interrupted export in {}", crate::paths::shown(dir));
                }
            }
            None => {
                tracing::info!("removing the parts of an interrupted export");
                let _ = std::fs::remove_file(dir.join(format!("{stem}.photo.part")));
                let _ = std::fs::remove_file(dir.join(format!("{stem}.summary.part")));
            }
        }
        let _ = std::fs::remove_file(&path);
    }
    if n > 0 {
        sync_dir(dir);
    }
    n
}

/// Step 4: the old summary out of the way, the photo in, the summary in. Safe to repeat.
fn roll_forward(j: &Journal) -> Result<(), ExportError> {
    if j.photo_part.exists() {
        if j.overwrite && j.summary_part.exists() {
            // The old summary must not sit beside the new photo, not even for an instant.
            match std::fs::remove_file(&j.summary) {
                Err(e) if e.kind() != ErrorKind::NotFound => return Err(io(&j.summary, e)),
                _ => {}
            }
        }
        place(&j.photo_part, &j.photo, j.overwrite)?;
        fail_point(Step::PhotoPlaced)?;
    }
    if j.summary_part.exists() {
        place(&j.summary_part, &j.summary, j.overwrite)?;
    }
    Ok(())
}

fn place(part: &Path, target: &Path, overwrite: bool) -> Result<(), ExportError> {
    let tmp = tempfile::TempPath::try_from_path(part).map_err(|e| io(part, e))?;
    let placed = if overwrite { tmp.persist(target) } else { tmp.persist_noclobber(target) };
    match placed {
        Ok(()) => Ok(()),
        Err(e) => {
            // Keep the part for a later recovery rather than deleting the only copy.
            let _ = e.path.keep();
            if e.error.kind() == ErrorKind::AlreadyExists {
                Err(ExportError::Exists(target.into()))
            } else {
                Err(io(target, e.error))
            }
        }
    }
}

fn create_journal(dir: &Path, photo: &Path) -> Result<(Vec<(PathBuf, File)>, String), ExportError> {
    let mut made = None;
    tempfile::Builder::new()
        .prefix(PREFIX)
        .suffix(JOURNAL)
        .rand_bytes(8)
        .make_in(dir, |p| {
            let f = OpenOptions::new().read(true).write(true).create_new(true).open(p)?;
            f.lock()?;
            made = Some(f.try_clone()?);
            Ok(())
        })
        .map_err(|e| io(photo, e))
        .map(|t| {
            let path = t.into_temp_path().keep().unwrap_or_default();
            let stem =
                path.file_name().map(|n| n.to_string_lossy().trim_end_matches(JOURNAL).to_string()).unwrap_or_default();
            (vec![(path, made.take().expect("journal file made"))], stem)
        })
}

fn write_new(part: &Path, bytes: &[u8], target: &Path, private: bool) -> Result<(), ExportError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o640);
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut f = options.open(part).map_err(|e| io(target, e))?;
    f.write_all(bytes).and_then(|_| f.sync_all()).map_err(|e| io(target, e))
}

/// The error for `path`, telling a full disk apart.
fn io(path: &Path, e: std::io::Error) -> ExportError {
    if e.kind() == ErrorKind::StorageFull || e.kind() == ErrorKind::QuotaExceeded {
        ExportError::DiskFull(path.into())
    } else {
        ExportError::Io(path.into(), e)
    }
}

fn parent(p: &Path) -> &Path {
    p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

fn absolute(p: &Path) -> Result<PathBuf, ExportError> {
    std::path::absolute(p).map_err(|e| ExportError::Io(p.into(), e))
}

fn dirs_of(photo: &Path, summary: &Path) -> Vec<PathBuf> {
    let mut v = vec![parent(photo).to_path_buf()];
    let s = parent(summary).to_path_buf();
    if !same_file(&v[0], &s) {
        v.push(s);
    }
    v
}

/// Do two paths name the same existing file (also through links)?
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        #[cfg(unix)]
        (Ok(x), Ok(y)) => {
            use std::os::unix::fs::MetadataExt;
            x.dev() == y.dev() && x.ino() == y.ino()
        }
        #[cfg(not(unix))]
        (Ok(_), Ok(_)) => std::fs::canonicalize(a).ok() == std::fs::canonicalize(b).ok(),
        _ => false,
    }
}

/// The longest file name the folder's file system takes.
fn name_max(dir: &Path) -> usize {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        if let Ok(c) = std::ffi::CString::new(dir.as_os_str().as_bytes()) {
            // SAFETY: `c` is a valid NUL-terminated path for the duration of the call.
            let n = unsafe { libc::pathconf(c.as_ptr(), libc::_PC_NAME_MAX) };
            if n > 0 {
                return n as usize;
            }
        }
    }
    255
}

/// Make renames and removals in `dir` durable (no-op where folders cannot be opened).
fn sync_dir(dir: &Path) {
    if let Ok(f) = File::open(dir) {
        let _ = f.sync_all();
    }
}

/// Points at which tests stop an export as a kill would (no cleanup runs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    PartsWritten,
    Committed,
    PhotoPlaced,
}

#[cfg(test)]
thread_local! {
    static KILL_AT: std::cell::Cell<Option<Step>> = const { std::cell::Cell::new(None) };
}

fn fail_point(_step: Step) -> Result<(), ExportError> {
    #[cfg(test)]
    if KILL_AT.with(|k| k.get()) == Some(_step) {
        return Err(ExportError::Io(PathBuf::from("killed"), std::io::Error::from(ErrorKind::Interrupted)));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
