//! The payload writer and reader (`store::payload`) against Go `age`, the reference
//! implementation: every file the writer makes at the sizes where chunking can go wrong
//! (0, 1, a chunk ± 1, a batch of chunks ± 1, many chunks) decrypts with `age -d` to the
//! same bytes, and every file `age -e` makes reads back through the payload reader.

mod support;

use std::io::{Read, Write};
use std::process::Command;

use age::secrecy::ExposeSecret;
use rekisteri::store::payload;
use support::*;

const CHUNK: usize = 64 * 1024;

const SIZES: [usize; 10] = [
    0,
    1,
    CHUNK - 1,
    CHUNK,
    CHUNK + 1,
    4 * CHUNK - 1,
    4 * CHUNK,
    4 * CHUNK + 1,
    9 * CHUNK,
    17 * CHUNK + 4321,
];

fn bytes(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 131 % 256) as u8).collect()
}

#[test]
fn go_age_and_the_payload_writer_and_reader_agree() {
    let Some(age) = required_tool("age") else {
        return;
    };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public();
    let key = dir.path().join("key.txt");
    write_private(&key, identity.to_string().expose_secret().as_bytes());

    for len in SIZES {
        let plaintext = bytes(len);

        // Written here, read by Go age: copied in uneven pieces, so that chunks are filled
        // across writes, and encrypted in place in blocks of four chunks and in odd ones.
        for (how, piece) in [
            ("copied", 10_007),
            ("in-place", 4 * CHUNK),
            ("odd", 3 * CHUNK + 1),
        ] {
            let ours = dir.path().join(format!("ours-{len}-{how}.age"));
            let mut writer = payload::Writer::start(&[&recipient], Vec::new()).expect("a header");
            for part in plaintext.chunks(piece) {
                if how == "copied" {
                    writer.write_all(part).expect("written");
                } else {
                    writer.write_in_place(&mut part.to_vec()).expect("written");
                }
            }
            write_private(&ours, &writer.finish().expect("finished"));
            let output = Command::new(&age)
                .arg("-d")
                .arg("-i")
                .arg(&key)
                .arg(&ours)
                .output()
                .expect("age runs");
            assert!(
                output.status.success(),
                "age -d, {len} bytes {how}: {}",
                stderr(&output)
            );
            assert!(
                output.stdout == plaintext,
                "age -d, {len} bytes {how}: other bytes"
            );
        }

        // Written by Go age, read here.
        let input = dir.path().join(format!("plain-{len}"));
        write_private(&input, &plaintext);
        let theirs = dir.path().join(format!("theirs-{len}.age"));
        let output = Command::new(&age)
            .arg("-e")
            .arg("-r")
            .arg(recipient.to_string())
            .arg("-o")
            .arg(&theirs)
            .arg(&input)
            .output()
            .expect("age runs");
        assert!(
            output.status.success(),
            "age -e, {len} bytes: {}",
            stderr(&output)
        );
        let file = std::fs::File::open(&theirs).expect("age wrote the file");
        let mut reader = payload::open(&file, std::iter::once(&identity as &dyn age::Identity))
            .expect("the payload reader opens Go age's file");
        assert_eq!(reader.len(), len as u64);
        let mut read = Vec::new();
        reader.read_to_end(&mut read).expect("read");
        assert!(read == plaintext, "{len} bytes from Go age: other bytes");
    }
}
