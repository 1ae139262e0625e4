//! [`Register`]: an initialised register driven by arguments, for the rights, requests,
//! audit-trail, notice, rekey and other tests that check what commands print.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{
    AgeKey, AuditEvent, KEY, REGISTER, Subject, TODAY, World, audit_trail, check_fail, decrypt,
    encrypt_to_all, expect_ok, rekisteri, stderr, stdout, twebs,
};

/// A register in its own directory, encrypted to `key.txt` (an age key made by the age crate)
/// and described by `examples/twebs.json`.
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

    /// Runs on `today`, asserts exit 0 and returns stdout.
    pub fn ok_on(&self, today: &str, args: &[&str]) -> String {
        expect_ok(&args.join(" "), &self.run_on(today, args))
    }

    pub fn ok(&self, args: &[&str]) -> String {
        self.ok_on(TODAY, args)
    }

    /// Runs on `today`, asserts the exit code, that the first stderr line is the
    /// `rekisteri: error:` line and that stdout is empty; returns stderr.
    pub fn fails_on(&self, today: &str, args: &[&str], code: i32) -> String {
        check_fail(&args.join(" "), &self.run_on(today, args), code, false)
    }

    pub fn fails(&self, args: &[&str], code: i32) -> String {
        self.fails_on(TODAY, args, code)
    }

    /// [`Register::fails`], but `rekisteri: warning: …` lines may come before the error.
    pub fn fails_after_warnings(&self, args: &[&str], code: i32) -> String {
        check_fail(&args.join(" "), &self.run(args), code, true)
    }

    /// Runs a cron check (`audit deadlines`, `retention check`) on `today`, asserts that it
    /// exits 0 or 1, and returns (exit code, stdout).
    pub fn check_on(&self, today: &str, args: &[&str]) -> (i32, String) {
        let output = self.run_on(today, args);
        let code = output.status.code().expect("an exit code");
        assert!(
            code == 0 || code == 1,
            "{} exits 0 or 1, not {code}: {}",
            args.join(" "),
            stderr(&output)
        );
        (code, stdout(&output))
    }

    /// [`Register::check_on`] with `--format json`, stdout deserialised.
    pub fn check_json_on<T: DeserializeOwned>(&self, today: &str, args: &[&str]) -> (i32, T) {
        let mut all = vec!["--format", "json"];
        all.extend_from_slice(args);
        let (code, text) = self.check_on(today, &all);
        let parsed = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} --format json: {e}\n{text}", args.join(" ")));
        (code, parsed)
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

    /// The ids of every subject, restricted ones too, in `export` order.
    pub fn ids(&self) -> Vec<String> {
        self.export(&["--include-restricted"])
            .into_iter()
            .map(|s| s.id)
            .collect()
    }

    /// The register file's plaintext, decrypted by the age crate with `key.txt`.
    pub fn plaintext(&self) -> String {
        let plaintext = decrypt(&self.bytes(), &self.key.identity).expect("key.txt decrypts");
        String::from_utf8(plaintext).expect("the plaintext is UTF-8")
    }

    /// The plaintext as JSON.
    pub fn document(&self) -> Value {
        serde_json::from_str(&self.plaintext()).expect("the plaintext is JSON")
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
        self.put_bytes(&encrypt_to_all(&recipients, &plaintext));
    }

    /// The audit trail in the file, typed.
    pub fn trail(&self) -> Vec<AuditEvent> {
        audit_trail(&self.document())
    }
}
