//! Key rotation (Art. 32; seed §8: only employees whose work requires it): the register's
//! recipients are replaced, and the change is shown before it is made.

use crate::core::model::{AuditAction, Encryption, Register};
use crate::core::{Context, audit};
use crate::error::{Error, Result};

/// What a rekey changes: recipients added and removed, and passphrase on or off.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeyChange {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub passphrase_before: bool,
    pub passphrase_after: bool,
}

impl KeyChange {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.passphrase_before == self.passphrase_after
    }
}

pub fn key_change(current: &Encryption, new: &Encryption) -> KeyChange {
    KeyChange {
        added: new
            .recipients
            .iter()
            .filter(|r| !current.recipients.contains(r))
            .cloned()
            .collect(),
        removed: current
            .recipients
            .iter()
            .filter(|r| !new.recipients.contains(r))
            .cloned()
            .collect(),
        passphrase_before: current.passphrase,
        passphrase_after: new.passphrase,
    }
}

/// Replaces the register's encryption with `new`, provided it is still `expected` (what
/// the user confirmed).
pub fn rekey(
    register: &mut Register,
    expected: &Encryption,
    new: Encryption,
    ctx: &Context,
) -> Result<()> {
    if &register.encryption != expected {
        return Err(Error::Refused(
            "the register's recipients changed while you confirmed; run rekey again".into(),
        ));
    }
    if !new.passphrase && new.recipients.is_empty() {
        return Err(Error::Usage(
            "rekey needs at least one recipient, or --passphrase".into(),
        ));
    }
    register.encryption = new;
    audit::append(
        &mut register.audit,
        ctx,
        audit::Entry::new(AuditAction::Rekey).fields(["encryption"]),
    );
    Ok(())
}
