//! The booth's own serial numbers for exported photos: `20261203-000042`, the local date and a
//! counter that only ever grows on this machine. The counter lives in a file in the user's data
//! folder (`IDBOOTH_DATA_DIR` overrides it); it is read and rewritten under an exclusive lock, and
//! the new value is on disk (fsynced, renamed into place) before a serial is handed out, so two
//! processes never get the same number and a crash or restart never hands one out twice. A
//! crash may skip a number; nothing ever repeats one.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum SerialError {
    #[error("no folder for the serial counter: set IDBOOTH_DATA_DIR or HOME")]
    NoDataDir,
    #[error("serial counter {0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error(
        "the serial counter {path} is damaged ('{content}'): refusing to start again from 1, which would \
         repeat serials; put the last serial's number (the part after the '-') into the file to go on"
    )]
    Damaged { path: PathBuf, content: String },
}

/// The counter file and its lock in one folder.
#[derive(Debug, Clone)]
pub struct SerialCounter {
    dir: PathBuf,
}

impl SerialCounter {
    pub fn at(dir: impl Into<PathBuf>) -> SerialCounter {
        SerialCounter { dir: dir.into() }
    }

    /// The booth's data folder ([`crate::paths::data_dir`]: `IDBOOTH_DATA_DIR`, else
    /// `~/.local/share/idbooth` on Linux).
    pub fn default_location() -> Result<SerialCounter, SerialError> {
        crate::paths::data_dir().map(Self::at).ok_or(SerialError::NoDataDir)
    }

    pub fn file(&self) -> PathBuf {
        self.dir.join("serial-counter")
    }

    /// The next number: at least 1, one more than any handed out before on this machine.
    pub fn next_number(&self) -> Result<u64, SerialError> {
        let io = |p: &Path| {
            let p = p.to_path_buf();
            move |e| SerialError::Io(p, e)
        };
        std::fs::create_dir_all(&self.dir).map_err(io(&self.dir))?;
        let lock_path = self.dir.join("serial-counter.lock");
        let lock =
            OpenOptions::new().create(true).truncate(false).write(true).open(&lock_path).map_err(io(&lock_path))?;
        // Released when `lock` is dropped, also when the process dies.
        lock.lock().map_err(io(&lock_path))?;
        let path = self.file();
        let last = match File::open(&path) {
            Ok(mut f) => {
                let mut s = String::new();
                f.read_to_string(&mut s).map_err(io(&path))?;
                s.trim().parse::<u64>().map_err(|_| SerialError::Damaged {
                    path: path.clone(),
                    content: s.trim().chars().take(40).collect(),
                })?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
            Err(e) => return Err(SerialError::Io(path, e)),
        };
        let next = last + 1;
        // Write beside, fsync, rename over, fsync the folder: the file holds the old number or
        // the new one, never a torn one.
        let tmp = self.dir.join("serial-counter.tmp");
        let mut f = File::create(&tmp).map_err(io(&tmp))?;
        f.write_all(format!("{next}\n").as_bytes()).map_err(io(&tmp))?;
        f.sync_all().map_err(io(&tmp))?;
        drop(f);
        std::fs::rename(&tmp, &path).map_err(io(&path))?;
        File::open(&self.dir).and_then(|d| d.sync_all()).map_err(io(&self.dir))?;
        drop(lock);
        Ok(next)
    }

    /// The next serial, `YYYYMMDD-NNNNNN` (local date; more digits past 999 999).
    pub fn next(&self) -> Result<String, SerialError> {
        let n = self.next_number()?;
        Ok(format!("{}-{n:06}", jiff::Zoned::now().strftime("%Y%m%d")))
    }
}

/// The next serial from the machine's counter.
pub fn next_serial() -> Result<String, SerialError> {
    SerialCounter::default_location()?.next()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("idbooth-serial-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn serials_count_up_and_survive_a_restart() {
        let d = dir("restart");
        let s = SerialCounter::at(&d).next().unwrap();
        assert_eq!(s.len(), 15, "{s}");
        assert!(s.ends_with("-000001") && s[..8].chars().all(|c| c.is_ascii_digit()), "{s}");
        assert_eq!(SerialCounter::at(&d).next_number().unwrap(), 2);
        // A new counter on the same folder (a restarted booth) goes on.
        assert_eq!(SerialCounter::at(&d).next_number().unwrap(), 3);
        std::fs::remove_dir_all(&d).ok();
    }

    #[test]
    fn threads_never_share_a_number() {
        let d = dir("threads");
        let handles: Vec<_> = (0..6)
            .map(|_| {
                let c = SerialCounter::at(&d);
                std::thread::spawn(move || (0..40).map(|_| c.next_number().unwrap()).collect::<Vec<_>>())
            })
            .collect();
        let mut all: Vec<u64> = handles.into_iter().flat_map(|h| h.join().unwrap()).collect();
        all.sort();
        assert_eq!(all, (1..=240).collect::<Vec<_>>());
        std::fs::remove_dir_all(&d).ok();
    }

    #[test]
    fn a_damaged_counter_is_refused_not_reset() {
        let d = dir("damaged");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("serial-counter"), "4x2").unwrap();
        let e = SerialCounter::at(&d).next_number().unwrap_err();
        assert!(matches!(e, SerialError::Damaged { .. }), "{e}");
        std::fs::write(d.join("serial-counter"), "41\n").unwrap();
        assert_eq!(SerialCounter::at(&d).next_number().unwrap(), 42);
        std::fs::remove_dir_all(&d).ok();
    }

    /// Run by `processes_killed_mid_run_never_repeat` in child processes: draw numbers forever.
    #[test]
    #[ignore = "a helper: run in child processes by processes_killed_mid_run_never_repeat"]
    fn child_draws_numbers() {
        let Some(d) = std::env::var_os("IDBOOTH_SERIAL_CHILD") else { return };
        let c = SerialCounter::at(PathBuf::from(d));
        let mut out = std::io::stdout();
        loop {
            let n = c.next_number().unwrap();
            writeln!(out, "N {n}").unwrap();
            out.flush().unwrap();
        }
    }

    #[test]
    fn processes_killed_mid_run_never_repeat() {
        let d = dir("procs");
        let exe = std::env::current_exe().unwrap();
        let spawn = || {
            std::process::Command::new(&exe)
                .args(["--exact", "serial::tests::child_draws_numbers", "--ignored", "--nocapture", "--test-threads=1"])
                .env("IDBOOTH_SERIAL_CHILD", &d)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap()
        };
        let mut children: Vec<_> = (0..3).map(|_| spawn()).collect();
        // Let them draw a few dozen numbers (polling, not a fixed sleep: a loaded machine starts
        // the children slowly); the parent's own draws are numbers handed out too.
        let started = std::time::Instant::now();
        while SerialCounter::at(&d).next_number().unwrap() < 40 && started.elapsed().as_secs() < 20 {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        // SIGKILL: no destructors, no unlocking by hand; the kernel drops the locks.
        for c in &mut children {
            c.kill().unwrap();
        }
        let mut seen = Vec::new();
        for c in children {
            let out = c.wait_with_output().unwrap();
            let text = String::from_utf8_lossy(&out.stdout).to_string();
            seen.extend(text.lines().filter_map(|l| l.strip_prefix("N ")?.parse::<u64>().ok()));
        }
        // After the kills, a restarted booth goes on past every number handed out.
        let after = SerialCounter::at(&d).next_number().unwrap();
        let n = seen.len();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), n, "a number was handed out twice");
        assert!(n > 3, "the children drew only {n} numbers");
        assert!(after > *seen.last().unwrap());
        std::fs::remove_dir_all(&d).ok();
    }
}
