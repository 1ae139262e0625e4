//! Art. 18: restriction of processing. While restricted, the data is only stored: it leaves
//! through no export or marketing list and is not purged by retention. Lifting requires that
//! the subject was told beforehand (Art. 18(3)).

use chrono::NaiveDate;

use crate::core::model::{
    AuditAction, PastRestriction, Register, RequestId, Restriction, RestrictionGround, SubjectId,
};
use crate::core::rights::notify;
use crate::core::{Context, audit, select};
use crate::error::{Error, Result};

/// Restricts the subject; returns the id and the number of Art. 19 tasks created.
pub fn restrict_subject(
    register: &mut Register,
    selector: &str,
    ground: RestrictionGround,
    request: Option<RequestId>,
    ctx: &Context,
) -> Result<(SubjectId, usize)> {
    let index = select::subject_index(register, selector)?;
    let subject = &mut register.subjects[index];
    if subject.restriction.is_some() {
        return Err(Error::Refused(format!(
            "subject {} is already restricted",
            subject.id
        )));
    }
    subject.restriction = Some(Restriction {
        ground,
        since: ctx.today,
        request: request.clone(),
    });
    subject.updated = ctx.now;
    let id = subject.id.clone();
    let tasks = notify::create_tasks(
        &mut register.tasks,
        &register.subjects[index],
        AuditAction::Restrict,
        ctx,
    );
    audit::append(
        &mut register.audit,
        ctx,
        audit::Entry::new(AuditAction::Restrict)
            .subject(&id)
            .request(request.as_ref())
            .fields(["restriction"]),
    );
    Ok((id, tasks))
}

/// Lifts a restriction; the subject must have been told on `notified_on`, before today or today.
pub fn lift_restriction(
    register: &mut Register,
    selector: &str,
    notified_on: NaiveDate,
    request: Option<RequestId>,
    ctx: &Context,
) -> Result<SubjectId> {
    let subject = select::subject_mut(register, selector)?;
    let Some(restriction) = &subject.restriction else {
        return Err(Error::Refused(format!(
            "subject {} is not restricted",
            subject.id
        )));
    };
    if notified_on > ctx.today {
        return Err(Error::Refused(
            "the subject must be told before the restriction is lifted (Art. 18(3)); --notified-on is after today".into(),
        ));
    }
    if notified_on < restriction.since {
        return Err(Error::Refused(
            "--notified-on is before the restriction began".into(),
        ));
    }
    subject.restrictions.push(PastRestriction {
        ground: restriction.ground,
        since: restriction.since,
        until: ctx.today,
        notified_on,
        request: restriction.request.clone(),
    });
    subject.restriction = None;
    subject.updated = ctx.now;
    let id = subject.id.clone();
    audit::append(
        &mut register.audit,
        ctx,
        audit::Entry::new(AuditAction::LiftRestriction)
            .subject(&id)
            .request(request.as_ref())
            .fields(["restriction", "restrictions"]),
    );
    Ok(id)
}
