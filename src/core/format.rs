//! Reading and checking the register document: the format version, the upgrades from older
//! versions, and the invariants every register must keep before it is written.

use std::collections::HashSet;

use serde::Deserialize;
use serde_json::Value;

use crate::core::model::{Description, Encryption, ErasureGuard, FORMAT_VERSION, Register};
use crate::core::validate;
use crate::core::{Context, IdSource, audit, describe, upgrade};

/// Why a plaintext is not a register this build can use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// Not JSON, or JSON not of the register's shape; the reason names no value.
    Malformed(String),
    /// A format version newer than this build reads.
    TooNew(u64),
}

/// One upgrade step: turns a document of format `from` into format `from + 1`, noting what
/// the user should know about the choices it made.
pub type Migration = fn(&mut Value, &mut Vec<String>) -> Result<(), String>;

/// Upgrades, in order: `MIGRATIONS[i]` turns format `i + 1` into format `i + 2`.
pub const MIGRATIONS: &[Migration] = &[upgrade::format_1_to_2, upgrade::format_2_to_3];

/// The one older format whose documents have the current shape (format 3 only added the
/// optional index): the fast readers take it as it is, and the next write writes format 3.
pub const SAME_SHAPE_AS_CURRENT: u32 = 2;

/// True for a format version the fast (sparse and indexed) readers read as it is.
pub fn reads_as_current(format: u32) -> bool {
    format == FORMAT_VERSION || format == SAME_SHAPE_AS_CURRENT
}

#[derive(Deserialize)]
struct FormatOnly {
    format: Option<Value>,
}

/// Decodes a plaintext register, upgrading an older format and refusing a newer one.
pub fn decode(plaintext: &[u8]) -> Result<Register, DecodeError> {
    // The common case, a register of the current format, is parsed in one pass; the version
    // is looked at on its own only when that fails. Parsed from a `str` checked as UTF-8 in
    // one go, serde need not check each string of it on its own (a fifth of the parse).
    let current = match std::str::from_utf8(plaintext) {
        Ok(text) => serde_json::from_str::<Register>(text),
        Err(_) => serde_json::from_slice::<Register>(plaintext),
    };
    let register = match current {
        Ok(register) if register.format == FORMAT_VERSION => register,
        // Format 2 is format 3 without the optional index: read as it is.
        Ok(mut register) if register.format == SAME_SHAPE_AS_CURRENT => {
            register.format = FORMAT_VERSION;
            register
        }
        first_attempt => {
            let head: FormatOnly =
                serde_json::from_slice(plaintext).map_err(describe_json_error)?;
            let version = match head.format {
                Some(Value::Number(n)) => n.as_u64().ok_or_else(|| {
                    DecodeError::Malformed("`format` is not a version number".into())
                })?,
                Some(_) => {
                    return Err(DecodeError::Malformed(
                        "`format` is not a version number".into(),
                    ));
                }
                None => return Err(DecodeError::Malformed("`format` is missing".into())),
            };
            if version > u64::from(FORMAT_VERSION) {
                return Err(DecodeError::TooNew(version));
            }
            if version == 0 {
                return Err(DecodeError::Malformed(
                    "format version 0 does not exist".into(),
                ));
            }
            if version == u64::from(FORMAT_VERSION) {
                return Err(match first_attempt {
                    Err(e) => describe_json_error(e),
                    Ok(_) => DecodeError::Malformed("the format version is inconsistent".into()),
                });
            }
            let mut document: Value =
                serde_json::from_slice(plaintext).map_err(describe_json_error)?;
            let mut notes = Vec::new();
            for (step, migrate) in MIGRATIONS.iter().enumerate().skip((version - 1) as usize) {
                migrate(&mut document, &mut notes).map_err(|reason| {
                    DecodeError::Malformed(format!("upgrading from format {}: {reason}", step + 1))
                })?;
            }
            let mut register: Register =
                serde_json::from_value(document).map_err(describe_json_error)?;
            if let Err(reason) = describe::check_description(&register.description) {
                notes.push(format!(
                    "the description is incomplete: {reason}; put a complete one in with `rekisteri describe --metadata FILE.json`"
                ));
            }
            register.upgrade_notes = notes;
            register
        }
    };
    check(&register).map_err(DecodeError::Malformed)?;
    Ok(register)
}

/// A JSON error in words that carry no value from the document: serde's messages can quote
/// values (`invalid type: string "…"`), so only field names and positions are kept.
pub fn describe_json_error(error: serde_json::Error) -> DecodeError {
    DecodeError::Malformed(safe_json_message(&error))
}

/// The part of a serde_json error that names no value.
pub fn safe_json_message(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let position = format!("line {}, column {}", error.line(), error.column());
    for keep in [
        "unknown field",
        "missing field",
        "duplicate field",
        "unknown variant",
    ] {
        if let Some(start) = text.find(keep) {
            // "unknown field `x`, expected one of …": field and variant names are schema words.
            // An unknown variant quotes the value it got, so keep only the expected list.
            let message = &text[start..];
            let message = message.split(" at line").next().unwrap_or(message);
            let message = if keep == "unknown variant" {
                message
                    .split_once(", expected")
                    .map(|(_, expected)| {
                        format!("a value that is not one of the allowed ones (expected{expected})")
                    })
                    .unwrap_or_else(|| "a value that is not one of the allowed ones".into())
            } else {
                message.to_owned()
            };
            return format!("{message} ({position})");
        }
    }
    let kind = match error.classify() {
        serde_json::error::Category::Io => "it could not be read",
        serde_json::error::Category::Syntax => "it is not valid JSON",
        serde_json::error::Category::Data => "a value has the wrong type or form",
        serde_json::error::Category::Eof => "it ends too early",
    };
    format!("{kind} ({position})")
}

/// The invariants every register keeps: unique subject ids and emails, unique request ids,
/// known purposes. Linear in the register's size.
pub fn check(register: &Register) -> Result<(), String> {
    let mut ids = HashSet::with_capacity(register.subjects.len());
    let mut emails = HashSet::with_capacity(register.subjects.len());
    for subject in &register.subjects {
        if !ids.insert(subject.id.0.as_str()) || register.unloaded.ids.contains(&subject.id.0) {
            return Err(format!("subject id {} appears twice", subject.id));
        }
        // The comparison form is worked out once per subject (it lower-cases and may
        // IDNA-encode the domain).
        if let Some(email) = &subject.email
            && let key = validate::email_key(email)
            && (register.unloaded.emails.contains_key(&key) || !emails.insert(key))
        {
            return Err(format!(
                "subject {} has an email address another subject has",
                subject.id
            ));
        }
    }
    let mut requests = HashSet::with_capacity(register.requests.len());
    for request in &register.requests {
        if !requests.insert(request.id.0.as_str()) {
            return Err(format!("request id {} appears twice", request.id));
        }
    }
    check_description(&register.description)
}

/// The invariants of a stored description: purposes, recipients and categories named once
/// each. (A description put in by `init` or `describe` is held to the completeness checks of
/// `core::describe` as well; one stored by an older version may predate them.)
pub fn check_description(description: &Description) -> Result<(), String> {
    let mut purposes = HashSet::new();
    for purpose in &description.purposes {
        if purpose.id.trim().is_empty() {
            return Err("a purpose has an empty id".into());
        }
        if !purposes.insert(purpose.id.as_str()) {
            return Err(format!("purpose `{}` is described twice", purpose.id));
        }
    }
    if description.controller.name.trim().is_empty() {
        return Err("the controller has no name".into());
    }
    Ok(())
}

/// A new, empty register with its first audit event.
pub fn new_register(
    mut description: Description,
    encryption: Encryption,
    ctx: &Context,
    ids: &mut dyn IdSource,
) -> Register {
    description.valid_from.get_or_insert(ctx.today);
    let mut register = Register {
        format: FORMAT_VERSION,
        encryption,
        description,
        notices: Vec::new(),
        subjects: Vec::new(),
        requests: Vec::new(),
        retained: Vec::new(),
        tasks: Vec::new(),
        erased: ErasureGuard {
            key: hex::encode(ids.secret_key()),
            entries: Vec::new(),
        },
        erasures: Vec::new(),
        breaches: Vec::new(),
        audit: Vec::new(),
        unloaded: Default::default(),
        index: None,
        upgrade_notes: Vec::new(),
    };
    audit::append(
        &mut register.audit,
        ctx,
        audit::Entry::new(crate::core::model::AuditAction::Init),
    );
    register
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newer_formats_are_refused() {
        assert_eq!(
            decode(br#"{"format": 99, "anything": true}"#),
            Err(DecodeError::TooNew(99))
        );
    }

    #[test]
    fn errors_do_not_quote_values() {
        let err = decode(br#"{"format": 1, "encryption": "Maija Meikalainen"}"#).unwrap_err();
        let DecodeError::Malformed(message) = err else {
            panic!("expected a malformed-document error");
        };
        assert!(!message.contains("Maija"), "{message}");
    }

    #[test]
    fn missing_format_is_malformed() {
        assert!(matches!(decode(b"{}"), Err(DecodeError::Malformed(_))));
        assert!(matches!(
            decode(b"not json"),
            Err(DecodeError::Malformed(_))
        ));
    }

    #[test]
    fn an_email_two_subjects_share_is_refused_in_any_case() {
        let mut register = crate::core::testing::generated(3);
        assert_eq!(check(&register), Ok(()));
        let email = register.subjects[0].email.clone().unwrap();
        register.subjects[1].email = Some(format!(" {} ", email.to_uppercase()));
        let message = check(&register).unwrap_err();
        assert!(
            message.contains("an email address another subject has"),
            "{message}"
        );

        // A subject not loaded (a sparse read) still holds its email.
        let mut register = crate::core::testing::generated(3);
        let moved = register.subjects.remove(0);
        let email = moved.email.clone().unwrap();
        register
            .unloaded
            .emails
            .insert(crate::core::validate::email_key(&email), moved.id);
        assert_eq!(check(&register), Ok(()));
        register.subjects[0].email = Some(email);
        assert!(check(&register).is_err());
    }
}
