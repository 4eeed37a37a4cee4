//! Errors a person reads, in their language. Each error type keeps its English `Display` (logs,
//! JSON, other programs); these give the same message from the locale files, and a unit test
//! keeps the English texts equal. Details from the system or a decoder stay as they come.

use super::tr;
use crate::Lang;
use crate::approval::ReleaseError;
use crate::capture::frames::CaptureError;
use crate::capture::photo::PhotoError;
use crate::detect::VisionError;
use crate::export::ExportError;
use crate::judge::{Overall, RuleId};
use crate::paths::shown;
use crate::print::PrintError;
use crate::session::SessionError;
use crate::spec::SpecError;

/// A photo that cannot be opened.
pub fn photo_error(e: &PhotoError, lang: Lang) -> String {
    use crate::capture::photo::{MAX_FILE_BYTES, MAX_PIXELS, MAX_SIDE};
    let (key, args): (&str, Vec<(&str, String)>) = match e {
        PhotoError::NotFound(p) => ("not_found", vec![("path", shown(p))]),
        PhotoError::Io(p, err) => ("io", vec![("path", shown(p)), ("detail", err.to_string())]),
        PhotoError::FileTooLarge(mb) => {
            ("file_too_large", vec![("mb", mb.to_string()), ("max", (MAX_FILE_BYTES / 1_048_576).to_string())])
        }
        PhotoError::NotAnImage => ("not_an_image", vec![]),
        PhotoError::TooLarge { w, h } => (
            "too_large",
            vec![
                ("w", w.to_string()),
                ("h", h.to_string()),
                ("mp", (MAX_PIXELS / 1_000_000).to_string()),
                ("side", MAX_SIDE.to_string()),
            ],
        ),
        PhotoError::Corrupt(d) => ("corrupt", vec![("detail", d.clone())]),
        PhotoError::Empty => ("empty", vec![]),
        PhotoError::EmptyFile => ("empty_file", vec![]),
        PhotoError::Truncated => ("truncated", vec![]),
        PhotoError::IsFolder(p) => ("is_folder", vec![("path", shown(p))]),
    };
    tr(lang, &format!("errors.photo.{key}"), &args)
}

/// An export that was not written (the serial counter's own trouble stays in English: it is
/// for whoever looks after the machine).
pub fn export_error(e: &ExportError, lang: Lang) -> String {
    let (key, args): (&str, Vec<(&str, String)>) = match e {
        ExportError::DiskFull(p) => ("disk_full", vec![("path", shown(p))]),
        ExportError::Io(p, err) => ("io", vec![("path", shown(p)), ("detail", err.to_string())]),
        ExportError::NoFolder(p) => ("no_folder", vec![("path", shown(p))]),
        ExportError::Exists(p) => ("exists", vec![("path", shown(p))]),
        ExportError::IsSource(p) => ("is_source", vec![("path", shown(p))]),
        ExportError::SameFile(p) => ("same_file", vec![("path", shown(p))]),
        ExportError::NameTooLong { path, max } => {
            ("name_too_long", vec![("path", shown(path)), ("max", max.to_string())])
        }
        ExportError::Encode(d) => ("encode", vec![("detail", d.clone())]),
        ExportError::SizeWindow { lo, hi, smallest, largest } => (
            "size_window",
            vec![
                ("lo", lo.to_string()),
                ("hi", hi.to_string()),
                ("smallest", smallest.to_string()),
                ("largest", largest.to_string()),
            ],
        ),
        ExportError::WrongSize { got_w, got_h, want_w, want_h } => (
            "wrong_size",
            vec![
                ("got_w", got_w.to_string()),
                ("got_h", got_h.to_string()),
                ("want_w", want_w.to_string()),
                ("want_h", want_h.to_string()),
            ],
        ),
        ExportError::Serial(_) => return e.to_string(),
    };
    tr(lang, &format!("errors.export.{key}"), &args)
}

/// A camera that stopped or never started (the driver's own detail stays as it comes).
pub fn capture_error(e: &CaptureError, lang: Lang) -> String {
    let (key, detail) = match e {
        CaptureError::NoDevice => ("no_device", None),
        CaptureError::Busy(d) => ("busy", Some(d)),
        CaptureError::Disconnected(d) => ("disconnected", Some(d)),
        CaptureError::UnsupportedFormat(d) => ("unsupported_format", Some(d)),
        CaptureError::Other(d) => ("other", Some(d)),
        CaptureError::Ended => ("ended", None),
    };
    tr(lang, &format!("errors.camera.{key}"), &[("detail", detail.cloned().unwrap_or_default())])
}

/// A sheet or slip that could not be made or saved, or an export that could not be read back
/// to print it. Problems of the studio's own data files (layouts, specs, fonts) stay in
/// English: they are for whoever looks after the machine.
pub fn print_error(e: &PrintError, lang: Lang) -> String {
    let (key, args): (&str, Vec<(&str, String)>) = match e {
        PrintError::Photo { path, msg } => ("photo", vec![("path", shown(path)), ("detail", msg.clone())]),
        PrintError::Summary { path, msg } => ("summary", vec![("path", shown(path)), ("detail", msg.clone())]),
        PrintError::DiskFull(p) => ("disk_full", vec![("path", shown(p))]),
        PrintError::Io(p, err) => ("io", vec![("path", shown(p)), ("detail", err.to_string())]),
        PrintError::Pdf(d) => ("pdf", vec![("detail", d.clone())]),
        PrintError::Encode(d) => ("encode", vec![("detail", d.clone())]),
        PrintError::Layout(crate::print::LayoutError::Unknown(id, known)) => {
            ("unknown_layout", vec![("id", id.clone()), ("known", known.clone())])
        }
        _ => return e.to_string(),
    };
    tr(lang, &format!("errors.print.{key}"), &args)
}

/// A photo the models could not analyse, or a result that could not be composed.
pub fn session_error(e: &SessionError, lang: Lang) -> String {
    match e {
        SessionError::Vision(VisionError::Model(d)) => tr(lang, "errors.vision.model", &[("detail", d.clone())]),
        SessionError::NoFrame => tr(lang, "errors.session.no_frame", &[]),
    }
}

/// Why the release gate kept a photo back, naming rules by the ids `--confirm` takes.
pub fn release_error(e: &ReleaseError, lang: Lang) -> String {
    let ids = |rules: &[RuleId]| super::rule_list(rules.iter().copied(), lang);
    let (key, rules) = match e {
        ReleaseError::Unconfirmed { rules, overall } => {
            let why = if *overall == Overall::Fail { "why_fail" } else { "why_needs_person" };
            let why = tr(lang, &format!("errors.release.{why}"), &[]);
            return tr(lang, "errors.release.unconfirmed", &[("rules", ids(rules)), ("why", why)]);
        }
        ReleaseError::NoOperator => ("no_operator", String::new()),
        ReleaseError::ReasonRequired(r) => ("reason_required", ids(r)),
        ReleaseError::OverrideForbidden(r) => ("override_forbidden", ids(r)),
    };
    tr(lang, &format!("errors.release.{key}"), &[("rules", rules)])
}

/// A command's error in `lang`: the first error in the chain that has texts of its own, else
/// the chain as it is.
pub fn error(e: &anyhow::Error, lang: Lang) -> String {
    for cause in e.chain() {
        if let Some(p) = cause.downcast_ref::<PhotoError>() {
            return photo_error(p, lang);
        }
        if let Some(x) = cause.downcast_ref::<ExportError>() {
            return export_error(x, lang);
        }
        if let Some(r) = cause.downcast_ref::<ReleaseError>() {
            return release_error(r, lang);
        }
        if let Some(x) = cause.downcast_ref::<PrintError>() {
            return print_error(x, lang);
        }
        if let Some(x) = cause.downcast_ref::<SessionError>() {
            return session_error(x, lang);
        }
        if let Some(x) = cause.downcast_ref::<VisionError>() {
            return session_error(&SessionError::Vision(x.clone()), lang);
        }
        if let Some(crate::print::LayoutError::Unknown(id, known)) = cause.downcast_ref() {
            return tr(lang, "errors.print.unknown_layout", &[("id", id.clone()), ("known", known.clone())]);
        }
        if let Some(SpecError::Unknown(id)) = cause.downcast_ref::<SpecError>() {
            return tr(lang, "errors.unknown_spec", &[("id", id.clone())]);
        }
    }
    format!("{e:#}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chinese(s: &str) -> bool {
        s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    }

    #[test]
    fn a_photo_that_cannot_be_opened_is_told_in_the_readers_language() {
        let e = PhotoError::NotFound("a.jpg".into());
        assert_eq!(photo_error(&e, Lang::Zh), "找不到文件：a.jpg");
        assert_eq!(photo_error(&e, Lang::En), e.to_string());
        for e in [
            PhotoError::NotAnImage,
            PhotoError::Empty,
            PhotoError::EmptyFile,
            PhotoError::TooLarge { w: 20000, h: 9000 },
            PhotoError::Truncated,
            PhotoError::IsFolder("photos".into()),
        ] {
            assert_eq!(photo_error(&e, Lang::En), e.to_string(), "the English text is the error's own");
            assert!(chinese(&photo_error(&e, Lang::Zh)));
        }
    }

    #[test]
    fn camera_and_model_errors_are_told_in_the_readers_language() {
        let cameras = [
            CaptureError::NoDevice,
            CaptureError::Busy("/dev/video0".into()),
            CaptureError::Disconnected("USB".into()),
            CaptureError::UnsupportedFormat("Y16".into()),
            CaptureError::Other("ioctl".into()),
            CaptureError::Ended,
        ];
        for e in &cameras {
            assert_eq!(capture_error(e, Lang::En), e.to_string(), "the English text is the error's own");
            let zh = capture_error(e, Lang::Zh);
            assert!(chinese(&zh) && !zh.contains("camera"), "{zh}");
        }
        assert!(capture_error(&cameras[1], Lang::Zh).contains("/dev/video0"), "the driver's detail is kept");
        let sessions = [SessionError::Vision(VisionError::Model("bad tensor".into())), SessionError::NoFrame];
        for e in &sessions {
            assert_eq!(session_error(e, Lang::En), e.to_string(), "the English text is the error's own");
            let zh = session_error(e, Lang::Zh);
            assert!(chinese(&zh) && !zh.contains("model") && !zh.contains("compose"), "{zh}");
        }
        let prints = [
            PrintError::DiskFull("out/sheet.pdf".into()),
            PrintError::Io("out/sheet.pdf".into(), std::io::Error::other("denied")),
            PrintError::Pdf("bad".into()),
            PrintError::Encode("bad".into()),
            PrintError::Photo { path: "a.jpg".into(), msg: "bad".into() },
            PrintError::Summary { path: "a.json".into(), msg: "bad".into() },
        ];
        for e in &prints {
            assert_eq!(print_error(e, Lang::En), e.to_string(), "the English text is the error's own");
            assert!(chinese(&print_error(e, Lang::Zh)), "{e}");
        }
        let e = anyhow::Error::from(VisionError::Model("x".into()));
        assert!(chinese(&error(&e, Lang::Zh)));
    }

    #[test]
    fn export_and_release_errors_are_told_in_the_readers_language() {
        let io = || std::io::Error::other("no space");
        let exports = [
            ExportError::DiskFull("out/a.jpg".into()),
            ExportError::Io("out/a.jpg".into(), io()),
            ExportError::NoFolder("out".into()),
            ExportError::Exists("out/a.jpg".into()),
            ExportError::IsSource("a.jpg".into()),
            ExportError::SameFile("a.jpg".into()),
            ExportError::NameTooLong { path: "a.jpg".into(), max: 255 },
            ExportError::Encode("bad".into()),
            ExportError::SizeWindow { lo: 14_000, hi: 40_000, smallest: 41_000, largest: 90_000 },
            ExportError::WrongSize { got_w: 1, got_h: 2, want_w: 354, want_h: 472 },
        ];
        for e in &exports {
            assert_eq!(export_error(e, Lang::En), e.to_string(), "the English text is the error's own");
            assert!(chinese(&export_error(e, Lang::Zh)), "{e}");
        }
        let rules = vec![RuleId::Glasses, RuleId::Jewellery];
        let releases = [
            ReleaseError::Unconfirmed { rules: rules.clone(), overall: Overall::Fail },
            ReleaseError::Unconfirmed { rules: rules.clone(), overall: Overall::NeedsPerson },
            ReleaseError::NoOperator,
            ReleaseError::ReasonRequired(rules.clone()),
            ReleaseError::OverrideForbidden(rules),
        ];
        for e in &releases {
            assert_eq!(release_error(e, Lang::En), e.to_string(), "the English text is the error's own");
            let zh = release_error(e, Lang::Zh);
            assert!(chinese(&zh), "{zh}");
        }
        // Through anyhow, as the CLI meets them; what has no texts of its own stays as it is.
        let e = anyhow::Error::from(ExportError::Exists("b.jpg".into()));
        assert!(error(&e, Lang::Zh).contains("已存在"), "{}", error(&e, Lang::Zh));
        let e = anyhow::Error::from(SpecError::Unknown("mars".into()));
        assert_eq!(error(&e, Lang::En), e.to_string());
        assert!(chinese(&error(&e, Lang::Zh)));
        assert_eq!(error(&anyhow::anyhow!("other"), Lang::Zh), "other");
    }
}
