//! Every way a command can fail, each with its message, its recovery hint and its exit code.
//!
//! Messages name paths, rows, fields and ids — never a field's value — so that an error
//! printed into a cron mail or a terminal log carries no personal data and no secret.

use std::path::PathBuf;

use crate::core::validate::Invalid;

pub type Result<T> = std::result::Result<T, Error>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Usage(String),

    #[error("{context}: field `{field}` {reason}")]
    InvalidField {
        context: String,
        field: String,
        reason: Invalid,
    },

    #[error("{context}: {message}")]
    InvalidInput { context: String, message: String },

    #[error("{context}: the email address is already in the register (subject {existing})")]
    DuplicateEmail { context: String, existing: String },

    #[error("{context}: the email address appears again in row {first}")]
    DuplicateEmailInBatch { context: String, first: usize },

    #[error("{context}: this person was erased on {on} (subject {subject})")]
    ErasedPerson {
        context: String,
        subject: String,
        on: chrono::NaiveDate,
    },

    /// The value is not repeated: in an import row it could be anything the row held.
    #[error("{context}: not one of the register's purposes ({known})")]
    UnknownPurpose { context: String, known: String },

    #[error(
        "{context}: purpose `{purpose}` rests on {}, not on consent, so consent to it is not recorded",
        .basis.as_str()
    )]
    ConsentNotApplicable {
        context: String,
        purpose: String,
        basis: crate::core::model::Basis,
    },

    #[error(
        "purpose `{purpose}` rests on {}: Art. 21(1) gives a right to object only to processing on legitimate interests or a public task",
        .basis.as_str()
    )]
    ObjectionNotApplicable {
        purpose: String,
        basis: crate::core::model::Basis,
    },

    #[error("the recipient is not one the register's description declares (declared: {known})")]
    UndeclaredRecipient { known: String },

    #[error("the register holds no notice of that version (it holds: {known})")]
    NoSuchNoticeVersion { known: String },

    #[error("{dir}: the directory does not exist")]
    DirectoryMissing { dir: PathBuf },

    #[error("{0}")]
    Refused(String),

    #[error("{path}: the register is corrupt: {reason}")]
    Corrupt { path: PathBuf, reason: String },

    #[error(
        "{path}: the register has format version {found}, newer than this rekisteri reads ({supported})"
    )]
    FormatTooNew {
        path: PathBuf,
        found: u64,
        supported: u32,
    },

    #[error(
        "{path}: the register holds {count} subject(s) erased earlier: it looks like an old backup was put back"
    )]
    RestoredErased { path: PathBuf, count: usize },

    #[error("{path}: the register file does not exist")]
    RegisterMissing { path: PathBuf },

    #[error("{path}: no such file")]
    InputMissing { path: PathBuf },

    #[error("no subject matches {}", describe_selector(.0))]
    NoSuchSubject(String),

    #[error("{} matches {count} subjects", describe_selector(selector))]
    AmbiguousSubject { selector: String, count: usize },

    #[error("no request {}", describe_request(.0))]
    NoSuchRequest(String),

    #[error("no task {}", describe_task(.0))]
    NoSuchTask(String),

    #[error("{path}: refusing to overwrite an existing file")]
    Exists { path: PathBuf },

    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{path}: the register is locked by another process (waited {waited_secs} s)")]
    Locked { path: PathBuf, waited_secs: u64 },

    #[error("{path}: none of the given identities can decrypt the register")]
    NoMatchingIdentity { path: PathBuf },

    #[error("{path}: the passphrase does not decrypt the register")]
    WrongPassphrase { path: PathBuf },

    #[error("{path}: the register is encrypted to identities, and none was given")]
    NoIdentity { path: PathBuf },

    #[error("{0}")]
    Config(String),

    #[error("the audit trail is broken at event {seq}: {reason}")]
    AuditBroken { seq: u64, reason: String },

    // Retention and breaches
    #[error("no breach `{0}`")]
    NoSuchBreach(String),

    #[error(
        "breach {id}: the notification comes after the 72-hour deadline {deadline}, so it states the reasons for the delay (Art. 33(1))"
    )]
    BreachNotificationLate { id: String, deadline: String },

    #[error("{path}: line {line} of the erasure journal {reason}")]
    JournalLine {
        path: PathBuf,
        line: usize,
        reason: String,
    },

    #[error(
        "{path}: the register's audit trail no longer contains the last state this machine saw ({seen} events; the file has {found}): an older copy was put back"
    )]
    RolledBack {
        path: PathBuf,
        seen: u64,
        found: u64,
    },

    #[error("{path}: refusing to read the register: {reason}")]
    UnsafeHeader { path: PathBuf, reason: String },

    #[error("{path}: is {kind}, not a regular file")]
    NotAFile { path: PathBuf, kind: String },

    #[error("{path}: the register is a symbolic link")]
    RegisterLink { path: PathBuf },

    #[error("{path}: the file is {size} bytes, more than rekisteri reads ({limit})")]
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
    },

    #[error("{path}: not enough memory to read the register")]
    OutOfMemory { path: PathBuf },

    #[error("{0}")]
    Passphrase(String),

    #[error(
        "none of the identities given with -i is among the new recipients: after this rekey you could no longer open the register"
    )]
    LockOut,
}

/// A selector as shown in messages: its kind, never its value. What a user typed may be a
/// name or an address (personal data), and messages end up in logs and cron mail.
fn describe_selector(selector: &str) -> String {
    if selector.contains('@') {
        "the given email address".to_owned()
    } else {
        "the given subject id".to_owned()
    }
}

/// A request id as shown in messages: in its normal form `R-0007`, or only its kind when
/// what was typed is not one.
fn describe_request(id: &str) -> String {
    match crate::core::select::normalise_request_id(id) {
        Some(id) => format!("`{id}`"),
        None => "the given request id".to_owned(),
    }
}

/// A task id as shown in messages: `T-0001`-like ids as typed, anything else by its kind.
fn describe_task(id: &str) -> String {
    let id = id.trim();
    if !id.is_empty() && id.len() <= 16 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        format!("`{id}`")
    } else {
        "the given task id".to_owned()
    }
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub fn field(context: impl Into<String>, field: impl Into<String>, reason: Invalid) -> Error {
        Error::InvalidField {
            context: context.into(),
            field: field.into(),
            reason,
        }
    }

    /// The process exit code: sysexits where one fits (see the README's table).
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::AuditBroken { .. } => 1,
            Error::BreachNotificationLate { .. } => 65,
            Error::NoSuchBreach(_) => 67,
            Error::Usage(_) => 2,
            Error::InvalidField { .. }
            | Error::InvalidInput { .. }
            | Error::DuplicateEmail { .. }
            | Error::DuplicateEmailInBatch { .. }
            | Error::ErasedPerson { .. }
            | Error::UnknownPurpose { .. }
            | Error::ConsentNotApplicable { .. }
            | Error::ObjectionNotApplicable { .. }
            | Error::UndeclaredRecipient { .. }
            | Error::Refused(_)
            | Error::Corrupt { .. }
            | Error::RestoredErased { .. }
            | Error::FormatTooNew { .. } => 65,
            Error::RegisterMissing { .. }
            | Error::InputMissing { .. }
            | Error::DirectoryMissing { .. } => 66,
            Error::NoSuchSubject(_)
            | Error::AmbiguousSubject { .. }
            | Error::NoSuchRequest(_)
            | Error::NoSuchTask(_)
            | Error::NoSuchNoticeVersion { .. } => 67,
            Error::Exists { .. } => 73,
            Error::Io { .. } => 74,
            Error::Locked { .. } => 75,
            Error::NoMatchingIdentity { .. }
            | Error::WrongPassphrase { .. }
            | Error::NoIdentity { .. } => 77,
            Error::Config(_) => 78,
            Error::JournalLine { .. }
            | Error::RolledBack { .. }
            | Error::UnsafeHeader { .. }
            | Error::NotAFile { .. }
            | Error::TooLarge { .. }
            | Error::LockOut => 65,
            Error::OutOfMemory { .. } => 74,
            Error::RegisterLink { .. } | Error::Passphrase(_) => 78,
        }
    }

    /// What the user can do about it, where there is something.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            Error::Usage(_) => "see `rekisteri --help`".into(),
            Error::InvalidField { .. } | Error::InvalidInput { .. } => {
                "fix the input and run the command again; nothing was changed".into()
            }
            Error::DuplicateEmail { existing, .. } => format!(
                "to change that subject's data use `rekisteri correct {existing}`; nothing was changed"
            ),
            Error::DuplicateEmailInBatch { .. } => {
                "each person may appear once in an import; nothing was changed".into()
            }
            Error::ErasedPerson { .. } => {
                "if the person has come back as a new customer, add them with `rekisteri add --readmit`; nothing was changed".into()
            }
            Error::UnknownPurpose { .. } => {
                "the purposes are listed by `rekisteri notice`; nothing was changed".into()
            }
            Error::ConsentNotApplicable { purpose, basis, .. } => format!(
                "a purpose on {} applies without consent; only purposes on consent, and direct marketing (917/2014 §200), take consent; `{purpose}` is described in `rekisteri notice`; nothing was changed",
                basis.as_str()
            ),
            Error::ObjectionNotApplicable { .. } => {
                "to stop direct marketing use `rekisteri object SUBJECT` without --purpose; nothing was changed".into()
            }
            Error::DirectoryMissing { dir } => format!(
                "create it first, readable by you only: mkdir -p -m 700 {}",
                dir.display()
            ),
            Error::NoSuchNoticeVersion { .. } => {
                "give one of the versions listed; `rekisteri notice` shows the one in force".into()
            }
            Error::UndeclaredRecipient { .. } => {
                "declare the recipient in the description and put it in with `rekisteri describe --metadata FILE.json`; nothing was changed".into()
            }
            Error::Corrupt { .. } => {
                "restore the register from a backup; the file was not changed".into()
            }
            Error::FormatTooNew { .. } => {
                "upgrade rekisteri to a version that reads this format; the file was not changed"
                    .into()
            }
            Error::RestoredErased { .. } => {
                "run `rekisteri erase --replay` to erase them again before any other change".into()
            }
            Error::RegisterMissing { .. } => {
                "create one with `rekisteri init`, or point -f / REKISTERI_FILE at it".into()
            }
            Error::NoSuchSubject(_) => {
                "use a subject id or the exact email address; `rekisteri export` lists them".into()
            }
            Error::AmbiguousSubject { .. } => "use the subject id instead".into(),
            Error::NoSuchRequest(_) => "`rekisteri request list` shows the requests".into(),
            Error::NoSuchTask(_) => "`rekisteri audit tasks` lists the open tasks".into(),
            Error::Exists { .. } => "choose another path, or move the existing file away".into(),
            Error::Locked { .. } => {
                "another rekisteri is writing the register; try again in a moment".into()
            }
            Error::NoMatchingIdentity { .. } => {
                "pass the identity file the register was encrypted to with -i / REKISTERI_IDENTITY"
                    .into()
            }
            Error::WrongPassphrase { .. } => "check the passphrase and try again".into(),
            Error::NoIdentity { .. } => {
                "pass an identity file with -i or set REKISTERI_IDENTITY".into()
            }
            Error::AuditBroken { .. } => {
                "the register was edited outside rekisteri; compare it with a backup".into()
            }
            Error::NoSuchBreach(_) => "`rekisteri breach list` shows the breaches".into(),
            Error::BreachNotificationLate { id, .. } => format!(
                "give --delay-reason TEXT with `rekisteri breach notify-authority {id}`; nothing was changed"
            ),
            Error::Io { source, .. } if source.raw_os_error() == Some(27) => {
                "the file-size limit (`ulimit -f`) is smaller than the file; raise it and run the command again; the register was not changed".into()
            }
            Error::Io { .. }
            | Error::InputMissing { .. }
            | Error::Refused(_)
            | Error::Config(_) => return None,
            Error::JournalLine { .. } => {
                "the journal was changed outside rekisteri: a forged line could make `erase --replay` erase a customer who was never erased. Check the line's subject id (`rekisteri audit log --subject ID` shows whether it was erased), delete the line if it was not, and run the command again; do not restore the register from a backup, which would bring erased people back".into()
            }
            Error::RolledBack { .. } => {
                "someone with write access (a restored backup, a sync tool, a former employee's copy) put back an older register, which would bring back erased people and dropped recipients; nothing was changed. Put the latest copy back, or, if you restored this one on purpose, run `rekisteri audit accept-rollback` and then `rekisteri erase --replay`".into()
            }
            Error::UnsafeHeader { .. } => {
                "the file was not written by rekisteri (or was written with more recipients than it accepts); restore the register from a copy you trust; the file was not changed".into()
            }
            Error::NotAFile { .. } => {
                "rekisteri reads and writes regular files only; remove what is at that path (it may have been planted there) and run the command again".into()
            }
            Error::RegisterLink { .. } => {
                "every change replaces the file, which would split the link from its target: point -f at the file itself, e.g. -f \"$(readlink -f PATH)\"".into()
            }
            Error::TooLarge { .. } => {
                "this is not a register rekisteri wrote; check the path given with -f".into()
            }
            Error::OutOfMemory { .. } => {
                "free some memory, or run the command on a machine with more; the file was not changed".into()
            }
            Error::Passphrase(_) => {
                "a new passphrase is asked twice on the terminal, or read from the file REKISTERI_NEW_PASSPHRASE_FILE names; it needs at least 12 characters, 6 of them different, and must differ from the old one".into()
            }
            Error::LockOut => {
                "add your own recipient with -r (or pass the identity of one of the new recipients with -i), or give --force if someone else will open the register; nothing was changed".into()
            }
        })
    }
}
