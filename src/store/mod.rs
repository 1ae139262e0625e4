//! The store: the register file on disk. Decrypts it, and writes every change through one
//! path — lock → decrypt → apply → validate → encrypt → fsync → rename → fsync dir — so that
//! plaintext never reaches the disk and a crash leaves the old or the new register, whole.

pub mod atomic;
mod chunks;
pub mod files;
pub mod header;
pub mod indexed;
pub mod journal;
pub mod keys;
pub mod lock;
pub mod payload;
mod pipeline;
pub mod process;
pub mod random;
pub mod state;

use std::collections::HashSet;
use std::fs;
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use age::secrecy::SecretString;
use zeroize::Zeroizing;

use crate::core::derived_keys;
use crate::core::format::{self, DecodeError};
use crate::core::model::{
    AuditEvent, Encryption, ErasureReceipt, FORMAT_VERSION, Register, Subject, SubjectId,
};
use crate::core::rollback::{self, TrailPoint, Verdict};
use crate::core::sparse;
use crate::core::streamed;
use crate::core::view::{self, ViewError};
use crate::error::{Error, Result};
use keys::{LoadedIdentity, PassphraseSource};

/// How long a writer waits for another writer's lock by default.
pub const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(10);

/// The largest register file read: 16 GiB, about ten times a million subjects. A larger file
/// (or a sparse one that claims to be) is refused before any memory is set aside for it.
pub const MAX_REGISTER_BYTES: u64 = 16 * 1024 * 1024 * 1024;

/// The register file and the keys to open it.
pub struct Store<'a> {
    pub path: PathBuf,
    pub identities: Vec<LoadedIdentity>,
    pub passphrase: &'a dyn PassphraseSource,
    pub lock_wait: Duration,
    /// Show a progress bar on stderr while a large register is read or written (set when
    /// stderr is a terminal).
    pub progress: bool,
    /// The device, inode and change time of the register file read last (see
    /// `replaced_since_read`).
    pub read_identity: std::cell::Cell<Option<FileIdentity>>,
}

/// What tells one register file from another: the device and inode, and the change time,
/// since a write swaps the register with its spare and so its inode comes back every
/// second write.
type FileIdentity = (u64, u64, i64, i64);

#[cfg(unix)]
fn metadata_identity(metadata: &fs::Metadata) -> Option<FileIdentity> {
    use std::os::unix::fs::MetadataExt;
    Some((
        metadata.dev(),
        metadata.ino(),
        metadata.ctime(),
        metadata.ctime_nsec(),
    ))
}

#[cfg(not(unix))]
fn metadata_identity(_: &fs::Metadata) -> Option<FileIdentity> {
    None
}

fn file_identity(file: &fs::File) -> Option<FileIdentity> {
    file.metadata().ok().and_then(|m| metadata_identity(&m))
}

/// Registers smaller than this are read and changed on one thread. Below it, the other
/// threads' start-up and fresh memory cost more than splitting the crypto saves: a change of
/// a 2 MB register took 24 ms on one thread and 27 ms on three, of 5 MB about as long, of
/// 10 MB 77 ms against 67 ms; a whole read of 2 MB, 13.0 ms against 13.7 ms on two.
const PARALLEL_FROM_BYTES: u64 = 4 * 1024 * 1024;

/// While a new copy of the register is written, a thread of its own flushes what has been
/// written so far to disk every so many bytes, so that the final fsync waits for little.
/// On the 2-core test machine, whose disk flushes about 2 ms per MB at fsync whether or not
/// the kernel has already sent the data, a change of a 2 MB register took 20.7 ms syncing
/// every 256 KiB, 21.8 ms every 1 MiB, and 24.3 ms syncing only at the end. A large
/// register, written on several threads, syncs every 16 MiB.
const SYNC_AHEAD_EVERY: u64 = 256 * 1024;
const SYNC_AHEAD_EVERY_THREADED: u64 = 16 * 1024 * 1024;

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

/// One subject `erase --replay` would erase again: the journal's line, and the receipt the
/// register holds for the first erasure, if it still does.
#[derive(Debug, Clone)]
pub struct Replay {
    pub subject: SubjectId,
    pub erased_on: chrono::NaiveDate,
    pub receipt: Option<ErasureReceipt>,
}

/// How the write path read the register: in two streamed passes (`core::streamed`), from a
/// plaintext buffer with only the named subjects parsed (`core::sparse`), or decoded whole
/// (an older format, or `retention apply`, which reads every subject).
/// How one attempt of the write path is made.
struct Attempt<'s> {
    allow_restored: bool,
    new_passphrase: Option<SecretString>,
    subjects: &'s [String],
    /// Take the register's layout from its index (see `store::indexed::change_layout`).
    use_index: bool,
}

/// Why a streamed write stopped.
enum Streamed {
    /// The index was found untrue: nothing is written, the change is made again by a scan.
    Stale,
    Failed(Error),
}

enum Loaded<'p, 'f> {
    Streamed(streamed::Layout, Box<chunks::Reader<'f>>),
    Sparse(sparse::Sparse<'p>),
    Whole,
}

impl Store<'_> {
    /// Reads and decrypts the register. A register whose trail lost the point this machine
    /// saw last is read with a warning (see `rollback`).
    pub fn open(&self) -> Result<Opened> {
        let (mut plaintext, passphrase) = self.read_plaintext()?;
        let register = self.decode_whole(&plaintext);
        chunks::wipe(&mut plaintext);
        Ok(Opened {
            register: register?,
            passphrase,
        })
    }

    /// Decodes a whole plaintext (upgrading an older format, and saying so), then warns of a
    /// rollback or notes how far the trail reaches (`note_read`): the read every partial
    /// read falls back to.
    fn decode_whole(&self, plaintext: &[u8]) -> Result<Register> {
        let register = format::decode(plaintext).map_err(|e| self.decode_error(e))?;
        self.tell_upgrade(&register, false);
        let now = TrailPoint::of(&register.audit);
        self.note_read(&register.erased.key, &now, |seq| {
            hash_at_seq(&register.audit, seq)
        })?;
        Ok(register)
    }

    /// Reads the register's description, notices, requests, tasks and breaches without
    /// parsing its subjects or events (see `view::decode_outline`); a register of an older
    /// format, or one that does not parse, is read whole like `open`, which says what is
    /// wrong with it.
    pub fn open_outline(&self) -> Result<Register> {
        let (mut plaintext, _) = self.read_plaintext()?;
        let Some(outline) = view::decode_outline(&plaintext) else {
            return self.decode_whole(&plaintext);
        };
        self.note_read(&outline.guard.key, &outline.trail, |seq| {
            rollback::hash_at(&plaintext, seq)
        })?;
        chunks::wipe(&mut plaintext);
        Ok(outline.register)
    }

    /// Reads every subject and what lies around them (see `view::decode_outline_with`),
    /// without parsing the audit events: what `export` of every subject needs. Refuses a
    /// restored register like `open_checked`. A register of an older format, or one that does
    /// not parse, is read whole by `open_checked`, which upgrades it or says what is wrong.
    pub fn open_subjects(&self) -> Result<Register> {
        let indexed = self.through_index(
            |chunks| indexed::outline_with::<Subject>(chunks, view::Part::Subjects),
            |(outline, _)| (&outline.guard.key, &outline.trail),
        )?;
        let (outline, subjects) = match indexed {
            Some(found) => {
                self.note_read(&found.0.guard.key, &found.0.trail, |_| None)?;
                found
            }
            None => {
                let (mut plaintext, _) = self.read_plaintext()?;
                let Some(found) =
                    view::decode_outline_with::<Subject>(&plaintext, view::Part::Subjects)
                else {
                    let register = self.decode_whole(&plaintext)?;
                    self.refuse_if_restored(&register)?;
                    return Ok(register);
                };
                self.note_read(&found.0.guard.key, &found.0.trail, |seq| {
                    rollback::hash_at(&plaintext, seq)
                })?;
                chunks::wipe(&mut plaintext);
                found
            }
        };
        let journal = self.probe_journal(&journal::read(&self.journal_path())?, &outline.guard)?;
        let mut register = outline.register;
        register.subjects = subjects;
        format::check(&register).map_err(|reason| self.corrupt(&reason))?;
        self.refuse_restored(&register, &journal.entries)?;
        Ok(register)
    }

    /// Reads the audit trail and what lies around it, without parsing the subjects: what
    /// `audit verify` needs. Decrypts the whole file, so that every chunk is authenticated.
    /// Warns of a rollback like `open`. A register of an older format, or one that does not
    /// parse, is read whole by `open`.
    pub fn open_trail(&self) -> Result<Register> {
        // The whole file is decrypted: the check of every chunk that partial reads leave to
        // this command and to writes.
        let (mut plaintext, _) = self.read_plaintext()?;
        let Some((outline, audit)) =
            view::decode_outline_with::<AuditEvent>(&plaintext, view::Part::Audit)
        else {
            return self.decode_whole(&plaintext);
        };
        chunks::wipe(&mut plaintext);
        self.note_read(&outline.guard.key, &outline.trail, |seq| {
            hash_at_seq(&audit, seq)
        })?;
        let mut register = outline.register;
        register.audit = audit;
        Ok(register)
    }

    /// Reads only what a report on one subject needs (see `core::view`): a partial register
    /// holding that subject and its events. Refuses a restored register like `open_checked`.
    /// Through the index when it holds (`store::indexed`), a few chunks; otherwise a scan.
    pub fn open_subject(&self, selector: &str) -> Result<Register> {
        let journal = journal::read(&self.journal_path())?;
        let named: HashSet<String> = journal.named_subjects().into_iter().collect();
        let indexed = self.through_index(
            |chunks| indexed::subject_view(chunks, selector, &named),
            |view| (&view.guard.key, &view.trail),
        )?;
        let (view, plaintext) = match indexed {
            Some(view) => (view, None),
            None => {
                let (plaintext, _) = self.read_plaintext()?;
                let view =
                    view::decode_subject(&plaintext, selector, &named).map_err(|e| match e {
                        ViewError::Decode(e) => self.decode_error(e),
                        ViewError::NoSuchSubject => {
                            Error::NoSuchSubject(selector.trim().to_owned())
                        }
                        ViewError::Ambiguous(count) => Error::AmbiguousSubject {
                            selector: selector.trim().to_owned(),
                            count,
                        },
                    })?;
                (view, Some(plaintext))
            }
        };
        self.note_read(&view.guard.key, &view.trail, |seq| {
            plaintext
                .as_ref()
                .and_then(|plaintext| rollback::hash_at(plaintext, seq))
        })?;
        self.probe_journal(&journal, &view.guard)?;
        if view.restored > 0 {
            return Err(Error::RestoredErased {
                path: self.path.clone(),
                count: view.restored,
            });
        }
        if let Some(mut plaintext) = plaintext {
            chunks::wipe(&mut plaintext);
        }
        Ok(view.register)
    }

    /// What `read` finds through the register's index, or `None` when the register has no
    /// index that holds (then the caller reads it another way), is passphrase-encrypted or
    /// armored (read whole), or when telling a rollback from a newer register needs an event
    /// the index does not find. `trail` says where what was found puts the trail's end.
    fn through_index<R>(
        &self,
        read: impl FnOnce(&mut chunks::Chunks<'_>) -> Option<R>,
        trail: impl FnOnce(&R) -> (&str, &TrailPoint),
    ) -> Result<Option<R>> {
        if self.identities.is_empty() {
            return Ok(None);
        }
        let (file, _) = self.open_checked_file()?;
        let Some(reader) = self.stream_reader(&file) else {
            return Ok(None);
        };
        let mut chunks = chunks::Chunks::new(reader);
        let Some(found) = read(&mut chunks) else {
            return Ok(None);
        };
        // `rollback::compare` needs the hash of an earlier event when the trail has grown
        // since this machine last saw it: the scan has every event.
        let (guard_key, point) = trail(&found);
        if self.needs_older_event(guard_key, point)? {
            return Ok(None);
        }
        self.read_identity.set(file_identity(&file));
        Ok(Some(found))
    }

    /// A seekable decrypting reader over `file` for the loaded identities; `None` for an
    /// armored or passphrase register, or when no identity opens it (the ordinary read then
    /// reads it, or says why).
    fn stream_reader<'f>(&self, file: &'f fs::File) -> Option<chunks::Reader<'f>> {
        if self.identities.is_empty() || !chunks::is_binary_age(file) {
            return None;
        }
        let identities = self
            .identities
            .iter()
            .flat_map(|loaded| loaded.identities.iter().map(|i| i.as_ref()));
        payload::open(file, identities).ok()
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

    /// Opens the register file (no link, no FIFO or device), refuses one too large to be a
    /// register, and checks its header before age parses it.
    fn open_checked_file(&self) -> Result<(fs::File, u64)> {
        let mut file = files::open_register(&self.path)?;
        let size = file.metadata().map_err(|e| Error::io(&self.path, e))?.len();
        if size > MAX_REGISTER_BYTES {
            return Err(Error::TooLarge {
                path: self.path.clone(),
                size,
                limit: MAX_REGISTER_BYTES,
            });
        }
        header::check(&self.path, &mut file)?;
        file.rewind().map_err(|e| Error::io(&self.path, e))?;
        Ok((file, size))
    }

    /// Reads the file and decrypts it into a zeroizing buffer: an identity-encrypted binary
    /// file through the payload reader, on two threads when there are two cores and the
    /// register is large enough to pay for it; anything else (armored, passphrase) through
    /// age. A failure of the payload reader is reported by the age read, which says why.
    fn read_plaintext(&self) -> Result<(Zeroizing<Vec<u8>>, Option<SecretString>)> {
        let (file, size) = self.open_checked_file()?;
        self.read_identity.set(file_identity(&file));
        if let Some(reader) = self.stream_reader(&file) {
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
            let read = if size >= PARALLEL_FROM_BYTES && cores > 1 {
                chunks::read_in_two(reader)
            } else {
                chunks::read_whole(reader)
            };
            if let Ok(Some(plaintext)) = read {
                return Ok((plaintext, None));
            }
        }
        self.decrypt(io::BufReader::with_capacity(256 * 1024, file), size)
    }

    /// True when the register's path no longer names the file read last: a writer replaced
    /// it meanwhile (every write renames a new file into place). A trail that then looks
    /// rolled back is only older than the state that writer recorded.
    fn replaced_since_read(&self) -> bool {
        let read = self.read_identity.get();
        let now = fs::metadata(&self.path).ok().map(|m| metadata_identity(&m));
        read.is_some() && now.is_some() && read != now.flatten()
    }

    /// Creates the register file; refuses if it exists.
    pub fn create(&self, register: &Register, passphrase: Option<&SecretString>) -> Result<()> {
        format::check(register).map_err(Error::Refused)?;
        files::check_register_path(&self.path)?;
        let _lock = lock::acquire(&self.path, self.lock_wait)?;
        atomic::write_with(&self.path, true, |file| {
            encrypt_to(register, passphrase, file).map(|_| ())
        })?;
        self.remember(&register.erased.key, &TrailPoint::of(&register.audit));
        Ok(())
    }

    /// Reads the register and refuses one that holds a subject the erasure journal lists
    /// (an old backup put back): its data must not leave before `erase --replay`.
    pub fn open_checked(&self) -> Result<Opened> {
        let opened = self.open()?;
        self.refuse_if_restored(&opened.register)?;
        Ok(opened)
    }

    /// Refuses `register` when it holds a subject the erasure journal lists.
    fn refuse_if_restored(&self, register: &Register) -> Result<()> {
        let journal = self.register_journal(register)?;
        self.refuse_restored(register, &journal.entries)
    }

    /// What `erase --replay` would do now: the subjects of the journal that are back in the
    /// register, with their erasure dates and receipts. Read without the lock, to be shown
    /// before the change is confirmed.
    pub fn replay_plan(&self) -> Result<Vec<Replay>> {
        let register = self.open_to_change()?.register;
        let journal = self.register_journal(&register)?;
        Ok(replay_plan(&register, &journal.entries))
    }

    /// Reads the register to show a change before it is confirmed (`rekey`): like
    /// `open_checked`, but a rollback is refused at once, as the write would refuse it.
    pub fn open_for_change(&self) -> Result<Opened> {
        let opened = self.open_to_change()?;
        self.refuse_if_restored(&opened.register)?;
        Ok(opened)
    }

    fn open_to_change(&self) -> Result<Opened> {
        let (plaintext, passphrase) = self.read_plaintext()?;
        let register = format::decode(&plaintext).map_err(|e| self.decode_error(e))?;
        let now = TrailPoint::of(&register.audit);
        match self.refuse_rollback(&register.erased.key, &now, |seq| {
            hash_at_seq(&register.audit, seq)
        }) {
            // A writer replaced the file meanwhile; the write re-checks under the lock.
            Err(Error::RolledBack { .. }) if self.replaced_since_read() => {}
            other => other?,
        }
        Ok(Opened {
            register,
            passphrase,
        })
    }

    /// Refuses a register whose trail lost the point this machine saw last.
    fn refuse_rollback(
        &self,
        guard_key: &str,
        now: &TrailPoint,
        hash_at: impl FnOnce(u64) -> Option<String>,
    ) -> Result<()> {
        let id = derived_keys::register_id(guard_key);
        if let Some(seen) = state::load(&id)?
            && rollback::compare(&seen, now, hash_at) == Verdict::RolledBack
        {
            return Err(Error::RolledBack {
                path: self.path.clone(),
                seen: seen.count,
                found: now.count,
            });
        }
        Ok(())
    }

    /// Applies `change` to the register through the one write path and returns its result.
    /// Nothing is written when `change` fails or leaves the register invalid. Only the
    /// subjects `selectors` name (ids or emails) are parsed: a change to one subject costs
    /// about a decryption, a scan and an encryption of the register.
    pub fn update_subjects<T>(
        &self,
        selectors: &[String],
        mut change: impl FnMut(&mut Register) -> Result<T>,
    ) -> Result<T> {
        self.write(false, None, selectors, |register, _| change(register))
    }

    /// Like `update_subjects`, for `erase --replay`: a register holding erased subjects is
    /// accepted, and `change` is given the checked journal to erase them again.
    pub fn replay<T>(
        &self,
        change: impl FnMut(&mut Register, &[journal::Erased]) -> Result<T>,
    ) -> Result<T> {
        // The journal names the subjects to load; it is read again and checked under the lock.
        let wanted = journal::read(&self.journal_path())?.named_subjects();
        self.write(true, None, &wanted, change)
    }

    /// Like `update_subjects`, for `rekey`: when the register becomes passphrase-encrypted, it is
    /// encrypted to `new_passphrase`.
    pub fn rekey<T>(
        &self,
        new_passphrase: Option<SecretString>,
        mut change: impl FnMut(&mut Register) -> Result<T>,
    ) -> Result<T> {
        self.write(false, new_passphrase, &[], |register, _| change(register))
    }

    /// Records the register as it is now as the last state this machine has seen, for a
    /// deliberate restore (`audit accept-rollback`). Returns the point recorded and the one
    /// seen before, if any.
    pub fn accept_rollback(&self) -> Result<(TrailPoint, Option<TrailPoint>)> {
        let (plaintext, _) = self.read_plaintext()?;
        let register = format::decode(&plaintext).map_err(|e| self.decode_error(e))?;
        let id = derived_keys::register_id(&register.erased.key);
        let before = state::load(&id)?;
        let now = TrailPoint::of(&register.audit);
        state::save(&id, &now)?;
        Ok((now, before))
    }

    /// The one write path: lock → read → apply → check → encrypt → fsync → record new
    /// erasures in the journal → rename → fsync dir. Only the subjects `subjects` names are
    /// parsed; the rest is copied (see `core::streamed`, `core::sparse`). A register of an
    /// older format is decoded whole, upgraded, and written in the current one. The header is
    /// checked before the lock is taken: nobody waits on a writer stuck in a hostile header.
    ///
    /// The first attempt takes the register's layout from its index. When the index cannot
    /// settle the change alone (a hash shared with a subject it did not read, a rollback check
    /// that needs an older event) or turns out untrue as the new file is written, that
    /// attempt leaves nothing behind, and `change` is applied again to a register read by a
    /// scan.
    fn write<T>(
        &self,
        allow_restored: bool,
        new_passphrase: Option<SecretString>,
        subjects: &[String],
        mut change: impl FnMut(&mut Register, &[journal::Erased]) -> Result<T>,
    ) -> Result<T> {
        if fs::symlink_metadata(&self.path).is_err() {
            return Err(Error::RegisterMissing {
                path: self.path.clone(),
            });
        }
        drop(self.open_checked_file()?);
        let _lock = lock::acquire(&self.path, self.lock_wait)?;
        // Under the lock no other writer is running: a temporary file left now is from a
        // writer that was killed, and holds only ciphertext. Clear it away.
        atomic::remove_stale_temporaries(&self.path);
        let attempt = Attempt {
            allow_restored,
            new_passphrase: new_passphrase.clone(),
            subjects,
            use_index: true,
        };
        match self.write_once(attempt, &mut change)? {
            Some(outcome) => Ok(outcome),
            None => {
                let attempt = Attempt {
                    allow_restored,
                    new_passphrase,
                    subjects,
                    use_index: false,
                };
                self.write_once(attempt, &mut change)?
                    .ok_or_else(|| self.corrupt("its layout changed while it was being written"))
            }
        }
    }

    /// One attempt of `write`, under the lock. `Ok(None)` when it must be made again without
    /// the index; nothing was written then.
    fn write_once<T>(
        &self,
        attempt: Attempt<'_>,
        change: &mut impl FnMut(&mut Register, &[journal::Erased]) -> Result<T>,
    ) -> Result<Option<T>> {
        let subjects = attempt.subjects;
        let (file, size) = self.open_checked_file()?;
        self.read_identity.set(file_identity(&file));
        let threaded = size >= PARALLEL_FROM_BYTES
            && std::thread::available_parallelism().map_or(1, |n| n.get()) > 1;
        let streamed = match attempt.use_index {
            true => self.index_for_change(&file, subjects),
            false => None,
        };
        let from_index = streamed.is_some();
        let streamed = streamed.or_else(|| self.scan_for_change(&file, subjects, threaded));
        let plaintext: Zeroizing<Vec<u8>>;
        let mut passphrase = None;
        let journal_path = self.journal_path();
        let raw_journal;
        let (mut register, mut loaded) = match streamed {
            Some((register, layout, reader)) => {
                raw_journal = journal::read(&journal_path)?;
                (register, Loaded::Streamed(layout, Box::new(reader)))
            }
            None => {
                let read = self.read_plaintext()?;
                plaintext = read.0;
                passphrase = read.1;
                raw_journal = journal::read(&journal_path)?;
                match sparse::load(&plaintext, subjects).map_err(|e| self.decode_error(e))? {
                    Some((register, sparse)) => (register, Loaded::Sparse(sparse)),
                    None => {
                        let register =
                            format::decode(&plaintext).map_err(|e| self.decode_error(e))?;
                        self.tell_upgrade(&register, true);
                        (register, Loaded::Whole)
                    }
                }
            }
        };
        let guard_key = register.erased.key.clone();
        let before = TrailPoint::of(&register.audit);
        if from_index && self.needs_older_event(&guard_key, &before)? {
            return Ok(None);
        }
        let last = |seq: u64| (seq == before.count).then(|| before.head.clone());
        self.refuse_rollback(&guard_key, &before, |seq| match &loaded {
            Loaded::Streamed(layout, _) => layout.event_hash(seq).or_else(|| last(seq)),
            Loaded::Sparse(sparse) => sparse.event_hash(seq).or_else(|| last(seq)),
            Loaded::Whole => hash_at_seq(&register.audit, seq),
        })?;
        let checked = {
            let vouched: HashSet<&str> = register
                .erased
                .entries
                .iter()
                .map(|e| e.subject.0.as_str())
                .collect();
            self.check_journal(&raw_journal, &guard_key, |id| vouched.contains(id))?
        };
        let journal = &checked.entries;
        if let Loaded::Streamed(layout, _) = &loaded
            && layout.may_collide(&register, journal.iter().map(|e| e.subject.0.as_str()))
        {
            return Ok(None);
        }
        if !attempt.allow_restored {
            match &loaded {
                Loaded::Streamed(layout, _) => {
                    self.refuse_restored_ids(layout.subject_ids(&register.unloaded), journal)?
                }
                Loaded::Sparse(sparse) => {
                    self.refuse_restored_ids(sparse.subject_ids(), journal)?
                }
                Loaded::Whole => self.refuse_restored(&register, journal)?,
            }
        }
        let outcome = change(&mut register, journal)?;
        if let Loaded::Streamed(layout, _) = &loaded
            && layout.may_collide(&register, [])
        {
            return Ok(None);
        }
        format::check(&register).map_err(Error::Refused)?;
        let known: HashSet<&str> = journal.iter().map(|e| e.subject.0.as_str()).collect();
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
        let passphrase = attempt.new_passphrase.or(passphrase);
        // The new file is about as large as the old one.
        let bar = progress_bar(self.progress, size, "encrypting");
        let stale = std::cell::Cell::new(false);
        // The old copy is kept as the next write's spare when its header's length is known:
        // overwriting the header is what makes it undecryptable.
        let keep_old = match &loaded {
            Loaded::Streamed(_, reader) => Some(reader.payload_start()),
            _ => None,
        };
        let written = atomic::replace_register(
            &self.path,
            keep_old,
            |file| {
                // The file is synced as it is written, on a thread of its own, when it is
                // large enough for a sync to happen before the end.
                let every = match threaded {
                    true => SYNC_AHEAD_EVERY_THREADED,
                    false => SYNC_AHEAD_EVERY,
                };
                let ahead = (threaded || size >= 2 * every)
                    .then(|| file.try_clone().ok())
                    .flatten();
                let output = bar.wrap_write(file);
                let passphrase = passphrase.as_ref();
                match &mut loaded {
                    Loaded::Streamed(layout, reader) => {
                        let (written, synced) =
                            pipeline::sync_ahead(ahead, every, output, |output| {
                                self.write_streamed(
                                    layout, reader, &register, passphrase, output, threaded,
                                )
                            });
                        written
                            .map_err(|e| match e {
                                Streamed::Stale => {
                                    stale.set(true);
                                    self.corrupt("its index does not describe it")
                                }
                                Streamed::Failed(e) => e,
                            })
                            .and_then(|()| synced.map_err(|e| Error::io(&self.path, e)))
                    }
                    Loaded::Sparse(sparse) => {
                        encrypt_with(&register.encryption, passphrase, output, |plaintext| {
                            sparse.write_json(&register, plaintext)
                        })
                        .map(|_| ())
                    }
                    Loaded::Whole => encrypt_to(&register, passphrase, output).map(|_| ()),
                }
            },
            // The journal is written before the rename: a crash between the two leaves the
            // old register with the erasure already journalled, which every command then
            // refuses until `erase --replay` completes it. The other order could lose the
            // journal entry, and with it the protection against restoring an old backup.
            || {
                let journal_key = derived_keys::journal_key(&guard_key);
                journal::record(&journal_path, &journal_key, &checked, &new)
            },
        );
        bar.finish_and_clear();
        if stale.get() && from_index {
            return Ok(None);
        }
        written.map_err(|e| match e {
            // The encryptor names its output `<output>`: here it is the register's new copy.
            Error::Io { path, source } if path == Path::new("<output>") => Error::Io {
                path: self.path.clone(),
                source,
            },
            other => other,
        })?;
        self.remember(&register.erased.key, &TrailPoint::of(&register.audit));
        Ok(Some(outcome))
    }

    /// True when the rollback check of a register whose trail ends at `now` needs the hash
    /// of an earlier event, which a layout read from the index does not have.
    fn needs_older_event(&self, guard_key: &str, now: &TrailPoint) -> Result<bool> {
        let id = derived_keys::register_id(guard_key);
        Ok(state::load(&id)?.is_some_and(|seen| seen.count > 0 && seen.count < now.count))
    }

    /// The first pass of a streamed write through the register's index (see
    /// `store::indexed::change_layout`): a few chunks instead of the file.
    fn index_for_change<'f>(
        &self,
        file: &'f fs::File,
        subjects: &[String],
    ) -> Option<(Register, streamed::Layout, chunks::Reader<'f>)> {
        let reader = self.stream_reader(file)?;
        let mut chunks = chunks::Chunks::new(reader);
        let (register, layout) = indexed::change_layout(&mut chunks, subjects)?;
        let mut reader = chunks.into_reader();
        reader.rewind().ok()?;
        Some((register, layout, reader))
    }

    /// The first pass of a streamed write (see `core::streamed`), over `file`, read ahead on
    /// another thread when `threaded`. `None` when the register cannot be changed that way
    /// (passphrase-encrypted, armored, of an older format, or not as this version writes it),
    /// or does not read: the caller then reads it whole, which reports what is wrong.
    fn scan_for_change<'f>(
        &self,
        file: &'f fs::File,
        subjects: &[String],
        threaded: bool,
    ) -> Option<(Register, streamed::Layout, chunks::Reader<'f>)> {
        let mut reader = self.stream_reader(file)?;
        // The rollback check needs the hash of the event this machine saw last.
        let asked = |guard_key: &str| {
            let id = derived_keys::register_id(guard_key);
            state::load(&id).ok().flatten().map(|seen| seen.count)
        };
        let scanned = if threaded {
            pipeline::read_through(&mut reader, |plaintext| {
                streamed::scan(plaintext, subjects, asked)
            })
        } else {
            streamed::scan(&mut reader, subjects, asked)
        };
        let (register, layout) = scanned.ok()??;
        reader.rewind().ok()?;
        Some((register, layout, reader))
    }

    /// The second pass of a streamed write: the new register, from `reader` (the old one's
    /// plaintext, rewound) and `register`, encrypted into `output`. When `threaded`, the old
    /// file is decrypted and the new one encrypted on two other threads.
    fn write_streamed(
        &self,
        layout: &streamed::Layout,
        reader: &mut chunks::Reader<'_>,
        register: &Register,
        passphrase: Option<&SecretString>,
        output: impl Write + Send,
        threaded: bool,
    ) -> std::result::Result<(), Streamed> {
        let old_error = |e: io::Error| {
            if streamed::is_stale(&e) {
                Streamed::Stale
            } else if pipeline::is_unreadable(&e) {
                Streamed::Failed(self.corrupt("the encrypted content is damaged or truncated"))
            } else {
                Streamed::Failed(Error::io(&self.path, e))
            }
        };
        let mut reader = pipeline::Unreadable(reader);
        if !threaded {
            // The old file is decrypted on another thread, a few blocks ahead.
            return pipeline::read_ahead(&mut reader, |old| {
                encrypt_with(&register.encryption, passphrase, output, |plaintext| {
                    layout.write_json(old, register, plaintext)
                })
            })
            .map(|_| ())
            .map_err(|e| match e {
                Error::Io { source, .. }
                    if streamed::is_stale(&source) || pipeline::is_unreadable(&source) =>
                {
                    old_error(source)
                }
                other => Streamed::Failed(other),
            });
        }
        pipeline::read_through(&mut reader, |old| {
            let (produced, encrypted) = pipeline::write_through(
                |plaintext| layout.write_json(old, register, plaintext),
                |new| {
                    encrypt_with(&register.encryption, passphrase, output, |w| {
                        new.drain_into(w)
                    })
                },
            );
            match (produced, encrypted) {
                (Ok(()), encrypted) => encrypted.map(|_| ()).map_err(Streamed::Failed),
                // The encryptor stopped first (the disk is full, say): its error says why.
                (Err(e), Err(encrypted)) if e.kind() == pipeline::CONSUMER_STOPPED => {
                    Err(Streamed::Failed(encrypted))
                }
                (Err(e), _) => Err(old_error(e)),
            }
        })
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

    /// Reads the journal and checks it against `register`'s key.
    fn register_journal(&self, register: &Register) -> Result<journal::Checked> {
        let raw = journal::read(&self.journal_path())?;
        let vouched: HashSet<&str> = register
            .erased
            .entries
            .iter()
            .map(|e| e.subject.0.as_str())
            .collect();
        self.check_journal(&raw, &register.erased.key, |id| vouched.contains(id))
    }

    /// Checks the journal against an erasure guard read without the rest of the register.
    fn probe_journal(
        &self,
        raw: &journal::Journal,
        guard: &rollback::GuardProbe,
    ) -> Result<journal::Checked> {
        let vouched: HashSet<&str> = guard.entries.iter().map(|e| e.subject.as_str()).collect();
        self.check_journal(raw, &guard.key, |id| vouched.contains(id))
    }

    fn check_journal(
        &self,
        raw: &journal::Journal,
        guard_key: &str,
        vouched: impl Fn(&str) -> bool,
    ) -> Result<journal::Checked> {
        let path = self.journal_path();
        let key = derived_keys::journal_key(guard_key);
        let checked = raw.check(&path, &key, vouched)?;
        if let Some(line) = checked.dropped_tail {
            files::warn(format_args!(
                "{}: line {line} of the erasure journal was cut short (a crash while it was written) and is ignored; the next change removes it",
                path.display()
            ));
        }
        Ok(checked)
    }

    /// After a read: warns when the register's trail lost the point this machine saw last;
    /// otherwise records how far it has seen.
    fn note_read(
        &self,
        guard_key: &str,
        now: &TrailPoint,
        hash_at: impl FnOnce(u64) -> Option<String>,
    ) -> Result<()> {
        let id = derived_keys::register_id(guard_key);
        match state::load(&id)? {
            Some(seen) => match rollback::compare(&seen, now, hash_at) {
                Verdict::Same => {}
                Verdict::Ahead => self.remember_if_newer(guard_key, now),
                // Read just before a writer replaced it: older, not rolled back.
                Verdict::RolledBack if self.replaced_since_read() => {}
                Verdict::RolledBack => files::warn(format_args!(
                    "{}: the register's audit trail no longer contains the last state this machine saw ({} events; the file has {}): an older copy was put back, and every change is refused until you put the latest copy back or run `rekisteri audit accept-rollback`",
                    self.path.display(),
                    seen.count,
                    now.count
                )),
            },
            None => self.remember_if_newer(guard_key, now),
        }
        Ok(())
    }

    /// After a read: records `point` unless a writer recorded a later one meanwhile.
    fn remember_if_newer(&self, guard_key: &str, point: &TrailPoint) {
        let id = derived_keys::register_id(guard_key);
        match state::load(&id) {
            Ok(Some(seen)) if seen.count >= point.count => {}
            _ => self.remember(guard_key, point),
        }
    }

    /// Records `point` as seen. A failure costs only the detection, and is said.
    fn remember(&self, guard_key: &str, point: &TrailPoint) {
        let id = derived_keys::register_id(guard_key);
        if let Err(e) = state::save(&id, point) {
            files::warn(format_args!("the rollback state was not recorded: {e}"));
        }
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
        let erased: HashSet<&str> = journal.iter().map(|e| e.subject.0.as_str()).collect();
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
            let mut identity = age::scrypt::Identity::new(passphrase.clone());
            identity.set_max_work_factor(header::MAX_WORK_FACTOR);
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
        // The plaintext is a little smaller than the file: reserve once, never grow. The
        // reservation is fallible, so a file claiming more than memory holds is an error,
        // not an abort.
        let mut plaintext = Zeroizing::new(Vec::new());
        let capacity = usize::try_from(size).unwrap_or(usize::MAX);
        plaintext
            .try_reserve_exact(capacity)
            .map_err(|_| Error::OutOfMemory {
                path: self.path.clone(),
            })?;
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
            age::DecryptError::ExcessiveWork { .. } => Error::UnsafeHeader {
                path: self.path.clone(),
                reason: format!(
                    "its passphrase work factor is above {}, more than rekisteri attempts",
                    header::MAX_WORK_FACTOR
                ),
            },
            _ => self.corrupt("it cannot be decrypted"),
        }
    }
}

/// The hash of event `seq` of a parsed trail.
fn hash_at_seq(audit: &[AuditEvent], seq: u64) -> Option<String> {
    let index = usize::try_from(seq.checked_sub(1)?).ok()?;
    audit
        .get(index)
        .filter(|e| e.seq == seq)
        .map(|e| e.hash.clone())
}

/// The subjects of `journal` that are in `register`, with their receipts.
fn replay_plan(register: &Register, journal: &[journal::Erased]) -> Vec<Replay> {
    let present: HashSet<&str> = register.subjects.iter().map(|s| s.id.0.as_str()).collect();
    journal
        .iter()
        .filter(|e| present.contains(e.subject.0.as_str()))
        .map(|e| Replay {
            subject: e.subject.clone(),
            erased_on: e.on,
            receipt: register
                .erasures
                .iter()
                .rev()
                .find(|r| r.subject == e.subject)
                .cloned(),
        })
        .collect()
}

/// Encrypts a register to its own recipients, or to `passphrase` when it is
/// passphrase-encrypted, into `output`, with its index. JSON is serialised straight into the
/// encryptor: no plaintext buffer of the whole register exists.
pub fn encrypt_to<W: Write>(
    register: &Register,
    passphrase: Option<&SecretString>,
    output: W,
) -> Result<W> {
    encrypt_with(&register.encryption, passphrase, output, |plaintext| {
        crate::core::index::write_register(plaintext, register)
    })
}

/// Encrypts to `encryption` whatever `write_plaintext` writes, into `output`: age writes the
/// header, `payload::Writer` the chunks.
pub fn encrypt_with<W: Write>(
    encryption: &Encryption,
    passphrase: Option<&SecretString>,
    output: W,
    write_plaintext: impl FnOnce(&mut payload::Writer<W>) -> io::Result<()>,
) -> Result<W> {
    let recipients: Vec<Box<dyn age::Recipient + Send>> = if encryption.passphrase {
        let passphrase = passphrase
            .ok_or_else(|| Error::Config("the register needs a passphrase to be written".into()))?;
        let mut recipient = age::scrypt::Recipient::new(passphrase.clone());
        recipient.set_work_factor(header::encryption_work_factor());
        vec![Box::new(recipient)]
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
        recipients
    };
    let recipients: Vec<&dyn age::Recipient> = recipients
        .iter()
        .map(|r| r.as_ref() as &dyn age::Recipient)
        .collect();
    let output_error = |e: io::Error| Error::io(Path::new("<output>"), e);
    // The payload writer gathers the small pieces of JSON into whole chunks and writes them
    // to `output` a few at a time: no other buffer is needed.
    let mut writer = payload::Writer::start(&recipients, output).map_err(|e| match e {
        payload::StartError::Recipients(_) if encryption.passphrase => {
            Error::Config("the passphrase cannot be used to encrypt".into())
        }
        payload::StartError::Recipients(_) => {
            Error::Config("the register's recipients cannot be used together".into())
        }
        payload::StartError::Io(e) => output_error(e),
    })?;
    write_plaintext(&mut writer).map_err(output_error)?;
    writer.finish().map_err(output_error)
}
