//! The operating system's randomness, for the core's `IdSource`: random subject ids (UUID
//! v4) and secret keys. It lives in the shell so that the core stays deterministic.

use crate::core::IdSource;
use crate::core::model::SubjectId;

/// Random ids from the operating system: UUID v4 subject ids.
pub struct RandomIds;

impl IdSource for RandomIds {
    fn subject_id(&mut self) -> SubjectId {
        SubjectId(uuid::Uuid::new_v4().to_string())
    }

    fn secret_key(&mut self) -> [u8; 32] {
        let mut key = [0u8; 32];
        // The OS random source failing is not a user error; uuid::new_v4 above panics in the
        // same case. Fall back to two UUIDs' worth of randomness, which uses the same source.
        if getrandom::fill(&mut key).is_err() {
            key[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
            key[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        }
        key
    }
}
