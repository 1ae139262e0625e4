//! Storage limitation through the binary (LEGAL §12): each data category's retention rule of
//! `examples/twebs.json` (network P12M from collected, identity and the rest P2Y from the end
//! of the relationship, billing P6Y from the end of the year, the erasure guard P3Y), the cron
//! check `retention check` and its exit codes, and `retention apply`, which purges items,
//! erases whole subjects as `erase` does, and purges kept records and guard entries.

mod support;

use serde::Deserialize;
use support::{AuditEvent, Register};

/// A row of `retention check --format json` / `retention apply --format json`.
#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct DueRow {
    subject: String,
    category: String,
    action: String,
    due: String,
    days_left: i64,
    items: usize,
    status: String,
}

/// `retention check` on `today` with `flags`: (exit code, stdout).
fn check(register: &Register, today: &str, flags: &[&str]) -> (i32, String) {
    register.check_on(today, &[&["retention", "check"], flags].concat())
}

fn rows(register: &Register, today: &str, flags: &[&str]) -> (i32, Vec<DueRow>) {
    register.check_json_on(today, &[&["retention", "check"], flags].concat())
}

fn apply(register: &Register, today: &str) -> Vec<DueRow> {
    register.json_on(today, &["retention", "apply", "--yes"])
}

/// Adds a subject on `today`; returns its id.
fn add_on(register: &Register, today: &str, flags: &[&str]) -> String {
    let mut args = vec!["add"];
    args.extend_from_slice(flags);
    register.ok_on(today, &args).trim().to_owned()
}

fn events(register: &Register, id: &str) -> Vec<AuditEvent> {
    register.json(&["audit", "log", "--subject", id])
}

#[test]
fn an_ip_seen_on_a_leap_day_is_due_twelve_months_later_on_28_february() {
    let register = Register::new();
    let id = add_on(
        &register,
        "2024-02-29",
        &["--name", "Leap Day", "--ip", "192.0.2.29"],
    );

    // 2024-02-29 + P12M clamps to 2025-02-28, the first day the address may not be kept.
    let (code, quiet) = check(&register, "2025-02-27", &[]);
    assert_eq!((code, quiet.as_str()), (0, ""), "not a day earlier");
    let (code, due) = rows(&register, "2025-02-27", &["--within", "1"]);
    assert_eq!(code, 1, "inside a one-day window");
    assert_eq!(
        due,
        vec![DueRow {
            subject: id.clone(),
            category: "network".into(),
            action: "purge-items".into(),
            due: "2025-02-28".into(),
            days_left: 1,
            items: 1,
            status: "due".into(),
        }]
    );
    assert!(apply(&register, "2025-02-27").is_empty());
    assert_eq!(register.subject(&id).ips.len(), 1);

    let (code, due) = rows(&register, "2025-02-28", &[]);
    assert_eq!(code, 1);
    assert_eq!(due.len(), 1);
    let applied = apply(&register, "2025-02-28");
    assert_eq!(applied.len(), 1);
    assert!(register.subject(&id).ips.is_empty());
    assert!(!register.plaintext().contains("192.0.2.29"));
    let last = events(&register, &id).pop().expect("an event");
    assert_eq!(last.action, "retention-purge");
    assert_eq!(last.fields, vec!["ips".to_owned()]);
    assert_eq!(check(&register, "2025-02-28", &[]), (0, String::new()));
}

#[test]
fn a_subject_whose_relationship_ended_is_erased_exactly_when_due_and_not_a_day_earlier() {
    let register = Register::new();
    let id = add_on(
        &register,
        "2024-01-31",
        &["--name", "Ending Customer", "--email", "ending@example.fi"],
    );
    // Nothing is due while the relationship lasts.
    assert_eq!(check(&register, "2030-01-01", &[]).0, 0);

    register.ok_on("2024-03-01", &["record", &id, "end", "--on", "2024-02-29"]);
    // identity: P2Y from the end, 2024-02-29 + 2 years = 2026-02-28.
    let (code, due) = rows(&register, "2026-02-27", &["--within", "30"]);
    assert_eq!(code, 1);
    let erase_row = due
        .iter()
        .find(|r| r.action == "erase-subject")
        .expect("an erase-subject row");
    assert_eq!(erase_row.due, "2026-02-28");
    assert_eq!(erase_row.category, "identity");
    assert_eq!(
        due.iter().filter(|r| r.subject == id).count(),
        1,
        "the categories due with the erasure go with it: {due:?}"
    );

    assert!(apply(&register, "2026-02-27").is_empty());
    assert!(register.ids().contains(&id), "not a day earlier");

    let applied = apply(&register, "2026-02-28");
    assert_eq!(applied.len(), 1);
    assert_eq!(applied[0].action, "erase-subject");
    assert!(!register.ids().contains(&id));
    let document = register.document();
    let receipt = document["erasures"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["subject"] == id.as_str()))
        .expect("an erasure receipt");
    assert!(
        receipt["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("retention")),
        "{receipt}"
    );
    assert!(
        document["erased"]["entries"]
            .as_array()
            .is_some_and(|e| e.iter().any(|e| e["subject"] == id.as_str())),
        "the erasure guard knows the person"
    );
    let journal = std::fs::read_to_string(register.root().join("register.age.erased"))
        .expect("the erasure journal");
    assert!(journal.contains(&id));
    let last = events(&register, &id).pop().expect("an event");
    assert_eq!(last.action, "erase-retention");
    assert!(!register.plaintext().contains("ending@example.fi"));
}

#[test]
fn a_later_order_resumes_the_relationship() {
    let register = Register::new();
    let id = add_on(&register, "2024-01-10", &["--name", "Returning Customer"]);
    register.ok_on("2024-06-30", &["record", &id, "end"]);
    assert_eq!(rows(&register, "2026-06-30", &[]).1.len(), 1);
    register.ok_on(
        "2025-01-15",
        &["record", &id, "order", "--product", "Web shop"],
    );
    assert_eq!(
        check(&register, "2026-06-30", &[]),
        (0, String::new()),
        "the order resumed the relationship"
    );
    let event = events(&register, &id).pop().expect("an event");
    assert_eq!(event.fields, vec!["orders", "relationship_end"]);
    // An end before the last order is refused.
    register.fails_on(
        "2025-02-01",
        &["record", &id, "end", "--on", "2025-01-01"],
        65,
    );
}

#[test]
fn a_restricted_subject_is_held_and_never_purged() {
    let register = Register::new();
    let id = add_on(
        &register,
        "2024-02-29",
        &["--name", "Contested Data", "--ip", "192.0.2.30"],
    );
    register.ok(&["record", &id, "end"]);
    register.ok(&["restrict", &id, "--ground", "accuracy"]);
    let (code, due) = rows(&register, "2030-01-01", &[]);
    assert_eq!(code, 0, "held rows are not due");
    assert!(!due.is_empty());
    assert!(due.iter().all(|r| r.status == "held"), "{due:?}");
    assert_eq!(check(&register, "2030-01-01", &["--quiet"]).1, "");
    assert!(apply(&register, "2030-01-01").is_empty());
    let subject = register.subject(&id);
    assert_eq!(subject.ips.len(), 1, "a restricted subject is only stored");

    register.ok_on(
        "2030-01-02",
        &["restrict", &id, "--lift", "--notified-on", "2030-01-01"],
    );
    let (code, due) = rows(&register, "2030-01-02", &[]);
    assert_eq!(code, 1);
    assert!(due.iter().all(|r| r.status == "due"));
}

#[test]
fn kept_invoices_survive_the_erasure_and_go_at_their_own_date() {
    let register = Register::new();
    let id = add_on(&register, "2024-03-01", &["--name", "Invoiced Customer"]);
    register.ok_on(
        "2024-03-01",
        &[
            "record",
            &id,
            "invoice",
            "--number",
            "2024-0042",
            "--date",
            "2024-03-01",
            "--amount",
            "249",
        ],
    );
    register.ok_on("2024-12-31", &["record", &id, "end", "--on", "2024-12-31"]);
    // Erased on 2026-12-31; the invoice is kept until 2030-12-31 (KPL 2:10).
    let applied = apply(&register, "2026-12-31");
    assert_eq!(applied.len(), 1);
    let document = register.document();
    let kept = document["retained"].as_array().expect("retained");
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0]["retain_until"], "2030-12-31");
    let receipt = &document["erasures"][0];
    assert_eq!(receipt["retained"][0]["category"], "billing");

    let (_, due) = rows(&register, "2026-12-31", &["--within", "10000"]);
    let kept_row = due
        .iter()
        .find(|r| r.action == "purge-kept")
        .expect("a purge-kept row");
    assert_eq!(kept_row.due, "2031-01-01");
    let guard_row = due
        .iter()
        .find(|r| r.action == "purge-guard")
        .expect("a purge-guard row");
    assert_eq!(
        guard_row.due, "2029-12-31",
        "the guard's P3Y from the erasure"
    );

    assert_eq!(apply(&register, "2029-12-30").len(), 0);
    assert_eq!(apply(&register, "2029-12-31").len(), 1);
    assert!(
        register.document()["erased"]["entries"]
            .as_array()
            .is_some_and(Vec::is_empty)
    );
    assert_eq!(apply(&register, "2030-12-31").len(), 0);
    assert_eq!(
        register.document()["retained"].as_array().map(Vec::len),
        Some(1)
    );
    let applied = apply(&register, "2031-01-01");
    assert_eq!(applied.len(), 1);
    assert_eq!(applied[0].action, "purge-kept");
    assert_eq!(
        register.document()["retained"].as_array().map(Vec::len),
        Some(0)
    );
    assert!(!register.plaintext().contains("Invoiced Customer"));
    let trail: Vec<AuditEvent> = register.json(&["audit", "log", "--subject", &id]);
    let purges: Vec<&AuditEvent> = trail
        .iter()
        .filter(|e| e.action == "retention-purge")
        .collect();
    assert_eq!(purges.len(), 2, "one event per subject and run");
    assert_eq!(purges[0].fields, vec!["erasure_guard"]);
    assert_eq!(purges[1].fields, vec!["retained_invoices"]);
}

#[test]
fn after_apply_the_plaintext_holds_none_of_the_purged_values_and_check_is_quiet() {
    let register = Register::new();
    let a = add_on(
        &register,
        "2024-01-15",
        &[
            "--name",
            "Aarne Purged",
            "--email",
            "aarne.purged@example.fi",
            "--phone",
            "+358 40 111 0001",
            "--ip",
            "198.51.100.11",
            "--note",
            "prefers calls after lunch",
        ],
    );
    let b = add_on(
        &register,
        "2024-01-15",
        &[
            "--name",
            "Bertta Kept",
            "--email",
            "bertta.kept@example.fi",
            "--ip",
            "198.51.100.12",
        ],
    );
    register.ok_on("2024-02-01", &["record", &a, "end", "--on", "2024-02-01"]);
    register.ok_on(
        "2024-02-01",
        &["record", &b, "order", "--product", "Hosting"],
    );
    let (code, _) = check(&register, "2026-02-01", &[]);
    assert_eq!(code, 1);
    apply(&register, "2026-02-01");

    let plaintext = register.plaintext();
    for purged in [
        "Aarne Purged",
        "aarne.purged@example.fi",
        "+358401110001",
        "198.51.100.11",
        "prefers calls after lunch",
        "198.51.100.12",
    ] {
        assert!(
            !plaintext.contains(purged),
            "`{purged}` is still in the register"
        );
    }
    assert!(
        plaintext.contains("bertta.kept@example.fi"),
        "a living customer stays"
    );
    assert_eq!(register.ids(), vec![b.clone()]);
    assert!(register.subject(&b).ips.is_empty());
    let verified = register.ok_on("2026-02-01", &["audit", "verify"]);
    assert!(verified.contains("events"), "{verified}");
    assert_eq!(check(&register, "2026-02-01", &[]), (0, String::new()));
    // No personal data in the trail.
    let trail = register.ok_on("2026-02-01", &["--format", "json", "audit", "log"]);
    assert!(!trail.contains("Aarne") && !trail.contains("198.51.100"));
}

#[test]
fn apply_without_yes_and_without_a_terminal_is_refused() {
    let register = Register::new();
    register.fails(&["retention", "apply"], 2);
}

#[test]
fn the_notice_shows_the_erasure_guard_retention() {
    let register = Register::new();
    // The text rendering wraps its lines: compare with runs of white space made one space.
    let notice = register.ok(&["notice", "--lang", "en"]);
    let notice = notice.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        notice.contains("Erased people's identifiers"),
        "the guard's retention is in the notice"
    );
    assert!(notice.contains("3 years from the erasure"));
    // The categories' own texts are still shown.
    assert!(notice.contains("12 months from when the IP address was recorded."));
}

#[test]
fn the_format_1_fixture_gets_text_only_retention_with_a_note_per_category() {
    let mut document: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/register-format-1.json")).unwrap();
    let mut notes = Vec::new();
    for migrate in rekisteri::core::format::MIGRATIONS {
        migrate(&mut document, &mut notes).expect("the migration runs");
    }
    let categories = document["description"]["data_categories"]
        .as_array()
        .expect("categories");
    for category in categories {
        let retention = &category["retention"];
        assert!(retention.get("text").is_some(), "{retention}");
        assert!(
            retention.get("from").is_none(),
            "no rule is made up: {retention}"
        );
    }
    let upgraded = notes
        .iter()
        .filter(|n| n.contains("retention was free text"))
        .count();
    assert_eq!(upgraded, categories.len(), "{notes:?}");
    let description: rekisteri::core::model::Description =
        serde_json::from_value(document["description"].clone()).expect("a description");
    assert!(
        description
            .data_categories
            .iter()
            .all(|c| c.retention.rule().is_none())
    );
    assert_eq!(document["breaches"], serde_json::json!([]));
}
