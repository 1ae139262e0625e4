//! Which subjects leave the register through an export. Restricted subjects (Art. 18) never
//! do unless asked for explicitly; a list for a purpose holds exactly the subjects whose
//! data may be used for it today, as `core::lawful` decides.

use crate::core::lawful;
use crate::core::model::{Purpose, Register, Subject};

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
pub fn require_purpose<'a>(
    description: &'a crate::core::model::Description,
    purpose: &str,
    context: &str,
) -> crate::error::Result<&'a Purpose> {
    description
        .purposes
        .iter()
        .find(|p| p.id == purpose)
        .ok_or_else(|| crate::error::Error::UnknownPurpose {
            context: context.to_owned(),
            known: purpose_ids(description),
        })
}

/// What an export of all subjects may include.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub include_restricted: bool,
    /// Only subjects whose data may be used for this purpose.
    pub purpose: Option<String>,
}

/// The subjects an export with `filter` lists, in register order. With a purpose, exactly
/// those whose data may be used for it today (`core::lawful::decide`).
pub fn select<'a>(register: &'a Register, filter: &Filter) -> Vec<&'a Subject> {
    let purpose = filter
        .purpose
        .as_deref()
        .and_then(|id| register.description.purposes.iter().find(|p| p.id == id));
    register
        .subjects
        .iter()
        .filter(|s| match (&filter.purpose, purpose) {
            (Some(_), Some(purpose)) => lawful::decide(s, purpose).applies,
            // A purpose the description does not know lists nobody (the command refuses it
            // before it gets here).
            (Some(_), None) => false,
            (None, _) => filter.include_restricted || s.restriction.is_none(),
        })
        .collect()
}
