//! Opening the register and its sidecars (`.lock`, `.erased`, the rollback state) safely in
//! a directory others may share: never through a symbolic link (a link planted there would
//! make rekisteri create or write a file elsewhere, as root if root runs it), never a FIFO or
//! a device (a FIFO blocks forever), and with warnings where permissions leave the register
//! open to tampering or an identity open to reading, as ssh warns.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

use crate::error::{Error, Result};

/// A warning on standard error, in the shape of the error lines.
pub fn warn(message: impl std::fmt::Display) {
    use std::io::Write;
    let line = crate::core::validate::escape_unsafe(&message.to_string(), false).into_owned();
    let _ = writeln!(std::io::stderr(), "rekisteri: warning: {line}");
}

/// The flags every open here adds: never through a symbolic link, never blocking on a FIFO.
#[cfg(unix)]
pub(super) fn flags() -> i32 {
    use rustix::fs::OFlags;
    // The flag values are small positive numbers; the cast keeps them.
    (OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC).bits() as i32
}

#[cfg(unix)]
fn is_loop(error: &io::Error) -> bool {
    error.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error())
}

#[cfg(not(unix))]
fn is_loop(_: &io::Error) -> bool {
    false
}

/// What kind of file `metadata` describes, for messages.
fn kind_of(metadata: &std::fs::Metadata) -> &'static str {
    let kind = metadata.file_type();
    if kind.is_symlink() {
        return "a symbolic link";
    }
    if kind.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_block_device() || kind.is_char_device() {
            return "a device";
        }
    }
    "not a regular file"
}

fn not_a_file(path: &Path, metadata: &std::fs::Metadata) -> Error {
    Error::NotAFile {
        path: path.to_owned(),
        kind: kind_of(metadata).to_owned(),
    }
}

fn open_error(path: &Path, error: io::Error) -> Error {
    if is_loop(&error) {
        Error::NotAFile {
            path: path.to_owned(),
            kind: "a symbolic link".into(),
        }
    } else {
        Error::io(path, error)
    }
}

fn require_regular(path: &Path, file: &File) -> Result<()> {
    let metadata = file.metadata().map_err(|e| Error::io(path, e))?;
    if metadata.is_file() {
        Ok(())
    } else {
        Err(not_a_file(path, &metadata))
    }
}

fn options(read: bool, write: bool, append: bool, create: bool) -> OpenOptions {
    let mut options = OpenOptions::new();
    options
        .read(read)
        .write(write && !append)
        .append(append)
        .create(create);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(flags());
    }
    options
}

/// Opens a sidecar for reading; `None` when it does not exist.
pub fn open_sidecar_read(path: &Path) -> Result<Option<File>> {
    match options(true, false, false, false).open(path) {
        Ok(file) => {
            require_regular(path, &file)?;
            Ok(Some(file))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(open_error(path, e)),
    }
}

/// Opens (creating, mode 0600) a sidecar for appending.
pub fn open_sidecar_append(path: &Path) -> Result<File> {
    let file = options(false, true, true, true)
        .open(path)
        .map_err(|e| open_error(path, e))?;
    require_regular(path, &file)?;
    Ok(file)
}

/// Opens (creating, mode 0600) the lock file, read-write.
pub fn open_lock(path: &Path) -> Result<File> {
    let mut options = options(true, true, false, true);
    options.truncate(false);
    let file = options.open(path).map_err(|e| open_error(path, e))?;
    require_regular(path, &file)?;
    Ok(file)
}

/// Checks the register's path before anything opens it: a link is refused (every write
/// replaces the file, which would split the link from its target), and so is anything but a
/// regular file or a directory (a directory is reported as a damaged register by the caller).
/// A missing file passes: the caller reports it.
pub fn check_register_path(path: &Path) -> Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(metadata) if metadata.file_type().is_symlink() => Err(Error::RegisterLink {
            path: path.to_owned(),
        }),
        Ok(metadata) if metadata.is_file() || metadata.is_dir() => Ok(()),
        Ok(metadata) => Err(not_a_file(path, &metadata)),
        Err(_) => Ok(()),
    }
}

/// Opens the register for reading: not through a link, never blocking on a FIFO.
pub fn open_register(path: &Path) -> Result<File> {
    check_register_path(path)?;
    let file = match options(true, false, false, false).open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(Error::RegisterMissing {
                path: path.to_owned(),
            });
        }
        Err(e) if is_loop(&e) => {
            return Err(Error::RegisterLink {
                path: path.to_owned(),
            });
        }
        Err(e) if e.kind() == io::ErrorKind::IsADirectory => {
            return Err(Error::Corrupt {
                path: path.to_owned(),
                reason: "it is a directory, not a file".into(),
            });
        }
        Err(e) => return Err(Error::io(path, e)),
    };
    let metadata = file.metadata().map_err(|e| Error::io(path, e))?;
    if metadata.is_dir() {
        return Err(Error::Corrupt {
            path: path.to_owned(),
            reason: "it is a directory, not a file".into(),
        });
    }
    if !metadata.is_file() {
        return Err(not_a_file(path, &metadata));
    }
    Ok(file)
}

/// The directory a path lives in (`.` for a bare file name).
pub fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Warns when the register's directory is writable by group or others: whoever can write
/// there can replace the register with an old copy or plant links beside it.
pub fn warn_if_directory_open(register: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let dir = parent_dir(register);
        if let Ok(metadata) = std::fs::metadata(dir)
            && metadata.permissions().mode() & 0o022 != 0
        {
            warn(format_args!(
                "{}: the register's directory is writable by group or others, who can replace the register or plant links beside it; use `chmod go-w` on it, or keep the register in a private directory",
                dir.display()
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = register;
}

/// Warns when an identity file can be read by group or others, as ssh does for private keys.
pub fn warn_if_identity_open(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(metadata) = std::fs::metadata(path)
            && metadata.is_file()
            && metadata.permissions().mode() & 0o044 != 0
        {
            warn(format_args!(
                "{}: the identity file is readable by group or others, who can decrypt the register with it; use `chmod 600` on it",
                path.display()
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}
