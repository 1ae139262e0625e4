//! `export` of every subject parses no audit event and `audit verify` no subject. `export`
//! reads through the index only the chunks it needs (`store::indexed::outline_with`);
//! `audit verify` decrypts every chunk. Without an index both find their part by byte search
//! in the writer's layout (`core::scan`), and in any other layout (a hand edit through `jq`)
//! by a parse that skips the other part. All three layouts must give the same answers, and a
//! damaged subject or event must be found in each.

mod support;

use support::*;

/// The plaintext as format 2 wrote it: the writer's layout without the index.
fn without_index(plaintext: &[u8]) -> Vec<u8> {
    let text = std::str::from_utf8(plaintext).expect("UTF-8");
    let body = text.strip_prefix("{\"format\":3,").expect("format 3");
    let at = body.rfind(",\"index\":\"").expect("an index");
    format!("{{\"format\":2,{}}}", &body[..at]).into_bytes()
}

/// The plaintext as `jq .` would leave it: the same document, no longer in the writer's
/// layout (indented, keys in another order), its index no longer describing it.
fn hand_edited(plaintext: &[u8]) -> Vec<u8> {
    let document: serde_json::Value = serde_json::from_slice(plaintext).expect("JSON");
    serde_json::to_vec_pretty(&document).expect("serialise")
}

/// The three layouts of one document: with its index, without, and edited by hand.
fn layouts(plaintext: &[u8]) -> [(&'static str, Vec<u8>); 3] {
    [
        ("indexed", plaintext.to_vec()),
        ("without an index", without_index(plaintext)),
        ("hand-edited", hand_edited(plaintext)),
    ]
}

/// `plaintext` with the `n`th occurrence of `from` replaced by `to` of the same length, so
/// that the index still describes it.
fn replace_nth(plaintext: &[u8], from: &str, to: &str, n: usize) -> Vec<u8> {
    assert_eq!(from.len(), to.len(), "a replacement of the same length");
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

/// `export` of the register as it now is exits 65, saying `says` and not `personal`.
fn assert_export_refused(fixture: &Fixture, layout: &str, says: &str, personal: &str) {
    let output = fixture.run(&["export"]);
    assert_eq!(output.status.code(), Some(65), "{layout}: {output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(says), "{layout}: says {says:?}: {stderr}");
    assert!(!stderr.contains(personal), "no personal data in: {stderr}");
}

const READS: [&[&str]; 5] = [
    &["export"],
    &["--format", "json", "export"],
    &["--format", "csv", "export", "--include-restricted"],
    &["--format", "json", "audit", "verify"],
    &["audit", "verify"],
];

#[test]
fn every_layout_reads_the_same() {
    let fixture = Fixture::generated(60, 3);
    let compact = fixture.plaintext_bytes();
    let answers = |fixture: &Fixture| -> Vec<String> {
        READS
            .iter()
            .map(|args| {
                let output = fixture.run(args);
                assert_success(&output, &args.join(" "));
                String::from_utf8(output.stdout).expect("UTF-8 output")
            })
            .collect()
    };
    let first = answers(&fixture);
    assert!(
        first[0].lines().count() >= 60 + 4,
        "the table lists every subject:\n{}",
        first[0]
    );
    let exported: serde_json::Value = serde_json::from_str(&first[1]).expect("JSON");
    let document: serde_json::Value = serde_json::from_slice(&compact).expect("JSON");
    assert_eq!(
        exported, document["subjects"],
        "export lists the subjects as stored"
    );
    let verified: serde_json::Value = serde_json::from_str(&first[3]).expect("JSON");
    let audit = document["audit"].as_array().expect("events");
    assert_eq!(verified["events"].as_u64(), Some(audit.len() as u64));
    assert_eq!(verified["head"], audit[audit.len() - 1]["hash"]);

    for (layout, plaintext) in layouts(&compact) {
        fixture.put_back(&plaintext);
        assert_eq!(answers(&fixture), first, "{layout}");
    }
}

#[test]
fn a_broken_event_is_found_in_every_layout() {
    let fixture = Fixture::generated(20, 3);
    let compact = fixture.plaintext_bytes();
    // The fifth event's hash no longer matches its content.
    let document: serde_json::Value = serde_json::from_slice(&compact).expect("JSON");
    let hash = document["audit"][4]["hash"].as_str().expect("a hash");
    let flipped: String = hash
        .chars()
        .enumerate()
        .map(|(i, c)| match (i, c) {
            (0, '0') => '1',
            (0, _) => '0',
            (_, c) => c,
        })
        .collect();
    let broken = replace_nth(&compact, hash, &flipped, 0);
    for (layout, plaintext) in layouts(&broken) {
        fixture.put_back(&plaintext);
        let output = fixture.run(&["audit", "verify"]);
        assert_eq!(output.status.code(), Some(1), "{layout}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("broken at event 5"),
            "{layout}: the broken event is named: {stderr}"
        );
        // `export` does not parse the events.
        assert_success(&fixture.run(&["export"]), "export");
    }
}

#[test]
fn a_damaged_subject_is_reported_in_every_layout() {
    let fixture = Fixture::generated(20, 3);
    let compact = fixture.plaintext_bytes();
    // The eleventh subject's phone number is no longer a string.
    let document: serde_json::Value = serde_json::from_slice(&compact).expect("JSON");
    let phone = document["subjects"][10]["phone"]
        .as_str()
        .expect("a phone")
        .to_owned();
    let quoted = format!("\"{phone}\"");
    let damaged = replace_nth(&compact, &quoted, &"1".repeat(quoted.len()), 0);
    for (layout, plaintext) in layouts(&damaged) {
        fixture.put_back(&plaintext);
        assert_export_refused(&fixture, layout, "the register is corrupt", &phone);
        // The trail is whole: `audit verify` does not parse the subjects.
        assert_success(&fixture.run(&["audit", "verify"]), "audit verify");
    }
}

#[test]
fn a_duplicate_email_is_refused_in_every_layout() {
    let fixture = Fixture::generated(40, 3);
    let compact = fixture.plaintext_bytes();
    let document: serde_json::Value = serde_json::from_slice(&compact).expect("JSON");
    let emails: Vec<&str> = document["subjects"]
        .as_array()
        .expect("subjects")
        .iter()
        .map(|s| s["email"].as_str().expect("an email"))
        .collect();
    // Two subjects whose emails are as long, so that the index still describes the edit.
    let (first, second) = emails
        .iter()
        .enumerate()
        .find_map(|(i, a)| {
            emails[i + 1..]
                .iter()
                .find(|b| b.len() == a.len())
                .map(|b| (*a, *b))
        })
        .expect("two emails of one length");
    let duplicated = replace_nth(
        &compact,
        &format!("\"email\":\"{second}\""),
        &format!("\"email\":\"{}\"", first.to_uppercase()),
        0,
    );
    for (layout, plaintext) in layouts(&duplicated) {
        fixture.put_back(&plaintext);
        assert_export_refused(&fixture, layout, "email address another subject has", first);
    }
}
