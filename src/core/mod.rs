//! The pure core: the register model and every rule applied to it, as plain functions over
//! plain data. No files, no clock, no randomness: `Context` and `IdSource` bring them in.

pub mod access;
pub mod audit;
pub mod breach;
pub mod calendar;
pub mod change;
pub mod derived_keys;
pub mod describe;
pub mod documents;
pub mod erasure_guard;
pub mod export;
pub mod format;
pub mod generate;
pub mod index;
pub mod labels;
pub mod lawful;
pub mod model;
pub mod notice;
pub mod portable;
pub mod purge;
pub mod record;
pub mod rekey;
pub mod requests;
pub mod retention;
pub mod rights;
pub mod rollback;
pub mod scan;
pub mod select;
pub mod sparse;
pub mod streamed;
pub mod subjects;
#[cfg(test)]
pub(crate) mod testing;
pub mod timestamp;
pub mod upgrade;
pub mod validate;
pub mod view;

use chrono::{DateTime, NaiveDate, Utc};

use crate::core::model::SubjectId;

/// Who acts and when: everything a change needs from the outside world but randomness.
#[derive(Debug, Clone)]
pub struct Context {
    pub actor: String,
    pub now: DateTime<Utc>,
    pub today: NaiveDate,
}

/// Where new random ids and keys come from. The shell passes the operating system's
/// random source (`store::random::RandomIds`); tests pass a deterministic one.
pub trait IdSource {
    fn subject_id(&mut self) -> SubjectId;
    /// 32 random bytes for a new secret key.
    fn secret_key(&mut self) -> [u8; 32];
}

/// Deterministic ids for tests: `00000000-0000-4000-8000-000000000001`, …
#[derive(Default)]
pub struct SequentialIds(pub u64);

impl IdSource for SequentialIds {
    fn subject_id(&mut self) -> SubjectId {
        self.0 += 1;
        SubjectId(format!("00000000-0000-4000-8000-{:012}", self.0))
    }

    fn secret_key(&mut self) -> [u8; 32] {
        [7u8; 32]
    }
}
