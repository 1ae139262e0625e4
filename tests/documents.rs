//! The documents people receive: every reply and letter of the scenario register, in Finnish
//! and in English, as text, HTML and JSON — snapshots of each, no codes, JSON paths or ISO
//! dates in any a person reads, what each letter must say, and how the letter commands fail.
//!
//! The scenario takes seconds to build, so one test builds it and runs every check on it.

mod support;

use support::documents::{Scenario, english_codes, finnish_codes, iso_timestamps, json_paths};
use support::{KEY, REGISTER, rekisteri};

/// The renderings of a document and the snapshot extension of each.
const FORMATS: [(&str, &str); 3] = [("table", "txt"), ("html", "html"), ("json", "json")];
const LANGS: [&str; 2] = ["fi", "en"];

/// Free text staff recorded in Finnish (a breach's nature, a refusal's reasons, an extension's
/// reasons): quoted as written in an English letter, so not a code left untranslated.
const QUOTED_FINNISH: &[&str] = &[
    "Sähköpostilistan vienti lähetettiin väärälle vastaanottajalle.",
    "Tietoja tarvitaan voimassa olevan sopimuksen täyttämiseen, eikä 17 artiklan 1 kohdan perusteita ole.",
    "Pyyntöjä on tullut samanaikaisesti poikkeuksellisen paljon.",
];

/// One rendered document.
struct Rendered {
    name: &'static str,
    lang: &'static str,
    format: &'static str,
    text: String,
}

impl Rendered {
    fn what(&self) -> String {
        format!(
            "{} --lang {} --format {}",
            self.name, self.lang, self.format
        )
    }
}

fn render_all(scenario: &Scenario) -> Vec<Rendered> {
    let mut all = Vec::new();
    for (name, args) in &scenario.documents {
        for lang in LANGS {
            for (format, _) in FORMATS {
                let text = scenario.render(args, lang, format);
                all.push(Rendered {
                    name,
                    lang,
                    format,
                    text,
                });
            }
        }
    }
    all
}

fn find<'a>(all: &'a [Rendered], name: &str, lang: &str, format: &str) -> &'a str {
    &all.iter()
        .find(|r| r.name == name && r.lang == lang && r.format == format)
        .unwrap_or_else(|| panic!("{name} --lang {lang} --format {format} was rendered"))
        .text
}

#[test]
fn every_document_in_both_languages_and_every_rendering() {
    let scenario = Scenario::new();
    let all = render_all(&scenario);
    snapshots(&all);
    no_codes_in_what_people_read(&all);
    what_each_letter_says(&all);
    the_requester_only_request_gets_the_no_data_reply(&scenario, &all);
    letter_commands_fail_cleanly(&scenario);
}

fn snapshots(all: &[Rendered]) {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for r in all {
            let ext = FORMATS
                .iter()
                .find(|(format, _)| *format == r.format)
                .map(|(_, ext)| *ext)
                .expect("a known format");
            insta::assert_snapshot!(
                format!("{}-{}.{ext}", r.name, r.lang),
                without_random_ids(&r.text)
            );
        }
    });
}

/// `text` with each subject id (a random UUID, new in every scenario) written `[subject id]`.
fn without_random_ids(text: &str) -> String {
    let is_uuid = |s: &str| {
        s.len() == 36
            && s.char_indices().all(|(i, c)| match i {
                8 | 13 | 18 | 23 => c == '-',
                _ => c.is_ascii_hexdigit(),
            })
    };
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        match rest.get(..36).filter(|head| is_uuid(head)) {
            Some(_) => {
                out.push_str("[subject id]");
                rest = &rest[36..];
            }
            None => {
                let c = rest.chars().next().expect("rest is not empty");
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    out
}

/// LEGAL §2: no internal codes, JSON paths or UTC timestamps in a reply a person reads.
fn no_codes_in_what_people_read(all: &[Rendered]) {
    for r in all.iter().filter(|r| r.format != "json") {
        assert!(!r.text.contains("TODO"), "{} is a placeholder", r.what());
        let what = r.what();
        let visible = match r.format {
            "html" => visible_text(&r.text),
            _ => r.text.clone(),
        };
        assert_eq!(iso_timestamps(&r.text), Vec::<String>::new(), "{what}");
        assert_eq!(json_paths(&visible), Vec::<String>::new(), "{what}");
        match r.lang {
            "fi" => assert_eq!(english_codes(&visible), Vec::<String>::new(), "{what}"),
            _ => {
                let mut text = visible;
                for quoted in QUOTED_FINNISH {
                    text = text.replace(quoted, "");
                }
                assert_eq!(finnish_codes(&text), Vec::<String>::new(), "{what}");
            }
        }
    }
}

/// What a reader sees of an HTML page: its text without the style sheet and the markup
/// (`<meta name="viewport">` is not a field name left in a letter).
fn visible_text(html: &str) -> String {
    let without_style = match (html.find("<style>"), html.find("</style>")) {
        (Some(start), Some(end)) => format!("{}{}", &html[..start], &html[end..]),
        _ => html.to_owned(),
    };
    let mut text = String::new();
    let mut in_tag = false;
    for c in without_style.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

/// The checks catch what they are for: a planted code, path or timestamp is found.
#[test]
fn the_checks_find_planted_codes() {
    let planted =
        "Kanava: web-form, kenttä business_id, subject.ips[0].first_seen, 2025-03-10T12:00:00Z";
    assert_eq!(english_codes(planted), ["business_id", "ips", "web-form"]);
    assert_eq!(json_paths(planted), ["subject.ips[0].first_seen,"]);
    assert_eq!(iso_timestamps(planted), ["2025-03-10"]);
    assert_eq!(
        english_codes(&visible_text(
            "<p class=\"ref\">Kanava: <strong>web-form</strong></p>"
        )),
        ["web-form"],
        "a code in the text of a page"
    );
    assert_eq!(
        finnish_codes("Channel: verkkolomake"),
        ["verkkolomake"],
        "a Finnish label in an English letter"
    );
}

fn contains(text: &str, what: &str, expected: &str) {
    assert!(
        text.contains(expected),
        "{what} should say {expected:?}:\n{text}"
    );
}

fn what_each_letter_says(all: &[Rendered]) {
    for format in ["table", "html"] {
        // The refusal: the Ombudsman's address, Art. 77 and Art. 79.
        let fi = find(all, "reply-refusal", "fi", format);
        contains(fi, "the Finnish refusal", "PL 800, 00531 Helsinki");
        contains(fi, "the Finnish refusal", "79 artikla");
        let en = find(all, "reply-refusal", "en", format);
        contains(en, "the English refusal", "P.O. Box 800, FI-00531 Helsinki");
        contains(en, "the English refusal", "Article 79");

        // The extension: received 5.3.2025 → receipt + 3 months = 5.6.2025 (a Thursday).
        let fi = find(all, "reply-extension", "fi", format);
        contains(fi, "the Finnish extension", "5.6.2025");
        contains(fi, "the Finnish extension", "12 artiklan 3 kohta");
        let en = find(all, "reply-extension", "en", format);
        contains(en, "the English extension", "5 June 2025");

        // The erasure: the invoice of 20.1.2025 is kept to the end of 2031 (end of the
        // financial year 2025 + 6 years).
        let fi = find(all, "reply-erasure", "fi", format);
        contains(fi, "the Finnish erasure", "31.12.2031");
        contains(
            fi,
            "the Finnish erasure",
            "Kirjanpitolain (1336/1997) 2 luvun 10 §",
        );
        let en = find(all, "reply-erasure", "en", format);
        contains(en, "the English erasure", "31 December 2031");
        contains(
            en,
            "the English erasure",
            "Accounting Act (1336/1997), chapter 2 section 10",
        );

        // The rectification: the new address.
        let fi = find(all, "reply-rectification", "fi", format);
        contains(
            fi,
            "the Finnish rectification",
            "Satamakatu 14, 33200 Tampere",
        );

        // The breach: when it was discovered, in Helsinki time, and the Ombudsman told.
        let fi = find(all, "letter-breach", "fi", format);
        contains(fi, "the Finnish breach notice", "14.3.2025 klo 9.30");
        contains(fi, "the Finnish breach notice", "15.3.2025 klo 16.00");
        let en = find(all, "letter-breach", "en", format);
        contains(en, "the English breach notice", "14 March 2025 at 09:30");
    }
}

/// A request from someone the register does not know is answered "we hold no data on you",
/// addressed to the name the requester gave.
fn the_requester_only_request_gets_the_no_data_reply(scenario: &Scenario, all: &[Rendered]) {
    let (_, args) = scenario
        .documents
        .iter()
        .find(|(name, _)| *name == "reply-no-data")
        .expect("the scenario has a no-data reply");
    assert_eq!(args[0], "reply");
    let json: serde_json::Value =
        serde_json::from_str(find(all, "reply-no-data", "en", "json")).expect("JSON");
    assert_eq!(json["body"]["document"], "no-data");
    assert_eq!(json["to"]["name"], "Kalle Tuntematon");
    for lang in LANGS {
        let text = find(all, "reply-no-data", lang, "table");
        contains(text, "the no-data reply", "Kalle Tuntematon");
    }
    let fi = find(all, "reply-no-data", "fi", "table");
    contains(fi, "the Finnish no-data reply", "15 artiklan 1 kohta");
}

fn letter_commands_fail_cleanly(scenario: &Scenario) {
    let run = |args: &[&str]| {
        rekisteri(scenario.root(), support::documents::DOCUMENT_DAY)
            .args(["-f", REGISTER, "-i", KEY])
            .args(args)
            .output()
            .expect("rekisteri runs")
    };
    let personal = ["Laura", "Nieminen", "laura.nieminen", "040 987 6543"];
    let no_personal_data = |stderr: &str| {
        for word in personal {
            assert!(!stderr.contains(word), "{word} in the error:\n{stderr}");
        }
    };

    // Task T-0002 tells a recipient of Laura's erasure: the register no longer knows her,
    // so the contact person must give the address the recipient knows her by.
    let output = run(&["letter", "recipient", "T-0002"]);
    let stderr = support::assert_error(&output, 2);
    no_personal_data(&stderr);
    assert!(
        stderr.contains("--email"),
        "the error says what to give:\n{stderr}"
    );

    // An address that is not the erased person's is refused, and not echoed back.
    let output = run(&[
        "letter",
        "recipient",
        "T-0002",
        "--email",
        "someone.else@example.fi",
    ]);
    let stderr = support::assert_error(&output, 65);
    no_personal_data(&stderr);
    assert!(!stderr.contains("someone.else"), "{stderr}");
    assert!(output.stdout.is_empty(), "no letter is printed");

    // A letter has no CSV form: a usage error.
    let output = run(&[
        "--format",
        "csv",
        "letter",
        "lift",
        "juha.makinen@example.com",
    ]);
    support::assert_error(&output, 2);
    let (_, args) = &scenario.documents[0];
    let mut csv: Vec<&str> = vec!["--format", "csv"];
    csv.extend(args.iter().map(String::as_str));
    support::assert_error(&run(&csv), 2);
}
