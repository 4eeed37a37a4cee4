use idbooth::geometry::Similarity;
use idbooth::pixels::Pyramid;
use std::time::Instant;
fn main() {
    for (w, h) in [(600u32, 800u32), (3464, 4060)] {
        let img =
            image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x % 251) as u8, (y % 253) as u8, ((x + y) % 7) as u8]));
        let pyr = Pyramid::new(img, 32);
        for f in [1.0, 1.39] {
            let t = Similarity { scale: f, angle: 0.01, tx: 10.0, ty: 10.0 };
            std::hint::black_box(pyr.warp(&t, 390, 567));
            let s = Instant::now();
            for _ in 0..20 {
                std::hint::black_box(pyr.warp(&t, 390, 567));
            }
            println!("{w}x{h} footprint {f}: {:.2} ms", s.elapsed().as_secs_f64() * 50.0);
        }
    }
}
