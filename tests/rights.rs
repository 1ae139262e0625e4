//! The data subjects' rights end to end through the binary (LEGAL §3-§9): erasure and what
//! it may keep, erased people staying erased, rectification and its history, restriction,
//! objection to marketing, consent, and how subjects are selected.

mod support;

use serde::Deserialize;
use support::{AuditEvent, Register, Subject, present};

/// The erasure receipt `erase --format json` prints.
#[derive(Debug, Deserialize)]
struct Receipt {
    subject: String,
    #[serde(deserialize_with = "present")]
    request: Option<String>,
    date: String,
    actor: String,
    reason: String,
    erased: Vec<String>,
    retained: Vec<RetainedCategory>,
}

#[derive(Debug, Deserialize, PartialEq)]
struct RetainedCategory {
    category: String,
    count: usize,
    basis: String,
    retain_until: String,
}

/// An invoice kept after an erasure, as the register's `retained` array holds it.
#[derive(Debug, Deserialize, PartialEq)]
struct RetainedInvoice {
    subject: String,
    number: String,
    date: String,
    amount: String,
    invoiced_name: String,
    #[serde(deserialize_with = "present")]
    invoiced_address: Option<String>,
    retain_until: String,
    basis: String,
}

/// A notification task of `audit tasks --format json`.
#[derive(Debug, Deserialize, PartialEq)]
struct Task {
    id: String,
    subject: String,
    recipient: String,
    cause: String,
    created: String,
    #[serde(deserialize_with = "present")]
    done: Option<String>,
}

const BASIS: &str = "Art. 6(1)(c), KPL 2:10";
const ACCOUNTANT: &str = "Esimerkki Tilitoimisto Oy (example)";

/// A person with every kind of data, each value unique enough to be searched for.
struct Person {
    name: &'static str,
    old_company: &'static str,
    company: &'static str,
    email: &'static str,
    phone_typed: &'static str,
    phone_stored: &'static str,
    address: &'static str,
    ip4: &'static str,
    ip6: &'static str,
    source_note: &'static str,
    product: &'static str,
    order_change: &'static str,
    note: &'static str,
    evidence: &'static str,
    identity_check: &'static str,
}

const ILMARI: Person = Person {
    name: "Ilmari Poistettava",
    old_company: "Vanha Yritys QX7 Oy",
    company: "Uusi Yritys WV3 Oy",
    email: "Ilmari.Poistettava@Example.fi",
    phone_typed: "+358 40 111 2233",
    phone_stored: "+358401112233",
    address: "Poistokatu 7 B 12, 00100 Helsinki",
    ip4: "192.0.2.77",
    ip6: "2001:db8::77",
    source_note: "LOMAKE-ZK93",
    product: "Mobiilisovellus J8K",
    order_change: "CHANGE-MARKER-P4",
    note: "NOTE-MARKER-5c1e soitti tarjouksesta",
    evidence: "EVIDENCE-MARKER-M3",
    identity_check: "passi IDCHECK-MARKER-H2",
};

/// Adds ILMARI with name, company, email, phone, address, two IPs, an order with a change,
/// an invoice dated 2025-01-10, a note, consent given and withdrawn, a disclosure, and a
/// correction of the company (whose old value is unique). Returns the subject's id.
fn add_ilmari(register: &Register) -> String {
    let p = &ILMARI;
    let id = register.add(&[
        "--name",
        p.name,
        "--company",
        p.old_company,
        "--email",
        p.email,
        "--phone",
        p.phone_typed,
        "--address",
        p.address,
        "--ip",
        p.ip4,
        "--ip",
        p.ip6,
        "--source",
        "web-form",
        "--source-note",
        p.source_note,
        "--consent",
        "marketing",
    ]);
    let record = |args: &[&str]| {
        let mut all = vec!["record", id.as_str()];
        all.extend_from_slice(args);
        register.ok(&all);
    };
    record(&["order", "--product", p.product, "--on", "2025-01-05"]);
    record(&[
        "order",
        "--product",
        p.product,
        "--change",
        p.order_change,
        "--on",
        "2025-02-01",
    ]);
    record(&[
        "invoice",
        "--number",
        "INV-2025-001",
        "--date",
        "2025-01-10",
        "--amount",
        "249.50",
    ]);
    record(&["note", p.note]);
    record(&[
        "disclosure",
        "--recipient",
        ACCOUNTANT,
        "--fields",
        "name,address,invoices",
    ]);
    register.ok(&[
        "consent",
        &id,
        "withdraw",
        "marketing",
        "--channel",
        "email",
        "--evidence",
        p.evidence,
    ]);
    register.ok(&[
        "correct",
        &id,
        "--set",
        &format!("company={}", p.company),
        "--reason",
        "the customer told us the new company name",
    ]);
    // Everything is really there before the erasure, so the searches below can fail.
    let before = register.subject(&id);
    assert_eq!(before.ips.len(), 2);
    assert_eq!(before.orders[0].changes.len(), 1);
    assert_eq!(before.invoices.len(), 1);
    assert_eq!(before.notes.len(), 1);
    assert_eq!(before.consents.len(), 2);
    assert_eq!(before.disclosures.len(), 1);
    assert_eq!(before.corrections[0].old.as_deref(), Some(p.old_company));
    id
}

fn occurrences(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// Every value of ILMARI that must leave the register with them, as (what, text) pairs;
/// emails are searched in lower case in a lower-cased text.
fn erased_values() -> Vec<(&'static str, String)> {
    let p = &ILMARI;
    vec![
        ("email", p.email.to_lowercase()),
        ("email local part", "ilmari.poistettava".to_owned()),
        ("phone as stored", p.phone_stored.to_lowercase()),
        ("phone as typed", p.phone_typed.to_lowercase()),
        ("phone digits", "401112233".to_owned()),
        ("IPv4", p.ip4.to_owned()),
        ("IPv6", p.ip6.to_owned()),
        ("note marker", "note-marker-5c1e".to_owned()),
        ("corrected-away company", p.old_company.to_lowercase()),
        ("current company", p.company.to_lowercase()),
        ("source note", p.source_note.to_lowercase()),
        ("product", p.product.to_lowercase()),
        ("order change", p.order_change.to_lowercase()),
        ("consent evidence", p.evidence.to_lowercase()),
        ("identity check", "idcheck-marker-h2".to_owned()),
    ]
}

#[test]
fn erasure_removes_every_trace_but_the_invoice_bookkeeping_law_keeps() {
    let register = Register::new();
    let bystander = register.add(&[
        "--name",
        "Bertta Sivullinen",
        "--email",
        "bertta@example.fi",
    ]);
    let id = add_ilmari(&register);
    let opened: support::Request = register.json(&[
        "request",
        "open",
        "--kind",
        "erasure",
        "--subject",
        &ILMARI.email.to_lowercase(),
        "--received",
        "2025-03-03",
        "--channel",
        "email",
        "--identity-check",
        ILMARI.identity_check,
    ]);
    assert_eq!(opened.id, "R-0001");
    assert_eq!(opened.subject.as_deref(), Some(id.as_str()));

    let receipt: Receipt = register.json(&[
        "erase",
        &id,
        "--reason",
        "Art. 17(1)(a): no longer necessary",
        "--request",
        "R-0001",
    ]);

    // The receipt: who, when, for which request, what went and what stayed.
    assert_eq!(receipt.subject, id);
    assert_eq!(receipt.request.as_deref(), Some("R-0001"));
    assert_eq!(receipt.date, support::TODAY);
    assert_eq!(receipt.actor, support::ACTOR);
    assert_eq!(receipt.reason, "Art. 17(1)(a): no longer necessary");
    for category in [
        "identity", "contact", "network", "orders", "notes", "consents",
    ] {
        assert!(
            receipt.erased.contains(&category.to_owned()),
            "the receipt lists `{category}` as erased: {:?}",
            receipt.erased
        );
    }
    assert!(
        !receipt.erased.contains(&"billing".to_owned()),
        "billing was kept, not erased: {:?}",
        receipt.erased
    );
    assert_eq!(
        receipt.retained,
        vec![RetainedCategory {
            category: "billing".into(),
            count: 1,
            basis: BASIS.into(),
            retain_until: "2031-12-31".into(),
        }]
    );

    // The register itself, decrypted by the age crate.
    let plaintext = register.plaintext();
    let lower = plaintext.to_lowercase();
    for (what, value) in erased_values() {
        assert_eq!(
            occurrences(&lower, &value),
            0,
            "the erased subject's {what} ({value}) is still in the register"
        );
    }
    // The name and the address are in the register once each: in the kept invoice.
    assert_eq!(
        occurrences(&plaintext, ILMARI.name),
        1,
        "the name is only in `retained`"
    );
    assert_eq!(
        occurrences(&plaintext, ILMARI.address),
        1,
        "the address is only in `retained`"
    );
    let mut document: serde_json::Value = serde_json::from_str(&plaintext).unwrap();
    let retained: Vec<RetainedInvoice> =
        serde_json::from_value(document["retained"].take()).expect("`retained` is an array");
    assert_eq!(
        retained,
        vec![RetainedInvoice {
            subject: id.clone(),
            number: "INV-2025-001".into(),
            date: "2025-01-10".into(),
            amount: "249.50".into(),
            invoiced_name: ILMARI.name.into(),
            invoiced_address: Some(ILMARI.address.into()),
            retain_until: "2031-12-31".into(),
            basis: BASIS.into(),
        }]
    );
    let rest = serde_json::to_string(&document).unwrap();
    assert!(
        !rest.contains(ILMARI.name),
        "the name is outside `retained`"
    );
    assert!(
        !rest.contains(ILMARI.address),
        "the address is outside `retained`"
    );
    let subjects = document["subjects"]
        .as_array()
        .expect("`subjects` is an array");
    assert_eq!(subjects.len(), 1, "only the bystander is left");
    assert_eq!(subjects[0]["id"], bystander.as_str());

    // The kept invoice never leaves through an export.
    for flags in [
        &["export"][..],
        &["--format", "csv", "export"],
        &["--format", "json", "export"],
        &["export", "--include-restricted"],
        &["--format", "csv", "export", "--include-restricted"],
        &["--format", "json", "export", "--include-restricted"],
        &["--format", "json", "export", "--purpose", "bookkeeping"],
    ] {
        let out = register.ok(flags);
        assert!(out.contains("bertta@example.fi") || flags.contains(&"--purpose"));
        for kept in ["INV-2025-001", "249.50", ILMARI.name, ILMARI.address, &id] {
            assert!(
                !out.contains(kept),
                "`{}` shows `{kept}` of the erased subject:\n{out}",
                flags.join(" ")
            );
        }
    }
    register.fails(&["export", &id], 67);

    // The audit trail tells what happened, by ids and field names only.
    let events: Vec<AuditEvent> = register.json(&["audit", "log"]);
    let erase = events
        .iter()
        .find(|e| e.action == "erase")
        .expect("an erase event");
    assert_eq!(erase.subject.as_deref(), Some(id.as_str()));
    assert_eq!(erase.request.as_deref(), Some("R-0001"));
    assert_eq!(erase.fields, receipt.erased);
    assert!(
        events
            .iter()
            .filter(|e| e.subject.as_deref() == Some(&id))
            .count()
            >= 10
    );
    let log = register
        .ok(&["--format", "json", "audit", "log"])
        .to_lowercase();
    for personal in [
        ILMARI.name.to_lowercase(),
        ILMARI.email.to_lowercase(),
        "bertta@example.fi".to_owned(),
        "bertta sivullinen".to_owned(),
    ] {
        assert!(!log.contains(&personal), "the audit log holds `{personal}`");
    }
    register.ok(&["audit", "verify"]);

    // Art. 19: the accountant who got the data is to be told of the erasure as well.
    let tasks: Vec<Task> = register.json(&["audit", "tasks"]);
    let causes: Vec<(&str, &str)> = tasks
        .iter()
        .map(|t| (t.cause.as_str(), t.recipient.as_str()))
        .collect();
    assert_eq!(causes, [("correct", ACCOUNTANT), ("erase", ACCOUNTANT)]);
    assert!(tasks.iter().all(|t| t.subject == id));

    // No file beside the register holds the erased person's data in the clear.
    for entry in std::fs::read_dir(register.root()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            continue; // the test's rollback state: a head hash and a count
        }
        let bytes = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).to_lowercase();
        for value in [ILMARI.name.to_lowercase(), ILMARI.email.to_lowercase()] {
            assert!(
                !bytes.contains(&value),
                "{} holds `{value}`",
                path.display()
            );
        }
    }
}

#[test]
fn erasing_a_subject_without_invoices_keeps_nothing() {
    let register = Register::new();
    let id = register.add(&[
        "--name",
        "Kaarina Jäljetön",
        "--email",
        "kaarina.jaljeton@example.fi",
        "--address",
        "Jäljettömänkatu 3, 33100 Tampere",
        "--note",
        "pyysi tarjousta",
    ]);
    register.ok(&[
        "record",
        &id,
        "order",
        "--product",
        "Kotisivut",
        "--on",
        "2025-02-02",
    ]);
    let receipt: Receipt = register.json(&["erase", &id, "--reason", "Art. 17(1)(b)"]);
    assert_eq!(receipt.subject, id);
    assert_eq!(receipt.request, None);
    assert!(
        receipt.retained.is_empty(),
        "nothing kept: {:?}",
        receipt.retained
    );
    assert!(receipt.erased.contains(&"orders".to_owned()));

    let plaintext = register.plaintext();
    for value in [
        "Kaarina Jäljetön",
        "kaarina.jaljeton",
        "Jäljettömänkatu",
        "pyysi tarjousta",
        "Kotisivut",
    ] {
        assert!(
            !plaintext.contains(value),
            "`{value}` is still in the register"
        );
    }
    let document: serde_json::Value = serde_json::from_str(&plaintext).unwrap();
    assert_eq!(document["retained"], serde_json::json!([]));
    assert_eq!(document["subjects"], serde_json::json!([]));
}

#[test]
fn an_invoice_already_past_its_retention_is_not_kept() {
    let register = Register::new();
    let id = register.add(&["--name", "Vanha Asiakas", "--email", "vanha@example.fi"]);
    // Invoiced in 2018: kept until 2024-12-31, which is before today (2025-03-05).
    register.ok(&[
        "record",
        &id,
        "invoice",
        "--number",
        "INV-2018-9",
        "--date",
        "2018-05-01",
        "--amount",
        "100",
    ]);
    let receipt: Receipt = register.json(&["erase", &id, "--reason", "Art. 17(1)(a)"]);
    assert!(receipt.retained.is_empty(), "{:?}", receipt.retained);
    assert!(
        receipt.erased.contains(&"billing".to_owned()),
        "{:?}",
        receipt.erased
    );
    let plaintext = register.plaintext();
    assert!(!plaintext.contains("Vanha Asiakas"));
    assert!(!plaintext.contains("INV-2018-9"));
}

#[test]
fn an_erased_person_is_not_added_again_without_readmit() {
    let register = Register::new();
    let id = register.add(&[
        "--name",
        "Paluu Poistettu",
        "--email",
        "Paluu.Poistettu@Example.fi",
        "--phone",
        "+358 40 555 6677",
    ]);
    register.ok(&["erase", &id, "--reason", "Art. 17(1)(a)"]);

    // The same email in another case.
    let err = register.fails(
        &[
            "add",
            "--name",
            "Paluu P.",
            "--email",
            "PALUU.POISTETTU@example.FI",
        ],
        65,
    );
    let hint = err
        .lines()
        .find(|l| l.starts_with("hint: "))
        .unwrap_or_else(|| panic!("a hint line: {err}"));
    assert!(hint.contains("--readmit"), "{hint}");
    assert!(
        !err.to_lowercase().contains("paluu.poistettu"),
        "the error names no email: {err}"
    );

    // The same phone written with other spacing, with another email.
    let err = register.fails(
        &[
            "add",
            "--name",
            "Joku Muu",
            "--email",
            "joku.muu@example.fi",
            "--phone",
            "+35840 555 66 77",
        ],
        65,
    );
    assert!(err.contains("--readmit"), "{err}");
    assert!(
        register.export(&[]).is_empty(),
        "the refused rows were not added"
    );

    // Through a batch import too.
    let csv = register.root().join("back.csv");
    std::fs::write(
        &csv,
        "name,email\nUusi Ihminen,uusi@example.fi\nPaluu,paluu.poistettu@example.fi\n",
    )
    .unwrap();
    register.fails(&["add", "--from", csv.to_str().unwrap()], 65);
    assert!(
        register.export(&[]).is_empty(),
        "the batch is all-or-nothing"
    );

    // --readmit admits them as a new customer.
    let again = register.add(&[
        "--readmit",
        "--name",
        "Paluu Poistettu",
        "--email",
        "paluu.poistettu@example.fi",
        "--phone",
        "+358405556677",
    ]);
    assert_ne!(again, id, "a readmitted person gets a new id");
    let subjects = register.export(&[]);
    assert_eq!(subjects.len(), 1);
    assert_eq!(subjects[0].id, again);
}

#[test]
fn expired_kept_invoices_are_purged_on_the_day_after_their_retain_until_date() {
    let register = Register::new();
    let id = register.add(&[
        "--name",
        "Laskutettu Lauri",
        "--email",
        "lauri@example.fi",
        "--address",
        "Laskukatu 1, 20100 Turku",
    ]);
    register.ok(&[
        "record",
        &id,
        "invoice",
        "--number",
        "INV-7",
        "--date",
        "2025-01-10",
        "--amount",
        "80",
    ]);
    // A live customer's old invoice is not a kept record: --expired leaves it alone.
    let live = register.add(&["--name", "Elävä Asiakas", "--email", "elava@example.fi"]);
    register.ok(&[
        "record",
        &live,
        "invoice",
        "--number",
        "INV-OLD",
        "--date",
        "2018-05-01",
        "--amount",
        "5",
    ]);
    register.ok(&["erase", &id, "--reason", "Art. 17(1)(a)"]);
    let retained = |r: &Register| r.document()["retained"].as_array().unwrap().len();
    assert_eq!(retained(&register), 1);

    register.ok_on("2031-12-31", &["erase", "--expired"]);
    assert_eq!(retained(&register), 1, "kept through its retain-until date");
    assert!(register.plaintext().contains("Laskutettu Lauri"));

    let out = register.run_on("2032-01-01", &["erase", "--expired"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        support::stderr(&out).contains("purged 1"),
        "{}",
        support::stderr(&out)
    );
    assert_eq!(retained(&register), 0, "purged the day after");
    let plaintext = register.plaintext();
    assert!(!plaintext.contains("Laskutettu Lauri"));
    assert!(!plaintext.contains("Laskukatu"));
    assert!(!plaintext.contains("INV-7"));
    assert_eq!(register.subject(&live).invoices.len(), 1);

    let events: Vec<AuditEvent> = register.json(&["audit", "log"]);
    let purge = events
        .iter()
        .find(|e| e.action == "purge-retained")
        .expect("a purge event");
    assert_eq!(purge.subject.as_deref(), Some(id.as_str()));
    register.ok(&["audit", "verify"]);
}

#[test]
fn correcting_an_email_keeps_the_old_value_in_the_history() {
    let register = Register::new();
    let id = register.add(&["--name", "Oikaistava Olli", "--email", "olli@vanha.example"]);
    register.ok(&[
        "correct",
        "olli@vanha.example",
        "--set",
        "email=olli@uusi.example",
        "--reason",
        "the customer changed address",
    ]);
    let subjects = register.export(&[]);
    let olli = subjects
        .iter()
        .find(|s| s.id == id)
        .expect("Olli is exported");
    assert_eq!(olli.email.as_deref(), Some("olli@uusi.example"));
    assert_eq!(olli.corrections.len(), 1);
    let correction = &olli.corrections[0];
    assert_eq!(correction.field, "email");
    assert_eq!(correction.old.as_deref(), Some("olli@vanha.example"));
    assert_eq!(correction.reason, "the customer changed address");
    assert_eq!(correction.actor, support::ACTOR);
    assert!(
        correction.at.starts_with(support::TODAY),
        "{}",
        correction.at
    );
    // The new email selects the subject; the old one no longer does.
    register.ok(&["export", "olli@uusi.example"]);
    register.fails(&["export", "olli@vanha.example"], 67);
}

#[test]
fn corrections_with_bad_fields_or_values_change_nothing() {
    let register = Register::new();
    let id = register.add(&["--name", "Virhe Veikko", "--email", "veikko@example.fi"]);

    let err = register.fails(
        &[
            "correct",
            &id,
            "--set",
            "shoe_size=44",
            "--reason",
            "why not",
        ],
        65,
    );
    assert!(
        err.contains("shoe_size"),
        "the error names the field: {err}"
    );

    let err = register.fails(
        &[
            "correct",
            &id,
            "--set",
            "email=not-an-email",
            "--reason",
            "typo",
        ],
        65,
    );
    assert!(err.contains("email"), "the error names `email`: {err}");
    assert!(
        !err.contains("not-an-email"),
        "the error does not echo the value: {err}"
    );

    // A good set with a bad one: all or nothing.
    register.fails(
        &[
            "correct",
            &id,
            "--set",
            "name=Veikko Virhe",
            "--set",
            "phone=call me",
            "--reason",
            "typo",
        ],
        65,
    );

    let out = register.run(&["correct", &id, "--set", "name=Veikko"]);
    assert_eq!(out.status.code(), Some(2), "--reason is required");

    let veikko = register.subject(&id);
    assert_eq!(veikko.name, "Virhe Veikko");
    assert_eq!(veikko.email.as_deref(), Some("veikko@example.fi"));
    assert!(veikko.corrections.is_empty());
}

#[test]
fn correcting_a_disclosed_subject_creates_a_notification_task_until_it_is_done() {
    let register = Register::new();
    let id = register.add(&["--name", "Luovutettu Liisa", "--email", "liisa@example.fi"]);
    register.ok(&[
        "record",
        &id,
        "disclosure",
        "--recipient",
        ACCOUNTANT,
        "--fields",
        "name,email",
        "--on",
        "2025-02-01",
    ]);
    let none: Vec<Task> = register.json(&["audit", "tasks"]);
    assert!(none.is_empty(), "no task before the correction: {none:?}");

    register.ok(&[
        "correct",
        &id,
        "--set",
        "name=Liisa Luovutettu",
        "--reason",
        "name order",
    ]);
    let open: Vec<Task> = register.json(&["audit", "tasks"]);
    assert_eq!(
        open,
        vec![Task {
            id: "T-0001".into(),
            subject: id.clone(),
            recipient: ACCOUNTANT.into(),
            cause: "correct".into(),
            created: support::TODAY.into(),
            done: None,
        }]
    );

    register.ok(&["audit", "task-done", "T-0001"]);
    let open: Vec<Task> = register.json(&["audit", "tasks"]);
    assert!(
        open.is_empty(),
        "a done task leaves the open list: {open:?}"
    );
    let all: Vec<Task> = register.json(&["audit", "tasks", "--all"]);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].done.as_deref(), Some(support::TODAY));
    register.fails(&["audit", "task-done", "T-0001"], 65);
    register.fails(&["audit", "task-done", "T-0002"], 67);

    // A restriction is told to the recipients too.
    register.ok(&["restrict", &id, "--ground", "accuracy"]);
    let open: Vec<Task> = register.json(&["audit", "tasks"]);
    assert_eq!(open.len(), 1);
    assert_eq!(
        (open[0].id.as_str(), open[0].cause.as_str()),
        ("T-0002", "restrict")
    );
}

/// Two subjects with marketing consent; returns (restricted-to-be, other).
fn two_marketing_subjects(register: &Register) -> (String, String) {
    let a = register.add(&[
        "--name",
        "Rajoitettu Riikka",
        "--email",
        "riikka@example.fi",
        "--phone",
        "+358 50 000 1111",
        "--consent",
        "marketing",
    ]);
    let b = register.add(&[
        "--name",
        "Tavallinen Toivo",
        "--email",
        "toivo@example.fi",
        "--consent",
        "marketing",
    ]);
    (a, b)
}

fn ids(subjects: &[Subject]) -> Vec<String> {
    subjects.iter().map(|s| s.id.clone()).collect()
}

#[test]
fn a_restricted_subject_leaves_through_no_export_until_the_restriction_is_lifted() {
    let register = Register::new();
    let (a, b) = two_marketing_subjects(&register);
    register.ok(&["restrict", "riikka@example.fi", "--ground", "accuracy"]);

    let riikka = [
        "Rajoitettu Riikka",
        "riikka@example.fi",
        "+358500001111",
        a.as_str(),
    ];
    for flags in [
        &["export"][..],
        &["--format", "csv", "export"],
        &["--format", "json", "export"],
        &["export", "--purpose", "marketing"],
        &["--format", "csv", "export", "--purpose", "marketing"],
        &["--format", "json", "export", "--purpose", "marketing"],
        &["--format", "json", "export", &b, "--portable"],
        &["--format", "json", "export", &b],
        &["export", &b],
    ] {
        let out = register.ok(flags);
        assert!(
            out.contains("toivo@example.fi"),
            "`{}` shows the other subject:\n{out}",
            flags.join(" ")
        );
        for value in riikka {
            assert!(
                !out.contains(value),
                "`{}` shows the restricted subject's `{value}`:\n{out}",
                flags.join(" ")
            );
        }
    }
    assert_eq!(ids(&register.export(&[])), vec![b.clone()]);
    assert_eq!(
        ids(&register.export(&["--purpose", "marketing"])),
        vec![b.clone()]
    );

    let all = register.export(&["--include-restricted"]);
    assert_eq!(ids(&all), vec![a.clone(), b.clone()]);
    let restriction = all[0].restriction.clone().expect("a non-null restriction");
    assert_eq!(restriction.ground, "accuracy");
    assert_eq!(restriction.since, support::TODAY);
    assert_eq!(all[1].restriction, None);

    // While restricted the data is only stored: nothing new is recorded.
    register.fails(&["record", &a, "note", "called again"], 65);
    register.fails(&["record", &a, "ip", "192.0.2.1"], 65);
    register.fails(&["restrict", &a, "--ground", "unlawful"], 65);

    // Lifting needs the date the subject was told (Art. 18(3)).
    let out = register.run(&["restrict", &a, "--lift"]);
    assert_eq!(out.status.code(), Some(2), "{}", support::stderr(&out));
    assert_eq!(
        ids(&register.export(&[])),
        vec![b.clone()],
        "still restricted"
    );

    // Told before the restriction even began, or told only in the future: refused.
    register.fails(
        &["restrict", &a, "--lift", "--notified-on", "2025-03-04"],
        65,
    );
    register.fails_on(
        "2025-03-12",
        &["restrict", &a, "--lift", "--notified-on", "2025-03-13"],
        65,
    );
    assert_eq!(
        ids(&register.export(&[])),
        vec![b.clone()],
        "still restricted"
    );

    register.ok_on(
        "2025-03-12",
        &["restrict", &a, "--lift", "--notified-on", "2025-03-10"],
    );
    let exported = register.export(&[]);
    assert_eq!(ids(&exported), vec![a.clone(), b.clone()]);
    assert_eq!(exported[0].restriction, None);
    assert_eq!(
        ids(&register.export(&["--purpose", "marketing"])),
        vec![a.clone(), b]
    );
    register.ok(&["record", &a, "note", "called again"]);
    register.ok(&["audit", "verify"]);
}

#[test]
fn an_objection_blocks_marketing_for_good() {
    let register = Register::new();
    let (a, b) = two_marketing_subjects(&register);
    assert_eq!(
        ids(&register.export(&["--purpose", "marketing"])),
        vec![a.clone(), b.clone()]
    );

    register.ok(&["object", &a]);
    assert_eq!(
        ids(&register.export(&["--purpose", "marketing"])),
        vec![b.clone()]
    );

    // Consent given after the objection does not bring them back to marketing.
    register.ok(&[
        "consent",
        &a,
        "give",
        "marketing",
        "--channel",
        "web-form",
        "--evidence",
        "FORM-22",
    ]);
    let marketing = register.ok(&["--format", "csv", "export", "--purpose", "marketing"]);
    assert!(!marketing.contains("riikka@example.fi"), "{marketing}");
    assert_eq!(
        ids(&register.export(&["--purpose", "marketing"])),
        vec![b.clone()]
    );

    // An objection blocks marketing, not the customer relationship.
    let everyone = register.export(&[]);
    assert_eq!(ids(&everyone), vec![a.clone(), b]);
    let objection = everyone[0]
        .marketing_objection
        .clone()
        .expect("the objection is recorded");
    assert_eq!(objection.on, support::TODAY);

    // Objecting again changes nothing and is not an error.
    register.ok(&["object", &a]);
    assert_eq!(register.subject(&a).marketing_objection, Some(objection));
}

#[test]
fn consent_given_and_withdrawn_decides_the_marketing_list() {
    let register = Register::new();
    let c = register.add(&["--name", "Suostuva Saara", "--email", "saara@example.fi"]);
    assert!(register.export(&["--purpose", "marketing"]).is_empty());

    register.ok(&[
        "consent",
        "SAARA@example.fi",
        "give",
        "marketing",
        "--channel",
        "web-form",
        "--evidence",
        "FORM-2025-17",
    ]);
    assert_eq!(
        ids(&register.export(&["--purpose", "marketing"])),
        vec![c.clone()]
    );

    register.ok_on(
        "2025-03-10",
        &[
            "consent",
            &c,
            "withdraw",
            "marketing",
            "--channel",
            "email",
            "--evidence",
            "MSG-4711",
        ],
    );
    assert!(register.export(&["--purpose", "marketing"]).is_empty());
    assert_eq!(ids(&register.export(&[])), vec![c.clone()]);

    let consents = register.subject(&c).consents;
    assert_eq!(consents.len(), 2, "withdrawal is recorded, not retroactive");
    let summary: Vec<(&str, &str, &str, Option<&str>, &str)> = consents
        .iter()
        .map(|r| {
            (
                r.purpose.as_str(),
                r.action.as_str(),
                r.channel.as_str(),
                r.evidence.as_deref(),
                r.notice_version.as_str(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "marketing",
                "give",
                "web-form",
                Some("FORM-2025-17"),
                "2025-01"
            ),
            (
                "marketing",
                "withdraw",
                "email",
                Some("MSG-4711"),
                "2025-01"
            ),
        ]
    );
    assert!(
        consents[0].at.starts_with("2025-03-05"),
        "{}",
        consents[0].at
    );
    assert!(
        consents[1].at.starts_with("2025-03-10"),
        "{}",
        consents[1].at
    );

    register.fails(&["consent", &c, "give", "astrology"], 65);
}

#[test]
fn unknown_subjects_are_errors_and_selectors_are_never_guessed() {
    let register = Register::new();
    let id = register.add(&[
        "--name",
        "Aino Valitsin",
        "--email",
        "Aino.Valitsin@Example.fi",
    ]);

    // The email matches exactly but for case.
    let report: serde_json::Value = register.json(&["export", "AINO.VALITSIN@EXAMPLE.FI"]);
    assert_eq!(report["subject"]["id"], id.as_str());
    register.ok(&["object", "aino.valitsin@example.fi"]);
    assert!(register.subject(&id).marketing_objection.is_some());

    let unknown = "00000000-0000-4000-8000-000000000000";
    for args in [
        &["export", "nobody@example.fi"][..],
        &["export", unknown],
        &["correct", unknown, "--set", "name=X", "--reason", "r"],
        &["erase", "nobody@example.fi", "--reason", "r"],
        &["restrict", unknown, "--ground", "accuracy"],
        &["object", unknown],
        &["consent", unknown, "give", "marketing"],
        &["record", unknown, "note", "hello"],
        // Near misses are not guesses: a prefix of the id, part of the email, the name.
        &["export", &id[..8]],
        &["export", "aino.valitsin@example"],
        &["export", "Aino Valitsin"],
    ] {
        let err = register.fails(args, 67);
        assert!(
            err.contains("hint: "),
            "`{}` gives a hint: {err}",
            args.join(" ")
        );
    }
    // Nothing was changed by the failures.
    assert!(register.subject(&id).corrections.is_empty());
    assert_eq!(register.export(&[]).len(), 1);
}

/// LEGAL §4: an erased person must not come back silently. The email and phone they had
/// before a correction were theirs too: an old export or backup re-imported carries them.
#[test]
fn an_erased_persons_corrected_away_email_and_phone_do_not_bring_them_back() {
    let register = Register::new();
    let id = register.add(&[
        "--name",
        "Muuttanut Minna",
        "--email",
        "minna@vanha.example",
        "--phone",
        "+358 40 123 0000",
    ]);
    register.ok(&[
        "correct",
        &id,
        "--set",
        "email=minna@uusi.example",
        "--set",
        "phone=+358 50 111 0000",
        "--reason",
        "moved",
    ]);
    register.ok(&["erase", &id, "--reason", "Art. 17(1)(a)"]);

    // The current values are guarded.
    register.fails(
        &["add", "--name", "Minna", "--email", "minna@uusi.example"],
        65,
    );
    // So must the ones an old copy of the customer list still holds.
    let err = register.fails(
        &["add", "--name", "Minna", "--email", "minna@vanha.example"],
        65,
    );
    assert!(err.contains("--readmit"), "{err}");
    let err = register.fails(
        &[
            "add",
            "--name",
            "Minna",
            "--email",
            "someone.else@example.fi",
            "--phone",
            "+358401230000",
        ],
        65,
    );
    assert!(err.contains("--readmit"), "{err}");
    assert!(register.export(&[]).is_empty());
}

/// LEGAL §4: an erased person's email must not come back by a rectification of another
/// subject either; `add` refuses it, and `correct` has no `--readmit` to say it is wanted.
#[test]
fn a_correction_does_not_silently_bring_back_an_erased_email() {
    let register = Register::new();
    let erased = register.add(&["--name", "Poistettu Pekka", "--email", "pekka@example.fi"]);
    register.ok(&["erase", &erased, "--reason", "Art. 17(1)(a)"]);
    let other = register.add(&["--name", "Toinen Tuula", "--email", "tuula@example.fi"]);
    register.fails(
        &[
            "correct",
            &other,
            "--set",
            "email=PEKKA@example.fi",
            "--reason",
            "typo",
        ],
        65,
    );
    assert_eq!(
        register.subject(&other).email.as_deref(),
        Some("tuula@example.fi")
    );
}
