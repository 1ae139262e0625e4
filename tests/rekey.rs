//! `rekey` (LEGAL §11: one recipient per authorised staff member, re-encryption when one
//! leaves): the register is re-encrypted to new age X25519 or SSH recipients, or to a
//! passphrase; the change is shown (`+`/`-` lines) and confirmed (`--yes` where there is no
//! terminal), and recorded in the audit trail. SSH keys made by `ssh-keygen` work as
//! identities and recipients, and the `age` tool decrypts what rekisteri wrote.

mod support;

use serde::Deserialize;
use serde_json::Value;
use support::{
    AuditEvent, KEY, REGISTER, Register, World, decrypt, decrypt_passphrase, expect_fail,
    expect_ok, is_scrypt, present, stderr, tool_available, twebs,
};

const NAME: &str = "Kaisa Avaimenvaihto";
const EMAIL: &str = "kaisa@example.fi";
const PASSPHRASE: &str = "kolme iloista kalaa uivat";

#[derive(Debug, Deserialize)]
struct Exported {
    id: String,
    name: String,
    #[serde(deserialize_with = "present")]
    email: Option<String>,
}

/// The plaintext's `encryption` object.
#[derive(Debug, Deserialize, PartialEq)]
struct Encryption {
    recipients: Vec<String>,
    passphrase: bool,
}

fn encryption(document: &Value) -> Encryption {
    serde_json::from_value(document["encryption"].clone()).expect("an encryption object")
}

fn json(plaintext: &[u8]) -> Value {
    serde_json::from_slice(plaintext).expect("the plaintext is JSON")
}

fn has_line(text: &str, line: &str) -> bool {
    text.lines().any(|l| l.trim_end() == line)
}

/// `export --format json` of the register in `world`, opened with `identity`.
fn export_with(world: &World, file: &str, identity: &str) -> std::process::Output {
    world.run(&["-f", file, "-i", identity, "--format", "json", "export"])
}

fn exported(what: &str, output: &std::process::Output) -> Vec<Exported> {
    serde_json::from_str(&expect_ok(what, output)).expect("exported subjects")
}

#[test]
fn rekey_to_another_key_locks_the_old_one_out() {
    let register = Register::new();
    let id = register.add(&["--name", NAME, "--email", EMAIL]);
    let before = register.document();
    let a = &register.key;
    let b = register.world.age_key("b.txt");

    let output = register.run(&["rekey", "-r", &b.recipient, "--yes", "--force"]);
    expect_ok("rekey -r B --yes", &output);
    let err = stderr(&output);
    assert!(has_line(&err, &format!("+ {}", b.recipient)), "{err}");
    assert!(has_line(&err, &format!("- {}", a.recipient)), "{err}");

    // A is out (exit 77); B opens it, with the data intact.
    let output = register.run(&["export"]);
    let err = expect_fail("export with A after rekey", &output, 77);
    assert!(err.contains("none of the given identities"), "{err}");
    let subjects = exported(
        "export with B",
        &export_with(&register.world, REGISTER, "b.txt"),
    );
    assert_eq!(subjects.len(), 1);
    assert_eq!(subjects[0].id, id);
    assert_eq!(subjects[0].name, NAME);
    assert_eq!(subjects[0].email.as_deref(), Some(EMAIL));

    // The age crate agrees: B decrypts, A does not.
    let bytes = register.bytes();
    assert!(decrypt(&bytes, &a.identity).is_err(), "A still decrypts");
    let after = json(&decrypt(&bytes, &b.identity).expect("B decrypts"));
    assert_eq!(
        encryption(&after),
        Encryption {
            recipients: vec![b.recipient.clone()],
            passphrase: false
        }
    );
    assert_eq!(after["subjects"], before["subjects"]);
    assert_eq!(after["description"], before["description"]);

    // The rekey is in the audit trail, and the chain still verifies.
    let trail: Vec<AuditEvent> = serde_json::from_value(after["audit"].clone()).unwrap();
    let last = trail.last().unwrap();
    assert_eq!(last.action, "rekey");
    assert_eq!(last.actor, "tester");
    assert_eq!(last.subject, None);
    assert_eq!(last.fields, ["encryption"]);
    let output = register
        .world
        .run(&["-f", REGISTER, "-i", "b.txt", "audit", "verify"]);
    expect_ok("audit verify with B", &output);
    let output = register.world.run(&[
        "-f", REGISTER, "-i", "b.txt", "--format", "json", "audit", "log", "--action", "rekey",
    ]);
    let rekeys: Vec<AuditEvent> = serde_json::from_str(&expect_ok("audit log", &output)).unwrap();
    assert_eq!(rekeys.len(), 1);

    // B may change it now; A still cannot.
    let output = register
        .world
        .run(&["-f", REGISTER, "-i", "b.txt", "record", &id, "note", "x"]);
    expect_ok("record with B", &output);
    register.fails_after_warnings(&["record", &id, "note", "x"], 77);
}

#[test]
fn rekey_without_yes_and_without_a_terminal_exits_2_and_changes_nothing() {
    let register = Register::new();
    register.add(&["--name", NAME]);
    let b = register.world.age_key("b.txt");
    let before = register.bytes();

    // Even a "y" piped in is not a confirmation: there is no terminal to ask on.
    for stdin in ["y\n", ""] {
        let output = register
            .cmd()
            .args(["rekey", "-r", &b.recipient, "--force"])
            .write_stdin(stdin)
            .output()
            .unwrap();
        let err = stderr(&output);
        assert_eq!(
            output.status.code(),
            Some(2),
            "rekey without --yes, stdin {stdin:?}: {err}"
        );
        assert!(err.contains("rekisteri: error: "), "{err}");
        assert!(err.contains("--yes"), "{err}");
        assert_eq!(
            register.bytes(),
            before,
            "the file is unchanged byte for byte"
        );
    }
    // A still opens it, B does not, and nothing was recorded.
    let subjects = exported(
        "export with A",
        &export_with(&register.world, REGISTER, KEY),
    );
    assert_eq!(subjects.len(), 1);
    let output = export_with(&register.world, REGISTER, "b.txt");
    expect_fail("export with B", &output, 77);
    let trail = register.trail();
    assert!(trail.iter().all(|e| e.action != "rekey"));
}

#[test]
fn rekey_to_a_recipients_file_with_comments_and_two_keys() {
    let register = Register::new();
    let id = register.add(&["--name", NAME, "--email", EMAIL]);
    let b = register.world.age_key("b.txt");
    let c = register.world.age_key("c.txt");
    register.world.write(
        "staff.txt",
        format!(
            "# Recipients of the customer register\n\n# Bea, sales\n{}\n   # Cai, accounts\n  {}  \n\n",
            b.recipient, c.recipient
        ),
    );

    let output = register.run(&["rekey", "-R", "staff.txt", "--yes", "--force"]);
    expect_ok("rekey -R staff.txt --yes", &output);
    let err = stderr(&output);
    assert!(has_line(&err, &format!("+ {}", b.recipient)), "{err}");
    assert!(has_line(&err, &format!("+ {}", c.recipient)), "{err}");
    assert!(
        has_line(&err, &format!("- {}", register.key.recipient)),
        "{err}"
    );

    for key in ["b.txt", "c.txt"] {
        let subjects = exported(
            &format!("export -i {key}"),
            &export_with(&register.world, REGISTER, key),
        );
        assert_eq!(subjects.len(), 1);
        assert_eq!(subjects[0].id, id);
    }
    register.fails_after_warnings(&["export"], 77);

    let bytes = register.bytes();
    let by_b = json(&decrypt(&bytes, &b.identity).expect("B decrypts"));
    let by_c = json(&decrypt(&bytes, &c.identity).expect("C decrypts"));
    assert_eq!(by_b, by_c);
    assert_eq!(
        encryption(&by_b),
        Encryption {
            recipients: vec![b.recipient.clone(), c.recipient.clone()],
            passphrase: false
        }
    );

    // A file with a line that is not a recipient: exit 78, naming the line; nothing changes.
    register
        .world
        .write("bad.txt", format!("# ok\n{}\nnot-a-key\n", b.recipient));
    let output = register.world.run(&[
        "-f", REGISTER, "-i", "b.txt", "rekey", "-R", "bad.txt", "--yes",
    ]);
    let err = expect_fail("rekey -R bad.txt", &output, 78);
    assert!(err.contains("line 3"), "{err}");
    assert_eq!(register.bytes(), bytes);
    // A missing file: exit 66.
    let output = register.world.run(&[
        "-f",
        REGISTER,
        "-i",
        "b.txt",
        "rekey",
        "-R",
        "missing.txt",
        "--yes",
    ]);
    expect_fail("rekey -R missing.txt", &output, 66);
    assert_eq!(register.bytes(), bytes);
}

#[test]
fn rekey_to_a_passphrase_and_back() {
    let register = Register::new();
    let id = register.add(&["--name", NAME, "--email", EMAIL]);
    let pass = register.world.write("pass.txt", format!("{PASSPHRASE}\n"));
    register.world.write("wrong.txt", "not the passphrase\n");

    let output = register
        .cmd()
        .env("REKISTERI_NEW_PASSPHRASE_FILE", &pass)
        .args(["rekey", "--passphrase", "--yes"])
        .output()
        .unwrap();
    expect_ok("rekey --passphrase --yes", &output);
    let err = stderr(&output);
    assert!(has_line(&err, "+ passphrase"), "{err}");
    assert!(
        has_line(&err, &format!("- {}", register.key.recipient)),
        "{err}"
    );
    assert!(!err.contains(PASSPHRASE), "the passphrase is never printed");

    let bytes = register.bytes();
    assert!(
        is_scrypt(&bytes),
        "the file is passphrase (scrypt) encrypted"
    );
    let document = json(&decrypt_passphrase(&bytes, PASSPHRASE).expect("the passphrase decrypts"));
    assert_eq!(
        encryption(&document),
        Encryption {
            recipients: vec![],
            passphrase: true
        }
    );
    let trail: Vec<AuditEvent> = serde_json::from_value(document["audit"].clone()).unwrap();
    assert_eq!(trail.last().unwrap().action, "rekey");

    // It opens with REKISTERI_PASSPHRASE_FILE.
    let output = register
        .world
        .bare()
        .env("REKISTERI_PASSPHRASE_FILE", &pass)
        .args(["-f", REGISTER, "--format", "json", "export"])
        .output()
        .unwrap();
    let subjects = exported("export with the passphrase", &output);
    assert_eq!(subjects.len(), 1);
    assert_eq!(subjects[0].id, id);
    // A wrong passphrase: 77; none and no terminal: 78.
    let output = register
        .world
        .bare()
        .env(
            "REKISTERI_PASSPHRASE_FILE",
            register.world.path("wrong.txt"),
        )
        .args(["-f", REGISTER, "export"])
        .output()
        .unwrap();
    expect_fail("export with a wrong passphrase", &output, 77);
    let output = register.run(&["export"]);
    expect_fail("export with only the old key", &output, 78);

    // Back to the key, opened with the passphrase.
    let output = register
        .world
        .bare()
        .env("REKISTERI_PASSPHRASE_FILE", &pass)
        .args([
            "-f",
            REGISTER,
            "rekey",
            "-r",
            &register.key.recipient,
            "--yes",
            // No -i: nothing shows that whoever runs it holds A's key.
            "--force",
        ])
        .output()
        .unwrap();
    expect_ok("rekey -r A --yes (from the passphrase)", &output);
    let err = stderr(&output);
    assert!(has_line(&err, "- passphrase"), "{err}");
    assert!(
        has_line(&err, &format!("+ {}", register.key.recipient)),
        "{err}"
    );
    assert!(!is_scrypt(&register.bytes()));
    let document = register.document();
    assert_eq!(
        encryption(&document),
        Encryption {
            recipients: vec![register.key.recipient.clone()],
            passphrase: false
        }
    );
    let trail = register.trail();
    assert_eq!(trail.iter().filter(|e| e.action == "rekey").count(), 2);
    register.ok(&["audit", "verify"]);
}

/// init to an SSH key (by its public line, and by the private key alone), then add and
/// export with it, and decrypt with the `age` tool.
fn ssh_round_trip(kind: &str, extra: &[&str]) {
    if !tool_available("ssh-keygen") {
        return;
    }
    let world = World::new();
    let key = world.ssh_key("id_test", kind, extra);
    assert!(key.recipient.starts_with(&format!("ssh-{}", &kind[..3])));

    // By the public key line (with its comment).
    let output = world.run(&["-f", REGISTER, "init", "-r", &key.public_line]);
    expect_ok("init -r SSH-PUBLIC-KEY", &output);
    let output = world.run(&[
        "-f", REGISTER, "-i", "id_test", "add", "--name", NAME, "--email", EMAIL,
    ]);
    let id = expect_ok("add -i SSH-KEY", &output).trim().to_owned();
    let subjects = exported(
        "export -i SSH-KEY",
        &export_with(&world, REGISTER, "id_test"),
    );
    assert_eq!(subjects.len(), 1);
    assert_eq!(subjects[0].id, id);
    assert_eq!(subjects[0].name, NAME);

    let bytes = std::fs::read(world.path(REGISTER)).unwrap();
    let document = json(&decrypt(&bytes, &key.identity()).expect("the SSH key decrypts"));
    assert_eq!(
        encryption(&document),
        Encryption {
            recipients: vec![key.recipient.clone()],
            passphrase: false
        },
        "the recipient is kept without its comment"
    );

    // By the private key alone: the recipient is derived from it.
    let output = world.run(&["-f", "derived.age", "-i", "id_test", "init"]);
    expect_ok("init -i SSH-KEY", &output);
    let bytes = std::fs::read(world.path("derived.age")).unwrap();
    let derived = json(&decrypt(&bytes, &key.identity()).expect("the SSH key decrypts"));
    assert_eq!(encryption(&derived).recipients, [key.recipient.as_str()]);
    let subjects = exported(
        "export derived.age",
        &export_with(&world, "derived.age", "id_test"),
    );
    assert!(subjects.is_empty());

    // Another key does not open it.
    let other = world.age_key("other.txt");
    let output = export_with(&world, REGISTER, other.name());
    expect_fail("export with another key", &output, 77);

    // The age tool decrypts it with the SSH key: the file is an ordinary age file.
    if tool_available("age") {
        let output = std::process::Command::new("age")
            .current_dir(world.root())
            .args(["-d", "-i", "id_test", REGISTER])
            .output()
            .expect("age runs");
        assert!(
            output.status.success(),
            "{}",
            support::describe("age -d -i id_test", &output)
        );
        let document = json(&output.stdout);
        assert_eq!(document["subjects"][0]["id"], id.as_str());
        assert_eq!(document["subjects"][0]["name"], NAME);
    }
}

#[test]
fn an_ed25519_ssh_key_is_an_identity_and_a_recipient() {
    ssh_round_trip("ed25519", &[]);
}

#[test]
fn an_rsa_ssh_key_is_an_identity_and_a_recipient() {
    ssh_round_trip("rsa", &["-b", "2048"]);
}

#[test]
fn a_passphrase_protected_ssh_key_is_refused_with_78() {
    if !tool_available("ssh-keygen") {
        return;
    }
    let world = World::new();
    let output = std::process::Command::new("ssh-keygen")
        .current_dir(world.root())
        .args([
            "-q", "-t", "ed25519", "-N", "a secret", "-C", "x", "-f", "locked",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let metadata = twebs();
    let output = world.run(&[
        "-f",
        REGISTER,
        "-i",
        "locked",
        "init",
        "--metadata",
        &metadata,
    ]);
    let err = expect_fail("init -i LOCKED-SSH-KEY", &output, 78);
    assert!(!err.contains("a secret"), "{err}");
    assert!(!world.path(REGISTER).exists());
}

#[test]
fn rekey_from_an_age_key_to_an_ssh_key_and_back() {
    if !tool_available("ssh-keygen") {
        return;
    }
    let register = Register::new();
    let id = register.add(&["--name", NAME]);
    let ssh = register.world.ssh_key("id_ed25519", "ed25519", &[]);

    let output = register.run(&["rekey", "-r", &ssh.public_line, "--yes", "--force"]);
    expect_ok("rekey -r SSH --yes", &output);
    let err = stderr(&output);
    assert!(has_line(&err, &format!("+ {}", ssh.recipient)), "{err}");
    assert!(
        has_line(&err, &format!("- {}", register.key.recipient)),
        "{err}"
    );
    register.fails_after_warnings(&["export"], 77);
    let subjects = exported(
        "export -i SSH",
        &export_with(&register.world, REGISTER, ssh.name()),
    );
    assert_eq!(subjects[0].id, id);
    let bytes = register.bytes();
    assert!(decrypt(&bytes, &register.key.identity).is_err());
    let document = json(&decrypt(&bytes, &ssh.identity()).expect("the SSH key decrypts"));
    assert_eq!(encryption(&document).recipients, [ssh.recipient.as_str()]);

    // The same SSH key again (with its comment): nothing to change.
    let output = register.world.run(&[
        "-f",
        REGISTER,
        "-i",
        ssh.name(),
        "rekey",
        "-r",
        &ssh.public_line,
        "--yes",
    ]);
    expect_ok("rekey to the same SSH key", &output);
    assert_eq!(register.bytes(), bytes, "nothing was rewritten");

    // And back to the age key, opened with the SSH key.
    let output = register.world.run(&[
        "-f",
        REGISTER,
        "-i",
        ssh.name(),
        "rekey",
        "-r",
        &register.key.recipient,
        "--yes",
        "--force",
    ]);
    expect_ok("rekey -r A --yes (from SSH)", &output);
    let err = stderr(&output);
    assert!(
        has_line(&err, &format!("+ {}", register.key.recipient)),
        "{err}"
    );
    assert!(has_line(&err, &format!("- {}", ssh.recipient)), "{err}");
    let subjects = exported(
        "export with A",
        &export_with(&register.world, REGISTER, KEY),
    );
    assert_eq!(subjects[0].id, id);
    let output = export_with(&register.world, REGISTER, ssh.name());
    expect_fail("export with the SSH key after rekey back", &output, 77);
    assert!(decrypt(&register.bytes(), &ssh.identity()).is_err());
    let rekeys = register
        .trail()
        .iter()
        .filter(|e| e.action == "rekey")
        .count();
    assert_eq!(rekeys, 2);
    register.ok(&["audit", "verify"]);
}

#[test]
fn invalid_recipients_exit_78_and_change_nothing() {
    let register = Register::new();
    let before = register.bytes();
    for bad in [
        "age1notavalidrecipient",
        "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ",
        "ssh-ed25519 AAAAnotbase64",
        "ssh-dss AAAAB3NzaC1kc3MAAACBAP",
        "",
    ] {
        let output = register.run(&["rekey", "-r", bad, "--yes"]);
        let err = expect_fail(&format!("rekey -r {bad:?}"), &output, 78);
        assert!(
            !err.contains("AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQ"),
            "a secret key given by mistake is not echoed whole: {err}"
        );
        assert_eq!(
            register.bytes(),
            before,
            "rekey -r {bad:?} changed the file"
        );
    }
    // One bad recipient among good ones spoils the lot.
    let b = register.world.age_key("b.txt");
    let output = register.run(&["rekey", "-r", &b.recipient, "-r", "age1bad", "--yes"]);
    expect_fail("rekey -r B -r BAD", &output, 78);
    assert_eq!(register.bytes(), before);

    // init refuses a bad recipient and creates nothing.
    let metadata = twebs();
    let output = register.world.run(&[
        "-f",
        "new.age",
        "init",
        "--metadata",
        &metadata,
        "-r",
        "age1notavalidrecipient",
    ]);
    expect_fail("init -r BAD", &output, 78);
    assert!(!register.world.path("new.age").exists());

    // No recipient at all is a usage error; the same recipients again change nothing.
    let output = register.run(&["rekey", "--yes"]);
    expect_fail("rekey --yes without recipients", &output, 2);
    let output = register.run(&["rekey", "-r", &register.key.recipient, "--yes"]);
    expect_ok("rekey to the same recipient", &output);
    assert_eq!(register.bytes(), before);
    assert!(register.trail().iter().all(|e| e.action != "rekey"));

    // A key that cannot open the register cannot rekey it.
    let output = register.world.run(&[
        "-f",
        REGISTER,
        "-i",
        "b.txt",
        "rekey",
        "-r",
        &b.recipient,
        "--yes",
    ]);
    expect_fail("rekey with a key that cannot decrypt", &output, 77);
    assert_eq!(register.bytes(), before);
}
