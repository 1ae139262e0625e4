//! Secrets and personal data stay where they belong. Under `strace`, every byte rekisteri
//! writes is captured: a register's content (a subject's unique marker name, email and note)
//! is never written to any file descriptor but the deliberate stdout of an export — not to
//! the temporary file or the register (ciphertext only), the journal or the lock, and never to
//! stderr. A passphrase is never taken from argv, and an error about a bad input row never
//! prints the row's values.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use support::*;

/// The subject whose data must not leak; every value carries a unique marker.
const NAME: &str = "Zzmarkername7431Q Testinen";
const EMAIL: &str = "zzmarkermail7431q@example.fi";
const NOTE: &str = "Zzmarkernote7431Q asiakas soitti";
const NEW_NAME: &str = "Zzmarkernewname7431Q Testinen";
const ROW_MARKER: &str = "Zzmarkerrow7431Q";

fn markers() -> Vec<&'static str> {
    vec![
        "Zzmarkername7431Q",
        "zzmarkermail7431q",
        "Zzmarkernote7431Q",
        "Zzmarkernewname7431Q",
    ]
}

/// Every marker found in `bytes`, compared case-insensitively.
fn found_markers(bytes: &[u8]) -> Vec<&'static str> {
    let lower = bytes.to_ascii_lowercase();
    markers()
        .into_iter()
        .filter(|m| contains(&lower, m.to_ascii_lowercase().as_bytes()))
        .collect()
}

/// Decodes the `\xNN` escapes of one quoted `strace -xx` string.
fn decode(escaped: &str) -> Vec<u8> {
    let bytes = escaped.as_bytes();
    let mut out = Vec::with_capacity(bytes.len() / 4);
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && bytes.get(i + 1) == Some(&b'x') && i + 4 <= bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 2..i + 4]).expect("hex digits");
            out.push(u8::from_str_radix(hex, 16).expect("a \\xNN escape"));
            i += 4;
        } else {
            // `-xx` escapes every byte; anything else is strace's own punctuation.
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

/// Parses a `strace -f -xx -e trace=write,pwrite64,writev,…` log into the bytes written to
/// each file descriptor, in order.
fn written_by_fd(trace: &str) -> BTreeMap<u32, Vec<u8>> {
    const CALLS: &[&str] = &["write(", "pwrite64(", "writev(", "pwritev(", "pwritev2("];
    let mut by_fd: BTreeMap<u32, Vec<u8>> = BTreeMap::new();
    for line in trace.lines() {
        // `PID call(FD, …`: skip the pid.
        let rest = line
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .trim_start();
        let Some(call) = CALLS.iter().find(|c| rest.starts_with(**c)) else {
            continue;
        };
        let args = &rest[call.len()..];
        let Some((fd, buffers)) = args.split_once(',') else {
            continue;
        };
        let Ok(fd) = fd.trim().parse::<u32>() else {
            continue;
        };
        let sink = by_fd.entry(fd).or_default();
        // Every quoted string of the call is a buffer (`writev` has several).
        let mut parts = buffers.split('"');
        parts.next();
        while let Some(quoted) = parts.next() {
            sink.extend(decode(quoted));
            parts.next();
        }
    }
    by_fd
}

/// Runs rekisteri under strace (stdout to `stdout_to`, when given); returns its output and the
/// bytes it wrote per file descriptor.
fn traced(
    strace: &Path,
    workspace: &Workspace,
    name: &str,
    args: &[&str],
    stdout_to: Option<PathBuf>,
) -> (Output, BTreeMap<u32, Vec<u8>>) {
    let trace = workspace.path(&format!("{name}.trace.txt"));
    let mut command = Command::new(strace);
    fixed_env(&mut command, workspace.root());
    command
        .args([
            "-f",
            "-qq",
            "-e",
            "trace=write,pwrite64,writev,pwritev,pwritev2",
            "-s",
            "1000000",
            "-xx",
            "-o",
        ])
        .arg(&trace)
        .arg(bin())
        .args(workspace.global_args())
        .args(args)
        .stdin(Stdio::null());
    if let Some(path) = stdout_to {
        command.stdout(std::fs::File::create(path).expect("create the output file"));
    }
    let output = command.output().expect("strace runs");
    let text = std::fs::read_to_string(&trace).expect("strace wrote its log");
    assert!(
        !text.trim().is_empty() || output.status.code() != Some(0),
        "strace captured nothing for {name}"
    );
    (output, written_by_fd(&text))
}

/// What leaked where: markers found in writes to `fds`.
fn leaks(by_fd: &BTreeMap<u32, Vec<u8>>, include: impl Fn(u32) -> bool) -> Vec<String> {
    by_fd
        .iter()
        .filter(|(fd, _)| include(**fd))
        .filter_map(|(fd, bytes)| {
            let found = found_markers(bytes);
            (!found.is_empty()).then(|| format!("fd {fd} received {found:?}"))
        })
        .collect()
}

#[test]
fn register_content_reaches_no_file_and_no_message() {
    let Some(strace) = required_tool("strace") else {
        return;
    };
    let workspace = Workspace::small(1);
    let mut problems = Vec::new();

    // add: the data goes into the register (ciphertext only); stdout gets the id.
    let (output, by_fd) = traced(
        &strace,
        &workspace,
        "add",
        &["add", "--name", NAME, "--email", EMAIL, "--note", NOTE],
        None,
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        describe("rekisteri add", &output)
    );
    assert!(
        by_fd.keys().any(|fd| *fd >= 3),
        "the traced add wrote the register through a file descriptor: {:?}",
        by_fd.keys()
    );
    problems.extend(
        leaks(&by_fd, |_| true)
            .into_iter()
            .map(|l| format!("add: {l}")),
    );

    // record a note.
    let (output, by_fd) = traced(
        &strace,
        &workspace,
        "record",
        &["record", EMAIL, "note", "Zzmarkernote7431Q toinen soitto"],
        None,
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        describe("rekisteri record", &output)
    );
    problems.extend(
        leaks(&by_fd, |_| true)
            .into_iter()
            .map(|l| format!("record: {l}")),
    );

    // correct: the old value goes to the history, inside the register.
    let set = format!("name={NEW_NAME}");
    let (output, by_fd) = traced(
        &strace,
        &workspace,
        "correct",
        &["correct", EMAIL, "--set", &set, "--reason", "typo"],
        None,
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        describe("rekisteri correct", &output)
    );
    problems.extend(
        leaks(&by_fd, |_| true)
            .into_iter()
            .map(|l| format!("correct: {l}")),
    );

    // export to a file: fd 1 is the deliberate output and must hold the data.
    let report = workspace.path("report.json");
    let (output, by_fd) = traced(
        &strace,
        &workspace,
        "export",
        &["--format", "json", "export", EMAIL],
        Some(report.clone()),
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        describe("rekisteri export", &output)
    );
    let stdout_written = by_fd.get(&1).cloned().unwrap_or_default();
    assert!(
        found_markers(&stdout_written).contains(&"Zzmarkernewname7431Q"),
        "the trace shows the export's deliberate stdout (the parser works)"
    );
    assert_eq!(
        std::fs::read(&report).expect("the report"),
        stdout_written,
        "the trace holds every byte written to stdout"
    );
    problems.extend(
        leaks(&by_fd, |fd| fd != 1)
            .into_iter()
            .map(|l| format!("export: {l}")),
    );

    // A failing change: the error names no value.
    let (output, by_fd) = traced(
        &strace,
        &workspace,
        "duplicate",
        &[
            "add",
            "--name",
            "Zzmarkername7431Q Toinen",
            "--email",
            EMAIL,
        ],
        None,
    );
    assert_eq!(
        output.status.code(),
        Some(65),
        "{}",
        describe("rekisteri add", &output)
    );
    problems.extend(
        leaks(&by_fd, |_| true)
            .into_iter()
            .map(|l| format!("duplicate add: {l}")),
    );

    // erase: the receipt and the journal hold no personal data.
    let (output, by_fd) = traced(
        &strace,
        &workspace,
        "erase",
        &["erase", EMAIL, "--reason", "Art. 17(1)(a)"],
        None,
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        describe("rekisteri erase", &output)
    );
    problems.extend(
        leaks(&by_fd, |_| true)
            .into_iter()
            .map(|l| format!("erase: {l}")),
    );

    // And no file in the directory holds the data in the clear.
    for name in workspace.entries() {
        let path = workspace.path(&name);
        if name.ends_with(".trace.txt") || name == "report.json" || path.is_dir() {
            continue;
        }
        let bytes = std::fs::read(&path).expect("read a file");
        let found = found_markers(&bytes);
        if !found.is_empty() {
            problems.push(format!("{name} holds {found:?} in the clear"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_passphrase_is_never_taken_from_argv() {
    let workspace = Workspace::new(1);
    for args in [
        &["init", "--passphrase", "secret"][..],
        &["init", "--passphrase=secret"][..],
        &["rekey", "--passphrase", "secret", "--yes"][..],
        &["rekey", "--passphrase=secret", "--yes"][..],
    ] {
        let output = workspace.run(args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{}",
            describe(&format!("rekisteri {}", args.join(" ")), &output)
        );
        error_shape(&output).unwrap_or_else(|e| panic!("{e}"));
        assert!(!workspace.register_path().exists(), "nothing was created");
    }

    // No option of init or rekey (or any other command or subcommand) takes a passphrase as
    // its value.
    let mut commands: Vec<Vec<String>> = vec![Vec::new()];
    let mut i = 0;
    while i < commands.len() {
        let mut args: Vec<&str> = commands[i].iter().map(String::as_str).collect();
        args.push("--help");
        let help = workspace.ok(&args);
        let parent = commands[i].clone();
        for sub in subcommands(&help) {
            let mut path = parent.clone();
            path.push(sub);
            commands.push(path);
        }
        i += 1;
    }
    let names: Vec<String> = commands.iter().map(|c| c.join(" ")).collect();
    assert!(
        names.iter().any(|c| c == "init") && names.iter().any(|c| c == "rekey"),
        "{names:?}"
    );
    for (name, path) in names.iter().zip(&commands) {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let text = workspace.ok(&args);
        for line in text.lines() {
            let spec = line.trim_start();
            if !spec.starts_with('-') {
                continue;
            }
            // `-f, --file <FILE>  description`: the option part ends at two spaces.
            let spec = spec.split("  ").next().unwrap_or(spec);
            let names = spec
                .split(['<', '=', '['])
                .next()
                .unwrap_or(spec)
                .to_lowercase();
            let takes_value = spec.contains('<');
            if (names.contains("pass") || names.contains("secret")) && takes_value {
                panic!("`rekisteri {name} --help` offers an option taking a secret: {line}");
            }
        }
        if name == "init" || name == "rekey" {
            assert!(
                text.lines()
                    .any(|l| l.trim_start().starts_with("--passphrase")
                        && !l.contains("--passphrase <")),
                "`{name} --help` shows --passphrase as a flag:\n{text}"
            );
        }
    }
}

/// The subcommands a `--help` text lists (without `help`).
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  ") || l.trim().is_empty())
        .filter(|l| l.as_bytes().get(2).is_some_and(u8::is_ascii_alphabetic))
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .filter(|c| c != "help")
        .collect()
}

/// Runs `add --from FILE` with a bad row; the error names the file and row, never a value.
fn bad_rows(cases: &[(&str, &str, String)]) -> Vec<String> {
    let workspace = Workspace::small(1);
    let before = workspace.register_bytes();
    let mut problems = Vec::new();
    for (what, file, content) in cases {
        std::fs::write(workspace.path(file), content).expect("write the input");
        let output = workspace.run(&["add", "--from", file]);
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        if output.status.code() != Some(65) {
            problems.push(format!(
                "{what}: exited {:?}: {stderr}",
                output.status.code()
            ));
        }
        if let Err(e) = error_shape(&output) {
            problems.push(format!("{what}: {e}"));
        }
        if stderr
            .to_ascii_lowercase()
            .contains(&ROW_MARKER.to_ascii_lowercase())
        {
            problems.push(format!(
                "{what}: the error prints a value of the row: {stderr}"
            ));
        }
        if !output.stdout.is_empty() {
            problems.push(format!("{what}: stdout is not empty"));
        }
    }
    assert_eq!(workspace.register_bytes(), before, "nothing was changed");
    problems
}

#[test]
fn a_bad_input_row_is_named_never_printed() {
    let m = ROW_MARKER;
    let cases = [
        (
            "CSV, a bad email",
            "bad.csv",
            format!("name,email\nHyvä Rivi,ok.row@example.fi\n{m} Nimi,{m}-not-an-email\n"),
        ),
        (
            "CSV, a bad source",
            "bad.csv",
            format!("name,email,source\n{m},a1@example.fi,{m}\n"),
        ),
        (
            "CSV, a bad ip",
            "bad.csv",
            format!("name,email,ip\n{m},a2@example.fi,{m}\n"),
        ),
        (
            "CSV, a bad phone",
            "bad.csv",
            format!("name,email,phone\n{m},a3@example.fi,+358{m}\n"),
        ),
        (
            "CSV, a bad source_date",
            "bad.csv",
            format!("name,email,source_date\n{m},a4@example.fi,2025-{m}\n"),
        ),
        (
            "CSV, too many fields",
            "bad.csv",
            format!("name,email\n{m},a5@example.fi,{m}\n"),
        ),
        (
            "CSV, a control character",
            "bad.csv",
            format!("name,email,note\n{m}\u{1}x,a6@example.fi,{m} note\n"),
        ),
        (
            "CSV, an email already in the register",
            "bad.csv",
            format!("name,email,note\n{m},pieni.0@example.fi,{m}\n"),
        ),
        (
            "CSV, the same email twice",
            "bad.csv",
            format!("name,email\n{m} A,{m}@example.fi\n{m} B,{m}@example.fi\n"),
        ),
        (
            "CSV, an empty name",
            "bad.csv",
            format!("name,email,note\n,a7@example.fi,{m}\n"),
        ),
        (
            "JSON, a value of the wrong type",
            "bad.json",
            format!(r#"[{{"name":"{m}","email":"j1@example.fi","orders":"{m}"}}]"#),
        ),
        (
            "JSON, a bad invoice amount",
            "bad.json",
            format!(
                r#"[{{"name":"{m}","email":"j2@example.fi","invoices":[{{"number":"1","date":"2025-01-01","amount":"{m}"}}]}}]"#
            ),
        ),
        (
            "JSON, a bad order date",
            "bad.json",
            format!(
                r#"[{{"name":"{m}","email":"j3@example.fi","orders":[{{"product":"x","on":"{m}"}}]}}]"#
            ),
        ),
        (
            "JSON, not JSON",
            "bad.json",
            format!(r#"[{{"name":"{m}", "email": {m}}}]"#),
        ),
        (
            "JSON lines, a bad email",
            "bad.jsonl",
            format!("{{\"name\":\"{m}\",\"email\":\"{m}\"}}\n"),
        ),
    ];
    let problems = bad_rows(&cases);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The same for the `consent` column: an unknown purpose in a row is a value of the row.
#[test]
fn an_unknown_consent_purpose_in_a_row_is_not_printed() {
    let m = ROW_MARKER;
    let cases = [
        (
            "CSV, an unknown consent purpose",
            "bad.csv",
            format!("name,email,consent\nRivi Nimi,c1@example.fi,{m}\n"),
        ),
        (
            "JSON, an unknown consent purpose",
            "bad.json",
            format!(r#"[{{"name":"Rivi Nimi","email":"c2@example.fi","consent":["{m}"]}}]"#),
        ),
    ];
    let problems = bad_rows(&cases);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
