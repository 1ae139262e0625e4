//! Mixed writers at once: four workers start together, each running a sequence of different
//! changes (add, record note, consent give/withdraw, correct phone, request open) on one
//! register with `REKISTERI_LOCK_WAIT=30`. Every change must succeed and land exactly once:
//! the audit trail counts each action as many times as it succeeded, every added email is
//! there once, and the chain verifies. `scripts/concurrency.sh` runs 4 × 50 on the release
//! build.

mod support;

use std::collections::BTreeMap;
use std::process::Stdio;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use support::*;

const WORKERS: usize = 4;
/// Operations per worker (4 × 50 takes about 9 s in a debug build on two cores).
const OPERATIONS: usize = 50;

/// The `j`th operation of worker `w`: its arguments and the audit action it records.
fn operation(w: usize, j: usize, seeds: &[String]) -> (Vec<String>, &'static str) {
    let subject = seeds[(w + j) % seeds.len()].clone();
    let owned = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<String>>();
    match (w + j) % 5 {
        0 => (
            owned(&[
                "add",
                "--name",
                &format!("Rinnakkainen {w}-{j}"),
                "--email",
                &format!("mixed.w{w}.op{j}@example.fi"),
            ]),
            "add",
        ),
        1 => (
            owned(&["record", &subject, "note", &format!("worker {w} note {j}")]),
            "record-note",
        ),
        2 if j.is_multiple_of(2) => (
            owned(&[
                "consent",
                &subject,
                "give",
                "marketing",
                "--channel",
                "email",
            ]),
            "consent-give",
        ),
        2 => (
            owned(&[
                "consent",
                &subject,
                "withdraw",
                "marketing",
                "--channel",
                "email",
            ]),
            "consent-withdraw",
        ),
        3 => (
            owned(&[
                "correct",
                &subject,
                "--set",
                &format!("phone=+358407{w}{j:05}"),
                "--reason",
                "concurrency test",
            ]),
            "correct",
        ),
        _ => (
            owned(&[
                "request",
                "open",
                "--kind",
                "access",
                "--subject",
                &subject,
                "--received",
                TODAY,
                "--channel",
                "email",
            ]),
            "request-open",
        ),
    }
}

/// What one operation did.
struct Outcome {
    worker: usize,
    index: usize,
    action: &'static str,
    args: Vec<String>,
    code: Option<i32>,
    stderr: String,
    took: Duration,
}

#[test]
fn four_mixed_writers_every_change_lands_exactly_once() {
    let workspace = Workspace::new(1);
    workspace.ok(&["init"]);
    let seeds: Vec<String> = (0..WORKERS)
        .map(|w| format!("seed.{w}@example.fi"))
        .collect();
    let csv: String = std::iter::once("name,email,phone\n".to_owned())
        .chain(
            seeds
                .iter()
                .enumerate()
                .map(|(w, email)| format!("Siemen {w},{email},+35840100000{w}\n")),
        )
        .collect();
    std::fs::write(workspace.path("seeds.csv"), csv).expect("write seeds.csv");
    workspace.ok(&["add", "--from", "seeds.csv"]);
    let before = action_counts(&workspace.document());

    let barrier = Arc::new(Barrier::new(WORKERS));
    let started = Instant::now();
    let outcomes: Vec<Outcome> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..WORKERS)
            .map(|w| {
                let barrier = Arc::clone(&barrier);
                let workspace = &workspace;
                let seeds = &seeds;
                scope.spawn(move || {
                    barrier.wait();
                    (0..OPERATIONS)
                        .map(|j| {
                            let (args, action) = operation(w, j, seeds);
                            let op_start = Instant::now();
                            let output = workspace
                                .std_cmd()
                                .env("REKISTERI_LOCK_WAIT", "30")
                                .args(&args)
                                .stdin(Stdio::null())
                                .output()
                                .expect("rekisteri runs");
                            Outcome {
                                worker: w,
                                index: j,
                                action,
                                args,
                                code: output.status.code(),
                                stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
                                took: op_start.elapsed(),
                            }
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a worker thread"))
            .collect()
    });
    let elapsed = started.elapsed();

    // Every operation exits 0; 75 only if it really waited the full 30 s.
    let mut failures = Vec::new();
    let mut succeeded: BTreeMap<&str, usize> = BTreeMap::new();
    for outcome in &outcomes {
        match outcome.code {
            Some(0) => *succeeded.entry(outcome.action).or_insert(0) += 1,
            Some(75) if outcome.took >= Duration::from_secs(30) => failures.push(format!(
                "worker {} op {} gave up on the lock after {:?} (30 s wait)",
                outcome.worker, outcome.index, outcome.took
            )),
            code => failures.push(format!(
                "worker {} op {} `{}` exited {code:?} after {:?}:\n{}",
                outcome.worker,
                outcome.index,
                outcome.args.join(" "),
                outcome.took,
                outcome.stderr
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} operations failed:\n{}",
        failures.len(),
        outcomes.len(),
        failures.join("\n")
    );

    // Every change landed exactly once.
    let document = workspace.document();
    let after = action_counts(&document);
    let mut actions: Vec<&str> = succeeded.keys().copied().collect();
    actions.extend(after.keys().map(String::as_str));
    actions.sort();
    actions.dedup();
    for action in actions {
        let expected =
            before.get(action).copied().unwrap_or(0) + succeeded.get(action).copied().unwrap_or(0);
        let found = after.get(action).copied().unwrap_or(0);
        assert_eq!(
            found,
            expected,
            "audit events `{action}`: {found}, expected {expected} (before {:?}, succeeded {:?})",
            before.get(action),
            succeeded.get(action)
        );
    }
    let emails = emails(&document);
    for outcome in outcomes.iter().filter(|o| o.action == "add") {
        let email = &outcome.args[4];
        let count = emails.iter().filter(|e| *e == email).count();
        assert_eq!(count, 1, "{email} is in the register {count} times");
    }
    let requests = document["requests"].as_array().expect("requests").len();
    assert_eq!(
        requests,
        succeeded.get("request-open").copied().unwrap_or(0)
    );
    // The notes, corrections and consents are on the seed subjects.
    let subjects = subjects(&document);
    let count_on_seeds = |field: &str| -> usize {
        subjects
            .iter()
            .filter(|s| seeds.iter().any(|e| s["email"] == e.as_str()))
            .map(|s| s[field].as_array().map_or(0, Vec::len))
            .sum()
    };
    assert_eq!(
        count_on_seeds("notes"),
        succeeded.get("record-note").copied().unwrap_or(0)
    );
    assert_eq!(
        count_on_seeds("corrections"),
        succeeded.get("correct").copied().unwrap_or(0)
    );
    assert_eq!(
        count_on_seeds("consents"),
        succeeded.get("consent-give").copied().unwrap_or(0)
            + succeeded.get("consent-withdraw").copied().unwrap_or(0)
    );

    workspace.ok(&["audit", "verify"]);
    assert!(
        workspace.temp_files().is_empty(),
        "no temporary file is left: {:?}",
        workspace.temp_files()
    );
    eprintln!(
        "concurrency: {WORKERS} workers x {OPERATIONS} operations, {} succeeded, {} failed in {:.1} s ({succeeded:?})",
        outcomes.len() - failures.len(),
        failures.len(),
        elapsed.as_secs_f64()
    );
}
