//! `rekisteri demo`: the whole life of a register on the embedded example, in a temporary
//! directory with a throw-away key, printing each command and what it printed.

use std::io::Write;

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
        // Aino objects to marketing (Art. 21(2)); Mikko contests his data (Art. 18(1)(a)).
        vec!["object", "aino.virtanen@example.fi"],
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
        vec!["audit", "tasks"],
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
    let today = crate::cli::context(global).today.to_string();
    let source = passphrase::TerminalOrFile::from_env();

    let mut all = vec![vec!["keygen".to_owned(), "-o".to_owned(), key.clone()]];
    for step in steps() {
        let mut argv = vec!["-f".to_owned(), file.clone(), "-i".to_owned(), key.clone()];
        if global.today.is_some() {
            argv.extend(["--today".to_owned(), today.clone()]);
        }
        argv.extend(step.iter().map(|arg| match *arg {
            "twebs.json" => twebs.clone(),
            "customers.csv" => customers.clone(),
            "TODAY" => today.clone(),
            other => other.to_owned(),
        }));
        all.push(argv);
    }
    for argv in all {
        let shown: Vec<String> = argv
            .iter()
            .map(|a| {
                let a = a.replace(&dir.path().display().to_string(), "$DEMO");
                if a.contains(' ') { format!("'{a}'") } else { a }
            })
            .collect();
        line("");
        line(&format!("$ rekisteri {}", shown.join(" ")));
        let cli = Cli::try_parse_from(std::iter::once("rekisteri".to_owned()).chain(argv))
            .map_err(|e| Error::Usage(e.to_string()))?;
        let output = crate::cli::commands::dispatch(cli, &source)?;
        let _ = std::io::stderr().flush();
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(output.stdout.as_bytes());
        let _ = out.flush();
    }
    let head =
        std::fs::read(path("register.age")).map_err(|e| Error::io(path("register.age"), e))?;
    let first_line = head.split(|b| *b == b'\n').next().unwrap_or_default();
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "\n# On disk the register is ciphertext only; its first line is `{}`.\n# `age -d -i $DEMO/key.txt $DEMO/register.age | jq .` shows the JSON.\n# The temporary directory is removed now.",
        String::from_utf8_lossy(first_line)
    );
    Ok(Output::default())
}
