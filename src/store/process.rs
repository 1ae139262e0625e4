//! The process itself, made safe to hold a decrypted register in memory: no core file (a
//! crash or a SIGQUIT would write the whole plaintext to disk), no ptrace attach by other
//! processes of the same user, and a file-size limit (`ulimit -f`) that fails a write with an
//! error instead of killing the process without a word.

/// Hardens the process; call it first thing. Each step is best effort: a platform without
/// it keeps the others, and nothing here stops the command.
pub fn harden() {
    #[cfg(unix)]
    {
        use rustix::process::{Resource, Rlimit, setrlimit};
        let _ = setrlimit(
            Resource::Core,
            Rlimit {
                current: Some(0),
                maximum: Some(0),
            },
        );
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use rustix::process::{DumpableBehavior, set_dumpable_behavior};
        let _ = set_dumpable_behavior(DumpableBehavior::NotDumpable);
    }
    #[cfg(unix)]
    {
        // With SIGXFSZ handled (the handler only sets a flag), a write past the file-size
        // limit fails with EFBIG, which the write path reports and cleans up after.
        let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let _ = signal_hook::flag::register(signal_hook::consts::SIGXFSZ, flag);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(target_os = "linux")]
    fn the_process_cannot_dump_core() {
        super::harden();
        let limit = rustix::process::getrlimit(rustix::process::Resource::Core);
        assert_eq!(limit.current, Some(0));
        assert_eq!(limit.maximum, Some(0));
        assert_eq!(
            rustix::process::dumpable_behavior().ok(),
            Some(rustix::process::DumpableBehavior::NotDumpable)
        );
    }
}
