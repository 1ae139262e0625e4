//! The legal model end to end (LEGAL §2, §8, §9, §10): typed bases, who may be used for a
//! purpose, objections to any purpose whatever its id, dated consent with the notice version
//! in force, notice versions, declared recipients, the report of an erased person whose
//! invoices are kept, and erasure scrubbing the free text of their requests.

mod support;

use serde_json::Value;
use support::{Register, repo_file};

/// The emails on the list of `purpose`, sorted.
fn list(register: &Register, purpose: &str) -> Vec<String> {
    let subjects: Vec<Value> = register.json(&["export", "--purpose", purpose]);
    let mut emails: Vec<String> = subjects
        .iter()
        .filter_map(|s| s["email"].as_str().map(str::to_owned))
        .collect();
    emails.sort();
    emails
}

/// The example description, as a new version of it would start: without the day the
/// example's own version took effect.
fn example() -> Value {
    let text = std::fs::read_to_string(repo_file("examples/twebs.json")).unwrap();
    let mut description: Value = serde_json::from_str(&text).unwrap();
    description.as_object_mut().unwrap().remove("valid_from");
    description
}

/// Writes `description` into the register's directory and returns its file name.
fn write_description(register: &Register, name: &str, description: &Value) -> String {
    std::fs::write(
        register.root().join(name),
        serde_json::to_vec_pretty(description).unwrap(),
    )
    .unwrap();
    name.to_owned()
}

#[test]
fn a_consumer_without_consent_is_on_no_email_list_and_a_business_contact_is_until_they_refuse() {
    let register = Register::new();
    register.add(&["--name", "Kuluttaja", "--email", "kuluttaja@example.fi"]);
    let business = register.add(&[
        "--name",
        "Yhteyshenkilö",
        "--company",
        "Yritys Oy",
        "--email",
        "yritys@example.fi",
        "--role",
        "business",
    ]);
    // `uutiskirje` is email marketing on legitimate interests; `marketing` rests on consent.
    assert_eq!(list(&register, "uutiskirje"), ["yritys@example.fi"]);
    assert!(list(&register, "marketing").is_empty());
    // A refusal (a withdrawn consent) takes the business contact off at once.
    register.ok(&["consent", &business, "withdraw", "uutiskirje"]);
    assert!(list(&register, "uutiskirje").is_empty());
}

#[test]
fn consent_to_a_direct_marketing_purpose_on_legitimate_interests_puts_a_consumer_on_its_list() {
    let register = Register::new();
    let id = register.add(&["--name", "Kuluttaja", "--email", "kuluttaja@example.fi"]);
    register.ok(&[
        "consent",
        &id,
        "give",
        "uutiskirje",
        "--channel",
        "web-form",
    ]);
    assert_eq!(list(&register, "uutiskirje"), ["kuluttaja@example.fi"]);
    // The withdrawal takes effect at once.
    register.ok(&["consent", &id, "withdraw", "uutiskirje"]);
    assert!(list(&register, "uutiskirje").is_empty());
}

#[test]
fn an_existing_customer_gets_the_newsletter_without_consent_until_they_refuse() {
    let register = Register::new();
    let id = register.add(&["--name", "Asiakas", "--email", "asiakas@example.fi"]);
    assert!(list(&register, "uutiskirje").is_empty(), "no purchase yet");
    register.ok(&["record", &id, "order", "--product", "Kotisivu"]);
    assert_eq!(list(&register, "uutiskirje"), ["asiakas@example.fi"]);
    // The exception is the description's: `marketing` does not enable it.
    assert!(list(&register, "marketing").is_empty());
    register.ok(&["object", &id]);
    assert!(list(&register, "uutiskirje").is_empty());
}

#[test]
fn an_objector_is_never_on_any_direct_marketing_list_whatever_its_id_even_after_consent() {
    let register = Register::new();
    let id = register.add(&[
        "--name",
        "Vastustaja",
        "--email",
        "vastustaja@example.fi",
        "--consent",
        "marketing",
        "--consent",
        "uutiskirje",
    ]);
    assert_eq!(list(&register, "marketing"), ["vastustaja@example.fi"]);
    assert_eq!(list(&register, "uutiskirje"), ["vastustaja@example.fi"]);
    register.ok(&["object", &id]);
    // A later consent does not undo the objection (Art. 21(3)).
    register.ok(&["consent", &id, "give", "marketing"]);
    register.ok(&["consent", &id, "give", "uutiskirje"]);
    assert!(list(&register, "marketing").is_empty());
    assert!(list(&register, "uutiskirje").is_empty());
    // The report says why, per purpose.
    let report: Value = register.json(&["export", &id, "--lang", "en"]);
    let newsletter = report["purposes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "uutiskirje")
        .unwrap();
    assert_eq!(newsletter["applies"], false);
    assert_eq!(newsletter["status"], "objected-to-direct-marketing");
    assert!(
        newsletter["reason"]
            .as_str()
            .unwrap()
            .contains("You objected to direct marketing on 5 March 2025"),
        "{newsletter}"
    );
}

#[test]
fn an_objection_in_a_register_whose_marketing_purpose_has_a_finnish_id_blocks_it() {
    let register = Register::new();
    let mut description = example();
    for purpose in description["purposes"].as_array_mut().unwrap() {
        if purpose["id"] == "marketing" {
            purpose["id"] = "markkinointi".into();
        }
    }
    description["notice_version"] = "2025-02".into();
    let file = write_description(&register, "v2.json", &description);
    register.ok(&["describe", "--metadata", &file]);
    let id = register.add(&[
        "--name",
        "Vastustaja",
        "--email",
        "v@example.fi",
        "--consent",
        "markkinointi",
    ]);
    assert_eq!(list(&register, "markkinointi"), ["v@example.fi"]);
    register.ok(&["object", &id]);
    assert!(list(&register, "markkinointi").is_empty());
}

#[test]
fn a_restricted_subject_is_on_no_list_and_the_lift_keeps_the_day_they_were_told() {
    let register = Register::new();
    let id = register.add(&[
        "--name",
        "Rajoitettu",
        "--email",
        "r@example.fi",
        "--role",
        "business",
        "--consent",
        "marketing",
    ]);
    register.ok(&["restrict", &id, "--ground", "accuracy"]);
    for purpose in [
        "marketing",
        "uutiskirje",
        "customer-contact",
        "customer-relationship",
    ] {
        assert!(list(&register, purpose).is_empty(), "{purpose}");
    }
    register.ok_on(
        "2025-03-20",
        &["restrict", &id, "--lift", "--notified-on", "2025-03-18"],
    );
    assert_eq!(list(&register, "marketing"), ["r@example.fi"]);
    let report: Value = register.json_on("2025-03-20", &["export", &id]);
    let past = &report["subject"]["restrictions"][0];
    assert_eq!(past["ground"], "accuracy");
    assert_eq!(past["since"], "2025-03-05");
    assert_eq!(past["until"], "2025-03-20");
    assert_eq!(past["notified_on"], "2025-03-18");
    let lift = report["history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["action"] == "lift-restriction")
        .expect("the lift is in the history");
    assert_eq!(lift["notified_on"], "2025-03-18");
}

#[test]
fn an_objection_to_a_purpose_on_legitimate_interests_stops_it_unless_overridden() {
    let register = Register::new();
    let id = register.add(&["--name", "Henkilö", "--email", "h@example.fi"]);
    assert_eq!(list(&register, "customer-contact"), ["h@example.fi"]);
    register.ok(&["object", &id, "--purpose", "customer-contact"]);
    assert!(list(&register, "customer-contact").is_empty());
    // Other purposes are not touched.
    assert_eq!(list(&register, "customer-relationship"), ["h@example.fi"]);
    register.ok_on(
        "2025-03-10",
        &[
            "object",
            &id,
            "--purpose",
            "customer-contact",
            "--override",
            "--reason",
            "an open warranty claim",
        ],
    );
    assert_eq!(list(&register, "customer-contact"), ["h@example.fi"]);
    let subject: Value = register.json(&["export", &id]);
    let objection = &subject["subject"]["objections"][0];
    assert_eq!(objection["purpose"], "customer-contact");
    assert_eq!(objection["overridden"]["on"], "2025-03-10");
    // A contract purpose takes no Art. 21(1) objection; direct marketing takes no override.
    let err = register.fails(&["object", &id, "--purpose", "customer-relationship"], 65);
    assert!(err.contains("contract"), "{err}");
    register.fails(
        &[
            "object",
            &id,
            "--purpose",
            "marketing",
            "--override",
            "--reason",
            "x",
        ],
        65,
    );
}

#[test]
fn consent_to_a_purpose_that_takes_none_is_refused_naming_its_basis() {
    let register = Register::new();
    let id = register.add(&["--name", "Henkilö", "--email", "h@example.fi"]);
    let before = register.plaintext();
    let err = register.fails(&["consent", &id, "give", "bookkeeping"], 65);
    assert!(err.contains("legal-obligation"), "{err}");
    assert!(err.contains("\nhint: "), "{err}");
    register.fails(&["consent", &id, "give", "customer-relationship"], 65);
    assert_eq!(register.plaintext(), before, "nothing was changed");
    // On import too, naming the row.
    let err = register.fails(
        &[
            "add",
            "--name",
            "Toinen",
            "--email",
            "t@example.fi",
            "--consent",
            "bookkeeping",
        ],
        65,
    );
    assert!(err.contains("bookkeeping"), "{err}");
}

#[test]
fn consent_records_the_notice_in_force_on_its_day_and_no_invented_evidence() {
    let register = Register::new();
    // Notice 2025-01 is in force from 2025-01-01; a new version from 2025-03-01.
    let mut description = example();
    description["notice_version"] = "2025-03".into();
    description["valid_from"] = "2025-03-01".into();
    description["register_name"]["en"] = "Customer register".into();
    let file = write_description(&register, "v2.json", &description);
    register.ok(&["describe", "--metadata", &file]);

    let id = register.add(&[
        "--name",
        "Henkilö",
        "--email",
        "h@example.fi",
        "--source",
        "web-form",
        "--source-note",
        "lomake LOM-1",
        "--source-date",
        "2023-11-02",
        "--consent",
        "marketing",
    ]);
    register.ok(&[
        "consent",
        &id,
        "give",
        "uutiskirje",
        "--on",
        "2025-02-10",
        "--evidence",
        "viesti 42",
    ]);
    register.ok(&["consent", &id, "withdraw", "uutiskirje"]);
    let subject: Value = register.json(&["export", &id]);
    let consents = subject["subject"]["consents"].as_array().unwrap();
    // 2023: no notice of this register was in force; nothing is invented.
    assert_eq!(consents[0]["purpose"], "marketing");
    assert!(
        consents[0]["at"]
            .as_str()
            .unwrap()
            .starts_with("2023-11-02")
    );
    assert_eq!(consents[0]["notice_version"], Value::Null);
    assert_eq!(
        consents[0]["evidence"],
        Value::Null,
        "a source note is no evidence"
    );
    // Before the change: the older version; today: the new one.
    assert!(
        consents[1]["at"]
            .as_str()
            .unwrap()
            .starts_with("2025-02-10")
    );
    assert_eq!(consents[1]["notice_version"], "2025-01");
    assert_eq!(consents[1]["evidence"], "viesti 42");
    assert_eq!(consents[2]["notice_version"], "2025-03");
    // A consent dated after today is refused.
    register.fails(
        &["consent", &id, "give", "marketing", "--on", "2025-03-06"],
        65,
    );
}

#[test]
fn describe_keeps_every_version_and_refuses_a_change_without_a_new_version() {
    let register = Register::new();
    let mut description = example();
    description["purposes"][0]["description"]["fi"] = "Uusi tarkoitusteksti.".into();
    let same_version = write_description(&register, "same.json", &description);
    let before = register.plaintext();
    let err = register.fails(&["describe", "--metadata", &same_version], 65);
    assert!(err.contains("notice_version"), "{err}");
    assert_eq!(register.plaintext(), before);

    description["notice_version"] = "2025-03".into();
    let new = write_description(&register, "new.json", &description);
    register.ok(&["describe", "--metadata", &new]);
    let document = register.document();
    assert_eq!(document["description"]["notice_version"], "2025-03");
    assert_eq!(document["description"]["valid_from"], "2025-03-05");
    let old = &document["notices"][0];
    assert_eq!(old["description"]["notice_version"], "2025-01");
    assert_eq!(old["valid_from"], "2025-01-01");
    assert_eq!(old["valid_until"], "2025-03-04");
    // The audit event says `describe`, with the version.
    let events: Vec<Value> = register.json(&["audit", "log", "--action", "describe"]);
    assert_eq!(events.len(), 1);
    assert!(
        events[0]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "notice_version=2025-03")
    );

    // The old notice renders as it was; the current one has the new text.
    let old_notice = register.ok(&["notice", "--version", "2025-01"]);
    assert!(old_notice.contains("Versio 2025-01, voimassa 1.1.2025–4.3.2025."));
    assert!(!old_notice.contains("Uusi tarkoitusteksti."));
    let current = register.ok(&["notice"]);
    assert!(current.contains("Uusi tarkoitusteksti."));
    register.fails(&["notice", "--version", "1999"], 67);
    // Putting in the same description again changes nothing.
    register.ok(&["describe", "--metadata", &new]);
    assert_eq!(register.document()["notices"].as_array().unwrap().len(), 1);
    // A version that claims to have been in force before the current one is refused.
    description["notice_version"] = "2025-04".into();
    description["valid_from"] = "2025-02-01".into();
    let backdated = write_description(&register, "backdated.json", &description);
    let err = register.fails(&["describe", "--metadata", &backdated], 65);
    assert!(err.contains("valid_from"), "{err}");
}

#[test]
fn incomplete_or_contradictory_descriptions_are_refused_naming_the_field() {
    let register = Register::new();
    let cases: Vec<(Value, &str)> = {
        let mut unreachable = example();
        unreachable["contact_person"]["email"] = Value::Null;
        unreachable["notice_version"] = "x1".into();
        let mut unsafe_transfer = example();
        for recipient in unsafe_transfer["recipients"].as_array_mut().unwrap() {
            recipient["transfer_safeguard"] = Value::Null;
        }
        unsafe_transfer["notice_version"] = "x2".into();
        let mut no_basis = example();
        no_basis["purposes"][0]
            .as_object_mut()
            .unwrap()
            .remove("basis");
        no_basis["notice_version"] = "x3".into();
        let mut contract_marketing = example();
        for purpose in contract_marketing["purposes"].as_array_mut().unwrap() {
            if purpose["id"] == "marketing" {
                purpose["basis"] = "contract".into();
            }
        }
        contract_marketing["notice_version"] = "x4".into();
        vec![
            (unreachable, "contact_person"),
            (unsafe_transfer, "transfer_safeguard"),
            (no_basis, "basis"),
            (contract_marketing, "basis"),
        ]
    };
    for (n, (description, field)) in cases.into_iter().enumerate() {
        let file = write_description(&register, &format!("bad{n}.json"), &description);
        let err = register.fails(&["describe", "--metadata", &file], 78);
        assert!(err.contains(field), "case {n}: {err}");
    }
    // A legitimate interest that is not stated is a warning, not a refusal.
    let mut unstated = example();
    unstated["purposes"][1]
        .as_object_mut()
        .unwrap()
        .remove("basis_note");
    unstated["notice_version"] = "2025-04".into();
    let file = write_description(&register, "unstated.json", &unstated);
    let output = register.run(&["describe", "--metadata", &file]);
    assert_eq!(output.status.code(), Some(0));
    assert!(support::stderr(&output).contains("warning:"));
}

#[test]
fn a_description_written_for_format_1_is_upgraded_with_a_note() {
    let register = Register::new();
    let mut description = example();
    for purpose in description["purposes"].as_array_mut().unwrap() {
        let purpose = purpose.as_object_mut().unwrap();
        let consent = purpose["basis"] == "consent";
        purpose.remove("basis");
        purpose.remove("basis_note");
        purpose.remove("direct_marketing");
        purpose.insert(
            "legal_basis".into(),
            serde_json::json!({"fi": "suostumus", "en": "consent (Art. 6(1)(a))"}),
        );
        purpose.insert("requires_consent".into(), consent.into());
    }
    description["notice_version"] = "old-1".into();
    let file = write_description(&register, "old.json", &description);
    let output = register.run(&["describe", "--metadata", &file]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        support::stderr(&output)
    );
    assert!(support::stderr(&output).contains("note:"));
    let document = register.document();
    assert!(
        document["description"]["purposes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["basis"] == "consent" && p.get("requires_consent").is_none())
    );
}

#[test]
fn a_disclosure_to_an_undeclared_recipient_is_refused() {
    let register = Register::new();
    let id = register.add(&["--name", "Henkilö", "--email", "h@example.fi"]);
    let before = register.plaintext();
    let err = register.fails(
        &[
            "record",
            &id,
            "disclosure",
            "--recipient",
            "Naapurin Markkinointi Oy",
            "--fields",
            "email",
        ],
        65,
    );
    assert!(err.contains("hint: ") && err.contains("describe"), "{err}");
    assert!(
        !err.contains("Naapurin"),
        "the typed name is not echoed: {err}"
    );
    assert_eq!(register.plaintext(), before);
    // By id, the declared name is recorded.
    register.ok(&[
        "record",
        &id,
        "disclosure",
        "--recipient",
        "mail-crm",
        "--fields",
        "email",
    ]);
    let subject: Value = register.json(&["export", &id]);
    assert_eq!(
        subject["subject"]["disclosures"][0]["recipient"],
        "Example Mail & CRM Inc. (example)"
    );
}

#[test]
fn an_erased_person_with_kept_invoices_gets_a_report_and_their_requests_lose_their_free_text() {
    let register = Register::new();
    let id = register.add(&[
        "--name",
        "Ilmari Poistettava",
        "--email",
        "ilmari@example.fi",
        "--address",
        "Poistotie 1, 13100 Hämeenlinna",
    ]);
    register.ok(&[
        "record",
        &id,
        "invoice",
        "--number",
        "INV-77",
        "--date",
        "2025-01-10",
        "--amount",
        "120",
    ]);
    // An access request, extended and closed, then an erasure request.
    register.ok(&[
        "request",
        "open",
        "--kind",
        "access",
        "--subject",
        &id,
        "--received",
        "2025-03-01",
        "--channel",
        "email",
        "--identity-check",
        "IDCHECK-passport-Kx81",
    ]);
    register.ok(&[
        "request",
        "extend",
        "R-0001",
        "--reason",
        "EXTREASON-many-files-Qz",
        "--notified-on",
        "2025-03-04",
    ]);
    register.ok(&[
        "request",
        "close",
        "R-0001",
        "--outcome",
        "OUTCOME-sent-by-post-Wm",
    ]);
    register.ok(&[
        "request",
        "open",
        "--kind",
        "erasure",
        "--subject",
        &id,
        "--received",
        "2025-03-05",
        "--channel",
        "letter",
        "--identity-check",
        "IDCHECK-driving-licence-Lp",
    ]);
    register.ok(&[
        "erase",
        &id,
        "--reason",
        "Art. 17(1)(a)",
        "--request",
        "R-0002",
    ]);
    let plaintext = register.plaintext();
    for text in [
        "IDCHECK-passport-Kx81",
        "EXTREASON-many-files-Qz",
        "OUTCOME-sent-by-post-Wm",
        "IDCHECK-driving-licence-Lp",
    ] {
        assert!(
            !plaintext.contains(text),
            "`{text}` is still in the register"
        );
    }
    // Dates, kinds and statuses stay, so deadlines remain provable.
    let requests: Vec<Value> = register.json(&["request", "list"]);
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0]["status"], "closed");
    assert_eq!(requests[0]["received"], "2025-03-01");
    assert_eq!(requests[1]["kind"], "erasure");

    // The person asks what is still held: the kept invoice, why and until when.
    let report: Value = register.json(&["export", "ILMARI@example.fi", "--lang", "en"]);
    assert_eq!(report["processed"], true);
    assert_eq!(report["erased_on"], "2025-03-05");
    assert_eq!(report["kept"][0]["number"], "INV-77");
    assert_eq!(report["kept"][0]["retain_until"], "2031-12-31");
    assert_eq!(report["kept"][0]["invoiced_name"], "Ilmari Poistettava");
    assert!(
        report["purposes"][0]["legal_basis"]
            .as_str()
            .unwrap()
            .contains("legal obligation")
    );
    // The letter (Finnish by default) writes the date as people do (LEGAL §2).
    let text = register.ok(&["export", "ilmari@example.fi"]);
    assert!(
        text.contains("INV-77") && text.contains("31.12.2031") && !text.contains("2031-12-31"),
        "{text}"
    );
    // Keeping the report's way in added no personal data.
    assert_eq!(register.plaintext(), plaintext);
    // Someone never in the register is still unknown.
    register.fails(&["export", "nobody@example.fi"], 67);
}

#[test]
fn the_report_tells_each_purpose_whether_it_applies_to_this_subject_and_why() {
    let register = Register::new();
    let id = register.add(&[
        "--name",
        "Henkilö",
        "--email",
        "h@example.fi",
        "--consent",
        "marketing",
        "--source-date",
        "2025-02-01",
    ]);
    register.ok(&["consent", &id, "withdraw", "marketing"]);
    let report: Value = register.json(&["export", &id]);
    let by_id = |purpose: &str| {
        report["purposes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == purpose)
            .unwrap()
            .clone()
    };
    let marketing = by_id("marketing");
    assert_eq!(marketing["basis"], "consent");
    assert_eq!(marketing["applies"], false);
    assert_eq!(marketing["status"], "consent-withdrawn");
    assert_eq!(
        marketing["reason"],
        "Peruutit suostumuksesi tai kielsit tämän käsittelyn 5.3.2025, joten tietojasi ei käytetä siihen."
    );
    let newsletter = by_id("uutiskirje");
    assert_eq!(newsletter["applies"], false);
    assert_eq!(newsletter["status"], "no-consent");
    let contract = by_id("customer-relationship");
    assert_eq!(contract["applies"], true);
    assert!(
        contract["legal_basis"]
            .as_str()
            .unwrap()
            .starts_with("Käsittelyn oikeusperuste on sopimuksen täytäntöönpano")
    );
}

#[test]
fn a_role_corrected_to_business_puts_the_contact_on_the_newsletter_and_keeps_the_old_role() {
    let register = Register::new();
    let id = register.add(&["--name", "Henkilö", "--email", "h@example.fi"]);
    assert!(list(&register, "uutiskirje").is_empty());
    register.ok(&[
        "correct",
        &id,
        "--set",
        "role=business",
        "--reason",
        "works at a customer company",
    ]);
    assert_eq!(list(&register, "uutiskirje"), ["h@example.fi"]);
    let subject: Value = register.json(&["export", &id]);
    assert_eq!(subject["subject"]["role"], "business");
    assert_eq!(subject["subject"]["corrections"][0]["field"], "role");
    assert_eq!(subject["subject"]["corrections"][0]["old"], "consumer");
    register.fails(&["correct", &id, "--set", "role=vip", "--reason", "x"], 65);
}
