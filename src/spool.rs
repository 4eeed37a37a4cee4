//! The spool: how the kiosk hands a customer's accepted photo to the counter. Each hand-off is a
//! complete pair written as one unit (see [`crate::export::pair`]): the captured photo as taken
//! (`DATE-TICKET.jpg`, full camera resolution, so the counter can re-crop) and `DATE-TICKET.json` with the
//! ticket, document, language and how the kiosk judged it. The counter lists the folder and
//! marks entries it exported or printed in a small status file beside them.

use std::fs::OpenOptions;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use image::RgbImage;
use serde::{Deserialize, Serialize};

use crate::Lang;
use crate::export::pair::{self, Targets};
use crate::export::{self, ExportError};
use crate::judge::{Overall, RuleId};

/// What the kiosk knew about the customer's photo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Handoff {
    pub schema: u32,
    pub ticket: String,
    /// passport | hk-macau-permit | taiwan-permit | …
    pub document: String,
    pub spec: String,
    pub lang: Lang,
    /// RFC 3339, local time.
    pub captured_at: String,
    /// How the kiosk judged the photo; the counter judges it again.
    pub outcome: Overall,
    /// Rules the counter must look at (failed, unmeasured or needing a person). A rule this
    /// version does not know (a newer kiosk's) is passed over when read, not the hand-off:
    /// the counter judges the photo again with the rules it has.
    #[serde(deserialize_with = "known_rules")]
    pub open_rules: Vec<RuleId>,
}

fn known_rules<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<RuleId>, D::Error> {
    use serde::de::IntoDeserializer;
    let names = Vec::<String>::deserialize(d)?;
    Ok(names
        .into_iter()
        .filter_map(|n| {
            let known = RuleId::deserialize(n.as_str().into_deserializer()).map_err(|e: serde::de::value::Error| e);
            if known.is_err() {
                tracing::info!(rule = %n, "hand-off names a rule this version does not know");
            }
            known.ok()
        })
        .collect())
}

impl Handoff {
    /// The ticket as staff call it: "017" today, "017 (12-04)" from an earlier day, since
    /// numbers start again each day and earlier hand-offs stay for `spool_keep_days`.
    pub fn ticket_label(&self, today: &str) -> String {
        match self.captured_at.get(..10) {
            Some(day) if day != today => format!("{} ({})", self.ticket, day.get(5..).unwrap_or(day)),
            _ => self.ticket.clone(),
        }
    }
}

/// Where the counter is with an entry, in the order it gets there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryStatus {
    #[default]
    New,
    Exported,
    Printed,
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub photo: PathBuf,
    pub handoff: Handoff,
    pub status: EntryStatus,
}

/// Hand a captured photo to the counter: `dir/DATE-TICKET.jpg` + `.json`, as one unit. Tickets
/// start again at 001 each day, so the capture date is part of the name; should the name still
/// be taken (the clock set back, a second counter file), a letter is added rather than the
/// customer's photo refused.
pub fn handoff(dir: &Path, photo: &RgbImage, h: &Handoff) -> Result<PathBuf, ExportError> {
    std::fs::create_dir_all(dir).map_err(|e| ExportError::Io(dir.into(), e))?;
    let jpg = export::encode_jpeg(photo, 95, 300)?;
    let json = serde_json::to_vec_pretty(h).map_err(|e| ExportError::Encode(e.to_string()))?;
    let day: String = h.captured_at.chars().take(10).filter(char::is_ascii_digit).collect();
    let base = format!("{day}-{}", h.ticket);
    let stems = std::iter::once(base.clone()).chain(('b'..='z').map(|c| format!("{base}-{c}")));
    let mut last = None;
    for stem in stems {
        let (p, s) = (dir.join(format!("{stem}.jpg")), dir.join(format!("{stem}.json")));
        match pair::write_pair(
            &Targets { photo: &p, summary: &s, overwrite: false, source: None, private: true },
            &jpg,
            &json,
        ) {
            Ok(()) => {
                tracing::info!(ticket = %h.ticket, outcome = h.outcome.as_str(), "photo handed to the counter");
                return Ok(p);
            }
            Err(e @ ExportError::Exists(_)) => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| ExportError::Encode("no free name in the spool".into())))
}

/// The complete hand-offs in `dir`, oldest first (unfinished or foreign files are skipped).
pub fn list(dir: &Path) -> Vec<Entry> {
    pair::recover_dir(dir);
    let Ok(rd) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut out: Vec<(std::time::SystemTime, Entry)> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .filter_map(|json| {
            let handoff: Handoff = serde_json::from_slice(&std::fs::read(&json).ok()?).ok()?;
            let photo = json.with_extension("jpg");
            let when = std::fs::metadata(&photo).and_then(|m| m.modified()).ok()?;
            let status = status_of(&photo);
            Some((when, Entry { photo, handoff, status }))
        })
        .collect();
    out.sort_by_key(|(t, e)| (*t, e.handoff.ticket.clone()));
    out.into_iter().map(|(_, e)| e).collect()
}

/// The day's ticket counter, in the spool folder.
const TICKETS: &str = ".tickets";

/// Remove the hand-offs (photo, summary, status) whose photo is older than `keep`: a
/// customer's photo does not stay in the spool for good, served or not. `serving`, the entry
/// staff have open, stays. Status files left without their photo go too. Returns how many.
pub fn prune(dir: &Path, keep: std::time::Duration, serving: Option<&Path>) -> usize {
    let Ok(rd) = std::fs::read_dir(dir) else { return 0 };
    let now = std::time::SystemTime::now();
    let old = |p: &Path| {
        std::fs::metadata(p).and_then(|m| m.modified()).is_ok_and(|t| now.duration_since(t).is_ok_and(|age| age > keep))
    };
    let mut n = 0;
    let files: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
    for status in files.iter().filter(|p| p.extension().is_some_and(|x| x == "status")) {
        if !status.with_extension("jpg").exists() && old(status) {
            let _ = std::fs::remove_file(status);
        }
    }
    for json in files.iter().filter(|p| p.extension().is_some_and(|x| x == "json")) {
        let photo = json.with_extension("jpg");
        if serving.is_some_and(|s| s == photo) {
            continue;
        }
        // Only pairs this module wrote: a photo beside its summary.
        if !photo.exists()
            || !old(&photo)
            || serde_json::from_slice::<Handoff>(&std::fs::read(json).unwrap_or_default()).is_err()
        {
            continue;
        }
        for p in [&photo, &status_path(&photo), json] {
            let _ = std::fs::remove_file(p);
        }
        n += 1;
    }
    if n > 0 {
        tracing::info!(removed = n, "old hand-offs removed from the spool");
    }
    n
}

fn status_path(photo: &Path) -> PathBuf {
    photo.with_extension("status")
}

fn status_of(photo: &Path) -> EntryStatus {
    std::fs::read_to_string(status_path(photo))
        .ok()
        .and_then(|s| serde_json::from_str(s.trim()).ok())
        .unwrap_or_default()
}

/// Record what the counter did with an entry. It never goes back: a printed customer exported
/// again (a name corrected) stays printed.
pub fn set_status(photo: &Path, status: EntryStatus) -> std::io::Result<()> {
    let status = status.max(status_of(photo));
    crate::paths::write_atomic(&status_path(photo), serde_json::to_string(&status).unwrap_or_default().as_bytes())
}

/// The next ticket number of the day ("017"): a counter file in the spool folder taken under an
/// exclusive lock, so two kiosks handing photos to one counter through a shared spool never
/// hand out the same number.
pub fn next_ticket(spool: &Path) -> std::io::Result<String> {
    std::fs::create_dir_all(spool)?;
    let mut f = OpenOptions::new().read(true).write(true).create(true).truncate(false).open(spool.join(TICKETS))?;
    // A network share may not lock: the count goes on unlocked (two kiosks may then give one
    // number twice, their photos still apart: `handoff` never refuses a taken name).
    if let Err(e) = f.lock() {
        tracing::warn!("the spool's ticket counter cannot be locked ({e}); counting without the lock");
    }
    let mut text = String::new();
    f.read_to_string(&mut text)?;
    let today = jiff::Zoned::now().strftime("%Y-%m-%d").to_string();
    let n = match text.split_once(' ') {
        Some((day, n)) if day == today => n.trim().parse::<u32>().unwrap_or(0) + 1,
        _ => 1,
    };
    f.set_len(0)?;
    f.rewind()?;
    f.write_all(format!("{today} {n}\n").as_bytes())?;
    f.sync_all()?;
    Ok(format!("{n:03}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(ticket: &str) -> Handoff {
        Handoff {
            schema: 1,
            ticket: ticket.into(),
            document: "passport".into(),
            spec: "cn-exit-entry".into(),
            lang: Lang::Zh,
            captured_at: "2026-12-03T10:00:00+08:00".into(),
            outcome: Overall::NeedsPerson,
            open_rules: vec![RuleId::BackgroundUniformity],
        }
    }

    /// A newer kiosk may leave open a rule this counter does not know: the hand-off is still
    /// read (it used to be skipped as foreign, and the customer never reached the queue).
    #[test]
    fn a_hand_off_naming_a_rule_unknown_here_is_still_read() {
        let mut v = serde_json::to_value(h("001")).unwrap();
        v["open_rules"] = serde_json::json!(["colour", "a_rule_from_the_future", "background_uniformity"]);
        let read: Handoff = serde_json::from_value(v).unwrap();
        assert_eq!(read.open_rules, [RuleId::Colour, RuleId::BackgroundUniformity]);
    }

    #[test]
    fn handoffs_are_listed_in_order_with_their_status() {
        let d = tempfile::tempdir().unwrap();
        let img = RgbImage::from_pixel(64, 48, image::Rgb([200, 180, 160]));
        handoff(d.path(), &img, &h("001")).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let p = handoff(d.path(), &img, &h("002")).unwrap();
        assert_eq!(p.file_name().unwrap(), "20261203-002.jpg");
        // A customer's photo is not for every account on the machine.
        #[cfg(unix)]
        for f in [p.clone(), p.with_extension("json")] {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&f).unwrap().permissions().mode();
            assert_eq!(mode & 0o607, 0o600, "{}: {mode:o}", f.display());
        }
        std::fs::write(d.path().join("stray.json"), "{}").unwrap();
        let l = list(d.path());
        assert_eq!(l.iter().map(|e| e.handoff.ticket.as_str()).collect::<Vec<_>>(), ["001", "002"]);
        assert_eq!(l[0].handoff, h("001"));
        assert_eq!(l[0].status, EntryStatus::New);
        set_status(&l[1].photo, EntryStatus::Exported).unwrap();
        assert_eq!(list(d.path())[1].status, EntryStatus::Exported);
        // Printed, then exported again (a corrected name): still printed.
        set_status(&l[1].photo, EntryStatus::Printed).unwrap();
        set_status(&l[1].photo, EntryStatus::Exported).unwrap();
        assert_eq!(list(d.path())[1].status, EntryStatus::Printed);
    }

    /// Tickets start at 001 each day, and a second kiosk with its own counter may hand out a
    /// number already in the folder: the photo still goes to the counter, under another name.
    #[test]
    fn a_ticket_number_seen_before_never_refuses_the_hand_off() {
        let d = tempfile::tempdir().unwrap();
        let img = RgbImage::from_pixel(64, 48, image::Rgb([200, 180, 160]));
        let mut next_day = h("001");
        next_day.captured_at = "2026-12-04T09:00:00+08:00".into();
        let names: Vec<_> = [h("001"), next_day, h("001")]
            .iter()
            .map(|x| handoff(d.path(), &img, x).unwrap().file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["20261203-001.jpg", "20261204-001.jpg", "20261203-001-b.jpg"]);
        assert_eq!(list(d.path()).len(), 3);
    }

    #[test]
    fn old_hand_offs_are_pruned_and_nothing_else() {
        let d = tempfile::tempdir().unwrap();
        let img = RgbImage::from_pixel(64, 48, image::Rgb([200, 180, 160]));
        let old = handoff(d.path(), &img, &h("001")).unwrap();
        set_status(&old, EntryStatus::Exported).unwrap();
        let week_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(8 * 86_400);
        std::fs::File::options().write(true).open(&old).unwrap().set_modified(week_ago).unwrap();
        handoff(d.path(), &img, &h("002")).unwrap();
        // An old pair the spool did not write (a photo beside other JSON) stays, and so does
        // the old entry staff have open.
        for f in ["notes.jpg", "notes.json"] {
            std::fs::write(d.path().join(f), "{}").unwrap();
            std::fs::File::options().write(true).open(d.path().join(f)).unwrap().set_modified(week_ago).unwrap();
        }
        let keep = std::time::Duration::from_secs(7 * 86_400);
        assert_eq!(prune(d.path(), keep, Some(&old)), 0);
        assert!(old.exists());
        assert_eq!(prune(d.path(), keep, None), 1);
        let mut left: Vec<_> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["20261203-002.jpg", "20261203-002.json", "notes.jpg", "notes.json"]);
        assert_eq!(h("001").ticket_label("2026-12-03"), "001");
        assert_eq!(h("001").ticket_label("2026-12-04"), "001 (12-03)");
    }

    #[test]
    fn tickets_count_up_and_never_repeat_within_a_day() {
        let d = tempfile::tempdir().unwrap();
        let a = next_ticket(d.path()).unwrap();
        let b = next_ticket(d.path()).unwrap();
        assert_eq!((a.as_str(), b.as_str()), ("001", "002"));
    }
}
