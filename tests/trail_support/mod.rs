//! Helpers for the audit-trail, restore-guard, notice and rekey tests: a temporary directory
//! per test with keys made in it, the binary run with a fixed and clean environment, the
//! register opened and re-sealed with the age crate (not with rekisteri) so that a test can
//! tamper with it, and an independent implementation of the audit chain's hash.
//!
//! Every command runs with `REKISTERI_TODAY` fixed and `REKISTERI_ACTOR=tester`; the
//! inherited `REKISTERI_*` variables that would point it at another file, key or passphrase
//! are removed.

// Each test binary uses a different part of this module.
#![allow(dead_code)]

use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use age::secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tempfile::TempDir;

/// The date commands treat as today unless a test says otherwise.
pub const TODAY: &str = "2025-03-05";
pub const ACTOR: &str = "tester";
pub const REGISTER: &str = "register.age";
pub const KEY: &str = "key.txt";
/// The `prev` of the first audit event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Variables a developer's shell may have set that would change what a test runs against.
const INHERITED: &[&str] = &[
    "REKISTERI_FILE",
    "REKISTERI_IDENTITY",
    "REKISTERI_PASSPHRASE_FILE",
    "REKISTERI_NEW_PASSPHRASE_FILE",
    "REKISTERI_TODAY",
    "REKISTERI_ACTOR",
    "REKISTERI_LOCK_WAIT",
];

/// A file of the repository (for `examples/`).
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

/// The binary, in `dir`, with the clean environment and `today` as the date.
pub fn rekisteri(dir: &Path, today: &str) -> assert_cmd::Command {
    let mut command = assert_cmd::cargo::cargo_bin_cmd!("rekisteri");
    command.current_dir(dir);
    for name in INHERITED {
        command.env_remove(name);
    }
    command
        .env("REKISTERI_TODAY", today)
        .env("REKISTERI_ACTOR", ACTOR)
        // Rollback state per test, never the developer's (tests copy one fixture around).
        .env("XDG_STATE_HOME", dir.join(".state"))
        .timeout(Duration::from_secs(180));
    command
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
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

/// Asserts exit 0 and returns stdout.
pub fn expect_ok(what: &str, output: &Output) -> String {
    assert_eq!(output.status.code(), Some(0), "{}", describe(what, output));
    stdout(output)
}

/// Asserts the exit code, the `rekisteri: error:` first line and an empty stdout; returns
/// stderr.
pub fn expect_fail(what: &str, output: &Output, code: i32) -> String {
    assert_eq!(
        output.status.code(),
        Some(code),
        "{}",
        describe(what, output)
    );
    let err = stderr(output);
    // Warnings (`rekisteri: warning: …`, e.g. a trail that lost what this machine saw) may
    // come first; the error line follows them.
    let first = err
        .lines()
        .find(|l| !l.starts_with("rekisteri: warning: "))
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

/// True when `name` is an executable on PATH.
pub fn on_path(name: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| {
            let candidate = dir.join(name);
            candidate.is_file()
        })
    })
}

/// Whether an external tool can be used. A missing tool skips the test with a note, unless
/// `REKISTERI_REQUIRE_TOOLS=1`, which makes it a failure.
pub fn tool_available(name: &str) -> bool {
    if on_path(name) {
        return true;
    }
    if std::env::var("REKISTERI_REQUIRE_TOOLS").as_deref() == Ok("1") {
        panic!("`{name}` is not on PATH and REKISTERI_REQUIRE_TOOLS=1");
    }
    eprintln!("note: `{name}` is not on PATH; skipping the part of this test that needs it");
    false
}

/// An age X25519 key written to a file in a test directory.
pub struct AgeKey {
    pub path: PathBuf,
    pub recipient: String,
    pub identity: age::x25519::Identity,
}

impl AgeKey {
    /// The file name, relative to the test directory.
    pub fn name(&self) -> &str {
        self.path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("a UTF-8 key file name")
    }
}

/// An SSH key made by `ssh-keygen` in a test directory.
pub struct SshKey {
    pub path: PathBuf,
    /// The public key line as `ssh-keygen` wrote it (with its comment).
    pub public_line: String,
    /// `type base64`, without the comment: how rekisteri stores the recipient.
    pub recipient: String,
}

impl SshKey {
    pub fn name(&self) -> &str {
        self.path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("a UTF-8 key file name")
    }

    pub fn identity(&self) -> age::ssh::Identity {
        let file = std::fs::File::open(&self.path).expect("the SSH key exists");
        age::ssh::Identity::from_buffer(BufReader::new(file), Some(self.name().to_owned()))
            .expect("an SSH identity the age crate reads")
    }
}

/// One test's world: a temporary directory.
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
            .prefix("rekisteri-trail-")
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

    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, contents).expect("write a test file");
        path
    }

    pub fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).unwrap_or_else(|e| panic!("read {name}: {e}"))
    }

    /// A new age X25519 key in `name` (mode 0600), generated by the age crate.
    pub fn age_key(&self, name: &str) -> AgeKey {
        let identity = age::x25519::Identity::generate();
        let recipient = identity.to_public().to_string();
        let text = format!(
            "# public key: {recipient}\n{}\n",
            identity.to_string().expose_secret()
        );
        let path = self.write(name, text);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                .expect("chmod 600");
        }
        AgeKey {
            path,
            recipient,
            identity,
        }
    }

    /// A new unencrypted SSH key made by `ssh-keygen -t KIND [extra] -N '' -f NAME`.
    pub fn ssh_key(&self, name: &str, kind: &str, extra: &[&str]) -> SshKey {
        let output = std::process::Command::new("ssh-keygen")
            .current_dir(self.root())
            .args(["-q", "-t", kind])
            .args(extra)
            .args(["-N", "", "-C", "staff@example.invalid", "-f", name])
            .output()
            .expect("ssh-keygen runs");
        assert!(
            output.status.success(),
            "{}",
            describe("ssh-keygen", &output)
        );
        let public_line = std::fs::read_to_string(self.path(&format!("{name}.pub")))
            .expect("ssh-keygen wrote the public key")
            .trim()
            .to_owned();
        let mut parts = public_line.split_whitespace();
        let recipient = format!(
            "{} {}",
            parts.next().expect("a key type"),
            parts.next().expect("a key")
        );
        SshKey {
            path: self.path(name),
            public_line,
            recipient,
        }
    }

    /// The binary in this directory on `TODAY`, with no `-f` or `-i`.
    pub fn bare(&self) -> assert_cmd::Command {
        rekisteri(self.root(), TODAY)
    }

    /// Runs the binary with `args` (no `-f`/`-i` added).
    pub fn run(&self, args: &[&str]) -> Output {
        self.bare().args(args).output().expect("rekisteri runs")
    }
}

/// A register in its own directory, encrypted to `key.txt` and described by
/// `examples/twebs.json`.
pub struct Register {
    pub world: World,
    pub key: AgeKey,
}

impl Default for Register {
    fn default() -> Self {
        Register::new()
    }
}

impl Register {
    pub fn new() -> Register {
        let world = World::new();
        let key = world.age_key(KEY);
        let register = Register { world, key };
        register.ok(&["init", "--metadata", &twebs()]);
        register
    }

    pub fn root(&self) -> &Path {
        self.world.root()
    }

    pub fn file(&self) -> PathBuf {
        self.world.path(REGISTER)
    }

    pub fn bytes(&self) -> Vec<u8> {
        std::fs::read(self.file()).expect("the register exists")
    }

    pub fn put_bytes(&self, bytes: &[u8]) {
        std::fs::write(self.file(), bytes).expect("write the register");
    }

    /// The binary with `-f register.age -i key.txt`, on `today`.
    pub fn cmd_on(&self, today: &str) -> assert_cmd::Command {
        let mut command = rekisteri(self.root(), today);
        command.args(["-f", REGISTER, "-i", KEY]);
        command
    }

    pub fn cmd(&self) -> assert_cmd::Command {
        self.cmd_on(TODAY)
    }

    pub fn run_on(&self, today: &str, args: &[&str]) -> Output {
        self.cmd_on(today)
            .args(args)
            .output()
            .expect("rekisteri runs")
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.run_on(TODAY, args)
    }

    pub fn ok_on(&self, today: &str, args: &[&str]) -> String {
        expect_ok(&args.join(" "), &self.run_on(today, args))
    }

    pub fn ok(&self, args: &[&str]) -> String {
        self.ok_on(TODAY, args)
    }

    pub fn fails(&self, args: &[&str], code: i32) -> String {
        expect_fail(&args.join(" "), &self.run(args), code)
    }

    /// Runs with `--format json` and deserialises stdout into `T`.
    pub fn json<T: serde::de::DeserializeOwned>(&self, args: &[&str]) -> T {
        let mut all = vec!["--format", "json"];
        all.extend_from_slice(args);
        let text = self.ok(&all);
        serde_json::from_str(&text).unwrap_or_else(|e| {
            panic!(
                "`{}` printed JSON of another shape: {e}\n{text}",
                all.join(" ")
            )
        })
    }

    /// `add` with flags on `today`; returns the one id printed.
    pub fn add_on(&self, today: &str, flags: &[&str]) -> String {
        let mut args = vec!["add"];
        args.extend_from_slice(flags);
        let text = self.ok_on(today, &args);
        let ids: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(ids.len(), 1, "add prints one id: {text:?}");
        ids[0].trim().to_owned()
    }

    pub fn add(&self, flags: &[&str]) -> String {
        self.add_on(TODAY, flags)
    }

    /// The register's plaintext JSON, decrypted by the age crate with `key.txt`.
    pub fn document(&self) -> Value {
        let plaintext = decrypt(&self.bytes(), &self.key.identity).expect("key.txt decrypts");
        serde_json::from_slice(&plaintext).expect("the plaintext is JSON")
    }

    /// Encrypts `document` to the recipients it names (as rekisteri would) and writes it
    /// over the register file.
    pub fn put_document(&self, document: &Value) {
        let recipients: Vec<String> = document["encryption"]["recipients"]
            .as_array()
            .expect("encryption.recipients is an array")
            .iter()
            .map(|r| r.as_str().expect("a recipient string").to_owned())
            .collect();
        let plaintext = serde_json::to_vec(document).expect("serialise the document");
        self.put_bytes(&encrypt_to(&recipients, &plaintext));
    }

    /// The audit trail in the file, typed.
    pub fn trail(&self) -> Vec<AuditEvent> {
        serde_json::from_value(self.document()["audit"].clone()).expect("audit events")
    }
}

/// Decrypts an age file with one identity.
pub fn decrypt(ciphertext: &[u8], identity: &dyn age::Identity) -> Result<Vec<u8>, String> {
    let decryptor = age::Decryptor::new_buffered(ciphertext).map_err(|e| e.to_string())?;
    let mut reader = decryptor
        .decrypt(std::iter::once(identity))
        .map_err(|e| e.to_string())?;
    let mut plaintext = Vec::new();
    reader
        .read_to_end(&mut plaintext)
        .map_err(|e| e.to_string())?;
    Ok(plaintext)
}

/// Decrypts an age file with a passphrase.
pub fn decrypt_passphrase(ciphertext: &[u8], passphrase: &str) -> Result<Vec<u8>, String> {
    let identity = age::scrypt::Identity::new(SecretString::from(passphrase.to_owned()));
    decrypt(ciphertext, &identity)
}

/// True when the age file is passphrase (scrypt) encrypted.
pub fn is_scrypt(ciphertext: &[u8]) -> bool {
    age::Decryptor::new_buffered(ciphertext)
        .expect("an age file")
        .is_scrypt()
}

/// Encrypts `plaintext` to `age1…` and `ssh-…` recipients with the age crate.
pub fn encrypt_to(recipients: &[String], plaintext: &[u8]) -> Vec<u8> {
    let parsed: Vec<Box<dyn age::Recipient>> = recipients
        .iter()
        .map(|r| -> Box<dyn age::Recipient> {
            if r.starts_with("ssh-") {
                Box::new(r.parse::<age::ssh::Recipient>().expect("an SSH recipient"))
            } else {
                Box::new(
                    r.parse::<age::x25519::Recipient>()
                        .expect("an age recipient"),
                )
            }
        })
        .collect();
    let encryptor =
        age::Encryptor::with_recipients(parsed.iter().map(|r| r.as_ref())).expect("an encryptor");
    let mut output = Vec::new();
    let mut writer = encryptor.wrap_output(&mut output).expect("wrap output");
    writer.write_all(plaintext).expect("encrypt");
    writer.finish().expect("finish encryption");
    output
}

/// For `Option` fields whose key must be present (the value may be `null`).
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer)
}

/// One audit event, as the register holds it and `audit log --format json` prints it.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct AuditEvent {
    pub seq: u64,
    pub at: String,
    pub actor: String,
    pub action: String,
    #[serde(deserialize_with = "present")]
    pub subject: Option<String>,
    #[serde(deserialize_with = "present")]
    pub request: Option<String>,
    pub fields: Vec<String>,
    pub prev: String,
    pub hash: String,
}

/// What `audit verify --format json` prints.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Verified {
    pub events: usize,
    pub head: String,
}

/// The canonical bytes of an event: its JSON without `hash`, fields in declaration order
/// (`seq, at, actor, action, subject, request, fields, prev`), compact.
#[derive(Serialize)]
struct Canonical<'a> {
    seq: u64,
    at: &'a str,
    actor: &'a str,
    action: &'a str,
    subject: &'a Option<String>,
    request: &'a Option<String>,
    fields: &'a [String],
    prev: &'a str,
}

/// `SHA-256(prev ‖ canonical bytes)`, hex: the hash an event should carry, computed here
/// independently of rekisteri.
pub fn event_hash(event: &AuditEvent) -> String {
    let canonical = Canonical {
        seq: event.seq,
        at: &event.at,
        actor: &event.actor,
        action: &event.action,
        subject: &event.subject,
        request: &event.request,
        fields: &event.fields,
        prev: &event.prev,
    };
    let bytes = serde_json::to_vec(&canonical).expect("serialise an event");
    let mut hasher = Sha256::new();
    hasher.update(event.prev.as_bytes());
    hasher.update(&bytes);
    hex::encode(hasher.finalize())
}

/// Renumbers the events 1, 2, … and recomputes every `prev` and `hash`: a rewritten history
/// whose chain is valid.
pub fn rechain(events: &mut [AuditEvent]) {
    let mut prev = GENESIS.to_owned();
    for (index, event) in events.iter_mut().enumerate() {
        event.seq = index as u64 + 1;
        event.prev = prev;
        event.hash = event_hash(event);
        prev = event.hash.clone();
    }
}

/// Sets the document's audit trail.
pub fn set_trail(document: &mut Value, events: &[AuditEvent]) {
    document["audit"] = serde_json::to_value(events).expect("serialise the trail");
}
