//! The window, driven by egui_kittest (no display needed), screen by screen and transition by
//! transition in each mode: laptop (open, check, switch, confirm, export, live, camera trouble,
//! no file dialog), kiosk (attract → choose → guided auto-capture → result → done → attract,
//! every idle reset on a fake clock, the wipe, the staff PIN, a lost camera), counter (queue from
//! the spool, manual crop, confirmations, one export per click).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use idbooth::Lang;
use idbooth::app::config::{Mode, StudioSettings};
use idbooth::app::live::{Target, Warn};
use idbooth::app::machine::Screen;
use idbooth::app::{BoothApp, FilePicker, Intent, Options, fonts};
use idbooth::capture::frames::{CaptureError, FrameSource, RecordedFrames, scale_brightness};
use idbooth::judge::{Overall, RuleId, Status};
use idbooth::spec::SpecBook;

/// Stands in for the system dialog: answers with fixed paths, or says there is no dialog.
struct FakePicker {
    photo: Option<PathBuf>,
    folder: Option<PathBuf>,
    missing: bool,
}

impl FilePicker for FakePicker {
    fn pick_photo(&mut self) -> Result<Option<PathBuf>, String> {
        if self.missing { Err("no file dialog on this system".into()) } else { Ok(self.photo.clone()) }
    }
    fn pick_folder(&mut self, _start: &Path) -> Result<Option<PathBuf>, String> {
        if self.missing { Err("no folder dialog on this system".into()) } else { Ok(self.folder.clone()) }
    }
    fn pick_save(&mut self, _start: &Path, name: &str) -> Result<Option<PathBuf>, String> {
        if self.missing {
            Err("no file dialog on this system".into())
        } else {
            Ok(self.folder.as_ref().map(|f| f.join(name)))
        }
    }
}

fn repo(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(p)
}

fn temp_dir(name: &str) -> PathBuf {
    crate::common::scratch(&format!("ui-{name}"))
}

fn harness_sized(app: BoothApp, size: [f32; 2]) -> Harness<'static, BoothApp> {
    Harness::builder()
        .with_size(size)
        .with_max_steps(12)
        .with_context_setup(fonts::install)
        .build_ui_state(|ui, app: &mut BoothApp| app.show(ui), app)
}

fn harness(app: BoothApp) -> Harness<'static, BoothApp> {
    harness_sized(app, [1400.0, 1000.0])
}

fn app_with(mode: Mode, settings: StudioSettings, photo: Option<PathBuf>, folder: Option<PathBuf>) -> BoothApp {
    let state = temp_dir(&format!("state-{mode:?}"));
    let opts = Options {
        lang: Some(Lang::En),
        mode: Some(mode),
        settings: StudioSettings { languages: vec![Lang::En, Lang::Zh], ..settings },
        state_dir: Some(state),
        ..Options::default()
    };
    BoothApp::new(opts, Box::new(FakePicker { photo, folder, missing: false }))
}

fn app(photo: Option<PathBuf>, folder: Option<PathBuf>) -> BoothApp {
    app_with(Mode::Laptop, StudioSettings::default(), photo, folder)
}

/// Step (a little real time passing) until `done` holds.
fn step_until(h: &mut Harness<'_, BoothApp>, what: &str, secs: u64, done: impl Fn(&BoothApp) -> bool) {
    let t = Instant::now();
    h.step();
    while !done(h.state()) {
        let a = h.state();
        assert!(
            t.elapsed() < Duration::from_secs(secs),
            "timed out waiting for {what} (screen {:?}, live {}, warnings {:?}, capturing {}, error {:?})",
            a.screen(),
            a.is_live(),
            a.live_warnings(),
            a.capturing(),
            a.error()
        );
        std::thread::sleep(Duration::from_millis(15));
        h.step();
    }
    h.step();
}

/// Until the still check and the composition are done.
fn wait_checked(h: &mut Harness<'_, BoothApp>) {
    step_until(h, "the check", 120, |a| {
        !a.is_busy() && a.still().is_none_or(|s| s.composed.is_some() || s.judgement.frame.is_none())
    });
}

/// Scroll a button into view, then click it (a click outside a scroll area's view is lost).
fn press(h: &mut Harness<'_, BoothApp>, label: &str) {
    h.get_by_label(label).scroll_to_me();
    h.run_steps(3);
    h.get_by_label(label).click();
    h.run_steps(3);
}

/// Tick every open rule's own box ("I checked: …") not ticked yet, failures included (a
/// failed rule is never ticked by "I checked each rule that needs a person").
fn tick_open_rules(h: &mut Harness<'_, BoothApp>, prefix: &str) {
    let titles: Vec<String> = h
        .state()
        .still()
        .unwrap()
        .report()
        .rules
        .iter()
        .filter(|r| !r.verdict.status.is_ok() && !h.state().visit.confirmed.contains(&r.verdict.rule))
        .map(|r| r.title.clone())
        .collect();
    for title in titles {
        press(h, &format!("{prefix}{title}"));
    }
}

fn size_label(w: u32, h: u32) -> String {
    format!("{w} × {h} px")
}

fn live_source(frames: Vec<image::RgbImage>) -> idbooth::app::SourceMaker {
    Box::new(move || {
        let frames = frames.clone();
        Box::new(move || Ok(Box::new(RecordedFrames::new(frames, 30.0)) as Box<dyn FrameSource>))
    })
}

fn wait_analyses(h: &mut Harness<'_, BoothApp>, n: u64) {
    let start = h.state().live_analyses();
    step_until(h, "live analyses", 60, |a| a.live_analyses() >= start + n);
}

// ---------------------------------------------------------------- laptop

#[test]
fn laptop_open_check_switch_confirm_and_export_once() {
    let out = temp_dir("export");
    let mut h = harness(app(Some(repo("assets/samples/grace_hopper.jpg")), Some(out.clone())));
    h.run();
    assert_eq!(h.state().screen(), Screen::Start);
    h.get_all_by_label("Open photo…").next().unwrap().click();
    h.step();
    assert_eq!(h.state().screen(), Screen::Checking);
    wait_checked(&mut h);
    assert_eq!(h.state().screen(), Screen::Review);

    // The checklist: every rule the spec defines has a row.
    h.get_by_label("Checklist");
    let report = h.state().still().unwrap().report().clone();
    let spec = SpecBook::load().get("cn-exit-entry").unwrap().clone();
    assert_eq!(report.rules.len(), idbooth::judge::judge(&Default::default(), &spec, &Default::default()).len());
    for r in &report.rules {
        assert!(h.query_all_by_label(&r.title).next().is_some(), "no row for {}", r.title);
    }
    // The units it shows are explained under it (L* for the glasses and hat rows here), and
    // the bracketed band (ears); EV only where a row is in EV.
    h.get_by_label_contains("Units: L* lightness");
    h.get_by_label_contains("a band in brackets is not failed");
    use idbooth::judge::Unit;
    for (unit, words) in [
        (Unit::Stops, "EV exposure stops"),
        (Unit::Chroma, "C* colourfulness"),
        (Unit::Ipd, "IPD: multiples"),
        (Unit::Times, "×: how much the photo is enlarged"),
    ] {
        let shown = report.rules.iter().any(|r| r.verdict.unit == unit && r.verdict.value.is_some());
        assert_eq!(h.query_by_label_contains(words).is_some(), shown, "{words}");
    }
    // Background: replaced as the spec allows; "keep" re-judges from the cache.
    assert!(report.background.replaced_with.is_some(), "{:?}", report.background);
    // A rule that passes only because the booth repaints the background says so in its row.
    let repainted: Vec<_> = report
        .rules
        .iter()
        .filter(|r| matches!(r.verdict.reason, idbooth::judge::Reason::Replaced | idbooth::judge::Reason::ReplacedBusy))
        .collect();
    assert!(
        repainted.iter().any(|r| r.verdict.status == idbooth::judge::Status::Pass),
        "the sample's backdrop is repainted, and a rule passes because of it"
    );
    for r in repainted {
        h.get_by_label(&r.message);
    }
    h.get_by_role_and_label(Role::ComboBox, "Background").click();
    h.run();
    h.get_by_label("Keep the original").click();
    wait_checked(&mut h);
    assert!(h.state().still().unwrap().report().background.replaced_with.is_none());

    let book = SpecBook::load();
    let first = book.get("cn-exit-entry").unwrap();
    assert_eq!(h.state().result_size(), Some((first.width(), first.height())));
    h.get_by_label_contains(&size_label(first.width(), first.height()));

    // Spec switch through the combo box: the result takes the new spec's size.
    let us = book.get("us-2x2").unwrap();
    h.get_by_role_and_label(Role::ComboBox, "Photo spec").click();
    h.run();
    h.get_by_label_contains(us.name_en.as_str()).click();
    wait_checked(&mut h);
    assert_eq!(h.state().spec().id, "us-2x2");
    assert_eq!(h.state().result_size(), Some((us.width(), us.height())));
    assert!(h.query_by_label_contains(&size_label(first.width(), first.height())).is_none());

    // Language: texts only; the verdicts stay identical.
    let before: Vec<_> = h.state().still().unwrap().report().verdicts().cloned().collect();
    h.get_by_label("中文").click();
    h.run();
    h.get_by_label("检查清单");
    h.get_by_label("申请人信息");
    let zh = h.state().still().unwrap().report().clone();
    assert!(zh.rules[0].title.chars().any(|c| c > '\u{3000}'));
    assert_eq!(zh.verdicts().cloned().collect::<Vec<_>>(), before);

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
    press(&mut h, "选择文件夹…");
    assert_eq!(h.state().folder, out);
    for (label, text) in
        [("姓名", "张三"), ("申请城市", "深圳"), ("电话", "+86 138 0000 0000"), ("备注（可选）", "test")]
    {
        let field = h.get_by_role_and_label(Role::TextInput, label);
        field.focus();
        field.type_text(text);
        h.run();
    }
    assert_eq!(h.state().visit.form.name, "张三");
    assert!(h.state().export_message().is_none(), "the refusal goes once the form it named is filled in");

    // Her cap reaches the top edge: the photo fails; export is refused until each open rule is
    // ticked by a named person, with a reason for the failures.
    assert_eq!(h.state().still().unwrap().report().overall, Overall::Fail);
    h.get_by_label("导出照片和表单").click();
    h.run();
    let (msg, ok) = h.state().export_message().map(|(m, ok)| (m.to_string(), ok)).unwrap();
    let failed = idbooth::app::state::blocking(h.state().still().unwrap().report());
    assert!(!ok && msg.contains(&failed[0]), "{msg}");
    let failed_ids: Vec<RuleId> = h
        .state()
        .still()
        .unwrap()
        .judgement
        .verdicts
        .iter()
        .filter(|v| v.status == Status::Fail)
        .map(|v| v.rule)
        .collect();
    assert!(!failed_ids.is_empty());
    // "Checked all that need a person" leaves the failures unticked: each is ticked on its own.
    press(&mut h, "需人工确认的各项均已检查");
    assert!(h.state().visit.confirmed.iter().all(|r| !failed_ids.contains(r)), "a failure ticked in passing");
    tick_open_rules(&mut h, "已人工检查：");
    h.get_by_label("导出照片和表单").click();
    h.run();
    // On a laptop the person confirms for themselves: asked for their own name, and the
    // ticked rules no longer read as blocking.
    let (msg, ok) = h.state().export_message().map(|(m, ok)| (m.to_string(), ok)).unwrap();
    assert!(!ok && msg.contains("请填写您的姓名"), "no operator yet: {msg}");
    // The field it asks for is brought into view and takes the keyboard.
    assert!(h.get_by_role_and_label(Role::TextInput, "您的姓名").is_focused());
    assert!(h.query_by_label_contains("无法导出").is_none());
    h.get_by_label_contains("已勾选确认：");
    for (label, text) in [("您的姓名", "李伟"), ("仍要导出的原因", "old archive photo, approved by staff")]
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
    let saved = h.state().visit.last_export.clone().unwrap();
    // One export per click: the button is spent until something changes.
    assert!(h.state().exported());
    h.state_mut().apply(Intent::Export);
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 2, "exported twice");

    let jpeg = image::open(&saved.photo).unwrap();
    assert_eq!((jpeg.width(), jpeg.height()), (first.width(), first.height()));
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(&saved.summary_path).unwrap()).unwrap();
    assert_eq!(summary["photo_sha256"], idbooth::export::summary::sha256_hex(&std::fs::read(&saved.photo).unwrap()));
    assert_eq!(summary["applicant"]["name"], "张三");
    assert_eq!(summary["applicant"]["city"], "深圳市", "the list's exact name is recorded");
    assert_eq!(summary["applicant"]["document"], "passport");
    assert_eq!(summary["outcome"], "fail");
    let confirmed = summary["confirmations"].as_array().unwrap();
    assert!(confirmed.iter().any(|c| c["rule"] == "crown_margin" && c["status"] == "fail"), "{confirmed:?}");
    assert!(confirmed.iter().all(|c| c["by"] == "李伟"));
    let reason = |c: &serde_json::Value| c["reason"] == "old archive photo, approved by staff";
    assert!(confirmed.iter().all(|c| reason(c) == (c["status"] == "fail")), "{confirmed:?}");
    // On a laptop the person at the keyboard checked their own photo: never recorded as staff.
    assert!(confirmed.iter().all(|c| c["role"] == "applicant"), "{confirmed:?}");

    // A name corrected after the export: the screen says the files hold the old one, Export
    // comes back, and a second export writes a new pair beside the first.
    let field = h.get_by_role_and_label(Role::TextInput, "姓名");
    field.focus();
    field.type_text("丰");
    h.run();
    assert!(!h.state().exported());
    let (msg, ok) = h.state().export_message().unwrap();
    assert!(!ok && msg.contains("导出后有改动"), "{msg}");
    assert!(h.query_by_label("打印…").is_none(), "the old files are not offered for printing");
    h.get_by_label("导出照片和表单").click();
    h.run();
    assert!(h.state().exported() && h.state().export_message().unwrap().1);
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 4, "a second pair, the first kept");
    let again = h.state().visit.last_export.clone().unwrap();
    assert_ne!(again.photo, saved.photo);
    let s2: serde_json::Value = serde_json::from_slice(&std::fs::read(&again.summary_path).unwrap()).unwrap();
    assert_eq!(s2["applicant"]["name"], "张三丰");

    // On a laptop the next photo is the same person's: who they are stays, what was decided
    // about the last photo (its ticks, the reason written for its failures) does not.
    h.state_mut().apply(Intent::Sample);
    wait_checked(&mut h);
    let f = &h.state().visit.form;
    assert_eq!((f.name.as_str(), f.city.as_str(), f.operator.as_str()), ("张三丰", "深圳", "李伟"));
    assert!(f.override_reason.is_empty());
    assert!(h.state().visit.confirmed.is_empty() && !h.state().exported());
    std::fs::remove_dir_all(&out).ok();
}

#[test]
fn the_city_is_picked_from_the_list_and_a_province_blocks_the_export() {
    let mut h = harness(app(None, None));
    h.state_mut().apply(Intent::Sample);
    wait_checked(&mut h);
    // Pinyin, typed: the matching cities are offered; one tap records the list's exact name.
    let label_top =
        |h: &Harness<'_, BoothApp>| h.get_by_role_and_label(Role::Label, "City of application").rect().min.y;
    let before = label_top(&h);
    let (l, f) = (
        h.get_by_role_and_label(Role::Label, "City of application").rect(),
        h.get_by_role_and_label(Role::TextInput, "City of application").rect(),
    );
    assert!((l.center().y - f.center().y).abs() < 3.0, "label {l:?} beside field {f:?}");
    let field = h.get_by_role_and_label(Role::TextInput, "City of application");
    field.focus();
    field.type_text("shenz");
    h.run();
    // The label stays beside the field while the matches open below it.
    assert_eq!(label_top(&h), before, "the city label moved");
    assert!(h.query_by_label_contains("not a city on the list").is_none(), "no refusal while typing");
    press(&mut h, "深圳市 Shenzhen, 广东省 Guangdong");
    assert_eq!(h.state().visit.form.city, "深圳市");
    h.get_by_label("✓ Recorded as 深圳市 Shenzhen, 广东省 Guangdong");
    // "suzhou" fits two cities: both offered.
    h.state_mut().visit.form.city = "suzhou".into();
    h.run();
    h.get_by_label("苏州市 Suzhou, 江苏省 Jiangsu");
    h.get_by_label("宿州市 Suzhou, 安徽省 Anhui");
    // From the keyboard: ↓ twice highlights the second match, Enter takes it, and the focus
    // stays in the field (Enter must not send the next Tab back to the top bar).
    let field = h.get_by_role_and_label(Role::TextInput, "City of application");
    field.focus();
    h.run();
    // Enter alone does not choose between two cities for the person.
    h.key_press(egui::Key::Enter);
    h.run();
    assert_eq!(h.state().visit.form.city, "suzhou");
    for key in [egui::Key::ArrowDown, egui::Key::ArrowDown, egui::Key::Enter] {
        h.key_press(key);
        h.run();
    }
    assert_eq!(h.state().visit.form.city, "宿州市");
    assert!(h.get_by_role_and_label(Role::TextInput, "City of application").is_focused());
    // The caret is after the picked name, also when it is longer than what was typed:
    // Backspace takes its last character, not one inside ("深圳|市").
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.run();
    h.get_by_role_and_label(Role::TextInput, "City of application").type_text("s");
    h.run();
    for key in [egui::Key::ArrowDown, egui::Key::Enter] {
        h.key_press(key);
        h.run();
    }
    let picked = h.state().visit.form.city.clone();
    assert!(picked.chars().count() > 1 && picked.ends_with('市'), "{picked}");
    h.key_press(egui::Key::Backspace);
    h.run();
    assert_eq!(h.state().visit.form.city, picked.trim_end_matches('市'));
    // A province alone is refused at once, naming its cities, and export stays blocked.
    for (label, text) in [("Name", "Zhang San"), ("Phone", "13800000000")] {
        let field = h.get_by_role_and_label(Role::TextInput, label);
        field.focus();
        field.type_text(text);
        h.run();
        h.key_press(egui::Key::Enter);
        h.run();
        assert!(h.get_by_role_and_label(Role::TextInput, label).is_focused(), "Enter kept the focus in {label}");
    }
    h.state_mut().visit.form.city = "广东".into();
    h.run();
    h.get_by_label_contains("is a province");
    // Nor does Enter turn a province into its first city.
    h.get_by_role_and_label(Role::TextInput, "City of application").focus();
    h.run();
    h.key_press(egui::Key::Enter);
    h.run();
    assert_eq!(h.state().visit.form.city, "广东");
    h.get_by_label("广州市 Guangzhou, 广东省 Guangdong");
    press(&mut h, "Export photo and form");
    let (msg, ok) = h.state().export_message().map(|(m, ok)| (m.to_string(), ok)).unwrap();
    assert!(!ok && msg.contains("is a province"), "{msg}");
    // In Chinese, the same refusal in Chinese; Chinese characters find the city too.
    h.get_by_label("中文").click();
    h.run();
    h.get_by_label_contains("省级行政区");
    h.state_mut().visit.form.city = "杭".into();
    h.run();
    press(&mut h, "杭州市（浙江省）");
    assert_eq!(h.state().visit.form.city, "杭州市");
    assert!(h.query_by_label_contains("省级行政区").is_none());
}

/// Typing and, at once, a click on the next field, in one (slow) frame: egui gives the click
/// the focus before the typed characters reach the field, and they are lost. The window's input
/// hook (`app::input::Splitter`, eframe's `raw_input_hook`) sends them a frame
/// apart. The first round shows egui's behaviour, so the hook is known to be needed.
#[test]
fn characters_typed_just_before_a_click_on_the_next_field_are_kept() {
    for split in [false, true] {
        let mut h = harness(app(None, None));
        h.state_mut().apply(Intent::Sample);
        wait_checked(&mut h);
        h.get_by_role_and_label(Role::TextInput, "Name").focus();
        h.run();
        let phone = h.get_by_role_and_label(Role::TextInput, "Phone").rect().center();
        let button = |pressed| egui::Event::PointerButton {
            pos: phone,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: Default::default(),
        };
        let mut events = vec![
            egui::Event::Text("Wang".into()),
            egui::Event::Text(" Fang".into()),
            egui::Event::PointerMoved(phone),
            button(true),
            button(false),
        ];
        let mut frames = Vec::new();
        if split {
            use idbooth::app::input::{Splitter, Wake};
            let mut splitter = Splitter::default();
            let mut more = splitter.split(&mut events);
            frames.push(events);
            while more != Wake::No {
                let mut next = Vec::new();
                more = splitter.split(&mut next);
                frames.push(next);
            }
        } else {
            frames.push(events);
        }
        // One frame each (`Harness::event` would give every event a frame of its own).
        for frame in frames {
            h.input_mut().events.extend(frame);
            h.step();
        }
        h.run();
        let name = h.state().visit.form.name.clone();
        if split {
            assert_eq!(name, "Wang Fang");
        } else {
            assert_ne!(name, "Wang Fang", "egui keeps them now: the input hook can go");
        }
    }
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
    image::RgbImage::from_fn(1200, 600, |x, y| image::Rgb([180 + (x % 40) as u8, 170 + (y % 50) as u8, 160]))
        .save(&path)
        .unwrap();
    let mut h = harness(app(None, None));
    h.run();
    // Dropped onto the window: the same path as Open….
    h.input_mut().dropped_files.push(std::sync::Arc::new(Dropped(path)));
    wait_checked(&mut h);
    h.get_by_label_contains("No face was found");
    assert!(h.query_by_label("Checklist").is_none());
    // Beside the message, the photo as it was opened (reduced, in its own 2:1 proportions), not
    // an empty pane, and no talk of crops where there is no face to crop.
    assert!(h.query_by_label_contains("No crop of the head fits this photo").is_none());
    let shown = h.get_by_label("The photo as opened").rect();
    assert!((shown.width() / shown.height() - 2.0).abs() < 0.05, "{shown:?}");
    assert!(!h.state().still().unwrap().has_face());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn without_a_file_dialog_a_path_field_opens_the_photo() {
    let opts = Options { lang: Some(Lang::En), ..Options::default() };
    let picker = FakePicker { photo: None, folder: None, missing: true };
    let mut h = harness(BoothApp::new(opts, Box::new(picker)));
    h.run();
    // Open photo… without a dialog: the message points at the path field, which opens the file.
    let open_typed = |h: &mut Harness<'_, BoothApp>, photo: &str| {
        h.get_all_by_label("Open photo…").next().unwrap().click();
        h.run();
        h.get_by_label_contains("This system has no file dialog");
        h.get_by_label_contains("“Photo file” field at the top");
        let field = h.get_by_role_and_label(Role::TextInput, "Photo file");
        field.focus();
        field.type_text(repo(photo).to_str().unwrap());
        h.run();
        h.get_by_label("Open").click();
        wait_checked(h);
    };
    // A message on screen follows the language it is read in.
    h.get_all_by_label("Open photo…").next().unwrap().click();
    h.run();
    h.get_by_label("中文").click();
    h.run();
    h.get_by_label_contains("本系统没有文件对话框");
    assert!(h.query_by_label_contains("This system has no file dialog").is_none());
    h.get_by_label("English").click();
    h.run();
    open_typed(&mut h, "assets/samples/astronaut.png");
    assert_eq!(h.state().screen(), Screen::Review);
    // With a photo open the field is still there (in the top bar), as the message says; a
    // path pasted from a file manager (quoted, or as a file:// address) opens too.
    let pasted = format!("'{}'", repo("assets/samples/grace_hopper.jpg").display());
    let serial = h.state().photo_serial();
    let field = h.get_by_role_and_label(Role::TextInput, "Photo file");
    field.focus();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.run();
    h.get_by_role_and_label(Role::TextInput, "Photo file").type_text(&pasted);
    h.run();
    h.get_by_label("Open").click();
    wait_checked(&mut h);
    assert_eq!(h.state().photo_serial(), serial + 1, "{:?}", h.state().error());
    // Nor is there a folder dialog: the export folder is typed where it is shown.
    let dir = temp_dir("typed-folder");
    press(&mut h, "Choose folder…");
    h.get_by_label_contains("This system has no folder dialog");
    let field = h.get_by_role_and_label(Role::TextInput, "Save to");
    field.focus();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.run();
    h.get_by_role_and_label(Role::TextInput, "Save to").type_text(&format!("file://{}", dir.display()));
    h.run();
    press(&mut h, "Use this folder");
    assert_eq!(h.state().folder, dir);
    assert!(h.query_by_role_and_label(Role::TextInput, "Save to").is_none(), "the folder is shown again");
    let type_folder = |h: &mut Harness<'_, BoothApp>, typed: &str| {
        // (After a refusal the field is still open.)
        if h.query_by_role_and_label(Role::TextInput, "Save to").is_none() {
            press(h, "Choose folder…");
        }
        let field = h.get_by_role_and_label(Role::TextInput, "Save to");
        field.focus();
        h.run();
        h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
        h.run();
        h.get_by_role_and_label(Role::TextInput, "Save to").type_text(typed);
        h.run();
        press(h, "Use this folder");
    };
    // A folder that does not exist yet is made, as the default one is.
    let new = dir.join("passport photos");
    type_folder(&mut h, new.to_str().unwrap());
    assert!(new.is_dir() && h.state().folder == new, "{:?}", h.state().error());
    // A relative path is refused (it would be made under wherever the program started).
    type_folder(&mut h, "passport photos");
    assert_eq!(h.state().folder, new);
    h.get_by_label_contains("is not a whole path");
    assert!(!Path::new("passport photos").exists());
    // One that cannot be made (under a file): said, and the field shows where exports still go.
    let file = dir.join("a-file");
    std::fs::write(&file, b"x").unwrap();
    type_folder(&mut h, file.join("sub").to_str().unwrap());
    assert_eq!(h.state().folder, new);
    h.get_by_label_contains(&format!("exports still go to {}", idbooth::paths::shown(&new)));
    let shown = h.get_by_role_and_label(Role::TextInput, "Save to").value().unwrap_or_default();
    assert_eq!(shown, new.display().to_string());

    // A damaged file typed over a photo on screen: said, and the field names the photo still
    // shown (an export now is of that one).
    let before = h.get_by_role_and_label(Role::TextInput, "Photo file").value().unwrap_or_default();
    let broken = dir.join("broken.jpg");
    std::fs::write(&broken, &std::fs::read(repo("assets/samples/grace_hopper.jpg")).unwrap()[..20_000]).unwrap();
    let field = h.get_by_role_and_label(Role::TextInput, "Photo file");
    field.focus();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.run();
    h.get_by_role_and_label(Role::TextInput, "Photo file").type_text(broken.to_str().unwrap());
    h.run();
    h.get_by_label("Open").click();
    h.run();
    assert_eq!(h.state().photo_serial(), serial + 1);
    h.get_by_label_contains("The photo shown is still the one opened before");
    let field = h.get_by_role_and_label(Role::TextInput, "Photo file").value().unwrap_or_default();
    assert!(field.ends_with("grace_hopper.jpg") && field != broken.display().to_string(), "{field} ({before})");
    std::fs::remove_dir_all(&dir).ok();
}

/// Closing the window (Ctrl+Q, the title bar) over a checked photo not exported asks first;
/// with nothing to lose it closes at once. A camera asked for over a photo, with none there,
/// is said in the status line.
#[test]
fn closing_over_a_photo_not_exported_asks_first() {
    let out = temp_dir("quit");
    let mut h = harness(app(None, Some(out.clone())));
    h.state_mut().close_requested();
    assert!(h.state().quit_requested, "nothing open: closes at once");
    let mut h = harness(app(None, Some(out.clone())));
    h.state_mut().apply(Intent::Sample);
    wait_checked(&mut h);
    h.state_mut().apply(Intent::StartCamera);
    h.run();
    if !h.state().is_live() {
        h.get_by_label_contains("No camera found: plug one in");
        assert_eq!(h.state().screen(), Screen::Review);
    }
    // Ctrl+Q asks as the window's × does.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Q);
    h.run();
    assert!(!h.state().quit_requested && h.state().leave_asked.is_some());
    // While it is open, PageDown or a second request does not replace the question.
    h.key_press(egui::Key::PageDown);
    h.run();
    assert_eq!(h.state().leave_asked, Some(idbooth::app::Leave::Quit));
    h.get_by_label_contains("have not been exported");
    h.get_by_label("Stay").click();
    h.run();
    assert!(!h.state().quit_requested && h.state().leave_asked.is_none());
    assert!(h.query_by_label_contains("have not been exported").is_none());
    h.state_mut().close_requested();
    h.run();
    h.get_by_label("Close without exporting").click();
    // (The window closing asks for frames until it is gone: steps, not `run`.)
    h.run_steps(2);
    assert!(h.state().quit_requested);
    std::fs::remove_dir_all(&out).ok();
}

#[test]
fn at_800_by_500_the_export_button_stays_on_screen() {
    let mut h = harness_sized(app(None, None), [800.0, 500.0]);
    h.state_mut().apply(Intent::Sample);
    wait_checked(&mut h);
    let b = h.get_by_label("Export photo and form");
    let r = b.rect();
    assert!(r.max.y <= 500.0 && r.max.x <= 800.0 && r.min.y >= 0.0, "export button at {r:?}");
    // The photo takes the panel's height less what was measured under it (it was 175 px
    // tall here when a fixed 160 px was kept free), and it is whole on screen.
    let p = h.get_by_label("The result photo").rect();
    assert!(p.height() >= 220.0 && p.max.y <= r.min.y, "result photo at {p:?}, export at {r:?}");
    // The checklist fits the width: its "Checked" column is inside the window, and "What to do"
    // moves under the table instead of being cut off at the right.
    let c = h.get_by_label("Checked").rect();
    assert!(c.max.x <= 800.0, "\"Checked\" column at {c:?}");
    assert!(h.get_all_by_label("What to do").all(|w| w.rect().max.x <= 800.0));
    spec_label_and_list_share_a_row(&mut h, 800.0);
    // On the live screen too, where the bar has one button fewer and the Chinese spec name,
    // wider than the list's set width, used to go to the next row without its label.
    let good = idbooth::capture::load_photo(&repo("assets/samples/grace_hopper.jpg")).unwrap().image;
    h.state_mut().set_live_source(live_source(vec![good]));
    wait_analyses(&mut h, 2);
    for spec in ["cn-exit-entry", "uk-passport"] {
        h.state_mut().apply(Intent::SetSpec(spec.into()));
        for w in (800..=1100).step_by(20) {
            h.set_size(egui::vec2(w as f32, 500.0));
            spec_label_and_list_share_a_row(&mut h, w as f32);
        }
    }
}

/// On a laptop's 1366×768 screen the form is below a long checklist: a link beside the
/// headline brings it up, and the rows that need something come before the passes.
#[test]
fn the_checklist_puts_open_rules_first_and_a_link_leads_to_the_form() {
    let mut h = harness_sized(app(None, None), [1366.0, 768.0]);
    h.state_mut().apply(Intent::Sample);
    wait_checked(&mut h);
    let rank = |label: &str| match label {
        "● fail" => Some(0),
        "● needs a person" | "● not checked" => Some(1),
        "● warning" => Some(2),
        "● pass" | "● pass (replaced)" => Some(3),
        _ => None,
    };
    let mut rows: Vec<(f32, u8)> = h
        .get_all_by_role(Role::Label)
        .filter_map(|n| {
            let r = rank(n.accesskit_node().value()?.as_ref())?;
            Some((n.rect().center().y, r))
        })
        .collect();
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    let ranks: Vec<u8> = rows.iter().map(|r| r.1).collect();
    assert!(ranks.len() > 10 && ranks.windows(2).all(|w| w[0] <= w[1]), "statuses top to bottom: {ranks:?}");
    let open = h.state().still().unwrap().report().rules.iter().filter(|r| !r.verdict.status.is_ok()).count();
    assert!(open > 0 && ranks[..open].iter().all(|&r| r < 2), "open rules first: {ranks:?}");
    // The pointer over the result photo magnifies it (a matte's edge is looked at closely).
    assert!(h.query_by_label("The result photo magnified: each of its pixels 3 screen pixels").is_none());
    h.get_by_label("The result photo").hover();
    h.run_steps(40);
    h.get_by_label("The result photo magnified: each of its pixels 3 screen pixels");
    let below = h.get_by_label("Applicant").rect();
    assert!(below.min.y > 768.0, "the form starts on screen at {below:?}: the test shows nothing");
    h.get_by_label("To the form ↓").click();
    h.run_steps(4);
    let form = h.get_by_label("Applicant").rect();
    assert!(form.min.y >= 0.0 && form.max.y < 700.0, "the form's heading at {form:?} after the link");
    assert!(h.get_by_role_and_label(Role::TextInput, "Name").rect().max.y < 700.0);
}

/// The spec's label and its list share a row (the top bar wraps before the label, not between
/// them), in either language, and the list is inside a window `width` wide.
fn spec_label_and_list_share_a_row(h: &mut Harness<'_, BoothApp>, width: f32) {
    for (lang, name) in [(Lang::En, "Photo spec"), (Lang::Zh, "照片规格")] {
        h.state_mut().apply(Intent::SetLang(lang));
        h.step();
        h.step();
        let label = h
            .get_all_by_role(Role::Label)
            .find(|n| n.accesskit_node().value().is_some_and(|v| v == name))
            .map(|n| n.rect())
            .expect("the spec label");
        // The list is named by the label.
        let list = h.get_by_label(name).rect();
        assert!((label.center().y - list.center().y).abs() < 4.0, "{name} at {width}: label {label:?}, list {list:?}");
        assert!(list.max.x <= width, "{name} at {width}: list {list:?}");
        // Nor does one language button wrap away from the other.
        let (zh, en) = (h.get_by_label("中文").rect(), h.get_by_label("English").rect());
        assert!((zh.center().y - en.center().y).abs() < 4.0, "at {width}: 中文 {zh:?}, English {en:?}");
    }
}

/// In a wide window "What to do" is a column beside the rules, wide enough that advice does
/// not break into one word per line.
#[test]
fn the_checklist_advice_column_takes_the_room_left_beside_the_rules() {
    let mut h = harness(app(None, None));
    h.state_mut().apply(Intent::Sample);
    wait_checked(&mut h);
    let head = h.get_by_label("What to do").rect();
    let longest = h
        .get_all_by_role(Role::Label)
        .filter(|n| n.rect().min.x >= head.min.x - 1.0 && n.accesskit_node().value().is_some_and(|l| l.len() > 60))
        .map(|n| n.rect().width())
        .fold(0.0f32, f32::max);
    assert!(longest >= 300.0, "the widest advice is {longest} px wide");
}

#[test]
fn live_warnings_appear_for_a_dark_frame_and_go_for_a_good_one_then_capture_and_retake() {
    let good = idbooth::capture::load_photo(&repo("assets/samples/grace_hopper.jpg")).unwrap().image;
    let dark = scale_brightness(&good, 0.22);
    let mut h = harness(app(None, None));
    h.state_mut().set_live_source(live_source(vec![dark]));
    assert_eq!(h.state().screen(), Screen::Live);
    wait_analyses(&mut h, 6);
    assert!(h.state().live_warnings().contains(&Warn::TooDark), "{:?}", h.state().live_warnings());
    h.get_by_label_contains("Too dark");

    h.state_mut().set_live_source(live_source(vec![good]));
    wait_analyses(&mut h, 6);
    let warns = h.state().live_warnings();
    assert!(!warns.contains(&Warn::TooDark) && !warns.contains(&Warn::NoFace), "{warns:?}");
    assert!(h.query_by_label_contains("Too dark").is_none());
    // Her glasses and Navy cap are said before the capture (the exit-entry photo allows
    // neither), not found in the checklist after it.
    assert!(warns.contains(&Warn::Glasses) && warns.contains(&Warn::Hat), "{warns:?}");

    // Space starts the 3-2-1 countdown (on the app's clock); the still is then checked.
    h.key_press(egui::Key::Space);
    h.step();
    h.state_mut().advance(Duration::from_secs(4));
    step_until(&mut h, "the capture", 30, |a| a.screen() != Screen::Live);
    wait_checked(&mut h);
    assert!(h.state().still().is_some_and(|s| s.has_face()));
    h.get_by_label("Checklist");
    h.get_by_label("Retake").click();
    h.step();
    assert_eq!(h.state().screen(), Screen::Live);
}

/// A tilted head is told which way to go, in the person's own left and right: the image's
/// right side lower (turned clockwise) is the person's left eye lower, so "to your right".
#[test]
fn a_tilted_head_is_told_which_way_to_straighten() {
    let Some(good) = compliant_frame() else { return };
    let turned = |deg: f64| {
        let (w, h) = (good.width() as f64, good.height() as f64);
        let c = idbooth::geometry::Point::new(w / 2.0, h / 2.0);
        let a = -deg.to_radians();
        let t = c.minus(c.rotate(a));
        let to_src = idbooth::geometry::Similarity { scale: 1.0, angle: a, tx: t.x, ty: t.y };
        idbooth::pixels::Pyramid::new(good.clone(), 32).warp(&to_src, good.width(), good.height())
    };
    let mut h = harness(app(None, None));
    for (deg, want, not) in [(10.0, Warn::TiltRight, Warn::TiltLeft), (-10.0, Warn::TiltLeft, Warn::TiltRight)] {
        h.state_mut().set_live_source(live_source(vec![turned(deg)]));
        wait_analyses(&mut h, 6);
        let warns = h.state().live_warnings();
        assert!(warns.contains(&want) && !warns.contains(&not), "turned {deg}°: {warns:?}");
    }
}

#[test]
fn live_framing_counts_the_hair_measured_on_the_last_segmented_frame() {
    // A London portrait (smiling) at the booth's distance, played as the camera: the skull alone is a
    // head too small ("too far"); with the hair of the frames that were segmented it is not.
    let Some(dir) = crate::common::photos_dir() else { return };
    let photo = idbooth::capture::load_photo(&dir.join("london_smiling/004_08.jpg")).unwrap().image;
    let spec = SpecBook::builtin().get("cn-exit-entry").unwrap().clone();
    let source = RecordedFrames::new(vec![photo], 15.0);
    let factory: idbooth::app::live::SourceFactory = Box::new(move || Ok(Box::new(source) as Box<dyn FrameSource>));
    let mut live = idbooth::app::live::LiveSession::start(factory, &spec, Lang::En, None);
    let every = spec.live.background_every.value.unwrap_or(15.0) as u64;
    let t = Instant::now();
    let r = loop {
        assert!(t.elapsed() < Duration::from_secs(60), "no analyses");
        std::thread::sleep(Duration::from_millis(20));
        match live.latest_result() {
            Some(r) if r.seq > 2 * every => break r,
            _ => {}
        }
    };
    live.stop();
    let lm = &r.analysis.main.as_ref().unwrap().landmarks;
    let top = r.head_top.unwrap();
    let above = lm.skull_top.minus(top.at).dot(lm.up().scale(-1.0));
    assert!(above > 0.03 * lm.inter_pupil(), "hair {above:.1} px above the skull: {top:?}");
    assert!(!idbooth::app::live::warnings(&r, &spec).contains(&Warn::TooFar));
    // Without the hair, the same frame read "too far": the carry is what fixes it.
    let target = Target::new(r.width as f64, r.height as f64, &spec);
    let skull_head = target.to_output(lm.chin).y - target.to_output(lm.skull_top).y;
    assert!(skull_head < 354.0 * 0.93, "the skull alone gives {skull_head:.0} px");
}

#[test]
fn camera_errors_show_a_message_and_the_file_path_still_works() {
    let mut h = harness(app(Some(repo("assets/samples/grace_hopper.jpg")), None));
    h.state_mut().set_live_source(Box::new(|| {
        Box::new(|| Err::<Box<dyn FrameSource>, _>(CaptureError::Busy("/dev/video0".into())))
    }));
    step_until(&mut h, "the camera error", 10, |a| !a.is_live());
    assert_eq!(h.state().screen(), Screen::Start);
    h.get_by_label_contains("Camera problem: the camera is in use by another program: /dev/video0");
    // In Chinese the whole message is Chinese; only the driver's own detail stays as it came.
    h.state_mut().apply(Intent::SetLang(Lang::Zh));
    h.run();
    h.get_by_label_contains("摄像头出现问题：摄像头正被其他程序占用：/dev/video0");
    h.state_mut().apply(Intent::SetLang(Lang::En));
    h.run();
    // Unplugged mid-preview: the source stops delivering.
    let good = idbooth::capture::load_photo(&repo("assets/samples/grace_hopper.jpg")).unwrap().image;
    h.state_mut().set_live_source(Box::new(move || {
        let frames = vec![good.clone(); 3];
        Box::new(move || Ok(Box::new(RecordedFrames::new(frames, 30.0).once()) as Box<dyn FrameSource>))
    }));
    step_until(&mut h, "the end of the frames", 10, |a| !a.is_live());
    assert!(h.state().error().is_some());
    h.get_all_by_label("Open photo…").next().unwrap().click();
    wait_checked(&mut h);
    assert_eq!(h.state().screen(), Screen::Review);
}

// ---------------------------------------------------------------- kiosk

fn kiosk_settings(spool: &Path) -> StudioSettings {
    let mut s = StudioSettings { spool_dir: Some(spool.to_path_buf()), ..StudioSettings::default() };
    s.set_pin("2468").unwrap();
    s
}

/// A 640×480 camera frame with a compliant person placed exactly in the booth's target frame.
fn compliant_frame() -> Option<image::RgbImage> {
    let dir = crate::common::photos_dir()?;
    let p = idbooth::capture::load_photo(&dir.join("london_neutral/002_03.jpg")).unwrap();
    let spec = crate::common::spec("cn-exit-entry");
    let c = crate::common::check_with(&p, &spec, idbooth::compose::background::BackgroundChoice::Keep);
    let out = c.output().unwrap().clone();
    let t = Target::new(640.0, 480.0, &spec);
    let (w, h) = ((out.width() as f64 * t.scale) as u32, (out.height() as f64 * t.scale) as u32);
    let small = image::imageops::resize(&out, w, h, image::imageops::FilterType::Triangle);
    let mut canvas = image::RgbImage::from_pixel(640, 480, *out.get_pixel(2, 2));
    image::imageops::replace(&mut canvas, &small, t.x0.round() as i64, t.y0.round() as i64);
    Some(canvas)
}

#[test]
fn kiosk_walks_a_customer_through_auto_capture_to_a_ticket_and_forgets_them() {
    let Some(frame) = compliant_frame() else { return };
    let spool = temp_dir("spool");
    let mut h = harness(app_with(Mode::Kiosk, kiosk_settings(&spool), None, None));
    h.state_mut().set_live_source(live_source(vec![frame]));
    h.run_steps(4);
    assert_eq!(h.state().screen(), Screen::Attract);
    h.get_by_label("Touch the screen to start");
    // No staff controls anywhere: no file dialog, no spec choice, no keyboard hints.
    assert!(h.query_by_label("Open photo…").is_none() && h.query_by_label_contains("(Space)").is_none());
    // (Each screen takes touches from half a second after it appears.)
    h.state_mut().advance(Duration::from_secs(1));
    h.get_by_label("Touch the screen to start").click();
    h.run_steps(4);
    assert_eq!(h.state().screen(), Screen::Choose);
    h.state_mut().advance(Duration::from_secs(1));
    h.get_by_label("中文").click();
    h.run_steps(4);
    h.get_by_label("中国护照").click();
    h.step();
    assert_eq!(h.state().screen(), Screen::Guided);
    assert_eq!(h.state().lang, Lang::Zh);
    // Framing, pose and light hold: the countdown starts by itself, then the burst, the check.
    wait_analyses(&mut h, 4);
    h.state_mut().advance(Duration::from_secs(2));
    step_until(&mut h, "the countdown", 30, |a| a.screen() != Screen::Guided || a.capturing());
    h.state_mut().advance(Duration::from_secs(4));
    step_until(&mut h, "the capture", 60, |a| a.screen() != Screen::Guided);
    wait_checked(&mut h);
    assert_eq!(h.state().screen(), Screen::KioskResult);
    let overall = h.state().still().unwrap().report().overall;
    assert_ne!(
        overall,
        Overall::Fail,
        "{:?}",
        h.state()
            .still()
            .unwrap()
            .report()
            .rules
            .iter()
            .filter(|r| !r.verdict.status.is_ok())
            .map(|r| r.verdict.rule)
            .collect::<Vec<_>>()
    );
    assert!(h.query_by_label("检查清单").is_none(), "customers do not see the technical checklist");
    // Every point staff will look at is named, not only the first.
    let report = h.state().still().unwrap().report().clone();
    let open: Vec<_> = report.rules.iter().filter(|r| !r.verdict.status.is_ok()).map(|r| r.title.clone()).collect();
    if overall == Overall::NeedsPerson {
        let line = h.get_by_label_contains("工作人员将在柜台检查").accesskit_node().value().unwrap_or_default();
        assert!(open.iter().all(|t| line.contains(t.as_str())), "{line} lacks one of {open:?}");
    }
    h.get_by_label("使用这张照片").click();
    h.step();
    assert_eq!(h.state().screen(), Screen::Done);
    let ticket = h.state().visit.ticket.clone().unwrap();
    h.run_steps(2);
    h.get_by_label(&ticket);
    // Handed to the counter as a complete pair.
    let entries = idbooth::spool::list(&spool);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].handoff.ticket, ticket);
    assert_eq!(entries[0].handoff.document, "passport");
    // The done screen returns to attract by itself and the customer is forgotten.
    h.state_mut().advance(Duration::from_secs(21));
    h.step();
    assert_eq!(h.state().screen(), Screen::Attract);
    assert!(h.state().visit.is_empty(), "something of the customer remains");
    assert_eq!(h.state().lang, Lang::En, "the next customer starts in the default language");
    assert!(!h.state().is_live());
    // The hand-off and the day's ticket counter (no name, no photo).
    let mut files: Vec<_> =
        std::fs::read_dir(&spool).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    files.sort();
    assert_eq!(files.len(), 3, "only the hand-off stays: {files:?}");
    assert_eq!(files[0], ".tickets");
    assert_eq!(std::fs::read_to_string(spool.join(".tickets")).unwrap().split_whitespace().nth(1), Some("1"));
    std::fs::remove_dir_all(&spool).ok();
}

#[test]
fn every_kiosk_screen_times_out_to_attract_and_wipes_the_visit() {
    let spool = temp_dir("spool-idle");
    let good = idbooth::capture::load_photo(&repo("assets/samples/grace_hopper.jpg")).unwrap().image;
    let mut h = harness(app_with(Mode::Kiosk, kiosk_settings(&spool), None, None));
    h.state_mut().set_live_source(live_source(vec![good.clone()]));
    h.run_steps(4);
    // Attract never times out.
    h.state_mut().advance(Duration::from_secs(3600));
    h.step();
    assert_eq!(h.state().screen(), Screen::Attract);
    // Choose: 60 s untouched.
    h.state_mut().apply(Intent::Touch);
    h.step();
    assert_eq!(h.state().screen(), Screen::Choose);
    h.state_mut().advance(Duration::from_secs(59));
    h.step();
    assert_eq!(h.state().screen(), Screen::Choose);
    h.state_mut().advance(Duration::from_secs(2));
    h.step();
    assert_eq!(h.state().screen(), Screen::Attract);
    // Guided with nobody in front of the camera.
    h.state_mut().set_live_source(live_source(vec![image::RgbImage::from_pixel(640, 480, image::Rgb([90, 90, 90]))]));
    h.state_mut().apply(Intent::Touch);
    h.state_mut().apply(Intent::Choose { lang: Lang::Zh, document: idbooth::app::state::Document::Passport });
    h.step();
    assert_eq!(h.state().screen(), Screen::Guided);
    wait_analyses(&mut h, 2);
    h.state_mut().advance(Duration::from_secs(61));
    h.step();
    assert_eq!(h.state().screen(), Screen::Attract);
    assert!(!h.state().is_live());
    // A checked photo on the result screen, with a form half filled: all gone after 60 s.
    h.state_mut().apply(Intent::Touch);
    h.state_mut().apply(Intent::Choose { lang: Lang::En, document: idbooth::app::state::Document::Passport });
    h.state_mut().open_portrait(idbooth::capture::Portrait::from_rgb(good), None);
    wait_checked(&mut h);
    assert_eq!(h.state().screen(), Screen::KioskResult);
    h.state_mut().visit.form.name = "someone".into();
    assert!(!h.state().visit.is_empty());
    // Then another window covers the kiosk: eframe draws nothing and runs only the logic, with
    // the last shown frame's input again. That input is not a touch, and the timeout still
    // wipes the customer.
    h.key_press(egui::Key::A);
    h.step();
    assert!(h.ctx.input(|i| !i.events.is_empty()), "the last frame's input is still there");
    h.state_mut().advance(Duration::from_secs(61));
    let ctx = h.ctx.clone();
    h.state_mut().logic(&ctx, false);
    assert_eq!(h.state().screen(), Screen::Attract);
    assert!(h.state().visit.is_empty());
    assert!(h.state().still().is_none());
    // Nothing was handed over or written.
    assert_eq!(std::fs::read_dir(&spool).unwrap().count(), 0);
    std::fs::remove_dir_all(&spool).ok();
}

#[test]
fn a_double_tap_on_a_kiosk_screen_does_not_press_the_next_screens_buttons() {
    let spool = temp_dir("spool-double");
    let grey = image::RgbImage::from_pixel(640, 480, image::Rgb([90, 90, 90]));
    let mut h = harness(app_with(Mode::Kiosk, kiosk_settings(&spool), None, None));
    h.state_mut().set_live_source(live_source(vec![grey]));
    h.run_steps(4);
    h.state_mut().advance(Duration::from_secs(1));
    h.get_by_label("Touch the screen to start").click();
    h.run_steps(2);
    assert_eq!(h.state().screen(), Screen::Choose);
    // The second tap comes at once (the clock stands still): the choose screen's buttons,
    // which the customer has not seen yet, do nothing.
    for label in ["中文", "Chinese passport"] {
        h.get_by_label(label).click();
        h.run_steps(2);
        assert_eq!(h.state().screen(), Screen::Choose, "{label}");
        assert_eq!(h.state().lang, Lang::En, "{label}");
    }
    assert!(h.state().visit.is_empty(), "a document was chosen");
    // A moment later they work.
    h.state_mut().advance(Duration::from_millis(500));
    h.get_by_label("Chinese passport").click();
    h.run_steps(2);
    assert_eq!(h.state().screen(), Screen::Guided);
    // Likewise the guided screen right after a document, and attract right after "Start over".
    h.get_by_label("Start over").click();
    h.run_steps(2);
    assert_eq!(h.state().screen(), Screen::Guided);
    h.state_mut().advance(Duration::from_millis(500));
    h.get_by_label("Start over").click();
    h.run_steps(2);
    assert_eq!(h.state().screen(), Screen::Attract);
    h.get_by_label("Touch the screen to start").click();
    h.run_steps(2);
    assert_eq!(h.state().screen(), Screen::Attract);
    std::fs::remove_dir_all(&spool).ok();
}

#[test]
fn the_guided_screen_names_the_chosen_document_and_goes_back_to_change_it() {
    let spool = temp_dir("spool-document");
    let grey = image::RgbImage::from_pixel(640, 480, image::Rgb([90, 90, 90]));
    let mut h = harness(app_with(Mode::Kiosk, kiosk_settings(&spool), None, None));
    h.state_mut().set_live_source(live_source(vec![grey]));
    h.state_mut().advance(Duration::ZERO);
    h.state_mut().apply(Intent::Touch);
    h.state_mut().apply(Intent::Choose { lang: Lang::Zh, document: idbooth::app::state::Document::Passport });
    h.run_steps(2);
    assert_eq!(h.state().screen(), Screen::Guided);
    h.get_by_label("照片用于：中国护照");
    // The passport's reminders include glasses and earrings; the ID card's (below) do not.
    h.get_by_label("不戴眼镜");
    h.get_by_label("不戴耳环、项链");
    h.state_mut().advance(Duration::from_secs(1));
    h.get_by_label("更换证件").click();
    h.run_steps(2);
    assert_eq!(h.state().screen(), Screen::Choose);
    assert!(!h.state().is_live());
    h.state_mut().advance(Duration::from_secs(1));
    h.get_by_label("English").click();
    h.run_steps(2);
    h.get_by_label("Resident ID card").click();
    h.run_steps(2);
    assert_eq!(h.state().screen(), Screen::Guided);
    h.get_by_label("Photo for: Resident ID card");
    assert_eq!(h.state().visit.form.document, idbooth::app::state::Document::ResidentId);
    h.get_by_label("No hat");
    assert!(h.query_by_label("No glasses").is_none(), "the ID card wants habitual glasses worn");
    assert!(h.query_by_label("No earrings or necklace").is_none());
    std::fs::remove_dir_all(&spool).ok();
}

/// A small touch screen (800×600) holds every document button, the reminders, the guided
/// screen's buttons and the staff keypad with its Cancel: nothing a customer or staff must
/// press is off the screen.
/// The document choice, "Start over" included, on one screen at the kiosk sizes people have
/// (a stranger at a touch screen does not know to scroll).
#[test]
fn the_document_choice_fits_on_common_kiosk_screens() {
    for (w, h) in [(800.0, 600.0), (1024.0, 768.0), (1280.0, 800.0), (1920.0, 1080.0)] {
        let spool = temp_dir("spool-choose");
        let mut k = harness_sized(app_with(Mode::Kiosk, kiosk_settings(&spool), None, None), [w, h]);
        k.state_mut().apply(Intent::Touch);
        k.run_steps(3);
        assert_eq!(k.state().screen(), Screen::Choose);
        for b in ["English", "Chinese passport", "Social security card", "Start over"] {
            let r = k.get_by_label(b).rect();
            assert!(r.min.y >= 0.0 && r.max.y <= h && r.height() >= 56.0, "{b} at {r:?} on {w}×{h}");
        }
        std::fs::remove_dir_all(&spool).ok();
    }
}

#[test]
fn an_800_by_600_kiosk_keeps_every_button_on_screen() {
    let spool = temp_dir("spool-small");
    let mut h = harness_sized(app_with(Mode::Kiosk, kiosk_settings(&spool), None, None), [800.0, 600.0]);
    let grey = image::RgbImage::from_pixel(640, 480, image::Rgb([90, 90, 90]));
    h.state_mut().set_live_source(live_source(vec![grey]));
    let inside = |r: egui::Rect, what: &str| {
        assert!(r.min.x >= 0.0 && r.min.y >= 0.0 && r.max.x <= 800.0 && r.max.y <= 600.0, "{what} at {r:?}");
    };
    h.state_mut().apply(Intent::Touch);
    h.run_steps(3);
    assert_eq!(h.state().screen(), Screen::Choose);
    inside(h.get_by_label("Social security card").rect(), "the last document");
    // The way out is there too, below the documents (scrolled to on a short screen).
    h.state_mut().advance(Duration::from_secs(1));
    press(&mut h, "Start over");
    assert_eq!(h.state().screen(), Screen::Attract);
    h.state_mut().advance(Duration::from_secs(1));
    h.state_mut().apply(Intent::Touch);
    h.run_steps(3);
    h.state_mut().apply(Intent::Choose { lang: Lang::En, document: idbooth::app::state::Document::HkMacau });
    h.run_steps(3);
    assert_eq!(h.state().screen(), Screen::Guided);
    for b in ["Change document", "Start over", "No earrings or necklace", "Hair behind the ears, off the eyebrows"] {
        inside(h.get_by_label(b).rect(), b);
    }
    h.state_mut().apply(Intent::StaffGesture);
    h.run_steps(3);
    assert_eq!(h.state().screen(), Screen::StaffPin);
    // (Staff read the studio's first language.)
    for b in ["OK", if h.state().lang == Lang::Zh { "取消" } else { "Cancel" }] {
        inside(h.get_by_label(b).rect(), b);
    }
    std::fs::remove_dir_all(&spool).ok();
}

/// An upright (portrait) kiosk screen: the instruction sits above the camera picture, near
/// the camera, not under a third of a screen of nothing; the buttons stay at the bottom.
#[test]
fn a_portrait_kiosk_puts_the_instruction_next_to_the_picture() {
    let spool = temp_dir("spool-portrait");
    let mut h = harness_sized(app_with(Mode::Kiosk, kiosk_settings(&spool), None, None), [1080.0, 1920.0]);
    let grey = image::RgbImage::from_pixel(640, 480, image::Rgb([90, 90, 90]));
    h.state_mut().set_live_source(live_source(vec![grey]));
    h.state_mut().apply(Intent::Touch);
    h.state_mut().apply(Intent::Choose { lang: Lang::En, document: idbooth::app::state::Document::Passport });
    // A grey picture: the instruction settles on "no face".
    step_until(&mut h, "a warning", 30, |a| !a.live_warnings().is_empty());
    h.run_steps(3);
    let said = h.get_by_label("No face: look into the camera").rect();
    assert!(said.max.y < 300.0, "the instruction at {said:?}");
    let start_over = h.get_by_label("Start over").rect();
    assert!(start_over.max.y <= 1920.0 && start_over.min.y > 1500.0, "the buttons at {start_over:?}");
    std::fs::remove_dir_all(&spool).ok();
}

#[test]
fn the_done_screen_has_a_done_button_that_ends_the_visit() {
    let spool = temp_dir("spool-done");
    let good = idbooth::capture::load_photo(&repo("assets/samples/grace_hopper.jpg")).unwrap().image;
    let mut h = harness(app_with(Mode::Kiosk, kiosk_settings(&spool), None, None));
    // The clock stands still: the done screen has only just appeared when it is first tapped.
    h.state_mut().advance(Duration::ZERO);
    accept_at_kiosk(&mut h, good);
    h.run_steps(2);
    assert_eq!(h.state().screen(), Screen::Done);
    // The second tap of a double tap on "Use this photo" does not hide the number.
    h.get_by_label("Done").click();
    h.run_steps(2);
    assert_eq!(h.state().screen(), Screen::Done);
    h.state_mut().apply(Intent::SetLang(Lang::Zh));
    h.run_steps(2);
    h.state_mut().advance(Duration::from_secs(1));
    h.get_by_label("完成").click();
    h.run_steps(2);
    assert_eq!(h.state().screen(), Screen::Attract);
    assert!(h.state().visit.is_empty(), "something of the customer remains");
    assert_eq!(h.state().lang, Lang::En);
    assert_eq!(idbooth::spool::list(&spool).len(), 1, "the hand-off stays");
    std::fs::remove_dir_all(&spool).ok();
}

/// A customer starts, the photo is checked and they tap "Use this photo".
fn accept_at_kiosk(h: &mut Harness<'_, BoothApp>, photo: image::RgbImage) {
    h.state_mut().apply(Intent::Touch);
    h.state_mut().apply(Intent::Choose { lang: Lang::En, document: idbooth::app::state::Document::Passport });
    h.state_mut().open_portrait(idbooth::capture::Portrait::from_rgb(photo), None);
    wait_checked(h);
    h.state_mut().apply(Intent::Accept);
}

#[test]
fn a_kiosk_that_cannot_hand_a_photo_over_holds_for_staff() {
    // The spool "folder" is a file: the hand-off fails.
    let dir = temp_dir("spool-broken");
    let spool = dir.join("not-a-folder");
    std::fs::write(&spool, b"x").unwrap();
    let good = idbooth::capture::load_photo(&repo("assets/samples/grace_hopper.jpg")).unwrap().image;
    let mut h = harness(app_with(Mode::Kiosk, kiosk_settings(&spool), None, None));
    h.state_mut().set_live_source(live_source(vec![good.clone()]));
    accept_at_kiosk(&mut h, good.clone());
    h.run_steps(4);
    assert_eq!(h.state().screen(), Screen::AskStaff);
    h.get_by_label("The photo could not be saved for the counter. Please ask a member of staff.");
    // The camera works, but that is not what is wrong: the screen holds (the lost-camera test
    // below sees this same loop leave the screen within a few steps).
    for _ in 0..60 {
        h.state_mut().advance(Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(50));
        h.step();
        assert_eq!(h.state().screen(), Screen::AskStaff);
    }
    assert!(h.state().visit.ticket.is_none(), "no ticket for a photo the counter will not find");
    // Only the PIN ends the hold: cancelling the keypad, or leaving it alone, comes back here.
    staff_gesture(&mut h);
    h.get_by_label("Cancel").click();
    h.run_steps(4);
    assert_eq!(h.state().screen(), Screen::AskStaff);
    staff_gesture(&mut h);
    h.state_mut().advance(Duration::from_secs(600));
    h.run_steps(4);
    assert_eq!(h.state().screen(), Screen::AskStaff);
    // Behind the PIN staff read what went wrong; a second try while it is not mended holds
    // again.
    staff_gesture(&mut h);
    enter_pin(&mut h, "2468");
    h.get_by_label_contains("The photo could not be handed to the counter: ");
    h.get_by_label("Hand the photo over again").click();
    h.run_steps(4);
    assert_eq!(h.state().screen(), Screen::AskStaff);
    // Staff who fixed the folder hand the customer's photo over after all: the ticket.
    std::fs::remove_file(&spool).unwrap();
    staff_gesture(&mut h);
    enter_pin(&mut h, "2468");
    h.get_by_label("Hand the photo over again").click();
    h.run_steps(4);
    assert_eq!(h.state().screen(), Screen::Done);
    assert!(h.state().visit.ticket.is_some() && !h.state().staff_needed);
    assert_eq!(idbooth::spool::list(&spool).len(), 1);
    // Or they go back to the kiosk without restarting it, the photo dropped.
    std::fs::remove_dir_all(&spool).unwrap();
    std::fs::write(&spool, b"x").unwrap();
    h.state_mut().apply(Intent::Accept);
    h.run_steps(2);
    assert_eq!(h.state().screen(), Screen::Done, "a photo is handed over once");
    h.state_mut().apply(Intent::Finish);
    h.run_steps(2);
    accept_at_kiosk(&mut h, good);
    h.run_steps(4);
    assert_eq!(h.state().screen(), Screen::AskStaff);
    staff_gesture(&mut h);
    enter_pin(&mut h, "2468");
    h.get_by_label("Back to the kiosk").click();
    h.run_steps(4);
    assert_eq!(h.state().screen(), Screen::Attract);
    assert!(!h.state().staff_needed && !h.state().quit_requested && h.state().handoff_error.is_none());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_kiosk_and_a_counter_on_one_machine_meet_in_the_default_spool_folder() {
    // No spool_dir in the settings: both use the booth's data folder.
    let state = temp_dir("state-shared");
    let make = |mode| {
        let opts = Options {
            lang: Some(Lang::En),
            mode: Some(mode),
            settings: StudioSettings { languages: vec![Lang::En, Lang::Zh], ..StudioSettings::default() },
            state_dir: Some(state.clone()),
            ..Options::default()
        };
        BoothApp::new(opts, Box::new(FakePicker { photo: None, folder: None, missing: false }))
    };
    let good = idbooth::capture::load_photo(&repo("assets/samples/grace_hopper.jpg")).unwrap().image;
    let mut h = harness(make(Mode::Kiosk));
    accept_at_kiosk(&mut h, good);
    h.run_steps(2);
    assert_eq!(h.state().screen(), Screen::Done);
    let ticket = h.state().visit.ticket.clone().unwrap();
    let entries = idbooth::spool::list(&make(Mode::Counter).spool_dir().unwrap());
    assert_eq!(entries.iter().map(|e| e.handoff.ticket.clone()).collect::<Vec<_>>(), [ticket]);
    std::fs::remove_dir_all(&state).ok();
}

#[test]
fn the_kiosk_ignores_close_keys_and_only_a_pin_lets_staff_out() {
    let spool = temp_dir("spool-pin");
    let mut h = harness(app_with(Mode::Kiosk, kiosk_settings(&spool), None, None));
    h.run_steps(4);
    h.key_press(egui::Key::Escape);
    h.key_press_modifiers(egui::Modifiers::CTRL, egui::Key::Q);
    h.run_steps(4);
    assert!(!h.state().quit_requested);
    assert_eq!(h.state().screen(), Screen::Attract);
    // The last customer read Chinese; staff get the studio's first language (English here).
    h.state_mut().apply(Intent::SetLang(Lang::Zh));
    staff_gesture(&mut h);
    assert_eq!(h.state().lang, Lang::En);
    // The keypad sits in the middle of the screen like the title above it, "0" under "5".
    let (one, three) = (h.get_by_label("1").rect(), h.get_by_label("3").rect());
    let middle = h.ctx.content_rect().center().x;
    assert!((one.min.x + three.max.x - 2.0 * middle).abs() < 2.0, "keypad {one:?}..{three:?}, middle {middle}");
    assert!((h.get_by_label("0").rect().center().x - h.get_by_label("5").rect().center().x).abs() < 1.0);
    for k in ["1", "3", "5", "7", "OK"] {
        h.get_by_label(k).click();
        h.run_steps(4);
    }
    assert!(!h.state().quit_requested);
    h.get_by_label("Wrong PIN");
    assert_eq!(h.get_by_label("1").rect(), one, "the keypad stays where it was");
    // The next try starts: "wrong" goes. Three wrong in a row lock the keypad, even for the
    // right PIN, until the lock has run out.
    h.get_by_label("1").click();
    h.run_steps(2);
    assert!(h.query_by_label("Wrong PIN").is_none());
    h.get_by_label("OK").click();
    h.run_steps(2);
    enter_pin(&mut h, "1111");
    h.get_by_label_contains("Too many wrong PINs: try again in");
    h.state_mut().apply(Intent::Pin("2468".into()));
    h.run_steps(2);
    assert!(!h.state().staff_unlocked, "locked");
    h.state_mut().advance(Duration::from_secs(31));
    h.run_steps(2);
    // A wrong try after a quiet half hour (the keypad timed out meanwhile) is a first one
    // again: no lock.
    h.state_mut().advance(Duration::from_secs(31 * 60));
    h.run_steps(2);
    staff_gesture(&mut h);
    enter_pin(&mut h, "0000");
    h.get_by_label("Wrong PIN");
    enter_pin(&mut h, "2468");
    assert!(!h.state().quit_requested, "staff choose what next");
    h.get_by_label("Close the kiosk").click();
    h.run_steps(4);
    assert!(h.state().quit_requested);
    std::fs::remove_dir_all(&spool).ok();
}

/// A customer leaning on the corner, or staff who change their mind: Cancel on the keypad goes
/// back to the customer's screen, in their language, with their photo. A keypad left alone
/// times out to the attract screen and the visit goes.
#[test]
fn cancelling_the_staff_keypad_returns_to_the_customers_visit() {
    let spool = temp_dir("spool-cancel");
    let good = idbooth::capture::load_photo(&repo("assets/samples/grace_hopper.jpg")).unwrap().image;
    let mut h = harness(app_with(Mode::Kiosk, kiosk_settings(&spool), None, None));
    h.state_mut().apply(Intent::Touch);
    h.state_mut().apply(Intent::Choose { lang: Lang::Zh, document: idbooth::app::state::Document::Passport });
    h.state_mut().open_portrait(idbooth::capture::Portrait::from_rgb(good), None);
    wait_checked(&mut h);
    assert_eq!(h.state().screen(), Screen::KioskResult);
    staff_gesture(&mut h);
    assert_eq!(h.state().lang, Lang::En, "staff read the studio's language");
    h.get_by_label("Cancel").click();
    h.run_steps(4);
    assert_eq!(h.state().screen(), Screen::KioskResult);
    assert_eq!(h.state().lang, Lang::Zh, "the customer's language again");
    assert!(h.state().still().is_some(), "the customer's photo is still there");
    staff_gesture(&mut h);
    h.state_mut().advance(Duration::from_secs(600));
    h.run_steps(4);
    assert_eq!(h.state().screen(), Screen::Attract);
    assert!(h.state().visit.is_empty(), "something of the customer remains");
    std::fs::remove_dir_all(&spool).ok();
}

/// The hidden gesture: press and hold the top-left corner.
fn staff_gesture(h: &mut Harness<'_, BoothApp>) {
    let corner = egui::pos2(10.0, 10.0);
    let button = |pressed| egui::Event::PointerButton {
        pos: corner,
        button: egui::PointerButton::Primary,
        pressed,
        modifiers: Default::default(),
    };
    h.event(egui::Event::PointerMoved(corner));
    h.event(button(true));
    h.step();
    h.state_mut().advance(Duration::from_secs(4));
    h.step();
    h.step();
    assert_eq!(h.state().screen(), Screen::StaffPin);
    h.event(button(false));
    h.run_steps(4);
}

fn enter_pin(h: &mut Harness<'_, BoothApp>, pin: &str) {
    for k in pin.chars().map(|c| c.to_string()).chain(["OK".to_string()]) {
        h.get_by_label(&k).click();
        h.run_steps(4);
    }
}

#[test]
fn a_lost_camera_asks_for_staff_and_the_kiosk_recovers_when_it_returns() {
    let (mut h, spool) = kiosk_losing_its_camera("spool-cam", Lang::En, idbooth::app::state::Document::Passport);
    h.get_by_label_contains("ask a member of staff");
    // Plugged back in: the next retry finds frames, and the customer carries on.
    camera_back(&mut h);
    assert_eq!(h.state().screen(), Screen::Guided);
    std::fs::remove_dir_all(&spool).ok();
}

/// A kiosk whose camera fails as the customer (`lang`, `document`) reaches the guided screen.
fn kiosk_losing_its_camera(
    name: &str,
    lang: Lang,
    document: idbooth::app::state::Document,
) -> (Harness<'static, BoothApp>, PathBuf) {
    let spool = temp_dir(name);
    let mut h = harness(app_with(Mode::Kiosk, kiosk_settings(&spool), None, None));
    h.state_mut().set_live_source(Box::new(|| {
        Box::new(|| Err::<Box<dyn FrameSource>, _>(CaptureError::Disconnected("/dev/video0".into())))
    }));
    h.state_mut().apply(Intent::Touch);
    h.state_mut().apply(Intent::Choose { lang, document });
    step_until(&mut h, "the camera error", 10, |a| a.screen() == Screen::AskStaff);
    (h, spool)
}

/// The camera plugged back in: the kiosk's retries find frames and it leaves the staff screen.
fn camera_back(h: &mut Harness<'_, BoothApp>) {
    let good = idbooth::capture::load_photo(&repo("assets/samples/grace_hopper.jpg")).unwrap().image;
    h.state_mut().set_live_source(live_source(vec![good]));
    let t = Instant::now();
    while h.state().screen() == Screen::AskStaff {
        assert!(t.elapsed() < Duration::from_secs(30), "the kiosk did not find the camera again");
        h.state_mut().advance(Duration::from_secs(1));
        std::thread::sleep(Duration::from_millis(50));
        h.step();
    }
}

/// A customer who leaves while the camera is away is forgotten after the idle time: the
/// camera's return starts at the attract screen, not in their visit with the next person.
#[test]
fn a_customer_who_leaves_while_the_camera_is_away_is_forgotten() {
    let (mut h, spool) = kiosk_losing_its_camera("spool-cam-gone", Lang::Zh, idbooth::app::state::Document::Taiwan);
    let idle = h.state().settings.timeouts.idle;
    h.state_mut().advance(Duration::from_secs_f64(idle + 1.0));
    h.step();
    assert_eq!(h.state().screen(), Screen::AskStaff, "the screen holds while the camera is away");
    assert!(h.state().visit.is_empty(), "the customer is forgotten at the idle time");
    camera_back(&mut h);
    assert_eq!(h.state().screen(), Screen::Attract);
    assert_eq!(h.state().visit.form.document, idbooth::app::state::Document::Passport);
    std::fs::remove_dir_all(&spool).ok();
}

// ---------------------------------------------------------------- counter

/// A counter whose queue holds one kiosk photo (`sample`, `ticket`, `document`); its spool and
/// export folders.
fn counter_with_queued(
    name: &str,
    sample: &str,
    queued: &[(&str, &str, &str)],
) -> (Harness<'static, BoothApp>, PathBuf, PathBuf) {
    let spool = temp_dir(&format!("spool-{name}"));
    let out = temp_dir(&format!("{name}-out"));
    let photo = idbooth::capture::load_photo(&repo(sample)).unwrap().image;
    for (ticket, document, spec) in queued {
        let handoff = idbooth::spool::Handoff {
            schema: 1,
            ticket: ticket.to_string(),
            document: document.to_string(),
            spec: spec.to_string(),
            lang: Lang::Zh,
            captured_at: idbooth::export::summary::now_local(),
            outcome: Overall::Fail,
            open_rules: vec![],
        };
        idbooth::spool::handoff(&spool, &photo, &handoff).unwrap();
    }
    let settings =
        StudioSettings { spool_dir: Some(spool.clone()), export_dir: Some(out.clone()), ..StudioSettings::default() };
    let mut h = harness(app_with(Mode::Counter, settings, None, Some(out.clone())));
    h.run();
    (h, spool, out)
}

/// "Next customer" and PageDown over a customer's photo not exported ask first, as closing
/// the window does; "Stay" keeps what was typed. With nobody else waiting, PageDown says so.
#[test]
fn the_counter_asks_before_dropping_a_customer_not_exported() {
    let (mut h, spool, out) = counter_with_queued(
        "leave",
        "assets/samples/astronaut.png",
        &[("021", "passport", "cn-exit-entry"), ("022", "passport", "cn-exit-entry")],
    );
    h.get_by_label("021").click();
    wait_checked(&mut h);
    // The ticket stays in sight in the status line, whatever the form is scrolled to.
    h.get_by_label("Serving ticket 021");
    let field = h.get_by_role_and_label(Role::TextInput, "Name");
    field.focus();
    field.type_text("Li Lei");
    h.run();
    h.get_by_label("Next customer").click();
    h.run();
    assert_eq!(h.state().leave_asked, Some(idbooth::app::Leave::NextCustomer));
    h.get_by_label_contains("they are lost if you go on");
    h.get_by_label("Stay").click();
    h.run();
    assert!(h.state().leave_asked.is_none());
    assert_eq!((h.state().screen(), h.state().visit.form.name.as_str()), (Screen::Review, "Li Lei"));
    // PageDown: the same question; going on serves 022.
    h.key_press(egui::Key::PageDown);
    h.run();
    assert!(matches!(h.state().leave_asked, Some(idbooth::app::Leave::Serve { close_first: true, .. })));
    h.get_by_label("Go on without exporting").click();
    wait_checked(&mut h);
    assert_eq!(h.state().visit.form.ticket, "022");
    assert!(h.state().visit.form.name.is_empty());
    // Nothing typed yet but the photo is checked and not exported: asked as well.
    h.state_mut().apply(Intent::NextCustomer);
    assert!(h.state().leave_asked.is_some());
    h.state_mut().apply(Intent::ConfirmLeave);
    h.run();
    assert_eq!(h.state().screen(), Screen::Start);
    // From the start screen nothing is lost: a ticket opens at once.
    h.get_by_label("021").click();
    wait_checked(&mut h);
    assert!(h.state().leave_asked.is_none() && h.state().visit.form.ticket == "021");
    std::fs::remove_dir_all(&spool).ok();
    std::fs::remove_dir_all(&out).ok();
    // An empty queue: PageDown says nobody is waiting instead of doing nothing.
    let (mut h, spool, out) = counter_with_queued("leave-empty", "assets/samples/astronaut.png", &[]);
    h.key_press(egui::Key::PageDown);
    h.run();
    h.get_by_label_contains("nobody else is waiting");
    std::fs::remove_dir_all(&spool).ok();
    std::fs::remove_dir_all(&out).ok();
}

/// At the counter a photo opened after an export is the next walk-in customer's: the form
/// goes. When the person's details were changed since the export (a name corrected), staff are
/// asked first; a spec switched for the next customer is not such a change.
#[test]
fn a_photo_opened_after_an_export_asks_first_when_the_form_changed_since() {
    let out = temp_dir("walk-in");
    let settings = StudioSettings { export_dir: Some(out.clone()), ..StudioSettings::default() };
    let photo = repo("assets/samples/grace_hopper.jpg");
    let mut h = harness(app_with(Mode::Counter, settings, Some(photo), Some(out.clone())));
    for edit in [false, true] {
        h.state_mut().apply(Intent::NextCustomer);
        h.state_mut().apply(Intent::ConfirmLeave);
        h.state_mut().apply(Intent::Sample);
        wait_checked(&mut h);
        fill_and_release(&mut h);
        press(&mut h, "Export photo and form");
        assert!(h.state().export_message().unwrap().1, "{:?}", h.state().export_message());
        // Staff set up for the next customer: another spec is not a change to this one's form.
        h.state_mut().apply(Intent::SetSpec("cn-resident-id".into()));
        wait_checked(&mut h);
        if edit {
            let field = h.get_by_role_and_label(Role::TextInput, "Name");
            field.focus();
            field.type_text(" Jr");
            h.run();
        }
        h.get_all_by_label("Open photo…").next().unwrap().click();
        h.run_steps(3);
        if edit {
            assert_eq!(h.state().leave_asked, Some(idbooth::app::Leave::OpenPhoto));
            h.get_by_label("The changes made since the export are not saved: they are lost if you go on.");
            h.get_by_label("Stay").click();
            h.run();
            assert_eq!(h.state().visit.form.name, "Zhang San Jr", "Stay keeps the corrected form");
            h.get_all_by_label("Open photo…").next().unwrap().click();
            h.run_steps(3);
            h.get_by_label("Go on without exporting").click();
        }
        wait_checked(&mut h);
        assert!(h.state().leave_asked.is_none());
        let name = h.state().visit.form.name.clone();
        assert!(name.is_empty() && !h.state().visit.retake, "the exported customer's form went on: {name}");
    }
    std::fs::remove_dir_all(&out).ok();
}

#[test]
fn the_counter_picks_up_the_kiosk_queue_adjusts_the_crop_and_exports_once() {
    let (mut h, spool, out) =
        counter_with_queued("counter", "assets/samples/astronaut.png", &[("007", "hk-macau-permit", "cn-exit-entry")]);
    assert_eq!(h.state().screen(), Screen::Start);
    h.get_by_label("Waiting from the kiosk: 1");
    h.get_by_label_contains("Hong Kong"); // the document by its name, not its id
    h.get_by_label("007").click();
    wait_checked(&mut h);
    assert_eq!(h.state().screen(), Screen::Review);
    assert_eq!(h.state().visit.form.ticket, "007");
    assert_eq!(h.state().visit.form.document, idbooth::app::state::Document::HkMacau);
    assert!(h.state().visit.form.name.is_empty());

    // Manual crop: zoom in, the geometry re-judges at once; reset goes back. Ticks made on
    // the photo as it was go, and staff are told so.
    tick_open_rules(&mut h, "I checked: ");
    h.get_by_label_contains("Ticked as checked");
    let head = |a: &BoothApp| a.still().unwrap().judgement.measurements.head_height.unwrap();
    let auto = head(h.state());
    h.state_mut().apply(Intent::Adjust(idbooth::session::Adjust { zoom: 1.2, ..Default::default() }));
    h.run_steps(3);
    assert!(h.state().visit.confirmed.is_empty());
    h.get_by_label("The photo was judged again: tick again what you have checked in it.");
    assert!((head(h.state()) / auto - 1.2).abs() < 0.01, "{auto} → {}", head(h.state()));
    assert_eq!(h.state().still().unwrap().report().judged, idbooth::session::Judged::Adjusted);
    // A hand turn tilts the exported eye line, and the head-tilt rule judges that too.
    let tilt = |a: &BoothApp| a.still().unwrap().judgement.measurements.roll_in_frame.unwrap();
    let level = tilt(h.state());
    h.state_mut().apply(Intent::Adjust(idbooth::session::Adjust { zoom: 1.0, rotate_deg: 5.0, ..Default::default() }));
    h.step();
    assert!(((tilt(h.state()) - level).abs() - 5.0).abs() < 0.05, "{level} → {}", tilt(h.state()));
    press(&mut h, "Back to automatic");
    wait_checked(&mut h);
    assert!((head(h.state()) - auto).abs() < 1e-6);
    assert!((tilt(h.state()) - level).abs() < 1e-6);

    for (label, text) in [
        ("Name", "Eileen"),
        ("City of application", "深圳"),
        ("Phone", "13800000000"),
        ("Staff name", "Wang"),
        ("Staff override — reason", "archive"),
    ] {
        let field = h.get_by_role_and_label(Role::TextInput, label);
        field.focus();
        field.type_text(text);
        h.run();
    }
    tick_open_rules(&mut h, "I checked: ");
    assert!(h.query_by_label_contains("tick again").is_none());
    let next = h.get_by_label("Next customer").rect();
    // A double click exports once.
    h.state_mut().apply(Intent::Export);
    h.state_mut().apply(Intent::Export);
    h.run();
    // "Exported ✓" is shorter than "Export photo and form": nothing beside it moves.
    assert_eq!(h.get_by_label("Next customer").rect().min.x, next.min.x);
    assert!(h.state().export_message().unwrap().1, "{:?}", h.state().export_message());
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 2);
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&h.state().visit.last_export.as_ref().unwrap().summary_path).unwrap())
            .unwrap();
    assert_eq!(s["applicant"]["ticket"], "007");
    // Staff find the customer's files by ticket and name.
    let photo = h.state().visit.last_export.as_ref().unwrap().photo.clone();
    let name = photo.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("idbooth-cn-exit-entry-") && name.ends_with("-007-Eileen.jpg"), "{name}");
    assert_eq!(idbooth::spool::list(&spool)[0].status, idbooth::spool::EntryStatus::Exported);
    // Next customer: a clean visit; only the staff member's name stays for them.
    h.get_by_label("Next customer").click();
    h.run();
    assert_eq!(h.state().screen(), Screen::Start);
    let staff = std::mem::take(&mut h.state_mut().visit.form.operator);
    assert!(!staff.is_empty());
    assert!(h.state().visit.is_empty());
    std::fs::remove_dir_all(&spool).ok();
    std::fs::remove_dir_all(&out).ok();
}

#[test]
fn the_counter_sees_kiosk_customers_waiting_while_it_serves_someone_else() {
    let (mut h, spool, out) =
        counter_with_queued("waiting", "assets/samples/astronaut.png", &[("011", "passport", "cn-exit-entry")]);
    h.get_by_label("Waiting from the kiosk: 1");
    // A walk-in at the counter: the queue stays in sight in the status line.
    h.state_mut().apply(Intent::OpenPath(repo("assets/samples/grace_hopper.jpg")));
    wait_checked(&mut h);
    assert_eq!(h.state().screen(), Screen::Review);
    h.get_by_label("Waiting from the kiosk: 1");
    // Another kiosk customer arrives; the counter reads the spool again within its poll interval.
    let photo = idbooth::capture::load_photo(&repo("assets/samples/astronaut.png")).unwrap().image;
    let handoff = idbooth::spool::Handoff {
        schema: 1,
        ticket: "012".into(),
        document: "passport".into(),
        spec: "cn-exit-entry".into(),
        lang: Lang::Zh,
        captured_at: "2026-12-03T10:05:00+08:00".into(),
        outcome: Overall::Pass,
        open_rules: vec![],
    };
    idbooth::spool::handoff(&spool, &photo, &handoff).unwrap();
    h.state_mut().advance(idbooth::app::queue::POLL);
    h.run();
    h.get_by_label("Waiting from the kiosk: 2");
    // Serving one of them: the one at the counter is not counted as waiting.
    let first = h.state().queue.entries.iter().position(|e| e.handoff.ticket == "011").unwrap();
    h.state_mut().apply(Intent::QueueOpen(first));
    // (The walk-in's photo is not exported: staff say they go on without it.)
    assert!(h.state().leave_asked.is_some());
    h.state_mut().apply(Intent::ConfirmLeave);
    wait_checked(&mut h);
    h.get_by_label("Waiting from the kiosk: 1");
    std::fs::remove_dir_all(&spool).ok();
    std::fs::remove_dir_all(&out).ok();
}

#[test]
fn page_down_serves_the_next_customer_from_any_counter_screen() {
    let queued = [
        ("021", "passport", "cn-exit-entry"),
        ("022", "passport", "cn-exit-entry"),
        ("023", "passport", "cn-exit-entry"),
    ];
    let (mut h, spool, out) = counter_with_queued("pagedown", "assets/samples/astronaut.png", &queued);
    let ticket = |h: &Harness<'_, BoothApp>| h.state().visit.form.ticket.clone();
    h.key_press(egui::Key::PageDown);
    wait_checked(&mut h);
    assert_eq!((h.state().screen(), ticket(&h)), (Screen::Review, "021".to_string()));
    // With a customer open, PageDown closes them (as "Next customer") and opens the next one.
    let name = h.get_by_role_and_label(Role::TextInput, "Name");
    name.focus();
    name.type_text("Ada");
    h.run();
    h.key_press(egui::Key::PageDown);
    h.run();
    // Ada's photo is not exported: asked first (the_counter_asks_before_dropping_…).
    h.get_by_label("Go on without exporting").click();
    wait_checked(&mut h);
    assert_eq!((h.state().screen(), ticket(&h)), (Screen::Review, "022".to_string()));
    assert!(h.state().visit.form.name.is_empty(), "the last customer's name went with them");
    // "Next customer": no ticket stays highlighted, and PageDown goes on after 022.
    h.get_by_label("Next customer").click();
    h.run();
    h.get_by_label("Go on without exporting").click();
    h.run();
    assert_eq!(h.state().screen(), Screen::Start);
    assert_eq!(h.state().queue.selected, None);
    h.key_press(egui::Key::PageDown);
    wait_checked(&mut h);
    assert_eq!(ticket(&h), "023");
    h.key_press(egui::Key::PageUp);
    h.run();
    h.get_by_label("Go on without exporting").click();
    wait_checked(&mut h);
    assert_eq!(ticket(&h), "022");
    std::fs::remove_dir_all(&spool).ok();
    std::fs::remove_dir_all(&out).ok();
}

// ---------------------------------------------------------------- printing

/// What CUPS says about a printer that does not exist, on any machine: no such printer (a
/// scheduler runs), the scheduler is down, or CUPS is not installed.
const NO_PRINTER: [&str; 3] = ["no printer named", "(CUPS) is not running", "CUPS is not installed"];

fn wait_prints(h: &mut Harness<'_, BoothApp>) {
    step_until(h, "the prints (and the preview)", 60, |a| !a.visit.print.busy());
}

/// Fill the form and confirm every open rule by name (the sample fails three rules).
fn fill_and_release(h: &mut Harness<'_, BoothApp>) {
    for (label, text) in [
        ("Name", "Zhang San"),
        ("City of application", "深圳"),
        ("Phone", "13800000000"),
        ("Staff name", "Wang"),
        ("Staff override — reason", "archive photo"),
    ] {
        let field = h.get_by_role_and_label(Role::TextInput, label);
        field.focus();
        field.type_text(text);
        h.run();
    }
    tick_open_rules(h, "I checked: ");
}

/// MediaBox of the first page, in mm (sorted: short side first).
fn pdf_page_mm(bytes: &[u8]) -> (f64, f64) {
    let doc = lopdf::Document::load_mem(bytes).unwrap();
    let id = *doc.get_pages().values().next().unwrap();
    let mb = doc.get_dictionary(id).unwrap().get(b"MediaBox").unwrap().as_array().unwrap().clone();
    let n: Vec<f64> =
        mb.iter().map(|o| o.as_float().map(f64::from).or_else(|_| o.as_i64().map(|i| i as f64)).unwrap()).collect();
    let (w, h) = ((n[2] - n[0]) * 25.4 / 72.0, (n[3] - n[1]) * 25.4 / 72.0);
    (w.min(h), w.max(h))
}

#[test]
fn the_counter_prints_with_the_export_and_previews_the_sheet_as_it_will_come_out() {
    let out = temp_dir("print-out");
    let mut settings = StudioSettings { export_dir: Some(out.clone()), ..StudioSettings::default() };
    settings.print.printer = Some("idbooth-no-such-printer".into());
    settings.print.auto_print = idbooth::print::AutoPrint::Slip;
    let mut h = harness(app_with(Mode::Counter, settings, None, Some(out.clone())));
    h.state_mut().apply(Intent::Sample);
    wait_checked(&mut h);
    fill_and_release(&mut h);
    press(&mut h, "Export photo and form");
    assert!(h.state().export_message().unwrap().1, "{:?}", h.state().export_message());
    // Export → print in one step: the slip goes to the printer by itself; a printer that does
    // not exist is reported under the export, in words, and nothing crashes.
    wait_prints(&mut h);
    h.run();
    let status = h.state().visit.print.statuses(Lang::En);
    assert_eq!(status.len(), 1, "{status:?}");
    assert!(!status[0].2 && NO_PRINTER.iter().any(|m| status[0].1.contains(m)), "{status:?}");
    h.get_by_label(&status[0].1);

    // The print screen: the 6-inch sheet (the studio's layout) drawn as it will come out.
    press(&mut h, "Print…");
    assert_eq!(h.state().screen(), Screen::Print);
    let dims = |a: &BoothApp| a.visit.print.preview().and_then(|(r, _)| r.ok().map(|i| i.dimensions()));
    step_until(&mut h, "the preview", 60, |a| dims(a).is_some());
    // 152.4 × 101.6 mm at the preview's 120 dpi.
    assert_eq!(dims(h.state()), Some((720, 480)));
    h.get_by_label("Paper 101.6 × 152.4 mm, turned sideways: as it will come out");
    assert!(h.query_by_label_contains("Captions are on").is_none());
    // Another layout: drawn again, at its own paper size.
    h.get_by_role_and_label(Role::ComboBox, "Sheet layout").click();
    h.run();
    h.get_by_label_contains("A6 paper").click();
    step_until(&mut h, "the A6 preview", 60, |a| dims(a).is_some_and(|d| d != (720, 480)));
    let (w, hh) = dims(h.state()).unwrap();
    assert_eq!((w.min(hh), w.max(hh)), (496, 699), "A6 (105 × 148 mm) at 120 dpi");
    // Two photos instead of a full sheet.
    press(&mut h, "Fill the sheet");
    assert_eq!(h.state().visit.print.copies, Some(1));

    // Save PDF…: the sheet at its true paper size.
    let slip_button = h.get_by_label("Save slip PDF…").rect();
    press(&mut h, "Save sheet PDF…");
    wait_prints(&mut h);
    h.run();
    let stem = h.state().visit.last_export.as_ref().unwrap().photo.file_stem().unwrap().to_string_lossy().to_string();
    let pdf = std::fs::read(out.join(format!("{stem}-sheet.pdf"))).unwrap();
    let (w, hh) = pdf_page_mm(&pdf);
    assert!((w - 105.0).abs() < 0.2 && (hh - 148.0).abs() < 0.2, "{w} × {hh} mm");
    h.get_by_label_contains("Photo sheet saved");
    // The status line did not move the buttons from under the pointer.
    assert_eq!(h.get_by_label("Save slip PDF…").rect(), slip_button);
    // Print: the same clear refusal for the sheet.
    press(&mut h, "Print sheet");
    wait_prints(&mut h);
    h.run();
    let status = h.state().visit.print.statuses(Lang::En);
    let sheet = status.iter().find(|s| s.1.starts_with("Photo sheet not printed")).unwrap();
    assert!(NO_PRINTER.iter().any(|m| sheet.1.contains(m)), "{status:?}");
    // In Chinese too (the preview is drawn again: its captions follow the language).
    h.get_by_label("中文").click();
    h.run_steps(2);
    step_until(&mut h, "the preview in Chinese", 60, |a| dims(a).is_some());
    press(&mut h, "打印相纸");
    wait_prints(&mut h);
    h.run();
    h.get_by_label_contains("相纸未打印");
    // Back in English, the same outcome reads in English (it is not kept as Chinese text).
    h.get_by_label("English").click();
    h.run_steps(2);
    h.get_by_label_contains("Photo sheet not printed");
    assert!(h.query_by_label_contains("相纸未打印").is_none());
    press(&mut h, "Back to the photo");
    assert_eq!(h.state().screen(), Screen::Review);

    // Later, the same export opened again to reprint it (`idbooth --reprint`); a file that is
    // not an export is refused with a message.
    let photo = h.state().visit.last_export.as_ref().unwrap().photo.clone();
    for (reprint, screen) in [(photo, Screen::Print), (repo("assets/samples/grace_hopper.jpg"), Screen::Start)] {
        // This studio prints captions, which halve the 6-inch sheet: the print screen says so.
        let mut settings = StudioSettings::default();
        settings.print.captions = true;
        let opts = Options {
            lang: Some(Lang::En),
            mode: Some(Mode::Counter),
            reprint: Some(reprint),
            settings,
            ..Options::default()
        };
        let mut h = harness(BoothApp::new(opts, Box::new(FakePicker { photo: None, folder: None, missing: true })));
        h.run_steps(2);
        assert_eq!(h.state().screen(), screen, "{:?}", h.state().error());
        if screen == Screen::Start {
            h.get_by_label_contains("has no summary beside it");
            continue;
        }
        step_until(&mut h, "the reprint preview", 60, |a| dims(a).is_some());
        // Upright now: with captions the taller cells fit better that way.
        assert_eq!(dims(h.state()), Some((480, 720)));
        // Whose photo it is, from its summary.
        h.get_by_label("Zhang San");
        h.get_by_label("Captions are on (studio setting print.captions): 4 photos fit on this sheet, 8 without them.");
        // No checked photo behind a reprint: the way back says where it goes.
        assert!(h.query_by_label("Back to the photo").is_none());
        press(&mut h, "Back to the start");
        assert_eq!(h.state().screen(), Screen::Start);
    }
    std::fs::remove_dir_all(&out).ok();
}

#[test]
fn the_kiosk_prints_passed_photos_by_itself_and_sends_printer_trouble_to_staff() {
    use idbooth::print::AutoPrint;
    let spool = temp_dir("spool-print");
    let grey = image::RgbImage::from_pixel(640, 480, image::Rgb([90, 90, 90]));
    use idbooth::app::state::Document;
    let visit = |h: &mut Harness<'_, BoothApp>, photo: image::RgbImage, document: Document| {
        h.state_mut().apply(Intent::Touch);
        h.state_mut().apply(Intent::Choose { lang: Lang::En, document });
        h.state_mut().open_portrait(idbooth::capture::Portrait::from_rgb(photo), None);
        wait_checked(h);
        assert_eq!(h.state().screen(), Screen::KioskResult);
        h.state_mut().apply(Intent::Accept);
        h.run_steps(2);
        assert_eq!(h.state().screen(), Screen::Done);
    };
    let mut s = kiosk_settings(&spool);
    s.print.printer = Some("idbooth-no-such-printer".into());
    s.print.auto_print = AutoPrint::Both;
    let mut h = harness(app_with(Mode::Kiosk, s, None, None));
    h.state_mut().set_live_source(live_source(vec![grey]));
    h.run_steps(2);
    // A photo that does not pass is handed to staff, never printed at the kiosk.
    visit(
        &mut h,
        idbooth::capture::load_photo(&repo("assets/samples/grace_hopper.jpg")).unwrap().image,
        Document::Passport,
    );
    assert!(h.state().visit.print.is_empty());
    assert!(h.query_by_label_contains("printer").is_none() && h.query_by_label_contains("printing").is_none());
    h.state_mut().advance(Duration::from_secs(21));
    h.step();
    assert_eq!(h.state().screen(), Screen::Attract);

    let Some(dir) = crate::common::photos_dir() else {
        std::fs::remove_dir_all(&spool).ok();
        return;
    };
    // (A dark top: the London set's white T-shirts on a white background are a person's call.)
    let passed = idbooth::capture::load_photo(&dir.join("canada_dev/022f.jpg")).unwrap().image;
    // For the passport the same clean photo still needs staff (no earrings or necklace is a
    // person's call): not printed at the kiosk.
    visit(&mut h, passed.clone(), Document::Passport);
    assert_eq!(h.state().still().unwrap().report().overall, Overall::NeedsPerson);
    assert!(h.state().visit.print.is_empty());
    h.state_mut().advance(Duration::from_secs(21));
    h.step();
    assert_eq!(h.state().screen(), Screen::Attract);
    // A photo that passes prints by itself; a printer that is not there sends the customer to
    // staff (with the number), the ticket stays on screen, nothing crashes.
    visit(&mut h, passed.clone(), Document::ResidentId);
    assert_eq!(h.state().still().unwrap().report().overall, Overall::Pass);
    wait_prints(&mut h);
    assert_eq!(h.state().screen(), Screen::Done);
    let status = h.state().visit.print.statuses(Lang::En);
    assert_eq!(status.len(), 2, "sheet and slip: {status:?}");
    assert!(status.iter().all(|(_, m, ok)| !ok && NO_PRINTER.iter().any(|n| m.contains(n))), "{status:?}");
    let ticket = h.state().visit.ticket.clone().unwrap();
    h.get_by_label(&format!(
        "The printer has a problem: please ask a member of staff for your photos (your number: {ticket})."
    ));
    let scratch = h.state().visit.print.scratch_dir().map(Path::to_path_buf).unwrap();
    // The reset forgets the customer and removes the temporary PDFs' folder.
    h.state_mut().advance(Duration::from_secs(21));
    h.step();
    assert_eq!(h.state().screen(), Screen::Attract);
    assert!(h.state().visit.is_empty());
    assert!(!scratch.exists(), "{} outlived the visit", scratch.display());

    // With a real CUPS queue (as .ci/run sets up): sent, and the customer told where to go.
    let queue = idbooth::print::cups::Cups::default();
    let has_queue = std::process::Command::new("lpstat")
        .args(["-p", "idbooth-pdf"])
        .env("LC_ALL", "C")
        .output()
        .is_ok_and(|o| o.status.success());
    if !(queue.scheduler_running() == Ok(true) && has_queue) {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI must have the idbooth-pdf queue (.ci/run)");
        eprintln!("SKIPPED: no CUPS scheduler with the idbooth-pdf queue; the kiosk printed only to a missing printer");
        std::fs::remove_dir_all(&spool).ok();
        return;
    }
    let p = &mut h.state_mut().settings.print;
    p.printer = Some("idbooth-pdf".into());
    p.auto_print = AutoPrint::Sheet;
    visit(&mut h, passed, Document::ResidentId);
    wait_prints(&mut h);
    h.run();
    let status = h.state().visit.print.statuses(Lang::En);
    assert!(status.len() == 1 && status[0].2 && status[0].1.contains("sent to idbooth-pdf, job"), "{status:?}");
    h.get_by_label("Your photos are printing: collect them at the counter with your number.");
    // The job went through: cups-pdf wrote the 4×6 in sheet (~/PDF/<title>-job_<n>.pdf).
    let n = status[0].1.rsplit("job ").next().unwrap().trim_end_matches('.').to_string();
    let job = idbooth::print::cups::Job { id: format!("idbooth-pdf-{n}"), printer: "idbooth-pdf".into() };
    queue.wait(&job, Duration::from_secs(30)).unwrap();
    let homes = [std::env::var_os("HOME").map(PathBuf::from), Some(PathBuf::from("/root"))];
    let printed = homes
        .iter()
        .flatten()
        .filter_map(|h| std::fs::read_dir(h.join("PDF")).ok())
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.file_name().is_some_and(|f| f.to_string_lossy().ends_with(&format!("-job_{n}.pdf"))))
        .expect("the printed sheet in ~/PDF");
    let (w, hh) = pdf_page_mm(&std::fs::read(&printed).unwrap());
    assert!((w - 101.6).abs() < 0.5 && (hh - 152.4).abs() < 0.5, "printed {w} × {hh} mm");
    std::fs::remove_file(&printed).ok();
    std::fs::remove_dir_all(&spool).ok();
}

/// UI and analysis rates with a synthetic 640×480 source: `cargo test --release --test it -- ui:: --ignored --nocapture`.
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
    println!(
        "UI: {:.1} frames/s (with 15 ms pacing), analysis: {:.1} analyses/s over {secs:.1} s",
        steps as f64 / secs,
        (h.state().live_analyses() - a0) as f64 / secs
    );
}

/// The studio's export folder holds until someone chooses another: switching language on a
/// laptop (which saves the window's state) does not turn the default folder into a choice.
#[test]
fn the_studios_export_folder_holds_until_a_folder_is_chosen() {
    let remember = temp_dir("remember").join("gui.json");
    let studio = temp_dir("studio-out");
    let chosen = temp_dir("chosen-out");
    let open = |mode: Mode, picked: Option<PathBuf>| {
        let opts = Options {
            lang: Some(Lang::En),
            mode: Some(mode),
            settings: StudioSettings { export_dir: Some(studio.clone()), ..StudioSettings::default() },
            state_dir: Some(temp_dir("state-remember")),
            remember: Some(remember.clone()),
            ..Options::default()
        };
        BoothApp::new(opts, Box::new(FakePicker { photo: None, folder: picked, missing: false }))
    };
    let mut laptop = open(Mode::Laptop, None);
    laptop.apply(Intent::SetLang(Lang::Zh));
    assert!(remember.exists(), "the window's state was saved");
    assert_eq!(open(Mode::Counter, None).folder, studio);
    let mut counter = open(Mode::Counter, Some(chosen.clone()));
    counter.apply(Intent::ChooseFolder);
    assert_eq!(counter.folder, chosen);
    assert_eq!(open(Mode::Counter, None).folder, chosen, "a chosen folder is remembered");
    // The laptop's person goes on with their last spec; the counter's first customer of the
    // day starts on the studio's, as every next customer does.
    laptop.apply(Intent::SetSpec("cn-resident-id".into()));
    assert_eq!(open(Mode::Laptop, None).spec().id, "cn-resident-id");
    assert_eq!(open(Mode::Counter, None).spec().id, StudioSettings::default().default_spec);
}

/// A tightly framed portrait: the frame reaches below the photo, and the result says how many
/// rows repeat the photo's last ones (issue 12: the fill is stated, not hidden).
#[test]
fn a_frame_reaching_below_the_photo_says_how_much_is_filled() {
    let Some(dir) = crate::common::photos_dir() else { return };
    let mut h = harness(app(Some(dir.join("canada_dev/022f.jpg")), None));
    h.get_all_by_label("Open photo…").next().unwrap().click();
    wait_checked(&mut h);
    let fill = h.state().still().unwrap().judgement.crop.as_ref().unwrap().bottom_fill_px;
    assert!(fill >= 1.0, "022f's frame should reach below the photo ({fill} px)");
    h.get_by_label_contains(&format!("The photo ends {fill:.0} px above the frame's bottom edge"));
}

/// Someone photographing themselves for another country's document: the spec's notes are
/// there to read, the Chinese documents say they are Chinese, picking one says it changed the
/// spec, and a phone number is not asked for.
#[test]
fn a_photo_for_another_countrys_document_asks_for_what_that_document_needs() {
    use idbooth::app::state::Document;
    let out = temp_dir("foreign");
    let mut h = harness_sized(app(None, Some(out.clone())), [1366.0, 768.0]);
    h.state_mut().apply(Intent::SetSpec("uk-passport".into()));
    h.state_mut().apply(Intent::Sample);
    wait_checked(&mut h);
    // The notes, folded: one line names how many; open, the upload's "do not crop" is there.
    h.get_by_label("What else UK passport photo (35×45 mm) asks (notes: 6)").click();
    h.run();
    h.get_by_label_contains("do not crop, HMPO crops the photo itself");
    // "Other" is named by the spec; the Chinese passport says it is Chinese.
    assert_eq!(h.state().visit.form.document, Document::Other);
    press(&mut h, "Document");
    h.get_by_label("Chinese passport");
    h.get_by_label("Other: UK passport photo (35×45 mm)").click();
    h.run();
    // Only the name is required: no city, no phone.
    press(&mut h, "Export photo and form");
    let (msg, ok) = h.state().export_message().map(|(m, ok)| (m.to_string(), ok)).unwrap();
    assert!(!ok && msg.contains("Name") && !msg.contains("Phone") && !msg.contains("City"), "{msg}");
    // Typing the name takes the refusal away.
    let name = h.get_by_role_and_label(Role::TextInput, "Name");
    name.focus();
    name.type_text("Jane Doe");
    h.run_steps(3);
    assert!(h.state().export_message().is_none());
    // Picking the Chinese passport changes the spec, and says so beside the choice.
    press(&mut h, "Document");
    h.get_by_label("Chinese passport").click();
    wait_checked(&mut h);
    assert_eq!(h.state().spec().id, "cn-exit-entry");
    let name = SpecBook::load().get("cn-exit-entry").unwrap().name_en.clone();
    h.get_by_label(&format!("The photo spec changed to {name}, the one for this document."));
    // Now the phone is asked for, as the Chinese form needs it.
    press(&mut h, "Export photo and form");
    let (msg, _) = h.state().export_message().map(|(m, ok)| (m.to_string(), ok)).unwrap();
    assert!(msg.contains("Phone") && msg.contains("City"), "{msg}");
    // A spec chosen by hand afterwards: the note goes.
    h.state_mut().apply(Intent::SetSpec("cn-2inch".into()));
    wait_checked(&mut h);
    assert!(h.query_by_label_contains("The photo spec changed to").is_none());
    std::fs::remove_dir_all(&out).ok();
}

#[test]
fn the_document_follows_the_spec_so_an_export_is_never_mislabelled() {
    use idbooth::app::state::Document;
    let mut a = app(None, None);
    a.apply(Intent::SetDocument(Document::ResidentId));
    assert_eq!(a.spec().id, "cn-resident-id", "a document switches to the spec it is photographed to");
    a.apply(Intent::SetSpec("cn-exit-entry".into()));
    assert_eq!(a.visit.form.document, Document::Passport, "the first document the spec is for");
    a.apply(Intent::SetDocument(Document::Taiwan));
    // The ICAO spec is for any country's document: not the Chinese passport.
    a.apply(Intent::SetSpec("icao-35x45".into()));
    assert_eq!(a.visit.form.document, Document::Other);
    // No booth document is for the US spec: "other", never "passport".
    a.apply(Intent::SetSpec("us-2x2".into()));
    assert_eq!(a.visit.form.document, Document::Other);
    a.apply(Intent::SetSpec("cn-exit-entry".into()));
    assert_eq!(a.visit.form.document, Document::Taiwan, "the person's choice again, where it fits");
}

#[test]
fn a_reason_written_for_one_judgement_is_not_used_for_the_next() {
    let mut h = harness(app(Some(repo("assets/samples/grace_hopper.jpg")), None));
    h.get_all_by_label("Open photo…").next().unwrap().click();
    wait_checked(&mut h);
    let open: Vec<_> =
        idbooth::approval::to_confirm(&h.state().still().unwrap().judgement.verdicts).iter().map(|v| v.rule).collect();
    assert!(!open.is_empty(), "the sample has rules a person must confirm");
    h.state_mut().visit.form.override_reason = "customer asked for the offset".into();
    // A nudge of the crop that leaves the same rules open keeps the reason typed for them.
    h.state_mut().apply(Intent::Adjust(idbooth::session::Adjust { zoom: 1.0, dx: 1.0, ..Default::default() }));
    h.step();
    assert_eq!(h.state().visit.form.override_reason, "customer asked for the offset");
    h.state_mut().visit.confirmed = open.into_iter().collect();
    // Another spec judges the photo again: other rules may fail now, so both the ticks and the
    // reason written for them go.
    h.state_mut().apply(Intent::SetSpec("us-2x2".into()));
    wait_checked(&mut h);
    assert!(h.state().visit.confirmed.is_empty());
    assert!(h.state().visit.form.override_reason.is_empty());
}

#[test]
fn a_retake_at_the_counter_keeps_the_customer_and_their_ticket() {
    let queued = [("008", "passport", "cn-exit-entry"), ("009", "resident-id-card", "cn-resident-id")];
    let (mut h, spool, out) = counter_with_queued("retake", "assets/samples/grace_hopper.jpg", &queued);
    h.get_by_label("008").click();
    wait_checked(&mut h);
    h.state_mut().visit.form.name = "Wang Fang".into();
    press(&mut h, "Retake");
    assert_eq!(h.state().screen(), Screen::Start, "no camera at this counter");
    h.get_by_label("Retake for Wang Fang: the next photo keeps their details.");
    h.state_mut().apply(Intent::OpenPath(repo("assets/samples/grace_hopper.jpg")));
    wait_checked(&mut h);
    let v = &h.state().visit;
    assert_eq!((v.form.ticket.as_str(), v.ticket.as_deref(), v.form.name.as_str()), ("008", Some("008"), "Wang Fang"));
    assert!(v.from_spool.is_some(), "the export still clears the customer's queue entry");
    // A photo opened over an unexported result is the same customer's too (nothing typed is
    // lost); the reason written for the last photo's failures is not carried to this one.
    h.state_mut().visit.form.operator = "Li Wei".into();
    h.state_mut().visit.form.override_reason = "the smile was judged by eye".into();
    h.state_mut().apply(Intent::OpenPath(repo("assets/samples/grace_hopper.jpg")));
    wait_checked(&mut h);
    let f = &h.state().visit.form;
    assert_eq!((f.name.as_str(), f.ticket.as_str(), f.operator.as_str()), ("Wang Fang", "008", "Li Wei"));
    assert!(f.override_reason.is_empty());
    // The next customer starts clean, even after a retake: "Someone else" on the start screen.
    press(&mut h, "Retake");
    press(&mut h, "Someone else (clear the form)");
    assert!(h.query_by_label_contains("Retake for").is_none());
    h.state_mut().apply(Intent::OpenPath(repo("assets/samples/grace_hopper.jpg")));
    wait_checked(&mut h);
    let v = &h.state().visit;
    assert!(v.form.ticket.is_empty() && v.ticket.is_none() && v.form.name.is_empty() && v.from_spool.is_none());
    assert_eq!(v.form.operator, "Li Wei", "the staff member stays for the next customer");
    // A queue customer with nothing typed yet is still the same person on a new photo: the
    // ticket and the queue entry go with it.
    press(&mut h, "Retake");
    h.get_by_label("008").click();
    wait_checked(&mut h);
    assert_eq!(h.state().visit.form.name, "");
    h.state_mut().apply(Intent::OpenPath(repo("assets/samples/grace_hopper.jpg")));
    wait_checked(&mut h);
    let v = &h.state().visit;
    assert_eq!((v.ticket.as_deref(), v.from_spool.is_some()), (Some("008"), true));
    // Another queue entry is someone else too; their document comes with the spec it was made to.
    // (Any cell of the row opens it, here the document's.)
    press(&mut h, "Retake");
    h.get_by_label("Resident ID card").click();
    wait_checked(&mut h);
    let v = &h.state().visit;
    assert_eq!((v.form.ticket.as_str(), v.form.name.as_str()), ("009", ""));
    assert_eq!(v.form.document, idbooth::app::state::Document::ResidentId);
    assert_eq!(h.state().spec().id, "cn-resident-id");
    // Once they are exported, a photo opened without "Next customer" is the next customer:
    // on the studio's spec and document, not the last customer's.
    {
        let a = h.state_mut();
        a.visit.form.name = "Zhao Lei".into();
        a.visit.form.city = "深圳".into();
        a.visit.form.phone = "13800000000".into();
        a.visit.form.override_reason = "checked by eye".into();
        let open: Vec<_> =
            a.still().unwrap().judgement.verdicts.iter().filter(|v| !v.status.is_ok()).map(|v| v.rule).collect();
        a.visit.confirmed.extend(open);
        a.apply(Intent::Export);
    }
    h.run();
    assert!(h.state().visit.last_export.is_some(), "{:?}", h.state().export_message());
    h.state_mut().apply(Intent::OpenPath(repo("assets/samples/grace_hopper.jpg")));
    wait_checked(&mut h);
    let v = &h.state().visit;
    assert_eq!((v.form.name.as_str(), v.form.ticket.as_str()), ("", ""));
    assert_eq!(v.form.document, idbooth::app::state::Document::Passport);
    assert_eq!(h.state().spec().id, "cn-exit-entry");
    std::fs::remove_dir_all(&spool).ok();
    std::fs::remove_dir_all(&out).ok();
}
