//! Format upgrades: a register written in format 1 is kept as a fixture, and every later
//! version of rekisteri must open it (upgrading it through `core::format::MIGRATIONS`) with
//! its subjects, requests, kept records and audit trail intact.

use rekisteri::core::audit;
use rekisteri::core::format::{self, DecodeError, MIGRATIONS};
use rekisteri::core::model::{Basis, FORMAT_VERSION, Role};

const FORMAT_1: &str = include_str!("fixtures/register-format-1.json");

#[test]
fn the_format_1_fixture_opens_and_keeps_everything() {
    let register = format::decode(FORMAT_1.as_bytes()).expect("format 1 still opens");
    assert_eq!(register.format, FORMAT_VERSION);
    assert_eq!(register.subjects.len(), 11);
    assert_eq!(register.requests.len(), 1);
    assert_eq!(register.retained.len(), 1);
    assert_eq!(register.erased.entries.len(), 1);
    assert_eq!(register.erasures.len(), 1);
    assert_eq!(register.audit.len(), 20);
    assert_eq!(audit::verify(&register.audit), Ok(()));
    assert!(register.subjects.iter().any(
        |s| s.restriction.is_some() && s.email.as_deref() == Some("mikko.korhonen@example.com")
    ));
}

#[test]
fn there_is_one_migration_for_each_format_after_the_first() {
    assert_eq!(MIGRATIONS.len() as u32, FORMAT_VERSION - 1);
}

#[test]
fn a_newer_format_is_refused_not_rewritten() {
    let mut document: serde_json::Value = serde_json::from_str(FORMAT_1).unwrap();
    document["format"] = serde_json::json!(FORMAT_VERSION + 1);
    let bytes = serde_json::to_vec(&document).unwrap();
    assert_eq!(
        format::decode(&bytes),
        Err(DecodeError::TooNew(u64::from(FORMAT_VERSION) + 1))
    );
}

#[test]
fn an_unknown_field_is_refused_not_dropped() {
    let mut document: serde_json::Value = serde_json::from_str(FORMAT_1).unwrap();
    document["subjects"][0]["shoe_size"] = serde_json::json!(42);
    let bytes = serde_json::to_vec(&document).unwrap();
    let Err(DecodeError::Malformed(message)) = format::decode(&bytes) else {
        panic!("an unknown field must be refused");
    };
    assert!(message.contains("shoe_size"), "{message}");
}

#[test]
fn the_format_1_fixture_upgrades_to_the_typed_legal_model_and_validates() {
    let register = format::decode(FORMAT_1.as_bytes()).expect("format 1 still opens");
    // Free-text bases became typed ones; `requires_consent` decided for `marketing`, whose
    // id made it the direct-marketing purpose of format 1.
    let marketing = register
        .description
        .purposes
        .iter()
        .find(|p| p.id == "marketing")
        .expect("the fixture has a marketing purpose");
    assert_eq!(marketing.basis, Basis::Consent);
    assert!(marketing.direct_marketing.is_some());
    let bookkeeping = register
        .description
        .purposes
        .iter()
        .find(|p| p.id == "bookkeeping")
        .expect("the fixture has a bookkeeping purpose");
    assert_eq!(bookkeeping.basis, Basis::LegalObligation);
    assert!(bookkeeping.basis_note.is_some(), "the old text is kept");
    assert!(register.subjects.iter().all(|s| s.role == Role::Consumer));
    assert!(
        register
            .upgrade_notes
            .iter()
            .any(|n| n.contains("free-text legal basis")),
        "{:?}",
        register.upgrade_notes
    );
    // The description predates the completeness checks: that is a note, not a refusal.
    assert!(
        register
            .upgrade_notes
            .iter()
            .any(|n| n.contains("incomplete"))
    );

    let upgraded = serde_json::to_value(&register).unwrap();
    let schema: serde_json::Value = serde_json::from_str(include_str!("../register.schema.json"))
        .expect("register.schema.json is JSON");
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&upgraded)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "schema errors: {errors:#?}");
    // Written and read again, it is a register of the current format as it is.
    let again = format::decode(&serde_json::to_vec(&register).unwrap()).unwrap();
    assert!(again.upgrade_notes.is_empty());
    assert_eq!(again.description, register.description);
}
