//! The erasure journal, `<register>.erased`: an append-only, fsynced list of erased subjects'
//! random ids and dates — nothing personal. It lives beside the register, outside its
//! backups, so that a restored old copy still holding an erased person is recognised.
//!
//! One line per erasure, `SUBJECT-ID YYYY-MM-DD MAC`, the MAC an HMAC-SHA256 over the id and
//! the date under the journal key (`core::derived_keys`), which only a holder of the
//! register's key can compute. A line that does not verify is refused, by its number: it
//! could make `erase --replay` erase a live customer. Lines without a MAC, as the previous
//! version wrote them, are accepted when the register itself lists the subject as erased,
//! and are signed at the next change. A last line cut short by a crash mid-append is
//! dropped, with a warning, and cut away at the next change.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::core::derived_keys;
use crate::core::model::SubjectId;
use crate::error::{Error, Result};
use crate::store::files;

/// One erased subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erased {
    pub subject: SubjectId,
    pub on: NaiveDate,
}

/// One line of the journal, parsed but not yet checked.
#[derive(Debug, Clone)]
struct Line {
    number: usize,
    subject: String,
    on: NaiveDate,
    mac: Option<String>,
}

/// The journal as read from disk, before its lines are checked against the register's key.
#[derive(Debug, Default)]
pub struct Journal {
    lines: Vec<Line>,
    /// The last line, when the file does not end with a newline (a crash mid-append): its
    /// number and text.
    tail: Option<(usize, String)>,
    /// The first complete line that is not `ID DATE [MAC]`.
    malformed: Option<usize>,
}

/// The journal's entries once checked, and whether the file must be rewritten at the next
/// change (a torn last line to cut away, unsigned lines to sign).
#[derive(Debug, Default)]
pub struct Checked {
    pub entries: Vec<Erased>,
    pub rewrite: bool,
    /// The number of a torn last line that was dropped.
    pub dropped_tail: Option<usize>,
}

/// The journal that belongs to `register`.
pub fn journal_path(register: &Path) -> PathBuf {
    let mut name = register.as_os_str().to_owned();
    name.push(".erased");
    PathBuf::from(name)
}

impl Journal {
    /// The subject ids the journal names, checked or not: enough to choose which subjects to
    /// parse, never to act on.
    pub fn named_subjects(&self) -> Vec<String> {
        self.lines.iter().map(|l| l.subject.clone()).collect()
    }

    /// Checks every line under `key`. `vouched` says whether the register itself lists a
    /// subject as erased (which makes an unsigned line of the previous version valid).
    pub fn check(
        &self,
        path: &Path,
        key: &[u8; 32],
        vouched: impl Fn(&str) -> bool,
    ) -> Result<Checked> {
        if let Some(line) = self.malformed {
            return Err(Error::JournalLine {
                path: path.to_owned(),
                line,
                reason: "is not `SUBJECT-ID YYYY-MM-DD MAC`".into(),
            });
        }
        let mut checked = Checked::default();
        for line in &self.lines {
            match &line.mac {
                Some(mac) => {
                    if !derived_keys::journal_mac_ok(key, &line.subject, line.on, mac) {
                        return Err(Error::JournalLine {
                            path: path.to_owned(),
                            line: line.number,
                            reason: "does not verify: rekisteri did not write it with this register's key".into(),
                        });
                    }
                }
                None => {
                    if !vouched(&line.subject) {
                        return Err(Error::JournalLine {
                            path: path.to_owned(),
                            line: line.number,
                            reason:
                                "is unsigned, and the register does not list its subject as erased"
                                    .into(),
                        });
                    }
                    checked.rewrite = true;
                }
            }
            checked.entries.push(Erased {
                subject: SubjectId(line.subject.clone()),
                on: line.on,
            });
        }
        if let Some((number, text)) = &self.tail {
            // A complete line that only lacks its newline is kept when it verifies.
            let kept = parse_line(*number, text).filter(|line| {
                line.mac.as_deref().is_some_and(|mac| {
                    derived_keys::journal_mac_ok(key, &line.subject, line.on, mac)
                })
            });
            match kept {
                Some(line) => checked.entries.push(Erased {
                    subject: SubjectId(line.subject),
                    on: line.on,
                }),
                None => checked.dropped_tail = Some(*number),
            }
            checked.rewrite = true;
        }
        Ok(checked)
    }
}

fn parse_line(number: usize, text: &str) -> Option<Line> {
    let mut parts = text.split_whitespace();
    let id = parts.next()?;
    let date = parts.next()?;
    let mac = parts.next();
    if parts.next().is_some() {
        return None;
    }
    let on = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    let id_ok =
        !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
    let mac_ok = mac.is_none_or(|m| m.len() == 64 && m.chars().all(|c| c.is_ascii_hexdigit()));
    (id_ok && mac_ok).then(|| Line {
        number,
        subject: id.to_owned(),
        on,
        mac: mac.map(str::to_owned),
    })
}

/// Journals larger than this are not read: 64 MiB is a million erasures.
const MAX_JOURNAL_BYTES: u64 = 64 * 1024 * 1024;

/// Reads the journal without following a link; a missing journal is empty.
pub fn read(path: &Path) -> Result<Journal> {
    let Some(mut file) = files::open_sidecar_read(path)? else {
        return Ok(Journal::default());
    };
    let size = file.metadata().map_err(|e| Error::io(path, e))?.len();
    if size > MAX_JOURNAL_BYTES {
        return Err(Error::JournalLine {
            path: path.to_owned(),
            line: 0,
            reason: format!("makes the journal larger than {MAX_JOURNAL_BYTES} bytes"),
        });
    }
    let mut bytes = Vec::new();
    (&mut file)
        .take(MAX_JOURNAL_BYTES)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    Ok(parse(&bytes))
}

fn parse(bytes: &[u8]) -> Journal {
    let mut journal = Journal::default();
    let mut rest = bytes;
    let mut number = 0usize;
    while !rest.is_empty() {
        number += 1;
        let (line, complete) = match rest.iter().position(|&b| b == b'\n') {
            Some(end) => {
                let line = &rest[..end];
                rest = &rest[end + 1..];
                (line, true)
            }
            None => {
                let line = rest;
                rest = &[];
                (line, false)
            }
        };
        let text = String::from_utf8_lossy(line);
        let text = text.trim();
        if !complete {
            if !text.is_empty() {
                journal.tail = Some((number, text.to_owned()));
            } else if !line.is_empty() {
                journal.tail = Some((number, String::new()));
            }
            break;
        }
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        match parse_line(number, text) {
            Some(parsed) => journal.lines.push(parsed),
            None => {
                if journal.malformed.is_none() {
                    journal.malformed = Some(number);
                }
            }
        }
    }
    journal
}

fn line_text(key: &[u8; 32], entry: &Erased) -> String {
    format!(
        "{} {} {}\n",
        entry.subject,
        entry.on,
        derived_keys::journal_mac(key, &entry.subject.0, entry.on)
    )
}

/// Records `new` erasures: appended and fsynced, or — when `checked` says the file needs it —
/// the whole journal rewritten atomically, every line signed. Call it under the write lock.
pub fn record(path: &Path, key: &[u8; 32], checked: &Checked, new: &[Erased]) -> Result<()> {
    if checked.rewrite {
        let mut text = String::new();
        for entry in checked.entries.iter().chain(new) {
            text.push_str(&line_text(key, entry));
        }
        return crate::store::atomic::write(path, text.as_bytes(), false);
    }
    if new.is_empty() {
        return Ok(());
    }
    let mut file = files::open_sidecar_append(path)?;
    let mut text = String::new();
    for entry in new {
        text.push_str(&line_text(key, entry));
    }
    write_synced(&mut file, text.as_bytes()).map_err(|e| Error::io(path, e))
}

fn write_synced(file: &mut File, bytes: &[u8]) -> io::Result<()> {
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> [u8; 32] {
        derived_keys::journal_key("07")
    }

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 3, 5).unwrap()
    }

    fn signed(id: &str) -> String {
        format!(
            "{id} 2025-03-05 {}\n",
            derived_keys::journal_mac(&key(), id, day())
        )
    }

    #[test]
    fn signed_lines_verify_and_forged_ones_are_named() {
        let text = format!("{}{}", signed("aa-01"), "bb-02 2025-03-05\n");
        let journal = parse(text.as_bytes());
        let err = journal
            .check(Path::new("j"), &key(), |_| false)
            .unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
        let ok = journal
            .check(Path::new("j"), &key(), |id| id == "bb-02")
            .unwrap();
        assert_eq!(ok.entries.len(), 2);
        assert!(ok.rewrite, "the unsigned line is signed at the next change");

        let forged = format!("{}cc-03 2025-03-05 {}\n", signed("aa-01"), "0".repeat(64));
        let err = parse(forged.as_bytes())
            .check(Path::new("j"), &key(), |_| true)
            .unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
    }

    #[test]
    fn a_torn_last_line_is_dropped() {
        let full = signed("aa-01");
        let text = format!("{full}{}", &signed("bb-02")[..20]);
        let checked = parse(text.as_bytes())
            .check(Path::new("j"), &key(), |_| false)
            .unwrap();
        assert_eq!(checked.entries.len(), 1);
        assert_eq!(checked.dropped_tail, Some(2));
        assert!(checked.rewrite);
        // A whole line that lost only its newline is kept.
        let text = format!("{full}{}", signed("bb-02").trim_end());
        let checked = parse(text.as_bytes())
            .check(Path::new("j"), &key(), |_| false)
            .unwrap();
        assert_eq!(checked.entries.len(), 2);
        assert_eq!(checked.dropped_tail, None);
    }
}
