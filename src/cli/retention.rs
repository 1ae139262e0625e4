//! `retention check` and `retention apply`: storage limitation from cron (LEGAL §12).

use crate::cli::args::{Format, Global, RetentionCommand};
use crate::cli::commands::{apply, say};
use crate::cli::{Output, context, open_store, render};
use crate::core::change::{Applied, Change};
use crate::core::purge::{self, DueRow, DueStatus};
use crate::error::{Error, Result};
use crate::store::keys::PassphraseSource;

const HEADER: &[&str] = &[
    "subject",
    "category",
    "action",
    "due",
    "days_left",
    "items",
    "status",
];

fn status_name(status: DueStatus) -> &'static str {
    match status {
        DueStatus::Due => "due",
        DueStatus::Held => "held",
    }
}

fn row(r: &DueRow) -> Vec<String> {
    vec![
        r.subject.0.clone(),
        r.category.clone(),
        r.action.as_str().to_owned(),
        r.due.to_string(),
        r.days_left.to_string(),
        r.items.to_string(),
        status_name(r.status).to_owned(),
    ]
}

/// The rows in the chosen format. A table of no rows is nothing at all (cron stays quiet).
pub fn rows_text(rows: &[DueRow], format: Format) -> Result<String> {
    match format {
        Format::Json => render::json_text(rows),
        Format::Csv => render::csv_text(HEADER, rows.iter().map(row)),
        Format::Table if rows.is_empty() => Ok(String::new()),
        Format::Table | Format::Html => {
            let mut table = render::table(HEADER);
            for r in rows {
                table.add_row(row(r));
            }
            Ok(format!("{table}\n"))
        }
    }
}

pub fn retention(
    global: &Global,
    command: RetentionCommand,
    passphrase: &dyn PassphraseSource,
) -> Result<Output> {
    let store = open_store(global, passphrase)?;
    let ctx = context(global);
    match command {
        RetentionCommand::Check { within, quiet } => {
            let register = store.open_checked()?.register;
            let rows = purge::due_rows(&register, ctx.today, within);
            let due = rows.iter().filter(|r| r.status == DueStatus::Due).count();
            let held = rows.len() - due;
            if quiet && due == 0 {
                return Ok(Output::default());
            }
            if due > 0 {
                say(format_args!(
                    "{due} retention row(s) due within {within} day(s): `rekisteri retention apply` purges what is due today"
                ));
            }
            if held > 0 {
                say(format_args!(
                    "{held} row(s) held: the subject's processing is restricted (Art. 18), so nothing of it is purged"
                ));
            }
            Ok(Output {
                stdout: rows_text(&rows, global.format)?,
                code: u8::from(due > 0),
            })
        }
        RetentionCommand::Apply { yes } => {
            if !yes && !confirm(global, &store, &ctx)? {
                say("nothing was purged");
                return Ok(Output::default());
            }
            let Applied::Retention(outcome) = apply(&store, Change::ApplyRetention, &ctx)? else {
                return Err(Error::Refused("the register was not changed".into()));
            };
            let count = |action| outcome.rows.iter().filter(|r| r.action == action).count();
            let items: usize = outcome
                .rows
                .iter()
                .filter(|r| r.action == purge::PurgeAction::PurgeItems)
                .map(|r| r.items)
                .sum();
            if outcome.rows.is_empty() {
                say("nothing is due for purging");
            } else {
                say(format_args!(
                    "purged {items} item(s), erased {} subject(s), purged the kept records of {} and the erasure-guard entries of {} erased subject(s)",
                    outcome.receipts.len(),
                    count(purge::PurgeAction::PurgeKept),
                    count(purge::PurgeAction::PurgeGuard),
                ));
            }
            if !outcome.held.is_empty() {
                say(format_args!(
                    "{} row(s) held by a restriction (Art. 18) were left as they are",
                    outcome.held.len()
                ));
            }
            if !outcome.receipts.is_empty() {
                say(
                    "where an erased subject's data was disclosed, the recipients are to be told (Art. 19): see `rekisteri audit tasks`",
                );
            }
            Ok(Output::text(rows_text(&outcome.rows, global.format)?))
        }
    }
}

/// Shows what `apply` would purge and asks on a terminal; without one, `--yes` is needed.
fn confirm(
    global: &Global,
    store: &crate::store::Store<'_>,
    ctx: &crate::core::Context,
) -> Result<bool> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        return Err(Error::Usage(
            "retention apply asks for confirmation on a terminal; give --yes to purge without asking (cron)"
                .into(),
        ));
    }
    let register = store.open_checked()?.register;
    let rows: Vec<DueRow> = purge::due_rows(&register, ctx.today, 0)
        .into_iter()
        .filter(|r| r.status == DueStatus::Due)
        .collect();
    if rows.is_empty() {
        return Ok(true);
    }
    eprint!("{}", rows_text(&rows, Format::Table)?);
    eprint!(
        "Purge these from {}? This cannot be undone. [y/N] ",
        global.file.display()
    );
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| Error::io("<stdin>", e))?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "kyllä" | "k"))
}
