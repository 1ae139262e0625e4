//! A newcomer's first hour: what the README's first commands do on a fresh machine — a key
//! in a directory that does not exist yet, a register in one that does not, the cron check
//! while recipients still wait to be told, and the demo run without a user name.

mod support;

use support::{Register, TODAY, rekisteri, stderr, stdout};

#[test]
fn keygen_creates_the_missing_directories_readable_by_the_user_only() {
    let home = tempfile::tempdir().unwrap();
    let output = rekisteri(home.path(), TODAY)
        .args(["keygen", "-o", ".config/rekisteri/key.txt"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let key = home.path().join(".config/rekisteri/key.txt");
    assert!(key.is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&key), 0o600);
        assert_eq!(mode(&home.path().join(".config/rekisteri")), 0o700);
        assert_eq!(mode(&home.path().join(".config")), 0o700);
    }
}

#[test]
fn init_in_a_missing_directory_names_the_directory_and_says_what_to_do() {
    let home = tempfile::tempdir().unwrap();
    let keygen = rekisteri(home.path(), TODAY)
        .args(["keygen", "-o", "key.txt"])
        .output()
        .unwrap();
    assert!(keygen.status.success());
    let output = rekisteri(home.path(), TODAY)
        .args(["-i", "key.txt", "-f", "rekisteri/register.age", "init"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(66));
    let err = stderr(&output);
    assert!(
        err.starts_with("rekisteri: error: rekisteri: the directory does not exist"),
        "{err}"
    );
    assert!(err.contains("hint: create it first") && err.contains("mkdir -p -m 700 rekisteri"));
    assert!(!err.contains(".lock"), "{err}");
    assert!(!home.path().join("rekisteri").exists());
}

#[test]
fn the_quiet_cron_check_says_so_while_recipients_wait_to_be_told() {
    let register = Register::new();
    let id = register.add(&["--name", "Henkilö", "--email", "h@example.fi"]);
    let quiet = ["audit", "deadlines", "--quiet"];
    let output = register.run(&quiet);
    assert_eq!(output.status.code(), Some(0));
    assert!(stderr(&output).is_empty() && stdout(&output).is_empty());
    register.ok(&[
        "record",
        &id,
        "disclosure",
        "--recipient",
        "tilitoimisto",
        "--fields",
        "name",
    ]);
    let told = register.run(&[
        "correct",
        &id,
        "--set",
        "name=Henkilö H",
        "--reason",
        "typo",
    ]);
    assert!(stderr(&told).contains("1 recipient notification task(s) created"));
    let output = register.run(&quiet);
    assert_eq!(output.status.code(), Some(0), "a new task is not overdue");
    assert!(
        stderr(&output).contains("1 recipient notification task(s) open (Art. 19)"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn the_demo_without_a_user_name_warns_and_ends_with_something_to_try() {
    let cwd = tempfile::tempdir().unwrap();
    let output = rekisteri(cwd.path(), TODAY)
        .env_remove("USER")
        .env_remove("REKISTERI_ACTOR")
        .arg("demo")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("the steps act as `demo`"), "it says who acts");
    assert!(!text.contains("┆ unknown "), "no step acts as `unknown`");
    // A request is still open when the deadline check runs, so it shows a row.
    let check = text
        .split("audit deadlines\n")
        .last()
        .expect("the demo runs the deadline check");
    assert!(check.contains("portability"), "{check}");
    assert!(check.contains("within-7-days"), "{check}");
    // It ends with commands the user can still run, not a file about to go away, and with
    // the documents it kept in the working directory.
    let ending: Vec<&str> = text.lines().rev().take(6).collect();
    assert!(
        ending
            .iter()
            .any(|l| l.contains("age -d") && l.contains("~/rekisteri/register.age")),
        "{ending:#?}"
    );
    let kept = cwd.path().join("rekisteri-demo").canonicalize().unwrap();
    assert!(
        text.lines()
            .last()
            .unwrap_or_default()
            .ends_with(&kept.join("notice.html").display().to_string()),
        "{ending:#?}"
    );
    assert!(!text.contains("$DEMO/key.txt $DEMO/register.age | jq"));
}

#[test]
fn man_writes_one_page_per_command_into_a_directory() {
    let home = tempfile::tempdir().unwrap();
    let output = rekisteri(home.path(), TODAY)
        .args(["man", "share/man/man1"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let dir = home.path().join("share/man/man1");
    for page in [
        "rekisteri.1",
        "rekisteri-add.1",
        "rekisteri-request-open.1",
        "rekisteri-audit-deadlines.1",
        "rekisteri-describe.1",
    ] {
        let text = std::fs::read_to_string(dir.join(page)).unwrap_or_default();
        assert!(text.starts_with(".ie"), "{page} is a roff page");
    }
    assert!(
        !dir.join("rekisteri-generate.1").exists(),
        "hidden commands get no page"
    );
    // Without a directory, the main page goes to stdout as before.
    let output = rekisteri(home.path(), TODAY).arg("man").output().unwrap();
    assert!(stdout(&output).contains("rekisteri"));
}

/// Every visible command, with its path after `rekisteri`.
fn commands(command: &clap::Command, path: &str, out: &mut Vec<(String, clap::Command)>) {
    out.push((path.to_owned(), command.clone()));
    // clap's own `help` subcommands are left out.
    for sub in command
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        let sub_path = format!("{path} {}", sub.get_name()).trim().to_owned();
        commands(sub, &sub_path, out);
    }
}

#[test]
fn every_command_has_an_example_and_every_flag_a_description() {
    let mut root = rekisteri::cli::command();
    root.build();
    let mut all = Vec::new();
    commands(&root, "", &mut all);
    assert!(all.len() > 40, "{} commands", all.len());
    let mut missing = Vec::new();
    for (path, command) in &all {
        let after = command
            .get_after_help()
            .map(|h| h.to_string())
            .unwrap_or_default();
        if !after.starts_with("Examples:\n  rekisteri") {
            missing.push(format!("`{path}` has no example"));
        }
        for arg in command.get_arguments() {
            let id = arg.get_id().as_str();
            if matches!(id, "help" | "version") {
                continue;
            }
            if arg.get_help().is_none() && arg.get_long_help().is_none() {
                missing.push(format!("`{path}`: `{id}` has no description"));
            }
            let global = ["file", "identity", "format", "actor", "today"].contains(&id);
            let heading = arg.get_help_heading();
            if global != (heading == Some("Global options")) {
                missing.push(format!("`{path}`: `{id}` is under the heading {heading:?}"));
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn the_examples_run_the_commands_they_are_shown_for() {
    // Each example line parses as the command it illustrates (so a renamed flag shows up).
    let root = rekisteri::cli::command();
    for (path, text) in rekisteri::cli::examples::EXAMPLES {
        for line in text.lines() {
            let argv = shell_words(line);
            assert_eq!(argv[0], "rekisteri", "{line}");
            let matches = root.clone().try_get_matches_from(&argv);
            let ok = match &matches {
                Ok(_) => true,
                Err(e) => e.kind() == clap::error::ErrorKind::DisplayHelp,
            };
            assert!(ok, "`{line}` (for `{path}`): {:?}", matches.err());
            let words: Vec<&str> = path.split(' ').filter(|w| !w.is_empty()).collect();
            let mut position = 1;
            for word in &words {
                while position < argv.len() && argv[position] != *word {
                    position += 1;
                }
                assert!(
                    position < argv.len(),
                    "`{line}` is not an example of `{path}`"
                );
            }
        }
    }
}

/// Splits a shell line on spaces, keeping double-quoted words together.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ' ' if !quoted => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            '>' if !quoted => break,
            _ => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}
