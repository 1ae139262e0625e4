//! `rekisteri demo`: the whole life of a register on the embedded example, in a temporary
//! directory with a throw-away key, printing each command and what it printed.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Parser;

use crate::cli::args::Cli;
use crate::cli::commands::EXAMPLE_METADATA;
use crate::cli::{Output, passphrase};
use crate::error::{Error, Result};

/// The embedded made-up customers.
pub const EXAMPLE_CUSTOMERS: &str = include_str!("../../examples/customers.csv");

/// The demo's steps: the arguments after `rekisteri -f register.age -i key.txt`.
fn steps() -> Vec<Vec<&'static str>> {
    vec![
        vec!["init", "--metadata", "twebs.json"],
        vec!["add", "--from", "customers.csv"],
        vec![
            "add",
            "--name",
            "Ilona Esimerkki",
            "--company",
            "Esimerkki Oy",
            "--email",
            "ilona@example.fi",
            "--phone",
            "+358 50 765 4321",
            "--source",
            "web-form",
            "--source-note",
            "contact form #1042",
            "--consent",
            "marketing",
            "--ip",
            "192.0.2.77",
        ],
        vec![
            "record",
            "ilona@example.fi",
            "order",
            "--product",
            "Web shop, basic plan",
        ],
        vec![
            "record",
            "ilona@example.fi",
            "order",
            "--product",
            "Web shop, basic plan",
            "--change",
            "upgraded to the pro plan",
        ],
        vec![
            "record",
            "ilona@example.fi",
            "invoice",
            "--number",
            "2025-0042",
            "--date",
            "2025-03-01",
            "--amount",
            "249.00",
        ],
        vec![
            "record",
            "ilona@example.fi",
            "note",
            "Prefers email to phone calls.",
        ],
        vec![
            "record",
            "ilona@example.fi",
            "disclosure",
            "--recipient",
            "Esimerkki Tilitoimisto Oy (example)",
            "--fields",
            "name,address,invoices",
        ],
        vec!["export"],
        vec!["--format", "csv", "export", "--purpose", "marketing"],
        // Ilona asks what we hold about her (Art. 15) and for a correction (Art. 16).
        vec![
            "request",
            "open",
            "--kind",
            "access",
            "--subject",
            "ilona@example.fi",
            "--received",
            "TODAY",
            "--channel",
            "email",
        ],
        vec!["export", "ilona@example.fi", "--lang", "en"],
        vec![
            "request",
            "close",
            "R-0001",
            "--outcome",
            "access report sent by email",
        ],
        vec![
            "request",
            "open",
            "--kind",
            "rectification",
            "--subject",
            "ilona@example.fi",
            "--received",
            "TODAY",
            "--channel",
            "email",
        ],
        vec![
            "correct",
            "ilona@example.fi",
            "--set",
            "phone=+358 50 111 2222",
            "--reason",
            "new number from the customer",
            "--request",
            "R-0002",
        ],
        vec![
            "request",
            "close",
            "R-0002",
            "--outcome",
            "phone number corrected",
        ],
        // Who may get the newsletter `uutiskirje` (email, legitimate interests): business
        // contacts until they refuse, consumers only with consent (917/2014 §200, §202).
        vec!["--format", "csv", "export", "--purpose", "uutiskirje"],
        // Aino objects to the newsletter: an objection to direct marketing (Art. 21(2)) blocks
        // every direct-marketing purpose, whatever its id, for good.
        vec![
            "object",
            "aino.virtanen@example.fi",
            "--purpose",
            "uutiskirje",
        ],
        vec!["--format", "csv", "export", "--purpose", "uutiskirje"],
        // Pekka objects to being contacted on legitimate interests (Art. 21(1)); that purpose
        // stops for him, the others go on.
        vec![
            "object",
            "pekka.laine@example.com",
            "--purpose",
            "customer-contact",
        ],
        // Consent to bookkeeping, a legal obligation, means nothing and is refused:
        // `consent … give bookkeeping` exits 65. Consent to marketing is dated and keeps
        // the notice version in force that day.
        vec![
            "consent",
            "laura.nieminen@example.fi",
            "withdraw",
            "marketing",
            "--channel",
            "phone",
        ],
        // Mikko contests his data (Art. 18(1)(a)).
        vec![
            "restrict",
            "mikko.korhonen@example.com",
            "--ground",
            "accuracy",
        ],
        vec!["export"],
        vec!["--format", "csv", "export", "--purpose", "marketing"],
        // Ilona asks to be erased (Art. 17); her invoice is kept for bookkeeping.
        vec![
            "request",
            "open",
            "--kind",
            "erasure",
            "--subject",
            "ilona@example.fi",
            "--received",
            "TODAY",
            "--channel",
            "letter",
        ],
        vec![
            "erase",
            "ilona@example.fi",
            "--reason",
            "Art. 17(1)(a): no longer necessary",
            "--request",
            "R-0003",
        ],
        vec![
            "request",
            "close",
            "R-0003",
            "--outcome",
            "erased; invoice kept under KPL 2:10",
        ],
        // Storage limitation and the breach register (Art. 5(1)(e), Art. 33): Aino's customer
        // relationship ends, the retention check shows what falls due within 800 days (Mikko's
        // rows are held by his restriction), and a breach is entered and notified in time.
        vec!["record", "aino.virtanen@example.fi", "end"],
        vec!["retention", "check", "--within", "800"],
        vec![
            "breach",
            "open",
            "--aware",
            "TODAY 09:00",
            "--nature",
            "a laptop holding an unencrypted export was stolen",
            "--categories",
            "identity,contact",
            "--subjects",
            "aino.virtanen@example.fi",
            "--approx-subjects",
            "1",
            "--risk",
            "risk",
        ],
        vec!["audit", "deadlines"],
        vec![
            "breach",
            "notify-authority",
            "B-0001",
            "--on",
            "TODAY 09:30",
            "--reference",
            "TSV/1234",
        ],
        vec!["breach", "list"],
        vec!["audit", "tasks"],
        // Juha asked for his data in a portable form 25 days ago; it is still open, so the
        // deadline check shows how many days are left.
        vec![
            "request",
            "open",
            "--kind",
            "portability",
            "--subject",
            "juha.makinen@example.com",
            "--received",
            "TODAY-25",
            "--channel",
            "email",
        ],
        vec!["request", "list"],
        vec!["audit", "deadlines"],
        vec!["audit", "log"],
        vec!["audit", "verify"],
    ]
}

pub fn run(global: &crate::cli::args::Global) -> Result<Output> {
    crate::store::state::disable();
    let dir = tempfile::Builder::new()
        .prefix("rekisteri-demo-")
        .tempdir()
        .map_err(|e| Error::io(std::env::temp_dir(), e))?;
    let path = |name: &str| dir.path().join(name);
    let mut out = std::io::stdout().lock();
    let mut line = |text: &str| {
        let _ = writeln!(out, "{text}");
    };
    line(&format!(
        "# A throw-away register in {}",
        dir.path().display()
    ));
    std::fs::write(path("twebs.json"), EXAMPLE_METADATA)
        .map_err(|e| Error::io(path("twebs.json"), e))?;
    std::fs::write(path("customers.csv"), EXAMPLE_CUSTOMERS)
        .map_err(|e| Error::io(path("customers.csv"), e))?;

    let key = path("key.txt").display().to_string();
    let file = path("register.age").display().to_string();
    let twebs = path("twebs.json").display().to_string();
    let customers = path("customers.csv").display().to_string();
    let today_date = crate::cli::context(global).today;
    let today = today_date.to_string();
    let days_ago_25 = (today_date - chrono::Duration::days(25)).to_string();
    let source = passphrase::TerminalOrFile::from_env();
    // The trail records who acted; with no --actor, REKISTERI_ACTOR or USER it would say
    // `unknown` for every step.
    let actor = match crate::cli::known_actor(global) {
        Some(_) => None,
        None => {
            line("# No --actor, REKISTERI_ACTOR or USER is set: the steps act as `demo`.");
            Some("demo".to_owned())
        }
    };

    let mut all = vec![vec!["keygen".to_owned(), "-o".to_owned(), key.clone()]];
    for step in steps() {
        let mut argv = vec!["-f".to_owned(), file.clone(), "-i".to_owned(), key.clone()];
        if global.today.is_some() {
            argv.extend(["--today".to_owned(), today.clone()]);
        }
        if let Some(actor) = &actor {
            argv.extend(["--actor".to_owned(), actor.clone()]);
        }
        argv.extend(step.iter().map(|arg| match *arg {
            "twebs.json" => twebs.clone(),
            "customers.csv" => customers.clone(),
            "TODAY" => today.clone(),
            "TODAY-25" => days_ago_25.clone(),
            // A time today, for `breach … --aware/--on "TODAY HH:MM"`.
            time if time.starts_with("TODAY ") => format!("{today}{}", &time[5..]),
            other => other.to_owned(),
        }));
        all.push(argv);
    }
    for argv in all {
        line("");
        line(&format!("$ rekisteri {}", shown(&argv, dir.path())));
        let output = dispatch(argv, &source)?;
        let _ = std::io::stderr().flush();
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(output.stdout.as_bytes());
        let _ = out.flush();
    }

    // What a person receives, kept after the demo: the access report of one of the example
    // customers and the privacy notice, in Finnish, as HTML pages to open and print.
    let documents = [
        (
            "access-report",
            vec!["export", DOCUMENT_SUBJECT, "--lang", "fi"],
        ),
        ("notice", vec!["notice", "--lang", "fi"]),
    ];
    let kept = Path::new(DOCUMENTS_DIR);
    let mut written = Vec::new();
    for (name, step) in documents {
        let mut argv = vec!["-f".to_owned(), file.clone(), "-i".to_owned(), key.clone()];
        if global.today.is_some() {
            argv.extend(["--today".to_owned(), today.clone()]);
        }
        if let Some(actor) = &actor {
            argv.extend(["--actor".to_owned(), actor.clone()]);
        }
        argv.extend(["--format".to_owned(), "html".to_owned()]);
        argv.extend(step.iter().map(|arg| (*arg).to_owned()));
        let output = dispatch(argv.clone(), &source)?;
        let path = write_document(kept, name, output.stdout.as_bytes())?;
        line("");
        line(&format!(
            "$ rekisteri {} > {}",
            shown(&argv, dir.path()),
            path.display()
        ));
        written.push(path);
    }

    let head =
        std::fs::read(path("register.age")).map_err(|e| Error::io(path("register.age"), e))?;
    let first_line = head.split(|b| *b == b'\n').next().unwrap_or_default();
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "\n# On disk the register was ciphertext only; its first line was `{}`.\n# The temporary directory is removed now. To start a register of your own:\n#   rekisteri keygen -o ~/.config/rekisteri/key.txt\n#   export REKISTERI_FILE=~/rekisteri/register.age REKISTERI_IDENTITY=~/.config/rekisteri/key.txt\n#   mkdir -p -m 700 ~/rekisteri && rekisteri init --metadata examples/twebs.json\n#   rekisteri add --from examples/customers.csv && rekisteri export\n#   age -d -i ~/.config/rekisteri/key.txt ~/rekisteri/register.age | jq .",
        String::from_utf8_lossy(first_line)
    );
    let _ = writeln!(
        out,
        "\n# Kept after the demo: Aino Virtanen's access report and the privacy notice, in Finnish,\n# as HTML pages to open in a browser and print on A4 (the example's made-up people only):"
    );
    for path in &written {
        let shown = std::path::absolute(path).unwrap_or_else(|_| path.clone());
        let _ = writeln!(out, "#   {}", shown.display());
    }
    Ok(Output::default())
}

/// Where the demo keeps the documents it writes: `rekisteri-demo/` in the current directory.
const DOCUMENTS_DIR: &str = "rekisteri-demo";
/// The example customer whose access report the demo keeps.
const DOCUMENT_SUBJECT: &str = "aino.virtanen@example.fi";

/// Runs one command of the demo; what it would print.
fn dispatch(argv: Vec<String>, source: &passphrase::TerminalOrFile) -> Result<Output> {
    let cli = Cli::try_parse_from(std::iter::once("rekisteri".to_owned()).chain(argv))
        .map_err(|e| Error::Usage(e.to_string()))?;
    crate::cli::commands::dispatch(cli, source)
}

/// A command line as the demo shows it: the temporary directory as `$DEMO`, arguments with
/// spaces quoted.
fn shown(argv: &[String], dir: &Path) -> String {
    argv.iter()
        .map(|a| {
            let a = a.replace(&dir.display().to_string(), "$DEMO");
            if a.contains(' ') { format!("'{a}'") } else { a }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Writes `bytes` as `dir/name.html` (mode 0600; `dir` made 0700 if missing). An existing
/// file is never overwritten: the next free name `name-2.html`, `name-3.html`, … is taken.
fn write_document(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf> {
    if !dir.is_dir() {
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(dir).map_err(|e| Error::io(dir, e))?;
    }
    for n in 1..1000 {
        let path = match n {
            1 => dir.join(format!("{name}.html")),
            n => dir.join(format!("{name}-{n}.html")),
        };
        match crate::store::atomic::write(&path, bytes, true) {
            Ok(()) => return Ok(path),
            Err(Error::Exists { .. }) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(Error::Exists {
        path: dir.join(format!("{name}.html")),
    })
}
