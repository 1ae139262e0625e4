//! The passphrase of a passphrase-encrypted register: from the file named by
//! `REKISTERI_PASSPHRASE_FILE` when set (cron, scripts), else asked on the terminal.
//! Never from argv.

use std::io::IsTerminal;
use std::path::PathBuf;

use age::secrecy::SecretString;

use crate::error::{Error, Result};
use crate::store::keys::{self, PassphraseSource};

pub const PASSPHRASE_FILE_ENV: &str = "REKISTERI_PASSPHRASE_FILE";
/// For `rekey --passphrase` without a terminal: the file holding the new passphrase.
pub const NEW_PASSPHRASE_FILE_ENV: &str = "REKISTERI_NEW_PASSPHRASE_FILE";

pub struct TerminalOrFile {
    file: Option<PathBuf>,
    new_file: Option<PathBuf>,
}

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

impl TerminalOrFile {
    pub fn from_env() -> TerminalOrFile {
        TerminalOrFile {
            file: env_path(PASSPHRASE_FILE_ENV),
            new_file: env_path(NEW_PASSPHRASE_FILE_ENV),
        }
    }
}

impl TerminalOrFile {
    fn ask(&self, new: bool, env: &str) -> Result<SecretString> {
        if !std::io::stdin().is_terminal() && !std::io::stderr().is_terminal() {
            return Err(Error::Config(format!(
                "the register needs a passphrase and there is no terminal to ask it on; set {env} to a file whose first line is the passphrase"
            )));
        }
        let ask = |prompt: &str| {
            rpassword::prompt_password(prompt)
                .map(SecretString::from)
                .map_err(|e| Error::io("/dev/tty", e))
        };
        let first = ask(if new {
            "New passphrase: "
        } else {
            "Passphrase: "
        })?;
        if new {
            let second = ask("New passphrase again: ")?;
            if !keys::same_passphrase(&first, &second) {
                return Err(Error::Passphrase("the two passphrases differ".into()));
            }
        }
        Ok(first)
    }
}

impl PassphraseSource for TerminalOrFile {
    /// The register's passphrase. For a new register (`init --passphrase`), the file
    /// `REKISTERI_NEW_PASSPHRASE_FILE` names, else `REKISTERI_PASSPHRASE_FILE`'s (there is no
    /// old passphrase to confuse it with), else the terminal, twice.
    fn passphrase(&self, new: bool) -> Result<SecretString> {
        if new && let Some(file) = &self.new_file {
            return keys::read_passphrase_file(file);
        }
        if let Some(file) = &self.file {
            return keys::read_passphrase_file(file);
        }
        self.ask(new, PASSPHRASE_FILE_ENV)
    }

    /// A replacement passphrase: from `REKISTERI_NEW_PASSPHRASE_FILE` or the terminal (twice),
    /// never from `REKISTERI_PASSPHRASE_FILE`, which holds the old one.
    fn replacement_passphrase(&self) -> Result<SecretString> {
        if let Some(file) = &self.new_file {
            return keys::read_passphrase_file(file);
        }
        self.ask(true, NEW_PASSPHRASE_FILE_ENV)
    }
}
