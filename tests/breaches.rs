//! The breach register through the binary (LEGAL §13): the authority's 72-hour clock in
//! Europe/Helsinki across a change of daylight-saving time, a late notification that must
//! say why, the risk levels, and `audit deadlines`, the one cron check of every clock, with
//! the documented keys for every kind of row.

mod support;

use serde::Deserialize;
use support::{AuditEvent, Register, present};

/// `breach open --format json` (the keys the contract promises, and a few more).
#[derive(Debug, Deserialize)]
struct Opened {
    id: String,
    authority_deadline: String,
    status: String,
    subjects: Vec<String>,
    authority_owed: bool,
    subjects_owed: bool,
}

/// A row of `audit deadlines --format json`: every key must be present for every row kind.
#[derive(Debug, Deserialize)]
struct DeadlineRow {
    id: String,
    kind: String,
    #[serde(deserialize_with = "present")]
    subject: Option<String>,
    received: String,
    deadline: String,
    status: String,
    days_left: i64,
    #[serde(deserialize_with = "present")]
    due_at: Option<String>,
    #[serde(deserialize_with = "present")]
    hours_left: Option<i64>,
    #[serde(deserialize_with = "present")]
    alert: Option<String>,
    attention: bool,
}

/// `audit deadlines --format json` on `today`: (exit code, rows).
fn deadlines(register: &Register, today: &str) -> (i32, Vec<DeadlineRow>) {
    register.check_json_on(today, &["audit", "deadlines"])
}

fn open(register: &Register, today: &str, aware: &str, risk: &str, extra: &[&str]) -> Opened {
    let mut args = vec![
        "breach",
        "open",
        "--aware",
        aware,
        "--nature",
        "a laptop holding an export was stolen",
        "--categories",
        "contact,network",
        "--approx-subjects",
        "40",
        "--risk",
        risk,
    ];
    args.extend_from_slice(extra);
    register.json_on(today, &args)
}

#[test]
fn the_deadline_is_72_real_hours_after_awareness_across_the_change_to_summer_time() {
    let register = Register::new();
    // 27 March 2026 is a Friday; the clocks go forward on Sunday 29 March.
    let opened = open(&register, "2026-03-27", "2026-03-27 10:00", "risk", &[]);
    assert_eq!(opened.id, "B-0001");
    assert_eq!(opened.authority_deadline, "2026-03-30T11:00:00+03:00");
    assert_eq!(opened.status, "open");
    assert!(opened.authority_owed && !opened.subjects_owed);
    let table = register.ok_on(
        "2026-03-27",
        &[
            "breach",
            "open",
            "--aware",
            "2026-03-27 11:00",
            "--nature",
            "second",
            "--categories",
            "contact",
            "--risk",
            "risk",
        ],
    );
    assert_eq!(table, "B-0002 2026-03-30T12:00:00+03:00\n");
}

#[test]
fn a_notification_after_the_deadline_needs_the_reasons_for_the_delay() {
    let register = Register::new();
    open(&register, "2026-03-27", "2026-03-27 10:00", "risk", &[]);
    let error = register.fails_on(
        "2026-03-30",
        &[
            "breach",
            "notify-authority",
            "B-0001",
            "--on",
            "2026-03-30 11:01",
        ],
        65,
    );
    assert!(
        error.contains("72-hour deadline 2026-03-30T11:00:00+03:00"),
        "{error}"
    );
    assert!(error.contains("--delay-reason"), "{error}");
    register.ok_on(
        "2026-03-30",
        &[
            "breach",
            "notify-authority",
            "B-0001",
            "--on",
            "2026-03-30 11:01",
            "--delay-reason",
            "the extent was established only on Monday",
            "--reference",
            "TSV/123/2026",
        ],
    );
    let shown: serde_json::Value = register.json_on("2026-03-30", &["breach", "show", "B-0001"]);
    assert_eq!(shown["breach"]["authority_notified"]["late"], true);
    assert_eq!(
        shown["breach"]["authority_notified"]["at"],
        "2026-03-30T11:01:00+03:00"
    );
    let events: Vec<AuditEvent> = serde_json::from_value(shown["events"].clone()).unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, vec!["breach-open", "breach-notify-authority"]);
    // A notification on time needs no reason.
    open(&register, "2026-03-30", "2026-03-30 08:00", "risk", &[]);
    register.ok_on(
        "2026-03-30",
        &[
            "breach",
            "notify-authority",
            "B-0002",
            "--on",
            "2026-03-30 12:00",
        ],
    );
}

#[test]
fn audit_deadlines_exits_1_while_a_breach_is_unnotified_and_0_after() {
    let register = Register::new();
    assert_eq!(deadlines(&register, "2026-03-27").0, 0);
    open(&register, "2026-03-27", "2026-03-27 10:00", "risk", &[]);
    let (code, rows) = deadlines(&register, "2026-03-27");
    assert_eq!(code, 1);
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.kind, "breach-notification");
    assert_eq!(row.id, "B-0001");
    assert_eq!(row.received, "2026-03-27");
    assert_eq!(row.deadline, "2026-03-30");
    assert_eq!(row.days_left, 3);
    assert_eq!(row.due_at.as_deref(), Some("2026-03-30T11:00:00+03:00"));
    // With --today, now is 12:00 UTC (14:00 in Helsinki): 68 hours to go.
    assert_eq!(row.hours_left, Some(68));
    assert_eq!(row.alert.as_deref(), Some("within-3-days"));

    // On the day after the deadline it is overdue.
    let (code, rows) = deadlines(&register, "2026-03-31");
    assert_eq!(code, 1);
    assert_eq!(rows[0].alert.as_deref(), Some("overdue"));
    assert!(rows[0].hours_left.is_some_and(|h| h < 0));

    register.ok_on(
        "2026-03-28",
        &[
            "breach",
            "notify-authority",
            "B-0001",
            "--on",
            "2026-03-28 09:30",
        ],
    );
    let (code, rows) = deadlines(&register, "2026-03-28");
    assert_eq!((code, rows.len()), (0, 0));
    let quiet = register.run_on("2026-03-28", &["audit", "deadlines", "--quiet"]);
    assert_eq!(quiet.status.code(), Some(0));
    assert!(quiet.stdout.is_empty());
}

#[test]
fn audit_deadlines_json_has_the_documented_keys_for_every_row_kind() {
    let register = Register::new();
    let id = register.add(&[
        "--name",
        "Disclosed Person",
        "--email",
        "disclosed@example.fi",
    ]);
    register.ok(&[
        "record",
        &id,
        "disclosure",
        "--recipient",
        "hosting",
        "--fields",
        "name,email",
    ]);
    register.ok(&["erase", &id, "--reason", "Art. 17(1)(a)"]);
    register.ok_on(
        "2025-04-05",
        &[
            "request",
            "open",
            "--kind",
            "access",
            "--received",
            "2025-04-05",
            "--channel",
            "email",
        ],
    );
    open(&register, "2025-04-07", "2025-04-07 09:00", "high", &[]);

    let (code, rows) = deadlines(&register, "2025-04-07");
    assert_eq!(code, 1);
    let kinds: Vec<&str> = rows.iter().map(|r| r.kind.as_str()).collect();
    for kind in [
        "access",
        "breach-notification",
        "breach-subjects-notification",
        "recipient-notification",
    ] {
        assert!(kinds.contains(&kind), "a `{kind}` row: {kinds:?}");
    }
    for row in &rows {
        assert!(!row.id.is_empty() && !row.received.is_empty() && !row.deadline.is_empty());
        assert_eq!(row.status, "open");
        match row.kind.as_str() {
            "breach-notification" | "breach-subjects-notification" => {
                assert_eq!(row.due_at.as_deref(), Some("2025-04-10T09:00:00+03:00"));
                assert!(row.hours_left.is_some());
                assert!(row.attention);
            }
            "recipient-notification" => {
                // Created on 2025-03-05: 30 days gone on 2025-04-04.
                assert_eq!(row.deadline, "2025-04-04");
                assert_eq!(row.days_left, -3);
                assert_eq!(row.subject.as_deref(), Some(id.as_str()));
                assert_eq!(row.alert.as_deref(), Some("overdue"));
                assert!(row.due_at.is_none() && row.hours_left.is_none());
            }
            _ => assert!(row.due_at.is_none() && row.hours_left.is_none()),
        }
    }
    // The cron output reports the old task too.
    let quiet = register.run_on("2025-04-07", &["audit", "deadlines", "--quiet"]);
    assert_eq!(quiet.status.code(), Some(1));
    assert!(support::stdout(&quiet).contains("T-0001"));
}

#[test]
fn a_high_risk_makes_the_subjects_notification_due_and_closing_waits_for_both() {
    let register = Register::new();
    let id = register.add(&[
        "--name",
        "Affected Person",
        "--email",
        "affected@example.fi",
    ]);
    let opened = open(
        &register,
        "2025-03-05",
        "2025-03-05 08:15",
        "high",
        &["--subjects", "affected@example.fi"],
    );
    assert_eq!(opened.subjects, vec![id.clone()], "ids, never the data");
    assert!(opened.authority_owed && opened.subjects_owed);
    let document = register.document();
    let breach = document["breaches"][0].to_string();
    assert!(!breach.contains("affected@example.fi") && !breach.contains("Affected Person"));

    register.fails(
        &["breach", "close", "B-0001", "--measures", "keys rotated"],
        65,
    );
    register.ok(&[
        "breach",
        "notify-authority",
        "1",
        "--on",
        "2025-03-05 11:00",
    ]);
    let (code, rows) = deadlines(&register, "2025-03-05");
    assert_eq!(code, 1);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].kind, "breach-subjects-notification");
    register.fails(
        &["breach", "close", "B-0001", "--measures", "keys rotated"],
        65,
    );
    register.ok(&["breach", "notify-subjects", "B-0001", "--on", "2025-03-05"]);
    assert_eq!(deadlines(&register, "2025-03-05").0, 0);
    register.ok(&["breach", "close", "B-0001", "--measures", "keys rotated"]);
    let listed: Vec<serde_json::Value> = register.json(&["breach", "list"]);
    assert_eq!(listed[0]["status"], "closed");
    let trail: Vec<AuditEvent> = register.json(&["audit", "log"]);
    let steps: Vec<&str> = trail
        .iter()
        .filter(|e| e.action.starts_with("breach-"))
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(
        steps,
        vec![
            "breach-open",
            "breach-notify-authority",
            "breach-notify-subjects",
            "breach-close"
        ]
    );
}

#[test]
fn no_risk_records_why_and_owes_no_notification() {
    let register = Register::new();
    let error = register.fails(
        &[
            "breach",
            "open",
            "--aware",
            "2025-03-05 09:00",
            "--nature",
            "x",
            "--categories",
            "contact",
            "--risk",
            "none",
        ],
        2,
    );
    assert!(error.contains("--reason"), "{error}");
    let opened = open(
        &register,
        "2025-03-05",
        "2025-03-05 09:00",
        "none",
        &[
            "--reason",
            "the export was encrypted and the key was not lost",
        ],
    );
    assert!(!opened.authority_owed && !opened.subjects_owed);
    assert_eq!(deadlines(&register, "2025-03-05").0, 0);
}

#[test]
fn times_the_clocks_skip_and_unknown_categories_are_refused() {
    let register = Register::new();
    let error = register.fails(
        &[
            "breach",
            "open",
            "--aware",
            "2026-03-29 03:30",
            "--nature",
            "x",
            "--categories",
            "contact",
            "--risk",
            "risk",
        ],
        2,
    );
    assert!(
        error.contains("does not exist in Europe/Helsinki"),
        "{error}"
    );
    register.fails(
        &[
            "breach",
            "open",
            "--aware",
            "2025-03-05 09:00",
            "--nature",
            "x",
            "--categories",
            "shoe-sizes",
            "--risk",
            "risk",
        ],
        65,
    );
    register.fails(
        &[
            "breach",
            "open",
            "--aware",
            "2025-03-06 09:00",
            "--nature",
            "x",
            "--categories",
            "contact",
            "--risk",
            "risk",
        ],
        65,
    );
    register.fails(&["breach", "show", "B-0009"], 67);
}
