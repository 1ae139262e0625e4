#![no_main]
//! The payload reader (`store::payload`): any bytes read as an age file never panic; and a
//! file the payload writer made, then damaged as the input says (bytes changed, cut short,
//! extended), is either read back exactly — whole, and at any position — or refused. It never
//! returns other bytes.

use std::io::{Read, Seek, SeekFrom, Write};
use std::sync::OnceLock;

use rekisteri::store::payload;

static IDENTITY: OnceLock<age::x25519::Identity> = OnceLock::new();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let identity = IDENTITY.get_or_init(age::x25519::Identity::generate);
    let identities = || std::iter::once(identity as &dyn age::Identity);

    if let Ok(mut reader) = payload::open(data, identities()) {
        let mut sink = Vec::new();
        let _ = reader.read_to_end(&mut sink);
    }

    let Some((size, edits)) = data.split_first_chunk::<2>() else {
        return;
    };
    // Up to about 13 chunks of plaintext.
    let len = usize::from(u16::from_le_bytes(*size)) * 13;
    let plaintext: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
    let mut writer = payload::Writer::start(&[&identity.to_public()], Vec::new())
        .expect("a header for a fresh key");
    writer.write_all(&plaintext).expect("writing to memory");
    let file = writer.finish().expect("writing to memory");

    let mut damaged = file.clone();
    for edit in edits.chunks_exact(5) {
        let at = u32::from_le_bytes([edit[0], edit[1], edit[2], edit[3]]) as usize;
        match edit[4] {
            0 => damaged.truncate(at % (damaged.len() + 1)),
            1 => damaged.extend_from_slice(&edit[..4]),
            flip if !damaged.is_empty() => {
                let at = at % damaged.len();
                damaged[at] ^= flip;
            }
            _ => {}
        }
    }

    let Ok(mut reader) = payload::open(&damaged[..], identities()) else {
        return;
    };
    let mut read = Vec::new();
    if reader.read_to_end(&mut read).is_err() {
        return;
    }
    assert!(read == plaintext, "the reader returned other bytes");
    assert!(damaged == file, "a damaged file read back whole");
    for edit in edits.chunks_exact(5) {
        let at = u32::from_le_bytes([edit[0], edit[1], edit[2], edit[3]]) as usize % (len + 1);
        let n = usize::from(edit[4]) * 700;
        reader.seek(SeekFrom::Start(at as u64)).expect("a seek");
        let mut part = Vec::new();
        (&mut reader)
            .take(n as u64)
            .read_to_end(&mut part)
            .expect("reading an undamaged file");
        assert!(part[..] == plaintext[at..(at + n).min(len)], "a read at {at}");
    }
});
