//! The data subjects' rights (GDPR Art. 7, 16-21), one file each. Every right is a pure
//! operation on the register that records an audit event and, where it concerns a subject,
//! appears in that subject's history (the access report reads it from the same events).

pub mod consent;
pub mod correct;
pub mod erase;
pub mod notify;
pub mod object;
pub mod restrict;
