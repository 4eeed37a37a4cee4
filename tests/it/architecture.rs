//! ARCHITECTURE.md stays true: it names every source file, and every file it names exists.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn architecture_names_every_source_file_and_no_missing_one() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let mut missing = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        // A row may name siblings by file name after the first full path (`src/app/mod.rs`, `guides.rs`).
        if !text.contains(&format!("`{rel}`")) && !text.contains(&format!("`{name}`")) {
            missing.push(rel);
        }
    }
    assert!(missing.is_empty(), "ARCHITECTURE.md does not mention: {missing:?}");
    // Every `src/…` path it names exists.
    for word in text.split('`').filter(|w| w.starts_with("src/") && w.ends_with(".rs")) {
        assert!(root.join(word).exists(), "ARCHITECTURE.md names {word}, which does not exist");
    }
}
