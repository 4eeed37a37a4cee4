//! Odd but valid photo files reach the pipeline upright and as 8-bit RGB.

mod common;

use idbooth::capture::{decode_photo, load_photo};
use std::path::Path;

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

#[test]
fn exif_rotated_photos_are_turned_upright_before_detection() {
    let p = load_photo(&fixture("hopper_exif6.jpg")).unwrap();
    assert_eq!((p.width(), p.height()), (512, 600), "stored 600×512 with orientation 6");
    let c = common::check(&p, "cn-exit-entry");
    let lm = c.report.landmarks.as_ref().unwrap();
    // Upright: the eyes are level-ish and above the chin.
    assert!(lm.chin[1] > lm.left_pupil[1] + 50.0);
}

#[test]
fn cmyk_grey_and_16_bit_photos_are_analysed() {
    let cmyk = load_photo(&fixture("hopper_cmyk.jpg")).unwrap();
    assert_eq!(common::check(&cmyk, "cn-exit-entry").report.faces, 1);

    let rgb = common::sample("grace_hopper.jpg").image;
    let grey = image::DynamicImage::ImageRgb8(rgb.clone()).to_luma8();
    let mut png = Vec::new();
    grey.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
    assert_eq!(common::check(&decode_photo(&png).unwrap(), "cn-exit-entry").report.faces, 1);

    let deep = image::DynamicImage::ImageRgb8(rgb).to_rgb16();
    let mut png16 = Vec::new();
    image::DynamicImage::ImageRgb16(deep)
        .write_to(&mut std::io::Cursor::new(&mut png16), image::ImageFormat::Png)
        .unwrap();
    assert_eq!(common::check(&decode_photo(&png16).unwrap(), "cn-exit-entry").report.faces, 1);
}
