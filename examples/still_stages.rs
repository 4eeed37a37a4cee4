//! Per-stage timings of a 12 MP still, JPEG bytes to exported bytes (profiling aid): median of runs.
use std::time::Instant;

use idbooth::capture::decode_photo;
use idbooth::detect::{self, Effort};
use idbooth::export;
use idbooth::pixels::Pyramid;
use idbooth::session::{self, JudgeOptions, Session};
use idbooth::spec::SpecBook;

fn med(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// As the app opens a photo file (a large JPEG at reduced size).
fn open(jpeg: &[u8]) -> anyhow::Result<idbooth::capture::Portrait> {
    Ok(idbooth::capture::decode_photo_reduced(jpeg.into(), idbooth::capture::photo::ANALYSIS_MIN_SIDE)?)
}

fn main() -> anyhow::Result<()> {
    let book = SpecBook::builtin();
    let spec = book.get("cn-exit-entry")?;
    let sample = decode_photo(include_bytes!("../assets/samples/grace_hopper.jpg"))?;
    let jpeg = idbooth::capture::photo::camera_like_jpeg(&sample.image, 3464, 4060).map_err(anyhow::Error::msg)?;
    if let Ok(path) = std::env::var("SAVE_JPEG") {
        std::fs::write(path, &jpeg)?; // the benchmark's photo, for other decoders
    }
    detect::Models::get()?;
    let runs = std::env::var("RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(7);
    if std::env::var("ONLY_DETECT").is_ok() {
        let pyr = Pyramid::new(open(&jpeg)?.image, 32);
        let opts = session::detect_options(spec, Effort::Still);
        let mut t = vec![];
        for _ in 0..runs {
            let t0 = Instant::now();
            std::hint::black_box(detect::analyse(&pyr, &opts)?);
            t.push(t0.elapsed().as_secs_f64() * 1e3);
        }
        println!("detect {:.1} ms", med(t));
        return Ok(());
    }
    if std::env::var("ONLY_JUDGE").is_ok() {
        let s = Session::new(open(&jpeg)?, spec)?;
        let mut t = vec![];
        for _ in 0..runs {
            let t0 = Instant::now();
            std::hint::black_box(s.judge(spec, &JudgeOptions::default()));
            t.push(t0.elapsed().as_secs_f64() * 1e3);
        }
        println!("judge {:.1} ms", med(t));
        let j = s.judge(spec, &JudgeOptions::default());
        let c = j.crop.as_ref().unwrap();
        let mut t = vec![];
        for _ in 0..runs {
            let t0 = Instant::now();
            std::hint::black_box(idbooth::compose::render(s.pyramid(), c, spec));
            t.push(t0.elapsed().as_secs_f64() * 1e3);
        }
        println!(
            "of which render {:.1} ms (scale {:.3}, photo {}×{})",
            med(t),
            c.transform.scale,
            s.pyramid().width(),
            s.pyramid().height()
        );
        return Ok(());
    }
    if std::env::var("ONLY_COMPOSE").is_ok() {
        let s = Session::new(open(&jpeg)?, spec)?;
        let j = s.judge(spec, &JudgeOptions::default());
        use idbooth::compose::{background, tone};
        let (frame, crop) = (j.frame.as_ref().unwrap(), j.crop.as_ref().unwrap());
        let f2p = crop.transform.inverse();
        let pockets = s.analysis.main.as_ref().map(|f| background::Pockets::around(&f.landmarks, &crop.transform));
        let mut t = vec![vec![]; 5];
        for _ in 0..runs {
            let t0 = Instant::now();
            let coarse = background::coarse_matte(s.pyramid(), &f2p, frame)?;
            let t1 = Instant::now();
            let person = background::refine_matte(frame, &coarse, pockets.as_ref());
            let t2 = Instant::now();
            let tc = tone::estimate(frame, &person, spec);
            let t3 = Instant::now();
            let toned = tone::apply(frame, &tc);
            let t4 = Instant::now();
            std::hint::black_box(background::replace(&toned, &person, [255, 255, 255]));
            let t5 = Instant::now();
            for (i, (a, b)) in [(t0, t1), (t1, t2), (t2, t3), (t3, t4), (t4, t5)].iter().enumerate() {
                t[i].push((*b - *a).as_secs_f64() * 1e3);
            }
        }
        for (name, v) in ["coarse matte", "refine", "tone est", "tone apply", "replace"].iter().zip(t) {
            println!("{name:<12} {:7.2} ms", med(v));
        }
        return Ok(());
    }
    let mut t = vec![vec![]; 7];
    for _ in 0..runs {
        let t0 = Instant::now();
        let p = open(&jpeg)?;
        let t1 = Instant::now();
        let pyr = std::sync::Arc::new(Pyramid::new(p.image, 32));
        let t2 = Instant::now();
        let a = detect::analyse(&pyr, &session::detect_options(spec, Effort::Still))?;
        let t3 = Instant::now();
        let s = Session::from_analysis(pyr, a, None);
        let j = s.judge(spec, &JudgeOptions::default());
        let t4 = Instant::now();
        let c = s.compose(&j, spec)?;
        let t5 = Instant::now();
        export::encode_to_window(&c.image, 300, export::size_window(spec))?;
        let t6 = Instant::now();
        for (i, (a, b)) in [(t0, t1), (t1, t2), (t2, t3), (t3, t4), (t4, t5), (t5, t6), (t0, t6)].iter().enumerate() {
            t[i].push((*b - *a).as_secs_f64() * 1e3);
        }
    }
    for (name, v) in ["decode", "pyramid", "detect", "judge", "compose", "encode", "total"].iter().zip(t) {
        println!("{name:<10} {:7.1} ms", med(v));
    }
    Ok(())
}
