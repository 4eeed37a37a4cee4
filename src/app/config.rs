//! The studio's settings file (TOML): which mode the booth runs in, languages, default spec and
//! document, timeouts, the staff PIN (hashed), folders, the studio's name, the override policy.
//! A missing file gives the defaults; a key with a bad value takes its default and is named in a
//! message to show, the rest of the file applies — never a crash. `idbooth settings` prints
//! every key with its default.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::Lang;
use crate::approval::Policy;
use crate::print::{LayoutBook, LayoutError, PrintSettings, Studio};

/// Who the booth is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// One person on a laptop: webcam or a photo file.
    #[default]
    Laptop,
    /// Staff at a photo counter: a queue, manual crop, confirmations, printing.
    Counter,
    /// Self-service, touch only, nobody watching.
    Kiosk,
}

/// Every timer of the booth, in seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Timeouts {
    /// Kiosk: back to the attract screen (wiping the customer's data) after this long untouched.
    pub idle: f64,
    /// Kiosk: the done screen's own, shorter timeout.
    pub done: f64,
    /// How long framing, pose and light must hold before the countdown starts.
    pub hold: f64,
    /// The countdown before capture.
    pub countdown: f64,
    /// Frames taken after the countdown; the best one is kept.
    pub burst_frames: u32,
    /// How often a lost camera is looked for again.
    pub camera_retry: f64,
    /// Press on the hidden corner this long to reach the staff PIN.
    pub staff_press: f64,
}

impl Default for Timeouts {
    fn default() -> Timeouts {
        Timeouts {
            idle: 60.0,
            done: 20.0,
            hold: 1.0,
            countdown: 3.0,
            burst_frames: 5,
            camera_retry: 3.0,
            staff_press: 3.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CameraSettings {
    /// Camera index (None: the first one found).
    pub index: Option<u32>,
    pub width: u32,
    pub height: u32,
    /// Show the preview mirrored, as people expect of a mirror.
    pub mirror: bool,
}

impl Default for CameraSettings {
    fn default() -> CameraSettings {
        CameraSettings { index: None, width: 1280, height: 720, mirror: true }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StudioSettings {
    pub mode: Mode,
    /// Languages offered, first is the default.
    pub languages: Vec<Lang>,
    /// The spec a new customer starts with.
    pub default_spec: String,
    /// The document a new customer starts with (passport, hk-macau-permit, …).
    pub default_document: String,
    pub timeouts: Timeouts,
    /// Argon2 hash of the staff PIN (`idbooth settings --set-pin`); none: the kiosk cannot be left.
    pub staff_pin_hash: Option<String>,
    /// Where the kiosk hands accepted photos to the counter (and the counter picks them up).
    pub spool_dir: Option<PathBuf>,
    /// Days a hand-off stays in the spool, served or not, before the booth removes it.
    pub spool_keep_days: u32,
    /// Where exports go (laptop and counter); default ~/Pictures/idbooth (~/idbooth without ~/Pictures).
    pub export_dir: Option<PathBuf>,
    /// Name and address on the customer's slip.
    pub studio: Studio,
    pub overrides: Policy,
    /// Printer, sheet layout, copies, slip paper, what prints by itself.
    pub print: PrintSettings,
    pub camera: CameraSettings,
}

impl Default for StudioSettings {
    fn default() -> StudioSettings {
        StudioSettings {
            mode: Mode::Laptop,
            languages: vec![Lang::Zh, Lang::En],
            default_spec: crate::spec::DEFAULT_SPEC.into(),
            default_document: "passport".into(),
            timeouts: Timeouts::default(),
            staff_pin_hash: None,
            spool_dir: None,
            spool_keep_days: 7,
            export_dir: None,
            studio: Studio::default(),
            overrides: Policy::default(),
            print: PrintSettings::default(),
            camera: CameraSettings::default(),
        }
    }
}

/// The most digits the staff keypad takes.
pub const PIN_MAX: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read the settings file {}: {}", crate::paths::shown(.0), .1)]
    Read(PathBuf, std::io::Error),
    /// Keys (or, where the file is not TOML, lines) that were left out, each with why; the
    /// rest of the file applies, so one mistyped value never costs the staff PIN or the spool.
    #[error("the settings file {}: {}; {} default instead, the rest of the file applies", crate::paths::shown(.0),
        .1.iter().map(|(k, why)| format!("{k}: {why}")).collect::<Vec<_>>().join("; "),
        if .1.len() == 1 { "it takes its" } else { "they take their" })]
    Ignored(PathBuf, Vec<(String, LeftOut)>),
    #[error("cannot write the settings file {}: {}", crate::paths::shown(.0), .1)]
    Write(PathBuf, String),
}

impl SettingsError {
    /// The problem in `lang` for the window's status line (the system's or the TOML parser's
    /// own words inside it stay as they came).
    pub fn message(&self, lang: Lang) -> String {
        use crate::i18n::tr;
        match self {
            SettingsError::Read(p, e) => {
                tr(lang, "ui.settings_unreadable", &[("path", crate::paths::shown(p)), ("error", e.to_string())])
            }
            SettingsError::Ignored(p, keys) => {
                let items =
                    keys.iter().map(|(k, why)| format!("{k} ({})", why.text(lang))).collect::<Vec<_>>().join("; ");
                tr(lang, "ui.settings_ignored", &[("path", crate::paths::shown(p)), ("keys", items)])
            }
            SettingsError::Write(p, e) => {
                tr(lang, "ui.settings_unwritable", &[("path", crate::paths::shown(p)), ("error", e.clone())])
            }
        }
    }
}

/// Why one key (or line) of the settings file was left out: the booth's own checks in words
/// of the reader's language; the parser's words (a mistyped value) stay as the parser gave them.
#[derive(Debug, Clone, PartialEq)]
pub enum LeftOut {
    /// A number outside what the booth accepts.
    Range { value: String, lo: String, hi: String, seconds: bool },
    /// `print.layout` names no layout this version has.
    Layout { id: String, known: String },
    /// A key this version does not know (a typing error, or a newer version's setting).
    Unknown,
    /// The value's type or the line's syntax, in the TOML parser's words.
    Format(String),
}

impl LeftOut {
    pub fn text(&self, lang: Lang) -> String {
        use crate::i18n::tr;
        match self {
            LeftOut::Range { value, lo, hi, seconds } => {
                let key = if *seconds { "ui.settings_why.range_seconds" } else { "ui.settings_why.range" };
                tr(lang, key, &[("value", value.clone()), ("lo", lo.clone()), ("hi", hi.clone())])
            }
            LeftOut::Layout { id, known } => {
                tr(lang, "ui.settings_why.layout", &[("id", id.clone()), ("known", known.clone())])
            }
            LeftOut::Unknown => tr(lang, "ui.settings_why.unknown", &[]),
            LeftOut::Format(e) => tr(lang, "ui.settings_why.format", &[("error", e.clone())]),
        }
    }
}

impl std::fmt::Display for LeftOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text(Lang::En))
    }
}

impl StudioSettings {
    /// How long a hand-off stays in the spool.
    pub fn spool_keep(&self) -> std::time::Duration {
        std::time::Duration::from_secs(u64::from(self.spool_keep_days) * 86_400)
    }

    /// `<config dir>/idbooth/studio.toml` (e.g. `~/.config/idbooth/studio.toml`).
    pub fn default_path() -> Option<PathBuf> {
        crate::paths::project_dirs().map(|d| d.config_dir().join("studio.toml"))
    }

    /// The settings in `path`: defaults when it is missing or unreadable (with the problem);
    /// otherwise every key that is valid on its own, and the others named in the problem.
    pub fn load(path: &Path) -> (StudioSettings, Option<SettingsError>) {
        match std::fs::read_to_string(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (StudioSettings::default(), None),
            Err(e) => (StudioSettings::default(), Some(SettingsError::Read(path.into(), e))),
            Ok(text) => {
                let (s, left_out) = StudioSettings::from_text(&text);
                (s, (!left_out.is_empty()).then(|| SettingsError::Ignored(path.into(), left_out)))
            }
        }
    }

    /// The settings from a file's text, keeping each key that is valid with those kept before
    /// it, and the keys (or unreadable lines) left out with why.
    fn from_text(text: &str) -> (StudioSettings, Vec<(String, LeftOut)>) {
        let (table, mut left_out) = match text.parse::<toml::Table>() {
            Ok(t) => (t, Vec::new()),
            Err(_) => salvage_lines(text),
        };
        let mut kept = toml::Table::new();
        for (key, value) in leaves(&table, "") {
            let mut trial = kept.clone();
            insert(&mut trial, &key, value);
            match parse(trial.clone()) {
                Ok(_) => kept = trial,
                Err(why) => left_out.push((key, why)),
            }
        }
        (parse(kept).unwrap_or_default(), left_out)
    }

    fn checked(mut self) -> Result<StudioSettings, LeftOut> {
        if self.languages.is_empty() {
            self.languages = StudioSettings::default().languages;
        }
        let range = |v: String, lo: &dyn ToString, hi: &dyn ToString, seconds| LeftOut::Range {
            value: v,
            lo: lo.to_string(),
            hi: hi.to_string(),
            seconds,
        };
        let t = &self.timeouts;
        for (v, lo, hi) in [
            (t.idle, 10.0, 3600.0),
            (t.done, 3.0, 600.0),
            (t.hold, 0.2, 10.0),
            (t.countdown, 0.0, 10.0),
            (t.camera_retry, 0.5, 60.0),
            (t.staff_press, 1.0, 20.0),
        ] {
            if !(lo..=hi).contains(&v) {
                return Err(range(v.to_string(), &lo, &hi, true));
            }
        }
        if !(1..=30).contains(&t.burst_frames) {
            return Err(range(t.burst_frames.to_string(), &1, &30, false));
        }
        if !(1..=365).contains(&self.spool_keep_days) {
            return Err(range(self.spool_keep_days.to_string(), &1, &365, false));
        }
        let p = &mut self.print;
        if !(72..=2400).contains(&p.dpi) {
            return Err(range(p.dpi.to_string(), &72, &2400, false));
        }
        if let Some(n) = p.copies.filter(|n| !(1..=100).contains(n)) {
            return Err(range(n.to_string(), &1, &100, false));
        }
        match LayoutBook::load().get(&p.layout) {
            Ok(_) => {}
            Err(LayoutError::Unknown(id, known)) => return Err(LeftOut::Layout { id, known }),
            Err(e) => return Err(LeftOut::Format(e.to_string())),
        }
        // An empty name means the default printer, as a missing one does.
        p.printer = p.printer.take().map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        Ok(self)
    }

    /// Write the settings (atomically) to `path`.
    pub fn save(&self, path: &Path) -> Result<(), SettingsError> {
        let err = |e: String| SettingsError::Write(path.into(), e);
        let text = toml::to_string_pretty(self).map_err(|e| err(e.to_string()))?;
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
        crate::paths::write_atomic(path, text.as_bytes()).map_err(|e| err(e.to_string()))
    }

    /// 4 to [`PIN_MAX`] digits: the kiosk's keypad takes no more, so a longer PIN could never
    /// be entered.
    pub fn pin_valid(pin: &str) -> bool {
        (4..=PIN_MAX).contains(&pin.len()) && pin.chars().all(|c| c.is_ascii_digit())
    }

    /// Store `pin` hashed (Argon2id with a random salt).
    pub fn set_pin(&mut self, pin: &str) -> Result<(), String> {
        use password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
        if !StudioSettings::pin_valid(pin) {
            return Err(format!("the PIN must be 4 to {PIN_MAX} digits"));
        }
        let salt = SaltString::generate(&mut OsRng);
        let hash = argon2::Argon2::default().hash_password(pin.as_bytes(), &salt).map_err(|e| e.to_string())?;
        self.staff_pin_hash = Some(hash.to_string());
        Ok(())
    }

    /// Store `pin` hashed in the settings file at `path`, changing nothing else in it: its
    /// comments, its order and the keys it leaves at the program's defaults stay as they were.
    pub fn store_pin(path: &Path, pin: &str) -> Result<(), String> {
        let mut s = StudioSettings::default();
        s.set_pin(pin)?;
        let hash = s.staff_pin_hash.unwrap_or_default();
        let shown = crate::paths::shown(path);
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(format!("cannot read {shown}: {e}")),
        };
        let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e| format!("{shown}: {e}"))?;
        doc["staff_pin_hash"] = toml_edit::value(hash);
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot write {shown}: {e}"))?;
        crate::paths::write_atomic(path, doc.to_string().as_bytes()).map_err(|e| format!("cannot write {shown}: {e}"))
    }

    /// Does `pin` match the stored hash? (No hash: no PIN opens the kiosk.)
    pub fn pin_matches(&self, pin: &str) -> bool {
        use password_hash::{PasswordHash, PasswordVerifier};
        let Some(h) = &self.staff_pin_hash else { return false };
        PasswordHash::new(h).is_ok_and(|h| argon2::Argon2::default().verify_password(pin.as_bytes(), &h).is_ok())
    }

    /// The documented file with every key at its default.
    pub fn example() -> String {
        toml::to_string_pretty(&StudioSettings::default()).unwrap_or_default()
    }
}

fn parse(t: toml::Table) -> Result<StudioSettings, LeftOut> {
    let read = toml::Value::Table(t).try_into::<StudioSettings>().map_err(|e| {
        let why = e.message().trim();
        if why.starts_with("unknown field") { LeftOut::Unknown } else { LeftOut::Format(why.to_string()) }
    })?;
    read.checked()
}

/// Every value that is not a table, with its dotted key ("timeouts.idle").
fn leaves(t: &toml::Table, prefix: &str) -> Vec<(String, toml::Value)> {
    t.iter()
        .flat_map(|(k, v)| {
            let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
            match v {
                toml::Value::Table(inner) => leaves(inner, &key),
                v => vec![(key, v.clone())],
            }
        })
        .collect()
}

fn insert(t: &mut toml::Table, key: &str, value: toml::Value) {
    match key.split_once('.') {
        Some((head, rest)) => {
            let inner = t.entry(head).or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if let toml::Value::Table(inner) = inner {
                insert(inner, rest, value);
            }
        }
        None => {
            t.insert(key.to_string(), value);
        }
    }
}

/// A file that is not TOML as a whole (a value without quotes): each `key = value` line read on
/// its own under its `[table]` header, the lines that do not read named by number.
fn salvage_lines(text: &str) -> (toml::Table, Vec<(String, LeftOut)>) {
    let (mut table, mut bad, mut header) = (toml::Table::new(), Vec::new(), String::new());
    for (n, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        // A header may carry a comment: `[print]  # the counter's printer`.
        let bare = l.split_once('#').map_or(l, |(h, _)| h).trim();
        if bare.starts_with('[') && bare.ends_with(']') && !bare.contains('=') {
            header = bare.to_string();
            continue;
        }
        match format!("{header}\n{l}").parse::<toml::Table>() {
            Ok(one) => {
                for (key, value) in leaves(&one, "") {
                    insert(&mut table, &key, value);
                }
            }
            Err(e) => bad.push((format!("line {}", n + 1), LeftOut::Format(e.message().trim().to_string()))),
        }
    }
    (table, bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One mistyped value (or a value without its quotes) leaves out that key alone: the PIN
    /// and the spool folder still apply, or the kiosk could not be left and its customers
    /// would never reach the counter.
    #[test]
    fn a_bad_key_is_left_out_and_the_rest_of_the_file_applies() {
        let mut with_pin = StudioSettings::default();
        with_pin.set_pin("2468").unwrap();
        let hash = with_pin.staff_pin_hash.unwrap();
        for (bad, key) in [
            ("idle = \"sixty\"", "timeouts.idle"),
            ("idle = 1", "timeouts.idle"),
            ("idle = sixty", "line 4"),
            ("idel = 60", "timeouts.idel"),
        ] {
            let text = format!(
                "mode = \"kiosk\"\nstaff_pin_hash = \"{hash}\"\n[timeouts]\n{bad}\ndone = 30\n[print]  # the counter printer\ndpi = 254\n"
            );
            let (s, left_out) = StudioSettings::from_text(&text);
            assert_eq!(left_out.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), [key], "{bad}: {left_out:?}");
            assert_eq!(
                (s.mode, s.timeouts.idle, s.timeouts.done, s.print.dpi),
                (Mode::Kiosk, 60.0, 30.0, 254),
                "{bad}"
            );
            assert!(s.pin_matches("2468"), "{bad}: the PIN was lost");
        }
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("studio.toml");
        std::fs::write(&p, "spool_dir = \"/srv/spool\"\n[timeouts]\nidle = \"sixty\"\n").unwrap();
        let (s, e) = StudioSettings::load(&p);
        assert_eq!(s.spool_dir.as_deref(), Some(Path::new("/srv/spool")));
        let e = e.unwrap();
        let msg = e.to_string();
        assert!(msg.contains("timeouts.idle: ") && msg.contains("it takes its default instead"), "{msg}");
        // The window says it in its own language (the parser's words inside stay as they are).
        let zh = e.message(Lang::Zh);
        assert!(zh.contains("已使用默认值") && zh.contains("timeouts.idle ("), "{zh}");
        // The booth's own checks read in the reader's language, not in English inside Chinese.
        std::fs::write(&p, "[timeouts]\nidle = 1\nidel = 60\n[print]\nlayout = \"7inch\"\n").unwrap();
        let e = StudioSettings::load(&p).1.unwrap();
        let zh = e.message(Lang::Zh);
        for part in [
            "timeouts.idle (1 超出允许范围 10–3600 秒)",
            "timeouts.idel (本版本没有这一设置项)",
            "print.layout (没有名为“7inch”的版式",
        ] {
            assert!(zh.contains(part), "{part} in {zh}");
        }
        let en = e.message(Lang::En);
        assert!(en.contains("timeouts.idle (1 is outside 10–3600 seconds)") && !en.contains("超出"), "{en}");
    }

    #[test]
    fn missing_broken_and_out_of_range_files_give_defaults_and_a_message() {
        let d = tempfile::tempdir().unwrap();
        let (s, e) = StudioSettings::load(&d.path().join("none.toml"));
        assert_eq!((s, e.is_none()), (StudioSettings::default(), true));
        let bad = d.path().join("bad.toml");
        std::fs::write(&bad, "mode = \"cinema\"").unwrap();
        let (s, e) = StudioSettings::load(&bad);
        assert_eq!(s, StudioSettings::default());
        assert!(e.unwrap().to_string().contains("mode: "));
        std::fs::write(&bad, "[timeouts]\nidle = 1").unwrap();
        assert!(StudioSettings::load(&bad).1.unwrap().to_string().contains("timeouts.idle"));
    }

    #[test]
    fn settings_round_trip_and_the_pin_is_stored_hashed() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("studio.toml");
        let mut s = StudioSettings { mode: Mode::Kiosk, ..StudioSettings::default() };
        s.studio.name = "Photo Studio 照相馆".into();
        s.set_pin("2468").unwrap();
        s.save(&p).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(!text.contains("2468") && text.contains("argon2"));
        let (back, e) = StudioSettings::load(&p);
        assert!(e.is_none(), "{e:?}");
        assert_eq!(back, s);
        assert!(back.pin_matches("2468") && !back.pin_matches("1357"));
        assert!(StudioSettings::default().set_pin("12").is_err());
        assert!(StudioSettings::default().set_pin("1234567890123").is_err(), "longer than the keypad takes");
        assert!(StudioSettings::default().set_pin("123456789012").is_ok());
        assert!(!StudioSettings::default().pin_matches("2468"), "no PIN set: nothing opens the kiosk");
        assert!(StudioSettings::example().contains("[timeouts]"));
    }

    /// `settings --set-pin` changes the PIN and nothing else: a studio's comments and the keys
    /// it left out (which then follow the program's defaults) stay as they were.
    #[test]
    fn storing_a_pin_keeps_the_rest_of_the_file_as_written() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("studio.toml");
        let text = "# managed by Li Wei\nmode = \"kiosk\"\n\n[studio]\nname = \"星光照相馆\" # shown on slips\n";
        std::fs::write(&p, text).unwrap();
        StudioSettings::store_pin(&p, "1357").unwrap();
        let after = std::fs::read_to_string(&p).unwrap();
        assert!(after.contains("# managed by Li Wei") && after.contains("# shown on slips"), "{after}");
        assert!(!after.contains("[timeouts]") && !after.contains("1357"), "{after}");
        let (s, e) = StudioSettings::load(&p);
        assert!(e.is_none(), "{e:?}");
        assert!(s.pin_matches("1357") && s.mode == Mode::Kiosk && s.studio.name == "星光照相馆");
        // Again: the PIN is replaced, not added twice.
        StudioSettings::store_pin(&p, "2468").unwrap();
        let s = StudioSettings::load(&p).0;
        assert!(s.pin_matches("2468") && !s.pin_matches("1357"));
        assert_eq!(std::fs::read_to_string(&p).unwrap().matches("staff_pin_hash").count(), 1);
        // No file yet: one with the PIN alone.
        let fresh = d.path().join("new/studio.toml");
        StudioSettings::store_pin(&fresh, "9876").unwrap();
        assert!(StudioSettings::load(&fresh).0.pin_matches("9876"));
        assert!(StudioSettings::store_pin(&fresh, "12").is_err());
    }

    #[test]
    fn the_print_and_studio_tables_are_read_and_checked() {
        use crate::print::{AutoPrint, SlipSize};
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("studio.toml");
        let text = "[print]\nprinter = \"Front-Desk\"\nlayout = \"a4\"\ncopies = 4\ndpi = 254\n\
                    slip_size = \"receipt80\"\ncaptions = true\nauto_print = \"both\"\n\
                    [studio]\nname = \"星光照相馆\"\naddress = \"深圳市福田区\"\n";
        std::fs::write(&p, text).unwrap();
        let (s, e) = StudioSettings::load(&p);
        assert!(e.is_none(), "{e:?}");
        assert_eq!(s.print.printer.as_deref(), Some("Front-Desk"));
        assert_eq!((s.print.layout.as_str(), s.print.copies, s.print.dpi), ("a4", Some(4), 254));
        assert_eq!(
            (s.print.slip_size, s.print.captions, s.print.auto_print),
            (SlipSize::Receipt80, true, AutoPrint::Both)
        );
        assert_eq!(s.studio.name, "星光照相馆");
        for (bad, key) in [
            ("[print]\ndpi = 20", "print.dpi"),
            ("[print]\ncopies = 0", "print.copies"),
            ("[print]\nlayout = \"7inch\"", "print.layout"),
            ("[print]\nauto_print = \"always\"", "always"),
            ("[print]\nauto_print_at_kiosk = true", "auto_print_at_kiosk"),
        ] {
            std::fs::write(&p, bad).unwrap();
            let (s, e) = StudioSettings::load(&p);
            assert_eq!(s, StudioSettings::default(), "{bad}");
            assert!(e.unwrap().to_string().contains(key), "{bad}");
        }
        std::fs::write(&p, "[print]\nprinter = \" \"").unwrap();
        assert_eq!(StudioSettings::load(&p).0.print.printer, None, "an empty name is the default printer");
    }

    /// Every key of the file, as `a.b` paths, with every optional value present.
    fn keys(v: &toml::Value, prefix: &str, out: &mut Vec<String>) {
        if let toml::Value::Table(t) = v {
            for (k, v) in t {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                if v.is_table() {
                    keys(v, &key, out);
                } else {
                    out.push(key);
                }
            }
        }
    }

    #[test]
    fn the_readme_documents_every_settings_key() {
        let mut s = StudioSettings {
            staff_pin_hash: Some("h".into()),
            spool_dir: Some("/s".into()),
            export_dir: Some("/e".into()),
            ..StudioSettings::default()
        };
        s.camera.index = Some(0);
        s.print.copies = Some(2);
        s.print.printer = Some("p".into());
        let mut all = Vec::new();
        keys(&toml::Value::try_from(&s).unwrap(), "", &mut all);
        assert!(all.len() > 25 && all.contains(&"print.auto_print".to_string()), "{all:?}");
        let readme = include_str!("../../README.md");
        let missing: Vec<_> = all.iter().filter(|k| !readme.contains(&format!("`{k}`"))).collect();
        assert!(missing.is_empty(), "README's settings table lacks {missing:?}");
    }
}
