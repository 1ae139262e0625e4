//! The one helper module of the end-to-end tests (`mod support;` in every test file).
//!
//! - here: the binary run with a fixed, clean environment ([`std_command`], [`command`],
//!   [`rekisteri`]), a per-test directory ([`World`]), output and exit-code assertions
//!   ([`assert_success`], [`assert_error`], [`expect_ok`], [`expect_fail`]) and outside
//!   tools ([`required_tool`], [`tool_available`]);
//! - [`crypto`]: keys made with the age crate or `ssh-keygen`, and the register decrypted and
//!   encrypted with the age crate (not with rekisteri);
//! - [`json`]: typed views of the JSON the commands print and the register holds;
//! - [`fixture`], [`register`], [`workspace`]: the three shapes of test register (a
//!   `rekisteri keygen` key and the example customers; an initialised register run by
//!   arguments; several keys and `r.age` for the reliability tests);
//! - [`trail`]: an independent implementation of the audit chain's hash.
//!
//! Every command runs in its test's own directory with `REKISTERI_TODAY` (2025-03-05 unless a
//! test names another day), `REKISTERI_ACTOR=tester`, `XDG_STATE_HOME=<dir>/.state` (the
//! rollback state, never shared between tests), and the inherited `REKISTERI_*` variables that
//! would point it at another file, key or passphrase removed.

// Each test binary uses a different part of this module.
#![allow(dead_code)]

pub mod crypto;
pub mod documents;
pub mod fixture;
pub mod json;
pub mod register;
pub mod trail;
pub mod workspace;

// A test binary that uses nothing of a submodule would warn about its re-export.
#[allow(unused_imports)]
pub use {crypto::*, fixture::*, json::*, register::*, trail::*, workspace::*};

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use tempfile::TempDir;

/// The date every command treats as today unless a test names another (a Wednesday).
pub const TODAY: &str = "2025-03-05";
/// The timestamp every change made with `TODAY` carries (that day at 12:00 UTC).
pub const NOW: &str = "2025-03-05T12:00:00Z";
pub const ACTOR: &str = "tester";
/// The register's file name in a [`Fixture`] or a [`Register`].
pub const REGISTER: &str = "register.age";
/// The key's file name in a [`Fixture`] or a [`Register`].
pub const KEY: &str = "key.txt";
/// The test's rollback state directory, inside its temporary directory.
pub const STATE_DIR: &str = ".state";
/// How long one command of [`command`] or [`rekisteri`] may take.
const TIMEOUT: Duration = Duration::from_secs(180);

/// Variables a developer's shell may have set that would change what a test runs against.
const INHERITED: &[&str] = &[
    "REKISTERI_FILE",
    "REKISTERI_IDENTITY",
    "REKISTERI_PASSPHRASE_FILE",
    "REKISTERI_NEW_PASSPHRASE_FILE",
    "REKISTERI_LOCK_WAIT",
    "REKISTERI_TODAY",
    "REKISTERI_ACTOR",
];

/// The path of the binary under test.
pub fn bin() -> &'static Path {
    assert_cmd::cargo::cargo_bin!("rekisteri")
}

/// A file of the repository (`examples/`, `register.schema.json`).
pub fn repo_file(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// `examples/twebs.json`, as a string argument.
pub fn twebs() -> String {
    repo_file("examples/twebs.json")
        .to_str()
        .expect("a UTF-8 repository path")
        .to_owned()
}

/// Gives any command (the binary, or a tool that runs it) the fixed environment, in `dir`.
pub fn fixed_env(command: &mut std::process::Command, dir: &Path) {
    fixed_env_on(command, dir, TODAY);
}

fn fixed_env_on(command: &mut std::process::Command, dir: &Path, today: &str) {
    command.current_dir(dir);
    for name in INHERITED {
        command.env_remove(name);
    }
    command
        .env("REKISTERI_TODAY", today)
        .env("REKISTERI_ACTOR", ACTOR)
        // Rollback state per test, never the developer's (tests copy one fixture around).
        .env("XDG_STATE_HOME", dir.join(STATE_DIR));
}

/// The binary as a plain `std::process::Command` (to spawn, kill or trace), in `dir`, with the
/// fixed environment.
pub fn std_command(dir: &Path) -> std::process::Command {
    let mut command = std::process::Command::new(bin());
    fixed_env(&mut command, dir);
    command
}

/// The binary as an `assert_cmd::Command`, in `dir`, with the fixed environment and `today`
/// as the date.
pub fn rekisteri(dir: &Path, today: &str) -> assert_cmd::Command {
    let mut std = std::process::Command::new(bin());
    fixed_env_on(&mut std, dir, today);
    let mut command = assert_cmd::Command::from_std(std);
    command.timeout(TIMEOUT);
    command
}

/// The binary as an `assert_cmd::Command`, in `dir`, with the fixed environment.
pub fn command(dir: &Path) -> assert_cmd::Command {
    rekisteri(dir, TODAY)
}

/// One test's directory, removed when the test ends.
pub struct World {
    pub dir: TempDir,
}

impl Default for World {
    fn default() -> Self {
        World::new()
    }
}

impl World {
    pub fn new() -> World {
        let dir = tempfile::Builder::new()
            .prefix("rekisteri-test-")
            .tempdir()
            .expect("a temporary directory");
        World { dir }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.root().join(name)
    }

    /// Writes a file in the directory and returns its path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, contents).expect("write a test file");
        path
    }

    pub fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).unwrap_or_else(|e| panic!("read {name}: {e}"))
    }

    /// The binary in this directory on `TODAY`, with no `-f` or `-i`.
    pub fn bare(&self) -> assert_cmd::Command {
        command(self.root())
    }

    /// Runs the binary with `args` (no `-f`/`-i` added).
    pub fn run(&self, args: &[&str]) -> Output {
        self.bare().args(args).output().expect("rekisteri runs")
    }

    /// The names of the entries in the directory, without the rollback state.
    pub fn entries(&self) -> BTreeSet<String> {
        std::fs::read_dir(self.root())
            .expect("read the test directory")
            .map(|entry| {
                entry
                    .expect("a directory entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .filter(|name| name != STATE_DIR)
            .collect()
    }
}

/// Writes a new file with mode 0600.
pub fn write_private(path: &Path, bytes: &[u8]) {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).expect("create a private file");
    file.write_all(bytes).expect("write a private file");
}

/// The file's Unix permission bits.
#[cfg(unix)]
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .expect("the file exists")
        .permissions()
        .mode()
        & 0o777
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The non-empty lines of stdout.
pub fn stdout_lines(output: &Output) -> Vec<String> {
    stdout(output)
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

/// A command's outcome in words, for assertion messages.
pub fn describe(what: &str, output: &Output) -> String {
    format!(
        "`{what}` exited with {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        stderr(output)
    )
}

/// Panics with the command's stderr unless it exited 0.
pub fn assert_success(output: &Output, what: &str) {
    assert!(
        output.status.success(),
        "`{what}` failed with {:?}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Asserts exit 0 and returns stdout.
pub fn expect_ok(what: &str, output: &Output) -> String {
    assert_eq!(output.status.code(), Some(0), "{}", describe(what, output));
    stdout(output)
}

/// Asserts the exit code, the `rekisteri: error:` line (after any `rekisteri: warning: …`
/// lines, e.g. of a trail that lost what this machine saw) and an empty stdout; returns stderr.
pub fn expect_fail(what: &str, output: &Output, code: i32) -> String {
    check_fail(what, output, code, true)
}

/// [`expect_fail`]; unless `after_warnings`, the error must be the very first line.
fn check_fail(what: &str, output: &Output, code: i32, after_warnings: bool) -> String {
    assert_eq!(
        output.status.code(),
        Some(code),
        "{}",
        describe(what, output)
    );
    let err = stderr(output);
    let first = err
        .lines()
        .find(|l| !(after_warnings && l.starts_with("rekisteri: warning: ")))
        .unwrap_or_default();
    assert!(
        first.starts_with("rekisteri: error: "),
        "an error starts with `rekisteri: error:`\n{}",
        describe(what, output)
    );
    assert!(
        output.stdout.is_empty(),
        "a failing command prints nothing on stdout\n{}",
        describe(what, output)
    );
    err
}

/// Checks the contract's error shape: exit `code`, a first line `rekisteri: error: …`, at
/// most one `hint: …` line after it, nothing on stdout, and no panic. Returns the first line.
pub fn assert_error(output: &Output, code: i32) -> String {
    let stderr = String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8");
    assert_eq!(
        output.status.code(),
        Some(code),
        "expected exit {code}; stderr:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "a panic:\n{stderr}");
    assert!(!stderr.contains("RUST_BACKTRACE"), "a panic:\n{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(
        lines
            .first()
            .is_some_and(|l| l.starts_with("rekisteri: error: ")),
        "the first stderr line is the error:\n{stderr}"
    );
    assert!(
        lines.len() <= 2,
        "one error line and at most one hint:\n{stderr}"
    );
    if let Some(second) = lines.get(1) {
        assert!(
            second.starts_with("hint: "),
            "the second line is a hint:\n{stderr}"
        );
    }
    assert!(
        output.stdout.is_empty(),
        "nothing on stdout on error, got:\n{}",
        String::from_utf8_lossy(&output.stdout)
    );
    lines[0].to_owned()
}

/// Checks the contract's error shape without panicking: the first stderr line starts with
/// `rekisteri: error:` and nothing panicked.
pub fn error_shape(output: &Output) -> Result<(), String> {
    let stderr = stderr(output);
    if stderr.contains("panicked") || stderr.contains("RUST_BACKTRACE") {
        return Err(format!("a panic:\n{stderr}"));
    }
    if !stderr
        .lines()
        .next()
        .is_some_and(|l| l.starts_with("rekisteri: error:"))
    {
        return Err(format!(
            "the first stderr line is not `rekisteri: error: …`:\n{stderr}"
        ));
    }
    Ok(())
}

/// The `hint: …` line of an error, if any.
pub fn hint_line(output: &Output) -> Option<String> {
    stderr(output)
        .lines()
        .find(|l| l.starts_with("hint: "))
        .map(str::to_owned)
}

/// The first position of `needle` in `haystack`.
pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    find(haystack, needle).is_some()
}

/// Whether `program` is an executable file on `PATH`.
pub fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// For tests that drive an outside tool: the tool's path, or `None` after a note on stderr.
/// With `REKISTERI_REQUIRE_TOOLS=1` (CI), a missing tool fails the test instead.
pub fn required_tool(program: &str) -> Option<PathBuf> {
    tool(program, "this test")
}

/// [`required_tool`] for a test that skips only the part that needs the tool.
pub fn tool_available(program: &str) -> bool {
    tool(program, "the part of this test that needs it").is_some()
}

fn tool(program: &str, skipped: &str) -> Option<PathBuf> {
    match on_path(program) {
        Some(path) => Some(path),
        None if std::env::var_os("REKISTERI_REQUIRE_TOOLS").as_deref() == Some(OsStr::new("1")) => {
            panic!("`{program}` is not on PATH and REKISTERI_REQUIRE_TOOLS=1")
        }
        None => {
            eprintln!("note: `{program}` is not on PATH; skipping {skipped}");
            None
        }
    }
}
