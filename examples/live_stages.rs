//! Per-stage timings of one tracked live frame (profiling aid): min and median of many runs.
use std::time::Instant;

use idbooth::capture::decode_photo;
use idbooth::compose::background::BackgroundChoice;
use idbooth::detect::{self, Effort, Models, mesh};
use idbooth::pixels::Pyramid;
use idbooth::spec::SpecBook;

fn stat(name: &str, mut v: Vec<f64>) {
    v.sort_by(f64::total_cmp);
    println!("{name:<28} min {:6.3} ms  median {:6.3} ms", v[0], v[v.len() / 2]);
}

fn main() -> anyhow::Result<()> {
    let book = SpecBook::builtin();
    let spec = book.get("cn-exit-entry")?;
    let sample = decode_photo(include_bytes!("../assets/samples/grace_hopper.jpg"))?;
    let face = image::imageops::resize(&sample.image, 410, 480, image::imageops::FilterType::Triangle);
    let mut frame = image::RgbImage::from_pixel(640, 480, image::Rgb([120, 120, 120]));
    image::imageops::overlay(&mut frame, &face, 115, 0);
    let m = Models::get()?;
    let opts = idbooth::session::detect_options(spec, Effort::Live);
    let keep = idbooth::session::JudgeOptions { background: BackgroundChoice::Keep, adjust: None };
    let runs = 60;
    let pyr = Pyramid::lazy(frame.clone(), 32);
    let a = detect::analyse(&pyr, &opts)?;
    let roi = mesh::Roi::from_mesh(&a.main.as_ref().unwrap().mesh);
    // For instruction counts (valgrind --tool=callgrind): N frames of one path only.
    if let Ok(n) = std::env::var("LOOP_ANALYSE").map(|v| v.parse::<usize>().unwrap_or(20)) {
        for _ in 0..n {
            std::hint::black_box(detect::analyse(&Pyramid::lazy(frame.clone(), 32), &opts)?);
        }
        return Ok(());
    }
    if let Ok(n) = std::env::var("LOOP_SAMPLE").map(|v| v.parse::<usize>().unwrap_or(20)) {
        let side = m.mesh.side;
        let to = idbooth::geometry::Similarity {
            scale: roi.side / side as f64,
            angle: 0.1,
            tx: roi.center.x - roi.side / 2.0,
            ty: roi.center.y - roi.side / 2.0,
        };
        for _ in 0..n {
            std::hint::black_box(pyr.sample_tensor(&to, side, side, 0.0, 1.0, None));
        }
        return Ok(());
    }
    if let Ok(n) = std::env::var("LOOP_TRACK").map(|v| v.parse::<usize>().unwrap_or(20)) {
        let mut tracker = detect::Tracker::new(opts).detect_every(u32::MAX);
        for _ in 0..n {
            std::hint::black_box(tracker.step(&Pyramid::lazy(frame.clone(), 32))?);
        }
        return Ok(());
    }
    if std::env::var("JUDGE_LOOP").is_ok() {
        let s = idbooth::session::Session::from_analysis(std::sync::Arc::new(pyr.clone()), a.clone(), None);
        let mut t_j = vec![];
        for _ in 0..100 {
            let t = Instant::now();
            std::hint::black_box(s.judge(spec, &keep));
            t_j.push(t.elapsed().as_secs_f64() * 1e3);
        }
        stat("judge alone", t_j);
        return Ok(());
    }
    if std::env::var("ONLY_JUDGE").is_ok() {
        for _ in 0..100 {
            let a = detect::analyse(&pyr, &opts)?;
            let c =
                idbooth::session::Session::from_analysis(std::sync::Arc::new(pyr.clone()), a, None).judge(spec, &keep);
            std::hint::black_box(c);
        }
        return Ok(());
    }
    let (mut t_pyr, mut t_mesh, mut t_lm, mut t_roi, mut t_judge, mut t_step) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    let (mut t_bs, mut t_chin) = (vec![], vec![]);
    let mut tracker = detect::Tracker::new(opts).detect_every(u32::MAX);
    for _ in 0..runs {
        let t = Instant::now();
        let pyr = Pyramid::lazy(frame.clone(), 32);
        t_pyr.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let mm = mesh::run(&m.mesh, &pyr, roi)?;
        t_mesh.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let lm = detect::landmarks::from_mesh(&mm, None, &pyr);
        t_lm.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        std::hint::black_box(detect::chin::locate(&pyr, &mm, None, lm.left_pupil, lm.right_pupil));
        t_chin.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        std::hint::black_box(detect::blendshapes::estimate(&mm, &lm)?);
        t_bs.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let _r = mesh::Roi::from_mesh(&mm);
        t_roi.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let a = tracker.step(&pyr)?;
        t_step.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let c = idbooth::session::Session::from_analysis(std::sync::Arc::new(pyr.clone()), a, None).judge(spec, &keep);
        std::hint::black_box(c);
        t_judge.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let (mut t_net, mut t_net2) = (vec![], vec![]);
    let n = m.mesh.side;
    let real = pyr.sample_tensor(
        &idbooth::geometry::Similarity {
            scale: roi.side / n as f64,
            angle: 0.0,
            tx: roi.center.x - roi.side / 2.0,
            ty: roi.center.y - roi.side / 2.0,
        },
        n,
        n,
        0.0,
        1.0,
        None,
    );
    for _ in 0..runs {
        let t = Instant::now();
        m.mesh.run(vec![0.5; n * n * 3])?;
        t_net.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        m.mesh.run(real.clone())?;
        t_net2.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let mut t_sample = vec![];
    for _ in 0..runs {
        let t = Instant::now();
        std::hint::black_box(pyr.sample_tensor(
            &idbooth::geometry::Similarity {
                scale: roi.side / n as f64,
                angle: 0.1,
                tx: roi.center.x - roi.side / 2.0,
                ty: roi.center.y - roi.side / 2.0,
            },
            n,
            n,
            0.0,
            1.0,
            None,
        ));
        t_sample.push(t.elapsed().as_secs_f64() * 1e3);
    }
    stat("sample_tensor 192", t_sample);
    // The mesh's first-convolution patches (models.rs), as its ONNX input wants them.
    let patches = detect::models::Patches { image: [n, n], kernel: [3, 3], stride: [2, 2], pads: [0, 0, 1, 1] };
    let mut t_gather = vec![];
    for _ in 0..runs {
        let t = Instant::now();
        std::hint::black_box(patches.gather(&real));
        t_gather.push(t.elapsed().as_secs_f64() * 1e3);
    }
    stat("patches gather 192", t_gather);
    stat("mesh net, constant input", t_net);
    stat("mesh net, face input", t_net2);
    stat("frame copy + lazy pyramid", t_pyr);
    stat("mesh (sample + net)", t_mesh);
    stat("landmarks::from_mesh", t_lm);
    stat("  of which chin::locate", t_chin);
    stat("blendshapes::estimate", t_bs);
    stat("Roi::from_mesh", t_roi);
    stat("Tracker::step (tracked)", t_step);
    stat("judge_analysis (checklist)", t_judge);
    Ok(())
}
