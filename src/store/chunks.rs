//! Decrypting a register file in pieces. age's STREAM format authenticates each 64 KiB chunk
//! with its position (and marks the last), so a payload reader (`store::payload`) can
//! seek: a chunk read on its own is authentic data of this file, and the length is proved
//! by the last chunk. Two uses: a one-subject read that decrypts only the chunks it needs
//! (`store::indexed`), and a whole read split between two threads, each with its own reader
//! over its half of the file.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

use zeroize::{Zeroize, Zeroizing};

use super::payload::{self, Source};

/// The plaintext size of one STREAM chunk.
pub const CHUNK: u64 = payload::CHUNK as u64;

/// The magic line a binary (not armored) age file starts with.
const BINARY_MAGIC: &[u8] = b"age-encryption.org/v1\n";

/// True when `file` is a binary age file (armored files are read the ordinary way).
pub fn is_binary_age(file: &File) -> bool {
    let mut start = [0u8; BINARY_MAGIC.len()];
    file.read_at(&mut start, 0)
        .is_ok_and(|n| n == start.len() && start == BINARY_MAGIC)
}

/// A decrypting reader positioned anywhere in the plaintext, over a file that several
/// readers share (opening the path again could find another file, renamed into place by a
/// writer in between).
pub type Reader<'f> = payload::Reader<'f, File>;

/// Random access to a plaintext through a seeking reader.
pub struct Chunks<'f> {
    reader: Reader<'f>,
}

impl<'f> Chunks<'f> {
    pub fn new(reader: Reader<'f>) -> Self {
        Chunks { reader }
    }

    /// The plaintext length, authenticated when the reader was opened.
    pub fn len(&self) -> u64 {
        self.reader.len()
    }

    /// The reader back, to read on from wherever it is.
    pub fn into_reader(self) -> Reader<'f> {
        self.reader
    }

    /// The `len` bytes at `offset`; an error when they are not all inside the plaintext.
    pub fn read_at(&mut self, offset: u64, len: usize) -> io::Result<Zeroizing<Vec<u8>>> {
        let end = offset.checked_add(len as u64);
        if end.is_none_or(|end| end > self.len()) {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "a range beyond the end of the plaintext",
            ));
        }
        let mut out = Zeroizing::new(vec![0u8; len]);
        self.reader.seek(SeekFrom::Start(offset))?;
        self.reader.read_exact(&mut out)?;
        Ok(out)
    }
}

/// Overwrites a plaintext with zeros and frees it. `Zeroizing` does the same when it drops,
/// but a byte at a time; a register is large, and a bulk write of its slice is many times
/// faster (the `zeroize` crate keeps the compiler from leaving either out).
pub fn wipe(plaintext: &mut Zeroizing<Vec<u8>>) {
    plaintext.as_mut_slice().zeroize();
    plaintext.spare_capacity_mut().zeroize();
    plaintext.clear();
    plaintext.shrink_to_fit();
}

/// Room for `len` bytes of plaintext, reserved fallibly (so that a file claiming more than
/// memory holds is reported, not an abort) and allocated zeroed, which takes fresh pages
/// from the system without writing them: the readers fault them in as they fill them.
fn plaintext_buffer(len: u64) -> Option<Zeroizing<Vec<u8>>> {
    let len = usize::try_from(len).ok()?;
    Vec::<u8>::new().try_reserve_exact(len).ok()?;
    Some(Zeroizing::new(vec![0u8; len]))
}

/// Decrypts the whole plaintext in one pass. `None` when the buffer cannot be reserved (the
/// caller then reads the ordinary way and reports).
pub fn read_whole(mut reader: Reader<'_>) -> io::Result<Option<Zeroizing<Vec<u8>>>> {
    let Some(mut plaintext) = plaintext_buffer(reader.len()) else {
        return Ok(None);
    };
    reader.read_exact(&mut plaintext)?;
    Ok(Some(plaintext))
}

/// Decrypts the whole plaintext on two threads at once: a copy of `reader` reads the first
/// half (whole chunks) on another thread while `reader` reads the rest, into one buffer.
/// A plaintext too small to split is read on one thread. `None` when the buffer cannot be
/// reserved.
pub fn read_in_two(mut reader: Reader<'_>) -> io::Result<Option<Zeroizing<Vec<u8>>>> {
    let total = reader.len();
    let split = (total / 2) / CHUNK * CHUNK;
    let Ok(split_usize) = usize::try_from(split) else {
        return Ok(None);
    };
    if split == 0 {
        return read_whole(reader);
    }
    let Some(mut plaintext) = plaintext_buffer(total) else {
        return Ok(None);
    };
    let (head, tail) = plaintext.split_at_mut(split_usize);
    let mut first = reader.clone();
    std::thread::scope(|scope| {
        let worker = scope.spawn(move || first.read_exact(head));
        let own = reader
            .seek(SeekFrom::Start(split))
            .and_then(|_| reader.read_exact(tail));
        let theirs = worker
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("a decrypting thread failed")));
        own.and(theirs)
    })?;
    Ok(Some(plaintext))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn encrypted(plaintext: &[u8]) -> (File, age::x25519::Identity) {
        let identity = age::x25519::Identity::generate();
        let recipient = identity.to_public();
        let mut file = tempfile::tempfile().unwrap();
        let encryptor =
            age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
                .unwrap();
        let mut writer = encryptor.wrap_output(&mut file).unwrap();
        writer.write_all(plaintext).unwrap();
        writer.finish().unwrap();
        (file, identity)
    }

    fn reader<'f>(file: &'f File, identity: &age::x25519::Identity) -> io::Result<Reader<'f>> {
        payload::open(file, std::iter::once(identity as &dyn age::Identity))
    }

    fn bytes(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 31 % 251) as u8).collect()
    }

    #[test]
    fn split_reads_and_ranges_give_the_plaintext_at_every_size() {
        let chunk = CHUNK as usize;
        for len in [0, 1, chunk - 1, chunk, chunk + 1, 2 * chunk, 5 * chunk + 7] {
            let plaintext = bytes(len);
            let (file, identity) = encrypted(&plaintext);
            assert!(is_binary_age(&file));
            let both = read_in_two(reader(&file, &identity).unwrap()).unwrap();
            let whole = read_whole(reader(&file, &identity).unwrap()).unwrap();
            assert_eq!(whole.as_deref().map(|w| &w[..]), Some(&plaintext[..]));
            assert_eq!(
                both.as_deref().map(|b| &b[..]),
                Some(&plaintext[..]),
                "{len} bytes"
            );
            let mut chunks = Chunks::new(reader(&file, &identity).unwrap());
            assert_eq!(chunks.len(), len as u64);
            for (offset, n) in [
                (0, len.min(10)),
                (len / 2, len / 3),
                (len.saturating_sub(3), len.min(3)),
            ] {
                let read = chunks.read_at(offset as u64, n).unwrap();
                assert_eq!(
                    &read[..],
                    &plaintext[offset..offset + n],
                    "{len} bytes at {offset}"
                );
            }
            assert!(chunks.read_at(len as u64, 1).is_err());
        }
    }

    #[test]
    fn a_wiped_plaintext_is_empty_and_freed() {
        let mut plaintext = Zeroizing::new(Vec::with_capacity(100));
        plaintext.extend_from_slice(&bytes(64));
        wipe(&mut plaintext);
        assert!(plaintext.is_empty());
        assert_eq!(plaintext.capacity(), 0);
    }

    #[test]
    fn a_truncated_file_fails_the_split_read() {
        let plaintext = bytes(6 * CHUNK as usize + 100);
        let (file, identity) = encrypted(&plaintext);
        let size = file.metadata().unwrap().len();
        file.set_len(size - 200).unwrap();
        let result = reader(&file, &identity).and_then(read_in_two);
        assert!(result.is_err());
        // At a chunk boundary too: the new last chunk is not marked as the last.
        file.set_len(size - (CHUNK + 16)).unwrap();
        let result = reader(&file, &identity).and_then(read_in_two);
        assert!(result.is_err());
    }
}
