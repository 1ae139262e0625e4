//! Art. 17: erasure. The subject and every trace of their personal data leave the register;
//! only what bookkeeping law obliges us to keep stays (Kirjanpitolaki 1336/1997, 2:10), with
//! a retain-until date, restricted from every other use, and purged when due. Keyed hashes of
//! the email and phone make a re-import of the same person detectable.

use chrono::{Datelike, NaiveDate};

use crate::core::erasure_guard;
use crate::core::model::{
    AuditAction, ErasedEntry, ErasureReceipt, Register, RequestId, RetainedCategory,
    RetainedInvoice, Subject,
};
use crate::core::rights::notify;
use crate::core::{Context, audit, select, validate};
use crate::error::{Error, Result};

/// The legal basis on which invoices are kept after an erasure.
pub const BOOKKEEPING_BASIS: &str = "Art. 6(1)(c), KPL 2:10";

/// How long bookkeeping records are kept: 6 years from the end of the year of the invoice.
/// The law counts from the end of the financial year; the calendar year is used as a stated
/// approximation, which is exact for the many firms whose financial year is the calendar year.
pub fn retain_until(invoice_date: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(invoice_date.year().saturating_add(6), 12, 31).unwrap_or(NaiveDate::MAX)
}

/// The categories of data a subject had, by the register description's category ids (or
/// field names where no category covers a field).
fn categories_held(register: &Register, subject: &Subject) -> Vec<String> {
    let held: Vec<&str> = crate::core::subjects::filled_fields(subject)
        .into_iter()
        .chain((!subject.disclosures.is_empty()).then_some("disclosures"))
        .chain((!subject.corrections.is_empty()).then_some("corrections"))
        .collect();
    let mut categories: Vec<String> = Vec::new();
    for field in held {
        let name = register
            .description
            .data_categories
            .iter()
            .find(|c| c.fields.iter().any(|f| f == field))
            .map_or(field, |c| c.id.as_str());
        if !categories.iter().any(|c| c == name) {
            categories.push(name.to_owned());
        }
    }
    categories
}

/// The id of the data category that holds invoices (`invoices` when none declares them).
pub fn billing_category(description: &crate::core::model::Description) -> String {
    description
        .data_categories
        .iter()
        .find(|c| c.fields.iter().any(|f| f == "invoices"))
        .map_or("invoices".to_owned(), |c| c.id.clone())
}

/// Erases the subject; returns the receipt (also kept in the register).
pub fn erase_subject(
    register: &mut Register,
    selector: &str,
    reason: &str,
    request: Option<RequestId>,
    ctx: &Context,
) -> Result<ErasureReceipt> {
    erase_as(register, selector, reason, request, ctx, AuditAction::Erase)
}

/// Erases a subject whose retention period ended (Art. 5(1)(e)), exactly as `erase_subject`
/// does; the receipt's reason says `retention`, the category and the day it was due.
pub fn erase_for_retention(
    register: &mut Register,
    subject: &crate::core::model::SubjectId,
    category: &str,
    due: NaiveDate,
    ctx: &Context,
) -> Result<ErasureReceipt> {
    let reason = format!(
        "retention: the retention period of category `{category}` ended on {due} (Art. 5(1)(e))"
    );
    erase_as(
        register,
        &subject.0,
        &reason,
        None,
        ctx,
        AuditAction::EraseRetention,
    )
}

fn erase_as(
    register: &mut Register,
    selector: &str,
    reason: &str,
    request: Option<RequestId>,
    ctx: &Context,
    action: AuditAction,
) -> Result<ErasureReceipt> {
    let reason = validate::text(reason, true).map_err(|e| Error::field("--reason", "reason", e))?;
    let index = select::subject_index(register, selector)?;
    notify::create_tasks(
        &mut register.tasks,
        &register.subjects[index],
        AuditAction::Erase,
        ctx,
    );
    let categories = categories_held(register, &register.subjects[index]);
    let subject = register.subjects.remove(index);

    let mut kept = 0usize;
    let mut latest = None;
    for invoice in &subject.invoices {
        let until = retain_until(invoice.date);
        if until < ctx.today {
            continue;
        }
        kept += 1;
        latest = latest.max(Some(until));
        register.retained.push(RetainedInvoice {
            subject: subject.id.clone(),
            number: invoice.number.clone(),
            date: invoice.date,
            amount: invoice.amount,
            invoiced_name: subject.name.clone(),
            invoiced_address: subject.address.clone(),
            retain_until: until,
            basis: BOOKKEEPING_BASIS.to_owned(),
        });
    }
    let billing = billing_category(&register.description);
    let retained = match latest {
        Some(retain_until) => vec![RetainedCategory {
            category: billing.clone(),
            count: kept,
            basis: BOOKKEEPING_BASIS.to_owned(),
            retain_until,
        }],
        None => Vec::new(),
    };
    let erased: Vec<String> = categories
        .into_iter()
        .filter(|c| kept == 0 || *c != billing)
        .collect();

    let key = hex::decode(&register.erased.key).unwrap_or_default();
    let mut emails: Vec<String> = Vec::new();
    let mut phones: Vec<String> = Vec::new();
    // Every email and phone the person had, including those corrected away: an old export or
    // backup would carry them.
    let old = |field: &'static str| {
        subject
            .corrections
            .iter()
            .filter(move |c| c.field == field)
            .filter_map(|c| c.old.as_deref())
    };
    for email in subject.email.as_deref().into_iter().chain(old("email")) {
        let hash = erasure_guard::email_hash(&key, email);
        if !emails.contains(&hash) {
            emails.push(hash);
        }
    }
    for phone in subject.phone.as_deref().into_iter().chain(old("phone")) {
        let hash = erasure_guard::phone_hash(&key, phone);
        if !phones.contains(&hash) {
            phones.push(hash);
        }
    }
    register.erased.entries.push(ErasedEntry {
        subject: subject.id.clone(),
        on: ctx.today,
        emails,
        phones,
    });
    scrub_requests(register, &subject.id);
    let receipt = ErasureReceipt {
        subject: subject.id.clone(),
        request: request.clone(),
        date: ctx.today,
        actor: ctx.actor.clone(),
        reason,
        erased: erased.clone(),
        retained,
    };
    register.erasures.push(receipt.clone());
    audit::append(
        &mut register.audit,
        ctx,
        audit::Entry::new(action)
            .subject(&subject.id)
            .request(request.as_ref())
            .fields(erased),
    );
    Ok(receipt)
}

/// Blanks every free-text field of the subject's requests (the identity check, the reasons
/// of an extension, the outcome or the refusal's reasons): they may describe the person.
/// Ids, kinds, dates and statuses stay, so that deadlines remain provable.
pub fn scrub_requests(register: &mut Register, subject: &crate::core::model::SubjectId) {
    for request in register
        .requests
        .iter_mut()
        .filter(|r| r.subject.as_ref() == Some(subject))
    {
        request.identity_check = None;
        request.requester = None;
        if let Some(extension) = request.extension.as_mut() {
            extension.reason.clear();
        }
        if let Some(resolution) = request.resolution.as_mut() {
            resolution.text.clear();
        }
        // A file name may name the person; the fingerprint, size and date stay as evidence.
        for document in &mut request.sent {
            document.name.clear();
        }
    }
}

/// Erases again every subject of `journal` that is back in the register (an old backup was
/// restored). Returns the receipts.
pub fn replay_erasures(
    register: &mut Register,
    journal: &[(crate::core::model::SubjectId, NaiveDate)],
    ctx: &Context,
) -> Result<Vec<ErasureReceipt>> {
    let mut receipts = Vec::new();
    for (subject, on) in journal {
        if register.subjects.iter().any(|s| &s.id == subject) {
            let reason = format!("replayed: erased on {on}, and back from a restored backup");
            receipts.push(erase_as(
                register,
                &subject.0,
                &reason,
                None,
                ctx,
                AuditAction::EraseReplay,
            )?);
        }
    }
    Ok(receipts)
}

/// Purges kept records whose retain-until date has passed. Returns how many were purged.
pub fn purge_expired(register: &mut Register, ctx: &Context) -> usize {
    let before = register.retained.len();
    let purged_subjects = purge_retained(register, ctx.today);
    for subject in &purged_subjects {
        audit::append(
            &mut register.audit,
            ctx,
            audit::Entry::new(AuditAction::PurgeRetained)
                .subject(subject)
                .fields(["retained_invoices"]),
        );
    }
    before - register.retained.len()
}

/// Removes kept records whose retain-until date is before `today`, without an audit event;
/// returns the subjects they belonged to, each once, in the order met.
pub fn purge_retained(
    register: &mut Register,
    today: NaiveDate,
) -> Vec<crate::core::model::SubjectId> {
    let mut purged_subjects = Vec::new();
    register.retained.retain(|record| {
        let keep = record.retain_until >= today;
        if !keep && !purged_subjects.contains(&record.subject) {
            purged_subjects.push(record.subject.clone());
        }
        keep
    });
    purged_subjects
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invoices_are_kept_six_years_from_the_end_of_their_year() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(retain_until(d(2025, 3, 1)), d(2031, 12, 31));
        assert_eq!(retain_until(d(2025, 12, 31)), d(2031, 12, 31));
        assert_eq!(retain_until(d(2024, 1, 1)), d(2030, 12, 31));
    }
}
