//! [`Scenario`]: one register in which every document a person can receive exists — a reply
//! to each kind of request in each state, an Art. 19 notice to a recipient for each cause,
//! the Art. 18(3) notice and the Art. 34 notice — and the checks every document must pass
//! ([`english_codes`], [`finnish_codes`], [`json_paths`], [`iso_timestamps`]).

use std::path::Path;

use super::{KEY, REGISTER, assert_success, rekisteri};
use crate::support::fixture::Fixture;

/// The example register after a month of requests, built through the command line.
pub struct Scenario {
    pub fixture: Fixture,
    /// Each document: a name for snapshots and the arguments that print it (without
    /// `--lang` and `--format`).
    pub documents: Vec<(&'static str, Vec<String>)>,
}

/// The day the documents are written.
pub const DOCUMENT_DAY: &str = "2025-03-20";

impl Scenario {
    pub fn new() -> Scenario {
        let (fixture, ids) = Fixture::with_customers();
        let run = |today: &str, args: &[&str]| -> String {
            let output = rekisteri(fixture.root(), today)
                .args(["-f", REGISTER, "-i", KEY])
                .args(args)
                .output()
                .expect("rekisteri runs");
            assert_success(&output, &args.join(" "));
            String::from_utf8_lossy(&output.stdout).trim().to_owned()
        };
        let open = |today: &str, kind: &str, who: &[&str], received: &str, channel: &str| {
            let mut args = vec!["request", "open", "--kind", kind, "--received", received];
            args.extend(["--channel", channel]);
            args.extend(who);
            let printed = run(today, &args);
            printed
                .split_whitespace()
                .next()
                .expect("request open prints the id")
                .to_owned()
        };
        let (aino, mikko, laura, juha, sanna, pekka, elina, ville, henna) = (
            &ids[0], &ids[1], &ids[2], &ids[3], &ids[4], &ids[5], &ids[6], &ids[7], &ids[8],
        );

        // Facts the letters talk about: an order, invoices, disclosures to recipients.
        run(
            "2025-03-05",
            &[
                "record",
                aino,
                "order",
                "--product",
                "Verkkosivusto",
                "--on",
                "2025-01-10",
            ],
        );
        run(
            "2025-03-05",
            &[
                "record",
                aino,
                "invoice",
                "--number",
                "2025-014",
                "--date",
                "2025-01-31",
                "--amount",
                "1240.00",
            ],
        );
        run(
            "2025-03-05",
            &[
                "record",
                mikko,
                "disclosure",
                "--recipient",
                "mail-crm",
                "--fields",
                "name,email,address",
            ],
        );
        run(
            "2025-03-05",
            &[
                "record",
                laura,
                "invoice",
                "--number",
                "2025-007",
                "--date",
                "2025-01-20",
                "--amount",
                "480.00",
            ],
        );
        run(
            "2025-03-05",
            &[
                "record",
                laura,
                "disclosure",
                "--recipient",
                "mail-crm",
                "--fields",
                "name,email",
            ],
        );
        run(
            "2025-03-05",
            &[
                "record",
                juha,
                "disclosure",
                "--recipient",
                "hosting",
                "--fields",
                "name,email,ips",
            ],
        );

        // Access: answered with the report (Aino).
        let access = open(
            "2025-03-05",
            "access",
            &["--subject", aino],
            "2025-03-05",
            "email",
        );
        // Rectification, done and closed (Mikko): a task for the recipient.
        let rectification = open(
            "2025-03-06",
            "rectification",
            &["--subject", mikko],
            "2025-03-06",
            "phone",
        );
        run(
            "2025-03-07",
            &[
                "correct",
                mikko,
                "--set",
                "address=Satamakatu 14, 33200 Tampere",
                "--reason",
                "muuttanut",
                "--request",
                &rectification,
            ],
        );
        run(
            "2025-03-07",
            &[
                "request",
                "close",
                &rectification,
                "--outcome",
                "osoite oikaistu",
            ],
        );
        // Erasure (Laura), with an access request of hers still open: kept invoices.
        let kept_access = open(
            "2025-03-06",
            "access",
            &["--subject", laura],
            "2025-03-06",
            "email",
        );
        let erasure = open(
            "2025-03-06",
            "erasure",
            &["--subject", laura],
            "2025-03-06",
            "email",
        );
        run(
            "2025-03-10",
            &[
                "erase",
                laura,
                "--reason",
                "rekisteröidyn pyyntö (17 artiklan 1 kohdan b alakohta)",
                "--request",
                &erasure,
            ],
        );
        run(
            "2025-03-10",
            &["request", "close", &erasure, "--outcome", "poistettu"],
        );
        // Restriction (Juha), in force: a task, and the Art. 18(3) notice.
        let restriction = open(
            "2025-03-07",
            "restriction",
            &["--subject", juha],
            "2025-03-07",
            "web-form",
        );
        run(
            "2025-03-08",
            &[
                "restrict",
                juha,
                "--ground",
                "accuracy",
                "--request",
                &restriction,
            ],
        );
        run(
            "2025-03-08",
            &["request", "close", &restriction, "--outcome", "rajoitettu"],
        );
        // Objection to direct marketing (Sanna).
        let objection = open(
            "2025-03-07",
            "objection",
            &["--subject", sanna],
            "2025-03-07",
            "email",
        );
        run("2025-03-07", &["object", sanna, "--request", &objection]);
        run(
            "2025-03-07",
            &[
                "request",
                "close",
                &objection,
                "--outcome",
                "suoramarkkinointi lopetettu",
            ],
        );
        // Portability (Pekka), answered.
        let portability = open(
            "2025-03-08",
            "portability",
            &["--subject", pekka],
            "2025-03-08",
            "email",
        );
        run(
            "2025-03-09",
            &[
                "request",
                "close",
                &portability,
                "--outcome",
                "tiedot lähetetty",
            ],
        );
        // Extension (Elina), told on time.
        let extension = open(
            "2025-03-05",
            "access",
            &["--subject", elina],
            "2025-03-05",
            "letter",
        );
        run(
            "2025-03-12",
            &[
                "request",
                "extend",
                &extension,
                "--reason",
                "Pyyntöjä on tullut samanaikaisesti poikkeuksellisen paljon.",
                "--notified-on",
                "2025-03-12",
            ],
        );
        // Refusal (Ville).
        let refusal = open(
            "2025-03-09",
            "erasure",
            &["--subject", ville],
            "2025-03-09",
            "email",
        );
        run(
            "2025-03-11",
            &[
                "request",
                "refuse",
                &refusal,
                "--reason",
                "Tietoja tarvitaan voimassa olevan sopimuksen täyttämiseen, eikä 17 artiklan 1 kohdan perusteita ole.",
            ],
        );
        // A request whose requester matches nobody.
        let no_data = open(
            "2025-03-10",
            "access",
            &["--requester", "Kalle Tuntematon"],
            "2025-03-10",
            "email",
        );
        // A request still open (Henna): the acknowledgement.
        let pending = open(
            "2025-03-15",
            "rectification",
            &["--subject", henna],
            "2025-03-15",
            "email",
        );
        // A breach of Sanna's data, high risk.
        run(
            "2025-03-14",
            &[
                "breach",
                "open",
                "--aware",
                "2025-03-14 09:30",
                "--nature",
                "Sähköpostilistan vienti lähetettiin väärälle vastaanottajalle.",
                "--categories",
                "contact",
                "--subjects",
                sanna,
                "--risk",
                "high",
            ],
        );
        run(
            "2025-03-15",
            &[
                "breach",
                "notify-authority",
                "B-0001",
                "--on",
                "2025-03-15 16:00",
                "--reference",
                "TSV-2025-123",
            ],
        );

        let reply = |name: &'static str, id: &str| (name, vec!["reply".to_owned(), id.to_owned()]);
        let strings = |args: &[&str]| args.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>();
        let documents = vec![
            reply("reply-access", &access),
            reply("reply-access-kept-records", &kept_access),
            reply("reply-rectification", &rectification),
            reply("reply-erasure", &erasure),
            reply("reply-restriction", &restriction),
            reply("reply-objection", &objection),
            reply("reply-portability", &portability),
            reply("reply-extension", &extension),
            reply("reply-refusal", &refusal),
            reply("reply-no-data", &no_data),
            reply("reply-acknowledgement", &pending),
            ("export-access", strings(&["export", aino])),
            (
                "letter-recipient-rectification",
                strings(&["letter", "recipient", "T-0001"]),
            ),
            (
                "letter-recipient-erasure",
                strings(&[
                    "letter",
                    "recipient",
                    "T-0002",
                    "--email",
                    "laura.nieminen@example.fi",
                ]),
            ),
            (
                "letter-recipient-restriction",
                strings(&["letter", "recipient", "T-0003"]),
            ),
            ("letter-lift", strings(&["letter", "lift", juha])),
            (
                "letter-breach",
                strings(&["letter", "breach", "B-0001", "--subject", sanna]),
            ),
        ];
        Scenario { fixture, documents }
    }

    /// Runs a document's command in `lang` and `format` on [`DOCUMENT_DAY`]; its stdout.
    pub fn render(&self, args: &[String], lang: &str, format: &str) -> String {
        let output = rekisteri(self.fixture.root(), DOCUMENT_DAY)
            .args(["-f", REGISTER, "-i", KEY, "--format", format])
            .args(args)
            .args(["--lang", lang])
            .output()
            .expect("rekisteri runs");
        assert_success(
            &output,
            &format!("{} --lang {lang} --format {format}", args.join(" ")),
        );
        String::from_utf8(output.stdout).expect("documents are UTF-8")
    }

    pub fn root(&self) -> &Path {
        self.fixture.root()
    }
}

/// Words of `text`: runs of letters, digits, `-` and `_` (so codes such as `web-form` and
/// `business_id` are one word).
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_'))
        .filter(|w| !w.is_empty())
}

/// The codes of the register (enum codes and field names) that `text` contains as words
/// and that are not also Finnish words in their own right.
pub fn english_codes(text: &str) -> Vec<String> {
    let codes: Vec<&str> = rekisteri::core::labels::ALL
        .iter()
        .flat_map(|table| table.iter())
        .filter(|(code, fi, _)| code != fi)
        .map(|(code, _, _)| *code)
        .collect();
    let mut found: Vec<String> = words(text)
        .filter(|w| codes.contains(w))
        .map(str::to_owned)
        .collect();
    found.sort();
    found.dedup();
    found
}

/// Finnish labels of codes that `text` (an English document) contains.
pub fn finnish_codes(text: &str) -> Vec<String> {
    let labels: Vec<&str> = rekisteri::core::labels::ALL
        .iter()
        .flat_map(|table| table.iter())
        .filter(|(_, fi, en)| fi != en)
        .map(|(_, fi, _)| *fi)
        .collect();
    let mut found: Vec<String> = labels
        .into_iter()
        .filter(|label| text.contains(label))
        .map(str::to_owned)
        .collect();
    found.sort();
    found.dedup();
    found
}

/// JSON paths such as `[2].disclosures[0].fields[3]` or `subject.email` in `text`.
pub fn json_paths(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for word in text.split_whitespace() {
        let bracketed = word.contains("].") || word.contains("][") || word.starts_with('[');
        let bracket_index = word
            .find('[')
            .is_some_and(|i| word[i + 1..].starts_with(|c: char| c.is_ascii_digit()));
        let dotted_code = word.contains('_') && word.contains('.');
        if (bracketed && bracket_index) || dotted_code {
            found.push(word.to_owned());
        }
    }
    found
}

/// ISO dates and timestamps (`2025-03-10`, `2025-03-10T12:00:00Z`) in `text`.
pub fn iso_timestamps(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let digit = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_digit);
    for start in 0..bytes.len() {
        let before_is_digit = start > 0 && digit(start - 1);
        if !before_is_digit
            && (0..4).all(|k| digit(start + k))
            && bytes.get(start + 4) == Some(&b'-')
            && (5..7).all(|k| digit(start + k))
            && bytes.get(start + 7) == Some(&b'-')
            && (8..10).all(|k| digit(start + k))
        {
            found.push(text[start..start + 10].to_owned());
        }
    }
    found
}
