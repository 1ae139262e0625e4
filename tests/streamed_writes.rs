//! Changes written in one streamed pass (`core::streamed`): on a register large enough for
//! the decrypting and encrypting threads, through the index or a scan, the result is the
//! register the change asked for, readable by Go `age` and `jq`; an index that a hand edit
//! made untrue, or that cannot settle a duplicate, hands the change to a scan, which then
//! writes or refuses exactly as it does for a register without an index.

mod support;

use serde_json::Value;
use support::*;

fn subject<'a>(document: &'a Value, id: &str) -> &'a Value {
    document["subjects"]
        .as_array()
        .expect("subjects")
        .iter()
        .find(|s| s["id"] == id)
        .expect("the subject is in the register")
}

#[test]
fn a_change_to_a_large_register_is_the_change_and_nothing_else() {
    let fixture = Fixture::generated(2500, 7);
    let before = fixture.plaintext();
    assert!(
        fixture.plaintext_bytes().len() > 4 * 1024 * 1024,
        "large enough for the threaded write"
    );
    let target = &before["subjects"][612];
    let id = target["id"].as_str().expect("an id").to_owned();
    let email = target["email"].as_str().expect("an email").to_uppercase();
    let output = fixture.run(&[
        "correct",
        &email,
        "--set",
        "phone=0401234567",
        "--reason",
        "asked",
    ]);
    assert_success(&output, "correct");
    assert_success(&fixture.run(&["audit", "verify"]), "audit verify");

    let after = fixture.plaintext();
    assert!(after["index"].is_string(), "the new file has its index");
    let subjects = |d: &Value| d["subjects"].as_array().expect("subjects").clone();
    let (old, new) = (subjects(&before), subjects(&after));
    assert_eq!(old.len(), new.len());
    for (was, is) in old.iter().zip(&new) {
        if was["id"] == id.as_str() {
            assert_eq!(is["phone"], "0401234567");
            let mut unchanged = is.clone();
            unchanged["phone"] = was["phone"].clone();
            unchanged["corrections"] = was["corrections"].clone();
            assert_eq!(&unchanged, was, "only the phone and its correction changed");
        } else {
            assert_eq!(was, is, "an untouched subject is copied as it was");
        }
    }
    let old_trail = before["audit"].as_array().expect("audit");
    let new_trail = after["audit"].as_array().expect("audit");
    assert_eq!(new_trail.len(), old_trail.len() + 1);
    assert_eq!(&new_trail[..old_trail.len()], old_trail.as_slice());
    for key in ["description", "requests", "erased", "tasks", "breaches"] {
        assert_eq!(before[key], after[key], "{key}");
    }

    // The file is an ordinary age file: Go age and jq read it, when they are installed.
    if let (Some(age), Some(jq)) = (required_tool("age"), required_tool("jq")) {
        let script = format!(
            "{} -d -i {} {} | {} -r --arg id {id} '.subjects[] | select(.id == $id) | .phone'",
            age.display(),
            fixture.key_path().display(),
            fixture.register_path().display(),
            jq.display()
        );
        let output = std::process::Command::new("sh")
            .args(["-c", &script])
            .output()
            .expect("sh runs");
        assert_success(&output, "age -d | jq");
        assert_eq!(stdout(&output).trim(), "0401234567");
    }

    // An erasure, through the streamed path too.
    let output = fixture.run(&["erase", &id, "--reason", "Art. 17(1)(a)"]);
    assert_success(&output, "erase");
    let erased = fixture.plaintext();
    assert_eq!(subjects(&erased).len(), old.len() - 1);
    assert!(
        !subjects(&erased).iter().any(|s| s["id"] == id.as_str()),
        "the erased subject is gone"
    );
    assert_success(
        &fixture.run(&["audit", "verify"]),
        "audit verify after erase",
    );
}

#[test]
fn a_hand_edit_that_keeps_every_length_is_changed_by_a_scan() {
    let fixture = Fixture::generated(300, 7);
    let document = fixture.plaintext();
    let plaintext = fixture.plaintext_bytes();
    let edited_subject = &document["subjects"][200];
    let old_email = edited_subject["email"].as_str().expect("an email");
    // One letter of another subject's email, as `sed` would change it: the index keeps
    // every offset, and its hash for that email is now wrong.
    let new_email = format!("q{}", &old_email[1..]);
    assert_ne!(old_email, new_email);
    let at = find(&plaintext, old_email.as_bytes()).expect("the email is in the document");
    let mut edited = plaintext.clone();
    edited[at] = b'q';
    fixture.put_back(&edited);

    let target = document["subjects"][10]["id"].as_str().expect("an id");
    let output = fixture.run(&[
        "correct",
        target,
        "--set",
        "phone=0401234567",
        "--reason",
        "asked",
    ]);
    assert_success(&output, "correct on a hand-edited register");
    assert_success(&fixture.run(&["audit", "verify"]), "audit verify");
    let after = fixture.plaintext();
    assert_eq!(subject(&after, target)["phone"], "0401234567");
    let edited_id = edited_subject["id"].as_str().expect("an id");
    assert_eq!(subject(&after, edited_id)["email"], new_email.as_str());
    // The new index finds the edited email.
    let output = fixture.run(&["--format", "json", "export", &new_email]);
    assert_success(&output, "export by the edited email");
}

#[test]
fn a_duplicate_is_refused_with_and_without_the_index_alike() {
    let fixture = Fixture::generated(200, 7);
    let document = fixture.plaintext();
    let taken = document["subjects"][150]["email"]
        .as_str()
        .expect("an email")
        .to_uppercase();
    let target = document["subjects"][20]["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let args = [
        "correct",
        target.as_str(),
        "--set",
        &format!("email={taken}"),
        "--reason",
        "asked",
    ];
    let before = fixture.register_bytes();
    let indexed = fixture.run(&args);
    let code = indexed.status.code();
    assert_ne!(code, Some(0), "a duplicate email is refused");
    assert_eq!(fixture.register_bytes(), before, "nothing was written");

    // The same register as an older version wrote it, without the index.
    let mut stripped = document.clone();
    stripped.as_object_mut().expect("an object").remove("index");
    stripped["format"] = Value::from(2);
    fixture.put_back(&serde_json::to_vec(&stripped).expect("JSON"));
    let scanned = fixture.run(&args);
    assert_eq!(scanned.status.code(), code);
    assert_eq!(stderr(&scanned), stderr(&indexed));
}
