//! Art. 19: a rectification, erasure or restriction is told to each recipient the subject's
//! data was disclosed to. Each becomes a task, tracked until marked done.

use chrono::NaiveDate;

use crate::core::model::{AuditAction, DisclosedFields, NotificationTask, Register, Subject};
use crate::core::{Context, audit};
use crate::error::{Error, Result};

/// Creates one task per distinct recipient of `subject`'s disclosures. Returns how many.
pub fn create_tasks(
    tasks: &mut Vec<NotificationTask>,
    subject: &Subject,
    cause: AuditAction,
    ctx: &Context,
) -> usize {
    let mut recipients: Vec<&str> = Vec::new();
    for disclosure in &subject.disclosures {
        if !recipients.contains(&disclosure.recipient.as_str()) {
            recipients.push(&disclosure.recipient);
        }
    }
    for recipient in &recipients {
        let id = format!("T-{:04}", tasks.len() + 1);
        tasks.push(NotificationTask {
            id,
            subject: subject.id.clone(),
            recipient: (*recipient).to_owned(),
            cause,
            created: ctx.today,
            done: None,
            disclosed: subject
                .disclosures
                .iter()
                .filter(|d| d.recipient == *recipient)
                .map(|d| DisclosedFields {
                    on: d.on,
                    fields: d.fields.clone(),
                })
                .collect(),
        });
    }
    recipients.len()
}

/// Marks a notification task done on `on`.
pub fn mark_done(register: &mut Register, id: &str, on: NaiveDate, ctx: &Context) -> Result<()> {
    let wanted = id.trim().to_ascii_uppercase();
    let task = register
        .tasks
        .iter_mut()
        .find(|t| t.id == wanted)
        .ok_or_else(|| Error::NoSuchTask(id.trim().to_owned()))?;
    if task.done.is_some() {
        return Err(Error::Refused(format!("task {} is already done", task.id)));
    }
    if on > ctx.today {
        return Err(Error::Refused(
            "a task cannot be done on a date after today".into(),
        ));
    }
    task.done = Some(on);
    let subject = task.subject.clone();
    audit::append(
        &mut register.audit,
        ctx,
        audit::Entry::new(AuditAction::TaskDone)
            .subject(&subject)
            .fields(["tasks"]),
    );
    Ok(())
}
