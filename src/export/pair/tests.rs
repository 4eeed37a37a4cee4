use super::*;

fn dir(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new().prefix(&format!("idbooth-pair-{name}-")).tempdir().unwrap()
}

fn targets<'a>(photo: &'a Path, summary: &'a Path, overwrite: bool) -> Targets<'a> {
    Targets { photo, summary, overwrite, source: None, private: false }
}

/// Every file in `d`, sorted.
fn listing(d: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(d).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().to_string()).collect();
    v.sort();
    v
}

/// The summary here is the photo's own: in these tests the summary is "sum:" + the photo bytes.
fn assert_matched(photo: &Path, summary: &Path) {
    assert_not_mismatched(photo, summary, false)
}

/// `half_ok`: right after a kill a photo may stand alone (never beside another's summary).
fn assert_not_mismatched(photo: &Path, summary: &Path, half_ok: bool) {
    match (std::fs::read(photo), std::fs::read(summary)) {
        (Ok(p), Ok(s)) => assert_eq!(s, [b"sum:".as_slice(), &p].concat(), "mismatched pair"),
        (Err(_), Err(_)) => {}
        (Ok(_), Err(_)) if half_ok => {}
        (p, s) => panic!("half a pair: photo {:?} summary {:?}", p.is_ok(), s.is_ok()),
    }
}

fn kill_at(step: Option<Step>) {
    KILL_AT.with(|k| k.set(step));
}

#[test]
fn a_pair_is_written_whole_and_leaves_no_parts() {
    let d = dir("whole");
    let (p, s) = (d.path().join("a.jpg"), d.path().join("a.json"));
    write_pair(&targets(&p, &s, false), b"photo-1", b"sum:photo-1").unwrap();
    assert_eq!(listing(d.path()), ["a.jpg", "a.json"]);
    assert_matched(&p, &s);
}

#[test]
fn existing_exports_and_the_source_are_never_written_over_unasked() {
    let d = dir("clobber");
    let (p, s) = (d.path().join("a.jpg"), d.path().join("a.json"));
    write_pair(&targets(&p, &s, false), b"photo-1", b"sum:photo-1").unwrap();
    assert!(matches!(write_pair(&targets(&p, &s, false), b"photo-2", b"sum:photo-2"), Err(ExportError::Exists(_))));
    assert_eq!(std::fs::read(&p).unwrap(), b"photo-1");
    write_pair(&targets(&p, &s, true), b"photo-2", b"sum:photo-2").unwrap();
    assert_matched(&p, &s);
    assert_eq!(std::fs::read(&p).unwrap(), b"photo-2");
    // The source photo, also through another spelling of its path, and the summary on the photo.
    let src = d.path().join("me.jpg");
    std::fs::write(&src, b"original").unwrap();
    let other = d.path().join(".").join("me.jpg");
    let t = Targets { photo: &other, summary: &s, overwrite: true, source: Some(&src), private: false };
    assert!(matches!(write_pair(&t, b"x", b"sum:x"), Err(ExportError::IsSource(_))));
    let t = Targets { photo: &p, summary: &src, overwrite: true, source: Some(&src), private: false };
    assert!(matches!(write_pair(&t, b"x", b"sum:x"), Err(ExportError::IsSource(_))));
    assert_eq!(std::fs::read(&src).unwrap(), b"original");
    assert!(matches!(write_pair(&targets(&p, &p, true), b"x", b"sum:x"), Err(ExportError::SameFile(_))));
}

#[test]
fn names_up_to_the_file_system_limit_work_and_longer_ones_are_refused_before_writing() {
    let d = dir("long");
    let max = name_max(d.path());
    let stem = "照".repeat((max - 5) / 3); // 3 bytes each, + ".json" stays within the limit
    let (p, s) = (d.path().join(format!("{stem}.jpg")), d.path().join(format!("{stem}.json")));
    assert!(s.file_name().unwrap().len() <= max);
    write_pair(&targets(&p, &s, false), b"photo", b"sum:photo").unwrap();
    assert_matched(&p, &s);
    let too_long = d.path().join(format!("{}.json", "a".repeat(max)));
    let r = write_pair(&targets(&d.path().join("b.jpg"), &too_long, false), b"photo", b"sum:photo");
    assert!(matches!(r, Err(ExportError::NameTooLong { .. })), "{r:?}");
    assert!(!d.path().join("b.jpg").exists());
}

#[test]
fn a_kill_at_any_step_leaves_only_matched_pairs_after_the_next_export() {
    for step in [Step::PartsWritten, Step::Committed, Step::PhotoPlaced] {
        for overwrite in [false, true] {
            let d = dir("kill");
            let (p, s) = (d.path().join("a.jpg"), d.path().join("a.json"));
            if overwrite {
                write_pair(&targets(&p, &s, false), b"old", b"sum:old").unwrap();
            }
            kill_at(Some(step));
            assert!(write_pair(&targets(&p, &s, overwrite), b"new", b"sum:new").is_err());
            kill_at(None);
            // Right after the kill: never a photo beside a summary that is not its own.
            assert_not_mismatched(&p, &s, true);
            // The next export into the folder finishes or undoes the dead one.
            let (p2, s2) = (d.path().join("b.jpg"), d.path().join("b.json"));
            write_pair(&targets(&p2, &s2, false), b"other", b"sum:other").unwrap();
            assert_matched(&p, &s);
            let files = listing(d.path());
            assert!(files.iter().all(|f| !f.starts_with(PREFIX)), "{step:?}: {files:?}");
            let committed = step != Step::PartsWritten;
            assert_eq!(p.exists(), committed || overwrite, "{step:?} overwrite={overwrite}");
            if committed {
                assert_eq!(std::fs::read(&p).unwrap(), b"new");
            }
        }
    }
}

#[test]
fn a_running_export_in_another_process_is_left_alone() {
    let d = dir("live");
    let j = d.path().join(format!("{PREFIX}abcd{JOURNAL}"));
    let f = File::create(&j).unwrap();
    f.lock().unwrap();
    let part = d.path().join(format!("{PREFIX}abcd.photo.part"));
    std::fs::write(&part, b"half").unwrap();
    // Our own lock here stands for the other process's: a second open file description
    // cannot take it.
    assert_eq!(recover_dir(d.path()), 0);
    assert!(part.exists() && j.exists());
    drop(f);
    assert_eq!(recover_dir(d.path()), 1);
    assert_eq!(listing(d.path()), Vec::<String>::new());
}

#[test]
fn a_missing_folder_is_a_clear_error_and_nothing_is_written() {
    let d = dir("missing");
    let (p, s) = (d.path().join("no/such/a.jpg"), d.path().join("no/such/a.json"));
    assert!(matches!(write_pair(&targets(&p, &s, false), b"x", b"sum:x"), Err(ExportError::NoFolder(..))));
    assert_eq!(listing(d.path()), Vec::<String>::new());
}
