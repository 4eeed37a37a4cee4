//! Odd but valid photo files reach the pipeline upright and as 8-bit RGB.

use idbooth::capture::{decode_photo, load_photo};
use std::path::Path;

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

#[test]
fn exif_rotated_photos_are_turned_upright_before_detection() {
    let p = load_photo(&fixture("hopper_exif6.jpg")).unwrap();
    assert_eq!((p.width(), p.height()), (512, 600), "stored 600×512 with orientation 6");
    let c = crate::common::check(&p, "cn-exit-entry");
    let lm = c.report.landmarks.as_ref().unwrap();
    // Upright: the eyes are level-ish and above the chin.
    assert!(lm.chin[1] > lm.left_pupil[1] + 50.0);
}

#[test]
fn cmyk_grey_and_16_bit_photos_are_analysed() {
    let cmyk = load_photo(&fixture("hopper_cmyk.jpg")).unwrap();
    assert_eq!(crate::common::check(&cmyk, "cn-exit-entry").report.faces, 1);

    let rgb = crate::common::sample("grace_hopper.jpg").image;
    let grey = image::DynamicImage::ImageRgb8(rgb.clone()).to_luma8();
    let mut png = Vec::new();
    grey.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
    assert_eq!(crate::common::check(&decode_photo(&png).unwrap(), "cn-exit-entry").report.faces, 1);

    let deep = image::DynamicImage::ImageRgb8(rgb).to_rgb16();
    let mut png16 = Vec::new();
    image::DynamicImage::ImageRgb16(deep)
        .write_to(&mut std::io::Cursor::new(&mut png16), image::ImageFormat::Png)
        .unwrap();
    assert_eq!(crate::common::check(&decode_photo(&png16).unwrap(), "cn-exit-entry").report.faces, 1);
}

/// 1,200 damaged variants of real files (bytes flipped, cut, duplicated, headers scrambled):
/// every one is either decoded or refused with an error, never a panic or a hang.
#[test]
fn mutated_photo_files_never_panic_the_decoder() {
    let seeds = [
        std::fs::read(fixture("hopper_exif6.jpg")).unwrap(),
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples/astronaut.png")).unwrap(),
        std::fs::read(fixture("hopper_cmyk.jpg")).unwrap(),
    ];
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let (mut decoded, mut refused) = (0, 0);
    for i in 0..1200 {
        let mut b = seeds[i % seeds.len()].clone();
        let n = b.len() as u64;
        match next() % 4 {
            0 => {
                for _ in 0..1 + next() % 16 {
                    let at = (next() % n) as usize;
                    b[at] ^= 1 << (next() % 8);
                }
            }
            1 => b.truncate((next() % n) as usize),
            2 => {
                // Scramble a header byte (sizes, markers, chunk lengths live near the start).
                let at = (next() % 64.min(n)) as usize;
                b[at] = next() as u8;
            }
            _ => {
                let at = (next() % n) as usize;
                let len = (next() % 512) as usize;
                let chunk: Vec<u8> = b[at..(at + len).min(b.len())].to_vec();
                b.splice(at..at, chunk);
            }
        }
        match std::panic::catch_unwind(|| decode_photo(&b)) {
            Ok(Ok(_)) => decoded += 1,
            Ok(Err(_)) => refused += 1,
            Err(_) => panic!("mutation {i} panicked the decoder"),
        }
    }
    eprintln!("1200 mutations: {decoded} decoded, {refused} refused, 0 panics");
    assert!(refused > 100, "the mutations should damage many files ({refused} refused)");
}

#[test]
fn a_large_jpeg_opens_reduced_upright_and_remembers_its_full_size() {
    let bytes = std::fs::read(fixture("hopper_exif6.jpg")).unwrap();
    let full = decode_photo(&bytes).unwrap().image;
    // Stored 600×512: a short side of 512 allows 1/2 size for a minimum of 200 px, not 1/4.
    let p = idbooth::capture::decode_photo_reduced(bytes.clone().into(), 200).unwrap();
    assert_eq!(p.factor(), 2);
    assert_eq!((p.width(), p.height()), (256, 300), "upright, half size");
    assert_eq!(p.file_size(), (512, 600));
    // The same picture: the full decode averaged 2×2 matches the reduced one.
    let halved = idbooth::pixels::halve(&full);
    let diff: f64 = halved.as_raw().iter().zip(p.image.as_raw()).map(|(a, b)| a.abs_diff(*b) as f64).sum::<f64>()
        / halved.as_raw().len() as f64;
    assert!(diff < 3.0, "mean difference {diff:.2} levels");
    assert_eq!(p.finer.as_ref().unwrap().decode().unwrap(), full);
    // Too small to reduce, or not a JPEG: decoded whole, nothing kept.
    let q = idbooth::capture::decode_photo_reduced(bytes.into(), 300).unwrap();
    assert_eq!((q.factor(), q.width(), q.height()), (1, 512, 600));
    assert!(q.finer.is_none());
}
