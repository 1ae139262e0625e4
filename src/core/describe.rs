//! The register's description (LEGAL §10) and its versions over time (§9): what makes a
//! description complete and consistent, which version of the notice was in force on a day,
//! and replacing the description through the one write path while the earlier version is
//! kept with the dates it was in force.

use std::collections::HashSet;

use chrono::NaiveDate;

use crate::core::model::{
    AuditAction, Basis, Description, MarketingChannel, NoticeVersion, Register,
};
use crate::core::{Context, audit, retention};
use crate::error::{Error, Result};

/// The member states of the EU and the other EEA states (Iceland, Liechtenstein, Norway),
/// by ISO 3166-1 alpha-2 code (Greece also as `EL`, the EU's own code).
pub const EEA: &[&str] = &[
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "EL", "HU", "IE", "IT",
    "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
];

pub fn in_eea(country: &str) -> bool {
    EEA.contains(&country.trim().to_ascii_uppercase().as_str())
}

/// A notice version: letters, digits, `.`, `_` and `-`, at most 32 characters.
fn valid_version(version: &str) -> bool {
    !version.is_empty()
        && version.len() <= 32
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// Checks a description: refuses what is contradictory or incomplete, naming the field, and
/// returns the warnings a careful author would want to see.
pub fn check_description(d: &Description) -> std::result::Result<Vec<String>, String> {
    let mut warnings = Vec::new();
    if d.controller.name.trim().is_empty() {
        return Err("`controller.name`: the controller has no name".into());
    }
    if d.contact_person.name.trim().is_empty() {
        return Err("`contact_person.name`: the contact person has no name".into());
    }
    let reachable = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.trim().is_empty());
    if !reachable(&d.contact_person.email) && !reachable(&d.contact_person.phone) {
        return Err(
            "`contact_person`: the contact person has no way to be reached (give `email` or `phone`)"
                .into(),
        );
    }
    if !valid_version(&d.notice_version) {
        return Err(
            "`notice_version`: give a short version such as 2025-01 (letters, digits, `.`, `_`, `-`)"
                .into(),
        );
    }
    if d.purposes.is_empty() {
        return Err("`purposes`: the description names no purpose".into());
    }
    let mut ids = HashSet::new();
    for (i, purpose) in d.purposes.iter().enumerate() {
        let at = format!("`purposes[{i}]`");
        if purpose.id.trim().is_empty() || purpose.id.trim() != purpose.id {
            return Err(format!("{at}.id: a purpose id may not be empty or padded"));
        }
        if !ids.insert(purpose.id.as_str()) {
            return Err(format!(
                "{at}.id: purpose `{}` is described twice",
                purpose.id
            ));
        }
        if let Some(marketing) = &purpose.direct_marketing {
            if marketing.channels.is_empty() {
                return Err(format!(
                    "{at}.direct_marketing.channels: a direct-marketing purpose names its channels (email, sms, phone, post)"
                ));
            }
            if !matches!(purpose.basis, Basis::Consent | Basis::LegitimateInterests) {
                return Err(format!(
                    "{at}.basis: direct marketing rests on consent or legitimate interests, not `{}`",
                    purpose.basis.as_str()
                ));
            }
            if marketing.existing_customer_exception {
                if purpose.basis == Basis::Consent {
                    warnings.push(format!(
                        "{at}.direct_marketing.existing_customer_exception: the purpose rests on consent, so every subject needs consent and the exception has no effect"
                    ));
                } else if !marketing.electronic() {
                    warnings.push(format!(
                        "{at}.direct_marketing.existing_customer_exception: the exception concerns email and SMS, which the purpose does not use"
                    ));
                }
            }
            let mut seen = HashSet::new();
            if marketing
                .channels
                .iter()
                .any(|c: &MarketingChannel| !seen.insert(*c))
            {
                return Err(format!(
                    "{at}.direct_marketing.channels: a channel is named twice"
                ));
            }
        }
        if purpose.basis_note.is_none()
            && matches!(
                purpose.basis,
                Basis::LegitimateInterests | Basis::LegalObligation
            )
        {
            warnings.push(format!(
                "{at}.basis_note: say which {} the purpose rests on",
                if purpose.basis == Basis::LegitimateInterests {
                    "legitimate interest"
                } else {
                    "law"
                }
            ));
        }
    }
    let mut recipient_keys = HashSet::new();
    for (i, recipient) in d.recipients.iter().enumerate() {
        let at = format!("`recipients[{i}]`");
        if recipient.name.trim().is_empty() {
            return Err(format!("{at}.name: a recipient has no name"));
        }
        for key in recipient.id.iter().chain([&recipient.name]) {
            if !recipient_keys.insert(key.as_str()) {
                return Err(format!(
                    "{at}: the recipient's id or name is used by another recipient"
                ));
            }
        }
        if recipient.country.trim().len() != 2
            || !recipient
                .country
                .trim()
                .chars()
                .all(|c| c.is_ascii_alphabetic())
        {
            return Err(format!(
                "{at}.country: give an ISO 3166-1 alpha-2 code such as FI or US"
            ));
        }
        if !in_eea(&recipient.country) && recipient.transfer_safeguard.is_none() {
            return Err(format!(
                "{at}.transfer_safeguard: the recipient is outside the EU/EEA, so the transfer needs a safeguard (Art. 44-49)"
            ));
        }
    }
    let mut categories = HashSet::new();
    for (i, category) in d.data_categories.iter().enumerate() {
        if !categories.insert(category.id.as_str()) {
            return Err(format!(
                "`data_categories[{i}]`.id: category `{}` is described twice",
                category.id
            ));
        }
        let at = format!("`data_categories[{i}]`.retention");
        warnings.extend(retention::check_retention(&at, &category.retention, false)?);
    }
    match &d.erasure_guard_retention {
        Some(guard) => warnings.extend(retention::check_retention(
            "`erasure_guard_retention`",
            guard,
            true,
        )?),
        None => warnings.push(
            "`erasure_guard_retention`: the keyed hashes that recognise erased people are personal data too; declare how long they are kept (e.g. {\"period\": \"P3Y\", \"from\": \"collected\"})".into(),
        ),
    }
    Ok(warnings)
}

/// The notice version in force on `day`: the current description from its `valid_from`, an
/// earlier one within its dates, or none when the register holds no notice from that day.
pub fn notice_version_on(register: &Register, day: NaiveDate) -> Option<String> {
    let current = &register.description;
    if current.valid_from.is_none_or(|from| from <= day) {
        return Some(current.notice_version.clone());
    }
    register
        .notices
        .iter()
        .rev()
        .find(|n| n.valid_from <= day && day <= n.valid_until)
        .map(|n| n.description.notice_version.clone())
}

/// The description of version `version`, current or earlier.
pub fn description_of<'a>(register: &'a Register, version: &str) -> Option<&'a Description> {
    if register.description.notice_version == version {
        return Some(&register.description);
    }
    register
        .notices
        .iter()
        .rev()
        .map(|n| &n.description)
        .find(|d| d.notice_version == version)
}

/// What `describe` did.
#[derive(Debug, Clone, PartialEq)]
pub enum Described {
    /// The new description is the one in force already.
    Unchanged,
    Replaced {
        from: String,
        to: String,
    },
}

/// Replaces the description with `new`; the current one is kept with its validity dates.
/// Refused when the content changes and the notice version does not, or when the version
/// was used before.
pub fn replace_description(
    register: &mut Register,
    mut new: Description,
    ctx: &Context,
) -> Result<Described> {
    check_description(&new).map_err(Error::Config)?;
    let given_from = new.valid_from;
    let valid_from = given_from.unwrap_or(ctx.today);
    new.valid_from = Some(valid_from);
    let current = &register.description;
    let same_content = {
        let mut a = current.clone();
        let mut b = new.clone();
        a.valid_from = None;
        b.valid_from = None;
        a == b
    };
    if same_content {
        return Ok(Described::Unchanged);
    }
    if new.notice_version == current.notice_version {
        return Err(Error::Refused(format!(
            "the description's content changed but its notice_version is still `{}`: give the new notice a new version, so that consents can be shown next to the text people saw",
            current.notice_version
        )));
    }
    if description_of(register, &new.notice_version).is_some() {
        return Err(Error::Refused(format!(
            "notice version `{}` was used by an earlier description; give the new one a version of its own",
            new.notice_version
        )));
    }
    let current_from = current.valid_from.unwrap_or(valid_from);
    if given_from.is_some_and(|from| from <= current_from) {
        return Err(Error::Refused(format!(
            "the new description's valid_from is not after the day the current one came into force ({current_from}): give the day the new version takes effect, or leave valid_from out for today"
        )));
    }
    if valid_from < current_from {
        return Err(Error::Refused(format!(
            "the new description would take effect before the current one came into force ({current_from})"
        )));
    }
    if valid_from > ctx.today {
        return Err(Error::Refused(
            "valid_from is after today: put the description in on the day it takes effect".into(),
        ));
    }
    let valid_until = valid_from
        .pred_opt()
        .filter(|d| *d >= current_from)
        .unwrap_or(current_from);
    let from = current.notice_version.clone();
    let to = new.notice_version.clone();
    let old = std::mem::replace(&mut register.description, new);
    register.notices.push(NoticeVersion {
        valid_from: current_from,
        valid_until,
        description: old,
    });
    audit::append(
        &mut register.audit,
        ctx,
        audit::Entry::new(AuditAction::Describe)
            .fields(["description".to_owned(), format!("notice_version={to}")]),
    );
    Ok(Described::Replaced { from, to })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> Description {
        serde_json::from_str(include_str!("../../examples/twebs.json")).unwrap()
    }

    #[test]
    fn the_example_passes() {
        check_description(&example()).unwrap();
    }

    #[test]
    fn incomplete_or_contradictory_descriptions_name_the_field() {
        let mut d = example();
        d.contact_person.email = None;
        d.contact_person.phone = None;
        assert!(
            check_description(&d)
                .unwrap_err()
                .contains("contact_person")
        );

        let mut d = example();
        let outside = d
            .recipients
            .iter()
            .position(|r| !in_eea(&r.country))
            .unwrap();
        d.recipients[outside].transfer_safeguard = None;
        let error = check_description(&d).unwrap_err();
        assert!(
            error.contains(&format!("recipients[{outside}]`.transfer_safeguard")),
            "{error}"
        );

        let mut d = example();
        let marketing = d
            .purposes
            .iter()
            .position(|p| p.direct_marketing.is_some())
            .unwrap();
        d.purposes[marketing].basis = Basis::Contract;
        assert!(check_description(&d).unwrap_err().contains(".basis"));
    }

    #[test]
    fn unstated_interests_are_warned_about() {
        let mut d = example();
        let legitimate = d
            .purposes
            .iter()
            .position(|p| p.basis == Basis::LegitimateInterests)
            .unwrap();
        d.purposes[legitimate].basis_note = None;
        let warnings = check_description(&d).unwrap();
        assert!(warnings.iter().any(|w| w.contains("legitimate interest")));
    }
}
