//! Criterion benchmarks of the speeds that matter: a live 640×480 frame (detection +
//! landmarks, and the tracked path the live view runs) and a 12 MP photo from JPEG bytes to
//! the exported file's bytes.
//! Run: `cargo bench` (or `idbooth bench` for a quick table).

use criterion::{Criterion, criterion_group, criterion_main};
use idbooth::capture::decode_photo;
use idbooth::detect::{self, Effort};
use idbooth::export;
use idbooth::pixels::Pyramid;
use idbooth::session::{self, JudgeOptions, Session};
use idbooth::spec::SpecBook;

fn benches(c: &mut Criterion) {
    let book = SpecBook::builtin();
    let spec = book.get("cn-exit-entry").unwrap().clone();
    let sample = decode_photo(include_bytes!("../assets/samples/grace_hopper.jpg")).unwrap();
    detect::Models::get().unwrap();

    // 640×480 frame: the sample centred on a 4:3 canvas.
    let frame = image::imageops::resize(&sample.image, 410, 480, image::imageops::FilterType::Triangle);
    let mut canvas = image::RgbImage::from_pixel(640, 480, image::Rgb([120, 120, 120]));
    image::imageops::overlay(&mut canvas, &frame, 115, 0);
    let live = session::detect_options(&spec, Effort::Live);
    c.bench_function("live_frame_640x480_detect_landmarks", |b| {
        b.iter(|| detect::analyse(&Pyramid::new(canvas.clone(), 32), &live).unwrap())
    });
    // The live view's path: a tracker over frames where the face sways by a few pixels. With
    // the periodic detector (1 frame in 15) and without it (every frame tracked).
    let frames: Vec<image::RgbImage> = (0..15u32)
        .map(|i| {
            let mut f = image::RgbImage::from_pixel(640, 480, image::Rgb([120, 120, 120]));
            image::imageops::overlay(&mut f, &frame, 113 + (i % 5) as i64, (i % 3) as i64);
            f
        })
        .collect();
    for (name, every) in [("live_frame_640x480_tracking", 15), ("live_frame_640x480_tracked_only", u32::MAX)] {
        let mut tracker = detect::Tracker::new(live).detect_every(every);
        let mut i = 0;
        c.bench_function(name, |b| {
            b.iter(|| {
                i += 1;
                tracker.step(&Pyramid::lazy(frames[i % frames.len()].clone(), 32)).unwrap()
            })
        });
    }

    let jpeg = idbooth::capture::photo::camera_like_jpeg(&sample.image, 3464, 4060).unwrap();
    let mut g = c.benchmark_group("photo_12mp");
    g.sample_size(10);
    g.bench_function("jpeg_to_exported_file", |b| {
        b.iter(|| {
            let p = decode_photo(&jpeg).unwrap();
            let s = Session::new(p, &spec).unwrap();
            let j = s.judge(&spec, &JudgeOptions::default());
            let c = s.compose(&j, &spec).unwrap();
            export::encode_to_window(&c.image, 300, export::size_window(&spec)).unwrap()
        })
    });
    // An open photo switching spec: the crop, frame, measures and verdicts from the cached detection.
    let open = Session::new(decode_photo(&jpeg).unwrap(), &spec).unwrap();
    let icao = book.get("icao-35x45").unwrap();
    g.bench_function("spec_switch", |b| b.iter(|| open.judge(icao, &JudgeOptions::default())));
    g.finish();
}

criterion_group!(pipeline_benches, benches);
criterion_main!(pipeline_benches);
