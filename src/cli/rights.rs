//! The rights commands: correct, erase, restrict, object, consent.

use crate::cli::args::{
    ConsentArgs, ConsentVerb, CorrectArgs, EraseArgs, Format, Global, Ground, ObjectArgs,
    RestrictArgs,
};
use crate::cli::commands::{apply, say};
use crate::cli::{Output, context, open_store, render};
use crate::core::change::{Applied, Change};
use crate::core::model::{Channel, ConsentAction, ErasureReceipt, RestrictionGround};
use crate::core::rights::correct;
use crate::error::{Error, Result};
use crate::store::keys::PassphraseSource;

fn tasks_note(tasks: usize) {
    if tasks > 0 {
        say(format_args!(
            "{tasks} recipient notification task(s) created (Art. 19): see `rekisteri audit tasks`"
        ));
    }
}

pub fn correct(
    global: &Global,
    args: CorrectArgs,
    passphrase: &dyn PassphraseSource,
) -> Result<Output> {
    let sets = args
        .set
        .iter()
        .map(|s| correct::parse_set(s))
        .collect::<Result<Vec<_>>>()?;
    let store = open_store(global, passphrase)?;
    let ctx = context(global);
    let applied = apply(
        &store,
        Change::Correct {
            subject: args.subject,
            sets,
            reason: args.reason,
            request: args.request,
        },
        &ctx,
    )?;
    if let Applied::Corrected { subject, tasks } = applied {
        say(format_args!("corrected subject {subject}"));
        tasks_note(tasks);
    }
    Ok(Output::default())
}

/// The erasure receipt in the chosen format.
pub fn receipt_text(receipt: &ErasureReceipt, format: Format) -> Result<String> {
    match format {
        Format::Json => render::json_text(receipt),
        Format::Csv => {
            let mut rows = vec![
                vec!["subject".into(), receipt.subject.0.clone()],
                vec![
                    "request".into(),
                    receipt
                        .request
                        .as_ref()
                        .map(|r| r.0.clone())
                        .unwrap_or_default(),
                ],
                vec!["date".into(), receipt.date.to_string()],
                vec!["actor".into(), receipt.actor.clone()],
                vec!["reason".into(), receipt.reason.clone()],
                vec!["erased".into(), receipt.erased.join(";")],
            ];
            for kept in &receipt.retained {
                rows.push(vec![
                    "retained".into(),
                    format!(
                        "{} ({}) basis {} until {}",
                        kept.category, kept.count, kept.basis, kept.retain_until
                    ),
                ]);
            }
            render::csv_text(&["field", "value"], rows)
        }
        Format::Table | Format::Html => {
            let mut table = render::table(&["erasure receipt", ""]);
            table.add_row(vec!["subject".into(), receipt.subject.0.clone()]);
            table.add_row(vec![
                "request".into(),
                receipt
                    .request
                    .as_ref()
                    .map(|r| r.0.clone())
                    .unwrap_or("-".into()),
            ]);
            table.add_row(vec!["date".into(), receipt.date.to_string()]);
            table.add_row(vec!["actor".into(), receipt.actor.clone()]);
            table.add_row(vec!["reason".into(), receipt.reason.clone()]);
            table.add_row(vec!["categories erased".into(), receipt.erased.join(", ")]);
            let kept = if receipt.retained.is_empty() {
                "nothing".to_owned()
            } else {
                receipt
                    .retained
                    .iter()
                    .map(|k| {
                        format!(
                            "{}: {} record(s), basis {}, until {}",
                            k.category, k.count, k.basis, k.retain_until
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            table.add_row(vec!["categories kept".into(), kept]);
            Ok(format!("{table}\n"))
        }
    }
}

pub fn erase(
    global: &Global,
    args: EraseArgs,
    passphrase: &dyn PassphraseSource,
) -> Result<Output> {
    let store = open_store(global, passphrase)?;
    let ctx = context(global);
    if args.expired {
        let applied = apply(&store, Change::PurgeExpired, &ctx)?;
        if let Applied::Purged(count) = applied {
            say(format_args!(
                "purged {count} kept record(s) past their retain-until date"
            ));
        }
        return Ok(Output::default());
    }
    if args.replay {
        return replay(&store, &ctx, args.yes, global.format);
    }
    let (Some(subject), Some(reason)) = (args.subject, args.reason) else {
        return Err(Error::Usage(
            "erase needs SUBJECT and --reason, or --expired".into(),
        ));
    };
    let applied = apply(
        &store,
        Change::Erase {
            subject,
            reason,
            request: args.request,
        },
        &ctx,
    )?;
    let Applied::Erased(receipt) = applied else {
        return Err(Error::Refused("the subject was not erased".into()));
    };
    say(format_args!("erased subject {}", receipt.subject));
    Ok(Output::text(receipt_text(&receipt, global.format)?))
}

/// `erase --replay`: lists the subjects the (checked) erasure journal says were erased and a
/// restored copy brought back, asks, and erases them again — exactly those.
fn replay(
    store: &crate::store::Store<'_>,
    ctx: &crate::core::Context,
    yes: bool,
    format: Format,
) -> Result<Output> {
    let plan = store.replay_plan()?;
    if plan.is_empty() {
        say("no subject the erasure journal lists is in the register; nothing to erase again");
        return Ok(if format == Format::Json {
            Output::text(render::json_text(&Vec::<ErasureReceipt>::new())?)
        } else {
            Output::default()
        });
    }
    say(format_args!(
        "the erasure journal lists {} subject(s) as erased that are in the register again:",
        plan.len()
    ));
    for item in &plan {
        let receipt = match &item.receipt {
            Some(receipt) => format!(
                "receipt of {}{}, categories erased: {}",
                receipt.date,
                receipt
                    .request
                    .as_ref()
                    .map(|r| format!(" for request {r}"))
                    .unwrap_or_default(),
                receipt.erased.join(", ")
            ),
            None => "no receipt in this copy of the register".to_owned(),
        };
        say(format_args!(
            "  {}  erased on {}  ({receipt})",
            item.subject, item.erased_on
        ));
    }
    let question = format!("Erase these {} subject(s) again?", plan.len());
    if !crate::cli::commands::confirm(yes, &question, "erase --replay")? {
        say("nothing changed");
        return Ok(Output::default());
    }
    let expected: Vec<crate::core::model::SubjectId> =
        plan.iter().map(|item| item.subject.clone()).collect();
    let receipts = store.replay(|register, journal| {
        let present: Vec<(crate::core::model::SubjectId, chrono::NaiveDate)> = journal
            .iter()
            .filter(|e| register.subjects.iter().any(|s| s.id == e.subject))
            .map(|e| (e.subject.clone(), e.on))
            .collect();
        let ids: Vec<&crate::core::model::SubjectId> = present.iter().map(|(id, _)| id).collect();
        if ids != expected.iter().collect::<Vec<_>>() {
            return Err(Error::Refused(
                "the register or its erasure journal changed while you confirmed; run `erase --replay` again".into(),
            ));
        }
        match crate::core::change::apply(
            register,
            Change::ReplayErasures(present),
            ctx,
            &mut crate::store::random::RandomIds,
        )? {
            Applied::Replayed(receipts) => Ok(receipts),
            _ => Ok(Vec::new()),
        }
    })?;
    say(format_args!(
        "erased again {} subject(s) that a restored backup brought back",
        receipts.len()
    ));
    if format == Format::Json {
        return Ok(Output::text(render::json_text(&receipts)?));
    }
    let mut text = String::new();
    for receipt in &receipts {
        text.push_str(&receipt_text(receipt, format)?);
    }
    Ok(Output::text(text))
}

pub fn restrict(
    global: &Global,
    args: RestrictArgs,
    passphrase: &dyn PassphraseSource,
) -> Result<Output> {
    let store = open_store(global, passphrase)?;
    let ctx = context(global);
    let change = if args.lift {
        let Some(notified_on) = args.notified_on else {
            return Err(Error::Usage(
                "--lift needs --notified-on DATE: the subject must be told first (Art. 18(3))"
                    .into(),
            ));
        };
        Change::LiftRestriction {
            subject: args.subject,
            notified_on,
            request: args.request,
        }
    } else {
        let ground = match args.ground {
            Some(Ground::Accuracy) => RestrictionGround::Accuracy,
            Some(Ground::Unlawful) => RestrictionGround::Unlawful,
            Some(Ground::LegalClaims) => RestrictionGround::LegalClaims,
            Some(Ground::Objection) => RestrictionGround::Objection,
            None => return Err(Error::Usage("restrict needs --ground or --lift".into())),
        };
        Change::Restrict {
            subject: args.subject,
            ground,
            request: args.request,
        }
    };
    match apply(&store, change, &ctx)? {
        Applied::Restricted { subject, tasks } => {
            say(format_args!("restricted subject {subject}"));
            tasks_note(tasks);
        }
        Applied::Lifted(subject) => {
            say(format_args!("lifted the restriction of subject {subject}"))
        }
        _ => {}
    }
    Ok(Output::default())
}

pub fn object(
    global: &Global,
    args: ObjectArgs,
    passphrase: &dyn PassphraseSource,
) -> Result<Output> {
    let store = open_store(global, passphrase)?;
    let ctx = context(global);
    let change = match (args.r#override, args.purpose.clone(), args.reason) {
        (true, Some(purpose), Some(reason)) => Change::OverrideObjection {
            subject: args.subject,
            purpose,
            reason,
        },
        (true, _, _) => {
            return Err(Error::Usage(
                "--override needs --purpose and --reason".into(),
            ));
        }
        (false, purpose, _) => Change::Object {
            subject: args.subject,
            purpose,
            request: args.request,
        },
    };
    match apply(&store, change, &ctx)? {
        Applied::Objected { subject, new, to } => {
            let what = match to {
                Some(purpose) => format!("`{purpose}` (Art. 21(1))"),
                None => {
                    "direct marketing, for every direct-marketing purpose (Art. 21(2))".to_owned()
                }
            };
            if new {
                say(format_args!(
                    "subject {subject} objected to {what}; it takes effect now"
                ));
            } else {
                say(format_args!(
                    "subject {subject} had already objected to {what}; nothing changed"
                ));
            }
        }
        Applied::Overridden(subject) => say(format_args!(
            "recorded grounds that override the objection of subject {subject}"
        )),
        _ => {}
    }
    Ok(Output::default())
}

pub fn channel(text: &str) -> Result<Channel> {
    Channel::parse(text.trim()).ok_or_else(|| Error::InvalidInput {
        context: "--channel".into(),
        message: format!(
            "not a known channel (one of: {})",
            Channel::ALL.map(Channel::as_str).join(", ")
        ),
    })
}

pub fn consent(
    global: &Global,
    args: ConsentArgs,
    passphrase: &dyn PassphraseSource,
) -> Result<Output> {
    let channel = channel(&args.channel)?;
    let action = match args.action {
        ConsentVerb::Give => ConsentAction::Give,
        ConsentVerb::Withdraw => ConsentAction::Withdraw,
    };
    let store = open_store(global, passphrase)?;
    let ctx = context(global);
    let purpose = args.purpose.clone();
    let applied = apply(
        &store,
        Change::Consent {
            subject: args.subject,
            action,
            purpose: args.purpose,
            on: args.on.unwrap_or(ctx.today),
            channel,
            evidence: args.evidence,
        },
        &ctx,
    )?;
    if let Applied::Consent(subject) = applied {
        let verb = match action {
            ConsentAction::Give => "gave",
            ConsentAction::Withdraw => "withdrew",
        };
        say(format_args!(
            "subject {subject} {verb} consent for `{purpose}`"
        ));
    }
    Ok(Output::default())
}
