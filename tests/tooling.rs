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
    // In the working directory only the two documents it says it kept, no register, key or
    // other plaintext.
    let kept = cwd.path().join("rekisteri-demo");
    let entries = |dir: &std::path::Path| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(entries(cwd.path()), ["rekisteri-demo"]);
    assert_eq!(entries(&kept), ["access-report.html", "notice.html"]);
    let report = String::from_utf8(std::fs::read(kept.join("access-report.html")).unwrap())
        .expect("the access report is UTF-8");
    assert!(
        report.starts_with("<!DOCTYPE html>"),
        "an HTML page:\n{report}"
    );
    assert!(
        report.contains(r#"<html lang="fi">"#),
        "in Finnish:\n{report}"
    );
    assert!(
        report.contains("Twebs Oy"),
        "names the controller:\n{report}"
    );
    let notice = String::from_utf8(std::fs::read(kept.join("notice.html")).unwrap())
        .expect("the notice is UTF-8");
    assert!(
        notice.contains("Twebs Oy"),
        "names the controller:\n{notice}"
    );
    // The notice is the register's own, as `notice --format html` prints it.
    let published = command(cwd.path())
        .args(["--format", "html", "notice", "--lang", "fi", "--metadata"])
        .arg(twebs())
        .output()
        .unwrap();
    assert_eq!(notice, expect_ok("notice --format html", &published));
    assert!(
        notice.trim_start().starts_with("<!DOCTYPE html>")
            && notice.contains(r#"<html lang="fi">"#),
        "the notice is a Finnish HTML page:\n{notice}"
    );
    #[cfg(unix)]
    {
        assert_eq!(
            mode(&kept),
            0o700,
            "the documents' directory is the user's only"
        );
        assert_eq!(mode(&kept.join("access-report.html")), 0o600);
        assert_eq!(mode(&kept.join("notice.html")), 0o600);
    }
    // It says where they are, by their full path.
    let kept_shown = kept.canonicalize().unwrap();
    for name in ["access-report.html", "notice.html"] {
        let path = kept_shown.join(name);
        assert!(
            text.contains(&format!("#   {}", path.display())),
            "says where {name} is:\n{text}"
        );
    }
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "the temporary directory was removed"
    );

    // Run again, it overwrites nothing: the new documents get new names.
    let again = command(cwd.path())
        .env("TMPDIR", tmp.path())
        .arg("demo")
        .output()
        .unwrap();
    assert_success(&again, "demo, again");
    assert_eq!(
        entries(&kept),
        [
            "access-report-2.html",
            "access-report.html",
            "notice-2.html",
            "notice.html"
        ]
    );
    assert_eq!(
        std::fs::read(kept.join("access-report.html")).unwrap(),
        report.as_bytes(),
        "the first report is left as it was"
    );
}
