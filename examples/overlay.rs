//! Debug view: draws the mesh, the key landmarks and the person mask over a photo.
//! `cargo run --release --features tools --example overlay -- PHOTO OUT.png`

use idbooth::capture::load_photo;
use idbooth::detect::{self, DetectOptions, Effort};
use idbooth::geometry::Point;
use idbooth::pixels::Pyramid;
use image::Rgb;

fn dot(img: &mut image::RgbImage, p: Point, r: i32, c: Rgb<u8>) {
    for dy in -r..=r {
        for dx in -r..=r {
            let (x, y) = (p.x as i32 + dx, p.y as i32 + dy);
            if x >= 0 && y >= 0 && (x as u32) < img.width() && (y as u32) < img.height() {
                img.put_pixel(x as u32, y as u32, c);
            }
        }
    }
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let p = load_photo(args[1].as_ref())?;
    let pyr = Pyramid::new(p.image.clone(), 32);
    let a = detect::analyse(
        &pyr,
        &DetectOptions { min_score: 0.5, far_min_score: 0.6, second_face_min_size: 0.25, effort: Effort::Still },
    )?;
    let mut img = p.image.clone();
    if let Some(mask) = &a.mask {
        for y in 0..img.height() {
            for x in 0..img.width() {
                let v = mask.at(Point::new(x as f64 + 0.5, y as f64 + 0.5), 0.0);
                let px = img.get_pixel_mut(x, y);
                if std::env::var("MASK_ONLY").is_ok() {
                    *px = Rgb([(v * 255.0) as u8; 3]);
                } else {
                    px.0[2] = (px.0[2] as f32 * (1.0 - 0.5 * v) + 255.0 * 0.5 * v) as u8;
                }
            }
        }
    }
    let r = (img.width() / 400).max(1) as i32;
    for d in &a.faces {
        for k in d.keypoints {
            dot(&mut img, k, r + 1, Rgb([255, 128, 0]));
        }
    }
    if let Some(f) = &a.main {
        for i in 0..f.mesh.points.len() {
            dot(&mut img, f.mesh.p(i), (r / 2).max(1), Rgb([0, 255, 0]));
        }
        let lm = &f.landmarks;
        for (pt, c) in [
            (lm.left_pupil, Rgb([255, 0, 0])),
            (lm.right_pupil, Rgb([255, 0, 0])),
            (lm.chin, Rgb([255, 0, 255])),
            (lm.skull_top, Rgb([255, 255, 0])),
        ] {
            dot(&mut img, pt, r + 2, c);
        }
        if let Some(t) = lm.head_top.point() {
            dot(&mut img, t, r + 2, Rgb([0, 255, 255]));
        }
        println!("mesh score {:.3}", f.mesh.score);
        if let Some(m) = &a.mask {
            let d = &m.map.data;
            let mean = d.iter().sum::<f32>() / d.len() as f32;
            println!(
                "mask mean {mean:.3} min {:.3} max {:.3} region {:?}",
                d.iter().cloned().fold(1.0, f32::min),
                d.iter().cloned().fold(0.0, f32::max),
                m.map_to_photo()
            );
        }
    }
    println!("faces {}", a.faces.len());
    img.save(&args[2])?;
    Ok(())
}
