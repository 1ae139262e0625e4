//! rekisteri keeps a GDPR personal-data register in one age-encrypted JSON file and carries
//! out the data subjects' rights on it.
//!
//! Layers: `core` (the model and every rule, pure), `store` (encryption, locking, the one
//! write path) and `cli` (parsing, dispatch, rendering).
#![forbid(unsafe_code)]

pub mod cli;
pub mod core;
pub mod error;
pub mod store;
