//! A look at the age header before age parses it. A hostile header with thousands of
//! recipient stanzas makes parsing quadratic (minutes, holding whatever the reader holds),
//! and a passphrase stanza with a huge scrypt work factor costs minutes and gigabytes: both
//! are refused here, reading at most `MAX_HEADER_BYTES`.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use crate::error::{Error, Result};

/// The most recipient stanzas a register's header may have. One recipient per authorised
/// staff member; `rekey` and `init` refuse more.
pub const MAX_STANZAS: usize = 512;

/// The largest scrypt work factor (log2 N) accepted: 2^20 takes about 1 GiB and a few
/// seconds. rekisteri itself encrypts with at most this (see `encryption_work_factor`).
pub const MAX_WORK_FACTOR: u8 = 20;

/// The scrypt work factor to encrypt a passphrase register with: what takes about a second
/// on this machine (as age picks it), but never more than `MAX_WORK_FACTOR`, so that
/// rekisteri always reads back what it wrote.
pub fn encryption_work_factor() -> u8 {
    const FLOOR: u8 = 10;
    let Ok(params) = scrypt::Params::new(FLOOR, 8, 1, 32) else {
        return FLOOR;
    };
    let mut out = [0u8; 32];
    let started = std::time::Instant::now();
    if scrypt::scrypt(b"", b"rekisteri calibration", &params, &mut out).is_err() {
        return FLOOR;
    }
    let mut took = started.elapsed().max(std::time::Duration::from_micros(1));
    let mut log_n = FLOOR;
    // Each step doubles the work.
    while took < std::time::Duration::from_secs(1) && log_n < MAX_WORK_FACTOR {
        took *= 2;
        log_n += 1;
    }
    log_n
}

/// The most header bytes read before deciding.
const MAX_HEADER_BYTES: u64 = 1024 * 1024;

const MAGIC: &str = "age-encryption.org/v1";

/// Checks the header at the start of `file` (binary or armored). A file that is not an age
/// file at all passes: age reports that itself, at once.
pub fn check(path: &Path, file: impl Read) -> Result<()> {
    let refuse = |reason: String| Error::UnsafeHeader {
        path: path.to_owned(),
        reason,
    };
    let armored = age::armor::ArmoredReader::new(BufReader::new(file));
    let mut reader = BufReader::new(armored.take(MAX_HEADER_BYTES));
    let mut line = Vec::new();
    let mut stanzas = 0usize;
    let mut first = true;
    loop {
        line.clear();
        let read = match reader.read_until(b'\n', &mut line) {
            Ok(read) => read,
            // Not an age file or damaged armor: age says so.
            Err(_) => return Ok(()),
        };
        if read == 0 {
            if first {
                return Ok(());
            }
            return Err(refuse(format!(
                "its header is longer than {MAX_HEADER_BYTES} bytes"
            )));
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\n', '\r']);
        if first {
            if text != MAGIC {
                return Ok(());
            }
            first = false;
            continue;
        }
        if text.starts_with("---") {
            return Ok(());
        }
        if let Some(stanza) = text.strip_prefix("-> ") {
            stanzas += 1;
            if stanzas > MAX_STANZAS {
                return Err(refuse(format!(
                    "its header has more than {MAX_STANZAS} recipient stanzas"
                )));
            }
            let mut parts = stanza.split(' ');
            if parts.next() == Some("scrypt") {
                let _salt = parts.next();
                let work: Option<u32> = parts.next().and_then(|w| w.parse().ok());
                match work {
                    Some(work) if work <= u32::from(MAX_WORK_FACTOR) => {}
                    _ => {
                        return Err(refuse(format!(
                            "its passphrase work factor is above {MAX_WORK_FACTOR}, more than rekisteri attempts"
                        )));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(stanzas: usize, scrypt: Option<u8>) -> Vec<u8> {
        let mut text = format!("{MAGIC}\n");
        for _ in 0..stanzas {
            text.push_str("-> X25519 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\nAAAA\n");
        }
        if let Some(work) = scrypt {
            text.push_str(&format!("-> scrypt AAAAAAAAAAAAAAAAAAAAAA {work}\nAAAA\n"));
        }
        text.push_str("--- AAAA\n");
        text.into_bytes()
    }

    #[test]
    fn ordinary_headers_pass() {
        assert!(check(Path::new("r"), &header(3, None)[..]).is_ok());
        assert!(check(Path::new("r"), &header(0, Some(18))[..]).is_ok());
        assert!(check(Path::new("r"), &b"not age at all"[..]).is_ok());
    }

    #[test]
    fn hostile_headers_are_refused() {
        let err = check(Path::new("r"), &header(MAX_STANZAS + 1, None)[..]).unwrap_err();
        assert!(err.to_string().contains("stanzas"), "{err}");
        let err = check(Path::new("r"), &header(0, Some(22))[..]).unwrap_err();
        assert!(err.to_string().contains("work factor"), "{err}");
    }
}
