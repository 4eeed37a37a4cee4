//! The command-line subcommands that need more than a few lines: export, eval, bench.

use std::path::{Path, PathBuf};
use std::time::Instant;

use idbooth::Lang;
use idbooth::capture::{decode_photo, load_photo};
use idbooth::detect::{self, Effort};
use idbooth::export::{self, Applicant};
use idbooth::geometry::median;
use idbooth::i18n::tr;
use idbooth::judge::Status;
use idbooth::pipeline::{self, Report};
use idbooth::pixels::Pyramid;
use idbooth::spec::{DEFAULT_SPEC, SpecBook};

/// The bundled sample portrait (public domain; see assets/samples/README.md).
pub const SAMPLE: &[u8] = include_bytes!("../assets/samples/grace_hopper.jpg");

#[derive(clap::Args)]
pub struct ExportArgs {
    photo: PathBuf,
    /// Where to write the JPEG.
    #[arg(short, long)]
    output: PathBuf,
    #[arg(long, default_value = DEFAULT_SPEC)]
    spec: String,
    /// Where to write the JSON summary (default: beside the JPEG, same name, .json).
    #[arg(long)]
    summary: Option<PathBuf>,
    /// Background: auto (replace where the spec allows), keep, or an allowed colour name
    /// such as white or light-blue.
    #[arg(long, default_value = "auto")]
    background: idbooth::compose::background::BackgroundChoice,
    /// Refuse to write anything when a rule fails.
    #[arg(long)]
    strict: bool,
    /// Applicant's name (for the form summary).
    #[arg(long)]
    name: Option<String>,
    /// Document: passport, hk-macau-permit, taiwan-permit or other.
    #[arg(long)]
    document: Option<String>,
    /// City of application.
    #[arg(long)]
    city: Option<String>,
    #[arg(long)]
    phone: Option<String>,
    #[arg(long)]
    notes: Option<String>,
}

pub fn export(a: &ExportArgs, lang: Lang) -> anyhow::Result<u8> {
    let book = SpecBook::load();
    let spec = book.get(&a.spec)?;
    let checked = pipeline::check_with(load_photo(&a.photo)?, spec, lang, &a.background)?;
    let r = &checked.report;
    print_report(r, lang);
    let Some(out) = &checked.output else {
        anyhow::bail!("nothing exported: {}", r.problem.clone().unwrap_or_default());
    };
    if a.strict && !r.passed {
        anyhow::bail!("nothing exported (--strict): a rule failed");
    }
    let summary = a.summary.clone().unwrap_or_else(|| a.output.with_extension("json"));
    let applicant = Applicant {
        name: a.name.clone(),
        document: a.document.clone(),
        city: a.city.clone(),
        phone: a.phone.clone(),
        notes: a.notes.clone(),
        override_reason: None,
    };
    let saved = export::save(out, r, spec, &applicant, &a.output, &summary)?;
    println!(
        "wrote {} ({}×{} px, {} dpi, {} bytes, JPEG quality {}) and {}",
        saved.photo.display(),
        out.width(),
        out.height(),
        saved.encoded.dpi,
        saved.encoded.size_bytes,
        saved.encoded.quality,
        saved.summary.display()
    );
    Ok(if r.passed { 0 } else { 1 })
}

pub fn print_report(r: &Report, lang: Lang) {
    let src = r.source.path.as_deref().unwrap_or("photo");
    println!("{src}: {}×{} px, spec {}, judged {:?}", r.source.width, r.source.height, r.spec, r.judged);
    if let Some(p) = &r.problem {
        println!("  !! {p}");
    }
    match (&r.background.replaced_with, &r.background.kept_because) {
        (Some(c), _) => println!("  background replaced with {c} before judging"),
        (None, Some(why)) => println!("  background judged as photographed: {why}"),
        _ => {}
    }
    if let Some(t) = &r.tone {
        let wb = t.white_balance.map(|g| format!("{g:.3}")).join("/");
        println!("  tone: exposure {:+.2} EV, white balance R/G/B ×{wb}", t.exposure_ev);
    }
    for v in &r.rules {
        let range = match (v.min, v.max) {
            (Some(a), Some(b)) => format!("[{a}–{b}]"),
            (Some(a), None) => format!("[≥{a}]"),
            (None, Some(b)) => format!("[≤{b}]"),
            _ => String::new(),
        };
        let value = v.value.map(|x| format!("{x}")).unwrap_or_else(|| "—".into());
        println!("  {} {:<22} {:>8} {:<5} {:<14} {}", crate::mark(v.status), v.id, value, v.unit, range, v.message);
    }
    let fails = r.rules.iter().filter(|v| v.status == Status::Fail).count();
    let verdict =
        if r.passed { tr(lang, "status.pass", &[]) } else { format!("{} ×{fails}", tr(lang, "status.fail", &[])) };
    println!("  => {verdict}");
}

pub fn eval(dir: &Path, fit: bool, verbose: bool, max_pupil: Option<f64>, max_chin: Option<f64>) -> anyhow::Result<u8> {
    let t = Instant::now();
    let e = idbooth::eval::evaluate(dir)?;
    if verbose {
        for r in &e.results {
            let p = r.pupil_err_pct.map(|e| format!("{:5.2} {:5.2}", e[0], e[1])).unwrap_or_else(|| "  miss".into());
            let c = r.chin.map(|c| format!("{:5.2} ({:+.3} IPD)", c.err_pct(0.0), c.along_ipd)).unwrap_or_default();
            let pose = r.pose.map(|p| format!("yaw {:+5.1} pitch {:+5.1} roll {:+5.1}", p.yaw, p.pitch, p.roll));
            let top = r.head_top.and_then(|h| h.vs_reference_pct).map(|v| format!("hair top {v:+5.1} %"));
            println!(
                "{:<14} {:<12} pupils {p}  chin {c}  {}  {}",
                r.source,
                r.file,
                pose.unwrap_or_default(),
                top.unwrap_or_default()
            );
        }
    }
    println!(
        "{} photos in {} source(s), {:.1} s; errors in % of the true inter-pupil distance",
        e.results.len(),
        e.sources.len(),
        t.elapsed().as_secs_f64()
    );
    let st = |s: idbooth::eval::Stats| format!("{:5.2} {:5.2}", s.median, s.p95);
    let sp = |s: idbooth::eval::Spread| format!("{:+5.1} {:+5.1} {:+5.1}", s.p5, s.p50, s.p95);
    println!(
        "{:<16} {:>6} {:>6} | {:>11} | {:>11} {:>11} {:>11} {:>6} | {:>11}",
        "source", "photos", "misses", "pupils", "chin as-is", "chin 5-fold", "chin other", "bias", "skull |err|"
    );
    println!(
        "{:<16} {:>6} {:>6} | {:>11} | {:>11} {:>11} {:>11} {:>6} | {:>11}",
        "", "", "", "med   p95", "med   p95", "med   p95", "med   p95", "", "median"
    );
    for s in &e.sources {
        let other = s.chin_other_sources.map(st).unwrap_or_else(|| format!("{:>11}", "—"));
        println!(
            "{:<16} {:>6} {:>6} | {} | {} {} {} {:+6.2} | {:>11.1}",
            s.name,
            s.photos,
            s.misses,
            st(s.pupils),
            st(s.chin),
            st(s.chin_kfold),
            other,
            s.chin_bias_pct,
            s.skull_median_pct
        );
    }
    println!(
        "  chin as-is: shipped constants (fitted on all sources: in-sample); 5-fold: refitted without the photo's fold;"
    );
    println!(
        "  other: fitted on the other sources only; bias: median (truth − ours) down the face axis (+: ours too high)"
    );
    println!(
        "{:<16} | {:>17} | {:>17} | {:>17} | {:>17} || {:>17} {:>17}",
        "pose, degrees",
        "yaw p5 p50 p95",
        "pitch p5 p50 p95",
        "pitch (other src)",
        "roll p5 p50 p95",
        "hair top vs ref",
        "vs ref + strands"
    );
    for s in &e.sources {
        let po = s.pitch_other_sources.map(sp).unwrap_or_else(|| format!("{:>17}", "—"));
        println!(
            "{:<16} | {} | {} | {} | {} || {} {}",
            s.name,
            sp(s.yaw),
            sp(s.pitch),
            po,
            sp(s.roll),
            sp(s.head_top_signed),
            sp(s.head_top_vs_strands)
        );
    }
    for s in &e.sources {
        let h = s.head_top_vs_reference;
        println!("{:<16} | hair top |ours − reference|: median {:.2}  p95 {:.2} (% IPD)", s.name, h.median, h.p95);
    }
    println!("  hair top: ours − a colour-distance reference on the plain backdrop, % IPD (+: ours higher); the first");
    println!(
        "  applies the booth's hair rule to the reference, the second takes its topmost pixel, flyaway strands included"
    );
    if fit {
        for f in &e.fits {
            println!("fit: {} = {:.4} (shipped {:.4}); {}", f.constant, f.fitted, f.shipped, f.how);
        }
    }
    let worst = |f: fn(&idbooth::eval::SourceSummary) -> f64| e.sources.iter().map(f).fold(f64::NAN, f64::max);
    let bad = over(worst(|s| s.pupils.median), max_pupil) || over(worst(|s| s.chin_kfold.median), max_chin);
    Ok(u8::from(bad || e.sources.iter().any(|s| s.misses > 0)))
}

pub fn eval_matte(dir: &Path, verbose: bool) -> anyhow::Result<u8> {
    let t = Instant::now();
    let book = SpecBook::builtin();
    let s = idbooth::eval::matte_agreement(dir, book.get(DEFAULT_SPEC)?)?;
    if verbose {
        for (f, iou) in &s.results {
            println!("{f:<14} IoU {iou:.4}");
        }
    }
    println!(
        "photos {}  mean IoU {:.4}  worst {} ({:.4})  ({:.1} s)",
        s.photos,
        s.mean_iou,
        s.worst.0,
        s.worst.1,
        t.elapsed().as_secs_f64()
    );
    println!("hair cut off at the top (>20 % of the top rows missed): {:?}", s.hair_cut);
    Ok(0)
}

/// Is `v` above the limit (a NaN, from no measurement at all, counts as above)?
fn over(v: f64, limit: Option<f64>) -> bool {
    limit.is_some_and(|m| v.is_nan() || v > m)
}

/// Median wall time of `f` over `runs`.
fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> f64 {
    let mut v = Vec::new();
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        std::hint::black_box(f());
        v.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    median(&v).unwrap_or(f64::NAN)
}

pub fn bench(photo: Option<&Path>, runs: usize) -> anyhow::Result<u8> {
    let book = SpecBook::builtin();
    let spec = book.get(DEFAULT_SPEC)?;
    let portrait = match photo {
        Some(p) => load_photo(p)?,
        None => decode_photo(SAMPLE)?,
    };
    let t = Instant::now();
    idbooth::detect::Models::get()?;
    println!("model load: {:.0} ms (once per process)", t.elapsed().as_secs_f64() * 1000.0);

    // Live frame: 640×480, short-range detector + one mesh pass.
    let frame =
        image::imageops::resize(&letterbox(&portrait.image, 4, 3), 640, 480, image::imageops::FilterType::Triangle);
    let live = pipeline::detect_options(spec, Effort::Live);
    let fp = Pyramid::new(frame.clone(), 32);
    let ms = time(runs, || detect::analyse(&fp, &live));
    println!("live frame 640×480, detection + landmarks: {ms:.1} ms");
    let ms = time(runs, || detect::analyse(&Pyramid::new(frame.clone(), 32), &live));
    println!("live frame 640×480, incl. pyramid:         {ms:.1} ms");

    // A 12 MP photo, from JPEG bytes to the exported file's bytes.
    let big =
        image::imageops::resize(&letterbox(&portrait.image, 4, 3), 4000, 3000, image::imageops::FilterType::CatmullRom);
    let jpeg = export::encode_jpeg(&big, 92, 300)?;
    let ms = time(runs.min(5), || decode_photo(&jpeg));
    println!("12 MP decode:                              {ms:.0} ms");
    let p12 = decode_photo(&jpeg)?;
    let ms = time(runs.min(5), || -> anyhow::Result<()> {
        let c = pipeline::check(&p12, spec, Lang::En)?;
        let out = c.output.ok_or_else(|| anyhow::anyhow!("no crop"))?;
        export::encode_to_window(&out, 300, export::size_window(spec))?;
        Ok(())
    });
    println!("12 MP decoded photo → checked, encoded file: {ms:.0} ms");
    let ms = time(runs.min(5), || -> anyhow::Result<()> {
        let p = decode_photo(&jpeg)?;
        let c = pipeline::check_owned(p, spec, Lang::En)?;
        let out = c.output.ok_or_else(|| anyhow::anyhow!("no crop"))?;
        export::encode_to_window(&out, 300, export::size_window(spec))?;
        Ok(())
    });
    println!("12 MP JPEG bytes → checked, encoded file:  {ms:.0} ms (background replaced)");
    let keep = idbooth::compose::background::BackgroundChoice::Keep;
    let ms = time(runs.min(5), || -> anyhow::Result<()> {
        let c = pipeline::check_with(decode_photo(&jpeg)?, spec, Lang::En, &keep)?;
        let out = c.output.ok_or_else(|| anyhow::anyhow!("no crop"))?;
        export::encode_to_window(&out, 300, export::size_window(spec))?;
        Ok(())
    });
    println!("12 MP JPEG bytes → checked, encoded file:  {ms:.0} ms (background kept)");
    Ok(0)
}

/// Pad an image with its edge colour to the aspect `aw:ah` (camera frames are 4:3).
fn letterbox(img: &image::RgbImage, aw: u32, ah: u32) -> image::RgbImage {
    let (w, h) = (img.width(), img.height());
    let (nw, nh) = if w * ah >= h * aw { (w, w * ah / aw) } else { (h * aw / ah, h) };
    let (ox, oy) = ((nw - w) / 2, (nh - h) / 2);
    image::RgbImage::from_fn(nw, nh, |x, y| {
        let sx = x.saturating_sub(ox).min(w - 1);
        let sy = y.saturating_sub(oy).min(h - 1);
        *img.get_pixel(sx, sy)
    })
}
