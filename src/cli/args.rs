//! The command line, as clap structs. No logic here: `cli::run` turns these into actions.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "rekisteri",
    version,
    about = "Keep a GDPR personal-data register in one age-encrypted file and carry out the data subjects' rights on it",
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// The register file.
    #[arg(
        short = 'f',
        long = "file",
        env = "REKISTERI_FILE",
        default_value = "register.age",
        global = true,
        help_heading = "Global options"
    )]
    pub file: PathBuf,

    /// An age identity file (AGE-SECRET-KEY-… lines, or an SSH private key) to decrypt with.
    #[arg(
        short = 'i',
        long = "identity",
        env = "REKISTERI_IDENTITY",
        global = true,
        help_heading = "Global options"
    )]
    pub identity: Vec<PathBuf>,

    /// Output format of commands that print records.
    #[arg(long, value_enum, default_value_t = Format::Table, global = true,
        help_heading = "Global options")]
    pub format: Format,

    /// Who acts; recorded in the audit trail. Defaults to $USER.
    #[arg(
        long,
        env = "REKISTERI_ACTOR",
        global = true,
        help_heading = "Global options"
    )]
    pub actor: Option<String>,

    /// The date the command treats as today (YYYY-MM-DD). Defaults to the current date in
    /// Europe/Helsinki. When given, timestamps written are that day at 12:00 UTC.
    #[arg(long, env = "REKISTERI_TODAY", global = true,
        help_heading = "Global options", value_parser = parse_date)]
    pub today: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
    /// A self-contained HTML page, for the documents people receive.
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    Csv,
    Json,
    Jsonl,
}

/// A date on the command line: `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    crate::core::validate::date(text)
        .map_err(|_| format!("`{text}` is not a date of the form YYYY-MM-DD"))
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a new age X25519 identity (mode 0600); print its public recipient on stderr.
    Keygen(KeygenArgs),
    /// Create a new register.
    Init(InitArgs),
    /// Add subjects, from flags or in bulk from CSV, JSON or JSONL.
    Add(Box<AddArgs>),
    /// Record an order, invoice, IP address, note or disclosure for a subject.
    Record(RecordArgs),
    /// Rectify a subject's data (Art. 16); the old value goes to the correction history.
    Correct(CorrectArgs),
    /// Erase a subject (Art. 17), or with --expired purge kept records that are due.
    Erase(EraseArgs),
    /// Restrict processing of a subject's data (Art. 18), or lift the restriction.
    Restrict(RestrictArgs),
    /// Record an objection: to direct marketing (Art. 21(2)), at once and for every
    /// direct-marketing purpose; or with --purpose to one purpose (Art. 21(1)).
    Object(ObjectArgs),
    /// Record consent given or withdrawn for a purpose (Art. 7).
    Consent(ConsentArgs),
    /// Replace the register's description (the notice) with a new version; the earlier one
    /// is kept with the dates it was in force.
    Describe(DescribeArgs),
    /// With SUBJECT, the access report (Art. 15) or portable copy (Art. 20); without, all
    /// subjects, for piping.
    Export(ExportArgs),
    /// Data-subject requests and their deadlines.
    #[command(subcommand)]
    Request(RequestCommand),
    /// The audit trail, its integrity, request deadlines and notification tasks.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Print the privacy notice and the Art. 30 record from the register's description:
    /// text, or --format html for a page to publish (prints on A4), or --format json.
    #[command(disable_version_flag = true)]
    Notice(NoticeArgs),
    /// The letter that answers a request, for its kind and state (Art. 12, 15-21), ready to
    /// send: text for an email body, or --format html for a page that prints on A4.
    Reply(ReplyArgs),
    /// A notice the law requires: to a recipient (Art. 19), before a restriction is lifted
    /// (Art. 18(3)), or of a breach to one subject (Art. 34).
    #[command(subcommand)]
    Letter(LetterCommand),
    /// Re-encrypt the register to a new set of recipients, or to a passphrase.
    Rekey(RekeyArgs),
    /// Print the register's JSON Schema.
    Schema,
    /// Print shell completions.
    Completions(CompletionsArgs),
    /// Print the man page (roff), or with DIR write one page per command into DIR.
    Man(ManArgs),
    /// Run the whole life of a register on the embedded example, in a temporary directory.
    Demo,
    // Retention and breaches
    /// Storage limitation (Art. 5(1)(e)): what the retention rules make due, and purging it.
    #[command(subcommand)]
    Retention(RetentionCommand),
    /// The breach register (Art. 33(5)) and its 72-hour clock.
    #[command(subcommand)]
    Breach(BreachCommand),
    /// Write a new register of made-up subjects, for benchmarks (deterministic from --seed).
    #[command(hide = true)]
    Generate(GenerateArgs),
}

#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Where to write the identity; standard output when absent.
    #[arg(short = 'o', long = "output")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// A recipient to encrypt to (age1… or an SSH public key). Repeatable.
    #[arg(short = 'r', long = "recipient")]
    pub recipient: Vec<String>,
    /// A file of recipients, one a line, `#` comments allowed. Repeatable.
    #[arg(short = 'R', long = "recipients-file")]
    pub recipients_file: Vec<PathBuf>,
    /// Encrypt to a passphrase: asked twice on the terminal, or read from
    /// REKISTERI_NEW_PASSPHRASE_FILE (or REKISTERI_PASSPHRASE_FILE). At least 12 characters,
    /// 6 of them different.
    #[arg(long, conflicts_with_all = ["recipient", "recipients_file"])]
    pub passphrase: bool,
    /// The register's description (controller, purposes, …) as JSON; see examples/twebs.json.
    #[arg(long)]
    pub metadata: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Read subjects from this file (`-` for standard input) instead of the flags.
    #[arg(long, conflicts_with_all = ["name", "company", "email", "phone", "address", "role", "ip", "source", "source_note", "source_date", "consent", "note"])]
    pub from: Option<PathBuf>,
    /// The format of --from; guessed from the file extension when absent.
    #[arg(long, value_enum, requires = "from")]
    pub input_format: Option<InputFormat>,
    /// Admit people who were erased before (they came back as new customers).
    #[arg(long)]
    pub readmit: bool,
    /// The person's name (required without --from).
    #[arg(long, required_unless_present = "from")]
    pub name: Option<String>,
    /// The company the person works for or represents.
    #[arg(long)]
    pub company: Option<String>,
    /// The email address; unique in the register, compared case-insensitively.
    #[arg(long)]
    pub email: Option<String>,
    /// The phone number; `+358 40 123 4567` and `040 123 4567` are one number.
    #[arg(long)]
    pub phone: Option<String>,
    /// The postal address.
    #[arg(long)]
    pub address: Option<String>,
    /// `consumer` (the default, the stricter rule for marketing) or `business` (a contact
    /// person reached in their work role).
    #[arg(long)]
    pub role: Option<String>,
    /// An IP address of the subject's connection. Repeatable.
    #[arg(long)]
    pub ip: Vec<String>,
    /// Where the data came from: web-form, email, phone, social-media, contract, meeting, letter, in-person, other.
    #[arg(long)]
    pub source: Option<String>,
    /// A note on the source (form id, message id, meeting).
    #[arg(long)]
    pub source_note: Option<String>,
    /// The date the data was obtained (YYYY-MM-DD); today when absent.
    #[arg(long)]
    pub source_date: Option<String>,
    /// A purpose the subject consents to. Repeatable.
    #[arg(long)]
    pub consent: Vec<String>,
    /// A staff note.
    #[arg(long)]
    pub note: Option<String>,
}

#[derive(Debug, Args)]
pub struct RecordArgs {
    /// The subject: its id, or its email address.
    pub subject: String,
    #[command(subcommand)]
    pub fact: RecordFact,
}

#[derive(Debug, Subcommand)]
pub enum RecordFact {
    /// An order, or with --change, a change to the latest order of the product.
    Order {
        /// The product or service ordered.
        #[arg(long)]
        product: String,
        /// The date of the order or change; today when absent.
        #[arg(long, value_parser = parse_date)]
        on: Option<NaiveDate>,
        /// A change to the latest order of this product.
        #[arg(long)]
        change: Option<String>,
    },
    /// An invoice.
    Invoice {
        /// The invoice number.
        #[arg(long)]
        number: String,
        /// The invoice date (YYYY-MM-DD); bookkeeping keeps it 6 years from its year's end.
        #[arg(long, value_parser = parse_date)]
        date: NaiveDate,
        /// The amount in euros, e.g. 249 or 249.50.
        #[arg(long)]
        amount: String,
    },
    /// An IP address the subject connected from.
    Ip {
        /// An IPv4 or IPv6 address.
        address: String,
    },
    /// A staff note.
    Note {
        /// The note; write what the customer relationship needs, nothing more.
        text: String,
    },
    /// A disclosure of the subject's data to a recipient (Art. 19).
    Disclosure {
        /// A recipient the description declares: its id or exact name.
        #[arg(long)]
        recipient: String,
        /// The fields disclosed, comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        fields: Vec<String>,
        /// The date of the disclosure; today when absent.
        #[arg(long, value_parser = parse_date)]
        on: Option<NaiveDate>,
    },
    /// The customer relationship ended: retention periods counted from its end start
    /// running. A later order resumes it.
    End {
        /// The day it ended; today when absent.
        #[arg(long, value_parser = parse_date)]
        on: Option<NaiveDate>,
    },
}

#[derive(Debug, Args)]
pub struct CorrectArgs {
    /// The subject: its id, or its email address.
    pub subject: String,
    /// FIELD=VALUE to set (name, company, email, phone, address, source_note, role); an empty
    /// VALUE clears an optional field. Repeatable.
    #[arg(long = "set", required = true, value_name = "FIELD=VALUE")]
    pub set: Vec<String>,
    /// Why the data is corrected.
    #[arg(long, required = true)]
    pub reason: String,
    /// The request this answers, e.g. R-0007.
    #[arg(long)]
    pub request: Option<String>,
}

#[derive(Debug, Args)]
pub struct EraseArgs {
    /// The subject: its id, or its email address.
    #[arg(required_unless_present_any = ["expired", "replay"], conflicts_with_all = ["expired", "replay"])]
    pub subject: Option<String>,
    /// Why the subject is erased (the Art. 17(1) ground); write no personal data here.
    #[arg(long, required_unless_present_any = ["expired", "replay"])]
    pub reason: Option<String>,
    /// The request this answers, e.g. R-0007.
    #[arg(long)]
    pub request: Option<String>,
    /// Purge kept records whose retain-until date has passed (for cron).
    #[arg(long, conflicts_with_all = ["reason", "request", "replay"])]
    pub expired: bool,
    /// Erase again the subjects that a restored backup brought back (listed in the erasure
    /// journal `<file>.erased`).
    #[arg(long, conflicts_with_all = ["reason", "request"])]
    pub replay: bool,
    /// With --replay: erase again without asking (it lists what it erases, and asks on a
    /// terminal).
    #[arg(long, short = 'y', requires = "replay")]
    pub yes: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Ground {
    /// (a) the accuracy of the data is contested
    Accuracy,
    /// (b) processing is unlawful and the subject opposes erasure
    Unlawful,
    /// (c) the subject needs the data for legal claims
    LegalClaims,
    /// (d) an objection is being weighed
    Objection,
}

#[derive(Debug, Args)]
pub struct RestrictArgs {
    /// The subject: its id, or its email address.
    pub subject: String,
    /// The Art. 18(1) ground.
    #[arg(
        long,
        value_enum,
        required_unless_present = "lift",
        conflicts_with = "lift"
    )]
    pub ground: Option<Ground>,
    /// Lift the restriction; needs --notified-on (Art. 18(3)).
    #[arg(long, requires = "notified_on")]
    pub lift: bool,
    /// The date the subject was told the restriction will be lifted.
    #[arg(long, value_parser = parse_date, requires = "lift")]
    pub notified_on: Option<NaiveDate>,
    /// The request this answers, e.g. R-0007.
    #[arg(long)]
    pub request: Option<String>,
}

#[derive(Debug, Args)]
pub struct ObjectArgs {
    /// The subject: its id, or its email address.
    pub subject: String,
    /// Object to this purpose only (Art. 21(1)): one resting on legitimate interests or a
    /// public task. Without it, the objection is to all direct marketing (Art. 21(2)).
    #[arg(long)]
    pub purpose: Option<String>,
    /// Record compelling legitimate grounds that override the subject's objection to
    /// --purpose (Art. 21(1)); needs --reason.
    #[arg(long, requires_all = ["purpose", "reason"], conflicts_with = "request")]
    pub r#override: bool,
    /// The grounds of an --override, written without personal data.
    #[arg(long, requires = "override")]
    pub reason: Option<String>,
    /// The request this answers, e.g. R-0007.
    #[arg(long)]
    pub request: Option<String>,
}

#[derive(Debug, Args)]
pub struct DescribeArgs {
    /// The new description as JSON (the shape of examples/twebs.json), with a new
    /// `notice_version`.
    #[arg(long)]
    pub metadata: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConsentVerb {
    Give,
    Withdraw,
}

#[derive(Debug, Args)]
pub struct ConsentArgs {
    /// The subject: its id, or its email address.
    pub subject: String,
    /// Consent given, or withdrawn (as easy as giving; not retroactive).
    #[arg(value_enum)]
    pub action: ConsentVerb,
    /// The purpose id, e.g. marketing.
    pub purpose: String,
    /// The day consent was given or withdrawn (YYYY-MM-DD); today when absent.
    #[arg(long, value_parser = parse_date)]
    pub on: Option<NaiveDate>,
    /// The channel it came through (web-form, email, phone, social-media, contract, meeting,
    /// letter, in-person, other).
    #[arg(long, default_value = "other")]
    pub channel: String,
    /// What shows it: form id, message id, contract.
    #[arg(long)]
    pub evidence: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Lang {
    Fi,
    En,
}

impl From<Lang> for crate::core::access::Lang {
    fn from(lang: Lang) -> Self {
        match lang {
            Lang::Fi => crate::core::access::Lang::Fi,
            Lang::En => crate::core::access::Lang::En,
        }
    }
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The subject: its id, or its email address. Without it, all subjects.
    pub subject: Option<String>,
    /// With SUBJECT: the Art. 20 machine-readable copy (JSON) instead of the access report.
    #[arg(long, requires = "subject")]
    pub portable: bool,
    /// The language of the access report.
    #[arg(long, value_enum, default_value_t = Lang::Fi)]
    pub lang: Lang,
    /// Include subjects whose processing is restricted (Art. 18).
    #[arg(long, conflicts_with = "subject")]
    pub include_restricted: bool,
    /// Only subjects whose data may be used for this purpose today: by its basis, their
    /// consent, objections and restriction, and for direct marketing their role.
    #[arg(long, conflicts_with = "subject")]
    pub purpose: Option<String>,
}

#[derive(Debug, Args)]
pub struct ReplyArgs {
    /// The request's id, e.g. R-0001.
    pub request: String,
    /// The language of the reply: the language of the request.
    #[arg(long, value_enum, default_value_t = Lang::Fi)]
    pub lang: Lang,
}

#[derive(Debug, Subcommand)]
pub enum LetterCommand {
    /// The Art. 19 notice to the recipient of a notification task (`audit tasks`).
    Recipient {
        /// The task's id, e.g. T-0001.
        task: String,
        /// For an erased person: the email address the recipient knows them by (checked
        /// against the erased person's keyed hash; never stored).
        #[arg(long)]
        email: Option<String>,
        /// The language of the letter.
        #[arg(long, value_enum, default_value_t = Lang::Fi)]
        lang: Lang,
    },
    /// The Art. 18(3) notice to a subject that their restriction will be lifted.
    Lift {
        /// The subject: its id, or its email address.
        subject: String,
        /// The language of the letter.
        #[arg(long, value_enum, default_value_t = Lang::Fi)]
        lang: Lang,
    },
    /// The Art. 34 notice of a breach to one of the subjects it concerns.
    Breach {
        /// The breach's id, e.g. B-0001.
        id: String,
        /// The subject to tell: its id, or its email address.
        #[arg(long)]
        subject: String,
        /// The language of the letter.
        #[arg(long, value_enum, default_value_t = Lang::Fi)]
        lang: Lang,
    },
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// How many subjects (at most 10 000 000).
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=10_000_000))]
    pub subjects: u64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// A recipient to encrypt to; the -i identities' when absent. Repeatable.
    #[arg(short = 'r', long = "recipient")]
    pub recipient: Vec<String>,
}

#[derive(Debug, Args)]
pub struct NoticeArgs {
    /// The language.
    #[arg(long, value_enum, default_value_t = Lang::Fi)]
    pub lang: Lang,
    /// Render this description file instead of the register's (no register needed).
    #[arg(long, conflicts_with = "notice_version")]
    pub metadata: Option<PathBuf>,
    /// Render an earlier version of the notice, e.g. 2025-01.
    #[arg(long = "version", value_name = "VERSION")]
    pub notice_version: Option<String>,
    /// For the description's author: list the notes on which parts are examples instead of
    /// the notice (they are never part of the published notice).
    #[arg(long)]
    pub example_notes: bool,
}

#[derive(Debug, Args)]
pub struct RekeyArgs {
    /// A recipient to encrypt to (age1… or an SSH public key). Repeatable.
    #[arg(short = 'r', long = "recipient")]
    pub recipient: Vec<String>,
    /// A file of recipients, one a line, `#` comments allowed. Repeatable.
    #[arg(short = 'R', long = "recipients-file")]
    pub recipients_file: Vec<PathBuf>,
    /// Encrypt to a new passphrase instead: asked twice on the terminal, or read from
    /// REKISTERI_NEW_PASSPHRASE_FILE (never from REKISTERI_PASSPHRASE_FILE, which holds the
    /// old one). At least 12 characters, 6 of them different, not the old passphrase.
    #[arg(long, conflicts_with_all = ["recipient", "recipients_file"])]
    pub passphrase: bool,
    /// Do not ask for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Re-encrypt even when none of the -i identities is among the new recipients (you will
    /// not be able to open the register yourself afterwards).
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write `rekisteri.1`, `rekisteri-add.1`, … into this directory (made when missing),
    /// e.g. ~/.local/share/man/man1.
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    Access,
    Rectification,
    Erasure,
    Restriction,
    Portability,
    Objection,
}

#[derive(Debug, Subcommand)]
pub enum RequestCommand {
    /// Log a data-subject request; prints its id and deadline.
    Open {
        /// What the person asks for: access (Art. 15), rectification (16), erasure (17),
        /// restriction (18), portability (20) or objection (21).
        #[arg(long, value_enum)]
        kind: Kind,
        /// The subject, once identified (id or email).
        #[arg(long)]
        subject: Option<String>,
        /// The day the request reached the controller (YYYY-MM-DD).
        #[arg(long, value_parser = parse_date)]
        received: NaiveDate,
        /// The channel it came through (email, letter, phone, web-form, social-media, in-person, …).
        #[arg(long)]
        channel: String,
        /// Who asked, when they are not (yet) a known subject: a name, an address.
        #[arg(long)]
        requester: Option<String>,
        /// How the requester's identity was checked.
        #[arg(long)]
        identity_check: Option<String>,
    },
    /// Tie an open request to the subject its requester turned out to be.
    Link {
        /// The request id, e.g. R-0001.
        id: String,
        /// The subject: its id, or its email address.
        subject: String,
    },
    /// List requests.
    List {
        /// Only open and extended requests.
        #[arg(long)]
        open: bool,
    },
    /// Show one request and what was done for it.
    Show {
        /// The request id, e.g. R-0001.
        id: String,
    },
    /// Extend a request by two months (Art. 12(3)).
    Extend {
        /// The request id, e.g. R-0001.
        id: String,
        /// Why (the request is complex, or there are many).
        #[arg(long)]
        reason: String,
        /// The date the subject was told, with reasons (on or before the one-month due date).
        #[arg(long, value_parser = parse_date)]
        notified_on: NaiveDate,
    },
    /// Close a request with its outcome.
    Close {
        /// The request id, e.g. R-0001.
        id: String,
        /// What was done, in a few words without personal data.
        #[arg(long)]
        outcome: String,
        /// A document sent to the subject in answer: its name, SHA-256, size and today's
        /// date are recorded, never its content. Repeatable.
        #[arg(long, value_name = "FILE")]
        sent: Vec<std::path::PathBuf>,
    },
    /// Refuse a request, with its written justification (Art. 12(4)-(5)).
    Refuse {
        /// The request id, e.g. R-0001.
        id: String,
        /// The written justification (Art. 12(5)): why the request is refused.
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Show the audit trail.
    Log {
        /// Only events about this subject (id or email).
        #[arg(long)]
        subject: Option<String>,
        /// Only events on or after this date.
        #[arg(long, value_parser = parse_date)]
        since: Option<NaiveDate>,
        /// Only events of this action, e.g. erase.
        #[arg(long)]
        action: Option<String>,
    },
    /// Recompute the hash chain; exit 1 when it is broken.
    Verify {
        /// A head hash recorded earlier, which the chain must still contain.
        #[arg(long)]
        expect: Option<String>,
    },
    /// Accept the register as it is now after a deliberate restore of an older copy: this
    /// machine remembers, per register, how far its audit trail had grown, and refuses every
    /// change to a register whose trail no longer contains that point (a rollback).
    AcceptRollback,
    /// The cron check of every clock: request deadlines, extension-notice dates, breach
    /// notifications (72 h) and Art. 19 tasks open longer than 30 days; exit 1 when one is
    /// overdue or within the window.
    Deadlines {
        /// The window in days.
        #[arg(long, default_value_t = 7)]
        within: i64,
        /// Print nothing when nothing needs doing.
        #[arg(long, short = 'q')]
        quiet: bool,
    },
    /// Art. 19 notification tasks owed to recipients.
    Tasks {
        /// Done tasks too.
        #[arg(long)]
        all: bool,
    },
    /// Mark a notification task done.
    TaskDone {
        /// The task id, e.g. T-0001.
        id: String,
        /// The day the recipient was told; today when absent.
        #[arg(long, value_parser = parse_date)]
        on: Option<NaiveDate>,
    },
}

// Retention and breaches

/// A moment on the command line: `YYYY-MM-DD HH:MM` in Europe/Helsinki time.
pub fn parse_helsinki_time(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    crate::core::breach::parse_helsinki(text)
}

#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// The cron check of storage limitation: what is due for purging (ids, categories, due
    /// dates; no personal data). Exit 1 when anything is due within the window; restricted
    /// subjects are listed as held.
    Check {
        /// The window in days.
        #[arg(long, default_value_t = 0)]
        within: i64,
        /// Print nothing unless something is due (held rows alone stay quiet).
        #[arg(long, short = 'q')]
        quiet: bool,
    },
    /// Purge what is due today: items past their category's period, subjects whose
    /// relationship ended longer ago than their retention (erased as `erase` does), kept
    /// bookkeeping records and erasure-guard entries past their dates. Restricted subjects
    /// are skipped.
    Apply {
        /// Do not ask for confirmation.
        #[arg(long, short = 'y')]
        yes: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Risk {
    /// Unlikely to result in a risk: no notification; give --reason.
    None,
    /// A risk: notify the authority within 72 hours.
    Risk,
    /// A high risk: notify the authority and tell each subject (Art. 34).
    High,
}

#[derive(Debug, Subcommand)]
pub enum BreachCommand {
    /// Enter a breach; prints its id and the authority deadline (72 h after --aware).
    Open {
        /// When the controller became aware: "YYYY-MM-DD HH:MM", Europe/Helsinki time.
        #[arg(long, value_parser = parse_helsinki_time)]
        aware: chrono::DateTime<chrono::Utc>,
        /// What happened, written without personal data.
        #[arg(long)]
        nature: String,
        /// The data categories concerned (the description's ids), comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        categories: Vec<String>,
        /// The subjects concerned (ids or emails), comma-separated; only ids are kept.
        #[arg(long, value_delimiter = ',')]
        subjects: Vec<String>,
        /// The approximate number of subjects concerned.
        #[arg(long)]
        approx_subjects: Option<u64>,
        /// The approximate number of records concerned.
        #[arg(long)]
        approx_records: Option<u64>,
        /// The risk to people: none (no notification), risk (the authority), high (the
        /// authority and the subjects).
        #[arg(long, value_enum)]
        risk: Risk,
        /// Why the risk is assessed so; required with --risk none.
        #[arg(long)]
        reason: Option<String>,
        /// The likely consequences.
        #[arg(long)]
        consequences: Option<String>,
        /// The measures taken or proposed so far.
        #[arg(long)]
        measures: Option<String>,
    },
    /// Record the notification of the supervisory authority (Art. 33(1)).
    NotifyAuthority {
        /// The breach id, e.g. B-0001.
        id: String,
        /// When it was made: "YYYY-MM-DD HH:MM", Europe/Helsinki time.
        #[arg(long, value_parser = parse_helsinki_time)]
        on: chrono::DateTime<chrono::Utc>,
        /// The authority's reference.
        #[arg(long)]
        reference: Option<String>,
        /// Why the notification comes after the 72 hours; required then.
        #[arg(long)]
        delay_reason: Option<String>,
    },
    /// Record the day the affected subjects were told (Art. 34).
    NotifySubjects {
        /// The breach id, e.g. B-0001.
        id: String,
        /// The day the subjects were told (YYYY-MM-DD).
        #[arg(long, value_parser = parse_date)]
        on: NaiveDate,
    },
    /// Close a breach with the measures taken.
    Close {
        /// The breach id, e.g. B-0001.
        id: String,
        /// The measures taken or proposed (Art. 33(3)(d)).
        #[arg(long)]
        measures: String,
    },
    /// List the breaches.
    List,
    /// Show one breach and its events.
    Show {
        /// The breach id, e.g. B-0001.
        id: String,
    },
}
