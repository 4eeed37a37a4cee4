//! File names as people see them, and where the booth keeps its own files.

use std::path::{Path, PathBuf};

/// A path for a message: control characters (a newline or an escape sequence in a file name)
/// are shown as `\n`, `\u{1b}` … so they cannot break or repaint the terminal.
pub fn shown(p: &Path) -> String {
    escape(&p.to_string_lossy())
}

/// `s` with control characters escaped.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// The user's folders for idbooth (`~/.config/idbooth`, `~/.local/share/idbooth` on Linux).
pub fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "idbooth")
}

/// Where the booth keeps its state (serial counter, logs): `IDBOOTH_DATA_DIR` or the OS's data folder.
pub fn data_dir() -> Option<PathBuf> {
    std::env::var_os("IDBOOTH_DATA_DIR")
        .map(PathBuf::from)
        .or_else(|| project_dirs().map(|d| d.data_local_dir().to_path_buf()))
}

/// A path as people paste it into a text field: copied from a file manager (`file:///…`, with
/// `%20` for spaces), from a shell (`'my photo.jpg'`, `my\ photo.jpg`, `~/Pictures/…`), with
/// stray spaces around it. Anything else is taken as it is.
pub fn typed_path(text: &str) -> PathBuf {
    let mut s = text.trim();
    for q in ['\'', '"'] {
        if s.len() >= 2 && s.starts_with(q) && s.ends_with(q) {
            s = &s[1..s.len() - 1];
        }
    }
    if s.starts_with("file://")
        && let Some(p) = url::Url::parse(s).ok().and_then(|u| u.to_file_path().ok())
    {
        return p;
    }
    let home = || directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf());
    if let Some(rest) = s.strip_prefix("~/")
        && let Some(h) = home()
    {
        return h.join(unescape(rest));
    }
    if s == "~"
        && let Some(h) = home()
    {
        return h;
    }
    PathBuf::from(unescape(s))
}

/// A shell's backslash escapes (`my\ photo.jpg`), unless the file really has a backslash in
/// its name on disk (then the text is taken as typed).
fn unescape(s: &str) -> String {
    if !s.contains('\\') || Path::new(s).exists() {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    out
}

/// `dir/name`, or `stem-1.ext`, `stem-2.ext`… if that is taken: a file saved without a dialog
/// (which would have asked) never replaces one already there.
pub fn free_name(dir: &Path, name: &str) -> PathBuf {
    let p = Path::new(name);
    let stem = p.file_stem().map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    let ext = p.extension().map(|e| format!(".{}", e.to_string_lossy())).unwrap_or_default();
    (0..)
        .map(|n| if n == 0 { dir.join(name) } else { dir.join(format!("{stem}-{n}{ext}")) })
        .find(|c| !c.exists())
        .unwrap_or_else(|| dir.join(name))
}

/// Write a whole file or nothing: a temporary file in the same folder, flushed, then renamed
/// over `path` (an interrupted write leaves the old file or the new one, never half of one).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomic_as(path, bytes, false)
}

/// As `write_atomic`, for a file the user shares (a PDF beside their exports): readable as any
/// file they create is (0666 less the umask), not private to them as settings are.
pub fn write_atomic_shared(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomic_as(path, bytes, true)
}

fn write_atomic_as(path: &Path, bytes: &[u8], shared: bool) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    if shared {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    #[cfg(not(unix))]
    let _ = shared;
    let mut f = builder.tempfile_in(dir)?;
    f.write_all(bytes)?;
    f.as_file().sync_all()?;
    f.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_free_name_never_replaces_a_file() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(free_name(d.path(), "a-slip.pdf"), d.path().join("a-slip.pdf"));
        std::fs::write(d.path().join("a-slip.pdf"), "x").unwrap();
        std::fs::write(d.path().join("a-slip-1.pdf"), "x").unwrap();
        assert_eq!(free_name(d.path(), "a-slip.pdf"), d.path().join("a-slip-2.pdf"));
    }

    #[test]
    fn pasted_paths_are_read_as_people_paste_them() {
        let home = directories::BaseDirs::new().unwrap().home_dir().to_path_buf();
        assert_eq!(typed_path("  /tmp/a b.jpg "), PathBuf::from("/tmp/a b.jpg"));
        assert_eq!(typed_path("'/tmp/my photo.jpg'"), PathBuf::from("/tmp/my photo.jpg"));
        assert_eq!(typed_path("\"/tmp/my photo.jpg\""), PathBuf::from("/tmp/my photo.jpg"));
        assert_eq!(typed_path("file:///tmp/sp%20ace/my%20photo.jpg"), PathBuf::from("/tmp/sp ace/my photo.jpg"));
        assert_eq!(typed_path("file:///tmp/%E7%85%A7%E7%89%87.jpg"), PathBuf::from("/tmp/照片.jpg"));
        assert_eq!(typed_path("/tmp/my\\ photo.jpg"), PathBuf::from("/tmp/my photo.jpg"));
        assert_eq!(typed_path("~/p.jpg"), home.join("p.jpg"));
        assert_eq!(typed_path("~"), home);
        assert_eq!(typed_path("photo.jpg"), PathBuf::from("photo.jpg"));
    }

    #[test]
    fn control_characters_are_escaped_and_the_rest_kept() {
        assert_eq!(shown(Path::new("张三\n\u{1b}[2J.jpg")), "张三\\n\\u{1b}[2J.jpg");
        assert_eq!(escape("a\tb"), "a\\tb");
        assert_eq!(escape("photo é.jpg"), "photo é.jpg");
    }

    #[cfg(unix)]
    #[test]
    fn shared_files_are_readable_by_others_and_settings_are_not() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let (shared, private) = (d.path().join("sheet.pdf"), d.path().join("studio.toml"));
        write_atomic_shared(&shared, b"%PDF").unwrap();
        write_atomic(&private, b"pin").unwrap();
        // What a plain File::create gives here (0666 less this process's umask).
        let plain = d.path().join("plain");
        std::fs::File::create(&plain).unwrap();
        assert_eq!(mode(&shared), mode(&plain));
        assert_eq!(mode(&private), 0o600);
    }

    #[test]
    fn atomic_writes_replace_whole_files_and_leave_no_temp() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("a.txt");
        write_atomic(&p, b"first").unwrap();
        write_atomic(&p, b"second").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"second");
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
        assert!(write_atomic(&d.path().join("no/such/b.txt"), b"x").is_err());
    }
}
