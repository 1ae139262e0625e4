//! Art. 7: consent per purpose — when, through which channel, the evidence and the version
//! of the notice shown — and its withdrawal, as easy as giving and not retroactive.

use crate::core::model::{AuditAction, Channel, ConsentAction, ConsentRecord, Register, SubjectId};
use chrono::NaiveDate;

use crate::core::{Context, audit, describe, lawful, select, validate};
use crate::error::{Error, Result};

/// Records consent given or withdrawn on `on` (today or earlier) for a purpose that takes
/// consent, with the version of the notice in force on that day.
#[allow(clippy::too_many_arguments)]
pub fn record_consent(
    register: &mut Register,
    selector: &str,
    action: ConsentAction,
    purpose: &str,
    on: NaiveDate,
    channel: Channel,
    evidence: Option<String>,
    ctx: &Context,
) -> Result<SubjectId> {
    let purpose = purpose.trim();
    let described =
        crate::core::export::require_purpose(&register.description, purpose, "consent")?;
    if !lawful::takes_consent(described) {
        return Err(Error::ConsentNotApplicable {
            context: "consent".into(),
            purpose: described.id.clone(),
            basis: described.basis,
        });
    }
    if on > ctx.today {
        return Err(Error::Refused(
            "--on is after today: record consent once it has been given or withdrawn".into(),
        ));
    }
    // Today's record carries the moment; an earlier day is recorded as that day.
    let at = if on == ctx.today {
        ctx.now
    } else {
        on.and_time(chrono::NaiveTime::MIN).and_utc()
    };
    let evidence = match evidence {
        Some(text) if !text.trim().is_empty() => Some(
            validate::text(&text, true).map_err(|e| Error::field("--evidence", "evidence", e))?,
        ),
        _ => None,
    };
    let notice_version = describe::notice_version_on(register, on);
    let subject = select::subject_mut(register, selector)?;
    subject.consents.push(ConsentRecord {
        purpose: purpose.to_owned(),
        action,
        at,
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
