//! Data-subject requests and their legal deadlines (LEGAL §1): open, extend, close, refuse,
//! and the cron check of what is due. Dates come from `calendar`; nothing here reads a clock.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Serialize;

use crate::core::calendar;
use crate::core::model::{
    AuditAction, Channel, Extension, Register, Request, RequestId, RequestKind, RequestStatus,
    Resolution, SentDocument, SubjectId,
};
use crate::core::{Context, audit, select, validate};
use crate::error::{Error, Result};

/// A new request as logged.
#[derive(Debug, Clone)]
pub struct NewRequest {
    pub kind: RequestKind,
    pub subject: Option<String>,
    pub received: NaiveDate,
    pub channel: Channel,
    pub requester: Option<String>,
    pub identity_check: Option<String>,
}

/// Logs a request; its deadline is the one-month due date, rolled to a working day.
pub fn open_request(register: &mut Register, new: NewRequest, ctx: &Context) -> Result<Request> {
    if new.received > ctx.today {
        return Err(Error::Refused(
            "--received is after today: a request is logged once it has arrived".into(),
        ));
    }
    let subject = match &new.subject {
        Some(selector) => Some(select::subject(register, selector)?.id.clone()),
        None => None,
    };
    let requester = match new.requester {
        Some(text) if !text.trim().is_empty() => Some(
            validate::text(&text, false)
                .map_err(|e| Error::field("--requester", "requester", e))?,
        ),
        _ => None,
    };
    let identity_check = match new.identity_check {
        Some(text) if !text.trim().is_empty() => Some(
            validate::text(&text, true)
                .map_err(|e| Error::field("--identity-check", "identity_check", e))?,
        ),
        _ => None,
    };
    let id = RequestId(format!("R-{:04}", register.requests.len() + 1));
    let due = calendar::due_date(new.received);
    let request = Request {
        id: id.clone(),
        kind: new.kind,
        subject: subject.clone(),
        received: new.received,
        channel: new.channel,
        requester,
        identity_check,
        due,
        deadline: due,
        status: RequestStatus::Open,
        extension: None,
        resolution: None,
        sent: Vec::new(),
    };
    register.requests.push(request.clone());
    let mut entry = audit::Entry::new(AuditAction::RequestOpen)
        .request(Some(&id))
        .fields(["requests"]);
    entry.subject = subject;
    audit::append(&mut register.audit, ctx, entry);
    Ok(request)
}

/// The index of the request `id`, which must still be open or extended.
fn open_index(register: &Register, id: &str) -> Result<usize> {
    let index = select::request_index(register, id)?;
    let request = &register.requests[index];
    match request.status {
        RequestStatus::Open | RequestStatus::Extended => Ok(index),
        RequestStatus::Closed | RequestStatus::Refused => Err(Error::Refused(format!(
            "request {} is already {}",
            request.id,
            status_name(request.status)
        ))),
    }
}

pub fn status_name(status: RequestStatus) -> &'static str {
    match status {
        RequestStatus::Open => "open",
        RequestStatus::Extended => "extended",
        RequestStatus::Closed => "closed",
        RequestStatus::Refused => "refused",
    }
}

/// Records `action` on the request at `index` in the trail; returns the request as it now is.
fn record(register: &mut Register, ctx: &Context, action: AuditAction, index: usize) -> Request {
    let request = register.requests[index].clone();
    let mut entry = audit::Entry::new(action)
        .request(Some(&request.id))
        .fields(["requests"]);
    entry.subject = request.subject.clone();
    audit::append(&mut register.audit, ctx, entry);
    request
}

/// Extends a request by two months (Art. 12(3)). Allowed only when the subject was told,
/// with reasons, on or before the one-month due date.
pub fn extend_request(
    register: &mut Register,
    id: &str,
    reason: &str,
    notified_on: NaiveDate,
    ctx: &Context,
) -> Result<Request> {
    let reason = validate::text(reason, true).map_err(|e| Error::field("--reason", "reason", e))?;
    let index = open_index(register, id)?;
    let request = &mut register.requests[index];
    if request.status == RequestStatus::Extended {
        return Err(Error::Refused(format!(
            "request {} is already extended; Art. 12(3) allows one extension of two months",
            request.id
        )));
    }
    if notified_on > request.due {
        return Err(Error::Refused(format!(
            "request {}: the subject must be told of an extension by the one-month due date {}; --notified-on is later",
            request.id, request.due
        )));
    }
    if notified_on < request.received || notified_on > ctx.today {
        return Err(Error::Refused(format!(
            "request {}: --notified-on must lie between the day received ({}) and today",
            request.id, request.received
        )));
    }
    request.extension = Some(Extension {
        reason,
        notified_on,
    });
    request.deadline = calendar::extended_due_date(request.received).max(request.due);
    request.status = RequestStatus::Extended;
    Ok(record(register, ctx, AuditAction::RequestExtend, index))
}

/// Closes a request with its outcome and the fingerprints of the documents sent.
pub fn close_request(
    register: &mut Register,
    id: &str,
    outcome: &str,
    sent: Vec<SentDocument>,
    ctx: &Context,
) -> Result<Request> {
    let outcome =
        validate::text(outcome, true).map_err(|e| Error::field("--outcome", "outcome", e))?;
    let mut checked = Vec::with_capacity(sent.len());
    for document in sent {
        let name =
            validate::text(&document.name, false).map_err(|e| Error::field("--sent", "name", e))?;
        if document.sha256.len() != 64 || !document.sha256.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(Error::InvalidInput {
                context: "--sent".into(),
                message: "the fingerprint is not a SHA-256 in hex".into(),
            });
        }
        checked.push(SentDocument { name, ..document });
    }
    let index = open_index(register, id)?;
    let request = &mut register.requests[index];
    request.sent.extend(checked);
    request.status = RequestStatus::Closed;
    request.resolution = Some(Resolution {
        on: ctx.today,
        text: outcome,
    });
    Ok(record(register, ctx, AuditAction::RequestClose, index))
}

/// Refuses a request with its written justification (Art. 12(4)-(5)). Returns the request
/// and whether the refusal came after the one-month due date, which Art. 12(4) sets even
/// for an extended request.
pub fn refuse_request(
    register: &mut Register,
    id: &str,
    reason: &str,
    ctx: &Context,
) -> Result<(Request, bool)> {
    let reason = validate::text(reason, true).map_err(|e| Error::field("--reason", "reason", e))?;
    let index = open_index(register, id)?;
    let request = &mut register.requests[index];
    let late = ctx.today > request.due;
    request.status = RequestStatus::Refused;
    request.resolution = Some(Resolution {
        on: ctx.today,
        text: reason,
    });
    Ok((
        record(register, ctx, AuditAction::RequestRefuse, index),
        late,
    ))
}

/// `request link ID SUBJECT`: ties an open request that came from someone not yet known to
/// the subject they turned out to be.
pub fn link_to_subject(
    register: &mut Register,
    id: &str,
    selector: &str,
    ctx: &Context,
) -> Result<Request> {
    let subject = select::subject(register, selector)?.id.clone();
    let index = open_index(register, id)?;
    if register.requests[index].subject.as_ref() == Some(&subject) {
        return Err(Error::Refused(format!(
            "request {} is already tied to subject {subject}",
            register.requests[index].id
        )));
    }
    link_request(register, id, &subject)?;
    Ok(record(register, ctx, AuditAction::RequestLink, index))
}

/// Checks a `--request ID` given to an operation on `subject`: the request must exist and be
/// open; a request not yet tied to a subject is tied to this one.
pub fn link_request(register: &mut Register, id: &str, subject: &SubjectId) -> Result<RequestId> {
    let index = open_index(register, id)?;
    let request = &mut register.requests[index];
    if let Some(linked) = &request.subject
        && subject != linked
    {
        return Err(Error::Refused(format!(
            "request {} concerns another subject",
            request.id
        )));
    }
    if request.subject.is_none() {
        request.subject = Some(subject.clone());
    }
    Ok(request.id.clone())
}

/// How urgent a date is, for the cron check: 7, 3 and 0 days before, and after.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Alert {
    #[serde(rename = "overdue")]
    Overdue,
    #[serde(rename = "due-today")]
    DueToday,
    #[serde(rename = "within-3-days")]
    Within3Days,
    #[serde(rename = "within-7-days")]
    Within7Days,
}

pub fn alert_for(days_left: i64) -> Option<Alert> {
    match days_left {
        d if d < 0 => Some(Alert::Overdue),
        0 => Some(Alert::DueToday),
        1..=3 => Some(Alert::Within3Days),
        4..=7 => Some(Alert::Within7Days),
        _ => None,
    }
}

/// One line of the cron check: a request, an open breach's notification (see
/// `core::breach`) or an Art. 19 task open longer than `TASK_DAYS`.
#[derive(Debug, Clone, Serialize)]
pub struct DeadlineRow {
    /// `R-0001`, `B-0001` or `T-0001`.
    pub id: String,
    /// The request's kind (`access`, …), `breach-notification`,
    /// `breach-subjects-notification` or `recipient-notification`.
    pub kind: String,
    pub subject: Option<SubjectId>,
    /// The day the request was received, the breach became known, the task was created.
    pub received: NaiveDate,
    pub deadline: NaiveDate,
    /// `open` or `extended` for a request, `open` for a breach or a task.
    pub status: String,
    pub days_left: i64,
    /// The exact moment of a breach deadline, RFC 3339 with the Helsinki offset; `null` for
    /// date deadlines.
    pub due_at: Option<DateTime<FixedOffset>>,
    /// Whole hours from now to `due_at` (negative when overdue); `null` for date deadlines.
    pub hours_left: Option<i64>,
    /// The last day to tell the subject of an extension (the one-month due date), while the
    /// request is open and not extended.
    pub extension_notice_by: Option<NaiveDate>,
    pub extension_notice_days_left: Option<i64>,
    /// The most urgent alert of the deadline and the extension-notice date.
    pub alert: Option<Alert>,
    /// True when the deadline, or the extension-notice date, is overdue or within the window.
    pub attention: bool,
}

/// Every open or extended request with its deadline, days left and alert, soonest first.
pub fn deadlines(register: &Register, today: NaiveDate, within: i64) -> Vec<DeadlineRow> {
    let mut rows: Vec<DeadlineRow> = register
        .requests
        .iter()
        .filter(|r| matches!(r.status, RequestStatus::Open | RequestStatus::Extended))
        .map(|r| {
            let days_left = (r.deadline - today).num_days();
            let notice_by = (r.status == RequestStatus::Open).then_some(r.due);
            let notice_days = notice_by.map(|d| (d - today).num_days());
            // The extension-notice date equals the deadline of an open request, so the alert
            // of the sooner of the two dates is the one to show.
            let soonest = notice_days.map_or(days_left, |n| n.min(days_left));
            DeadlineRow {
                id: r.id.0.clone(),
                kind: kind_name(r.kind).to_owned(),
                subject: r.subject.clone(),
                received: r.received,
                deadline: r.deadline,
                status: status_name(r.status).to_owned(),
                days_left,
                due_at: None,
                hours_left: None,
                extension_notice_by: notice_by,
                extension_notice_days_left: notice_days,
                alert: alert_for(soonest),
                attention: soonest <= within,
            }
        })
        .collect();
    rows.sort_by_key(|r| (r.deadline, r.id.clone()));
    rows
}

/// How long an Art. 19 task may stay open before the cron check reports it.
pub const TASK_DAYS: u64 = 30;

/// The Art. 19 notification tasks open longer than `TASK_DAYS`: overdue rows of the cron
/// check (`recipient-notification`).
pub fn overdue_tasks(register: &Register, today: NaiveDate) -> Vec<DeadlineRow> {
    register
        .tasks
        .iter()
        .filter(|t| t.done.is_none())
        .filter_map(|t| {
            let deadline = t.created.checked_add_days(chrono::Days::new(TASK_DAYS))?;
            let days_left = (deadline - today).num_days();
            (days_left < 0).then(|| DeadlineRow {
                id: t.id.clone(),
                kind: "recipient-notification".to_owned(),
                subject: Some(t.subject.clone()),
                received: t.created,
                deadline,
                status: "open".to_owned(),
                days_left,
                due_at: None,
                hours_left: None,
                extension_notice_by: None,
                extension_notice_days_left: None,
                alert: Some(Alert::Overdue),
                attention: true,
            })
        })
        .collect()
}

/// The kebab-case name of a request kind.
pub fn kind_name(kind: RequestKind) -> &'static str {
    match kind {
        RequestKind::Access => "access",
        RequestKind::Rectification => "rectification",
        RequestKind::Erasure => "erasure",
        RequestKind::Restriction => "restriction",
        RequestKind::Portability => "portability",
        RequestKind::Objection => "objection",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alert_names_are_the_contract_s() {
        let names: Vec<String> = [
            Alert::Within7Days,
            Alert::Within3Days,
            Alert::DueToday,
            Alert::Overdue,
        ]
        .iter()
        .map(|a| {
            serde_json::to_value(a)
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
        assert_eq!(
            names,
            ["within-7-days", "within-3-days", "due-today", "overdue"]
        );
    }
}
