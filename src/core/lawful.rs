//! Whose data may be used for which purpose today (LEGAL §5, §8, §9). One decision, made
//! here and nowhere else: `export --purpose` lists the subjects it allows, and the access
//! report tells each subject, per purpose, what it decided and why.
//!
//! The rules, in the order they are applied:
//! 1. A restricted subject's data is only stored (Art. 18): no purpose.
//! 2. Direct marketing (a purpose with `direct_marketing`, whatever its id):
//!    an objection to direct marketing blocks it for good, whatever consent comes later
//!    (Art. 21(2)-(3)); so does an objection to that purpose. Then, on consent, the latest
//!    consent record decides. On legitimate interests, by email or SMS (917/2014 §200) a
//!    consumer needs consent, or falls under the existing-customer exception when the
//!    description enables it and they have bought from the firm; a business contact is
//!    reached until they refuse (§202). By phone or post only, everyone is reached until
//!    they refuse. A withdrawn consent is a refusal.
//! 3. A purpose resting on consent: the latest consent record for it must give consent.
//! 4. A purpose on legitimate interests or a public task: an Art. 21(1) objection stops it,
//!    unless compelling legitimate grounds that override it are recorded.
//! 5. Otherwise the purpose applies on its basis.

use chrono::NaiveDate;
use serde::Serialize;

use crate::core::model::{Basis, ConsentAction, ConsentRecord, Purpose, Role, Subject};

/// Why a purpose does or does not apply to a subject now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Why {
    /// Processing is restricted (Art. 18) since the date.
    Restricted {
        since: NaiveDate,
    },
    /// The subject objected to direct marketing (Art. 21(2)).
    ObjectedToDirectMarketing {
        on: NaiveDate,
    },
    /// The subject objected to this purpose (Art. 21(1)).
    Objected {
        on: NaiveDate,
    },
    /// The subject objected, and compelling legitimate grounds override it (Art. 21(1)).
    ObjectionOverridden {
        objected_on: NaiveDate,
        on: NaiveDate,
    },
    ConsentGiven {
        on: NaiveDate,
    },
    ConsentWithdrawn {
        on: NaiveDate,
    },
    NoConsent,
    /// 917/2014 §200(2): an existing customer, marketed the firm's own similar products.
    ExistingCustomer,
    /// 917/2014 §202: a business contact who has not refused.
    BusinessContact,
    /// The purpose applies on its legal basis.
    Basis {
        basis: Basis,
    },
}

/// The decision for one subject and one purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub applies: bool,
    #[serde(flatten)]
    pub why: Why,
}

fn yes(why: Why) -> Decision {
    Decision { applies: true, why }
}

fn no(why: Why) -> Decision {
    Decision {
        applies: false,
        why,
    }
}

/// The day of a consent record, in Helsinki.
pub fn consent_day(record: &ConsentRecord) -> NaiveDate {
    record
        .at
        .with_timezone(&chrono_tz::Europe::Helsinki)
        .date_naive()
}

/// The subject's latest consent record for `purpose`: the latest by date, and of records of
/// the same moment the one made last.
pub fn latest_consent<'a>(subject: &'a Subject, purpose: &str) -> Option<&'a ConsentRecord> {
    subject
        .consents
        .iter()
        .enumerate()
        .filter(|(_, c)| c.purpose == purpose)
        .max_by_key(|(index, c)| (c.at, *index))
        .map(|(_, c)| c)
}

/// Whether the subject's latest consent record for `purpose` gives consent.
pub fn has_consent(subject: &Subject, purpose: &str) -> bool {
    latest_consent(subject, purpose).is_some_and(|c| c.action == ConsentAction::Give)
}

/// The consent purposes a subject consents to now, in the order first recorded.
pub fn consented_purposes(subject: &Subject) -> Vec<&str> {
    let mut purposes: Vec<&str> = Vec::new();
    for record in &subject.consents {
        if !purposes.contains(&record.purpose.as_str()) && has_consent(subject, &record.purpose) {
            purposes.push(&record.purpose);
        }
    }
    purposes
}

/// The consent decision: the latest record decides; without one, `otherwise`.
fn by_consent(latest: Option<&ConsentRecord>, otherwise: Decision) -> Decision {
    match latest {
        Some(c) if c.action == ConsentAction::Give => yes(Why::ConsentGiven { on: consent_day(c) }),
        Some(c) => no(Why::ConsentWithdrawn { on: consent_day(c) }),
        None => otherwise,
    }
}

/// Whether the subject has bought from the firm (for the existing-customer exception).
fn is_customer(subject: &Subject) -> bool {
    !subject.orders.is_empty() || !subject.invoices.is_empty()
}

/// Whether `purpose` applies to `subject` now, and why.
pub fn decide(subject: &Subject, purpose: &Purpose) -> Decision {
    if let Some(restriction) = &subject.restriction {
        return no(Why::Restricted {
            since: restriction.since,
        });
    }
    let objection = subject
        .objections
        .iter()
        .rev()
        .find(|o| o.purpose == purpose.id);
    let latest = latest_consent(subject, &purpose.id);
    if let Some(marketing) = &purpose.direct_marketing {
        if let Some(objection) = &subject.marketing_objection {
            return no(Why::ObjectedToDirectMarketing { on: objection.on });
        }
        if let Some(objection) = objection {
            return no(Why::Objected { on: objection.on });
        }
        if purpose.basis == Basis::Consent {
            return by_consent(latest, no(Why::NoConsent));
        }
        let otherwise = if !marketing.electronic() {
            yes(Why::Basis {
                basis: purpose.basis,
            })
        } else {
            match subject.role {
                Role::Business => yes(Why::BusinessContact),
                Role::Consumer if marketing.existing_customer_exception && is_customer(subject) => {
                    yes(Why::ExistingCustomer)
                }
                Role::Consumer => no(Why::NoConsent),
            }
        };
        return by_consent(latest, otherwise);
    }
    if purpose.basis == Basis::Consent {
        return by_consent(latest, no(Why::NoConsent));
    }
    if purpose.basis.objectable()
        && let Some(objection) = objection
    {
        return match &objection.overridden {
            Some(grounds) => yes(Why::ObjectionOverridden {
                objected_on: objection.on,
                on: grounds.on,
            }),
            None => no(Why::Objected { on: objection.on }),
        };
    }
    yes(Why::Basis {
        basis: purpose.basis,
    })
}

/// Whether consent to `purpose` means anything: it rests on consent, or it is direct
/// marketing, where 917/2014 §200 asks a consumer's consent whatever the GDPR basis.
pub fn takes_consent(purpose: &Purpose) -> bool {
    purpose.basis == Basis::Consent || purpose.direct_marketing.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::{
        Channel, DirectMarketing, MarketingChannel, Objection, Order, Override, PurposeObjection,
        Restriction, RestrictionGround, Source, SubjectId, Text,
    };
    use chrono::{TimeZone, Utc};

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 3, d).unwrap()
    }

    fn subject(role: Role) -> Subject {
        Subject {
            id: SubjectId("s".into()),
            name: "Test".into(),
            company: None,
            email: None,
            phone: None,
            address: None,
            role,
            restriction: None,
            restrictions: Vec::new(),
            marketing_objection: None,
            objections: Vec::new(),
            ips: Vec::new(),
            orders: Vec::new(),
            invoices: Vec::new(),
            notes: Vec::new(),
            source: Source {
                channel: Channel::Other,
                date: day(1),
                note: None,
            },
            consents: Vec::new(),
            disclosures: Vec::new(),
            corrections: Vec::new(),
            relationship_end: None,
            created: Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).unwrap(),
            updated: Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).unwrap(),
        }
    }

    fn purpose(id: &str, basis: Basis, channels: Option<&[MarketingChannel]>) -> Purpose {
        Purpose {
            id: id.into(),
            description: Text {
                fi: String::new(),
                en: String::new(),
            },
            basis,
            basis_note: None,
            direct_marketing: channels.map(|c| DirectMarketing {
                channels: c.to_vec(),
                existing_customer_exception: false,
            }),
        }
    }

    fn consent(subject: &mut Subject, purpose: &str, action: ConsentAction, d: u32) {
        subject.consents.push(ConsentRecord {
            purpose: purpose.into(),
            action,
            at: Utc.with_ymd_and_hms(2025, 3, d, 10, 0, 0).unwrap(),
            channel: Channel::Email,
            evidence: None,
            notice_version: Some("1".into()),
        });
    }

    const EMAIL: &[MarketingChannel] = &[MarketingChannel::Email];
    const POST: &[MarketingChannel] = &[MarketingChannel::Post];

    #[test]
    fn a_consumer_without_consent_is_not_on_an_email_list() {
        let list = purpose("uutiskirje", Basis::LegitimateInterests, Some(EMAIL));
        assert_eq!(decide(&subject(Role::Consumer), &list), no(Why::NoConsent));
    }

    #[test]
    fn a_business_contact_is_on_the_list_until_they_refuse() {
        let list = purpose("uutiskirje", Basis::LegitimateInterests, Some(EMAIL));
        let mut s = subject(Role::Business);
        assert_eq!(decide(&s, &list), yes(Why::BusinessContact));
        consent(&mut s, "uutiskirje", ConsentAction::Withdraw, 4);
        assert_eq!(decide(&s, &list), no(Why::ConsentWithdrawn { on: day(4) }));
    }

    #[test]
    fn the_existing_customer_exception_needs_a_purchase_and_the_description() {
        let mut list = purpose("uutiskirje", Basis::LegitimateInterests, Some(EMAIL));
        let mut s = subject(Role::Consumer);
        s.orders.push(Order {
            product: "Kotisivu".into(),
            ordered_on: day(2),
            changes: Vec::new(),
        });
        assert_eq!(decide(&s, &list), no(Why::NoConsent));
        if let Some(m) = list.direct_marketing.as_mut() {
            m.existing_customer_exception = true;
        }
        assert_eq!(decide(&s, &list), yes(Why::ExistingCustomer));
        s.orders.clear();
        assert_eq!(decide(&s, &list), no(Why::NoConsent));
    }

    #[test]
    fn letters_need_no_consent_but_respect_a_refusal() {
        let list = purpose("kirjeet", Basis::LegitimateInterests, Some(POST));
        let mut s = subject(Role::Consumer);
        assert!(decide(&s, &list).applies);
        consent(&mut s, "kirjeet", ConsentAction::Withdraw, 3);
        assert!(!decide(&s, &list).applies);
    }

    #[test]
    fn an_objector_is_never_on_any_direct_marketing_list_even_after_consent() {
        for list in [
            purpose("markkinointi", Basis::Consent, Some(EMAIL)),
            purpose("newsletter", Basis::LegitimateInterests, Some(POST)),
        ] {
            let mut s = subject(Role::Business);
            consent(&mut s, &list.id, ConsentAction::Give, 2);
            s.marketing_objection = Some(Objection {
                on: day(3),
                request: None,
            });
            consent(&mut s, &list.id, ConsentAction::Give, 4);
            assert_eq!(
                decide(&s, &list),
                no(Why::ObjectedToDirectMarketing { on: day(3) })
            );
        }
    }

    #[test]
    fn a_withdrawn_consent_takes_effect_at_once() {
        let list = purpose("customer-contact", Basis::Consent, None);
        let mut s = subject(Role::Consumer);
        assert_eq!(decide(&s, &list), no(Why::NoConsent));
        consent(&mut s, "customer-contact", ConsentAction::Give, 2);
        assert_eq!(decide(&s, &list), yes(Why::ConsentGiven { on: day(2) }));
        consent(&mut s, "customer-contact", ConsentAction::Withdraw, 5);
        assert_eq!(decide(&s, &list), no(Why::ConsentWithdrawn { on: day(5) }));
    }

    #[test]
    fn the_latest_consent_is_the_latest_by_date_not_by_entry() {
        let list = purpose("customer-contact", Basis::Consent, None);
        let mut s = subject(Role::Consumer);
        consent(&mut s, "customer-contact", ConsentAction::Give, 9);
        // A withdrawal recorded afterwards, dated earlier, does not undo the later consent.
        consent(&mut s, "customer-contact", ConsentAction::Withdraw, 2);
        assert_eq!(decide(&s, &list), yes(Why::ConsentGiven { on: day(9) }));
    }

    #[test]
    fn a_restricted_subject_is_on_no_list() {
        let mut s = subject(Role::Business);
        s.restriction = Some(Restriction {
            ground: RestrictionGround::Accuracy,
            since: day(3),
            request: None,
        });
        for list in [
            purpose("contract", Basis::Contract, None),
            purpose("uutiskirje", Basis::LegitimateInterests, Some(EMAIL)),
        ] {
            assert_eq!(decide(&s, &list), no(Why::Restricted { since: day(3) }));
        }
    }

    #[test]
    fn an_objection_to_a_purpose_stops_it_unless_overridden() {
        let list = purpose("asiakasviestinta", Basis::LegitimateInterests, None);
        let mut s = subject(Role::Consumer);
        assert!(decide(&s, &list).applies);
        s.objections.push(PurposeObjection {
            purpose: "asiakasviestinta".into(),
            on: day(3),
            request: None,
            overridden: None,
        });
        assert_eq!(decide(&s, &list), no(Why::Objected { on: day(3) }));
        s.objections[0].overridden = Some(Override {
            on: day(6),
            reason: "legal claims".into(),
        });
        assert_eq!(
            decide(&s, &list),
            yes(Why::ObjectionOverridden {
                objected_on: day(3),
                on: day(6)
            })
        );
    }

    #[test]
    fn contracts_and_obligations_apply_on_their_basis() {
        let s = subject(Role::Consumer);
        for basis in [Basis::Contract, Basis::LegalObligation] {
            let p = purpose("p", basis, None);
            assert_eq!(decide(&s, &p), yes(Why::Basis { basis }));
        }
    }
}
