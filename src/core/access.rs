//! Art. 15: the subject-access report — confirmation, items (a)-(h), the Art. 15(2)
//! safeguards, and a copy of all the subject's data (15(3)) with its history and requests —
//! built from the register's description and the subject's data, in Finnish or English.

use chrono::NaiveDate;
use serde::Serialize;

use crate::core::model::{
    AuditAction, AuditEvent, Channel, Disclosure, Register, Request, RequestId, Subject, Text,
};
use crate::core::select;
use crate::error::Result;

/// The language of a report or notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Fi,
    En,
}

impl Lang {
    pub fn pick(self, text: &Text) -> &str {
        match self {
            Lang::Fi => &text.fi,
            Lang::En => &text.en,
        }
    }
}

/// The rights a subject has, with how to use them (Art. 15(1)(e)-(f), Art. 7(3), Art. 20).
pub fn rights_texts(lang: Lang) -> Vec<&'static str> {
    match lang {
        Lang::Fi => vec![
            "Oikeus saada pääsy tietoihin (15 artikla).",
            "Oikeus vaatia tietojen oikaisemista (16 artikla).",
            "Oikeus vaatia tietojen poistamista (17 artikla).",
            "Oikeus vaatia käsittelyn rajoittamista (18 artikla).",
            "Oikeus siirtää tiedot järjestelmästä toiseen (20 artikla).",
            "Oikeus vastustaa käsittelyä, myös suoramarkkinointia (21 artikla).",
            "Oikeus peruuttaa suostumus milloin tahansa; peruutus ei vaikuta aiemman käsittelyn lainmukaisuuteen (7 artiklan 3 kohta).",
            "Oikeus tehdä valitus valvontaviranomaiselle ja hakea muutosta tuomioistuimessa (77 ja 79 artikla).",
        ],
        Lang::En => vec![
            "The right of access to the data (Art. 15).",
            "The right to have the data rectified (Art. 16).",
            "The right to have the data erased (Art. 17).",
            "The right to restriction of processing (Art. 18).",
            "The right to data portability (Art. 20).",
            "The right to object to processing, including direct marketing (Art. 21).",
            "The right to withdraw consent at any time, without affecting the lawfulness of processing before the withdrawal (Art. 7(3)).",
            "The right to lodge a complaint with the supervisory authority and to an effective judicial remedy (Art. 77, Art. 79).",
        ],
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ControllerInfo {
    pub name: String,
    pub business_id: String,
    pub address: String,
    pub contact_person: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PurposeInfo {
    pub id: String,
    pub description: String,
    pub legal_basis: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CategoryInfo {
    pub id: String,
    pub name: String,
    /// Whether the register holds data of this category about the subject.
    pub held: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct RecipientInfo {
    pub name: String,
    pub kind: String,
    pub country: String,
    pub transfer_safeguard: Option<String>,
    /// Disclosures of this subject's data to this recipient.
    pub disclosures: Vec<Disclosure>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TransferInfo {
    pub description: String,
    /// Art. 15(2): the safeguards of each transfer outside the EU/EEA.
    pub safeguards: Vec<SafeguardInfo>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SafeguardInfo {
    pub recipient: String,
    pub country: String,
    pub safeguard: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RetentionInfo {
    pub category: String,
    pub retention: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AuthorityInfo {
    pub name: String,
    pub address: String,
    pub website: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SourceInfo {
    pub channel: Channel,
    pub date: NaiveDate,
    pub note: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AdmInfo {
    pub used: bool,
    pub description: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct HistoryItem {
    pub at: chrono::DateTime<chrono::Utc>,
    pub action: AuditAction,
    pub actor: String,
    pub fields: Vec<String>,
    pub request: Option<RequestId>,
}

/// The Art. 15 report. Keys as the command-line contract names them.
#[derive(Debug, Clone, Serialize)]
pub struct AccessReport {
    /// Art. 15(1): confirmation that personal data concerning the subject is processed.
    pub processed: bool,
    pub generated_on: NaiveDate,
    pub controller: ControllerInfo,
    /// Art. 15(3): a copy of the data.
    pub subject: Subject,
    pub purposes: Vec<PurposeInfo>,
    pub categories: Vec<CategoryInfo>,
    pub recipients: Vec<RecipientInfo>,
    pub transfers: TransferInfo,
    pub retention: Vec<RetentionInfo>,
    pub rights: Vec<String>,
    pub complaint_authority: AuthorityInfo,
    pub sources: SourceInfo,
    pub automated_decision_making: AdmInfo,
    /// What was done with the data, from the audit trail (ids, actions and fields).
    pub history: Vec<HistoryItem>,
    /// The subject's requests.
    pub requests: Vec<Request>,
}

fn field_has_data(subject: &Subject, field: &str) -> bool {
    match field {
        "name" => true,
        "company" => subject.company.is_some(),
        "email" => subject.email.is_some(),
        "phone" => subject.phone.is_some(),
        "address" => subject.address.is_some(),
        "ips" => !subject.ips.is_empty(),
        "orders" => !subject.orders.is_empty(),
        "invoices" => !subject.invoices.is_empty(),
        "notes" => !subject.notes.is_empty(),
        "consents" => !subject.consents.is_empty(),
        "source" => true,
        "disclosures" => !subject.disclosures.is_empty(),
        "corrections" => !subject.corrections.is_empty(),
        _ => false,
    }
}

/// History items of one subject, from the trail.
pub fn history_of<'a>(
    trail: &'a [AuditEvent],
    subject: &'a crate::core::model::SubjectId,
) -> impl Iterator<Item = HistoryItem> + 'a {
    trail
        .iter()
        .filter(move |e| e.subject.as_ref() == Some(subject))
        .map(|e| HistoryItem {
            at: e.at,
            action: e.action,
            actor: e.actor.clone(),
            fields: e.fields.clone(),
            request: e.request.clone(),
        })
}

/// Builds the access report of the subject `selector` names.
pub fn access_report(
    register: &Register,
    selector: &str,
    lang: Lang,
    today: NaiveDate,
) -> Result<AccessReport> {
    let subject = select::subject(register, selector)?;
    let d = &register.description;
    let mut recipients: Vec<RecipientInfo> = d
        .recipients
        .iter()
        .map(|r| RecipientInfo {
            name: r.name.clone(),
            kind: lang.pick(&r.kind).to_owned(),
            country: r.country.clone(),
            transfer_safeguard: r
                .transfer_safeguard
                .as_ref()
                .map(|t| lang.pick(t).to_owned()),
            disclosures: Vec::new(),
        })
        .collect();
    for disclosure in &subject.disclosures {
        match recipients
            .iter_mut()
            .find(|r| r.name == disclosure.recipient)
        {
            Some(r) => r.disclosures.push(disclosure.clone()),
            None => recipients.push(RecipientInfo {
                name: disclosure.recipient.clone(),
                kind: match lang {
                    Lang::Fi => "vastaanottaja, jolle tietoja on luovutettu".into(),
                    Lang::En => "recipient the data was disclosed to".into(),
                },
                country: String::new(),
                transfer_safeguard: None,
                disclosures: vec![disclosure.clone()],
            }),
        }
    }
    let safeguards = d
        .recipients
        .iter()
        .filter_map(|r| {
            r.transfer_safeguard.as_ref().map(|s| SafeguardInfo {
                recipient: r.name.clone(),
                country: r.country.clone(),
                safeguard: lang.pick(s).to_owned(),
            })
        })
        .collect();
    Ok(AccessReport {
        processed: true,
        generated_on: today,
        controller: ControllerInfo {
            name: d.controller.name.clone(),
            business_id: d.controller.business_id.clone(),
            address: d.controller.address.clone(),
            contact_person: d.contact_person.name.clone(),
        },
        subject: subject.clone(),
        purposes: d
            .purposes
            .iter()
            .map(|p| PurposeInfo {
                id: p.id.clone(),
                description: lang.pick(&p.description).to_owned(),
                legal_basis: lang.pick(&p.legal_basis).to_owned(),
            })
            .collect(),
        categories: d
            .data_categories
            .iter()
            .map(|c| CategoryInfo {
                id: c.id.clone(),
                name: lang.pick(&c.name).to_owned(),
                held: c.fields.iter().any(|f| field_has_data(subject, f)),
            })
            .collect(),
        recipients,
        transfers: TransferInfo {
            description: lang.pick(&d.transfers).to_owned(),
            safeguards,
        },
        retention: d
            .data_categories
            .iter()
            .map(|c| RetentionInfo {
                category: lang.pick(&c.name).to_owned(),
                retention: lang.pick(&c.retention).to_owned(),
            })
            .collect(),
        rights: rights_texts(lang).into_iter().map(str::to_owned).collect(),
        complaint_authority: AuthorityInfo {
            name: lang.pick(&d.complaint_authority.name).to_owned(),
            address: d.complaint_authority.address.clone(),
            website: d.complaint_authority.website.clone(),
        },
        sources: SourceInfo {
            channel: subject.source.channel,
            date: subject.source.date,
            note: subject.source.note.clone(),
            description: d
                .sources
                .iter()
                .find(|s| s.channel == subject.source.channel)
                .map(|s| lang.pick(&s.description).to_owned()),
        },
        automated_decision_making: AdmInfo {
            used: d.automated_decision_making.used,
            description: lang
                .pick(&d.automated_decision_making.description)
                .to_owned(),
        },
        history: history_of(&register.audit, &subject.id).collect(),
        requests: register
            .requests
            .iter()
            .filter(|r| r.subject.as_ref() == Some(&subject.id))
            .cloned()
            .collect(),
    })
}
