//! The subject-access report (Art. 15, LEGAL §2) and the portable copy (Art. 20, LEGAL §7)
//! on one fixed scenario: snapshots of the report in every format and both languages, the
//! keys the contract promises, and what the portable copy holds and leaves out.

mod support;

use serde::Deserialize;
use support::Register;

const EMAIL: &str = "maija.meikalainen@example.fi";
const NOTE_MARKER: &str = "NOTE-ONLY-STAFF-9x";

/// A subject with every kind of data, built on fixed dates so the report is deterministic.
/// Returns the register and the subject's (random) id.
fn scenario() -> (Register, String) {
    let register = Register::new();
    let id = register.add(&[
        "--name",
        "Maija Meikäläinen",
        "--company",
        "Esimerkki Oy",
        "--email",
        EMAIL,
        "--phone",
        "+358 40 123 4567",
        "--address",
        "Hämeenkatu 1, 13100 Hämeenlinna",
        "--ip",
        "192.0.2.10",
        "--source",
        "web-form",
        "--source-note",
        "yhteydenottolomake LOM-2025-0042",
        "--source-date",
        "2025-01-15",
        "--consent",
        "uutiskirje",
        "--consent",
        "marketing",
        "--note",
        &format!("{NOTE_MARKER} Kiinnostunut mobiilisovelluksesta."),
    ]);
    let record = |args: &[&str]| {
        let mut all = vec!["record", id.as_str()];
        all.extend_from_slice(args);
        register.ok(&all);
    };
    record(&[
        "order",
        "--product",
        "Mobiilisovellus",
        "--on",
        "2025-01-20",
    ]);
    record(&[
        "order",
        "--product",
        "Mobiilisovellus",
        "--change",
        "Lisätty kirjautuminen",
        "--on",
        "2025-02-01",
    ]);
    record(&[
        "invoice",
        "--number",
        "2025-0007",
        "--date",
        "2025-02-15",
        "--amount",
        "4990",
    ]);
    record(&["ip", "198.51.100.23"]);
    record(&[
        "disclosure",
        "--recipient",
        "Esimerkki Tilitoimisto Oy (example)",
        "--fields",
        "name,invoices",
        "--on",
        "2025-02-20",
    ]);
    register.ok(&[
        "correct",
        EMAIL,
        "--set",
        "phone=+358 40 765 4321",
        "--reason",
        "asiakkaan ilmoitus",
    ]);
    register.ok(&[
        "consent",
        EMAIL,
        "withdraw",
        "marketing",
        "--channel",
        "email",
        "--evidence",
        "viesti 2025-03-01",
    ]);
    register.ok(&[
        "request",
        "open",
        "--kind",
        "access",
        "--subject",
        EMAIL,
        "--received",
        "2025-03-05",
        "--channel",
        "email",
    ]);
    (register, id)
}

/// `export EMAIL` in `format` and `lang`, with the random subject id replaced.
fn report(register: &Register, id: &str, format: &str, lang: &str) -> String {
    let text = register.ok(&["--format", format, "export", EMAIL, "--lang", lang]);
    // The data for scripts carries the subject's id; the letter a person reads does not
    // (it is an internal code).
    assert_eq!(
        text.contains(id),
        format != "table",
        "the {format}/{lang} report names the subject's id only for scripts"
    );
    text.replace(id, "<SUBJECT-ID>")
}

#[test]
fn the_access_report_in_every_format_and_language() {
    let (register, id) = scenario();
    for format in ["table", "csv", "json"] {
        for lang in ["fi", "en"] {
            let text = report(&register, &id, format, lang);
            // Every snapshot holds the copy of the data, so none can pass while leaving it out.
            for value in ["Maija Meikäläinen", EMAIL, "198.51.100.23", NOTE_MARKER] {
                assert!(
                    text.contains(value),
                    "{format}/{lang} report lacks `{value}`"
                );
            }
            insta::assert_snapshot!(format!("access_report_{format}_{lang}"), text);
        }
    }
}

#[test]
fn the_languages_differ_where_the_report_speaks() {
    let (register, id) = scenario();
    let fi = report(&register, &id, "table", "fi");
    let en = report(&register, &id, "table", "en");
    assert!(fi.contains("Tietosuojavaltuutetun toimisto"), "{fi}");
    assert!(fi.contains("Oikeutesi"));
    assert!(en.contains("Your rights"));
    assert!(!en.contains("Oikeutesi"));
}

#[test]
fn the_json_report_has_the_contract_keys() {
    let (register, id) = scenario();
    let report: serde_json::Value = register.json(&["export", &id, "--lang", "en"]);
    let object = report.as_object().expect("the report is a JSON object");
    for key in [
        "subject",
        "purposes",
        "categories",
        "recipients",
        "transfers",
        "retention",
        "rights",
        "complaint_authority",
        "sources",
        "automated_decision_making",
        "history",
        "requests",
    ] {
        assert!(object.contains_key(key), "the report has `{key}`");
    }

    // The copy of the data (Art. 15(3)) is the whole subject.
    let subject: support::Subject =
        serde_json::from_value(report["subject"].clone()).expect("`subject` has the subject shape");
    assert_eq!(subject.id, id);
    assert_eq!(subject.phone.as_deref(), Some("+358407654321"));
    assert_eq!(subject.ips.len(), 2);
    assert_eq!(subject.orders[0].changes.len(), 1);
    assert_eq!(subject.invoices[0].amount, "4990.00");
    assert_eq!(subject.notes.len(), 1);
    assert_eq!(subject.consents.len(), 3);
    assert_eq!(subject.corrections[0].old.as_deref(), Some("+358401234567"));
    assert_eq!(subject.disclosures.len(), 1);

    let history = report["history"].as_array().expect("`history` is an array");
    assert!(!history.is_empty());
    let actions: Vec<&str> = history
        .iter()
        .filter_map(|h| h["action"].as_str())
        .collect();
    for action in [
        "add",
        "record-order",
        "record-invoice",
        "correct",
        "consent-withdraw",
        "request-open",
    ] {
        assert!(
            actions.contains(&action),
            "history lacks `{action}`: {actions:?}"
        );
    }
    let purposes: Vec<&str> = report["purposes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert_eq!(
        purposes,
        [
            "customer-relationship",
            "customer-contact",
            "marketing",
            "uutiskirje",
            "bookkeeping"
        ]
    );
    let requests = report["requests"].as_array().unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0]["id"], "R-0001");
    assert_eq!(report["automated_decision_making"]["used"], false);
    // The disclosure is listed under its recipient (Art. 15(1)(c), Art. 19).
    let accountant = report["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Esimerkki Tilitoimisto Oy (example)")
        .expect("the accountant is a recipient");
    assert_eq!(accountant["disclosures"][0]["on"], "2025-02-20");
    assert!(!report["rights"].as_array().unwrap().is_empty());
}

/// The portable copy: `export SUBJECT --portable`.
#[derive(Debug, Deserialize)]
struct Portable {
    format: String,
    exported_on: String,
    subject: PortableSubject,
}

#[derive(Debug, Deserialize)]
struct PortableSubject {
    id: String,
    name: String,
    email: Option<String>,
    ips: Vec<support::IpSeen>,
    orders: Vec<support::Order>,
    invoices: Vec<support::Invoice>,
    consents: Vec<support::Consent>,
}

/// Every object key anywhere in `value`.
fn keys(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, item) in map {
                out.push(key.clone());
                keys(item, out);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|item| keys(item, out)),
        _ => {}
    }
}

#[test]
fn the_portable_copy_holds_what_the_subject_provided_and_no_staff_notes() {
    let (register, id) = scenario();
    // JSON whatever --format says.
    for flags in [
        &["export", EMAIL, "--portable"][..],
        &["--format", "json", "export", EMAIL, "--portable"],
    ] {
        let text = register.ok(flags);
        let value: serde_json::Value = serde_json::from_str(&text).expect("the copy is JSON");
        let mut all = Vec::new();
        keys(&value, &mut all);
        assert!(!all.iter().any(|k| k == "notes"), "no `notes` key: {all:?}");
        assert!(
            !text.contains(NOTE_MARKER),
            "the staff note is not in the copy"
        );

        let copy: Portable = serde_json::from_value(value).expect("the portable shape");
        assert_eq!(copy.format, "rekisteri-portable/1");
        assert_eq!(copy.exported_on, support::TODAY);
        assert_eq!(copy.subject.id, id);
        assert_eq!(copy.subject.name, "Maija Meikäläinen");
        assert_eq!(copy.subject.email.as_deref(), Some(EMAIL));
        let ips: Vec<&str> = copy
            .subject
            .ips
            .iter()
            .map(|ip| ip.address.as_str())
            .collect();
        assert_eq!(ips, ["192.0.2.10", "198.51.100.23"]);
        assert_eq!(copy.subject.orders.len(), 1);
        assert_eq!(copy.subject.orders[0].product, "Mobiilisovellus");
        assert_eq!(
            copy.subject.orders[0].changes[0].change,
            "Lisätty kirjautuminen"
        );
        assert_eq!(copy.subject.invoices[0].number, "2025-0007");
        let consents: Vec<(&str, &str)> = copy
            .subject
            .consents
            .iter()
            .map(|c| (c.purpose.as_str(), c.action.as_str()))
            .collect();
        assert_eq!(
            consents,
            [
                ("uutiskirje", "give"),
                ("marketing", "give"),
                ("marketing", "withdraw")
            ]
        );
    }
}
