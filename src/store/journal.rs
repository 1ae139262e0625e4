//! The erasure journal, `<register>.erased`: an append-only, fsynced list of erased subjects'
//! random ids and dates — nothing personal. It lives beside the register, outside its
//! backups, so that a restored old copy still holding an erased person is recognised.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::core::model::SubjectId;
use crate::error::{Error, Result};

/// One erased subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erased {
    pub subject: SubjectId,
    pub on: NaiveDate,
}

/// The journal that belongs to `register`.
pub fn journal_path(register: &Path) -> PathBuf {
    let mut name = register.as_os_str().to_owned();
    name.push(".erased");
    PathBuf::from(name)
}

/// Reads the journal; a missing journal is empty.
pub fn read(path: &Path) -> Result<Vec<Erased>> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(path, e)),
    };
    let mut entries = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let parsed = line.split_once(' ').and_then(|(id, date)| {
            let date = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").ok()?;
            let id_ok = !id.is_empty() && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
            id_ok.then(|| Erased {
                subject: SubjectId(id.to_owned()),
                on: date,
            })
        });
        match parsed {
            Some(entry) => entries.push(entry),
            None => {
                return Err(Error::Corrupt {
                    path: path.to_owned(),
                    reason: format!("line {} is not `SUBJECT-ID YYYY-MM-DD`", number + 1),
                });
            }
        }
    }
    Ok(entries)
}

/// Appends entries and fsyncs the journal (created with mode 0600).
pub fn append(path: &Path, entries: &[Erased]) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let mut options = OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| Error::io(path, e))?;
    let mut text = String::new();
    for entry in entries {
        text.push_str(&format!("{} {}\n", entry.subject, entry.on));
    }
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::io(path, e))
}
