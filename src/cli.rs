//! The command-line subcommands that need more than a few lines: export, eval, bench.

use std::path::{Path, PathBuf};
use std::time::Instant;

use idbooth::Lang;
use idbooth::approval::{self, Confirm, Policy, Role};
use idbooth::capture::photo::ANALYSIS_MIN_SIDE;
use idbooth::capture::{decode_photo, decode_photo_reduced, load_photo, open_photo};
use idbooth::cities;
use idbooth::compose::background::BackgroundChoice;
use idbooth::detect::{self, Effort};
use idbooth::export::{self, Applicant, Targets, pair};
use idbooth::geometry::median;
use idbooth::i18n::{fmt_value, tr};
use idbooth::judge::{Overall, RuleId, Status};
use idbooth::paths::shown;
use idbooth::pixels::Pyramid;
use idbooth::report::Report;
use idbooth::session::{self, JudgeOptions, Judgement, Session};
use idbooth::spec::{DEFAULT_SPEC, DocumentFit, Spec, SpecBook};

/// The bundled sample portrait (public domain; see assets/samples/README.md).
pub const SAMPLE: &[u8] = include_bytes!("../assets/samples/grace_hopper.jpg");

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["output", "out_dir"])))]
pub struct ExportArgs {
    /// The photo, or (with --out-dir) photos and folders of photos.
    #[arg(required = true)]
    pub(crate) photos: Vec<PathBuf>,
    /// Where to write the JPEG (one photo).
    #[arg(short, long)]
    pub(crate) output: Option<PathBuf>,
    /// Batch: export every photo that passes into this folder, skip the rest, and write a report
    /// with one line per input (JSON lines; see --report).
    #[arg(long, value_name = "DIR")]
    pub(crate) out_dir: Option<PathBuf>,
    /// Batch: where the report goes (default: OUT_DIR/report.jsonl).
    #[arg(long, value_name = "FILE", requires = "out_dir")]
    pub(crate) report: Option<PathBuf>,
    /// The spec to export to (`idbooth specs` lists them).
    #[arg(long, default_value = DEFAULT_SPEC)]
    pub(crate) spec: String,
    /// Where to write the JSON summary (default: beside the JPEG, same name, .json).
    #[arg(long, conflicts_with = "out_dir")]
    summary: Option<PathBuf>,
    /// Replace an existing export of the same name (the source photo is never written over).
    #[arg(long)]
    pub(crate) overwrite: bool,
    /// Background: auto (replace where the spec allows), keep, or an allowed colour name
    /// such as white or light-blue.
    #[arg(long, default_value = "auto")]
    background: BackgroundChoice,
    /// Rules a person has looked at and confirms (comma-separated ids, e.g. mouth_closed,yaw):
    /// needed for every rule that fails or needs a person.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub(crate) confirm: Vec<RuleId>,
    /// Who confirms (recorded in the summary with the time, as staff or as the applicant: see
    /// --role).
    #[arg(long, value_name = "NAME")]
    by: Option<String>,
    /// Whether --by is studio staff or the applicant checking their own photo (the summary and
    /// the slip say which): staff or applicant (default: staff where the studio settings' mode is
    /// counter or kiosk, else the applicant, as the window on a laptop).
    #[arg(long, value_name = "ROLE")]
    pub(crate) role: Option<Role>,
    /// Why a failed rule is overridden (required for failed rules).
    #[arg(long)]
    reason: Option<String>,
    /// Applicant's name (for the form summary).
    #[arg(long)]
    name: Option<String>,
    /// Document: passport, hk-macau-permit, taiwan-permit, resident-id-card, social-security-card, visa, other, or one a spec names (us-passport, schengen-visa, …; `idbooth specs --json`); it must be one the chosen --spec is for.
    #[arg(long)]
    document: Option<String>,
    /// City of application: a prefecture-level city (深圳, Shenzhen, 深圳市); a province alone is refused.
    #[arg(long)]
    city: Option<String>,
    /// Applicant's phone number (digits, spaces, +, - and parentheses).
    #[arg(long)]
    phone: Option<String>,
    /// Notes for the counter (recorded in the summary).
    #[arg(long)]
    notes: Option<String>,
    /// The kiosk's ticket number.
    #[arg(long)]
    ticket: Option<String>,
}

/// Exit code of one photo's outcome.
pub(crate) fn code(o: Overall) -> u8 {
    match o {
        Overall::Pass => 0,
        Overall::Fail => 1,
        Overall::NeedsPerson => 3,
    }
}

/// The worse of two exit codes: an error (2), then a failure (1), then needs-a-person (3).
pub(crate) fn worse(a: u8, b: u8) -> u8 {
    let rank = |c: u8| match c {
        2 => 3,
        1 => 2,
        3 => 1,
        _ => 0,
    };
    if rank(b) > rank(a) { b } else { a }
}

/// An allowed colour, or an error naming the allowed ones.
fn check_background(spec: &Spec, bg: &BackgroundChoice, lang: Lang) -> anyhow::Result<()> {
    if let BackgroundChoice::Color(name) = bg
        && spec.replace_allowed()
        && spec.background_color(name).is_none()
    {
        let names: Vec<&str> = spec.background.colors.iter().map(|c| c.name.as_str()).collect();
        let args = [("name", name.clone()), ("spec", spec.id.clone()), ("allowed", names.join(", "))];
        anyhow::bail!(tr(lang, "cli.bad_background", &args));
    }
    Ok(())
}

fn judged(path: &Path, spec: &Spec, bg: &BackgroundChoice) -> anyhow::Result<(Session, Judgement)> {
    let session = Session::new(open_photo(path)?, spec)?;
    let j = session.judge(spec, &JudgeOptions { background: bg.clone(), adjust: None });
    Ok((session, j))
}

pub fn check(photos: &[PathBuf], spec_id: &str, json: bool, bg: &BackgroundChoice, lang: Lang) -> anyhow::Result<u8> {
    let book = SpecBook::load();
    let spec = book.get(spec_id)?;
    check_background(spec, bg, lang)?;
    let mut worst = 0u8;
    for path in photos {
        let c = match judged(path, spec, bg) {
            Ok((session, j)) => {
                let r = Report::new(&session, &j, spec, lang);
                if json {
                    println!("{}", serde_json::to_string(&r)?);
                } else {
                    print_report(&r, spec, lang);
                }
                code(j.overall)
            }
            Err(e) => {
                let msg = idbooth::paths::escape(&format!("{e:#}"));
                if json {
                    println!(
                        "{}",
                        serde_json::json!({ "source": { "path": path.display().to_string() }, "error": msg })
                    );
                } else {
                    // Told in the reader's language (a file that cannot be opened, …).
                    eprintln!("{}: {}", shown(path), idbooth::paths::escape(&idbooth::i18n::error(&e, lang)));
                }
                2
            }
        };
        worst = worse(worst, c);
    }
    Ok(worst)
}

pub fn export(a: &ExportArgs, lang: Lang) -> anyhow::Result<u8> {
    let book = SpecBook::load();
    let spec = book.get(&a.spec)?;
    check_background(spec, &a.background, lang)?;
    // The booth's documents and those the specs name (us-passport, schengen-visa, …); one the
    // chosen spec is not for is refused with the spec that is.
    if let Some(d) = a.document.as_deref() {
        let booth = &idbooth::export::summary::DOCUMENTS;
        match book.document_fit(spec, d, booth) {
            DocumentFit::Fits => {}
            DocumentFit::OtherSpec(specs) => anyhow::bail!(tr(
                lang,
                "cli.document_other_spec",
                &[("document", d.to_string()), ("spec", spec.id.clone()), ("specs", specs.join(", "))]
            )),
            DocumentFit::Unknown => {
                let known = book.document_ids(booth).join(", ");
                anyhow::bail!(tr(lang, "cli.unknown_document", &[("document", d.to_string()), ("known", known)]));
            }
        }
    }
    // A confirmation without the name of who gives it is an incomplete command (exit 2), not a
    // photo that needs a person.
    if !a.confirm.is_empty() && a.by.as_deref().is_none_or(|b| b.trim().is_empty()) {
        anyhow::bail!(idbooth::i18n::release_error(&approval::ReleaseError::NoOperator, lang));
    }
    // Refuse a city the application would be rejected for before any slow part.
    let city = a.city.as_deref().map(cities::resolve).transpose().map_err(|e| anyhow::anyhow!(e.message(lang)))?;
    let city = city.map(|c| c.name.as_str());
    if let Some(phone) = a.phone.as_deref().filter(|p| !idbooth::export::summary::phone_ok(p)) {
        anyhow::bail!("{} ({phone})", tr(lang, "ui.form.bad_phone", &[]));
    }
    if let Some(dir) = &a.out_dir {
        return crate::cli_batch::export_all(a, spec, dir, city, lang);
    }
    let (Some(output), [photo]) = (&a.output, a.photos.as_slice()) else {
        anyhow::bail!(tr(lang, "cli.one_photo", &[]));
    };
    // The photo is written as JPEG: a name that says otherwise would be refused by an upload
    // form or opened as the wrong kind of file.
    let jpeg = output.extension().is_some_and(|e| e.eq_ignore_ascii_case("jpg") || e.eq_ignore_ascii_case("jpeg"));
    if !jpeg {
        anyhow::bail!(tr(lang, "cli.not_jpeg", &[("path", shown(&output.with_extension("jpg")))]));
    }
    let summary_path = a.summary.clone().unwrap_or_else(|| output.with_extension("json"));
    let targets =
        Targets { photo: output, summary: &summary_path, overwrite: a.overwrite, source: Some(photo), private: false };
    match export_one(a, spec, photo, &targets, city, lang, true)? {
        Exported::Written(saved) => {
            let args = [
                ("photo", shown(&saved.photo)),
                ("w", saved.summary.width_px.to_string()),
                ("h", saved.summary.height_px.to_string()),
                ("dpi", saved.encoded.dpi.to_string()),
                ("bytes", saved.encoded.size_bytes.to_string()),
                ("quality", saved.encoded.quality.to_string()),
                ("summary", shown(&saved.summary_path)),
            ];
            println!("{}", tr(lang, "cli.wrote", &args));
            // The window asks for these before an export; a script may leave them out, but the
            // counter's slip and the summary then lack them: say so.
            let a = &saved.summary.applicant;
            let missing: Vec<(String, &str)> = [
                ("ui.form.name", "--name", &a.name),
                ("ui.form.city", "--city", &a.city),
                ("ui.form.phone", "--phone", &a.phone),
            ]
            .into_iter()
            .filter(|(k, _, _)| {
                *k == "ui.form.name"
                    || match a.document.as_deref() {
                        Some(d) => export::summary::applied_in_a_city(d),
                        // No document named: the spec's own documents say what its form asks.
                        None => spec.documents.iter().any(|d| export::summary::applied_in_a_city(d)),
                    }
            })
            .filter(|(_, _, v)| v.as_deref().is_none_or(|v| v.trim().is_empty()))
            .map(|(k, flag, _)| (tr(lang, k, &[]), flag))
            .collect();
            if !missing.is_empty() {
                let fields =
                    missing.iter().map(|m| m.0.as_str()).collect::<Vec<_>>().join(&tr(lang, "ui.list_sep", &[]));
                let flags = missing.iter().map(|m| m.1).collect::<Vec<_>>().join(" ");
                println!("{}", tr(lang, "cli.form_missing", &[("fields", fields), ("flags", flags)]));
            }
            // The checklist above still says what failed; the export is released by a person.
            let c = &saved.summary.confirmations;
            if let Some(first) = c.first() {
                let rules = idbooth::i18n::rule_list(c.iter().map(|c| c.rule), lang);
                let key = if first.role == Role::Applicant { "cli.confirmed_self" } else { "cli.confirmed" };
                println!("{}", tr(lang, key, &[("by", first.by.clone()), ("rules", rules)]));
            }
            Ok(0)
        }
        Exported::Refused { overall, why, .. } => {
            eprintln!("idbooth: {why}");
            eprintln!("  {}", tr(lang, "cli.nothing_written", &[]));
            Ok(code(overall))
        }
    }
}

/// What became of one photo.
pub(crate) enum Exported {
    Written(Box<export::Saved>),
    /// The release gate said no: nothing was written.
    Refused {
        overall: Overall,
        open: Vec<(RuleId, Status)>,
        why: String,
    },
}

/// Check one photo and export it through the release gate (the slow part after the target check).
pub(crate) fn export_one(
    a: &ExportArgs,
    spec: &Spec,
    photo: &Path,
    targets: &Targets,
    city: Option<&str>,
    lang: Lang,
    print: bool,
) -> anyhow::Result<Exported> {
    // Refuse a target that would lose data before the slow part.
    pair::check_targets(targets)?;
    let (session, j) = judged(photo, spec, &a.background)?;
    let report = Report::new(&session, &j, spec, lang);
    if print {
        print_report(&report, spec, lang);
    }
    // The command line fills in the role from the studio settings (`main`); never staff's
    // unless said.
    let role = a.role.unwrap_or(Role::Applicant);
    let confirm = Confirm { rules: a.confirm.clone(), by: a.by.clone(), reason: a.reason.clone(), role };
    let release = match approval::release(&j.verdicts, &confirm, &Policy::default(), &export::summary::now_local()) {
        Ok(r) => r,
        Err(e) => {
            let open = approval::to_confirm(&j.verdicts).iter().map(|v| (v.rule, v.status)).collect();
            return Ok(Exported::Refused { overall: j.overall, open, why: idbooth::i18n::release_error(&e, lang) });
        }
    };
    let composed = session.compose(&j, spec)?;
    let applicant = Applicant {
        name: a.name.clone(),
        document: a.document.clone(),
        city: city.map(String::from),
        phone: a.phone.clone(),
        notes: a.notes.clone(),
        ticket: a.ticket.clone(),
    };
    let serial = idbooth::serial::SerialCounter::default_location()?.next()?;
    let saved = export::save(&composed, &serial, &report, spec, &applicant, &release, targets)?;
    Ok(Exported::Written(Box::new(saved)))
}

pub fn print_report(r: &Report, spec: &Spec, lang: Lang) {
    let verdicts: Vec<_> = r.verdicts().cloned().collect();
    let src = r.source.path.as_deref().map(idbooth::paths::escape).unwrap_or_else(|| "photo".into());
    let how = serde_json::to_value(r.judged).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
    let header = [
        ("src", src),
        ("w", r.source.width.to_string()),
        ("h", r.source.height.to_string()),
        ("spec", r.spec.clone()),
        ("how", tr(lang, &format!("judged.{how}"), &[])),
    ];
    println!("{}", tr(lang, "judged.header", &header));
    if let Some(fill) = r.crop.as_ref().map(|c| c.bottom_fill_px).filter(|&f| f >= 1.0) {
        println!("  {}", tr(lang, "ui.bottom_fill", &[("px", format!("{fill:.0}"))]));
    }
    match (&r.background.replaced_with, &r.background.kept_because) {
        (Some(c), _) => {
            let name = idbooth::i18n::colour_name(spec, c, lang);
            println!("  {}", tr(lang, "background.replaced_with", &[("color", name)]));
        }
        (None, Some(why)) => {
            let why = tr(
                lang,
                &format!(
                    "background.{}",
                    serde_json::to_value(why).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
                ),
                &[],
            );
            println!("  {}", tr(lang, "background.kept", &[("why", why)]));
        }
        _ => {}
    }
    for rr in &r.rules {
        let v = &rr.verdict;
        // Fail bounds written tight as before ([≥0.1]); a person-check line as a phrase.
        let range = match idbooth::i18n::band_bound(v) {
            Some((band, false)) => format!("[{}]", band.replace(' ', "")),
            Some((_, true)) => format!("[{}]", idbooth::i18n::band_text(v, lang).unwrap_or_default()),
            None => String::new(),
        };
        let value = v.value.map(|x| fmt_value(x, v.min, v.max)).unwrap_or_else(|| "—".into());
        // Which of the rule's measurements the value and band are; rules that no crop can meet
        // together say so rather than "closer" and "back" (or "up" and "down") at once.
        let message = if let Some(key) = idbooth::judge::conflict_advice(&verdicts, v) {
            tr(lang, key, &[])
        } else {
            idbooth::i18n::with_measure(v, &rr.message, lang)
        };
        println!(
            "  {} {:<22} {:>8} {:<5} {:<14} {}",
            crate::mark(v.status),
            v.rule.as_str(),
            value,
            idbooth::i18n::unit_text(v.unit, lang),
            range,
            message
        );
    }
    // The open rules by what they are (failed, for a person, not measured), named by the ids
    // --confirm takes.
    let verdict = tr(lang, &format!("overall.{}", r.overall.as_str()), &[]);
    let groups = open_groups(&r.verdicts().map(|v| (v.rule, v.status)).collect::<Vec<_>>(), lang);
    if groups.is_empty() {
        println!("  => {verdict}");
    } else {
        println!("  => {verdict} — {}", groups.join(&tr(lang, "cli.group_sep", &[])));
    }
}

/// The open rules by what they are (failed, for a person, not measured): "fail: single_face",
/// "not checked: crown_margin, …" — a rule that could not be measured is not called failed.
pub(crate) fn open_groups(rules: &[(RuleId, Status)], lang: Lang) -> Vec<String> {
    [Status::Fail, Status::NeedsPerson, Status::NotChecked]
        .into_iter()
        .filter_map(|s| {
            let ids: Vec<RuleId> = rules.iter().filter(|r| r.1 == s).map(|r| r.0).collect();
            let name = serde_json::to_value(s).ok()?.as_str()?.to_string();
            let status = tr(lang, &format!("status.{name}"), &[]);
            let ids = (!ids.is_empty()).then(|| idbooth::i18n::rule_list(ids, lang))?;
            Some(tr(lang, "cli.group", &[("status", status), ("ids", ids)]))
        })
        .collect()
}

pub fn eval(dir: &Path, fit: bool, verbose: bool, max_pupil: Option<f64>, max_chin: Option<f64>) -> anyhow::Result<u8> {
    let t = Instant::now();
    let e = idbooth::eval::evaluate(dir)?;
    if verbose {
        for r in &e.results {
            let p = r.pupil_err_pct.map(|e| format!("{:5.2} {:5.2}", e[0], e[1])).unwrap_or_else(|| "  miss".into());
            let c = r
                .chin
                .map(|c| {
                    format!("{:5.2} ({:+.3} IPD down, {:+.1} % across)", c.err_pct(0.0), c.along_ipd, c.across_pct)
                })
                .unwrap_or_default();
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
        for (f, iou, pocket, kept) in &s.results {
            println!("{f:<14} IoU {iou:.4}  enclosed backdrop {:.2} %, kept {:.2} %", 100.0 * pocket, 100.0 * kept);
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
    println!(
        "enclosed backdrop around the head (gaps in hair): {:.3} % of the frame, kept as person {:.3} %; \
         person there given to the backdrop {:.3} %; photos keeping > 0.1 %: {:?}",
        100.0 * s.pocket_share,
        100.0 * s.pocket_kept_share,
        100.0 * s.pocket_removed_share,
        s.pockets_kept
    );
    Ok(0)
}

pub fn eval_leak(dir: &Path, verbose: bool, dump: Option<&Path>) -> anyhow::Result<u8> {
    let t = Instant::now();
    let book = SpecBook::builtin();
    if let Some(d) = dump {
        std::fs::create_dir_all(d)?;
    }
    let sets = idbooth::eval::leak(dir, book.get(DEFAULT_SPEC)?, dump)?;
    let pct = |v: Option<f64>| v.map(|v| format!("{:5.1}", 100.0 * v)).unwrap_or_else(|| "    —".into());
    if verbose {
        for s in &sets {
            for p in &s.photos {
                println!(
                    "{:<16} {:<26} magenta ΔE {:5.2} old {} %  white ΔE {:5.2}  floor {:5.2}  cut {} %",
                    s.name,
                    p.file,
                    p.magenta.mean_de,
                    pct(Some(p.magenta.old_share)),
                    p.white.mean_de,
                    p.floor,
                    pct(p.cut)
                );
            }
        }
    }
    println!("edge leak: ΔE (CIE76) of edge pixels from the ideal composite α·F + (1−α)·B_new; old: % of edge");
    println!("pixels closer to the old backdrop than to it; floor: the unedited frame over its own backdrop;");
    println!("cut: % of the reference person below the chin given to the backdrop (plain backdrops only)");
    println!(
        "{:<16} {:>6} | {:>11} | {:>11} | {:>11} | {:>6} | {:>15} | worst ΔE, worst cut",
        "set", "photos", "magenta ΔE", "old %", "white ΔE", "floor", "cut % (n)"
    );
    println!(
        "{:<16} {:>6} | {:>11} | {:>11} | {:>11} | {:>6} | {:>15} |",
        "", "", "med   p95", "med   p95", "med   p95", "med", "med   p95"
    );
    for s in &sets {
        let n = s.photos.iter().filter(|p| p.cut.is_some()).count();
        println!(
            "{:<16} {:>6} | {:5.2} {:5.2} | {} {} | {:5.2} {:5.2} | {:6.2} | {} {} ({n:>2}) | {} {:.2}, {} {}",
            s.name,
            s.photos.len(),
            s.magenta_de.median,
            s.magenta_de.p95,
            pct(Some(s.magenta_old.median)),
            pct(Some(s.magenta_old.p95)),
            s.white_de.median,
            s.white_de.p95,
            s.floor.median,
            pct(Some(s.cut.median).filter(|v| !v.is_nan())),
            pct(Some(s.cut.p95).filter(|v| !v.is_nan())),
            s.worst_de.0,
            s.worst_de.1,
            s.worst_cut.0,
            pct(Some(s.worst_cut.1).filter(|v| !v.is_nan())),
        );
    }
    println!("({:.1} s)", t.elapsed().as_secs_f64());
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
    let models = idbooth::detect::Models::get()?;
    println!("model load: {:.0} ms (once per process)", t.elapsed().as_secs_f64() * 1000.0);
    println!("runtime: {}", models.runtime);

    // Each net alone, one inference on one thread, and (on tract) its slowest operations.
    for net in models.nets() {
        let input = || vec![0.5f32; net.side * net.side * 3];
        let ms = time(runs * 3, || net.run(input()));
        let mut ops: Vec<(String, f64)> = Vec::new();
        for _ in 0..runs.max(1) {
            for (op, t) in net.profile(input())?.unwrap_or_default() {
                let kind = op.split_whitespace().next().unwrap_or_default().to_string();
                match ops.iter_mut().find(|(k, _)| *k == kind) {
                    Some(e) => e.1 += t,
                    None => ops.push((kind, t)),
                }
            }
        }
        ops.sort_by(|a, b| b.1.total_cmp(&a.1));
        let total: f64 = ops.iter().map(|o| o.1).sum();
        let top: Vec<String> =
            ops.iter().take(4).map(|(k, t)| format!("{k} {:.0} %", 100.0 * t / total.max(1e-9))).collect();
        let top = if top.is_empty() { String::new() } else { format!("  ({})", top.join(", ")) };
        println!("net {:<27} {}²: {ms:5.2} ms{top}", net.name, net.side);
    }

    // Live frame: 640×480, short-range detector + one mesh pass.
    let frame =
        image::imageops::resize(&letterbox(&portrait.image, 4, 3), 640, 480, image::imageops::FilterType::Triangle);
    let live = session::detect_options(spec, Effort::Live);
    let fp = Pyramid::new(frame.clone(), 32);
    // On the pool, as the live view runs its frames (`session::on_pool`).
    let ms = time(runs, || session::on_pool(|| detect::analyse(&fp, &live)));
    println!("live frame 640×480, detection + landmarks: {ms:.1} ms");
    let ms = time(runs, || session::on_pool(|| detect::analyse(&Pyramid::new(frame.clone(), 32), &live)));
    println!("live frame 640×480, incl. pyramid:         {ms:.1} ms");
    live_tracking(&frame, spec, runs)?;

    // A 12 MP photo as a phone writes it, from JPEG bytes to the exported file's bytes.
    let jpeg = idbooth::capture::photo::camera_like_jpeg(&letterbox(&portrait.image, 4, 3), 4000, 3000)
        .map_err(anyhow::Error::msg)?;
    let ms = time(runs.min(5), || decode_photo(&jpeg));
    println!("12 MP decode ({:.1} MB JPEG, 4:2:0):         {ms:.0} ms", jpeg.len() as f64 / 1e6);
    // Opening a photo file decodes a large JPEG reduced (as `open_photo`): what the app runs.
    let jpeg: std::sync::Arc<[u8]> = jpeg.into();
    let open = || decode_photo_reduced(jpeg.clone(), ANALYSIS_MIN_SIDE);
    let ms = time(runs.min(5), open);
    let p12 = open()?;
    println!("12 MP decode as opened, 1/{} size:           {ms:.0} ms", p12.factor());
    let keep = JudgeOptions { background: BackgroundChoice::Keep, adjust: None };
    let auto = JudgeOptions::default();
    let export_ms = |opts: &JudgeOptions| {
        time(runs.min(5), || -> anyhow::Result<()> {
            let s = Session::new(open()?, spec)?;
            let j = s.judge(spec, opts);
            let c = s.compose(&j, spec)?;
            export::encode_for(&c.image, 300, export::size_window(spec), export::spec_quality(spec))?;
            Ok(())
        })
    };
    println!("12 MP JPEG bytes → checked, encoded file:  {:.0} ms (background replaced)", export_ms(&auto));
    println!("12 MP JPEG bytes → checked, encoded file:  {:.0} ms (background kept)", export_ms(&keep));
    // An open photo: switching spec re-judges from the session's cache; switching language
    // re-renders the texts only.
    let s = Session::new(p12, spec)?;
    let other = book.get("icao-35x45")?;
    let mut flip = false;
    let ms = time(runs, || {
        flip = !flip;
        s.judge(if flip { other } else { spec }, &auto)
    });
    println!("spec switch on an open 12 MP photo:        {ms:.1} ms (crop, unedited frame, measures, verdicts)");
    let j = s.judge(spec, &auto);
    if let (Some(face), Ok(crop), Some(frame)) = (&s.analysis.main, &j.crop, &j.frame) {
        let ms = time(runs.max(20), || {
            let mut m = idbooth::measure::Measurements::default();
            idbooth::measure::appearance(face, &crop.transform, frame, j.person.as_ref(), &mut m);
            m
        });
        println!("appearance rules (light, glasses, hair, ears, jewellery) on the frame: {ms:.2} ms");
        // Live frames have no person mask: headwear and jewellery are not measured there.
        let ms = time(runs.max(20), || {
            let mut m = idbooth::measure::Measurements::default();
            idbooth::measure::appearance(face, &crop.transform, frame, None, &mut m);
            m
        });
        println!("appearance rules as on a live frame (no mask): {ms:.2} ms");
        let ms = time(runs.max(20), || detect::blendshapes::estimate(&face.mesh, &face.landmarks));
        println!("expression model (blendshapes), in detection: {ms:.2} ms");
    }
    let ms = time(runs.max(100), || idbooth::report::render_rules(&j.verdicts, spec, Lang::Zh));
    println!("language switch (render every rule's text): {ms:.3} ms");
    Ok(0)
}

/// The live view's own path: a tracker over a stream of frames (the face moves a little
/// from frame to frame), the detector every 15th frame, then the checklist on each frame.
fn live_tracking(frame: &image::RgbImage, spec: &idbooth::spec::Spec, runs: usize) -> anyhow::Result<()> {
    let keep = JudgeOptions { background: BackgroundChoice::Keep, adjust: None };
    let opts = session::detect_options(spec, Effort::Live);
    let frames: Vec<image::RgbImage> =
        (0..15).map(|i| shifted(frame, (i % 5) as i64 - 2, (i % 3) as i64 - 1)).collect();
    let mut tracker = detect::Tracker::new(opts);
    // As many frames as MediaPipe's side of the comparison times (tools/bench): a few dozen
    // made the median swing by a millisecond between rounds on a shared machine.
    let n = (runs * 20).max(200);
    let (mut tracked, mut detected, mut whole) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..n {
        let img = frames[i % frames.len()].clone();
        // As the live view runs a frame: on the pool, whole (`session::on_pool`).
        let (step_ms, whole_ms) = session::on_pool(|| {
            let t = Instant::now();
            let pyr = Pyramid::lazy(img, 32);
            let a = tracker.step(&pyr)?;
            let step_ms = t.elapsed().as_secs_f64() * 1000.0;
            let judged = Session::from_analysis(std::sync::Arc::new(pyr), a, None).judge(spec, &keep);
            std::hint::black_box(&judged);
            Ok::<_, detect::VisionError>((step_ms, t.elapsed().as_secs_f64() * 1000.0))
        })?;
        whole.push(whole_ms);
        match tracker.last_step() {
            detect::Step::Tracked => tracked.push(step_ms),
            detect::Step::Detected => detected.push(step_ms),
        }
    }
    let med = |v: &[f64]| median(v).unwrap_or(f64::NAN);
    let p10 = |v: &[f64]| idbooth::geometry::percentile(v, 10.0).unwrap_or(f64::NAN);
    // The 10th percentile beside the median: on a shared machine it is the better estimate
    // of the unloaded time.
    println!(
        "live frame, tracking: {:.2} ms, p10 {:.2} (detector frames {:.1} ms, 1 in 15; incl. checklist {:.1} ms)",
        med(&tracked),
        p10(&tracked),
        med(&detected),
        med(&whole)
    );
    Ok(())
}

/// The frame moved by (dx, dy) pixels, edges repeated.
fn shifted(img: &image::RgbImage, dx: i64, dy: i64) -> image::RgbImage {
    let (w, h) = (img.width() as i64, img.height() as i64);
    image::RgbImage::from_fn(img.width(), img.height(), |x, y| {
        *img.get_pixel((x as i64 - dx).clamp(0, w - 1) as u32, (y as i64 - dy).clamp(0, h - 1) as u32)
    })
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

/// Chinese where the system's `LANG` is Chinese (zh_CN.UTF-8, …); None otherwise.
pub fn system_lang() -> Option<Lang> {
    std::env::var("LANG").is_ok_and(|l| l.starts_with("zh")).then_some(Lang::Zh)
}

/// The language of the command line's messages: `--lang`, else the system's, else English.
pub fn reader_lang(given: Option<Lang>) -> Lang {
    given.or_else(system_lang).unwrap_or(Lang::En)
}

/// `--lang` as the process's arguments give it, before they are parsed (the help and the
/// argument errors are in that language).
pub fn given_lang() -> Option<Lang> {
    // Arguments that are not Unicode (a file name in another encoding) cannot name a language.
    let args: Vec<String> = std::env::args_os().filter_map(|a| a.into_string().ok()).collect();
    args.iter()
        .position(|a| a == "--lang")
        .and_then(|i| args.get(i + 1).map(String::as_str))
        .or_else(|| args.iter().find_map(|a| a.strip_prefix("--lang=")))
        .and_then(|l| l.parse::<Lang>().ok())
}

/// A command line clap could not read. Help and version print as clap renders them (the help
/// in the reader's language, `cli_help`); an error for a reader of Chinese (`reader_lang`) leads
/// with what is wrong in Chinese, then clap's own text (its usage line and suggestions).
/// Exit status 2.
pub fn argument_error(e: clap::Error) -> std::process::ExitCode {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if reader_lang(given_lang()) != Lang::Zh || matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        e.exit();
    }
    let context = |k: ContextKind| match e.get(k) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(v)) => v.join(", "),
        _ => String::new(),
    };
    let (arg, value) = (context(ContextKind::InvalidArg), context(ContextKind::InvalidValue));
    let key = match e.kind() {
        ErrorKind::UnknownArgument => "cli.arg_unknown",
        ErrorKind::InvalidSubcommand => "cli.arg_subcommand",
        ErrorKind::InvalidValue if value.is_empty() => "cli.arg_no_value",
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => "cli.arg_value",
        ErrorKind::MissingRequiredArgument => "cli.arg_missing",
        ErrorKind::ArgumentConflict => "cli.arg_conflict",
        _ => "cli.arg_other",
    };
    let args = [("arg", arg), ("value", value), ("valid", context(ContextKind::ValidValue))];
    let mut text = tr(Lang::Zh, key, &args);
    if !args[2].1.is_empty() {
        text.push_str(&tr(Lang::Zh, "cli.arg_valid", &args));
    }
    eprintln!("idbooth: {text}\n{}\n", tr(Lang::Zh, "cli.arg_help", &[]));
    let _ = e.print();
    std::process::ExitCode::from(2)
}
