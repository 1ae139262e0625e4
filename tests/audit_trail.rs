//! The audit trail (LEGAL §11): a hash chain `hash = SHA-256(prev ‖ canonical bytes)` whose
//! integrity `audit verify` checks. A trail edited outside rekisteri — an event changed,
//! removed, moved, or the tail cut off — is found, and `--expect HEAD` catches a history
//! rewritten with a valid-looking chain. `audit log` filters, and never shows personal data.
//!
//! The tampering is done with the age crate: decrypt, edit the JSON, encrypt again to the
//! register's own recipient. The chain is recomputed in this file, independently of
//! rekisteri, from the canonical serialisation `src/core/audit.rs` documents.

mod support;

use support::{
    AuditEvent, GENESIS, Register, Verified, event_hash, expect_fail, rechain, set_trail,
};

/// The first person: everything about them is distinctive, to be searched for.
const A_NAME: &str = "Ilmari Tarkistaja";
const A_EMAIL: &str = "ilmari.tarkistaja@example.fi";
const A_NEW_EMAIL: &str = "ilmari.t@example.net";
const A_PHONE: &str = "+358 40 765 4321";
const A_COMPANY: &str = "Tarkistusliike Ilmari Oy";
const A_ADDRESS: &str = "Kuusitie 3, 00270 Helsinki";
const A_NOTE: &str = "Soitti ja kysyi laskusta";
const B_NAME: &str = "Aino Lokinen";
const B_EMAIL: &str = "aino.lokinen@example.com";
const B_IP: &str = "192.0.2.44";

/// A register with eight events over three days:
///
/// | seq | day        | action           | subject |
/// |-----|------------|------------------|---------|
/// | 1   | 2025-03-05 | init             |         |
/// | 2   | 2025-03-05 | add              | A       |
/// | 3   | 2025-03-05 | add              | B       |
/// | 4   | 2025-03-06 | record-order     | A       |
/// | 5   | 2025-03-06 | record-note      | A       |
/// | 6   | 2025-03-10 | correct          | A       |
/// | 7   | 2025-03-10 | consent-give     | B       |
/// | 8   | 2025-03-10 | record-ip        | B       |
struct Built {
    register: Register,
    a: String,
    b: String,
}

fn build() -> Built {
    let register = Register::new();
    let a = register.add(&[
        "--name",
        A_NAME,
        "--email",
        A_EMAIL,
        "--phone",
        A_PHONE,
        "--company",
        A_COMPANY,
        "--address",
        A_ADDRESS,
    ]);
    let b = register.add(&["--name", B_NAME, "--email", B_EMAIL]);
    register.ok_on(
        "2025-03-06",
        &["record", &a, "order", "--product", "Sovellus X"],
    );
    register.ok_on("2025-03-06", &["record", &a, "note", A_NOTE]);
    register.ok_on(
        "2025-03-10",
        &[
            "correct",
            A_EMAIL,
            "--set",
            &format!("email={A_NEW_EMAIL}"),
            "--reason",
            "the subject asked",
        ],
    );
    register.ok_on("2025-03-10", &["consent", &b, "give", "marketing"]);
    register.ok_on("2025-03-10", &["record", &b, "ip", B_IP]);
    Built { register, a, b }
}

fn actions(events: &[AuditEvent]) -> Vec<&str> {
    events.iter().map(|e| e.action.as_str()).collect()
}

/// Rewrites the register's trail with `edit`, re-encrypting to its recipient.
fn tamper(register: &Register, edit: impl FnOnce(&mut Vec<AuditEvent>)) {
    let mut document = register.document();
    let mut events: Vec<AuditEvent> =
        serde_json::from_value(document["audit"].clone()).expect("audit events");
    edit(&mut events);
    set_trail(&mut document, &events);
    register.put_document(&document);
}

/// Runs `audit verify` and asserts it finds the trail broken at event `seq`.
fn assert_broken_at(register: &Register, seq: u64, what: &str) {
    let output = register.run(&["audit", "verify"]);
    let err = expect_fail(&format!("audit verify ({what})"), &output, 1);
    assert!(
        err.contains(&format!("event {seq}:")),
        "{what}: the error names event {seq}\n{err}"
    );
    assert!(
        err.lines().any(|l| l.starts_with("hint: ")),
        "{what}: a broken trail comes with a hint\n{err}"
    );
    // The JSON format fails the same way: no `{events, head}` for a broken trail.
    let output = register.run(&["--format", "json", "audit", "verify"]);
    expect_fail(&format!("audit verify --format json ({what})"), &output, 1);
}

#[test]
fn an_untouched_trail_verifies_and_prints_its_count_and_head() {
    let built = build();
    let register = &built.register;
    let trail = register.trail();
    assert_eq!(
        actions(&trail),
        [
            "init",
            "add",
            "add",
            "record-order",
            "record-note",
            "correct",
            "consent-give",
            "record-ip"
        ]
    );

    // The chain as this test computes it on its own: every hash and link agrees.
    let mut prev = GENESIS.to_owned();
    for (index, event) in trail.iter().enumerate() {
        assert_eq!(event.seq, index as u64 + 1);
        assert_eq!(
            event.prev, prev,
            "event {} links to the one before",
            event.seq
        );
        assert_eq!(
            event.hash,
            event_hash(event),
            "event {} carries SHA-256(prev ‖ canonical bytes)",
            event.seq
        );
        assert_eq!(event.actor, "tester");
        prev = event.hash.clone();
    }
    let head = trail.last().expect("a trail").hash.clone();

    let table = register.ok(&["audit", "verify"]);
    assert!(
        table.split_whitespace().any(|word| word == "8"),
        "the count is printed: {table}"
    );
    assert!(table.contains(&head), "the head is printed: {table}");

    let verified: Verified = register.json(&["audit", "verify"]);
    assert_eq!(
        verified,
        Verified {
            events: 8,
            head: head.clone()
        }
    );

    // --expect with the current head, and with a head recorded before later changes.
    register.ok(&["audit", "verify", "--expect", &head]);
    register.ok(&["audit", "verify", "--expect", &trail[3].hash]);
    register.ok(&["record", &built.a, "note", "another note"]);
    let grown: Verified = register.json(&["audit", "verify", "--expect", &head]);
    assert_eq!(grown.events, 9);
    assert_ne!(grown.head, head);

    // `audit log` shows the same trail the file holds.
    let logged: Vec<AuditEvent> = register.json(&["audit", "log"]);
    assert_eq!(logged, register.trail());
}

#[test]
fn an_edited_event_breaks_the_chain_at_that_event() {
    let built = build();
    let register = &built.register;
    let original = register.bytes();
    let b = built.b.clone();

    type Edit = Box<dyn Fn(&mut Vec<AuditEvent>)>;
    let edits: Vec<(&str, u64, Edit)> = vec![
        (
            "fields",
            4,
            Box::new(|t: &mut Vec<AuditEvent>| t[3].fields = vec!["notes".into()]),
        ),
        (
            "actor",
            4,
            Box::new(|t: &mut Vec<AuditEvent>| t[3].actor = "mallory".into()),
        ),
        (
            "action",
            6,
            Box::new(|t: &mut Vec<AuditEvent>| t[5].action = "record-note".into()),
        ),
        (
            "at",
            5,
            Box::new(|t: &mut Vec<AuditEvent>| t[4].at = "2025-03-07T12:00:00Z".into()),
        ),
        (
            "subject",
            4,
            Box::new(move |t: &mut Vec<AuditEvent>| t[3].subject = Some(b.clone())),
        ),
        (
            "request",
            2,
            Box::new(|t: &mut Vec<AuditEvent>| t[1].request = Some("R-0001".into())),
        ),
        (
            "prev",
            3,
            Box::new(|t: &mut Vec<AuditEvent>| t[2].prev = GENESIS.into()),
        ),
        (
            "hash of the last event",
            8,
            Box::new(|t: &mut Vec<AuditEvent>| t[7].hash = "ab".repeat(32)),
        ),
        (
            "first event's fields",
            1,
            Box::new(|t: &mut Vec<AuditEvent>| t[0].fields = vec!["description".into()]),
        ),
        // The editor fixes the edited event's own hash: the next event's link gives it away.
        (
            "fields, with the event's own hash recomputed",
            5,
            Box::new(|t: &mut Vec<AuditEvent>| {
                t[3].fields = vec!["notes".into()];
                t[3].hash = event_hash(&t[3]);
            }),
        ),
    ];
    for (what, seq, edit) in edits {
        tamper(register, |t| edit(t));
        assert_broken_at(register, seq, what);
        register.put_bytes(&original);
        register.ok(&["audit", "verify"]);
    }
}

#[test]
fn a_deleted_event_breaks_the_chain() {
    let built = build();
    let register = &built.register;
    let original = register.bytes();

    // A middle event removed: the one after it is out of place.
    tamper(register, |t| {
        t.remove(3);
    });
    assert_broken_at(register, 5, "event 4 deleted");
    register.put_bytes(&original);

    // …and the sequence numbers closed up: its link no longer fits.
    tamper(register, |t| {
        t.remove(3);
        for (i, e) in t.iter_mut().enumerate() {
            e.seq = i as u64 + 1;
        }
    });
    assert_broken_at(register, 4, "event 4 deleted and the rest renumbered");
    register.put_bytes(&original);

    // The first event removed.
    tamper(register, |t| {
        t.remove(0);
    });
    assert_broken_at(register, 2, "event 1 deleted");
    register.put_bytes(&original);

    tamper(register, |t| {
        t.remove(0);
        for (i, e) in t.iter_mut().enumerate() {
            e.seq = i as u64 + 1;
        }
    });
    assert_broken_at(register, 1, "event 1 deleted and the rest renumbered");
}

#[test]
fn swapped_events_break_the_chain() {
    let built = build();
    let register = &built.register;
    let original = register.bytes();

    tamper(register, |t| t.swap(3, 4));
    assert_broken_at(register, 5, "events 4 and 5 swapped");
    register.put_bytes(&original);

    tamper(register, |t| {
        t.swap(3, 4);
        t[3].seq = 4;
        t[4].seq = 5;
    });
    assert_broken_at(register, 4, "events 4 and 5 swapped and renumbered");
    register.put_bytes(&original);

    tamper(register, |t| t.swap(0, 7));
    assert_broken_at(register, 8, "the first and last events swapped");
}

#[test]
fn a_truncated_trail_is_caught_by_the_expected_head() {
    let built = build();
    let register = &built.register;
    let old: Verified = register.json(&["audit", "verify"]);
    assert_eq!(old.events, 8);
    let trail = register.trail();

    // Dropping the last events leaves a valid chain…
    tamper(register, |t| t.truncate(6));
    let cut: Verified = register.json(&["audit", "verify"]);
    assert_eq!(
        cut,
        Verified {
            events: 6,
            head: trail[5].hash.clone()
        }
    );
    // …which the head recorded before does not fit.
    let output = register.run(&["audit", "verify", "--expect", &old.head]);
    let err = expect_fail("audit verify --expect OLD (truncated)", &output, 1);
    assert!(err.contains("expected head"), "{err}");
    let output = register.run(&["--format", "json", "audit", "verify", "--expect", &old.head]);
    expect_fail(
        "audit verify --format json --expect OLD (truncated)",
        &output,
        1,
    );
    // The truncated chain's own head, or an older one, still passes.
    register.ok(&["audit", "verify", "--expect", &cut.head]);
    register.ok(&["audit", "verify", "--expect", &trail[1].hash]);

    // Every event but the first dropped: still caught.
    tamper(register, |t| t.truncate(1));
    let output = register.run(&["audit", "verify", "--expect", &old.head]);
    expect_fail(
        "audit verify --expect OLD (all but init dropped)",
        &output,
        1,
    );
}

#[test]
fn a_rewritten_history_with_a_valid_chain_is_caught_by_the_expected_head() {
    let built = build();
    let register = &built.register;
    let old: Verified = register.json(&["audit", "verify"]);
    let trail = register.trail();

    // Event 6 (the correction) made to look like a note, and every hash after it redone.
    tamper(register, |t| {
        t[5].action = "record-note".into();
        t[5].fields = vec!["notes".into()];
        t[5].actor = "someone-else".into();
        rechain(t);
    });
    let rewritten = register.trail();
    assert_eq!(rewritten[5].action, "record-note");

    // The chain verifies (this test's hash equals rekisteri's), but the old head is gone.
    let now: Verified = register.json(&["audit", "verify"]);
    assert_eq!(now.events, 8);
    assert_eq!(now.head, rewritten[7].hash);
    assert_ne!(now.head, old.head);
    let output = register.run(&["audit", "verify", "--expect", &old.head]);
    let err = expect_fail("audit verify --expect OLD (rewritten)", &output, 1);
    assert!(err.contains("expected head"), "{err}");
    // The events before the rewrite keep their hashes: a head recorded then still fits.
    assert_eq!(rewritten[4].hash, trail[4].hash);
    register.ok(&["audit", "verify", "--expect", &trail[4].hash]);
    // The current head passes, and an unknown hash does not.
    register.ok(&["audit", "verify", "--expect", &now.head]);
    let output = register.run(&["audit", "verify", "--expect", &"0f".repeat(32)]);
    expect_fail("audit verify --expect UNKNOWN", &output, 1);

    // A rewrite that also deletes an event, renumbering the rest: same.
    tamper(register, |t| {
        t.remove(2);
        rechain(t);
    });
    let short: Verified = register.json(&["audit", "verify"]);
    assert_eq!(short.events, 7);
    let output = register.run(&["audit", "verify", "--expect", &now.head]);
    expect_fail(
        "audit verify --expect (event deleted and rechained)",
        &output,
        1,
    );
    let output = register.run(&["audit", "verify", "--expect", &old.head]);
    expect_fail(
        "audit verify --expect OLD (event deleted and rechained)",
        &output,
        1,
    );
}

#[test]
fn audit_log_filters_by_subject_action_and_date() {
    let built = build();
    let register = &built.register;
    let (a, b) = (&built.a, &built.b);

    let all: Vec<AuditEvent> = register.json(&["audit", "log"]);
    assert_eq!(all.len(), 8);

    let of_a: Vec<AuditEvent> = register.json(&["audit", "log", "--subject", a]);
    assert_eq!(
        actions(&of_a),
        ["add", "record-order", "record-note", "correct"]
    );
    assert!(
        of_a.iter()
            .all(|e| e.subject.as_deref() == Some(a.as_str()))
    );
    // The subject by its (current) email address, matched case-insensitively.
    let by_email: Vec<AuditEvent> =
        register.json(&["audit", "log", "--subject", &A_NEW_EMAIL.to_uppercase()]);
    assert_eq!(by_email, of_a);
    let of_b: Vec<AuditEvent> = register.json(&["audit", "log", "--subject", b]);
    assert_eq!(actions(&of_b), ["add", "consent-give", "record-ip"]);

    let corrections: Vec<AuditEvent> = register.json(&["audit", "log", "--action", "correct"]);
    assert_eq!(corrections.len(), 1);
    assert_eq!(corrections[0].seq, 6);
    assert_eq!(corrections[0].subject.as_deref(), Some(a.as_str()));
    assert_eq!(corrections[0].fields, ["email"]);
    let adds: Vec<AuditEvent> = register.json(&["audit", "log", "--action", "add"]);
    assert_eq!(
        adds.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [2, 3],
        "{adds:?}"
    );

    let since: Vec<AuditEvent> = register.json(&["audit", "log", "--since", "2025-03-06"]);
    assert_eq!(
        since.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [4, 5, 6, 7, 8]
    );
    assert!(since.iter().all(|e| e.at.as_str() >= "2025-03-06"));
    let late: Vec<AuditEvent> = register.json(&["audit", "log", "--since", "2025-03-10"]);
    assert_eq!(late.iter().map(|e| e.seq).collect::<Vec<_>>(), [6, 7, 8]);
    let none: Vec<AuditEvent> = register.json(&["audit", "log", "--since", "2025-03-11"]);
    assert!(none.is_empty(), "{none:?}");

    // The filters combine.
    let combined: Vec<AuditEvent> = register.json(&[
        "audit",
        "log",
        "--subject",
        b,
        "--since",
        "2025-03-10",
        "--action",
        "record-ip",
    ]);
    assert_eq!(combined.len(), 1);
    assert_eq!(combined[0].seq, 8);
    let nothing: Vec<AuditEvent> =
        register.json(&["audit", "log", "--subject", b, "--action", "correct"]);
    assert!(nothing.is_empty(), "{nothing:?}");

    // An unknown subject is an error, never an empty guess.
    let output = register.run(&["audit", "log", "--subject", "nobody@example.fi"]);
    let err = expect_fail("audit log --subject UNKNOWN", &output, 67);
    assert!(!err.contains("nobody@example.fi"), "{err}");
    // A bad date is a usage error.
    let output = register.run(&["audit", "log", "--since", "6.3.2025"]);
    expect_fail("audit log --since BAD", &output, 2);
}

#[test]
fn the_trail_never_holds_a_name_email_or_other_personal_value() {
    let built = build();
    let register = &built.register;
    // After an erasure too.
    register.ok(&["erase", &built.b, "--reason", "the subject asked"]);

    let personal = [
        A_NAME,
        A_EMAIL,
        A_NEW_EMAIL,
        A_PHONE,
        "+358407654321",
        "407654321",
        A_COMPANY,
        A_ADDRESS,
        A_NOTE,
        B_NAME,
        B_EMAIL,
        B_IP,
        "Ilmari",
        "Tarkistaja",
        "Lokinen",
    ];
    let document = register.document();
    let trail = serde_json::to_string(&document["audit"]).expect("the trail as JSON");
    let mut shown = vec![("the register's audit array", trail)];
    for format in ["table", "csv", "json"] {
        shown.push((
            "audit log",
            register.ok(&["--format", format, "audit", "log"]),
        ));
    }
    for (what, text) in &shown {
        let lower = text.to_lowercase();
        for value in personal {
            assert!(
                !lower.contains(&value.to_lowercase()),
                "{what} holds `{value}`:\n{text}"
            );
        }
    }
    // The events name subjects by their random ids only.
    let events: Vec<AuditEvent> = register.json(&["audit", "log"]);
    assert_eq!(events.last().map(|e| e.action.as_str()), Some("erase"));
    for event in &events {
        if let Some(subject) = &event.subject {
            assert!(
                *subject == built.a || *subject == built.b,
                "event {} names a subject by something else than its id: {subject}",
                event.seq
            );
        }
    }
    register.ok(&["audit", "verify"]);
}

/// The trail survives an erasure whole (LEGAL §11); an erased subject's events can still be
/// listed by the subject's id, the one thing left that names them.
#[test]
fn audit_log_lists_an_erased_subjects_events_by_id() {
    let built = build();
    let register = &built.register;
    register.ok(&["erase", &built.b, "--reason", "the subject asked"]);
    let all: Vec<AuditEvent> = register.json(&["audit", "log"]);
    let expected: Vec<AuditEvent> = all
        .into_iter()
        .filter(|e| e.subject.as_deref() == Some(built.b.as_str()))
        .collect();
    assert_eq!(
        actions(&expected),
        ["add", "consent-give", "record-ip", "erase"]
    );
    let output = register.run(&["--format", "json", "audit", "log", "--subject", &built.b]);
    let text = support::expect_ok("audit log --subject ERASED-ID", &output);
    let listed: Vec<AuditEvent> = serde_json::from_str(&text).expect("audit events");
    assert_eq!(listed, expected);
}

/// `--since` is a calendar date, as `--today` is: the date in Europe/Helsinki. An event
/// written at 23:30 UTC on 5 March happened at 01:30 on 6 March in Helsinki.
#[test]
fn audit_log_since_takes_the_date_in_helsinki() {
    let built = build();
    let register = &built.register;
    tamper(register, |t| {
        t[3].at = "2025-03-05T23:30:00Z".into();
        rechain(t);
    });
    register.ok(&["audit", "verify"]);
    let since: Vec<AuditEvent> = register.json(&["audit", "log", "--since", "2025-03-06"]);
    assert_eq!(
        since.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [4, 5, 6, 7, 8],
        "the event at 2025-03-05T23:30:00Z (2025-03-06 01:30 in Helsinki) is on or after 2025-03-06"
    );
}
