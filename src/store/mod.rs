//! The store: the register file on disk. Decrypts it, and writes every change through one
//! path — lock → decrypt → apply → validate → encrypt → fsync → rename → fsync dir — so that
//! plaintext never reaches the disk and a crash leaves the old or the new register, whole.

pub mod atomic;
pub mod journal;
pub mod keys;
pub mod lock;
pub mod random;

use std::fs;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use age::secrecy::SecretString;
use zeroize::Zeroizing;

use crate::core::format::{self, DecodeError};
use crate::core::model::{Encryption, FORMAT_VERSION, Register};
use crate::core::sparse;
use crate::core::view::{self, ViewError};
use crate::error::{Error, Result};
use keys::{LoadedIdentity, PassphraseSource};

/// How long a writer waits for another writer's lock by default.
pub const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(10);

/// The register file and the keys to open it.
pub struct Store<'a> {
    pub path: PathBuf,
    pub identities: Vec<LoadedIdentity>,
    pub passphrase: &'a dyn PassphraseSource,
    pub lock_wait: Duration,
    /// Show a progress bar on stderr while a large register is read or written (set when
    /// stderr is a terminal).
    pub progress: bool,
}

/// Registers smaller than this are read and written without a progress bar.
const PROGRESS_FROM_BYTES: u64 = 32 * 1024 * 1024;

fn progress_bar(show: bool, bytes: u64, what: &str) -> indicatif::ProgressBar {
    if !show || bytes < PROGRESS_FROM_BYTES {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(bytes);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} ({eta})")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_owned());
    bar
}

/// A decrypted register, with the passphrase that opened it (to encrypt it again).
pub struct Opened {
    pub register: Register,
    pub passphrase: Option<SecretString>,
}

impl Store<'_> {
    /// Reads and decrypts the register.
    pub fn open(&self) -> Result<Opened> {
        let (plaintext, passphrase) = self.read_plaintext()?;
        let register = format::decode(&plaintext).map_err(|e| self.decode_error(e))?;
        self.tell_upgrade(&register, false);
        Ok(Opened {
            register,
            passphrase,
        })
    }

    /// Reads only what a report on one subject needs (see `core::view`): a partial register
    /// holding that subject and its events. Refuses a restored register like `open_checked`.
    pub fn open_subject(&self, selector: &str) -> Result<Register> {
        let (plaintext, _) = self.read_plaintext()?;
        let erased: std::collections::HashSet<String> = journal::read(&self.journal_path())?
            .into_iter()
            .map(|e| e.subject.0)
            .collect();
        let view = view::decode_subject(&plaintext, selector, &erased).map_err(|e| match e {
            ViewError::Decode(e) => self.decode_error(e),
            ViewError::NoSuchSubject => Error::NoSuchSubject(selector.trim().to_owned()),
            ViewError::Ambiguous(count) => Error::AmbiguousSubject {
                selector: selector.trim().to_owned(),
                count,
            },
        })?;
        if view.restored > 0 {
            return Err(Error::RestoredErased {
                path: self.path.clone(),
                count: view.restored,
            });
        }
        Ok(view.register)
    }

    fn decode_error(&self, error: DecodeError) -> Error {
        match error {
            DecodeError::TooNew(found) => Error::FormatTooNew {
                path: self.path.clone(),
                found,
                supported: FORMAT_VERSION,
            },
            DecodeError::Malformed(reason) => self.corrupt(&reason),
        }
    }

    /// Reads the file and decrypts it into a zeroizing buffer.
    fn read_plaintext(&self) -> Result<(Zeroizing<Vec<u8>>, Option<SecretString>)> {
        let file = match fs::File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(Error::RegisterMissing {
                    path: self.path.clone(),
                });
            }
            Err(e) if e.kind() == io::ErrorKind::IsADirectory => {
                return Err(self.corrupt("it is a directory, not a file"));
            }
            Err(e) => return Err(Error::io(&self.path, e)),
        };
        let metadata = file.metadata().map_err(|e| Error::io(&self.path, e))?;
        if metadata.is_dir() {
            return Err(self.corrupt("it is a directory, not a file"));
        }
        self.decrypt(
            io::BufReader::with_capacity(256 * 1024, file),
            metadata.len(),
        )
    }

    /// Creates the register file; refuses if it exists.
    pub fn create(&self, register: &Register, passphrase: Option<&SecretString>) -> Result<()> {
        format::check(register).map_err(Error::Refused)?;
        let _lock = lock::acquire(&self.path, self.lock_wait)?;
        atomic::write_with(&self.path, true, |file| {
            encrypt_to(register, passphrase, file).map(|_| ())
        })
    }

    /// Reads the register and refuses one that holds a subject the erasure journal lists
    /// (an old backup put back): its data must not leave before `erase --replay`.
    pub fn open_checked(&self) -> Result<Opened> {
        let opened = self.open()?;
        self.refuse_restored(&opened.register, &journal::read(&self.journal_path())?)?;
        Ok(opened)
    }

    /// Applies `change` to the register through the one write path and returns its result.
    /// Nothing is written when `change` fails or leaves the register invalid. Only the
    /// subjects `selectors` name (ids or emails) are parsed: a change to one subject costs
    /// about a decryption, a scan and an encryption of the register.
    pub fn update_subjects<T>(
        &self,
        selectors: &[String],
        change: impl FnOnce(&mut Register) -> Result<T>,
    ) -> Result<T> {
        self.write(false, None, selectors, |register, _| change(register))
    }

    /// Like `update_subjects`, for `erase --replay`: a register holding erased subjects is accepted,
    /// and `change` is given the journal to erase them again.
    pub fn replay<T>(
        &self,
        change: impl FnOnce(&mut Register, &[journal::Erased]) -> Result<T>,
    ) -> Result<T> {
        // The journal names the subjects to load, and is read again under the lock.
        let wanted: Vec<String> = journal::read(&self.journal_path())?
            .into_iter()
            .map(|e| e.subject.0)
            .collect();
        self.write(true, None, &wanted, change)
    }

    /// Like `update_subjects`, for `rekey`: when the register becomes passphrase-encrypted, it is
    /// encrypted to `new_passphrase`.
    pub fn rekey<T>(
        &self,
        new_passphrase: Option<SecretString>,
        change: impl FnOnce(&mut Register) -> Result<T>,
    ) -> Result<T> {
        self.write(false, new_passphrase, &[], |register, _| change(register))
    }

    /// The one write path: lock → decrypt → apply → check → encrypt → fsync → rename →
    /// fsync dir, then record new erasures in the journal. Only the subjects `subjects`
    /// names are parsed (see `core::sparse`); the rest is copied. A register of an older
    /// format is decoded whole, upgraded, and written in the current one.
    fn write<T>(
        &self,
        allow_restored: bool,
        new_passphrase: Option<SecretString>,
        subjects: &[String],
        change: impl FnOnce(&mut Register, &[journal::Erased]) -> Result<T>,
    ) -> Result<T> {
        if !self.path.exists() {
            return Err(Error::RegisterMissing {
                path: self.path.clone(),
            });
        }
        let _lock = lock::acquire(&self.path, self.lock_wait)?;
        // Under the lock no other writer is running: a temporary file left now is from a
        // writer that was killed, and holds only ciphertext. Clear it away.
        atomic::remove_stale_temporaries(&self.path);
        let (plaintext, passphrase) = self.read_plaintext()?;
        let journal_path = self.journal_path();
        let journal = journal::read(&journal_path)?;
        let sparse = sparse::load(&plaintext, subjects).map_err(|e| self.decode_error(e))?;
        let (mut register, sparse_rest) = match sparse {
            Some((register, sparse)) => {
                if !allow_restored {
                    self.refuse_restored_ids(sparse.subject_ids(), &journal)?;
                }
                (register, Some(sparse))
            }
            None => {
                let register = format::decode(&plaintext).map_err(|e| self.decode_error(e))?;
                self.tell_upgrade(&register, true);
                if !allow_restored {
                    self.refuse_restored(&register, &journal)?;
                }
                (register, None)
            }
        };
        let outcome = change(&mut register, &journal)?;
        format::check(&register).map_err(Error::Refused)?;
        let known: std::collections::HashSet<&str> =
            journal.iter().map(|e| e.subject.0.as_str()).collect();
        let new: Vec<journal::Erased> = register
            .erased
            .entries
            .iter()
            .filter(|e| !known.contains(e.subject.0.as_str()))
            .map(|e| journal::Erased {
                subject: e.subject.clone(),
                on: e.on,
            })
            .collect();
        // The journal is written first: a crash between the two leaves the old register with
        // the erasure already journalled, which every command then refuses until
        // `erase --replay` completes it. The other order could lose the journal entry, and
        // with it the protection against restoring an old backup.
        journal::append(&journal_path, &new)?;
        let passphrase = new_passphrase.or(passphrase);
        // The new file is about as large as the old one.
        let size = fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0);
        let bar = progress_bar(self.progress, size, "encrypting");
        let written = atomic::write_with(&self.path, false, |file| {
            let output = bar.wrap_write(file);
            match sparse_rest {
                Some(sparse) => encrypt_with(
                    &register.encryption,
                    passphrase.as_ref(),
                    output,
                    |plaintext| sparse.write_json(&register, plaintext),
                )
                .map(|_| ()),
                None => encrypt_to(&register, passphrase.as_ref(), output).map(|_| ()),
            }
        });
        bar.finish_and_clear();
        written?;
        Ok(outcome)
    }

    /// Says on stderr what upgrading an older format did, once per note.
    fn tell_upgrade(&self, register: &Register, written: bool) {
        if register.upgrade_notes.is_empty() {
            return;
        }
        let when = if written {
            "this change writes it in the current format"
        } else {
            "the file is rewritten in the current format by the next change"
        };
        eprintln!(
            "note: {}: the register is of an older format; {when}:",
            self.path.display()
        );
        for note in &register.upgrade_notes {
            eprintln!("note:   {note}");
        }
    }

    /// The erasure journal beside the register.
    pub fn journal_path(&self) -> PathBuf {
        journal::journal_path(&self.path)
    }

    fn refuse_restored(&self, register: &Register, journal: &[journal::Erased]) -> Result<()> {
        self.refuse_restored_ids(register.subjects.iter().map(|s| s.id.0.as_str()), journal)
    }

    fn refuse_restored_ids<'a>(
        &self,
        ids: impl Iterator<Item = &'a str>,
        journal: &[journal::Erased],
    ) -> Result<()> {
        if journal.is_empty() {
            return Ok(());
        }
        let erased: std::collections::HashSet<&str> =
            journal.iter().map(|e| e.subject.0.as_str()).collect();
        let count = ids.filter(|id| erased.contains(id)).count();
        if count > 0 {
            return Err(Error::RestoredErased {
                path: self.path.clone(),
                count,
            });
        }
        Ok(())
    }

    fn corrupt(&self, reason: &str) -> Error {
        Error::Corrupt {
            path: self.path.clone(),
            reason: reason.to_owned(),
        }
    }

    fn decrypt(
        &self,
        ciphertext: impl io::BufRead,
        size: u64,
    ) -> Result<(Zeroizing<Vec<u8>>, Option<SecretString>)> {
        let reader = age::armor::ArmoredReader::new(ciphertext);
        let decryptor = age::Decryptor::new_buffered(reader).map_err(|e| self.decrypt_error(e))?;
        let (stream, passphrase) = if decryptor.is_scrypt() {
            let passphrase = self.passphrase.passphrase(false)?;
            let identity = age::scrypt::Identity::new(passphrase.clone());
            let stream = decryptor
                .decrypt(std::iter::once(&identity as &dyn age::Identity))
                .map_err(|e| match e {
                    age::DecryptError::DecryptionFailed | age::DecryptError::NoMatchingKeys => {
                        Error::WrongPassphrase {
                            path: self.path.clone(),
                        }
                    }
                    other => self.decrypt_error(other),
                })?;
            (stream, Some(passphrase))
        } else {
            if self.identities.is_empty() {
                return Err(Error::NoIdentity {
                    path: self.path.clone(),
                });
            }
            let identities = self
                .identities
                .iter()
                .flat_map(|loaded| loaded.identities.iter().map(|i| i.as_ref()));
            let stream = decryptor
                .decrypt(identities)
                .map_err(|e| self.decrypt_error(e))?;
            (stream, None)
        };
        // The plaintext is a little smaller than the file: reserve once, never grow.
        let mut plaintext = Zeroizing::new(Vec::with_capacity(usize::try_from(size).unwrap_or(0)));
        let mut stream = stream;
        stream
            .read_to_end(&mut plaintext)
            .map_err(|_| self.corrupt("the encrypted content is damaged or truncated"))?;
        Ok((plaintext, passphrase))
    }

    fn decrypt_error(&self, error: age::DecryptError) -> Error {
        match error {
            age::DecryptError::NoMatchingKeys => Error::NoMatchingIdentity {
                path: self.path.clone(),
            },
            age::DecryptError::InvalidHeader | age::DecryptError::UnknownFormat => {
                self.corrupt("it is not an age-encrypted file, or its header is damaged")
            }
            age::DecryptError::InvalidMac => self.corrupt("its header fails its MAC check"),
            age::DecryptError::Io(_) => self.corrupt("it ends before its header does"),
            age::DecryptError::ExcessiveWork { .. } => {
                self.corrupt("its passphrase work factor is too high to attempt")
            }
            _ => self.corrupt("it cannot be decrypted"),
        }
    }
}

/// Encrypts a register to its own recipients, or to `passphrase` when it is
/// passphrase-encrypted, into `output`. JSON is serialised straight into the encryptor: no
/// plaintext buffer of the whole register exists.
pub fn encrypt_to<W: Write>(
    register: &Register,
    passphrase: Option<&SecretString>,
    output: W,
) -> Result<W> {
    encrypt_with(&register.encryption, passphrase, output, |plaintext| {
        serde_json::to_writer(plaintext, register).map_err(io::Error::other)
    })
}

/// Encrypts to `encryption` whatever `write_plaintext` writes, into `output`.
pub fn encrypt_with<W: Write>(
    encryption: &Encryption,
    passphrase: Option<&SecretString>,
    output: W,
    write_plaintext: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<W> {
    let encryptor = if encryption.passphrase {
        let passphrase = passphrase
            .ok_or_else(|| Error::Config("the register needs a passphrase to be written".into()))?;
        age::Encryptor::with_user_passphrase(passphrase.clone())
    } else {
        let recipients = encryption
            .recipients
            .iter()
            .map(|r| keys::parse_recipient(r))
            .collect::<Result<Vec<_>>>()?;
        if recipients.is_empty() {
            return Err(Error::Config(
                "the register has no recipients to encrypt to".into(),
            ));
        }
        age::Encryptor::with_recipients(
            recipients.iter().map(|r| r.as_ref() as &dyn age::Recipient),
        )
        .map_err(|_| Error::Config("the register's recipients cannot be used together".into()))?
    };
    let output_error = |e: io::Error| Error::io(Path::new("<output>"), e);
    let stream = encryptor
        .wrap_output(BufWriter::with_capacity(256 * 1024, output))
        .map_err(output_error)?;
    let mut writer = BufWriter::with_capacity(64 * 1024, stream);
    write_plaintext(&mut writer).map_err(output_error)?;
    writer.flush().map_err(output_error)?;
    let stream = writer
        .into_inner()
        .map_err(|e| output_error(e.into_error()))?;
    let buffered = stream.finish().map_err(output_error)?;
    buffered
        .into_inner()
        .map_err(|e| output_error(e.into_error()))
}
