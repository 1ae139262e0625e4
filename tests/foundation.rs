//! The register's foundation, end to end: keygen → init → add (flags, CSV, JSON, JSONL,
//! stdin) → export (table, CSV, JSON), the file as the age crate sees it, and its schema.

mod support;

use std::collections::BTreeSet;

use serde::Deserialize;
use support::*;

fn ids_of(subjects: &[ExportedSubject]) -> Vec<String> {
    subjects.iter().map(|s| s.id.clone()).collect()
}

#[test]
fn init_creates_an_empty_register() {
    let fixture = Fixture::initialised();
    assert!(fixture.register_path().is_file());
    let subjects = fixture.export_json();
    assert!(subjects.is_empty(), "a new register has no subjects");
    let plaintext = fixture.plaintext();
    assert_eq!(plaintext["description"]["controller"]["name"], "Twebs Oy");
    let audit = audit_trail(&plaintext);
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].action, "init");
    assert_eq!(audit[0].actor, ACTOR);
    assert_eq!(audit[0].at, NOW);
}

#[test]
fn add_from_flags_prints_the_new_id_and_export_shows_the_subject() {
    let fixture = Fixture::initialised();
    let output = fixture
        .cmd()
        .args([
            "add",
            "--name",
            "Maija Meikäläinen",
            "--company",
            "Esimerkki Oy",
            "--email",
            "maija@example.fi",
            "--phone",
            "+358 40 123 4567",
            "--address",
            "Eteläkatu 1, 13100 Hämeenlinna",
            "--ip",
            "192.0.2.1",
            "--ip",
            "2001:db8::1",
            "--source",
            "web-form",
            "--source-note",
            "form 7",
            "--consent",
            "marketing",
            "--note",
            "Prefers email.",
        ])
        .output()
        .unwrap();
    assert_success(&output, "add from flags");
    let ids = stdout_lines(&output);
    assert_eq!(ids.len(), 1, "one id printed: {ids:?}");
    assert!(stderr(&output).contains("added 1 subject"));

    let subjects = fixture.export_json();
    assert_eq!(subjects.len(), 1);
    let maija = &subjects[0];
    assert_eq!(maija.id, ids[0]);
    assert_eq!(maija.name, "Maija Meikäläinen");
    assert_eq!(maija.company.as_deref(), Some("Esimerkki Oy"));
    assert_eq!(maija.email.as_deref(), Some("maija@example.fi"));
    assert_eq!(maija.phone.as_deref(), Some("+358401234567"));
    assert_eq!(
        maija.address.as_deref(),
        Some("Eteläkatu 1, 13100 Hämeenlinna")
    );
    assert!(maija.restriction.is_null());
    let ips: Vec<&str> = maija.ips.iter().map(|ip| ip.address.as_str()).collect();
    assert_eq!(ips, ["192.0.2.1", "2001:db8::1"]);
    assert_eq!(maija.source.channel, "web-form");
    assert_eq!(maija.source.date, TODAY, "source date defaults to today");
    assert_eq!(maija.source.note.as_deref(), Some("form 7"));
    assert_eq!(
        maija.consents,
        [ExportedConsent {
            purpose: "marketing".into(),
            action: "give".into()
        }]
    );
    assert_eq!(maija.notes.len(), 1);
    assert_eq!(maija.notes[0].text, "Prefers email.");
    assert_eq!(maija.notes[0].author, ACTOR);
    assert_eq!(maija.created, NOW);
}

#[test]
fn today_flag_fixes_the_clock_of_what_is_written() {
    let fixture = Fixture::initialised();
    let output = fixture
        .cmd()
        .args(["--today", "2025-04-01", "add", "--name", "Aapo"])
        .output()
        .unwrap();
    assert_success(&output, "add --today");
    let subjects = fixture.export_json();
    assert_eq!(subjects[0].created, "2025-04-01T12:00:00Z");
    assert_eq!(subjects[0].source.date, "2025-04-01");
}

#[test]
fn bulk_add_from_csv_export_json_matches_the_input_and_the_printed_ids() {
    let (fixture, ids) = Fixture::with_customers();
    let rows = customer_rows();
    let subjects = fixture.export_json();
    assert_eq!(subjects.len(), rows.len());
    assert_eq!(
        ids_of(&subjects),
        ids,
        "export lists the printed ids, in order"
    );
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "ids are unique");
    for (subject, row) in subjects.iter().zip(&rows) {
        assert_eq!(subject.name, row.name);
        assert_eq!(subject.email.as_deref(), Some(row.email.as_str()));
        let company = (!row.company.is_empty()).then_some(row.company.as_str());
        assert_eq!(subject.company.as_deref(), company, "{}", row.name);
        let address = (!row.address.is_empty()).then_some(row.address.as_str());
        assert_eq!(subject.address.as_deref(), address, "{}", row.name);
        assert!(
            subject.restriction.is_null(),
            "{} is not restricted",
            row.name
        );
        assert_eq!(subject.source.channel, row.source);
        assert_eq!(subject.source.date, row.source_date);
        let ips: Vec<&str> = subject.ips.iter().map(|ip| ip.address.as_str()).collect();
        let expected_ips: Vec<&str> = row.ip.split(';').filter(|s| !s.is_empty()).collect();
        assert_eq!(ips, expected_ips, "{}", row.name);
        let purposes: Vec<&str> = subject
            .consents
            .iter()
            .map(|c| c.purpose.as_str())
            .collect();
        let expected: Vec<&str> = row.consent.split(';').filter(|s| !s.is_empty()).collect();
        assert_eq!(purposes, expected, "{}", row.name);
    }
}

#[test]
fn add_with_format_json_prints_a_json_array_of_ids() {
    let fixture = Fixture::initialised();
    fixture.write(
        "customers.csv",
        std::fs::read(repo_file("examples/customers.csv")).unwrap(),
    );
    let output = fixture
        .cmd()
        .args(["--format", "json", "add", "--from", "customers.csv"])
        .output()
        .unwrap();
    assert_success(&output, "add --format json");
    let ids: Vec<String> =
        serde_json::from_slice(&output.stdout).expect("a JSON array of id strings");
    assert_eq!(ids.len(), 12);
    assert_eq!(ids_of(&fixture.export_json()), ids);
}

#[test]
fn add_with_format_csv_prints_an_id_column() {
    let fixture = Fixture::initialised();
    let output = fixture
        .cmd()
        .args(["--format", "csv", "add", "--name", "Aapo"])
        .output()
        .unwrap();
    assert_success(&output, "add --format csv");
    let mut reader = csv::Reader::from_reader(output.stdout.as_slice());
    assert_eq!(reader.headers().unwrap(), vec!["id"]);
    let ids: Vec<String> = reader.records().map(|r| r.unwrap()[0].to_owned()).collect();
    assert_eq!(ids_of(&fixture.export_json()), ids);
}

#[test]
fn bulk_add_from_a_json_array() {
    let fixture = Fixture::initialised();
    let input = serde_json::json!([
        {"name": "Aapo Aaltonen", "email": "aapo@example.fi", "ip": "192.0.2.5",
         "consent": ["marketing", "uutiskirje"], "source": "email"},
        {"name": "Bea Berg", "company": "Berg Oy", "phone": "040 111 2222",
         "orders": [{"product": "Web shop", "on": "2025-01-02",
                     "changes": [{"on": "2025-02-03", "change": "pro plan"}]}],
         "invoices": [{"number": "2025-7", "date": "2025-01-31", "amount": 249.5}]}
    ]);
    fixture.write("people.json", serde_json::to_vec(&input).unwrap());
    let output = fixture
        .cmd()
        .args(["add", "--from", "people.json"])
        .output()
        .unwrap();
    assert_success(&output, "add --from people.json");
    let ids = stdout_lines(&output);
    assert_eq!(ids.len(), 2);

    let subjects = fixture.export_json();
    assert_eq!(ids_of(&subjects), ids);
    let aapo = &subjects[0];
    assert_eq!(aapo.email.as_deref(), Some("aapo@example.fi"));
    assert_eq!(aapo.ips.len(), 1);
    assert_eq!(aapo.consents.len(), 2);
    assert_eq!(aapo.source.channel, "email");
    let bea = &subjects[1];
    assert_eq!(bea.company.as_deref(), Some("Berg Oy"));
    assert_eq!(bea.email, None);
    assert_eq!(bea.phone.as_deref(), Some("0401112222"));
    assert_eq!(
        bea.orders,
        [Order {
            product: "Web shop".into(),
            ordered_on: "2025-01-02".into(),
            changes: vec![OrderChange {
                on: "2025-02-03".into(),
                change: "pro plan".into()
            }],
        }]
    );
    assert_eq!(
        bea.invoices,
        [Invoice {
            number: "2025-7".into(),
            date: "2025-01-31".into(),
            amount: "249.50".into()
        }]
    );
}

#[test]
fn bulk_add_from_jsonl_skips_blank_lines() {
    let fixture = Fixture::initialised();
    fixture.write(
        "people.jsonl",
        "{\"name\": \"Aapo\", \"email\": \"aapo@example.fi\"}\n\n{\"name\": \"Bea\", \"ip\": [\"192.0.2.1\", \"192.0.2.2\"]}\n{\"name\": \"Cecilia\"}\n",
    );
    let output = fixture
        .cmd()
        .args(["add", "--from", "people.jsonl"])
        .output()
        .unwrap();
    assert_success(&output, "add --from people.jsonl");
    let ids = stdout_lines(&output);
    assert_eq!(ids.len(), 3);
    let subjects = fixture.export_json();
    let names: Vec<&str> = subjects.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Aapo", "Bea", "Cecilia"]);
    assert_eq!(ids_of(&subjects), ids);
    assert_eq!(subjects[1].ips.len(), 2);
}

#[test]
fn bulk_add_from_stdin_as_csv() {
    let fixture = Fixture::initialised();
    let csv = std::fs::read(repo_file("examples/customers.csv")).unwrap();
    let output = fixture
        .cmd()
        .args(["add", "--from", "-", "--input-format", "csv"])
        .write_stdin(csv)
        .output()
        .unwrap();
    assert_success(&output, "add --from - --input-format csv");
    let ids = stdout_lines(&output);
    assert_eq!(ids.len(), 12);
    assert_eq!(ids_of(&fixture.export_json()), ids);
}

#[test]
fn input_format_overrides_the_file_extension() {
    let fixture = Fixture::initialised();
    fixture.write("people.txt", "[{\"name\": \"Aapo\"}]");
    let output = fixture
        .cmd()
        .args(["add", "--from", "people.txt", "--input-format", "json"])
        .output()
        .unwrap();
    assert_success(&output, "add --input-format json");
    assert_eq!(fixture.export_json()[0].name, "Aapo");
}

#[test]
fn export_csv_has_the_contract_header_and_one_row_per_subject() {
    let (fixture, ids) = Fixture::with_customers();
    let output = fixture
        .cmd()
        .args(["--format", "csv", "export"])
        .output()
        .unwrap();
    assert_success(&output, "export --format csv");
    let mut reader = csv::Reader::from_reader(output.stdout.as_slice());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        header[..6],
        ["id", "name", "company", "email", "phone", "address"]
    );

    #[derive(Deserialize)]
    struct Row {
        id: String,
        name: String,
        email: String,
        address: String,
    }
    let rows: Vec<Row> = reader.deserialize().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 12);
    let exported_ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    assert_eq!(exported_ids, ids);
    for (row, input) in rows.iter().zip(customer_rows()) {
        assert_eq!(row.name, input.name);
        assert_eq!(row.email, input.email);
        // Addresses with commas survive RFC 4180 quoting.
        assert_eq!(row.address, input.address);
    }
}

#[test]
fn export_table_lists_every_subject() {
    let (fixture, ids) = Fixture::with_customers();
    let output = fixture.cmd().arg("export").output().unwrap();
    assert_success(&output, "export");
    let table = stdout(&output);
    let header = table.lines().nth(1).expect("a header row");
    for column in ["id", "name", "email"] {
        assert!(header.contains(column), "header names {column}: {header}");
    }
    for (id, row) in ids.iter().zip(customer_rows()) {
        let line = table
            .lines()
            .find(|line| line.contains(id.as_str()))
            .unwrap_or_else(|| panic!("the table lists {id}"));
        assert!(line.contains(&row.name), "{line}");
        assert!(line.contains(&row.email), "{line}");
    }
    let id_lines = table
        .lines()
        .filter(|line| ids.iter().any(|id| line.contains(id.as_str())))
        .count();
    assert_eq!(id_lines, 12);
}

#[test]
fn export_for_marketing_lists_only_subjects_with_marketing_consent() {
    let (fixture, ids) = Fixture::with_customers();
    let output = fixture
        .cmd()
        .args(["--format", "json", "export", "--purpose", "marketing"])
        .output()
        .unwrap();
    assert_success(&output, "export --purpose marketing");
    let subjects: Vec<ExportedSubject> = serde_json::from_slice(&output.stdout).unwrap();
    let expected: Vec<String> = ids
        .iter()
        .zip(customer_rows())
        .filter(|(_, row)| row.consent.split(';').any(|p| p == "marketing"))
        .map(|(id, _)| id.clone())
        .collect();
    assert!(!expected.is_empty() && expected.len() < ids.len());
    assert_eq!(ids_of(&subjects), expected);
}

#[test]
fn export_for_an_unknown_purpose_is_refused() {
    let (fixture, _) = Fixture::with_customers();
    let output = fixture
        .cmd()
        .args(["export", "--purpose", "telepathy"])
        .output()
        .unwrap();
    let line = assert_error(&output, 65);
    assert!(line.contains("--purpose"), "{line}");
    assert!(line.contains("marketing"), "{line}");
}

#[test]
fn the_age_crate_decrypts_the_register_and_it_validates_against_the_schema() {
    let (fixture, _) = Fixture::with_customers();
    let plaintext = fixture.plaintext();
    let object = plaintext.as_object().expect("the plaintext is an object");
    for key in ["format", "description", "subjects", "requests", "audit"] {
        assert!(object.contains_key(key), "top-level key `{key}`");
    }
    assert_eq!(plaintext["format"], rekisteri::core::model::FORMAT_VERSION);
    assert_eq!(plaintext["subjects"].as_array().unwrap().len(), 12);

    let schema: serde_json::Value =
        serde_json::from_slice(&std::fs::read(repo_file("register.schema.json")).unwrap())
            .expect("register.schema.json is JSON");
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&plaintext)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "schema errors: {errors:#?}");
}

#[test]
fn the_schema_rejects_a_register_missing_its_subjects() {
    // Guards the test above: the validator really checks the document.
    let (fixture, _) = Fixture::with_customers();
    let mut plaintext = fixture.plaintext();
    plaintext.as_object_mut().unwrap().remove("subjects");
    let schema: serde_json::Value =
        serde_json::from_slice(&std::fs::read(repo_file("register.schema.json")).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(!validator.is_valid(&plaintext));
}

#[test]
fn the_committed_schema_equals_the_schema_command_output() {
    let dir = tempfile::tempdir().unwrap();
    let output = command(dir.path()).arg("schema").output().unwrap();
    assert_success(&output, "schema");
    let committed = std::fs::read(repo_file("register.schema.json")).unwrap();
    assert!(
        output.stdout == committed,
        "register.schema.json is stale: regenerate it with `rekisteri schema > register.schema.json`"
    );
}

#[test]
fn the_age_binary_decrypts_the_register() {
    let Some(age) = required_tool("age") else {
        return;
    };
    let (fixture, ids) = Fixture::with_customers();
    let output = std::process::Command::new(age)
        .current_dir(fixture.root())
        .args(["-d", "-i", KEY, REGISTER])
        .output()
        .expect("age runs");
    assert_success(&output, "age -d");

    #[derive(Deserialize)]
    struct Plain {
        format: u32,
        subjects: Vec<ExportedSubject>,
    }
    let plain: Plain = serde_json::from_slice(&output.stdout).expect("age prints the JSON");
    assert_eq!(plain.format, rekisteri::core::model::FORMAT_VERSION);
    assert_eq!(ids_of(&plain.subjects), ids);
}

#[test]
fn an_armored_register_is_read_and_written_back() {
    let (fixture, ids) = Fixture::with_customers();
    let plaintext = fixture.plaintext_bytes();
    let armored = encrypt_armored_to(&plaintext, &fixture.identity().to_public());
    assert!(armored.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----"));
    std::fs::write(fixture.register_path(), &armored).unwrap();

    assert_eq!(ids_of(&fixture.export_json()), ids);
    let output = fixture
        .cmd()
        .args(["add", "--name", "Aapo"])
        .output()
        .unwrap();
    assert_success(&output, "add to an armored register");
    assert_eq!(fixture.export_json().len(), 13);
    assert_eq!(
        fixture.plaintext()["subjects"].as_array().unwrap().len(),
        13
    );
}

#[test]
fn the_register_on_disk_holds_no_plaintext() {
    let (fixture, _) = Fixture::with_customers();
    let bytes = fixture.register_bytes();
    assert!(bytes.starts_with(b"age-encryption.org/v1\n"));
    for row in customer_rows() {
        let needle = row.email.as_bytes();
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "the register file contains an email in plain text"
        );
    }
}
