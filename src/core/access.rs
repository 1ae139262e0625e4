//! Art. 15: the subject-access report — confirmation, items (a)-(h), the Art. 15(2)
//! safeguards, and a copy of all the subject's data (15(3)) with its history and requests —
//! built from the register's description and the subject's data, in Finnish or English.

use chrono::NaiveDate;
use serde::Serialize;

use crate::core::model::{
    AuditAction, AuditEvent, Channel, Disclosure, Register, Request, RequestId, Subject, Text,
};
use crate::core::{lawful, select};
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
            "Oikeus tehdä valitus valvontaviranomaiselle (77 artikla) sekä oikeus nostaa kanne rekisterinpitäjää vastaan tuomioistuimessa (79 artikla).",
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

impl ControllerInfo {
    pub fn of(d: &crate::core::model::Description) -> ControllerInfo {
        ControllerInfo {
            name: d.controller.name.clone(),
            business_id: d.controller.business_id.clone(),
            address: d.controller.address.clone(),
            contact_person: d.contact_person.name.clone(),
        }
    }
}

/// A purpose as it concerns this subject (Art. 15(1)(a)): its basis, and whether it
/// applies to them now and why.
#[derive(Debug, Clone, Serialize)]
pub struct PurposeInfo {
    pub id: String,
    pub description: String,
    /// The Art. 6(1) basis code, e.g. `consent`.
    pub basis: crate::core::model::Basis,
    /// The legal-basis sentence in the report's language.
    pub legal_basis: String,
    /// The decision of `core::lawful`: `applies`, and `status` with its dates.
    #[serde(flatten)]
    pub decision: lawful::Decision,
    /// Why, in the report's language.
    pub reason: String,
}

/// Why a purpose applies to the subject or not, in words addressed to them.
pub fn why_text(why: lawful::Why, lang: Lang) -> String {
    use lawful::Why;
    let d = |date: NaiveDate| crate::core::labels::date(date, lang);
    match (lang, why) {
        (Lang::Fi, Why::Restricted { since }) => format!(
            "Tietojesi käsittelyä on rajoitettu {} alkaen (18 artikla): tietoja vain säilytetään.",
            d(since)
        ),
        (Lang::En, Why::Restricted { since }) => format!(
            "Processing of your data is restricted since {} (Art. 18): it is only stored.",
            d(since)
        ),
        (Lang::Fi, Why::ObjectedToDirectMarketing { on }) => format!(
            "Kielsit suoramarkkinoinnin {} (21 artikla), joten tietojasi ei käytetä siihen.",
            d(on)
        ),
        (Lang::En, Why::ObjectedToDirectMarketing { on }) => format!(
            "You objected to direct marketing on {} (Art. 21), so your data is not used for it.",
            d(on)
        ),
        (Lang::Fi, Why::Objected { on }) => format!(
            "Vastustit tätä käsittelyä {} (21 artiklan 1 kohta), joten tietojasi ei käytetä siihen.",
            d(on)
        ),
        (Lang::En, Why::Objected { on }) => format!(
            "You objected to this processing on {} (Art. 21(1)), so your data is not used for it.",
            d(on)
        ),
        (Lang::Fi, Why::ObjectionOverridden { objected_on, on }) => format!(
            "Vastustit tätä käsittelyä {}; rekisterinpitäjä kirjasi {} huomattavan tärkeät ja perustellut syyt, joiden vuoksi käsittely jatkuu (21 artiklan 1 kohta).",
            d(objected_on),
            d(on)
        ),
        (Lang::En, Why::ObjectionOverridden { objected_on, on }) => format!(
            "You objected to this processing on {}; on {} the controller recorded compelling legitimate grounds for continuing it (Art. 21(1)).",
            d(objected_on),
            d(on)
        ),
        (Lang::Fi, Why::ConsentGiven { on }) => format!("Annoit suostumuksesi {}.", d(on)),
        (Lang::En, Why::ConsentGiven { on }) => format!("You gave your consent on {}.", d(on)),
        (Lang::Fi, Why::ConsentWithdrawn { on }) => format!(
            "Peruutit suostumuksesi tai kielsit tämän käsittelyn {}, joten tietojasi ei käytetä siihen.",
            d(on)
        ),
        (Lang::En, Why::ConsentWithdrawn { on }) => format!(
            "You withdrew your consent or refused this on {}, so your data is not used for it.",
            d(on)
        ),
        (Lang::Fi, Why::NoConsent) => {
            "Et ole antanut suostumusta, joten tietojasi ei käytetä tähän tarkoitukseen.".into()
        }
        (Lang::En, Why::NoConsent) => {
            "You have not given your consent, so your data is not used for this purpose.".into()
        }
        (Lang::Fi, Why::ExistingCustomer) => "Olet asiakkaamme: saamme markkinoida sinulle omia vastaavia tuotteitamme, kunnes kiellät sen (laki sähköisen viestinnän palveluista 200 §:n 2 momentti).".into(),
        (Lang::En, Why::ExistingCustomer) => "You are our customer: we may market our own similar products to you until you refuse (Finnish Act on Electronic Communications Services, section 200(2)).".into(),
        (Lang::Fi, Why::BusinessContact) => "Olet yhteyshenkilö yrityksessä: saamme lähettää sinulle suoramarkkinointia työtehtäviisi liittyen, kunnes kiellät sen (laki sähköisen viestinnän palveluista 202 §).".into(),
        (Lang::En, Why::BusinessContact) => "You are a contact person at a company: we may send you direct marketing in your work role until you refuse (Finnish Act on Electronic Communications Services, section 202).".into(),
        (Lang::Fi, Why::Basis { .. }) => "Tietojasi käytetään tähän tarkoitukseen.".into(),
        (Lang::En, Why::Basis { .. }) => "Your data is used for this purpose.".into(),
    }
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

impl AuthorityInfo {
    pub fn of(d: &crate::core::model::Description, lang: Lang) -> AuthorityInfo {
        AuthorityInfo {
            name: lang.pick(&d.complaint_authority.name).to_owned(),
            address: d.complaint_authority.address.clone(),
            website: d.complaint_authority.website.clone(),
        }
    }
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
    /// For the lift of a restriction: the day the subject was told beforehand (Art. 18(3)).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notified_on: Option<NaiveDate>,
}

/// The Art. 15 report. Keys as the command-line contract names them.
#[derive(Debug, Clone, Serialize)]
pub struct AccessReport {
    /// The language the report is written in.
    #[serde(skip)]
    pub lang: Lang,
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

impl AccessReport {
    /// A purpose by its id, as the report describes it; an id the description no longer
    /// has is shown as it is.
    pub fn purpose_name(&self, id: &str) -> String {
        self.purposes
            .iter()
            .find(|p| p.id == id)
            .map_or_else(|| id.to_owned(), |p| p.description.clone())
    }

    /// An earlier value of a field as the reader sees it: a role by its label.
    pub fn shown_value(&self, field: &str, value: &str) -> String {
        use crate::core::labels::Label;
        match (field, crate::core::model::Role::parse(value)) {
            ("role", Some(role)) => role.label(self.lang).to_owned(),
            _ => value.to_owned(),
        }
    }
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

/// History items of one subject, from the trail; the lift of a restriction carries the day
/// the subject was told, from the subject's restriction history.
pub fn history_of<'a>(
    trail: &'a [AuditEvent],
    subject: &'a Subject,
) -> impl Iterator<Item = HistoryItem> + 'a {
    let mut lifts = subject.restrictions.iter();
    trail
        .iter()
        .filter(move |e| e.subject.as_ref() == Some(&subject.id))
        .map(move |e| HistoryItem {
            at: e.at,
            action: e.action,
            actor: e.actor.clone(),
            fields: e.fields.clone(),
            request: e.request.clone(),
            notified_on: (e.action == AuditAction::LiftRestriction)
                .then(|| lifts.next().map(|r| r.notified_on))
                .flatten(),
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
        lang,
        processed: true,
        generated_on: today,
        controller: ControllerInfo::of(d),
        subject: subject.clone(),
        purposes: d
            .purposes
            .iter()
            .map(|p| {
                let decision = lawful::decide(subject, p);
                PurposeInfo {
                    id: p.id.clone(),
                    description: crate::core::notice::purpose_summary(p, lang),
                    basis: p.basis,
                    legal_basis: crate::core::notice::legal_basis_sentence(p, lang),
                    decision,
                    reason: why_text(decision.why, lang),
                }
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
                retention: lang.pick(&c.retention.text()).to_owned(),
            })
            .collect(),
        rights: rights_texts(lang).into_iter().map(str::to_owned).collect(),
        complaint_authority: AuthorityInfo::of(d, lang),
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
        history: history_of(&register.audit, subject).collect(),
        requests: register
            .requests
            .iter()
            .filter(|r| r.subject.as_ref() == Some(&subject.id))
            .cloned()
            .collect(),
    })
}

/// One bookkeeping record kept after its subject was erased.
#[derive(Debug, Clone, Serialize)]
pub struct KeptRecord {
    pub number: String,
    pub date: NaiveDate,
    pub amount: crate::core::model::Amount,
    pub invoiced_name: String,
    pub invoiced_address: Option<String>,
    pub retain_until: NaiveDate,
    pub basis: String,
}

/// The access report of a person who was erased but whose bookkeeping records are still
/// kept (LEGAL §2): what is kept, why and until when. Found through the erasure guard's
/// keyed hash of their email; nothing new is kept for it.
#[derive(Debug, Clone, Serialize)]
pub struct KeptRecordsReport {
    pub processed: bool,
    pub generated_on: NaiveDate,
    pub controller: ControllerInfo,
    /// The day the person's other data was erased.
    pub erased_on: NaiveDate,
    /// The records kept, each with its basis and retain-until date.
    pub kept: Vec<KeptRecord>,
    /// Why they are kept: the purposes resting on a legal obligation.
    pub purposes: Vec<PurposeInfoKept>,
    pub retention: Vec<RetentionInfo>,
    pub rights: Vec<String>,
    pub complaint_authority: AuthorityInfo,
}

#[derive(Debug, Clone, Serialize)]
pub struct PurposeInfoKept {
    pub id: String,
    pub description: String,
    pub legal_basis: String,
}

/// The report of an erased person whose email address `selector` is (matched through the
/// erasure guard's keyed hash), or `None` when it names nobody erased.
pub fn kept_records_report(
    register: &Register,
    selector: &str,
    lang: Lang,
    today: NaiveDate,
) -> Option<KeptRecordsReport> {
    let selector = selector.trim();
    let key = hex::decode(&register.erased.key).ok()?;
    if !selector.contains('@') {
        return None;
    }
    let hash = crate::core::erasure_guard::email_hash(&key, selector);
    let entry = register
        .erased
        .entries
        .iter()
        .find(|e| e.emails.contains(&hash))?;
    Some(kept_records_of(
        register,
        &entry.subject,
        entry.on,
        lang,
        today,
    ))
}

/// The kept-records report of the erased subject `subject`, erased on `erased_on`.
pub fn kept_records_of(
    register: &Register,
    subject: &crate::core::model::SubjectId,
    erased_on: NaiveDate,
    lang: Lang,
    today: NaiveDate,
) -> KeptRecordsReport {
    let d = &register.description;
    let kept: Vec<KeptRecord> = register
        .retained
        .iter()
        .filter(|r| &r.subject == subject)
        .map(|r| KeptRecord {
            number: r.number.clone(),
            date: r.date,
            amount: r.amount,
            invoiced_name: r.invoiced_name.clone(),
            invoiced_address: r.invoiced_address.clone(),
            retain_until: r.retain_until,
            basis: r.basis.clone(),
        })
        .collect();
    let kept_fields = ["invoices"];
    KeptRecordsReport {
        processed: true,
        generated_on: today,
        controller: ControllerInfo::of(d),
        erased_on,
        kept,
        purposes: d
            .purposes
            .iter()
            .filter(|p| p.basis == crate::core::model::Basis::LegalObligation)
            .map(|p| PurposeInfoKept {
                id: p.id.clone(),
                description: crate::core::notice::purpose_summary(p, lang),
                legal_basis: crate::core::notice::legal_basis_sentence(p, lang),
            })
            .collect(),
        retention: d
            .data_categories
            .iter()
            .filter(|c| c.fields.iter().any(|f| kept_fields.contains(&f.as_str())))
            .map(|c| RetentionInfo {
                category: lang.pick(&c.name).to_owned(),
                retention: lang.pick(&c.retention.text()).to_owned(),
            })
            .collect(),
        rights: rights_texts(lang).into_iter().map(str::to_owned).collect(),
        complaint_authority: AuthorityInfo::of(d, lang),
    }
}
