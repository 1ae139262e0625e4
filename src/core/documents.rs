//! The documents a person receives — the reply to each kind of request in each state, the
//! Art. 19 notice to a recipient, the Art. 18(3) notice before a restriction is lifted and
//! the Art. 34 notice of a breach — as typed models: what to say, never how it reads. The
//! templates under `templates/` decide the wording in Finnish and in English; `cli::documents`
//! renders them as text, HTML or JSON.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::core::access::{self, AccessReport, KeptRecordsReport, Lang};
use crate::core::breach::Breach;
use crate::core::model::{
    AuditAction, Channel, Description, Register, Request, RequestKind, RequestStatus,
    RestrictionGround, Subject,
};
use crate::core::select;
use crate::error::{Error, Result};

/// Who writes: the controller and the contact person who answers.
#[derive(Debug, Clone, Serialize)]
pub struct Letterhead {
    pub controller: String,
    pub business_id: String,
    pub address: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub contact_person: String,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
}

impl Letterhead {
    pub fn of(d: &Description) -> Letterhead {
        Letterhead {
            controller: d.controller.name.clone(),
            business_id: d.controller.business_id.clone(),
            address: d.controller.address.clone(),
            email: d.controller.email.clone(),
            phone: d.controller.phone.clone(),
            contact_person: d.contact_person.name.clone(),
            contact_email: d.contact_person.email.clone(),
            contact_phone: d.contact_person.phone.clone(),
        }
    }
}

/// The supervisory authority a person may complain to (Art. 77), with its address written
/// for the reader: `PL 800, 00531 Helsinki` / `P.O. Box 800, FI-00531 Helsinki`.
#[derive(Debug, Clone, Serialize)]
pub struct Authority {
    pub name: String,
    pub address: String,
    pub website: String,
}

impl Authority {
    pub fn of(d: &Description, lang: Lang) -> Authority {
        let address = d.complaint_authority.address.trim();
        let address = match lang {
            Lang::Fi => address.to_owned(),
            Lang::En => english_postal_address(address),
        };
        Authority {
            name: lang.pick(&d.complaint_authority.name).to_owned(),
            address,
            website: d.complaint_authority.website.clone(),
        }
    }
}

/// `PL 800, 00531 Helsinki` → `P.O. Box 800, FI-00531 Helsinki`.
fn english_postal_address(address: &str) -> String {
    let address = match address.strip_prefix("PL ") {
        Some(rest) => format!("P.O. Box {rest}"),
        None => address.to_owned(),
    };
    address
        .split(", ")
        .map(|part| {
            let code: String = part.chars().take_while(char::is_ascii_digit).collect();
            if code.len() == 5 && part[5..].starts_with(' ') {
                format!("FI-{part}")
            } else {
                part.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// To whom: the subject's name and contact details, or what the requester gave, or nobody
/// named (after an erasure, the register no longer knows the person).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Addressee {
    pub name: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
}

impl Addressee {
    pub fn of(subject: &Subject) -> Addressee {
        Addressee {
            name: Some(subject.name.clone()),
            email: subject.email.clone(),
            address: subject.address.clone(),
        }
    }
}

/// The request a letter answers.
#[derive(Debug, Clone, Serialize)]
pub struct RequestRef {
    pub id: String,
    pub kind: RequestKind,
    pub received: NaiveDate,
    pub channel: Channel,
    /// The one-month due date (Art. 12(3)).
    pub due: NaiveDate,
    /// The deadline in force: the due date, or the extended one.
    pub deadline: NaiveDate,
    pub status: RequestStatus,
}

impl RequestRef {
    pub fn of(r: &Request) -> RequestRef {
        RequestRef {
            id: r.id.0.clone(),
            kind: r.kind,
            received: r.received,
            channel: r.channel,
            due: r.due,
            deadline: r.deadline,
            status: r.status,
        }
    }
}

/// One document, in one language: the letter's frame and what it says.
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    #[serde(serialize_with = "lang_code")]
    pub lang: Lang,
    /// The day the document is written.
    pub date: NaiveDate,
    pub from: Letterhead,
    pub to: Addressee,
    /// The request it answers, for replies.
    pub request: Option<RequestRef>,
    pub complaint_authority: Authority,
    pub body: Body,
}

fn lang_code<S: serde::Serializer>(lang: &Lang, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(match lang {
        Lang::Fi => "fi",
        Lang::En => "en",
    })
}

/// What a document says.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "document", rename_all = "kebab-case")]
pub enum Body {
    /// Art. 15: the access report with its cover letter.
    Access(Box<AccessReport>),
    /// Art. 15 for a person who was erased but whose bookkeeping records are kept.
    KeptRecords(Box<KeptRecordsReport>),
    /// Art. 15(1): the register holds no data about the requester.
    NoData,
    /// The request was received and is being handled; it is answered by its deadline.
    Acknowledgement,
    /// Art. 12(3): the time limit is extended by two months, with the reasons.
    Extension {
        reason: String,
        notified_on: NaiveDate,
    },
    /// Art. 12(4): the request is refused, with the reasons.
    Refusal { reason: String },
    /// Art. 16: what was rectified, and the recipients told of it (Art. 19).
    Rectification {
        corrections: Vec<Rectified>,
        recipients_told: Vec<String>,
    },
    /// Art. 17: what was erased, what is kept, why and until when.
    Erasure {
        on: NaiveDate,
        erased: Vec<String>,
        kept: Vec<Kept>,
        recipients_told: Vec<String>,
    },
    /// Art. 18: processing is restricted (or the restriction was lifted).
    Restriction {
        ground: RestrictionGround,
        since: NaiveDate,
        lifted_on: Option<NaiveDate>,
        recipients_told: Vec<String>,
    },
    /// Art. 21: the objection and what follows from it.
    Objection {
        direct_marketing_since: Option<NaiveDate>,
        direct_marketing_purposes: Vec<String>,
        purposes: Vec<ObjectedPurpose>,
    },
    /// Art. 20: the cover of the portable copy: its file, the name of its documented shape
    /// and the fields it carries.
    Portability {
        file_name: String,
        format: String,
        fields: Vec<String>,
    },
    /// Art. 19: the notice to a recipient of a rectification, erasure or restriction.
    Recipient(Box<RecipientNotice>),
    /// Art. 18(3): the restriction will be lifted.
    Lift {
        ground: RestrictionGround,
        since: NaiveDate,
    },
    /// Art. 34: a breach of the subject's data.
    Breach(Box<BreachNotice>),
}

/// One rectified field, with its value now (the old value is not repeated in a letter).
#[derive(Debug, Clone, Serialize)]
pub struct Rectified {
    pub field: String,
    pub value: Option<String>,
    pub at: DateTime<Utc>,
}

/// Records kept after an erasure, by category.
#[derive(Debug, Clone, Serialize)]
pub struct Kept {
    pub category: String,
    pub count: usize,
    pub retain_until: NaiveDate,
}

/// A purpose the person objected to (Art. 21(1)).
#[derive(Debug, Clone, Serialize)]
pub struct ObjectedPurpose {
    pub purpose: String,
    pub on: NaiveDate,
    pub overridden_on: Option<NaiveDate>,
    pub override_reason: Option<String>,
}

/// The Art. 19 notice: which person, what changed, what the recipient had received.
#[derive(Debug, Clone, Serialize)]
pub struct RecipientNotice {
    pub task: String,
    pub recipient: String,
    pub cause: AuditAction,
    pub on: NaiveDate,
    /// The person as the recipient knows them; for an erasure, only the email address the
    /// contact person gives (checked against the erasure guard, never stored).
    pub person: Addressee,
    /// What was disclosed to the recipient, by date.
    pub disclosed: Vec<crate::core::model::DisclosedFields>,
    /// For a rectification: the fields and their values now.
    pub corrections: Vec<Rectified>,
    /// For a restriction: the ground.
    pub ground: Option<RestrictionGround>,
}

/// The Art. 34 notice of a breach to one person.
#[derive(Debug, Clone, Serialize)]
pub struct BreachNotice {
    pub breach: String,
    pub aware: DateTime<Utc>,
    pub nature: String,
    pub categories: Vec<String>,
    pub consequences: Option<String>,
    pub measures: Vec<String>,
    pub authority_notified: Option<DateTime<Utc>>,
}

fn frame(
    register: &Register,
    lang: Lang,
    today: NaiveDate,
    to: Addressee,
    request: Option<&Request>,
    body: Body,
) -> Document {
    let d = &register.description;
    Document {
        lang,
        date: today,
        from: Letterhead::of(d),
        to,
        request: request.map(RequestRef::of),
        complaint_authority: Authority::of(d, lang),
        body,
    }
}

/// The name of a data category in the reader's language. An erasure receipt names by field
/// what no category covers (disclosures, corrections): those are written as field labels.
fn category_name(d: &Description, id: &str, lang: Lang) -> String {
    d.data_categories.iter().find(|c| c.id == id).map_or_else(
        || capitalised(&crate::core::labels::field(id, lang)),
        |c| lang.pick(&c.name).to_owned(),
    )
}

/// "luovutukset" → "Luovutukset", to stand in a list beside the categories' names.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

fn purpose_name(d: &Description, id: &str, lang: Lang) -> String {
    d.purposes.iter().find(|p| p.id == id).map_or_else(
        || id.to_owned(),
        |p| crate::core::notice::purpose_summary(p, lang),
    )
}

/// Recipients told of a change to the subject (Art. 19), by the name the description gives
/// them, each once.
fn recipients_told(register: &Register, request: &Request, cause: AuditAction) -> Vec<String> {
    let Some(subject) = &request.subject else {
        return Vec::new();
    };
    let mut names: Vec<String> = Vec::new();
    for task in register
        .tasks
        .iter()
        .filter(|t| &t.subject == subject && t.cause == cause)
    {
        let name = recipient_name(&register.description, &task.recipient);
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// A recipient by the name the description gives it (a task may name it by its id).
fn recipient_name(d: &Description, recipient: &str) -> String {
    d.recipients
        .iter()
        .find(|r| r.name == recipient || r.id.as_deref() == Some(recipient))
        .map_or_else(|| recipient.to_owned(), |r| r.name.clone())
}

/// The reply to request `id`: for its kind and state (LEGAL §2, §12(3)–(4)).
pub fn reply(register: &Register, id: &str, lang: Lang, today: NaiveDate) -> Result<Document> {
    let request = select::request(register, id)?;
    let subject = request
        .subject
        .as_ref()
        .and_then(|s| register.subjects.iter().find(|x| &x.id == s));
    let to = match subject {
        Some(s) => Addressee::of(s),
        None => Addressee {
            name: request.requester.clone(),
            ..Addressee::default()
        },
    };
    let frame = |to: Addressee, body: Body| frame(register, lang, today, to, Some(request), body);
    // A refusal and an extension are answers whatever the kind.
    match request.status {
        RequestStatus::Refused => {
            let reason = request
                .resolution
                .as_ref()
                .map(|r| r.text.clone())
                .unwrap_or_default();
            return Ok(frame(to, Body::Refusal { reason }));
        }
        RequestStatus::Extended => {
            if let Some(extension) = &request.extension {
                return Ok(frame(
                    to,
                    Body::Extension {
                        reason: extension.reason.clone(),
                        notified_on: extension.notified_on,
                    },
                ));
            }
        }
        RequestStatus::Open | RequestStatus::Closed => {}
    }
    let erased = request
        .subject
        .as_ref()
        .and_then(|s| register.erasures.iter().rev().find(|e| &e.subject == s));
    let Some(subject) = subject else {
        // No subject: either the person was erased, or the register holds nothing on them.
        return Ok(match (request.kind, erased) {
            (RequestKind::Erasure, Some(receipt)) => frame(
                Addressee::default(),
                Body::Erasure {
                    on: receipt.date,
                    erased: receipt
                        .erased
                        .iter()
                        .map(|c| category_name(&register.description, c, lang))
                        .collect(),
                    kept: receipt
                        .retained
                        .iter()
                        .map(|k| Kept {
                            category: category_name(&register.description, &k.category, lang),
                            count: k.count,
                            retain_until: k.retain_until,
                        })
                        .collect(),
                    recipients_told: recipients_told(register, request, AuditAction::Erase),
                },
            ),
            (RequestKind::Access, Some(receipt)) => {
                let kept =
                    access::kept_records_of(register, &receipt.subject, receipt.date, lang, today);
                frame(Addressee::default(), Body::KeptRecords(Box::new(kept)))
            }
            (_, Some(_)) => frame(Addressee::default(), Body::Acknowledgement),
            (_, None) => frame(to, Body::NoData),
        });
    };
    let body = match request.kind {
        RequestKind::Access => Body::Access(Box::new(access::access_report(
            register,
            &subject.id.0,
            lang,
            today,
        )?)),
        _ if request.status == RequestStatus::Open => Body::Acknowledgement,
        RequestKind::Rectification => Body::Rectification {
            corrections: subject
                .corrections
                .iter()
                .filter(|c| c.request.as_ref() == Some(&request.id))
                .map(|c| Rectified {
                    field: c.field.clone(),
                    value: shown_value(subject, &c.field, lang),
                    at: c.at,
                })
                .collect(),
            recipients_told: recipients_told(register, request, AuditAction::Correct),
        },
        RequestKind::Restriction => match (&subject.restriction, subject.restrictions.last()) {
            (Some(r), _) => Body::Restriction {
                ground: r.ground,
                since: r.since,
                lifted_on: None,
                recipients_told: recipients_told(register, request, AuditAction::Restrict),
            },
            (None, Some(past)) => Body::Restriction {
                ground: past.ground,
                since: past.since,
                lifted_on: Some(past.until),
                recipients_told: recipients_told(register, request, AuditAction::Restrict),
            },
            (None, None) => Body::Acknowledgement,
        },
        RequestKind::Objection => Body::Objection {
            direct_marketing_since: subject.marketing_objection.as_ref().map(|o| o.on),
            direct_marketing_purposes: register
                .description
                .purposes
                .iter()
                .filter(|p| p.direct_marketing.is_some())
                .map(|p| crate::core::notice::purpose_summary(p, lang))
                .collect(),
            purposes: subject
                .objections
                .iter()
                .map(|o| ObjectedPurpose {
                    purpose: purpose_name(&register.description, &o.purpose, lang),
                    on: o.on,
                    overridden_on: o.overridden.as_ref().map(|x| x.on),
                    override_reason: o.overridden.as_ref().map(|x| x.reason.clone()),
                })
                .collect(),
        },
        RequestKind::Portability => Body::Portability {
            file_name: portable_file_name(&request.id.0),
            format: crate::core::portable::PORTABLE_FORMAT.to_owned(),
            fields: PORTABLE_FIELDS.iter().map(|f| (*f).to_owned()).collect(),
        },
        // A closed erasure request whose subject is still here was answered some other way
        // (a refusal in part, or no erasure needed): the outcome is in the acknowledgement.
        RequestKind::Erasure => Body::Acknowledgement,
    };
    Ok(frame(Addressee::of(subject), body))
}

/// A field's value now as the reader sees it: a role by its label.
fn shown_value(subject: &Subject, field: &str, lang: Lang) -> Option<String> {
    use crate::core::labels::Label;
    match field {
        "role" => Some(subject.role.label(lang).to_owned()),
        _ => crate::core::subjects::field_value(subject, field),
    }
}

/// The fields of the portable copy (`core::portable::PortableSubject`): what the person
/// provided and what was observed about them, never staff notes.
const PORTABLE_FIELDS: [&str; 10] = [
    "name", "company", "email", "phone", "address", "ips", "orders", "invoices", "source",
    "consents",
];

/// The name the portable copy is given when it is written for a request.
pub fn portable_file_name(request: &str) -> String {
    format!("tiedot-{}.json", request.to_ascii_lowercase())
}

/// The Art. 19 notice to the recipient of task `id`. For an erasure the person is gone from
/// the register: the contact person gives the email address the recipient knows them by,
/// which must match the erasure guard's keyed hash of the erased person.
pub fn recipient_letter(
    register: &Register,
    id: &str,
    email: Option<&str>,
    lang: Lang,
    today: NaiveDate,
) -> Result<Document> {
    let task = register
        .tasks
        .iter()
        .find(|t| t.id.eq_ignore_ascii_case(id.trim()))
        .ok_or_else(|| Error::NoSuchTask(id.trim().to_owned()))?;
    let subject = register.subjects.iter().find(|s| s.id == task.subject);
    let person = match (subject, email) {
        (Some(s), _) => Addressee::of(s),
        (None, Some(email)) => {
            if !crate::core::erasure_guard::was_erased_with_email(register, &task.subject, email) {
                return Err(Error::Refused(format!(
                    "the email address given is not the erased person's of task {}",
                    task.id
                )));
            }
            Addressee {
                email: Some(email.trim().to_owned()),
                ..Addressee::default()
            }
        }
        (None, None) => {
            return Err(Error::Usage(format!(
                "the person of task {} was erased; give --email with the address the recipient knows them by",
                task.id
            )));
        }
    };
    // The task remembers what was disclosed; the person's own disclosures may be erased.
    let disclosed = task.disclosed.clone();
    let corrections = match (task.cause, subject) {
        (AuditAction::Correct, Some(s)) => s
            .corrections
            .iter()
            .filter(|c| c.at.date_naive() <= task.created)
            .rev()
            .take_while(|c| c.at.date_naive() >= task.created)
            .map(|c| Rectified {
                field: c.field.clone(),
                value: shown_value(s, &c.field, lang),
                at: c.at,
            })
            .collect(),
        _ => Vec::new(),
    };
    let ground = match task.cause {
        AuditAction::Restrict => subject.and_then(|s| s.restriction.as_ref().map(|r| r.ground)),
        _ => None,
    };
    let recipient = recipient_name(&register.description, &task.recipient);
    let body = Body::Recipient(Box::new(RecipientNotice {
        task: task.id.clone(),
        recipient: recipient.clone(),
        cause: task.cause,
        on: task.created,
        person,
        disclosed,
        corrections,
        ground,
    }));
    Ok(frame(
        register,
        lang,
        today,
        Addressee {
            name: Some(recipient),
            ..Addressee::default()
        },
        None,
        body,
    ))
}

/// The Art. 18(3) notice to a restricted subject that the restriction will be lifted.
pub fn lift_letter(
    register: &Register,
    selector: &str,
    lang: Lang,
    today: NaiveDate,
) -> Result<Document> {
    let subject = select::subject(register, selector)?;
    let restriction = subject.restriction.as_ref().ok_or_else(|| {
        Error::Refused(
            "the subject's processing is not restricted; there is nothing to lift".into(),
        )
    })?;
    Ok(frame(
        register,
        lang,
        today,
        Addressee::of(subject),
        None,
        Body::Lift {
            ground: restriction.ground,
            since: restriction.since,
        },
    ))
}

/// The Art. 34 notice of breach `id` to one of the subjects it concerns.
pub fn breach_letter(
    register: &Register,
    id: &str,
    selector: &str,
    lang: Lang,
    today: NaiveDate,
) -> Result<Document> {
    let breach: &Breach = register
        .breaches
        .iter()
        .find(|b| b.id.eq_ignore_ascii_case(id.trim()))
        .ok_or_else(|| Error::NoSuchBreach(id.trim().to_owned()))?;
    let subject = select::subject(register, selector)?;
    if !breach.subjects.contains(&subject.id) {
        return Err(Error::Refused(format!(
            "breach {} does not list this subject; add it to the breach before telling them",
            breach.id
        )));
    }
    Ok(frame(
        register,
        lang,
        today,
        Addressee::of(subject),
        None,
        Body::Breach(Box::new(BreachNotice {
            breach: breach.id.clone(),
            aware: breach.aware,
            nature: breach.nature.clone(),
            categories: breach
                .categories
                .iter()
                .map(|c| category_name(&register.description, c, lang))
                .collect(),
            consequences: breach.consequences.clone(),
            measures: breach.measures.iter().map(|m| m.text.clone()).collect(),
            authority_notified: breach.authority_notified.as_ref().map(|n| n.at),
        })),
    ))
}

/// The access report of `selector` as a letter: answering the subject's latest access
/// request when there is one, otherwise with a cover that names no request.
pub fn access_letter(
    register: &Register,
    selector: &str,
    lang: Lang,
    today: NaiveDate,
) -> Result<Document> {
    let report = access::access_report(register, selector, lang, today)?;
    let subject = select::subject(register, selector)?;
    let request = register
        .requests
        .iter()
        .rev()
        .find(|r| r.subject.as_ref() == Some(&subject.id) && r.kind == RequestKind::Access);
    Ok(frame(
        register,
        lang,
        today,
        Addressee::of(subject),
        request,
        Body::Access(Box::new(report)),
    ))
}

/// The report of a person erased but whose bookkeeping records are kept, as a letter.
pub fn kept_records_letter(
    register: &Register,
    report: KeptRecordsReport,
    lang: Lang,
    today: NaiveDate,
) -> Document {
    frame(
        register,
        lang,
        today,
        Addressee::default(),
        None,
        Body::KeptRecords(Box::new(report)),
    )
}
