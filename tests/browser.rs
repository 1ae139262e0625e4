//! The HTML documents in a real browser: every document a person can receive, and the
//! privacy notice, in Finnish and English, printed to PDF by headless Chromium and read
//! back with poppler's `pdftotext` and `pdfinfo`. On the pages must be the controller, the
//! document's date as people write it, the complaint authority (in what a data subject
//! gets), every word of the document's text form (nothing cut off), and only A4 pages.
//!
//! Needs `chromium` and `poppler-utils` (Debian's packages); skipped with a note without
//! them, a failure with `REKISTERI_REQUIRE_TOOLS=1`.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use support::documents::Scenario;
use support::required_tool;

/// How long one Chromium run may take before it is killed and the document fails.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(90);
/// Chromium runs at a time (CI has two cores).
const PARALLEL: usize = 2;

const CONTROLLER: &str = "Twebs Oy";
const AUTHORITY_FI: &[&str] = &["Tietosuojavaltuutetun toimisto", "PL 800", "00531 Helsinki"];
const AUTHORITY_EN: &[&str] = &[
    "Office of the Data Protection Ombudsman",
    "P.O. Box 800",
    "FI-00531 Helsinki",
];

/// One document in one language, rendered and printed.
struct Job {
    name: String,
    lang: &'static str,
    /// Whether it goes to a data subject (and so names the complaint authority).
    /// The date the document carries, as people write it in its language.
    date: &'static str,
    /// Whether it tells the reader of the right to complain (Art. 77) and to go to court.
    complaint: bool,
    html: String,
    text: String,
}

#[test]
fn every_html_document_prints_on_a4_with_the_key_facts_and_nothing_cut_off() {
    let Some(chromium) = required_tool("chromium") else {
        return;
    };
    let (Some(pdftotext), Some(pdfinfo)) = (required_tool("pdftotext"), required_tool("pdfinfo"))
    else {
        return;
    };
    let started = Instant::now();
    let scenario = Scenario::new();
    let mut documents = scenario.documents.clone();
    documents.push(("notice", vec!["notice".to_owned()]));

    let mut jobs = Vec::new();
    for (name, args) in &documents {
        for lang in ["fi", "en"] {
            jobs.push(Job {
                name: format!("{name}-{lang}"),
                lang,
                // The notice carries the day its version came into force; letters the day
                // they were written.
                date: match (*name, lang) {
                    ("notice", "fi") => "1.1.2025",
                    ("notice", _) => "1 January 2025",
                    (_, "fi") => "20.3.2025",
                    _ => "20 March 2025",
                },
                // Letters to a recipient go to a company, not to the person; an
                // acknowledgement decides nothing yet. Every other document tells the
                // person where to complain.
                complaint: !name.starts_with("letter-recipient")
                    && *name != "reply-acknowledgement",
                html: scenario.render(args, lang, "html"),
                text: scenario.render(args, lang, "table"),
            });
        }
    }

    let work = tempfile::Builder::new()
        .prefix("rekisteri-browser-")
        .tempdir()
        .expect("a temporary directory");
    let next = AtomicUsize::new(0);
    let results: Mutex<BTreeMap<usize, Result<Printed, String>>> = Mutex::new(BTreeMap::new());
    std::thread::scope(|scope| {
        for _ in 0..PARALLEL {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::SeqCst);
                    let Some(job) = jobs.get(index) else { break };
                    if !is_page(&job.html) {
                        continue;
                    }
                    let result = print(&chromium, &pdftotext, &pdfinfo, work.path(), job);
                    results
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(index, result);
                }
            });
        }
    });
    let results = results.into_inner().unwrap_or_else(|e| e.into_inner());

    let mut failures = Vec::new();
    for (index, job) in jobs.iter().enumerate() {
        if !is_page(&job.html) || job.html.contains("TODO") {
            failures.push(format!(
                "{}: --format html printed no finished page",
                job.name
            ));
            continue;
        }
        let printed = match results.get(&index) {
            Some(Ok(printed)) => printed,
            Some(Err(e)) => {
                failures.push(format!("{}: {e}", job.name));
                continue;
            }
            None => {
                failures.push(format!("{}: never printed", job.name));
                continue;
            }
        };
        for problem in check(job, printed) {
            failures.push(format!("{}: {problem}", job.name));
        }
    }
    eprintln!(
        "printed {} documents in {:.1}s",
        jobs.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} problem(s) in the printed documents (PDFs kept in {}):\n{}",
        failures.len(),
        work.keep().display(),
        failures.join("\n")
    );
}

/// Whether `html` is an HTML page.
fn is_page(html: &str) -> bool {
    html.trim_start().starts_with("<!DOCTYPE html>")
}

/// What the PDF of one document says.
struct Printed {
    /// `pdftotext -layout`.
    layout: String,
    /// `pdftotext` in reading order, for phrases a layout might put side by side.
    reading: String,
    /// Each page's size in points.
    pages: Vec<(f64, f64)>,
}

/// Writes the page, prints it with Chromium and reads the PDF back.
fn print(
    chromium: &Path,
    pdftotext: &Path,
    pdfinfo: &Path,
    work: &Path,
    job: &Job,
) -> Result<Printed, String> {
    let page = work.join(format!("{}.html", job.name));
    let pdf = work.join(format!("{}.pdf", job.name));
    // Its own profile: two Chromiums never share one.
    let profile = work.join(format!("profile-{}", job.name));
    std::fs::write(&page, &job.html).map_err(|e| format!("write {}: {e}", page.display()))?;
    let mut browser = Command::new(chromium);
    browser
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-extensions",
            "--disable-dev-shm-usage",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", page.display()));
    let output = run(&mut browser, BROWSER_TIMEOUT)?;
    if !pdf.is_file() {
        return Err(format!(
            "Chromium wrote no PDF (exit {:?}):\n{}",
            output.status.code(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let _ = std::fs::remove_dir_all(&profile);

    let info = tool_text(pdfinfo, &[pdf.as_os_str()])?;
    let count: u32 = field(&info, "Pages:")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("pdfinfo gives no page count:\n{info}"))?;
    let last = count.to_string();
    let sizes = tool_text(
        pdfinfo,
        &[
            "-f".as_ref(),
            "1".as_ref(),
            "-l".as_ref(),
            last.as_ref(),
            pdf.as_os_str(),
        ],
    )?;
    let pages = sizes
        .lines()
        .filter(|line| line.starts_with("Page") && line.contains(" size:"))
        .filter_map(|line| {
            let (_, size) = line.split_once("size:")?;
            let mut numbers = size.split_whitespace();
            let width = numbers.next()?.parse().ok()?;
            let _x = numbers.next()?;
            let height = numbers.next()?.parse().ok()?;
            Some((width, height))
        })
        .collect::<Vec<_>>();
    if pages.len() != count as usize {
        return Err(format!(
            "pdfinfo gives {count} pages but sizes for:\n{sizes}"
        ));
    }
    let layout = tool_text(
        pdftotext,
        &["-layout".as_ref(), pdf.as_os_str(), "-".as_ref()],
    )?;
    let reading = tool_text(pdftotext, &[pdf.as_os_str(), "-".as_ref()])?;
    Ok(Printed {
        layout,
        reading,
        pages,
    })
}

/// The problems of one printed document.
fn check(job: &Job, printed: &Printed) -> Vec<String> {
    let mut problems = Vec::new();
    // A4 is 595.28 × 841.89 pt; Chromium rounds to whole pixels.
    for (number, (width, height)) in printed.pages.iter().enumerate() {
        if (width - 595.28).abs() > 1.0 || (height - 841.89).abs() > 1.0 {
            problems.push(format!(
                "page {} is {width} x {height} pt, not A4",
                number + 1
            ));
        }
    }
    if printed.pages.is_empty() {
        problems.push("the PDF has no pages".to_owned());
    }

    // Nothing cut off: every word of the text form is on the pages as often.
    let missing = missing_words(&job.text, &printed.layout);
    if !missing.is_empty() {
        problems.push(format!(
            "words of the text form not on the printed pages (cut off?): {missing:?}\n\
             --- text form ---\n{}\n--- pdftotext -layout ---\n{}",
            job.text, printed.layout
        ));
    }

    let pages = squeeze(&printed.layout);
    let reading = squeeze(&printed.reading);
    let on_pages = |phrase: &str| pages.contains(phrase) || reading.contains(phrase);
    let mut facts = vec![CONTROLLER, job.date];
    if job.complaint {
        facts.extend(match job.lang {
            "fi" => AUTHORITY_FI,
            _ => AUTHORITY_EN,
        });
    }
    for fact in facts {
        if !on_pages(fact) {
            problems.push(format!(
                "`{fact}` is not on the printed pages:\n{}",
                printed.layout
            ));
        }
    }
    problems
}

/// Words of `text` with the punctuation around them taken off; tokens of punctuation or
/// decoration alone (`#`, `*`, `─`, `│`, `>`) are not words.
fn words(text: &str) -> impl Iterator<Item = &str> {
    // html2text draws table cells with box-drawing characters and no spaces between them.
    text.split(|c: char| c.is_whitespace() || ('\u{2500}'..='\u{257f}').contains(&c))
        .map(|token| token.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|word| !word.is_empty())
}

/// The words of `text` that `pdf` holds fewer times than `text` does. A word the browser
/// broke across two lines (a long address or email) counts when the PDF's text without
/// whitespace holds it.
fn missing_words(text: &str, pdf: &str) -> Vec<String> {
    let mut wanted: BTreeMap<&str, usize> = BTreeMap::new();
    for word in words(text) {
        *wanted.entry(word).or_default() += 1;
    }
    let mut found: BTreeMap<&str, usize> = BTreeMap::new();
    for word in words(pdf) {
        *found.entry(word).or_default() += 1;
    }
    let joined: String = pdf.chars().filter(|c| !c.is_whitespace()).collect();
    wanted
        .into_iter()
        .filter(|(word, count)| {
            found.get(word).copied().unwrap_or(0) < *count && joined.matches(word).count() < *count
        })
        .map(|(word, count)| format!("{word} ×{count}"))
        .collect()
}

/// `text` with every run of whitespace made one space.
fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The value after `name` on its line of `pdfinfo`'s output.
fn field<'a>(info: &'a str, name: &str) -> Option<&'a str> {
    info.lines()
        .find_map(|line| line.strip_prefix(name))
        .map(str::trim)
}

/// Runs a poppler tool; its stdout.
fn tool_text(program: &Path, args: &[&std::ffi::OsStr]) -> Result<String, String> {
    let output = run(Command::new(program).args(args), Duration::from_secs(30))?;
    if !output.status.success() {
        return Err(format!(
            "{} {args:?} failed: {}",
            program.display(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Runs `command` to its end or kills it after `timeout`. Its output goes to files, so a
/// chatty browser never blocks on a full pipe.
fn run(command: &mut Command, timeout: Duration) -> Result<std::process::Output, String> {
    let out = tempfile::tempfile().map_err(|e| e.to_string())?;
    let err = tempfile::tempfile().map_err(|e| e.to_string())?;
    let (mut out_read, mut err_read) = (
        out.try_clone().map_err(|e| e.to_string())?,
        err.try_clone().map_err(|e| e.to_string())?,
    );
    // Its own process group, so that a timeout ends the browser's helpers too.
    std::os::unix::process::CommandExt::process_group(command, 0);
    let mut child = command
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("cannot start {command:?}: {e}"))?;
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(status) => break status,
            None if Instant::now() > deadline => {
                let _ = Command::new("kill")
                    .args(["-KILL", "--", &format!("-{}", child.id())])
                    .status();
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{command:?} took more than {timeout:?}; killed"));
            }
            None => std::thread::sleep(Duration::from_millis(50)),
        }
    };
    use std::io::{Read, Seek};
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    out_read.rewind().map_err(|e| e.to_string())?;
    out_read
        .read_to_end(&mut stdout)
        .map_err(|e| e.to_string())?;
    err_read.rewind().map_err(|e| e.to_string())?;
    err_read
        .read_to_end(&mut stderr)
        .map_err(|e| e.to_string())?;
    Ok(std::process::Output {
        status,
        stdout,
        stderr,
    })
}
