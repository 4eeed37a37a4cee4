//! The command line's own help in the reader's language. The English texts are the doc
//! comments clap reads from `main.rs` and the argument structs; the Chinese ones are the
//! `[help]` table of `assets/locales/zh.toml`, keyed by command and argument id
//! (`help.export.city`; `help.common.lang` for an argument every command shares), and laid
//! over the built command tree, with clap's own words (headings, `--help`, `help`) beside them.

use clap::{Arg, ArgAction, Command, CommandFactory, FromArgMatches};
use idbooth::Lang;
use idbooth::i18n::{has, tr};

/// Parse the process's arguments, with help and errors rendered for `lang`.
pub fn parse<A: CommandFactory + FromArgMatches>(lang: Lang) -> Result<A, clap::Error> {
    let mut cmd = command::<A>(lang);
    let matches = cmd.try_get_matches_from_mut(std::env::args_os())?;
    A::from_arg_matches(&matches).map_err(|e| e.format(&mut cmd))
}

/// The command tree of `A`, its help texts in `lang`, built.
pub fn command<A: CommandFactory>(lang: Lang) -> Command {
    let mut cmd = A::command();
    if lang == Lang::Zh {
        // Before the build: it indexes the arguments, and `mut_arg` reorders them.
        cmd = localize(cmd, true);
    }
    cmd.build();
    if lang == Lang::Zh {
        // clap adds the `help` subcommand in the build (subcommands are found by name).
        let about = tr(Lang::Zh, "help.help.about", &[]);
        cmd = cmd.mut_subcommand("help", |c| c.about(about));
    }
    cmd
}

/// `cmd` and its subcommands in Chinese; `top` for the program itself.
fn localize(mut cmd: Command, top: bool) -> Command {
    let name = if top { "idbooth".to_string() } else { cmd.get_name().to_string() };
    let text = |key: &str| has(Lang::Zh, key).then(|| tr(Lang::Zh, key, &[]));
    if let Some(about) = text(&format!("help.{name}.about")) {
        cmd = cmd.about(about.clone()).long_about(text(&format!("help.{name}.long_about")).unwrap_or(about));
    }
    if let Some(after) = text(&format!("help.{name}.after_help")) {
        cmd = cmd.after_help(after.clone()).after_long_help(after);
    }
    // clap's own `--help` and `--version`, in our words.
    cmd = cmd.disable_help_flag(true).arg(Arg::new("help").short('h').long("help").action(ArgAction::Help));
    if top {
        cmd = cmd
            .disable_version_flag(true)
            .arg(Arg::new("version").short('V').long("version").action(ArgAction::Version));
    }
    let mut ids: Vec<(String, bool)> =
        cmd.get_arguments().map(|a| (a.get_id().to_string(), a.is_positional())).collect();
    // `mut_arg` moves an argument to the end, and headings are listed in argument order:
    // positionals first, so that "参数" comes before "选项" as "Arguments" before "Options".
    ids.sort_by_key(|(_, positional)| !positional);
    for (id, positional) in ids {
        let help = text(&format!("help.{name}.{id}")).or_else(|| text(&format!("help.common.{id}")));
        let heading = tr(Lang::Zh, if positional { "help.heading.arguments" } else { "help.heading.options" }, &[]);
        cmd = cmd.mut_arg(&id, |a| {
            let a = a.help_heading(heading);
            match help {
                Some(h) => a.help(h).long_help(None),
                None => a,
            }
        });
    }
    let subs: Vec<String> = cmd.get_subcommands().map(|s| s.get_name().to_string()).collect();
    for s in subs {
        cmd = cmd.mut_subcommand(&s, |c| localize(c, false));
    }
    let template = tr(Lang::Zh, "help.template", &[]);
    cmd.subcommand_help_heading(tr(Lang::Zh, "help.heading.commands", &[])).help_template(template)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every command and argument of the tree, as `(command, id)` (id None: the command).
    fn entries(cmd: &Command, name: &str, out: &mut Vec<(String, Option<String>)>) {
        out.push((name.to_string(), None));
        for a in cmd.get_arguments() {
            out.push((name.to_string(), Some(a.get_id().to_string())));
        }
        for s in cmd.get_subcommands() {
            entries(s, s.get_name(), out);
        }
    }

    /// The English tree, built, and its entries.
    fn english() -> (Command, Vec<(String, Option<String>)>) {
        let mut en = crate::Args::command();
        en.build();
        let mut all = Vec::new();
        entries(&en, "idbooth", &mut all);
        (en, all)
    }

    /// Every command and argument has an English help and a Chinese one (a new option without
    /// a translation fails here), and the Chinese help shows no English of ours.
    #[test]
    fn every_command_and_argument_is_explained_in_both_languages() {
        let (en, all) = english();
        let zh = command::<crate::Args>(Lang::Zh);
        let find = |c: &str| -> Command {
            if c == "idbooth" { zh.clone() } else { zh.find_subcommand(c).expect("the same tree").clone() }
        };
        let mut missing = Vec::new();
        for (c, id) in &all {
            let (en_cmd, zh_cmd) =
                (if c == "idbooth" { en.clone() } else { en.find_subcommand(c).unwrap().clone() }, find(c));
            let (e, z) = match id {
                None => (en_cmd.get_about().map(|s| s.to_string()), zh_cmd.get_about().map(|s| s.to_string())),
                Some(id) => {
                    let arg = |cmd: &Command| {
                        cmd.get_arguments()
                            .find(|a| a.get_id() == id.as_str())
                            .and_then(|a| a.get_help().map(|s| s.to_string()))
                    };
                    (arg(&en_cmd), arg(&zh_cmd))
                }
            };
            if e.is_none() || z.is_none() || z == e {
                missing.push(format!("{c} {id:?}: en {e:?}, zh {z:?}"));
            }
        }
        assert!(missing.is_empty(), "without help in both languages:\n{}", missing.join("\n"));
        let mut long = zh.clone();
        let rendered = long.render_long_help().to_string();
        for english in ["Usage:", "Options:", "Arguments:", "Commands:", "Print help", "Print version"] {
            assert!(!rendered.contains(english), "{english} in:\n{rendered}");
        }
        assert!(rendered.contains("用法") && rendered.contains("选项"), "{rendered}");
    }

    /// The `[help]` table names no command or argument that does not exist (a renamed option
    /// would otherwise silently fall back to English).
    #[test]
    fn the_chinese_help_names_only_what_exists() {
        let (_, all) = english();
        let table: toml::Table = include_str!("../assets/locales/zh.toml").parse().unwrap();
        let help = table["help"].as_table().unwrap();
        for (section, keys) in help {
            let Some(keys) = keys.as_table() else { continue };
            for key in keys.keys() {
                let known = match section.as_str() {
                    "heading" => true,
                    "common" => all.iter().any(|(_, id)| id.as_deref() == Some(key)),
                    c => {
                        ["about", "long_about", "after_help"].contains(&key.as_str())
                            && all.iter().any(|(n, id)| n == c && id.is_none())
                            || all.iter().any(|(n, id)| n == c && id.as_deref() == Some(key))
                    }
                };
                assert!(known, "help.{section}.{key} names nothing in the command tree");
            }
        }
    }
}
