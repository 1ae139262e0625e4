//! Replacing a file so that a crash leaves either the old or the new one, whole: write a
//! temporary file (mode 0600) in the same directory, fsync it, rename it over the target,
//! fsync the directory. The temporary file is removed on every failure.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// A failure point for the fault tests: with the `failpoints` feature, and `FAILPOINTS`
/// naming it (`store::fsync=return` or `store::write=return(enospc)`), the step fails the
/// way a disk would.
macro_rules! fault {
    ($name:literal, $path:expr) => {
        #[cfg(feature = "failpoints")]
        fail::fail_point!($name, |kind: Option<String>| Err(injected(
            $name,
            kind.as_deref(),
            $path
        )));
    };
}

#[cfg(feature = "failpoints")]
fn injected(name: &str, kind: Option<&str>, path: &Path) -> Error {
    let error = match kind {
        // ENOSPC: No space left on device.
        Some("enospc") => std::io::Error::from_raw_os_error(28),
        _ => std::io::Error::other(format!("injected failure at {name}")),
    };
    Error::io(path, error)
}

/// The directory a path lives in (`.` for a bare file name).
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Writes `bytes` to `path` atomically. With `create_new`, refuses (exit 73) when `path`
/// exists, without a window in which another process could create it first.
pub fn write(path: &Path, bytes: &[u8], create_new: bool) -> Result<()> {
    write_with(path, create_new, |file| {
        file.write_all(bytes).map_err(|e| Error::io(path, e))
    })
}

/// Like `write`, with the content streamed by `fill` into the temporary file.
pub fn write_with(
    path: &Path,
    create_new: bool,
    fill: impl FnOnce(&mut File) -> Result<()>,
) -> Result<()> {
    write_then_commit(path, create_new, fill, || Ok(()))
}

/// Like `write_with`, with `commit` run after the new file is complete and synced and before
/// it is renamed into place: when `fill` fails, `commit` never runs; when `commit` fails,
/// the old file stays.
pub fn write_then_commit(
    path: &Path,
    create_new: bool,
    fill: impl FnOnce(&mut File) -> Result<()>,
    commit: impl FnOnce() -> Result<()>,
) -> Result<()> {
    let dir = parent_dir(path);
    let (prefix, suffix) = temporary_name(path);
    // tempfile creates the file with mode 0600 and removes it when dropped unpersisted.
    let mut temp = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(suffix)
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, e))?;
    fill(temp.as_file_mut())?;
    fault!("store::write", temp.path());
    fault!("store::fsync", temp.path());
    temp.as_file()
        .sync_all()
        .map_err(|e| Error::io(temp.path(), e))?;
    commit()?;
    fault!("store::rename", path);
    if create_new {
        temp.persist_noclobber(path).map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                Error::Exists {
                    path: path.to_owned(),
                }
            } else {
                Error::io(path, e.error)
            }
        })?;
    } else {
        temp.persist(path).map_err(|e| Error::io(path, e.error))?;
    }
    sync_dir(dir)
}

/// The name prefix and suffix of `path`'s temporary files.
fn temporary_name(path: &Path) -> (String, &'static str) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "register".into());
    (format!(".{name}."), ".tmp")
}

/// Removes temporary files a killed writer left beside `path`. Call it only while holding
/// the write lock. Failures are ignored: a stale file costs only disk space.
pub fn remove_stale_temporaries(path: &Path) {
    let (prefix, suffix) = temporary_name(path);
    let Ok(entries) = std::fs::read_dir(parent_dir(path)) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(&prefix)
            && name.ends_with(suffix)
            && name.len() > prefix.len() + suffix.len()
        {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Makes a rename in `dir` durable.
fn sync_dir(dir: &Path) -> Result<()> {
    fault!("store::fsync_dir", dir);
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| Error::io(dir, e))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Creates a new file holding a secret (an identity): mode 0600, refused if it exists.
pub fn create_secret_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Error::Exists {
                path: path.to_owned(),
            }
        } else {
            Error::io(path, e)
        }
    })?;
    if let Err(e) = file.write_all(bytes).and_then(|()| file.sync_all()) {
        drop(file);
        // Leave no half-written key behind.
        let _ = std::fs::remove_file(path);
        return Err(Error::io(path, e));
    }
    sync_dir(parent_dir(path))
}
