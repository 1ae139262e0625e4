//! Helpers for the reliability tests (crash safety, mixed concurrency, corruption, secrets):
//! a temporary directory holding age identities made with the age crate, the binary run with a
//! fixed, clean environment, and the age crate's own view of the register.
//!
//! Every command runs with `REKISTERI_TODAY=2025-03-05` and `REKISTERI_ACTOR=tester`, with the
//! inherited `REKISTERI_*` variables that would point it at another file, key or passphrase
//! removed.

// Each test binary uses a different part of this module.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use tempfile::TempDir;

/// The date every command treats as today (a Wednesday).
pub const TODAY: &str = "2025-03-05";
pub const ACTOR: &str = "tester";
/// The register's file name inside a workspace.
pub const REGISTER: &str = "r.age";

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

/// The repository root (for `examples/`).
pub fn repo_file(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// The binary as a plain `std::process::Command` (to spawn, kill or trace), in `dir`, with the
/// fixed environment.
pub fn std_command(dir: &Path) -> std::process::Command {
    let mut command = std::process::Command::new(bin());
    fixed_env(&mut command, dir);
    command
}

/// Gives any command (the binary, or a tool that runs it) the fixed environment, in `dir`.
pub fn fixed_env(command: &mut std::process::Command, dir: &Path) {
    command.current_dir(dir);
    for name in INHERITED {
        command.env_remove(name);
    }
    command
        .env("REKISTERI_TODAY", TODAY)
        .env("REKISTERI_ACTOR", ACTOR)
        // Rollback state per test, never the developer's (tests copy one fixture around).
        .env("XDG_STATE_HOME", dir.join(STATE_DIR));
}

/// The test's rollback state directory, inside its temporary directory.
pub const STATE_DIR: &str = ".state";

/// The binary as an `assert_cmd::Command`, in `dir`, with the fixed environment.
pub fn command(dir: &Path) -> assert_cmd::Command {
    let mut command = assert_cmd::cargo::cargo_bin_cmd!("rekisteri");
    command.current_dir(dir);
    for name in INHERITED {
        command.env_remove(name);
    }
    command
        .env("REKISTERI_TODAY", TODAY)
        .env("REKISTERI_ACTOR", ACTOR)
        .env("XDG_STATE_HOME", dir.join(STATE_DIR))
        .timeout(Duration::from_secs(120));
    command
}

/// One test's directory: `key1.txt`, `key2.txt`, … (age X25519 identities, mode 0600) and,
/// once made, the register `r.age`.
pub struct Workspace {
    dir: TempDir,
    keys: Vec<age::x25519::Identity>,
}

impl Workspace {
    /// A directory with `keys` fresh identities, `key1.txt` … `key{keys}.txt`.
    pub fn new(keys: usize) -> Workspace {
        let dir = tempfile::Builder::new()
            .prefix("rekisteri-reliability-")
            .tempdir()
            .expect("a temporary directory");
        let keys: Vec<age::x25519::Identity> = (0..keys)
            .map(|_| age::x25519::Identity::generate())
            .collect();
        let workspace = Workspace { dir, keys };
        for (n, identity) in workspace.keys.iter().enumerate() {
            use age::secrecy::ExposeSecret;
            let text = format!(
                "# public key: {}\n{}\n",
                identity.to_public(),
                identity.to_string().expose_secret()
            );
            let path = workspace.key_path(n);
            write_private(&path, text.as_bytes());
        }
        workspace
    }

    /// A workspace with one key and a register made by `init` (the embedded example's
    /// description) holding `subjects` subjects added from the command line.
    pub fn small(subjects: usize) -> Workspace {
        let workspace = Workspace::new(1);
        workspace.ok(&["init"]);
        for n in 0..subjects {
            let name = format!("Pieni Asiakas {n}");
            let email = format!("pieni.{n}@example.fi");
            let phone = format!("+35840555{n:04}");
            workspace.ok(&[
                "add",
                "--name",
                &name,
                "--email",
                &email,
                "--phone",
                &phone,
                "--consent",
                "marketing",
                "--note",
                "small register",
            ]);
        }
        workspace
    }

    /// A workspace with `keys` keys and a generated register of `subjects` subjects,
    /// encrypted to the first key only.
    pub fn generated(keys: usize, subjects: usize) -> Workspace {
        let workspace = Workspace::new(keys);
        let output = command(workspace.root())
            .args(["-f", REGISTER, "-i", "key1.txt", "generate", "--subjects"])
            .arg(subjects.to_string())
            .args(["--seed", "1"])
            .output()
            .expect("generate runs");
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            describe(&["generate"], &output)
        );
        workspace
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

    /// `key{n+1}.txt`.
    pub fn key_name(&self, n: usize) -> String {
        format!("key{}.txt", n + 1)
    }

    pub fn key_path(&self, n: usize) -> PathBuf {
        self.path(&self.key_name(n))
    }

    pub fn identity(&self, n: usize) -> &age::x25519::Identity {
        &self.keys[n]
    }

    pub fn identities(&self) -> &[age::x25519::Identity] {
        &self.keys
    }

    /// The `age1…` recipient of key `n`.
    pub fn recipient(&self, n: usize) -> String {
        self.keys[n].to_public().to_string()
    }

    /// `-f r.age -i key1.txt -i key2.txt …`.
    pub fn global_args(&self) -> Vec<String> {
        let mut args = vec!["-f".to_owned(), REGISTER.to_owned()];
        for n in 0..self.keys.len() {
            args.push("-i".to_owned());
            args.push(self.key_name(n));
        }
        args
    }

    /// The binary with `-f r.age` and every key as `-i`.
    pub fn cmd(&self) -> assert_cmd::Command {
        let mut command = command(self.root());
        command.args(self.global_args());
        command
    }

    /// The same as a std `Command` (for spawning).
    pub fn std_cmd(&self) -> std::process::Command {
        let mut command = std_command(self.root());
        command.args(self.global_args());
        command
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("rekisteri runs")
    }

    /// Runs, asserts exit 0, returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert_eq!(output.status.code(), Some(0), "{}", describe(args, &output));
        String::from_utf8(output.stdout).expect("stdout is UTF-8")
    }

    pub fn register_bytes(&self) -> Vec<u8> {
        std::fs::read(self.register_path()).expect("the register exists")
    }

    /// The register's plaintext, decrypted by the age crate with any of the keys.
    pub fn plaintext(&self) -> Vec<u8> {
        decrypt_with(
            &self.register_bytes(),
            &self.keys.iter().collect::<Vec<_>>(),
        )
        .expect("the register decrypts")
    }

    pub fn document(&self) -> serde_json::Value {
        serde_json::from_slice(&self.plaintext()).expect("the plaintext is JSON")
    }

    /// The names of the entries in the directory.
    pub fn entries(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.root())
            .expect("read the directory")
            .map(|e| {
                e.expect("an entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .filter(|name| name != STATE_DIR)
            .collect();
        names.sort();
        names
    }

    /// Temporary files of the write path: `.r.age.*.tmp`.
    pub fn temp_files(&self) -> Vec<PathBuf> {
        self.entries()
            .into_iter()
            .filter(|name| is_temp_name(name))
            .map(|name| self.path(&name))
            .collect()
    }
}

/// Whether a directory entry is a temporary file of the write path (`.<name>.*.tmp`).
pub fn is_temp_name(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(".tmp")
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

/// Decrypts an age file (binary or armored) with the age crate and any of `identities`.
pub fn decrypt_with(
    ciphertext: &[u8],
    identities: &[&age::x25519::Identity],
) -> Result<Vec<u8>, String> {
    let reader = age::armor::ArmoredReader::new(ciphertext);
    let decryptor = age::Decryptor::new_buffered(reader).map_err(|e| format!("header: {e}"))?;
    let mut stream = decryptor
        .decrypt(identities.iter().map(|i| *i as &dyn age::Identity))
        .map_err(|e| format!("no key: {e}"))?;
    let mut plaintext = Vec::new();
    stream
        .read_to_end(&mut plaintext)
        .map_err(|e| format!("payload: {e}"))?;
    Ok(plaintext)
}

/// Whether `identity` alone unwraps the file key of an age file (the header only).
pub fn opens_with(ciphertext: &[u8], identity: &age::x25519::Identity) -> bool {
    let reader = age::armor::ArmoredReader::new(ciphertext);
    match age::Decryptor::new_buffered(reader) {
        Ok(decryptor) => decryptor
            .decrypt(std::iter::once(identity as &dyn age::Identity))
            .is_ok(),
        Err(_) => false,
    }
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
    let mac_line = find(ciphertext, b"\n--- ").expect("an age header has a MAC line");
    mac_line
        + 1
        + ciphertext[mac_line + 1..]
            .iter()
            .position(|b| *b == b'\n')
            .expect("the MAC line ends")
        + 1
}

/// The first position of `needle` in `haystack`.
pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    find(haystack, needle).is_some()
}

/// A command and its output, for assertion messages.
pub fn describe(args: &[&str], output: &Output) -> String {
    format!(
        "`rekisteri {}` exited with {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        args.join(" "),
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Checks the contract's error shape: the first stderr line starts with
/// `rekisteri: error:` and nothing panicked.
pub fn error_shape(output: &Output) -> Result<(), String> {
    let stderr = String::from_utf8_lossy(&output.stderr);
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

/// The audit trail's events of a decrypted register.
pub fn audit(document: &serde_json::Value) -> &[serde_json::Value] {
    document["audit"]
        .as_array()
        .map(Vec::as_slice)
        .expect("`audit` is an array")
}

/// How many audit events of each action the register holds.
pub fn action_counts(document: &serde_json::Value) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for event in audit(document) {
        let action = event["action"].as_str().expect("an action").to_owned();
        *counts.entry(action).or_insert(0) += 1;
    }
    counts
}

/// The subjects of a decrypted register.
pub fn subjects(document: &serde_json::Value) -> &[serde_json::Value] {
    document["subjects"]
        .as_array()
        .map(Vec::as_slice)
        .expect("`subjects` is an array")
}

/// Every subject email of a decrypted register.
pub fn emails(document: &serde_json::Value) -> Vec<String> {
    subjects(document)
        .iter()
        .filter_map(|s| s["email"].as_str().map(str::to_owned))
        .collect()
}

/// The distinct `@domain` parts of the register's emails: a file holding any subject email
/// holds one of these.
pub fn email_domains(document: &serde_json::Value) -> Vec<String> {
    let mut domains: Vec<String> = emails(document)
        .iter()
        .filter_map(|e| e.rfind('@').map(|at| e[at..].to_owned()))
        .collect();
    domains.sort();
    domains.dedup();
    domains
}

/// What is wrong with a leftover temporary file of the write path, if anything: it must be
/// empty or begin with (a prefix of) the age header line, and hold no plaintext — no JSON
/// start and none of `needles` (emails, email domains, markers).
pub fn temp_file_problem(bytes: &[u8], needles: &[String]) -> Option<String> {
    const MAGIC: &[u8] = b"age-encryption.org/v1\n";
    if bytes.is_empty() {
        return None;
    }
    if bytes.first() == Some(&b'{') {
        return Some("it begins with `{`: plaintext JSON".into());
    }
    let n = bytes.len().min(MAGIC.len());
    if bytes[..n] != MAGIC[..n] {
        return Some(format!(
            "it does not begin with `age-encryption.org/v1` but {:?}",
            String::from_utf8_lossy(&bytes[..bytes.len().min(32)])
        ));
    }
    for needle in needles {
        if contains(bytes, needle.as_bytes()) {
            return Some(format!("it contains the plaintext bytes {needle:?}"));
        }
    }
    None
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
