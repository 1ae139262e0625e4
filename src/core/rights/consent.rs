//! Art. 7: consent per purpose — when, through which channel, the evidence and the version
//! of the notice shown — and its withdrawal, as easy as giving and not retroactive.

use crate::core::model::{AuditAction, Channel, ConsentAction, ConsentRecord, Register, SubjectId};
use crate::core::{Context, audit, select, validate};
use crate::error::{Error, Result};

pub fn record_consent(
    register: &mut Register,
    selector: &str,
    action: ConsentAction,
    purpose: &str,
    channel: Channel,
    evidence: Option<String>,
    ctx: &Context,
) -> Result<SubjectId> {
    let purpose = purpose.trim();
    crate::core::export::require_purpose(&register.description, purpose, "consent")?;
    let evidence = match evidence {
        Some(text) if !text.trim().is_empty() => Some(
            validate::text(&text, true).map_err(|e| Error::field("--evidence", "evidence", e))?,
        ),
        _ => None,
    };
    let notice_version = register.description.notice_version.clone();
    let subject = select::subject_mut(register, selector)?;
    subject.consents.push(ConsentRecord {
        purpose: purpose.to_owned(),
        action,
        at: ctx.now,
        channel,
        evidence,
        notice_version,
    });
    subject.updated = ctx.now;
    let id = subject.id.clone();
    let event = match action {
        ConsentAction::Give => AuditAction::ConsentGive,
        ConsentAction::Withdraw => AuditAction::ConsentWithdraw,
    };
    audit::append(
        &mut register.audit,
        ctx,
        audit::Entry::new(event).subject(&id).fields(["consents"]),
    );
    Ok(id)
}
