//! Crash safety, scaled: writes to a 2 000-subject register are killed with SIGKILL at spread
//! moments — before the write starts, while it encrypts, around the rename, after it is done —
//! and every time the register must still decrypt and hold either the state before the write
//! or that state plus exactly the one change; the audit chain must verify; a temporary file a
//! killed write leaves behind must hold only ciphertext. `scripts/crash.sh` runs the same at
//! full scale (10 000 subjects, 200 kills) on the release build.
//!
//! Timing alone seldom lands in the narrow windows around the rename, so a second test kills
//! the writer deterministically at each step of the write path (each write, fsync and the
//! rename) with strace's fault injection (`-e inject=…:signal=KILL`), when strace is there.
#![cfg(unix)]

mod support;

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::value::RawValue;
use support::*;

/// About 5 MB of plaintext: large enough for the threaded write (from 4 MiB).
const SUBJECTS: usize = 2_500;
const KILLS: usize = 15;

/// The write one iteration starts, and what its after-state must show.
#[derive(Debug)]
enum Change {
    Add { email: String },
    Correct { email: String, phone: String },
    Erase { email: String, id: String },
    Rekey { to: BTreeSet<usize> },
}

impl Change {
    fn action(&self) -> &'static str {
        match self {
            Change::Add { .. } => "add",
            Change::Correct { .. } => "correct",
            Change::Erase { .. } => "erase",
            Change::Rekey { .. } => "rekey",
        }
    }

    fn kind(&self) -> usize {
        match self {
            Change::Add { .. } => 0,
            Change::Correct { .. } => 1,
            Change::Erase { .. } => 2,
            Change::Rekey { .. } => 3,
        }
    }
}

/// The parts of the plaintext the checks read (parsing only these keeps the debug build
/// fast): the subjects' id, email and phone, the recipients and the audit events as raw JSON.
#[derive(Deserialize)]
struct Document {
    subjects: Vec<SubjectView>,
    encryption: EncryptionView,
    audit: Vec<Box<RawValue>>,
}

#[derive(Deserialize)]
struct SubjectView {
    id: String,
    email: Option<String>,
    phone: Option<String>,
}

#[derive(Deserialize)]
struct EncryptionView {
    recipients: Vec<String>,
}

#[derive(Deserialize)]
struct EventView {
    action: String,
    actor: String,
}

/// The register as it was before a write: its file, plaintext, and the keys that open it.
struct State {
    ciphertext: Vec<u8>,
    plaintext: Vec<u8>,
    document: Document,
    keys: BTreeSet<usize>,
}

fn state_of(workspace: &Workspace, ciphertext: Vec<u8>) -> Result<State, String> {
    let identities: Vec<&age::x25519::Identity> = workspace.identities().iter().collect();
    let plaintext = decrypt_with(&ciphertext, &identities)?;
    let document = serde_json::from_slice(&plaintext)
        .map_err(|e| format!("the plaintext is not a register: {e}"))?;
    let keys = (0..workspace.identities().len())
        .filter(|&k| opens_with(&ciphertext, workspace.identity(k)))
        .collect();
    Ok(State {
        ciphertext,
        plaintext,
        document,
        keys,
    })
}

/// A subject of the current register with an email, chosen deterministically from `n`.
fn pick(state: &State, n: usize) -> (String, String) {
    let subjects = &state.document.subjects;
    (0..subjects.len())
        .map(|i| &subjects[(n * 131 + 17 + i) % subjects.len()])
        .find_map(|s| s.email.clone().map(|email| (email, s.id.clone())))
        .expect("a subject with an email")
}

/// The `n`th write: add, correct, erase and rekey in turn.
fn change_for(n: usize, state: &State) -> Change {
    match n % 4 {
        0 => Change::Add {
            email: format!("crash.added.{n}@example.fi"),
        },
        1 => Change::Correct {
            email: pick(state, n).0,
            phone: format!("+35850{:07}", 1_000_000 + n),
        },
        2 => {
            let (email, id) = pick(state, n + 1);
            Change::Erase { email, id }
        }
        _ => Change::Rekey {
            // Always a real change of recipients: key 1 → key 2 → both → key 1.
            to: match state.keys.iter().copied().collect::<Vec<_>>().as_slice() {
                [0] => BTreeSet::from([1]),
                [1] => BTreeSet::from([0, 1]),
                _ => BTreeSet::from([0]),
            },
        },
    }
}

fn args_for(change: &Change, workspace: &Workspace, n: usize) -> Vec<String> {
    let owned = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    match change {
        Change::Add { email } => owned(&[
            "add",
            "--name",
            &format!("Kaatuva Kirjoittaja {n}"),
            "--email",
            email,
        ]),
        Change::Correct { email, phone } => owned(&[
            "correct",
            email,
            "--set",
            &format!("phone={phone}"),
            "--reason",
            "crash test",
        ]),
        Change::Erase { email, .. } => owned(&["erase", email, "--reason", "x"]),
        Change::Rekey { to } => {
            let mut args = vec!["rekey".to_owned()];
            for &k in to {
                args.push("-r".to_owned());
                args.push(workspace.recipient(k));
            }
            args.push("--yes".to_owned());
            args
        }
    }
}

/// Checks that `after` is `before` plus exactly `change`. Returns what is wrong.
fn after_state_problems(
    before: &State,
    after: &State,
    change: &Change,
    workspace: &Workspace,
) -> Vec<String> {
    let mut problems = Vec::new();
    let old_trail = &before.document.audit;
    let new_trail = &after.document.audit;
    if new_trail.len() != old_trail.len() + 1 {
        problems.push(format!(
            "the trail grew from {} to {} events, not by one",
            old_trail.len(),
            new_trail.len()
        ));
        return problems;
    }
    if old_trail
        .iter()
        .zip(new_trail.iter())
        .any(|(old, new)| old.get() != new.get())
    {
        problems.push("the trail before the new event is not the old trail".into());
    }
    match serde_json::from_str::<EventView>(new_trail[old_trail.len()].get()) {
        Ok(event) if event.action == change.action() && event.actor == ACTOR => {}
        Ok(event) => problems.push(format!(
            "the new event is {} by {}, expected {} by {ACTOR}",
            event.action,
            event.actor,
            change.action()
        )),
        Err(e) => problems.push(format!("the new event does not parse: {e}")),
    }
    let old_count = before.document.subjects.len();
    let new_subjects = &after.document.subjects;
    let with_email = |email: &str| {
        new_subjects
            .iter()
            .filter(|s| s.email.as_deref() == Some(email))
            .collect::<Vec<_>>()
    };
    match change {
        Change::Add { email } => {
            if new_subjects.len() != old_count + 1 || with_email(email).len() != 1 {
                problems.push(format!("{email} was not added exactly once"));
            }
        }
        Change::Correct { email, phone } => {
            let found = with_email(email);
            if new_subjects.len() != old_count
                || found.len() != 1
                || found[0].phone.as_deref() != Some(phone.as_str())
            {
                problems.push(format!("{email}'s phone was not corrected to {phone}"));
            }
        }
        Change::Erase { email, id } => {
            if new_subjects.len() + 1 != old_count || !with_email(email).is_empty() {
                problems.push(format!("{email} was not erased"));
            }
            // The erasure must be in the journal beside the register, or a restored backup
            // would bring the person back unnoticed.
            let journal =
                std::fs::read_to_string(workspace.path(&format!("{WORKSPACE_REGISTER}.erased")))
                    .unwrap_or_default();
            if !journal.lines().any(|l| l.starts_with(id.as_str())) {
                problems.push(format!(
                    "the register holds the erasure of {id}, but the erasure journal does not list it"
                ));
            }
        }
        Change::Rekey { to } => {
            let recorded: BTreeSet<&str> = after
                .document
                .encryption
                .recipients
                .iter()
                .map(String::as_str)
                .collect();
            let expected: Vec<String> = to.iter().map(|&k| workspace.recipient(k)).collect();
            let expected: BTreeSet<&str> = expected.iter().map(String::as_str).collect();
            if recorded != expected {
                problems.push(format!(
                    "the register records recipients {recorded:?}, expected {expected:?}"
                ));
            }
            if &after.keys != to {
                problems.push(format!(
                    "the file opens with keys {:?}, expected {to:?} (0-based)",
                    after.keys
                ));
            }
        }
    }
    problems
}

/// `audit verify` on a byte copy of the register and its journal, in the background, so that it
/// overlaps the next write.
fn verify_copy(workspace: &Workspace, ciphertext: &[u8], n: usize) -> Child {
    let dir = workspace.path(&format!("verify-{n}"));
    std::fs::create_dir(&dir).expect("a directory for the copy");
    std::fs::write(dir.join(WORKSPACE_REGISTER), ciphertext).expect("copy the register");
    let journal = workspace.path(&format!("{WORKSPACE_REGISTER}.erased"));
    if journal.exists() {
        std::fs::copy(&journal, dir.join(format!("{WORKSPACE_REGISTER}.erased")))
            .expect("copy the journal");
    }
    let mut command = std_command(&dir);
    command.args(["-f", WORKSPACE_REGISTER]);
    for k in 0..workspace.identities().len() {
        command.arg("-i").arg(workspace.key_path(k));
    }
    command
        .args(["audit", "verify"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn audit verify")
}

fn verify_problem(output: &Output, dir: &Path) -> Option<String> {
    let _ = std::fs::remove_dir_all(dir);
    (output.status.code() != Some(0)).then(|| {
        format!(
            "audit verify exited {:?}: {}",
            output.status.code(),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// When a write was killed: `before` and `write` are how long the process had run before its
/// temporary file appeared, and how long it had been writing it.
struct Timeline {
    before: Duration,
    write: Option<Duration>,
}

/// Runs `args` as a child and kills it at `fraction` of the write phase: a negative fraction
/// (-0.2 … 0) kills it before its temporary file appears, at `(fraction + 0.2) / 0.2` of
/// `startup`; otherwise the kill comes `fraction × write` after the temporary file appears
/// (at 1 or more, after the write should be done). Returns the output and when the file
/// appeared and the process ended, where seen.
fn run_and_kill(
    workspace: &Workspace,
    args: &[String],
    fraction: f64,
    startup: Duration,
    write: Duration,
    seen: &HashSet<PathBuf>,
) -> (Output, Timeline, Option<Duration>) {
    let start = Instant::now();
    let mut child = workspace
        .std_cmd()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn rekisteri");
    let mut timeline = Timeline {
        before: Duration::ZERO,
        write: None,
    };
    let mut ended = None;
    let mut appeared: Option<Instant> = None;
    loop {
        if child.try_wait().expect("poll the write").is_some() {
            ended = Some(start.elapsed());
            break;
        }
        if appeared.is_none()
            && fraction >= 0.0
            && workspace.temp_files().iter().any(|t| !seen.contains(t))
        {
            appeared = Some(Instant::now());
            timeline.before = start.elapsed();
        }
        let due = if fraction < 0.0 {
            Some(start + startup.mul_f64((fraction + 0.2) / 0.2))
        } else {
            appeared.map(|at| at + write.mul_f64(fraction))
        };
        if due.is_some_and(|due| Instant::now() >= due) {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    if let Some(at) = appeared {
        timeline.write = Some(at.elapsed());
    }
    // SIGKILL; an error only means it had already exited.
    let _ = child.kill();
    let output = child.wait_with_output().expect("wait for the write");
    (output, timeline, ended)
}

#[test]
fn killed_writes_leave_the_old_or_the_new_register_whole() {
    let workspace = Workspace::generated(2, SUBJECTS);

    // Calibrate: how long one uninterrupted write takes on this machine and build, before its
    // temporary file appears and while it writes it, so that the kills can be spread from
    // before the write starts to after it is done. Each kind's estimate is refined whenever
    // a write of that kind finishes before its kill.
    let calibration = [
        "add",
        "--name",
        "Kalibrointi",
        "--email",
        "calibration@example.fi",
    ]
    .map(String::from);
    let (output, timeline, ended) = run_and_kill(
        &workspace,
        &calibration,
        100.0,
        Duration::ZERO,
        Duration::from_secs(3600),
        &HashSet::new(),
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "the calibration add succeeds"
    );
    let startup = timeline.before;
    let write_phase = ended.expect("it ended") - timeline.before;
    // A rekey re-encrypts everything without the sparse path: allow it more.
    let mut estimate = [
        write_phase,
        write_phase,
        write_phase,
        write_phase.mul_f64(1.7),
    ];
    let mut state = state_of(&workspace, workspace.register_bytes()).expect("the register opens");
    assert_eq!(state.document.subjects.len(), SUBJECTS + 1);
    let domains = {
        let mut d: Vec<String> = state
            .document
            .subjects
            .iter()
            .filter_map(|s| {
                s.email
                    .as_ref()
                    .and_then(|e| e.rfind('@').map(|at| e[at..].to_owned()))
            })
            .collect();
        d.sort();
        d.dedup();
        d
    };

    let mut failures: Vec<String> = Vec::new();
    let (mut unchanged, mut changed, mut killed, mut exited) = (0, 0, 0, 0);
    let mut checked_temps: HashSet<PathBuf> = HashSet::new();
    let mut leftovers = 0;
    let mut pending_verify: Option<(Child, PathBuf, String)> = None;
    for n in 0..KILLS {
        let change = change_for(n, &state);
        let args = args_for(&change, &workspace, n);
        // Evenly spread over the write phase, from -0.1 (before the temporary file) to 1.3
        // (after the rename); the kinds take turns, so each is killed early, midway and late.
        let fraction = -0.2 + 1.5 * (n + 1) as f64 / KILLS as f64;
        let (output, timeline, ended) = run_and_kill(
            &workspace,
            &args,
            fraction,
            startup,
            estimate[change.kind()],
            &checked_temps,
        );
        let label = format!(
            "kill {n}: {} at {fraction:+.2} of the write ({} ms in, {} ms writing; {})",
            change.action(),
            timeline.before.as_millis(),
            timeline.write.map_or(0, |d| d.as_millis()),
            match output.status.code() {
                Some(code) => format!("exited {code}"),
                None => "killed".to_owned(),
            }
        );

        let mut problems = Vec::new();
        let exited_normally = output.status.code().is_some();
        if exited_normally {
            exited += 1;
            if let (Some(ended), true) = (ended, timeline.write.is_some()) {
                estimate[change.kind()] = ended.saturating_sub(timeline.before);
            }
            if output.status.code() != Some(0) {
                problems.push(format!(
                    "the write failed on its own:\n{}",
                    String::from_utf8_lossy(&output.stderr)
                ));
            }
        } else {
            killed += 1;
        }

        // The previous iteration's `audit verify`.
        if let Some((verify, dir, previous)) = pending_verify.take() {
            let output = verify.wait_with_output().expect("audit verify runs");
            if let Some(problem) = verify_problem(&output, &dir) {
                failures.push(format!("{previous}:\n  {problem}"));
            }
        }

        let ciphertext = workspace.register_bytes();
        pending_verify = Some((
            verify_copy(&workspace, &ciphertext, n),
            workspace.path(&format!("verify-{n}")),
            label.clone(),
        ));
        let mut next = None;
        if ciphertext == state.ciphertext {
            // The file was not replaced: the old register, whole (it decrypted before).
            unchanged += 1;
            if exited_normally {
                problems.push("the write exited 0 but the register is unchanged".into());
            }
            next = complete_journalled_erasure(&workspace, &change, &mut problems);
        } else {
            match state_of(&workspace, ciphertext) {
                Err(e) => problems.push(format!("the register does not open: {e}")),
                Ok(after) if after.plaintext == state.plaintext => {
                    // Re-encrypted to the same content (cannot happen for these changes).
                    unchanged += 1;
                    problems.push("the file was rewritten without the change".into());
                }
                Ok(after) => {
                    changed += 1;
                    problems.extend(after_state_problems(&state, &after, &change, &workspace));
                    next = Some(after);
                }
            }
        }
        if mode(&workspace.register_path()) != 0o600 {
            problems.push(format!(
                "the register's mode is {:o}",
                mode(&workspace.register_path())
            ));
        }

        // Leftover temporary files hold ciphertext only.
        let mut needles = domains.clone();
        if let Change::Add { email } = &change {
            needles.push(email.clone());
        }
        needles.push("\"subjects\"".into());
        for temp in workspace.temp_files() {
            if !checked_temps.insert(temp.clone()) {
                continue;
            }
            leftovers += 1;
            let bytes = std::fs::read(&temp).expect("read a leftover temporary file");
            if let Some(problem) = temp_file_problem(&bytes, &needles) {
                problems.push(format!("leftover {}: {problem}", temp.display()));
            }
            if mode(&temp) != 0o600 {
                problems.push(format!(
                    "leftover {} has mode {:o}",
                    temp.display(),
                    mode(&temp)
                ));
            }
        }
        // The spare, when a write left one, is an old copy whose header is overwritten.
        let spare = workspace.path(&format!(".{WORKSPACE_REGISTER}.spare"));
        if let Ok(bytes) = std::fs::read(&spare) {
            if !is_shredded(&bytes) {
                problems.push("the spare's header is not overwritten".into());
            }
            if let Some(problem) = temp_file_problem(&bytes, &needles) {
                problems.push(format!("the spare: {problem}"));
            }
            if mode(&spare) != 0o600 {
                problems.push(format!("the spare has mode {:o}", mode(&spare)));
            }
        }
        // Nothing else appears beside the register.
        for name in workspace.entries() {
            let known = name == WORKSPACE_REGISTER
                || name == format!(".{WORKSPACE_REGISTER}.spare")
                || name == format!("{WORKSPACE_REGISTER}.lock")
                || name == format!("{WORKSPACE_REGISTER}.erased")
                || name.starts_with("key")
                || name.starts_with("verify-")
                || is_temp_name(&name);
            if !known {
                problems.push(format!("an unexpected file {name} appeared"));
            }
        }

        if problems.is_empty() {
            eprintln!("{label}: ok");
        } else {
            failures.push(format!("{label}:\n  {}", problems.join("\n  ")));
        }
        if let Some(next) = next {
            state = next;
        }
    }
    if let Some((verify, dir, previous)) = pending_verify.take() {
        let output = verify.wait_with_output().expect("audit verify runs");
        if let Some(problem) = verify_problem(&output, &dir) {
            failures.push(format!("{previous}:\n  {problem}"));
        }
    }

    // The register still takes a plain write afterwards (no lock is left stuck).
    workspace.ok(&["record", "calibration@example.fi", "note", "still writable"]);

    let failed: BTreeSet<&str> = failures
        .iter()
        .filter_map(|f| f.split(':').next())
        .collect();
    let summary = format!(
        "crash: {KILLS} kills, {} passed, {} failed (unchanged {unchanged}, changed {changed}; \
         killed {killed}, exited first {exited}; {leftovers} leftover temp files; \
         an add ran {} ms before writing for {} ms)",
        KILLS - failed.len(),
        failed.len(),
        startup.as_millis(),
        write_phase.as_millis()
    );
    eprintln!("{summary}");
    assert!(failures.is_empty(), "{summary}\n{}", failures.join("\n"));
}

/// One step of the write path to kill the writer at: strace's `-e inject=SET:signal=KILL:when=N`
/// kills it on entering the `N`th call of one of `syscalls`, before that call runs.
struct KillPoint {
    what: &'static str,
    syscalls: &'static str,
    when: u32,
    /// Whether the change must be in the register afterwards (the rename is the commit).
    committed: bool,
    /// The same for an erasure, whose journal entry is written and fsynced between the
    /// temporary file's fsync and the rename, so that the rename's fsyncs come one later.
    committed_erase: bool,
    /// Only for erasures (the journal is written only then).
    erase_only: bool,
}

const KILL_POINTS: &[KillPoint] = &[
    KillPoint {
        what: "write #1 (the temporary file's first bytes, or a message before them)",
        syscalls: "write",
        when: 1,
        committed: false,
        committed_erase: false,
        erase_only: false,
    },
    KillPoint {
        what: "write #2 (partway through the temporary file)",
        syscalls: "write",
        when: 2,
        committed: false,
        committed_erase: false,
        erase_only: false,
    },
    KillPoint {
        what: "fsync #1 (the temporary file, complete, not yet synced)",
        syscalls: "fsync,fdatasync",
        when: 1,
        committed: false,
        committed_erase: false,
        erase_only: false,
    },
    KillPoint {
        what: "the rename over the register",
        syscalls: "rename,renameat,renameat2",
        when: 1,
        committed: false,
        committed_erase: false,
        erase_only: false,
    },
    KillPoint {
        what: "fsync #2 (the directory, just after the rename; an erasure's journal, before it)",
        syscalls: "fsync,fdatasync",
        when: 2,
        committed: true,
        committed_erase: false,
        erase_only: false,
    },
    KillPoint {
        what: "fsync #3 (an erasure's directory, just after the rename)",
        syscalls: "fsync,fdatasync",
        when: 3,
        committed: true,
        committed_erase: true,
        erase_only: true,
    },
];

/// Kills writes at each step of the one write path — deterministically, with strace's fault
/// injection, where timing alone rarely lands: before the rename the register must be the old
/// one, after it the new one, and either way whole, with a chain that verifies, ciphertext-only
/// leftovers, and (for an erasure) the journal listing every erasure the register holds.
#[test]
fn kills_at_each_step_of_the_write_path() {
    let Some(strace) = required_tool("strace") else {
        return;
    };
    let workspace = Workspace::generated(2, 20);
    let mut state = state_of(&workspace, workspace.register_bytes()).expect("the register opens");
    let needles: Vec<String> = vec!["@example.fi".into(), "\"subjects\"".into()];
    let mut failures = Vec::new();
    let mut runs = 0;
    for (p, point) in KILL_POINTS.iter().enumerate() {
        for kind in 0..4 {
            if point.erase_only && kind != 2 {
                continue;
            }
            runs += 1;
            let n = 100 + 4 * p + kind;
            let change = change_for(n, &state);
            let args = args_for(&change, &workspace, n);
            let mut command = std::process::Command::new(&strace);
            fixed_env(&mut command, workspace.root());
            let output = command
                .args(["-f", "-qq", "-o", "/dev/null", "-e"])
                .arg(format!("trace={}", point.syscalls))
                .arg("-e")
                .arg(format!(
                    "inject={}:signal=KILL:when={}",
                    point.syscalls, point.when
                ))
                .arg(bin())
                .args(workspace.global_args())
                .args(&args)
                .stdin(Stdio::null())
                .output()
                .expect("strace runs");
            let label = format!("{} killed at {}", change.action(), point.what);
            let committed = if kind == 2 {
                point.committed_erase
            } else {
                point.committed
            };
            let mut problems = Vec::new();
            if output.status.code().is_some_and(|c| c != 0) {
                problems.push(format!(
                    "exited {:?}: {}",
                    output.status.code(),
                    String::from_utf8_lossy(&output.stderr)
                ));
            }
            let ciphertext = workspace.register_bytes();
            let mut next = None;
            if ciphertext == state.ciphertext {
                if committed {
                    problems.push("the change is not in the register after the rename".into());
                }
                next = complete_journalled_erasure(&workspace, &change, &mut problems);
            } else {
                match state_of(&workspace, ciphertext) {
                    Err(e) => problems.push(format!("the register does not open: {e}")),
                    Ok(after) => {
                        if !committed {
                            problems.push("the register changed before the rename".into());
                        }
                        let found = after_state_problems(&state, &after, &change, &workspace);
                        if let (Change::Erase { email, .. }, false) = (&change, found.is_empty()) {
                            problems.push(restored_backup_consequence(
                                &workspace,
                                &state.ciphertext,
                                email,
                            ));
                        }
                        problems.extend(found);
                        next = Some(after);
                    }
                }
            }
            let verify = workspace.run(&["audit", "verify"]);
            if verify.status.code() != Some(0) {
                problems.push(format!(
                    "audit verify exited {:?}: {}",
                    verify.status.code(),
                    String::from_utf8_lossy(&verify.stderr)
                ));
            }
            for temp in workspace.temp_files() {
                let bytes = std::fs::read(&temp).expect("read a leftover");
                if let Some(problem) = temp_file_problem(&bytes, &needles) {
                    problems.push(format!("leftover {}: {problem}", temp.display()));
                }
                std::fs::remove_file(&temp).expect("remove a checked leftover");
            }
            if problems.is_empty() {
                eprintln!("{label}: ok");
            } else {
                failures.push(format!("{label}:\n  {}", problems.join("\n  ")));
            }
            if let Some(next) = next {
                state = next;
            }
        }
    }
    eprintln!(
        "crash points: {runs} kills, {} passed, {} failed",
        runs - failures.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A killed erasure may leave the old register with the erasure already in the journal (the
/// journal is written before the rename, so that a crash cannot lose it). Every command then
/// refuses the register until `erase --replay` completes the erasure: check that it does,
/// and return the state after it.
fn complete_journalled_erasure(
    workspace: &Workspace,
    change: &Change,
    problems: &mut Vec<String>,
) -> Option<State> {
    let Change::Erase { id, .. } = change else {
        return None;
    };
    let journal = std::fs::read_to_string(workspace.path(&format!("{WORKSPACE_REGISTER}.erased")))
        .unwrap_or_default();
    if !journal.lines().any(|line| line.starts_with(id.as_str())) {
        return None;
    }
    let refused = workspace.run(&["export"]);
    if refused.status.code() != Some(65) {
        problems.push(format!(
            "a journalled erasure not in the register was not refused (exit {:?})",
            refused.status.code()
        ));
    }
    let replay = workspace.run(&["erase", "--replay", "--yes"]);
    if replay.status.code() != Some(0) {
        problems.push(format!(
            "erase --replay exited {:?}: {}",
            replay.status.code(),
            String::from_utf8_lossy(&replay.stderr)
        ));
        return None;
    }
    match state_of(workspace, workspace.register_bytes()) {
        Ok(after) => {
            if String::from_utf8_lossy(&after.plaintext).contains(&format!("\"id\":\"{id}\"")) {
                problems.push("erase --replay left the subject in the register".into());
            }
            Some(after)
        }
        Err(e) => {
            problems.push(format!(
                "the register does not open after erase --replay: {e}"
            ));
            None
        }
    }
}

/// What the missing journal entry means: the register from before the erasure, put back as a
/// backup would be, still shows the erased person — nothing refuses it.
fn restored_backup_consequence(workspace: &Workspace, backup: &[u8], email: &str) -> String {
    let dir = workspace.path("restored");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir(&dir).expect("a directory for the restored copy");
    std::fs::write(dir.join(WORKSPACE_REGISTER), backup).expect("restore the backup");
    let journal = workspace.path(&format!("{WORKSPACE_REGISTER}.erased"));
    if journal.exists() {
        std::fs::copy(&journal, dir.join(format!("{WORKSPACE_REGISTER}.erased")))
            .expect("the journal");
    }
    let mut command = std_command(&dir);
    command.args(["-f", WORKSPACE_REGISTER]);
    for k in 0..workspace.identities().len() {
        command.arg("-i").arg(workspace.key_path(k));
    }
    let output = command
        .args(["export", email])
        .output()
        .expect("export runs");
    let _ = std::fs::remove_dir_all(&dir);
    format!(
        "restoring the register from before the erasure: `export {email}` exits {:?} \
         (65, refused, is what the journal is for)",
        output.status.code()
    )
}
