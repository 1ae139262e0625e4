//! The command-line shell around the core and the store: parse the arguments, build the
//! context (actor, today, keys), dispatch, print. The exit code is decided here, in one place.

pub mod args;
pub mod breach;
pub mod commands;
pub mod demo;
pub mod documents;
pub mod examples;
pub mod input;
pub mod letters;
pub mod notice_render;
pub mod passphrase;
pub mod render;
pub mod report;
pub mod requests;
pub mod retention;
pub mod rights;

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use chrono::{NaiveDate, NaiveTime, Utc};

use crate::core::Context;
use crate::error::{Error, Result};
use crate::store::{self, Store, keys};
use args::{Cli, Global};

/// Environment variable: how many seconds a writer waits for another's lock (default 10).
pub const LOCK_WAIT_ENV: &str = "REKISTERI_LOCK_WAIT";

/// What a command produced: text for standard output, and an exit code when it is not 0
/// without being an error (`audit deadlines` finding something due).
#[derive(Debug, Default)]
pub struct Output {
    pub stdout: String,
    pub code: u8,
}

impl Output {
    pub fn text(stdout: String) -> Output {
        Output { stdout, code: 0 }
    }
}

/// Runs the program: parse, run, print, and turn the outcome into the exit code.
pub fn main() -> ExitCode {
    // Before anything is decrypted: no core dumps, no ptrace, no death by SIGXFSZ.
    store::process::harden();
    // Failure points are armed from FAILPOINTS in test builds only.
    #[cfg(feature = "failpoints")]
    let _failpoints = fail::FailScenario::setup();
    let parsed = command()
        .try_get_matches()
        .and_then(|matches| <Cli as clap::FromArgMatches>::from_arg_matches(&matches));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(error) => return clap_exit(error),
    };
    match run(cli) {
        Ok(output) => {
            let mut stdout = std::io::stdout().lock();
            // Text from the register (or from whoever wrote it) never reaches a terminal raw:
            // escapes and bidirectional overrides are shown as `\u{…}`.
            let text = if std::io::IsTerminal::is_terminal(&stdout) {
                crate::core::validate::escape_unsafe(&output.stdout, true)
            } else {
                std::borrow::Cow::Borrowed(output.stdout.as_str())
            };
            match stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
            {
                Ok(()) => ExitCode::from(output.code),
                // A reader that went away (`| head`) is not a failure.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                Err(e) => report(&Error::io("<stdout>", e)),
            }
        }
        Err(error) => report(&error),
    }
}

/// The command line as clap knows it, with an example after every command's help.
pub fn command() -> clap::Command {
    examples::with_examples(<Cli as clap::CommandFactory>::command())
}

/// Prints `rekisteri: error: …` and the hint, and returns the error's exit code.
pub fn report(error: &Error) -> ExitCode {
    // One line each, whatever a path or a message holds: no control characters, escapes
    // or line separators reach the terminal or the cron mail.
    let message = crate::core::validate::escape_unsafe(&error.to_string(), false).into_owned();
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "rekisteri: error: {message}");
    if let Some(hint) = error.hint() {
        let hint = crate::core::validate::escape_unsafe(&hint, false).into_owned();
        let _ = writeln!(stderr, "hint: {hint}");
    }
    ExitCode::from(error.exit_code())
}

/// clap's help and version go to stdout with exit 0; its errors become one line and exit 2.
fn clap_exit(error: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match error.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = error.print();
            if error.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            }
        }
        _ => {
            let rendered = error.render().to_string();
            let first = rendered
                .lines()
                .find(|line| !line.trim().is_empty())
                .unwrap_or("invalid arguments");
            let first = first.strip_prefix("error: ").unwrap_or(first);
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "rekisteri: error: {first}");
            let _ = writeln!(
                stderr,
                "hint: see `rekisteri --help` or `rekisteri COMMAND --help`"
            );
            ExitCode::from(2)
        }
    }
}

/// The date today in Europe/Helsinki.
pub fn helsinki_today() -> NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Europe::Helsinki)
        .date_naive()
}

/// Who acts: `--actor` / `REKISTERI_ACTOR`, else `$USER`; `None` when neither is set.
pub fn known_actor(global: &Global) -> Option<String> {
    global
        .actor
        .as_deref()
        .and_then(|a| crate::core::validate::name(a).ok())
        .or_else(|| {
            std::env::var("USER")
                .ok()
                .and_then(|u| crate::core::validate::name(&u).ok())
        })
}

/// The context a command acts in. With `--today`, the clock is fixed too: timestamps are
/// that day at 12:00 UTC, so a run with the same `--today` is reproducible.
pub fn context(global: &Global) -> Context {
    let actor = known_actor(global).unwrap_or_else(|| "unknown".into());
    match global.today {
        Some(today) => Context {
            actor,
            now: today.and_time(NaiveTime::MIN).and_utc() + chrono::Duration::hours(12),
            today,
        },
        None => Context {
            actor,
            now: Utc::now(),
            today: helsinki_today(),
        },
    }
}

fn lock_wait() -> Result<Duration> {
    match std::env::var(LOCK_WAIT_ENV) {
        Ok(text) => text
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|secs| secs.is_finite() && *secs >= 0.0 && *secs <= 86_400.0)
            .map(Duration::from_secs_f64)
            .ok_or_else(|| Error::Config(format!("{LOCK_WAIT_ENV} is not a number of seconds"))),
        Err(_) => Ok(store::DEFAULT_LOCK_WAIT),
    }
}

/// The store for the register named by `-f`, with the `-i` identities loaded.
pub fn open_store<'a>(
    global: &Global,
    passphrase: &'a dyn keys::PassphraseSource,
) -> Result<Store<'a>> {
    let identities = global
        .identity
        .iter()
        .map(|path| keys::load_identity(path))
        .collect::<Result<Vec<_>>>()?;
    store::files::warn_if_directory_open(&global.file);
    Ok(Store {
        path: global.file.clone(),
        identities,
        passphrase,
        lock_wait: lock_wait()?,
        progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
        read_identity: Default::default(),
    })
}

/// Runs one parsed command line.
pub fn run(cli: Cli) -> Result<Output> {
    // An actor goes into the audit trail and is shown by `audit log`: one line of visible
    // text, or the command is refused.
    if let Some(actor) = &cli.global.actor
        && !actor.trim().is_empty()
    {
        crate::core::validate::name(actor)
            .map_err(|e| Error::field("--actor / REKISTERI_ACTOR", "actor", e))?;
    }
    let passphrase = passphrase::TerminalOrFile::from_env();
    commands::dispatch(cli, &passphrase)
}

/// A display name for an input path in messages.
pub fn input_name(path: &Path) -> String {
    if path == Path::new("-") {
        "<stdin>".into()
    } else {
        path.display().to_string()
    }
}
