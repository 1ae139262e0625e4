//! [`Workspace`]: several age keys and the register `r.age`, for the reliability tests (crash
//! safety, mixed concurrency, corruption, secrets), and checks of what a write leaves behind.

use std::path::{Path, PathBuf};
use std::process::Output;

use super::{AgeKey, World, command, contains, decrypt_with, expect_ok, std_command};

/// The register's file name inside a workspace.
pub const WORKSPACE_REGISTER: &str = "r.age";

/// One test's directory: `key1.txt`, `key2.txt`, … (age X25519 identities, mode 0600) and,
/// once made, the register `r.age`.
pub struct Workspace {
    world: World,
    keys: Vec<age::x25519::Identity>,
}

impl Workspace {
    /// A directory with `keys` fresh identities, `key1.txt` … `key{keys}.txt`.
    pub fn new(keys: usize) -> Workspace {
        let world = World::new();
        let keys = (0..keys)
            .map(|n| AgeKey::generate(world.path(&key_name(n))).identity)
            .collect();
        Workspace { world, keys }
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
            .args([
                "-f",
                WORKSPACE_REGISTER,
                "-i",
                "key1.txt",
                "generate",
                "--subjects",
            ])
            .arg(subjects.to_string())
            .args(["--seed", "1"])
            .output()
            .expect("generate runs");
        expect_ok("rekisteri generate", &output);
        workspace
    }

    pub fn root(&self) -> &Path {
        self.world.root()
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.world.path(name)
    }

    pub fn register_path(&self) -> PathBuf {
        self.path(WORKSPACE_REGISTER)
    }

    /// `key{n+1}.txt`.
    pub fn key_name(&self, n: usize) -> String {
        key_name(n)
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
        let mut args = vec!["-f".to_owned(), WORKSPACE_REGISTER.to_owned()];
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
        expect_ok(&format!("rekisteri {}", args.join(" ")), &self.run(args))
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

    /// The names of the entries in the directory, sorted.
    pub fn entries(&self) -> Vec<String> {
        self.world.entries().into_iter().collect()
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

/// `key{n+1}.txt`.
fn key_name(n: usize) -> String {
    format!("key{}.txt", n + 1)
}

/// Whether a directory entry is a temporary file of the write path (`.<name>.*.tmp`).
pub fn is_temp_name(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(".tmp")
}

/// Whether `bytes` begin with a page of zeros (all zeros when shorter): the register's spare,
/// whose age header was overwritten, or a leftover temporary file that was the spare.
pub fn is_shredded(bytes: &[u8]) -> bool {
    !bytes.is_empty() && bytes[..bytes.len().min(4096)].iter().all(|b| *b == 0)
}

/// What is wrong with a leftover temporary file of the write path, if anything: it must be
/// empty, begin with (a prefix of) the age header line or be a spare (see `is_shredded`),
/// and hold no plaintext — no JSON start and none of `needles` (emails, email domains,
/// markers).
pub fn temp_file_problem(bytes: &[u8], needles: &[String]) -> Option<String> {
    const MAGIC: &[u8] = b"age-encryption.org/v1\n";
    if bytes.is_empty() {
        return None;
    }
    if bytes.first() == Some(&b'{') {
        return Some("it begins with `{`: plaintext JSON".into());
    }
    let n = bytes.len().min(MAGIC.len());
    if bytes[..n] != MAGIC[..n] && !is_shredded(bytes) {
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
