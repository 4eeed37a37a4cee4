//! The command-line contract: exit codes, the JSON report's shape, export files, bad input.
//! Uses only files in the repository (the public-domain samples and fixtures made from them).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn idbooth(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_idbooth")).args(args).output().expect("run idbooth")
}

fn repo(p: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p).display().to_string()
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("idbooth-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn check_json_has_the_documented_shape() {
    let out = idbooth(&["check", &repo("assets/samples/grace_hopper.jpg"), "--json"]);
    assert!(matches!(out.status.code(), Some(0) | Some(1)), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["spec"], "cn-exit-entry");
    assert_eq!(v["faces"], 1);
    assert_eq!(v["judged"], "auto_crop");
    for k in ["left_pupil", "right_pupil", "chin", "head_top"] {
        let p = v["landmarks"][k].as_array().unwrap_or_else(|| panic!("landmarks.{k}"));
        assert_eq!(p.len(), 2);
    }
    assert!(v["crop"]["rotation_deg"].is_number() && v["crop"]["width"].is_number());
    let rules = v["rules"].as_array().unwrap();
    for id in [
        "single_face",
        "resolution",
        "head_height",
        "face_width",
        "inter_pupil",
        "eye_line",
        "crown_margin",
        "chin_margin",
        "centering",
        "roll",
        "yaw",
        "pitch",
        "eyes_open",
        "mouth_closed",
        "exposure",
        "lighting_uniformity",
        "background_uniformity",
        "background_color",
        "sharpness",
    ] {
        let r = rules.iter().find(|r| r["id"] == id).unwrap_or_else(|| panic!("rule {id} missing"));
        for k in ["status", "value", "min", "max", "unit", "message"] {
            assert!(r.get(k).is_some(), "{id}.{k}");
        }
    }
    // Her cap reaches the photo's top edge: the crown rule fails, so the exit code is 1.
    assert_eq!(out.status.code(), Some(1));
    // By default the blue studio backdrop is replaced with the spec's white, and judged so.
    assert_eq!(v["background"]["replaced_with"], "white");
    let bg = rules.iter().find(|r| r["id"] == "background_color").unwrap();
    assert_eq!(bg["status"], "pass");
    // Kept as photographed, the blue backdrop is not an allowed background: the check says so.
    let kept = idbooth(&["check", &repo("assets/samples/grace_hopper.jpg"), "--json", "--background", "keep"]);
    let k: serde_json::Value = serde_json::from_slice(&kept.stdout).unwrap();
    let bg = k["rules"].as_array().unwrap().iter().find(|r| r["id"] == "background_color").unwrap();
    assert_eq!(bg["status"], "fail");
    assert!(k["background"]["replaced_with"].is_null());
}

#[test]
fn export_writes_the_spec_exact_jpeg_and_its_summary_then_checks_as_is() {
    let dir = tmp("export");
    let jpg = dir.join("out.jpg");
    let out = idbooth(&[
        "export",
        &repo("assets/samples/astronaut.png"),
        "-o",
        jpg.to_str().unwrap(),
        "--name",
        "Eileen Collins",
        "--document",
        "passport",
    ]);
    assert!(matches!(out.status.code(), Some(0) | Some(1)), "{}", String::from_utf8_lossy(&out.stderr));
    let bytes = std::fs::read(&jpg).unwrap();
    assert_eq!(idbooth::export::jfif_density(&bytes), Some((1, 300, 300)));
    let img = image::load_from_memory(&bytes).unwrap();
    assert_eq!((img.width(), img.height()), (390, 567));
    assert!((20 * 1024..=80_000).contains(&(bytes.len() as u64)), "{} bytes", bytes.len());
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("out.json")).unwrap()).unwrap();
    assert_eq!(summary["applicant"]["name"], "Eileen Collins");
    assert_eq!(summary["size_bytes"], bytes.len() as u64);
    // No temp files left behind.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 2);
    // The exported file is judged exactly as it is.
    let again = idbooth(&["check", jpg.to_str().unwrap(), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(v["judged"], "as_is");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_input_gets_a_clear_message_and_exit_code_2() {
    let dir = tmp("bad");
    let text = dir.join("notes.jpg");
    std::fs::write(&text, "this is not a photo").unwrap();
    let full = std::fs::read(repo("assets/samples/grace_hopper.jpg")).unwrap();
    let cut = dir.join("cut.jpg");
    std::fs::write(&cut, &full[..full.len() / 3]).unwrap();
    let cases: [(&str, &str); 4] = [
        (text.to_str().unwrap(), "not a photo"),
        (cut.to_str().unwrap(), "damaged or incomplete"),
        ("/no/such/photo.jpg", "not found"),
        (dir.to_str().unwrap(), "folder"),
    ];
    for (path, words) in cases {
        let out = idbooth(&["check", path]);
        let err = String::from_utf8_lossy(&out.stderr);
        if path == cut.to_str().unwrap() && out.status.code() != Some(2) {
            // The JPEG decoder may pad a truncated scan with grey: then it is judged, not refused.
            continue;
        }
        assert_eq!(out.status.code(), Some(2), "{path}: {err}");
        assert!(err.contains(words), "{path}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let out = idbooth(&["check", "x.jpg", "--spec", "no-such-spec"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("idbooth specs"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_photo_without_a_face_fails_single_face_with_exit_1() {
    let dir = tmp("noface");
    let p = dir.join("wall.png");
    image::RgbImage::from_fn(640, 480, |x, y| image::Rgb([200, 200 - (y / 8) as u8, 190 + (x / 64) as u8]))
        .save(&p)
        .unwrap();
    let out = idbooth(&["check", p.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["faces"], 0);
    assert!(v["problem"].as_str().unwrap().contains("No face"));
    // Nothing measured, nothing passed.
    for r in v["rules"].as_array().unwrap() {
        assert_ne!(r["status"], "pass", "{}", r["id"]);
    }
    let out = idbooth(&["export", p.to_str().unwrap(), "-o", dir.join("o.jpg").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!dir.join("o.jpg").exists());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn specs_lists_every_builtin_spec() {
    let out = idbooth(&["specs", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = v.as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    for id in [
        "cn-exit-entry",
        "cn-resident-id",
        "cn-social-security",
        "icao-35x45",
        "us-2x2",
        "uk-passport",
        "schengen-visa",
        "jp-passport",
    ] {
        assert!(ids.contains(&id), "{id}");
    }
    assert_eq!(v[0]["width_px"], 390);
}
