//! The command-line contract: exit codes, the JSON report's shape, export files, bad input,
//! and exports that never lose or mismatch data. Uses only files in the repository (the
//! public-domain samples and fixtures made from them).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn idbooth(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_idbooth"))
        .args(args)
        // Keep the test's logs out of the user's data folder; English unless --lang says.
        .env("IDBOOTH_DATA_DIR", crate::common::kept("cli-test-data"))
        .env_remove("LANG")
        // No studio settings but those a test names (--settings): not the tester's own.
        .env("XDG_CONFIG_HOME", crate::common::kept("cli-test-config"))
        .output()
        .expect("run idbooth")
}

fn repo(p: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p).display().to_string()
}

fn tmp(name: &str) -> PathBuf {
    crate::common::scratch(&format!("cli-{name}"))
}

fn json(out: &Output) -> serde_json::Value {
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.trim_end().lines().count(), 1, "one report per line: {text}");
    serde_json::from_str(&text).unwrap()
}

fn rule<'a>(v: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    v["rules"].as_array().unwrap().iter().find(|r| r["id"] == id).unwrap_or_else(|| panic!("rule {id} missing"))
}

fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().to_string()).collect();
    v.sort();
    v
}

const HOPPER: &str = "assets/samples/grace_hopper.jpg";

#[test]
fn check_json_is_one_line_per_photo_with_data_and_rendered_text() {
    let out = idbooth(&["check", &repo(HOPPER), "--json"]);
    let v = json(&out);
    assert_eq!(v["spec"], "cn-exit-entry");
    assert_eq!(v["faces"], 1);
    assert_eq!(v["judged"], "auto_crop");
    for k in ["left_pupil", "right_pupil", "chin", "head_top"] {
        assert_eq!(v["landmarks"][k].as_array().unwrap_or_else(|| panic!("landmarks.{k}")).len(), 2);
    }
    assert!(v["crop"]["rotation_deg"].is_number() && v["crop"]["width"].is_number());
    // Every rule the spec defines, as data plus text; the spec bands no chin margin: left out.
    for id in [
        "single_face",
        "resolution",
        "head_height",
        "face_width",
        "inter_pupil",
        "eye_line",
        "crown_margin",
        "centering",
        "roll",
        "yaw",
        "pitch",
        "eyes_open",
        "mouth_closed",
        "headwear",
        "exposure",
        "lighting_uniformity",
        "background_uniformity",
        "background_color",
        "sharpness",
    ] {
        let r = rule(&v, id);
        for k in ["status", "reason", "value", "min", "max", "unit", "title", "message"] {
            assert!(r.get(k).is_some(), "{id}.{k}");
        }
    }
    assert!(v["rules"].as_array().unwrap().iter().all(|r| r["id"] != "chin_margin"));
    // Her cap reaches the photo's top edge: the crown rule fails for that edge; exit code 1.
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(v["overall"], "fail");
    assert_eq!(rule(&v, "crown_margin")["status"], "fail");
    assert_eq!(rule(&v, "crown_margin")["reason"], "photo_edge");
    // The blue studio backdrop is measured as photographed, then replaced with the spec's white.
    assert_eq!(v["background"]["replaced_with"], "white");
    let bg = rule(&v, "background_color");
    assert_eq!((bg["status"].as_str(), bg["reason"].as_str()), (Some("pass"), Some("replaced")));
    assert!(bg["value"].as_f64().unwrap() > 10.0);
    // Kept as photographed, the blue backdrop is not an allowed background: the check says so.
    let k = json(&idbooth(&["check", &repo(HOPPER), "--json", "--background", "keep"]));
    assert_eq!(rule(&k, "background_color")["status"], "fail");
    assert_eq!(rule(&k, "background_color")["value"], bg["value"]);
    assert_eq!(k["background"]["kept_because"], "requested");
}

#[test]
fn languages_change_the_text_only_and_lang_may_come_before_the_subcommand() {
    let en = json(&idbooth(&["check", &repo(HOPPER), "--json", "--lang", "en"]));
    let zh_out = idbooth(&["--lang", "zh", "check", &repo(HOPPER), "--json"]);
    assert_eq!(zh_out.status.code(), Some(1), "{}", String::from_utf8_lossy(&zh_out.stderr));
    let zh = json(&zh_out);
    let (a, b) = (en["rules"].as_array().unwrap(), zh["rules"].as_array().unwrap());
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        for k in ["id", "status", "reason", "value", "min", "max", "unit"] {
            assert_eq!(x[k], y[k], "{} {k}", x["id"]);
        }
    }
    assert!(b.iter().any(|r| r["message"].as_str().unwrap().chars().any(|c| c > '\u{3000}')));
    assert_eq!(en["overall"], zh["overall"]);
}

#[test]
fn a_failing_photo_is_not_exported_until_a_named_person_confirms_its_rules() {
    let dir = tmp("confirm");
    let jpg = dir.join("out.jpg");
    let hopper = repo(HOPPER);
    let export = |extra: &[&str]| {
        let mut args = vec!["export", &hopper, "-o", jpg.to_str().unwrap(), "--name", "Grace Hopper"];
        args.extend_from_slice(extra);
        idbooth(&args)
    };
    let refused = export(&[]);
    assert_eq!(refused.status.code(), Some(1));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("crown_margin") && err.contains("--confirm"), "{err}");
    assert_eq!(files(&dir), Vec::<String>::new(), "nothing written");
    // The refusal in the reader's language, rules named by title and the ids --confirm takes.
    let mut args = vec!["--lang", "zh", "export", &hopper, "-o", jpg.to_str().unwrap()];
    let zh = idbooth(&args);
    let err = String::from_utf8_lossy(&zh.stderr);
    assert!(err.contains("未导出：头顶上方留白 crown_margin") && err.contains("没有写入任何文件"), "{err}");
    args.extend(["--confirm", "crown_margin", "--by", "李伟"]);
    let err = String::from_utf8_lossy(&idbooth(&args).stderr).to_string();
    assert!(err.contains("必须由人确认") && !err.contains("crown_margin，"), "{err}");
    assert_eq!(files(&dir), Vec::<String>::new(), "nothing written");
    // Which rules are open: from the report.
    let v = json(&idbooth(&["check", &repo(HOPPER), "--json"]));
    let open: Vec<String> = v["rules"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| !["pass", "warn"].contains(&r["status"].as_str().unwrap()))
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    let list = open.join(",");
    // Documents: the booth's and the specs' ids; anything else is a typing error (exit 2).
    let unknown = export(&["--document", "idcard"]);
    assert_eq!(unknown.status.code(), Some(2), "{unknown:?}");
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("resident-id-card, social-security-card"));
    let us = export(&["--document", "us-passport", "--spec", "us-2x2"]);
    assert_eq!(us.status.code(), Some(1), "a known document, a photo that fails: {us:?}");
    // A document another spec is for: refused with that spec (exit 2), before any work.
    let id_card = export(&["--document", "resident-id-card"]);
    assert_eq!(id_card.status.code(), Some(2), "{id_card:?}");
    assert!(String::from_utf8_lossy(&id_card.stderr).contains("cn-resident-id, not to cn-exit-entry"));
    let other = export(&["--document", "other", "--spec", "us-2x2"]);
    assert_eq!(other.status.code(), Some(1), "the booth's generic ids go with any spec: {other:?}");
    let nobody = export(&["--confirm", &list]);
    assert_eq!(nobody.status.code(), Some(2), "a confirmation without --by is an incomplete command");
    assert!(String::from_utf8_lossy(&nobody.stderr).contains("name of the person"));
    let no_reason = export(&["--confirm", &list, "--by", "Li Wei"]);
    assert_eq!(no_reason.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&no_reason.stderr).contains("reason"));
    let ok = export(&[
        "--confirm",
        &list,
        "--by",
        "Li Wei",
        "--role",
        "staff",
        "--reason",
        "archive portrait",
        "--city",
        "Shen Zhen",
    ]);
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stderr));
    assert_eq!(files(&dir), ["out.jpg", "out.json"]);
    // What the window would have asked for and the command line left out.
    let said = String::from_utf8_lossy(&ok.stdout);
    assert!(said.contains("Not in the summary: Phone (the window asks for them: --phone)"), "{said}");
    let bytes = std::fs::read(&jpg).unwrap();
    assert_eq!(idbooth::export::jfif_density(&bytes), Some((1, 300, 300)));
    let img = image::load_from_memory(&bytes).unwrap();
    assert_eq!((img.width(), img.height()), (390, 567));
    assert!((20 * 1024..=80_000).contains(&(bytes.len() as u64)), "{} bytes", bytes.len());
    let s: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("out.json")).unwrap()).unwrap();
    assert_eq!(s["schema"], 2);
    assert_eq!(s["photo_bytes"], bytes.len() as u64);
    assert_eq!(s["photo_sha256"], idbooth::export::summary::sha256_hex(&bytes));
    assert_eq!(s["outcome"], "fail");
    assert_eq!(s["applicant"]["name"], "Grace Hopper");
    assert_eq!(s["applicant"]["city"], "深圳市", "the resolved full name is recorded");
    let c = s["confirmations"].as_array().unwrap();
    assert_eq!(c.len(), open.len());
    assert!(c.iter().all(|c| c["by"] == "Li Wei" && c["at"].is_string()));
    // The reason goes with each failure overridden, not with a rule only looked at.
    assert!(c.iter().all(|c| (c["reason"] == "archive portrait") == (c["status"] == "fail")), "{c:?}");
    assert!(c.iter().any(|c| c["status"] == "fail") && c.iter().any(|c| c["status"] != "fail"), "{c:?}");
    assert!(c.iter().all(|c| c["role"] == "staff"), "{c:?}");
    // The exported file is judged exactly as it is.
    let again = json(&idbooth(&["check", jpg.to_str().unwrap(), "--json"]));
    assert_eq!(again["judged"], "as_is");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn exports_never_write_over_the_source_or_an_existing_export_unasked() {
    let dir = tmp("clobber");
    let src = dir.join("me.jpg");
    std::fs::copy(repo(HOPPER), &src).unwrap();
    let original = std::fs::read(&src).unwrap();
    let all = "crown_margin,roll,glasses,headwear,hair_over_eyes,brows_visible,jewellery,exposure,face_shadow,face_reflection,background_uniformity";
    let confirm = ["--confirm", all, "--by", "Li", "--reason", "test"];
    let run = |out: &Path, extra: &[&str]| {
        let mut args = vec!["export", src.to_str().unwrap(), "-o", out.to_str().unwrap()];
        args.extend_from_slice(&confirm);
        args.extend_from_slice(extra);
        idbooth(&args)
    };
    for extra in [&[][..], &["--overwrite"][..]] {
        let o = run(&src, extra);
        assert_eq!(o.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&o.stderr).contains("never written over"), "{o:?}");
    }
    // -o t.json would put the photo where its own summary goes (and is not a JPEG's name);
    // --summary naming the photo itself likewise.
    let o = run(&dir.join("t.json"), &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("ending in .jpg"), "{o:?}");
    let t = dir.join("t.jpg");
    let o = run(&t, &["--summary", t.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot both be"), "{o:?}");
    let out = dir.join("out.jpg");
    assert_eq!(run(&out, &[]).status.code(), Some(0));
    let first = std::fs::read(&out).unwrap();
    let again = run(&out, &[]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    let mut zh = vec!["--lang", "zh", "export", src.to_str().unwrap(), "-o", out.to_str().unwrap()];
    zh.extend_from_slice(&confirm);
    let again = idbooth(&zh);
    assert!(String::from_utf8_lossy(&again.stderr).contains("已存在：请换一个文件名"), "{again:?}");
    assert_eq!(run(&out, &["--overwrite"]).status.code(), Some(0));
    assert_eq!(std::fs::read(&src).unwrap(), original, "the source photo is untouched");
    assert_eq!(std::fs::read(&out).unwrap().len(), first.len());
    assert_eq!(files(&dir), ["me.jpg", "out.jpg", "out.json"]);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn exports_killed_at_random_moments_leave_only_matched_pairs() {
    let dir = tmp("kill");
    let out = dir.join("out.jpg");
    let summary = dir.join("out.json");
    let confirm = "crown_margin,roll,glasses,headwear,hair_over_eyes,brows_visible,jewellery,exposure,face_shadow,face_reflection,background_uniformity";
    let args = |overwrite: bool| {
        let mut a = vec![
            "export".to_string(),
            repo(HOPPER),
            "-o".into(),
            out.display().to_string(),
            "--confirm".into(),
            confirm.into(),
            "--by".into(),
            "Li".into(),
            "--reason".into(),
            "test".into(),
        ];
        if overwrite {
            a.push("--overwrite".into());
        }
        a
    };
    let check_pair = |when: &str| match (std::fs::read(&out), std::fs::read(&summary)) {
        (Ok(photo), Ok(s)) => {
            let s: serde_json::Value = serde_json::from_slice(&s).unwrap_or_else(|e| panic!("{when}: summary {e}"));
            assert_eq!(s["photo_sha256"], idbooth::export::summary::sha256_hex(&photo), "{when}: mismatched pair");
        }
        (Ok(_), Err(_)) | (Err(_), Err(_)) => {}
        (Err(_), Ok(_)) => panic!("{when}: a summary without its photo"),
    };
    // A first run tells how long an export takes; kills then land across the whole run.
    let t = std::time::Instant::now();
    assert_eq!(idbooth(&args(false).iter().map(String::as_str).collect::<Vec<_>>()).status.code(), Some(0));
    let full = t.elapsed().as_millis() as u64;
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for i in 0..16 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let delay = seed % (full + 20);
        let mut child = Command::new(env!("CARGO_BIN_EXE_idbooth"))
            .args(args(true))
            .env("IDBOOTH_DATA_DIR", crate::common::kept("cli-test-data"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        check_pair(&format!("kill {i} after {delay} ms"));
    }
    // The next export finishes or undoes whatever a kill left, and leaves no temp files.
    let last = idbooth(&args(true).iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(last.status.code(), Some(0), "{}", String::from_utf8_lossy(&last.stderr));
    check_pair("after the last export");
    assert_eq!(files(&dir), ["out.jpg", "out.json"]);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_input_gets_a_clear_message_and_exit_code_2() {
    let dir = tmp("bad");
    let text = dir.join("notes.jpg");
    std::fs::write(&text, "this is not a photo").unwrap();
    let full = std::fs::read(repo(HOPPER)).unwrap();
    let cut = dir.join("cut.jpg");
    std::fs::write(&cut, &full[..full.len() / 3]).unwrap();
    let nearly = dir.join("nearly.jpg");
    std::fs::write(&nearly, &full[..full.len() - 200]).unwrap();
    let weird = dir.join("evil\n\u{1b}[2Jname.jpg");
    std::fs::write(&weird, "not a photo").unwrap();
    let cases: [(&str, &str); 6] = [
        (text.to_str().unwrap(), "not a photo"),
        (cut.to_str().unwrap(), "damaged or incomplete"),
        (nearly.to_str().unwrap(), "damaged or incomplete"),
        ("/no/such/photo.jpg", "not found"),
        (dir.to_str().unwrap(), "folder"),
        (weird.to_str().unwrap(), "evil\\n\\u{1b}[2Jname.jpg"),
    ];
    for (path, words) in cases {
        let out = idbooth(&["check", path]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{path}: {err}");
        assert!(err.contains(words), "{path}: {err}");
        assert!(!err.contains('\u{1b}'), "raw control characters reach the terminal: {err:?}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let out = idbooth(&["check", "x.jpg", "--spec", "no-such-spec"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("idbooth specs"));
    let out = idbooth(&["check", &repo(HOPPER), "--background", "red"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("allowed: white, light-blue"));
    // The parser's own errors: clap's text, led in Chinese for a Chinese reader.
    let out = idbooth(&["--lang", "en", "check", "x.jpg", "--bogus"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(err.contains("unexpected argument '--bogus'") && !err.contains("命令行"), "{err}");
    // A Chinese terminal reads Chinese without --lang: the parser's errors and the booth's own.
    let zh_terminal = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_idbooth"))
            .args(args)
            .env("IDBOOTH_DATA_DIR", crate::common::kept("cli-test-data"))
            .env("LANG", "zh_CN.UTF-8")
            .output()
            .unwrap()
    };
    for (args, words) in
        [(&["check", "x.jpg", "--bogus"][..], "不认识的参数"), (&["check", "/no/such/photo.jpg"], "找不到")]
    {
        let out = zh_terminal(args);
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains(words), "{}", String::from_utf8_lossy(&out.stderr));
    }
    for (args, words) in [
        (&["--lang", "zh", "check", "x.jpg", "--bogus"][..], "不认识的参数：--bogus"),
        (&["check", "--lang=zh", "x.jpg", "--background"], "参数 --background <BACKGROUND> 后面缺少值"),
        (&["--lang", "zh", "frobnicate", "x.jpg"], "不认识的参数：x.jpg"),
        (&["--lang", "zh", "sheet", "x.jpg", "--copies", "many"], "“many”无效"),
    ] {
        let out = idbooth(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.starts_with("idbooth: ") && err.contains(words) && err.contains("idbooth --help"), "{err}");
        assert!(err.contains("error: "), "clap's own message follows: {err}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// `--help` in the reader's language: a Chinese terminal or `--lang zh` reads Chinese help
/// for the program and each command; otherwise clap's English.
#[test]
fn help_is_in_the_readers_language() {
    let zh_terminal = Command::new(env!("CARGO_BIN_EXE_idbooth"))
        .arg("--help")
        .env("IDBOOTH_DATA_DIR", crate::common::kept("cli-test-data"))
        .env("LANG", "zh_CN.UTF-8")
        .output()
        .unwrap();
    for (out, words) in [
        (zh_terminal, &["用法: idbooth", "命令:", "裁剪并导出", "退出状态", "显示帮助"][..]),
        (idbooth(&["--lang", "zh", "export", "--help"]), &["受理城市", "参数:", "选项:", "申请人电话"]),
        (idbooth(&["export", "--lang=zh", "-h"]), &["受理城市"]),
        (idbooth(&["--lang", "zh", "help", "sheet"]), &["相纸排版"]),
        (idbooth(&["--help"]), &["Usage: idbooth", "Commands:", "Exit status of check and export"]),
        (idbooth(&["--lang", "en", "export", "--help"]), &["City of application", "Options:"]),
    ] {
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{text}");
        for w in words {
            assert!(text.contains(w), "{w:?} missing from:\n{text}");
        }
    }
    let en = idbooth(&["--help"]);
    assert!(!String::from_utf8_lossy(&en.stdout).contains("用法"));
}

#[test]
fn export_refuses_a_province_or_unknown_city_before_judging() {
    let dir = tmp("city");
    let jpg = dir.join("out.jpg");
    let hopper = repo(HOPPER);
    let export = |lang: &str, city: &str| {
        idbooth(&["--lang", lang, "export", &hopper, "-o", jpg.to_str().unwrap(), "--city", city])
    };
    for (lang, city, words) in [
        ("en", "广东", &["province", "广州 (Guangzhou)", "深圳 (Shenzhen)"][..]),
        ("en", "Guangdong", &["province", "深圳"]),
        ("zh", "广东省", &["省级行政区", "广州、深圳"]),
        ("en", "Atlantis", &["not a city on the list"]),
        ("en", "suzhou", &["苏州 (Suzhou, 江苏省)", "宿州 (Suzhou, 安徽省)"]),
        ("zh", "香港", &["内地"]),
    ] {
        let out = export(lang, city);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{city}: {err}");
        for w in words {
            assert!(err.contains(w), "{city}: {err}");
        }
        assert!(out.stdout.is_empty(), "refused before the photo is judged");
    }
    assert_eq!(files(&dir), Vec::<String>::new(), "nothing written");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_photo_without_a_face_fails_with_exit_1_and_is_not_exported() {
    let dir = tmp("noface");
    let p = dir.join("wall.png");
    image::RgbImage::from_fn(640, 480, |x, y| image::Rgb([200, 200 - (y / 8) as u8, 190 + (x / 64) as u8]))
        .save(&p)
        .unwrap();
    let out = idbooth(&["check", p.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["faces"], 0);
    assert_eq!(v["overall"], "fail");
    assert_eq!(rule(&v, "single_face")["reason"], "no_face");
    assert!(rule(&v, "single_face")["message"].as_str().unwrap().contains("No face"));
    // Nothing measured, nothing passed.
    for r in v["rules"].as_array().unwrap() {
        assert_ne!(r["status"], "pass", "{}", r["id"]);
    }
    let out = idbooth(&["export", p.to_str().unwrap(), "-o", dir.join("o.jpg").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(files(&dir), ["wall.png"]);
    std::fs::remove_dir_all(&dir).ok();
}

/// Refused before any work, as the window refuses them: a photo name that is not a JPEG's
/// (the file would be JPEG bytes under a .png name) and a phone number the counter cannot call.
#[test]
fn export_refuses_a_non_jpeg_name_and_a_bad_phone_before_any_work() {
    let dir = tmp("refusals");
    let hopper = repo("assets/samples/grace_hopper.jpg");
    for (out, extra, says) in [
        ("photo.png", &[][..], "photo.jpg"),
        ("photo", &[][..], "photo.jpg"),
        ("photo.jpg", &["--phone", "abc"][..], "6–20"),
    ] {
        let target = dir.join(out);
        let mut args = vec!["export", &hopper, "-o", target.to_str().unwrap()];
        args.extend_from_slice(extra);
        let run = idbooth(&args);
        assert_eq!(run.status.code(), Some(2), "{out} {extra:?}: {run:?}");
        assert!(String::from_utf8_lossy(&run.stderr).contains(says), "{out} {extra:?}: {run:?}");
        assert!(files(&dir).is_empty(), "{out}: nothing written");
    }
    let run = idbooth(&["--lang", "zh", "export", &hopper, "-o", dir.join("p.PNG").to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&run.stderr).contains("JPEG 格式"), "{run:?}");
    // A phone as people write them passes the check (the export then stops at the checklist).
    let run =
        idbooth(&["export", &hopper, "-o", dir.join("ok.JPG").to_str().unwrap(), "--phone", "+86 (138) 0000-0000"]);
    assert_eq!(run.status.code(), Some(1), "{run:?}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn several_photos_give_one_line_each_and_the_worst_exit_code() {
    let dir = tmp("several");
    let text = dir.join("notes.jpg");
    std::fs::write(&text, "this is not a photo").unwrap();
    let out = idbooth(&["check", &repo(HOPPER), text.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let lines: Vec<serde_json::Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["overall"], "fail");
    assert!(lines[1]["error"].as_str().unwrap().contains("not a photo"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn specs_lists_every_builtin_spec() {
    let out = idbooth(&["specs", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = v.as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    // With the documents each is for (what export --document takes besides the booth's own).
    let us = v.as_array().unwrap().iter().find(|s| s["id"] == "us-2x2").unwrap();
    assert_eq!(us["documents"], serde_json::json!(["us-passport", "us-visa"]));
    for id in [
        "cn-exit-entry",
        "cn-resident-id",
        "cn-social-security",
        "icao-35x45",
        "us-2x2",
        "uk-passport",
        "schengen-visa",
        "jp-passport",
        "cn-travel-document",
        "cn-2inch",
        "kr-passport",
        "ca-passport",
        "in-passport",
    ] {
        assert!(ids.contains(&id), "{id}");
    }
    assert_eq!(v[0]["width_px"], 390);
}

#[test]
fn a_batch_exports_what_passes_skips_the_rest_and_reports_every_input() {
    let src = tmp("batch-in");
    std::fs::copy(repo(HOPPER), src.join("hopper.jpg")).unwrap();
    std::fs::copy(repo("assets/samples/astronaut.png"), src.join("astronaut.png")).unwrap();
    std::fs::write(src.join("notes.jpg"), "not a photo").unwrap();
    let out = tmp("batch-out");
    let run = |extra: &[&str]| {
        let mut args = vec!["export", src.to_str().unwrap(), "--out-dir", out.to_str().unwrap()];
        args.extend_from_slice(extra);
        idbooth(&args)
    };
    let report = |name: &str| -> Vec<serde_json::Value> {
        std::fs::read_to_string(out.join(name)).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    };
    let first = run(&[]);
    assert_eq!(first.status.code(), Some(2), "an unreadable input makes the batch's exit code 2");
    let lines = report("report.jsonl");
    assert_eq!(lines.len(), 3, "one line per input");
    let by = |name: &str| lines.iter().find(|l| l["file"].as_str().unwrap().ends_with(name)).unwrap().clone();
    assert_eq!(by("hopper.jpg")["result"], "skipped");
    assert_eq!(by("hopper.jpg")["outcome"], "fail");
    assert!(by("hopper.jpg")["reasons"].as_array().unwrap().iter().any(|r| r == "crown_margin"));
    assert_eq!(by("notes.jpg")["result"], "error");
    assert_eq!(files(&out), ["report.jsonl"]);
    let progress = String::from_utf8_lossy(&first.stderr).to_string();
    assert!(progress.contains("[3/3]"), "progress on stderr");
    // The rules that held a photo back are on its progress line, not only in the report.
    let line = progress.lines().find(|l| l.contains("hopper.jpg")).unwrap();
    assert!(line.contains("skipped (fail: ") && line.contains("crown_margin"), "{line}");
    // An unreadable file says why on its line; a rule that could not be measured is not
    // called failed.
    let bad = progress.lines().find(|l| l.contains("notes.jpg")).unwrap();
    assert!(bad.contains("error: ") && bad.contains("not a photo"), "{bad}");
    assert!(line.contains("; not checked: face_shadow"), "{line}");
    // Confirmed by a person, the rules that were open on her photo let it through; the
    // astronaut's other open rules still keep it out.
    let second = run(&[
        "--confirm",
        "crown_margin,roll,glasses,headwear,hair_over_eyes,brows_visible,jewellery,exposure,face_shadow,face_reflection,background_uniformity",
        "--by",
        "Li",
        "--reason",
        "test",
    ]);
    assert_eq!(second.status.code(), Some(2));
    // The first run's report is its record: the second run's goes beside it.
    assert_eq!(report("report.jsonl").len(), 3);
    let lines = report("report-1.jsonl");
    let by = |name: &str| lines.iter().find(|l| l["file"].as_str().unwrap().ends_with(name)).unwrap().clone();
    assert_eq!(by("hopper.jpg")["result"], "exported");
    assert_eq!(by("astronaut.png")["result"], "skipped");
    assert_eq!(files(&out), ["hopper.jpg", "hopper.json", "report-1.jsonl", "report.jsonl"]);
    // A folder that cannot be made is refused before any photo is checked.
    let blocked = out.join("hopper.jpg").join("sub");
    let third = idbooth(&["export", src.to_str().unwrap(), "--out-dir", blocked.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&third.stderr).to_string();
    assert_eq!(third.status.code(), Some(2), "{err}");
    assert!(err.contains("cannot write") && !err.contains("[1/3]"), "{err}");
    std::fs::remove_dir_all(&src).ok();
    std::fs::remove_dir_all(&out).ok();
}

/// A clean studio photo on the exit-entry spec always waits for a person (jewellery cannot be
/// ruled out by the booth): the batch says which rules and how to let it through, and does.
#[test]
fn a_batch_of_photos_that_need_a_person_says_how_to_confirm_them() {
    let Some(dir) = crate::common::photos_dir() else { return };
    let src = tmp("batch-person-in");
    std::fs::copy(dir.join("london_neutral/002_03.jpg"), src.join("002_03.jpg")).unwrap();
    let out = tmp("batch-person-out");
    let run = |extra: &[&str]| {
        let mut args = vec!["export", src.to_str().unwrap(), "--out-dir", out.to_str().unwrap(), "--lang", "en"];
        args.extend_from_slice(extra);
        idbooth(&args)
    };
    let first = run(&[]);
    let err = String::from_utf8_lossy(&first.stderr).to_string();
    assert!(err.contains("002_03.jpg: skipped (needs a person: ") && err.contains("jewellery"), "{err}");
    assert!(err.contains("1 photo(s) need a person's check") && err.contains("--confirm"), "{err}");
    assert_eq!(files(&out), ["report.jsonl"]);
    // Doing what it says exports the photo, and the hint is gone.
    let second = run(&["--confirm", "jewellery,clothing_contrast", "--by", "Li"]);
    let err = String::from_utf8_lossy(&second.stderr).to_string();
    assert_eq!(second.status.code(), Some(0), "{err}");
    assert!(!err.contains("need a person's check"), "{err}");
    assert_eq!(files(&out), ["002_03.jpg", "002_03.json", "report-1.jsonl", "report.jsonl"]);
    std::fs::remove_dir_all(&src).ok();
    std::fs::remove_dir_all(&out).ok();
}

/// Who confirmed on the command line: the applicant by default (the studio settings' mode is
/// a laptop unless set: a person at home), staff where the settings say counter or kiosk, and
/// whatever --role says over either. The summary records it, and the slip prints it.
#[test]
fn a_command_line_confirmation_is_the_applicants_at_home_and_staffs_at_a_counter() {
    let dir = tmp("role");
    let hopper = repo(HOPPER);
    let v = json(&idbooth(&["check", &hopper, "--json"]));
    let open: Vec<&str> = v["rules"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| !["pass", "warn"].contains(&r["status"].as_str().unwrap()))
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let list = open.join(",");
    let counter = dir.join("counter.toml");
    std::fs::write(&counter, "mode = \"counter\"\n").unwrap();
    let home = dir.join("no-such-settings.toml");
    for (name, settings, role, want) in [
        ("home", &home, None, "applicant"),
        ("counter", &counter, None, "staff"),
        ("home-staff", &home, Some("staff"), "staff"),
        ("counter-applicant", &counter, Some("applicant"), "applicant"),
    ] {
        let jpg = dir.join(format!("{name}.jpg"));
        let (jpg_s, settings_s) = (jpg.to_str().unwrap(), settings.to_str().unwrap());
        let mut args = vec!["export", &hopper, "-o", jpg_s, "--settings", settings_s, "--confirm", &list];
        args.extend(["--by", "Grace Hopper", "--reason", "archive portrait"]);
        if let Some(r) = role {
            args.extend(["--role", r]);
        }
        let out = idbooth(&args);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        let said = String::from_utf8_lossy(&out.stdout);
        assert_eq!(said.contains("Grace Hopper, the applicant"), want == "applicant", "{name}: {said}");
        let s: serde_json::Value = serde_json::from_slice(&std::fs::read(jpg.with_extension("json")).unwrap()).unwrap();
        let c = s["confirmations"].as_array().unwrap();
        assert!(!c.is_empty() && c.iter().all(|c| c["role"] == want), "{name}: {c:?}");
    }
    // The slip of the one at home says who checked it.
    let slip = dir.join("home-slip.pdf");
    let home_json = dir.join("home.json");
    let out = idbooth(&["summary", home_json.to_str().unwrap(), "-o", slip.to_str().unwrap(), "--size", "a6"]);
    assert!(out.status.success(), "{out:?}");
    if let Ok(text) = Command::new("pdftotext").args(["-enc", "UTF-8", "-raw"]).arg(&slip).arg("-").output() {
        let text = String::from_utf8_lossy(&text.stdout).split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(text.contains("Checked by the applicant") && !text.contains("Checked by staff"), "{text}");
    }
    let bad = idbooth(&["export", &hopper, "-o", dir.join("x.jpg").to_str().unwrap(), "--role", "boss"]);
    assert_eq!(bad.status.code(), Some(2), "{bad:?}");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("applicant or staff"), "{bad:?}");
    std::fs::remove_dir_all(&dir).ok();
}
