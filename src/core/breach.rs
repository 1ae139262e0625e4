//! The breach register and its clocks (Art. 33, Art. 34; LEGAL §13). Every personal-data
//! breach is documented: when the controller became aware, what happened, the categories of
//! data, the subjects (by id) and their approximate number, the risk, the notifications and
//! the measures. The supervisory authority's deadline is exactly 72 hours after the moment of
//! awareness — real hours, so across a change of daylight-saving time too — shown in
//! Europe/Helsinki time. Nothing here reads a clock: `Context` brings `now` and `today`.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Europe::Helsinki;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::core::model::{AuditAction, Register, SubjectId};
use crate::core::requests::{Alert, DeadlineRow, alert_for};
use crate::core::{Context, audit, select, validate};
use crate::error::{Error, Result};

/// Hours from awareness to the authority deadline (Art. 33(1)).
pub const AUTHORITY_HOURS: i64 = 72;

/// How likely the breach is to harm people (Art. 33(1), Art. 34(1)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum BreachRisk {
    /// Unlikely to result in a risk: no notification is needed; the reason is recorded.
    None,
    /// A risk: the authority is notified within 72 hours.
    Risk,
    /// A high risk: the authority is notified and each affected subject is told (Art. 34).
    High,
}

impl BreachRisk {
    pub fn as_str(self) -> &'static str {
        match self {
            BreachRisk::None => "none",
            BreachRisk::Risk => "risk",
            BreachRisk::High => "high",
        }
    }
}

/// One breach of the register (Art. 33(5)). Subject ids, categories and counts only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Breach {
    /// `B-0001`, `B-0002`, …
    pub id: String,
    /// The moment the controller became aware of the breach.
    pub aware: DateTime<Utc>,
    /// What happened, written without personal data.
    pub nature: String,
    /// The data categories concerned (the description's category ids).
    pub categories: Vec<String>,
    /// The subjects concerned, by their random ids, where known.
    pub subjects: Vec<SubjectId>,
    /// The approximate number of subjects concerned.
    pub approx_subjects: Option<u64>,
    /// The approximate number of records concerned.
    pub approx_records: Option<u64>,
    pub risk: BreachRisk,
    /// Why the risk was assessed so; required when the risk is `none` (why no notification
    /// is needed).
    pub risk_reason: Option<String>,
    /// The likely consequences.
    pub consequences: Option<String>,
    /// The measures taken or proposed, in the order recorded.
    pub measures: Vec<BreachMeasure>,
    /// The notification of the supervisory authority, once made.
    pub authority_notified: Option<AuthorityNotification>,
    /// The day the affected subjects were told (Art. 34).
    pub subjects_notified: Option<NaiveDate>,
    /// The day the breach was closed.
    pub closed: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorityNotification {
    pub at: DateTime<Utc>,
    /// The authority's reference for the notification.
    pub reference: Option<String>,
    /// Why the notification came after the 72 hours (Art. 33(1)).
    pub delay_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BreachMeasure {
    pub on: NaiveDate,
    pub text: String,
}

impl Breach {
    /// Exactly 72 hours after awareness.
    pub fn authority_deadline(&self) -> DateTime<Utc> {
        self.aware + Duration::hours(AUTHORITY_HOURS)
    }

    /// Whether the authority is still owed a notification.
    pub fn authority_owed(&self) -> bool {
        self.risk != BreachRisk::None && self.authority_notified.is_none() && self.closed.is_none()
    }

    /// Whether the subjects are still owed a notification (Art. 34: high risk).
    pub fn subjects_owed(&self) -> bool {
        self.risk == BreachRisk::High && self.subjects_notified.is_none() && self.closed.is_none()
    }

    pub fn status(&self) -> &'static str {
        if self.closed.is_some() {
            "closed"
        } else {
            "open"
        }
    }
}

/// A moment in Europe/Helsinki time with its offset, e.g. `2026-03-30T11:00:00+03:00`.
pub fn helsinki(at: DateTime<Utc>) -> DateTime<FixedOffset> {
    at.with_timezone(&Helsinki).fixed_offset()
}

/// Reads `YYYY-MM-DD HH:MM` as Europe/Helsinki local time. A time the clocks skip (the hour
/// from 03:00 on the last Sunday of March) does not exist and is refused; a time that occurs
/// twice (the hour from 03:00 on the last Sunday of October) is read as the first, summer
/// time, so the 72 hours are never counted from later than the moment meant.
pub fn parse_helsinki(text: &str) -> std::result::Result<DateTime<Utc>, String> {
    let naive = NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M").map_err(|_| {
        format!(
            "`{}` is not a time of the form \"YYYY-MM-DD HH:MM\"",
            text.trim()
        )
    })?;
    match Helsinki.from_local_datetime(&naive) {
        chrono::LocalResult::Single(at) => Ok(at.with_timezone(&Utc)),
        chrono::LocalResult::Ambiguous(first, _) => Ok(first.with_timezone(&Utc)),
        chrono::LocalResult::None => Err(format!(
            "{} does not exist in Europe/Helsinki: the clocks moved forward an hour then; give the time after the change (e.g. one hour later)",
            naive.format("%Y-%m-%d %H:%M")
        )),
    }
}

/// A breach as entered.
#[derive(Debug, Clone)]
pub struct NewBreach {
    pub aware: DateTime<Utc>,
    pub nature: String,
    pub categories: Vec<String>,
    /// Selectors (ids or emails) of the subjects concerned.
    pub subjects: Vec<String>,
    pub approx_subjects: Option<u64>,
    pub approx_records: Option<u64>,
    pub risk: BreachRisk,
    pub risk_reason: Option<String>,
    pub consequences: Option<String>,
    pub measures: Option<String>,
}

fn optional_text(value: Option<String>, flag: &str, field: &str) -> Result<Option<String>> {
    match value {
        Some(text) if !text.trim().is_empty() => Ok(Some(
            validate::text(&text, true).map_err(|e| Error::field(flag, field, e))?,
        )),
        _ => Ok(None),
    }
}

fn event(register: &mut Register, ctx: &Context, action: AuditAction, id: &str, field: &str) {
    let mut fields = vec![format!("breach:{id}")];
    if !field.is_empty() {
        fields.push(field.to_owned());
    }
    audit::append(
        &mut register.audit,
        ctx,
        audit::Entry::new(action).fields(fields),
    );
}

/// Enters a breach in the register; returns it.
pub fn open_breach(register: &mut Register, new: NewBreach, ctx: &Context) -> Result<Breach> {
    if helsinki(new.aware).date_naive() > ctx.today {
        return Err(Error::Refused(
            "--aware is after today: a breach is entered once the controller is aware of it".into(),
        ));
    }
    let nature =
        validate::text(&new.nature, true).map_err(|e| Error::field("--nature", "nature", e))?;
    let known: Vec<&str> = register
        .description
        .data_categories
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    let mut categories: Vec<String> = Vec::new();
    for category in &new.categories {
        let category = category.trim();
        if category.is_empty() {
            continue;
        }
        if !known.contains(&category) {
            return Err(Error::InvalidInput {
                context: "--categories".into(),
                message: format!(
                    "`{category}` is not one of the description's data categories ({})",
                    known.join(", ")
                ),
            });
        }
        if !categories.iter().any(|c| c == category) {
            categories.push(category.to_owned());
        }
    }
    if categories.is_empty() {
        return Err(Error::field(
            "--categories",
            "categories",
            validate::Invalid::Empty,
        ));
    }
    let mut subjects: Vec<SubjectId> = Vec::new();
    for selector in new.subjects.iter().filter(|s| !s.trim().is_empty()) {
        let id = select::subject(register, selector)?.id.clone();
        if !subjects.contains(&id) {
            subjects.push(id);
        }
    }
    let risk_reason = optional_text(new.risk_reason, "--reason", "risk_reason")?;
    if new.risk == BreachRisk::None && risk_reason.is_none() {
        return Err(Error::Usage(
            "--risk none records why no notification is needed: give --reason".into(),
        ));
    }
    let consequences = optional_text(new.consequences, "--consequences", "consequences")?;
    let measures = optional_text(new.measures, "--measures", "measures")?
        .map(|text| BreachMeasure {
            on: ctx.today,
            text,
        })
        .into_iter()
        .collect();
    let id = format!("B-{:04}", register.breaches.len() + 1);
    let breach = Breach {
        id: id.clone(),
        aware: new.aware,
        nature,
        categories,
        subjects,
        approx_subjects: new.approx_subjects,
        approx_records: new.approx_records,
        risk: new.risk,
        risk_reason,
        consequences,
        measures,
        authority_notified: None,
        subjects_notified: None,
        closed: None,
    };
    register.breaches.push(breach.clone());
    event(register, ctx, AuditAction::BreachOpen, &id, "");
    Ok(breach)
}

/// `B-0007`, `b-7` and `7` → the index of breach `B-0007`.
pub fn breach_index(register: &Register, id: &str) -> Result<usize> {
    let trimmed = id.trim();
    let digits = trimmed
        .strip_prefix("B-")
        .or_else(|| trimmed.strip_prefix("b-"))
        .unwrap_or(trimmed);
    let wanted = digits
        .parse::<u32>()
        .ok()
        .map(|n| format!("B-{n:04}"))
        .ok_or_else(|| Error::NoSuchBreach(trimmed.to_owned()))?;
    register
        .breaches
        .iter()
        .position(|b| b.id == wanted)
        .ok_or_else(|| Error::NoSuchBreach(trimmed.to_owned()))
}

fn open_index(register: &Register, id: &str) -> Result<usize> {
    let index = breach_index(register, id)?;
    let breach = &register.breaches[index];
    if breach.closed.is_some() {
        return Err(Error::Refused(format!("breach {} is closed", breach.id)));
    }
    Ok(index)
}

/// Records the notification of the supervisory authority at `at`. After the 72 hours it
/// needs the reasons for the delay (Art. 33(1)).
pub fn notify_authority(
    register: &mut Register,
    id: &str,
    at: DateTime<Utc>,
    reference: Option<String>,
    delay_reason: Option<String>,
    ctx: &Context,
) -> Result<Breach> {
    let index = open_index(register, id)?;
    let reference = optional_text(reference, "--reference", "reference")?;
    let delay_reason = optional_text(delay_reason, "--delay-reason", "delay_reason")?;
    let breach = &mut register.breaches[index];
    if breach.authority_notified.is_some() {
        return Err(Error::Refused(format!(
            "breach {}: the authority was notified already",
            breach.id
        )));
    }
    if at < breach.aware || helsinki(at).date_naive() > ctx.today {
        return Err(Error::Refused(format!(
            "breach {}: --on must lie between the moment of awareness ({}) and today",
            breach.id,
            helsinki(breach.aware).format("%Y-%m-%d %H:%M")
        )));
    }
    let deadline = breach.authority_deadline();
    if at > deadline && delay_reason.is_none() {
        return Err(Error::BreachNotificationLate {
            id: breach.id.clone(),
            deadline: helsinki(deadline).to_rfc3339(),
        });
    }
    breach.authority_notified = Some(AuthorityNotification {
        at,
        reference,
        delay_reason,
    });
    let breach = breach.clone();
    event(
        register,
        ctx,
        AuditAction::BreachNotifyAuthority,
        &breach.id,
        "authority_notified",
    );
    Ok(breach)
}

/// Records the day the affected subjects were told (Art. 34).
pub fn notify_subjects(
    register: &mut Register,
    id: &str,
    on: NaiveDate,
    ctx: &Context,
) -> Result<Breach> {
    let index = open_index(register, id)?;
    let breach = &mut register.breaches[index];
    if breach.subjects_notified.is_some() {
        return Err(Error::Refused(format!(
            "breach {}: the subjects were told already",
            breach.id
        )));
    }
    if on < helsinki(breach.aware).date_naive() || on > ctx.today {
        return Err(Error::Refused(format!(
            "breach {}: --on must lie between the day of awareness and today",
            breach.id
        )));
    }
    breach.subjects_notified = Some(on);
    let breach = breach.clone();
    event(
        register,
        ctx,
        AuditAction::BreachNotifySubjects,
        &breach.id,
        "subjects_notified",
    );
    Ok(breach)
}

/// Closes a breach with the measures taken. Refused while a notification is owed.
pub fn close_breach(
    register: &mut Register,
    id: &str,
    measures: &str,
    ctx: &Context,
) -> Result<Breach> {
    let index = open_index(register, id)?;
    let measures =
        validate::text(measures, true).map_err(|e| Error::field("--measures", "measures", e))?;
    let breach = &mut register.breaches[index];
    if breach.authority_owed() {
        return Err(Error::Refused(format!(
            "breach {}: notify the authority first (`rekisteri breach notify-authority {}`)",
            breach.id, breach.id
        )));
    }
    if breach.subjects_owed() {
        return Err(Error::Refused(format!(
            "breach {}: the risk is high, so the subjects are told first (`rekisteri breach notify-subjects {}`)",
            breach.id, breach.id
        )));
    }
    breach.measures.push(BreachMeasure {
        on: ctx.today,
        text: measures,
    });
    breach.closed = Some(ctx.today);
    let breach = breach.clone();
    event(
        register,
        ctx,
        AuditAction::BreachClose,
        &breach.id,
        "closed",
    );
    Ok(breach)
}

/// The cron rows of open breaches: the authority's 72 hours (`breach-notification`) and,
/// for a high risk, the subjects' notification (`breach-subjects-notification`, held to the
/// same moment: Art. 34 says "without undue delay").
pub fn deadline_rows(register: &Register, ctx: &Context, within: i64) -> Vec<DeadlineRow> {
    let mut rows = Vec::new();
    for breach in &register.breaches {
        let owed = [
            (breach.authority_owed(), "breach-notification"),
            (breach.subjects_owed(), "breach-subjects-notification"),
        ];
        for (_, kind) in owed.into_iter().filter(|(owed, _)| *owed) {
            let due_at = helsinki(breach.authority_deadline());
            let deadline = due_at.date_naive();
            let days_left = (deadline - ctx.today).num_days();
            let minutes_left = (breach.authority_deadline() - ctx.now).num_minutes();
            let hours_left = minutes_left.div_euclid(60);
            let overdue = minutes_left < 0;
            let alert = if overdue {
                Some(Alert::Overdue)
            } else {
                alert_for(days_left.max(0))
            };
            rows.push(DeadlineRow {
                id: breach.id.clone(),
                kind: kind.to_owned(),
                subject: None,
                received: helsinki(breach.aware).date_naive(),
                deadline,
                status: breach.status().to_owned(),
                days_left,
                due_at: Some(due_at),
                hours_left: Some(hours_left),
                extension_notice_by: None,
                extension_notice_days_left: None,
                alert,
                attention: overdue || days_left <= within,
            });
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deadline_is_72_real_hours_across_the_change_to_summer_time() {
        let aware = parse_helsinki("2026-03-27 10:00").unwrap();
        let breach = Breach {
            id: "B-0001".into(),
            aware,
            nature: "n".into(),
            categories: vec![],
            subjects: vec![],
            approx_subjects: None,
            approx_records: None,
            risk: BreachRisk::Risk,
            risk_reason: None,
            consequences: None,
            measures: vec![],
            authority_notified: None,
            subjects_notified: None,
            closed: None,
        };
        assert_eq!(
            helsinki(breach.authority_deadline()).to_rfc3339(),
            "2026-03-30T11:00:00+03:00"
        );
        // And back in October: 10:00 summer time + 72 h = 09:00 winter time.
        let aware = parse_helsinki("2026-10-23 10:00").unwrap();
        assert_eq!(
            helsinki(aware + Duration::hours(72)).to_rfc3339(),
            "2026-10-26T09:00:00+02:00"
        );
    }

    #[test]
    fn skipped_times_are_refused_and_repeated_ones_read_as_the_first() {
        assert!(parse_helsinki("2026-03-29 03:30").is_err());
        let repeated = parse_helsinki("2026-10-25 03:30").unwrap();
        assert_eq!(helsinki(repeated).to_rfc3339(), "2026-10-25T03:30:00+03:00");
        assert!(parse_helsinki("2026-03-27").is_err());
        assert!(parse_helsinki("2026-13-01 10:00").is_err());
    }
}
