//! Writers at the same time: every change lands (no lost update), and a writer that cannot
//! get the lock in time gives up with 75 and touches nothing.

mod support;

use std::collections::BTreeSet;
use std::fs::OpenOptions;
use std::process::{Child, Stdio};
use std::time::Duration;

use support::*;

fn spawn(mut command: std::process::Command) -> Child {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn rekisteri")
}

fn lock_file(fixture: &Fixture) -> std::fs::File {
    let mut name = fixture.register_path().into_os_string();
    name.push(".lock");
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(name)
        .expect("open the lock file")
}

#[test]
fn parallel_adds_all_land() {
    const WRITERS: usize = 8;
    let fixture = Fixture::initialised();
    let children: Vec<Child> = (0..WRITERS)
        .map(|n| {
            let mut command = fixture.std_cmd();
            command.args([
                "add",
                "--name",
                &format!("Rinnakkainen {n}"),
                "--email",
                &format!("writer{n}@example.fi"),
            ]);
            spawn(command)
        })
        .collect();
    let mut printed = BTreeSet::new();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert_success(&output, "a parallel add");
        let ids = stdout_lines(&output);
        assert_eq!(ids.len(), 1);
        printed.insert(ids[0].clone());
    }
    assert_eq!(printed.len(), WRITERS);

    let subjects = fixture.export_json();
    assert_eq!(subjects.len(), WRITERS, "no update was lost");
    let exported: BTreeSet<String> = subjects.iter().map(|s| s.id.clone()).collect();
    assert_eq!(exported, printed);
    let emails: BTreeSet<String> = subjects.iter().filter_map(|s| s.email.clone()).collect();
    let expected: BTreeSet<String> = (0..WRITERS)
        .map(|n| format!("writer{n}@example.fi"))
        .collect();
    assert_eq!(emails, expected);

    let audit = audit_trail(&fixture.plaintext());
    assert_eq!(audit.len(), 1 + WRITERS, "one init and one add per writer");
    assert_eq!(audit.iter().filter(|e| e.action == "add").count(), WRITERS);
}

#[test]
fn parallel_bulk_imports_in_different_formats_all_land() {
    let fixture = Fixture::initialised();
    let mut csv = String::from("name,email\n");
    let mut json = Vec::new();
    let mut jsonl = String::new();
    for n in 0..5 {
        csv.push_str(&format!("Csv {n},csv{n}@example.fi\n"));
        json.push(serde_json::json!({"name": format!("Json {n}"), "email": format!("json{n}@example.fi")}));
        jsonl.push_str(&format!(
            "{{\"name\": \"Jsonl {n}\", \"email\": \"jsonl{n}@example.fi\"}}\n"
        ));
    }
    fixture.write("a.csv", csv);
    fixture.write("b.json", serde_json::to_vec(&json).unwrap());
    fixture.write("c.jsonl", jsonl);
    let children: Vec<Child> = ["a.csv", "b.json", "c.jsonl"]
        .into_iter()
        .map(|file| {
            let mut command = fixture.std_cmd();
            command.args(["add", "--from", file]);
            spawn(command)
        })
        .collect();
    let mut printed = BTreeSet::new();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert_success(&output, "a parallel bulk add");
        let ids = stdout_lines(&output);
        assert_eq!(ids.len(), 5);
        printed.extend(ids);
    }
    let exported: BTreeSet<String> = fixture.export_json().into_iter().map(|s| s.id).collect();
    assert_eq!(exported.len(), 15);
    assert_eq!(exported, printed);
}

#[test]
fn a_failing_writer_among_parallel_writers_changes_nothing_of_its_own() {
    let fixture = Fixture::initialised();
    fixture.write(
        "bad.csv",
        "name,email\nHyvä,hyva@example.fi\nHuono,not-an-email\n",
    );
    let mut children = Vec::new();
    for n in 0..4 {
        let mut command = fixture.std_cmd();
        command.args(["add", "--name", &format!("Hyvä {n}")]);
        children.push((true, spawn(command)));
    }
    let mut command = fixture.std_cmd();
    command.args(["add", "--from", "bad.csv"]);
    children.push((false, spawn(command)));
    for (good, child) in children {
        let output = child.wait_with_output().unwrap();
        if good {
            assert_success(&output, "a good parallel add");
        } else {
            let line = assert_error(&output, 65);
            assert!(line.contains("row 2"), "{line}");
        }
    }
    let subjects = fixture.export_json();
    assert_eq!(subjects.len(), 4);
    assert!(
        subjects.iter().all(|s| s.email.is_none()),
        "nothing of the bad batch landed"
    );
}

#[test]
fn parallel_inits_create_one_register_and_refuse_the_rest() {
    let fixture = Fixture::new();
    let twebs = repo_file("examples/twebs.json");
    let children: Vec<Child> = (0..4)
        .map(|_| {
            let mut command = fixture.std_cmd();
            command.arg("init").arg("--metadata").arg(&twebs);
            spawn(command)
        })
        .collect();
    let mut created = 0;
    for child in children {
        let output = child.wait_with_output().unwrap();
        if output.status.success() {
            created += 1;
        } else {
            assert_error(&output, 73);
        }
    }
    assert_eq!(created, 1, "exactly one init wins");
    let audit = audit_trail(&fixture.plaintext());
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].action, "init");
    assert!(fixture.entries().iter().all(|name| !name.ends_with(".tmp")));
}

#[test]
fn a_held_lock_makes_add_exit_75_and_leaves_the_register_unchanged() {
    let fixture = Fixture::initialised();
    let before = fixture.register_bytes();
    let lock = lock_file(&fixture);
    lock.lock().expect("take the lock");

    let started = std::time::Instant::now();
    let output = fixture
        .cmd()
        .env("REKISTERI_LOCK_WAIT", "0.5")
        .args(["add", "--name", "Odottaja"])
        .output()
        .unwrap();
    let waited = started.elapsed();
    let line = assert_error(&output, 75);
    assert!(line.contains("locked"), "{line}");
    assert!(hint_line(&output).unwrap().contains("try again"));
    assert!(
        waited >= Duration::from_millis(450),
        "gave up after {waited:?}, before the wait"
    );
    assert_eq!(fixture.register_bytes(), before);
    lock.unlock().unwrap();
    drop(lock);

    // Once the lock is free, the same add goes through.
    let output = fixture
        .cmd()
        .env("REKISTERI_LOCK_WAIT", "0.5")
        .args(["add", "--name", "Odottaja"])
        .output()
        .unwrap();
    assert_success(&output, "add after the lock is released");
    assert_eq!(fixture.export_json().len(), 1);
}

#[test]
fn a_writer_waits_for_a_lock_released_within_the_wait() {
    let fixture = Fixture::initialised();
    let lock = lock_file(&fixture);
    lock.lock().expect("take the lock");
    let mut command = fixture.std_cmd();
    command
        .env("REKISTERI_LOCK_WAIT", "30")
        .args(["add", "--name", "Kärsivällinen"]);
    let child = spawn(command);
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        fixture.export_json().is_empty(),
        "nothing is written while the lock is held"
    );
    lock.unlock().unwrap();
    let output = child.wait_with_output().unwrap();
    assert_success(&output, "add that waited for the lock");
    let subjects = fixture.export_json();
    assert_eq!(subjects.len(), 1);
    assert_eq!(subjects[0].name, "Kärsivällinen");
}

#[test]
fn a_bad_lock_wait_is_a_configuration_error() {
    let fixture = Fixture::initialised();
    let before = fixture.register_bytes();
    let output = fixture
        .cmd()
        .env("REKISTERI_LOCK_WAIT", "soon")
        .args(["add", "--name", "Aapo"])
        .output()
        .unwrap();
    let line = assert_error(&output, 78);
    assert!(line.contains("REKISTERI_LOCK_WAIT"), "{line}");
    assert_eq!(fixture.register_bytes(), before);
}
