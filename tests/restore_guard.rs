//! Erased people must not come back (LEGAL §4): the erasure journal `<file>.erased` beside the
//! register lists erased subjects' random ids and dates, so that an old backup put back in
//! place is recognised. Until `erase --replay` erases them again, every change and every
//! export is refused; after it, the register works again and the person stays erased.

mod support;

use serde::Deserialize;
use support::{AuditEvent, Register, TODAY, Verified, expect_fail, present};

const A_NAME: &str = "Elina Palautettu";
const A_EMAIL: &str = "elina.palautettu@example.fi";
const A_PHONE: &str = "+358 44 987 6543";
const A_ADDRESS: &str = "Varmuuskopiokuja 9, 33100 Tampere";
const B_NAME: &str = "Pekka Pysyvä";
const B_EMAIL: &str = "pekka.pysyva@example.fi";

/// The erasure receipt `erase --format json` prints (and `erase --replay --format json`
/// prints a list of).
#[derive(Debug, Deserialize)]
struct Receipt {
    subject: String,
    #[serde(deserialize_with = "present")]
    request: Option<String>,
    date: String,
    actor: String,
    reason: String,
    erased: Vec<String>,
}

/// A subject as `export --format json` prints it (the fields this file looks at).
#[derive(Debug, Deserialize)]
struct Exported {
    id: String,
    name: String,
    #[serde(deserialize_with = "present")]
    email: Option<String>,
}

/// A register with A (to be erased, with an invoice to keep) and B (who stays).
fn two_subjects() -> (Register, String, String) {
    let register = Register::new();
    let a = register.add(&[
        "--name",
        A_NAME,
        "--email",
        A_EMAIL,
        "--phone",
        A_PHONE,
        "--address",
        A_ADDRESS,
    ]);
    register.ok(&[
        "record",
        &a,
        "invoice",
        "--number",
        "2025-017",
        "--date",
        "2025-02-14",
        "--amount",
        "249.50",
    ]);
    let b = register.add(&["--name", B_NAME, "--email", B_EMAIL]);
    (register, a, b)
}

fn journal_path(register: &Register) -> std::path::PathBuf {
    register.root().join("register.age.erased")
}

/// `^[0-9a-f-]{36} \d{4}-\d{2}-\d{2}$`
fn is_journal_line(line: &str) -> bool {
    let mut parts = line.split(' ');
    let (Some(id), Some(date), Some(mac), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let id_ok = id.len() == 36 && id.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f' | '-'));
    let date_ok = date.len() == 10
        && date.char_indices().all(|(i, c)| match i {
            4 | 7 => c == '-',
            _ => c.is_ascii_digit(),
        });
    // The HMAC that makes the line unforgeable without the register's key.
    let mac_ok = mac.len() == 64 && mac.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f'));
    id_ok && date_ok && mac_ok
}

const MAC: &str = "45992c7596a8cb74605633ad0202f63eddcceb7e7996c21a0d47d16edd9dfe2b";

#[test]
fn the_journal_line_check_is_strict() {
    assert!(is_journal_line(&format!(
        "0b9e7c1e-3c0d-4f51-9a43-2f6c1d2e8a10 2025-03-05 {MAC}"
    )));
    assert!(!is_journal_line(
        "0b9e7c1e-3c0d-4f51-9a43-2f6c1d2e8a10 2025-03-05"
    ));
    assert!(!is_journal_line(&format!(
        "0b9e7c1e-3c0d-4f51-9a43-2f6c1d2e8a10 2025-03-05 {MAC} Elina"
    )));
    assert!(!is_journal_line(&format!(
        "0B9E7C1E-3C0D-4F51-9A43-2F6C1D2E8A10 2025-03-05 {MAC}"
    )));
    assert!(!is_journal_line(&format!(
        "elina@example.fi 2025-03-05 {MAC}"
    )));
    assert!(!is_journal_line(&format!(
        "0b9e7c1e-3c0d-4f51-9a43-2f6c1d2e8a10 5.3.2025 {MAC}"
    )));
}

/// The journal's lines, each asserted to be `ID DATE MAC` and nothing else, as `ID DATE`.
fn journal_lines(register: &Register) -> Vec<String> {
    let path = journal_path(register);
    let text = std::fs::read_to_string(&path).expect("the erasure journal exists");
    let lines: Vec<String> = text.lines().map(str::to_owned).collect();
    for line in &lines {
        assert!(
            is_journal_line(line),
            "a journal line is `ID DATE MAC`: {line:?}"
        );
    }
    let lines: Vec<String> = lines
        .iter()
        .map(|l| {
            l.rsplit_once(' ')
                .map_or(l.as_str(), |(head, _)| head)
                .to_owned()
        })
        .collect();
    for value in [A_NAME, A_EMAIL, A_PHONE, A_ADDRESS, "Elina", "Palautettu"] {
        assert!(
            !text.to_lowercase().contains(&value.to_lowercase()),
            "the journal holds `{value}`:\n{text}"
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the journal is private: {mode:o}");
    }
    lines
}

#[test]
fn a_restored_backup_is_refused_until_erase_replay() {
    let (register, a, b) = two_subjects();
    let backup = register.bytes();
    let before: Verified = register.json(&["audit", "verify"]);

    let receipt: Receipt = register.json(&["erase", &a, "--reason", "the subject asked"]);
    assert_eq!(receipt.subject, a);
    assert_eq!(receipt.date, TODAY);
    assert_eq!(journal_lines(&register), [format!("{a} {TODAY}")]);

    // The old copy is put back.
    register.put_bytes(&backup);
    let restored = register.bytes();
    let document = register.document();
    assert!(
        document["subjects"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["id"] == a.as_str()),
        "the backup holds the erased subject"
    );

    let new_key = register.world.age_key("new-key.txt");
    let refused: Vec<Vec<&str>> = vec![
        vec![
            "add",
            "--name",
            "Uusi Asiakas",
            "--email",
            "uusi@example.fi",
        ],
        vec!["record", &b, "note", "a note"],
        vec!["record", &b, "order", "--product", "Sovellus Y"],
        vec!["record", &b, "ip", "198.51.100.7"],
        vec!["correct", &b, "--set", "name=Pekka P", "--reason", "typo"],
        vec!["consent", &b, "give", "marketing"],
        vec!["consent", &b, "withdraw", "marketing"],
        vec!["restrict", &b, "--ground", "accuracy"],
        vec!["object", &b],
        vec!["erase", &b, "--reason", "the subject asked"],
        vec!["erase", "--expired"],
        vec![
            "request",
            "open",
            "--kind",
            "access",
            "--subject",
            &b,
            "--received",
            TODAY,
            "--channel",
            "email",
        ],
        vec!["export"],
        vec!["--format", "json", "export"],
        vec!["--format", "csv", "export", "--include-restricted"],
        vec!["export", &a],
        vec!["export", &b],
        vec!["export", &a, "--portable"],
        vec!["rekey", "-r", &new_key.recipient, "--yes"],
    ];
    for args in &refused {
        let what = args.join(" ");
        let output = register.run(args);
        let err = expect_fail(&what, &output, 65);
        assert!(
            err.lines()
                .any(|l| l.starts_with("hint: ") && l.contains("erase --replay")),
            "`{what}`: the hint names `erase --replay`\n{err}"
        );
        for value in [A_NAME, A_EMAIL, A_PHONE] {
            assert!(!err.contains(value), "`{what}`: the error holds `{value}`");
        }
        assert_eq!(register.bytes(), restored, "`{what}` changed the file");
    }

    // The integrity check and the trail still work on the restored copy.
    let verified: Verified = register.json(&["audit", "verify"]);
    assert_eq!(verified, before);
    register.ok(&["audit", "verify", "--expect", &before.head]);
    let log: Vec<AuditEvent> = register.json(&["audit", "log"]);
    assert_eq!(log.len(), before.events);

    // The restore was deliberate: this machine had seen a longer trail, so the rollback is
    // accepted first (until then every change is refused as a rollback).
    let output = register.run(&["--format", "json", "erase", "--replay", "--yes"]);
    let err = expect_fail("erase --replay before accept-rollback", &output, 65);
    assert!(err.contains("accept-rollback"), "{err}");
    register.ok(&["audit", "accept-rollback"]);

    // erase --replay erases A again.
    let output = register.run(&["--format", "json", "erase", "--replay", "--yes"]);
    let text = support::expect_ok("erase --replay", &output);
    assert!(
        support::stderr(&output).contains("1 subject"),
        "it says how many were erased again"
    );
    let receipts: Vec<Receipt> = serde_json::from_str(&text).expect("a list of receipts");
    assert_eq!(receipts.len(), 1, "{text}");
    assert_eq!(receipts[0].subject, a);
    assert_eq!(receipts[0].actor, "tester");
    assert_eq!(receipts[0].request, None);
    assert!(!receipts[0].reason.is_empty());
    assert!(!receipts[0].erased.is_empty());

    let document = register.document();
    let ids: Vec<&str> = document["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [b.as_str()], "only B is left");
    let plaintext = serde_json::to_string(&document["subjects"]).unwrap();
    for value in [A_NAME, A_EMAIL, A_PHONE, A_ADDRESS] {
        assert!(!plaintext.contains(value), "subjects still hold `{value}`");
    }
    let trail: Vec<AuditEvent> = serde_json::from_value(document["audit"].clone()).unwrap();
    let last = trail.last().unwrap();
    assert_eq!(last.action, "erase-replay");
    assert_eq!(last.subject.as_deref(), Some(a.as_str()));
    assert_eq!(last.seq as usize, before.events + 1);
    // The invoice is kept for the bookkeeping law, once.
    let retained = document["retained"].as_array().unwrap();
    assert_eq!(
        retained
            .iter()
            .filter(|r| r["subject"] == a.as_str())
            .count(),
        1,
        "{retained:?}"
    );
    register.ok(&["audit", "verify", "--expect", &before.head]);
    // The journal still lists A once.
    assert_eq!(journal_lines(&register), [format!("{a} {TODAY}")]);

    // Changes and exports work again.
    register.ok(&["record", &b, "note", "a note"]);
    let c = register.add(&["--name", "Uusi Asiakas", "--email", "uusi@example.fi"]);
    let exported: Vec<Exported> = register.json(&["export"]);
    let mut exported_ids: Vec<&str> = exported.iter().map(|s| s.id.as_str()).collect();
    exported_ids.sort_unstable();
    let mut expected = vec![b.as_str(), c.as_str()];
    expected.sort_unstable();
    assert_eq!(exported_ids, expected);
    assert!(exported.iter().all(|s| s.name != A_NAME));
    assert!(exported.iter().all(|s| s.email.as_deref() != Some(A_EMAIL)));
    register.fails_after_warnings(&["export", &a], 67);

    // The erased person is still blocked on re-add, by email or by phone.
    let err = register.fails_after_warnings(&["add", "--name", A_NAME, "--email", A_EMAIL], 65);
    assert!(err.contains("erased"), "{err}");
    assert!(!err.contains(A_EMAIL), "{err}");
    register.fails_after_warnings(
        &[
            "add",
            "--name",
            "Toinen Nimi",
            "--email",
            "other@example.fi",
            "--phone",
            A_PHONE,
        ],
        65,
    );

    // A second replay has nothing to do.
    let again: Vec<Receipt> = register.json(&["erase", "--replay", "--yes"]);
    assert!(again.is_empty(), "{again:?}");
    register.ok(&["audit", "verify"]);
}

#[test]
fn a_backup_made_after_the_erasure_is_not_refused() {
    let (register, a, b) = two_subjects();
    register.ok(&["erase", &a, "--reason", "the subject asked"]);
    let backup = register.bytes();
    register.ok(&["record", &b, "note", "after the backup"]);
    register.put_bytes(&backup);

    // This machine saw a later trail: changes are refused as a rollback until the restore is
    // accepted.
    let err = register.fails_after_warnings(&["record", &b, "note", "on the restored copy"], 65);
    assert!(err.contains("accept-rollback"), "{err}");
    register.ok(&["audit", "accept-rollback"]);

    // Nothing erased is in this copy: it works as it is.
    register.ok(&["record", &b, "note", "on the restored copy"]);
    let exported: Vec<Exported> = register.json(&["export"]);
    assert_eq!(exported.len(), 1);
    assert_eq!(exported[0].id, b);
    let receipts: Vec<Receipt> = register.json(&["erase", "--replay", "--yes"]);
    assert!(receipts.is_empty(), "{receipts:?}");
}

#[test]
fn the_journal_holds_only_ids_and_dates_and_is_private() {
    let (register, a, b) = two_subjects();
    assert!(
        !journal_path(&register).exists(),
        "no journal before any erasure"
    );
    register.ok(&["erase", &a, "--reason", "the subject asked"]);
    let output = register
        .cmd_on("2025-04-01")
        .args(["erase", &b, "--reason", "the subject asked"])
        .output()
        .unwrap();
    support::expect_ok("erase B", &output);
    let lines = journal_lines(&register);
    assert_eq!(lines, [format!("{a} {TODAY}"), format!("{b} 2025-04-01")]);
    for value in [B_NAME, B_EMAIL] {
        let text = std::fs::read_to_string(journal_path(&register)).unwrap();
        assert!(!text.contains(value), "the journal holds `{value}`");
    }
}
