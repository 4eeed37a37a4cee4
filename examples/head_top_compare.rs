//! Compare the hair top from the head-region mask (used by the crop) and from the refined
//! export-resolution matte against the colour-distance reference on plain-backdrop photos.
//! `cargo run --release --features tools --example head_top_compare -- DIR`
use idbooth::capture::load_photo;
use idbooth::compose::{background, render, solve};
use idbooth::detect::{self, Effort};
use idbooth::pixels::{Pyramid, delta_e, lab};
use idbooth::spec::SpecBook;

fn main() -> anyhow::Result<()> {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).unwrap());
    let book = SpecBook::builtin();
    let spec = book.get("cn-exit-entry")?;
    let mut files: Vec<_> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jpg"))
        .collect();
    files.sort();
    let (mut ec, mut er) = (Vec::new(), Vec::new());
    for f in &files {
        let pyr = Pyramid::new(load_photo(f)?.image, 32);
        let a = detect::analyse(&pyr, &idbooth::session::detect_options(spec, Effort::Still))?;
        let Some(face) = &a.main else { continue };
        let Some(top) = face.landmarks.head_top.point() else { continue };
        let crop = solve(&face.landmarks, spec, pyr.width(), pyr.height())?;
        let out = render(&pyr, &crop, spec);
        let matte = background::matte(
            &pyr,
            &crop.transform.inverse(),
            &out,
            Some(&background::Pockets::around(&face.landmarks, &crop.transform)),
        )?;
        let t = crop.transform;
        let coarse_y = t.apply(top).y;
        let mid = t.apply(face.landmarks.left_pupil).mid(t.apply(face.landmarks.right_pupil));
        let (w, _h) = (out.width() as usize, out.height() as usize);
        let x0 = (mid.x - 30.0).max(0.0) as usize;
        let x1 = ((mid.x + 30.0) as usize).min(w);
        // Reference: first row (from the top) where a pixel near the axis differs from the row's backdrop.
        let mut ref_y = None;
        let mut matte_y = None;
        for y in 0..mid.y as usize {
            let l = lab(out.get_pixel(2, y as u32).0);
            let r = lab(out.get_pixel(w as u32 - 3, y as u32).0);
            let bd = [0, 1, 2].map(|c| (l[c] + r[c]) / 2.0);
            if ref_y.is_none()
                && (x0..x1).filter(|&x| delta_e(lab(out.get_pixel(x as u32, y as u32).0), bd) > 10.0).count() >= 3
            {
                ref_y = Some(y as f64);
            }
            if matte_y.is_none() && (x0..x1).filter(|&x| matte.get(x, y) > 0.5).count() >= 3 {
                matte_y = Some(y as f64);
            }
        }
        if let (Some(r), Some(m)) = (ref_y, matte_y) {
            ec.push(coarse_y - r);
            er.push(m - r);
        }
    }
    let stat = |v: &Vec<f64>| {
        let abs: Vec<f64> = v.iter().map(|x| x.abs()).collect();
        (
            idbooth::geometry::median(v).unwrap(),
            idbooth::geometry::median(&abs).unwrap(),
            idbooth::geometry::percentile(&abs, 95.0).unwrap(),
        )
    };
    println!("n={} coarse (signed median, |median|, |p95|) = {:?}", ec.len(), stat(&ec));
    println!("      refined matte                      = {:?}", stat(&er));
    Ok(())
}
