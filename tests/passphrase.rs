//! A register encrypted to a passphrase, read from `REKISTERI_PASSPHRASE_FILE` (no
//! terminal). scrypt is slow on purpose, so there are only two tests here.

mod support;

use std::path::Path;

use support::*;

const PASSPHRASE: &str = "correct horse battery staple";

fn passphrase_file(fixture: &Fixture, name: &str, first_line: &str) -> std::path::PathBuf {
    let path = fixture.write(name, format!("{first_line}\nthis second line is ignored\n"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    path
}

/// The binary with `-f register.age` and the passphrase file, no identity.
fn cmd(fixture: &Fixture, passphrase_file: &Path) -> assert_cmd::Command {
    let mut command = fixture.bare_cmd();
    command
        .env("REKISTERI_PASSPHRASE_FILE", passphrase_file)
        .args(["-f", REGISTER]);
    command
}

#[test]
fn a_passphrase_register_is_created_added_to_and_exported() {
    let fixture = Fixture::new();
    let file = passphrase_file(&fixture, "pass.txt", PASSPHRASE);
    let output = cmd(&fixture, &file)
        .args(["init", "--passphrase"])
        .output()
        .unwrap();
    assert_success(&output, "init --passphrase");
    assert!(stderr(&output).contains("passphrase"));

    let output = cmd(&fixture, &file)
        .args(["add", "--name", "Aapo", "--email", "aapo@example.fi"])
        .output()
        .unwrap();
    assert_success(&output, "add to a passphrase register");
    let ids = stdout_lines(&output);
    assert_eq!(ids.len(), 1);

    let output = cmd(&fixture, &file)
        .args(["--format", "json", "export"])
        .output()
        .unwrap();
    assert_success(&output, "export a passphrase register");
    let subjects: Vec<ExportedSubject> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(subjects.len(), 1);
    assert_eq!(subjects[0].id, ids[0]);
    assert_eq!(subjects[0].email.as_deref(), Some("aapo@example.fi"));

    // The file is an ordinary scrypt age file: the age crate opens it with the passphrase.
    #[cfg(unix)]
    assert_eq!(mode(&fixture.register_path()), 0o600);
    let bytes = fixture.register_bytes();
    assert!(is_scrypt(&bytes));
    let plaintext = decrypt_passphrase(&bytes, PASSPHRASE).expect("the passphrase decrypts");
    let plaintext: serde_json::Value = serde_json::from_slice(&plaintext).unwrap();
    assert_eq!(plaintext["encryption"]["passphrase"], true);
    assert_eq!(plaintext["subjects"][0]["id"], ids[0].as_str());
}

#[test]
fn a_wrong_passphrase_exits_77_and_leaves_the_register_unchanged() {
    let fixture = Fixture::new();
    let right = passphrase_file(&fixture, "pass.txt", PASSPHRASE);
    let output = cmd(&fixture, &right)
        .args(["init", "--passphrase"])
        .output()
        .unwrap();
    assert_success(&output, "init --passphrase");
    let before = fixture.register_bytes();

    let wrong = passphrase_file(&fixture, "wrong.txt", "incorrect horse");
    let output = cmd(&fixture, &wrong)
        .args(["add", "--name", "Aapo"])
        .output()
        .unwrap();
    let line = assert_error(&output, 77);
    assert!(line.contains("passphrase"), "{line}");
    assert!(!stderr(&output).contains("incorrect horse"));
    assert_eq!(fixture.register_bytes(), before);

    // Without a passphrase file and without a terminal, it says how to give one.
    let output = fixture
        .bare_cmd()
        .args(["-f", REGISTER, "export"])
        .output()
        .unwrap();
    let line = assert_error(&output, 78);
    assert!(line.contains("REKISTERI_PASSPHRASE_FILE"), "{line}");
}
