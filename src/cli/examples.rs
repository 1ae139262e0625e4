//! An example for every command's `--help` (and its man page), kept in one table so that a
//! test can check that no command is without one.

use clap::Command;

/// `(command path, examples)`: the path as typed after `rekisteri`.
pub const EXAMPLES: &[(&str, &str)] = &[
    ("", "rekisteri demo\nrekisteri add --help"),
    ("keygen", "rekisteri keygen -o ~/.config/rekisteri/key.txt"),
    (
        "init",
        "rekisteri -f register.age -i key.txt init --metadata examples/twebs.json\nrekisteri init -r age1… -r age1… --metadata my.json",
    ),
    (
        "add",
        "rekisteri add --name \"Maija Meikäläinen\" --email maija@example.fi --role business --consent marketing\nrekisteri add --from examples/customers.csv",
    ),
    (
        "record",
        "rekisteri record maija@example.fi order --product \"Web shop\"",
    ),
    (
        "record order",
        "rekisteri record maija@example.fi order --product \"Web shop\" --on 2025-03-01\nrekisteri record maija@example.fi order --product \"Web shop\" --change \"pro plan\"",
    ),
    (
        "record invoice",
        "rekisteri record maija@example.fi invoice --number 2025-0042 --date 2025-03-01 --amount 249.00",
    ),
    (
        "record ip",
        "rekisteri record maija@example.fi ip 192.0.2.7",
    ),
    (
        "record note",
        "rekisteri record maija@example.fi note \"Prefers email\"",
    ),
    (
        "record disclosure",
        "rekisteri record maija@example.fi disclosure --recipient tilitoimisto --fields name,invoices",
    ),
    (
        "record end",
        "rekisteri record maija@example.fi end --on 2025-06-30",
    ),
    (
        "correct",
        "rekisteri correct maija@example.fi --set phone=0401234567 --reason \"new number\" --request R-0002",
    ),
    (
        "erase",
        "rekisteri erase maija@example.fi --reason \"Art. 17(1)(a)\" --request R-0004\nrekisteri erase --expired",
    ),
    (
        "restrict",
        "rekisteri restrict maija@example.fi --ground accuracy --request R-0003\nrekisteri restrict maija@example.fi --lift --notified-on 2025-03-20",
    ),
    (
        "object",
        "rekisteri object maija@example.fi\nrekisteri object maija@example.fi --purpose customer-contact",
    ),
    (
        "consent",
        "rekisteri consent maija@example.fi give uutiskirje --channel web-form --evidence \"form 42\"\nrekisteri consent maija@example.fi withdraw marketing --on 2025-03-01",
    ),
    (
        "describe",
        "rekisteri describe --metadata twebs-2025-06.json",
    ),
    (
        "export",
        "rekisteri export maija@example.fi --lang en\nrekisteri --format html export maija@example.fi > vastaus.html\nrekisteri --format csv export --purpose marketing",
    ),
    (
        "request",
        "rekisteri request open --kind access --subject maija@example.fi --received 2025-03-05 --channel email",
    ),
    (
        "request open",
        "rekisteri request open --kind access --subject maija@example.fi --received 2025-03-05 --channel email",
    ),
    ("request list", "rekisteri request list --open"),
    (
        "request link",
        "rekisteri request link R-0001 maija@example.fi",
    ),
    ("request show", "rekisteri request show R-0001"),
    (
        "request extend",
        "rekisteri request extend R-0005 --reason \"many requests at once\" --notified-on 2025-03-20",
    ),
    (
        "request close",
        "rekisteri request close R-0001 --outcome \"report sent by email\" --sent vastaus.txt",
    ),
    (
        "request refuse",
        "rekisteri request refuse R-0006 --reason \"manifestly unfounded: …\"",
    ),
    ("audit", "rekisteri audit deadlines --within 7"),
    (
        "audit log",
        "rekisteri audit log --subject maija@example.fi --since 2025-03-01",
    ),
    ("audit verify", "rekisteri audit verify --expect 3f2a…"),
    ("audit accept-rollback", "rekisteri audit accept-rollback"),
    (
        "audit deadlines",
        "rekisteri audit deadlines --within 7 --quiet",
    ),
    ("audit tasks", "rekisteri audit tasks --all"),
    (
        "audit task-done",
        "rekisteri audit task-done T-0001 --on 2025-03-10",
    ),
    (
        "notice",
        "rekisteri notice --lang en\nrekisteri --format html notice > tietosuojaseloste.html\nrekisteri notice --version 2025-01\nrekisteri notice --metadata examples/twebs.json --example-notes",
    ),
    (
        "reply",
        "rekisteri reply R-0001 > vastaus.txt\nrekisteri --format html reply R-0001 --lang en > reply.html",
    ),
    (
        "letter",
        "rekisteri letter recipient T-0001\nrekisteri letter breach B-0001 --subject maija@example.fi",
    ),
    (
        "letter recipient",
        "rekisteri letter recipient T-0001 --lang en\nrekisteri letter recipient T-0002 --email maija@example.fi",
    ),
    (
        "letter lift",
        "rekisteri --format html letter lift maija@example.fi > ilmoitus.html",
    ),
    (
        "letter breach",
        "rekisteri letter breach B-0001 --subject maija@example.fi --lang en",
    ),
    (
        "rekey",
        "rekisteri rekey -R staff-recipients.txt\nrekisteri rekey -r age1… --yes",
    ),
    ("schema", "rekisteri schema > register.schema.json"),
    (
        "completions",
        "rekisteri completions bash > ~/.local/share/bash-completion/completions/rekisteri",
    ),
    ("man", "rekisteri man ~/.local/share/man/man1"),
    ("demo", "rekisteri demo"),
    ("retention", "rekisteri retention check --within 30"),
    (
        "retention check",
        "rekisteri retention check --within 30 --quiet",
    ),
    ("retention apply", "rekisteri retention apply --yes"),
    (
        "breach",
        "rekisteri breach open --aware \"2026-03-27 10:00\" --nature \"laptop stolen\" --categories contact --risk risk",
    ),
    (
        "breach open",
        "rekisteri breach open --aware \"2026-03-27 10:00\" --nature \"laptop stolen\" --categories contact --approx-subjects 40 --risk risk",
    ),
    (
        "breach notify-authority",
        "rekisteri breach notify-authority B-0001 --on \"2026-03-28 09:00\" --reference TSV/1234",
    ),
    (
        "breach notify-subjects",
        "rekisteri breach notify-subjects B-0001 --on 2026-03-28",
    ),
    (
        "breach close",
        "rekisteri breach close B-0001 --measures \"disk encryption on every laptop\"",
    ),
    ("breach list", "rekisteri breach list"),
    ("breach show", "rekisteri breach show B-0001"),
];

/// The examples of the command at `path`, if the table has them.
pub fn examples_of(path: &str) -> Option<&'static str> {
    EXAMPLES
        .iter()
        .find(|(at, _)| *at == path)
        .map(|(_, text)| *text)
}

/// `command` with its examples, and its subcommands', after each help text.
pub fn with_examples(command: Command) -> Command {
    add(command, "")
}

fn add(mut command: Command, path: &str) -> Command {
    if let Some(text) = examples_of(path) {
        let lines: Vec<String> = text.lines().map(|l| format!("  {l}")).collect();
        command = command.after_help(format!("Examples:\n{}", lines.join("\n")));
    }
    let names: Vec<String> = command
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    for name in names {
        let sub_path = if path.is_empty() {
            name.clone()
        } else {
            format!("{path} {name}")
        };
        command = command.mut_subcommand(&name, |sub| add(sub, &sub_path));
    }
    command
}
