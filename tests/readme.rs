//! The README's walkthrough runs as it is written. Every `console` block of README.md is a
//! sequence of `$ ` commands, each followed by lines it must print; this test runs them
//! one by one with `sh` in a fresh home directory holding a copy of `examples/`, with the
//! built binary first on `PATH`, and checks each exit code (0, or the `# exit N` written
//! after the command) and that each line shown is among the lines the command printed.

mod support;

use std::path::Path;
use std::process::Command;

use support::repo_file;

/// One command of a walkthrough and what it must do.
#[derive(Debug)]
struct Step {
    line: String,
    exit: i32,
    shows: Vec<String>,
}

/// The `$ ` commands of every ```console block.
fn steps(readme: &str) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    let mut inside = false;
    for line in readme.lines() {
        if line.trim_start().starts_with("```") {
            inside = line.trim() == "```console";
            continue;
        }
        if !inside {
            continue;
        }
        if let Some(command) = line.strip_prefix("$ ") {
            let exit = command
                .split_once("# exit ")
                .and_then(|(_, code)| {
                    code.split_whitespace()
                        .next()?
                        .trim_end_matches(':')
                        .parse()
                        .ok()
                })
                .unwrap_or(0);
            steps.push(Step {
                line: command.to_owned(),
                exit,
                shows: Vec::new(),
            });
        } else if !line.trim().is_empty()
            && let Some(step) = steps.last_mut()
        {
            step.shows.push(line.to_owned());
        }
    }
    steps
}

/// `export A=x B=~/y`: the variables, with `~` as the home directory.
fn exports(line: &str, home: &Path) -> Option<Vec<(String, String)>> {
    let rest = line.strip_prefix("export ")?;
    Some(
        rest.split_whitespace()
            .filter_map(|pair| pair.split_once('='))
            .map(|(name, value)| {
                let value = match value.strip_prefix("~/") {
                    Some(tail) => home.join(tail).display().to_string(),
                    None => value.to_owned(),
                };
                (name.to_owned(), value)
            })
            .collect(),
    )
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn tool_missing(name: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .map(|o| !o.status.success())
        .unwrap_or(true)
}

#[test]
fn the_readme_walkthrough_runs_as_written() {
    let readme = std::fs::read_to_string(repo_file("README.md")).unwrap();
    let steps = steps(&readme);
    assert!(
        steps.len() >= 20,
        "the README has a walkthrough: {steps:#?}"
    );
    let needs_tools = steps
        .iter()
        .any(|s| s.line.contains("age -d") || s.line.contains("| jq"));
    if needs_tools && (tool_missing("age") || tool_missing("jq")) {
        assert!(
            std::env::var_os("REKISTERI_REQUIRE_TOOLS").is_none(),
            "the walkthrough needs `age` and `jq`"
        );
        eprintln!("note: `age` or `jq` is missing; the walkthrough is not run");
        return;
    }

    let home = tempfile::tempdir().unwrap();
    copy_dir(&repo_file("examples"), &home.path().join("examples"));
    let binary = Path::new(env!("CARGO_BIN_EXE_rekisteri"));
    let path = format!(
        "{}:{}",
        binary.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut environment: Vec<(String, String)> = vec![
        ("HOME".into(), home.path().display().to_string()),
        ("PATH".into(), path),
        ("USER".into(), "tester".into()),
        (
            "XDG_STATE_HOME".into(),
            home.path().join(".state").display().to_string(),
        ),
    ];
    for step in &steps {
        if let Some(set) = exports(&step.line, home.path()) {
            environment.extend(set);
            continue;
        }
        let mut command = Command::new("sh");
        command
            .args(["-c", &step.line])
            .current_dir(home.path())
            .env_clear();
        for (name, value) in &environment {
            command.env(name, value);
        }
        let output = command.output().unwrap();
        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(
            output.status.code(),
            Some(step.exit),
            "`{}` exited with {:?}, the README says {}\n{printed}",
            step.line,
            output.status.code(),
            step.exit
        );
        for shown in &step.shows {
            assert!(
                printed.lines().any(|l| l.trim_end() == shown.trim_end()),
                "`{}` does not print `{shown}` as the README shows\n{printed}",
                step.line
            );
        }
    }
}

#[test]
fn the_parser_finds_commands_exit_codes_and_output() {
    let text = "```sh\n$ not me\n```\n```console\n$ rekisteri a   # exit 1: why\nshown\n$ b\n```\n";
    let steps = steps(text);
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[0].exit, 1);
    assert_eq!(steps[0].shows, ["shown"]);
    assert_eq!(steps[1].exit, 0);
}
