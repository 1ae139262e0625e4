//! Every way a command fails on bad input, a bad key or a damaged register: the exit code,
//! one `rekisteri: error:` line (and a hint), no panic, no personal data in the message, and
//! the register left exactly as it was.

mod support;

use support::*;

/// Runs `add --name Uusi` against the register (a write) and returns its output.
fn try_add(fixture: &Fixture) -> std::process::Output {
    fixture
        .cmd()
        .args(["add", "--name", "Uusi Asiakas"])
        .output()
        .unwrap()
}

/// Replaces the register with `bytes`, runs an add on it, and checks that it failed with
/// one of `codes`, cleanly, leaving the bytes as they were. Returns the error line.
fn damaged_register_is_refused(fixture: &Fixture, bytes: &[u8], codes: &[i32]) -> String {
    std::fs::write(fixture.register_path(), bytes).unwrap();
    let output = try_add(fixture);
    let code = output.status.code().expect("an exit code, not a signal");
    assert!(
        codes.contains(&code),
        "exit {code}, expected one of {codes:?}; stderr:\n{}",
        stderr(&output)
    );
    let line = assert_error(&output, code);
    assert!(
        line.contains(REGISTER),
        "the message names the file: {line}"
    );
    assert_eq!(
        fixture.register_bytes(),
        bytes,
        "the damaged register was left as it was"
    );
    let no_temp_files = fixture.entries().iter().all(|name| !name.ends_with(".tmp"));
    assert!(no_temp_files, "{:?}", fixture.entries());
    line
}

#[test]
fn a_wrong_identity_exits_77_and_names_the_register() {
    let (fixture, _) = Fixture::with_customers();
    let before = fixture.register_bytes();
    let output = fixture
        .bare_cmd()
        .args(["keygen", "-o", "other.txt"])
        .output()
        .unwrap();
    assert_success(&output, "keygen other.txt");
    let output = fixture
        .bare_cmd()
        .args(["-f", REGISTER, "-i", "other.txt", "add", "--name", "Uusi"])
        .output()
        .unwrap();
    let line = assert_error(&output, 77);
    assert!(line.contains("none of the given identities"), "{line}");
    assert!(hint_line(&output).unwrap().contains("-i"));
    assert_eq!(fixture.register_bytes(), before);
}

#[test]
fn no_identity_for_an_identity_register_exits_77() {
    let fixture = Fixture::initialised();
    let output = fixture
        .bare_cmd()
        .args(["-f", REGISTER, "export"])
        .output()
        .unwrap();
    assert_error(&output, 77);
    assert!(hint_line(&output).unwrap().contains("identity"));
}

#[test]
fn a_missing_register_exits_66_with_an_init_hint() {
    let fixture = Fixture::new();
    let output = fixture.cmd().arg("export").output().unwrap();
    let line = assert_error(&output, 66);
    assert!(line.contains(REGISTER), "{line}");
    assert!(hint_line(&output).unwrap().contains("rekisteri init"));
    assert!(!fixture.register_path().exists(), "export created nothing");
}

#[test]
fn a_missing_input_file_exits_66() {
    let fixture = Fixture::initialised();
    let before = fixture.register_bytes();
    let output = fixture
        .cmd()
        .args(["add", "--from", "nowhere.csv"])
        .output()
        .unwrap();
    let line = assert_error(&output, 66);
    assert!(line.contains("nowhere.csv"), "{line}");
    assert_eq!(fixture.register_bytes(), before);
}

#[test]
fn init_on_an_existing_register_exits_73_and_leaves_it_unchanged() {
    let (fixture, _) = Fixture::with_customers();
    let before = fixture.register_bytes();
    let output = fixture.cmd().arg("init").output().unwrap();
    let line = assert_error(&output, 73);
    assert!(line.contains(REGISTER), "{line}");
    assert_eq!(fixture.register_bytes(), before);
    assert_eq!(fixture.export_json().len(), 12);
}

#[test]
fn init_without_anyone_to_encrypt_to_is_a_usage_error() {
    let fixture = Fixture::new();
    let output = fixture
        .bare_cmd()
        .args(["-f", REGISTER, "init", "--metadata"])
        .arg(repo_file("examples/twebs.json"))
        .output()
        .unwrap();
    let line = assert_error(&output, 2);
    assert!(line.contains("encrypt to"), "{line}");
    assert!(!fixture.register_path().exists());
}

#[test]
fn init_with_an_invalid_metadata_file_exits_78() {
    let fixture = Fixture::new();
    fixture.write("meta.json", r#"{"controller": {"name": "X"}}"#);
    let output = fixture
        .cmd()
        .args(["init", "--metadata", "meta.json"])
        .output()
        .unwrap();
    let line = assert_error(&output, 78);
    assert!(line.contains("meta.json"), "{line}");
    assert!(!fixture.register_path().exists());
}

#[test]
fn a_csv_row_with_a_bad_email_rejects_the_batch_naming_row_and_field_only() {
    let (fixture, _) = Fixture::with_customers();
    let before = fixture.register_bytes();
    fixture.write(
        "new.csv",
        "name,email,phone\n\
         Aapo Aaltonen,aapo@example.fi,040 123 4567\n\
         Bea Berg,bea@example.fi,\n\
         Salainen Henkilö,salainen..henkilo@@example,\n\
         Cecilia,cecilia@example.fi,\n",
    );
    let output = fixture
        .cmd()
        .args(["add", "--from", "new.csv"])
        .output()
        .unwrap();
    let line = assert_error(&output, 65);
    assert!(line.contains("row 3"), "{line}");
    assert!(line.contains("email"), "{line}");
    let stderr = stderr(&output);
    assert!(
        !stderr.contains("salainen"),
        "the bad value leaked: {stderr}"
    );
    assert!(
        !stderr.contains("Salainen"),
        "the row's name leaked: {stderr}"
    );
    assert!(hint_line(&output).unwrap().contains("nothing was changed"));
    assert_eq!(fixture.register_bytes(), before, "all or nothing");
    assert_eq!(fixture.export_json().len(), 12);
}

#[test]
fn a_json_row_with_a_bad_phone_names_the_row() {
    let fixture = Fixture::initialised();
    let before = fixture.register_bytes();
    fixture.write(
        "new.json",
        r#"[{"name": "Aapo"}, {"name": "Bea", "phone": "call me maybe"}]"#,
    );
    let output = fixture
        .cmd()
        .args(["add", "--from", "new.json"])
        .output()
        .unwrap();
    let line = assert_error(&output, 65);
    assert!(line.contains("row 2") && line.contains("phone"), "{line}");
    assert!(!line.contains("call me"), "{line}");
    assert_eq!(fixture.register_bytes(), before);
}

#[test]
fn a_jsonl_line_that_is_not_json_names_the_line() {
    let fixture = Fixture::initialised();
    let before = fixture.register_bytes();
    fixture.write(
        "new.jsonl",
        "{\"name\": \"Aapo\"}\n{\"name\": \"Bea\"}\n{\"name\": \"Salainen\", \n",
    );
    let output = fixture
        .cmd()
        .args(["add", "--from", "new.jsonl"])
        .output()
        .unwrap();
    let line = assert_error(&output, 65);
    assert!(line.contains("line 3"), "{line}");
    assert!(!line.contains("Salainen"), "{line}");
    assert_eq!(fixture.register_bytes(), before);
}

#[test]
fn a_csv_row_with_too_many_fields_names_the_row() {
    let fixture = Fixture::initialised();
    let before = fixture.register_bytes();
    fixture.write(
        "new.csv",
        "name,email\nAapo,aapo@example.fi\nBea,bea@example.fi,Salainen\n",
    );
    let output = fixture
        .cmd()
        .args(["add", "--from", "new.csv"])
        .output()
        .unwrap();
    let line = assert_error(&output, 65);
    assert!(line.contains("row 2"), "{line}");
    assert!(!line.contains("Salainen"), "{line}");
    assert_eq!(fixture.register_bytes(), before);
}

#[test]
fn an_input_file_without_a_known_extension_needs_input_format() {
    let fixture = Fixture::initialised();
    let before = fixture.register_bytes();
    let output = fixture
        .cmd()
        .args(["add", "--from", "-"])
        .write_stdin("name\nAapo\n")
        .output()
        .unwrap();
    let line = assert_error(&output, 2);
    assert!(line.contains("--input-format"), "{line}");
    assert_eq!(fixture.register_bytes(), before);
}

#[test]
fn an_unknown_csv_column_is_refused() {
    let fixture = Fixture::initialised();
    let before = fixture.register_bytes();
    fixture.write("new.csv", "name,shoe_size\nAapo,44\n");
    let output = fixture
        .cmd()
        .args(["add", "--from", "new.csv"])
        .output()
        .unwrap();
    let line = assert_error(&output, 65);
    assert!(line.contains("shoe_size"), "{line}");
    assert_eq!(fixture.register_bytes(), before);
}

#[test]
fn an_unknown_consent_purpose_is_refused() {
    let fixture = Fixture::initialised();
    let before = fixture.register_bytes();
    let output = fixture
        .cmd()
        .args(["add", "--name", "Aapo", "--consent", "telepathy"])
        .output()
        .unwrap();
    let line = assert_error(&output, 65);
    // The message lists the register's purposes and does not repeat what the row held.
    assert!(line.contains("marketing"), "{line}");
    assert!(!line.contains("telepathy"), "{line}");
    assert_eq!(fixture.register_bytes(), before);
}

#[test]
fn an_email_already_in_the_register_in_another_case_exits_65_naming_the_row() {
    let (fixture, ids) = Fixture::with_customers();
    let before = fixture.register_bytes();
    fixture.write(
        "new.csv",
        "name,email\nAapo,aapo@example.fi\nAino V,AINO.Virtanen@Example.FI\n",
    );
    let output = fixture
        .cmd()
        .args(["add", "--from", "new.csv"])
        .output()
        .unwrap();
    let line = assert_error(&output, 65);
    assert!(line.contains("row 2"), "{line}");
    assert!(line.contains(&ids[0]), "names the existing subject: {line}");
    assert!(
        !line.to_lowercase().contains("aino.virtanen"),
        "the email leaked: {line}"
    );
    assert_eq!(fixture.register_bytes(), before);
}

#[test]
fn the_same_email_twice_in_one_batch_names_both_rows() {
    let fixture = Fixture::initialised();
    let before = fixture.register_bytes();
    fixture.write(
        "new.csv",
        "name,email\nAapo,aapo@example.fi\nBea,bea@example.fi\nCecilia,c@example.fi\nAapo again,Aapo@Example.fi\n",
    );
    let output = fixture
        .cmd()
        .args(["add", "--from", "new.csv"])
        .output()
        .unwrap();
    let line = assert_error(&output, 65);
    assert!(line.contains("row 4") && line.contains("row 1"), "{line}");
    assert_eq!(fixture.register_bytes(), before);
}

#[test]
fn a_flipped_byte_in_the_payload_is_refused() {
    let (fixture, _) = Fixture::with_customers();
    let mut bytes = fixture.register_bytes();
    let at = header_end(&bytes) + 16 + 10;
    bytes[at] ^= 0x01;
    let line = damaged_register_is_refused(&fixture, &bytes, &[65, 77]);
    assert!(
        line.contains("corrupt") || line.contains("decrypt"),
        "{line}"
    );
}

#[test]
fn a_flipped_byte_in_the_last_chunk_tag_is_refused() {
    let (fixture, _) = Fixture::with_customers();
    let mut bytes = fixture.register_bytes();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x80;
    damaged_register_is_refused(&fixture, &bytes, &[65, 77]);
}

#[test]
fn a_flipped_byte_in_the_header_mac_is_refused() {
    let (fixture, _) = Fixture::with_customers();
    let mut bytes = fixture.register_bytes();
    let end = header_end(&bytes);
    bytes[end - 5] ^= 0x01;
    damaged_register_is_refused(&fixture, &bytes, &[65, 77]);
}

#[test]
fn a_flipped_byte_in_the_recipient_stanza_is_refused() {
    let (fixture, _) = Fixture::with_customers();
    let mut bytes = fixture.register_bytes();
    // "age-encryption.org/v1\n-> X25519 " is 32 bytes; flip a byte of the ephemeral share.
    assert!(bytes[22..].starts_with(b"-> X25519 "));
    bytes[35] ^= 0x01;
    damaged_register_is_refused(&fixture, &bytes, &[65, 77]);
}

#[test]
fn a_truncated_register_is_refused() {
    let (fixture, _) = Fixture::with_customers();
    let bytes = fixture.register_bytes();
    let half = &bytes[..bytes.len() / 2];
    let line = damaged_register_is_refused(&fixture, half, &[65]);
    assert!(line.contains("corrupt"), "{line}");
}

#[test]
fn a_register_truncated_inside_its_header_is_refused() {
    let (fixture, _) = Fixture::with_customers();
    let bytes = fixture.register_bytes();
    damaged_register_is_refused(&fixture, &bytes[..40], &[65]);
}

#[test]
fn a_register_cut_off_right_after_its_header_is_refused() {
    let (fixture, _) = Fixture::with_customers();
    let bytes = fixture.register_bytes();
    let end = header_end(&bytes);
    damaged_register_is_refused(&fixture, &bytes[..end + 16], &[65]);
}

#[test]
fn a_file_that_is_not_age_is_refused() {
    let fixture = Fixture::initialised();
    // The register's own plaintext written unencrypted: JSON, not age.
    let plaintext = fixture.plaintext_bytes();
    let line = damaged_register_is_refused(&fixture, &plaintext, &[65]);
    assert!(line.contains("not an age"), "{line}");
}

#[test]
fn a_binary_file_that_is_not_age_is_refused() {
    let fixture = Fixture::initialised();
    let noise: Vec<u8> = (0u32..4096)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    damaged_register_is_refused(&fixture, &noise, &[65]);
}

#[test]
fn an_empty_register_file_is_refused() {
    let fixture = Fixture::initialised();
    damaged_register_is_refused(&fixture, b"", &[65]);
}

#[test]
fn a_register_whose_plaintext_is_not_a_register_is_refused() {
    let fixture = Fixture::initialised();
    let recipient = fixture.identity().to_public();
    let bytes = encrypt_to(
        br#"{"format": 1, "subjects": "Maija Meikalainen"}"#,
        &recipient,
    );
    let line = damaged_register_is_refused(&fixture, &bytes, &[65]);
    assert!(!line.contains("Maija"), "a value leaked: {line}");
}

#[test]
fn a_register_of_a_newer_format_asks_for_an_upgrade() {
    let fixture = Fixture::initialised();
    let recipient = fixture.identity().to_public();
    let bytes = encrypt_to(br#"{"format": 99}"#, &recipient);
    let line = damaged_register_is_refused(&fixture, &bytes, &[65]);
    assert!(line.contains("99"), "names the version found: {line}");
    let output = fixture.cmd().arg("export").output().unwrap();
    assert_error(&output, 65);
    let hint = hint_line(&output).expect("a hint");
    assert!(hint.contains("upgrade"), "{hint}");
}

#[test]
fn record_for_an_unknown_subject_exits_67() {
    let (fixture, _) = Fixture::with_customers();
    let before = fixture.register_bytes();
    for selector in ["nobody@example.fi", "00000000-0000-4000-8000-000000000000"] {
        let output = fixture
            .cmd()
            .args(["record", selector, "note", "hello"])
            .output()
            .unwrap();
        assert_error(&output, 67);
        assert!(hint_line(&output).is_some());
    }
    assert_eq!(fixture.register_bytes(), before);
}

#[test]
fn an_unknown_flag_is_a_usage_error() {
    let fixture = Fixture::initialised();
    let before = fixture.register_bytes();
    let output = fixture
        .cmd()
        .args(["add", "--name", "Aapo", "--shoe-size", "44"])
        .output()
        .unwrap();
    let line = assert_error(&output, 2);
    assert!(line.contains("--shoe-size"), "{line}");
    assert_eq!(fixture.register_bytes(), before);
}

#[test]
fn an_unknown_command_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let output = command(dir.path()).arg("frobnicate").output().unwrap();
    let line = assert_error(&output, 2);
    assert!(line.contains("frobnicate"), "{line}");
}

#[test]
fn a_bad_today_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let output = command(dir.path())
        .args(["--today", "5.3.2025", "schema"])
        .output()
        .unwrap();
    assert_error(&output, 2);
}

#[test]
fn an_invalid_identity_file_exits_78() {
    let fixture = Fixture::initialised();
    fixture.write("junk.txt", "AGE-SECRET-KEY-1NOTAKEY\n");
    let output = fixture
        .bare_cmd()
        .args(["-f", REGISTER, "-i", "junk.txt", "export"])
        .output()
        .unwrap();
    let line = assert_error(&output, 78);
    assert!(line.contains("junk.txt"), "{line}");
    assert!(!line.contains("NOTAKEY"), "key material echoed: {line}");
}
