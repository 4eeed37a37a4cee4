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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_the_rest_kept() {
        assert_eq!(shown(Path::new("张三\n\u{1b}[2J.jpg")), "张三\\n\\u{1b}[2J.jpg");
        assert_eq!(escape("a\tb"), "a\\tb");
        assert_eq!(escape("photo é.jpg"), "photo é.jpg");
    }
}
