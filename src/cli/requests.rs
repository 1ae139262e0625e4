//! The request and audit commands: logging requests and their deadlines, the cron check,
//! the audit trail and its integrity, and the Art. 19 notification tasks.

use serde::Serialize;

use crate::cli::args::{AuditCommand, Format, Global, Kind, RequestCommand};
use crate::cli::commands::{apply, say};
use crate::cli::rights::channel;
use crate::cli::{Output, context, open_store, render};
use crate::core::change::{Applied, Change};
use crate::core::model::{AuditEvent, Request, RequestKind, SentDocument};
use crate::core::requests::{self, DeadlineRow, NewRequest, status_name};
use crate::core::{audit as trail, select};
use crate::error::{Error, Result};
use crate::store::keys::PassphraseSource;

fn kind(kind: Kind) -> RequestKind {
    match kind {
        Kind::Access => RequestKind::Access,
        Kind::Rectification => RequestKind::Rectification,
        Kind::Erasure => RequestKind::Erasure,
        Kind::Restriction => RequestKind::Restriction,
        Kind::Portability => RequestKind::Portability,
        Kind::Objection => RequestKind::Objection,
    }
}

/// The kebab-case name of a serialisable enum value.
pub fn name_of<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn opt<T: ToString>(value: &Option<T>) -> String {
    value.as_ref().map(ToString::to_string).unwrap_or_default()
}

const REQUEST_HEADER: &[&str] = &[
    "id", "kind", "subject", "received", "channel", "deadline", "status", "resolved",
];

fn request_row(r: &Request) -> Vec<String> {
    vec![
        r.id.0.clone(),
        name_of(&r.kind),
        opt(&r.subject),
        r.received.to_string(),
        r.channel.as_str().to_owned(),
        r.deadline.to_string(),
        status_name(r.status).to_owned(),
        r.resolution
            .as_ref()
            .map(|x| x.on.to_string())
            .unwrap_or_default(),
    ]
}

fn requests_text(list: &[&Request], format: Format) -> Result<String> {
    match format {
        Format::Json => render::json_text(list),
        Format::Csv => render::csv_text(REQUEST_HEADER, list.iter().map(|r| request_row(r))),
        Format::Table | Format::Html => {
            let mut table = render::table(REQUEST_HEADER);
            for r in list {
                table.add_row(request_row(r));
            }
            Ok(format!("{table}\n"))
        }
    }
}

fn one_request(request: &Request, format: Format) -> Result<String> {
    match format {
        Format::Json => render::json_text(request),
        _ => requests_text(&[request], format),
    }
}

/// The fingerprint of a document sent to a subject: its file name, SHA-256 and size.
fn fingerprint(path: &std::path::Path, on: chrono::NaiveDate) -> Result<SentDocument> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let mut file = std::fs::File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::InputMissing {
            path: path.to_owned(),
        },
        _ => Error::io(path, e),
    })?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut bytes = 0u64;
    loop {
        let read = file.read(&mut buffer).map_err(|e| Error::io(path, e))?;
        if read == 0 {
            break;
        }
        bytes += read as u64;
        hasher.update(&buffer[..read]);
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    Ok(SentDocument {
        name,
        sha256: hex::encode(hasher.finalize()),
        bytes,
        on,
    })
}

/// One request in full, as `field,value` rows: the identity check, the extension, the
/// outcome and every document sent, which the one-line list leaves out.
fn request_details(r: &Request, format: Format) -> Result<String> {
    let mut rows: Vec<Vec<String>> = vec![
        vec!["id".into(), r.id.0.clone()],
        vec!["kind".into(), name_of(&r.kind)],
        vec!["subject".into(), opt(&r.subject)],
        vec!["received".into(), r.received.to_string()],
        vec!["channel".into(), r.channel.as_str().to_owned()],
        vec!["requester".into(), opt(&r.requester)],
        vec!["identity_check".into(), opt(&r.identity_check)],
        vec!["due".into(), r.due.to_string()],
        vec!["deadline".into(), r.deadline.to_string()],
        vec!["status".into(), status_name(r.status).to_owned()],
    ];
    if let Some(extension) = &r.extension {
        rows.push(vec![
            "extension_notified_on".into(),
            extension.notified_on.to_string(),
        ]);
        rows.push(vec!["extension_reason".into(), extension.reason.clone()]);
    }
    if let Some(resolution) = &r.resolution {
        let what = if r.status == crate::core::model::RequestStatus::Refused {
            "refusal_reason"
        } else {
            "outcome"
        };
        rows.push(vec!["resolved".into(), resolution.on.to_string()]);
        rows.push(vec![what.into(), resolution.text.clone()]);
    }
    for document in &r.sent {
        rows.push(vec![
            "sent".into(),
            format!(
                "{} ({} bytes, SHA-256 {}) on {}",
                document.name, document.bytes, document.sha256, document.on
            ),
        ]);
    }
    match format {
        Format::Csv => render::csv_text(&["field", "value"], rows),
        _ => {
            let mut table = render::table(&["field", "value"]);
            for row in rows {
                table.add_row(row);
            }
            Ok(format!("{table}\n"))
        }
    }
}

pub fn request(
    global: &Global,
    command: RequestCommand,
    passphrase: &dyn PassphraseSource,
) -> Result<Output> {
    let store = open_store(global, passphrase)?;
    let ctx = context(global);
    let change = match command {
        RequestCommand::List { open } => {
            // Only the requests: the subjects and events stay unparsed.
            let register = store.open_outline()?;
            let list: Vec<&Request> = register
                .requests
                .iter()
                .filter(|r| !open || r.resolution.is_none())
                .collect();
            return Ok(Output::text(requests_text(&list, global.format)?));
        }
        RequestCommand::Show { id } => {
            let register = store.open()?.register;
            let request = select::request(&register, &id)?;
            let events: Vec<&AuditEvent> = register
                .audit
                .iter()
                .filter(|e| e.request.as_ref() == Some(&request.id))
                .collect();
            return Ok(Output::text(match global.format {
                Format::Json => render::json_text(&serde_json::json!({
                    "request": request,
                    "events": events,
                }))?,
                format => {
                    let mut text = request_details(request, format)?;
                    text.push_str(&events_text(&events, format)?);
                    text
                }
            }));
        }
        RequestCommand::Open {
            kind: k,
            subject,
            received,
            channel: c,
            requester,
            identity_check,
        } => Change::OpenRequest(NewRequest {
            kind: kind(k),
            subject,
            received,
            channel: channel(&c)?,
            requester,
            identity_check,
        }),
        RequestCommand::Link { id, subject } => Change::LinkRequest { id, subject },
        RequestCommand::Extend {
            id,
            reason,
            notified_on,
        } => Change::ExtendRequest {
            id,
            reason,
            notified_on,
        },
        RequestCommand::Close { id, outcome, sent } => Change::CloseRequest {
            id,
            outcome,
            sent: sent
                .iter()
                .map(|path| fingerprint(path, ctx.today))
                .collect::<Result<Vec<_>>>()?,
        },
        RequestCommand::Refuse { id, reason } => Change::RefuseRequest { id, reason },
    };
    let (request, message) = match apply(&store, change, &ctx)? {
        Applied::Request(request) => {
            let message = format!(
                "request {} is {}; deadline {}",
                request.id,
                status_name(request.status),
                request.deadline
            );
            (request, message)
        }
        Applied::Refused { request, late } => {
            if late {
                say(format_args!(
                    "warning: the refusal of {} comes after its one-month due date {} (Art. 12(4))",
                    request.id, request.due
                ));
            }
            let message = format!(
                "request {} is refused; tell the subject the reasons and their right to complain to the supervisory authority and to seek a judicial remedy",
                request.id
            );
            (request, message)
        }
        _ => return Err(Error::Refused("the request was not changed".into())),
    };
    say(message);
    Ok(Output::text(match global.format {
        Format::Table | Format::Html => format!("{} {}\n", request.id, request.deadline),
        format => one_request(&request, format)?,
    }))
}

const EVENT_HEADER: &[&str] = &[
    "seq", "at", "actor", "action", "subject", "request", "fields",
];

pub fn events_text(events: &[&AuditEvent], format: Format) -> Result<String> {
    let row = |e: &AuditEvent| {
        vec![
            e.seq.to_string(),
            e.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            e.actor.clone(),
            name_of(&e.action),
            opt(&e.subject),
            opt(&e.request),
            e.fields.join(";"),
        ]
    };
    match format {
        Format::Json => render::json_text(events),
        Format::Csv => render::csv_text(EVENT_HEADER, events.iter().map(|e| row(e))),
        Format::Table | Format::Html => {
            let mut table = render::table(EVENT_HEADER);
            for e in events {
                table.add_row(row(e));
            }
            Ok(format!("{table}\n"))
        }
    }
}

const DEADLINE_HEADER: &[&str] = &[
    "id",
    "kind",
    "received",
    "deadline",
    "status",
    "days_left",
    "extension_notice_by",
    "alert",
    "due_at",
    "hours_left",
];

fn deadlines_text(rows: &[DeadlineRow], format: Format) -> Result<String> {
    let row = |r: &DeadlineRow| {
        vec![
            r.id.clone(),
            r.kind.clone(),
            r.received.to_string(),
            r.deadline.to_string(),
            r.status.clone(),
            r.days_left.to_string(),
            opt(&r.extension_notice_by),
            r.alert.as_ref().map(name_of).unwrap_or_default(),
            r.due_at.map(|d| d.to_rfc3339()).unwrap_or_default(),
            opt(&r.hours_left),
        ]
    };
    match format {
        Format::Json => render::json_text(rows),
        Format::Csv => render::csv_text(DEADLINE_HEADER, rows.iter().map(row)),
        Format::Table | Format::Html => {
            let mut table = render::table(DEADLINE_HEADER);
            for r in rows {
                table.add_row(row(r));
            }
            Ok(format!("{table}\n"))
        }
    }
}

pub fn audit(
    global: &Global,
    command: AuditCommand,
    passphrase: &dyn PassphraseSource,
) -> Result<Output> {
    let store = open_store(global, passphrase)?;
    let ctx = context(global);
    match command {
        AuditCommand::TaskDone { id, on } => {
            apply(
                &store,
                Change::TaskDone {
                    id: id.clone(),
                    on: on.unwrap_or(ctx.today),
                },
                &ctx,
            )?;
            say(format_args!(
                "task {} is done",
                id.trim().to_ascii_uppercase()
            ));
            Ok(Output::default())
        }
        AuditCommand::Log {
            subject,
            since,
            action,
        } => {
            let register = store.open()?.register;
            let subject = match subject {
                // An erased subject is gone from the register but not from the trail: its
                // random id still selects its events.
                Some(selector) => match select::subject(&register, &selector) {
                    Ok(subject) => Some(subject.id.clone()),
                    Err(Error::NoSuchSubject(_))
                        if !selector.contains('@')
                            && register.audit.iter().any(|e| {
                                e.subject.as_ref().is_some_and(|s| s.0 == selector.trim())
                            }) =>
                    {
                        Some(crate::core::model::SubjectId(selector.trim().to_owned()))
                    }
                    Err(e) => return Err(e),
                },
                None => None,
            };
            let events: Vec<&AuditEvent> = register
                .audit
                .iter()
                .filter(|e| subject.is_none() || e.subject == subject)
                .filter(|e| {
                    since.is_none_or(|d| {
                        e.at.with_timezone(&chrono_tz::Europe::Helsinki)
                            .date_naive()
                            >= d
                    })
                })
                .filter(|e| action.as_ref().is_none_or(|a| &name_of(&e.action) == a))
                .collect();
            Ok(Output::text(events_text(&events, global.format)?))
        }
        AuditCommand::Verify { expect } => {
            // The events, but no subject: the chain is all that is checked.
            let register = store.open_trail()?;
            trail::verify(&register.audit)
                .map_err(|(seq, reason)| Error::AuditBroken { seq, reason })?;
            let head = trail::head(&register.audit);
            if let Some(expected) = expect {
                let expected = expected.trim().to_ascii_lowercase();
                if !register.audit.iter().any(|e| e.hash == expected) {
                    return Err(Error::AuditBroken {
                        seq: register.audit.len() as u64,
                        reason:
                            "the chain does not contain the expected head: history was rewritten"
                                .into(),
                    });
                }
            }
            Ok(Output::text(match global.format {
                Format::Json => render::json_text(&serde_json::json!({
                    "events": register.audit.len(),
                    "head": head,
                }))?,
                Format::Csv => render::csv_text(
                    &["events", "head"],
                    [vec![register.audit.len().to_string(), head.to_owned()]],
                )?,
                Format::Table | Format::Html => {
                    format!("{} events, head {head}\n", register.audit.len())
                }
            }))
        }
        AuditCommand::AcceptRollback => {
            let (now, before) = store.accept_rollback()?;
            match before {
                Some(before) => say(format_args!(
                    "accepted: this machine had seen {} events (head {}); it now expects the trail from event {} (head {})",
                    before.count, before.head, now.count, now.head
                )),
                None => say(format_args!(
                    "recorded: this machine now expects the trail from event {} (head {})",
                    now.count, now.head
                )),
            }
            say("if erased people are back in this copy, run `rekisteri erase --replay` next");
            Ok(Output::default())
        }
        AuditCommand::Deadlines { within, quiet } => {
            // Requests, tasks and breaches: no subject and no event is needed.
            let register = store.open_outline()?;
            let mut rows = requests::deadlines(&register, ctx.today, within);
            rows.extend(crate::core::breach::deadline_rows(&register, &ctx, within));
            rows.extend(requests::overdue_tasks(&register, ctx.today));
            rows.sort_by(|a, b| (a.deadline, &a.id, &a.kind).cmp(&(b.deadline, &b.id, &b.kind)));
            let attention = rows.iter().filter(|r| r.attention).count();
            let code = u8::from(attention > 0);
            let open_tasks = register.tasks.iter().filter(|t| t.done.is_none()).count();
            // Quiet (cron) prints nothing only when nothing needs doing: open Art. 19 tasks
            // are said even before they are 30 days old, without the table.
            if quiet && attention == 0 && open_tasks == 0 {
                return Ok(Output::default());
            }
            if attention > 0 {
                say(format_args!(
                    "{attention} deadline(s) overdue or due within {within} day(s)"
                ));
            }
            if open_tasks > 0 {
                say(format_args!(
                    "{open_tasks} recipient notification task(s) open (Art. 19): see `rekisteri audit tasks`"
                ));
            }
            if quiet && attention == 0 {
                return Ok(Output::default());
            }
            Ok(Output {
                stdout: deadlines_text(&rows, global.format)?,
                code,
            })
        }
        AuditCommand::Tasks { all } => {
            let register = store.open()?.register;
            let tasks: Vec<_> = register
                .tasks
                .iter()
                .filter(|t| all || t.done.is_none())
                .collect();
            let header = &["id", "subject", "recipient", "cause", "created", "done"];
            let row = |t: &&crate::core::model::NotificationTask| {
                vec![
                    t.id.clone(),
                    t.subject.0.clone(),
                    t.recipient.clone(),
                    name_of(&t.cause),
                    t.created.to_string(),
                    opt(&t.done),
                ]
            };
            Ok(Output::text(match global.format {
                Format::Json => render::json_text(&tasks)?,
                Format::Csv => render::csv_text(header, tasks.iter().map(row))?,
                Format::Table | Format::Html => {
                    let mut table = render::table(header);
                    for t in &tasks {
                        table.add_row(row(t));
                    }
                    format!("{table}\n")
                }
            }))
        }
    }
}
