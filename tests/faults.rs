//! Faults in the write path: with the `failpoints` feature, `FAILPOINTS` makes one step of
//! the write fail — the write of the temporary file (as a full disk), its fsync, the rename,
//! the directory fsync. The old register must survive byte for byte (the directory fsync
//! comes after the rename, so there the new register is in place), the error is a clear
//! exit 74, and no temporary file is left.
#![cfg(feature = "failpoints")]

mod support;

use std::path::Path;

use support::Register;

fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("the directory lists")
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".tmp"))
        .collect()
}

/// Maija's phone, from an export of all subjects.
fn phone_of_maija(register: &Register) -> Option<String> {
    register
        .export(&[])
        .into_iter()
        .find(|s| s.email.as_deref() == Some("maija@example.fi"))
        .expect("Maija is in the register")
        .phone
}

fn register_with_a_subject() -> Register {
    let register = Register::new();
    register.add(&["--name", "Maija Meikäläinen", "--email", "maija@example.fi"]);
    register
}

/// Runs `correct` with `failpoint` armed and returns (exit code, stderr).
fn correct_with(register: &Register, failpoint: &str) -> (Option<i32>, String) {
    let output = register
        .cmd_on(support::TODAY)
        .env("FAILPOINTS", failpoint)
        .args([
            "correct",
            "maija@example.fi",
            "--set",
            "phone=0401234567",
            "--reason",
            "fault test",
        ])
        .output()
        .expect("rekisteri runs");
    (output.status.code(), support::stderr(&output))
}

#[test]
fn a_full_disk_leaves_the_old_register_and_no_temporary_file() {
    let register = register_with_a_subject();
    let path = register.root().join("register.age");
    let before = std::fs::read(&path).unwrap();
    let (code, stderr) = correct_with(&register, "store::write=return(enospc)");
    assert_eq!(code, Some(74), "{stderr}");
    assert!(stderr.starts_with("rekisteri: error:"), "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(temp_files(register.root()), Vec::<String>::new());
}

#[test]
fn a_failed_fsync_or_rename_leaves_the_old_register_byte_for_byte() {
    for point in ["store::fsync=return", "store::rename=return"] {
        let register = register_with_a_subject();
        let path = register.root().join("register.age");
        let before = std::fs::read(&path).unwrap();
        let (code, stderr) = correct_with(&register, point);
        assert_eq!(code, Some(74), "{point}: {stderr}");
        assert!(stderr.contains("injected failure"), "{point}: {stderr}");
        assert_eq!(std::fs::read(&path).unwrap(), before, "{point}");
        assert_eq!(temp_files(register.root()), Vec::<String>::new(), "{point}");
        // The register still works afterwards.
        assert_eq!(phone_of_maija(&register), None, "{point}");
    }
}

#[test]
fn a_failed_directory_fsync_reports_the_error_after_the_new_register_is_in_place() {
    let register = register_with_a_subject();
    let (code, stderr) = correct_with(&register, "store::fsync_dir=return");
    assert_eq!(code, Some(74), "{stderr}");
    assert!(
        stderr.contains("injected failure at store::fsync_dir"),
        "{stderr}"
    );
    assert_eq!(temp_files(register.root()), Vec::<String>::new());
    // The rename happened: the register is whole and holds the change.
    assert_eq!(phone_of_maija(&register).as_deref(), Some("0401234567"));
    register.ok(&["audit", "verify"]);
}

#[test]
fn a_failed_init_leaves_no_register_and_no_temporary_file() {
    for point in [
        "store::write=return(enospc)",
        "store::fsync=return",
        "store::rename=return",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let keygen = support::rekisteri(dir.path(), support::TODAY)
            .args(["keygen", "-o", "key.txt"])
            .output()
            .unwrap();
        assert!(keygen.status.success());
        let output = support::rekisteri(dir.path(), support::TODAY)
            .env("FAILPOINTS", point)
            .args(["-i", "key.txt", "init", "--metadata"])
            .arg(support::repo_file("examples/twebs.json"))
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(74), "{point}");
        assert!(!dir.path().join("register.age").exists(), "{point}");
        assert_eq!(temp_files(dir.path()), Vec::<String>::new(), "{point}");
    }
}
