//! Art. 21(2)-(3): an objection to direct marketing takes effect at once and for good.

use crate::core::model::{AuditAction, Objection, Register, RequestId, SubjectId};
use crate::core::{Context, audit, select};
use crate::error::Result;

/// Blocks the subject from marketing. Returns the id and whether the objection is new.
pub fn object_to_marketing(
    register: &mut Register,
    selector: &str,
    request: Option<RequestId>,
    ctx: &Context,
) -> Result<(SubjectId, bool)> {
    let subject = select::subject_mut(register, selector)?;
    let id = subject.id.clone();
    if subject.marketing_objection.is_some() {
        return Ok((id, false));
    }
    subject.marketing_objection = Some(Objection {
        on: ctx.today,
        request: request.clone(),
    });
    subject.updated = ctx.now;
    audit::append(
        &mut register.audit,
        ctx,
        audit::Entry::new(AuditAction::Object)
            .subject(&id)
            .request(request.as_ref())
            .fields(["marketing_objection"]),
    );
    Ok((id, true))
}
