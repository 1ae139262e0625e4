//! This machine's memory of each register, for rollback detection: per register id, the last
//! trail point seen (`HEAD COUNT`), in `$XDG_STATE_HOME/rekisteri/<register-id>` (by default
//! `~/.local/state/rekisteri/`). Directory 0700, files 0600; nothing personal, no path, no key.

use std::io::Read;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::core::rollback::TrailPoint;
use crate::error::{Error, Result};
use crate::store::{atomic, files};

/// Set by `demo`: its throw-away registers leave no state behind.
static DISABLED: AtomicBool = AtomicBool::new(false);

/// Keeps no rollback state for the rest of the process (the demo's throw-away registers).
pub fn disable() {
    DISABLED.store(true, Ordering::Relaxed);
}

/// The directory the state lives in; `None` when neither `XDG_STATE_HOME` nor `HOME` says.
pub fn state_dir() -> Option<PathBuf> {
    if DISABLED.load(Ordering::Relaxed) {
        return None;
    }
    let base = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            std::env::var_os("HOME")
                .map(PathBuf::from)
                .filter(|p| p.is_absolute())
                .map(|home| home.join(".local").join("state"))
        })?;
    Some(base.join("rekisteri"))
}

fn file_for(register_id: &str) -> Option<PathBuf> {
    // The id is hex and dashes (see `core::derived_keys`); anything else names no file.
    if register_id.is_empty()
        || !register_id
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c == '-')
    {
        return None;
    }
    Some(state_dir()?.join(register_id))
}

/// The point last seen for the register, if this machine has seen it.
pub fn load(register_id: &str) -> Result<Option<TrailPoint>> {
    let Some(path) = file_for(register_id) else {
        return Ok(None);
    };
    let Some(file) = files::open_sidecar_read(&path)? else {
        return Ok(None);
    };
    let mut text = String::new();
    file.take(4096)
        .read_to_string(&mut text)
        .map_err(|e| Error::io(&path, e))?;
    match TrailPoint::from_line(&text) {
        Some(point) => Ok(Some(point)),
        None => {
            files::warn(format_args!(
                "{}: the rollback state is damaged and is ignored; it is written again now",
                path.display()
            ));
            Ok(None)
        }
    }
}

/// Records `point` as the last seen for the register (atomically, mode 0600, in a 0700
/// directory). Without a state directory nothing is recorded.
pub fn save(register_id: &str, point: &TrailPoint) -> Result<()> {
    let Some(path) = file_for(register_id) else {
        return Ok(());
    };
    let dir = files::parent_dir(&path).to_owned();
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(&dir).map_err(|e| Error::io(&dir, e))?;
    atomic::write(&path, point.to_line().as_bytes(), false)
}
