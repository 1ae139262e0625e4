//! The writer's lock: an exclusive lock on the sidecar `<register>.lock`, waited for a
//! bounded time. The lock file is never removed, so two writers always lock the same inode.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// Held while a change is written; dropping it releases the lock.
#[derive(Debug)]
pub struct WriteLock {
    _file: File,
}

/// The lock file that guards `register`.
pub fn lock_path(register: &Path) -> PathBuf {
    let mut name = register.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Takes the exclusive lock on `register`'s sidecar, waiting at most `wait`.
pub fn acquire(register: &Path, wait: Duration) -> Result<WriteLock> {
    let path = lock_path(register);
    // Never through a link, never a FIFO: see `files`.
    let file = crate::store::files::open_lock(&path)?;
    let started = Instant::now();
    let mut pause = Duration::from_millis(5);
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(WriteLock { _file: file }),
            Err(TryLockError::WouldBlock) => {
                if started.elapsed() >= wait {
                    return Err(Error::Locked {
                        path: register.to_owned(),
                        waited_secs: wait.as_secs(),
                    });
                }
                thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(100));
            }
            Err(TryLockError::Error(e)) => return Err(Error::io(&path, e)),
        }
    }
}
