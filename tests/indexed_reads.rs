//! One-subject reads through the register's index (format 3, `core::index`): the access
//! report is the one the scan gives; an index that no longer describes the file (a hand edit
//! through `age -d … | age -e`) is never believed; and a read that decrypts only part of the
//! file leaves the rest to be checked by every write and by `audit verify`.

mod support;

use std::process::Output;

use serde_json::Value;
use support::*;

/// Replaces the register with `plaintext`, encrypted by the age crate to the fixture's key.
fn put_back(fixture: &Fixture, plaintext: &[u8]) {
    let recipient = fixture.identity().to_public();
    std::fs::remove_file(fixture.register_path()).expect("remove the register");
    write_private(&fixture.register_path(), &encrypt_to(plaintext, &recipient));
}

fn export(fixture: &Fixture, selector: &str) -> Output {
    fixture
        .cmd()
        .args(["--format", "json", "export", selector])
        .output()
        .expect("export runs")
}

#[test]
fn the_access_report_is_the_same_with_and_without_the_index() {
    let (fixture, ids) = Fixture::with_customers();
    let output = fixture
        .cmd()
        .args([
            "correct",
            &ids[5],
            "--set",
            "phone=0401234567",
            "--reason",
            "asked",
        ])
        .output()
        .expect("correct runs");
    assert_success(&output, "correct");
    let document = fixture.plaintext();
    assert!(
        document["index"].is_string(),
        "every write ends with the index"
    );
    let email = document["subjects"][5]["email"]
        .as_str()
        .expect("an email")
        .to_uppercase();

    let indexed = export(&fixture, &email);
    assert_success(&indexed, "export through the index");
    let by_id = export(&fixture, &ids[5]);
    assert_success(&by_id, "export by id");
    assert_eq!(stdout(&indexed), stdout(&by_id));

    // The same document as an older version wrote it: no index, so the read scans.
    let mut stripped = document.clone();
    stripped.as_object_mut().expect("an object").remove("index");
    stripped["format"] = Value::from(2);
    put_back(&fixture, &serde_json::to_vec(&stripped).expect("JSON"));
    let scanned = export(&fixture, &email);
    assert_success(&scanned, "export by the scan");
    assert_eq!(stdout(&indexed), stdout(&scanned));
    let report: Value = serde_json::from_slice(&indexed.stdout).expect("a JSON report");
    assert_eq!(report["subject"]["id"], ids[5].as_str());
    assert!(
        report["history"].as_array().is_some_and(|h| h.len() >= 2),
        "the history holds the add and the correction"
    );
}

#[test]
fn a_stale_index_is_never_believed() {
    let (fixture, ids) = Fixture::with_customers();
    let mut plaintext = fixture.plaintext_bytes();
    let document: Value = serde_json::from_slice(&plaintext).expect("JSON");
    let email = document["subjects"][3]["email"]
        .as_str()
        .expect("an email")
        .to_owned();
    // `age -d | sed 's/^./z/' on that email | age -e`: every offset stays where the index
    // says, the index itself is kept, and it is wrong about this subject.
    let replacement = if email.starts_with('z') { b'y' } else { b'z' };
    let renamed = format!("{}{}", replacement as char, &email[1..]);
    let at = find(&plaintext, format!("\"{email}\"").as_bytes()).expect("the email is there") + 1;
    plaintext[at] = replacement;
    put_back(&fixture, &plaintext);

    let old = export(&fixture, &email);
    assert_error(&old, 67);
    let new = export(&fixture, &renamed);
    assert_success(&new, "export by the new email");
    let report: Value = serde_json::from_slice(&new.stdout).expect("a JSON report");
    assert_eq!(report["subject"]["id"], ids[3].as_str());
    assert_eq!(report["subject"]["email"], renamed.as_str());
}

#[test]
fn a_partial_read_leaves_damage_to_the_whole_checks() {
    let fixture = Fixture::new();
    let output = fixture
        .cmd()
        .args(["generate", "--subjects", "400", "--seed", "1"])
        .output()
        .expect("generate runs");
    assert_success(&output, "generate --subjects 400");
    let plaintext = fixture.plaintext_bytes();
    let document: Value = serde_json::from_slice(&plaintext).expect("JSON");
    let first = document["subjects"][0]["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let far = document["subjects"][300]["id"]
        .as_str()
        .expect("an id")
        .to_owned();

    // Damage the chunk that holds subject 300, far from subject 0, its events and the index.
    const CHUNK: usize = 64 * 1024;
    let at = find(&plaintext, format!("{{\"id\":\"{far}\"").as_bytes()).expect("subject 300");
    let chunk = at / CHUNK;
    assert!(chunk > 1, "subject 300 is beyond the first chunks");
    let mut ciphertext = fixture.register_bytes();
    let payload = header_end(&ciphertext) + 16;
    ciphertext[payload + chunk * (CHUNK + 16) + 100] ^= 0x40;
    std::fs::remove_file(fixture.register_path()).expect("remove the register");
    write_private(&fixture.register_path(), &ciphertext);

    // The one-subject read never decrypts the damaged chunk: the data it shows is authentic.
    let report = export(&fixture, &first);
    assert_success(&report, "export of subject 0");
    // Every whole read, and so every write, finds the damage.
    let verify = fixture
        .cmd()
        .args(["audit", "verify"])
        .output()
        .expect("audit verify runs");
    assert_error(&verify, 65);
    let change = fixture
        .cmd()
        .args([
            "correct",
            &first,
            "--set",
            "phone=0401234567",
            "--reason",
            "asked",
        ])
        .output()
        .expect("correct runs");
    assert_error(&change, 65);
    assert_eq!(
        fixture.register_bytes(),
        ciphertext,
        "the file is untouched"
    );
    // So does the read of the damaged subject itself.
    assert_error(&export(&fixture, &far), 65);
}
