//! Data-subject requests and their deadlines (LEGAL §1) through the binary: the one-month due
//! date with its end-of-month and working-day rules, the Art. 12(3) extension, closing and
//! refusing, the list, and the cron check `audit deadlines` with its exit codes.

mod support;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;
use support::{AuditEvent, Register, Request};

/// A row of `request list --format json`: the keys the contract promises.
#[derive(Debug, Deserialize, PartialEq)]
struct Listed {
    id: String,
    kind: String,
    received: String,
    deadline: String,
    status: String,
}

/// A row of `audit deadlines --format json`.
#[derive(Debug, Deserialize, PartialEq)]
struct DeadlineRow {
    id: String,
    kind: String,
    received: String,
    deadline: String,
    status: String,
    days_left: i64,
}

/// `request show --format json`.
#[derive(Debug, Deserialize)]
struct Shown {
    request: Request,
    events: Vec<AuditEvent>,
}

/// The typical opening of a request received on `received`, with today = `received`.
fn open(register: &Register, kind: &str, received: &str) -> Request {
    register.json_on(
        received,
        &[
            "request",
            "open",
            "--kind",
            kind,
            "--received",
            received,
            "--channel",
            "email",
        ],
    )
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("a YYYY-MM-DD date")
}

#[test]
fn the_worked_examples_of_legal_section_1_get_their_deadlines() {
    for (received, deadline, weekday) in [
        // 5 Apr 2025 is a Saturday.
        ("2025-03-05", "2025-04-07", Weekday::Mon),
        // There is no 31 Feb: the last day of February.
        ("2025-01-31", "2025-02-28", Weekday::Fri),
        // 20 Jun 2025 is Midsummer Eve.
        ("2025-05-20", "2025-06-23", Weekday::Mon),
    ] {
        let register = Register::new();
        let request = open(&register, "access", received);
        assert_eq!(request.id, "R-0001");
        assert_eq!(request.deadline, deadline, "received {received}");
        assert_eq!(request.due, deadline);
        assert_eq!(request.received, received);
        assert_eq!(request.kind, "access");
        assert_eq!(request.status, "open");
        assert_eq!(date(&request.deadline).weekday(), weekday);

        // The table form prints the id and the deadline too.
        let table = register.ok_on(
            received,
            &[
                "request",
                "open",
                "--kind",
                "erasure",
                "--received",
                received,
                "--channel",
                "letter",
            ],
        );
        assert_eq!(table.trim(), format!("R-0002 {deadline}"));
    }
}

#[test]
fn a_request_cannot_be_received_in_the_future() {
    let register = Register::new();
    let err = register.fails_on(
        "2025-03-05",
        &[
            "request",
            "open",
            "--kind",
            "access",
            "--received",
            "2025-03-06",
            "--channel",
            "email",
        ],
        65,
    );
    assert!(err.contains("--received"), "{err}");
    let list: Vec<Listed> = register.json(&["request", "list"]);
    assert!(list.is_empty(), "nothing was logged: {list:?}");
}

#[test]
fn an_extension_must_be_told_by_the_one_month_due_date() {
    let register = Register::new();
    open(&register, "access", "2025-03-05");

    // Told on 8 April, after the due date (Mon 7 April): refused.
    let err = register.fails_on(
        "2025-04-08",
        &[
            "request",
            "extend",
            "R-0001",
            "--reason",
            "many requests at once",
            "--notified-on",
            "2025-04-08",
        ],
        65,
    );
    assert!(err.contains("R-0001"), "{err}");
    let still: Shown = register.json(&["request", "show", "R-0001"]);
    assert_eq!(still.request.status, "open");
    assert_eq!(still.request.deadline, "2025-04-07");

    // Told on the due date itself: allowed; the deadline is received + 3 months, rolled.
    let extended: Request = register.json_on(
        "2025-04-07",
        &[
            "request",
            "extend",
            "R-0001",
            "--reason",
            "many requests at once",
            "--notified-on",
            "2025-04-07",
        ],
    );
    assert_eq!(extended.status, "extended");
    assert_eq!(extended.deadline, "2025-06-05");
    assert_eq!(date(&extended.deadline).weekday(), Weekday::Thu);
    assert_eq!(
        extended.due, "2025-04-07",
        "the one-month due date stays on record"
    );
    assert_eq!(
        extended.extension,
        Some(support::Extension {
            reason: "many requests at once".into(),
            notified_on: "2025-04-07".into(),
        })
    );

    // Art. 12(3) allows one extension.
    register.fails_on(
        "2025-04-07",
        &[
            "request",
            "extend",
            "R-0001",
            "--reason",
            "still more",
            "--notified-on",
            "2025-04-07",
        ],
        65,
    );
    let list: Vec<Listed> = register.json(&["request", "list"]);
    assert_eq!(list[0].deadline, "2025-06-05");
    assert_eq!(list[0].status, "extended");
}

#[test]
fn an_extension_of_a_request_received_at_a_month_end_rolls_like_the_due_date() {
    let register = Register::new();
    // 30 Nov 2024 + 1 month = 30 Dec 2024 (a Monday, a working day);
    // + 3 months = 28 Feb 2025 (no 30 Feb), a Friday.
    let request = open(&register, "rectification", "2024-11-30");
    assert_eq!(request.deadline, "2024-12-30");
    let extended: Request = register.json_on(
        "2024-12-02",
        &[
            "request",
            "extend",
            "1",
            "--reason",
            "complex",
            "--notified-on",
            "2024-12-02",
        ],
    );
    assert_eq!(extended.id, "R-0001", "`1` names R-0001");
    assert_eq!(extended.deadline, "2025-02-28");
}

#[test]
fn closing_and_refusing_set_the_status_and_end_the_request() {
    let register = Register::new();
    open(&register, "access", "2025-03-05");
    open(&register, "erasure", "2025-03-05");
    open(&register, "portability", "2025-03-05");

    let closed: Request = register.json(&[
        "request",
        "close",
        "R-0001",
        "--outcome",
        "access report sent by post",
    ]);
    assert_eq!(closed.status, "closed");
    assert_eq!(
        closed.resolution,
        Some(support::Resolution {
            on: support::TODAY.into(),
            text: "access report sent by post".into(),
        })
    );
    let refused: Request = register.json(&[
        "request",
        "refuse",
        "R-0002",
        "--reason",
        "manifestly unfounded: the requester could not be identified",
    ]);
    assert_eq!(refused.status, "refused");
    assert!(refused.resolution.is_some());

    let list: Vec<Listed> = register.json(&["request", "list"]);
    assert_eq!(
        list,
        vec![
            Listed {
                id: "R-0001".into(),
                kind: "access".into(),
                received: "2025-03-05".into(),
                deadline: "2025-04-07".into(),
                status: "closed".into(),
            },
            Listed {
                id: "R-0002".into(),
                kind: "erasure".into(),
                received: "2025-03-05".into(),
                deadline: "2025-04-07".into(),
                status: "refused".into(),
            },
            Listed {
                id: "R-0003".into(),
                kind: "portability".into(),
                received: "2025-03-05".into(),
                deadline: "2025-04-07".into(),
                status: "open".into(),
            },
        ]
    );
    let open_only: Vec<Listed> = register.json(&["request", "list", "--open"]);
    assert_eq!(open_only.len(), 1);
    assert_eq!(open_only[0].id, "R-0003");

    // An ended request stays ended.
    register.fails(&["request", "close", "R-0001", "--outcome", "again"], 65);
    register.fails(&["request", "refuse", "R-0001", "--reason", "again"], 65);
    register.fails(
        &["request", "close", "R-0002", "--outcome", "after all"],
        65,
    );
    register.fails(
        &[
            "request",
            "extend",
            "R-0001",
            "--reason",
            "r",
            "--notified-on",
            "2025-03-05",
        ],
        65,
    );
    register.fails(&["request", "close", "R-0009", "--outcome", "x"], 67);
    register.fails(&["request", "show", "R-0009"], 67);
}

#[test]
fn request_list_csv_has_the_contract_columns() {
    let register = Register::new();
    open(&register, "objection", "2025-03-05");
    let csv = register.ok(&["--format", "csv", "request", "list"]);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    for column in ["id", "kind", "received", "deadline", "status"] {
        assert!(header.contains(&column.to_owned()), "{header:?}");
    }
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    let get = |column: &str| {
        let index = header.iter().position(|h| h == column).unwrap();
        rows[0][index].to_owned()
    };
    assert_eq!(get("id"), "R-0001");
    assert_eq!(get("kind"), "objection");
    assert_eq!(get("deadline"), "2025-04-07");
    assert_eq!(get("status"), "open");
}

/// Runs `audit deadlines` on `today` with `flags`; returns (exit code, stdout).
fn deadlines(register: &Register, today: &str, flags: &[&str]) -> (i32, String) {
    register.check_on(today, &[&["audit", "deadlines"], flags].concat())
}

fn deadline_rows(register: &Register, today: &str, flags: &[&str]) -> (i32, Vec<DeadlineRow>) {
    register.check_json_on(today, &[&["audit", "deadlines"], flags].concat())
}

#[test]
fn the_cron_check_exits_non_zero_only_when_a_deadline_is_near_or_past() {
    let register = Register::new();

    // Nothing open.
    let (code, rows) = deadline_rows(&register, "2025-03-05", &[]);
    assert_eq!((code, rows), (0, vec![]));
    let (code, quiet) = deadlines(&register, "2025-03-05", &["--quiet"]);
    assert_eq!((code, quiet.as_str()), (0, ""));

    // Received 5 March: due Mon 7 April.
    open(&register, "access", "2025-03-05");
    let row = |days_left| DeadlineRow {
        id: "R-0001".into(),
        kind: "access".into(),
        received: "2025-03-05".into(),
        deadline: "2025-04-07".into(),
        status: "open".into(),
        days_left,
    };

    // 10 days away, window 7: nothing to do.
    let (code, rows) = deadline_rows(&register, "2025-03-28", &["--within", "7"]);
    assert_eq!((code, rows), (0, vec![row(10)]));
    let (code, quiet) = deadlines(&register, "2025-03-28", &["--within", "7", "--quiet"]);
    assert_eq!(code, 0);
    assert_eq!(quiet, "", "--quiet prints nothing when nothing is due");
    // The same day with a wider window is inside it.
    let (code, _) = deadline_rows(&register, "2025-03-28", &["--within", "10"]);
    assert_eq!(code, 1);

    // 5 days away.
    let (code, rows) = deadline_rows(&register, "2025-04-02", &["--within", "7"]);
    assert_eq!((code, rows), (1, vec![row(5)]));
    let (code, rows) = deadline_rows(&register, "2025-04-02", &[]);
    assert_eq!(
        (code, rows),
        (1, vec![row(5)]),
        "the default window is 7 days"
    );
    let (code, quiet) = deadlines(&register, "2025-04-02", &["--quiet"]);
    assert_eq!(code, 1);
    assert!(
        quiet.contains("R-0001"),
        "--quiet still reports what is due: {quiet:?}"
    );

    // Due today, and overdue.
    let (code, rows) = deadline_rows(&register, "2025-04-07", &[]);
    assert_eq!((code, rows), (1, vec![row(0)]));
    let (code, rows) = deadline_rows(&register, "2025-04-09", &[]);
    assert_eq!((code, rows), (1, vec![row(-2)]));
    let table = deadlines(&register, "2025-04-09", &[]).1;
    assert!(table.contains("R-0001") && table.contains("-2"), "{table}");

    // A closed request is not listed and no longer alarms.
    register.ok_on(
        "2025-04-09",
        &["request", "close", "R-0001", "--outcome", "answered late"],
    );
    let (code, rows) = deadline_rows(&register, "2025-04-09", &[]);
    assert_eq!((code, rows), (0, vec![]));
}

#[test]
fn the_cron_check_lists_refused_and_extended_requests_correctly() {
    let register = Register::new();
    open(&register, "access", "2025-03-05");
    open(&register, "erasure", "2025-03-05");
    open(&register, "restriction", "2025-03-05");
    register.ok(&[
        "request",
        "refuse",
        "R-0002",
        "--reason",
        "manifestly excessive",
    ]);
    register.ok_on(
        "2025-03-20",
        &[
            "request",
            "extend",
            "R-0003",
            "--reason",
            "complex",
            "--notified-on",
            "2025-03-20",
        ],
    );
    let (code, rows) = deadline_rows(&register, "2025-04-09", &[]);
    assert_eq!(code, 1, "R-0001 is overdue");
    let summary: Vec<(&str, &str, i64)> = rows
        .iter()
        .map(|r| (r.id.as_str(), r.status.as_str(), r.days_left))
        .collect();
    // Soonest first; the refused request is not listed; the extended one has until 5 June.
    assert_eq!(
        summary,
        vec![("R-0001", "open", -2), ("R-0003", "extended", 57)]
    );

    register.ok_on(
        "2025-04-09",
        &["request", "close", "R-0001", "--outcome", "done"],
    );
    let (code, rows) = deadline_rows(&register, "2025-04-09", &[]);
    assert_eq!(
        code, 0,
        "an extended request 57 days from its deadline needs nothing"
    );
    assert_eq!(rows.len(), 1);
    let (code, _) = deadline_rows(&register, "2025-06-02", &[]);
    assert_eq!(code, 1, "3 days before the extended deadline");
}

#[test]
fn answering_an_access_request_from_opening_to_closing() {
    let register = Register::new();
    let id = register.add(&[
        "--name",
        "Kysyvä Kaisa",
        "--email",
        "kaisa@example.fi",
        "--source",
        "email",
    ]);
    let opened: Request = register.json(&[
        "request",
        "open",
        "--kind",
        "access",
        "--subject",
        "KAISA@example.fi",
        "--received",
        "2025-03-05",
        "--channel",
        "email",
        "--identity-check",
        "replied from the registered address",
    ]);
    assert_eq!(opened.id, "R-0001");
    assert_eq!(opened.subject.as_deref(), Some(id.as_str()));
    assert_eq!(opened.deadline, "2025-04-07");

    // The access report carries the request.
    let report: serde_json::Value = register.json(&["export", "kaisa@example.fi"]);
    assert_eq!(report["subject"]["id"], id.as_str());
    let requests: Vec<Request> = serde_json::from_value(report["requests"].clone()).unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].id, "R-0001");
    assert_eq!(requests[0].status, "open");

    register.ok_on(
        "2025-03-12",
        &[
            "request",
            "close",
            "R-0001",
            "--outcome",
            "access report sent by email",
        ],
    );

    let shown: Shown = register.json(&["request", "show", "R-0001"]);
    assert_eq!(shown.request.id, "R-0001");
    assert_eq!(shown.request.status, "closed");
    assert_eq!(
        shown.request.resolution,
        Some(support::Resolution {
            on: "2025-03-12".into(),
            text: "access report sent by email".into(),
        })
    );
    let actions: Vec<&str> = shown.events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, vec!["request-open", "request-close"]);
    for event in &shown.events {
        assert_eq!(event.request.as_deref(), Some("R-0001"));
        assert_eq!(event.subject.as_deref(), Some(id.as_str()));
        assert_eq!(event.actor, support::ACTOR);
    }
    assert!(shown.events[0].at.starts_with("2025-03-05"));
    assert!(shown.events[1].at.starts_with("2025-03-12"));
    // Later events chain to earlier ones.
    assert!(shown.events[0].seq < shown.events[1].seq);

    // The subject's history in the access report shows both.
    let report: serde_json::Value = register.json(&["export", &id]);
    let history: Vec<String> = report["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap().to_owned())
        .collect();
    assert!(history.contains(&"request-close".to_owned()), "{history:?}");
    register.ok(&["audit", "verify"]);
}

#[test]
fn a_request_without_a_subject_is_tied_to_the_subject_it_is_first_used_for() {
    let register = Register::new();
    let id = register.add(&["--name", "Nimetön Niilo", "--email", "niilo@example.fi"]);
    let other = register.add(&["--name", "Toinen Tiina", "--email", "tiina@example.fi"]);
    let opened: Request = register.json(&[
        "request",
        "open",
        "--kind",
        "restriction",
        "--received",
        "2025-03-04",
        "--channel",
        "phone",
    ]);
    assert_eq!(opened.subject, None);
    register.ok(&[
        "restrict",
        &id,
        "--ground",
        "accuracy",
        "--request",
        "R-0001",
    ]);
    let shown: Shown = register.json(&["request", "show", "R-0001"]);
    assert_eq!(shown.request.subject.as_deref(), Some(id.as_str()));
    assert!(shown.events.iter().any(|e| e.action == "restrict"));
    // It now belongs to that subject: another subject's change cannot claim it.
    register.fails(&["object", &other, "--request", "R-0001"], 65);
    assert!(
        register.subject(&other).marketing_objection.is_none(),
        "the refused objection was not recorded"
    );
}

#[test]
fn close_sent_records_each_document_by_fingerprint_and_show_lists_it_with_the_outcome() {
    use sha2::Digest;
    let register = Register::new();
    let id = register.add(&["--name", "Maija", "--email", "maija@example.fi"]);
    register.ok(&[
        "request",
        "open",
        "--kind",
        "access",
        "--subject",
        &id,
        "--received",
        "2025-03-03",
        "--channel",
        "email",
        "--identity-check",
        "replied from the address on file",
    ]);
    let content = "CONTENT-OF-THE-REPLY-Zq7 Hyvä Maija, ohessa tietosi.";
    std::fs::write(register.root().join("vastaus.txt"), content).unwrap();
    std::fs::write(register.root().join("liite.json"), "{}").unwrap();
    register.ok(&[
        "request",
        "close",
        "R-0001",
        "--outcome",
        "report sent by email",
        "--sent",
        "vastaus.txt",
        "--sent",
        "liite.json",
    ]);
    let shown: serde_json::Value = register.json(&["request", "show", "R-0001"]);
    let sent = shown["request"]["sent"].as_array().unwrap();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0]["name"], "vastaus.txt");
    assert_eq!(
        sent[0]["sha256"],
        hex::encode(sha2::Sha256::digest(content.as_bytes()))
    );
    assert_eq!(sent[0]["bytes"], content.len());
    assert_eq!(sent[0]["on"], support::TODAY);
    assert!(
        !register.plaintext().contains("CONTENT-OF-THE-REPLY-Zq7"),
        "no content is kept"
    );
    // The table and the CSV show the outcome, the identity check and what was sent.
    for format in ["table", "csv"] {
        let text = register.ok(&["--format", format, "request", "show", "R-0001"]);
        for expected in [
            "report sent by email",
            "replied from the address on file",
            "vastaus.txt",
            sent[0]["sha256"].as_str().unwrap(),
        ] {
            assert!(text.contains(expected), "{format}: {expected}\n{text}");
        }
    }
    // A missing file changes nothing.
    register.ok(&[
        "request",
        "open",
        "--kind",
        "access",
        "--subject",
        &id,
        "--received",
        "2025-03-03",
        "--channel",
        "email",
    ]);
    register.fails(
        &[
            "request",
            "close",
            "R-0002",
            "--outcome",
            "sent",
            "--sent",
            "missing.pdf",
        ],
        66,
    );
}

#[test]
fn a_request_from_someone_not_yet_known_is_linked_later_and_loses_the_requester_on_erasure() {
    let register = Register::new();
    register.ok(&[
        "request",
        "open",
        "--kind",
        "access",
        "--requester",
        "REQUESTER-Maija-M-Zx3, Hämeenkatu 1",
        "--received",
        "2025-03-03",
        "--channel",
        "letter",
    ]);
    let shown = register.ok(&["request", "show", "R-0001"]);
    assert!(shown.contains("REQUESTER-Maija-M-Zx3"), "{shown}");
    let id = register.add(&["--name", "Maija", "--email", "maija@example.fi"]);
    register.ok(&["request", "link", "R-0001", "maija@example.fi"]);
    let shown: serde_json::Value = register.json(&["request", "show", "R-0001"]);
    assert_eq!(shown["request"]["subject"], id.as_str());
    let events = shown["events"].as_array().unwrap();
    assert_eq!(events.last().unwrap()["action"], "request-link");
    // Linking again, or a closed request, is refused; an unknown subject is 67.
    register.fails(&["request", "link", "R-0001", "maija@example.fi"], 65);
    register.fails(&["request", "link", "R-0001", "nobody@example.fi"], 67);
    register.ok(&["erase", &id, "--reason", "Art. 17(1)(a)"]);
    assert!(!register.plaintext().contains("REQUESTER-Maija-M-Zx3"));
}
