//! Storage limitation applied (Art. 5(1)(e), LEGAL §12): what each category's retention rule
//! makes due for purging (`retention check`), and purging it (`retention apply`).
//!
//! - An item of a list field (IP addresses, notes, orders, invoices, consent records,
//!   disclosures, corrections) is due on its own date plus its category's period; it is
//!   removed from the subject (`purge-items`).
//! - A single optional field (company, email, phone, address) counts from the day the
//!   subject's data was obtained (`source.date`), and is cleared (`purge-items`).
//! - The category that holds `name` erases the whole subject when due (`erase-subject`),
//!   exactly as `erase` does: kept invoices stay until their own date, the receipt says
//!   `retention`, Art. 19 tasks are created and the erasure guard is updated.
//! - Kept bookkeeping records go the day after their retain-until date (`purge-kept`), and
//!   erasure-guard entries by the description's `erasure_guard_retention` (`purge-guard`).
//!
//! A restricted subject (Art. 18) is only stored: its rows are `held`, never purged.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::core::model::{AuditAction, DataCategory, ErasureReceipt, Register, Subject, SubjectId};
use crate::core::retention::Rule;
use crate::core::rights::erase;
use crate::core::{Context, audit};
use crate::error::Result;

/// What purging a row does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PurgeAction {
    /// Items (or single fields) of a subject past their period are removed.
    PurgeItems,
    /// The whole subject is erased, as `erase` does.
    EraseSubject,
    /// Invoices kept after an erasure are past their retain-until date.
    PurgeKept,
    /// An erasure-guard entry (keyed hashes of an erased person) is past its period.
    PurgeGuard,
}

impl PurgeAction {
    pub fn as_str(self) -> &'static str {
        match self {
            PurgeAction::PurgeItems => "purge-items",
            PurgeAction::EraseSubject => "erase-subject",
            PurgeAction::PurgeKept => "purge-kept",
            PurgeAction::PurgeGuard => "purge-guard",
        }
    }
}

/// Whether a row will be purged, or is held by a restriction (Art. 18).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DueStatus {
    Due,
    Held,
}

/// One row of `retention check`: ids, categories, counts and dates, no personal data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DueRow {
    pub subject: SubjectId,
    /// The description's category id (`erasure-guard` for the guard's entries).
    pub category: String,
    pub action: PurgeAction,
    /// The first day the items may no longer be kept (the earliest, when several).
    pub due: NaiveDate,
    /// Days from today to `due`; negative when past.
    pub days_left: i64,
    /// How many items are due by the end of the window.
    pub items: usize,
    pub status: DueStatus,
}

/// The category id rows about erasure-guard entries carry.
pub const GUARD_CATEGORY: &str = "erasure-guard";

/// The date of a timestamp in Europe/Helsinki.
fn day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&chrono_tz::Europe::Helsinki).date_naive()
}

/// The single optional fields a rule clears.
const SINGLE_FIELDS: &[&str] = &["company", "email", "phone", "address"];

/// The own dates of the items of `field`; `None` for a field no rule purges by item.
fn item_dates(subject: &Subject, field: &str) -> Option<Vec<NaiveDate>> {
    Some(match field {
        "ips" => subject.ips.iter().map(|ip| day(ip.seen)).collect(),
        "notes" => subject.notes.iter().map(|n| day(n.at)).collect(),
        "orders" => subject.orders.iter().map(order_date).collect(),
        "invoices" => subject.invoices.iter().map(|i| i.date).collect(),
        "consents" => subject.consents.iter().map(|c| day(c.at)).collect(),
        "disclosures" => subject.disclosures.iter().map(|d| d.on).collect(),
        "corrections" => subject.corrections.iter().map(|c| day(c.at)).collect(),
        "company" => single(&subject.company, subject),
        "email" => single(&subject.email, subject),
        "phone" => single(&subject.phone, subject),
        "address" => single(&subject.address, subject),
        _ => return None,
    })
}

fn single(value: &Option<String>, subject: &Subject) -> Vec<NaiveDate> {
    value.iter().map(|_| subject.source.date).collect()
}

/// An order's own date: when it was placed or last changed.
fn order_date(order: &crate::core::model::Order) -> NaiveDate {
    order
        .changes
        .iter()
        .map(|c| c.on)
        .fold(order.ordered_on, NaiveDate::max)
}

/// The categories with a rule.
fn ruled(categories: &[DataCategory]) -> impl Iterator<Item = (&DataCategory, Rule)> {
    categories
        .iter()
        .filter_map(|c| c.retention.rule().map(|rule| (c, rule)))
}

/// Every row due by `today + within`, soonest first.
pub fn due_rows(register: &Register, today: NaiveDate, within: i64) -> Vec<DueRow> {
    let horizon = today + chrono::Duration::days(within.max(0));
    let mut rows = Vec::new();
    for subject in &register.subjects {
        rows.extend(subject_rows(register, subject, today, horizon));
    }
    let billing = crate::core::rights::erase::billing_category(&register.description);
    let mut kept: BTreeMap<&SubjectId, (NaiveDate, usize)> = BTreeMap::new();
    for record in &register.retained {
        let due = record.retain_until.succ_opt().unwrap_or(NaiveDate::MAX);
        if due <= horizon {
            let entry = kept.entry(&record.subject).or_insert((due, 0));
            entry.0 = entry.0.min(due);
            entry.1 += 1;
        }
    }
    for (subject, (due, items)) in kept {
        rows.push(row(
            subject,
            &billing,
            PurgeAction::PurgeKept,
            due,
            today,
            items,
            false,
        ));
    }
    if let Some(rule) = guard_rule(register) {
        for entry in &register.erased.entries {
            if let Some(due) = rule.due(entry.on, None).filter(|d| *d <= horizon) {
                rows.push(row(
                    &entry.subject,
                    GUARD_CATEGORY,
                    PurgeAction::PurgeGuard,
                    due,
                    today,
                    1,
                    false,
                ));
            }
        }
    }
    rows.sort_by(|a, b| {
        (a.due, &a.subject, a.action, &a.category).cmp(&(b.due, &b.subject, b.action, &b.category))
    });
    rows
}

fn guard_rule(register: &Register) -> Option<Rule> {
    register
        .description
        .erasure_guard_retention
        .as_ref()
        .and_then(|r| r.rule())
}

fn row(
    subject: &SubjectId,
    category: &str,
    action: PurgeAction,
    due: NaiveDate,
    today: NaiveDate,
    items: usize,
    held: bool,
) -> DueRow {
    DueRow {
        subject: subject.clone(),
        category: category.to_owned(),
        action,
        due,
        days_left: (due - today).num_days(),
        items,
        status: if held {
            DueStatus::Held
        } else {
            DueStatus::Due
        },
    }
}

/// The rows of one subject in the register, due by `horizon`.
fn subject_rows(
    register: &Register,
    subject: &Subject,
    today: NaiveDate,
    horizon: NaiveDate,
) -> Vec<DueRow> {
    let held = subject.restriction.is_some();
    let end = subject.relationship_end;
    let mut erase_on: Option<(NaiveDate, &str)> = None;
    let mut items = Vec::new();
    for (category, rule) in ruled(&register.description.data_categories) {
        if category.fields.iter().any(|f| f == "name") {
            if let Some(due) = rule.due(subject.source.date, end).filter(|d| *d <= horizon)
                && erase_on.is_none_or(|(earliest, _)| due < earliest)
            {
                erase_on = Some((due, category.id.as_str()));
            }
            continue;
        }
        let dues: Vec<NaiveDate> = category
            .fields
            .iter()
            .filter_map(|field| item_dates(subject, field))
            .flatten()
            .filter_map(|date| rule.due(date, end))
            .filter(|due| *due <= horizon)
            .collect();
        if let Some(earliest) = dues.iter().min() {
            items.push((category.id.as_str(), *earliest, dues.len()));
        }
    }
    let mut rows = Vec::new();
    if let Some((due, category)) = erase_on {
        rows.push(row(
            &subject.id,
            category,
            PurgeAction::EraseSubject,
            due,
            today,
            1,
            held,
        ));
    }
    for (category, due, count) in items {
        // Items due no earlier than the erasure go with it.
        if erase_on.is_none_or(|(erase, _)| due < erase) {
            rows.push(row(
                &subject.id,
                category,
                PurgeAction::PurgeItems,
                due,
                today,
                count,
                held,
            ));
        }
    }
    rows
}

/// What `retention apply` did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Outcome {
    /// The rows carried out (status `due`, due today or earlier).
    pub rows: Vec<DueRow>,
    /// The receipts of the subjects erased.
    pub receipts: Vec<ErasureReceipt>,
    /// Rows held by a restriction, left as they are.
    pub held: Vec<DueRow>,
}

/// Purges everything due today or earlier, but what a restriction holds. One audit event per
/// subject; none holds a value.
pub fn apply_retention(register: &mut Register, ctx: &Context) -> Result<Outcome> {
    let (held, rows): (Vec<DueRow>, Vec<DueRow>) = due_rows(register, ctx.today, 0)
        .into_iter()
        .filter(|r| r.due <= ctx.today)
        .partition(|r| r.status == DueStatus::Held);
    let mut outcome = Outcome {
        rows: Vec::new(),
        receipts: Vec::new(),
        held,
    };
    // Whole subjects first: their items go with them.
    for r in rows
        .iter()
        .filter(|r| r.action == PurgeAction::EraseSubject)
    {
        outcome.receipts.push(erase::erase_for_retention(
            register,
            &r.subject,
            &r.category,
            r.due,
            ctx,
        )?);
    }
    let erased: Vec<&SubjectId> = outcome.receipts.iter().map(|r| &r.subject).collect();
    let items: BTreeSet<SubjectId> = rows
        .iter()
        .filter(|r| r.action == PurgeAction::PurgeItems && !erased.contains(&&r.subject))
        .map(|r| r.subject.clone())
        .collect();
    let rules: Vec<(Vec<String>, Rule)> = ruled(&register.description.data_categories)
        .filter(|(c, _)| !c.fields.iter().any(|f| f == "name"))
        .map(|(c, rule)| (c.fields.clone(), rule))
        .collect();
    for id in &items {
        let Some(subject) = register.subjects.iter_mut().find(|s| &s.id == id) else {
            continue;
        };
        let mut fields: Vec<String> = Vec::new();
        for (category_fields, rule) in &rules {
            for field in category_fields {
                if purge_field(subject, field, rule, ctx.today) > 0 && !fields.contains(field) {
                    fields.push(field.clone());
                }
            }
        }
        if !fields.is_empty() {
            subject.updated = ctx.now;
            audit::append(
                &mut register.audit,
                ctx,
                audit::Entry::new(AuditAction::RetentionPurge)
                    .subject(id)
                    .fields(fields),
            );
        }
    }
    // What is left of erased people: kept records and guard entries, one event per subject.
    let mut leftovers: BTreeMap<SubjectId, Vec<&'static str>> = BTreeMap::new();
    for subject in erase::purge_retained(register, ctx.today) {
        leftovers
            .entry(subject)
            .or_default()
            .push("retained_invoices");
    }
    if let Some(rule) = guard_rule(register) {
        register.erased.entries.retain(|entry| {
            let due = rule.due(entry.on, None).is_some_and(|d| d <= ctx.today);
            if due {
                leftovers
                    .entry(entry.subject.clone())
                    .or_default()
                    .push("erasure_guard");
            }
            !due
        });
    }
    for (subject, fields) in &leftovers {
        audit::append(
            &mut register.audit,
            ctx,
            audit::Entry::new(AuditAction::RetentionPurge)
                .subject(subject)
                .fields(fields.iter().copied()),
        );
    }
    outcome.rows = rows;
    Ok(outcome)
}

/// Removes the items of `field` due by `today` under `rule`; returns how many.
fn purge_field(subject: &mut Subject, field: &str, rule: &Rule, today: NaiveDate) -> usize {
    let end = subject.relationship_end;
    let due = |date: NaiveDate| rule.due(date, end).is_some_and(|d| d <= today);
    fn keep<T>(items: &mut Vec<T>, is_due: impl Fn(&T) -> bool) -> usize {
        let before = items.len();
        items.retain(|item| !is_due(item));
        before - items.len()
    }
    let collected = subject.source.date;
    match field {
        "ips" => keep(&mut subject.ips, |ip| due(day(ip.seen))),
        "notes" => keep(&mut subject.notes, |n| due(day(n.at))),
        "orders" => keep(&mut subject.orders, |o| due(order_date(o))),
        "invoices" => keep(&mut subject.invoices, |i| due(i.date)),
        // The latest record of a purpose has the latest date, so it is never purged while an
        // earlier one stays: what a purpose's consent is does not change but by going away.
        "consents" => keep(&mut subject.consents, |c| due(day(c.at))),
        "disclosures" => keep(&mut subject.disclosures, |d| due(d.on)),
        "corrections" => keep(&mut subject.corrections, |c| due(day(c.at))),
        single if SINGLE_FIELDS.contains(&single) => {
            let value = match single {
                "company" => &mut subject.company,
                "email" => &mut subject.email,
                "phone" => &mut subject.phone,
                _ => &mut subject.address,
            };
            if value.is_none() || !due(collected) {
                return 0;
            }
            *value = None;
            // The old values of the field go with it.
            subject.corrections.retain(|c| c.field != single);
            1
        }
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::change::{Change, apply};
    use crate::core::model::{Description, Encryption};
    use crate::core::retention::{Period, Retention, RetentionFrom};
    use crate::core::rights::correct::parse_set;
    use crate::core::subjects::{Batch, NewSubject};
    use crate::core::{SequentialIds, format};
    use chrono::TimeZone;

    fn ctx(y: i32, m: u32, d: u32) -> Context {
        Context {
            actor: "tester".into(),
            now: Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap(),
            today: NaiveDate::from_ymd_opt(y, m, d).unwrap(),
        }
    }

    /// The example description with `contact` and `consents` kept one year from collection.
    fn register(ids: &mut SequentialIds) -> Register {
        let mut description: Description =
            serde_json::from_str(include_str!("../../examples/twebs.json")).unwrap();
        for category in &mut description.data_categories {
            if category.id == "contact" || category.id == "consents" {
                category.retention =
                    Retention::rule_only(Period::parse("P1Y").ok(), RetentionFrom::Collected);
            }
        }
        let encryption = Encryption {
            recipients: vec!["age1example".into()],
            passphrase: false,
        };
        format::new_register(description, encryption, &ctx(2025, 1, 10), ids)
    }

    #[test]
    fn single_fields_go_with_their_old_values_and_a_consent_never_comes_back() {
        let mut ids = SequentialIds::default();
        let mut register = register(&mut ids);
        let new = NewSubject {
            name: Some("Single Fields".into()),
            email: Some("old@example.fi".into()),
            phone: Some("+358401234567".into()),
            source_date: Some("2025-01-10".into()),
            consent: crate::core::subjects::OneOrMany::One("marketing".into()),
            ..NewSubject::default()
        };
        let batch = Batch {
            rows: vec![("row".into(), new)],
            readmit: false,
        };
        apply(
            &mut register,
            Change::Add(batch),
            &ctx(2025, 1, 10),
            &mut ids,
        )
        .unwrap();
        let id = register.subjects[0].id.clone();
        let correct = Change::Correct {
            subject: id.0.clone(),
            sets: vec![parse_set("email=new@example.fi").unwrap()],
            reason: "moved".into(),
            request: None,
        };
        apply(&mut register, correct, &ctx(2025, 2, 1), &mut ids).unwrap();
        let withdraw = Change::Consent {
            subject: id.0.clone(),
            action: crate::core::model::ConsentAction::Withdraw,
            purpose: "marketing".into(),
            on: NaiveDate::from_ymd_opt(2025, 6, 1).unwrap(),
            channel: crate::core::model::Channel::Email,
            evidence: None,
        };
        apply(&mut register, withdraw, &ctx(2025, 6, 1), &mut ids).unwrap();

        // 2026-01-10: the contact fields (collected 2025-01-10) and the first consent record.
        let rows = due_rows(&register, NaiveDate::from_ymd_opt(2026, 1, 10).unwrap(), 0);
        assert_eq!(rows.len(), 2, "{rows:?}");
        let events = register.audit.len();
        let outcome = apply_retention(&mut register, &ctx(2026, 1, 10)).unwrap();
        assert_eq!(outcome.rows.len(), 2);
        assert_eq!(
            register.audit.len(),
            events + 1,
            "one event for the subject"
        );
        let subject = &register.subjects[0];
        assert_eq!((&subject.email, &subject.phone), (&None, &None));
        assert!(subject.corrections.iter().all(|c| c.field != "email"));
        let text = serde_json::to_string(&register).unwrap();
        assert!(!text.contains("old@example.fi") && !text.contains("new@example.fi"));
        // The withdrawal stays: the consent it ended does not come back.
        assert_eq!(subject.consents.len(), 1);
        assert!(!crate::core::lawful::has_consent(subject, "marketing"));
        let event = register.audit.last().unwrap();
        assert_eq!(event.action, AuditAction::RetentionPurge);
        assert_eq!(event.fields, ["email", "phone", "consents"]);
    }
}
