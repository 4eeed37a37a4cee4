//! Before/after contact sheet of background replacement, to look at by eye:
//! `cargo run --release --features tools --example contact_sheet -- OUT.png PHOTO...` (e.g. the selfies and
//! azure photos in ../shared/testdata/photos). Each row: source frame kept, then replaced.

use idbooth::capture::load_photo;
use idbooth::compose::background::BackgroundChoice;
use idbooth::session::{JudgeOptions, Session};
use idbooth::spec::SpecBook;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (out, photos) = args.split_first().ok_or_else(|| anyhow::anyhow!("usage: contact_sheet OUT.png PHOTO..."))?;
    let book = SpecBook::builtin();
    let spec = book.get("cn-exit-entry")?;
    let (w, h) = (spec.width(), spec.height());
    let cols = 4u32; // two before/after pairs per row
    let rows = (photos.len() as u32).div_ceil(cols / 2);
    let mut sheet = image::RgbImage::from_pixel(w * cols, h * rows.max(1), image::Rgb([40, 40, 40]));
    for (i, path) in photos.iter().enumerate() {
        let (x, y) = ((i as u32 % (cols / 2)) * 2 * w, (i as u32 / (cols / 2)) * h);
        let session = Session::new(load_photo(path.as_ref())?, spec)?;
        let compose = |background| {
            let j = session.judge(spec, &JudgeOptions { background, adjust: None });
            session.compose(&j, spec).ok().map(|c| c.image)
        };
        match (compose(BackgroundChoice::Keep), compose(BackgroundChoice::Auto)) {
            (Some(b), Some(a)) => {
                image::imageops::replace(&mut sheet, &b, x as i64, y as i64);
                image::imageops::replace(&mut sheet, &a, (x + w) as i64, y as i64);
            }
            _ => eprintln!("{path}: no crop of the head fits this photo"),
        }
    }
    sheet.save(out)?;
    println!("wrote {out}");
    Ok(())
}
