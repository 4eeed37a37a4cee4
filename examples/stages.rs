//! Per-stage timings of the still pipeline on a 12 MP photo (profiling aid).
use std::time::Instant;

use idbooth::Lang;
use idbooth::capture::decode_photo;
use idbooth::detect::{self, Effort, Models, mesh};
use idbooth::pixels::Pyramid;
use idbooth::spec::SpecBook;

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn main() -> anyhow::Result<()> {
    let book = SpecBook::builtin();
    let spec = book.get("cn-exit-entry")?;
    let sample = decode_photo(include_bytes!("../assets/samples/grace_hopper.jpg"))?;
    let big = image::imageops::resize(&sample.image, 3464, 4060, image::imageops::FilterType::CatmullRom);
    let jpeg = idbooth::export::encode_jpeg(&big, 92, 300)?;
    let m = Models::get()?;
    for _ in 0..3 {
        let t = Instant::now();
        let p = decode_photo(&jpeg)?;
        let t_dec = ms(t);
        let t = Instant::now();
        let pyr = Pyramid::new(p.image, 32);
        let t_pyr = ms(t);
        let t = Instant::now();
        let s = detect::face::detect(&m.short_range, &pyr, 0.5)?;
        let t_short = ms(t);
        let t = Instant::now();
        let _f = detect::face::detect(&m.full_range, &pyr, 0.6)?;
        let t_full = ms(t);
        let t = Instant::now();
        let m1 = mesh::run(&m.mesh, &pyr, mesh::Roi::from_detection(&s[0]))?;
        let t_mesh = ms(t);
        let t = Instant::now();
        let _lm = detect::landmarks::from_mesh(&m1, None, &pyr);
        let t_lm = ms(t);
        let t = Instant::now();
        let opts = idbooth::pipeline::detect_options(spec, Effort::Still);
        let a = detect::analyse(&pyr, &opts)?;
        let t_an = ms(t);
        let face = a.main.as_ref().unwrap();
        let t = Instant::now();
        let crop = idbooth::compose::solve(&face.landmarks, spec, pyr.width(), pyr.height()).unwrap();
        let t_solve = ms(t);
        let t = Instant::now();
        let out = idbooth::compose::render(&pyr, &crop, spec);
        let t_render = ms(t);
        let t = Instant::now();
        let mut mm = idbooth::measure::Measurements::default();
        let person = idbooth::measure::person_on_frame(a.mask.as_ref().unwrap(), &crop.transform, 390, 567);
        idbooth::measure::photographic(face, &crop.transform, &out, Some(&person), spec, &mut mm);
        let t_photo = ms(t);
        let inv = crop.transform.inverse();
        let t = Instant::now();
        let _o2 = pyr.warp(&inv, 390, 567);
        let t_w2 = ms(t);
        println!(
            "solve {t_solve:.1} render {t_render:.1} (again {t_w2:.1}, footprint {:.2}) photographic {t_photo:.1}",
            inv.scale
        );
        let t = Instant::now();
        let c = idbooth::pipeline::judge_analysis(&pyr, a, None, spec, Lang::En);
        let t_judge = ms(t);
        let t = Instant::now();
        let e = idbooth::export::encode_to_window(c.output.as_ref().unwrap(), 300, idbooth::export::size_window(spec))?;
        let t_enc = ms(t);
        println!(
            "decode {t_dec:.0} pyramid {t_pyr:.0} | short {t_short:.1} full {t_full:.1} mesh {t_mesh:.1} landmarks {t_lm:.1} | analyse {t_an:.0} judge {t_judge:.0} encode {t_enc:.0} (q{})",
            e.quality
        );
    }
    Ok(())
}

#[allow(dead_code)]
fn judge_parts() {}
