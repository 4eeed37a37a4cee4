//! The window, driven by egui_kittest (no display needed): open a photo through the same path
//! as Open…, the checklist, spec and language switches, the form and export, a no-face photo,
//! drag and drop, and the live path fed by recorded frames.

#![cfg(feature = "gui")]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use idbooth::Lang;
use idbooth::app::live::Warn;
use idbooth::app::{BoothApp, FilePicker, Options, fonts};
use idbooth::capture::frames::{FrameSource, RecordedFrames, scale_brightness};
use idbooth::judge::Overall;
use idbooth::spec::SpecBook;

/// Stands in for the system dialog: answers with fixed paths.
struct FakePicker {
    photo: Option<PathBuf>,
    folder: Option<PathBuf>,
}

impl FilePicker for FakePicker {
    fn pick_photo(&mut self) -> Option<PathBuf> {
        self.photo.clone()
    }
    fn pick_folder(&mut self, _start: &Path) -> Option<PathBuf> {
        self.folder.clone()
    }
}

fn repo(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(p)
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("idbooth-ui-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn harness(app: BoothApp) -> Harness<'static, BoothApp> {
    Harness::builder()
        .with_size([1400.0, 1000.0])
        .with_max_steps(12)
        .with_context_setup(fonts::install)
        .build_ui_state(|ui, app: &mut BoothApp| app.show(ui), app)
}

fn app(photo: Option<PathBuf>, folder: Option<PathBuf>) -> BoothApp {
    let opts = Options { lang: Some(Lang::En), ..Options::default() };
    BoothApp::new(opts, Box::new(FakePicker { photo, folder }))
}

/// Step until the still check is done (the UI keeps drawing meanwhile).
/// Wait until the live session has stopped (its source failed or ran out).
fn wait_live_ends(h: &mut Harness<'_, BoothApp>) {
    let t = Instant::now();
    while h.state().is_live() {
        assert!(t.elapsed() < Duration::from_secs(10), "the live session did not stop");
        std::thread::sleep(Duration::from_millis(10));
        h.step();
    }
    h.run();
}

fn wait_checked(h: &mut Harness<'_, BoothApp>) {
    let t = Instant::now();
    h.step();
    while h.state().is_busy() {
        assert!(t.elapsed() < Duration::from_secs(60), "the check never finished");
        std::thread::sleep(Duration::from_millis(20));
        h.step();
    }
    h.run();
}

fn size_label(w: u32, h: u32) -> String {
    format!("{w} × {h} px")
}

#[test]
fn open_check_switch_spec_and_language_fill_the_form_and_export() {
    let out = temp_dir("export");
    let mut h = harness(app(Some(repo("assets/samples/grace_hopper.jpg")), Some(out.clone())));
    h.run();
    // The top bar and the start screen both offer Open…: either goes through the picker.
    h.get_all_by_label("Open photo…").next().unwrap().click();
    wait_checked(&mut h);

    // The checklist fills in: every rule of the engine has a row.
    h.get_by_label("Checklist");
    let report = h.state().still().unwrap().report().clone();
    let spec = SpecBook::load().get("cn-exit-entry").unwrap().clone();
    let defined = idbooth::judge::judge(&Default::default(), &spec, &Default::default()).len();
    assert_eq!(report.rules.len(), defined);
    for v in &report.rules {
        assert!(!h.query_all_by_label(&v.title).collect::<Vec<_>>().is_empty(), "no row for {}", v.title);
    }
    // The background: replaced as the spec allows; "keep" re-judges the photo as it was taken.
    assert!(report.background.replaced_with.is_some(), "{:?}", report.background);
    h.get_by_role_and_label(Role::ComboBox, "Background").click();
    h.run();
    h.get_by_label("Keep the original").click();
    wait_checked(&mut h);
    assert!(h.state().still().unwrap().report().background.replaced_with.is_none());

    let book = SpecBook::load();
    let first = book.get("cn-exit-entry").unwrap();
    assert_eq!(h.state().result_size(), Some((first.width(), first.height())));
    h.get_by_label_contains(&size_label(first.width(), first.height()));

    // Switch the spec through the combo box: the result takes the new spec's size.
    let us = book.get("us-2x2").unwrap();
    h.get_by_role_and_label(Role::ComboBox, "Photo spec").click();
    h.run();
    h.get_by_label_contains(us.name_en.as_str()).click();
    wait_checked(&mut h);
    assert_eq!(h.state().spec().id, "us-2x2");
    assert_eq!(h.state().result_size(), Some((us.width(), us.height())));
    h.get_by_label_contains(&size_label(us.width(), us.height()));
    assert!(h.query_by_label_contains(&size_label(first.width(), first.height())).is_none());

    // Switch the language: the window and the checklist turn Chinese.
    h.get_by_label("中文").click();
    h.run();
    h.get_by_label("检查清单");
    h.get_by_label("申请人信息");
    assert!(h.state().still().unwrap().report().rules[0].title.chars().any(|c| c > '\u{3000}'));

    // Back to the first spec for the export.
    h.get_by_role_and_label(Role::ComboBox, "照片规格").click();
    h.run();
    h.get_by_label_contains(first.name_zh.as_str()).click();
    wait_checked(&mut h);
    assert_eq!(h.state().spec().id, "cn-exit-entry");

    // An incomplete form is refused, naming what is missing.
    h.get_by_label("导出照片和表单").click();
    h.run();
    let (msg, ok) = h.state().export_message().map(|(m, ok)| (m.to_string(), ok)).unwrap();
    assert!(!ok && msg.contains("姓名") && msg.contains("电话"), "{msg}");

    // Fill the form by typing.
    h.get_by_label("选择文件夹…").click();
    h.run();
    assert_eq!(h.state().folder, out);
    for (label, text) in
        [("姓名", "张三"), ("申请城市", "深圳"), ("电话", "+86 138 0000 0000"), ("备注（可选）", "test")]
    {
        let field = h.get_by_role_and_label(Role::TextInput, label);
        field.focus();
        field.type_text(text);
        h.run();
    }
    assert_eq!(h.state().form.name, "张三");
    assert_eq!(h.state().form.phone, "+86 138 0000 0000");

    // Her cap reaches the photo's top edge: the crown rule fails, and the export is blocked
    // naming it; staff confirm with their name and a reason.
    assert_eq!(h.state().still().unwrap().report().overall, Overall::Fail);
    h.get_by_label("导出照片和表单").click();
    h.run();
    let (msg, ok) = h.state().export_message().map(|(m, ok)| (m.to_string(), ok)).unwrap();
    let failed = idbooth::app::state::blocking(h.state().still().unwrap().report());
    assert!(!ok && msg.contains(&failed[0]), "{msg}");
    for (label, text) in [("工作人员姓名", "李伟"), ("工作人员放行——原因", "old archive photo, approved by staff")]
    {
        let field = h.get_by_role_and_label(Role::TextInput, label);
        field.focus();
        field.type_text(text);
        h.run();
    }
    h.get_by_label("导出照片和表单").click();
    h.run();
    let (msg, ok) = h.state().export_message().map(|(m, ok)| (m.to_string(), ok)).unwrap();
    assert!(ok, "{msg}");
    let saved = h.state().last_export.clone().unwrap();
    h.get_by_label_contains(&saved.photo.display().to_string());

    // The two files, with the right content.
    assert_eq!(saved.photo.parent(), Some(out.as_path()));
    let jpeg = image::open(&saved.photo).unwrap();
    assert_eq!((jpeg.width(), jpeg.height()), (first.width(), first.height()));
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(&saved.summary_path).unwrap()).unwrap();
    assert_eq!(summary["spec"], "cn-exit-entry");
    assert_eq!(summary["photo_file"], saved.photo.file_name().unwrap().to_str().unwrap());
    assert_eq!(summary["photo_sha256"], idbooth::export::summary::sha256_hex(&std::fs::read(&saved.photo).unwrap()));
    assert_eq!(summary["applicant"]["name"], "张三");
    assert_eq!(summary["applicant"]["city"], "深圳");
    assert_eq!(summary["applicant"]["phone"], "+86 138 0000 0000");
    assert_eq!(summary["applicant"]["document"], "passport");
    assert_eq!(summary["applicant"]["notes"], "test");
    assert_eq!(summary["outcome"], "fail");
    let confirmed = summary["confirmations"].as_array().unwrap();
    assert!(confirmed.iter().any(|c| c["rule"] == "crown_margin" && c["status"] == "fail"), "{confirmed:?}");
    assert!(confirmed.iter().all(|c| c["by"] == "李伟" && c["reason"] == "old archive photo, approved by staff"));
    std::fs::remove_dir_all(&out).ok();
}

#[derive(Debug)]
struct Dropped(PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

#[test]
fn a_photo_without_a_face_shows_the_message_not_a_checklist() {
    let dir = temp_dir("noface");
    let path = dir.join("wall.png");
    image::RgbImage::from_fn(400, 500, |x, y| image::Rgb([180 + (x % 40) as u8, 170 + (y % 50) as u8, 160]))
        .save(&path)
        .unwrap();
    let mut h = harness(app(None, None));
    h.run();
    // Dropped onto the window: the same path as Open….
    h.input_mut().dropped_files.push(std::sync::Arc::new(Dropped(path)));
    wait_checked(&mut h);
    h.get_by_label_contains("No face was found");
    assert!(h.query_by_label("Checklist").is_none());
    assert!(!h.state().still().unwrap().has_face());
    std::fs::remove_dir_all(&dir).ok();
}

fn live_source(frames: Vec<image::RgbImage>) -> idbooth::app::SourceMaker {
    Box::new(move || {
        let frames = frames.clone();
        Box::new(move || Ok(Box::new(RecordedFrames::new(frames, 30.0)) as Box<dyn FrameSource>))
    })
}

/// Step the window until `n` more live analyses went through.
fn wait_analyses(h: &mut Harness<'_, BoothApp>, n: u64) {
    let t = Instant::now();
    let start = h.state().live_analyses();
    while h.state().live_analyses() < start + n {
        assert!(t.elapsed() < Duration::from_secs(60), "analysis stalled");
        std::thread::sleep(Duration::from_millis(10));
        h.step();
    }
    h.step();
}

#[test]
fn live_warnings_appear_for_a_dark_frame_and_go_for_a_good_one() {
    let good = idbooth::capture::load_photo(&repo("assets/samples/grace_hopper.jpg")).unwrap().image;
    let dark = scale_brightness(&good, 0.22);
    let mut h = harness(app(None, None));
    h.state_mut().set_live_source(live_source(vec![dark]));
    wait_analyses(&mut h, 6);
    assert!(h.state().is_live());
    assert!(h.state().live_warnings().contains(&Warn::TooDark), "{:?}", h.state().live_warnings());
    h.get_by_label_contains("Too dark");

    h.state_mut().set_live_source(live_source(vec![good]));
    wait_analyses(&mut h, 6);
    let warns = h.state().live_warnings();
    assert!(!warns.contains(&Warn::TooDark) && !warns.contains(&Warn::NoFace), "{warns:?}");
    assert!(h.query_by_label_contains("Too dark").is_none());

    // Space starts the 3-2-1 countdown; the still is then checked at full resolution.
    h.key_press(egui::Key::Space);
    let t = Instant::now();
    while h.state().is_live() {
        assert!(t.elapsed() < Duration::from_secs(10), "no capture after the countdown");
        std::thread::sleep(Duration::from_millis(30));
        h.step();
    }
    wait_checked(&mut h);
    assert!(h.state().still().is_some_and(|s| s.has_face()));
    h.get_by_label("Checklist");
    // Retake goes back to the live preview.
    h.get_by_label("Retake").click();
    h.step();
    assert!(h.state().is_live());
}

/// UI and analysis rates with a synthetic 640×480 source: `cargo test --release --test ui -- --ignored --nocapture`.
#[test]
#[ignore]
fn measure_live_fps() {
    let photo = idbooth::capture::load_photo(&repo("assets/samples/grace_hopper.jpg")).unwrap().image;
    let frame = image::imageops::resize(&photo, 410, 480, image::imageops::FilterType::Triangle);
    let mut canvas = image::RgbImage::from_pixel(640, 480, image::Rgb([200, 200, 200]));
    image::imageops::overlay(&mut canvas, &frame, 115, 0);
    let mut h = harness(app(None, None));
    h.state_mut().set_live_source(live_source(vec![canvas]));
    wait_analyses(&mut h, 3);
    let t = Instant::now();
    let mut steps = 0;
    let a0 = h.state().live_analyses();
    while t.elapsed() < Duration::from_secs(10) {
        h.step();
        steps += 1;
        std::thread::sleep(Duration::from_millis(15));
    }
    let secs = t.elapsed().as_secs_f64();
    let analyses = h.state().live_analyses() - a0;
    println!(
        "UI: {:.1} frames/s (with 15 ms pacing), analysis: {:.1} analyses/s over {secs:.1} s",
        steps as f64 / secs,
        analyses as f64 / secs
    );
}

#[test]
fn camera_errors_show_a_message_and_the_file_path_still_works() {
    use idbooth::capture::frames::CaptureError;
    let mut h = harness(app(Some(repo("assets/samples/grace_hopper.jpg")), None));
    // A busy camera: a message, no live view, and Open… still works.
    h.state_mut().set_live_source(Box::new(|| {
        Box::new(|| Err::<Box<dyn FrameSource>, _>(CaptureError::Busy("/dev/video0".into())))
    }));
    wait_live_ends(&mut h);
    h.get_by_label_contains("Camera problem");
    // Unplugged mid-preview: the source stops delivering.
    let good = idbooth::capture::load_photo(&repo("assets/samples/grace_hopper.jpg")).unwrap().image;
    h.state_mut().set_live_source(Box::new(move || {
        let frames = vec![good.clone(); 3];
        Box::new(move || Ok(Box::new(RecordedFrames::new(frames, 30.0).once()) as Box<dyn FrameSource>))
    }));
    wait_live_ends(&mut h);
    h.get_by_label_contains("Camera problem");
    h.get_all_by_label("Open photo…").next().unwrap().click();
    wait_checked(&mut h);
    h.get_by_label("Checklist");
}
