//! Keys: reading identity files (age X25519 and SSH), parsing recipients, and the
//! passphrase source. Key material is read into zeroizing buffers and never printed.

use std::fs;
use std::io::{self, BufReader};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use age::secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Where the passphrase of a passphrase-encrypted register comes from. The CLI asks on the
/// terminal, or reads `REKISTERI_PASSPHRASE_FILE`; tests give it directly.
pub trait PassphraseSource {
    /// The passphrase. With `new`, for a register about to be encrypted: ask twice.
    fn passphrase(&self, new: bool) -> Result<SecretString>;

    /// A passphrase to replace the register's current one (`rekey --passphrase`): never the
    /// source the current one was read from.
    fn replacement_passphrase(&self) -> Result<SecretString> {
        self.passphrase(true)
    }
}

/// The fewest characters a new passphrase may have.
pub const MIN_PASSPHRASE_CHARS: usize = 12;
/// The fewest different characters a new passphrase may have.
pub const MIN_PASSPHRASE_DISTINCT: usize = 6;

/// Checks a new passphrase: at least `MIN_PASSPHRASE_CHARS` characters, of which
/// `MIN_PASSPHRASE_DISTINCT` different ones, and not the `old` one.
pub fn check_new_passphrase(new: &SecretString, old: Option<&SecretString>) -> Result<()> {
    let text = new.expose_secret();
    let chars = text.chars().count();
    let mut distinct: Zeroizing<Vec<char>> = Zeroizing::new(text.chars().collect());
    distinct.sort_unstable();
    distinct.dedup();
    let distinct = distinct.len();
    if text.trim().is_empty() {
        return Err(Error::Passphrase("the new passphrase is empty".into()));
    }
    if chars < MIN_PASSPHRASE_CHARS || distinct < MIN_PASSPHRASE_DISTINCT {
        return Err(Error::Passphrase(format!(
            "the new passphrase is too weak: it needs at least {MIN_PASSPHRASE_CHARS} characters, {MIN_PASSPHRASE_DISTINCT} of them different"
        )));
    }
    if old.is_some_and(|old| same_passphrase(old, new)) {
        return Err(Error::Passphrase(
            "the new passphrase is the same as the old one".into(),
        ));
    }
    Ok(())
}

/// One identity file, parsed.
pub struct LoadedIdentity {
    pub path: PathBuf,
    pub identities: Vec<Box<dyn age::Identity>>,
    /// The public recipients of these identities, as strings.
    pub recipients: Vec<String>,
}

fn read_secret_file(path: &Path) -> Result<Zeroizing<String>> {
    match fs::read(path) {
        Ok(bytes) => {
            let bytes = Zeroizing::new(bytes);
            match std::str::from_utf8(&bytes) {
                Ok(text) => Ok(Zeroizing::new(text.to_owned())),
                Err(_) => Err(Error::Config(format!(
                    "{}: not an identity file (it is not text)",
                    path.display()
                ))),
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(Error::Config(format!(
            "{}: the identity file does not exist",
            path.display()
        ))),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// Reads an identity file: `AGE-SECRET-KEY-1…` lines (with `#` comments), or an unencrypted
/// OpenSSH / PEM private key (`ssh-ed25519`, `ssh-rsa`).
pub fn load_identity(path: &Path) -> Result<LoadedIdentity> {
    let loaded = parse_identity_file(path)?;
    // Only a file that holds a key is worth the warning.
    crate::store::files::warn_if_identity_open(path);
    Ok(loaded)
}

fn parse_identity_file(path: &Path) -> Result<LoadedIdentity> {
    let text = read_secret_file(path)?;
    let bad = |why: &str| Error::Config(format!("{}: {why}", path.display()));
    if text.contains("AGE-SECRET-KEY-") {
        let mut identities: Vec<Box<dyn age::Identity>> = Vec::new();
        let mut recipients = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let identity = age::x25519::Identity::from_str(line)
                .map_err(|_| bad("a line is not a valid age identity (AGE-SECRET-KEY-1…)"))?;
            recipients.push(identity.to_public().to_string());
            identities.push(Box::new(identity));
        }
        if identities.is_empty() {
            return Err(bad("no identity in the file"));
        }
        return Ok(LoadedIdentity {
            path: path.to_owned(),
            identities,
            recipients,
        });
    }
    let identity = age::ssh::Identity::from_buffer(
        BufReader::new(text.as_bytes()),
        Some(path.display().to_string()),
    )
    .map_err(|_| bad("not an age identity file or an SSH private key"))?;
    match &identity {
        age::ssh::Identity::Unencrypted(_) => {}
        age::ssh::Identity::Encrypted(_) => {
            return Err(bad(
                "the SSH key is protected by a passphrase, which rekisteri does not ask for; use an unencrypted copy kept as safely as the key, or an age identity",
            ));
        }
        age::ssh::Identity::Unsupported(_) => {
            return Err(bad(
                "this kind of SSH key is not supported (use ssh-ed25519 or ssh-rsa)",
            ));
        }
    }
    let recipient = age::ssh::Recipient::try_from(identity.clone())
        .map_err(|_| bad("the SSH key's public half could not be read"))?;
    Ok(LoadedIdentity {
        path: path.to_owned(),
        identities: vec![Box::new(identity)],
        recipients: vec![recipient.to_string()],
    })
}

/// A recipient, from its text: `age1…`, `ssh-ed25519 AAAA…` or `ssh-rsa AAAA…`.
pub fn parse_recipient(text: &str) -> Result<Box<dyn age::Recipient + Send>> {
    let text = text.trim();
    if text.starts_with("age1")
        && let Ok(recipient) = age::x25519::Recipient::from_str(text)
    {
        return Ok(Box::new(recipient));
    }
    if text.starts_with("ssh-")
        && let Ok(recipient) = age::ssh::Recipient::from_str(text)
    {
        return Ok(Box::new(recipient));
    }
    let shown: String = text.chars().take(24).collect();
    Err(Error::Config(format!(
        "`{shown}…` is not a valid recipient (age1…, ssh-ed25519 … or ssh-rsa …)"
    )))
}

/// The canonical text of a recipient, so that the same key given twice is kept once.
pub fn canonical_recipient(text: &str) -> Result<String> {
    let text = text.trim();
    parse_recipient(text)?;
    if text.starts_with("ssh-") {
        // Keep the key type and the key, drop the comment.
        let mut parts = text.split_whitespace();
        let kind = parts.next().unwrap_or_default();
        let key = parts.next().unwrap_or_default();
        return Ok(format!("{kind} {key}"));
    }
    Ok(text.to_owned())
}

/// Reads a recipients file: one recipient a line, `#` comments and blank lines ignored.
pub fn read_recipients_file(path: &Path) -> Result<Vec<String>> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(Error::InputMissing {
                path: path.to_owned(),
            });
        }
        Err(e) => return Err(Error::io(path, e)),
    };
    let mut recipients = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        recipients.push(canonical_recipient(line).map_err(|_| {
            Error::Config(format!(
                "{} line {}: not a valid recipient",
                path.display(),
                number + 1
            ))
        })?);
    }
    Ok(recipients)
}

/// The first line of a passphrase file, without its line ending.
pub fn read_passphrase_file(path: &Path) -> Result<SecretString> {
    let text = read_secret_file(path).map_err(|e| match e {
        Error::Config(_) => Error::Config(format!(
            "{}: the passphrase file cannot be read",
            path.display()
        )),
        other => other,
    })?;
    let first = text.lines().next().unwrap_or_default();
    if first.is_empty() {
        return Err(Error::Config(format!(
            "{}: the passphrase file's first line is empty",
            path.display()
        )));
    }
    Ok(SecretString::from(first.to_owned()))
}

/// True when two passphrases are equal (for the confirmation prompt).
pub fn same_passphrase(a: &SecretString, b: &SecretString) -> bool {
    a.expose_secret() == b.expose_secret()
}
