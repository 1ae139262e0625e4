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
        global = true
    )]
    pub file: PathBuf,

    /// An age identity file (AGE-SECRET-KEY-… lines, or an SSH private key) to decrypt with.
    #[arg(
        short = 'i',
        long = "identity",
        env = "REKISTERI_IDENTITY",
        global = true
    )]
    pub identity: Vec<PathBuf>,

    /// Output format of commands that print records.
    #[arg(long, value_enum, default_value_t = Format::Table, global = true)]
    pub format: Format,

    /// Who acts; recorded in the audit trail. Defaults to $USER.
    #[arg(long, env = "REKISTERI_ACTOR", global = true)]
    pub actor: Option<String>,

    /// The date the command treats as today (YYYY-MM-DD). Defaults to the current date in
    /// Europe/Helsinki. When given, timestamps written are that day at 12:00 UTC.
    #[arg(long, env = "REKISTERI_TODAY", global = true, value_parser = parse_date)]
    pub today: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
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
    /// Export subjects: all of them, for piping.
    Export(ExportArgs),
    /// Print the register's JSON Schema.
    Schema,
    /// Print shell completions.
    Completions(CompletionsArgs),
    /// Print the man page (roff).
    Man,
    /// Run the whole life of a register on the embedded example, in a temporary directory.
    Demo,
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
    /// Encrypt to a passphrase (asked on the terminal, or REKISTERI_PASSPHRASE_FILE).
    #[arg(long, conflicts_with_all = ["recipient", "recipients_file"])]
    pub passphrase: bool,
    /// The register's description (controller, purposes, …) as JSON; see examples/twebs.json.
    #[arg(long)]
    pub metadata: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Read subjects from this file (`-` for standard input) instead of the flags.
    #[arg(long, conflicts_with_all = ["name", "company", "email", "phone", "address", "ip", "source", "source_note", "source_date", "consent", "note"])]
    pub from: Option<PathBuf>,
    /// The format of --from; guessed from the file extension when absent.
    #[arg(long, value_enum, requires = "from")]
    pub input_format: Option<InputFormat>,
    /// Admit people who were erased before (they came back as new customers).
    #[arg(long)]
    pub readmit: bool,
    #[arg(long, required_unless_present = "from")]
    pub name: Option<String>,
    #[arg(long)]
    pub company: Option<String>,
    #[arg(long)]
    pub email: Option<String>,
    #[arg(long)]
    pub phone: Option<String>,
    #[arg(long)]
    pub address: Option<String>,
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
        #[arg(long)]
        number: String,
        #[arg(long, value_parser = parse_date)]
        date: NaiveDate,
        /// The amount in euros, e.g. 249 or 249.50.
        #[arg(long)]
        amount: String,
    },
    /// An IP address the subject connected from.
    Ip { address: String },
    /// A staff note.
    Note { text: String },
    /// A disclosure of the subject's data to a recipient (Art. 19).
    Disclosure {
        #[arg(long)]
        recipient: String,
        /// The fields disclosed, comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        fields: Vec<String>,
        /// The date of the disclosure; today when absent.
        #[arg(long, value_parser = parse_date)]
        on: Option<NaiveDate>,
    },
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Include subjects whose processing is restricted (Art. 18).
    #[arg(long)]
    pub include_restricted: bool,
    /// Only subjects whose data may be used for this purpose (consent given, no objection,
    /// not restricted), e.g. `marketing`.
    #[arg(long)]
    pub purpose: Option<String>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}
