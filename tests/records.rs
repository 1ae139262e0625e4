//! `record`: the everyday facts of a customer relationship land on the subject, show in the
//! JSON export, and leave one audit event each that names fields but no personal data.

mod support;

use support::*;

fn record(fixture: &Fixture, args: &[&str]) -> std::process::Output {
    let output = fixture.cmd().arg("record").args(args).output().unwrap();
    assert_success(&output, &format!("record {}", args.join(" ")));
    output
}

/// Records one of each fact for the first customer (Aino Virtanen), mixing id and
/// email selectors. Returns the fixture and Aino's id.
fn aino_with_every_fact() -> (Fixture, String) {
    let (fixture, ids) = Fixture::with_customers();
    let aino = ids[0].clone();
    let email = "Aino.Virtanen@EXAMPLE.fi"; // matched case-insensitively
    record(
        &fixture,
        &[
            &aino,
            "order",
            "--product",
            "Mobile app",
            "--on",
            "2025-02-01",
        ],
    );
    record(
        &fixture,
        &[
            email,
            "order",
            "--product",
            "Mobile app",
            "--change",
            "added push notifications",
        ],
    );
    record(
        &fixture,
        &[
            &aino,
            "invoice",
            "--number",
            "2025-0042",
            "--date",
            "2025-03-01",
            "--amount",
            "249,5",
        ],
    );
    record(&fixture, &[email, "ip", "2001:db8::42"]);
    record(&fixture, &[&aino, "note", "Wants a demo in April."]);
    record(
        &fixture,
        &[
            email,
            "disclosure",
            "--recipient",
            "tilitoimisto",
            "--fields",
            "name,address,invoices",
        ],
    );
    (fixture, aino)
}

#[test]
fn every_recorded_fact_shows_in_the_json_export() {
    let (fixture, aino) = aino_with_every_fact();
    let subjects = fixture.export_json();
    assert_eq!(subjects.len(), 12);
    let subject = subjects.iter().find(|s| s.id == aino).expect("Aino");
    assert_eq!(
        subject.orders,
        [Order {
            product: "Mobile app".into(),
            ordered_on: "2025-02-01".into(),
            changes: vec![OrderChange {
                on: TODAY.into(),
                change: "added push notifications".into()
            }],
        }]
    );
    assert_eq!(
        subject.invoices,
        [Invoice {
            number: "2025-0042".into(),
            date: "2025-03-01".into(),
            amount: "249.50".into()
        }]
    );
    let ips: Vec<&str> = subject.ips.iter().map(|ip| ip.address.as_str()).collect();
    assert_eq!(ips, ["192.0.2.10", "2001:db8::42"]);
    assert_eq!(subject.ips[1].seen, NOW);
    let notes: Vec<&str> = subject.notes.iter().map(|n| n.text.as_str()).collect();
    assert_eq!(
        notes,
        [
            "Kiinnostunut mobiilisovelluksesta.",
            "Wants a demo in April."
        ]
    );
    assert_eq!(subject.notes[1].author, ACTOR);
    assert_eq!(
        subject.disclosures,
        [Disclosure {
            recipient: "Esimerkki Tilitoimisto Oy (example)".into(),
            on: TODAY.into(),
            fields: vec!["name".into(), "address".into(), "invoices".into()],
        }]
    );
    assert_eq!(subject.updated, NOW);

    // The other subjects are untouched.
    for other in subjects.iter().filter(|s| s.id != aino) {
        assert!(other.orders.is_empty() && other.invoices.is_empty());
        assert!(other.disclosures.is_empty());
    }
}

#[test]
fn each_change_leaves_one_audit_event_with_field_names_only() {
    let (fixture, aino) = aino_with_every_fact();
    let plaintext = fixture.plaintext();
    let audit = audit_trail(&plaintext);

    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    let mut expected = vec!["init"];
    expected.extend(std::iter::repeat_n("add", 12));
    expected.extend([
        "record-order",
        "record-order-change",
        "record-invoice",
        "record-ip",
        "record-note",
        "record-disclosure",
    ]);
    assert_eq!(actions, expected);

    let records = &audit[13..];
    let fields: Vec<Vec<&str>> = records
        .iter()
        .map(|e| e.fields.iter().map(String::as_str).collect())
        .collect();
    assert_eq!(
        fields,
        [
            vec!["orders"],
            vec!["orders"],
            vec!["invoices"],
            vec!["ips"],
            vec!["notes"],
            vec!["disclosures"],
        ]
    );
    for event in records {
        assert_eq!(event.subject.as_deref(), Some(aino.as_str()));
        assert_eq!(event.actor, ACTOR);
        assert_eq!(event.at, NOW);
    }
    let add = &audit[1];
    assert!(add.fields.contains(&"name".to_owned()));
    assert!(add.fields.contains(&"email".to_owned()));

    // A chain: numbered from 1, each event linked to the one before.
    for (index, event) in audit.iter().enumerate() {
        assert_eq!(event.seq, index as u64 + 1);
        let prev = if index == 0 {
            "0".repeat(64)
        } else {
            audit[index - 1].hash.clone()
        };
        assert_eq!(
            event.prev, prev,
            "event {} links to its predecessor",
            event.seq
        );
        assert_eq!(event.hash.len(), 64);
    }

    // No personal data in the trail: no name, email, phone, address or recorded text.
    let trail = serde_json::to_string(&plaintext["audit"])
        .unwrap()
        .to_lowercase();
    for row in customer_rows() {
        for value in [&row.name, &row.email, &row.address] {
            if !value.is_empty() {
                assert!(
                    !trail.contains(&value.to_lowercase()),
                    "the audit trail holds `{value}`"
                );
            }
        }
    }
    for value in [
        "+358401234567",
        "mobile app",
        "2025-0042",
        "2001:db8::42",
        "tilitoimisto",
    ] {
        assert!(!trail.contains(value), "the audit trail holds `{value}`");
    }
}

#[test]
fn the_register_with_every_fact_still_validates_against_the_schema() {
    let (fixture, _) = aino_with_every_fact();
    let schema: serde_json::Value =
        serde_json::from_slice(&std::fs::read(repo_file("register.schema.json")).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let plaintext = fixture.plaintext();
    let errors: Vec<String> = validator
        .iter_errors(&plaintext)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "schema errors: {errors:#?}");
}

#[test]
fn record_prints_what_it_recorded_on_stderr_only() {
    let (fixture, ids) = Fixture::with_customers();
    let output = record(&fixture, &[&ids[1], "note", "Soitti."]);
    assert!(output.stdout.is_empty());
    let stderr = stderr(&output);
    assert!(
        stderr.contains("note") && stderr.contains(&ids[1]),
        "{stderr}"
    );
}

#[test]
fn a_change_to_an_order_that_does_not_exist_is_refused() {
    let (fixture, ids) = Fixture::with_customers();
    let before = fixture.register_bytes();
    let output = fixture
        .cmd()
        .args([
            "record",
            &ids[0],
            "order",
            "--product",
            "Unknown",
            "--change",
            "bigger",
        ])
        .output()
        .unwrap();
    let line = assert_error(&output, 65);
    assert!(line.contains(&ids[0]), "{line}");
    assert_eq!(fixture.register_bytes(), before);
}

#[test]
fn a_disclosure_of_an_unknown_field_is_refused() {
    let (fixture, ids) = Fixture::with_customers();
    let before = fixture.register_bytes();
    let output = fixture
        .cmd()
        .args([
            "record",
            &ids[0],
            "disclosure",
            "--recipient",
            "tilitoimisto",
            "--fields",
            "name,shoe_size",
        ])
        .output()
        .unwrap();
    let line = assert_error(&output, 65);
    assert!(line.contains("shoe_size"), "{line}");
    assert_eq!(fixture.register_bytes(), before);
}

#[test]
fn an_invalid_invoice_amount_or_ip_is_refused() {
    let (fixture, ids) = Fixture::with_customers();
    let before = fixture.register_bytes();
    let output = fixture
        .cmd()
        .args([
            "record",
            &ids[0],
            "invoice",
            "--number",
            "1",
            "--date",
            "2025-03-01",
            "--amount",
            "12.345",
        ])
        .output()
        .unwrap();
    let line = assert_error(&output, 65);
    assert!(line.contains("amount"), "{line}");
    let output = fixture
        .cmd()
        .args(["record", &ids[0], "ip", "300.1.2.3"])
        .output()
        .unwrap();
    let line = assert_error(&output, 65);
    assert!(line.contains("address") || line.contains("ip"), "{line}");
    assert!(!line.contains("300.1.2.3"), "{line}");
    assert_eq!(fixture.register_bytes(), before);
}
