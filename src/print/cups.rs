//! Sending a PDF to a printer through CUPS with its own command-line client (`lp`, `lpstat`),
//! and turning what they say into clear errors. The clients run with `LC_ALL=C` so their
//! messages are the English ones matched here (see ../shared/reference/cups-printing.md).

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum CupsError {
    #[error("CUPS is not installed (no `{0}` command): install cups-client, or print the PDF another way")]
    NotInstalled(&'static str),
    #[error("the CUPS scheduler is not running: start it (`cupsd`, or `systemctl start cups`)")]
    SchedulerDown,
    #[error("there is no printer named '{0}' (list them with `lpstat -p`)")]
    UnknownPrinter(String),
    #[error("no printer was named and there is no default printer: name one, or set a default with `lpadmin -d NAME`")]
    NoDefault,
    #[error("printer '{name}' is stopped{}: start it with `cupsenable {name}`", .reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default())]
    Stopped { name: String, reason: Option<String> },
    #[error("printer '{0}' is not accepting jobs: accept them again with `cupsaccept {0}`")]
    Rejecting(String),
    #[error("job {job} did not finish within {secs} s (state: {state})")]
    JobTimeout { job: String, secs: u64, state: String },
    #[error("cannot hand the PDF to the printer (temporary file in {0}): {1}")]
    TempFile(String, String),
    #[error("lp: {0}")]
    Other(String),
}

impl CupsError {
    /// What to tell the person, in `lang` (the locale's `print.cups` texts).
    pub fn message(&self, lang: crate::Lang) -> String {
        let s = |v: &str| v.to_string();
        let (key, args): (&str, Vec<(&str, String)>) = match self {
            CupsError::NotInstalled(cmd) => ("not_installed", vec![("command", s(cmd))]),
            CupsError::SchedulerDown => ("scheduler_down", vec![]),
            CupsError::UnknownPrinter(p) => ("unknown_printer", vec![("printer", p.clone())]),
            CupsError::NoDefault => ("no_default", vec![]),
            CupsError::Stopped { name, reason } => {
                ("stopped", vec![("printer", name.clone()), ("reason", reason.clone().unwrap_or_else(|| "—".into()))])
            }
            CupsError::Rejecting(p) => ("rejecting", vec![("printer", p.clone())]),
            CupsError::JobTimeout { job, secs, state } => {
                ("job_timeout", vec![("job", job.clone()), ("secs", secs.to_string()), ("state", state.clone())])
            }
            CupsError::TempFile(dir, e) => ("temp_file", vec![("dir", dir.clone()), ("error", e.clone())]),
            CupsError::Other(e) => ("other", vec![("error", e.clone())]),
        };
        crate::i18n::tr(lang, &format!("print.cups.{key}"), &args)
    }
}

/// What to print and how.
#[derive(Debug, Clone, Default)]
pub struct PrintJob {
    /// CUPS queue; `None` for the default printer.
    pub printer: Option<String>,
    /// Job title (cups-pdf names its file after it).
    pub title: String,
    /// Paper size in mm, passed as `media=Custom.WxHmm` so the printer picks matching paper;
    /// the PDF is never scaled (no fit-to-page), so photos keep their true size.
    pub media_mm: Option<(f64, f64)>,
    pub copies: u32,
}

/// A submitted job: `idbooth-pdf-12` on printer `idbooth-pdf`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: String,
    pub printer: String,
}

impl Job {
    /// The job number (after the last `-` of the id).
    pub fn number(&self) -> Option<u32> {
        self.id.rsplit('-').next()?.parse().ok()
    }
}

/// The CUPS client. `server` (CUPS_SERVER for the commands) talks to another scheduler.
#[derive(Debug, Clone, Default)]
pub struct Cups {
    pub server: Option<String>,
}

impl Cups {
    fn run(&self, cmd: &'static str, args: &[&str]) -> Result<Output, CupsError> {
        let mut c = Command::new(cmd);
        c.args(args).env("LC_ALL", "C").env_remove("LPDEST").env_remove("PRINTER");
        if let Some(s) = &self.server {
            c.env("CUPS_SERVER", s);
        }
        c.output().map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => CupsError::NotInstalled(cmd),
            _ => CupsError::Other(format!("{cmd}: {e}")),
        })
    }

    /// Is the scheduler answering? (`lpstat -r` exits 0 either way: read its words.)
    pub fn scheduler_running(&self) -> Result<bool, CupsError> {
        let out = self.run("lpstat", &["-r"])?;
        Ok(String::from_utf8_lossy(&out.stdout).trim() == "scheduler is running")
    }

    /// The default printer, if any.
    pub fn default_printer(&self) -> Result<Option<String>, CupsError> {
        let out = self.run("lpstat", &["-d"])?;
        let text = String::from_utf8_lossy(&out.stdout);
        Ok(text.lines().find_map(|l| l.strip_prefix("system default destination: ")).map(|s| s.trim().to_string()))
    }

    /// Refuse a printer that would hold the job instead of printing it.
    fn check_enabled(&self, name: &str) -> Result<(), CupsError> {
        let out = self.run("lpstat", &["-p", name])?;
        let text = String::from_utf8_lossy(&out.stdout);
        let err = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() || err.contains("Invalid destination name") {
            return Err(CupsError::UnknownPrinter(name.into()));
        }
        if text.contains(" disabled since ") {
            // The reason is on the next, indented line.
            let reason = text.lines().nth(1).map(|l| l.trim().to_string()).filter(|r| !r.is_empty() && r != "-");
            return Err(CupsError::Stopped { name: name.into(), reason });
        }
        Ok(())
    }

    /// Send `pdf` to the printer; returns the job once CUPS has accepted it.
    pub fn submit(&self, pdf: &Path, job: &PrintJob) -> Result<Job, CupsError> {
        if !self.scheduler_running()? {
            return Err(CupsError::SchedulerDown);
        }
        let printer = match &job.printer {
            Some(p) => p.clone(),
            None => self.default_printer()?.ok_or(CupsError::NoDefault)?,
        };
        self.check_enabled(&printer)?;
        let mut args: Vec<String> = vec!["-d".into(), printer.clone()];
        if !job.title.is_empty() {
            args.extend(["-t".into(), job.title.clone()]);
        }
        if let Some((w, h)) = job.media_mm {
            args.extend(["-o".into(), format!("media=Custom.{w:.1}x{h:.1}mm")]);
        }
        if job.copies > 1 {
            args.extend(["-n".into(), job.copies.to_string()]);
        }
        args.push("--".into());
        args.push(pdf.display().to_string());
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = self.run("lp", &refs)?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.success()
            && let Some(id) = parse_request_id(&stdout)
        {
            return Ok(Job { id, printer });
        }
        let e = classify(&stderr, Some(&printer));
        // lp says "does not exist" or "no default" also when it cannot reach the scheduler.
        if matches!(e, CupsError::UnknownPrinter(_) | CupsError::NoDefault) && !self.scheduler_running()? {
            return Err(CupsError::SchedulerDown);
        }
        Err(e)
    }

    /// Print PDF bytes: written to a temporary file in `dir` for `lp` (which copies it into
    /// its spool; the file is removed as soon as `lp` returns), then watched for a moment so a
    /// job that fails at once (a filter, a stopped queue) is reported rather than left silent.
    pub fn print_pdf(&self, pdf: &[u8], job: &PrintJob, dir: &Path) -> Result<Job, CupsError> {
        use std::io::Write;
        let tmp_err = |e: std::io::Error| CupsError::TempFile(crate::paths::shown(dir), e.to_string());
        let mut file =
            tempfile::Builder::new().prefix("idbooth-print-").suffix(".pdf").tempfile_in(dir).map_err(tmp_err)?;
        file.write_all(pdf).and_then(|_| file.flush()).map_err(tmp_err)?;
        let submitted = self.submit(file.path(), job)?;
        drop(file);
        match self.wait(&submitted, Duration::from_secs(2)) {
            Ok(()) | Err(CupsError::JobTimeout { .. }) => Ok(submitted),
            Err(e) => Err(e),
        }
    }

    /// The job's state: `None` once it has left the queue (done), else CUPS's words for it.
    pub fn pending(&self, job: &Job) -> Result<Option<String>, CupsError> {
        let out = self.run("lpstat", &["-l", "-o", &job.printer])?;
        let text = String::from_utf8_lossy(&out.stdout);
        let mut lines = text.lines().skip_while(|l| l.split_whitespace().next() != Some(job.id.as_str()));
        let Some(_) = lines.next() else { return Ok(None) };
        let detail: Vec<&str> = lines.take_while(|l| l.starts_with(char::is_whitespace)).map(str::trim).collect();
        Ok(Some(if detail.is_empty() { "queued".into() } else { detail.join("; ") }))
    }

    /// Was the job completed (as opposed to cancelled or aborted)?
    pub fn completed(&self, job: &Job) -> Result<bool, CupsError> {
        let out = self.run("lpstat", &["-W", "completed", "-o", &job.printer])?;
        let text = String::from_utf8_lossy(&out.stdout);
        Ok(text.lines().any(|l| l.split_whitespace().next() == Some(job.id.as_str())))
    }

    /// Wait until the job leaves the queue and check that it completed.
    pub fn wait(&self, job: &Job, timeout: Duration) -> Result<(), CupsError> {
        let start = Instant::now();
        loop {
            match self.pending(job)? {
                None => break,
                Some(state) if start.elapsed() >= timeout => {
                    return Err(CupsError::JobTimeout { job: job.id.clone(), secs: timeout.as_secs(), state });
                }
                Some(_) => std::thread::sleep(Duration::from_millis(200)),
            }
        }
        if self.completed(job)? {
            Ok(())
        } else {
            Err(CupsError::Other(format!("job {} left the queue without completing (cancelled or aborted)", job.id)))
        }
    }
}

/// `request id is idbooth-pdf-1 (1 file(s))` → `idbooth-pdf-1`.
pub fn parse_request_id(stdout: &str) -> Option<String> {
    stdout.lines().find_map(|l| l.strip_prefix("request id is ")?.split_whitespace().next().map(String::from))
}

/// Turn lp's message (LC_ALL=C) into an error.
pub fn classify(stderr: &str, printer: Option<&str>) -> CupsError {
    let name = printer.unwrap_or_default().to_string();
    let s = stderr.trim();
    if s.contains("No default destination") {
        CupsError::NoDefault
    } else if s.contains("printer or class does not exist")
        || s.contains("names default destination that does not exist")
    {
        CupsError::UnknownPrinter(name)
    } else if s.contains("is not accepting jobs") {
        CupsError::Rejecting(name)
    } else if s.contains("Scheduler is not running") {
        CupsError::SchedulerDown
    } else {
        CupsError::Other(s.trim_start_matches("lp: ").to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_parsed() {
        assert_eq!(parse_request_id("request id is idbooth-pdf-1 (1 file(s))\n").as_deref(), Some("idbooth-pdf-1"));
        assert_eq!(parse_request_id("nothing"), None);
        let j = Job { id: "idbooth-pdf-12".into(), printer: "idbooth-pdf".into() };
        assert_eq!(j.number(), Some(12));
    }

    #[test]
    fn lp_messages_become_errors() {
        // The messages of lp 2.4 under LC_ALL=C, from the reference's table.
        let p = Some("x");
        assert_eq!(
            classify("lp: Error - The printer or class does not exist.", p),
            CupsError::UnknownPrinter("x".into())
        );
        assert_eq!(classify("lp: Error - No default destination.", None), CupsError::NoDefault);
        assert_eq!(classify("lp: Destination \"x\" is not accepting jobs.", p), CupsError::Rejecting("x".into()));
        assert!(
            matches!(classify("lp: No file in print request.", p), CupsError::Other(m) if m == "No file in print request.")
        );
    }

    #[test]
    fn errors_read_in_both_languages() {
        use crate::Lang;
        let e = CupsError::UnknownPrinter("Front-Desk".into());
        assert!(e.message(Lang::En).contains("Front-Desk") && e.message(Lang::Zh).contains("Front-Desk"));
        assert_ne!(e.message(Lang::En), e.message(Lang::Zh));
        let all = [
            CupsError::NotInstalled("lp"),
            CupsError::SchedulerDown,
            e,
            CupsError::NoDefault,
            CupsError::Stopped { name: "p".into(), reason: Some("out of paper".into()) },
            CupsError::Rejecting("p".into()),
            CupsError::JobTimeout { job: "p-1".into(), secs: 2, state: "held".into() },
            CupsError::TempFile("/tmp".into(), "disk full".into()),
            CupsError::Other("x".into()),
        ];
        for e in &all {
            for lang in [Lang::En, Lang::Zh] {
                let m = e.message(lang);
                assert!(!m.contains("print.cups") && !m.contains('{'), "{e:?} {lang:?}: {m}");
            }
        }
    }

    #[test]
    fn printing_bytes_leaves_no_temporary_file() {
        let d = tempfile::tempdir().unwrap();
        // Without a scheduler (or with one): no printer by this name either way.
        let job = PrintJob { printer: Some("idbooth-no-such-printer".into()), ..PrintJob::default() };
        let down = Cups { server: Some(d.path().join("no-cupsd.sock").display().to_string()) };
        let e = down.print_pdf(b"%PDF-1.7", &job, d.path()).unwrap_err();
        assert!(matches!(e, CupsError::SchedulerDown | CupsError::NotInstalled(_)), "{e:?}");
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 0);
        let gone = d.path().join("gone");
        assert!(matches!(down.print_pdf(b"%PDF", &job, &gone), Err(CupsError::TempFile(..))));
    }

    #[test]
    fn a_missing_client_is_named() {
        let e = Cups::default().run("idbooth-no-such-lp", &[]).unwrap_err();
        assert_eq!(e, CupsError::NotInstalled("idbooth-no-such-lp"));
    }
}
