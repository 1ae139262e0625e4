//! Art. 21: the right to object.
//!
//! An objection to direct marketing (Art. 21(2)-(3)) takes effect at once and for good, for
//! every purpose the description marks as direct marketing, whatever its id. An objection
//! to a purpose on legitimate interests or a public task (Art. 21(1)) stops that purpose
//! unless the controller records compelling legitimate grounds that override it.

use crate::core::model::{
    AuditAction, Objection, Override, PurposeObjection, Register, RequestId, SubjectId,
};
use crate::core::{Context, audit, export, select, validate};
use crate::error::{Error, Result};

/// Blocks the subject from direct marketing. Returns the id and whether the objection is new.
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

/// An objection to the purpose `purpose`. To a direct-marketing purpose it is the Art. 21(2)
/// objection, which blocks all direct marketing; to a purpose on legitimate interests or a
/// public task it is recorded for that purpose; to any other it is refused. Returns the id,
/// whether the objection is new, and the purpose it stops alone (`None`: all direct
/// marketing).
pub fn object_to_purpose(
    register: &mut Register,
    selector: &str,
    purpose: &str,
    request: Option<RequestId>,
    ctx: &Context,
) -> Result<(SubjectId, bool, Option<String>)> {
    let described = export::require_purpose(&register.description, purpose.trim(), "--purpose")?;
    if described.direct_marketing.is_some() {
        let (id, new) = object_to_marketing(register, selector, request, ctx)?;
        return Ok((id, new, None));
    }
    if !described.basis.objectable() {
        return Err(Error::ObjectionNotApplicable {
            purpose: described.id.clone(),
            basis: described.basis,
        });
    }
    let purpose = described.id.clone();
    let subject = select::subject_mut(register, selector)?;
    let id = subject.id.clone();
    if subject
        .objections
        .iter()
        .any(|o| o.purpose == purpose && o.overridden.is_none())
    {
        return Ok((id, false, Some(purpose)));
    }
    subject.objections.push(PurposeObjection {
        purpose: purpose.clone(),
        on: ctx.today,
        request: request.clone(),
        overridden: None,
    });
    subject.updated = ctx.now;
    audit::append(
        &mut register.audit,
        ctx,
        audit::Entry::new(AuditAction::ObjectPurpose)
            .subject(&id)
            .request(request.as_ref())
            .fields(["objections"]),
    );
    Ok((id, true, Some(purpose)))
}

/// Records the compelling legitimate grounds that override the subject's standing objection
/// to `purpose` (Art. 21(1)). Direct marketing has no override.
pub fn override_objection(
    register: &mut Register,
    selector: &str,
    purpose: &str,
    reason: &str,
    ctx: &Context,
) -> Result<SubjectId> {
    let reason = validate::text(reason, true).map_err(|e| Error::field("--reason", "reason", e))?;
    let described = export::require_purpose(&register.description, purpose.trim(), "--purpose")?;
    if described.direct_marketing.is_some() {
        return Err(Error::Refused(
            "an objection to direct marketing is absolute (Art. 21(3)): no grounds override it"
                .into(),
        ));
    }
    let purpose = described.id.clone();
    let subject = select::subject_mut(register, selector)?;
    let id = subject.id.clone();
    let Some(objection) = subject
        .objections
        .iter_mut()
        .rev()
        .find(|o| o.purpose == purpose && o.overridden.is_none())
    else {
        return Err(Error::Refused(format!(
            "subject {id} has no standing objection to `{purpose}` to override"
        )));
    };
    objection.overridden = Some(Override {
        on: ctx.today,
        reason,
    });
    subject.updated = ctx.now;
    audit::append(
        &mut register.audit,
        ctx,
        audit::Entry::new(AuditAction::ObjectionOverride)
            .subject(&id)
            .fields(["objections"]),
    );
    Ok(id)
}
