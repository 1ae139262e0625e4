//! What rekisteri leaves on disk: secret files are 0600, nothing is overwritten by a
//! command that creates, and no temporary file outlives a command (the spare a write keeps
//! is checked in tests/spare.rs).

mod support;

use std::collections::BTreeSet;
use std::str::FromStr;

use support::*;

/// The copy of the register the last write replaced, its header overwritten (see
/// tests/spare.rs): a write leaves it, and nothing else.
const SPARE: &str = ".register.age.spare";

fn names(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn keygen_writes_a_0600_identity_and_prints_its_recipient_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let output = command(dir.path())
        .args(["keygen", "-o", "key.txt"])
        .output()
        .unwrap();
    assert_success(&output, "keygen -o key.txt");
    assert!(output.stdout.is_empty(), "the secret is not printed");
    let key = dir.path().join("key.txt");
    #[cfg(unix)]
    assert_eq!(mode(&key), 0o600);
    let identity = identity_from_file(&key);
    let recipient = identity.to_public().to_string();
    let stderr = stderr(&output);
    assert!(
        stderr.contains(&recipient),
        "stderr shows the public key {recipient}: {stderr}"
    );
    assert!(!stderr.contains("AGE-SECRET-KEY"), "no secret on stderr");
}

#[test]
fn keygen_without_output_prints_the_identity_on_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let output = command(dir.path()).arg("keygen").output().unwrap();
    assert_success(&output, "keygen");
    let text = stdout(&output);
    let line = text
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .expect("an identity line");
    let identity = age::x25519::Identity::from_str(line).expect("a valid identity");
    assert!(stderr(&output).contains(&identity.to_public().to_string()));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no file was written"
    );
}

#[test]
fn keygen_refuses_to_overwrite_an_existing_file() {
    let fixture = Fixture::new();
    let before = std::fs::read(fixture.key_path()).unwrap();
    let output = fixture
        .bare_cmd()
        .args(["keygen", "-o", KEY])
        .output()
        .unwrap();
    let line = assert_error(&output, 73);
    assert!(line.contains(KEY), "{line}");
    assert_eq!(std::fs::read(fixture.key_path()).unwrap(), before);
}

#[test]
fn the_register_is_created_0600_and_stays_0600_after_a_write() {
    let fixture = Fixture::initialised();
    #[cfg(unix)]
    assert_eq!(mode(&fixture.register_path()), 0o600);
    fixture.add_customers();
    #[cfg(unix)]
    assert_eq!(mode(&fixture.register_path()), 0o600);
    assert_eq!(fixture.export_json().len(), 12);
}

#[test]
fn a_successful_add_leaves_no_temporary_files() {
    let (fixture, _) = Fixture::with_customers();
    assert_eq!(
        fixture.entries(),
        names(&[REGISTER, SPARE, "register.age.lock", KEY, "customers.csv"])
    );
}

#[test]
fn a_failed_add_leaves_no_temporary_files_and_the_register_unchanged() {
    let (fixture, _) = Fixture::with_customers();
    let before = fixture.register_bytes();
    fixture.write("bad.csv", "name,email\nAapo,aapo@example.fi\nBea,bea@\n");
    let output = fixture
        .cmd()
        .args(["add", "--from", "bad.csv"])
        .output()
        .unwrap();
    assert_error(&output, 65);
    assert_eq!(fixture.register_bytes(), before);
    assert_eq!(
        fixture.entries(),
        names(&[
            REGISTER,
            SPARE,
            "register.age.lock",
            KEY,
            "customers.csv",
            "bad.csv"
        ])
    );
}

#[test]
fn a_record_refused_by_the_core_leaves_no_temporary_files() {
    let (fixture, ids) = Fixture::with_customers();
    let before = fixture.register_bytes();
    // A change to an order the subject does not have is refused inside the write path.
    let output = fixture
        .cmd()
        .args([
            "record",
            &ids[0],
            "order",
            "--product",
            "Nothing",
            "--change",
            "x",
        ])
        .output()
        .unwrap();
    assert_error(&output, 65);
    assert_eq!(fixture.register_bytes(), before);
    assert_eq!(
        fixture.entries(),
        names(&[REGISTER, SPARE, "register.age.lock", KEY, "customers.csv"])
    );
}

#[test]
fn init_leaves_only_the_register_and_its_lock() {
    let fixture = Fixture::initialised();
    assert_eq!(
        fixture.entries(),
        names(&[REGISTER, "register.age.lock", KEY])
    );
}

#[test]
fn the_register_file_can_live_in_another_directory() {
    let fixture = Fixture::new();
    std::fs::create_dir(fixture.path("data")).unwrap();
    let output = fixture
        .bare_cmd()
        .args(["-f", "data/reg.age", "-i", KEY, "init"])
        .output()
        .unwrap();
    assert_success(&output, "init -f data/reg.age");
    let output = fixture
        .bare_cmd()
        .env("REKISTERI_FILE", "data/reg.age")
        .env("REKISTERI_IDENTITY", KEY)
        .args(["add", "--name", "Aapo"])
        .output()
        .unwrap();
    assert_success(&output, "add with REKISTERI_FILE and REKISTERI_IDENTITY");
    let entries: BTreeSet<String> = std::fs::read_dir(fixture.path("data"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    // `add` kept the copy it replaced as the spare (see tests/spare.rs).
    assert_eq!(
        entries,
        names(&["reg.age", ".reg.age.spare", "reg.age.lock"])
    );
    let plaintext = decrypt(
        &std::fs::read(fixture.path("data/reg.age")).unwrap(),
        &fixture.identity(),
    )
    .expect("the key decrypts the register");
    let plaintext: serde_json::Value = serde_json::from_slice(&plaintext).unwrap();
    assert_eq!(plaintext["subjects"][0]["name"], "Aapo");
}
