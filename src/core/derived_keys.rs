//! Keys derived from the register's one random secret, the erasure guard's key
//! (`register.erased.key`, which lives only inside the encrypted register), each with its own
//! domain-separation label so that no derived value reveals another or the guard key:
//!
//! - the **journal key** signs the lines of the erasure journal `<register>.erased`, so that
//!   someone who can write the journal but has no key cannot add a line `erase --replay`
//!   would act on;
//! - the **register id** names the register in this machine's rollback state without naming
//!   its file or anything in it.
//!
//! Callers go through these functions only: should the register one day store an id of its
//! own, the body of `register_id` is all that changes.

use chrono::NaiveDate;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

const JOURNAL_LABEL: &str = "rekisteri journal v1";
const REGISTER_ID_LABEL: &str = "rekisteri register id";

fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = match HmacSha256::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => return [0u8; 32],
    };
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// The guard key's bytes (hex in the register). A key that is not hex is used as its text:
/// every register this version writes has a hex key, and the derivation must not fail.
fn guard_key_bytes(guard_key_hex: &str) -> Vec<u8> {
    hex::decode(guard_key_hex.trim()).unwrap_or_else(|_| guard_key_hex.as_bytes().to_vec())
}

/// The key that signs the erasure journal: HMAC-SHA256(guard key, "rekisteri journal v1").
pub fn journal_key(guard_key_hex: &str) -> [u8; 32] {
    hmac(&guard_key_bytes(guard_key_hex), &[JOURNAL_LABEL.as_bytes()])
}

/// The signature of one journal line: HMAC-SHA256(journal key, id ‖ 0 ‖ date), hex.
pub fn journal_mac(journal_key: &[u8; 32], subject: &str, on: NaiveDate) -> String {
    let date = on.format("%Y-%m-%d").to_string();
    hex::encode(hmac(
        journal_key,
        &[subject.as_bytes(), &[0], date.as_bytes()],
    ))
}

/// Checks a journal line's signature in constant time.
pub fn journal_mac_ok(journal_key: &[u8; 32], subject: &str, on: NaiveDate, mac_hex: &str) -> bool {
    let Ok(given) = hex::decode(mac_hex) else {
        return false;
    };
    let mut mac = match HmacSha256::new_from_slice(journal_key) {
        Ok(mac) => mac,
        Err(_) => return false,
    };
    mac.update(subject.as_bytes());
    mac.update(&[0]);
    mac.update(on.format("%Y-%m-%d").to_string().as_bytes());
    mac.verify_slice(&given).is_ok()
}

/// The register's id: the first 16 bytes of HMAC-SHA256(guard key, "rekisteri register id"),
/// written like a UUID (`8-4-4-4-12` hex digits). Copies of one register share it; two
/// registers never do.
pub fn register_id(guard_key_hex: &str) -> String {
    let bytes = hmac(
        &guard_key_bytes(guard_key_hex),
        &[REGISTER_ID_LABEL.as_bytes()],
    );
    let hex = hex::encode(&bytes[..16]);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "0707070707070707070707070707070707070707070707070707070707070707";

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 3, 5).unwrap()
    }

    #[test]
    fn derivations_are_separate_and_stable() {
        let journal = journal_key(KEY);
        assert_eq!(journal, journal_key(KEY));
        assert_ne!(journal.to_vec(), hex::decode(KEY).unwrap());
        let id = register_id(KEY);
        assert_eq!(id, register_id(KEY));
        assert_eq!(id.len(), 36);
        assert_eq!(id.matches('-').count(), 4);
        assert!(!hex::encode(journal).starts_with(&id[..8]));
        let other = "0808080808080808080808080808080808080808080808080808080808080808";
        assert_ne!(register_id(other), id);
        assert_ne!(journal_key(other), journal);
    }

    #[test]
    fn journal_lines_verify_only_with_their_key_id_and_date() {
        let key = journal_key(KEY);
        let mac = journal_mac(&key, "subject-1", day());
        assert!(journal_mac_ok(&key, "subject-1", day(), &mac));
        assert!(!journal_mac_ok(&key, "subject-2", day(), &mac));
        assert!(!journal_mac_ok(
            &key,
            "subject-1",
            day().succ_opt().unwrap(),
            &mac
        ));
        let other = journal_key("0808080808080808080808080808080808080808080808080808080808080808");
        assert!(!journal_mac_ok(&other, "subject-1", day(), &mac));
        assert!(!journal_mac_ok(&key, "subject-1", day(), "not hex"));
        assert!(!journal_mac_ok(&key, "subject-1", day(), &mac[..32]));
    }
}
