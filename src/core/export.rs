//! Which subjects leave the register through an export. Restricted subjects (Art. 18) never
//! do unless asked for explicitly; a marketing list holds only subjects with consent for
//! it, no objection (Art. 21(2)) and no restriction.

use crate::core::model::{ConsentAction, Register, Subject};

/// The purpose id whose list is a direct-marketing list.
pub const MARKETING: &str = "marketing";

/// The register's purpose ids, comma-separated, for messages.
pub fn purpose_ids(description: &crate::core::model::Description) -> String {
    description
        .purposes
        .iter()
        .map(|p| p.id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Refuses a purpose the register does not describe, naming the known ones (never the value
/// given: in an import row it could be anything the row held).
pub fn require_purpose(
    description: &crate::core::model::Description,
    purpose: &str,
    context: &str,
) -> crate::error::Result<()> {
    if description.purposes.iter().any(|p| p.id == purpose) {
        Ok(())
    } else {
        Err(crate::error::Error::UnknownPurpose {
            context: context.to_owned(),
            known: purpose_ids(description),
        })
    }
}

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

/// Whether the subject's data may be processed for `purpose` now: never while restricted,
/// never for marketing after an objection, and for a purpose resting on consent only with
/// consent given and not withdrawn.
pub fn usable_for(subject: &Subject, purpose: &str, requires_consent: bool) -> bool {
    if subject.restriction.is_some() {
        return false;
    }
    if purpose == MARKETING && subject.marketing_objection.is_some() {
        return false;
    }
    !requires_consent || has_consent(subject, purpose)
}

/// The subjects an export with `filter` lists, in register order.
pub fn select<'a>(register: &'a Register, filter: &Filter) -> Vec<&'a Subject> {
    // Marketing always needs consent, whatever the description says (Art. 21, ePrivacy).
    let requires_consent = filter.purpose.as_deref().is_none_or(|id| {
        id == MARKETING
            || register
                .description
                .purposes
                .iter()
                .find(|p| p.id == id)
                .is_none_or(|p| p.requires_consent)
    });
    register
        .subjects
        .iter()
        .filter(|s| match &filter.purpose {
            Some(purpose) => usable_for(s, purpose, requires_consent),
            None => filter.include_restricted || s.restriction.is_none(),
        })
        .collect()
}
