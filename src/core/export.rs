//! Which subjects leave the register through an export. Restricted subjects (Art. 18) never
//! do unless asked for explicitly; a marketing list holds only subjects with consent for
//! it, no objection (Art. 21(2)) and no restriction.

use crate::core::model::{ConsentAction, Register, Subject};

/// The purpose id whose list is a direct-marketing list.
pub const MARKETING: &str = "marketing";

/// Whether the subject's latest consent record for `purpose` gives consent.
pub fn has_consent(subject: &Subject, purpose: &str) -> bool {
    subject
        .consents
        .iter()
        .rev()
        .find(|c| c.purpose == purpose)
        .is_some_and(|c| c.action == ConsentAction::Give)
}

/// What an export of all subjects may include.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub include_restricted: bool,
    /// Only subjects whose data may be used for this purpose.
    pub purpose: Option<String>,
}

/// Whether the subject's data may be processed for `purpose` now.
pub fn usable_for(subject: &Subject, purpose: &str) -> bool {
    if subject.restriction.is_some() {
        return false;
    }
    if purpose == MARKETING && subject.marketing_objection.is_some() {
        return false;
    }
    has_consent(subject, purpose)
}

/// The subjects an export with `filter` lists, in register order.
pub fn select<'a>(register: &'a Register, filter: &Filter) -> Vec<&'a Subject> {
    register
        .subjects
        .iter()
        .filter(|s| match &filter.purpose {
            Some(purpose) => usable_for(s, purpose),
            None => filter.include_restricted || s.restriction.is_none(),
        })
        .collect()
}
