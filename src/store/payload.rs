//! The payload of a binary age file — STREAM: ChaCha20-Poly1305 over 64 KiB chunks — read
//! and written here rather than through the age crate's `StreamReader` and `StreamWriter`,
//! which allocate, copy and zero every chunk on its own (more than half of their time on a
//! large register), and with `ring`'s ChaCha20-Poly1305. Everything else is the age crate's,
//! through its public API:
//!
//! - the header: age's `Encryptor` writes it (file key, recipient stanzas, MAC, payload
//!   nonce) and age's `Decryptor` parses it, unwraps the file key and checks the MAC;
//! - the file key: a recipient (or identity) wrapper hands age the real one and keeps a copy
//!   of the key age gives it (or the one it unwraps) — the only piece age does not expose;
//! - the payload key: `age_core::primitives::hkdf(nonce, "payload", file key)`, as age
//!   derives it.
//!
//! Every write makes a fresh file key and nonce (age's `Encryptor` draws both), so a payload
//! key is never used for two files, and within a file each chunk has its own nonce: the
//! 11-byte big-endian chunk counter and a last-chunk flag. A reader derives each chunk's
//! place from the file's length, authenticates every chunk it returns with its position
//! and flag, and authenticates the last chunk as the last before it says how long the
//! plaintext is — a truncated, extended or reordered file fails, never reads short.

use std::fs::File;
use std::io::{self, BufReader, IoSlice, Read, Seek, SeekFrom, Write};
use std::sync::Mutex;

use age::secrecy::ExposeSecret;
use age_core::format::{FILE_KEY_BYTES, FileKey, Stanza};
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, Tag, UnboundKey};
use zeroize::Zeroizing;

/// The plaintext size of one chunk.
pub const CHUNK: usize = 64 * 1024;
/// The Poly1305 tag after each chunk.
const TAG: usize = 16;
/// One chunk as it is stored.
const SEALED: usize = CHUNK + TAG;
/// The random nonce between the header and the first chunk.
const NONCE: usize = 16;
/// The most header bytes looked through for its end (the store checks the header's size
/// before age parses it).
const MAX_HEADER: u64 = 2 * 1024 * 1024;
/// Chunks read and decrypted (or encrypted and written) at a time.
const BATCH: usize = 4;

/// The nonce of chunk `counter`: unique within a file, whose payload key is its own.
fn nonce(counter: u64, last: bool) -> Nonce {
    let mut nonce = [0u8; 12];
    nonce[3..11].copy_from_slice(&counter.to_be_bytes());
    nonce[11] = u8::from(last);
    Nonce::assume_unique_for_key(nonce)
}

/// The payload cipher: ChaCha20-Poly1305 from `ring`, whose assembly is about 1.7 times as
/// fast on this machine as the pure-Rust crate age uses (the same algorithm: files are
/// interchangeable, which the tests check against the age crate and Go age).
type Cipher = LessSafeKey;

fn damaged(reason: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, reason)
}

/// The key age used (or found), copied as it passes; conflicting copies are refused.
#[derive(Default)]
struct Caught(Mutex<Catch>);

#[derive(Default)]
enum Catch {
    #[default]
    Nothing,
    Key(Zeroizing<[u8; FILE_KEY_BYTES]>),
    Conflict,
}

impl Caught {
    fn keep(&self, key: &FileKey) {
        let Ok(mut caught) = self.0.lock() else {
            return;
        };
        let copy = Zeroizing::new(*key.expose_secret());
        *caught = match std::mem::take(&mut *caught) {
            Catch::Nothing => Catch::Key(copy),
            Catch::Key(kept) if *kept == *copy => Catch::Key(kept),
            _ => Catch::Conflict,
        };
    }

    fn take(&self) -> Option<Zeroizing<[u8; FILE_KEY_BYTES]>> {
        match std::mem::take(&mut *self.0.lock().ok()?) {
            Catch::Key(key) => Some(key),
            _ => None,
        }
    }
}

/// A recipient that wraps the file key as `inner` does, and keeps a copy.
struct CatchingRecipient<'a> {
    inner: &'a dyn age::Recipient,
    caught: &'a Caught,
}

impl age::Recipient for CatchingRecipient<'_> {
    fn wrap_file_key(
        &self,
        file_key: &FileKey,
    ) -> Result<(Vec<Stanza>, std::collections::HashSet<String>), age::EncryptError> {
        self.caught.keep(file_key);
        self.inner.wrap_file_key(file_key)
    }
}

/// An identity that unwraps as `inner` does, and keeps a copy of the key it finds.
struct CatchingIdentity<'a> {
    inner: &'a dyn age::Identity,
    caught: &'a Caught,
}

impl CatchingIdentity<'_> {
    fn keep(
        &self,
        found: Option<Result<FileKey, age::DecryptError>>,
    ) -> Option<Result<FileKey, age::DecryptError>> {
        if let Some(Ok(key)) = &found {
            self.caught.keep(key);
        }
        found
    }
}

impl age::Identity for CatchingIdentity<'_> {
    fn unwrap_stanza(&self, stanza: &Stanza) -> Option<Result<FileKey, age::DecryptError>> {
        self.keep(self.inner.unwrap_stanza(stanza))
    }

    fn unwrap_stanzas(&self, stanzas: &[Stanza]) -> Option<Result<FileKey, age::DecryptError>> {
        self.keep(self.inner.unwrap_stanzas(stanzas))
    }
}

/// Where the header that starts `bytes` ends: after its MAC line, `--- ` and the MAC. Stanza
/// lines start with `-> ` or are base64, which has no `-`, so the first line that starts
/// with `---` is the MAC line.
fn header_end(bytes: &[u8]) -> Option<usize> {
    let mac = memchr::memmem::find(bytes, b"\n--- ")? + 1;
    let newline = memchr::memchr(b'\n', &bytes[mac..])?;
    Some(mac + newline + 1)
}

/// The payload key for `nonce` under `file_key`, as age derives it.
fn payload_cipher(file_key: &[u8; FILE_KEY_BYTES], nonce: &[u8]) -> io::Result<Cipher> {
    let key = Zeroizing::new(age_core::primitives::hkdf(nonce, b"payload", file_key));
    let key = UnboundKey::new(&CHACHA20_POLY1305, key.as_slice())
        .map_err(|_| io::Error::other("the payload key has the wrong length"))?;
    Ok(LessSafeKey::new(key))
}

/// Encrypts `text` in place as chunk `counter` and moves the counter on: the one place a
/// chunk nonce is used for sealing.
fn seal_next(cipher: &Cipher, counter: &mut u64, text: &mut [u8], last: bool) -> io::Result<Tag> {
    let tag = cipher
        .seal_in_place_separate_tag(nonce(*counter, last), Aad::empty(), text)
        .map_err(|_| io::Error::other("a chunk could not be encrypted"))?;
    *counter = counter
        .checked_add(1)
        .ok_or_else(|| io::Error::other("too many chunks"))?;
    Ok(tag)
}

/// Why a payload could not be started.
#[derive(Debug)]
pub enum StartError {
    /// age refused the recipients (for example a passphrase mixed with keys).
    Recipients(age::EncryptError),
    Io(io::Error),
}

/// Writes an age file: age's header, then the payload encrypted here. `finish` writes the
/// last chunk; a writer dropped before it leaves a file that fails to decrypt.
pub struct Writer<W: Write> {
    out: W,
    cipher: Cipher,
    counter: u64,
    /// Sealed chunks waiting to be written, then the open chunk's plaintext from `open`.
    pending: Zeroizing<Vec<u8>>,
    open: usize,
}

impl<W: Write> Writer<W> {
    /// Writes the header for `recipients` to `out` (age's `Encryptor`, with a fresh file key
    /// and nonce) and is ready for the plaintext.
    pub fn start(recipients: &[&dyn age::Recipient], mut out: W) -> Result<Self, StartError> {
        let caught = Caught::default();
        let catching: Vec<CatchingRecipient<'_>> = recipients
            .iter()
            .map(|&inner| CatchingRecipient {
                inner,
                caught: &caught,
            })
            .collect();
        let encryptor =
            age::Encryptor::with_recipients(catching.iter().map(|r| r as &dyn age::Recipient))
                .map_err(StartError::Recipients)?;
        // age writes the header and the payload nonce as it starts, and nothing more until
        // a chunk is full: the stream it returns is dropped unused.
        let mut head = Vec::new();
        drop(encryptor.wrap_output(&mut head).map_err(StartError::Io)?);
        let file_key = caught
            .take()
            .ok_or_else(|| StartError::Io(io::Error::other("age used no single file key")))?;
        let cipher = match header_end(&head) {
            Some(end) if head.len() == end + NONCE => {
                payload_cipher(&file_key, &head[end..]).map_err(StartError::Io)?
            }
            _ => {
                return Err(StartError::Io(io::Error::other(
                    "age wrote a header of an unknown shape",
                )));
            }
        };
        out.write_all(&head).map_err(StartError::Io)?;
        Ok(Writer {
            out,
            cipher,
            counter: 0,
            pending: Zeroizing::new(Vec::with_capacity(BATCH * SEALED)),
            open: 0,
        })
    }

    /// Encrypts the open chunk in place and appends its tag.
    fn seal(&mut self, last: bool) -> io::Result<()> {
        let tag = seal_next(
            &self.cipher,
            &mut self.counter,
            &mut self.pending[self.open..],
            last,
        )?;
        self.pending.extend_from_slice(tag.as_ref());
        self.open = self.pending.len();
        Ok(())
    }

    /// Writes the sealed chunks out.
    fn flush_sealed(&mut self) -> io::Result<()> {
        debug_assert_eq!(self.open, self.pending.len());
        self.out.write_all(&self.pending)?;
        self.pending.clear();
        self.open = 0;
        Ok(())
    }

    /// Writes `block`, its whole chunks encrypted where they lie, without a copy, and written
    /// with their tags in one vectored write. Its last piece is kept open, as `write` keeps
    /// it: only what follows decides whether it is the last chunk. The block holds
    /// ciphertext afterwards.
    pub fn write_in_place(&mut self, block: &mut [u8]) -> io::Result<()> {
        let open_len = self.pending.len() - self.open;
        let fill = if open_len == 0 {
            0
        } else {
            (CHUNK - open_len).min(block.len())
        };
        let (head, rest) = block.split_at_mut(fill);
        self.write_all(head)?;
        let whole = rest.len().saturating_sub(1) / CHUNK * CHUNK;
        if whole == 0 {
            return self.write_all(rest);
        }
        if self.pending.len() - self.open == CHUNK {
            // Full, and more follows.
            self.seal(false)?;
        }
        let (chunks, tail) = rest.split_at_mut(whole);
        let mut tags = Vec::with_capacity(whole / CHUNK);
        for text in chunks.chunks_exact_mut(CHUNK) {
            tags.push(seal_next(&self.cipher, &mut self.counter, text, false)?);
        }
        let mut slices = Vec::with_capacity(1 + 2 * tags.len());
        slices.push(IoSlice::new(&self.pending));
        for (text, tag) in chunks.chunks_exact(CHUNK).zip(&tags) {
            slices.push(IoSlice::new(text));
            slices.push(IoSlice::new(tag.as_ref()));
        }
        write_all_slices(&mut self.out, &mut slices)?;
        self.pending.clear();
        self.open = 0;
        self.write_all(tail)
    }

    /// Seals the last chunk (empty only when the whole plaintext is), writes everything and
    /// returns the output.
    pub fn finish(mut self) -> io::Result<W> {
        self.seal(true)?;
        self.flush_sealed()?;
        let mut out = self.out;
        out.flush()?;
        Ok(out)
    }
}

impl<W: Write> Write for Writer<W> {
    fn write(&mut self, mut buf: &[u8]) -> io::Result<usize> {
        let written = buf.len();
        while !buf.is_empty() {
            let room = CHUNK - (self.pending.len() - self.open);
            if room == 0 {
                // Only now is it known that this chunk is not the last.
                self.seal(false)?;
                if self.pending.len() + SEALED > self.pending.capacity() {
                    self.flush_sealed()?;
                }
                continue;
            }
            let take = room.min(buf.len());
            self.pending.extend_from_slice(&buf[..take]);
            buf = &buf[take..];
        }
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        // The open chunk cannot be written before it is full or the last.
        Ok(())
    }
}

/// `write_all` for several slices (`Write::write_all_vectored` is not stable).
fn write_all_slices<W: Write>(out: &mut W, mut slices: &mut [IoSlice<'_>]) -> io::Result<()> {
    IoSlice::advance_slices(&mut slices, 0);
    while !slices.is_empty() {
        match out.write_vectored(slices) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::WriteZero,
                    "the output takes no more",
                ));
            }
            Ok(n) => IoSlice::advance_slices(&mut slices, n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Bytes that can be read at any position, by several readers at once.
pub trait Source: Sync {
    fn read_at(&self, buf: &mut [u8], at: u64) -> io::Result<usize>;
    fn size(&self) -> io::Result<u64>;
}

impl Source for File {
    #[cfg(unix)]
    fn read_at(&self, buf: &mut [u8], at: u64) -> io::Result<usize> {
        std::os::unix::fs::FileExt::read_at(self, buf, at)
    }

    #[cfg(not(unix))]
    fn read_at(&self, buf: &mut [u8], at: u64) -> io::Result<usize> {
        std::os::windows::fs::FileExt::seek_read(self, buf, at)
    }

    fn size(&self) -> io::Result<u64> {
        Ok(self.metadata()?.len())
    }
}

impl Source for [u8] {
    fn read_at(&self, buf: &mut [u8], at: u64) -> io::Result<usize> {
        let start = usize::try_from(at).map_or(self.len(), |at| at.min(self.len()));
        let n = buf.len().min(self.len() - start);
        buf[..n].copy_from_slice(&self[start..start + n]);
        Ok(n)
    }

    fn size(&self) -> io::Result<u64> {
        Ok(self.len() as u64)
    }
}

/// Fills `buf` from `at`, or fails at the end.
fn read_exact_at<S: Source + ?Sized>(
    source: &S,
    mut buf: &mut [u8],
    mut at: u64,
) -> io::Result<()> {
    while !buf.is_empty() {
        match source.read_at(buf, at) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the file ends early",
                ));
            }
            Ok(n) => {
                buf = &mut buf[n..];
                at += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// A `Read` over a `Source` from a position, for age's header parser.
struct ReadFrom<'s, S: ?Sized> {
    source: &'s S,
    at: u64,
}

impl<S: Source + ?Sized> Read for ReadFrom<'_, S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.source.read_at(buf, self.at)?;
        self.at += n as u64;
        Ok(n)
    }
}

/// Opens the age file in `source` with `identities`: age parses the header, unwraps the file
/// key and checks the MAC; the payload is then read here. `Unsupported` for a passphrase
/// file (the caller asks for the passphrase and reads it through age).
pub fn open<'s, 'i, S: Source + ?Sized>(
    source: &'s S,
    identities: impl Iterator<Item = &'i dyn age::Identity>,
) -> io::Result<Reader<'s, S>> {
    let decryptor = age::Decryptor::new_buffered(BufReader::new(ReadFrom { source, at: 0 }))
        .map_err(io::Error::other)?;
    if decryptor.is_scrypt() {
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "a passphrase file",
        ));
    }
    let caught = Caught::default();
    let catching: Vec<CatchingIdentity<'_>> = identities
        .map(|inner| CatchingIdentity {
            inner,
            caught: &caught,
        })
        .collect();
    drop(
        decryptor
            .decrypt(catching.iter().map(|i| i as &dyn age::Identity))
            .map_err(io::Error::other)?,
    );
    let file_key = caught
        .take()
        .ok_or_else(|| io::Error::other("no single file key was found"))?;
    let end = find_header_end(source)?;
    let mut payload_nonce = [0u8; NONCE];
    read_exact_at(source, &mut payload_nonce, end)?;
    Reader::new(
        source,
        payload_cipher(&file_key, &payload_nonce)?,
        end + NONCE as u64,
    )
}

/// The header's length, read in growing pieces.
fn find_header_end<S: Source + ?Sized>(source: &S) -> io::Result<u64> {
    let mut head = Vec::new();
    let mut piece = [0u8; 4096];
    // Where the MAC line starts, once seen.
    let mut mac = None;
    loop {
        let n = source.read_at(&mut piece, head.len() as u64)?;
        if n == 0 || head.len() as u64 > MAX_HEADER {
            return Err(damaged("the header does not end"));
        }
        let before = head.len();
        head.extend_from_slice(&piece[..n]);
        if mac.is_none() {
            // From a little before the new piece, for a mark split between two pieces.
            let from = before.saturating_sub(4);
            mac = memchr::memmem::find(&head[from..], b"\n--- ").map(|at| from + at + 1);
        }
        if let Some(mac) = mac
            && let Some(newline) = memchr::memchr(b'\n', &head[mac..])
        {
            return Ok((mac + newline + 1) as u64);
        }
    }
}

/// Reads the plaintext of an age payload anywhere, chunk by chunk. Cloning gives another
/// reader over the same file (for another thread).
pub struct Reader<'s, S: ?Sized> {
    source: &'s S,
    cipher: Cipher,
    /// Where the first chunk starts.
    start: u64,
    /// How many chunks there are, and the plaintext length, authenticated.
    chunks: u64,
    len: u64,
    pos: u64,
    /// Decrypted chunks `first..first + held` (chunk `k` at `k * SEALED`).
    buffer: Zeroizing<Vec<u8>>,
    first: u64,
    held: u64,
}

impl<S: ?Sized> Clone for Reader<'_, S> {
    fn clone(&self) -> Self {
        Reader {
            source: self.source,
            cipher: self.cipher.clone(),
            start: self.start,
            chunks: self.chunks,
            len: self.len,
            pos: 0,
            buffer: Zeroizing::new(Vec::new()),
            first: 0,
            held: 0,
        }
    }
}

/// The buffer for a batch of chunks, allocated at its full size on first use (a reader
/// whose reads are all whole chunks never needs it): it is never grown, which would leave a
/// copy of the plaintext in the freed allocation.
fn batch_buffer(buffer: &mut Zeroizing<Vec<u8>>) -> &mut [u8] {
    if buffer.len() < BATCH * SEALED {
        *buffer = Zeroizing::new(vec![0u8; BATCH * SEALED]);
    }
    buffer.as_mut_slice()
}

impl<'s, S: Source + ?Sized> Reader<'s, S> {
    /// A reader of the payload from `start`, whose chunks lie where the file's length puts
    /// them; the last is decrypted now, which proves the length.
    pub fn new(source: &'s S, cipher: Cipher, start: u64) -> io::Result<Self> {
        let size = source.size()?;
        let payload = size
            .checked_sub(start)
            .filter(|&p| p >= TAG as u64)
            .ok_or_else(|| damaged("the file is truncated"))?;
        let sealed = SEALED as u64;
        let chunks = payload.div_ceil(sealed);
        let last = payload - (chunks - 1) * sealed;
        if last < TAG as u64 {
            return Err(damaged("the file is truncated"));
        }
        if last == TAG as u64 && chunks > 1 {
            return Err(damaged("the last chunk is empty"));
        }
        let len = (chunks - 1) * CHUNK as u64 + (last - TAG as u64);
        let mut reader = Reader {
            source,
            cipher,
            start,
            chunks,
            len,
            pos: 0,
            buffer: Zeroizing::new(Vec::new()),
            first: 0,
            held: 0,
        };
        reader.decrypt(chunks - 1, 1)?;
        Ok(reader)
    }

    /// The plaintext length.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Where the payload starts: the header and the payload nonce come before it. Without
    /// them nothing decrypts the payload.
    pub fn payload_start(&self) -> u64 {
        self.start
    }

    /// True when the plaintext is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The stored length of chunk `k`.
    fn sealed_len(&self, k: u64) -> usize {
        if k + 1 == self.chunks {
            (self.len - k * CHUNK as u64) as usize + TAG
        } else {
            SEALED
        }
    }

    /// The plaintext length of chunk `k`.
    fn text_len(&self, k: u64) -> usize {
        self.sealed_len(k) - TAG
    }

    /// Reads and decrypts whole chunks from `first` straight into `buf`, as many as fit (at
    /// least one): no copy through the buffer. Returns the bytes read.
    fn decrypt_into(&mut self, first: u64, buf: &mut [u8]) -> io::Result<usize> {
        let mut filled = 0;
        let mut k = first;
        while k < self.chunks && filled + self.text_len(k) <= buf.len() {
            let text = &mut buf[filled..filled + self.text_len(k)];
            let at = self.start + k * SEALED as u64;
            let mut tag = [0u8; TAG];
            self.read_payload(text, at)?;
            self.read_payload(&mut tag, at + text.len() as u64)?;
            self.open(k, text, Tag::from(tag))?;
            filled += text.len();
            k += 1;
        }
        self.pos += filled as u64;
        Ok(filled)
    }

    /// Fills `buf` from the file at `at`; a file that ends first is truncated.
    fn read_payload(&self, buf: &mut [u8], at: u64) -> io::Result<()> {
        read_exact_at(self.source, buf, at).map_err(|e| match e.kind() {
            io::ErrorKind::UnexpectedEof => damaged("the file is truncated"),
            _ => e,
        })
    }

    /// Authenticates and decrypts chunk `k` in place.
    fn open(&self, k: u64, text: &mut [u8], tag: Tag) -> io::Result<()> {
        self.cipher
            .open_in_place_separate_tag(
                nonce(k, k + 1 == self.chunks),
                Aad::empty(),
                tag,
                text,
                0..,
            )
            .map(|_| ())
            .map_err(|_| damaged("a chunk fails to decrypt"))
    }

    /// Reads the sealed chunks from `first` into `batch` and decrypts each where it lies.
    fn open_batch(&self, first: u64, batch: &mut [u8]) -> io::Result<()> {
        self.read_payload(batch, self.start + first * SEALED as u64)?;
        for (i, sealed) in batch.chunks_mut(SEALED).enumerate() {
            let (text, tag) = sealed.split_at_mut(sealed.len() - TAG);
            let tag = Tag::try_from(&tag[..]).map_err(|_| damaged("a chunk is cut"))?;
            self.open(first + i as u64, text, tag)?;
        }
        Ok(())
    }

    /// Reads and decrypts chunks `first..first + count` (all there are) into the buffer.
    fn decrypt(&mut self, first: u64, count: u64) -> io::Result<()> {
        self.held = 0;
        let bytes: usize = (first..first + count).map(|k| self.sealed_len(k)).sum();
        let mut buffer = std::mem::take(&mut self.buffer);
        let result = self.open_batch(first, &mut batch_buffer(&mut buffer)[..bytes]);
        self.buffer = buffer;
        result?;
        self.first = first;
        self.held = count;
        Ok(())
    }
}

impl<S: Source + ?Sized> Read for Reader<'_, S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.len || buf.is_empty() {
            return Ok(0);
        }
        let chunk = self.pos / CHUNK as u64;
        if self.pos.is_multiple_of(CHUNK as u64) && buf.len() >= self.text_len(chunk) {
            return self.decrypt_into(chunk, buf);
        }
        if !(self.first..self.first + self.held).contains(&chunk) {
            // As many chunks as the read wants, up to a batch.
            let wanted = (self.pos % CHUNK as u64 + buf.len() as u64).div_ceil(CHUNK as u64);
            let count = wanted.min(BATCH as u64).min(self.chunks - chunk);
            self.decrypt(chunk, count)?;
        }
        let mut copied = 0;
        while copied < buf.len() && self.pos < self.len {
            let chunk = self.pos / CHUNK as u64;
            if chunk >= self.first + self.held {
                break;
            }
            let at = (chunk - self.first) as usize * SEALED + (self.pos % CHUNK as u64) as usize;
            let end = (chunk - self.first) as usize * SEALED + self.sealed_len(chunk) - TAG;
            let n = (end - at).min(buf.len() - copied);
            buf[copied..copied + n].copy_from_slice(&self.buffer[at..at + n]);
            copied += n;
            self.pos += n as u64;
        }
        Ok(copied)
    }
}

impl<S: Source + ?Sized> Seek for Reader<'_, S> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let target = match pos {
            SeekFrom::Start(at) => Some(at),
            SeekFrom::Current(delta) => self.pos.checked_add_signed(delta),
            SeekFrom::End(delta) => self.len.checked_add_signed(delta),
        };
        self.pos = target
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        Ok(self.pos)
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Read, Seek, SeekFrom, Write};

    use age::secrecy::SecretString;
    use proptest::prelude::*;

    use super::*;

    fn bytes(len: usize, seed: usize) -> Vec<u8> {
        (0..len)
            .map(|i| ((i * 31 + seed * 7) % 251) as u8)
            .collect()
    }

    /// Encrypts `plaintext` with the payload writer to `recipients`, written in pieces of
    /// `piece` bytes.
    fn sealed(recipients: &[&dyn age::Recipient], plaintext: &[u8], piece: usize) -> Vec<u8> {
        let mut writer = Writer::start(recipients, Vec::new()).unwrap();
        for part in plaintext.chunks(piece.max(1)) {
            writer.write_all(part).unwrap();
        }
        writer.finish().unwrap()
    }

    /// What the age crate reads from `file` with `identity`.
    fn age_reads(file: &[u8], identity: &dyn age::Identity) -> io::Result<Vec<u8>> {
        let decryptor = age::Decryptor::new(file).map_err(io::Error::other)?;
        let mut reader = decryptor
            .decrypt(std::iter::once(identity))
            .map_err(io::Error::other)?;
        let mut out = Vec::new();
        reader.read_to_end(&mut out)?;
        Ok(out)
    }

    /// What the payload reader reads from `file` with `identity`, whole: in small reads
    /// through its buffer, and in one read straight into the destination, which must agree.
    fn we_read(file: &[u8], identity: &dyn age::Identity) -> io::Result<Vec<u8>> {
        let mut reader = open(file, std::iter::once(identity))?;
        let mut direct = vec![0u8; reader.len() as usize];
        let at_once = reader.read_exact(&mut direct);
        reader.seek(SeekFrom::Start(0))?;
        let mut out = Vec::new();
        let mut piece = [0u8; 1000];
        let in_pieces = loop {
            match reader.read(&mut piece) {
                Ok(0) => break Ok(()),
                Ok(n) => out.extend_from_slice(&piece[..n]),
                Err(e) => break Err(e),
            }
        };
        assert_eq!(at_once.is_ok(), in_pieces.is_ok());
        in_pieces?;
        assert_eq!(out, direct);
        assert_eq!(out.len() as u64, reader.len());
        Ok(out)
    }

    /// What the age crate writes.
    fn age_sealed(recipient: &dyn age::Recipient, plaintext: &[u8]) -> Vec<u8> {
        let encryptor = age::Encryptor::with_recipients(std::iter::once(recipient)).unwrap();
        let mut out = Vec::new();
        let mut writer = encryptor.wrap_output(&mut out).unwrap();
        writer.write_all(plaintext).unwrap();
        writer.finish().unwrap();
        out
    }

    const SIZES: [usize; 11] = [
        0,
        1,
        CHUNK - 1,
        CHUNK,
        CHUNK + 1,
        2 * CHUNK,
        BATCH * CHUNK - 1,
        BATCH * CHUNK,
        BATCH * CHUNK + 1,
        (2 * BATCH + 1) * CHUNK,
        9 * CHUNK + 12_345,
    ];

    #[test]
    fn the_age_crate_reads_what_the_writer_writes_and_back() {
        let identity = age::x25519::Identity::generate();
        let recipient = identity.to_public();
        for len in SIZES {
            let plaintext = bytes(len, len);
            for piece in [1usize << 20, 7, CHUNK] {
                if piece == 7 && len > 3 * CHUNK {
                    continue;
                }
                let file = sealed(&[&recipient], &plaintext, piece);
                assert_eq!(
                    age_reads(&file, &identity).unwrap(),
                    plaintext,
                    "{len}/{piece}"
                );
                assert_eq!(
                    we_read(&file, &identity).unwrap(),
                    plaintext,
                    "{len}/{piece}"
                );
            }
            let theirs = age_sealed(&recipient, &plaintext);
            assert_eq!(we_read(&theirs, &identity).unwrap(), plaintext, "{len}");
            // A payload as long as age's own (headers differ: age adds random stanzas).
            let ours = sealed(&[&recipient], &plaintext, CHUNK);
            assert_eq!(
                ours.len() - header_end(&ours).unwrap(),
                theirs.len() - header_end(&theirs).unwrap()
            );
        }
    }

    #[test]
    fn every_write_has_a_fresh_key() {
        let identity = age::x25519::Identity::generate();
        let recipient = identity.to_public();
        let plaintext = bytes(3 * CHUNK, 1);
        let one = sealed(&[&recipient], &plaintext, CHUNK);
        let two = sealed(&[&recipient], &plaintext, CHUNK);
        let (one_end, two_end) = (header_end(&one).unwrap(), header_end(&two).unwrap());
        assert_ne!(one[..one_end], two[..two_end], "header");
        assert_ne!(
            one[one_end..one_end + NONCE],
            two[two_end..two_end + NONCE],
            "payload nonce"
        );
        // No chunk repeats between the two files, nor within one.
        let chunks_of = |file: &[u8], end: usize| -> Vec<Vec<u8>> {
            file[end + NONCE..]
                .chunks(SEALED)
                .map(<[u8]>::to_vec)
                .collect()
        };
        let mut all = chunks_of(&one, one_end);
        all.extend(chunks_of(&two, two_end));
        let count = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), count);
    }

    #[test]
    fn several_recipients_and_a_passphrase() {
        let first = age::x25519::Identity::generate();
        let second = age::x25519::Identity::generate();
        let plaintext = bytes(2 * CHUNK + 3, 2);
        let file = sealed(
            &[&first.to_public(), &second.to_public()],
            &plaintext,
            CHUNK,
        );
        for identity in [&first, &second] {
            assert_eq!(age_reads(&file, identity).unwrap(), plaintext);
            assert_eq!(we_read(&file, identity).unwrap(), plaintext);
        }
        let stranger = age::x25519::Identity::generate();
        assert!(we_read(&file, &stranger).is_err());

        let passphrase = SecretString::from("correct horse battery staple".to_owned());
        let mut recipient = age::scrypt::Recipient::new(passphrase.clone());
        recipient.set_work_factor(10);
        let file = sealed(&[&recipient], &plaintext, CHUNK);
        let identity = age::scrypt::Identity::new(passphrase);
        assert_eq!(age_reads(&file, &identity).unwrap(), plaintext);
        let refused = we_read(&file, &identity).unwrap_err();
        assert_eq!(refused.kind(), io::ErrorKind::Unsupported);
        // age refuses a passphrase mixed with keys, and so does the writer.
        assert!(matches!(
            Writer::start(&[&recipient, &first.to_public()], Vec::new()),
            Err(StartError::Recipients(_))
        ));
    }

    #[test]
    fn damage_anywhere_is_an_error_never_other_data() {
        let identity = age::x25519::Identity::generate();
        let plaintext = bytes(5 * CHUNK + 100, 3);
        let file = sealed(&[&identity.to_public()], &plaintext, CHUNK);
        let start = header_end(&file).unwrap() + NONCE;
        // A flipped bit in each chunk, in its text and in its tag, and in the nonce.
        let mut places = vec![start - 1];
        for k in 0..6 {
            places.push(start + k * SEALED + 10);
            places.push((start + k * SEALED + SEALED - 1).min(file.len() - 1));
        }
        for at in places {
            let mut bad = file.clone();
            bad[at] ^= 0x01;
            assert!(we_read(&bad, &identity).is_err(), "a flipped bit at {at}");
        }
        // Cut anywhere, at a chunk boundary too, or extended by a chunk.
        for cut in [
            file.len() - 1,
            start + 5 * SEALED,
            start + 4 * SEALED,
            start + SEALED + 16,
            start + 3,
            start,
        ] {
            assert!(we_read(&file[..cut], &identity).is_err(), "cut at {cut}");
        }
        let mut longer = file.clone();
        longer.extend_from_slice(&file[start..start + SEALED]);
        assert!(we_read(&longer, &identity).is_err(), "a chunk appended");
        // Two chunks swapped.
        let mut swapped = file.clone();
        let (a, b) = (start, start + SEALED);
        let first: Vec<u8> = file[a..a + SEALED].to_vec();
        swapped.copy_within(b..b + SEALED, a);
        swapped[b..b + SEALED].copy_from_slice(&first);
        assert!(we_read(&swapped, &identity).is_err(), "chunks swapped");
    }

    #[test]
    fn a_last_chunk_that_is_empty_is_refused() {
        // A file whose plaintext is whole chunks and that ends with an extra empty chunk
        // marked last: age refuses it, and so does the reader.
        let identity = age::x25519::Identity::generate();
        let recipient = identity.to_public();
        let plaintext = bytes(2 * CHUNK, 4);
        let caught = Caught::default();
        let catching = CatchingRecipient {
            inner: &recipient,
            caught: &caught,
        };
        let encryptor =
            age::Encryptor::with_recipients(std::iter::once(&catching as &dyn age::Recipient))
                .unwrap();
        let mut file = Vec::new();
        drop(encryptor.wrap_output(&mut file).unwrap());
        let end = header_end(&file).unwrap();
        let cipher = payload_cipher(&caught.take().unwrap(), &file[end..end + NONCE]).unwrap();
        for (k, text) in plaintext.chunks(CHUNK).enumerate() {
            let mut text = text.to_vec();
            let tag = cipher
                .seal_in_place_separate_tag(nonce(k as u64, false), Aad::empty(), &mut text)
                .unwrap();
            file.extend_from_slice(&text);
            file.extend_from_slice(tag.as_ref());
        }
        let tag = cipher
            .seal_in_place_separate_tag(nonce(2, true), Aad::empty(), &mut [])
            .unwrap();
        file.extend_from_slice(tag.as_ref());
        assert!(age_reads(&file, &identity).is_err());
        assert!(we_read(&file, &identity).is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Blocks encrypted in place, mixed with ordinary writes of any size, make the same
        /// plaintext as one ordinary write.
        #[test]
        fn writes_in_place_and_copied_mix(
            pieces in proptest::collection::vec((0usize..(5 * CHUNK), any::<bool>()), 0..8),
        ) {
            let identity = age::x25519::Identity::generate();
            let recipient = identity.to_public();
            let mut writer = Writer::start(&[&recipient], Vec::new()).unwrap();
            let mut plaintext = Vec::new();
            for (i, (len, in_place)) in pieces.into_iter().enumerate() {
                let mut piece = bytes(len, i);
                plaintext.extend_from_slice(&piece);
                if in_place {
                    writer.write_in_place(&mut piece).unwrap();
                } else {
                    writer.write_all(&piece).unwrap();
                }
            }
            let file = writer.finish().unwrap();
            prop_assert_eq!(&age_reads(&file, &identity).unwrap(), &plaintext);
            prop_assert_eq!(&we_read(&file, &identity).unwrap(), &plaintext);
        }

        /// Any size, written in any pieces: the age crate and the reader get the plaintext
        /// back, and reads anywhere return the bytes there.
        #[test]
        fn round_trips_at_any_size(
            len in prop_oneof![
                0usize..3,
                (CHUNK - 2)..(CHUNK + 2),
                0usize..(12 * CHUNK),
            ],
            piece in 1usize..(3 * CHUNK),
            seed in 0usize..1000,
            reads in proptest::collection::vec((0usize..(13 * CHUNK), 0usize..(2 * CHUNK)), 0..6),
        ) {
            let identity = age::x25519::Identity::generate();
            let plaintext = bytes(len, seed);
            let file = sealed(&[&identity.to_public()], &plaintext, piece);
            prop_assert_eq!(&age_reads(&file, &identity).unwrap(), &plaintext);
            prop_assert_eq!(&we_read(&file, &identity).unwrap(), &plaintext);
            let mut reader = open(&file[..], std::iter::once(&identity as &dyn age::Identity)).unwrap();
            for (at, n) in reads {
                reader.seek(SeekFrom::Start(at as u64)).unwrap();
                let mut out = Vec::new();
                (&mut reader).take(n as u64).read_to_end(&mut out).unwrap();
                let from = at.min(len);
                prop_assert_eq!(&out[..], &plaintext[from..(from + n).min(len)]);
            }
            // The cursor of a `Read` over the file as a whole works as well.
            let mut cursor = Cursor::new(&file);
            let mut all = Vec::new();
            cursor.read_to_end(&mut all).unwrap();
            prop_assert_eq!(all, file);
        }
    }
}
