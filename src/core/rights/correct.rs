//! Art. 16: rectification. The old value goes into the subject's correction history, with
//! who, when, which field, why and the request.

use crate::core::model::Register;
use crate::core::model::{AuditAction, Correction, RequestId, Role, Subject, SubjectId};
use crate::core::rights::notify;
use crate::core::{Context, audit, select, validate};
use crate::error::{Error, Result};

/// The fields `correct --set` accepts.
pub const CORRECTABLE: &[&str] = &[
    "name",
    "company",
    "email",
    "phone",
    "address",
    "source_note",
    "role",
];

/// One `FIELD=VALUE`; an empty value clears an optional field.
#[derive(Debug, Clone)]
pub struct Set {
    pub field: String,
    pub value: String,
}

/// Parses `FIELD=VALUE`.
pub fn parse_set(text: &str) -> Result<Set> {
    let Some((field, value)) = text.split_once('=') else {
        return Err(Error::InvalidInput {
            context: "--set".into(),
            message: "expected FIELD=VALUE".into(),
        });
    };
    let field = field.trim().to_owned();
    if !CORRECTABLE.contains(&field.as_str()) {
        return Err(Error::InvalidInput {
            context: "--set".into(),
            message: format!(
                "field `{field}` cannot be corrected (correctable: {})",
                CORRECTABLE.join(", ")
            ),
        });
    }
    Ok(Set {
        field,
        value: value.to_owned(),
    })
}

fn validated(set: &Set) -> Result<Option<String>> {
    let context = "--set";
    let value = set.value.trim();
    if set.field == "role" {
        return match Role::parse(value) {
            Some(role) => Ok(Some(role.as_str().to_owned())),
            None => Err(Error::InvalidInput {
                context: context.into(),
                message: "field `role` is `consumer` or `business`".into(),
            }),
        };
    }
    if value.is_empty() {
        return if set.field == "name" {
            Err(Error::field(context, "name", validate::Invalid::Empty))
        } else {
            Ok(None)
        };
    }
    let checked = match set.field.as_str() {
        "email" => validate::email(value),
        "phone" => validate::phone(value),
        "address" | "source_note" => validate::text(value, true),
        _ => validate::text(value, false),
    };
    checked
        .map(Some)
        .map_err(|reason| Error::field(context, set.field.clone(), reason))
}

fn slot<'a>(subject: &'a mut Subject, field: &str) -> Option<&'a mut Option<String>> {
    match field {
        "company" => Some(&mut subject.company),
        "email" => Some(&mut subject.email),
        "phone" => Some(&mut subject.phone),
        "address" => Some(&mut subject.address),
        "source_note" => Some(&mut subject.source.note),
        _ => None,
    }
}

/// Corrects the subject's fields; returns the subject's id and how many Art. 19 tasks were
/// created. All sets are validated before any is applied.
pub fn correct_subject(
    register: &mut Register,
    selector: &str,
    sets: &[Set],
    reason: &str,
    request: Option<RequestId>,
    ctx: &Context,
) -> Result<(SubjectId, usize)> {
    if sets.is_empty() {
        return Err(Error::Usage("give at least one --set FIELD=VALUE".into()));
    }
    let reason = validate::text(reason, true).map_err(|e| Error::field("--reason", "reason", e))?;
    let index = select::subject_index(register, selector)?;
    let mut values = Vec::with_capacity(sets.len());
    for set in sets {
        let value = validated(set)?;
        if set.field == "email"
            && let Some(email) = &value
        {
            let key = validate::email_key(email);
            if let Some(other) = register.subjects.iter().enumerate().find(|(i, s)| {
                *i != index
                    && s.email
                        .as_deref()
                        .is_some_and(|e| validate::email_key(e) == key)
            }) {
                return Err(Error::DuplicateEmail {
                    context: "--set email".into(),
                    existing: other.1.id.0.clone(),
                });
            }
            if let Some(other) = register.unloaded.emails.get(&key) {
                return Err(Error::DuplicateEmail {
                    context: "--set email".into(),
                    existing: other.0.clone(),
                });
            }
        }
        if let Some(value) = &value
            && (set.field == "email" || set.field == "phone")
        {
            let guard = crate::core::erasure_guard::Guard::new(&register.erased);
            let (email, phone) = if set.field == "email" {
                (Some(value.as_str()), None)
            } else {
                (None, Some(value.as_str()))
            };
            if let Some(entry) = guard.matches(email, phone) {
                return Err(Error::ErasedPerson {
                    context: format!("--set {}", set.field),
                    subject: entry.subject.0.clone(),
                    on: entry.on,
                });
            }
        }
        values.push(value);
    }
    let subject = &mut register.subjects[index];
    let mut fields = Vec::new();
    for (set, value) in sets.iter().zip(values) {
        let old = if set.field == "name" {
            let new = value.unwrap_or_default();
            Some(std::mem::replace(&mut subject.name, new))
        } else if set.field == "role" {
            let new = value.as_deref().and_then(Role::parse).unwrap_or_default();
            Some(
                std::mem::replace(&mut subject.role, new)
                    .as_str()
                    .to_owned(),
            )
        } else {
            match slot(subject, &set.field) {
                Some(slot) => std::mem::replace(slot, value),
                None => None,
            }
        };
        subject.corrections.push(Correction {
            at: ctx.now,
            actor: ctx.actor.clone(),
            field: set.field.clone(),
            old,
            reason: reason.clone(),
            request: request.clone(),
        });
        if !fields.contains(&set.field) {
            fields.push(set.field.clone());
        }
    }
    subject.updated = ctx.now;
    let id = subject.id.clone();
    let tasks = notify::create_tasks(
        &mut register.tasks,
        &register.subjects[index],
        AuditAction::Correct,
        ctx,
    );
    audit::append(
        &mut register.audit,
        ctx,
        audit::Entry::new(AuditAction::Correct)
            .subject(&id)
            .request(request.as_ref())
            .fields(fields),
    );
    Ok((id, tasks))
}
