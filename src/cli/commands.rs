//! One function per command: turn the parsed arguments into a core change or query, run it
//! through the store, and render the result.

use std::io::Write;
use std::path::Path;

use age::secrecy::ExposeSecret;

use crate::cli::args::{
    Cli, Command, ExportArgs, Format, Global, InitArgs, KeygenArgs, NoticeArgs, RecordArgs,
    RecordFact, RekeyArgs,
};
use crate::cli::{
    Output, context, input, input_name, open_store, render, report, requests, rights,
};
use crate::core::change::{self, Applied, Change};
use crate::core::model::{Description, Encryption, Register};
use crate::core::record::Fact;
use crate::core::subjects::{Batch, NewSubject, OneOrMany};
use crate::core::{export, format, validate};
use crate::error::{Error, Result};
use crate::store::keys::{self, PassphraseSource};
use crate::store::random::RandomIds;
use crate::store::{Store, atomic};

/// The embedded example register description: the seed's privacy notice.
pub const EXAMPLE_METADATA: &str = include_str!("../../examples/twebs.json");

pub fn dispatch(cli: Cli, passphrase: &dyn PassphraseSource) -> Result<Output> {
    let Cli { global, command } = cli;
    if global.format == Format::Html && !is_document(&command) {
        return Err(Error::Usage(
            "--format html is for the documents people receive: `export SUBJECT`, `notice`, `reply` and `letter`".into(),
        ));
    }
    match command {
        Command::Keygen(args) => keygen(&args),
        Command::Init(args) => init(&global, &args, passphrase),
        Command::Add(args) => add(&global, *args, passphrase),
        Command::Record(args) => record(&global, args, passphrase),
        Command::Correct(args) => rights::correct(&global, args, passphrase),
        Command::Erase(args) => rights::erase(&global, args, passphrase),
        Command::Restrict(args) => rights::restrict(&global, args, passphrase),
        Command::Object(args) => rights::object(&global, args, passphrase),
        Command::Consent(args) => rights::consent(&global, args, passphrase),
        Command::Describe(args) => describe(&global, &args, passphrase),
        Command::Export(args) => export(&global, &args, passphrase),
        Command::Request(command) => requests::request(&global, command, passphrase),
        Command::Audit(command) => requests::audit(&global, command, passphrase),
        Command::Notice(args) => notice(&global, &args, passphrase),
        Command::Reply(args) => crate::cli::letters::reply(&global, &args, passphrase),
        Command::Letter(command) => crate::cli::letters::letter(&global, command, passphrase),
        Command::Rekey(args) => rekey(&global, &args, passphrase),
        Command::Schema => Ok(Output::text(schema_text())),
        Command::Completions(args) => {
            let mut out = Vec::new();
            clap_complete::generate(
                args.shell,
                &mut crate::cli::command(),
                "rekisteri",
                &mut out,
            );
            Ok(Output::text(String::from_utf8_lossy(&out).into_owned()))
        }
        Command::Man(crate::cli::args::ManArgs { dir: Some(dir) }) => {
            std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
            clap_mangen::generate_to(crate::cli::command(), &dir)
                .map_err(|e| Error::io(&dir, e))?;
            say(format_args!(
                "wrote the man pages into {}: `man rekisteri`, `man rekisteri-add`, …",
                dir.display()
            ));
            Ok(Output::default())
        }
        Command::Man(_) => {
            let mut out = Vec::new();
            clap_mangen::Man::new(crate::cli::command())
                .render(&mut out)
                .map_err(|e| Error::io("<output>", e))?;
            Ok(Output::text(String::from_utf8_lossy(&out).into_owned()))
        }
        Command::Demo => crate::cli::demo::run(&global),
        Command::Generate(args) => generate(&global, &args, passphrase),
        Command::Retention(command) => {
            crate::cli::retention::retention(&global, command, passphrase)
        }
        Command::Breach(command) => crate::cli::breach::breach(&global, command, passphrase),
    }
}

/// Whether the command prints a document a person receives (and so has an HTML form).
fn is_document(command: &Command) -> bool {
    match command {
        Command::Export(args) => args.subject.is_some() && !args.portable,
        Command::Notice(args) => !args.example_notes,
        Command::Reply(_) | Command::Letter(_) => true,
        _ => false,
    }
}

/// The register's JSON Schema, as `register.schema.json` holds it.
pub fn schema_text() -> String {
    let schema = schemars::schema_for!(Register);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

pub fn say(message: impl std::fmt::Display) {
    let _ = writeln!(std::io::stderr(), "{message}");
}

fn keygen(args: &KeygenArgs) -> Result<Output> {
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public().to_string();
    let created = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let text = zeroize::Zeroizing::new(format!(
        "# created: {created}\n# public key: {recipient}\n{}\n",
        identity.to_string().expose_secret()
    ));
    match &args.output {
        Some(path) => {
            // `keygen -o ~/.config/rekisteri/key.txt` on a fresh machine: the directories
            // are made, readable by this user only.
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
                && !parent.exists()
            {
                let mut builder = std::fs::DirBuilder::new();
                builder.recursive(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::DirBuilderExt;
                    builder.mode(0o700);
                }
                builder.create(parent).map_err(|e| Error::io(parent, e))?;
            }
            atomic::create_secret_file(path, text.as_bytes())?;
            say(format_args!("Public key: {recipient}"));
            Ok(Output::default())
        }
        None => {
            say(format_args!("Public key: {recipient}"));
            Ok(Output::text(text.to_string()))
        }
    }
}

/// Reads and checks a `--metadata` description file.
pub fn read_metadata(path: &Path) -> Result<Description> {
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::InputMissing {
            path: path.to_owned(),
        },
        _ => Error::io(path, e),
    })?;
    parse_metadata(&path.display().to_string(), &bytes)
}

/// Parses and checks a description; one written for format 1 (free-text `legal_basis`,
/// `requires_consent`) is upgraded, saying how. Warnings go to stderr.
pub fn parse_metadata(name: &str, bytes: &[u8]) -> Result<Description> {
    let not_description = |e: serde_json::Error| {
        Error::Config(format!(
            "{name}: not a register description: {}",
            format::safe_json_message(&e)
        ))
    };
    let mut value: serde_json::Value = serde_json::from_slice(bytes).map_err(not_description)?;
    let mut notes = Vec::new();
    crate::core::upgrade::description_1_to_2(&mut value, &mut notes)
        .map_err(|reason| Error::Config(format!("{name}: {reason}")))?;
    crate::core::retention::description_retention(&mut value, &mut notes)
        .map_err(|reason| Error::Config(format!("{name}: {reason}")))?;
    let description: Description = serde_json::from_value(value).map_err(not_description)?;
    let warnings = crate::core::describe::check_description(&description)
        .map_err(|reason| Error::Config(format!("{name}: {reason}")))?;
    for note in notes {
        say(format_args!("note: {name}: {note}"));
    }
    for warning in warnings {
        say(format_args!("warning: {name}: {warning}"));
    }
    Ok(description)
}

fn describe(
    global: &Global,
    args: &crate::cli::args::DescribeArgs,
    passphrase: &dyn PassphraseSource,
) -> Result<Output> {
    let description = read_metadata(&args.metadata)?;
    let store = open_store(global, passphrase)?;
    let ctx = context(global);
    match apply(&store, Change::Describe(Box::new(description)), &ctx)? {
        Applied::Described(crate::core::describe::Described::Replaced { from, to }) => {
            say(format_args!(
                "the description is now notice version {to}; version {from} is kept with the dates it was in force"
            ))
        }
        _ => say("the description is the one in force already; nothing changed"),
    }
    Ok(Output::default())
}

/// The recipients given by `-r` and `-R`, canonical and each once.
fn collect_recipients(given: &[String], files: &[std::path::PathBuf]) -> Result<Vec<String>> {
    let mut recipients: Vec<String> = Vec::new();
    let mut push = |r: String| {
        if !recipients.contains(&r) {
            recipients.push(r);
        }
    };
    for text in given {
        push(keys::canonical_recipient(text)?);
    }
    for path in files {
        for r in keys::read_recipients_file(path)? {
            push(r);
        }
    }
    Ok(recipients)
}

fn notice(global: &Global, args: &NoticeArgs, passphrase: &dyn PassphraseSource) -> Result<Output> {
    // The description, and the last day it was in force when it is an earlier version.
    let (description, valid_until) = match &args.metadata {
        Some(path) => (read_metadata(path)?, None),
        None => {
            let register = open_store(global, passphrase)?.open_outline()?;
            match &args.notice_version {
                Some(version) => {
                    let version = version.trim();
                    let description = crate::core::describe::description_of(&register, version)
                        .cloned()
                        .ok_or_else(|| {
                            let mut known: Vec<&str> = register
                                .notices
                                .iter()
                                .map(|n| n.description.notice_version.as_str())
                                .collect();
                            known.push(&register.description.notice_version);
                            Error::NoSuchNoticeVersion {
                                known: known.join(", "),
                            }
                        })?;
                    let valid_until = if register.description.notice_version == version {
                        None
                    } else {
                        register
                            .notices
                            .iter()
                            .rev()
                            .find(|n| n.description.notice_version == version)
                            .map(|n| n.valid_until)
                    };
                    (description, valid_until)
                }
                None => (register.description, None),
            }
        }
    };
    let lang = args.lang.into();
    if args.example_notes {
        return Ok(Output::text(crate::core::notice::example_notes(
            &description,
            lang,
        )));
    }
    let notice = crate::core::notice::notice(&description, lang, valid_until);
    Ok(Output::text(crate::cli::notice_render::render(
        &notice,
        global.format,
    )?))
}

/// Asks `question` on the terminal; without one, refuses unless `yes` (given by `--yes`).
/// `Ok(false)` when the person answered no.
pub fn confirm(yes: bool, question: &str, command: &str) -> Result<bool> {
    use std::io::IsTerminal;
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        return Err(Error::Usage(format!(
            "{command} asks for confirmation on a terminal; give --yes to go ahead without asking"
        )));
    }
    eprint!("{question} [y/N] ");
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| Error::io("<stdin>", e))?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "kyllä" | "k"))
}

/// Refuses a recipient list longer than a header rekisteri reads back may be.
fn check_recipient_count(recipients: &[String]) -> Result<()> {
    if recipients.len() > crate::store::header::MAX_STANZAS {
        return Err(Error::Usage(format!(
            "at most {} recipients: rekisteri refuses to read a header with more",
            crate::store::header::MAX_STANZAS
        )));
    }
    Ok(())
}

fn rekey(global: &Global, args: &RekeyArgs, passphrase: &dyn PassphraseSource) -> Result<Output> {
    let store = open_store(global, passphrase)?;
    // Read once to show what changes; the write below decrypts again under the lock, so that
    // nobody waits on the lock while a person reads the confirmation.
    let opened = store.open_for_change()?;
    let old_passphrase = opened.passphrase;
    let current = opened.register.encryption;
    let new = if args.passphrase {
        Encryption {
            recipients: Vec::new(),
            passphrase: true,
        }
    } else {
        let recipients = collect_recipients(&args.recipient, &args.recipients_file)?;
        if recipients.is_empty() {
            return Err(Error::Usage(
                "rekey needs the new recipients: -r RECIPIENT, -R FILE, or --passphrase".into(),
            ));
        }
        check_recipient_count(&recipients)?;
        Encryption {
            recipients,
            passphrase: false,
        }
    };
    if !args.passphrase && !args.force {
        // Locking yourself out: none of the identities given opens the register afterwards.
        let mine: Vec<String> = store
            .identities
            .iter()
            .flat_map(|l| l.recipients.iter())
            .filter_map(|r| keys::canonical_recipient(r).ok())
            .collect();
        if !new.recipients.iter().any(|r| mine.contains(r)) {
            return Err(Error::LockOut);
        }
    }
    let change = crate::core::rekey::key_change(&current, &new);
    for r in &change.added {
        say(format_args!("+ {r}"));
    }
    for r in &change.removed {
        say(format_args!("- {r}"));
    }
    if change.passphrase_before != change.passphrase_after {
        say(if change.passphrase_after {
            "+ passphrase"
        } else {
            "- passphrase"
        });
    }
    if change.is_empty() && !args.passphrase {
        say("the register is already encrypted to exactly these recipients; nothing changed");
        return Ok(Output::default());
    }
    let question = format!("Re-encrypt {} to these recipients?", global.file.display());
    if !confirm(args.yes, &question, "rekey")? {
        say("nothing changed");
        return Ok(Output::default());
    }
    let new_passphrase = if args.passphrase {
        let new = passphrase.replacement_passphrase()?;
        keys::check_new_passphrase(&new, old_passphrase.as_ref())?;
        Some(new)
    } else {
        None
    };
    let ctx = context(global);
    store.rekey(new_passphrase, |register| {
        crate::core::rekey::rekey(register, &current, new.clone(), &ctx)
    })?;
    say(format_args!(
        "re-encrypted {}; copies made before now can still be opened with the old keys",
        global.file.display()
    ));
    Ok(Output::default())
}

fn generate(
    global: &Global,
    args: &crate::cli::args::GenerateArgs,
    passphrase: &dyn PassphraseSource,
) -> Result<Output> {
    let store = open_store(global, passphrase)?;
    let mut recipients = collect_recipients(&args.recipient, &[])?;
    if recipients.is_empty() {
        recipients = store
            .identities
            .iter()
            .flat_map(|l| l.recipients.iter().cloned())
            .collect();
    }
    if recipients.is_empty() {
        return Err(Error::Usage(
            "generate needs -r RECIPIENT or -i IDENTITY".into(),
        ));
    }
    let ctx = context(global);
    let description = parse_metadata("examples/twebs.json", EXAMPLE_METADATA.as_bytes())?;
    let mut register = format::new_register(
        description,
        Encryption {
            recipients,
            passphrase: false,
        },
        &ctx,
        &mut RandomIds,
    );
    crate::core::generate::fill(&mut register, args.subjects, args.seed, &ctx)?;
    store.create(&register, None)?;
    say(format_args!(
        "wrote {} with {} subjects",
        global.file.display(),
        args.subjects
    ));
    Ok(Output::default())
}

fn init(global: &Global, args: &InitArgs, passphrase: &dyn PassphraseSource) -> Result<Output> {
    if global.file.exists() {
        return Err(Error::Exists {
            path: global.file.clone(),
        });
    }
    if let Some(parent) = global.file.parent().filter(|p| !p.as_os_str().is_empty())
        && !parent.is_dir()
    {
        return Err(Error::DirectoryMissing {
            dir: parent.to_owned(),
        });
    }
    let description = match &args.metadata {
        Some(path) => read_metadata(path)?,
        None => parse_metadata("examples/twebs.json", EXAMPLE_METADATA.as_bytes())?,
    };
    let store = open_store(global, passphrase)?;
    let mut recipients = collect_recipients(&args.recipient, &args.recipients_file)?;
    let explicit = !args.recipient.is_empty() || !args.recipients_file.is_empty();
    if !explicit && !args.passphrase {
        for loaded in &store.identities {
            for r in &loaded.recipients {
                if !recipients.contains(r) {
                    recipients.push(r.clone());
                }
            }
        }
    }
    if !args.passphrase && recipients.is_empty() {
        return Err(Error::Usage(
            "init needs someone to encrypt to: give -r RECIPIENT, -R FILE, --passphrase, or -i IDENTITY".into(),
        ));
    }
    check_recipient_count(&recipients)?;
    let secret = if args.passphrase {
        let new = passphrase.passphrase(true)?;
        keys::check_new_passphrase(&new, None)?;
        Some(new)
    } else {
        None
    };
    let ctx = context(global);
    let register = format::new_register(
        description,
        Encryption {
            passphrase: args.passphrase,
            recipients,
        },
        &ctx,
        &mut RandomIds,
    );
    store.create(&register, secret.as_ref())?;
    if args.metadata.is_none() {
        say(
            "warning: no --metadata given: the register describes the example controller Twebs Oy; give your own description with --metadata (see examples/twebs.json)",
        );
    }
    if args.passphrase {
        say(format_args!(
            "created {}, encrypted to a passphrase",
            global.file.display()
        ));
    } else {
        say(format_args!(
            "created {}, encrypted to {} recipient(s)",
            global.file.display(),
            register.encryption.recipients.len()
        ));
    }
    Ok(Output::default())
}

fn none_if_empty(values: Vec<String>) -> OneOrMany {
    if values.is_empty() {
        OneOrMany::None
    } else {
        OneOrMany::Many(values)
    }
}

fn add(
    global: &Global,
    args: crate::cli::args::AddArgs,
    passphrase: &dyn PassphraseSource,
) -> Result<Output> {
    let rows = match &args.from {
        Some(path) => {
            let format = input::guess_format(path, args.input_format)?;
            let bytes = input::read_input(path)?;
            input::parse_rows(&input_name(path), &bytes, format)?
        }
        None => vec![(
            "--name/--email/… flags".to_owned(),
            NewSubject {
                name: args.name,
                company: args.company,
                email: args.email,
                phone: args.phone,
                address: args.address,
                role: args.role,
                ip: none_if_empty(args.ip),
                source: args.source,
                source_date: args.source_date,
                source_note: args.source_note,
                consent: none_if_empty(args.consent),
                note: args.note,
                orders: Vec::new(),
                invoices: Vec::new(),
            },
        )],
    };
    for (label, row) in &rows {
        input::check_row_bounds(label, row)?;
    }
    let count = rows.len();
    if count == 0 {
        say("the input holds no subjects; nothing was changed");
        return Ok(Output::default());
    }
    let store = open_store(global, passphrase)?;
    let ctx = context(global);
    let applied = apply(
        &store,
        Change::Add(Batch {
            rows,
            readmit: args.readmit,
        }),
        &ctx,
    )?;
    let Applied::Added(ids) = applied else {
        return Err(Error::Refused(
            "the register did not add the subjects".into(),
        ));
    };
    say(format_args!("added {count} subject(s)"));
    let stdout = match global.format {
        Format::Json => render::json_text(&ids)?,
        Format::Csv => render::csv_text(&["id"], ids.iter().map(|id| vec![id.0.clone()]))?,
        Format::Table | Format::Html => ids.iter().map(|id| format!("{id}\n")).collect(),
    };
    Ok(Output::text(stdout))
}

/// Applies one change through the store's write path.
pub fn apply(store: &Store<'_>, change: Change, ctx: &crate::core::Context) -> Result<Applied> {
    if ctx.actor == "unknown" {
        say(
            "warning: nobody is named as the actor: the audit trail records `unknown`; set --actor, REKISTERI_ACTOR or USER",
        );
    }
    let subjects = change.subjects();
    store.update_subjects(&subjects, |register| {
        change::apply(register, change.clone(), ctx, &mut RandomIds)
    })
}

fn record(global: &Global, args: RecordArgs, passphrase: &dyn PassphraseSource) -> Result<Output> {
    let ctx = context(global);
    let (fact, what) = match args.fact {
        RecordFact::Order {
            product,
            on,
            change,
        } => {
            let what = if change.is_some() {
                "order change"
            } else {
                "order"
            };
            (
                Fact::Order {
                    product,
                    on: on.unwrap_or(ctx.today),
                    change,
                },
                what,
            )
        }
        RecordFact::Invoice {
            number,
            date,
            amount,
        } => (
            Fact::Invoice {
                number,
                date,
                amount: validate::parse_amount(&amount)
                    .map_err(|e| Error::field("invoice", "amount", e))?,
            },
            "invoice",
        ),
        RecordFact::Ip { address } => (
            Fact::Ip(validate::ip(&address).map_err(|e| Error::field("ip", "address", e))?),
            "IP address",
        ),
        RecordFact::Note { text } => (Fact::Note(text), "note"),
        RecordFact::End { on } => (
            Fact::End(on.unwrap_or(ctx.today)),
            "the end of the relationship",
        ),
        RecordFact::Disclosure {
            recipient,
            fields,
            on,
        } => (
            Fact::Disclosure {
                recipient,
                fields,
                on: on.unwrap_or(ctx.today),
            },
            "disclosure",
        ),
    };
    let store = open_store(global, passphrase)?;
    let applied = apply(
        &store,
        Change::Record {
            subject: args.subject,
            fact,
        },
        &ctx,
    )?;
    if let Applied::Recorded(id) = applied {
        say(format_args!("recorded {what} for subject {id}"));
    }
    Ok(Output::default())
}

fn export(global: &Global, args: &ExportArgs, passphrase: &dyn PassphraseSource) -> Result<Output> {
    let store = open_store(global, passphrase)?;
    if let Some(selector) = &args.subject {
        let today = context(global).today;
        let lang = args.lang.into();
        let register = match store.open_subject(selector) {
            Ok(register) => register,
            // A person who was erased but whose bookkeeping records are kept is still a
            // data subject: the access report says what is kept, why and until when.
            Err(Error::NoSuchSubject(_)) if !args.portable => {
                let register = store.open_checked()?.register;
                let Some(report) =
                    crate::core::access::kept_records_report(&register, selector, lang, today)
                else {
                    return Err(Error::NoSuchSubject(selector.trim().to_owned()));
                };
                return Ok(Output::text(match global.format {
                    Format::Json | Format::Csv => {
                        report::kept_records_report(&report, lang, global.format)?
                    }
                    Format::Table | Format::Html => crate::cli::documents::render(
                        &crate::core::documents::kept_records_letter(
                            &register, report, lang, today,
                        ),
                        global.format,
                    )?,
                }));
            }
            Err(e) => return Err(e),
        };
        if args.portable {
            let copy = crate::core::portable::portable_copy(&register, selector, today)?;
            return Ok(Output::text(render::json_text(&copy)?));
        }
        if matches!(global.format, Format::Table | Format::Html) {
            let letter = crate::core::documents::access_letter(&register, selector, lang, today)?;
            return Ok(Output::text(crate::cli::documents::render(
                &letter,
                global.format,
            )?));
        }
        let report = crate::core::access::access_report(&register, selector, lang, today)?;
        return Ok(Output::text(report::access_report(
            &report,
            lang,
            global.format,
        )?));
    }
    // Every subject, but no audit event: the list needs none.
    let register = store.open_subjects()?;
    if let Some(purpose) = &args.purpose {
        export::require_purpose(&register.description, purpose, "--purpose")?;
    }
    let filter = export::Filter {
        include_restricted: args.include_restricted,
        purpose: args.purpose.clone(),
    };
    let subjects = export::select(&register, &filter);
    Ok(Output::text(render::subjects(&subjects, global.format)?))
}
