//! Format upgrades: a register written in format 1 is kept as a fixture, and every later
//! version of rekisteri must open it (upgrading it through `core::format::MIGRATIONS`) with
//! its subjects, requests, kept records and audit trail intact.

use rekisteri::core::audit;
use rekisteri::core::format::{self, DecodeError, MIGRATIONS};
use rekisteri::core::model::FORMAT_VERSION;

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
