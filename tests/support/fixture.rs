//! [`Fixture`]: a directory with a key made by `rekisteri keygen`, for the foundation, files,
//! failures, passphrase, records, concurrency and tooling tests.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::{
    ExportedSubject, KEY, REGISTER, World, assert_success, command, decrypt, identity_from_file,
    is_scrypt, repo_file, std_command, stdout_lines,
};

/// One test's world: a temporary directory holding a key made by `rekisteri keygen`.
pub struct Fixture {
    pub dir: World,
}

impl Fixture {
    /// A directory with `key.txt` made by `rekisteri keygen -o key.txt`; no register yet.
    pub fn new() -> Fixture {
        let fixture = Fixture { dir: World::new() };
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

    /// A fixture with `count` subjects, their events and requests, made by
    /// `rekisteri generate --subjects COUNT --seed SEED`.
    pub fn generated(count: usize, seed: u64) -> Fixture {
        let fixture = Fixture::new();
        let output = fixture
            .cmd()
            .args(["generate", "--subjects", &count.to_string()])
            .args(["--seed", &seed.to_string()])
            .output()
            .expect("generate runs");
        assert_success(&output, "generate");
        fixture
    }

    /// Runs rekisteri on the fixture's register with `args`.
    pub fn run(&self, args: &[&str]) -> std::process::Output {
        self.cmd().args(args).output().expect("rekisteri runs")
    }

    /// Replaces the register with `plaintext`, encrypted by the age crate to the fixture's key.
    pub fn put_back(&self, plaintext: &[u8]) {
        let recipient = self.identity().to_public();
        std::fs::remove_file(self.register_path()).expect("remove the register");
        super::write_private(
            &self.register_path(),
            &super::encrypt_to(plaintext, &recipient),
        );
    }

    pub fn root(&self) -> &Path {
        self.dir.root()
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path(name)
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
        self.dir.bare()
    }

    /// The binary as a std `Command` with `-f register.age -i key.txt` (for spawning).
    pub fn std_cmd(&self) -> std::process::Command {
        let mut command = std_command(self.root());
        command.args(["-f", REGISTER, "-i", KEY]);
        command
    }

    /// Writes a file in the fixture's directory and returns its path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        self.dir.write(name, contents)
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
        let ciphertext = self.register_bytes();
        assert!(!is_scrypt(&ciphertext), "encrypted to a recipient");
        decrypt(&ciphertext, &self.identity()).expect("the key decrypts the register")
    }

    /// The register's plaintext as JSON.
    pub fn plaintext(&self) -> serde_json::Value {
        serde_json::from_slice(&self.plaintext_bytes()).expect("the plaintext is JSON")
    }

    /// The names of the entries in the fixture's directory.
    pub fn entries(&self) -> BTreeSet<String> {
        self.dir.entries()
    }
}
