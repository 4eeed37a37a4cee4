//! `idbooth eval --rules LABELS.toml…`: the appearance rules against hand labels. A label file
//! names a folder of photos (relative to the label file; the photos stay in ../shared) and what
//! each rule should say: `ok` (pass or warn), `fail`, or nothing (not labelled). Prints, per
//! rule, how often it was right where it decided, how often it sent a photo to a person, and
//! its false alarms on the sets marked `clean`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use idbooth::capture::load_photo;
use idbooth::judge::{RuleId, Status};
use idbooth::session::{JudgeOptions, Session};
use idbooth::spec::SpecBook;
use rayon::prelude::*;
use serde::Deserialize;

/// The rules issue 11 added or rebuilt, in table order: the expression and appearance rules
/// (eyes to reflection in `RuleId::ALL`), less exposure, which is a lighting level, not a fault.
fn rules() -> impl Iterator<Item = RuleId> {
    let all = RuleId::ALL.iter().copied();
    all.skip_while(|r| *r != RuleId::EyesOpen)
        .take_while(|r| *r != RuleId::BackgroundUniformity)
        .filter(|r| *r != RuleId::Exposure)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LabelFile {
    /// Folder of the photos, relative to the label file.
    dir: PathBuf,
    spec: String,
    /// Photos of people without accessories, evenly lit, neutral: every `ok` label here that
    /// fails is a false alarm.
    #[serde(default)]
    clean: bool,
    /// Expected outcome of each rule for every photo in the folder.
    #[serde(default)]
    default: BTreeMap<RuleId, Expect>,
    /// Per photo: overrides (`"-"` removes a default label).
    #[serde(default)]
    photos: BTreeMap<String, BTreeMap<RuleId, Expect>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
enum Expect {
    #[serde(rename = "ok")]
    Ok,
    #[serde(rename = "fail")]
    Fail,
    #[serde(rename = "-")]
    Unlabelled,
}

/// Each photo's name and its verdicts' (rule, status), or why it could not be judged.
type Judged = (String, anyhow::Result<Vec<(RuleId, Status)>>);

#[derive(Default)]
struct Tally {
    labelled: usize,
    right: usize,
    wrong: usize,
    person: usize,
    clean: usize,
    false_alarms: usize,
    clean_person: usize,
    misses: Vec<String>,
}

pub fn eval_rules(files: &[PathBuf], verbose: bool) -> anyhow::Result<u8> {
    let book = SpecBook::load();
    let mut tallies: BTreeMap<RuleId, Tally> = BTreeMap::new();
    let mut photos_seen = 0;
    for file in files {
        let text = std::fs::read_to_string(file)?;
        let labels: LabelFile = toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
        let dir = file.parent().unwrap_or(Path::new(".")).join(&labels.dir);
        if !dir.is_dir() {
            println!("SKIPPED {}: {} is not there", file.display(), dir.display());
            continue;
        }
        let spec = book.get(&labels.spec)?;
        let mut photos: Vec<PathBuf> = std::fs::read_dir(&dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "jpg" || x == "png"))
            .collect();
        photos.sort();
        let results: Vec<Judged> = photos
            .par_iter()
            .map(|p| {
                let name = p.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
                let outcome = (|| {
                    let s = Session::new(load_photo(p)?, spec)?;
                    let j = s.judge(spec, &JudgeOptions::default());
                    Ok(j.verdicts.iter().map(|v| (v.rule, v.status)).collect())
                })();
                (name, outcome)
            })
            .collect();
        for (name, outcome) in results {
            photos_seen += 1;
            let verdicts = outcome.map_err(|e| anyhow::anyhow!("{name}: {e:#}"))?;
            for rule in rules() {
                let expect = labels
                    .photos
                    .get(&name)
                    .and_then(|o| o.get(&rule))
                    .or_else(|| labels.default.get(&rule))
                    .copied()
                    .unwrap_or(Expect::Unlabelled);
                // A rule the spec does not define is not judged here.
                let Some(&(_, status)) = verdicts.iter().find(|v| v.0 == rule) else { continue };
                if expect == Expect::Unlabelled {
                    continue;
                }
                let t = tallies.entry(rule).or_default();
                t.labelled += 1;
                let clean = labels.clean && expect == Expect::Ok;
                t.clean += clean as usize;
                match (expect, status) {
                    (_, Status::NeedsPerson | Status::NotChecked) => {
                        t.person += 1;
                        t.clean_person += clean as usize;
                    }
                    (Expect::Ok, Status::Pass | Status::Warn) | (Expect::Fail, Status::Fail) => t.right += 1,
                    _ => {
                        t.wrong += 1;
                        t.false_alarms += clean as usize;
                        t.misses.push(format!("{}:{name}", labels.dir.display()));
                    }
                }
            }
        }
    }
    println!("{photos_seen} photos; right = of the photos the rule decided; person = sent to a person");
    println!("| rule | labelled | right | person | false alarms (clean) | person (clean) |");
    println!("|---|---|---|---|---|---|");
    let pct =
        |a: usize, b: usize| if b == 0 { "–".to_string() } else { format!("{:.1} %", 100.0 * a as f64 / b as f64) };
    for rule in rules() {
        let Some(t) = tallies.get(&rule) else { continue };
        println!(
            "| {rule} | {} | {} ({}/{}) | {} | {} ({}/{}) | {} |",
            t.labelled,
            pct(t.right, t.right + t.wrong),
            t.right,
            t.right + t.wrong,
            pct(t.person, t.labelled),
            pct(t.false_alarms, t.clean),
            t.false_alarms,
            t.clean,
            pct(t.clean_person, t.clean),
        );
    }
    if verbose {
        for (rule, t) in &tallies {
            if !t.misses.is_empty() {
                println!("{rule} wrong on: {}", t.misses.join(", "));
            }
        }
    }
    Ok(0)
}
