//! Shared helpers for the end-to-end tests: a per-test directory with a fresh key, the
//! binary with a fixed, clean environment, and the age crate's own view of the register.
//!
//! Every command runs with `REKISTERI_TODAY=2025-03-05` and `REKISTERI_ACTOR=tester`, in its
//! own temporary directory, with the inherited `REKISTERI_*` variables removed.

// Each test binary uses a different part of this module.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::str::FromStr;

use serde::{Deserialize, Deserializer};
use tempfile::TempDir;

/// The date every command treats as today.
pub const TODAY: &str = "2025-03-05";
/// The timestamp every change made with `TODAY` carries (that day at 12:00 UTC).
pub const NOW: &str = "2025-03-05T12:00:00Z";
pub const ACTOR: &str = "tester";
pub const REGISTER: &str = "register.age";
pub const KEY: &str = "key.txt";

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

/// The repository root (for `examples/` and `register.schema.json`).
pub fn repo_file(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// The binary as a plain `std::process::Command`, in `dir`, with the fixed environment.
pub fn std_command(dir: &Path) -> std::process::Command {
    let mut command = std::process::Command::new(bin());
    command.current_dir(dir);
    for name in INHERITED {
        command.env_remove(name);
    }
    command
        .env("REKISTERI_TODAY", TODAY)
        .env("REKISTERI_ACTOR", ACTOR)
        // Rollback state per test, never the developer's (tests copy one fixture around).
        .env("XDG_STATE_HOME", dir.join(STATE_DIR));
    command
}

/// The test's rollback state directory, inside its temporary directory.
pub const STATE_DIR: &str = ".state";

/// The binary as an `assert_cmd::Command`, in `dir`, with the fixed environment.
pub fn command(dir: &Path) -> assert_cmd::Command {
    assert_cmd::Command::from_std(std_command(dir))
}

/// One test's world: a temporary directory holding a freshly generated key.
pub struct Fixture {
    pub dir: TempDir,
}

impl Fixture {
    /// A directory with `key.txt` made by `rekisteri keygen -o key.txt`; no register yet.
    pub fn new() -> Fixture {
        let dir = tempfile::Builder::new()
            .prefix("rekisteri-test-")
            .tempdir()
            .expect("a temporary directory");
        let fixture = Fixture { dir };
        let output = command(fixture.root())
            .args(["keygen", "-o", KEY])
            .output()
            .expect("keygen runs");
        assert_success(&output, "keygen -o key.txt");
        fixture
    }

    /// A fixture with an initialised register (`init --metadata examples/twebs.json`).
    pub fn initialised() -> Fixture {
        let fixture = Fixture::new();
        let twebs = repo_file("examples/twebs.json");
        let output = fixture
            .cmd()
            .arg("init")
            .arg("--metadata")
            .arg(&twebs)
            .output()
            .expect("init runs");
        assert_success(&output, "init --metadata twebs.json");
        fixture
    }

    /// A fixture with a register holding the 12 subjects of `examples/customers.csv`.
    /// Returns the fixture and the ids `add` printed, in input order.
    pub fn with_customers() -> (Fixture, Vec<String>) {
        let fixture = Fixture::initialised();
        let ids = fixture.add_customers();
        (fixture, ids)
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.root().join(name)
    }

    pub fn register_path(&self) -> PathBuf {
        self.path(REGISTER)
    }

    pub fn key_path(&self) -> PathBuf {
        self.path(KEY)
    }

    /// The binary with `-f register.age -i key.txt`.
    pub fn cmd(&self) -> assert_cmd::Command {
        let mut command = command(self.root());
        command.args(["-f", REGISTER, "-i", KEY]);
        command
    }

    /// The binary with no `-f`/`-i`.
    pub fn bare_cmd(&self) -> assert_cmd::Command {
        command(self.root())
    }

    /// The binary as a std `Command` with `-f register.age -i key.txt` (for spawning).
    pub fn std_cmd(&self) -> std::process::Command {
        let mut command = std_command(self.root());
        command.args(["-f", REGISTER, "-i", KEY]);
        command
    }

    /// Writes a file in the fixture's directory and returns its path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, contents).expect("write a test file");
        path
    }

    /// The register file's bytes.
    pub fn register_bytes(&self) -> Vec<u8> {
        std::fs::read(self.register_path()).expect("the register exists")
    }

    /// Copies `examples/customers.csv` here and adds it; returns the printed ids.
    pub fn add_customers(&self) -> Vec<String> {
        let csv = std::fs::read(repo_file("examples/customers.csv")).expect("customers.csv");
        self.write("customers.csv", csv);
        let output = self
            .cmd()
            .args(["add", "--from", "customers.csv"])
            .output()
            .expect("add runs");
        assert_success(&output, "add --from customers.csv");
        let ids = stdout_lines(&output);
        assert_eq!(ids.len(), 12, "add printed one id per customer");
        ids
    }

    /// `export --format json` of all subjects, deserialised.
    pub fn export_json(&self) -> Vec<ExportedSubject> {
        let output = self
            .cmd()
            .args(["--format", "json", "export"])
            .output()
            .expect("export runs");
        assert_success(&output, "export --format json");
        serde_json::from_slice(&output.stdout).expect("export --format json is a subject array")
    }

    /// The age X25519 identity in `key.txt`, parsed by the age crate.
    pub fn identity(&self) -> age::x25519::Identity {
        identity_from_file(&self.key_path())
    }

    /// The register's plaintext, decrypted by the age crate (not by rekisteri).
    pub fn plaintext_bytes(&self) -> Vec<u8> {
        decrypt_with(&self.register_bytes(), &self.identity())
    }

    /// The register's plaintext as JSON.
    pub fn plaintext(&self) -> serde_json::Value {
        serde_json::from_slice(&self.plaintext_bytes()).expect("the plaintext is JSON")
    }

    /// The names of the entries in the fixture's directory.
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

/// Parses the `AGE-SECRET-KEY-1…` line of an identity file with the age crate.
pub fn identity_from_file(path: &Path) -> age::x25519::Identity {
    let text = std::fs::read_to_string(path).expect("read the key file");
    let line = text
        .lines()
        .find(|line| line.starts_with("AGE-SECRET-KEY-"))
        .expect("the key file has an AGE-SECRET-KEY line");
    age::x25519::Identity::from_str(line).expect("the AGE-SECRET-KEY line parses")
}

/// Decrypts an age file with the age crate's own decryptor.
pub fn decrypt_with(ciphertext: &[u8], identity: &age::x25519::Identity) -> Vec<u8> {
    let decryptor = age::Decryptor::new_buffered(ciphertext).expect("an age header");
    assert!(!decryptor.is_scrypt(), "encrypted to a recipient");
    let mut reader = decryptor
        .decrypt(std::iter::once(identity as &dyn age::Identity))
        .expect("the key decrypts the register");
    let mut plaintext = Vec::new();
    reader
        .read_to_end(&mut plaintext)
        .expect("the payload decrypts");
    plaintext
}

/// Encrypts `plaintext` to one X25519 recipient with the age crate (binary format).
pub fn encrypt_to(plaintext: &[u8], recipient: &age::x25519::Recipient) -> Vec<u8> {
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(recipient as &dyn age::Recipient))
            .expect("an encryptor");
    let mut out = Vec::new();
    let mut writer = encryptor.wrap_output(&mut out).expect("wrap output");
    writer.write_all(plaintext).expect("encrypt");
    writer.finish().expect("finish");
    out
}

/// Encrypts `plaintext` to one X25519 recipient with the age crate, ASCII-armored.
pub fn encrypt_armored_to(plaintext: &[u8], recipient: &age::x25519::Recipient) -> Vec<u8> {
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(recipient as &dyn age::Recipient))
            .expect("an encryptor");
    let mut out = Vec::new();
    let armor = age::armor::ArmoredWriter::wrap_output(&mut out, age::armor::Format::AsciiArmor)
        .expect("armor");
    let mut writer = encryptor.wrap_output(armor).expect("wrap output");
    writer.write_all(plaintext).expect("encrypt");
    writer
        .finish()
        .and_then(|armor| armor.finish())
        .expect("finish");
    out
}

/// Where an age file's header ends: just after the `--- MAC` line.
pub fn header_end(ciphertext: &[u8]) -> usize {
    let mac_line = ciphertext
        .windows(5)
        .position(|w| w == b"\n--- ")
        .expect("an age header has a MAC line");
    mac_line
        + 1
        + ciphertext[mac_line + 1..]
            .iter()
            .position(|b| *b == b'\n')
            .expect("the MAC line ends")
        + 1
}

pub fn stdout_text(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

pub fn stderr_text(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

/// The non-empty lines of stdout.
pub fn stdout_lines(output: &Output) -> Vec<String> {
    stdout_text(output)
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(str::to_owned)
        .collect()
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

/// Checks the contract's error shape: exit `code`, a first line `rekisteri: error: …`, at
/// most one `hint: …` line after it, nothing on stdout, and no panic. Returns the first line.
pub fn assert_error(output: &Output, code: i32) -> String {
    let stderr = stderr_text(output);
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

/// The `hint: …` line of an error, if any.
pub fn hint_line(output: &Output) -> Option<String> {
    stderr_text(output)
        .lines()
        .find(|l| l.starts_with("hint: "))
        .map(str::to_owned)
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
    match on_path(program) {
        Some(path) => Some(path),
        None if std::env::var_os("REKISTERI_REQUIRE_TOOLS").as_deref() == Some(OsStr::new("1")) => {
            panic!("`{program}` is not on PATH and REKISTERI_REQUIRE_TOOLS=1")
        }
        None => {
            eprintln!("note: `{program}` is not on PATH; skipping this test");
            None
        }
    }
}

/// A field that must be present in the JSON object, possibly `null`.
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer)
}

/// A subject as `export --format json` prints it (the contract's subject shape, plus the
/// relationship arrays this suite checks).
#[derive(Debug, Deserialize)]
pub struct ExportedSubject {
    pub id: String,
    pub name: String,
    #[serde(deserialize_with = "present")]
    pub company: Option<String>,
    #[serde(deserialize_with = "present")]
    pub email: Option<String>,
    #[serde(deserialize_with = "present")]
    pub phone: Option<String>,
    #[serde(deserialize_with = "present")]
    pub address: Option<String>,
    /// `null` when processing is not restricted; required to be present.
    pub restriction: serde_json::Value,
    pub orders: Vec<ExportedOrder>,
    pub invoices: Vec<ExportedInvoice>,
    pub ips: Vec<ExportedIp>,
    pub notes: Vec<ExportedNote>,
    pub disclosures: Vec<ExportedDisclosure>,
    pub consents: Vec<ExportedConsent>,
    pub source: ExportedSource,
    pub created: String,
    pub updated: String,
}

#[derive(Debug, Deserialize, PartialEq)]
pub struct ExportedOrder {
    pub product: String,
    pub ordered_on: String,
    pub changes: Vec<ExportedOrderChange>,
}

#[derive(Debug, Deserialize, PartialEq)]
pub struct ExportedOrderChange {
    pub on: String,
    pub change: String,
}

#[derive(Debug, Deserialize, PartialEq)]
pub struct ExportedInvoice {
    pub number: String,
    pub date: String,
    pub amount: String,
}

#[derive(Debug, Deserialize, PartialEq)]
pub struct ExportedIp {
    pub address: String,
    pub seen: String,
}

#[derive(Debug, Deserialize, PartialEq)]
pub struct ExportedNote {
    pub at: String,
    pub author: String,
    pub text: String,
}

#[derive(Debug, Deserialize, PartialEq)]
pub struct ExportedDisclosure {
    pub recipient: String,
    pub on: String,
    pub fields: Vec<String>,
}

#[derive(Debug, Deserialize, PartialEq)]
pub struct ExportedConsent {
    pub purpose: String,
    pub action: String,
}

#[derive(Debug, Deserialize, PartialEq)]
pub struct ExportedSource {
    pub channel: String,
    pub date: String,
    #[serde(deserialize_with = "present")]
    pub note: Option<String>,
}

/// One audit event of the decrypted register.
#[derive(Debug, Deserialize)]
pub struct AuditEvent {
    pub seq: u64,
    pub at: String,
    pub actor: String,
    pub action: String,
    #[serde(deserialize_with = "present")]
    pub subject: Option<String>,
    pub fields: Vec<String>,
    pub prev: String,
    pub hash: String,
}

/// The audit trail of the decrypted register.
pub fn audit_trail(plaintext: &serde_json::Value) -> Vec<AuditEvent> {
    serde_json::from_value(plaintext["audit"].clone()).expect("`audit` is an array of events")
}

/// One row of `examples/customers.csv`, as the test reads it with the csv crate.
#[derive(Debug, Deserialize)]
pub struct CustomerRow {
    pub name: String,
    pub company: String,
    pub email: String,
    pub phone: String,
    pub address: String,
    pub ip: String,
    pub source: String,
    pub source_note: String,
    pub source_date: String,
    pub consent: String,
    pub note: String,
}

pub fn customer_rows() -> Vec<CustomerRow> {
    csv::Reader::from_path(repo_file("examples/customers.csv"))
        .expect("customers.csv")
        .deserialize()
        .collect::<Result<_, _>>()
        .expect("customers.csv parses")
}
