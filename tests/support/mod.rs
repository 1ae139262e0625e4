//! Helpers for the rights, requests and access-report tests: a register in its own temporary
//! directory with a freshly generated key, the binary run with a fixed, clean environment, the
//! register's plaintext as the age crate (not rekisteri) decrypts it, and typed views of the
//! JSON the commands print.
//!
//! Every command runs with `REKISTERI_ACTOR=tester` and `REKISTERI_TODAY` set (the register's
//! default date unless a test names another), with the inherited `REKISTERI_*` variables that
//! would point it at another file or key removed.

// Each test binary uses a different part of this module.
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use tempfile::TempDir;

/// The date commands treat as today unless a test says otherwise (a Wednesday).
pub const TODAY: &str = "2025-03-05";
pub const ACTOR: &str = "tester";
const REGISTER: &str = "register.age";
const KEY: &str = "key.txt";

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

/// The repository root, for `examples/`.
pub fn repo_file(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// The binary, in `dir`, with a clean environment and `today` as the date.
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
        .timeout(Duration::from_secs(120));
    command
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn describe(args: &[&str], output: &Output) -> String {
    format!(
        "`rekisteri {}` exited with {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        args.join(" "),
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        stderr(output)
    )
}

/// One test's register: a temporary directory with `key.txt` (from `rekisteri keygen`) and
/// `register.age` (from `init --metadata examples/twebs.json`).
pub struct Register {
    dir: TempDir,
}

impl Register {
    pub fn new() -> Register {
        let dir = tempfile::Builder::new()
            .prefix("rekisteri-rights-")
            .tempdir()
            .expect("a temporary directory");
        let register = Register { dir };
        let keygen = rekisteri(register.root(), TODAY)
            .args(["keygen", "-o", KEY])
            .output()
            .expect("keygen runs");
        assert!(
            keygen.status.success(),
            "{}",
            describe(&["keygen"], &keygen)
        );
        let metadata = repo_file("examples/twebs.json");
        let metadata = metadata.to_str().expect("a UTF-8 repository path");
        register.ok(&["init", "--metadata", metadata]);
        register
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// The binary with `-f register.age -i key.txt`, on `today`.
    pub fn cmd_on(&self, today: &str) -> assert_cmd::Command {
        let mut command = rekisteri(self.root(), today);
        command.args(["-f", REGISTER, "-i", KEY]);
        command
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

    /// Runs on `today`, asserts exit 0 and returns stdout.
    pub fn ok_on(&self, today: &str, args: &[&str]) -> String {
        let output = self.run_on(today, args);
        assert_eq!(output.status.code(), Some(0), "{}", describe(args, &output));
        stdout(&output)
    }

    pub fn ok(&self, args: &[&str]) -> String {
        self.ok_on(TODAY, args)
    }

    /// Runs on `today`, asserts the exit code and the `rekisteri: error:` line, and returns
    /// stderr. Asserts too that a failing command printed nothing on stdout.
    pub fn fails_on(&self, today: &str, args: &[&str], code: i32) -> String {
        let output = self.run_on(today, args);
        assert_eq!(
            output.status.code(),
            Some(code),
            "{}",
            describe(args, &output)
        );
        let err = stderr(&output);
        assert!(
            err.starts_with("rekisteri: error: "),
            "an error starts with `rekisteri: error:`\n{}",
            describe(args, &output)
        );
        assert!(
            output.stdout.is_empty(),
            "a failing command prints nothing on stdout\n{}",
            describe(args, &output)
        );
        err
    }

    pub fn fails(&self, args: &[&str], code: i32) -> String {
        self.fails_on(TODAY, args, code)
    }

    /// Runs with `--format json` on `today` and deserialises stdout.
    pub fn json_on<T: DeserializeOwned>(&self, today: &str, args: &[&str]) -> T {
        let mut all = vec!["--format", "json"];
        all.extend_from_slice(args);
        let text = self.ok_on(today, &all);
        serde_json::from_str(&text).unwrap_or_else(|e| {
            panic!(
                "`{}` printed JSON of another shape: {e}\n{text}",
                all.join(" ")
            )
        })
    }

    pub fn json<T: DeserializeOwned>(&self, args: &[&str]) -> T {
        self.json_on(TODAY, args)
    }

    /// `add` with the given flags; returns the one id it printed.
    pub fn add(&self, flags: &[&str]) -> String {
        let mut args = vec!["add"];
        args.extend_from_slice(flags);
        let text = self.ok(&args);
        let ids: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(ids.len(), 1, "add prints one id: {text:?}");
        ids[0].trim().to_owned()
    }

    /// `export --format json` of all subjects (with extra flags such as `--purpose`).
    pub fn export(&self, flags: &[&str]) -> Vec<Subject> {
        let mut args = vec!["export"];
        args.extend_from_slice(flags);
        self.json(&args)
    }

    /// The subject with this id in `export --include-restricted`.
    pub fn subject(&self, id: &str) -> Subject {
        self.export(&["--include-restricted"])
            .into_iter()
            .find(|s| s.id == id)
            .unwrap_or_else(|| panic!("subject {id} is in the register"))
    }

    /// The register file's plaintext, decrypted with the age crate and the key file.
    pub fn plaintext(&self) -> String {
        let ciphertext = std::fs::read(self.root().join(REGISTER)).expect("the register exists");
        let key = std::fs::read_to_string(self.root().join(KEY)).expect("the key file exists");
        let line = key
            .lines()
            .find(|l| l.starts_with("AGE-SECRET-KEY-"))
            .expect("the key file holds an AGE-SECRET-KEY- line");
        let identity: age::x25519::Identity = line.parse().expect("an age X25519 identity");
        let decryptor =
            age::Decryptor::new_buffered(&ciphertext[..]).expect("the register is an age file");
        let mut reader = decryptor
            .decrypt(std::iter::once(&identity as &dyn age::Identity))
            .expect("the key decrypts the register");
        let mut plaintext = String::new();
        reader
            .read_to_string(&mut plaintext)
            .expect("the plaintext is UTF-8");
        plaintext
    }

    /// The plaintext as JSON.
    pub fn document(&self) -> serde_json::Value {
        serde_json::from_str(&self.plaintext()).expect("the plaintext is JSON")
    }
}

/// For `Option` fields whose key must be present (the value may be `null`): serde treats a
/// missing key as an error when a field has `deserialize_with`.
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer)
}

/// A subject as `export --format json` prints it.
#[derive(Debug, Clone, Deserialize)]
pub struct Subject {
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
    #[serde(deserialize_with = "present")]
    pub restriction: Option<Restriction>,
    #[serde(deserialize_with = "present")]
    pub marketing_objection: Option<Objection>,
    pub ips: Vec<IpSeen>,
    pub orders: Vec<Order>,
    pub invoices: Vec<Invoice>,
    pub notes: Vec<Note>,
    pub consents: Vec<Consent>,
    pub disclosures: Vec<Disclosure>,
    pub corrections: Vec<Correction>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Restriction {
    pub ground: String,
    pub since: String,
    #[serde(deserialize_with = "present")]
    pub request: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Objection {
    pub on: String,
    #[serde(deserialize_with = "present")]
    pub request: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct IpSeen {
    pub address: String,
    pub seen: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Order {
    pub product: String,
    pub ordered_on: String,
    pub changes: Vec<OrderChange>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct OrderChange {
    pub on: String,
    pub change: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Invoice {
    pub number: String,
    pub date: String,
    pub amount: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Note {
    pub at: String,
    pub author: String,
    pub text: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Consent {
    pub purpose: String,
    pub action: String,
    pub at: String,
    pub channel: String,
    #[serde(deserialize_with = "present")]
    pub evidence: Option<String>,
    pub notice_version: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Disclosure {
    pub recipient: String,
    pub on: String,
    pub fields: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Correction {
    pub at: String,
    pub actor: String,
    pub field: String,
    #[serde(deserialize_with = "present")]
    pub old: Option<String>,
    pub reason: String,
    #[serde(deserialize_with = "present")]
    pub request: Option<String>,
}

/// A request as `request open/close/… --format json` prints it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Request {
    pub id: String,
    pub kind: String,
    #[serde(deserialize_with = "present")]
    pub subject: Option<String>,
    pub received: String,
    pub deadline: String,
    pub due: String,
    pub status: String,
    #[serde(deserialize_with = "present")]
    pub extension: Option<Extension>,
    #[serde(deserialize_with = "present")]
    pub resolution: Option<Resolution>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Extension {
    pub reason: String,
    pub notified_on: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Resolution {
    pub on: String,
    pub text: String,
}

/// One event of the audit trail, as `audit log --format json` prints it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
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
