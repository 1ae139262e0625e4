//! The commands around the register: shell completions, the man page, help, and the demo.

mod support;

use support::*;

#[test]
fn bash_completions_name_the_command_and_its_subcommands() {
    let dir = tempfile::tempdir().unwrap();
    let output = command(dir.path())
        .args(["completions", "bash"])
        .output()
        .unwrap();
    assert_success(&output, "completions bash");
    let script = stdout(&output);
    assert!(script.contains("rekisteri"), "names the command");
    assert!(script.contains("complete "), "is a bash completion script");
    for subcommand in ["init", "add", "record", "export"] {
        assert!(script.contains(subcommand), "completes `{subcommand}`");
    }
}

#[test]
fn completions_for_an_unknown_shell_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let output = command(dir.path())
        .args(["completions", "cmd.exe"])
        .output()
        .unwrap();
    assert_error(&output, 2);
}

#[test]
fn the_man_page_is_roff_naming_the_command() {
    let dir = tempfile::tempdir().unwrap();
    let output = command(dir.path()).arg("man").output().unwrap();
    assert_success(&output, "man");
    let page = stdout(&output);
    assert!(
        page.starts_with(".ie") || page.contains(".TH"),
        "roff: {page:.200}"
    );
    assert!(page.contains("rekisteri"));
    assert!(
        page.contains("\\-\\-file") || page.contains("--file"),
        "documents --file"
    );
}

#[test]
fn help_lists_the_commands_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let output = command(dir.path()).arg("--help").output().unwrap();
    assert_success(&output, "--help");
    let help = stdout(&output);
    for subcommand in [
        "keygen", "init", "add", "record", "export", "schema", "demo",
    ] {
        assert!(help.contains(subcommand), "help lists `{subcommand}`");
    }
}

#[test]
fn no_command_prints_help_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let output = command(dir.path()).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(!stderr(&output).contains("panicked"));
}

#[test]
fn the_demo_runs_every_step_and_cleans_up_after_itself() {
    let cwd = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let output = command(cwd.path())
        .env("TMPDIR", tmp.path())
        .arg("demo")
        .output()
        .unwrap();
    assert_success(&output, "demo");
    let text = stdout(&output);
    let steps: Vec<&str> = text
        .lines()
        .filter(|line| line.starts_with("$ rekisteri"))
        .collect();
    assert!(steps.len() >= 5, "prints its steps: {steps:#?}");
    for step in ["keygen", "init", "add", "record", "export"] {
        assert!(
            steps.iter().any(|line| line.contains(step)),
            "a `{step}` step: {steps:#?}"
        );
    }
    // It shows the example customers it added.
    assert!(text.contains("Aino Virtanen"));
    assert!(
        !text.contains("AGE-SECRET-KEY"),
        "the demo key is not shown"
    );
    assert_eq!(
        std::fs::read_dir(cwd.path()).unwrap().count(),
        0,
        "nothing written to the working directory"
    );
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "the temporary directory was removed"
    );
}
