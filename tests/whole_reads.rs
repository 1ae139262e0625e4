//! `export` of every subject and `audit verify` read only the part of the register they need
//! when it is laid out as the writer lays it out (`core::scan`), and the whole register when
//! it is not (a hand edit through `jq`). Both ways must give the same answers, and a damaged
//! subject or event must be found either way.

mod support;

use std::process::Output;

use support::*;

/// A fixture with `count` generated subjects, their events and requests.
fn generated(count: usize) -> Fixture {
    let fixture = Fixture::new();
    let output = fixture
        .cmd()
        .args(["generate", "--subjects", &count.to_string(), "--seed", "3"])
        .output()
        .expect("generate runs");
    assert_success(&output, "generate");
    fixture
}

fn run(fixture: &Fixture, args: &[&str]) -> Output {
    fixture.cmd().args(args).output().expect("rekisteri runs")
}

/// Replaces the register with `plaintext`, encrypted by the age crate to the fixture's key.
fn put_back(fixture: &Fixture, plaintext: &[u8]) {
    let recipient = fixture.identity().to_public();
    std::fs::remove_file(fixture.register_path()).expect("remove the register");
    write_private(&fixture.register_path(), &encrypt_to(plaintext, &recipient));
}

/// The plaintext as `jq .` would leave it: the same document, no longer in the writer's
/// layout (indented, keys in another order).
fn hand_edited(plaintext: &[u8]) -> Vec<u8> {
    let document: serde_json::Value = serde_json::from_slice(plaintext).expect("JSON");
    serde_json::to_vec_pretty(&document).expect("serialise")
}

/// `plaintext` with the `n`th occurrence of `from` replaced by `to`.
fn replace_nth(plaintext: &[u8], from: &str, to: &str, n: usize) -> Vec<u8> {
    let text = std::str::from_utf8(plaintext).expect("UTF-8");
    let (at, _) = text
        .match_indices(from)
        .nth(n)
        .unwrap_or_else(|| panic!("occurrence {n} of {from}"));
    let mut edited = String::with_capacity(text.len());
    edited.push_str(&text[..at]);
    edited.push_str(to);
    edited.push_str(&text[at + from.len()..]);
    edited.into_bytes()
}

const READS: [&[&str]; 5] = [
    &["export"],
    &["--format", "json", "export"],
    &["--format", "csv", "export", "--include-restricted"],
    &["--format", "json", "audit", "verify"],
    &["audit", "verify"],
];

#[test]
fn the_writers_layout_and_a_hand_edited_one_read_the_same() {
    let fixture = generated(60);
    let compact = fixture.plaintext_bytes();
    let answers = |fixture: &Fixture| -> Vec<String> {
        READS
            .iter()
            .map(|args| {
                let output = run(fixture, args);
                assert_success(&output, &args.join(" "));
                String::from_utf8(output.stdout).expect("UTF-8 output")
            })
            .collect()
    };
    let from_layout = answers(&fixture);
    assert!(
        from_layout[0].lines().count() >= 60 + 4,
        "the table lists every subject:\n{}",
        from_layout[0]
    );
    let exported: serde_json::Value = serde_json::from_str(&from_layout[1]).expect("JSON");
    let document: serde_json::Value = serde_json::from_slice(&compact).expect("JSON");
    assert_eq!(
        exported.as_array().map(Vec::len),
        document["subjects"].as_array().map(Vec::len)
    );
    let verified: serde_json::Value = serde_json::from_str(&from_layout[3]).expect("JSON");
    assert_eq!(
        verified["events"].as_u64(),
        document["audit"].as_array().map(|a| a.len() as u64)
    );

    put_back(&fixture, &hand_edited(&compact));
    assert_eq!(answers(&fixture), from_layout);
}

#[test]
fn a_broken_event_is_found_in_either_layout() {
    let fixture = generated(20);
    let compact = fixture.plaintext_bytes();
    // The fifth event's content changes under its hash.
    let broken = replace_nth(&compact, "\"actor\":\"", "\"actor\":\"x", 4);
    for (layout, plaintext) in [
        ("writer's", broken.clone()),
        ("hand-edited", hand_edited(&broken)),
    ] {
        put_back(&fixture, &plaintext);
        let output = run(&fixture, &["audit", "verify"]);
        assert_eq!(output.status.code(), Some(1), "{layout} layout: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("event 5") || stderr.contains("5:"),
            "{layout} layout: the broken event is named: {stderr}"
        );
    }
}

#[test]
fn a_damaged_subject_is_reported_in_either_layout() {
    let fixture = generated(20);
    let compact = fixture.plaintext_bytes();
    // The eleventh subject's phone number is no longer a string.
    let document: serde_json::Value = serde_json::from_slice(&compact).expect("JSON");
    let phone = document["subjects"][10]["phone"]
        .as_str()
        .expect("a phone")
        .to_owned();
    let damaged = replace_nth(
        &compact,
        &format!("\"phone\":\"{phone}\""),
        "\"phone\":40",
        0,
    );
    for (layout, plaintext) in [
        ("writer's", damaged.clone()),
        ("hand-edited", hand_edited(&damaged)),
    ] {
        put_back(&fixture, &plaintext);
        let output = run(&fixture, &["export"]);
        assert_eq!(
            output.status.code(),
            Some(65),
            "{layout} layout: {output:?}"
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("corrupt") || stderr.contains("wrong type"),
            "{layout} layout: says the register is damaged: {stderr}"
        );
        assert!(!stderr.contains(&phone), "no personal data in: {stderr}");
        // The trail is whole: `audit verify` does not parse the subjects.
        assert_success(&run(&fixture, &["audit", "verify"]), "audit verify");
    }
}

#[test]
fn a_duplicate_email_is_refused_by_the_partial_read_too() {
    let fixture = generated(20);
    let compact = fixture.plaintext_bytes();
    let document: serde_json::Value = serde_json::from_slice(&compact).expect("JSON");
    let first = document["subjects"][0]["email"].as_str().expect("an email");
    let third = document["subjects"][2]["email"].as_str().expect("an email");
    let duplicated = replace_nth(
        &compact,
        &format!("\"email\":\"{third}\""),
        &format!("\"email\":\"{}\"", first.to_uppercase()),
        0,
    );
    put_back(&fixture, &duplicated);
    let output = run(&fixture, &["export"]);
    assert_eq!(output.status.code(), Some(65), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("email address another subject has"),
        "{stderr}"
    );
    assert!(!stderr.contains(first), "no personal data in: {stderr}");
}
