//! Erased people stay erased (LEGAL §4): keyed hashes of an erased subject's normalised
//! email and phone, under a random key that lives only inside the encrypted register.
//! Without the key the hashes reveal nothing; with it, a re-import of the same person
//! is detected.

use std::collections::HashMap;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::core::model::{ErasedEntry, ErasureGuard};
use crate::core::validate;

type HmacSha256 = Hmac<Sha256>;

fn keyed_hash(key: &[u8], domain: &str, value: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail; an empty key would still hash.
    let mut mac = match HmacSha256::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(domain.as_bytes());
    mac.update(&[0]);
    mac.update(value.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The keyed hash of an email, compared case-insensitively with its domain in IDNA form
/// (see `validate::email_key`).
pub fn email_hash(key: &[u8], email: &str) -> String {
    keyed_hash(key, "email", &validate::email_key(email))
}

/// The phone number's comparison form: E.164, national numbers read as Finnish
/// (`040 111 2222` and `+358 40 111 2222` are one number); a number that is not a valid one,
/// as stored.
fn phone_key(phone: &str) -> String {
    validate::phone_e164(phone)
        .or_else(|| validate::phone(phone).ok())
        .unwrap_or_else(|| phone.trim().to_owned())
}

/// Whether `email` is one the erased subject `subject` had (compared by keyed hash).
pub fn was_erased_with_email(
    register: &crate::core::model::Register,
    subject: &crate::core::model::SubjectId,
    email: &str,
) -> bool {
    let Ok(key) = hex::decode(&register.erased.key) else {
        return false;
    };
    let hash = email_hash(&key, email);
    register
        .erased
        .entries
        .iter()
        .any(|e| &e.subject == subject && e.emails.contains(&hash))
}

/// The keyed hash of a phone number in its comparison form.
pub fn phone_hash(key: &[u8], phone: &str) -> String {
    keyed_hash(key, "phone", &phone_key(phone))
}

/// Every hash an email may have been recorded under: the current form and those of earlier
/// versions (lower case only, with a Unicode domain).
fn email_hashes(key: &[u8], email: &str) -> Vec<String> {
    let mut hashes = vec![email_hash(key, email)];
    for form in validate::legacy_email_keys(email) {
        let hash = keyed_hash(key, "email", &form);
        if !hashes.contains(&hash) {
            hashes.push(hash);
        }
    }
    hashes
}

/// Every hash a phone number may have been recorded under (see `email_hashes`).
fn phone_hashes(key: &[u8], phone: &str) -> Vec<String> {
    let mut hashes = vec![phone_hash(key, phone)];
    for form in validate::legacy_phone_keys(phone) {
        let hash = keyed_hash(key, "phone", &form);
        if !hashes.contains(&hash) {
            hashes.push(hash);
        }
    }
    hashes
}

/// Looks up erased people by email or phone.
pub struct Guard<'a> {
    key: Vec<u8>,
    by_hash: HashMap<&'a str, &'a ErasedEntry>,
}

impl<'a> Guard<'a> {
    pub fn new(guard: &'a ErasureGuard) -> Guard<'a> {
        let mut by_hash = HashMap::with_capacity(guard.entries.len() * 2);
        for entry in &guard.entries {
            for hash in entry.emails.iter().chain(&entry.phones) {
                by_hash.insert(hash.as_str(), entry);
            }
        }
        Guard {
            key: hex::decode(&guard.key).unwrap_or_default(),
            by_hash,
        }
    }

    /// The erased entry whose email or phone matches, if any.
    pub fn matches(&self, email: Option<&str>, phone: Option<&str>) -> Option<&'a ErasedEntry> {
        if self.by_hash.is_empty() {
            return None;
        }
        let emails = email
            .map(|e| email_hashes(&self.key, e))
            .unwrap_or_default();
        let phones = phone
            .map(|p| phone_hashes(&self.key, p))
            .unwrap_or_default();
        emails
            .iter()
            .chain(&phones)
            .find_map(|hash| self.by_hash.get(hash.as_str()).copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::SubjectId;
    use chrono::NaiveDate;

    #[test]
    fn hashes_match_across_case_and_phone_spacing() {
        let key = [7u8; 32];
        assert_eq!(
            email_hash(&key, "Maija@Example.FI"),
            email_hash(&key, "maija@example.fi")
        );
        assert_eq!(
            phone_hash(&key, "+358 40 123 4567"),
            phone_hash(&key, "+358401234567")
        );
        assert_ne!(
            email_hash(&key, "a@example.fi"),
            email_hash(&[8u8; 32], "a@example.fi")
        );
        let register_guard = ErasureGuard {
            key: hex::encode(key),
            entries: vec![ErasedEntry {
                subject: SubjectId("s".into()),
                on: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
                emails: vec![email_hash(&key, "maija@example.fi")],
                phones: Vec::new(),
            }],
        };
        let guard = Guard::new(&register_guard);
        assert!(guard.matches(Some("MAIJA@example.fi"), None).is_some());
        assert!(
            guard
                .matches(Some("other@example.fi"), Some("0401234568"))
                .is_none()
        );
    }

    #[test]
    fn one_person_in_other_spellings_is_recognised() {
        let key = [7u8; 32];
        let register_guard = ErasureGuard {
            key: hex::encode(key),
            entries: vec![ErasedEntry {
                subject: SubjectId("s".into()),
                on: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
                emails: vec![email_hash(&key, "maija@pörssi.fi")],
                phones: vec![phone_hash(&key, "040 111 2222")],
            }],
        };
        let guard = Guard::new(&register_guard);
        assert!(guard.matches(None, Some("+358 40 111 2222")).is_some());
        assert!(guard.matches(None, Some("+358401112222")).is_some());
        assert!(
            guard
                .matches(Some("Maija@xn--prssi-jua.fi"), None)
                .is_some()
        );
    }

    #[test]
    fn hashes_of_earlier_versions_still_match() {
        let key = [7u8; 32];
        // As the previous version hashed them: the stored phone form, the lower-case email.
        let register_guard = ErasureGuard {
            key: hex::encode(key),
            entries: vec![ErasedEntry {
                subject: SubjectId("s".into()),
                on: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
                emails: vec![keyed_hash(&key, "email", "maija@pörssi.fi")],
                phones: vec![keyed_hash(&key, "phone", "0401112222")],
            }],
        };
        let guard = Guard::new(&register_guard);
        assert!(guard.matches(None, Some("+358 40 111 2222")).is_some());
        assert!(
            guard
                .matches(Some("maija@xn--prssi-jua.fi"), None)
                .is_some()
        );
    }
}
