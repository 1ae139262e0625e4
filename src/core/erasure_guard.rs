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

/// The keyed hash of an email, compared case-insensitively.
pub fn email_hash(key: &[u8], email: &str) -> String {
    keyed_hash(key, "email", &validate::email_key(email))
}

/// The keyed hash of a phone number in its stored, normalised form.
pub fn phone_hash(key: &[u8], phone: &str) -> String {
    let normalised = validate::phone(phone).unwrap_or_else(|_| phone.trim().to_owned());
    keyed_hash(key, "phone", &normalised)
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
        let email = email.map(|e| email_hash(&self.key, e));
        let phone = phone.map(|p| phone_hash(&self.key, p));
        [email, phone]
            .into_iter()
            .flatten()
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
                .matches(Some("other@example.fi"), Some("0401234567"))
                .is_none()
        );
    }
}
