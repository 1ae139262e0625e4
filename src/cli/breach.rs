//! `breach open|notify-authority|notify-subjects|close|list|show`: the breach register
//! (Art. 33(5)) and its clocks, with times shown in Europe/Helsinki.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Serialize;

use crate::cli::args::{BreachCommand, Format, Global, Risk};
use crate::cli::commands::{apply, say};
use crate::cli::requests::events_text;
use crate::cli::{Output, context, open_store, render};
use crate::core::breach::{self, Breach, BreachMeasure, BreachRisk, NewBreach, helsinki};
use crate::core::change::{Applied, Change};
use crate::core::model::{AuditEvent, SubjectId};
use crate::error::{Error, Result};
use crate::store::keys::PassphraseSource;

/// A breach as printed: times in Helsinki with their offset, the deadline and what is owed.
#[derive(Debug, Serialize)]
pub struct BreachView<'a> {
    pub id: &'a str,
    pub status: &'static str,
    pub aware: DateTime<FixedOffset>,
    /// Exactly 72 hours after `aware` (Art. 33(1)).
    pub authority_deadline: DateTime<FixedOffset>,
    pub risk: BreachRisk,
    pub risk_reason: Option<&'a str>,
    pub nature: &'a str,
    pub categories: &'a [String],
    pub subjects: &'a [SubjectId],
    pub approx_subjects: Option<u64>,
    pub approx_records: Option<u64>,
    pub consequences: Option<&'a str>,
    pub measures: &'a [BreachMeasure],
    pub authority_notified: Option<AuthorityView<'a>>,
    pub subjects_notified: Option<NaiveDate>,
    pub closed: Option<NaiveDate>,
    /// Whether the authority is still to be notified.
    pub authority_owed: bool,
    /// Whether the subjects are still to be told (Art. 34, high risk).
    pub subjects_owed: bool,
}

#[derive(Debug, Serialize)]
pub struct AuthorityView<'a> {
    pub at: DateTime<FixedOffset>,
    pub reference: Option<&'a str>,
    pub delay_reason: Option<&'a str>,
    /// Whether it came after the 72 hours.
    pub late: bool,
}

pub fn view(breach: &Breach) -> BreachView<'_> {
    BreachView {
        id: &breach.id,
        status: breach.status(),
        aware: helsinki(breach.aware),
        authority_deadline: helsinki(breach.authority_deadline()),
        risk: breach.risk,
        risk_reason: breach.risk_reason.as_deref(),
        nature: &breach.nature,
        categories: &breach.categories,
        subjects: &breach.subjects,
        approx_subjects: breach.approx_subjects,
        approx_records: breach.approx_records,
        consequences: breach.consequences.as_deref(),
        measures: &breach.measures,
        authority_notified: breach.authority_notified.as_ref().map(|a| AuthorityView {
            at: helsinki(a.at),
            reference: a.reference.as_deref(),
            delay_reason: a.delay_reason.as_deref(),
            late: a.at > breach.authority_deadline(),
        }),
        subjects_notified: breach.subjects_notified,
        closed: breach.closed,
        authority_owed: breach.authority_owed(),
        subjects_owed: breach.subjects_owed(),
    }
}

/// `2026-03-30 11:00`, Helsinki time, for tables.
fn local(at: DateTime<FixedOffset>) -> String {
    at.format("%Y-%m-%d %H:%M").to_string()
}

const LIST_HEADER: &[&str] = &[
    "id",
    "aware",
    "risk",
    "authority_deadline",
    "authority_notified",
    "subjects_notified",
    "status",
];

fn list_row(v: &BreachView<'_>) -> Vec<String> {
    vec![
        v.id.to_owned(),
        local(v.aware),
        v.risk.as_str().to_owned(),
        v.authority_deadline.to_rfc3339(),
        v.authority_notified
            .as_ref()
            .map(|a| local(a.at))
            .unwrap_or_else(|| if v.authority_owed { "owed" } else { "" }.to_owned()),
        v.subjects_notified
            .map(|d| d.to_string())
            .unwrap_or_else(|| if v.subjects_owed { "owed" } else { "" }.to_owned()),
        v.status.to_owned(),
    ]
}

fn list_text(views: &[BreachView<'_>], format: Format) -> Result<String> {
    match format {
        Format::Json => render::json_text(views),
        Format::Csv => render::csv_text(LIST_HEADER, views.iter().map(list_row)),
        Format::Table | Format::Html => {
            let mut table = render::table(LIST_HEADER);
            for v in views {
                table.add_row(list_row(v));
            }
            Ok(format!("{table}\n"))
        }
    }
}

/// One breach, field by field, for people.
fn detail_table(v: &BreachView<'_>) -> String {
    let mut table = render::table(&["field", "value"]);
    let mut add = |k: &str, value: String| {
        table.add_row(vec![k.to_owned(), value]);
    };
    add("id", v.id.to_owned());
    add("status", v.status.to_owned());
    add("aware", local(v.aware));
    add("authority_deadline", v.authority_deadline.to_rfc3339());
    add("risk", v.risk.as_str().to_owned());
    add("risk_reason", v.risk_reason.unwrap_or_default().to_owned());
    add("nature", v.nature.to_owned());
    add("categories", v.categories.join(", "));
    add(
        "subjects",
        v.subjects
            .iter()
            .map(|s| s.0.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    );
    add(
        "approx_subjects",
        v.approx_subjects.map(|n| n.to_string()).unwrap_or_default(),
    );
    add(
        "approx_records",
        v.approx_records.map(|n| n.to_string()).unwrap_or_default(),
    );
    add(
        "consequences",
        v.consequences.unwrap_or_default().to_owned(),
    );
    add(
        "measures",
        v.measures
            .iter()
            .map(|m| format!("{}: {}", m.on, m.text))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    add(
        "authority_notified",
        match &v.authority_notified {
            Some(a) => {
                let mut text = local(a.at);
                if let Some(reference) = a.reference {
                    text.push_str(&format!(" (reference {reference})"));
                }
                if let Some(reason) = a.delay_reason {
                    text.push_str(&format!("; late: {reason}"));
                }
                text
            }
            None if v.authority_owed => "owed".to_owned(),
            None => String::new(),
        },
    );
    add(
        "subjects_notified",
        match v.subjects_notified {
            Some(day) => day.to_string(),
            None if v.subjects_owed => "owed".to_owned(),
            None => String::new(),
        },
    );
    add(
        "closed",
        v.closed.map(|d| d.to_string()).unwrap_or_default(),
    );
    format!("{table}\n")
}

fn risk(risk: Risk) -> BreachRisk {
    match risk {
        Risk::None => BreachRisk::None,
        Risk::Risk => BreachRisk::Risk,
        Risk::High => BreachRisk::High,
    }
}

pub fn breach(
    global: &Global,
    command: BreachCommand,
    passphrase: &dyn PassphraseSource,
) -> Result<Output> {
    let store = open_store(global, passphrase)?;
    let ctx = context(global);
    let change = match command {
        BreachCommand::List => {
            let register = store.open()?.register;
            let views: Vec<BreachView<'_>> = register.breaches.iter().map(view).collect();
            return Ok(Output::text(list_text(&views, global.format)?));
        }
        BreachCommand::Show { id } => {
            let register = store.open()?.register;
            let found = &register.breaches[breach::breach_index(&register, &id)?];
            let tag = format!("breach:{}", found.id);
            let events: Vec<&AuditEvent> = register
                .audit
                .iter()
                .filter(|e| e.fields.first() == Some(&tag))
                .collect();
            let shown = view(found);
            return Ok(Output::text(match global.format {
                Format::Json => render::json_text(&serde_json::json!({
                    "breach": shown,
                    "events": events,
                }))?,
                Format::Csv => {
                    let mut text = list_text(&[shown], Format::Csv)?;
                    text.push_str(&events_text(&events, Format::Csv)?);
                    text
                }
                Format::Table | Format::Html => {
                    let mut text = detail_table(&shown);
                    text.push_str(&events_text(&events, Format::Table)?);
                    text
                }
            }));
        }
        BreachCommand::Open {
            aware,
            nature,
            categories,
            subjects,
            approx_subjects,
            approx_records,
            risk: r,
            reason,
            consequences,
            measures,
        } => Change::OpenBreach(NewBreach {
            aware,
            nature,
            categories,
            subjects,
            approx_subjects,
            approx_records,
            risk: risk(r),
            risk_reason: reason,
            consequences,
            measures,
        }),
        BreachCommand::NotifyAuthority {
            id,
            on,
            reference,
            delay_reason,
        } => Change::NotifyAuthority {
            id,
            at: on,
            reference,
            delay_reason,
        },
        BreachCommand::NotifySubjects { id, on } => Change::NotifySubjects { id, on },
        BreachCommand::Close { id, measures } => Change::CloseBreach { id, measures },
    };
    let done = match &change {
        Change::OpenBreach(_) => "",
        Change::NotifyAuthority { .. } => "the notification of the authority is recorded",
        Change::NotifySubjects { .. } => "the notification of the subjects is recorded",
        _ => "closed",
    };
    let opening = done.is_empty();
    let Applied::Breach(changed) = apply(&store, change, &ctx)? else {
        return Err(Error::Refused("the breach register was not changed".into()));
    };
    let shown = view(&changed);
    if opening {
        match changed.risk {
            BreachRisk::None => say(format_args!(
                "breach {} entered; the risk was assessed as none, so no notification is due",
                changed.id
            )),
            BreachRisk::Risk => say(format_args!(
                "breach {} entered; notify the Data Protection Ombudsman by {} (Europe/Helsinki)",
                changed.id,
                local(shown.authority_deadline)
            )),
            BreachRisk::High => say(format_args!(
                "breach {} entered; notify the Data Protection Ombudsman by {} (Europe/Helsinki), and tell each affected subject without undue delay (Art. 34)",
                changed.id,
                local(shown.authority_deadline)
            )),
        }
    } else {
        say(format_args!("breach {}: {done}", changed.id));
    }
    Ok(Output::text(match global.format {
        Format::Table | Format::Html => {
            format!("{} {}\n", changed.id, shown.authority_deadline.to_rfc3339())
        }
        Format::Json => render::json_text(&shown)?,
        Format::Csv => list_text(&[shown], Format::Csv)?,
    }))
}
