//! Adding subjects: the input row every source (flags, CSV, JSON, JSONL) is turned into,
//! its validation, and the all-or-nothing batch add.

use std::collections::HashMap;

use serde::Deserialize;

use crate::core::model::{
    AuditAction, Channel, ConsentAction, ConsentRecord, Invoice, IpSeen, Note, Order, OrderChange,
    Register, Role, Source, Subject, SubjectId,
};
use crate::core::{Context, IdSource, audit, validate};
use crate::error::{Error, Result};

/// One subject as given on input, before validation. Keys are the `add` flag names with
/// `-` written `_`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSubject {
    pub name: Option<String>,
    pub company: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    /// `consumer` (the default, the stricter rule) or `business`.
    pub role: Option<String>,
    #[serde(default)]
    pub ip: OneOrMany,
    pub source: Option<String>,
    pub source_date: Option<String>,
    pub source_note: Option<String>,
    #[serde(default)]
    pub consent: OneOrMany,
    pub note: Option<String>,
    #[serde(default)]
    pub orders: Vec<NewOrder>,
    #[serde(default)]
    pub invoices: Vec<NewInvoice>,
}

/// A value that may be given once or as a list.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    #[default]
    None,
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::None => Vec::new(),
            OneOrMany::One(value) => vec![value],
            OneOrMany::Many(values) => values,
        }
    }
}

impl From<Vec<String>> for OneOrMany {
    fn from(values: Vec<String>) -> Self {
        OneOrMany::Many(values)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOrder {
    pub product: String,
    pub on: Option<String>,
    #[serde(default)]
    pub changes: Vec<NewOrderChange>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOrderChange {
    pub on: Option<String>,
    pub change: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewInvoice {
    pub number: String,
    pub date: String,
    pub amount: TextOrNumber,
}

/// JSON amounts may be written as strings (`"249.50"`) or numbers (`249.5`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum TextOrNumber {
    Text(String),
    Number(serde_json::Number),
}

impl TextOrNumber {
    pub fn as_text(&self) -> String {
        match self {
            TextOrNumber::Text(text) => text.clone(),
            TextOrNumber::Number(number) => number.to_string(),
        }
    }
}

/// A batch of rows to add, with the label each row is named by in errors (`customers.csv row 3`).
#[derive(Clone)]
pub struct Batch {
    pub rows: Vec<(String, NewSubject)>,
    /// Admit people who were erased before (they came back as new customers).
    pub readmit: bool,
}

fn optional(
    label: &str,
    field: &str,
    value: Option<String>,
    check: impl Fn(&str) -> std::result::Result<String, validate::Invalid>,
) -> Result<Option<String>> {
    match value {
        None => Ok(None),
        Some(v) if v.trim().is_empty() => Ok(None),
        Some(v) => check(&v)
            .map(Some)
            .map_err(|e| Error::field(label, field, e)),
    }
}

/// Validates one row into a subject. Consent purposes must be ones the register describes.
fn build_subject(
    register: &Register,
    label: &str,
    row: NewSubject,
    id: SubjectId,
    ctx: &Context,
) -> Result<Subject> {
    let name = match row.name {
        Some(name) => validate::text(&name, false).map_err(|e| Error::field(label, "name", e))?,
        None => return Err(Error::field(label, "name", validate::Invalid::Empty)),
    };
    let single = |v: &str| validate::text(v, false);
    let company = optional(label, "company", row.company, single)?;
    let email = optional(label, "email", row.email, validate::email)?;
    let phone = optional(label, "phone", row.phone, validate::phone)?;
    let address = optional(label, "address", row.address, |v| validate::text(v, true))?;
    let role = match row.role.as_deref().map(str::trim) {
        None | Some("") => Role::Consumer,
        Some(text) => Role::parse(text).ok_or_else(|| Error::InvalidInput {
            context: label.to_owned(),
            message: "field `role` is not `consumer` or `business`".into(),
        })?,
    };
    let channel = match row.source.as_deref().map(str::trim) {
        None | Some("") => Channel::Other,
        Some(text) => Channel::parse(text).ok_or_else(|| Error::InvalidInput {
            context: label.to_owned(),
            message: format!(
                "field `source` is not a known channel (one of: {})",
                Channel::ALL.map(Channel::as_str).join(", ")
            ),
        })?,
    };
    let row_has_source_date = row
        .source_date
        .as_deref()
        .is_some_and(|d| !d.trim().is_empty());
    let source_date = match row.source_date.as_deref().map(str::trim) {
        None | Some("") => ctx.today,
        Some(text) => validate::date(text).map_err(|e| Error::field(label, "source_date", e))?,
    };
    let source_note = optional(label, "source_note", row.source_note, |v| {
        validate::text(v, true)
    })?;
    let mut ips = Vec::new();
    for value in row.ip.into_vec() {
        if value.trim().is_empty() {
            continue;
        }
        let address = validate::ip(&value).map_err(|e| Error::field(label, "ip", e))?;
        ips.push(IpSeen {
            address,
            seen: ctx.now,
        });
    }
    // Consent given with the data dates from when the data was obtained, when that is known,
    // and records the notice in force on that day. The source note describes where the data
    // came from; it is not evidence of consent, so none is recorded.
    let consent_at = if row_has_source_date {
        source_date.and_time(chrono::NaiveTime::MIN).and_utc()
    } else {
        ctx.now
    };
    let consent_day = if row_has_source_date {
        source_date
    } else {
        ctx.today
    };
    let mut consents = Vec::new();
    for purpose in row.consent.into_vec() {
        let purpose = purpose.trim();
        if purpose.is_empty() {
            continue;
        }
        let described =
            crate::core::export::require_purpose(&register.description, purpose, label)?;
        if !crate::core::lawful::takes_consent(described) {
            return Err(Error::ConsentNotApplicable {
                context: label.to_owned(),
                purpose: described.id.clone(),
                basis: described.basis,
            });
        }
        if consents
            .iter()
            .any(|c: &ConsentRecord| c.purpose == purpose)
        {
            continue;
        }
        consents.push(ConsentRecord {
            purpose: purpose.to_owned(),
            action: ConsentAction::Give,
            at: consent_at,
            channel,
            evidence: None,
            notice_version: crate::core::describe::notice_version_on(register, consent_day),
        });
    }
    let notes = match optional(label, "note", row.note, |v| validate::text(v, true))? {
        Some(text) => vec![Note {
            at: ctx.now,
            author: ctx.actor.clone(),
            text,
        }],
        None => Vec::new(),
    };
    let mut orders = Vec::new();
    for (n, order) in row.orders.into_iter().enumerate() {
        let at = format!("{label}, order {}", n + 1);
        let product =
            validate::text(&order.product, false).map_err(|e| Error::field(&at, "product", e))?;
        let ordered_on = match order.on {
            Some(on) => validate::date(&on).map_err(|e| Error::field(&at, "on", e))?,
            None => ctx.today,
        };
        let mut changes = Vec::new();
        for change in order.changes {
            let on = match change.on {
                Some(on) => validate::date(&on).map_err(|e| Error::field(&at, "changes.on", e))?,
                None => ctx.today,
            };
            let change = validate::text(&change.change, true)
                .map_err(|e| Error::field(&at, "changes.change", e))?;
            changes.push(OrderChange { on, change });
        }
        orders.push(Order {
            product,
            ordered_on,
            changes,
        });
    }
    let mut invoices = Vec::new();
    for (n, invoice) in row.invoices.into_iter().enumerate() {
        let at = format!("{label}, invoice {}", n + 1);
        invoices.push(Invoice {
            number: validate::text(&invoice.number, false)
                .map_err(|e| Error::field(&at, "number", e))?,
            date: validate::date(&invoice.date).map_err(|e| Error::field(&at, "date", e))?,
            amount: validate::parse_amount(&invoice.amount.as_text())
                .map_err(|e| Error::field(&at, "amount", e))?,
        });
    }
    Ok(Subject {
        id,
        name,
        company,
        email,
        phone,
        address,
        role,
        restriction: None,
        restrictions: Vec::new(),
        marketing_objection: None,
        objections: Vec::new(),
        ips,
        orders,
        invoices,
        notes,
        source: Source {
            channel,
            date: source_date,
            note: source_note,
        },
        consents,
        disclosures: Vec::new(),
        corrections: Vec::new(),
        relationship_end: None,
        created: ctx.now,
        updated: ctx.now,
    })
}

/// The value of one of the subject's single-valued fields, as text (`None` when empty or
/// not a single-valued field).
pub fn field_value(subject: &Subject, field: &str) -> Option<String> {
    match field {
        "name" => Some(subject.name.clone()),
        "company" => subject.company.clone(),
        "email" => subject.email.clone(),
        "phone" => subject.phone.clone(),
        "address" => subject.address.clone(),
        "role" => Some(subject.role.as_str().to_owned()),
        _ => None,
    }
}

/// The fields a subject has values in: what an audit event of its creation names.
pub fn filled_fields(subject: &Subject) -> Vec<&'static str> {
    let mut fields = vec!["name"];
    for (field, present) in [
        ("company", subject.company.is_some()),
        ("email", subject.email.is_some()),
        ("phone", subject.phone.is_some()),
        ("address", subject.address.is_some()),
        ("ips", !subject.ips.is_empty()),
        ("orders", !subject.orders.is_empty()),
        ("invoices", !subject.invoices.is_empty()),
        ("notes", !subject.notes.is_empty()),
        ("consents", !subject.consents.is_empty()),
    ] {
        if present {
            fields.push(field);
        }
    }
    fields.push("source");
    fields
}

/// Adds every row, or none: the first bad row is the error and the register is unchanged.
/// Returns the new subjects' ids in input order.
pub fn add_subjects(
    register: &mut Register,
    batch: Batch,
    ctx: &Context,
    ids: &mut dyn IdSource,
) -> Result<Vec<SubjectId>> {
    let mut known_emails: HashMap<String, EmailOwner> =
        HashMap::with_capacity(register.subjects.len() + batch.rows.len());
    for subject in &register.subjects {
        if let Some(email) = &subject.email {
            known_emails.insert(
                validate::email_key(email),
                EmailOwner::Register(subject.id.clone()),
            );
        }
    }
    for (email, id) in &register.unloaded.emails {
        known_emails.insert(email.clone(), EmailOwner::Register(id.clone()));
    }
    let guard = crate::core::erasure_guard::Guard::new(&register.erased);
    let mut new_subjects = Vec::with_capacity(batch.rows.len());
    for (row_number, (label, row)) in batch.rows.into_iter().enumerate() {
        let subject = build_subject(register, &label, row, ids.subject_id(), ctx)?;
        if let Some(email) = &subject.email {
            match known_emails.get(&validate::email_key(email)) {
                Some(EmailOwner::Register(existing)) => {
                    return Err(Error::DuplicateEmail {
                        context: label,
                        existing: existing.0.clone(),
                    });
                }
                Some(EmailOwner::Batch(first)) => {
                    return Err(Error::DuplicateEmailInBatch {
                        context: label,
                        first: *first,
                    });
                }
                None => {
                    known_emails.insert(
                        validate::email_key(email),
                        EmailOwner::Batch(row_number + 1),
                    );
                }
            }
        }
        if !batch.readmit
            && let Some(entry) = guard.matches(subject.email.as_deref(), subject.phone.as_deref())
        {
            return Err(Error::ErasedPerson {
                context: label,
                subject: entry.subject.0.clone(),
                on: entry.on,
            });
        }
        new_subjects.push(subject);
    }
    let added: Vec<SubjectId> = new_subjects.iter().map(|s| s.id.clone()).collect();
    for subject in new_subjects {
        let mut fields = filled_fields(&subject);
        if batch.readmit
            && guard
                .matches(subject.email.as_deref(), subject.phone.as_deref())
                .is_some()
        {
            fields.push("readmitted");
        }
        audit::append(
            &mut register.audit,
            ctx,
            audit::Entry::new(AuditAction::Add)
                .subject(&subject.id)
                .fields(fields),
        );
        register.subjects.push(subject);
    }
    Ok(added)
}

enum EmailOwner {
    Register(SubjectId),
    /// The 1-based row of the batch that first had the email.
    Batch(usize),
}
